//! Sampling (feature `rand`): Marsaglia–Tsang draws match the distribution's moments and cdf.
#![cfg(feature = "rand")]

use simstat::dist::rand_core::{impls, RngCore};
use simstat::dist::{ShiftedGamma, TruncatedShiftedGamma};

struct SplitMix64(u64);
impl RngCore for SplitMix64 {
    fn next_u32(&mut self) -> u32 {
        (self.next_u64() >> 32) as u32
    }
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn fill_bytes(&mut self, dst: &mut [u8]) {
        impls::fill_bytes_via_next(self, dst)
    }
}

/// Kolmogorov–Smirnov statistic of a sample against a cdf.
fn ks(mut x: Vec<f64>, cdf: impl Fn(f64) -> f64) -> f64 {
    x.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let n = x.len() as f64;
    x.iter()
        .enumerate()
        .map(|(i, &v)| {
            let f = cdf(v);
            (f - i as f64 / n).abs().max(((i + 1) as f64 / n - f).abs())
        })
        .fold(0.0, f64::max)
}

#[test]
fn samples_follow_the_distribution() {
    // N = 20,000: KS statistic < 1.63/√N (the 1 % critical value), mean within 4 SE.
    let mut rng = SplitMix64(11);
    for &(a, l, c) in &[
        (0.4, 3.0, -0.5),
        (1.0, 10.0, 0.0),
        (13.3, 35.5, -0.28),
        (500.0, 200.0, -2.5),
    ] {
        let g = ShiftedGamma::new(a, l, c).unwrap();
        let n = 20_000;
        let x: Vec<f64> = (0..n).map(|_| g.sample(&mut rng)).collect();
        assert!(x.iter().all(|v| *v > c || (a < 1.0 && *v >= c)));
        let mean = x.iter().sum::<f64>() / n as f64;
        let se = (g.variance() / n as f64).sqrt();
        assert!(
            (mean - g.mean()).abs() < 4.0 * se,
            "shape {a}: mean {mean} vs {}",
            g.mean()
        );
        let d = ks(x, |v| g.cdf(v));
        assert!(d < 1.63 / (n as f64).sqrt(), "shape {a}: KS {d}");
    }
}

#[test]
fn truncated_samples_stay_inside_and_follow_the_law() {
    let mut rng = SplitMix64(12);
    // one by rejection (Z ≈ 1), one by inversion (Z small)
    for &(a, l, c, lo, hi) in &[(13.3, 35.5, -0.28, -1.0, 1.0), (2.0, 5.0, -1.0, 0.5, 1.0)] {
        let t = TruncatedShiftedGamma::new(a, l, c, lo, hi).unwrap();
        let n = 10_000;
        let x: Vec<f64> = (0..n).map(|_| t.sample(&mut rng)).collect();
        assert!(x.iter().all(|v| (lo..=hi).contains(v)));
        let d = ks(x, |v| t.cdf(v));
        assert!(d < 1.63 / (n as f64).sqrt(), "KS {d}");
    }
}
