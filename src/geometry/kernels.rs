//! The safe kernel dispatcher: [`Kernels`] turns an available [`Backend`] into the token of its
//! instruction set and routes every kernel call (pair dots, the 6×16 Gram microkernel, row
//! packing, tile epilogues, rank updates) to that instruction set's file or to `scalar.rs`.
//!
//! Safety model: an instruction-set file (`avx2.rs`, `avx512.rs`, `neon.rs`) hands out its
//! zero-sized token only after run-time detection found its CPU features, and every method of the
//! token is safe: it takes slices or fixed-size tiles and checks each extent its kernel reads or
//! writes. All `unsafe` code of the geometry module lives in those files (and in the CPU
//! detection of `dispatch.rs`); this dispatcher and every caller of it hold none, and no caller
//! restates a CPU check: holding a [`Kernels`] value is the proof.

#[cfg(target_arch = "x86_64")]
use super::avx2::Avx2;
#[cfg(target_arch = "x86_64")]
use super::avx512::Avx512;
#[cfg(target_arch = "aarch64")]
use super::neon::Neon;
use super::{scalar, Backend, Bf16, GeometryError, Result};

/// Rows per microkernel tile (A panel width).
pub const MR: usize = 6;
/// Columns per microkernel tile (B panel width).
pub const NR: usize = 16;
/// Floats in one tile.
pub const TILE: usize = MR * NR;
/// One 6×16 tile of the Gram product, row-major.
pub type Tile = [f32; TILE];

/// The A operand of one microkernel call: a 6-wide packed slab, or six rows of the 16-wide
/// packing (k-stride 16) whose rows `split..6` continue in `hi` (the next panel's rows 0..).
#[derive(Clone, Copy)]
pub enum MicroA<'a> {
    /// Rows packed 6 wide: row r of k step k at `a[6k + r]`.
    Narrow(&'a [f32]),
    /// Six rows of a 16-wide packing: row r < `split` at `lo[16k + r]`, row r ≥ `split` at
    /// `hi[16k + r − split]`; `split` is 6, 4 or 2.
    Wide {
        /// The panel holding rows `0..split`.
        lo: &'a [f32],
        /// The panel holding rows `split..6`.
        hi: &'a [f32],
        /// First row read from `hi`.
        split: usize,
    },
}

impl MicroA<'_> {
    /// Element (k, r) of the operand (row r < 6 of k step k), 0 past the slices' ends.
    pub fn at(self, k: usize, r: usize) -> f32 {
        let v = match self {
            MicroA::Narrow(a) => a.get(k * MR + r),
            MicroA::Wide { lo, hi, split } => {
                if r < split {
                    lo.get(k * NR + r)
                } else {
                    hi.get(k * NR + r - split)
                }
            }
        };
        v.copied().unwrap_or(0.0)
    }

    /// Whether a microkernel call over `kc` k steps with a B operand of `b_len` floats stays
    /// inside the slices (a 16-wide form needs `kc > 0` and a split of 6, 4 or 2).
    pub fn fits(self, kc: usize, b_len: usize) -> bool {
        let a_ok = match self {
            MicroA::Narrow(a) => kc.checked_mul(MR).is_some_and(|need| a.len() >= need),
            MicroA::Wide { lo, hi, split } => {
                kc > 0
                    && (split == MR || split == 4 || split == 2)
                    && NR
                        .checked_mul(kc - 1)
                        .is_some_and(|s| lo.len() >= s + split && hi.len() >= s + MR - split)
            }
        };
        a_ok && kc.checked_mul(NR).is_some_and(|need| b_len >= need)
    }
}

/// What [`Kernels::transform`] leaves in each clamped tile entry.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Transform {
    /// The clamped cosine.
    Cosine,
    /// arccos of the clamped cosine, in radians.
    Angle,
    /// arccos of the clamped cosine divided by π.
    AngleOverPi,
}

/// Constants of the dispersion tile epilogues: the cosine clamp [lo, hi], k = −1/τ, the
/// log-sum-exp shift and the gradient scale, and whether the clamp's gradient is
/// straight-through. Each epilogue reads only the fields it needs.
#[derive(Clone, Copy)]
pub struct Epilogue {
    /// Lower clamp bound −1 + t.
    pub lo: f32,
    /// Upper clamp bound 1 − t.
    pub hi: f32,
    /// k = −1/τ (each term is exp(k·D − shift)).
    pub k: f32,
    /// The running maximum subtracted inside exp (0 in the one-pass form).
    pub shift: f32,
    /// Factor applied to every gradient entry.
    pub scale: f32,
    /// Straight-through clamp: the gradient of a clamped pair is kept, not zeroed.
    pub straight: bool,
}

