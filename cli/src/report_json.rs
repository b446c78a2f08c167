//! The `--json` document of `simstat calibrate`: one object; non-finite numbers are `null`:
//! * `source`, `format` (`"text"`, `"f64"`, `"f32"` or `"npy"`), `n`;
//! * `cut`: `rule` (`"relative_excess"`), `ratio`, `keep`, `threshold` (smallest kept score);
//! * `fdr`: `rule` (`"fdr"`), `level`, `tests` (= n), `discoveries` (= keep),
//!   `score_threshold`, `p_threshold` (the p-value at `score_threshold`);
//! * `expected_f1`: `rule`, `keep`, `threshold`, `expected_relevant`;
//! * `background`: `model`, `scale` (`"fisher_z"`), `selected_by` (`"bic"`), `k`, `max_k`,
//!   `bic` (`[{k, bic}]`, z scale), `components` (`[{weight, shape, rate, shift}]`, z scale,
//!   weights sum to 1), `log_likelihood` (z scale, body rows), `body_rows`, `excluded`,
//!   `low_outliers` (bottom rows left out: far below the lower quartile, e.g. a score of −1),
//!   `body_limit` (cosine), `rounds`, `passes`, `converged`, `stop` (why the optimiser
//!   stopped: `gradient`, `flat`, `pass_limit`, `no_ascent`);
//! * `radius`: `[{p_value, score}]` for p = 1e-3 and 1e-6;
//! * `top`: `[{rank, row, score, p_value, posterior, kept, discovery}]`, by decreasing score;
//! * `timings_ms`: milliseconds per step.
use crate::calibrate::{Report, RATIO};
use crate::error::{CliError, Result};
use crate::input::format_name;
use serde::ser::{SerializeMap as _, Serializer};
use serde::Serialize;

/// The whole document.
#[derive(Serialize)]
struct Doc<'a> {
    /// Where the scores came from.
    source: &'a str,
    /// `text`, `f64`, `f32` or `npy`.
    format: &'static str,
    /// Number of scores.
    n: usize,
    /// The default rule's cut.
    cut: MainCut,
    /// Benjamini–Hochberg against the background.
    fdr: FdrCut,
    /// Expected F1.
    expected_f1: F1Cut,
    /// The background of the Fdr cut.
    background: Background,
    /// `score_threshold` radius at p = 1e-3 and 1e-6.
    radius: Vec<Radius>,
    /// The top scores, by decreasing score.
    top: Vec<TopRow>,
    /// Milliseconds per step, in order.
    timings_ms: Timings<'a>,
}

/// `cut`: the relative-excess rule.
#[derive(Serialize)]
struct MainCut {
    /// Always `relative_excess`.
    rule: &'static str,
    /// The ratio (0.65).
    ratio: f64,
    /// Rows kept.
    keep: usize,
    /// Smallest kept score (`null` when nothing is kept).
    threshold: Option<f64>,
}

/// `fdr`: Benjamini–Hochberg.
#[derive(Serialize)]
struct FdrCut {
    /// Always `fdr`.
    rule: &'static str,
    /// The FDR level.
    level: f64,
    /// Number of tests (= n).
    tests: usize,
    /// Number of discoveries (= rows kept).
    discoveries: usize,
    /// Smallest discovered score.
    score_threshold: Option<f64>,
    /// The p-value at `score_threshold`.
    p_threshold: Option<f64>,
}

/// `expected_f1`: the expected-F1 rule.
#[derive(Serialize)]
struct F1Cut {
    /// Always `expected_f1`.
    rule: &'static str,
    /// Rows kept.
    keep: usize,
    /// Smallest kept score.
    threshold: Option<f64>,
    /// Expected number of relevant rows R̂.
    expected_relevant: Option<f64>,
}

/// One BIC value of the background's order selection.
#[derive(Serialize)]
struct Bic {
    /// The order.
    k: usize,
    /// BIC (z scale).
    bic: Option<f64>,
}

/// One background component (z scale).
#[derive(Serialize)]
struct Component {
    /// Mixture weight.
    weight: Option<f64>,
    /// Shape α.
    shape: Option<f64>,
    /// Rate λ.
    rate: Option<f64>,
    /// Shift c.
    shift: Option<f64>,
}

