//! Second-order step on the observed (truncated) log-likelihood: gradient and exact Hessian in
//! θ = (ln α_i, ln λ_i, c_i; η_j) assembled from the pass statistics, then a projected,
//! Levenberg–Marquardt-damped Newton step under the box constraints.

use super::estep::{packed, Evaluator, SuffStats};
use super::params::{Bounds, Params, MAX_P, PER};
use super::MAX_COMPONENTS;
use crate::special::{digamma, trigamma};

/// Gradient and Hessian of the observed log-likelihood at the parameters of a pass.
#[derive(Clone, Copy)]
pub(crate) struct Derivs {
    pub dim: usize,
    pub g: [f64; MAX_P],
    pub h: [[f64; MAX_P]; MAX_P],
}

impl Derivs {
    /// Empty (dimension 0: no parameters, nothing computed yet).
    pub const fn empty() -> Self {
        Derivs {
            dim: 0,
            g: [0.0; MAX_P],
            h: [[0.0; MAX_P]; MAX_P],
        }
    }
}

/// Rows of G_k: (row index in θ, coefficients on v = (1, ln d, d, 1/d)); at most 3 + (K − 1).
type Rows = heapless::Vec<(usize, [f64; 4]), { MAX_COMPONENTS + 2 }>;

fn rows(p: &Params, ev: &Evaluator, i: usize) -> Rows {
    let k = p.k;
    let (a, lam) = (p.alpha[i], p.lambda[i]);
    let zg = ev.lnz[i].g;
    // Capacity 3 + (K − 1) ≤ MAX_COMPONENTS + 2 rows: no push can fail (a failed push would
    // only drop a weight row).
    let mut r = Rows::new();
    let _ = r.push((
        PER * i,
        [a * (libm::log(lam) - digamma(a)) - zg[0], a, 0.0, 0.0],
    ));
    let _ = r.push((PER * i + 1, [a - zg[1], 0.0, -lam, 0.0]));
    let _ = r.push((PER * i + 2, [lam - zg[2], 0.0, 0.0, -(a - 1.0)]));
    for j in 1..k {
        let delta = if i == j { 1.0 } else { 0.0 };
        let _ = r.push((PER * k + j - 1, [delta - p.tau[j], 0.0, 0.0, 0.0]));
    }
    r
}

fn w_full(w: &[f64; 10]) -> [[f64; 4]; 4] {
    [
        [w[0], w[1], w[2], w[3]],
        [w[1], w[4], w[5], w[6]],
        [w[2], w[5], w[7], w[8]],
        [w[3], w[6], w[8], w[9]],
    ]
}

fn quad(a: &[f64; 4], m: &[[f64; 4]; 4], b: &[f64; 4]) -> f64 {
    let mut s = 0.0;
    for i in 0..4 {
        if a[i] == 0.0 {
            continue;
        }
        let mut t = 0.0;
        for j in 0..4 {
            t += m[i][j] * b[j];
        }
        s += a[i] * t;
    }
    s
}

/// Square scratch matrix of the largest dimension (only the leading dim × dim block is used).
pub(crate) type Mat = [[f64; MAX_P]; MAX_P];

