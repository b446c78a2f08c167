//! Pointer and slice helpers: the only module with `unsafe` blocks. Every raw pointer a C caller
//! passes becomes a reference or a slice here, after the checks the conventions of the crate
//! documentation promise (null, zero or oversized lengths, alignment, overlap).
#![allow(unsafe_code)] // raw-pointer arguments of a C ABI; every block carries a SAFETY comment.

use crate::status::SimstatStatus;

/// Checks a (pointer, length) pair for a slice of `T`: non-null, non-zero, fits in `isize`,
/// aligned.
fn check<T>(p: *const T, n: usize) -> Result<(), SimstatStatus> {
    if p.is_null() {
        return Err(SimstatStatus::NullPointer);
    }
    if n == 0 || n > isize::MAX as usize / core::mem::size_of::<T>().max(1) {
        return Err(SimstatStatus::BadLength);
    }
    if !p.is_aligned() {
        return Err(SimstatStatus::BadLength);
    }
    Ok(())
}

/// Reads a C struct argument by reference (null: `SIMSTAT_STATUS_NULL_POINTER`).
pub(crate) fn read<'a, T>(p: *const T) -> Result<&'a T, SimstatStatus> {
    read_opt(p).ok_or(SimstatStatus::NullPointer)
}

/// Reads an optional C struct argument by reference (null: `None`, e.g. "use the defaults").
pub(crate) fn read_opt<'a, T>(p: *const T) -> Option<&'a T> {
    // SAFETY: the caller passes either null (`None` here) or a pointer to a valid, aligned `T`
    // that lives for the call (the crate's documented contract).
    unsafe { p.as_ref() }
}

/// Borrows `n` elements at `p` as a slice, after the checks of a slice argument.
pub(crate) fn slice<'a, T>(p: *const T, n: usize) -> Result<&'a [T], SimstatStatus> {
    check(p, n)?;
    // SAFETY: `check` rejected null, zero and oversized lengths and misalignment; the caller
    // guarantees `n` valid elements at `p` for the duration of the call (the crate's contract).
    Ok(unsafe { core::slice::from_raw_parts(p, n) })
}

/// Borrows `n` elements at `p` mutably, after the checks of a slice argument.
pub(crate) fn slice_mut<'a, T>(p: *mut T, n: usize) -> Result<&'a mut [T], SimstatStatus> {
    check(p.cast_const(), n)?;
    // SAFETY: as in `slice`, plus: the caller guarantees the buffer is writable, and the
    // functions reject overlaps with their other arguments before borrowing.
    Ok(unsafe { core::slice::from_raw_parts_mut(p, n) })
}

/// Writes one value through an output pointer (null: `SIMSTAT_STATUS_NULL_POINTER`).
pub(crate) fn write<T>(p: *mut T, v: T) -> Result<(), SimstatStatus> {
    // SAFETY: null is rejected by `as_mut`; a non-null `p` points to a writable, aligned `T`
    // (the crate's contract).
    let slot = unsafe { p.as_mut() }.ok_or(SimstatStatus::NullPointer)?;
    *slot = v;
    Ok(())
}

/// Whether two buffers' address ranges intersect (then they cannot be borrowed as one shared and
/// one mutable slice).
pub(crate) fn overlaps<T, U>(a: *const T, na: usize, b: *const U, nb: usize) -> bool {
    let (a0, b0) = (a as usize, b as usize);
    let a1 = a0.saturating_add(na.saturating_mul(core::mem::size_of::<T>()));
    let b1 = b0.saturating_add(nb.saturating_mul(core::mem::size_of::<U>()));
    a0 < b1 && b0 < a1
}

/// Borrows `n` input values at `x` and `scratch_len` scratch values at `scratch`, which must
/// not overlap (else `SIMSTAT_STATUS_BAD_LENGTH`).
pub(crate) fn input_and_scratch<'a>(
    (x, n): (*const f64, usize),
    (scratch, scratch_len): (*mut f64, usize),
) -> Result<(&'a [f64], &'a mut [f64]), SimstatStatus> {
    if overlaps(x, n, scratch.cast_const(), scratch_len) {
        return Err(SimstatStatus::BadLength);
    }
    Ok((slice(x, n)?, slice_mut(scratch, scratch_len)?))
}

