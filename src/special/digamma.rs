//! Digamma ψ(x) = Γ′(x)/Γ(x): f64 kernel (rational minimax fits, no shift loop).
//!
//! Method (coefficients from `tests/data/make_special.py fit`, near-minimax rational fits made
//! with mpmath at 60 digits):
//! * `x ≥ 2`: `ψ(x) = ln x − y·(1/2 + y·R(y))`, `y = 1/x`, with `R` a (7,7) rational fit of
//!   `(x·(ln x − ψ(x)) − 1/2)·x` on `y ∈ [0, 1/2]` (relative error of the fit < 4e-17). One
//!   formula from 2 to +inf: no asymptotic cut-over, no loop, no overflow (`y → 0`).
//! * `1 ≤ x < 2`: `ψ(x) = (t − c)·F(t)`, `t = x − 1` (exact), `c = x0 − 1` split in two doubles
//!   so that `t − c` is exact near the root `x0 = 1.46163214496836234…`: relative accuracy holds
//!   right at the root. `F` is a (7,7) rational fit of `ψ(1+t)/(1+t−x0)` on `[0, 1]`.
//! * `0 < x < 1`: `ψ(x) = ψ(1+x) − 1/x` with `ψ(1+x)` from the same fit at `t = x` (exact: `1+x`
//!   is never formed).
//! * `x < 0`: reflection `ψ(x) = ψ(1−x) − π·cot(πx)`, with `r = x − round(x)` (exact) so that
//!   `cot(πx) = cot(πr)` keeps the offset from the pole, and `ψ(1−x)` formed as `ψ(1+u)` (u = −x
//!   < 1, exact `t`) or `ψ(u) + 1/u` (u ≥ 1), summed in double-double.
//!
//! Domain (libm-like): NaN → NaN; poles (0, −0, negative integers, every x ≤ −2^52) → NaN;
//! −inf → NaN; +inf → +inf. For `0 < x < 5.6e-309` the true value is below `−f64::MAX` and the
//! result is `−inf`.
use core::f64::consts::PI;

/// `x0 − 1` (x0 = ψ's positive root) as an unevaluated sum hi + lo.
const C_HI: f64 = 0.461_632_144_968_362_36;
const C_LO: f64 = -1.552_234_816_285_867_7e-17;

/// Numerator of F(t) ≈ ψ(1+t)/(1+t−x0), t ∈ [0, 1], lowest degree first.
const F_P: [f64; 8] = [
    1.250_380_137_503_405_4,
    2.043_101_032_471_713,
    1.226_023_168_216_28,
    0.343_015_731_461_825_57,
    0.046_253_081_124_592_844,
    0.002_747_716_213_910_309,
    5.326_725_194_311_244e-5,
    6.538_039_143_354_024e-8,
];
/// Denominator of F(t).
const F_Q: [f64; 8] = [
    1.0,
    2.317_530_730_182_131,
    1.962_869_490_956_715_5,
    0.792_830_588_541_550_5,
    0.163_541_991_368_089_14,
    0.016_794_490_915_090_353,
    0.000_754_601_152_296_674,
    1.027_381_385_108_443_8e-5,
];

/// Numerator of R(y) ≈ (x(ln x − ψ(x)) − 1/2)/y, y = 1/x ∈ [0, 1/2].
const R_P: [f64; 8] = [
    0.083_333_333_333_333_34,
    0.417_002_517_575_021_6,
    1.321_068_702_254_353_5,
    2.352_036_357_109_59,
    2.712_568_593_050_13,
    1.748_051_858_962_944,
    0.541_056_336_378_290_9,
    0.003_124_959_148_061_328,
];
/// Denominator of R(y).
const R_Q: [f64; 8] = [
    1.0,
    5.004_030_210_900_306,
    15.952_824_427_041_753,
    28.724_839_307_314_454,
    34.098_486_470_491_97,
    23.610_820_212_983_41,
    9.192_846_064_461_481,
    1.281_187_624_045_095_5,
];

/// Polynomial of degree 7, lowest coefficient first (Estrin-style split for ILP).
#[inline(always)]
pub(crate) fn poly8(c: &[f64; 8], x: f64) -> f64 {
    let x2 = x * x;
    let x4 = x2 * x2;
    let a = c[0] + c[1] * x;
    let b = c[2] + c[3] * x;
    let d = c[4] + c[5] * x;
    let e = c[6] + c[7] * x;
    (a + b * x2) + (d + e * x2) * x4
}