/// Assemble the gradient (always) and the Hessian (when the pass has second-order statistics)
/// into `d` (only its leading dim × dim block is written).
pub(crate) fn derivs_into(p: &Params, ev: &Evaluator, st: &SuffStats, d: &mut Derivs) {
    let k = p.k;
    let dim = p.dim();
    d.dim = dim;
    d.g[..dim].fill(0.0);
    for row in d.h[..dim].iter_mut() {
        row[..dim].fill(0.0);
    }
    // The rows of each component are recomputed where needed (k + k² small evaluations)
    // instead of kept for all components (which took 11 KiB of stack).
    for i in 0..k {
        let r = rows(p, ev, i);
        let wf = w_full(&st.w[i]);
        for &(row, ref coef) in &r {
            let col0 = [wf[0][0], wf[1][0], wf[2][0], wf[3][0]];
            let mut s = 0.0;
            for c in 0..4 {
                s += coef[c] * col0[c];
            }
            d.g[row] += s;
        }
    }
    if !st.second_order {
        return;
    }
    let m = 4 * k;
    let mut ntot = 0.0;
    for i in 0..k {
        let r = &rows(p, ev, i);
        let w = &st.w[i];
        let wf = w_full(w);
        ntot += w[0];
        // Σ_t r g gᵀ
        for &(ra, ref ca) in r {
            for &(rb, ref cb) in r {
                d.h[ra][rb] += quad(ca, &wf, cb);
            }
        }
        // Σ_t r ∇² l (shape/rate/shift block)
        let (al, lam) = (p.alpha[i], p.lambda[i]);
        let zh = ev.lnz[i].h;
        let (ia, ib, ic) = (PER * i, PER * i + 1, PER * i + 2);
        let s0 = w[0];
        d.h[ia][ia] += al * (libm::log(lam) - digamma(al)) * s0 + al * w[1]
            - al * al * trigamma(al) * s0
            - zh[0][0] * s0;
        let hab = al * s0 - zh[0][1] * s0;
        let hac = -al * w[3] - zh[0][2] * s0;
        let hbc = lam * s0 - zh[1][2] * s0;
        d.h[ia][ib] += hab;
        d.h[ib][ia] += hab;
        d.h[ia][ic] += hac;
        d.h[ic][ia] += hac;
        d.h[ib][ic] += hbc;
        d.h[ic][ib] += hbc;
        d.h[ib][ib] += -lam * w[2] - zh[1][1] * s0;
        d.h[ic][ic] += -(al - 1.0) * w[9] - zh[2][2] * s0;
    }
    // weight-logit block: Σ_k S_k ∂² ln τ_k = −N τ_i (δ_ij − τ_j)
    for i in 1..k {
        for j in 1..k {
            let delta = if i == j { 1.0 } else { 0.0 };
            d.h[PER * k + i - 1][PER * k + j - 1] -= ntot * p.tau[i] * (delta - p.tau[j]);
        }
    }
    // − G Φ Gᵀ
    for i1 in 0..k {
        let r1 = &rows(p, ev, i1);
        for i2 in 0..k {
            let r2 = &rows(p, ev, i2);
            let mut blk = [[0.0; 4]; 4];
            for (a, row) in blk.iter_mut().enumerate() {
                for (b, e) in row.iter_mut().enumerate() {
                    *e = st.phi[packed(m, 4 * i1 + a, 4 * i2 + b)];
                }
            }
            for &(ra, ref ca) in r1 {
                for &(rb, ref cb) in r2 {
                    d.h[ra][rb] -= quad(ca, &blk, cb);
                }
            }
        }
    }
}

/// Upper bounds of the shifts from the support (the support trap: a shift cannot pass a point
/// its component still claims): just below the smallest point component i claims (r ≥
/// [`R_FLOOR`](super::estep::R_FLOOR) in the pass `st` at `p`), and for the lowest component
/// also below `x_min`; +∞ for a component that claims nothing. The gap below the point is
/// 1e−12 of the component's scale 1/λ (at least a few ULP), so the likelihood given up is about
/// 1e−12 per claimed point.
pub(crate) fn shift_caps(p: &Params, st: &SuffStats, x_min: f64) -> [f64; MAX_COMPONENTS] {
    let k = p.k.min(MAX_COMPONENTS);
    let mut caps = [f64::INFINITY; MAX_COMPONENTS];
    let lowest = (0..k).fold(0, |m, i| if p.c[i] < p.c[m] { i } else { m });
    for i in 0..k {
        let claim = if i == lowest {
            st.xmin[i].min(x_min)
        } else {
            st.xmin[i]
        };
        if !claim.is_finite() {
            continue;
        }
        let gap = (1e-12 / p.lambda[i])
            .max(8.0 * f64::EPSILON * claim.abs())
            .max(f64::MIN_POSITIVE);
        let cap = claim - gap;
        if cap < claim && cap.is_finite() {
            caps[i] = cap;
        }
    }
    caps
}

/// Whether the shift of component `i` is held below its support cap at θ: its shape sits at a
/// floor of 1 (the exponential, whose density is λ > 0 at the shift, so the likelihood drops
/// when the shift passes a claimed point: its optimum is then at the cap, with the shift
/// gradient λS > 0 left over). Above α = 1 the density vanishes at the shift and the
/// shift gradient −(α − 1) Σ r/(x − c) + … turns negative before the cap.
pub(crate) fn shift_capped(th: &[f64; MAX_P], i: usize, b: &Bounds) -> bool {
    b.alpha_min <= 1.0 && th[PER * i] <= libm::log(b.alpha_min) + 1e-12
}

/// Clamp the proposed shifts `tn` to their support caps where [`shift_capped`] holds at `tn`.
pub(crate) fn cap_shifts(
    k: usize,
    tn: &mut [f64; MAX_P],
    caps: &[f64; MAX_COMPONENTS],
    b: &Bounds,
) {
    for i in 0..k.min(MAX_COMPONENTS) {
        let ic = PER * i + 2;
        if shift_capped(tn, i, b) && tn[ic] > caps[i] {
            tn[ic] = caps[i];
        }
    }
}

