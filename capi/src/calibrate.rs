//! Calibration for C: tail p-values and Benjamini–Hochberg cut-offs under one gamma, a fitted
//! mixture (cosine scale) or a fitted background (Fisher-z scale), relevance posteriors, the
//! background fit, and the cut of a result list.

use simstat::calibrate::{
    cut, cut_in, fit_background_in, BackgroundOptions, Calibrator, CutOptions, CutRule,
    ScoreCutoff, ScoreScale,
};
use simstat::fit::FitOptions;

use crate::dist::{dist, SimstatGammaParams};
use crate::fit::{cosine_mixture, SimstatFitOptions, SimstatMixture, SimstatScoreScale};
use crate::ptr::{input_and_scratch, map_slices, read, read_opt, write};
use crate::status::{status, SimstatStatus};
use crate::workspace::{region, Place};

/// Result of the `simstat_*fdr_cutoff` functions.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct SimstatFdrCutoff {
    /// Number of scores tested.
    pub tests: usize,
    /// Number of discoveries (scores ≥ `score_threshold`).
    pub discoveries: usize,
    /// Largest p-value among the discoveries (0 when there are none).
    pub p_threshold: f64,
    /// Smallest discovered score (+inf when there are none).
    pub score_threshold: f64,
}

/// The C result of a Rust cut-off.
impl From<&ScoreCutoff> for SimstatFdrCutoff {
    fn from(c: &ScoreCutoff) -> Self {
        Self {
            tests: c.fdr.tests,
            discoveries: c.fdr.discoveries,
            p_threshold: c.fdr.p_threshold,
            score_threshold: c.score_threshold,
        }
    }
}

/// The decision rule of `simstat_cut` (passed as its `rule` argument).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SimstatCutRule {
    /// Relative excess over the median on Fisher z (the default; `param` = ratio in (0, 1],
    /// 0.65 by default).
    RelativeExcess = 0,
    /// Benjamini–Hochberg against the fitted background (`param` = q in (0, 1)).
    Fdr = 1,
    /// Relevance posterior ≥ `param` (in (0, 1)) under the background + relevant model.
    Posterior = 2,
    /// Expected-F1-optimal cut under the background + relevant model (`param` ignored).
    ExpectedF1 = 3,
}

/// A rule code from C (not a `SimstatCutRule` value: `SIMSTAT_STATUS_BAD_PARAMETER`).
impl TryFrom<u32> for SimstatCutRule {
    type Error = SimstatStatus;
    fn try_from(v: u32) -> Result<Self, SimstatStatus> {
        enum_from_u32!(
            v,
            SimstatCutRule {
                RelativeExcess,
                Fdr,
                Posterior,
                ExpectedF1
            }
        )
    }
}

impl SimstatCutRule {
    /// The Rust rule with its parameter (NaN: the rule's default, ratio 0.65, q 0.05, level 0.5).
    #[must_use]
    pub fn with_param(self, param: f64) -> CutRule {
        let or = |default: f64| if param.is_nan() { default } else { param };
        match self {
            Self::RelativeExcess => CutRule::RelativeExcess { ratio: or(0.65) },
            Self::Fdr => CutRule::Fdr { q: or(0.05) },
            Self::Posterior => CutRule::Posterior { level: or(0.5) },
            Self::ExpectedF1 => CutRule::ExpectedF1,
        }
    }
}

/// Tail p-values P(S ≥ s) of `n` scores under a background shifted gamma, into `out`.
#[no_mangle]
pub extern "C" fn simstat_p_values(
    background: *const SimstatGammaParams,
    scores: *const f64,
    n: usize,
    out: *mut f64,
) -> SimstatStatus {
    status(dist(background).and_then(|d| {
        let cal = Calibrator::from_distribution(d);
        map_slices(scores, n, out, |s| cal.p_value(s))
    }))
}

/// Benjamini–Hochberg cut-off at FDR level `q` over `n` scores under a background shifted
/// gamma; `scratch` must hold `scratch_len ≥ n` doubles (it receives the sorted scores).
#[no_mangle]
pub extern "C" fn simstat_fdr_cutoff(
    background: *const SimstatGammaParams,
    scores: *const f64,
    n: usize,
    q: f64,
    scratch: *mut f64,
    scratch_len: usize,
    out: *mut SimstatFdrCutoff,
) -> SimstatStatus {
    status(dist(background).and_then(|d| {
        let cal = Calibrator::from_distribution(d);
        fdr_into(&cal, scores, n, q, scratch, scratch_len, out)
    }))
}

