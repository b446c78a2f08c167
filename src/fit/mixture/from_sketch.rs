//! The mixture fit from a merged [`Sketch`] alone: the reduce step of a sharded fit whose
//! shards sent only their sketches (in memory, or as bytes through [`crate::wire`]).

use super::engine::Weighted;
use super::moments::quantiles;
use super::workspace::StageBuffers;
use super::{check_call, check_sketch_call, sketch_has_shape, two_stage, FitCall, STAGE1_BINS};
use super::{MixtureFit, MixtureOptions, MixtureWorkspace, Summary};
use crate::fit::{FitError, FitOptions, Sketch};

/// Fits a K-component mixture to a histogram [`Sketch`] alone: every non-empty bin enters as
/// one point at the mean of its values, weighted by its count (no data are needed; cost
/// O(occupied bins) per pass). Shards that each [`Sketch::merge`] or send a sketch (see
/// [`crate::wire::ByteForm`]) reduce to one sketch and fit here: the sketch of any split of the
/// data is bit-identical, so the fit is too.
///
/// Accuracy: the fit is the maximum-likelihood fit of the binned data, not of the exact
/// values; with the default 4096 bins on [−1, 1] (bins 4.9e-4 wide) the parameters differ
/// from [`super::fit_mixture`]'s by far less than their standard errors on real scores
/// (`tests/wire.rs` bounds the log-likelihood of the sketch fit, evaluated on the exact data,
/// within 1e-4 relative of the exact fit's). The interval of the fit is the sketch's
/// (`opts.lo` / `opts.hi` must equal it).
///
/// Memory (feature `alloc`): allocates one [`MixtureWorkspace`] on the heap per call (its own
/// stack stays bounded); [`fit_mixture_from_sketch_in`] works in one you keep.
///
/// ```
/// use simstat::fit::{fit_mixture_from_sketch, FitOptions, MixtureOptions, Sketch};
/// let q = |a: f64, l: f64, c: f64, n: usize| -> Vec<f64> {
///     (0..n).map(|i| c + simstat::special::gamma_p_inv(a, (i as f64 + 0.5) / n as f64) / l).collect()
/// };
/// let mut data = q(13.3, 35.5, -0.28, 14000);
/// data.extend(q(30.0, 90.0, 0.1, 6000));
/// let (mut left, mut right) = (Sketch::<4096>::new(-1.0, 1.0)?, Sketch::<4096>::new(-1.0, 1.0)?);
/// left.extend(&data[..9000])?;   // one shard
/// right.extend(&data[9000..])?;  // another (another process, another machine)
/// left.merge(&right)?;
/// let fit = fit_mixture_from_sketch(&left, 2, &FitOptions::default(), &MixtureOptions::default())?;
/// assert_eq!(fit.len(), 2);
/// # Ok::<(), simstat::fit::FitError>(())
/// ```
///
/// # Errors
/// [`FitError::IntervalMismatch`] when the sketch's interval is not `opts`' [lo, hi];
/// [`FitError::BadOption`] for invalid options or K; [`FitError::TooFewSamples`] with fewer
/// than 4K − 1 values or fewer occupied bins than 4K − 1 (the binned data cannot identify K
/// components); [`FitError::AllEqual`] when every value is equal.
#[cfg(feature = "alloc")]
pub fn fit_mixture_from_sketch<const B: usize>(
    sketch: &Sketch<B>,
    k: usize,
    opts: &FitOptions,
    mo: &MixtureOptions,
) -> Result<MixtureFit, FitError> {
    fit_mixture_from_sketch_in(sketch, k, opts, mo, &mut <MixtureWorkspace>::boxed())
}

/// [`fit_mixture_from_sketch`] in a caller-provided [`MixtureWorkspace`] (the same fit, bit
/// for bit; the call's own stack stays small). Sketches of up to 8192 bins fit the workspace;
/// a finer sketch with more occupied bins is refused with
/// [`FitError::BadOption`]`("bins")`.
///
/// # Errors
/// As [`fit_mixture_from_sketch`].
pub fn fit_mixture_from_sketch_in<const B: usize, const BINS: usize, const SAMPLE: usize>(
    sketch: &Sketch<B>,
    k: usize,
    opts: &FitOptions,
    mo: &MixtureOptions,
    ws: &mut MixtureWorkspace<BINS, SAMPLE>,
) -> Result<MixtureFit, FitError> {
    check_sketch_call(sketch, k, opts, mo)?;
    let needed = (4 * k - 1).max(3) as u64;
    let occupied = sketch.occupied_bins();
    if sketch.len() < needed || (occupied as u64) < needed {
        return Err(FitError::TooFewSamples {
            n: sketch.len().min(occupied as u64),
            needed,
        });
    }
    let stage = &mut ws.stage;
    let (xs, wts) = stage.fine.storage();
    if occupied > xs.len() {
        return Err(FitError::BadOption("bins"));
    }
    stage.fine.len = sketch.bin_means(xs, wts);
    fit_fine_points(stage, sketch.len(), sketch.min(), sketch.max(), k, opts, mo)
}

