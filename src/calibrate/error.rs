//! The error type of calibration, in the crate's shared vocabulary: a variant with the same
//! name as in [`FitError`](crate::fit::FitError) or [`SelectError`](crate::select::SelectError)
//! means the same failure, with the same payload.

use crate::fit::FitError;

/// Why a calibration call failed.
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub enum CalibrateError {
    /// Fewer scores than the call needs.
    TooFewSamples {
        /// Scores given.
        n: u64,
        /// Scores needed.
        needed: u64,
    },
    /// A score is NaN or ±∞.
    NonFinite {
        /// Position of the first offending score (0-based).
        index: usize,
    },
    /// A score lies outside the score interval [lo, hi] (default [−1, 1]).
    OutOfInterval {
        /// Position of the first offending score (0-based).
        index: usize,
        /// The score.
        value: f64,
        /// Lower end of the interval.
        lo: f64,
        /// Upper end of the interval.
        hi: f64,
    },
    /// An option is outside its domain (the field is named).
    BadOption(&'static str),
    /// The background fit failed.
    Fit(FitError),
    /// No scores or p-values were given.
    Empty,
    /// The FDR level must satisfy 0 < q < 1.
    BadLevel,
    /// A p-value (or a value tested for uniformity) is NaN or outside [0, 1].
    NotAProbability,
    /// The scratch buffer is shorter than the call needs.
    BufferTooSmall {
        /// Elements needed.
        needed: usize,
        /// Elements given.
        got: usize,
    },
}

impl core::fmt::Display for CalibrateError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::TooFewSamples { n, needed } => {
                write!(f, "too few scores: {n} given, {needed} needed")
            }
            Self::NonFinite { index } => write!(f, "score at index {index} is NaN or infinite"),
            Self::OutOfInterval {
                index,
                value,
                lo,
                hi,
            } => write!(
                f,
                "score {value} at index {index} is outside the score interval [{lo}, {hi}]"
            ),
            Self::BadOption(what) => write!(f, "bad option: {what}"),
            Self::Fit(e) => write!(f, "background fit failed: {e}"),
            Self::Empty => f.write_str("no scores or p-values given"),
            Self::BadLevel => f.write_str("FDR level q must satisfy 0 < q < 1"),
            Self::NotAProbability => f.write_str("a p-value is NaN or outside [0, 1]"),
            Self::BufferTooSmall { needed, got } => {
                write!(f, "scratch buffer too small: needed {needed}, got {got}")
            }
        }
    }
}

impl core::error::Error for CalibrateError {}

/// The background fit's error, as the calibration call that ran it reports it.
impl From<FitError> for CalibrateError {
    fn from(e: FitError) -> Self {
        CalibrateError::Fit(e)
    }
}

/// Score `s` at `index` checked against [lo, hi]: [`CalibrateError::NonFinite`] for NaN or ±∞,
/// [`CalibrateError::OutOfInterval`] outside.
pub(crate) fn check_score(index: usize, s: f64, lo: f64, hi: f64) -> Result<f64, CalibrateError> {
    if !s.is_finite() {
        Err(CalibrateError::NonFinite { index })
    } else if !(lo..=hi).contains(&s) {
        Err(CalibrateError::OutOfInterval {
            index,
            value: s,
            lo,
            hi,
        })
    } else {
        Ok(s)
    }
}
