//! The exact per-pair dispersion path: f64 inputs for every variant, f32 inputs for the three
//! ablation variants. Per-pair dot products on the caller's kernels, everything else in f64
//! (arccos, exp, a streaming log-sum-exp), and the gradient by per-pair rank-one updates.

use super::super::kernels::Kernels;
use super::super::{Element, GeometryError, Result};
use super::{log_pairs, DispersionOptions, DispersionVariant, Reduction};
use crate::Real;
use core::f64::consts::PI;

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

/// Streaming log-sum-exp state: the running maximum `m` and the sum `s` of exp(x − m).
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
    k: Kernels,
    x: &[T],
    i: usize,
    j: usize,
    f: usize,
    o: &DispersionOptions,
) -> Result<PairGeo> {
    let d = T::dot3_k(k, row(x, i, f), row(x, j, f));
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
    k: Kernels,
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
        let nn = T::dot_k(k, z, z);
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

/// The loss of `o.variant` on inputs checked by `check_input`, with its gradient into `grad`
/// when given (zeroed first); every per-pair sum runs on `k`.
#[allow(clippy::too_many_lines, clippy::cast_precision_loss)]
pub(super) fn loss<T: Element + Real>(
    k: Kernels,
    x: &[T],
    n: usize,
    f: usize,
    o: &DispersionOptions,
    mut grad: Option<&mut [T]>,
) -> Result<f64> {
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
                    let p = geo(k, x, i, j, f, o)?;
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
                        let p = geo(k, x, i, j, f, o)?;
                        let e = libm::exp(-libm::acos(p.chat) / (PI * o.tau) - lse.m) / lse.s;
                        let gc = 2.0 * e / o.tau * dfac(&p);
                        axpy(g, i, gc * p.sj, row(x, j, f), f);
                        axpy(g, j, gc * p.si, row(x, i, f), f);
                    }
                }
                chain_normalise(k, x, g, n, f, o);
            }
            Ok(loss)
        }
        DispersionVariant::Orthogonalization => {
            let mut s = 0.0;
            for i in 0..n {
                for j in i + 1..n {
                    let p = geo(k, x, i, j, f, o)?;
                    let h = (0.5 - libm::acos(p.chat) / PI).max(0.0);
                    s += 2.0 * h * h;
                }
            }
            if let Some(g) = grad {
                for i in 0..n {
                    for j in i + 1..n {
                        let p = geo(k, x, i, j, f, o)?;
                        let h = (0.5 - libm::acos(p.chat) / PI).max(0.0);
                        // L = (1/npairs) Σ_ordered h²; ∂/∂c (unordered) = 2·2h·dfac/npairs.
                        let gc = 4.0 * h * dfac(&p) / npairs;
                        axpy(g, i, gc * p.sj, row(x, j, f), f);
                        axpy(g, j, gc * p.si, row(x, i, f), f);
                    }
                }
                chain_normalise(k, x, g, n, f, o);
            }
            Ok(s / npairs)
        }
        DispersionVariant::L2Repel => {
            let nf = (n * f) as f64;
            let d2 = |i: usize, j: usize| -> f64 {
                let d = T::dot3_k(k, row(x, i, f), row(x, j, f));
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
