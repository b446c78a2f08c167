//! Fuzz the C ABI (the C face, `simstat-capi`): random calls with pointers that are offsets into owned buffers (or null),
//! random lengths that stay inside those buffers, random parameters and overlapping
//! arguments → a status code, never a panic or an out-of-bounds access (run under ASan by
//! cargo-fuzz). Lengths beyond a buffer are the one thing C cannot check; they are not generated.
#![no_main]
use libfuzzer_sys::fuzz_target;
use simstat_capi::*;

const CAP: usize = 512;

/// A pointer into `buf` at `off` (or null when `null`), and a length that fits from there.
fn arg(buf: &mut [f64], off: u16, len: u16, null: bool) -> (*mut f64, usize) {
    let off = usize::from(off) % buf.len();
    let len = usize::from(len) % (buf.len() - off + 1);
    let p = if null {
        core::ptr::null_mut()
    } else {
        buf[off..].as_mut_ptr()
    };
    (p, len)
}

/// An output pointer into `buf` with room for `n` values (or null).
fn out_for(buf: &mut [f64], off: u16, n: usize, null: bool) -> *mut f64 {
    let off = (usize::from(off) % buf.len()).min(buf.len() - n.min(buf.len()));
    if null {
        core::ptr::null_mut()
    } else {
        buf[off..].as_mut_ptr()
    }
}

fn farg(buf: &mut [f32], off: u16, len: u16, null: bool) -> (*mut f32, usize) {
    let off = usize::from(off) % buf.len();
    let len = usize::from(len) % (buf.len() - off + 1);
    let p = if null {
        core::ptr::null_mut()
    } else {
        buf[off..].as_mut_ptr()
    };
    (p, len)
}

/// The default mixture options.
fn mixture_options() -> SimstatMixtureOptions {
    let fit = SimstatFitOptions {
        lo: 0.0,
        hi: 0.0,
        max_passes: 0,
        shape_cap: 0.0,
        warm_start: 0,
    };
    let mut o = SimstatMixtureOptions {
        fit,
        subsample_fraction: 0.0,
        min_subsample: 0,
        seed: 0,
        em_iters: 0,
        grad_tol: 0.0,
        rel_tol: 0.0,
        ll_tol: 0.0,
        min_weight: 0.0,
        shape_floor: 0.0,
        starts: 0,
        nested_guard: 0,
        kernel: 0,
    };
    assert_eq!(simstat_mixture_options_default(&mut o), SimstatStatus::Ok);
    o
}

/// A mixture struct with a random k (0 and > capacity included): components from `p` spread
/// in shift, weights equal (`equal`) or raw bits from `data`.
fn random_mixture(p: &[f64; 6], data: &[u64], k: u16, equal: bool) -> SimstatMixture {
    let mut m = SimstatMixture {
        k: usize::from(k % 20),
        ..SimstatMixture::default()
    };
    let kk = m.k.clamp(1, SIMSTAT_MAX_COMPONENTS);
    for i in 0..SIMSTAT_MAX_COMPONENTS {
        m.components[i] = SimstatGammaParams {
            shape: p[0],
            rate: p[1],
            shift: p[2] + 0.01 * i as f64,
            lo: p[3],
            hi: p[4],
        };
        m.weights[i] = if equal {
            1.0 / kk as f64
        } else {
            f64::from_bits(data.get(i).copied().unwrap_or(0))
        };
    }
    m
}

