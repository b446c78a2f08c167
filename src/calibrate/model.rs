//! The fitted background of a query's scores and what it says about one score: tail p-value,
//! relevance posterior, and the FDR cut-off over a batch.
use super::fdr::FdrCutoff;
use super::CalibrateError;
use crate::dist::TruncatedShiftedGamma;
use crate::fit::{GammaFit, MixtureFit};
use crate::support::softmax_in_place;

/// Most mixture components a [`Calibrator`] holds (the background plus at most one relevant
/// component are used; the rest of the capacity keeps multi-component backgrounds).
pub const MAX_CALIBRATION_COMPONENTS: usize = 16;

/// A calibrated score model: a background distribution of scores (one shifted gamma, or the
/// lower components of a mixture), and, when the mixture has one, an upper "relevant"
/// component.
///
/// * [`Calibrator::p_value`]: P(S ≥ s) under the background, from the distributions' `sf`, so it
///   keeps relative accuracy far into the tail (1e-12 and below).
/// * [`Calibrator::posterior_relevant`]: P(relevant | s) = τ_r f_r(s) / Σ τ_i f_i(s).
/// * [`Calibrator::fdr_cutoff`]: Benjamini–Hochberg over a batch of scores.
///
/// ```
/// use simstat::calibrate::Calibrator;
/// use simstat::fit::{fit_gamma, FitOptions};
/// let scores: Vec<f64> = (1..=500)
///     .map(|i| -0.25 + simstat::special::gamma_p_inv(9.0, (i as f64 - 0.5) / 500.0) / 30.0)
///     .collect();
/// let fit = fit_gamma(&scores, &FitOptions::default())?;
/// let cal = Calibrator::from_gamma_fit(&fit);
/// assert!(cal.p_value(0.9) < 1e-6); // far above the background: tiny p-value
/// assert!((cal.p_value(-1.0) - 1.0).abs() < 1e-15);
/// # Ok::<(), simstat::fit::FitError>(())
/// ```
#[derive(Clone, Debug)]
pub struct Calibrator {
    /// The scale the components live on (scores are mapped to it before evaluation).
    scale: ScoreScale,
    weights: [f64; MAX_CALIBRATION_COMPONENTS],
    components: [Option<TruncatedShiftedGamma>; MAX_CALIBRATION_COMPONENTS],
    len: usize,
    /// Index of the relevant (upper) component, if the model has one.
    relevant: Option<usize>,
    /// Total weight of the background components.
    background_weight: f64,
}

impl Calibrator {
    /// Memory a calibrator is written into before it is read (no components; never returned
    /// as is).
    pub(crate) const fn placeholder() -> Self {
        Calibrator {
            scale: ScoreScale::Cosine,
            weights: [0.0; MAX_CALIBRATION_COMPONENTS],
            components: [None; MAX_CALIBRATION_COMPONENTS],
            len: 0,
            relevant: None,
            background_weight: 0.0,
        }
    }
}

impl Calibrator {
    /// A calibrator whose background is one fitted shifted gamma (no relevant component).
    #[must_use]
    pub fn from_gamma_fit(fit: &GammaFit) -> Self {
        Self::from_distribution(fit.distribution())
    }

    /// A calibrator from a fitted mixture: with two or more components the one with the largest
    /// mean is the relevant component, the rest the background (see [`Calibrator::from_components`]).
    ///
    /// # Errors
    /// As [`Calibrator::from_components`] (a fitted mixture always satisfies its checks).
    pub fn from_mixture(fit: &MixtureFit) -> Result<Self, CalibrateError> {
        Self::from_components(fit.weights(), fit.components())
    }

    /// A calibrator whose background is the given distribution (no relevant component).
    #[must_use]
    pub fn from_distribution(d: TruncatedShiftedGamma) -> Self {
        let mut components = [None; MAX_CALIBRATION_COMPONENTS];
        components[0] = Some(d);
        let mut weights = [0.0; MAX_CALIBRATION_COMPONENTS];
        weights[0] = 1.0;
        Self {
            scale: ScoreScale::Cosine,
            weights,
            components,
            len: 1,
            relevant: None,
            background_weight: 1.0,
        }
    }

