//! aarch64 NEON kernels (baseline on aarch64): f32 and f64 three-sum dots, 4 unrolled vectors
//! × 3 sums = 12 independent accumulators. Compiled for aarch64 (`cargo check --target
//! aarch64-unknown-linux-gnu`), not run on the development machine.

use core::arch::aarch64::*;

/// (Σ aᵢbᵢ, Σ aᵢ², Σ bᵢ²) in f32.
///
/// # Safety
/// NEON must be available (always on aarch64); only `min(a.len(), b.len())` elements are read.
#[target_feature(enable = "neon")]
pub(crate) unsafe fn dot3_f32(a: &[f32], b: &[f32]) -> [f32; 3] {
    let n = a.len().min(b.len());
    let (pa, pb) = (a.as_ptr(), b.as_ptr());
    let z = vdupq_n_f32(0.0);
    let (mut s, mut sa, mut sb) = ([z; 4], [z; 4], [z; 4]);
    let mut i = 0;
    while i + 16 <= n {
        for u in 0..4 {
            let x = vld1q_f32(pa.add(i + 4 * u));
            let y = vld1q_f32(pb.add(i + 4 * u));
            s[u] = vfmaq_f32(s[u], x, y);
            sa[u] = vfmaq_f32(sa[u], x, x);
            sb[u] = vfmaq_f32(sb[u], y, y);
        }
        i += 16;
    }
    let (mut t, mut ta, mut tb) = (0.0f32, 0.0f32, 0.0f32);
    while i < n {
        let (p, q) = (*pa.add(i), *pb.add(i));
        t += p * q;
        ta += p * p;
        tb += q * q;
        i += 1;
    }
    let r =
        |v: [float32x4_t; 4]| vaddvq_f32(vaddq_f32(vaddq_f32(v[0], v[1]), vaddq_f32(v[2], v[3])));
    [r(s) + t, r(sa) + ta, r(sb) + tb]
}

/// (Σ aᵢbᵢ, Σ aᵢ², Σ bᵢ²) in f64.
///
/// # Safety
/// As [`dot3_f32`].
#[target_feature(enable = "neon")]
pub(crate) unsafe fn dot3_f64(a: &[f64], b: &[f64]) -> [f64; 3] {
    let n = a.len().min(b.len());
    let (pa, pb) = (a.as_ptr(), b.as_ptr());
    let z = vdupq_n_f64(0.0);
    let (mut s, mut sa, mut sb) = ([z; 4], [z; 4], [z; 4]);
    let mut i = 0;
    while i + 8 <= n {
        for u in 0..4 {
            let x = vld1q_f64(pa.add(i + 2 * u));
            let y = vld1q_f64(pb.add(i + 2 * u));
            s[u] = vfmaq_f64(s[u], x, y);
            sa[u] = vfmaq_f64(sa[u], x, x);
            sb[u] = vfmaq_f64(sb[u], y, y);
        }
        i += 8;
    }
    let (mut t, mut ta, mut tb) = (0.0f64, 0.0f64, 0.0f64);
    while i < n {
        let (p, q) = (*pa.add(i), *pb.add(i));
        t += p * q;
        ta += p * p;
        tb += q * q;
        i += 1;
    }
    let r =
        |v: [float64x2_t; 4]| vaddvq_f64(vaddq_f64(vaddq_f64(v[0], v[1]), vaddq_f64(v[2], v[3])));
    [r(s) + t, r(sa) + ta, r(sb) + tb]
}
