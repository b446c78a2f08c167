//! Leaves fit to merge: an over-fitted gamma mixture's components as dendrogram leaves, each
//! re-projected onto the fit interval, with the atoms that carry no information absorbed.
//!
//! ## The rule ([`LeafRule`], applied by [`select_order`](super::select_order))
//! 1. **Mass outside the interval.** A fitted component is a gamma *truncated* to [lo, hi]; its
//!    untruncated moments can lie far outside (an atom of weight 3e-4 with mean 10.4 was
//!    measured), and a moment merge would carry them into its partner. Every component whose
//!    interval mass Z is below 1 − 1e-9 is replaced by the shifted gamma with the mean,
//!    variance and third central moment of its truncated law (E[(x − c)^k | lo ≤ x ≤ hi] =
//!    (α)_k λ^{−k} Z(α + k)/Z(α)), its shift kept at or below the component's effective
//!    support start so that it covers the same points.
//! 2. **Atoms that carry no information** are absorbed, one at a time (duplicates first, then
//!    the smallest weight first), into their nearest atom in the (unweighted) chart (the moment merge of [`GammaAtom`], which covers
//!    both supports), before the dendrogram is built, so that they cannot set a height or a
//!    level's likelihood:
//!    * *negligible*: expected count N·p below [`LeafRule::min_count`] (default 10: fewer
//!      points than ~2 per parameter of an atom cannot be told from noise);
//!    * *point mass*: sd below [`LeafRule::min_relative_sd`] × the mixture sd (default 1e-3):
//!      a component collapsing onto one value, where the likelihood of a shifted gamma is
//!      unbounded (measured: rate 5e12 on one point, +23 nats to the over-fit's likelihood);
//!    * *duplicate*: within [`LeafRule::duplicate_distance`] of another atom in the
//!      (unweighted) chart (the fitter returns exact copies of a component).
//!
//!    Atoms at the shape cap need nothing: in the cumulant chart an atom at the cap is the
//!    normal limit, a regular point, and merges by moments like any other.
//!
//! The over-fit's remaining defect — an atom that straddles two clusters in a poor local
//! optimum — is not an atom-level property; the refit of each level
//! ([`DscOptions::refit`](super::DscOptions::refit), polished from several starts) is what repairs it.
use super::gamma_atoms::{project_moments, GammaAtom, MERGE_SHAPE_CAP};
use super::merge::Atom;
use super::SelectError;
use crate::dist::TruncatedShiftedGamma;
use crate::fit::{MixtureFit, MAX_COMPONENTS};

/// The rule that turns an over-fitted mixture's components into dendrogram leaves (module docs).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LeafRule {
    /// Smallest expected count N·p a leaf must carry (default 10; 0 keeps every atom).
    pub min_count: f64,
    /// Smallest sd of a leaf relative to the sd of the whole mixture (default 1e-3; 0 keeps
    /// point masses).
    pub min_relative_sd: f64,
    /// Two atoms closer than this in the unweighted chart (units of the mixture sd) are
    /// duplicates (default 1e-6; 0 keeps duplicates).
    pub duplicate_distance: f64,
    /// Replace components with interval mass < 1 − 1e-9 by the moments of their truncated law
    /// (default true).
    pub truncate: bool,
}

impl Default for LeafRule {
    fn default() -> Self {
        LeafRule {
            min_count: 10.0,
            min_relative_sd: 1e-3,
            duplicate_distance: 1e-6,
            truncate: true,
        }
    }
}

impl LeafRule {
    /// The rule that keeps every component as it is (the paper's pipeline: the over-fit's atoms
    /// are the leaves).
    pub fn keep_all() -> Self {
        LeafRule {
            min_count: 0.0,
            min_relative_sd: 0.0,
            duplicate_distance: 0.0,
            truncate: false,
        }
    }

    fn validate(&self) -> Result<(), SelectError> {
        let ok = |x: f64| x.is_finite() && x >= 0.0;
        if ok(self.min_count) && ok(self.min_relative_sd) && ok(self.duplicate_distance) {
            Ok(())
        } else {
            Err(SelectError::InvalidParameter)
        }
    }
}

/// Why a component was absorbed before the dendrogram was built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum AbsorbReason {
    /// Expected count N·p below [`LeafRule::min_count`].
    Negligible,
    /// sd below [`LeafRule::min_relative_sd`] × the mixture sd.
    PointMass,
    /// Within [`LeafRule::duplicate_distance`] of another atom.
    Duplicate,
}

/// What the rule did with one component of the over-fit (by its index in the fit).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum LeafFate {
    /// A leaf of the dendrogram, as fitted.
    #[default]
    Kept,
    /// A leaf, replaced by the moments of its truncated law (rule 1).
    Reprojected,
    /// Absorbed into the leaf that holds the component with index `into`.
    Absorbed {
        /// Index (in the fit) of the component it was merged into.
        into: usize,
        /// Which part of the rule applied.
        reason: AbsorbReason,
    },
}

/// The leaves made from a fit and what happened to each component.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Leaves {
    pub atoms: [GammaAtom; MAX_COMPONENTS],
    pub len: usize,
    pub fate: [LeafFate; MAX_COMPONENTS],
}

