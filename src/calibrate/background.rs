//! Fitting a query's background score distribution: a shifted-gamma mixture whose order is
//! chosen by BIC over 1..=`max_k`, every component kept as background.
use super::model::Calibrator;
use crate::fit::{fit_mixture, FitError, FitOptions, MixtureFit};

/// The fitted background of a sample of scores and the order chosen for it.
#[derive(Clone, Debug)]
pub struct Background {
    /// The calibrator: every mixture component is background (no relevant component), so
    /// [`Calibrator::p_value`] is P(S ≥ s) for a random corpus row.
    pub calibrator: Calibrator,
    /// The fit of the chosen order.
    pub fit: MixtureFit<f64>,
    /// BIC of each order tried, index k − 1 (`NaN` where the fit of that order failed).
    pub bic: [f64; MAX_BACKGROUND_ORDER],
    /// Orders tried (1..=this).
    pub tried: usize,
}

/// Most components [`fit_background`] tries.
pub const MAX_BACKGROUND_ORDER: usize = 8;

/// Fits the background distribution of a query's scores (e.g. its cosine similarities with
/// every corpus row): a mixture of shifted, truncated gammas for each order 1..=`max_k`, and
/// keeps the order with the smallest BIC. All components are background: this is the model of
/// "the score of a random corpus row", whose tail probability [`Calibrator::p_value`] is the
/// p-value of a new score. (Use [`Calibrator::from_mixture`] instead when the mixture has an
/// upper component made of relevant rows and that component should be excluded.)
///
/// Why a mixture and not one gamma: on real similarity samples one shifted gamma misses the
/// body's shape on some queries (KS distance 0.025–0.04 on 6,544 rows); two components fix it.
/// Orders whose fit fails (too few samples for k) are skipped. Nothing is allocated: each
/// fit lives on the stack.
///
/// # Errors
/// The error of the one-component fit when no order can be fitted (empty data, NaN, values
/// outside the interval, bad options: as [`fit_mixture`] returns them). `max_k` is clamped to
/// 1..=[`MAX_BACKGROUND_ORDER`].
///
/// ```
/// use simstat::calibrate::fit_background;
/// use simstat::fit::FitOptions;
/// use simstat::special::gamma_p_inv;
/// // 2,000 scores from one shifted gamma (α = 9, rate 30, shift −0.25) by inverse cdf.
/// let scores: Vec<f64> = (0..2000)
///     .map(|i| -0.25 + gamma_p_inv(9.0, (i as f64 + 0.5) / 2000.0) / 30.0)
///     .collect();
/// let bg = fit_background(&scores, 3, &FitOptions::default())?;
/// assert_eq!(bg.fit.len(), 1); // BIC keeps one component
/// assert!(bg.calibrator.p_value(0.95) < 1e-6);
/// # Ok::<(), simstat::fit::FitError>(())
/// ```
pub fn fit_background(
    scores: &[f64],
    max_k: usize,
    opts: &FitOptions,
) -> Result<Background, FitError> {
    let max_k = max_k.clamp(1, MAX_BACKGROUND_ORDER);
    let mut bic = [f64::NAN; MAX_BACKGROUND_ORDER];
    let mut best: Option<MixtureFit<f64>> = None;
    let mut first_err = None;
    for k in 1..=max_k {
        match fit_mixture(scores, k, opts) {
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
        .map_err(|_| FitError::BadOptions("fitted weights are not a probability vector"))?;
    Ok(Background {
        calibrator,
        fit,
        bic,
        tried: max_k,
    })
}
