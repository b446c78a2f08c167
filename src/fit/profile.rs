//! Newton on the profile likelihood of one shifted gamma in u = ln(x_min − c), shared by the
//! exact and the sketch fitters (which only differ in how a pass computes [`Stats`]).
//!
//! Per observation, with m = x̄ − c and tᵢ = (xᵢ − x̄)/m (so xᵢ − c = m(1 + tᵢ)):
//! s = ln m − mean ln(x − c) = −mean ln(1 + t), B = mean t/(1+t), D = mean (1/(1+t)² − 1),
//! T = mean t². Then H = mean 1/(x−c) = (1 − B)/m, H2 = (1 + D)/m², and the profile
//! gradient and curvature g = λ − (α−1)H, h = (dα/dc)/m + α/m² − (dα/dc)H − (α−1)H2 become
//! g = (1 + (α−1)B)/m, h = (dα/dc)·B/m + (1 − (α−1)D)/m², dα/dc = (−B/m)/(1/α − ψ′(α)):
//! no term cancels, even at α ~ 1e5 where ln m and mean ln(x − c) agree to 6 digits.

use super::options::FitOptions;
use super::result::Regime;
use crate::dist::stable::{inv_minus_trigamma, kappa, log1p_fast, log1p_fast_r, log_minus_digamma};

/// Per-observation sums of one pass at a shift c (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Stats {
    /// m = x̄ − c.
    pub m: f64,
    /// s = ln m − mean ln(x − c) ≥ 0.
    pub s: f64,
    /// B = mean t/(1+t).
    pub b: f64,
    /// D = mean (1/(1+t)² − 1).
    pub d: f64,
    /// T = mean t² (variance / m²).
    pub t2: f64,
}

/// Running sums for [`Stats`] (weights are counts; unweighted passes use w = 1).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Acc {
    pub t: f64,
    pub l: f64,
    pub b: f64,
    pub d: f64,
    pub t2: f64,
}

impl Acc {
    /// Adds one value x with weight w, for centre `mean`, shift c, 1/m = `inv_m`.
    #[inline(always)]
    pub fn add(&mut self, x: f64, w: f64, mean: f64, c: f64, inv_m: f64) {
        let q = (x - c) * inv_m; // 1 + t, to 2 ulp
        let t = (x - mean) * inv_m;
        // ln(1 + t): log1p(t) is exact in t; near the boundary (x → c) ln q is the accurate one.
        let r = 1.0 / q;
        let lg = if q < 0.5 {
            libm::log(q)
        } else {
            log1p_fast_r(t, r)
        };
        self.t += w * t;
        self.l += w * lg;
        self.b += w * (t * r);
        self.d -= w * (t * (2.0 + t) * r * r);
        self.t2 += w * (t * t);
    }
    /// Adds a bin of weight w at mean x whose values spread with variance `var` around x:
    /// [`add`](Self::add) plus the second-order (Sheppard-type) terms f''·var/2 of each
    /// statistic, so a histogram does not lose the within-bin variance.
    #[inline(always)]
    pub fn add_spread(&mut self, x: f64, w: f64, var: f64, mean: f64, c: f64, inv_m: f64) {
        self.add(x, w, mean, c, inv_m);
        if var > 0.0 {
            let r = 1.0 / ((x - c) * inv_m);
            let vv = var * inv_m * inv_m;
            let r2 = r * r;
            self.l -= w * (0.5 * vv * r2);
            self.b -= w * (vv * r2 * r);
            self.d += w * (3.0 * vv * r2 * r2);
            self.t2 += w * vv;
        }
    }
    /// Sum of two accumulators.
    #[inline(always)]
    pub fn plus(self, o: Acc) -> Acc {
        Acc {
            t: self.t + o.t,
            l: self.l + o.l,
            b: self.b + o.b,
            d: self.d + o.d,
            t2: self.t2 + o.t2,
        }
    }
    /// Per-observation statistics for total weight n, recentred on the sample's own mean.
    ///
    /// The pass centres on an approximate mean x̄ (m = x̄ − c); with τ = mean t the exact mean
    /// is x̄ + mτ, and the statistics for m' = m(1 + τ), t' = (1 + t)/(1 + τ) − 1 follow in
    /// closed form. This matters: the profile formulas assume λ = α/m with m the exact
    /// mean − c, and an error δ in x̄ would shift the log-likelihood by ≈ nαδ/m.
    pub fn finish(self, n: f64, m: f64) -> Stats {
        let inv = 1.0 / n;
        let tau = self.t * inv;
        let (s, b, d, t2) = (-self.l * inv, self.b * inv, self.d * inv, self.t2 * inv);
        let one_tau = 1.0 + tau;
        Stats {
            m: m * one_tau,
            s: s + log1p_fast(tau),
            b: b - tau * (1.0 - b),
            d: d + tau * (2.0 + tau) * (1.0 + d),
            t2: (t2 - tau * tau) / (one_tau * one_tau),
        }
    }
}

