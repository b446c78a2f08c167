//! Shifted-gamma atoms: standardised cumulant chart, moment merge, truncated mixture LL.
//!
//! ## Chart (dissimilarity)
//! θ = (κ1, √κ2, κ3/κ2)/S = (c + α/λ, √α/λ, 2/λ)/S ([`GammaChart::Cumulant`], the default):
//! mean, sd and third-over-second cumulant, every coordinate in units of x, divided by the sd
//! S of the whole level-K0 mixture so that the dendrogram does not depend on the units of x
//! ([`GammaAtom::standardise`] sets S). d(i, j) = p_i p_j/(p_i + p_j) ‖θ_i − θ_j‖² (the paper's
//! Voronoi-type weight times the squared Euclidean distance). The (μ/S, σ/S, 2/√α)
//! chart (mean, spread and skewness) is [`GammaChart::Skewness`]; see `src/select/README.md` for why it is not the default.
//!
//! ## Merge
//! [`GammaMerge::Moments`] (default): the merged atom has weight p = p_i + p_j and the first
//! three moments (mean, variance, third central moment) of the two-atom mixture, with its shift
//! kept at or below both atoms' effective support starts ([`GammaAtom::support_start`]).
//! [`GammaMerge::SufficientStatistic`]: shift c = min(c_i, c_j) and (α, λ) matching the pair's
//! E[x − c] and E[log(x − c)]: m = Σ p_k E_k[x − c]/p, L = Σ p_k E_k[log(x − c)]/p,
//! log α − ψ(α) = log m − L, λ = α/m (the KL projection at that shift). E[log(x − c)] of an
//! atom with a larger shift is computed by a 97-point trapezoid rule in z = log Y (log-gamma
//! density, spectrally accurate for this smooth, fast-decaying integrand).
//! Both merges are symmetric, keep the summed weight and return the atom itself for two
//! identical atoms (tested).
use super::criteria::{LevelFit, LevelLikelihood};
use super::merge::{harmonic_weight, write_json_number, Atom};
use super::SelectError;
use crate::special::{digamma, gamma_p, gamma_q, ln_gamma, trigamma};
use crate::support::{log_sum_exp, softmax_in_place};
use core::fmt;

/// Largest shape the merge returns (the normal limit); also the cap of the moment equation.
pub const MAX_SHAPE: f64 = 1e12;
/// Largest number of atoms [`GammaLevelLikelihood`] evaluates at once.
pub const MAX_GAMMA_ATOMS: usize = 64;

/// A shifted-gamma atom: weight p, shape α, rate λ, shift c, and the chart scale S.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GammaAtom {
    /// Mixture weight p (> 0).
    pub weight: f64,
    /// Shape α (> 0).
    pub shape: f64,
    /// Rate λ (> 0).
    pub rate: f64,
    /// Shift c (the support is x > c).
    pub shift: f64,
    /// Scale S of the dissimilarity chart (> 0; set by [`GammaAtom::standardise`]).
    pub scale: f64,
    /// The chart of the dissimilarity (default [`GammaChart::Cumulant`]).
    pub chart: GammaChart,
    /// The merge rule (default [`GammaMerge::Moments`]).
    pub rule: GammaMerge,
}

/// The chart θ in which [`GammaAtom`]s are compared (d = p_i p_j/(p_i + p_j) ‖θ_i − θ_j‖²).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum GammaChart {
    /// θ = (κ1, √κ2, κ3/κ2)/S = (c + α/λ, √α/λ, 2/λ)/S: mean, sd and the third cumulant over
    /// the second (= skewness × sd), every coordinate in units of x divided by the mixture's
    /// sd S. Smooth in (α, λ, c) and at the normal limit α → ∞ (where κ3/κ2 → 0).
    #[default]
    Cumulant,
    /// θ = (μ/S, σ/S, 2/√α): the natural first choice, with the dimensionless skewness
    /// 2/√α as third coordinate. Kept for comparison: the skewness of an over-fitted atom is
    /// poorly determined (atoms of one true component range from α ≈ 2 to the normal limit),
    /// and in units of its own sd it outweighs the mean differences between components.
    Skewness,
}

