//! Fits a K-component gamma mixture to a raw little-endian f64 file, warm, cold and from a
//! sketch, and prints one line per variant for `benches/compare_mixture.py`:
//! `variant best_seconds loglik full_passes stage1_passes iterations grad_norm converged`.
//!
//! `cargo run --release --example mixture_file -- FILE [K] [REPEATS]` (best of REPEATS, default 10).
use simstat::fit::{fit_mixture, fit_mixture_sketch, FitOptions, MixtureFit, MixtureOptions, Sketch};
use std::time::Instant;

fn report(name: &str, best: f64, f: &MixtureFit) {
    println!(
        "{name} {best:.6e} {:.10} {} {} {} {:.3e} {}",
        f.log_likelihood(),
        f.passes(),
        f.warm_passes(),
        f.iterations(),
        f.gradient_norm(),
        f.converged()
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let Some(path) = args.get(1) else {
        eprintln!("usage: mixture_file FILE [K] [REPEATS]");
        std::process::exit(2);
    };
    let k: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(2);
    let repeats: usize = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(10).max(1);
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("cannot read {path}: {e}");
            std::process::exit(1);
        }
    };
    let data: Vec<f64> = bytes
        .chunks_exact(8)
        .map(|c| f64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]))
        .collect();
    let warm = FitOptions::default();
    let cold = FitOptions {
        warm_start: false,
        ..FitOptions::default()
    };
    let mo = MixtureOptions::default();
    for (name, opts) in [("warm", warm), ("cold", cold)] {
        let mut best = f64::INFINITY;
        let mut fit = None;
        for _ in 0..repeats {
            let t = Instant::now();
            let f = fit_mixture(std::hint::black_box(&data), k, &opts);
            best = best.min(t.elapsed().as_secs_f64());
            fit = Some(f);
        }
        match fit {
            Some(Ok(f)) => report(name, best, &f),
            Some(Err(e)) => println!("{name} error {e}"),
            None => {}
        }
    }
    let mut best = f64::INFINITY;
    let mut fit = None;
    for _ in 0..repeats {
        let t = Instant::now();
        let f = Sketch::<4096>::new(warm.lo, warm.hi).and_then(|mut sk| {
            sk.extend(&data)?;
            fit_mixture_sketch(&sk, std::hint::black_box(&data), k, &warm, &mo)
        });
        best = best.min(t.elapsed().as_secs_f64());
        fit = Some(f);
    }
    match fit {
        Some(Ok(f)) => report("sketch", best, &f),
        Some(Err(e)) => println!("sketch error {e}"),
        None => {}
    }
}
