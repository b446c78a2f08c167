//! Real cosine-similarity samples (tests/data/sims, 26 × 6544): K = 2 never has a lower
//! log-likelihood than K = 1, and on samples with a fat right tail (a topical cluster near the
//! query: excess kurtosis > 1.5) K = 2 wins by BIC.
mod common;
use common::*;
use simstat::fit::{fit_mixture, FitOptions};

fn excess_kurtosis(x: &[f64]) -> f64 {
    let n = x.len() as f64;
    let m = x.iter().sum::<f64>() / n;
    let v = x.iter().map(|y| (y - m).powi(2)).sum::<f64>() / n;
    x.iter().map(|y| (y - m).powi(4)).sum::<f64>() / n / (v * v) - 3.0
}

#[test]
fn two_components_never_lose_and_win_on_fat_tails() {
    let samples = real_samples();
    assert_eq!(samples.len(), 26);
    let mut fat = 0;
    for (name, x) in &samples {
        assert_eq!(x.len(), 6544);
        let f1 = fit_mixture(x, 1, &FitOptions::default()).unwrap();
        let f2 = fit_mixture(x, 2, &FitOptions::default()).unwrap();
        assert!(f1.converged(), "{name}: K = 1 not converged");
        let (l1, l2) = (f1.log_likelihood(), f2.log_likelihood());
        // Rounding floor of the LL sum: each ln pdf cancels terms of size ~α·ln(λ(x−c)), so
        // the sum carries ~N·α·ε of noise; it matters only at the normal limit (w4_minilm_l6,
        // α at its 1e7 cap: ~7e-6), and is ~1e-11 for the other samples.
        let floor = x.len() as f64 * f1.component(0).shape() * f64::EPSILON;
        assert!(
            l2 >= l1 - 1e-9 * l1.abs() - floor,
            "{name}: LL(K=2) {l2} < LL(K=1) {l1}"
        );
        if excess_kurtosis(x) > 1.5 {
            fat += 1;
            assert!(
                f2.bic() < f1.bic(),
                "{name}: BIC2 {} ≥ BIC1 {}",
                f2.bic(),
                f1.bic()
            );
        }
    }
    assert!(
        fat >= 8,
        "expected the topical-cluster samples, found {fat}"
    );
}

/// Regression: on the Fisher-z scale (z = atanh s), h04_minilm_l6's K = 2 and K = 3 fits have an
/// exponential component (α at its floor 1) on the way whose best shift sits just below the
/// lowest point it claims. The optimiser used to creep toward that point (161 and 362 passes)
/// and stop on the relative-LL stall with a projected-gradient norm of ~7e3 and LL 7190.79 /
/// 7194.04. Bounds: the shift cap is an active bound of the projected gradient, so both fits
/// converge on the gradient (≤ 1e−6·N) within 30 exact passes, at least as high as before.
#[test]
fn exponential_component_at_its_support_cap_converges() {
    let samples = real_samples();
    let (_, s) = samples
        .iter()
        .find(|(name, _)| name.contains("h04_minilm_l6"))
        .expect("h04_minilm_l6 sample");
    let z: Vec<f64> = s.iter().map(|&v| v.atanh()).collect();
    let opts = FitOptions {
        lo: -19.0,
        hi: 19.0,
        ..FitOptions::default()
    };
    let n = z.len() as f64;
    for (k, old_ll) in [(2, 7190.785), (3, 7194.041)] {
        let f = fit_mixture(&z, k, &opts).unwrap();
        assert!(f.converged(), "K = {k}: not converged");
        assert!(
            f.gradient_norm() <= 1e-6 * n,
            "K = {k}: projected gradient {} > {}",
            f.gradient_norm(),
            1e-6 * n
        );
        assert!(f.passes() <= 30, "K = {k}: {} exact passes", f.passes());
        assert!(
            f.log_likelihood() >= old_ll,
            "K = {k}: LL {} < {old_ll}",
            f.log_likelihood()
        );
    }
}
