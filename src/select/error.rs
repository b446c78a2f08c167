//! The error type of order selection (dendrograms, DSC, SGMoE), in the crate's shared
//! vocabulary: a variant with the same name as in [`FitError`](crate::fit::FitError) or
//! [`CalibrateError`](crate::calibrate::CalibrateError) means the same failure, with the same
//! payload.

use core::fmt;

/// Why a selection routine refused its input or could not finish.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum SelectError {
    /// Fewer atoms (or levels) than the routine needs (a dendrogram needs at least 1 atom).
    TooFewAtoms,
    /// More atoms than the fixed capacity.
    TooManyAtoms {
        /// The capacity that was exceeded.
        capacity: usize,
    },
    /// Fewer observations than the call needs (at least one; more than the number of free
    /// parameters for an SGMoE fit).
    TooFewSamples {
        /// Number of observations given.
        n: u64,
        /// Number needed.
        needed: u64,
    },
    /// A data value is NaN or ±∞ (for vector data: a coordinate of row `index`).
    NonFinite {
        /// Position of the first offending value or row (0-based).
        index: usize,
    },
    /// A data value lies outside the model's interval [lo, hi].
    OutOfInterval {
        /// Position of the first offending value (0-based).
        index: usize,
        /// The value.
        value: f64,
        /// Lower end of the interval.
        lo: f64,
        /// Upper end of the interval.
        hi: f64,
    },
    /// Slices that must have equal lengths do not.
    LengthMismatch,
    /// A weight is negative, zero, or weights do not sum to a positive finite value.
    InvalidWeight,
    /// A parameter or option is NaN, infinite or outside its domain (shape ≤ 0, variance ≤ 0,
    /// lo ≥ hi, …).
    InvalidParameter,
    /// A data value lies where no atom of the model has support.
    OutOfSupport,
    /// A requested level κ is outside 1..=K0.
    LevelOutOfRange,
    /// The log-likelihood of a level has not been evaluated yet.
    NotEvaluated,
    /// A linear system or an iteration broke down (singular design, no finite likelihood).
    NumericalFailure,
}

impl fmt::Display for SelectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooFewAtoms => f.write_str("too few atoms"),
            Self::TooManyAtoms { capacity } => write!(f, "more atoms than capacity {capacity}"),
            Self::TooFewSamples { n, needed } => {
                write!(f, "too few samples: {n} given, at least {needed} needed")
            }
            Self::NonFinite { index } => {
                write!(f, "data value at index {index} is NaN or infinite")
            }
            Self::OutOfInterval {
                index,
                value,
                lo,
                hi,
            } => write!(
                f,
                "data value {value} at index {index} is outside the interval [{lo}, {hi}]"
            ),
            Self::LengthMismatch => f.write_str("slice lengths do not match"),
            Self::InvalidWeight => f.write_str("invalid mixture weight"),
            Self::InvalidParameter => f.write_str("parameter NaN, infinite or outside its domain"),
            Self::OutOfSupport => f.write_str("data value outside every atom's support"),
            Self::LevelOutOfRange => f.write_str("level outside 1..=K0"),
            Self::NotEvaluated => f.write_str("level log-likelihoods not evaluated"),
            Self::NumericalFailure => f.write_str("numerical failure (singular system)"),
        }
    }
}

impl core::error::Error for SelectError {}
