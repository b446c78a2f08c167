//! Per-pair kernels: `dot`, `cosine_similarity`, `angular_distance` for f32, f64 and bf16 inputs,
//! plus an f64-accumulating f32 variant for small angles, on the caller's backend through the safe
//! kernel dispatcher.

use super::kernels::Kernels;
use super::{Backend, Bf16, GeometryError, Result};

/// The sealing supertrait of [`Element`], which also carries each type's kernel entry points
/// (crate-private: they take a [`Kernels`] value, the proof that the backend runs here).
pub(crate) mod sealed {
    use super::Kernels;

    /// Implemented for `f32`, `f64` and [`Bf16`](super::Bf16) only.
    pub trait Sealed: Sized {
        /// Σ aᵢbᵢ over the common prefix of `a` and `b`, widened to f64.
        fn dot_k(k: Kernels, a: &[Self], b: &[Self]) -> f64;
        /// (Σ aᵢbᵢ, Σ aᵢ², Σ bᵢ²) over the common prefix of `a` and `b`, widened to f64.
        fn dot3_k(k: Kernels, a: &[Self], b: &[Self]) -> [f64; 3];
        /// Cosine by a kernel that fuses the sums and the tail in registers, where `k` has one
        /// for this type; `None` sends the caller to the general path (no such kernel, or an
        /// error case that the general path classifies). Exact in f64 (an f32 result widened).
        fn cos_fused_k(k: Kernels, a: &[Self], b: &[Self]) -> Option<f64>;
    }
}

/// An input element type of the pair kernels: `f32`, `f64` or [`Bf16`] (sealed).
///
/// `f32` and `Bf16` accumulate in f32 (≥ 8 independent accumulators), `f64` in f64.
pub trait Element: sealed::Sealed + Copy {
    /// Type of the results (`f32` for `f32` and `Bf16` inputs, `f64` for `f64`).
    type Output: crate::Real;
    /// Σ aᵢbᵢ on `backend`, or on [`Backend::Scalar`] where `backend` is not available.
    #[doc(hidden)]
    fn dot_on(backend: Backend, a: &[Self], b: &[Self]) -> f64 {
        Self::dot_k(Kernels::detect(backend).unwrap_or(Kernels::Scalar), a, b)
    }
    /// (Σ aᵢbᵢ, Σ aᵢ², Σ bᵢ²) on `backend`, or on [`Backend::Scalar`] where `backend` is not
    /// available.
    #[doc(hidden)]
    fn dot3_on(backend: Backend, a: &[Self], b: &[Self]) -> [f64; 3] {
        Self::dot3_k(Kernels::detect(backend).unwrap_or(Kernels::Scalar), a, b)
    }
    /// Cosine by a kernel that fuses the sums and the tail in registers, where `backend` is
    /// available and has one for this type; `None` sends the caller to the general path.
    #[doc(hidden)]
    fn cos_fused_on(backend: Backend, a: &[Self], b: &[Self]) -> Option<Self::Output> {
        let k = Kernels::detect(backend)?;
        Self::cos_fused_k(k, a, b).map(crate::Real::from_f64)
    }
}

/// The kernel entry points of one element type; the closure-like last argument is the body of
/// `cos_fused_k`.
macro_rules! element_impl {
    ($t:ty, $out:ty, $dot:ident, $dot3:ident, |$k:ident, $a:ident, $b:ident| $cos:expr) => {
        // Not `#[inline]`: the generic entry points stay small enough to inline into their
        // callers.
        impl sealed::Sealed for $t {
            fn dot_k(k: Kernels, a: &[Self], b: &[Self]) -> f64 {
                f64::from(k.$dot(a, b))
            }
            fn dot3_k(k: Kernels, a: &[Self], b: &[Self]) -> [f64; 3] {
                let r = k.$dot3(a, b);
                [f64::from(r[0]), f64::from(r[1]), f64::from(r[2])]
            }
            fn cos_fused_k($k: Kernels, $a: &[Self], $b: &[Self]) -> Option<f64> {
                $cos
            }
        }

        impl Element for $t {
            type Output = $out;
        }
    };
}

