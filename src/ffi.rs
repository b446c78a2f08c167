//! C ABI (feature `ffi`): `extern "C"` entry points over plain types; errors are status codes.
//!
//! Conventions, for every function that takes pointers:
//! * the return value is a [`SimstatStatus`] (`SIMSTAT_STATUS_OK` = 0); outputs are written only
//!   on success;
//! * a null pointer is rejected with `SIMSTAT_STATUS_NULL_POINTER`, a length that is 0 where data
//!   is needed, too large for the address space, or shorter than required with
//!   `SIMSTAT_STATUS_BAD_LENGTH`;
//! * a non-null pointer with length `n` must point to `n` valid, aligned elements for the
//!   duration of the call (the one thing C cannot check; the same contract as `memcpy`).
//!   Output buffers must not overlap inputs, except that elementwise functions accept
//!   `out == x` (in place); any other overlap is rejected with `SIMSTAT_STATUS_BAD_LENGTH`.
//!
//! No panic crosses the boundary: the Rust functions behind these return errors as values, and
//! the staticlib (`capi/`) is built with `panic = "abort"` as a last line of defence.
//!
//! Result structs derive `Default` (all zeros) for Rust callers; option structs get their
//! defaults from the `simstat_*_options_default` initialisers.
//!
//! Scalar special functions return their value directly; NaN encodes a domain error exactly as
//! the Rust functions do.
#![allow(unsafe_code)] // raw-pointer arguments of a C ABI; every block carries a SAFETY comment.

use crate::calibrate::{
    cut, fit_background, CalibrateError, Calibrator, CutOptions, CutRule, ScoreScale,
    MAX_CALIBRATION_COMPONENTS,
};
use crate::dist::{ParamError, TruncatedShiftedGamma};
use crate::fit::mixture::{
    fit_mixture_in, fit_mixture_with, MixtureFit, MixtureOptions, MixtureWorkspace, MAX_COMPONENTS,
};
use crate::fit::{fit_gamma, fit_mixture_from_sketch_in, FitError, FitOptions, Regime, Sketch};
use crate::geometry::{
    self, DispersionOptions, DispersionVariant, GeometryError, Layout, PairValue, Reduction,
};
use crate::select::{
    select_order, DscOptions, HeightScale, KappaOne, LeafRule, LevelRefit, Omega, SelectError,
};
use crate::special;
use crate::wire::ByteForm;

/// Status code of every pointer-taking C function.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SimstatStatus {
    /// Success.
    Ok = 0,
    /// A required pointer was null.
    NullPointer = 1,
    /// A length was 0 where data is needed, too short, or too large.
    BadLength = 2,
    /// A distribution or option parameter is out of its domain.
    BadParameter = 3,
    /// An input value is NaN or infinite.
    NonFinite = 4,
    /// A data value lies outside the fit interval.
    OutOfInterval = 5,
    /// Too few observations for the model.
    TooFewSamples = 6,
    /// All observations are equal.
    AllEqual = 7,
    /// A probability (p-value, FDR level) is outside its range.
    BadProbability = 8,
    /// A vector has zero norm, so its cosine is undefined.
    ZeroNorm = 9,
    /// A size computation overflows.
    Overflow = 10,
    /// A numerical step broke down (a merged atom or level without a finite likelihood).
    NumericalFailure = 11,
    /// Bytes are not a valid byte form of the type asked for (wrong magic, version or kind,
    /// truncated, checksum mismatch, or an invalid value).
    BadEncoding = 12,
}

/// A NUL-terminated, static English description of a status code (never null; a code no
/// function returns gives "unknown status"). Takes the code as an `int` so any value a caller
/// holds is safe to pass. The string lives as long as the library.
#[no_mangle]
pub extern "C" fn simstat_status_str(status: i32) -> *const core::ffi::c_char {
    ALL_STATUSES
        .iter()
        .find(|s| **s as i32 == status)
        .map_or(c"unknown status", |s| status_text(*s))
        .as_ptr()
}

/// Every status code, in code order (`simstat_status_str` looks codes up here).
const ALL_STATUSES: [SimstatStatus; 13] = [
    SimstatStatus::Ok,
    SimstatStatus::NullPointer,
    SimstatStatus::BadLength,
    SimstatStatus::BadParameter,
    SimstatStatus::NonFinite,
    SimstatStatus::OutOfInterval,
    SimstatStatus::TooFewSamples,
    SimstatStatus::AllEqual,
    SimstatStatus::BadProbability,
    SimstatStatus::ZeroNorm,
    SimstatStatus::Overflow,
    SimstatStatus::NumericalFailure,
    SimstatStatus::BadEncoding,
];

/// The text of a status (an exhaustive match: a new code cannot lack one).
fn status_text(s: SimstatStatus) -> &'static core::ffi::CStr {
    match s {
        SimstatStatus::Ok => c"ok",
        SimstatStatus::NullPointer => c"a required pointer was null",
        SimstatStatus::BadLength => c"a length was 0, too short or too large",
        SimstatStatus::BadParameter => c"a parameter or option is out of its domain",
        SimstatStatus::NonFinite => c"an input value is NaN or infinite",
        SimstatStatus::OutOfInterval => c"a data value lies outside the fit interval",
        SimstatStatus::TooFewSamples => c"too few observations for the model",
        SimstatStatus::AllEqual => c"all observations are equal",
        SimstatStatus::BadProbability => c"a probability or weight is outside its range",
        SimstatStatus::ZeroNorm => c"a vector has zero norm",
        SimstatStatus::Overflow => c"a size computation overflows",
        SimstatStatus::NumericalFailure => c"a numerical step broke down",
        SimstatStatus::BadEncoding => c"the bytes are not a valid encoding of the type",
    }
}

/// Capacity of the component arrays of `SimstatMixture` (the crate's mixture capacity): a
/// mixture has 1 to `SIMSTAT_MAX_COMPONENTS` components.
pub const SIMSTAT_MAX_COMPONENTS: usize = 16;

// The C capacity is the Rust one (cbindgen needs the literal above).
const _: () = assert!(SIMSTAT_MAX_COMPONENTS == MAX_COMPONENTS);
const _: () = assert!(SIMSTAT_MAX_COMPONENTS <= MAX_CALIBRATION_COMPONENTS);

/// What a pairwise matrix holds.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SimstatPairValue {
    /// Cosine similarity in [−1, 1].
    Cosine = 0,
    /// Angle arccos(cos) in radians, in [0, π].
    Angle = 1,
    /// Angular distance arccos(cos)/π in [0, 1].
    AngularDistance = 2,
}

/// The decision rule of `simstat_cut` (passed as its `rule` argument).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SimstatCutRule {
    /// Relative excess over the median on Fisher z (the default; `param` = ratio in (0, 1],
    /// 0.65 by default).
    RelativeExcess = 0,
    /// Benjamini–Hochberg against the fitted background (`param` = q in (0, 1)).
    Fdr = 1,
    /// Relevance posterior ≥ `param` (in (0, 1)) under the background + relevant model.
    Posterior = 2,
    /// Expected-F1-optimal cut under the background + relevant model (`param` ignored).
    ExpectedF1 = 3,
}

/// Options of the angular dispersion loss (the reference code's defaults from
/// `simstat_dispersion_options_default`).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SimstatDispersionOptions {
    /// Temperature τ > 0 (default 1).
    pub tau: f64,
    /// Clamp margin t ∈ [0, 1) (default 0.25).
    pub clamp: f64,
    /// ε ≥ 0 added to the norm (default 0.01).
    pub eps: f64,
    /// Non-zero: normalise rows (default 1).
    pub normalize: u32,
    /// 0: log-mean over pairs (default, the reference code); 1: log-sum (the paper).
    pub log_sum: u32,
    /// Non-zero: straight-through clamp gradient (default 1).
    pub straight_through: u32,
}

/// Parameters of a shifted gamma X = shift + Gamma(shape, rate) truncated to [lo, hi].
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct SimstatGammaParams {
    /// Shape α > 0.
    pub shape: f64,
    /// Rate λ > 0.
    pub rate: f64,
    /// Shift c.
    pub shift: f64,
    /// Lower end of the truncation interval.
    pub lo: f64,
    /// Upper end of the truncation interval (> lo, > shift).
    pub hi: f64,
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
    /// 0 regular, 1 shape ≤ 1 boundary fallback, 2 normal limit (shape at its cap).
    pub regime: u32,
    /// 1 when the fit converged.
    pub converged: u32,
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
}

