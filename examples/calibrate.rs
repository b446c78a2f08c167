//! The main job: how many of a query's top results to return, from its scores against the whole
//! corpus (hits included), with the background that decision is checked against.
//!
//! ```sh
//! cargo run --release --example calibrate                      # embedded real data
//! cargo run --release --example calibrate -- --input FILE      # your scores (text, f64 or f32)
//! cargo run --release --example calibrate -- --json            # the same report as JSON
//! cargo run --release --example calibrate -- --svg plot.svg    # histogram, background, tail, cuts
//! ```
//! Options: `--fdr Q` (default 0.05), `--top N` (default 10), `--format text|f64|f32` (default
//! auto).
//!
//! Inputs (`--input FILE`): text (one score per line, blank lines and `#` comments skipped),
//! raw little-endian f64, or raw little-endian f32; every score finite and in [−1, 1]. Auto
//! detection: a file of printable UTF-8 is text; otherwise it is read as f64 if its size is a
//! multiple of 8 and every value is finite, in [−1, 1] and not all within ±2⁻⁶, else as f32 by
//! the same test (f32 files are read in place by [`cut_f32`]). The ±2⁻⁶ test matters: the f64
//! reading of an f32 file of an even count pairs two f32 values into one f64 whose magnitude is
//! below 2⁻⁶, so it is always finite and in range; it is never a plausible score set. When both
//! readings pass, or neither, the file is refused (the message names the first bad value and its
//! byte offset) and `--format` decides.
//!
//! The text report, in order:
//! 1. `scores`: count, source and format.
//! 2. The decision, by the default rule [`CutRule::RelativeExcess`] (ratio 0.65, no fit): "return
//!    the top K results (threshold s ≥ t)", with the median and the anchor (second-highest score)
//!    it is measured from.
//! 3. The same decision by [`CutRule::Fdr`] (Benjamini–Hochberg at `--fdr` against the
//!    background) and [`CutRule::ExpectedF1`] (with the expected number of relevant rows R̂).
//! 4. The background (of the Fdr cut, [`Cut::background`]): order K chosen by BIC over 1..3 on
//!    Fisher z = atanh(cosine), fitted on the body with the top rows left out; BIC per order and
//!    the log-likelihood (z scale, body rows), each component's weight, α, λ, c (z scale), and
//!    the radius a vector database can take as `score_threshold`:
//!    [`Calibrator::score_at_p_value`] at 1e-3 and 1e-6 (cosine).
//! 5. The top scores (cosine) with their p-value P(S ≥ s) under the background, their posterior
//!    of relevance under the ExpectedF1 cut's model ([`simstat::calibrate::RelevanceModel::posterior`]), whether the
//!    default cut keeps them and whether BH calls them discoveries.
//! 6. The time of each step.
//!
//! JSON (`--json`), one object; non-finite numbers are `null`:
//! * `source`, `format` (`"text"`, `"f64"` or `"f32"`), `n`;
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
//!
//! The SVG (`--svg FILE`) has two panels: the histogram with the background's expected count
//! per bin, and the upper tail on a log axis (empirical P(S ≥ s), the background's p-value, the
//! top scores), both with the three cuts as vertical lines.
//!
//! The embedded data: cosine similarities of one real query (held-out docstring paragraph
//! "h04") against 6544 CPython docstring paragraphs, all-MiniLM-L6-v2.
use simstat::calibrate::{
    cut, cut_f32, cut_scratch_len, Background, CalibrateError, Calibrator, Cut, CutOptions, CutRule,
};
use std::fmt::Write as _;
use std::io::Write as _;
use std::time::Instant;

const EMBEDDED: &[u8] = include_bytes!("../tests/data/sims/h04_minilm_l6.f64");
const EMBEDDED_NAME: &str = "embedded: query h04 × 6544 docstring paragraphs (all-MiniLM-L6-v2)";

/// Ratio of the default rule (as in [`CutOptions::default`]).
const RATIO: f64 = 0.65;

/// p-values at which the radius is reported.
const RADIUS_P: [f64; 2] = [1e-3, 1e-6];

/// A raw reading whose every value lies within ±this is not taken as scores in auto mode.
const TINY: f64 = 1.0 / 64.0;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Format {
    Text,
    F64,
    F32,
}

impl Format {
    fn describe(self) -> &'static str {
        match self {
            Format::Text => "one score per line",
            Format::F64 => "raw little-endian f64",
            Format::F32 => "raw little-endian f32, read in place",
        }
    }

    fn name(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::F64 => "f64",
            Format::F32 => "f32",
        }
    }
}

struct Args {
    input: Option<String>,
    format: Option<Format>,
    json: bool,
    svg: Option<String>,
    fdr: f64,
    top: usize,
}

const USAGE: &str = "usage: calibrate [--input FILE] [--format text|f64|f32] [--json] [--svg FILE] [--fdr Q] [--top N]";

