//! One-pass online (stepwise) EM for true streams: a batch fit on a burn-in buffer fixes the
//! shifts, then running averages of the per-minibatch statistics with step (t + 2)^−κ and an
//! M-step for (τ, α, λ) after every minibatch. Approximate: the shifts are the burn-in's.

use super::engine::{evaluate_to, Run, Spare};
use super::estep::Order;
use super::mstep::em_update_with;
use super::stream::ChunkSource;
use super::RESERVOIR_CAPACITY;
use super::{
    bounds, check_call, control, multi_start, MixtureFit, MixtureOptions, MixtureWorkspace,
    Scratch, Starts, Summary,
};
use crate::fit::{FitError, FitOptions};

/// Options of [`fit_mixture_online`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OnlineOptions {
    /// Points buffered and fitted in batch before the online updates start (default 4096,
    /// at most [`RESERVOIR_CAPACITY`]).
    pub burn_in: usize,
    /// Points per online update (default 256, at most 4096).
    pub minibatch: usize,
    /// Step size exponent κ ∈ (0.5, 1]: γ_t = (t + 2)^−κ (default 0.6).
    pub kappa: f64,
}

impl Default for OnlineOptions {
    fn default() -> Self {
        OnlineOptions {
            burn_in: 4096,
            minibatch: 256,
            kappa: 0.6,
        }
    }
}

const MAX_BATCH: usize = 4096;

struct State {
    run: Run,
    /// Whether the running averages hold a minibatch yet.
    has_avg: bool,
    t: u64,
    ll: f64,
    x_min: f64,
}

/// The memory of an online fit: the burn-in buffer, the minibatch buffer and the optimiser's
/// scratch (the burn-in fit; then each minibatch's statistics and the running averages).
struct Buffers<'a> {
    burn: &'a mut [f64],
    batch: &'a mut [f64],
    sc: &'a mut Scratch,
    spare: &'a mut Spare,
}

fn update(
    state: &mut State,
    batch: &[f64],
    opts_min_weight: f64,
    kappa: f64,
    b: &super::params::Bounds,
    sc: &mut Scratch,
) {
    if batch.is_empty() {
        return;
    }
    // after the burn-in the scratch holds only this: a pass's statistics and the averages
    let (st, ev, avg) = sc.online_parts();
    let mut d = batch;
    evaluate_to(&mut d, &state.run.p, b, Order::Em, st, ev);
    let lb = st.log_likelihood();
    if lb.is_finite() {
        state.ll += lb;
    }
    let g = libm::pow(state.t as f64 + 2.0, -kappa);
    state.t += 1;
    let inv = 1.0 / batch.len() as f64;
    if !state.has_avg {
        avg.assign(st);
        for wi in avg.w.iter_mut() {
            for v in wi.iter_mut() {
                *v *= inv;
            }
        }
        state.has_avg = true;
    }
    for (aw, sw) in avg.w.iter_mut().zip(st.w.iter()) {
        for (a, s) in aw.iter_mut().zip(sw.iter()) {
            *a = (1.0 - g) * *a + g * inv * *s;
        }
    }
    for (a, s) in avg.xmin.iter_mut().zip(st.xmin.iter()) {
        *a = a.min(*s);
    }
    // shifts stay at their burn-in values: with c fixed the statistics are those of an
    // exponential family and the running averages are consistent (stepwise EM)
    let q = em_update_with(&state.run.p, avg, b, opts_min_weight, state.x_min, false);
    // accept only updates that keep every point of this batch covered
    evaluate_to(&mut d, &q, b, Order::Em, st, ev);
    if st.log_likelihood().is_finite() {
        state.run.p = q;
    }
}

/// One pass over a stream: the first `burn_in` points are fitted in batch (as
/// [`fit_mixture_with`](super::fit_mixture_with) would, cold) and fix the shifts; then every
/// minibatch updates running averages of the EM statistics (S, Σ r ln d, Σ r d per component)
/// with step γ_t = (t + 2)^−κ and takes the M-step for weights, shapes and rates.
///
/// Approximate by design: the shifts are those of the burn-in fit and the other parameters track
/// the stream (stepwise EM), so the result is near, not at, the batch optimum;
/// the reported log-likelihood is prequential (each minibatch scored at the parameters before
/// its update), `passes()` is 1 and `converged()` is false. The source is read once
/// ([`ChunkSource::reset`] is called once at the start). Errors as [`fit_mixture`](super::fit_mixture).
///
/// ```
/// use simstat::fit::mixture::SliceChunks;
/// use simstat::fit::{fit_mixture_online, FitOptions, MixtureOptions, OnlineOptions};
/// let data: Vec<f64> = (0..20_000)
///     .map(|i| (i * 7919) % 20_000) // a fixed shuffle of the quantile grid
///     .map(|j| -0.3 + simstat::special::gamma_p_inv(12.0, (j as f64 + 0.5) / 20_000.0) / 35.0)
///     .collect();
/// let mut stream = SliceChunks::new(&data, 1024);
/// let fit = fit_mixture_online(&mut stream, 1, &FitOptions::default(),
///     &MixtureOptions::default(), &OnlineOptions::default())?;
/// assert_eq!(fit.passes(), 1);
/// assert!((fit.component(0).mean() - (-0.3 + 12.0 / 35.0)).abs() < 0.01);
/// # Ok::<(), simstat::fit::FitError>(())
/// ```
///
/// Memory (feature `alloc`): allocates one [`MixtureWorkspace`] on the heap per call (its own
/// stack stays bounded); [`fit_mixture_online_in`] works in one you keep.
#[cfg(feature = "alloc")]
pub fn fit_mixture_online<S: ChunkSource>(
    src: &mut S,
    k: usize,
    opts: &FitOptions,
    mo: &MixtureOptions,
    oo: &OnlineOptions,
) -> Result<MixtureFit, FitError> {
    fit_mixture_online_in(src, k, opts, mo, oo, &mut <MixtureWorkspace>::boxed())
}