/// A mixture of K truncated shifted gammas, Σ `weights[i]`·`components[i]`, in fixed-capacity
/// arrays (entries at i ≥ k are zero). Written by `simstat_fit_mixture` (components ordered by
/// shift) and by `simstat_select_dsc` (the merged mixture of a level); read by the
/// `simstat_mixture_*` functions, which need 1 ≤ k ≤ `SIMSTAT_MAX_COMPONENTS`, valid
/// components and weights in [0, 1] summing to 1 (within 1e-9).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct SimstatMixture {
    /// Number of components K.
    pub k: usize,
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

/// Options of `simstat_select_dsc`; `simstat_dsc_options_default` fills the defaults.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SimstatDscOptions {
    /// Penalty ω_N of DSC (`select::Omega`): 0 the default (√N), 1 ln N (the paper's), 2 √N,
    /// 3 the fixed value `omega`.
    pub omega_rule: u32,
    /// ω when `omega_rule` = 3 (finite, > 0; anything else is `SIMSTAT_STATUS_BAD_PARAMETER`).
    pub omega: f64,
    /// Scale of the heights in DSC (`select::HeightScale`): 0 the default (ln h), 1 linear (the
    /// paper's), 2 ln h.
    pub height_scale: u32,
    /// Level κ = 1: 0 excluded from DSC (default, the paper's range), 1 height ω_N/√N
    /// (experimental), 2 height `kappa_one_height`.
    pub kappa_one: u32,
    /// h(1) when `kappa_one` = 2 (finite, ≥ 0).
    pub kappa_one_height: f64,
    /// Passes of the level refit `refit_mode` names (0 with modes 0 and 3 means 30).
    pub refit_passes: u32,
    /// How each level is refitted before its log-likelihood is taken (`select::LevelRefit`):
    /// 0 polished to its likelihood optimum from the merged atoms and from its neighbouring
    /// levels, at most `refit_passes` Newton passes per polish (default, `MleNested`), 1 not
    /// refitted (the paper's DSC), 2 `refit_passes` EM passes with the shifts fixed, 3 polished
    /// from the merged atoms only (`Mle`). The mixture written out is the level as evaluated.
    pub refit_mode: u32,
    /// Level whose merged mixture goes to `SimstatSelection::selected`: 0 the one DSC chose
    /// (default), κ ∈ 1..=K0 that level.
    pub level: u32,
    /// Leaf rule (`select::LeafRule`): 0 the default (truncated moments; negligible,
    /// point-mass and duplicate components absorbed before merging), 1 every component a leaf.
    pub leaf_rule: u32,
}

/// One merge of the dendrogram (the step from level κ to κ − 1).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct SimstatMergeStep {
    /// Node id of the first merged cluster: leaves are 0..K0 (the components the leaf rule
    /// kept, in their order in the mixture), merge m creates node K0 + m.
    pub node_i: usize,
    /// Node id of the second merged cluster.
    pub node_j: usize,
    /// Height: the weighted dissimilarity at which the merge happened.
    pub height: f64,
    /// Weight of the merged atom.
    pub weight: f64,
}

/// Result of `simstat_select_dsc`. Per-level arrays are indexed by κ − 1 (κ = 1..=K0; entries
/// at κ > K0 are NaN); every criterion is lower-is-better.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct SimstatSelection {
    /// Number of leaves K0: the over-fitted mixture's components left by the leaf rule.
    pub k0: usize,
    /// Number of observations N.
    pub n: u64,
    /// The penalty ω_N used.
    pub omega: f64,
    /// Order chosen by DSC (argmin over κ = 2..=K0 unless κ = 1 is included; 1 when K0 = 1).
    pub dsc_choice: usize,
    /// Order chosen by AIC over the levels.
    pub aic_choice: usize,
    /// Order chosen by BIC over the levels.
    pub bic_choice: usize,
    /// Order chosen by ICL over the levels.
    pub icl_choice: usize,
    /// h(κ): height of the merge from κ to κ − 1 (at κ = 1 per `kappa_one`, NaN if excluded).
    pub height: [f64; SIMSTAT_MAX_COMPONENTS],
    /// Log-likelihood of level κ.
    pub log_likelihood: [f64; SIMSTAT_MAX_COMPONENTS],
    /// DSC(κ) = −(h(κ) + ω_N·LL(κ)/N) (NaN where undefined).
    pub dsc: [f64; SIMSTAT_MAX_COMPONENTS],
    /// AIC of level κ.
    pub aic: [f64; SIMSTAT_MAX_COMPONENTS],
    /// BIC of level κ.
    pub bic: [f64; SIMSTAT_MAX_COMPONENTS],
    /// ICL = BIC + 2·entropy of level κ.
    pub icl: [f64; SIMSTAT_MAX_COMPONENTS],
    /// The K0 − 1 merges in order (merge m takes level K0 − m to K0 − m − 1); the rest zero.
    pub merges: [SimstatMergeStep; SIMSTAT_MAX_COMPONENTS],
    /// Level of `selected` (DSC's choice unless the options name one).
    pub selected_level: usize,
    /// The merged mixture at `selected_level` (log-likelihood, AIC, BIC of that level; run
    /// facts zero).
    pub selected: SimstatMixture,
    /// Components of the over-fit absorbed by the leaf rule (its K minus `k0`).
    pub absorbed: usize,
    /// 1 when the over-fit reported convergence, 0 otherwise.
    pub overfit_converged: u32,
}

/// Result of `simstat_fdr_cutoff`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct SimstatFdrCutoff {
    /// Number of scores tested.
    pub tests: usize,
    /// Number of discoveries (scores ≥ `score_threshold`).
    pub discoveries: usize,
    /// Largest p-value among the discoveries (0 when there are none).
    pub p_threshold: f64,
    /// Smallest discovered score (+inf when there are none).
    pub score_threshold: f64,
}

fn geometry_status(e: GeometryError) -> SimstatStatus {
    match e {
        GeometryError::LengthMismatch | GeometryError::Empty | GeometryError::BufferTooSmall => {
            SimstatStatus::BadLength
        }
        GeometryError::ZeroNorm | GeometryError::ZeroNormRow { .. } => SimstatStatus::ZeroNorm,
        GeometryError::NonFinite | GeometryError::NonFiniteRow { .. } => SimstatStatus::NonFinite,
        GeometryError::Overflow => SimstatStatus::Overflow,
        _ => SimstatStatus::BadParameter,
    }
}

fn param_status(_: ParamError) -> SimstatStatus {
    SimstatStatus::BadParameter
}

fn fit_status(e: FitError) -> SimstatStatus {
    match e {
        FitError::TooFewSamples { .. } => SimstatStatus::TooFewSamples,
        FitError::NonFinite { .. } => SimstatStatus::NonFinite,
        FitError::OutOfInterval { .. } => SimstatStatus::OutOfInterval,
        FitError::AllEqual => SimstatStatus::AllEqual,
        _ => SimstatStatus::BadParameter,
    }
}

fn select_status(e: SelectError) -> SimstatStatus {
    match e {
        SelectError::TooFewAtoms
        | SelectError::TooManyAtoms { .. }
        | SelectError::DimensionMismatch
        | SelectError::LevelOutOfRange => SimstatStatus::BadLength,
        SelectError::TooFewObservations => SimstatStatus::TooFewSamples,
        SelectError::NonFinite | SelectError::NonFiniteData { .. } => SimstatStatus::NonFinite,
        SelectError::InvalidWeight => SimstatStatus::BadProbability,
        SelectError::OutOfSupport | SelectError::DataOutOfInterval { .. } => {
            SimstatStatus::OutOfInterval
        }
        SelectError::NumericalFailure | SelectError::NotEvaluated => {
            SimstatStatus::NumericalFailure
        }
        _ => SimstatStatus::BadParameter,
    }
}

fn calibrate_status(e: CalibrateError) -> SimstatStatus {
    match e {
        CalibrateError::Empty | CalibrateError::ScratchTooSmall { .. } => SimstatStatus::BadLength,
        CalibrateError::BadLevel | CalibrateError::NotAProbability => SimstatStatus::BadProbability,
        CalibrateError::NonFinite | CalibrateError::ScoreOutOfRange { .. } => {
            SimstatStatus::NonFinite
        }
        CalibrateError::TooFewScores { .. } => SimstatStatus::TooFewSamples,
        CalibrateError::BadOption(_) => SimstatStatus::BadParameter,
        CalibrateError::Fit(e) => fit_status(e),
    }
}

