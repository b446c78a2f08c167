//! Pair kernels: every available SIMD backend against the scalar path and an f64 reference.
mod common;
use common::*;
use simstat::geometry::*;

const U32: f64 = f32::EPSILON as f64 / 2.0;

/// Bound on |dot_backend − dot_exact|: each path sums chains of at most len/8 + 16 products
/// (8 scalar accumulators, ≥ 8 lanes in SIMD, plus the horizontal reduction), so
/// |error| ≤ (len/8 + 16)·u·Σ|aᵢbᵢ| (u = 2⁻²⁴), a standard blocked-summation bound.
fn bound(len: usize, abs: f64) -> f64 {
    ((len / 8 + 16) as f64) * U32 * abs * 1.01 + 1e-30
}

#[test]
fn dot_all_backends_match_exact_within_blocked_summation_bound() {
    let mut rng = SplitMix64(0x1234_5678_9abc_def1);
    for &len in &[
        1usize, 3, 7, 8, 15, 16, 31, 33, 64, 100, 127, 384, 768, 1000, 1024, 4096,
    ] {
        let a = rng.vec32(len);
        let b = rng.vec32(len);
        let exact: f64 = a.iter().zip(&b).map(|(x, y)| *x as f64 * *y as f64).sum();
        let abs: f64 = a
            .iter()
            .zip(&b)
            .map(|(x, y)| (*x as f64 * *y as f64).abs())
            .sum();
        let aa: f64 = a.iter().map(|x| (*x as f64).powi(2)).sum();
        let bb: f64 = b.iter().map(|x| (*x as f64).powi(2)).sum();
        for be in backends() {
            let d = dot_with(be, &a, &b).unwrap() as f64;
            assert!(
                (d - exact).abs() <= bound(len, abs),
                "{be:?} len {len}: {d} vs {exact}"
            );
            // f64 inputs: same bound with u = 2^-53 is tighter than f32's; use f32's / 2^29.
            let a64: Vec<f64> = a.iter().map(|&x| x as f64).collect();
            let b64: Vec<f64> = b.iter().map(|&x| x as f64).collect();
            let d64 = dot_with(be, &a64, &b64).unwrap();
            assert!(
                (d64 - exact).abs() <= bound(len, abs) / 5.0e8,
                "{be:?} f64 len {len}"
            );
            // cosine: relative error of the three sums propagates to ≤ 2·bound/(‖a‖‖b‖); the
            // tail (f64 on every path) and the final rounding to f32 add ≤ 2·U32.
            let c = cosine_similarity_with(be, &a, &b).unwrap() as f64;
            let cref = exact / (aa.sqrt() * bb.sqrt());
            let cb = (bound(len, abs)
                + 0.5 * abs.abs() * bound(len, aa) / aa
                + 0.5 * abs * bound(len, bb) / bb)
                / (aa.sqrt() * bb.sqrt())
                + 2.0 * U32;
            assert!(
                (c - cref).abs() <= cb,
                "{be:?} cos len {len}: {c} vs {cref} (bound {cb})"
            );
            let c64 = cosine_similarity_f64acc_with(be, &a, &b).unwrap();
            assert!((c64 - cref).abs() <= 1e-13, "{be:?} f64acc cos len {len}");
            let dist = angular_distance_f64acc_with(be, &a, &b).unwrap();
            assert!((dist - cref.clamp(-1.0, 1.0).acos() / std::f64::consts::PI).abs() < 1e-10);
        }
    }
}

#[test]
fn bf16_kernels_match_scalar_on_widened_values() {
    let mut rng = SplitMix64(99);
    for &len in &[1usize, 17, 31, 32, 63, 128, 129, 384, 1000, 4096] {
        let a: Vec<Bf16> = rng.vec32(len).into_iter().map(Bf16::from_f32).collect();
        let b: Vec<Bf16> = rng.vec32(len).into_iter().map(Bf16::from_f32).collect();
        let exact: f64 = a
            .iter()
            .zip(&b)
            .map(|(x, y)| x.to_f32() as f64 * y.to_f32() as f64)
            .sum();
        let abs: f64 = a
            .iter()
            .zip(&b)
            .map(|(x, y)| (x.to_f32() as f64 * y.to_f32() as f64).abs())
            .sum();
        let aa: f64 = a.iter().map(|x| (x.to_f32() as f64).powi(2)).sum();
        let bb: f64 = b.iter().map(|x| (x.to_f32() as f64).powi(2)).sum();
        for be in backends() {
            let d = dot_with(be, &a, &b).unwrap() as f64;
            // vdpbf16ps adds pairs before accumulating: chains ≤ len/8 + 16 still hold.
            assert!(
                (d - exact).abs() <= bound(len, abs),
                "{be:?} bf16 len {len}: {d} vs {exact}"
            );
            // three-sum path (cosine): same bound as the f32 cosine above, on the widened values.
            let c = cosine_similarity_with(be, &a, &b).unwrap() as f64;
            let cref = exact / (aa.sqrt() * bb.sqrt());
            let cb = (bound(len, abs)
                + 0.5 * abs * bound(len, aa) / aa
                + 0.5 * abs * bound(len, bb) / bb)
                / (aa.sqrt() * bb.sqrt())
                + 2.0 * U32;
            assert!(
                (c - cref).abs() <= cb,
                "{be:?} bf16 cos len {len}: {c} vs {cref} (bound {cb})"
            );
        }
    }
}

