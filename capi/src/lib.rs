//! The C ABI of simstat as a `no_std` staticlib (`libsimstat.a`): re-exports `simstat::ffi` and
//! owns the panic handler, so no allocator and no `std` are linked.
//!
//! Build with `cargo build -p simstat-capi --profile capi` (panic = "abort"). The library itself
//! never panics on any input (errors are values); the handler below only exists because a
//! `no_std` staticlib must name one: it never unwinds across the C boundary, it stops the calling
//! thread in a spin loop (no `std` to abort through; unreachable unless simstat has a bug).
#![no_std]
#![deny(missing_docs)]

pub use simstat::ffi::*;

#[cfg(not(test))]
#[panic_handler]
fn panic(_info: &core::panic::PanicInfo<'_>) -> ! {
    // No unwinding across the C boundary and no `std` to abort through: spin forever is the
    // portable `no_std` choice; it is unreachable unless simstat has a bug.
    loop {
        core::hint::spin_loop();
    }
}