/// A rank update `out[r][..len] += Σ_{c<q} W[r][c] · inp[c][..len]` with `W[r][c]` at
/// `w[r·ws + c·wc]` and the rows of `out` and `inp` `stride` floats apart.
#[derive(Clone, Copy)]
pub struct RankUpdate<'a> {
    /// The weights.
    pub w: &'a [f32],
    /// Weight stride between output rows.
    pub ws: usize,
    /// Weight stride between input rows.
    pub wc: usize,
    /// The input rows.
    pub inp: &'a [f32],
    /// Number of input rows.
    pub q: usize,
    /// Distance between consecutive rows of `out` and of `inp`.
    pub stride: usize,
    /// Floats updated per row.
    pub len: usize,
}

impl RankUpdate<'_> {
    /// Whether the update of `rows` output rows in `out` (of `out_len` floats) stays inside every
    /// slice; an update with `q == 0`, `len == 0` or `rows == 0` is refused (it would do nothing).
    pub fn fits(&self, rows: usize, out_len: usize) -> bool {
        let span = |n: usize, step: usize, last: usize| {
            (n - 1).checked_mul(step).and_then(|s| s.checked_add(last))
        };
        rows > 0
            && self.q > 0
            && self.len > 0
            && span(rows, self.stride, self.len).is_some_and(|e| out_len >= e)
            && span(self.q, self.stride, self.len).is_some_and(|e| self.inp.len() >= e)
            && span(rows, self.ws, 1)
                .zip(span(self.q, self.wc, 0))
                .and_then(|(a, b)| a.checked_add(b))
                .is_some_and(|e| self.w.len() >= e)
    }
}

/// A rank update over a row of 6×16 weight tiles:
/// `out[r][..len] += Σ_{t<nt} Σ_{c<16} W_t[r][c] · inp[16t + c][..len]` for r < 6, with W_t the
/// row-major tile at `w[t·ts..]` and the rows of `out` and `inp` `stride` floats apart.
#[derive(Clone, Copy)]
pub struct TileRankUpdate<'a> {
    /// The weight tiles.
    pub w: &'a [f32],
    /// Distance between consecutive weight tiles.
    pub ts: usize,
    /// Number of weight tiles.
    pub nt: usize,
    /// The input rows (16 per tile).
    pub inp: &'a [f32],
    /// Distance between consecutive rows of `out` and of `inp`.
    pub stride: usize,
    /// Floats updated per row.
    pub len: usize,
}

impl TileRankUpdate<'_> {
    /// Whether the update of the 6 rows of `out` (of `out_len` floats) stays inside every slice;
    /// an update with `nt == 0` or `len == 0` is refused (it would do nothing).
    pub fn fits(&self, out_len: usize) -> bool {
        let ext = |rows: usize| {
            (rows - 1)
                .checked_mul(self.stride)
                .and_then(|s| s.checked_add(self.len))
        };
        self.nt > 0
            && self.len > 0
            && ext(MR).is_some_and(|e| out_len >= e)
            && NR
                .checked_mul(self.nt)
                .and_then(ext)
                .is_some_and(|e| self.inp.len() >= e)
            && (self.nt - 1)
                .checked_mul(self.ts)
                .and_then(|s| s.checked_add(TILE))
                .is_some_and(|e| self.w.len() >= e)
    }
}

/// The kernels of one available backend. Only [`Kernels::new`] (and [`Kernels::best`]) make
/// one, so holding a value proves its instruction set runs on this CPU.
#[derive(Debug, Clone, Copy)]
pub enum Kernels {
    /// The portable kernels of `scalar.rs`.
    Scalar,
    /// AVX2 + FMA.
    #[cfg(target_arch = "x86_64")]
    Avx2(Avx2),
    /// AVX-512F for the pair dots; the Gram, packing and epilogue kernels are the AVX2 ones
    /// (AVX-512F detection implies AVX2 + FMA).
    #[cfg(target_arch = "x86_64")]
    Avx512(Avx512),
    /// NEON (pair dots and the Gram microkernel; the other kernels are scalar).
    #[cfg(target_arch = "aarch64")]
    Neon(Neon),
}

