//! M-step of the EM (ECM) iteration: weights, (α, λ) given the shift (Newton on
//! ln α − ψ(α) = s), then one damped Newton step for each shift on the complete-data likelihood.

use super::estep::SuffStats;
use super::params::{Bounds, Params};
use crate::special::{digamma, trigamma};

/// Solve ln α − ψ(α) = s for α (s > 0), clamped to [amin, amax].
///
/// Starts from α₀ = (3 − s + √((s − 3)² + 24 s)) / (12 s) and takes at most 50 Newton steps in
/// ln α (ln α − ψ(α) is decreasing, so the root is unique).
pub(crate) fn solve_alpha(s: f64, amin: f64, amax: f64) -> f64 {
    if s.is_nan() {
        return amin;
    }
    // ln α − ψ(α) ≈ 1/(2α) for large α
    if s <= 0.5 / amax {
        return amax;
    }
    let mut a = (3.0 - s + libm::sqrt((s - 3.0) * (s - 3.0) + 24.0 * s)) / (12.0 * s);
    if !(a.is_finite() && a > 0.0) {
        a = 1.0;
    }
    let mut x = libm::log(a);
    for _ in 0..50 {
        let a = libm::exp(x);
        let f = x - digamma(a) - s;
        let fp = 1.0 - a * trigamma(a);
        if !(fp < 0.0) || !f.is_finite() {
            break;
        }
        let step = (f / fp).clamp(-2.0, 2.0);
        x -= step;
        if step.abs() < 1e-13 {
            break;
        }
    }
    libm::exp(x).clamp(amin, amax)
}

/// One ECM update from the statistics of a pass at `p`. `min_weight` floors every weight.
/// `x_min` is the smallest data point (the lowest shift must stay below it).
pub(crate) fn em_update(
    p: &Params,
    st: &SuffStats,
    b: &Bounds,
    min_weight: f64,
    x_min: f64,
) -> Params {
    let k = p.k;
    let mut q = *p;
    let tot: f64 = (0..k).map(|i| st.w[i][0]).sum();
    if !(tot > 0.0) {
        return q;
    }
    let mut wsum = 0.0;
    for i in 0..k {
        let t = (st.w[i][0] / tot).max(min_weight);
        q.tau[i] = t;
        wsum += t;
    }
    for i in 0..k {
        q.tau[i] /= wsum;
    }
    let lowest = (0..k).fold(0, |m, i| if p.c[i] < p.c[m] { i } else { m });
    for i in 0..k {
        let w = &st.w[i];
        let s0 = w[0];
        if !(s0 > 1e-300) {
            continue;
        }
        let m = w[2] / s0;
        let l = w[1] / s0;
        let s = libm::log(m) - l;
        if !(m > 0.0 && s.is_finite()) {
            continue;
        }
        let a = solve_alpha(s, b.alpha_min, b.alpha_max);
        let lam = a / m;
        // shift: one Newton step on Σ r[(α−1) ln(x−c) − λ(x−c)], expanded around the old c
        let g = lam * s0 - (a - 1.0) * w[3];
        let h = -(a - 1.0) * w[9];
        let mut c = p.c[i];
        if h < 0.0 && g.is_finite() && h.is_finite() {
            let step = -g / h;
            // never pass (half the distance to) the smallest point the component still claims
            let claim = if i == lowest {
                x_min.min(st.xmin[i])
            } else {
                st.xmin[i]
            };
            let up = 0.5 * (claim - c);
            let down = -(m.max(1e-12));
            c += step.clamp(down, up.max(0.0));
        }
        // keep the mean distance: λ moves with c so the component mean stays put
        let m_new = m + (p.c[i] - c);
        q.alpha[i] = a;
        q.lambda[i] = if m_new > 0.0 { a / m_new } else { lam };
        q.c[i] = c;
    }
    q
}
