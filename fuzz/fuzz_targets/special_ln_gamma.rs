//! Fuzz ln Γ: arbitrary bit patterns never panic or hang; finite positive input gives a
//! non-NaN output; ln Γ(x+1) = ln Γ(x) + ln x where well conditioned.
#![no_main]
use libfuzzer_sys::fuzz_target;
use simstat::special::ln_gamma;

fuzz_target!(|bits: u64| {
    let x = f64::from_bits(bits);
    let y = ln_gamma(x);
    if x.is_nan() {
        assert!(y.is_nan());
        return;
    }
    if x > 0.0 {
        assert!(!y.is_nan(), "ln_gamma({x:e}) = NaN");
    }
    if x > 1e-3 && x < 1e15 {
        let lhs = ln_gamma(x + 1.0);
        let rhs = y + x.ln();
        let scale = lhs.abs().max(y.abs()).max(x.ln().abs()).max(1.0);
        assert!(
            (lhs - rhs).abs() <= 1e-13 * scale,
            "x={x:e} {lhs:e} {rhs:e}"
        );
    }
    let _ = ln_gamma(x as f32);
});
