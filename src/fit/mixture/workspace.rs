//! The caller-owned memory of a mixture fit: every large buffer in one struct, so a fit's own
//! stack stays small and the buffers can live in a `static`, a `Box` or a reused local.

use super::engine::{Run, Scratch, Spare};
use super::moments::MomentBins;
use super::newton::Derivs;
use super::warm::{Reservoir, RESERVOIR_CAPACITY};
use super::{Cands, MixtureFit, SKETCH_BINS};

/// The memory a mixture fit works in ([`super::fit_mixture_in`]): the moment sketch of the
/// data on `BINS` bins, its two-point representations (fine and coarse), the sorted
/// pseudo-sample the starts are drawn from, the reservoir subsample of up to `SAMPLE` values,
/// and the optimiser's pass statistics and derivative matrices — whatever the number of values
/// or components. [`MixtureWorkspace::BYTES`] (written `<MixtureWorkspace>::BYTES` for the
/// default sizes) says how much: 578 KiB at the defaults
/// (4096 bins, 8192 values), of which 258 KiB are the optimiser's and the fit slot's (sized
/// for [`MAX_COMPONENTS`](super::MAX_COMPONENTS) components, whatever the sizes: 65 KiB in a
/// build with `--cfg simstat_max_components="4"`) and
/// 64·`BINS` + 8·`SAMPLE` bytes the sketch's and the subsample's.
///
/// The sizes are the sketch's resolution and the subsample's capacity, for memory-poor
/// targets: `MixtureWorkspace<512, 1024>` is 298 KiB. Every `_in` call takes a workspace of
/// any size; the defaults are the desktop's. A smaller workspace is not the default fit
/// bit for bit: on K ≥ 2 the likelihood has several local optima, and another sketch or
/// subsample can lead the starts to another one, better or worse. Measured in
/// `tests/workspace_sizes.rs` on real scores (27 samples, K = 2 and 3, both kernels: log-
/// likelihood minus the default workspace's) and on the labelled retrieval data (the three
/// model-based cuts of 122 queries):
///
/// | sizes | bytes | ΔLL mean / worst (nats) | cuts as the default's | mean F1 |
/// |---|---|---|---|---|
/// | 4096 / 8192 (default) | 578 KiB | — | — | — |
/// | 1024 / 2048 | 338 KiB | +1.40 / −2.09 | 122 of 122 | the same |
/// | 512 / 1024 | 298 KiB | +0.49 / −2.40 | 118 of 122 | within 0.002 |
/// | 256 / 512 | 278 KiB | −0.24 / −12.6 | 110 of 122 | down by up to 0.044 |
///
/// 256 bins is too coarse for a fit on [−1, 1] (it loses on both); K = 1 fits agree to
/// 5e-5 nats whatever the size (1e-8 on 26 of the 27 samples). On a microcontroller, 512 bins with
/// [`min_subsample`](super::MixtureOptions::min_subsample) = 500 (so 2,000 scores take the
/// warm start on the sketch) reaches the default's K = 2 optimum on the firmware's 2,000
/// scores in 2 exact passes instead of 339 (README, "Targets"). What a size changes:
/// - `BINS` (at least 64): the warm start's sketch and the binned fits of the calibration's
///   background run on this many bins over the fit's interval (data filling fewer than 64 of
///   them are fitted on the subsample instead), the starts are drawn from `BINS`/2 quantiles,
///   and [`fit_mixture_from_sketch_in`](super::fit_mixture_from_sketch_in) takes sketches of up
///   to 2·`BINS` occupied bins; the online fit's minibatch is at most 2·`BINS` values.
/// - `SAMPLE` (at least 64): the subsample is ⌈N·fraction⌉ clamped to
///   [`min_subsample`](super::MixtureOptions::min_subsample)..=`SAMPLE`, and the online fit's
///   burn-in at most `SAMPLE` values.
///
/// `MixtureWorkspace::new()` (the default sizes) and [`MixtureWorkspace::blank`] (any sizes)
/// are `const` and all bits zero, so a `static` one lives in `.bss` (no flash); reuse one
/// workspace for every fit (each call resets what it reads). Nothing in it carries over from
/// one fit to the next: results do not depend on what the workspace held.
///
/// ```
/// use simstat::fit::MixtureWorkspace;
/// static mut WORKSPACE: MixtureWorkspace = MixtureWorkspace::new(); // e.g. on a device
/// static mut SMALL: MixtureWorkspace<512, 1024> = MixtureWorkspace::blank(); // less SRAM
/// let ws = <MixtureWorkspace>::boxed(); // or on the heap (feature `alloc`)
/// assert!(<MixtureWorkspace>::BYTES < 600 * 1024); // `<…>`: the default sizes
/// assert!(MixtureWorkspace::<512, 1024>::BYTES < 300 * 1024);
/// # drop(ws);
/// ```
///
/// A size below 64 does not compile:
/// ```compile_fail
/// let ws: simstat::fit::MixtureWorkspace<32, 1024> = simstat::fit::MixtureWorkspace::blank();
/// ```
pub struct MixtureWorkspace<
    const BINS: usize = SKETCH_BINS,
    const SAMPLE: usize = RESERVOIR_CAPACITY,
