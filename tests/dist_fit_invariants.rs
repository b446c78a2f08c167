//! Randomised checks of the invariants the integrator's fuzz targets will assert
//! (`dist_new`, `fit_gamma`): arbitrary parameters / bytes never panic; valid distributions have
//! a monotone cdf in [0, 1] with cdf + sf = 1 within 1e-12; fits are Ok with finite parameters
//! or Err.

mod common;

use common::{Sample, SplitMix64};
use simstat::dist::{ShiftedGamma, TruncatedShiftedGamma};
use simstat::fit::{fit_gamma, fit_gamma_sketch, FitOptions, Sketch};

/// A "nasty" f64: specials, extremes, or random bit patterns and moderate values.
fn nasty(rng: &mut SplitMix64) -> f64 {
    const SPECIAL: [f64; 14] = [
        0.0,
        -0.0,
        1.0,
        -1.0,
        f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::MIN_POSITIVE,
        5e-324,
        f64::MAX,
        f64::MIN,
        1e-300,
        1e300,
        f64::EPSILON,
    ];
    match rng.next_u64() % 4 {
        0 => SPECIAL[(rng.next_u64() % SPECIAL.len() as u64) as usize],
        1 => f64::from_bits(rng.next_u64()),
        2 => (rng.uniform() * 80.0 - 40.0).exp() * if rng.uniform() < 0.3 { -1.0 } else { 1.0 },
        _ => rng.uniform() * 4.0 - 2.0,
    }
}

fn check_truncated(t: &TruncatedShiftedGamma) {
    let (lo, hi) = (t.lo(), t.hi());
    let mut prev = 0.0;
    let mut prev_x = lo;
    for k in 0..=200 {
        let f = k as f64 / 200.0;
        // no overflow for huge intervals; kept non-decreasing because the interpolation is not
        // monotone under rounding when lo and hi are a few ULP apart
        let x = (lo * (1.0 - f) + hi * f).max(prev_x).min(hi);
        prev_x = x;
        let (c, s) = (t.cdf(x), t.sf(x));
        assert!(
            (0.0..=1.0).contains(&c) && (0.0..=1.0).contains(&s),
            "{t:?} x={x}: {c} {s}"
        );
        assert!(
            (c + s - 1.0).abs() <= 1e-12,
            "{t:?} x={x}: cdf+sf-1 = {}",
            c + s - 1.0
        );
        // monotone up to rounding of the P/Q kernels (1e-12 of the scale)
        assert!(
            c >= prev - 1e-12,
            "{t:?}: cdf decreases at {x}: {prev} -> {c}"
        );
        prev = prev.max(c);
        assert!(
            !t.ln_pdf(x).is_nan() && !t.pdf(x).is_nan(),
            "{t:?} ln_pdf NaN at {x}"
        );
    }
    assert!(!t.quantile(0.5).is_nan());
}

fn check_untruncated(g: &ShiftedGamma) {
    let mut prev = 0.0;
    let (m, sd) = (g.mean(), g.variance().sqrt());
    for k in -100..=100 {
        let x = m + sd * k as f64 / 10.0;
        let (c, s) = (g.cdf(x), g.sf(x));
        if x.is_finite() {
            assert!(
                (0.0..=1.0).contains(&c) && (0.0..=1.0).contains(&s),
                "{g:?} x={x}"
            );
            assert!((c + s - 1.0).abs() <= 1e-12, "{g:?} x={x}: {}", c + s - 1.0);
            assert!(c >= prev - 1e-12, "{g:?}: cdf decreases at {x}");
            prev = prev.max(c);
            assert!(!g.ln_pdf(x).is_nan());
        }
    }
}

#[test]
fn dist_new_never_panics_and_valid_objects_are_consistent() {
    dist_invariants(2024, 0.0);
    dist_invariants(7, 0.0);
}

