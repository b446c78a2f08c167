//! Status codes: the `SimstatStatus` every pointer-taking function returns, one `From` map per
//! error enum of the core crate, and `simstat_status_str`, which turns a code into text.
//!
//! Each map names every variant of its error enum. The core's error enums are
//! `#[non_exhaustive]`, so Rust requires one more arm for variants a later core might add; that
//! arm answers [`SimstatStatus::Internal`], and CI's nightly check (`--cfg
//! simstat_nightly_lints`, which turns on `non_exhaustive_omitted_patterns`) fails the build if
//! it would catch a variant that exists today: a new core error cannot reach C unclassified.
#![cfg_attr(simstat_nightly_lints, deny(non_exhaustive_omitted_patterns))]

use core::ffi::{c_char, CStr};

use simstat::calibrate::CalibrateError;
use simstat::dist::ParamError;
use simstat::fit::FitError;
use simstat::geometry::GeometryError;
use simstat::select::SelectError;
use simstat::wire::WireError;

/// Status code of every pointer-taking C function (`SIMSTAT_STATUS_OK` = 0 is success);
/// [`simstat_status_str`] describes each one.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SimstatStatus {
    /// Success.
    Ok = 0,
    /// A required pointer was null.
    NullPointer = 1,
    /// A length was 0 where data is needed, too short, or too large; or buffers overlap.
    BadLength = 2,
    /// A distribution or option parameter is out of its domain, or an enum code is not one of
    /// its type's values.
    BadParameter = 3,
    /// An input value is NaN or infinite.
    NonFinite = 4,
    /// A data value lies outside the fit interval.
    OutOfInterval = 5,
    /// Too few observations for the model.
    TooFewSamples = 6,
    /// All observations are equal.
    AllEqual = 7,
    /// A probability (p-value, FDR level, mixture weight) is outside its range.
    BadProbability = 8,
    /// A vector has zero norm, so its cosine is undefined.
    ZeroNorm = 9,
    /// A size computation overflows.
    Overflow = 10,
    /// A numerical step broke down (a merged atom or level without a finite likelihood).
    NumericalFailure = 11,
    /// Bytes are not a valid byte form of the type asked for (wrong magic, version or kind,
    /// truncated, checksum mismatch, or an invalid value).
    BadEncoding = 12,
    /// A mixture is on another score scale than the function reads: a Fisher-z background
    /// (from `simstat_fit_background`) given to a cosine-scale `simstat_mixture_*` function, or
    /// a cosine-scale mixture given to a `simstat_background_*` function.
    WrongScale = 13,
    /// An error this build of the C interface does not classify (a bug: please report it).
    Internal = 14,
}

/// Every status code, in code order ([`simstat_status_str`] looks codes up here).
const ALL_STATUSES: [SimstatStatus; 15] = [
    SimstatStatus::Ok,
    SimstatStatus::NullPointer,
    SimstatStatus::BadLength,
    SimstatStatus::BadParameter,
    SimstatStatus::NonFinite,
    SimstatStatus::OutOfInterval,
    SimstatStatus::TooFewSamples,
    SimstatStatus::AllEqual,
    SimstatStatus::BadProbability,
    SimstatStatus::ZeroNorm,
    SimstatStatus::Overflow,
    SimstatStatus::NumericalFailure,
    SimstatStatus::BadEncoding,
    SimstatStatus::WrongScale,
    SimstatStatus::Internal,
];

impl SimstatStatus {
    /// The English description [`simstat_status_str`] returns (an exhaustive match: a new code
    /// cannot lack one).
    #[must_use]
    pub fn text(self) -> &'static CStr {
        match self {
            Self::Ok => c"ok",
            Self::NullPointer => c"a required pointer was null",
            Self::BadLength => c"a length was 0, too short or too large, or buffers overlap",
            Self::BadParameter => c"a parameter, option or enum code is out of its domain",
            Self::NonFinite => c"an input value is NaN or infinite",
            Self::OutOfInterval => c"a data value lies outside the fit interval",
            Self::TooFewSamples => c"too few observations for the model",
            Self::AllEqual => c"all observations are equal",
            Self::BadProbability => c"a probability or weight is outside its range",
            Self::ZeroNorm => c"a vector has zero norm",
            Self::Overflow => c"a size computation overflows",
            Self::NumericalFailure => c"a numerical step broke down",
            Self::BadEncoding => c"the bytes are not a valid encoding of the type",
            Self::WrongScale => c"the mixture is on another score scale than the function reads",
            Self::Internal => c"an error the C interface does not classify (a bug)",
        }
    }
}

/// A NUL-terminated, static English description of a status code (never null; a code no
/// function returns gives "unknown status"). Takes the code as an `int`, so any value a caller
/// holds is safe to pass. The string lives as long as the library.
#[no_mangle]
pub extern "C" fn simstat_status_str(status: i32) -> *const c_char {
    ALL_STATUSES
        .iter()
        .find(|s| **s as i32 == status)
        .map_or(c"unknown status", |s| s.text())
        .as_ptr()
}

