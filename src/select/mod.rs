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
pub mod gamma_atoms;
pub mod leaves;
pub mod merge;
pub mod order;
pub mod sgmoe;

pub use criteria::{Criteria, LevelFit, LevelLikelihood};
pub use dendrogram::{Dendrogram, Level, MergeStep};
pub use dsc::{DscOptions, HeightScale, KappaOne, LevelRefit, Omega};
pub use gamma_atoms::{GammaAtom, GammaChart, GammaLevelLikelihood, GammaMerge};
pub use leaves::{AbsorbReason, LeafFate, LeafRule};
pub use merge::Atom;
pub use order::{select_order, select_order_in, Selection};

use core::fmt;

/// Why a selection routine refused its input or could not finish.
#[derive(Debug, Clone, Copy, PartialEq)]
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
    /// A data value is NaN or ±∞.
    NonFiniteData {
        /// Position of the first offending value (0-based).
        index: usize,
    },
    /// A data value lies outside the model's interval [lo, hi].
    DataOutOfInterval {
        /// Position of the first offending value (0-based).
        index: usize,
        /// The value.
        value: f64,
        /// Lower end of the interval.
        lo: f64,
        /// Upper end of the interval.
        hi: f64,
    },
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
            Self::NonFiniteData { index } => {
                write!(f, "data value at index {index} is NaN or infinite")
            }
            Self::DataOutOfInterval {
                index,
                value,
                lo,
                hi,
            } => write!(
                f,
                "data value {value} at index {index} is outside the interval [{lo}, {hi}]"
            ),
        }
    }
}

impl core::error::Error for SelectError {}
