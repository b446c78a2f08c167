//! aarch64 NEON kernels (baseline on aarch64): pair dots for f32, f64, bf16 (widened to f32 by a
//! 16-bit shift) and f32 with f64 accumulation — `dot` with 8 unrolled vectors = 8 independent
//! accumulators, three-sum dots with 4 unrolled vectors × 3 sums = 12 — and the 6×16 Gram
//! microkernel (24 q-register accumulators).
//!
//! Tested by running the geometry tests for `aarch64-unknown-linux-gnu` under qemu user-mode
//! emulation (`bash .ci/aarch64.sh`): there [`Backend::Neon`](super::Backend::Neon) is detected,
//! and every scalar-vs-SIMD test (pair kernels, N×N/cross matrices, the Gram microkernel unit
//! test, dispersion) runs these kernels against the scalar path / an f64 reference within its
//! stated bound. Speed is not measured (no aarch64 hardware on the development machine).
//!
//! Safety: every kernel is compiled with `#[target_feature(enable = "neon")]` and is reached only
//! through a safe method of [`Neon`], a zero-sized token that [`Neon::detect`] hands out where NEON
//! was detected (always on aarch64). The dot kernels take slices and read paired slices up to
//! `min(a.len(), b.len())`; the microkernel takes raw pointers, and its token method checks every
//! extent first. The load helpers are `unsafe fn`s called only from those kernels.

use super::kernels::{MicroA, Tile};
use super::Bf16;
use core::arch::aarch64::*;

/// Proof that this CPU runs NEON: zero-sized, made only by [`Neon::detect`].
#[derive(Debug, Clone, Copy)]
pub struct Neon(());

impl Neon {
    /// The token, if NEON was detected (always on aarch64).
    #[inline]
    pub fn detect() -> Option<Self> {
        super::dispatch::has_neon().then_some(Neon(()))
    }
}

/// Load 4 bf16 values and widen them exactly to 4 f32 (bf16 bits << 16).
///
/// # Safety
/// NEON is available; `p` is readable for 4 `Bf16` values.
#[inline(always)]
unsafe fn load_bf16(p: *const Bf16) -> float32x4_t {
    // SAFETY: NEON is available and `p` is readable for 4 values (this function's
    // contract).
    unsafe {
        // `Bf16` is `repr(transparent)` over `u16`.
        vreinterpretq_f32_u32(vshll_n_u16::<16>(vld1_u16(p.cast::<u16>())))
    }
}

/// Load 2 f32 values and widen them exactly to 2 f64.
///
/// # Safety
/// NEON is available; `p` is readable for 2 `f32` values.
#[inline(always)]
unsafe fn load_f32_as_f64(p: *const f32) -> float64x2_t {
    // SAFETY: NEON is available and `p` is readable for 2 values (this function's
    // contract).
    unsafe { vcvt_f64_f32(vld1_f32(p)) }
}

