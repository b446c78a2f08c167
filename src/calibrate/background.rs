//! Fitting a query's background score distribution from the body of its scores: the top rows
//! (where the hits are) are left out of the likelihood, so the hits cannot shape the model that
//! their p-values are computed under.
use super::model::{Calibrator, ScoreScale};
use crate::dist::ParamError;
use crate::fit::mixture::fit_mixture_binned_in;
use crate::fit::{
    fit_mixture_in, FitError, FitOptions, Kernel, MixtureFit, MixtureOptions, MixtureWorkspace,
};

/// The fitted background of a sample of scores and the order chosen for it.
#[derive(Clone, Debug)]
pub struct Background {
    /// The calibrator: every mixture component is background (no relevant component), so
    /// [`Calibrator::p_value`] is P(S ≥ s) for a random corpus row. It maps raw scores to the
    /// fit's scale itself.
    pub calibrator: Calibrator,
    /// The fit of the chosen order on the body (the rows left after the top ones were left
    /// out), on the scale of [`Background::scale`] (its components are distributions of
    /// z = atanh(s) for [`ScoreScale::FisherZ`]); its log-likelihood and BIC are the body's.
    pub fit: MixtureFit,
    /// The scale the mixture was fitted on.
    pub scale: ScoreScale,
    /// BIC of each order tried, index k − 1 (`NaN` where that order was not fitted).
    pub bic: [f64; MAX_BACKGROUND_ORDER],
    /// Orders tried (1..=this).
    pub tried: usize,
    /// The largest score of the body (raw score scale): every row above it was left out of the
    /// fit (+inf when no row was left out).
    pub body_limit: f64,
    /// Number of top rows left out of the fit.
    pub excluded: usize,
    /// Number of bottom rows left out of the fit as far outliers: more than
    /// [`LOW_FENCE_IQR`] interquartile ranges below the lower quartile (on the fit's scale).
    /// A score of −1 (an antipodal row) is one; it would otherwise drag every component's
    /// shift below it and degenerate the fit. They cannot matter to an upper-tail p-value.
    pub low_outliers: usize,
    /// Fits made (rounds of the iterative removal of discoveries).
    pub rounds: usize,
}

/// The lower fence of the background fit, in interquartile ranges below the lower quartile:
/// rows below it are left out ([`Background::low_outliers`]). On the 26 real similarity
/// samples and every query of the labelled collections (both models) the lowest row lies at
/// most 2.94 IQR below the lower quartile, so the fence leaves real rows in; a score of −1 lies
/// over 100 IQR below.
pub const LOW_FENCE_IQR: f64 = 10.0;

/// Most components [`fit_background`] tries.
pub const MAX_BACKGROUND_ORDER: usize = 8;

