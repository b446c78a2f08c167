//! Order selection in one call: over-fitted gamma mixture → leaves → dendrogram → DSC, AIC,
//! BIC, ICL → the merged mixture of any level as a [`MixtureFit`].
use core::fmt;

use super::criteria::{Criteria, LevelFit, LevelLikelihood};
use super::dendrogram::{Dendrogram, MergeStep};
use super::dsc::{DscOptions, LevelRefit};
use super::gamma_atoms::{GammaAtom, GammaLevelLikelihood};
use super::leaves::{chart_distance, make_leaves, LeafFate};
use super::merge::Atom;
use super::SelectError;
use crate::dist::TruncatedShiftedGamma;
use crate::fit::mixture::refit_in_slot;
use crate::fit::{FitOptions, MixtureFit, MixtureOptions, MixtureWorkspace, MAX_COMPONENTS};

/// Number of atoms over all levels 1..=16 (level κ holds κ atoms).
const LEVEL_SLOTS: usize = MAX_COMPONENTS * (MAX_COMPONENTS + 1) / 2;

/// First slot of level κ in the flat per-level atom store.
fn level_offset(kappa: usize) -> usize {
    kappa * (kappa - 1) / 2
}

/// The result of [`select_order`]: the dendrogram of the over-fit's leaves, every level's
/// criteria, the rule's record of the leaves, and every level's (refitted) atoms.
#[derive(Debug, Clone)]
pub struct Selection {
    dendrogram: Dendrogram<GammaAtom, MAX_COMPONENTS>,
    criteria: Criteria<MAX_COMPONENTS>,
    /// (weight, shape, rate, shift) of every level's evaluated atoms, level κ at
    /// `level_offset(κ)..level_offset(κ) + κ`.
    levels: [[f64; 4]; LEVEL_SLOTS],
    fate: [LeafFate; MAX_COMPONENTS],
    k_fit: usize,
    lo: f64,
    hi: f64,
    n: usize,
    overfit_converged: bool,
    overfit_gradient: f64,
}

/// A [`GammaLevelLikelihood`] that also stores each level's evaluated atoms.
struct Recorder<'a, 'b, const BINS: usize, const SAMPLE: usize> {
    lik: GammaLevelLikelihood<'a>,
    /// Where the level polishes keep their start, the optimiser's buffers and their result.
    ws: &'b mut MixtureWorkspace<BINS, SAMPLE>,
    /// The smallest data value (every level must have an atom whose support starts below it).
    x_min: f64,
    refit: LevelRefit,
    levels: &'b mut [[f64; 4]; LEVEL_SLOTS],
}

/// The atoms of level κ in a flat per-level store (zero-padded to the capacity).
fn level_atoms(levels: &[[f64; 4]; LEVEL_SLOTS], kappa: usize) -> [GammaAtom; MAX_COMPONENTS] {
    let off = level_offset(kappa);
    let mut out = [GammaAtom::default(); MAX_COMPONENTS];
    for (a, p) in out
        .iter_mut()
        .zip(levels.get(off..off + kappa).unwrap_or(&[]))
    {
        *a = GammaAtom::new(p[0], p[1], p[2], p[3]);
    }
    out
}

/// [`mixture_of`] written into `out` (out of line, so its temporaries are not on the stack
/// of the fit that follows).
#[inline(never)]
fn mixture_into(
    atoms: &[GammaAtom],
    lo: f64,
    hi: f64,
    (n, ll): (u64, f64),
    out: &mut MixtureFit,
) -> Option<()> {
    let k = atoms.len();
    let first = TruncatedShiftedGamma::new(1.0, 1.0, lo - 1.0, lo, hi).ok()?;
    let mut comps = [first; MAX_COMPONENTS];
    let mut weights = [0.0; MAX_COMPONENTS];
    for ((c, w), a) in comps.iter_mut().zip(weights.iter_mut()).zip(atoms) {
        *c = TruncatedShiftedGamma::new(a.shape, a.rate, a.shift, lo, hi).ok()?;
        *w = a.weight;
    }
    out.set_from_components(weights.get(..k)?, comps.get(..k)?, n, ll)
        .ok()
}