    /// A calibrator from mixture components (weights and distributions, any order): with two
    /// or more components the one with the largest mean is the relevant component and the
    /// others are the background; with one component it is all background.
    ///
    /// # Errors
    /// [`CalibrateError::Empty`] for no components or more than
    /// [`MAX_CALIBRATION_COMPONENTS`]; [`CalibrateError::NotAProbability`] for a weight that is
    /// NaN, negative, or weights that do not sum to 1 within 1e-9.
    pub fn from_components(
        weights: &[f64],
        components: &[TruncatedShiftedGamma],
    ) -> Result<Self, CalibrateError> {
        let k = components.len();
        if k == 0 || k > MAX_CALIBRATION_COMPONENTS || weights.len() != k {
            return Err(CalibrateError::Empty);
        }
        let mut total = 0.0;
        for &w in weights {
            if !(0.0..=1.0).contains(&w) {
                return Err(CalibrateError::NotAProbability);
            }
            total += w;
        }
        if (total - 1.0).abs() > 1e-9 {
            return Err(CalibrateError::NotAProbability);
        }
        let mut out = Self::from_distribution(components[0]);
        out.len = k;
        for (i, (&w, d)) in weights.iter().zip(components).enumerate() {
            out.weights[i] = w;
            out.components[i] = Some(*d);
        }
        if k >= 2 {
            let mut top = 0;
            for (i, d) in components.iter().enumerate() {
                if d.mean() > components[top].mean() {
                    top = i;
                }
            }
            out.relevant = Some(top);
            out.background_weight = total - weights[top];
        } else {
            out.background_weight = total;
        }
        if out.background_weight.is_nan() || out.background_weight <= 0.0 {
            return Err(CalibrateError::NotAProbability);
        }
        Ok(out)
    }

    /// A calibrator whose background is the whole mixture (weights and distributions, any
    /// order): no component is singled out as relevant, so [`Calibrator::p_value`] is the tail
    /// probability of a random draw from the mixture and [`Calibrator::posterior_relevant`] is
    /// `None`. This is the model [`crate::calibrate::fit_background`] builds.
    ///
    /// # Errors
    /// As [`Calibrator::from_components`].
    pub fn from_background(
        weights: &[f64],
        components: &[TruncatedShiftedGamma],
    ) -> Result<Self, CalibrateError> {
        let mut out = Self::from_components(weights, components)?;
        out.relevant = None;
        out.background_weight = weights.iter().sum();
        Ok(out)
    }

    /// The same model with its components read on `scale`: scores are mapped by
    /// [`ScoreScale::map`] before every evaluation (p-values are unchanged by a monotone map,
    /// so they are P(S ≥ s) on the cosine scale).
    #[must_use]
    pub fn with_scale(mut self, scale: ScoreScale) -> Self {
        self.scale = scale;
        self
    }

    /// The scale the components are read on.
    #[must_use]
    pub fn scale(&self) -> ScoreScale {
        self.scale
    }

    /// Number of mixture components in the model (1 for a single background gamma).
    #[must_use]
    pub fn len(&self) -> usize {
        self.len
    }

    /// Always false: a calibrator has at least one component.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Index of the relevant (upper) component, if the model has one.
    #[must_use]
    pub fn relevant_component(&self) -> Option<usize> {
        self.relevant
    }

