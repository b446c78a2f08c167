//! The C face's mixture fit, mixture evaluation/calibration, DSC selection, background, byte
//! forms, sketches and status texts: every result equals the core Rust API's bit for bit (the C
//! face only converts), and bad arguments come back as the documented status codes.
//!
//! `reference_values_shared_with_the_c_test` pins the numbers that `tests/c/test_ffi.c` checks
//! the C build against; when the fit changes on purpose, update both.

use simstat::calibrate::Calibrator;
use simstat::fit::mixture::{fit_mixture_with, MixtureFit, MixtureOptions};
use simstat::fit::{fit_mixture, FitOptions};
use simstat::select::{
    select_order, DscOptions, HeightScale, KappaOne, LeafRule, LevelRefit, Omega, Selection,
};
use simstat::special::gamma_p_inv;
use simstat_capi::*;

/// Two gamma clusters as exact quantile grids (the same construction as the C test):
/// shift −0.28 + Gamma(13.3, 35.5) × 1400 and 0.1 + Gamma(30, 60) × 600.
fn two_clusters() -> Vec<f64> {
    let q = |a: f64, l: f64, c: f64, n: usize| -> Vec<f64> {
        (0..n)
            .map(|i| c + gamma_p_inv(a, (i as f64 + 0.5) / n as f64) / l)
            .collect()
    };
    let mut d = q(13.3, 35.5, -0.28, 1400);
    d.extend(q(30.0, 60.0, 0.1, 600));
    d
}

const K0: usize = 3;

fn ffi_fit(data: &[f64], k: usize, opts: Option<&SimstatMixtureOptions>) -> SimstatMixture {
    let mut out = SimstatMixture::default();
    let o = opts.map_or(core::ptr::null(), |o| o as *const _);
    let st = simstat_fit_mixture(data.as_ptr(), data.len(), k, o, &mut out);
    assert_eq!(st, SimstatStatus::Ok);
    out
}

/// Bitwise equality (NaN equals NaN).
fn same(a: f64, b: f64) -> bool {
    a.to_bits() == b.to_bits()
}

fn assert_matches_fit(c: &SimstatMixture, f: &MixtureFit) {
    assert_eq!(c.k, f.len());
    for i in 0..SIMSTAT_MAX_COMPONENTS {
        let p = &c.components[i];
        if i < f.len() {
            let d = f.component(i);
            assert!(same(c.weights[i], f.weight(i)), "weight {i}");
            assert!(
                same(p.shape, d.shape()) && same(p.rate, d.rate()),
                "component {i}"
            );
            assert!(same(p.shift, d.shift()) && same(p.lo, d.lo()) && same(p.hi, d.hi()));
        } else {
            assert_eq!(
                (c.weights[i], p.shape, p.rate, p.shift),
                (0.0, 0.0, 0.0, 0.0)
            );
        }
    }
    assert_eq!(c.n, f.n());
    assert!(same(c.log_likelihood, f.log_likelihood()));
    assert!(same(c.aic, f.aic()) && same(c.bic, f.bic()));
    assert!(same(c.gradient_norm, f.gradient_norm()));
    assert_eq!(c.iterations as usize, f.iterations());
    assert_eq!(c.passes as usize, f.passes());
    assert_eq!(c.warm_passes as usize, f.warm_passes());
    assert_eq!(c.converged, u32::from(f.converged()));
    assert_eq!(c.at_shape_cap, u32::from(f.at_shape_cap()));
    assert_eq!(c.at_shape_floor, u32::from(f.at_shape_floor()));
}

#[test]
fn fit_mixture_equals_the_rust_fit_bit_for_bit() {
    let data = two_clusters();
    for k in [1, 2, K0] {
        let rust = fit_mixture(&data, k, &FitOptions::default()).unwrap();
        assert_matches_fit(&ffi_fit(&data, k, None), &rust);
    }
    // Options travel: defaults from the initialiser equal null; changed options equal
    // fit_mixture_with with the same changes.
    let mut o = empty_options();
    assert_eq!(simstat_mixture_options_default(&mut o), SimstatStatus::Ok);
    let rust = fit_mixture(&data, 2, &FitOptions::default()).unwrap();
    assert_matches_fit(&ffi_fit(&data, 2, Some(&o)), &rust);
    o.starts = 3;
    o.em_iters = 5;
    o.nested_guard = 1;
    o.fit.max_passes = 40;
    o.fit.lo = -0.5;
    let fo = FitOptions {
        lo: -0.5,
        max_passes: 40,
        ..FitOptions::default()
    };
    let mo = MixtureOptions {
        starts: 3,
        em_iters: 5,
        nested_guard: true,
        ..MixtureOptions::default()
    };
    let rust = fit_mixture_with(&data, 3, &fo, &mo).unwrap();
    assert_matches_fit(&ffi_fit(&data, 3, Some(&o)), &rust);
    // the f32 kernel (code 1) is the Rust `Kernel::F32`; an unknown code is refused
    o.kernel = 1;
    let mo32 = MixtureOptions {
        kernel: simstat::fit::Kernel::F32,
        ..mo
    };
    let rust = fit_mixture_with(&data, 3, &fo, &mo32).unwrap();
    assert_matches_fit(&ffi_fit(&data, 3, Some(&o)), &rust);
    o.kernel = 2;
    let mut out = SimstatMixture::default();
    let st = simstat_fit_mixture(data.as_ptr(), data.len(), 3, &o, &mut out);
    assert_eq!(st, SimstatStatus::BadParameter);
}

fn empty_options() -> SimstatMixtureOptions {
    SimstatMixtureOptions {
        fit: SimstatFitOptions {
            lo: 0.0,
            hi: 0.0,
            max_passes: 0,
            shape_cap: 0.0,
            warm_start: 0,
        },
        subsample_fraction: 0.0,
        min_subsample: 0,
        seed: 0,
        em_iters: 0,
        grad_tol: 0.0,
        rel_tol: 0.0,
        ll_tol: 0.0,
        min_weight: 0.0,
        shape_floor: 0.0,
        starts: 0,
        nested_guard: 0,
        kernel: 0,
    }
}

