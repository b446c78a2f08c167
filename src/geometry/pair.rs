//! Per-pair kernels: `dot`, `cosine_similarity`, `angular_distance` for f32, f64 and bf16 inputs,
//! plus an f64-accumulating f32 variant for small angles, each dispatched at run time.

use super::{scalar, Backend, Bf16, GeometryError, Result};

mod sealed {
    pub trait Sealed {}
    impl Sealed for f32 {}
    impl Sealed for f64 {}
    impl Sealed for super::Bf16 {}
}

/// An input element type of the pair kernels: `f32`, `f64` or [`Bf16`] (sealed).
///
/// `f32` and `Bf16` accumulate in f32 (≥ 8 independent accumulators), `f64` in f64.
pub trait Element: sealed::Sealed + Copy {
    /// Type of the results (`f32` for `f32` and `Bf16` inputs, `f64` for `f64`).
    type Output: crate::Real;
    /// Σ aᵢbᵢ on `backend` (lengths already checked equal, backend already checked available).
    #[doc(hidden)]
    fn dot_on(backend: Backend, a: &[Self], b: &[Self]) -> f64;
    /// (Σ aᵢbᵢ, Σ aᵢ², Σ bᵢ²) on `backend` (same preconditions).
    #[doc(hidden)]
    fn dot3_on(backend: Backend, a: &[Self], b: &[Self]) -> [f64; 3];
    /// Cosine by a kernel that fuses the sums and the tail in registers, where `backend` has one
    /// for this type; `None` sends the caller to the general path (no such kernel, or an error
    /// case that the general path classifies).
    #[doc(hidden)]
    fn cos_fused_on(_backend: Backend, _a: &[Self], _b: &[Self]) -> Option<Self::Output> {
        None
    }
}

macro_rules! element_impl {
    ($t:ty, $out:ty, $dot:ident, $dot3:ident $(, $cos:ident)?) => {
        impl Element for $t {
            type Output = $out;
            $(
            // Only x86-64 has fused kernels; elsewhere the trait default (`None`) applies.
            #[cfg(target_arch = "x86_64")]
            fn cos_fused_on(backend: Backend, a: &[Self], b: &[Self]) -> Option<$out> {
                let c: $out = match backend {
                    // SAFETY: the caller checked `backend.is_available()` (AVX2+FMA detected).
                    Backend::Avx2 => unsafe { super::avx2::$cos(a, b) },
                    // SAFETY: the caller checked `backend.is_available()` (AVX-512F detected).
                    Backend::Avx512 => unsafe { super::avx512::$cos(a, b) },
                    _ => return None,
                };
                (!c.is_nan()).then_some(c)
            }
            )?
            #[allow(unreachable_patterns, clippy::match_same_arms)]
            fn dot_on(backend: Backend, a: &[Self], b: &[Self]) -> f64 {
                match backend {
                    #[cfg(target_arch = "x86_64")]
                    // SAFETY: the caller checked `backend.is_available()` (AVX2+FMA detected).
                    Backend::Avx2 => f64::from(unsafe { super::avx2::$dot(a, b) }),
                    #[cfg(target_arch = "x86_64")]
                    // SAFETY: the caller checked `backend.is_available()` (AVX-512F detected).
                    Backend::Avx512 => f64::from(unsafe { super::avx512::$dot(a, b) }),
                    #[cfg(target_arch = "aarch64")]
                    // SAFETY: NEON is baseline on aarch64 (and `is_available` was checked).
                    Backend::Neon => f64::from(unsafe { super::neon::$dot(a, b) }),
                    _ => f64::from(scalar::$dot(a, b)),
                }
            }
            #[allow(unreachable_patterns, clippy::match_same_arms)]
            fn dot3_on(backend: Backend, a: &[Self], b: &[Self]) -> [f64; 3] {
                let r = match backend {
                    #[cfg(target_arch = "x86_64")]
                    // SAFETY: the caller checked `backend.is_available()` (AVX2+FMA detected).
                    Backend::Avx2 => unsafe { super::avx2::$dot3(a, b) },
                    #[cfg(target_arch = "x86_64")]
                    // SAFETY: the caller checked `backend.is_available()` (AVX-512F detected).
                    Backend::Avx512 => unsafe { super::avx512::$dot3(a, b) },
                    #[cfg(target_arch = "aarch64")]
                    // SAFETY: NEON is baseline on aarch64 (and `is_available` was checked).
                    Backend::Neon => unsafe { super::neon::$dot3(a, b) },
                    _ => scalar::$dot3(a, b),
                };
                [f64::from(r[0]), f64::from(r[1]), f64::from(r[2])]
            }
        }
    };
}

