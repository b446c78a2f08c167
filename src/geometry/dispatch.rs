//! Runtime CPU feature detection (cpuid + xgetbv, no `std`), cached in an atomic, and [`Backend`].

use core::sync::atomic::{AtomicU8, Ordering};

const INIT: u8 = 0x80;
const AVX2_FMA: u8 = 0x01;
const AVX512F: u8 = 0x02;
const AVX512BF16: u8 = 0x04;
const NEON: u8 = 0x08;

static FEATURES: AtomicU8 = AtomicU8::new(0);

/// A kernel implementation. [`best_backend`] picks the fastest one this CPU supports; tests and
/// benches force each one with the `*_with` functions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Backend {
    /// Portable Rust with 8 independent accumulators; the only path on thumbv7em / nvptx64.
    Scalar,
    /// x86-64 AVX2 + FMA (256-bit).
    Avx2,
    /// x86-64 AVX-512F (512-bit; uses `vdpbf16ps` for bf16 inputs when AVX512-BF16 is present).
    Avx512,
    /// aarch64 NEON (baseline on aarch64).
    Neon,
}

impl Backend {
    /// Every backend, in order of preference from slowest to fastest.
    pub const ALL: [Backend; 4] = [
        Backend::Scalar,
        Backend::Avx2,
        Backend::Avx512,
        Backend::Neon,
    ];

    /// Whether this CPU (and target) can run the backend.
    #[must_use]
    pub fn is_available(self) -> bool {
        match self {
            Backend::Scalar => true,
            Backend::Avx2 => has_avx2_fma(),
            Backend::Avx512 => has_avx512f(),
            Backend::Neon => has_neon(),
        }
    }
}

/// Whether [`Backend::Avx2`] is available: AVX2 and FMA with OS support for the YMM state.
pub(crate) fn has_avx2_fma() -> bool {
    features() & AVX2_FMA != 0
}

/// Whether [`Backend::Avx512`] is available: AVX-512F with OS support for the ZMM and opmask
/// state, and AVX2 + FMA.
pub(crate) fn has_avx512f() -> bool {
    let f = features();
    f & AVX512F != 0 && f & AVX2_FMA != 0
}

/// Whether [`Backend::Neon`] is available (always on aarch64).
pub(crate) fn has_neon() -> bool {
    features() & NEON != 0
}

/// CPU features relevant to the kernels, as detected once at first use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(clippy::struct_excessive_bools)]
pub struct CpuFeatures {
    /// AVX2 and FMA, with OS support for YMM state (XCR0 bits 1, 2).
    pub avx2_fma: bool,
    /// AVX-512F, with OS support for ZMM/opmask state (XCR0 bits 5, 6, 7).
    pub avx512f: bool,
    /// AVX512-BF16 (`vdpbf16ps`; CPUID leaf 7 sub-leaf 1, EAX bit 5).
    pub avx512bf16: bool,
    /// NEON (always on aarch64).
    pub neon: bool,
}

/// The detected CPU features (detection runs once; later calls read an atomic).
#[must_use]
pub fn cpu_features() -> CpuFeatures {
    let f = features();
    CpuFeatures {
        avx2_fma: f & AVX2_FMA != 0,
        avx512f: f & AVX512F != 0,
        avx512bf16: f & AVX512BF16 != 0,
        neon: f & NEON != 0,
    }
}

/// The fastest backend this CPU supports.
///
/// ```
/// use simstat::geometry::{best_backend, Backend};
/// assert!(best_backend().is_available());
/// assert!(Backend::Scalar.is_available());
/// ```
#[must_use]
pub fn best_backend() -> Backend {
    let f = features();
    if f & AVX512F != 0 && f & AVX2_FMA != 0 {
        Backend::Avx512
    } else if f & AVX2_FMA != 0 {
        Backend::Avx2
    } else if f & NEON != 0 {
        Backend::Neon
    } else {
        Backend::Scalar
    }
}

/// Whether the AVX512-BF16 dot instruction can be used by the [`Backend::Avx512`] bf16 kernels.
#[must_use]
#[cfg(target_arch = "x86_64")]
pub(crate) fn has_avx512bf16() -> bool {
    features() & AVX512BF16 != 0
}

#[inline]
fn features() -> u8 {
    let f = FEATURES.load(Ordering::Relaxed);
    if f & INIT != 0 {
        return f;
    }
    let d = detect() | INIT;
    FEATURES.store(d, Ordering::Relaxed);
    d
}

#[cfg(target_arch = "x86_64")]
fn detect() -> u8 {
    use core::arch::x86_64::{__cpuid_count, CpuidResult};
    let cpuid = |leaf: u32, sub: u32| -> CpuidResult {
        // SAFETY: the `cpuid` instruction exists on every x86-64 CPU and has no side effects
        // (the intrinsic is a safe fn on recent toolchains, unsafe on the 1.89 MSRV).
        #[allow(unused_unsafe)]
        unsafe {
            __cpuid_count(leaf, sub)
        }
    };
    let max_leaf = cpuid(0, 0).eax;
    if max_leaf < 7 {
        return 0;
    }
    let l1 = cpuid(1, 0);
    let osxsave = l1.ecx & (1 << 27) != 0;
    let avx = l1.ecx & (1 << 28) != 0;
    let fma = l1.ecx & (1 << 12) != 0;
    if !osxsave || !avx {
        return 0;
    }
    // SAFETY: OSXSAVE (CPUID.1:ECX bit 27) is set, so XGETBV is enabled by the OS; `xsave` is a
    // target feature of XGETBV only for the compiler, the instruction itself is present.
    let xcr0 = unsafe { xgetbv0() };
    let ymm_os = xcr0 & 0b110 == 0b110;
    let zmm_os = xcr0 & 0b1110_0110 == 0b1110_0110;
    let l7 = cpuid(7, 0);
    let avx2 = l7.ebx & (1 << 5) != 0;
    let avx512f = l7.ebx & (1 << 16) != 0;
    let avx512bf16 = l7.eax >= 1 && cpuid(7, 1).eax & (1 << 5) != 0;
    let mut out = 0;
    if ymm_os && avx2 && fma {
        out |= AVX2_FMA;
        if zmm_os && avx512f {
            out |= AVX512F;
            if avx512bf16 {
                out |= AVX512BF16;
            }
        }
    }
    out
}

/// XCR0, the OS-enabled state components.
///
/// # Safety
/// The OS has enabled XGETBV (CPUID.1:ECX bit 27, OSXSAVE, is set).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "xsave")]
unsafe fn xgetbv0() -> u64 {
    // SAFETY: XGETBV is enabled (this function's contract) and `xsave` is enabled here.
    unsafe { core::arch::x86_64::_xgetbv(0) }
}

#[cfg(target_arch = "aarch64")]
fn detect() -> u8 {
    NEON
}

#[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
fn detect() -> u8 {
    0
}
