//! A mergeable, fixed-size histogram sketch of a sample on [lo, hi] and the shifted-gamma fit
//! from it alone (O(bins) per Newton pass, no data kept).
//!
//! Everything in the sketch is an integer or an order statistic: bin counts, per-bin sums of the
//! values' offsets quantised to 2⁻²⁰ of a bin, the count, the minimum and the maximum.
//! Pushing is deterministic per value and merging adds integers, so any split of the data, merged
//! in any order, gives the bit-identical sketch (and so the bit-identical fit).

use super::error::FitError;
use super::options::FitOptions;
use super::profile::{initial_u, newton, Acc, Frame, Stats};
use super::result::{assemble, GammaFit};
use crate::wire::{ByteForm, Reader, WireError, Writer};

/// 2²⁰: the quantisation of a value's offset inside its bin. Per-bin sums stay below 2⁶⁴ for
/// up to 2⁴⁴ values in one bin; beyond that they wrap (still order-independent, but the bin
/// means and the mean become wrong — 1.7e13 values in one bin).
const OFF_SCALE: f64 = 1_048_576.0;

/// Histogram sketch with `B` equal bins on [lo, hi] (default 4096): per bin the count and the
/// sum of the values' offsets inside the bin (quantised to 2⁻²⁰ of a bin, so the fit sees each
/// bin at its mean, not its centre), plus the exact count, minimum and maximum.
///
/// Memory is `16·B` bytes plus ~64: about 64 KB for the default, whatever the number of values.
///
/// ```
/// use simstat::fit::{fit_gamma_sketch, FitOptions, Sketch};
/// let data: Vec<f64> = (1..=2000).map(|i| {
///     let u = (i as f64 - 0.5) / 2000.0; // a skewed, deterministic sample
///     -0.2 + 0.3 * u * u
/// }).collect();
/// let mut a = Sketch::<4096>::new(-1.0, 1.0)?;
/// let mut b = Sketch::<4096>::new(-1.0, 1.0)?;
/// a.extend(&data[..700])?;
/// b.extend(&data[700..])?;
/// a.merge(&b)?;
/// let mut all = Sketch::<4096>::new(-1.0, 1.0)?;
/// all.extend(&data)?;
/// assert_eq!(a, all); // bit-identical
/// let fit = fit_gamma_sketch(&all, &FitOptions::default())?;
/// assert!(fit.shape() > 0.0);
/// # Ok::<(), simstat::fit::FitError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Sketch<const B: usize = 4096> {
    lo: f64,
    hi: f64,
    inv_width: f64,
    counts: [u64; B],
    offsets: [u64; B],
    n: u64,
    min: f64,
    max: f64,
}

impl<const B: usize> Sketch<B> {
    /// An empty sketch of [lo, hi]. Errors: non-finite bounds, lo ≥ hi, or B = 0.
    pub fn new(lo: f64, hi: f64) -> Result<Self, FitError> {
        let mut s = Self::blank();
        s.reset(lo, hi)?;
        Ok(s)
    }

    /// A sketch of nothing on the empty interval [0, 0], all bits zero (so a `static` holding
    /// it lives in `.bss`, not in flash); [`Sketch::reset`] makes it usable.
    pub(crate) const fn blank() -> Self {
        Self {
            lo: 0.0,
            hi: 0.0,
            inv_width: 0.0,
            counts: [0; B],
            offsets: [0; B],
            n: 0,
            min: 0.0,
            max: 0.0,
        }
    }

    /// Empties the sketch in place and sets its interval to [lo, hi] (no copy of the `16·B`
    /// bytes through the stack, unlike assigning a [`Sketch::new`]). Errors as [`Sketch::new`]
    /// (the sketch is then unchanged).
    pub fn reset(&mut self, lo: f64, hi: f64) -> Result<(), FitError> {
        if !lo.is_finite() {
            return Err(FitError::BadOption("lo"));
        }
        if !hi.is_finite() || hi <= lo || !(hi - lo).is_finite() {
            return Err(FitError::BadOption("hi"));
        }
        if B == 0 {
            return Err(FitError::BadOption("bins"));
        }
        self.lo = lo;
        self.hi = hi;
        self.inv_width = B as f64 / (hi - lo);
        self.counts.fill(0);
        self.offsets.fill(0);
        self.n = 0;
        self.min = f64::INFINITY;
        self.max = f64::NEG_INFINITY;
        Ok(())
    }