element_impl!(f32, f32, dot_f32, dot3_f32, cos_f32);
element_impl!(f64, f64, dot_f64, dot3_f64);
element_impl!(Bf16, f32, dot_bf16, dot3_bf16, cos_bf16);

fn check_pair<T>(backend: Backend, a: &[T], b: &[T]) -> Result<()> {
    if !backend.is_available() {
        return Err(GeometryError::Unsupported);
    }
    if a.len() != b.len() {
        return Err(GeometryError::LengthMismatch);
    }
    if a.is_empty() {
        return Err(GeometryError::Empty);
    }
    Ok(())
}

/// Cosine from the three sums; zero norm → `Err(ZeroNorm)`, non-finite → `Err(NonFinite)`.
fn cos_from(d: [f64; 3]) -> Result<f64> {
    if !(d[0].is_finite() && d[1].is_finite() && d[2].is_finite()) {
        return Err(GeometryError::NonFinite);
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
        return Err(GeometryError::NonFinite);
    }
    Ok(c.clamp(-1.0, 1.0))
}

/// Dot product Σ aᵢbᵢ on the given backend.
///
/// # Errors
/// `Unsupported` if the backend is not available, `LengthMismatch`, `Empty`, and `NonFinite`
/// if the result is NaN or infinite (NaN input or overflow).
pub fn dot_with<T: Element>(backend: Backend, a: &[T], b: &[T]) -> Result<T::Output> {
    check_pair(backend, a, b)?;
    let d = T::dot_on(backend, a, b);
    if !d.is_finite() {
        return Err(GeometryError::NonFinite);
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
    check_pair(backend, a, b)?;
    if let Some(c) = T::cos_fused_on(backend, a, b) {
        return Ok(c);
    }
    Ok(crate::Real::from_f64(cos_from(T::dot3_on(backend, a, b))?))
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
    check_pair(backend, a, b)?;
    let c = cos_from(T::dot3_on(backend, a, b))?;
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

#[allow(unreachable_patterns, clippy::match_same_arms)]
fn acc64_sums(backend: Backend, a: &[f32], b: &[f32]) -> [f64; 3] {
    match backend {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: `check_pair` verified the backend is available (AVX2+FMA detected).
        Backend::Avx2 => unsafe { super::avx2::dot3_f32_acc64(a, b) },
        #[cfg(target_arch = "x86_64")]
        // SAFETY: `check_pair` verified the backend is available (AVX-512F detected).
        Backend::Avx512 => unsafe { super::avx512::dot3_f32_acc64(a, b) },
        #[cfg(target_arch = "aarch64")]
        // SAFETY: `check_pair` verified the backend is available (NEON, baseline on aarch64).
        Backend::Neon => unsafe { super::neon::dot3_f32_acc64(a, b) },
        _ => scalar::dot3_f32_acc64(a, b),
    }
}

/// Cosine similarity of f32 vectors accumulated in f64 (for nearly parallel vectors, where the
/// f32 angle error floor is ~1e-4 rad).
///
/// # Errors
/// See [`cosine_similarity_with`].
pub fn cosine_similarity_f64acc_with(backend: Backend, a: &[f32], b: &[f32]) -> Result<f64> {
    check_pair(backend, a, b)?;
    cos_from(acc64_sums(backend, a, b))
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
