//! Criterion benches: ψ, ψ′, ln Γ and P(a, x) — simstat against statrs 0.19 and special 0.14 on
//! the same random inputs in the same group. Each iteration evaluates a batch of `N` inputs, so
//! ns/call = reported time / N.
//!
//! Every function (ours and the peers') is passed as its own type, so the batch loop is
//! monomorphised and the call can be inlined for all of them alike; only the input slice goes
//! through `black_box`. (Through a `fn` pointer, every function paid a floor of about 6.8 ns per
//! call on this machine — the identity function measured that much — which hid the kernels'
//! differences.)
//!
//! `cargo bench --bench special`
use criterion::measurement::WallTime;
use criterion::{criterion_group, criterion_main, BenchmarkGroup, Criterion, Throughput};
use std::hint::black_box;
use std::time::Duration;

/// Inputs per iteration.
const N: usize = 1024;

/// xorshift64* in [0, 1).
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }
}

/// 90% uniform in (0, 20], 10% log-uniform in [20, 1e6].
fn inputs_x() -> Vec<f64> {
    let mut r = Rng(0x9e37_79b9_7f4a_7c15);
    (0..N)
        .map(|i| {
            if i % 10 == 9 {
                (20f64.ln() + r.next() * (1e6f64.ln() - 20f64.ln())).exp()
            } else {
                20.0 * (1.0 - r.next()) // (0, 20]
            }
        })
        .collect()
}

/// Shifted-gamma regime: a ∈ [2, 300], x = a·(1 ± 0.3).
fn inputs_ax() -> Vec<(f64, f64)> {
    let mut r = Rng(0x2545_f491_4f6c_dd1d);
    (0..N)
        .map(|_| {
            let a = 2.0 + 298.0 * r.next();
            let x = a * (0.7 + 0.6 * r.next());
            (a, x)
        })
        .collect()
}

/// Time `f` over the batch `xs` (one criterion function per label).
fn bench1<F: Fn(f64) -> f64>(g: &mut BenchmarkGroup<'_, WallTime>, label: &str, xs: &[f64], f: F) {
    g.bench_function(label, |b| {
        b.iter(|| {
            let mut s = 0.0;
            for &x in black_box(xs) {
                s += f(x);
            }
            s
        })
    });
}

/// Time `f` over the batch of pairs `axs`.
fn bench2<F: Fn(f64, f64) -> f64>(
    g: &mut BenchmarkGroup<'_, WallTime>,
    label: &str,
    axs: &[(f64, f64)],
    f: F,
) {
    g.bench_function(label, |b| {
        b.iter(|| {
            let mut s = 0.0;
            for &(a, x) in black_box(axs) {
                s += f(a, x);
            }
            s
        })
    });
}

/// A criterion group named `name` with throughput N elements.
fn group<'a>(c: &'a mut Criterion, name: &str) -> BenchmarkGroup<'a, WallTime> {
    let mut g = c.benchmark_group(name);
    g.throughput(Throughput::Elements(N as u64));
    g
}

fn bench_digamma(c: &mut Criterion) {
    let xs = inputs_x();
    let mut g = group(c, "digamma");
    bench1(&mut g, "simstat", &xs, simstat::special::digamma::<f64>);
    bench1(&mut g, "statrs", &xs, statrs::function::gamma::digamma);
    bench1(&mut g, "special", &xs, special::Gamma::digamma);
    g.finish();
}

/// ψ for x < 0: the negated inputs of `inputs_x` (non-integers between the poles, so the
/// reflection path; a few percent fall next to a zero of ψ and take the double-double path).
fn bench_digamma_neg(c: &mut Criterion) {
    let xs: Vec<f64> = inputs_x().iter().map(|&x| -x).collect();
    let mut g = group(c, "digamma_neg");
    bench1(&mut g, "simstat", &xs, simstat::special::digamma::<f64>);
    bench1(&mut g, "statrs", &xs, statrs::function::gamma::digamma);
    bench1(&mut g, "special", &xs, special::Gamma::digamma);
    g.finish();
}

fn bench_trigamma(c: &mut Criterion) {
    // statrs 0.19 has no trigamma.
    let xs = inputs_x();
    let mut g = group(c, "trigamma");
    bench1(&mut g, "simstat", &xs, simstat::special::trigamma::<f64>);
    bench1(&mut g, "special", &xs, |x: f64| {
        special::Gamma::trigamma(&x)
    });
    g.finish();
}

fn bench_ln_gamma(c: &mut Criterion) {
    let xs = inputs_x();
    let mut g = group(c, "ln_gamma");
    bench1(&mut g, "simstat", &xs, simstat::special::ln_gamma::<f64>);
    bench1(&mut g, "statrs", &xs, statrs::function::gamma::ln_gamma);
    bench1(&mut g, "special", &xs, |x: f64| {
        special::Gamma::ln_gamma(x).0
    });
    bench1(&mut g, "libm", &xs, libm::lgamma);
    g.finish();
}

fn bench_gamma_p(c: &mut Criterion) {
    let axs = inputs_ax();
    let mut g = group(c, "gamma_p");
    bench2(&mut g, "simstat", &axs, simstat::special::gamma_p::<f64>);
    bench2(&mut g, "statrs", &axs, statrs::function::gamma::gamma_lr);
    // special's inc_gamma is AS 239: self = x, argument = shape a
    bench2(&mut g, "special", &axs, |a: f64, x: f64| {
        special::Gamma::inc_gamma(x, a)
    });
    g.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .sample_size(30)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(2))
}

criterion_group! {
    name = benches;
    config = config();
    targets = bench_digamma, bench_digamma_neg, bench_trigamma, bench_ln_gamma, bench_gamma_p
}
criterion_main!(benches);
