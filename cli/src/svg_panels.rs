//! The `--svg` plot of `simstat calibrate`: histogram with the background's expected counts, and
//! the upper tail on a log axis, both with the three cuts.
use crate::calibrate::{Report, RATIO};
use crate::input::Scores;
use crate::svg::{frame, legend, panel_area, polyline, ticks, vlines, Area, CutLine};
use simstat::calibrate::{Calibrator, Cut};
use std::fmt::Write as _;

/// The three cuts as vertical lines.
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

/// Two panels: left, the histogram with the background's expected count per bin; right, the
/// upper tail on a log axis (empirical P(S ≥ s), the background's p-value, the top scores),
/// clipped at p = 1e-12 at the lowest. Both mark the three cuts.
pub fn render(scores: &Scores, r: &Report) -> String {
    let (w, h) = (1160.0, 540.0);
    let mut o = String::new();
    let _ = write!(o, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" font-family=\"sans-serif\" font-size=\"12\">");
    o.push_str("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>");
    let bg = &r.background;
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
    let cal = &r.background.calibrator;
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
