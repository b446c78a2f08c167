//! Every failure mode of the spec (shared/specs/gamma-mixture.md, "Failure modes") for the
//! single shifted-gamma fit: α ≤ 1, nearly symmetric samples, degenerate and bad input.

mod common;

use common::{Sample, SplitMix64};
use simstat::fit::{fit_gamma, FitError, FitOptions, Regime};

fn finite_fit(f: &simstat::fit::GammaFit) -> bool {
    [
        f.shape(),
        f.rate(),
        f.shift(),
        f.log_likelihood(),
        f.log_likelihood_untruncated(),
        f.gradient(),
    ]
    .iter()
    .all(|v| v.is_finite())
}

#[test]
fn recovers_known_parameters() {
    // N = 100,000 from (α 13.3, λ 35.5, c −0.28): estimates within 4 standard errors
    // (SE of α ≈ 0.9, of c ≈ 0.01 at this N by the observed information; bounds 4·SE).
    let mut rng = SplitMix64(42);
    let x = rng.shifted_gamma(100_000, 13.3, 35.5, -0.28, -1.0, 1.0);
    let f = fit_gamma(&x, &FitOptions::default()).unwrap();
    assert_eq!(f.regime(), Regime::Regular);
    assert!(f.converged());
    assert!((f.shape() - 13.3).abs() < 3.6, "shape {}", f.shape());
    assert!((f.shift() + 0.28).abs() < 0.04, "shift {}", f.shift());
    // the mean is pinned much better: |c + α/λ − true mean| < 4·sd/√N
    let mean = f.shift() + f.shape() / f.rate();
    let sd = 13.3_f64.sqrt() / 35.5;
    assert!((mean - (-0.28 + 13.3 / 35.5)).abs() < 4.0 * sd / (1e5_f64).sqrt());
    // gradient at the optimum: |dℓ/dc| (summed) tiny relative to N/sd
    assert!(f.gradient().abs() < 1e-3, "gradient {}", f.gradient());
}

#[test]
fn shape_below_one_falls_back_and_says_so() {
    // Gamma(0.6): the likelihood is unbounded as c → x_min.
    let mut rng = SplitMix64(7);
    let x = rng.shifted_gamma(5_000, 0.6, 8.0, -0.5, -1.0, 1.0);
    let f = fit_gamma(&x, &FitOptions::default()).unwrap();
    assert_eq!(f.regime(), Regime::ShapeAtMostOne);
    let min = x.iter().cloned().fold(f64::INFINITY, f64::min);
    let max = x.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    // shift at x_min − 1e-6·range (the default boundary_gap), α ≤ 1, all finite
    let gap = min - f.shift();
    assert!(
        gap > 0.0 && (gap / (1e-6 * (max - min)) - 1.0).abs() < 1e-6,
        "gap {gap}"
    );
    assert!(f.shape() <= 1.0 && f.shape() > 0.3, "shape {}", f.shape());
    assert!(finite_fit(&f));
    assert!(f.distribution().normaliser() > 0.0);
}

#[test]
fn exponential_like_sample_is_boundary_or_regular_never_nan() {
    // α = 1 exactly sits on the edge: either regime is legitimate, parameters must be finite.
    let mut rng = SplitMix64(8);
    let x = rng.shifted_gamma(3_000, 1.0, 10.0, -0.3, -1.0, 1.0);
    let f = fit_gamma(&x, &FitOptions::default()).unwrap();
    assert!(finite_fit(&f));
    assert!(f.shape() > 0.5 && f.shape() < 2.0);
}

#[test]
fn normal_sample_goes_to_the_normal_limit_without_a_box_on_c() {
    // A normal sample: the profile likelihood rises toward α → ∞; α is capped at 1e7 and c is
    // far below −1 (no box at −1). The log-likelihood is within 0.05 of the normal MLE's
    // (the gap of a gamma at α = 1e7 is O(n·|skew|/√α)) and never NaN.
    for seed in 1..6 {
        let mut rng = SplitMix64(seed);
        let x: Vec<f64> = (0..5_000).map(|_| 0.05 + 0.07 * rng.normal()).collect();
        let f = fit_gamma(&x, &FitOptions::default()).unwrap();
        assert!(finite_fit(&f));
        let nll = common::normal_ll(&x);
        match f.regime() {
            Regime::NormalLimit => {
                assert_eq!(f.shape(), 1e7);
                assert!(f.shift() < -1.0, "shift {}", f.shift());
                assert!((f.log_likelihood_untruncated() - nll).abs() < 0.05);
            }
            Regime::Regular => {
                // a slightly right-skewed draw has an interior optimum with a huge α
                assert!(f.shape() > 100.0, "shape {}", f.shape());
                assert!(f.log_likelihood_untruncated() > nll - 0.05);
            }
            Regime::ShapeAtMostOne => panic!("normal sample flagged α ≤ 1"),
        }
    }
}

#[test]
fn huge_shape_sample_has_shift_far_below_minus_one() {
    // α = 1e5, c ≈ −15.7: like the real w4 sample (α 1.4e5, c −19). Must not box c at −1.
    let mut rng = SplitMix64(99);
    let (a, l) = (1e5, 1e5_f64.sqrt() / 0.05);
    let c = 0.1 - a / l;
    let x = rng.shifted_gamma(20_000, a, l, c, -1.0, 1.0);
    let f = fit_gamma(&x, &FitOptions::default()).unwrap();
    assert!(finite_fit(&f));
    assert!(
        f.shift() < -1.0 && f.shape() > 1e3,
        "shape {} shift {}",
        f.shape(),
        f.shift()
    );
    assert!(f.log_likelihood_untruncated() > common::normal_ll(&x) - 0.05);
}

