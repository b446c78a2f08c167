//! Dispersion loss: fused f32 path vs an independent dense f64 reference, gradients vs central
//! finite differences, and the published values of pairwise_stats.json on real embeddings.
mod common;
use common::*;
use simstat::geometry::*;
use std::f64::consts::PI;

/// Dense f64 reference of the angular loss and its gradient, written from the formulas
/// (normalise, clamp, arccos, log-sum-exp over ordered i≠j, straight-through clamp).
fn reference(x: &[f64], n: usize, f: usize, o: &DispersionOptions) -> (f64, Vec<f64>) {
    let norms: Vec<f64> = (0..n)
        .map(|i| {
            x[i * f..(i + 1) * f]
                .iter()
                .map(|v| v * v)
                .sum::<f64>()
                .sqrt()
        })
        .collect();
    let z: Vec<f64> = (0..n * f)
        .map(|k| {
            if o.normalize {
                x[k] / (norms[k / f] + o.eps)
            } else {
                x[k]
            }
        })
        .collect();
    let (lo, hi) = (-1.0 + o.clamp, 1.0 - o.clamp);
    let mut c = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..n {
            c[i * n + j] = (0..f).map(|k| z[i * f + k] * z[j * f + k]).sum();
        }
    }
    let xs = |i: usize, j: usize| -(c[i * n + j].clamp(lo, hi)).acos() / (PI * o.tau);
    let mut m = f64::NEG_INFINITY;
    for i in 0..n {
        for j in 0..n {
            if i != j {
                m = m.max(xs(i, j));
            }
        }
    }
    let mut s = 0.0;
    for i in 0..n {
        for j in 0..n {
            if i != j {
                s += (xs(i, j) - m).exp();
            }
        }
    }
    let mut loss = s.ln() + m;
    if o.reduction == Reduction::LogMean {
        loss -= ((n * (n - 1)) as f64).ln();
    }
    // dL/dz_hat_i = Σ_j (G_ij + G_ji) z_j with G_ij = w_ij / (τ π sqrt(1-ĉ²)).
    let mut u = vec![0.0; n * f];
    for i in 0..n {
        for j in 0..n {
            if i == j {
                continue;
            }
            let cc = c[i * n + j];
            let ch = cc.clamp(lo, hi);
            let w = (xs(i, j) - m).exp() / s;
            let inside = o.straight_through || (cc >= lo && cc <= hi);
            let g = if inside {
                w / (o.tau * PI * (1.0 - ch * ch).sqrt())
            } else {
                0.0
            };
            for k in 0..f {
                u[i * f + k] += 2.0 * g * z[j * f + k];
            }
        }
    }
    let mut grad = u.clone();
    if o.normalize {
        for i in 0..n {
            let ni = norms[i];
            let zu: f64 = (0..f).map(|k| x[i * f + k] * u[i * f + k]).sum();
            for k in 0..f {
                grad[i * f + k] =
                    u[i * f + k] / (ni + o.eps) - x[i * f + k] * zu / (ni * (ni + o.eps).powi(2));
            }
        }
    }
    (loss, grad)
}

fn options() -> Vec<DispersionOptions> {
    let d = DispersionOptions::default();
    vec![
        d,
        DispersionOptions {
            tau: 0.5,
            reduction: Reduction::LogSum,
            ..d
        },
        DispersionOptions {
            tau: 0.1,
            clamp: 0.1,
            straight_through: false,
            ..d
        },
        DispersionOptions {
            clamp: 0.6,
            straight_through: false,
            ..d
        },
        DispersionOptions {
            eps: 0.0,
            clamp: 0.01,
            ..d
        },
        // τ < 1/80: the fused path's two-pass (shifted log-sum-exp) form.
        DispersionOptions {
            tau: 0.01,
            clamp: 0.05,
            ..d
        },
    ]
}

fn max_abs(v: &[f64]) -> f64 {
    v.iter().fold(0.0, |a, b| a.max(b.abs()))
}