/// The mixture fit of an ascending sample from its moments in `BINS` (4096 in the default
/// workspace) equal-width bins over its own range (not the fit's interval): the two-point representation of the bins
/// (each bin's count, mean and variance kept) stands in for the data, the multi-start runs on
/// coarse groups of 16 or 8 bins, the refinement and the final passes on the fine points. The
/// bins are filled in one pass; every later pass costs O(bins) whatever the sample's size.
/// When the sample fills fewer than 64 bins (too narrow for the bins to carry its shape) it
/// is fitted exactly ([`super::fit_mixture_in`]).
pub(crate) fn fit_mixture_binned_in<const BINS: usize, const SAMPLE: usize>(
    ascending: &[f64],
    k: usize,
    opts: &FitOptions,
    mo: &MixtureOptions,
    ws: &mut MixtureWorkspace<BINS, SAMPLE>,
) -> Result<MixtureFit, FitError> {
    check_call(k, opts, mo)?;
    let n = ascending.len();
    let needed = (4 * k - 1).max(3);
    let (Some(&min), Some(&max)) = (ascending.first(), ascending.last()) else {
        return Err(FitError::TooFewSamples {
            n: 0,
            needed: needed as u64,
        });
    };
    for (index, value) in [(0, min), (n - 1, max)] {
        if !value.is_finite() {
            return Err(FitError::NonFinite { index });
        }
        if !(opts.lo..=opts.hi).contains(&value) {
            let (lo, hi) = (opts.lo, opts.hi);
            return Err(FitError::OutOfInterval {
                index,
                value,
                lo,
                hi,
            });
        }
    }
    if n < needed {
        return Err(FitError::TooFewSamples {
            n: n as u64,
            needed: needed as u64,
        });
    }
    if !(max > min) {
        return Err(FitError::AllEqual);
    }
    let MixtureWorkspace {
        bins: mb, stage, ..
    } = ws;
    mb.reset(min, max);
    mb.extend(ascending);
    if !sketch_has_shape(mb) {
        return super::fit_mixture_in(ascending, k, opts, mo, ws);
    }
    let (fine, [cx, cw, qs], engine) = stage.split();
    fine.len = mb.points(1, min, max, fine.storage());
    let (fx, fw) = fine.slices();
    let s = Summary::from_weighted(fx, fw, n as u64, min, max);
    s.check(k)?;
    let nq = quantiles(fx, fw, qs);
    let sorted = qs.get(..nq).unwrap_or(&[]);
    // the multi-start on coarse groups of 16 or 8 bins (the coarsest with 64 non-empty), else
    // on the fine points themselves
    let (cx, cw) = match [16usize, 8]
        .into_iter()
        .find(|&g| mb.nonempty(g) >= STAGE1_BINS)
    {
        Some(g) => {
            let len = mb.points(g, min, max, (&mut *cx, &mut *cw));
            (cx.get(..len).unwrap_or(&[]), cw.get(..len).unwrap_or(&[]))
        }
        None => (fx, fw),
    };
    let mut c = Weighted { xs: cx, ws: cw };
    let mut full = Weighted { xs: fx, ws: fw };
    let stage1 = Some((&mut c, n as f64));
    let call = FitCall { k, s: &s, opts, mo };
    two_stage(&mut full, stage1, None, sorted, &call, engine)
}

/// The buffers a caller outside this module fills with weighted points (values increasing,
/// weights > 0) before [`fit_points_in`]: the workspace's fine points (capacity 2·`BINS`,
/// 8192 in the default workspace).
pub(crate) fn points_buffer<const BINS: usize, const SAMPLE: usize>(
    ws: &mut MixtureWorkspace<BINS, SAMPLE>,
) -> (&mut [f64], &mut [f64]) {
    ws.stage.fine.storage()
}