/// A component that leaves the shape floor while its shift sits at the cap (α = 1 + ε, the
/// claimed point a hair above the shift) would land on the cusp ε·ln(x − c) of that point and
/// creep away from it by doublings of the distance: its proposed shift (in `tn`, a step from
/// `p`, whose pass gave `st` and the caps `caps`) is moved down to the cusp's scale instead,
/// ε/(2λS) below the cap (S = Σ r of the component), where the shift gradient
/// λS − ε Σ r/(x − c) changes sign.
pub(crate) fn retreat_shifts(
    p: &Params,
    tn: &mut [f64; MAX_P],
    caps: &[f64; MAX_COMPONENTS],
    st: &SuffStats,
    b: &Bounds,
) {
    for i in 0..p.k.min(MAX_COMPONENTS) {
        if shift_capped(tn, i, b) || !(caps[i] - p.c[i] <= 1e-9 / p.lambda[i]) {
            continue;
        }
        let s0 = st.w[i][0];
        let (a, lam) = (libm::exp(tn[PER * i]), libm::exp(tn[PER * i + 1]));
        let d = 0.5 * (a - 1.0) / (lam * s0);
        if d.is_finite() && d > 0.0 {
            let ic = PER * i + 2;
            tn[ic] = tn[ic].min(caps[i] - d);
        }
    }
}

/// Which coordinates are free (not held at a bound by a gradient pointing outward), and the
/// projected-gradient norm over them. The bounds are the boxes of [`Params::coord_bounds`] and,
/// for a component at the shape floor α = 1, the support cap of its shift (`caps`, from
/// [`shift_caps`]).
pub(crate) fn projected(
    p: &Params,
    th: &[f64; MAX_P],
    g: &[f64; MAX_P],
    b: &Bounds,
    caps: &[f64; MAX_COMPONENTS],
) -> ([bool; MAX_P], f64) {
    let mut free = [false; MAX_P];
    let mut s = 0.0;
    for i in 0..p.dim() {
        let (lo, mut hi) = p.coord_bounds(i, b);
        if i < PER * p.k && i % PER == 2 && shift_capped(th, i / PER, b) {
            hi = caps[i / PER];
        }
        let at_lo = th[i] <= lo + 1e-12 * (1.0 + lo.abs()) && g[i] < 0.0;
        let at_hi = th[i] >= hi - 1e-12 * (1.0 + hi.abs()) && g[i] > 0.0;
        if !(at_lo || at_hi) {
            free[i] = true;
            s += g[i] * g[i];
        }
    }
    (free, libm::sqrt(s))
}

/// Solve (−H_ff + μ D) δ = g_f by Cholesky; returns false when the system is not positive
/// definite or not finite (the caller raises μ).
pub(crate) fn damped_step(
    d: &Derivs,
    free: &[bool; MAX_P],
    mu: f64,
    out: &mut [f64; MAX_P],
    a: &mut Mat,
) -> bool {
    let mut map = [0usize; MAX_P];
    let mut n = 0;
    for i in 0..d.dim {
        if free[i] {
            map[n] = i;
            n += 1;
        }
    }
    out.fill(0.0);
    if n == 0 {
        return true;
    }
    let mut maxdiag: f64 = 0.0;
    for i in 0..n {
        maxdiag = maxdiag.max((-d.h[map[i]][map[i]]).abs());
    }
    for i in 0..n {
        for j in 0..n {
            a[i][j] = -d.h[map[i]][map[j]];
        }
        let di = a[i][i].abs().max(1e-9 * maxdiag).max(1e-300);
        a[i][i] += mu * di;
    }
    // Cholesky in place (lower)
    for j in 0..n {
        let mut s = a[j][j];
        for l in 0..j {
            s -= a[j][l] * a[j][l];
        }
        if !(s > 0.0) || !s.is_finite() {
            return false;
        }
        let ljj = libm::sqrt(s);
        a[j][j] = ljj;
        for i in j + 1..n {
            let mut t = a[i][j];
            for l in 0..j {
                t -= a[i][l] * a[j][l];
            }
            a[i][j] = t / ljj;
        }
    }
    let mut y = [0.0; MAX_P];
    for i in 0..n {
        let mut t = d.g[map[i]];
        for l in 0..i {
            t -= a[i][l] * y[l];
        }
        y[i] = t / a[i][i];
    }
    for i in (0..n).rev() {
        let mut t = y[i];
        for l in i + 1..n {
            t -= a[l][i] * y[l];
        }
        y[i] = t / a[i][i];
    }
    for i in 0..n {
        if !y[i].is_finite() {
            return false;
        }
        out[map[i]] = y[i];
    }
    true
}
