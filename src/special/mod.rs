//! Special functions the gamma fits need: ψ, ψ′, ln Γ, regularized incomplete gamma P/Q, P⁻¹.
//!
//! Every function is generic over [`Real`] (`f32`, `f64`), allocation-free, cannot
//! panic, and every loop has a fixed iteration bound. The `f64` kernels are the `*_f64` functions
//! in the submodules; the generic entry points below widen to `f64`, evaluate, and round once.
//!
//! Domain conventions (as libm): NaN in → NaN out; poles give NaN (ψ, ψ′ at non-positive
//! integers) or +inf (ln Γ); for P/Q, `a ≤ 0` or `x < 0` → NaN, `P(a, 0) = 0`, `Q(a, 0) = 1`,
//! `P(a, +inf) = 1`.

mod dd;
pub mod digamma;
mod digamma_dd;
pub mod gamma_inc;
#[rustfmt::skip]
mod gamma_inc_consts;
pub mod gamma_inc_inv;
pub mod ln_gamma;
#[rustfmt::skip]
mod psi_cells;
mod temme;
pub mod trigamma;

use crate::Real;

/// Digamma ψ(x) = d/dx ln Γ(x).
///
/// ```
/// let x0 = 1.461_632_144_968_362_3_f64; // ψ's positive root
/// assert!(simstat::special::digamma(x0).abs() < 1e-15);
/// ```
#[inline]
pub fn digamma<T: Real>(x: T) -> T {
    T::from_f64(digamma::digamma_f64(x.to_f64()))
}

/// Trigamma ψ′(x) = d²/dx² ln Γ(x).
///
/// ```
/// let pi2_6 = core::f64::consts::PI * core::f64::consts::PI / 6.0;
/// assert!((simstat::special::trigamma(1.0_f64) - pi2_6).abs() < 1e-15);
/// ```
#[inline]
pub fn trigamma<T: Real>(x: T) -> T {
    T::from_f64(trigamma::trigamma_f64(x.to_f64()))
}

/// ln |Γ(x)|.
///
/// ```
/// assert!((simstat::special::ln_gamma(5.0_f64) - 24.0_f64.ln()).abs() < 1e-15);
/// ```
#[inline]
pub fn ln_gamma<T: Real>(x: T) -> T {
    T::from_f64(ln_gamma::ln_gamma_f64(x.to_f64()))
}

/// Regularized lower incomplete gamma P(a, x) = γ(a, x)/Γ(a).
///
/// ```
/// // P(1, x) = 1 − e^{−x}
/// assert!((simstat::special::gamma_p(1.0_f64, 2.0) - (1.0 - (-2.0_f64).exp())).abs() < 1e-15);
/// ```
#[inline]
pub fn gamma_p<T: Real>(a: T, x: T) -> T {
    T::from_f64(gamma_inc::gamma_p_f64(a.to_f64(), x.to_f64()))
}

/// Regularized upper incomplete gamma Q(a, x) = Γ(a, x)/Γ(a), computed directly (not 1 − P),
/// so it keeps relative accuracy deep in the upper tail.
///
/// ```
/// // Q(1, x) = e^{−x}, even where 1 − P would round to 0
/// let q = simstat::special::gamma_q(1.0_f64, 700.0);
/// assert!((q / (-700.0_f64).exp() - 1.0).abs() < 1e-13);
/// ```
#[inline]
pub fn gamma_q<T: Real>(a: T, x: T) -> T {
    T::from_f64(gamma_inc::gamma_q_f64(a.to_f64(), x.to_f64()))
}

/// Inverse of P in x: the x ≥ 0 with P(a, x) = p, for a > 0 and p ∈ [0, 1].
///
/// `p = 0` gives 0, `p = 1` gives +inf; anything else out of domain gives NaN. Where the exact
/// solution is below the smallest normal double (tiny p with small a) the result is 0.
/// Round trip: P(a, x) = p to ≤ 1e-13 relative for a ∈ [0.3, 1000] (measured 7.3e-14).
///
/// ```
/// let x = simstat::special::gamma_p_inv(4.5_f64, 0.3);
/// assert!((simstat::special::gamma_p(4.5_f64, x) - 0.3).abs() < 1e-14);
/// ```
#[inline]
pub fn gamma_p_inv<T: Real>(a: T, p: T) -> T {
    T::from_f64(gamma_inc_inv::gamma_p_inv_f64(a.to_f64(), p.to_f64()))
}
