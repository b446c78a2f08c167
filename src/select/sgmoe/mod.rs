//! Softmax-gated Gaussian mixtures of experts (SGMoE): model, allocation-free EM, merge atoms.
//!
//! Pipeline without a sweep: [`fit_sgmoe`] an over-specified model (K experts) →
//! [`SgmoeAtom::from_model`] → [`Dendrogram::build`](crate::select::Dendrogram::build) →
//! [`Dendrogram::evaluate`](crate::select::Dendrogram::evaluate) with [`SgmoeLevelLikelihood`] →
//! [`Dendrogram::criteria`](crate::select::Dendrogram::criteria).
//!
//! ```
//! use nalgebra::SVector;
//! use simstat::select::{Dendrogram, DscOptions};
//! use simstat::select::sgmoe::{fit_sgmoe, EmOptions, SgmoeAtom, SgmoeLevelLikelihood, SplitMix64, Weighting};
//! let mut rng = SplitMix64(3);
//! let xs: Vec<SVector<f64, 1>> = (0..600).map(|_| SVector::from([2.0 * rng.next_f64() - 1.0])).collect();
//! let ys: Vec<f64> = xs.iter().map(|x| if x[0] < 0.0 { -2.0 } else { 2.0 } + 0.2 * rng.normal()).collect();
//! let fit = fit_sgmoe::<1, 8>(&xs, &ys, 4, &EmOptions::default()).unwrap();
//! let (atoms, k) = SgmoeAtom::from_model(&fit.model, &xs, Weighting::GateIntercept).unwrap();
//! let mut d = Dendrogram::<SgmoeAtom<1>, 8>::build(&atoms[..k]).unwrap();
//! d.evaluate(&mut SgmoeLevelLikelihood::new(&xs, &ys).unwrap()).unwrap();
//! let crit = d.criteria(&DscOptions::paper()).unwrap();
//! assert!(crit.bic_choice() >= 1);
//! ```
pub mod atoms;
pub mod em;
pub mod model;

pub use atoms::{voronoi_loss, SgmoeAtom, SgmoeLevelLikelihood, Weighting};
pub use em::{fit_sgmoe, EmFit, EmOptions, SplitMix64};
pub use model::{n_params, Expert, Sgmoe};
