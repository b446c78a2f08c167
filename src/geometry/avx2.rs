//! x86-64 AVX2 + FMA kernels behind the [`Avx2`] token: pair dots (4×8 lanes × up to 3 sums = 12
//! independent accumulators), the 6×16 Gram microkernel, row packing, and the vectorised
//! clamp/arccos/exp epilogues and rank updates of the dispersion loss.
//!
//! Safety: every kernel is compiled with `#[target_feature(enable = "avx2,fma")]` and is reached
//! only through a safe method of [`Avx2`], a zero-sized token that [`Avx2::detect`] hands out only
//! when run-time detection found AVX2 and FMA with OS support for the YMM state. Kernels that take
//! slices or whole tiles are safe `#[target_feature]` functions (they read and write inside them;
//! paired slices up to `min(a.len(), b.len())`); kernels that take raw pointers are `unsafe fn`s
//! whose token method checks every extent first. The register helpers are `unsafe fn`s called only
//! from those kernels.

use super::avx512::Avx512;
use super::kernels::{Epilogue, MicroA, RankUpdate, Tile, TileRankUpdate, Transform};
use super::Bf16;
use core::arch::x86_64::*;

/// Proof that this CPU runs AVX2 and FMA (with OS support for the YMM state): zero-sized, made
/// only by [`Avx2::detect`] (or from an [`Avx512`] token, whose detection implies both).
#[derive(Debug, Clone, Copy)]
pub struct Avx2(());

impl Avx2 {
    /// The token, if run-time detection found AVX2 and FMA.
    #[inline]
    pub fn detect() -> Option<Self> {
        super::dispatch::has_avx2_fma().then_some(Avx2(()))
    }
}

impl From<Avx512> for Avx2 {
    /// AVX-512 tokens exist only where AVX2 and FMA were detected too
    /// ([`Backend::Avx512`](super::Backend::Avx512) requires both).
    #[inline]
    fn from(_: Avx512) -> Self {
        Avx2(())
    }
}

/// Horizontal sum of 8 f32 lanes.
///
/// # Safety
/// The CPU supports AVX2 and FMA (every caller is an AVX2 kernel).
#[inline(always)]
unsafe fn hsum(v: __m256) -> f32 {
    // SAFETY: the CPU supports AVX2 and FMA (this function's contract).
    unsafe {
        let lo = _mm256_castps256_ps128(v);
        let hi = _mm256_extractf128_ps(v, 1);
        let s = _mm_add_ps(lo, hi);
        let s = _mm_add_ps(s, _mm_movehl_ps(s, s));
        let s = _mm_add_ss(s, _mm_movehdup_ps(s));
        _mm_cvtss_f32(s)
    }
}

/// Horizontal sum of 4 f64 lanes.
///
/// # Safety
/// The CPU supports AVX2 and FMA (every caller is an AVX2 kernel).
#[inline(always)]
unsafe fn hsumd(v: __m256d) -> f64 {
    // SAFETY: the CPU supports AVX2 and FMA (this function's contract).
    unsafe {
        let lo = _mm256_castpd256_pd128(v);
        let hi = _mm256_extractf128_pd(v, 1);
        let s = _mm_add_pd(lo, hi);
        let s = _mm_add_sd(s, _mm_unpackhi_pd(s, s));
        _mm_cvtsd_f64(s)
    }
}

/// Lane-wise sum of 4 f32 vectors, as (v0 + v1) + (v2 + v3).
///
/// # Safety
/// The CPU supports AVX2 and FMA (every caller is an AVX2 kernel).
#[inline(always)]
unsafe fn red4(v: [__m256; 4]) -> __m256 {
    // SAFETY: the CPU supports AVX2 and FMA (this function's contract).
    unsafe { _mm256_add_ps(_mm256_add_ps(v[0], v[1]), _mm256_add_ps(v[2], v[3])) }
}

/// Lane-wise sum of 4 f64 vectors, as (v0 + v1) + (v2 + v3).
///
/// # Safety
/// The CPU supports AVX2 and FMA (every caller is an AVX2 kernel).
#[inline(always)]
unsafe fn red4d(v: [__m256d; 4]) -> __m256d {
    // SAFETY: the CPU supports AVX2 and FMA (this function's contract).
    unsafe { _mm256_add_pd(_mm256_add_pd(v[0], v[1]), _mm256_add_pd(v[2], v[3])) }
}

/// Load 8 bf16 values and widen to 8 f32 (exact).
///
/// # Safety
/// The CPU supports AVX2; `p` is readable for 8 `Bf16` values.
#[inline(always)]
unsafe fn load_bf16(p: *const Bf16) -> __m256 {
    // SAFETY: the CPU supports AVX2 and `p` is readable for 8 values (this
    // function's contract).
    unsafe {
        let h = _mm_loadu_si128(p.cast::<__m128i>());
        _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16))
    }
}

macro_rules! avx2_dot {
    ($name:ident, $name3:ident, $t:ty, $out:ty, $vec:ty, $w:expr, $zero:ident, $load:expr,
     $fma:ident, $red:ident, $hsum:ident, $cv:expr) => {
        /// Σ aᵢbᵢ over the common prefix of `a` and `b`: 8 unrolled vectors = 8 independent vector
        /// accumulators.
        #[target_feature(enable = "avx2,fma")]
        fn $name(a: &[$t], b: &[$t]) -> $out {
            let n = a.len().min(b.len());
            let (pa, pb) = (a.as_ptr(), b.as_ptr());
            // SAFETY: AVX2 and FMA are enabled here; every read is at an index below
            // n = min(a.len(), b.len()).
            unsafe {
                let mut s = [$zero(); 8];
                let mut i = 0;
                while i + 8 * $w <= n {
                    for u in 0..8 {
                        let x = $load(pa.add(i + u * $w));
                        let y = $load(pb.add(i + u * $w));
                        s[u] = $fma(x, y, s[u]);
                    }
                    i += 8 * $w;
                }
                while i + $w <= n {
                    s[0] = $fma($load(pa.add(i)), $load(pb.add(i)), s[0]);
                    i += $w;
                }
                let cv = $cv;
                let mut t: $out = 0.0;
                while i < n {
                    t += cv(*pa.add(i)) * cv(*pb.add(i));
                    i += 1;
                }
                let v = $red([
                    $red([s[0], s[1], s[2], s[3]]),
                    $red([s[4], s[5], s[6], s[7]]),
                    $zero(),
                    $zero(),
                ]);
                $hsum(v) + t
            }
        }

        /// (Σ aᵢbᵢ, Σ aᵢ², Σ bᵢ²): 4 unrolled vectors × 3 sums = 12 independent accumulators.
        #[target_feature(enable = "avx2,fma")]
        fn $name3(a: &[$t], b: &[$t]) -> [$out; 3] {
            let n = a.len().min(b.len());
            let (pa, pb) = (a.as_ptr(), b.as_ptr());
            // SAFETY: AVX2 and FMA are enabled here; every read is at an index below
            // n = min(a.len(), b.len()).
            unsafe {
                let (mut s, mut sa, mut sb) = ([$zero(); 4], [$zero(); 4], [$zero(); 4]);
                let mut i = 0;
                while i + 4 * $w <= n {
                    for u in 0..4 {
                        let x = $load(pa.add(i + u * $w));
                        let y = $load(pb.add(i + u * $w));
                        s[u] = $fma(x, y, s[u]);
                        sa[u] = $fma(x, x, sa[u]);
                        sb[u] = $fma(y, y, sb[u]);
                    }
                    i += 4 * $w;
                }
                while i + $w <= n {
                    let x = $load(pa.add(i));
                    let y = $load(pb.add(i));
                    s[0] = $fma(x, y, s[0]);
                    sa[0] = $fma(x, x, sa[0]);
                    sb[0] = $fma(y, y, sb[0]);
                    i += $w;
                }
                let cv = $cv;
                let (mut t, mut ta, mut tb): ($out, $out, $out) = (0.0, 0.0, 0.0);
                while i < n {
                    let (p, q) = (cv(*pa.add(i)), cv(*pb.add(i)));
                    t += p * q;
                    ta += p * p;
                    tb += q * q;
                    i += 1;
                }
                [
                    $hsum($red(s)) + t,
                    $hsum($red(sa)) + ta,
                    $hsum($red(sb)) + tb,
                ]
            }
        }

        impl Avx2 {
            /// Σ aᵢbᵢ over the common prefix of `a` and `b`.
            #[inline]
            pub fn $name(self, a: &[$t], b: &[$t]) -> $out {
                // SAFETY: the token proves AVX2 and FMA run on this CPU.
                unsafe { $name(a, b) }
            }

            /// (Σ aᵢbᵢ, Σ aᵢ², Σ bᵢ²) over the common prefix of `a` and `b`.
            #[inline]
            pub fn $name3(self, a: &[$t], b: &[$t]) -> [$out; 3] {
                // SAFETY: the token proves AVX2 and FMA run on this CPU.
                unsafe { $name3(a, b) }
            }
        }
    };
}

