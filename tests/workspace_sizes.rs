//! Smaller workspaces (`MixtureWorkspace<BINS, SAMPLE>`, for targets with little RAM) against
//! the default one (4096 bins, 8192 values), the way a device calls them: the mixture fits of
//! real similarity scores (26 samples of 6,544, where the warm start runs on the sketch; the
//! firmware's 2,000 scores, fitted cold from the subsample) and the model-based cuts on the
//! labelled retrieval data. A smaller sketch does not reproduce the default fit: on K ≥ 2 the
//! likelihood has several local optima and another sketch can lead to another one, better or
//! worse; these tests bound how much worse and how often the cuts change.
mod common;

use simstat::calibrate::{
    cut_scratch_len, cut_with_background, fit_background_in, BackgroundOptions, CutOptions, CutRule,
};
use simstat::fit::{
    fit_mixture_in, FitOptions, Kernel, MixtureFit, MixtureOptions, MixtureWorkspace,
};

fn fit<const B: usize, const S: usize>(
    x: &[f64],
    k: usize,
    kernel: Kernel,
    ws: &mut MixtureWorkspace<B, S>,
) -> MixtureFit {
    let mo = MixtureOptions {
        kernel,
        ..MixtureOptions::default()
    };
    fit_mixture_in(x, k, &FitOptions::default(), &mo, ws).expect("fit")
}

