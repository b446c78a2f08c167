//! The fitted mixture: components ordered by shift, weights, log-likelihood, information
//! criteria and the convergence facts of the run.

use super::engine::Run;
use super::params::Bounds;
use super::{FitError, MAX_COMPONENTS};
use crate::dist::TruncatedShiftedGamma;
use crate::support::log_sum_exp;

/// Why the optimiser of a [`MixtureFit`] stopped ([`MixtureFit::stop_reason`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum StopReason {
    /// Converged: the projected-gradient norm reached its tolerance
    /// ([`MixtureOptions::grad_tol`](super::MixtureOptions::grad_tol)·N).
    Gradient,
    /// Converged on the likelihood: 3 accepted steps in a row changed the log-likelihood by at
    /// most [`MixtureOptions::ll_tol`](super::MixtureOptions::ll_tol)·N (or the relative
    /// rounding floor `rel_tol`) while the gradient stayed above its tolerance — a flat ridge
    /// (over-fitted components, a component at the shape cap), where further steps cannot
    /// change the likelihood by a meaningful amount.
    Flat,
    /// Not converged: the iteration limit ([`FitOptions::max_passes`](crate::fit::FitOptions::max_passes))
    /// was reached while the likelihood was still rising.
    PassLimit,
    /// Not converged: no step (Newton, damped, or EM) raised the likelihood before a
    /// convergence test held (typically the rounding floor of the likelihood sum).
    NoAscent,
    /// No optimisation ran: a mixture built by [`MixtureFit::from_components`].
    NotRun,
}

impl StopReason {
    /// A short machine-readable name: `gradient`, `flat`, `pass_limit`, `no_ascent`, `not_run`.
    pub fn name(&self) -> &'static str {
        match self {
            StopReason::Gradient => "gradient",
            StopReason::Flat => "flat",
            StopReason::PassLimit => "pass_limit",
            StopReason::NoAscent => "no_ascent",
            StopReason::NotRun => "not_run",
        }
    }
}

/// The reason in words, e.g. "converged: the log-likelihood stopped changing (a flat ridge)".
impl core::fmt::Display for StopReason {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            StopReason::Gradient => "converged: the projected gradient reached its tolerance",
            StopReason::Flat => {
                "converged: the log-likelihood stopped changing while the gradient stayed above \
                 its tolerance (a flat ridge: over-fitted components or a shape at its cap)"
            }
            StopReason::PassLimit => {
                "not converged: the pass limit was reached while the log-likelihood still rose"
            }
            StopReason::NoAscent => {
                "not converged: no step raised the log-likelihood (its rounding floor)"
            }
            StopReason::NotRun => "no optimisation ran (a mixture built from given components)",
        })
    }
}

/// A fitted mixture of truncated shifted gammas (at most [`MAX_COMPONENTS`], stored inline).
///
/// Components are ordered by increasing shift in every result (no label switching).
#[derive(Debug, Clone, Copy)]
pub struct MixtureFit {
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
    stop: StopReason,
    at_shape_cap: bool,
    at_shape_floor: bool,
}

impl MixtureFit {
    /// Memory a fit is written into before it is read (no components, all bits zero; never
    /// returned as is).
    pub(crate) const fn placeholder() -> Self {
        MixtureFit {
            k: 0,
            weights: [0.0; MAX_COMPONENTS],
            comps: [TruncatedShiftedGamma::placeholder(); MAX_COMPONENTS],
            ll: 0.0,
            n: 0,
            iterations: 0,
            passes: 0,
            stage1_passes: 0,
            grad_norm: 0.0,
            converged: false,
            stop: StopReason::Gradient,
            at_shape_cap: false,
            at_shape_floor: false,
        }
    }
}

impl MixtureFit {
    // Out of line: the fit it builds is not in the frame of the caller's optimisation.
    #[inline(never)]
    pub(crate) fn from_run(
        run: &Run,
        b: &Bounds,
        n: u64,
        stage1_passes: usize,
        stage1_iters: usize,
    ) -> Result<Self, FitError> {
        let mut fit = MixtureFit::placeholder();
        fit.set_from_run(run, b, n, (stage1_passes, stage1_iters))?;
        Ok(fit)
    }

