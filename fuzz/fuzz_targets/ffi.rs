//! Fuzz the C ABI: random calls with pointers that are offsets into owned buffers (or null),
//! random lengths that stay inside those buffers, random parameters and overlapping
//! arguments → a status code, never a panic or an out-of-bounds access (run under ASan by
//! cargo-fuzz). Lengths beyond a buffer are the one thing C cannot check; they are not generated.
#![no_main]
use libfuzzer_sys::fuzz_target;
use simstat::ffi::*;

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
    let st = match which % 9 {
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
        _ => {
            let (x, n) = arg(&mut a, offs[0], offs[1], null(0));
            let o = out_for(&mut b, offs[2], n, null(1));
            simstat_gamma_quantile(gp, x, n, o)
        }
    };
    assert!((st as u32) <= 10);
});