/// The K-component fit of the first `m` weighted points of [`points_buffer`] (n values in all,
/// on [min, max]): the fit [`fit_mixture_from_sketch_in`] runs on a sketch's bin means.
///
/// # Errors
/// As [`fit_mixture_from_sketch_in`]: bad options or K, fewer than 4K − 1 values or points,
/// all values equal.
pub(crate) fn fit_points_in<const BINS: usize, const SAMPLE: usize>(
    ws: &mut MixtureWorkspace<BINS, SAMPLE>,
    m: usize,
    (n, min, max): (u64, f64, f64),
    k: usize,
    opts: &FitOptions,
    mo: &MixtureOptions,
) -> Result<MixtureFit, FitError> {
    check_call(k, opts, mo)?;
    let needed = (4 * k - 1).max(3) as u64;
    if n < needed || (m as u64) < needed {
        return Err(FitError::TooFewSamples {
            n: n.min(m as u64),
            needed,
        });
    }
    if !(max > min) {
        return Err(FitError::AllEqual);
    }
    let stage = &mut ws.stage;
    stage.fine.len = m.min(2 * BINS);
    fit_fine_points(stage, n, min, max, k, opts, mo)
}

/// The two-stage fit of the weighted points in `stage.fine` (n values in all, on [min, max]).
fn fit_fine_points<const B: usize>(
    stage: &mut StageBuffers<B>,
    n: u64,
    min: f64,
    max: f64,
    k: usize,
    opts: &FitOptions,
    mo: &MixtureOptions,
) -> Result<MixtureFit, FitError> {
    let (fine, [_, _, qs], engine) = stage.split();
    let (xs, ws_) = fine.slices();
    let s = Summary::from_weighted(xs, ws_, n, min, max);
    s.check(k)?;
    let nq = quantiles(xs, ws_, qs);
    let sorted = qs.get(..nq).unwrap_or(&[]);
    let mut full = Weighted { xs, ws: ws_ };
    two_stage::<_, &[f64]>(
        &mut full,
        None,
        None,
        sorted,
        &FitCall { k, s: &s, opts, mo },
        engine,
    )
}

#[cfg(all(test, feature = "std"))]
mod tests {
    use super::fit_mixture_binned_in;
    use crate::fit::{fit_mixture_in, FitError, FitOptions, MixtureOptions, MixtureWorkspace};

    // One workspace per test, passed down (one allocation per test).
    fn fit(
        xs: &[f64],
        k: usize,
        ws: &mut MixtureWorkspace,
    ) -> Result<crate::fit::MixtureFit, FitError> {
        let o = FitOptions::default();
        fit_mixture_binned_in(xs, k, &o, &MixtureOptions::default(), ws)
    }

    /// Bad input is an error naming what is wrong, never a panic.
    #[test]
    fn bad_input_is_refused() {
        let ws = &mut <MixtureWorkspace>::boxed();
        let mut fit = |xs: &[f64], k| fit(xs, k, ws);
        assert!(matches!(
            fit(&[], 1),
            Err(FitError::TooFewSamples { n: 0, .. })
        ));
        assert!(matches!(
            fit(&[0.1, 0.2], 1),
            Err(FitError::TooFewSamples { n: 2, .. })
        ));
        assert!(matches!(
            fit(&[0.1, 0.2, f64::NAN], 1),
            Err(FitError::NonFinite { index: 2 })
        ));
        assert!(matches!(
            fit(&[-1.5, 0.2, 0.3], 1),
            Err(FitError::OutOfInterval { index: 0, .. })
        ));
        assert!(matches!(fit(&[0.3; 10], 1), Err(FitError::AllEqual)));
        assert!(matches!(
            fit(&[0.1, 0.2, 0.3], 0),
            Err(FitError::BadOption("k"))
        ));
    }

    /// A sample too narrow for the bins (fewer than 64 occupied) is fitted exactly: the same
    /// fit as `fit_mixture_in`, bit for bit.
    #[test]
    fn narrow_sample_falls_back_to_the_exact_fit() {
        // 50 distinct values, 400 rows
        let mut xs: std::vec::Vec<f64> = (0..400).map(|i| 0.1 + 0.001 * (i % 50) as f64).collect();
        xs.sort_by(f64::total_cmp);
        let mut ws = <MixtureWorkspace>::boxed();
        let binned = fit(&xs, 1, &mut ws).expect("binned");
        let o = FitOptions::default();
        let exact = fit_mixture_in(&xs, 1, &o, &MixtureOptions::default(), &mut ws).expect("exact");
        assert_eq!(binned, exact);
    }
}
