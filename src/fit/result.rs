//! The result of a shifted-gamma fit: parameters, log-likelihood, and how it converged.

use crate::dist::{ParamError, ShiftedGamma, TruncatedShiftedGamma};

/// Which regime the maximum-likelihood fit ended in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
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
pub struct GammaFit {
    pub(crate) shape: f64,
    pub(crate) rate: f64,
    pub(crate) shift: f64,
    pub(crate) lo: f64,
    pub(crate) hi: f64,
    pub(crate) log_likelihood: f64,
    pub(crate) log_likelihood_untruncated: f64,
    pub(crate) gradient: f64,
    pub(crate) n: u64,
    pub(crate) passes: usize,
    pub(crate) sketch_passes: usize,
    pub(crate) regime: Regime,
    pub(crate) converged: bool,
    pub(crate) dist: TruncatedShiftedGamma,
}

impl GammaFit {
    /// Shape α.
    pub fn shape(&self) -> f64 {
        self.shape
    }
    /// Rate λ.
    pub fn rate(&self) -> f64 {
        self.rate
    }
    /// Shift c.
    pub fn shift(&self) -> f64 {
        self.shift
    }
    /// Log-likelihood of the model truncated to [lo, hi], summed over the data:
    /// Σ ln g(xᵢ) − n ln Z. Never below [`log_likelihood_untruncated`](Self::log_likelihood_untruncated)
    /// (Z ≤ 1).
    pub fn log_likelihood(&self) -> f64 {
        self.log_likelihood
    }
    /// Log-likelihood of the untruncated shifted gamma (what scipy's `gamma.logpdf` sums).
    pub fn log_likelihood_untruncated(&self) -> f64 {
        self.log_likelihood_untruncated
    }
    /// dℓ/dc of the profile likelihood, summed over the data, at the reported shift (≈ 0 at a
    /// regular optimum; the size of the remaining pull otherwise).
    pub fn gradient(&self) -> f64 {
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
    pub fn interval(&self) -> (f64, f64) {
        (self.lo, self.hi)
    }
}

impl GammaFit {
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
) -> Result<GammaFit, FitError> {
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

/// Every field of a [`GammaFit`] as plain numbers: what the byte form and serde carry, checked
/// by [`GammaFit::from_parts`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct GammaParts {
    pub shape: f64,
    pub rate: f64,
    pub shift: f64,
    pub lo: f64,
    pub hi: f64,
    pub log_likelihood: f64,
    pub log_likelihood_untruncated: f64,
    pub gradient: f64,
    pub n: u64,
    pub passes: u64,
    pub sketch_passes: u64,
    pub regime: Regime,
    pub converged: bool,
}

impl GammaFit {
    /// The fit's fields as plain numbers.
    pub(crate) fn parts(&self) -> GammaParts {
        GammaParts {
            shape: self.shape,
            rate: self.rate,
            shift: self.shift,
            lo: self.lo,
            hi: self.hi,
            log_likelihood: self.log_likelihood,
            log_likelihood_untruncated: self.log_likelihood_untruncated,
            gradient: self.gradient,
            n: self.n,
            passes: self.passes as u64,
            sketch_passes: self.sketch_passes as u64,
            regime: self.regime,
            converged: self.converged,
        }
    }

    /// A fit from its fields, after the checks of a fit read from outside: a valid
    /// distribution ([`TruncatedShiftedGamma::new`], which also rebuilds it as the fit did),
    /// no NaN, counts that fit a `usize`.
    pub(crate) fn from_parts(p: &GammaParts) -> Result<Self, crate::wire::WireError> {
        use crate::wire::WireError;
        let dist = TruncatedShiftedGamma::new(p.shape, p.rate, p.shift, p.lo, p.hi)
            .map_err(|_| WireError::Invalid("distribution"))?;
        for (v, f) in [
            (p.log_likelihood, "log_likelihood"),
            (p.log_likelihood_untruncated, "log_likelihood_untruncated"),
            (p.gradient, "gradient"),
        ] {
            if v.is_nan() {
                return Err(WireError::Invalid(f));
            }
        }
        let count = |v: u64, f| usize::try_from(v).map_err(|_| WireError::Invalid(f));
        Ok(GammaFit {
            shape: p.shape,
            rate: p.rate,
            shift: p.shift,
            lo: p.lo,
            hi: p.hi,
            log_likelihood: p.log_likelihood,
            log_likelihood_untruncated: p.log_likelihood_untruncated,
            gradient: p.gradient,
            n: p.n,
            passes: count(p.passes, "passes")?,
            sketch_passes: count(p.sketch_passes, "sketch_passes")?,
            regime: p.regime,
            converged: p.converged,
            dist,
        })
    }
}

/// Byte form (kind 4): shape, rate, shift, lo, hi, the two log-likelihoods and the gradient,
/// n, the pass counts, the regime and the convergence flag. The distribution is rebuilt with
/// [`TruncatedShiftedGamma::new`], as the fit built it.
impl crate::wire::ByteForm for GammaFit {
    const KIND: u16 = 4;

    fn payload_len(&self) -> usize {
        8 * 8 + 3 * 8 + 2
    }

    fn write_payload(&self, w: &mut crate::wire::Writer<'_>) {
        let p = self.parts();
        for v in [
            p.shape,
            p.rate,
            p.shift,
            p.lo,
            p.hi,
            p.log_likelihood,
            p.log_likelihood_untruncated,
            p.gradient,
        ] {
            w.f64(v);
        }
        w.u64(p.n);
        w.u64(p.passes);
        w.u64(p.sketch_passes);
        w.u8(match p.regime {
            Regime::Regular => 0,
            Regime::ShapeAtMostOne => 1,
            Regime::NormalLimit => 2,
        });
        w.bool(p.converged);
    }

    fn read_payload(r: &mut crate::wire::Reader<'_>) -> Result<Self, crate::wire::WireError> {
        use crate::wire::WireError;
        let p = GammaParts {
            shape: r.f64()?,
            rate: r.f64()?,
            shift: r.f64()?,
            lo: r.f64()?,
            hi: r.f64()?,
            log_likelihood: r.f64()?,
            log_likelihood_untruncated: r.f64()?,
            gradient: r.f64()?,
            n: r.u64()?,
            passes: r.u64()?,
            sketch_passes: r.u64()?,
            regime: match r.u8()? {
                0 => Regime::Regular,
                1 => Regime::ShapeAtMostOne,
                2 => Regime::NormalLimit,
                _ => return Err(WireError::Invalid("regime")),
            },
            converged: r.bool("converged")?,
        };
        GammaFit::from_parts(&p)
    }
}
