//! Multi-pass EM over a re-iterable source of chunks (memory O(K), independent of N), and the
//! mergeable per-shard statistics that let shards on separate cores or machines be reduced.

use super::engine::{evaluate, evaluate_into, Passable};
use super::estep::{Evaluator, Order, SuffStats};
use super::moments::MomentBins;
use super::params::{Bounds, Params};
#[cfg(feature = "std")]
use super::SKETCH_BINS;
use super::{check_call, sketch_has_shape, subsample_size, MixtureFit, MixtureOptions, Summary};
use super::{fit_after_scan, FitCall, MixtureWorkspace};
#[cfg(feature = "std")]
use super::{Reservoir, StageBuffers, RESERVOIR_CAPACITY};
use crate::fit::{FitError, FitOptions};

/// A data set that can be read again from the start, one chunk at a time (e.g. similarities
/// computed on the fly against a corpus too large for memory). Every pass must yield the same
/// values in the same order.
pub trait ChunkSource {
    /// Rewind: the next [`next_chunk`](Self::next_chunk) returns the first chunk again.
    fn reset(&mut self);
    /// The next chunk of the current pass, or `None` at the end of the pass.
    fn next_chunk(&mut self) -> Option<&[f64]>;
}

/// A slice read in chunks of a fixed size (the simplest [`ChunkSource`]).
#[derive(Debug, Clone)]
pub struct SliceChunks<'a> {
    data: &'a [f64],
    size: usize,
    pos: usize,
}

impl<'a> SliceChunks<'a> {
    /// Chunks of `size` values (at least 1).
    pub fn new(data: &'a [f64], size: usize) -> Self {
        SliceChunks {
            data,
            size: size.max(1),
            pos: 0,
        }
    }
}

impl ChunkSource for SliceChunks<'_> {
    fn reset(&mut self) {
        self.pos = 0;
    }
    fn next_chunk(&mut self) -> Option<&[f64]> {
        if self.pos >= self.data.len() {
            return None;
        }
        let end = (self.pos + self.size).min(self.data.len());
        let out = self.data.get(self.pos..end);
        self.pos = end;
        out
    }
}

/// `f32` values as a [`ChunkSource`]: each chunk of up to 512 values widened to f64 (exactly)
/// in a buffer inside the adapter, so an f32 data set is fitted in place, without a widened
/// copy. Passes over chunks give the slice's sums bit for bit, so
/// `fit_mixture_source(&mut F32Chunks::new(x), ..)` is the [`super::fit_mixture_with`] fit of
/// the widened values, bit for bit ([`super::fit_mixture_f32`] is that call).
#[derive(Debug, Clone)]
pub struct F32Chunks<'a> {
    data: &'a [f32],
    pos: usize,
    buf: [f64; F32_CHUNK],
}

/// Values per chunk of [`F32Chunks`].
const F32_CHUNK: usize = 512;

impl<'a> F32Chunks<'a> {
    /// The values of `data`, in chunks of 512.
    pub fn new(data: &'a [f32]) -> Self {
        F32Chunks {
            data,
            pos: 0,
            buf: [0.0; F32_CHUNK],
        }
    }
}

impl ChunkSource for F32Chunks<'_> {
    fn reset(&mut self) {
        self.pos = 0;
    }
    fn next_chunk(&mut self) -> Option<&[f64]> {
        let rest = self.data.get(self.pos..).filter(|r| !r.is_empty())?;
        let n = rest.len().min(F32_CHUNK);
        for (o, &x) in self.buf.iter_mut().zip(rest.iter().take(n)) {
            *o = f64::from(x);
        }
        self.pos += n;
        self.buf.get(..n)
    }
}

struct SourcePass<'s, S: ChunkSource>(&'s mut S);

