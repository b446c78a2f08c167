//! Probability-signature alignment (after arXiv 2509.20124; the authors' code is not public, so
//! the definition is ours): for N items with embeddings eᵢ and signature vectors pᵢ (e.g. next-token
//! distributions, rows of a normalised co-occurrence matrix), x_ij = cos(eᵢ, eⱼ) and
//! y_ij = cos(pᵢ, pⱼ) over the pairs i < j; report the Pearson correlation of (x, y) overall and
//! within caller-given bins of x. Streaming per-bin moments in f64, no allocation.

use super::{Element, GeometryError, Result};

/// Streaming bivariate moments (Welford/Chan co-moment updates, f64), mergeable.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct BinStats {
    /// Number of pairs.
    pub n: u64,
    /// Mean of x (embedding cosine).
    pub mean_x: f64,
    /// Mean of y (signature cosine).
    pub mean_y: f64,
    /// Σ(x − x̄)².
    pub m2_x: f64,
    /// Σ(y − ȳ)².
    pub m2_y: f64,
    /// Σ(x − x̄)(y − ȳ).
    pub c_xy: f64,
}

impl BinStats {
    /// Add one (x, y) point.
    #[allow(clippy::cast_precision_loss)]
    pub fn push(&mut self, x: f64, y: f64) {
        self.n += 1;
        let k = self.n as f64;
        let dx = x - self.mean_x;
        self.mean_x += dx / k;
        let dy = y - self.mean_y;
        self.mean_y += dy / k;
        self.m2_x += dx * (x - self.mean_x);
        self.m2_y += dy * (y - self.mean_y);
        self.c_xy += dx * (y - self.mean_y);
    }

    /// Merge another set of moments into this one (Chan et al.).
    #[allow(clippy::cast_precision_loss)]
    pub fn merge(&mut self, o: &BinStats) {
        if o.n == 0 {
            return;
        }
        if self.n == 0 {
            *self = *o;
            return;
        }
        let (na, nb) = (self.n as f64, o.n as f64);
        let nt = na + nb;
        let dx = o.mean_x - self.mean_x;
        let dy = o.mean_y - self.mean_y;
        self.m2_x += o.m2_x + dx * dx * na * nb / nt;
        self.m2_y += o.m2_y + dy * dy * na * nb / nt;
        self.c_xy += o.c_xy + dx * dy * na * nb / nt;
        self.mean_x += dx * nb / nt;
        self.mean_y += dy * nb / nt;
        self.n += o.n;
    }

    /// Pearson correlation of the points, `None` if fewer than 2 points or a constant coordinate.
    #[must_use]
    pub fn pearson(&self) -> Option<f64> {
        if self.n < 2 || self.m2_x <= 0.0 || self.m2_y <= 0.0 {
            return None;
        }
        Some((self.c_xy / libm::sqrt(self.m2_x * self.m2_y)).clamp(-1.0, 1.0))
    }
}

/// Alignment of embedding and signature geometry over all pairs i < j.
///
/// `emb` is n×f, `sig` is n×v (row-major); `edges` (ascending, length B+1 ≥ 2) define bins
/// [`edges[b]`, `edges[b+1]`) of the embedding cosine (the last bin closed); `bins_out` (length ≥ B)
/// receives each bin's moments; pairs outside [`edges[0]`, `edges[B]`] count only in the returned
/// overall moments. Cosines use the dispatched pair kernel, f32 or f64 accumulation per `T`.
///
/// ```
/// use simstat::geometry::{signature_alignment, BinStats};
/// let emb = [1.0_f32, 0.0, 0.8, 0.6, 0.0, 1.0, -0.6, 0.8];
/// let sig = [0.7_f32, 0.2, 0.1, 0.6, 0.3, 0.1, 0.1, 0.5, 0.4, 0.05, 0.15, 0.8];
/// let mut bins = [BinStats::default(); 2];
/// let all = signature_alignment(&emb, 2, &sig, 3, 4, &[-1.0, 0.5, 1.0], &mut bins).unwrap();
/// assert_eq!(all.n, 6);
/// assert_eq!(bins[0].n + bins[1].n, 6);
/// assert!(all.pearson().unwrap() > 0.5);
/// ```
///
/// # Errors
/// `Empty` (n < 2, f or v = 0), `LengthMismatch`, `Overflow`, `InvalidParameter` (edges not
/// ascending / NaN / fewer than 2), `BufferTooSmall` (bins_out), `ZeroNorm`, `NonFiniteValue`.
pub fn signature_alignment<T: Element>(
    emb: &[T],
    f: usize,
    sig: &[T],
    v: usize,
    n: usize,
    edges: &[f64],
    bins_out: &mut [BinStats],
) -> Result<BinStats> {
    if n < 2 {
        return Err(GeometryError::Empty);
    }
    super::error::check_matrix(emb.len(), n, f)?;
    super::error::check_matrix(sig.len(), n, v)?;
    if edges.len() < 2
        || edges.iter().any(|e| !e.is_finite())
        || edges.windows(2).any(|w| w[0] >= w[1])
    {
        return Err(GeometryError::InvalidParameter);
    }
    let nb = edges.len() - 1;
    let got = bins_out.len();
    let bins = bins_out
        .get_mut(..nb)
        .ok_or(GeometryError::BufferTooSmall { needed: nb, got })?;
    bins.fill(BinStats::default());
    let k = super::kernels::Kernels::best();
    let cos = |d: [f64; 3]| -> Result<f64> {
        if !(d[0].is_finite() && d[1].is_finite() && d[2].is_finite()) {
            return Err(GeometryError::NonFiniteValue);
        }
        if d[1] <= 0.0 || d[2] <= 0.0 {
            return Err(GeometryError::ZeroNorm);
        }
        Ok((d[0] / (libm::sqrt(d[1]) * libm::sqrt(d[2]))).clamp(-1.0, 1.0))
    };
    let (lo, hi) = (edges[0], edges[nb]);
    let mut all = BinStats::default();
    for (i, (ei, si)) in emb.chunks_exact(f).zip(sig.chunks_exact(v)).enumerate() {
        for (ej, sj) in emb.chunks_exact(f).zip(sig.chunks_exact(v)).skip(i + 1) {
            let x = cos(T::dot3_k(k, ei, ej))?;
            let y = cos(T::dot3_k(k, si, sj))?;
            all.push(x, y);
            if x >= lo && x <= hi {
                // First edge > x, minus one; x == hi falls in the last bin.
                let b = edges
                    .partition_point(|e| *e <= x)
                    .saturating_sub(1)
                    .min(nb - 1);
                if let Some(s) = bins.get_mut(b) {
                    s.push(x, y);
                }
            }
        }
    }
    Ok(all)
}
