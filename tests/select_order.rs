//! `select_order`, the one-call order selection, the way a user calls it: an over-fitted
//! `fit_mixture` of the data, then `select_order(&fit, &data, &DscOptions::default())`, and the
//! chosen level back as a `MixtureFit`. Plus the leaf rule on planted uninformative atoms, the
//! errors, `fit_mixture_from` and `MixtureFit::from_components`.
mod common;

use common::{sample_weighted, SplitMix64};
use simstat::calibrate::Calibrator;
use simstat::dist::TruncatedShiftedGamma;
use simstat::fit::{
    fit_mixture, fit_mixture_from, fit_mixture_with, FitError, FitOptions, MixtureFit,
    MixtureOptions, StopReason,
};
use simstat::select::{
    select_order, AbsorbReason, Dendrogram, DscOptions, GammaAtom, LeafFate, LeafRule, LevelRefit,
    SelectError,
};

/// (shape, rate, shift) of two separated clusters and a small third one.
const TRUTH: [(f64, f64, f64); 3] = [(9.0, 60.0, -0.35), (25.0, 100.0, -0.1), (16.0, 80.0, 0.3)];

fn sample(weights: &[f64], n: usize, seed: u64) -> Vec<f64> {
    sample_weighted(&TRUTH, weights, n, seed)
}

fn tsg(shape: f64, rate: f64, shift: f64) -> TruncatedShiftedGamma {
    TruncatedShiftedGamma::new(shape, rate, shift, -1.0, 1.0).unwrap()
}

#[test]
fn select_order_as_a_user_calls_it() {
    let data = sample(&[0.6, 0.3, 0.1], 2000, 11);
    let over =
        fit_mixture_with(&data, 8, &FitOptions::default(), &MixtureOptions::overfit()).unwrap();
    let sel = select_order(&over, &data, &DscOptions::default()).unwrap();
    assert_eq!(sel.dsc_choice(), 3, "{sel}");
    assert_eq!(sel.bic_choice(), 3, "{sel}");
    let k0 = sel.leaves();
    assert!(k0 <= 8 && k0 + sel.absorbed() == 8);
    for curve in [
        sel.dsc_curve(),
        sel.aic_curve(),
        sel.bic_curve(),
        sel.icl_curve(),
    ] {
        assert_eq!(curve.len(), k0);
    }
    assert_eq!(sel.merges().len(), k0 - 1);
    assert!(sel.dsc_curve()[0].is_nan(), "κ = 1 excluded by default");
    // every level comes back as a MixtureFit with the level's likelihood
    for level in 1..=k0 {
        let m = sel.mixture(level).unwrap();
        assert_eq!(m.len(), level);
        assert!((m.weights().iter().sum::<f64>() - 1.0).abs() < 1e-12);
        assert!(m
            .components()
            .windows(2)
            .all(|w| w[0].shift() <= w[1].shift()));
        // bound: 1e-7 relative (two evaluations of α ln λ − ln Γ(α), which cancel to ~1e-9
        // relative per point for atoms near the normal limit, α ~ 1e6)
        let ll: f64 = data.iter().map(|&x| m.ln_pdf(x)).sum();
        let want = sel.log_likelihood(level).unwrap();
        assert!(
            (ll - want).abs() <= 1e-7 * want.abs(),
            "level {level}: {ll} vs {want}"
        );
    }
    // the polished level 3 is at least as good as a direct K = 3 fit (within 0.5 nats)
    let direct = fit_mixture(&data, 3, &FitOptions::default()).unwrap();
    assert!(sel.log_likelihood(3).unwrap() >= direct.log_likelihood() - 0.5);
    // usable for calibration
    let chosen = sel.mixture(sel.dsc_choice()).unwrap();
    let cal = Calibrator::from_mixture(&chosen).unwrap();
    assert!(cal.p_value(0.9) < cal.p_value(0.0));
    let mut r = [0.0; 3];
    chosen.responsibilities(0.3, &mut r);
    assert!((r.iter().sum::<f64>() - 1.0).abs() < 1e-12);
    assert_eq!(sel.mixture(0).unwrap_err(), SelectError::LevelOutOfRange);
    assert_eq!(
        sel.mixture(k0 + 1).unwrap_err(),
        SelectError::LevelOutOfRange
    );
    // h(1) = 1 lets DSC return 1, and is computed from the same dendrogram
    let h1 = DscOptions {
        kappa_one: simstat::select::KappaOne::Height(1.0),
        ..DscOptions::default()
    };
    assert_eq!(sel.dendrogram().criteria(&h1).unwrap().dsc_choice(), 3);
    assert!(format!("{sel}").contains("chosen: DSC 3"));
}

