//! Per-bin moment sketch of the data (count, mean and variance of every bin of a fixed grid),
//! built in the validating pass, and its weighted two-point representation that the warm start
//! iterates on.
//!
//! A bin with n values, mean m and variance v is represented by the points m − √v and m + √v
//! with weight n/2 each (one point at m when v = 0, e.g. a bin holding one value): the two-point
//! rule that matches the bin's count, mean and variance, so a smooth function's sum over the bin
//! is reproduced up to the third and fourth central moments (O(h⁴) for bin width h instead of
//! the O(h²) of bin centres). The optimum of the likelihood on these points is next to the
//! exact one, so the exact stage that follows is a verification pass and at most a step or two.

/// Per-bin moments on `B` equal bins of [lo, hi]: count, Σ (x − centre), Σ (x − centre)²
/// (offsets from the bin centre, so the sums do not cancel; kept in units of the bin width
/// while adding). Sums of f64: shards add up to the whole data's moments up to rounding
/// (order-dependent in the last bits).
#[derive(Clone, Debug)]
pub(crate) struct MomentBins<const B: usize> {
    lo: f64,
    width: f64,
    inv_width: f64,
    /// Per bin: count, Σ u, Σ u² with u = (x − centre)/width ∈ [−½, ½].
    m: [[f64; 3]; B],
}

/// `out.len()` quantiles of the weighted points (xs increasing, weights ≥ 0) at the levels
/// (i + ½)/out.len(): a sorted pseudo-sample with the points' distribution (the warm start's
/// starts are drawn from it). Returns the number written (0 when the total weight is 0).
pub(crate) fn quantiles(xs: &[f64], ws: &[f64], out: &mut [f64]) -> usize {
    let total: f64 = ws.iter().sum();
    let m = out.len();
    if !(total > 0.0) || m == 0 || xs.is_empty() {
        return 0;
    }
    let mut j = 0;
    let mut cum = ws.first().copied().unwrap_or(0.0);
    for (i, o) in out.iter_mut().enumerate() {
        let level = (i as f64 + 0.5) / m as f64 * total;
        while cum < level && j + 1 < xs.len().min(ws.len()) {
            j += 1;
            cum += ws[j];
        }
        *o = xs[j.min(xs.len() - 1)];
    }
    m
}

impl<const B: usize> MomentBins<B> {
    /// Empty bins on [lo, hi] (callers have validated lo < hi, both finite, and B ≥ 1).
    #[cfg(any(test, feature = "std"))]
    pub fn new(lo: f64, hi: f64) -> Self {
        let mut b = Self::blank();
        b.reset(lo, hi);
        b
    }

    /// Bins of nothing, all bits zero ([`MomentBins::reset`] before use).
    pub const fn blank() -> Self {
        MomentBins {
            lo: 0.0,
            width: 0.0,
            inv_width: 0.0,
            m: [[0.0; 3]; B],
        }
    }

    /// Empties the bins in place and sets their interval to [lo, hi] (validated by callers).
    pub fn reset(&mut self, lo: f64, hi: f64) {
        let width = (hi - lo) / B as f64;
        self.lo = lo;
        self.width = width;
        self.inv_width = 1.0 / width;
        self.m.fill([0.0; 3]);
    }

    /// Add values (already validated to lie in [lo, hi]).
    pub fn extend(&mut self, xs: &[f64]) {
        for &x in xs {
            let pos = (x - self.lo) * self.inv_width;
            // pos ≥ 0 by validation, so the (saturating) cast is the floor; the min keeps hi
            // (and rounding) in the last bin
            let k = (pos as usize).min(B - 1);
            let u = pos - (k as f64 + 0.5);
            if let Some(b) = self.m.get_mut(k) {
                b[0] += 1.0;
                b[1] += u;
                b[2] += u * u;
            }
        }
    }

    /// (count, mean, Σ (x − mean)²) of the `group` consecutive bins starting at `k0`, combined
    /// about the centre of bin `k0` (no cancellation between bins).
    fn group(&self, k0: usize, group: usize) -> (f64, f64, f64) {
        let base = self.lo + (k0 as f64 + 0.5) * self.width;
        let (mut n, mut a, mut q) = (0.0, 0.0, 0.0);
        for k in k0..(k0 + group).min(B) {
            // offsets of bin k's values from bin k0's centre: off + (k − k0)·width
            let sh = (k - k0) as f64 * self.width;
            let [c, s1, s2] = self.m[k];
            let (s1, s2) = (s1 * self.width, s2 * self.width * self.width);
            n += c;
            a += s1 + c * sh;
            q += s2 + 2.0 * sh * s1 + c * sh * sh;
        }
        if !(n > 0.0) {
            return (0.0, 0.0, 0.0);
        }
        let m = a / n;
        (n, base + m, (q - a * m).max(0.0))
    }

