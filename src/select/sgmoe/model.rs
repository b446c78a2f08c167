//! The SGMoE model p(y|x) = Σ_k softmax_k(w0_k + w1_kᵀx) N(y | b_k + A_kᵀx, σ²_k), fixed capacity.
use crate::select::SelectError;
use crate::support::log_sum_exp;
use nalgebra::{SMatrix, SVector};

/// ln √(2π).
pub(crate) const LN_SQRT_2PI: f64 = 0.918_938_533_204_672_8;

/// One expert with its gate: gate score w0 + w1ᵀx, regression mean b + Aᵀx, variance σ².
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Expert<const D: usize> {
    /// Gate intercept w0.
    pub w0: f64,
    /// Gate slope w1.
    pub w1: SVector<f64, D>,
    /// Regression intercept b.
    pub b: f64,
    /// Regression slope A.
    pub a: SVector<f64, D>,
    /// Noise variance σ² (> 0).
    pub sigma2: f64,
}

impl<const D: usize> Default for Expert<D> {
    fn default() -> Self {
        Self {
            w0: 0.0,
            w1: SVector::zeros(),
            b: 0.0,
            a: SVector::zeros(),
            sigma2: 1.0,
        }
    }
}

impl<const D: usize> Expert<D> {
    /// Gate score w0 + w1ᵀx.
    #[inline]
    pub fn gate_score(&self, x: &SVector<f64, D>) -> f64 {
        self.w0 + self.w1.dot(x)
    }
    /// log N(y | b + Aᵀx, σ²).
    #[inline]
    pub fn log_expert(&self, x: &SVector<f64, D>, y: f64) -> f64 {
        let r = y - self.b - self.a.dot(x);
        -LN_SQRT_2PI - 0.5 * libm::log(self.sigma2) - 0.5 * r * r / self.sigma2
    }
    /// Check finiteness and σ² > 0.
    ///
    /// # Errors
    /// [`SelectError::InvalidParameter`] (a parameter NaN or infinite, variance ≤ 0).
    pub fn validate(&self) -> Result<(), SelectError> {
        let ok = self.w0.is_finite()
            && self.b.is_finite()
            && self.sigma2.is_finite()
            && self.w1.iter().all(|v| v.is_finite())
            && self.a.iter().all(|v| v.is_finite());
        if !ok {
            return Err(SelectError::InvalidParameter);
        }
        if self.sigma2 <= 0.0 {
            return Err(SelectError::InvalidParameter);
        }
        Ok(())
    }
}

/// A softmax-gated Gaussian mixture of experts with x ∈ R^D and at most K experts.
///
/// ```
/// use nalgebra::SVector;
/// use simstat::select::sgmoe::{Expert, Sgmoe};
/// let e0 = Expert { w0: 0.0, w1: SVector::from([2.0]), b: -1.0, a: SVector::from([1.0]), sigma2: 0.1 };
/// let e1 = Expert { w0: 0.0, w1: SVector::zeros(), b: 1.0, a: SVector::from([-1.0]), sigma2: 0.1 };
/// let m = Sgmoe::<1, 4>::new(&[e0, e1]).unwrap();
/// let x = SVector::from([0.5]);
/// assert!(m.log_density(&x, 0.0).is_finite());
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sgmoe<const D: usize, const K: usize> {
    k: usize,
    experts: [Expert<D>; K],
}

impl<const D: usize, const K: usize> Sgmoe<D, K> {
    /// A model from its experts (1 ≤ len ≤ K). Gates are used as given (softmax is invariant to
    /// a common translation; [`Sgmoe::pin_last_gate`] normalises).
    ///
    /// # Errors
    /// [`SelectError::TooFewAtoms`], [`SelectError::TooManyAtoms`] or an expert's validation
    /// error.
    pub fn new(experts: &[Expert<D>]) -> Result<Self, SelectError> {
        if experts.is_empty() {
            return Err(SelectError::TooFewAtoms);
        }
        if experts.len() > K {
            return Err(SelectError::TooManyAtoms { capacity: K });
        }
        let mut e = [Expert::default(); K];
        for (slot, x) in e.iter_mut().zip(experts) {
            x.validate()?;
            *slot = *x;
        }
        Ok(Self {
            k: experts.len(),
            experts: e,
        })
    }

    /// Number of experts.
    pub fn k(&self) -> usize {
        self.k
    }

    /// The experts.
    pub fn experts(&self) -> &[Expert<D>] {
        self.experts.get(..self.k).unwrap_or(&[])
    }

    pub(crate) fn experts_mut(&mut self) -> &mut [Expert<D>] {
        self.experts.get_mut(..self.k).unwrap_or(&mut [])
    }

    /// Translate all gates so that the last expert's gate is (0, 0) (the reference code's
    /// identifiability convention; the model's density does not change).
    pub fn pin_last_gate(&mut self) {
        if let Some(last) = self.experts().last().copied() {
            for e in self.experts_mut() {
                e.w0 -= last.w0;
                e.w1 -= last.w1;
            }
        }
    }

    /// Log gate probabilities log π_k(x) into `out` (first k entries); returns k.
    pub fn log_gates(&self, x: &SVector<f64, D>, out: &mut [f64; K]) -> usize {
        log_softmax_scores(self.experts(), x, out)
    }

