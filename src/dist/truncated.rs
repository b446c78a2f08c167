//! The shifted gamma truncated to [lo, hi]: normaliser from P or Q (whichever does not cancel),
//! cdf and sf each computed directly so both tails keep their relative accuracy.

use super::error::ParamError;
use super::shifted_gamma::{check_finite, ShiftedGamma};
use crate::special::{gamma_p, gamma_q};

/// Values of the untruncated cdf at one point, both ways: P = F and Q = 1 − F, each accurate.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Both {
    p: f64,
    q: f64,
}

impl Both {
    fn at(g: &ShiftedGamma, x: f64) -> Both {
        if x <= g.shift() {
            return Both { p: 0.0, q: 1.0 };
        }
        let z = g.z(x).min(f64::MAX);
        Both {
            p: gamma_p(g.shape(), z),
            q: gamma_q(g.shape(), z),
        }
    }
}

/// F(b) − F(a) for a ≤ b, from the side whose values are smaller (no cancellation against 1),
/// and a bound on its absolute rounding error.
#[inline]
fn mass(a: Both, b: Both) -> (f64, f64) {
    if b.p <= a.q {
        (b.p - a.p, b.p)
    } else {
        (a.q - b.q, a.q)
    }
}

/// X = c + Gamma(α, λ) conditioned on lo ≤ X ≤ hi.
///
/// ```
/// use simstat::dist::TruncatedShiftedGamma;
/// let t = TruncatedShiftedGamma::new(13.3, 35.5, -0.28, -1.0, 1.0).unwrap();
/// assert_eq!(t.cdf(-1.0), 0.0);
/// assert_eq!(t.sf(1.0), 0.0);
/// let x = 0.5;
/// assert!((t.cdf(x) + t.sf(x) - 1.0).abs() < 1e-15);
/// assert!(t.ln_pdf(1.5) == f64::NEG_INFINITY);
/// ```
#[derive(Clone, Copy, PartialEq)]
pub struct TruncatedShiftedGamma {
    base: ShiftedGamma,
    lo: f64,
    hi: f64,
    at_lo: Both,
    at_hi: Both,
    ln_norm: f64,
    norm: f64,
}

/// The parameters a user set (shape, rate, shift, lo, hi), not the cached internals.
impl core::fmt::Debug for TruncatedShiftedGamma {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("TruncatedShiftedGamma")
            .field("shape", &self.shape())
            .field("rate", &self.rate())
            .field("shift", &self.shift())
            .field("lo", &self.lo)
            .field("hi", &self.hi)
            .finish()
    }
}

impl TruncatedShiftedGamma {
    /// A value for memory that a result is written into before it is read (all bits zero, so
    /// a `static` workspace holding one stays in `.bss`; not a distribution, never returned to
    /// a user as is).
    pub(crate) const fn placeholder() -> Self {
        TruncatedShiftedGamma {
            base: ShiftedGamma::placeholder(),
            lo: 0.0,
            hi: 0.0,
            at_lo: Both { p: 0.0, q: 0.0 },
            at_hi: Both { p: 0.0, q: 0.0 },
            ln_norm: 0.0,
            norm: 0.0,
        }
    }
}

impl TruncatedShiftedGamma {
    /// Builds c + Gamma(shape, rate) truncated to [lo, hi].
    ///
    /// Errors: any parameter NaN/±∞, `shape ≤ 0`, `rate ≤ 0`, `lo ≥ hi`, `hi ≤ shift` (support
    /// misses the interval), and a normaliser that underflows or cancels below ~1e-9 relative
    /// accuracy.
    pub fn new(shape: f64, rate: f64, shift: f64, lo: f64, hi: f64) -> Result<Self, ParamError> {
        let base = ShiftedGamma::new(shape, rate, shift)?;
        check_finite(lo, "lo")?;
        check_finite(hi, "hi")?;
        if lo >= hi {
            return Err(ParamError::EmptyInterval);
        }
        if hi <= shift {
            return Err(ParamError::SupportMissesInterval);
        }
        let at_lo = Both::at(&base, lo);
        let at_hi = Both::at(&base, hi);
        let (norm, scale) = mass(at_lo, at_hi);
        // Error of the difference ≲ a few ε·scale (the special functions' own error budget);
        // refuse when fewer than ~9 digits would survive, or when it underflows.
        if !(norm.is_finite() && norm > 1e-300 && norm >= 1e-7 * scale) {
            return Err(ParamError::NormaliserUnderflow);
        }
        Ok(Self {
            base,
            lo,
            hi,
            at_lo,
            at_hi,
            ln_norm: libm::log(norm),
            norm,
        })
    }

