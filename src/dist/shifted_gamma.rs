//! The shifted gamma distribution X = c + Gamma(shape α, rate λ) on (c, ∞).

use super::error::ParamError;
use super::stable::ln_std_gamma_pdf;
use crate::special::{gamma_p, gamma_p_inv, gamma_q, ln_gamma};

/// X = c + Gamma(α, λ): density λ^α (x−c)^{α−1} e^{−λ(x−c)} / Γ(α) for x > c.
///
/// ```
/// use simstat::dist::ShiftedGamma;
/// let g = ShiftedGamma::new(13.3, 35.5, -0.28).unwrap();
/// assert!((g.mean() - (-0.28 + 13.3 / 35.5)).abs() < 1e-15);
/// let x = g.quantile(0.25);
/// assert!((g.cdf(x) - 0.25).abs() < 1e-13);
/// // the upper tail keeps its relative accuracy: sf is Q, not 1 − P
/// assert!(g.sf(3.0) > 0.0 && g.sf(3.0) < 1e-30);
/// ```
#[derive(Clone, Copy, PartialEq)]
pub struct ShiftedGamma {
    shape: f64,
    rate: f64,
    shift: f64,
    ln_rate: f64,
}

/// The parameters a user set (shape, rate, shift), not the cached internals.
impl core::fmt::Debug for ShiftedGamma {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ShiftedGamma")
            .field("shape", &self.shape)
            .field("rate", &self.rate)
            .field("shift", &self.shift)
            .finish()
    }
}

/// (z, dz): λ·(x − c) rounded, and the first-order correction for the roundings of x − c and of
/// the product (two-sum + fma), so the log density keeps its accuracy for large shape.
#[inline]
pub(crate) fn scaled_offset(x: f64, shift: f64, rate: f64) -> (f64, f64) {
    let y = x - shift;
    let bb = y - x;
    let err = (x - (y - bb)) + (-shift - bb);
    let z = rate * y;
    let dz = libm::fma(rate, y, -z) + rate * err;
    (z, dz)
}

pub(crate) fn check_finite(v: f64, param: &'static str) -> Result<(), ParamError> {
    if v.is_finite() {
        Ok(())
    } else {
        Err(ParamError::NonFinite { param })
    }
}

impl ShiftedGamma {
    /// All bits zero, for memory written before it is read (see
    /// [`super::TruncatedShiftedGamma::placeholder`]).
    pub(crate) const fn placeholder() -> Self {
        ShiftedGamma {
            shape: 0.0,
            rate: 0.0,
            shift: 0.0,
            ln_rate: 0.0,
        }
    }
}

impl ShiftedGamma {
    /// Builds c + Gamma(shape, rate). Errors: any parameter NaN/±∞, `shape ≤ 0`, `rate ≤ 0`.
    pub fn new(shape: f64, rate: f64, shift: f64) -> Result<Self, ParamError> {
        check_finite(shape, "shape")?;
        check_finite(rate, "rate")?;
        check_finite(shift, "shift")?;
        if shape <= 0.0 {
            return Err(ParamError::NonPositive { param: "shape" });
        }
        if rate <= 0.0 {
            return Err(ParamError::NonPositive { param: "rate" });
        }
        Ok(Self {
            shape,
            rate,
            shift,
            ln_rate: libm::log(rate),
        })
    }

    /// Shape α.
    pub fn shape(&self) -> f64 {
        self.shape
    }
    /// Rate λ (1/scale).
    pub fn rate(&self) -> f64 {
        self.rate
    }
    /// Shift c (the left end of the support).
    pub fn shift(&self) -> f64 {
        self.shift
    }

    /// The standardised argument λ(x − c) (may be ≤ 0 outside the support).
    #[inline]
    pub(crate) fn z(&self, x: f64) -> f64 {
        self.rate * (x - self.shift)
    }

    /// ln density; −∞ for x < c (and at x = c when α > 1), +∞ at x = c when α < 1. NaN for NaN.
    pub fn ln_pdf(&self, x: f64) -> f64 {
        if x.is_nan() {
            return f64::NAN;
        }
        if x == f64::INFINITY {
            return f64::NEG_INFINITY;
        }
        let (z, dz) = scaled_offset(x, self.shift, self.rate);
        if z <= 0.0 || x <= self.shift {
            if x < self.shift {
                return f64::NEG_INFINITY;
            }
            // x = c exactly
            return if self.shape < 1.0 {
                f64::INFINITY
            } else if self.shape == 1.0 {
                self.ln_rate
            } else {
                f64::NEG_INFINITY
            };
        }
        if z == f64::INFINITY {
            return f64::NEG_INFINITY;
        }
        self.ln_rate + ln_std_gamma_pdf(self.shape, z, dz)
    }

    /// Density; 0 outside the support.
    pub fn pdf(&self, x: f64) -> f64 {
        libm::exp(self.ln_pdf(x))
    }

    /// P(X ≤ x) = P(α, λ(x − c)); 0 below the support, 1 at +∞.
    pub fn cdf(&self, x: f64) -> f64 {
        if x.is_nan() {
            return f64::NAN;
        }
        if x <= self.shift {
            return 0.0;
        }
        gamma_p(self.shape, self.z(x).min(f64::MAX))
    }

    /// P(X > x) = Q(α, λ(x − c)), computed directly (relative accuracy deep in the tail).
    pub fn sf(&self, x: f64) -> f64 {
        if x.is_nan() {
            return f64::NAN;
        }
        if x <= self.shift {
            return 1.0;
        }
        if x == f64::INFINITY {
            return 0.0;
        }
        gamma_q(self.shape, self.z(x).min(f64::MAX))
    }

    /// The p-quantile, c + P⁻¹(α, p)/λ; `c` at p = 0, +∞ at p = 1, NaN outside [0, 1].
    pub fn quantile(&self, p: f64) -> f64 {
        if !(0.0..=1.0).contains(&p) {
            return f64::NAN;
        }
        self.shift + gamma_p_inv(self.shape, p) / self.rate
    }

    /// Mean c + α/λ.
    pub fn mean(&self) -> f64 {
        self.shift + self.shape / self.rate
    }

    /// Variance α/λ².
    pub fn variance(&self) -> f64 {
        self.shape / (self.rate * self.rate)
    }

    /// ln Γ(α) − α ln λ (the log of the density's normalising constant), for callers that sum
    /// log densities themselves.
    pub fn ln_norm_const(&self) -> f64 {
        ln_gamma(self.shape) - self.shape * self.ln_rate
    }
}
