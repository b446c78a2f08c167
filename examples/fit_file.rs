//! Fits one shifted gamma to a raw little-endian f64 file and prints the fit and its time.
//!
//! `cargo run --release --example fit_file -- FILE [REPEATS]` prints one line:
//! `n alpha rate shift loglik loglik_untruncated passes regime best_seconds sketch_fit_seconds
//! sketch_passes`
//! (best of REPEATS timings, default 20), for `benches/compare_scipy.py`.
use simstat::fit::{fit_gamma, fit_gamma_sketch, FitOptions, Sketch};
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let Some(path) = args.get(1) else {
        eprintln!("usage: fit_file FILE [REPEATS]");
        std::process::exit(2);
    };
    let repeats: usize = args
        .get(2)
        .and_then(|s| s.parse().ok())
        .unwrap_or(20)
        .max(1);
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
    let opts = FitOptions::default();
    let mut best = f64::INFINITY;
    let mut fit = None;
    for _ in 0..repeats {
        let t = Instant::now();
        let f = fit_gamma(std::hint::black_box(&data), &opts);
        best = best.min(t.elapsed().as_secs_f64());
        fit = Some(f);
    }
    let mut best_sketch = f64::INFINITY;
    if let Ok(mut sk) = Sketch::<4096>::new(opts.lo, opts.hi) {
        if sk.extend(&data).is_ok() {
            for _ in 0..repeats {
                let t = Instant::now();
                let _ = std::hint::black_box(fit_gamma_sketch(std::hint::black_box(&sk), &opts));
                best_sketch = best_sketch.min(t.elapsed().as_secs_f64());
            }
        }
    }
    match fit {
        Some(Ok(f)) => println!(
            "{} {:.17e} {:.17e} {:.17e} {:.17e} {:.17e} {} {:?} {:.6e} {:.6e} {}",
            f.n(),
            f.shape(),
            f.rate(),
            f.shift(),
            f.log_likelihood(),
            f.log_likelihood_untruncated(),
            f.passes(),
            f.regime(),
            best,
            best_sketch,
            f.sketch_passes()
        ),
        Some(Err(e)) => {
            println!("error {e}");
            std::process::exit(1);
        }
        None => std::process::exit(1),
    }
}
