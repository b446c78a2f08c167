//! Double-double helpers shared by the special-function kernels (private to `special`).
//!
//! Portable error-free transformations (Knuth two-sum, Dekker/Veltkamp two-product, no FMA
//! needed, so the default x86-64 target and bare-metal targets get the same results) and a
//! logarithm accurate to about 2^-66 relative, returned as an unevaluated sum `hi + lo`.
use super::gamma_inc_consts::LN_TABLE;

/// `(s, e)` with `s = fl(a + b)` and `s + e = a + b` exactly.
#[inline(always)]
pub(crate) fn two_sum(a: f64, b: f64) -> (f64, f64) {
    let s = a + b;
    let bb = s - a;
    let e = (a - (s - bb)) + (b - bb);
    (s, e)
}

/// Like [`two_sum`] but requires `|a| ≥ |b|` (or `a == 0`).
#[inline(always)]
pub(super) fn fast_two_sum(a: f64, b: f64) -> (f64, f64) {
    let s = a + b;
    (s, b - (s - a))
}

/// Veltkamp split: `a = hi + lo` with `hi` holding the top 26 bits. Needs `|a| < 2^996`.
#[inline(always)]
fn split(a: f64) -> (f64, f64) {
    let c = 134_217_729.0 * a; // 2^27 + 1
    let hi = c - (c - a);
    (hi, a - hi)
}

/// `(p, e)` with `p = fl(a·b)` and `p + e = a·b` exactly (Dekker). Needs `|a|, |b| < 2^996` and
/// no underflow of the partial products.
#[inline(always)]
pub(crate) fn two_prod(a: f64, b: f64) -> (f64, f64) {
    let p = a * b;
    let (ah, al) = split(a);
    let (bh, bl) = split(b);
    let e = ((ah * bh - p) + ah * bl + al * bh) + al * bl;
    (p, e)
}

/// ln 2 split so that `k·LN2_HI` is exact for |k| < 2^21 (fdlibm's split).
const LN2_HI: f64 = 0.693_147_180_369_123_8; // 0x3fe62e42fee00000
const LN2_LO: f64 = 1.908_214_929_270_587_7e-10;

/// ln(x) for finite x > 0 as `(hi, lo)`, relative error below 2^-66 (absolute error below
/// 2^-66·|ln x| + 2^-100), `hi = fl(hi + lo)`.
///
/// x = 2^e·m with m ∈ [0.75, 1.5) (branch-free); m = c·(1 + r) with c = 1 + i/128 from a
/// 97-entry table holding ln c in double-double and 1/c as a 26-bit head plus a tail, so
/// r = (m − c)·(1/c) comes out in double-double from one Veltkamp split; |r| ≤ 2^-7.5.
/// ln(1 + r) by its Taylor series through r^9 (omitted part < 2^-71 |r|) with the two leading
/// terms in double-double. Near x = 1 (e = 0, c = 1) r = x − 1 exactly, so small logarithms keep
/// full relative accuracy.
pub(super) fn ln_dd(x: f64) -> (f64, f64) {
    let (x, eoff) = if x < f64::MIN_POSITIVE {
        (x * 18_014_398_509_481_984.0, -54.0) // 2^54
    } else {
        (x, 0.0)
    };
    let bits = x.to_bits();
    // e = floor(log2(x / 0.75)), m = x / 2^e ∈ [0.75, 1.5)
    let e = (bits.wrapping_sub(0x3fe8_0000_0000_0000) as i64) >> 52;
    let m = f64::from_bits(bits.wrapping_sub((e as u64) << 52));
    // j = round(128 (m − 1)) ∈ [−32, 64] by the 1.5·2^52 rounding trick (m − 1 and ×128 exact)
    const MAGIC: f64 = 6_755_399_441_055_744.0;
    let j = ((m - 1.0) * 128.0 + MAGIC).to_bits() as i64 - MAGIC.to_bits() as i64;
    let row = LN_TABLE[((j + 32) as usize).min(LN_TABLE.len() - 1)]; // j + 32 ∈ [0, 96] for finite x > 0
    let c = 1.0 + j as f64 * (1.0 / 128.0);
    let d = m - c; // exact: |d| ≤ 2^-8, a multiple of 2^-53
                   // r + rl = d · (h + l): h has 26 bits, so d·h is exact after splitting d
    let r = d * row[0];
    let (dh, dl) = split(d);
    let rl = ((dh * row[0] - r) + dl * row[0]) + d * row[1];
    let (r, rl) = fast_two_sum(r, rl); // |rl| was up to 2^-26 |r|; now ≤ ulp(r)/2
                                       // ln(1 + r + rl) = r − r²/2 + r³ (1/3 − r/4 + ... + r^6/9) + rl − r·rl
    let (sq, sqe) = two_prod(r, r);
    let (s1, e1) = two_sum(r, -0.5 * sq);
    let p01 = 1.0 / 3.0 - 0.25 * r;
    let p23 = 0.2 - r * (1.0 / 6.0);
    let p45 = 1.0 / 7.0 - 0.125 * r;
    let poly = p01 + sq * (p23 + sq * (p45 + sq * (1.0 / 9.0)));
    let lo1 = e1 + rl - 0.5 * sqe - r * rl + r * sq * poly;
    // total = e·ln2 + ln c + ln(1 + r): |e·ln2| ≥ |ln c| unless e = 0, |ln c| ≥ |s1| unless c = 1
    let ef = e as f64 + eoff;
    let (t, te) = fast_two_sum(ef * LN2_HI, row[2]);
    let (u, ue) = fast_two_sum(t, s1);
    let lo = te + ue + (ef * LN2_LO + row[3] + lo1);
    fast_two_sum(u, lo)
}

/// exp(−(hi + lo)) for a double-double with |lo| ≤ 2^-50·|hi| + tiny.
#[inline(always)]
pub(super) fn exp_neg_dd(hi: f64, lo: f64) -> f64 {
    libm::exp(-hi) * (1.0 - lo)
}

/// A double-double value `(hi, lo)` standing for `hi + lo`, `|lo| ≤ ulp(hi)/2` once normalized.
pub(super) type Dd = (f64, f64);

/// `a + b` in double-double (accurate two-sum of both parts, relative error ≲ 2^-105 unless the
/// sum cancels, in which case the error stays below 2^-105 of the larger operand).
#[inline(always)]
pub(super) fn dd_add(a: Dd, b: Dd) -> Dd {
    let (s, e) = two_sum(a.0, b.0);
    let (t, f) = two_sum(a.1, b.1);
    let (s, e) = fast_two_sum(s, e + t);
    fast_two_sum(s, e + f)
}

/// `a − b` in double-double.
#[inline(always)]
pub(super) fn dd_sub(a: Dd, b: Dd) -> Dd {
    dd_add(a, (-b.0, -b.1))
}

/// `a · b` in double-double (relative error ≲ 2^-104).
#[inline(always)]
pub(super) fn dd_mul(a: Dd, b: Dd) -> Dd {
    let (p, e) = two_prod(a.0, b.0);
    fast_two_sum(p, e + (a.0 * b.1 + a.1 * b.0))
}

/// `a / b` in double-double (one correction step; relative error ≲ 2^-104).
#[inline(always)]
pub(super) fn dd_div(a: Dd, b: Dd) -> Dd {
    let q = a.0 / b.0;
    let (p, pe) = two_prod(q, b.0);
    // a − q·b: a.0 − p is exact (Sterbenz), the remaining terms are ≈ 2^-53 of it
    let rem = (((a.0 - p) - pe) + a.1) - q * b.1;
    fast_two_sum(q, rem / b.0)
}
