//! GPU kernels over simstat's no_std core, for checking that the PTX the core compiles to runs
//! on a real GPU and gives the CPU's results. One thread evaluates one element.
#![no_std]
#![feature(abi_ptx, stdarch_nvptx)]

use core::arch::nvptx::{_block_dim_x, _block_idx_x, _thread_idx_x};
use simstat::dist::TruncatedShiftedGamma;
use simstat::special::{digamma, gamma_p, gamma_p_inv, gamma_q, ln_gamma, trigamma};

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    loop {}
}

fn index() -> usize {
    // SAFETY: reading the special registers has no preconditions inside a kernel.
    unsafe { (_block_idx_x() * _block_dim_x() + _thread_idx_x()) as usize }
}

macro_rules! unary {
    ($name:ident, $f:expr) => {
        /// `out[i] = f(x[i])` for `i < n`.
        ///
        /// # Safety
        /// `x` and `out` point to `n` f64 values in device memory.
        #[no_mangle]
        pub unsafe extern "ptx-kernel" fn $name(x: *const f64, out: *mut f64, n: usize) {
            let i = index();
            if i < n {
                // SAFETY: i < n and the caller passes n-element buffers.
                unsafe { *out.add(i) = $f(*x.add(i)) };
            }
        }
    };
}

macro_rules! binary {
    ($name:ident, $f:expr) => {
        /// `out[i] = f(a[i], x[i])` for `i < n`.
        ///
        /// # Safety
        /// `a`, `x` and `out` point to `n` f64 values in device memory.
        #[no_mangle]
        pub unsafe extern "ptx-kernel" fn $name(
            a: *const f64,
            x: *const f64,
            out: *mut f64,
            n: usize,
        ) {
            let i = index();
            if i < n {
                // SAFETY: i < n and the caller passes n-element buffers.
                unsafe { *out.add(i) = $f(*a.add(i), *x.add(i)) };
            }
        }
    };
}

unary!(k_digamma, digamma::<f64>);
unary!(k_trigamma, trigamma::<f64>);
unary!(k_ln_gamma, ln_gamma::<f64>);
binary!(k_gamma_p, gamma_p::<f64>);
binary!(k_gamma_q, gamma_q::<f64>);
binary!(k_gamma_p_inv, gamma_p_inv::<f64>);

/// p-values of scores under one truncated shifted gamma (α, λ, c on [−1, 1]): the calibration
/// step a GPU retrieval kernel would run. `out[i] = sf(s[i])`, NaN for invalid parameters.
///
/// # Safety
/// `s` and `out` point to `n` f64 values in device memory.
#[no_mangle]
pub unsafe extern "ptx-kernel" fn k_gamma_sf(
    shape: f64,
    rate: f64,
    shift: f64,
    s: *const f64,
    out: *mut f64,
    n: usize,
) {
    let i = index();
    if i < n {
        let v = match TruncatedShiftedGamma::new(shape, rate, shift, -1.0, 1.0) {
            // SAFETY: i < n and the caller passes n-element buffers.
            Ok(d) => d.sf(unsafe { *s.add(i) }),
            Err(_) => f64::NAN,
        };
        // SAFETY: as above.
        unsafe { *out.add(i) = v };
    }
}
