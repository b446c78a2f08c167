//! The cut decision: one query's scores against its corpus → how many of the top-ranked rows
//! to return (0 = nothing relevant), by a documented rule.
use super::background::{
    bh_discoveries, fit_background_mapped_into, Background, BackgroundOptions,
};
use super::error::check_score;
use super::relevance::RelevanceModel;
use super::CalibrateError;
use crate::fit::{FitError, MixtureWorkspace};

/// How [`cut`] turns scores into a list length.
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub enum CutRule {
    /// Keep every score whose Fisher-z excess over the corpus median is at least `ratio` times
    /// the excess of the anchor, the second-highest score (the median of the top three, so one
    /// self-match at 1.0 does not set the scale): keep s with
    /// atanh(s) ≥ m + ratio·(atanh(s₍₂₎) − m), m = atanh(median). Nothing is kept when the anchor
    /// does not exceed the median. No model is fitted: it costs one selection and two passes.
    ///
    /// What it controls: the depth of the list relative to the strength of the best matches.
    /// Why it is the default (evidence: the crate README, "Calibration: cutting result
    /// lists"): an F1-optimal list keeps the rows whose probability of relevance exceeds about
    /// half the attainable F1 (≈ 0.1–0.15 on the labelled collections); on Cranfield and CISI
    /// with two embedding models that level is crossed at ratios between 0.5 and 0.8, so one
    /// ratio transfers across collections where a fixed cosine threshold or a fixed count does
    /// not, and it needs no estimate of how many relevant rows a query has — the part the
    /// model-based rules get wrong most (estimates of 4–23 against true medians of 1–30).
    /// Default 0.65, chosen on those four public settings (reported beside the transfer
    /// protocol, where it is tuned on one and applied to the others).
    RelativeExcess {
        /// The ratio ρ in (0, 1].
        ratio: f64,
    },
    /// Benjamini–Hochberg at false-discovery rate `q` against the background: the rows kept are
    /// the BH discoveries of the tail p-values P(S ≥ s) under [`super::fit_background_with`]'s
    /// fit. What it controls: the expected share of kept rows that a *random corpus row* could
    /// have scored as high (not the share of non-relevant rows: topically close rows are
    /// discoveries too). On retrieval data it returns short or empty lists at q = 0.05.
    Fdr {
        /// The level q in (0, 1).
        q: f64,
    },
    /// Keep the rows whose posterior probability of relevance is at least `level` under the
    /// background + relevant model ([`RelevanceModel`]): the list ends at the lowest-ranked row
    /// that reaches the level. What it controls: the precision of the last kept row.
    Posterior {
        /// The posterior level in (0, 1).
        level: f64,
    },
    /// The cut that maximises the expected F1 under the background + relevant model
    /// (Arampatzis, Kamps and Robertson, SIGIR 2009): k maximising 2·Σ_{i ≤ k} r_i / (k + R̂),
    /// r_i the posterior of the i-th ranked row and R̂ the expected number of relevant rows;
    /// empty when R̂ < 1/2. What it controls: the balance of precision and recall, without a
    /// parameter.
    ExpectedF1,
}

/// Options of [`cut`]. Start from [`CutOptions::default`].
///
/// ```
/// use simstat::calibrate::{CutOptions, CutRule};
/// let strict = CutOptions { rule: CutRule::Fdr { q: 0.05 }, ..CutOptions::default() };
/// assert!(matches!(CutOptions::default().rule, CutRule::RelativeExcess { .. }));
/// # let _ = strict;
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CutOptions {
    /// The decision rule (default [`CutRule::RelativeExcess`] with ratio 0.65).
    pub rule: CutRule,
    /// Longest list returned (default `usize::MAX`: no cap).
    pub max_keep: usize,
    /// The background fit used by the model-based rules ([`CutRule::Fdr`],
    /// [`CutRule::Posterior`], [`CutRule::ExpectedF1`]); its `fit.lo` / `fit.hi` also bound the
    /// scores every rule accepts (default [−1, 1]).
    pub background: BackgroundOptions,
    /// [`CutRule::RelativeExcess`] on more scores than this reads the median from a
    /// 4096-bin histogram of the score interval in one pass (held in the first 4096 values of
    /// the scratch buffer, which then needs no more than those 4096), linearly interpolated
    /// inside its bin (error at most one bin, 2/4096 on the cosine scale), instead of an exact
    /// selection over a copy of all the scores (default 1 << 17). With a scratch buffer
    /// shorter than 4096 the exact selection runs (and needs `n` values).
    pub sketch_above: usize,
}