#[test]
fn bf16_roundtrip_and_rounding() {
    assert_eq!(Bf16::from_f32(1.0).to_f32(), 1.0);
    // 1 + 2^-8 is a tie between 1 and 1 + 2^-7: ties to even → 1.
    assert_eq!(Bf16::from_f32(1.0 + 1.0 / 256.0).to_f32(), 1.0);
    assert_eq!(
        Bf16::from_f32(1.0 + 3.0 / 256.0).to_f32(),
        1.0 + 2.0 / 128.0
    );
    assert!(Bf16::from_f32(f32::NAN).to_f32().is_nan());
}

#[test]
fn errors_instead_of_nan_or_panic() {
    for be in backends() {
        assert_eq!(
            cosine_similarity_with(be, &[0.0f32; 9], &[1.0; 9]),
            Err(GeometryError::ZeroNorm)
        );
        assert_eq!(
            dot_with(be, &[1.0f32; 9], &[1.0; 8]),
            Err(GeometryError::LengthMismatch)
        );
        assert_eq!(dot_with::<f32>(be, &[], &[]), Err(GeometryError::Empty));
        let mut a = [1.0f32; 40];
        a[33] = f32::NAN;
        assert_eq!(
            angular_distance_with(be, &a, &[1.0; 40]),
            Err(GeometryError::NonFiniteValue)
        );
        assert_eq!(
            dot_with(be, &[f32::MAX; 16], &[f32::MAX; 16]),
            Err(GeometryError::NonFiniteValue)
        );
        // parallel vectors: cosine clamped to ≤ 1, distance ≥ 0 and finite.
        let v: Vec<f32> = (0..300).map(|i| (i as f32 * 0.37).sin()).collect();
        let c = cosine_similarity_with(be, &v, &v).unwrap();
        assert!(c <= 1.0 && c > 0.99999);
        let d = angular_distance_with(be, &v, &v).unwrap();
        assert!((0.0..1e-3).contains(&d));
    }
    for be in Backend::ALL {
        if !be.is_available() {
            assert_eq!(
                dot_with(be, &[1.0f32], &[1.0]),
                Err(GeometryError::Unsupported)
            );
        }
    }
}

#[test]
fn f64_accumulation_resolves_small_angles() {
    // A ~1.6e-6 rad angle (f32's floor is ~1e-4 rad): with f64 sums the cosine error is a few f64
    // ulps, so the angle error is ≤ 4·ε₆₄/θ (arccos amplifies by 1/sin θ).
    let f = 384;
    let a: Vec<f32> = (0..f).map(|i| ((i * 7 % 13) as f32 - 6.0) / 6.0).collect();
    let mut b = a.clone();
    b[5] += 1e-5 * 2.0;
    let (a64, b64): (Vec<f64>, Vec<f64>) = (
        a.iter().map(|&x| x as f64).collect(),
        b.iter().map(|&x| x as f64).collect(),
    );
    let ab: f64 = a64.iter().zip(&b64).map(|(x, y)| x * y).sum();
    let na: f64 = a64.iter().map(|x| x * x).sum::<f64>().sqrt();
    let nb: f64 = b64.iter().map(|x| x * x).sum::<f64>().sqrt();
    // Reference angle via the numerically stable atan2(|a×b|, a·b) form: ‖a/na − b/nb‖ based.
    let diff: f64 = a64
        .iter()
        .zip(&b64)
        .map(|(x, y)| (x / na - y / nb).powi(2))
        .sum::<f64>()
        .sqrt();
    let theta = 2.0 * (diff / 2.0).asin();
    let _ = ab;
    let got = angular_distance_f64acc(&a, &b).unwrap() * std::f64::consts::PI;
    assert!(
        (got - theta).abs() < 4.0 * f64::EPSILON / theta,
        "{got} vs {theta}"
    );
}

#[test]
fn f64_extreme_magnitudes_keep_exact_cosine() {
    for be in backends() {
        for s in [1e-160f64, 1e150] {
            let a = [3.0 * s, 4.0 * s];
            let b = [4.0 * s, 3.0 * s];
            let c = cosine_similarity_with(be, &a, &b).unwrap();
            assert!((c - 24.0 / 25.0).abs() < 1e-15, "{be:?} scale {s}: {c}");
        }
    }
}

#[test]
fn neon_is_detected_on_aarch64_so_the_simd_tests_run_it() {
    // On aarch64 every `backends()` loop above must include NEON (baseline there); elsewhere it
    // must be reported unavailable (and its `*_with` calls return `Unsupported`).
    let be = backends();
    if cfg!(target_arch = "aarch64") {
        assert!(cpu_features().neon);
        assert!(Backend::Neon.is_available());
        assert_eq!(best_backend(), Backend::Neon);
        assert_eq!(be, vec![Backend::Scalar, Backend::Neon]);
    } else {
        assert!(!cpu_features().neon);
        assert!(!be.contains(&Backend::Neon));
    }
}