/// How two [`GammaAtom`]s merge (the merged weight is always p_i + p_j).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum GammaMerge {
    /// Match the pair's mean, variance and third central moment (κ1, κ2, κ3 of the two-atom
    /// mixture): α = 4/γ², λ = √(α/κ2), c = κ1 − α/λ with γ = κ3/κ2^{3/2}; γ ≤ 0 (no gamma
    /// has it) gives the normal limit α = max([`MERGE_SHAPE_CAP`], α_i, α_j). The merged atom
    /// must cover both supports: if that c exceeds min(c_i, c_j), the shift is min(c_i, c_j)
    /// and (α, λ) match the mean and the variance only.
    #[default]
    Moments,
    /// Shift c = min(c_i, c_j), then match E[x − c] and E[log(x − c)] (the KL projection at
    /// that shift). When one atom is at the normal limit (c far below the data) the merged atom
    /// inherits its shift and loses the other atom's skewness.
    SufficientStatistic,
}

/// Number of sds below the mean where [`GammaAtom::support_start`] puts an atom's effective
/// support start.
pub const SUPPORT_SDS: f64 = 8.0;

/// Largest shape a [`GammaMerge::Moments`] merge creates (unless an input atom's is larger):
/// the fitter's default shape cap, where the shifted gamma is numerically its normal limit.
pub const MERGE_SHAPE_CAP: f64 = 1e7;

impl Default for GammaAtom {
    fn default() -> Self {
        Self::DEFAULT
    }
}

impl GammaAtom {
    /// [`GammaAtom::default`] as a constant (the unit exponential at 0, weight 1).
    pub(crate) const DEFAULT: GammaAtom = GammaAtom {
        weight: 1.0,
        shape: 1.0,
        rate: 1.0,
        shift: 0.0,
        scale: 1.0,
        chart: GammaChart::Cumulant,
        rule: GammaMerge::Moments,
    };
}

impl GammaAtom {
    /// An atom with chart scale 1 and the default chart and merge rule (call
    /// [`GammaAtom::standardise`] on the whole mixture).
    pub fn new(weight: f64, shape: f64, rate: f64, shift: f64) -> Self {
        Self {
            weight,
            shape,
            rate,
            shift,
            ..Self::default()
        }
    }

    /// The same atom with another chart and merge rule.
    pub fn with_rules(self, chart: GammaChart, rule: GammaMerge) -> Self {
        Self {
            chart,
            rule,
            ..self
        }
    }

    /// Mean c + α/λ.
    pub fn mean(&self) -> f64 {
        self.shift + self.shape / self.rate
    }

    /// Standard deviation √α/λ.
    pub fn sd(&self) -> f64 {
        libm::sqrt(self.shape) / self.rate
    }

    /// Normalise the weights to sum 1 and set every atom's chart scale to the sd of the whole
    /// mixture, in place.
    ///
    /// # Errors
    /// Validation errors of the atoms, [`SelectError::TooFewAtoms`] when empty,
    /// [`SelectError::InvalidWeight`] when the weights do not sum to a positive finite value.
    pub fn standardise(atoms: &mut [GammaAtom]) -> Result<(), SelectError> {
        if atoms.is_empty() {
            return Err(SelectError::TooFewAtoms);
        }
        let mut total = 0.0;
        for a in atoms.iter() {
            Self { scale: 1.0, ..*a }.validate()?;
            total += a.weight;
        }
        if !(total.is_finite() && total > 0.0) {
            return Err(SelectError::InvalidWeight);
        }
        let (mut m1, mut m2) = (0.0, 0.0);
        for a in atoms.iter() {
            let p = a.weight / total;
            let (mu, sd) = (a.mean(), a.sd());
            m1 += p * mu;
            m2 += p * (sd * sd + mu * mu);
        }
        let var = m2 - m1 * m1;
        let s = if var > 0.0 && var.is_finite() {
            libm::sqrt(var)
        } else {
            // all atoms collapse to one point mass: fall back to the largest component sd
            atoms.iter().map(GammaAtom::sd).fold(0.0, f64::max)
        };
        if !(s.is_finite() && s > 0.0) {
            return Err(SelectError::InvalidParameter);
        }
        for a in atoms.iter_mut() {
            a.weight /= total;
            a.scale = s;
        }
        Ok(())
    }

