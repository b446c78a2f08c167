//! Embedding geometry: SIMD pair kernels with runtime dispatch, blocked N×N angle matrices, the
//! fused angular dispersion loss, condensation metrics, rank trends and signature alignment.
//!
//! Zero-norm vectors: every checked cosine/angle API returns [`GeometryError::ZeroNorm`]; the
//! dispersion loss follows the reference code's ε-normalisation ẑ = z/(‖z‖+ε) instead. Cosines are
//! always clamped to [−1, 1] before arccos, so no NaN reaches a sum from finite input; NaN/∞
//! input gives [`GeometryError::NonFiniteValue`]. Nothing here allocates or panics.
//!
//! | job | entry points |
//! |---|---|
//! | one pair (f32, f64, [`Bf16`]) | [`dot`], [`cosine_similarity`], [`angular_distance`], `*_f64acc`, `*_with(Backend, ..)` |
//! | N×N / queries×corpus | [`pairwise_cosine`], [`pairwise_angles`], [`pairwise_with`], [`cross`] (caller `out` + scratch) |
//! | dispersion loss | [`dispersion_loss`], [`dispersion_loss_grad`] (fused f32), [`dispersion_loss_f64`] (exact) |
//! | condensation | [`mean_cosine`], [`spearman_rho`], [`kendall_tau_b`] |
//! | signatures | [`signature_alignment`], [`BinStats`] |
//!
//! Dispatch: [`best_backend`] detects AVX-512F / AVX512-BF16 / AVX2+FMA once (cpuid + xgetbv,
//! cached in an atomic) or uses NEON on aarch64; [`Backend::Scalar`] is the only path elsewhere.
//! Every `*_with(backend, ..)` entry point runs all its kernels on `backend` (or returns
//! [`GeometryError::Unsupported`]); the others use [`best_backend`].
//!
//! Module layout: `kernels.rs` is the safe dispatcher, which turns an available [`Backend`] into
//! the token of its instruction set; `avx2.rs`, `avx512.rs` and `neon.rs` hold the SIMD kernels,
//! reachable only through safe methods of those tokens, and are (with the CPU detection of
//! `dispatch.rs`) the only files with `unsafe` code; `scalar.rs` holds the portable kernels and
//! every fallback. `pair.rs`, `gram.rs` (packing and the blocked Gram driver), `pairwise.rs` and
//! `dispersion/` call the dispatcher only.
//!
//! ```
//! use simstat::geometry::{pairwise_angles, pairwise_scratch_len, Layout, cosine_similarity};
//! let (n, f) = (4, 3);
//! let x = [1.0_f32, 0.0, 0.0, 0.0, 1.0, 0.0, 1.0, 1.0, 0.0, -1.0, 0.0, 0.0];
//! let mut scratch = vec![0.0; pairwise_scratch_len(n, f).unwrap()];
//! let mut angles = vec![0.0; n * (n - 1) / 2]; // (0,1) (0,2) (0,3) (1,2) (1,3) (2,3)
//! pairwise_angles(&x, n, f, Layout::UpperPacked, &mut angles, &mut scratch).unwrap();
//! assert!((angles[0] - core::f32::consts::FRAC_PI_2).abs() < 1e-6);
//! assert!((angles[2] - core::f32::consts::PI).abs() < 1e-6);
//! assert!((cosine_similarity(&x[0..3], &x[6..9]).unwrap() - 0.70710677).abs() < 1e-6);
//! ```

// `unsafe` is denied crate-wide; only the instruction-set files and the CPU detection below
// are allowed it.
mod bf16;
mod condensation;
#[allow(unsafe_code)]
mod dispatch;
mod dispersion;
mod error;
mod gram;
mod kernels;
mod pair;
mod pairwise;
mod rank;
mod scalar;
mod signature;

#[cfg(target_arch = "x86_64")]
#[allow(unsafe_code)]
mod avx2;
#[cfg(target_arch = "x86_64")]
#[allow(unsafe_code)]
mod avx512;
#[cfg(target_arch = "aarch64")]
#[allow(unsafe_code)]
mod neon;

pub use bf16::Bf16;
pub use condensation::{mean_cosine, MeanCosine, CONDENSATION_NORM_FLOOR};
pub use dispatch::{best_backend, cpu_features, Backend, CpuFeatures};
pub use dispersion::{
    dispersion_loss, dispersion_loss_f64, dispersion_loss_grad, dispersion_loss_grad_f64,
    dispersion_loss_grad_with, dispersion_loss_with, dispersion_scratch_len, DispersionOptions,
    DispersionVariant, Reduction,
};
pub use error::{GeometryError, Result};
pub use pair::{
    angular_distance, angular_distance_f64acc, angular_distance_f64acc_with, angular_distance_with,
    cosine_similarity, cosine_similarity_f64acc, cosine_similarity_f64acc_with,
    cosine_similarity_with, dot, dot_with, Element,
};
pub use pairwise::{
    cross, cross_scratch_len, cross_with, cross_with_policy, pairwise_angles, pairwise_cosine,
    pairwise_scratch_len, pairwise_with, pairwise_with_policy, Layout, PairValue, RowPolicy,
};
pub use rank::{kendall_tau_b, spearman_rho};
pub use signature::{signature_alignment, BinStats};