/// The over-fit for `select_order` converges ([`StopReason::Flat`] or `Gradient`); the same fit
/// with the default options creeps to the pass limit. Measured on these data: default options
/// end with `PassLimit` (projected gradient ≫ tolerance), `overfit()` with `Flat`.
#[test]
fn overfit_options_converge_and_say_why() {
    let data = sample(&[0.5, 0.5], 2000, 5);
    let over =
        fit_mixture_with(&data, 8, &FitOptions::default(), &MixtureOptions::overfit()).unwrap();
    assert!(over.converged(), "{:?}", over.stop_reason());
    assert!(matches!(
        over.stop_reason(),
        StopReason::Flat | StopReason::Gradient
    ));
    let one_pass = FitOptions {
        max_passes: 1,
        warm_start: false,
        ..FitOptions::default()
    };
    let short = fit_mixture(&data, 8, &one_pass).unwrap();
    assert!(!short.converged());
    assert!(matches!(
        short.stop_reason(),
        StopReason::PassLimit | StopReason::NoAscent
    ));
    let sel = select_order(&over, &data, &DscOptions::default()).unwrap();
    assert!(sel.overfit_converged());
    assert_eq!(sel.dsc_choice(), 2, "{sel}");
}

/// Planted uninformative atoms (a duplicate, a negligible atom, a point mass, an atom whose mass
/// lies mostly above the interval) are handled by the leaf rule: absorbed or re-projected, each
/// with its reason, and DSC picks the two real clusters.
#[test]
fn leaf_rule_absorbs_what_carries_no_information() {
    let data = sample(&[0.5, 0.5], 2000, 7);
    let fit2 = fit_mixture(&data, 2, &FitOptions::default()).unwrap();
    let (a, b) = (fit2.component(0), fit2.component(1));
    let (wa, wb) = (fit2.weight(0), fit2.weight(1));
    let comps = [
        a,
        a, // duplicate of a
        b,
        tsg(3.0, 3e5, -0.1), // point mass: sd 6e-6
        tsg(2.0, 0.2, 0.0),  // mean 10: 1.75 % of its mass on [−1, 1]
        tsg(9.0, 60.0, 0.8), // negligible: weight 1e-4 (0.2 points)
    ];
    let weights = [0.5 * wa - 0.01, 0.5 * wa, wb - 0.02, 0.01, 0.0199, 1e-4];
    let planted = MixtureFit::from_components(&weights, &comps, 2000, f64::NAN).unwrap();
    let sel = select_order(&planted, &data, &DscOptions::default()).unwrap();
    let fates: Vec<LeafFate> = (0..planted.len()).map(|i| sel.fate(i).unwrap()).collect();
    let reason = |i: usize| match fates[i] {
        LeafFate::Absorbed { reason, .. } => Some(reason),
        _ => None,
    };
    // from_components sorts by shift: find each planted atom again
    let idx = |shift: f64, rate: f64| {
        planted
            .components()
            .iter()
            .position(|c| c.shift() == shift && c.rate() == rate)
            .unwrap()
    };
    assert_eq!(
        reason(idx(-0.1, 3e5)),
        Some(AbsorbReason::PointMass),
        "{fates:?}"
    );
    assert_eq!(
        reason(idx(0.8, 60.0)),
        Some(AbsorbReason::Negligible),
        "{fates:?}"
    );
    let dups: Vec<usize> = (0..planted.len())
        .filter(|&i| reason(i) == Some(AbsorbReason::Duplicate))
        .collect();
    assert_eq!(dups.len(), 1, "{fates:?}");
    assert_eq!(fates[idx(0.0, 0.2)], LeafFate::Reprojected, "{fates:?}");
    assert!(sel.fate(planted.len()).is_none());
    assert_eq!(sel.absorbed(), 3);
    assert_eq!(sel.leaves(), 3);
    // the re-projected atom's mean lies inside the interval (a leaf of the dendrogram)
    assert!(sel
        .dendrogram()
        .leaves()
        .iter()
        .all(|l| (-1.0..=1.0).contains(&l.mean())));
    assert_eq!(sel.dsc_choice(), 2, "{sel}");
    // keep_all: every component a leaf, nothing reported
    let raw = select_order(
        &planted,
        &data,
        &DscOptions {
            leaves: LeafRule::keep_all(),
            ..DscOptions::default()
        },
    )
    .unwrap();
    assert_eq!((raw.leaves(), raw.absorbed()), (6, 0));
    assert!((0..6).all(|i| raw.fate(i) == Some(LeafFate::Kept)));
}

