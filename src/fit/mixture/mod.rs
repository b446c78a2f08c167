//! Gamma-mixture maximum likelihood: K truncated shifted gammas fitted by EM (ECM) burn-in and
//! projected Newton steps on the observed log-likelihood, warm-started on a sketch of the data
//! (per-bin count, mean and variance, built in the validating pass), over slices, re-iterable
//! chunk sources (mergeable statistics), or one-pass online EM.
//!
//! Speed (K = 2, N = 100,000, `cargo bench --bench mixture`): the warm start does all but the
//! last pass on the sketch (two-point-per-bin representation, a few hundred to a few thousand
//! weighted points), whose optimum sits within the exact tolerance of the exact optimum, so the
//! exact stage is usually one gradient-only pass over the data; the E-step kernel runs blocks
//! of 8 points through branch-free, vectorised exp/ln (`vmath`, ≤ 2 ULP).
//!
//! Model: p(x) = Σ τ_i G(x; α_i, λ_i, c_i) / Z_i on [lo, hi], Z_i the mass of [lo, hi] under the
//! untruncated component. Parameters are optimised in θ = (ln α_i, ln λ_i, c_i; η_j = ln τ_j/τ_0)
//! with boxes α ∈ [`MixtureOptions::shape_floor`], [`FitOptions::shape_cap`]] and
//! |η| ≤ ln(1/[`MixtureOptions::min_weight`]); every pass accumulates the gradient and the exact
//! Hessian (sums of φφᵀ with φ = r·(1, ln d, d, 1/d)) where a Newton step needs it (the exact
//! stage after the sketch reuses the sketch's Hessian and accumulates the gradient only), and
//! the fit stops when the projected gradient norm is ≤ [`MixtureOptions::grad_tol`]·N.
//!
//! ```
//! use simstat::fit::{fit_mixture, FitOptions};
//! // a deterministic two-cluster sample: gamma quantiles of two components
//! let q = |a: f64, l: f64, c: f64, n: usize| -> Vec<f64> {
//!     (0..n).map(|i| c + simstat::special::gamma_p_inv(a, (i as f64 + 0.5) / n as f64) / l).collect()
//! };
//! let mut data = q(13.3, 35.5, -0.28, 1400);
//! data.extend(q(30.0, 60.0, 0.1, 600));
//! let fit = fit_mixture(&data, 2, &FitOptions::default())?;
//! assert_eq!(fit.len(), 2);
//! assert!((fit.weight(0) + fit.weight(1) - 1.0).abs() < 1e-12);
//! assert!(fit.component(0).shift() <= fit.component(1).shift()); // ordered by shift
//! assert!(fit.converged());
//! # Ok::<(), simstat::fit::FitError>(())
//! ```

// Dense small-matrix numerics read clearest with index loops.
#![allow(clippy::needless_range_loop)]
// `!(x > 0.0)` is the NaN-rejecting test, on purpose.
#![allow(clippy::neg_cmp_op_on_partial_ord)]

mod engine;
mod estep;
mod from_sketch;
mod inference;
mod init;
mod moments;
mod mstep;
mod newton;
mod online;
mod params;
mod result;
mod stream;
mod warm;
mod workspace;

pub use estep::SuffStats;
#[cfg(feature = "alloc")]
pub use from_sketch::fit_mixture_from_sketch;
pub use from_sketch::fit_mixture_from_sketch_in;
pub(crate) use from_sketch::{fit_mixture_binned_in, fit_points_in, points_buffer};
#[cfg(feature = "alloc")]
pub use inference::standard_errors;
pub use inference::{standard_errors_in, StandardErrors};
#[cfg(feature = "alloc")]
pub use online::fit_mixture_online;
pub use online::{fit_mixture_online_in, OnlineOptions};
pub use result::{MixtureFit, StopReason};
#[cfg(feature = "std")]
pub use stream::fit_mixture_sharded;
#[cfg(feature = "alloc")]
pub use stream::fit_mixture_source;
pub use stream::{
    fit_mixture_source_in, pass_statistics, pass_statistics_into, ChunkSource, F32Chunks,
    SliceChunks,
};
pub use warm::{Reservoir, RESERVOIR_CAPACITY};
pub use workspace::MixtureWorkspace;
pub(crate) use workspace::{Engine, StageBuffers};
#[cfg(feature = "serde")]
pub(crate) use {estep::PHI_LEN as PHI_CAPACITY, result::MixtureParts};

use super::{FitError, FitOptions, Sketch};
pub(crate) use engine::Scratch;
use engine::{optimize, optimize_into, polish, Control, Passable, Run, Spare, Weighted};
use estep::Order;
use moments::{quantiles, MomentBins};
use params::{Bounds, Params};

/// Bins of the histogram sketch the warm start's middle stage runs on.
pub(crate) const SKETCH_BINS: usize = 4096;

/// Largest number of components a mixture fit holds (fixed arrays, no allocation): 16, or 4
/// or 8 where the final build sets `--cfg simstat_max_components="4"` (or `"8"`), e.g. a
/// microcontroller's in its `.cargo/config.toml`:
///
/// ```toml
/// [target.thumbv7em-none-eabihf]
/// rustflags = ["--cfg", "simstat_max_components=\"4\""]
/// ```
///
/// The capacity sizes the optimiser's matrices (dimension 4K − 1), so it sets most of a
/// [`MixtureWorkspace`]: 578 KiB at 16 and the default sketch, 385 KiB at 4; with a 512-bin
/// sketch and a 1,024-value subsample 298 KiB at 16 and **105 KiB at 4**. It also sizes the
/// results ([`MixtureFit`], a background, a selection), so it is one choice for the whole
/// build — like `getrandom`'s backend, a `cfg` the binary sets, not a feature a library could
/// turn on for its dependants. Fits within the capacity do not depend on it: the firmware
/// (`firmware/`, built with 4) reproduces the x86-64 results of the default 16 bit for bit. A
/// fit of more components than the capacity is [`FitError::BadOption`]`("k")`; an order
/// selection needs an over-fit above the true order, so at 4 it selects among at most 4.
pub const MAX_COMPONENTS: usize = if cfg!(simstat_max_components = "4") {
    4
} else if cfg!(simstat_max_components = "8") {
    8
} else {
    16
};

