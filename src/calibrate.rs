//! Score calibration: turn raw retrieval scores into tail p-values and relevance posteriors
//! under a fitted background, and choose a false-discovery-rate cut-off over a batch.
//!
//! The statistical tests here ([`bh_cutoff`], [`ks_uniform`]) take caller-provided scratch and
//! never allocate.

mod background;
mod fdr;
mod ks;
mod model;

pub use background::{fit_background, fit_background_on, Background, MAX_BACKGROUND_ORDER};
pub use fdr::{bh_cutoff, FdrCutoff};
pub use ks::{kolmogorov_sf, ks_uniform, ks_uniform_held_out, KsTest};
pub use model::{Calibrator, ScoreCutoff, ScoreScale, FISHER_Z_MAX, MAX_CALIBRATION_COMPONENTS};

/// Why a calibration call failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CalibrateError {
    /// No scores or p-values were given.
    Empty,
    /// The FDR level must satisfy 0 < q < 1.
    BadLevel,
    /// A p-value (or a value tested for uniformity) is NaN or outside [0, 1].
    NotAProbability,
    /// A score is NaN or infinite.
    NonFinite,
    /// The scratch buffer is shorter than the input.
    ScratchTooSmall {
        /// Elements needed.
        needed: usize,
        /// Elements given.
        got: usize,
    },
}

impl core::fmt::Display for CalibrateError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Empty => f.write_str("no scores or p-values given"),
            Self::BadLevel => f.write_str("FDR level q must satisfy 0 < q < 1"),
            Self::NotAProbability => f.write_str("a p-value is NaN or outside [0, 1]"),
            Self::NonFinite => f.write_str("a score is NaN or infinite"),
            Self::ScratchTooSmall { needed, got } => {
                write!(f, "scratch buffer too small: needed {needed}, got {got}")
            }
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for CalibrateError {}