fn dist_invariants(seed: u64, min_shape: f64) {
    let mut rng = SplitMix64(seed);
    let mut ok = 0;
    for _ in 0..2_000 {
        let (a, l, c, lo, hi) = (
            nasty(&mut rng),
            nasty(&mut rng),
            nasty(&mut rng),
            nasty(&mut rng),
            nasty(&mut rng),
        );
        if a < min_shape {
            // constructors still must not panic
            let _ = ShiftedGamma::new(a, l, c);
            let _ = TruncatedShiftedGamma::new(a, l, c, lo, hi);
            continue;
        }
        if let Ok(g) = ShiftedGamma::new(a, l, c) {
            assert!(a > 0.0 && l > 0.0 && a.is_finite() && l.is_finite() && c.is_finite());
            if g.variance().is_finite() && g.mean().is_finite() && g.variance() > 0.0 && a < 1e12 {
                check_untruncated(&g);
            }
        }
        if let Ok(t) = TruncatedShiftedGamma::new(a, l, c, lo, hi) {
            assert!(lo < hi && hi > c);
            if a < 1e12 {
                check_truncated(&t);
            }
            ok += 1;
        }
    }
    // plus plausible parameters, which must all construct on [−1, 1]
    for _ in 0..300 {
        let a = (rng.uniform() * 12.0 - 2.0).exp().max(min_shape);
        let l = (rng.uniform() * 8.0).exp();
        let c = -1.5 + rng.uniform() * 2.0;
        let t = TruncatedShiftedGamma::new(a, l, c, -1.0, 1.0);
        if let Ok(t) = t {
            check_truncated(&t);
            ok += 1;
        }
    }
    assert!(ok > 200, "too few valid objects exercised: {ok}");
}

#[test]
fn fit_gamma_on_arbitrary_bytes_is_ok_finite_or_err() {
    let mut rng = SplitMix64(99);
    for round in 0..400 {
        let n = (rng.next_u64() % 64) as usize;
        let data: Vec<f64> = (0..n)
            .map(|_| match round % 3 {
                0 => f64::from_bits(rng.next_u64()),
                1 => nasty(&mut rng),
                // valid values with heavy ties
                _ => ((rng.uniform() * 2.0 - 1.0) * 8.0).round() / 8.0,
            })
            .collect();
        for opts in [
            FitOptions::default(),
            FitOptions {
                warm_start: false,
                ..FitOptions::default()
            },
        ] {
            if let Ok(f) = fit_gamma(&data, &opts) {
                for v in [
                    f.shape(),
                    f.rate(),
                    f.shift(),
                    f.log_likelihood(),
                    f.gradient(),
                ] {
                    assert!(v.is_finite(), "{data:?} -> {f:?}");
                }
                assert!(f.shape() > 0.0 && f.rate() > 0.0);
                assert!(f.distribution().normaliser() > 0.0);
            }
        }
        let mut s = Sketch::<128>::new(-1.0, 1.0).unwrap();
        let _ = s.extend(&data);
        if let Ok(f) = fit_gamma_sketch(&s, &FitOptions::default()) {
            assert!(f.shape().is_finite() && f.shift().is_finite() && f.rate().is_finite());
        }
    }
}

/// Regression (fuzz `dist_new`, fuzz/regressions/dist_new/): rate and shift ≈ 1.97e243 and an
/// interval two ULP wide starting at the shift. All mass sits within one ULP of the shift, so the
/// cdf is 0 at `lo` and 1 above it; the check must see a non-decreasing cdf and a finite quantile.
#[test]
fn truncated_interval_two_ulp_wide_at_1e243() {
    let [shape, rate, shift, lo, hi] = [
        8_246_779_703_540_740_618_u64,
        8_246_779_703_540_740_722,
        8_246_779_703_540_740_722,
        8_246_779_703_540_740_722,
        8_246_779_703_540_740_724,
    ]
    .map(f64::from_bits);
    let t = TruncatedShiftedGamma::new(shape, rate, shift, lo, hi).expect("valid parameters");
    check_truncated(&t);
    assert_eq!(t.cdf(lo), 0.0);
    assert_eq!(t.cdf(hi), 1.0);
    for u in [0.0, 0.25, 0.5, 1.0] {
        let q = t.quantile(u);
        assert!(q >= lo && q <= hi, "quantile({u}) = {q}");
    }
}
