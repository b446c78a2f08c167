//! Gamma-mixture order-selection study: `select_order` on one over-fitted K0 = 8 fit beside a
//! K = 1..6 BIC sweep, over unequal weights, separations, sample sizes and contamination.
//!
//! Run: `cargo run --release --example select_study -- [grid] [seeds] [threads]`
//! grid = `main` (N = 2000, clean, K = 1..4, equal and unequal weights, separations 2, 3, 4, 6
//! sd), `contaminated` (N = 2000, 1 % uniform noise on [−1, 1], separations 4 and 6), `sizes`
//! (N = 500 and 20,000, clean, separations 4 and 6), `quick` (three cells), or `all`;
//! defaults `all`, 20 seeds (10 at N = 20,000), 2 threads.
//!
//! Truth: K shifted gammas truncated to [−1, 1]; component k has sd σ_k = 0.05·(1, 0.8, 1.2,
//! 0.9)_k and shape α_k = (9, 25, 16, 36)_k (skewness 2/√α = 0.67, 0.4, 0.5, 0.33); adjacent
//! means are `sep`·(σ_k + σ_{k+1})/2 apart, centred on 0.1. Weights: equal, or unequal
//! (K = 2: 0.85/0.15; K = 3: 0.6/0.3/0.1; K = 4: 0.4/0.3/0.2/0.1).
//!
//! Columns (P(K̂ = K), Wilson 95 % interval): DSC from `select_order` with the defaults (leaf
//! rule, levels polished from the merged atoms and from their neighbouring levels, ln h with
//! ω = √(N ln N)); the same with h(1) = 1 (`KappaOne::Height(1.0)`, which lets DSC return 1);
//! ln h with ω = √N; the defaults with levels polished from the merged atoms only
//! (`LevelRefit::Mle`); the paper's linear heights with
//! ω = ln N on the same polished levels; the same on merged levels not refitted; the paper's
//! pipeline (`DscOptions::paper()`: every component a leaf, merged levels not refitted, linear
//! heights, ω = ln N: the previous default); BIC and ICL
//! over the levels; the BIC sweep (`fit_mixture` for K = 1..6, argmin BIC); the share of
//! over-fits that report converged; mean times of over-fit + `select_order` and of the sweep.
#[path = "../tests/common/mod.rs"]
mod common;

mod study {
    use super::common::{Sample, SplitMix64};
    use simstat::fit::{fit_mixture, fit_mixture_with, FitOptions, MixtureOptions};
    use simstat::select::{select_order, DscOptions, HeightScale, KappaOne, LevelRefit, Omega};
    use std::time::Instant;

    const K0: usize = 8;
    const SWEEP_MAX: usize = 6;

    /// One setting of the grid.
    #[derive(Clone, Copy)]
    pub struct Cell {
        pub k: usize,
        pub unequal: bool,
        pub sep: f64,
        pub n: usize,
        pub eps: f64,
        pub seeds: u64,
    }

    const SD: [f64; 4] = [1.0, 0.8, 1.2, 0.9];
    const SHAPE: [f64; 4] = [9.0, 25.0, 16.0, 36.0];

    fn weights(k: usize, unequal: bool) -> Vec<f64> {
        match (k, unequal) {
            (2, true) => vec![0.85, 0.15],
            (3, true) => vec![0.6, 0.3, 0.1],
            (4, true) => vec![0.4, 0.3, 0.2, 0.1],
            _ => vec![1.0 / k as f64; k],
        }
    }

    /// (shape, rate, shift) of the K components.
    fn components(k: usize, sep: f64) -> Vec<(f64, f64, f64)> {
        let sd: Vec<f64> = SD.iter().take(k).map(|s| 0.05 * s).collect();
        let mut means = vec![0.0];
        for i in 1..k {
            means.push(means[i - 1] + sep * 0.5 * (sd[i - 1] + sd[i]));
        }
        let mid = 0.5 * (means[0] + means[k - 1]);
        (0..k)
            .map(|i| {
                let a = SHAPE[i];
                let rate = a.sqrt() / sd[i];
                (a, rate, means[i] - mid + 0.1 - a / rate)
            })
            .collect()
    }

    fn sample(c: &Cell, seed: u64) -> Vec<f64> {
        let mut rng = SplitMix64(seed);
        let w = weights(c.k, c.unequal);
        let comps = components(c.k, c.sep);
        (0..c.n)
            .map(|_| {
                if rng.next_f64() < c.eps {
                    return -1.0 + 2.0 * rng.next_f64();
                }
                let u = rng.next_f64();
                let mut acc = 0.0;
                let mut j = c.k - 1;
                for (i, wi) in w.iter().enumerate() {
                    acc += wi;
                    if u < acc {
                        j = i;
                        break;
                    }
                }
                let (a, l, s) = comps[j];
                loop {
                    let x = s + rng.gamma(a) / l;
                    if (-1.0..=1.0).contains(&x) {
                        return x;
                    }
                }
            })
            .collect()
    }

