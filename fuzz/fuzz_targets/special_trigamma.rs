//! Fuzz ψ′: arbitrary bit patterns never panic or hang; finite in-domain input gives a finite,
//! positive (x > 0) output; ψ′(x+1) = ψ′(x) − 1/x² where well conditioned.
#![no_main]
use libfuzzer_sys::fuzz_target;
use simstat::special::trigamma;

fuzz_target!(|bits: u64| {
    let x = f64::from_bits(bits);
    let y = trigamma(x);
    if x.is_nan() {
        assert!(y.is_nan());
        return;
    }
    if x > 0.0 && x.is_finite() {
        assert!(
            y > 0.0 || (x > 1e300 && y >= 0.0),
            "trigamma({x:e}) = {y:e}"
        );
    }
    if x > 1e-3 && x < 1e15 {
        let lhs = trigamma(x + 1.0);
        let rhs = y - 1.0 / (x * x);
        let scale = y.abs();
        assert!(
            (lhs - rhs).abs() <= 1e-13 * scale,
            "x={x:e} {lhs:e} {rhs:e}"
        );
    }
    let _ = trigamma(x as f32);
});
