//! x86-64 AVX-512 kernels behind the [`Avx512`] token: pair dots (512-bit, 4 unrolled vectors × up
//! to 3 sums, masked tails) and the bf16 dot through `vdpbf16ps` when AVX512-BF16 is present.
//!
//! Safety: every kernel is compiled with `#[target_feature(enable = "avx512f")]` and is reached
//! only through a safe method of [`Avx512`], a zero-sized token that [`Avx512::detect`] hands out
//! only when run-time detection found AVX-512F with OS support for the ZMM and opmask state (and
//! AVX2 + FMA); the `vdpbf16ps` kernel runs only after AVX512-BF16 was detected too. The kernels
//! take slices and read paired slices up to `min(a.len(), b.len())`; the load helpers are
//! `unsafe fn`s called only from those kernels.
//! Where the CPU has AVX-512F, every scalar-vs-SIMD test of the geometry suite runs these kernels.

use super::Bf16;
use core::arch::x86_64::*;

/// Proof that this CPU runs AVX-512F (with OS support for the ZMM and opmask state) and AVX2 +
/// FMA: zero-sized, made only by [`Avx512::detect`].
#[derive(Debug, Clone, Copy)]
pub struct Avx512(());

impl Avx512 {
    /// The token, if run-time detection found AVX-512F (and AVX2 + FMA).
    #[inline]
    pub fn detect() -> Option<Self> {
        super::dispatch::has_avx512f().then_some(Avx512(()))
    }
}

#[inline(always)]
fn tail_mask(rem: usize, w: usize) -> u32 {
    if rem >= w {
        u32::MAX
    } else {
        (1u32 << rem) - 1
    }
}

macro_rules! avx512_dot {
    ($name:ident, $name3:ident, $t:ty, $out:ty, $w:expr, $zero:ident, $load:ident, $mload:ident,
     $fma:ident, $add:ident, $red:ident) => {
        /// Σ aᵢbᵢ with 8 independent 512-bit accumulators and a masked tail.
        #[target_feature(enable = "avx512f")]
        fn $name(a: &[$t], b: &[$t]) -> $out {
            let n = a.len().min(b.len());
            let (pa, pb) = (a.as_ptr(), b.as_ptr());
            // SAFETY: AVX-512F is enabled here; every (masked) read is at an index
            // below n = min(a.len(), b.len()).
            unsafe {
                let mut s = [$zero(); 8];
                let mut i = 0;
                while i + 8 * $w <= n {
                    for u in 0..8 {
                        s[u] = $fma($load(pa.add(i + u * $w)), $load(pb.add(i + u * $w)), s[u]);
                    }
                    i += 8 * $w;
                }
                while i < n {
                    #[allow(clippy::cast_possible_truncation)]
                    let m = tail_mask(n - i, $w) as _;
                    s[0] = $fma($mload(m, pa.add(i)), $mload(m, pb.add(i)), s[0]);
                    i += $w;
                }
                let v = $add(
                    $add($add(s[0], s[1]), $add(s[2], s[3])),
                    $add($add(s[4], s[5]), $add(s[6], s[7])),
                );
                $red(v)
            }
        }

        /// (Σ aᵢbᵢ, Σ aᵢ², Σ bᵢ²) with 12 independent 512-bit accumulators and a masked tail.
        #[target_feature(enable = "avx512f")]
        fn $name3(a: &[$t], b: &[$t]) -> [$out; 3] {
            let n = a.len().min(b.len());
            let (pa, pb) = (a.as_ptr(), b.as_ptr());
            // SAFETY: AVX-512F is enabled here; every (masked) read is at an index
            // below n = min(a.len(), b.len()).
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
                while i < n {
                    #[allow(clippy::cast_possible_truncation)]
                    let m = tail_mask(n - i, $w) as _;
                    let x = $mload(m, pa.add(i));
                    let y = $mload(m, pb.add(i));
                    s[0] = $fma(x, y, s[0]);
                    sa[0] = $fma(x, x, sa[0]);
                    sb[0] = $fma(y, y, sb[0]);
                    i += $w;
                }
                let r4 = |v: [_; 4]| $add($add(v[0], v[1]), $add(v[2], v[3]));
                [$red(r4(s)), $red(r4(sa)), $red(r4(sb))]
            }
        }

        impl Avx512 {
            /// Σ aᵢbᵢ over the common prefix of `a` and `b`.
            #[inline]
            pub fn $name(self, a: &[$t], b: &[$t]) -> $out {
                // SAFETY: the token proves AVX-512F runs on this CPU.
                unsafe { $name(a, b) }
            }

            /// (Σ aᵢbᵢ, Σ aᵢ², Σ bᵢ²) over the common prefix of `a` and `b`.
            #[inline]
            pub fn $name3(self, a: &[$t], b: &[$t]) -> [$out; 3] {
                // SAFETY: the token proves AVX-512F runs on this CPU.
                unsafe { $name3(a, b) }
            }
        }
    };
}