    /// [`MixtureFit::from_run`] written into `self` (unspecified after an error).
    pub(crate) fn set_from_run(
        &mut self,
        run: &Run,
        b: &Bounds,
        n: u64,
        (stage1_passes, stage1_iters): (usize, usize),
    ) -> Result<(), FitError> {
        let mut p = run.p;
        if !p.is_valid() || !run.ll.is_finite() {
            return Err(FitError::Distribution(crate::dist::ParamError::NonFinite {
                param: "mixture",
            }));
        }
        p.sort_by_shift();
        let first = TruncatedShiftedGamma::new(p.alpha[0], p.lambda[0], p.c[0], b.lo, b.hi)?;
        self.comps = [first; MAX_COMPONENTS];
        self.weights = [0.0; MAX_COMPONENTS];
        let mut at_cap = false;
        let mut at_floor = false;
        for i in 0..p.k {
            self.comps[i] =
                TruncatedShiftedGamma::new(p.alpha[i], p.lambda[i], p.c[i], b.lo, b.hi)?;
            self.weights[i] = p.tau[i];
            at_cap |= p.at_shape_cap(i, b);
            at_floor |= p.alpha[i] <= b.alpha_min * (1.0 + 1e-9);
        }
        self.k = p.k;
        self.ll = run.ll;
        self.n = n;
        self.iterations = run.iters + run.em_iters + stage1_iters;
        self.passes = run.passes;
        self.stage1_passes = stage1_passes;
        self.grad_norm = run.pg;
        self.converged = run.converged;
        self.stop = if run.converged && !run.stalled {
            StopReason::Gradient
        } else if run.converged {
            StopReason::Flat
        } else if run.limit {
            StopReason::PassLimit
        } else {
            StopReason::NoAscent
        };
        self.at_shape_cap = at_cap;
        self.at_shape_floor = at_floor;
        Ok(())
    }

    /// A mixture made of given weights and components, for evaluation everywhere a fit is used
    /// (ln pdf, responsibilities, calibration): e.g. a level of an order selection, or a
    /// mixture read back from storage. Components are sorted by shift (the order of every
    /// [`MixtureFit`]), weights normalised to sum 1; `n` and `log_likelihood` are recorded as
    /// given (the log-likelihood may be NaN when unknown). The run facts are those of no run:
    /// 0 iterations and passes, `converged() == false`, NaN gradient norm; the cap / floor flags
    /// are not set.
    ///
    /// ```
    /// use simstat::dist::TruncatedShiftedGamma;
    /// use simstat::fit::MixtureFit;
    /// let a = TruncatedShiftedGamma::new(9.0, 30.0, 0.1, -1.0, 1.0).unwrap();
    /// let b = TruncatedShiftedGamma::new(4.0, 20.0, -0.5, -1.0, 1.0).unwrap();
    /// let m = MixtureFit::from_components(&[2.0, 1.0], &[a, b], 300, f64::NAN).unwrap();
    /// assert_eq!(m.component(0).shift(), -0.5); // sorted by shift
    /// assert!((m.weight(0) - 1.0 / 3.0).abs() < 1e-15);
    /// ```
    ///
    /// # Errors
    /// [`FitError::BadOption`] naming `"k"` (no component or more than [`MAX_COMPONENTS`]),
    /// `"weights"` (length differs from the components', a weight negative or not finite, or
    /// all zero) or `"components"` (components on different intervals).
    pub fn from_components(
        weights: &[f64],
        components: &[TruncatedShiftedGamma],
        n: u64,
        log_likelihood: f64,
    ) -> Result<Self, FitError> {
        let mut fit = MixtureFit::placeholder();
        fit.set_from_components(weights, components, n, log_likelihood)?;
        Ok(fit)
    }

    /// [`MixtureFit::from_components`] written into `self` (unchanged after an error).
    pub(crate) fn set_from_components(
        &mut self,
        weights: &[f64],
        components: &[TruncatedShiftedGamma],
        n: u64,
        log_likelihood: f64,
    ) -> Result<(), FitError> {
        let k = components.len();
        let Some(&first) = components.first() else {
            return Err(FitError::BadOption("k"));
        };
        if k > MAX_COMPONENTS {
            return Err(FitError::BadOption("k"));
        }
        if weights.len() != k || weights.iter().any(|w| !(w.is_finite() && *w >= 0.0)) {
            return Err(FitError::BadOption("weights"));
        }
        let total: f64 = weights.iter().sum();
        if !(total.is_finite() && total > 0.0) {
            return Err(FitError::BadOption("weights"));
        }
        if components
            .iter()
            .any(|c| c.lo() != first.lo() || c.hi() != first.hi())
        {
            return Err(FitError::BadOption("components"));
        }
        let (comps, w) = (&mut self.comps, &mut self.weights);
        *comps = [first; MAX_COMPONENTS];
        *w = [0.0; MAX_COMPONENTS];
        for ((slot, ws), (c, &wi)) in comps
            .iter_mut()
            .zip(w.iter_mut())
            .zip(components.iter().zip(weights))
        {
            *slot = *c;
            *ws = wi / total;
        }
        // insertion sort by shift (K ≤ 16), weights moved alongside
        for i in 1..k {
            let mut j = i;
            while j > 0 && comps[j].shift() < comps[j - 1].shift() {
                comps.swap(j, j - 1);
                w.swap(j, j - 1);
                j -= 1;
            }
        }
        self.k = k;
        self.ll = log_likelihood;
        self.n = n;
        self.iterations = 0;
        self.passes = 0;
        self.stage1_passes = 0;
        self.grad_norm = f64::NAN;
        self.converged = false;
        self.stop = StopReason::NotRun;
        self.at_shape_cap = false;
        self.at_shape_floor = false;
        Ok(())
    }
}