avx2_dot!(
    dot_f32,
    dot3_f32,
    f32,
    f32,
    __m256,
    8,
    _mm256_setzero_ps,
    |p: *const f32| _mm256_loadu_ps(p),
    _mm256_fmadd_ps,
    red4,
    hsum,
    |x: f32| x
);
avx2_dot!(
    dot_f64,
    dot3_f64,
    f64,
    f64,
    __m256d,
    4,
    _mm256_setzero_pd,
    |p: *const f64| _mm256_loadu_pd(p),
    _mm256_fmadd_pd,
    red4d,
    hsumd,
    |x: f64| x
);
avx2_dot!(
    dot_f32_acc64,
    dot3_f32_acc64,
    f32,
    f64,
    __m256d,
    4,
    _mm256_setzero_pd,
    |p: *const f32| _mm256_cvtps_pd(_mm_loadu_ps(p)),
    _mm256_fmadd_pd,
    red4d,
    hsumd,
    f64::from
);
avx2_dot!(
    dot_bf16,
    dot3_bf16,
    Bf16,
    f32,
    __m256,
    8,
    _mm256_setzero_ps,
    |p: *const Bf16| load_bf16(p),
    _mm256_fmadd_ps,
    red4,
    hsum,
    |x: Bf16| x.to_f32()
);

/// Cosine from the three f32 sums, in registers: d / √(na·nb) in f64 (the product of two f32 is
/// exact in f64 and can neither overflow nor underflow there), clamped to [−1, 1] and rounded to
/// f32: ≤ 2⁻²⁴ + 2·2⁻⁵³ relative error beyond that of the sums — as accurate as the f64 tail of
/// the general path, without its round trip. Returns NaN when the result is not finite or a norm
/// is not positive (zero, NaN, overflowed): the caller then classifies the error from the sums on
/// its slow path.
#[inline(always)]
pub(crate) fn cos_tail_f32(s: [f32; 3]) -> f32 {
    let p = f64::from(s[1]) * f64::from(s[2]);
    // SAFETY: SSE2 is part of the x86-64 baseline: these intrinsics run on every x86-64 CPU.
    let q = unsafe { _mm_cvtsd_f64(_mm_sqrt_sd(_mm_setzero_pd(), _mm_set_sd(p))) };
    let c = f64::from(s[0]) / q;
    // q > 0 and finite ⇒ both norms positive and finite; |c| ≤ 1.5 ⇒ c finite (NaN fails).
    if s[1] > 0.0 && s[2] > 0.0 && q < f64::INFINITY && c.abs() <= 1.5 {
        #[allow(clippy::cast_possible_truncation)]
        let r = c.clamp(-1.0, 1.0) as f32;
        r
    } else {
        f32::NAN
    }
}

/// Cosine similarity of f32 vectors, sums and tail fused in registers (NaN: see [`cos_tail_f32`]).
#[target_feature(enable = "avx2,fma")]
fn cos_f32(a: &[f32], b: &[f32]) -> f32 {
    cos_tail_f32(dot3_f32(a, b))
}

/// Cosine similarity of bf16 vectors (f32 accumulation), fused as [`cos_f32`].
#[target_feature(enable = "avx2,fma")]
fn cos_bf16(a: &[Bf16], b: &[Bf16]) -> f32 {
    cos_tail_f32(dot3_bf16(a, b))
}

/// 6×16 Gram microkernel: C[6][16] (+)= Σ_k A[k][0..6] ⊗ B[k][0..16] over `kc` steps, with B
/// packed k-major 16 wide and A read at k-stride `AS`: row r < S at `a_lo[AS·k + r]`, row r ≥ S at
/// `a_hi[AS·k + r − S]` (AS = 6, S = 6: a 6-wide packing; AS = 16: six rows of a 16-wide packing,
/// S < 6 where they straddle two panels). 12 accumulators + 2 B vectors + 1 broadcast; k unrolled
/// by 4.
///
/// # Safety
/// AVX2+FMA available; `a_lo` readable for `AS·(kc−1) + S` floats, `a_hi` for
/// `AS·(kc−1) + 6 − S` (when S < 6), `b` for `16·kc`, `c` read/writable for 96 floats.
#[target_feature(enable = "avx2,fma")]
unsafe fn gemm_6x16<const AS: usize, const S: usize>(
    a_lo: *const f32,
    a_hi: *const f32,
    b: *const f32,
    kc: usize,
    c: *mut f32,
    first: bool,
) {
    // SAFETY: the caller upholds the contract above (features and extents).
    unsafe {
        let mut acc = [[_mm256_setzero_ps(); 2]; 6];
        if !first {
            for (r, row) in acc.iter_mut().enumerate() {
                row[0] = _mm256_loadu_ps(c.add(16 * r));
                row[1] = _mm256_loadu_ps(c.add(16 * r + 8));
            }
        }
        let (mut pl, mut ph, mut pb) = (a_lo, a_hi, b);
        let step = |acc: &mut [[__m256; 2]; 6], pl: *const f32, ph: *const f32, pb: *const f32| {
            let b0 = _mm256_loadu_ps(pb);
            let b1 = _mm256_loadu_ps(pb.add(8));
            for (r, row) in acc.iter_mut().enumerate() {
                let p = if r < S { pl.add(r) } else { ph.add(r - S) };
                let av = _mm256_broadcast_ss(&*p);
                row[0] = _mm256_fmadd_ps(av, b0, row[0]);
                row[1] = _mm256_fmadd_ps(av, b1, row[1]);
            }
        };
        let mut k = kc;
        while k >= 4 {
            for u in 0..4 {
                step(&mut acc, pl.add(AS * u), ph.add(AS * u), pb.add(16 * u));
            }
            pl = pl.wrapping_add(4 * AS);
            ph = ph.wrapping_add(4 * AS);
            pb = pb.wrapping_add(64);
            k -= 4;
        }
        while k > 0 {
            step(&mut acc, pl, ph, pb);
            pl = pl.wrapping_add(AS);
            ph = ph.wrapping_add(AS);
            pb = pb.add(16);
            k -= 1;
        }
        for (r, row) in acc.iter().enumerate() {
            _mm256_storeu_ps(c.add(16 * r), row[0]);
            _mm256_storeu_ps(c.add(16 * r + 8), row[1]);
        }
    }
}

