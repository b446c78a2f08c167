//! The main job: calibrate a query's retrieval scores against the fitted background.
//!
//! ```sh
//! cargo run --release --example calibrate                      # embedded real data
//! cargo run --release --example calibrate -- --input FILE      # one score per line, or raw f64
//! cargo run --release --example calibrate -- --json            # the same report as JSON
//! cargo run --release --example calibrate -- --svg plot.svg    # histogram, fitted densities, tail
//! ```
//! Options: `--fdr Q` (default 0.05), `--top N` (default 10).
//!
//! It fits the background distribution of the scores with [`fit_background`]: shifted-gamma
//! mixtures of order 1..=3 on Fisher's z = atanh(s), the order with the smallest BIC kept, every
//! component background; it prints the BIC of each order, the chosen components (z scale) and
//! the log-likelihood. One shifted gamma on the cosine scale is printed beside it as a reference
//! (α, λ, c, log-likelihood, AIC, BIC). Then it over-fits a K0 = 4 gamma mixture on the cosine
//! scale once, merges it into a dendrogram and prints the order the Dendrogram Selection
//! Criterion chose with AIC/BIC at every level; then the top scores with their tail p-values
//! P(S ≥ s) under the background mixture and, when the DSC-chosen mixture has ≥ 2 components,
//! the posterior of its upper component; the Benjamini–Hochberg cut-off (from the background's
//! p-values); and the time each step took.
//! The embedded data: cosine similarities of one real query (held-out docstring paragraph
//! "h04") against 6544 CPython docstring paragraphs, all-MiniLM-L6-v2.
use simstat::calibrate::{fit_background, Background, Calibrator, ScoreScale};
use simstat::dist::TruncatedShiftedGamma;
use simstat::fit::{fit_gamma, fit_mixture, FitOptions, GammaFit};
use simstat::select::{Dendrogram, DscOptions, GammaAtom, GammaLevelLikelihood};
use std::fmt::Write as _;
use std::time::Instant;

const EMBEDDED: &[u8] = include_bytes!("../tests/data/sims/h04_minilm_l6.f64");
const EMBEDDED_NAME: &str = "embedded: query h04 × 6544 docstring paragraphs (all-MiniLM-L6-v2)";

struct Args {
    input: Option<String>,
    json: bool,
    svg: Option<String>,
    fdr: f64,
    top: usize,
}

fn parse_args() -> Result<Args, String> {
    let mut a = Args {
        input: None,
        json: false,
        svg: None,
        fdr: 0.05,
        top: 10,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--input" => a.input = Some(it.next().ok_or("--input needs a file")?),
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
                    .ok_or("--top needs a count")?
            }
            "-h" | "--help" => {
                println!(
                    "usage: calibrate [--input FILE] [--json] [--svg FILE] [--fdr Q] [--top N]"
                );
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other:?} (try --help)")),
        }
    }
    Ok(a)
}

fn raw_f64(bytes: &[u8]) -> Vec<f64> {
    bytes
        .chunks_exact(8)
        .map(|c| f64::from_le_bytes(c.try_into().unwrap_or([0; 8])))
        .collect()
}

/// Reads scores: text (one number per line; blank lines and `#` comments skipped) or, when the
/// file is not text, raw little-endian f64. Prints a progress line for large inputs.
fn read_scores(path: &str) -> Result<Vec<f64>, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {path}: {e}"))?;
    let Ok(text) = std::str::from_utf8(&bytes) else {
        if bytes.len() % 8 != 0 {
            return Err(format!(
                "{path}: neither text nor raw f64 (size {} not a multiple of 8)",
                bytes.len()
            ));
        }
        return Ok(raw_f64(&bytes));
    };
    let t0 = Instant::now();
    let mut last = t0;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let v: f64 = line
            .parse()
            .map_err(|_| format!("{path}:{}: not a number: {line:?}", i + 1))?;
        out.push(v);
        if out.len() % (1 << 20) == 0 && last.elapsed().as_secs_f64() > 1.0 {
            last = Instant::now();
            let done = line.as_ptr() as usize - text.as_ptr() as usize;
            eprint!(
                "\rread {} scores ({:.0} %)…",
                out.len(),
                100.0 * done as f64 / text.len() as f64
            );
        }
    }
    if t0.elapsed().as_secs_f64() > 1.0 {
        eprintln!(
            "\rread {} scores in {:.1} s",
            out.len(),
            t0.elapsed().as_secs_f64()
        );
    }
    Ok(out)
}