/// Checks a (pointer, length) pair for a slice of `T`: non-null, non-zero, fits in `isize`,
/// aligned.
fn check<T>(p: *const T, n: usize) -> Result<(), SimstatStatus> {
    if p.is_null() {
        return Err(SimstatStatus::NullPointer);
    }
    if n == 0 || n > isize::MAX as usize / core::mem::size_of::<T>().max(1) {
        return Err(SimstatStatus::BadLength);
    }
    if !p.is_aligned() {
        return Err(SimstatStatus::BadLength);
    }
    Ok(())
}

/// Reads a C struct argument by reference.
fn read<'a, T>(p: *const T) -> Result<&'a T, SimstatStatus> {
    // SAFETY: the caller passes either null (rejected here) or a pointer to a valid, aligned `T`
    // that lives for the call (the module's documented contract).
    unsafe { p.as_ref() }.ok_or(SimstatStatus::NullPointer)
}

/// Borrows `n` elements at `p` as a slice, after [`check`].
fn slice<'a, T>(p: *const T, n: usize) -> Result<&'a [T], SimstatStatus> {
    check(p, n)?;
    // SAFETY: `check` rejected null, zero and oversized lengths; the caller guarantees `n`
    // valid, aligned elements at `p` for the duration of the call (the module's contract).
    Ok(unsafe { core::slice::from_raw_parts(p, n) })
}

/// Borrows `n` elements at `p` mutably, after [`check`].
fn slice_mut<'a, T>(p: *mut T, n: usize) -> Result<&'a mut [T], SimstatStatus> {
    check(p.cast_const(), n)?;
    // SAFETY: as in `slice`, plus: the caller guarantees the buffer is writable and does not
    // overlap any other argument (documented in the header).
    Ok(unsafe { core::slice::from_raw_parts_mut(p, n) })
}

/// Writes one value through an output pointer.
fn write<T>(p: *mut T, v: T) -> Result<(), SimstatStatus> {
    // SAFETY: null is rejected by `as_mut`; a non-null `p` points to a writable, aligned `T`
    // (the module's contract).
    let slot = unsafe { p.as_mut() }.ok_or(SimstatStatus::NullPointer)?;
    *slot = v;
    Ok(())
}

/// Checks caller memory for a mixture workspace (non-null, aligned, at least
/// `MixtureWorkspace::BYTES` bytes, overlapping neither the `input` bytes nor `out`, which must
/// be non-null) and borrows it zeroed ([`zeroed_workspace`]).
fn mixture_workspace<'a>(
    workspace: *mut u8,
    workspace_len: usize,
    (input, input_len): (*const u8, usize),
    out: *mut SimstatMixture,
) -> Result<&'a mut MixtureWorkspace, SimstatStatus> {
    if out.is_null() || workspace.is_null() {
        return Err(SimstatStatus::NullPointer);
    }
    let size = MixtureWorkspace::BYTES;
    if workspace_len < size
        || !(workspace as usize).is_multiple_of(core::mem::align_of::<MixtureWorkspace>())
        || overlaps(workspace.cast_const(), size, input, input_len)
        || overlaps(
            workspace.cast_const(),
            size,
            out.cast_const().cast(),
            core::mem::size_of::<SimstatMixture>(),
        )
    {
        return Err(SimstatStatus::BadLength);
    }
    Ok(zeroed_workspace(workspace))
}

/// Zeroes caller memory checked by [`mixture_workspace`] (non-null, aligned, at least
/// `MixtureWorkspace::BYTES` writable bytes overlapping no other argument) and borrows it as a
/// workspace.
fn zeroed_workspace<'a>(p: *mut u8) -> &'a mut MixtureWorkspace {
    // SAFETY: the caller checked `p` (non-null, aligned for `MixtureWorkspace`, at least
    // `MixtureWorkspace::BYTES` bytes, no overlap with the other arguments), and the C caller
    // guarantees the memory is writable for the call. Zeroing it makes it a valid
    // `MixtureWorkspace`: every field is a float, an integer, a `bool` or a `#[repr(u8)]` enum
    // whose zero discriminant exists, in arrays and structs (the bit pattern of
    // `MixtureWorkspace::new()`).
    unsafe {
        core::ptr::write_bytes(p, 0, MixtureWorkspace::BYTES);
        &mut *p.cast::<MixtureWorkspace>()
    }
}

/// Whether two buffers' address ranges intersect (then they cannot be borrowed as one shared and
/// one mutable slice).
fn overlaps<T>(a: *const T, na: usize, b: *const T, nb: usize) -> bool {
    let size = core::mem::size_of::<T>();
    let (a0, b0) = (a as usize, b as usize);
    let a1 = a0.saturating_add(na.saturating_mul(size));
    let b1 = b0.saturating_add(nb.saturating_mul(size));
    a0 < b1 && b0 < a1
}

/// Applies `f` elementwise from `x` into `out` (`n` each). `out == x` evaluates in place;
/// any other overlap is rejected with `SIMSTAT_STATUS_BAD_LENGTH`.
fn map_slices(
    x: *const f64,
    n: usize,
    out: *mut f64,
    f: impl Fn(f64) -> f64,
) -> Result<(), SimstatStatus> {
    if core::ptr::eq(x, out.cast_const()) {
        for v in slice_mut(out, n)? {
            *v = f(*v);
        }
        return Ok(());
    }
    if overlaps(x, n, out.cast_const(), n) {
        return Err(SimstatStatus::BadLength);
    }
    let x = slice(x, n)?;
    let out = slice_mut(out, n)?;
    for (o, &v) in out.iter_mut().zip(x) {
        *o = f(v);
    }
    Ok(())
}

fn status(r: Result<(), SimstatStatus>) -> SimstatStatus {
    match r {
        Ok(()) => SimstatStatus::Ok,
        Err(s) => s,
    }
}

fn dist(p: *const SimstatGammaParams) -> Result<TruncatedShiftedGamma, SimstatStatus> {
    let g = read(p)?;
    TruncatedShiftedGamma::new(g.shape, g.rate, g.shift, g.lo, g.hi).map_err(param_status)
}

/// ψ(x).
#[no_mangle]
pub extern "C" fn simstat_digamma(x: f64) -> f64 {
    special::digamma(x)
}

/// ψ′(x).
#[no_mangle]
pub extern "C" fn simstat_trigamma(x: f64) -> f64 {
    special::trigamma(x)
}

/// ln |Γ(x)|.
#[no_mangle]
pub extern "C" fn simstat_ln_gamma(x: f64) -> f64 {
    special::ln_gamma(x)
}

/// Regularized lower incomplete gamma P(a, x).
#[no_mangle]
pub extern "C" fn simstat_gamma_p(a: f64, x: f64) -> f64 {
    special::gamma_p(a, x)
}

/// Regularized upper incomplete gamma Q(a, x), computed directly.
#[no_mangle]
pub extern "C" fn simstat_gamma_q(a: f64, x: f64) -> f64 {
    special::gamma_q(a, x)
}

/// Inverse of P in x: P(a, x) = p.
#[no_mangle]
pub extern "C" fn simstat_gamma_p_inv(a: f64, p: f64) -> f64 {
    special::gamma_p_inv(a, p)
}

/// Checks the parameters of a truncated shifted gamma: `SIMSTAT_STATUS_OK` when
/// `simstat_gamma_*` accept them, `SIMSTAT_STATUS_BAD_PARAMETER` otherwise.
#[no_mangle]
pub extern "C" fn simstat_gamma_check(params: *const SimstatGammaParams) -> SimstatStatus {
    status(dist(params).map(|_| ()))
}

fn map_into(
    params: *const SimstatGammaParams,
    x: *const f64,
    n: usize,
    out: *mut f64,
    f: impl Fn(&TruncatedShiftedGamma, f64) -> f64,
) -> SimstatStatus {
    status(dist(params).and_then(|d| map_slices(x, n, out, |v| f(&d, v))))
}