impl Default for CutOptions {
    fn default() -> Self {
        Self {
            rule: CutRule::RelativeExcess { ratio: 0.65 },
            max_keep: usize::MAX,
            background: BackgroundOptions::default(),
            sketch_above: 1 << 17,
        }
    }
}

impl CutOptions {
    /// Checks every field's domain.
    ///
    /// # Errors
    /// [`CalibrateError::BadLevel`] for a rule parameter outside its range (NaN included),
    /// [`CalibrateError::BadOption`] for bad background options.
    pub fn validate(&self) -> Result<(), CalibrateError> {
        let ok = match self.rule {
            CutRule::RelativeExcess { ratio } => ratio > 0.0 && ratio <= 1.0,
            CutRule::Fdr { q } => q > 0.0 && q < 1.0,
            CutRule::Posterior { level } => level > 0.0 && level < 1.0,
            CutRule::ExpectedF1 => true,
        };
        if !ok {
            return Err(CalibrateError::BadLevel);
        }
        self.background
            .validate()
            .map_err(|_| CalibrateError::BadOption("background options"))
    }
}

/// The decision for one query: how many of its top-ranked rows to return.
#[derive(Clone, Debug)]
pub struct Cut {
    pub(super) keep: usize,
    pub(super) threshold: f64,
    pub(super) n: usize,
    pub(super) rule: CutRule,
    pub(super) background: Option<Background>,
    pub(super) relevance: Option<RelevanceModel>,
}

impl Cut {
    /// Nothing kept, no background: what a cut starts from.
    const BLANK: Cut = Cut {
        keep: 0,
        threshold: f64::INFINITY,
        n: 0,
        rule: CutRule::Fdr { q: 0.05 },
        background: None,
        relevance: None,
    };
}

impl Cut {
    /// How many of the top-ranked scores to return; 0 means "nothing relevant".
    #[must_use]
    pub fn keep(&self) -> usize {
        self.keep
    }

    /// The smallest kept score (+inf when nothing is kept): every score ≥ it is kept, except
    /// where `max_keep` cut a run of ties.
    #[must_use]
    pub fn threshold(&self) -> f64 {
        self.threshold
    }

    /// Number of scores the decision was made on.
    #[must_use]
    pub fn len(&self) -> usize {
        self.n
    }

    /// Always false: a cut is made on at least three scores.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// The rule that made the decision.
    #[must_use]
    pub fn rule(&self) -> CutRule {
        self.rule
    }

    /// The fitted background (the model-based rules only): p-values of any score with
    /// `background().unwrap().calibrator.p_value(s)`, and a radius for a vector database with
    /// [`super::Calibrator::score_at_p_value`].
    #[must_use]
    pub fn background(&self) -> Option<&Background> {
        self.background.as_ref()
    }

    /// The background + relevant model ([`CutRule::Posterior`] and [`CutRule::ExpectedF1`]):
    /// relevance posteriors of any score and the expected number of relevant rows.
    #[must_use]
    pub fn relevance(&self) -> Option<&RelevanceModel> {
        self.relevance.as_ref()
    }
}

/// Scratch (f64 elements) that [`cut`] needs for `n` scores: `n`.
#[must_use]
pub fn cut_scratch_len(n: usize) -> usize {
    n
}

/// Fewest scores [`cut`] accepts.
pub const MIN_CUT_SCORES: usize = 3;