/// arccos of 8 lanes (input clamped to [−1, 1]) by the A&S 4.4.46 sqrt(1−x)·P(x) polynomial.
///
/// # Safety
/// The CPU supports AVX2 and FMA (every caller is an AVX2 kernel).
#[inline(always)]
unsafe fn acos8(x: __m256) -> __m256 {
    // SAFETY: the CPU supports AVX2 and FMA (this function's contract).
    unsafe { acos8n([x])[0] }
}

/// [`acos8`] of N vectors at once: the N polynomial chains interleave (the epilogues are
/// otherwise bound by one chain's FMA latency); the same operations per lane as N = 1.
///
/// # Safety
/// The CPU supports AVX2 and FMA (every caller is an AVX2 kernel).
#[inline(always)]
unsafe fn acos8n<const N: usize>(x: [__m256; N]) -> [__m256; N] {
    // SAFETY: the CPU supports AVX2 and FMA (this function's contract).
    unsafe {
        let one = _mm256_set1_ps(1.0);
        let neg0 = _mm256_set1_ps(-0.0);
        let c = super::scalar::ACOS_C;
        let mut xc = x;
        let mut ax = x;
        let mut p = [_mm256_set1_ps(c[7]); N];
        for i in 0..N {
            xc[i] = _mm256_max_ps(_mm256_min_ps(x[i], one), _mm256_set1_ps(-1.0));
            ax[i] = _mm256_andnot_ps(neg0, xc[i]);
        }
        for k in (0..7).rev() {
            let ck = _mm256_set1_ps(c[k]);
            for i in 0..N {
                p[i] = _mm256_fmadd_ps(p[i], ax[i], ck);
            }
        }
        let pi = _mm256_set1_ps(super::scalar::PI_F32);
        for i in 0..N {
            let r = _mm256_mul_ps(_mm256_sqrt_ps(_mm256_sub_ps(one, ax[i])), p[i]);
            // x < 0: π − r
            p[i] = _mm256_blendv_ps(r, _mm256_sub_ps(pi, r), _mm256_and_ps(xc[i], neg0));
        }
        p
    }
}

/// In place over `len` floats (multiple of 8): clamp to [lo, hi], then `mode` 0 = keep cosine,
/// 1 = arccos (radians), 2 = arccos/π.
#[target_feature(enable = "avx2,fma")]
fn transform(t: &mut [f32], lo: f32, hi: f32, mode: u8) {
    let len = t.len() / 8 * 8;
    let t = t.as_mut_ptr();
    // SAFETY: AVX2 and FMA are enabled here; every access is at an index below `len`,
    // which is at most `t.len()`.
    unsafe {
        let (vlo, vhi) = (_mm256_set1_ps(lo), _mm256_set1_ps(hi));
        let inv_pi = _mm256_set1_ps(core::f32::consts::FRAC_1_PI);
        let mut i = 0;
        // 4 vectors at a time: interleaved arccos chains (same per-lane operations as below).
        while mode != 0 && i + 32 <= len {
            let mut x = [_mm256_setzero_ps(); 4];
            for (v, xv) in x.iter_mut().enumerate() {
                *xv = _mm256_max_ps(_mm256_min_ps(_mm256_loadu_ps(t.add(i + 8 * v)), vhi), vlo);
            }
            let a = acos8n(x);
            for (v, av) in a.iter().enumerate() {
                let y = if mode == 1 {
                    *av
                } else {
                    _mm256_mul_ps(*av, inv_pi)
                };
                _mm256_storeu_ps(t.add(i + 8 * v), y);
            }
            i += 32;
        }
        while i + 8 <= len {
            let x = _mm256_max_ps(_mm256_min_ps(_mm256_loadu_ps(t.add(i)), vhi), vlo);
            let y = match mode {
                0 => x,
                1 => acos8(x),
                _ => _mm256_mul_ps(acos8(x), inv_pi),
            };
            _mm256_storeu_ps(t.add(i), y);
            i += 8;
        }
    }
}

/// exp of 8 lanes for x ∈ [−87, 0] (Cephes-style: 2^n · P(r), ≈ 2 ulp).
///
/// # Safety
/// The CPU supports AVX2 and FMA (every caller is an AVX2 kernel).
#[inline(always)]
unsafe fn exp8(x: __m256) -> __m256 {
    // SAFETY: the CPU supports AVX2 and FMA (this function's contract).
    unsafe { exp8n([x])[0] }
}

/// [`exp8`] of N vectors at once (interleaved chains; the same operations per lane).
///
/// # Safety
/// The CPU supports AVX2 and FMA (every caller is an AVX2 kernel).
#[inline(always)]
#[allow(clippy::excessive_precision)]
unsafe fn exp8n<const N: usize>(x: [__m256; N]) -> [__m256; N] {
    // SAFETY: the CPU supports AVX2 and FMA (this function's contract).
    unsafe {
        let mut r = x;
        let mut fx = x;
        for i in 0..N {
            let xi = _mm256_max_ps(x[i], _mm256_set1_ps(-87.0));
            fx[i] = _mm256_round_ps(
                _mm256_mul_ps(xi, _mm256_set1_ps(core::f32::consts::LOG2_E)),
                _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC,
            );
            // r = x − n·ln2 in two steps (Cody–Waite).
            let ri = _mm256_fnmadd_ps(fx[i], _mm256_set1_ps(0.693_359_375), xi);
            r[i] = _mm256_fnmadd_ps(fx[i], _mm256_set1_ps(-2.121_944_4e-4), ri);
        }
        let mut p = [_mm256_set1_ps(1.987_569_1e-4); N];
        for c in [
            1.398_199_9e-3,
            8.333_452e-3,
            4.166_579_6e-2,
            1.666_666_5e-1,
            0.5,
        ] {
            let vc = _mm256_set1_ps(c);
            for i in 0..N {
                p[i] = _mm256_fmadd_ps(p[i], r[i], vc);
            }
        }
        for i in 0..N {
            let r2 = _mm256_mul_ps(r[i], r[i]);
            let y = _mm256_add_ps(_mm256_fmadd_ps(p[i], r2, r[i]), _mm256_set1_ps(1.0));
            let n = _mm256_cvtps_epi32(fx[i]);
            let pow = _mm256_slli_epi32(_mm256_add_epi32(n, _mm256_set1_epi32(127)), 23);
            p[i] = _mm256_mul_ps(y, _mm256_castsi256_ps(pow));
        }
        p
    }
}

