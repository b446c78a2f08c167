//! The order-selection study in small (test-sized) form: `select_order` on an over-fitted
//! K0 = 8 fit, the way a user calls it, against a K = 1..4 BIC sweep. The full grid (unequal
//! weights, separations 2–6 sd, N = 500..20,000, 1 % contamination, K = 1..4, 20 seeds per
//! cell, Wilson intervals) is `examples/select_study.rs`; its table is in src/select/README.md.
mod common;

mod study {
    use super::common::sample_weighted;
    use simstat::fit::{fit_mixture, fit_mixture_with, FitOptions, MixtureOptions};
    use simstat::select::{select_order, DscOptions, KappaOne};

    /// Widely separated gammas (adjacent means 6.8–7.5 sd apart).
    const TRUTH: [(f64, f64, f64); 3] = [(10.0, 50.0, -0.1), (30.0, 100.0, 0.2), (8.0, 40.0, -0.6)];

    fn sample(weights: &[f64], n: usize, seed: u64) -> Vec<f64> {
        sample_weighted(&TRUTH, weights, n, seed)
    }

    /// Equal and unequal weights (K = 2: 0.85/0.15, K = 3: 0.6/0.3/0.1 with the small
    /// component at either end), N = 2000, 3 seeds each: DSC (κ ≥ 2, the defaults) right in
    /// every unequal-weight run and at least as often as the BIC sweep overall; with h(1) = 1
    /// also right for K = 1. About 20 s in the test profile.
    #[test]
    fn select_order_matches_the_bic_sweep() {
        let opts = FitOptions::default();
        let h1 = DscOptions {
            kappa_one: KappaOne::Height(1.0),
            ..DscOptions::default()
        };
        let settings: [&[f64]; 5] = [
            &[1.0],
            &[0.5, 0.5],
            &[0.85, 0.15],
            &[0.6, 0.3, 0.1],
            &[0.1, 0.3, 0.6],
        ];
        let (mut dsc_ok, mut bic_ok, mut runs) = (0, 0, 0);
        for (si, w) in settings.iter().enumerate() {
            let k = w.len();
            for seed in 0..3 {
                let data = sample(w, 2000, 97 * seed + 13 * si as u64);
                let over = fit_mixture_with(&data, 8, &opts, &MixtureOptions::overfit()).unwrap();
                let sel = select_order(&over, &data, &DscOptions::default()).unwrap();
                let with_h1 = sel.dendrogram().criteria(&h1).unwrap().dsc_choice();
                assert_eq!(with_h1, k, "h(1) = 1, weights {w:?}, seed {seed}:\n{sel}");
                if k == 1 {
                    assert!(sel.dsc_choice() >= 2, "the paper's range starts at 2");
                    continue;
                }
                runs += 1;
                dsc_ok += usize::from(sel.dsc_choice() == k);
                let bic = (1..=4)
                    .filter_map(|kk| fit_mixture(&data, kk, &opts).ok().map(|f| (kk, f.bic())))
                    .min_by(|a, b| a.1.total_cmp(&b.1))
                    .map(|b| b.0);
                bic_ok += usize::from(bic == Some(k));
            }
        }
        println!("DSC {dsc_ok}/{runs}, BIC sweep {bic_ok}/{runs}");
        assert_eq!(dsc_ok, runs, "DSC {dsc_ok}/{runs}");
        assert!(dsc_ok >= bic_ok);
    }
}
