//! ψ(x) for x < 0 where the reflection cancels: ψ(x) = ψ(1 − x) − π·cot(πx) with both terms in
//! double-double (relative error ≲ 2^-102 each), summed and rounded once.
//!
//! Used by [`super::digamma::digamma_f64`] for x < −30 only when the f64 reflection would lose
//! more than a few bits (|ψ(x)| small against the terms: next to a zero of ψ between two
//! negative poles; on (−30, 0) Taylor expansions about the zeros serve instead).
//! Near the f64 neighbours of a zero the two terms agree to up to ~50 bits, so each is carried
//! to about 2^-104 relative:
//! * `ψ(1 + u)`, u = −x ≥ 30: `ln u + 1/(2u) − Σ_{k=1}^{12} B₂ₖ/(2k·u^{2k})` (the first omitted
//!   term is below 2^-111 for u ≥ 30); `ln u` from the 97-entry double-double log table of the
//!   incomplete-gamma kernels, `ln(1 + ρ)` (|ρ| ≤ 2^-7.5, ρ exact in double-double) by its
//!   Taylor series through ρ¹⁴, the leading six terms in double-double.
//! * `π·cot(π r)`, r = x − round(x) (exact), |r| = i/128 + δ with |δ| ≤ 1/256 (exact):
//!   `cot(a + b) = (T·K − b)/(T·b + K)` with `T = cot a` from a double-double table,
//!   `b = πδ` in double-double and `K = b·cot b` by its series in b² (through b¹²).
//!
//! Constants and tables: `python3 tests/data/make_special.py fit` (mpmath).
use super::dd::{dd_add, dd_div, dd_mul, dd_sub, fast_two_sum, two_prod, two_sum, Dd};
use super::gamma_inc_consts::LN_TABLE;

/// π as a double-double.
const PI_DD: Dd = (core::f64::consts::PI, 1.224_646_799_147_353_2e-16);

/// ln 2 in three parts: `LN2_1` has 32 significant bits (`e·LN2_1` exact for |e| < 2^21).
const LN2_1: f64 = f64::from_bits(0x3fe6_2e42_fee0_0000);
const LN2_2: f64 = 1.908_214_929_270_587_7e-10;
const LN2_3: f64 = 1.161_222_722_936_253_2e-26;

/// (−1)^(n+1)/n, n = 1..=6, double-double.
const LN1P_DD: [Dd; 6] = [
    (1.0, 0.0),
    (-0.5, 0.0),
    (0.333_333_333_333_333_3, 1.850_371_707_708_594e-17),
    (-0.25, 0.0),
    (0.2, -1.110_223_024_625_156_6e-17),
    (-0.166_666_666_666_666_66, -9.251_858_538_542_97e-18),
];
/// (−1)^(n+1)/n, n = 7..=14.
const LN1P_TAIL: [f64; 8] = [
    0.142_857_142_857_142_85,
    -0.125,
    0.111_111_111_111_111_1,
    -0.1,
    0.090_909_090_909_090_91,
    -0.083_333_333_333_333_33,
    0.076_923_076_923_076_93,
    -0.071_428_571_428_571_42,
];

/// ln u in double-double for finite u ≥ 1 (absolute error ≲ 2^-104·max(1, ln u)).
///
/// u = 2^e·m, m ∈ [0.75, 1.5), c = 1 + j/128 the nearest table point, d = m − c (exact,
/// |d| ≤ 2^-8), ρ = d/c in double-double; ln u = e·ln 2 + ln c + ln(1 + ρ).
fn ln_dd_acc(u: f64) -> Dd {
    let bits = u.to_bits();
    let e = (bits.wrapping_sub(0x3fe8_0000_0000_0000) as i64) >> 52;
    let m = f64::from_bits(bits.wrapping_sub((e as u64) << 52));
    let jf = libm::round((m - 1.0) * 128.0);
    let row = LN_TABLE[((jf + 32.0) as usize).min(LN_TABLE.len() - 1)];
    let c = 1.0 + jf * (1.0 / 128.0);
    let d = m - c;
    // ρ = d/c as q + ql: d − q·c is exact in two pieces
    let q = d / c;
    let (p, pe) = two_prod(q, c);
    let rho = fast_two_sum(q, ((d - p) - pe) / c);
    // ln(1 + ρ) = ρ·Σ (−1)^(n+1) ρ^(n−1)/n: terms n ≥ 7 (< 2^-55) in double
    let mut t = 0.0;
    for &cn in LN1P_TAIL.iter().rev() {
        t = t * q + cn;
    }
    let mut s: Dd = (t, 0.0);
    for &cn in LN1P_DD.iter().rev() {
        s = dd_add(cn, dd_mul(rho, s));
    }
    let l1p = dd_mul(rho, s);
    let ef = e as f64;
    let head = two_sum(ef * LN2_1, row[2]);
    let head = dd_add(head, two_prod(ef, LN2_2));
    let head = dd_add(head, (row[3] + ef * LN2_3, 0.0));
    dd_add(head, l1p)
}

