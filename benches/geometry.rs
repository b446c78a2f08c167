//! Geometry benches: pair cosine (simstat f32/bf16/f64-acc vs simsimd), N×N angle matrices
//! (blocked kernel incl. normalise/pack vs a simsimd pair loop), fused dispersion loss fwd/fwd+bwd.
//!
//! Throughput is reported as "elements" = floating-point operations (criterion prints elem/s =
//! flop/s): pair cosine 6·F (3 FMAs per element); N×N Gram N(N−1)/2 pairs × 2F (the upper triangle
//! actually needed); dispersion forward the same, forward+backward 4× that (4 Gram-equivalents).
//! Short settings: the machine is shared (2 cores, other agents): numbers are noisy.
//!
//! `GEOMETRY_BENCH_CPU_TIME=1 cargo bench --bench geometry` measures this thread's CPU time
//! (`CLOCK_THREAD_CPUTIME_ID`) instead of wall time: on a loaded machine it excludes the time the
//! thread waits for a core (the numpy script has the same switch, `GEOMETRY_CPU_TIME=1`).
use criterion::measurement::{Measurement, ValueFormatter, WallTime};
use criterion::{BenchmarkId, Criterion, Throughput};
use simsimd::SpatialSimilarity;
use simstat::geometry::*;
use std::hint::black_box;
use std::time::Duration;

fn data(n: usize, seed: u64) -> Vec<f32> {
    let mut s = seed | 1;
    (0..n)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            (s >> 40) as f32 / (1u64 << 24) as f32 - 0.5
        })
        .collect()
}

/// Thread CPU time in nanoseconds.
struct CpuTime;

#[allow(unsafe_code)]
fn thread_cpu_ns() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec; CLOCK_THREAD_CPUTIME_ID is supported on Linux.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

struct NsFormatter;
impl ValueFormatter for NsFormatter {
    fn scale_values(&self, typical: f64, values: &mut [f64]) -> &'static str {
        let (div, unit) = if typical < 1e3 {
            (1.0, "ns cpu")
        } else if typical < 1e6 {
            (1e3, "µs cpu")
        } else {
            (1e6, "ms cpu")
        };
        values.iter_mut().for_each(|v| *v /= div);
        unit
    }
    fn scale_throughputs(&self, typical: f64, t: &Throughput, values: &mut [f64]) -> &'static str {
        let per = match t {
            Throughput::Elements(e) | Throughput::ElementsAndBytes { elements: e, .. } => *e as f64,
            Throughput::Bytes(b) | Throughput::BytesDecimal(b) => *b as f64,
            _ => 1.0,
        };
        let _ = typical;
        values.iter_mut().for_each(|v| *v = per / *v); // per ns = G per s
        "Gelem/s (cpu)"
    }
    fn scale_for_machines(&self, _values: &mut [f64]) -> &'static str {
        "ns"
    }
}

impl Measurement for CpuTime {
    type Intermediate = u64;
    type Value = u64;
    fn start(&self) -> u64 {
        thread_cpu_ns()
    }
    fn end(&self, i: u64) -> u64 {
        thread_cpu_ns().saturating_sub(i)
    }
    fn add(&self, a: &u64, b: &u64) -> u64 {
        a + b
    }
    fn zero(&self) -> u64 {
        0
    }
    fn to_f64(&self, v: &u64) -> f64 {
        *v as f64
    }
    fn formatter(&self) -> &dyn ValueFormatter {
        &NsFormatter
    }
}

fn pair<M: Measurement>(c: &mut Criterion<M>) {
    let mut g = c.benchmark_group("pair_cosine");
    g.warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(30);
    for f in [384usize, 768, 1024, 4096] {
        let a = data(f, 1);
        let b = data(f, 2);
        let a16: Vec<Bf16> = a.iter().map(|&v| Bf16::from_f32(v)).collect();
        let b16: Vec<Bf16> = b.iter().map(|&v| Bf16::from_f32(v)).collect();
        let sa: Vec<simsimd::bf16> = a.iter().map(|&v| simsimd::bf16::from_f32(v)).collect();
        let sb: Vec<simsimd::bf16> = b.iter().map(|&v| simsimd::bf16::from_f32(v)).collect();
        g.throughput(Throughput::Elements(6 * f as u64));
        g.bench_with_input(BenchmarkId::new("simstat_f32", f), &f, |bn, _| {
            bn.iter(|| cosine_similarity(black_box(&a[..]), black_box(&b[..])))
        });
        g.bench_with_input(BenchmarkId::new("simsimd_f32", f), &f, |bn, _| {
            bn.iter(|| <f32 as SpatialSimilarity>::cos(black_box(&a[..]), black_box(&b[..])))
        });
        g.bench_with_input(BenchmarkId::new("simstat_bf16", f), &f, |bn, _| {
            bn.iter(|| cosine_similarity(black_box(&a16[..]), black_box(&b16[..])))
        });
        g.bench_with_input(BenchmarkId::new("simsimd_bf16", f), &f, |bn, _| {
            bn.iter(|| {
                <simsimd::bf16 as SpatialSimilarity>::cos(black_box(&sa[..]), black_box(&sb[..]))
            })
        });
        g.bench_with_input(BenchmarkId::new("simstat_f32_acc64", f), &f, |bn, _| {
            bn.iter(|| cosine_similarity_f64acc(black_box(&a[..]), black_box(&b[..])))
        });
        g.bench_with_input(BenchmarkId::new("simstat_f32_scalar", f), &f, |bn, _| {
            bn.iter(|| {
                cosine_similarity_with(Backend::Scalar, black_box(&a[..]), black_box(&b[..]))
            })
        });
    }
    g.finish();
}

