//! Order selection for C: the Dendrogram Selection Criterion over a fitted mixture's merge
//! dendrogram (`simstat::select::select_order`), its options with typed codes, and the
//! per-level report.

use simstat::select::{
    select_order_in, DscOptions, HeightScale, KappaOne, LeafRule, LevelRefit, MergeStep, Omega,
    Selection,
};

use crate::fit::{cosine_mixture, SimstatMixture, SIMSTAT_MAX_COMPONENTS};
use crate::ptr::{read_opt, slice, write};
use crate::status::{status, SimstatStatus};
use crate::workspace::{region, Place};

/// The penalty ω_N of DSC (`SimstatDscOptions::omega_rule` holds one of these codes).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SimstatOmegaRule {
    /// The default of `select::DscOptions` (√N).
    Default = 0,
    /// ln N (the paper's).
    LogN = 1,
    /// √N.
    SqrtN = 2,
    /// The fixed value `SimstatDscOptions::omega`.
    Fixed = 3,
}

/// The scale of the merge heights in DSC (`SimstatDscOptions::height_scale` holds one of these
/// codes).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SimstatHeightScale {
    /// The default of `select::DscOptions` (ln h).
    Default = 0,
    /// Linear heights (the paper's).
    Linear = 1,
    /// ln h.
    Log = 2,
}

/// Level κ = 1 in DSC (`SimstatDscOptions::kappa_one` holds one of these codes).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SimstatKappaOne {
    /// Excluded from DSC (the default, the paper's range).
    Excluded = 0,
    /// Height ω_N/√N (experimental).
    NoiseScale = 1,
    /// Height `SimstatDscOptions::kappa_one_height`.
    Height = 2,
}

/// How each level is refitted before its log-likelihood is taken
/// (`SimstatDscOptions::refit_mode` holds one of these codes).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SimstatRefitMode {
    /// Polished to its likelihood optimum from the merged atoms and from its neighbouring
    /// levels, at most `refit_passes` Newton passes per polish (the default, `MleNested`).
    MleNested = 0,
    /// Not refitted (the paper's DSC).
    NoRefit = 1,
    /// `refit_passes` EM passes with the shifts fixed.
    Em = 2,
    /// Polished from the merged atoms only (`Mle`).
    Mle = 3,
}

/// Which components of the over-fit become leaves (`SimstatDscOptions::leaf_rule` holds one of
/// these codes).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SimstatLeafRule {
    /// The default of `select::LeafRule` (truncated moments; negligible, point-mass and
    /// duplicate components absorbed before merging).
    Default = 0,
    /// Every component a leaf.
    KeepAll = 1,
}

/// An omega code from C (another value: `SIMSTAT_STATUS_BAD_PARAMETER`).
impl TryFrom<u32> for SimstatOmegaRule {
    type Error = SimstatStatus;
    fn try_from(v: u32) -> Result<Self, SimstatStatus> {
        enum_from_u32!(
            v,
            SimstatOmegaRule {
                Default,
                LogN,
                SqrtN,
                Fixed
            }
        )
    }
}

/// A height-scale code from C (another value: `SIMSTAT_STATUS_BAD_PARAMETER`).
impl TryFrom<u32> for SimstatHeightScale {
    type Error = SimstatStatus;
    fn try_from(v: u32) -> Result<Self, SimstatStatus> {
        enum_from_u32!(
            v,
            SimstatHeightScale {
                Default,
                Linear,
                Log
            }
        )
    }
}

/// A κ = 1 code from C (another value: `SIMSTAT_STATUS_BAD_PARAMETER`).
impl TryFrom<u32> for SimstatKappaOne {
    type Error = SimstatStatus;
    fn try_from(v: u32) -> Result<Self, SimstatStatus> {
        enum_from_u32!(
            v,
            SimstatKappaOne {
                Excluded,
                NoiseScale,
                Height
            }
        )
    }
}

/// A refit code from C (another value: `SIMSTAT_STATUS_BAD_PARAMETER`).
impl TryFrom<u32> for SimstatRefitMode {
    type Error = SimstatStatus;
    fn try_from(v: u32) -> Result<Self, SimstatStatus> {
        enum_from_u32!(
            v,
            SimstatRefitMode {
                MleNested,
                NoRefit,
                Em,
                Mle
            }
        )
    }
}

