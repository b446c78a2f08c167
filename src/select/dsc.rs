//! The Dendrogram Selection Criterion DSC(κ) = −(h(κ) + ω_N ℓ̄(κ)) and its options.
use super::criteria::Criteria;
use super::dendrogram::Dendrogram;
use super::leaves::LeafRule;
use super::merge::Atom;
use super::SelectError;

/// The penalty ω_N multiplying the mean log-likelihood in DSC.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Omega {
    /// ω_N = log N (the paper's default).
    LogN,
    /// ω_N = √N (admissible for the theory's ω_N → ∞, ω_N = o(N / log log N)).
    SqrtN,
    /// ω_N = √(N ln N) (admissible likewise; the scale that pairs with [`HeightScale::Log`]:
    /// see [`HeightScale::Log`] for why ω must grow faster than ln N there).
    SqrtNLogN,
    /// A fixed ω (must be finite and > 0).
    Fixed(f64),
}

/// The scale on which merge heights enter DSC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeightScale {
    /// h(κ) itself, the paper's DSC(κ) = −(h(κ) + ω_N ℓ̄(κ)).
    Linear,
    /// ln h(κ): DSC(κ) = −(ln h(κ) + ω_N ℓ̄(κ)). Invariant to the units of the chart (a common
    /// factor on every height shifts every level alike), and consistent on the same argument
    /// as the paper's: over-fitted heights → 0, so ln h → −∞ and those levels lose; a true
    /// merge keeps a bounded ln h, while ω_N·Δℓ̄ of an under-fitted level grows without bound.
    /// Why not linear: with unequal weights the top merge's height is large (0.7–0.9 in units
    /// of the mixture's sd against 0.15 for a 10 % component's merge), so the linear DSC keeps
    /// choosing the top split unless ln N·Δℓ̄ exceeds that gap (measured: 0 of 20 at weights
    /// 0.6/0.3/0.1, 4 sd, N = 2000). On the log scale the gap is a ratio (ln(0.74/0.17) ≈ 1.5)
    /// while over-fitted levels sit 4–5 below, so ω can grow: with ω_N ≈ 45–250 at N = 2000
    /// the measured levels choose the truth, hence [`Omega::SqrtNLogN`] (123 at N = 2000). A
    /// height of exactly 0 (duplicate atoms) gives DSC = +∞ at that level.
    Log,
}

/// How DSC treats level κ = 1, which has no next merge and hence no height.
///
/// The paper's DSC (and the reference code, which evaluates levels K0..2) cannot return 1.
/// Any fixed h(1) > 0 keeps the consistency argument (for K = 1 every over-fitted height and
/// ω_N·Δℓ̄ vanish; for K ≥ 2, ω_N(ℓ̄(K) − ℓ̄(1)) → ∞ beats a constant), so a constant is a
/// sound extension. For standardised gamma atoms `Height(1.0)` is the natural one: the mean
/// part of a level-2 height, p(1 − p)(Δμ/S)², is the between-atom share of the total variance
/// and never exceeds 1 (measured in `src/select/README.md`).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum KappaOne {
    /// DSC ranges over κ = 2..=K0 only (the paper's and the reference code's range).
    #[default]
    Excluded,
    /// Use h(1) = ω_N / √N (an extension; it vanishes as N grows, so over-fitted level-2
    /// heights of a single gamma, which shrink slowly, beat it: measured 0.05 / 0.00 at
    /// N = 2000 / 20,000 on one gamma).
    NoiseScale,
    /// Use the given h(1) (finite, ≥ 0; an extension, see above).
    Height(f64),
}

/// How [`select_order`](super::select_order) refits each level of the dendrogram before
/// evaluating it. The merged atoms are a start, not the level's maximum-likelihood fit: a level
/// made by moment merges sits below the κ-component optimum (measured: 15 nats at κ = 3,
/// N = 2000), and DSC compares levels by ω_N·ℓ̄.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LevelRefit {
    /// The merged atoms as they are (the paper's DSC).
    #[default]
    None,
    /// EM passes with the shifts fixed (weights, shapes, rates re-estimated).
    Em {
        /// Number of EM passes.
        passes: usize,
    },
    /// Projected Newton from the merged atoms to the level's likelihood optimum
    /// ([`fit_mixture_from`](crate::fit::fit_mixture_from)), at most `max_passes` iterations.
    Mle {
        /// Iteration limit of each level's polish.
        max_passes: usize,
    },
    /// [`LevelRefit::Mle`], and every level also polished from its neighbours, the best kept:
    /// top-down from level κ + 1 with its lightest atom merged into its nearest, then
    /// bottom-up from level κ − 1 with one atom split in two (the heaviest, and the one holding
    /// the most variance p·σ²). Repairs levels whose merged atoms grouped the wrong pair.
    /// Costs up to three more polishes per level.
    MleNested {
        /// Iteration limit of each polish.
        max_passes: usize,
    },
}

