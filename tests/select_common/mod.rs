//! Shared helpers of the select tests: a tiny RNG and a gamma sampler.
#![allow(dead_code)]

/// SplitMix64.
pub struct Rng(pub u64);

impl Rng {
    pub fn u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn f64(&mut self) -> f64 {
        (self.u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    pub fn normal(&mut self) -> f64 {
        let u1 = 1.0 - self.f64();
        let u2 = self.f64();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }
}

/// Gamma(shape, 1) by Marsaglia–Tsang (with the α < 1 boost).
pub fn sample_gamma(rng: &mut Rng, shape: f64) -> f64 {
    if shape < 1.0 {
        let u = 1.0 - rng.f64();
        return sample_gamma(rng, shape + 1.0) * u.powf(1.0 / shape);
    }
    let d = shape - 1.0 / 3.0;
    let c = 1.0 / (9.0 * d).sqrt();
    loop {
        let x = rng.normal();
        let v = 1.0 + c * x;
        if v <= 0.0 {
            continue;
        }
        let v = v * v * v;
        let u = rng.f64();
        if u < 1.0 - 0.0331 * x * x * x * x || u.ln() < 0.5 * x * x + d * (1.0 - v + v.ln()) {
            return d * v;
        }
    }
}

/// `n` draws from the mixture Σ weights[j]·(shift_j + Gamma(shape_j, rate_j)) with
/// `truth[j]` = (shape, rate, shift), each truncated to [−1, 1] by rejection.
pub fn sample_mixture(truth: &[(f64, f64, f64)], weights: &[f64], n: usize, seed: u64) -> Vec<f64> {
    let mut rng = Rng(seed);
    (0..n)
        .map(|_| {
            let u = rng.f64();
            let mut acc = 0.0;
            let mut j = weights.len() - 1;
            for (i, w) in weights.iter().enumerate() {
                acc += w;
                if u < acc {
                    j = i;
                    break;
                }
            }
            let (a, l, c) = truth[j];
            loop {
                let x = c + sample_gamma(&mut rng, a) / l;
                if (-1.0..=1.0).contains(&x) {
                    break x;
                }
            }
        })
        .collect()
}
