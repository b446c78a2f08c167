//! Parameter errors of the distribution constructors.

use core::fmt;

/// Why a distribution could not be built. Every variant names the offending parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ParamError {
    /// A parameter is NaN or ±∞.
    NonFinite {
        /// Which parameter (`"shape"`, `"rate"`, `"shift"`, `"lo"`, `"hi"`).
        param: &'static str,
    },
    /// A parameter that must be strictly positive is not (`shape ≤ 0` or `rate ≤ 0`).
    NonPositive {
        /// Which parameter (`"shape"` or `"rate"`).
        param: &'static str,
    },
    /// The truncation interval is empty: `lo ≥ hi`.
    EmptyInterval,
    /// The support (shift, ∞) misses the truncation interval: `hi ≤ shift`.
    SupportMissesInterval,
    /// The mass of [lo, hi] under the untruncated distribution underflows (or cancels so badly
    /// that fewer than ~9 significant digits would be left): the normaliser cannot be computed.
    NormaliserUnderflow,
    /// Mixture weights are not a probability vector (one is NaN, negative or zero where it
    /// must be positive, or they do not sum to 1).
    InvalidWeights,
}

impl ParamError {
    /// The name of the parameter (or pair) at fault.
    pub fn parameter(&self) -> &'static str {
        match self {
            ParamError::NonFinite { param } | ParamError::NonPositive { param } => param,
            ParamError::EmptyInterval => "lo/hi",
            ParamError::SupportMissesInterval => "shift/hi",
            ParamError::NormaliserUnderflow => "lo/hi (normaliser)",
            ParamError::InvalidWeights => "weights",
        }
    }
}

impl fmt::Display for ParamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParamError::NonFinite { param } => write!(f, "parameter `{param}` is NaN or infinite"),
            ParamError::NonPositive { param } => {
                write!(f, "parameter `{param}` must be strictly positive")
            }
            ParamError::EmptyInterval => write!(f, "truncation interval is empty (lo >= hi)"),
            ParamError::SupportMissesInterval => {
                write!(
                    f,
                    "support (shift, inf) misses the interval [lo, hi] (hi <= shift)"
                )
            }
            ParamError::NormaliserUnderflow => {
                write!(f, "normaliser (mass of [lo, hi]) underflows or cancels")
            }
            ParamError::InvalidWeights => write!(f, "weights are not a probability vector"),
        }
    }
}

impl core::error::Error for ParamError {}