/// The BH cut-off of `cal` over the scores, written to `out` (the scratch must not overlap the
/// scores).
fn fdr_into(
    cal: &Calibrator,
    scores: *const f64,
    n: usize,
    q: f64,
    scratch: *mut f64,
    scratch_len: usize,
    out: *mut SimstatFdrCutoff,
) -> Result<(), SimstatStatus> {
    let (s, scratch) = input_and_scratch((scores, n), (scratch, scratch_len))?;
    let c = cal.fdr_cutoff(s, q, scratch)?;
    write(out, (&c).into())
}

/// The calibrator of a cosine-scale mixture: with K ≥ 2 the component with the largest mean is
/// the relevant one, the rest the background.
fn mixture_calibrator(p: *const SimstatMixture) -> Result<Calibrator, SimstatStatus> {
    Ok(Calibrator::from_mixture(&cosine_mixture(p)?)?)
}

/// Posterior P(relevant | s) of `n` scores under a cosine-scale mixture, the relevant
/// component being the one with the largest mean (`calibrate::Calibrator::posterior_relevant`),
/// into `out` (`out == scores` allowed). A one-component mixture has no relevant component:
/// `SIMSTAT_STATUS_BAD_PARAMETER`.
#[no_mangle]
pub extern "C" fn simstat_mixture_posterior_relevant(
    mixture: *const SimstatMixture,
    scores: *const f64,
    n: usize,
    out: *mut f64,
) -> SimstatStatus {
    status(mixture_calibrator(mixture).and_then(|cal| {
        if cal.relevant_component().is_none() {
            return Err(SimstatStatus::BadParameter);
        }
        map_slices(scores, n, out, |s| {
            cal.posterior_relevant(s).unwrap_or(f64::NAN)
        })
    }))
}

/// Tail p-values P(S ≥ s) of `n` scores under the background of a cosine-scale mixture
/// (`calibrate::Calibrator::from_mixture`: with K ≥ 2 the component with the largest mean is
/// the relevant one and the rest, renormalised, the background), into `out`. A Fisher-z
/// background from `simstat_fit_background` is `SIMSTAT_STATUS_WRONG_SCALE` (use
/// `simstat_background_p_values`).
#[no_mangle]
pub extern "C" fn simstat_mixture_p_values(
    mixture: *const SimstatMixture,
    scores: *const f64,
    n: usize,
    out: *mut f64,
) -> SimstatStatus {
    status(
        mixture_calibrator(mixture).and_then(|cal| map_slices(scores, n, out, |s| cal.p_value(s))),
    )
}

/// Benjamini–Hochberg cut-off at FDR level `q` over `n` scores under the background of a
/// cosine-scale mixture (as `simstat_mixture_p_values`); `scratch` holds `scratch_len ≥ n`
/// doubles.
#[no_mangle]
pub extern "C" fn simstat_mixture_fdr_cutoff(
    mixture: *const SimstatMixture,
    scores: *const f64,
    n: usize,
    q: f64,
    scratch: *mut f64,
    scratch_len: usize,
    out: *mut SimstatFdrCutoff,
) -> SimstatStatus {
    status(
        mixture_calibrator(mixture)
            .and_then(|cal| fdr_into(&cal, scores, n, q, scratch, scratch_len, out)),
    )
}

/// The calibrator of a Fisher-z background: the whole mixture is the background, its
/// components read on z = atanh(s).
fn background_calibrator(p: *const SimstatMixture) -> Result<Calibrator, SimstatStatus> {
    let m = read(p)?.fit_on(SimstatScoreScale::FisherZ)?;
    Ok(Calibrator::from_background(m.weights(), m.components())?.with_scale(ScoreScale::FisherZ))
}