    /// The untruncated distribution.
    pub fn base(&self) -> &ShiftedGamma {
        &self.base
    }
    /// Lower truncation point.
    pub fn lo(&self) -> f64 {
        self.lo
    }
    /// Upper truncation point.
    pub fn hi(&self) -> f64 {
        self.hi
    }
    /// The normaliser Z = P(lo ≤ X ≤ hi) under the untruncated distribution.
    pub fn normaliser(&self) -> f64 {
        self.norm
    }
    /// ln Z.
    pub fn ln_normaliser(&self) -> f64 {
        self.ln_norm
    }
    /// Shape α.
    pub fn shape(&self) -> f64 {
        self.base.shape()
    }
    /// Rate λ.
    pub fn rate(&self) -> f64 {
        self.base.rate()
    }
    /// Shift c.
    pub fn shift(&self) -> f64 {
        self.base.shift()
    }

    /// ln density, −∞ outside [lo, hi] and outside the support. NaN for NaN.
    pub fn ln_pdf(&self, x: f64) -> f64 {
        if x.is_nan() {
            return f64::NAN;
        }
        if x < self.lo || x > self.hi {
            return f64::NEG_INFINITY;
        }
        self.base.ln_pdf(x) - self.ln_norm
    }

    /// Density, 0 outside [lo, hi].
    pub fn pdf(&self, x: f64) -> f64 {
        libm::exp(self.ln_pdf(x))
    }

    /// (mass of [lo, x], mass of [x, hi]) under the untruncated distribution, each accurate.
    fn split(&self, x: f64) -> (f64, f64) {
        let at_x = Both::at(&self.base, x);
        let below = mass(self.at_lo, at_x).0.max(0.0);
        let above = mass(at_x, self.at_hi).0.max(0.0);
        (below, above)
    }

    /// P(X ≤ x | lo ≤ X ≤ hi): 0 below lo, 1 above hi.
    ///
    /// Computed as below/(below + above), so `cdf + sf = 1` to rounding and each keeps its
    /// relative accuracy in its own tail.
    pub fn cdf(&self, x: f64) -> f64 {
        if x.is_nan() {
            return f64::NAN;
        }
        if x <= self.lo {
            return 0.0;
        }
        if x >= self.hi {
            return 1.0;
        }
        let (b, a) = self.split(x);
        let t = b + a;
        if t > 0.0 {
            (b / t).clamp(0.0, 1.0)
        } else {
            (b / self.norm).clamp(0.0, 1.0)
        }
    }

    /// P(X > x | lo ≤ X ≤ hi), computed directly (not 1 − cdf): 1 below lo, 0 above hi.
    pub fn sf(&self, x: f64) -> f64 {
        if x.is_nan() {
            return f64::NAN;
        }
        if x <= self.lo {
            return 1.0;
        }
        if x >= self.hi {
            return 0.0;
        }
        let (b, a) = self.split(x);
        let t = b + a;
        if t > 0.0 {
            (a / t).clamp(0.0, 1.0)
        } else {
            (a / self.norm).clamp(0.0, 1.0)
        }
    }

