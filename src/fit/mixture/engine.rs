//! The optimiser shared by every data access path: EM (ECM) burn-in, then projected damped
//! Newton steps on the observed log-likelihood, stopping on the projected-gradient norm.

use super::estep::{Evaluator, Order, SuffStats};
use super::mstep::em_update;
use super::newton::{
    cap_shifts, damped_step, derivs_into, projected, retreat_shifts, shift_capped, shift_caps,
    Derivs, Mat,
};
use super::params::{Bounds, Params, MAX_P, PER};
use super::MAX_COMPONENTS;

/// A data set the optimiser can sweep: one call = one pass (E-step + statistics).
pub(crate) trait Passable {
    /// Accumulate the statistics of every point at the evaluator's parameters.
    fn pass(&mut self, ev: &Evaluator, st: &mut SuffStats);
}

impl Passable for &[f64] {
    fn pass(&mut self, ev: &Evaluator, st: &mut SuffStats) {
        ev.add_slice(self, st);
    }
}

/// Weighted points (x, w), e.g. histogram bin centres and counts.
pub(crate) struct Weighted<'a> {
    pub xs: &'a [f64],
    pub ws: &'a [f64],
}

impl Passable for Weighted<'_> {
    fn pass(&mut self, ev: &Evaluator, st: &mut SuffStats) {
        ev.add_weighted(self.xs, self.ws, st);
    }
}

/// A histogram sketch as weighted points: bin centres (clamped to [min, max]) and counts,
/// written into `xs` and `ws` (one entry per bin, empty bins with weight 0).
pub(crate) fn bin_centres<const B: usize>(
    sk: &crate::fit::Sketch<B>,
    xs: &mut [f64],
    ws: &mut [f64],
) {
    let (lo, hi) = sk.interval();
    let w = (hi - lo) / B as f64;
    for (j, (&cnt, (x, wt))) in sk
        .counts()
        .iter()
        .zip(xs.iter_mut().zip(ws.iter_mut()))
        .enumerate()
    {
        // max/min, not clamp: an empty sketch has min = +inf > max = −inf
        *x = (lo + (j as f64 + 0.5) * w).max(sk.min()).min(sk.max());
        *wt = cnt as f64;
    }
}

/// Runs and a start of the multi-start ([`super::multi_start`]: the (K − 1) result below
/// the nested start, a start's run, its initial parameters), kept in the workspace so that no
/// frame of the multi-start holds them.
pub(crate) struct Spare {
    pub prev: Run,
    pub run: Run,
    pub start: Params,
}

impl Spare {
    /// Unused slots, all bits zero.
    pub const fn new() -> Self {
        Spare {
            prev: Run::blank(),
            run: Run::blank(),
            start: Params::zeroed(0),
        }
    }
}

/// A Newton step's coordinate vectors (the step, the point it starts from, the point it
/// proposes), kept in the run's [`Scratch`] so that no frame of the optimiser holds them.
pub(crate) struct StepBufs {
    delta: [f64; MAX_P],
    base: [f64; MAX_P],
    fnew: [f64; MAX_P],
}

/// The buffers one optimisation run works in: pass statistics and derivative matrices sized
/// for the largest K (about 160 KiB). Kept by the caller (a [`super::MixtureWorkspace`], or a
/// local for the paths without one) so a run's own stack stays small.
pub(crate) struct Scratch {
    st: SuffStats,
    stn: SuffStats,
    ev: Evaluator,
    evn: Evaluator,
    /// A step's proposed parameters and their θ coordinates.
    pn: Params,
    tn: [f64; MAX_P],
    /// The run's current parameters and their θ coordinates.
    p: Params,
    th: [f64; MAX_P],
    /// A step's coordinate vectors.
    step: StepBufs,
    d: Derivs,
    dn: Derivs,
    m1: Mat,
    m2: Mat,
}