/// α solving ln α − ψ(α) = s (Newton with ψ′, ≤ 64 steps, from Minka's closed-form start
/// α₀ = (3 − s + √((s − 3)² + 24s))/(12s)).
/// s ≤ 0 or NaN (no spread left) → +∞; s = +∞ → the smallest positive α.
pub(crate) fn solve_shape(s: f64) -> f64 {
    if s.is_nan() || s <= 0.0 {
        return f64::INFINITY;
    }
    if s == f64::INFINITY {
        return f64::MIN_POSITIVE;
    }
    let mut a = (3.0 - s + libm::sqrt((s - 3.0) * (s - 3.0) + 24.0 * s)) / (12.0 * s);
    if a.is_nan() || a <= 0.0 {
        a = f64::MIN_POSITIVE;
    }
    for _ in 0..64 {
        let f = log_minus_digamma(a) - s;
        let fp = inv_minus_trigamma(a);
        if !(f.is_finite() && fp < 0.0) {
            break;
        }
        let mut next = a - f / fp;
        if next.is_nan() || next <= 0.0 {
            next = 0.5 * a;
        }
        let done = (next - a).abs() <= 4.0 * f64::EPSILON * a;
        a = next;
        if done {
            break;
        }
    }
    a
}

/// Untruncated log-likelihood per observation at (α, λ = α/m, c): κ(α) − ln m − (α−1)s.
#[inline]
pub(crate) fn ll_per_n(alpha: f64, st: &Stats) -> f64 {
    kappa(alpha) - libm::log(st.m) - (alpha - 1.0) * st.s
}

/// Where a Newton run ended.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Outcome {
    pub alpha: f64,
    pub rate: f64,
    pub shift: f64,
    /// Untruncated log-likelihood per observation.
    pub ll: f64,
    /// dℓ/dc per observation at the end point (0 at an interior optimum).
    pub grad_c: f64,
    pub passes: usize,
    pub regime: Regime,
    pub converged: bool,
    /// ln(x_min − c) at the end point (a warm start for a later stage).
    pub u: f64,
}

/// Geometry of the data the driver needs.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Frame {
    /// Total weight (number of observations).
    pub n: f64,
    /// Exact mean.
    pub mean: f64,
    /// Exact minimum.
    pub min: f64,
    /// max − min (> 0).
    pub range: f64,
}

/// One evaluated point.
#[derive(Clone, Copy)]
struct Point {
    u: f64,
    c: f64,
    st: Stats,
    alpha: f64,
    ll: f64,
    g: f64,
}