/// Decides how many of one query's top-ranked scores to return (0 = nothing relevant): `scores`
/// are its similarities with every corpus row (hits included, any order, on the interval of
/// `opts.background.fit`, default [−1, 1]); `scratch` holds at least [`cut_scratch_len`]`(n)`
/// values and nothing is allocated.
///
/// The default rule ([`CutRule::RelativeExcess`]) needs no fit and costs O(n); the model-based
/// rules fit the background of [`super::fit_background_with`] first (a few ms per 10⁴ scores)
/// and sort the scores.
///
/// # Errors
/// [`CalibrateError::TooFewSamples`] for fewer than [`MIN_CUT_SCORES`] scores,
/// [`CalibrateError::NonFinite`] / [`CalibrateError::OutOfInterval`] for a NaN, infinite or
/// out-of-interval score (with its index), [`CalibrateError::BufferTooSmall`], [`CalibrateError::BadLevel`] /
/// [`CalibrateError::BadOption`] for bad options, [`CalibrateError::Fit`] when the background
/// fit fails.
///
/// ```
/// use simstat::calibrate::{cut, cut_scratch_len, CutOptions};
/// use simstat::special::gamma_p_inv;
/// // A query's scores: 5,000 background rows and four hits (one an exact duplicate).
/// let mut scores: Vec<f64> = (0..5000)
///     .map(|i| -0.25 + gamma_p_inv(9.0, (i as f64 + 0.5) / 5000.0) / 30.0)
///     .collect();
/// scores.extend([0.82, 0.86, 0.9, 1.0]);
/// let mut scratch = vec![0.0; cut_scratch_len(scores.len())];
/// let c = cut(&scores, &CutOptions::default(), &mut scratch)?;
/// assert_eq!(c.keep(), 4);
/// assert_eq!(c.threshold(), 0.82);
/// # Ok::<(), simstat::calibrate::CalibrateError>(())
/// ```
///
/// Memory: the default rule needs no workspace (4.3 KiB of stack, measured on thumbv7em); the
/// model-based rules fit in a [`MixtureWorkspace`] they allocate on the heap (feature `alloc`,
/// on by default: one allocation of 578 KiB per call, the call's own stack stays bounded;
/// `tests/stack_probe.rs`). Without `alloc` a model rule is
/// [`CalibrateError::BadOption`]`("rule")`: call [`cut_in`] with a workspace you place.
#[inline]
pub fn cut(scores: &[f64], opts: &CutOptions, scratch: &mut [f64]) -> Result<Cut, CalibrateError> {
    cut_impl(scores, opts, scratch, None::<&mut MixtureWorkspace>)
}

/// [`cut`] with the model-based rules' mixture fits in a caller-provided [`MixtureWorkspace`]
/// (a `static` on a device): the same decision, bit for bit, within 16 KiB of stack of its
/// own (every rule; Benjamini–Hochberg measured on thumbv7em by `firmware/`: 13.1 KiB with
/// the f64 kernel, 14.2 KiB with the f32 one).
///
/// # Errors
/// As [`cut`].
#[inline]
pub fn cut_in<const BINS: usize, const SAMPLE: usize>(
    scores: &[f64],
    opts: &CutOptions,
    scratch: &mut [f64],
    ws: &mut MixtureWorkspace<BINS, SAMPLE>,
) -> Result<Cut, CalibrateError> {
    cut_impl(scores, opts, scratch, Some(ws))
}

/// [`cut`] on `f32` scores, read in place (no copy by the caller; each score is widened to f64
/// exactly).
///
/// # Errors
/// As [`cut`].
#[inline]
pub fn cut_f32(
    scores: &[f32],
    opts: &CutOptions,
    scratch: &mut [f64],
) -> Result<Cut, CalibrateError> {
    cut_impl(scores, opts, scratch, None::<&mut MixtureWorkspace>)
}

/// [`cut_f32`] with a caller-provided [`MixtureWorkspace`] (see [`cut_in`]).
///
/// # Errors
/// As [`cut`].
#[inline]
pub fn cut_f32_in<const BINS: usize, const SAMPLE: usize>(
    scores: &[f32],
    opts: &CutOptions,
    scratch: &mut [f64],
    ws: &mut MixtureWorkspace<BINS, SAMPLE>,
) -> Result<Cut, CalibrateError> {
    cut_impl(scores, opts, scratch, Some(ws))
}

