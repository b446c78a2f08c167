//! serde `Serialize` / `Deserialize` (feature `serde`) for the state that travels, through
//! plain field structs, checked on the way in exactly as the byte form is; no allocation.
//!
//! Floats keep their bits in every format: finite values as numbers, NaN and ±∞ (an unknown
//! log-likelihood, an empty sketch's extremes) as the strings `"NaN"`, `"inf"`, `"-inf"` in
//! human-readable formats (JSON has no number for them), as plain f64 in binary ones. A sketch
//! lists only its occupied bins, as `[index, count, offset_sum]` triples. Bit-exact JSON needs
//! a parser that rounds correctly: serde_json with its `float_roundtrip` feature (its default
//! parser can be 1 ULP off, measured on a fit's gradient, −4.169811698703071e-8).
//!
//! ```
//! # #[cfg(feature = "serde")] {
//! use simstat::fit::Sketch;
//! let mut s = Sketch::<4096>::new(-1.0, 1.0).unwrap();
//! s.extend(&[0.1, 0.2, 0.25]).unwrap();
//! let json = serde_json::to_string(&s).unwrap();
//! assert!(json.starts_with(r#"{"bins":4096,"lo":-1.0,"hi":1.0,"n":3"#));
//! let back: Sketch<4096> = serde_json::from_str(&json).unwrap();
//! assert_eq!(back, s);
//! # }
//! ```

use core::fmt;

use heapless::Vec as FixedVec;
use serde::de::{self, Deserializer, Visitor};
use serde::ser::Serializer;
use serde::{Deserialize, Serialize};

use super::WireError;
use crate::calibrate::{
    Background, Calibrator, ScoreScale, MAX_BACKGROUND_ORDER, MAX_CALIBRATION_COMPONENTS,
};
use crate::dist::TruncatedShiftedGamma;
use crate::fit::mixture::{MixtureParts, PHI_CAPACITY};
use crate::fit::{
    GammaFit, GammaParts, MixtureFit, Regime, Sketch, StopReason, SuffStats, MAX_COMPONENTS,
};

/// An f64 that survives every format bit for bit (see the module docs).
#[derive(Clone, Copy, Debug)]
pub(super) struct Num(pub(super) f64);

impl Serialize for Num {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let v = self.0;
        if v.is_finite() || !s.is_human_readable() {
            s.serialize_f64(v)
        } else if v.is_nan() {
            s.serialize_str("NaN")
        } else if v > 0.0 {
            s.serialize_str("inf")
        } else {
            s.serialize_str("-inf")
        }
    }
}

impl<'de> Deserialize<'de> for Num {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Num;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a number, \"NaN\", \"inf\" or \"-inf\"")
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Num, E> {
                Ok(Num(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Num, E> {
                Ok(Num(v as f64))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Num, E> {
                Ok(Num(v as f64))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Num, E> {
                match v {
                    "NaN" => Ok(Num(f64::NAN)),
                    "inf" => Ok(Num(f64::INFINITY)),
                    "-inf" => Ok(Num(f64::NEG_INFINITY)),
                    _ => Err(E::invalid_value(de::Unexpected::Str(v), &self)),
                }
            }
        }
        // binary formats (postcard, bincode) are not self-describing: there it is an f64
        if d.is_human_readable() {
            d.deserialize_any(V)
        } else {
            d.deserialize_f64(V)
        }
    }
}

fn invalid<E: de::Error>(e: WireError) -> E {
    E::custom(e)
}

// ----------------------------------------------------------------------------------------
// Truncated shifted gamma

#[derive(Serialize, Deserialize)]
struct ComponentRepr {
    shape: Num,
    rate: Num,
    shift: Num,
    lo: Num,
    hi: Num,
}

/// Serialised as `{shape, rate, shift, lo, hi}`.
impl Serialize for TruncatedShiftedGamma {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        ComponentRepr {
            shape: Num(self.shape()),
            rate: Num(self.rate()),
            shift: Num(self.shift()),
            lo: Num(self.lo()),
            hi: Num(self.hi()),
        }
        .serialize(s)
    }
}

/// Read through [`TruncatedShiftedGamma::new`] (its checks apply).
impl<'de> Deserialize<'de> for TruncatedShiftedGamma {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let c = ComponentRepr::deserialize(d)?;
        TruncatedShiftedGamma::new(c.shape.0, c.rate.0, c.shift.0, c.lo.0, c.hi.0)
            .map_err(de::Error::custom)
    }
}