/// B₂ₖ/(2k), k = 1..=4, double-double.
const ASYM_DD: [Dd; 4] = [
    (0.083_333_333_333_333_33, 4.625_929_269_271_485e-18),
    (-0.008_333_333_333_333_333, -1.156_482_317_317_871_4e-19),
    (0.003_968_253_968_253_968, 2.202_823_461_557_85e-19),
    (-0.004_166_666_666_666_667, -5.782_411_586_589_357e-20),
];
/// B₂ₖ/(2k), k = 5..=12.
const ASYM_TAIL: [f64; 8] = [
    0.007_575_757_575_757_576,
    -0.021_092_796_092_796_094,
    0.083_333_333_333_333_33,
    -0.443_259_803_921_568_6,
    3.053_954_330_270_119_8,
    -26.456_212_121_212_122,
    281.460_144_927_536_25,
    -3_607.510_546_398_046_2,
];

/// 1/v for a double-double v = (vh, vl), vh ≥ 1.
#[inline(always)]
fn recip_dd(v: Dd) -> Dd {
    let q = 1.0 / v.0;
    let (p, pe) = two_prod(q, v.0);
    fast_two_sum(q, (((1.0 - p) - pe) - q * v.1) / v.0)
}

/// ψ(1 + u) in double-double for u ≥ 30 (finite): the asymptotic series.
fn psi_1p_dd(u: f64) -> Dd {
    let l = ln_dd_acc(u);
    let y = recip_dd((u, 0.0));
    let w = dd_mul(y, y);
    let mut t = 0.0;
    for &b in ASYM_TAIL.iter().rev() {
        t = t * w.0 + b;
    }
    let mut s: Dd = (t, 0.0);
    for &b in ASYM_DD.iter().rev() {
        s = dd_add(b, dd_mul(w, s));
    }
    let s = dd_mul(w, s);
    dd_sub(dd_add(l, (0.5 * y.0, 0.5 * y.1)), s)
}

/// cot(π i/128), i = 0..=64, double-double (entry 0 unused); also used by the f64 path.
#[rustfmt::skip]
pub(super) const COT_TAB: [Dd; 65] = [
    (f64::INFINITY, 0.0),
    (40.7354838720833, 1.6732015413007298e-15),
    (20.355467624987188, -2.3792881581892444e-17),
    (13.556669242352426, 3.1215907628501704e-16),
    (10.15317038760886, 5.362306887894472e-16),
    (8.107785803676908, -4.064791259709201e-16),
    (6.7414524054149885, -1.8658009130558321e-16),
    (5.76314200511881, -2.3668988013758654e-16),
    (5.027339492125848, 2.95379181037367e-17),
    (4.453202224414411, -2.1443395120889447e-16),
    (3.9922237837700845, -4.271622592512587e-17),
    (3.6135356813074284, 2.038093012803529e-17),
    (3.2965582089383205, -9.53295779936916e-17),
    (3.027043204317774, 4.7201940381572597e-17),
    (2.7948127724904768, 2.3237772982434003e-17),
    (2.5924025177380727, -1.677357751501637e-16),
    (2.414213562373095, 1.2537167179050217e-16),
    (2.2559638519291587, -6.442856851818513e-17),
    (2.1143223575486405, 8.259485526521204e-17),
    (1.986658792343365, 4.7604305381681783e-17),
    (1.8708684117893895, 2.945807107795785e-17),
    (1.7652468700941915, 5.772798734716467e-17),
    (1.668399205583507, -2.3797277757262252e-17),
    (1.5791725679602089, 9.990831579161372e-17),
    (1.496605762665489, 6.974100888958305e-17),
    (1.4198909034940925, -7.30470553923828e-17),
    (1.3483439134867201, 3.9251662671937787e-17),
    (1.2813815800365544, 1.0937863054098662e-16),
    (1.2185035255879764, -2.1244788699148428e-17),
    (1.1592779073334347, 2.809556893263058e-17),
    (1.1033299757334756, 8.769565272746272e-17),
    (1.0503328462398598, 7.145413267841863e-17),
    (1.0, 0.0),
    (0.9520791467009253, 4.3516601749679145e-17),
    (0.9063471690191471, 2.1564367263640407e-17),
    (0.8626059322567399, 1.993743956903058e-17),
    (0.8206787908286604, -2.2923147594675738e-17),
    (0.7804076596539437, -2.0423540684477226e-17),
    (0.7416505462720354, -4.623665809492506e-17),
    (0.7042794608650442, 1.7542848771186785e-17),
    (0.6681786379192989, 4.1042270233610004e-17),
    (0.6332430161775692, -4.5951682654997676e-17),
    (0.5993769336819238, -2.9566641441253576e-17),
    (0.566493002730344, 5.8389677671561665e-18),
    (0.5345111359507917, -5.2626469389262167e-17),
    (0.5033576997992942, 2.905531910901624e-17),
    (0.4729647758913199, 1.741884799204787e-17),
    (0.44326951389086433, 3.4649994170497046e-18),
    (0.41421356237309503, 1.4349369327986523e-17),
    (0.38574256627112125, -1.0060173217542183e-17),
    (0.3578057213145241, 1.0216199149473033e-17),
    (0.3303553773443339, 2.4209766268954847e-17),
    (0.3033466836073424, -1.2766990847826405e-17),
    (0.2767372701404143, 1.2464334411301967e-17),
    (0.25048696019130545, 9.389934381474096e-18),
    (0.2245575093171293, 8.954396879486209e-18),
    (0.198912367379658, 8.391794477636538e-19),
    (0.17351646013785577, -5.6096699461654204e-18),
    (0.14833598753834742, 4.079064681800001e-18),
    (0.12333823613673868, -1.8575545409358547e-18),
    (0.09849140335716425, 5.3100671162822435e-18),
    (0.07376443152244928, 5.3076563132750694e-18),
    (0.049126849769467254, 9.097765655528944e-20),
    (0.024548622108925444, -5.838370447784443e-20),
    (0.0, 0.0),
];