avx512_dot!(
    dot_f32,
    dot3_f32,
    f32,
    f32,
    16,
    _mm512_setzero_ps,
    _mm512_loadu_ps,
    _mm512_maskz_loadu_ps,
    _mm512_fmadd_ps,
    _mm512_add_ps,
    _mm512_reduce_add_ps
);
avx512_dot!(
    dot_f64,
    dot3_f64,
    f64,
    f64,
    8,
    _mm512_setzero_pd,
    _mm512_loadu_pd,
    _mm512_maskz_loadu_pd,
    _mm512_fmadd_pd,
    _mm512_add_pd,
    _mm512_reduce_add_pd
);

/// # Safety
/// The CPU supports AVX-512F; `p` is readable for 8 `f32` values.
#[inline(always)]
unsafe fn load_f32_as_f64(p: *const f32) -> __m512d {
    // SAFETY: the CPU supports AVX-512F and `p` is readable as required (this
    // function's contract).
    unsafe { _mm512_cvtps_pd(_mm256_loadu_ps(p)) }
}
/// # Safety
/// The CPU supports AVX-512F; `p` is readable for the `f32` lanes set in `m`.
#[inline(always)]
unsafe fn mload_f32_as_f64(m: u8, p: *const f32) -> __m512d {
    // SAFETY: the CPU supports AVX-512F and `p` is readable as required (this
    // function's contract).
    unsafe {
        _mm512_cvtps_pd(_mm512_castps512_ps256(_mm512_maskz_loadu_ps(
            u16::from(m),
            p,
        )))
    }
}
avx512_dot!(
    dot_f32_acc64,
    dot3_f32_acc64,
    f32,
    f64,
    8,
    _mm512_setzero_pd,
    load_f32_as_f64,
    mload_f32_as_f64,
    _mm512_fmadd_pd,
    _mm512_add_pd,
    _mm512_reduce_add_pd
);

/// # Safety
/// The CPU supports AVX-512F; `p` is readable for 16 `Bf16` values.
#[inline(always)]
unsafe fn load_bf16(p: *const Bf16) -> __m512 {
    // SAFETY: the CPU supports AVX-512F and `p` is readable as required (this
    // function's contract).
    unsafe {
        let h = _mm256_loadu_si256(p.cast::<__m256i>());
        _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16))
    }
}
/// bf16 dot by widening to f32 (AVX-512F only, no BF16 extension).
#[target_feature(enable = "avx512f")]
fn dot3_bf16_widen(a: &[Bf16], b: &[Bf16]) -> [f32; 3] {
    // SAFETY: AVX-512F is enabled here; every read is at an index below
    // n = min(a.len(), b.len()).
    unsafe {
        let n = a.len().min(b.len());
        let (pa, pb) = (a.as_ptr(), b.as_ptr());
        let z = _mm512_setzero_ps;
        let (mut s, mut sa, mut sb) = ([z(); 4], [z(); 4], [z(); 4]);
        let mut i = 0;
        while i + 64 <= n {
            for u in 0..4 {
                let x = load_bf16(pa.add(i + 16 * u));
                let y = load_bf16(pb.add(i + 16 * u));
                s[u] = _mm512_fmadd_ps(x, y, s[u]);
                sa[u] = _mm512_fmadd_ps(x, x, sa[u]);
                sb[u] = _mm512_fmadd_ps(y, y, sb[u]);
            }
            i += 64;
        }
        while i + 16 <= n {
            let x = load_bf16(pa.add(i));
            let y = load_bf16(pb.add(i));
            s[0] = _mm512_fmadd_ps(x, y, s[0]);
            sa[0] = _mm512_fmadd_ps(x, x, sa[0]);
            sb[0] = _mm512_fmadd_ps(y, y, sb[0]);
            i += 16;
        }
        finish3([s, sa, sb], a, b, i)
    }
}

/// The end of a three-sum bf16 kernel: the scalar tail (elements `from..` of both slices, in
/// order) added to the four-way reduction of the vector accumulators `[a·b, a·a, b·b]`.
#[target_feature(enable = "avx512f")]
fn finish3(acc: [[__m512; 4]; 3], a: &[Bf16], b: &[Bf16], from: usize) -> [f32; 3] {
    let mut t = [0.0f32; 3];
    for (x, y) in a.iter().zip(b).skip(from) {
        let (p, q) = (x.to_f32(), y.to_f32());
        t[0] += p * q;
        t[1] += p * p;
        t[2] += q * q;
    }
    let r4 = |v: [__m512; 4]| _mm512_add_ps(_mm512_add_ps(v[0], v[1]), _mm512_add_ps(v[2], v[3]));
    [
        _mm512_reduce_add_ps(r4(acc[0])) + t[0],
        _mm512_reduce_add_ps(r4(acc[1])) + t[1],
        _mm512_reduce_add_ps(r4(acc[2])) + t[2],
    ]
}