#[test]
fn errors_name_the_input() {
    let data = sample(&[0.5, 0.5], 400, 3);
    let fit = fit_mixture(&data, 3, &FitOptions::default()).unwrap();
    let o = DscOptions::default();
    assert_eq!(
        select_order(&fit, &[], &o).unwrap_err(),
        SelectError::TooFewSamples { n: 0, needed: 1 }
    );
    let mut bad = data.clone();
    bad[5] = f64::NAN;
    assert_eq!(
        select_order(&fit, &bad, &o).unwrap_err(),
        SelectError::NonFinite { index: 5 }
    );
    bad[5] = 0.0;
    bad[3] = 1.5;
    let e = select_order(&fit, &bad, &o).unwrap_err();
    assert_eq!(
        e,
        SelectError::OutOfInterval {
            index: 3,
            value: 1.5,
            lo: -1.0,
            hi: 1.0
        }
    );
    assert!(e.to_string().contains("index 3") && e.to_string().contains("[-1, 1]"));
    let mixed = MixtureFit::from_components(
        &[0.5, 0.5],
        &[
            tsg(9.0, 60.0, -0.35),
            TruncatedShiftedGamma::new(9.0, 60.0, -0.1, -0.5, 1.0).unwrap(),
        ],
        400,
        f64::NAN,
    );
    assert_eq!(mixed.unwrap_err(), FitError::BadOption("components"));
    let neg = DscOptions {
        leaves: LeafRule {
            min_count: -1.0,
            ..LeafRule::default()
        },
        ..o
    };
    assert_eq!(
        select_order(&fit, &data, &neg).unwrap_err(),
        SelectError::InvalidParameter
    );
    // refit options all run
    for refit in [
        LevelRefit::None,
        LevelRefit::Em { passes: 2 },
        LevelRefit::Mle { max_passes: 5 },
    ] {
        let s = select_order(&fit, &data, &DscOptions { refit, ..o }).unwrap();
        assert!(s.dsc_choice() >= 1 && s.dsc_choice() <= s.leaves());
    }
}

/// `Dendrogram::build` standardises its copy of the leaves: unnormalised weights and an unset
/// chart scale give the same dendrogram as standardised atoms.
#[test]
fn dendrogram_cannot_be_built_unstandardised() {
    let raw = [
        GammaAtom::new(3.0, 9.0, 60.0, -0.35),
        GammaAtom::new(2.0, 9.5, 62.0, -0.35),
        GammaAtom::new(1.0, 25.0, 100.0, -0.1),
    ];
    let mut std = raw;
    GammaAtom::standardise(&mut std).unwrap();
    let a = Dendrogram::<GammaAtom, 4>::build(&raw).unwrap();
    let b = Dendrogram::<GammaAtom, 4>::build(&std).unwrap();
    let close = |x: f64, y: f64| (x - y).abs() <= 1e-15 * x.abs().max(1.0);
    for (x, y) in a.leaves().iter().zip(b.leaves()) {
        assert!(
            close(x.weight, y.weight) && x.scale == y.scale,
            "{x:?} vs {y:?}"
        );
    }
    for (x, y) in a.merges().iter().zip(b.merges()) {
        assert_eq!((x.node_i, x.node_j), (y.node_i, y.node_j));
        assert!(close(x.height, y.height));
    }
    let w: f64 = a.leaves().iter().map(|l| l.weight).sum();
    assert!((w - 1.0).abs() < 1e-15);
}