/// [`cut`] by a model-based rule against a background fitted before (by [`cut`] with another
/// rule — [`Cut::background`] — or by [`super::fit_background_with`]): the same decision as
/// [`cut`] with `opts.rule` when `background` is the one [`cut`] would fit, without fitting it
/// again (one map and one sort of the scores). Several rules on one query's scores cost one
/// fit. `opts.background` is not used (the background carries its scale); the scores are
/// checked against `opts.background.fit`'s interval as in [`cut`]; the default rule
/// ([`CutRule::RelativeExcess`]) needs no background and is [`cut`] itself.
///
/// ```
/// use simstat::calibrate::{cut, cut_scratch_len, cut_with_background, CutOptions, CutRule};
/// use simstat::special::gamma_p_inv;
/// let mut scores: Vec<f64> = (0..5000)
///     .map(|i| -0.25 + gamma_p_inv(9.0, (i as f64 + 0.5) / 5000.0) / 30.0)
///     .collect();
/// scores.extend([0.82, 0.86, 0.9, 1.0]);
/// let mut scratch = vec![0.0; cut_scratch_len(scores.len())];
/// let bh = CutOptions { rule: CutRule::Fdr { q: 0.05 }, ..CutOptions::default() };
/// let first = cut(&scores, &bh, &mut scratch)?;
/// let bg = first.background().expect("a model rule returns its background");
/// let f1 = CutOptions { rule: CutRule::ExpectedF1, ..CutOptions::default() };
/// let again = cut_with_background(&scores, bg, &f1, &mut scratch)?;
/// assert_eq!(again.keep(), cut(&scores, &f1, &mut scratch)?.keep());
/// # Ok::<(), simstat::calibrate::CalibrateError>(())
/// ```
///
/// # Errors
/// As [`cut`], but for the fit's errors (nothing is fitted).
pub fn cut_with_background(
    scores: &[f64],
    background: &Background,
    opts: &CutOptions,
    scratch: &mut [f64],
) -> Result<Cut, CalibrateError> {
    cut_against(scores, background, opts, scratch)
}

/// [`cut_with_background`] on `f32` scores, read in place.
///
/// # Errors
/// As [`cut_with_background`].
pub fn cut_f32_with_background(
    scores: &[f32],
    background: &Background,
    opts: &CutOptions,
    scratch: &mut [f64],
) -> Result<Cut, CalibrateError> {
    cut_against(scores, background, opts, scratch)
}

fn cut_against<S: ScoreSlice + ?Sized>(
    scores: &S,
    bg: &Background,
    opts: &CutOptions,
    scratch: &mut [f64],
) -> Result<Cut, CalibrateError> {
    if matches!(opts.rule, CutRule::RelativeExcess { .. }) {
        return cut_impl(scores, opts, scratch, None::<&mut MixtureWorkspace>);
    }
    opts.validate()?;
    let n = scores.count();
    if n < MIN_CUT_SCORES {
        return Err(CalibrateError::TooFewSamples {
            n: n as u64,
            needed: MIN_CUT_SCORES as u64,
        });
    }
    let (lo, hi) = (opts.background.fit.lo, opts.background.fit.hi);
    let Some(mapped) = scratch.get_mut(..n) else {
        return Err(CalibrateError::BufferTooSmall {
            needed: n,
            got: scratch.len(),
        });
    };
    for (i, dst) in mapped.iter_mut().enumerate() {
        let s = check_score(i, scores.at(i), lo, hi)?;
        *dst = bg.scale.map(s);
    }
    mapped.sort_unstable_by(f64::total_cmp);
    let (keep, threshold, relevance) = decide(scores, opts.rule, mapped, bg);
    let mut out = Cut {
        keep,
        threshold,
        n,
        rule: opts.rule,
        background: Some(bg.clone()),
        relevance,
    };
    cap(scores, opts.max_keep, scratch, &mut out);
    Ok(out)
}

