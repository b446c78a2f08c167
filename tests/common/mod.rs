//! The one test-support module of the crate's tests and benches: the seeded generator and its
//! samplers ([`Sample`]), the geometry backends of this CPU ([`backends`]), mixture data ([`sample_mixture`], [`mixture_ll`]), and the readers of
//! the committed data under tests/data ([`data`]). Include it with `mod common;` (benches:
//! `#[path = "../tests/common/mod.rs"] mod common;`).
#![allow(dead_code)]

pub mod data;

#[allow(unused_imports)]
pub use data::*;
/// The crate's own SplitMix64 (one definition for library and tests).
pub use simstat::SplitMix64;

/// Samplers on top of [`SplitMix64`], the only ones the tests use.
pub trait Sample {
    /// The generator underneath.
    fn rng(&mut self) -> &mut SplitMix64;

    /// Uniform in the open interval (0, 1).
    fn uniform(&mut self) -> f64 {
        self.rng().next_open01()
    }

    /// Uniform in [−1, 1).
    fn signed(&mut self) -> f64 {
        2.0 * self.rng().next_f64() - 1.0
    }

    /// `n` values uniform in [−1, 1), rounded to f32.
    fn vec32(&mut self, n: usize) -> Vec<f32> {
        (0..n).map(|_| self.signed() as f32).collect()
    }

    /// Gamma(alpha, 1) by Marsaglia–Tsang (squeeze test first; α < 1 by the U^(1/α) boost).
    fn gamma(&mut self, alpha: f64) -> f64 {
        if alpha < 1.0 {
            let u = self.uniform();
            return self.gamma(alpha + 1.0) * u.powf(1.0 / alpha);
        }
        let d = alpha - 1.0 / 3.0;
        let c = 1.0 / (9.0 * d).sqrt();
        loop {
            let x = self.rng().normal();
            let v = 1.0 + c * x;
            if v <= 0.0 {
                continue;
            }
            let v = v * v * v;
            let u = self.uniform();
            if u < 1.0 - 0.0331 * x * x * x * x || u.ln() < 0.5 * x * x + d * (1.0 - v + v.ln()) {
                return d * v;
            }
        }
    }

    /// `n` draws of c + Gamma(alpha, rate) kept inside [lo, hi] (rejection).
    fn shifted_gamma(
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

impl Sample for SplitMix64 {
    fn rng(&mut self) -> &mut SplitMix64 {
        self
    }
}

/// Every geometry backend available on this CPU (the scalar one always).
pub fn backends() -> Vec<simstat::geometry::Backend> {
    simstat::geometry::Backend::ALL
        .iter()
        .copied()
        .filter(|b| b.is_available())
        .collect()
}

/// (weight, shape, rate, shift) of one mixture component.
pub type Comp = (f64, f64, f64, f64);

/// `n` draws from the mixture Σ wⱼ·(shiftⱼ + Gamma(shapeⱼ, rateⱼ)), each truncated to [−1, 1]
/// by rejection.
pub fn sample_mixture(comps: &[Comp], n: usize, seed: u64) -> Vec<f64> {
    let mut rng = SplitMix64(seed);
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

/// [`sample_mixture`] of components given as (shape, rate, shift) with separate weights.
pub fn sample_weighted(
    truth: &[(f64, f64, f64)],
    weights: &[f64],
    n: usize,
    seed: u64,
) -> Vec<f64> {
    let comps: Vec<Comp> = truth
        .iter()
        .zip(weights)
        .map(|(&(a, l, c), &w)| (w, a, l, c))
        .collect();
    sample_mixture(&comps, n, seed)
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

/// Normal maximum log-likelihood of a sample (MLE mean and variance).
pub fn normal_ll(x: &[f64]) -> f64 {
    let n = x.len() as f64;
    let m = x.iter().sum::<f64>() / n;
    let v = x.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / n;
    -0.5 * n * ((2.0 * std::f64::consts::PI * v).ln() + 1.0)
}