/// All-ones lanes where bit `8h + lane` of `m` is set, zero lanes elsewhere.
///
/// # Safety
/// The CPU supports AVX2 and FMA (every caller is an AVX2 kernel).
#[inline(always)]
unsafe fn lane_mask(m: u16, h: usize) -> __m256 {
    // SAFETY: the CPU supports AVX2 and FMA (this function's contract).
    unsafe {
        let bits = _mm256_setr_epi32(1, 2, 4, 8, 16, 32, 64, 128);
        let mb = _mm256_set1_epi32(i32::from((m >> (8 * h)) & 0xFF));
        _mm256_castsi256_ps(_mm256_cmpeq_epi32(_mm256_and_si256(mb, bits), bits))
    }
}

/// Dispersion epilogue, pass 1 over a 6×16 tile of cosines: clamp to [lo, hi], D = arccos/π written
/// back into `t`; returns the minimum D over lanes whose bit is set in `valid[r]` (2.0 if none).
#[target_feature(enable = "avx2,fma")]
fn disp_tile_d(t: &mut [f32; 96], valid: &[u16; 6], lo: f32, hi: f32) -> f32 {
    let t = t.as_mut_ptr();
    // SAFETY: AVX2 and FMA are enabled here; every access is at 16·r + 8·h + lane with
    // r < 6, h < 2, lane < 8: inside the 96-float tile.
    unsafe {
        let (vlo, vhi) = (_mm256_set1_ps(lo), _mm256_set1_ps(hi));
        let inv_pi = _mm256_set1_ps(core::f32::consts::FRAC_1_PI);
        let two = _mm256_set1_ps(2.0);
        let mut mn = two;
        for (r, m) in valid.iter().enumerate() {
            for h in 0..2 {
                let p = t.add(16 * r + 8 * h);
                let x = _mm256_max_ps(_mm256_min_ps(_mm256_loadu_ps(p), vhi), vlo);
                let d = _mm256_mul_ps(acos8(x), inv_pi);
                _mm256_storeu_ps(p, d);
                mn = _mm256_min_ps(mn, _mm256_blendv_ps(two, d, lane_mask(*m, h)));
            }
        }
        let lo4 = _mm_min_ps(_mm256_castps256_ps128(mn), _mm256_extractf128_ps(mn, 1));
        let lo2 = _mm_min_ps(lo4, _mm_movehl_ps(lo4, lo4));
        _mm_cvtss_f32(_mm_min_ss(lo2, _mm_movehdup_ps(lo2)))
    }
}

/// Dispersion epilogue, pass 2: Σ over valid lanes of exp(D·k − shift), D read from `t`, summed in f64.
#[target_feature(enable = "avx2,fma")]
fn disp_tile_sum(t: &[f32; 96], valid: &[u16; 6], k: f32, shift: f32) -> f64 {
    let t = t.as_ptr();
    // SAFETY: AVX2 and FMA are enabled here; every access is at 16·r + 8·h + lane with
    // r < 6, h < 2, lane < 8: inside the 96-float tile.
    unsafe {
        let (vk, vs) = (_mm256_set1_ps(k), _mm256_set1_ps(shift));
        let mut tot = _mm256_setzero_pd();
        for (r, m) in valid.iter().enumerate() {
            for h in 0..2 {
                let d = _mm256_loadu_ps(t.add(16 * r + 8 * h));
                let e = exp8(_mm256_fmsub_ps(d, vk, vs));
                let e = _mm256_and_ps(e, lane_mask(*m, h));
                let lo4 = _mm256_cvtps_pd(_mm256_castps256_ps128(e));
                let hi4 = _mm256_cvtps_pd(_mm256_extractf128_ps(e, 1));
                tot = _mm256_add_pd(tot, _mm256_add_pd(lo4, hi4));
            }
        }
        hsumd(tot)
    }
}

/// Dispersion gradient epilogue: cosines in `t` become G = scale·exp(D·k − shift)/sqrt(1−ĉ²) with
/// ĉ = clamp(c, lo, hi), D = arccos(ĉ)/π; lanes not in `valid` (and, unless `straight`, lanes where
/// the clamp was active) become 0.
#[target_feature(enable = "avx2,fma")]
#[allow(clippy::too_many_arguments)]
fn grad_tile(
    t: &mut [f32; 96],
    valid: &[u16; 6],
    lo: f32,
    hi: f32,
    k: f32,
    shift: f32,
    scale: f32,
    straight: bool,
) {
    let t = t.as_mut_ptr();
    // SAFETY: AVX2 and FMA are enabled here; every access is at 16·r + 8·h + lane with
    // r < 6, h < 2, lane < 8: inside the 96-float tile.
    unsafe {
        let (vlo, vhi) = (_mm256_set1_ps(lo), _mm256_set1_ps(hi));
        let inv_pi = _mm256_set1_ps(core::f32::consts::FRAC_1_PI);
        let (vk, vs, vsc) = (
            _mm256_set1_ps(k),
            _mm256_set1_ps(shift),
            _mm256_set1_ps(scale),
        );
        let one = _mm256_set1_ps(1.0);
        for (r, m) in valid.iter().enumerate() {
            for h in 0..2 {
                let p = t.add(16 * r + 8 * h);
                let c = _mm256_loadu_ps(p);
                let x = _mm256_max_ps(_mm256_min_ps(c, vhi), vlo);
                let d = _mm256_mul_ps(acos8(x), inv_pi);
                let e = exp8(_mm256_fmsub_ps(d, vk, vs));
                let den = _mm256_max_ps(
                    _mm256_sqrt_ps(_mm256_fnmadd_ps(x, x, one)),
                    _mm256_set1_ps(1e-6),
                );
                let g = _mm256_div_ps(_mm256_mul_ps(e, vsc), den);
                let mut keep = lane_mask(*m, h);
                if !straight {
                    let inside = _mm256_and_ps(
                        _mm256_cmp_ps(c, vlo, _CMP_GE_OQ),
                        _mm256_cmp_ps(c, vhi, _CMP_LE_OQ),
                    );
                    keep = _mm256_and_ps(keep, inside);
                }
                _mm256_storeu_ps(p, _mm256_and_ps(g, keep));
            }
        }
    }
}