#[test]
fn mixture_evaluation_and_calibration_equal_the_rust_api() {
    let data = two_clusters();
    let fit = fit_mixture(&data, 2, &FitOptions::default()).unwrap();
    let m = ffi_fit(&data, 2, None);
    let cal = Calibrator::from_mixture(&fit).unwrap();
    let x: Vec<f64> = (0..=220).map(|i| -1.1 + 0.01 * i as f64).collect();
    let n = x.len();
    let mut out = vec![0.0; n];
    assert_eq!(
        simstat_mixture_ln_pdf(&m, x.as_ptr(), n, out.as_mut_ptr()),
        SimstatStatus::Ok
    );
    for (&v, &o) in x.iter().zip(&out) {
        assert!(same(o, fit.ln_pdf(v)), "ln pdf at {v}");
    }
    // in place
    let mut y = x.clone();
    assert_eq!(
        simstat_mixture_ln_pdf(&m, y.as_ptr(), n, y.as_mut_ptr()),
        SimstatStatus::Ok
    );
    assert!(y.iter().zip(&out).all(|(a, b)| same(*a, *b)));
    let mut r = vec![0.0; 2 * n];
    assert_eq!(
        simstat_mixture_responsibilities(&m, x.as_ptr(), n, r.as_mut_ptr(), r.len()),
        SimstatStatus::Ok
    );
    for (&v, row) in x.iter().zip(r.chunks(2)) {
        let mut want = [0.0; 2];
        fit.responsibilities(v, &mut want);
        assert!(same(row[0], want[0]) && same(row[1], want[1]), "at {v}");
        if v > -0.2 && v < 1.0 {
            // bound: the two posteriors sum to 1 within 4 ulp
            assert!((row[0] + row[1] - 1.0).abs() <= 1e-15, "sum at {v}");
        }
    }
    assert_eq!(
        simstat_mixture_p_values(&m, x.as_ptr(), n, out.as_mut_ptr()),
        SimstatStatus::Ok
    );
    for (&v, &o) in x.iter().zip(&out) {
        assert!(same(o, cal.p_value(v)), "p-value at {v}");
    }
    assert_eq!(
        simstat_mixture_posterior_relevant(&m, x.as_ptr(), n, out.as_mut_ptr()),
        SimstatStatus::Ok
    );
    for (&v, &o) in x.iter().zip(&out) {
        assert!(
            same(o, cal.posterior_relevant(v).unwrap()),
            "posterior at {v}"
        );
    }
    let mut scratch = vec![0.0; data.len()];
    let mut cut = SimstatFdrCutoff::default();
    let st = simstat_mixture_fdr_cutoff(
        &m,
        data.as_ptr(),
        data.len(),
        0.05,
        scratch.as_mut_ptr(),
        scratch.len(),
        &mut cut,
    );
    assert_eq!(st, SimstatStatus::Ok);
    let want = cal.fdr_cutoff(&data, 0.05, &mut scratch).unwrap();
    assert_eq!(cut.tests, want.fdr.tests);
    assert_eq!(cut.discoveries, want.fdr.discoveries);
    assert!(same(cut.p_threshold, want.fdr.p_threshold));
    assert!(same(cut.score_threshold, want.score_threshold));
    // A one-component mixture: the p-value is the component's sf, as simstat_p_values gives.
    let m1 = ffi_fit(&data, 1, None);
    let mut p1 = vec![0.0; n];
    let mut p2 = vec![0.0; n];
    assert_eq!(
        simstat_mixture_p_values(&m1, x.as_ptr(), n, p1.as_mut_ptr()),
        SimstatStatus::Ok
    );
    assert_eq!(
        simstat_p_values(&m1.components[0], x.as_ptr(), n, p2.as_mut_ptr()),
        SimstatStatus::Ok
    );
    assert!(p1.iter().zip(&p2).all(|(a, b)| same(*a, *b)));
}

fn check_selection(s: &SimstatSelection, sel: &Selection, level: usize) {
    let c = sel.criteria();
    let k0 = sel.leaves();
    assert_eq!(s.k0, k0);
    assert_eq!(s.absorbed, sel.absorbed());
    assert_eq!(s.overfit_converged, u32::from(sel.overfit_converged()));
    assert_eq!(s.n, c.n_obs() as u64);
    assert!(same(s.omega, c.omega()));
    assert_eq!(
        (s.dsc_choice, s.aic_choice, s.bic_choice, s.icl_choice),
        (
            sel.dsc_choice(),
            sel.aic_choice(),
            sel.bic_choice(),
            sel.icl_choice()
        )
    );
    for i in 0..SIMSTAT_MAX_COMPONENTS {
        if i < k0 {
            assert!(same(s.height[i], c.height_curve()[i]), "height {i}");
            assert!(same(s.dsc[i], c.dsc_curve()[i]), "dsc {i}");
            assert!(same(s.aic[i], c.aic_curve()[i]) && same(s.bic[i], c.bic_curve()[i]));
            assert!(same(s.icl[i], c.icl_curve()[i]));
            let ll = sel.log_likelihood(i + 1).unwrap();
            assert!(same(s.log_likelihood[i], ll), "ll {i}");
        } else {
            assert!(s.height[i].is_nan() && s.dsc[i].is_nan() && s.log_likelihood[i].is_nan());
            assert!(s.aic[i].is_nan() && s.bic[i].is_nan() && s.icl[i].is_nan());
        }
    }
    for (i, step) in s.merges.iter().enumerate() {
        match sel.merges().get(i) {
            Some(m) => {
                assert_eq!((step.node_i, step.node_j), (m.node_i, m.node_j));
                assert!(same(step.height, m.height) && same(step.weight, m.weight));
            }
            None => assert_eq!(*step, SimstatMergeStep::default()),
        }
    }
    assert_eq!(s.selected_level, level);
    let lv = sel.mixture(level).unwrap();
    let out = &s.selected;
    assert_eq!(out.k, lv.len());
    for (i, (c, &w)) in lv.components().iter().zip(lv.weights()).enumerate() {
        let p = &out.components[i];
        assert!(same(out.weights[i], w));
        assert!(same(p.shape, c.shape()) && same(p.rate, c.rate()) && same(p.shift, c.shift()));
        assert_eq!((p.lo, p.hi), (-1.0, 1.0));
    }
    assert!(same(out.log_likelihood, s.log_likelihood[level - 1]));
    assert!(same(out.aic, s.aic[level - 1]) && same(out.bic, s.bic[level - 1]));
    assert_eq!(out.n, s.n);
    assert_eq!((out.iterations, out.passes, out.converged), (0, 0, 0));
    assert!(out.gradient_norm.is_nan());
}