    /// Adds one value. Errors (sketch unchanged): NaN/±∞, or outside [lo, hi]; the index in the
    /// error is 0.
    pub fn push(&mut self, x: f64) -> Result<(), FitError> {
        self.push_at(x, 0)
    }

    #[inline(always)]
    fn push_at(&mut self, x: f64, index: usize) -> Result<(), FitError> {
        if !x.is_finite() {
            return Err(FitError::NonFinite { index });
        }
        if !(x >= self.lo && x <= self.hi) {
            return Err(FitError::OutOfInterval {
                index,
                value: x,
                lo: self.lo,
                hi: self.hi,
            });
        }
        let (k, q) = self.locate(x);
        if let (Some(c), Some(o)) = (self.counts.get_mut(k), self.offsets.get_mut(k)) {
            *c += 1;
            *o = o.wrapping_add(q);
        }
        self.n += 1;
        self.min = self.min.min(x);
        self.max = self.max.max(x);
        Ok(())
    }

    /// Adds every value of `xs`. Stops at the first invalid value and returns its index (the
    /// values before it are in the sketch, it and those after are not).
    pub fn extend(&mut self, xs: &[f64]) -> Result<(), FitError> {
        self.extend_values(xs)
    }

    /// [`Sketch::extend`] for `f32` values, read in place (each widened to f64 exactly: the
    /// sketch is bit-identical to that of the widened values).
    ///
    /// # Errors
    /// As [`Sketch::extend`].
    pub fn extend_f32(&mut self, xs: &[f32]) -> Result<(), FitError> {
        self.extend_values(xs)
    }