impl<S: ChunkSource> Passable for SourcePass<'_, S> {
    fn pass(&mut self, ev: &Evaluator, st: &mut SuffStats) {
        self.0.reset();
        // one pass over all the chunks: the same sums, bit for bit, as one slice of the data
        ev.begin(st);
        // a source that never ends is cut at 2^40 chunks (fixed loop bound)
        for _ in 0..(1u64 << 40) {
            let Some(chunk) = self.0.next_chunk() else {
                break;
            };
            ev.add_chunk(chunk, None, st);
        }
        ev.finish(st);
    }
}

/// One validating pass: summary and moment bins.
fn scan<S: ChunkSource, const B: usize>(
    src: &mut S,
    opts: &FitOptions,
    mb: &mut MomentBins<B>,
) -> Result<Summary, FitError> {
    let mut s = Summary::new();
    src.reset();
    let mut offset = 0usize;
    for _ in 0..(1u64 << 40) {
        let Some(chunk) = src.next_chunk() else {
            break;
        };
        s.add(chunk, offset, opts.lo, opts.hi)?;
        mb.extend(chunk);
        offset += chunk.len();
    }
    Ok(s)
}

/// [`fit_mixture_with`](super::fit_mixture_with) over a re-iterable [`ChunkSource`]: one scan
/// (validation, summary, reservoir subsample), the warm stage on the subsample, then exact
/// passes over the source. Memory is O(K + reservoir), independent of N. With the same data
/// and options the result equals the slice fit's bit for bit, whatever the chunking: the same
/// subsample and sketch are drawn, and every sum runs in the same lanes in the same order as
/// over one slice (tested with chunks of 1, 7, 4096 and N values in
/// `tests/fit_mixture_stream.rs`).
///
/// ```
/// use simstat::fit::mixture::SliceChunks;
/// use simstat::fit::{fit_mixture, fit_mixture_source, FitOptions, MixtureOptions};
/// let data: Vec<f64> = (0..5000)
///     .map(|i| -0.3 + simstat::special::gamma_p_inv(12.0, (i as f64 + 0.5) / 5000.0) / 35.0)
///     .collect();
/// let opts = FitOptions::default();
/// let mut src = SliceChunks::new(&data, 777); // any chunking
/// let streamed = fit_mixture_source(&mut src, 1, &opts, &MixtureOptions::default())?;
/// let batch = fit_mixture(&data, 1, &opts)?;
/// assert_eq!(streamed.log_likelihood(), batch.log_likelihood()); // bit for bit
/// # Ok::<(), simstat::fit::FitError>(())
/// ```
///
/// Memory (feature `alloc`): allocates one [`MixtureWorkspace`] on the heap per call (its own
/// stack stays bounded); [`fit_mixture_source_in`] works in one you keep.
#[cfg(feature = "alloc")]
pub fn fit_mixture_source<S: ChunkSource>(
    src: &mut S,
    k: usize,
    opts: &FitOptions,
    mo: &MixtureOptions,
) -> Result<MixtureFit, FitError> {
    fit_mixture_source_in(src, k, opts, mo, &mut <MixtureWorkspace>::boxed())
}

