//! Sampling (feature `rand`): Marsaglia–Tsang draws match the distribution's moments and cdf.
#![cfg(feature = "rand")]

use simstat::dist::rand::rand_core::{Infallible, TryRng};
use simstat::dist::{ShiftedGamma, TruncatedShiftedGamma};

/// A user's own generator (here the crate's SplitMix64): rand 0.10 generators implement
/// `TryRng` with `Error = Infallible` (and so `rand::Rng`).
struct UserRng(simstat::SplitMix64);
impl TryRng for UserRng {
    type Error = Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        Ok((self.0.next_u64() >> 32) as u32)
    }
    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        Ok(self.0.next_u64())
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        for chunk in dst.chunks_mut(8) {
            let w = self.try_next_u64()?.to_le_bytes();
            chunk.copy_from_slice(&w[..chunk.len()]);
        }
        Ok(())
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
    let mut rng = UserRng(simstat::SplitMix64(11));
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
    let mut rng = UserRng(simstat::SplitMix64(12));
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

#[test]
fn rand_distribution_impls_draw_the_same_values() {
    // `rng.sample(d)` and `d.sample_iter(rng)` (rand 0.10's `Distribution`) give exactly the
    // inherent `sample`'s draws; a mixture's draws follow its cdf (KS at the 1 % level)
    use rand::distr::Distribution;
    use rand::{rngs::StdRng, RngExt, SeedableRng};
    let g = TruncatedShiftedGamma::new(13.3, 35.5, -0.28, -1.0, 1.0).unwrap();
    let (mut a, mut b) = (StdRng::seed_from_u64(3), StdRng::seed_from_u64(3));
    for _ in 0..1000 {
        let x: f64 = a.sample(g);
        assert_eq!(x.to_bits(), g.sample(&mut b).to_bits());
    }
    let h = TruncatedShiftedGamma::new(30.0, 90.0, 0.1, -1.0, 1.0).unwrap();
    let m = simstat::fit::MixtureFit::from_components(&[0.7, 0.3], &[g, h], 0, f64::NAN).unwrap();
    let n = 20_000;
    let xs: Vec<f64> = (&m).sample_iter(StdRng::seed_from_u64(5)).take(n).collect();
    let cdf = |v: f64| 0.7 * g.cdf(v) + 0.3 * h.cdf(v);
    let d = ks(xs, cdf);
    assert!(d < 1.63 / (n as f64).sqrt(), "mixture KS {d}");
}
