//! Fuzz the dispersion loss: arbitrary shapes, values and options give Ok with a finite loss
//! and finite gradient, or Err; never a panic or an out-of-bounds access.
#![no_main]
use libfuzzer_sys::fuzz_target;
use simstat::geometry::{
    dispersion_loss, dispersion_loss_grad, dispersion_scratch_len, DispersionOptions,
    DispersionVariant, Reduction,
};

fuzz_target!(|input: (u8, u8, u8, [u64; 3], bool, Vec<u32>)| {
    let (n, f, variant, params, log_sum, words) = input;
    let (n, f) = (usize::from(n % 20), usize::from(f % 33));
    let opts = DispersionOptions {
        tau: f64::from_bits(params[0]),
        clamp: f64::from_bits(params[1]),
        eps: f64::from_bits(params[2]),
        reduction: if log_sum {
            Reduction::LogSum
        } else {
            Reduction::LogMean
        },
        variant: match variant % 4 {
            0 => DispersionVariant::Angular,
            1 => DispersionVariant::Orthogonalization,
            2 => DispersionVariant::L2Repel,
            _ => DispersionVariant::Decorrelation,
        },
        ..DispersionOptions::default()
    };
    let x: Vec<f32> = words
        .iter()
        .take(n * f)
        .map(|&w| f32::from_bits(w))
        .collect();
    let Ok(len) = dispersion_scratch_len(n, f, true) else {
        return;
    };
    let mut scratch = vec![0.0f32; len.min(1 << 20)];
    if let Ok(l) = dispersion_loss(&x, n, f, &opts, &mut scratch) {
        assert!(l.is_finite(), "loss {l}");
    }
    let mut grad = vec![0.0f32; x.len()];
    if let Ok(l) = dispersion_loss_grad(&x, n, f, &opts, &mut grad, &mut scratch) {
        assert!(l.is_finite(), "loss {l}");
        assert!(grad.iter().all(|g| g.is_finite()), "non-finite gradient");
    }
});
