//! C ABI (feature `ffi`): `extern "C"` entry points over plain types.
//!
//! Scalar special functions return their value; NaN encodes a domain error exactly as the Rust
//! functions do. Functions that take pointers return a status code (see later sections).
#![allow(unsafe_code)] // `#[no_mangle]` is an unsafe attribute; no other unsafe code here.

use crate::special;

/// ψ(x) for C: `double simstat_digamma(double x)`.
#[no_mangle]
pub extern "C" fn simstat_digamma(x: f64) -> f64 {
    special::digamma(x)
}

/// ψ′(x) for C.
#[no_mangle]
pub extern "C" fn simstat_trigamma(x: f64) -> f64 {
    special::trigamma(x)
}

/// ln |Γ(x)| for C.
#[no_mangle]
pub extern "C" fn simstat_ln_gamma(x: f64) -> f64 {
    special::ln_gamma(x)
}

/// P(a, x) for C.
#[no_mangle]
pub extern "C" fn simstat_gamma_p(a: f64, x: f64) -> f64 {
    special::gamma_p(a, x)
}

/// Q(a, x) for C.
#[no_mangle]
pub extern "C" fn simstat_gamma_q(a: f64, x: f64) -> f64 {
    special::gamma_q(a, x)
}

/// P⁻¹(a, p) in x for C.
#[no_mangle]
pub extern "C" fn simstat_gamma_p_inv(a: f64, p: f64) -> f64 {
    special::gamma_p_inv(a, p)
}