/// A slice of scores of either precision, read as f64.
pub(super) trait ScoreSlice {
    fn count(&self) -> usize;
    fn at(&self, i: usize) -> f64;
}

impl ScoreSlice for [f64] {
    fn count(&self) -> usize {
        self.len()
    }
    fn at(&self, i: usize) -> f64 {
        self[i]
    }
}

impl ScoreSlice for [f32] {
    fn count(&self) -> usize {
        self.len()
    }
    fn at(&self, i: usize) -> f64 {
        f64::from(self[i])
    }
}

#[inline(always)]
fn cut_impl<S: ScoreSlice + ?Sized, const BINS: usize, const SAMPLE: usize>(
    scores: &S,
    opts: &CutOptions,
    scratch: &mut [f64],
    ws: Option<&mut MixtureWorkspace<BINS, SAMPLE>>,
) -> Result<Cut, CalibrateError> {
    // The cut is built in the result itself (in the caller's slot once this is inlined: no
    // background-sized copy on the stack of the cut).
    let mut result = Ok(Cut::BLANK);
    if let Ok(out) = result.as_mut() {
        if let Err(e) = cut_into(scores, opts, scratch, ws, out) {
            result = Err(e);
        }
    }
    result
}

/// [`cut_impl`] into `out`.
fn cut_into<S: ScoreSlice + ?Sized, const BINS: usize, const SAMPLE: usize>(
    scores: &S,
    opts: &CutOptions,
    scratch: &mut [f64],
    ws: Option<&mut MixtureWorkspace<BINS, SAMPLE>>,
    out: &mut Cut,
) -> Result<(), CalibrateError> {
    opts.validate()?;
    let n = scores.count();
    if n < MIN_CUT_SCORES {
        return Err(CalibrateError::TooFewSamples {
            n: n as u64,
            needed: MIN_CUT_SCORES as u64,
        });
    }
    let (lo, hi) = (opts.background.fit.lo, opts.background.fit.hi);
    let check = |i: usize| check_score(i, scores.at(i), lo, hi);
    (out.n, out.rule) = (n, opts.rule);
    if let CutRule::RelativeExcess { ratio } = opts.rule {
        if n > opts.sketch_above && scratch.len() >= MEDIAN_BINS {
            relative_excess_sketch(scores, ratio, (lo, hi), &check, scratch, out)?;
        } else {
            let Some(copy) = scratch.get_mut(..n) else {
                return Err(CalibrateError::BufferTooSmall {
                    needed: n,
                    got: scratch.len(),
                });
            };
            for (i, dst) in copy.iter_mut().enumerate() {
                *dst = check(i)?;
            }
            // The lower median (a monotone map commutes with order statistics, so this is also
            // the median on the Fisher-z scale).
            let mid = (n - 1) / 2;
            let (_, &mut median, upper) = copy.select_nth_unstable_by(mid, f64::total_cmp);
            let anchor = second_largest(upper, median);
            relative_excess_finish(scores, ratio, median, anchor, out);
        }
        cap(scores, opts.max_keep, scratch, out);
        return Ok(());
    }
    match ws {
        Some(ws) => model_cut(scores, opts, scratch, &check, out, ws),
        #[cfg(feature = "alloc")]
        None => model_cut_on_heap(scores, opts, scratch, &check, out),
        // without `alloc` a model rule needs the caller's workspace (`cut_in`): refused,
        // never a workspace on the stack
        #[cfg(not(feature = "alloc"))]
        None => Err(CalibrateError::BadOption("rule")),
    }
}

/// [`model_cut`] in a workspace on the heap (feature `alloc`; kept out of line so the default
/// rule's frame stays small).
#[cfg(feature = "alloc")]
#[inline(never)]
fn model_cut_on_heap<S: ScoreSlice + ?Sized>(
    scores: &S,
    opts: &CutOptions,
    scratch: &mut [f64],
    check: &dyn Fn(usize) -> Result<f64, CalibrateError>,
    out: &mut Cut,
) -> Result<(), CalibrateError> {
    model_cut(
        scores,
        opts,
        scratch,
        check,
        out,
        &mut <MixtureWorkspace>::boxed(),
    )
}