/// ln pdf of the truncated shifted gamma at `n` points `x` into `out` (−inf outside [lo, hi]).
#[no_mangle]
pub extern "C" fn simstat_gamma_ln_pdf(
    params: *const SimstatGammaParams,
    x: *const f64,
    n: usize,
    out: *mut f64,
) -> SimstatStatus {
    map_into(params, x, n, out, TruncatedShiftedGamma::ln_pdf)
}

/// cdf of the truncated shifted gamma at `n` points.
#[no_mangle]
pub extern "C" fn simstat_gamma_cdf(
    params: *const SimstatGammaParams,
    x: *const f64,
    n: usize,
    out: *mut f64,
) -> SimstatStatus {
    map_into(params, x, n, out, TruncatedShiftedGamma::cdf)
}

/// Survival function P(X > x) of the truncated shifted gamma at `n` points (computed
/// directly: tail values keep their relative accuracy).
#[no_mangle]
pub extern "C" fn simstat_gamma_sf(
    params: *const SimstatGammaParams,
    x: *const f64,
    n: usize,
    out: *mut f64,
) -> SimstatStatus {
    map_into(params, x, n, out, TruncatedShiftedGamma::sf)
}

/// Quantile of the truncated shifted gamma at `n` probabilities `p` (NaN for p outside [0, 1]).
#[no_mangle]
pub extern "C" fn simstat_gamma_quantile(
    params: *const SimstatGammaParams,
    p: *const f64,
    n: usize,
    out: *mut f64,
) -> SimstatStatus {
    map_into(params, p, n, out, TruncatedShiftedGamma::quantile)
}

fn u32_sat(v: usize) -> u32 {
    u32::try_from(v).unwrap_or(u32::MAX)
}

fn fit_options_c(d: &FitOptions) -> SimstatFitOptions {
    SimstatFitOptions {
        lo: d.lo,
        hi: d.hi,
        max_passes: u32_sat(d.max_passes),
        shape_cap: d.shape_cap,
        warm_start: u32::from(d.warm_start),
    }
}

fn fit_options_rust(c: &SimstatFitOptions) -> FitOptions {
    FitOptions {
        lo: c.lo,
        hi: c.hi,
        max_passes: c.max_passes as usize,
        shape_cap: c.shape_cap,
        warm_start: c.warm_start != 0,
        ..FitOptions::default()
    }
}

/// Fills `opts` with the default fit options (interval [−1, 1]).
#[no_mangle]
pub extern "C" fn simstat_fit_options_default(opts: *mut SimstatFitOptions) -> SimstatStatus {
    status(write(opts, fit_options_c(&FitOptions::default())))
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
        let o = if opts.is_null() {
            FitOptions::default()
        } else {
            fit_options_rust(read(opts)?)
        };
        let f = fit_gamma(data, &o).map_err(fit_status)?;
        let (lo, hi) = f.interval();
        write(
            out,
            SimstatGammaFit {
                params: SimstatGammaParams {
                    shape: f.shape(),
                    rate: f.rate(),
                    shift: f.shift(),
                    lo,
                    hi,
                },
                log_likelihood: f.log_likelihood(),
                gradient: f.gradient(),
                passes: u32_sat(f.passes()),
                regime: match f.regime() {
                    Regime::Regular => 0,
                    Regime::ShapeAtMostOne => 1,
                    Regime::NormalLimit => 2,
                },
                converged: u32::from(f.converged()),
            },
        )
    })())
}

/// Tail p-values P(S ≥ s) of `n` scores under a background shifted gamma, into `out`.
#[no_mangle]
pub extern "C" fn simstat_p_values(
    background: *const SimstatGammaParams,
    scores: *const f64,
    n: usize,
    out: *mut f64,
) -> SimstatStatus {
    status(dist(background).and_then(|d| {
        let cal = Calibrator::from_distribution(d);
        map_slices(scores, n, out, |s| cal.p_value(s))
    }))
}

/// Benjamini–Hochberg cut-off at FDR level `q` over `n` scores under a background shifted
/// gamma; `scratch` must hold `scratch_len ≥ n` doubles (it receives the sorted scores).
#[no_mangle]
pub extern "C" fn simstat_fdr_cutoff(
    background: *const SimstatGammaParams,
    scores: *const f64,
    n: usize,
    q: f64,
    scratch: *mut f64,
    scratch_len: usize,
    out: *mut SimstatFdrCutoff,
) -> SimstatStatus {
    status(dist(background).and_then(|d| {
        let cal = Calibrator::from_distribution(d);
        fdr_into(&cal, scores, n, q, scratch, scratch_len, out)
    }))
}

fn fdr_into(
    cal: &Calibrator,
    scores: *const f64,
    n: usize,
    q: f64,
    scratch: *mut f64,
    scratch_len: usize,
    out: *mut SimstatFdrCutoff,
) -> Result<(), SimstatStatus> {
    if overlaps(scores, n, scratch.cast_const(), scratch_len) {
        return Err(SimstatStatus::BadLength);
    }
    let s = slice(scores, n)?;
    let scratch = slice_mut(scratch, scratch_len)?;
    let c = cal.fdr_cutoff(s, q, scratch).map_err(calibrate_status)?;
    write(
        out,
        SimstatFdrCutoff {
            tests: c.fdr.tests,
            discoveries: c.fdr.discoveries,
            p_threshold: c.fdr.p_threshold,
            score_threshold: c.score_threshold,
        },
    )
}

/// Fills `opts` with the default mixture options (interval [−1, 1], the `MixtureOptions`
/// defaults).
#[no_mangle]
pub extern "C" fn simstat_mixture_options_default(
    opts: *mut SimstatMixtureOptions,
) -> SimstatStatus {
    let m = MixtureOptions::default();
    status(write(
        opts,
        SimstatMixtureOptions {
            fit: fit_options_c(&FitOptions::default()),
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
        },
    ))
}

fn mixture_options_rust(c: &SimstatMixtureOptions) -> (FitOptions, MixtureOptions) {
    (
        fit_options_rust(&c.fit),
        MixtureOptions {
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
        },
    )
}

const ZERO_PARAMS: SimstatGammaParams = SimstatGammaParams {
    shape: 0.0,
    rate: 0.0,
    shift: 0.0,
    lo: 0.0,
    hi: 0.0,
};

fn params_c(d: &TruncatedShiftedGamma) -> SimstatGammaParams {
    SimstatGammaParams {
        shape: d.shape(),
        rate: d.rate(),
        shift: d.shift(),
        lo: d.lo(),
        hi: d.hi(),
    }
}

/// A `SimstatMixture` holding `weights` and `components` (at most the capacity), with the
/// run facts zero and the criteria from `ll` and `n`.
fn mixture_c(
    weights: &[f64],
    components: &[TruncatedShiftedGamma],
    n: u64,
    ll: f64,
) -> SimstatMixture {
    let mut m = SimstatMixture {
        k: components.len().min(SIMSTAT_MAX_COMPONENTS),
        weights: [0.0; SIMSTAT_MAX_COMPONENTS],
        components: [ZERO_PARAMS; SIMSTAT_MAX_COMPONENTS],
        n,
        log_likelihood: ll,
        aic: f64::NAN,
        bic: f64::NAN,
        iterations: 0,
        passes: 0,
        warm_passes: 0,
        converged: 0,
        gradient_norm: f64::NAN,
        at_shape_cap: 0,
        at_shape_floor: 0,
    };
    for (slot, &w) in m.weights.iter_mut().zip(weights) {
        *slot = w;
    }
    for (slot, d) in m.components.iter_mut().zip(components) {
        *slot = params_c(d);
    }
    m
}

fn mixture_fit_c(f: &MixtureFit<f64>) -> SimstatMixture {
    let mut m = mixture_c(f.weights(), f.components(), f.n(), f.log_likelihood());
    m.aic = f.aic();
    m.bic = f.bic();
    m.iterations = u32_sat(f.iterations());
    m.passes = u32_sat(f.passes());
    m.warm_passes = u32_sat(f.warm_passes());
    m.converged = u32::from(f.converged());
    m.gradient_norm = f.gradient_norm();
    m.at_shape_cap = u32::from(f.at_shape_cap());
    m.at_shape_floor = u32::from(f.at_shape_floor());
    m
}

