//! Branch-free `exp` and `ln` for f64 in plain safe Rust, for the mixture E-step's block kernel.
//!
//! Both are straight-line code (bit manipulation, polynomials, and selects for the special
//! cases), so a loop applying them over a fixed-size block of points is vectorised by LLVM with
//! the baseline instruction set (2 lanes with SSE2; no FMA is assumed, no table lookups).
//!
//! Accuracy (checked against mpmath in the unit tests below, table
//! `tests/data/fastmath_exp_ln.txt` made by `tests/data/make_fastmath.py`):
//! * [`exp`]: ≤ 2 ULP for x ∈ [−708, 709.78] (measured maximum 1.0 ULP); 0 for x < −708
//!   including −∞ (the true value is below 3.4e−308, so the absolute error is below that), NaN
//!   for NaN, `exp(0) = 1` exactly. Domain x ≤ 709.78 (no overflow handling: the E-step only
//!   exponentiates differences ≤ 0).
//! * [`ln_normal`]: ≤ 2 ULP for every positive normal x (measured maximum 0.69 ULP). Domain:
//!   x ∈ [2.2250738585072014e−308, ∞) finite (the E-step only takes logs of positive distances,
//!   clamped to that range, and of sums in [1, K]); other inputs give an unspecified value,
//!   never a panic.
//!
//! Reduction: exp — x = k ln 2 + r, |r| ≤ ln 2 / 2 (Cody–Waite with a 32-bit ln 2 head, so k ln 2
//! head is exact), e^r by its Taylor polynomial to degree 13 (truncation < 5e−18 relative),
//! scaled by 2^k built from the bits of the rounding constant. ln — x = 2^k m with
//! m ∈ [√½, √2), ln m = 2 atanh(s), s = (m − 1)/(m + 1), with the fdlibm polynomial (error
//! < 2^−58.45) and its compensated recombination.

/// ln 2 head (32 significant bits, so k·LN2_HI is exact for |k| < 2^21) and tail (fdlibm).
const LN2_HI: f64 = f64::from_bits(0x3fe6_2e42_fee0_0000);
const LN2_LO: f64 = f64::from_bits(0x3dea_39ef_3579_3c76);
const INV_LN2: f64 = core::f64::consts::LOG2_E;
/// 1.5·2^52: adding it rounds to an integer held in the low mantissa bits.
const ROUND: f64 = 6_755_399_441_055_744.0;
/// Below this exp flushes to 0 (e^−708 ≈ 3.3e−308, still normal).
const EXP_LO: f64 = -708.0;

/// 1/n! for n = 2..=13 (Horner from the highest degree).
const EXP_C: [f64; 12] = [
    1.0 / 2.0,
    1.0 / 6.0,
    1.0 / 24.0,
    1.0 / 120.0,
    1.0 / 720.0,
    1.0 / 5040.0,
    1.0 / 40320.0,
    1.0 / 362_880.0,
    1.0 / 3_628_800.0,
    1.0 / 39_916_800.0,
    1.0 / 479_001_600.0,
    1.0 / 6_227_020_800.0,
];

/// e^x for x ≤ 709.78 (the kernel's arguments are ≤ 0), branch-free; see the module docs.
#[inline(always)]
pub(crate) fn exp(x: f64) -> f64 {
    // clamp (NaN passes the comparison unchanged)
    let xc = if x < EXP_LO { EXP_LO } else { x };
    let t = xc * INV_LN2 + ROUND;
    let kf = t - ROUND;
    let r = (xc - kf * LN2_HI) - kf * LN2_LO;
    // Horner, written out (1/13! … 1/2!)
    let c = &EXP_C;
    let q = c[10] + r * c[11];
    let q = c[9] + r * q;
    let q = c[8] + r * q;
    let q = c[7] + r * q;
    let q = c[6] + r * q;
    let q = c[5] + r * q;
    let q = c[4] + r * q;
    let q = c[3] + r * q;
    let q = c[2] + r * q;
    let q = c[1] + r * q;
    let q = c[0] + r * q;
    let y = 1.0 + (r + r * r * q);
    // 2^(k−1) from the low bits of t (t's bits are those of 1.5·2^52 plus k); k ∈ [−1021, 1024]
    let s = f64::from_bits(t.to_bits().wrapping_add(1022) << 52);
    // (2y)·2^(k−1): the doubling is exact, so the result is rounded once (normal range)
    let e = (y + y) * s;
    if x < EXP_LO {
        0.0
    } else {
        e
    }
}

