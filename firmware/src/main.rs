//! simstat on an emulated Cortex-M4F (qemu-system-arm, machine mps2-an386, semihosting): runs
//! the special functions against committed mpmath values and the main calls (single-gamma fit,
//! K = 2 mixture fit, calibration cuts) on 2,000 real scores from a static buffer, checks every
//! result against the x86-64 result (`expected.rs`) within the bounds stated there, paints the
//! stack and reports each call's high-water mark, and counts instructions with the board timer
//! under `-icount shift=0` (1 ns of virtual time per instruction; the 25 MHz timer ticks once
//! per 40 instructions: instruction counts to ±40, not cycles). Exit code 0 only when every
//! check passes and every call stays within the stack budget. Run: `bash .ci/firmware.sh`.
#![no_std]
#![no_main]

mod calls;
mod expected;
mod heap;
mod reference;

/// The heap of the convenience forms (one default workspace).
#[global_allocator]
static HEAP: heap::Bump = heap::Bump::new();

use core::panic::PanicInfo;
use cortex_m_rt::entry;
use cortex_m_semihosting::{debug, hprintln};
use simstat::fit::{GammaWorkspace, Kernel, MixtureWorkspace};
use simstat::special::{digamma, gamma_p, gamma_q, ln_gamma, trigamma};

/// Stack each public call may use (bytes below the caller's stack pointer).
const STACK_BUDGET: usize = 16 * 1024;
/// Word painted over the free stack before a call.
const PAINT: u32 = 0xC0FF_EE11;
/// CMSDK APB timer 0 of the MPS2 board (25 MHz down-counter).
const TIMER0: usize = 0x4000_0000;

static SCORES: [f64; calls::N_SCORES] = calls::scores_from_le(include_bytes!("../data/scores.f64"));

/// Scores the calls run on: all of them, or the first `FIRMWARE_N` (a quicker run for stack
/// measurements; the results are then not checked).
fn scores() -> &'static [f64] {
    let n = match option_env!("FIRMWARE_N") {
        Some(v) => match v.parse::<usize>() {
            Ok(n) => n.min(SCORES.len()),
            Err(_) => SCORES.len(),
        },
        None => SCORES.len(),
    };
    &SCORES[..n]
}

extern "C" {
    /// End of the statically allocated RAM (cortex-m-rt's linker script): the stack may grow
    /// down to here.
    static mut __sheap: u32;
}

fn stack_pointer() -> usize {
    cortex_m::register::msp::read() as usize
}

/// Paints the free stack from the end of static RAM up to just below this function's frame.
#[inline(never)]
fn paint() {
    let bottom = core::ptr::addr_of_mut!(__sheap) as usize;
    let top = stack_pointer() - 64;
    let mut a = (bottom + 3) & !3;
    while a < top {
        // SAFETY: [bottom, top) is RAM between the end of the statics and below the current
        // stack pointer: nothing lives there (no interrupts are enabled), and `a` is aligned.
        unsafe { core::ptr::write_volatile(a as *mut u32, PAINT) };
        a += 4;
    }
}

/// Lowest address whose paint was overwritten since [`paint`].
fn lowest_touched() -> usize {
    let bottom = core::ptr::addr_of_mut!(__sheap) as usize;
    let mut a = (bottom + 3) & !3;
    // SAFETY: reads of aligned RAM words between the end of the statics and the stack.
    while unsafe { core::ptr::read_volatile(a as *const u32) } == PAINT {
        a += 4;
    }
    a
}

fn timer_start() {
    // SAFETY: the CMSDK timer's RELOAD (0x08), VALUE (0x04) and CTRL (0x00) registers of the
    // MPS2 memory map; 32-bit aligned device registers.
    unsafe {
        core::ptr::write_volatile((TIMER0 + 0x08) as *mut u32, u32::MAX);
        core::ptr::write_volatile((TIMER0 + 0x04) as *mut u32, u32::MAX);
        core::ptr::write_volatile(TIMER0 as *mut u32, 1);
    }
}

fn timer_value() -> u32 {
    // SAFETY: the timer's VALUE register (see `timer_start`).
    unsafe { core::ptr::read_volatile((TIMER0 + 0x04) as *const u32) }
}

/// What one measured call cost.
struct Cost {
    stack: usize,
    instructions: u64,
}

/// Runs `f` on a freshly painted stack: its stack high-water mark (bytes below this frame's
/// stack pointer) and its instruction count (board timer under `-icount shift=0`).
#[inline(never)]
fn measure<R>(f: impl FnOnce() -> R) -> (R, Cost) {
    paint();
    let sp = stack_pointer();
    let t0 = timer_value();
    let r = call(f);
    let t1 = timer_value();
    let stack = sp.saturating_sub(lowest_touched());
    let ticks = u64::from(t0.wrapping_sub(t1));
    (
        r,
        Cost {
            stack,
            instructions: ticks * 40,
        },
    )
}

/// Calls `f` in a frame of its own, below the measuring frame (so what `f` inlines is counted).
#[inline(never)]
fn call<R>(f: impl FnOnce() -> R) -> R {
    f()
}