/// The model-based rules: the background from the body, then the sorted scores (kept out of
/// line so that the default rule's stack stays small).
#[inline(never)]
fn model_cut<S: ScoreSlice + ?Sized, const BINS: usize, const SAMPLE: usize>(
    scores: &S,
    opts: &CutOptions,
    scratch: &mut [f64],
    check: &dyn Fn(usize) -> Result<f64, CalibrateError>,
    out: &mut Cut,
    ws: &mut MixtureWorkspace<BINS, SAMPLE>,
) -> Result<(), CalibrateError> {
    let n = scores.count();
    let Some(mapped) = scratch.get_mut(..n) else {
        return Err(CalibrateError::BufferTooSmall {
            needed: n,
            got: scratch.len(),
        });
    };
    let scale = opts.background.scale;
    for (i, dst) in mapped.iter_mut().enumerate() {
        *dst = scale.map(check(i)?);
    }
    // The background is built in `out` itself (no copy of it on this frame); the fit leaves
    // `mapped` in ascending order.
    fit_background_mapped_into(mapped, &opts.background, ws, &mut out.background)
        .map_err(CalibrateError::Fit)?;
    let Some(bg) = out.background.as_ref() else {
        return Err(CalibrateError::Fit(FitError::BadOption(
            "no background was fitted",
        )));
    };
    let (keep, threshold, relevance) = decide(scores, opts.rule, mapped, bg);
    (out.keep, out.threshold, out.relevance) = (keep, threshold, relevance);
    cap(scores, opts.max_keep, scratch, out);
    Ok(())
}

/// A model-based rule's decision from the mapped scores in ascending order (`mapped`, reversed
/// here in place) and the background: the rows kept, the threshold and the relevance model.
/// Kept out of line: its buffers (the relevance model's 512 densities) are not on the stack
/// while the background is fitted.
#[inline(never)]
fn decide<S: ScoreSlice + ?Sized>(
    scores: &S,
    rule: CutRule,
    mapped: &mut [f64],
    bg: &Background,
) -> (usize, f64, Option<RelevanceModel>) {
    let scale = bg.scale;
    // BH reads the ascending scores as they are, the relevance model in decreasing order (a
    // reversal, not another sort).
    let fdr_keep = match rule {
        CutRule::Fdr { q } => bh_discoveries(mapped, &bg.calibrator, q),
        _ => 0,
    };
    mapped.reverse();
    let sorted: &[f64] = mapped;
    let (keep, relevance) = match rule {
        CutRule::Fdr { .. } => (fdr_keep, None),
        CutRule::Posterior { level } => {
            let model = RelevanceModel::fit(sorted, &bg.calibrator);
            (
                model.posterior_cut(sorted, &bg.calibrator, level),
                Some(model),
            )
        }
        CutRule::ExpectedF1 => {
            let model = RelevanceModel::fit(sorted, &bg.calibrator);
            (model.expected_f1_cut(sorted, &bg.calibrator), Some(model))
        }
        CutRule::RelativeExcess { .. } => (0, None),
    };
    // Ties at the boundary are kept together (a score either is or is not above a threshold).
    let keep = extend_ties(sorted, keep);
    let threshold = if keep == 0 {
        f64::INFINITY
    } else {
        // read back from the input (unmap may round)
        smallest_at_least(
            scores,
            scale.unmap(sorted[keep - 1]),
            scale,
            sorted[keep - 1],
        )
    };
    (keep, threshold, relevance)
}

/// The largest `v` of `upper` (the values above the median after a selection) and the
/// second largest; with fewer than two values above the median, the median stands in.
fn second_largest(upper: &[f64], median: f64) -> f64 {
    let mut a = median; // largest
    let mut b = median; // second largest
    for &v in upper {
        if v > a {
            b = a;
            a = v;
        } else if v > b {
            b = v;
        }
    }
    b
}

