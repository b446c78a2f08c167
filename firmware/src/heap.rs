//! A bump allocator over a static buffer: the heap of a device build with simstat's `alloc`
//! feature, sized for one default mixture workspace (what a convenience form allocates per
//! call). Memory comes back when every allocation has been freed (the firmware runs one call
//! at a time), so each call starts from an empty heap.

use core::alloc::{GlobalAlloc, Layout};
use core::cell::UnsafeCell;
use core::sync::atomic::{AtomicUsize, Ordering};

use simstat::fit::MixtureWorkspace;

/// Heap bytes: one default workspace and a little room for alignment.
const HEAP_BYTES: usize = <MixtureWorkspace>::BYTES + 1024;

/// The heap: a static buffer, the next free offset and the number of live allocations.
pub struct Bump {
    memory: UnsafeCell<[u8; HEAP_BYTES]>,
    next: AtomicUsize,
    live: AtomicUsize,
}

// SAFETY: the firmware runs on one core without interrupts that allocate; the offsets are
// atomics, and each allocation hands out a disjoint range of `memory`.
unsafe impl Sync for Bump {}

impl Bump {
    /// An empty heap.
    pub const fn new() -> Self {
        Bump {
            memory: UnsafeCell::new([0; HEAP_BYTES]),
            next: AtomicUsize::new(0),
            live: AtomicUsize::new(0),
        }
    }

    /// Bytes of the heap (its share of the static RAM).
    pub const BYTES: usize = HEAP_BYTES;
}

// SAFETY: `alloc` returns a range of `memory` aligned for `layout` that no live allocation
// uses (the offset only grows while any allocation is live), or null when it does not fit.
unsafe impl GlobalAlloc for Bump {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let base = self.memory.get() as usize;
        let start = self.next.load(Ordering::Relaxed);
        let aligned = (base + start).next_multiple_of(layout.align()) - base;
        let end = match aligned.checked_add(layout.size()) {
            Some(e) if e <= HEAP_BYTES => e,
            _ => return core::ptr::null_mut(),
        };
        self.next.store(end, Ordering::Relaxed);
        self.live.fetch_add(1, Ordering::Relaxed);
        (base + aligned) as *mut u8
    }

    unsafe fn dealloc(&self, _: *mut u8, _: Layout) {
        if self.live.fetch_sub(1, Ordering::Relaxed) == 1 {
            self.next.store(0, Ordering::Relaxed);
        }
    }
}
