//! Order selection without sweeps: merge dendrograms of mixing measures and the DSC criterion.
//!
//! One over-specified fit (K0 atoms) is collapsed pair by pair — always the pair with the
//! smallest weighted (Voronoi-type) dissimilarity — into a [`Dendrogram`] with K0 − 1 merges.
//! Each level κ = K0, …, 1 is a mixture with κ atoms, evaluated on the data, and
//! [`Dendrogram::criteria`] returns the Dendrogram Selection Criterion (DSC, arXiv 2510.12744)
//!
//! DSC(κ) = −( h(κ) + ω_N · ℓ̄(κ) ),
//!
//! with h(κ) the height of the merge that takes level κ to κ − 1 and ℓ̄(κ) the mean
//! log-likelihood per observation, next to AIC, BIC and ICL at every level (all lower-is-better).
//!
//! **For gamma mixtures the whole pipeline is one call, [`select_order`]**: the over-fit's
//! components become leaves by a documented [`LeafRule`] (truncated moments; negligible,
//! point-mass and duplicate atoms absorbed), the dendrogram is built (standardised chart,
//! moment merge), every level is polished to its likelihood optimum ([`LevelRefit::MleNested`])
//! and evaluated, DSC is taken on ln h with ω_N = √(N ln N) ([`HeightScale::Log`]; the paper's
//! settings are [`DscOptions::paper`]), and [`Selection::mixture`] hands any level back as a
//! [`MixtureFit`](crate::fit::MixtureFit). Measured accuracy: `src/select/README.md`.
//!
//! The building blocks stay public for other atom families and studies:
//! * [`GammaAtom`] ([`gamma_atoms`]): shifted gammas, merged by matching the pair's first three
//!   moments, compared in a standardised cumulant chart (mean, sd, κ3/κ2)/S;
//!   [`GammaLevelLikelihood`] evaluates truncated gamma mixtures on data.
//! * [`sgmoe`]: softmax-gated Gaussian mixtures of experts: the model, an allocation-free EM
//!   (weighted least squares experts, IRLS gates) and the SGMoE atoms with the reference code's
//!   dissimilarity (optionally weighted by average gate mass).
//!
//! Everything is `no_std`, allocation-free (fixed capacities are const generics) and returns
//! [`SelectError`] on bad input instead of panicking.
//!
//! ## Example
//! ```
//! use simstat::fit::{fit_mixture_with, FitOptions, MixtureOptions};
//! use simstat::select::{select_order, DscOptions};
//! // two clusters of gamma quantiles (deterministic), over-fitted with 6 components
//! let q = |a: f64, l: f64, c: f64, n: usize| -> Vec<f64> {
//!     (0..n).map(|i| c + simstat::special::gamma_p_inv(a, (i as f64 + 0.5) / n as f64) / l).collect()
//! };
//! let mut data = q(16.0, 80.0, -0.3, 1200);
//! data.extend(q(16.0, 80.0, 0.2, 800));
//! let over = fit_mixture_with(&data, 6, &FitOptions::default(), &MixtureOptions::overfit())?;
//! let sel = select_order(&over, &data, &DscOptions::default())?;
//! assert_eq!((sel.dsc_choice(), sel.bic_choice()), (2, 2));
//! let two = sel.mixture(2)?; // a MixtureFit: ln_pdf, responsibilities, calibration
//! assert!(two.ln_pdf(-0.1).is_finite());
//! # Ok::<(), Box<dyn core::error::Error>>(())
//! ```

pub mod criteria;
pub mod dendrogram;
pub mod dsc;
mod error;
pub mod gamma_atoms;
pub mod leaves;
pub mod merge;
pub mod order;
pub mod sgmoe;

pub use criteria::{Criteria, LevelFit, LevelLikelihood};
pub use dendrogram::{Dendrogram, Level, MergeStep};
pub use dsc::{DscOptions, HeightScale, KappaOne, LevelRefit, Omega};
pub use error::SelectError;
pub use gamma_atoms::{GammaAtom, GammaChart, GammaLevelLikelihood, GammaMerge};
pub use leaves::{AbsorbReason, LeafFate, LeafRule};
pub use merge::Atom;
#[cfg(feature = "alloc")]
pub use order::select_order;
pub use order::{select_order_in, Selection};
