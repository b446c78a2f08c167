//! simstat in Apache DataFusion: the background fit and the cut of a query's scores as
//! aggregate functions whose partial state is simstat's mergeable state, and the p-value, the
//! score at a p-value and the relevance posterior as scalar functions.
//!
//! ```sql
//! -- scores: Parquet files of (query_id, doc_id, score)
//! SELECT query_id, simstat_background(score) AS background, simstat_cut(score) AS keep
//! FROM scores GROUP BY query_id;
//!
//! -- p-values of every row under its query's background
//! WITH bg AS (SELECT query_id, simstat_background(score) AS b FROM scores GROUP BY query_id)
//! SELECT s.query_id, s.doc_id, simstat_p_value(bg.b, s.score) AS p
//! FROM scores s JOIN bg ON s.query_id = bg.query_id;
//! ```
//!
//! | function | returns |
//! |---|---|
//! | `simstat_background(score)` | the group's fitted background, as its byte form (`Binary`) |
//! | `simstat_cut(score)` | how many of the group's top scores to return (`UInt64`, 0 = none) |
//! | `simstat_relevance(score)` | background and relevance model (`Binary`) |
//! | `simstat_p_value(background, score)` | P(S ≥ score) for a random corpus row (`Float64`) |
//! | `simstat_score_at_p(background, alpha)` | the score whose p-value is alpha (`Float64`) |
//! | `simstat_posterior(relevance, score)` | posterior probability of relevance (`Float64`) |
//!
//! **State.** Each partition folds its rows of a group into a [`GroupState`]: the scores
//! themselves while the group has at most [`Settings::exact_up_to`] (default 131,072), then
//! simstat's [`simstat::calibrate::ScoreSketch`] (a 4096-bin histogram of all scores and the
//! 4096 largest exactly, 96 KiB whatever the group's size). Partial states travel between
//! partitions (and, under Ballista, between machines) as bytes — the sketch in simstat's
//! checked byte form — and `merge_batch` merges them. Both forms merge exactly, and which one a
//! group ends in depends only on its size, so a group's result is the same bit for bit on 1 or
//! 8 partitions or any split: below the switch it is `fit_background` / `cut` on the collected
//! scores, above it `fit_background_sketch` / `cut_sketch` (whose cut equals `cut`'s at those
//! sizes; the background is the binned body's, measured against the exact one in the crate's
//! README).
//!
//! Groups with fewer than 3 scores give NULL; NULL scores are skipped; a NaN, infinite or
//! out-of-interval score is an execution error naming it.

mod aggregate;
mod scalar;
mod state;

pub use aggregate::{Output, SimstatAggregate};
pub use scalar::{Scalar, SimstatScalar};
pub use state::{GroupSketch, GroupState, Settings};

use datafusion::logical_expr::{AggregateUDF, ScalarUDF};
use datafusion::prelude::SessionContext;

/// Registers every simstat function in `ctx` with the default [`Settings`].
pub fn register(ctx: &SessionContext) {
    register_with(ctx, Settings::default());
}

/// Registers every simstat function in `ctx` with `settings`.
pub fn register_with(ctx: &SessionContext, settings: Settings) {
    for output in [Output::Background, Output::Cut, Output::Relevance] {
        ctx.register_udaf(AggregateUDF::from(SimstatAggregate::new(output, settings)));
    }
    for which in [Scalar::PValue, Scalar::ScoreAtP, Scalar::Posterior] {
        ctx.register_udf(ScalarUDF::from(SimstatScalar::new(which)));
    }
}