pub(super) fn relative_excess_finish<S: ScoreSlice + ?Sized>(
    scores: &S,
    ratio: f64,
    median: f64,
    anchor: f64,
    out: &mut Cut,
) {
    let zm = libm::atanh(median.clamp(-1.0, 1.0));
    let za = libm::atanh(anchor.clamp(-1.0, 1.0));
    if za.partial_cmp(&zm) != Some(core::cmp::Ordering::Greater) {
        return;
    }
    // atanh(±1) = ±inf: clip like ScoreScale::FisherZ so an anchor at 1.0 keeps a finite
    // threshold just below 1.
    let zm = zm.max(-super::FISHER_Z_MAX);
    let za = za.min(super::FISHER_Z_MAX);
    // The anchor itself is always kept (ratio ≤ 1): guard against tanh(atanh(x)) > x.
    let t = libm::tanh(zm + ratio * (za - zm)).min(anchor);
    let mut keep = 0;
    let mut smallest = f64::INFINITY;
    for i in 0..scores.count() {
        let s = scores.at(i);
        if s >= t {
            keep += 1;
            smallest = smallest.min(s);
        }
    }
    out.keep = keep;
    out.threshold = smallest;
}

fn relative_excess_sketch<S: ScoreSlice + ?Sized>(
    scores: &S,
    ratio: f64,
    (lo, hi): (f64, f64),
    check: &dyn Fn(usize) -> Result<f64, CalibrateError>,
    scratch: &mut [f64],
    out: &mut Cut,
) -> Result<(), CalibrateError> {
    let Some(counts) = scratch.get_mut(..MEDIAN_BINS) else {
        return Err(CalibrateError::BufferTooSmall {
            needed: MEDIAN_BINS,
            got: scratch.len(),
        });
    };
    counts.fill(0.0);
    let inv_width = MEDIAN_BINS as f64 / (hi - lo);
    let (mut a, mut b) = (f64::NEG_INFINITY, f64::NEG_INFINITY);
    let (mut min, mut max) = (f64::INFINITY, f64::NEG_INFINITY);
    for i in 0..scores.count() {
        let s = check(i)?;
        // in [lo, hi] (checked): the bin index is in 0..=MEDIAN_BINS, the top edge folded down
        let j = ((s - lo) * inv_width) as usize;
        if let Some(c) = counts.get_mut(j.min(MEDIAN_BINS - 1)) {
            *c += 1.0;
        }
        min = min.min(s);
        max = max.max(s);
        if s > a {
            b = a;
            a = s;
        } else if s > b {
            b = s;
        }
    }
    let median = histogram_quantile(
        counts.iter().copied(),
        (lo, hi),
        (min, max),
        scores.count(),
        0.5,
    );
    relative_excess_finish(scores, ratio, median, b.max(median), out);
    Ok(())
}

/// Bins of the histogram the default rule reads the median of a large input from (held in the
/// caller's scratch buffer).
pub(super) const MEDIAN_BINS: usize = 4096;

/// The `p` quantile of `n` values binned into `counts` (equal bins of [lo, hi]), linearly
/// interpolated inside its bin and clamped to the observed [min, max].
/// The `p`-quantile of `n` values from their counts in `MEDIAN_BINS` equal bins on [lo, hi],
/// linearly interpolated inside its bin and clamped into [min, max].
pub(super) fn histogram_quantile(
    counts: impl ExactSizeIterator<Item = f64>,
    (lo, hi): (f64, f64),
    (min, max): (f64, f64),
    n: usize,
    p: f64,
) -> f64 {
    let width = (hi - lo) / counts.len() as f64;
    let target = p * n as f64;
    let mut below = 0.0;
    for (j, c) in counts.enumerate() {
        if c > 0.0 && below + c >= target {
            let frac = ((target - below) / c).clamp(0.0, 1.0);
            let v = lo + (j as f64 + frac) * width;
            return v.clamp(min, max);
        }
        below += c;
    }
    max
}

