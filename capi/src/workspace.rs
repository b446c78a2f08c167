//! Where a C call's mixture workspace lives: in caller memory (the `_in` functions, checked and
//! zeroed here) or on the call's own stack (the plain functions; the C face has no allocator).

use simstat::fit::mixture::MixtureWorkspace;

use crate::ptr::{check_memory, overlaps, zeroed_mut, Zeroable};
use crate::status::SimstatStatus;

// SAFETY: every field of a `MixtureWorkspace` (of any sizes) is a float, an integer, a `bool`
// or a `#[repr(u8)]` enum whose zero discriminant exists, in arrays and structs: the all-zero
// bit pattern is `MixtureWorkspace::blank()`'s.
#[allow(unsafe_code)]
unsafe impl<const BINS: usize, const SAMPLE: usize> Zeroable for MixtureWorkspace<BINS, SAMPLE> {}

/// A region of memory a caller's workspace must not overlap (start, length in bytes).
pub(crate) type Region = (*const u8, usize);

/// The bytes of `n` values of `T` at `p`, as a [`Region`].
pub(crate) fn region<T>(p: *const T, n: usize) -> Region {
    (p.cast::<u8>(), n.saturating_mul(core::mem::size_of::<T>()))
}

/// Where a call's [`MixtureWorkspace`] (the default sizes) lives.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Place {
    /// On the call's own stack (about 0.6 MiB: the plain functions, for large stacks).
    Stack,
    /// In `len` bytes of caller memory at the pointer (the `_in` functions).
    Caller(*mut u8, usize),
}

impl Place {
    /// Checks caller memory before anything is computed: null is
    /// `SIMSTAT_STATUS_NULL_POINTER`; short, misaligned or overlapping one of `avoid` is
    /// `SIMSTAT_STATUS_BAD_LENGTH`. The stack needs no check.
    pub(crate) fn check(self, avoid: &[Region]) -> Result<(), SimstatStatus> {
        match self {
            Place::Stack => Ok(()),
            Place::Caller(p, len) => check_caller::<4096, 8192>(p, len, avoid),
        }
    }

    /// Runs `f` in the workspace (caller memory checked as [`Place::check`] and zeroed first).
    pub(crate) fn run<R>(
        self,
        avoid: &[Region],
        f: impl FnOnce(&mut MixtureWorkspace) -> Result<R, SimstatStatus>,
    ) -> Result<R, SimstatStatus> {
        match self {
            Place::Stack => on_stack(f),
            Place::Caller(p, len) => f(caller_workspace(p, len, avoid)?),
        }
    }
}

/// `f` in a workspace on this frame (out of line: the callers' frames do not hold it).
#[inline(never)]
fn on_stack<R>(
    f: impl FnOnce(&mut MixtureWorkspace) -> Result<R, SimstatStatus>,
) -> Result<R, SimstatStatus> {
    let mut ws = MixtureWorkspace::new();
    f(&mut ws)
}

/// Checks `len` bytes of caller memory at `p` for a mixture workspace of these sizes:
/// non-null (else `SIMSTAT_STATUS_NULL_POINTER`), overlapping none of `avoid`, aligned and at
/// least its `BYTES` (else `SIMSTAT_STATUS_BAD_LENGTH`).
fn check_caller<const BINS: usize, const SAMPLE: usize>(
    p: *mut u8,
    len: usize,
    avoid: &[Region],
) -> Result<(), SimstatStatus> {
    if p.is_null() {
        return Err(SimstatStatus::NullPointer);
    }
    let size = MixtureWorkspace::<BINS, SAMPLE>::BYTES;
    if avoid
        .iter()
        .any(|&(q, n)| overlaps(p.cast_const(), size, q, n))
    {
        return Err(SimstatStatus::BadLength);
    }
    check_memory::<MixtureWorkspace<BINS, SAMPLE>>(p.cast_const(), len)
}

/// [`check_caller`], then the memory zeroed and borrowed as the workspace.
pub(crate) fn caller_workspace<'a, const BINS: usize, const SAMPLE: usize>(
    p: *mut u8,
    len: usize,
    avoid: &[Region],
) -> Result<&'a mut MixtureWorkspace<BINS, SAMPLE>, SimstatStatus> {
    check_caller::<BINS, SAMPLE>(p, len, avoid)?;
    zeroed_mut(p, len)
}