    pub(crate) fn extend_values<T: Copy + Into<f64>>(&mut self, xs: &[T]) -> Result<(), FitError> {
        let (lo, hi, inv_w) = (self.lo, self.hi, self.inv_width);
        let (mut min, mut max, mut n) = (self.min, self.max, self.n);
        let mut bad = None;
        for (i, x) in xs.iter().enumerate() {
            let x: f64 = (*x).into();
            // NaN and ±∞ fail this test too (lo, hi are finite)
            if !(x >= lo && x <= hi) {
                bad = Some(if x.is_finite() {
                    FitError::OutOfInterval {
                        index: i,
                        value: x,
                        lo,
                        hi,
                    }
                } else {
                    FitError::NonFinite { index: i }
                });
                break;
            }
            let pos = (x - lo) * inv_w;
            let k = (pos as usize).min(B - 1);
            // pos − k ∈ [0, 1]; `as` saturates, so no clamp is needed
            let q = ((pos - k as f64) * OFF_SCALE) as u64;
            if let (Some(c), Some(o)) = (self.counts.get_mut(k), self.offsets.get_mut(k)) {
                *c += 1;
                *o = o.wrapping_add(q);
            }
            min = min.min(x);
            max = max.max(x);
            n += 1;
        }
        self.min = min;
        self.max = max;
        self.n = n;
        match bad {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// Adds another sketch of the same interval: afterwards `self` is exactly (bit for bit) the
    /// sketch of both samples together. Errors if the intervals differ.
    pub fn merge(&mut self, other: &Self) -> Result<(), FitError> {
        if self.lo != other.lo || self.hi != other.hi {
            return Err(FitError::IntervalMismatch);
        }
        for (a, b) in self.counts.iter_mut().zip(other.counts.iter()) {
            *a += *b;
        }
        for (a, b) in self.offsets.iter_mut().zip(other.offsets.iter()) {
            *a = a.wrapping_add(*b);
        }
        self.n += other.n;
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
        Ok(())
    }

    /// Number of values.
    pub fn len(&self) -> u64 {
        self.n
    }
    /// True when no value was added.
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }
    /// Smallest value (+∞ when empty).
    pub fn min(&self) -> f64 {
        self.min
    }
    /// Largest value (−∞ when empty).
    pub fn max(&self) -> f64 {
        self.max
    }
    /// Interval (lo, hi).
    pub fn interval(&self) -> (f64, f64) {
        (self.lo, self.hi)
    }
    /// Bin counts.
    pub fn counts(&self) -> &[u64; B] {
        &self.counts
    }
    /// Mean of the values, from the integer bin sums (each value enters on a grid of 2⁻²⁰ of a
    /// bin, truncated, with the ½-quantum bias added back: error ≲ 1e-10·(hi − lo)/B·2048 for
    /// the default, and the same bits whatever the order of pushes and merges); NaN when empty.
    pub fn mean(&self) -> f64 {
        if self.n == 0 {
            return f64::NAN;
        }
        // S = Σ_k (count_k·k·2²⁰ + offsets_k): position of the sum in units of 2⁻²⁰ bin, summed
        // exactly in 128 bits held as two u64 words (no u128 arithmetic: its division and
        // conversion are library calls that bare targets such as nvptx64 do not have). The
        // integer sum is order-independent; one rounding to f64 follows (relative 2⁻⁵²).
        let (mut hi, mut lo) = (0u64, 0u64);
        for (k, (&c, &o)) in self.counts.iter().zip(self.offsets.iter()).enumerate() {
            let (ph, pl) = mul_wide(c, (k as u64) << 20);
            let (l1, c1) = lo.overflowing_add(pl);
            let (l2, c2) = l1.overflowing_add(o);
            lo = l2;
            hi = hi
                .wrapping_add(ph)
                .wrapping_add(u64::from(c1) + u64::from(c2));
        }
        let total = hi as f64 * 18_446_744_073_709_551_616.0 + lo as f64;
        let mean_units = total / self.n as f64;
        let pos = (mean_units + 0.5) / OFF_SCALE; // in bins
        let w = (self.hi - self.lo) / B as f64;
        (self.lo + pos * w).clamp(self.min, self.max)
    }

    /// Writes the non-empty bins as weighted points: each bin at the mean of its values (from
    /// the integer offset sums, clamped into [min, max]) with its count as weight, in increasing
    /// order. Returns how many were written (at most `min(xs.len(), ws.len())`; bins past that
    /// are left out).
    pub(crate) fn bin_means(&self, xs: &mut [f64], ws: &mut [f64]) -> usize {
        let w = (self.hi - self.lo) / B as f64;
        let mut m = 0;
        for (k, (&c, &o)) in self.counts.iter().zip(self.offsets.iter()).enumerate() {
            if c == 0 {
                continue;
            }
            let (Some(x), Some(wt)) = (xs.get_mut(m), ws.get_mut(m)) else {
                break;
            };
            // + ½ quantum per value: offsets were truncated onto the 2⁻²⁰ grid
            let within = (o as f64 + 0.5 * c as f64) / (c as f64 * OFF_SCALE);
            *x = (self.lo + (k as f64 + within) * w).clamp(self.min, self.max);
            *wt = c as f64;
            m += 1;
        }
        m
    }

    /// Bin index of `x` (inside [lo, hi]) and its offset inside the bin in units of 2⁻²⁰ of a
    /// bin: what [`Sketch::push`] adds for it, so a bin's count and offset sum can be taken
    /// back exactly.
    pub(crate) fn bin_of(&self, x: f64) -> (usize, u64) {
        self.locate(x)
    }

    /// The value a bin of `count` values with offset sum `offsets` stands for (the mean of its
    /// values, as [`Sketch::bin_means`] places it, before clamping).
    pub(crate) fn bin_value(&self, k: usize, count: u64, offsets: u64) -> f64 {
        let w = (self.hi - self.lo) / B as f64;
        let within = (offsets as f64 + 0.5 * count as f64) / (count as f64 * OFF_SCALE);
        self.lo + (k as f64 + within) * w
    }

    /// Number of non-empty bins.
    pub fn occupied_bins(&self) -> usize {
        self.occupied().count()
    }

    /// Bin index of x ∈ [lo, hi] and x's offset inside the bin in units of 2⁻²⁰ bin.
    #[inline(always)]
    fn locate(&self, x: f64) -> (usize, u64) {
        let pos = (x - self.lo) * self.inv_width;
        let k = (pos as usize).min(B - 1);
        let frac = (pos - k as f64).clamp(0.0, 1.0);
        (k, (frac * OFF_SCALE) as u64)
    }

    /// Calls f(value, weight, spread) for the pseudo-sample the fit sees: the exact min and max
    /// as single points, every other value at its bin's mean (clamped into [min, max]) with
    /// the within-bin variance of a uniform spread over the bin (∩ [min, max]).
    fn for_each_point<F: FnMut(f64, f64, f64)>(&self, mut f: F) {
        let ((kmin, qmin), (kmax, qmax)) = (self.locate(self.min), self.locate(self.max));
        let w = (self.hi - self.lo) / B as f64;
        for (k, (&cnt, &off)) in self.counts.iter().zip(self.offsets.iter()).enumerate() {
            let (mut c, mut o) = (cnt, off);
            if k == kmin {
                c = c.saturating_sub(1);
                o = o.saturating_sub(qmin);
            }
            if k == kmax {
                c = c.saturating_sub(1);
                o = o.saturating_sub(qmax);
            }
            if c > 0 {
                // + ½ quantum per value: offsets were truncated onto the 2⁻²⁰ grid
                let within = (o as f64 + 0.5 * c as f64) / (c as f64 * OFF_SCALE);
                let rep = (self.lo + (k as f64 + within) * w).clamp(self.min, self.max);
                let spread = if c > 1 {
                    let a = (self.lo + k as f64 * w).max(self.min);
                    let b = (self.lo + (k as f64 + 1.0) * w).min(self.max);
                    let span = (b - a).max(0.0);
                    span * span / 12.0
                } else {
                    0.0
                };
                f(rep, c as f64, spread);
            }
        }
        f(self.min, 1.0, 0.0);
        f(self.max, 1.0, 0.0);
    }

    /// Profile statistics at shift c < min from the bins (one O(B) pass).
    pub(crate) fn stats(&self, mean: f64, c: f64) -> Stats {
        let m = mean - c;
        let inv_m = 1.0 / m;
        let mut acc = Acc::default();
        self.for_each_point(|x, w, v| acc.add_spread(x, w, v, mean, c, inv_m));
        acc.finish(self.n as f64, m)
    }

    /// Variance and third central moment of the pseudo-sample (for the starting point).
    pub(crate) fn moments(&self, mean: f64) -> (f64, f64) {
        let (mut m2, mut m3) = (0.0, 0.0);
        self.for_each_point(|x, w, v| {
            let d = x - mean;
            m2 += w * (d * d + v);
            m3 += w * d * (d * d + 3.0 * v);
        });
        let n = self.n as f64;
        (m2 / n, m3 / n)
    }

    /// The frame (n, mean, min, range) after checking the sketch can be fitted.
    pub(crate) fn frame(&self) -> Result<Frame, FitError> {
        if self.n < 3 {
            return Err(FitError::TooFewSamples {
                n: self.n,
                needed: 3,
            });
        }
        if self.max <= self.min {
            return Err(FitError::AllEqual);
        }
        Ok(Frame {
            n: self.n as f64,
            mean: self.mean(),
            min: self.min,
            range: self.max - self.min,
        })
    }
}

/// Fits one shifted gamma from a sketch alone (O(B) per Newton pass; no data needed).
///
/// The sketch's interval must equal `opts`' [lo, hi] (it is the truncation interval). Each bin
/// enters at its mean with a uniform within-bin variance (second-order term), the minimum and
/// maximum exactly; the log-likelihood reported is the resulting estimate of the exact one
/// (within 2.1e-7 relative on the 26 real samples with 4096 bins).
pub fn fit_gamma_sketch<const B: usize>(
    sketch: &Sketch<B>,
    opts: &FitOptions,
) -> Result<GammaFit, FitError> {
    opts.validate()?;
    if sketch.lo != opts.lo || sketch.hi != opts.hi {
        return Err(FitError::IntervalMismatch);
    }
    let out = sketch_outcome(sketch, opts)?;
    assemble(&out, sketch.n, opts, 0, out.passes)
}

/// The Newton outcome on the sketch (shared with the warm start of the exact fit).
pub(crate) fn sketch_outcome<const B: usize>(
    sketch: &Sketch<B>,
    opts: &FitOptions,
) -> Result<super::profile::Outcome, FitError> {
    let fr = sketch.frame()?;
    let (var, third) = sketch.moments(fr.mean);
    let u0 = initial_u(&fr, var, third);
    Ok(newton(|c| sketch.stats(fr.mean, c), &fr, u0, opts))
}

/// Byte form (kind 1): the bin count `B` (u32), lo, hi, n, min, max, then the bins — dense
/// (`B` × count, offset sum) or sparse (occupied bins only: index u32, count, offset sum),
/// whichever is shorter. Reading checks that `B` matches, the interval is valid, the counts add
/// up to n, the offset sums fit their counts, and min and max lie in occupied bins; the sketch
/// read back equals the one written (`==`, bit for bit), so merged sketches from other
/// processes fit exactly as one built here.
impl<const B: usize> ByteForm for Sketch<B> {
    const KIND: u16 = 1;

