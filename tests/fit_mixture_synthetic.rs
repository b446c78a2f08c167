//! Mixture EM on synthetic data: parameter recovery (within 3 SE), LL against the truth and a
//! tightly converged reference, three separated components, BIC order selection, warm = cold.
mod common;
use common::*;
use simstat::fit::{fit_mixture, fit_mixture_with, standard_errors, FitOptions, MixtureOptions};

const TRUTH: [Comp; 2] = [(0.7, 13.3, 35.5, -0.28), (0.3, 9.0, 30.0, 0.0)];

#[test]
fn two_components_recovered_within_three_standard_errors() {
    let data = sample_mixture(&TRUTH, 100_000, 7);
    let fit = fit_mixture(&data, 2, &FitOptions::default()).unwrap();
    assert!(
        fit.converged(),
        "projected gradient {}",
        fit.gradient_norm()
    );
    assert!(fit.gradient_norm() <= 1e-6 * data.len() as f64);
    let se = standard_errors(&fit, &data).unwrap();
    for (i, &(w, a, l, c)) in TRUTH.iter().enumerate() {
        let comp = fit.component(i);
        let z = [
            (fit.weight(i) - w) / se.weight(i),
            (comp.shape() - a) / se.shape(i),
            (comp.rate() - l) / se.rate(i),
            (comp.shift() - c) / se.shift(i),
        ];
        for zi in z {
            assert!(zi.abs() < 3.0, "component {i}: z-scores {z:?}");
        }
    }
    // the MLE beats the truth on the same draw
    let ll_truth = mixture_ll(&TRUTH, &data);
    assert!(
        fit.log_likelihood() >= ll_truth,
        "{} < truth {ll_truth}",
        fit.log_likelihood()
    );
    // and sits within 0.01 of a long, tightly converged cold reference run
    let tight = MixtureOptions {
        grad_tol: 1e-11,
        starts: 4,
        ..MixtureOptions::default()
    };
    let cold = FitOptions {
        warm_start: false,
        max_passes: 500,
        ..FitOptions::default()
    };
    let reference = fit_mixture_with(&data, 2, &cold, &tight).unwrap();
    assert!(
        reference.gradient_norm() < 1e-4,
        "reference pg {}",
        reference.gradient_norm()
    );
    assert!((fit.log_likelihood() - reference.log_likelihood()).abs() <= 0.01);
    // components ordered by shift
    assert!(fit.component(0).shift() < fit.component(1).shift());
}

#[test]
fn warm_start_reaches_the_cold_optimum() {
    let data = sample_mixture(&TRUTH, 60_000, 11);
    let warm = fit_mixture(&data, 2, &FitOptions::default()).unwrap();
    let cold = fit_mixture(
        &data,
        2,
        &FitOptions {
            warm_start: false,
            ..FitOptions::default()
        },
    )
    .unwrap();
    assert!(warm.warm_passes() > 0 && cold.warm_passes() == 0);
    assert!(
        warm.passes() < cold.passes(),
        "{} vs {}",
        warm.passes(),
        cold.passes()
    );
    let rel = (warm.log_likelihood() - cold.log_likelihood()).abs() / cold.log_likelihood().abs();
    assert!(rel <= 1e-9, "relative LL difference {rel:e}");
}

#[test]
fn three_separated_components() {
    let truth = [
        (0.5, 20.0, 60.0, -0.4),
        (0.3, 30.0, 100.0, 0.0),
        (0.2, 40.0, 150.0, 0.3),
    ];
    let data = sample_mixture(&truth, 30_000, 3);
    let fit = fit_mixture(&data, 3, &FitOptions::default()).unwrap();
    assert!(fit.converged());
    for (i, &(w, a, l, c)) in truth.iter().enumerate() {
        let comp = fit.component(i);
        let mean = c + a / l;
        let fmean = comp.shift() + comp.shape() / comp.rate();
        assert!(
            (fit.weight(i) - w).abs() < 0.02,
            "weight {i}: {} vs {w}",
            fit.weight(i)
        );
        assert!((fmean - mean).abs() < 0.01, "mean {i}: {fmean} vs {mean}");
        let sd = a.sqrt() / l;
        let fsd = comp.shape().sqrt() / comp.rate();
        assert!((fsd / sd - 1.0).abs() < 0.1, "sd {i}: {fsd} vs {sd}");
    }
    assert!(fit.log_likelihood() >= mixture_ll(&truth, &data));
}