/// Fits the background of a query's cosine scores, hits included (`calibrate::fit_background`):
/// mixtures of shifted gammas on the Fisher-z scale z = atanh(s), of order 1..=`max_k` (clamped
/// to 1..=8), fitted to the body left after the iterative removal of the top discoveries; the
/// one with the smallest BIC is written to `out` with `scale` = `SIMSTAT_SCORE_SCALE_FISHER_Z`
/// (its components are distributions of z, its interval the mapped one, ±19 at ±1;
/// log-likelihood, AIC and BIC are the body's). `scratch` holds `scratch_len ≥ n` doubles (the
/// mapped scores); `opts` may be null for the defaults. Evaluate it with
/// `simstat_background_p_values` / `simstat_background_fdr_cutoff`, which take raw cosines; the
/// `simstat_mixture_*` functions refuse it (`SIMSTAT_STATUS_WRONG_SCALE`).
///
/// Stack: the fits' workspace (578 KiB) lives on this call's own stack (the C face has no
/// allocator): for large stacks only; on a small one call [`simstat_fit_background_in`].
#[no_mangle]
pub extern "C" fn simstat_fit_background(
    data: *const f64,
    n: usize,
    max_k: usize,
    opts: *const SimstatFitOptions,
    scratch: *mut f64,
    scratch_len: usize,
    out: *mut SimstatMixture,
) -> SimstatStatus {
    let scratch = (scratch, scratch_len);
    status(background(
        (data, n),
        max_k,
        opts,
        scratch,
        Place::Stack,
        out,
    ))
}

/// [`simstat_fit_background`] in caller memory: `workspace` holds at least
/// `simstat_mixture_workspace_size()` bytes aligned to `simstat_mixture_workspace_align()` (e.g.
/// a static buffer on a microcontroller), overlapping none of the other arguments; nothing is
/// allocated and the call's own stack stays under 16 KiB. The same background, bit for bit.
/// Errors as [`simstat_fit_background`]; `SIMSTAT_STATUS_NULL_POINTER` for a null workspace,
/// `SIMSTAT_STATUS_BAD_LENGTH` for a short, misaligned or overlapping one.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub extern "C" fn simstat_fit_background_in(
    data: *const f64,
    n: usize,
    max_k: usize,
    opts: *const SimstatFitOptions,
    scratch: *mut f64,
    scratch_len: usize,
    workspace: *mut u8,
    workspace_len: usize,
    out: *mut SimstatMixture,
) -> SimstatStatus {
    let (scratch, ws) = (
        (scratch, scratch_len),
        Place::Caller(workspace, workspace_len),
    );
    status(background((data, n), max_k, opts, scratch, ws, out))
}

/// The background fit of [`simstat_fit_background`] / [`simstat_fit_background_in`] with its
/// workspace at `place`.
fn background(
    (data, n): (*const f64, usize),
    max_k: usize,
    opts: *const SimstatFitOptions,
    (scratch, scratch_len): (*mut f64, usize),
    place: Place,
    out: *mut SimstatMixture,
) -> Result<(), SimstatStatus> {
    let avoid = [
        region(data, n),
        region(scratch.cast_const(), scratch_len),
        region(out, 1),
    ];
    let (data, scratch) = input_and_scratch((data, n), (scratch, scratch_len))?;
    if scratch_len < n {
        return Err(SimstatStatus::BadLength);
    }
    let fit = read_opt(opts).map_or_else(FitOptions::default, FitOptions::from);
    if out.is_null() {
        return Err(SimstatStatus::NullPointer);
    }
    // (the options of the Rust `calibrate::fit_background(data, max_k, fit, scratch)`)
    let o = BackgroundOptions {
        max_order: max_k,
        fit,
        ..BackgroundOptions::default()
    };
    let bg = place.run(&avoid, |ws| Ok(fit_background_in(data, &o, scratch, ws)?))?;
    let m = SimstatMixture {
        scale: SimstatScoreScale::from(bg.scale) as u32,
        ..(&bg.fit).into()
    };
    write(out, m)
}

/// Tail p-values P(S ≥ s) of `n` raw cosine scores under a background from
/// `simstat_fit_background` (the whole mixture is the background, read on the Fisher-z scale:
/// the tail probability of a random corpus row's score), into `out` (`out == scores` allowed).
/// A cosine-scale mixture is `SIMSTAT_STATUS_WRONG_SCALE`.
#[no_mangle]
pub extern "C" fn simstat_background_p_values(
    mixture: *const SimstatMixture,
    scores: *const f64,
    n: usize,
    out: *mut f64,
) -> SimstatStatus {
    status(
        background_calibrator(mixture)
            .and_then(|cal| map_slices(scores, n, out, |s| cal.p_value(s))),
    )
}