    fn payload_len(&self) -> usize {
        let nnz = self.occupied_bins();
        49 + if sparse(nnz, B) { 20 * nnz } else { 16 * B }
    }

    fn write_payload(&self, w: &mut Writer<'_>) {
        let nnz = self.occupied_bins();
        w.u32(B as u32);
        for v in [self.lo, self.hi] {
            w.f64(v);
        }
        w.u64(self.n);
        for v in [self.min, self.max] {
            w.f64(v);
        }
        w.bool(sparse(nnz, B));
        w.u32(nnz as u32);
        if sparse(nnz, B) {
            for (k, c, o) in self.occupied() {
                w.u32(k as u32);
                w.u64(c);
                w.u64(o);
            }
        } else {
            for (&c, &o) in self.counts.iter().zip(self.offsets.iter()) {
                w.u64(c);
                w.u64(o);
            }
        }
    }

    fn read_payload(r: &mut Reader<'_>) -> Result<Self, WireError> {
        let mut s = Self::blank();
        s.read_fields(r)?;
        Ok(s)
    }
}

/// The sparse layout is used when it is shorter (20 bytes per occupied bin against 16 per bin).
fn sparse(nnz: usize, bins: usize) -> bool {
    20 * nnz < 16 * bins
}

impl<const B: usize> Sketch<B> {
    /// Reads a byte form written by [`ByteForm::write_to`] into this sketch in place (no
    /// `16·B`-byte temporary on the stack, unlike [`ByteForm::read_from`]). On error the
    /// sketch is left empty on its previous interval (or blank, when it had none).
    ///
    /// # Errors
    /// As [`ByteForm::read_from`].
    pub fn read_into(&mut self, bytes: &[u8]) -> Result<(), WireError> {
        let payload = crate::wire::open(bytes, Self::KIND)?;
        let mut r = Reader::new_payload(payload);
        let (lo, hi) = (self.lo, self.hi);
        let out = self.read_fields(&mut r).and_then(|()| {
            if r.position() == payload.len() {
                Ok(())
            } else {
                Err(WireError::Invalid("payload length"))
            }
        });
        if out.is_err() && self.reset(lo, hi).is_err() {
            *self = Self::blank();
        }
        out
    }