    /// The chart coordinates θ of [`GammaAtom::chart`]: (μ, σ, 2/λ)/S for
    /// [`GammaChart::Cumulant`], (μ/S, σ/S, 2/√α) for [`GammaChart::Skewness`].
    pub fn chart(&self) -> [f64; 3] {
        let third = match self.chart {
            GammaChart::Cumulant => 2.0 / (self.rate * self.scale),
            GammaChart::Skewness => 2.0 / libm::sqrt(self.shape),
        };
        [self.mean() / self.scale, self.sd() / self.scale, third]
    }

    /// Effective start of the support: max(c, μ − [`SUPPORT_SDS`]·σ). Below it the atom has
    /// mass < 1e-15 (the gamma's left tail is lighter than the normal's), so a near-normal atom
    /// with its shift far below the data (α → ∞, c → −∞) does not pin a merged shift there.
    pub fn support_start(&self) -> f64 {
        self.shift.max(self.mean() - SUPPORT_SDS * self.sd())
    }

    /// The moment merge ([`GammaMerge::Moments`]) of two atoms, weights normalised to sum 1.
    fn merge_moments(
        &self,
        other: &Self,
        wi: f64,
        wj: f64,
    ) -> Result<(f64, f64, f64), SelectError> {
        let (mi, mj) = (self.mean(), other.mean());
        let mu = wi * mi + wj * mj;
        let (di, dj) = (mi - mu, mj - mu);
        let (vi, vj) = (
            self.shape / (self.rate * self.rate),
            other.shape / (other.rate * other.rate),
        );
        let var = wi * (vi + di * di) + wj * (vj + dj * dj);
        let k3 = |a: &Self, v: f64, d: f64| 2.0 * v / a.rate + 3.0 * v * d + d * d * d;
        let m3 = wi * k3(self, vi, di) + wj * k3(other, vj, dj);
        if !(var.is_finite() && var > 0.0 && m3.is_finite()) {
            return Err(SelectError::NumericalFailure);
        }
        let cap = MERGE_SHAPE_CAP.max(self.shape).max(other.shape);
        let lowest = self.support_start().min(other.support_start());
        project_moments(mu, var, m3, lowest, cap)
    }

    /// E[log(x − c)] for this atom, with c ≤ its shift.
    fn mean_log_above(&self, c: f64) -> f64 {
        let delta = self.shift - c;
        let (a, lam) = (self.shape, self.rate);
        if delta <= 0.0 {
            return digamma(a) - libm::log(lam);
        }
        // z = log Y, Y ~ Gamma(a, 1): density exp(a z − e^z − lnΓ(a)); x − c = e^z/λ + δ.
        let mz = digamma(a);
        let sz = libm::sqrt(trigamma(a));
        let (zlo, zhi) = (mz - 12.0 * sz, mz + 6.0 * sz);
        const M: usize = 96;
        let h = (zhi - zlo) / M as f64;
        let (mut num, mut den) = (0.0, 0.0);
        // log density relative to its value at the mode z = log a
        let lmode = a * libm::log(a) - a;
        for i in 0..=M {
            let z = zlo + h * i as f64;
            let ez = libm::exp(z);
            let w = libm::exp(a * z - ez - lmode);
            let w = if i == 0 || i == M { 0.5 * w } else { w };
            num += w * libm::log(ez / lam + delta);
            den += w;
        }
        if den > 0.0 {
            num / den
        } else {
            libm::log(a / lam + delta)
        }
    }
}

/// The shifted gamma (α, λ, c) with mean `mu`, variance `var` and third central moment `m3`:
/// α = 4/γ², λ = √(α/var), c = mu − α/λ with γ = m3/var^{3/2} (γ ≤ 0, which no gamma has, gives
/// the normal limit α = `cap`), unless that shift exceeds `lowest` (the support would uncover
/// points the moments come from): then c = `lowest` and (α, λ) match the mean and the variance.
pub(crate) fn project_moments(
    mu: f64,
    var: f64,
    m3: f64,
    lowest: f64,
    cap: f64,
) -> Result<(f64, f64, f64), SelectError> {
    if !(mu.is_finite() && var.is_finite() && var > 0.0 && m3.is_finite() && cap > 0.0) {
        return Err(SelectError::NumericalFailure);
    }
    let sd = libm::sqrt(var);
    let gamma = m3 / (var * sd);
    let shape = if gamma > 0.0 {
        (4.0 / (gamma * gamma)).min(cap)
    } else {
        cap
    };
    let rate = libm::sqrt(shape) / sd;
    let c = mu - shape / rate;
    if c <= lowest {
        return Ok((shape, rate, c));
    }
    // The moment shift would uncover points the atom covers: put the shift at the effective
    // support start and match the mean and the variance there.
    let m = mu - lowest;
    if m.is_nan() || m <= 0.0 {
        return Err(SelectError::NumericalFailure);
    }
    let shape = (m * m / var).min(cap);
    Ok((shape, shape / m, lowest))
}

