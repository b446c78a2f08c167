//! Crate-internal building blocks shared by several modules: the seeded generator, log-sum-exp
//! and the branch-free exp/ln of the E-step.
//!
//! Nothing here is a kernel of its own; each piece has exactly one definition, which the
//! modules that need it import (`fit`, `select`, `calibrate`). [`SplitMix64`] is public (it
//! seeds the SGMoE starts) and re-exported at the crate root.

mod log_sum_exp;
mod rng;
pub(crate) mod vmath;

pub(crate) use log_sum_exp::{log_sum_exp, softmax_in_place};
pub use rng::SplitMix64;
