//! E-step: log-space component densities, log-sum-exp responsibilities, and the mergeable
//! per-pass sufficient statistics (first and second moments the M-step and Newton steps need).

use super::params::{ln_norm_derivs, Bounds, LnZ, Params};
use super::MAX_COMPONENTS;
use crate::special::ln_gamma;

/// Responsibilities below this are treated as exactly 0 (support trap, failure mode 4).
pub(crate) const R_FLOOR: f64 = 1e-10;
/// Length of the per-point feature vector φ = (r_k·(1, ln d, d, 1/d))_k.
pub(crate) const MAX_V: usize = 4 * MAX_COMPONENTS;
/// Packed upper triangle of a MAX_V × MAX_V matrix.
pub(crate) const PHI_LEN: usize = MAX_V * (MAX_V + 1) / 2;

/// Per-pass sufficient statistics of a mixture at fixed parameters. Sums only, so statistics of
/// disjoint shards [`merge`](SuffStats::merge) into those of their union (up to rounding).
///
/// With d = x − c_k and v = (1, ln d, d, 1/d): `w[k]` holds Σ r_k v vᵀ (packed 4 × 4 upper
/// triangle: S, Σ r ln d, Σ r d, Σ r/d, Σ r ln²d, …, Σ r/d²), `phi` holds Σ φ φᵀ for
/// φ = (r_k v_k)_k (only when second-order statistics are requested).
#[derive(Clone, Debug)]
pub struct SuffStats {
    pub(crate) k: usize,
    pub(crate) second_order: bool,
    pub(crate) n: f64,
    pub(crate) count: u64,
    pub(crate) ll: f64,
    pub(crate) uncovered: u64,
    pub(crate) w: [[f64; 10]; MAX_COMPONENTS],
    pub(crate) xmin: [f64; MAX_COMPONENTS],
    pub(crate) phi: [f64; PHI_LEN],
    scratch: [f64; MAX_V],
}

impl SuffStats {
    /// Empty statistics for `k` components (`second_order`: also accumulate Σ φ φᵀ).
    pub(crate) fn new(k: usize, second_order: bool) -> Self {
        SuffStats {
            k: k.min(MAX_COMPONENTS),
            second_order,
            n: 0.0,
            count: 0,
            ll: 0.0,
            uncovered: 0,
            w: [[0.0; 10]; MAX_COMPONENTS],
            xmin: [f64::INFINITY; MAX_COMPONENTS],
            phi: [0.0; PHI_LEN],
            scratch: [0.0; MAX_V],
        }
    }

    /// Add the statistics of a disjoint shard (same parameters, same K) into these.
    pub fn merge(&mut self, other: &SuffStats) {
        self.n += other.n;
        self.count += other.count;
        self.ll += other.ll;
        self.uncovered += other.uncovered;
        for i in 0..self.k {
            for j in 0..10 {
                self.w[i][j] += other.w[i][j];
            }
            self.xmin[i] = self.xmin[i].min(other.xmin[i]);
        }
        if self.second_order && other.second_order {
            let m = 4 * self.k;
            for (a, b) in self.phi[..m * (m + 1) / 2]
                .iter_mut()
                .zip(other.phi[..m * (m + 1) / 2].iter())
            {
                *a += *b;
            }
        }
    }

    /// Total weight (number of points for unweighted data).
    pub fn weight(&self) -> f64 {
        self.n
    }

    /// Observed log-likelihood of the data seen, at the parameters of the pass (−∞ when a point
    /// lies outside every component's support).
    pub fn log_likelihood(&self) -> f64 {
        if self.uncovered > 0 {
            f64::NEG_INFINITY
        } else {
            self.ll
        }
    }

    /// Σ r_k for component `i` of the pass (internal order); 0 out of range.
    pub fn component_weight(&self, i: usize) -> f64 {
        if i < self.k {
            self.w[i][0]
        } else {
            0.0
        }
    }

    /// Largest relative difference of every accumulated sum against `other` (for checking that
    /// shard merges reproduce whole-data statistics).
    pub fn max_rel_diff(&self, other: &SuffStats) -> f64 {
        let rel = |a: f64, b: f64| {
            let s = a.abs().max(b.abs());
            if s == 0.0 {
                0.0
            } else {
                (a - b).abs() / s
            }
        };
        let mut d = rel(self.n, other.n).max(rel(self.ll, other.ll));
        for i in 0..self.k.min(other.k) {
            for j in 0..10 {
                d = d.max(rel(self.w[i][j], other.w[i][j]));
            }
        }
        if self.second_order && other.second_order {
            let m = 4 * self.k.min(other.k);
            for j in 0..m * (m + 1) / 2 {
                d = d.max(rel(self.phi[j], other.phi[j]));
            }
        }
        d
    }
}

/// Per-component constants of one E-step pass.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Evaluator {
    pub k: usize,
    pub second_order: bool,
    /// ln τ + α ln λ − ln Γ(α) − ln Z
    pub cst: [f64; MAX_COMPONENTS],
    pub am1: [f64; MAX_COMPONENTS],
    pub lam: [f64; MAX_COMPONENTS],
    pub c: [f64; MAX_COMPONENTS],
    pub lnz: [LnZ; MAX_COMPONENTS],
    /// false when some normaliser underflows (parameters infeasible)
    pub feasible: bool,
}