/// How [`fit_background_with`] fits a background.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BackgroundOptions {
    /// Largest mixture order tried; the order is chosen by BIC over 1..=`max_order` (clamped to
    /// 1..=[`MAX_BACKGROUND_ORDER`]; default 3).
    pub max_order: usize,
    /// Share of the top-ranked rows left out of the first fit (default 0.02, i.e. the top 2 %):
    /// the fit is a trimmed fit to the rows below (the whole interval, not truncated at the
    /// body limit), and the tail above is the fitted family's. The hits of a query live in its top ranks, so they cannot shape
    /// the background. The rounds of `discovery_level` then give back every row that is not a
    /// discovery. 0 (with `min_excluded` 0) fits on every row, which lets a few hits become a
    /// background component of their own and hide themselves.
    pub top_excluded: f64,
    /// Rows left out at least in the first round (default 3; capped so that the body keeps
    /// ≥ half the rows), so a small sample still loses its few top rows.
    pub min_excluded: usize,
    /// Iterative removal of discoveries (default 0.001; 0 turns it off): after each fit, the
    /// rows left out become the Benjamini–Hochberg discoveries at this level under that fit
    /// (never more rows than the round before, never fewer than `min_excluded`), and the body
    /// is refitted, until the rows left out are exactly the discoveries or `max_rounds` fits
    /// were made. The first round's thin extrapolated tail over-calls; the rounds give back the
    /// background rows of the top (topical neighbours a random row could score as high) and
    /// keep the outliers out. Measured on 26 real samples (half fitted with three planted
    /// near-duplicates, half held out): held-out p-values uniform (KS) on 26 of 26 at 0.001,
    /// while a level of 0.05 or 0.01 stops at a thin-tailed fixed point on some samples (50+
    /// top rows left out, tail p-values 2–5× too small).
    pub discovery_level: f64,
    /// Most fits made by the iterative removal (default 8).
    pub max_rounds: usize,
    /// Lightest component weight an order may have to be chosen (default 0.005): an order
    /// whose fit holds a lighter component (an atom on a few rows — the hits, typically) is
    /// not a background and BIC does not see it.
    pub min_weight: f64,
    /// The scale the mixture is fitted on (default [`ScoreScale::FisherZ`]).
    pub scale: ScoreScale,
    /// Bodies of more rows than this are fitted binned (default 65,536; `usize::MAX` never):
    /// the body's rows, sorted, go into 4096 equal-width bins over their range, each bin one
    /// point at the mean of its rows weighted by its count, and every order is fitted to the
    /// bins, so a pass costs O(bins) instead of O(rows) and a background of 10⁷ scores fits in
    /// about the time of one of 10⁴ (the sort and the rounds' binning stay O(n)). The fit is
    /// then the maximum-likelihood fit of the binned body and its log-likelihood and BIC are
    /// the binned data's. Measured against the exact fit on real scores: `tests/calibrate_binned.rs`.
    pub binned_above: usize,
    /// The fitter's options; `lo` / `hi` are the score interval on the raw scale (default
    /// [−1, 1]).
    pub fit: FitOptions,
    /// The arithmetic of the mixture fits' per-point work (default [`Kernel::F64`];
    /// [`Kernel::F32`] for a core with a single-precision FPU only, see the README's
    /// "Targets": the background's orders ≤ 3 all run the f32 kernel).
    pub kernel: Kernel,
}

impl BackgroundOptions {
    /// Checks every field's domain; the error names the first bad field.
    ///
    /// # Errors
    /// [`FitError::BadOption`] for `top_excluded` outside [0, 0.5] (or NaN), and the fit
    /// options' own errors.
    pub fn validate(&self) -> Result<(), FitError> {
        self.fit.validate()?;
        if !(0.0..=0.5).contains(&self.top_excluded) {
            return Err(FitError::BadOption("top_excluded must lie in [0, 0.5]"));
        }
        if !(0.0..1.0).contains(&self.discovery_level) {
            return Err(FitError::BadOption("discovery_level must lie in [0, 1)"));
        }
        if self.max_rounds == 0 {
            return Err(FitError::BadOption("max_rounds must be at least 1"));
        }
        Ok(())
    }
}

impl Background {
    /// The memory the rounds of a fit write into (placeholders, filled before they are read; a
    /// constant, so it is copied into place rather than built on the stack).
    const PLACEHOLDER: Option<Background> = Some(Background {
        calibrator: Calibrator::placeholder(),
        fit: MixtureFit::placeholder(),
        scale: ScoreScale::Cosine,
        bic: [f64::NAN; MAX_BACKGROUND_ORDER],
        tried: 0,
        body_limit: f64::INFINITY,
        excluded: 0,
        low_outliers: 0,
        rounds: 0,
    });
}

impl Default for BackgroundOptions {
    fn default() -> Self {
        Self {
            max_order: 3,
            top_excluded: 0.02,
            min_excluded: 3,
            discovery_level: 0.001,
            max_rounds: 8,
            min_weight: 0.005,
            scale: ScoreScale::FisherZ,
            binned_above: 1 << 16,
            fit: FitOptions::default(),
            kernel: Kernel::F64,
        }
    }
}