/// Mixture-specific options (the interval, pass limit and α cap come from [`FitOptions`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MixtureOptions {
    /// Fraction of the data in the seeded reservoir subsample (default 1/20, clamped to
    /// [`min_subsample`](Self::min_subsample)..=[`RESERVOIR_CAPACITY`]). The subsample seeds
    /// the starts of a cold fit, and carries the warm start's first stage when the data fill
    /// fewer than 64 of the sketch's 4096 bins (too narrow for the sketch); otherwise the warm
    /// start iterates on the sketch and draws its starts from the sketch's quantiles.
    pub subsample_fraction: f64,
    /// Smallest subsample (default 2000); data sets under twice this size are fitted cold.
    pub min_subsample: usize,
    /// Seed of the reservoir sampler (default 0x5eed).
    pub seed: u64,
    /// EM (ECM) iterations before the Newton phase of the first stage (default 8).
    pub em_iters: usize,
    /// Convergence: projected-gradient norm ≤ `grad_tol`·N (default 1e-6).
    pub grad_tol: f64,
    /// Convergence on the relative log-likelihood change: 3 accepted steps in a row with
    /// |ΔLL| ≤ `rel_tol`·|LL| (default 1e-15, the rounding floor of the LL sum).
    pub rel_tol: f64,
    /// Convergence on the absolute log-likelihood change per observation: after 30 Newton
    /// iterations, 3 accepted steps in a row with |ΔLL| ≤ `ll_tol`·N ([`StopReason::Flat`];
    /// default 0: off). Over-fitted mixtures sit on flat ridges where Newton creeps (measured:
    /// K = 8 on N = 2000 gained ~7e-4 nats a step after 80 steps, projected gradient ~0.2
    /// against a tolerance of 0.002) and end at the pass limit; `ll_tol = 1e-5`
    /// ([`MixtureOptions::overfit`]) stops them within ~3 nats of the 100-pass likelihood, which
    /// is what an over-fit for [`select_order`](crate::select::select_order) needs (its levels
    /// are polished again). Off by default because a creeping run can still gain several nats
    /// (measured: 4.2 nats on a K = 3 fit of two clusters), which matters for a final fit.
    pub ll_tol: f64,
    /// Weight floor: every τ_i stays ≥ about this (default 1e-4).
    pub min_weight: f64,
    /// Shape floor (default 1): below α = 1 the likelihood is unbounded at the shift.
    pub shape_floor: f64,
    /// Independent starts (different splits of the sorted sample: equal-count slices, then
    /// slices giving the upper components 25 %, 50 %, 10 % of it) tried in the first stage
    /// (default 4: a single start can end on a ridge where a component drifts to the normal
    /// limit; the starts run on the sketch or the subsample, so they cost little). For
    /// 2 ≤ K ≤ 4 a nested start (the (K − 1)-component optimum with its heaviest component
    /// split) is always tried too.
    pub starts: usize,
    /// Also fit K − 1 components and restart from that fit (a component duplicated) when it
    /// has the higher likelihood, so a K-component fit never ends below the (K − 1)-component
    /// one (default false: the check then runs only when the K-component run ends unconverged;
    /// costs one (K − 1)-component fit).
    pub nested_guard: bool,
    /// The arithmetic of the E-step's per-point work (default [`Kernel::F64`]).
    /// [`Kernel::F32`] is for cores whose FPU is single precision only (a Cortex-M4F), where
    /// every f64 operation is a software routine.
    pub kernel: Kernel,
}

/// The arithmetic of a mixture fit's per-point work: the component densities, the
/// responsibilities and the per-pass sums (the optimiser, the normalisers and the sums' totals
/// stay f64 either way).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Kernel {
    /// Double precision throughout: the reference path (bit for bit the same on every target).
    #[default]
    F64,
    /// Single precision per point for K ≤ 4 (larger K keep f64 per point): each point's
    /// support test (x > c) and its offset from each component's mean are taken in f64, the
    /// offset rounded once; the log density is evaluated about that mean (so that the large
    /// terms of a narrow component cancel before rounding); the sums of centred features are
    /// kept in f32 partial sums of at most 32 points per lane and turned into the f64 totals
    /// once per pass. The optimiser stays f64, with two rules for sums this coarse (for every
    /// K): a step must raise the log-likelihood strictly, and the gradient tolerance is
    /// floored at [`F32_GRAD_TOL`]·N.
    ///
    /// Measured (`tests/fit_mixture_f32_kernel.rs`, 27 real samples): the reported
    /// log-likelihood within 1.5e-6 relative of the exact sum; started at the f64 optimum the
    /// fit stays within 6.4e-5 nats (K ≤ 2); K = 2 fits within 0.5 nats of the f64 fit on 24
    /// of 27 (the others: a different start won the multi-start, 1.6 nats worse at most). The
    /// fit is the same function of the data on every target (no fused multiply-add, the same
    /// `libm`), so a device's result equals the x86-64 result bit for bit. On a core with an
    /// f64 unit it is slower than [`Kernel::F64`] (scalar `logf`/`expf`, no vectorised block).
    /// The calibration's background takes it from
    /// [`BackgroundOptions::kernel`](crate::calibrate::BackgroundOptions::kernel); the C ABI
    /// from `SimstatMixtureOptions::kernel` (1).
    ///
    /// ```
    /// use simstat::fit::{fit_mixture_in, FitOptions, Kernel, MixtureOptions, MixtureWorkspace};
    /// let x: Vec<f64> = (0..400).map(|i| -0.1 + 0.5 * ((i as f64 + 0.5) / 400.0).powi(2)).collect();
    /// let mo = MixtureOptions { kernel: Kernel::F32, ..MixtureOptions::default() };
    /// let mut ws = <MixtureWorkspace>::boxed();
    /// let fit = fit_mixture_in(&x, 2, &FitOptions::default(), &mo, &mut ws).unwrap();
    /// let exact: f64 = x.iter().map(|&v| fit.ln_pdf(v)).sum();
    /// assert!((fit.log_likelihood() - exact).abs() <= 1e-5 * exact.abs());
    /// ```
    F32,
}

/// Smallest gradient tolerance (per observation) of a fit with [`Kernel::F32`]: below it the
/// f32 sums' rounding decides whether a fit converged.
pub const F32_GRAD_TOL: f64 = 1e-5;

impl Default for MixtureOptions {
    fn default() -> Self {
        MixtureOptions {
            subsample_fraction: 0.05,
            min_subsample: 2000,
            seed: 0x5eed,
            em_iters: 8,
            grad_tol: 1e-6,
            rel_tol: 1e-15,
            ll_tol: 0.0,
            min_weight: 1e-4,
            shape_floor: 1.0,
            starts: 4,
            nested_guard: false,
            kernel: Kernel::F64,
        }
    }
}

impl MixtureOptions {
    /// The options for an over-fitted mixture that feeds
    /// [`select_order`](crate::select::select_order): the defaults with `ll_tol = 1e-5` (0.02
    /// nats a step at N = 2000), so the
    /// fit stops ([`StopReason::Flat`]) where the likelihood has stopped moving instead of
    /// creeping along the ridges an over-specified mixture has until the pass limit.
    pub fn overfit() -> Self {
        MixtureOptions {
            ll_tol: 1e-5,
            ..MixtureOptions::default()
        }
    }

    fn validate_with(&self, opts: &FitOptions) -> Result<(), FitError> {
        self.validate()?;
        if !(self.shape_floor < opts.shape_cap) {
            return Err(FitError::BadOption("shape_floor"));
        }
        Ok(())
    }

