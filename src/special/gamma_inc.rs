//! Regularized incomplete gamma P(a, x) and Q(a, x): f64 kernels.

const MAX_ITER: usize = 100_000;

/// The prefactor x^a e^{−x} / Γ(a + 1).
fn prefactor(a: f64, x: f64) -> f64 {
    libm::exp(a * libm::log(x) - x - libm::lgamma(a + 1.0))
}

/// Series for P: sum_{n≥0} x^n / ((a+1)…(a+n)), times the prefactor.
fn p_series(a: f64, x: f64) -> f64 {
    let mut term = 1.0;
    let mut sum = 1.0;
    let mut ap = a;
    for _ in 0..MAX_ITER {
        ap += 1.0;
        term *= x / ap;
        sum += term;
        if term.abs() <= sum.abs() * f64::EPSILON {
            break;
        }
    }
    sum * prefactor(a, x)
}

/// Lentz continued fraction for Q.
fn q_cf(a: f64, x: f64) -> f64 {
    let tiny = 1e-300;
    let mut b = x + 1.0 - a;
    let mut c = 1.0 / tiny;
    let mut d = 1.0 / b;
    let mut h = d;
    for i in 1..MAX_ITER {
        let an = -(i as f64) * (i as f64 - a);
        b += 2.0;
        d = an * d + b;
        if d.abs() < tiny {
            d = tiny;
        }
        c = b + an / c;
        if c.abs() < tiny {
            c = tiny;
        }
        d = 1.0 / d;
        let del = d * c;
        h *= del;
        if (del - 1.0).abs() <= f64::EPSILON {
            break;
        }
    }
    // x^a e^{-x} / Γ(a) = prefactor · a
    prefactor(a, x) * a * h
}

fn bad(a: f64, x: f64) -> bool {
    a.is_nan() || x.is_nan() || a <= 0.0 || a == f64::INFINITY || x < 0.0
}

/// P(a, x) in f64.
pub fn gamma_p_f64(a: f64, x: f64) -> f64 {
    if bad(a, x) {
        return f64::NAN;
    }
    if x == 0.0 {
        return 0.0;
    }
    if x == f64::INFINITY {
        return 1.0;
    }
    if x < a + 1.0 {
        p_series(a, x)
    } else {
        1.0 - q_cf(a, x)
    }
}

/// Q(a, x) in f64, computed directly in the upper tail.
pub fn gamma_q_f64(a: f64, x: f64) -> f64 {
    if bad(a, x) {
        return f64::NAN;
    }
    if x == 0.0 {
        return 1.0;
    }
    if x == f64::INFINITY {
        return 0.0;
    }
    if x < a + 1.0 {
        1.0 - p_series(a, x)
    } else {
        q_cf(a, x)
    }
}