/// One pair-dot method per element type and sum form, routed to every instruction set.
macro_rules! dot_dispatch {
    ($($name:ident: $t:ty => $out:ty;)*) => {$(
        /// The pair kernel of the same name on this backend; only the common prefix of `a` and
        /// `b` is read.
        #[inline]
        pub fn $name(self, a: &[$t], b: &[$t]) -> $out {
            let k = a.len().min(b.len());
            let (a, b) = (a.get(..k).unwrap_or(&[]), b.get(..k).unwrap_or(&[]));
            match self {
                #[cfg(target_arch = "x86_64")]
                Kernels::Avx2(t) => t.$name(a, b),
                #[cfg(target_arch = "x86_64")]
                Kernels::Avx512(t) => t.$name(a, b),
                #[cfg(target_arch = "aarch64")]
                Kernels::Neon(t) => t.$name(a, b),
                Kernels::Scalar => scalar::$name(a, b),
            }
        }
    )*};
}

impl Kernels {
    /// The kernels of `backend`.
    ///
    /// # Errors
    /// [`GeometryError::Unsupported`] if this CPU (or target) cannot run `backend`.
    #[inline]
    pub fn new(backend: Backend) -> Result<Self> {
        Self::detect(backend).ok_or(GeometryError::Unsupported)
    }

    /// The kernels of `backend`, if this CPU (and target) can run it. Out of line and one byte
    /// wide (as the availability check it replaces), so the small generic entry points that
    /// start with it still inline into their callers.
    pub fn detect(backend: Backend) -> Option<Self> {
        match backend {
            Backend::Scalar => Some(Kernels::Scalar),
            #[cfg(target_arch = "x86_64")]
            Backend::Avx2 => Avx2::detect().map(Kernels::Avx2),
            #[cfg(target_arch = "x86_64")]
            Backend::Avx512 => Avx512::detect().map(Kernels::Avx512),
            #[cfg(target_arch = "aarch64")]
            Backend::Neon => Neon::detect().map(Kernels::Neon),
            _ => None,
        }
    }

    /// The kernels of [`best_backend`](super::best_backend).
    #[inline]
    pub fn best() -> Self {
        Self::detect(super::best_backend()).unwrap_or(Kernels::Scalar)
    }

    /// The AVX2 token, for the kernels AVX2 and AVX-512 share.
    #[cfg(target_arch = "x86_64")]
    #[inline]
    fn avx2(self) -> Option<Avx2> {
        match self {
            Kernels::Avx2(t) => Some(t),
            Kernels::Avx512(t) => Some(Avx2::from(t)),
            Kernels::Scalar => None,
        }
    }

    dot_dispatch! {
        dot_f32: f32 => f32;
        dot3_f32: f32 => [f32; 3];
        dot_f64: f64 => f64;
        dot3_f64: f64 => [f64; 3];
        dot_f32_acc64: f32 => f64;
        dot3_f32_acc64: f32 => [f64; 3];
        dot_bf16: Bf16 => f32;
        dot3_bf16: Bf16 => [f32; 3];
    }

    /// Cosine of two f32 vectors by a kernel that fuses the sums and the tail in registers
    /// (AVX2, AVX-512); `None` where this backend has none or the result is an error case
    /// (zero or non-finite norm, non-finite result) that the general path classifies.
    #[inline]
    pub fn cos_f32(self, a: &[f32], b: &[f32]) -> Option<f32> {
        let c: Option<f32> = match self {
            #[cfg(target_arch = "x86_64")]
            Kernels::Avx2(t) => Some(t.cos_f32(a, b)),
            #[cfg(target_arch = "x86_64")]
            Kernels::Avx512(t) => Some(t.cos_f32(a, b)),
            _ => {
                let _ = (a, b);
                None
            }
        };
        c.filter(|c| !c.is_nan())
    }