/// bf16 dot through `vdpbf16ps` (32 bf16 products per instruction, f32 accumulation).
#[target_feature(enable = "avx512f,avx512bf16")]
fn dot3_bf16_dp(a: &[Bf16], b: &[Bf16]) -> [f32; 3] {
    // SAFETY: AVX-512F and AVX512-BF16 are enabled here; every read is at an index
    // below n = min(a.len(), b.len()).
    unsafe {
        let n = a.len().min(b.len());
        let (pa, pb) = (a.as_ptr(), b.as_ptr());
        let z = _mm512_setzero_ps;
        let (mut s, mut sa, mut sb) = ([z(); 4], [z(); 4], [z(); 4]);
        let ld =
            |p: *const Bf16| -> __m512bh { core::mem::transmute(_mm512_loadu_si512(p.cast())) };
        let mut i = 0;
        while i + 128 <= n {
            for u in 0..4 {
                let x = ld(pa.add(i + 32 * u));
                let y = ld(pb.add(i + 32 * u));
                s[u] = _mm512_dpbf16_ps(s[u], x, y);
                sa[u] = _mm512_dpbf16_ps(sa[u], x, x);
                sb[u] = _mm512_dpbf16_ps(sb[u], y, y);
            }
            i += 128;
        }
        while i + 32 <= n {
            let x = ld(pa.add(i));
            let y = ld(pb.add(i));
            s[0] = _mm512_dpbf16_ps(s[0], x, y);
            sa[0] = _mm512_dpbf16_ps(sa[0], x, x);
            sb[0] = _mm512_dpbf16_ps(sb[0], y, y);
            i += 32;
        }
        finish3([s, sa, sb], a, b, i)
    }
}

/// (Σ aᵢbᵢ, Σ aᵢ², Σ bᵢ²) of bf16 inputs: `vdpbf16ps` if AVX512-BF16 is present, else widening.
#[target_feature(enable = "avx512f")]
fn dot3_bf16(a: &[Bf16], b: &[Bf16]) -> [f32; 3] {
    if super::dispatch::has_avx512bf16() {
        // SAFETY: AVX-512F is enabled here and AVX512-BF16 was detected at run time.
        unsafe { dot3_bf16_dp(a, b) }
    } else {
        dot3_bf16_widen(a, b)
    }
}

/// Σ aᵢbᵢ of bf16 inputs (via [`dot3_bf16`]'s kernels; the two extra sums are cheap on bf16).
#[target_feature(enable = "avx512f")]
fn dot_bf16(a: &[Bf16], b: &[Bf16]) -> f32 {
    dot3_bf16(a, b)[0]
}

/// Cosine similarity of f32 vectors, sums and tail fused in registers (NaN on the error cases of
/// [`cos_tail_f32`](super::avx2::cos_tail_f32)).
#[target_feature(enable = "avx512f")]
fn cos_f32(a: &[f32], b: &[f32]) -> f32 {
    super::avx2::cos_tail_f32(dot3_f32(a, b))
}

/// Cosine similarity of bf16 vectors, fused as [`cos_f32`].
#[target_feature(enable = "avx512f")]
fn cos_bf16(a: &[Bf16], b: &[Bf16]) -> f32 {
    super::avx2::cos_tail_f32(dot3_bf16(a, b))
}

/// The safe entry points of the bf16 and fused-cosine kernels.
impl Avx512 {
    /// Σ aᵢbᵢ of bf16 inputs over the common prefix of `a` and `b` (f32 accumulation).
    #[inline]
    pub fn dot_bf16(self, a: &[Bf16], b: &[Bf16]) -> f32 {
        // SAFETY: the token proves AVX-512F runs on this CPU.
        unsafe { dot_bf16(a, b) }
    }

    /// (Σ aᵢbᵢ, Σ aᵢ², Σ bᵢ²) of bf16 inputs: `vdpbf16ps` if AVX512-BF16 is present, else widening.
    #[inline]
    pub fn dot3_bf16(self, a: &[Bf16], b: &[Bf16]) -> [f32; 3] {
        // SAFETY: the token proves AVX-512F runs on this CPU.
        unsafe { dot3_bf16(a, b) }
    }

    /// Cosine similarity of f32 vectors, sums and tail fused in registers; NaN where the general
    /// path must classify an error.
    #[inline]
    pub fn cos_f32(self, a: &[f32], b: &[f32]) -> f32 {
        // SAFETY: the token proves AVX-512F runs on this CPU.
        unsafe { cos_f32(a, b) }
    }

    /// Cosine similarity of bf16 vectors, fused as [`Avx512::cos_f32`].
    #[inline]
    pub fn cos_bf16(self, a: &[Bf16], b: &[Bf16]) -> f32 {
        // SAFETY: the token proves AVX-512F runs on this CPU.
        unsafe { cos_bf16(a, b) }
    }
}
