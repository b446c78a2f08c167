//! Inverse of the regularized lower incomplete gamma in x: f64 kernel.
use super::gamma_inc::{gamma_p_f64, gamma_q_f64};

/// x with P(a, x) = p. 0 for p = 0, +inf for p = 1, NaN out of domain.
pub fn gamma_p_inv_f64(a: f64, p: f64) -> f64 {
    if a.is_nan() || p.is_nan() || a <= 0.0 || a == f64::INFINITY || !(0.0..=1.0).contains(&p) {
        return f64::NAN;
    }
    if p == 0.0 {
        return 0.0;
    }
    if p == 1.0 {
        return f64::INFINITY;
    }
    // Bracket [lo, hi] by doubling, then safeguarded Newton on P.
    let mut lo = 0.0_f64;
    let mut hi = a.max(1.0);
    for _ in 0..2100 {
        if gamma_p_f64(a, hi) >= p {
            break;
        }
        lo = hi;
        hi *= 2.0;
    }
    let lga = libm::lgamma(a);
    let mut x = 0.5 * (lo + hi);
    for _ in 0..200 {
        let f = if p < 0.5 {
            gamma_p_f64(a, x) - p
        } else {
            (1.0 - p) - gamma_q_f64(a, x)
        };
        if f == 0.0 {
            return x;
        }
        if f > 0.0 {
            hi = x;
        } else {
            lo = x;
        }
        let dens = libm::exp((a - 1.0) * libm::log(x) - x - lga);
        let mut next = x - f / dens;
        if !(next > lo && next < hi) || !next.is_finite() {
            next = 0.5 * (lo + hi);
        }
        if (next - x).abs() <= 4.0 * f64::EPSILON * x || hi - lo <= 4.0 * f64::EPSILON * hi {
            return next;
        }
        x = next;
    }
    x
}