    /// Conditional log-density log p(y | x).
    pub fn log_density(&self, x: &SVector<f64, D>, y: f64) -> f64 {
        log_density_of(self.experts(), x, y, &mut [0.0; K])
    }

    /// Conditional log-likelihood Σ_t log p(y_t | x_t).
    ///
    /// # Errors
    /// [`SelectError::LengthMismatch`] (lengths differ), [`SelectError::NonFinite`] (with the row).
    pub fn log_likelihood(&self, xs: &[SVector<f64, D>], ys: &[f64]) -> Result<f64, SelectError> {
        check_data(xs, ys)?;
        let mut buf = [0.0; K];
        let mut ll = 0.0;
        for (x, &y) in xs.iter().zip(ys) {
            ll += log_density_of(self.experts(), x, y, &mut buf);
        }
        if ll.is_finite() {
            Ok(ll)
        } else {
            Err(SelectError::NumericalFailure)
        }
    }

    /// Draw y given x from the model, from a uniform `u` ∈ [0, 1) (picks the expert by its gate
    /// probability) and a standard normal `z`: deterministic, so tests bring their own RNG.
    pub fn sample_y(&self, x: &SVector<f64, D>, u: f64, z: f64) -> f64 {
        let mut lg = [0.0; K];
        let k = self.log_gates(x, &mut lg);
        let mut acc = 0.0;
        let mut pick = k.saturating_sub(1);
        for (i, l) in lg.iter().take(k).enumerate() {
            acc += libm::exp(*l);
            if u < acc {
                pick = i;
                break;
            }
        }
        let e = self.experts().get(pick).copied().unwrap_or_default();
        e.b + e.a.dot(x) + libm::sqrt(e.sigma2) * z
    }

    /// Number of free parameters: (k − 1)(D + 1) gate + k(D + 1) regression + k variances.
    pub fn n_params(&self) -> usize {
        n_params(self.k, D)
    }
}

/// Free parameters of a k-expert SGMoE in dimension d.
pub fn n_params(k: usize, d: usize) -> usize {
    k.saturating_sub(1) * (d + 1) + k * (d + 1) + k
}

/// Log-softmax of the gate scores of `experts` at x into `out`; returns how many were written.
pub(crate) fn log_softmax_scores<const D: usize, const K: usize>(
    experts: &[Expert<D>],
    x: &SVector<f64, D>,
    out: &mut [f64; K],
) -> usize {
    let mut k = 0;
    for (o, e) in out.iter_mut().zip(experts) {
        *o = e.gate_score(x);
        k += 1;
    }
    let lse = log_sum_exp(&out[..k]);
    for o in out.iter_mut().take(k) {
        *o -= lse;
    }
    k
}

/// log p(y|x) of a set of experts, with a scratch buffer; also leaves log π_k + log N_k in buf.
pub(crate) fn log_density_of<const D: usize, const K: usize>(
    experts: &[Expert<D>],
    x: &SVector<f64, D>,
    y: f64,
    buf: &mut [f64; K],
) -> f64 {
    let k = log_softmax_scores(experts, x, buf);
    for (b, e) in buf.iter_mut().zip(experts).take(k) {
        *b += e.log_expert(x, y);
    }
    let l = log_sum_exp(&buf[..k]);
    if l.is_finite() {
        l
    } else {
        f64::NEG_INFINITY
    }
}

/// Check equal lengths and finite values.
pub(crate) fn check_data<const D: usize>(
    xs: &[SVector<f64, D>],
    ys: &[f64],
) -> Result<(), SelectError> {
    if xs.len() != ys.len() {
        return Err(SelectError::LengthMismatch);
    }
    if xs.is_empty() {
        return Err(SelectError::TooFewSamples { n: 0, needed: 1 });
    }
    match xs
        .iter()
        .zip(ys)
        .position(|(x, y)| !(y.is_finite() && x.iter().all(|v| v.is_finite())))
    {
        Some(index) => Err(SelectError::NonFinite { index }),
        None => Ok(()),
    }
}

/// Solve the (D+1)-system [[s, uᵀ], [u, M]] [t0; t] = [g0; g] by the Schur complement
/// (M − u uᵀ/s) t = g − u g0/s, t0 = (g0 − uᵀt)/s, with a relative ridge on the diagonal.
pub(crate) fn solve_augmented<const D: usize>(
    s: f64,
    u: &SVector<f64, D>,
    m: &SMatrix<f64, D, D>,
    g0: f64,
    g: &SVector<f64, D>,
    ridge: f64,
) -> Option<(f64, SVector<f64, D>)> {
    if !(s > 0.0 && s.is_finite()) {
        return None;
    }
    let mut schur = m - u * u.transpose() / s;
    for i in 0..D {
        schur[(i, i)] += ridge * (1.0 + schur[(i, i)].abs());
    }
    let rhs = g - u * (g0 / s);
    let t = if D == 0 {
        SVector::zeros()
    } else {
        schur.cholesky()?.solve(&rhs)
    };
    let t0 = (g0 - u.dot(&t)) / s;
    if t0.is_finite() && t.iter().all(|v| v.is_finite()) {
        Some((t0, t))
    } else {
        None
    }
}