impl Scratch {
    /// Unused buffers, all bits zero.
    pub const fn new() -> Self {
        Scratch {
            st: SuffStats::blank(),
            stn: SuffStats::blank(),
            ev: Evaluator::blank(),
            evn: Evaluator::blank(),
            pn: Params::zeroed(0),
            tn: [0.0; MAX_P],
            p: Params::zeroed(0),
            th: [0.0; MAX_P],
            step: StepBufs {
                delta: [0.0; MAX_P],
                base: [0.0; MAX_P],
                fnew: [0.0; MAX_P],
            },
            d: Derivs::empty(),
            dn: Derivs::empty(),
            m1: [[0.0; MAX_P]; MAX_P],
            m2: [[0.0; MAX_P]; MAX_P],
        }
    }

    /// One evaluation pass at `p` into the first statistics and evaluator buffers (nothing
    /// of the pass's size on the caller's stack).
    pub fn evaluate<D: Passable>(
        &mut self,
        data: &mut D,
        p: &Params,
        b: &Bounds,
        order: Order,
    ) -> (&SuffStats, &Evaluator) {
        evaluate_to(data, p, b, order, &mut self.st, &mut self.ev);
        (&self.st, &self.ev)
    }

    /// The buffers of the online fit's updates: a pass's statistics and evaluator, and the
    /// running averages (the second statistics buffer, free once the burn-in fit is done).
    pub fn online_parts(&mut self) -> (&mut SuffStats, &mut Evaluator, &mut SuffStats) {
        (&mut self.st, &mut self.ev, &mut self.stn)
    }

    /// The buffers of an information-matrix computation: a pass's statistics and evaluator,
    /// its derivatives, and two matrices.
    pub fn information_buffers(
        &mut self,
    ) -> (
        &mut SuffStats,
        &mut Evaluator,
        &mut Derivs,
        &mut Mat,
        &mut Mat,
    ) {
        (
            &mut self.st,
            &mut self.ev,
            &mut self.d,
            &mut self.m1,
            &mut self.m2,
        )
    }
}

/// Newton iterations before the absolute log-likelihood test ([`Control::atol`]) may stop a
/// run: a regular optimum is met by the gradient test well before; a run still going after
/// this many is creeping along a ridge.
pub(crate) const FLAT_AFTER: usize = 30;

/// Iteration controls of one optimisation run.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Control {
    /// EM (ECM) iterations before the Newton phase.
    pub em_iters: usize,
    /// Newton iterations at most.
    pub max_iter: usize,
    /// Stop when the projected-gradient norm is at most this (absolute).
    pub gtol: f64,
    /// Stop (converged on the relative LL change) after 3 accepted steps in a row with
    /// |ΔLL| ≤ rtol·|LL|.
    pub rtol: f64,
    /// Also stop after 3 accepted steps in a row with |ΔLL| ≤ atol (absolute, nats).
    pub atol: f64,
    /// Weight floor of the EM step.
    pub min_weight: f64,
    /// Initial Levenberg–Marquardt damping (0: plain Newton first).
    pub mu0: f64,
}

/// Outcome of one optimisation run.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Run {
    pub p: Params,
    pub ll: f64,
    pub pg: f64,
    pub iters: usize,
    pub em_iters: usize,
    pub passes: usize,
    pub converged: bool,
    /// Converged on the relative LL change rather than on the gradient (a flat ridge or the
    /// rounding floor): callers may still try a better start.
    pub stalled: bool,
    /// Ended with an exponential component (α at the floor 1) whose shift is held just below
    /// the lowest point it claims: a corner of the support constraint, often a poor local
    /// optimum, so callers check the (K − 1)-component fit as for a stalled run.
    pub cornered: bool,
    /// Ended at the iteration limit while still improving.
    pub limit: bool,
}

impl Run {
    /// An unused slot, all bits zero (a workspace's runs: written before they are read).
    pub const fn blank() -> Self {
        Run {
            p: Params::zeroed(0),
            ll: 0.0,
            pg: 0.0,
            iters: 0,
            em_iters: 0,
            passes: 0,
            converged: false,
            stalled: false,
            cornered: false,
            limit: false,
        }
    }

    /// A run that found nothing (no finite likelihood) for `k` components.
    pub fn failed(k: usize) -> Self {
        Run {
            p: Params::zeroed(k),
            ll: f64::NEG_INFINITY,
            pg: f64::INFINITY,
            iters: 0,
            em_iters: 0,
            passes: 0,
            converged: false,
            stalled: false,
            cornered: false,
            limit: false,
        }
    }
}