/// Fits the background distribution of a query's scores (e.g. its cosine similarities with
/// every corpus row, the hits included) on the Fisher-z scale: [`fit_background_with`] with
/// [`BackgroundOptions::default`], `max_order = max_k` and `fit = *opts`. `scratch`
/// (≥ `scores.len()`) receives the mapped scores.
///
/// Why Fisher z: on the cosine scale a fitted gamma's upper tail stays nearly flat up to 1, so
/// near-duplicates (cosine 0.95–0.99) get p-values of only 1e-6 to 1e-5 on some real samples;
/// on z = atanh(s) the same tail falls off as s → 1.
///
/// # Errors
/// As [`fit_background_with`].
///
/// ```
/// use simstat::calibrate::fit_background;
/// use simstat::fit::FitOptions;
/// use simstat::special::gamma_p_inv;
/// // 2,000 scores from one shifted gamma (α = 9, rate 30, shift −0.25) by inverse cdf, and
/// // three near-duplicates of the query among them (the way a retrieval system calls it).
/// let mut scores: Vec<f64> = (0..2000)
///     .map(|i| -0.25 + gamma_p_inv(9.0, (i as f64 + 0.5) / 2000.0) / 30.0)
///     .collect();
/// scores.extend([0.95, 0.97, 0.99]);
/// let mut scratch = vec![0.0; scores.len()];
/// let bg = fit_background(&scores, 3, &FitOptions::default(), &mut scratch)?;
/// assert!(bg.calibrator.p_value(0.95) < 1e-6);
/// assert!((bg.calibrator.p_value(-1.0) - 1.0).abs() < 1e-12);
/// # Ok::<(), simstat::fit::FitError>(())
/// ```
///
/// Memory: as [`fit_background_with`] (feature `alloc`: one workspace on the heap per call).
#[cfg(feature = "alloc")]
pub fn fit_background(
    scores: &[f64],
    max_k: usize,
    opts: &FitOptions,
    scratch: &mut [f64],
) -> Result<Background, FitError> {
    let o = BackgroundOptions {
        max_order: max_k,
        fit: *opts,
        ..BackgroundOptions::default()
    };
    fit_background_with(scores, &o, scratch)
}

/// Fits the background of `scores` on `scale` with every row kept ([`BackgroundOptions`]
/// `top_excluded = 0`, `min_excluded = 0`): the model of a sample that holds no hits (e.g. a
/// held-out or known-null sample).
///
/// # Errors
/// As [`fit_background_with`].
///
/// Memory: as [`fit_background_with`] (feature `alloc`: one workspace on the heap per call).
#[cfg(feature = "alloc")]
pub fn fit_background_on(
    scores: &[f64],
    max_k: usize,
    opts: &FitOptions,
    scale: ScoreScale,
    scratch: &mut [f64],
) -> Result<Background, FitError> {
    let o = BackgroundOptions {
        max_order: max_k,
        top_excluded: 0.0,
        min_excluded: 0,
        discovery_level: 0.0,
        max_rounds: 1,
        min_weight: 0.0,
        scale,
        fit: *opts,
        ..BackgroundOptions::default()
    };
    fit_background_with(scores, &o, scratch)
}

/// Fits the background of a query's scores, hits included: the top
/// `max(⌈top_excluded·n⌉, min_excluded)` rows (at most half) are left out, a mixture of
/// shifted gammas is fitted on the rest for each order 1..=`max_order` (on `opts.scale`,
/// orders with a component lighter than `min_weight` skipped), the order with the smallest BIC
/// is kept, and the rows left out are revised by the rounds of `discovery_level`: the model of
/// "the score of a random corpus row", whose tail probability [`Calibrator::p_value`] is the
/// p-value of a score.
/// Orders past the first that cannot be fitted (too few samples) end the search. `scratch`
/// (≥ `scores.len()`) receives the mapped scores, sorted ascending; nothing is allocated.
///
/// # Errors
/// [`FitError::NonFinite`] / [`FitError::OutOfInterval`] for a bad score (with its index),
/// [`FitError::BadOption`] for a scratch buffer shorter than `scores` or `top_excluded`
/// outside [0, 0.5], and otherwise the error of the one-component fit when no order can be
/// fitted (as [`fit_mixture`](crate::fit::fit_mixture) returns it).
///
/// Memory (feature `alloc`): allocates one [`MixtureWorkspace`] on the heap per call (its own
/// stack stays bounded: 12.5 KiB measured on x86-64); [`fit_background_in`] works in one you
/// keep (a `static` on a device).
#[cfg(feature = "alloc")]
pub fn fit_background_with(
    scores: &[f64],
    o: &BackgroundOptions,
    scratch: &mut [f64],
) -> Result<Background, FitError> {
    fit_background_in(scores, o, scratch, &mut <MixtureWorkspace>::boxed())
}

