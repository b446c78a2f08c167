//! Calibration validity on real cosine-similarity samples (tests/data/sims): held-out
//! background scores get uniform p-values, planted near-duplicates get tiny p-values.
mod common;

use common::SplitMix64;
use simstat::calibrate::{ks_uniform, Calibrator};
use simstat::fit::{fit_gamma, FitOptions};

const SAMPLES: [&str; 26] = [
    "h00_minilm_l6",
    "h01_minilm_l6",
    "h02_minilm_l6",
    "h03_minilm_l6",
    "h04_minilm_l6",
    "h05_minilm_l6",
    "h06_minilm_l6",
    "h07_minilm_l6",
    "h08_minilm_l6",
    "w0_minilm_l6",
    "w1_minilm_l6",
    "w2_minilm_l6",
    "w4_minilm_l6",
    "h00_minilm_l3",
    "h01_minilm_l3",
    "h02_minilm_l3",
    "h03_minilm_l3",
    "h04_minilm_l3",
    "h05_minilm_l3",
    "h06_minilm_l3",
    "h07_minilm_l3",
    "h08_minilm_l3",
    "w0_minilm_l3",
    "w1_minilm_l3",
    "w2_minilm_l3",
    "w4_minilm_l3",
];

fn load(name: &str) -> Vec<f64> {
    let path = format!("{}/tests/data/sims/{name}.f64", env!("CARGO_MANIFEST_DIR"));
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    bytes
        .chunks_exact(8)
        .map(|c| f64::from_le_bytes(c.try_into().unwrap()))
        .collect()
}

/// Random half split of the corpus rows: fit on one half, test on the other.
fn split(x: &[f64], seed: u64) -> (Vec<f64>, Vec<f64>) {
    let mut rng = SplitMix64(seed);
    let (mut fit, mut held) = (Vec::new(), Vec::new());
    for &v in x {
        if rng.uniform() < 0.5 {
            fit.push(v);
        } else {
            held.push(v);
        }
    }
    (fit, held)
}

#[test]
#[ignore = "single-gamma background fails KS at 0.01 on 8 of 26 samples (h01_l6 p = 0.002); the DSC mixture minus its top component fails on all: needs a better background model (issue 7)"]
fn held_out_background_p_values_are_uniform() {
    // Bound: KS p > 0.01 on each sample. A single shifted gamma is the background model; the
    // few relevant rows in each held-out half are part of what the test must tolerate.
    let mut worst = (f64::INFINITY, "");
    for name in SAMPLES {
        let x = load(name);
        let (fit_part, held) = split(&x, 0x5EED);
        let fit = fit_gamma(&fit_part, &FitOptions::default()).unwrap();
        let cal = Calibrator::from_gamma_fit(&fit);
        let p: Vec<f64> = held.iter().map(|&s| cal.p_value(s)).collect();
        let mut scratch = vec![0.0; p.len()];
        let ks = ks_uniform(&p, &mut scratch).unwrap();
        println!(
            "{name}: n = {}, KS D = {:.4}, p = {:.3}",
            ks.n, ks.statistic, ks.p_value
        );
        if ks.p_value < worst.0 {
            worst = (ks.p_value, name);
        }
        assert!(
            ks.p_value > 0.01,
            "{name}: held-out p-values not uniform: {ks:?}"
        );
    }
    println!("smallest KS p-value: {:.3} ({})", worst.0, worst.1);
}

#[test]
#[ignore = "single-gamma background gives p(0.95) = 6.8e-6 (h02_l6) and 4.2e-6 (h02_l3); needs a better background model (issue 7)"]
fn planted_near_duplicates_get_tiny_p_values() {
    // A near-duplicate of the query scores 0.95–0.99 in cosine: p < 1e-6 under every
    // sample's background (bound stated by the issue).
    for name in SAMPLES {
        let x = load(name);
        let fit = fit_gamma(&x, &FitOptions::default()).unwrap();
        let cal = Calibrator::from_gamma_fit(&fit);
        for s in [0.95, 0.97, 0.99] {
            let p = cal.p_value(s);
            assert!(p < 1e-6, "{name}: p({s}) = {p:e}");
            assert!(p >= 0.0);
        }
    }
}

#[test]
fn fdr_cutoff_finds_planted_hits_and_few_false_ones() {
    let x = load("h00_minilm_l6");
    let (fit_part, held) = split(&x, 42);
    let cal = Calibrator::from_gamma_fit(&fit_gamma(&fit_part, &FitOptions::default()).unwrap());
    let mut batch = held.clone();
    let planted = [0.93, 0.95, 0.96, 0.97, 0.98, 0.99];
    batch.extend_from_slice(&planted);
    let mut scratch = vec![0.0; batch.len()];
    let cut = cal.fdr_cutoff(&batch, 0.05, &mut scratch).unwrap();
    assert!(cut.fdr.discoveries >= planted.len(), "{cut:?}");
    assert!(planted.iter().all(|&s| s >= cut.score_threshold));
    // Discoveries among the held-out background rows stay a small fraction of all rows.
    let false_hits = held.iter().filter(|&&s| s >= cut.score_threshold).count();
    assert!(
        false_hits <= held.len() / 50,
        "{false_hits} of {} held-out rows",
        held.len()
    );
    // Score and p-value views agree.
    assert!(cal.p_value(cut.score_threshold) <= cut.fdr.p_threshold * (1.0 + 1e-12));
}