// ----------------------------------------------------------------------------------------
// Mixture fit

#[derive(Serialize, Deserialize)]
struct MixtureRepr {
    weights: FixedVec<Num, MAX_COMPONENTS>,
    components: FixedVec<ComponentRepr, MAX_COMPONENTS>,
    log_likelihood: Num,
    n: u64,
    iterations: u64,
    passes: u64,
    stage1_passes: u64,
    grad_norm: Num,
    converged: bool,
    stop: StopReason,
    at_shape_cap: bool,
    at_shape_floor: bool,
}

/// Serialised as its weights, components and run facts.
impl Serialize for MixtureFit {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let p = self.parts();
        let mut weights = FixedVec::new();
        let mut components = FixedVec::new();
        for (&w, c) in p.weights.iter().zip(p.comps.iter()).take(p.k) {
            let [shape, rate, shift, lo, hi] = c.map(Num);
            // capacity MAX_COMPONENTS ≥ k: the pushes cannot fail
            let _ = weights.push(Num(w));
            let _ = components.push(ComponentRepr {
                shape,
                rate,
                shift,
                lo,
                hi,
            });
        }
        MixtureRepr {
            weights,
            components,
            log_likelihood: Num(p.ll),
            n: p.n,
            iterations: p.iterations,
            passes: p.passes,
            stage1_passes: p.stage1_passes,
            grad_norm: Num(p.grad_norm),
            converged: p.converged,
            stop: p.stop,
            at_shape_cap: p.at_shape_cap,
            at_shape_floor: p.at_shape_floor,
        }
        .serialize(s)
    }
}

/// Checked as the byte form is (K, weights a probability vector, valid components on one
/// interval sorted by shift).
impl<'de> Deserialize<'de> for MixtureFit {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let r = MixtureRepr::deserialize(d)?;
        if r.weights.len() != r.components.len() {
            return Err(invalid(WireError::Invalid("weights")));
        }
        let mut p = MixtureParts {
            k: r.weights.len(),
            weights: [0.0; MAX_COMPONENTS],
            comps: [[0.0; 5]; MAX_COMPONENTS],
            ll: r.log_likelihood.0,
            n: r.n,
            iterations: r.iterations,
            passes: r.passes,
            stage1_passes: r.stage1_passes,
            grad_norm: r.grad_norm.0,
            converged: r.converged,
            stop: r.stop,
            at_shape_cap: r.at_shape_cap,
            at_shape_floor: r.at_shape_floor,
        };
        for (i, (w, c)) in r.weights.iter().zip(r.components.iter()).enumerate() {
            p.weights[i] = w.0;
            p.comps[i] = [c.shape.0, c.rate.0, c.shift.0, c.lo.0, c.hi.0];
        }
        MixtureFit::from_parts(&p).map_err(invalid)
    }
}

// ----------------------------------------------------------------------------------------
// Single-gamma fit

#[derive(Serialize, Deserialize)]
struct GammaRepr {
    shape: Num,
    rate: Num,
    shift: Num,
    lo: Num,
    hi: Num,
    log_likelihood: Num,
    log_likelihood_untruncated: Num,
    gradient: Num,
    n: u64,
    passes: u64,
    sketch_passes: u64,
    regime: Regime,
    converged: bool,
}

/// Serialised as its parameters, log-likelihoods and run facts.
impl Serialize for GammaFit {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let p = self.parts();
        GammaRepr {
            shape: Num(p.shape),
            rate: Num(p.rate),
            shift: Num(p.shift),
            lo: Num(p.lo),
            hi: Num(p.hi),
            log_likelihood: Num(p.log_likelihood),
            log_likelihood_untruncated: Num(p.log_likelihood_untruncated),
            gradient: Num(p.gradient),
            n: p.n,
            passes: p.passes,
            sketch_passes: p.sketch_passes,
            regime: p.regime,
            converged: p.converged,
        }
        .serialize(s)
    }
}

/// Checked as the byte form is (a valid distribution, no NaN).
impl<'de> Deserialize<'de> for GammaFit {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let r = GammaRepr::deserialize(d)?;
        GammaFit::from_parts(&GammaParts {
            shape: r.shape.0,
            rate: r.rate.0,
            shift: r.shift.0,
            lo: r.lo.0,
            hi: r.hi.0,
            log_likelihood: r.log_likelihood.0,
            log_likelihood_untruncated: r.log_likelihood_untruncated.0,
            gradient: r.gradient.0,
            n: r.n,
            passes: r.passes,
            sketch_passes: r.sketch_passes,
            regime: r.regime,
            converged: r.converged,
        })
        .map_err(invalid)
    }
}