impl MixtureFit {
    /// Number of components K.
    pub fn len(&self) -> usize {
        self.k
    }

    /// Always false (a fit has at least one component).
    pub fn is_empty(&self) -> bool {
        self.k == 0
    }

    /// Weight τ_i of component `i` (0 for `i ≥ len()`).
    pub fn weight(&self, i: usize) -> f64 {
        if i < self.k {
            self.weights[i]
        } else {
            0.0
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

    /// Index of the bulk: the heaviest component (the lowest index among equal weights). The
    /// component order (by shift) says nothing about roles — the bulk of one query's scores
    /// can come after a low, broad component in one fit and first in the next — so code that
    /// means "the background bulk" should ask for it by this role.
    ///
    /// ```
    /// use simstat::fit::{fit_mixture, FitOptions};
    /// let q = |a: f64, l: f64, c: f64, n: usize| -> Vec<f64> {
    ///     (0..n).map(|i| c + simstat::special::gamma_p_inv(a, (i as f64 + 0.5) / n as f64) / l).collect()
    /// };
    /// let mut data = q(13.3, 35.5, -0.28, 1400);
    /// data.extend(q(30.0, 60.0, 0.1, 600));
    /// let fit = fit_mixture(&data, 2, &FitOptions::default())?;
    /// assert_eq!(fit.bulk(), 0); // 70 % of the rows
    /// assert_eq!(fit.by_mean()[1], 1); // the upper cluster has the larger mean
    /// # Ok::<(), simstat::fit::FitError>(())
    /// ```
    pub fn bulk(&self) -> usize {
        (0..self.k).fold(0, |m, i| {
            if self.weights[i] > self.weights[m] {
                i
            } else {
                m
            }
        })
    }

    /// Component indices by increasing mean (ties by index): `by_mean()[len() − 1]` is the
    /// upper component (topical neighbours, hits), `by_mean()[0]` the lowest. Entries past
    /// `len()` are unused (0).
    pub fn by_mean(&self) -> [usize; MAX_COMPONENTS] {
        let mut idx = [0usize; MAX_COMPONENTS];
        for (i, slot) in idx.iter_mut().enumerate().take(self.k) {
            *slot = i;
        }
        let means: [f64; MAX_COMPONENTS] = core::array::from_fn(|i| self.comps[i].mean());
        idx[..self.k].sort_unstable_by(|&a, &b| means[a].total_cmp(&means[b]).then(a.cmp(&b)));
        idx
    }

    /// Log-likelihood of the data at the fit.
    pub fn log_likelihood(&self) -> f64 {
        self.ll
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
    pub fn aic(&self) -> f64 {
        2.0 * self.num_params() as f64 - 2.0 * self.ll
    }

    /// Bayesian information criterion p ln N − 2 LL.
    pub fn bic(&self) -> f64 {
        self.num_params() as f64 * libm::log(self.n as f64) - 2.0 * self.ll
    }

    /// Log mixture density ln p(x) (−∞ outside every component's support).
    pub fn ln_pdf(&self, x: f64) -> f64 {
        let mut l = [f64::NEG_INFINITY; MAX_COMPONENTS];
        self.log_terms(x, &mut l)
    }

    fn log_terms(&self, x: f64, l: &mut [f64; MAX_COMPONENTS]) -> f64 {
        for (li, (c, w)) in l
            .iter_mut()
            .zip(self.components().iter().zip(self.weights()))
        {
            *li = libm::log(*w) + c.ln_pdf(x);
        }
        log_sum_exp(&l[..self.k])
    }

    /// Mixture density p(x).
    pub fn pdf(&self, x: f64) -> f64 {
        libm::exp(self.ln_pdf(x))
    }

    /// Posterior component probabilities at `x` written into `out[..min(len, out.len())]`
    /// (log-sum-exp, so no underflow to 0/0); returns ln p(x). Outside every support all
    /// responsibilities are 0 and −∞ is returned.
    pub fn responsibilities(&self, x: f64, out: &mut [f64]) -> f64 {
        let mut l = [f64::NEG_INFINITY; MAX_COMPONENTS];
        let lp = self.log_terms(x, &mut l);
        for (o, &li) in out.iter_mut().zip(l[..self.k].iter()) {
            *o = if lp.is_finite() {
                libm::exp(li - lp)
            } else {
                0.0
            };
        }
        lp
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
    pub fn gradient_norm(&self) -> f64 {
        self.grad_norm
    }

    /// True when the projected-gradient norm reached its tolerance (≤ grad_tol·N), or the
    /// log-likelihood stopped changing (3 accepted steps in a row with |ΔLL| ≤ ll_tol·N or
    /// ≤ rel_tol·|LL|); [`stop_reason`](Self::stop_reason) says which.
    pub fn converged(&self) -> bool {
        self.converged
    }

    /// Why the optimiser stopped: [`StopReason::Gradient`] and [`StopReason::Flat`] are the two
    /// ways of [`converged`](Self::converged) being true, [`StopReason::PassLimit`] and
    /// [`StopReason::NoAscent`] the two ways of it being false.
    pub fn stop_reason(&self) -> StopReason {
        self.stop
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

/// Every field of a [`MixtureFit`] as plain numbers (components as shape, rate, shift, lo,
/// hi): what the byte form and serde carry, checked by [`MixtureFit::from_parts`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct MixtureParts {
    pub k: usize,
    pub weights: [f64; MAX_COMPONENTS],
    pub comps: [[f64; 5]; MAX_COMPONENTS],
    pub ll: f64,
    pub n: u64,
    pub iterations: u64,
    pub passes: u64,
    pub stage1_passes: u64,
    pub grad_norm: f64,
    pub converged: bool,
    pub stop: StopReason,
    pub at_shape_cap: bool,
    pub at_shape_floor: bool,
}

impl MixtureFit {
    /// The fit's fields as plain numbers.
    pub(crate) fn parts(&self) -> MixtureParts {
        let mut comps = [[0.0; 5]; MAX_COMPONENTS];
        for (o, c) in comps.iter_mut().zip(self.comps.iter()).take(self.k) {
            *o = [c.shape(), c.rate(), c.shift(), c.lo(), c.hi()];
        }
        MixtureParts {
            k: self.k,
            weights: self.weights,
            comps,
            ll: self.ll,
            n: self.n,
            iterations: self.iterations as u64,
            passes: self.passes as u64,
            stage1_passes: self.stage1_passes as u64,
            grad_norm: self.grad_norm,
            converged: self.converged,
            stop: self.stop,
            at_shape_cap: self.at_shape_cap,
            at_shape_floor: self.at_shape_floor,
        }
    }

    /// A fit from its fields, after the checks of a fit read from outside: K in
    /// 1..=[`MAX_COMPONENTS`], weights a probability vector (finite, ≥ 0, summing to 1 within
    /// 1e-9), every component valid ([`TruncatedShiftedGamma::new`]) on one common interval and
    /// sorted by shift, counts that fit a `usize`.
    pub(crate) fn from_parts(p: &MixtureParts) -> Result<Self, crate::wire::WireError> {
        use crate::wire::WireError;
        let k = p.k;
        if k == 0 || k > MAX_COMPONENTS {
            return Err(WireError::Invalid("k"));
        }
        let filler = TruncatedShiftedGamma::new(1.0, 1.0, -1.0, -1.0, 1.0)
            .map_err(|_| WireError::Invalid("component"))?;
        let mut comps = [filler; MAX_COMPONENTS];
        let mut total = 0.0;
        for i in 0..k {
            let wt = p.weights[i];
            if !(wt.is_finite() && wt >= 0.0) {
                return Err(WireError::Invalid("weights"));
            }
            total += wt;
            let [shape, rate, shift, lo, hi] = p.comps[i];
            let c = TruncatedShiftedGamma::new(shape, rate, shift, lo, hi)
                .map_err(|_| WireError::Invalid("component"))?;
            if i > 0
                && (c.lo() != comps[0].lo()
                    || c.hi() != comps[0].hi()
                    || c.shift() < comps[i - 1].shift())
            {
                return Err(WireError::Invalid("components"));
            }
            comps[i] = c;
        }
        if !((total - 1.0).abs() <= 1e-9) {
            return Err(WireError::Invalid("weights"));
        }
        let count = |v: u64, f| usize::try_from(v).map_err(|_| WireError::Invalid(f));
        let mut weights = [0.0; MAX_COMPONENTS];
        weights[..k].copy_from_slice(&p.weights[..k]);
        Ok(MixtureFit {
            k,
            weights,
            comps,
            ll: p.ll,
            n: p.n,
            iterations: count(p.iterations, "iterations")?,
            passes: count(p.passes, "passes")?,
            stage1_passes: count(p.stage1_passes, "stage1_passes")?,
            grad_norm: p.grad_norm,
            converged: p.converged,
            stop: p.stop,
            at_shape_cap: p.at_shape_cap,
            at_shape_floor: p.at_shape_floor,
        })
    }
}

impl StopReason {
    /// Code in the byte form.
    pub(crate) fn code(self) -> u8 {
        match self {
            StopReason::Gradient => 0,
            StopReason::Flat => 1,
            StopReason::PassLimit => 2,
            StopReason::NoAscent => 3,
            StopReason::NotRun => 4,
        }
    }
    /// The reason of a byte-form code.
    pub(crate) fn from_code(c: u8) -> Option<Self> {
        Some(match c {
            0 => StopReason::Gradient,
            1 => StopReason::Flat,
            2 => StopReason::PassLimit,
            3 => StopReason::NoAscent,
            4 => StopReason::NotRun,
            _ => return None,
        })
    }
}

/// Byte form (kind 5): K, then per component its weight and its truncated gamma (shape, rate,
/// shift, lo, hi), the log-likelihood, n, the run counts (iterations, passes, stage-1 passes),
/// the gradient norm, the convergence flag, the [`StopReason`] and the shape cap / floor flags.
/// Reading checks K, that the weights are a probability vector (finite, ≥ 0, summing to 1
/// within 1e-9), that every component is valid on one common interval and sorted by shift.
impl crate::wire::ByteForm for MixtureFit {
    const KIND: u16 = 5;

    fn payload_len(&self) -> usize {
        1 + 48 * self.k + 8 * 6 + 4
    }

    fn write_payload(&self, w: &mut crate::wire::Writer<'_>) {
        let p = self.parts();
        w.u8(p.k as u8);
        for (&wt, c) in p.weights.iter().zip(p.comps.iter()).take(p.k) {
            w.f64(wt);
            for &v in c {
                w.f64(v);
            }
        }
        w.f64(p.ll);
        w.u64(p.n);
        w.u64(p.iterations);
        w.u64(p.passes);
        w.u64(p.stage1_passes);
        w.f64(p.grad_norm);
        w.bool(p.converged);
        w.u8(p.stop.code());
        w.bool(p.at_shape_cap);
        w.bool(p.at_shape_floor);
    }

    fn read_payload(r: &mut crate::wire::Reader<'_>) -> Result<Self, crate::wire::WireError> {
        use crate::wire::WireError;
        let k = r.u8()? as usize;
        if k == 0 || k > MAX_COMPONENTS {
            return Err(WireError::Invalid("k"));
        }
        let mut weights = [0.0; MAX_COMPONENTS];
        let mut comps = [[0.0; 5]; MAX_COMPONENTS];
        for (wt, c) in weights.iter_mut().zip(comps.iter_mut()).take(k) {
            *wt = r.f64()?;
            for v in c.iter_mut() {
                *v = r.f64()?;
            }
        }
        let p = MixtureParts {
            k,
            weights,
            comps,
            ll: r.f64()?,
            n: r.u64()?,
            iterations: r.u64()?,
            passes: r.u64()?,
            stage1_passes: r.u64()?,
            grad_norm: r.f64()?,
            converged: r.bool("converged")?,
            stop: StopReason::from_code(r.u8()?).ok_or(WireError::Invalid("stop"))?,
            at_shape_cap: r.bool("at_shape_cap")?,
            at_shape_floor: r.bool("at_shape_floor")?,
        };
        MixtureFit::from_parts(&p)
    }
}

/// Equal when the K used components and weights and every reported number are equal (`==` on
/// floats, so a NaN log-likelihood is unequal to itself); the unused slots of the fixed
/// capacity are not compared.
impl PartialEq for MixtureFit {
    fn eq(&self, o: &Self) -> bool {
        let k = self.k.min(MAX_COMPONENTS);
        self.k == o.k
            && self.weights[..k] == o.weights[..k]
            && self.comps[..k] == o.comps[..k]
            && self.ll == o.ll
            && self.n == o.n
            && self.iterations == o.iterations
            && self.passes == o.passes
            && self.stage1_passes == o.stage1_passes
            && self.grad_norm == o.grad_norm
            && self.converged == o.converged
            && self.stop == o.stop
            && self.at_shape_cap == o.at_shape_cap
            && self.at_shape_floor == o.at_shape_floor
    }
}