impl Evaluator {
    /// Precompute the constants for `p` (with ln Z derivatives when `second_order`).
    pub fn new(p: &Params, b: &Bounds, second_order: bool) -> Self {
        let mut e = Evaluator {
            k: p.k.min(MAX_COMPONENTS),
            second_order,
            cst: [f64::NEG_INFINITY; MAX_COMPONENTS],
            am1: [0.0; MAX_COMPONENTS],
            lam: [0.0; MAX_COMPONENTS],
            c: [0.0; MAX_COMPONENTS],
            lnz: [LnZ::default(); MAX_COMPONENTS],
            feasible: p.is_valid(),
        };
        for i in 0..e.k {
            let z = ln_norm_derivs(p.alpha[i], p.lambda[i], p.c[i], b, second_order);
            if !z.v.is_finite() {
                e.feasible = false;
            }
            e.lnz[i] = z;
            e.cst[i] = libm::log(p.tau[i]) + p.alpha[i] * libm::log(p.lambda[i])
                - ln_gamma(p.alpha[i])
                - z.v;
            e.am1[i] = p.alpha[i] - 1.0;
            e.lam[i] = p.lambda[i];
            e.c[i] = p.c[i];
        }
        e
    }

    /// Log mixture density ln p(x) and (into `r`) the responsibilities; −∞ (r all 0) when no
    /// component covers x.
    #[inline(always)]
    pub fn ln_density(
        &self,
        x: f64,
        r: &mut [f64; MAX_COMPONENTS],
        ld: &mut [f64; MAX_COMPONENTS],
    ) -> f64 {
        let k = self.k;
        let mut lmax = f64::NEG_INFINITY;
        for i in 0..k {
            let d = x - self.c[i];
            if d > 0.0 {
                let l = libm::log(d);
                ld[i] = l;
                let li = self.cst[i] + self.am1[i] * l - self.lam[i] * d;
                r[i] = li;
                if li > lmax {
                    lmax = li;
                }
            } else {
                ld[i] = f64::NEG_INFINITY;
                r[i] = f64::NEG_INFINITY;
            }
        }
        if lmax == f64::NEG_INFINITY || lmax.is_nan() {
            r[..k].fill(0.0);
            return f64::NEG_INFINITY;
        }
        let mut s = 0.0;
        for ri in r[..k].iter_mut() {
            let e = if *ri == lmax {
                1.0
            } else if *ri == f64::NEG_INFINITY {
                0.0
            } else {
                libm::exp(*ri - lmax)
            };
            *ri = e;
            s += e;
        }
        let inv = 1.0 / s;
        for ri in r[..k].iter_mut() {
            *ri *= inv;
        }
        lmax + libm::log(s)
    }

    /// Accumulate one point `x` with weight `w` into `st`.
    #[inline(always)]
    pub fn add(&self, x: f64, w: f64, st: &mut SuffStats) {
        let k = self.k;
        let mut r = [0.0; MAX_COMPONENTS];
        let mut ld = [0.0; MAX_COMPONENTS];
        let lp = self.ln_density(x, &mut r, &mut ld);
        st.n += w;
        st.count += 1;
        if lp == f64::NEG_INFINITY || lp.is_nan() {
            st.uncovered += 1;
            return;
        }
        st.ll += w * lp;
        let phi = &mut st.scratch;
        for i in 0..k {
            let ri = r[i];
            if ri < R_FLOOR {
                if self.second_order {
                    phi[4 * i..4 * i + 4].fill(0.0);
                }
                continue;
            }
            let d = x - self.c[i];
            let v = [1.0, ld[i], d, 1.0 / d];
            let rw = ri * w;
            let wi = &mut st.w[i];
            wi[0] += rw;
            wi[1] += rw * v[1];
            wi[2] += rw * v[2];
            wi[3] += rw * v[3];
            wi[4] += rw * v[1] * v[1];
            wi[5] += rw * v[1] * v[2];
            wi[6] += rw * v[1] * v[3];
            wi[7] += rw * v[2] * v[2];
            wi[8] += rw; // d · (1/d)
            wi[9] += rw * v[3] * v[3];
            if x < st.xmin[i] {
                st.xmin[i] = x;
            }
            if self.second_order {
                phi[4 * i] = ri;
                phi[4 * i + 1] = ri * v[1];
                phi[4 * i + 2] = ri * v[2];
                phi[4 * i + 3] = ri * v[3];
            }
        }
        if self.second_order {
            let m = 4 * k;
            let mut idx = 0;
            for a in 0..m {
                let pa = phi[a] * w;
                if pa == 0.0 {
                    idx += m - a;
                    continue;
                }
                for (dst, pb) in st.phi[idx..idx + m - a].iter_mut().zip(phi[a..m].iter()) {
                    *dst += pa * pb;
                }
                idx += m - a;
            }
        }
    }

    /// Accumulate a slice of unit-weight points.
    pub fn add_slice(&self, xs: &[f64], st: &mut SuffStats) {
        for &x in xs {
            self.add(x, 1.0, st);
        }
    }
}

/// Index of (a, b) in a packed upper triangle of an m × m matrix (rows of m, m − 1, … entries).
#[inline(always)]
pub(crate) fn packed(m: usize, a: usize, b: usize) -> usize {
    let (a, b) = if a <= b { (a, b) } else { (b, a) };
    a * m - a * a.saturating_sub(1) / 2 + (b - a)
}
