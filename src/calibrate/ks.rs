//! One-sample Kolmogorov–Smirnov test of p-values against Uniform(0, 1): a calibration check.
use super::CalibrateError;

/// Result of a one-sample KS test against Uniform(0, 1).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct KsTest {
    /// Sample size n.
    pub n: usize,
    /// The statistic D = sup |F̂(u) − u|.
    pub statistic: f64,
    /// Asymptotic p-value P(Dₙ ≥ D) by the Kolmogorov distribution with Stephens' small-sample
    /// correction λ = (√n + 0.12 + 0.11/√n)·D; accurate to about 1e-2 absolute for n ≥ 5, which
    /// is what a pass/fail check at 0.01 needs (it is not an exact finite-n p-value).
    pub p_value: f64,
}

/// KS test that the values in `u` are a sample from Uniform(0, 1) (e.g. p-values of background
/// scores under a calibrated model). `scratch` (≥ `u.len()`) receives the sorted values.
///
/// # Errors
/// [`CalibrateError::Empty`], [`CalibrateError::NotAProbability`] for a value outside [0, 1] or
/// NaN, [`CalibrateError::BufferTooSmall`].
///
/// ```
/// use simstat::calibrate::ks_uniform;
/// let u: Vec<f64> = (0..1000).map(|i| (i as f64 + 0.5) / 1000.0).collect();
/// let mut scratch = vec![0.0; u.len()];
/// let t = ks_uniform(&u, &mut scratch).unwrap();
/// assert!(t.statistic <= 0.0005 + 1e-12 && t.p_value > 0.99);
/// ```
pub fn ks_uniform(u: &[f64], scratch: &mut [f64]) -> Result<KsTest, CalibrateError> {
    let n = u.len();
    if n == 0 {
        return Err(CalibrateError::Empty);
    }
    let Some(sorted) = scratch.get_mut(..n) else {
        return Err(CalibrateError::BufferTooSmall {
            needed: n,
            got: scratch.len(),
        });
    };
    for (dst, &x) in sorted.iter_mut().zip(u) {
        if !(0.0..=1.0).contains(&x) {
            return Err(CalibrateError::NotAProbability);
        }
        *dst = x;
    }
    sorted.sort_unstable_by(f64::total_cmp);
    let nf = n as f64;
    let mut d: f64 = 0.0;
    for (i, &x) in sorted.iter().enumerate() {
        let lo = i as f64 / nf;
        let hi = (i + 1) as f64 / nf;
        d = d.max(hi - x).max(x - lo);
    }
    let sn = libm::sqrt(nf);
    let lambda = (sn + 0.12 + 0.11 / sn) * d;
    Ok(KsTest {
        n,
        statistic: d,
        p_value: kolmogorov_sf(lambda),
    })
}

/// KS test of held-out p-values against Uniform(0, 1) when the model that made them was fitted
/// on an independent sample of `n_fit` scores.
///
/// The plain one-sample test ([`ks_uniform`]) treats the model as known; a fitted model carries
/// its own sampling error, so the one-sample p-value is too small (on real similarity samples,
/// split in two halves at random, the halves alone differ by KS distances whose two-sample
/// p-value is 0.03). This test uses the effective size n_eff = n·n_fit/(n + n_fit) of the
/// two-sample KS test, which is exact when the model is the empirical cdf of the fit sample and
/// conservative for a parametric model (whose fitted cdf varies less than the empirical one):
/// λ = (√n_eff + 0.12 + 0.11/√n_eff)·D. `statistic` is the same D as [`ks_uniform`]'s, `n` is
/// the held-out size.
///
/// # Errors
/// As [`ks_uniform`]; [`CalibrateError::Empty`] also for `n_fit == 0`.
///
/// ```
/// use simstat::calibrate::{ks_uniform, ks_uniform_held_out};
/// let u: Vec<f64> = (0..1000).map(|i| ((i as f64 + 0.5) / 1000.0).powf(1.05)).collect();
/// let mut scratch = vec![0.0; u.len()];
/// let known = ks_uniform(&u, &mut scratch).unwrap();
/// let fitted = ks_uniform_held_out(&u, 1000, &mut scratch).unwrap();
/// assert_eq!(known.statistic, fitted.statistic);
/// assert!(fitted.p_value > known.p_value);
/// ```
pub fn ks_uniform_held_out(
    u: &[f64],
    n_fit: usize,
    scratch: &mut [f64],
) -> Result<KsTest, CalibrateError> {
    if n_fit == 0 {
        return Err(CalibrateError::Empty);
    }
    let mut t = ks_uniform(u, scratch)?;
    let (n, m) = (t.n as f64, n_fit as f64);
    let se = libm::sqrt(n * m / (n + m));
    t.p_value = kolmogorov_sf((se + 0.12 + 0.11 / se) * t.statistic);
    Ok(t)
}

/// The Kolmogorov distribution's survival function Q(λ) = 2 Σ_{j≥1} (−1)^{j−1} e^{−2j²λ²}
/// (1 for λ ≤ 0.2, where the series needs many terms and the value is 1 to 1e-12; 100 terms
/// at most otherwise).
#[must_use]
pub fn kolmogorov_sf(lambda: f64) -> f64 {
    if lambda.is_nan() {
        return f64::NAN;
    }
    if lambda <= 0.2 {
        return 1.0;
    }
    let a = -2.0 * lambda * lambda;
    let mut sum = 0.0;
    let mut sign = 1.0;
    for j in 1..=100 {
        let jf = f64::from(j);
        let term = sign * libm::exp(a * jf * jf);
        sum += term;
        if term.abs() <= 1e-17 * sum.abs() {
            break;
        }
        sign = -sign;
    }
    (2.0 * sum).clamp(0.0, 1.0)
}