/// [`fit_background_with`] with the mixture fits in a caller-provided [`MixtureWorkspace`]
/// (a `static` on a device): the same background, bit for bit, in a small stack of its own.
///
/// # Errors
/// As [`fit_background_with`].
pub fn fit_background_in<const BINS: usize, const SAMPLE: usize>(
    scores: &[f64],
    o: &BackgroundOptions,
    scratch: &mut [f64],
    ws: &mut MixtureWorkspace<BINS, SAMPLE>,
) -> Result<Background, FitError> {
    o.validate()?;
    let opts = &o.fit;
    let scale = o.scale;
    let Some(mapped) = scratch.get_mut(..scores.len()) else {
        return Err(FitError::BufferTooSmall {
            needed: scores.len(),
            got: scratch.len(),
        });
    };
    for (index, (dst, &s)) in mapped.iter_mut().zip(scores).enumerate() {
        if !s.is_finite() {
            return Err(FitError::NonFinite { index });
        }
        if !(opts.lo..=opts.hi).contains(&s) {
            return Err(FitError::OutOfInterval {
                index,
                value: s,
                lo: opts.lo,
                hi: opts.hi,
            });
        }
        *dst = scale.map(s);
    }
    fit_background_mapped(mapped, o, ws)
}

/// [`fit_background_with`] on scores already mapped to `o.scale` and checked (finite, inside
/// the interval); `mapped` is left sorted in ascending order.
pub(crate) fn fit_background_mapped<const BINS: usize, const SAMPLE: usize>(
    mapped: &mut [f64],
    o: &BackgroundOptions,
    ws: &mut MixtureWorkspace<BINS, SAMPLE>,
) -> Result<Background, FitError> {
    let mut slot = None;
    fit_background_mapped_into(mapped, o, ws, &mut slot)?;
    slot.ok_or(FitError::BadOption("no background was fitted"))
}

/// [`fit_background_mapped`] writing the background into `slot` (built there, not on this
/// call's stack and then copied: the model-based cut's frame stays small).
pub(crate) fn fit_background_mapped_into<const BINS: usize, const SAMPLE: usize>(
    mapped: &mut [f64],
    o: &BackgroundOptions,
    ws: &mut MixtureWorkspace<BINS, SAMPLE>,
    slot: &mut Option<Background>,
) -> Result<(), FitError> {
    o.validate()?;
    let opts = &o.fit;
    let max_k = o.max_order.clamp(1, MAX_BACKGROUND_ORDER);
    let scale = o.scale;
    let n = mapped.len();
    let z_lo = scale.map(opts.lo);
    let z_hi = scale.map(opts.hi);
    // Ascending order: the body is a contiguous run (far low outliers, then the body, then
    // the rows left out at the top).
    mapped.sort_unstable_by(f64::total_cmp);
    let mapped: &[f64] = mapped;
    let low = low_outliers(mapped);
    let first = Round {
        excluded: excluded_rows(n, o.top_excluded, o.min_excluded),
        low,
        max_k,
    };
    run_rounds(
        o,
        first,
        |excluded, best, bic| {
            fit_body(
                mapped.get(low..).unwrap_or(&[]),
                excluded,
                max_k,
                z_lo,
                z_hi,
                opts,
                (o.min_weight, o.binned_above, o.kernel),
                ws,
                (best, bic),
            )
        },
        |cal| bh_discoveries(mapped, cal, o.discovery_level),
        slot,
    )
}

/// Where the rounds of a background fit start: the rows left out of the first fit, the far
/// low outliers left out of every fit, the largest order tried.
pub(crate) struct Round {
    pub excluded: usize,
    pub low: usize,
    pub max_k: usize,
}

