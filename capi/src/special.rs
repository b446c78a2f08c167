//! Special functions for C: scalar in, scalar out. NaN encodes a domain error exactly as the
//! Rust functions of `simstat::special` do, so these take no pointers and return no status.

use simstat::special;

/// ψ(x).
#[no_mangle]
pub extern "C" fn simstat_digamma(x: f64) -> f64 {
    special::digamma(x)
}

/// ψ′(x).
#[no_mangle]
pub extern "C" fn simstat_trigamma(x: f64) -> f64 {
    special::trigamma(x)
}

/// ln |Γ(x)|.
#[no_mangle]
pub extern "C" fn simstat_ln_gamma(x: f64) -> f64 {
    special::ln_gamma(x)
}

/// Regularized lower incomplete gamma P(a, x).
#[no_mangle]
pub extern "C" fn simstat_gamma_p(a: f64, x: f64) -> f64 {
    special::gamma_p(a, x)
}

/// Regularized upper incomplete gamma Q(a, x), computed directly.
#[no_mangle]
pub extern "C" fn simstat_gamma_q(a: f64, x: f64) -> f64 {
    special::gamma_q(a, x)
}

/// Inverse of P in x: P(a, x) = p.
#[no_mangle]
pub extern "C" fn simstat_gamma_p_inv(a: f64, p: f64) -> f64 {
    special::gamma_p_inv(a, p)
}