/// Solve log α − ψ(α) = s for α > 0 (Newton from Minka's start; capped at [`MAX_SHAPE`]).
pub fn shape_from_log_gap(s: f64) -> Result<f64, SelectError> {
    if !s.is_finite() {
        return Err(SelectError::NumericalFailure);
    }
    if s <= 0.5 / MAX_SHAPE {
        return Ok(MAX_SHAPE);
    }
    let mut a = (3.0 - s + libm::sqrt((s - 3.0) * (s - 3.0) + 24.0 * s)) / (12.0 * s);
    for _ in 0..100 {
        let f = libm::log(a) - digamma(a) - s;
        let fp = 1.0 / a - trigamma(a);
        if !(f.is_finite() && fp.is_finite()) || fp == 0.0 {
            break;
        }
        let mut next = a - f / fp;
        if next <= 0.0 {
            next = 0.5 * a;
        }
        let done = libm::fabs(next - a) <= 1e-15 * a;
        a = next.min(MAX_SHAPE);
        if done {
            break;
        }
    }
    if a.is_finite() && a > 0.0 {
        Ok(a)
    } else {
        Err(SelectError::NumericalFailure)
    }
}

impl Atom for GammaAtom {
    fn weight(&self) -> f64 {
        self.weight
    }

    fn dissimilarity(&self, other: &Self) -> f64 {
        let (a, b) = (self.chart(), other.chart());
        let d2: f64 = a.iter().zip(b.iter()).map(|(x, y)| (x - y) * (x - y)).sum();
        harmonic_weight(self.weight, other.weight) * d2
    }

    fn merge(&self, other: &Self) -> Result<Self, SelectError> {
        let p = self.weight + other.weight;
        if !(p.is_finite() && p > 0.0) {
            return Err(SelectError::InvalidWeight);
        }
        let (wi, wj) = (self.weight / p, other.weight / p);
        let (shape, rate, shift) = match self.rule {
            GammaMerge::Moments => self.merge_moments(other, wi, wj)?,
            GammaMerge::SufficientStatistic => {
                let c = self.shift.min(other.shift);
                let m = wi * (self.mean() - c) + wj * (other.mean() - c);
                let l = wi * self.mean_log_above(c) + wj * other.mean_log_above(c);
                let shape = shape_from_log_gap(libm::log(m) - l)?;
                (shape, shape / m, c)
            }
        };
        let merged = Self {
            weight: p,
            shape,
            rate,
            shift,
            scale: 0.5 * (self.scale + other.scale),
            ..*self
        };
        merged.validate()?;
        Ok(merged)
    }

    fn validate(&self) -> Result<(), SelectError> {
        if !(self.weight.is_finite() && self.weight > 0.0) {
            return Err(SelectError::InvalidWeight);
        }
        let v = [self.shape, self.rate, self.shift, self.scale];
        if v.iter().any(|x| !x.is_finite()) {
            return Err(SelectError::InvalidParameter);
        }
        if self.shape <= 0.0 || self.rate <= 0.0 || self.scale <= 0.0 {
            return Err(SelectError::InvalidParameter);
        }
        Ok(())
    }

    fn prepare(atoms: &mut [Self]) -> Result<(), SelectError> {
        Self::standardise(atoms)
    }

    fn write_json_fields(&self, w: &mut dyn fmt::Write) -> fmt::Result {
        for (i, (name, x)) in [
            ("weight", self.weight),
            ("shape", self.shape),
            ("rate", self.rate),
            ("shift", self.shift),
        ]
        .iter()
        .enumerate()
        {
            if i > 0 {
                w.write_char(',')?;
            }
            write!(w, "\"{name}\":")?;
            write_json_number(w, *x)?;
        }
        Ok(())
    }
}

