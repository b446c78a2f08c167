//! The angular dispersion loss of arXiv 2602.00217 (and its three ablation variants) with its
//! gradient w.r.t. the un-normalised inputs: fused over 6×16 Gram tiles, no N×N matrix stored.
//!
//! Definitions (as the reference code `lm_dispersion/dispersion.py` computes them):
//! ẑᵢ = zᵢ/(‖zᵢ‖+ε), cᵢⱼ = ẑᵢ·ẑⱼ, ĉ = clamp(c, −1+t, 1−t), Dᵢⱼ = arccos(ĉᵢⱼ)/π and
//! L = log( K · Σ_{i≠j} exp(−Dᵢⱼ/τ) ) with K = 1/(N(N−1)) for [`Reduction::LogMean`] (the code,
//! default) or K = 1 for [`Reduction::LogSum`] (the paper); the two differ by the constant
//! log(N(N−1)). Gradient: ∂L/∂cᵢⱼ = wᵢⱼ/(τπ·sqrt(1−ĉᵢⱼ²)) per ordered pair (w = softmax of −D/τ
//! over i≠j), the clamp straight-through (identity in the backward pass, derivative evaluated at ĉ)
//! unless disabled, then U = (G+Gᵀ)Ẑ and ∂L/∂zᵢ = uᵢ/(nᵢ+ε) − zᵢ(zᵢ·uᵢ)/(nᵢ(nᵢ+ε)²).
//! The softmax is a streaming log-sum-exp: each tile's max shifts the running sum, so no term
//! overflows and underflow only drops terms below 1e-38 of the largest.
//!
//! Layout: this file holds the options, the input checks and the public entry points; `exact.rs`
//! the per-pair path (f64 inputs, every variant; f32 inputs for the ablation variants),
//! `fused.rs` the f32 angular path over Gram tiles (forward passes), and `backward.rs` its
//! gradient (U accumulated by rank updates, then the chain rule through the normalisation).
//! Every kernel runs on the caller's backend, through the safe kernel dispatcher.

mod backward;
mod exact;
mod fused;

use super::kernels::Kernels;
use super::{Backend, GeometryError, Result};
use crate::Real;

/// How the pair sum is reduced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reduction {
    /// log of the MEAN over the N(N−1) ordered pairs (the reference code; default).
    LogMean,
    /// log of the SUM over ordered pairs (the paper's formula) = LogMean + log(N(N−1)).
    LogSum,
}

/// The loss family (the paper's L_disp and its ablation variants).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DispersionVariant {
    /// Angular dispersion: log-mean(-sum)-exp of −D/τ over i≠j (fused SIMD tiles for f32).
    Angular,
    /// mean over i≠j of max(0, 0.5 − Dᵢⱼ)² (same normalisation and clamp).
    Orthogonalization,
    /// log-mean-exp over all N² pairs (diagonal included) of −‖zᵢ−zⱼ‖²/τ on the raw vectors, plus
    /// 0.1·mean(z²) (`reduction` selects mean or sum inside the log).
    L2Repel,
    /// mean over i≠j of the squared Pearson correlation of rows i and j (each row standardised over
    /// its features); rows with zero variance → `Err(ZeroNorm)`.
    Decorrelation,
}

/// Options of [`dispersion_loss`]; `Default` is the reference code's setting.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DispersionOptions {
    /// Temperature τ > 0 (default 1.0; the paper's pre-training used 0.5).
    pub tau: f64,
    /// Clamp margin t ∈ [0, 1): cosines are clamped to [−1+t, 1−t] (default 0.25; t = 0 still
    /// clamps to [−1, 1]).
    pub clamp: f64,
    /// ε ≥ 0 added to the norm when normalising (default 1e-2). With ε = 0 a zero row is an error.
    pub eps: f64,
    /// Normalise rows (default true); false uses the rows as given (for already unit rows).
    pub normalize: bool,
    /// Log-mean (default, the code) or log-sum (the paper).
    pub reduction: Reduction,
    /// Straight-through clamp gradient (default true); false zeroes the gradient of clamped pairs.
    pub straight_through: bool,
    /// Which loss (default [`DispersionVariant::Angular`]).
    pub variant: DispersionVariant,
}

impl Default for DispersionOptions {
    fn default() -> Self {
        Self {
            tau: 1.0,
            clamp: 0.25,
            eps: 1e-2,
            normalize: true,
            reduction: Reduction::LogMean,
            straight_through: true,
            variant: DispersionVariant::Angular,
        }
    }
}

