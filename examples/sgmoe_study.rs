//! SGMoE order-selection study: DSC vs AIC/BIC/ICL per N, clean and contaminated, and the
//! Voronoi loss of the estimate before and after merging against N.
//!
//! Truth (d = 1, K0 = 3 experts, x ~ U(−1, 1)):
//!   gates (w0, w1) = (0, −8), (2, 0), (0, 8); experts (b, A, σ²) = (−1, 2, 0.09), (1, 0, 0.09),
//!   (0.5, −2, 0.09). Over-fit K = 6; the sweep fits K = 1..6. Contamination: with probability ε,
//!   y gets an extra Laplace(0, 2) error.
//!
//! Run: `cargo run --release --example sgmoe_study -- [reps] [threads] [N list] [eps list]`
//! (comma-separated lists; defaults 20 reps, 2 threads, N = 300,1000,3000,10000, ε = 0,0.01).
use nalgebra::SVector;
use simstat::select::sgmoe::{
    fit_sgmoe, voronoi_loss, EmOptions, Expert, Sgmoe, SgmoeAtom, SgmoeLevelLikelihood, SplitMix64,
    Weighting,
};
use simstat::select::{Dendrogram, DscOptions, LevelLikelihood};
use std::time::Instant;

const K0: usize = 3;

/// (N, exact-fit, over-fit, merged e^w0, merged avg gate) mean Voronoi losses.
type LossRow = (usize, f64, f64, f64, f64);
const KOVER: usize = 6;

fn v1(x: f64) -> SVector<f64, 1> {
    SVector::from([x])
}

fn truth() -> Sgmoe<1, 8> {
    let e = [
        Expert {
            w0: 0.0,
            w1: v1(-8.0),
            b: -1.0,
            a: v1(2.0),
            sigma2: 0.09,
        },
        Expert {
            w0: 2.0,
            w1: v1(0.0),
            b: 1.0,
            a: v1(0.0),
            sigma2: 0.09,
        },
        Expert {
            w0: 0.0,
            w1: v1(8.0),
            b: 0.5,
            a: v1(-2.0),
            sigma2: 0.09,
        },
    ];
    Sgmoe::new(&e).expect("valid truth")
}

fn sample(n: usize, eps: f64, seed: u64) -> (Vec<SVector<f64, 1>>, Vec<f64>) {
    let m = truth();
    let mut rng = SplitMix64(seed);
    let xs: Vec<_> = (0..n).map(|_| v1(2.0 * rng.next_f64() - 1.0)).collect();
    let ys = xs
        .iter()
        .map(|x| {
            let y = m.sample_y(x, rng.next_f64(), rng.normal());
            if rng.next_f64() < eps {
                let u = rng.next_f64() - 0.5;
                y - 2.0 * u.signum() * (1.0 - 2.0 * u.abs()).max(1e-300).ln()
            } else {
                y
            }
        })
        .collect();
    (xs, ys)
}

#[derive(Default, Clone, Copy)]
struct Run {
    dsc_gi: usize,
    dsc_gi_leaf: usize,
    dsc_pi: usize,
    aic_lv: usize,
    bic_lv: usize,
    icl_lv: usize,
    aic_sw: usize,
    bic_sw: usize,
    icl_sw: usize,
    loss_exact: f64,
    loss_over: f64,
    loss_merged_gi: f64,
    loss_merged_pi: f64,
    t_over_dsc: f64,
    t_sweep: f64,
}