    fn iter(&self) -> impl Iterator<Item = (usize, f64, &TruncatedShiftedGamma)> + '_ {
        self.weights[..self.len]
            .iter()
            .zip(&self.components[..self.len])
            .enumerate()
            .filter_map(|(i, (&w, d))| d.as_ref().map(|d| (i, w, d)))
    }

    /// Tail p-value P(S ≥ s) of a score under the background (a weighted sum of the background
    /// components' survival functions, each computed directly, never as 1 − cdf). NaN for NaN.
    #[must_use]
    pub fn p_value(&self, s: f64) -> f64 {
        if s.is_nan() {
            return f64::NAN;
        }
        let s = self.scale.map(s);
        let mut acc = 0.0;
        for (i, w, d) in self.iter() {
            if Some(i) != self.relevant {
                acc += w * d.sf(s);
            }
        }
        (acc / self.background_weight).clamp(0.0, 1.0)
    }

    /// Density of the background (the non-relevant components, renormalised) at `v`, a value
    /// already on the calibrator's scale.
    pub(crate) fn background_pdf_mapped(&self, v: f64) -> f64 {
        let mut acc = 0.0;
        for (i, w, d) in self.iter() {
            if Some(i) != self.relevant {
                acc += w * d.pdf(v);
            }
        }
        acc / self.background_weight
    }

    /// Tail probability of the background at `v`, a value already on the calibrator's scale.
    pub(crate) fn background_sf_mapped(&self, v: f64) -> f64 {
        let mut acc = 0.0;
        for (i, w, d) in self.iter() {
            if Some(i) != self.relevant {
                acc += w * d.sf(v);
            }
        }
        (acc / self.background_weight).clamp(0.0, 1.0)
    }

    /// The inverse of [`Calibrator::p_value`]: the smallest score s with P(S ≥ s) ≤ `alpha`
    /// under the background, on the raw score scale — a per-query radius to hand to a vector
    /// database's `score_threshold` / `radius` (every row scoring ≥ it has p ≤ `alpha`).
    /// Found by bisection on the background's survival function to the last bit of the score
    /// scale (at most 200 halvings, no allocation). `alpha ≥ 1` gives the lower end of the
    /// support; an `alpha` below the tail mass at the upper end gives that end.
    ///
    /// # Errors
    /// [`CalibrateError::BadLevel`] unless `alpha` > 0 (NaN included).
    ///
    /// ```
    /// use simstat::calibrate::Calibrator;
    /// use simstat::dist::TruncatedShiftedGamma;
    /// let d = TruncatedShiftedGamma::new(9.0, 30.0, -0.25, -1.0, 1.0).unwrap();
    /// let cal = Calibrator::from_distribution(d);
    /// let s = cal.score_at_p_value(1e-6).unwrap();
    /// assert!((cal.p_value(s) - 1e-6).abs() < 1e-12);
    /// ```
    pub fn score_at_p_value(&self, alpha: f64) -> Result<f64, CalibrateError> {
        if alpha.is_nan() || alpha <= 0.0 {
            return Err(CalibrateError::BadLevel);
        }
        // Bracket on the component scale, over the union of the supports.
        let mut lo = f64::INFINITY;
        let mut hi = f64::NEG_INFINITY;
        for (_, _, d) in self.iter() {
            lo = lo.min(d.lo().max(d.shift()));
            hi = hi.max(d.hi());
        }
        let p_at = |v: f64| self.p_value(self.scale.unmap(v));
        if alpha >= 1.0 || p_at(lo) <= alpha {
            return Ok(self.scale.unmap(lo));
        }
        if p_at(hi) > alpha {
            return Ok(self.scale.unmap(hi));
        }
        // Invariant: p(lo) > alpha ≥ p(hi).
        for _ in 0..200 {
            let mid = 0.5 * (lo + hi);
            if mid <= lo || mid >= hi {
                break;
            }
            if p_at(mid) > alpha {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        Ok(self.scale.unmap(hi))
    }

    /// Posterior probability that score `s` comes from the relevant (upper) component, computed
    /// in log space; `None` when the model has no relevant component. Outside every component's
    /// support the posterior is that of the nearest side: 0 below, 1 above all background support.
    #[must_use]
    pub fn posterior_relevant(&self, s: f64) -> Option<f64> {
        let r = self.relevant?;
        if s.is_nan() {
            return Some(f64::NAN);
        }
        let s = self.scale.map(s);
        // ln(wᵢ·fᵢ(s)) per slot (−∞ for an empty slot), normalised in place into posteriors.
        let mut post = [f64::NEG_INFINITY; MAX_CALIBRATION_COMPONENTS];
        for (i, w, d) in self.iter() {
            post[i] = libm::log(w) + d.ln_pdf(s);
        }
        if softmax_in_place(&mut post[..self.len], 0.0) == f64::NEG_INFINITY {
            // No component has density here: above the interval counts as relevant.
            let above = self.iter().all(|(_, _, d)| s > d.hi());
            return Some(if above { 1.0 } else { 0.0 });
        }
        Some(post[r])
    }

    /// Benjamini–Hochberg cut-off at FDR level `q` over a batch of scores, with the score
    /// threshold: every score ≥ the returned threshold is a discovery.
    ///
    /// `scratch` (≥ `scores.len()`) receives the scores sorted in decreasing order; at most
    /// `scores.len()` p-values are evaluated and nothing is allocated.
    ///
    /// # Errors
    /// [`CalibrateError::Empty`], [`CalibrateError::BadLevel`] unless 0 < q < 1,
    /// [`CalibrateError::NonFinite`] for a NaN or infinite score (with its index),
    /// [`CalibrateError::BufferTooSmall`].
    pub fn fdr_cutoff(
        &self,
        scores: &[f64],
        q: f64,
        scratch: &mut [f64],
    ) -> Result<ScoreCutoff, CalibrateError> {
        let m = scores.len();
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
        for (index, (dst, &s)) in sorted.iter_mut().zip(scores).enumerate() {
            if !s.is_finite() {
                return Err(CalibrateError::NonFinite { index });
            }
            *dst = s;
        }
        // Decreasing scores = increasing p-values (the background sf is non-increasing).
        sorted.sort_unstable_by(|a, b| b.total_cmp(a));
        let mf = m as f64;
        let mut cut = FdrCutoff {
            level: q,
            tests: m,
            discoveries: 0,
            p_threshold: 0.0,
        };
        let mut score_threshold = f64::INFINITY;
        for (i, &s) in sorted.iter().enumerate().rev() {
            let p = self.p_value(s);
            if p <= (i + 1) as f64 * q / mf {
                cut.discoveries = i + 1;
                cut.p_threshold = p;
                score_threshold = s;
                break;
            }
        }
        Ok(ScoreCutoff {
            fdr: cut,
            score_threshold,
        })
    }
}

/// The scale a calibrator's components are fitted on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum ScoreScale {
    /// The raw score (cosine similarity on [−1, 1]).
    #[default]
    Cosine,
    /// Fisher's z = atanh(s), the variance-stabilising map of a correlation; scores at ±1 map
    /// to ±[`FISHER_Z_MAX`]. It spreads the last few hundredths below 1 over a long range, so a
    /// gamma tail fitted there falls off as the similarity nears 1 instead of staying flat.
    FisherZ,
}