/// Over-fitted mixture order.
const K0: usize = 4;

/// Largest background order tried by BIC.
const MAX_K: usize = 3;

/// The order selection: chosen level, its mixture, and the criteria at every level.
struct Selection {
    dsc_choice: usize,
    bic_choice: usize,
    /// (κ, log-likelihood, AIC, BIC, DSC) for κ = 1..=K0.
    levels: Vec<(usize, f64, f64, f64, f64)>,
    /// Weights and components of the chosen level.
    weights: Vec<f64>,
    components: Vec<TruncatedShiftedGamma>,
}

fn select_order(scores: &[f64]) -> Result<Selection, String> {
    let opts = FitOptions::default();
    let fit = fit_mixture(scores, K0, &opts).map_err(|e| format!("over-fit: {e}"))?;
    let mut atoms: Vec<GammaAtom> = fit
        .components()
        .iter()
        .zip(fit.weights())
        .map(|(c, &w)| GammaAtom::new(w, c.shape(), c.rate(), c.shift()))
        .collect();
    GammaAtom::standardise(&mut atoms).map_err(|e| format!("atoms: {e}"))?;
    let mut d =
        Dendrogram::<GammaAtom, 16>::build(&atoms).map_err(|e| format!("dendrogram: {e}"))?;
    let mut lik = GammaLevelLikelihood::new(scores, opts.lo, opts.hi).map_err(|e| e.to_string())?;
    d.evaluate(&mut lik).map_err(|e| format!("levels: {e}"))?;
    let c = d
        .criteria(&DscOptions::default())
        .map_err(|e| format!("criteria: {e}"))?;
    let levels = (1..=d.k0())
        .map(|k| {
            let ll = d.fit(k).map_or(f64::NAN, |f| f.log_likelihood);
            (
                k,
                ll,
                c.aic_curve()[k - 1],
                c.bic_curve()[k - 1],
                c.dsc_curve()[k - 1],
            )
        })
        .collect();
    let level = d.level(c.dsc_choice()).map_err(|e| format!("level: {e}"))?;
    let mut weights = Vec::new();
    let mut components = Vec::new();
    for a in level.atoms() {
        let t = TruncatedShiftedGamma::new(a.shape, a.rate, a.shift, opts.lo, opts.hi)
            .map_err(|e| format!("merged atom: {e}"))?;
        weights.push(a.weight);
        components.push(t);
    }
    Ok(Selection {
        dsc_choice: c.dsc_choice(),
        bic_choice: c.bic_choice(),
        levels,
        weights,
        components,
    })
}