/// tot + Σ lanes of e0 + e1 (the pair added in f32, then widened to f64).
///
/// # Safety
/// The CPU supports AVX2 and FMA (every caller is an AVX2 kernel).
#[inline(always)]
unsafe fn add_pd(tot: __m256d, e0: __m256, e1: __m256) -> __m256d {
    // SAFETY: the CPU supports AVX2 and FMA (this function's contract).
    unsafe {
        let e = _mm256_add_ps(e0, e1);
        let lo4 = _mm256_cvtps_pd(_mm256_castps256_ps128(e));
        let hi4 = _mm256_cvtps_pd(_mm256_extractf128_ps(e, 1));
        _mm256_add_pd(tot, _mm256_add_pd(lo4, hi4))
    }
}

/// Lane mask of half `h` of a tile row whose valid-lane bits are `m` (all ones if m = 0xFFFF).
///
/// # Safety
/// The CPU supports AVX2 and FMA (every caller is an AVX2 kernel).
#[inline(always)]
unsafe fn row_mask(m: u16, h: usize) -> __m256 {
    // SAFETY: the CPU supports AVX2 and FMA (this function's contract).
    unsafe {
        if m == u16::MAX {
            _mm256_castsi256_ps(_mm256_set1_epi32(-1))
        } else {
            lane_mask(m, h)
        }
    }
}

/// Dispersion epilogue without a shift, one pass over a 6×16 tile of cosines: Σ over lanes set in
/// `valid` of exp(k·arccos(clamp(c, lo, hi))/π), summed in f64. [`grad_tile_esum`] computes the
/// same sum with the same operations in the same order (equal to the last bit).
#[target_feature(enable = "avx2,fma")]
fn disp_tile_esum(t: &[f32; 96], valid: &[u16; 6], lo: f32, hi: f32, k: f32) -> f64 {
    let t = t.as_ptr();
    // SAFETY: AVX2 and FMA are enabled here; every access is at 16·r + 8·h + lane with
    // r < 6, h < 2, lane < 8: inside the 96-float tile.
    unsafe {
        let (vlo, vhi) = (_mm256_set1_ps(lo), _mm256_set1_ps(hi));
        let vkp = _mm256_set1_ps(k * core::f32::consts::FRAC_1_PI);
        let mut tot = _mm256_setzero_pd();
        // Two rows (4 vectors) at a time: 4 interleaved arccos/exp chains.
        for r in (0..6).step_by(2) {
            let mut x = [_mm256_setzero_ps(); 4];
            for (v, xv) in x.iter_mut().enumerate() {
                let c = _mm256_loadu_ps(t.add(16 * r + 8 * v));
                *xv = _mm256_max_ps(_mm256_min_ps(c, vhi), vlo);
            }
            let mut a = acos8n(x);
            for av in &mut a {
                *av = _mm256_mul_ps(*av, vkp);
            }
            let e = exp8n(a);
            for q in 0..2 {
                let m = valid[r + q];
                let e0 = _mm256_and_ps(e[2 * q], row_mask(m, 0));
                let e1 = _mm256_and_ps(e[2 * q + 1], row_mask(m, 1));
                tot = add_pd(tot, e0, e1);
            }
        }
        hsumd(tot)
    }
}

/// Gradient epilogue without a shift: returns the sum of [`disp_tile_esum`] and turns the cosines
/// in `t` into the unscaled G = e/max(sqrt(1−ĉ²), 1e-6) (0 on lanes not in `valid` and, unless
/// `straight`, where the clamp was active).
#[target_feature(enable = "avx2,fma")]
fn grad_tile_esum(
    t: &mut [f32; 96],
    valid: &[u16; 6],
    lo: f32,
    hi: f32,
    k: f32,
    straight: bool,
) -> f64 {
    let t = t.as_mut_ptr();
    // SAFETY: AVX2 and FMA are enabled here; every access is at 16·r + 8·h + lane with
    // r < 6, h < 2, lane < 8: inside the 96-float tile.
    unsafe {
        let (vlo, vhi) = (_mm256_set1_ps(lo), _mm256_set1_ps(hi));
        let vkp = _mm256_set1_ps(k * core::f32::consts::FRAC_1_PI);
        let one = _mm256_set1_ps(1.0);
        let mut tot = _mm256_setzero_pd();
        // Two rows (4 vectors) at a time, the same operations and sum order as `disp_tile_esum`.
        for r in (0..6).step_by(2) {
            let mut c = [_mm256_setzero_ps(); 4];
            let mut x = c;
            for v in 0..4 {
                c[v] = _mm256_loadu_ps(t.add(16 * r + 8 * v));
                x[v] = _mm256_max_ps(_mm256_min_ps(c[v], vhi), vlo);
            }
            let mut a = acos8n(x);
            for av in &mut a {
                *av = _mm256_mul_ps(*av, vkp);
            }
            let e = exp8n(a);
            for q in 0..2 {
                let m = valid[r + q];
                let mut es = [_mm256_setzero_ps(); 2];
                for (h, es) in es.iter_mut().enumerate() {
                    let v = 2 * q + h;
                    let mask = row_mask(m, h);
                    *es = _mm256_and_ps(e[v], mask);
                    let den = _mm256_max_ps(
                        _mm256_sqrt_ps(_mm256_fnmadd_ps(x[v], x[v], one)),
                        _mm256_set1_ps(1e-6),
                    );
                    let mut keep = mask;
                    if !straight {
                        let inside = _mm256_and_ps(
                            _mm256_cmp_ps(c[v], vlo, _CMP_GE_OQ),
                            _mm256_cmp_ps(c[v], vhi, _CMP_LE_OQ),
                        );
                        keep = _mm256_and_ps(keep, inside);
                    }
                    let g = _mm256_and_ps(_mm256_div_ps(e[v], den), keep);
                    _mm256_storeu_ps(t.add(16 * r + 8 * v), g);
                }
                tot = add_pd(tot, es[0], es[1]);
            }
        }
        hsumd(tot)
    }
}

