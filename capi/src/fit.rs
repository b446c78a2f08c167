//! Fitting for C: one shifted gamma, K-component mixtures (from data, in caller memory, from a
//! sketch), sketches in caller memory, the mixture struct with its score-scale tag, its byte
//! form, and its evaluation (ln pdf, responsibilities).

use simstat::calibrate::{ScoreScale, MAX_CALIBRATION_COMPONENTS};
use simstat::dist::TruncatedShiftedGamma;
use simstat::fit::mixture::{
    fit_mixture_from_sketch_in, fit_mixture_in, Kernel, MixtureFit, MixtureOptions,
    MixtureWorkspace, MAX_COMPONENTS,
};
use simstat::fit::{fit_gamma, FitOptions, GammaFit, Regime, Sketch};
use simstat::wire::ByteForm;

use crate::dist::SimstatGammaParams;
use crate::ptr::{
    map_slices, memory_mut, memory_ref, overlaps, read, read_opt, slice, slice_mut, write,
    AnyBitPattern,
};
use crate::status::{status, SimstatStatus};
use crate::workspace::{caller_workspace, region, Place, Region};

/// Capacity of the component arrays of `SimstatMixture`: a mixture has 1 to
/// `SIMSTAT_MAX_COMPONENTS` components. The crate's own capacity (`fit::MAX_COMPONENTS`) is
/// 16 too unless the build sets `--cfg simstat_max_components="4"` (or `"8"`); the C structs
/// keep 16 slots either way (the same header, the same ABI), and a K above the crate's
/// capacity is `SIMSTAT_STATUS_BAD_LENGTH`.
pub const SIMSTAT_MAX_COMPONENTS: usize = 16;

// The C arrays hold every Rust mixture (cbindgen needs the literal above).
const _: () = assert!(SIMSTAT_MAX_COMPONENTS >= MAX_COMPONENTS);
const _: () = assert!(SIMSTAT_MAX_COMPONENTS <= MAX_CALIBRATION_COMPONENTS);

/// Saturates a count into a `u32` field.
pub(crate) fn u32_sat(v: usize) -> u32 {
    u32::try_from(v).unwrap_or(u32::MAX)
}

/// Options of `simstat_fit_gamma`; `simstat_fit_options_default` fills the defaults.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SimstatFitOptions {
    /// Lower end of the data interval (default −1).
    pub lo: f64,
    /// Upper end of the data interval (default 1).
    pub hi: f64,
    /// Maximum number of exact passes over the data (default 100).
    pub max_passes: u32,
    /// Cap on the shape α (default 1e7; the fit reports the normal limit when it reaches it).
    pub shape_cap: f64,
    /// Non-zero: warm-start from a histogram sketch (default 1).
    pub warm_start: u32,
}

/// The C fields of the Rust options (a pass limit past `u32::MAX` saturates).
impl From<&FitOptions> for SimstatFitOptions {
    fn from(d: &FitOptions) -> Self {
        Self {
            lo: d.lo,
            hi: d.hi,
            max_passes: u32_sat(d.max_passes),
            shape_cap: d.shape_cap,
            warm_start: u32::from(d.warm_start),
        }
    }
}

/// The Rust options of the C fields; the fields C does not carry keep their defaults.
impl From<&SimstatFitOptions> for FitOptions {
    fn from(c: &SimstatFitOptions) -> Self {
        Self {
            lo: c.lo,
            hi: c.hi,
            max_passes: c.max_passes as usize,
            shape_cap: c.shape_cap,
            warm_start: c.warm_start != 0,
            ..Self::default()
        }
    }
}

/// The regime a one-gamma fit ended in (`SimstatGammaFit::regime` holds one of these codes).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SimstatRegime {
    /// An interior maximum of the profile likelihood (α > 1).
    Regular = 0,
    /// α ≤ 1: the shift is put just below the minimum (the boundary fallback).
    ShapeAtMostOne = 1,
    /// The shape reached its cap: the normal limit.
    NormalLimit = 2,
}

/// The code of a Rust regime.
impl From<Regime> for SimstatRegime {
    fn from(r: Regime) -> Self {
        match r {
            Regime::Regular => Self::Regular,
            Regime::ShapeAtMostOne => Self::ShapeAtMostOne,
            Regime::NormalLimit => Self::NormalLimit,
        }
    }
}

/// Result of `simstat_fit_gamma`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct SimstatGammaFit {
    /// The fitted distribution (truncated to the options' interval).
    pub params: SimstatGammaParams,
    /// Log-likelihood of the truncated model, summed over the data.
    pub log_likelihood: f64,
    /// Final gradient of the profile likelihood.
    pub gradient: f64,
    /// Exact passes over the data.
    pub passes: u32,
    /// A `SimstatRegime` code: 0 regular, 1 shape ≤ 1 boundary fallback, 2 normal limit.
    pub regime: u32,
    /// 1 when the fit converged.
    pub converged: u32,
}