/// One pass at `p`.
pub(crate) fn evaluate<D: Passable>(
    data: &mut D,
    p: &Params,
    b: &Bounds,
    order: Order,
) -> (Evaluator, SuffStats) {
    let mut st = SuffStats::new(p.k, order);
    let ev = evaluate_into(data, p, b, order, &mut st);
    (ev, st)
}

/// One pass at `p` into the statistics buffer `st` (reset first).
pub(crate) fn evaluate_into<D: Passable>(
    data: &mut D,
    p: &Params,
    b: &Bounds,
    order: Order,
    st: &mut SuffStats,
) -> Evaluator {
    let mut ev = Evaluator::blank();
    evaluate_to(data, p, b, order, st, &mut ev);
    ev
}

/// [`evaluate_into`] writing the evaluator into `ev` (no copy through the caller's frame).
#[inline(never)]
pub(crate) fn evaluate_to<D: Passable>(
    data: &mut D,
    p: &Params,
    b: &Bounds,
    order: Order,
    st: &mut SuffStats,
    ev: &mut Evaluator,
) {
    ev.set(p, b, order);
    st.reset(p.k, order);
    if ev.feasible {
        data.pass(ev, st);
    } else {
        st.uncovered = 1;
    }
}

/// Whether some component sits in the corner α = 1, shift held at its support cap.
fn cornered(p: &Params, th: &[f64; MAX_P], free: &[bool; MAX_P], b: &Bounds) -> bool {
    (0..p.k).any(|i| shift_capped(th, i, b) && !free[PER * i + 2])
}

fn lowest_shift(p: &Params) -> f64 {
    (0..p.k).fold(f64::INFINITY, |m, i| m.min(p.c[i]))
}

/// Newton coordinates per component: φ = (μ, s, u) with μ the mean, s = ln sd, u = ln(μ − c)
/// (the skewness direction is nearly straight in φ, curved in θ). Weight logits unchanged.
fn theta_to_phi(k: usize, th: &[f64; MAX_P], f: &mut [f64; MAX_P]) {
    *f = *th;
    for i in 0..k {
        let (a, b, c) = (th[PER * i], th[PER * i + 1], th[PER * i + 2]);
        let u = a - b;
        f[PER * i] = c + libm::exp(u);
        f[PER * i + 1] = 0.5 * (a - 2.0 * b);
        f[PER * i + 2] = u;
    }
}

/// θ coordinates (into `th`) from φ coordinates `f` (shapes clamped into the bounds, weight
/// logits to ±η_max).
fn phi_write_theta(k: usize, f: &[f64; MAX_P], b: &Bounds, th: &mut [f64; MAX_P]) {
    *th = *f;
    let (amin, amax) = (libm::log(b.alpha_min), libm::log(b.alpha_max));
    for i in 0..k {
        let (mu, s, u) = (f[PER * i], f[PER * i + 1], f[PER * i + 2]);
        let a = (2.0 * u - 2.0 * s).clamp(amin, amax);
        let u = 0.5 * a + s;
        th[PER * i] = a;
        th[PER * i + 1] = u - 2.0 * s;
        th[PER * i + 2] = mu - libm::exp(u);
    }
    for j in PER * k..th.len() {
        th[j] = th[j].clamp(-b.eta_max, b.eta_max);
    }
}

