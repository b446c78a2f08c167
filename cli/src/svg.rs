//! SVG drawing primitives for the calibrate plot: plot areas, ticks, frames, lines, legends.
use std::fmt::Write as _;

/// A cut drawn as a vertical line.
pub struct CutLine {
    /// Legend text.
    pub label: String,
    /// Where the line is drawn (`None`: the cut kept nothing).
    pub threshold: Option<f64>,
    /// Stroke colour.
    pub colour: &'static str,
    /// Dash pattern.
    pub dash: &'static str,
}

/// A plot area: pixel box and value ranges (y may be log10 of the value).
pub struct Area {
    /// Left edge (px).
    pub x: f64,
    /// Top edge (px).
    pub y: f64,
    /// Width (px).
    pub w: f64,
    /// Height (px).
    pub h: f64,
    /// Value at the left edge.
    pub v0: f64,
    /// Value at the right edge.
    pub v1: f64,
    /// Value at the bottom edge.
    pub u0: f64,
    /// Value at the top edge.
    pub u1: f64,
}

impl Area {
    /// Pixel x of value `v`.
    pub fn px(&self, v: f64) -> f64 {
        self.x + (v - self.v0) / (self.v1 - self.v0) * self.w
    }

    /// Pixel y of value `u` (clamped to the area).
    pub fn py(&self, u: f64) -> f64 {
        let t = ((u - self.u0) / (self.u1 - self.u0)).clamp(0.0, 1.0);
        self.y + self.h - t * self.h
    }
}

/// A panel of width `w` at `x`, below the title, with the unit value range.
pub fn panel_area(x: f64, w: f64, h: f64) -> Area {
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

/// Round tick values covering [a, b], at most about `max` of them.
pub fn ticks(a: f64, b: f64, max: usize) -> (Vec<f64>, usize) {
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

/// The area's box, x ticks and both axis labels.
pub fn frame(o: &mut String, a: &Area, xlabel: &str, ylabel: &str) {
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

/// A polyline through the finite points.
pub fn polyline(o: &mut String, pts: &[(f64, f64)], colour: &str, width: f64, dash: &str) {
    let p: Vec<String> = pts
        .iter()
        .filter(|(x, y)| x.is_finite() && y.is_finite())
        .map(|(x, y)| format!("{x:.1},{y:.1}"))
        .collect();
    let _ = write!(o, "<polyline points=\"{}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"{width}\" stroke-dasharray=\"{dash}\"/>", p.join(" "));
}

/// The cuts as vertical lines; lines at the same threshold are drawn side by side, 3 px apart.
pub fn vlines(o: &mut String, a: &Area, cuts: &[CutLine]) {
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
pub fn legend(o: &mut String, x: f64, y: f64, entries: &[(&str, &str, &str, String)]) {
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