fn one_run(n: usize, eps: f64, seed: u64) -> Option<Run> {
    let (xs, ys) = sample(n, eps, seed);
    let opts = EmOptions {
        n_init: 2,
        tol: 1e-7,
        max_iter: 150,
        seed,
        ..EmOptions::default()
    };
    let (truth_atoms, _) = SgmoeAtom::from_model(&truth(), &xs, Weighting::AverageGate).ok()?;
    let t0 = Instant::now();
    let over = fit_sgmoe::<1, 8>(&xs, &ys, KOVER, &opts).ok()?;
    let mut lik = SgmoeLevelLikelihood::new(&xs, &ys).ok()?;
    let mut r = Run::default();
    {
        // the leaf rule: experts carrying < 10 observations (and duplicates) absorbed first
        let (mut atoms, k) =
            SgmoeAtom::from_model(&over.model, &xs, Weighting::GateIntercept).ok()?;
        let k = SgmoeAtom::absorb_negligible(&mut atoms, k, n, 10.0).ok()?;
        let mut d = Dendrogram::<SgmoeAtom<1>, 8>::build(&atoms[..k]).ok()?;
        d.evaluate(&mut lik).ok()?;
        r.dsc_gi_leaf = d.criteria(&DscOptions::paper()).ok()?.dsc_choice();
    }
    for w in [Weighting::GateIntercept, Weighting::AverageGate] {
        let (atoms, k) = SgmoeAtom::from_model(&over.model, &xs, w).ok()?;
        let mut d = Dendrogram::<SgmoeAtom<1>, 8>::build(&atoms[..k]).ok()?;
        d.evaluate(&mut lik).ok()?;
        let c = d.criteria(&DscOptions::paper()).ok()?;
        // Voronoi loss of level K0, with π̄ masses for both weightings
        let lv = d.level(K0).ok()?;
        let mut merged = [SgmoeAtom::<1>::default(); K0];
        for (m, a) in merged.iter_mut().zip(lv.atoms()) {
            *m = SgmoeAtom {
                weighting: Weighting::AverageGate,
                ..*a
            };
        }
        let loss = voronoi_loss(&merged, &truth_atoms[..K0]).ok()?;
        match w {
            Weighting::GateIntercept => {
                r.dsc_gi = c.dsc_choice();
                r.loss_merged_gi = loss;
                r.t_over_dsc = t0.elapsed().as_secs_f64();
            }
            Weighting::AverageGate => {
                r.dsc_pi = c.dsc_choice();
                r.aic_lv = c.aic_choice();
                r.bic_lv = c.bic_choice();
                r.icl_lv = c.icl_choice();
                r.loss_merged_pi = loss;
                r.loss_over = voronoi_loss(&atoms[..k], &truth_atoms[..K0]).ok()?;
            }
        }
    }
    // the sweep: EM at every K = 1..KOVER, criteria from each fit
    let t1 = Instant::now();
    let nf = n as f64;
    let (mut best_a, mut best_b, mut best_i) =
        ((0, f64::INFINITY), (0, f64::INFINITY), (0, f64::INFINITY));
    for k in 1..=KOVER {
        let f = fit_sgmoe::<1, 8>(&xs, &ys, k, &opts).ok()?;
        let (atoms, ka) = SgmoeAtom::from_model(&f.model, &xs, Weighting::AverageGate).ok()?;
        let lf = lik.evaluate(&atoms[..ka]).ok()?;
        let p = lf.n_params as f64;
        let aic = -2.0 * lf.log_likelihood + 2.0 * p;
        let bic = -2.0 * lf.log_likelihood + p * nf.ln();
        let icl = bic + 2.0 * lf.entropy;
        if aic < best_a.1 {
            best_a = (k, aic);
        }
        if bic < best_b.1 {
            best_b = (k, bic);
        }
        if icl < best_i.1 {
            best_i = (k, icl);
        }
        if k == K0 {
            r.loss_exact = voronoi_loss(&atoms[..ka], &truth_atoms[..K0]).ok()?;
        }
    }
    r.t_sweep = t1.elapsed().as_secs_f64();
    r.aic_sw = best_a.0;
    r.bic_sw = best_b.0;
    r.icl_sw = best_i.0;
    Some(r)
}

/// Wilson 95 % interval of a proportion.
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
    format!("{:.2} [{:.2}, {:.2}]", k as f64 / n as f64, lo, hi)
}