fn nxn<M: Measurement>(c: &mut Criterion<M>) {
    let mut g = c.benchmark_group("nxn_angles");
    g.warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3))
        .sample_size(10);
    let sizes: &[(usize, usize)] = match std::env::var("GEOMETRY_BENCH_SMALL") {
        Ok(_) => &[(1024, 384), (1024, 768)],
        Err(_) => &[(1024, 384), (1024, 768), (4096, 384), (4096, 768)],
    };
    for &(n, f) in sizes {
        let x = data(n * f, 3);
        let mut out = vec![0.0f32; n * n];
        let mut scratch = vec![0.0f32; pairwise_scratch_len(n, f).unwrap()];
        let id = format!("{n}x{f}");
        g.throughput(Throughput::Elements((n * (n - 1) / 2 * 2 * f) as u64));
        g.bench_function(BenchmarkId::new("simstat_blocked_full", &id), |bn| {
            bn.iter(|| pairwise_angles(black_box(&x), n, f, Layout::Full, &mut out, &mut scratch))
        });
        g.bench_function(BenchmarkId::new("simstat_blocked_packed", &id), |bn| {
            bn.iter(|| {
                pairwise_angles(
                    black_box(&x),
                    n,
                    f,
                    Layout::UpperPacked,
                    &mut out,
                    &mut scratch,
                )
            })
        });
        if n <= 1024 {
            g.bench_function(BenchmarkId::new("simsimd_pair_loop", &id), |bn| {
                bn.iter(|| {
                    for i in 0..n {
                        let a = &x[i * f..(i + 1) * f];
                        for j in i + 1..n {
                            let d = <f32 as SpatialSimilarity>::cos(a, &x[j * f..(j + 1) * f])
                                .unwrap_or(1.0);
                            let v = ((1.0 - d) as f32).clamp(-1.0, 1.0).acos();
                            out[i * n + j] = v;
                            out[j * n + i] = v;
                        }
                    }
                })
            });
        }
    }
    g.finish();
}

fn dispersion<M: Measurement>(c: &mut Criterion<M>) {
    let mut g = c.benchmark_group("dispersion");
    g.warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(10);
    for &(n, f) in &[(256usize, 768usize), (1024, 768), (256, 4096)] {
        let x = data(n * f, 4);
        let o = DispersionOptions::default();
        let mut scratch = vec![0.0f32; dispersion_scratch_len(n, f, true).unwrap()];
        let mut grad = vec![0.0f32; n * f];
        let id = format!("{n}x{f}");
        let gram = (n * (n - 1) / 2 * 2 * f) as u64;
        g.throughput(Throughput::Elements(gram));
        g.bench_function(BenchmarkId::new("fwd", &id), |bn| {
            bn.iter(|| dispersion_loss(black_box(&x), n, f, &o, &mut scratch))
        });
        g.throughput(Throughput::Elements(4 * gram));
        g.bench_function(BenchmarkId::new("fwd_bwd", &id), |bn| {
            bn.iter(|| dispersion_loss_grad(black_box(&x), n, f, &o, &mut grad, &mut scratch))
        });
    }
    g.finish();
}

fn run<M: Measurement>(mut c: Criterion<M>) {
    pair(&mut c);
    nxn(&mut c);
    dispersion(&mut c);
    c.final_summary();
}

fn main() {
    if std::env::var_os("GEOMETRY_BENCH_CPU_TIME").is_some() {
        run(Criterion::default()
            .with_measurement(CpuTime)
            .configure_from_args());
    } else {
        run(Criterion::<WallTime>::default().configure_from_args());
    }
}