> {
    pub(crate) bins: MomentBins<BINS>,
    pub(crate) reservoir: Reservoir<SAMPLE>,
    pub(crate) stage: StageBuffers<BINS>,
    /// A fit continued in place ([`super::refit_in_slot`]: the start, then the result).
    pub(crate) slot: MixtureFit,
}

impl MixtureWorkspace {
    /// An unused workspace of the default sizes (4096 bins, 8192 values; all bits zero).
    #[must_use]
    pub const fn new() -> Self {
        // (built here, not through `blank`: one frame fewer of temporaries in an unoptimised
        // build, where a `static` or a local is built through the stack; [`Self::boxed`] for
        // the heap)
        MixtureWorkspace {
            bins: MomentBins::blank(),
            reservoir: Reservoir::blank(),
            stage: StageBuffers::new(),
            slot: MixtureFit::placeholder(),
        }
    }
}

impl<const BINS: usize, const SAMPLE: usize> MixtureWorkspace<BINS, SAMPLE> {
    /// Size in bytes.
    pub const BYTES: usize = core::mem::size_of::<Self>();

    /// Refuses sizes the fits cannot work in (evaluated when a workspace is made).
    const SIZES_OK: () = assert!(
        BINS >= 64 && SAMPLE >= 64,
        "a MixtureWorkspace needs at least 64 bins and 64 subsample values"
    );

    /// An unused workspace of these sizes (all bits zero); sizes under 64 do not compile.
    #[must_use]
    pub const fn blank() -> Self {
        let () = Self::SIZES_OK;
        MixtureWorkspace {
            bins: MomentBins::blank(),
            reservoir: Reservoir::blank(),
            stage: StageBuffers::new(),
            slot: MixtureFit::placeholder(),
        }
    }
}

#[cfg(feature = "alloc")]
impl<const BINS: usize, const SAMPLE: usize> MixtureWorkspace<BINS, SAMPLE> {
    /// An unused workspace of these sizes on the heap (feature `alloc`): one allocation of
    /// [`Self::BYTES`], how the convenience forms (`fit_mixture`, `select_order`, `cut` with a
    /// model rule, …) get theirs. The value is a constant (all bits zero) written straight into
    /// the allocation in optimised builds and at opt-level 1 (the convenience forms' own stacks
    /// stay under 16 KiB there: `tests/stack_probe.rs`, `tests/stack_budget.rs`); at opt-level 0
    /// the compiler may copy it through the stack, and the binary holds the zero constant
    /// (about 0.6 MiB of `.rodata`, measured).
    ///
    /// ```
    /// use simstat::fit::{fit_mixture_in, FitOptions, MixtureOptions, MixtureWorkspace};
    /// let data: Vec<f64> = (0..400).map(|i| 0.1 + 0.5 * (i as f64 / 400.0).powi(2)).collect();
    /// let mut ws = <MixtureWorkspace>::boxed(); // reused by every fit below
    /// for k in 1..=2 {
    ///     let fit = fit_mixture_in(&data, k, &FitOptions::default(), &MixtureOptions::default(), &mut ws)?;
    ///     assert_eq!(fit.len(), k);
    /// }
    /// # Ok::<(), simstat::fit::FitError>(())
    /// ```
    #[must_use]
    pub fn boxed() -> alloc::boxed::Box<Self> {
        // (a `const` block: without it the value is built on the stack and then moved, 578 KiB
        // of frame in a release build, measured)
        alloc::boxed::Box::new(const { Self::blank() })
    }
}