    fn read_fields(&mut self, r: &mut Reader<'_>) -> Result<(), WireError> {
        if r.u32()? as usize != B {
            return Err(WireError::Invalid("bins"));
        }
        let (lo, hi) = (r.f64()?, r.f64()?);
        let n = r.u64()?;
        let (min, max) = (r.f64()?, r.f64()?);
        let is_sparse = r.bool("layout")?;
        let nnz = r.u32()? as usize;
        if nnz > B || is_sparse != sparse(nnz, B) {
            return Err(WireError::Invalid("occupied bins"));
        }
        let slots = if is_sparse { nnz } else { B };
        let bins = (0..slots).map(|i| {
            let k = if is_sparse { r.u32()? as usize } else { i };
            Ok((k, r.u64()?, r.u64()?))
        });
        self.fill_checked(lo, hi, n, (min, max), nnz, is_sparse, bins)
    }

    /// Sets this sketch to the given state after every check a sketch from outside needs:
    /// a valid interval, bins (index, count, offset sum) in increasing index order (occupied
    /// only, when `sparse`) whose counts add up to `n` and occupy `nnz` bins, offset sums a
    /// count allows, and min / max in occupied bins (±∞ when empty).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn fill_checked<I>(
        &mut self,
        lo: f64,
        hi: f64,
        n: u64,
        (min, max): (f64, f64),
        nnz: usize,
        sparse: bool,
        bins: I,
    ) -> Result<(), WireError>
    where
        I: Iterator<Item = Result<(usize, u64, u64), WireError>>,
    {
        self.reset(lo, hi)
            .map_err(|_| WireError::Invalid("interval"))?;
        let mut total: u64 = 0;
        let mut seen = 0;
        let mut next = 0;
        for bin in bins {
            let (k, c, o) = bin?;
            // indices strictly increase; sparse entries name occupied bins
            if k < next || k >= B || (sparse && c == 0) {
                return Err(WireError::Invalid("bin index"));
            }
            // each value adds at most 2²⁰ to its bin's offset sum (wrapping only past 2⁴⁴)
            if c < 1 << 44 && o > c << 20 {
                return Err(WireError::Invalid("offset sum"));
            }
            total = total.checked_add(c).ok_or(WireError::Invalid("counts"))?;
            seen += usize::from(c > 0);
            if let (Some(dc), Some(doff)) = (self.counts.get_mut(k), self.offsets.get_mut(k)) {
                *dc = c;
                *doff = o;
            }
            next = k + 1;
        }
        if total != n || seen != nnz {
            return Err(WireError::Invalid("counts"));
        }
        if n == 0 {
            if min != f64::INFINITY || max != f64::NEG_INFINITY {
                return Err(WireError::Invalid("min/max"));
            }
        } else {
            let inside = |x: f64| x >= lo && x <= hi;
            if !(inside(min) && inside(max) && min <= max) {
                return Err(WireError::Invalid("min/max"));
            }
            let occupied = |x: f64| self.counts.get(self.locate(x).0).is_some_and(|&c| c > 0);
            if !(occupied(min) && occupied(max)) || (min == max && n > 1 && nnz > 1) {
                return Err(WireError::Invalid("min/max"));
            }
        }
        self.n = n;
        self.min = min;
        self.max = max;
        Ok(())
    }