/// Rank-update kernel: out[r][0..f] += Σ_c w[r*ws + c*wc] · inp[c][0..f] for r < R (rows of
/// `out` at stride `os`), c < q (rows of `inp` at stride `is`). R = 6 or 4 (2R accumulators).
///
/// # Safety
/// AVX2+FMA available; all pointers valid for the implied extents (`f` floats per row).
#[target_feature(enable = "avx2,fma")]
#[allow(clippy::too_many_arguments)]
unsafe fn rank_update_r<const R: usize>(
    out: *mut f32,
    os: usize,
    w: *const f32,
    ws: usize,
    wc: usize,
    inp: *const f32,
    is: usize,
    q: usize,
    f: usize,
) {
    // SAFETY: the caller upholds the contract above (features and extents).
    unsafe {
        let mut k = 0;
        while k + 16 <= f {
            let mut acc = [[_mm256_setzero_ps(); 2]; R];
            for (r, row) in acc.iter_mut().enumerate() {
                row[0] = _mm256_loadu_ps(out.add(r * os + k));
                row[1] = _mm256_loadu_ps(out.add(r * os + k + 8));
            }
            let (mut pi, mut pw) = (inp.add(k), w);
            for _ in 0..q {
                let i0 = _mm256_loadu_ps(pi);
                let i1 = _mm256_loadu_ps(pi.add(8));
                for (r, row) in acc.iter_mut().enumerate() {
                    let wv = _mm256_broadcast_ss(&*pw.add(r * ws));
                    row[0] = _mm256_fmadd_ps(wv, i0, row[0]);
                    row[1] = _mm256_fmadd_ps(wv, i1, row[1]);
                }
                pi = pi.add(is);
                pw = pw.add(wc);
            }
            for (r, row) in acc.iter().enumerate() {
                _mm256_storeu_ps(out.add(r * os + k), row[0]);
                _mm256_storeu_ps(out.add(r * os + k + 8), row[1]);
            }
            k += 16;
        }
        while k < f {
            for r in 0..R {
                let mut s = *out.add(r * os + k);
                for c in 0..q {
                    s += *w.add(r * ws + c * wc) * *inp.add(c * is + k);
                }
                *out.add(r * os + k) = s;
            }
            k += 1;
        }
    }
}

/// Rank update over a row of 6×16 weight tiles: out[r][0..f] += Σ_t Σ_c W_t[r][c] · inp[16t + c][0..f]
/// for r < 6, t < `nt`, c < 16, with W_t at `w + t·ts` (row-major 6×16) and rows of `out` / `inp`
/// at strides `os` / `is`. The 12 accumulators stay in registers over all 16·nt inputs.
///
/// # Safety
/// AVX2+FMA available; all pointers valid for the implied extents (`f` floats per row).
#[target_feature(enable = "avx2,fma")]
#[allow(clippy::too_many_arguments)]
unsafe fn rank_update_tiles_6(
    out: *mut f32,
    os: usize,
    w: *const f32,
    ts: usize,
    nt: usize,
    inp: *const f32,
    is: usize,
    f: usize,
) {
    // SAFETY: the caller upholds the contract above (features and extents).
    unsafe {
        let mut k = 0;
        while k + 16 <= f {
            let mut acc = [[_mm256_setzero_ps(); 2]; 6];
            for (r, row) in acc.iter_mut().enumerate() {
                row[0] = _mm256_loadu_ps(out.add(r * os + k));
                row[1] = _mm256_loadu_ps(out.add(r * os + k + 8));
            }
            let mut pi = inp.add(k);
            for t in 0..nt {
                let pw = w.add(t * ts);
                for c in 0..16 {
                    let i0 = _mm256_loadu_ps(pi);
                    let i1 = _mm256_loadu_ps(pi.add(8));
                    for (r, row) in acc.iter_mut().enumerate() {
                        let wv = _mm256_broadcast_ss(&*pw.add(r * 16 + c));
                        row[0] = _mm256_fmadd_ps(wv, i0, row[0]);
                        row[1] = _mm256_fmadd_ps(wv, i1, row[1]);
                    }
                    pi = pi.add(is);
                }
            }
            for (r, row) in acc.iter().enumerate() {
                _mm256_storeu_ps(out.add(r * os + k), row[0]);
                _mm256_storeu_ps(out.add(r * os + k + 8), row[1]);
            }
            k += 16;
        }
        while k < f {
            for r in 0..6 {
                let mut s = *out.add(r * os + k);
                for t in 0..nt {
                    for c in 0..16 {
                        s += *w.add(t * ts + r * 16 + c) * *inp.add((16 * t + c) * is + k);
                    }
                }
                *out.add(r * os + k) = s;
            }
            k += 1;
        }
    }
}

/// Transpose of an 8×8 block held in 8 row vectors.
///
/// # Safety
/// The CPU supports AVX2 and FMA (every caller is an AVX2 kernel).
#[inline(always)]
unsafe fn transpose8(r: [__m256; 8]) -> [__m256; 8] {
    // SAFETY: the CPU supports AVX2 and FMA (this function's contract).
    unsafe {
        let t0 = _mm256_unpacklo_ps(r[0], r[1]);
        let t1 = _mm256_unpackhi_ps(r[0], r[1]);
        let t2 = _mm256_unpacklo_ps(r[2], r[3]);
        let t3 = _mm256_unpackhi_ps(r[2], r[3]);
        let t4 = _mm256_unpacklo_ps(r[4], r[5]);
        let t5 = _mm256_unpackhi_ps(r[4], r[5]);
        let t6 = _mm256_unpacklo_ps(r[6], r[7]);
        let t7 = _mm256_unpackhi_ps(r[6], r[7]);
        let s0 = _mm256_shuffle_ps::<0x44>(t0, t2);
        let s1 = _mm256_shuffle_ps::<0xEE>(t0, t2);
        let s2 = _mm256_shuffle_ps::<0x44>(t1, t3);
        let s3 = _mm256_shuffle_ps::<0xEE>(t1, t3);
        let s4 = _mm256_shuffle_ps::<0x44>(t4, t6);
        let s5 = _mm256_shuffle_ps::<0xEE>(t4, t6);
        let s6 = _mm256_shuffle_ps::<0x44>(t5, t7);
        let s7 = _mm256_shuffle_ps::<0xEE>(t5, t7);
        [
            _mm256_permute2f128_ps::<0x20>(s0, s4),
            _mm256_permute2f128_ps::<0x20>(s1, s5),
            _mm256_permute2f128_ps::<0x20>(s2, s6),
            _mm256_permute2f128_ps::<0x20>(s3, s7),
            _mm256_permute2f128_ps::<0x31>(s0, s4),
            _mm256_permute2f128_ps::<0x31>(s1, s5),
            _mm256_permute2f128_ps::<0x31>(s2, s6),
            _mm256_permute2f128_ps::<0x31>(s3, s7),
        ]
    }
}

/// Pack one 6-wide panel: dst[k*6 + r] = rows[r][k] · inv[r] for k < f, r < 6, by 8×8 register
/// transposes of rows 0..8 (rows 6, 7 are loaded but not kept; scalar tail). Each k step stores 8
/// floats (the 2 extra are overwritten by the next step; the last step's land in the panel's
/// padding): AMD's masked store is microcoded and cost more than the transposes.
///
/// # Safety
/// AVX2+FMA available; `rows[r]` readable for `f` floats for every r < 8 (padding rows may
/// alias a real row with `inv[r] = 0`); `dst` writable for `6 * f + 2` floats.
#[target_feature(enable = "avx2,fma")]
unsafe fn pack_panel6(rows: &[*const f32; 8], inv: &[f32; 8], f: usize, dst: *mut f32) {
    // SAFETY: the caller upholds the contract above (features and extents).
    unsafe {
        let vinv: [__m256; 8] = core::array::from_fn(|r| _mm256_set1_ps(inv[r]));
        let mut k = 0;
        while k + 8 <= f {
            let t = transpose8(core::array::from_fn(|r| {
                _mm256_mul_ps(_mm256_loadu_ps(rows[r].add(k)), vinv[r])
            }));
            for (kk, v) in t.iter().enumerate() {
                _mm256_storeu_ps(dst.add((k + kk) * 6), *v);
            }
            k += 8;
        }
        while k < f {
            for r in 0..6 {
                *dst.add(k * 6 + r) = *rows[r].add(k) * inv[r];
            }
            k += 1;
        }
    }
}