/// The fit's components as atoms, into `out` (its leading `fit.len()` slots).
fn atoms_of(fit: &MixtureFit, out: &mut [GammaAtom; MAX_COMPONENTS]) {
    for (o, (c, &w)) in out
        .iter_mut()
        .zip(fit.components().iter().zip(fit.weights()))
    {
        *o = GammaAtom::new(w, c.shape(), c.rate(), c.shift());
    }
}

/// A level polish in `ws` (the start and the fit in its slot, neither on this stack), its
/// atoms into `out`.
fn polish_in<const BINS: usize, const SAMPLE: usize>(
    data: &[f64],
    start: &[GammaAtom],
    (lo, hi): (f64, f64),
    (opts, mo): (&FitOptions, &MixtureOptions),
    ws: &mut MixtureWorkspace<BINS, SAMPLE>,
    out: &mut [GammaAtom; MAX_COMPONENTS],
) -> Option<()> {
    mixture_into(start, lo, hi, (0, f64::NAN), &mut ws.slot)?;
    refit_in_slot(data, opts, mo, ws).ok()?;
    atoms_of(&ws.slot, out);
    Some(())
}

/// The atoms as a [`MixtureFit`] truncated to [lo, hi] (`None` when an atom has no computable
/// mass there).
fn mixture_of(atoms: &[GammaAtom], lo: f64, hi: f64, n: u64, ll: f64) -> Option<MixtureFit> {
    let mut fit = MixtureFit::placeholder();
    mixture_into(atoms, lo, hi, (n, ll), &mut fit)?;
    Some(fit)
}

impl<const BINS: usize, const SAMPLE: usize> Recorder<'_, '_, BINS, SAMPLE> {
    /// Store the evaluated atoms of level `k`.
    fn store(&mut self, k: usize, atoms: &[GammaAtom]) -> Result<(), SelectError> {
        let off = level_offset(k);
        let dst = self
            .levels
            .get_mut(off..off + k)
            .ok_or(SelectError::TooManyAtoms {
                capacity: MAX_COMPONENTS,
            })?;
        for (d, a) in dst.iter_mut().zip(atoms) {
            *d = [a.weight, a.shape, a.rate, a.shift];
        }
        Ok(())
    }

    /// Make level κ the given fit and atoms (a better polish found by a repair pass).
    fn replace(
        &mut self,
        dendrogram: &mut Dendrogram<GammaAtom, MAX_COMPONENTS>,
        kappa: usize,
        fit: LevelFit,
        atoms: &[GammaAtom],
    ) -> Result<(), SelectError> {
        self.store(kappa, atoms)?;
        if let Some(slot) = dendrogram.fits.get_mut(kappa - 1) {
            *slot = Some(fit);
        }
        Ok(())
    }

    /// `start` (coverage-repaired) polished to the likelihood optimum next to it and evaluated:
    /// the level's fit (its atoms into `out`), or `None` when the polish or the evaluation
    /// fails.
    fn polish(
        &mut self,
        start: &[GammaAtom],
        max_passes: usize,
        out: &mut [GammaAtom; MAX_COMPONENTS],
    ) -> Option<LevelFit> {
        let k = start.len();
        let mut polished = [GammaAtom::default(); MAX_COMPONENTS];
        self.polish_fit(start, max_passes, &mut polished)?;
        self.lik.evaluate_into(polished.get(..k)?, out).ok()
    }

    /// The maximum-likelihood polish of [`Recorder::polish`], its atoms into `polished` (out
    /// of line: the evaluation's buffers are not on the stack while it runs, nor the fits
    /// while the level is evaluated).
    #[inline(never)]
    fn polish_fit(
        &mut self,
        start: &[GammaAtom],
        max_passes: usize,
        polished: &mut [GammaAtom; MAX_COMPONENTS],
    ) -> Option<()> {
        let (lo, hi) = self.lik.interval();
        let k = start.len();
        let mut covered = [GammaAtom::default(); MAX_COMPONENTS];
        for (c, a) in covered.iter_mut().zip(start) {
            *c = *a;
        }
        let covered = covered.get_mut(..k)?;
        cover(covered, self.x_min);
        let opts = FitOptions {
            lo,
            hi,
            max_passes: max_passes.max(1),
            ..FitOptions::default()
        };
        let mo = MixtureOptions::default();
        let data = self.lik.data();
        polish_in(data, covered, (lo, hi), (&opts, &mo), self.ws, polished)
    }
}