/// Reads a caller's mixture back: K in 1..=capacity (else `BAD_LENGTH`), every component valid
/// (else `BAD_PARAMETER`), weights in [0, 1] summing to 1 within 1e-9 (else `BAD_PROBABILITY`).
fn mixture_rust(p: *const SimstatMixture) -> Result<MixtureFit<f64>, SimstatStatus> {
    let m = read(p)?;
    let k = m.k;
    if k == 0 || k > SIMSTAT_MAX_COMPONENTS {
        return Err(SimstatStatus::BadLength);
    }
    let first = dist(&m.components[0])?;
    let mut comps = [first; SIMSTAT_MAX_COMPONENTS];
    let mut total = 0.0;
    for ((slot, c), &w) in comps.iter_mut().zip(&m.components).zip(&m.weights).take(k) {
        *slot = dist(c)?;
        if !(0.0..=1.0).contains(&w) {
            return Err(SimstatStatus::BadProbability);
        }
        total += w;
    }
    if (total - 1.0).abs() > 1e-9 {
        return Err(SimstatStatus::BadProbability);
    }
    let (w, c) = (m.weights.get(..k), comps.get(..k));
    let (Some(w), Some(c)) = (w, c) else {
        return Err(SimstatStatus::BadLength);
    };
    MixtureFit::from_components(w, c, m.n, m.log_likelihood)
        .map_err(|_| SimstatStatus::BadParameter)
}

fn mixture_calibrator(p: *const SimstatMixture) -> Result<Calibrator, SimstatStatus> {
    Calibrator::from_mixture(&mixture_rust(p)?).map_err(calibrate_status)
}

/// Length in bytes of the byte form (`simstat::wire`, kind 5) of `mixture`, written to
/// `*out_len`: the size `simstat_mixture_write` needs. The mixture is checked as by the
/// `simstat_mixture_*` functions.
#[no_mangle]
pub extern "C" fn simstat_mixture_byte_len(
    mixture: *const SimstatMixture,
    out_len: *mut usize,
) -> SimstatStatus {
    status(mixture_rust(mixture).and_then(|m| write(out_len, m.byte_len())))
}

/// Writes the byte form (`simstat::wire`, kind 5: versioned, CRC-checked, little-endian; the
/// same bytes a Rust `MixtureFit` of these weights and components writes, with the run facts
/// of a mixture built from parts) of `mixture` into `out` (`cap` bytes) and its length to
/// `*written`. `cap` shorter than `simstat_mixture_byte_len` is `SIMSTAT_STATUS_BAD_LENGTH`
/// (nothing written).
#[no_mangle]
pub extern "C" fn simstat_mixture_write(
    mixture: *const SimstatMixture,
    out: *mut u8,
    cap: usize,
    written: *mut usize,
) -> SimstatStatus {
    status((|| {
        let m = mixture_rust(mixture)?;
        let buf = slice_mut(out, cap)?;
        let n = m.write_to(buf).map_err(|_| SimstatStatus::BadLength)?;
        write(written, n)
    })())
}

/// Reads a mixture's byte form (`simstat::wire`, kind 5; written by `simstat_mixture_write` or
/// by Rust's `ByteForm::write_to`) from `n` bytes into `out`, with every check of the Rust
/// reader: anything but a valid encoding of exactly `n` bytes is `SIMSTAT_STATUS_BAD_ENCODING`
/// (`out` untouched).
#[no_mangle]
pub extern "C" fn simstat_mixture_read(
    bytes: *const u8,
    n: usize,
    out: *mut SimstatMixture,
) -> SimstatStatus {
    status((|| {
        let b = slice(bytes, n)?;
        let m = MixtureFit::<f64>::read_from(b).map_err(|_| SimstatStatus::BadEncoding)?;
        write(out, mixture_fit_c(&m))
    })())
}

/// Fits a K-component truncated shifted-gamma mixture to `n` values by maximum likelihood
/// (`fit::fit_mixture_with`); `opts` may be null for the defaults. Writes the fit to `out`
/// (components ordered by shift). `k` = 0 or `k` > `SIMSTAT_MAX_COMPONENTS` is
/// `SIMSTAT_STATUS_BAD_LENGTH`; bad options `SIMSTAT_STATUS_BAD_PARAMETER`.
#[no_mangle]
pub extern "C" fn simstat_fit_mixture(
    data: *const f64,
    n: usize,
    k: usize,
    opts: *const SimstatMixtureOptions,
    out: *mut SimstatMixture,
) -> SimstatStatus {
    status((|| {
        let (data, fo, mo) = mixture_args(data, n, k, opts)?;
        if out.is_null() {
            return Err(SimstatStatus::NullPointer);
        }
        let f = fit_mixture_with(data, k, &fo, &mo).map_err(fit_status)?;
        write(out, mixture_fit_c(&f))
    })())
}

/// The checked data and options of the mixture fits (`opts` null: the defaults).
fn mixture_args<'a>(
    data: *const f64,
    n: usize,
    k: usize,
    opts: *const SimstatMixtureOptions,
) -> Result<(&'a [f64], FitOptions, MixtureOptions), SimstatStatus> {
    let data = slice(data, n)?;
    if k == 0 || k > SIMSTAT_MAX_COMPONENTS {
        return Err(SimstatStatus::BadLength);
    }
    let (fo, mo) = if opts.is_null() {
        (FitOptions::default(), MixtureOptions::default())
    } else {
        mixture_options_rust(read(opts)?)
    };
    Ok((data, fo, mo))
}

/// Bytes of caller memory [`simstat_fit_mixture_in`] works in (a `MixtureWorkspace`: the
/// sketch, the subsample and the optimiser's buffers; 559 KiB whatever `n` and `k`).
#[no_mangle]
pub extern "C" fn simstat_mixture_workspace_size() -> usize {
    MixtureWorkspace::BYTES
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
    status((|| {
        let (data, fo, mo) = mixture_args(data, n, k, opts)?;
        let input = (data.as_ptr().cast::<u8>(), n * 8);
        let ws = mixture_workspace(workspace, workspace_len, input, out)?;
        let f = fit_mixture_in(data, k, &fo, &mo, ws).map_err(fit_status)?;
        write(out, mixture_fit_c(&f))
    })())
}

/// Bytes of caller memory a sketch takes (a `simstat::fit::Sketch<4096>`: 4096 bins of counts
/// and offset sums, the count, the interval and the extremes; 65,600 bytes). The memory is
/// made a sketch by [`simstat_sketch_init`] or [`simstat_sketch_read`] and is then passed to
/// the `simstat_sketch_*` functions (with its length); it holds no pointers, so it can be
/// copied, kept in a `static`, or sent as raw memory between processes of one machine.
#[no_mangle]
pub extern "C" fn simstat_sketch_size() -> usize {
    core::mem::size_of::<Sketch<SKETCH_BINS>>()
}

/// Alignment in bytes of a sketch's memory (8; `malloc` and any `double` array satisfy it).
#[no_mangle]
pub extern "C" fn simstat_sketch_align() -> usize {
    core::mem::align_of::<Sketch<SKETCH_BINS>>()
}

/// Bins of the C sketch (equal-width bins of its interval).
const SKETCH_BINS: usize = 4096;

/// Checks caller memory for a sketch: non-null, aligned, `len` ≥ [`simstat_sketch_size`].
fn check_sketch(p: *const u8, len: usize) -> Result<(), SimstatStatus> {
    if p.is_null() {
        return Err(SimstatStatus::NullPointer);
    }
    if len < simstat_sketch_size() || !(p as usize).is_multiple_of(simstat_sketch_align()) {
        return Err(SimstatStatus::BadLength);
    }
    Ok(())
}

/// Borrows caller memory as a sketch, after [`check_sketch`].
fn sketch_mut<'a>(p: *mut u8, len: usize) -> Result<&'a mut Sketch<SKETCH_BINS>, SimstatStatus> {
    check_sketch(p.cast_const(), len)?;
    // SAFETY: `p` is non-null, aligned for `Sketch<4096>` and has at least its size in bytes
    // (`check_sketch`); the C caller guarantees the memory is writable and not aliased by
    // another argument for the call (the module's contract; overlaps with the other buffers
    // are rejected by the callers). Every field of a sketch is an `f64` or a `u64`, so any bit
    // pattern is a valid value: memory that was never made a sketch cannot make this borrow
    // unsound (the functions then compute with meaningless numbers, without panicking).
    Ok(unsafe { &mut *p.cast::<Sketch<SKETCH_BINS>>() })
}

