//! Accuracy of `simstat::dist` against mpmath tables (tests/data/make_dist.py, 60 digits at the
//! exact double inputs). Bounds (from the issue): ln_pdf ≤ 1e-12 relative (absolute where
//! |ln_pdf| < 1); cdf and sf ≤ 1e-11 relative wherever the reference exceeds 1e-250.

use simstat::dist::{ShiftedGamma, TruncatedShiftedGamma};

const TABLE: &str = include_str!("data/dist_reference.csv");
const TRUNC: &str = include_str!("data/dist_truncated_reference.csv");

fn rows(text: &str) -> impl Iterator<Item = Vec<f64>> + '_ {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| {
            l.split(',')
                .map(|v| {
                    v.trim()
                        .parse::<f64>()
                        .expect("reference table holds floats")
                })
                .collect()
        })
}

/// |got − want| / |want|, or absolute below 1 in magnitude (ln_pdf's rule).
fn ln_err(got: f64, want: f64) -> f64 {
    if want == f64::NEG_INFINITY {
        return if got == want { 0.0 } else { f64::INFINITY };
    }
    (got - want).abs() / want.abs().max(1.0)
}

fn rel_err(got: f64, want: f64) -> f64 {
    (got - want).abs() / want.abs()
}

/// Max errors (ln_pdf, cdf, sf) over the table rows whose shape satisfies `keep`.
fn max_errors(keep: impl Fn(f64) -> bool) -> (f64, f64, f64, usize) {
    let (mut e_lp, mut e_c, mut e_s, mut count) = (0.0_f64, 0.0_f64, 0.0_f64, 0);
    for r in rows(TABLE) {
        let (a, l, c, x) = (r[0], r[1], r[2], r[3]);
        if !keep(a) {
            continue;
        }
        let g = ShiftedGamma::new(a, l, c).expect("table parameters are valid");
        e_lp = e_lp.max(ln_err(g.ln_pdf(x), r[4]));
        if r[5] > 1e-250 {
            e_c = e_c.max(rel_err(g.cdf(x), r[5]));
        }
        if r[6] > 1e-250 {
            e_s = e_s.max(rel_err(g.sf(x), r[6]));
        }
        count += 1;
    }
    (e_lp, e_c, e_s, count)
}

#[test]
fn ln_pdf_within_1e12_all_shapes() {
    // ln_pdf does not use P/Q: it holds for every shape in the table (0.3 … 1.36e5).
    let (e_lp, _, _, count) = max_errors(|_| true);
    println!("ln_pdf max error {e_lp:.3e} over {count} points");
    assert!(count > 1000);
    assert!(e_lp <= 1e-12, "ln_pdf max error {e_lp:e}");
}

#[test]
fn cdf_sf_within_1e11_moderate_shapes() {
    // shapes ≤ 50: passes with the current P/Q kernels.
    let (_, e_c, e_s, count) = max_errors(|a| a <= 50.0);
    println!("shape <= 50: cdf {e_c:.3e}, sf {e_s:.3e} over {count} points");
    assert!(e_c <= 1e-11, "cdf max rel error {e_c:e}");
    assert!(e_s <= 1e-11, "sf max rel error {e_s:e}");
}

#[test]
#[ignore = "needs accurate gamma_q from branch special-inc; integrator un-ignores after merge"]
fn cdf_sf_within_1e11_large_shapes() {
    // shapes 240 … 1.36e5: the naive prefactor exp(a ln x − x − lnΓ(a+1)) loses ~a·ε.
    let (_, e_c, e_s, count) = max_errors(|a| a > 50.0);
    println!("shape > 50: cdf {e_c:.3e}, sf {e_s:.3e} over {count} points");
    assert!(e_c <= 1e-11, "cdf max rel error {e_c:e}");
    assert!(e_s <= 1e-11, "sf max rel error {e_s:e}");
}

fn truncated_errors(keep: impl Fn(f64) -> bool) -> (f64, f64, f64, f64, usize) {
    let (mut e_lp, mut e_c, mut e_s, mut e_z, mut count) = (0.0_f64, 0.0_f64, 0.0_f64, 0.0_f64, 0);
    for r in rows(TRUNC) {
        let (a, l, c, x) = (r[0], r[1], r[2], r[3]);
        if !keep(a) {
            continue;
        }
        let t = TruncatedShiftedGamma::new(a, l, c, -1.0, 1.0).expect("valid");
        e_lp = e_lp.max(ln_err(t.ln_pdf(x), r[4]));
        if r[5] > 1e-250 {
            e_c = e_c.max(rel_err(t.cdf(x), r[5]));
        }
        if r[6] > 1e-250 {
            e_s = e_s.max(rel_err(t.sf(x), r[6]));
        }
        // ln Z: absolute (it is ~0 when the interval holds nearly all the mass)
        e_z = e_z.max((t.ln_normaliser() - r[7]).abs());
        count += 1;
    }
    (e_lp, e_c, e_s, e_z, count)
}