/// Coverage repair: moment merges and the truncated-moment projection keep shifts at or below
/// the atoms' effective support starts max(c, μ − 8σ), which can lie above an outlier that only
/// a far tail covered (measured: 1 % uniform noise, a point at −0.99). When no atom's support
/// starts below the smallest value, the atom with the lowest shift gets its shift just below
/// that value, with its mean and variance kept (α = m²/σ², λ = α/m, m = μ − c).
fn cover(atoms: &mut [GammaAtom], x_min: f64) {
    let Some(low) = (0..atoms.len()).min_by(|&i, &j| atoms[i].shift.total_cmp(&atoms[j].shift))
    else {
        return;
    };
    let a = atoms[low];
    if a.shift < x_min {
        return;
    }
    let c = x_min - 1e-9 * x_min.abs().max(1.0);
    let (mean, sd) = (a.mean(), a.sd());
    let m = mean - c;
    if !(m > 0.0 && sd > 0.0) {
        return;
    }
    let shape = m * m / (sd * sd);
    let fixed = GammaAtom {
        shape,
        rate: shape / m,
        shift: c,
        ..a
    };
    if fixed.validate().is_ok() {
        atoms[low] = fixed;
    }
}

impl<const BINS: usize, const SAMPLE: usize> LevelLikelihood<GammaAtom>
    for Recorder<'_, '_, BINS, SAMPLE>
{
    fn evaluate(&mut self, atoms: &[GammaAtom]) -> Result<LevelFit, SelectError> {
        let k = atoms.len();
        let mut covered = [GammaAtom::default(); MAX_COMPONENTS];
        for (c, a) in covered.iter_mut().zip(atoms) {
            *c = *a;
        }
        let atoms = covered.get_mut(..k).ok_or(SelectError::TooManyAtoms {
            capacity: MAX_COMPONENTS,
        })?;
        cover(atoms, self.x_min);
        let atoms: &[GammaAtom] = atoms;
        let mut out = [GammaAtom::default(); MAX_COMPONENTS];
        let mut fit = self.lik.evaluate_into(atoms, &mut out)?;
        self.store(k, &out)?;
        if let LevelRefit::Mle { max_passes } | LevelRefit::MleNested { max_passes } = self.refit {
            // `out` reused for the polished atoms (stored over the others when better)
            if let Some(f2) = self.polish(atoms, max_passes, &mut out) {
                if f2.log_likelihood >= fit.log_likelihood {
                    fit = f2;
                    self.store(k, &out)?;
                }
            }
        }
        Ok(fit)
    }
}

/// The top-down repair of polished levels: level κ is also polished from level κ + 1 with its
/// lightest atom merged (moment merge) into its nearest atom in the chart — the (κ + 1)-level
/// solution minus its weakest component, where the dendrogram's merge may have joined two real
/// clusters instead (measured: four clusters, level 4 at 80 nats below level 5) — and the better
/// polish is kept.
fn annihilate_pass<const BINS: usize, const SAMPLE: usize>(
    dendrogram: &mut Dendrogram<GammaAtom, MAX_COMPONENTS>,
    rec: &mut Recorder<'_, '_, BINS, SAMPLE>,
    max_passes: usize,
) -> Result<(), SelectError> {
    for kappa in (1..dendrogram.k0()).rev() {
        let Some(here) = dendrogram.fit(kappa) else {
            continue;
        };
        let mut above = level_atoms(rec.levels, kappa + 1);
        let above = above
            .get_mut(..kappa + 1)
            .ok_or(SelectError::LevelOutOfRange)?;
        if GammaAtom::standardise(above).is_err() {
            continue;
        }
        let light = (0..above.len()).fold(0, |m, i| {
            if above[i].weight < above[m].weight {
                i
            } else {
                m
            }
        });
        let a = above[light];
        let Some(near) = (0..above.len()).filter(|&j| j != light).min_by(|&i, &j| {
            chart_distance(&a, &above[i]).total_cmp(&chart_distance(&a, &above[j]))
        }) else {
            continue;
        };
        let Ok(merged) = above[near].merge(&a) else {
            continue;
        };
        above[near] = merged;
        let mut start = [GammaAtom::default(); MAX_COMPONENTS];
        for (s, b) in start
            .iter_mut()
            .zip(above.iter().enumerate().filter(|(i, _)| *i != light))
        {
            *s = *b.1;
        }
        let mut out = [GammaAtom::default(); MAX_COMPONENTS];
        if let Some(f) = rec.polish(start.get(..kappa).unwrap_or(&[]), max_passes, &mut out) {
            if f.log_likelihood > here.log_likelihood {
                rec.replace(dendrogram, kappa, f, &out)?;
            }
        }
    }
    Ok(())
}