#[test]
fn select_dsc_equals_the_rust_dendrogram_pipeline() {
    let data = two_clusters();
    let fit = fit_mixture(&data, K0, &FitOptions::default()).unwrap();
    let m = ffi_fit(&data, K0, None);
    let mut s = SimstatSelection::default();
    let st = simstat_select_dsc(&m, data.as_ptr(), data.len(), core::ptr::null(), &mut s);
    assert_eq!(st, SimstatStatus::Ok);
    let sel = select_order(&fit, &data, &DscOptions::default()).unwrap();
    check_selection(&s, &sel, sel.dsc_choice());
    // the selected mixture feeds the calibration functions
    let x = [0.0, 0.5, 0.9];
    let mut p = [0.0; 3];
    assert_eq!(
        simstat_mixture_p_values(&s.selected, x.as_ptr(), 3, p.as_mut_ptr()),
        SimstatStatus::Ok
    );
    let cal = Calibrator::from_mixture(&sel.mixture(sel.dsc_choice()).unwrap()).unwrap();
    for (&v, &o) in x.iter().zip(&p) {
        assert!(same(o, cal.p_value(v)));
    }

    // every option travels: fixed ω, κ = 1 with the noise-scale height, refit, a chosen level
    let mut o = SimstatDscOptions {
        omega_rule: 7,
        omega: 1.0,
        height_scale: 5,
        kappa_one: 9,
        kappa_one_height: 0.0,
        refit_passes: 7,
        refit_mode: 5,
        level: 0,
        leaf_rule: 4,
    };
    assert_eq!(simstat_dsc_options_default(&mut o), SimstatStatus::Ok);
    assert_eq!(
        (
            o.omega_rule,
            o.height_scale,
            o.omega,
            o.kappa_one,
            o.refit_passes,
            o.refit_mode,
            o.level,
            o.leaf_rule
        ),
        (0, 0, 0.0, 0, 0, 0, 0, 0)
    );
    let mut s2 = SimstatSelection::default();
    assert_eq!(
        simstat_select_dsc(&m, data.as_ptr(), data.len(), &o, &mut s2),
        SimstatStatus::Ok
    );
    check_selection(&s2, &sel, sel.dsc_choice());
    let o = SimstatDscOptions {
        omega_rule: 3,
        omega: 2.5,
        height_scale: 1,
        kappa_one: 1,
        kappa_one_height: 0.0,
        refit_passes: 3,
        refit_mode: 2,
        level: 1,
        leaf_rule: 1,
    };
    assert_eq!(
        simstat_select_dsc(&m, data.as_ptr(), data.len(), &o, &mut s2),
        SimstatStatus::Ok
    );
    let dsc = DscOptions {
        omega: Omega::Fixed(2.5),
        kappa_one: KappaOne::NoiseScale,
        height_scale: HeightScale::Linear,
        refit: LevelRefit::Em { passes: 3 },
        leaves: LeafRule::keep_all(),
    };
    check_selection(&s2, &select_order(&fit, &data, &dsc).unwrap(), 1);
    let o = SimstatDscOptions {
        kappa_one: 2,
        kappa_one_height: 0.01,
        level: 2,
        refit_mode: 1,
        leaf_rule: 0,
        omega_rule: 2,
        height_scale: 2,
        ..o
    };
    assert_eq!(
        simstat_select_dsc(&m, data.as_ptr(), data.len(), &o, &mut s2),
        SimstatStatus::Ok
    );
    let dsc = DscOptions {
        omega: Omega::SqrtN,
        kappa_one: KappaOne::Height(0.01),
        height_scale: HeightScale::Log,
        refit: LevelRefit::None,
        leaves: LeafRule::default(),
    };
    let sel = select_order(&fit, &data, &dsc).unwrap();
    check_selection(&s2, &sel, 2);
    for bad in [
        SimstatDscOptions { refit_mode: 4, ..o },
        SimstatDscOptions { leaf_rule: 2, ..o },
        SimstatDscOptions { omega_rule: 4, ..o },
        SimstatDscOptions {
            height_scale: 3,
            ..o
        },
    ] {
        assert_eq!(
            simstat_select_dsc(&m, data.as_ptr(), data.len(), &bad, &mut s2),
            SimstatStatus::BadParameter
        );
    }
}

/// Relative closeness for the pinned reference values.
fn close(got: f64, want: f64, rel: f64) -> bool {
    (got - want).abs() <= rel * want.abs()
}

/// The values `tests/c/test_ffi.c` checks the C build against (same sample, K0 = 3, defaults).
/// Bound: relative 1e-12 (the pure-Rust libm makes them reproducible across platforms; the
/// tolerance only allows for a compiler reordering a sum).
#[test]
fn reference_values_shared_with_the_c_test() {
    let data = two_clusters();
    let m = ffi_fit(&data, K0, None);
    let rel = 1e-12;
    assert_eq!(m.k, 3);
    assert!(
        close(m.log_likelihood, 647.1538210630096, rel),
        "{:e}",
        m.log_likelihood
    );
    assert!(close(m.bic, -1210.697715071056, rel));
    assert!(close(m.weights[0], 0.7001076259346557, rel));
    assert!(close(m.components[2].shape, 1.0, rel));
    assert!(close(m.components[2].shift, 0.610035606992011, rel));
    let mut s = SimstatSelection::default();
    let st = simstat_select_dsc(&m, data.as_ptr(), data.len(), core::ptr::null(), &mut s);
    assert_eq!(st, SimstatStatus::Ok);
    // the leaf rule absorbs the third component (an exponential atom of the 600-point cluster's
    // tail); the two leaves' level is polished to its optimum
    assert_eq!((s.k0, s.absorbed, s.dsc_choice, s.bic_choice), (2, 1, 2, 2));
    assert!(close(s.height[1], 0.8464963066397788, rel));
    assert!(close(s.dsc[1], -39.464680489247925, rel));
    assert!(close(s.log_likelihood[1], 642.8668988728185, rel));
    assert!(close(s.selected.weights[0], 0.7001063404118172, rel));
    assert!(close(
        s.selected.components[0].shape,
        13.015025264688841,
        rel
    ));
    let x = [0.0, 0.6, 0.9];
    let mut p = [0.0; 3];
    let st = simstat_mixture_p_values(&s.selected, x.as_ptr(), 3, p.as_mut_ptr());
    assert_eq!(st, SimstatStatus::Ok);
    assert!(close(p[0], 0.8209336414346003, rel), "{:e}", p[0]);
    assert!(close(p[1], 1.0707910940361678e-4, rel), "{:e}", p[1]);
    assert!(close(p[2], 7.96940936301309e-8, rel), "{:e}", p[2]);
}