/// `keep` extended over the scores tied with the last kept one.
pub(super) fn extend_ties(sorted: &[f64], keep: usize) -> usize {
    if keep == 0 {
        return 0;
    }
    let last = sorted[keep - 1];
    let mut k = keep;
    while k < sorted.len() && sorted[k] == last {
        k += 1;
    }
    k
}

/// The smallest input score that maps to `v` or above (the raw-scale threshold of a cut made on
/// mapped values); `approx` is the unmapped guess, returned if no input maps exactly.
fn smallest_at_least<S: ScoreSlice + ?Sized>(
    scores: &S,
    approx: f64,
    scale: super::ScoreScale,
    v: f64,
) -> f64 {
    let mut best = f64::INFINITY;
    for i in 0..scores.count() {
        let s = scores.at(i);
        if s < best && scale.map(s) >= v {
            best = s;
        }
    }
    if best.is_finite() {
        best
    } else {
        approx
    }
}

/// Applies `max_keep`: the threshold becomes the `max_keep`-th largest score. With a scratch
/// buffer of `n` values it is one selection over a copy; otherwise (the sketch path, given a
/// short buffer) a walk over the distinct top values, O(n·max_keep).
fn cap<S: ScoreSlice + ?Sized>(scores: &S, max_keep: usize, scratch: &mut [f64], out: &mut Cut) {
    if out.keep <= max_keep {
        return;
    }
    out.keep = max_keep;
    if max_keep == 0 {
        out.threshold = f64::INFINITY;
        return;
    }
    let n = scores.count();
    if let Some(copy) = scratch.get_mut(..n) {
        for (i, dst) in copy.iter_mut().enumerate() {
            *dst = scores.at(i);
        }
        let (_, &mut t, _) = copy.select_nth_unstable_by(max_keep - 1, |a, b| b.total_cmp(a));
        out.threshold = t;
        return;
    }
    let mut t = f64::INFINITY;
    let mut taken = 0;
    while taken < max_keep {
        let mut next = f64::NEG_INFINITY;
        for i in 0..n {
            let s = scores.at(i);
            if s < t && s > next {
                next = s;
            }
        }
        if next == f64::NEG_INFINITY {
            break;
        }
        for i in 0..n {
            if scores.at(i) == next {
                taken += 1;
            }
        }
        t = next;
    }
    out.threshold = t;
}

/// Without `alloc` (`cargo test --lib --no-default-features`, a CI step): the model rules of
/// the plain [`cut`] are refused, never fitted in a workspace on the stack; [`cut_in`] fits them.
#[cfg(all(test, not(feature = "alloc")))]
mod without_alloc {
    use super::*;

    #[test]
    fn model_rules_need_the_callers_workspace() {
        // a gamma-shaped body of 2,000 quantiles and three hits
        let mut scores = [0.0; 2003];
        for (i, s) in scores.iter_mut().take(2000).enumerate() {
            *s = -0.25 + crate::special::gamma_p_inv(9.0, (i as f64 + 0.5) / 2000.0) / 30.0;
        }
        scores[2000..].copy_from_slice(&[0.93, 0.95, 0.97]);
        let mut scratch = [0.0; 2003];
        let default = cut(&scores, &CutOptions::default(), &mut scratch).map(|c| c.keep());
        assert_eq!(default, Ok(3));
        let bh = CutOptions {
            rule: CutRule::Fdr { q: 0.05 },
            ..CutOptions::default()
        };
        let refused = cut(&scores, &bh, &mut scratch).map(|c| c.keep());
        assert_eq!(refused, Err(CalibrateError::BadOption("rule")));
        // the workspace form (a small workspace: 298 KiB on the test thread's 2 MiB)
        let mut ws = MixtureWorkspace::<512, 1024>::blank();
        let keep = cut_in(&scores, &bh, &mut scratch, &mut ws).map(|c| c.keep());
        assert!(matches!(keep, Ok(k) if k >= 3), "{keep:?}");
    }
}