    /// [`Kernels::cos_f32`] for bf16 vectors (f32 accumulation).
    #[inline]
    pub fn cos_bf16(self, a: &[Bf16], b: &[Bf16]) -> Option<f32> {
        let c: Option<f32> = match self {
            #[cfg(target_arch = "x86_64")]
            Kernels::Avx2(t) => Some(t.cos_bf16(a, b)),
            #[cfg(target_arch = "x86_64")]
            Kernels::Avx512(t) => Some(t.cos_bf16(a, b)),
            _ => {
                let _ = (a, b);
                None
            }
        };
        c.filter(|c| !c.is_nan())
    }

    /// The 6×16 Gram microkernel: `c (+)= Σ_k A[k][0..6] ⊗ b[16k..16k + 16]` over `kc` steps
    /// (`first`: `c` is overwritten, not accumulated). Does nothing unless
    /// [`MicroA::fits`]`(kc, b.len())`.
    #[inline]
    pub fn gemm_6x16(self, a: MicroA<'_>, b: &[f32], kc: usize, c: &mut Tile, first: bool) {
        match self {
            #[cfg(target_arch = "x86_64")]
            Kernels::Avx2(t) => t.gemm_6x16(a, b, kc, c, first),
            #[cfg(target_arch = "x86_64")]
            Kernels::Avx512(t) => Avx2::from(t).gemm_6x16(a, b, kc, c, first),
            #[cfg(target_arch = "aarch64")]
            Kernels::Neon(t) => t.gemm_6x16(a, b, kc, c, first),
            Kernels::Scalar => scalar::gemm_6x16(a, b, kc, c, first),
        }
    }

    /// Clamp every entry of a tile to [−1, 1] and apply `tr`.
    #[inline]
    pub fn transform(self, t: &mut Tile, tr: Transform) {
        #[cfg(target_arch = "x86_64")]
        if let Some(x) = self.avx2() {
            x.transform(t, -1.0, 1.0, tr);
            return;
        }
        scalar::transform(t, tr);
    }

    /// Whether [`Kernels::pack_half16`] and [`Kernels::pack_panel6`] have a SIMD kernel here
    /// (otherwise the caller packs with [`scalar::pack_panel`]).
    #[inline]
    pub fn packs_simd(self) -> bool {
        #[cfg(target_arch = "x86_64")]
        if self.avx2().is_some() {
            return true;
        }
        false
    }

    /// Pack 8 rows, each scaled by `inv[r]`, into one half of a 16-wide panel:
    /// `dst[16k + r] = rows[r][k]·inv[r]` for k < f. False (nothing written) where
    /// [`Kernels::packs_simd`] is false or an extent does not fit (each row ≥ f floats, `dst` ≥
    /// 16(f − 1) + 8 floats, f ≥ 1).
    #[inline]
    pub fn pack_half16(
        self,
        rows: &[&[f32]; 8],
        inv: &[f32; 8],
        f: usize,
        dst: &mut [f32],
    ) -> bool {
        #[cfg(target_arch = "x86_64")]
        if let Some(x) = self.avx2() {
            return x.pack_half16(rows, inv, f, dst);
        }
        let _ = (rows, inv, f, dst);
        false
    }

    /// Pack 6 rows (of the 8 given; rows 6 and 7 are read, not kept), each scaled by `inv[r]`,
    /// into a 6-wide panel: `dst[6k + r] = rows[r][k]·inv[r]` for k < f. False (nothing written)
    /// where [`Kernels::packs_simd`] is false or an extent does not fit (each row ≥ f floats,
    /// `dst` ≥ 6f + 2 floats).
    #[inline]
    pub fn pack_panel6(
        self,
        rows: &[&[f32]; 8],
        inv: &[f32; 8],
        f: usize,
        dst: &mut [f32],
    ) -> bool {
        #[cfg(target_arch = "x86_64")]
        if let Some(x) = self.avx2() {
            return x.pack_panel6(rows, inv, f, dst);
        }
        let _ = (rows, inv, f, dst);
        false
    }

    /// Dispersion epilogue, pass 1: tile entries become D = arccos(clamp(c, lo, hi))/π; returns
    /// the minimum D over the lanes set in `valid` (2.0 if none).
    #[inline]
    pub fn tile_d(self, t: &mut Tile, valid: &[u16; MR], ep: &Epilogue) -> f32 {
        #[cfg(target_arch = "x86_64")]
        if let Some(x) = self.avx2() {
            return x.disp_tile_d(t, valid, ep);
        }
        scalar::tile_d(t, valid, ep)
    }

