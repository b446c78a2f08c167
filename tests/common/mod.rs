//! Test helpers: a seeded SplitMix64 generator and gamma/normal variates (no `rand` needed).
#![allow(dead_code)]

/// SplitMix64 (Steele, Lea, Flood 2014): tiny, seedable, good enough for test data.
pub struct SplitMix64(pub u64);

impl SplitMix64 {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in (0, 1).
    pub fn uniform(&mut self) -> f64 {
        ((self.next_u64() >> 11) as f64 + 0.5) / 9_007_199_254_740_992.0
    }
    pub fn normal(&mut self) -> f64 {
        loop {
            let u = 2.0 * self.uniform() - 1.0;
            let v = 2.0 * self.uniform() - 1.0;
            let s = u * u + v * v;
            if s > 0.0 && s < 1.0 {
                return u * (-2.0 * s.ln() / s).sqrt();
            }
        }
    }
    /// Gamma(alpha, 1) by Marsaglia–Tsang.
    pub fn gamma(&mut self, alpha: f64) -> f64 {
        if alpha < 1.0 {
            let u = self.uniform();
            return self.gamma(alpha + 1.0) * u.powf(1.0 / alpha);
        }
        let d = alpha - 1.0 / 3.0;
        let c = 1.0 / (9.0 * d).sqrt();
        loop {
            let x = self.normal();
            let v = 1.0 + c * x;
            if v <= 0.0 {
                continue;
            }
            let v = v * v * v;
            let u = self.uniform();
            if u.ln() < 0.5 * x * x + d * (1.0 - v + v.ln()) {
                return d * v;
            }
        }
    }
    /// n draws of c + Gamma(alpha, rate) kept inside [lo, hi] (rejection).
    pub fn shifted_gamma(
        &mut self,
        n: usize,
        alpha: f64,
        rate: f64,
        c: f64,
        lo: f64,
        hi: f64,
    ) -> Vec<f64> {
        let mut v = Vec::with_capacity(n);
        while v.len() < n {
            let x = c + self.gamma(alpha) / rate;
            if x >= lo && x <= hi {
                v.push(x);
            }
        }
        v
    }
}

/// The 26 real cosine-similarity samples under tests/data/sims (13 queries × 2 models, 6,544
/// corpus rows each).
pub const REAL_SAMPLES: [&str; 26] = [
    "h00_minilm_l6",
    "h01_minilm_l6",
    "h02_minilm_l6",
    "h03_minilm_l6",
    "h04_minilm_l6",
    "h05_minilm_l6",
    "h06_minilm_l6",
    "h07_minilm_l6",
    "h08_minilm_l6",
    "w0_minilm_l6",
    "w1_minilm_l6",
    "w2_minilm_l6",
    "w4_minilm_l6",
    "h00_minilm_l3",
    "h01_minilm_l3",
    "h02_minilm_l3",
    "h03_minilm_l3",
    "h04_minilm_l3",
    "h05_minilm_l3",
    "h06_minilm_l3",
    "h07_minilm_l3",
    "h08_minilm_l3",
    "w0_minilm_l3",
    "w1_minilm_l3",
    "w2_minilm_l3",
    "w4_minilm_l3",
];

/// Reads a raw little-endian f64 file under tests/data.
pub fn read_f64(rel: &str) -> Vec<f64> {
    let path = format!("{}/tests/data/{rel}", env!("CARGO_MANIFEST_DIR"));
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"));
    bytes
        .chunks_exact(8)
        .map(|c| f64::from_le_bytes(c.try_into().expect("8 bytes")))
        .collect()
}

/// Reads a raw little-endian f32 file under tests/data, each value widened to f64 (exactly).
pub fn read_f32_as_f64(rel: &str) -> Vec<f64> {
    read_f32(rel).into_iter().map(f64::from).collect()
}

/// Reads a raw little-endian f32 file under tests/data.
pub fn read_f32(rel: &str) -> Vec<f32> {
    let path = format!("{}/tests/data/{rel}", env!("CARGO_MANIFEST_DIR"));
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"));
    bytes
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes(c.try_into().expect("4 bytes")))
        .collect()
}

/// Normal maximum log-likelihood of a sample (MLE mean and variance).
pub fn normal_ll(x: &[f64]) -> f64 {
    let n = x.len() as f64;
    let m = x.iter().sum::<f64>() / n;
    let v = x.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / n;
    -0.5 * n * ((2.0 * std::f64::consts::PI * v).ln() + 1.0)
}