#[test]
fn fused_f32_matches_f64_reference_loss_1e6_grad_1e5() {
    let mut rng = SplitMix64(5);
    for &(n, f) in &[
        (2usize, 3usize),
        (7, 16),
        (23, 40),
        (40, 300),
        (70, 64),
        (9, 1030),
        (16, 45),
    ] {
        // Correlated rows (a shared direction) so cosines spread over (−0.5, 0.95).
        let common: Vec<f64> = (0..f).map(|_| rng.signed()).collect();
        let x32: Vec<f32> = (0..n * f)
            .map(|k| (0.8 * common[k % f] + rng.signed()) as f32 * 3.0)
            .collect();
        let x64: Vec<f64> = x32.iter().map(|&v| v as f64).collect();
        for o in options() {
            let (lref, gref) = reference(&x64, n, f, &o);
            let gscale = max_abs(&gref);
            for be in backends() {
                let mut scratch = vec![0.0f32; dispersion_scratch_len(n, f, true).unwrap()];
                let mut g = vec![0.0f32; n * f];
                let l =
                    dispersion_loss_grad_with(be, &x32, n, f, &o, &mut g, &mut scratch).unwrap();
                // 1e-6 relative to max(|L|, 1): LogSum values can sit near 0.
                assert!(
                    (l - lref).abs() <= 1e-6 * lref.abs().max(1.0),
                    "{be:?} n{n} f{f} {o:?}: {l} vs {lref}"
                );
                let l2 = dispersion_loss_with(be, &x32, n, f, &o, &mut scratch).unwrap();
                assert_eq!(l, l2);
                let err = g
                    .iter()
                    .zip(&gref)
                    .map(|(a, b)| (*a as f64 - b).abs())
                    .fold(0.0, f64::max);
                assert!(
                    err <= 1e-5 * gscale,
                    "{be:?} n{n} f{f} {o:?}: grad err {err} (scale {gscale})"
                );
            }
            // f64 exact path against the same reference.
            let mut g64 = vec![0.0; n * f];
            let l64 = dispersion_loss_grad_f64(&x64, n, f, &o, &mut g64).unwrap();
            assert!((l64 - lref).abs() <= 1e-12 * lref.abs().max(1.0));
            let err = g64
                .iter()
                .zip(&gref)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0, f64::max);
            assert!(err <= 1e-10 * gscale, "f64 grad err {err}");
        }
    }
}

#[test]
fn f64_gradients_match_central_differences_all_variants() {
    let mut rng = SplitMix64(17);
    let (n, f) = (6, 5);
    let mut x: Vec<f64> = (0..n * f).map(|_| rng.signed()).collect();
    // Unit rows, so that the `normalize: false, clamp: 0` case keeps |c| < 1.
    for r in x.chunks_mut(f) {
        let nr = r.iter().map(|v| v * v).sum::<f64>().sqrt();
        r.iter_mut().for_each(|v| *v /= nr);
    }
    let d = DispersionOptions::default();
    let variants = [
        DispersionOptions { clamp: 0.05, ..d },
        DispersionOptions {
            variant: DispersionVariant::Orthogonalization,
            clamp: 0.05,
            ..d
        },
        DispersionOptions {
            variant: DispersionVariant::L2Repel,
            ..d
        },
        DispersionOptions {
            variant: DispersionVariant::Decorrelation,
            ..d
        },
        DispersionOptions {
            tau: 0.3,
            normalize: false,
            clamp: 0.0,
            ..d
        },
    ];
    for o in variants {
        let mut g = vec![0.0; n * f];
        dispersion_loss_grad_f64(&x, n, f, &o, &mut g).unwrap();
        let h = 1e-6;
        for k in 0..n * f {
            let mut xp = x.clone();
            xp[k] += h;
            let mut xm = x.clone();
            xm[k] -= h;
            let fd = (dispersion_loss_f64(&xp, n, f, &o).unwrap()
                - dispersion_loss_f64(&xm, n, f, &o).unwrap())
                / (2.0 * h);
            // Central differences: truncation O(h²·L''') + rounding O(ε/h) ≈ 1e-9 here.
            assert!(
                (fd - g[k]).abs() <= 1e-7 * (1.0 + fd.abs()),
                "{:?} k{k}: fd {fd} vs {}",
                o.variant,
                g[k]
            );
        }
        // f32 entry point of the same variant agrees with f64 to f32 accuracy.
        let x32: Vec<f32> = x.iter().map(|&v| v as f32).collect();
        let mut g32 = vec![0.0f32; n * f];
        let mut s = vec![0.0f32; dispersion_scratch_len(n, f, true).unwrap()];
        let l32 = dispersion_loss_grad(&x32, n, f, &o, &mut g32, &mut s).unwrap();
        let l64 = dispersion_loss_f64(&x, n, f, &o).unwrap();
        assert!(
            (l32 - l64).abs() <= 1e-5 * l64.abs().max(1.0),
            "{:?}: {l32} vs {l64}",
            o.variant
        );
        let err = g32
            .iter()
            .zip(&g)
            .map(|(a, b)| (*a as f64 - b).abs())
            .fold(0.0, f64::max);
        assert!(err <= 1e-4 * max_abs(&g), "{:?}: grad err {err}", o.variant);
    }
}

