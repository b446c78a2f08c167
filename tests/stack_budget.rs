//! Stack budget on x86-64: every call that claims a bounded stack runs to completion on a
//! thread with a small stack (an overflow aborts the test binary). The thread stack is
//! 32 KiB in an optimised build and 128 KiB in an unoptimised one (`cargo test` without
//! `--release`: unoptimised frames are larger). The calls' own stacks are under 16 KiB on
//! x86-64 (`fit_mixture_in` with K = 2 6.2 / 7.0 KiB with the f64 / f32 kernel, the
//! model-based `cut_in` 9.2 / 10.5 KiB, `select_order_in` 14.2 KiB: `tests/stack_probe.rs`)
//! and on thumbv7em (firmware/); the rest of a thread covers its start-up, guard page,
//! thread-local storage and the call's result. Before the workspaces the same calls needed
//! 64–512 KiB (`fit_gamma` 65 KiB, `fit_mixture` with K = 2 443 KiB, the default `cut`
//! 75 KiB), so this test failed.

mod common;

use simstat::calibrate::{cut, cut_in, CutOptions, CutRule};
use simstat::dist::ShiftedGamma;
use simstat::fit::{
    fit_gamma, fit_gamma_in, fit_mixture_f32_in, fit_mixture_in, fit_mixture_source_in, FitOptions,
    GammaWorkspace, Kernel, MixtureOptions, MixtureWorkspace,
};
use simstat::special::{digamma, gamma_p, ln_gamma, trigamma};

/// Thread stack the calls must complete on.
const THREAD_STACK: usize = if cfg!(debug_assertions) {
    128 * 1024
} else {
    32 * 1024
};

fn on_small_stack<R: Send + 'static>(name: &str, f: impl FnOnce() -> R + Send + 'static) -> R {
    std::thread::Builder::new()
        .name(name.to_string())
        .stack_size(THREAD_STACK)
        .spawn(f)
        .expect("spawn")
        .join()
        .unwrap_or_else(|_| panic!("{name} panicked"))
}

use common::two_cluster_scores as scores;