    fn validate(&self) -> Result<(), FitError> {
        if !(self.subsample_fraction > 0.0 && self.subsample_fraction <= 1.0) {
            return Err(FitError::BadOption("subsample_fraction"));
        }
        if !(self.grad_tol > 0.0 && self.grad_tol.is_finite()) {
            return Err(FitError::BadOption("grad_tol"));
        }
        if !(self.rel_tol >= 0.0 && self.rel_tol < 1.0) {
            return Err(FitError::BadOption("rel_tol"));
        }
        if !(self.ll_tol >= 0.0 && self.ll_tol < 1.0) {
            return Err(FitError::BadOption("ll_tol"));
        }
        if !(self.min_weight > 0.0 && self.min_weight < 0.5) {
            return Err(FitError::BadOption("min_weight"));
        }
        if !(self.shape_floor >= 1.0 && self.shape_floor < 1e3) {
            return Err(FitError::BadOption("shape_floor"));
        }
        Ok(())
    }
}

/// Summary of a validated data set: count, extremes, and the first two moments as sums of
/// offsets from the first value (no division per value; shards add). The sums run in four
/// lanes, value i of the whole data in lane i mod 4, so any chunking of the same data gives the
/// same sums bit for bit.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Summary {
    pub n: u64,
    pub min: f64,
    pub max: f64,
    shift: f64,
    s1: [f64; SUMMARY_LANES],
    s2: [f64; SUMMARY_LANES],
}

/// Lanes of the summary sums (vectorised).
const SUMMARY_LANES: usize = 4;

impl Summary {
    pub fn new() -> Self {
        Summary {
            n: 0,
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
            shift: f64::NAN,
            s1: [0.0; SUMMARY_LANES],
            s2: [0.0; SUMMARY_LANES],
        }
    }
    /// Check and add a chunk; `offset` is the index of its first value (for error messages).
    pub fn add(&mut self, xs: &[f64], offset: usize, lo: f64, hi: f64) -> Result<(), FitError> {
        // one branch-free check of the whole chunk (NaN fails both comparisons), then the
        // first bad value is looked up only on failure
        let ok = xs.iter().fold(true, |ok, &x| ok & (x >= lo) & (x <= hi));
        if !ok {
            for (i, &x) in xs.iter().enumerate() {
                if !x.is_finite() {
                    return Err(FitError::NonFinite { index: offset + i });
                }
                if x < lo || x > hi {
                    return Err(FitError::OutOfInterval {
                        index: offset + i,
                        value: x,
                        lo,
                        hi,
                    });
                }
            }
        }
        let Some(&first) = xs.first() else {
            return Ok(());
        };
        if self.n == 0 {
            self.shift = first;
        }
        const L: usize = SUMMARY_LANES;
        let sh = self.shift;
        // values up to the next multiple of L of the global index go to their lanes one by
        // one, then whole groups of L (vectorised), then the rest
        let lead = ((L - (self.n % L as u64) as usize) % L).min(xs.len());
        let (head, body) = xs.split_at(lead);
        let start = (self.n % L as u64) as usize;
        for (j, &x) in head.iter().enumerate() {
            let d = x - sh;
            self.s1[start + j] += d;
            self.s2[start + j] += d * d;
        }
        let (mut mn, mut mx) = ([self.min; L], [self.max; L]);
        let (mut a1, mut a2) = (self.s1, self.s2);
        let mut chunks = body.chunks_exact(L);
        for c in chunks.by_ref() {
            for j in 0..L {
                let x = c[j];
                let d = x - sh;
                a1[j] += d;
                a2[j] += d * d;
                mn[j] = if x < mn[j] { x } else { mn[j] };
                mx[j] = if x > mx[j] { x } else { mx[j] };
            }
        }
        for (j, &x) in chunks.remainder().iter().enumerate() {
            let d = x - sh;
            a1[j] += d;
            a2[j] += d * d;
        }
        self.s1 = a1;
        self.s2 = a2;
        for &x in head.iter().chain(chunks.remainder()) {
            mn[0] = mn[0].min(x);
            mx[0] = mx[0].max(x);
        }
        for j in 0..L {
            self.min = self.min.min(mn[j]);
            self.max = self.max.max(mx[j]);
        }
        self.n += xs.len() as u64;
        Ok(())
    }
    /// The summary of weighted points (a sketch's bins) of `n` values whose exact minimum and
    /// maximum are known: moments from the points, extremes as given.
    pub fn from_weighted(xs: &[f64], ws: &[f64], n: u64, min: f64, max: f64) -> Self {
        let total: f64 = ws.iter().sum();
        let mean = if total > 0.0 {
            xs.iter().zip(ws).map(|(&x, &w)| w * x).sum::<f64>() / total
        } else {
            0.0
        };
        let mut out = Summary::new();
        out.n = n;
        out.min = min;
        out.max = max;
        out.shift = mean;
        out.s2[0] = xs
            .iter()
            .zip(ws)
            .map(|(&x, &w)| w * (x - mean) * (x - mean))
            .sum::<f64>()
            * (n as f64 / total.max(1.0));
        out
    }
    /// Σ (x − shift) and Σ (x − shift)², the lanes added in lane order.
    fn sums(&self) -> (f64, f64) {
        let add = |v: &[f64; SUMMARY_LANES]| v.iter().fold(0.0, |s, &x| s + x);
        (add(&self.s1), add(&self.s2))
    }
    pub fn sd(&self) -> f64 {
        if self.n > 0 {
            let n = self.n as f64;
            let (s1, s2) = self.sums();
            let m = s1 / n;
            libm::sqrt((s2 / n - m * m).max(0.0))
        } else {
            0.0
        }
    }
    /// At least one point per free parameter (4k − 1: k shapes, rates and shifts, k − 1
    /// weights; at least 3); fewer leave the MLE unidentifiable.
    pub fn check(&self, k: usize) -> Result<(), FitError> {
        let needed = (4 * k - 1) as u64;
        if self.n < needed.max(3) {
            return Err(FitError::TooFewSamples {
                n: self.n,
                needed: needed.max(3),
            });
        }
        if !(self.max > self.min) {
            return Err(FitError::AllEqual);
        }
        Ok(())
    }
}

/// The start of every mixture entry point: the options valid (alone and together) and
/// 1 ≤ K ≤ [`MAX_COMPONENTS`].
pub(crate) fn check_call(k: usize, opts: &FitOptions, mo: &MixtureOptions) -> Result<(), FitError> {
    opts.validate()?;
    mo.validate_with(opts)?;
    check_k(k)
}

/// [`check_call`] for the fits that read a [`Sketch`]: also the sketch's interval is `opts`'
/// [lo, hi].
pub(crate) fn check_sketch_call<const B: usize>(
    sketch: &Sketch<B>,
    k: usize,
    opts: &FitOptions,
    mo: &MixtureOptions,
) -> Result<(), FitError> {
    check_call(k, opts, mo)?;
    if sketch.interval() != (opts.lo, opts.hi) {
        return Err(FitError::IntervalMismatch);
    }
    Ok(())
}

/// What every stage of one mixture fit shares: the order, the summary of the data and the
/// options (one value instead of four arguments through the stage functions).
#[derive(Clone, Copy)]
pub(crate) struct FitCall<'a> {
    /// Number of components of this stage.
    pub k: usize,
    /// Count, range and moments of all the data.
    pub s: &'a Summary,
    /// The general fit options.
    pub opts: &'a FitOptions,
    /// The mixture options.
    pub mo: &'a MixtureOptions,
}