    /// Dispersion epilogue, pass 2: Σ over the lanes set in `valid` of exp(D·k − shift), D read
    /// from the tile, summed in f64.
    #[inline]
    pub fn tile_sum(self, t: &Tile, valid: &[u16; MR], ep: &Epilogue) -> f64 {
        #[cfg(target_arch = "x86_64")]
        if let Some(x) = self.avx2() {
            return x.disp_tile_sum(t, valid, ep);
        }
        scalar::tile_sum(t, valid, ep)
    }

    /// Dispersion gradient epilogue: cosines become G = scale·exp(D·k − shift)/√(1 − ĉ²) (0 on
    /// lanes not in `valid` and, unless straight-through, where the clamp was active).
    #[inline]
    pub fn tile_grad(self, t: &mut Tile, valid: &[u16; MR], ep: &Epilogue) {
        #[cfg(target_arch = "x86_64")]
        if let Some(x) = self.avx2() {
            x.grad_tile(t, valid, ep);
            return;
        }
        scalar::tile_grad(t, valid, ep);
    }

    /// Dispersion epilogue without a shift, one pass: Σ over the lanes set in `valid` of
    /// exp(k·arccos(clamp(c, lo, hi))/π) in f64; the tile is left as it was.
    #[inline]
    pub fn tile_esum(self, t: &mut Tile, valid: &[u16; MR], ep: &Epilogue) -> f64 {
        #[cfg(target_arch = "x86_64")]
        if let Some(x) = self.avx2() {
            return x.disp_tile_esum(t, valid, ep);
        }
        scalar::tile_esum(t, valid, ep, false)
    }

    /// [`Kernels::tile_esum`] that also turns the tile into the unscaled gradient
    /// G = e/max(√(1 − ĉ²), 1e-6) (0 off `valid` and, unless straight-through, where clamped).
    #[inline]
    pub fn tile_grad_esum(self, t: &mut Tile, valid: &[u16; MR], ep: &Epilogue) -> f64 {
        #[cfg(target_arch = "x86_64")]
        if let Some(x) = self.avx2() {
            return x.grad_tile_esum(t, valid, ep);
        }
        scalar::tile_esum(t, valid, ep, true)
    }

    /// Apply `u` to `rows` (6 or 4) rows of `out`. Does nothing for other row counts or when
    /// [`RankUpdate::fits`] is false.
    #[inline]
    pub fn rank_update(self, rows: usize, out: &mut [f32], u: &RankUpdate<'_>) {
        // (Each path checks the extents once: the SIMD method for its own safety.)
        #[cfg(target_arch = "x86_64")]
        if let Some(x) = self.avx2() {
            x.rank_update(rows, out, u);
            return;
        }
        if (rows == MR || rows == 4) && u.fits(rows, out.len()) {
            scalar::rank_update(rows, out, u);
        }
    }

    /// Apply `u` to the 6 rows of `out`. Does nothing when [`TileRankUpdate::fits`] is false.
    #[inline]
    pub fn rank_update_tiles(self, out: &mut [f32], u: &TileRankUpdate<'_>) {
        #[cfg(target_arch = "x86_64")]
        if let Some(x) = self.avx2() {
            x.rank_update_tiles_6(out, u);
            return;
        }
        if u.fits(out.len()) {
            scalar::rank_update_tiles(out, u);
        }
    }

    /// Feature-panel copy of the full 16-feature blocks of a 16-wide packing `b` (`nbp` panels at
    /// stride `sb`, depth `f`) into `z` (`rs` rows per feature panel):
    /// `z[(fp·rs + 16p + c)·16 + kk] = b[p·sb + (16fp + kk)·16 + c]`. Returns how many feature
    /// panels it wrote (`f / 16`, or 0 where there is no SIMD kernel or an extent does not fit);
    /// the caller copies the rest.
    #[inline]
    pub fn zpanels(
        self,
        b: &[f32],
        sb: usize,
        nbp: usize,
        f: usize,
        z: &mut [f32],
        rs: usize,
    ) -> usize {
        #[cfg(target_arch = "x86_64")]
        if let Some(x) = self.avx2() {
            return x.zpanels(b, sb, nbp, f, z, rs);
        }
        let _ = (b, sb, nbp, f, z, rs);
        0
    }
}
