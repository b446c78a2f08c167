//! Trigamma ψ′(x): f64 kernel (rational minimax fits, no shift loop).
//!
//! Method (coefficients from `tests/data/make_special.py fit`):
//! * `x ≥ 2`: `ψ′(x) = y·(1 + y·(1/2 + y·R(y)))`, `y = 1/x`, `R` a (6,7) rational fit of
//!   `(x·ψ′(x) − 1 − y/2)/y²` on `y ∈ [0, 1/2]` (error weighted by its effect on ψ′),
//!   evaluated as reversed polynomials in x with a single division. One formula from 2 to 1e30,
//!   no loop.
//! * `1 ≤ x < 2`: `ψ′(1+t) = P(t)/Q(t)`, (7,7) fit on `t ∈ [0, 1]`, `t = x − 1` exact.
//! * `0 < x < 1`: `ψ′(x) = ψ′(1+x) + 1/x²` (fit at `t = x`, exact).
//! * `x < 0`: `ψ′(x) = π²/sin²(πr) − ψ′(1−x)`, `r = x − round(x)` exact; the two terms never
//!   cancel badly (`π²/sin² ≥ π²`, `ψ′(1−x) ≤ π²/6`).
//!
//! Domain (libm-like): NaN → NaN; poles (0, −0, negative integers, every x ≤ −2^52) → NaN;
//! −inf → NaN; +inf → 0; `0 < x < 1.5e-154` → +inf (the true value exceeds `f64::MAX`).
use super::dd::two_prod;
use super::digamma::poly8;
use core::f64::consts::PI;

/// Numerator of ψ′(1+t), t ∈ [0, 1], lowest degree first.
const T_P: [f64; 8] = [
    1.644_934_066_848_226_4,
    4.468_663_005_722_67,
    5.150_831_823_823_498,
    3.199_696_994_194_860_5,
    1.127_760_788_938_548_1,
    0.214_060_317_657_985_33,
    0.017_144_335_788_093_105,
    -1.756_303_004_668_702e-10,
];
/// Denominator of ψ′(1+t).
const T_Q: [f64; 8] = [
    1.0,
    4.178_147_289_034_163,
    7.263_880_021_638_988,
    6.835_705_354_084_319,
    3.780_703_698_350_906_4,
    1.236_219_278_807_580_5,
    0.222_632_530_549_174_98,
    0.017_144_331_814_299_1,
];

/// Numerator of R(y) ≈ (xψ′(x) − 1 − y/2)/y², y = 1/x ∈ [0, 1/2]: a (6,7) fit whose error is
/// weighted by its effect on ψ′, |y²(R* − R)|/(xψ′(x)) (the term y²R is at most 4 % of xψ′),
/// max 1.3e-18 after rounding the coefficients (`make_special.py fit`).
const R_P: [f64; 7] = [
    0.16666666666676877,
    1.2093252145407813,
    4.524151390269065,
    10.024817319674149,
    13.713567519341357,
    10.9123843844073,
    4.0070724261272455,
];
/// Denominator of R(y).
const R_Q: [f64; 8] = [
    1.0,
    7.25595128735148,
    27.344908334222165,
    61.600094455624664,
    87.60752295715628,
    76.75786939074301,
    37.85625830240471,
    8.013637247383166,
];

/// ψ′(1+t) for t ∈ [0, 1].
#[inline(always)]
fn tg_1p(t: f64) -> f64 {
    poly8(&T_P, t) / poly8(&T_Q, t)
}

/// ψ′(x) for x ≥ 2 (including +inf).
///
/// `y(1 + y(1/2 + y·P(y)/Q(y)))`, `y = 1/x`, deg P = 6, deg Q = 7, with the reversed
/// polynomials `P̂(x) = x⁶P(1/x)`, `Q̂(x) = x⁷Q(1/x)`: `((x + 1/2)·Q̂ + P̂)/(x²·Q̂)`, one division
/// (`x + 1/2` is exact below 2^52).
#[inline(always)]
fn tg_ge2(x: f64) -> f64 {
    if x < 1e30 {
        // Estrin for both polynomials on shared powers of x (short chains, paired by LLVM)
        let (c, d) = (&R_P, &R_Q);
        let x2 = x * x;
        let x4 = x2 * x2;
        let p = (c[6] + c[5] * x) + (c[4] + c[3] * x) * x2 + ((c[2] + c[1] * x) + c[0] * x2) * x4;
        let q = (d[7] + d[6] * x)
            + (d[5] + d[4] * x) * x2
            + ((d[3] + d[2] * x) + (d[1] + d[0] * x) * x2) * x4;
        ((x + 0.5) * q + p) / (x2 * q)
    } else {
        // 1/x + 1/(2x²) with the rest below 2^-190 relative; +inf → 0
        (1.0 + 0.5 / x) / x
    }
}

/// ψ′(x) in f64. NaN for NaN, −inf and the poles x ∈ {0, −1, −2, …}; 0 for +inf.
///
/// Accuracy (vs mpmath, see tests/special_psi.rs): ≤ 4 ULP for x > 0, ≤ 16 ULP for x < 0.
#[inline]
pub fn trigamma_f64(x: f64) -> f64 {
    if x >= 2.0 {
        tg_ge2(x)
    } else if x >= 1.0 {
        tg_1p(x - 1.0)
    } else if x > 0.0 {
        tg_1p(x) + 1.0 / (x * x)
    } else {
        trigamma_neg(x)
    }
}

/// ψ′(x) for x ≤ 0 (and NaN).
#[cold]
fn trigamma_neg(x: f64) -> f64 {
    if x.is_nan() || x == f64::NEG_INFINITY {
        return f64::NAN;
    }
    let r = x - libm::round(x);
    if r == 0.0 {
        return f64::NAN;
    }
    let u = -x;
    // ψ′(1 − x) = ψ′(1 + u)
    let a = if u < 1.0 {
        tg_1p(u)
    } else {
        let p = if u >= 2.0 { tg_ge2(u) } else { tg_1p(u - 1.0) };
        p - 1.0 / (u * u)
    };
    // sin(π r) with π r in double-double: sin(th + tl) ≈ sin th + tl cos th.
    const PI_LO: f64 = 1.224_646_799_147_353_2e-16;
    let (th, te) = two_prod(PI, r);
    let tl = te + PI_LO * r;
    let (s, c) = libm::sincos(th);
    let s = s + tl * c;
    // (π / s)² with π = PI + PI_LO
    let q = PI / s;
    let q = q + PI_LO / s;
    q * q - a
}