/// The C result of a Rust fit.
impl From<&GammaFit> for SimstatGammaFit {
    fn from(f: &GammaFit) -> Self {
        Self {
            params: SimstatGammaParams::from(&f.distribution()),
            log_likelihood: f.log_likelihood(),
            gradient: f.gradient(),
            passes: u32_sat(f.passes()),
            regime: SimstatRegime::from(f.regime()) as u32,
            converged: u32::from(f.converged()),
        }
    }
}

/// Fills `opts` with the default fit options (interval [−1, 1]).
#[no_mangle]
pub extern "C" fn simstat_fit_options_default(opts: *mut SimstatFitOptions) -> SimstatStatus {
    status(write(opts, (&FitOptions::default()).into()))
}

/// Fits one shifted gamma to `n` values by maximum likelihood; `opts` may be null for the
/// defaults. Writes the result to `out`.
#[no_mangle]
pub extern "C" fn simstat_fit_gamma(
    data: *const f64,
    n: usize,
    opts: *const SimstatFitOptions,
    out: *mut SimstatGammaFit,
) -> SimstatStatus {
    status((|| {
        let data = slice(data, n)?;
        let o = read_opt(opts).map_or_else(FitOptions::default, FitOptions::from);
        let f = fit_gamma(data, &o)?;
        write(out, (&f).into())
    })())
}

/// Options of `simstat_fit_mixture`; `simstat_mixture_options_default` fills the defaults.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SimstatMixtureOptions {
    /// Interval, pass limit, shape cap and warm start, as for `simstat_fit_gamma`.
    pub fit: SimstatFitOptions,
    /// Warm start: fraction of the data in the first-stage subsample (default 0.05).
    pub subsample_fraction: f64,
    /// Smallest warm-start subsample (default 2000); data under twice this size is fitted cold.
    pub min_subsample: u32,
    /// Seed of the reservoir sampler (default 0x5eed).
    pub seed: u64,
    /// EM iterations before the Newton phase (default 8).
    pub em_iters: u32,
    /// Convergence: projected-gradient norm ≤ `grad_tol`·N (default 1e-6).
    pub grad_tol: f64,
    /// Convergence on the relative log-likelihood change (default 1e-15).
    pub rel_tol: f64,
    /// Convergence on the absolute log-likelihood change: |ΔLL| ≤ `ll_tol`·N for 3 accepted
    /// steps in a row (0 = off).
    pub ll_tol: f64,
    /// Weight floor (default 1e-4).
    pub min_weight: f64,
    /// Shape floor (default 1).
    pub shape_floor: f64,
    /// Independent starts of the first stage (default 4).
    pub starts: u32,
    /// Non-zero: always compare with the (K − 1)-component fit (default 0).
    pub nested_guard: u32,
    /// Arithmetic of the per-point work: 0 = f64 (default), 1 = f32 (for a single-precision
    /// FPU such as a Cortex-M4F's; K ≤ 4, see the Rust `Kernel::F32`); any other value is
    /// refused (`SIMSTAT_BAD_PARAMETER`).
    pub kernel: u32,
}

/// The C fields of the Rust fit and mixture options (counts past `u32::MAX` saturate).
impl From<(&FitOptions, &MixtureOptions)> for SimstatMixtureOptions {
    fn from((f, m): (&FitOptions, &MixtureOptions)) -> Self {
        Self {
            fit: f.into(),
            subsample_fraction: m.subsample_fraction,
            min_subsample: u32_sat(m.min_subsample),
            seed: m.seed,
            em_iters: u32_sat(m.em_iters),
            grad_tol: m.grad_tol,
            rel_tol: m.rel_tol,
            ll_tol: m.ll_tol,
            min_weight: m.min_weight,
            shape_floor: m.shape_floor,
            starts: u32_sat(m.starts),
            nested_guard: u32::from(m.nested_guard),
            kernel: match m.kernel {
                Kernel::F64 => 0,
                Kernel::F32 => 1,
            },
        }
    }
}

/// The Rust mixture options of the C fields (the fit options come from its `fit` field); an
/// unknown `kernel` code is a bad parameter.
impl TryFrom<&SimstatMixtureOptions> for MixtureOptions {
    type Error = SimstatStatus;
    fn try_from(c: &SimstatMixtureOptions) -> Result<Self, SimstatStatus> {
        let kernel = match c.kernel {
            0 => Kernel::F64,
            1 => Kernel::F32,
            _ => return Err(SimstatStatus::BadParameter),
        };
        Ok(Self {
            subsample_fraction: c.subsample_fraction,
            min_subsample: c.min_subsample as usize,
            seed: c.seed,
            em_iters: c.em_iters as usize,
            grad_tol: c.grad_tol,
            rel_tol: c.rel_tol,
            ll_tol: c.ll_tol,
            min_weight: c.min_weight,
            shape_floor: c.shape_floor,
            starts: c.starts as usize,
            nested_guard: c.nested_guard != 0,
            kernel,
        })
    }
}

