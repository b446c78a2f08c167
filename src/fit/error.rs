//! The error type of the fitters, in the crate's shared vocabulary: a variant with the same
//! name as in [`SelectError`](crate::select::SelectError) or
//! [`CalibrateError`](crate::calibrate::CalibrateError) means the same failure, with the same
//! payload.

use core::fmt;

use crate::dist::ParamError;

/// Why a fit (or a sketch update) was refused.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum FitError {
    /// Fewer observations than the model has free parameters (3 for one shifted gamma;
    /// 4K − 1 for a K-component mixture: K shapes, rates and shifts and K − 1 weights). With
    /// fewer the maximum-likelihood estimate is not identifiable.
    TooFewSamples {
        /// Number of observations given.
        n: u64,
        /// Number needed.
        needed: u64,
    },
    /// A value is NaN or ±∞.
    NonFinite {
        /// Position of the first offending value in the slice (for a sketch: in that call).
        index: usize,
    },
    /// A value lies outside the interval [lo, hi] of the options / sketch.
    OutOfInterval {
        /// Position of the first offending value in the slice (for a sketch: in that call).
        index: usize,
        /// The value.
        value: f64,
        /// Lower end of the interval it broke.
        lo: f64,
        /// Upper end of the interval it broke.
        hi: f64,
    },
    /// All values are equal: no spread, so no shape or rate can be estimated.
    AllEqual,
    /// An option is out of its domain; the string names the field.
    BadOption(&'static str),
    /// A caller buffer (scratch or workspace) is shorter than the call needs.
    BufferTooSmall {
        /// Elements needed.
        needed: usize,
        /// Elements given.
        got: usize,
    },
    /// Two sketches over different intervals cannot be merged.
    IntervalMismatch,
    /// The fitted parameters do not give a valid truncated distribution.
    Distribution(ParamError),
}

impl fmt::Display for FitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FitError::TooFewSamples { n, needed } => {
                write!(
                    f,
                    "too few samples: {n} given, at least {needed} needed (one per free parameter)"
                )
            }
            FitError::NonFinite { index } => write!(f, "value at index {index} is NaN or infinite"),
            FitError::OutOfInterval {
                index,
                value,
                lo,
                hi,
            } => {
                write!(
                    f,
                    "value {value} at index {index} (0-based) is outside the fit interval [{lo}, {hi}]"
                )
            }
            FitError::AllEqual => write!(f, "all values are equal"),
            FitError::BadOption(field) => write!(f, "fit option `{field}` is out of its domain"),
            FitError::BufferTooSmall { needed, got } => {
                write!(f, "scratch buffer too small: needed {needed}, got {got}")
            }
            FitError::IntervalMismatch => write!(f, "sketches cover different intervals"),
            FitError::Distribution(e) => write!(f, "fitted distribution is invalid: {e}"),
        }
    }
}

impl core::error::Error for FitError {}

impl From<ParamError> for FitError {
    fn from(e: ParamError) -> Self {
        FitError::Distribution(e)
    }
}