/// Gradient and Hessian in φ from those in θ (chain rule; c_uu = −e^u is the only curvature),
/// into `out`; `t` and `ht` are scratch (only their leading dim × dim blocks are touched).
fn derivs_phi(
    k: usize,
    th: &[f64; MAX_P],
    d: &Derivs,
    out: &mut Derivs,
    t: &mut Mat,
    ht: &mut Mat,
) {
    let dim = d.dim;
    // T = ∂θ/∂φ, block diagonal
    for row in t[..dim].iter_mut() {
        row[..dim].fill(0.0);
    }
    for i in dim.min(PER * k)..dim {
        t[i][i] = 1.0;
    }
    let mut eu = [0.0; MAX_P];
    for i in 0..k {
        let (ia, ib, ic) = (PER * i, PER * i + 1, PER * i + 2);
        let e = libm::exp(th[ia] - th[ib]);
        eu[i] = e;
        // columns: μ = ia, s = ib, u = ic
        t[ia][ib] = -2.0;
        t[ia][ic] = 2.0;
        t[ib][ib] = -2.0;
        t[ib][ic] = 1.0;
        t[ic][ia] = 1.0;
        t[ic][ic] = -e;
    }
    out.dim = dim;
    for j in 0..dim {
        let mut s = 0.0;
        for i in 0..dim {
            s += t[i][j] * d.g[i];
        }
        out.g[j] = s;
    }
    // H T
    for i in 0..dim {
        for j in 0..dim {
            let mut s = 0.0;
            for l in 0..dim {
                s += d.h[i][l] * t[l][j];
            }
            ht[i][j] = s;
        }
    }
    for i in 0..dim {
        for j in 0..dim {
            let mut s = 0.0;
            for l in 0..dim {
                s += t[l][i] * ht[l][j];
            }
            out.h[i][j] = s;
        }
    }
    for i in 0..k {
        out.h[PER * i + 2][PER * i + 2] += d.g[PER * i + 2] * (-eu[i]);
    }
}

/// What a Newton step is proposed from (kept out of line from the optimiser's frame: the
/// proposal's coordinate vectors are dead before the pass that tests it runs).
struct Step<'a> {
    p: &'a Params,
    th: &'a [f64; MAX_P],
    dn: &'a Derivs,
    free: &'a [bool; MAX_P],
    use_phi: bool,
    caps: &'a [f64; MAX_COMPONENTS],
    st: &'a SuffStats,
    b: &'a Bounds,
    x_min: f64,
}

impl Step<'_> {
    /// The damped, trust-region-limited, projected Newton step at damping `mu`: the new
    /// parameters, their θ coordinates and the quadratic model's predicted gain; `None` (with
    /// `mu` raised) when the damped system fails or the step leaves the feasible set.
    #[inline(never)]
    fn propose(
        &self,
        mu: &mut f64,
        m1: &mut Mat,
        pn: &mut Params,
        tn: &mut [f64; MAX_P],
        bufs: &mut StepBufs,
    ) -> Option<f64> {
        let (p, dn, b, use_phi) = (self.p, self.dn, self.b, self.use_phi);
        let StepBufs { delta, base, fnew } = bufs;
        let dim = p.dim();
        delta.fill(0.0);
        if !damped_step(dn, self.free, *mu, delta, m1) {
            *mu = (*mu * 10.0).max(1e-6);
            return None;
        }
        if use_phi {
            theta_to_phi(p.k, self.th, base);
        } else {
            *base = *self.th;
        }
        // trust region: log-scale coordinates ≤ 1, weight logits ≤ 2, mean/shift ≤ one sd
        let mut scale: f64 = 1.0;
        for (i, di) in delta.iter().enumerate().take(dim) {
            let j = i / PER;
            let lim = if i >= PER * p.k {
                2.0
            } else if (use_phi && i % PER == 0) || (!use_phi && i % PER == 2) {
                libm::sqrt(p.alpha[j]) / p.lambda[j]
            } else {
                1.0
            };
            if di.abs() * scale > lim {
                scale = lim / di.abs();
            }
        }
        *fnew = *base;
        for i in 0..dim {
            fnew[i] = base[i] + scale * delta[i];
        }
        if use_phi {
            phi_write_theta(p.k, fnew, b, tn);
        } else {
            *tn = *fnew;
            for i in 0..dim {
                let (lo, hi) = p.coord_bounds(i, b);
                tn[i] = tn[i].clamp(lo, hi);
            }
        }
        // an exponential component (α at the floor 1) stops its shift just below the
        // lowest point it claims (the support trap: a shift cannot pass a point its component
        // still claims; at α = 1 the likelihood drops there), and one leaving the floor
        // from there steps back from that point's cusp
        retreat_shifts(p, tn, self.caps, self.st, b);
        cap_shifts(p.k, tn, self.caps, b);
        // the step actually taken, in the coordinates of `base` (`fnew` reused)
        if use_phi {
            theta_to_phi(p.k, tn, fnew);
        } else {
            *fnew = *tn;
        }
        for i in 0..dim {
            delta[i] = fnew[i] - base[i];
        }
        pn.set_from_theta(p.k, tn);
        if !(lowest_shift(pn) < self.x_min) || !pn.is_valid() {
            *mu = (*mu * 10.0).max(1e-4);
            return None;
        }
        // predicted gain of the quadratic model
        let mut pred = 0.0;
        for i in 0..dim {
            let mut hd = 0.0;
            for j in 0..dim {
                hd += dn.h[i][j] * delta[j];
            }
            pred += dn.g[i] * delta[i] + 0.5 * delta[i] * hd;
        }
        Some(pred)
    }
}