/// Log-likelihood of a gamma mixture truncated to [lo, hi] on a data slice (borrowed).
///
/// Component k: p_k G(x; α_k, λ_k, c_k) / Z_k with Z_k = P(α_k, λ_k(hi − c_k)) −
/// P(α_k, λ_k max(lo − c_k, 0)) (from the Q side when P is near 1). Weights are used as given.
/// Parameter count 4κ − 1 (shape, rate, shift per atom and κ − 1 free weights).
#[derive(Debug, Clone, Copy)]
pub struct GammaLevelLikelihood<'a> {
    data: &'a [f64],
    lo: f64,
    hi: f64,
    refit_passes: usize,
}

impl<'a> GammaLevelLikelihood<'a> {
    /// Wrap `data` (finite, inside [lo, hi]).
    ///
    /// # Errors
    /// [`SelectError::TooFewSamples`] (empty), [`SelectError::InvalidParameter`] (lo or hi not
    /// finite, lo ≥ hi), [`SelectError::NonFinite`] / [`SelectError::OutOfInterval`] (a data
    /// value NaN or outside [lo, hi], with its index).
    pub fn new(data: &'a [f64], lo: f64, hi: f64) -> Result<Self, SelectError> {
        if data.is_empty() {
            return Err(SelectError::TooFewSamples { n: 0, needed: 1 });
        }
        if !(lo.is_finite() && hi.is_finite()) {
            return Err(SelectError::InvalidParameter);
        }
        if lo >= hi {
            return Err(SelectError::InvalidParameter);
        }
        for (index, &x) in data.iter().enumerate() {
            if !x.is_finite() {
                return Err(SelectError::NonFinite { index });
            }
            if x < lo || x > hi {
                return Err(SelectError::OutOfInterval {
                    index,
                    value: x,
                    lo,
                    hi,
                });
            }
        }
        Ok(Self {
            data,
            lo,
            hi,
            refit_passes: 0,
        })
    }

    /// Refit every level by `passes` EM passes before evaluating it (shifts fixed at the merged
    /// atoms' shifts; weights, shapes and rates re-estimated from the responsibilities with the
    /// untruncated M-step λ = α/m, log α − ψ(α) = log m − L). 0 (the default) evaluates the
    /// merged atoms as they are. The dendrogram's atoms and heights are not changed.
    pub fn with_refit(mut self, passes: usize) -> Self {
        self.refit_passes = passes;
        self
    }

    /// One EM pass over the data with fixed shifts (in place); atoms without data keep theirs.
    fn em_pass(&self, atoms: &mut [GammaAtom]) -> Result<(), SelectError> {
        let k = atoms.len().min(MAX_GAMMA_ATOMS);
        let mut cst = [0.0f64; MAX_GAMMA_ATOMS];
        for (c, a) in cst.iter_mut().zip(atoms.iter()) {
            *c = libm::log(a.weight) + a.shape * libm::log(a.rate) - ln_gamma(a.shape);
        }
        let mut s0 = [0.0f64; MAX_GAMMA_ATOMS];
        let mut s1 = [0.0f64; MAX_GAMMA_ATOMS];
        let mut sl = [0.0f64; MAX_GAMMA_ATOMS];
        let mut lf = [0.0f64; MAX_GAMMA_ATOMS];
        for &x in self.data {
            for ((l, a), c) in lf.iter_mut().zip(atoms.iter()).zip(cst.iter()) {
                let y = x - a.shift;
                *l = if y > 0.0 {
                    c + (a.shape - 1.0) * libm::log(y) - a.rate * y
                } else {
                    f64::NEG_INFINITY
                };
            }
            // Responsibilities in place; a point no atom covers adds nothing.
            if !softmax_in_place(&mut lf[..k], 0.0).is_finite() {
                continue;
            }
            for (i, a) in atoms.iter().enumerate().take(k) {
                let r = lf[i];
                if r > 1e-12 {
                    let y = x - a.shift;
                    s0[i] += r;
                    s1[i] += r * y;
                    sl[i] += r * libm::log(y);
                }
            }
        }
        let total: f64 = s0.iter().take(k).sum();
        if !(total.is_finite() && total > 0.0) {
            return Err(SelectError::NumericalFailure);
        }
        for (i, a) in atoms.iter_mut().enumerate().take(k) {
            if s0[i] <= 1e-9 * total {
                continue;
            }
            let m = s1[i] / s0[i];
            let l = sl[i] / s0[i];
            if let Ok(shape) = shape_from_log_gap(libm::log(m) - l) {
                let cand = GammaAtom {
                    weight: s0[i] / total,
                    shape,
                    rate: shape / m,
                    ..*a
                };
                if cand.validate().is_ok() {
                    *a = cand;
                }
            }
        }
        Ok(())
    }