fn samples() -> Vec<(String, Vec<f64>)> {
    let mut out = common::real_samples();
    let bytes = std::fs::read(format!(
        "{}/firmware/data/scores.f64",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("firmware scores");
    let x = bytes
        .chunks_exact(8)
        .map(|c| f64::from_le_bytes(c.try_into().expect("8 bytes")))
        .collect();
    out.push(("firmware-2000".to_string(), x));
    out
}

#[test]
fn smaller_workspaces_fit_like_the_default() {
    // Measured (release; ΔLL = smaller − default, nats, over the 108 fits with K = 2, 3 of the
    // 27 samples and both kernels):
    //   1024 bins / 2048 values: mean +1.40, median +0.45, worst −2.09, best +8.45; 14 worse by > 0.01
    //    512 bins / 1024 values: mean +0.49, median +0.00, worst −2.40, best +5.89; 22 worse
    //    256 bins /  512 values: mean −0.24, median −0.00, worst −12.6, best +4.86; 35 worse
    // K = 1: within 5e-5 nats (f64 kernel; 1e-8 on 26 of the 27 samples, w4_minilm_l6 the flat
    // one), 0.24 (f32 kernel). Bounds: K = 1 within 1e-4 /
    // 0.5 nats; K ≥ 2, 1024 and 512 bins: mean ≥ 0 and worst ≥ −3 nats; 256 bins (where the
    // sketch is too coarse: 2,000 scores take the warm start there and land on a worse
    // optimum) mean ≥ −1, worst ≥ −15.
    let mut big = <MixtureWorkspace>::boxed();
    let mut w1024: Box<MixtureWorkspace<1024, 2048>> = Box::new(MixtureWorkspace::blank());
    let mut w512: Box<MixtureWorkspace<512, 1024>> = Box::new(MixtureWorkspace::blank());
    let mut w256: Box<MixtureWorkspace<256, 512>> = Box::new(MixtureWorkspace::blank());
    let mut worst = [0.0f64; 3];
    let mut gaps_k2 = [vec![], vec![], vec![]];
    for (name, x) in samples() {
        for kernel in [Kernel::F64, Kernel::F32] {
            for k in 1..=3 {
                let d = fit(&x, k, kernel, &mut big);
                let others = [
                    fit(&x, k, kernel, &mut w1024),
                    fit(&x, k, kernel, &mut w512),
                    fit(&x, k, kernel, &mut w256),
                ];
                let gaps = others.map(|f| f.log_likelihood() - d.log_likelihood());
                println!(
                    "{name} {kernel:?} K={k}: LL {:.4} passes {} | ΔLL 1024 {:+.2e} ({}) 512 {:+.2e} ({}) 256 {:+.2e} ({})",
                    d.log_likelihood(),
                    d.passes(),
                    gaps[0],
                    others[0].passes(),
                    gaps[1],
                    others[1].passes(),
                    gaps[2],
                    others[2].passes()
                );
                for i in 0..3 {
                    worst[i] = worst[i].min(gaps[i]);
                    if k > 1 {
                        gaps_k2[i].push(gaps[i]);
                    } else {
                        let bound = if kernel == Kernel::F64 { 1e-4 } else { 0.5 };
                        let g = gaps[i];
                        assert!(g.abs() <= bound, "{name} {kernel:?} K=1 size {i}: {g}");
                    }
                }
            }
        }
    }
    println!(
        "worst ΔLL (smaller − default): 1024 {:+.3e}, 512 {:+.3e}, 256 {:+.3e}",
        worst[0], worst[1], worst[2]
    );
    for (i, g) in gaps_k2.iter_mut().enumerate() {
        g.sort_by(f64::total_cmp);
        let n = g.len();
        let mean = g.iter().sum::<f64>() / n as f64;
        let within = g.iter().filter(|v| v.abs() <= 0.01).count();
        let worse = g.iter().filter(|&&v| v < -0.01).count();
        println!(
            "K>1 size {i}: n {n} mean {mean:+.3} median {:+.3} min {:+.3} max {:+.3} within 0.01 {within} worse {worse}",
            g[n / 2], g[0], g[n - 1]
        );
        let (mean_min, worst_min) = if i < 2 { (0.0, -3.0) } else { (-1.0, -15.0) };
        assert!(
            mean >= mean_min && g[0] >= worst_min,
            "size {i}: mean {mean}, worst {}",
            g[0]
        );
    }
}

fn keeps<const B: usize, const S: usize>(
    row: &[f64],
    scratch: &mut [f64],
    ws: &mut MixtureWorkspace<B, S>,
) -> [usize; 3] {
    let bg =
        fit_background_in(row, &BackgroundOptions::default(), scratch, ws).expect("background");
    [
        CutRule::Fdr { q: 0.05 },
        CutRule::Posterior { level: 0.5 },
        CutRule::ExpectedF1,
    ]
    .map(|rule| {
        let o = CutOptions {
            rule,
            ..CutOptions::default()
        };
        cut_with_background(row, &bg, &o, scratch)
            .expect("cut")
            .keep()
    })
}

#[test]
fn smaller_workspaces_cut_the_labelled_data_like_the_default() {
    // The three model rules (BH at 0.05, posterior 0.5, expected F1) from the background fitted
    // in each workspace, every 5th query of the four settings (`SIMSTAT_SIZES_STEP`). Measured
    // (release): all three kept counts equal to the default workspace's on 122 (1024 bins),
    // 118 (512) and 110 (256) of 122 queries; mean F1 per setting and rule identical (1024),
    // within 0.002 (512), and down by up to 0.044 (256: cisi-l6). Bounds: ≥ 95 % the same and
    // F1 within 0.01 for 1024 and 512 bins; ≥ 85 % and 0.05 for 256.
    let step: usize = std::env::var("SIMSTAT_SIZES_STEP")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5);
    let mut big = <MixtureWorkspace>::boxed();
    let mut w1024: Box<MixtureWorkspace<1024, 2048>> = Box::new(MixtureWorkspace::blank());
    let mut w512: Box<MixtureWorkspace<512, 1024>> = Box::new(MixtureWorkspace::blank());
    let mut w256: Box<MixtureWorkspace<256, 512>> = Box::new(MixtureWorkspace::blank());
    let mut same = [0usize; 3];
    let mut total = 0usize;
    for common::Labelled {
        name,
        scores,
        n_docs: nd,
        relevant: rel,
    } in common::labelled_settings()
    {
        let mut scratch = vec![0.0; cut_scratch_len(nd)];
        let mut f = [[0.0f64; 3]; 4];
        let mut n = 0.0;
        for (q, row) in scores.chunks_exact(nd).enumerate().step_by(step) {
            let r64: Vec<f64> = row.iter().map(|&v| f64::from(v)).collect();
            let ks = [
                keeps(&r64, &mut scratch, &mut big),
                keeps(&r64, &mut scratch, &mut w1024),
                keeps(&r64, &mut scratch, &mut w512),
                keeps(&r64, &mut scratch, &mut w256),
            ];
            n += 1.0;
            total += 1;
            for (w, kk) in ks.iter().enumerate() {
                for (fr, &k) in f[w].iter_mut().zip(kk) {
                    *fr += common::top_k_f1(row, k, &rel[q]);
                }
                if w > 0 {
                    same[w - 1] += usize::from(kk == &ks[0]);
                }
            }
        }
        for (r, rule) in ["BH 0.05", "posterior 0.5", "expected F1"]
            .iter()
            .enumerate()
        {
            let m = f.map(|fw| fw[r] / n);
            println!(
                "{name} {rule}: mean F1 default {:.4}, 1024 {:.4}, 512 {:.4}, 256 {:.4}",
                m[0], m[1], m[2], m[3]
            );
            for (w, &mw) in m.iter().enumerate().skip(1) {
                let bound = if w < 3 { 0.01 } else { 0.05 };
                let d = mw - m[0];
                assert!(d.abs() <= bound, "{name} {rule} size {w}: F1 moved by {d}");
            }
        }
    }
    println!(
        "queries with all three cuts equal to the default's: 1024 {} 512 {} 256 {} of {total}",
        same[0], same[1], same[2]
    );
    for (w, &m) in same.iter().enumerate() {
        let share = if w < 2 { 0.95 } else { 0.85 };
        assert!(m as f64 >= share * total as f64, "size {w}: {m} of {total}");
    }
}

#[test]
fn a_small_workspace_refuses_sketches_finer_than_it_holds() {
    use simstat::fit::{fit_mixture_from_sketch_in, fit_mixture_sketch_in, FitError, Sketch};
    let x: Vec<f64> = (0..5000)
        .map(|i| -0.9 + 1.8 * (i as f64 + 0.5) / 5000.0)
        .collect();
    let mut small: Box<MixtureWorkspace<64, 64>> = Box::new(MixtureWorkspace::blank());
    let (opts, mo) = (FitOptions::default(), MixtureOptions::default());
    // 129 bins > 2·64 points: refused, not truncated
    let mut fine = Sketch::<129>::new(-1.0, 1.0).expect("sketch");
    fine.extend(&x).expect("extend");
    assert!(matches!(
        fit_mixture_sketch_in(&fine, &x, 1, &opts, &mo, &mut small),
        Err(FitError::BadOption("bins"))
    ));
    let mut occupied = Sketch::<512>::new(-1.0, 1.0).expect("sketch");
    occupied.extend(&x).expect("extend");
    assert!(matches!(
        fit_mixture_from_sketch_in(&occupied, 1, &opts, &mo, &mut small),
        Err(FitError::BadOption("bins"))
    ));
    // 128 bins fit in it, and the smallest workspace fits the data
    let mut ok = Sketch::<128>::new(-1.0, 1.0).expect("sketch");
    ok.extend(&x).expect("extend");
    assert!(fit_mixture_sketch_in(&ok, &x, 1, &opts, &mo, &mut small).is_ok());
    assert!(fit_mixture_from_sketch_in(&ok, 1, &opts, &mo, &mut small).is_ok());
    let f = fit_mixture_in(&x, 2, &opts, &mo, &mut small).expect("fit");
    assert!(f.log_likelihood().is_finite());
    println!(
        "bytes: default {}, 1024/2048 {}, 512/1024 {}, 256/512 {}, 64/64 {}",
        <MixtureWorkspace>::BYTES,
        MixtureWorkspace::<1024, 2048>::BYTES,
        MixtureWorkspace::<512, 1024>::BYTES,
        MixtureWorkspace::<256, 512>::BYTES,
        MixtureWorkspace::<64, 64>::BYTES
    );
    // the sketch's and the subsample's share: 64 bytes a bin, 8 a value
    let fixed = <MixtureWorkspace>::BYTES - 64 * 4096 - 8 * 8192;
    assert_eq!(
        MixtureWorkspace::<512, 1024>::BYTES,
        fixed + 64 * 512 + 8 * 1024
    );
    assert_eq!(MixtureWorkspace::<64, 64>::BYTES, fixed + 64 * 64 + 8 * 64);
}
