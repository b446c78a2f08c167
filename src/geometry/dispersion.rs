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

use super::pairwise::TILE;
use super::pairwise::{
    dot_f32_acc64_on, gram_acc_len, gram_tiles, pack, packed_len, round_up, AOperand, RowsOf,
    Scale, MB, MR, NR,
};
use super::{scalar, Backend, Element, GeometryError, Result};
use crate::Real;
use core::f64::consts::PI;

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

fn check_input<T: Real>(x: &[T], n: usize, f: usize, o: &DispersionOptions) -> Result<()> {
    check_shape(x, n, f, o)?;
    if any_nonfinite(x) {
        return Err(GeometryError::NonFinite);
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
/// fails, to report what [`check_input`] first would have (`NonFinite` before any other error).
fn fused_checked(
    be: Backend,
    x: &[f32],
    n: usize,
    f: usize,
    o: &DispersionOptions,
    grad: Option<&mut [f32]>,
    scratch: &mut [f32],
) -> Result<f64> {
    fused(be, x, n, f, o, grad, scratch).map_err(|e| {
        if any_nonfinite(x) {
            GeometryError::NonFinite
        } else {
            e
        }
    })
}

#[allow(clippy::cast_precision_loss)]
fn log_pairs(n: usize) -> f64 {
    libm::log(n as f64) + libm::log((n - 1) as f64)
}

// ---------------------------------------------------------------------------------------------
// Simple exact path (f64 inputs, all variants; f32 inputs for the three ablation variants).
// ---------------------------------------------------------------------------------------------

/// Widen to f64 (disambiguates from `ToPrimitive::to_f64`).
#[inline]
fn wd<T: Real>(v: T) -> f64 {
    Real::to_f64(v)
}

#[inline]
fn row<T>(x: &[T], i: usize, f: usize) -> &[T] {
    x.get(i * f..(i + 1) * f).unwrap_or(&[])
}

fn mean_of<T: Real>(r: &[T]) -> f64 {
    #[allow(clippy::cast_precision_loss)]
    let k = r.len().max(1) as f64;
    r.iter().map(|v| wd(*v)).sum::<f64>() / k
}

/// Streaming log-sum-exp state.
#[derive(Clone, Copy)]
struct Lse {
    m: f64,
    s: f64,
}
impl Lse {
    fn new() -> Self {
        Self {
            m: f64::NEG_INFINITY,
            s: 0.0,
        }
    }
    fn push(&mut self, x: f64, weight: f64) {
        if x > self.m {
            self.s = self.s * libm::exp(self.m - x) + weight;
            self.m = x;
        } else {
            self.s += weight * libm::exp(x - self.m);
        }
    }
    fn value(&self) -> f64 {
        libm::log(self.s) + self.m
    }
}

/// Per-pair quantities of the normalised variants: (ĉ, c, nᵢ, nⱼ, sᵢ, sⱼ).
struct PairGeo {
    chat: f64,
    c: f64,
    si: f64,
    sj: f64,
}

fn scale_of(nn: f64, o: &DispersionOptions) -> Result<f64> {
    if !o.normalize {
        return Ok(1.0);
    }
    let d = libm::sqrt(nn) + o.eps;
    if d <= 0.0 {
        return Err(GeometryError::ZeroNorm);
    }
    Ok(1.0 / d)
}

fn geo<T: Element + Real>(
    be: Backend,
    x: &[T],
    i: usize,
    j: usize,
    f: usize,
    o: &DispersionOptions,
) -> Result<PairGeo> {
    let d = T::dot3_on(be, row(x, i, f), row(x, j, f));
    let (si, sj) = (scale_of(d[1], o)?, scale_of(d[2], o)?);
    let c = d[0] * si * sj;
    let t = o.clamp;
    Ok(PairGeo {
        chat: c.clamp(-1.0 + t, 1.0 - t),
        c,
        si,
        sj,
    })
}

fn axpy<T: Real>(g: &mut [T], i: usize, a: f64, src: &[T], f: usize) {
    if let Some(dst) = g.get_mut(i * f..(i + 1) * f) {
        for (d, s) in dst.iter_mut().zip(src) {
            *d = T::from_f64(wd(*d) + a * wd(*s));
        }
    }
}

/// Turn U = ∂L/∂ẑ (held in `g`) into ∂L/∂z in place.
fn chain_normalise<T: Element + Real>(
    be: Backend,
    x: &[T],
    g: &mut [T],
    n: usize,
    f: usize,
    o: &DispersionOptions,
) {
    if !o.normalize {
        return;
    }
    for i in 0..n {
        let z = row(x, i, f);
        let nn = T::dot_on(be, z, z);
        let ni = libm::sqrt(nn);
        let s = 1.0 / (ni + o.eps);
        if let Some(u) = g.get_mut(i * f..(i + 1) * f) {
            let zu: f64 = z.iter().zip(u.iter()).map(|(a, b)| wd(*a) * wd(*b)).sum();
            let k = if ni > 0.0 { zu * s * s / ni } else { 0.0 };
            for (uv, zv) in u.iter_mut().zip(z) {
                *uv = T::from_f64(wd(*uv) * s - wd(*zv) * k);
            }
        }
    }
}

#[allow(clippy::too_many_lines, clippy::cast_precision_loss)]
fn simple<T: Element + Real>(
    x: &[T],
    n: usize,
    f: usize,
    o: &DispersionOptions,
    mut grad: Option<&mut [T]>,
) -> Result<f64> {
    let be = super::best_backend();
    let npairs = (n * (n - 1)) as f64; // ordered pairs, exact in f64 for n < 2^26
    if let Some(g) = grad.as_deref_mut() {
        if g.len() != x.len() {
            return Err(GeometryError::LengthMismatch);
        }
        g.iter_mut().for_each(|v| *v = T::from_f64(0.0));
    }
    let (lo, hi) = (-1.0 + o.clamp, 1.0 - o.clamp);
    let dfac = |p: &PairGeo| -> f64 {
        // dD/dc (sign dropped: −1/(π sqrt(1−ĉ²))), zero outside the clamp unless straight-through.
        if !o.straight_through && (p.c < lo || p.c > hi) {
            0.0
        } else {
            // floor 1e-12 under the root, as the f32 path floors sqrt at 1e-6: finite at |ĉ| = 1.
            1.0 / (PI * libm::sqrt((1.0 - p.chat * p.chat).max(1e-12)))
        }
    };
    match o.variant {
        DispersionVariant::Angular => {
            let mut lse = Lse::new();
            for i in 0..n {
                for j in i + 1..n {
                    let p = geo(be, x, i, j, f, o)?;
                    lse.push(-libm::acos(p.chat) / (PI * o.tau), 2.0);
                }
            }
            let mut loss = lse.value();
            if o.reduction == Reduction::LogMean {
                loss -= log_pairs(n);
            }
            if let Some(g) = grad {
                // ∂L/∂c over the unordered pair = 2·w/(τπ√) with w = e/S_ordered = e/lse.s.
                for i in 0..n {
                    for j in i + 1..n {
                        let p = geo(be, x, i, j, f, o)?;
                        let e = libm::exp(-libm::acos(p.chat) / (PI * o.tau) - lse.m) / lse.s;
                        let gc = 2.0 * e / o.tau * dfac(&p);
                        axpy(g, i, gc * p.sj, row(x, j, f), f);
                        axpy(g, j, gc * p.si, row(x, i, f), f);
                    }
                }
                chain_normalise(be, x, g, n, f, o);
            }
            Ok(loss)
        }
        DispersionVariant::Orthogonalization => {
            let mut s = 0.0;
            for i in 0..n {
                for j in i + 1..n {
                    let p = geo(be, x, i, j, f, o)?;
                    let h = (0.5 - libm::acos(p.chat) / PI).max(0.0);
                    s += 2.0 * h * h;
                }
            }
            if let Some(g) = grad {
                for i in 0..n {
                    for j in i + 1..n {
                        let p = geo(be, x, i, j, f, o)?;
                        let h = (0.5 - libm::acos(p.chat) / PI).max(0.0);
                        // L = (1/npairs) Σ_ordered h²; ∂/∂c (unordered) = 2·2h·dfac/npairs.
                        let gc = 4.0 * h * dfac(&p) / npairs;
                        axpy(g, i, gc * p.sj, row(x, j, f), f);
                        axpy(g, j, gc * p.si, row(x, i, f), f);
                    }
                }
                chain_normalise(be, x, g, n, f, o);
            }
            Ok(s / npairs)
        }
        DispersionVariant::L2Repel => {
            let nf = (n * f) as f64;
            let d2 = |i: usize, j: usize| -> f64 {
                let d = T::dot3_on(be, row(x, i, f), row(x, j, f));
                (d[1] + d[2] - 2.0 * d[0]).max(0.0)
            };
            let mut lse = Lse::new();
            lse.push(0.0, n as f64); // the N diagonal terms exp(0)
            for i in 0..n {
                for j in i + 1..n {
                    lse.push(-d2(i, j) / o.tau, 2.0);
                }
            }
            let sq: f64 = x.iter().map(|v| wd(*v) * wd(*v)).sum();
            let mut loss = lse.value() + 0.1 * sq / nf;
            if o.reduction == Reduction::LogMean {
                loss -= 2.0 * libm::log(n as f64);
            }
            if let Some(g) = grad {
                for i in 0..n {
                    for j in i + 1..n {
                        let w = libm::exp(-d2(i, j) / o.tau - lse.m) / lse.s;
                        // two ordered terms, each ∂(−d²/τ)/∂zᵢ = −2(zᵢ−zⱼ)/τ.
                        let h = -4.0 * w / o.tau;
                        let (ri, rj) = (row(x, i, f), row(x, j, f));
                        axpy(g, i, h, ri, f);
                        axpy(g, i, -h, rj, f);
                        axpy(g, j, h, rj, f);
                        axpy(g, j, -h, ri, f);
                    }
                }
                for (gv, xv) in g.iter_mut().zip(x) {
                    *gv = T::from_f64(wd(*gv) + 0.2 * wd(*xv) / nf);
                }
            }
            Ok(loss)
        }
        DispersionVariant::Decorrelation => {
            let stats = |i: usize| -> Result<(f64, f64)> {
                let r = row(x, i, f);
                let m = mean_of(r);
                let ss: f64 = r.iter().map(|v| (wd(*v) - m) * (wd(*v) - m)).sum();
                if ss <= 0.0 {
                    return Err(GeometryError::ZeroNorm);
                }
                Ok((m, libm::sqrt(ss)))
            };
            // Centred products in f64: no f32 overflow for large entries and no cancellation of
            // Σxy − f·mᵢ·mⱼ (found by the `dispersion` fuzz target: entries near 1e35 gave NaN).
            let corr = |i: usize, j: usize, a: (f64, f64), b: (f64, f64)| -> f64 {
                let c: f64 = row(x, i, f)
                    .iter()
                    .zip(row(x, j, f))
                    .map(|(u, v)| (wd(*u) - a.0) * (wd(*v) - b.0))
                    .sum();
                (c / (a.1 * b.1)).clamp(-1.0, 1.0)
            };
            let mut s = 0.0;
            for i in 0..n {
                let a = stats(i)?;
                for j in i + 1..n {
                    let b = stats(j)?;
                    let r = corr(i, j, a, b);
                    s += 2.0 * r * r;
                }
            }
            if let Some(g) = grad {
                for i in 0..n {
                    let a = stats(i)?;
                    for j in i + 1..n {
                        let b = stats(j)?;
                        let r = corr(i, j, a, b);
                        let gr = 4.0 * r / npairs;
                        // ∂r/∂zᵢ = (âⱼ − r âᵢ)/‖aᵢ‖ with â = (z − m)/‖a‖ (already centred).
                        let (ri, rj) = (row(x, i, f), row(x, j, f));
                        if let Some(gi) = g.get_mut(i * f..(i + 1) * f) {
                            for ((gv, zi), zj) in gi.iter_mut().zip(ri).zip(rj) {
                                let ai = (wd(*zi) - a.0) / a.1;
                                let aj = (wd(*zj) - b.0) / b.1;
                                *gv = T::from_f64(wd(*gv) + gr * (aj - r * ai) / a.1);
                            }
                        }
                        if let Some(gj) = g.get_mut(j * f..(j + 1) * f) {
                            for ((gv, zi), zj) in gj.iter_mut().zip(ri).zip(rj) {
                                let ai = (wd(*zi) - a.0) / a.1;
                                let aj = (wd(*zj) - b.0) / b.1;
                                *gv = T::from_f64(wd(*gv) + gr * (ai - r * aj) / b.1);
                            }
                        }
                    }
                }
            }
            Ok(s / npairs)
        }
    }
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
/// `LengthMismatch`, `Overflow`, `NonFinite` (any NaN/∞ input), `ZeroNorm` (zero row with ε = 0,
/// constant row for decorrelation).
pub fn dispersion_loss_f64(x: &[f64], n: usize, f: usize, opts: &DispersionOptions) -> Result<f64> {
    check_input(x, n, f, opts)?;
    simple(x, n, f, opts, None)
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
    simple(x, n, f, opts, Some(grad_out))
}

// ---------------------------------------------------------------------------------------------
// Fused f32 path (angular variant): blocked Gram tiles, vectorised epilogues.
// ---------------------------------------------------------------------------------------------

struct Dims {
    mp: usize,
    np: usize,
    rows: usize,
}

fn dims(n: usize, f: usize) -> Result<(Dims, [usize; 4])> {
    let o = GeometryError::Overflow;
    let mp = round_up(n, MR).ok_or(o)?;
    let np = round_up(n, NR).ok_or(o)?;
    let rows = mp.max(np).checked_add(8).ok_or(o)?;
    let b = packed_len(np, NR, f).ok_or(o)?;
    // Ẑ and U of the backward pass in 16-feature panels of `rows` rows.
    let z = rows.checked_mul(round_up(f, NR).ok_or(o)?).ok_or(o)?;
    let c = gram_acc_len(np).ok_or(o)?;
    Ok((Dims { mp, np, rows }, [b, c, z, z]))
}

/// f32 scratch floats for [`dispersion_loss`] (`grad = false`) or [`dispersion_loss_grad`]
/// (`grad = true`): the rows packed 16 wide and the accumulator tiles of one 48-row block, plus
/// (gradient) the normalised rows and the U accumulator in 16-feature panels.
///
/// # Errors
/// `Overflow` if the size does not fit `usize`.
pub fn dispersion_scratch_len(n: usize, f: usize, grad: bool) -> Result<usize> {
    let (_, p) = dims(n, f)?;
    let base = p[0].checked_add(p[1]);
    let total = if grad {
        base.and_then(|s| s.checked_add(p[2]))
            .and_then(|s| s.checked_add(p[3]))
    } else {
        base
    };
    total.ok_or(GeometryError::Overflow)
}

/// Valid-lane masks of the strict upper triangle (i < j < n) of tile (i0, j0).
fn tile_valid(i0: usize, j0: usize, n: usize) -> [u16; MR] {
    // Columns c with i < j0 + c < n: c ∈ [i + 1 − j0, n − j0) ∩ [0, NR).
    let hi = n.saturating_sub(j0).min(NR);
    let upto = |c: usize| -> u32 { (1u32 << c) - 1 };
    core::array::from_fn(|r| {
        let lo = (i0 + r + 1).saturating_sub(j0).min(NR);
        #[allow(clippy::cast_possible_truncation)]
        let m = (upto(hi) & !upto(lo)) as u16;
        m
    })
}

#[allow(clippy::cast_possible_truncation)]
fn tile_d(be: Backend, t: &mut [f32], valid: &[u16; MR], lo: f32, hi: f32) -> f32 {
    match be {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: backend checked available by the entry point; `t` is a 96-float tile.
        Backend::Avx2 | Backend::Avx512 if t.len() >= TILE => unsafe {
            super::avx2::disp_tile_d(t.as_mut_ptr(), valid, lo, hi)
        },
        _ => {
            let mut mn = 2.0f32;
            for (r, m) in valid.iter().enumerate() {
                for c in 0..NR {
                    if let Some(v) = t.get_mut(r * NR + c) {
                        *v = scalar::acos_f32(v.clamp(lo, hi)) * core::f32::consts::FRAC_1_PI;
                        if m >> c & 1 == 1 {
                            mn = mn.min(*v);
                        }
                    }
                }
            }
            mn
        }
    }
}

fn tile_sum(be: Backend, t: &[f32], valid: &[u16; MR], k: f32, shift: f32) -> f64 {
    match be {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: backend checked available by the entry point; `t` is a 96-float tile.
        Backend::Avx2 | Backend::Avx512 if t.len() >= TILE => unsafe {
            super::avx2::disp_tile_sum(t.as_ptr(), valid, k, shift)
        },
        _ => {
            let mut s = 0.0f64;
            for (r, m) in valid.iter().enumerate() {
                for c in 0..NR {
                    if m >> c & 1 == 1 {
                        if let Some(d) = t.get(r * NR + c) {
                            s += f64::from(scalar::exp_f32(d * k - shift));
                        }
                    }
                }
            }
            s
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn tile_grad(
    be: Backend,
    t: &mut [f32],
    valid: &[u16; MR],
    lo: f32,
    hi: f32,
    k: f32,
    shift: f32,
    scale: f32,
    straight: bool,
) {
    match be {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: backend checked available by the entry point; `t` is a 96-float tile.
        Backend::Avx2 | Backend::Avx512 if t.len() >= TILE => unsafe {
            super::avx2::grad_tile(t.as_mut_ptr(), valid, lo, hi, k, shift, scale, straight);
        },
        _ => {
            for (r, m) in valid.iter().enumerate() {
                for c in 0..NR {
                    if let Some(v) = t.get_mut(r * NR + c) {
                        let cv = *v;
                        let x = cv.clamp(lo, hi);
                        let d = scalar::acos_f32(x) * core::f32::consts::FRAC_1_PI;
                        let e = scalar::exp_f32(d * k - shift);
                        let den = libm::sqrtf(1.0 - x * x).max(1e-6);
                        let inside = straight || (cv >= lo && cv <= hi);
                        *v = if m >> c & 1 == 1 && inside {
                            e * scale / den
                        } else {
                            0.0
                        };
                    }
                }
            }
        }
    }
}

/// out[r][..len] += Σ_c w[r*ws + c*wc]·inp[c][..len], r < `rows` (6 or 4), c < q; rows of
/// `out` and `inp` at stride `stride`.
#[allow(clippy::too_many_arguments)]
fn rank_update(
    be: Backend,
    rows: usize,
    out: &mut [f32],
    w: &[f32],
    ws: usize,
    wc: usize,
    inp: &[f32],
    q: usize,
    stride: usize,
    len: usize,
) {
    if q == 0
        || !(rows == MR || rows == 4)
        || out.len() < (rows - 1) * stride + len
        || inp.len() < (q - 1) * stride + len
        || w.len() < (rows - 1) * ws + (q - 1) * wc + 1
    {
        return;
    }
    match be {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: backend available (entry point check); extents checked just above.
        Backend::Avx2 | Backend::Avx512 => unsafe {
            let (o, wp, ip) = (out.as_mut_ptr(), w.as_ptr(), inp.as_ptr());
            if rows == MR {
                super::avx2::rank_update_r::<6>(o, stride, wp, ws, wc, ip, stride, q, len);
            } else {
                super::avx2::rank_update_r::<4>(o, stride, wp, ws, wc, ip, stride, q, len);
            }
        },
        _ => {
            for r in 0..rows {
                for c in 0..q {
                    let wv = w.get(r * ws + c * wc).copied().unwrap_or(0.0);
                    if let (Some(o), Some(s)) = (
                        out.get_mut(r * stride..r * stride + len),
                        inp.get(c * stride..c * stride + len),
                    ) {
                        for (a, b) in o.iter_mut().zip(s) {
                            *a += wv * b;
                        }
                    }
                }
            }
        }
    }
}

/// out[r][..len] += Σ_t Σ_c W_t[r][c]·inp[16t + c][..len] for r < 6, t < nt, c < 16: a row of
/// 6×16 weight tiles (W_t = w[t·ts..], row-major) against 16·nt input rows; rows at `stride`.
#[allow(clippy::too_many_arguments)]
fn rank_update_tiles(
    be: Backend,
    out: &mut [f32],
    w: &[f32],
    ts: usize,
    nt: usize,
    inp: &[f32],
    stride: usize,
    len: usize,
) {
    if nt == 0
        || out.len() < (MR - 1) * stride + len
        || inp.len() < (NR * nt - 1) * stride + len
        || w.len() < (nt - 1) * ts + TILE
    {
        return;
    }
    match be {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: backend available (entry point check); extents checked just above.
        Backend::Avx2 | Backend::Avx512 => unsafe {
            super::avx2::rank_update_tiles_6(
                out.as_mut_ptr(),
                stride,
                w.as_ptr(),
                ts,
                nt,
                inp.as_ptr(),
                stride,
                len,
            );
        },
        _ => {
            for t in 0..nt {
                if let Some(wt) = w.get(t * ts..) {
                    let inp_t = inp.get(t * NR * stride..).unwrap_or(&[]);
                    rank_update(be, MR, out, wt, NR, 1, inp_t, NR, stride, len);
                }
            }
        }
    }
}

/// Feature-panel copy of the normalised rows for the backward pass: `z[(fp·rs + j)·16 + c]` =
/// ẑⱼ[16fp + c] (0 for features ≥ f and rows ≥ 16·nbp), read from the 16-wide packing `bpack`
/// (panel stride `sb`). Each 16-feature panel of all rows is contiguous: the rank updates stream it.
fn build_zpanels(
    be: Backend,
    bpack: &[f32],
    sb: usize,
    nbp: usize,
    f: usize,
    z: &mut [f32],
    rs: usize,
) {
    let nfp = f.div_ceil(NR);
    if z.len() < nfp * rs * NR || bpack.len() < nbp * sb || rs < nbp * NR || sb < NR * f {
        return;
    }
    let full = match be {
        #[cfg(target_arch = "x86_64")]
        Backend::Avx2 | Backend::Avx512 => {
            // SAFETY: backend available (entry point check); extents checked just above.
            unsafe { super::avx2::zpanels(bpack.as_ptr(), sb, nbp, f, z.as_mut_ptr(), rs) };
            f / NR
        }
        _ => 0,
    };
    for fp in 0..nfp {
        for j in 0..rs {
            let Some(d) = z.get_mut((fp * rs + j) * NR..(fp * rs + j + 1) * NR) else {
                continue;
            };
            if j >= nbp * NR {
                d.fill(0.0);
            } else if fp >= full {
                for (c, v) in d.iter_mut().enumerate() {
                    let kk = fp * NR + c;
                    *v = if kk < f {
                        bpack
                            .get((j / NR) * sb + kk * NR + j % NR)
                            .copied()
                            .unwrap_or(0.0)
                    } else {
                        0.0
                    };
                }
            }
        }
    }
}

/// ∂L/∂z from U = ∂L/∂ẑ in place (f32, rows of `g`): gᵢ = uᵢ·sᵢ − zᵢ·(zᵢ·uᵢ)·sᵢ²/nᵢ with
/// sᵢ = 1/(nᵢ+ε), norms and dot products accumulated in f64.
fn chain_normalise_f32(be: Backend, x: &[f32], g: &mut [f32], f: usize, eps: f64) {
    for (z, u) in x.chunks_exact(f).zip(g.chunks_exact_mut(f)) {
        let (nn, zu) = (dot_f32_acc64_on(be, z, z), dot_f32_acc64_on(be, z, u));
        let ni = libm::sqrt(nn);
        let s = 1.0 / (ni + eps);
        let kk = if ni > 0.0 { zu * s * s / ni } else { 0.0 };
        #[allow(clippy::cast_possible_truncation)]
        let (s, kk) = (s as f32, kk as f32);
        for (uv, zv) in u.iter_mut().zip(z) {
            *uv = *uv * s - *zv * kk;
        }
    }
}

/// Smallest k = −1/τ for the unshifted one-pass form: every term exp(k·D), D ∈ [0, 1], is then
/// ≥ e^−80 ≈ 1.8e-35, a normal f32, and the f64 sum cannot overflow (terms ≤ 1).
const FIXED_MIN_K: f32 = -80.0;

fn tile_esum(be: Backend, t: &mut [f32], valid: &[u16; MR], lo: f32, hi: f32, k: f32) -> f64 {
    match be {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: backend checked available by the entry point; `t` is a 96-float tile.
        Backend::Avx2 | Backend::Avx512 if t.len() >= TILE => unsafe {
            super::avx2::disp_tile_esum(t.as_ptr(), valid, lo, hi, k)
        },
        _ => tile_esum_scalar(t, valid, lo, hi, k, None),
    }
}

/// Scalar [`tile_esum`]; with `grad = Some(straight)` also turns `t` into the unscaled G.
fn tile_esum_scalar(
    t: &mut [f32],
    valid: &[u16; MR],
    lo: f32,
    hi: f32,
    k: f32,
    grad: Option<bool>,
) -> f64 {
    let mut s = 0.0f64;
    let kp = k * core::f32::consts::FRAC_1_PI;
    for (r, m) in valid.iter().enumerate() {
        for c in 0..NR {
            if let Some(v) = t.get_mut(r * NR + c) {
                let cv = *v;
                let x = cv.clamp(lo, hi);
                let e = scalar::exp_f32(scalar::acos_f32(x) * kp);
                let on = m >> c & 1 == 1;
                if on {
                    s += f64::from(e);
                }
                if let Some(straight) = grad {
                    let den = libm::sqrtf(1.0 - x * x).max(1e-6);
                    let inside = straight || (cv >= lo && cv <= hi);
                    *v = if on && inside { e / den } else { 0.0 };
                }
            }
        }
    }
    s
}

fn tile_grad_esum(
    be: Backend,
    t: &mut [f32],
    valid: &[u16; MR],
    lo: f32,
    hi: f32,
    k: f32,
    straight: bool,
) -> f64 {
    match be {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: backend checked available by the entry point; `t` is a 96-float tile.
        Backend::Avx2 | Backend::Avx512 if t.len() >= TILE => unsafe {
            super::avx2::grad_tile_esum(t.as_mut_ptr(), valid, lo, hi, k, straight)
        },
        _ => tile_esum_scalar(t, valid, lo, hi, k, Some(straight)),
    }
}

/// Ẑ and U of the backward pass in 16-feature panels (`plen` floats each, `nfp` of them).
struct Panels<'s> {
    zp: &'s [f32],
    up: &'s mut [f32],
    nfp: usize,
    plen: usize,
    n_jp: usize,
}

/// Apply a finished row block's G tiles (rows ib..ie, column panels jp0.., tile (ip, jp) at
/// `acc[((jp − jp0)·MB + ip − ib)·TILE..]`) to U by rank updates per 16-feature panel:
/// U_I += G_I· Ẑ (per 6-row tile, K = all its columns in one register pass; FP_CH feature panels
/// per row tile keep its G row in L1) and U_J += G_IJᵀ Ẑ_I (per column panel, K ≤ 48 block rows;
/// column j of the block's tiles is at stride NR: a panel's 6-row tiles are consecutive).
fn backward_block(be: Backend, p: &mut Panels<'_>, ib: usize, ie: usize, jp0: usize, acc: &[f32]) {
    const FP_CH: usize = 4;
    let (nfp, plen, n_jp) = (p.nfp, p.plen, p.n_jp);
    let ip_end = |j0: usize| ie.min((j0 + NR - 1) / MR + 1);
    let tile = |ip: usize, jp: usize| ((jp - jp0) * MB + (ip - ib)) * TILE;
    let mut fp0 = 0;
    while fp0 < nfp {
        let fpe = (fp0 + FP_CH).min(nfp);
        for ip in ib..ie {
            // First column panel with a computed tile in this row: ip·MR ≤ j0 + NR − 1.
            let jps = jp0.max((ip * MR).saturating_sub(NR - 1).div_ceil(NR));
            if jps >= n_jp {
                continue;
            }
            let t0 = tile(ip, jps);
            for fp in fp0..fpe {
                if let (Some(out), Some(w), Some(inp)) = (
                    p.up.get_mut(fp * plen + ip * MR * NR..),
                    acc.get(t0..),
                    p.zp.get(fp * plen + jps * NR * NR..),
                ) {
                    rank_update_tiles(be, out, w, MB * TILE, n_jp - jps, inp, NR, NR);
                }
            }
        }
        fp0 = fpe;
    }
    for fp in 0..nfp {
        for jp in jp0..n_jp {
            let j0 = jp * NR;
            let end = ip_end(j0);
            if end <= ib {
                continue;
            }
            let q = (end - ib) * MR;
            let t0 = tile(ib, jp);
            for (g0, rows) in [(0, MR), (MR, MR), (2 * MR, NR - 2 * MR)] {
                if let (Some(out), Some(inp), Some(w)) = (
                    p.up.get_mut(fp * plen + (j0 + g0) * NR..),
                    p.zp.get(fp * plen + ib * MR * NR..),
                    acc.get(t0 + g0..),
                ) {
                    rank_update(be, rows, out, w, 1, NR, inp, q, NR, NR);
                }
            }
        }
    }
}

#[allow(clippy::too_many_lines, clippy::cast_possible_truncation)]
fn fused(
    be: Backend,
    x: &[f32],
    n: usize,
    f: usize,
    o: &DispersionOptions,
    grad: Option<&mut [f32]>,
    scratch: &mut [f32],
) -> Result<f64> {
    let (d, parts) = dims(n, f)?;
    if scratch.len() < dispersion_scratch_len(n, f, grad.is_some())? {
        return Err(GeometryError::BufferTooSmall);
    }
    if grad.as_ref().is_some_and(|g| g.len() != x.len()) {
        return Err(GeometryError::LengthMismatch);
    }
    let (bpack, rest) = scratch.split_at_mut(parts[0]);
    let (acc, rest) = rest.split_at_mut(parts[1]);
    let scale = if o.normalize {
        Scale::Eps(o.eps)
    } else {
        Scale::None
    };
    pack(be, x, n, f, NR, scale, RowsOf::ROWS, bpack)?;
    let (lo, hi) = ((-1.0 + o.clamp) as f32, (1.0 - o.clamp) as f32);
    let k = (-1.0 / o.tau) as f32;
    if !k.is_finite() {
        return Err(GeometryError::InvalidParameter);
    }
    let n_jp = d.np / NR;
    let fixed = k >= FIXED_MIN_K;
    let finish = |s_run: f64, m_run: f32| -> Result<f64> {
        if !(s_run > 0.0 && s_run.is_finite()) {
            return Err(GeometryError::NonFinite);
        }
        let mut loss = libm::log(2.0 * s_run) + f64::from(m_run);
        if o.reduction == Reduction::LogMean {
            loss -= log_pairs(n);
        }
        Ok(loss)
    };
    // Backward scratch: Ẑ (from the 16-wide packing) and U in feature panels; U = ∂L/∂ẑ is
    // accumulated by rank updates U_I += G Ẑ_J, U_J += Gᵀ Ẑ_I as each row block's G completes.
    let rs = d.rows;
    let nfp = f.div_ceil(NR);
    let plen = rs * NR;
    let mut panels = match grad {
        Some(_) => {
            let (zp, rest) = rest.split_at_mut(nfp * plen);
            let up = rest
                .get_mut(..nfp * plen)
                .ok_or(GeometryError::BufferTooSmall)?;
            up.fill(0.0);
            let sb = super::pairwise::panel_len(NR, f).ok_or(GeometryError::Overflow)?;
            build_zpanels(be, bpack, sb, n_jp, f, zp, rs);
            Some(Panels {
                zp,
                up,
                nfp,
                plen,
                n_jp,
            })
        }
        None => None,
    };
    // U is scaled by `uscale` when copied out (the one-pass form knows the softmax's
    // normaliser only at the end; U is linear in G).
    let (loss, uscale) = if fixed {
        // One pass, no shift (terms bounded, see FIXED_MIN_K): the sum, and with a gradient the
        // unscaled G = e/√(1−ĉ²) tiles applied to U as each row block completes.
        let mut s_run = 0.0f64;
        match panels.as_mut() {
            None => gram_tiles(
                be,
                AOperand::SameAsB,
                d.mp,
                bpack,
                d.np,
                f,
                acc,
                true,
                |i0, j0, t, _| {
                    let valid = tile_valid(i0, j0, n);
                    if valid.iter().any(|v| *v != 0) {
                        s_run += tile_esum(be, t, &valid, lo, hi, k);
                    }
                },
                |_, _, _, _| {},
            ),
            Some(p) => gram_tiles(
                be,
                AOperand::SameAsB,
                d.mp,
                bpack,
                d.np,
                f,
                acc,
                true,
                |i0, j0, t, _| {
                    let valid = tile_valid(i0, j0, n);
                    s_run += tile_grad_esum(be, t, &valid, lo, hi, k, o.straight_through);
                },
                |ib, ie, jp0, acc| backward_block(be, p, ib, ie, jp0, acc),
            ),
        }
        let loss = finish(s_run, 0.0)?;
        // ∂L/∂c (unordered) = 2 e/(S_ord τ π √) = e/(s_run τ π √).
        (loss, (1.0 / (s_run * o.tau * PI)) as f32)
    } else {
        // Pass 1: streaming log-sum-exp over unordered pairs (running max per tile).
        let mut m_run = f32::NEG_INFINITY;
        let mut s_run = 0.0f64;
        gram_tiles(
            be,
            AOperand::SameAsB,
            d.mp,
            bpack,
            d.np,
            f,
            acc,
            true,
            |i0, j0, t, _| {
                let valid = tile_valid(i0, j0, n);
                if valid.iter().all(|v| *v == 0) {
                    return;
                }
                let dmin = tile_d(be, t, &valid, lo, hi);
                let m_tile = dmin * k;
                if m_tile > m_run {
                    s_run *= libm::exp(f64::from(m_run) - f64::from(m_tile));
                    m_run = m_tile;
                }
                s_run += tile_sum(be, t, &valid, k, m_run);
            },
            |_, _, _, _| {},
        );
        let loss = finish(s_run, m_run)?;
        // Pass 2 (gradient): G tiles scaled in the epilogue.
        if let Some(p) = panels.as_mut() {
            let gscale = (1.0 / (s_run * o.tau * PI)) as f32;
            gram_tiles(
                be,
                AOperand::SameAsB,
                d.mp,
                bpack,
                d.np,
                f,
                acc,
                true,
                |i0, j0, t, _| {
                    let valid = tile_valid(i0, j0, n);
                    tile_grad(be, t, &valid, lo, hi, k, m_run, gscale, o.straight_through);
                },
                |ib, ie, jp0, acc| backward_block(be, p, ib, ie, jp0, acc),
            );
        }
        (loss, 1.0)
    };
    let (Some(g), Some(p)) = (grad, panels) else {
        return Ok(loss);
    };
    for (i, gr) in g.chunks_exact_mut(f).enumerate() {
        for (fp, gc) in gr.chunks_mut(NR).enumerate() {
            let src = p.up.get(fp * plen + i * NR..).unwrap_or(&[]);
            for (a, b) in gc.iter_mut().zip(src) {
                *a = b * uscale;
            }
        }
    }
    if o.normalize {
        chain_normalise_f32(be, x, g, f, o.eps);
    }
    Ok(loss)
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
    if !backend.is_available() {
        return Err(GeometryError::Unsupported);
    }
    if opts.variant == DispersionVariant::Angular {
        check_shape(x, n, f, opts)?;
        fused_checked(backend, x, n, f, opts, None, scratch)
    } else {
        check_input(x, n, f, opts)?;
        simple(x, n, f, opts, None)
    }
    .and_then(|l| {
        if l.is_finite() {
            Ok(l)
        } else {
            Err(GeometryError::NonFinite)
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
/// `NonFinite` if a gradient entry overflows f32 (rows of norm near f32's underflow with ε ≈ 0;
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
    if !backend.is_available() {
        return Err(GeometryError::Unsupported);
    }
    let loss = if opts.variant == DispersionVariant::Angular {
        // (`fused` checks the gradient's length: the error order stays NonFinite first.)
        check_shape(x, n, f, opts)?;
        fused_checked(backend, x, n, f, opts, Some(&mut *grad_out), scratch)?
    } else {
        check_input(x, n, f, opts)?;
        if grad_out.len() != x.len() {
            return Err(GeometryError::LengthMismatch);
        }
        simple(x, n, f, opts, Some(&mut *grad_out))?
    };
    // Rows with a norm near f32's underflow and ε ≈ 0 have a true gradient beyond f32's range
    // (it scales like 1/‖z‖): report that instead of handing back ±inf or NaN.
    if !loss.is_finite() || any_nonfinite(grad_out) {
        return Err(GeometryError::NonFinite);
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
