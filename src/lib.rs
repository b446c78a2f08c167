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
//! * [`calibrate`] (the main job): from one query's scores against its corpus, hits included,
//!   how many of the top results to return ([`calibrate::cut`]; 0 = nothing relevant), a
//!   background the hits cannot capture, tail p-values and their inverse, relevance posteriors.
//! * [`wire`]: a compact, versioned, allocation-free byte form of sketches, pass statistics,
//!   fits and calibrators, so shards reduce across processes and machines.
//! * [`select`]: order selection without sweeps — merge dendrograms of mixing measures and the
//!   Dendrogram Selection Criterion (DSC) beside AIC/BIC/ICL, for shifted-gamma mixtures and for
//!   softmax-gated Gaussian mixtures of experts.
//!
//! ## Features
//! | feature | default | what it adds |
//! |---|---|---|
//! | `alloc` | **on** | the convenience forms that need a [`fit::MixtureWorkspace`] ([`fit::fit_mixture`], [`select::select_order`], [`calibrate::fit_background`], [`calibrate::cut`] with a model rule, …) allocate it on the heap (one allocation per call, bounded stack); without it they are absent (`cut`'s model rules return an `Err`) and every call works in memory you place (the `_in` forms); no kernel needs it |
//! | `std`  | off | `std::error::Error` impls and other conveniences (implies `alloc`); no kernel needs it |
//! | `rand` | off | sampling under rand 0.10: `Distribution<f64>` for the distributions and mixtures (no_std) |
//! | `serde` | off | `Serialize` / `Deserialize` for sketches, pass statistics, fits and distributions (checked on the way in, no alloc; see [`wire`]) |
//!
//! Math comes from `libm` (through `num-traits` with its `libm` feature), so the core builds on
//! bare targets (`thumbv7em-none-eabihf`) and emits PTX for `nvptx64-nvidia-cuda`.
//!
//! ## Example: the main job
//! ```
//! use simstat::calibrate::{cut, cut_scratch_len, CutOptions};
//! // One query's cosine scores against every corpus row (here: 1,000 background rows and
//! // two near-duplicates of the query).
//! let mut scores: Vec<f64> = (0..1000).map(|i| 0.1 + 0.2 * ((i * 37 % 1000) as f64 / 1000.0)).collect();
//! scores.extend([0.91, 0.95]);
//! let mut scratch = vec![0.0; cut_scratch_len(scores.len())];
//! let c = cut(&scores, &CutOptions::default(), &mut scratch)?;
//! assert_eq!(c.keep(), 2); // return the top two results
//! assert_eq!(c.threshold(), 0.91);
//! # Ok::<(), simstat::calibrate::CalibrateError>(())
//! ```
//!
//! ## Example: special functions
//! ```
//! use simstat::special::{digamma, gamma_p, gamma_q};
//! let psi = digamma(1.0_f64); // −γ
//! assert!((psi + 0.577_215_664_901_532_9).abs() < 1e-15);
//! let (p, q) = (gamma_p(3.0_f64, 2.0), gamma_q(3.0_f64, 2.0));
//! assert!((p + q - 1.0).abs() < 1e-15);
//! ```
#![no_std]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

pub mod calibrate;
pub mod dist;
pub mod fit;
pub mod float;
pub mod geometry;
pub mod select;
pub mod special;
mod support;
pub mod wire;

pub use float::Real;
pub use support::SplitMix64;