fn slope(xs: &[f64], ys: &[f64]) -> f64 {
    let n = xs.len() as f64;
    let (mx, my) = (xs.iter().sum::<f64>() / n, ys.iter().sum::<f64>() / n);
    let sxy: f64 = xs.iter().zip(ys).map(|(x, y)| (x - mx) * (y - my)).sum();
    let sxx: f64 = xs.iter().map(|x| (x - mx) * (x - mx)).sum();
    sxy / sxx
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let reps: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(20);
    let threads: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(2);
    let ns: Vec<usize> = args
        .get(3)
        .map(|s| s.split(',').filter_map(|t| t.parse().ok()).collect())
        .unwrap_or_else(|| vec![300, 1000, 3000, 10000]);
    let epss: Vec<f64> = args
        .get(4)
        .map(|s| s.split(',').filter_map(|t| t.parse().ok()).collect())
        .unwrap_or_else(|| vec![0.0, 0.01]);
    println!("SGMoE study: d = 1, K0 = {K0}, over-fit K = {KOVER}, {reps} seeds per cell\n");
    let mut loss_rows: Vec<LossRow> = Vec::new();
    for &eps in &epss {
        println!("### contamination eps = {eps} (Laplace(0, 2) added to y)\n");
        println!("| N | DSC (e^w0, reference) | DSC (e^w0), leaf rule | DSC (avg gate) | AIC levels | BIC levels | ICL levels | AIC sweep | BIC sweep | ICL sweep | time over-fit+DSC / sweep |");
        println!("|---|---|---|---|---|---|---|---|---|---|---|");
        for &n in &ns {
            let seeds: Vec<u64> = (0..reps as u64)
                .map(|s| 1000 * n as u64 + s + (eps * 1e6) as u64)
                .collect();
            let results: Vec<Run> = std::thread::scope(|sc| {
                let chunks: Vec<Vec<u64>> = (0..threads)
                    .map(|t| seeds.iter().copied().skip(t).step_by(threads).collect())
                    .collect();
                let hs: Vec<_> = chunks
                    .into_iter()
                    .map(|c| {
                        sc.spawn(move || {
                            c.into_iter()
                                .filter_map(|s| one_run(n, eps, s))
                                .collect::<Vec<_>>()
                        })
                    })
                    .collect();
                hs.into_iter()
                    .flat_map(|h| h.join().unwrap_or_default())
                    .collect()
            });
            let m = results.len();
            let cnt = |f: &dyn Fn(&Run) -> usize| results.iter().filter(|r| f(r) == K0).count();
            let (to, ts): (f64, f64) = results
                .iter()
                .fold((0.0, 0.0), |a, r| (a.0 + r.t_over_dsc, a.1 + r.t_sweep));
            println!(
                "| {n} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {:.2} s / {:.2} s |",
                cell(cnt(&|r| r.dsc_gi), m),
                cell(cnt(&|r| r.dsc_gi_leaf), m),
                cell(cnt(&|r| r.dsc_pi), m),
                cell(cnt(&|r| r.aic_lv), m),
                cell(cnt(&|r| r.bic_lv), m),
                cell(cnt(&|r| r.icl_lv), m),
                cell(cnt(&|r| r.aic_sw), m),
                cell(cnt(&|r| r.bic_sw), m),
                cell(cnt(&|r| r.icl_sw), m),
                to / m.max(1) as f64,
                ts / m.max(1) as f64
            );
            if eps == 0.0 {
                let mean =
                    |f: &dyn Fn(&Run) -> f64| results.iter().map(f).sum::<f64>() / m.max(1) as f64;
                loss_rows.push((
                    n,
                    mean(&|r| r.loss_exact),
                    mean(&|r| r.loss_over),
                    mean(&|r| r.loss_merged_gi),
                    mean(&|r| r.loss_merged_pi),
                ));
            }
        }
        println!();
    }
    println!("### Voronoi loss (mean over seeds, clean data) against N\n");
    println!(
        "| N | exact-fit K = 3 | over-fit K = 6 | merged to 3 (e^w0) | merged to 3 (avg gate) |"
    );
    println!("|---|---|---|---|---|");
    for r in &loss_rows {
        println!(
            "| {} | {:.4} | {:.4} | {:.4} | {:.4} |",
            r.0, r.1, r.2, r.3, r.4
        );
    }
    let lx: Vec<f64> = loss_rows.iter().map(|r| (r.0 as f64).ln()).collect();
    let sl = |f: &dyn Fn(&LossRow) -> f64| {
        slope(
            &lx,
            &loss_rows.iter().map(|r| f(r).ln()).collect::<Vec<_>>(),
        )
    };
    println!(
        "\nslope of log loss vs log N: exact-fit {:.3}, over-fit {:.3}, merged (e^w0) {:.3}, merged (avg gate) {:.3}",
        sl(&|r| r.1),
        sl(&|r| r.2),
        sl(&|r| r.3),
        sl(&|r| r.4)
    );
}