/// Benjamini–Hochberg cut-off at FDR level `q` over `n` raw cosine scores under a background
/// from `simstat_fit_background` (as `simstat_background_p_values`); `scratch` holds
/// `scratch_len ≥ n` doubles.
#[no_mangle]
pub extern "C" fn simstat_background_fdr_cutoff(
    mixture: *const SimstatMixture,
    scores: *const f64,
    n: usize,
    q: f64,
    scratch: *mut f64,
    scratch_len: usize,
    out: *mut SimstatFdrCutoff,
) -> SimstatStatus {
    status(
        background_calibrator(mixture)
            .and_then(|cal| fdr_into(&cal, scores, n, q, scratch, scratch_len, out)),
    )
}

/// How many of one query's top-ranked scores to return (`calibrate::cut`; 0 = nothing
/// relevant): `scores` are its `n` cosine similarities with every corpus row, hits included;
/// `rule` is a `SimstatCutRule` code (another value is `SIMSTAT_STATUS_BAD_PARAMETER`) and
/// `param` its parameter (NaN: the rule's default — ratio 0.65, q 0.05, level 0.5); `scratch`
/// holds `scratch_len ≥ n` doubles. Writes the list length to `out_keep` and the smallest kept
/// score (+inf when none) to `out_threshold`.
///
/// Stack: the default rule needs no workspace (a few KiB of stack); the model-based rules put
/// the background fit's workspace (578 KiB) on this call's own stack (the C face has no
/// allocator): for large stacks only; on a small one call [`simstat_cut_in`].
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub extern "C" fn simstat_cut(
    scores: *const f64,
    n: usize,
    rule: u32,
    param: f64,
    scratch: *mut f64,
    scratch_len: usize,
    out_keep: *mut usize,
    out_threshold: *mut f64,
) -> SimstatStatus {
    let (scratch, outs) = ((scratch, scratch_len), (out_keep, out_threshold));
    status(cut_at(
        (scores, n),
        (rule, param),
        scratch,
        Place::Stack,
        outs,
    ))
}

/// [`simstat_cut`] in caller memory: `workspace` holds at least
/// `simstat_mixture_workspace_size()` bytes aligned to `simstat_mixture_workspace_align()` (e.g.
/// a static buffer on a microcontroller), overlapping none of the other arguments; it is
/// checked for every rule and used by the model-based ones. Nothing is allocated and the
/// call's own stack stays under 16 KiB for every rule (the Rust `calibrate::cut_in`, measured
/// on a Cortex-M4F). The same decision, bit for bit. Errors as [`simstat_cut`];
/// `SIMSTAT_STATUS_NULL_POINTER` for a null workspace, `SIMSTAT_STATUS_BAD_LENGTH` for a
/// short, misaligned or overlapping one.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub extern "C" fn simstat_cut_in(
    scores: *const f64,
    n: usize,
    rule: u32,
    param: f64,
    scratch: *mut f64,
    scratch_len: usize,
    workspace: *mut u8,
    workspace_len: usize,
    out_keep: *mut usize,
    out_threshold: *mut f64,
) -> SimstatStatus {
    let (scratch, outs) = ((scratch, scratch_len), (out_keep, out_threshold));
    let ws = Place::Caller(workspace, workspace_len);
    status(cut_at((scores, n), (rule, param), scratch, ws, outs))
}

/// The cut of [`simstat_cut`] / [`simstat_cut_in`] with the model rules' workspace at `place`.
fn cut_at(
    (scores, n): (*const f64, usize),
    (rule, param): (u32, f64),
    (scratch, scratch_len): (*mut f64, usize),
    place: Place,
    (out_keep, out_threshold): (*mut usize, *mut f64),
) -> Result<(), SimstatStatus> {
    let avoid = [
        region(scores, n),
        region(scratch.cast_const(), scratch_len),
        region(out_keep.cast_const(), 1),
        region(out_threshold.cast_const(), 1),
    ];
    let (scores, scratch) = input_and_scratch((scores, n), (scratch, scratch_len))?;
    if out_keep.is_null() || out_threshold.is_null() {
        return Err(SimstatStatus::NullPointer);
    }
    let opts = CutOptions {
        rule: SimstatCutRule::try_from(rule)?.with_param(param),
        ..CutOptions::default()
    };
    let c = if matches!(opts.rule, CutRule::RelativeExcess { .. }) {
        // the workspace is checked for every rule, used (and checked there) by the model ones
        place.check(&avoid)?;
        cut(scores, &opts, scratch)?
    } else {
        place.run(&avoid, |ws| Ok(cut_in(scores, &opts, scratch, ws)?))?
    };
    write(out_keep, c.keep())?;
    write(out_threshold, c.threshold())
}