/// Fills `opts` with the default mixture options (interval [−1, 1], the `MixtureOptions`
/// defaults).
#[no_mangle]
pub extern "C" fn simstat_mixture_options_default(
    opts: *mut SimstatMixtureOptions,
) -> SimstatStatus {
    let d = (&FitOptions::default(), &MixtureOptions::default());
    status(write(opts, d.into()))
}

/// The Rust options of a nullable options pointer (null: the defaults).
fn mixture_options(
    opts: *const SimstatMixtureOptions,
) -> Result<(FitOptions, MixtureOptions), SimstatStatus> {
    match read_opt(opts) {
        None => Ok((FitOptions::default(), MixtureOptions::default())),
        Some(c) => Ok(((&c.fit).into(), c.try_into()?)),
    }
}

/// The scale a mixture's components are distributions on (`SimstatMixture::scale` holds one of
/// these codes).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SimstatScoreScale {
    /// The raw score (cosine similarity): mixtures of `simstat_fit_mixture`, its variants, the
    /// selection and the byte form. Read by the `simstat_mixture_*` functions and
    /// `simstat_select_dsc`.
    Cosine = 0,
    /// Fisher's z = atanh(s): backgrounds of `simstat_fit_background`. Read by the
    /// `simstat_background_*` functions, which map raw scores themselves.
    FisherZ = 1,
}

/// A scale code from C (not a `SimstatScoreScale` value: `SIMSTAT_STATUS_BAD_PARAMETER`).
impl TryFrom<u32> for SimstatScoreScale {
    type Error = SimstatStatus;
    fn try_from(v: u32) -> Result<Self, SimstatStatus> {
        enum_from_u32!(v, SimstatScoreScale { Cosine, FisherZ })
    }
}

/// The C code of a Rust scale.
impl From<ScoreScale> for SimstatScoreScale {
    fn from(s: ScoreScale) -> Self {
        match s {
            ScoreScale::Cosine => Self::Cosine,
            ScoreScale::FisherZ => Self::FisherZ,
        }
    }
}

/// The Rust scale of a C code.
impl From<SimstatScoreScale> for ScoreScale {
    fn from(s: SimstatScoreScale) -> Self {
        match s {
            SimstatScoreScale::Cosine => Self::Cosine,
            SimstatScoreScale::FisherZ => Self::FisherZ,
        }
    }
}

/// A mixture of K truncated shifted gammas, Σ `weights[i]`·`components[i]`, in fixed-capacity
/// arrays (entries at i ≥ k are zero), tagged with the score scale its components live on.
/// Written by `simstat_fit_mixture` and its variants (components ordered by shift, cosine
/// scale), by `simstat_select_dsc` (the merged mixture of a level) and by
/// `simstat_fit_background` (Fisher-z scale). Read by the `simstat_mixture_*` and
/// `simstat_background_*` functions, which need 1 ≤ k ≤ `SIMSTAT_MAX_COMPONENTS`, valid
/// components on one interval, weights in [0, 1] summing to 1 (within 1e-9) and the scale they
/// read (else `SIMSTAT_STATUS_WRONG_SCALE`). A mixture built by hand and zero-initialised is on
/// the cosine scale.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct SimstatMixture {
    /// Number of components K.
    pub k: usize,
    /// A `SimstatScoreScale` code: 0 cosine (raw scores), 1 Fisher z (a background).
    pub scale: u32,
    /// Weights τ_i.
    pub weights: [f64; SIMSTAT_MAX_COMPONENTS],
    /// Components (shape, rate, shift, truncation interval).
    pub components: [SimstatGammaParams; SIMSTAT_MAX_COMPONENTS],
    /// Number of observations N the mixture was fitted or evaluated on.
    pub n: u64,
    /// Log-likelihood of the data.
    pub log_likelihood: f64,
    /// AIC = 2(4K − 1) − 2 LL.
    pub aic: f64,
    /// BIC = (4K − 1) ln N − 2 LL.
    pub bic: f64,
    /// Optimiser iterations in all (0 for a merged level).
    pub iterations: u32,
    /// Passes over the full data (0 for a merged level).
    pub passes: u32,
    /// Passes over the warm-start subsample or sketch (0 for a cold fit or a merged level).
    pub warm_passes: u32,
    /// 1 when the fit converged (0 for a merged level: it is not an optimum).
    pub converged: u32,
    /// Final projected-gradient norm (NaN for a merged level).
    pub gradient_norm: f64,
    /// 1 when some component's shape sits at the cap.
    pub at_shape_cap: u32,
    /// 1 when some component's shape sits at the floor.
    pub at_shape_floor: u32,
}

