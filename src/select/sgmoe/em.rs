//! Allocation-free EM for SGMoE: weighted least squares experts, damped block-Newton (IRLS) gates.
//!
//! Responsibilities are recomputed on the fly in every pass and only sufficient statistics are
//! accumulated (fixed-size nalgebra matrices per expert), so memory is O(K·D²), independent of N.
//! One EM iteration = one E-pass (log-likelihood, responsibilities, regression sums) + the expert
//! M-step (closed-form weighted least squares) + `gate_steps` Newton steps on the gate objective
//! Q(w) = Σ_t Σ_k r_tk log π_k(x_t) (block-diagonal Hessian per expert, backtracking on Q; the
//! last expert's gate is pinned to 0). Stops when the relative change of the log-likelihood is
//! below `tol`. Restarts (`n_init`) come from a deterministic seed (SplitMix64).
use super::model::{
    check_data, log_softmax_scores, n_params, solve_augmented, Expert, Sgmoe, LN_SQRT_2PI,
};
use crate::select::SelectError;
use crate::support::log_sum_exp;
/// The restarts' generator (defined once in the crate, also at [`crate::SplitMix64`]).
pub use crate::support::SplitMix64;
use nalgebra::{SMatrix, SVector};

/// Options of [`fit_sgmoe`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EmOptions {
    /// Maximum EM iterations per start.
    pub max_iter: usize,
    /// Relative log-likelihood change that stops the iteration.
    pub tol: f64,
    /// Newton steps on the gates per M-step.
    pub gate_steps: usize,
    /// Number of deterministic random starts (the best final log-likelihood wins).
    pub n_init: usize,
    /// Seed of the starts.
    pub seed: u64,
    /// Floor of every variance, relative to the variance of y.
    pub min_variance: f64,
}

impl Default for EmOptions {
    fn default() -> Self {
        Self {
            max_iter: 300,
            tol: 1e-8,
            gate_steps: 2,
            n_init: 3,
            seed: 0x5eed,
            min_variance: 1e-6,
        }
    }
}

/// Result of [`fit_sgmoe`].
#[derive(Debug, Clone, Copy)]
pub struct EmFit<const D: usize, const K: usize> {
    /// The fitted model (last gate pinned to 0).
    pub model: Sgmoe<D, K>,
    /// Its conditional log-likelihood.
    pub log_likelihood: f64,
    /// EM iterations of the winning start.
    pub iterations: usize,
    /// Whether the winning start met the tolerance.
    pub converged: bool,
}

/// Per-expert weighted sums of one E-pass.
#[derive(Clone, Copy)]
struct ExpertStats<const D: usize> {
    s: f64,
    sx: SVector<f64, D>,
    sxx: SMatrix<f64, D, D>,
    sy: f64,
    sxy: SVector<f64, D>,
    syy: f64,
}

impl<const D: usize> ExpertStats<D> {
    fn zero() -> Self {
        Self {
            s: 0.0,
            sx: SVector::zeros(),
            sxx: SMatrix::zeros(),
            sy: 0.0,
            sxy: SVector::zeros(),
            syy: 0.0,
        }
    }
}

/// Experts with their per-pass constants (−ln √(2π) − ½ ln σ², ½/σ²).
#[derive(Clone, Copy)]
struct Prepared<'a, const D: usize, const K: usize> {
    experts: &'a [Expert<D>],
    log_norm: [f64; K],
    half_prec: [f64; K],
}

impl<'a, const D: usize, const K: usize> Prepared<'a, D, K> {
    fn new(experts: &'a [Expert<D>]) -> Self {
        let mut log_norm = [0.0; K];
        let mut half_prec = [0.0; K];
        for ((l, h), e) in log_norm.iter_mut().zip(half_prec.iter_mut()).zip(experts) {
            *l = -LN_SQRT_2PI - 0.5 * libm::log(e.sigma2);
            *h = 0.5 / e.sigma2;
        }
        Self {
            experts,
            log_norm,
            half_prec,
        }
    }
}

