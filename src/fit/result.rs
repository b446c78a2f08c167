//! The result of a shifted-gamma fit: parameters, log-likelihood, and how it converged.

use crate::dist::{ParamError, ShiftedGamma, TruncatedShiftedGamma};

use crate::Real;

/// Which regime the maximum-likelihood fit ended in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Regime {
    /// An interior maximum of the profile likelihood (α > 1, finite shift).
    Regular,
    /// α ≤ 1: the likelihood is unbounded as the shift approaches the minimum. The shift is put
    /// at `x_min − boundary_gap·(x_max − x_min)` and (α, λ) fitted there.
    ShapeAtMostOne,
    /// The profile likelihood increases all the way to α → ∞ (the gamma becomes a normal):
    /// α is reported at `shape_cap`, with mean and variance matched.
    NormalLimit,
}

/// A fitted shifted gamma on [lo, hi], with its log-likelihood and convergence report.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GammaFit<T> {
    pub(crate) shape: T,
    pub(crate) rate: T,
    pub(crate) shift: T,
    pub(crate) lo: T,
    pub(crate) hi: T,
    pub(crate) log_likelihood: T,
    pub(crate) log_likelihood_untruncated: T,
    pub(crate) gradient: T,
    pub(crate) n: u64,
    pub(crate) passes: usize,
    pub(crate) sketch_passes: usize,
    pub(crate) regime: Regime,
    pub(crate) converged: bool,
    pub(crate) dist: TruncatedShiftedGamma,
}

impl<T: Real> GammaFit<T> {
    /// Shape α.
    pub fn shape(&self) -> T {
        self.shape
    }
    /// Rate λ.
    pub fn rate(&self) -> T {
        self.rate
    }
    /// Shift c.
    pub fn shift(&self) -> T {
        self.shift
    }
    /// Log-likelihood of the model truncated to [lo, hi], summed over the data:
    /// Σ ln g(xᵢ) − n ln Z. Never below [`log_likelihood_untruncated`](Self::log_likelihood_untruncated)
    /// (Z ≤ 1).
    pub fn log_likelihood(&self) -> T {
        self.log_likelihood
    }
    /// Log-likelihood of the untruncated shifted gamma (what scipy's `gamma.logpdf` sums).
    pub fn log_likelihood_untruncated(&self) -> T {
        self.log_likelihood_untruncated
    }
    /// dℓ/dc of the profile likelihood, summed over the data, at the reported shift (≈ 0 at a
    /// regular optimum; the size of the remaining pull otherwise).
    pub fn gradient(&self) -> T {
        self.gradient
    }
    /// Number of observations.
    pub fn n(&self) -> u64 {
        self.n
    }
    /// Passes over the raw data (the validating/sketching pass included); 0 for a sketch fit.
    pub fn passes(&self) -> usize {
        self.passes
    }
    /// Passes over the sketch's bins (O(bins) each).
    pub fn sketch_passes(&self) -> usize {
        self.sketch_passes
    }
    /// Regime the fit ended in.
    pub fn regime(&self) -> Regime {
        self.regime
    }
    /// Whether the Newton iteration met its tolerance (always true for the boundary and
    /// normal-limit regimes, which end by construction).
    pub fn converged(&self) -> bool {
        self.converged
    }
    /// Truncation interval (lo, hi).
    pub fn interval(&self) -> (T, T) {
        (self.lo, self.hi)
    }
}

impl<T> GammaFit<T> {
    /// The fitted distribution, truncated to [lo, hi] (validated when the fit was made).
    pub fn distribution(&self) -> TruncatedShiftedGamma {
        self.dist
    }
    /// The fitted distribution without truncation.
    pub fn untruncated(&self) -> ShiftedGamma {
        *self.dist.base()
    }
}

use super::error::FitError;
use super::options::FitOptions;
use super::profile::Outcome;

/// Turns a Newton outcome into a [`GammaFit`]: checks the parameters are finite and valid and
/// adds the truncation term −n ln Z.
pub(crate) fn assemble(
    out: &Outcome,
    n: u64,
    opts: &FitOptions,
    passes: usize,
    sketch_passes: usize,
) -> Result<GammaFit<f64>, FitError> {
    let dist = TruncatedShiftedGamma::new(out.alpha, out.rate, out.shift, opts.lo, opts.hi)?;
    let nf = n as f64;
    let ll_u = out.ll * nf;
    let ll_t = ll_u - nf * dist.ln_normaliser();
    if !(ll_u.is_finite() && ll_t.is_finite() && out.grad_c.is_finite()) {
        return Err(FitError::Distribution(ParamError::NormaliserUnderflow));
    }
    Ok(GammaFit {
        shape: out.alpha,
        rate: out.rate,
        shift: out.shift,
        lo: opts.lo,
        hi: opts.hi,
        log_likelihood: ll_t,
        log_likelihood_untruncated: ll_u,
        gradient: out.grad_c * nf,
        n,
        passes,
        sketch_passes,
        regime: out.regime,
        converged: out.converged,
        dist,
    })
}