/// Borrows caller memory as a sketch for reading, after [`check_sketch`].
fn sketch_ref<'a>(p: *const u8, len: usize) -> Result<&'a Sketch<SKETCH_BINS>, SimstatStatus> {
    check_sketch(p, len)?;
    // SAFETY: as in `sketch_mut` (non-null, aligned, large enough, every bit pattern a valid
    // sketch); the memory is only read for the call.
    Ok(unsafe { &*p.cast::<Sketch<SKETCH_BINS>>() })
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
    status((|| {
        let s = sketch_mut(sketch, len)?;
        s.reset(lo, hi).map_err(|_| SimstatStatus::BadParameter)
    })())
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
        if overlaps(sketch.cast_const(), len, data.as_ptr().cast(), n * 8) {
            return Err(SimstatStatus::BadLength);
        }
        let s = sketch_mut(sketch, len)?;
        s.extend(data).map_err(fit_status)
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
        if !dst.is_null() && !src.is_null() && overlaps(dst.cast_const(), size, src, size) {
            return Err(SimstatStatus::BadLength);
        }
        let from = sketch_ref(src, src_len)?;
        let into = sketch_mut(dst, dst_len)?;
        into.merge(from).map_err(fit_status)
    })())
}

/// Number of values added to a sketch, written to `*out`.
#[no_mangle]
pub extern "C" fn simstat_sketch_count(
    sketch: *const u8,
    len: usize,
    out: *mut u64,
) -> SimstatStatus {
    status(sketch_ref(sketch, len).and_then(|s| write(out, s.len())))
}

/// Length in bytes of a sketch's byte form (`simstat::wire`, kind 1: the occupied bins only
/// when that is shorter), written to `*out_len`.
#[no_mangle]
pub extern "C" fn simstat_sketch_byte_len(
    sketch: *const u8,
    len: usize,
    out_len: *mut usize,
) -> SimstatStatus {
    status(sketch_ref(sketch, len).and_then(|s| write(out_len, s.byte_len())))
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
        let s = sketch_ref(sketch, len)?;
        let buf = slice_mut(out, cap)?;
        if overlaps(sketch, len, buf.as_ptr(), cap) {
            return Err(SimstatStatus::BadLength);
        }
        let n = s.write_to(buf).map_err(|_| SimstatStatus::BadLength)?;
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
        if overlaps(sketch.cast_const(), len, bytes, n) {
            return Err(SimstatStatus::BadLength);
        }
        let s = sketch_mut(sketch, len)?;
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
        let s = sketch_ref(sketch, len)?;
        if k == 0 || k > SIMSTAT_MAX_COMPONENTS {
            return Err(SimstatStatus::BadLength);
        }
        let (fo, mo) = if opts.is_null() {
            (FitOptions::default(), MixtureOptions::default())
        } else {
            mixture_options_rust(read(opts)?)
        };
        let ws = mixture_workspace(workspace, workspace_len, (sketch, len), out)?;
        let f = fit_mixture_from_sketch_in(s, k, &fo, &mo, ws).map_err(fit_status)?;
        write(out, mixture_fit_c(&f))
    })())
}

/// Log mixture density ln p(x) at `n` points into `out` (−inf outside every support; `out ==
/// x` evaluates in place).
#[no_mangle]
pub extern "C" fn simstat_mixture_ln_pdf(
    mixture: *const SimstatMixture,
    x: *const f64,
    n: usize,
    out: *mut f64,
) -> SimstatStatus {
    status(mixture_rust(mixture).and_then(|m| map_slices(x, n, out, |v| m.ln_pdf(v))))
}

/// Posterior component probabilities (responsibilities) at `n` points: `out` (row-major n×K,
/// `out_len ≥ n·K`) row t holds P(component i | x_t), i = 0..K (all 0 outside every support).
#[no_mangle]
pub extern "C" fn simstat_mixture_responsibilities(
    mixture: *const SimstatMixture,
    x: *const f64,
    n: usize,
    out: *mut f64,
    out_len: usize,
) -> SimstatStatus {
    status((|| {
        let m = mixture_rust(mixture)?;
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

/// Posterior P(relevant | s) of `n` scores, the relevant component being the one with the
/// largest mean (`calibrate::Calibrator::posterior_relevant`), into `out` (`out == scores`
/// allowed). A one-component mixture has no relevant component: `SIMSTAT_STATUS_BAD_PARAMETER`.
#[no_mangle]
pub extern "C" fn simstat_mixture_posterior_relevant(
    mixture: *const SimstatMixture,
    scores: *const f64,
    n: usize,
    out: *mut f64,
) -> SimstatStatus {
    status(mixture_calibrator(mixture).and_then(|cal| {
        if cal.relevant_component().is_none() {
            return Err(SimstatStatus::BadParameter);
        }
        map_slices(scores, n, out, |s| {
            cal.posterior_relevant(s).unwrap_or(f64::NAN)
        })
    }))
}

/// Tail p-values P(S ≥ s) of `n` scores under a mixture background
/// (`calibrate::Calibrator::from_mixture`: with K ≥ 2 the component with the largest mean is
/// the relevant one and the rest, renormalised, the background), into `out`.
#[no_mangle]
pub extern "C" fn simstat_mixture_p_values(
    mixture: *const SimstatMixture,
    scores: *const f64,
    n: usize,
    out: *mut f64,
) -> SimstatStatus {
    status(
        mixture_calibrator(mixture).and_then(|cal| map_slices(scores, n, out, |s| cal.p_value(s))),
    )
}

/// Benjamini–Hochberg cut-off at FDR level `q` over `n` scores under a mixture background (as
/// `simstat_mixture_p_values`); `scratch` holds `scratch_len ≥ n` doubles.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub extern "C" fn simstat_mixture_fdr_cutoff(
    mixture: *const SimstatMixture,
    scores: *const f64,
    n: usize,
    q: f64,
    scratch: *mut f64,
    scratch_len: usize,
    out: *mut SimstatFdrCutoff,
) -> SimstatStatus {
    status(
        mixture_calibrator(mixture)
            .and_then(|cal| fdr_into(&cal, scores, n, q, scratch, scratch_len, out)),
    )
}

fn background_calibrator(p: *const SimstatMixture) -> Result<Calibrator, SimstatStatus> {
    let m = mixture_rust(p)?;
    Ok(Calibrator::from_background(m.weights(), m.components())
        .map_err(calibrate_status)?
        .with_scale(ScoreScale::FisherZ))
}

/// Fits the background of a query's cosine scores, hits included (`calibrate::fit_background`):
/// mixtures of shifted gammas on the Fisher-z scale z = atanh(s), of order 1..=`max_k` (clamped
/// to 1..=8), fitted to the body left after the iterative removal of the top discoveries; the
/// one with the smallest BIC is written to `out` (its components are distributions of z, its
/// interval the mapped one, ±19 at ±1; log-likelihood, AIC and BIC are the body's). `scratch` holds `scratch_len ≥ n` doubles (the
/// mapped scores); `opts` may be null for the defaults. Evaluate it with
/// `simstat_background_p_values` / `simstat_background_fdr_cutoff`, which take raw cosines.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub extern "C" fn simstat_fit_background(
    data: *const f64,
    n: usize,
    max_k: usize,
    opts: *const SimstatFitOptions,
    scratch: *mut f64,
    scratch_len: usize,
    out: *mut SimstatMixture,
) -> SimstatStatus {
    status((|| {
        if overlaps(data, n, scratch.cast_const(), scratch_len) {
            return Err(SimstatStatus::BadLength);
        }
        let data = slice(data, n)?;
        let scratch = slice_mut(scratch, scratch_len)?;
        if scratch_len < n {
            return Err(SimstatStatus::BadLength);
        }
        let o = if opts.is_null() {
            FitOptions::default()
        } else {
            fit_options_rust(read(opts)?)
        };
        if out.is_null() {
            return Err(SimstatStatus::NullPointer);
        }
        let bg = fit_background(data, max_k, &o, scratch).map_err(fit_status)?;
        write(out, mixture_fit_c(&bg.fit))
    })())
}

/// How many of one query's top-ranked scores to return (`calibrate::cut`; 0 = nothing
/// relevant): `scores` are its `n` cosine similarities with every corpus row, hits included;
/// `rule` is a `SimstatCutRule` value and `param` its parameter (NaN: the rule's default —
/// ratio 0.65, q 0.05, level 0.5); `scratch` holds `scratch_len ≥ n` doubles. Writes the list
/// length to `out_keep` and the smallest kept score (+inf when none) to `out_threshold`.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub extern "C" fn simstat_cut(
    scores: *const f64,
    n: usize,
    rule: u32,
    param: f64,
    scratch: *mut f64,
    scratch_len: usize,
    out_keep: *mut usize,
    out_threshold: *mut f64,
) -> SimstatStatus {
    status((|| {
        if overlaps(scores, n, scratch.cast_const(), scratch_len) {
            return Err(SimstatStatus::BadLength);
        }
        let scores = slice(scores, n)?;
        let scratch = slice_mut(scratch, scratch_len)?;
        if out_keep.is_null() || out_threshold.is_null() {
            return Err(SimstatStatus::NullPointer);
        }
        let or = |default: f64| if param.is_nan() { default } else { param };
        let rule = match rule {
            0 => CutRule::RelativeExcess { ratio: or(0.65) },
            1 => CutRule::Fdr { q: or(0.05) },
            2 => CutRule::Posterior { level: or(0.5) },
            3 => CutRule::ExpectedF1,
            _ => return Err(SimstatStatus::BadParameter),
        };
        let opts = CutOptions {
            rule,
            ..CutOptions::default()
        };
        let c = cut(scores, &opts, scratch).map_err(calibrate_status)?;
        write(out_keep, c.keep())?;
        write(out_threshold, c.threshold())
    })())
}

/// Tail p-values P(S ≥ s) of `n` raw cosine scores under a background from
/// `simstat_fit_background` (the whole mixture is the background, read on the Fisher-z scale:
/// the tail probability of a random corpus row's score), into `out` (`out == scores` allowed).
#[no_mangle]
pub extern "C" fn simstat_background_p_values(
    mixture: *const SimstatMixture,
    scores: *const f64,
    n: usize,
    out: *mut f64,
) -> SimstatStatus {
    status(
        background_calibrator(mixture)
            .and_then(|cal| map_slices(scores, n, out, |s| cal.p_value(s))),
    )
}

/// Benjamini–Hochberg cut-off at FDR level `q` over `n` raw cosine scores under a background
/// from `simstat_fit_background` (as `simstat_background_p_values`); `scratch` holds `scratch_len ≥ n` doubles.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub extern "C" fn simstat_background_fdr_cutoff(
    mixture: *const SimstatMixture,
    scores: *const f64,
    n: usize,
    q: f64,
    scratch: *mut f64,
    scratch_len: usize,
    out: *mut SimstatFdrCutoff,
) -> SimstatStatus {
    status(
        background_calibrator(mixture)
            .and_then(|cal| fdr_into(&cal, scores, n, q, scratch, scratch_len, out)),
    )
}

