//! Criterion benches for the single shifted-gamma fit: N = 100,000 draws of
//! (α 13.3, λ 35.5, c −0.28) from a seeded generator; exact fit (256-bin sketch warm start +
//! exact Newton passes; and with a 4096-bin workspace), cold exact fit, sketch-only fit, and
//! sketch build throughput.
//!
//! `cargo bench --bench fit` (short settings: the build machine is shared).
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use simstat::fit::{fit_gamma, fit_gamma_in, fit_gamma_sketch, FitOptions, GammaWorkspace, Sketch};
use std::hint::black_box;
use std::time::Duration;

#[path = "../tests/common/mod.rs"]
mod common;
use common::Sample;

fn data(n: usize) -> Vec<f64> {
    common::SplitMix64(20251006).shifted_gamma(n, 13.3, 35.5, -0.28, -1.0, 1.0)
}

fn bench_fit(c: &mut Criterion) {
    let x = data(100_000);
    let opts = FitOptions::default();
    let cold = FitOptions {
        warm_start: false,
        ..FitOptions::default()
    };
    let mut g = c.benchmark_group("fit_gamma_n100k");
    g.sample_size(30)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    g.bench_function("exact_warm", |b| b.iter(|| fit_gamma(black_box(&x), &opts)));
    let mut ws = Box::new(GammaWorkspace::<4096>::new());
    g.bench_function("exact_warm_4096_workspace", |b| {
        b.iter(|| fit_gamma_in(black_box(&x), &opts, &mut ws))
    });
    g.bench_function("exact_cold", |b| b.iter(|| fit_gamma(black_box(&x), &cold)));
    let mut sk = Sketch::<4096>::new(-1.0, 1.0).unwrap();
    sk.extend(&x).unwrap();
    g.bench_function("sketch_fit_4096", |b| {
        b.iter(|| fit_gamma_sketch(black_box(&sk), &opts))
    });
    g.finish();

    let mut g = c.benchmark_group("sketch_build");
    g.sample_size(30)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(2));
    g.throughput(Throughput::Elements(x.len() as u64));
    g.bench_with_input(BenchmarkId::new("extend_4096", x.len()), &x, |b, x| {
        b.iter(|| {
            let mut s = Sketch::<4096>::new(-1.0, 1.0).unwrap();
            s.extend(black_box(x)).unwrap();
            s.len()
        })
    });
    g.finish();
}

criterion_group!(benches, bench_fit);
criterion_main!(benches);
