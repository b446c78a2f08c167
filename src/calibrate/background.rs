//! Fitting a query's background score distribution: a shifted-gamma mixture on the Fisher-z
//! scale whose order is chosen by BIC over 1..=`max_k`, every component kept as background.
use super::model::{Calibrator, ScoreScale};
use crate::fit::{fit_mixture, FitError, FitOptions, MixtureFit};

/// The fitted background of a sample of scores and the order chosen for it.
#[derive(Clone, Debug)]
pub struct Background {
    /// The calibrator: every mixture component is background (no relevant component), so
    /// [`Calibrator::p_value`] is P(S ≥ s) for a random corpus row. It maps raw scores to the
    /// fit's scale itself.
    pub calibrator: Calibrator,
    /// The fit of the chosen order, on the scale of [`Background::scale`] (its components are
    /// distributions of z = atanh(s) for [`ScoreScale::FisherZ`]).
    pub fit: MixtureFit<f64>,
    /// The scale the mixture was fitted on.
    pub scale: ScoreScale,
    /// BIC of each order tried, index k − 1 (`NaN` where that order was not fitted).
    pub bic: [f64; MAX_BACKGROUND_ORDER],
    /// Orders tried (1..=this).
    pub tried: usize,
}

/// Most components [`fit_background`] tries.
pub const MAX_BACKGROUND_ORDER: usize = 8;

/// Fits the background distribution of a query's scores (e.g. its cosine similarities with
/// every corpus row) on the Fisher-z scale: [`fit_background_on`] with
/// [`ScoreScale::FisherZ`]. `scratch` (≥ `scores.len()`) receives the mapped scores.
///
/// Why Fisher z: on the cosine scale a fitted gamma's upper tail stays nearly flat up to 1, so
/// near-duplicates (cosine 0.95–0.99) get p-values of only 1e-6 to 1e-5 on some real samples;
/// on z = atanh(s) the same tail falls off as s → 1 (p(0.99) < 1e-7 on all 26 real samples),
/// and the held-out uniformity of p-values is as good or better (see the README).
///
/// # Errors
/// As [`fit_background_on`].
///
/// ```
/// use simstat::calibrate::fit_background;
/// use simstat::fit::FitOptions;
/// use simstat::special::gamma_p_inv;
/// // 2,000 scores from one shifted gamma (α = 9, rate 30, shift −0.25) by inverse cdf.
/// let scores: Vec<f64> = (0..2000)
///     .map(|i| -0.25 + gamma_p_inv(9.0, (i as f64 + 0.5) / 2000.0) / 30.0)
///     .collect();
/// let mut scratch = vec![0.0; scores.len()];
/// let bg = fit_background(&scores, 3, &FitOptions::default(), &mut scratch)?;
/// assert!(bg.calibrator.p_value(0.95) < 1e-6);
/// assert!((bg.calibrator.p_value(-1.0) - 1.0).abs() < 1e-12);
/// # Ok::<(), simstat::fit::FitError>(())
/// ```
pub fn fit_background(
    scores: &[f64],
    max_k: usize,
    opts: &FitOptions,
    scratch: &mut [f64],
) -> Result<Background, FitError> {
    fit_background_on(scores, max_k, opts, ScoreScale::FisherZ, scratch)
}

/// Fits the background of `scores` on `scale`: a mixture of shifted, truncated gammas for each
/// order 1..=`max_k` (clamped to 1..=[`MAX_BACKGROUND_ORDER`]), keeping the order with the
/// smallest BIC. All components are background: the model of "the score of a random corpus
/// row", whose tail probability [`Calibrator::p_value`] is the p-value of a new score. (Use
/// [`Calibrator::from_mixture`] instead when an upper component is made of relevant rows and
/// should be excluded.) The scores must lie in `[opts.lo, opts.hi]`; the fit runs on the mapped
/// scores over the mapped interval. `scratch` (≥ `scores.len()`) receives the mapped scores;
/// nothing is allocated (each fit lives on the stack). Orders past the first that cannot be
/// fitted (too few samples) end the search.
///
/// # Errors
/// [`FitError::NonFinite`] / [`FitError::OutOfInterval`] for a bad score,
/// [`FitError::BadOptions`] for a scratch buffer shorter than `scores`, and otherwise the error
/// of the one-component fit when no order can be fitted (as [`fit_mixture`] returns it).
pub fn fit_background_on(
    scores: &[f64],
    max_k: usize,
    opts: &FitOptions,
    scale: ScoreScale,
    scratch: &mut [f64],
) -> Result<Background, FitError> {
    let max_k = max_k.clamp(1, MAX_BACKGROUND_ORDER);
    let Some(mapped) = scratch.get_mut(..scores.len()) else {
        return Err(FitError::BadOptions("scratch shorter than scores"));
    };
    for (index, (dst, &s)) in mapped.iter_mut().zip(scores).enumerate() {
        if !s.is_finite() {
            return Err(FitError::NonFinite { index });
        }
        if !(opts.lo..=opts.hi).contains(&s) {
            return Err(FitError::OutOfInterval { index, value: s });
        }
        *dst = scale.map(s);
    }
    let mapped: &[f64] = mapped;
    let fo = FitOptions {
        lo: scale.map(opts.lo),
        hi: scale.map(opts.hi),
        ..*opts
    };
    let mut bic = [f64::NAN; MAX_BACKGROUND_ORDER];
    let mut best: Option<MixtureFit<f64>> = None;
    let mut first_err = None;
    for k in 1..=max_k {
        match fit_mixture(mapped, k, &fo) {
            Ok(fit) => {
                let b = fit.bic();
                bic[k - 1] = b;
                let better = match &best {
                    None => b.is_finite(),
                    Some(cur) => b < cur.bic(),
                };
                if better {
                    best = Some(fit);
                }
            }
            Err(e) => {
                if first_err.is_none() {
                    first_err = Some(e);
                }
                // Larger orders need more samples still: stop at the first failure past k = 1.
                if k > 1 {
                    break;
                }
            }
        }
    }
    let Some(fit) = best else {
        return Err(first_err.unwrap_or(FitError::BadOptions(
            "no order gave a finite log-likelihood",
        )));
    };
    // A fitted mixture's weights are a probability vector, which is all this checks.
    let calibrator = Calibrator::from_background(fit.weights(), fit.components())
        .map_err(|_| FitError::BadOptions("fitted weights are not a probability vector"))?
        .with_scale(scale);
    Ok(Background {
        calibrator,
        fit,
        scale,
        bic,
        tried: max_k,
    })
}
