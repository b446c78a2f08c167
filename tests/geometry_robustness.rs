//! Randomised robustness: arbitrary shapes and values (NaN, ±∞, zero rows, huge/tiny values,
//! mismatched lengths, short buffers) give Ok or Err, never a panic, never a NaN in an Ok result.
//! These are the invariants the `geometry_pair` and `dispersion` fuzz targets check.
use simstat::geometry::*;

/// The crate's SplitMix64 with the robustness test's value mix.
struct Rng(simstat::SplitMix64);
impl Rng {
    fn u(&mut self) -> u64 {
        self.0.next_u64()
    }
    fn below(&mut self, n: u64) -> usize {
        (self.u() % n.max(1)) as usize
    }
    fn val(&mut self) -> f32 {
        match self.below(12) {
            0 => f32::NAN,
            1 => f32::INFINITY,
            2 => 0.0,
            3 => 1e30,
            4 => 1e-30,
            5 => -f32::MAX,
            _ => (self.u() >> 40) as f32 / (1u64 << 24) as f32 - 0.5,
        }
    }
    fn vec(&mut self, n: usize, clean: bool) -> Vec<f32> {
        (0..n)
            .map(|_| {
                let v = if clean {
                    (self.u() >> 40) as f32 / (1u64 << 24) as f32 - 0.5
                } else {
                    self.val()
                };
                if self.below(20) == 0 {
                    0.0
                } else {
                    v
                }
            })
            .collect()
    }
}

#[test]
fn random_inputs_never_panic_and_ok_results_are_finite() {
    let mut rng = Rng(simstat::SplitMix64(0xdead_beef_cafe_f00d));
    for iter in 0..3000 {
        let clean = iter % 2 == 0;
        let n = rng.below(12);
        let f = rng.below(40);
        let len = if rng.below(6) == 0 {
            n * f + rng.below(3)
        } else {
            n * f
        };
        let x = rng.vec(len, clean);
        let be = Backend::ALL[rng.below(4)];
        // Pair kernels with possibly mismatched lengths.
        let bl = if rng.below(5) == 0 { f + 1 } else { f };
        let b = rng.vec(bl, clean);
        let a = &x[..f.min(x.len())];
        if let Ok(c) = cosine_similarity_with(be, a, &b) {
            assert!((-1.0..=1.0).contains(&c));
        }
        if let Ok(d) = angular_distance_with(be, a, &b) {
            assert!((0.0..=1.0).contains(&d));
        }
        if let Ok(d) = dot_with(be, a, &b) {
            assert!(d.is_finite());
        }
        if let Ok(d) = angular_distance_f64acc_with(be, a, &b) {
            assert!((0.0..=1.0).contains(&d));
        }
        // Matrices with random buffer sizes.
        let need = pairwise_scratch_len(n, f).unwrap_or(0);
        let mut scratch = vec![0.0f32; if rng.below(4) == 0 { need / 2 } else { need }];
        let mut out = vec![0.0f32; n * n + rng.below(2)];
        let layout = if rng.below(2) == 0 {
            Layout::Full
        } else {
            Layout::UpperPacked
        };
        let value = [
            PairValue::Cosine,
            PairValue::Angle,
            PairValue::AngularDistance,
        ][rng.below(3)];
        if pairwise_with(be, &x, n, f, value, layout, &mut out, &mut scratch).is_ok() {
            let used = if layout == Layout::Full {
                n * n
            } else {
                n * n.saturating_sub(1) / 2
            };
            assert!(out[..used].iter().all(|v| v.is_finite()));
        }
        let m = rng.below(5);
        let q = rng.vec(m * f, clean);
        let mut sc = vec![0.0f32; cross_scratch_len(m, n, f).unwrap_or(0)];
        let mut co = vec![0.0f32; m * n];
        if cross_with(be, &q, m, &x, n, f, value, &mut co, &mut sc).is_ok() {
            assert!(co.iter().all(|v| v.is_finite()));
        }
        // Dispersion with random options (including invalid ones).
        let d = DispersionOptions::default();
        let variant = [
            DispersionVariant::Angular,
            DispersionVariant::Orthogonalization,
            DispersionVariant::L2Repel,
            DispersionVariant::Decorrelation,
        ][rng.below(4)];
        let o = DispersionOptions {
            tau: [1.0, 0.05, 0.0, -1.0, f64::NAN, 1e-3][rng.below(6)],
            clamp: [0.25, 0.0, 0.99, 1.0][rng.below(4)],
            eps: [1e-2, 0.0, -1.0][rng.below(3)],
            normalize: rng.below(3) != 0,
            straight_through: rng.below(2) == 0,
            variant,
            ..d
        };
        let need = dispersion_scratch_len(n, f, true).unwrap_or(0);
        let mut ds = vec![0.0f32; if rng.below(5) == 0 { need / 3 } else { need }];
        let mut g = vec![0.0f32; if rng.below(6) == 0 { len + 1 } else { len }];
        if let Ok(l) = dispersion_loss_grad_with(be, &x, n, f, &o, &mut g, &mut ds) {
            assert!(l.is_finite(), "{o:?} n{n} f{f}");
            assert!(g.iter().all(|v| v.is_finite()), "{o:?} n{n} f{f}");
        }
        if let Ok(l) = dispersion_loss_with(be, &x, n, f, &o, &mut ds) {
            assert!(l.is_finite());
        }
        let x64: Vec<f64> = x.iter().map(|&v| v as f64).collect();
        if let Ok(l) = dispersion_loss_f64(&x64, n, f, &o) {
            assert!(l.is_finite());
        }
        // Condensation / signatures / ranks.
        let mut s = vec![0.0f64; f.saturating_sub(rng.below(2))];
        if let Ok(mc) = mean_cosine(&x, n, f, &mut s) {
            assert!(mc.full.is_finite());
        }
        let mut bins = [BinStats::default(); 3];
        let _ = signature_alignment(&x, f, &x, f, n, &[-1.0, 0.0, 0.5, 1.0], &mut bins);
        let r: Vec<f64> = x64.iter().take(n).copied().collect();
        let t: Vec<f64> = x64.iter().rev().take(n).copied().collect();
        if let Ok(v) = spearman_rho(&r, &t) {
            assert!((-1.0..=1.0).contains(&v));
        }
        if let Ok(v) = kendall_tau_b(&r, &t) {
            assert!((-1.0..=1.0).contains(&v));
        }
    }
}
