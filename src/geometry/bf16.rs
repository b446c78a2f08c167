//! A crate-local `bfloat16` storage type (the top 16 bits of an IEEE f32), for bf16-input kernels.
//!
//! A newtype instead of the `half` crate: the kernels only need bit-exact conversion, and this keeps
//! the library's dependency tree at `libm` + `num-traits` on bare targets.

/// A bfloat16 value: 1 sign, 8 exponent, 7 mantissa bits (`repr(transparent)` over `u16`).
///
/// ```
/// use simstat::geometry::Bf16;
/// let h = Bf16::from_f32(1.5);
/// assert_eq!(h.to_f32(), 1.5);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[repr(transparent)]
pub struct Bf16(pub u16);

impl Bf16 {
    /// Round an `f32` to the nearest bf16 (ties to even); NaN stays NaN (quiet).
    #[must_use]
    pub fn from_f32(x: f32) -> Self {
        let bits = x.to_bits();
        if x.is_nan() {
            // Keep the sign, force a quiet-NaN mantissa bit.
            #[allow(clippy::cast_possible_truncation)]
            return Self(((bits >> 16) as u16) | 0x0040);
        }
        let round = 0x7FFF + ((bits >> 16) & 1);
        #[allow(clippy::cast_possible_truncation)]
        Self((bits.wrapping_add(round) >> 16) as u16)
    }

    /// Widen to `f32` exactly.
    #[must_use]
    pub fn to_f32(self) -> f32 {
        f32::from_bits(u32::from(self.0) << 16)
    }

    /// Convert a slice of `f32` into a caller buffer of bf16 (rounding to nearest even).
    ///
    /// # Errors
    /// [`GeometryError::LengthMismatch`](super::GeometryError::LengthMismatch) if lengths differ.
    pub fn convert_slice(src: &[f32], dst: &mut [Bf16]) -> super::Result<()> {
        if src.len() != dst.len() {
            return Err(super::GeometryError::LengthMismatch);
        }
        for (d, s) in dst.iter_mut().zip(src) {
            *d = Self::from_f32(*s);
        }
        Ok(())
    }
}