/// ψ(1+t) for t ∈ [0, 1] (t exact).
#[inline(always)]
fn psi_1p(t: f64) -> f64 {
    let g = (t - C_HI) - C_LO;
    g * (poly8(&F_P, t) / poly8(&F_Q, t))
}

/// ψ(x) for x ≥ 2 (including +inf).
#[inline(always)]
fn psi_ge2(x: f64) -> f64 {
    let y = 1.0 / x;
    let r = poly8(&R_P, y) / poly8(&R_Q, y);
    libm::log(x) - y * (0.5 + y * r)
}

/// ψ(x) in f64. NaN for NaN, −inf and the poles x ∈ {0, −1, −2, …}; +inf for +inf.
///
/// Accuracy (vs mpmath, see tests/special_psi.rs): ≤ 4 ULP for x > 0, including next to the
/// root; for x < 0, ≤ 16 ULP except inside the cancellation band around each zero of ψ
/// between negative poles, where the error grows like the cancellation ratio (documented in
/// the test).
#[inline]
pub fn digamma_f64(x: f64) -> f64 {
    if x >= 2.0 {
        psi_ge2(x)
    } else if x >= 1.0 {
        psi_1p(x - 1.0)
    } else if x > 0.0 {
        psi_1p(x) - 1.0 / x
    } else {
        digamma_neg(x)
    }
}

/// Exact sum: a + b = s + e.
#[inline(always)]
pub(crate) fn two_sum(a: f64, b: f64) -> (f64, f64) {
    let s = a + b;
    let bb = s - a;
    let e = (a - (s - bb)) + (b - bb);
    (s, e)
}

/// Exact product a·b = p + e (Dekker/Veltkamp, no FMA needed; |a·b| < 2^996).
#[inline(always)]
pub(crate) fn two_prod(a: f64, b: f64) -> (f64, f64) {
    const SPLIT: f64 = 134_217_729.0; // 2^27 + 1
    let p = a * b;
    let ca = SPLIT * a;
    let ah = ca - (ca - a);
    let al = a - ah;
    let cb = SPLIT * b;
    let bh = cb - (cb - b);
    let bl = b - bh;
    let e = ((ah * bh - p) + ah * bl + al * bh) + al * bl;
    (p, e)
}

/// π·cot(π r) for 0 < |r| ≤ 1/2 as hi + lo (the argument π r carried in double-double).
#[inline]
pub(crate) fn pi_cot_pi(r: f64) -> (f64, f64) {
    const PI_LO: f64 = 1.224_646_799_147_353_2e-16;
    let (th, te) = two_prod(PI, r);
    let tl = te + PI_LO * r;
    let (s, c) = libm::sincos(th);
    let cot = c / s;
    // cot(th + tl) ≈ cot(th) − tl / sin²(th); the division residual of c/s is folded in too.
    let (p, pe) = two_prod(cot, s);
    let cot_lo = ((c - p) - pe) / s - tl / (s * s);
    // π·(cot + cot_lo), π carried as PI + PI_LO
    let (h, he) = two_prod(PI, cot);
    (h, he + PI * cot_lo + PI_LO * cot)
}

/// ψ(x) for x ≤ 0 (and NaN).
#[cold]
fn digamma_neg(x: f64) -> f64 {
    if x.is_nan() || x == f64::NEG_INFINITY {
        return f64::NAN;
    }
    let r = x - libm::round(x);
    if r == 0.0 {
        return f64::NAN;
    }
    let u = -x;
    // A = ψ(1 − x) = ψ(1 + u) as hi + lo.
    let (ah, al) = if u < 1.0 {
        (psi_1p(u), 0.0)
    } else {
        let p = if u >= 2.0 {
            psi_ge2(u)
        } else {
            psi_1p(u - 1.0)
        };
        // 1/u as q + q_lo
        let q = 1.0 / u;
        let (m, me) = two_prod(q, u);
        let q_lo = ((1.0 - m) - me) / u;
        let (s, e) = two_sum(p, q);
        (s, e + q_lo)
    };
    let (bh, bl) = pi_cot_pi(r);
    let (s, e) = two_sum(ah, -bh);
    s + (e + (al - bl))
}
