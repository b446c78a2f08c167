//! Portable kernels: the pair dots (8 independent accumulators), the Gram microkernel, row packing,
//! the tile epilogues and rank updates of the dispersion loss, and the f32 arccos / exp they use.
//! They are the reference every SIMD path is tested against, the fallback of every kernel an
//! instruction set lacks, and the only path on targets without SIMD (thumbv7em, nvptx64).

use super::kernels::{Epilogue, MicroA, RankUpdate, Tile, TileRankUpdate, Transform, MR, NR};
use super::Bf16;

/// Lanes of independent accumulators in the scalar kernels.
const L: usize = 8;

#[inline]
fn sum8(v: [f32; L]) -> f32 {
    ((v[0] + v[4]) + (v[1] + v[5])) + ((v[2] + v[6]) + (v[3] + v[7]))
}

#[inline]
fn sum8d(v: [f64; L]) -> f64 {
    ((v[0] + v[4]) + (v[1] + v[5])) + ((v[2] + v[6]) + (v[3] + v[7]))
}

macro_rules! scalar_dot {
    ($name:ident, $name3:ident, $t:ty, $acc:ty, $sum:ident, $cv:expr) => {
        /// Σ aᵢbᵢ with 8 independent accumulators (the caller checks equal lengths).
        pub(crate) fn $name(a: &[$t], b: &[$t]) -> $acc {
            let cv = $cv;
            let mut s = [0.0 as $acc; L];
            let (ca, cb) = (a.chunks_exact(L), b.chunks_exact(L));
            let (ra, rb) = (ca.remainder(), cb.remainder());
            for (x, y) in ca.zip(cb) {
                for k in 0..L {
                    s[k] += cv(x[k]) * cv(y[k]);
                }
            }
            let mut t = 0.0 as $acc;
            for (x, y) in ra.iter().zip(rb) {
                t += cv(*x) * cv(*y);
            }
            $sum(s) + t
        }

        /// (Σ aᵢbᵢ, Σ aᵢ², Σ bᵢ²) with 8 independent accumulators per sum.
        pub(crate) fn $name3(a: &[$t], b: &[$t]) -> [$acc; 3] {
            let cv = $cv;
            let (mut s, mut sa, mut sb) = ([0.0 as $acc; L], [0.0 as $acc; L], [0.0 as $acc; L]);
            let (ca, cb) = (a.chunks_exact(L), b.chunks_exact(L));
            let (ra, rb) = (ca.remainder(), cb.remainder());
            for (x, y) in ca.zip(cb) {
                for k in 0..L {
                    let (p, q) = (cv(x[k]), cv(y[k]));
                    s[k] += p * q;
                    sa[k] += p * p;
                    sb[k] += q * q;
                }
            }
            let (mut t, mut ta, mut tb) = (0.0 as $acc, 0.0 as $acc, 0.0 as $acc);
            for (x, y) in ra.iter().zip(rb) {
                let (p, q) = (cv(*x), cv(*y));
                t += p * q;
                ta += p * p;
                tb += q * q;
            }
            [$sum(s) + t, $sum(sa) + ta, $sum(sb) + tb]
        }
    };
}

scalar_dot!(dot_f32, dot3_f32, f32, f32, sum8, |x: f32| x);
scalar_dot!(dot_f64, dot3_f64, f64, f64, sum8d, |x: f64| x);
scalar_dot!(dot_f32_acc64, dot3_f32_acc64, f32, f64, sum8d, f64::from);
scalar_dot!(dot_bf16, dot3_bf16, Bf16, f32, sum8, |x: Bf16| x.to_f32());

/// Abramowitz & Stegun 4.4.46 coefficients: acos(x) = sqrt(1−x)·P(x) on [0, 1], |err| ≤ 2e-8 exact.
#[allow(clippy::excessive_precision)]
pub(crate) const ACOS_C: [f32; 8] = [
    1.570_796_305_0,
    -0.214_598_801_6,
    0.088_978_987_4,
    -0.050_174_304_6,
    0.030_891_881_0,
    -0.017_088_125_6,
    0.006_670_090_1,
    -0.001_262_491_1,
];

