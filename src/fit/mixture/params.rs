//! Mixture parameters, their unconstrained coordinates, and the truncation normaliser ln Z.

use super::MAX_COMPONENTS;
use crate::special::{gamma_p, gamma_q};
use crate::support::softmax_in_place;

/// Number of unconstrained coordinates per component besides the weight (ln α, ln λ, c).
pub(crate) const PER: usize = 3;
/// Largest number of unconstrained coordinates: 3K shape/rate/shift + (K − 1) weight logits.
pub(crate) const MAX_P: usize = 4 * MAX_COMPONENTS - 1;

/// Parameters of a K-component truncated shifted-gamma mixture (internal order, not sorted).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Params {
    /// Number of components in use.
    pub k: usize,
    /// Weights (sum to 1).
    pub tau: [f64; MAX_COMPONENTS],
    /// Shapes α.
    pub alpha: [f64; MAX_COMPONENTS],
    /// Rates λ.
    pub lambda: [f64; MAX_COMPONENTS],
    /// Shifts c.
    pub c: [f64; MAX_COMPONENTS],
}

/// Box constraints and the truncation interval the optimiser works under.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Bounds {
    /// Truncation interval.
    pub lo: f64,
    /// Truncation interval.
    pub hi: f64,
    /// Smallest allowed shape (α ≤ 1 makes the likelihood unbounded at the shift).
    pub alpha_min: f64,
    /// Largest allowed shape (the normal limit).
    pub alpha_max: f64,
    /// |η_j| ≤ this bound keeps every weight ratio τ_j/τ_0 within e^{±bound}.
    pub eta_max: f64,
    /// Evaluate passes with the f32 per-point kernel (`Kernel::F32`).
    pub single: bool,
}

impl Params {
    /// Empty parameter set with `k` components (all zero; the caller fills it).
    pub const fn zeroed(k: usize) -> Self {
        Params {
            k,
            tau: [0.0; MAX_COMPONENTS],
            alpha: [0.0; MAX_COMPONENTS],
            lambda: [0.0; MAX_COMPONENTS],
            c: [0.0; MAX_COMPONENTS],
        }
    }

    /// Number of unconstrained coordinates.
    pub fn dim(&self) -> usize {
        4 * self.k - 1
    }

    /// Whether component `i` sits at the shape cap (the normal limit), to 1e-9 relative.
    pub fn at_shape_cap(&self, i: usize, b: &Bounds) -> bool {
        self.alpha[i] >= b.alpha_max * (1.0 - 1e-9)
    }

    /// Every parameter finite and in range, weights positive.
    pub fn is_valid(&self) -> bool {
        if self.k == 0 || self.k > MAX_COMPONENTS {
            return false;
        }
        (0..self.k).all(|i| {
            self.tau[i] > 0.0
                && self.tau[i].is_finite()
                && self.alpha[i] > 0.0
                && self.alpha[i].is_finite()
                && self.lambda[i] > 0.0
                && self.lambda[i].is_finite()
                && self.c[i].is_finite()
        })
    }

    /// To unconstrained coordinates θ = (ln α_i, ln λ_i, c_i)_i, then η_j = ln(τ_j/τ_0), j ≥ 1.
    pub fn write_theta(&self, th: &mut [f64; MAX_P]) {
        let k = self.k;
        for i in 0..k {
            th[PER * i] = libm::log(self.alpha[i]);
            th[PER * i + 1] = libm::log(self.lambda[i]);
            th[PER * i + 2] = self.c[i];
        }
        let l0 = libm::log(self.tau[0]);
        for j in 1..k {
            th[PER * k + j - 1] = libm::log(self.tau[j]) - l0;
        }
    }

    /// From unconstrained coordinates (inverse of [`Params::write_theta`]), written into
    /// `self` (no temporary on the caller's stack).
    pub fn set_from_theta(&mut self, k: usize, th: &[f64; MAX_P]) {
        *self = Params::zeroed(k);
        let p = self;
        for i in 0..k {
            p.alpha[i] = libm::exp(th[PER * i]);
            p.lambda[i] = libm::exp(th[PER * i + 1]);
            p.c[i] = th[PER * i + 2];
        }
        // Weights: softmax of (0, θ_w,1 … θ_w,k−1), the first logit pinned at 0.
        p.tau[0] = 0.0;
        p.tau[1..k].copy_from_slice(&th[PER * k..PER * k + k - 1]);
        softmax_in_place(&mut p.tau[..k], 1.0 / k as f64);
    }

    /// Lower and upper box bound of coordinate `idx` of θ.
    pub fn coord_bounds(&self, idx: usize, b: &Bounds) -> (f64, f64) {
        let k = self.k;
        if idx >= PER * k {
            (-b.eta_max, b.eta_max)
        } else if idx.is_multiple_of(PER) {
            (libm::log(b.alpha_min), libm::log(b.alpha_max))
        } else {
            (f64::NEG_INFINITY, f64::INFINITY)
        }
    }