pub(crate) fn check_k(k: usize) -> Result<(), FitError> {
    if k == 0 || k > MAX_COMPONENTS {
        return Err(FitError::BadOption("k"));
    }
    Ok(())
}

pub(crate) fn bounds(opts: &FitOptions, mo: &MixtureOptions) -> Bounds {
    // callers have run `MixtureOptions::validate_with` (shape_floor < shape_cap)
    Bounds {
        lo: opts.lo,
        hi: opts.hi,
        alpha_min: mo.shape_floor,
        alpha_max: opts.shape_cap,
        eta_max: libm::log(1.0 / mo.min_weight),
        single: mo.kernel == Kernel::F32,
    }
}

pub(crate) fn control(opts: &FitOptions, mo: &MixtureOptions, em_iters: usize, n: f64) -> Control {
    Control {
        em_iters,
        max_iter: opts.max_passes,
        gtol: match mo.kernel {
            Kernel::F64 => mo.grad_tol,
            Kernel::F32 => mo.grad_tol.max(F32_GRAD_TOL),
        } * n,
        rtol: mo.rel_tol,
        atol: mo.ll_tol * n,
        min_weight: mo.min_weight,
        // a polish stage (no EM burn-in) starts next to the optimum: plain Newton first
        mu0: if em_iters == 0 { 0.0 } else { 1e-3 },
    }
}

/// Finished runs of a multi-start (parameters and their log-likelihood), for re-ranking: at
/// most 6 (4 split starts, the nested start, one spare); later ones are dropped.
pub(crate) struct Cands(heapless::Vec<(Params, f64), 6>);

impl Cands {
    /// No candidates.
    pub const fn blank() -> Self {
        Cands(heapless::Vec::new())
    }
    /// Empty, for a new multi-start.
    pub fn reset(&mut self) {
        self.0.clear();
    }
    fn push(&mut self, p: &Params, ll: f64) {
        // Full: the candidate is dropped (the best run is kept by the caller regardless).
        let _ = self.0.push((*p, ll));
    }
}

/// What the starts of one multi-start share: the sorted sample they are drawn from, the data
/// summary, the box bounds, the optimiser's control and how many starts to run.
#[derive(Clone, Copy)]
pub(crate) struct Starts<'a> {
    /// A sorted sample of the data (quantiles or the reservoir) the starts are drawn from.
    pub sorted: &'a [f64],
    /// Count, range and moments of the data.
    pub s: &'a Summary,
    /// Box bounds of the parameters.
    pub b: &'a Bounds,
    /// Tolerances and iteration limits.
    pub ctl: &'a Control,
    /// Number of split-variant starts (1..=4; 1 for K = 1).
    pub starts: usize,
}

/// Best of several starts (sample split variants) on `data`; `sorted` is a sorted sample.
/// Every finished start's parameters are recorded in `cands` (when given). `spare` holds the
/// runs and the start in between (nothing run-sized on these frames).
#[inline(never)]
pub(crate) fn multi_start<D: Passable>(
    data: &mut D,
    st: &Starts<'_>,
    k: usize,
    cands: Option<&mut Cands>,
    sc: &mut Scratch,
    out: &mut Run,
    spare: &mut Spare,
) {
    let Spare { prev, run, start } = spare;
    // The nested start of K needs the (K − 1) result, which needs the (K − 2) one, ...: the
    // chain is computed bottom up (one frame, not a recursion per order).
    if (2..=4).contains(&k) {
        *prev = Run::failed(1);
        for j in 1..k {
            let below = (j > 1).then_some(&*prev);
            starts_run(data, st, j, None, sc, below, (out, run, start));
            core::mem::swap(prev, out);
        }
        starts_run(data, st, k, cands, sc, Some(prev), (out, run, start));
    } else {
        starts_run(data, st, k, cands, sc, None, (out, run, start));
    }
}

/// The starts of [`multi_start`] for `k` components, and the nested start from `prev` (the
/// (K − 1)-component result, given for 2 ≤ K ≤ 4): the best run into `best`; `run` and
/// `p0` hold each start's run and initial parameters.
#[inline(never)]
fn starts_run<D: Passable>(
    data: &mut D,
    st: &Starts<'_>,
    k: usize,
    mut cands: Option<&mut Cands>,
    sc: &mut Scratch,
    prev: Option<&Run>,
    (best, run, p0): (&mut Run, &mut Run, &mut Params),
) {
    let Starts {
        sorted,
        s,
        b,
        ctl,
        starts,
    } = *st;
    let shares = [0.0, 0.25, 0.5, 0.1];
    let nstarts = if k == 1 {
        1
    } else {
        starts.clamp(1, shares.len())
    };
    let mut found = false;
    let mut total_passes = 0;
    let mut total_iters = 0;
    *run = Run::failed(k);
    let mut consider = |run: &Run, best: &mut Run| {
        if let (true, Some(c)) = (run.ll.is_finite(), cands.as_deref_mut()) {
            c.push(&run.p, run.ll);
        }
        total_passes += run.passes;
        total_iters += run.iters + run.em_iters;
        let better = !found || run.ll > best.ll || (!best.ll.is_finite() && run.ll.is_finite());
        if better {
            *best = *run;
            found = true;
        }
    };
    for &share in shares.iter().take(nstarts) {
        init::init_params(sorted, k, s.min, s.sd(), b, share, p0);
        optimize_into(data, p0, b, ctl, s.min, sc, None, run);
        consider(run, best);
    }
    // nested start (K ≤ 4): the (K − 1)-component optimum with its heaviest component split in
    // two (same mean and sd, shapes ×(1 ± 10 %)), so K components start next to the
    // (K − 1)-component likelihood and never end below it.
    if let (true, Some(prev)) = ((2..=4).contains(&k), prev) {
        if prev.ll.is_finite() {
            *p0 = prev.p;
            p0.k = k;
            let j = (0..k - 1).fold(0, |m, i| if p0.tau[i] > p0.tau[m] { i } else { m });
            let (a, l, c) = (p0.alpha[j], p0.lambda[j], p0.c[j]);
            let (mean, sd) = (c + a / l, libm::sqrt(a) / l);
            let half = 0.5 * p0.tau[j];
            for (slot, f) in [(j, 0.9), (k - 1, 1.1)] {
                let a2 = (a * f).max(b.alpha_min).min(b.alpha_max);
                let l2 = libm::sqrt(a2) / sd;
                p0.alpha[slot] = a2;
                p0.lambda[slot] = l2;
                p0.c[slot] = (mean - a2 / l2).min(if slot == j { c } else { f64::INFINITY });
                p0.tau[slot] = half;
            }
            let ctl0 = Control {
                em_iters: 0,
                ..*ctl
            };
            optimize_into(data, p0, b, &ctl0, s.min, sc, None, run);
            run.passes += prev.passes;
            run.iters += prev.iters;
            consider(run, best);
        }
    }
    if !found {
        *best = Run::failed(k);
    }
    best.passes = total_passes;
    best.iters = total_iters;
}

