//! The merge operator's contract: an atom with a weight, a dissimilarity and a pairwise merge.
use super::SelectError;
use core::fmt;

/// One atom of a mixing measure: a weight and a parameter, with the operations the dendrogram
/// needs.
///
/// Contract (tested for the provided atoms, and what a fuzz target should check):
/// * `dissimilarity` is symmetric, finite and ≥ 0 for valid atoms, and 0 for identical atoms;
/// * `merge` is symmetric, keeps the summed weight (`merge(a, b).weight() == a.weight() +
///   b.weight()` up to rounding) and returns `a` (up to rounding) when `a == b` apart from
///   the weight;
/// * `validate` rejects every atom a later step could not handle (non-finite or out-of-domain
///   parameters), so that the dendrogram never has to panic.
pub trait Atom: Copy + Default {
    /// The atom's weight (mixing proportion or average gate mass); finite and > 0.
    fn weight(&self) -> f64;
    /// Weighted dissimilarity d(i, j) of the two atoms (harmonic weight factor included).
    fn dissimilarity(&self, other: &Self) -> f64;
    /// The merged atom (summed weight, combined parameters).
    ///
    /// # Errors
    /// When the combination leaves the parameter domain (e.g. a moment equation without root).
    fn merge(&self, other: &Self) -> Result<Self, SelectError>;
    /// Check that the atom is usable (finite, in-domain parameters, weight > 0).
    ///
    /// # Errors
    /// [`SelectError::InvalidWeight`] (weight NaN, infinite or ≤ 0) or
    /// [`SelectError::InvalidParameter`] (a parameter NaN, infinite or out of its domain).
    fn validate(&self) -> Result<(), SelectError>;
    /// Bring a whole set of leaves into the form the dissimilarity assumes, in place; called by
    /// [`Dendrogram::build`](super::Dendrogram::build) on its copy of the leaves, so a
    /// dendrogram can never be built from unprepared atoms. [`GammaAtom`](super::GammaAtom)
    /// normalises the weights and sets the chart scale ([`GammaAtom::standardise`](super::GammaAtom::standardise),
    /// idempotent); the default does nothing.
    ///
    /// # Errors
    /// Whatever the preparation refuses (e.g. weights that do not sum to a positive value).
    fn prepare(atoms: &mut [Self]) -> Result<(), SelectError> {
        let _ = atoms;
        Ok(())
    }
    /// Write the atom's parameters as the members of a JSON object (no braces), e.g.
    /// `"weight":0.5,"shape":2`.
    ///
    /// # Errors
    /// Propagates the writer's error.
    fn write_json_fields(&self, w: &mut dyn fmt::Write) -> fmt::Result;
}

/// The harmonic weight factor p_i p_j / (p_i + p_j) of the dissimilarity (0 if both are 0).
#[inline]
pub fn harmonic_weight(p_i: f64, p_j: f64) -> f64 {
    let s = p_i + p_j;
    if s > 0.0 {
        p_i * p_j / s
    } else {
        0.0
    }
}

/// Write `x` as a JSON number (`null` when not finite, which JSON cannot represent).
///
/// # Errors
/// Propagates the writer's error.
pub fn write_json_number(w: &mut dyn fmt::Write, x: f64) -> fmt::Result {
    if x.is_finite() {
        write!(w, "{x:e}")
    } else {
        w.write_str("null")
    }
}