/// The nested check of polished levels, bottom-up: a κ-component optimum is never below the
/// (κ − 1)-component one, so a level whose polished likelihood is below the level under it
/// ended in a poor local optimum (its merged atoms grouped the wrong pair; measured: a level 3
/// 38 nats below level 2). It is polished again from the level under it with an atom split in
/// two (same mean and sd, shapes ×0.9 and ×1.1: the (κ − 1) likelihood by construction): the
/// heaviest, and with `always` (every level, not only the non-monotone ones) also the one
/// holding the most variance p·σ². The best polish is kept.
fn nested_pass<const BINS: usize, const SAMPLE: usize>(
    dendrogram: &mut Dendrogram<GammaAtom, MAX_COMPONENTS>,
    rec: &mut Recorder<'_, '_, BINS, SAMPLE>,
    max_passes: usize,
    always: bool,
) -> Result<(), SelectError> {
    for kappa in 2..=dendrogram.k0() {
        let (Some(low), Some(here)) = (dendrogram.fit(kappa - 1), dendrogram.fit(kappa)) else {
            continue;
        };
        if !always && here.log_likelihood >= low.log_likelihood {
            continue;
        }
        let below = level_atoms(rec.levels, kappa - 1);
        let below = below.get(..kappa - 1).unwrap_or(&[]);
        let argmax = |f: &dyn Fn(&GammaAtom) -> f64| {
            (0..below.len()).fold(0, |m, i| if f(&below[i]) > f(&below[m]) { i } else { m })
        };
        let heavy = argmax(&|a| a.weight);
        let wide = argmax(&|a| a.weight * a.sd() * a.sd());
        let splits = if always && wide != heavy { 2 } else { 1 };
        let mut best: Option<(LevelFit, [GammaAtom; MAX_COMPONENTS])> = None;
        for &split in [heavy, wide].iter().take(splits) {
            let mut start = [GammaAtom::default(); MAX_COMPONENTS];
            for (s, b) in start.iter_mut().zip(below) {
                *s = *b;
            }
            let h = below.get(split).copied().unwrap_or_default();
            let (mean, sd) = (h.mean(), h.sd());
            for (slot, f) in [(split, 0.9), (kappa - 1, 1.1)] {
                let shape = h.shape * f;
                let rate = libm::sqrt(shape) / sd;
                let shift = (mean - shape / rate).min(h.shift);
                if let Some(s) = start.get_mut(slot) {
                    *s = GammaAtom::new(0.5 * h.weight, shape, rate, shift);
                }
            }
            let mut out = [GammaAtom::default(); MAX_COMPONENTS];
            if let Some(f) = rec.polish(start.get(..kappa).unwrap_or(&[]), max_passes, &mut out) {
                let bar = best
                    .as_ref()
                    .map_or(here.log_likelihood, |b| b.0.log_likelihood);
                if f.log_likelihood > bar {
                    best = Some((f, out));
                }
            }
        }
        if let Some((f, out)) = best {
            rec.replace(dendrogram, kappa, f, &out)?;
        }
    }
    Ok(())
}

