//! Own-stack measurement on the host (x86-64, aarch64): paints a thread's stack below the
//! caller, runs one call, and finds the deepest byte it wrote — the figures the README quotes
//! for the host ("own stack"; the result slot, in the caller's frame, not counted). Ignored by
//! default: it reads stack memory below the live frames through raw pointers, which Rust's
//! memory model does not define (it works with volatile accesses on the targets measured, as
//! the firmware's painting does on the Cortex-M4F), so it is a measurement run on demand:
//! `cargo test --release --test stack_probe -- --ignored --nocapture`. It fails when a call
//! takes more than the 16 KiB budget. `tests/stack_budget.rs` is the defined-behaviour check
//! (each call completes on a small thread).

#![allow(unsafe_code)]

mod common;

use core::mem::MaybeUninit;
use simstat::calibrate::{cut_in, CutOptions, CutRule};
use simstat::fit::{fit_mixture_in, FitOptions, Kernel, MixtureOptions, MixtureWorkspace};
use simstat::select::{select_order_in, DscOptions, LevelRefit};

/// Bytes painted below the caller.
const SPAN: usize = 256 * 1024;
/// The stack budget of a bounded call.
const BUDGET: usize = 16 * 1024;
const PAINT: u8 = 0xA5;

/// Paints `SPAN` bytes of this frame's (uninitialised) array: the stack just below the caller.
#[inline(never)]
fn paint() -> usize {
    let mut a = MaybeUninit::<[u8; SPAN]>::uninit();
    let p = std::hint::black_box(a.as_mut_ptr().cast::<u8>());
    for i in 0..SPAN {
        // SAFETY: within the array of this frame.
        unsafe { std::ptr::write_volatile(p.add(i), PAINT) };
    }
    p as usize
}

/// The lowest painted address a call wrote below (the same frame layout as [`paint`], so the
/// same array): the first 256-byte window from the bottom with more than 16 bytes changed
/// (stack probes write one word per page, which is not usage).
#[inline(never)]
fn lowest_touched() -> (usize, usize) {
    let a = MaybeUninit::<[u8; SPAN]>::uninit();
    let p = std::hint::black_box(a.as_ptr().cast::<u8>());
    let mut i = 0;
    while i + 256 <= SPAN {
        let changed = (0..256)
            // SAFETY: within the array of this frame (read as bytes; see the module docs).
            .filter(|&j| unsafe { std::ptr::read_volatile(p.add(i + j)) } != PAINT)
            .count();
        if changed > 16 {
            break;
        }
        i += 256;
    }
    (p as usize, p as usize + i)
}

#[inline(never)]
fn stack_pointer() -> usize {
    let x = 0u8;
    std::hint::black_box(&x) as *const u8 as usize
}

/// The bytes `f` used below its caller's stack pointer, and its result.
fn own_stack<R: Send + 'static>(f: impl FnOnce() -> R + Send + 'static) -> (usize, R) {
    std::thread::Builder::new()
        .stack_size(4 * SPAN)
        .spawn(move || {
            let base = paint();
            let sp = stack_pointer();
            let r = f();
            let (again, low) = lowest_touched();
            assert_eq!(base, again, "the probe's frames moved");
            (sp.saturating_sub(low), r)
        })
        .expect("spawn")
        .join()
        .expect("call panicked")
}

use common::two_cluster_scores as scores;

#[test]
#[ignore = "a measurement: reads stack memory outside Rust's model (see the module docs)"]
fn bounded_calls_own_stack() {
    let mut worst = 0;
    for kernel in [Kernel::F64, Kernel::F32] {
        let d = scores(2000);
        let mut ws = <MixtureWorkspace>::boxed();
        let (bytes, fit) = own_stack(move || {
            let mo = MixtureOptions {
                kernel,
                ..MixtureOptions::default()
            };
            fit_mixture_in(&d, 2, &FitOptions::default(), &mo, &mut ws).map(|f| f.len())
        });
        assert_eq!(fit.expect("fit"), 2);
        println!("fit_mixture_in K = 2 ({kernel:?}): {bytes} B");
        worst = worst.max(bytes);

        let mut d = scores(2000);
        d.extend([0.93, 0.95, 0.97]);
        let mut ws = <MixtureWorkspace>::boxed();
        let (bytes, keep) = own_stack(move || {
            let mut scratch = vec![0.0; d.len()];
            let mut o = CutOptions {
                rule: CutRule::Fdr { q: 0.05 },
                ..CutOptions::default()
            };
            o.background.kernel = kernel;
            cut_in(&d, &o, &mut scratch, &mut ws).map(|c| c.keep())
        });
        assert!(keep.expect("cut") >= 3);
        println!("cut_in, BH at 0.05 ({kernel:?}): {bytes} B");
        worst = worst.max(bytes);
    }
    let d = scores(2000);
    let mut ws = <MixtureWorkspace>::boxed();
    let over = fit_mixture_in(
        &d,
        6,
        &FitOptions::default(),
        &MixtureOptions::overfit(),
        &mut ws,
    )
    .expect("over-fit");
    let (bytes, k) = own_stack(move || {
        let dsc = DscOptions {
            refit: LevelRefit::MleNested { max_passes: 50 },
            ..DscOptions::default()
        };
        select_order_in(&over, &d, &dsc, &mut ws).map(|s| s.dsc_choice())
    });
    assert!(k.expect("select") >= 1);
    println!("select_order_in (K = 6 over-fit, nested polishes): {bytes} B");
    worst = worst.max(bytes);
    assert!(worst <= BUDGET, "{worst} B over the {BUDGET} B budget");
}

