//! Trigamma ψ′(x): f64 kernel.
use core::f64::consts::PI;

/// ψ′(x) in f64. NaN for NaN, −inf and non-positive integers; 0 for +inf.
pub fn trigamma_f64(x: f64) -> f64 {
    if x.is_nan() || x == f64::NEG_INFINITY {
        return f64::NAN;
    }
    if x == f64::INFINITY {
        return 0.0;
    }
    let mut x = x;
    let mut acc = 0.0;
    let mut sign = 1.0;
    if x <= 0.0 {
        let r = x - libm::round(x);
        if r == 0.0 {
            return f64::NAN;
        }
        // ψ′(x) = π² / sin²(π x) − ψ′(1 − x)
        let s = libm::sin(PI * r);
        acc = PI * PI / (s * s);
        sign = -1.0;
        x = 1.0 - x;
    }
    let mut t = 0.0;
    while x < 10.0 {
        t += 1.0 / (x * x);
        x += 1.0;
    }
    let z = 1.0 / (x * x);
    let series = (1.0
        + z * (1.0 / 6.0 - z * (1.0 / 30.0 - z * (1.0 / 42.0 - z * (1.0 / 30.0 - z * (5.0 / 66.0))))))
        / x
        + 0.5 * z;
    acc + sign * (t + series)
}