/// ULP of a double of magnitude |v|.
fn ulp(v: f64) -> f64 {
    let e = ((v.abs().to_bits() >> 52) & 0x7ff) as i32;
    f64::from_bits((((e - 52).max(1)) as u64) << 52).max(f64::from_bits(1))
}

fn ulp_err(got: f64, hi: u64, lo: u64) -> f64 {
    let (h, l) = (f64::from_bits(hi), f64::from_bits(lo));
    ((got - h) - l).abs() / ulp(h)
}

/// Checks the special functions against the reference values; returns the failures.
fn special_functions() -> usize {
    let mut failures = 0;
    let mut worst = [0.0f64; 5];
    for (i, (name, table, f)) in [
        (
            "digamma",
            &reference::DIGAMMA,
            digamma::<f64> as fn(f64) -> f64,
        ),
        ("trigamma", &reference::TRIGAMMA, trigamma::<f64>),
        ("ln_gamma", &reference::LN_GAMMA, ln_gamma::<f64>),
    ]
    .into_iter()
    .enumerate()
    {
        for &(x, hi, lo) in table.iter() {
            let e = ulp_err(f(f64::from_bits(x)), hi, lo);
            worst[i] = worst[i].max(e);
            if !(e <= expected::SPECIAL_ULP) {
                hprintln!("FAIL {}({:e}): {} ULP", name, f64::from_bits(x), e);
                failures += 1;
            }
        }
    }
    for &(a, x, ph, pl, qh, ql) in reference::GAMMA_INC.iter() {
        let (a, x) = (f64::from_bits(a), f64::from_bits(x));
        let (ep, eq) = (
            ulp_err(gamma_p(a, x), ph, pl),
            ulp_err(gamma_q(a, x), qh, ql),
        );
        worst[3] = worst[3].max(ep);
        worst[4] = worst[4].max(eq);
        if !(ep <= expected::GAMMA_INC_ULP && eq <= expected::GAMMA_INC_ULP) {
            hprintln!("FAIL P/Q({:e}, {:e}): {} / {} ULP", a, x, ep, eq);
            failures += 1;
        }
    }
    hprintln!(
        "special: max ULP digamma {} trigamma {} ln_gamma {} P {} Q {} (bounds {} / {})",
        worst[0],
        worst[1],
        worst[2],
        worst[3],
        worst[4],
        expected::SPECIAL_ULP,
        expected::GAMMA_INC_ULP
    );
    failures
}

/// Compares a call's results with the x86 ones: relative difference ≤ `bound` (exact for
/// equal bits, NaN never passes); fails too when the call's stack exceeds [`STACK_BUDGET`].
fn check(name: &str, got: &[f64], want: &[f64], bound: f64, cost: &Cost) -> usize {
    let mut worst = 0.0f64;
    let mut bad = got.len() != want.len();
    for (&g, &w) in got.iter().zip(want) {
        let d = if g.to_bits() == w.to_bits() {
            0.0
        } else {
            (g - w).abs() / w.abs().max(f64::MIN_POSITIVE)
        };
        bad |= !(d <= bound);
        worst = worst.max(if d.is_nan() { f64::INFINITY } else { d });
    }
    let over = cost.stack > STACK_BUDGET;
    hprintln!(
        "{:<12} stack {:>7} B  instructions {:>11}  max rel. diff vs x86 {:e} (bound {:e}){}{}",
        name,
        cost.stack,
        cost.instructions,
        worst,
        bound,
        if bad { "  FAIL result" } else { "" },
        if over { "  FAIL stack over budget" } else { "" }
    );
    if bad {
        hprintln!("  got  {:?}\n  want {:?}", got, want);
    }
    usize::from(bad) + usize::from(over)
}

/// What the E-step's per-point work costs in f64 (software double on this core) and in f32
/// (the FPU): one ln, one exp, one division and a few multiply-adds per point and component,
/// over the scores. Returns instructions per point for (f64, f32).
fn kernel_costs(scores: &[f64]) -> (u64, u64) {
    let n = scores.len().max(1) as u64;
    let (s64, c64) = measure(|| {
        let mut acc = 0.0f64;
        for &x in scores {
            let y = libm::log(x + 1.5);
            let z = libm::exp(7.0 * y - 26.0 * x);
            acc += z / (1.0 + z) + 0.5 * y * y;
        }
        acc
    });
    let (s32, c32) = measure(|| {
        let mut acc = 0.0f32;
        for &x in scores {
            let x = x as f32;
            let y = libm::logf(x + 1.5);
            let z = libm::expf(7.0 * y - 26.0 * x);
            acc += z / (1.0 + z) + 0.5 * y * y;
        }
        acc
    });
    // keep the sums (and so the loops) alive
    if !(s64.is_finite() && s32.is_finite()) {
        hprintln!("kernel sums not finite");
    }
    (c64.instructions / n, c32.instructions / n)
}

