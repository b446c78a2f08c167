//! Streaming equals batch: chunked passes of any split give the slice fit, shard statistics
//! merge into whole-data statistics, threads reduce shards, and the online EM tracks the fit.
mod common;
use common::*;
use simstat::fit::mixture::SliceChunks;
use simstat::fit::{
    fit_mixture, fit_mixture_online, fit_mixture_source, pass_statistics, ChunkSource, FitOptions,
    MixtureOptions, OnlineOptions,
};

const TRUTH: [Comp; 2] = [(0.7, 13.3, 35.5, -0.28), (0.3, 9.0, 30.0, 0.0)];

/// A source cutting the data at arbitrary split points (uneven chunks).
struct Splits<'a> {
    data: &'a [f64],
    cuts: Vec<usize>,
    pos: usize,
}

impl ChunkSource for Splits<'_> {
    fn reset(&mut self) {
        self.pos = 0;
    }
    fn next_chunk(&mut self) -> Option<&[f64]> {
        if self.pos + 1 >= self.cuts.len() {
            return None;
        }
        let (a, b) = (self.cuts[self.pos], self.cuts[self.pos + 1]);
        self.pos += 1;
        Some(&self.data[a..b])
    }
}

/// Bit-for-bit equality of two fits: log-likelihood, weights and every component parameter.
fn assert_same_fit(a: &simstat::fit::MixtureFit, b: &simstat::fit::MixtureFit, what: &str) {
    assert_eq!(a.len(), b.len(), "{what}");
    assert_eq!(
        a.log_likelihood().to_bits(),
        b.log_likelihood().to_bits(),
        "{what}: LL {} vs {}",
        a.log_likelihood(),
        b.log_likelihood()
    );
    for i in 0..a.len() {
        let (ca, cb) = (a.component(i), b.component(i));
        for (x, y) in [
            (a.weight(i), b.weight(i)),
            (ca.shape(), cb.shape()),
            (ca.rate(), cb.rate()),
            (ca.shift(), cb.shift()),
        ] {
            assert_eq!(
                x.to_bits(),
                y.to_bits(),
                "{what}: component {i}: {x} vs {y}"
            );
        }
    }
    assert_eq!(a.converged(), b.converged(), "{what}");
    assert_eq!(a.passes(), b.passes(), "{what}");
}

/// Chunk sizes 1, 7, 4096 and N, and random uneven splits, of `data`.
fn chunked_fits(data: &[f64], k: usize) -> Vec<(String, simstat::fit::MixtureFit)> {
    let (opts, mo) = (FitOptions::default(), MixtureOptions::default());
    let mut out = Vec::new();
    for size in [1usize, 7, 4096, data.len()] {
        let mut src = SliceChunks::new(data, size);
        let f = fit_mixture_source(&mut src, k, &opts, &mo).unwrap();
        out.push((format!("chunks of {size}"), f));
    }
    let mut rng = SplitMix64(99);
    let mut cuts = vec![0usize];
    while *cuts.last().unwrap() < data.len() {
        let step = 1 + (rng.next_u64() % 3000) as usize;
        cuts.push((cuts.last().unwrap() + step).min(data.len()));
    }
    let mut src = Splits { data, cuts, pos: 0 };
    let f = fit_mixture_source(&mut src, k, &opts, &mo).unwrap();
    out.push(("random splits".to_string(), f));
    out
}

#[test]
fn chunked_fit_equals_slice_fit() {
    let data = sample_mixture(&TRUTH, 50_000, 21);
    let batch = fit_mixture(&data, 2, &FitOptions::default()).unwrap();
    assert!(batch.converged());
    for (what, f) in chunked_fits(&data, 2) {
        assert_same_fit(&f, &batch, &what);
    }
}

#[test]
fn chunked_fit_equals_slice_fit_on_a_near_normal_sample() {
    // The case: K = 2 on 20,000 near-normal scores (one shifted gamma with α = 400), an
    // over-specified fit whose optimiser path depends on every rounding: chunked fits used to
    // end elsewhere (here chunks of 1 gave LL 17629.9718 against the slice's 17630.1061; the
    // issue measured 21762.100424 against 21762.100600).
    let data = sample_mixture(&[(1.0, 400.0, 200.0, -1.9)], 20_000, 5);
    let batch = fit_mixture(&data, 2, &FitOptions::default()).unwrap();
    for (what, f) in chunked_fits(&data, 2) {
        assert_same_fit(&f, &batch, &what);
    }
}

