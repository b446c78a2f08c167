//! Fuzz the single shifted-gamma fit: arbitrary bytes as f64 data give Ok with finite
//! parameters (shape, rate > 0) and finite log-likelihood, or Err; never a panic. Sketches of
//! any split merge to the sketch of the whole, bit for bit.
#![no_main]
use libfuzzer_sys::fuzz_target;
use simstat::fit::{fit_gamma, FitOptions, Sketch};

fuzz_target!(|input: (bool, u16, Vec<u64>)| {
    let (warm, split, words) = input;
    let data: Vec<f64> = words.iter().map(|&w| f64::from_bits(w)).collect();
    let opts = FitOptions {
        warm_start: warm,
        ..FitOptions::default()
    };
    if let Ok(f) = fit_gamma(&data, &opts) {
        assert!(
            f.shape() > 0.0 && f.shape().is_finite(),
            "shape {}",
            f.shape()
        );
        assert!(f.rate() > 0.0 && f.rate().is_finite(), "rate {}", f.rate());
        assert!(f.shift().is_finite(), "shift {}", f.shift());
        assert!(f.log_likelihood().is_finite(), "ll {}", f.log_likelihood());
        assert!(f.distribution().normaliser() > 0.0);
    }
    // Merging sketches of a split equals the sketch of the whole.
    let cut = usize::from(split) % (data.len() + 1);
    let (Ok(mut a), Ok(mut b), Ok(mut whole)) = (
        Sketch::<256>::new(-1.0, 1.0),
        Sketch::<256>::new(-1.0, 1.0),
        Sketch::<256>::new(-1.0, 1.0),
    ) else {
        return;
    };
    let finite_in: Vec<f64> = data
        .iter()
        .copied()
        .filter(|x| (-1.0..=1.0).contains(x))
        .collect();
    let cut = cut.min(finite_in.len());
    if a.extend(&finite_in[..cut]).is_ok()
        && b.extend(&finite_in[cut..]).is_ok()
        && whole.extend(&finite_in).is_ok()
    {
        a.merge(&b).expect("same interval merges");
        assert!(a == whole, "merged sketch differs from the whole");
    }
});
