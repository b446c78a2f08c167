//! The caller's backend runs on every path: `*_with(Backend::Scalar, ..)` equals, bit for bit, a
//! reference written here from the portable kernels' operation order (8-lane f32 dot sums,
//! sequential Gram sums, the f32 arccos polynomial), on the pair, matrix and dispersion paths
//! (the fused angular path and the exact per-pair path of the ablation variants); every SIMD
//! backend this CPU runs agrees with the scalar one within the documented bounds; and a backend
//! the CPU cannot run is refused on every entry point.
mod common;
use common::*;
use simstat::geometry::*;
use std::f64::consts::PI;

/// The portable 8-accumulator f32 sums (Σ aᵢbᵢ, Σ aᵢ², Σ bᵢ²), widened to f64.
fn dot3_scalar(a: &[f32], b: &[f32]) -> [f64; 3] {
    let sum8 = |v: [f32; 8]| ((v[0] + v[4]) + (v[1] + v[5])) + ((v[2] + v[6]) + (v[3] + v[7]));
    let (mut s, mut sa, mut sb) = ([0f32; 8], [0f32; 8], [0f32; 8]);
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for k in 0..8 {
            s[k] += x[k] * y[k];
            sa[k] += x[k] * x[k];
            sb[k] += y[k] * y[k];
        }
    }
    let (mut t, mut ta, mut tb) = (0f32, 0f32, 0f32);
    for (x, y) in ra.iter().zip(rb) {
        t += x * y;
        ta += x * x;
        tb += y * y;
    }
    [
        f64::from(sum8(s) + t),
        f64::from(sum8(sa) + ta),
        f64::from(sum8(sb) + tb),
    ]
}

/// The portable 8-accumulator Σ aᵢ² of f32 values in f64 (the row norms of the matrix paths).
fn norm2_acc64(a: &[f32]) -> f64 {
    let sum8 = |v: [f64; 8]| ((v[0] + v[4]) + (v[1] + v[5])) + ((v[2] + v[6]) + (v[3] + v[7]));
    let mut s = [0f64; 8];
    let c = a.chunks_exact(8);
    let r = c.remainder();
    for x in c {
        for k in 0..8 {
            s[k] += f64::from(x[k]) * f64::from(x[k]);
        }
    }
    let mut t = 0f64;
    for x in r {
        t += f64::from(*x) * f64::from(*x);
    }
    sum8(s) + t
}

/// The portable f32 arccos: A&S 4.4.46, sqrt(1 − |x|)·P(|x|), reflected for x < 0.
#[allow(clippy::excessive_precision)]
fn acos_f32(x: f32) -> f32 {
    const C: [f32; 8] = [
        1.570_796_305_0,
        -0.214_598_801_6,
        0.088_978_987_4,
        -0.050_174_304_6,
        0.030_891_881_0,
        -0.017_088_125_6,
        0.006_670_090_1,
        -0.001_262_491_1,
    ];
    let x = x.clamp(-1.0, 1.0);
    let ax = x.abs();
    let mut p = C[7];
    for c in C[..7].iter().rev() {
        p = p * ax + c;
    }
    let r = libm::sqrtf(1.0 - ax) * p;
    if x < 0.0 {
        std::f32::consts::PI - r
    } else {
        r
    }
}

/// Sequential f32 Σₖ pₖqₖ: one entry of the portable Gram microkernel (k in order).
fn gram_entry(p: &[f32], q: &[f32]) -> f32 {
    p.iter().zip(q).fold(0.0f32, |s, (a, b)| s + a * b)
}

/// Row `i` scaled by `inv` in f32, as the packing stores it.
fn scaled(x: &[f32], i: usize, f: usize, inv: f32) -> Vec<f32> {
    x[i * f..(i + 1) * f].iter().map(|v| v * inv).collect()
}

fn data(rng: &mut SplitMix64, n: usize, f: usize) -> Vec<f32> {
    // A shared direction spreads the cosines over (−0.5, 0.95).
    let common: Vec<f64> = (0..f).map(|_| rng.signed()).collect();
    (0..n * f)
        .map(|k| (0.8 * common[k % f] + rng.signed()) as f32 * 3.0)
        .collect()
}

