//! The float abstraction every kernel is generic over: `f32` and `f64`, sealed.
use num_traits::Float;

mod sealed {
    pub trait Sealed {}
    impl Sealed for f32 {}
    impl Sealed for f64 {}
}

/// A floating-point type the kernels accept: `f32` or `f64` (sealed).
///
/// Kernels are written once in `f64`; the generic entry points convert in, evaluate the f64
/// kernel and round once on the way out, which is the accurate choice for `f32`
/// (≤ 1 ULP whenever the f64 kernel is a few f64 ULP).
pub trait Real: Float + sealed::Sealed + Copy + PartialOrd + core::fmt::Debug + 'static {
    /// Widen to `f64` exactly.
    fn to_f64(self) -> f64;
    /// Round an `f64` to this type (round-to-nearest-even; identity for `f64`).
    fn from_f64(x: f64) -> Self;
}

impl Real for f32 {
    #[inline(always)]
    fn to_f64(self) -> f64 {
        f64::from(self)
    }
    #[inline(always)]
    #[allow(clippy::cast_possible_truncation)]
    fn from_f64(x: f64) -> Self {
        x as f32
    }
}

impl Real for f64 {
    #[inline(always)]
    fn to_f64(self) -> f64 {
        self
    }
    #[inline(always)]
    fn from_f64(x: f64) -> Self {
        x
    }
}