/// fdlibm's minimax coefficients of (ln(1+f) − 2s − …)/s², s = f/(2+f) (error < 2^−58.45).
const LG1: f64 = f64::from_bits(0x3fe5_5555_5555_5593);
const LG2: f64 = f64::from_bits(0x3fd9_9999_9997_fa04);
const LG3: f64 = f64::from_bits(0x3fd2_4924_9422_9359);
const LG4: f64 = f64::from_bits(0x3fcc_71c5_1d8e_78af);
const LG5: f64 = f64::from_bits(0x3fc7_4664_96cb_03de);
const LG6: f64 = f64::from_bits(0x3fc3_9a09_d078_c69f);
const LG7: f64 = f64::from_bits(0x3fc2_f112_df3e_5244);
/// Bits of 1.0 minus the bits of √½ (rounded): adding it carries into the exponent field
/// exactly when the mantissa is ≥ √2.
const SQRT_HALF_OFFSET: u64 = 0x3ff0_0000_0000_0000 - 0x3fe6_a09e_667f_3bcd;

/// ln x for positive normal finite x (≥ 2.2250738585072014e−308), branch-free; see the
/// module docs (the E-step clamps its distances to the normal range).
#[inline(always)]
pub(crate) fn ln_normal(x: f64) -> f64 {
    let u = x.to_bits();
    // biased exponent of the reduction x = 2^k m, m ∈ [√½, √2)
    let kb = u.wrapping_add(SQRT_HALF_OFFSET) >> 52;
    let m = f64::from_bits(u.wrapping_sub((kb << 52).wrapping_sub(0x3ff0_0000_0000_0000)));
    // k as a double without an int→float conversion: 2^52 + kb, exactly, minus (2^52 + 1023)
    let kf =
        f64::from_bits(0x4330_0000_0000_0000 | (kb & 0x7ff)) - (4_503_599_627_370_496.0 + 1023.0);
    let f = m - 1.0;
    let s = f / (2.0 + f);
    let z = s * s;
    let w = z * z;
    let t1 = w * (LG2 + w * (LG4 + w * LG6));
    let t2 = z * (LG1 + w * (LG3 + w * (LG5 + w * LG7)));
    let r = t2 + t1;
    let hfsq = 0.5 * f * f;
    kf * LN2_HI - ((hfsq - (s * (hfsq + r) + kf * LN2_LO)) - f)
}

#[cfg(test)]
mod tests {
    use super::{exp, ln_normal};

    const TABLE: &str = include_str!("../../tests/data/fastmath_exp_ln.txt");

    fn ulp(v: f64) -> f64 {
        let v = v.abs();
        if v < f64::MIN_POSITIVE {
            return f64::from_bits(1);
        }
        let e = ((v.to_bits() >> 52) & 0x7ff) as i32 - 1023;
        libm::ldexp(1.0, e - 52)
    }

    fn hex(w: &str) -> f64 {
        f64::from_bits(u64::from_str_radix(w, 16).unwrap())
    }

    /// Every tabulated point (mpmath, 50 digits, stored as hi + lo) within 2 ULP; special values
    /// exact. Fails on the first point over the bound, naming it.
    #[test]
    fn exp_and_ln_within_two_ulp_of_mpmath() {
        let mut func = "";
        let mut worst = [0.0f64; 2];
        let mut count = [0usize; 2];
        for line in TABLE.lines() {
            if line.starts_with('#') || line.trim().is_empty() {
                continue;
            }
            if let Some(name) = line.strip_prefix("@ ") {
                func = if name.starts_with("exp") { "exp" } else { "ln" };
                continue;
            }
            let w: [&str; 3] = {
                let mut it = line.split_whitespace();
                [it.next().unwrap(), it.next().unwrap(), it.next().unwrap()]
            };
            let (x, hi, lo) = (hex(w[0]), hex(w[1]), hex(w[2]));
            let (y, slot) = if func == "exp" {
                (exp(x), 0)
            } else {
                (ln_normal(x), 1)
            };
            count[slot] += 1;
            if hi.is_infinite() || hi == 0.0 && lo == 0.0 {
                assert!(y == hi, "{func}({x:e}) = {y:e}, expected {hi:e}");
                continue;
            }
            let err = ((y - hi) - lo).abs() / ulp(hi);
            assert!(err <= 2.0, "{func}({x:e}) = {y:e}: {err} ULP (> 2)");
            worst[slot] = worst[slot].max(err);
        }
        assert!(
            count[0] > 1000 && count[1] > 1000,
            "table incomplete: {count:?}"
        );
        // the measured maxima documented in the module docs
        assert!(
            worst[0] < 1.5 && worst[1] < 1.0,
            "max ULP exp, ln: {worst:?}"
        );
    }

    #[test]
    fn special_values() {
        assert_eq!(exp(0.0), 1.0);
        assert_eq!(exp(-0.0), 1.0);
        assert_eq!(exp(f64::NEG_INFINITY), 0.0);
        assert_eq!(exp(-800.0), 0.0);
        assert!(exp(f64::NAN).is_nan());
        assert!(exp(709.78).is_finite());
        assert_eq!(ln_normal(1.0), 0.0);
        assert_eq!(ln_normal(2.0), core::f64::consts::LN_2);
        assert!((ln_normal(f64::MIN_POSITIVE) - (-708.396_418_532_264_1)).abs() < 1e-12);
        assert!((ln_normal(f64::MAX) - 709.782_712_893_384).abs() < 1e-12);
    }
}