#[test]
fn bad_arguments_are_status_codes() {
    use SimstatStatus as S;
    let data = two_clusters();
    let (dp, n) = (data.as_ptr(), data.len());
    let null = core::ptr::null::<f64>();
    let mut m = SimstatMixture::default();
    // fit: null data / out, zero length, k = 0 and k > capacity, bad options, bad data
    assert_eq!(
        simstat_fit_mixture(null, n, 2, core::ptr::null(), &mut m),
        S::NullPointer
    );
    assert_eq!(
        simstat_fit_mixture(dp, n, 2, core::ptr::null(), core::ptr::null_mut()),
        S::NullPointer
    );
    assert_eq!(
        simstat_fit_mixture(dp, 0, 2, core::ptr::null(), &mut m),
        S::BadLength
    );
    assert_eq!(
        simstat_fit_mixture(dp, n, 0, core::ptr::null(), &mut m),
        S::BadLength
    );
    assert_eq!(
        simstat_fit_mixture(dp, n, SIMSTAT_MAX_COMPONENTS + 1, core::ptr::null(), &mut m),
        S::BadLength
    );
    assert_eq!(m, SimstatMixture::default(), "nothing written on error");
    let mut o = empty_options();
    simstat_mixture_options_default(&mut o);
    o.min_weight = 0.7;
    assert_eq!(simstat_fit_mixture(dp, n, 2, &o, &mut m), S::BadParameter);
    assert_eq!(
        simstat_fit_mixture(dp, 4, 2, core::ptr::null(), &mut m),
        S::TooFewSamples
    );
    let bad = [0.1, f64::NAN, 0.2, 0.3, 0.4, 0.5, 0.6];
    assert_eq!(
        simstat_fit_mixture(bad.as_ptr(), 7, 2, core::ptr::null(), &mut m),
        S::NonFinite
    );
    let bad = [0.1, 1.5, 0.2, 0.3, 0.4, 0.5, 0.6];
    assert_eq!(
        simstat_fit_mixture(bad.as_ptr(), 7, 2, core::ptr::null(), &mut m),
        S::OutOfInterval
    );

    // evaluation: a bad mixture struct, bad buffers
    let good = ffi_fit(&data, 2, None);
    let x = [0.1, 0.2, 0.3];
    let mut out = [0.0; 6];
    let op = out.as_mut_ptr();
    let eval = |mm: &SimstatMixture, out: *mut f64| -> [S; 4] {
        [
            simstat_mixture_ln_pdf(mm, x.as_ptr(), 3, out),
            simstat_mixture_p_values(mm, x.as_ptr(), 3, out),
            simstat_mixture_posterior_relevant(mm, x.as_ptr(), 3, out),
            simstat_mixture_responsibilities(mm, x.as_ptr(), 3, out, 6),
        ]
    };
    assert_eq!(eval(&good, op), [S::Ok; 4]);
    assert_eq!(eval(&good, core::ptr::null_mut()), [S::NullPointer; 4]);
    assert_eq!(
        simstat_mixture_ln_pdf(core::ptr::null(), x.as_ptr(), 3, op),
        S::NullPointer
    );
    let mut bad = good;
    bad.k = 0;
    assert_eq!(eval(&bad, op), [S::BadLength; 4]);
    bad.k = SIMSTAT_MAX_COMPONENTS + 1;
    assert_eq!(eval(&bad, op), [S::BadLength; 4]);
    let mut bad = good;
    bad.weights[1] = 0.5; // weights sum to ≠ 1
    assert_eq!(eval(&bad, op), [S::BadProbability; 4]);
    bad.weights[1] = f64::NAN;
    assert_eq!(eval(&bad, op), [S::BadProbability; 4]);
    let mut bad = good;
    bad.components[1].rate = -1.0;
    assert_eq!(eval(&bad, op), [S::BadParameter; 4]);
    let one = ffi_fit(&data, 1, None);
    assert_eq!(
        simstat_mixture_posterior_relevant(&one, x.as_ptr(), 3, op),
        S::BadParameter,
        "no relevant component"
    );
    assert_eq!(
        simstat_mixture_responsibilities(&good, x.as_ptr(), 3, op, 5),
        S::BadLength,
        "out_len < n·K"
    );
    assert_eq!(
        simstat_mixture_responsibilities(&good, op, 3, op.wrapping_add(1), 5),
        S::BadLength,
        "overlap"
    );
    let mut sc = [0.0; 3];
    let mut cut = SimstatFdrCutoff::default();
    assert_eq!(
        simstat_mixture_fdr_cutoff(&good, x.as_ptr(), 3, 0.05, sc.as_mut_ptr(), 2, &mut cut),
        S::BadLength
    );
    assert_eq!(
        simstat_mixture_fdr_cutoff(&good, x.as_ptr(), 3, 0.0, sc.as_mut_ptr(), 3, &mut cut),
        S::BadProbability
    );

    // selection
    let over = ffi_fit(&data, K0, None);
    let mut s = SimstatSelection::default();
    let sel = |mm: &SimstatMixture, o: *const SimstatDscOptions, s: &mut SimstatSelection| {
        simstat_select_dsc(mm, dp, n, o, s)
    };
    assert_eq!(sel(&over, core::ptr::null(), &mut s), S::Ok);
    assert_eq!(
        simstat_select_dsc(&over, null, n, core::ptr::null(), &mut s),
        S::NullPointer
    );
    assert_eq!(
        simstat_select_dsc(&over, dp, 0, core::ptr::null(), &mut s),
        S::BadLength
    );
    assert_eq!(
        simstat_select_dsc(&over, dp, n, core::ptr::null(), core::ptr::null_mut()),
        S::NullPointer
    );
    let mut bad = over;
    bad.k = 0;
    assert_eq!(sel(&bad, core::ptr::null(), &mut s), S::BadLength);
    let mut bad = over;
    bad.components[1].lo = -0.9;
    assert_eq!(
        sel(&bad, core::ptr::null(), &mut s),
        S::BadParameter,
        "components on different intervals"
    );
    let mut o = SimstatDscOptions {
        omega_rule: 3,
        omega: -1.0,
        height_scale: 0,
        kappa_one: 0,
        kappa_one_height: 0.0,
        refit_passes: 0,
        refit_mode: 0,
        level: 0,
        leaf_rule: 0,
    };
    assert_eq!(sel(&over, &o, &mut s), S::BadParameter, "ω < 0");
    o.omega = f64::NAN;
    assert_eq!(sel(&over, &o, &mut s), S::BadParameter, "ω NaN");
    o.omega_rule = 0;
    o.kappa_one = 3;
    assert_eq!(sel(&over, &o, &mut s), S::BadParameter, "unknown kappa_one");
    o.kappa_one = 2;
    o.kappa_one_height = -1.0;
    assert_eq!(sel(&over, &o, &mut s), S::BadParameter, "h(1) < 0");
    o.kappa_one = 0;
    o.level = K0 as u32 + 1;
    assert_eq!(sel(&over, &o, &mut s), S::BadLength, "level > K0");
    let outside = [0.1, 1.5, 0.2];
    assert_eq!(
        simstat_select_dsc(&over, outside.as_ptr(), 3, core::ptr::null(), &mut s),
        S::OutOfInterval
    );
    let nan = [0.1, f64::NAN, 0.2];
    assert_eq!(
        simstat_select_dsc(&over, nan.as_ptr(), 3, core::ptr::null(), &mut s),
        S::NonFinite
    );
}