#[test]
fn bounded_calls_complete_on_a_small_stack() {
    let x = scores(2000);
    let fits = on_small_stack("special and dist", || {
        let g = ShiftedGamma::new(9.0, 30.0, -0.2).expect("valid");
        [
            digamma(3.5f64),
            trigamma(3.5f64),
            ln_gamma(3.5f64),
            gamma_p(3.5, 2.0),
            g.cdf(0.1),
            g.quantile(0.99),
        ]
    });
    assert!(fits.iter().all(|v| v.is_finite()));

    let d = x.clone();
    let f = on_small_stack("fit_gamma", move || fit_gamma(&d, &FitOptions::default()));
    assert!(f.expect("fit").shape() > 1.0);

    let d = x.clone();
    let mut gws = Box::new(GammaWorkspace::<4096>::new());
    let f = on_small_stack("fit_gamma_in", move || {
        fit_gamma_in(&d, &FitOptions::default(), &mut gws)
    });
    assert!(f.expect("fit").shape() > 1.0);

    // K = 2 on 2,000 scores (the cold path), K = 2 and 4 on 20,000 (the sketch path), with
    // the f64 and the f32 per-point kernel
    for kernel in [Kernel::F64, Kernel::F32] {
        for (n, k) in [(2000, 2), (20_000, 2), (20_000, 4)] {
            let d = scores(n);
            let mut ws = <MixtureWorkspace>::boxed();
            let fit = on_small_stack("fit_mixture_in", move || {
                let o = FitOptions::default();
                let mo = MixtureOptions {
                    kernel,
                    ..MixtureOptions::default()
                };
                fit_mixture_in(&d, k, &o, &mo, &mut ws).map(|f| (f.len(), f.log_likelihood()))
            });
            let (len, ll) = fit.expect("fit");
            assert!(len == k && ll.is_finite(), "n {n} k {k} {kernel:?}");
        }
    }

    // streamed (chunks of 777) and f32 input, in a workspace: the slice fit, bit for bit
    let d = scores(20_000);
    let slice = fit_mixture_in(
        &d,
        3,
        &FitOptions::default(),
        &MixtureOptions::default(),
        &mut <MixtureWorkspace>::boxed(),
    )
    .expect("fit");
    let d32: Vec<f32> = d.iter().map(|&v| v as f32).collect();
    let wide: Vec<f64> = d32.iter().map(|&v| f64::from(v)).collect();
    let wide_fit = fit_mixture_in(
        &wide,
        3,
        &FitOptions::default(),
        &MixtureOptions::default(),
        &mut <MixtureWorkspace>::boxed(),
    )
    .expect("fit");
    let mut ws = <MixtureWorkspace>::boxed();
    let (streamed, from_f32) = on_small_stack("fit_mixture_source_in", move || {
        let (o, mo) = (FitOptions::default(), MixtureOptions::default());
        let mut src = simstat::fit::mixture::SliceChunks::new(&d, 777);
        let a = fit_mixture_source_in(&mut src, 3, &o, &mo, &mut ws).expect("fit");
        let b = fit_mixture_f32_in(&d32, 3, &o, &mo, &mut ws).expect("fit");
        (a.log_likelihood(), b.log_likelihood())
    });
    assert_eq!(streamed.to_bits(), slice.log_likelihood().to_bits());

    // the sketch-then-exact fit in a workspace: the plain call's fit, bit for bit
    let d = scores(20_000);
    let mut sk = Box::new(simstat::fit::Sketch::<4096>::new(-1.0, 1.0).expect("sketch"));
    sk.extend(&d).expect("in range");
    let (o, mo) = (FitOptions::default(), MixtureOptions::default());
    let plain_sk = simstat::fit::fit_mixture_sketch(&sk, &d, 2, &o, &mo).expect("fit");
    let mut ws = <MixtureWorkspace>::boxed();
    let in_ws = on_small_stack("fit_mixture_sketch_in", move || {
        simstat::fit::fit_mixture_sketch_in(&sk, &d, 2, &o, &mo, &mut ws).expect("fit")
    });
    assert_eq!(in_ws, plain_sk);

    // the online (stepwise EM) fit in a used workspace: the plain call's fit, bit for bit
    // (a fixed shuffle of the quantile grid: a stream in no particular order)
    let grid = scores(20_000);
    let d: Vec<f64> = (0..20_000).map(|i| grid[i * 7919 % 20_000]).collect();
    let oo = simstat::fit::OnlineOptions::default();
    let mut src = simstat::fit::mixture::SliceChunks::new(&d, 1000);
    let plain_online =
        simstat::fit::fit_mixture_online(&mut src, 2, &o, &mo, &oo).expect("online fit");
    let mut ws = <MixtureWorkspace>::boxed();
    fit_mixture_in(&d, 3, &o, &mo, &mut ws).expect("dirties the workspace");
    let in_ws = on_small_stack("fit_mixture_online_in", move || {
        let mut src = simstat::fit::mixture::SliceChunks::new(&d, 1000);
        simstat::fit::fit_mixture_online_in(&mut src, 2, &o, &mo, &oo, &mut ws).expect("fit")
    });
    assert_eq!(in_ws, plain_online);

    // standard errors (of the K = 2 fit: K = 3 is over-specified here, its information
    // singular) in a workspace: the same numbers
    let d = scores(20_000);
    let two = simstat::fit::fit_mixture(&d, 2, &FitOptions::default()).expect("fit");
    let plain_se = simstat::fit::standard_errors(&two, &d).expect("se");
    let mut ws = <MixtureWorkspace>::boxed();
    let se = on_small_stack("standard_errors_in", move || {
        simstat::fit::standard_errors_in(&two, &d, &mut ws).expect("se")
    });
    assert_eq!(se, plain_se);

    // the map step of a distributed pass into a caller buffer: the same statistics
    let d = scores(20_000);
    let plain = simstat::fit::pass_statistics(&slice, &d);
    let mut st = Box::new(simstat::fit::SuffStats::empty());
    let st = on_small_stack("pass_statistics_into", move || {
        simstat::fit::pass_statistics_into(&slice, &d, &mut st);
        st
    });
    assert_eq!(st.max_rel_diff(&plain), 0.0);
    assert_eq!(
        st.log_likelihood().to_bits(),
        plain.log_likelihood().to_bits()
    );
    assert_eq!(from_f32.to_bits(), wide_fit.log_likelihood().to_bits());

    // the default cut: exact median (2,000 scores) and the histogram path (300,000)
    for n in [2000, 300_000] {
        let d = scores(n);
        let c = on_small_stack("cut", move || {
            let mut scratch = vec![0.0; 4096.max(d.len().min(200_000))];
            cut(&d, &CutOptions::default(), &mut scratch).map(|c| c.keep())
        });
        assert!(c.expect("cut") >= 1, "n {n}");
    }
}