    /// log of the truncation mass Z of one atom on [lo, hi] (−inf when it has none).
    fn log_mass(&self, a: &GammaAtom) -> f64 {
        let ul = a.rate * (self.lo - a.shift).max(0.0);
        let uh = a.rate * (self.hi - a.shift).max(0.0);
        let ph = gamma_p(a.shape, uh);
        let z = if ph > 0.5 {
            gamma_q(a.shape, ul) - gamma_q(a.shape, uh)
        } else {
            ph - gamma_p(a.shape, ul)
        };
        if z > 0.0 {
            libm::log(z)
        } else {
            f64::NEG_INFINITY
        }
    }
}

impl LevelLikelihood<GammaAtom> for GammaLevelLikelihood<'_> {
    fn evaluate(&mut self, atoms: &[GammaAtom]) -> Result<LevelFit, SelectError> {
        self.evaluate_into(atoms, &mut [])
    }
}

impl GammaLevelLikelihood<'_> {
    /// The interval [lo, hi] the atoms are truncated to.
    pub fn interval(&self) -> (f64, f64) {
        (self.lo, self.hi)
    }

    /// The data evaluated.
    pub fn data(&self) -> &[f64] {
        self.data
    }

    /// Number of EM refit passes per level ([`GammaLevelLikelihood::with_refit`]).
    pub fn refit_passes(&self) -> usize {
        self.refit_passes
    }

    /// [`LevelLikelihood::evaluate`], also writing the evaluated atoms (after the refit passes)
    /// into `out[..min(len, out.len())]`.
    pub(crate) fn evaluate_into(
        &mut self,
        atoms: &[GammaAtom],
        out: &mut [GammaAtom],
    ) -> Result<LevelFit, SelectError> {
        let k = atoms.len();
        if k == 0 {
            return Err(SelectError::TooFewAtoms);
        }
        if k > MAX_GAMMA_ATOMS {
            return Err(SelectError::TooManyAtoms {
                capacity: MAX_GAMMA_ATOMS,
            });
        }
        let mut work = [GammaAtom::default(); MAX_GAMMA_ATOMS];
        for (w, a) in work.iter_mut().zip(atoms) {
            a.validate()?;
            *w = *a;
        }
        let atoms = work.get_mut(..k).ok_or(SelectError::TooManyAtoms {
            capacity: MAX_GAMMA_ATOMS,
        })?;
        for _ in 0..self.refit_passes {
            self.em_pass(atoms)?;
        }
        let atoms: &[GammaAtom] = atoms;
        for (o, a) in out.iter_mut().zip(atoms) {
            *o = *a;
        }
        // per-atom constant: log p + α log λ − lnΓ(α) − log Z
        let mut cst = [0.0f64; MAX_GAMMA_ATOMS];
        for (c, a) in cst.iter_mut().zip(atoms) {
            a.validate()?;
            *c = libm::log(a.weight) + a.shape * libm::log(a.rate)
                - ln_gamma(a.shape)
                - self.log_mass(a);
        }
        let mut lf = [0.0f64; MAX_GAMMA_ATOMS];
        let (mut ll, mut ent) = (0.0, 0.0);
        for &x in self.data {
            for ((l, a), c) in lf.iter_mut().zip(atoms).zip(cst.iter()) {
                let y = x - a.shift;
                *l = if y > 0.0 && c.is_finite() {
                    c + (a.shape - 1.0) * libm::log(y) - a.rate * y
                } else {
                    f64::NEG_INFINITY
                };
            }
            let lse = log_sum_exp(&lf[..k]);
            if !lse.is_finite() {
                return Err(SelectError::OutOfSupport);
            }
            ll += lse;
            for l in lf.iter().take(k) {
                let lr = l - lse;
                if lr.is_finite() {
                    ent -= libm::exp(lr) * lr;
                }
            }
        }
        Ok(LevelFit {
            log_likelihood: ll,
            entropy: ent.max(0.0),
            n_obs: self.data.len(),
            n_params: 4 * k - 1,
        })
    }
}