fn parse_args() -> Result<Args, String> {
    let mut a = Args {
        input: None,
        format: None,
        json: false,
        svg: None,
        fdr: 0.05,
        top: 10,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--input" => a.input = Some(it.next().ok_or("--input needs a file")?),
            "--format" => {
                a.format = Some(match it.next().as_deref() {
                    Some("text") => Format::Text,
                    Some("f64") => Format::F64,
                    Some("f32") => Format::F32,
                    _ => return Err("--format needs text, f64 or f32".into()),
                });
            }
            "--json" => a.json = true,
            "--svg" => a.svg = Some(it.next().ok_or("--svg needs a file")?),
            "--fdr" => {
                a.fdr = it
                    .next()
                    .and_then(|s| s.parse().ok())
                    .ok_or("--fdr needs a number")?;
                if !(a.fdr > 0.0 && a.fdr < 1.0) {
                    return Err("--fdr must be in (0, 1)".into());
                }
            }
            "--top" => {
                a.top = it
                    .next()
                    .and_then(|s| s.parse().ok())
                    .ok_or("--top needs a count")?;
            }
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other:?} (try --help)")),
        }
    }
    if a.format.is_some() && a.input.is_none() {
        return Err("--format applies to --input".into());
    }
    Ok(a)
}

/// A query's scores, in the precision they were read in (f32 is never copied to f64).
enum Scores {
    F64(Vec<f64>),
    F32(Vec<f32>),
}

impl Scores {
    fn len(&self) -> usize {
        match self {
            Scores::F64(v) => v.len(),
            Scores::F32(v) => v.len(),
        }
    }

    fn get(&self, i: usize) -> f64 {
        match self {
            Scores::F64(v) => v[i],
            Scores::F32(v) => f64::from(v[i]),
        }
    }

    fn iter(&self) -> impl Iterator<Item = f64> + '_ {
        (0..self.len()).map(|i| self.get(i))
    }

    fn cut(&self, opts: &CutOptions, scratch: &mut [f64]) -> Result<Cut, CalibrateError> {
        match self {
            Scores::F64(v) => cut(v, opts, scratch),
            Scores::F32(v) => cut_f32(v, opts, scratch),
        }
    }
}

fn raw_f64(bytes: &[u8]) -> Vec<f64> {
    bytes
        .chunks_exact(8)
        .map(|c| f64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]))
        .collect()
}

fn raw_f32(bytes: &[u8]) -> Vec<f32> {
    bytes
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect()
}

fn is_score(v: f64) -> bool {
    v.is_finite() && (-1.0..=1.0).contains(&v)
}

/// Why a raw reading (`width` 8: f64, 4: f32) is not a score set: `None` when it is one.
fn raw_problem(bytes: &[u8], width: usize) -> Option<String> {
    let name = if width == 8 { "f64" } else { "f32" };
    if !bytes.len().is_multiple_of(width) {
        return Some(format!(
            "as {name}: size {} is not a multiple of {width}",
            bytes.len()
        ));
    }
    let bad = if width == 8 {
        let v = raw_f64(bytes);
        v.iter()
            .position(|&x| !is_score(x))
            .map(|i| (i, format!("{:e}", v[i])))
    } else {
        let v = raw_f32(bytes);
        v.iter()
            .position(|&x| !is_score(f64::from(x)))
            .map(|i| (i, format!("{:e}", v[i])))
    };
    bad.map(|(i, v)| {
        format!(
            "as {name}: value {} (byte offset {}) is {v}, not a finite score in [-1, 1]",
            i + 1,
            i * width
        )
    })
}

/// Why a raw reading is not taken in auto mode: [`raw_problem`], or every value within ±[`TINY`].
fn auto_problem(bytes: &[u8], width: usize) -> Option<String> {
    if let Some(p) = raw_problem(bytes, width) {
        return Some(p);
    }
    let largest = if width == 8 {
        raw_f64(bytes).iter().fold(0.0, |m: f64, v| m.max(v.abs()))
    } else {
        raw_f32(bytes)
            .iter()
            .fold(0.0, |m: f64, &v| m.max(f64::from(v).abs()))
    };
    (largest < TINY).then(|| {
        let why = if width == 8 {
            " (the f64 reading of an f32 file looks like this)"
        } else {
            ""
        };
        format!(
            "as {}: every value is within ±{TINY}{why}",
            if width == 8 { "f64" } else { "f32" }
        )
    })
}

/// Printable UTF-8 (tabs and line breaks allowed): read as text.
fn looks_like_text(bytes: &[u8]) -> bool {
    std::str::from_utf8(bytes).is_ok()
        && bytes
            .iter()
            .all(|&b| b >= 0x20 || b == b'\t' || b == b'\n' || b == b'\r')
}

/// The format of a file whose format was not given (see the module documentation).
fn detect(path: &str, bytes: &[u8]) -> Result<Format, String> {
    if looks_like_text(bytes) {
        return Ok(Format::Text);
    }
    match (auto_problem(bytes, 8), auto_problem(bytes, 4)) {
        (None, Some(_)) => Ok(Format::F64),
        (Some(_), None) => Ok(Format::F32),
        (None, None) => Err(format!(
            "{path}: reads as raw f64 and as raw f32 scores alike; pass --format f64 or --format f32"
        )),
        (Some(p64), Some(p32)) => Err(format!(
            "{path}: neither text nor raw scores: {p64}; {p32} (--format text|f64|f32 forces a reading)"
        )),
    }
}

/// Scores of a text file: one per line, blank lines and `#` comments skipped.
fn parse_text(path: &str, bytes: &[u8]) -> Result<Vec<f64>, String> {
    let text = std::str::from_utf8(bytes).map_err(|e| format!("{path}: not UTF-8 text: {e}"))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let v: f64 = line
            .parse()
            .map_err(|_| format!("{path}:{}: not a number: {line:?}", i + 1))?;
        if !is_score(v) {
            return Err(format!(
                "{path}:{}: {line:?} is not a finite score in [-1, 1]",
                i + 1
            ));
        }
        out.push(v);
    }
    Ok(out)
}