// ----------------------------------------------------------------------------------------
// Sketch

#[derive(Serialize, Deserialize)]
struct SketchRepr<const B: usize> {
    bins: u64,
    lo: Num,
    hi: Num,
    n: u64,
    min: Num,
    max: Num,
    occupied: FixedVec<(u32, u64, u64), B>,
}

/// Serialised as `{bins, lo, hi, n, min, max, occupied: [[index, count, offset_sum], …]}`.
impl<const B: usize> Serialize for Sketch<B> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (lo, hi) = self.interval();
        let mut occupied = FixedVec::new();
        for (k, c, o) in self.occupied() {
            // at most B occupied bins: the pushes cannot fail
            let _ = occupied.push((k as u32, c, o));
        }
        SketchRepr::<B> {
            bins: B as u64,
            lo: Num(lo),
            hi: Num(hi),
            n: self.len(),
            min: Num(self.min()),
            max: Num(self.max()),
            occupied,
        }
        .serialize(s)
    }
}

/// Checked as the byte form is (the bin count matches `B`, counts add up, offsets fit, min
/// and max in occupied bins).
impl<'de, const B: usize> Deserialize<'de> for Sketch<B> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let r = SketchRepr::<B>::deserialize(d)?;
        if r.bins != B as u64 {
            return Err(invalid(WireError::Invalid("bins")));
        }
        let mut s = Sketch::<B>::blank();
        let bins = r.occupied.iter().map(|&(k, c, o)| Ok((k as usize, c, o)));
        s.fill_checked(
            r.lo.0,
            r.hi.0,
            r.n,
            (r.min.0, r.max.0),
            r.occupied.len(),
            true,
            bins,
        )
        .map_err(invalid)?;
        Ok(s)
    }
}

// ----------------------------------------------------------------------------------------
// Pass statistics

#[derive(Serialize, Deserialize)]
struct StatsRepr {
    k: u64,
    order: u8,
    n: Num,
    count: u64,
    log_likelihood: Num,
    uncovered: u64,
    sums: FixedVec<[Num; 10], MAX_COMPONENTS>,
    support_minima: FixedVec<Num, MAX_COMPONENTS>,
    second_order: FixedVec<Num, PHI_CAPACITY>,
}

/// Serialised as `{k, order (0 gradient, 1 EM, 2 Hessian), n, count, log_likelihood,
/// uncovered, sums (K × 10), support_minima (K), second_order (packed, Hessian passes only)}`.
impl Serialize for SuffStats {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let k = self.k.min(MAX_COMPONENTS);
        let mut r = StatsRepr {
            k: k as u64,
            order: self.order as u8,
            n: Num(self.n),
            count: self.count,
            log_likelihood: Num(self.ll),
            uncovered: self.uncovered,
            sums: FixedVec::new(),
            support_minima: FixedVec::new(),
            second_order: FixedVec::new(),
        };
        // capacities are the fixed maxima of K and of the packed matrix: pushes cannot fail
        for (row, &m) in self.w.iter().zip(self.xmin.iter()).take(k) {
            let _ = r.sums.push(row.map(Num));
            let _ = r.support_minima.push(Num(m));
        }
        if self.second_order {
            let m = 4 * k;
            for &v in self.phi.iter().take(m * (m + 1) / 2) {
                let _ = r.second_order.push(Num(v));
            }
        }
        r.serialize(s)
    }
}