    #[derive(Default, Clone, Copy)]
    pub struct Run {
        dsc: usize,
        dsc_h1: usize,
        dsc_paper: usize,
        dsc_sqrt: usize,
        dsc_snl: usize,
        dsc_linear: usize,
        dsc_plain: usize,
        bic_lv: usize,
        icl_lv: usize,
        bic_sw: usize,
        converged: bool,
        t_select: f64,
        t_sweep: f64,
    }

    fn one_run(c: &Cell, seed: u64) -> Option<Run> {
        let data = sample(c, seed);
        let opts = FitOptions::default();
        let t0 = Instant::now();
        let over = fit_mixture_with(&data, K0, &opts, &MixtureOptions::overfit())
            .map_err(|e| eprintln!("seed {seed}: over-fit: {e}"))
            .ok()?;
        let sel = select_order(&over, &data, &DscOptions::default())
            .map_err(|e| eprintln!("seed {seed}: select_order: {e}"))
            .ok()?;
        let t_select = t0.elapsed().as_secs_f64();
        let h1 = DscOptions {
            kappa_one: KappaOne::Height(1.0),
            ..DscOptions::default()
        };
        let dsc_h1 = sel.dendrogram().criteria(&h1).ok()?.dsc_choice();
        let alt = |omega: Omega| -> Option<usize> {
            let o = DscOptions {
                omega,
                height_scale: HeightScale::Log,
                ..DscOptions::default()
            };
            Some(sel.dendrogram().criteria(&o).ok()?.dsc_choice())
        };
        let dsc_sqrt = alt(Omega::SqrtN)?;
        let nested_opts = DscOptions {
            refit: LevelRefit::Mle { max_passes: 30 },
            ..DscOptions::default()
        };
        let dsc_snl = select_order(&over, &data, &nested_opts).ok()?.dsc_choice();
        let linear = DscOptions {
            height_scale: HeightScale::Linear,
            omega: Omega::LogN,
            ..DscOptions::default()
        };
        let dsc_linear = sel.dendrogram().criteria(&linear).ok()?.dsc_choice();
        let plain_opts = DscOptions {
            refit: LevelRefit::None,
            ..linear
        };
        let dsc_plain = select_order(&over, &data, &plain_opts).ok()?.dsc_choice();
        let psel = select_order(&over, &data, &DscOptions::paper()).ok()?;
        let dsc_paper = psel.dsc_choice();
        if std::env::var("STUDY_VERBOSE").is_ok() && sel.dsc_choice() != c.k {
            println!(
                "miss K = {} seed {seed}: over-fit {:?}\n{sel}\npaper:\n{psel}",
                c.k,
                over.stop_reason()
            );
        }
        let t1 = Instant::now();
        let mut best = (0, f64::INFINITY);
        for k in 1..=SWEEP_MAX {
            if let Ok(f) = fit_mixture(&data, k, &opts) {
                if f.bic() < best.1 {
                    best = (k, f.bic());
                }
            }
        }
        Some(Run {
            dsc: sel.dsc_choice(),
            dsc_h1,
            dsc_paper,
            dsc_sqrt,
            dsc_snl,
            dsc_linear,
            dsc_plain,
            bic_lv: sel.bic_choice(),
            icl_lv: sel.icl_choice(),
            bic_sw: best.0,
            converged: over.converged(),
            t_select,
            t_sweep: t1.elapsed().as_secs_f64(),
        })
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

    fn rate(k: usize, n: usize) -> String {
        let (lo, hi) = wilson(k, n);
        format!("{:.2} [{:.2}, {:.2}]", k as f64 / n.max(1) as f64, lo, hi)
    }

    fn share(k: usize, n: usize) -> String {
        format!("{:.2}", k as f64 / n.max(1) as f64)
    }

    fn run_cell(c: &Cell, threads: usize) -> Vec<Run> {
        let ids: Vec<u64> = (0..c.seeds).collect();
        std::thread::scope(|sc| {
            let hs: Vec<_> = (0..threads)
                .map(|t| {
                    let mine: Vec<u64> = ids.iter().copied().skip(t).step_by(threads).collect();
                    sc.spawn(move || {
                        mine.into_iter()
                            .filter_map(|s| {
                                let seed = 7919 * s
                                    + 131 * c.k as u64
                                    + c.n as u64
                                    + (c.sep * 10.0) as u64 * 17
                                    + u64::from(c.unequal) * 1_000_003
                                    + (c.eps * 1e4) as u64 * 31;
                                one_run(c, seed)
                            })
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            hs.into_iter()
                .flat_map(|h| h.join().unwrap_or_default())
                .collect()
        })
    }

    fn grid(name: &str, seeds: u64) -> Vec<Cell> {
        let mut cells = Vec::new();
        let big = (seeds / 2).max(1);
        let mut add = |n: usize, eps: f64, seps: &[f64], s: u64| {
            cells.push(Cell {
                k: 1,
                unequal: false,
                sep: 0.0,
                n,
                eps,
                seeds: s,
            });
            for k in 2..=4 {
                for unequal in [false, true] {
                    for &sep in seps {
                        cells.push(Cell {
                            k,
                            unequal,
                            sep,
                            n,
                            eps,
                            seeds: s,
                        });
                    }
                }
            }
        };
        match name {
            "main" => add(2000, 0.0, &[2.0, 3.0, 4.0, 6.0], seeds),
            "contaminated" => add(2000, 0.01, &[4.0, 6.0], seeds),
            "sizes" => {
                add(500, 0.0, &[4.0, 6.0], seeds);
                add(20000, 0.0, &[4.0, 6.0], big);
            }
            "probe" => {
                // one cell from STUDY_PROBE="k,unequal(0/1),sep,n,eps"
                let v: Vec<f64> = std::env::var("STUDY_PROBE")
                    .unwrap_or_else(|_| "2,1,6,2000,0.01".into())
                    .split(',')
                    .filter_map(|t| t.parse().ok())
                    .collect();
                if let [k, u, sep, n, eps] = v[..] {
                    cells.push(Cell {
                        k: k as usize,
                        unequal: u != 0.0,
                        sep,
                        n: n as usize,
                        eps,
                        seeds,
                    });
                }
            }
            "quick" => {
                for (k, unequal, sep) in [
                    (1, false, 0.0),
                    (3, true, 4.0),
                    (4, true, 4.0),
                    (2, true, 3.0),
                    (3, false, 3.0),
                ] {
                    cells.push(Cell {
                        k,
                        unequal,
                        sep,
                        n: 2000,
                        eps: 0.0,
                        seeds,
                    });
                }
            }
            _ => {
                add(2000, 0.0, &[2.0, 3.0, 4.0, 6.0], seeds);
                add(2000, 0.01, &[4.0, 6.0], seeds);
                add(500, 0.0, &[4.0, 6.0], seeds);
                add(20000, 0.0, &[4.0, 6.0], big);
            }
        }
        cells
    }

    pub fn run() {
        let args: Vec<String> = std::env::args().collect();
        let name = args.get(1).map_or("all", String::as_str);
        let seeds: u64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(20);
        let threads: usize = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(2);
        println!(
            "Order-selection study ({name}): over-fit K0 = {K0}, sweep K = 1..{SWEEP_MAX}; P(K̂ = K) with Wilson 95 % intervals\n"
        );
        println!("| K | weights | sep (sd) | N | ε | runs | DSC | h(1) = 1 | ln h, √N | merges only | linear h | linear, not refitted | paper | BIC levels | ICL levels | BIC sweep | over-fit converged | time over-fit + select / sweep |");
        println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        for c in grid(name, seeds) {
            let res = run_cell(&c, threads);
            let m = res.len();
            let hit = |f: &dyn Fn(&Run) -> usize| res.iter().filter(|r| f(r) == c.k).count();
            let conv = res.iter().filter(|r| r.converged).count();
            let ts = res.iter().map(|r| r.t_select).sum::<f64>() / m.max(1) as f64;
            let tw = res.iter().map(|r| r.t_sweep).sum::<f64>() / m.max(1) as f64;
            let w = if c.k == 1 {
                "1".to_string()
            } else {
                weights(c.k, c.unequal)
                    .iter()
                    .map(|x| format!("{x:.2}"))
                    .collect::<Vec<_>>()
                    .join("/")
            };
            let sep = if c.k == 1 {
                "–".to_string()
            } else {
                format!("{}", c.sep)
            };
            println!(
                "| {} | {w} | {sep} | {} | {} | {m} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {:.2} s / {:.2} s |",
                c.k,
                c.n,
                c.eps,
                rate(hit(&|r| r.dsc), m),
                rate(hit(&|r| r.dsc_h1), m),
                rate(hit(&|r| r.dsc_sqrt), m),
                rate(hit(&|r| r.dsc_snl), m),
                rate(hit(&|r| r.dsc_linear), m),
                rate(hit(&|r| r.dsc_plain), m),
                rate(hit(&|r| r.dsc_paper), m),
                share(hit(&|r| r.bic_lv), m),
                share(hit(&|r| r.icl_lv), m),
                rate(hit(&|r| r.bic_sw), m),
                share(conv, m),
                ts,
                tw
            );
        }
    }
}

fn main() {
    study::run();
}