#[test]
fn fit_mixture_from_continues_a_fit() {
    let data = sample(&[0.6, 0.4], 3000, 9);
    let first = fit_mixture(&data[..1000], 2, &FitOptions::default()).unwrap();
    let all = fit_mixture(&data, 2, &FitOptions::default()).unwrap();
    let cont = fit_mixture_from(
        &data,
        &first,
        &FitOptions::default(),
        &MixtureOptions::default(),
    )
    .unwrap();
    // same optimum as the fit from scratch (two separated clusters: one optimum)
    assert!(
        (cont.log_likelihood() - all.log_likelihood()).abs() < 1e-6,
        "{} vs {}",
        cont.log_likelihood(),
        all.log_likelihood()
    );
    assert!(cont.converged());
    // a start that does not cover the smallest value has no likelihood
    let high = MixtureFit::from_components(&[1.0], &[tsg(9.0, 60.0, 0.5)], 0, f64::NAN).unwrap();
    assert_eq!(
        fit_mixture_from(
            &data,
            &high,
            &FitOptions::default(),
            &MixtureOptions::default()
        )
        .unwrap_err(),
        FitError::BadOption("start")
    );
    let mut bad = data.clone();
    bad[17] = 2.0;
    assert!(matches!(
        fit_mixture_from(
            &bad,
            &first,
            &FitOptions::default(),
            &MixtureOptions::default()
        ),
        Err(FitError::OutOfInterval { index: 17, .. })
    ));
}

#[test]
fn from_components_checks_and_sorts() {
    let (a, b) = (tsg(9.0, 60.0, 0.1), tsg(4.0, 20.0, -0.5));
    let m = MixtureFit::from_components(&[3.0, 1.0], &[a, b], 10, 1.5).unwrap();
    assert_eq!(m.component(0).shift(), -0.5);
    assert_eq!(m.weights(), &[0.25, 0.75]);
    assert_eq!((m.n(), m.log_likelihood()), (10, 1.5));
    assert_eq!(m.stop_reason(), StopReason::NotRun);
    assert!(!m.converged());
    for (w, c) in [
        (&[1.0][..], &[a, b][..]),
        (&[1.0, f64::NAN][..], &[a, b][..]),
        (&[-1.0, 2.0][..], &[a, b][..]),
        (&[0.0, 0.0][..], &[a, b][..]),
    ] {
        assert_eq!(
            MixtureFit::from_components(w, c, 0, 0.0).unwrap_err(),
            FitError::BadOption("weights")
        );
    }
    assert_eq!(
        MixtureFit::from_components(&[], &[], 0, 0.0).unwrap_err(),
        FitError::BadOption("k")
    );
}

/// Contaminated data (1 % uniform noise on [−1, 1]): a noise point far below every atom's
/// effective support start must not make a level unevaluable (it did: "data value outside the
/// model's support" in 20 of 20 runs); the coverage repair keeps every level's likelihood finite.
#[test]
fn outliers_below_every_atom_keep_levels_finite() {
    let mut data = sample(&[0.85, 0.15], 2000, 21);
    let mut rng = SplitMix64(99);
    for x in data.iter_mut().step_by(100) {
        *x = -1.0 + 2.0 * rng.next_f64();
    }
    data[0] = -0.999;
    let over =
        fit_mixture_with(&data, 8, &FitOptions::default(), &MixtureOptions::overfit()).unwrap();
    let sel = select_order(&over, &data, &DscOptions::default()).unwrap();
    for level in 1..=sel.leaves() {
        assert!(sel.log_likelihood(level).unwrap().is_finite());
        let m = sel.mixture(level).unwrap();
        assert!(m.ln_pdf(-0.999).is_finite(), "level {level}");
    }
}