/// The model-based cut in a workspace (`cut_in`, Benjamini–Hochberg, f64 and f32 kernels):
/// on the bounded calls' thread stack, like them (16.1 KiB measured on thumbv7em, see
/// firmware/; it needed 64 KiB here before the background's fits were built in place, and
/// `cut` with a model rule places 0.8 MiB).
#[test]
fn model_based_cut_in_a_workspace_completes_on_a_small_stack() {
    let mut x = scores(2000);
    x.extend([0.93, 0.95, 0.97]);
    let o = CutOptions {
        rule: CutRule::Fdr { q: 0.05 },
        ..CutOptions::default()
    };
    let mut scratch = vec![0.0; x.len()];
    let plain = cut(&x, &o, &mut scratch).expect("cut").keep();
    // with the f64 and the f32 per-point kernel (the same cut here)
    for kernel in [Kernel::F64, Kernel::F32] {
        let mut ws = <MixtureWorkspace>::boxed();
        let x = x.clone();
        let keep = std::thread::Builder::new()
            .stack_size(THREAD_STACK)
            .spawn(move || {
                let mut scratch = vec![0.0; x.len()];
                let mut o = CutOptions {
                    rule: CutRule::Fdr { q: 0.05 },
                    ..CutOptions::default()
                };
                o.background.kernel = kernel;
                cut_in(&x, &o, &mut scratch, &mut ws).map(|c| c.keep())
            })
            .expect("spawn")
            .join()
            .expect("cut_in panicked");
        assert_eq!(keep.expect("cut"), plain, "{kernel:?}");
    }
    assert!(plain >= 3);
}

/// Thread stack of the order selection in a workspace: 40 KiB optimised (it overflows 36 KiB:
/// beside its own frames, ~14 KiB measured on x86-64, the thread holds its 7.5 KiB result and
/// the thread's start-up, guard page and thread-local storage), twice the bounded calls' in an
/// unoptimised build.
const SELECT_STACK: usize = if cfg!(debug_assertions) {
    2 * THREAD_STACK
} else {
    40 * 1024
};

/// Order selection end to end in a workspace: the over-fit (`fit_mixture_in`, K = 6, the
/// over-fit options) on the bounded calls' thread stack, then `select_order_in` with nested
/// level polishes (every polish, its start and its result in the workspace) on
/// [`SELECT_STACK`]; both choose exactly what the plain calls choose. Before, the selection
/// needed 32–64 KiB beside the over-fit (a 38 KiB chain of frames) and `select_order`
/// 256–512 KiB (each polish put ~200 KiB of buffers on the stack).
#[test]
fn order_selection_in_a_workspace_completes_on_a_small_stack() {
    use simstat::fit::fit_mixture_with;
    use simstat::select::{select_order, select_order_in, DscOptions, LevelRefit};
    let x = scores(2000);
    let (o, mo) = (FitOptions::default(), MixtureOptions::overfit());
    let dsc = DscOptions {
        refit: LevelRefit::MleNested { max_passes: 50 },
        ..DscOptions::default()
    };
    let over = fit_mixture_with(&x, 6, &o, &mo).expect("over-fit");
    let plain = select_order(&over, &x, &dsc).expect("select");
    // the over-fit on the bounded calls' thread stack, the selection on 40 KiB
    let d = x.clone();
    let mut ws = <MixtureWorkspace>::boxed();
    let (over_in, ws) = on_small_stack("fit_mixture_in (K = 6)", move || {
        let f = fit_mixture_in(&d, 6, &o, &mo, &mut ws).expect("over-fit");
        (f, ws)
    });
    let ll = over_in.log_likelihood();
    let d = x.clone();
    let mut ws = ws;
    let (k, dsc_bits) = std::thread::Builder::new()
        .stack_size(SELECT_STACK)
        .spawn(move || {
            let sel = select_order_in(&over_in, &d, &dsc, &mut ws).expect("select");
            let bits: Vec<u64> = sel.dsc_curve().iter().map(|v| v.to_bits()).collect();
            (sel.dsc_choice(), bits)
        })
        .expect("spawn")
        .join()
        .expect("select_order_in panicked");
    assert_eq!(ll.to_bits(), over.log_likelihood().to_bits());
    assert_eq!(k, plain.dsc_choice());
    let plain_bits: Vec<u64> = plain.dsc_curve().iter().map(|v| v.to_bits()).collect();
    assert_eq!(dsc_bits, plain_bits);
}

