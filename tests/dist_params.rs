//! Constructor validation, support edges and moments of `simstat::dist`.

use simstat::dist::{ParamError, ShiftedGamma, TruncatedShiftedGamma};

#[test]
fn bad_parameters_are_errors_naming_the_parameter() {
    use ParamError::*;
    assert_eq!(
        ShiftedGamma::new(f64::NAN, 1.0, 0.0),
        Err(NonFinite { param: "shape" })
    );
    assert_eq!(
        ShiftedGamma::new(1.0, f64::INFINITY, 0.0),
        Err(NonFinite { param: "rate" })
    );
    assert_eq!(
        ShiftedGamma::new(1.0, 1.0, f64::NEG_INFINITY),
        Err(NonFinite { param: "shift" })
    );
    assert_eq!(
        ShiftedGamma::new(0.0, 1.0, 0.0),
        Err(NonPositive { param: "shape" })
    );
    assert_eq!(
        ShiftedGamma::new(-2.0, 1.0, 0.0),
        Err(NonPositive { param: "shape" })
    );
    assert_eq!(
        ShiftedGamma::new(2.0, 0.0, 0.0),
        Err(NonPositive { param: "rate" })
    );
    let t = TruncatedShiftedGamma::new;
    assert_eq!(
        t(2.0, 1.0, 0.0, f64::NAN, 1.0),
        Err(NonFinite { param: "lo" })
    );
    assert_eq!(
        t(2.0, 1.0, 0.0, -1.0, f64::INFINITY),
        Err(NonFinite { param: "hi" })
    );
    assert_eq!(t(2.0, 1.0, 0.0, 1.0, 1.0), Err(EmptyInterval));
    assert_eq!(t(2.0, 1.0, 0.0, 1.0, -1.0), Err(EmptyInterval));
    assert_eq!(t(2.0, 1.0, 1.0, -1.0, 1.0), Err(SupportMissesInterval));
    assert_eq!(t(2.0, 1.0, 2.0, -1.0, 1.0), Err(SupportMissesInterval));
    // interval far in the upper tail: Q(500, 1e6) underflows → normaliser error
    assert_eq!(t(500.0, 1e6, -1.0, 0.0, 1.0), Err(NormaliserUnderflow));
    assert_eq!(t(2.0, 1.0, 0.0, 0.0, 1.0).map(|_| ()), Ok(()));
    assert_eq!(NonFinite { param: "lo" }.parameter(), "lo");
    assert_eq!(EmptyInterval.parameter(), "lo/hi");
}

#[test]
fn outside_the_support_and_the_interval() {
    let g = ShiftedGamma::new(3.0, 10.0, -0.2).unwrap();
    assert_eq!(g.ln_pdf(-0.3), f64::NEG_INFINITY);
    assert_eq!(g.pdf(-0.3), 0.0);
    assert_eq!(g.cdf(-0.3), 0.0);
    assert_eq!(g.sf(-0.3), 1.0);
    assert_eq!(g.cdf(f64::INFINITY), 1.0);
    assert_eq!(g.sf(f64::INFINITY), 0.0);
    assert!(g.ln_pdf(f64::NAN).is_nan() && g.cdf(f64::NAN).is_nan() && g.sf(f64::NAN).is_nan());
    assert!(g.quantile(1.5).is_nan() && g.quantile(-0.1).is_nan());
    assert_eq!(g.quantile(0.0), -0.2);
    assert_eq!(g.quantile(1.0), f64::INFINITY);
    // at x = c: density 0 (α > 1), λ (α = 1), +∞ (α < 1)
    assert_eq!(g.pdf(-0.2), 0.0);
    assert_eq!(ShiftedGamma::new(1.0, 4.0, 0.0).unwrap().pdf(0.0), 4.0);
    assert_eq!(
        ShiftedGamma::new(0.5, 4.0, 0.0).unwrap().pdf(0.0),
        f64::INFINITY
    );
    let t = TruncatedShiftedGamma::new(3.0, 10.0, -0.2, -1.0, 1.0).unwrap();
    assert_eq!(t.ln_pdf(1.01), f64::NEG_INFINITY);
    assert_eq!(t.pdf(-1.5), 0.0);
    assert_eq!((t.cdf(-1.5), t.sf(-1.5)), (0.0, 1.0));
    assert_eq!((t.cdf(1.5), t.sf(1.5)), (1.0, 0.0));
    // quantile(0) is where the support starts: the shift (−0.2), not the interval's lo (−1)
    assert_eq!((t.quantile(0.0), t.quantile(1.0)), (-0.2, 1.0));
    let wide = TruncatedShiftedGamma::new(3.0, 10.0, -2.0, -1.0, 1.0).unwrap();
    assert_eq!(wide.quantile(0.0), -1.0);
    // Debug prints the parameters a user set, not the cached internals
    let d = format!("{t:?}");
    assert_eq!(
        d,
        "TruncatedShiftedGamma { shape: 3.0, rate: 10.0, shift: -0.2, lo: -1.0, hi: 1.0 }"
    );
    assert_eq!(
        format!("{g:?}"),
        "ShiftedGamma { shape: 3.0, rate: 10.0, shift: -0.2 }"
    );
}

