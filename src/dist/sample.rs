//! Random sampling (feature `rand`): Marsaglia–Tsang gamma variates through `rand_core`.

use super::shifted_gamma::ShiftedGamma;
use super::truncated::TruncatedShiftedGamma;
use rand_core::RngCore;

/// Rejection loops are bounded: Marsaglia–Tsang accepts with probability > 0.95, so 64 tries
/// fail with probability < 1e-80; the fallback then returns the mode-ish value α − 1/3 (scaled).
const MAX_TRIES: usize = 64;

/// Uniform in (0, 1), never 0 or 1 (53 random bits, centred in their cell).
#[inline]
fn uniform_open<R: RngCore + ?Sized>(rng: &mut R) -> f64 {
    ((rng.next_u64() >> 11) as f64 + 0.5) * (1.0 / 9_007_199_254_740_992.0)
}

/// Standard normal by the Marsaglia polar method (bounded retries).
fn std_normal<R: RngCore + ?Sized>(rng: &mut R) -> f64 {
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
pub(crate) fn std_gamma<R: RngCore + ?Sized>(alpha: f64, rng: &mut R) -> f64 {
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
    /// # use simstat::dist::{ShiftedGamma, rand_core::{RngCore, impls}};
    /// # struct Lcg(u64);
    /// # impl RngCore for Lcg {
    /// #     fn next_u32(&mut self) -> u32 { self.next_u64() as u32 }
    /// #     fn next_u64(&mut self) -> u64 {
    /// #         self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    /// #         self.0 ^ (self.0 >> 29)
    /// #     }
    /// #     fn fill_bytes(&mut self, d: &mut [u8]) { impls::fill_bytes_via_next(self, d) }
    /// # }
    /// let g = ShiftedGamma::new(13.3, 35.5, -0.28).unwrap();
    /// let mut rng = Lcg(7);
    /// let x = g.sample(&mut rng);
    /// assert!(x > -0.28);
    /// ```
    pub fn sample<R: RngCore + ?Sized>(&self, rng: &mut R) -> f64 {
        self.shift() + std_gamma(self.shape(), rng) / self.rate()
    }
}

impl TruncatedShiftedGamma {
    /// One draw conditioned on [lo, hi]: rejection from the untruncated law when the interval
    /// holds ≥ ¼ of its mass (≤ 64 tries), else (and as fallback) inversion of a uniform.
    pub fn sample<R: RngCore + ?Sized>(&self, rng: &mut R) -> f64 {
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
