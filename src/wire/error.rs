//! The error type of the byte forms ([`ByteForm`](super::ByteForm)), in the crate's shared
//! vocabulary: [`WireError::BufferTooSmall`] has the same name and payload as in the other
//! modules' errors.

/// Why a byte form could not be written or read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum WireError {
    /// The output buffer is shorter than the encoding ([`ByteForm::byte_len`](super::ByteForm::byte_len)).
    BufferTooSmall {
        /// Bytes the encoding needs.
        needed: usize,
        /// Bytes the buffer has.
        got: usize,
    },
    /// The input ends before the header or the payload it announces.
    Truncated {
        /// Bytes the header and payload need.
        needed: usize,
        /// Bytes given.
        got: usize,
    },
    /// The input is longer than the header and payload it announces.
    TrailingBytes {
        /// Bytes the header and payload take.
        used: usize,
        /// Bytes given.
        got: usize,
    },
    /// The input does not start with [`MAGIC`](super::MAGIC): not a simstat byte form.
    BadMagic,
    /// The input was written by a format version this build cannot read.
    UnsupportedVersion {
        /// Version in the header.
        found: u16,
        /// Newest version this build reads ([`VERSION`](super::VERSION)).
        supported: u16,
    },
    /// The input holds another type.
    WrongKind {
        /// Kind in the header.
        found: u16,
        /// Kind of the type asked for.
        expected: u16,
    },
    /// The payload's CRC-32 does not match the header's: the bytes were changed.
    ChecksumMismatch,
    /// The payload decodes, but the named field is not valid for the type (wrong size
    /// parameter, NaN, inconsistent counts, …).
    Invalid(&'static str),
}

impl core::fmt::Display for WireError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            WireError::BufferTooSmall { needed, got } => {
                write!(
                    f,
                    "output buffer too small: {needed} bytes needed, {got} given"
                )
            }
            WireError::Truncated { needed, got } => {
                write!(f, "input truncated: {needed} bytes needed, {got} given")
            }
            WireError::TrailingBytes { used, got } => {
                write!(
                    f,
                    "{} trailing bytes after the encoding ({used} used of {got})",
                    got - used
                )
            }
            WireError::BadMagic => write!(f, "not a simstat byte form (bad magic)"),
            WireError::UnsupportedVersion { found, supported } => {
                write!(
                    f,
                    "byte form version {found}, this build reads up to {supported}"
                )
            }
            WireError::WrongKind { found, expected } => {
                write!(f, "byte form of kind {found}, expected kind {expected}")
            }
            WireError::ChecksumMismatch => write!(f, "payload checksum mismatch (corrupted bytes)"),
            WireError::Invalid(field) => write!(f, "invalid value in the byte form: {field}"),
        }
    }
}

impl core::error::Error for WireError {}