/// The parts of an [`Engine`] one attempt of the staged fit works in (its scratch, the
/// sketch's Hessian, the candidates, the multi-start's runs).
type EngineParts<'a> = (
    &'a mut Scratch,
    &'a mut newton::Derivs,
    &'a mut Cands,
    &'a mut Spare,
);

/// One attempt of the staged fit shared by every data path. Warm (`stage1` given): EM burn-in
/// and Newton from several starts on the subsample; the distinct competitive candidates scored
/// on the sketch `mid` (or, without one, on the full data), the best optimised on the sketch
/// (O(bins) passes, ending next to the exact optimum), then polished by Newton passes on
/// `full`. Cold: everything on `full`.
#[inline(never)]
fn two_stage_inner<D: Passable, E: Passable>(
    full: &mut D,
    stage1: Option<(&mut E, f64)>,
    mid: Option<&mut Weighted<'_>>,
    sorted: &[f64],
    call: &FitCall<'_>,
    (sc, hess, cands, spare): &mut EngineParts<'_>,
    out: &mut Run,
) -> (usize, usize) {
    let FitCall { k, s, opts, mo } = *call;
    let b = bounds(opts, mo);
    let n = s.n as f64;
    cands.reset();
    match stage1 {
        Some((sub, nsub)) => {
            // stage 1 only picks the basin: a later stage polishes, so a looser gradient
            // tolerance (×100) saves its last Newton passes
            let mut ctl1 = control(opts, mo, mo.em_iters, nsub);
            ctl1.gtol *= 100.0;
            // `out` holds the stage-1 result until the exact stage overwrites it
            let r1 = out;
            let st = Starts {
                sorted,
                s,
                b: &b,
                ctl: &ctl1,
                starts: mo.starts,
            };
            multi_start(sub, &st, k, Some(&mut **cands), sc, r1, spare);
            let mut stage1_passes = r1.passes;
            let mut best = r1.p;
            let mut best_ll = f64::NEG_INFINITY;
            let mut scored = 0;
            let mut mid = mid;
            if cands.0.len() > 1 {
                // score the distinct candidates within 10 log-likelihood units (on the
                // subsample) of the best one on the sketch, or else on the full data
                let mut seen = [f64::NAN; 6];
                for (idx, (p, l)) in cands.0.iter().enumerate() {
                    let l = *l;
                    let dup = seen[..idx].iter().any(|&o| (o - l).abs() <= 1e-9 * l.abs());
                    seen[idx] = l;
                    if !(l >= r1.ll - 10.0) || dup {
                        continue;
                    }
                    let (st, _) = match mid.as_mut() {
                        Some(m) => {
                            stage1_passes += 1;
                            sc.evaluate(&mut **m, p, &b, Order::Grad)
                        }
                        None => {
                            scored += 1;
                            sc.evaluate(full, p, &b, Order::Grad)
                        }
                    };
                    if st.log_likelihood() > best_ll {
                        best_ll = st.log_likelihood();
                        best = *p;
                    }
                }
            }
            let mut iters = r1.iters;
            hess.dim = 0;
            if let Some(m) = mid {
                // the sketch optimum is next to the exact one: converge on the sketch 10× below
                // the exact tolerance, keep its Hessian, and the exact stage is a verification
                // pass (and at most a quasi-Newton step or two with that Hessian)
                let mut ctlm = control(opts, mo, 0, n);
                ctlm.gtol *= 0.1;
                let rm = &mut *r1;
                optimize_into(m, &best, &b, &ctlm, s.min, sc, Some(&mut *hess), rm);
                stage1_passes += rm.passes;
                iters += rm.iters;
                if rm.ll.is_finite() {
                    best = rm.p;
                } else {
                    hess.dim = 0;
                }
            } else if nsub == n {
                // stage 1 ran on a sketch of all the data (same scale as the exact
                // likelihood): its Hessian at the chosen start drives the exact stage
                let (st, ev) = sc.evaluate(sub, &best, &b, Order::Hess);
                stage1_passes += 1;
                if st.log_likelihood().is_finite() {
                    newton::derivs_into(&best, ev, st, hess);
                }
            }
            let ctl2 = control(opts, mo, 0, n);
            let out = r1;
            if hess.dim == best.dim() {
                polish(full, &best, hess, &b, &ctl2, s.min, sc, out);
            } else {
                optimize_into(full, &best, &b, &ctl2, s.min, sc, None, out);
            }
            out.passes += scored;
            (stage1_passes, iters)
        }
        None => {
            let ctl = control(opts, mo, mo.em_iters, n);
            let st = Starts {
                sorted,
                s,
                b: &b,
                ctl: &ctl,
                starts: mo.starts,
            };
            multi_start(full, &st, k, None, sc, out, spare);
            (0, 0)
        }
    }
}

/// The two-stage fit shared by every data path (see `two_stage_inner`). When the K-component
/// run ends unconverged, stalled (converged on the LL change only), cornered (an exponential
/// component's shift held at its support cap) or with a weight at its floor, or always with [`MixtureOptions::nested_guard`] (K ≥ 2), the
/// (K − 1)-component fit is computed too and, if it is
/// better, the K-component polish restarts from it with its heaviest component duplicated
/// (the same likelihood), so a K-component fit never ends below the (K − 1)-component one.
pub(crate) fn two_stage<D: Passable, E: Passable>(
    full: &mut D,
    mut stage1: Option<(&mut E, f64)>,
    mut mid: Option<&mut Weighted<'_>>,
    sorted: &[f64],
    call: &FitCall<'_>,
    eng: &mut Engine,
) -> Result<MixtureFit, FitError> {
    let FitCall { k, s, opts, mo } = *call;
    let b = bounds(opts, mo);
    let again = stage1.as_mut().map(|(e, w)| (&mut **e, *w));
    let mid_again = mid.as_deref_mut();
    let Engine {
        scratch,
        hess,
        cands,
        spare,
        runs: [run, prev, r],
    } = eng;
    let mut parts = (&mut *scratch, &mut *hess, &mut *cands, &mut *spare);
    *run = Run::failed(k);
    let (mut p1, mut i1) = two_stage_inner(full, again, mid_again, sorted, call, &mut parts, run);
    // a component left at the weight floor is degenerate (its mass is rounding): check K − 1 too
    let floored = (0..k).any(|i| run.p.tau[i] <= 1.01 * mo.min_weight);
    if k >= 2 && (mo.nested_guard || !run.converged || run.stalled || run.cornered || floored) {
        *prev = Run::failed(k - 1);
        let below = FitCall { k: k - 1, ..*call };
        let (pp, pi) = two_stage_inner(full, stage1, mid, sorted, &below, &mut parts, prev);
        run.passes += prev.passes;
        run.iters += prev.iters;
        p1 += pp;
        i1 += pi;
        if prev.ll.is_finite() && prev.ll > run.ll {
            let p0 = &mut spare.start;
            *p0 = prev.p;
            p0.k = k;
            let j = (0..k - 1).fold(0, |m, i| if p0.tau[i] > p0.tau[m] { i } else { m });
            p0.tau[j] *= 0.5;
            p0.tau[k - 1] = p0.tau[j];
            p0.alpha[k - 1] = p0.alpha[j];
            p0.lambda[k - 1] = p0.lambda[j];
            p0.c[k - 1] = p0.c[j];
            let ctl = control(opts, mo, 0, s.n as f64);
            optimize_into(full, p0, &b, &ctl, s.min, scratch, None, r);
            if !(r.ll >= prev.ll - 1e-12 * prev.ll.abs()) {
                // The polish from the duplicated start did not hold the (K − 1) likelihood
                // (seen at the normal limit, w4_minilm_l6): keep the duplicated start itself,
                // which has that likelihood by construction.
                let eval = Control { max_iter: 0, ..ctl };
                optimize_into(full, p0, &b, &eval, s.min, scratch, None, r);
            }
            if r.ll > run.ll {
                r.passes += run.passes;
                r.iters += run.iters;
                *run = *r;
            }
        }
    }
    MixtureFit::from_run(run, &b, s.n, p1, i1)
}