#[test]
fn shape_cap_is_respected() {
    let mut rng = SplitMix64(3);
    let x: Vec<f64> = (0..2_000).map(|_| 0.1 * rng.normal()).collect();
    let opts = FitOptions {
        shape_cap: 1e4,
        ..FitOptions::default()
    };
    let f = fit_gamma(&x, &opts).unwrap();
    assert!(f.shape() <= 1e4);
    assert!(finite_fit(&f));
}

#[test]
fn bad_input_is_an_error_naming_the_problem() {
    let o = FitOptions::default();
    assert_eq!(
        fit_gamma(&[], &o),
        Err(FitError::TooFewSamples { n: 0, needed: 3 })
    );
    assert_eq!(
        fit_gamma(&[0.1, 0.2], &o),
        Err(FitError::TooFewSamples { n: 2, needed: 3 })
    );
    assert_eq!(
        fit_gamma(&[0.1, f64::NAN, 0.2, 0.3], &o),
        Err(FitError::NonFinite { index: 1 })
    );
    assert_eq!(
        fit_gamma(&[0.1, 0.2, f64::INFINITY], &o),
        Err(FitError::NonFinite { index: 2 })
    );
    assert_eq!(
        fit_gamma(&[0.1, 0.2, -f64::INFINITY], &o),
        Err(FitError::NonFinite { index: 2 })
    );
    assert_eq!(
        fit_gamma(&[0.1, 1.5, 0.2], &o),
        Err(FitError::OutOfInterval {
            index: 1,
            value: 1.5,
            lo: -1.0,
            hi: 1.0
        })
    );
    assert_eq!(
        fit_gamma(&[-1.0000001, 0.5, 0.2], &o),
        Err(FitError::OutOfInterval {
            index: 0,
            value: -1.0000001,
            lo: -1.0,
            hi: 1.0
        })
    );
    // the message names the bound it broke
    let e = fit_gamma(&[0.1, 1.0000001, 0.2], &o).unwrap_err();
    assert_eq!(
        e.to_string(),
        "value 1.0000001 at index 1 (0-based) is outside the fit interval [-1, 1]"
    );
    assert_eq!(fit_gamma(&[0.3; 100], &o), Err(FitError::AllEqual));
    // the interval ends themselves are allowed
    assert!(fit_gamma(&[-1.0, 1.0, 0.0, 0.1, 0.2], &o).is_ok());
}

#[test]
fn bad_options_are_errors_naming_the_field() {
    let x = [0.1, 0.2, 0.4, 0.3];
    let d = FitOptions::default();
    let cases: [(FitOptions, &str); 8] = [
        (FitOptions { lo: f64::NAN, ..d }, "lo"),
        (FitOptions { hi: -2.0, ..d }, "hi"),
        (FitOptions { max_passes: 0, ..d }, "max_passes"),
        (
            FitOptions {
                gain_tol: -1.0,
                ..d
            },
            "gain_tol",
        ),
        (
            FitOptions {
                step_tol: f64::NAN,
                ..d
            },
            "step_tol",
        ),
        (FitOptions { max_step: 0.0, ..d }, "max_step"),
        (
            FitOptions {
                shape_cap: 0.5,
                ..d
            },
            "shape_cap",
        ),
        (
            FitOptions {
                boundary_gap: 0.0,
                ..d
            },
            "boundary_gap",
        ),
    ];
    for (o, name) in cases {
        assert_eq!(fit_gamma(&x, &o), Err(FitError::BadOption(name)));
    }
}

#[test]
fn degenerate_small_samples_never_give_nan() {
    // few distinct values, tiny spreads, three points: Ok with finite parameters or Err.
    let cases: Vec<Vec<f64>> = vec![
        vec![0.0, 0.0, 1e-300],
        vec![0.1, 0.1, 0.1, 0.1, 0.2],
        vec![0.1, 0.2, 0.2, 0.2, 0.2],
        vec![-1.0, -1.0, 1.0],
        vec![0.5, 0.5 + 1e-15, 0.5 + 2e-15],
        vec![0.0, 0.5, 1.0],
        vec![-0.3, 0.9, 0.9, 0.9],
    ];
    for x in cases {
        match fit_gamma(&x, &FitOptions::default()) {
            Ok(f) => assert!(finite_fit(&f), "{x:?} gave {f:?}"),
            Err(e) => assert!(
                matches!(e, FitError::AllEqual | FitError::Distribution(_)),
                "{x:?}: {e}"
            ),
        }
    }
}

#[test]
fn max_passes_bounds_the_work() {
    let mut rng = SplitMix64(5);
    let x = rng.shifted_gamma(2_000, 5.0, 20.0, -0.3, -1.0, 1.0);
    let o = FitOptions {
        max_passes: 1,
        warm_start: false,
        ..FitOptions::default()
    };
    let f = fit_gamma(&x, &o).unwrap();
    // one sketch pass + one Newton pass (+ possibly one final regime pass)
    assert!(f.passes() <= 3);
    assert!(finite_fit(&f));
}