/// π in f32.
pub(crate) const PI_F32: f32 = core::f32::consts::PI;

/// arccos in f32 by the 8-coefficient sqrt(1−x)·poly (max error ≈ 4e-7 rad); input clamped to
/// [−1, 1] first (NaN in gives NaN out; callers reject NaN before).
#[inline]
pub(crate) fn acos_f32(x: f32) -> f32 {
    let x = x.clamp(-1.0, 1.0);
    let ax = x.abs();
    let c = ACOS_C;
    let p = c[7];
    let p = p * ax + c[6];
    let p = p * ax + c[5];
    let p = p * ax + c[4];
    let p = p * ax + c[3];
    let p = p * ax + c[2];
    let p = p * ax + c[1];
    let p = p * ax + c[0];
    let r = libm::sqrtf(1.0 - ax) * p;
    if x < 0.0 {
        PI_F32 - r
    } else {
        r
    }
}

/// exp in f32 for arguments in [−87, 0] (used by the dispersion epilogue), ≈ 2 ulp.
#[inline]
pub(crate) fn exp_f32(x: f32) -> f32 {
    libm::expf(x)
}

/// The 6×16 Gram microkernel (see [`Kernels::gemm_6x16`](super::kernels::Kernels::gemm_6x16)):
/// one f32 multiply-add chain per entry, k in order. Does nothing unless the operands fit.
pub(crate) fn gemm_6x16(a: MicroA<'_>, b: &[f32], kc: usize, c: &mut Tile, first: bool) {
    if !a.fits(kc, b.len()) {
        return;
    }
    let mut acc = [[0.0f32; NR]; MR];
    if !first {
        for (row, src) in acc.iter_mut().zip(c.chunks_exact(NR)) {
            row.copy_from_slice(src);
        }
    }
    for (k, bk) in b.chunks_exact(NR).take(kc).enumerate() {
        for (r, row) in acc.iter_mut().enumerate() {
            let av = a.at(k, r);
            for (v, bv) in row.iter_mut().zip(bk) {
                *v += av * bv;
            }
        }
    }
    for (row, dst) in acc.iter().zip(c.chunks_exact_mut(NR)) {
        dst.copy_from_slice(row);
    }
}

/// Clamp every entry of a tile to [−1, 1] and apply `tr`.
pub(crate) fn transform(t: &mut Tile, tr: Transform) {
    for v in t.iter_mut() {
        let x = v.clamp(-1.0, 1.0);
        *v = match tr {
            Transform::Cosine => x,
            Transform::Angle => acos_f32(x),
            Transform::AngleOverPi => acos_f32(x) * core::f32::consts::FRAC_1_PI,
        };
    }
}

/// Pack the first `w` of `src` (each scaled by `inv[r]`) k-major into `panel`:
/// `panel[w·k + r] = src[r][k]·inv[r]` for k < f (0 past a row's end).
pub(crate) fn pack_panel(
    src: &[&[f32]; NR],
    inv: &[f32; NR],
    w: usize,
    f: usize,
    panel: &mut [f32],
) {
    // k outer, r inner: contiguous writes, `w` sequential read streams.
    let panel = panel.get_mut(..w * f).unwrap_or(&mut []);
    for (k, d) in panel.chunks_exact_mut(w).enumerate() {
        for (r, dv) in d.iter_mut().enumerate() {
            *dv = src[r].get(k).map_or(0.0, |v| v * inv[r]);
        }
    }
}

/// Dispersion epilogue, pass 1 (see [`Kernels::tile_d`](super::kernels::Kernels::tile_d)).
pub(crate) fn tile_d(t: &mut Tile, valid: &[u16; MR], ep: &Epilogue) -> f32 {
    let mut mn = 2.0f32;
    for (row, m) in t.chunks_exact_mut(NR).zip(valid) {
        for (c, v) in row.iter_mut().enumerate() {
            *v = acos_f32(v.clamp(ep.lo, ep.hi)) * core::f32::consts::FRAC_1_PI;
            if m >> c & 1 == 1 {
                mn = mn.min(*v);
            }
        }
    }
    mn
}