/// A leaf-rule code from C (another value: `SIMSTAT_STATUS_BAD_PARAMETER`).
impl TryFrom<u32> for SimstatLeafRule {
    type Error = SimstatStatus;
    fn try_from(v: u32) -> Result<Self, SimstatStatus> {
        enum_from_u32!(v, SimstatLeafRule { Default, KeepAll })
    }
}

/// Options of `simstat_select_dsc`; `simstat_dsc_options_default` fills the defaults (every
/// field 0). The rule fields hold codes of the enums they name; any other value is
/// `SIMSTAT_STATUS_BAD_PARAMETER`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct SimstatDscOptions {
    /// A `SimstatOmegaRule` code: 0 the default (√N), 1 ln N, 2 √N, 3 the fixed `omega`.
    pub omega_rule: u32,
    /// ω when `omega_rule` = 3 (finite, > 0; anything else is `SIMSTAT_STATUS_BAD_PARAMETER`).
    pub omega: f64,
    /// A `SimstatHeightScale` code: 0 the default (ln h), 1 linear, 2 ln h.
    pub height_scale: u32,
    /// A `SimstatKappaOne` code: 0 excluded (default), 1 height ω_N/√N, 2 `kappa_one_height`.
    pub kappa_one: u32,
    /// h(1) when `kappa_one` = 2 (finite, ≥ 0).
    pub kappa_one_height: f64,
    /// Passes of the level refit `refit_mode` names (0 with modes 0 and 3 means 30).
    pub refit_passes: u32,
    /// A `SimstatRefitMode` code: 0 polished from atoms and neighbours (default), 1 not
    /// refitted, 2 EM passes with the shifts fixed, 3 polished from the merged atoms only. The
    /// mixture written out is the level as evaluated.
    pub refit_mode: u32,
    /// Level whose merged mixture goes to `SimstatSelection::selected`: 0 the one DSC chose
    /// (default), κ ∈ 1..=K0 that level (else `SIMSTAT_STATUS_BAD_LENGTH`).
    pub level: u32,
    /// A `SimstatLeafRule` code: 0 the default leaf rule, 1 every component a leaf.
    pub leaf_rule: u32,
}

/// The Rust options of the C fields (a code that is not its enum's:
/// `SIMSTAT_STATUS_BAD_PARAMETER`; `level` is not an option of the selection).
impl TryFrom<&SimstatDscOptions> for DscOptions {
    type Error = SimstatStatus;
    fn try_from(o: &SimstatDscOptions) -> Result<Self, SimstatStatus> {
        let defaults = DscOptions::default();
        let mle_passes = match o.refit_passes {
            0 => 30,
            p => p as usize,
        };
        Ok(DscOptions {
            omega: match SimstatOmegaRule::try_from(o.omega_rule)? {
                SimstatOmegaRule::Default => defaults.omega,
                SimstatOmegaRule::LogN => Omega::LogN,
                SimstatOmegaRule::SqrtN => Omega::SqrtN,
                SimstatOmegaRule::Fixed => Omega::Fixed(o.omega),
            },
            kappa_one: match SimstatKappaOne::try_from(o.kappa_one)? {
                SimstatKappaOne::Excluded => KappaOne::Excluded,
                SimstatKappaOne::NoiseScale => KappaOne::NoiseScale,
                SimstatKappaOne::Height => KappaOne::Height(o.kappa_one_height),
            },
            height_scale: match SimstatHeightScale::try_from(o.height_scale)? {
                SimstatHeightScale::Default => defaults.height_scale,
                SimstatHeightScale::Linear => HeightScale::Linear,
                SimstatHeightScale::Log => HeightScale::Log,
            },
            refit: match SimstatRefitMode::try_from(o.refit_mode)? {
                SimstatRefitMode::MleNested => LevelRefit::MleNested {
                    max_passes: mle_passes,
                },
                SimstatRefitMode::NoRefit => LevelRefit::None,
                SimstatRefitMode::Em => LevelRefit::Em {
                    passes: o.refit_passes as usize,
                },
                SimstatRefitMode::Mle => LevelRefit::Mle {
                    max_passes: mle_passes,
                },
            },
            leaves: match SimstatLeafRule::try_from(o.leaf_rule)? {
                SimstatLeafRule::Default => LeafRule::default(),
                SimstatLeafRule::KeepAll => LeafRule::keep_all(),
            },
        })
    }
}

/// One merge of the dendrogram (the step from level κ to κ − 1).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct SimstatMergeStep {
    /// Node id of the first merged cluster: leaves are 0..K0 (the components the leaf rule
    /// kept, in their order in the mixture), merge m creates node K0 + m.
    pub node_i: usize,
    /// Node id of the second merged cluster.
    pub node_j: usize,
    /// Height: the weighted dissimilarity at which the merge happened.
    pub height: f64,
    /// Weight of the merged atom.
    pub weight: f64,
}