impl SimstatMixture {
    /// A cosine-scale mixture holding `weights` and `components` (at most the capacity), with
    /// the run facts zero and the criteria NaN: e.g. a level of a selection.
    pub(crate) fn from_components(
        weights: &[f64],
        components: &[TruncatedShiftedGamma],
        n: u64,
        log_likelihood: f64,
    ) -> Self {
        let mut m = Self {
            k: components.len().min(SIMSTAT_MAX_COMPONENTS),
            n,
            log_likelihood,
            aic: f64::NAN,
            bic: f64::NAN,
            gradient_norm: f64::NAN,
            ..Self::default()
        };
        for (slot, &w) in m.weights.iter_mut().zip(weights) {
            *slot = w;
        }
        for (slot, d) in m.components.iter_mut().zip(components) {
            *slot = d.into();
        }
        m
    }

    /// The mixture checked for the functions that read it on `scale`: its scale code must be a
    /// `SimstatScoreScale` (else `SIMSTAT_STATUS_BAD_PARAMETER`) and `scale` (else
    /// `SIMSTAT_STATUS_WRONG_SCALE`); then the checks of the `TryFrom` below.
    pub(crate) fn fit_on(&self, scale: SimstatScoreScale) -> Result<MixtureFit, SimstatStatus> {
        if SimstatScoreScale::try_from(self.scale)? != scale {
            return Err(SimstatStatus::WrongScale);
        }
        self.try_into()
    }
}

/// The C mixture of a Rust fit (cosine scale; every run fact copied, counts saturating).
impl From<&MixtureFit> for SimstatMixture {
    fn from(f: &MixtureFit) -> Self {
        Self {
            aic: f.aic(),
            bic: f.bic(),
            iterations: u32_sat(f.iterations()),
            passes: u32_sat(f.passes()),
            warm_passes: u32_sat(f.warm_passes()),
            converged: u32::from(f.converged()),
            gradient_norm: f.gradient_norm(),
            at_shape_cap: u32::from(f.at_shape_cap()),
            at_shape_floor: u32::from(f.at_shape_floor()),
            ..Self::from_components(f.weights(), f.components(), f.n(), f.log_likelihood())
        }
    }
}

/// A caller's mixture as a Rust one, whatever its scale tag: K in 1..=capacity (else
/// `SIMSTAT_STATUS_BAD_LENGTH`), every component valid and all on one interval (else
/// `SIMSTAT_STATUS_BAD_PARAMETER`), weights in [0, 1] summing to 1 within 1e-9 (else
/// `SIMSTAT_STATUS_BAD_PROBABILITY`). The run facts are those of a mixture built from
/// components (`MixtureFit::from_components`).
impl TryFrom<&SimstatMixture> for MixtureFit {
    type Error = SimstatStatus;
    fn try_from(m: &SimstatMixture) -> Result<Self, SimstatStatus> {
        let k = m.k;
        let (Some(weights), Some(params)) = (m.weights.get(..k), m.components.get(..k)) else {
            return Err(SimstatStatus::BadLength);
        };
        let Some(first) = params.first() else {
            return Err(SimstatStatus::BadLength);
        };
        let mut comps = [TruncatedShiftedGamma::try_from(first)?; SIMSTAT_MAX_COMPONENTS];
        let mut total = 0.0;
        for ((slot, c), &w) in comps.iter_mut().zip(params).zip(weights) {
            *slot = c.try_into()?;
            if !(0.0..=1.0).contains(&w) {
                return Err(SimstatStatus::BadProbability);
            }
            total += w;
        }
        if (total - 1.0).abs() > 1e-9 {
            return Err(SimstatStatus::BadProbability);
        }
        Ok(MixtureFit::from_components(
            weights,
            &comps[..k],
            m.n,
            m.log_likelihood,
        )?)
    }
}

/// Reads a cosine-scale mixture argument (the `simstat_mixture_*` functions).
pub(crate) fn cosine_mixture(p: *const SimstatMixture) -> Result<MixtureFit, SimstatStatus> {
    read(p)?.fit_on(SimstatScoreScale::Cosine)
}

/// The k of a fit call: 1..=the crate's capacity (`fit::MAX_COMPONENTS`: `SIMSTAT_MAX_COMPONENTS`
/// unless the build lowers it), else `SIMSTAT_STATUS_BAD_LENGTH`.
fn check_k(k: usize) -> Result<(), SimstatStatus> {
    if k == 0 || k > MAX_COMPONENTS {
        return Err(SimstatStatus::BadLength);
    }
    Ok(())
}