/// `background`: the fitted null model.
#[derive(Serialize)]
struct Background {
    /// Always `shifted_gamma_mixture`.
    model: &'static str,
    /// Always `fisher_z`.
    scale: &'static str,
    /// Always `bic`.
    selected_by: &'static str,
    /// Chosen order.
    k: usize,
    /// Largest order tried.
    max_k: usize,
    /// BIC per order tried.
    bic: Vec<Bic>,
    /// The chosen fit's components.
    components: Vec<Component>,
    /// Log-likelihood (z scale, body rows).
    log_likelihood: Option<f64>,
    /// Rows the fit saw.
    body_rows: usize,
    /// Top rows left out.
    excluded: usize,
    /// Bottom rows left out.
    low_outliers: usize,
    /// Largest body score (cosine).
    body_limit: Option<f64>,
    /// Rounds of removing discoveries.
    rounds: usize,
    /// Optimiser passes.
    passes: usize,
    /// Whether the optimiser converged.
    converged: bool,
    /// Why the optimiser stopped.
    stop: &'static str,
}

/// One radius entry.
#[derive(Serialize)]
struct Radius {
    /// The p-value.
    p_value: f64,
    /// The score (cosine) at which P(S ≥ s) = p.
    score: Option<f64>,
}

/// One of the top scores.
#[derive(Serialize)]
struct TopRow {
    /// 1-based rank.
    rank: usize,
    /// Row index in the input.
    row: usize,
    /// The score.
    score: Option<f64>,
    /// P(S ≥ s) under the background.
    p_value: Option<f64>,
    /// Posterior of relevance (expected-F1 model).
    posterior: Option<f64>,
    /// Kept by the default cut.
    kept: bool,
    /// A BH discovery.
    discovery: bool,
}

/// Step timings, written as an object in step order.
struct Timings<'a>(&'a [(&'static str, f64)]);

impl Serialize for Timings<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (what, secs) in self.0 {
            m.serialize_entry(what, &num(1e3 * secs))?;
        }
        m.end()
    }
}

/// A finite number, else `None` (written as `null`).
fn num(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

/// The threshold of a cut that kept rows, else `None`.
fn threshold(c: &simstat::calibrate::Cut) -> Option<f64> {
    (c.keep() > 0).then(|| c.threshold()).and_then(num)
}

/// The report as one JSON object (no trailing newline).
pub fn to_json(r: &Report) -> Result<String> {
    let bg = &r.background;
    let cal = &bg.calibrator;
    let doc = Doc {
        source: &r.source,
        format: format_name(r.format),
        n: r.n,
        cut: MainCut {
            rule: "relative_excess",
            ratio: RATIO,
            keep: r.main.keep(),
            threshold: threshold(&r.main),
        },
        fdr: FdrCut {
            rule: "fdr",
            level: r.fdr_level,
            tests: r.fdr.len(),
            discoveries: r.fdr.keep(),
            score_threshold: threshold(&r.fdr),
            p_threshold: threshold(&r.fdr).and_then(|t| num(cal.p_value(t))),
        },
        expected_f1: F1Cut {
            rule: "expected_f1",
            keep: r.f1.keep(),
            threshold: threshold(&r.f1),
            expected_relevant: r.f1.relevance().and_then(|m| num(m.expected_relevant)),
        },
        background: Background {
            model: "shifted_gamma_mixture",
            scale: "fisher_z",
            selected_by: "bic",
            k: bg.fit.len(),
            max_k: bg.tried,
            bic: (bg.bic[..bg.tried].iter().enumerate())
                .map(|(i, &b)| Bic {
                    k: i + 1,
                    bic: num(b),
                })
                .collect(),
            components: (bg.fit.weights().iter().zip(bg.fit.components()))
                .map(|(&w, c)| Component {
                    weight: num(w),
                    shape: num(c.shape()),
                    rate: num(c.rate()),
                    shift: num(c.shift()),
                })
                .collect(),
            log_likelihood: num(bg.fit.log_likelihood()),
            body_rows: r.n - bg.excluded - bg.low_outliers,
            excluded: bg.excluded,
            low_outliers: bg.low_outliers,
            body_limit: num(bg.body_limit),
            rounds: bg.rounds,
            passes: bg.fit.passes(),
            converged: bg.fit.converged(),
            stop: bg.fit.stop_reason().name(),
        },
        radius: (r.radius.iter())
            .map(|&(p, s)| Radius {
                p_value: p,
                score: num(s),
            })
            .collect(),
        top: (r.top.iter().enumerate())
            .map(|(k, t)| TopRow {
                rank: k + 1,
                row: t.row,
                score: num(t.score),
                p_value: num(t.p_value),
                posterior: num(t.posterior),
                kept: r.kept(t.score),
                discovery: r.discovery(t.score),
            })
            .collect(),
        timings_ms: Timings(&r.timings),
    };
    serde_json::to_string(&doc).map_err(|e| CliError::input(format!("writing JSON: {e}")))
}
