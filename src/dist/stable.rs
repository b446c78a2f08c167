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
        assert!((b / 4.999_996_666_432_698e-10 - 1.0).abs() < 1e-14, "{b:e}");
    }
}

/// ln(1 + x) for finite x > −1: musl's `log1p` (≤ 1 ulp) with the special-case branches
/// removed and the correction term computed unconditionally, so it inlines into the fit's
/// per-value loop (3–4× faster than the libm call there). Callers guarantee the domain.
#[inline(always)]
pub(crate) fn log1p_fast(x: f64) -> f64 {
    log1p_fast_r(x, 1.0 / (1.0 + x))
}

/// [`log1p_fast`] given r ≈ 1/(1 + x) (to a few ulp) from the caller, saving a division: r only
/// scales the rounding-correction term, so its own rounding does not matter.
#[inline(always)]
#[allow(clippy::excessive_precision)] // musl's constants, kept digit for digit
pub(crate) fn log1p_fast_r(x: f64, r: f64) -> f64 {
    const LN2_HI: f64 = 6.931_471_803_691_238_164_90e-01;
    const LN2_LO: f64 = 1.908_214_929_270_587_700_02e-10;
    const LG1: f64 = 6.666_666_666_666_735_130e-01;
    const LG2: f64 = 3.999_999_999_940_941_908e-01;
    const LG3: f64 = 2.857_142_874_366_239_149e-01;
    const LG4: f64 = 2.222_219_843_214_978_396e-01;
    const LG5: f64 = 1.818_357_216_161_805_012e-01;
    const LG6: f64 = 1.531_383_769_920_937_332e-01;
    const LG7: f64 = 1.479_819_860_511_658_591e-01;
    let u = 1.0 + x;
    let ui = u.to_bits();
    let hu = ((ui >> 32) as u32).wrapping_add(0x3ff0_0000 - 0x3fe6_a09e);
    let k = (hu >> 20) as i32 - 0x3ff;
    // c ≈ ln(1 + x) − ln(u): the rounding of 1 + x, divided by u
    let c = if k >= 2 { 1.0 - (u - x) } else { x - (u - 1.0) } * r;
    let hr = (hu & 0x000f_ffff) + 0x3fe6_a09e;
    let f = f64::from_bits((u64::from(hr) << 32) | (ui & 0xffff_ffff)) - 1.0;
    let hfsq = 0.5 * f * f;
    let s = f / (2.0 + f);
    let z = s * s;
    let w = z * z;
    let t1 = w * (LG2 + w * (LG4 + w * LG6));
    let t2 = z * (LG1 + w * (LG3 + w * (LG5 + w * LG7)));
    let r = t2 + t1;
    let dk = f64::from(k);
    s * (hfsq + r) + (dk * LN2_LO + c) - hfsq + f + dk * LN2_HI
}

#[cfg(test)]
mod log1p_tests {
    use super::log1p_fast;

    #[test]
    fn log1p_fast_matches_libm_within_2_ulp() {
        // a dense sweep of (−1, 1e6] plus tiny |x|: bound 2 ulp of libm's (≤ 1 ulp) result.
        let mut worst = 0.0_f64;
        let mut check = |x: f64| {
            let (a, b) = (log1p_fast(x), libm::log1p(x));
            let ulp = f64::EPSILON * b.abs().max(f64::MIN_POSITIVE);
            worst = worst.max((a - b).abs() / ulp);
        };
        for i in 1..200_000 {
            let t = i as f64 / 200_000.0;
            check(-1.0 + t); // (−1, 0)
            check(t * 3.0); // (0, 3)
            check(libm::exp(t * 30.0 - 40.0)); // tiny … 2e-5·e^30
            check(-libm::exp(t * 30.0 - 40.0)); // tiny negative
        }
        check(1e-300);
        check(0.0);
        assert!(worst <= 2.0, "worst {worst} ulp");
    }
}