    /// The p-quantile of the truncated law, in [max(lo, c), hi] (p = 0 gives the support's
    /// start max(lo, c), p = 1 gives hi); NaN outside [0, 1].
    ///
    /// Start from the untruncated P⁻¹, then safeguarded Newton on cdf (p ≤ ½) or sf (p > ½)
    /// inside a bisection bracket (at most 100 steps).
    pub fn quantile(&self, p: f64) -> f64 {
        if !(0.0..=1.0).contains(&p) {
            return f64::NAN;
        }
        if p == 0.0 {
            // the support's start: the interval's lower end or the shift, whichever is higher
            return self.lo.max(self.base.shift());
        }
        if p == 1.0 {
            return self.hi;
        }
        let mut lo = self.lo.max(self.base.shift());
        let mut hi = self.hi;
        let target = (self.at_lo.p + p * self.norm).min(1.0);
        let mut x = self.base.quantile(target);
        if !(x > lo && x < hi) {
            x = 0.5 * (lo + hi);
        }
        let upper = p > 0.5;
        let goal = if upper { 1.0 - p } else { p };
        for _ in 0..100 {
            let f = if upper {
                goal - self.sf(x)
            } else {
                self.cdf(x) - goal
            };
            if f == 0.0 {
                return x;
            }
            if f > 0.0 {
                hi = x;
            } else {
                lo = x;
            }
            let d = self.pdf(x);
            let mut next = x - f / d;
            if !(next > lo && next < hi && next.is_finite()) {
                next = 0.5 * (lo + hi);
            }
            if (next - x).abs() <= 2.0 * f64::EPSILON * x.abs().max(f64::MIN_POSITIVE)
                || hi - lo <= 2.0 * f64::EPSILON * hi.abs().max(lo.abs())
            {
                return next;
            }
            x = next;
        }
        x
    }

    /// Mean of the truncated law: E[X | lo ≤ X ≤ hi] = c + (α/λ)·Z(α+1)/Z(α).
    pub fn mean(&self) -> f64 {
        let (m1, _) = self.raw_moment_ratio(1.0);
        self.base.shift() + m1
    }

    /// Variance of the truncated law.
    pub fn variance(&self) -> f64 {
        let (m1, m2) = self.raw_moment_ratio(2.0);
        (m2 - m1 * m1).max(0.0)
    }

    /// E[Y] and E[Y²] (Y = X − c) under truncation, via the masses of the same interval under
    /// Gamma(α+1) and Gamma(α+2).
    fn raw_moment_ratio(&self, order: f64) -> (f64, f64) {
        let (a, l) = (self.base.shape(), self.base.rate());
        let shifted_mass = |da: f64| -> f64 {
            let g = match ShiftedGamma::new(a + da, l, self.base.shift()) {
                Ok(g) => g,
                Err(_) => return f64::NAN,
            };
            mass(Both::at(&g, self.lo), Both::at(&g, self.hi)).0
        };
        let r1 = shifted_mass(1.0) / self.norm;
        let m1 = a / l * r1;
        if order < 2.0 {
            return (m1, f64::NAN);
        }
        let r2 = shifted_mass(2.0) / self.norm;
        (m1, a * (a + 1.0) / (l * l) * r2)
    }
}

/// Byte form (kind 3): shape, rate, shift, lo, hi; read back through
/// [`TruncatedShiftedGamma::new`] (so every check of the constructor applies and the cached
/// constants are recomputed bit for bit).
impl crate::wire::ByteForm for TruncatedShiftedGamma {
    const KIND: u16 = 3;

    fn payload_len(&self) -> usize {
        40
    }

    fn write_payload(&self, w: &mut crate::wire::Writer<'_>) {
        for v in [self.shape(), self.rate(), self.shift(), self.lo, self.hi] {
            w.f64(v);
        }
    }

    fn read_payload(r: &mut crate::wire::Reader<'_>) -> Result<Self, crate::wire::WireError> {
        let (shape, rate, shift, lo, hi) = (r.f64()?, r.f64()?, r.f64()?, r.f64()?, r.f64()?);
        TruncatedShiftedGamma::new(shape, rate, shift, lo, hi)
            .map_err(|_| crate::wire::WireError::Invalid("component"))
    }
}