/// Where [`ScoreScale::FisherZ`] clips: atanh(1 − 2⁻⁵³) ≈ 18.7, so every score below 1 keeps
/// its own value.
pub const FISHER_Z_MAX: f64 = 19.0;

impl ScoreScale {
    /// The score on this scale (NaN stays NaN).
    #[must_use]
    pub fn map(self, s: f64) -> f64 {
        match self {
            ScoreScale::Cosine => s,
            ScoreScale::FisherZ => {
                if s.is_nan() {
                    s
                } else {
                    libm::atanh(s.clamp(-1.0, 1.0)).clamp(-FISHER_Z_MAX, FISHER_Z_MAX)
                }
            }
        }
    }
}

impl ScoreScale {
    /// The raw score of a value on this scale (the inverse of [`ScoreScale::map`]: tanh for
    /// Fisher z; NaN stays NaN).
    #[must_use]
    pub fn unmap(self, v: f64) -> f64 {
        match self {
            ScoreScale::Cosine => v,
            ScoreScale::FisherZ => libm::tanh(v),
        }
    }
}

/// A Benjamini–Hochberg decision over a batch of scores, in score units.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ScoreCutoff {
    /// The decision in p-value units.
    pub fdr: FdrCutoff,
    /// The smallest discovered score (+inf when nothing is discovered): every score ≥ this
    /// threshold is a discovery.
    pub score_threshold: f64,
}

