//! ln |Γ(x)|: f64 kernel (rational minimax fits on [1, 8), Stirling beyond, libm for x < 0).
//!
//! Method (coefficients from `tests/data/make_special.py fit`):
//! * `1 ≤ x < 8`: `ln Γ(x) = (x−1)(x−2)·H(x)`, `H = Y + P(t)/Q(t)` on the pieces [1,2), [2,4),
//!   [4,8) (coefficients picked by index, no branch), `t = x − C` exact, (6,6) rational fits.
//!   Both factors `x−1`, `x−2` are exact, so the zeros at 1 and 2 keep full relative accuracy.
//!   No logarithm, no loop.
//! * `0 < x < 1`: `ln Γ(x) = x(x−1)·H(x) − ln x` (same fit, exact argument).
//! * `x ≥ 8`: Stirling, `(x − 1/2)(ln x − 1) + (ln(2π) − 1)/2 + S(x)/x`, the remainder `S` a
//!   (3,3) rational fit in `1/x²` evaluated as one division of polynomials in `x²`.
//! * `x < 0`: `libm::lgamma` (ln |Γ|, fdlibm's reflection; no accuracy target there).
//!
//! Domain: NaN → NaN; ±0 and negative integers → +inf; ±inf → +inf.

/// Pieces of H(x) = ln Γ(x)/((x−1)(x−2)) on [1, 2), [2, 4), [4, 8): `H = Y + P(t)/Q(t)`,
/// `t = x − C` (exact), (6,6) rational fits; `Y` is short so the small correction `P/Q` carries
/// most of the rounding and H keeps ≲ 0.6 ULP.
const H_C: [f64; 3] = [1.0, 2.0, 6.0];
const H_Y: [f64; 3] = [0.5, 0.360_705_375_671_386_7, 0.250_802_993_774_414_06];
const H_P: [[f64; 7]; 3] = [
    [
        0.077_215_664_901_532_85,
        -0.021_004_401_384_876_477,
        -0.310_407_408_666_279_7,
        -0.318_880_144_578_048_36,
        -0.119_686_911_958_891_07,
        -0.016_773_598_415_791_985,
        -0.000_625_098_752_708_247_9,
    ],
    [
        0.062_078_959_427_080_416,
        -0.008_932_003_049_915_226,
        -0.063_669_579_735_830_15,
        -0.032_862_963_660_709_31,
        -0.006_198_937_347_603_621,
        -0.000_437_186_689_763_961_7,
        -8.245_619_391_944_327e-6,
    ],
    [
        -0.011_428_406_635_311_762,
        -0.028_751_396_568_295_572,
        -0.011_147_606_598_030_423,
        -0.001_699_006_856_991_035_5,
        -0.000_116_434_253_415_902_69,
        -3.345_913_351_175_987e-6,
        -2.863_808_085_642_282_4e-8,
    ],
];
const H_Q: [[f64; 7]; 3] = [
    [
        1.0,
        2.904_164_166_994_701,
        3.191_173_217_945_101,
        1.651_211_212_033_476_3,
        0.406_947_031_356_410_4,
        0.042_341_445_548_348,
        0.001_285_035_485_099_275,
    ],
    [
        1.0,
        1.472_081_675_785_523_7,
        0.822_189_702_809_966_8,
        0.217_044_675_850_055_13,
        0.027_429_841_993_732_8,
        0.001_473_949_092_602_416_4,
        2.332_194_008_617_025_8e-5,
    ],
    [
        1.0,
        0.554_645_628_175_676,
        0.119_575_905_691_437_3,
        0.012_573_298_115_403_324,
        0.000_659_487_947_734_001_7,
        1.553_188_149_162_73e-5,
        1.159_072_651_347_491_7e-7,
    ],
];

/// Stirling remainder x·(ln Γ(x) − (x−½)ln x + x − ½ln 2π) ≈ P(z)/Q(z), z = 1/x² ∈ [0, 1/64];
/// stored reversed as polynomials in w = x² (highest power of z first).
const S_P: [f64; 4] = [
    0.083_333_333_333_333_33,
    0.437_730_971_137_458_9,
    0.410_626_268_343_419_14,
    0.041_596_631_470_613_31,
];
const S_Q: [f64; 4] = [
    1.0,
    5.286_104_986_982_835,
    5.094_194_910_168_84,
    0.625_765_072_571_213_2,
];

use super::digamma::{ln_ge1, poly7};

/// (ln(2π) − 1)/2.
const HALF_LN_2PI_M_HALF: f64 = 0.418_938_533_204_672_7;

/// H(x) = ln Γ(x)/((x−1)(x−2)) for x ∈ [0, 8): piece `i` at `t = x − H_C[i]`.
#[inline(always)]
fn h(i: usize, t: f64) -> f64 {
    let i = i.min(2);
    H_Y[i] + poly7(&H_P[i], t) / poly7(&H_Q[i], t)
}

/// ln Γ(x) for x ≥ 8 (and +inf).
#[inline(always)]
fn stirling(x: f64) -> f64 {
    if x < 1e17 {
        let base = (x - 0.5) * (ln_ge1(x) - 1.0) + HALF_LN_2PI_M_HALF;
        // S(1/x²)/x = P̂(w)/(x·Q̂(w)), w = x², P̂(w) = w³·P(1/w)
        let w = x * x;
        let w2 = w * w;
        let p = (S_P[0] * w + S_P[1]) * w2 + (S_P[2] * w + S_P[3]);
        let q = (S_Q[0] * w + S_Q[1]) * w2 + (S_Q[2] * w + S_Q[3]);
        base + p / (x * q)
    } else {
        // also +inf; overflows to +inf past ~2.55e305 as it should
        (x - 0.5) * (libm::log(x) - 1.0) + HALF_LN_2PI_M_HALF + (1.0 / 12.0) / x
    }
}

/// ln |Γ(x)| in f64. NaN for NaN; +inf at the poles (0, −1, −2, …) and at ±inf.
///
/// Accuracy (vs mpmath, see tests/special_psi.rs): ≤ 4 ULP for x > 0, including next to the
/// zeros at 1 and 2. For x < 0 it is libm's `lgamma` (accurate except next to the zeros of
/// ln |Γ|).
#[inline]
pub fn ln_gamma_f64(x: f64) -> f64 {
    if x >= 8.0 {
        stirling(x)
    } else if x >= 1.0 {
        let i = usize::from(x >= 2.0) + usize::from(x >= 4.0);
        let t = x - H_C[i.min(2)];
        (x - 1.0) * (x - 2.0) * h(i, t)
    } else if x > 0.0 {
        // ln Γ(1+x) = x(x−1)·H(1+x), piece 0 at t = x
        x * (x - 1.0) * h(0, x) - libm::log(x)
    } else if x == 0.0 {
        f64::INFINITY
    } else {
        libm::lgamma(x)
    }
}