fuzz_target!(|input: (u8, [u64; 6], [u16; 6], u8, Vec<u64>)| {
    let (which, params, offs, nulls, data) = input;
    let mut a = [0.0f64; CAP];
    let mut b = [0.0f64; CAP];
    for (i, &w) in data.iter().take(CAP).enumerate() {
        a[i] = f64::from_bits(w);
    }
    let p = params.map(f64::from_bits);
    let g = SimstatGammaParams {
        shape: p[0],
        rate: p[1],
        shift: p[2],
        lo: p[3],
        hi: p[4],
    };
    let null = |bit: u8| nulls & (1 << bit) != 0;
    let gp: *const SimstatGammaParams = if null(7) { core::ptr::null() } else { &g };
    // data mapped into [−1, 1] (bit 6 of `nulls` clear) to reach past the input checks
    if !null(6) {
        for v in a.iter_mut() {
            *v = ((v.to_bits() >> 11) as f64 / (1u64 << 53) as f64).mul_add(2.0, -1.0);
        }
    }
    let st = match which % 14 {
        0 => {
            let (x, n) = arg(&mut a, offs[0], offs[1], null(0));
            let o = out_for(&mut b, offs[2], n, null(1));
            simstat_gamma_sf(gp, x, n, o)
        }
        1 => {
            // in place and overlapping within one buffer
            let (x, n) = arg(&mut a, offs[0], offs[1], null(0));
            let shift = usize::from(offs[3]) % 3;
            let o = if x.is_null() {
                x
            } else {
                x.wrapping_add(shift.min(CAP))
            };
            if shift > 0 && (offs[0] as usize % CAP) + shift + n > CAP {
                return;
            }
            simstat_gamma_ln_pdf(gp, x, n, o)
        }
        2 => {
            let (x, n) = arg(&mut a, offs[0], offs[1], null(0));
            let mut fit = core::mem::MaybeUninit::<SimstatGammaFit>::zeroed();
            let out = if null(2) {
                core::ptr::null_mut()
            } else {
                fit.as_mut_ptr()
            };
            simstat_fit_gamma(x, n, core::ptr::null(), out)
        }
        3 => {
            let (x, n) = arg(&mut a, offs[0], offs[1], null(0));
            let (s, sn) = arg(&mut b, offs[2], offs[3], null(1));
            let mut cut = core::mem::MaybeUninit::<SimstatFdrCutoff>::zeroed();
            simstat_fdr_cutoff(gp, x, n, p[5], s, sn, cut.as_mut_ptr())
        }
        4 => {
            let (x, n) = arg(&mut a, offs[0], offs[1], null(0));
            let o = out_for(&mut b, offs[2], n, null(1));
            simstat_p_values(gp, x, n, o)
        }
        5 | 6 => {
            let mut xs = [0.0f32; CAP];
            let mut out = [0.0f32; CAP];
            let mut scratch = [0.0f32; 4 * CAP];
            for (i, &w) in data.iter().take(CAP).enumerate() {
                xs[i] = f32::from_bits(w as u32);
            }
            let (x, xn) = farg(&mut xs, offs[0], offs[1], null(0));
            let (o, on) = farg(&mut out, offs[2], offs[3], null(1));
            let (s, sn) = farg(&mut scratch, offs[4], offs[5], null(2));
            let nrows = usize::from(offs[1] % 24);
            let f = if nrows == 0 { 0 } else { xn / nrows };
            if which % 9 == 5 {
                simstat_pairwise(
                    x,
                    nrows,
                    f,
                    u32::from(nulls % 4),
                    u32::from(nulls & 16),
                    o,
                    on,
                    s,
                    sn,
                )
            } else {
                let mut loss = 0.0f64;
                let grad = if null(3) { core::ptr::null_mut() } else { o };
                if !grad.is_null() && on < nrows * f {
                    return;
                }
                simstat_dispersion_loss(x, nrows, f, core::ptr::null(), grad, s, sn, &mut loss)
            }
        }
        7 => {
            let mut len = 0usize;
            simstat_pairwise_scratch_len(usize::from(offs[0]), usize::from(offs[1]), &mut len)
        }
        8 => {
            let (x, n) = arg(&mut a, offs[0], offs[1], null(0));
            let o = out_for(&mut b, offs[2], n, null(1));
            simstat_gamma_quantile(gp, x, n, o)
        }
        9 => {
            // the mixture fit: random k (0 and > capacity included), options null or short runs
            let (x, n) = arg(&mut a, offs[0], offs[1], null(0));
            let k = usize::from(offs[4] % 20);
            let mut o = mixture_options();
            o.fit.max_passes = u32::from(offs[5] % 8);
            o.starts = u32::from(nulls % 4);
            o.min_weight = p[5];
            let op: *const SimstatMixtureOptions = if null(3) { core::ptr::null() } else { &o };
            let mut m = SimstatMixture::default();
            let out = if null(2) {
                core::ptr::null_mut()
            } else {
                &mut m as *mut _
            };
            if offs[3] & 1 == 1 {
                // the background fit: BIC over orders 1..=k (k clamped to 1..=8)
                let fo: *const SimstatFitOptions = if null(3) { core::ptr::null() } else { &o.fit };
                let (s, sn) = arg(&mut b, offs[2], offs[3], null(1));
                let st = simstat_fit_background(x, n, k, fo, s, sn, out);
                if st == SimstatStatus::Ok {
                    let kk = m.k;
                    assert!((1..=8).contains(&kk) && kk <= k.max(1));
                    assert!((m.weights[..kk].iter().sum::<f64>() - 1.0).abs() < 1e-9);
                }
                st
            } else {
                let st = simstat_fit_mixture(x, n, k, op, out);
                if st == SimstatStatus::Ok {
                    assert!(m.k == k && (m.weights[..k].iter().sum::<f64>() - 1.0).abs() < 1e-9);
                }
                st
            }
        }
        10..=12 => {
            // evaluation and calibration of a random mixture struct
            let mut m = random_mixture(&p, &data, offs[4], null(4));
            // the scale tag the function reads, mostly: sometimes the other one (WRONG_SCALE)
            // or a code that is no scale (BAD_PARAMETER)
            let background = null(5) && matches!((which % 14, offs[3] % 3), (10, 1) | (12, _));
            m.scale = match offs[5] % 8 {
                0 => 7,
                1 => u32::from(!background),
                _ => u32::from(background),
            };
            let mp: *const SimstatMixture = if null(7) { core::ptr::null() } else { &m };
            let (x, n) = arg(&mut a, offs[0], offs[1], null(0));
            match (which % 14, offs[3] % 3) {
                (10, 0) => {
                    let o = out_for(&mut b, offs[2], n, null(1));
                    simstat_mixture_ln_pdf(mp, x, n, o)
                }
                (10, 1) => {
                    let o = out_for(&mut b, offs[2], n, null(1));
                    if null(5) {
                        simstat_background_p_values(mp, x, n, o)
                    } else {
                        simstat_mixture_p_values(mp, x, n, o)
                    }
                }
                (10, _) => {
                    let o = out_for(&mut b, offs[2], n, null(1));
                    simstat_mixture_posterior_relevant(mp, x, n, o)
                }
                (11, _) => {
                    let (o, on) = arg(&mut b, offs[2], offs[3], null(1));
                    simstat_mixture_responsibilities(mp, x, n, o, on)
                }
                _ => {
                    let (s, sn) = arg(&mut b, offs[2], offs[3], null(1));
                    let mut cut = SimstatFdrCutoff::default();
                    if null(5) {
                        simstat_background_fdr_cutoff(mp, x, n, p[5], s, sn, &mut cut)
                    } else {
                        simstat_mixture_fdr_cutoff(mp, x, n, p[5], s, sn, &mut cut)
                    }
                }
            }
        }
        _ => {
            // DSC selection, from a random mixture struct or (bit 5) a short real fit
            let (x, n) = arg(&mut a, offs[0], offs[1], null(0));
            let mut m = random_mixture(&p, &data, offs[4], null(4));
            if null(5) {
                let mut o = mixture_options();
                o.fit.max_passes = 3;
                let k = 1 + usize::from(offs[4] % 4);
                let _ = simstat_fit_mixture(x, n, k, &o, &mut m);
            }
            let o = SimstatDscOptions {
                omega_rule: u32::from(nulls % 5),
                omega: if nulls & 3 == 0 { 0.0 } else { p[5] },
                height_scale: u32::from(offs[4] % 4),
                kappa_one: u32::from(nulls % 4),
                kappa_one_height: p[4],
                refit_passes: u32::from(offs[5] % 3),
                refit_mode: u32::from(offs[4] % 5),
                level: u32::from(offs[5] % 20),
                leaf_rule: u32::from(offs[3] % 3),
            };
            let op: *const SimstatDscOptions = if null(3) { core::ptr::null() } else { &o };
            let mut sel = SimstatSelection::default();
            let out = if null(2) {
                core::ptr::null_mut()
            } else {
                &mut sel as *mut _
            };
            let mp: *const SimstatMixture = if null(7) { core::ptr::null() } else { &m };
            let st = simstat_select_dsc(mp, x, n, op, out);
            if st == SimstatStatus::Ok {
                assert!(sel.selected.k >= 1 && sel.selected.k <= sel.k0);
                assert!(sel.dsc_choice >= 1 && sel.dsc_choice <= sel.k0);
            }
            st
        }
    };
    // every refusal is a classified code (never INTERNAL, never BAD_ENCODING: no bytes here)
    assert!(st != SimstatStatus::Internal && (st as u32) <= 13 && st != SimstatStatus::BadEncoding);
});