#[test]
fn fit_background_and_background_p_values_match_the_rust_api() {
    let data = two_clusters();
    let mut out = SimstatMixture::default();
    let mut scratch = vec![0.0; data.len()];
    let st = simstat_fit_background(
        data.as_ptr(),
        data.len(),
        3,
        core::ptr::null(),
        scratch.as_mut_ptr(),
        scratch.len(),
        &mut out,
    );
    assert_eq!(st, SimstatStatus::Ok);
    let bg =
        simstat::calibrate::fit_background(&data, 3, &FitOptions::default(), &mut scratch).unwrap();
    assert_matches_fit(&out, &bg.fit);
    assert_eq!(out.k, 2, "BIC keeps the two clusters");
    let scores = [-0.5, 0.0, 0.3, 0.6, 0.9, 0.99];
    let mut p = [0.0; 6];
    let st = simstat_background_p_values(&out, scores.as_ptr(), 6, p.as_mut_ptr());
    assert_eq!(st, SimstatStatus::Ok);
    for (&s, &pv) in scores.iter().zip(&p) {
        assert!(same(pv, bg.calibrator.p_value(s)), "p({s})");
    }
    // Whole-mixture background on the Fisher-z scale: p(s) = Σ w_i sf_i(atanh s).
    for (&s, &pv) in scores.iter().zip(&p) {
        let want: f64 = (0..out.k)
            .map(|i| bg.fit.weight(i) * bg.fit.component(i).sf(s.atanh()))
            .sum();
        assert!(
            (pv - want).abs() <= 1e-14 * want.max(1e-300),
            "p({s}) = {pv} vs {want}"
        );
    }
    let mut scratch = [0.0; 6];
    let mut cut = SimstatFdrCutoff::default();
    let st = simstat_background_fdr_cutoff(
        &out,
        scores.as_ptr(),
        6,
        0.05,
        scratch.as_mut_ptr(),
        6,
        &mut cut,
    );
    assert_eq!(st, SimstatStatus::Ok);
    let rust = bg
        .calibrator
        .fdr_cutoff(&scores, 0.05, &mut [0.0; 6])
        .unwrap();
    assert_eq!(cut.discoveries, rust.fdr.discoveries);
    assert!(same(cut.score_threshold, rust.score_threshold));
    // Bad arguments are status codes.
    let null: *const f64 = core::ptr::null();
    let sp = scratch.as_mut_ptr();
    assert_eq!(
        simstat_fit_background(null, 10, 3, core::ptr::null(), sp, 10, &mut out),
        SimstatStatus::NullPointer
    );
    assert_eq!(
        simstat_fit_background(data.as_ptr(), 10, 3, core::ptr::null(), sp, 9, &mut out),
        SimstatStatus::BadLength,
        "scratch shorter than the data"
    );
    assert_eq!(
        simstat_fit_background(
            data.as_ptr(),
            data.len(),
            3,
            core::ptr::null(),
            sp,
            data.len(),
            core::ptr::null_mut()
        ),
        SimstatStatus::NullPointer
    );
    let bad = [0.1, f64::NAN, 0.2, 0.3];
    assert_eq!(
        simstat_fit_background(bad.as_ptr(), 4, 2, core::ptr::null(), sp, 4, &mut out),
        SimstatStatus::NonFinite
    );
}

#[test]
fn mixture_bytes_cross_the_c_abi_both_ways() {
    use simstat::wire::ByteForm;
    let data: Vec<f64> = (0..3000)
        .map(|i| {
            let u = (i as f64 + 0.5) / 3000.0;
            if i % 4 == 0 {
                0.2 + gamma_p_inv(25.0, u) / 70.0
            } else {
                -0.25 + gamma_p_inv(9.0, u) / 30.0
            }
        })
        .collect();
    let fit = fit_mixture(&data, 2, &FitOptions::default()).unwrap();
    // Rust writes, C reads: the C mixture of the fit, field for field
    let mut bytes = vec![0u8; fit.byte_len()];
    fit.write_to(&mut bytes).unwrap();
    let mut c = SimstatMixture::default();
    assert_eq!(
        simstat_mixture_read(bytes.as_ptr(), bytes.len(), &mut c),
        SimstatStatus::Ok
    );
    assert_eq!(c.k, 2);
    assert_eq!(c.log_likelihood.to_bits(), fit.log_likelihood().to_bits());
    assert_eq!(c.weights[0].to_bits(), fit.weight(0).to_bits());
    assert_eq!(c.iterations as usize, fit.iterations());
    // C writes, Rust reads: the same weights and components (run facts of a mixture from parts)
    let mut len = 0usize;
    assert_eq!(simstat_mixture_byte_len(&c, &mut len), SimstatStatus::Ok);
    let mut out = vec![0u8; len];
    let mut written = 0usize;
    assert_eq!(
        simstat_mixture_write(&c, out.as_mut_ptr(), out.len(), &mut written),
        SimstatStatus::Ok
    );
    let back = MixtureFit::read_from(&out[..written]).unwrap();
    assert_eq!(back.weights(), fit.weights());
    assert_eq!(back.components(), fit.components());
    assert_eq!(
        back.log_likelihood().to_bits(),
        fit.log_likelihood().to_bits()
    );
    // foreign bytes: BAD_ENCODING, the output untouched
    let before = c;
    out[20] ^= 1;
    assert_eq!(
        simstat_mixture_read(out.as_ptr(), written, &mut c),
        SimstatStatus::BadEncoding
    );
    assert_eq!(c, before);
}