/// [`fit_mixture_source`] in a caller-provided [`MixtureWorkspace`]: the same fit, bit for
/// bit, with the sketch, the subsample and the optimiser's buffers in the workspace (the
/// plain call allocates one per call), so a streamed fit runs without an allocator.
///
/// # Errors
/// As [`fit_mixture_source`].
pub fn fit_mixture_source_in<S: ChunkSource, const BINS: usize, const SAMPLE: usize>(
    src: &mut S,
    k: usize,
    opts: &FitOptions,
    mo: &MixtureOptions,
    ws: &mut MixtureWorkspace<BINS, SAMPLE>,
) -> Result<MixtureFit, FitError> {
    check_call(k, opts, mo)?;
    // the reservoir size depends on N: a first pass counts
    let mut count = 0usize;
    src.reset();
    for _ in 0..(1u64 << 40) {
        let Some(chunk) = src.next_chunk() else {
            break;
        };
        count += chunk.len();
    }
    let m = subsample_size(count, mo, SAMPLE);
    let MixtureWorkspace {
        bins: mb,
        reservoir: res,
        stage,
        ..
    } = ws;
    mb.reset(opts.lo, opts.hi);
    let s = scan(src, opts, mb)?;
    s.check(k)?;
    let n = s.n as usize;
    let warm = opts.warm_start && 2 * m <= n;
    // the reservoir subsample only when the fit needs it (cold, or data too narrow for the
    // sketch): one more pass
    res.reset(subsample_size(n, mo, SAMPLE), mo.seed);
    if !warm || !sketch_has_shape(mb) {
        src.reset();
        for _ in 0..(1u64 << 40) {
            let Some(chunk) = src.next_chunk() else {
                break;
            };
            res.extend(chunk);
        }
        res.sample_mut().sort_unstable_by(f64::total_cmp);
    }
    let mut full = SourcePass(src);
    let call = FitCall { k, s: &s, opts, mo };
    fit_after_scan(&mut full, mb, res.sample(), warm, &call, stage)
}

pub(crate) fn params_of(fit: &MixtureFit) -> (Params, Bounds) {
    let k = fit.len();
    let mut p = Params::zeroed(k);
    let (mut lo, mut hi) = (-1.0, 1.0);
    for (i, c) in fit.components().iter().enumerate() {
        p.tau[i] = fit.weight(i);
        p.alpha[i] = c.shape();
        p.lambda[i] = c.rate();
        p.c[i] = c.shift();
        lo = c.lo();
        hi = c.hi();
    }
    let b = Bounds {
        lo,
        hi,
        alpha_min: 1.0,
        alpha_max: f64::MAX,
        eta_max: f64::MAX,
        single: false,
    };
    (p, b)
}

/// Sufficient statistics (first and second order) of one shard `xs` at the parameters of
/// `fit`: the map step of a distributed pass. Shards [`SuffStats::merge`] into the statistics
/// of their union (equal up to summation order), whose
/// [`log_likelihood`](SuffStats::log_likelihood) is the fit's on that union.
///
/// ```
/// use simstat::fit::{fit_mixture, pass_statistics, FitOptions};
/// let data: Vec<f64> = (0..3000)
///     .map(|i| -0.3 + simstat::special::gamma_p_inv(12.0, (i as f64 + 0.5) / 3000.0) / 35.0)
///     .collect();
/// let fit = fit_mixture(&data, 1, &FitOptions::default())?;
/// let mut a = pass_statistics(&fit, &data[..1000]);
/// a.merge(&pass_statistics(&fit, &data[1000..]));
/// let all = pass_statistics(&fit, &data);
/// assert!(a.max_rel_diff(&all) < 1e-12);
/// assert!((a.log_likelihood() - fit.log_likelihood()).abs() < 1e-9 * fit.log_likelihood().abs());
/// # Ok::<(), simstat::fit::FitError>(())
/// ```
pub fn pass_statistics(fit: &MixtureFit, xs: &[f64]) -> SuffStats {
    let (p, b) = params_of(fit);
    let mut d = xs;
    evaluate(&mut d, &p, &b, Order::Hess).1
}

/// [`pass_statistics`] written into `out` (reset first): the same statistics, bit for bit,
/// without a 43 KiB value through the stack (keep `out` in a `static` or a `Box`, start from
/// [`SuffStats::empty`]), so the map step runs in a bounded stack on a device.
///
/// ```
/// use simstat::fit::{fit_mixture, pass_statistics, pass_statistics_into, FitOptions, SuffStats};
/// let data: Vec<f64> = (0..3000)
///     .map(|i| -0.3 + simstat::special::gamma_p_inv(12.0, (i as f64 + 0.5) / 3000.0) / 35.0)
///     .collect();
/// let fit = fit_mixture(&data, 1, &FitOptions::default())?;
/// let mut st = Box::new(SuffStats::empty());
/// pass_statistics_into(&fit, &data, &mut st);
/// assert_eq!(st.log_likelihood(), pass_statistics(&fit, &data).log_likelihood());
/// # Ok::<(), simstat::fit::FitError>(())
/// ```
pub fn pass_statistics_into(fit: &MixtureFit, xs: &[f64], out: &mut SuffStats) {
    let (p, b) = params_of(fit);
    let mut d = xs;
    let _ = evaluate_into(&mut d, &p, &b, Order::Hess, out);
}

