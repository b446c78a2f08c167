//! Cancellation-free pieces of the gamma log-density (Loader's saddle-point form) and the
//! large-shape series the fit uses: `stirlerr`, `bd0`, `ln Γ`-free log densities.

use crate::special::{digamma, ln_gamma, trigamma};

const LN_SQRT_2PI: f64 = 0.918_938_533_204_672_8;

/// stirlerr(n) = ln Γ(n + 1) − (n + ½) ln n + n − ln √(2π), for n > 0.
///
/// Series in 1/n for n > 15 (error < 1e-17 relative to the result); the defining formula below
/// (absolute error a few 1e-15, harmless where it is used).
pub(crate) fn stirlerr(n: f64) -> f64 {
    const S0: f64 = 1.0 / 12.0;
    const S1: f64 = 1.0 / 360.0;
    const S2: f64 = 1.0 / 1260.0;
    const S3: f64 = 1.0 / 1680.0;
    const S4: f64 = 1.0 / 1188.0;
    const S5: f64 = 691.0 / 360_360.0;
    const S6: f64 = 1.0 / 156.0;
    if n > 15.0 {
        let nn = n * n;
        if n > 500.0 {
            return (S0 - S1 / nn) / n;
        }
        if n > 80.0 {
            return (S0 - (S1 - S2 / nn) / nn) / n;
        }
        if n > 35.0 {
            return (S0 - (S1 - (S2 - S3 / nn) / nn) / nn) / n;
        }
        return (S0 - (S1 - (S2 - (S3 - (S4 - (S5 - S6 / nn) / nn) / nn) / nn) / nn) / nn) / n;
    }
    ln_gamma(n + 1.0) - (n + 0.5) * libm::log(n) + n - LN_SQRT_2PI
}

/// bd0(x, np) = x ln(x/np) + np − x ≥ 0, without cancellation near x = np (Loader 2000).
pub(crate) fn bd0(x: f64, np: f64) -> f64 {
    if (x - np).abs() < 0.1 * (x + np) {
        let mut v = (x - np) / (x + np);
        let mut s = (x - np) * v;
        if s.abs() < f64::MIN_POSITIVE {
            return s;
        }
        let mut ej = 2.0 * x * v;
        v *= v;
        for j in 1..1000 {
            ej *= v;
            let s1 = s + ej / f64::from(2 * j + 1);
            if s1 == s {
                return s1;
            }
            s = s1;
        }
        return s;
    }
    x * libm::log(x / np) + np - x
}

/// ln of the standard gamma density z^{α−1} e^{−z} / Γ(α) at z > 0, with `dz` a first-order
/// correction to z (the rounding error of the caller's z, may be 0).
pub(crate) fn ln_std_gamma_pdf(alpha: f64, z: f64, dz: f64) -> f64 {
    let k = alpha - 1.0;
    if alpha >= 16.0 {
        // z^k e^{−z}/Γ(k+1) = exp(−stirlerr(k) − bd0(k, z)) / √(2πk); d bd0/dz = 1 − k/z.
        let b = bd0(k, z) + (1.0 - k / z) * dz;
        -stirlerr(k) - b - LN_SQRT_2PI - 0.5 * libm::log(k)
    } else {
        k * (libm::log(z) + dz / z) - z - dz - ln_gamma(alpha)
    }
}

/// κ(α) = α ln α − α − ln Γ(α), without the cancellation of the naive form for large α.
pub(crate) fn kappa(alpha: f64) -> f64 {
    if alpha > 16.0 {
        0.5 * libm::log(alpha) - LN_SQRT_2PI - stirlerr(alpha)
    } else {
        alpha * libm::log(alpha) - alpha - ln_gamma(alpha)
    }
}

/// ln α − ψ(α) > 0, by its asymptotic series for α ≥ 20 (no cancellation), else directly.
pub(crate) fn log_minus_digamma(alpha: f64) -> f64 {
    if alpha >= 20.0 {
        let r = 1.0 / alpha;
        let r2 = r * r;
        // 1/(2α) + 1/(12α²) − 1/(120α⁴) + 1/(252α⁶) − 1/(240α⁸) + 1/(132α¹⁰)
        0.5 * r
            + r2 * (1.0 / 12.0
                - r2 * (1.0 / 120.0 - r2 * (1.0 / 252.0 - r2 * (1.0 / 240.0 - r2 / 132.0))))
    } else {
        libm::log(alpha) - digamma(alpha)
    }
}

/// 1/α − ψ′(α) < 0, by its asymptotic series for α ≥ 20, else directly.
pub(crate) fn inv_minus_trigamma(alpha: f64) -> f64 {
    if alpha >= 20.0 {
        let r = 1.0 / alpha;
        let r2 = r * r;
        // −[1/(2α²) + 1/(6α³) − 1/(30α⁵) + 1/(42α⁷) − 1/(30α⁹) + 5/(66α¹¹)]
        -(r2 * (0.5
            + r * (1.0 / 6.0
                - r2 * (1.0 / 30.0 - r2 * (1.0 / 42.0 - r2 * (1.0 / 30.0 - r2 * 5.0 / 66.0))))))
    } else {
        1.0 / alpha - trigamma(alpha)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stirlerr_branches_agree_at_the_switch() {
        // Series vs the defining formula, which cancels ~ε·(n+½)ln n: bound 4ε·(n+1)·ln n.
        for &n in &[15.5_f64, 16.0, 20.0, 40.0] {
            let direct = ln_gamma(n + 1.0) - (n + 0.5) * libm::log(n) + n - LN_SQRT_2PI;
            let bound = 4.0 * f64::EPSILON * (n + 1.0) * libm::log(n);
            assert!((stirlerr(n) - direct).abs() < bound, "n={n}");
        }
    }

    #[test]
    fn series_match_direct_forms_at_20() {
        // At α = 20 the asymptotic series and ψ/ψ′ agree to 1e-15 relative.
        let a = 20.0;
        let d = libm::log(a) - digamma(a);
        assert!((log_minus_digamma(a) - d).abs() <= 1e-13 * d);
        let t = 1.0 / a - trigamma(a);
        assert!((inv_minus_trigamma(a) - t).abs() <= 1e-12 * t.abs());
    }

    #[test]
    fn bd0_matches_naive_far_from_np() {
        let (x, np) = (3.0_f64, 10.0_f64);
        let naive = x * libm::log(x / np) + np - x;
        assert!((bd0(x, np) - naive).abs() < 1e-14);
        // near x = np the naive form cancels 12 digits; mpmath (50 digits) for the same doubles:
        // bd0(1000, 1000.001) = 4.9999966664326982787e-10. Bound: 1e-14 relative.
        let b = bd0(1000.0, 1000.001);
        assert!(
            (b / 4.999_996_666_432_698e-10 - 1.0).abs() < 1e-14,
            "{b:e}"
        );
    }
}
