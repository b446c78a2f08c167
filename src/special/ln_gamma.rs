//! ln |Γ(x)|: f64 kernel.

/// ln |Γ(x)| in f64 (+inf at the poles, NaN for NaN).
pub fn ln_gamma_f64(x: f64) -> f64 {
    libm::lgamma(x)
}