#[test]
fn results_do_not_depend_on_the_workspace_history() {
    // one workspace reused across different fits gives the same results as fresh ones
    let mut ws = <MixtureWorkspace>::boxed();
    let (o, mo) = (FitOptions::default(), MixtureOptions::default());
    let a = scores(20_000);
    let b = scores(3000);
    let first = fit_mixture_in(&a, 3, &o, &mo, &mut ws).expect("fit");
    let _ = fit_mixture_in(&b, 2, &o, &mo, &mut ws).expect("fit");
    let again = fit_mixture_in(&a, 3, &o, &mo, &mut ws).expect("fit");
    let fresh = fit_mixture_in(&a, 3, &o, &mo, &mut <MixtureWorkspace>::boxed()).expect("fit");
    assert_eq!(
        first.log_likelihood().to_bits(),
        again.log_likelihood().to_bits()
    );
    assert_eq!(
        first.log_likelihood().to_bits(),
        fresh.log_likelihood().to_bits()
    );
    let plain = simstat::fit::fit_mixture(&a, 3, &o).expect("fit");
    assert_eq!(
        first.log_likelihood().to_bits(),
        plain.log_likelihood().to_bits()
    );
}

/// The convenience forms (feature `alloc`, on by default) allocate their workspace on the heap,
/// so they complete on the same small threads as the workspace forms and give their results
/// bit for bit; before, each put about 0.8 MiB on its own stack (more than a 2 MiB test
/// thread in an unoptimised build).
#[test]
fn convenience_forms_complete_on_a_small_stack() {
    use simstat::calibrate::fit_background;
    use simstat::fit::mixture::SliceChunks;
    use simstat::fit::{
        fit_mixture, fit_mixture_f32, fit_mixture_from, fit_mixture_online, standard_errors,
        OnlineOptions,
    };
    use simstat::select::{select_order, DscOptions, LevelRefit};
    let x = scores(2000);
    let (o, mo) = (FitOptions::default(), MixtureOptions::default());
    let mut ws = <MixtureWorkspace>::boxed();
    let want = fit_mixture_in(&x, 2, &o, &mo, &mut ws).expect("fit");
    let d = x.clone();
    let fit = on_small_stack("fit_mixture", move || fit_mixture(&d, 2, &o).expect("fit"));
    assert_eq!(fit, want);
    let d: Vec<f32> = x.iter().map(|&v| v as f32).collect();
    let f32fit = on_small_stack("fit_mixture_f32", move || fit_mixture_f32(&d, 2, &o, &mo));
    assert_eq!(f32fit.expect("f32 fit").len(), 2);
    let (d, start) = (x.clone(), fit);
    let polished = on_small_stack("fit_mixture_from", move || {
        fit_mixture_from(&d, &start, &o, &mo).expect("polish")
    });
    assert_eq!(polished.len(), 2);
    let (d, f) = (x.clone(), fit);
    let se = on_small_stack("standard_errors", move || standard_errors(&f, &d).is_ok());
    assert!(se);
    let d = x.clone();
    let online = on_small_stack("fit_mixture_online", move || {
        let mut src = SliceChunks::new(&d, 500);
        fit_mixture_online(&mut src, 1, &o, &mo, &OnlineOptions::default()).map(|f| f.len())
    });
    assert_eq!(online.expect("online fit"), 1);

    let mut s = x.clone();
    s.extend([0.93, 0.95, 0.97]);
    let bh = CutOptions {
        rule: CutRule::Fdr { q: 0.05 },
        ..CutOptions::default()
    };
    let mut scratch = vec![0.0; s.len()];
    let want_keep = cut_in(&s, &bh, &mut scratch, &mut ws)
        .expect("cut_in")
        .keep();
    let d = s.clone();
    let keep = on_small_stack("cut (BH)", move || {
        let mut scratch = vec![0.0; d.len()];
        cut(&d, &bh, &mut scratch).map(|c| c.keep())
    });
    assert_eq!(keep.expect("cut"), want_keep);
    let k = on_small_stack("fit_background", move || {
        let mut scratch = vec![0.0; s.len()];
        fit_background(&s, 3, &o, &mut scratch).map(|b| b.fit.len())
    });
    assert!(k.expect("background") >= 1);

    let over = fit_mixture_in(&x, 6, &o, &MixtureOptions::overfit(), &mut ws).expect("over-fit");
    let dsc = DscOptions {
        refit: LevelRefit::MleNested { max_passes: 50 },
        ..DscOptions::default()
    };
    let want = simstat::select::select_order_in(&over, &x, &dsc, &mut ws).expect("select");
    let chosen = std::thread::Builder::new()
        .stack_size(SELECT_STACK)
        .spawn(move || select_order(&over, &x, &dsc).map(|s| s.dsc_choice()))
        .expect("spawn")
        .join()
        .expect("select_order panicked");
    assert_eq!(chosen.expect("select"), want.dsc_choice());
}