/// Fits a K-component truncated shifted-gamma mixture to `n` values by maximum likelihood
/// (`fit::fit_mixture_with`); `opts` may be null for the defaults. Writes the fit to `out`
/// (components ordered by shift, cosine scale). `k` = 0 or `k` > `SIMSTAT_MAX_COMPONENTS` is
/// `SIMSTAT_STATUS_BAD_LENGTH`; bad options `SIMSTAT_STATUS_BAD_PARAMETER`.
///
/// Stack: the fit's workspace (578 KiB) lives on this call's own stack (the C face has no
/// allocator): for large stacks only. On a small stack (a device, a thread of 512 KiB) call
/// [`simstat_fit_mixture_in`] with memory you place: the same fit, bit for bit.
#[no_mangle]
pub extern "C" fn simstat_fit_mixture(
    data: *const f64,
    n: usize,
    k: usize,
    opts: *const SimstatMixtureOptions,
    out: *mut SimstatMixture,
) -> SimstatStatus {
    status((|| {
        let data = slice(data, n)?;
        check_k(k)?;
        let (fo, mo) = mixture_options(opts)?;
        if out.is_null() {
            return Err(SimstatStatus::NullPointer);
        }
        let f = Place::Stack.run(&[], |ws| Ok(fit_mixture_in(data, k, &fo, &mo, ws)?))?;
        write(out, (&f).into())
    })())
}

/// The small workspace of [`simstat_fit_mixture_small_in`]: a 512-bin sketch and a 1,024-value
/// subsample.
type SmallWorkspace = MixtureWorkspace<512, 1024>;

/// Checks caller memory for a mixture workspace of these sizes (non-null, aligned, at least
/// its `BYTES`, overlapping neither the `input` bytes nor `out`, which must be non-null) and
/// borrows it zeroed.
fn workspace<'a, const BINS: usize, const SAMPLE: usize>(
    ws: *mut u8,
    ws_len: usize,
    input: Region,
    out: *mut SimstatMixture,
) -> Result<&'a mut MixtureWorkspace<BINS, SAMPLE>, SimstatStatus> {
    if out.is_null() {
        return Err(SimstatStatus::NullPointer);
    }
    caller_workspace(ws, ws_len, &[input, region(out, 1)])
}

/// Bytes of caller memory [`simstat_fit_mixture_in`] works in (a `MixtureWorkspace`: the
/// sketch, the subsample and the optimiser's buffers; 578 KiB whatever `n` and `k`).
#[no_mangle]
pub extern "C" fn simstat_mixture_workspace_size() -> usize {
    <MixtureWorkspace>::BYTES
}

/// Alignment in bytes the workspace memory of [`simstat_fit_mixture_in`] needs (8; `malloc`
/// and any `double` array satisfy it).
#[no_mangle]
pub extern "C" fn simstat_mixture_workspace_align() -> usize {
    core::mem::align_of::<MixtureWorkspace>()
}

/// [`simstat_fit_mixture`] in caller memory: `workspace` holds at least
/// [`simstat_mixture_workspace_size`] bytes aligned to [`simstat_mixture_workspace_align`]
/// (e.g. a static buffer on a microcontroller); nothing is allocated and the call's own stack
/// stays under 16 KiB (thumbv7em, measured), where `simstat_fit_mixture` needs about 0.8 MiB.
/// The same fit, bit for bit. The workspace's contents are overwritten (no state carries over
/// between calls); it must not overlap `data` or `out`.
///
/// Errors as [`simstat_fit_mixture`]; `SIMSTAT_STATUS_NULL_POINTER` for a null workspace,
/// `SIMSTAT_STATUS_BAD_LENGTH` for a short, misaligned or overlapping one.
#[no_mangle]
pub extern "C" fn simstat_fit_mixture_in(
    data: *const f64,
    n: usize,
    k: usize,
    opts: *const SimstatMixtureOptions,
    workspace: *mut u8,
    workspace_len: usize,
    out: *mut SimstatMixture,
) -> SimstatStatus {
    let ws = (workspace, workspace_len);
    status(fit_in::<4096, 8192>((data, n), k, opts, ws, out))
}

