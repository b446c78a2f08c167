//! Fuzz the mixture EM: arbitrary data (as f64 bit patterns, at most 4096 values) and k
//! (0..=17) give Err, or Ok with k components, weights > 0 summing to 1, finite parameters,
//! shifts non-decreasing and a finite log-likelihood; never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use simstat::fit::{fit_mixture, FitOptions};

fuzz_target!(|input: (u8, Vec<u64>)| {
    let (k, words) = input;
    let k = usize::from(k % 18);
    let data: Vec<f64> = words
        .iter()
        .take(4096)
        .map(|&w| f64::from_bits(w))
        .collect();
    let Ok(fit) = fit_mixture(&data, k, &FitOptions::default()) else {
        return;
    };
    assert_eq!(fit.len(), k);
    let total: f64 = fit.weights().iter().sum();
    assert!((total - 1.0).abs() <= 1e-12, "weights sum to {total}");
    let mut prev_shift = f64::NEG_INFINITY;
    for i in 0..k {
        assert!(fit.weight(i) > 0.0, "weight {i} = {}", fit.weight(i));
        let c = fit.component(i);
        assert!(c.shape().is_finite() && c.shape() > 0.0);
        assert!(c.rate().is_finite() && c.rate() > 0.0);
        assert!(
            c.shift().is_finite() && c.shift() >= prev_shift,
            "shifts not ordered"
        );
        prev_shift = c.shift();
    }
    assert!(fit.log_likelihood().is_finite());
});
