//! The streaming sketch: exact (bit-identical) merges for any split and order, push/extend
//! errors, and the sketch-only fit against the exact one.

mod common;

use common::{Sample, SplitMix64};
use simstat::fit::{fit_gamma, fit_gamma_sketch, FitError, FitOptions, Sketch};

fn sample(seed: u64, n: usize) -> Vec<f64> {
    SplitMix64(seed).shifted_gamma(n, 13.3, 35.5, -0.28, -1.0, 1.0)
}

#[test]
fn any_split_merges_to_the_identical_sketch_and_fit() {
    let x = sample(1, 20_000);
    let mut all = Sketch::<4096>::new(-1.0, 1.0).unwrap();
    all.extend(&x).unwrap();
    let fit_all = fit_gamma_sketch(&all, &FitOptions::default()).unwrap();
    let mut rng = SplitMix64(77);
    for _ in 0..20 {
        // random cut points, merged in a random order (and in a tree vs a chain)
        let mut cuts: Vec<usize> = (0..5)
            .map(|_| (rng.uniform() * x.len() as f64) as usize)
            .collect();
        cuts.push(0);
        cuts.push(x.len());
        cuts.sort();
        let mut parts: Vec<Sketch<4096>> = cuts
            .windows(2)
            .map(|w| {
                let mut s = Sketch::<4096>::new(-1.0, 1.0).unwrap();
                s.extend(&x[w[0]..w[1]]).unwrap();
                s
            })
            .collect();
        // shuffle
        for i in (1..parts.len()).rev() {
            let j = (rng.uniform() * (i + 1) as f64) as usize;
            parts.swap(i, j);
        }
        let mut chain = Sketch::<4096>::new(-1.0, 1.0).unwrap();
        for p in &parts {
            chain.merge(p).unwrap();
        }
        assert_eq!(chain, all, "chain merge differs");
        let (a, b) = parts.split_at(parts.len() / 2);
        let fold = |ps: &[Sketch<4096>]| {
            let mut s = Sketch::<4096>::new(-1.0, 1.0).unwrap();
            for p in ps {
                s.merge(p).unwrap();
            }
            s
        };
        let (mut l, r) = (fold(a), fold(b));
        l.merge(&r).unwrap();
        assert_eq!(l, all, "tree merge differs");
        let f = fit_gamma_sketch(&l, &FitOptions::default()).unwrap();
        assert_eq!(f, fit_all, "fit of the merged sketch differs");
        assert_eq!(l.mean().to_bits(), all.mean().to_bits());
    }
}

#[test]
fn sketch_counts_and_exact_stats() {
    let x = sample(2, 1_000);
    let mut s = Sketch::<256>::new(-1.0, 1.0).unwrap();
    s.extend(&x).unwrap();
    assert_eq!(s.len(), 1_000);
    assert_eq!(s.counts().iter().sum::<u64>(), 1_000);
    let min = x.iter().cloned().fold(f64::INFINITY, f64::min);
    let max = x.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    assert_eq!((s.min(), s.max()), (min, max));
    // mean from the integer bin sums: each value sits on a grid of 2⁻²⁰ bin (truncated, bias
    // ½ quantum added back), so |error| ≤ ½ quantum = ½·(2/256)·2⁻²⁰ ≈ 3.7e-9 for sure
    let mean = x.iter().sum::<f64>() / 1_000.0;
    let half_quantum = 0.5 * (2.0 / 256.0) / 1_048_576.0;
    assert!(
        (s.mean() - mean).abs() <= half_quantum,
        "{} vs {}",
        s.mean(),
        mean
    );
    // interval ends land in the first and the last bin
    let mut e = Sketch::<8>::new(-1.0, 1.0).unwrap();
    e.extend(&[-1.0, 1.0]).unwrap();
    assert_eq!(e.counts()[0], 1);
    assert_eq!(e.counts()[7], 1);
}

#[test]
fn sketch_rejects_bad_values_and_mismatched_merges() {
    let mut s = Sketch::<64>::new(-1.0, 1.0).unwrap();
    assert_eq!(s.push(f64::NAN), Err(FitError::NonFinite { index: 0 }));
    assert_eq!(
        s.push(2.0),
        Err(FitError::OutOfInterval {
            index: 0,
            value: 2.0,
            lo: -1.0,
            hi: 1.0
        })
    );
    assert!(s.is_empty());
    assert_eq!(
        s.extend(&[0.1, 0.2, f64::INFINITY, 0.3]),
        Err(FitError::NonFinite { index: 2 })
    );
    assert_eq!(s.len(), 2, "values before the bad one are kept");
    let other = Sketch::<64>::new(0.0, 1.0).unwrap();
    assert_eq!(s.merge(&other), Err(FitError::IntervalMismatch));
    assert!(Sketch::<64>::new(1.0, 1.0).is_err());
    assert!(Sketch::<64>::new(f64::NAN, 1.0).is_err());
    assert!(Sketch::<0>::new(-1.0, 1.0).is_err());
    assert_eq!(
        fit_gamma_sketch(
            &s,
            &FitOptions {
                lo: 0.0,
                ..FitOptions::default()
            }
        ),
        Err(FitError::IntervalMismatch)
    );
    let empty = Sketch::<64>::new(-1.0, 1.0).unwrap();
    assert_eq!(
        fit_gamma_sketch(&empty, &FitOptions::default()),
        Err(FitError::TooFewSamples { n: 0, needed: 3 })
    );
}

#[test]
fn sketch_fit_tracks_the_exact_fit() {
    // N = 100,000: the 4096-bin sketch fit is within 1e-6 relative in log-likelihood and 1 %
    // in α of the exact fit (binning error O(width²)).
    let x = sample(3, 100_000);
    let mut s = Sketch::<4096>::new(-1.0, 1.0).unwrap();
    s.extend(&x).unwrap();
    let fs = fit_gamma_sketch(&s, &FitOptions::default()).unwrap();
    let fe = fit_gamma(&x, &FitOptions::default()).unwrap();
    let rel = (fs.log_likelihood() - fe.log_likelihood()).abs() / fe.log_likelihood().abs();
    assert!(rel < 1e-6, "LL rel diff {rel:e}");
    assert!((fs.shape() / fe.shape() - 1.0).abs() < 0.01);
    assert_eq!(fs.passes(), 0);
    assert!(fs.sketch_passes() > 0);
}

#[test]
fn coarse_sketch_still_fits() {
    // even 64 bins give a usable warm start: finite, α within 20 % of the exact fit.
    let x = sample(4, 10_000);
    let mut s = Sketch::<64>::new(-1.0, 1.0).unwrap();
    s.extend(&x).unwrap();
    let fs = fit_gamma_sketch(&s, &FitOptions::default()).unwrap();
    let fe = fit_gamma(&x, &FitOptions::default()).unwrap();
    assert!(fs.shape().is_finite() && (fs.shape() / fe.shape() - 1.0).abs() < 0.2);
}