#[entry]
fn main() -> ! {
    timer_start();
    hprintln!(
        "simstat firmware: Cortex-M4F (mps2-an386), {} scores",
        SCORES.len()
    );
    let (special_failures, c) = measure(special_functions);
    let mut failures = special_failures + check("special", &[], &[], 0.0, &c);
    let scores = scores();
    let full = scores.len() == SCORES.len();
    let want = |w: &'static [f64]| if full { Some(w) } else { None };
    let check = |name: &str, got: &[f64], w: &'static [f64], bound: f64, cost: &Cost| {
        check(name, got, want(w).unwrap_or(got), bound, cost)
    };
    // The workspaces live in static RAM (.bss), taken once.
    let (Some(ws), Some(small), Some(gws), Some(scratch)) = (
        cortex_m::singleton!(: MixtureWorkspace = MixtureWorkspace::new()),
        cortex_m::singleton!(: calls::SmallWorkspace = MixtureWorkspace::blank()),
        cortex_m::singleton!(: GammaWorkspace<4096> = GammaWorkspace::new()),
        cortex_m::singleton!(: [f64; calls::N_SCORES] = [0.0; calls::N_SCORES]),
    ) else {
        hprintln!("FAIL: workspaces taken twice");
        debug::exit(debug::EXIT_FAILURE);
        loop {}
    };

    let (r, c) = measure(|| calls::gamma(scores));
    failures += check("fit_gamma", &r, &expected::GAMMA, expected::FIT_REL, &c);
    let (r, c) = measure(|| calls::gamma_in(scores, gws));
    failures += check(
        "fit_gamma_in",
        &r,
        &expected::GAMMA_IN,
        expected::FIT_REL,
        &c,
    );
    let (r, c) = measure(calls::dist);
    failures += check("dist", &r, &expected::DIST, 0.0, &c);
    let (r, c) = measure(|| calls::mixture(scores, ws));
    failures += check("fit_mixture", &r, &expected::MIXTURE, expected::FIT_REL, &c);
    let (r, c) = measure(|| calls::mixture_f32(scores, ws));
    failures += check(
        "fit_mixture (f32 kernel)",
        &r,
        &expected::MIXTURE_F32,
        expected::FIT_REL,
        &c,
    );
    // the convenience form: its workspace on the heap, the same fit bit for bit
    let (r, c) = measure(|| calls::mixture_f32_heap(scores));
    failures += check(
        "fit_mixture_with (f32, heap workspace)",
        &r,
        &expected::MIXTURE_F32,
        expected::FIT_REL,
        &c,
    );
    let (r, c) = measure(|| calls::mixture_f32_one_start(scores, ws));
    failures += check(
        "fit_mixture (f32, 1 start)",
        &r,
        &expected::MIXTURE_F32_ONE_START,
        expected::FIT_REL,
        &c,
    );
    let (r, c) = measure(|| calls::cut_default(scores, scratch));
    failures += check("cut", &r, &expected::CUT_DEFAULT, 0.0, &c);
    let (r, c) = measure(|| calls::cut_fdr(scores, scratch, ws));
    failures += check("cut_in (fdr)", &r, &expected::CUT_FDR, 0.0, &c);
    let (r, c) = measure(|| calls::cut_fdr_f32(scores, scratch, ws));
    failures += check(
        "cut_in (fdr, f32 kernel)",
        &r,
        &expected::CUT_FDR_F32,
        0.0,
        &c,
    );

    // The small-memory, few-pass forms (a workspace of 512 bins and 1,024 values).
    let (r, c) = measure(|| calls::mixture_small(scores, small, Kernel::F64));
    failures += check(
        "fit_mixture (512-bin ws, warm)",
        &r,
        &expected::MIXTURE_SMALL,
        expected::FIT_REL,
        &c,
    );
    let (r, c) = measure(|| calls::mixture_small(scores, small, Kernel::F32));
    failures += check(
        "fit_mixture (512-bin ws, warm, f32)",
        &r,
        &expected::MIXTURE_F32_SMALL,
        expected::FIT_REL,
        &c,
    );
    let (r, c) = measure(|| calls::cut_fdr_f32_small(scores, scratch, small));
    failures += check(
        "cut_in (fdr, f32, 512-bin ws, binned)",
        &r,
        &expected::CUT_FDR_F32_SMALL,
        0.0,
        &c,
    );
    hprintln!(
        "workspaces: default {} B, small {} B; heap {} B",
        <MixtureWorkspace>::BYTES,
        calls::SmallWorkspace::BYTES,
        heap::Bump::BYTES
    );

    let (k64, k32) = kernel_costs(scores);
    hprintln!(
        "E-step kernel (ln, exp, division, 3 multiply-adds per point): f64 {} instructions per point, f32 {} ({:.1}x)",
        k64,
        k32,
        k64 as f64 / k32.max(1) as f64
    );
    hprintln!("stack budget {} B per call", STACK_BUDGET);
    if failures == 0 {
        hprintln!("firmware: all checks passed");
        debug::exit(debug::EXIT_SUCCESS);
    } else {
        hprintln!("firmware: {} check(s) failed", failures);
        debug::exit(debug::EXIT_FAILURE);
    }
    loop {}
}

#[panic_handler]
fn panic(info: &PanicInfo) -> ! {
    hprintln!("panic: {}", info);
    debug::exit(debug::EXIT_FAILURE);
    loop {}
}
