//! Criterion benches for the gamma-mixture fit, K = 2, N = 100,000 draws of
//! τ (0.7, 0.3), (α 13.3, λ 35.5, c −0.28), (α 9, λ 30, c 0) (seeded): warm start (default),
//! cold start, sketch stage + exact polish, and one exact pass (second-order statistics); and the
//! state that travels (group `state_n100k`): building the 4096-bin sketch, writing and reading
//! its byte form, and the mixture fit from the sketch alone.
//!
//! `cargo bench --bench mixture` (short settings: the build machine is shared). Before timing,
//! one line per variant reports LL, passes and convergence.
use criterion::{criterion_group, criterion_main, Criterion};
use simstat::fit::{
    fit_mixture, fit_mixture_from_sketch, fit_mixture_sketch, pass_statistics, FitOptions,
    MixtureOptions, Sketch,
};
use simstat::wire::ByteForm;
use std::hint::black_box;
use std::time::Duration;

#[path = "../tests/common/mod.rs"]
mod common;

fn bench_mixture(c: &mut Criterion) {
    let truth = [(0.7, 13.3, 35.5, -0.28), (0.3, 9.0, 30.0, 0.0)];
    let x = common::sample_mixture(&truth, 100_000, 7);
    let warm = FitOptions::default();
    let cold = FitOptions {
        warm_start: false,
        ..FitOptions::default()
    };
    let mo = MixtureOptions::default();
    let mut sk = Sketch::<4096>::new(-1.0, 1.0).unwrap();
    sk.extend(&x).unwrap();
    for (name, f) in [
        ("warm", fit_mixture(&x, 2, &warm).unwrap()),
        ("cold", fit_mixture(&x, 2, &cold).unwrap()),
        (
            "sketch",
            fit_mixture_sketch(&sk, &x, 2, &warm, &mo).unwrap(),
        ),
    ] {
        eprintln!(
            "mixture k2 n100k {name}: LL {:.6} full passes {} stage-1 passes {} iterations {} pg {:.2e} converged {}",
            f.log_likelihood(),
            f.passes(),
            f.warm_passes(),
            f.iterations(),
            f.gradient_norm(),
            f.converged()
        );
    }
    let mut g = c.benchmark_group("mixture_k2_n100k");
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    g.bench_function("warm", |b| b.iter(|| fit_mixture(black_box(&x), 2, &warm)));
    g.bench_function("cold", |b| b.iter(|| fit_mixture(black_box(&x), 2, &cold)));
    g.bench_function("sketch_then_exact", |b| {
        b.iter(|| fit_mixture_sketch(black_box(&sk), black_box(&x), 2, &warm, &mo))
    });
    let fit = fit_mixture(&x, 2, &warm).unwrap();
    g.bench_function("one_exact_pass", |b| {
        b.iter(|| pass_statistics(black_box(&fit), black_box(&x)))
    });
    g.finish();

    let only = fit_mixture_from_sketch(&sk, 2, &warm, &mo).unwrap();
    eprintln!(
        "mixture k2 n100k sketch only: LL on the sketch {:.6}, on the data {:.6} (warm exact fit {:.6}); sketch bytes {}",
        only.log_likelihood(),
        pass_statistics(&only, &x).log_likelihood(),
        fit.log_likelihood(),
        sk.byte_len()
    );
    let mut buf = vec![0u8; sk.byte_len()];
    let mut back = Sketch::<4096>::new(-1.0, 1.0).unwrap();
    let mut g = c.benchmark_group("state_n100k");
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    g.bench_function("sketch_build", |b| {
        b.iter(|| {
            let mut s = Sketch::<4096>::new(-1.0, 1.0).unwrap();
            s.extend(black_box(&x)).unwrap();
            s.len()
        })
    });
    g.bench_function("sketch_write", |b| {
        b.iter(|| black_box(&sk).write_to(&mut buf).unwrap())
    });
    g.bench_function("sketch_read_into", |b| {
        b.iter(|| back.read_into(black_box(&buf)).unwrap())
    });
    g.bench_function("fit_from_sketch_k2", |b| {
        b.iter(|| fit_mixture_from_sketch(black_box(&sk), 2, &warm, &mo))
    });
    g.finish();
}

criterion_group!(benches, bench_mixture);
criterion_main!(benches);
