//! Rank trend statistics for per-layer series: Spearman ρ and Kendall τ-b, ties handled as
//! `scipy.stats.spearmanr` / `kendalltau` (defaults) do. O(n²), no allocation, no scratch: meant
//! for layer counts (tens to a few thousands of points).

use super::{GeometryError, Result};

fn check(x: &[f64], y: &[f64]) -> Result<()> {
    if x.len() != y.len() {
        return Err(GeometryError::LengthMismatch);
    }
    if x.len() < 2 {
        return Err(GeometryError::Degenerate);
    }
    if x.iter().chain(y).any(|v| !v.is_finite()) {
        return Err(GeometryError::NonFiniteValue);
    }
    Ok(())
}

/// Average (mid) rank of `v[i]` among `v`, 1-based: 1 + #{< v[i]} + (#{= v[i]} − 1)/2.
#[allow(clippy::cast_precision_loss)]
fn avg_rank(v: &[f64], i: usize) -> f64 {
    let xi = v.get(i).copied().unwrap_or(0.0);
    let (mut lt, mut eq) = (0usize, 0usize);
    for &x in v {
        if x < xi {
            lt += 1;
        } else if x == xi {
            eq += 1;
        }
    }
    1.0 + lt as f64 + (eq as f64 - 1.0) / 2.0
}

/// Spearman rank correlation ρ: the Pearson correlation of average ranks (scipy `spearmanr`).
///
/// ```
/// use simstat::geometry::spearman_rho;
/// let layers = [0.0, 1.0, 2.0, 3.0, 4.0];
/// let mean_cos = [0.10, 0.15, 0.14, 0.30, 0.42];
/// assert!((spearman_rho(&layers, &mean_cos).unwrap() - 0.9).abs() < 1e-15);
/// ```
///
/// # Errors
/// `LengthMismatch`, `NonFiniteValue`, `Degenerate` (n < 2 or a constant series).
#[allow(clippy::cast_precision_loss)]
pub fn spearman_rho(x: &[f64], y: &[f64]) -> Result<f64> {
    check(x, y)?;
    let n = x.len() as f64;
    // Σ of average ranks is always n(n+1)/2, so the mean rank is (n+1)/2.
    let m = (n + 1.0) / 2.0;
    let (mut sxx, mut syy, mut sxy) = (0.0f64, 0.0f64, 0.0f64);
    for i in 0..x.len() {
        let (a, b) = (avg_rank(x, i) - m, avg_rank(y, i) - m);
        sxx += a * a;
        syy += b * b;
        sxy += a * b;
    }
    if sxx <= 0.0 || syy <= 0.0 {
        return Err(GeometryError::Degenerate);
    }
    Ok((sxy / libm::sqrt(sxx * syy)).clamp(-1.0, 1.0))
}

/// Kendall τ-b = (P − Q)/sqrt((T − Tₓ)(T − T_y)), T = n(n−1)/2, Tₓ/T_y = pairs tied in x / in y
/// (scipy `kendalltau`, variant 'b'). O(n²) pair count.
///
/// ```
/// use simstat::geometry::kendall_tau_b;
/// let t = kendall_tau_b(&[1.0, 2.0, 3.0, 4.0], &[1.0, 3.0, 2.0, 4.0]).unwrap();
/// assert!((t - 4.0 / 6.0).abs() < 1e-15);
/// ```
///
/// # Errors
/// `LengthMismatch`, `NonFiniteValue`, `Degenerate` (n < 2 or a constant series).
#[allow(clippy::cast_precision_loss)]
pub fn kendall_tau_b(x: &[f64], y: &[f64]) -> Result<f64> {
    check(x, y)?;
    let (mut con, mut dis, mut tx, mut ty) = (0u64, 0u64, 0u64, 0u64);
    for (i, (&xi, &yi)) in x.iter().zip(y).enumerate() {
        for (&xj, &yj) in x.iter().zip(y).skip(i + 1) {
            let dx = xi - xj;
            let dy = yi - yj;
            if dx == 0.0 {
                tx += 1;
            }
            if dy == 0.0 {
                ty += 1;
            }
            if dx != 0.0 && dy != 0.0 {
                if (dx > 0.0) == (dy > 0.0) {
                    con += 1;
                } else {
                    dis += 1;
                }
            }
        }
    }
    let n = x.len() as u64;
    let tot = n * (n - 1) / 2;
    let (ax, ay) = (tot - tx, tot - ty);
    if ax == 0 || ay == 0 {
        return Err(GeometryError::Degenerate);
    }
    let num = con as f64 - dis as f64;
    Ok((num / libm::sqrt(ax as f64) / libm::sqrt(ay as f64)).clamp(-1.0, 1.0))
}
