//! Temme's uniform asymptotic expansion of Q(a, x) for large a and x near a (private).
//!
//! DLMF 8.12.3–8.12.9: with λ = x/a, η²/2 = λ − 1 − ln λ (η with the sign of λ − 1),
//!
//!   Q(a, x) = ½ erfc(η √(a/2)) + e^{−a η²/2} / √(2π a) · Σ_k c_k(η) a^{−k},
//!   P(a, x) = ½ erfc(−η √(a/2)) − (the same sum term).
//!
//! The c_k(η) are polynomials in η − η0 about the centre η0 of one of 8 equal
//! sub-intervals of η ∈ [η(0.6), η(1.4)] (that is |x/a − 1| ≤ 0.4), re-expanded with mpmath
//! from their Taylor series at 0 (radius of convergence 2√π); the degrees make each omitted part
//! of c_k(η)/a^k below 2^-56; three sets, 17 terms in 1/a for 10 ≤ a < 20, 11 for 20 ≤ a < 100
//! and 7 for a ≥ 100, so that the first omitted terms are below 2^-56 too.
use super::gamma_inc_consts::{
    t100_sum, t10_sum, t20_sum, ERFCX_PIECES, ERFCX_TAIL, TEMME_ETA0, TEMME_NINT, TEMME_W,
};

/// Σ_k c_k(η) a^{−k} for a ≥ 10 (`z` = 1/a) and η in [η(0.6), η(1.4)] (values just outside
/// are clamped into the end sub-intervals, where the polynomials stay accurate a little beyond
/// the edge).
#[inline]
pub(super) fn temme_sum(eta: f64, a: f64, z: f64) -> f64 {
    // sub-interval k = ⌊u⌋ clamped to [0, NINT − 1], in floating point (1.5·2^52 rounding of
    // u − ½; at an interval edge either neighbour may be picked, both fit there); the integer
    // index comes from the same bits, so t does not wait on a float ↔ int conversion
    const MAGIC: f64 = 6_755_399_441_055_744.0;
    let u = (eta - TEMME_ETA0) * (0.5 / TEMME_W);
    let uc = u.clamp(0.5, TEMME_NINT as f64 - 0.5); // NaN: i = NINT − 1, t = NaN
    let kf = (uc - 0.5) + MAGIC;
    let i = (kf.to_bits().wrapping_sub(MAGIC.to_bits()) as usize).min(TEMME_NINT - 1);
    let t = eta - (TEMME_ETA0 + (2.0 * (kf - MAGIC) + 1.0) * TEMME_W);
    if a >= 100.0 {
        t100_sum(i, t, z)
    } else if a >= 20.0 {
        t20_sum(i, t, z)
    } else {
        t10_sum(i, t, z)
    }
}

/// erfcx(z) = e^{z²} erfc(z) for z ≥ 0 (+inf gives 0): piecewise degree-10 polynomials on
/// [0, 12), an expansion in 1/z² beyond; relative error about 2 ulp.
#[inline]
pub(super) fn erfcx(z: f64) -> f64 {
    if z < 12.0 {
        // Pieces of width 1/8 on [0, 2), 1/4 on [2, 6), 1/2 on [6, 12): exactly the cells of
        // v = z + 2 ∈ [2, 14) given by its exponent and top 4 mantissa bits, so the index and
        // the piece start come from the bits of v without a branch (z is unpredictable).
        // v is rounded, so z may lie up to ulp(14) outside its piece: the fits hold there.
        let vb = (z + 2.0).to_bits();
        let i = ((vb >> 48) - (2f64.to_bits() >> 48)) as usize;
        let c = f64::from_bits((vb & 0xffff_0000_0000_0000) | 0x0000_8000_0000_0000) - 2.0;
        let p = &ERFCX_PIECES[i.min(ERFCX_PIECES.len() - 1)]; // highest degree first
        let t = z - c;
        let t2 = t * t;
        let t4 = t2 * t2;
        let t8 = t4 * t4;
        let q0 = (p[10] + t * p[9]) + t2 * (p[8] + t * p[7]);
        let q1 = (p[6] + t * p[5]) + t2 * (p[4] + t * p[3]);
        let q2 = (p[2] + t * p[1]) + t2 * p[0];
        (q0 + t4 * q1) + t8 * q2
    } else {
        let u = 1.0 / (z * z);
        let mut f = 0.0;
        for &c in ERFCX_TAIL.iter() {
            f = f * u + c;
        }
        f / (z * 1.772_453_850_905_516) // √π
    }
}
