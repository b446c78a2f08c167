//! Gamma-mixture order-selection study: one over-fitted K0 = 8 fit + dendrogram + DSC vs a
//! K = 1..8 sweep with AIC/BIC (and AIC/BIC/ICL over the dendrogram's levels), clean and with
//! ε-contamination (uniform noise on [−1, 1]).
//!
//! Truth (weights equal, data truncated to [−1, 1]):
//!   K = 1: (α, λ, c) = (10, 50, −0.1);  K = 2: + (30, 100, 0.2);  K = 3: + (8, 40, −0.6).
//!
//! Uses `simstat::fit::fit_mixture` (branch `mixture`, merged).
//! Run: `cargo run --release --example select_study -- [seeds] [threads] [N list]`
//! `[eps list] [sweep seeds]` (defaults 20 seeds, 2 threads, N = 2000,20000, ε = 0,0.05; the
//! K = 1..8 sweep runs on the first `sweep seeds` seeds of each cell, default all).
//!
//! Columns: DSC with the default atoms (cumulant chart, moment merge) over κ = 2..K0 (the
//! paper's range); the same with h(1) = 1 (`KappaOne::Height(1.0)`, an extension that lets
//! DSC return 1); DSC with the previous atoms (skewness chart, sufficient-statistic merge) on
//! the same fits (before/after); AIC/BIC/ICL on the levels; AIC/BIC over the sweep.
mod study {
    use simstat::fit::{fit_mixture, FitOptions};
    use simstat::select::{
        Dendrogram, DscOptions, GammaAtom, GammaChart, GammaLevelLikelihood, GammaMerge, KappaOne,
    };
    use std::time::Instant;

    const K0: usize = 8;

    struct Rng(u64);
    impl Rng {
        fn u64(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        }
        fn f64(&mut self) -> f64 {
            (self.u64() >> 11) as f64 / (1u64 << 53) as f64
        }
        fn normal(&mut self) -> f64 {
            let u1 = 1.0 - self.f64();
            let u2 = self.f64();
            (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
        }
        fn gamma(&mut self, shape: f64) -> f64 {
            let d = shape - 1.0 / 3.0;
            let c = 1.0 / (9.0 * d).sqrt();
            loop {
                let x = self.normal();
                let v = 1.0 + c * x;
                if v <= 0.0 {
                    continue;
                }
                let v = v * v * v;
                let u = self.f64();
                if u.ln() < 0.5 * x * x + d * (1.0 - v + v.ln()) {
                    return d * v;
                }
            }
        }
    }

    const TRUTH: [(f64, f64, f64); 3] = [(10.0, 50.0, -0.1), (30.0, 100.0, 0.2), (8.0, 40.0, -0.6)];

    fn sample(k: usize, n: usize, eps: f64, seed: u64) -> Vec<f64> {
        let mut rng = Rng(seed);
        (0..n)
            .map(|_| {
                if rng.f64() < eps {
                    return -1.0 + 2.0 * rng.f64();
                }
                loop {
                    let (a, l, c) = TRUTH[(rng.f64() * k as f64) as usize % k];
                    let x = c + rng.gamma(a) / l;
                    if (-1.0..=1.0).contains(&x) {
                        return x;
                    }
                }
            })
            .collect()
    }

    #[derive(Default, Clone, Copy)]
    pub struct Run {
        pub dsc: usize,
        pub dsc1: usize,
        pub dsc_old: usize,
        pub swept: bool,
        pub aic_lv: usize,
        pub bic_lv: usize,
        pub icl_lv: usize,
        pub aic_sw: usize,
        pub bic_sw: usize,
        pub t_pipe: f64,
        pub t_sweep: f64,
    }

    pub fn one_run(k: usize, n: usize, eps: f64, seed: u64, sweep: bool) -> Option<Run> {
        let data = sample(k, n, eps, seed);
        let opts = FitOptions::default();
        let t0 = Instant::now();
        let fit = fit_mixture(&data, K0, &opts).ok()?;
        let atoms: Vec<GammaAtom> = fit
            .components()
            .iter()
            .zip(fit.weights())
            .map(|(c, &w)| GammaAtom::new(w, c.shape(), c.rate(), c.shift()))
            .filter(|a| a.weight > 0.0)
            .collect();
        let lik = GammaLevelLikelihood::new(&data, -1.0, 1.0).ok()?;
        let dendro = |atoms: &[GammaAtom]| -> Option<Dendrogram<GammaAtom, 16>> {
            let mut atoms = atoms.to_vec();
            GammaAtom::standardise(&mut atoms).ok()?;
            let mut d = Dendrogram::<GammaAtom, 16>::build(&atoms).ok()?;
            d.evaluate(&mut lik.clone()).ok()?;
            Some(d)
        };
        let d = dendro(&atoms)?;
        let c = d.criteria(&DscOptions::default()).ok()?;
        let c1 = d
            .criteria(&DscOptions {
                kappa_one: KappaOne::Height(1.0),
                ..DscOptions::default()
            })
            .ok()?;
        let old: Vec<GammaAtom> = atoms
            .iter()
            .map(|a| a.with_rules(GammaChart::Skewness, GammaMerge::SufficientStatistic))
            .collect();
        let c_old = dendro(&old)?.criteria(&DscOptions::default()).ok()?;
        let mut r = Run {
            dsc: c.dsc_choice(),
            dsc1: c1.dsc_choice(),
            dsc_old: c_old.dsc_choice(),
            aic_lv: c.aic_choice(),
            bic_lv: c.bic_choice(),
            icl_lv: c.icl_choice(),
            t_pipe: t0.elapsed().as_secs_f64(),
            ..Run::default()
        };
        if sweep {
            let t1 = Instant::now();
            let (mut ba, mut bb) = ((0, f64::INFINITY), (0, f64::INFINITY));
            for kk in 1..=K0 {
                let Ok(f) = fit_mixture(&data, kk, &opts) else {
                    continue;
                };
                if f.aic() < ba.1 {
                    ba = (kk, f.aic());
                }
                if f.bic() < bb.1 {
                    bb = (kk, f.bic());
                }
            }
            r.t_sweep = t1.elapsed().as_secs_f64();
            r.aic_sw = ba.0;
            r.bic_sw = bb.0;
            r.swept = true;
        }
        Some(r)
    }

