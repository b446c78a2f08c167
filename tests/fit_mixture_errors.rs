//! Bad input gives a `FitError`, never a panic; randomized data/k give Ok with finite
//! parameters and weights summing to 1 (ordered by shift), or Err (the fuzz invariant).
mod common;
use common::*;
use simstat::fit::{fit_mixture, FitError, FitOptions, MAX_COMPONENTS};

#[test]
fn bad_input_is_an_error() {
    let opts = FitOptions::default();
    let good: Vec<f64> = sample_mixture(&[(1.0, 10.0, 30.0, -0.2)], 100, 1);
    assert!(matches!(
        fit_mixture(&good, 0, &opts),
        Err(FitError::BadOption("k"))
    ));
    assert!(matches!(
        fit_mixture(&good, MAX_COMPONENTS + 1, &opts),
        Err(FitError::BadOption("k"))
    ));
    assert!(matches!(
        fit_mixture(&good[..5], 2, &opts),
        Err(FitError::TooFewSamples { n: 5, .. })
    ));
    assert!(matches!(
        fit_mixture(&[], 1, &opts),
        Err(FitError::TooFewSamples { n: 0, .. })
    ));
    let mut bad = good.clone();
    bad[17] = f64::NAN;
    assert!(matches!(
        fit_mixture(&bad, 2, &opts),
        Err(FitError::NonFinite { index: 17 })
    ));
    bad[17] = f64::INFINITY;
    assert!(matches!(
        fit_mixture(&bad, 2, &opts),
        Err(FitError::NonFinite { index: 17 })
    ));
    bad[17] = 1.5;
    assert!(matches!(
        fit_mixture(&bad, 2, &opts),
        Err(FitError::OutOfInterval { index: 17, .. })
    ));
    assert!(matches!(
        fit_mixture(&[0.3; 50], 2, &opts),
        Err(FitError::AllEqual)
    ));
    let bad_opts = FitOptions { hi: -2.0, ..opts };
    assert!(fit_mixture(&good, 1, &bad_opts).is_err());
}

fn check_invariant(data: &[f64], k: usize) {
    // Err is an accepted outcome; Ok must satisfy the invariant
    if let Ok(f) = fit_mixture(data, k, &FitOptions::default()) {
        assert_eq!(f.len(), k);
        let s: f64 = (0..k).map(|i| f.weight(i)).sum();
        assert!((s - 1.0).abs() < 1e-12, "weights sum {s}");
        assert!(f.log_likelihood().is_finite());
        for i in 0..k {
            let c = f.component(i);
            assert!(c.shape().is_finite() && c.rate().is_finite() && c.shift().is_finite());
            assert!(f.weight(i) > 0.0);
            if i > 0 {
                assert!(f.component(i - 1).shift() <= c.shift());
            }
        }
    }
}

#[test]
fn randomized_inputs_give_ok_with_finite_parameters_or_err() {
    let mut rng = SplitMix64(2024);
    for case in 0..80 {
        let n = (rng.next_u64() % 120) as usize;
        let k = (rng.next_u64() % 6) as usize;
        let style = rng.next_u64() % 5;
        let data: Vec<f64> = (0..n)
            .map(|_| match style {
                0 => rng.uniform() * 2.0 - 1.0,
                1 => (rng.uniform() * 4.0).floor() / 4.0 - 0.5, // few distinct values
                2 => -1.0 + 1e-9 * rng.uniform(),               // piled at the boundary
                3 => 0.1 + 0.05 * rng.normal().clamp(-10.0, 10.0),
                _ => {
                    let a = 1.0 + 20.0 * rng.uniform();
                    let g = rng.gamma(a) / 40.0 - 0.3;
                    g.clamp(-1.0, 1.0)
                }
            })
            .collect();
        let _ = case;
        check_invariant(&data, k);
    }
    // capacity
    let data = sample_mixture(&[(1.0, 10.0, 30.0, -0.2)], 600, 3);
    check_invariant(&data, MAX_COMPONENTS);
}
