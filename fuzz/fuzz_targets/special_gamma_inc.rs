//! Fuzz P, Q and P⁻¹: arbitrary (a, x, p) bit patterns never panic or hang; in-domain input
//! gives P, Q in [0, 1] with P + Q = 1; P⁻¹ round-trips where the inverse is well conditioned.
#![no_main]
use libfuzzer_sys::fuzz_target;
use simstat::special::{gamma_p, gamma_p_inv, gamma_q};

fuzz_target!(|input: (u64, u64, u64)| {
    let a = f64::from_bits(input.0);
    let x = f64::from_bits(input.1);
    let p = f64::from_bits(input.2);
    let (pv, qv) = (gamma_p(a, x), gamma_q(a, x));
    let in_domain = a > 0.0 && a.is_finite() && x >= 0.0;
    if !in_domain {
        assert!(
            pv.is_nan() && qv.is_nan(),
            "P/Q({a:e}, {x:e}) out of domain gave a number"
        );
    } else {
        assert!((0.0..=1.0).contains(&pv), "P({a:e}, {x:e}) = {pv:e}");
        assert!((0.0..=1.0).contains(&qv), "Q({a:e}, {x:e}) = {qv:e}");
        assert!(
            (pv + qv - 1.0).abs() <= 1e-12,
            "P+Q-1 = {:e} at ({a:e}, {x:e})",
            pv + qv - 1.0
        );
    }
    let xi = gamma_p_inv(a, p);
    let a_ok = a > 0.0 && a.is_finite();
    if a_ok && (0.0..=1.0).contains(&p) {
        assert!(!xi.is_nan() && xi >= 0.0, "P^-1({a:e}, {p:e}) = {xi:e}");
        if (0.3..=1000.0).contains(&a) && p > 1e-300 && p < 0.9 && xi.is_finite() && xi > 0.0 {
            let back = gamma_p(a, xi);
            assert!(
                (back - p).abs() <= 1e-10 * p,
                "round trip a={a:e} p={p:e} x={xi:e} back={back:e}"
            );
        }
    } else {
        assert!(xi.is_nan());
    }
    let _ = (
        gamma_p(a as f32, x as f32),
        gamma_q(a as f32, x as f32),
        gamma_p_inv(a as f32, p as f32),
    );
});
