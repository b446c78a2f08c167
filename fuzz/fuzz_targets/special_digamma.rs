//! Fuzz ψ: arbitrary f64 bit patterns never panic or hang; finite in-domain input gives finite
//! output; the recurrence ψ(x+1) = ψ(x) + 1/x holds where it is well conditioned.
#![no_main]
use libfuzzer_sys::fuzz_target;
use simstat::special::digamma;

fuzz_target!(|bits: u64| {
    let x = f64::from_bits(bits);
    let y = digamma(x);
    if x.is_nan() {
        assert!(y.is_nan());
        return;
    }
    let pole = x <= 0.0 && x == x.round();
    if x.is_finite() && !pole && x.abs() < 1e300 && (x > 0.0 || (x - x.round()).abs() > 1e-300) {
        assert!(!y.is_nan(), "digamma({x:e}) = NaN");
    }
    // Recurrence where x+1 is exact-ish and no term dominates by cancellation.
    if x > 1e-3 && x < 1e15 {
        let lhs = digamma(x + 1.0);
        let rhs = y + 1.0 / x;
        let scale = lhs.abs().max(1.0 / x).max(y.abs());
        assert!(
            (lhs - rhs).abs() <= 1e-13 * scale + 1e-15 * (x + 1.0),
            "x={x:e} {lhs:e} {rhs:e}"
        );
    }
    let _ = digamma(x as f32);
});
