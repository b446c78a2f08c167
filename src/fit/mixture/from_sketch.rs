//! The mixture fit from a merged [`Sketch`] alone: the reduce step of a sharded fit whose
//! shards sent only their sketches (in memory, or as bytes through [`crate::wire`]).

use super::engine::Weighted;
use super::moments::quantiles;
use super::{check_sketch_call, two_stage, MixtureFit, MixtureOptions, MixtureWorkspace, Summary};
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
/// Stack: a [`MixtureWorkspace`] on this call's stack (about 0.8 MiB on x86-64); use
/// [`fit_mixture_from_sketch_in`] to keep it elsewhere.
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
/// [`FitError::BadOptions`] for invalid options or K; [`FitError::TooFewSamples`] with fewer
/// than 4K − 1 values or fewer occupied bins than 4K − 1 (the binned data cannot identify K
/// components); [`FitError::AllEqual`] when every value is equal.
pub fn fit_mixture_from_sketch<const B: usize>(
    sketch: &Sketch<B>,
    k: usize,
    opts: &FitOptions,
    mo: &MixtureOptions,
) -> Result<MixtureFit<f64>, FitError> {
    let mut ws = MixtureWorkspace::new();
    fit_mixture_from_sketch_in(sketch, k, opts, mo, &mut ws)
}

/// [`fit_mixture_from_sketch`] in a caller-provided [`MixtureWorkspace`] (the same fit, bit
/// for bit; the call's own stack stays small). Sketches of up to 8192 bins fit the workspace;
/// a finer sketch with more occupied bins is refused with
/// [`FitError::BadOptions`]`("bins")`.
///
/// # Errors
/// As [`fit_mixture_from_sketch`].
pub fn fit_mixture_from_sketch_in<const B: usize>(
    sketch: &Sketch<B>,
    k: usize,
    opts: &FitOptions,
    mo: &MixtureOptions,
    ws: &mut MixtureWorkspace,
) -> Result<MixtureFit<f64>, FitError> {
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
    if occupied > stage.fine.xs.len() {
        return Err(FitError::BadOptions("bins"));
    }
    let m = sketch.bin_means(&mut stage.fine.xs, &mut stage.fine.ws);
    stage.fine.len = m;
    let (xs, ws_) = stage.fine.slices();
    let s = Summary::from_weighted(xs, ws_, sketch.len(), sketch.min(), sketch.max());
    s.check(k)?;
    let nq = quantiles(xs, ws_, &mut stage.quantiles);
    let sorted = stage.quantiles.get(..nq).unwrap_or(&[]);
    let mut full = Weighted { xs, ws: ws_ };
    two_stage::<_, &[f64]>(
        &mut full,
        None,
        None,
        sorted,
        k,
        &s,
        opts,
        mo,
        &mut stage.engine,
    )
}
