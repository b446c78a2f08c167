//! Stable log-sum-exp and softmax over short slices of log terms (mixture components, experts).

/// ln Σᵢ exp(xᵢ), with the maximum factored out so nothing overflows or underflows to 0/0.
///
/// When the maximum is not finite it is returned as it is: −∞ for an empty slice or all terms
/// −∞ (no component covers the point), +∞ if a term is +∞. NaN terms are skipped by the maximum
/// (as `f64::max` does) but reach the sum, so a NaN term gives NaN.
///
/// The sum runs left to right, so the result is the same, bit for bit, as the loops it
/// replaced.
pub(crate) fn log_sum_exp(xs: &[f64]) -> f64 {
    let m = xs.iter().fold(f64::NEG_INFINITY, |m, &x| m.max(x));
    if !m.is_finite() {
        return m;
    }
    let s: f64 = xs.iter().map(|&x| libm::exp(x - m)).sum();
    m + libm::log(s)
}

/// Overwrites `xs` (log weights) with softmax(xs): eᵢ = exp(xᵢ − m) over the maximum m, each
/// divided by s = Σ eᵢ (summed left to right); returns ln Σ exp(xᵢ) = m + ln s. When the
/// maximum is not finite (empty, all −∞, or +∞ present) every entry is set to `fallback` and the
/// maximum is returned.
pub(crate) fn softmax_in_place(xs: &mut [f64], fallback: f64) -> f64 {
    let m = xs.iter().fold(f64::NEG_INFINITY, |m, &x| m.max(x));
    if !m.is_finite() {
        xs.fill(fallback);
        return m;
    }
    for x in xs.iter_mut() {
        *x = libm::exp(*x - m);
    }
    let s: f64 = xs.iter().sum();
    for x in xs.iter_mut() {
        *x /= s;
    }
    m + libm::log(s)
}

#[cfg(test)]
mod tests {
    use super::{log_sum_exp, softmax_in_place};

    #[test]
    fn values_and_edges() {
        assert_eq!(log_sum_exp(&[]), f64::NEG_INFINITY);
        assert_eq!(log_sum_exp(&[f64::NEG_INFINITY; 3]), f64::NEG_INFINITY);
        assert_eq!(log_sum_exp(&[1.0, f64::INFINITY]), f64::INFINITY);
        assert!(log_sum_exp(&[0.0, f64::NAN]).is_nan());
        // ln(e^0 + e^0) = ln 2; no overflow at 1000, no underflow at −1000.
        assert!((log_sum_exp(&[0.0, 0.0]) - core::f64::consts::LN_2).abs() < 1e-16);
        assert!(
            (log_sum_exp(&[1000.0, 1000.0]) - (1000.0 + core::f64::consts::LN_2)).abs() < 1e-12
        );
        assert!(
            (log_sum_exp(&[-1000.0, -1000.0]) - (-1000.0 + core::f64::consts::LN_2)).abs() < 1e-12
        );
        assert_eq!(log_sum_exp(&[-3.5, f64::NEG_INFINITY]), -3.5);
    }

    #[test]
    fn softmax_sums_to_one() {
        let mut w = [0.3_f64.ln(), 0.5_f64.ln(), 0.2_f64.ln()];
        let lse = softmax_in_place(&mut w, 0.0);
        assert!(lse.abs() < 1e-15);
        assert!((w[0] - 0.3).abs() < 1e-15 && (w[1] - 0.5).abs() < 1e-15);
        let mut dead = [f64::NEG_INFINITY; 2];
        assert_eq!(softmax_in_place(&mut dead, 0.5), f64::NEG_INFINITY);
        assert_eq!(dead, [0.5, 0.5]);
    }
}
