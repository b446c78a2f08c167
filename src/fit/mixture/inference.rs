//! Standard errors from the observed information (inverse Hessian of the log-likelihood).

use super::engine::evaluate_to;
use super::estep::Order;
use super::newton::{derivs_into, Derivs, Mat};
use super::params::{Params, MAX_P, PER};
use super::stream::params_of;
use super::{MixtureFit, MixtureWorkspace, MAX_COMPONENTS};
use crate::fit::FitError;

/// Standard errors of a fit (delta method on the inverse observed information at the fit).
#[derive(Debug, Clone, Copy)]
pub struct StandardErrors {
    k: usize,
    shape: [f64; MAX_COMPONENTS],
    rate: [f64; MAX_COMPONENTS],
    shift: [f64; MAX_COMPONENTS],
    weight: [f64; MAX_COMPONENTS],
}

/// Equal when K and the K used entries are equal (the unused slots of the fixed capacity, NaN,
/// are not compared).
impl PartialEq for StandardErrors {
    fn eq(&self, o: &Self) -> bool {
        let k = self.k.min(MAX_COMPONENTS);
        self.k == o.k
            && self.shape[..k] == o.shape[..k]
            && self.rate[..k] == o.rate[..k]
            && self.shift[..k] == o.shift[..k]
            && self.weight[..k] == o.weight[..k]
    }
}

impl StandardErrors {
    /// SE of component `i`'s shape α (NaN past the end).
    pub fn shape(&self, i: usize) -> f64 {
        self.get(&self.shape, i)
    }
    /// SE of component `i`'s rate λ.
    pub fn rate(&self, i: usize) -> f64 {
        self.get(&self.rate, i)
    }
    /// SE of component `i`'s shift c.
    pub fn shift(&self, i: usize) -> f64 {
        self.get(&self.shift, i)
    }
    /// SE of component `i`'s weight τ.
    pub fn weight(&self, i: usize) -> f64 {
        self.get(&self.weight, i)
    }
    fn get(&self, a: &[f64; MAX_COMPONENTS], i: usize) -> f64 {
        if i < self.k {
            a[i]
        } else {
            f64::NAN
        }
    }
}

/// Standard errors of `fit` on `data` (the data it was fitted to) from the observed information
/// −∇²LL in (ln α, ln λ, c, η), mapped to (α, λ, c, τ) by the delta method. Errors with
/// [`FitError::BadOption`]`("information")` when the information is not positive definite
/// (e.g. a component at a bound).
///
/// Memory (feature `alloc`): allocates one [`MixtureWorkspace`] on the heap per call (its own
/// stack stays bounded: 4.0 KiB measured on x86-64); [`standard_errors_in`] works in one you
/// keep.
#[cfg(feature = "alloc")]
pub fn standard_errors(fit: &MixtureFit, data: &[f64]) -> Result<StandardErrors, FitError> {
    standard_errors_in(fit, data, &mut <MixtureWorkspace>::boxed())
}

/// [`standard_errors`] with the pass statistics, derivatives and matrices in a caller-provided
/// [`MixtureWorkspace`]: the same standard errors, bit for bit, in a small stack of its own
/// (the plain call allocates a workspace per call).
///
/// # Errors
/// As [`standard_errors`].
pub fn standard_errors_in<const BINS: usize, const SAMPLE: usize>(
    fit: &MixtureFit,
    data: &[f64],
    ws: &mut MixtureWorkspace<BINS, SAMPLE>,
) -> Result<StandardErrors, FitError> {
    let (p, b) = params_of(fit);
    let mut d = data;
    let (st, ev, dv, l, inv) = ws.stage.engine.scratch.information_buffers();
    evaluate_to(&mut d, &p, &b, Order::Hess, st, ev);
    derivs_into(&p, ev, st, dv);
    errors_from(&p, dv, l, inv)
}

/// Standard errors from the derivatives `dv` at `p` (Cholesky of the information into `l`, its
/// inverse into `inv`).
fn errors_from(
    p: &Params,
    dv: &Derivs,
    l: &mut Mat,
    inv: &mut Mat,
) -> Result<StandardErrors, FitError> {
    let n = dv.dim;
    // Cholesky of A = −H, then the inverse
    for j in 0..n {
        let mut s = -dv.h[j][j];
        for m in 0..j {
            s -= l[j][m] * l[j][m];
        }
        if !(s > 0.0) || !s.is_finite() {
            return Err(FitError::BadOption("information"));
        }
        l[j][j] = libm::sqrt(s);
        for i in j + 1..n {
            let mut t = -dv.h[i][j];
            for m in 0..j {
                t -= l[i][m] * l[j][m];
            }
            l[i][j] = t / l[j][j];
        }
    }
    for col in 0..n {
        let mut y = [0.0; MAX_P];
        for i in 0..n {
            let mut t = if i == col { 1.0 } else { 0.0 };
            for m in 0..i {
                t -= l[i][m] * y[m];
            }
            y[i] = t / l[i][i];
        }
        for i in (0..n).rev() {
            let mut t = y[i];
            for m in i + 1..n {
                t -= l[m][i] * y[m];
            }
            y[i] = t / l[i][i];
        }
        for i in 0..n {
            inv[i][col] = y[i];
        }
    }
    let k = p.k;
    let mut se = StandardErrors {
        k,
        shape: [f64::NAN; MAX_COMPONENTS],
        rate: [f64::NAN; MAX_COMPONENTS],
        shift: [f64::NAN; MAX_COMPONENTS],
        weight: [0.0; MAX_COMPONENTS],
    };
    for i in 0..k {
        se.shape[i] = p.alpha[i] * libm::sqrt(inv[PER * i][PER * i]);
        se.rate[i] = p.lambda[i] * libm::sqrt(inv[PER * i + 1][PER * i + 1]);
        se.shift[i] = libm::sqrt(inv[PER * i + 2][PER * i + 2]);
    }
    // τ_i = softmax(0, η): ∂τ_i/∂η_j = τ_i(δ_ij − τ_j), j ≥ 1
    for i in 0..k {
        let mut var = 0.0;
        for j1 in 1..k {
            let g1 = p.tau[i] * (if i == j1 { 1.0 } else { 0.0 } - p.tau[j1]);
            for j2 in 1..k {
                let g2 = p.tau[i] * (if i == j2 { 1.0 } else { 0.0 } - p.tau[j2]);
                var += g1 * g2 * inv[PER * k + j1 - 1][PER * k + j2 - 1];
            }
        }
        se.weight[i] = libm::sqrt(var.max(0.0));
    }
    Ok(se)
}