/// The C step of a Rust merge.
impl From<&MergeStep> for SimstatMergeStep {
    fn from(m: &MergeStep) -> Self {
        Self {
            node_i: m.node_i,
            node_j: m.node_j,
            height: m.height,
            weight: m.weight,
        }
    }
}

/// Result of `simstat_select_dsc`. Per-level arrays are indexed by κ − 1 (κ = 1..=K0; entries
/// at κ > K0 are NaN); every criterion is lower-is-better.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct SimstatSelection {
    /// Number of leaves K0: the over-fitted mixture's components left by the leaf rule.
    pub k0: usize,
    /// Number of observations N.
    pub n: u64,
    /// The penalty ω_N used.
    pub omega: f64,
    /// Order chosen by DSC (argmin over κ = 2..=K0 unless κ = 1 is included; 1 when K0 = 1).
    pub dsc_choice: usize,
    /// Order chosen by AIC over the levels.
    pub aic_choice: usize,
    /// Order chosen by BIC over the levels.
    pub bic_choice: usize,
    /// Order chosen by ICL over the levels.
    pub icl_choice: usize,
    /// h(κ): height of the merge from κ to κ − 1 (at κ = 1 per `kappa_one`, NaN if excluded).
    pub height: [f64; SIMSTAT_MAX_COMPONENTS],
    /// Log-likelihood of level κ.
    pub log_likelihood: [f64; SIMSTAT_MAX_COMPONENTS],
    /// DSC(κ) = −(h(κ) + ω_N·LL(κ)/N) (NaN where undefined).
    pub dsc: [f64; SIMSTAT_MAX_COMPONENTS],
    /// AIC of level κ.
    pub aic: [f64; SIMSTAT_MAX_COMPONENTS],
    /// BIC of level κ.
    pub bic: [f64; SIMSTAT_MAX_COMPONENTS],
    /// ICL = BIC + 2·entropy of level κ.
    pub icl: [f64; SIMSTAT_MAX_COMPONENTS],
    /// The K0 − 1 merges in order (merge m takes level K0 − m to K0 − m − 1); the rest zero.
    pub merges: [SimstatMergeStep; SIMSTAT_MAX_COMPONENTS],
    /// Level of `selected` (DSC's choice unless the options name one).
    pub selected_level: usize,
    /// The merged mixture at `selected_level` (cosine scale; log-likelihood, AIC, BIC of that
    /// level; run facts zero).
    pub selected: SimstatMixture,
    /// Components of the over-fit absorbed by the leaf rule (its K minus `k0`).
    pub absorbed: usize,
    /// 1 when the over-fit reported convergence, 0 otherwise.
    pub overfit_converged: u32,
}

/// The C report of a selection over `n` observations with the merged mixture of `level`
/// (0: DSC's choice; past K0: `SIMSTAT_STATUS_BAD_LENGTH`).
fn selection_c(sel: &Selection, level: usize, n: u64) -> Result<SimstatSelection, SimstatStatus> {
    let c = sel.criteria();
    let k0 = sel.leaves();
    let level = match level {
        0 => sel.dsc_choice(),
        l if l <= k0 => l,
        _ => return Err(SimstatStatus::BadLength),
    };
    let nan = [f64::NAN; SIMSTAT_MAX_COMPONENTS];
    let mut s = SimstatSelection {
        k0,
        n,
        omega: c.omega(),
        dsc_choice: sel.dsc_choice(),
        aic_choice: sel.aic_choice(),
        bic_choice: sel.bic_choice(),
        icl_choice: sel.icl_choice(),
        height: nan,
        log_likelihood: nan,
        dsc: nan,
        aic: nan,
        bic: nan,
        icl: nan,
        merges: [SimstatMergeStep::default(); SIMSTAT_MAX_COMPONENTS],
        selected_level: level,
        selected: SimstatMixture::default(),
        absorbed: sel.absorbed(),
        overfit_converged: u32::from(sel.overfit_converged()),
    };
    let copy = |dst: &mut [f64; SIMSTAT_MAX_COMPONENTS], src: &[f64]| {
        for (d, &v) in dst.iter_mut().zip(src) {
            *d = v;
        }
    };
    copy(&mut s.height, c.height_curve());
    copy(&mut s.dsc, c.dsc_curve());
    copy(&mut s.aic, c.aic_curve());
    copy(&mut s.bic, c.bic_curve());
    copy(&mut s.icl, c.icl_curve());
    for (kappa, slot) in (1..=k0).zip(s.log_likelihood.iter_mut()) {
        *slot = sel.log_likelihood(kappa).unwrap_or(f64::NAN);
    }
    for (dst, m) in s.merges.iter_mut().zip(sel.merges()) {
        *dst = m.into();
    }
    let chosen = sel.mixture(level)?;
    let i = level - 1;
    s.selected = SimstatMixture {
        aic: s.aic[i],
        bic: s.bic[i],
        ..SimstatMixture::from_components(
            chosen.weights(),
            chosen.components(),
            n,
            s.log_likelihood[i],
        )
    };
    Ok(s)
}