/// Optimise from `p0`. `x_min` is the smallest data point (support constraint).
pub(crate) fn optimize<D: Passable>(
    data: &mut D,
    p0: Params,
    b: &Bounds,
    ctl: &Control,
    x_min: f64,
    sc: &mut Scratch,
) -> Run {
    optimize_h(data, p0, b, ctl, x_min, sc, None)
}

/// [`optimize`], also writing the gradient and Hessian (θ coordinates) at the final parameters
/// into `hess_out` when the run ends on a second-order pass (left untouched otherwise).
pub(crate) fn optimize_h<D: Passable>(
    data: &mut D,
    p0: Params,
    b: &Bounds,
    ctl: &Control,
    x_min: f64,
    sc: &mut Scratch,
    hess_out: Option<&mut Derivs>,
) -> Run {
    let mut run = Run::failed(p0.k);
    optimize_into(data, &p0, b, ctl, x_min, sc, hess_out, &mut run);
    run
}

/// [`optimize_h`] writing the run into `run` (no run-sized temporary on the caller's stack).
#[allow(clippy::too_many_arguments)]
#[inline(never)]
pub(crate) fn optimize_into<D: Passable>(
    data: &mut D,
    p0: &Params,
    b: &Bounds,
    ctl: &Control,
    x_min: f64,
    sc: &mut Scratch,
    hess_out: Option<&mut Derivs>,
    run: &mut Run,
) {
    *run = Run::failed(p0.k);
    run.p = *p0;
    // buffers reused by every pass and step (the statistics and matrices are sized for the
    // largest K; only the parts K uses are reset)
    let Scratch {
        st,
        stn,
        ev,
        evn,
        pn,
        tn,
        p,
        th,
        step: bufs,
        d,
        dn,
        m1,
        m2,
    } = sc;
    let (mut st, mut stn): (&mut SuffStats, &mut SuffStats) = (st, stn);
    let (mut ev, mut evn): (&mut Evaluator, &mut Evaluator) = (ev, evn);
    // EM burn-in: keep the best parameters seen
    // (`p` and `pn` alternate as the current and the next EM point)
    let (mut p, mut pn): (&mut Params, &mut Params) = (p, pn);
    *p = *p0;
    for _ in 0..ctl.em_iters {
        evaluate_to(data, p, b, Order::Em, st, ev);
        run.passes += 1;
        run.em_iters += 1;
        let ll = st.log_likelihood();
        if ll > run.ll {
            run.ll = ll;
            run.p = *p;
        } else if ll.is_finite() || run.ll.is_finite() {
            break;
        }
        if !ll.is_finite() {
            break;
        }
        *pn = em_update(p, st, b, ctl.min_weight, x_min);
        core::mem::swap(&mut p, &mut pn);
    }
    *p = run.p;
    evaluate_to(data, p, b, Order::Hess, st, ev);
    run.passes += 1;
    let mut ll = st.log_likelihood();
    run.ll = ll;
    if !ll.is_finite() {
        return;
    }
    th.fill(0.0);
    p.write_theta(th);
    let mut mu = ctl.mu0;
    let mut stall = 0;
    let mut stalled = false;
    let dim = p.dim();
    for _ in 0..ctl.max_iter {
        derivs_into(p, ev, st, d);
        let caps = shift_caps(p, st, x_min);
        let (free, pg) = projected(p, th, &d.g, b, &caps);
        run.pg = pg;
        if pg <= ctl.gtol {
            run.converged = true;
            break;
        }
        run.iters += 1;
        let mut accepted = None;
        // Newton in φ unless a bound is active (then in θ, where the bounds are boxes)
        let use_phi = free.iter().take(dim).all(|&f| f);
        if use_phi {
            derivs_phi(p.k, th, d, dn, m1, m2);
        }
        let dn: &Derivs = if use_phi { dn } else { d };
        let step = Step {
            p,
            th,
            dn,
            free: &free,
            use_phi,
            caps: &caps,
            st,
            b,
            x_min,
        };
        for _ in 0..12 {
            let Some(pred) = step.propose(&mut mu, m1, pn, tn, bufs) else {
                continue;
            };
            evaluate_to(data, pn, b, Order::Hess, stn, evn);
            run.passes += 1;
            let lln = stn.log_likelihood();
            // f64 sums: a step may lose up to their rounding floor; f32 sums (the f32
            // kernel): it must gain, so that their rounding cannot walk a run along a ridge
            let ascends = if b.single {
                lln > ll
            } else {
                lln >= ll - 1e-13 * ll.abs()
            };
            if lln.is_finite() && ascends {
                let rho = if pred > 0.0 { (lln - ll) / pred } else { 1.0 };
                if rho > 0.75 {
                    mu *= 0.01;
                    if mu < 1e-9 {
                        mu = 0.0;
                    }
                } else if rho < 0.25 {
                    mu = (mu * 4.0).max(1e-4);
                }
                accepted = Some(lln);
                break;
            }
            mu = (mu * 10.0).max(1e-3);
        }
        if accepted.is_none() {
            // safe fallback: one EM step
            *pn = em_update(p, st, b, ctl.min_weight, x_min);
            evaluate_to(data, pn, b, Order::Hess, stn, evn);
            run.passes += 1;
            let lln = stn.log_likelihood();
            if lln.is_finite() && lln > ll {
                tn.fill(0.0);
                pn.write_theta(tn);
                accepted = Some(lln);
            }
        }
        let Some(lln) = accepted else {
            // No step raises the log-likelihood. With a component at the shape cap (the normal
            // limit) that is the rounding floor: the LL carries ~N·α·ε of noise (≈1e-5 at
            // α = 1e7, N = 6544), far above what a step along the remaining gradient can gain,
            // so this is the same LL-floor convergence as the 3-step stall below.
            if (0..p.k).any(|j| p.at_shape_cap(j, b)) {
                stalled = true;
            }
            break;
        };
        let dll = lln - ll;
        *p = *pn;
        *th = *tn;
        core::mem::swap(&mut ev, &mut evn);
        core::mem::swap(&mut st, &mut stn);
        ll = lln;
        if dll.abs() <= ctl.rtol * ll.abs() || (run.iters >= FLAT_AFTER && dll.abs() <= ctl.atol) {
            stall += 1;
            if stall >= 3 {
                stalled = true;
                break;
            }
        } else {
            stall = 0;
        }
    }
    if run.converged || run.iters > 0 || ctl.max_iter == 0 {
        derivs_into(p, ev, st, d);
        let (free, pg) = projected(p, th, &d.g, b, &shift_caps(p, st, x_min));
        run.pg = pg;
        run.cornered = cornered(p, th, &free, b);
        if let Some(out) = hess_out {
            if st.second_order {
                *out = *d;
            }
        }
        // Converged: the projected gradient reached its tolerance, or the log-likelihood stopped
        // changing at the relative level `rtol` (default 1e-15, the rounding floor) for 3 accepted
        // steps — e.g. at the normal limit (α at its cap), where the remaining gradient is
        // rounding noise of sums of ~λ(x−c) terms.
        run.stalled = stalled && run.pg > ctl.gtol;
        run.converged = run.pg <= ctl.gtol || stalled;
        run.limit = !run.converged && run.iters >= ctl.max_iter;
    }
    run.p = *p;
    run.ll = ll;
}