#[test]
fn pair_kernels_on_scalar_are_the_portable_reference_bit_for_bit() {
    let mut rng = SplitMix64(11);
    for len in [1usize, 7, 8, 9, 33, 384, 1001] {
        let a = rng.vec32(len);
        let b = rng.vec32(len);
        let d = dot3_scalar(&a, &b);
        assert_eq!(dot_with(Backend::Scalar, &a, &b), Ok(d[0] as f32));
        let c = (d[0] / (d[1] * d[2]).sqrt()).clamp(-1.0, 1.0);
        assert_eq!(
            cosine_similarity_with(Backend::Scalar, &a, &b),
            Ok(c as f32)
        );
        let ang = (libm::acos(c) / PI) as f32;
        assert_eq!(angular_distance_with(Backend::Scalar, &a, &b), Ok(ang));
    }
}

#[test]
fn matrices_on_scalar_are_the_portable_reference_bit_for_bit() {
    let mut rng = SplitMix64(12);
    for &(m, n, f) in &[(3usize, 5usize, 4usize), (7, 20, 33), (13, 40, 800)] {
        let x = data(&mut rng, n, f);
        let q = data(&mut rng, m, f);
        let unit = |x: &[f32], i: usize| {
            let inv = (1.0 / norm2_acc64(&x[i * f..(i + 1) * f]).sqrt()) as f32;
            scaled(x, i, f, inv)
        };
        let xs: Vec<Vec<f32>> = (0..n).map(|i| unit(&x, i)).collect();
        let qs: Vec<Vec<f32>> = (0..m).map(|i| unit(&q, i)).collect();

        let mut out = vec![0.0f32; n * n];
        let mut scratch = vec![0.0f32; pairwise_scratch_len(n, f).unwrap()];
        let (v, l) = (PairValue::Cosine, Layout::Full);
        pairwise_with(Backend::Scalar, &x, n, f, v, l, &mut out, &mut scratch).unwrap();
        for i in 0..n {
            for j in 0..n {
                let want = if i == j {
                    1.0
                } else {
                    gram_entry(&xs[i.min(j)], &xs[i.max(j)]).clamp(-1.0, 1.0)
                };
                assert_eq!(out[i * n + j].to_bits(), want.to_bits(), "({i},{j})");
            }
        }

        let mut out = vec![0.0f32; m * n];
        let mut scratch = vec![0.0f32; cross_scratch_len(m, n, f).unwrap()];
        let v = PairValue::AngularDistance;
        cross_with(Backend::Scalar, &q, m, &x, n, f, v, &mut out, &mut scratch).unwrap();
        for i in 0..m {
            for j in 0..n {
                let c = gram_entry(&qs[i], &xs[j]).clamp(-1.0, 1.0);
                let want = acos_f32(c) * std::f32::consts::FRAC_1_PI;
                assert_eq!(out[i * n + j].to_bits(), want.to_bits(), "({i},{j})");
            }
        }
    }
}

/// The fused angular loss on [`Backend::Scalar`] for n ≤ 16 (one row block, one column panel:
/// the per-tile f64 sums run over the 6-row tiles in order) and τ ≥ 1/80 (the one-pass form).
fn fused_angular_reference(x: &[f32], n: usize, f: usize, o: &DispersionOptions) -> f64 {
    assert!(n <= 16 && o.tau >= 1.0 / 80.0 && o.normalize);
    let rows: Vec<Vec<f32>> = (0..n)
        .map(|i| {
            let nn = norm2_acc64(&x[i * f..(i + 1) * f]);
            scaled(x, i, f, (1.0 / (nn.sqrt() + o.eps)) as f32)
        })
        .collect();
    let (lo, hi) = ((-1.0 + o.clamp) as f32, (1.0 - o.clamp) as f32);
    let kp = (-1.0 / o.tau) as f32 * std::f32::consts::FRAC_1_PI;
    let mut s_run = 0.0f64;
    for i0 in (0..n).step_by(6) {
        let mut tile = 0.0f64;
        for i in i0..(i0 + 6).min(n) {
            for j in i + 1..n {
                let c = gram_entry(&rows[i], &rows[j]).clamp(lo, hi);
                tile += f64::from(libm::expf(acos_f32(c) * kp));
            }
        }
        s_run += tile;
    }
    let mut loss = libm::log(2.0 * s_run) + 0.0;
    if o.reduction == Reduction::LogMean {
        loss -= libm::log(n as f64) + libm::log((n - 1) as f64);
    }
    loss
}