impl Default for MixtureWorkspace {
    fn default() -> Self {
        Self::new()
    }
}

impl<const BINS: usize, const SAMPLE: usize> core::fmt::Debug for MixtureWorkspace<BINS, SAMPLE> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "MixtureWorkspace<{BINS}, {SAMPLE}>({} bytes)",
            Self::BYTES
        )
    }
}

/// The buffers of the warm start's stages (read from the sketch and the subsample, which live
/// beside them), for a sketch of `B` bins.
pub(crate) struct StageBuffers<const B: usize> {
    /// The fine grid's two-point representation (up to 2·`B` points).
    pub fine: PointBuf<B>,
    /// The coarse grid's points (groups of ≥ 8 bins, two points each: 2·⌈`B`/8⌉ values and as
    /// many weights) and the sorted pseudo-sample (the rest, about `B`/2 quantiles), in one
    /// buffer ([`StageBuffers::split`]).
    aux: [f64; B],
    pub engine: Engine,
}

impl<const B: usize> StageBuffers<B> {
    pub const fn new() -> Self {
        StageBuffers {
            fine: PointBuf::new(),
            aux: [0.0; B],
            engine: Engine::new(),
        }
    }

    /// The coarse points' buffers (x, w; 2·⌈`B`/8⌉ each: every group of 8 bins its two
    /// points, whatever `B`) and the quantiles' (the rest: 2048 at 4096 bins), with the fine
    /// points and the engine beside them.
    pub fn split(&mut self) -> (&mut PointBuf<B>, [&mut [f64]; 3], &mut Engine) {
        let q = (2 * B.div_ceil(8)).min(B / 2);
        let (cx, rest) = self.aux.split_at_mut(q);
        let (cw, qs) = rest.split_at_mut(q.min(rest.len()));
        (&mut self.fine, [cx, cw, qs], &mut self.engine)
    }
}

/// Weighted points (x, w) in increasing x, at most 2·`B` (stored as `B` pairs: the capacity
/// is twice a const parameter without `generic_const_exprs`).
pub(crate) struct PointBuf<const B: usize> {
    xs: [[f64; 2]; B],
    ws: [[f64; 2]; B],
    /// Points in use.
    pub len: usize,
}

impl<const B: usize> PointBuf<B> {
    pub const fn new() -> Self {
        PointBuf {
            xs: [[0.0; 2]; B],
            ws: [[0.0; 2]; B],
            len: 0,
        }
    }
    /// The whole storage (2·`B` values and weights), to be filled.
    pub fn storage(&mut self) -> (&mut [f64], &mut [f64]) {
        (self.xs.as_flattened_mut(), self.ws.as_flattened_mut())
    }
    /// The points in use.
    pub fn slices(&self) -> (&[f64], &[f64]) {
        let n = self.len.min(2 * B);
        let (xs, ws) = (self.xs.as_flattened(), self.ws.as_flattened());
        (&xs[..n], &ws[..n])
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

#[cfg(all(test, feature = "std"))]
mod tests {
    use super::StageBuffers;

    /// The coarse buffers hold two points for every group of 8 bins, whatever the bins (not
    /// only multiples of 8), and the default sizes split as they always did (1024 / 1024 /
    /// 2048: the default fits bit for bit).
    #[test]
    fn coarse_buffers_hold_every_group() {
        fn lens<const B: usize>() -> [usize; 3] {
            let mut st = std::boxed::Box::new(StageBuffers::<B>::new());
            let (_, parts, _) = st.split();
            parts.map(|p| p.len())
        }
        assert_eq!(lens::<4096>(), [1024, 1024, 2048]);
        assert_eq!(lens::<64>(), [16, 16, 32]);
        assert_eq!(lens::<1020>(), [256, 256, 508]);
        assert_eq!(lens::<100>(), [26, 26, 48]);
    }
}