/// The rounds of a background fit, written into `slot`: `fit_round(excluded)` fits the body
/// without the top `excluded` rows (the chosen fit, the BIC per order, the body's largest
/// value on the fit's scale); `discoveries(calibrator)` counts the BH discoveries at
/// `o.discovery_level` under a round's fit; the rows left out next are those, never more than
/// now, never fewer than the floor, until they settle or `o.max_rounds` fits were made.
pub(crate) fn run_rounds(
    o: &BackgroundOptions,
    first: Round,
    mut fit_round: impl FnMut(
        usize,
        &mut MixtureFit,
        &mut [f64; MAX_BACKGROUND_ORDER],
    ) -> Result<f64, FitError>,
    discoveries: impl Fn(&Calibrator) -> usize,
    slot: &mut Option<Background>,
) -> Result<(), FitError> {
    let r = rounds_into(o, first, &mut fit_round, discoveries, slot);
    if r.is_err() {
        *slot = None;
    }
    r
}

/// [`run_rounds`] building the background in `slot` itself (each round's fit and calibrator
/// are written there, so no background-sized value is on this frame while a round fits);
/// `slot` is left in an unspecified state on an error.
fn rounds_into(
    o: &BackgroundOptions,
    first: Round,
    fit_round: &mut impl FnMut(
        usize,
        &mut MixtureFit,
        &mut [f64; MAX_BACKGROUND_ORDER],
    ) -> Result<f64, FitError>,
    discoveries: impl Fn(&Calibrator) -> usize,
    slot: &mut Option<Background>,
) -> Result<(), FitError> {
    let scale = o.scale;
    let mut excluded = first.excluded;
    // The rounds never give back the top `min_excluded` rows.
    let floor = o.min_excluded.min(excluded);
    *slot = Background::PLACEHOLDER;
    let Some(bg) = slot.as_mut() else {
        return Err(FitError::BadOption("no background was fitted"));
    };
    (bg.scale, bg.tried, bg.low_outliers) = (scale, first.max_k, first.low);
    loop {
        bg.rounds += 1;
        let body_hi = fit_round(excluded, &mut bg.fit, &mut bg.bic)?;
        set_calibrator(bg, scale)?;
        // Iterative removal of discoveries: the rows left out next are the BH discoveries
        // under this fit, never more than now (so the hits, which stay discoveries while they
        // are out of the fit, cannot come back into it).
        let next = if o.discovery_level > 0.0 && bg.rounds < o.max_rounds {
            discoveries(&bg.calibrator).max(floor).min(excluded)
        } else {
            excluded
        };
        if next == excluded {
            bg.body_limit = if excluded == 0 {
                f64::INFINITY
            } else {
                scale.unmap(body_hi)
            };
            bg.excluded = excluded;
            return Ok(());
        }
        excluded = next;
    }
}

/// The calibrator of `bg`'s fit on `scale`, into `bg` (out of line: its temporaries are not
/// on the stack while a round fits).
#[inline(never)]
fn set_calibrator(bg: &mut Background, scale: ScoreScale) -> Result<(), FitError> {
    bg.calibrator = Calibrator::from_background(bg.fit.weights(), bg.fit.components())
        .map_err(|_| FitError::Distribution(ParamError::InvalidWeights))?
        .with_scale(scale);
    Ok(())
}

/// Number of Benjamini–Hochberg discoveries at level `q` among `ascending` (mapped scores)
/// under `cal`; the scan stops at the first p-value above q (no later rank can qualify).
pub(crate) fn bh_discoveries(ascending: &[f64], cal: &Calibrator, q: f64) -> usize {
    bh_discoveries_desc(ascending.iter().rev().copied(), ascending.len(), cal, q)
}

/// [`bh_discoveries`] over the largest of `n` mapped scores, given in decreasing order (the
/// scan reads no further than they go: the count is exact when it stops before their end).
pub(crate) fn bh_discoveries_desc(
    descending: impl Iterator<Item = f64>,
    n: usize,
    cal: &Calibrator,
    q: f64,
) -> usize {
    let nf = n as f64;
    let mut found = 0;
    for (i, v) in descending.enumerate() {
        let p = cal.background_sf_mapped(v);
        if p > q {
            break;
        }
        if p <= (i + 1) as f64 * q / nf {
            found = i + 1;
        }
    }
    found
}