/// The exact per-pair loss of the orthogonalisation and L2-repel variants on f32 rows, every dot
/// product by the portable 8-accumulator sums.
fn exact_reference(x: &[f32], n: usize, f: usize, o: &DispersionOptions) -> f64 {
    let row = |i: usize| &x[i * f..(i + 1) * f];
    let npairs = (n * (n - 1)) as f64;
    match o.variant {
        DispersionVariant::Orthogonalization => {
            let scale = |nn: f64| {
                if o.normalize {
                    1.0 / (libm::sqrt(nn) + o.eps)
                } else {
                    1.0
                }
            };
            let mut s = 0.0;
            for i in 0..n {
                for j in i + 1..n {
                    let d = dot3_scalar(row(i), row(j));
                    let c = d[0] * scale(d[1]) * scale(d[2]);
                    let chat = c.clamp(-1.0 + o.clamp, 1.0 - o.clamp);
                    let h = (0.5 - libm::acos(chat) / PI).max(0.0);
                    s += 2.0 * h * h;
                }
            }
            s / npairs
        }
        DispersionVariant::L2Repel => {
            let (mut m, mut s) = (f64::NEG_INFINITY, 0.0);
            let mut push = |v: f64, w: f64| {
                if v > m {
                    s = s * libm::exp(m - v) + w;
                    m = v;
                } else {
                    s += w * libm::exp(v - m);
                }
            };
            push(0.0, n as f64);
            for i in 0..n {
                for j in i + 1..n {
                    let d = dot3_scalar(row(i), row(j));
                    push(-(d[1] + d[2] - 2.0 * d[0]).max(0.0) / o.tau, 2.0);
                }
            }
            let sq: f64 = x.iter().map(|v| f64::from(*v) * f64::from(*v)).sum();
            let mut loss = libm::log(s) + m + 0.1 * sq / (n * f) as f64;
            if o.reduction == Reduction::LogMean {
                loss -= 2.0 * libm::log(n as f64);
            }
            loss
        }
        _ => unreachable!("no dot products in the other variants' exact path"),
    }
}

#[test]
fn dispersion_on_scalar_is_the_portable_reference_bit_for_bit() {
    let mut rng = SplitMix64(13);
    let d = DispersionOptions::default();
    for &(n, f) in &[(2usize, 3usize), (5, 8), (11, 40), (16, 300), (7, 1030)] {
        let x = data(&mut rng, n, f);
        let mut scratch = vec![0.0f32; dispersion_scratch_len(n, f, true).unwrap()];
        let mut g = vec![0.0f32; n * f];
        for o in [
            d,
            DispersionOptions {
                tau: 0.5,
                clamp: 0.05,
                reduction: Reduction::LogSum,
                ..d
            },
        ] {
            let want = fused_angular_reference(&x, n, f, &o);
            let l = dispersion_loss_with(Backend::Scalar, &x, n, f, &o, &mut scratch).unwrap();
            assert_eq!(
                l.to_bits(),
                want.to_bits(),
                "angular n{n} f{f}: {l} vs {want}"
            );
            let lg = dispersion_loss_grad_with(Backend::Scalar, &x, n, f, &o, &mut g, &mut scratch);
            assert_eq!(lg, Ok(l));
        }
        for variant in [
            DispersionVariant::Orthogonalization,
            DispersionVariant::L2Repel,
        ] {
            for o in [
                DispersionOptions { variant, ..d },
                DispersionOptions {
                    variant,
                    tau: 0.3,
                    clamp: 0.0,
                    normalize: false,
                    reduction: Reduction::LogSum,
                    ..d
                },
            ] {
                let want = exact_reference(&x, n, f, &o);
                let l = dispersion_loss_with(Backend::Scalar, &x, n, f, &o, &mut scratch).unwrap();
                assert_eq!(
                    l.to_bits(),
                    want.to_bits(),
                    "{variant:?} n{n} f{f}: {l} vs {want}"
                );
                let lg =
                    dispersion_loss_grad_with(Backend::Scalar, &x, n, f, &o, &mut g, &mut scratch);
                assert_eq!(lg, Ok(l));
            }
        }
    }
}

