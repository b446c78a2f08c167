//! SGMoE atoms for the dendrogram: the reference dissimilarity, the gate-weighted merge, the LL.
//!
//! Dissimilarity (as the reference code `Dendrogram_SGMoE/HD_NMoE/dendogram.py` computes it):
//! d(i, j) = ω_ij · ( (b_i − b_j)² + √(‖A_i − A_j‖² + (σ²_i − σ²_j)²) ) with
//! ω_ij = 1/(e^{−w0_i} + e^{−w0_j}) = π_iπ_j/(π_i + π_j) for π ∝ e^{w0} ([`Weighting::GateIntercept`],
//! the default, gates pinned so that the last expert of the fit has w0 = 0). The gate slope w1 is
//! not in the distance (the code computes it but does not use it); the paper's Voronoi loss
//! weights the slow directions by algebraic exponents, which this does not.
//! [`Weighting::AverageGate`] replaces e^{w0} by the average gate mass π̄_k = (1/N) Σ_t π_k(x_t)
//! (measured better on the order-selection study, `examples/sgmoe_study.rs`; offered as an option).
//!
//! Merge: w0 = log(e^{w0_i} + e^{w0_j}); with s_i = e^{w0_i − w0}, s_j = e^{w0_j − w0} (or the
//! π̄ shares under `AverageGate`), w1, A, b, σ² are the s-weighted averages; π̄ adds.
use super::model::{check_data, log_softmax_scores, n_params, Expert, Sgmoe, LN_SQRT_2PI};
use crate::select::criteria::{LevelFit, LevelLikelihood};
use crate::select::merge::{harmonic_weight, write_json_number, Atom};
use crate::select::SelectError;
use crate::support::log_sum_exp;
use core::fmt;
use nalgebra::SVector;

/// Which weights enter the dissimilarity and the merge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Weighting {
    /// e^{w0} (the gate score at x = 0), as the reference code.
    #[default]
    GateIntercept,
    /// The average gate probability π̄ over the data (measured better on `examples/sgmoe_study.rs`).
    AverageGate,
}

/// One SGMoE atom: an expert with its gate and its average gate mass π̄.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SgmoeAtom<const D: usize> {
    /// The expert and its gate.
    pub expert: Expert<D>,
    /// Average gate probability π̄ over the data the atoms were made from (atoms of a level sum
    /// to 1).
    pub mass: f64,
    /// Weighting used by [`Atom::dissimilarity`] and [`Atom::merge`].
    pub weighting: Weighting,
}

impl<const D: usize> Default for SgmoeAtom<D> {
    fn default() -> Self {
        Self {
            expert: Expert::default(),
            mass: 1.0,
            weighting: Weighting::GateIntercept,
        }
    }
}

impl<const D: usize> SgmoeAtom<D> {
    /// Atoms of a fitted model (gates pinned so the last expert's gate is 0), with π̄ computed
    /// over `xs`. Returns the atoms in a K-array and their number.
    ///
    /// # Errors
    /// [`SelectError::TooFewSamples`] (empty xs), [`SelectError::NonFinite`] (with the row).
    pub fn from_model<const K: usize>(
        model: &Sgmoe<D, K>,
        xs: &[SVector<f64, D>],
        weighting: Weighting,
    ) -> Result<([Self; K], usize), SelectError> {
        if xs.is_empty() {
            return Err(SelectError::TooFewSamples { n: 0, needed: 1 });
        }
        if let Some(index) = xs.iter().position(|x| !x.iter().all(|v| v.is_finite())) {
            return Err(SelectError::NonFinite { index });
        }
        let mut m = *model;
        m.pin_last_gate();
        let mut mass = [0.0f64; K];
        let mut lg = [0.0f64; K];
        for x in xs {
            let k = m.log_gates(x, &mut lg);
            for (s, l) in mass.iter_mut().zip(lg.iter()).take(k) {
                *s += libm::exp(*l);
            }
        }
        let n = xs.len() as f64;
        let mut out = [Self::default(); K];
        for ((o, e), s) in out.iter_mut().zip(m.experts()).zip(mass.iter()) {
            *o = Self {
                expert: *e,
                mass: s / n,
                weighting,
            };
        }
        Ok((out, m.k()))
    }
}

impl<const D: usize> SgmoeAtom<D> {
    /// The unweighted parameter distance (b_i − b_j)² + √(‖A_i − A_j‖² + (σ²_i − σ²_j)²)
    /// (the dissimilarity without its weight factor).
    pub fn distance(&self, other: &Self) -> f64 {
        let (e, f) = (&self.expert, &other.expert);
        let db = (e.b - f.b) * (e.b - f.b);
        let ds = e.sigma2 - f.sigma2;
        let da = (e.a - f.a).norm_squared();
        db + libm::sqrt(da + ds * ds)
    }