#[test]
fn shard_statistics_merge_to_whole() {
    let data = sample_mixture(&TRUTH, 30_000, 4);
    let fit = fit_mixture(&data, 2, &FitOptions::default()).unwrap();
    let whole = pass_statistics(&fit, &data);
    for cut in [1usize, 1234, 15_000, 29_999] {
        let mut a = pass_statistics(&fit, &data[..cut]);
        a.merge(&pass_statistics(&fit, &data[cut..]));
        let d = a.max_rel_diff(&whole);
        assert!(d <= 1e-12, "cut {cut}: max relative difference {d:e}");
    }
    let rel = (whole.log_likelihood() - fit.log_likelihood()).abs() / fit.log_likelihood().abs();
    assert!(rel <= 1e-12);
}

#[cfg(feature = "std")]
#[test]
fn two_threads_reduce_shards_to_the_batch_fit() {
    use simstat::fit::fit_mixture_sharded;
    let data = sample_mixture(&TRUTH, 40_000, 8);
    let opts = FitOptions::default();
    let batch = fit_mixture(&data, 2, &opts).unwrap();
    let (a, b) = data.split_at(17_000);
    let shards = [a, b];
    let f = fit_mixture_sharded(&shards, 2, &opts, &MixtureOptions::default()).unwrap();
    let rel = (f.log_likelihood() - batch.log_likelihood()).abs() / batch.log_likelihood().abs();
    assert!(rel <= 1e-12, "relative LL difference {rel:e}");
    // statistics computed on two threads and merged equal the single-thread pass
    let (sa, sb) = std::thread::scope(|s| {
        let ha = s.spawn(|| pass_statistics(&batch, a));
        let hb = s.spawn(|| pass_statistics(&batch, b));
        (ha.join().unwrap(), hb.join().unwrap())
    });
    let mut merged = sa;
    merged.merge(&sb);
    assert!(merged.max_rel_diff(&pass_statistics(&batch, &data)) <= 1e-12);
}

#[test]
fn online_em_tracks_the_batch_fit() {
    let data = sample_mixture(&TRUTH, 100_000, 13);
    let opts = FitOptions::default();
    let batch = fit_mixture(&data, 2, &opts).unwrap();
    let mut src = SliceChunks::new(&data, 1000);
    let online = fit_mixture_online(
        &mut src,
        2,
        &opts,
        &MixtureOptions::default(),
        &OnlineOptions::default(),
    )
    .unwrap();
    assert_eq!(online.passes(), 1);
    // approximate: the mixture means and the log-likelihood of the data at the online
    // parameters are close to the batch optimum (documented as approximate)
    let ll_online: f64 = data.iter().map(|&x| online.ln_pdf(x)).sum();
    assert!(ll_online <= batch.log_likelihood() + 1e-6);
    let gap = (batch.log_likelihood() - ll_online) / data.len() as f64;
    assert!(gap < 1e-3, "per-point LL gap {gap}");
    let mean = |f: &simstat::fit::MixtureFit| -> f64 {
        (0..f.len())
            .map(|i| f.weight(i) * f.component(i).mean())
            .sum()
    };
    assert!((mean(&online) - mean(&batch)).abs() < 5e-3);
}
/// Sharded fits add the shards' statistics, so they agree with the slice fit only to rounding;
/// where the likelihood has several optima that rounding can choose between (K = 2 on one
/// near-normal cluster), they can end at another one. Measured on 20,000 values split at
/// 5,000 / 10,000 / 17,000: 0.130 / 0.030 / 0.132 nats below the slice fit (all converged);
/// the bound stated in `fit_mixture_sharded`'s docs is 0.2 nats here.
#[test]
fn sharded_fit_on_a_near_normal_sample_is_within_its_stated_bound() {
    use simstat::fit::fit_mixture_sharded;
    let data = sample_mixture(&[(1.0, 400.0, 200.0, -1.9)], 20_000, 5);
    let opts = FitOptions::default();
    let batch = fit_mixture(&data, 2, &opts).unwrap();
    for cut in [5000, 10_000, 17_000] {
        let (a, b) = data.split_at(cut);
        let f = fit_mixture_sharded(&[a, b], 2, &opts, &MixtureOptions::default()).unwrap();
        let d = (f.log_likelihood() - batch.log_likelihood()).abs();
        assert!(
            d <= 0.2,
            "split at {cut}: LL {} vs {}",
            f.log_likelihood(),
            batch.log_likelihood()
        );
        assert!(f.converged());
    }
}
