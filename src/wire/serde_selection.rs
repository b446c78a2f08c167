//! serde `Serialize` (feature `serde`) for an order selection's report: the choices, every
//! level's criteria and mixture, the merges and the leaf rule's record; no allocation.
//!
//! A [`Selection`] is a result, not state a later step continues from, so it has no
//! `Deserialize`: a selection read back could not be checked against the data it was made
//! from. What travels onward is the chosen level's [`crate::fit::MixtureFit`] (from
//! [`Selection::mixture`]), which serialises and deserialises (checked) itself.

use serde::ser::{Serialize, SerializeSeq, SerializeStruct, Serializer};

use super::serde_impls::Num;
use crate::select::{AbsorbReason, LeafFate, MergeStep, Selection};

/// The document (JSON shown; numbers that are not finite as the strings `"NaN"`, `"inf"`):
/// `{"n", "leaves", "absorbed", "overfit_converged", "overfit_gradient_norm",
/// "choice": {"dsc", "aic", "bic", "icl"}, "levels": [{"k", "log_likelihood", "dsc", "aic",
/// "bic", "icl", "height", "mixture"}], "merges": [{"slot_i", "slot_j", "node_i", "node_j",
/// "height", "weight"}], "fates": ["kept" | "reprojected" | {"absorbed_into", "reason"}]}`;
/// `levels` runs κ = 1..=leaves, `mixture` is that level's [`crate::fit::MixtureFit`] (null
/// when an atom has no computable mass on the interval), `fates` holds one entry per
/// component of the over-fit.
///
/// ```
/// # #[cfg(feature = "serde")] {
/// use simstat::fit::{fit_mixture_with, FitOptions, MixtureOptions};
/// use simstat::select::{select_order, DscOptions};
/// let q = |a: f64, l: f64, c: f64, n: usize| -> Vec<f64> {
///     (0..n).map(|i| c + simstat::special::gamma_p_inv(a, (i as f64 + 0.5) / n as f64) / l).collect()
/// };
/// let mut data = q(13.3, 35.5, -0.28, 3000);
/// data.extend(q(30.0, 90.0, 0.3, 1500));
/// let over = fit_mixture_with(&data, 4, &FitOptions::default(), &MixtureOptions::overfit()).unwrap();
/// let sel = select_order(&over, &data, &DscOptions::default()).unwrap();
/// let json: serde_json::Value = serde_json::to_value(&sel).unwrap();
/// assert_eq!(json["choice"]["dsc"], sel.dsc_choice());
/// assert_eq!(json["levels"].as_array().unwrap().len(), sel.leaves());
/// # }
/// ```
impl Serialize for Selection {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("Selection", 10)?;
        st.serialize_field("n", &self.n())?;
        st.serialize_field("leaves", &self.leaves())?;
        st.serialize_field("absorbed", &self.absorbed())?;
        st.serialize_field("overfit_converged", &self.overfit_converged())?;
        st.serialize_field("overfit_gradient_norm", &Num(self.overfit_gradient_norm()))?;
        st.serialize_field("choice", &Choice(self))?;
        st.serialize_field("levels", &Levels(self))?;
        st.serialize_field("merges", &Merges(self.merges()))?;
        st.serialize_field("fates", &Fates(self))?;
        st.end()
    }
}

/// The orders each criterion chooses.
struct Choice<'a>(&'a Selection);

impl Serialize for Choice<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let sel = self.0;
        let mut st = s.serialize_struct("Choice", 4)?;
        st.serialize_field("dsc", &sel.dsc_choice())?;
        st.serialize_field("aic", &sel.aic_choice())?;
        st.serialize_field("bic", &sel.bic_choice())?;
        st.serialize_field("icl", &sel.icl_choice())?;
        st.end()
    }
}

/// Every level κ = 1..=leaves.
struct Levels<'a>(&'a Selection);

impl Serialize for Levels<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let sel = self.0;
        let mut seq = s.serialize_seq(Some(sel.leaves()))?;
        for k in 1..=sel.leaves() {
            seq.serialize_element(&Level { sel, k })?;
        }
        seq.end()
    }
}

/// One level: its criteria and its mixture.
struct Level<'a> {
    sel: &'a Selection,
    k: usize,
}

impl Serialize for Level<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (sel, k) = (self.sel, self.k);
        let at = |c: &[f64]| Num(c.get(k - 1).copied().unwrap_or(f64::NAN));
        let mut st = s.serialize_struct("Level", 8)?;
        st.serialize_field("k", &k)?;
        st.serialize_field(
            "log_likelihood",
            &Num(sel.log_likelihood(k).unwrap_or(f64::NAN)),
        )?;
        st.serialize_field("dsc", &at(sel.dsc_curve()))?;
        st.serialize_field("aic", &at(sel.aic_curve()))?;
        st.serialize_field("bic", &at(sel.bic_curve()))?;
        st.serialize_field("icl", &at(sel.icl_curve()))?;
        st.serialize_field("height", &at(sel.height_curve()))?;
        st.serialize_field("mixture", &sel.mixture(k).ok())?;
        st.end()
    }
}

/// The merges in order.
struct Merges<'a>(&'a [MergeStep]);

impl Serialize for Merges<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        for m in self.0 {
            seq.serialize_element(&Merge(m))?;
        }
        seq.end()
    }
}

/// One merge.
struct Merge<'a>(&'a MergeStep);

impl Serialize for Merge<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let m = self.0;
        let mut st = s.serialize_struct("Merge", 6)?;
        st.serialize_field("slot_i", &m.slot_i)?;
        st.serialize_field("slot_j", &m.slot_j)?;
        st.serialize_field("node_i", &m.node_i)?;
        st.serialize_field("node_j", &m.node_j)?;
        st.serialize_field("height", &Num(m.height))?;
        st.serialize_field("weight", &Num(m.weight))?;
        st.end()
    }
}

/// The leaf rule's record, one entry per component of the over-fit.
struct Fates<'a>(&'a Selection);

impl Serialize for Fates<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let sel = self.0;
        let count = (0..).take_while(|&i| sel.fate(i).is_some()).count();
        let mut seq = s.serialize_seq(Some(count))?;
        for i in 0..count {
            if let Some(f) = sel.fate(i) {
                seq.serialize_element(&Fate(f))?;
            }
        }
        seq.end()
    }
}

/// What the leaf rule did with one component.
struct Fate(LeafFate);

impl Serialize for Fate {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            LeafFate::Absorbed { into, reason } => {
                let mut st = s.serialize_struct("Absorbed", 2)?;
                st.serialize_field("absorbed_into", &into)?;
                st.serialize_field(
                    "reason",
                    match reason {
                        AbsorbReason::Negligible => "negligible",
                        AbsorbReason::PointMass => "point_mass",
                        AbsorbReason::Duplicate => "duplicate",
                    },
                )?;
                st.end()
            }
            LeafFate::Reprojected => s.serialize_str("reprojected"),
            LeafFate::Kept => s.serialize_str("kept"),
        }
    }
}