    /// The leaf rule of [`select_order`](crate::select::select_order) for SGMoE atoms, in place
    /// on `atoms[..len]`: duplicates (distance < 1e-9) first, then experts whose average gate
    /// mass carries fewer than `min_count` of the `n` observations (π̄·N < `min_count`, smallest
    /// first), are merged ([`Atom::merge`]) into the atom nearest in [`distance`](Self::distance),
    /// so they set no height of the dendrogram. Returns the number of atoms left (≥ 1).
    ///
    /// # Errors
    /// [`SelectError::InvalidParameter`] (`min_count` negative or NaN, `len` past the slice),
    /// or a merge error.
    pub fn absorb_negligible(
        atoms: &mut [Self],
        len: usize,
        n: usize,
        min_count: f64,
    ) -> Result<usize, SelectError> {
        if min_count.is_nan() || min_count < 0.0 || len > atoms.len() {
            return Err(SelectError::InvalidParameter);
        }
        let mut len = len;
        let nf = n as f64;
        while len > 1 {
            let live = atoms.get(..len).ok_or(SelectError::InvalidParameter)?;
            let dup = (0..len).find(|&i| {
                live.iter().enumerate().any(|(j, b)| {
                    j != i
                        && live[i].distance(b) < 1e-9
                        && (b.mass > live[i].mass || (b.mass == live[i].mass && j < i))
                })
            });
            let small = live
                .iter()
                .enumerate()
                .filter(|(_, a)| a.mass * nf < min_count)
                .min_by(|x, y| x.1.mass.total_cmp(&y.1.mass))
                .map(|(i, _)| i);
            let Some(i) = dup.or(small) else {
                break;
            };
            let a = live[i];
            let j = live
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .min_by(|x, y| a.distance(x.1).total_cmp(&a.distance(y.1)))
                .map(|(j, _)| j)
                .ok_or(SelectError::TooFewAtoms)?;
            let merged = live[j].merge(&a)?;
            atoms[j] = merged;
            atoms.copy_within(i + 1..len, i);
            len -= 1;
        }
        Ok(len)
    }
}

impl<const D: usize> Atom for SgmoeAtom<D> {
    fn weight(&self) -> f64 {
        self.mass
    }

    fn dissimilarity(&self, other: &Self) -> f64 {
        let (e, f) = (&self.expert, &other.expert);
        let omega = match self.weighting {
            Weighting::GateIntercept => 1.0 / (libm::exp(-e.w0) + libm::exp(-f.w0)),
            Weighting::AverageGate => harmonic_weight(self.mass, other.mass),
        };
        omega * self.distance(other)
    }

    fn merge(&self, other: &Self) -> Result<Self, SelectError> {
        let (e, f) = (&self.expert, &other.expert);
        let hi = e.w0.max(f.w0);
        let w0 = hi + libm::log(libm::exp(e.w0 - hi) + libm::exp(f.w0 - hi));
        let (si, sj) = match self.weighting {
            Weighting::GateIntercept => (libm::exp(e.w0 - w0), libm::exp(f.w0 - w0)),
            Weighting::AverageGate => {
                let t = self.mass + other.mass;
                if !(t > 0.0 && t.is_finite()) {
                    return Err(SelectError::InvalidWeight);
                }
                (self.mass / t, other.mass / t)
            }
        };
        let merged = Self {
            expert: Expert {
                w0,
                w1: e.w1 * si + f.w1 * sj,
                b: si * e.b + sj * f.b,
                a: e.a * si + f.a * sj,
                sigma2: si * e.sigma2 + sj * f.sigma2,
            },
            mass: self.mass + other.mass,
            weighting: self.weighting,
        };
        merged.validate()?;
        Ok(merged)
    }

    fn validate(&self) -> Result<(), SelectError> {
        self.expert.validate()?;
        if !self.mass.is_finite() {
            return Err(SelectError::InvalidWeight);
        }
        if self.mass <= 0.0 {
            return Err(SelectError::InvalidWeight);
        }
        Ok(())
    }

    fn write_json_fields(&self, w: &mut dyn fmt::Write) -> fmt::Result {
        let e = &self.expert;
        w.write_str("\"mass\":")?;
        write_json_number(w, self.mass)?;
        w.write_str(",\"w0\":")?;
        write_json_number(w, e.w0)?;
        w.write_str(",\"b\":")?;
        write_json_number(w, e.b)?;
        w.write_str(",\"sigma2\":")?;
        write_json_number(w, e.sigma2)?;
        for (name, v) in [("w1", &e.w1), ("a", &e.a)] {
            write!(w, ",\"{name}\":[")?;
            for (i, x) in v.iter().enumerate() {
                if i > 0 {
                    w.write_char(',')?;
                }
                write_json_number(w, *x)?;
            }
            w.write_char(']')?;
        }
        Ok(())
    }
}

/// Largest number of SGMoE atoms [`SgmoeLevelLikelihood`] evaluates at once.
pub const MAX_SGMOE_ATOMS: usize = 32;

/// Conditional log-likelihood of the merged SGMoE of a level (borrowed data).
#[derive(Debug, Clone, Copy)]
pub struct SgmoeLevelLikelihood<'a, const D: usize> {
    xs: &'a [SVector<f64, D>],
    ys: &'a [f64],
}

