//! The dendrogram of a mixing measure: K0 − 1 greedy merges, heights and per-level fits.
use super::criteria::{LevelFit, LevelLikelihood};
use super::merge::{write_json_number, Atom};
use super::SelectError;
use core::fmt;

/// One merge of the dendrogram (the step from level κ to κ − 1).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct MergeStep {
    /// Position of the first merged atom in the level's atom list (the merged atom takes it).
    pub slot_i: usize,
    /// Position of the second merged atom (`slot_i < slot_j`; removed, later atoms shift left).
    pub slot_j: usize,
    /// Node id of the first merged cluster: leaves are `0..K0`, merge m creates node `K0 + m`.
    pub node_i: usize,
    /// Node id of the second merged cluster.
    pub node_j: usize,
    /// Height: the weighted dissimilarity at which the merge happened.
    pub height: f64,
    /// Weight of the merged atom.
    pub weight: f64,
}

/// The atoms of one level (κ atoms in a fixed-capacity array).
#[derive(Debug, Clone, Copy)]
pub struct Level<A: Atom, const K: usize> {
    atoms: [A; K],
    len: usize,
}

impl<A: Atom, const K: usize> Level<A, K> {
    /// The atoms of the level.
    pub fn atoms(&self) -> &[A] {
        self.atoms.get(..self.len).unwrap_or(&[])
    }
    /// Number of atoms κ.
    pub fn len(&self) -> usize {
        self.len
    }
    /// Whether the level has no atom (never for a built dendrogram).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
    /// Apply one merge step in place.
    fn apply(&mut self, step: &MergeStep) -> Result<(), SelectError> {
        let (i, j) = (step.slot_i, step.slot_j);
        if !(i < j && j < self.len && self.len <= K) {
            return Err(SelectError::LevelOutOfRange);
        }
        let merged = self.atoms[i].merge(&self.atoms[j])?;
        self.atoms[i] = merged;
        self.atoms.copy_within(j + 1..self.len, j);
        self.len -= 1;
        Ok(())
    }
}

/// A dendrogram of mixing measures with capacity `K` atoms (K0 ≤ K).
///
/// Level κ (1 ≤ κ ≤ K0) is the mixture with κ atoms; merge `m` (0-based) takes level K0 − m to
/// K0 − m − 1. The leaves and the merge steps are stored; a level's atoms are replayed on demand
/// ([`Dendrogram::level`], O(K0²)). Log-likelihoods per level are filled by
/// [`Dendrogram::evaluate`].
///
/// ```
/// use simstat::select::{Dendrogram, GammaAtom};
/// let mut atoms = [
///     GammaAtom::new(0.3, 4.0, 20.0, 0.0),
///     GammaAtom::new(0.3, 4.2, 21.0, 0.0),
///     GammaAtom::new(0.4, 9.0, 20.0, 0.3),
/// ];
/// GammaAtom::standardise(&mut atoms).unwrap();
/// let d = Dendrogram::<GammaAtom, 16>::build(&atoms).unwrap();
/// assert_eq!(d.k0(), 3);
/// // the two near-identical atoms merge first
/// assert_eq!((d.merges()[0].node_i, d.merges()[0].node_j), (0, 1));
/// ```
#[derive(Debug, Clone)]
pub struct Dendrogram<A: Atom, const K: usize> {
    pub(crate) k0: usize,
    pub(crate) leaves: [A; K],
    pub(crate) merges: [MergeStep; K],
    pub(crate) fits: [Option<LevelFit>; K],
}

