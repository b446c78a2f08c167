//! Portable kernels (8 independent accumulators): the reference every SIMD path is tested against,
//! and the only path on targets without SIMD (thumbv7em, nvptx64).

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
