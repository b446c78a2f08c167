//! A compact, versioned, allocation-free byte form of the crate's state (sketches, sufficient
//! statistics, fits), so shards reduce across processes, machines and the C ABI.
//!
//! Every encoding is a 16-byte header — magic `b"SIMS"`, format [`VERSION`] (u16), the type's
//! [`ByteForm::KIND`] (u16), the payload length (u32), the CRC-32 (IEEE) of the payload (u32) —
//! then the payload, all little-endian, floats as their IEEE-754 bits (so a value read back is
//! bit-identical to the one written, on every target). Reading checks the header, the checksum
//! and every invariant of the type before it returns: a truncated, corrupted or forged buffer
//! gives a [`WireError`], never a panic and never a state the crate would not build itself.
//!
//! ```
//! use simstat::fit::Sketch;
//! use simstat::wire::ByteForm;
//! let mut s = Sketch::<4096>::new(-1.0, 1.0)?;
//! s.extend(&[0.1, 0.2, 0.25, -0.3])?;
//! let mut buf = [0u8; 512];
//! let n = s.write_to(&mut buf)?; // sparse: only the 4 occupied bins are written
//! assert_eq!(n, s.byte_len());
//! assert!(n < 200);
//! let back = Sketch::<4096>::read_from(&buf[..n])?;
//! assert_eq!(back, s);
//! # Ok::<(), Box<dyn core::error::Error>>(())
//! ```

mod error;
pub use error::WireError;

#[cfg(feature = "serde")]
mod serde_impls;
#[cfg(feature = "serde")]
mod serde_selection;

/// First four bytes of every encoding.
pub const MAGIC: [u8; 4] = *b"SIMS";
/// Format version written (and the newest one read).
pub const VERSION: u16 = 1;
/// Header size in bytes (magic, version, kind, payload length, CRC-32).
pub const HEADER_BYTES: usize = 16;

/// A type with a byte form: `write_to` a caller buffer, `read_from` a slice, no allocation.
///
/// Implemented by [`crate::fit::Sketch`], [`crate::fit::SuffStats`],
/// [`crate::fit::MixtureFit`], [`crate::fit::GammaFit`],
/// [`crate::dist::TruncatedShiftedGamma`], [`crate::calibrate::Calibrator`] and
/// [`crate::calibrate::Background`]. Implementors
/// provide the payload; the header,
/// checksum and length checks are shared.
pub trait ByteForm: Sized {
    /// Type tag written in the header (1 sketch, 2 sufficient statistics, 3 truncated gamma,
    /// 4 single-gamma fit, 5 mixture fit, 6 calibrator, 7 background).
    const KIND: u16;

    /// Length of the payload in bytes.
    fn payload_len(&self) -> usize;