/// Reads a score file in `format`, or in the detected format (printed on stderr unless `quiet`).
fn read_scores(
    path: &str,
    format: Option<Format>,
    quiet: bool,
) -> Result<(Scores, Format), String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {path}: {e}"))?;
    let fmt = match format {
        Some(f) => f,
        None => {
            let f = detect(path, &bytes)?;
            if !quiet {
                eprintln!(
                    "calibrate: {path}: detected format {} ({})",
                    f.name(),
                    f.describe()
                );
            }
            f
        }
    };
    let scores = match fmt {
        Format::Text => Scores::F64(parse_text(path, &bytes)?),
        Format::F64 => {
            if let Some(p) = raw_problem(&bytes, 8) {
                return Err(format!("{path}: {p}"));
            }
            Scores::F64(raw_f64(&bytes))
        }
        Format::F32 => {
            if let Some(p) = raw_problem(&bytes, 4) {
                return Err(format!("{path}: {p}"));
            }
            Scores::F32(raw_f32(&bytes))
        }
    };
    Ok((scores, fmt))
}

/// One of the top scores.
struct Top {
    row: usize,
    score: f64,
    p_value: f64,
    posterior: f64,
}

struct Report {
    source: String,
    format: Format,
    n: usize,
    fdr_level: f64,
    /// Median and second-highest score (what the default rule measures from).
    median: f64,
    anchor: f64,
    /// The default rule's cut.
    main: Cut,
    /// Benjamini–Hochberg against the background; its background is the one reported.
    fdr: Cut,
    /// Expected F1; its relevance model gives the posteriors.
    f1: Cut,
    radius: Vec<(f64, f64)>,
    top: Vec<Top>,
    timings: Vec<(&'static str, f64)>,
}

impl Report {
    fn background(&self) -> &Background {
        self.fdr
            .background()
            .expect("the Fdr rule always returns its background")
    }

    fn kept(&self, s: f64) -> bool {
        self.main.keep() > 0 && s >= self.main.threshold()
    }