element_impl!(f32, f32, dot_f32, dot3_f32, |k, a, b| {
    k.cos_f32(a, b).map(f64::from)
});
element_impl!(f64, f64, dot_f64, dot3_f64, |_k, _a, _b| None);
element_impl!(Bf16, f32, dot_bf16, dot3_bf16, |k, a, b| {
    k.cos_bf16(a, b).map(f64::from)
});

/// The kernels of `backend` after the checks every pair entry point shares: `Unsupported`,
/// then `LengthMismatch`, then `Empty`.
fn check_pair<T>(backend: Backend, a: &[T], b: &[T]) -> Result<Kernels> {
    let k = Kernels::new(backend)?;
    if a.len() != b.len() {
        return Err(GeometryError::LengthMismatch);
    }
    if a.is_empty() {
        return Err(GeometryError::Empty);
    }
    Ok(k)
}

/// Cosine from the three sums; zero norm → `Err(ZeroNorm)`, non-finite → `Err(NonFiniteValue)`.
fn cos_from(d: [f64; 3]) -> Result<f64> {
    if !(d[0].is_finite() && d[1].is_finite() && d[2].is_finite()) {
        return Err(GeometryError::NonFiniteValue);
    }
    if d[1] <= 0.0 || d[2] <= 0.0 {
        return Err(GeometryError::ZeroNorm);
    }
    // One f64 sqrt when d[1]·d[2] is a normal number (always for f32 inputs); two otherwise
    // (f64 inputs near the overflow/underflow limits).
    let p = d[1] * d[2];
    let c = if p.is_normal() {
        d[0] / libm::sqrt(p)
    } else {
        d[0] / (libm::sqrt(d[1]) * libm::sqrt(d[2]))
    };
    if !c.is_finite() {
        return Err(GeometryError::NonFiniteValue);
    }
    Ok(c.clamp(-1.0, 1.0))
}

/// Dot product Σ aᵢbᵢ on the given backend.
///
/// # Errors
/// `Unsupported` if the backend is not available, `LengthMismatch`, `Empty`, and `NonFiniteValue`
/// if the result is NaN or infinite (NaN input or overflow).
pub fn dot_with<T: Element>(backend: Backend, a: &[T], b: &[T]) -> Result<T::Output> {
    let k = check_pair(backend, a, b)?;
    let d = T::dot_k(k, a, b);
    if !d.is_finite() {
        return Err(GeometryError::NonFiniteValue);
    }
    Ok(crate::Real::from_f64(d))
}

/// Dot product on [`best_backend`](super::best_backend).
///
/// ```
/// use simstat::geometry::dot;
/// assert_eq!(dot(&[1.0_f32, 2.0, 3.0], &[4.0, 5.0, 6.0]), Ok(32.0));
/// ```
///
/// # Errors
/// See [`dot_with`].
pub fn dot<T: Element>(a: &[T], b: &[T]) -> Result<T::Output> {
    dot_with(super::best_backend(), a, b)
}

/// Cosine similarity a·b / (‖a‖‖b‖), clamped to [−1, 1], on the given backend.
///
/// Accuracy: the error of the three sums (blocked summation, see [`dot_with`]) plus the tail
/// d / √(‖a‖²·‖b‖²), which runs in f64 on every path (fused with the sums in registers for f32 and
/// bf16 inputs on AVX2 / AVX-512), then one rounding to the output type.
///
/// # Errors
/// As [`dot_with`], plus `ZeroNorm` if either vector is all zeros (no NaN is ever returned).
pub fn cosine_similarity_with<T: Element>(backend: Backend, a: &[T], b: &[T]) -> Result<T::Output> {
    let k = check_pair(backend, a, b)?;
    if let Some(c) = T::cos_fused_k(k, a, b) {
        return Ok(crate::Real::from_f64(c));
    }
    Ok(crate::Real::from_f64(cos_from(T::dot3_k(k, a, b))?))
}