impl<A: Atom, const K: usize> Dendrogram<A, K> {
    /// Build the dendrogram of `atoms` (1 ≤ len ≤ K): prepare a copy of the leaves
    /// ([`Atom::prepare`]: for gamma atoms, weights normalised and the chart scale set), then
    /// repeatedly merge the pair with the smallest dissimilarity (first pair in (i, j) order on
    /// ties).
    ///
    /// # Errors
    /// [`SelectError::TooFewAtoms`] (empty), [`SelectError::TooManyAtoms`], an atom's
    /// validation error, or [`SelectError::NumericalFailure`] for a non-finite dissimilarity.
    #[allow(clippy::needless_range_loop)] // symmetric table updates read clearer with indices
    pub fn build(atoms: &[A]) -> Result<Self, SelectError> {
        let k0 = atoms.len();
        if k0 == 0 {
            return Err(SelectError::TooFewAtoms);
        }
        if k0 > K {
            return Err(SelectError::TooManyAtoms { capacity: K });
        }
        let mut leaves = [A::default(); K];
        for (slot, a) in leaves.iter_mut().zip(atoms) {
            a.validate()?;
            *slot = *a;
        }
        A::prepare(
            leaves
                .get_mut(..k0)
                .ok_or(SelectError::TooManyAtoms { capacity: K })?,
        )?;
        let mut cur = Level {
            atoms: leaves,
            len: k0,
        };
        let mut ids = [0usize; K];
        for (m, id) in ids.iter_mut().enumerate() {
            *id = m;
        }
        let mut table = [[0.0f64; K]; K];
        for i in 0..k0 {
            for j in (i + 1)..k0 {
                let d = cur.atoms[i].dissimilarity(&cur.atoms[j]);
                table[i][j] = d;
                table[j][i] = d;
            }
        }
        let mut merges = [MergeStep::default(); K];
        for (m, step_slot) in merges.iter_mut().enumerate().take(k0 - 1) {
            let n = cur.len;
            let (mut bi, mut bj, mut bd) = (0usize, 1usize, f64::INFINITY);
            for (i, row) in table.iter().enumerate().take(n) {
                for (j, &d) in row.iter().enumerate().take(n).skip(i + 1) {
                    if d < bd {
                        (bi, bj, bd) = (i, j, d);
                    }
                }
            }
            if !bd.is_finite() {
                return Err(SelectError::NumericalFailure);
            }
            let step = MergeStep {
                slot_i: bi,
                slot_j: bj,
                node_i: ids[bi],
                node_j: ids[bj],
                height: bd,
                weight: cur.atoms[bi].weight() + cur.atoms[bj].weight(),
            };
            cur.apply(&step)?;
            cur.atoms[bi].validate()?;
            ids[bi] = k0 + m;
            ids.copy_within(bj + 1..n, bj);
            // remove row/column bj, then refresh row/column bi
            for row in table.iter_mut().take(n) {
                row.copy_within(bj + 1..n, bj);
            }
            table.copy_within(bj + 1..n, bj);
            for k in 0..n - 1 {
                let d = if k == bi {
                    0.0
                } else {
                    cur.atoms[bi].dissimilarity(&cur.atoms[k])
                };
                table[bi][k] = d;
                table[k][bi] = d;
            }
            *step_slot = step;
        }
        Ok(Self {
            k0,
            leaves,
            merges,
            fits: [None; K],
        })
    }

    /// Number of leaves K0.
    pub fn k0(&self) -> usize {
        self.k0
    }

    /// The leaves (level K0).
    pub fn leaves(&self) -> &[A] {
        self.leaves.get(..self.k0).unwrap_or(&[])
    }

    /// The K0 − 1 merge steps, in order.
    pub fn merges(&self) -> &[MergeStep] {
        self.merges.get(..self.k0.saturating_sub(1)).unwrap_or(&[])
    }

    /// Height h(κ) of the merge that takes level κ to κ − 1 (`None` for κ = 1 or out of range).
    pub fn height(&self, kappa: usize) -> Option<f64> {
        if kappa < 2 || kappa > self.k0 {
            return None;
        }
        self.merges.get(self.k0 - kappa).map(|m| m.height)
    }

    /// The atoms of level κ (1 ≤ κ ≤ K0).
    ///
    /// # Errors
    /// [`SelectError::LevelOutOfRange`], or a merge error (cannot happen for a built dendrogram).
    pub fn level(&self, kappa: usize) -> Result<Level<A, K>, SelectError> {
        if kappa == 0 || kappa > self.k0 {
            return Err(SelectError::LevelOutOfRange);
        }
        let mut lv = Level {
            atoms: self.leaves,
            len: self.k0,
        };
        for step in self.merges().iter().take(self.k0 - kappa) {
            lv.apply(step)?;
        }
        Ok(lv)
    }

