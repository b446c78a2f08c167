//! Shifted-gamma maximum-likelihood fitting: exact (profile-likelihood Newton) and from a
//! mergeable histogram [`Sketch`].
//!
//! * [`fit_gamma`]: one shifted gamma to raw data (warm-started from a sketch, then exact).
//! * [`Sketch`] + [`fit_gamma_sketch`]: streaming, O(bins) memory, mergeable bit-for-bit.
//! * [`FitOptions`]: interval, pass limits, tolerances, α cap (shared with the mixture EM).
//! * [`mixture`]: K-component mixtures ([`fit_mixture`]): warm-started EM + Newton, chunk
//!   sources, mergeable statistics, online EM.
//!
//! ```
//! use simstat::fit::{fit_gamma, FitOptions};
//! let data: Vec<f64> = (1..=300)
//!     .map(|i| -0.25 + simstat::special::gamma_p_inv(9.0, (i as f64 - 0.5) / 300.0) / 30.0)
//!     .collect();
//! let fit = fit_gamma(&data, &FitOptions::default())?;
//! let d = fit.distribution();
//! assert!(d.cdf(0.0) > 0.0 && d.cdf(0.0) < 1.0);
//! # Ok::<(), simstat::fit::FitError>(())
//! ```

mod error;
mod options;
mod profile;
mod result;
mod single;
mod sketch;

pub use error::FitError;
pub use options::FitOptions;
#[cfg(feature = "serde")]
pub(crate) use result::GammaParts;
pub use result::{GammaFit, Regime};
pub use single::{fit_gamma, fit_gamma_f32, fit_gamma_f32_in, fit_gamma_in, GammaWorkspace};
pub use sketch::{fit_gamma_sketch, Sketch};
pub mod mixture;

#[cfg(feature = "std")]
pub use mixture::fit_mixture_sharded;
// The convenience forms: each allocates its workspace (feature `alloc`).
#[cfg(feature = "alloc")]
pub use mixture::{
    fit_mixture, fit_mixture_f32, fit_mixture_from, fit_mixture_from_sketch, fit_mixture_online,
    fit_mixture_sketch, fit_mixture_source, fit_mixture_with, standard_errors,
};
pub use mixture::{
    fit_mixture_f32_in, fit_mixture_from_in, fit_mixture_from_sketch_in, fit_mixture_in,
    fit_mixture_online_in, fit_mixture_sketch_in, fit_mixture_source_in, pass_statistics,
    pass_statistics_into, standard_errors_in, ChunkSource, F32Chunks, Kernel, MixtureFit,
    MixtureOptions, MixtureWorkspace, OnlineOptions, StandardErrors, StopReason, SuffStats,
    F32_GRAD_TOL, MAX_COMPONENTS,
};