    /// Reorder components by increasing shift (ties by mean), so results never label-switch.
    pub fn sort_by_shift(&mut self) {
        let k = self.k.min(MAX_COMPONENTS);
        // insertion sort, K ≤ 16
        for i in 1..k {
            let mut j = i;
            while j > 0 && self.key(j) < self.key(j - 1) {
                self.tau.swap(j, j - 1);
                self.alpha.swap(j, j - 1);
                self.lambda.swap(j, j - 1);
                self.c.swap(j, j - 1);
                j -= 1;
            }
        }
    }

    fn key(&self, i: usize) -> (f64, f64) {
        (self.c[i], self.c[i] + self.alpha[i] / self.lambda[i])
    }
}

/// ln Z for a shifted gamma truncated to [lo, hi]: Z = P(α, λ(hi − c)) − P(α, λ·max(lo − c, 0)),
/// computed from the side that does not cancel (as 1 − Q − P when the lower mass is small, as
/// Q − Q otherwise). Returns −∞ when Z underflows or the support misses the interval.
pub(crate) fn ln_norm(alpha: f64, lambda: f64, c: f64, lo: f64, hi: f64) -> f64 {
    if !(alpha > 0.0 && lambda > 0.0 && c.is_finite()) || hi <= c {
        return f64::NEG_INFINITY;
    }
    let xh = lambda * (hi - c);
    let xl = lambda * (lo - c).max(0.0);
    let p_lo = if xl > 0.0 { gamma_p(alpha, xl) } else { 0.0 };
    let z_ln = if p_lo < 0.5 {
        let q_hi = gamma_q(alpha, xh);
        libm::log1p(-(q_hi + p_lo))
    } else {
        let q_lo = gamma_q(alpha, xl);
        let q_hi = gamma_q(alpha, xh);
        libm::log(q_lo - q_hi)
    };
    if z_ln.is_nan() || z_ln > 0.0 {
        // rounding can give a tiny positive value; a NaN means the special functions failed
        if z_ln.is_nan() {
            return f64::NEG_INFINITY;
        }
        return 0.0;
    }
    z_ln
}

/// ln Z with its gradient and Hessian in (ln α, ln λ, c), by central differences.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct LnZ {
    /// ln Z.
    pub v: f64,
    /// Gradient in (ln α, ln λ, c).
    pub g: [f64; 3],
    /// Hessian in (ln α, ln λ, c).
    pub h: [[f64; 3]; 3],
}

/// Evaluate ln Z and (when `derivs` and Z is not 1 to working precision) its derivatives.
pub(crate) fn ln_norm_derivs(alpha: f64, lambda: f64, c: f64, b: &Bounds, derivs: bool) -> LnZ {
    let v = ln_norm(alpha, lambda, c, b.lo, b.hi);
    let mut out = LnZ {
        v,
        ..LnZ::default()
    };
    // Z = 1 to ~1e−14: the derivative terms are far below any tolerance (S·1e−14).
    if !derivs || !v.is_finite() || v > -1e-14 {
        return out;
    }
    let x0 = [libm::log(alpha), libm::log(lambda), c];
    let hstep = [1e-4, 1e-4, 1e-4 / lambda];
    let f = |d: [f64; 3]| {
        ln_norm(
            libm::exp(x0[0] + d[0]),
            libm::exp(x0[1] + d[1]),
            x0[2] + d[2],
            b.lo,
            b.hi,
        )
    };
    for i in 0..3 {
        let mut dp = [0.0; 3];
        let mut dm = [0.0; 3];
        dp[i] = hstep[i];
        dm[i] = -hstep[i];
        let (fp, fm) = (f(dp), f(dm));
        out.g[i] = (fp - fm) / (2.0 * hstep[i]);
        out.h[i][i] = (fp - 2.0 * v + fm) / (hstep[i] * hstep[i]);
        for j in 0..i {
            let mut a = [0.0; 3];
            a[i] = hstep[i];
            a[j] = hstep[j];
            let fpp = f(a);
            a[j] = -hstep[j];
            let fpm = f(a);
            a[i] = -hstep[i];
            let fmm = f(a);
            a[j] = hstep[j];
            let fmp = f(a);
            let hij = (fpp - fpm - fmp + fmm) / (4.0 * hstep[i] * hstep[j]);
            out.h[i][j] = hij;
            out.h[j][i] = hij;
        }
    }
    let finite =
        out.g.iter().all(|x| x.is_finite()) && out.h.iter().flatten().all(|x| x.is_finite());
    if !finite {
        out.g = [0.0; 3];
        out.h = [[0.0; 3]; 3];
    }
    out
}