/// Applies `f` elementwise from `x` into `out` (`n` each). `out == x` evaluates in place;
/// any other overlap is `SIMSTAT_STATUS_BAD_LENGTH`.
pub(crate) fn map_slices(
    x: *const f64,
    n: usize,
    out: *mut f64,
    f: impl Fn(f64) -> f64,
) -> Result<(), SimstatStatus> {
    if core::ptr::eq(x, out.cast_const()) {
        for v in slice_mut(out, n)? {
            *v = f(*v);
        }
        return Ok(());
    }
    if overlaps(x, n, out.cast_const(), n) {
        return Err(SimstatStatus::BadLength);
    }
    let x = slice(x, n)?;
    let out = slice_mut(out, n)?;
    for (o, &v) in out.iter_mut().zip(x) {
        *o = f(v);
    }
    Ok(())
}

/// A type every bit pattern of whose size is a valid value (floats and integers, in arrays and
/// structs), so caller memory can be borrowed as one whatever it holds.
///
/// # Safety
/// Implement it only for such types.
pub(crate) unsafe trait AnyBitPattern: Sized {}

/// A type whose all-zero bit pattern is a valid value, so zeroed caller memory can be borrowed
/// as one.
///
/// # Safety
/// Implement it only for such types.
pub(crate) unsafe trait Zeroable: Sized {}

/// Checks caller memory for a `T`: non-null (else `SIMSTAT_STATUS_NULL_POINTER`), aligned for
/// `T` and at least its size (else `SIMSTAT_STATUS_BAD_LENGTH`).
pub(crate) fn check_memory<T>(p: *const u8, len: usize) -> Result<(), SimstatStatus> {
    if p.is_null() {
        return Err(SimstatStatus::NullPointer);
    }
    if len < core::mem::size_of::<T>() || !(p as usize).is_multiple_of(core::mem::align_of::<T>()) {
        return Err(SimstatStatus::BadLength);
    }
    Ok(())
}

/// Borrows `len` bytes of caller memory at `p` as a `T`, after checking them for one.
pub(crate) fn memory_ref<'a, T: AnyBitPattern>(
    p: *const u8,
    len: usize,
) -> Result<&'a T, SimstatStatus> {
    check_memory::<T>(p, len)?;
    // SAFETY: `p` is non-null, aligned for `T` and has at least its size in bytes
    // (`check_memory`); any bit pattern is a valid `T` (`AnyBitPattern`), so memory that never
    // held a `T` is still one; the C caller guarantees the memory is readable for the call.
    Ok(unsafe { &*p.cast::<T>() })
}

/// Borrows `len` bytes of caller memory at `p` mutably as a `T`, after checking them for one.
pub(crate) fn memory_mut<'a, T: AnyBitPattern>(
    p: *mut u8,
    len: usize,
) -> Result<&'a mut T, SimstatStatus> {
    check_memory::<T>(p.cast_const(), len)?;
    // SAFETY: as in `memory_ref`, plus: the C caller guarantees the memory is writable, and the
    // functions reject overlaps with their other arguments before borrowing.
    Ok(unsafe { &mut *p.cast::<T>() })
}

/// Zeroes `len` bytes of caller memory at `p` (checked for a `T`: non-null, aligned, large
/// enough) and borrows them as a `T`.
pub(crate) fn zeroed_mut<'a, T: Zeroable>(
    p: *mut u8,
    len: usize,
) -> Result<&'a mut T, SimstatStatus> {
    check_memory::<T>(p.cast_const(), len)?;
    // SAFETY: `p` is non-null, aligned for `T` and has at least its size in bytes
    // (`check_memory`); the C caller guarantees the memory is writable and the functions
    // reject overlaps with their other arguments first. The all-zero pattern written here is a
    // valid `T` (`Zeroable`).
    unsafe {
        core::ptr::write_bytes(p, 0, core::mem::size_of::<T>());
        Ok(&mut *p.cast::<T>())
    }
}
