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

/// exp(−(hi + lo)) for a double-double with |lo| ≤ 2^-50·|hi| + tiny, hi ≥ 0 or NaN.
///
/// For hi < 700 without a branch on the argument (it is unpredictable in the incomplete gamma
/// kernels): n = round(128 hi/ln2), r = (n·ln2/128 − hi) − lo with ln2/128 split so that
/// n·ln2_hi − hi is exact, |r| ≤ ln2/256 + tiny; exp(−hi − lo) = 2^(−n/128) · e^r with
/// 2^(j/128) from a double-double table and e^r − 1 a degree-5 Taylor polynomial (truncation
/// < 2^-60 relative). Error about 0.5 ULP. Beyond 700 (and for NaN) libm's exp.
#[inline(always)]
pub(super) fn exp_neg_dd(hi: f64, lo: f64) -> f64 {
    if hi.is_nan() || hi >= 700.0 {
        return libm::exp(-hi) * (1.0 - lo);
    }
    // n = round(hi·128/ln2) ≥ 0 by the 1.5·2^52 trick (hi ≥ 0 here; small negatives round too)
    const MAGIC: f64 = 6_755_399_441_055_744.0;
    let kf = hi * EXP_INV_L + MAGIC;
    let n = kf.to_bits() as i64 - MAGIC.to_bits() as i64; // |n| < 2^17
    let nf = kf - MAGIC;
    let r = ((nf * EXP_L_HI - hi) + nf * EXP_L_LO) - lo;
    let m = -n; // exp(−hi) = 2^(m/128) e^r, m = 128 q + j
    let j = (m & 127) as usize;
    let q = m >> 7;
    let [th, tl] = EXP_TAB[j];
    let r2 = r * r;
    let p = r + r2 * ((0.5 + r * (1.0 / 6.0)) + r2 * (1.0 / 24.0 + r * (1.0 / 120.0)));
    let v = th + (th * p + tl * (1.0 + p));
    // v ∈ [0.99, 2], q ≥ −1011: scaling by the exponent bits stays normal
    f64::from_bits(v.to_bits().wrapping_add((q as u64) << 52))
}