/// `SIMSTAT_STATUS_OK` for `Ok(())`, the error's code otherwise.
pub(crate) fn status(r: Result<(), SimstatStatus>) -> SimstatStatus {
    match r {
        Ok(()) => SimstatStatus::Ok,
        Err(s) => s,
    }
}

/// Mixture weights are `SIMSTAT_STATUS_BAD_PROBABILITY`; every other distribution parameter
/// error is `SIMSTAT_STATUS_BAD_PARAMETER`.
impl From<ParamError> for SimstatStatus {
    fn from(e: ParamError) -> Self {
        match e {
            ParamError::NonFinite { .. }
            | ParamError::NonPositive { .. }
            | ParamError::EmptyInterval
            | ParamError::SupportMissesInterval
            | ParamError::NormaliserUnderflow => Self::BadParameter,
            ParamError::InvalidWeights => Self::BadProbability,
            _ => Self::Internal,
        }
    }
}

/// Data errors keep their own codes; a short buffer is `SIMSTAT_STATUS_BAD_LENGTH`; options,
/// intervals and invalid fitted distributions are `SIMSTAT_STATUS_BAD_PARAMETER`.
impl From<FitError> for SimstatStatus {
    fn from(e: FitError) -> Self {
        match e {
            FitError::TooFewSamples { .. } => Self::TooFewSamples,
            FitError::NonFinite { .. } => Self::NonFinite,
            FitError::OutOfInterval { .. } => Self::OutOfInterval,
            FitError::AllEqual => Self::AllEqual,
            FitError::BufferTooSmall { .. } => Self::BadLength,
            FitError::BadOption(_) | FitError::IntervalMismatch => Self::BadParameter,
            FitError::Distribution(e) => e.into(),
            _ => Self::Internal,
        }
    }
}

/// Sizes and levels are `SIMSTAT_STATUS_BAD_LENGTH`; data and numerical errors keep their codes.
impl From<SelectError> for SimstatStatus {
    fn from(e: SelectError) -> Self {
        match e {
            SelectError::TooFewAtoms
            | SelectError::TooManyAtoms { .. }
            | SelectError::LengthMismatch
            | SelectError::LevelOutOfRange => Self::BadLength,
            SelectError::TooFewSamples { .. } => Self::TooFewSamples,
            SelectError::NonFinite { .. } => Self::NonFinite,
            SelectError::OutOfInterval { .. } | SelectError::OutOfSupport => Self::OutOfInterval,
            SelectError::InvalidWeight => Self::BadProbability,
            SelectError::InvalidParameter => Self::BadParameter,
            SelectError::NumericalFailure | SelectError::NotEvaluated => Self::NumericalFailure,
            _ => Self::Internal,
        }
    }
}

/// Levels and p-values are `SIMSTAT_STATUS_BAD_PROBABILITY`; data errors keep their codes; a
/// failed background fit keeps the fit's code.
impl From<CalibrateError> for SimstatStatus {
    fn from(e: CalibrateError) -> Self {
        match e {
            CalibrateError::Empty | CalibrateError::BufferTooSmall { .. } => Self::BadLength,
            CalibrateError::BadLevel | CalibrateError::NotAProbability => Self::BadProbability,
            CalibrateError::NonFinite { .. } => Self::NonFinite,
            CalibrateError::OutOfInterval { .. } => Self::OutOfInterval,
            CalibrateError::TooFewSamples { .. } => Self::TooFewSamples,
            CalibrateError::BadOption(_) => Self::BadParameter,
            CalibrateError::Fit(e) => e.into(),
            _ => Self::Internal,
        }
    }
}

/// Shapes and buffers are `SIMSTAT_STATUS_BAD_LENGTH`; bad rows keep their codes; parameters,
/// backends and degenerate inputs are `SIMSTAT_STATUS_BAD_PARAMETER`.
impl From<GeometryError> for SimstatStatus {
    fn from(e: GeometryError) -> Self {
        match e {
            GeometryError::LengthMismatch
            | GeometryError::Empty
            | GeometryError::BufferTooSmall { .. } => Self::BadLength,
            GeometryError::ZeroNorm | GeometryError::ZeroNormRow { .. } => Self::ZeroNorm,
            GeometryError::NonFiniteValue | GeometryError::NonFiniteRow { .. } => Self::NonFinite,
            GeometryError::Overflow => Self::Overflow,
            GeometryError::InvalidParameter
            | GeometryError::Unsupported
            | GeometryError::Degenerate => Self::BadParameter,
            _ => Self::Internal,
        }
    }
}

/// A short output buffer is `SIMSTAT_STATUS_BAD_LENGTH`; every fault of the bytes read is
/// `SIMSTAT_STATUS_BAD_ENCODING`.
impl From<WireError> for SimstatStatus {
    fn from(e: WireError) -> Self {
        match e {
            WireError::BufferTooSmall { .. } => Self::BadLength,
            WireError::Truncated { .. }
            | WireError::TrailingBytes { .. }
            | WireError::BadMagic
            | WireError::UnsupportedVersion { .. }
            | WireError::WrongKind { .. }
            | WireError::ChecksumMismatch
            | WireError::Invalid(_) => Self::BadEncoding,
            _ => Self::Internal,
        }
    }
}