/// Cosine similarity on [`best_backend`](super::best_backend).
///
/// ```
/// use simstat::geometry::{cosine_similarity, GeometryError};
/// let c = cosine_similarity(&[1.0_f32, 0.0], &[1.0, 1.0]).unwrap();
/// assert!((c - core::f32::consts::FRAC_1_SQRT_2).abs() < 1e-6);
/// assert_eq!(cosine_similarity(&[0.0_f32, 0.0], &[1.0, 1.0]), Err(GeometryError::ZeroNorm));
/// ```
///
/// # Errors
/// See [`cosine_similarity_with`].
pub fn cosine_similarity<T: Element>(a: &[T], b: &[T]) -> Result<T::Output> {
    cosine_similarity_with(super::best_backend(), a, b)
}

/// Angular distance arccos(cos)/π ∈ [0, 1] (the cosine is clamped before arccos).
///
/// # Errors
/// See [`cosine_similarity_with`].
pub fn angular_distance_with<T: Element>(backend: Backend, a: &[T], b: &[T]) -> Result<T::Output> {
    let k = check_pair(backend, a, b)?;
    let c = cos_from(T::dot3_k(k, a, b))?;
    Ok(crate::Real::from_f64(libm::acos(c) / core::f64::consts::PI))
}

/// Angular distance on [`best_backend`](super::best_backend).
///
/// ```
/// use simstat::geometry::angular_distance;
/// let d = angular_distance(&[1.0_f64, 0.0], &[0.0, 1.0]).unwrap();
/// assert!((d - 0.5).abs() < 1e-15);
/// ```
///
/// # Errors
/// See [`cosine_similarity_with`].
pub fn angular_distance<T: Element>(a: &[T], b: &[T]) -> Result<T::Output> {
    angular_distance_with(super::best_backend(), a, b)
}

/// Cosine similarity of f32 vectors accumulated in f64 (for nearly parallel vectors, where the
/// f32 angle error floor is ~1e-4 rad).
///
/// # Errors
/// See [`cosine_similarity_with`].
pub fn cosine_similarity_f64acc_with(backend: Backend, a: &[f32], b: &[f32]) -> Result<f64> {
    let k = check_pair(backend, a, b)?;
    cos_from(k.dot3_f32_acc64(a, b))
}

/// [`cosine_similarity_f64acc_with`] on [`best_backend`](super::best_backend).
///
/// # Errors
/// See [`cosine_similarity_with`].
pub fn cosine_similarity_f64acc(a: &[f32], b: &[f32]) -> Result<f64> {
    cosine_similarity_f64acc_with(super::best_backend(), a, b)
}

/// Angular distance arccos(cos)/π of f32 vectors with f64 accumulation and an f64 arccos.
///
/// # Errors
/// See [`cosine_similarity_with`].
pub fn angular_distance_f64acc_with(backend: Backend, a: &[f32], b: &[f32]) -> Result<f64> {
    let c = cosine_similarity_f64acc_with(backend, a, b)?;
    Ok(libm::acos(c) / core::f64::consts::PI)
}

/// [`angular_distance_f64acc_with`] on [`best_backend`](super::best_backend).
///
/// ```
/// use simstat::geometry::angular_distance_f64acc;
/// let a = [1.0_f32, 1e-4];
/// let b = [1.0_f32, 0.0];
/// let d = angular_distance_f64acc(&a, &b).unwrap();
/// assert!((d * core::f64::consts::PI - 1e-4).abs() < 1e-8);
/// ```
///
/// # Errors
/// See [`cosine_similarity_with`].
pub fn angular_distance_f64acc(a: &[f32], b: &[f32]) -> Result<f64> {
    angular_distance_f64acc_with(super::best_backend(), a, b)
}