#[test]
fn truncated_within_bounds_moderate_shapes() {
    let (e_lp, e_c, e_s, e_z, count) = truncated_errors(|a| a <= 50.0);
    println!("truncated, shape <= 50: ln_pdf {e_lp:.3e} cdf {e_c:.3e} sf {e_s:.3e} lnZ {e_z:.3e} ({count})");
    assert!(count > 100);
    assert!(
        e_lp <= 1e-12 && e_z <= 1e-13,
        "ln_pdf {e_lp:e}, ln Z {e_z:e}"
    );
    assert!(e_c <= 1e-11 && e_s <= 1e-11, "cdf {e_c:e}, sf {e_s:e}");
}

#[test]
#[ignore = "needs accurate gamma_q from branch special-inc; integrator un-ignores after merge"]
fn truncated_within_bounds_large_shapes() {
    let (e_lp, e_c, e_s, e_z, count) = truncated_errors(|a| a > 50.0);
    println!("truncated, shape > 50: ln_pdf {e_lp:.3e} cdf {e_c:.3e} sf {e_s:.3e} lnZ {e_z:.3e} ({count})");
    assert!(
        e_lp <= 1e-12 && e_z <= 1e-13,
        "ln_pdf {e_lp:e}, ln Z {e_z:e}"
    );
    assert!(e_c <= 1e-11 && e_s <= 1e-11, "cdf {e_c:e}, sf {e_s:e}");
}

#[test]
fn quantile_round_trips() {
    // cdf(quantile(p)) = p to 1e-10 relative for p ≤ ½, sf(quantile(p)) = 1 − p for p > ½.
    // (Shift 0 for α = 0.3: its 1e-12 quantile is c + 5e-41, representable only near 0.)
    let shapes = [
        (0.3, 2.0, 0.0),
        (2.5, 10.0, -0.4),
        (13.3, 35.5, -0.28),
        (45.5, 61.9, -0.637),
    ];
    let ps = [
        1e-12,
        1e-6,
        1e-3,
        0.05,
        0.25,
        0.5,
        0.75,
        0.95,
        0.999,
        1.0 - 1e-6,
    ];
    // The bound is relative to what x's representation allows: a few ulps of x times the
    // density can exceed 1e-10·p where x − c is far below |x| (measured in units of that).
    let mut worst = 0.0_f64;
    for &(a, l, c) in &shapes {
        let g = ShiftedGamma::new(a, l, c).unwrap();
        let t = TruncatedShiftedGamma::new(a, l, c, -1.0, 1.0).unwrap();
        for &p in &ps {
            for (x, cdf, sf, pdf) in [
                (
                    g.quantile(p),
                    g.cdf(g.quantile(p)),
                    g.sf(g.quantile(p)),
                    g.pdf(g.quantile(p)),
                ),
                (
                    t.quantile(p),
                    t.cdf(t.quantile(p)),
                    t.sf(t.quantile(p)),
                    t.pdf(t.quantile(p)),
                ),
            ] {
                assert!(x.is_finite(), "quantile({p}) for {a},{l},{c}");
                let target = if p <= 0.5 { p } else { 1.0 - p };
                let got = if p <= 0.5 { cdf } else { sf };
                let repr = 4.0 * f64::EPSILON * x.abs() * pdf;
                let e = (got - target).abs() / (1e-10 * target).max(repr);
                worst = worst.max(e);
            }
        }
    }
    println!("quantile round trip worst {:.3e} of the bound", worst);
    assert!(worst <= 1.0, "round trip {worst:e} of the bound");
}

#[test]
#[ignore = "needs accurate gamma_q from branch special-inc; integrator un-ignores after merge"]
fn quantile_round_trips_large_shapes() {
    let shapes = [
        (240.47, 129.16, -1.6831),
        (136203.25927826428, 7083.0805781574545, -19.226770158597205),
    ];
    let ps = [1e-12, 1e-6, 0.05, 0.5, 0.95, 1.0 - 1e-6];
    for &(a, l, c) in &shapes {
        let g = ShiftedGamma::new(a, l, c).unwrap();
        for &p in &ps {
            let x = g.quantile(p);
            let e = if p <= 0.5 {
                rel_err(g.cdf(x), p)
            } else {
                rel_err(g.sf(x), 1.0 - p)
            };
            assert!(e <= 1e-10, "round trip {e:e} at p={p}, shape {a}");
        }
    }
}