    /// Evaluate every level's log-likelihood (and classification entropy) with `lik`, from level
    /// K0 down to level 1.
    ///
    /// # Errors
    /// Whatever `lik` returns; a non-finite log-likelihood gives [`SelectError::NumericalFailure`].
    pub fn evaluate<L: LevelLikelihood<A>>(&mut self, lik: &mut L) -> Result<(), SelectError> {
        let mut lv = Level {
            atoms: self.leaves,
            len: self.k0,
        };
        for m in 0..self.k0 {
            let kappa = self.k0 - m;
            let fit = lik.evaluate(lv.atoms())?;
            if !fit.log_likelihood.is_finite() || !fit.entropy.is_finite() {
                return Err(SelectError::NumericalFailure);
            }
            if let Some(slot) = self.fits.get_mut(kappa - 1) {
                *slot = Some(fit);
            }
            if kappa > 1 {
                if let Some(step) = self.merges.get(m) {
                    lv.apply(step)?;
                }
            }
        }
        Ok(())
    }

    /// The evaluated fit of level κ (`None` before [`Dendrogram::evaluate`] or out of range).
    pub fn fit(&self, kappa: usize) -> Option<LevelFit> {
        if kappa == 0 || kappa > self.k0 {
            return None;
        }
        self.fits.get(kappa - 1).copied().flatten()
    }

    /// Write the dendrogram as JSON: leaves, merges and (when evaluated) the per-level fits.
    ///
    /// # Errors
    /// Propagates the writer's error.
    pub fn write_json(&self, w: &mut dyn fmt::Write) -> fmt::Result {
        write!(w, "{{\"k0\":{},\"leaves\":[", self.k0)?;
        for (i, a) in self.leaves().iter().enumerate() {
            if i > 0 {
                w.write_char(',')?;
            }
            w.write_char('{')?;
            a.write_json_fields(w)?;
            w.write_char('}')?;
        }
        w.write_str("],\"merges\":[")?;
        for (m, s) in self.merges().iter().enumerate() {
            if m > 0 {
                w.write_char(',')?;
            }
            write!(
                w,
                "{{\"step\":{},\"from_level\":{},\"node_i\":{},\"node_j\":{},\"node\":{},\"height\":",
                m,
                self.k0 - m,
                s.node_i,
                s.node_j,
                self.k0 + m
            )?;
            write_json_number(w, s.height)?;
            w.write_str(",\"weight\":")?;
            write_json_number(w, s.weight)?;
            w.write_char('}')?;
        }
        w.write_str("],\"levels\":[")?;
        let mut first = true;
        for kappa in (1..=self.k0).rev() {
            if let Some(f) = self.fit(kappa) {
                if !first {
                    w.write_char(',')?;
                }
                first = false;
                write!(w, "{{\"kappa\":{kappa},\"log_likelihood\":")?;
                write_json_number(w, f.log_likelihood)?;
                w.write_str(",\"entropy\":")?;
                write_json_number(w, f.entropy)?;
                write!(w, ",\"n_obs\":{},\"n_params\":{}}}", f.n_obs, f.n_params)?;
            }
        }
        w.write_str("]}")
    }

    /// The dendrogram as a JSON string.
    #[cfg(feature = "std")]
    pub fn to_json(&self) -> std::string::String {
        let mut s = std::string::String::new();
        // Writing into a String cannot fail.
        let _ = self.write_json(&mut s);
        s
    }
}

impl<A: Atom, const K: usize> fmt::Display for Dendrogram<A, K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "dendrogram: K0 = {} atoms", self.k0)?;
        writeln!(
            f,
            "{:>5} {:>6} {:>12} {:>9} {:>12} {:>10}",
            "step", "level", "merge", "node", "height", "weight"
        )?;
        for (m, s) in self.merges().iter().enumerate() {
            writeln!(
                f,
                "{:>5} {:>3}->{:<2} {:>5} + {:<4} {:>9} {:>12.5e} {:>10.5}",
                m,
                self.k0 - m,
                self.k0 - m - 1,
                s.node_i,
                s.node_j,
                self.k0 + m,
                s.height,
                s.weight
            )?;
        }
        for kappa in (1..=self.k0).rev() {
            if let Some(fit) = self.fit(kappa) {
                writeln!(
                    f,
                    "level {:>2}: log-lik {:>14.4} entropy {:>12.4} params {:>3}",
                    kappa, fit.log_likelihood, fit.entropy, fit.n_params
                )?;
            }
        }
        Ok(())
    }
}
