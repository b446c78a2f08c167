//! Random sampling (feature `rand`, rand 0.10): Marsaglia–Tsang gamma variates for any
//! `rand::Rng`, and `rand::distr::Distribution<f64>` for the distributions and mixtures.

use super::shifted_gamma::ShiftedGamma;
use super::truncated::TruncatedShiftedGamma;
use rand::distr::Distribution;
use rand::Rng;

use crate::fit::MixtureFit;

/// Rejection loops are bounded: Marsaglia–Tsang accepts with probability > 0.95, so 64 tries
/// fail with probability < 1e-80; the fallback then returns the mode-ish value α − 1/3 (scaled).
const MAX_TRIES: usize = 64;

/// Uniform in (0, 1), never 0 or 1 (53 random bits, centred in their cell).
#[inline]
fn uniform_open<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    ((rng.next_u64() >> 11) as f64 + 0.5) * (1.0 / 9_007_199_254_740_992.0)
}

/// Standard normal by the Marsaglia polar method (bounded retries).
fn std_normal<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    for _ in 0..MAX_TRIES {
        let u = 2.0 * uniform_open(rng) - 1.0;
        let v = 2.0 * uniform_open(rng) - 1.0;
        let s = u * u + v * v;
        if s > 0.0 && s < 1.0 {
            return u * libm::sqrt(-2.0 * libm::log(s) / s);
        }
    }
    0.0
}

/// A Gamma(α, 1) variate, α > 0 (Marsaglia & Tsang 2000; α < 1 via the U^{1/α} boost).
pub(crate) fn std_gamma<R: Rng + ?Sized>(alpha: f64, rng: &mut R) -> f64 {
    let (a, boost) = if alpha < 1.0 {
        let u = uniform_open(rng);
        (alpha + 1.0, libm::pow(u, 1.0 / alpha))
    } else {
        (alpha, 1.0)
    };
    let d = a - 1.0 / 3.0;
    let c = 1.0 / libm::sqrt(9.0 * d);
    for _ in 0..MAX_TRIES {
        let x = std_normal(rng);
        let v1 = 1.0 + c * x;
        if v1 <= 0.0 {
            continue;
        }
        let v = v1 * v1 * v1;
        let u = uniform_open(rng);
        let x2 = x * x;
        if u < 1.0 - 0.0331 * x2 * x2 || libm::log(u) < 0.5 * x2 + d * (1.0 - v + libm::log(v)) {
            return d * v * boost;
        }
    }
    d * boost
}

impl ShiftedGamma {
    /// One draw of c + Gamma(α, λ).
    ///
    /// ```
    /// use rand::{rngs::StdRng, RngExt, SeedableRng};
    /// use simstat::dist::ShiftedGamma;
    /// let g = ShiftedGamma::new(13.3, 35.5, -0.28).unwrap();
    /// let mut rng = StdRng::seed_from_u64(7);
    /// let x = g.sample(&mut rng); // or rng.sample(g), g.sample_iter(&mut rng)…
    /// let y: f64 = rng.sample(g);
    /// assert!(x > -0.28 && y > -0.28);
    /// ```
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        self.shift() + std_gamma(self.shape(), rng) / self.rate()
    }
}

impl TruncatedShiftedGamma {
    /// One draw conditioned on [lo, hi]: rejection from the untruncated law when the interval
    /// holds ≥ ¼ of its mass (≤ 64 tries), else (and as fallback) inversion of a uniform.
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        if self.normaliser() >= 0.25 {
            for _ in 0..MAX_TRIES {
                let x = self.base().sample(rng);
                if x >= self.lo() && x <= self.hi() {
                    return x;
                }
            }
        }
        self.quantile(uniform_open(rng))
    }
}

/// `rng.sample(g)`, `g.sample_iter(rng)`: the same draws as [`ShiftedGamma::sample`].
impl Distribution<f64> for ShiftedGamma {
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        ShiftedGamma::sample(self, rng)
    }
}

/// `rng.sample(g)`, `g.sample_iter(rng)`: the same draws as [`TruncatedShiftedGamma::sample`].
impl Distribution<f64> for TruncatedShiftedGamma {
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        TruncatedShiftedGamma::sample(self, rng)
    }
}

impl MixtureFit {
    /// One draw from the mixture: a component chosen with probability its weight (one uniform),
    /// then a draw from it ([`TruncatedShiftedGamma::sample`]).
    ///
    /// ```
    /// use rand::{rngs::StdRng, SeedableRng};
    /// use rand::distr::Distribution;
    /// use simstat::dist::TruncatedShiftedGamma;
    /// use simstat::fit::MixtureFit;
    /// let a = TruncatedShiftedGamma::new(13.3, 35.5, -0.28, -1.0, 1.0).unwrap();
    /// let b = TruncatedShiftedGamma::new(30.0, 90.0, 0.1, -1.0, 1.0).unwrap();
    /// let m = MixtureFit::from_components(&[0.7, 0.3], &[a, b], 0, f64::NAN).unwrap();
    /// let xs: Vec<f64> = m.sample_iter(StdRng::seed_from_u64(1)).take(1000).collect();
    /// assert!(xs.iter().all(|&x| (-1.0..=1.0).contains(&x)));
    /// ```
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        let u = uniform_open(rng);
        let mut acc = 0.0;
        let comps = self.components();
        for (c, &w) in comps.iter().zip(self.weights()) {
            acc += w;
            if u < acc {
                return c.sample(rng);
            }
        }
        // rounding left u above the last partial sum: the last component
        comps.last().map_or(f64::NAN, |c| c.sample(rng))
    }
}

/// `rng.sample(&mixture)`, `mixture.sample_iter(rng)`: the same draws as [`MixtureFit::sample`].
impl Distribution<f64> for MixtureFit {
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        MixtureFit::sample(self, rng)
    }
}