/// Options of [`select_order`](super::select_order) and [`Dendrogram::criteria`] (which reads
/// `omega`, `kappa_one` and `height_scale` only).
///
/// The defaults are the measured choice for gamma mixtures (`src/select/README.md`): heights
/// on the log scale with ω_N = √(N ln N) ([`HeightScale::Log`], [`Omega::SqrtNLogN`]), κ = 1
/// excluded, the leaf rule, levels polished to their optimum ([`LevelRefit::MleNested`]). [`DscOptions::paper`] is the paper's DSC.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DscOptions {
    /// The penalty ω_N (default √(N ln N); the paper's is ln N).
    pub omega: Omega,
    /// Treatment of κ = 1 (default: excluded, as in the paper).
    pub kappa_one: KappaOne,
    /// The scale of the heights in DSC (default [`HeightScale::Log`]; the paper's is linear).
    pub height_scale: HeightScale,
    /// How each level is refitted before its likelihood is taken (used by
    /// [`select_order`](super::select_order); default [`LevelRefit::MleNested`] with 30 passes:
    /// each level polished to its likelihood optimum from the merged atoms and from its
    /// neighbouring levels).
    pub refit: LevelRefit,
    /// The rule that turns the over-fit's components into leaves (default [`LeafRule::default`]:
    /// truncated moments, negligible / point-mass / duplicate atoms absorbed).
    pub leaves: LeafRule,
}

impl Default for DscOptions {
    fn default() -> Self {
        DscOptions {
            omega: Omega::SqrtNLogN,
            kappa_one: KappaOne::Excluded,
            height_scale: HeightScale::Log,
            refit: LevelRefit::MleNested { max_passes: 30 },
            leaves: LeafRule::default(),
        }
    }
}

impl DscOptions {
    /// The paper's DSC as the reference code runs it: heights on the linear scale,
    /// ω_N = ln N, κ = 1 excluded, every component a leaf, merged levels not refitted. Use it
    /// for SGMoE dendrograms (where the defaults' log heights and √N are not measured) and to
    /// reproduce the paper.
    pub fn paper() -> Self {
        DscOptions {
            omega: Omega::LogN,
            kappa_one: KappaOne::Excluded,
            height_scale: HeightScale::Linear,
            refit: LevelRefit::None,
            leaves: LeafRule::keep_all(),
        }
    }
}

impl<A: Atom, const K: usize> Dendrogram<A, K> {
    /// DSC, AIC, BIC and ICL at every level, after [`Dendrogram::evaluate`].
    ///
    /// DSC(κ) = −( h(κ) + ω_N ℓ̄(κ) ) with h(κ) the height of the merge from κ to κ − 1 and ℓ̄(κ)
    /// the mean log-likelihood per observation; AIC = −2ℓ + 2k, BIC = −2ℓ + k log N,
    /// ICL = BIC + 2·EN (all lower-is-better; choose the argmin).
    ///
    /// # Errors
    /// [`SelectError::NotEvaluated`] before `evaluate`, [`SelectError::InvalidParameter`] for a
    /// bad fixed ω or h(1), [`SelectError::TooFewSamples`] when N = 0.
    pub fn criteria(&self, opts: &DscOptions) -> Result<Criteria<K>, SelectError> {
        let mut c = Criteria {
            k0: self.k0,
            n_obs: 0,
            omega: 0.0,
            height: [f64::NAN; K],
            mean_ll: [f64::NAN; K],
            dsc: [f64::NAN; K],
            aic: [f64::NAN; K],
            bic: [f64::NAN; K],
            icl: [f64::NAN; K],
        };
        let top = self.fit(self.k0).ok_or(SelectError::NotEvaluated)?;
        let n = top.n_obs;
        if n == 0 {
            return Err(SelectError::TooFewSamples { n: 0, needed: 1 });
        }
        let nf = n as f64;
        let omega = match opts.omega {
            Omega::LogN => libm::log(nf),
            Omega::SqrtN => libm::sqrt(nf),
            Omega::SqrtNLogN => libm::sqrt(nf * libm::log(nf)),
            Omega::Fixed(w) if w.is_finite() && w > 0.0 => w,
            Omega::Fixed(_) => return Err(SelectError::InvalidParameter),
        };
        let h1 = match opts.kappa_one {
            KappaOne::Excluded => f64::NAN,
            KappaOne::NoiseScale => omega / libm::sqrt(nf),
            KappaOne::Height(h) if h.is_finite() && h >= 0.0 => h,
            KappaOne::Height(_) => return Err(SelectError::InvalidParameter),
        };
        c.n_obs = n;
        c.omega = omega;
        for kappa in 1..=self.k0 {
            let fit = self.fit(kappa).ok_or(SelectError::NotEvaluated)?;
            let i = kappa - 1;
            let ll = fit.log_likelihood;
            let k = fit.n_params as f64;
            let mean = ll / nf;
            let h = if kappa == 1 {
                h1
            } else {
                self.height(kappa).unwrap_or(f64::NAN)
            };
            c.height[i] = h;
            c.mean_ll[i] = mean;
            let hs = match opts.height_scale {
                HeightScale::Linear => h,
                HeightScale::Log => libm::log(h),
            };
            c.dsc[i] = -(hs + omega * mean);
            c.aic[i] = -2.0 * ll + 2.0 * k;
            c.bic[i] = -2.0 * ll + k * libm::log(nf);
            c.icl[i] = c.bic[i] + 2.0 * fit.entropy;
        }
        Ok(c)
    }
}