impl Calibrator {
    /// Rebuilds a calibrator from its weights, components, scale and relevant component, with
    /// the checks of [`Calibrator::from_components`]: `relevant` must be `None` (a background
    /// model, [`Calibrator::from_background`]) or the component that constructor singles out
    /// (the largest mean), so a model read back is the model written, bit for bit.
    pub(crate) fn from_parts(
        weights: &[f64],
        components: &[TruncatedShiftedGamma],
        scale: ScoreScale,
        relevant: Option<usize>,
    ) -> Result<Self, crate::wire::WireError> {
        use crate::wire::WireError;
        let built = match relevant {
            None => Calibrator::from_background(weights, components),
            Some(_) => Calibrator::from_components(weights, components),
        }
        .map_err(|_| WireError::Invalid("weights"))?;
        if built.relevant != relevant {
            return Err(WireError::Invalid("relevant"));
        }
        Ok(built.with_scale(scale))
    }

    /// The components in order.
    pub(crate) fn parts(&self) -> impl Iterator<Item = (f64, &TruncatedShiftedGamma)> + '_ {
        self.iter().map(|(_, w, d)| (w, d))
    }
}

/// Byte form (kind 6): the scale (0 cosine, 1 Fisher z), K, the relevant component (255 for
/// none: a background model), then K × (weight, truncated gamma). Read back through the
/// constructors' checks, so the model is the one written, bit for bit.
impl crate::wire::ByteForm for Calibrator {
    const KIND: u16 = 6;

    fn payload_len(&self) -> usize {
        3 + 48 * self.len
    }

    fn write_payload(&self, w: &mut crate::wire::Writer<'_>) {
        w.u8(match self.scale {
            ScoreScale::Cosine => 0,
            ScoreScale::FisherZ => 1,
        });
        w.u8(self.len as u8);
        w.u8(self.relevant.map_or(255, |i| i as u8));
        for (wt, d) in self.parts() {
            w.f64(wt);
            crate::wire::ByteForm::write_payload(d, w);
        }
    }

    fn read_payload(r: &mut crate::wire::Reader<'_>) -> Result<Self, crate::wire::WireError> {
        use crate::wire::WireError;
        let scale = match r.u8()? {
            0 => ScoreScale::Cosine,
            1 => ScoreScale::FisherZ,
            _ => return Err(WireError::Invalid("scale")),
        };
        let k = r.u8()? as usize;
        if k == 0 || k > MAX_CALIBRATION_COMPONENTS {
            return Err(WireError::Invalid("k"));
        }
        let relevant = match r.u8()? {
            255 => None,
            i => Some(i as usize),
        };
        let mut weights = [0.0; MAX_CALIBRATION_COMPONENTS];
        let first = TruncatedShiftedGamma::new(1.0, 1.0, -1.0, -1.0, 1.0)
            .map_err(|_| WireError::Invalid("component"))?;
        let mut comps = [first; MAX_CALIBRATION_COMPONENTS];
        for (wt, c) in weights.iter_mut().zip(comps.iter_mut()).take(k) {
            *wt = r.f64()?;
            *c = TruncatedShiftedGamma::read_payload(r)?;
        }
        Calibrator::from_parts(&weights[..k], &comps[..k], scale, relevant)
    }
}