/// Fits a K-component truncated shifted-gamma mixture to `data` by maximum likelihood.
///
/// Default path ([`FitOptions::warm_start`] = true, N ≥ 2·[`MixtureOptions::min_subsample`]):
/// the validating pass also fills a 4096-bin moment sketch; the EM burn-in and Newton
/// multi-start run on a coarse two-point representation of it, the refinement on the fine one
/// (almost every iteration), then the exact stage on all data — a gradient pass, plus a
/// quasi-Newton step with the sketch's Hessian when needed — ends at the exact optimum
/// (projected gradient ≤ 1e−6·N; warm and cold reach the same optimum). Components are
/// returned ordered by shift. See [`fit_mixture_with`] for the mixture-specific options.
///
/// Errors: `k = 0` or `k >` [`MAX_COMPONENTS`] → [`FitError::BadOption`]`("k")`; fewer than
/// 4k − 1 points (the number of free parameters: k shapes, rates and shifts, k − 1 weights;
/// with fewer the maximum-likelihood problem is not identifiable, and this also rejects
/// n < 3k) → [`FitError::TooFewSamples`]; NaN/±∞ → [`FitError::NonFinite`];
/// values outside [lo, hi] → [`FitError::OutOfInterval`]; all values equal →
/// [`FitError::AllEqual`].
///
/// Memory (feature `alloc`, on by default): one heap allocation per call, the buffers (a
/// [`MixtureWorkspace`], 578 KiB); its own stack stays bounded (6.5 KiB measured on x86-64,
/// `tests/stack_probe.rs`). To reuse one workspace across fits, or to fit without an allocator
/// (a `static` on a device), call [`fit_mixture_in`] (the same fit, bit for bit).
#[cfg(feature = "alloc")]
pub fn fit_mixture(data: &[f64], k: usize, opts: &FitOptions) -> Result<MixtureFit, FitError> {
    fit_mixture_with(data, k, opts, &MixtureOptions::default())
}

/// [`fit_mixture`] with explicit [`MixtureOptions`].
///
/// Memory: as [`fit_mixture`] (feature `alloc`: one [`MixtureWorkspace`] on the heap per call,
/// a bounded stack); [`fit_mixture_in`] works in a workspace you keep.
#[cfg(feature = "alloc")]
pub fn fit_mixture_with(
    data: &[f64],
    k: usize,
    opts: &FitOptions,
    mo: &MixtureOptions,
) -> Result<MixtureFit, FitError> {
    fit_mixture_in(data, k, opts, mo, &mut <MixtureWorkspace>::boxed())
}

/// [`fit_mixture_with`] on `f32` data, read in place in chunks ([`F32Chunks`]; no widened
/// copy of the data): the same fit, bit for bit, as [`fit_mixture_with`] on the values widened
/// to f64 (each widening is exact and chunked passes equal slice passes bit for bit). Reads the
/// data once more than the slice path (a counting pass). Stack: as [`fit_mixture_source`].
///
/// ```
/// use simstat::fit::{fit_mixture_f32, fit_mixture_with, FitOptions, MixtureOptions};
/// let q = |a: f64, l: f64, c: f64, n: usize| -> Vec<f64> {
///     (0..n).map(|i| c + simstat::special::gamma_p_inv(a, (i as f64 + 0.5) / n as f64) / l).collect()
/// };
/// let mut wide = q(13.3, 35.5, -0.28, 1400);
/// wide.extend(q(30.0, 90.0, 0.1, 600));
/// let x: Vec<f32> = wide.iter().map(|&v| v as f32).collect();
/// let wide: Vec<f64> = x.iter().map(|&v| f64::from(v)).collect();
/// let (opts, mo) = (FitOptions::default(), MixtureOptions::default());
/// assert_eq!(fit_mixture_f32(&x, 2, &opts, &mo)?, fit_mixture_with(&wide, 2, &opts, &mo)?);
/// # Ok::<(), simstat::fit::FitError>(())
/// ```
///
/// # Errors
/// As [`fit_mixture_with`].
#[cfg(feature = "alloc")]
pub fn fit_mixture_f32(
    data: &[f32],
    k: usize,
    opts: &FitOptions,
    mo: &MixtureOptions,
) -> Result<MixtureFit, FitError> {
    fit_mixture_source(&mut F32Chunks::new(data), k, opts, mo)
}

/// [`fit_mixture_f32`] in a caller-provided [`MixtureWorkspace`] (the same fit, bit for bit;
/// see [`fit_mixture_source_in`]).
///
/// # Errors
/// As [`fit_mixture_with`].
pub fn fit_mixture_f32_in<const BINS: usize, const SAMPLE: usize>(
    data: &[f32],
    k: usize,
    opts: &FitOptions,
    mo: &MixtureOptions,
    ws: &mut MixtureWorkspace<BINS, SAMPLE>,
) -> Result<MixtureFit, FitError> {
    fit_mixture_source_in(&mut F32Chunks::new(data), k, opts, mo, ws)
}

