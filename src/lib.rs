//! # simstat
//!
//! `no_std`, allocation-free statistical kernels for the geometry of embeddings.
//!
//! * [`special`]: digamma, trigamma, ln Γ, regularized incomplete gamma P/Q and the inverse of P,
//!   generic over `f32`/`f64` (f32 evaluates the f64 kernel and rounds once).
//! * [`dist`]: shifted and truncated gamma distributions (ln pdf, cdf, sf, quantile, sampling).
//! * [`fit`]: shifted-gamma maximum likelihood (profile-likelihood Newton), exact or from a
//!   mergeable histogram [`fit::Sketch`].
//! * [`geometry`]: SIMD cosine/angle kernels with runtime CPU dispatch, blocked N×N angle matrices,
//!   the fused angular dispersion loss and gradient, condensation metrics, signature alignment.
//! * [`select`]: order selection without sweeps — merge dendrograms of mixing measures and the
//!   Dendrogram Selection Criterion (DSC) beside AIC/BIC/ICL, for shifted-gamma mixtures and for
//!   softmax-gated Gaussian mixtures of experts.
//!
//! ## Features
//! | feature | default | what it adds |
//! |---|---|---|
//! | `std`  | off | `std::error::Error` impls and other conveniences; no kernel needs it |
//! | `ffi`  | off | the C ABI in [`ffi`] (status codes, no panics across the boundary) |
//! | `rand` | off | sampling through `rand_core` |
//!
//! Math comes from `libm` (through `num-traits` with its `libm` feature), so the core builds on
//! bare targets (`thumbv7em-none-eabihf`) and emits PTX for `nvptx64-nvidia-cuda`.
//!
//! ## Example
//! ```
//! use simstat::special::{digamma, gamma_p, gamma_q};
//! let psi = digamma(1.0_f64); // −γ
//! assert!((psi + 0.577_215_664_901_532_9).abs() < 1e-15);
//! let (p, q) = (gamma_p(3.0_f64, 2.0), gamma_q(3.0_f64, 2.0));
//! assert!((p + q - 1.0).abs() < 1e-15);
//! ```
#![no_std]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "std")]
extern crate std;

pub mod calibrate;
pub mod dist;
pub mod fit;
pub mod float;
#[allow(unsafe_code)]
pub mod geometry;
pub mod select;
pub mod special;

#[cfg(feature = "ffi")]
pub mod ffi;

pub use float::Real;