/// Responsibilities r_k(x, y) of the experts into `r` and their log gate probabilities into
/// `lg`; returns log p(y|x).
fn responsibilities<const D: usize, const K: usize>(
    p: &Prepared<'_, D, K>,
    x: &SVector<f64, D>,
    y: f64,
    r: &mut [f64; K],
    lg: &mut [f64; K],
) -> f64 {
    let k = log_softmax_scores(p.experts, x, lg);
    for ((((v, g), e), l), h) in r
        .iter_mut()
        .zip(lg.iter())
        .zip(p.experts)
        .zip(p.log_norm.iter())
        .zip(p.half_prec.iter())
        .take(k)
    {
        let res = y - e.b - e.a.dot(x);
        *v = g + l - h * res * res;
    }
    let lse = log_sum_exp(&r[..k]);
    if !lse.is_finite() {
        let u = 1.0 / k.max(1) as f64;
        r.iter_mut().take(k).for_each(|v| *v = u);
        return f64::NEG_INFINITY;
    }
    r.iter_mut().take(k).for_each(|v| *v = libm::exp(*v - lse));
    lse
}

/// Fit a k-expert SGMoE (k ≤ K) by EM to (xs, ys).
///
/// ```
/// use nalgebra::SVector;
/// use simstat::select::sgmoe::{fit_sgmoe, EmOptions, SplitMix64};
/// let mut rng = SplitMix64(7);
/// let xs: Vec<SVector<f64, 1>> = (0..400).map(|_| SVector::from([2.0 * rng.next_f64() - 1.0])).collect();
/// let ys: Vec<f64> = xs.iter().map(|x| if x[0] < 0.0 { -1.0 + x[0] } else { 1.0 - x[0] } + 0.1 * rng.normal()).collect();
/// let fit = fit_sgmoe::<1, 4>(&xs, &ys, 2, &EmOptions::default()).unwrap();
/// assert!(fit.log_likelihood.is_finite());
/// ```
///
/// # Errors
/// [`SelectError::LengthMismatch`], [`SelectError::NonFinite`],
/// [`SelectError::TooFewAtoms`] / [`SelectError::TooManyAtoms`] (k = 0 or k > K),
/// [`SelectError::TooFewSamples`] (N ≤ number of parameters),
/// [`SelectError::NumericalFailure`] (no start produced a finite likelihood).
pub fn fit_sgmoe<const D: usize, const K: usize>(
    xs: &[SVector<f64, D>],
    ys: &[f64],
    k: usize,
    opts: &EmOptions,
) -> Result<EmFit<D, K>, SelectError> {
    check_data(xs, ys)?;
    if k == 0 {
        return Err(SelectError::TooFewAtoms);
    }
    if k > K {
        return Err(SelectError::TooManyAtoms { capacity: K });
    }
    let n = xs.len();
    if n <= n_params(k, D) {
        return Err(SelectError::TooFewSamples {
            n: n as u64,
            needed: n_params(k, D) as u64 + 1,
        });
    }
    if !(opts.tol.is_finite() && opts.tol >= 0.0 && opts.min_variance.is_finite()) {
        return Err(SelectError::InvalidParameter);
    }
    // global weighted least squares for the starts
    let mut all = ExpertStats::<D>::zero();
    for (x, &y) in xs.iter().zip(ys) {
        accumulate(&mut all, 1.0, x, y);
    }
    let (b_ols, a_ols, var_res) = wls(&all, 0.0).ok_or(SelectError::NumericalFailure)?;
    let var_y = (all.syy / all.s - (all.sy / all.s) * (all.sy / all.s)).max(f64::MIN_POSITIVE);
    let floor = opts.min_variance.max(0.0) * var_y + f64::MIN_POSITIVE;
    let mut rng = SplitMix64(opts.seed);
    let mut best: Option<EmFit<D, K>> = None;
    for _start in 0..opts.n_init.max(1) {
        let mut experts = [Expert::<D>::default(); K];
        for e in experts.iter_mut().take(k) {
            let i = rng.below(n);
            let (xi, yi) = (
                xs.get(i).copied().unwrap_or_else(SVector::zeros),
                ys.get(i).copied().unwrap_or(0.0),
            );
            *e = Expert {
                w0: 0.0,
                w1: SVector::zeros(),
                a: a_ols,
                b: yi - a_ols.dot(&xi),
                sigma2: (var_res / k as f64).max(floor),
            };
        }
        let _ = b_ols;
        let Some(fit) = run_em::<D, K>(xs, ys, experts, k, opts, floor) else {
            continue;
        };
        let better = match &best {
            None => true,
            Some(b) => fit.log_likelihood > b.log_likelihood,
        };
        if better {
            best = Some(fit);
        }
    }
    best.ok_or(SelectError::NumericalFailure)
}

