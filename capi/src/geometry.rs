//! Embedding geometry for C: pairwise and cross matrices of cosines or angles (SIMD, blocked)
//! and the fused angular dispersion loss with its gradient, in caller buffers.

use simstat::geometry::{self, DispersionOptions, DispersionVariant, Layout, PairValue, Reduction};

use crate::ptr::{overlaps, read_opt, slice, slice_mut, write};
use crate::status::{status, SimstatStatus};

/// What a pairwise matrix holds (the `value` argument of `simstat_pairwise` and
/// `simstat_cross`).
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

/// A value code from C (another value: `SIMSTAT_STATUS_BAD_PARAMETER`).
impl TryFrom<u32> for SimstatPairValue {
    type Error = SimstatStatus;
    fn try_from(v: u32) -> Result<Self, SimstatStatus> {
        enum_from_u32!(
            v,
            SimstatPairValue {
                Cosine,
                Angle,
                AngularDistance
            }
        )
    }
}

/// The Rust value of a C code.
impl From<SimstatPairValue> for PairValue {
    fn from(v: SimstatPairValue) -> Self {
        match v {
            SimstatPairValue::Cosine => Self::Cosine,
            SimstatPairValue::Angle => Self::Angle,
            SimstatPairValue::AngularDistance => Self::AngularDistance,
        }
    }
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

/// The C fields of the Rust options (the angular variant is the one C has).
impl From<&DispersionOptions> for SimstatDispersionOptions {
    fn from(d: &DispersionOptions) -> Self {
        Self {
            tau: d.tau,
            clamp: d.clamp,
            eps: d.eps,
            normalize: u32::from(d.normalize),
            log_sum: u32::from(d.reduction == Reduction::LogSum),
            straight_through: u32::from(d.straight_through),
        }
    }
}

/// The Rust options of the C fields (the angular variant).
impl From<&SimstatDispersionOptions> for DispersionOptions {
    fn from(c: &SimstatDispersionOptions) -> Self {
        Self {
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
        }
    }
}

/// Scratch floats `simstat_pairwise` needs for `n` rows of dimension `f`, into `out`.
#[no_mangle]
pub extern "C" fn simstat_pairwise_scratch_len(
    n: usize,
    f: usize,
    out: *mut usize,
) -> SimstatStatus {
    status((|| write(out, geometry::pairwise_scratch_len(n, f)?))())
}

/// Pairwise values of `n` row vectors (`x`, row-major n×f floats) into `out`: with `packed`
/// non-zero the strict upper triangle (n(n−1)/2 floats, scipy `pdist` order), else the full
/// n×n matrix. `value` is a `SimstatPairValue` code (another value is
/// `SIMSTAT_STATUS_BAD_PARAMETER`). `scratch` holds
/// `scratch_len ≥ simstat_pairwise_scratch_len(n, f)` floats.
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
        let value = SimstatPairValue::try_from(value)?.into();
        let len = n.checked_mul(f).ok_or(SimstatStatus::Overflow)?;
        let (o, s) = (out.cast_const(), scratch.cast_const());
        if overlaps(x, len, o, out_len)
            || overlaps(x, len, s, scratch_len)
            || overlaps(o, out_len, s, scratch_len)
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
        let backend = geometry::best_backend();
        Ok(geometry::pairwise_with(
            backend, x, n, f, value, layout, out, scratch,
        )?)
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
    status((|| write(out, geometry::cross_scratch_len(m, n, f)?))())
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
        let value = SimstatPairValue::try_from(value)?.into();
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
        Ok(geometry::cross(q, m, x, n, f, value, out, scratch)?)
    })())
}

/// Fills `opts` with the dispersion loss defaults (τ = 1, t = 0.25, ε = 0.01, log-mean).
#[no_mangle]
pub extern "C" fn simstat_dispersion_options_default(
    opts: *mut SimstatDispersionOptions,
) -> SimstatStatus {
    status(write(opts, (&DispersionOptions::default()).into()))
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
    status((|| {
        write(out, geometry::dispersion_scratch_len(n, f, grad != 0)?)
    })())
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
        let o = read_opt(opts).map_or_else(DispersionOptions::default, DispersionOptions::from);
        let len = n.checked_mul(f).ok_or(SimstatStatus::Overflow)?;
        let (g, s) = (grad.cast_const(), scratch.cast_const());
        if overlaps(x, len, s, scratch_len)
            || (!g.is_null() && (overlaps(x, len, g, len) || overlaps(g, len, s, scratch_len)))
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
        }?;
        write(loss, l)
    })())
}
