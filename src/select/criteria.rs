//! Per-level fit summaries and the criteria table (DSC, AIC, BIC, ICL) over all levels.
use core::fmt;

/// What a [`LevelLikelihood`] reports for one level of the dendrogram.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct LevelFit {
    /// Total log-likelihood ℓ = Σ_t log p(x_t) of the level's mixture.
    pub log_likelihood: f64,
    /// Classification entropy EN = −Σ_t Σ_k r_tk log r_tk ≥ 0 (ICL = BIC + 2·EN).
    pub entropy: f64,
    /// Number of observations N.
    pub n_obs: usize,
    /// Number of free parameters of the level's model.
    pub n_params: usize,
}

/// The caller's evaluator of a level: given the level's atoms, the log-likelihood of the data.
///
/// Implemented by [`GammaLevelLikelihood`](super::GammaLevelLikelihood) and
/// [`SgmoeLevelLikelihood`](super::sgmoe::SgmoeLevelLikelihood); implement it to use the
/// dendrogram with another model or with a refit of each level.
pub trait LevelLikelihood<A> {
    /// Evaluate the mixture made of `atoms` on the data.
    ///
    /// # Errors
    /// Any [`SelectError`](super::SelectError) describing why the level cannot be evaluated.
    fn evaluate(&mut self, atoms: &[A]) -> Result<LevelFit, super::SelectError>;
}

/// All criteria at every level κ = 1..=K0 (lower is better for each) and their choices.
#[derive(Debug, Clone, Copy)]
pub struct Criteria<const K: usize> {
    pub(crate) k0: usize,
    pub(crate) n_obs: usize,
    pub(crate) omega: f64,
    pub(crate) height: [f64; K],
    pub(crate) mean_ll: [f64; K],
    pub(crate) dsc: [f64; K],
    pub(crate) aic: [f64; K],
    pub(crate) bic: [f64; K],
    pub(crate) icl: [f64; K],
}

/// argmin over κ of a per-level curve (index κ − 1); NaN entries are skipped; 1 if all are NaN.
fn argmin_level(v: &[f64]) -> usize {
    let mut best = (1usize, f64::INFINITY);
    for (i, &x) in v.iter().enumerate() {
        if x < best.1 {
            best = (i + 1, x);
        }
    }
    best.0
}

impl<const K: usize> Criteria<K> {
    /// Number of levels K0.
    pub fn k0(&self) -> usize {
        self.k0
    }
    /// Number of observations N.
    pub fn n_obs(&self) -> usize {
        self.n_obs
    }
    /// The penalty ω_N used.
    pub fn omega(&self) -> f64 {
        self.omega
    }
    /// DSC curve, index κ − 1 (NaN where DSC is not defined, e.g. κ = 1 when excluded).
    pub fn dsc_curve(&self) -> &[f64] {
        self.dsc.get(..self.k0).unwrap_or(&[])
    }
    /// AIC = −2ℓ + 2k, index κ − 1.
    pub fn aic_curve(&self) -> &[f64] {
        self.aic.get(..self.k0).unwrap_or(&[])
    }
    /// BIC = −2ℓ + k log N, index κ − 1.
    pub fn bic_curve(&self) -> &[f64] {
        self.bic.get(..self.k0).unwrap_or(&[])
    }
    /// ICL = BIC + 2·EN, index κ − 1.
    pub fn icl_curve(&self) -> &[f64] {
        self.icl.get(..self.k0).unwrap_or(&[])
    }
    /// Heights h(κ) used by DSC, index κ − 1.
    pub fn height_curve(&self) -> &[f64] {
        self.height.get(..self.k0).unwrap_or(&[])
    }
    /// Mean log-likelihood per observation ℓ̄(κ), index κ − 1.
    pub fn mean_ll_curve(&self) -> &[f64] {
        self.mean_ll.get(..self.k0).unwrap_or(&[])
    }
    /// The order chosen by DSC (argmin).
    pub fn dsc_choice(&self) -> usize {
        argmin_level(self.dsc_curve())
    }
    /// The order chosen by AIC over the dendrogram's levels.
    pub fn aic_choice(&self) -> usize {
        argmin_level(self.aic_curve())
    }
    /// The order chosen by BIC over the dendrogram's levels.
    pub fn bic_choice(&self) -> usize {
        argmin_level(self.bic_curve())
    }
    /// The order chosen by ICL over the dendrogram's levels.
    pub fn icl_choice(&self) -> usize {
        argmin_level(self.icl_curve())
    }
}

impl<const K: usize> fmt::Display for Criteria<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "criteria over the dendrogram (N = {}, omega_N = {:.4}); lower is better",
            self.n_obs, self.omega
        )?;
        writeln!(
            f,
            "{:>5} {:>12} {:>12} {:>13} {:>14} {:>14} {:>14}",
            "kappa", "height", "mean ll", "DSC", "AIC", "BIC", "ICL"
        )?;
        for kappa in (1..=self.k0).rev() {
            let i = kappa - 1;
            writeln!(
                f,
                "{:>5} {:>12.5e} {:>12.6} {:>13.6} {:>14.3} {:>14.3} {:>14.3}",
                kappa,
                self.height.get(i).copied().unwrap_or(f64::NAN),
                self.mean_ll.get(i).copied().unwrap_or(f64::NAN),
                self.dsc.get(i).copied().unwrap_or(f64::NAN),
                self.aic.get(i).copied().unwrap_or(f64::NAN),
                self.bic.get(i).copied().unwrap_or(f64::NAN),
                self.icl.get(i).copied().unwrap_or(f64::NAN),
            )?;
        }
        writeln!(
            f,
            "chosen: DSC {}  AIC {}  BIC {}  ICL {}",
            self.dsc_choice(),
            self.aic_choice(),
            self.bic_choice(),
            self.icl_choice()
        )
    }
}
