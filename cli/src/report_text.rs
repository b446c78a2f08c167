//! The text report of `simstat calibrate`: the scores read, the three cuts, the background, the
//! radius, the top scores with p-values and posteriors, and the time of each step.
use crate::calibrate::{Report, RATIO};
use crate::input::format_name;
use simstat::calibrate::Cut;
use std::fmt::Write as _;

/// "return the top K results (threshold s ≥ t)" or "return nothing".
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

/// The whole text report.
pub fn render(r: &Report) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "scores: {} ({}; {})",
        r.n,
        r.source,
        format_name(r.format)
    );
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
    background(&mut o, r);
    let _ = writeln!(o);
    top(&mut o, r);
    let _ = writeln!(o);
    let _ = writeln!(o, "time:");
    for (what, s) in &r.timings {
        let _ = writeln!(o, "  {what:<42} {:>9.3} ms", 1e3 * s);
    }
    o
}

/// The table of the top scores.
fn top(o: &mut String, r: &Report) {
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
}

/// The background section: order, body, BIC, log-likelihood, components, radius.
fn background(o: &mut String, r: &Report) {
    let bg = &r.background;
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
