//! The C library of simstat as a `no_std` staticlib (`libsimstat.a`): links the C face
//! (`simstat-capi`, whose `#[no_mangle]` functions are the archive's exports) and owns the
//! panic handler, so no allocator and no `std` are linked.
//!
//! Build with `cargo build -p simstat-staticlib --profile capi` (panic = "abort"). The library
//! never panics on any input (errors are values); the handler below only exists because a
//! `no_std` staticlib must name one: it never unwinds across the C boundary, it stops the
//! calling thread in a spin loop (no `std` to abort through; unreachable unless simstat has a
//! bug).
#![no_std]

pub use simstat_capi::*;

#[panic_handler]
fn panic(_info: &core::panic::PanicInfo<'_>) -> ! {
    // No unwinding across the C boundary and no `std` to abort through: spin forever is the
    // portable `no_std` choice; it is unreachable unless simstat has a bug.
    loop {
        core::hint::spin_loop();
    }
}