/// Coefficients of b·cot b = 1 + Σ cₖ b^(2k): k = 1..=3 in double-double.
const BCOT_DD: [Dd; 3] = [
    (-0.333_333_333_333_333_3, -1.850_371_707_708_594e-17),
    (-0.022_222_222_222_222_223, 8.480_870_326_997_723e-19),
    (-0.002_116_402_116_402_116_5, 1.427_246_034_467_690_6e-19),
];
/// k = 4..=6.
const BCOT_TAIL: [f64; 3] = [
    -0.000_211_640_211_640_211_65,
    -2.137_779_915_557_693_5e-5,
    -2.164_404_280_806_397_2e-6,
];

/// π·cot(π r) in double-double for 0 < |r| ≤ 1/2 (relative error ≲ 2^-102).
fn pi_cot_pi_dd(r: f64) -> Dd {
    let rho = r.abs();
    let i = libm::round(rho * 128.0); // 0..=64
    let delta = rho - i * (1.0 / 128.0); // exact, |δ| ≤ 1/256
    let (bh, be) = two_prod(delta, PI_DD.0);
    let b = fast_two_sum(bh, be + delta * PI_DD.1);
    let z = dd_mul(b, b); // b² ≤ 1.6e-4
    let mut t = 0.0;
    for &c in BCOT_TAIL.iter().rev() {
        t = t * z.0 + c;
    }
    let mut s: Dd = (t, 0.0);
    for &c in BCOT_DD.iter().rev() {
        s = dd_add(c, dd_mul(z, s));
    }
    let k = dd_add((1.0, 0.0), dd_mul(z, s)); // b·cot b
    let cot = match COT_TAB.get(i as usize) {
        Some(&tc) if i >= 1.0 => {
            // cot(a + b) = (T·cot b − 1)/(T + cot b), times b/b
            dd_div(dd_sub(dd_mul(tc, k), b), dd_add(dd_mul(tc, b), k))
        }
        _ => dd_div(k, b),
    };
    let v = dd_mul(PI_DD, cot);
    if r < 0.0 {
        (-v.0, -v.1)
    } else {
        v
    }
}

/// ψ(x) for non-integer x < −30, r = x − round(x) (exact, nonzero), by the reflection in
/// double-double: error ≤ 0.5 ULP on every tested point (measured by tests/special_psi.rs with
/// this path forced for all x < −30), the nearest doubles to the zeros of ψ included.
#[cold]
#[inline(never)]
pub(super) fn digamma_neg_dd(x: f64, r: f64) -> f64 {
    let a = psi_1p_dd(-x); // −x > 30
    let b = pi_cot_pi_dd(r);
    let d = dd_sub(a, b);
    d.0 + d.1
}