/// Dispersion epilogue, pass 2 (see [`Kernels::tile_sum`](super::kernels::Kernels::tile_sum)).
pub(crate) fn tile_sum(t: &Tile, valid: &[u16; MR], ep: &Epilogue) -> f64 {
    let mut s = 0.0f64;
    for (row, m) in t.chunks_exact(NR).zip(valid) {
        for (c, d) in row.iter().enumerate() {
            if m >> c & 1 == 1 {
                s += f64::from(exp_f32(d * ep.k - ep.shift));
            }
        }
    }
    s
}

/// Dispersion gradient epilogue (see [`Kernels::tile_grad`](super::kernels::Kernels::tile_grad)).
pub(crate) fn tile_grad(t: &mut Tile, valid: &[u16; MR], ep: &Epilogue) {
    for (row, m) in t.chunks_exact_mut(NR).zip(valid) {
        for (c, v) in row.iter_mut().enumerate() {
            let cv = *v;
            let x = cv.clamp(ep.lo, ep.hi);
            let d = acos_f32(x) * core::f32::consts::FRAC_1_PI;
            let e = exp_f32(d * ep.k - ep.shift);
            let den = libm::sqrtf(1.0 - x * x).max(1e-6);
            let inside = ep.straight || (cv >= ep.lo && cv <= ep.hi);
            *v = if m >> c & 1 == 1 && inside {
                e * ep.scale / den
            } else {
                0.0
            };
        }
    }
}

/// One-pass dispersion epilogue without a shift (see
/// [`Kernels::tile_esum`](super::kernels::Kernels::tile_esum)); with `grad` the tile also becomes
/// the unscaled G ([`Kernels::tile_grad_esum`](super::kernels::Kernels::tile_grad_esum)).
pub(crate) fn tile_esum(t: &mut Tile, valid: &[u16; MR], ep: &Epilogue, grad: bool) -> f64 {
    let mut s = 0.0f64;
    let kp = ep.k * core::f32::consts::FRAC_1_PI;
    for (row, m) in t.chunks_exact_mut(NR).zip(valid) {
        for (c, v) in row.iter_mut().enumerate() {
            let cv = *v;
            let x = cv.clamp(ep.lo, ep.hi);
            let e = exp_f32(acos_f32(x) * kp);
            let on = m >> c & 1 == 1;
            if on {
                s += f64::from(e);
            }
            if grad {
                let den = libm::sqrtf(1.0 - x * x).max(1e-6);
                let inside = ep.straight || (cv >= ep.lo && cv <= ep.hi);
                *v = if on && inside { e / den } else { 0.0 };
            }
        }
    }
    s
}

/// Rank update of `rows` rows of `out` (see [`RankUpdate`]); entries outside the slices are
/// skipped.
pub(crate) fn rank_update(rows: usize, out: &mut [f32], u: &RankUpdate<'_>) {
    let (stride, len) = (u.stride, u.len);
    for r in 0..rows {
        for c in 0..u.q {
            let wv = u.w.get(r * u.ws + c * u.wc).copied().unwrap_or(0.0);
            if let (Some(o), Some(s)) = (
                out.get_mut(r * stride..r * stride + len),
                u.inp.get(c * stride..c * stride + len),
            ) {
                for (a, b) in o.iter_mut().zip(s) {
                    *a += wv * b;
                }
            }
        }
    }
}

/// Rank update over a row of 6×16 weight tiles (see [`TileRankUpdate`]), one tile at a time.
pub(crate) fn rank_update_tiles(out: &mut [f32], u: &TileRankUpdate<'_>) {
    for t in 0..u.nt {
        if let Some(w) = u.w.get(t * u.ts..) {
            let inp = u.inp.get(t * NR * u.stride..).unwrap_or(&[]);
            let tile = RankUpdate {
                w,
                ws: NR,
                wc: 1,
                inp,
                q: NR,
                stride: u.stride,
                len: u.len,
            };
            if tile.fits(MR, out.len()) {
                rank_update(MR, out, &tile);
            }
        }
    }
}