/// Choose the order of a gamma mixture from one over-fitted fit, without a sweep.
///
/// `fit` is an over-specified mixture of `data` (e.g. `fit_mixture(data, 8, ..)`; its
/// components' common interval [lo, hi] is the model's); `data` is the sample it was fitted to.
/// The pipeline, all of it here so no caller writes it again:
/// 1. the components become leaves by the documented [`LeafRule`](super::LeafRule) of
///    `opts.leaves` (truncated moments; negligible, point-mass and duplicate atoms absorbed);
/// 2. [`Dendrogram::build`] merges them pair by pair (standardised chart, moment merge);
/// 3. every level is evaluated on `data`, after the refit `opts.refit` names;
/// 4. DSC, AIC, BIC and ICL per level ([`Dendrogram::criteria`] with `opts.omega`,
///    `opts.kappa_one`).
///
/// [`Selection::mixture`] returns the (refitted) mixture of any level as a [`MixtureFit`].
///
/// ```
/// use simstat::fit::{fit_mixture, FitOptions};
/// use simstat::select::{select_order, DscOptions};
/// // two clusters of gamma quantiles (deterministic)
/// let q = |a: f64, l: f64, c: f64, n: usize| -> Vec<f64> {
///     (0..n).map(|i| c + simstat::special::gamma_p_inv(a, (i as f64 + 0.5) / n as f64) / l).collect()
/// };
/// let mut data = q(16.0, 80.0, -0.3, 1200);
/// data.extend(q(16.0, 80.0, 0.2, 800));
/// let over = fit_mixture(&data, 6, &FitOptions::default()).unwrap();
/// let sel = select_order(&over, &data, &DscOptions::default()).unwrap();
/// assert_eq!(sel.dsc_choice(), 2);
/// let chosen = sel.mixture(sel.dsc_choice()).unwrap(); // a MixtureFit
/// assert_eq!(chosen.len(), 2);
/// assert!(chosen.ln_pdf(0.0).is_finite());
/// ```
///
/// # Errors
/// [`SelectError::TooFewSamples`] (empty data), [`SelectError::NonFinite`] /
/// [`SelectError::OutOfInterval`] (a data value NaN or outside the fit's interval, with its
/// index),
/// [`SelectError::InvalidParameter`] (components on different intervals, a bad option), or a
/// numerical failure of a merge or a level.
///
/// Memory (feature `alloc`, on by default): allocates one [`MixtureWorkspace`] on the heap per
/// call for the level polishes (its own stack stays bounded, as [`select_order_in`]'s);
/// [`select_order_in`] works in one you keep.
// Inlined into the caller so that the selection is built in the caller's result slot.
#[cfg(feature = "alloc")]
#[inline]
pub fn select_order(
    fit: &MixtureFit,
    data: &[f64],
    opts: &DscOptions,
) -> Result<Selection, SelectError> {
    select_order_impl(fit, data, opts, &mut <MixtureWorkspace>::boxed())
}

/// [`select_order`] with the level polishes' optimiser buffers in a caller-provided
/// [`MixtureWorkspace`] (each level polish's start, buffers and result): the same selection,
/// bit for bit, within 16 KiB of stack of its own (14.2 KiB measured on x86-64, besides the
/// 7.5 KiB selection it returns; `select_order` allocates the workspace instead; see
/// `tests/stack_budget.rs`).
///
/// # Errors
/// As [`select_order`].
// Inlined into the caller so that the selection is built in the caller's result slot.
#[inline]
pub fn select_order_in<const BINS: usize, const SAMPLE: usize>(
    fit: &MixtureFit,
    data: &[f64],
    opts: &DscOptions,
    ws: &mut MixtureWorkspace<BINS, SAMPLE>,
) -> Result<Selection, SelectError> {
    select_order_impl(fit, data, opts, ws)
}

/// The selection built in the result itself (in the caller's slot once this is inlined: no
/// selection-sized copy on the selection's stack).
#[inline(always)]
fn select_order_impl<const BINS: usize, const SAMPLE: usize>(
    fit: &MixtureFit,
    data: &[f64],
    opts: &DscOptions,
    ws: &mut MixtureWorkspace<BINS, SAMPLE>,
) -> Result<Selection, SelectError> {
    let mut result = Ok(Selection::BLANK);
    if let Ok(sel) = result.as_mut() {
        if let Err(e) = select_into(fit, data, opts, ws, sel) {
            result = Err(e);
        }
    }
    result
}

/// The leaves of `fit` (the leaf rule's fates into `sel.fate`) and their dendrogram (into
/// `sel.dendrogram`); out of line, so that its temporaries are not on the stack while the
/// levels are polished.
#[inline(never)]
fn build_leaves(
    fit: &MixtureFit,
    n: usize,
    opts: &DscOptions,
    sel: &mut Selection,
) -> Result<(), SelectError> {
    let leaves = make_leaves(fit, n, &opts.leaves)?;
    let atoms = leaves
        .atoms
        .get(..leaves.len)
        .ok_or(SelectError::TooManyAtoms {
            capacity: MAX_COMPONENTS,
        })?;
    sel.dendrogram = Dendrogram::<GammaAtom, MAX_COMPONENTS>::build(atoms)?;
    sel.fate = leaves.fate;
    Ok(())
}

