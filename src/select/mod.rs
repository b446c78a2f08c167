//! Order selection without sweeps: merge dendrograms of mixing measures and the DSC criterion.
//!
//! One over-specified fit (K0 atoms) is collapsed pair by pair — always the pair with the
//! smallest weighted (Voronoi-type) dissimilarity — into a [`Dendrogram`] with K0 − 1 merges.
//! Each level κ = K0, …, 1 is a mixture with κ atoms; a caller-supplied [`LevelLikelihood`]
//! evaluates its log-likelihood, and [`Dendrogram::criteria`] returns the Dendrogram Selection
//! Criterion (DSC, arXiv 2510.12744)
//!
//! DSC(κ) = −( h(κ) + ω_N · ℓ̄(κ) ),
//!
//! with h(κ) the height of the merge that takes level κ to κ − 1 and ℓ̄(κ) the mean
//! log-likelihood per observation, next to AIC, BIC and ICL at every level (all lower-is-better).
//!
//! Two atom families are provided:
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
//! use simstat::select::{Dendrogram, DscOptions, GammaAtom, GammaLevelLikelihood};
//! // An over-fitted description of one gamma (two near-identical halves) plus a separate one.
//! let mut atoms = [
//!     GammaAtom::new(0.25, 20.0, 100.0, 0.0),
//!     GammaAtom::new(0.25, 21.0, 104.0, 0.0),
//!     GammaAtom::new(0.5, 30.0, 100.0, 0.4),
//! ];
//! GammaAtom::standardise(&mut atoms).unwrap();
//! let mut dendro = Dendrogram::<GammaAtom, 8>::build(&atoms).unwrap();
//! // Data: any sample on (−1, 1); here a deterministic grid stands in for it.
//! let data: [f64; 200] = core::array::from_fn(|i| 0.1 + 0.5 * (i as f64 + 0.5) / 200.0);
//! let mut lik = GammaLevelLikelihood::new(&data, -1.0, 1.0).unwrap();
//! dendro.evaluate(&mut lik).unwrap();
//! let crit = dendro.criteria(&DscOptions::default()).unwrap();
//! assert!(crit.dsc_choice() >= 2 && crit.dsc_choice() <= 3);
//! ```

pub mod criteria;
pub mod dendrogram;
pub mod dsc;
pub mod gamma_atoms;
pub mod merge;
pub mod sgmoe;

pub use criteria::{Criteria, LevelFit, LevelLikelihood};
pub use dendrogram::{Dendrogram, Level, MergeStep};
pub use dsc::{DscOptions, KappaOne, Omega};
pub use gamma_atoms::{GammaAtom, GammaChart, GammaLevelLikelihood, GammaMerge};
pub use merge::Atom;

use core::fmt;

/// Why a selection routine refused its input or could not finish.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SelectError {
    /// Fewer atoms (or levels) than the routine needs (a dendrogram needs at least 1 atom).
    TooFewAtoms,
    /// More atoms than the fixed capacity.
    TooManyAtoms {
        /// The capacity that was exceeded.
        capacity: usize,
    },
    /// A parameter or data value is NaN or infinite.
    NonFinite,
    /// A weight is negative, zero, or weights do not sum to a positive finite value.
    InvalidWeight,
    /// A parameter is outside its domain (shape ≤ 0, variance ≤ 0, …).
    InvalidParameter,
    /// A data value lies outside the support the model is defined on.
    OutOfSupport,
    /// Slices that must have equal lengths do not.
    DimensionMismatch,
    /// Too few observations for the number of parameters.
    TooFewObservations,
    /// A requested level κ is outside 1..=K0.
    LevelOutOfRange,
    /// The log-likelihood of a level has not been evaluated yet.
    NotEvaluated,
    /// A linear system or an iteration broke down (singular design, no finite likelihood).
    NumericalFailure,
}

impl fmt::Display for SelectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooFewAtoms => f.write_str("too few atoms"),
            Self::TooManyAtoms { capacity } => write!(f, "more atoms than capacity {capacity}"),
            Self::NonFinite => f.write_str("non-finite parameter or data value"),
            Self::InvalidWeight => f.write_str("invalid mixture weight"),
            Self::InvalidParameter => f.write_str("parameter outside its domain"),
            Self::OutOfSupport => f.write_str("data value outside the model's support"),
            Self::DimensionMismatch => f.write_str("slice lengths or dimensions do not match"),
            Self::TooFewObservations => f.write_str("too few observations for the model size"),
            Self::LevelOutOfRange => f.write_str("level outside 1..=K0"),
            Self::NotEvaluated => f.write_str("level log-likelihoods not evaluated"),
            Self::NumericalFailure => f.write_str("numerical failure (singular system)"),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for SelectError {}