/// Every SIMD backend agrees with the scalar one within the documented bounds: the fused f32
/// loss within 1e-6·max(|L|, 1) of the exact loss (so 2e-6 between two backends) and its gradient
/// within 1e-5 of the gradient's scale (2e-5); the ablation variants' f32 dot sums within their
/// blocked-summation error (1e-5·max(|L|, 1) here).
#[test]
fn dispersion_simd_backends_match_scalar_within_the_documented_bounds() {
    let mut rng = SplitMix64(14);
    let d = DispersionOptions::default();
    let variants = [
        DispersionVariant::Angular,
        DispersionVariant::Orthogonalization,
        DispersionVariant::L2Repel,
        DispersionVariant::Decorrelation,
    ];
    for &(n, f) in &[(9usize, 16usize), (40, 300), (70, 64)] {
        let x = data(&mut rng, n, f);
        let mut scratch = vec![0.0f32; dispersion_scratch_len(n, f, true).unwrap()];
        for variant in variants {
            for tau in [1.0, 0.01] {
                let o = DispersionOptions { variant, tau, ..d };
                let mut g0 = vec![0.0f32; n * f];
                let l0 =
                    dispersion_loss_grad_with(Backend::Scalar, &x, n, f, &o, &mut g0, &mut scratch)
                        .unwrap();
                let scale = g0.iter().fold(0.0f64, |a, v| a.max(f64::from(v.abs())));
                let (tl, tg) = if variant == DispersionVariant::Angular {
                    (2e-6, 2e-5)
                } else {
                    (1e-5, 1e-4)
                };
                for be in backends() {
                    let mut g = vec![0.0f32; n * f];
                    let l =
                        dispersion_loss_grad_with(be, &x, n, f, &o, &mut g, &mut scratch).unwrap();
                    assert!(
                        (l - l0).abs() <= tl * l0.abs().max(1.0),
                        "{be:?} {variant:?} n{n} f{f} τ{tau}: {l} vs {l0}"
                    );
                    let err = g
                        .iter()
                        .zip(&g0)
                        .map(|(a, b)| f64::from((a - b).abs()))
                        .fold(0.0, f64::max);
                    assert!(
                        err <= tg * scale,
                        "{be:?} {variant:?} n{n} f{f} τ{tau}: grad err {err} (scale {scale})"
                    );
                }
            }
        }
    }
}

#[test]
fn unavailable_backends_are_refused_on_every_entry_point() {
    let (n, f) = (4usize, 8usize);
    let x = vec![0.5f32; n * f];
    let x16 = vec![Bf16::from_f32(0.5); f];
    let x64 = vec![0.5f64; f];
    let mut out = vec![0.0f32; n * n];
    let mut scratch = vec![0.0f32; 4096];
    let mut g = vec![0.0f32; n * f];
    let o = DispersionOptions::default();
    let unsupported = Err(GeometryError::Unsupported);
    let mut refused = 0;
    for be in Backend::ALL.into_iter().filter(|b| !b.is_available()) {
        let r = &x[..f];
        assert_eq!(dot_with(be, r, r), unsupported);
        assert_eq!(dot_with(be, &x16, &x16), unsupported);
        assert_eq!(dot_with(be, &x64, &x64), unsupported.map(f64::from));
        assert_eq!(cosine_similarity_with(be, r, r), unsupported);
        assert_eq!(angular_distance_with(be, r, r), unsupported);
        let u64 = Err(GeometryError::Unsupported);
        assert_eq!(cosine_similarity_f64acc_with(be, r, r), u64);
        assert_eq!(angular_distance_f64acc_with(be, r, r), u64);
        let (v, l) = (PairValue::Angle, Layout::Full);
        let u = Err(GeometryError::Unsupported);
        assert_eq!(pairwise_with(be, &x, n, f, v, l, &mut out, &mut scratch), u);
        assert_eq!(
            cross_with(be, &x, n, &x, n, f, v, &mut out, &mut scratch),
            u
        );
        for variant in [DispersionVariant::Angular, DispersionVariant::L2Repel] {
            let o = DispersionOptions { variant, ..o };
            assert_eq!(dispersion_loss_with(be, &x, n, f, &o, &mut scratch), u64);
            let r = dispersion_loss_grad_with(be, &x, n, f, &o, &mut g, &mut scratch);
            assert_eq!(r, u64);
        }
        refused += 1;
    }
    // x86-64 lacks NEON and aarch64 the x86 backends: each target refuses at least one.
    if cfg!(any(target_arch = "x86_64", target_arch = "aarch64")) {
        assert!(refused >= 1);
    }
}
