//! The fitted mixture: components ordered by shift, weights, log-likelihood, information
//! criteria and the convergence facts of the run.

use core::marker::PhantomData;

use super::engine::Run;
use super::params::Bounds;
use super::{FitError, MAX_COMPONENTS};
use crate::dist::TruncatedShiftedGamma;
use crate::Real;

/// A fitted mixture of truncated shifted gammas (at most [`MAX_COMPONENTS`], stored inline).
///
/// Components are ordered by increasing shift in every result (no label switching).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MixtureFit<T: Real = f64> {
    k: usize,
    weights: [f64; MAX_COMPONENTS],
    comps: [TruncatedShiftedGamma; MAX_COMPONENTS],
    ll: f64,
    n: u64,
    iterations: usize,
    passes: usize,
    stage1_passes: usize,
    grad_norm: f64,
    converged: bool,
    at_shape_cap: bool,
    at_shape_floor: bool,
    _t: PhantomData<T>,
}

impl MixtureFit<f64> {
    pub(crate) fn from_run(
        run: &Run,
        b: &Bounds,
        n: u64,
        stage1_passes: usize,
        stage1_iters: usize,
    ) -> Result<Self, FitError> {
        let mut p = run.p;
        if !p.is_valid() || !run.ll.is_finite() {
            return Err(FitError::Distribution(crate::dist::ParamError::NonFinite {
                param: "mixture",
            }));
        }
        p.sort_by_shift();
        let first = TruncatedShiftedGamma::new(p.alpha[0], p.lambda[0], p.c[0], b.lo, b.hi)?;
        let mut comps = [first; MAX_COMPONENTS];
        let mut weights = [0.0; MAX_COMPONENTS];
        let mut at_cap = false;
        let mut at_floor = false;
        for i in 0..p.k {
            comps[i] = TruncatedShiftedGamma::new(p.alpha[i], p.lambda[i], p.c[i], b.lo, b.hi)?;
            weights[i] = p.tau[i];
            at_cap |= p.at_shape_cap(i, b);
            at_floor |= p.alpha[i] <= b.alpha_min * (1.0 + 1e-9);
        }
        Ok(MixtureFit {
            k: p.k,
            weights,
            comps,
            ll: run.ll,
            n,
            iterations: run.iters + run.em_iters + stage1_iters,
            passes: run.passes,
            stage1_passes,
            grad_norm: run.pg,
            converged: run.converged,
            at_shape_cap: at_cap,
            at_shape_floor: at_floor,
            _t: PhantomData,
        })
    }

    /// A mixture made of given weights and components (1 ≤ K ≤ [`MAX_COMPONENTS`]) for
    /// evaluation (ln pdf, responsibilities) only: the run facts are zero. `None` for a bad K or
    /// mismatched lengths; the caller has checked the weights.
    #[cfg(feature = "ffi")]
    pub(crate) fn from_parts(
        weights: &[f64],
        components: &[TruncatedShiftedGamma],
        n: u64,
        ll: f64,
    ) -> Option<Self> {
        let k = components.len();
        if k == 0 || k > MAX_COMPONENTS || weights.len() != k {
            return None;
        }
        let mut comps = [components[0]; MAX_COMPONENTS];
        let mut w = [0.0; MAX_COMPONENTS];
        comps[..k].copy_from_slice(components);
        w[..k].copy_from_slice(weights);
        Some(MixtureFit {
            k,
            weights: w,
            comps,
            ll,
            n,
            iterations: 0,
            passes: 0,
            stage1_passes: 0,
            grad_norm: f64::NAN,
            converged: false,
            at_shape_cap: false,
            at_shape_floor: false,
            _t: PhantomData,
        })
    }
}

impl<T: Real> MixtureFit<T> {
    /// Number of components K.
    pub fn len(&self) -> usize {
        self.k
    }

    /// Always false (a fit has at least one component).
    pub fn is_empty(&self) -> bool {
        self.k == 0
    }

    /// Weight τ_i of component `i` (0 for `i ≥ len()`).
    pub fn weight(&self, i: usize) -> T {
        if i < self.k {
            T::from_f64(self.weights[i])
        } else {
            T::zero()
        }
    }

    /// All weights, in component order.
    pub fn weights(&self) -> &[f64] {
        self.weights.get(..self.k).unwrap_or(&[])
    }

