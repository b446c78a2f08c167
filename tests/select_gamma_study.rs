//! Gamma-mixture study in small (debug-friendly) form: an over-fitted K0 = 8 `fit_mixture`,
//! dendrogram, DSC, against a BIC sweep (`simstat::fit::fit_mixture`, merged from branch
//! `mixture`). The full study is `examples/select_study.rs`.
mod select_common;

mod study {
    use super::select_common::{sample_gamma, Rng};
    use simstat::fit::{fit_mixture, FitOptions};
    use simstat::select::{Dendrogram, DscOptions, GammaAtom, GammaLevelLikelihood, KappaOne};

    const TRUTH: [(f64, f64, f64); 3] = [(10.0, 50.0, -0.1), (30.0, 100.0, 0.2), (8.0, 40.0, -0.6)];

    fn sample(k: usize, n: usize, seed: u64) -> Vec<f64> {
        let mut rng = Rng(seed);
        (0..n)
            .map(|i| loop {
                let (a, l, c) = TRUTH[i % k];
                let x = c + sample_gamma(&mut rng, a) / l;
                if (-1.0..=1.0).contains(&x) {
                    break x;
                }
            })
            .collect()
    }

    /// K = 1, 2 and 3 well-separated gammas, N = 2000, 4 seeds each: an over-fitted K0 = 8
    /// `fit_mixture`, the dendrogram (default atoms: cumulant chart, moment merge), DSC over
    /// κ = 2..8 (the paper's range) and with h(1) = 1 (the extension that can return 1), against
    /// a K = 1..8 BIC sweep. The release study (20 seeds, `fit_mixture`'s default 4 starts)
    /// measured the paper's DSC — / 1.00 / 1.00 at N = 2000 and 20,000, with h(1) = 1: 1.00 /
    /// 1.00 / 1.00 for K = 1 / 2 / 3; BIC sweep 1.00 / 0.95 / 0.85 at N = 2000. Bounds held (the
    /// issue's): for K = 2, 3 the paper's DSC is right at least as often as the BIC sweep and in
    /// ≥ 7 of 8 runs; with h(1) = 1 DSC is right in ≥ 11 of 12 runs over K = 1, 2, 3.
    /// About 30 s in the test profile (opt-level 1), 25 s in release.
    #[test]
    fn dsc_matches_bic_sweep_on_separated_gammas() {
        let opts = FitOptions::default();
        let (mut dsc_ok, mut dsc1_ok, mut bic_ok) = (0, 0, 0);
        for k in 1..=3 {
            for seed in 0..4 {
                let data = sample(k, 2000, 31 * seed + k as u64);
                let fit = fit_mixture(&data, 8, &opts).unwrap();
                let mut atoms: Vec<GammaAtom> = fit
                    .components()
                    .iter()
                    .zip(fit.weights())
                    .filter(|(_, &w)| w > 0.0)
                    .map(|(c, &w)| GammaAtom::new(w, c.shape(), c.rate(), c.shift()))
                    .collect();
                GammaAtom::standardise(&mut atoms).unwrap();
                let mut d = Dendrogram::<GammaAtom, 16>::build(&atoms).unwrap();
                d.evaluate(&mut GammaLevelLikelihood::new(&data, -1.0, 1.0).unwrap())
                    .unwrap();
                let c = d.criteria(&DscOptions::default()).unwrap();
                let c1 = d
                    .criteria(&DscOptions {
                        kappa_one: KappaOne::Height(1.0),
                        ..DscOptions::default()
                    })
                    .unwrap();
                dsc1_ok += usize::from(c1.dsc_choice() == k);
                if k == 1 {
                    // the paper's range starts at 2
                    assert!(c.dsc_choice() >= 2);
                    continue;
                }
                dsc_ok += usize::from(c.dsc_choice() == k);
                let bic = (1..=8)
                    .filter_map(|kk| fit_mixture(&data, kk, &opts).ok().map(|f| (kk, f.bic())))
                    .min_by(|a, b| a.1.total_cmp(&b.1))
                    .map(|b| b.0);
                bic_ok += usize::from(bic == Some(k));
            }
        }
        println!("DSC {dsc_ok}/8, DSC with h(1) = 1 {dsc1_ok}/12, BIC sweep {bic_ok}/8");
        assert!(dsc_ok >= bic_ok, "DSC {dsc_ok}/8 vs BIC sweep {bic_ok}/8");
        assert!(dsc_ok >= 7, "DSC {dsc_ok}/8");
        assert!(dsc1_ok >= 11, "DSC with h(1) = 1: {dsc1_ok}/12");
    }
}