/// Fills `opts` with the DSC defaults of `select::DscOptions::default()` (ln heights,
/// ω_N = √N, κ = 1 excluded, the leaf rule, levels polished, DSC's level): every field 0.
#[no_mangle]
pub extern "C" fn simstat_dsc_options_default(opts: *mut SimstatDscOptions) -> SimstatStatus {
    status(write(opts, SimstatDscOptions::default()))
}

/// Order selection by the Dendrogram Selection Criterion: the K0 components of a cosine-scale
/// `mixture` (an over-fitted fit, e.g. from `simstat_fit_mixture`) are merged pair by pair
/// into a dendrogram (`select::Dendrogram` of `select::GammaAtom`s), every level κ = K0..1 is
/// evaluated on the `n` values of `data` (the data of the fit; inside the components' common
/// interval), and DSC, AIC, BIC and ICL are written per level to `out` with the merged mixture
/// of the chosen level (`select::select_order`). `opts` may be null for the defaults.
/// Components with different intervals are `SIMSTAT_STATUS_BAD_PARAMETER`; a Fisher-z
/// background is `SIMSTAT_STATUS_WRONG_SCALE`.
///
/// Stack: the level polishes' workspace (578 KiB) lives on this call's own stack (the C face
/// has no allocator): for large stacks only; on a small one call [`simstat_select_dsc_in`].
#[no_mangle]
pub extern "C" fn simstat_select_dsc(
    mixture: *const SimstatMixture,
    data: *const f64,
    n: usize,
    opts: *const SimstatDscOptions,
    out: *mut SimstatSelection,
) -> SimstatStatus {
    status(select(mixture, (data, n), opts, Place::Stack, out))
}

/// [`simstat_select_dsc`] in caller memory: `workspace` holds at least
/// `simstat_mixture_workspace_size()` bytes aligned to `simstat_mixture_workspace_align()`,
/// overlapping none of the other arguments; nothing is allocated and the call's own stack
/// stays small (the Rust `select::select_order_in`: 14.2 KiB measured on x86-64). The same
/// selection, bit for bit. Errors as [`simstat_select_dsc`]; `SIMSTAT_STATUS_NULL_POINTER`
/// for a null workspace, `SIMSTAT_STATUS_BAD_LENGTH` for a short, misaligned or overlapping
/// one.
#[no_mangle]
pub extern "C" fn simstat_select_dsc_in(
    mixture: *const SimstatMixture,
    data: *const f64,
    n: usize,
    opts: *const SimstatDscOptions,
    workspace: *mut u8,
    workspace_len: usize,
    out: *mut SimstatSelection,
) -> SimstatStatus {
    let ws = Place::Caller(workspace, workspace_len);
    status(select(mixture, (data, n), opts, ws, out))
}

/// The selection of [`simstat_select_dsc`] / [`simstat_select_dsc_in`] with its workspace at
/// `place`.
fn select(
    mixture: *const SimstatMixture,
    (data, n): (*const f64, usize),
    opts: *const SimstatDscOptions,
    place: Place,
    out: *mut SimstatSelection,
) -> Result<(), SimstatStatus> {
    let avoid = [region(mixture, 1), region(data, n), region(out, 1)];
    let m = cosine_mixture(mixture)?;
    let o = read_opt(opts).copied().unwrap_or_default();
    let data = slice(data, n)?;
    if out.is_null() {
        return Err(SimstatStatus::NullPointer);
    }
    let dsc = DscOptions::try_from(&o)?;
    let sel = place.run(&avoid, |ws| Ok(select_order_in(&m, data, &dsc, ws)?))?;
    write(out, selection_c(&sel, o.level as usize, n as u64)?)
}