/// The exact stage after the sketch (into `out`): gradient-only passes on `data` (no Σ φ φᵀ), with
/// quasi-Newton steps by the fixed matrix `h` — the sketch's Hessian at `p0`, which is next to
/// the exact one because the sketch's optimum is next to the exact optimum. Stops when the
/// projected gradient is ≤ `ctl.gtol` (typically after the first pass, at most a step or two
/// later). A step that does not raise the likelihood, an unusable `h`, or 8 steps without
/// convergence hand over to [`optimize`] (exact-Hessian passes) from the best point so far.
#[allow(clippy::too_many_arguments)]
#[inline(never)]
pub(crate) fn polish<D: Passable>(
    data: &mut D,
    p0: &Params,
    h: &Derivs,
    b: &Bounds,
    ctl: &Control,
    x_min: f64,
    sc: &mut Scratch,
    out: &mut Run,
) {
    let Some((passes, iters)) = polish_steps(data, p0, h, b, ctl, x_min, sc, out) else {
        return;
    };
    // The hand-over (from this frame, not from the steps' frame: the two are not nested).
    let p = out.p;
    optimize_into(data, &p, b, ctl, x_min, sc, None, out);
    out.passes += passes;
    out.iters += iters;
}

/// The quasi-Newton steps of [`polish`]: `None` when they converged (`out` is the run),
/// otherwise the passes and steps made, with the point reached in `out.p`.
#[allow(clippy::too_many_arguments)]
#[inline(never)]
fn polish_steps<D: Passable>(
    data: &mut D,
    p0: &Params,
    h: &Derivs,
    b: &Bounds,
    ctl: &Control,
    x_min: f64,
    sc: &mut Scratch,
    out: &mut Run,
) -> Option<(usize, usize)> {
    let Scratch {
        st,
        stn,
        ev,
        evn,
        d,
        m1,
        p,
        th,
        pn,
        tn,
        step,
        ..
    } = &mut *sc;
    let delta = &mut step.delta;
    let (mut st, mut stn): (&mut SuffStats, &mut SuffStats) = (st, stn);
    let (mut ev, mut evn): (&mut Evaluator, &mut Evaluator) = (ev, evn);
    evaluate_to(data, p0, b, Order::Grad, st, ev);
    let mut passes = 1;
    let mut iters = 0;
    let mut ll = st.log_likelihood();
    *p = *p0;
    th.fill(0.0);
    p.write_theta(th);
    let dim = p.dim();
    if ll.is_finite() && h.dim == dim {
        for _ in 0..ctl.max_iter.min(8) {
            derivs_into(p, ev, st, d);
            let caps = shift_caps(p, st, x_min);
            let (free, pg) = projected(p, th, &d.g, b, &caps);
            if pg <= ctl.gtol {
                *out = Run {
                    p: *p,
                    ll,
                    pg,
                    iters,
                    em_iters: 0,
                    passes,
                    converged: true,
                    stalled: false,
                    cornered: cornered(p, th, &free, b),
                    limit: false,
                };
                return None;
            }
            for (row, hrow) in d.h[..dim].iter_mut().zip(h.h.iter()) {
                row[..dim].copy_from_slice(&hrow[..dim]);
            }
            delta.fill(0.0);
            if !damped_step(d, &free, 0.0, delta, m1) {
                break;
            }
            *tn = *th;
            for i in 0..dim {
                let (lo, hi) = p.coord_bounds(i, b);
                tn[i] = (th[i] + delta[i]).clamp(lo, hi);
            }
            retreat_shifts(p, tn, &caps, st, b);
            cap_shifts(p.k, tn, &caps, b);
            pn.set_from_theta(p.k, tn);
            if !(lowest_shift(pn) < x_min) || !pn.is_valid() {
                break;
            }
            evaluate_to(data, pn, b, Order::Grad, stn, evn);
            passes += 1;
            iters += 1;
            let lln = stn.log_likelihood();
            if !(lln.is_finite() && lln >= ll - 1e-13 * ll.abs()) {
                break;
            }
            *p = *pn;
            *th = *tn;
            ll = lln;
            core::mem::swap(&mut ev, &mut evn);
            core::mem::swap(&mut st, &mut stn);
        }
    }
    out.p = *p;
    Some((passes, iters))
}