/// E[Y^k] for k = 1..3 (Y = X − c) of a component truncated to its interval, or `None` when a
/// normaliser cannot be computed.
fn truncated_raw_moments(c: &TruncatedShiftedGamma) -> Option<[f64; 3]> {
    let (a, l, sh, lo, hi) = (c.shape(), c.rate(), c.shift(), c.lo(), c.hi());
    let z0 = c.normaliser();
    let mut out = [0.0; 3];
    let mut poch = 1.0;
    for (k, o) in out.iter_mut().enumerate() {
        let kf = k as f64;
        poch *= (a + kf) / l;
        let zk = TruncatedShiftedGamma::new(a + kf + 1.0, l, sh, lo, hi)
            .ok()?
            .normaliser();
        *o = poch * zk / z0;
        if !o.is_finite() {
            return None;
        }
    }
    Some(out)
}

/// The atom of a component: its own parameters, or (rule 1) the moments of its truncated law.
fn leaf_atom(w: f64, c: &TruncatedShiftedGamma, truncate: bool) -> (GammaAtom, bool) {
    let plain = GammaAtom::new(w, c.shape(), c.rate(), c.shift());
    if !truncate || c.normaliser() >= 1.0 - 1e-9 {
        return (plain, false);
    }
    let Some([m1, m2, m3]) = truncated_raw_moments(c) else {
        return (plain, false);
    };
    let var = m2 - m1 * m1;
    let k3 = m3 - 3.0 * m1 * m2 + 2.0 * m1 * m1 * m1;
    let cap = MERGE_SHAPE_CAP.max(c.shape());
    match project_moments(c.shift() + m1, var, k3, plain.support_start(), cap) {
        Ok((shape, rate, shift)) => {
            let a = GammaAtom::new(w, shape, rate, shift);
            if a.validate().is_ok() {
                (a, true)
            } else {
                (plain, false)
            }
        }
        Err(_) => (plain, false),
    }
}

/// Euclidean distance of two atoms in the chart ([`GammaAtom::chart`], no weight factor).
pub(crate) fn chart_distance(a: &GammaAtom, b: &GammaAtom) -> f64 {
    let (x, y) = (a.chart(), b.chart());
    libm::sqrt(x.iter().zip(y.iter()).map(|(p, q)| (p - q) * (p - q)).sum())
}

/// Apply `rule` to the components of `fit` (N = `n` observations).
pub(crate) fn make_leaves(
    fit: &MixtureFit,
    n: usize,
    rule: &LeafRule,
) -> Result<Leaves, SelectError> {
    rule.validate()?;
    let k = fit.len();
    if k == 0 {
        return Err(SelectError::TooFewAtoms);
    }
    if k > MAX_COMPONENTS {
        return Err(SelectError::TooManyAtoms {
            capacity: MAX_COMPONENTS,
        });
    }
    let mut out = Leaves {
        atoms: [GammaAtom::default(); MAX_COMPONENTS],
        len: k,
        fate: [LeafFate::Kept; MAX_COMPONENTS],
    };
    // origin[i]: index in the fit of the component leaf i started from
    let mut origin = [0usize; MAX_COMPONENTS];
    for (i, ((slot, o), (c, &w))) in out
        .atoms
        .iter_mut()
        .zip(origin.iter_mut())
        .zip(fit.components().iter().zip(fit.weights()))
        .enumerate()
    {
        let (a, moved) = leaf_atom(w, c, rule.truncate);
        *slot = a;
        *o = i;
        if moved {
            out.fate[i] = LeafFate::Reprojected;
        }
    }
    let nf = n as f64;
    // standardise, then absorb one flagged atom, until none is flagged or one atom is left
    loop {
        let atoms = out
            .atoms
            .get_mut(..out.len)
            .ok_or(SelectError::TooManyAtoms {
                capacity: MAX_COMPONENTS,
            })?;
        GammaAtom::standardise(atoms)?;
        if atoms.len() <= 1 {
            break;
        }
        // duplicates first (merging a copy changes nothing else), then the flagged atom with
        // the smallest weight
        let mut pick: Option<(usize, AbsorbReason)> = None;
        for (i, a) in atoms.iter().enumerate() {
            let twin = atoms.iter().enumerate().any(|(j, b)| {
                j != i
                    && chart_distance(a, b) < rule.duplicate_distance
                    && (b.weight > a.weight || (b.weight == a.weight && j < i))
            });
            if twin {
                pick = Some((i, AbsorbReason::Duplicate));
                break;
            }
        }
        if pick.is_none() {
            for (i, a) in atoms.iter().enumerate() {
                let reason = if nf * a.weight < rule.min_count {
                    Some(AbsorbReason::Negligible)
                } else if a.sd() < rule.min_relative_sd * a.scale {
                    Some(AbsorbReason::PointMass)
                } else {
                    None
                };
                if let Some(r) = reason {
                    if pick.is_none_or(|(p, _)| a.weight < atoms[p].weight) {
                        pick = Some((i, r));
                    }
                }
            }
        }
        let Some((i, reason)) = pick else {
            break;
        };
        let a = atoms[i];
        let mut best = (usize::MAX, f64::INFINITY);
        for (j, b) in atoms.iter().enumerate() {
            let d = chart_distance(&a, b);
            if j != i && d < best.1 {
                best = (j, d);
            }
        }
        let j = best.0;
        let partner = atoms.get(j).copied().ok_or(SelectError::NumericalFailure)?;
        let merged = partner.merge(&a)?;
        atoms[j] = merged;
        if let (Some(f), Some(&into)) = (out.fate.get_mut(origin[i]), origin.get(j)) {
            *f = LeafFate::Absorbed { into, reason };
        }
        out.atoms.copy_within(i + 1..out.len, i);
        origin.copy_within(i + 1..out.len, i);
        out.len -= 1;
    }
    Ok(out)
}