    /// Component `i` (ordered by shift); `i` is clamped to `len() − 1`. See [`get`](Self::get)
    /// for a checked version.
    pub fn component(&self, i: usize) -> TruncatedShiftedGamma {
        self.comps[i.min(self.k.saturating_sub(1)).min(MAX_COMPONENTS - 1)]
    }

    /// Component `i`, or `None` past the end.
    pub fn get(&self, i: usize) -> Option<&TruncatedShiftedGamma> {
        self.components().get(i)
    }

    /// All components, ordered by shift.
    pub fn components(&self) -> &[TruncatedShiftedGamma] {
        self.comps.get(..self.k).unwrap_or(&[])
    }

    /// Log-likelihood of the data at the fit.
    pub fn log_likelihood(&self) -> T {
        T::from_f64(self.ll)
    }

    /// Number of observations fitted.
    pub fn n(&self) -> u64 {
        self.n
    }

    /// Number of free parameters, 4K − 1.
    pub fn num_params(&self) -> usize {
        4 * self.k - 1
    }

    /// Akaike information criterion 2p − 2 LL.
    pub fn aic(&self) -> T {
        T::from_f64(2.0 * self.num_params() as f64 - 2.0 * self.ll)
    }

    /// Bayesian information criterion p ln N − 2 LL.
    pub fn bic(&self) -> T {
        T::from_f64(self.num_params() as f64 * libm::log(self.n as f64) - 2.0 * self.ll)
    }

    /// Log mixture density ln p(x) (−∞ outside every component's support).
    pub fn ln_pdf(&self, x: T) -> T {
        let x = x.to_f64();
        let mut l = [f64::NEG_INFINITY; MAX_COMPONENTS];
        T::from_f64(self.log_terms(x, &mut l))
    }

    fn log_terms(&self, x: f64, l: &mut [f64; MAX_COMPONENTS]) -> f64 {
        let mut m = f64::NEG_INFINITY;
        for (li, (c, w)) in l
            .iter_mut()
            .zip(self.components().iter().zip(self.weights()))
        {
            *li = libm::log(*w) + c.ln_pdf(x);
            if *li > m {
                m = *li;
            }
        }
        if m == f64::NEG_INFINITY || m.is_nan() {
            return m;
        }
        let s: f64 = l[..self.k].iter().map(|&li| libm::exp(li - m)).sum();
        m + libm::log(s)
    }

    /// Mixture density p(x).
    pub fn pdf(&self, x: T) -> T {
        T::from_f64(libm::exp(self.ln_pdf(x).to_f64()))
    }

    /// Posterior component probabilities at `x` written into `out[..min(len, out.len())]`
    /// (log-sum-exp, so no underflow to 0/0); returns ln p(x). Outside every support all
    /// responsibilities are 0 and −∞ is returned.
    pub fn responsibilities(&self, x: T, out: &mut [f64]) -> T {
        let mut l = [f64::NEG_INFINITY; MAX_COMPONENTS];
        let lp = self.log_terms(x.to_f64(), &mut l);
        for (o, &li) in out.iter_mut().zip(l[..self.k].iter()) {
            *o = if lp.is_finite() {
                libm::exp(li - lp)
            } else {
                0.0
            };
        }
        T::from_f64(lp)
    }

    /// Optimiser iterations in all (EM + Newton, every stage and start).
    pub fn iterations(&self) -> usize {
        self.iterations
    }

    /// Passes over the full data (the exact stage).
    pub fn passes(&self) -> usize {
        self.passes
    }

    /// Passes over the subsample or sketch in the warm-start stage (0 for a cold fit).
    pub fn warm_passes(&self) -> usize {
        self.stage1_passes
    }

    /// Final projected-gradient norm of the log-likelihood in (ln α, ln λ, c, η).
    pub fn gradient_norm(&self) -> T {
        T::from_f64(self.grad_norm)
    }

    /// True when the projected-gradient norm reached its tolerance (≤ grad_tol·N), or the
    /// log-likelihood stopped changing at the relative level `rel_tol` (3 accepted steps in a row).
    pub fn converged(&self) -> bool {
        self.converged
    }

    /// True when some component's shape sits at the cap (the normal limit).
    pub fn at_shape_cap(&self) -> bool {
        self.at_shape_cap
    }

    /// True when some component's shape sits at the floor (α = 1 by default: the likelihood
    /// would be unbounded below it).
    pub fn at_shape_floor(&self) -> bool {
        self.at_shape_floor
    }
}
