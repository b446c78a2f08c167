//! Benchmarks of `simstat::select`: merging, DSC, and the over-fit + DSC pipeline vs a sweep.
use criterion::{criterion_group, criterion_main, Criterion};
use nalgebra::SVector;
use simstat::select::sgmoe::{
    fit_sgmoe, EmOptions, SgmoeAtom, SgmoeLevelLikelihood, SplitMix64, Weighting,
};
use simstat::select::{Dendrogram, DscOptions, GammaAtom, GammaLevelLikelihood, LevelLikelihood};
use std::hint::black_box;
use std::time::Duration;

/// A K0 = 10 gamma mixture as an over-fitted EM would return it (3 groups of near-duplicates);
/// `Dendrogram::build` standardises its copy of the atoms.
fn gamma_atoms_k10() -> [GammaAtom; 10] {
    let mut rng = SplitMix64(9);
    let centres = [(12.0, 60.0, -0.1), (30.0, 100.0, 0.2), (8.0, 20.0, 0.4)];
    let mut atoms = [GammaAtom::default(); 10];
    for (i, a) in atoms.iter_mut().enumerate() {
        let (s, r, c) = centres[i % 3];
        *a = GammaAtom::new(
            0.1 * (1.0 + 0.2 * rng.next_f64()),
            s * (1.0 + 0.1 * (rng.next_f64() - 0.5)),
            r * (1.0 + 0.1 * (rng.next_f64() - 0.5)),
            c - 0.02 * rng.next_f64(),
        );
    }
    atoms
}

fn bench_gamma(c: &mut Criterion) {
    let atoms = gamma_atoms_k10();
    let mut g = c.benchmark_group("gamma_k10");
    g.bench_function("dendrogram_build", |b| {
        b.iter(|| Dendrogram::<GammaAtom, 16>::build(black_box(&atoms)))
    });
    // DSC/AIC/BIC/ICL over levels whose log-likelihoods are already known
    let mut d = Dendrogram::<GammaAtom, 16>::build(&atoms).expect("valid atoms");
    let data: Vec<f64> = (0..2000)
        .map(|i| -0.09 + 0.6 * (i as f64 + 0.5) / 2000.0)
        .collect();
    let mut lik = GammaLevelLikelihood::new(&data, -1.0, 1.0).expect("valid data");
    d.evaluate(&mut lik).expect("evaluable");
    g.bench_function("criteria_from_evaluated_levels", |b| {
        b.iter(|| black_box(&d).criteria(&DscOptions::default()))
    });
    g.bench_function("build_evaluate_criteria_n2000", |b| {
        b.iter(|| {
            let mut d = Dendrogram::<GammaAtom, 16>::build(black_box(&atoms)).expect("valid");
            d.evaluate(&mut lik).expect("evaluable");
            d.criteria(&DscOptions::default())
        })
    });
    g.bench_function("one_level_ll_n2000_k10", |b| {
        b.iter(|| lik.evaluate(black_box(&atoms)))
    });
    g.finish();
}

fn sgmoe_data(n: usize, seed: u64) -> (Vec<SVector<f64, 1>>, Vec<f64>) {
    let mut rng = SplitMix64(seed);
    let xs: Vec<SVector<f64, 1>> = (0..n)
        .map(|_| SVector::from([2.0 * rng.next_f64() - 1.0]))
        .collect();
    let ys = xs
        .iter()
        .map(|x| {
            let m = if x[0] < -0.3 {
                -1.0 + 2.0 * x[0]
            } else if x[0] < 0.3 {
                1.5
            } else {
                -x[0]
            };
            m + 0.3 * rng.normal()
        })
        .collect();
    (xs, ys)
}