    /// Number of non-empty groups of `group` bins.
    pub fn nonempty(&self, group: usize) -> usize {
        let g = group.max(1);
        (0..B.div_ceil(g))
            .filter(|&j| {
                self.m[j * g..((j + 1) * g).min(B)]
                    .iter()
                    .any(|b| b[0] > 0.0)
            })
            .count()
    }

    /// The two-point representation of groups of `group` bins (see the module docs), points
    /// clamped to [xmin, xmax], written into `xs` / `ws` in increasing order; returns how many
    /// (points past the buffers' length are dropped: callers give 2 per group).
    pub fn points(
        &self,
        group: usize,
        xmin: f64,
        xmax: f64,
        (xs, ws): (&mut [f64], &mut [f64]),
    ) -> usize {
        let mut len = 0;
        let mut push = |x: f64, w: f64| {
            if let (Some(px), Some(pw)) = (xs.get_mut(len), ws.get_mut(len)) {
                *px = x;
                *pw = w;
                len += 1;
            }
        };
        let g = group.max(1);
        for j in 0..B.div_ceil(g) {
            let (n, m, ss) = self.group(j * g, g);
            if !(n > 0.0) {
                continue;
            }
            let sd = libm::sqrt(ss / n);
            let clamp = |x: f64| x.max(xmin).min(xmax);
            if sd > 0.0 && n > 1.0 {
                push(clamp(m - sd), 0.5 * n);
                push(clamp(m + sd), 0.5 * n);
            } else {
                push(clamp(m), n);
            }
        }
        len
    }
}

#[cfg(test)]
mod tests {
    use super::{quantiles, MomentBins};

    /// Quantiles of weighted points land on the points carrying each level.
    #[test]
    fn quantiles_of_weighted_points() {
        let xs = [1.0, 2.0, 3.0];
        let ws = [1.0, 2.0, 1.0];
        let mut out = [0.0; 8];
        assert_eq!(quantiles(&xs, &ws, &mut out), 8);
        assert_eq!(out, [1.0, 1.0, 2.0, 2.0, 2.0, 2.0, 3.0, 3.0]);
        assert_eq!(quantiles(&xs, &[0.0; 3], &mut out), 0);
    }

    /// The two-point representation reproduces the count, mean and variance of the data (the
    /// points of one group carry its mean and variance exactly, to rounding).
    #[test]
    fn two_point_rule_matches_count_mean_and_variance() {
        let xs: [f64; 9] = [-0.31, -0.3, -0.1, 0.0, 0.02, 0.021, 0.5, 0.77, 0.999];
        let mut mb = MomentBins::<64>::new(-1.0, 1.0);
        mb.extend(&xs);
        let n = xs.len() as f64;
        let mean = xs.iter().sum::<f64>() / n;
        let var = xs.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / n;
        for group in [1, 4, 64] {
            let (mut bx, mut bw) = ([0.0; 256], [0.0; 256]);
            let len = mb.points(group, -0.31, 0.999, (&mut bx, &mut bw));
            let (px, pw) = (&bx[..len], &bw[..len]);
            let w: f64 = pw.iter().sum();
            let m = px.iter().zip(pw).map(|(x, w)| x * w).sum::<f64>() / w;
            let v = px
                .iter()
                .zip(pw)
                .map(|(x, w)| (x - m) * (x - m) * w)
                .sum::<f64>()
                / w;
            assert!((w - n).abs() < 1e-12, "group {group}: weight {w}");
            assert!(
                (m - mean).abs() < 1e-12,
                "group {group}: mean {m} vs {mean}"
            );
            // within-group variance is kept, so the total variance is too (the clamp to
            // [min, max] is inactive here except for group 64, where it can only shrink it)
            assert!(
                v <= var + 1e-12 && v >= 0.9 * var,
                "group {group}: var {v} vs {var}"
            );
            assert!(
                px.windows(2).all(|t| t[0] <= t[1]),
                "group {group}: not sorted"
            );
        }
    }
}