impl DispersionOptions {
    fn check(&self) -> Result<()> {
        let ok = self.tau > 0.0
            && self.tau.is_finite()
            && (0.0..1.0).contains(&self.clamp)
            && self.eps >= 0.0
            && self.eps.is_finite();
        if ok {
            Ok(())
        } else {
            Err(GeometryError::InvalidParameter)
        }
    }
}

/// The checks of the exact path: options, shape, then finiteness.
fn check_input<T: Real>(x: &[T], n: usize, f: usize, o: &DispersionOptions) -> Result<()> {
    check_shape(x, n, f, o)?;
    if any_nonfinite(x) {
        return Err(GeometryError::NonFiniteValue);
    }
    Ok(())
}

/// [`check_input`] without the finiteness scan.
fn check_shape<T>(x: &[T], n: usize, f: usize, o: &DispersionOptions) -> Result<()> {
    o.check()?;
    super::error::check_matrix(x.len(), n, f)?;
    if n < 2 {
        return Err(GeometryError::Empty);
    }
    Ok(())
}

/// True if some entry is NaN or ±∞ (chunked so the inner fold vectorises).
fn any_nonfinite<T: Real>(v: &[T]) -> bool {
    v.chunks(256)
        .any(|c| c.iter().fold(false, |a, x| a | !x.is_finite()))
}

/// The fused path on inputs checked by [`check_shape`] only: its packing rejects any row with a
/// NaN/∞ (the f64 sum of squares is then not finite), so the scan of `x` runs only when it
/// fails, to report what [`check_input`] first would have (`NonFiniteValue` before any other error).
fn fused_checked(
    k: Kernels,
    x: &[f32],
    n: usize,
    f: usize,
    o: &DispersionOptions,
    grad: Option<&mut [f32]>,
    scratch: &mut [f32],
) -> Result<f64> {
    fused::fused(k, x, n, f, o, grad, scratch).map_err(|e| {
        if any_nonfinite(x) {
            GeometryError::NonFiniteValue
        } else {
            e
        }
    })
}

/// log(N(N − 1)), the log of the number of ordered pairs.
#[allow(clippy::cast_precision_loss)]
fn log_pairs(n: usize) -> f64 {
    libm::log(n as f64) + libm::log((n - 1) as f64)
}

/// Dispersion loss of `n` rows of dimension `f` in f64 (exact path: per-pair f64 dot products,
/// f64 arccos/exp, streaming log-sum-exp). All variants.
///
/// ```
/// use simstat::geometry::{dispersion_loss_f64, DispersionOptions, Reduction};
/// // Two orthogonal unit rows: D = 1/2 both ways; log-mean-exp = −0.5/τ.
/// let x = [1.0, 0.0, 0.0, 1.0];
/// let o = DispersionOptions { eps: 0.0, clamp: 0.0, ..Default::default() };
/// let l = dispersion_loss_f64(&x, 2, 2, &o).unwrap();
/// assert!((l + 0.5).abs() < 1e-15);
/// ```
///
/// # Errors
/// `InvalidParameter` (τ ≤ 0, t ∉ [0,1), ε < 0, NaN), `Empty` (n < 2 or f = 0),
/// `LengthMismatch`, `Overflow`, `NonFiniteValue` (any NaN/∞ input), `ZeroNorm` (zero row with ε = 0,
/// constant row for decorrelation).
pub fn dispersion_loss_f64(x: &[f64], n: usize, f: usize, opts: &DispersionOptions) -> Result<f64> {
    check_input(x, n, f, opts)?;
    exact::loss(Kernels::best(), x, n, f, opts, None)
}

/// Loss and gradient w.r.t. the un-normalised rows (into `grad_out`, n×f), f64 exact path.
///
/// # Errors
/// As [`dispersion_loss_f64`], plus `LengthMismatch` if `grad_out.len() != n*f`.
pub fn dispersion_loss_grad_f64(
    x: &[f64],
    n: usize,
    f: usize,
    opts: &DispersionOptions,
    grad_out: &mut [f64],
) -> Result<f64> {
    check_input(x, n, f, opts)?;
    exact::loss(Kernels::best(), x, n, f, opts, Some(grad_out))
}

/// f32 scratch floats for [`dispersion_loss`] (`grad = false`) or [`dispersion_loss_grad`]
/// (`grad = true`): the rows packed 16 wide and the accumulator tiles of one 48-row block, plus
/// (gradient) the normalised rows and the U accumulator in 16-feature panels.
///
/// # Errors
/// `Overflow` if the size does not fit `usize`.
pub fn dispersion_scratch_len(n: usize, f: usize, grad: bool) -> Result<usize> {
    let (_, p) = fused::dims(n, f)?;
    let base = p[0].checked_add(p[1]);
    let total = if grad {
        base.and_then(|s| s.checked_add(p[2]))
            .and_then(|s| s.checked_add(p[3]))
    } else {
        base
    };
    total.ok_or(GeometryError::Overflow)
}