/// [`fit_mixture_online`] in a caller-provided [`MixtureWorkspace`]: the same fit, bit for bit,
/// with the burn-in buffer, the minibatch buffer, the optimiser's scratch and the running
/// statistics in the workspace (the plain call allocates a workspace per call).
///
/// # Errors
/// As [`fit_mixture_online`].
pub fn fit_mixture_online_in<S: ChunkSource, const BINS: usize, const SAMPLE: usize>(
    src: &mut S,
    k: usize,
    opts: &FitOptions,
    mo: &MixtureOptions,
    oo: &OnlineOptions,
    ws: &mut MixtureWorkspace<BINS, SAMPLE>,
) -> Result<MixtureFit, FitError> {
    let MixtureWorkspace {
        reservoir, stage, ..
    } = ws;
    let bufs = Buffers {
        burn: reservoir.storage_mut(),
        batch: {
            let (xs, _) = stage.fine.storage();
            let m = xs.len().min(MAX_BATCH);
            xs.get_mut(..m).unwrap_or(&mut [])
        },
        sc: &mut stage.engine.scratch,
        spare: &mut stage.engine.spare,
    };
    online(src, k, opts, mo, oo, bufs)
}

fn online<S: ChunkSource>(
    src: &mut S,
    k: usize,
    opts: &FitOptions,
    mo: &MixtureOptions,
    oo: &OnlineOptions,
    bufs: Buffers<'_>,
) -> Result<MixtureFit, FitError> {
    check_call(k, opts, mo)?;
    if !(oo.kappa > 0.5 && oo.kappa <= 1.0) {
        return Err(FitError::BadOption("kappa"));
    }
    let Buffers {
        burn: buf,
        batch,
        sc,
        spare,
    } = bufs;
    let burn = oo.burn_in.clamp(4 * k, RESERVOIR_CAPACITY).min(buf.len());
    let mb = oo.minibatch.clamp(1, MAX_BATCH).min(batch.len().max(1));
    let b = bounds(opts, mo);
    let mut nb = 0usize;
    let mut nbatch = 0usize;
    let mut s = Summary::new();
    let mut state: Option<State> = None;
    let mut offset = 0usize;
    src.reset();
    for _ in 0..(1u64 << 40) {
        let Some(chunk) = src.next_chunk() else {
            break;
        };
        s.add(chunk, offset, opts.lo, opts.hi)?;
        offset += chunk.len();
        for &x in chunk {
            match state.as_mut() {
                None => {
                    if let Some(slot) = buf.get_mut(nb) {
                        *slot = x;
                        nb += 1;
                    }
                    if nb == burn {
                        let part = buf.get_mut(..nb).unwrap_or(&mut []);
                        state = Some(burn_in(part, k, &s, opts, mo, &b, (sc, spare))?);
                    }
                }
                Some(st) => {
                    if x < st.x_min {
                        st.x_min = x;
                    }
                    if let Some(slot) = batch.get_mut(nbatch) {
                        *slot = x;
                        nbatch += 1;
                    }
                    if nbatch == mb {
                        let part = batch.get(..nbatch).unwrap_or(&[]);
                        update(st, part, mo.min_weight, oo.kappa, &b, sc);
                        nbatch = 0;
                    }
                }
            }
        }
    }
    s.check(k)?;
    let mut st = match state {
        Some(st) => st,
        None => burn_in(
            buf.get_mut(..nb).unwrap_or(&mut []),
            k,
            &s,
            opts,
            mo,
            &b,
            (sc, spare),
        )?,
    };
    let part = batch.get(..nbatch).unwrap_or(&[]);
    update(&mut st, part, mo.min_weight, oo.kappa, &b, sc);
    st.run.ll = st.ll;
    st.run.converged = false;
    st.run.passes = 1;
    MixtureFit::from_run(&st.run, &b, s.n, 0, 0)
}

fn burn_in(
    buf: &mut [f64],
    k: usize,
    s: &Summary,
    opts: &FitOptions,
    mo: &MixtureOptions,
    b: &super::params::Bounds,
    (sc, spare): (&mut Scratch, &mut Spare),
) -> Result<State, FitError> {
    let mut local = Summary::new();
    local.add(buf, 0, opts.lo, opts.hi)?;
    local.check(k)?;
    buf.sort_unstable_by(f64::total_cmp);
    let mut d: &[f64] = buf;
    let ctl = control(opts, mo, mo.em_iters, buf.len() as f64);
    let mut run = super::Run::failed(k);
    let st = Starts {
        sorted: buf,
        s: &local,
        b,
        ctl: &ctl,
        starts: mo.starts,
    };
    multi_start(&mut d, &st, k, None, sc, &mut run, spare);
    Ok(State {
        ll: run.ll,
        run,
        has_avg: false,
        t: 0,
        x_min: local.min.min(s.min),
    })
}