/// ln2/128 split: `EXP_L_HI` has 35 significant bits, so `n·EXP_L_HI` is exact for n < 2^18.
#[allow(clippy::excessive_precision, clippy::unreadable_literal)]
const EXP_L_HI: f64 = 0.005415212347998022;
/// ln2/128 − `EXP_L_HI`.
#[allow(clippy::excessive_precision, clippy::unreadable_literal)]
const EXP_L_LO: f64 = 1.2655086083325438e-13;
/// 128/ln2.
#[allow(clippy::excessive_precision, clippy::unreadable_literal)]
const EXP_INV_L: f64 = 184.6649652337873;
/// 2^(j/128), j = 0..128, as [hi, lo] (hi + lo correct to ~2^-106; from Python `decimal`
/// at 60 digits: tests/data/make_special_inc.py --exp-table).
#[rustfmt::skip]
#[allow(clippy::excessive_precision, clippy::unreadable_literal, clippy::approx_constant)]
const EXP_TAB: [[f64; 2]; 128] = [
    [1.0, 0.0],
    [1.0054299011128027, 9.499186535455032e-17],
    [1.0108892860517005, -1.5234778603368577e-17],
    [1.016378314910953, -5.77217007319966e-17],
    [1.0218971486541166, 5.109225028973444e-17],
    [1.0274459491187637, -4.9560741746453704e-17],
    [1.0330248790212284, 7.600838874027088e-18],
    [1.0386341019613787, 5.996273788852511e-17],
    [1.0442737824274138, 8.551889705537965e-17],
    [1.0499440858006872, 5.592937848127003e-17],
    [1.0556451783605572, 1.759325738772092e-18],
    [1.061377227289262, -1.1973537085365658e-17],
    [1.0671404006768237, -7.899853966841582e-17],
    [1.0729348675259756, -3.839668843358824e-18],
    [1.0787607977571199, -6.656660436056593e-17],
    [1.0846183622133092, 3.166152845816346e-17],
    [1.0905077326652577, -3.046782079812471e-17],
    [1.0964290818163769, -5.919933484449316e-17],
    [1.102382583307841, 5.2660368715706944e-17],
    [1.1083684117236787, -8.786813845180527e-17],
    [1.1143867425958924, 1.0410278456845571e-16],
    [1.1204377524096067, -6.201085906554179e-17],
    [1.1265216186082418, 5.165856758795457e-17],
    [1.1326385195987192, 3.237356166738e-17],
    [1.1387886347566916, 8.912812676025408e-17],
    [1.1449721444318042, 4.6412898921700107e-17],
    [1.1511892299529827, 3.250710218863827e-17],
    [1.1574400736337511, -9.1238712311344e-17],
    [1.1637248587775775, 3.8292048369240935e-17],
    [1.1700437696832502, -1.8477442017900047e-18],
    [1.1763969916502812, 5.554203254218079e-17],
    [1.182784710984341, 1.542975430079076e-17],
    [1.189207115002721, 3.982015231465646e-17],
    [1.1956643920398273, 4.6166036704814814e-17],
    [1.202156731452703, 6.644981499252301e-17],
    [1.2086843236265816, -4.746725945228984e-17],
    [1.215247359980469, -7.712630692681488e-17],
    [1.2218460329727576, -1.0611021211402691e-16],
    [1.22848053610687, -1.89878163130253e-17],
    [1.2351510639369334, -1.0755244344307841e-16],
    [1.241857812073484, 4.658027591836937e-17],
    [1.2486009771892048, -8.261810999021964e-17],
    [1.255380757024691, -6.7113898212968784e-18],
    [1.2621973503942507, -3.0844648874738465e-17],
    [1.2690509571917332, 2.667932131342186e-18],
    [1.275941778396392, 9.91543024421429e-17],
    [1.2828700160787783, 1.713594918243561e-17],
    [1.2898358734066657, 8.949257530897592e-17],
    [1.2968395546510096, 2.5382502794888315e-17],
    [1.3038812651919358, 8.647675598267871e-17],
    [1.3109612115247644, -7.181536135519454e-17],
    [1.318079601266064, -5.4579558271491535e-17],
    [1.3252366431597413, -2.8587312100388614e-17],
    [1.3324325470831615, -5.101586630916744e-17],
    [1.339667524053303, 8.927282594831732e-17],
    [1.3469417862329458, 3.224065101254679e-17],
    [1.3542555469368927, 7.70094837980299e-17],
    [1.3616090206382248, 1.533787661270668e-18],
    [1.3690024229745905, 9.593797919118849e-17],
    [1.3764359707545302, -6.898588935871801e-17],
    [1.383909881963832, -6.770511658794786e-17],
    [1.3914243757719262, -4.9061748652889893e-17],
    [1.3989796725383112, -9.614213209051323e-17],
    [1.4065759938190154, 7.034914812136422e-18],
    [1.4142135623730951, -9.667293313452913e-17],
    [1.4218926021691656, -1.6077828915890244e-17],
    [1.42961333839197, -1.2031642489053655e-17],
    [1.4373759974489824, -4.2040340164675566e-17],
    [1.4451808069770467, -3.0237581349939873e-17],
    [1.4530279958490526, -5.779948609396106e-17],
    [1.460917794180647, -5.600377186075216e-17],
    [1.4688504333369818, 8.465882756533628e-17],
    [1.4768261459394993, -3.483994556892796e-17],
    [1.4848451658727524, 1.0780086764407481e-16],
    [1.4929077282912648, 1.4192920154284036e-17],
    [1.5010140696264256, -6.413767275790235e-17],
    [1.5091644275934228, -1.016455327754295e-16],
    [1.5173590411982147, -4.308699472043341e-17],
    [1.5255981507445384, -1.1024941712342561e-16],
    [1.533881997840956, 8.875226844438446e-17],
    [1.5422108254079407, 7.949834809697621e-17],
    [1.550584877685, -1.4600706590689385e-17],
    [1.559004400237837, 3.7812070533575275e-17],
    [1.567469639965553, -1.0352061768849722e-16],
    [1.5759808451078865, -1.0136916471278304e-17],
    [1.5845382652524937, -1.9337717034585703e-17],
    [1.593142151342267, -1.0094406542311964e-16],
    [1.6017927556826934, -6.054917453527784e-17],
    [1.6104903319492543, 2.4707192569797888e-17],
    [1.6192351351948637, 2.0941334154229092e-17],
    [1.6280274218573478, -6.712955084707084e-17],
    [1.6368674497669644, 7.698325071319876e-17],
    [1.645755478153965, -1.0125679913674773e-16],
    [1.6546917676561943, 9.643294303196029e-17],
    [1.6636765803267364, 5.8909926967131e-17],
    [1.6727101796415966, -5.476715964599563e-17],
    [1.681792830507429, 8.199010020581497e-17],
    [1.6909247992693053, -9.66967147439488e-17],
    [1.7001063537185235, -8.0237193703977e-18],
    [1.709337763100463, -9.868779456632931e-17],
    [1.718619298122478, -1.851380418263111e-17],
    [1.7279512309618377, -1.0750981861204642e-16],
    [1.7373338352737062, 3.164389299292957e-17],
    [1.746767386199169, -1.0752290483507515e-16],
    [1.7562521603732995, 2.960140695448873e-17],
    [1.7657884359332727, 9.461315018083268e-17],
    [1.7753764925265212, 6.429731796556572e-17],
    [1.785016611318935, 1.5330400121031314e-17],
    [1.7947090750031072, 1.8227458427912087e-17],
    [1.804454167806624, -5.177222408793318e-17],
    [1.8142521755003989, -9.969531538920349e-17],
    [1.8241033854070534, -1.0159627862277083e-16],
    [1.8340080864093424, 3.283107224245627e-17],
    [1.843966568958626, -5.939742026949965e-17],
    [1.8539791250833855, 9.761887490727594e-17],
    [1.864046048397789, 6.540912680620572e-17],
    [1.8741676341103, -6.122763413004143e-17],
    [1.8843441790323345, -8.226593125533711e-17],
    [1.8945759815869656, 3.4034035352165297e-17],
    [1.9048633418176741, 6.533857514718279e-17],
    [1.9152065613971474, -1.0619946056195963e-16],
    [1.925605943636125, -9.914963769693741e-17],
    [1.9360617934922943, 1.0332385960676326e-16],
    [1.9465744175792332, 6.811022349533877e-17],
    [1.9571441241754002, 8.960767791036668e-17],
    [1.9677712232331759, -1.0314928011531132e-16],
    [1.978456026387951, 4.0388753109278167e-17],
    [1.9891988469672663, 8.2051326383692e-18],
];

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

#[cfg(test)]
mod tests {
    use super::*;

    /// exp_neg_dd agrees with libm's exp (< 1 ULP itself) to 1 ULP on [0, 745], lo = 0, and
    /// applies lo to first order.
    #[test]
    fn exp_neg_matches_libm() {
        let mut rng = crate::SplitMix64(0x9e37_79b9_7f4a_7c15);
        let mut worst = 0i64;
        for i in 0..200_000 {
            let u = rng.next_f64();
            let y = if i % 2 == 0 { 745.0 * u } else { 2.0 * u };
            let got = exp_neg_dd(y, 0.0);
            let want = libm::exp(-y);
            let d = (got.to_bits() as i64 - want.to_bits() as i64).abs();
            worst = worst.max(d);
        }
        assert!(
            worst <= 1,
            "exp_neg_dd differs from libm::exp by {worst} ULP"
        );
        let (y, lo) = (3.25, 1e-17);
        let d = exp_neg_dd(y, lo) / (libm::exp(-y) * (1.0 - lo)) - 1.0;
        assert!(d.abs() < 3e-16, "lo not applied: {d:e}");
    }
}