/// The C sketch (caller memory): sharded sketches merged through their bytes equal the Rust
/// `Sketch<4096>` of all data byte for byte, both ways across the boundary, and the K = 2 fit
/// from the merged sketch equals `fit_mixture_from_sketch` bit for bit.
#[test]
fn sketches_cross_the_c_abi_and_fit_like_the_rust_sketch() {
    use simstat::fit::{fit_mixture_from_sketch, Sketch};
    use simstat::wire::ByteForm;
    let data = two_clusters();
    let size = simstat_sketch_size();
    assert_eq!(size, core::mem::size_of::<Sketch<4096>>());
    // u64 memory: aligned to 8 as simstat_sketch_align asks
    let new_mem = || vec![0u64; size.div_ceil(8)];
    let (mut a, mut b) = (new_mem(), new_mem());
    let (pa, pb) = (a.as_mut_ptr().cast::<u8>(), b.as_mut_ptr().cast::<u8>());
    assert_eq!(simstat_sketch_init(pa, size, -1.0, 1.0), SimstatStatus::Ok);
    assert_eq!(simstat_sketch_init(pb, size, -1.0, 1.0), SimstatStatus::Ok);
    let (left, right) = data.split_at(777);
    assert_eq!(
        simstat_sketch_extend(pa, size, left.as_ptr(), left.len()),
        SimstatStatus::Ok
    );
    assert_eq!(
        simstat_sketch_extend(pb, size, right.as_ptr(), right.len()),
        SimstatStatus::Ok
    );
    assert_eq!(simstat_sketch_merge(pa, size, pb, size), SimstatStatus::Ok);
    let mut rust = Sketch::<4096>::new(-1.0, 1.0).unwrap();
    rust.extend(&data).unwrap();
    // C writes, Rust reads
    let mut len = 0usize;
    assert_eq!(
        simstat_sketch_byte_len(pa, size, &mut len),
        SimstatStatus::Ok
    );
    let mut bytes = vec![0u8; len];
    let mut written = 0usize;
    assert_eq!(
        simstat_sketch_write(pa, size, bytes.as_mut_ptr(), len, &mut written),
        SimstatStatus::Ok
    );
    assert_eq!(written, len);
    let mut rust_bytes = vec![0u8; rust.byte_len()];
    rust.write_to(&mut rust_bytes).unwrap();
    assert_eq!(bytes, rust_bytes);
    assert_eq!(Sketch::<4096>::read_from(&bytes).unwrap(), rust);
    // Rust writes, C reads (into memory that held another sketch)
    assert_eq!(
        simstat_sketch_read(rust_bytes.as_ptr(), rust_bytes.len(), pb, size),
        SimstatStatus::Ok
    );
    let mut count = 0u64;
    assert_eq!(
        simstat_sketch_count(pb, size, &mut count),
        SimstatStatus::Ok
    );
    assert_eq!(count, data.len() as u64);
    // the fit from the merged C sketch is the Rust sketch fit
    let want =
        fit_mixture_from_sketch(&rust, 2, &FitOptions::default(), &MixtureOptions::default())
            .unwrap();
    let mut ws = vec![0u64; simstat_mixture_workspace_size().div_ceil(8)];
    let mut out = SimstatMixture::default();
    assert_eq!(
        simstat_fit_mixture_sketch_in(
            pa,
            size,
            2,
            core::ptr::null(),
            ws.as_mut_ptr().cast(),
            ws.len() * 8,
            &mut out
        ),
        SimstatStatus::Ok
    );
    assert_matches_fit(&out, &want);
    // refused: short memory, null, a truncated encoding
    assert_eq!(
        simstat_sketch_count(pa, size - 1, &mut count),
        SimstatStatus::BadLength
    );
    assert_eq!(
        simstat_sketch_count(core::ptr::null(), size, &mut count),
        SimstatStatus::NullPointer
    );
    assert_eq!(
        simstat_sketch_read(bytes.as_ptr(), bytes.len() - 1, pb, size),
        SimstatStatus::BadEncoding
    );
}

#[test]
fn the_small_workspace_fits_like_the_rust_small_workspace() {
    use simstat::fit::{fit_mixture_in, MixtureWorkspace};
    let data = two_clusters();
    let size = simstat_mixture_small_workspace_size();
    assert!(size < simstat_mixture_workspace_size());
    // memory that held garbage (the call zeroes it)
    let mut ws = vec![0xA5A5_A5A5_A5A5_A5A5u64; size.div_ceil(8)];
    let mo = MixtureOptions {
        min_subsample: 500,
        ..MixtureOptions::default()
    };
    let opts: SimstatMixtureOptions = (&FitOptions::default(), &mo).into();
    let mut out = SimstatMixture::default();
    let call = |ws: &mut [u64], len: usize, out: &mut SimstatMixture| {
        simstat_fit_mixture_small_in(
            data.as_ptr(),
            data.len(),
            2,
            &opts,
            ws.as_mut_ptr().cast(),
            len,
            out,
        )
    };
    assert_eq!(call(&mut ws, size, &mut out), SimstatStatus::Ok);
    let mut small: Box<MixtureWorkspace<512, 1024>> = Box::new(MixtureWorkspace::blank());
    let want = fit_mixture_in(&data, 2, &FitOptions::default(), &mo, &mut small).unwrap();
    assert_matches_fit(&out, &want);
    assert_eq!(call(&mut ws, size - 1, &mut out), SimstatStatus::BadLength);
}