/// ∫ f over [a, b] by composite Gauss–Legendre (5 points, `k` panels).
fn integrate(f: impl Fn(f64) -> f64, a: f64, b: f64, k: usize) -> f64 {
    const X: [f64; 5] = [
        0.0,
        -0.538_469_310_105_683_1,
        0.538_469_310_105_683_1,
        -0.906_179_845_938_664,
        0.906_179_845_938_664,
    ];
    const W: [f64; 5] = [
        0.568_888_888_888_888_9,
        0.478_628_670_499_366_5,
        0.478_628_670_499_366_5,
        0.236_926_885_056_189_1,
        0.236_926_885_056_189_1,
    ];
    let h = (b - a) / k as f64;
    (0..k)
        .map(|i| {
            let m = a + (i as f64 + 0.5) * h;
            X.iter()
                .zip(W.iter())
                .map(|(x, w)| w * f(m + 0.5 * h * x))
                .sum::<f64>()
                * 0.5
                * h
        })
        .sum()
}

#[test]
fn truncated_moments_and_density_integrate_consistently() {
    // mass 1, mean and variance by quadrature: agree to 1e-10 (quadrature error ≪ that).
    for &(a, l, c) in &[
        (13.3, 35.5, -0.28),
        (2.5, 3.0, -0.4),
        (45.5, 61.9, -0.637),
        (1.5, 0.5, -1.2),
    ] {
        let t = TruncatedShiftedGamma::new(a, l, c, -1.0, 1.0).unwrap();
        let a0 = c.max(-1.0);
        let mass = integrate(|x| t.pdf(x), a0, 1.0, 4000);
        let mean = integrate(|x| x * t.pdf(x), a0, 1.0, 4000);
        let m2 = integrate(|x| (x - mean) * (x - mean) * t.pdf(x), a0, 1.0, 4000);
        assert!((mass - 1.0).abs() < 1e-10, "mass {mass}");
        assert!(
            (t.mean() - mean).abs() < 1e-10,
            "mean {} vs {mean}",
            t.mean()
        );
        assert!(
            (t.variance() - m2).abs() < 1e-10 * m2.max(1.0),
            "var {} vs {m2}",
            t.variance()
        );
        // cdf is the integral of the pdf
        let x = 0.6 * a0 + 0.4;
        assert!((t.cdf(x) - integrate(|y| t.pdf(y), a0, x, 4000)).abs() < 1e-10);
    }
    let g = ShiftedGamma::new(13.3, 35.5, -0.28).unwrap();
    assert!((g.mean() - (-0.28 + 13.3 / 35.5)).abs() < 1e-15);
    assert!((g.variance() - 13.3 / (35.5 * 35.5)).abs() < 1e-17);
}

#[test]
fn normaliser_comes_from_the_side_that_does_not_cancel() {
    // interval deep in the upper tail: Z = Q(lo) − Q(hi) ~ 1e-40, kept to full relative accuracy
    // (the P-form would give 0). Reference: mpmath, 60 digits.
    let t = TruncatedShiftedGamma::new(2.0, 50.0, -1.0, 0.0, 1.0).unwrap();
    // Q(2, 50) − Q(2, 100) = 51 e^{−50} − 101 e^{−100}
    let z = 51.0 * (-50.0_f64).exp() - 101.0 * (-100.0_f64).exp();
    assert!(
        (t.normaliser() / z - 1.0).abs() < 1e-13,
        "{} vs {z}",
        t.normaliser()
    );
    // sf near hi is tiny but relatively accurate: sf(x) = (Q(zx) − Q(100))/Z
    let x = 0.9;
    let zx = 95.0_f64;
    let want = ((1.0 + zx) * (-zx).exp() - 101.0 * (-100.0_f64).exp()) / z;
    assert!(
        (t.sf(x) / want - 1.0).abs() < 1e-11,
        "{} vs {want}",
        t.sf(x)
    );
}
