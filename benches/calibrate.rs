//! Criterion benches for the cut decision (`simstat::calibrate::cut`): one query's N scores
//! (a shifted gamma on the cosine scale, α 9, rate 30, shift −0.1, seeded, plus three hits)
//! → the list length. The default rule at N = 10⁴ (exact median) and N = 10⁶ (histogram
//! sketch path), f32 input read in place, and the model-based Benjamini–Hochberg rule (background
//! fit with iterative removal of discoveries) at N = 10⁴. scipy's generalized-Pareto cut of the
//! same kind of query is timed by `python3 benches/cut_labelled.py --timing`.
//!
//! The background of 315,000 real scores, binned against exact: `background_cranfield_315k`.
//!
//! `cargo bench --bench calibrate`
use criterion::{criterion_group, criterion_main, Criterion};
use simstat::calibrate::{
    cut, cut_f32, cut_scratch_len, fit_background_with, BackgroundOptions, CutOptions, CutRule,
};
use std::hint::black_box;
use std::time::Duration;

#[path = "../tests/common/mod.rs"]
mod common;
use common::Sample;

fn query(n: usize) -> Vec<f64> {
    let mut x = common::SplitMix64(20251206).shifted_gamma(n - 3, 9.0, 30.0, -0.1, -1.0, 1.0);
    x.extend([0.82, 0.88, 0.93]);
    x
}

fn bench_cut(c: &mut Criterion) {
    let mut g = c.benchmark_group("cut");
    g.sample_size(30)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    let x = query(10_000);
    let x32: Vec<f32> = x.iter().map(|&v| v as f32).collect();
    let mut scratch = vec![0.0; cut_scratch_len(x.len())];
    let opts = CutOptions::default();
    g.bench_function("default_n10k", |b| {
        b.iter(|| cut(black_box(&x), &opts, &mut scratch).unwrap().keep())
    });
    g.bench_function("default_f32_n10k", |b| {
        b.iter(|| {
            cut_f32(black_box(&x32), &opts, &mut scratch)
                .unwrap()
                .keep()
        })
    });
    let big = query(1_000_000);
    g.bench_function("default_sketch_n1m", |b| {
        b.iter(|| cut(black_box(&big), &opts, &mut []).unwrap().keep())
    });
    g.finish();

    let mut g = c.benchmark_group("cut_model");
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    let fdr = CutOptions {
        rule: CutRule::Fdr { q: 0.05 },
        ..CutOptions::default()
    };
    g.bench_function("fdr_n10k", |b| {
        b.iter(|| cut(black_box(&x), &fdr, &mut scratch).unwrap().keep())
    });
    g.finish();
}

/// The background of all 315,000 real Cranfield scores (all-MiniLM-L6-v2, every query pooled),
/// binned (the default above 65,536 body rows) against exact (`binned_above = usize::MAX`).
fn bench_background_big(c: &mut Criterion) {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/labelled/cranfield_minilm_l6.f32"
    );
    let scores: Vec<f64> = std::fs::read(path)
        .expect("tests/data/labelled/cranfield_minilm_l6.f32")
        .chunks_exact(4)
        .map(|b| f64::from(f32::from_le_bytes([b[0], b[1], b[2], b[3]])))
        .collect();
    let mut scratch = vec![0.0; scores.len()];
    let mut g = c.benchmark_group("background_cranfield_315k");
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    for (name, binned_above) in [("binned", 1 << 16), ("exact", usize::MAX)] {
        let o = BackgroundOptions {
            binned_above,
            ..BackgroundOptions::default()
        };
        g.bench_function(name, |b| {
            b.iter(|| {
                fit_background_with(black_box(&scores), &o, &mut scratch)
                    .unwrap()
                    .excluded
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench_cut, bench_background_big);
criterion_main!(benches);