const DSC_DEFAULTS: SimstatDscOptions = SimstatDscOptions {
    omega_rule: 0,
    omega: 0.0,
    height_scale: 0,
    kappa_one: 0,
    kappa_one_height: 0.0,
    refit_passes: 0,
    refit_mode: 0,
    level: 0,
    leaf_rule: 0,
};

/// Fills `opts` with the DSC defaults of `select::DscOptions::default()` (ln heights,
/// ω_N = √N, κ = 1 excluded, the leaf rule, levels polished, DSC's level): every field 0.
#[no_mangle]
pub extern "C" fn simstat_dsc_options_default(opts: *mut SimstatDscOptions) -> SimstatStatus {
    status(write(opts, DSC_DEFAULTS))
}

fn dsc_options_rust(p: *const SimstatDscOptions) -> Result<SimstatDscOptions, SimstatStatus> {
    if p.is_null() {
        return Ok(DSC_DEFAULTS);
    }
    read(p).copied()
}

/// Order selection by the Dendrogram Selection Criterion: the K0 components of `mixture` (an
/// over-fitted fit, e.g. from `simstat_fit_mixture`) are merged pair by pair into a dendrogram
/// (`select::Dendrogram` of `select::GammaAtom`s), every level κ = K0..1 is evaluated on the `n`
/// values of `data` (the data of the fit; inside the components' common interval), and DSC,
/// AIC, BIC and ICL are written per level to `out` with the merged mixture of the chosen level.
/// `opts` may be null for the defaults. Components with different intervals are
/// `SIMSTAT_STATUS_BAD_PARAMETER`.
#[no_mangle]
pub extern "C" fn simstat_select_dsc(
    mixture: *const SimstatMixture,
    data: *const f64,
    n: usize,
    opts: *const SimstatDscOptions,
    out: *mut SimstatSelection,
) -> SimstatStatus {
    status((|| {
        let m = mixture_rust(mixture)?;
        let o = dsc_options_rust(opts)?;
        let data = slice(data, n)?;
        if out.is_null() {
            return Err(SimstatStatus::NullPointer);
        }
        let defaults = DscOptions::default();
        let mle_passes = if o.refit_passes == 0 {
            30
        } else {
            o.refit_passes as usize
        };
        let dsc = DscOptions {
            omega: match o.omega_rule {
                0 => defaults.omega,
                1 => Omega::LogN,
                2 => Omega::SqrtN,
                3 => Omega::Fixed(o.omega),
                _ => return Err(SimstatStatus::BadParameter),
            },
            kappa_one: match o.kappa_one {
                0 => KappaOne::Excluded,
                1 => KappaOne::NoiseScale,
                2 => KappaOne::Height(o.kappa_one_height),
                _ => return Err(SimstatStatus::BadParameter),
            },
            height_scale: match o.height_scale {
                0 => defaults.height_scale,
                1 => HeightScale::Linear,
                2 => HeightScale::Log,
                _ => return Err(SimstatStatus::BadParameter),
            },
            refit: match o.refit_mode {
                0 => LevelRefit::MleNested {
                    max_passes: mle_passes,
                },
                1 => LevelRefit::None,
                2 => LevelRefit::Em {
                    passes: o.refit_passes as usize,
                },
                3 => LevelRefit::Mle {
                    max_passes: mle_passes,
                },
                _ => return Err(SimstatStatus::BadParameter),
            },
            leaves: match o.leaf_rule {
                0 => LeafRule::default(),
                1 => LeafRule::keep_all(),
                _ => return Err(SimstatStatus::BadParameter),
            },
        };
        let sel = select_order(&m, data, &dsc).map_err(select_status)?;
        let c = sel.criteria();
        let k0 = sel.leaves();
        let level = match o.level as usize {
            0 => sel.dsc_choice(),
            l if l <= k0 => l,
            _ => return Err(SimstatStatus::BadLength),
        };
        let nan = [f64::NAN; SIMSTAT_MAX_COMPONENTS];
        let zero_step = SimstatMergeStep {
            node_i: 0,
            node_j: 0,
            height: 0.0,
            weight: 0.0,
        };
        let mut s = SimstatSelection {
            k0,
            n: n as u64,
            omega: c.omega(),
            dsc_choice: sel.dsc_choice(),
            aic_choice: sel.aic_choice(),
            bic_choice: sel.bic_choice(),
            icl_choice: sel.icl_choice(),
            height: nan,
            log_likelihood: nan,
            dsc: nan,
            aic: nan,
            bic: nan,
            icl: nan,
            merges: [zero_step; SIMSTAT_MAX_COMPONENTS],
            selected_level: level,
            selected: mixture_c(&[], &[], n as u64, f64::NAN),
            absorbed: sel.absorbed(),
            overfit_converged: u32::from(sel.overfit_converged()),
        };
        let copy = |dst: &mut [f64; SIMSTAT_MAX_COMPONENTS], src: &[f64]| {
            for (d, &v) in dst.iter_mut().zip(src) {
                *d = v;
            }
        };
        copy(&mut s.height, c.height_curve());
        copy(&mut s.dsc, c.dsc_curve());
        copy(&mut s.aic, c.aic_curve());
        copy(&mut s.bic, c.bic_curve());
        copy(&mut s.icl, c.icl_curve());
        for (kappa, slot) in (1..=k0).zip(s.log_likelihood.iter_mut()) {
            *slot = sel.log_likelihood(kappa).unwrap_or(f64::NAN);
        }
        for (dst, m) in s.merges.iter_mut().zip(sel.merges()) {
            *dst = SimstatMergeStep {
                node_i: m.node_i,
                node_j: m.node_j,
                height: m.height,
                weight: m.weight,
            };
        }
        let chosen = sel.mixture(level).map_err(select_status)?;
        let i = level - 1;
        s.selected = mixture_c(
            chosen.weights(),
            chosen.components(),
            n as u64,
            s.log_likelihood[i],
        );
        s.selected.aic = s.aic[i];
        s.selected.bic = s.bic[i];
        write(out, s)
    })())
}