struct Report {
    source: String,
    selection: Option<Selection>,
    n: usize,
    /// The background of the p-values (mixture on Fisher z, BIC-chosen order).
    background: Background,
    /// Its log-likelihood on the cosine scale: the z-scale one plus Σ −ln(1 − s²).
    background_ll_cosine: f64,
    /// Reference: one shifted gamma on the cosine scale, with its AIC and BIC.
    fit: Option<GammaFit<f64>>,
    aic: f64,
    bic: f64,
    top: Vec<(usize, f64, f64, Option<f64>)>,
    cutoff: simstat::calibrate::ScoreCutoff,
    fdr: f64,
    timings: Vec<(&'static str, f64)>,
}

fn main() {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("calibrate: {e}");
            std::process::exit(2);
        }
    };
    let mut timings = Vec::new();
    let t = Instant::now();
    let (scores, source) = match &args.input {
        None => (raw_f64(EMBEDDED), EMBEDDED_NAME.to_string()),
        Some(p) => match read_scores(p) {
            Ok(s) => (s, p.clone()),
            Err(e) => {
                eprintln!("calibrate: {e}");
                std::process::exit(1);
            }
        },
    };
    timings.push(("read", t.elapsed().as_secs_f64()));

    let n = scores.len();
    let mut scratch = vec![0.0; n];
    let t = Instant::now();
    let background = match fit_background(&scores, MAX_K, &FitOptions::default(), &mut scratch) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("calibrate: cannot fit the background: {e}");
            std::process::exit(1);
        }
    };
    timings.push((
        "fit background (Fisher z, K ≤ 3)",
        t.elapsed().as_secs_f64(),
    ));
    let cal = &background.calibrator;
    // Change of variables z = atanh(s): f_S(s) = f_Z(z) / (1 − s²).
    let background_ll_cosine = background.fit.log_likelihood()
        - scores
            .iter()
            .map(|&s| (1.0 - s * s).max(f64::MIN_POSITIVE).ln())
            .sum::<f64>();

    let t = Instant::now();
    let fit = match fit_gamma(&scores, &FitOptions::default()) {
        Ok(f) => Some(f),
        Err(e) => {
            eprintln!("calibrate: reference single gamma skipped: {e}");
            None
        }
    };
    timings.push(("fit single gamma (reference)", t.elapsed().as_secs_f64()));

    let t = Instant::now();
    let selection = match select_order(&scores) {
        Ok(s) => Some(s),
        Err(e) => {
            eprintln!("calibrate: order selection skipped: {e}");
            None
        }
    };
    timings.push(("over-fit K0 = 4 + DSC", t.elapsed().as_secs_f64()));
    let mixture = selection
        .as_ref()
        .filter(|s| s.components.len() >= 2)
        .and_then(|s| Calibrator::from_components(&s.weights, &s.components).ok());
    let ll = fit.as_ref().map_or(f64::NAN, GammaFit::log_likelihood);
    let (aic, bic) = (2.0 * 3.0 - 2.0 * ll, 3.0 * (n as f64).ln() - 2.0 * ll);

    let t = Instant::now();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_unstable_by(|&a, &b| scores[b].total_cmp(&scores[a]));
    let top: Vec<(usize, f64, f64, Option<f64>)> = order
        .iter()
        .take(args.top)
        .map(|&i| {
            let s = scores[i];
            (
                i,
                s,
                cal.p_value(s),
                mixture.as_ref().and_then(|m| m.posterior_relevant(s)),
            )
        })
        .collect();
    timings.push(("p-values, posteriors of top", t.elapsed().as_secs_f64()));

    let t = Instant::now();
    let cutoff = match cal.fdr_cutoff(&scores, args.fdr, &mut scratch) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("calibrate: FDR cut-off failed: {e}");
            std::process::exit(1);
        }
    };
    timings.push(("FDR cut-off (all scores)", t.elapsed().as_secs_f64()));

    let report = Report {
        source,
        selection,
        n,
        background,
        background_ll_cosine,
        fit,
        aic,
        bic,
        top,
        cutoff,
        fdr: args.fdr,
        timings,
    };
    if let Some(path) = &args.svg {
        let t = Instant::now();
        let svg = render_svg(&scores, &report);
        if let Err(e) = std::fs::write(path, svg) {
            eprintln!("calibrate: cannot write {path}: {e}");
            std::process::exit(1);
        }
        eprintln!("wrote {path} ({:.1} ms)", 1e3 * t.elapsed().as_secs_f64());
    }
    if args.json {
        println!("{}", to_json(&report));
    } else {
        print_text(&report);
    }
}

