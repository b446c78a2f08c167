//! Score calibration: from one query's scores against its corpus (hits included) to a
//! background the hits cannot capture, tail p-values, relevance posteriors, and the decision
//! users need: how many of the top results to return ([`cut`]).
//!
//! The statistical tests here ([`bh_cutoff`], [`ks_uniform`]) take caller-provided scratch and
//! never allocate.

mod background;
mod cut;
mod error;
mod fdr;
mod ks;
mod model;
mod relevance;
mod sketched;

#[cfg(feature = "alloc")]
pub use background::{fit_background, fit_background_on, fit_background_with};
pub use background::{
    fit_background_in, Background, BackgroundOptions, LOW_FENCE_IQR, MAX_BACKGROUND_ORDER,
};
pub use cut::{
    cut, cut_f32, cut_f32_in, cut_f32_with_background, cut_in, cut_scratch_len,
    cut_with_background, Cut, CutOptions, CutRule, MIN_CUT_SCORES,
};
pub use error::CalibrateError;
pub use fdr::{bh_cutoff, FdrCutoff};
pub use ks::{kolmogorov_sf, ks_uniform, ks_uniform_held_out, KsTest};
pub use model::{Calibrator, ScoreCutoff, ScoreScale, FISHER_Z_MAX, MAX_CALIBRATION_COMPONENTS};
pub use relevance::{RelevanceModel, MAX_RELEVANCE_REGION};
pub use sketched::{cut_sketch, fit_background_sketch, ScoreSketch};