/// Shards fitted in parallel (feature `std`): every pass maps the shards on scoped threads and
/// reduces their statistics with [`SuffStats::merge`].
#[cfg(feature = "std")]
pub(crate) struct Sharded<'a> {
    pub shards: &'a [&'a [f64]],
}

#[cfg(feature = "std")]
impl Passable for Sharded<'_> {
    fn pass(&mut self, ev: &Evaluator, st: &mut SuffStats) {
        let parts: std::vec::Vec<SuffStats> = std::thread::scope(|s| {
            let handles: std::vec::Vec<_> = self
                .shards
                .iter()
                .map(|shard| {
                    let ev = *ev;
                    let (k, so) = (st.k, st.order);
                    s.spawn(move || {
                        let mut local = SuffStats::new(k, so);
                        ev.add_slice(shard, &mut local);
                        local
                    })
                })
                .collect();
            handles.into_iter().filter_map(|h| h.join().ok()).collect()
        });
        for p in &parts {
            st.merge(p);
        }
    }
}

/// [`fit_mixture_with`](super::fit_mixture_with) over shards held by different threads (feature
/// `std`): each exact pass runs one scoped thread per shard and merges their statistics.
/// The warm stage runs on a reservoir subsample of all shards.
///
/// Agreement with the slice fit: the shards' sums are added, so a pass equals the slice's to
/// rounding (≤ 1e-12 relative, tested), and a fit with a well-determined optimum ends at the
/// slice fit's (≤ 1e-12 relative log-likelihood, tested). Where rounding can choose between
/// optima (an over-specified fit: K = 2 on one near-normal cluster of 20,000 values), it can
/// end at another one — measured 0.03–0.13 nats from the slice fit, all converged
/// (`tests/fit_mixture_stream.rs`). [`fit_mixture_source`] has no such difference: any
/// chunking gives the slice fit bit for bit.
#[cfg(feature = "std")]
pub fn fit_mixture_sharded(
    shards: &[&[f64]],
    k: usize,
    opts: &FitOptions,
    mo: &MixtureOptions,
) -> Result<MixtureFit, FitError> {
    check_call(k, opts, mo)?;
    let n: usize = shards.iter().map(|s| s.len()).sum();
    let mut s = Summary::new();
    let mut offset = 0;
    let mut mb: std::boxed::Box<MomentBins<SKETCH_BINS>> =
        std::boxed::Box::new(MomentBins::new(opts.lo, opts.hi));
    for sh in shards {
        s.add(sh, offset, opts.lo, opts.hi)?;
        mb.extend(sh);
        offset += sh.len();
    }
    s.check(k)?;
    let warm = opts.warm_start && 2 * subsample_size(n, mo, RESERVOIR_CAPACITY) <= n;
    let mut res: std::boxed::Box<Reservoir<RESERVOIR_CAPACITY>> = std::boxed::Box::new(
        Reservoir::new(subsample_size(n, mo, RESERVOIR_CAPACITY), mo.seed),
    );
    if !warm || !sketch_has_shape(&mb) {
        for sh in shards {
            res.extend(sh);
        }
        res.sample_mut().sort_unstable_by(f64::total_cmp);
    }
    let mut full = Sharded { shards };
    let mut bufs = std::boxed::Box::new(StageBuffers::new());
    fit_after_scan(
        &mut full,
        &mb,
        res.sample(),
        warm,
        &FitCall { k, s: &s, opts, mo },
        &mut bufs,
    )
}
