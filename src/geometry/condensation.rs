//! Condensation metric: the mean pairwise cosine of N vectors in O(N·F) as ‖Σẑᵢ‖²/N², with
//! ẑ = z/max(‖z‖, 1e-3) (the reference definition), and its off-diagonal form.

use super::{Element, GeometryError, Result};
use crate::Real;

/// Mean cosine of a set of vectors (one layer).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MeanCosine {
    /// Mean over the full N×N cosine matrix, diagonal included: ‖Σẑᵢ‖²/N².
    pub full: f64,
    /// Mean over i ≠ j: (‖Σẑᵢ‖² − Σ‖ẑᵢ‖²)/(N(N−1)); `None` when N = 1.
    pub off_diagonal: Option<f64>,
}

/// Floor on the norm in ẑ = z/max(‖z‖, 1e-3) (rows with smaller norm are shrunk, not blown up).
pub const CONDENSATION_NORM_FLOOR: f64 = 1e-3;

/// Mean pairwise cosine of the `n` rows of `x` (dimension `f`) in O(N·F), f64 accumulation.
/// `scratch` (≥ `f` f64) holds the running Σẑᵢ.
///
/// ```
/// use simstat::geometry::mean_cosine;
/// let x = [1.0_f32, 0.0, 0.0, 1.0, 1.0, 1.0]; // 3 rows, f = 2
/// let mut s = [0.0; 2];
/// let m = mean_cosine(&x, 3, 2, &mut s).unwrap();
/// // cosines: diag 1,1,1; (0,1) = 0, (0,2) = (1,2) = 1/√2
/// let off = (2.0 * core::f64::consts::FRAC_1_SQRT_2) / 3.0;
/// assert!((m.off_diagonal.unwrap() - off).abs() < 1e-7);
/// assert!((m.full - (3.0 + 6.0 * off) / 9.0).abs() < 1e-7);
/// ```
///
/// # Errors
/// `Empty`, `LengthMismatch`, `Overflow`, `BufferTooSmall` (scratch < f), `NonFiniteValue`.
#[allow(clippy::cast_precision_loss)]
pub fn mean_cosine<T: Element + Real>(
    x: &[T],
    n: usize,
    f: usize,
    scratch: &mut [f64],
) -> Result<MeanCosine> {
    super::error::check_matrix(x.len(), n, f)?;
    let got = scratch.len();
    let sum = scratch
        .get_mut(..f)
        .ok_or(GeometryError::BufferTooSmall { needed: f, got })?;
    sum.fill(0.0);
    let k = super::kernels::Kernels::best();
    let mut diag = 0.0f64;
    for r in x.chunks_exact(f) {
        let nn = T::dot_k(k, r, r);
        if !nn.is_finite() {
            return Err(GeometryError::NonFiniteValue);
        }
        let norm = libm::sqrt(nn);
        let inv = 1.0 / norm.max(CONDENSATION_NORM_FLOOR);
        diag += nn * inv * inv;
        for (s, v) in sum.iter_mut().zip(r) {
            *s += Real::to_f64(*v) * inv;
        }
    }
    let tot: f64 = sum.iter().map(|s| s * s).sum();
    let nf = n as f64;
    Ok(MeanCosine {
        full: tot / (nf * nf),
        off_diagonal: (n >= 2).then(|| (tot - diag) / (nf * (nf - 1.0))),
    })
}