fn accumulate<const D: usize>(st: &mut ExpertStats<D>, r: f64, x: &SVector<f64, D>, y: f64) {
    st.s += r;
    st.sx += x * r;
    st.sxx += (x * x.transpose()) * r;
    st.sy += r * y;
    st.sxy += x * (r * y);
    st.syy += r * y * y;
}

/// Weighted least squares from the sums: (b, A, residual variance).
fn wls<const D: usize>(st: &ExpertStats<D>, floor: f64) -> Option<(f64, SVector<f64, D>, f64)> {
    let (b, a) = solve_augmented(st.s, &st.sx, &st.sxx, st.sy, &st.sxy, 1e-10)?;
    // residual sum of squares Σ r (y − b − aᵀx)² from the sums
    let rss = st.syy - 2.0 * (b * st.sy + a.dot(&st.sxy))
        + b * b * st.s
        + 2.0 * b * a.dot(&st.sx)
        + (a.transpose() * st.sxx * a)[(0, 0)];
    let var = (rss / st.s).max(floor);
    if var.is_finite() && var > 0.0 {
        Some((b, a, var))
    } else {
        None
    }
}

/// Gate statistics at the current gates: Q, gradient and diagonal Hessian blocks per free gate.
#[derive(Clone, Copy)]
struct GateStats<const D: usize, const K: usize> {
    q: f64,
    g0: [f64; K],
    g1: [SVector<f64, D>; K],
    hs: [f64; K],
    hu: [SVector<f64, D>; K],
    hm: [SMatrix<f64, D, D>; K],
}

impl<const D: usize, const K: usize> GateStats<D, K> {
    fn zero() -> Self {
        Self {
            q: 0.0,
            g0: [0.0; K],
            g1: [SVector::zeros(); K],
            hs: [0.0; K],
            hu: [SVector::zeros(); K],
            hm: [SMatrix::zeros(); K],
        }
    }
}

/// Σ_k r_k log π_k at one point and the gate sums (free gates 0..k−1).
fn accumulate_gate<const D: usize, const K: usize>(
    gs: &mut GateStats<D, K>,
    r: &[f64; K],
    lp: &[f64; K],
    x: &SVector<f64, D>,
    k: usize,
) {
    let xxt = x * x.transpose();
    for j in 0..k {
        if r[j] > 0.0 {
            gs.q += r[j] * lp[j];
        }
        if j + 1 < k {
            let pj = libm::exp(lp[j]);
            let d = r[j] - pj;
            gs.g0[j] += d;
            gs.g1[j] += x * d;
            let w = pj * (1.0 - pj);
            gs.hs[j] += w;
            gs.hu[j] += x * w;
            gs.hm[j] += xxt * w;
        }
    }
}

/// The design sums Σ1, Σx, Σxxᵀ for Böhning's bound.
#[derive(Clone, Copy)]
struct Design<const D: usize> {
    n: f64,
    sx: SVector<f64, D>,
    sxx: SMatrix<f64, D, D>,
}

fn run_em<const D: usize, const K: usize>(
    xs: &[SVector<f64, D>],
    ys: &[f64],
    mut experts: [Expert<D>; K],
    k: usize,
    opts: &EmOptions,
    floor: f64,
) -> Option<EmFit<D, K>> {
    let n = xs.len() as f64;
    let mut design = Design {
        n,
        sx: SVector::<f64, D>::zeros(),
        sxx: SMatrix::<f64, D, D>::zeros(),
    };
    for x in xs {
        design.sx += x;
        design.sxx += x * x.transpose();
    }
    let mut ll_prev = f64::NEG_INFINITY;
    let mut converged = false;
    let mut iterations = 0;
    let mut ll = f64::NEG_INFINITY;
    let mut r = [0.0f64; K];
    let mut lp = [0.0f64; K];
    for it in 0..opts.max_iter.max(1) {
        iterations = it + 1;
        // E-pass: log-likelihood, expert sums, gate gradient/Hessian at the current gates
        let mut stats = [ExpertStats::<D>::zero(); K];
        let mut gs = GateStats::<D, K>::zero();
        ll = 0.0;
        let old = experts;
        let prep = Prepared::<D, K>::new(old.get(..k)?);
        for (x, &y) in xs.iter().zip(ys) {
            ll += responsibilities(&prep, x, y, &mut r, &mut lp);
            for (st, &rk) in stats.iter_mut().zip(r.iter()).take(k) {
                accumulate(st, rk, x, y);
            }
            if k > 1 && opts.gate_steps > 0 {
                accumulate_gate(&mut gs, &r, &lp, x, k);
            }
        }
        if !ll.is_finite() {
            return None;
        }
        if it > 0 && libm::fabs(ll - ll_prev) <= opts.tol * libm::fabs(ll) {
            converged = true;
            break;
        }
        ll_prev = ll;
        // expert M-step
        for (e, st) in experts.iter_mut().zip(stats.iter()).take(k) {
            if st.s > 1e-8 * n {
                if let Some((b, a, v)) = wls(st, floor) {
                    e.b = b;
                    e.a = a;
                    e.sigma2 = v;
                }
            }
        }
        // gate M-step (responsibilities from the old parameters)
        if k > 1 && opts.gate_steps > 0 {
            gate_steps(xs, ys, &prep, &mut experts, k, opts.gate_steps, gs, &design);
        }
    }
    let mut model = Sgmoe::new(experts.get(..k)?).ok()?;
    model.pin_last_gate();
    Some(EmFit {
        model,
        log_likelihood: ll,
        iterations,
        converged,
    })
}

