//! Temme's uniform asymptotic expansion of Q(a, x) for large a and x near a (private).
//!
//! DLMF 8.12.3–8.12.9: with λ = x/a, η²/2 = λ − 1 − ln λ (η with the sign of λ − 1),
//!
//!   Q(a, x) = ½ erfc(η √(a/2)) + e^{−a η²/2} / √(2π a) · Σ_k c_k(η) a^{−k},
//!   P(a, x) = ½ erfc(−η √(a/2)) − (the same sum term).
//!
//! The c_k are tabulated as functions of s = (x − a)/(x + a) = (λ − 1)/(λ + 1), which comes
//! from one division of exact inputs, so neither η nor bd0 (nor a square root) is on the path
//! to the polynomials: Chebyshev fits in t = s − k/32 on the 14 sub-intervals
//! [k/32 − 1/64, k/32 + 1/64], k = −8..5 (covering s ∈ [−¼, ⅙], that is |x/a − 1| ≤ 0.4),
//! made with mpmath from the Taylor series of c_k(η) at 0 (radius 2√π); the degrees make each
//! fit error of c_k/a^k below 2^-53 (the sum term is at most 0.18 of P or Q here, so that is
//! below 0.3 ULP); three sets, 15 terms in 1/a for 10 ≤ a < 20, 11 for 20 ≤ a < 100 and 7 for
//! a ≥ 100, so that the first omitted terms are below 2^-53 too. The tables carry 1/√(2π).
use super::gamma_inc_consts::{t100_sum, t10_sum, t20_sum, ERFCX_PIECES, ERFCX_TAIL};

/// Σ_k c_k a^{−k} for a ≥ 10 (`z` = 1/a) at s = k/32 + t, `i` = k − TEMME_KLO the row.
#[inline]
pub(super) fn temme_sum(i: usize, t: f64, a: f64, z: f64) -> f64 {
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