impl<'a, const D: usize> SgmoeLevelLikelihood<'a, D> {
    /// Wrap the data.
    ///
    /// # Errors
    /// [`SelectError::LengthMismatch`], [`SelectError::NonFinite`],
    /// [`SelectError::TooFewSamples`].
    pub fn new(xs: &'a [SVector<f64, D>], ys: &'a [f64]) -> Result<Self, SelectError> {
        check_data(xs, ys)?;
        Ok(Self { xs, ys })
    }
}

impl<const D: usize> LevelLikelihood<SgmoeAtom<D>> for SgmoeLevelLikelihood<'_, D> {
    fn evaluate(&mut self, atoms: &[SgmoeAtom<D>]) -> Result<LevelFit, SelectError> {
        let k = atoms.len();
        if k == 0 {
            return Err(SelectError::TooFewAtoms);
        }
        if k > MAX_SGMOE_ATOMS {
            return Err(SelectError::TooManyAtoms {
                capacity: MAX_SGMOE_ATOMS,
            });
        }
        let mut experts = [Expert::<D>::default(); MAX_SGMOE_ATOMS];
        for (e, a) in experts.iter_mut().zip(atoms) {
            a.validate()?;
            *e = a.expert;
        }
        let experts = experts.get(..k).ok_or(SelectError::TooManyAtoms {
            capacity: MAX_SGMOE_ATOMS,
        })?;
        let mut half_log_var = [0.0f64; MAX_SGMOE_ATOMS];
        for (h, e) in half_log_var.iter_mut().zip(experts) {
            *h = 0.5 * libm::log(e.sigma2) + LN_SQRT_2PI;
        }
        let mut buf = [0.0f64; MAX_SGMOE_ATOMS];
        let (mut ll, mut ent) = (0.0, 0.0);
        for (x, &y) in self.xs.iter().zip(self.ys) {
            log_softmax_scores(experts, x, &mut buf);
            for ((b, e), h) in buf.iter_mut().zip(experts).zip(half_log_var.iter()) {
                let r = y - e.b - e.a.dot(x);
                *b += -h - 0.5 * r * r / e.sigma2;
            }
            let lse = log_sum_exp(&buf[..k]);
            if !lse.is_finite() {
                return Err(SelectError::NumericalFailure);
            }
            ll += lse;
            for v in buf.iter().take(k) {
                let lr = v - lse;
                if lr.is_finite() {
                    ent -= libm::exp(lr) * lr;
                }
            }
        }
        Ok(LevelFit {
            log_likelihood: ll,
            entropy: ent.max(0.0),
            n_obs: self.xs.len(),
            n_params: n_params(k, D),
        })
    }
}

/// A first-order Voronoi loss between fitted atoms and true atoms (both with masses π̄):
/// each fitted atom joins the Voronoi cell of the nearest true atom in η = (b, A, σ²), and
/// L = Σ_j |Σ_{i∈V_j} π̄_i − π̄*_j| + Σ_j Σ_{i∈V_j} π̄_i ‖η_i − η*_j‖.
///
/// Simplified from the paper's fast-rate-aware loss (no algebraic exponents, gates left out
/// because of their translation invariance): it decays like the parameter error of the atoms
/// themselves, so over-fitted cells (several atoms near one true atom) show the slow rate.
///
/// # Errors
/// [`SelectError::TooFewAtoms`] if either side is empty, [`SelectError::TooManyAtoms`] when
/// `truth` has more than [`MAX_SGMOE_ATOMS`] atoms.
pub fn voronoi_loss<const D: usize>(
    fitted: &[SgmoeAtom<D>],
    truth: &[SgmoeAtom<D>],
) -> Result<f64, SelectError> {
    if fitted.is_empty() || truth.is_empty() {
        return Err(SelectError::TooFewAtoms);
    }
    if truth.len() > MAX_SGMOE_ATOMS {
        return Err(SelectError::TooManyAtoms {
            capacity: MAX_SGMOE_ATOMS,
        });
    }
    let dist = |a: &Expert<D>, b: &Expert<D>| {
        let ds = a.sigma2 - b.sigma2;
        libm::sqrt((a.b - b.b) * (a.b - b.b) + (a.a - b.a).norm_squared() + ds * ds)
    };
    let mut cell_mass = [0.0f64; MAX_SGMOE_ATOMS];
    let mut loss = 0.0;
    for f in fitted {
        let mut best = (0usize, f64::INFINITY);
        for (j, t) in truth.iter().enumerate() {
            let d = dist(&f.expert, &t.expert);
            if d < best.1 {
                best = (j, d);
            }
        }
        if let Some(m) = cell_mass.get_mut(best.0) {
            *m += f.mass;
        }
        loss += f.mass * best.1;
    }
    for (m, t) in cell_mass.iter().zip(truth) {
        loss += libm::fabs(m - t.mass);
    }
    Ok(loss)
}