#[test]
fn every_status_code_has_its_text() {
    // codes 0..=14 each point to their own static text, anything else to one "unknown" text,
    // never null (the C test reads the strings themselves: no `unsafe` here)
    let unknown = simstat_status_str(15);
    assert!(!unknown.is_null());
    assert_eq!(simstat_status_str(-1), unknown);
    assert_eq!(simstat_status_str(i32::MAX), unknown);
    let mut seen = std::collections::HashSet::new();
    for code in 0..=14 {
        let p = simstat_status_str(code);
        assert!(!p.is_null() && p != unknown, "code {code}");
        assert!(seen.insert(p as usize), "code {code} shares its text");
    }
    assert_eq!(SimstatStatus::WrongScale as i32, 13);
    assert_eq!(SimstatStatus::Internal as i32, 14);
    assert_eq!(
        SimstatStatus::WrongScale.text().to_str().unwrap(),
        "the mixture is on another score scale than the function reads"
    );
}

/// A Fisher-z background (from `simstat_fit_background`) given to a cosine-scale function, or
/// a cosine-scale mixture given to a background function, is `WrongScale` (never numbers read
/// on the wrong scale); a scale code that is no `SimstatScoreScale` is `BadParameter`.
#[test]
fn a_mixture_on_the_wrong_score_scale_is_refused() {
    use SimstatStatus as S;
    let data = two_clusters();
    let mut bg = SimstatMixture::default();
    let mut scratch = vec![0.0; data.len()];
    let st = simstat_fit_background(
        data.as_ptr(),
        data.len(),
        3,
        core::ptr::null(),
        scratch.as_mut_ptr(),
        scratch.len(),
        &mut bg,
    );
    assert_eq!(st, S::Ok);
    assert_eq!(bg.scale, SimstatScoreScale::FisherZ as u32);
    let cosine = ffi_fit(&data, 2, None);
    assert_eq!(cosine.scale, SimstatScoreScale::Cosine as u32);

    let x = [0.1, 0.5, 0.9];
    let mut out = [0.0; 6];
    let op = out.as_mut_ptr();
    let mut sc = [0.0; 3];
    let mut cut = SimstatFdrCutoff::default();
    let mut len = 0usize;
    let mut bytes = [0u8; 512];
    let mut sel = SimstatSelection::default();
    let cosine_functions = |m: &SimstatMixture, out: *mut f64, sc: *mut f64| -> [S; 9] {
        let (mut cut, mut len, mut written) = (SimstatFdrCutoff::default(), 0usize, 0usize);
        let mut bytes = [0u8; 512];
        let mut sel = SimstatSelection::default();
        [
            simstat_mixture_ln_pdf(m, x.as_ptr(), 3, out),
            simstat_mixture_responsibilities(m, x.as_ptr(), 3, out, 6),
            simstat_mixture_p_values(m, x.as_ptr(), 3, out),
            simstat_mixture_posterior_relevant(m, x.as_ptr(), 3, out),
            simstat_mixture_fdr_cutoff(m, x.as_ptr(), 3, 0.05, sc, 3, &mut cut),
            simstat_mixture_byte_len(m, &mut len),
            simstat_mixture_write(m, bytes.as_mut_ptr(), bytes.len(), &mut written),
            simstat_select_dsc(m, data.as_ptr(), data.len(), core::ptr::null(), &mut sel),
            S::Ok,
        ]
    };
    let background_functions = |m: &SimstatMixture, out: *mut f64, sc: *mut f64| -> [S; 2] {
        let mut cut = SimstatFdrCutoff::default();
        [
            simstat_background_p_values(m, x.as_ptr(), 3, out),
            simstat_background_fdr_cutoff(m, x.as_ptr(), 3, 0.05, sc, 3, &mut cut),
        ]
    };
    let sp = sc.as_mut_ptr();
    assert_eq!(cosine_functions(&cosine, op, sp), [S::Ok; 9]);
    assert_eq!(background_functions(&bg, op, sp), [S::Ok; 2]);
    let mut wrong = [S::WrongScale; 9];
    wrong[8] = S::Ok;
    assert_eq!(cosine_functions(&bg, op, sp), wrong);
    assert_eq!(background_functions(&cosine, op, sp), [S::WrongScale; 2]);
    // nothing was written by the refused calls
    let before = out;
    assert_eq!(
        simstat_mixture_p_values(&bg, x.as_ptr(), 3, op),
        S::WrongScale
    );
    assert_eq!(out, before);
    // the tag is read before the contents: a valid mixture with an unknown scale code
    for code in [2, 7, u32::MAX] {
        let bad = SimstatMixture {
            scale: code,
            ..cosine
        };
        assert_eq!(
            simstat_mixture_p_values(&bad, x.as_ptr(), 3, op),
            S::BadParameter
        );
        let bad = SimstatMixture { scale: code, ..bg };
        assert_eq!(
            simstat_background_p_values(&bad, x.as_ptr(), 3, op),
            S::BadParameter
        );
    }
    // the selected level of a cosine mixture and a mixture read from bytes are cosine-scale
    assert_eq!(
        simstat_select_dsc(
            &cosine,
            data.as_ptr(),
            data.len(),
            core::ptr::null(),
            &mut sel
        ),
        S::Ok
    );
    assert_eq!(sel.selected.scale, SimstatScoreScale::Cosine as u32);
    assert_eq!(simstat_mixture_byte_len(&cosine, &mut len), S::Ok);
    let mut written = 0usize;
    assert_eq!(
        simstat_mixture_write(&cosine, bytes.as_mut_ptr(), len, &mut written),
        S::Ok
    );
    let mut back = bg;
    assert_eq!(
        simstat_mixture_read(bytes.as_ptr(), written, &mut back),
        S::Ok
    );
    assert_eq!(back.scale, SimstatScoreScale::Cosine as u32);
    // relabelling the background as cosine-scale is the caller's explicit act: then the
    // cosine functions accept it (and read its z-scale components as cosines)
    let relabelled = SimstatMixture {
        scale: SimstatScoreScale::Cosine as u32,
        ..bg
    };
    assert_eq!(
        simstat_mixture_fdr_cutoff(&relabelled, x.as_ptr(), 3, 0.05, sp, 3, &mut cut),
        S::Ok
    );
}

