//! Embedding geometry: SIMD pair kernels with runtime dispatch, blocked N×N angle matrices, the
//! fused angular dispersion loss, condensation metrics, rank trends and signature alignment.
//!
//! Zero-norm vectors: every checked cosine/angle API returns [`GeometryError::ZeroNorm`]; the
//! dispersion loss follows the reference code's ε-normalisation ẑ = z/(‖z‖+ε) instead. Cosines are
//! always clamped to [−1, 1] before arccos, so no NaN reaches a sum from finite input.

mod bf16;
mod condensation;
mod dispatch;
mod dispersion;
mod error;
mod pair;
mod pairwise;
mod rank;
mod scalar;
mod signature;

#[cfg(target_arch = "x86_64")]
mod avx2;
#[cfg(target_arch = "x86_64")]
mod avx512;
#[cfg(target_arch = "aarch64")]
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
    cross, cross_scratch_len, cross_with, pairwise_angles, pairwise_cosine, pairwise_scratch_len,
    pairwise_with, Layout, PairValue,
};
pub use rank::{kendall_tau_b, spearman_rho};
pub use signature::{signature_alignment, BinStats};