/// The fit of [`simstat_fit_mixture_in`] (4096 bins, 8192 values: `MixtureWorkspace::new()`)
/// and [`simstat_fit_mixture_small_in`] (512, 1024) in a workspace of the sizes given.
fn fit_in<const BINS: usize, const SAMPLE: usize>(
    (data, n): (*const f64, usize),
    k: usize,
    opts: *const SimstatMixtureOptions,
    (workspace, workspace_len): (*mut u8, usize),
    out: *mut SimstatMixture,
) -> Result<(), SimstatStatus> {
    let data = slice(data, n)?;
    check_k(k)?;
    let (fo, mo) = mixture_options(opts)?;
    let input = region(data.as_ptr(), data.len());
    let ws: &mut MixtureWorkspace<BINS, SAMPLE> =
        self::workspace(workspace, workspace_len, input, out)?;
    let f = fit_mixture_in(data, k, &fo, &mo, ws)?;
    write(out, (&f).into())
}

/// Bytes of caller memory [`simstat_fit_mixture_small_in`] works in (a
/// `MixtureWorkspace<512, 1024>`: a 512-bin sketch, a 1,024-value subsample and the
/// optimiser's buffers; 298 KiB whatever `n` and `k`, 105 KiB in a build with
/// `--cfg simstat_max_components="4"`).
#[no_mangle]
pub extern "C" fn simstat_mixture_small_workspace_size() -> usize {
    SmallWorkspace::BYTES
}

/// [`simstat_fit_mixture_in`] in the small workspace, for memory-poor targets: `workspace`
/// holds at least [`simstat_mixture_small_workspace_size`] bytes (298 KiB against 578; 105
/// against 385 at mixture capacity 4)
/// aligned to [`simstat_mixture_workspace_align`]. The warm start's sketch has 512 bins and
/// the subsample at most 1,024 values, so the fit can end on another local optimum than the
/// default workspace's (measured on real scores, K = 2 and 3: 0.49 nats better on average,
/// 2.4 worse at worst; the Rust `MixtureWorkspace` docs have the table). With
/// `min_subsample` = 500 in `opts`, 2,000 scores take the warm start on the sketch: on the
/// firmware's 2,000 scores that fit reaches the default's K = 2 optimum in 2 exact passes
/// instead of 339. The same fit, bit for bit, as Rust's `fit_mixture_in` with a
/// `MixtureWorkspace<512, 1024>`. Errors as [`simstat_fit_mixture_in`].
#[no_mangle]
pub extern "C" fn simstat_fit_mixture_small_in(
    data: *const f64,
    n: usize,
    k: usize,
    opts: *const SimstatMixtureOptions,
    workspace: *mut u8,
    workspace_len: usize,
    out: *mut SimstatMixture,
) -> SimstatStatus {
    let ws = (workspace, workspace_len);
    status(fit_in::<512, 1024>((data, n), k, opts, ws, out))
}

/// Bins of the C sketch (equal-width bins of its interval).
const SKETCH_BINS: usize = 4096;

/// The sketch C holds in its own memory.
type CSketch = Sketch<SKETCH_BINS>;

// SAFETY: every field of a `Sketch` is an `f64` or a `u64` (in arrays), so any bit pattern is a
// valid value: memory that was never made a sketch cannot make a borrow unsound (the functions
// then compute with meaningless numbers, without panicking).
#[allow(unsafe_code)]
unsafe impl AnyBitPattern for CSketch {}

/// Bytes of caller memory a sketch takes (a `simstat::fit::Sketch<4096>`: 4096 bins of counts
/// and offset sums, the count, the interval and the extremes; 65,600 bytes). The memory is
/// made a sketch by [`simstat_sketch_init`] or [`simstat_sketch_read`] and is then passed to
/// the `simstat_sketch_*` functions (with its length); it holds no pointers, so it can be
/// copied, kept in a `static`, or sent as raw memory between processes of one machine.
#[no_mangle]
pub extern "C" fn simstat_sketch_size() -> usize {
    core::mem::size_of::<CSketch>()
}

/// Alignment in bytes of a sketch's memory (8; `malloc` and any `double` array satisfy it).
#[no_mangle]
pub extern "C" fn simstat_sketch_align() -> usize {
    core::mem::align_of::<CSketch>()
}

/// Makes `len` bytes at `sketch` (at least [`simstat_sketch_size`], aligned to
/// [`simstat_sketch_align`]) an empty 4096-bin sketch of [`lo`, `hi`] (finite, lo < hi; else
/// `SIMSTAT_STATUS_BAD_PARAMETER`). A sketch of any split of the data, merged, is the sketch of
/// all of it, bit for bit (`simstat::fit::Sketch`).
#[no_mangle]
pub extern "C" fn simstat_sketch_init(
    sketch: *mut u8,
    len: usize,
    lo: f64,
    hi: f64,
) -> SimstatStatus {
    status((|| Ok(memory_mut::<CSketch>(sketch, len)?.reset(lo, hi)?))())
}

