//! Shared helpers of the mixture tests: a seeded gamma sampler and the real-data loader.
#![allow(dead_code)]

/// SplitMix64 generator.
pub struct Rng(pub u64);

impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn uniform(&mut self) -> f64 {
        ((self.next_u64() >> 11) as f64 + 0.5) / 9_007_199_254_740_992.0
    }
    pub fn normal(&mut self) -> f64 {
        let (u, v) = (self.uniform(), self.uniform());
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    }
    /// Gamma(shape a ≥ 1, rate 1), Marsaglia–Tsang.
    pub fn gamma(&mut self, a: f64) -> f64 {
        let d = a - 1.0 / 3.0;
        let c = 1.0 / (9.0 * d).sqrt();
        loop {
            let x = self.normal();
            let v = (1.0 + c * x).powi(3);
            if v <= 0.0 {
                continue;
            }
            let u = self.uniform();
            if u.ln() < 0.5 * x * x + d - d * v + d * v.ln() {
                return d * v;
            }
        }
    }
}

/// (weight, shape, rate, shift) of one component.
pub type Comp = (f64, f64, f64, f64);

/// N draws from a mixture of shifted gammas, truncated to [−1, 1] by rejection.
pub fn sample_mixture(comps: &[Comp], n: usize, seed: u64) -> Vec<f64> {
    let mut rng = Rng(seed);
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        let u = rng.uniform();
        let mut acc = 0.0;
        let mut pick = comps.len() - 1;
        for (i, c) in comps.iter().enumerate() {
            acc += c.0;
            if u < acc {
                pick = i;
                break;
            }
        }
        let (_, a, l, c) = comps[pick];
        let x = c + rng.gamma(a) / l;
        if (-1.0..=1.0).contains(&x) {
            out.push(x);
        }
    }
    out
}

/// Log-likelihood of the truncated mixture `comps` on `data`.
pub fn mixture_ll(comps: &[Comp], data: &[f64]) -> f64 {
    let ds: Vec<_> = comps
        .iter()
        .map(|&(_, a, l, c)| simstat::dist::TruncatedShiftedGamma::new(a, l, c, -1.0, 1.0).unwrap())
        .collect();
    data.iter()
        .map(|&x| {
            let terms: Vec<f64> = comps
                .iter()
                .zip(&ds)
                .map(|(c, d)| c.0.ln() + d.ln_pdf(x))
                .collect();
            let m = terms.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
            m + terms.iter().map(|t| (t - m).exp()).sum::<f64>().ln()
        })
        .sum()
}

/// The real similarity samples shipped in tests/data/sims (name, values).
pub fn real_samples() -> Vec<(String, Vec<f64>)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/sims");
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".f64"))
        .collect();
    names.sort();
    names
        .into_iter()
        .map(|n| {
            let bytes = std::fs::read(dir.join(&n)).unwrap();
            let v = bytes
                .chunks_exact(8)
                .map(|c| f64::from_le_bytes(c.try_into().unwrap()))
                .collect();
            (n, v)
        })
        .collect()
}