/// The BIC-chosen mixture of orders 1..=`max_k` on the `n − excluded` smallest values
/// (`ascending`) on `[z_lo, z_hi]` (a trimmed fit); also returns the BIC per order and the
/// body's largest value (`z_hi` when nothing is excluded).
/// Rows of an ascending sample below the lower fence ([`LOW_FENCE_IQR`] interquartile ranges
/// below the lower quartile); none when the interquartile range is 0 or the sample is small
/// (fewer than 8 rows). Never more than a quarter of the rows.
fn low_outliers(ascending: &[f64]) -> usize {
    let n = ascending.len();
    if n < 8 {
        return 0;
    }
    let (q1, q3) = (ascending[n / 4], ascending[3 * n / 4]);
    let iqr = q3 - q1;
    if iqr.is_nan() || iqr <= 0.0 {
        return 0;
    }
    let fence = q1 - LOW_FENCE_IQR * iqr;
    ascending.partition_point(|&x| x < fence)
}

#[allow(clippy::too_many_arguments)]
fn fit_body<const BINS: usize, const SAMPLE: usize>(
    ascending: &[f64],
    excluded: usize,
    max_k: usize,
    z_lo: f64,
    z_hi: f64,
    opts: &FitOptions,
    (min_weight, binned_above, kernel): (f64, usize, Kernel),
    ws: &mut MixtureWorkspace<BINS, SAMPLE>,
    (best, bic): (&mut MixtureFit, &mut [f64; MAX_BACKGROUND_ORDER]),
) -> Result<f64, FitError> {
    let nb = ascending.len() - excluded;
    let body = &ascending[..nb];
    let body_hi = if excluded == 0 || nb == 0 {
        z_hi
    } else {
        ascending[nb - 1]
    };
    // A trimmed fit: the body is fitted as a sample of the whole interval, not as a sample
    // truncated at its largest value. A truncated likelihood cannot see that (almost) no rows
    // lie above the body, and on a sample with a topical cluster near the top it fits a broad
    // component whose extension puts ~1 % of the mass past the limit (h04 l6: p(0.912) = 9e-4
    // against 2e-10 trimmed); the trimmed fit's cost is a tail thinner by about the share of
    // rows left out, which the rounds of discoveries keep small (typically the hits alone).
    let fo = FitOptions {
        lo: z_lo,
        hi: z_hi,
        ..*opts
    };
    choose_order(max_k, min_weight, (best, bic), |k| {
        let mo = MixtureOptions {
            kernel,
            ..MixtureOptions::default()
        };
        fit_order(body, k, (&fo, &mo), binned_above, ws)
    })?;
    Ok(body_hi)
}

/// One order's fit of the body (binned above `binned_above` rows; out of line, so that the
/// caller holds one result, whichever path fits).
#[inline(never)]
fn fit_order<const BINS: usize, const SAMPLE: usize>(
    body: &[f64],
    k: usize,
    (fo, mo): (&FitOptions, &MixtureOptions),
    binned_above: usize,
    ws: &mut MixtureWorkspace<BINS, SAMPLE>,
) -> Result<MixtureFit, FitError> {
    if body.len() > binned_above {
        fit_mixture_binned_in(body, k, fo, mo, ws)
    } else {
        fit_mixture_in(body, k, fo, mo, ws)
    }
}

