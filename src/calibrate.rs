//! Score calibration: from one query's scores against its corpus (hits included) to a
//! background the hits cannot capture, tail p-values, relevance posteriors, and the decision
//! users need: how many of the top results to return ([`cut`]).
//!
//! The statistical tests here ([`bh_cutoff`], [`ks_uniform`]) take caller-provided scratch and
//! never allocate.

mod background;
mod cut;
mod fdr;
mod ks;
mod model;
mod relevance;

pub use background::{
    fit_background, fit_background_in, fit_background_on, fit_background_with, Background,
    BackgroundOptions, LOW_FENCE_IQR, MAX_BACKGROUND_ORDER,
};
pub use cut::{
    cut, cut_f32, cut_f32_in, cut_f32_with_background, cut_in, cut_scratch_len,
    cut_with_background, Cut, CutOptions, CutRule, MIN_CUT_SCORES,
};
pub use fdr::{bh_cutoff, FdrCutoff};
pub use ks::{kolmogorov_sf, ks_uniform, ks_uniform_held_out, KsTest};
pub use model::{Calibrator, ScoreCutoff, ScoreScale, FISHER_Z_MAX, MAX_CALIBRATION_COMPONENTS};
pub use relevance::{RelevanceModel, MAX_RELEVANCE_REGION};

/// Why a calibration call failed.
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub enum CalibrateError {
    /// Fewer scores than the call needs.
    TooFewScores {
        /// Scores given.
        n: usize,
        /// Scores needed.
        needed: usize,
    },
    /// A score is NaN, infinite or outside the score interval (default [−1, 1]).
    ScoreOutOfRange {
        /// Index of the first bad score (0-based).
        index: usize,
    },
    /// An option is outside its domain (the field is named).
    BadOption(&'static str),
    /// The background fit failed.
    Fit(crate::fit::FitError),
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
            Self::TooFewScores { n, needed } => {
                write!(f, "too few scores: {n} given, {needed} needed")
            }
            Self::ScoreOutOfRange { index } => write!(
                f,
                "score at index {index} is NaN, infinite or outside the score interval"
            ),
            Self::BadOption(what) => write!(f, "bad option: {what}"),
            Self::Fit(e) => write!(f, "background fit failed: {e}"),
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

impl core::error::Error for CalibrateError {}