/// The convenience forms (feature `alloc`): each allocates its workspace on the heap, so its own
/// stack stays within the same budget as the workspace forms (before: about 0.8 MiB each).
#[test]
#[ignore = "a measurement: reads stack memory outside Rust's model (see the module docs)"]
fn convenience_forms_own_stack() {
    use simstat::calibrate::{cut, fit_background};
    use simstat::fit::{
        fit_mixture_f32, fit_mixture_from, fit_mixture_with, standard_errors, FitOptions,
    };
    use simstat::select::select_order;
    let mut worst = 0;
    let mut report = |name: &str, bytes: usize| {
        println!("{name}: {bytes} B");
        worst = worst.max(bytes);
    };
    let d = scores(2000);
    let (bytes, fit) = own_stack(move || {
        fit_mixture_with(&d, 2, &FitOptions::default(), &MixtureOptions::default())
    });
    let fit = fit.expect("fit");
    report("fit_mixture_with K = 2", bytes);
    let d = scores(2000);
    let start = fit;
    let (bytes, polished) = own_stack(move || {
        fit_mixture_from(
            &d,
            &start,
            &FitOptions::default(),
            &MixtureOptions::default(),
        )
        .map(|f| f.len())
    });
    assert_eq!(polished.expect("polish"), 2);
    report("fit_mixture_from K = 2", bytes);
    let d = scores(2000);
    let f = fit;
    let (bytes, se) = own_stack(move || standard_errors(&f, &d).map(|_| ()));
    se.expect("standard errors");
    report("standard_errors K = 2", bytes);
    let d32: Vec<f32> = scores(2000).iter().map(|&x| x as f32).collect();
    let (bytes, f32fit) = own_stack(move || {
        fit_mixture_f32(&d32, 2, &FitOptions::default(), &MixtureOptions::default())
            .map(|f| f.len())
    });
    assert_eq!(f32fit.expect("f32 fit"), 2);
    report("fit_mixture_f32 K = 2", bytes);

    let mut d = scores(2000);
    d.extend([0.93, 0.95, 0.97]);
    let d2 = d.clone();
    let (bytes, keep) = own_stack(move || {
        let mut scratch = vec![0.0; d.len()];
        let o = CutOptions {
            rule: CutRule::Fdr { q: 0.05 },
            ..CutOptions::default()
        };
        cut(&d, &o, &mut scratch).map(|c| c.keep())
    });
    assert!(keep.expect("cut") >= 3);
    report("cut, BH at 0.05", bytes);
    let (bytes, bg) = own_stack(move || {
        let mut scratch = vec![0.0; d2.len()];
        fit_background(&d2, 3, &FitOptions::default(), &mut scratch).map(|b| b.fit.len())
    });
    assert!(bg.expect("background") >= 1);
    report("fit_background max_k = 3", bytes);

    let d = scores(2000);
    let over = fit_mixture_with(&d, 6, &FitOptions::default(), &MixtureOptions::overfit())
        .expect("over-fit");
    let (bytes, k) = own_stack(move || {
        let dsc = DscOptions {
            refit: LevelRefit::MleNested { max_passes: 50 },
            ..DscOptions::default()
        };
        select_order(&over, &d, &dsc).map(|s| s.dsc_choice())
    });
    assert!(k.expect("select") >= 1);
    report("select_order (K = 6 over-fit, nested polishes)", bytes);
    assert!(worst <= BUDGET, "{worst} B over the {BUDGET} B budget");
}

/// Calls outside the mixture workspace's reach, measured the same way: the map step of a
/// distributed pass (its 43 KiB result returned by value, beside `pass_statistics_into`) and
/// the SGMoE fit (sized by its const parameters: one input dimension and four experts here).
#[test]
#[ignore = "a measurement: reads stack memory outside Rust's model (see the module docs)"]
fn other_calls_own_stack() {
    use nalgebra::SVector;
    use simstat::fit::mixture::{pass_statistics_into, SuffStats};
    use simstat::select::sgmoe::{fit_sgmoe, EmOptions, SplitMix64};
    let d = scores(2000);
    let mut ws = <MixtureWorkspace>::boxed();
    let fit = fit_mixture_in(
        &d,
        2,
        &FitOptions::default(),
        &MixtureOptions::default(),
        &mut ws,
    )
    .expect("fit");
    let mut out = Box::new(SuffStats::empty());
    let (bytes, ()) = own_stack(move || pass_statistics_into(&fit, &d, &mut out));
    println!("pass_statistics_into K = 2: {bytes} B");
    let mut worst = bytes;
    let (bytes, ll) = own_stack(|| {
        let mut rng = SplitMix64(7);
        let xs: Vec<SVector<f64, 1>> = (0..400)
            .map(|_| SVector::from([2.0 * rng.next_f64() - 1.0]))
            .collect();
        let ys: Vec<f64> = xs
            .iter()
            .map(|x| 0.5 * x[0].signum() + 0.1 * rng.normal())
            .collect();
        fit_sgmoe::<1, 4>(&xs, &ys, 2, &EmOptions::default()).map(|f| f.log_likelihood)
    });
    assert!(ll.expect("sgmoe").is_finite());
    println!("fit_sgmoe::<1, 4> k = 2: {bytes} B");
    worst = worst.max(bytes);
    assert!(worst <= BUDGET, "{worst} B over the {BUDGET} B budget");
}