/// Adds `n` values to a sketch. A NaN or infinite value is `SIMSTAT_STATUS_NON_FINITE`, one
/// outside the sketch's interval `SIMSTAT_STATUS_OUT_OF_INTERVAL`; the values before the first
/// bad one are added, it and those after are not (as Rust's `Sketch::extend`). `data` must not
/// overlap the sketch.
#[no_mangle]
pub extern "C" fn simstat_sketch_extend(
    sketch: *mut u8,
    len: usize,
    data: *const f64,
    n: usize,
) -> SimstatStatus {
    status((|| {
        let data = slice(data, n)?;
        if overlaps(sketch, len, data.as_ptr(), n) {
            return Err(SimstatStatus::BadLength);
        }
        Ok(memory_mut::<CSketch>(sketch, len)?.extend(data)?)
    })())
}

/// Merges sketch `src` into sketch `dst` (the same interval, else
/// `SIMSTAT_STATUS_BAD_PARAMETER`; distinct memory, else `SIMSTAT_STATUS_BAD_LENGTH`).
#[no_mangle]
pub extern "C" fn simstat_sketch_merge(
    dst: *mut u8,
    dst_len: usize,
    src: *const u8,
    src_len: usize,
) -> SimstatStatus {
    status((|| {
        let size = simstat_sketch_size();
        if !dst.is_null() && !src.is_null() && overlaps(dst, size, src, size) {
            return Err(SimstatStatus::BadLength);
        }
        let from = memory_ref::<CSketch>(src, src_len)?;
        Ok(memory_mut::<CSketch>(dst, dst_len)?.merge(from)?)
    })())
}

/// Number of values added to a sketch, written to `*out`.
#[no_mangle]
pub extern "C" fn simstat_sketch_count(
    sketch: *const u8,
    len: usize,
    out: *mut u64,
) -> SimstatStatus {
    status(memory_ref::<CSketch>(sketch, len).and_then(|s| write(out, s.len())))
}

/// Length in bytes of a sketch's byte form (`simstat::wire`, kind 1: the occupied bins only
/// when that is shorter), written to `*out_len`.
#[no_mangle]
pub extern "C" fn simstat_sketch_byte_len(
    sketch: *const u8,
    len: usize,
    out_len: *mut usize,
) -> SimstatStatus {
    status(memory_ref::<CSketch>(sketch, len).and_then(|s| write(out_len, s.byte_len())))
}

/// Writes a sketch's byte form (versioned, CRC-checked, little-endian: the bytes a Rust
/// `Sketch<4096>` writes) into `out` (`cap` bytes) and its length to `*written`; `cap` shorter
/// than [`simstat_sketch_byte_len`] is `SIMSTAT_STATUS_BAD_LENGTH` (nothing written).
#[no_mangle]
pub extern "C" fn simstat_sketch_write(
    sketch: *const u8,
    len: usize,
    out: *mut u8,
    cap: usize,
    written: *mut usize,
) -> SimstatStatus {
    status((|| {
        let s = memory_ref::<CSketch>(sketch, len)?;
        let buf = slice_mut(out, cap)?;
        if overlaps(sketch, len, buf.as_ptr(), cap) {
            return Err(SimstatStatus::BadLength);
        }
        let n = s.write_to(buf)?;
        write(written, n)
    })())
}

/// Reads a sketch's byte form (written by [`simstat_sketch_write`] or Rust's
/// `ByteForm::write_to` of a `Sketch<4096>`) from `n` bytes into the sketch memory at `sketch`,
/// with every check of the Rust reader (header, CRC, counts against the total, extremes in
/// occupied bins): anything but a valid encoding of exactly `n` bytes is
/// `SIMSTAT_STATUS_BAD_ENCODING`, and the sketch is then left empty (on its previous interval
/// when it had one).
#[no_mangle]
pub extern "C" fn simstat_sketch_read(
    bytes: *const u8,
    n: usize,
    sketch: *mut u8,
    len: usize,
) -> SimstatStatus {
    status((|| {
        let b = slice(bytes, n)?;
        if overlaps(sketch, len, bytes, n) {
            return Err(SimstatStatus::BadLength);
        }
        let s = memory_mut::<CSketch>(sketch, len)?;
        s.read_into(b).map_err(|_| SimstatStatus::BadEncoding)
    })())
}

