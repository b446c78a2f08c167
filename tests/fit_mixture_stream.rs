//! Streaming equals batch: chunked passes of any split give the slice fit, shard statistics
//! merge into whole-data statistics, threads reduce shards, and the online EM tracks the fit.
mod fit_mixture_common;
use fit_mixture_common::*;
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

#[test]
fn chunked_fit_equals_slice_fit() {
    let data = sample_mixture(&TRUTH, 50_000, 21);
    let opts = FitOptions::default();
    let mo = MixtureOptions::default();
    let batch = fit_mixture(&data, 2, &opts).unwrap();
    for size in [1usize, 7, 4096, 50_000] {
        let mut src = SliceChunks::new(&data, size);
        let f = fit_mixture_source(&mut src, 2, &opts, &mo).unwrap();
        let rel =
            (f.log_likelihood() - batch.log_likelihood()).abs() / batch.log_likelihood().abs();
        assert!(rel <= 1e-12, "chunk {size}: relative LL difference {rel:e}");
        assert!(f.converged());
    }
    let mut rng = Rng(99);
    let mut cuts = vec![0usize];
    while *cuts.last().unwrap() < data.len() {
        let step = 1 + (rng.next_u64() % 3000) as usize;
        cuts.push((cuts.last().unwrap() + step).min(data.len()));
    }
    let mut src = Splits {
        data: &data,
        cuts,
        pos: 0,
    };
    let f = fit_mixture_source(&mut src, 2, &opts, &mo).unwrap();
    let rel = (f.log_likelihood() - batch.log_likelihood()).abs() / batch.log_likelihood().abs();
    assert!(
        rel <= 1e-12,
        "random splits: relative LL difference {rel:e}"
    );
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
    assert!(gap < 2e-3, "per-point LL gap {gap}");
    let mean = |f: &simstat::fit::MixtureFit| -> f64 {
        (0..f.len())
            .map(|i| f.weight(i) * f.component(i).mean())
            .sum()
    };
    assert!((mean(&online) - mean(&batch)).abs() < 5e-3);
}