/// [`select_order_impl`] into `sel`.
fn select_into<const BINS: usize, const SAMPLE: usize>(
    fit: &MixtureFit,
    data: &[f64],
    opts: &DscOptions,
    ws: &mut MixtureWorkspace<BINS, SAMPLE>,
    sel: &mut Selection,
) -> Result<(), SelectError> {
    let first = fit.get(0).ok_or(SelectError::TooFewAtoms)?;
    let (lo, hi) = (first.lo(), first.hi());
    if fit
        .components()
        .iter()
        .any(|c| c.lo() != lo || c.hi() != hi)
    {
        return Err(SelectError::InvalidParameter);
    }
    if data.is_empty() {
        return Err(SelectError::TooFewSamples { n: 0, needed: 1 });
    }
    if let Some(index) = data.iter().position(|x| !(*x >= lo && *x <= hi)) {
        if !data[index].is_finite() {
            return Err(SelectError::NonFinite { index });
        }
        return Err(SelectError::OutOfInterval {
            index,
            value: data[index],
            lo,
            hi,
        });
    }
    build_leaves(fit, data.len(), opts, sel)?;
    let Selection {
        dendrogram, levels, ..
    } = sel;
    *levels = [[f64::NAN; 4]; LEVEL_SLOTS];
    let mut rec = Recorder {
        ws,
        x_min: data.iter().copied().fold(f64::INFINITY, f64::min),
        lik: GammaLevelLikelihood::new(data, lo, hi)?.with_refit(match opts.refit {
            LevelRefit::Em { passes } => passes,
            _ => 0,
        }),
        refit: opts.refit,
        levels,
    };
    dendrogram.evaluate(&mut rec)?;
    match opts.refit {
        LevelRefit::Mle { max_passes } => nested_pass(dendrogram, &mut rec, max_passes, false)?,
        LevelRefit::MleNested { max_passes } => {
            annihilate_pass(dendrogram, &mut rec, max_passes)?;
            nested_pass(dendrogram, &mut rec, max_passes, true)?
        }
        _ => {}
    }
    sel.criteria = sel.dendrogram.criteria(opts)?;
    sel.k_fit = fit.len();
    (sel.lo, sel.hi, sel.n) = (lo, hi, data.len());
    sel.overfit_converged = fit.converged();
    sel.overfit_gradient = fit.gradient_norm();
    Ok(())
}

impl Selection {
    /// What a selection is built in (every field written before the selection is returned).
    const BLANK: Selection = Selection {
        dendrogram: Dendrogram {
            k0: 0,
            leaves: [GammaAtom::DEFAULT; MAX_COMPONENTS],
            merges: [MergeStep {
                slot_i: 0,
                slot_j: 0,
                node_i: 0,
                node_j: 0,
                height: 0.0,
                weight: 0.0,
            }; MAX_COMPONENTS],
            fits: [None; MAX_COMPONENTS],
        },
        criteria: Criteria {
            k0: 0,
            n_obs: 0,
            omega: 0.0,
            height: [0.0; MAX_COMPONENTS],
            mean_ll: [0.0; MAX_COMPONENTS],
            dsc: [0.0; MAX_COMPONENTS],
            aic: [0.0; MAX_COMPONENTS],
            bic: [0.0; MAX_COMPONENTS],
            icl: [0.0; MAX_COMPONENTS],
        },
        levels: [[f64::NAN; 4]; LEVEL_SLOTS],
        fate: [LeafFate::Kept; MAX_COMPONENTS],
        k_fit: 0,
        lo: 0.0,
        hi: 0.0,
        n: 0,
        overfit_converged: false,
        overfit_gradient: 0.0,
    };