/// Fits a K-component mixture to a sketch alone (`fit::fit_mixture_from_sketch_in`: each
/// occupied bin a point at the mean of its values, weighted by its count) in caller memory
/// `workspace` (as [`simstat_fit_mixture_in`]): the reduce step of a sharded fit whose shards
/// sent their sketches. `opts` may be null for the defaults; its interval must be the
/// sketch's (else `SIMSTAT_STATUS_BAD_PARAMETER`). Errors as [`simstat_fit_mixture_in`].
#[no_mangle]
pub extern "C" fn simstat_fit_mixture_sketch_in(
    sketch: *const u8,
    len: usize,
    k: usize,
    opts: *const SimstatMixtureOptions,
    workspace: *mut u8,
    workspace_len: usize,
    out: *mut SimstatMixture,
) -> SimstatStatus {
    status((|| {
        let s = memory_ref::<CSketch>(sketch, len)?;
        check_k(k)?;
        let (fo, mo) = mixture_options(opts)?;
        let ws: &mut MixtureWorkspace =
            self::workspace(workspace, workspace_len, region(sketch, len), out)?;
        let f = fit_mixture_from_sketch_in(s, k, &fo, &mo, ws)?;
        write(out, (&f).into())
    })())
}

/// Length in bytes of the byte form (`simstat::wire`, kind 5) of a cosine-scale `mixture`,
/// written to `*out_len`: the size `simstat_mixture_write` needs. The mixture is checked as by
/// the `simstat_mixture_*` functions (the byte form holds no scale, so a Fisher-z background is
/// `SIMSTAT_STATUS_WRONG_SCALE`).
#[no_mangle]
pub extern "C" fn simstat_mixture_byte_len(
    mixture: *const SimstatMixture,
    out_len: *mut usize,
) -> SimstatStatus {
    status(cosine_mixture(mixture).and_then(|m| write(out_len, m.byte_len())))
}

/// Writes the byte form (`simstat::wire`, kind 5: versioned, CRC-checked, little-endian; the
/// same bytes a Rust `MixtureFit` of these weights and components writes, with the run facts
/// of a mixture built from components) of a cosine-scale `mixture` into `out` (`cap` bytes) and
/// its length to `*written`. `cap` shorter than `simstat_mixture_byte_len` is
/// `SIMSTAT_STATUS_BAD_LENGTH` (nothing written); a Fisher-z background is
/// `SIMSTAT_STATUS_WRONG_SCALE`.
#[no_mangle]
pub extern "C" fn simstat_mixture_write(
    mixture: *const SimstatMixture,
    out: *mut u8,
    cap: usize,
    written: *mut usize,
) -> SimstatStatus {
    status((|| {
        let m = cosine_mixture(mixture)?;
        let buf = slice_mut(out, cap)?;
        let n = m.write_to(buf)?;
        write(written, n)
    })())
}

/// Reads a mixture's byte form (`simstat::wire`, kind 5; written by `simstat_mixture_write` or
/// by Rust's `ByteForm::write_to`) from `n` bytes into `out` (cosine scale), with every check
/// of the Rust reader: anything but a valid encoding of exactly `n` bytes is
/// `SIMSTAT_STATUS_BAD_ENCODING` (`out` untouched).
#[no_mangle]
pub extern "C" fn simstat_mixture_read(
    bytes: *const u8,
    n: usize,
    out: *mut SimstatMixture,
) -> SimstatStatus {
    status((|| {
        let b = slice(bytes, n)?;
        let m = MixtureFit::read_from(b).map_err(|_| SimstatStatus::BadEncoding)?;
        write(out, (&m).into())
    })())
}

/// Log mixture density ln p(x) of a cosine-scale mixture at `n` points into `out` (−inf
/// outside every support; `out == x` evaluates in place).
#[no_mangle]
pub extern "C" fn simstat_mixture_ln_pdf(
    mixture: *const SimstatMixture,
    x: *const f64,
    n: usize,
    out: *mut f64,
) -> SimstatStatus {
    status(cosine_mixture(mixture).and_then(|m| map_slices(x, n, out, |v| m.ln_pdf(v))))
}

/// Posterior component probabilities (responsibilities) of a cosine-scale mixture at `n`
/// points: `out` (row-major n×K, `out_len ≥ n·K`) row t holds P(component i | x_t), i = 0..K
/// (all 0 outside every support).
#[no_mangle]
pub extern "C" fn simstat_mixture_responsibilities(
    mixture: *const SimstatMixture,
    x: *const f64,
    n: usize,
    out: *mut f64,
    out_len: usize,
) -> SimstatStatus {
    status((|| {
        let m = cosine_mixture(mixture)?;
        let k = m.len();
        let need = n.checked_mul(k).ok_or(SimstatStatus::Overflow)?;
        if overlaps(x, n, out.cast_const(), out_len) {
            return Err(SimstatStatus::BadLength);
        }
        let x = slice(x, n)?;
        let out = slice_mut(out, out_len)?;
        let out = out.get_mut(..need).ok_or(SimstatStatus::BadLength)?;
        for (&v, row) in x.iter().zip(out.chunks_exact_mut(k)) {
            m.responsibilities(v, row);
        }
        Ok(())
    })())
}