/// [`fit_mixture_with`] in a caller-provided [`MixtureWorkspace`]: the same fit, bit for bit,
/// with every large buffer (the sketch, its point representations, the reservoir subsample,
/// the optimiser's statistics and matrices) in the workspace, so the call's own stack stays
/// small (measured: `tests/stack_budget.rs` on x86-64, firmware/ on thumbv7em).
///
/// ```
/// use simstat::fit::{fit_mixture_in, FitOptions, MixtureOptions, MixtureWorkspace};
/// let q = |a: f64, l: f64, c: f64, n: usize| -> Vec<f64> {
///     (0..n).map(|i| c + simstat::special::gamma_p_inv(a, (i as f64 + 0.5) / n as f64) / l).collect()
/// };
/// let mut data = q(13.3, 35.5, -0.28, 1400);
/// data.extend(q(30.0, 60.0, 0.1, 600));
/// let mut ws = <MixtureWorkspace>::boxed(); // or a `static`
/// let fit = fit_mixture_in(&data, 2, &FitOptions::default(), &MixtureOptions::default(), &mut ws)?;
/// assert_eq!(fit.len(), 2);
/// # Ok::<(), simstat::fit::FitError>(())
/// ```
///
/// # Errors
/// As [`fit_mixture`].
pub fn fit_mixture_in<const BINS: usize, const SAMPLE: usize>(
    data: &[f64],
    k: usize,
    opts: &FitOptions,
    mo: &MixtureOptions,
    ws: &mut MixtureWorkspace<BINS, SAMPLE>,
) -> Result<MixtureFit, FitError> {
    check_call(k, opts, mo)?;
    let mut s = Summary::new();
    s.add(data, 0, opts.lo, opts.hi)?;
    s.check(k)?;
    let n = data.len();
    let warm = opts.warm_start && 2 * subsample_size(n, mo, SAMPLE) <= n;
    let mut full: &[f64] = data;
    let MixtureWorkspace {
        bins: mb,
        reservoir: res,
        stage,
        ..
    } = ws;
    if warm {
        mb.reset(opts.lo, opts.hi);
        mb.extend(data);
        if sketch_has_shape(mb) {
            let call = FitCall { k, s: &s, opts, mo };
            return warm_fit(&mut full, mb, &[], &call, stage);
        }
    }
    res.reset(subsample_size(n, mo, SAMPLE), mo.seed);
    res.extend(data);
    res.sample_mut().sort_unstable_by(f64::total_cmp);
    let call = FitCall { k, s: &s, opts, mo };
    fit_after_scan(&mut full, mb, res.sample(), warm, &call, stage)
}

/// The fit after the validating scan, shared by the slice, chunked and sharded paths: the warm
/// start from the moment bins `mb` (and the sorted subsample `sample` where the bins lack
/// shape), or the cold multi-start on `full` seeded from `sample`.
pub(crate) fn fit_after_scan<D: Passable, const B: usize>(
    full: &mut D,
    mb: &MomentBins<B>,
    sample: &[f64],
    warm: bool,
    call: &FitCall<'_>,
    bufs: &mut StageBuffers<B>,
) -> Result<MixtureFit, FitError> {
    if warm {
        warm_fit(full, mb, sample, call, bufs)
    } else {
        two_stage::<_, &[f64]>(full, None, None, sample, call, &mut bufs.engine)
    }
}

/// Continue a mixture fit from given parameters: Newton (projected, damped) passes over `data`
/// from `start`'s weights and components, no multi-start, no warm start. For polishing a
/// mixture built another way (the merged level of an order selection, a fit of yesterday's
/// data, parameters read from storage) to the maximum-likelihood optimum next to it. The
/// interval is `start`'s (`opts.lo` / `opts.hi` are not used); shapes are clamped into
/// [`MixtureOptions::shape_floor`], [`FitOptions::shape_cap`]] and weights to at least
/// [`MixtureOptions::min_weight`] before the first pass; at most [`FitOptions::max_passes`]
/// iterations. Components come back ordered by shift; the log-likelihood never ends below the
/// start's (after the clamping).
///
/// ```
/// use simstat::fit::{fit_mixture, fit_mixture_from, FitOptions, MixtureOptions};
/// let q = |a: f64, l: f64, c: f64, n: usize| -> Vec<f64> {
///     (0..n).map(|i| c + simstat::special::gamma_p_inv(a, (i as f64 + 0.5) / n as f64) / l).collect()
/// };
/// let mut data = q(13.3, 35.5, -0.28, 1400);
/// data.extend(q(30.0, 60.0, 0.1, 600));
/// let first = fit_mixture(&data[..1000], 2, &FitOptions::default())?;
/// let all = fit_mixture_from(&data, &first, &FitOptions::default(), &MixtureOptions::default())?;
/// assert!(all.log_likelihood() >= -1e300 && all.len() == 2);
/// # Ok::<(), simstat::fit::FitError>(())
/// ```
///
/// # Errors
/// As [`fit_mixture_with`] for the data and options; [`FitError::BadOption`]`("start")` when
/// no component of `start` covers the smallest data value (the start has no likelihood).
///
/// Memory (feature `alloc`): allocates one [`MixtureWorkspace`] on the heap per call (its own
/// stack stays bounded: 7.3 KiB measured on x86-64); [`fit_mixture_from_in`] works in one you
/// keep.
#[cfg(feature = "alloc")]
pub fn fit_mixture_from(
    data: &[f64],
    start: &MixtureFit,
    opts: &FitOptions,
    mo: &MixtureOptions,
) -> Result<MixtureFit, FitError> {
    fit_mixture_from_in(data, start, opts, mo, &mut <MixtureWorkspace>::boxed())
}

/// [`fit_mixture_from`] with the optimiser's buffers in a caller-provided
/// [`MixtureWorkspace`]: the same fit, bit for bit, in a small stack of its own (the plain call
/// allocates a workspace per call).
///
/// # Errors
/// As [`fit_mixture_from`].
pub fn fit_mixture_from_in<const BINS: usize, const SAMPLE: usize>(
    data: &[f64],
    start: &MixtureFit,
    opts: &FitOptions,
    mo: &MixtureOptions,
    ws: &mut MixtureWorkspace<BINS, SAMPLE>,
) -> Result<MixtureFit, FitError> {
    let mut slot = *start;
    fit_from_slot(data, &mut slot, opts, mo, &mut ws.stage.engine.scratch)?;
    Ok(slot)
}

/// [`fit_mixture_from_in`] from the fit in the workspace's slot ([`MixtureWorkspace::slot`]),
/// the result written back there: neither the start nor the result on the caller's stack (the
/// level polishes of an order selection). The slot is unspecified after an error.
pub(crate) fn refit_in_slot<const BINS: usize, const SAMPLE: usize>(
    data: &[f64],
    opts: &FitOptions,
    mo: &MixtureOptions,
    ws: &mut MixtureWorkspace<BINS, SAMPLE>,
) -> Result<(), FitError> {
    let MixtureWorkspace { slot, stage, .. } = ws;
    fit_from_slot(data, slot, opts, mo, &mut stage.engine.scratch)
}

/// [`fit_mixture_from_scratch`] from the start in `slot`, the fit written into it.
fn fit_from_slot(
    data: &[f64],
    slot: &mut MixtureFit,
    opts: &FitOptions,
    mo: &MixtureOptions,
    sc: &mut Scratch,
) -> Result<(), FitError> {
    let start: &MixtureFit = slot;
    let first = start.get(0).ok_or(FitError::BadOption("start"))?;
    let opts = FitOptions {
        lo: first.lo(),
        hi: first.hi(),
        ..*opts
    };
    opts.validate()?;
    mo.validate_with(&opts)?;
    let k = start.len();
    check_k(k)?;
    let mut s = Summary::new();
    s.add(data, 0, opts.lo, opts.hi)?;
    s.check(k)?;
    let b = bounds(&opts, mo);
    let mut p0 = Params::zeroed(k);
    let mut total = 0.0;
    for (i, (c, &w)) in start.components().iter().zip(start.weights()).enumerate() {
        p0.tau[i] = w.max(mo.min_weight * 1.01);
        total += p0.tau[i];
        p0.alpha[i] = c.shape().clamp(b.alpha_min, b.alpha_max);
        p0.lambda[i] = c.rate();
        p0.c[i] = c.shift();
    }
    for t in p0.tau.iter_mut().take(k) {
        *t /= total;
    }
    if !(p0.is_valid() && (0..k).any(|i| p0.c[i] < s.min)) {
        return Err(FitError::BadOption("start"));
    }
    let ctl = control(&opts, mo, 0, s.n as f64);
    let mut full: &[f64] = data;
    let run = optimize(&mut full, p0, &b, &ctl, s.min, sc);
    store_run(slot, &run, &b, s.n)
}