/// Runs the profile Newton from u0; `pass(c)` must return the statistics at shift c < x_min.
pub(crate) fn newton<F: FnMut(f64) -> Stats>(
    mut pass: F,
    fr: &Frame,
    u0: f64,
    opts: &FitOptions,
) -> Outcome {
    let mut passes = 0usize;
    let mut u = u0;
    let mut prev: Option<(Point, f64)> = None; // accepted point and the step taken from it
    let mut best: Option<Point> = None;
    let mut regime = Regime::Regular;
    let mut converged = false;
    while passes < opts.max_passes {
        let d = libm::exp(u);
        let c = fr.min - d;
        if c.is_nan() || c >= fr.min || !c.is_finite() {
            // x_min − c rounds to 0 (boundary) or overflows (normal limit).
            regime = if u > 0.0 {
                Regime::NormalLimit
            } else {
                Regime::ShapeAtMostOne
            };
            break;
        }
        let st = pass(c);
        passes += 1;
        let alpha = solve_shape(st.s);
        if !alpha.is_finite() {
            regime = Regime::NormalLimit;
            break;
        }
        let ll = ll_per_n(alpha, &st);
        let g = (1.0 + (alpha - 1.0) * st.b) / st.m;
        let here = Point {
            u,
            c,
            st,
            alpha,
            ll,
            g,
        };
        if let Some((p, step)) = prev {
            let noise = 1e-13 * (1.0 + p.ll.abs());
            if (ll.is_nan() || ll < p.ll - noise) && step.abs() > opts.step_tol {
                // overshoot: halve the step from the last accepted point
                let half = 0.5 * step;
                prev = Some((p, half));
                u = p.u + half;
                continue;
            }
        }
        if best.is_none_or(|b| ll > b.ll) {
            best = Some(here);
        }
        let dadc = (-st.b / st.m) / inv_minus_trigamma(alpha);
        let h = dadc * st.b / st.m + (1.0 - (alpha - 1.0) * st.d) / (st.m * st.m);
        let g_u = -d * g;
        let h_u = d * d * h - d * g;
        if alpha <= 1.0 && g_u < 0.0 {
            // α ≤ 1 and the likelihood still rises toward c → x_min: unbounded there.
            regime = Regime::ShapeAtMostOne;
            break;
        }
        if alpha >= opts.shape_cap && g_u > 0.0 {
            // past the α cap and still rising toward c → −∞: the normal limit.
            regime = Regime::NormalLimit;
            break;
        }
        let mut step = if h_u < 0.0 {
            -g_u / h_u
        } else {
            opts.max_step.copysign(g_u)
        };
        let clamped = step.abs() > opts.max_step;
        if clamped {
            step = opts.max_step.copysign(step);
        }
        let gain = if h_u < 0.0 {
            0.5 * fr.n * g_u * g_u / (-h_u)
        } else {
            f64::INFINITY
        };
        if !clamped && (gain <= opts.gain_tol || step.abs() <= opts.step_tol) {
            converged = true;
            best = Some(here);
            break;
        }
        if !step.is_finite() {
            break;
        }
        prev = Some((here, step));
        u += step;
    }
    match regime {
        Regime::Regular => {
            let p = match best {
                Some(p) => p,
                None => return fallback_nan(passes, u),
            };
            Outcome {
                alpha: p.alpha,
                rate: p.alpha / p.st.m,
                shift: p.c,
                ll: p.ll,
                grad_c: p.g,
                passes,
                regime,
                converged,
                u: p.u,
            }
        }
        Regime::ShapeAtMostOne => {
            let gap = opts.boundary_gap * fr.range;
            let c = fr.min - gap;
            let st = pass(c);
            passes += 1;
            let alpha = solve_shape(st.s).min(opts.shape_cap);
            Outcome {
                alpha,
                rate: alpha / st.m,
                shift: c,
                ll: ll_per_n(alpha, &st),
                grad_c: (1.0 + (alpha - 1.0) * st.b) / st.m,
                passes,
                regime,
                converged: true,
                u: libm::log(gap),
            }
        }
        Regime::NormalLimit => {
            // α = cap, matching mean and variance: m = √(α var), λ = α/m.
            let var = best.map_or(0.0, |b| b.st.t2 * b.st.m * b.st.m);
            let var = if var > 0.0 {
                var
            } else {
                last_variance(&mut pass, fr, &mut passes)
            };
            let alpha = opts.shape_cap;
            let m = libm::sqrt(alpha * var);
            let c = fr.mean - m;
            let st = pass(c);
            passes += 1;
            Outcome {
                alpha,
                rate: alpha / st.m,
                shift: c,
                ll: ll_per_n(alpha, &st),
                grad_c: (1.0 + (alpha - 1.0) * st.b) / st.m,
                passes,
                regime,
                converged: true,
                u: libm::log(fr.min - c),
            }
        }
    }
}

/// The variance from one pass at a shift one range below the minimum.
fn last_variance<F: FnMut(f64) -> Stats>(pass: &mut F, fr: &Frame, passes: &mut usize) -> f64 {
    let st = pass(fr.min - fr.range);
    *passes += 1;
    st.t2 * st.m * st.m
}

/// An outcome flagged unusable (the caller turns it into an error); never escapes as NaN.
fn fallback_nan(passes: usize, u: f64) -> Outcome {
    Outcome {
        alpha: f64::NAN,
        rate: f64::NAN,
        shift: f64::NAN,
        ll: f64::NAN,
        grad_c: f64::NAN,
        passes,
        regime: Regime::Regular,
        converged: false,
        u,
    }
}

/// A starting u from moments: α₀ = 4/skew² in [1.5, 1e4], c₀ = x̄ − √(α₀ var), kept at least
/// a tenth of a standard deviation below x_min.
pub(crate) fn initial_u(fr: &Frame, var: f64, third: f64) -> f64 {
    let sd = libm::sqrt(var);
    let skew = if sd > 0.0 {
        third / (sd * sd * sd)
    } else {
        0.0
    };
    let a0 = if skew > 0.0 {
        (4.0 / (skew * skew)).clamp(1.5, 1e4)
    } else {
        1e4
    };
    let c0 = fr.mean - libm::sqrt(a0 * var);
    let d0 = (fr.min - c0).max(0.1 * sd).max(1e-300);
    libm::log(d0)
}
