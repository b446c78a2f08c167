//! SplitMix64: the one small, seeded, portable generator of the crate (warm-start reservoir,
//! SGMoE restarts).

/// SplitMix64 (Steele, Lea & Flood 2014): 64 bits of state, passes BigCrush, reproducible on
/// every target. The state is public so a seed is just `SplitMix64(seed)`.
///
/// ```
/// use simstat::SplitMix64;
/// let mut a = SplitMix64(7);
/// let mut b = SplitMix64(7);
/// assert_eq!(a.next_u64(), b.next_u64());
/// let u = a.next_f64();
/// assert!((0.0..1.0).contains(&u));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SplitMix64(pub u64);

impl SplitMix64 {
    /// Next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1) on the grid k·2⁻⁵³.
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in the open interval (0, 1): (k + ½)·2⁻⁵³, never 0 or 1 (safe under `ln`).
    pub fn next_open01(&mut self) -> f64 {
        ((self.next_u64() >> 11) as f64 + 0.5) * (1.0 / 9_007_199_254_740_992.0)
    }

    /// Uniform index in 0..n (n > 0; 0 for n = 0) from [`next_f64`](Self::next_f64).
    pub fn below(&mut self, n: usize) -> usize {
        ((self.next_f64() * n as f64) as usize).min(n.saturating_sub(1))
    }

    /// Uniform index in 0..n (n ≥ 1, n < 2³²) by multiply-shift of the high 32 bits: one
    /// multiplication, no float (the warm-start reservoir's replacement slot).
    pub(crate) fn below_u32(&mut self, n: usize) -> usize {
        (((self.next_u64() >> 32) * n as u64) >> 32) as usize
    }

    /// Standard normal by Box–Muller (one draw per two uniforms).
    pub fn normal(&mut self) -> f64 {
        let u1 = 1.0 - self.next_f64();
        let u2 = self.next_f64();
        libm::sqrt(-2.0 * libm::log(u1)) * libm::cos(core::f64::consts::TAU * u2)
    }
}

#[cfg(test)]
mod tests {
    use super::SplitMix64;

    /// The published first outputs of SplitMix64 from seed 1234567 (the reference C code).
    #[test]
    fn reference_stream() {
        let mut r = SplitMix64(1_234_567);
        let want = [
            6_457_827_717_110_365_317_u64,
            3_203_168_211_198_807_973,
            9_817_491_932_198_370_423,
            4_593_380_528_125_082_431,
            16_408_922_859_458_223_821,
        ];
        for w in want {
            assert_eq!(r.next_u64(), w);
        }
    }

    #[test]
    fn ranges() {
        let mut r = SplitMix64(3);
        for _ in 0..10_000 {
            let u = r.next_f64();
            assert!((0.0..1.0).contains(&u));
            let o = r.next_open01();
            assert!(o > 0.0 && o < 1.0);
            assert!(r.below(7) < 7);
            assert!(r.below_u32(7) < 7);
            assert!(r.normal().is_finite());
        }
        assert_eq!(r.below(0), 0);
    }
}
