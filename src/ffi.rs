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
//! Scalar special functions return their value directly; NaN encodes a domain error exactly as
//! the Rust functions do.
#![allow(unsafe_code)] // raw-pointer arguments of a C ABI; every block carries a SAFETY comment.

use crate::calibrate::{CalibrateError, Calibrator};
use crate::dist::{ParamError, TruncatedShiftedGamma};
use crate::fit::{fit_gamma, FitError, FitOptions, Regime};
use crate::geometry::{
    self, DispersionOptions, DispersionVariant, GeometryError, Layout, PairValue, Reduction,
};
use crate::special;

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
}

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
#[derive(Clone, Copy, Debug, PartialEq)]
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
#[derive(Clone, Copy, Debug, PartialEq)]
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

/// Result of `simstat_fdr_cutoff`.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq)]
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
        GeometryError::ZeroNorm => SimstatStatus::ZeroNorm,
        GeometryError::NonFinite => SimstatStatus::NonFinite,
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

fn calibrate_status(e: CalibrateError) -> SimstatStatus {
    match e {
        CalibrateError::Empty | CalibrateError::ScratchTooSmall { .. } => SimstatStatus::BadLength,
        CalibrateError::BadLevel | CalibrateError::NotAProbability => SimstatStatus::BadProbability,
        CalibrateError::NonFinite => SimstatStatus::NonFinite,
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

/// Fills `opts` with the default fit options (interval [−1, 1]).
#[no_mangle]
pub extern "C" fn simstat_fit_options_default(opts: *mut SimstatFitOptions) -> SimstatStatus {
    let d = FitOptions::default();
    status(write(
        opts,
        SimstatFitOptions {
            lo: d.lo,
            hi: d.hi,
            max_passes: u32::try_from(d.max_passes).unwrap_or(u32::MAX),
            shape_cap: d.shape_cap,
            warm_start: u32::from(d.warm_start),
        },
    ))
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
        let mut o = FitOptions::default();
        if !opts.is_null() {
            let c = read(opts)?;
            o.lo = c.lo;
            o.hi = c.hi;
            o.max_passes = c.max_passes as usize;
            o.shape_cap = c.shape_cap;
            o.warm_start = c.warm_start != 0;
        }
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
                passes: u32::try_from(f.passes()).unwrap_or(u32::MAX),
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
    status((|| {
        let cal = Calibrator::from_distribution(dist(background)?);
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