/// SGMoE: one over-fitted EM (K = 6) + dendrogram + DSC vs EM at every K = 1..6 + BIC.
fn bench_sgmoe(c: &mut Criterion) {
    let (xs, ys) = sgmoe_data(1000, 1);
    let opts = EmOptions {
        n_init: 1,
        max_iter: 200,
        tol: 1e-6,
        ..EmOptions::default()
    };
    let mut g = c.benchmark_group("sgmoe_n1000");
    g.sample_size(10);
    g.bench_function("overfit_k6_plus_dsc", |b| {
        b.iter(|| {
            let fit = fit_sgmoe::<1, 8>(&xs, &ys, 6, &opts).expect("fit");
            let (atoms, k) =
                SgmoeAtom::from_model(&fit.model, &xs, Weighting::GateIntercept).expect("atoms");
            let mut d = Dendrogram::<SgmoeAtom<1>, 8>::build(&atoms[..k]).expect("dendrogram");
            d.evaluate(&mut SgmoeLevelLikelihood::new(&xs, &ys).expect("data"))
                .expect("levels");
            d.criteria(&DscOptions::paper()).map(|c| c.dsc_choice())
        })
    });
    g.bench_function("sweep_k1_to_6_bic", |b| {
        b.iter(|| {
            let mut best = (0usize, f64::INFINITY);
            for k in 1..=6 {
                let fit = fit_sgmoe::<1, 8>(&xs, &ys, k, &opts).expect("fit");
                let p = simstat::select::sgmoe::n_params(k, 1) as f64;
                let bic = -2.0 * fit.log_likelihood + p * (xs.len() as f64).ln();
                if bic < best.1 {
                    best = (k, bic);
                }
            }
            best.0
        })
    });
    g.finish();
}

/// Gamma (N = 5,000, three clusters): `select_order` on a K0 = 8 over-fit, the over-fit +
/// `select_order` together, and the K = 1..6 BIC sweep it replaces.
fn bench_gamma_pipeline(c: &mut Criterion) {
    use simstat::fit::{fit_mixture, fit_mixture_with, FitOptions, MixtureOptions};
    use simstat::select::select_order;
    let mut rng = SplitMix64(3);
    let truth = [(10.0, 50.0, -0.1), (30.0, 100.0, 0.2), (8.0, 40.0, -0.6)];
    let data: Vec<f64> = (0..5_000)
        .map(|i| loop {
            let (a, l, s): (f64, f64, f64) = truth[i % 3];
            // Wilson–Hilferty normal approximation of a gamma draw is enough for a bench
            let z = rng.normal();
            let g = a * (1.0 - 1.0 / (9.0 * a) + z / (9.0 * a).sqrt()).powi(3);
            let x = s + g / l;
            if (-1.0..=1.0).contains(&x) {
                break x;
            }
        })
        .collect();
    let opts = FitOptions::default();
    let over = fit_mixture_with(&data, 8, &opts, &MixtureOptions::overfit()).expect("fit");
    let mut g = c.benchmark_group("gamma_pipeline_n5000");
    g.sample_size(10);
    g.bench_function("select_order_k0_8", |b| {
        b.iter(|| {
            select_order(black_box(&over), &data, &DscOptions::default()).map(|s| s.dsc_choice())
        })
    });
    g.bench_function("overfit_k0_8_plus_select_order", |b| {
        b.iter(|| {
            let fit = fit_mixture_with(&data, 8, &opts, &MixtureOptions::overfit()).expect("fit");
            select_order(&fit, &data, &DscOptions::default()).map(|s| s.dsc_choice())
        })
    });
    g.bench_function("sweep_k1_to_6_bic", |b| {
        b.iter(|| {
            let mut best = (0usize, f64::INFINITY);
            for k in 1..=6 {
                if let Ok(f) = fit_mixture(&data, k, &opts) {
                    if f.bic() < best.1 {
                        best = (k, f.bic());
                    }
                }
            }
            best.0
        })
    });
    g.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .measurement_time(Duration::from_secs(3))
        .warm_up_time(Duration::from_secs(1))
        .sample_size(30)
}

criterion_group! {
    name = benches;
    config = config();
    targets = bench_gamma, bench_sgmoe, bench_gamma_pipeline
}
criterion_main!(benches);