    fn wilson(k: usize, n: usize) -> (f64, f64) {
        if n == 0 {
            return (0.0, 1.0);
        }
        let (p, nf, z) = (k as f64 / n as f64, n as f64, 1.959_963_985);
        let den = 1.0 + z * z / nf;
        let c = (p + z * z / (2.0 * nf)) / den;
        let h = z * (p * (1.0 - p) / nf + z * z / (4.0 * nf * nf)).sqrt() / den;
        ((c - h).max(0.0), (c + h).min(1.0))
    }

    fn cell(k: usize, n: usize) -> String {
        let (lo, hi) = wilson(k, n);
        format!("{:.2} [{:.2}, {:.2}]", k as f64 / n.max(1) as f64, lo, hi)
    }

    pub fn run() {
        let args: Vec<String> = std::env::args().collect();
        let seeds: u64 = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(20);
        let threads: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(2);
        let ns: Vec<usize> = args
            .get(3)
            .map(|s| s.split(',').filter_map(|t| t.parse().ok()).collect())
            .unwrap_or_else(|| vec![2000, 20000]);
        let epss: Vec<f64> = args
            .get(4)
            .map(|s| s.split(',').filter_map(|t| t.parse().ok()).collect())
            .unwrap_or_else(|| vec![0.0, 0.05]);
        let sweep_seeds: u64 = args.get(5).and_then(|s| s.parse().ok()).unwrap_or(seeds);
        println!("Gamma-mixture study: over-fit K0 = {K0}, {seeds} seeds per cell; P(K̂ = K) with Wilson 95 % intervals\n");
        println!("| true K | N | ε | DSC | DSC, h(1) = 1 | DSC, previous atoms | AIC levels | BIC levels | ICL levels | AIC sweep | BIC sweep | DSC = K+1 | BIC sweep = K+1 | time pipeline / sweep |");
        println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        for &eps in &epss {
            for &n in &ns {
                for k in 1..=3 {
                    let ids: Vec<u64> = (0..seeds).collect();
                    let res: Vec<Run> = std::thread::scope(|sc| {
                        let hs: Vec<_> = (0..threads)
                            .map(|t| {
                                let mine: Vec<u64> =
                                    ids.iter().copied().skip(t).step_by(threads).collect();
                                sc.spawn(move || {
                                    mine.into_iter()
                                        .filter_map(|s| {
                                            one_run(
                                                k,
                                                n,
                                                eps,
                                                7919 * s + 13 * k as u64 + n as u64,
                                                s < sweep_seeds,
                                            )
                                        })
                                        .collect::<Vec<_>>()
                                })
                            })
                            .collect();
                        hs.into_iter()
                            .flat_map(|h| h.join().unwrap_or_default())
                            .collect()
                    });
                    let m = res.len();
                    let sw: Vec<Run> = res.iter().copied().filter(|r| r.swept).collect();
                    let msw = sw.len();
                    let cnt = |f: &dyn Fn(&Run) -> usize| res.iter().filter(|r| f(r) == k).count();
                    let cnt1 =
                        |f: &dyn Fn(&Run) -> usize| res.iter().filter(|r| f(r) == k + 1).count();
                    let scnt = |f: &dyn Fn(&Run) -> usize| sw.iter().filter(|r| f(r) == k).count();
                    let scnt1 =
                        |f: &dyn Fn(&Run) -> usize| sw.iter().filter(|r| f(r) == k + 1).count();
                    let tp = res.iter().map(|r| r.t_pipe).sum::<f64>();
                    let ts = sw.iter().map(|r| r.t_sweep).sum::<f64>();
                    println!(
                        "| {k} | {n} | {eps} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {:.1} ms / {:.1} ms |",
                        cell(cnt(&|r| r.dsc), m),
                        cell(cnt(&|r| r.dsc1), m),
                        cell(cnt(&|r| r.dsc_old), m),
                        cell(cnt(&|r| r.aic_lv), m),
                        cell(cnt(&|r| r.bic_lv), m),
                        cell(cnt(&|r| r.icl_lv), m),
                        cell(scnt(&|r| r.aic_sw), msw),
                        cell(scnt(&|r| r.bic_sw), msw),
                        cell(cnt1(&|r| r.dsc), m),
                        cell(scnt1(&|r| r.bic_sw), msw),
                        1e3 * tp / m.max(1) as f64,
                        1e3 * ts / msw.max(1) as f64,
                    );
                }
            }
        }
    }
}

fn main() {
    study::run();
}