    fn discovery(&self, s: f64) -> bool {
        self.fdr.keep() > 0 && s >= self.fdr.threshold()
    }
}

fn fail(msg: &str) -> ! {
    eprintln!("calibrate: {msg}");
    std::process::exit(1);
}

fn main() {
    let args = parse_args().unwrap_or_else(|e| {
        eprintln!("calibrate: {e}");
        std::process::exit(2);
    });
    let mut timings = Vec::new();
    let t = Instant::now();
    let (scores, format, source) = match &args.input {
        None => (
            Scores::F64(raw_f64(EMBEDDED)),
            Format::F64,
            EMBEDDED_NAME.into(),
        ),
        Some(p) => match read_scores(p, args.format, args.json) {
            Ok((s, f)) => (s, f, p.clone()),
            Err(e) => fail(&e),
        },
    };
    timings.push(("read", t.elapsed().as_secs_f64()));
    match build_report(&scores, format, source, &args, timings) {
        Ok(report) => {
            if let Some(path) = &args.svg {
                let t = Instant::now();
                let svg = render_svg(&scores, &report);
                if let Err(e) = std::fs::write(path, svg) {
                    fail(&format!("cannot write {path}: {e}"));
                }
                eprintln!("wrote {path} ({:.1} ms)", 1e3 * t.elapsed().as_secs_f64());
            }
            let out = if args.json {
                to_json(&report) + "\n"
            } else {
                text_report(&report)
            };
            // A closed pipe (`| head`) is not an error worth a panic.
            let _ = std::io::stdout().write_all(out.as_bytes());
        }
        Err(e) => fail(&e),
    }
}

/// Runs one cut, recording its time.
fn timed_cut(
    scores: &Scores,
    rule: CutRule,
    scratch: &mut [f64],
    what: &'static str,
    timings: &mut Vec<(&'static str, f64)>,
) -> Result<Cut, String> {
    let opts = CutOptions {
        rule,
        ..CutOptions::default()
    };
    let t = Instant::now();
    let c = scores
        .cut(&opts, scratch)
        .map_err(|e| format!("{what}: {e}"))?;
    timings.push((what, t.elapsed().as_secs_f64()));
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

fn build_report(
    scores: &Scores,
    format: Format,
    source: String,
    args: &Args,
    mut timings: Vec<(&'static str, f64)>,
) -> Result<Report, String> {
    let n = scores.len();
    let mut scratch = vec![0.0; cut_scratch_len(n)];
    let main = timed_cut(
        scores,
        CutRule::RelativeExcess { ratio: RATIO },
        &mut scratch,
        "cut: relative excess (no fit)",
        &mut timings,
    )?;
    let fdr = timed_cut(
        scores,
        CutRule::Fdr { q: args.fdr },
        &mut scratch,
        "cut: BH (fits the background)",
        &mut timings,
    )?;
    let f1 = timed_cut(
        scores,
        CutRule::ExpectedF1,
        &mut scratch,
        "cut: expected F1 (background + relevant)",
        &mut timings,
    )?;
    let t = Instant::now();
    let bg = fdr
        .background()
        .ok_or("the Fdr cut returned no background")?;
    let cal = &bg.calibrator;
    let f1_bg = f1
        .background()
        .ok_or("the expected-F1 cut returned no background")?;
    let rel = f1
        .relevance()
        .ok_or("the expected-F1 cut returned no relevance model")?;
    let top = top_rows(scores, args.top)
        .into_iter()
        .map(|row| {
            let s = scores.get(row);
            Top {
                row,
                score: s,
                p_value: cal.p_value(s),
                posterior: rel.posterior(s, &f1_bg.calibrator),
            }
        })
        .collect();
    let radius = RADIUS_P
        .iter()
        .map(|&p| (p, cal.score_at_p_value(p).unwrap_or(f64::NAN)))
        .collect();
    timings.push(("p-values, posteriors, radius", t.elapsed().as_secs_f64()));
    let (median, anchor) = median_and_anchor(scores);
    Ok(Report {
        source,
        format,
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
    })
}

/// "the top K results (threshold s ≥ t)" or "nothing".
fn decision(c: &Cut) -> String {
    match c.keep() {
        0 => "return nothing".into(),
        1 => format!("return the top result (threshold s ≥ {:.4})", c.threshold()),
        k => format!(
            "return the top {k} results (threshold s ≥ {:.4})",
            c.threshold()
        ),
    }
}

fn text_report(r: &Report) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "scores: {} ({}; {})", r.n, r.source, r.format.name());
    let _ = writeln!(o);
    let _ = writeln!(
        o,
        "decision, relative excess at ratio {RATIO} (no model fitted):"
    );
    let _ = writeln!(o, "  {}", decision(&r.main));
    let _ = writeln!(o,
        "  keeps s with atanh(s) ≥ m + {RATIO}·(atanh(s₍₂₎) − m), m = atanh(median); median {:.4}, s₍₂₎ = {:.4} (cosine)",
        r.median, r.anchor
    );
    let _ = writeln!(o, "the same decision by the model-based rules:");
    let _ = writeln!(
        o,
        "  Benjamini–Hochberg at FDR {} against the background: {}",
        r.fdr_level,
        decision(&r.fdr)
    );
    let rel = r.f1.relevance().map_or(f64::NAN, |m| m.expected_relevant);
    let _ = writeln!(
        o,
        "  expected F1 (background + relevant rows, R̂ = {rel:.1} expected relevant): {}",
        decision(&r.f1)
    );
    let _ = writeln!(o);
    text_background(&mut o, r);
    let _ = writeln!(o);
    let _ = writeln!(
        o,
        "top {} scores (cosine): p-value P(S ≥ s) under the background, posterior of relevance",
        r.top.len()
    );
    let _ = writeln!(
        o,
        "(expected-F1 model), kept by the decision, BH discovery:"
    );
    let _ = writeln!(
        o,
        "  {:>6}  {:>8}  {:>11}  {:>9}  {:>4}  {:>3}",
        "row", "score", "p-value", "posterior", "kept", "BH"
    );
    let yn = |b: bool| if b { "yes" } else { "no" };
    for t in &r.top {
        let _ = writeln!(
            o,
            "  {:>6}  {:>8.4}  {:>11.3e}  {:>9.4}  {:>4}  {:>3}",
            t.row,
            t.score,
            t.p_value,
            t.posterior,
            yn(r.kept(t.score)),
            yn(r.discovery(t.score))
        );
    }
    let _ = writeln!(o);
    let _ = writeln!(o, "time:");
    for (what, s) in &r.timings {
        let _ = writeln!(o, "  {what:<42} {:>9.3} ms", 1e3 * s);
    }
    o
}

fn text_background(o: &mut String, r: &Report) {
    let bg = r.background();
    let _ = writeln!(o,
        "background: K = {} (BIC over 1..{}), fitted on Fisher z = atanh(cosine), top {} rows left out",
        bg.fit.len(),
        bg.tried,
        bg.excluded
    );
    if bg.excluded > 0 {
        let _ = writeln!(
            o,
            "  body: the {} rows with cosine ≤ {:.4} ({} rounds of removing BH discoveries)",
            r.n - bg.excluded - bg.low_outliers,
            bg.body_limit,
            bg.rounds
        );
    }
    if bg.low_outliers > 0 {
        let _ = writeln!(
            o,
            "  {} far low outlier(s) left out too (more than {} interquartile ranges below the lower quartile, e.g. a score of -1)",
            bg.low_outliers,
            simstat::calibrate::LOW_FENCE_IQR
        );
    }
    let bics: Vec<String> = bg.bic[..bg.tried]
        .iter()
        .enumerate()
        .filter(|(_, b)| b.is_finite())
        .map(|(i, b)| {
            let mark = if i + 1 == bg.fit.len() { " ←" } else { "" };
            format!("K = {}: {b:.2}{mark}", i + 1)
        })
        .collect();
    let _ = writeln!(o, "  BIC (z scale, body rows): {}", bics.join(", "));
    let _ = writeln!(
        o,
        "  log-likelihood (z scale, body rows) = {:.4}; optimiser {}",
        bg.fit.log_likelihood(),
        bg.fit.stop_reason()
    );
    for (i, (w, c)) in bg.fit.weights().iter().zip(bg.fit.components()).enumerate() {
        let _ = writeln!(
            o,
            "  component {}: weight {w:.4}, α = {:.4}, λ = {:.4}, c = {:.4} (z scale)",
            i + 1,
            c.shape(),
            c.rate(),
            c.shift(),
        );
    }
    let radius: Vec<String> = r
        .radius
        .iter()
        .map(|&(p, s)| format!("p ≤ {p:.0e} at s ≥ {s:.4}"))
        .collect();
    let _ = writeln!(
        o,
        "  radius for a vector database's score_threshold (cosine): {}",
        radius.join(", ")
    );
}

fn json_num(x: f64) -> String {
    if x.is_finite() {
        format!("{x:e}")
    } else {
        "null".into()
    }
}

fn json_str(s: &str) -> String {
    let mut o = String::from("\"");
    for ch in s.chars() {
        match ch {
            '"' => o.push_str("\\\""),
            '\\' => o.push_str("\\\\"),
            c if (c as u32) < 0x20 => {
                let _ = write!(o, "\\u{:04x}", c as u32);
            }
            c => o.push(c),
        }
    }
    o.push('"');
    o
}

/// Items joined by commas inside `open` … `close`.
fn json_list(open: char, items: impl Iterator<Item = String>, close: char) -> String {
    let body: Vec<String> = items.collect();
    format!("{open}{}{close}", body.join(","))
}

fn json_background(r: &Report) -> String {
    let bg = r.background();
    let bic = json_list(
        '[',
        bg.bic[..bg.tried]
            .iter()
            .enumerate()
            .map(|(i, b)| format!("{{\"k\":{},\"bic\":{}}}", i + 1, json_num(*b))),
        ']',
    );
    let comps = json_list(
        '[',
        bg.fit
            .weights()
            .iter()
            .zip(bg.fit.components())
            .map(|(w, c)| {
                format!(
                    "{{\"weight\":{},\"shape\":{},\"rate\":{},\"shift\":{}}}",
                    json_num(*w),
                    json_num(c.shape()),
                    json_num(c.rate()),
                    json_num(c.shift())
                )
            }),
        ']',
    );
    format!(
        "{{\"model\":\"shifted_gamma_mixture\",\"scale\":\"fisher_z\",\"selected_by\":\"bic\",\"k\":{},\"max_k\":{},\"bic\":{bic},\"components\":{comps},\"log_likelihood\":{},\"body_rows\":{},\"excluded\":{},\"low_outliers\":{},\"body_limit\":{},\"rounds\":{},\"passes\":{},\"converged\":{},\"stop\":\"{}\"}}",
        bg.fit.len(),
        bg.tried,
        json_num(bg.fit.log_likelihood()),
        r.n - bg.excluded - bg.low_outliers,
        bg.excluded,
        bg.low_outliers,
        json_num(bg.body_limit),
        bg.rounds,
        bg.fit.passes(),
        bg.fit.converged(),
        bg.fit.stop_reason().name()
    )
}

fn to_json(r: &Report) -> String {
    let cal = &r.background().calibrator;
    let mut o = String::new();
    let _ = write!(
        o,
        "{{\"source\":{},\"format\":\"{}\",\"n\":{},",
        json_str(&r.source),
        r.format.name(),
        r.n
    );
    let _ = write!(
        o,
        "\"cut\":{{\"rule\":\"relative_excess\",\"ratio\":{RATIO},\"keep\":{},\"threshold\":{}}},",
        r.main.keep(),
        json_num(r.main.threshold())
    );
    let p_threshold = if r.fdr.keep() > 0 {
        cal.p_value(r.fdr.threshold())
    } else {
        f64::NAN
    };
    let _ = write!(
        o,
        "\"fdr\":{{\"rule\":\"fdr\",\"level\":{},\"tests\":{},\"discoveries\":{},\"score_threshold\":{},\"p_threshold\":{}}},",
        json_num(r.fdr_level),
        r.fdr.len(),
        r.fdr.keep(),
        json_num(r.fdr.threshold()),
        json_num(p_threshold)
    );
    let rel = r.f1.relevance().map_or(f64::NAN, |m| m.expected_relevant);
    let _ = write!(
        o,
        "\"expected_f1\":{{\"rule\":\"expected_f1\",\"keep\":{},\"threshold\":{},\"expected_relevant\":{}}},",
        r.f1.keep(),
        json_num(r.f1.threshold()),
        json_num(rel)
    );
    let _ = write!(o, "\"background\":{},", json_background(r));
    let radius = json_list(
        '[',
        r.radius
            .iter()
            .map(|&(p, s)| format!("{{\"p_value\":{},\"score\":{}}}", json_num(p), json_num(s))),
        ']',
    );
    let top = json_list(
        '[',
        r.top.iter().enumerate().map(|(k, t)| {
            format!(
                "{{\"rank\":{},\"row\":{},\"score\":{},\"p_value\":{},\"posterior\":{},\"kept\":{},\"discovery\":{}}}",
                k + 1,
                t.row,
                json_num(t.score),
                json_num(t.p_value),
                json_num(t.posterior),
                r.kept(t.score),
                r.discovery(t.score)
            )
        }),
        ']',
    );
    let timings = json_list(
        '{',
        r.timings
            .iter()
            .map(|(what, s)| format!("{}:{}", json_str(what), json_num(1e3 * s))),
        '}',
    );
    let _ = write!(
        o,
        "\"radius\":{radius},\"top\":{top},\"timings_ms\":{timings}}}"
    );
    o
}

// ---------------------------------------------------------------------------------------------
// SVG
// ---------------------------------------------------------------------------------------------

/// A cut drawn as a vertical line: label, threshold, colour, dash pattern.
struct CutLine {
    label: String,
    threshold: Option<f64>,
    colour: &'static str,
    dash: &'static str,
}

fn cut_lines(r: &Report) -> Vec<CutLine> {
    let line = |name: String, c: &Cut, colour, dash| CutLine {
        label: match c.keep() {
            0 => format!("{name}: nothing kept"),
            k => format!("{name}: top {k} (s ≥ {:.3})", c.threshold()),
        },
        threshold: (c.keep() > 0).then(|| c.threshold()),
        colour,
        dash,
    };
    vec![
        line(
            format!("relative excess {RATIO}"),
            &r.main,
            "#2ca02c",
            "6,3",
        ),
        line(format!("BH, FDR {}", r.fdr_level), &r.fdr, "#9467bd", "2,3"),
        line("expected F1".into(), &r.f1, "#ff7f0e", "9,3,2,3"),
    ]
}

/// A plot area: pixel box and value ranges (y may be log10 of the value).
struct Area {
    x: f64,
    y: f64,
    w: f64,
    h: f64,
    v0: f64,
    v1: f64,
    u0: f64,
    u1: f64,
}

impl Area {
    fn px(&self, v: f64) -> f64 {
        self.x + (v - self.v0) / (self.v1 - self.v0) * self.w
    }
    fn py(&self, u: f64) -> f64 {
        let t = ((u - self.u0) / (self.u1 - self.u0)).clamp(0.0, 1.0);
        self.y + self.h - t * self.h
    }
}

/// Round tick values covering [a, b], at most about `max` of them.
fn ticks(a: f64, b: f64, max: usize) -> (Vec<f64>, usize) {
    let raw = (b - a) / max.max(1) as f64;
    if raw <= 0.0 || !raw.is_finite() {
        return (vec![a], 2);
    }
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|&s| s >= raw)
        .unwrap_or(10.0 * mag);
    let decimals = (-(step.log10().floor())).max(0.0) as usize + usize::from(step / mag == 2.5);
    let first = (a / step).ceil() as i64;
    let last = (b / step).floor() as i64;
    ((first..=last).map(|i| i as f64 * step).collect(), decimals)
}

fn frame(o: &mut String, a: &Area, xlabel: &str, ylabel: &str) {
    let _ = write!(o, "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"none\" stroke=\"#333\"/>", a.x, a.y, a.w, a.h);
    let (xt, dec) = ticks(a.v0, a.v1, 6);
    for v in xt {
        let x = a.px(v);
        let _ = write!(o, "<line x1=\"{x:.1}\" y1=\"{:.1}\" x2=\"{x:.1}\" y2=\"{:.1}\" stroke=\"#333\"/><text x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{v:.dec$}</text>", a.y + a.h, a.y + a.h + 5.0, a.y + a.h + 18.0);
    }
    let _ = write!(
        o,
        "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{xlabel}</text>",
        a.x + a.w / 2.0,
        a.y + a.h + 38.0
    );
    let _ = write!(o, "<text transform=\"translate({:.1},{:.1}) rotate(-90)\" text-anchor=\"middle\">{ylabel}</text>", a.x - 50.0, a.y + a.h / 2.0);
}

fn polyline(o: &mut String, pts: &[(f64, f64)], colour: &str, width: f64, dash: &str) {
    let p: Vec<String> = pts
        .iter()
        .filter(|(x, y)| x.is_finite() && y.is_finite())
        .map(|(x, y)| format!("{x:.1},{y:.1}"))
        .collect();
    let _ = write!(o, "<polyline points=\"{}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"{width}\" stroke-dasharray=\"{dash}\"/>", p.join(" "));
}

/// The cuts as vertical lines; lines at the same threshold are drawn side by side, 3 px apart.
fn vlines(o: &mut String, a: &Area, cuts: &[CutLine]) {
    let mut drawn: Vec<f64> = Vec::new();
    for c in cuts {
        if let Some(t) = c.threshold.filter(|t| (a.v0..=a.v1).contains(t)) {
            let x0 = a.px(t);
            let x = x0 - 3.0 * drawn.iter().filter(|&&d| (d - x0).abs() < 2.0).count() as f64;
            drawn.push(x0);
            let _ = write!(o, "<line x1=\"{x:.1}\" y1=\"{:.1}\" x2=\"{x:.1}\" y2=\"{:.1}\" stroke=\"{}\" stroke-width=\"1.8\" stroke-dasharray=\"{}\"/>", a.y, a.y + a.h, c.colour, c.dash);
        }
    }
}

/// A legend box at (x, y): entries of (colour, dash, marker, label); marker "" draws a line.
fn legend(o: &mut String, x: f64, y: f64, entries: &[(&str, &str, &str, String)]) {
    let w = entries
        .iter()
        .map(|e| e.3.chars().count())
        .max()
        .unwrap_or(0) as f64
        * 6.6
        + 34.0;
    let _ = write!(o, "<g transform=\"translate({x:.1},{y:.1})\"><rect x=\"-6\" y=\"-6\" width=\"{w:.0}\" height=\"{}\" fill=\"white\" fill-opacity=\"0.9\" stroke=\"#ccc\"/>", entries.len() * 18 + 4);
    for (i, (colour, dash, marker, label)) in entries.iter().enumerate() {
        let yy = i as f64 * 18.0 + 6.0;
        if marker.is_empty() {
            let _ = write!(o, "<line x1=\"0\" y1=\"{yy}\" x2=\"18\" y2=\"{yy}\" stroke=\"{colour}\" stroke-width=\"2\" stroke-dasharray=\"{dash}\"/>");
        } else {
            let _ = write!(
                o,
                "<text x=\"9\" y=\"{}\" text-anchor=\"middle\" fill=\"{colour}\">{marker}</text>",
                yy + 4.0
            );
        }
        let _ = write!(o, "<text x=\"24\" y=\"{}\">{label}</text>", yy + 4.0);
    }
    o.push_str("</g>");
}

/// Two panels: left, the histogram with the background's expected count per bin; right, the
/// upper tail on a log axis (empirical P(S ≥ s), the background's p-value, the top scores),
/// clipped at p = 1e-12 at the lowest. Both mark the three cuts.
fn render_svg(scores: &Scores, r: &Report) -> String {
    let (w, h) = (1160.0, 540.0);
    let mut o = String::new();
    let _ = write!(o, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" font-family=\"sans-serif\" font-size=\"12\">");
    o.push_str("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>");
    let bg = r.background();
    let _ = write!(o, "<text x=\"70\" y=\"24\" font-size=\"15\" font-weight=\"bold\">{} scores: background K = {} (BIC over 1..{}) on Fisher z = atanh(cosine), top {} rows left out of the fit</text>", r.n, bg.fit.len(), bg.tried, bg.excluded);
    let comps: Vec<String> = bg
        .fit
        .weights()
        .iter()
        .zip(bg.fit.components())
        .map(|(w, c)| {
            format!(
                "{w:.3}·Γ(α {:.2}, λ {:.2}, c {:.3})",
                c.shape(),
                c.rate(),
                c.shift()
            )
        })
        .collect();
    let _ = write!(
        o,
        "<text x=\"70\" y=\"44\" fill=\"#444\">components (z scale): {}. Scores and thresholds on the cosine scale.</text>",
        comps.join(" + ")
    );
    let cuts = cut_lines(r);
    let mut desc: Vec<f64> = scores.iter().collect();
    desc.sort_unstable_by(|a, b| b.total_cmp(a));
    let pw = (w - 70.0 - 80.0 - 30.0) / 2.0;
    histogram_panel(
        &mut o,
        &desc,
        &bg.calibrator,
        &cuts,
        panel_area(70.0, pw, h),
    );
    tail_panel(&mut o, &desc, r, &cuts, panel_area(70.0 + pw + 80.0, pw, h));
    o.push_str("</svg>\n");
    o
}

/// Histogram of all scores and the background's expected count per bin, n·(P(S ≥ a) − P(S ≥ b)).
fn histogram_panel(o: &mut String, desc: &[f64], cal: &Calibrator, cuts: &[CutLine], mut a: Area) {
    let n = desc.len() as f64;
    let (lo, hi) = (desc[desc.len() - 1], desc[0]);
    let pad = 0.03 * (hi - lo).max(1e-6);
    a.v0 = (lo - pad).max(-1.0);
    a.v1 = (hi + pad).min(1.0);
    let bins = 80;
    let bw = (a.v1 - a.v0) / bins as f64;
    let mut counts = vec![0usize; bins];
    for &s in desc {
        let b = (((s - a.v0) / bw).max(0.0) as usize).min(bins - 1);
        counts[b] += 1;
    }
    let expected: Vec<(f64, f64)> = (0..bins)
        .map(|b| {
            let (x0, x1) = (a.v0 + b as f64 * bw, a.v0 + (b + 1) as f64 * bw);
            (0.5 * (x0 + x1), n * (cal.p_value(x0) - cal.p_value(x1)))
        })
        .collect();
    let top = counts
        .iter()
        .map(|&c| c as f64)
        .chain(expected.iter().map(|e| e.1))
        .fold(1.0, f64::max);
    a.u1 = top * 1.08;
    for (b, &c) in counts.iter().enumerate() {
        let x0 = a.px(a.v0 + b as f64 * bw);
        let x1 = a.px(a.v0 + (b + 1) as f64 * bw);
        let y = a.py(c as f64);
        let _ = write!(o, "<rect x=\"{x0:.1}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"#9ecae1\" stroke=\"#6baed6\" stroke-width=\"0.5\"/>", x1 - x0, a.py(0.0) - y);
    }
    let pts: Vec<(f64, f64)> = expected.iter().map(|&(x, e)| (a.px(x), a.py(e))).collect();
    polyline(o, &pts, "#d62728", 2.0, "none");
    let (yt, dec) = ticks(0.0, top, 5);
    for v in yt {
        let y = a.py(v);
        let _ = write!(o, "<line x1=\"{:.1}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\" stroke=\"#333\"/><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{v:.dec$}</text>", a.x - 5.0, a.x, a.x - 8.0, y + 4.0);
    }
    vlines(o, &a, cuts);
    frame(o, &a, "score s (cosine)", "count per bin");
    let mut entries = vec![
        (
            "#9ecae1",
            "",
            "■",
            format!("histogram ({} scores)", desc.len()),
        ),
        (
            "#d62728",
            "none",
            "",
            "background: expected count per bin".to_string(),
        ),
    ];
    for c in cuts {
        entries.push((c.colour, c.dash, "", c.label.clone()));
    }
    let lw = entries
        .iter()
        .map(|e| e.3.chars().count())
        .max()
        .unwrap_or(0) as f64
        * 6.6
        + 34.0;
    legend(o, a.x + a.w - lw, a.y + 12.0, &entries);
}

/// The upper tail: x from the lowest shown score to 1, y = log10 P(S ≥ s) down to a floor
/// (≥ 1e-12); p-values under the floor (0 included) sit on it as ▼.
fn tail_panel(o: &mut String, desc: &[f64], r: &Report, cuts: &[CutLine], mut a: Area) {
    let cal = &r.background().calibrator;
    let n = desc.len() as f64;
    // Shown: the top 10 % (at least 20 rows), every kept row and every top row listed.
    let start = desc[(desc.len() / 10).max(20).min(desc.len() - 1)];
    let lowest = cuts
        .iter()
        .filter_map(|c| c.threshold)
        .chain(r.top.iter().map(|t| t.score))
        .fold(start, f64::min);
    a.v0 = (lowest - 0.02).max(-1.0);
    a.v1 = 1.0;
    // Floor: one decade under the smallest p-value shown (empirical 1/n, the top rows'),
    // never under 1e-12.
    let smallest = r
        .top
        .iter()
        .map(|t| t.p_value)
        .filter(|&p| p > 0.0)
        .fold(1.0 / n, f64::min);
    let floor = (smallest.max(1e-12).log10().floor() - 1.0).max(-12.0);
    a.u0 = floor;
    a.u1 = 0.0;
    let lp = |p: f64| if p > 0.0 { p.log10().max(floor) } else { floor };
    let decades = (-floor) as usize;
    let step = decades.div_ceil(6).max(1);
    for k in (0..=decades).step_by(step) {
        let y = a.py(-(k as f64));
        let label = if k == 0 {
            "1".into()
        } else {
            format!("1e-{k}")
        };
        let _ = write!(o, "<line x1=\"{:.1}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\" stroke=\"#e5e5e5\"/><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{label}</text>", a.x, a.x + a.w, a.x - 6.0, y + 4.0);
    }
    // Empirical tail, a step function: P(S ≥ s) = k / n for s in (s₍ₖ₊₁₎, s₍ₖ₎].
    let mut emp = Vec::new();
    for (k, &s) in desc.iter().enumerate().take_while(|(_, &s)| s >= a.v0) {
        if k > 0 {
            emp.push((a.px(s), a.py(lp(k as f64 / n))));
        }
        emp.push((a.px(s), a.py(lp((k + 1) as f64 / n))));
    }
    polyline(o, &emp, "#1f77b4", 1.5, "none");
    // The background's p-value, stopped where it reaches the floor.
    let mut model = Vec::new();
    for i in 0..=400 {
        let x = a.v0 + (a.v1 - a.v0) * f64::from(i) / 400.0;
        let p = cal.p_value(x);
        model.push((a.px(x), a.py(lp(p))));
        if !(p > 0.0 && p.log10() > floor) {
            break;
        }
    }
    polyline(o, &model, "#d62728", 2.0, "none");
    vlines(o, &a, cuts);
    // The listed top rows: ● kept by the decision, ○ not; ▼ on the floor when p is below it.
    let mut clipped = false;
    for t in &r.top {
        let x = a.px(t.score);
        let under = !(t.p_value > 0.0 && t.p_value.log10() >= floor);
        clipped |= under;
        let y = a.py(lp(t.p_value));
        if under {
            let _ = write!(
                o,
                "<path d=\"M{:.1},{:.1} l8,0 l-4,7 z\" fill=\"#d62728\"/>",
                x - 4.0,
                y - 7.0
            );
        } else {
            let fill = if r.kept(t.score) { "#d62728" } else { "white" };
            let _ = write!(o, "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"3.5\" fill=\"{fill}\" stroke=\"#d62728\"/>");
        }
    }
    frame(o, &a, "score s (cosine), upper tail", "P(S ≥ s), log scale");
    let mut entries = vec![
        (
            "#1f77b4",
            "none",
            "",
            "empirical tail (rank / N)".to_string(),
        ),
        (
            "#d62728",
            "none",
            "",
            "p-value under the background".to_string(),
        ),
        (
            "#d62728",
            "",
            "●",
            format!("top {} rows (filled: kept)", r.top.len()),
        ),
    ];
    if clipped {
        entries.push(("#d62728", "", "▼", format!("p below 1e{floor:.0}")));
    }
    for c in cuts.iter().filter(|c| c.threshold.is_some()) {
        entries.push((c.colour, c.dash, "", c.label.clone()));
    }
    // Bottom left: the curves fall from the top left to the bottom right.
    let lh = entries.len() as f64 * 18.0 + 4.0;
    legend(o, a.x + 12.0, a.y + a.h - lh - 6.0, &entries);
}

/// A panel of width `w` at `x`, below the title, with the unit value range.
fn panel_area(x: f64, w: f64, h: f64) -> Area {
    Area {
        x,
        y: 70.0,
        w,
        h: h - 140.0,
        v0: 0.0,
        v1: 1.0,
        u0: 0.0,
        u1: 1.0,
    }
}
