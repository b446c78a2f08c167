//! Shifted and truncated gamma distributions: densities, cdf/sf with accurate tails, quantiles,
//! moments, and (feature `rand`) sampling.
//!
//! * [`ShiftedGamma`]: X = c + Gamma(shape α, rate λ), support (c, ∞).
//! * [`TruncatedShiftedGamma`]: the same conditioned on lo ≤ X ≤ hi (cosine similarities live
//!   in [−1, 1]); the normaliser is taken from P or Q, whichever does not cancel.
//!
//! Constructors validate and return [`ParamError`] naming the bad parameter; the methods never
//! panic (NaN in → NaN out).
//!
//! ```
//! use simstat::dist::{ShiftedGamma, TruncatedShiftedGamma};
//! let g = ShiftedGamma::new(13.3, 35.5, -0.28)?;
//! let t = TruncatedShiftedGamma::new(13.3, 35.5, -0.28, -1.0, 1.0)?;
//! assert!((g.ln_pdf(0.1) - t.ln_pdf(0.1) - t.ln_normaliser()).abs() < 1e-14);
//! assert!(ShiftedGamma::new(-1.0, 1.0, 0.0).is_err());
//! # Ok::<(), simstat::dist::ParamError>(())
//! ```

mod error;
#[cfg(feature = "rand")]
mod sample;
mod shifted_gamma;
pub(crate) mod stable;
mod truncated;

pub use error::ParamError;
pub use shifted_gamma::ShiftedGamma;
pub use truncated::TruncatedShiftedGamma;

/// Re-export of the `rand` (0.10) the samplers and `Distribution` impls use (feature `rand`).
#[cfg(feature = "rand")]
pub use rand;