fn print_text(r: &Report) {
    println!("scores: {} ({})", r.n, r.source);
    println!();
    let bg = &r.background;
    println!(
        "background (p-values): {}-component shifted-gamma mixture on Fisher z = atanh(s), chosen by BIC over K = 1..{}",
        bg.fit.len(),
        bg.tried
    );
    let bics: Vec<String> = bg.bic[..bg.tried]
        .iter()
        .enumerate()
        .map(|(i, b)| {
            let mark = if i + 1 == bg.fit.len() { " ←" } else { "" };
            format!("K = {}: {b:.2}{mark}", i + 1)
        })
        .collect();
    println!("  BIC (z scale): {}", bics.join(", "));
    for (i, (w, c)) in bg.fit.weights().iter().zip(bg.fit.components()).enumerate() {
        println!(
            "  component {}: weight {:.4}, α = {:.4}, λ = {:.4}, c = {:.4} (z scale; median score {:.4})",
            i + 1,
            w,
            c.shape(),
            c.rate(),
            c.shift(),
            c.quantile(0.5).tanh()
        );
    }
    println!(
        "  log-likelihood = {:.4} on the z scale ({:.4} on the cosine scale, + Σ −ln(1 − s²))",
        bg.fit.log_likelihood(),
        r.background_ll_cosine
    );
    if let Some(f) = &r.fit {
        println!(
            "reference: one shifted gamma on the cosine scale [-1, 1]: α = {:.4}, λ = {:.4}, c = {:.4}",
            f.shape(),
            f.rate(),
            f.shift(),
        );
        println!(
            "  log-likelihood = {:.4}, AIC = {:.2}, BIC = {:.2}   ({:?}, {} passes, converged: {})",
            f.log_likelihood(),
            r.aic,
            r.bic,
            f.regime(),
            f.passes(),
            f.converged()
        );
    }
    if let Some(sel) = &r.selection {
        println!();
        println!(
            "order selection: over-fit K0 = {K0}, merge dendrogram: DSC chose K = {}, BIC over the levels K = {}",
            sel.dsc_choice, sel.bic_choice
        );
        println!(
            "  {:>2}  {:>14}  {:>12}  {:>12}  {:>10}",
            "K", "log-lik", "AIC", "BIC", "DSC"
        );
        for &(k, ll, aic, bic, dsc) in &sel.levels {
            println!("  {k:>2}  {ll:>14.4}  {aic:>12.2}  {bic:>12.2}  {dsc:>10.4}");
        }
        for (i, (w, c)) in sel.weights.iter().zip(&sel.components).enumerate() {
            println!(
                "  component {}: weight {:.4}, α = {:.4}, λ = {:.4}, c = {:.4} (mean {:.4})",
                i + 1,
                w,
                c.shape(),
                c.rate(),
                c.shift(),
                c.mean()
            );
        }
    }
    println!();
    println!(
        "top {} scores (p-value under the background mixture; posterior of the upper",
        r.top.len()
    );
    println!("component of the DSC-chosen mixture when it has two or more):");
    println!(
        "  {:>6}  {:>8}  {:>12}  {:>9}  discovery",
        "row", "score", "p-value", "posterior"
    );
    for &(i, s, p, post) in &r.top {
        let post = post.map_or("-".to_string(), |v| format!("{v:.4}"));
        let hit = if r.cutoff.fdr.is_discovery(p) {
            "yes"
        } else {
            "no"
        };
        println!("  {i:>6}  {s:>8.4}  {p:>12.3e}  {post:>9}  {hit}");
    }
    println!();
    let c = &r.cutoff;
    if c.fdr.discoveries > 0 {
        println!(
            "Benjamini–Hochberg at FDR {}: {} of {} scores are discoveries (score ≥ {:.4}, p ≤ {:.3e})",
            r.fdr, c.fdr.discoveries, c.fdr.tests, c.score_threshold, c.fdr.p_threshold
        );
    } else {
        println!(
            "Benjamini–Hochberg at FDR {}: no discoveries among {} scores",
            r.fdr, c.fdr.tests
        );
    }
    println!();
    println!("time:");
    for (what, s) in &r.timings {
        println!("  {what:<33} {:>9.3} ms", 1e3 * s);
    }
}