/// Checked as the byte form is (K, order, lengths, n ≥ 0, no NaN).
impl<'de> Deserialize<'de> for SuffStats {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let r = StatsRepr::deserialize(d)?;
        let k = usize::try_from(r.k).unwrap_or(usize::MAX);
        let order = r.order;
        let mut st =
            SuffStats::from_header(k, order, r.n.0, r.count, r.log_likelihood.0, r.uncovered)
                .map_err(invalid)?;
        let m = 4 * k;
        let packed = if st.second_order { m * (m + 1) / 2 } else { 0 };
        if r.sums.len() != k || r.support_minima.len() != k || r.second_order.len() != packed {
            return Err(invalid(WireError::Invalid("lengths")));
        }
        let nan = |v: &Num| v.0.is_nan();
        if r.sums.iter().any(|row| row.iter().any(nan)) {
            return Err(invalid(WireError::Invalid("sums")));
        }
        if r.support_minima.iter().any(nan) {
            return Err(invalid(WireError::Invalid("support minima")));
        }
        if r.second_order.iter().any(nan) {
            return Err(invalid(WireError::Invalid("second-order sums")));
        }
        for (i, (row, m)) in r.sums.iter().zip(r.support_minima.iter()).enumerate() {
            st.w[i] = row.map(|v| v.0);
            st.xmin[i] = m.0;
        }
        for (o, v) in st.phi.iter_mut().zip(r.second_order.iter()) {
            *o = v.0;
        }
        Ok(st)
    }
}

// ----------------------------------------------------------------------------------------
// Calibrator

#[derive(Serialize, Deserialize)]
struct CalibratorRepr {
    scale: ScoreScale,
    weights: FixedVec<Num, MAX_CALIBRATION_COMPONENTS>,
    components: FixedVec<TruncatedShiftedGamma, MAX_CALIBRATION_COMPONENTS>,
    relevant: Option<u64>,
}

/// Serialised as `{scale, weights, components, relevant}` (`relevant` null for a background
/// model).
impl Serialize for Calibrator {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut r = CalibratorRepr {
            scale: self.scale(),
            weights: FixedVec::new(),
            components: FixedVec::new(),
            relevant: self.relevant_component().map(|i| i as u64),
        };
        // at most MAX_CALIBRATION_COMPONENTS components: the pushes cannot fail
        for (w, d) in self.parts() {
            let _ = r.weights.push(Num(w));
            let _ = r.components.push(*d);
        }
        r.serialize(s)
    }
}

/// Checked as the byte form is (the constructors' checks; `relevant` must be the component
/// they single out).
impl<'de> Deserialize<'de> for Calibrator {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let r = CalibratorRepr::deserialize(d)?;
        let mut w = [0.0; MAX_CALIBRATION_COMPONENTS];
        for (o, v) in w.iter_mut().zip(r.weights.iter()) {
            *o = v.0;
        }
        let k = r.weights.len();
        let relevant = r.relevant.map(|i| usize::try_from(i).unwrap_or(usize::MAX));
        Calibrator::from_parts(&w[..k], &r.components, r.scale, relevant).map_err(invalid)
    }
}

// ----------------------------------------------------------------------------------------
// Background

#[derive(Serialize, Deserialize)]
struct BackgroundRepr {
    calibrator: Calibrator,
    fit: MixtureFit,
    scale: ScoreScale,
    bic: [Num; MAX_BACKGROUND_ORDER],
    tried: u64,
    body_limit: Num,
    excluded: u64,
    low_outliers: u64,
    rounds: u64,
}

/// Serialised as its calibrator, its fit and its public facts (BIC per order, `"NaN"` where
/// an order was not fitted; `body_limit` `"inf"` when no row was left out).
impl Serialize for Background {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        BackgroundRepr {
            calibrator: self.calibrator.clone(),
            fit: self.fit,
            scale: self.scale,
            bic: self.bic.map(Num),
            tried: self.tried as u64,
            body_limit: Num(self.body_limit),
            excluded: self.excluded as u64,
            low_outliers: self.low_outliers as u64,
            rounds: self.rounds as u64,
        }
        .serialize(s)
    }
}

/// Checked as the byte form is (the parts as their own forms; the scale is the calibrator's;
/// at most [`MAX_BACKGROUND_ORDER`] orders tried).
impl<'de> Deserialize<'de> for Background {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let r = BackgroundRepr::deserialize(d)?;
        let count =
            |v: u64, f| usize::try_from(v).map_err(|_| invalid::<D::Error>(WireError::Invalid(f)));
        let bg = Background {
            calibrator: r.calibrator,
            fit: r.fit,
            scale: r.scale,
            bic: r.bic.map(|v| v.0),
            tried: count(r.tried, "tried")?,
            body_limit: r.body_limit.0,
            excluded: count(r.excluded, "excluded")?,
            low_outliers: count(r.low_outliers, "low_outliers")?,
            rounds: count(r.rounds, "rounds")?,
        };
        bg.check_parts().map_err(invalid)?;
        Ok(bg)
    }
}