/// Feature-panel layout of the 16-wide packing: for each 16-row panel `p < nbp` of `b` (k-major,
/// panel stride `sb`) and each full 16-feature block `fp < f / 16`, z[(fp·rs + 16p + c)·16 + kk] =
/// b[p·sb + (16fp + kk)·16 + c] (a 16×16 transpose by four 8×8 register transposes).
///
/// # Safety
/// AVX2+FMA available; `b` readable for `nbp·sb` floats with `sb ≥ 16·f`; `z` writable for
/// `(f / 16)·rs·16` floats with `rs ≥ 16·nbp`.
#[target_feature(enable = "avx2,fma")]
unsafe fn zpanels(b: *const f32, sb: usize, nbp: usize, f: usize, z: *mut f32, rs: usize) {
    // SAFETY: the caller upholds the contract above (features and extents).
    unsafe {
        for p in 0..nbp {
            for fp in 0..f / 16 {
                let src = b.add(p * sb + fp * 256);
                let dst = z.add((fp * rs + 16 * p) * 16);
                for h in 0..2 {
                    for s in 0..2 {
                        let t = transpose8(core::array::from_fn(|kk| {
                            _mm256_loadu_ps(src.add((8 * s + kk) * 16 + 8 * h))
                        }));
                        for (cc, v) in t.iter().enumerate() {
                            _mm256_storeu_ps(dst.add((8 * h + cc) * 16 + 8 * s), *v);
                        }
                    }
                }
            }
        }
    }
}

/// Pack 8 rows into one half of a 16-wide panel: dst[k·16 + r] = rows[r][k] · inv[r] for k < f,
/// r < 8 (`dst` = the panel + 0 or + 8). k 16 at a time: each row's source line is consumed whole.
///
/// # Safety
/// AVX2+FMA available; `rows[r]` readable for `f` floats; `dst` writable for `16·(f − 1) + 8`
/// floats.
#[target_feature(enable = "avx2,fma")]
unsafe fn pack_half16(rows: &[*const f32; 8], inv: &[f32; 8], f: usize, dst: *mut f32) {
    // SAFETY: the caller upholds the contract above (features and extents).
    unsafe {
        let vinv: [__m256; 8] = core::array::from_fn(|r| _mm256_set1_ps(inv[r]));
        let group = |k: usize| {
            transpose8(core::array::from_fn(|r| {
                _mm256_mul_ps(_mm256_loadu_ps(rows[r].add(k)), vinv[r])
            }))
        };
        let mut k = 0;
        while k + 8 <= f {
            let t = group(k);
            for (kk, v) in t.iter().enumerate() {
                _mm256_storeu_ps(dst.add((k + kk) * 16), *v);
            }
            k += 8;
        }
        while k < f {
            for r in 0..8 {
                *dst.add(k * 16 + r) = *rows[r].add(k) * inv[r];
            }
            k += 1;
        }
    }
}

/// The safe entry points: each checks the extents its kernel reads and writes (a call that does not
/// fit does nothing), and the token proves the CPU features.
impl Avx2 {
    /// Cosine similarity of f32 vectors, sums and tail fused in registers; NaN where the general
    /// path must classify an error (see [`cos_tail_f32`]).
    #[inline]
    pub fn cos_f32(self, a: &[f32], b: &[f32]) -> f32 {
        // SAFETY: the token proves AVX2 and FMA run on this CPU.
        unsafe { cos_f32(a, b) }
    }

    /// Cosine similarity of bf16 vectors (f32 accumulation), fused as [`Avx2::cos_f32`].
    #[inline]
    pub fn cos_bf16(self, a: &[Bf16], b: &[Bf16]) -> f32 {
        // SAFETY: the token proves AVX2 and FMA run on this CPU.
        unsafe { cos_bf16(a, b) }
    }

    /// The 6×16 Gram microkernel on a checked operand: `c (+)= Σ_k A[k][0..6] ⊗ b[16k..16k + 16]`
    /// over `kc` steps. Does nothing unless [`MicroA::fits`]`(kc, b.len())`.
    #[inline]
    pub fn gemm_6x16(self, a: MicroA<'_>, b: &[f32], kc: usize, c: &mut Tile, first: bool) {
        if !a.fits(kc, b.len()) {
            return;
        }
        let (bp, cp) = (b.as_ptr(), c.as_mut_ptr());
        // SAFETY: the token proves AVX2 and FMA; `fits` checked that `b` holds 16·kc floats and
        // the A operand the rows each form reads (6·kc floats of a 6-wide slab; 16·(kc − 1) +
        // split of `lo` and 16·(kc − 1) + 6 − split of `hi`, split ∈ {6, 4, 2}); `c` is a tile.
        unsafe {
            match a {
                MicroA::Narrow(a) => gemm_6x16::<6, 6>(a.as_ptr(), a.as_ptr(), bp, kc, cp, first),
                MicroA::Wide { lo, hi, split } => {
                    let (l, h) = (lo.as_ptr(), hi.as_ptr());
                    match split {
                        4 => gemm_6x16::<16, 4>(l, h, bp, kc, cp, first),
                        2 => gemm_6x16::<16, 2>(l, h, bp, kc, cp, first),
                        _ => gemm_6x16::<16, 6>(l, l, bp, kc, cp, first),
                    }
                }
            }
        }
    }

    /// In place over the first `t.len() − t.len() % 8` floats: clamp to [lo, hi], then apply
    /// `tr` (keep the cosine, arccos in radians, or arccos/π).
    #[inline]
    pub fn transform(self, t: &mut [f32], lo: f32, hi: f32, tr: Transform) {
        let mode = match tr {
            Transform::Cosine => 0,
            Transform::Angle => 1,
            Transform::AngleOverPi => 2,
        };
        // SAFETY: the token proves AVX2 and FMA run on this CPU.
        unsafe { transform(t, lo, hi, mode) }
    }

    /// Dispersion epilogue, pass 1: D = arccos(clamp(c, lo, hi))/π in place; the minimum D over
    /// the lanes set in `valid` (2.0 if none).
    #[inline]
    pub fn disp_tile_d(self, t: &mut Tile, valid: &[u16; 6], ep: &Epilogue) -> f32 {
        // SAFETY: the token proves AVX2 and FMA run on this CPU.
        unsafe { disp_tile_d(t, valid, ep.lo, ep.hi) }
    }