/// Append `{"weight", "shape", "rate", "shift"}` objects for the components, comma-separated.
fn json_components(o: &mut String, weights: &[f64], comps: &[TruncatedShiftedGamma]) {
    for (j, (w, c)) in weights.iter().zip(comps).enumerate() {
        if j > 0 {
            o.push(',');
        }
        let _ = write!(
            o,
            "{{\"weight\":{},\"shape\":{},\"rate\":{},\"shift\":{}}}",
            json_num(*w),
            json_num(c.shape()),
            json_num(c.rate()),
            json_num(c.shift())
        );
    }
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

fn to_json(r: &Report) -> String {
    let mut o = String::new();
    let _ = write!(o, "{{\"source\":{},\"n\":{},", json_str(&r.source), r.n);
    let bg = &r.background;
    let _ = write!(
        o,
        "\"background\":{{\"model\":\"shifted_gamma_mixture\",\"scale\":\"fisher_z\",\"selected_by\":\"bic\",\"max_k\":{},\"k\":{},\"bic\":[",
        bg.tried,
        bg.fit.len()
    );
    for (k, b) in bg.bic[..bg.tried].iter().enumerate() {
        if k > 0 {
            o.push(',');
        }
        let _ = write!(o, "{{\"k\":{},\"bic\":{}}}", k + 1, json_num(*b));
    }
    o.push_str("],\"components\":[");
    json_components(&mut o, bg.fit.weights(), bg.fit.components());
    let _ = write!(
        o,
        "],\"log_likelihood\":{},\"log_likelihood_cosine\":{},\"passes\":{},\"converged\":{}}},",
        json_num(bg.fit.log_likelihood()),
        json_num(r.background_ll_cosine),
        bg.fit.passes(),
        bg.fit.converged()
    );
    if let Some(f) = &r.fit {
        let _ = write!(
        o,
        "\"single_gamma\":{{\"model\":\"shifted_gamma\",\"scale\":\"cosine\",\"components\":1,\"lo\":-1,\"hi\":1,\"shape\":{},\"rate\":{},\"shift\":{},\"log_likelihood\":{},\"aic\":{},\"bic\":{},\"passes\":{},\"regime\":\"{:?}\",\"converged\":{}}},",
        json_num(f.shape()),
        json_num(f.rate()),
        json_num(f.shift()),
        json_num(f.log_likelihood()),
        json_num(r.aic),
        json_num(r.bic),
        f.passes(),
        f.regime(),
        f.converged()
    );
    }
    if let Some(sel) = &r.selection {
        let _ = write!(
            o,
            "\"selection\":{{\"k0\":{K0},\"dsc_choice\":{},\"bic_choice\":{},\"levels\":[",
            sel.dsc_choice, sel.bic_choice
        );
        for (j, &(k, ll, aic, bic, dsc)) in sel.levels.iter().enumerate() {
            if j > 0 {
                o.push(',');
            }
            let _ = write!(
                o,
                "{{\"k\":{k},\"log_likelihood\":{},\"aic\":{},\"bic\":{},\"dsc\":{}}}",
                json_num(ll),
                json_num(aic),
                json_num(bic),
                json_num(dsc)
            );
        }
        o.push_str("],\"components\":[");
        json_components(&mut o, &sel.weights, &sel.components);
        o.push_str("]},");
    }
    o.push_str("\"top\":[");
    for (k, &(i, s, p, post)) in r.top.iter().enumerate() {
        if k > 0 {
            o.push(',');
        }
        let _ = write!(
            o,
            "{{\"row\":{i},\"score\":{},\"p_value\":{},\"posterior_relevant\":{},\"discovery\":{}}}",
            json_num(s),
            json_num(p),
            post.map_or("null".to_string(), json_num),
            r.cutoff.fdr.is_discovery(p)
        );
    }
    let c = &r.cutoff;
    let _ = write!(
        o,
        "],\"fdr\":{{\"level\":{},\"tests\":{},\"discoveries\":{},\"p_threshold\":{},\"score_threshold\":{}}},",
        json_num(r.fdr),
        c.fdr.tests,
        c.fdr.discoveries,
        json_num(c.fdr.p_threshold),
        json_num(c.score_threshold)
    );
    o.push_str("\"timings_ms\":{");
    for (k, (what, s)) in r.timings.iter().enumerate() {
        if k > 0 {
            o.push(',');
        }
        let _ = write!(o, "{}:{}", json_str(what), json_num(1e3 * s));
    }
    o.push_str("}}");
    o
}

/// The background mixture's density on the cosine scale: f_S(s) = Σ w_i f_i(atanh s) / (1 − s²)
/// (0 outside (−1, 1)).
fn background_density(bg: &Background, s: f64) -> f64 {
    if !(s > -1.0 && s < 1.0) {
        return 0.0;
    }
    let z = ScoreScale::FisherZ.map(s);
    bg.fit.ln_pdf(z).exp() / (1.0 - s * s)
}

/// Two panels: left, the histogram of the scores with the background mixture's density on the
/// cosine scale and the reference single gamma's (counts scale); right, the upper tail on a log
/// axis: empirical P(S ≥ s), the background's p-value curve and the single gamma's, with the
/// FDR cut-off marked.
fn render_svg(scores: &[f64], r: &Report) -> String {
    let bg = &r.background;
    let cal = &bg.calibrator;
    let single = r.fit.as_ref().map(|f| f.distribution());
    let (w, h) = (1100.0, 500.0);
    let (pl, pr, pt, pb) = (60.0, 20.0, 70.0, 50.0);
    let panel_w = (w - 2.0 * pl - 2.0 * pr) / 2.0;
    let ph = h - pt - pb;
    let lo = scores.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = scores.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let span = (hi - lo).max(1e-9);
    let (x0, x1) = ((lo - 0.05 * span).max(-1.0), (hi + 0.05 * span).min(1.0));
    let (x0, x1) = if x1 > x0 {
        (x0, x1)
    } else {
        (lo - 1e-3, hi + 1e-3)
    };
    let bins = 80usize;
    let bw = (x1 - x0) / bins as f64;
    let mut counts = vec![0usize; bins];
    for &s in scores {
        let b = (((s - x0) / bw).max(0.0) as usize).min(bins - 1);
        counts[b] += 1;
    }
    let n = scores.len() as f64;
    let grid: Vec<f64> = (0..=400)
        .map(|i| x0 + (x1 - x0) * f64::from(i) / 400.0)
        .collect();
    let dens: Vec<(f64, f64)> = grid
        .iter()
        .map(|&x| (x, n * bw * background_density(bg, x)))
        .collect();
    let dens1: Vec<(f64, f64)> = match &single {
        Some(d) => grid.iter().map(|&x| (x, n * bw * d.pdf(x))).collect(),
        None => Vec::new(),
    };
    let ymax = counts
        .iter()
        .map(|&c| c as f64)
        .chain(dens.iter().chain(&dens1).map(|p| p.1))
        .filter(|y| y.is_finite())
        .fold(1.0, f64::max)
        * 1.08;
    let sx = |x: f64| pl + (x - x0) / (x1 - x0) * panel_w;
    let sy = |y: f64| pt + ph - y.min(ymax) / ymax * ph;
    let mut o = String::new();
    let _ = write!(o, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" font-family=\"sans-serif\" font-size=\"12\">");
    let _ = write!(o, "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>");
    let comps: Vec<String> = bg
        .fit
        .weights()
        .iter()
        .zip(bg.fit.components())
        .map(|(w, c)| {
            format!(
                "{w:.3}·Γ(α {:.1}, λ {:.1}, c {:.2})",
                c.shape(),
                c.rate(),
                c.shift()
            )
        })
        .collect();
    let _ = write!(o, "<text x=\"{pl}\" y=\"24\" font-size=\"15\" font-weight=\"bold\">Background of {} scores: {}-component shifted-gamma mixture on Fisher z = atanh(s), K by BIC over 1..{}</text>", scores.len(), bg.fit.len(), bg.tried);
    let _ = write!(
        o,
        "<text x=\"{pl}\" y=\"44\" font-size=\"12\" fill=\"#444\">background on z: {}. Left: histogram and densities; right: upper tail, p-value P(S ≥ s).</text>",
        comps.join(" + ")
    );
    // Left panel: histogram + densities.
    for (b, &c) in counts.iter().enumerate() {
        let xa = sx(x0 + b as f64 * bw);
        let _ = write!(o, "<rect x=\"{:.2}\" y=\"{:.2}\" width=\"{:.2}\" height=\"{:.2}\" fill=\"#9ecae1\" stroke=\"#6baed6\" stroke-width=\"0.5\"/>", xa, sy(c as f64), sx(x0 + (b + 1) as f64 * bw) - xa, sy(0.0) - sy(c as f64));
    }
    let poly = |pts: &[(f64, f64)]| -> String {
        pts.iter()
            .filter(|p| p.1.is_finite())
            .map(|&(x, y)| format!("{:.2},{:.2}", sx(x), sy(y)))
            .collect::<Vec<_>>()
            .join(" ")
    };
    if !dens1.is_empty() {
        let _ = write!(
            o,
            "<polyline points=\"{}\" fill=\"none\" stroke=\"#555\" stroke-width=\"1.3\" stroke-dasharray=\"6,4\"/>",
            poly(&dens1)
        );
    }
    let _ = write!(
        o,
        "<polyline points=\"{}\" fill=\"none\" stroke=\"#d62728\" stroke-width=\"2\"/>",
        poly(&dens)
    );
    if r.cutoff.fdr.discoveries > 0 {
        let xc = sx(r.cutoff.score_threshold);
        let _ = write!(o, "<line x1=\"{xc:.2}\" y1=\"{pt}\" x2=\"{xc:.2}\" y2=\"{}\" stroke=\"#2ca02c\" stroke-dasharray=\"5,4\" stroke-width=\"1.5\"/>", pt + ph);
    }
    for i in 0..=4 {
        let v = ymax / 1.08 * f64::from(i) / 4.0;
        let _ = write!(o, "<line x1=\"{:.2}\" y1=\"{:.2}\" x2=\"{pl}\" y2=\"{:.2}\" stroke=\"#333\"/><text x=\"{:.2}\" y=\"{:.2}\" text-anchor=\"end\">{v:.0}</text>", pl - 5.0, sy(v), sy(v), pl - 8.0, sy(v) + 4.0);
    }
    axes(
        &mut o,
        pl,
        pt,
        panel_w,
        ph,
        x0,
        x1,
        "score s (cosine similarity)",
        "count per bin",
    );
    let _ = write!(o, "<g transform=\"translate({},{})\"><rect width=\"12\" height=\"12\" fill=\"#9ecae1\"/><text x=\"18\" y=\"11\">histogram ({} scores)</text><line x1=\"0\" y1=\"26\" x2=\"12\" y2=\"26\" stroke=\"#d62728\" stroke-width=\"2\"/><text x=\"18\" y=\"30\">background mixture (Fisher z)</text>", pl + panel_w - 215.0, pt + 8.0, scores.len());
    if !dens1.is_empty() {
        let _ = write!(o, "<line x1=\"0\" y1=\"44\" x2=\"12\" y2=\"44\" stroke=\"#555\" stroke-width=\"1.3\" stroke-dasharray=\"4,3\"/><text x=\"18\" y=\"48\">one gamma, cosine scale</text>");
    }
    if r.cutoff.fdr.discoveries > 0 {
        let _ = write!(o, "<line x1=\"0\" y1=\"62\" x2=\"12\" y2=\"62\" stroke=\"#2ca02c\" stroke-width=\"1.5\" stroke-dasharray=\"4,3\"/><text x=\"18\" y=\"66\">BH cut-off, FDR {}</text>", r.fdr);
    }
    let note_y = if r.cutoff.fdr.discoveries > 0 { 84 } else { 66 };
    let _ = write!(
        o,
        "<text x=\"0\" y=\"{note_y}\" fill=\"#666\">densities × N × bin width</text></g>"
    );
    // Right panel: tail on log scale.
    let ox = 2.0 * pl + pr + panel_w;
    let mut sorted: Vec<f64> = scores.to_vec();
    sorted.sort_unstable_by(|a, b| b.total_cmp(a));
    let t0 = sorted.get(sorted.len() / 10).copied().unwrap_or(lo); // top 10 % of scores
    let (tx0, tx1) = (t0, x1.max(t0 + 1e-9));
    let pmin = sorted
        .first()
        .map(|&s| cal.p_value(s))
        .unwrap_or(1e-12)
        .min(cal.p_value(tx1))
        .clamp(1e-300, 1e-3)
        .log10()
        .floor()
        .min(-(n.log10().ceil()) - 1.0);
    let ly = |p: f64| pt + (p.max(1e-300).log10() / pmin).clamp(0.0, 1.0) * ph;
    // Curves stop where they leave the axis (instead of running along its floor).
    let on_axis = |p: f64| p.log10() >= pmin;
    let lx = |x: f64| ox + (x - tx0) / (tx1 - tx0) * panel_w;
    let decades = (-pmin) as i32;
    let step = (decades / 8).max(1);
    for k in (0..=decades).step_by(step as usize) {
        let y = ly(10f64.powi(-k));
        let _ = write!(o, "<line x1=\"{ox}\" y1=\"{y:.2}\" x2=\"{:.2}\" y2=\"{y:.2}\" stroke=\"#eee\"/><text x=\"{:.2}\" y=\"{:.2}\" text-anchor=\"end\">{}</text>", ox + panel_w, ox - 6.0, y + 4.0, if k == 0 { "1".to_string() } else { format!("1e-{k}") });
    }
    let mut emp = Vec::new();
    for (k, &s) in sorted.iter().enumerate() {
        if s < tx0 {
            break;
        }
        emp.push(format!("{:.2},{:.2}", lx(s), ly((k + 1) as f64 / n)));
    }
    let _ = write!(
        o,
        "<polyline points=\"{}\" fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"1.5\"/>",
        emp.join(" ")
    );
    let tgrid: Vec<f64> = (0..=300)
        .map(|i| tx0 + (tx1 - tx0) * f64::from(i) / 300.0)
        .collect();
    if let Some(d) = &single {
        let model1: Vec<String> = tgrid
            .iter()
            .map(|&x| (x, d.sf(x)))
            .take_while(|&(_, p)| on_axis(p))
            .map(|(x, p)| format!("{:.2},{:.2}", lx(x), ly(p)))
            .collect();
        let _ = write!(
            o,
            "<polyline points=\"{}\" fill=\"none\" stroke=\"#555\" stroke-width=\"1.3\" stroke-dasharray=\"6,4\"/>",
            model1.join(" ")
        );
    }
    let model: Vec<String> = tgrid
        .iter()
        .map(|&x| (x, cal.p_value(x)))
        .take_while(|&(_, p)| on_axis(p))
        .map(|(x, p)| format!("{:.2},{:.2}", lx(x), ly(p)))
        .collect();
    let _ = write!(
        o,
        "<polyline points=\"{}\" fill=\"none\" stroke=\"#d62728\" stroke-width=\"2\"/>",
        model.join(" ")
    );
    if r.cutoff.fdr.discoveries > 0 {
        let xc = lx(r.cutoff.score_threshold);
        let k = r.cutoff.fdr.discoveries;
        // The label goes on the side of the line with room for it.
        let (tx, anchor) = if xc > ox + 0.6 * panel_w {
            (xc - 4.0, "end")
        } else {
            (xc + 4.0, "start")
        };
        let _ = write!(o, "<line x1=\"{xc:.2}\" y1=\"{pt}\" x2=\"{xc:.2}\" y2=\"{}\" stroke=\"#2ca02c\" stroke-dasharray=\"5,4\" stroke-width=\"1.5\"/><text x=\"{tx:.2}\" y=\"{}\" text-anchor=\"{anchor}\" fill=\"#2ca02c\">BH cut-off, FDR {}: {k} {} (s ≥ {:.3})</text>", pt + ph, pt + 14.0, r.fdr, if k == 1 { "hit" } else { "hits" }, r.cutoff.score_threshold);
    }
    axes(
        &mut o,
        ox,
        pt,
        panel_w,
        ph,
        tx0,
        tx1,
        "score s (top 10 %)",
        "",
    );
    let _ = write!(o, "<text transform=\"translate({},{}) rotate(-90)\" text-anchor=\"middle\">P(S ≥ s), log scale</text>", ox - 48.0, pt + ph / 2.0);
    let _ = write!(o, "<g transform=\"translate({},{})\"><rect x=\"-6\" y=\"-6\" width=\"240\" height=\"{}\" fill=\"white\" fill-opacity=\"0.85\"/><line x1=\"0\" y1=\"6\" x2=\"12\" y2=\"6\" stroke=\"#1f77b4\" stroke-width=\"1.5\"/><text x=\"18\" y=\"10\">empirical tail (rank / N)</text><line x1=\"0\" y1=\"24\" x2=\"12\" y2=\"24\" stroke=\"#d62728\" stroke-width=\"2\"/><text x=\"18\" y=\"28\">p-value, background mixture</text>", ox + 0.4 * panel_w, pt + 30.0, if single.is_some() { 60 } else { 42 });
    if single.is_some() {
        let _ = write!(o, "<line x1=\"0\" y1=\"42\" x2=\"12\" y2=\"42\" stroke=\"#555\" stroke-width=\"1.3\" stroke-dasharray=\"4,3\"/><text x=\"18\" y=\"46\">one gamma, cosine scale (reference)</text>");
    }
    o.push_str("</g></svg>\n");
    o
}

#[allow(clippy::too_many_arguments)]
fn axes(
    o: &mut String,
    x: f64,
    y: f64,
    w: f64,
    h: f64,
    v0: f64,
    v1: f64,
    xlabel: &str,
    ylabel: &str,
) {
    let _ = write!(o, "<rect x=\"{x}\" y=\"{y}\" width=\"{w:.2}\" height=\"{h:.2}\" fill=\"none\" stroke=\"#333\"/>");
    for i in 0..=5 {
        let v = v0 + (v1 - v0) * f64::from(i) / 5.0;
        let xx = x + w * f64::from(i) / 5.0;
        let _ = write!(o, "<line x1=\"{xx:.2}\" y1=\"{:.2}\" x2=\"{xx:.2}\" y2=\"{:.2}\" stroke=\"#333\"/><text x=\"{xx:.2}\" y=\"{:.2}\" text-anchor=\"middle\">{v:.2}</text>", y + h, y + h + 5.0, y + h + 18.0);
    }
    let _ = write!(
        o,
        "<text x=\"{:.2}\" y=\"{:.2}\" text-anchor=\"middle\">{xlabel}</text>",
        x + w / 2.0,
        y + h + 38.0
    );
    if !ylabel.is_empty() {
        let _ = write!(o, "<text transform=\"translate({:.2},{:.2}) rotate(-90)\" text-anchor=\"middle\">{ylabel}</text>", x - 48.0, y + h / 2.0);
    }
}
