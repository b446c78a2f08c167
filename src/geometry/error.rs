//! The error type shared by every checked entry point of the geometry module.

use core::fmt;

/// Why a geometry kernel refused its input. No kernel panics: every bad shape or value ends here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum GeometryError {
    /// Two slices that must have equal length do not, or a slice is not `n * f` long.
    LengthMismatch,
    /// `n`, `f` or a slice is empty where at least one element (or two rows) is required.
    Empty,
    /// A vector has zero Euclidean norm, so its cosine with anything is undefined.
    ZeroNorm,
    /// An input value or an intermediate sum is NaN or infinite. The kernels test sums, not
    /// each element, so there is no position (unlike the data errors of `fit`, `select` and
    /// `calibrate`, `NonFinite { index }`); matrix inputs report the row
    /// ([`NonFiniteRow`](Self::NonFiniteRow)).
    NonFiniteValue,
    /// A caller buffer (output or scratch) is shorter than the call needs.
    BufferTooSmall {
        /// Elements needed.
        needed: usize,
        /// Elements given.
        got: usize,
    },
    /// A parameter is out of its domain (τ ≤ 0, clamp outside [0, 1), ε < 0, bad bins, NaN).
    InvalidParameter,
    /// The requested [`Backend`](super::Backend) is not supported by this CPU / target.
    Unsupported,
    /// `n * f` (or a scratch size) overflows `usize`.
    Overflow,
    /// A correlation is undefined: an input is constant (zero variance) or has fewer than 2 points.
    Degenerate,
    /// Row `row` (0-based) of a matrix input has zero norm: of the queries when `query`, else
    /// of the rows (the corpus of a cross product). The matrix kernels can write NaN for such
    /// a row instead ([`RowPolicy::Nan`](super::RowPolicy::Nan)).
    ZeroNormRow {
        /// Index of the row (0-based).
        row: usize,
        /// Whether the row is one of the queries (`cross`), not of the rows / corpus.
        query: bool,
    },
    /// Row `row` (0-based) of a matrix input holds a NaN or infinite value (or its squared
    /// norm overflows): of the queries when `query`, else of the rows.
    NonFiniteRow {
        /// Index of the row (0-based).
        row: usize,
        /// Whether the row is one of the queries (`cross`), not of the rows / corpus.
        query: bool,
    },
}

impl fmt::Display for GeometryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let which = |q: bool| if q { "query row" } else { "row" };
        let s = match *self {
            Self::ZeroNormRow { row, query } => {
                return write!(
                    f,
                    "{} {row} (0-based) has zero norm: cosine undefined",
                    which(query)
                )
            }
            Self::BufferTooSmall { needed, got } => {
                return write!(
                    f,
                    "output or scratch buffer too small: needed {needed}, got {got}"
                )
            }
            Self::NonFiniteRow { row, query } => {
                return write!(
                    f,
                    "{} {row} (0-based) holds a NaN or infinite value",
                    which(query)
                )
            }
            Self::LengthMismatch => "slice lengths do not match the given shape",
            Self::Empty => "empty input",
            Self::ZeroNorm => "zero-norm vector: cosine undefined",
            Self::NonFiniteValue => "NaN or infinite input value or sum",
            Self::InvalidParameter => "parameter out of domain",
            Self::Unsupported => "backend not supported on this CPU",
            Self::Overflow => "size overflows usize",
            Self::Degenerate => "correlation undefined: constant input or too few points",
        };
        f.write_str(s)
    }
}

impl core::error::Error for GeometryError {}

/// Result alias of the geometry module.
pub type Result<T> = core::result::Result<T, GeometryError>;

/// `n * f` with overflow and emptiness checks, and `len == n * f`.
pub(crate) fn check_matrix(len: usize, n: usize, f: usize) -> Result<usize> {
    if n == 0 || f == 0 {
        return Err(GeometryError::Empty);
    }
    let nf = n.checked_mul(f).ok_or(GeometryError::Overflow)?;
    if len != nf {
        return Err(GeometryError::LengthMismatch);
    }
    Ok(nf)
}

/// A caller buffer of `got` elements where `needed` are required.
pub(crate) fn check_buffer(got: usize, needed: usize) -> Result<()> {
    if got < needed {
        Err(GeometryError::BufferTooSmall { needed, got })
    } else {
        Ok(())
    }
}
