//! Digamma ψ(x): f64 kernel.
use core::f64::consts::PI;

/// ψ(x) in f64. NaN for NaN, −inf and non-positive integers; +inf for +inf.
pub fn digamma_f64(x: f64) -> f64 {
    if x.is_nan() || x == f64::NEG_INFINITY {
        return f64::NAN;
    }
    if x == f64::INFINITY {
        return x;
    }
    let mut x = x;
    let mut acc = 0.0;
    if x <= 0.0 {
        let r = x - libm::round(x);
        if r == 0.0 {
            return f64::NAN;
        }
        // ψ(x) = ψ(1 − x) − π / tan(π x), tan reduced exactly by the integer part.
        acc -= PI / libm::tan(PI * r);
        x = 1.0 - x;
    }
    while x < 10.0 {
        acc -= 1.0 / x;
        x += 1.0;
    }
    let z = 1.0 / (x * x);
    let series = z
        * (1.0 / 12.0
            - z * (1.0 / 120.0
                - z * (1.0 / 252.0 - z * (1.0 / 240.0 - z * (1.0 / 132.0 - z * (691.0 / 32760.0))))));
    acc + libm::log(x) - 0.5 / x - series
}