    /// Writes the payload (exactly [`ByteForm::payload_len`] bytes) through `w`.
    fn write_payload(&self, w: &mut Writer<'_>);

    /// Reads and validates a payload.
    ///
    /// # Errors
    /// [`WireError::Truncated`] when the payload ends early, [`WireError::Invalid`] when a
    /// value is not valid for the type.
    fn read_payload(r: &mut Reader<'_>) -> Result<Self, WireError>;

    /// Length of the whole encoding (header and payload) in bytes.
    fn byte_len(&self) -> usize {
        HEADER_BYTES + self.payload_len()
    }

    /// Writes the encoding to the start of `out`; returns its length.
    ///
    /// # Errors
    /// [`WireError::BufferTooSmall`] when `out` is shorter than [`ByteForm::byte_len`] (nothing
    /// is written then).
    fn write_to(&self, out: &mut [u8]) -> Result<usize, WireError> {
        let len = self.payload_len();
        let needed = HEADER_BYTES + len;
        let (Some(buf), Ok(len32)) = (out.get_mut(..needed), u32::try_from(len)) else {
            return Err(WireError::BufferTooSmall {
                needed,
                got: out.len(),
            });
        };
        let (head, payload) = buf.split_at_mut(HEADER_BYTES);
        let mut w = Writer::new(payload);
        self.write_payload(&mut w);
        debug_assert_eq!(w.pos, len, "payload_len disagrees with write_payload");
        let mut h = Writer::new(head);
        h.bytes(&MAGIC);
        h.u16(VERSION);
        h.u16(Self::KIND);
        h.u32(len32);
        h.u32(crc32(payload));
        Ok(needed)
    }

    /// Reads an encoding that fills `bytes` exactly.
    ///
    /// # Errors
    /// Every [`WireError`] but `BufferTooSmall`: a short, long, foreign, newer, other-kind or
    /// corrupted input, or an invalid value.
    fn read_from(bytes: &[u8]) -> Result<Self, WireError> {
        let payload = open(bytes, Self::KIND)?;
        let mut r = Reader::new(payload);
        let value = Self::read_payload(&mut r)?;
        if r.pos != payload.len() {
            return Err(WireError::Invalid("payload length"));
        }
        Ok(value)
    }
}

/// Checks the header of `bytes` for a payload of `kind` and returns the payload.
pub(crate) fn open(bytes: &[u8], kind: u16) -> Result<&[u8], WireError> {
    let got = bytes.len();
    let Some(head) = bytes.get(..HEADER_BYTES) else {
        return Err(WireError::Truncated {
            needed: HEADER_BYTES,
            got,
        });
    };
    let mut h = Reader::new(head);
    if h.array::<4>()? != MAGIC {
        return Err(WireError::BadMagic);
    }
    let version = h.u16()?;
    if version == 0 || version > VERSION {
        return Err(WireError::UnsupportedVersion {
            found: version,
            supported: VERSION,
        });
    }
    let found = h.u16()?;
    if found != kind {
        return Err(WireError::WrongKind {
            found,
            expected: kind,
        });
    }
    let len = h.u32()? as usize;
    let crc = h.u32()?;
    let used = HEADER_BYTES.saturating_add(len);
    if got < used {
        return Err(WireError::Truncated { needed: used, got });
    }
    if got > used {
        return Err(WireError::TrailingBytes { used, got });
    }
    let payload = bytes.get(HEADER_BYTES..used).unwrap_or(&[]);
    if crc32(payload) != crc {
        return Err(WireError::ChecksumMismatch);
    }
    Ok(payload)
}

/// Writes little-endian values into a buffer the caller sized with [`ByteForm::payload_len`]
/// (a write past the end is dropped, and `write_to` then reports the mismatch in debug builds).
#[derive(Debug)]
pub struct Writer<'a> {
    buf: &'a mut [u8],
    pos: usize,
}

impl<'a> Writer<'a> {
    fn new(buf: &'a mut [u8]) -> Self {
        Writer { buf, pos: 0 }
    }
    /// Raw bytes.
    pub fn bytes(&mut self, b: &[u8]) {
        if let Some(dst) = self.buf.get_mut(self.pos..self.pos + b.len()) {
            dst.copy_from_slice(b);
        }
        self.pos += b.len();
    }
    /// One byte.
    pub fn u8(&mut self, v: u8) {
        self.bytes(&[v]);
    }
    /// A little-endian u16.
    pub fn u16(&mut self, v: u16) {
        self.bytes(&v.to_le_bytes());
    }
    /// A little-endian u32.
    pub fn u32(&mut self, v: u32) {
        self.bytes(&v.to_le_bytes());
    }
    /// A little-endian u64.
    pub fn u64(&mut self, v: u64) {
        self.bytes(&v.to_le_bytes());
    }
    /// An f64 as its IEEE-754 bits (NaN payloads and signed zeros kept).
    pub fn f64(&mut self, v: f64) {
        self.u64(v.to_bits());
    }
    /// A bool as 0 or 1.
    pub fn bool(&mut self, v: bool) {
        self.u8(u8::from(v));
    }
    /// Another value's payload, prefixed by its length (u32), for types made of others.
    pub fn nested<T: ByteForm>(&mut self, v: &T) {
        self.u32(v.payload_len() as u32);
        v.write_payload(self);
    }
}

/// Reads little-endian values from a payload; every read past the end is
/// [`WireError::Truncated`].
#[derive(Debug)]
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn new(buf: &'a [u8]) -> Self {
        Reader { buf, pos: 0 }
    }
    /// A reader over a payload returned by `open` (for types reading in place).
    pub(crate) fn new_payload(buf: &'a [u8]) -> Self {
        Reader { buf, pos: 0 }
    }
    /// Bytes read so far.
    pub fn position(&self) -> usize {
        self.pos
    }
    /// A nested payload written by [`Writer::nested`]: its length (u32), then a reader over
    /// exactly its bytes (the caller reads it whole and checks it is used up with
    /// [`Reader::finish`]).
    ///
    /// # Errors
    /// [`WireError::Truncated`] past the end.
    pub fn nested(&mut self) -> Result<Reader<'a>, WireError> {
        let n = self.u32()? as usize;
        let got = self.buf.len();
        let end = self.pos.saturating_add(n);
        let Some(inner) = self.buf.get(self.pos..end) else {
            return Err(WireError::Truncated { needed: end, got });
        };
        self.pos = end;
        Ok(Reader { buf: inner, pos: 0 })
    }
    /// Checks that every byte of this reader was read.
    ///
    /// # Errors
    /// [`WireError::Invalid`]`("payload length")` when bytes are left.
    pub fn finish(&self) -> Result<(), WireError> {
        if self.pos == self.buf.len() {
            Ok(())
        } else {
            Err(WireError::Invalid("payload length"))
        }
    }
    /// The next `N` bytes.
    ///
    /// # Errors
    /// [`WireError::Truncated`] past the end.
    pub fn array<const N: usize>(&mut self) -> Result<[u8; N], WireError> {
        let got = self.buf.len();
        let end = self.pos.saturating_add(N);
        let mut out = [0u8; N];
        match self.buf.get(self.pos..end) {
            Some(src) => out.copy_from_slice(src),
            None => return Err(WireError::Truncated { needed: end, got }),
        }
        self.pos = end;
        Ok(out)
    }
    /// One byte.
    ///
    /// # Errors
    /// [`WireError::Truncated`] past the end.
    pub fn u8(&mut self) -> Result<u8, WireError> {
        Ok(self.array::<1>()?[0])
    }
    /// A little-endian u16.
    ///
    /// # Errors
    /// [`WireError::Truncated`] past the end.
    pub fn u16(&mut self) -> Result<u16, WireError> {
        Ok(u16::from_le_bytes(self.array()?))
    }
    /// A little-endian u32.
    ///
    /// # Errors
    /// [`WireError::Truncated`] past the end.
    pub fn u32(&mut self) -> Result<u32, WireError> {
        Ok(u32::from_le_bytes(self.array()?))
    }
    /// A little-endian u64.
    ///
    /// # Errors
    /// [`WireError::Truncated`] past the end.
    pub fn u64(&mut self) -> Result<u64, WireError> {
        Ok(u64::from_le_bytes(self.array()?))
    }
    /// An f64 from its bits.
    ///
    /// # Errors
    /// [`WireError::Truncated`] past the end.
    pub fn f64(&mut self) -> Result<f64, WireError> {
        Ok(f64::from_bits(self.u64()?))
    }
    /// An f64 that must not be NaN; `field` names it in the error.
    ///
    /// # Errors
    /// [`WireError::Truncated`] past the end, [`WireError::Invalid`]`(field)` for NaN.
    pub fn number(&mut self, field: &'static str) -> Result<f64, WireError> {
        let v = self.f64()?;
        if v.is_nan() {
            return Err(WireError::Invalid(field));
        }
        Ok(v)
    }
    /// A u64 that must fit a `usize`; `field` names it in the error.
    ///
    /// # Errors
    /// [`WireError::Truncated`] past the end, [`WireError::Invalid`]`(field)` when too large.
    pub fn count(&mut self, field: &'static str) -> Result<usize, WireError> {
        usize::try_from(self.u64()?).map_err(|_| WireError::Invalid(field))
    }
    /// A bool written as 0 or 1; `field` names it in the error.
    ///
    /// # Errors
    /// [`WireError::Truncated`] past the end, [`WireError::Invalid`]`(field)` for another byte.
    pub fn bool(&mut self, field: &'static str) -> Result<bool, WireError> {
        match self.u8()? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(WireError::Invalid(field)),
        }
    }
}

/// CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320) of `bytes`: a 16-entry table, two
/// steps per byte (no 1 KiB table in flash).
pub fn crc32(bytes: &[u8]) -> u32 {
    let mut c = !0u32;
    for &b in bytes {
        c = CRC_NIBBLES[((c ^ u32::from(b)) & 0xF) as usize] ^ (c >> 4);
        c = CRC_NIBBLES[((c ^ (u32::from(b) >> 4)) & 0xF) as usize] ^ (c >> 4);
    }
    !c
}

const CRC_NIBBLES: [u32; 16] = crc_nibbles();

const fn crc_nibbles() -> [u32; 16] {
    let mut t = [0u32; 16];
    let mut i = 0;
    while i < 16 {
        let mut c = i as u32;
        let mut j = 0;
        while j < 4 {
            c = if c & 1 != 0 {
                (c >> 1) ^ 0xEDB8_8320
            } else {
                c >> 1
            };
            j += 1;
        }
        t[i] = c;
        i += 1;
    }
    t
}

#[cfg(test)]
mod tests {
    use super::crc32;

    #[test]
    fn crc32_check_value() {
        // the standard check value of CRC-32/ISO-HDLC
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32(b""), 0);
    }
}