    /// Dispersion epilogue, pass 2: Σ over the lanes set in `valid` of exp(D·k − shift) in f64.
    #[inline]
    pub fn disp_tile_sum(self, t: &Tile, valid: &[u16; 6], ep: &Epilogue) -> f64 {
        // SAFETY: the token proves AVX2 and FMA run on this CPU.
        unsafe { disp_tile_sum(t, valid, ep.k, ep.shift) }
    }

    /// Dispersion gradient epilogue: cosines become G = scale·exp(D·k − shift)/√(1 − ĉ²).
    #[inline]
    pub fn grad_tile(self, t: &mut Tile, valid: &[u16; 6], ep: &Epilogue) {
        // SAFETY: the token proves AVX2 and FMA run on this CPU.
        unsafe {
            grad_tile(
                t,
                valid,
                ep.lo,
                ep.hi,
                ep.k,
                ep.shift,
                ep.scale,
                ep.straight,
            )
        }
    }

    /// One-pass dispersion epilogue without a shift: Σ over the lanes set in `valid` of
    /// exp(k·arccos(clamp(c, lo, hi))/π) in f64.
    #[inline]
    pub fn disp_tile_esum(self, t: &Tile, valid: &[u16; 6], ep: &Epilogue) -> f64 {
        // SAFETY: the token proves AVX2 and FMA run on this CPU.
        unsafe { disp_tile_esum(t, valid, ep.lo, ep.hi, ep.k) }
    }

    /// [`Avx2::disp_tile_esum`] that also turns the tile into the unscaled gradient.
    #[inline]
    pub fn grad_tile_esum(self, t: &mut Tile, valid: &[u16; 6], ep: &Epilogue) -> f64 {
        // SAFETY: the token proves AVX2 and FMA run on this CPU.
        unsafe { grad_tile_esum(t, valid, ep.lo, ep.hi, ep.k, ep.straight) }
    }

    /// Rank update of `rows` (6 or 4) rows of `out`. Does nothing for other row counts or when
    /// [`RankUpdate::fits`] is false.
    #[inline]
    pub fn rank_update(self, rows: usize, out: &mut [f32], u: &RankUpdate<'_>) {
        if !(rows == 6 || rows == 4) || !u.fits(rows, out.len()) {
            return;
        }
        let (o, w, i, st) = (out.as_mut_ptr(), u.w.as_ptr(), u.inp.as_ptr(), u.stride);
        // SAFETY: the token proves AVX2 and FMA; `fits` checked that `out` holds rows·stride
        // floats up to the last row's `len`, `inp` the same for q rows, and `w` every
        // r·ws + c·wc (r < rows, c < q).
        unsafe {
            match rows {
                6 => rank_update_r::<6>(o, st, w, u.ws, u.wc, i, st, u.q, u.len),
                4 => rank_update_r::<4>(o, st, w, u.ws, u.wc, i, st, u.q, u.len),
                _ => {}
            }
        }
    }

    /// Rank update of the 6 rows of `out` over a row of weight tiles. Does nothing when
    /// [`TileRankUpdate::fits`] is false.
    #[inline]
    pub fn rank_update_tiles_6(self, out: &mut [f32], u: &TileRankUpdate<'_>) {
        if !u.fits(out.len()) {
            return;
        }
        let (o, w, i, st) = (out.as_mut_ptr(), u.w.as_ptr(), u.inp.as_ptr(), u.stride);
        // SAFETY: the token proves AVX2 and FMA; `fits` checked the extents of `out` (6 rows),
        // `inp` (16·nt rows) and `w` (nt tiles at stride ts).
        unsafe { rank_update_tiles_6(o, st, w, u.ts, u.nt, i, st, u.len) }
    }

    /// Feature-panel copy of the full 16-feature blocks of a 16-wide packing (see
    /// [`zpanels`]); returns the number of feature panels written, `f / 16`, or 0 (nothing
    /// written) unless `b` holds `nbp·sb` floats with `sb ≥ 16·f` and `z` holds
    /// `(f / 16)·rs·16` floats with `rs ≥ 16·nbp`.
    #[inline]
    pub fn zpanels(
        self,
        b: &[f32],
        sb: usize,
        nbp: usize,
        f: usize,
        z: &mut [f32],
        rs: usize,
    ) -> usize {
        let fits = nbp.checked_mul(sb).is_some_and(|e| b.len() >= e)
            && f.checked_mul(16).is_some_and(|e| sb >= e)
            && nbp.checked_mul(16).is_some_and(|e| rs >= e)
            && (f / 16)
                .checked_mul(rs)
                .and_then(|e| e.checked_mul(16))
                .is_some_and(|e| z.len() >= e);
        if !fits {
            return 0;
        }
        // SAFETY: the token proves AVX2 and FMA; the extents were checked just above.
        unsafe { zpanels(b.as_ptr(), sb, nbp, f, z.as_mut_ptr(), rs) };
        f / 16
    }

    /// Pack 6 of the 8 rows (rows 6 and 7 are read, not kept), each scaled by `inv[r]`, into a
    /// 6-wide panel: `dst[6k + r] = rows[r][k]·inv[r]`, k < f. False (nothing written) unless every
    /// row holds f floats and `dst` 6f + 2.
    #[inline]
    pub fn pack_panel6(
        self,
        rows: &[&[f32]; 8],
        inv: &[f32; 8],
        f: usize,
        dst: &mut [f32],
    ) -> bool {
        let fits = rows.iter().all(|r| r.len() >= f)
            && f.checked_mul(6)
                .and_then(|e| e.checked_add(2))
                .is_some_and(|e| dst.len() >= e);
        if !fits {
            return false;
        }
        let ptrs: [*const f32; 8] = core::array::from_fn(|r| rows[r].as_ptr());
        // SAFETY: the token proves AVX2 and FMA; the extents were checked just above.
        unsafe { pack_panel6(&ptrs, inv, f, dst.as_mut_ptr()) };
        true
    }

    /// Pack 8 rows, each scaled by `inv[r]`, into one half of a 16-wide panel:
    /// `dst[16k + r] = rows[r][k]·inv[r]`, k < f. False (nothing written) unless every row holds
    /// f floats and `dst` 16(f − 1) + 8.
    #[inline]
    pub fn pack_half16(
        self,
        rows: &[&[f32]; 8],
        inv: &[f32; 8],
        f: usize,
        dst: &mut [f32],
    ) -> bool {
        let need = match f.checked_sub(1) {
            None => Some(0),
            Some(k) => k.checked_mul(16).and_then(|e| e.checked_add(8)),
        };
        if !(rows.iter().all(|r| r.len() >= f) && need.is_some_and(|e| dst.len() >= e)) {
            return false;
        }
        let ptrs: [*const f32; 8] = core::array::from_fn(|r| rows[r].as_ptr());
        // SAFETY: the token proves AVX2 and FMA; the extents were checked just above.
        unsafe { pack_half16(&ptrs, inv, f, dst.as_mut_ptr()) };
        true
    }
}