fn load_embeddings() -> Vec<f32> {
    let bytes = include_bytes!("data/embeddings_minilm_l6_first1024.f32");
    bytes
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect()
}

fn published(key: &str) -> f64 {
    let csv = include_str!("data/pairwise_stats_first1024.csv");
    csv.lines()
        .find_map(|l| l.strip_prefix(key).and_then(|r| r.strip_prefix(',')))
        .unwrap()
        .parse()
        .unwrap()
}

#[test]
fn real_embeddings_reproduce_pairwise_stats_to_1e9_in_f64() {
    let e = load_embeddings();
    let (n, f) = (1024, 384);
    let x: Vec<f64> = e.iter().map(|&v| v as f64).collect();
    for (tau, key) in [
        (0.1, "dispersion_loss_tau=0.1"),
        (1.0, "dispersion_loss_tau=1.0"),
    ] {
        // pairwise_stats.json: no re-normalisation, clip to [−1, 1], log-SUM over ordered i≠j.
        let o = DispersionOptions {
            tau,
            clamp: 0.0,
            eps: 0.0,
            normalize: false,
            reduction: Reduction::LogSum,
            ..Default::default()
        };
        let l = dispersion_loss_f64(&x, n, f, &o).unwrap();
        let want = published(key);
        assert!(
            (l - want).abs() <= 1e-9 * want.abs(),
            "tau {tau}: {l} vs {want}"
        );
        // The fused f32 path on the same data: within 1e-6 relative of the published f64 value.
        let mut s = vec![0.0f32; dispersion_scratch_len(n, f, false).unwrap()];
        let l32 = dispersion_loss(&e, n, f, &o, &mut s).unwrap();
        assert!(
            (l32 - want).abs() <= 1e-6 * want.abs(),
            "f32 tau {tau}: {l32} vs {want}"
        );
    }
}

#[test]
fn zero_rows_and_bad_options() {
    let (n, f) = (5, 8);
    let mut x = vec![0.5f32; n * f];
    for (k, v) in x.iter_mut().enumerate() {
        *v += (k % 7) as f32 * 0.1;
    }
    x[8..16].fill(0.0);
    let mut s = vec![0.0f32; dispersion_scratch_len(n, f, true).unwrap()];
    let mut g = vec![0.0f32; n * f];
    let o = DispersionOptions::default();
    let l = dispersion_loss_grad(&x, n, f, &o, &mut g, &mut s).unwrap();
    assert!(l.is_finite() && g.iter().all(|v| v.is_finite()));
    let o0 = DispersionOptions { eps: 0.0, ..o };
    assert_eq!(
        dispersion_loss(&x, n, f, &o0, &mut s),
        Err(GeometryError::ZeroNormRow {
            row: 8 / f,
            query: false
        })
    );
    for bad in [
        DispersionOptions { tau: 0.0, ..o },
        DispersionOptions { tau: f64::NAN, ..o },
        DispersionOptions { clamp: 1.0, ..o },
        DispersionOptions { eps: -1.0, ..o },
    ] {
        assert_eq!(
            dispersion_loss(&x, n, f, &bad, &mut s),
            Err(GeometryError::InvalidParameter)
        );
    }
    assert_eq!(
        dispersion_loss(&x[..8], 1, 8, &o, &mut s),
        Err(GeometryError::Empty)
    );
    assert_eq!(
        dispersion_loss(&x, n, f, &o, &mut s[..10]),
        Err(GeometryError::BufferTooSmall {
            needed: dispersion_scratch_len(n, f, false).unwrap(),
            got: 10
        })
    );
    assert_eq!(
        dispersion_loss_grad(&x, n, f, &o, &mut g[..3], &mut s),
        Err(GeometryError::LengthMismatch)
    );
}