/// The fit of `run` into `slot` (out of line: its temporaries are not on the stack while the
/// run optimises).
#[inline(never)]
fn store_run(slot: &mut MixtureFit, run: &Run, b: &Bounds, n: u64) -> Result<(), FitError> {
    slot.set_from_run(run, b, n, (0, 0))
}

/// Size of the reservoir subsample for n values: ⌈n·fraction⌉ clamped to
/// [`MixtureOptions::min_subsample`]..=`capacity` (the workspace's reservoir), at most n (at
/// least 1).
pub(crate) fn subsample_size(n: usize, mo: &MixtureOptions, capacity: usize) -> usize {
    let target = libm::ceil(n as f64 * mo.subsample_fraction) as usize;
    target.max(mo.min_subsample).min(capacity).min(n).max(1)
}

/// Whether the fine grid carries the data's shape (enough non-empty bins for the sketch
/// stages); otherwise the warm start needs the reservoir subsample.
pub(crate) fn sketch_has_shape<const B: usize>(mb: &MomentBins<B>) -> bool {
    mb.nonempty(1) >= STAGE1_BINS
}

/// Most passes of the warm start: at least this many non-empty (coarse) bins, or the stage runs
/// on the finer grid / the subsample.
const STAGE1_BINS: usize = 64;
/// The warm start shared by the slice, chunked and sharded paths, from the moment bins of all
/// data (`mb`, `B` bins): the multi-start (starts drawn from `B`/2 quantiles of the sketch) on the
/// two-point representation of a coarse grid (16 or 8 fine bins per group, the coarsest with
/// ≥ 64 non-empty groups, else the fine grid), the refinement on the fine grid's two-point
/// representation, then the exact stage on `full` (see [`polish`]). When the data fill fewer
/// than 64 fine bins ([`sketch_has_shape`] false) the sketch cannot carry their shape: the
/// multi-start then runs on the sorted reservoir subsample `sample` (which callers draw only in
/// that case) and the exact stage takes Newton passes.
pub(crate) fn warm_fit<D: Passable, const B: usize>(
    full: &mut D,
    mb: &MomentBins<B>,
    sample: &[f64],
    call: &FitCall<'_>,
    bufs: &mut StageBuffers<B>,
) -> Result<MixtureFit, FitError> {
    let s = call.s;
    let n = s.n as f64;
    let (fine, [cx, cw, qs], eng) = bufs.split();
    fine.len = mb.points(1, s.min, s.max, fine.storage());
    let (fx, fw) = fine.slices();
    let mut mid = Weighted { xs: fx, ws: fw };
    let nq = quantiles(fx, fw, qs);
    let sorted = qs.get(..nq).unwrap_or(&[]);
    let group = [16usize, 8]
        .into_iter()
        .find(|&g| mb.nonempty(g) >= STAGE1_BINS);
    if let Some(g) = group {
        let len = mb.points(g, s.min, s.max, (&mut *cx, &mut *cw));
        let (cx, cw) = (cx.get(..len).unwrap_or(&[]), cw.get(..len).unwrap_or(&[]));
        let mut c = Weighted { xs: cx, ws: cw };
        two_stage(full, Some((&mut c, n)), Some(&mut mid), sorted, call, eng)
    } else if sketch_has_shape(mb) {
        let mut c = Weighted { xs: fx, ws: fw };
        two_stage(full, Some((&mut c, n)), Some(&mut mid), sorted, call, eng)
    } else {
        // the data fill too few bins for the sketch to carry their shape: the subsample
        // stage, then exact Newton passes
        let mut sub: &[f64] = sample;
        let ns = sample.len() as f64;
        two_stage(full, Some((&mut sub, ns)), None, sample, call, eng)
    }
}

/// Fits a mixture to a histogram [`Sketch`] first (O(bins) per pass), then polishes on the
/// exact data (`data` must be the data the sketch was built from). Same result contract as
/// [`fit_mixture`]; the sketch stage replaces the subsample stage.
///
/// Memory (feature `alloc`): allocates one [`MixtureWorkspace`] on the heap per call (its own
/// stack stays bounded); [`fit_mixture_sketch_in`] works in one you keep.
#[cfg(feature = "alloc")]
pub fn fit_mixture_sketch<const B: usize>(
    sketch: &Sketch<B>,
    data: &[f64],
    k: usize,
    opts: &FitOptions,
    mo: &MixtureOptions,
) -> Result<MixtureFit, FitError> {
    fit_mixture_sketch_in(sketch, data, k, opts, mo, &mut <MixtureWorkspace>::boxed())
}

/// [`fit_mixture_sketch`] in a caller-provided [`MixtureWorkspace`]: the same fit, bit for bit,
/// with the bins, the subsample and the optimiser's buffers in the workspace (sketches of up to
/// 2·`BINS` bins, 8192 in the default workspace; a finer one is refused with
/// [`FitError::BadOption`]`("bins")`).
///
/// # Errors
/// As [`fit_mixture_sketch`].
pub fn fit_mixture_sketch_in<const B: usize, const BINS: usize, const SAMPLE: usize>(
    sketch: &Sketch<B>,
    data: &[f64],
    k: usize,
    opts: &FitOptions,
    mo: &MixtureOptions,
    ws: &mut MixtureWorkspace<BINS, SAMPLE>,
) -> Result<MixtureFit, FitError> {
    check_sketch_call(sketch, k, opts, mo)?;
    let MixtureWorkspace {
        reservoir: res,
        stage,
        ..
    } = ws;
    let (fine_x, fine_w) = stage.fine.storage();
    let (Some(xs), Some(wts)) = (fine_x.get_mut(..B), fine_w.get_mut(..B)) else {
        return Err(FitError::BadOption("bins"));
    };
    let mut s = Summary::new();
    s.add(data, 0, opts.lo, opts.hi)?;
    s.check(k)?;
    // pseudo-sample: bin representatives (centre clamped to [min, max]) with counts
    engine::bin_centres(sketch, xs, wts);
    let mut bins = Weighted { xs, ws: wts };
    res.reset(mo.min_subsample.clamp(1, SAMPLE), mo.seed);
    res.extend(data);
    res.sample_mut().sort_unstable_by(f64::total_cmp);
    let mut full: &[f64] = data;
    let nb = sketch.len() as f64;
    two_stage(
        &mut full,
        Some((&mut bins, nb)),
        None,
        res.sample(),
        &FitCall { k, s: &s, opts, mo },
        &mut stage.engine,
    )
}