#[test]
fn bic_prefers_one_component_on_single_gamma_data() {
    let one = [(1.0, 11.0, 33.0, -0.23)];
    for seed in [1, 2, 3] {
        let data = sample_mixture(&one, 20_000, seed);
        let f1 = fit_mixture(&data, 1, &FitOptions::default()).unwrap();
        let f2 = fit_mixture(&data, 2, &FitOptions::default()).unwrap();
        assert!(f1.converged());
        // more components never lose likelihood (to rounding)
        assert!(
            f2.log_likelihood() >= f1.log_likelihood() - 1e-9 * f1.log_likelihood().abs(),
            "seed {seed}: LL2 {} (pg {}, conv {}) < LL1 {} (pg {})",
            f2.log_likelihood(),
            f2.gradient_norm(),
            f2.converged(),
            f1.log_likelihood(),
            f1.gradient_norm()
        );
        assert!(
            f1.bic() < f2.bic(),
            "seed {seed}: BIC1 {} BIC2 {}",
            f1.bic(),
            f2.bic()
        );
    }
}

#[test]
fn result_accessors_are_consistent() {
    let data = sample_mixture(&TRUTH, 20_000, 5);
    let fit = fit_mixture(&data, 2, &FitOptions::default()).unwrap();
    assert_eq!(fit.len(), 2);
    assert_eq!(fit.n(), 20_000);
    let ll: f64 = data.iter().map(|&x| fit.ln_pdf(x)).sum();
    assert!(
        (ll - fit.log_likelihood()).abs() <= 1e-9 * ll.abs(),
        "{ll} vs {}",
        fit.log_likelihood()
    );
    let mut r = [0.0; 2];
    for &x in &data[..100] {
        let lp = fit.responsibilities(x, &mut r);
        assert!((r[0] + r[1] - 1.0).abs() < 1e-12);
        assert!((lp - fit.ln_pdf(x)).abs() < 1e-12);
    }
    let p = 7.0;
    assert!((fit.aic() - (2.0 * p - 2.0 * fit.log_likelihood())).abs() < 1e-9);
    assert!((fit.bic() - (p * 20_000f64.ln() - 2.0 * fit.log_likelihood())).abs() < 1e-9);
    assert_eq!(fit.weight(5), 0.0);
    assert!(fit.get(2).is_none());
}

#[test]
fn roles_do_not_depend_on_the_shift_order() {
    // A broad low component with the lowest shift and a heavier, narrower bulk above it: by
    // shift the bulk is component 1, and `bulk()` / `by_mean()` name the roles.
    let q = |a: f64, l: f64, c: f64, n: usize| -> Vec<f64> {
        (0..n)
            .map(|i| c + simstat::special::gamma_p_inv(a, (i as f64 + 0.5) / n as f64) / l)
            .collect()
    };
    let mut data = q(2.0, 10.0, -0.8, 600);
    data.extend(q(40.0, 100.0, -0.3, 1400));
    let fit = simstat::fit::fit_mixture(&data, 2, &simstat::fit::FitOptions::default()).unwrap();
    assert!(fit.component(0).shift() < fit.component(1).shift());
    assert_eq!(fit.bulk(), 1, "{fit:?}");
    let order = fit.by_mean();
    assert!(fit.component(order[0]).mean() < fit.component(order[1]).mean());
    assert!((fit.weight(fit.bulk()) - 0.7).abs() < 0.05);
}
