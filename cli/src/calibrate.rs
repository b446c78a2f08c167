//! `simstat calibrate`: the three cuts of a query's scores, the background, p-values of the top
//! scores, and the report (text, JSON, SVG).
use crate::args::{CalibrateArgs, ScoreFormat};
use crate::error::{CliError, Result};
use crate::input::{self, Loaded, Scores};
use crate::progress::{self, Progress};
use crate::{report_json, report_text, svg_panels};
use simstat::calibrate::{
    cut, cut_f32, cut_f32_with_background, cut_scratch_len, cut_with_background, Background,
    CalibrateError, Cut, CutOptions, CutRule,
};
use std::io::Write as _;
use std::time::Instant;

/// The embedded real data: raw little-endian f64 scores.
const EMBEDDED: &[u8] = include_bytes!("../../tests/data/sims/h04_minilm_l6.f64");

/// How the embedded data is named in the reports.
const EMBEDDED_NAME: &str = "embedded: query h04 × 6544 docstring paragraphs (all-MiniLM-L6-v2)";

/// Ratio of the default rule (as in [`CutOptions::default`]).
pub const RATIO: f64 = 0.65;

/// p-values at which the radius is reported.
const RADIUS_P: [f64; 2] = [1e-3, 1e-6];

/// One of the top scores.
pub struct Top {
    /// Row index in the input.
    pub row: usize,
    /// The score (cosine).
    pub score: f64,
    /// P(S ≥ score) under the background.
    pub p_value: f64,
    /// Posterior of relevance under the expected-F1 cut's model.
    pub posterior: f64,
}

/// Everything the reports print.
pub struct Report {
    /// Where the scores came from.
    pub source: String,
    /// The format they were read in.
    pub format: ScoreFormat,
    /// Number of scores.
    pub n: usize,
    /// The `--fdr` level.
    pub fdr_level: f64,
    /// The lower median (what the default rule measures from).
    pub median: f64,
    /// The second-highest score (the default rule's anchor).
    pub anchor: f64,
    /// The default rule's cut.
    pub main: Cut,
    /// Benjamini–Hochberg against the background; its background is the one reported.
    pub fdr: Cut,
    /// Expected F1; its relevance model gives the posteriors.
    pub f1: Cut,
    /// (p-value, score) pairs: the radius a vector database can take as `score_threshold`.
    pub radius: Vec<(f64, f64)>,
    /// The top scores, by decreasing score.
    pub top: Vec<Top>,
    /// Seconds per step.
    pub timings: Vec<(&'static str, f64)>,
    /// The background of the Fdr cut (a copy, so it is always present).
    pub background: Background,
}

impl Report {
    /// Whether the default cut keeps score `s`.
    pub fn kept(&self, s: f64) -> bool {
        self.main.keep() > 0 && s >= self.main.threshold()
    }

    /// Whether BH calls score `s` a discovery.
    pub fn discovery(&self, s: f64) -> bool {
        self.fdr.keep() > 0 && s >= self.fdr.threshold()
    }
}

/// Runs `simstat calibrate`.
pub fn run(args: &CalibrateArgs) -> Result<()> {
    let show = progress::enabled(args.quiet);
    let t = Instant::now();
    let loaded = match &args.input {
        None => Loaded {
            scores: input::parse(EMBEDDED_NAME, EMBEDDED, ScoreFormat::F64)?,
            format: ScoreFormat::F64,
            source: EMBEDDED_NAME.into(),
        },
        Some(p) => input::load(p, args.format, args.quiet || args.json, show)?,
    };
    let timings = vec![("read", t.elapsed().as_secs_f64())];
    let report = build(&loaded, args, timings, show)?;
    if let Some(path) = &args.svg {
        let t = Instant::now();
        let svg = svg_panels::render(&loaded.scores, &report);
        std::fs::write(path, svg)
            .map_err(|e| CliError::input(format!("cannot write {}: {e}", path.display())))?;
        if !args.quiet {
            eprintln!(
                "wrote {} ({:.1} ms)",
                path.display(),
                1e3 * t.elapsed().as_secs_f64()
            );
        }
    }
    let out = if args.json {
        report_json::to_json(&report)? + "\n"
    } else {
        report_text::render(&report)
    };
    // A closed pipe (`| head`) is not an error worth a panic.
    let _ = std::io::stdout().write_all(out.as_bytes());
    Ok(())
}

/// One cut on the scores in their own precision: against `bg` when a background was fitted
/// before (no second fit), else by [`cut`] (which fits one for the model-based rules).
fn cut_scores(
    s: &Scores,
    opts: &CutOptions,
    bg: Option<&Background>,
    scratch: &mut [f64],
) -> std::result::Result<Cut, CalibrateError> {
    match (s, bg) {
        (Scores::F64(v), None) => cut(v, opts, scratch),
        (Scores::F32(v), None) => cut_f32(v, opts, scratch),
        (Scores::F64(v), Some(bg)) => cut_with_background(v, bg, opts, scratch),
        (Scores::F32(v), Some(bg)) => cut_f32_with_background(v, bg, opts, scratch),
    }
}

/// Runs one cut under a spinner when it fits a background (none is given for a model-based
/// rule), recording its time.
fn timed_cut(
    loaded: &Loaded,
    rule: CutRule,
    bg: Option<&Background>,
    scratch: &mut [f64],
    what: &'static str,
    timings: &mut Vec<(&'static str, f64)>,
    show: bool,
) -> Result<Cut> {
    let opts = CutOptions {
        rule,
        ..CutOptions::default()
    };
    let fits = bg.is_none() && !matches!(rule, CutRule::RelativeExcess { .. });
    let spin = Progress::spinner(show && fits, what);
    let t = Instant::now();
    let c = cut_scores(&loaded.scores, &opts, bg, scratch)
        .map_err(|e| CliError::input(format!("{}: {what}: {e}", loaded.source)))?;
    timings.push((what, t.elapsed().as_secs_f64()));
    spin.finish();
    Ok(c)
}

/// Row indices of the `k` highest scores, by decreasing score.
fn top_rows(scores: &Scores, k: usize) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..scores.len()).collect();
    let by_score = |a: &usize, b: &usize| scores.get(*b).total_cmp(&scores.get(*a));
    let k = k.min(idx.len());
    if k > 0 && k < idx.len() {
        idx.select_nth_unstable_by(k - 1, by_score);
    }
    idx.truncate(k);
    idx.sort_unstable_by(by_score);
    idx
}

