//! The caller-owned memory of a mixture fit: every large buffer in one struct, so a fit's own
//! stack stays small and the buffers can live in a `static`, a `Box` or a reused local.

use super::engine::{Run, Scratch, Spare};
use super::moments::{MomentBins, Points};
use super::newton::Derivs;
use super::warm::{Reservoir, RESERVOIR_CAPACITY};
use super::{Cands, MixtureFit, COARSE_CAP, QUANTILES, SKETCH_BINS};

/// The memory a mixture fit works in ([`super::fit_mixture_in`]): the 4096-bin moment sketch
/// of the data, its two-point representations (fine and coarse), the sorted pseudo-sample the
/// starts are drawn from, the reservoir subsample, and the optimiser's pass statistics and
/// derivative matrices — 578 KiB ([`MixtureWorkspace::BYTES`]), whatever the number of
/// values or components.
///
/// `MixtureWorkspace::new()` is `const` and all bits zero, so a `static` one lives in `.bss`
/// (no flash); reuse one workspace for every fit (each call resets what it reads). Nothing in
/// it carries over from one fit to the next: results do not depend on what the workspace held.
///
/// ```
/// use simstat::fit::MixtureWorkspace;
/// static mut WORKSPACE: MixtureWorkspace = MixtureWorkspace::new(); // e.g. on a device
/// let ws = Box::new(MixtureWorkspace::new()); // or on the heap
/// assert!(MixtureWorkspace::BYTES < 600 * 1024);
/// # drop(ws);
/// ```
pub struct MixtureWorkspace {
    pub(crate) bins: MomentBins<SKETCH_BINS>,
    pub(crate) reservoir: Reservoir<RESERVOIR_CAPACITY>,
    pub(crate) stage: StageBuffers,
    /// A fit continued in place ([`super::refit_in_slot`]: the start, then the result).
    pub(crate) slot: MixtureFit,
}

impl MixtureWorkspace {
    /// Size in bytes.
    pub const BYTES: usize = core::mem::size_of::<Self>();

    /// An unused workspace (all bits zero).
    #[must_use]
    pub const fn new() -> Self {
        MixtureWorkspace {
            bins: MomentBins::blank(),
            reservoir: Reservoir::blank(),
            stage: StageBuffers::new(),
            slot: MixtureFit::placeholder(),
        }
    }
}

impl Default for MixtureWorkspace {
    fn default() -> Self {
        Self::new()
    }
}

impl core::fmt::Debug for MixtureWorkspace {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "MixtureWorkspace({} bytes)", Self::BYTES)
    }
}

/// The buffers of the warm start's stages (read from the sketch and the subsample, which live
/// beside them).
pub(crate) struct StageBuffers {
    pub fine: Points<{ 2 * SKETCH_BINS }>,
    pub coarse: Points<COARSE_CAP>,
    pub quantiles: [f64; QUANTILES],
    pub engine: Engine,
}

impl StageBuffers {
    pub const fn new() -> Self {
        StageBuffers {
            fine: Points::new(),
            coarse: Points::new(),
            quantiles: [0.0; QUANTILES],
            engine: Engine::new(),
        }
    }
}

/// The optimiser's buffers: one run's scratch, the Hessian handed from the sketch stage to
/// the exact stage, and the runs of the staged fit and its multi-start.
pub(crate) struct Engine {
    pub scratch: Scratch,
    pub hess: Derivs,
    pub cands: Cands,
    /// The multi-start's runs and start.
    pub spare: Spare,
    /// The staged fit's runs (the K-component run, the (K − 1) one, the polish from it).
    pub runs: [Run; 3],
}

impl Engine {
    pub const fn new() -> Self {
        Engine {
            scratch: Scratch::new(),
            hess: Derivs::empty(),
            cands: Cands::blank(),
            spare: Spare::new(),
            runs: [Run::blank(), Run::blank(), Run::blank()],
        }
    }
}