fn pair_value(v: SimstatPairValue) -> PairValue {
    match v {
        SimstatPairValue::Cosine => PairValue::Cosine,
        SimstatPairValue::Angle => PairValue::Angle,
        SimstatPairValue::AngularDistance => PairValue::AngularDistance,
    }
}

/// Reads a C enum passed as an integer, rejecting values C may have cast in.
fn pair_value_from(v: u32) -> Result<SimstatPairValue, SimstatStatus> {
    match v {
        0 => Ok(SimstatPairValue::Cosine),
        1 => Ok(SimstatPairValue::Angle),
        2 => Ok(SimstatPairValue::AngularDistance),
        _ => Err(SimstatStatus::BadParameter),
    }
}

/// Scratch floats `simstat_pairwise` needs for `n` rows of dimension `f`, into `out`.
#[no_mangle]
pub extern "C" fn simstat_pairwise_scratch_len(
    n: usize,
    f: usize,
    out: *mut usize,
) -> SimstatStatus {
    status(
        geometry::pairwise_scratch_len(n, f)
            .map_err(geometry_status)
            .and_then(|len| write(out, len)),
    )
}

/// Pairwise values of `n` row vectors (`x`, row-major n×f floats) into `out`: with `packed`
/// non-zero the strict upper triangle (n(n−1)/2 floats, scipy `pdist` order), else the full
/// n×n matrix. `value` is a `SimstatPairValue` (0 cosine, 1 angle, 2 angular distance).
/// `scratch` holds `scratch_len ≥ simstat_pairwise_scratch_len(n, f)` floats.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub extern "C" fn simstat_pairwise(
    x: *const f32,
    n: usize,
    f: usize,
    value: u32,
    packed: u32,
    out: *mut f32,
    out_len: usize,
    scratch: *mut f32,
    scratch_len: usize,
) -> SimstatStatus {
    status((|| {
        let value = pair_value(pair_value_from(value)?);
        let len = n.checked_mul(f).ok_or(SimstatStatus::Overflow)?;
        if overlaps(x, len, out.cast_const(), out_len)
            || overlaps(x, len, scratch.cast_const(), scratch_len)
            || overlaps(out.cast_const(), out_len, scratch.cast_const(), scratch_len)
        {
            return Err(SimstatStatus::BadLength);
        }
        let x = slice(x, len)?;
        let out = slice_mut(out, out_len)?;
        let scratch = slice_mut(scratch, scratch_len)?;
        let layout = if packed != 0 {
            Layout::UpperPacked
        } else {
            Layout::Full
        };
        geometry::pairwise_with(
            geometry::best_backend(),
            x,
            n,
            f,
            value,
            layout,
            out,
            scratch,
        )
        .map_err(geometry_status)
    })())
}

/// Scratch floats `simstat_cross` needs for `m` queries against `n` rows of dimension `f`.
#[no_mangle]
pub extern "C" fn simstat_cross_scratch_len(
    m: usize,
    n: usize,
    f: usize,
    out: *mut usize,
) -> SimstatStatus {
    status(
        geometry::cross_scratch_len(m, n, f)
            .map_err(geometry_status)
            .and_then(|len| write(out, len)),
    )
}

/// Values of `m` queries (`q`, m×f) against `n` corpus rows (`x`, n×f) into `out` (m×n,
/// row-major); `value` as in `simstat_pairwise`.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub extern "C" fn simstat_cross(
    q: *const f32,
    m: usize,
    x: *const f32,
    n: usize,
    f: usize,
    value: u32,
    out: *mut f32,
    out_len: usize,
    scratch: *mut f32,
    scratch_len: usize,
) -> SimstatStatus {
    status((|| {
        let value = pair_value(pair_value_from(value)?);
        let qlen = m.checked_mul(f).ok_or(SimstatStatus::Overflow)?;
        let xlen = n.checked_mul(f).ok_or(SimstatStatus::Overflow)?;
        let (o, s) = (out.cast_const(), scratch.cast_const());
        if overlaps(q, qlen, o, out_len)
            || overlaps(q, qlen, s, scratch_len)
            || overlaps(x, xlen, o, out_len)
            || overlaps(x, xlen, s, scratch_len)
            || overlaps(o, out_len, s, scratch_len)
        {
            return Err(SimstatStatus::BadLength);
        }
        let q = slice(q, qlen)?;
        let x = slice(x, xlen)?;
        let out = slice_mut(out, out_len)?;
        let scratch = slice_mut(scratch, scratch_len)?;
        geometry::cross(q, m, x, n, f, value, out, scratch).map_err(geometry_status)
    })())
}

/// Fills `opts` with the dispersion loss defaults (τ = 1, t = 0.25, ε = 0.01, log-mean).
#[no_mangle]
pub extern "C" fn simstat_dispersion_options_default(
    opts: *mut SimstatDispersionOptions,
) -> SimstatStatus {
    let d = DispersionOptions::default();
    status(write(
        opts,
        SimstatDispersionOptions {
            tau: d.tau,
            clamp: d.clamp,
            eps: d.eps,
            normalize: u32::from(d.normalize),
            log_sum: u32::from(d.reduction == Reduction::LogSum),
            straight_through: u32::from(d.straight_through),
        },
    ))
}

fn dispersion_options(
    p: *const SimstatDispersionOptions,
) -> Result<DispersionOptions, SimstatStatus> {
    if p.is_null() {
        return Ok(DispersionOptions::default());
    }
    let c = read(p)?;
    Ok(DispersionOptions {
        tau: c.tau,
        clamp: c.clamp,
        eps: c.eps,
        normalize: c.normalize != 0,
        reduction: if c.log_sum != 0 {
            Reduction::LogSum
        } else {
            Reduction::LogMean
        },
        straight_through: c.straight_through != 0,
        variant: DispersionVariant::Angular,
    })
}

/// Scratch floats the dispersion loss needs for `n` rows of dimension `f` (`grad` non-zero: with
/// the gradient).
#[no_mangle]
pub extern "C" fn simstat_dispersion_scratch_len(
    n: usize,
    f: usize,
    grad: u32,
    out: *mut usize,
) -> SimstatStatus {
    status(
        geometry::dispersion_scratch_len(n, f, grad != 0)
            .map_err(geometry_status)
            .and_then(|len| write(out, len)),
    )
}

/// Angular dispersion loss of `n` rows (`x`, n×f floats), fused over tiles (no n×n matrix);
/// `opts` may be null for the defaults; `grad` may be null (loss only) or point to n×f floats
/// that receive the gradient w.r.t. the un-normalised rows. The loss goes to `loss`.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub extern "C" fn simstat_dispersion_loss(
    x: *const f32,
    n: usize,
    f: usize,
    opts: *const SimstatDispersionOptions,
    grad: *mut f32,
    scratch: *mut f32,
    scratch_len: usize,
    loss: *mut f64,
) -> SimstatStatus {
    status((|| {
        let o = dispersion_options(opts)?;
        let len = n.checked_mul(f).ok_or(SimstatStatus::Overflow)?;
        let s = scratch.cast_const();
        if overlaps(x, len, s, scratch_len)
            || (!grad.is_null()
                && (overlaps(x, len, grad.cast_const(), len)
                    || overlaps(grad.cast_const(), len, s, scratch_len)))
        {
            return Err(SimstatStatus::BadLength);
        }
        let x = slice(x, len)?;
        let scratch = slice_mut(scratch, scratch_len)?;
        let l = if grad.is_null() {
            geometry::dispersion_loss(x, n, f, &o, scratch)
        } else {
            let g = slice_mut(grad, len)?;
            geometry::dispersion_loss_grad(x, n, f, &o, g, scratch)
        }
        .map_err(geometry_status)?;
        write(loss, l)
    })())
}