/// Caller memory for a default-size workspace, filled with garbage (the calls zero it).
fn garbage_workspace() -> Vec<u64> {
    vec![0xA5A5_A5A5_A5A5_A5A5u64; simstat_mixture_workspace_size().div_ceil(8)]
}

#[test]
fn the_cut_in_caller_memory_equals_the_plain_cut_for_every_rule() {
    let mut scores = two_clusters();
    scores.extend([0.93, 0.95, 0.97]);
    let n = scores.len();
    let size = simstat_mixture_workspace_size();
    let mut ws = garbage_workspace();
    let mut scratch = vec![0.0; n];
    for (rule, param) in [(0u32, f64::NAN), (1, 0.05), (2, 0.5), (3, f64::NAN)] {
        let (mut keep, mut thr) = (0usize, 0.0f64);
        let st = simstat_cut(
            scores.as_ptr(),
            n,
            rule,
            param,
            scratch.as_mut_ptr(),
            n,
            &mut keep,
            &mut thr,
        );
        assert_eq!(st, SimstatStatus::Ok, "rule {rule}");
        let (mut keep_in, mut thr_in) = (usize::MAX, f64::NAN);
        let st = simstat_cut_in(
            scores.as_ptr(),
            n,
            rule,
            param,
            scratch.as_mut_ptr(),
            n,
            ws.as_mut_ptr().cast(),
            size,
            &mut keep_in,
            &mut thr_in,
        );
        assert_eq!(st, SimstatStatus::Ok, "rule {rule}");
        assert_eq!(
            (keep_in, thr_in.to_bits()),
            (keep, thr.to_bits()),
            "rule {rule}"
        );
        // the Rust convenience form (its workspace on the heap) decides the same
        let opts = simstat::calibrate::CutOptions {
            rule: SimstatCutRule::try_from(rule).unwrap().with_param(param),
            ..Default::default()
        };
        let c = simstat::calibrate::cut(&scores, &opts, &mut scratch).unwrap();
        assert_eq!((c.keep(), c.threshold().to_bits()), (keep, thr.to_bits()));
        if rule == 1 {
            assert!(keep >= 3, "BH keeps the three planted hits: {keep}");
        }
    }
    // the workspace is checked for every rule, the default one included
    let (sp, dp) = (scratch.as_mut_ptr(), scores.as_ptr());
    let (mut keep, mut thr) = (0usize, 0.0f64);
    let mut call = |rule: u32, ws: *mut u8, len: usize| {
        simstat_cut_in(dp, n, rule, f64::NAN, sp, n, ws, len, &mut keep, &mut thr)
    };
    let wp: *mut u8 = ws.as_mut_ptr().cast();
    for rule in [0, 1] {
        assert_eq!(
            call(rule, core::ptr::null_mut(), size),
            SimstatStatus::NullPointer
        );
        assert_eq!(call(rule, wp, size - 1), SimstatStatus::BadLength, "short");
        // misaligned: one byte into the buffer
        assert_eq!(
            call(rule, wp.wrapping_add(1), size),
            SimstatStatus::BadLength
        );
        // overlapping the scratch buffer
        assert_eq!(call(rule, sp.cast(), size), SimstatStatus::BadLength);
    }
}

#[test]
fn the_background_and_the_selection_in_caller_memory_equal_the_plain_calls() {
    let data = two_clusters();
    let size = simstat_mixture_workspace_size();
    let mut ws = garbage_workspace();
    let wp: *mut u8 = ws.as_mut_ptr().cast();
    let mut scratch = vec![0.0; data.len()];
    let mut inws = SimstatMixture::default();
    let mut bg = |ws: *mut u8, len: usize, out: &mut SimstatMixture| {
        simstat_fit_background_in(
            data.as_ptr(),
            data.len(),
            3,
            core::ptr::null(),
            scratch.as_mut_ptr(),
            data.len(),
            ws,
            len,
            out,
        )
    };
    assert_eq!(bg(wp, size, &mut inws), SimstatStatus::Ok);
    let rust =
        simstat::calibrate::fit_background(&data, 3, &FitOptions::default(), &mut vec![0.0; 2000])
            .unwrap();
    // (the plain call equals the same Rust fit: fit_background_and_background_p_values_…)
    assert_matches_fit(&inws, &rust.fit);
    assert_eq!(inws.scale, SimstatScoreScale::FisherZ as u32);
    assert_eq!(
        bg(core::ptr::null_mut(), size, &mut inws),
        SimstatStatus::NullPointer
    );
    assert_eq!(bg(wp, size - 8, &mut inws), SimstatStatus::BadLength);
    let dp = data.as_ptr().cast_mut().cast();
    assert_eq!(
        bg(dp, size, &mut inws),
        SimstatStatus::BadLength,
        "over the data"
    );

    let m = ffi_fit(&data, K0, None);
    let (mut s, mut s_in) = (SimstatSelection::default(), SimstatSelection::default());
    let st = simstat_select_dsc(&m, data.as_ptr(), data.len(), core::ptr::null(), &mut s);
    assert_eq!(st, SimstatStatus::Ok);
    let sel = |ws: *mut u8, len: usize, out: &mut SimstatSelection| {
        simstat_select_dsc_in(
            &m,
            data.as_ptr(),
            data.len(),
            core::ptr::null(),
            ws,
            len,
            out,
        )
    };
    assert_eq!(sel(wp, size, &mut s_in), SimstatStatus::Ok);
    let fit = fit_mixture(&data, K0, &FitOptions::default()).unwrap();
    let rust = select_order(&fit, &data, &DscOptions::default()).unwrap();
    check_selection(&s_in, &rust, rust.dsc_choice());
    check_selection(&s, &rust, rust.dsc_choice());
    assert_eq!(
        sel(core::ptr::null_mut(), size, &mut s_in),
        SimstatStatus::NullPointer
    );
    assert_eq!(sel(wp, 16, &mut s_in), SimstatStatus::BadLength);
    assert_eq!(
        sel(dp, size, &mut s_in),
        SimstatStatus::BadLength,
        "over the data"
    );
}
