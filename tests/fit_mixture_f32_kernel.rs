//! The f32 per-point kernel (`Kernel::F32`, for cores with a single-precision FPU) against the
//! f64 kernel, called the way a device calls it: the same entry point, options differing only
//! in `kernel`, on the 26 real similarity samples (6,544 scores each) and the firmware's 2,000
//! real scores. Measured (release, this machine): the reported log-likelihood within 1.5e-6
//! relative of the exact sum; started at the f64 optimum the f32 fit stays within 6.4e-5 nats
//! (K ≤ 2); full K = 2 fits within 0.5 nats of the f64 fit on 24 of 27 samples (one better by
//! more, two worse: by 1.02 and 1.58 nats — a different start wins the multi-start); the
//! firmware's K = 2 fit within 1.3e-6 nats.
mod common;
use common::*;
use simstat::fit::mixture::SliceChunks;
use simstat::fit::{
    fit_mixture_from_in, fit_mixture_in, fit_mixture_source_in, FitOptions, Kernel, MixtureFit,
    MixtureOptions, MixtureWorkspace,
};

fn scores_2000() -> Vec<f64> {
    let bytes = include_bytes!("../firmware/data/scores.f64");
    bytes
        .chunks_exact(8)
        .map(|c| f64::from_le_bytes(c.try_into().unwrap()))
        .collect()
}

fn samples() -> Vec<(String, Vec<f64>)> {
    let mut s = vec![("firmware".to_string(), scores_2000())];
    s.extend(real_samples());
    assert_eq!(s.len(), 27);
    s
}

fn options(kernel: Kernel) -> MixtureOptions {
    MixtureOptions {
        kernel,
        ..MixtureOptions::default()
    }
}

/// The exact (f64) log-likelihood of a fit.
fn exact_ll(f: &MixtureFit, x: &[f64]) -> f64 {
    x.iter().map(|&v| f.ln_pdf(v)).sum()
}

#[test]
fn f32_kernel_fits_like_the_f64_kernel() {
    let mut ws = <MixtureWorkspace>::boxed();
    let fo = FitOptions::default();
    let (m64, m32) = (options(Kernel::F64), options(Kernel::F32));
    let mut within = 0;
    for (name, x) in &samples() {
        for k in 1..=2 {
            let a = fit_mixture_in(x, k, &fo, &m64, &mut ws).unwrap();
            let b = fit_mixture_in(x, k, &fo, &m32, &mut ws).unwrap();
            let lb = exact_ll(&b, x);
            // what the fit reports carries the f32 sums' rounding only (measured ≤ 1.5e-6)
            let rel = (b.log_likelihood() - lb).abs() / lb.abs();
            assert!(rel <= 3e-6, "{name} K={k}: reported LL off by {rel:.2e}");
            // started at the f64 optimum, the f32 fit stays there (measured ≥ −6.4e-5 nats)
            let c = fit_mixture_from_in(x, &a, &fo, &m32, &mut ws).unwrap();
            let dc = exact_ll(&c, x) - a.log_likelihood();
            assert!(
                dc >= -1e-3,
                "{name} K={k}: from the f64 optimum {dc:+.2e} nats"
            );
            let d = lb - a.log_likelihood();
            if k == 1 {
                // one component: one optimum (but at the normal limit, where the f64 fit
                // sits at the shape cap, the likelihood is flat to below f32's resolution)
                if !a.at_shape_cap() {
                    assert!(d.abs() <= 1e-3, "{name} K=1: {d:+.2e} nats");
                }
            } else {
                assert!(d >= -2.0, "{name} K=2: {d:+.2e} nats below the f64 fit");
                if d.abs() <= 0.5 {
                    within += 1;
                }
                if name == "firmware" {
                    assert!(d.abs() <= 1e-4, "firmware K=2: {d:+.2e} nats");
                }
            }
        }
    }
    assert!(within >= 22, "K=2 within 0.5 nats of f64 on {within} of 27");
}

#[test]
fn f32_kernel_beyond_four_components_sums_in_f64() {
    // K = 5: the per-point work is f64 (exact reported log-likelihood); the f32 kernel's
    // convergence rules (gradient floor, strict ascent) still hold, so the fit is close to,
    // not equal to, the f64 fit
    let x = scores_2000();
    let (fo, mut ws) = (FitOptions::default(), <MixtureWorkspace>::boxed());
    let a = fit_mixture_in(&x, 5, &fo, &options(Kernel::F64), &mut ws).unwrap();
    let b = fit_mixture_in(&x, 5, &fo, &options(Kernel::F32), &mut ws).unwrap();
    let lb = exact_ll(&b, &x);
    assert!((b.log_likelihood() - lb).abs() <= 1e-9 * lb.abs());
    assert!(
        lb >= a.log_likelihood() - 2.0,
        "{lb} vs {}",
        a.log_likelihood()
    );
}

#[test]
fn f32_kernel_streamed_equals_slice_bit_for_bit() {
    let x = scores_2000();
    let (fo, mo) = (FitOptions::default(), options(Kernel::F32));
    let mut ws = <MixtureWorkspace>::boxed();
    let whole = fit_mixture_in(&x, 2, &fo, &mo, &mut ws).unwrap();
    for size in [1, 7, 777] {
        let mut src = SliceChunks::new(&x, size);
        let s = fit_mixture_source_in(&mut src, 2, &fo, &mo, &mut ws).unwrap();
        assert_eq!(
            s.log_likelihood().to_bits(),
            whole.log_likelihood().to_bits(),
            "chunks of {size}"
        );
        assert_eq!(s.component(1), whole.component(1), "chunks of {size}");
    }
}