    /// The occupied bins as (index, count, offset sum), in increasing index order.
    pub(crate) fn occupied(&self) -> impl Iterator<Item = (usize, u64, u64)> + '_ {
        self.counts
            .iter()
            .zip(self.offsets.iter())
            .enumerate()
            .filter(|(_, (&c, _))| c > 0)
            .map(|(k, (&c, &o))| (k, c, o))
    }
}

/// Full 64×64 → 128-bit product as (high, low) words, from 32-bit limbs.
#[inline]
fn mul_wide(a: u64, b: u64) -> (u64, u64) {
    let (a1, a0) = (a >> 32, a & 0xFFFF_FFFF);
    let (b1, b0) = (b >> 32, b & 0xFFFF_FFFF);
    let p00 = a0 * b0;
    let p01 = a0 * b1;
    let p10 = a1 * b0;
    let p11 = a1 * b1;
    let mid = (p00 >> 32) + (p01 & 0xFFFF_FFFF) + (p10 & 0xFFFF_FFFF);
    let lo = (mid << 32) | (p00 & 0xFFFF_FFFF);
    let hi = p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
    (hi, lo)
}

#[cfg(test)]
mod tests {
    use super::mul_wide;

    #[test]
    fn mul_wide_equals_u128_product() {
        let xs = [
            0u64,
            1,
            2,
            0xFFFF_FFFF,
            0x1_0000_0000,
            0xDEAD_BEEF_1234_5678,
            u64::MAX - 1,
            u64::MAX,
        ];
        for &a in &xs {
            for &b in &xs {
                let p = u128::from(a) * u128::from(b);
                assert_eq!(
                    mul_wide(a, b),
                    ((p >> 64) as u64, p as u64),
                    "{a:x} * {b:x}"
                );
            }
        }
    }
}