/// The lower median and the second-highest score (as [`CutRule::RelativeExcess`] reads them).
fn median_and_anchor(scores: &Scores) -> (f64, f64) {
    let mut v: Vec<f64> = scores.iter().collect();
    if v.is_empty() {
        return (f64::NAN, f64::NAN);
    }
    let mid = (v.len() - 1) / 2;
    let (_, &mut median, upper) = v.select_nth_unstable_by(mid, f64::total_cmp);
    let mut best = [median; 2];
    for &x in upper.iter() {
        if x > best[0] {
            best = [x, best[0]];
        } else if x > best[1] {
            best[1] = x;
        }
    }
    (median, best[1])
}

/// The three cuts, p-values, posteriors and radius.
fn build(
    loaded: &Loaded,
    args: &CalibrateArgs,
    mut timings: Vec<(&'static str, f64)>,
    show: bool,
) -> Result<Report> {
    let n = loaded.scores.len();
    let mut scratch = vec![0.0; cut_scratch_len(n)];
    let mut run =
        |rule, bg, what| timed_cut(loaded, rule, bg, &mut scratch, what, &mut timings, show);
    let main = run(
        CutRule::RelativeExcess { ratio: RATIO },
        None,
        "cut: relative excess (no fit)",
    )?;
    let fdr = run(
        CutRule::Fdr { q: args.fdr },
        None,
        "cut: BH (fits the background)",
    )?;
    let missing = |what: &str| CliError::input(format!("{}: {what}", loaded.source));
    let bg = fdr
        .background()
        .ok_or_else(|| missing("the Fdr cut returned no background"))?
        .clone();
    // The same background decides the expected-F1 cut (one fit for both rules).
    let f1 = run(
        CutRule::ExpectedF1,
        Some(&bg),
        "cut: expected F1 (same background + relevant)",
    )?;
    let t = Instant::now();
    let f1_bg = f1
        .background()
        .ok_or_else(|| missing("the expected-F1 cut returned no background"))?;
    let rel = f1
        .relevance()
        .ok_or_else(|| missing("the expected-F1 cut returned no relevance model"))?;
    let top = top_rows(&loaded.scores, args.top)
        .into_iter()
        .map(|row| {
            let s = loaded.scores.get(row);
            Top {
                row,
                score: s,
                p_value: bg.calibrator.p_value(s),
                posterior: rel.posterior(s, &f1_bg.calibrator),
            }
        })
        .collect();
    let radius = RADIUS_P
        .iter()
        .map(|&p| (p, bg.calibrator.score_at_p_value(p).unwrap_or(f64::NAN)))
        .collect();
    timings.push(("p-values, posteriors, radius", t.elapsed().as_secs_f64()));
    let (median, anchor) = median_and_anchor(&loaded.scores);
    Ok(Report {
        source: loaded.source.clone(),
        format: loaded.format,
        n,
        fdr_level: args.fdr,
        median,
        anchor,
        main,
        fdr,
        f1,
        radius,
        top,
        timings,
        background: bg,
    })
}