/// The background's order: `fit_k(k)` for k = 1..=`max_k` (stopping at the first failure past
/// k = 1), the smallest finite BIC among the orders without a component lighter than
/// `min_weight`; also the BIC of every order (NaN where not fitted).
pub(crate) fn choose_order(
    max_k: usize,
    min_weight: f64,
    (best, bic): (&mut MixtureFit, &mut [f64; MAX_BACKGROUND_ORDER]),
    mut fit_k: impl FnMut(usize) -> Result<MixtureFit, FitError>,
) -> Result<(), FitError> {
    bic.fill(f64::NAN);
    let mut found = false;
    let mut first_err = None;
    for k in 1..=max_k.min(MAX_BACKGROUND_ORDER) {
        // (matched by reference: the result is not moved again on this frame)
        let result = fit_k(k);
        match &result {
            Ok(fit) => {
                let b = fit.bic();
                bic[k - 1] = b;
                // A component lighter than min_weight is an atom on a few rows (hits, most
                // often): that order is not a background.
                let light = k > 1 && fit.weights().iter().any(|&w| w < min_weight);
                let better = !light && if found { b < best.bic() } else { b.is_finite() };
                if better {
                    *best = *fit;
                    found = true;
                }
            }
            Err(e) => {
                if first_err.is_none() {
                    first_err = Some(*e);
                }
                // Larger orders need more samples still: stop at the first failure past k = 1.
                if k > 1 {
                    break;
                }
            }
        }
    }
    if found {
        Ok(())
    } else {
        Err(first_err.unwrap_or(FitError::BadOption("no order gave a finite log-likelihood")))
    }
}

/// Rows left out of the body: `max(⌈fraction·n⌉, min)`, at most ⌊n/2⌋.
pub(crate) fn excluded_rows(n: usize, fraction: f64, min: usize) -> usize {
    let by_share = libm::ceil(fraction * n as f64) as usize;
    by_share
        .max(if fraction > 0.0 { min } else { 0 })
        .min(n / 2)
}

/// Byte form (kind 7): the calibrator and the fit (each as its own payload with its length),
/// the scale, the BIC per order, the orders tried, the body limit and the row counts. Reading
/// checks the calibrator and the fit as their own forms do, that the scale is the
/// calibrator's, and that at most [`MAX_BACKGROUND_ORDER`] orders were tried.
impl crate::wire::ByteForm for Background {
    const KIND: u16 = 7;

    fn payload_len(&self) -> usize {
        8 + self.calibrator.payload_len()
            + self.fit.payload_len()
            + 1
            + 8 * (5 + MAX_BACKGROUND_ORDER)
    }

    fn write_payload(&self, w: &mut crate::wire::Writer<'_>) {
        w.nested(&self.calibrator);
        w.nested(&self.fit);
        w.u8(match self.scale {
            ScoreScale::Cosine => 0,
            ScoreScale::FisherZ => 1,
        });
        for &b in &self.bic {
            w.f64(b);
        }
        w.u64(self.tried as u64);
        w.f64(self.body_limit);
        w.u64(self.excluded as u64);
        w.u64(self.low_outliers as u64);
        w.u64(self.rounds as u64);
    }

    fn read_payload(r: &mut crate::wire::Reader<'_>) -> Result<Self, crate::wire::WireError> {
        use crate::wire::WireError;
        let mut c = r.nested()?;
        let calibrator = Calibrator::read_payload(&mut c)?;
        c.finish()?;
        let mut f = r.nested()?;
        let fit = MixtureFit::read_payload(&mut f)?;
        f.finish()?;
        let scale = match r.u8()? {
            0 => ScoreScale::Cosine,
            1 => ScoreScale::FisherZ,
            _ => return Err(WireError::Invalid("scale")),
        };
        let mut bic = [0.0; MAX_BACKGROUND_ORDER];
        for b in bic.iter_mut() {
            *b = r.f64()?;
        }
        let bg = Background {
            calibrator,
            fit,
            scale,
            bic,
            tried: r.count("tried")?,
            body_limit: r.number("body_limit")?,
            excluded: r.count("excluded")?,
            low_outliers: r.count("low_outliers")?,
            rounds: r.count("rounds")?,
        };
        bg.check_parts()?;
        Ok(bg)
    }
}

impl Background {
    /// The checks of a background read from outside beyond its parts' own: the scale is the
    /// calibrator's and at most [`MAX_BACKGROUND_ORDER`] orders were tried.
    pub(crate) fn check_parts(&self) -> Result<(), crate::wire::WireError> {
        use crate::wire::WireError;
        if self.scale != self.calibrator.scale() {
            return Err(WireError::Invalid("scale"));
        }
        if self.tried > MAX_BACKGROUND_ORDER {
            return Err(WireError::Invalid("tried"));
        }
        Ok(())
    }
}
