//! Seeded, fixed-capacity reservoir sampler (Vitter's algorithm L: skips instead of one random
//! number per item) for the warm start's subsample.

use crate::support::SplitMix64;

/// Capacity of the warm-start reservoir (the subsample is min(⌈N·fraction⌉, this)).
pub const RESERVOIR_CAPACITY: usize = 8192;

/// A uniform random sample of fixed size m ≤ `CAP` from a stream of unknown length, without
/// allocation. Seeded: the same seed and stream give the same sample.
///
/// ```
/// use simstat::fit::mixture::Reservoir;
/// let mut r: Reservoir<64> = Reservoir::new(10, 42);
/// r.extend(&[1.0, 2.0, 3.0]);
/// assert_eq!(r.sample().len(), 3);
/// for i in 0..1000 { r.push(i as f64); }
/// assert_eq!(r.sample().len(), 10);
/// assert_eq!(r.seen(), 1003);
/// ```
#[derive(Clone, Debug)]
pub struct Reservoir<const CAP: usize> {
    buf: [f64; CAP],
    m: usize,
    len: usize,
    seen: u64,
    w: f64,
    skip: u64,
    rng: SplitMix64,
}

impl<const CAP: usize> Reservoir<CAP> {
    /// A reservoir keeping `m` items (clamped to 1..=CAP), seeded with `seed`.
    pub fn new(m: usize, seed: u64) -> Self {
        let mut r = Self::blank();
        r.reset(m, seed);
        r
    }

    /// A reservoir of capacity 0, all bits zero (a `static` one lives in `.bss`);
    /// [`Reservoir::reset`] makes it usable.
    pub(crate) const fn blank() -> Self {
        Reservoir {
            buf: [0.0; CAP],
            m: 0,
            len: 0,
            seen: 0,
            w: 0.0,
            skip: 0,
            rng: SplitMix64(0),
        }
    }

    /// The whole storage as a plain buffer (for calls that borrow the workspace's memory;
    /// the reservoir's contents are then undefined until the next [`Reservoir::reset`]).
    pub(crate) fn storage_mut(&mut self) -> &mut [f64] {
        self.len = 0;
        self.m = 0;
        &mut self.buf
    }

    /// Empties the reservoir in place: it then keeps `m` items (clamped to 1..=CAP), seeded
    /// with `seed`, as [`Reservoir::new`] does.
    pub(crate) fn reset(&mut self, m: usize, seed: u64) {
        self.m = m.clamp(1, CAP.max(1)).min(CAP);
        self.len = 0;
        self.seen = 0;
        self.w = 1.0;
        self.skip = 0;
        self.rng = SplitMix64(seed);
    }

    fn next_skip(&mut self) {
        let m = self.m as f64;
        self.w *= libm::exp(libm::log(self.rng.next_open01()) / m);
        let den = libm::log1p(-self.w);
        let s = if den < 0.0 {
            libm::floor(libm::log(self.rng.next_open01()) / den)
        } else {
            f64::MAX
        };
        self.skip = if s.is_finite() && s < 1e18 {
            s as u64
        } else {
            u64::MAX
        };
    }

    /// Offer one item.
    pub fn push(&mut self, x: f64) {
        self.seen += 1;
        if self.len < self.m {
            if let Some(slot) = self.buf.get_mut(self.len) {
                *slot = x;
            }
            self.len += 1;
            if self.len == self.m {
                self.next_skip();
            }
            return;
        }
        if self.skip > 0 {
            self.skip -= 1;
            return;
        }
        let j = self.rng.below_u32(self.m);
        if let Some(slot) = self.buf.get_mut(j) {
            *slot = x;
        }
        self.next_skip();
    }

    /// Offer every item of a slice (jumps over skipped runs).
    pub fn extend(&mut self, xs: &[f64]) {
        let mut i = 0;
        while i < xs.len() {
            if self.len < self.m || self.skip == 0 {
                self.push(xs[i]);
                i += 1;
            } else {
                let rem = (xs.len() - i) as u64;
                let jump = self.skip.min(rem);
                self.skip -= jump;
                self.seen += jump;
                i += jump as usize;
            }
        }
    }

    /// The items kept so far (at most m).
    pub fn sample(&self) -> &[f64] {
        self.buf.get(..self.len).unwrap_or(&[])
    }

    /// Mutable view of the kept items (e.g. to sort them).
    pub fn sample_mut(&mut self) -> &mut [f64] {
        let n = self.len;
        self.buf.get_mut(..n).unwrap_or(&mut [])
    }

    /// Number of items offered so far.
    pub fn seen(&self) -> u64 {
        self.seen
    }
}