/// Dispersion loss of `n` f32 rows of dimension `f` on `backend`. The angular variant runs the
/// fused tile kernel (f32 Gram, f32 arccos/exp epilogue, f64 sums); the ablation variants run the
/// exact per-pair path (`scratch` unused for them).
///
/// # Errors
/// As [`dispersion_loss_f64`], plus `Unsupported` and `BufferTooSmall` (scratch shorter than
/// [`dispersion_scratch_len`]).
pub fn dispersion_loss_with(
    backend: Backend,
    x: &[f32],
    n: usize,
    f: usize,
    opts: &DispersionOptions,
    scratch: &mut [f32],
) -> Result<f64> {
    let k = Kernels::new(backend)?;
    if opts.variant == DispersionVariant::Angular {
        check_shape(x, n, f, opts)?;
        fused_checked(k, x, n, f, opts, None, scratch)
    } else {
        check_input(x, n, f, opts)?;
        exact::loss(k, x, n, f, opts, None)
    }
    .and_then(|l| {
        if l.is_finite() {
            Ok(l)
        } else {
            Err(GeometryError::NonFiniteValue)
        }
    })
}

/// [`dispersion_loss_with`] on [`best_backend`](super::best_backend).
///
/// ```
/// use simstat::geometry::{dispersion_loss, dispersion_scratch_len, DispersionOptions};
/// let x: Vec<f32> = (0..8 * 32).map(|i| ((i * 7919) % 97) as f32 / 97.0 - 0.5).collect();
/// let mut scratch = vec![0.0_f32; dispersion_scratch_len(8, 32, false).unwrap()];
/// let l = dispersion_loss(&x, 8, 32, &DispersionOptions::default(), &mut scratch).unwrap();
/// assert!(l < 0.0 && l > -1.0); // log-mean of exp(−D/τ) with D ∈ [0, 1], τ = 1
/// ```
///
/// # Errors
/// See [`dispersion_loss_with`].
pub fn dispersion_loss(
    x: &[f32],
    n: usize,
    f: usize,
    opts: &DispersionOptions,
    scratch: &mut [f32],
) -> Result<f64> {
    dispersion_loss_with(super::best_backend(), x, n, f, opts, scratch)
}

/// Loss and gradient w.r.t. the un-normalised f32 rows (into `grad_out`, n×f) on `backend`:
/// two fused passes (log-sum-exp total, then G tiles and U = (G+Gᵀ)Ẑ by rank updates).
///
/// # Errors
/// As [`dispersion_loss_with`], plus `LengthMismatch` if `grad_out.len() != n*f`, and
/// `NonFiniteValue` if a gradient entry overflows f32 (rows of norm near f32's underflow with ε ≈ 0;
/// `grad_out` then holds partial results).
#[allow(clippy::too_many_arguments)]
pub fn dispersion_loss_grad_with(
    backend: Backend,
    x: &[f32],
    n: usize,
    f: usize,
    opts: &DispersionOptions,
    grad_out: &mut [f32],
    scratch: &mut [f32],
) -> Result<f64> {
    let k = Kernels::new(backend)?;
    let loss = if opts.variant == DispersionVariant::Angular {
        // (`fused` checks the gradient's length: the error order stays NonFiniteValue first.)
        check_shape(x, n, f, opts)?;
        fused_checked(k, x, n, f, opts, Some(&mut *grad_out), scratch)?
    } else {
        check_input(x, n, f, opts)?;
        if grad_out.len() != x.len() {
            return Err(GeometryError::LengthMismatch);
        }
        exact::loss(k, x, n, f, opts, Some(&mut *grad_out))?
    };
    // Rows with a norm near f32's underflow and ε ≈ 0 have a true gradient beyond f32's range
    // (it scales like 1/‖z‖): report that instead of handing back ±inf or NaN.
    if !loss.is_finite() || any_nonfinite(grad_out) {
        return Err(GeometryError::NonFiniteValue);
    }
    Ok(loss)
}

/// [`dispersion_loss_grad_with`] on [`best_backend`](super::best_backend).
///
/// # Errors
/// See [`dispersion_loss_grad_with`].
pub fn dispersion_loss_grad(
    x: &[f32],
    n: usize,
    f: usize,
    opts: &DispersionOptions,
    grad_out: &mut [f32],
    scratch: &mut [f32],
) -> Result<f64> {
    dispersion_loss_grad_with(super::best_backend(), x, n, f, opts, grad_out, scratch)
}