macro_rules! neon_dot {
    ($name:ident, $name3:ident, $t:ty, $out:ty, $vec:ty, $w:expr, $zero:expr, $load:expr,
     $fma:ident, $add:ident, $hsum:ident, $cv:expr) => {
        /// Σ aᵢbᵢ: 8 unrolled vectors = 8 independent vector accumulators, then one vector at a
        /// time, then a scalar tail.
        #[target_feature(enable = "neon")]
        fn $name(a: &[$t], b: &[$t]) -> $out {
            let n = a.len().min(b.len());
            let (pa, pb) = (a.as_ptr(), b.as_ptr());
            // SAFETY: NEON is enabled here; every read is at an index below
            // n = min(a.len(), b.len()).
            unsafe {
                let mut s: [$vec; 8] = [$zero; 8];
                let mut i = 0;
                while i + 8 * $w <= n {
                    for u in 0..8 {
                        s[u] = $fma(s[u], $load(pa.add(i + u * $w)), $load(pb.add(i + u * $w)));
                    }
                    i += 8 * $w;
                }
                while i + $w <= n {
                    s[0] = $fma(s[0], $load(pa.add(i)), $load(pb.add(i)));
                    i += $w;
                }
                let cv = $cv;
                let mut t: $out = 0.0;
                while i < n {
                    t += cv(*pa.add(i)) * cv(*pb.add(i));
                    i += 1;
                }
                let v = $add(
                    $add($add(s[0], s[1]), $add(s[2], s[3])),
                    $add($add(s[4], s[5]), $add(s[6], s[7])),
                );
                $hsum(v) + t
            }
        }

        /// (Σ aᵢbᵢ, Σ aᵢ², Σ bᵢ²): 4 unrolled vectors × 3 sums = 12 independent accumulators.
        #[target_feature(enable = "neon")]
        fn $name3(a: &[$t], b: &[$t]) -> [$out; 3] {
            let n = a.len().min(b.len());
            let (pa, pb) = (a.as_ptr(), b.as_ptr());
            // SAFETY: NEON is enabled here; every read is at an index below
            // n = min(a.len(), b.len()).
            unsafe {
                let (mut s, mut sa, mut sb): ([$vec; 4], [$vec; 4], [$vec; 4]) =
                    ([$zero; 4], [$zero; 4], [$zero; 4]);
                let mut i = 0;
                while i + 4 * $w <= n {
                    for u in 0..4 {
                        let x = $load(pa.add(i + u * $w));
                        let y = $load(pb.add(i + u * $w));
                        s[u] = $fma(s[u], x, y);
                        sa[u] = $fma(sa[u], x, x);
                        sb[u] = $fma(sb[u], y, y);
                    }
                    i += 4 * $w;
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
                let r = |v: [$vec; 4]| $hsum($add($add(v[0], v[1]), $add(v[2], v[3])));
                [r(s) + t, r(sa) + ta, r(sb) + tb]
            }
        }

        impl Neon {
            /// Σ aᵢbᵢ over the common prefix of `a` and `b`.
            #[inline]
            pub fn $name(self, a: &[$t], b: &[$t]) -> $out {
                // SAFETY: the token proves NEON runs on this CPU.
                unsafe { $name(a, b) }
            }

            /// (Σ aᵢbᵢ, Σ aᵢ², Σ bᵢ²) over the common prefix of `a` and `b`.
            #[inline]
            pub fn $name3(self, a: &[$t], b: &[$t]) -> [$out; 3] {
                // SAFETY: the token proves NEON runs on this CPU.
                unsafe { $name3(a, b) }
            }
        }
    };
}

neon_dot!(
    dot_f32,
    dot3_f32,
    f32,
    f32,
    float32x4_t,
    4,
    vdupq_n_f32(0.0),
    |p: *const f32| vld1q_f32(p),
    vfmaq_f32,
    vaddq_f32,
    vaddvq_f32,
    |x: f32| x
);
neon_dot!(
    dot_f64,
    dot3_f64,
    f64,
    f64,
    float64x2_t,
    2,
    vdupq_n_f64(0.0),
    |p: *const f64| vld1q_f64(p),
    vfmaq_f64,
    vaddq_f64,
    vaddvq_f64,
    |x: f64| x
);
neon_dot!(
    dot_f32_acc64,
    dot3_f32_acc64,
    f32,
    f64,
    float64x2_t,
    2,
    vdupq_n_f64(0.0),
    |p: *const f32| load_f32_as_f64(p),
    vfmaq_f64,
    vaddq_f64,
    vaddvq_f64,
    f64::from
);
neon_dot!(
    dot_bf16,
    dot3_bf16,
    Bf16,
    f32,
    float32x4_t,
    4,
    vdupq_n_f32(0.0),
    |p: *const Bf16| load_bf16(p),
    vfmaq_f32,
    vaddq_f32,
    vaddvq_f32,
    |x: Bf16| x.to_f32()
);

/// 6×16 Gram microkernel: C[6][16] (+)= Σ_k A[k][0..6] ⊗ B[k][0..16] over `kc` steps, with B
/// packed k-major 16 wide and A read at k-stride `AS`: row r < S at `a_lo[AS·k + r]`, row r ≥ S at
/// `a_hi[AS·k + r − S]` (the same operand forms as the AVX2 kernel; S ∈ {2, 4, 6}). 24 accumulators (6 rows × 4 q-vectors) + 4 B
/// vectors + 2 A registers (rows 0–3 in a q register, rows 4–5 in a d register, used by lane FMAs)
/// = 30 of the 32 vector registers.
///
/// # Safety
/// NEON available; `a_lo` readable for `AS·(kc−1) + S` floats, `a_hi` for `AS·(kc−1) + 6 − S`
/// (when S < 6), `b` for `16·kc`, `c` read/writable for 96 floats.
#[target_feature(enable = "neon")]
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
        let mut acc = [[vdupq_n_f32(0.0); 4]; 6];
        if !first {
            for (r, row) in acc.iter_mut().enumerate() {
                for (j, v) in row.iter_mut().enumerate() {
                    *v = vld1q_f32(c.add(16 * r + 4 * j));
                }
            }
        }
        let (mut pa, mut ph, mut pb) = (a_lo, a_hi, b);
        for _ in 0..kc {
            let bv = [
                vld1q_f32(pb),
                vld1q_f32(pb.add(4)),
                vld1q_f32(pb.add(8)),
                vld1q_f32(pb.add(12)),
            ];
            // Rows 0–3 and 4–5 from wherever the split puts them (S is a constant: one load pair).
            let (a03, a45) = match S {
                4 => (vld1q_f32(pa), vld1_f32(ph)),
                2 => (
                    vcombine_f32(vld1_f32(pa), vld1_f32(ph)),
                    vld1_f32(ph.add(2)),
                ),
                _ => (vld1q_f32(pa), vld1_f32(pa.add(4))),
            };
            for j in 0..4 {
                acc[0][j] = vfmaq_laneq_f32::<0>(acc[0][j], bv[j], a03);
                acc[1][j] = vfmaq_laneq_f32::<1>(acc[1][j], bv[j], a03);
                acc[2][j] = vfmaq_laneq_f32::<2>(acc[2][j], bv[j], a03);
                acc[3][j] = vfmaq_laneq_f32::<3>(acc[3][j], bv[j], a03);
                acc[4][j] = vfmaq_lane_f32::<0>(acc[4][j], bv[j], a45);
                acc[5][j] = vfmaq_lane_f32::<1>(acc[5][j], bv[j], a45);
            }
            pa = pa.wrapping_add(AS);
            ph = ph.wrapping_add(AS);
            pb = pb.wrapping_add(16);
        }
        for (r, row) in acc.iter().enumerate() {
            for (j, v) in row.iter().enumerate() {
                vst1q_f32(c.add(16 * r + 4 * j), *v);
            }
        }
    }
}

impl Neon {
    /// The 6×16 Gram microkernel on a checked operand: `c (+)= Σ_k A[k][0..6] ⊗ b[16k..16k + 16]`
    /// over `kc` steps. Does nothing unless [`MicroA::fits`]`(kc, b.len())`.
    #[inline]
    pub fn gemm_6x16(self, a: MicroA<'_>, b: &[f32], kc: usize, c: &mut Tile, first: bool) {
        if !a.fits(kc, b.len()) {
            return;
        }
        let (bp, cp) = (b.as_ptr(), c.as_mut_ptr());
        // SAFETY: the token proves NEON; `fits` checked that `b` holds 16·kc floats and the A
        // operand the rows each form reads (6·kc floats of a 6-wide slab; 16·(kc − 1) + split of
        // `lo` and 16·(kc − 1) + 6 − split of `hi`, split ∈ {6, 4, 2}); `c` is a tile.
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
}
