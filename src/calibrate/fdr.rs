//! Benjamini–Hochberg false-discovery-rate cut-off over a batch of p-values, allocation-free.
use super::CalibrateError;

/// The Benjamini–Hochberg decision for one batch.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FdrCutoff {
    /// Target false-discovery rate q the cut-off was computed for.
    pub level: f64,
    /// Number of p-values in the batch (m).
    pub tests: usize,
    /// Number of discoveries k*: the p-values ≤ [`FdrCutoff::p_threshold`].
    pub discoveries: usize,
    /// The largest p-value p₍ₖ*₎ with p₍ₖ*₎ ≤ k*·q/m; 0 when nothing is discovered
    /// (then no p-value is rejected: every p-value is > 0 or the batch rejects nothing).
    pub p_threshold: f64,
}

impl FdrCutoff {
    /// Whether a p-value from this batch is a discovery at the batch's level.
    #[must_use]
    pub fn is_discovery(&self, p: f64) -> bool {
        self.discoveries > 0 && p <= self.p_threshold
    }
}

/// Benjamini–Hochberg step-up cut-off at FDR level `q` for the p-values in `p_values`.
///
/// `scratch` must hold at least `p_values.len()` values; it receives the sorted p-values (so the
/// caller can reuse it), and nothing is allocated. The procedure: sort p₍₁₎ ≤ … ≤ p₍ₘ₎, take the
/// largest k with p₍ₖ₎ ≤ k·q/m, and reject every hypothesis with p ≤ p₍ₖ₎ (valid under
/// independence or positive dependence of the tests).
///
/// # Errors
/// [`CalibrateError::Empty`] for no p-values, [`CalibrateError::BadLevel`] unless 0 < q < 1,
/// [`CalibrateError::NotAProbability`] for a p-value outside [0, 1] or NaN,
/// [`CalibrateError::BufferTooSmall`] when `scratch` is shorter than `p_values`.
///
/// ```
/// use simstat::calibrate::bh_cutoff;
/// let p = [0.001, 0.008, 0.039, 0.041, 0.042, 0.06, 0.074, 0.205, 0.212, 0.216];
/// let mut scratch = [0.0; 10];
/// let cut = bh_cutoff(&p, 0.05, &mut scratch).unwrap();
/// assert_eq!(cut.discoveries, 2); // 0.008 ≤ 2·0.05/10, 0.039 > 3·0.05/10, …
/// assert_eq!(cut.p_threshold, 0.008);
/// ```
pub fn bh_cutoff(
    p_values: &[f64],
    q: f64,
    scratch: &mut [f64],
) -> Result<FdrCutoff, CalibrateError> {
    let m = p_values.len();
    if m == 0 {
        return Err(CalibrateError::Empty);
    }
    if !(q > 0.0 && q < 1.0) {
        return Err(CalibrateError::BadLevel);
    }
    let Some(sorted) = scratch.get_mut(..m) else {
        return Err(CalibrateError::BufferTooSmall {
            needed: m,
            got: scratch.len(),
        });
    };
    for (dst, &p) in sorted.iter_mut().zip(p_values) {
        if !(0.0..=1.0).contains(&p) {
            return Err(CalibrateError::NotAProbability);
        }
        *dst = p;
    }
    sorted.sort_unstable_by(f64::total_cmp);
    let mf = m as f64;
    let mut discoveries = 0;
    let mut p_threshold = 0.0;
    for (i, &p) in sorted.iter().enumerate().rev() {
        let k = (i + 1) as f64;
        if p <= k * q / mf {
            discoveries = i + 1;
            p_threshold = p;
            break;
        }
    }
    Ok(FdrCutoff {
        level: q,
        tests: m,
        discoveries,
        p_threshold,
    })
}