/// Up to `steps` ascent steps on Q(w) = Σ r log π(w) (last gate pinned at 0): a block-diagonal
/// Newton step, verified by one pass; when it does not increase Q, Böhning's bound step
/// Δ_k = 2 (Σ z zᵀ)⁻¹ (g_k + Σ_j g_j), which always does (no further pass needed).
#[allow(clippy::too_many_arguments)]
fn gate_steps<const D: usize, const K: usize>(
    xs: &[SVector<f64, D>],
    ys: &[f64],
    prep: &Prepared<'_, D, K>,
    experts: &mut [Expert<D>; K],
    k: usize,
    steps: usize,
    mut gs: GateStats<D, K>,
    design: &Design<D>,
) {
    let free = k - 1;
    let mut r = [0.0f64; K];
    let mut lp = [0.0f64; K];
    let mut lg = [0.0f64; K];
    for step in 0..steps {
        let base = *experts;
        for j in 0..free {
            let hsj = gs.hs[j] * (1.0 + 1e-9) + 1e-12;
            let (s0, s1) = solve_augmented(hsj, &gs.hu[j], &gs.hm[j], gs.g0[j], &gs.g1[j], 1e-9)
                .unwrap_or((0.0, SVector::zeros()));
            // bound single steps (separable gates drive the MLE to infinity)
            let norm = libm::sqrt(s0 * s0 + s1.norm_squared());
            let c = if norm > 10.0 { 10.0 / norm } else { 1.0 };
            experts[j].w0 = base[j].w0 + c * s0;
            experts[j].w1 = base[j].w1 + s1 * c;
        }
        // verify, and collect the statistics for the next step at the trial point
        let mut trial = GateStats::<D, K>::zero();
        let last = step + 1 == steps;
        {
            let cur = experts.get(..k).unwrap_or(&[]);
            for (x, &y) in xs.iter().zip(ys) {
                responsibilities(prep, x, y, &mut r, &mut lg);
                log_softmax_scores(cur, x, &mut lp);
                if last {
                    for j in 0..k {
                        if r[j] > 0.0 {
                            trial.q += r[j] * lp[j];
                        }
                    }
                } else {
                    accumulate_gate(&mut trial, &r, &lp, x, k);
                }
            }
        }
        if trial.q.is_finite() && trial.q >= gs.q - 1e-12 * libm::fabs(gs.q) {
            gs = trial;
            continue;
        }
        // Böhning's bound step from `base`
        let mut gsum0 = 0.0;
        let mut gsum1 = SVector::<f64, D>::zeros();
        for j in 0..free {
            gsum0 += gs.g0[j];
            gsum1 += gs.g1[j];
        }
        *experts = base;
        for j in 0..free {
            let g0 = 2.0 * (gs.g0[j] + gsum0);
            let g1 = (gs.g1[j] + gsum1) * 2.0;
            if let Some((s0, s1)) =
                solve_augmented(design.n, &design.sx, &design.sxx, g0, &g1, 1e-12)
            {
                experts[j].w0 = base[j].w0 + s0;
                experts[j].w1 = base[j].w1 + s1;
            }
        }
        return;
    }
}