    /// The order chosen by DSC.
    pub fn dsc_choice(&self) -> usize {
        self.criteria.dsc_choice()
    }
    /// The order chosen by AIC over the dendrogram's levels.
    pub fn aic_choice(&self) -> usize {
        self.criteria.aic_choice()
    }
    /// The order chosen by BIC over the dendrogram's levels.
    pub fn bic_choice(&self) -> usize {
        self.criteria.bic_choice()
    }
    /// The order chosen by ICL over the dendrogram's levels.
    pub fn icl_choice(&self) -> usize {
        self.criteria.icl_choice()
    }
    /// All criteria per level (curves indexed κ − 1: DSC, AIC, BIC, ICL, heights, mean
    /// log-likelihoods).
    pub fn criteria(&self) -> &Criteria<MAX_COMPONENTS> {
        &self.criteria
    }
    /// DSC per level, index κ − 1 (NaN where undefined, e.g. κ = 1 when excluded).
    pub fn dsc_curve(&self) -> &[f64] {
        self.criteria.dsc_curve()
    }
    /// AIC per level, index κ − 1.
    pub fn aic_curve(&self) -> &[f64] {
        self.criteria.aic_curve()
    }
    /// BIC per level, index κ − 1.
    pub fn bic_curve(&self) -> &[f64] {
        self.criteria.bic_curve()
    }
    /// ICL per level, index κ − 1.
    pub fn icl_curve(&self) -> &[f64] {
        self.criteria.icl_curve()
    }
    /// Merge heights h(κ), index κ − 1.
    pub fn height_curve(&self) -> &[f64] {
        self.criteria.height_curve()
    }
    /// Log-likelihood of level κ on the data (`None` outside 1..=leaves).
    pub fn log_likelihood(&self, level: usize) -> Option<f64> {
        self.dendrogram.fit(level).map(|f| f.log_likelihood)
    }
    /// The merges, in order (merge m takes level leaves − m to leaves − m − 1).
    pub fn merges(&self) -> &[MergeStep] {
        self.dendrogram.merges()
    }
    /// The dendrogram of the leaves (merged atoms, heights, per-level fits).
    pub fn dendrogram(&self) -> &Dendrogram<GammaAtom, MAX_COMPONENTS> {
        &self.dendrogram
    }
    /// Number of leaves (the over-fit's components left after the leaf rule); the highest level.
    pub fn leaves(&self) -> usize {
        self.dendrogram.k0()
    }
    /// What the leaf rule did with component `i` of the over-fit (`None` past its end).
    pub fn fate(&self, i: usize) -> Option<LeafFate> {
        self.fate.get(..self.k_fit).and_then(|f| f.get(i)).copied()
    }
    /// Number of the over-fit's components absorbed by the leaf rule.
    pub fn absorbed(&self) -> usize {
        self.k_fit - self.dendrogram.k0()
    }
    /// Whether the over-fit reported convergence ([`MixtureFit::converged`]).
    pub fn overfit_converged(&self) -> bool {
        self.overfit_converged
    }
    /// The over-fit's final projected-gradient norm ([`MixtureFit::gradient_norm`]).
    pub fn overfit_gradient_norm(&self) -> f64 {
        self.overfit_gradient
    }
    /// Number of observations N.
    pub fn n(&self) -> usize {
        self.n
    }

    /// The mixture of level `level` (1 ≤ level ≤ [`leaves`](Self::leaves)): the merged atoms,
    /// after the refit passes of the options, truncated to the fit's interval; its
    /// log-likelihood is the level's. Usable everywhere a fit is (ln pdf, responsibilities,
    /// calibration).
    ///
    /// # Errors
    /// [`SelectError::LevelOutOfRange`], or [`SelectError::NumericalFailure`] when an atom has
    /// no computable mass on the interval.
    pub fn mixture(&self, level: usize) -> Result<MixtureFit, SelectError> {
        if level == 0 || level > self.dendrogram.k0() {
            return Err(SelectError::LevelOutOfRange);
        }
        let atoms = level_atoms(&self.levels, level);
        let ll = self.log_likelihood(level).unwrap_or(f64::NAN);
        mixture_of(
            atoms.get(..level).ok_or(SelectError::LevelOutOfRange)?,
            self.lo,
            self.hi,
            self.n as u64,
            ll,
        )
        .ok_or(SelectError::NumericalFailure)
    }
}

impl fmt::Display for Selection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "order selection: {} components over-fitted ({}), {} leaves after the leaf rule",
            self.k_fit,
            if self.overfit_converged {
                "converged"
            } else {
                "not converged"
            },
            self.leaves()
        )?;
        write!(f, "{}", self.criteria)
    }
}
