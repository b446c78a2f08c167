//! Criterion benches: ψ, ψ′, ln Γ and P(a, x) — simstat against statrs 0.19 and special 0.14 on
//! the same random inputs in the same group. Each iteration evaluates a batch of `N` inputs, so
//! ns/call = reported time / N.
//!
//! `cargo bench --bench special`
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
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

/// A labelled one-argument function.
type F1 = (&'static str, fn(f64) -> f64);
/// A labelled two-argument function.
type F2 = (&'static str, fn(f64, f64) -> f64);

fn run1(c: &mut Criterion, name: &str, fs: &[F1]) {
    let xs = inputs_x();
    let mut g = c.benchmark_group(name);
    g.throughput(Throughput::Elements(N as u64));
    for &(label, f) in fs {
        g.bench_function(label, |b| {
            b.iter(|| {
                let mut s = 0.0;
                for &x in &xs {
                    s += f(black_box(x));
                }
                s
            })
        });
    }
    g.finish();
}

fn bench_digamma(c: &mut Criterion) {
    run1(
        c,
        "digamma",
        &[
            ("simstat", simstat::special::digamma::<f64>),
            ("statrs", statrs::function::gamma::digamma),
            ("special", special::Gamma::digamma),
        ],
    );
}

/// ψ for x < 0: the negated inputs of `inputs_x` (non-integers between the poles, so the
/// reflection path; a few percent fall next to a zero of ψ and take the double-double path).
fn bench_digamma_neg(c: &mut Criterion) {
    let xs: Vec<f64> = inputs_x().iter().map(|&x| -x).collect();
    let fs: &[F1] = &[
        ("simstat", simstat::special::digamma::<f64>),
        ("statrs", statrs::function::gamma::digamma),
        ("special", special::Gamma::digamma),
    ];
    let mut g = c.benchmark_group("digamma_neg");
    g.throughput(Throughput::Elements(N as u64));
    for &(label, f) in fs {
        g.bench_function(label, |b| {
            b.iter(|| {
                let mut s = 0.0;
                for &x in &xs {
                    s += f(black_box(x));
                }
                s
            })
        });
    }
    g.finish();
}

fn bench_trigamma(c: &mut Criterion) {
    // statrs 0.19 has no trigamma.
    run1(
        c,
        "trigamma",
        &[
            ("simstat", simstat::special::trigamma::<f64>),
            ("special", |x: f64| special::Gamma::trigamma(&x)),
        ],
    );
}

fn bench_ln_gamma(c: &mut Criterion) {
    run1(
        c,
        "ln_gamma",
        &[
            ("simstat", simstat::special::ln_gamma::<f64>),
            ("statrs", statrs::function::gamma::ln_gamma),
            ("special", |x: f64| special::Gamma::ln_gamma(x).0),
            ("libm", libm::lgamma),
        ],
    );
}

fn bench_gamma_p(c: &mut Criterion) {
    let axs = inputs_ax();
    let fs: [F2; 3] = [
        ("simstat", simstat::special::gamma_p::<f64>),
        ("statrs", statrs::function::gamma::gamma_lr),
        // special's inc_gamma is AS 239: self = x, argument = shape a
        ("special", |a: f64, x: f64| special::Gamma::inc_gamma(x, a)),
    ];
    let mut g = c.benchmark_group("gamma_p");
    g.throughput(Throughput::Elements(N as u64));
    for (label, f) in fs {
        g.bench_function(label, |b| {
            b.iter(|| {
                let mut s = 0.0;
                for &(a, x) in &axs {
                    s += f(black_box(a), black_box(x));
                }
                s
            })
        });
    }
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
