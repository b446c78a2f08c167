//! N×N and queries×corpus cosine / angle matrices by a register-blocked Gram microkernel (6×16
//! tiles, k-blocked at ≤ 768) with clamp + arccos fused in the tile epilogue, into caller buffers.
//!
//! Pipeline: (1) normalise each row and pack it k-major into 16-wide (B) panels in caller scratch
//! (and, for queries × corpus, the queries into 6-wide A panels; the self product's row tiles read
//! the B packing at k-stride 16); (2) per 48-row block, each k slab (≤ 768 deep), each 16-column
//! panel, each needed 6-row tile: microkernel into the block's accumulator tiles; (3) epilogue:
//! clamp, arccos, store. No allocation.

use super::{scalar, Backend, GeometryError, Result};

/// Rows per microkernel tile (A panel width).
pub(crate) const MR: usize = 6;
/// Columns per microkernel tile (B panel width).
pub(crate) const NR: usize = 16;
/// Largest depth of a k slab. The slabs of depth f are equal, ⌈f / ⌈f/768⌉⌉ deep: one slab for
/// f ≤ 768 (measured on Zen 3, Gram product only: 1–4 % faster than 256-deep slabs at N = 1024 and
/// 7 % at N = 4096, where the accumulator tiles of a row block (48·N floats) no longer fit L2 and
/// every slab reloads them). The B micro-panel (48 KiB at 768) streams from L2.
const KC_MAX: usize = 768;
/// Floats in one tile.
pub(crate) const TILE: usize = MR * NR;

/// What each entry of a pairwise matrix holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PairValue {
    /// Cosine similarity, clamped to [−1, 1].
    Cosine,
    /// Angle arccos(cos) in radians, in [0, π].
    Angle,
    /// Angular distance arccos(cos)/π, in [0, 1].
    AngularDistance,
}

/// Layout of a square (self) pairwise matrix in the output buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// Full row-major N×N matrix (`n*n` floats), symmetric; the diagonal is exactly 1 (cosine)
    /// or 0 (angle, angular distance).
    Full,
    /// Strict upper triangle i < j, row by row (`n(n−1)/2` floats, scipy `pdist` order):
    /// entry (i, j) at `i*n − i(i+1)/2 + (j − i − 1)`.
    UpperPacked,
}

/// Floats of padding after each packed panel: breaks the power-of-two panel stride (e.g. 6·4096·4
/// bytes) that made the 8 A slabs of a row block alias the same L1 sets.
const PANEL_PAD: usize = 16;

/// Floats of one packed panel of width `w` and depth `f`, padding included.
pub(crate) fn panel_len(w: usize, f: usize) -> Option<usize> {
    w.checked_mul(f)?.checked_add(PANEL_PAD)
}

/// Floats of `padded` rows packed in panels of width `w` (`padded` a multiple of `w`).
pub(crate) fn packed_len(padded: usize, w: usize, f: usize) -> Option<usize> {
    (padded / w).checked_mul(panel_len(w, f)?)
}

pub(crate) fn round_up(n: usize, m: usize) -> Option<usize> {
    n.checked_add(m - 1).map(|x| x / m * m)
}

/// What the matrix kernels ([`pairwise_with_policy`], [`cross_with_policy`]) do with a row
/// that has zero norm or a NaN / infinite value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RowPolicy {
    /// Fail the call with [`GeometryError::ZeroNormRow`] / [`GeometryError::NonFiniteRow`],
    /// naming the first such row (the default, and what [`pairwise_with`] / [`cross_with`] do).
    #[default]
    Error,
    /// Write NaN for every value that involves such a row (its row and column of the output,
    /// the diagonal included) and compute every other value as usual.
    Nan,
}

/// How rows are scaled before the Gram product.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Scale {
    /// z/‖z‖; zero norm → `Err(ZeroNorm)`.
    Unit,
    /// z/(‖z‖+ε) (ε > 0: zero rows become zero vectors).
    Eps(f64),
    /// No scaling (inputs assumed normalised).
    None,
}

/// Σ aᵢbᵢ of two f32 slices accumulated in f64 on `backend` (the caller checked it available;
/// only the common prefix of unequal lengths is summed).
pub(crate) fn dot_f32_acc64_on(backend: Backend, a: &[f32], b: &[f32]) -> f64 {
    let k = a.len().min(b.len());
    let (a, b) = (&a[..k], &b[..k]);
    match backend {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: the caller checked `backend.is_available()`; equal lengths.
        Backend::Avx2 => unsafe { super::avx2::dot_f32_acc64(a, b) },
        #[cfg(target_arch = "x86_64")]
        // SAFETY: the caller checked `backend.is_available()`; equal lengths.
        Backend::Avx512 => unsafe { super::avx512::dot_f32_acc64(a, b) },
        #[cfg(target_arch = "aarch64")]
        // SAFETY: the caller checked `backend.is_available()` (NEON, baseline on aarch64).
        Backend::Neon => unsafe { super::neon::dot_f32_acc64(a, b) },
        _ => scalar::dot_f32_acc64(a, b),
    }
}

/// Which matrix `pack` packs (for the row named in an error) and what a bad row becomes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RowsOf {
    /// The queries of a cross product (else the rows / corpus).
    pub query: bool,
    pub policy: RowPolicy,
}

impl RowsOf {
    /// The rows / corpus, failing on a bad row.
    pub const ROWS: RowsOf = RowsOf {
        query: false,
        policy: RowPolicy::Error,
    };

    /// 1/scale of row `i`: its error names the row, or NaN under [`RowPolicy::Nan`].
    fn inv(self, backend: Backend, row: &[f32], i: usize, scale: Scale) -> Result<f32> {
        match row_inv(backend, row, scale) {
            Ok(v) => Ok(v),
            Err(_) if self.policy == RowPolicy::Nan => Ok(f32::NAN),
            Err(GeometryError::ZeroNorm) => Err(GeometryError::ZeroNormRow {
                row: i,
                query: self.query,
            }),
            Err(_) => Err(GeometryError::NonFiniteRow {
                row: i,
                query: self.query,
            }),
        }
    }
}

/// Indices of the rows of `x` (`rows` rows of `f`) that [`RowPolicy`] calls bad: zero norm,
/// or a NaN / infinite value (the rows the packing scaled by NaN).
fn bad_rows(
    backend: Backend,
    x: &[f32],
    rows: usize,
    f: usize,
) -> impl Iterator<Item = usize> + '_ {
    x.chunks_exact(f)
        .take(rows)
        .enumerate()
        .filter(move |(_, row)| row_inv(backend, row, Scale::Unit).is_err())
        .map(|(i, _)| i)
}

/// 1/scale for one row; checks finiteness.
pub(crate) fn row_inv(backend: Backend, row: &[f32], scale: Scale) -> Result<f32> {
    let nn = dot_f32_acc64_on(backend, row, row);
    if !nn.is_finite() {
        return Err(GeometryError::NonFinite);
    }
    let norm = libm::sqrt(nn);
    #[allow(clippy::cast_possible_truncation)]
    match scale {
        Scale::Unit => {
            if norm <= 0.0 {
                Err(GeometryError::ZeroNorm)
            } else {
                Ok((1.0 / norm) as f32)
            }
        }
        Scale::Eps(e) => {
            if norm + e <= 0.0 {
                Err(GeometryError::ZeroNorm)
            } else {
                Ok((1.0 / (norm + e)) as f32)
            }
        }
        Scale::None => Ok(1.0),
    }
}

/// Normalise `rows` rows of `x` and pack them k-major into panels of width `w` (zero padding rows up
/// to a multiple of `w`). `dst` must hold `round_up(rows, w) * f` floats.
#[allow(clippy::too_many_arguments)]
pub(crate) fn pack(
    backend: Backend,
    x: &[f32],
    rows: usize,
    f: usize,
    w: usize,
    scale: Scale,
    rows_of: RowsOf,
    dst: &mut [f32],
) -> Result<()> {
    let padded = round_up(rows, w).ok_or(GeometryError::Overflow)?;
    let plen = panel_len(w, f).ok_or(GeometryError::Overflow)?;
    if dst.len() < packed_len(padded, w, f).ok_or(GeometryError::Overflow)? || x.len() < rows * f {
        return Err(GeometryError::BufferTooSmall);
    }
    if x.is_empty() {
        return Err(GeometryError::Empty);
    }
    let mut inv = [0.0f32; NR];
    let mut src: [&[f32]; NR] = [&[]; NR];
    for (p, panel) in dst.chunks_exact_mut(plen).take(padded / w).enumerate() {
        let w = w.min(NR);
        #[cfg(target_arch = "x86_64")]
        if matches!(backend, Backend::Avx2 | Backend::Avx512) && w == NR {
            // Half a panel at a time: the 8 rows' norms, then their packing while the rows are
            // still in L2 (16 rows of f = 4096 and the panel being written overflowed it).
            for h in 0..2 {
                let mut ptrs = [x.as_ptr(); 8];
                let mut inv8 = [0.0f32; 8];
                for r in 0..8 {
                    let i = p * NR + 8 * h + r;
                    if let Some(row) = x.get(i * f..(i + 1) * f).filter(|_| i < rows) {
                        ptrs[r] = row.as_ptr();
                        inv8[r] = rows_of.inv(backend, row, i, scale)?;
                    }
                }
                if let Some(d) = panel.get_mut(8 * h..) {
                    // SAFETY: backend available (entry point check); each `ptrs[r]` is a row of
                    // `x` of length f, or row 0 (x.len() ≥ f) with weight 0; `d` reaches the
                    // panel's end (16·f floats + padding from offset 8h ≤ 8).
                    unsafe { super::avx2::pack_half16(&ptrs, &inv8, f, d.as_mut_ptr()) };
                }
            }
            continue;
        }
        for r in 0..NR {
            let i = p * w + r;
            let (row, s) = match x.get(i * f..(i + 1) * f) {
                Some(row) if i < rows && r < w => (row, rows_of.inv(backend, row, i, scale)?),
                // Padding: alias row 0 (finite, length f) with weight 0.
                _ => (x.get(..f).unwrap_or(&[]), 0.0),
            };
            src[r] = row;
            inv[r] = s;
        }
        match backend {
            #[cfg(target_arch = "x86_64")]
            Backend::Avx2 | Backend::Avx512
                if w == MR && src.iter().take(8).all(|r| r.len() == f) =>
            {
                let ptrs: [*const f32; 8] = core::array::from_fn(|r| src[r].as_ptr());
                let inv8: [f32; 8] = core::array::from_fn(|r| inv[r]);
                // SAFETY: backend available (entry point check); every `src[r]` has length f
                // (row 0 exists: x.len() == rows·f ≥ f); `panel` has 6·f + PANEL_PAD floats
                // (PANEL_PAD ≥ 2 covers the overhang of the 8-float stores).
                unsafe { super::avx2::pack_panel6(&ptrs, &inv8, f, panel.as_mut_ptr()) };
            }
            _ => {
                // k outer, r inner: contiguous writes, `w` sequential read streams.
                let panel = panel.get_mut(..w * f).unwrap_or(&mut []);
                for (k, d) in panel.chunks_exact_mut(w).enumerate() {
                    for (r, dv) in d.iter_mut().enumerate() {
                        *dv = src[r].get(k).map_or(0.0, |v| v * inv[r]);
                    }
                }
            }
        }
    }
    Ok(())
}

/// The A operand of one microkernel call: a 6-wide packed slab, or six rows of the 16-wide
/// packing (k-stride 16) whose rows `split..6` continue in `hi` (the next panel's rows 0..).
#[derive(Clone, Copy)]
enum MicroA<'a> {
    Narrow(&'a [f32]),
    Wide {
        lo: &'a [f32],
        hi: &'a [f32],
        split: usize,
    },
}

impl MicroA<'_> {
    /// Element (k, r) of the operand (row r < 6 of k step k); lengths checked by the caller.
    fn at(self, k: usize, r: usize) -> f32 {
        match self {
            MicroA::Narrow(a) => a[k * MR + r],
            MicroA::Wide { lo, hi, split } => {
                if r < split {
                    lo[k * NR + r]
                } else {
                    hi[k * NR + r - split]
                }
            }
        }
    }
}

fn micro(backend: Backend, a: MicroA<'_>, b: &[f32], kc: usize, c: &mut [f32], first: bool) {
    let ok = match a {
        MicroA::Narrow(a) => a.len() >= MR * kc,
        MicroA::Wide { lo, hi, split } => {
            kc > 0
                && (split == MR || split == 4 || split == 2)
                && lo.len() >= NR * (kc - 1) + split
                && hi.len() >= NR * (kc - 1) + MR - split
        }
    };
    if !ok || b.len() < NR * kc || c.len() < TILE {
        return;
    }
    // One SIMD microkernel (`gemm_6x16::<AS, S>`, the same operand forms on every ISA) per A form.
    #[allow(unused_macros)]
    macro_rules! call_gemm_6x16 {
        ($k:path) => {{
            use $k as gemm_6x16;
            let (bp, cp) = (b.as_ptr(), c.as_mut_ptr());
            match a {
                MicroA::Narrow(a) => gemm_6x16::<6, 6>(a.as_ptr(), a.as_ptr(), bp, kc, cp, first),
                MicroA::Wide { lo, hi, split } => {
                    let (l, h) = (lo.as_ptr(), hi.as_ptr());
                    match split {
                        4 => gemm_6x16::<16, 4>(l, h, bp, kc, cp, first),
                        2 => gemm_6x16::<16, 2>(l, h, bp, kc, cp, first),
                        _ => gemm_6x16::<16, 6>(l, l, bp, kc, cp, first),
                    }
                }
            }
        }};
    }
    match backend {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: backend checked available by the public entry point; lengths checked above.
        Backend::Avx2 | Backend::Avx512 => unsafe { call_gemm_6x16!(super::avx2::gemm_6x16) },
        #[cfg(target_arch = "aarch64")]
        // SAFETY: backend checked available by the public entry point (NEON, baseline on
        // aarch64); lengths checked above.
        Backend::Neon => unsafe { call_gemm_6x16!(super::neon::gemm_6x16) },
        _ => {
            let mut acc = [[0.0f32; NR]; MR];
            if !first {
                for (r, row) in acc.iter_mut().enumerate() {
                    for (j, v) in row.iter_mut().enumerate() {
                        *v = c[r * NR + j];
                    }
                }
            }
            for (k, bk) in b.chunks_exact(NR).take(kc).enumerate() {
                for (r, row) in acc.iter_mut().enumerate() {
                    let av = a.at(k, r);
                    for (v, bv) in row.iter_mut().zip(bk) {
                        *v += av * bv;
                    }
                }
            }
            for (r, row) in acc.iter().enumerate() {
                c[r * NR..(r + 1) * NR].copy_from_slice(row);
            }
        }
    }
}

/// The A operand of [`gram_tiles`].
#[derive(Clone, Copy)]
pub(crate) enum AOperand<'a> {
    /// Rows packed 6 wide (`packed_len(mp, MR, f)` floats).
    Narrow(&'a [f32]),
    /// The rows of the B operand itself (the self product): row tiles read its 16-wide packing.
    SameAsB,
}

/// Row tiles per block: the B k-slab of a column panel is reused by the block's 8 row tiles.
pub(crate) const MB: usize = 8;
/// Scratch floats of the accumulator tiles of one row block × all column panels (48 × np): a
/// row panel of the Gram matrix, never the N×N matrix.
pub(crate) fn gram_acc_len(np: usize) -> Option<usize> {
    np.checked_mul(MB * MR)
}

/// Drive the blocked Gram product of A (`mp` rows: packed in 6-wide panels, or the rows of B
/// itself) and packed B (`np` rows, 16-wide panels) over depth `f`; `acc` holds at least `gram_acc_len(np)` floats. With `upper`, only
/// tiles that contain some (i, j) with i ≤ j are computed. `epi(i0, j0, tile)` gets each finished
/// 6×16 tile, `last` = the last tile of this column panel within the row block;
/// `block_done(ib, ie, jp0, acc)` runs after the epilogues of row tiles ib..ie (tile (ip, jp) at
/// `acc[((jp − jp0)·MB + ip − ib)·TILE..]`). Loop order:
/// row block (48 rows) → k slab (≤ 768 deep) → column panel → row tile.
#[allow(clippy::too_many_arguments)]
pub(crate) fn gram_tiles<E, D>(
    backend: Backend,
    a: AOperand<'_>,
    mp: usize,
    b: &[f32],
    np: usize,
    f: usize,
    acc: &mut [f32],
    upper: bool,
    mut epi: E,
    mut block_done: D,
) where
    E: FnMut(usize, usize, &mut [f32], bool),
    D: FnMut(usize, usize, usize, &mut [f32]),
{
    let n_ip = mp / MR;
    let n_jp = np / NR;
    let (sa, sb) = (MR * f + PANEL_PAD, NR * f + PANEL_PAD);
    let kslab = f.div_ceil(f.div_ceil(KC_MAX).max(1)).max(1);
    let mut ib = 0;
    while ib < n_ip {
        let ie = (ib + MB).min(n_ip);
        // First column panel that meets this row block's upper triangle: j0 + NR − 1 ≥ ib·MR.
        let jp0 = if upper { ib * MR / NR } else { 0 };
        // Row tiles of the block with i0 ≤ j0 + NR − 1.
        let ip_end = |j0: usize| {
            if upper {
                ie.min((j0 + NR - 1) / MR + 1)
            } else {
                ie
            }
        };
        let mut kb = 0;
        while kb < f {
            let kc = kslab.min(f - kb);
            for jp in jp0..n_jp {
                let j0 = jp * NR;
                let bk = b.get(jp * sb + kb * NR..).unwrap_or(&[]);
                for ip in ib..ip_end(j0) {
                    let ak = match a {
                        AOperand::Narrow(a) => {
                            MicroA::Narrow(a.get(ip * sa + kb * MR..).unwrap_or(&[]))
                        }
                        AOperand::SameAsB => {
                            // Rows r0..r0+6 of the 16-wide packing: panel p from row `off`;
                            // past its end they continue in panel p + 1 (or, past the last
                            // panel, junk but finite rows of panel p: rows ≥ n are discarded).
                            let (p, off) = (ip * MR / NR, ip * MR % NR);
                            let lo = b.get(p * sb + kb * NR + off..).unwrap_or(&[]);
                            let split = (NR - off).min(MR);
                            let q = if p + 1 < n_jp { p + 1 } else { p };
                            let hi = b.get(q * sb + kb * NR..).unwrap_or(&[]);
                            MicroA::Wide { lo, hi, split }
                        }
                    };
                    let t = (jp - jp0) * MB + (ip - ib);
                    let c = acc.get_mut(t * TILE..(t + 1) * TILE).unwrap_or(&mut []);
                    micro(backend, ak, bk, kc, c, kb == 0);
                }
            }
            kb += kc;
        }
        for jp in jp0..n_jp {
            let j0 = jp * NR;
            let end = ip_end(j0);
            for ip in ib..end {
                let t = (jp - jp0) * MB + (ip - ib);
                if let Some(c) = acc.get_mut(t * TILE..(t + 1) * TILE) {
                    epi(ip * MR, j0, c, ip + 1 == end);
                }
            }
        }
        block_done(ib, ie, jp0, acc);
        ib = ie;
    }
}

/// Clamp + transform a tile in place.
pub(crate) fn transform_tile(backend: Backend, t: &mut [f32], value: PairValue) {
    let mode = match value {
        PairValue::Cosine => 0u8,
        PairValue::Angle => 1,
        PairValue::AngularDistance => 2,
    };
    match backend {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: backend checked available by the entry point; `t.len()` is passed, a multiple of 8.
        Backend::Avx2 | Backend::Avx512 => unsafe {
            super::avx2::transform(t.as_mut_ptr(), t.len() / 8 * 8, -1.0, 1.0, mode);
        },
        _ => {
            for v in t.iter_mut() {
                let x = v.clamp(-1.0, 1.0);
                *v = match mode {
                    0 => x,
                    1 => scalar::acos_f32(x),
                    _ => scalar::acos_f32(x) * core::f32::consts::FRAC_1_PI,
                };
            }
        }
    }
}

/// Scratch split into the two packed operands of a Gram product and the tile accumulator.
struct Packed<'s> {
    mp: usize,
    np: usize,
    apack: Option<&'s mut [f32]>,
    bpack: &'s mut [f32],
    acc: &'s mut [f32],
}

/// Unit-normalise and pack `b` (n rows, NR panels) and, unless `a` is None (the self product,
/// whose row tiles read B's packing), `a` (m rows, MR panels) into `scratch`; shared by
/// [`pairwise_with`] and [`cross_with`].
#[allow(clippy::too_many_arguments)]
fn pack_pair<'s>(
    backend: Backend,
    a: Option<&[f32]>,
    m: usize,
    b: &[f32],
    n: usize,
    f: usize,
    policy: RowPolicy,
    scratch: &'s mut [f32],
) -> Result<Packed<'s>> {
    let o = GeometryError::Overflow;
    let mp = round_up(m, MR).ok_or(o)?;
    let np = round_up(n, NR).ok_or(o)?;
    let alen = if a.is_some() {
        packed_len(mp, MR, f).ok_or(o)?
    } else {
        0
    };
    let (apack, rest) = scratch.split_at_mut(alen);
    let (bpack, acc) = rest.split_at_mut(packed_len(np, NR, f).ok_or(o)?);
    let rows = RowsOf {
        query: false,
        policy,
    };
    pack(backend, b, n, f, NR, Scale::Unit, rows, bpack)?;
    let apack = match a {
        Some(a) => {
            let queries = RowsOf {
                query: true,
                policy,
            };
            pack(backend, a, m, f, MR, Scale::Unit, queries, apack)?;
            Some(apack)
        }
        None => None,
    };
    Ok(Packed {
        mp,
        np,
        apack,
        bpack,
        acc,
    })
}

/// Scratch floats needed by [`pairwise_with`] for `n` rows of dimension `f`: the rows packed
/// 16 wide and the accumulator tiles of one 48-row block (the row tiles read the same packing).
///
/// # Errors
/// `Overflow` if the size does not fit `usize`.
pub fn pairwise_scratch_len(n: usize, f: usize) -> Result<usize> {
    let o = GeometryError::Overflow;
    let np = round_up(n, NR).ok_or(o)?;
    let b = packed_len(np, NR, f).ok_or(o)?;
    let c = gram_acc_len(np).ok_or(o)?;
    b.checked_add(c).ok_or(o)
}

/// Scratch floats needed by [`cross_with`] for `m` queries and `n` corpus rows of dimension `f`.
///
/// # Errors
/// `Overflow` if the size does not fit `usize`.
pub fn cross_scratch_len(m: usize, n: usize, f: usize) -> Result<usize> {
    let o = GeometryError::Overflow;
    let mp = round_up(m, MR).ok_or(o)?;
    let np = round_up(n, NR).ok_or(o)?;
    let a = packed_len(mp, MR, f).ok_or(o)?;
    let b = packed_len(np, NR, f).ok_or(o)?;
    let c = gram_acc_len(np).ok_or(o)?;
    a.checked_add(b).and_then(|s| s.checked_add(c)).ok_or(o)
}

fn diag_value(value: PairValue) -> f32 {
    match value {
        PairValue::Cosine => 1.0,
        _ => 0.0,
    }
}

/// Pairwise cosine / angle matrix of the `n` rows (dimension `f`, row-major in `x`) on `backend`.
///
/// Rows are normalised to unit norm (f64 norm accumulation), multiplied in f32 by the blocked
/// kernel, clamped to [−1, 1] and transformed (arccos by an 8-coefficient polynomial, ≤ 4e-7 rad).
///
/// Accuracy: each cosine is within (f + 4)·u·Σₖ|âₖb̂ₖ| + 4u of the exact cosine of the rows
/// (u = 2⁻²⁴; â, b̂ the normalised rows), so two identical rows give 1 only to (f + 8)·u
/// (2.3e-5 at f = 384; measured 4.8e-7 on real all-MiniLM-L6-v2 rows), where
/// [`cosine_similarity`](super::cosine_similarity) gives exactly 1 (tested:
/// `tests/geometry_pairwise.rs`). The diagonal of this N×N matrix is set exactly (1, or an
/// angle of 0); a duplicate row elsewhere, or a query that is also a corpus row in
/// [`cross_with`], gets the bounded value.
/// `out` must hold `n*n` ([`Layout::Full`]) or `n(n−1)/2` ([`Layout::UpperPacked`]) floats; `scratch`
/// at least [`pairwise_scratch_len`] floats.
///
/// # Errors
/// `Unsupported` backend, `Empty`, `LengthMismatch` (`x.len() != n*f`), `Overflow`,
/// `BufferTooSmall` (out or scratch), `ZeroNormRow` (a zero row, named), `NonFiniteRow` (a
/// NaN/∞ row, named). [`pairwise_with_policy`] with [`RowPolicy::Nan`] writes NaN for such
/// rows instead.
#[allow(clippy::too_many_arguments)]
pub fn pairwise_with(
    backend: Backend,
    x: &[f32],
    n: usize,
    f: usize,
    value: PairValue,
    layout: Layout,
    out: &mut [f32],
    scratch: &mut [f32],
) -> Result<()> {
    pairwise_with_policy(
        backend,
        x,
        n,
        f,
        value,
        layout,
        RowPolicy::Error,
        out,
        scratch,
    )
}

/// [`pairwise_with`] with a [`RowPolicy`] for rows of zero norm or with a NaN / infinite
/// value: [`RowPolicy::Error`] fails naming the first such row, [`RowPolicy::Nan`] writes NaN
/// for every value involving one (its row and column, the diagonal included) and computes the
/// rest as usual.
///
/// ```
/// use simstat::geometry::{best_backend, pairwise_scratch_len, pairwise_with_policy, Layout, PairValue, RowPolicy};
/// let x = [1.0f32, 0.0, 0.0, 0.0, 0.6, 0.8]; // row 1 is zero
/// let mut out = [0.0f32; 9];
/// let mut scratch = vec![0.0f32; pairwise_scratch_len(3, 2).unwrap()];
/// let (be, v, l) = (best_backend(), PairValue::Cosine, Layout::Full);
/// pairwise_with_policy(be, &x, 3, 2, v, l, RowPolicy::Nan, &mut out, &mut scratch).unwrap();
/// assert!(out[1].is_nan() && out[3].is_nan() && out[4].is_nan());
/// assert!((out[2] - 0.6).abs() < 1e-6 && out[8] == 1.0);
/// let err = pairwise_with_policy(be, &x, 3, 2, v, l, RowPolicy::Error, &mut out, &mut scratch);
/// assert_eq!(err, Err(simstat::geometry::GeometryError::ZeroNormRow { row: 1, query: false }));
/// ```
///
/// # Errors
/// As [`pairwise_with`]; with [`RowPolicy::Nan`] no row error.
#[allow(clippy::too_many_arguments)]
pub fn pairwise_with_policy(
    backend: Backend,
    x: &[f32],
    n: usize,
    f: usize,
    value: PairValue,
    layout: Layout,
    policy: RowPolicy,
    out: &mut [f32],
    scratch: &mut [f32],
) -> Result<()> {
    if !backend.is_available() {
        return Err(GeometryError::Unsupported);
    }
    super::error::check_matrix(x.len(), n, f)?;
    let need = match layout {
        Layout::Full => n.checked_mul(n),
        Layout::UpperPacked => n.checked_mul(n - 1).map(|v| v / 2),
    }
    .ok_or(GeometryError::Overflow)?;
    if out.len() < need || scratch.len() < pairwise_scratch_len(n, f)? {
        return Err(GeometryError::BufferTooSmall);
    }
    let Packed {
        mp, np, bpack, acc, ..
    } = pack_pair(backend, None, n, x, n, f, policy, scratch)?;
    gram_tiles(
        backend,
        AOperand::SameAsB,
        mp,
        bpack,
        np,
        f,
        acc,
        true,
        |i0, j0, t, _| {
            transform_tile(backend, t, value);
            for r in 0..MR {
                let i = i0 + r;
                if i >= n {
                    break;
                }
                let row = t.get(r * NR..(r + 1) * NR).unwrap_or(&[]);
                // Columns j in [max(j0, i+1), min(j0+NR, n)).
                let jlo = j0.max(i + 1);
                let jhi = (j0 + NR).min(n);
                match layout {
                    Layout::Full => {
                        if jlo < jhi {
                            if let (Some(d), Some(s)) = (
                                out.get_mut(i * n + jlo..i * n + jhi),
                                row.get(jlo - j0..jhi - j0),
                            ) {
                                d.copy_from_slice(s);
                            }
                        }
                    }
                    Layout::UpperPacked => {
                        if jlo < jhi {
                            let base = i * n - i * (i + 1) / 2;
                            let (lo, hi) = (base + jlo - i - 1, base + jhi - i - 1);
                            if let (Some(d), Some(s)) =
                                (out.get_mut(lo..hi), row.get(jlo - j0..jhi - j0))
                            {
                                d.copy_from_slice(s);
                            }
                        }
                    }
                }
            }
        },
        |_, _, _, _| {},
    );
    if layout == Layout::Full {
        mirror_upper(out, n, diag_value(value));
    }
    if policy == RowPolicy::Nan {
        // The kernels' clamps do not keep NaN on every backend (x86 min/max return the
        // bound): write the bad rows' values explicitly.
        for b in bad_rows(backend, x, n, f) {
            for i in 0..n {
                let (lo, hi) = (i.min(b), i.max(b));
                let idx = match layout {
                    Layout::Full => Some(i * n + b),
                    Layout::UpperPacked if lo < hi => {
                        Some(lo * n - lo * (lo + 1) / 2 + hi - lo - 1)
                    }
                    Layout::UpperPacked => None,
                };
                if let Some(v) = idx.and_then(|k| out.get_mut(k)) {
                    *v = f32::NAN;
                }
                if layout == Layout::Full {
                    if let Some(v) = out.get_mut(b * n + i) {
                        *v = f32::NAN;
                    }
                }
            }
        }
    }
    Ok(())
}

/// Copy the strict upper triangle of the n×n row-major `out` to the lower one in 32×32 blocks
/// (both blocks stay in L1) and set the diagonal to `dv`.
fn mirror_upper(out: &mut [f32], n: usize, dv: f32) {
    const B: usize = 32;
    let mut bi = 0;
    while bi < n {
        let mut bj = bi;
        while bj < n {
            for i in bi..(bi + B).min(n) {
                for j in bj.max(i + 1)..(bj + B).min(n) {
                    if let Some(v) = out.get(i * n + j).copied() {
                        if let Some(d) = out.get_mut(j * n + i) {
                            *d = v;
                        }
                    }
                }
            }
            bj += B;
        }
        bi += B;
    }
    for i in 0..n {
        if let Some(d) = out.get_mut(i * n + i) {
            *d = dv;
        }
    }
}

/// [`pairwise_with`] on [`best_backend`](super::best_backend), cosines.
///
/// ```
/// use simstat::geometry::{pairwise_cosine, pairwise_scratch_len, Layout};
/// let x = [1.0_f32, 0.0, 0.0, 2.0, 1.0, 1.0]; // 3 rows, f = 2
/// let mut out = [0.0_f32; 9];
/// let mut scratch = vec![0.0_f32; pairwise_scratch_len(3, 2).unwrap()];
/// pairwise_cosine(&x, 3, 2, Layout::Full, &mut out, &mut scratch).unwrap();
/// assert!((out[1]).abs() < 1e-7 && (out[2] - 0.70710677).abs() < 1e-6 && out[4] == 1.0);
/// ```
///
/// # Errors
/// See [`pairwise_with`].
pub fn pairwise_cosine(
    x: &[f32],
    n: usize,
    f: usize,
    layout: Layout,
    out: &mut [f32],
    scratch: &mut [f32],
) -> Result<()> {
    pairwise_with(
        super::best_backend(),
        x,
        n,
        f,
        PairValue::Cosine,
        layout,
        out,
        scratch,
    )
}

/// [`pairwise_with`] on [`best_backend`](super::best_backend), angles in radians.
///
/// # Errors
/// See [`pairwise_with`].
pub fn pairwise_angles(
    x: &[f32],
    n: usize,
    f: usize,
    layout: Layout,
    out: &mut [f32],
    scratch: &mut [f32],
) -> Result<()> {
    pairwise_with(
        super::best_backend(),
        x,
        n,
        f,
        PairValue::Angle,
        layout,
        out,
        scratch,
    )
}

/// Rectangular case: `m` queries (`q`, m×f) against `n` corpus rows (`x`, n×f) into `out`
/// (m×n row-major, `out[i*n + j]` = value of query i with corpus row j). Same kernel, clamp,
/// accuracy bound and errors as [`pairwise_with`] (a query identical to a corpus row gets a
/// cosine within (f + 8)·2⁻²⁴ of 1, not exactly 1); `scratch` at least [`cross_scratch_len`]
/// floats.
///
/// # Errors
/// See [`pairwise_with`].
#[allow(clippy::too_many_arguments)]
pub fn cross_with(
    backend: Backend,
    q: &[f32],
    m: usize,
    x: &[f32],
    n: usize,
    f: usize,
    value: PairValue,
    out: &mut [f32],
    scratch: &mut [f32],
) -> Result<()> {
    cross_with_policy(
        backend,
        q,
        m,
        x,
        n,
        f,
        value,
        RowPolicy::Error,
        out,
        scratch,
    )
}

/// [`cross_with`] with a [`RowPolicy`] for query or corpus rows of zero norm or with a NaN /
/// infinite value: [`RowPolicy::Error`] fails naming the first such row (and whether it is a
/// query), [`RowPolicy::Nan`] writes NaN for every value involving one.
///
/// # Errors
/// As [`cross_with`]; with [`RowPolicy::Nan`] no row error.
#[allow(clippy::too_many_arguments)]
pub fn cross_with_policy(
    backend: Backend,
    q: &[f32],
    m: usize,
    x: &[f32],
    n: usize,
    f: usize,
    value: PairValue,
    policy: RowPolicy,
    out: &mut [f32],
    scratch: &mut [f32],
) -> Result<()> {
    if !backend.is_available() {
        return Err(GeometryError::Unsupported);
    }
    super::error::check_matrix(q.len(), m, f)?;
    super::error::check_matrix(x.len(), n, f)?;
    let need = m.checked_mul(n).ok_or(GeometryError::Overflow)?;
    if out.len() < need || scratch.len() < cross_scratch_len(m, n, f)? {
        return Err(GeometryError::BufferTooSmall);
    }
    let Packed {
        mp,
        np,
        apack,
        bpack,
        acc,
    } = pack_pair(backend, Some(q), m, x, n, f, policy, scratch)?;
    gram_tiles(
        backend,
        AOperand::Narrow(apack.as_deref().unwrap_or(&[])),
        mp,
        bpack,
        np,
        f,
        acc,
        false,
        |i0, j0, t, _| {
            transform_tile(backend, t, value);
            let jhi = (j0 + NR).min(n);
            for r in 0..MR {
                let i = i0 + r;
                if i >= m {
                    break;
                }
                if let (Some(d), Some(s)) = (
                    out.get_mut(i * n + j0..i * n + jhi),
                    t.get(r * NR..r * NR + (jhi - j0)),
                ) {
                    d.copy_from_slice(s);
                }
            }
        },
        |_, _, _, _| {},
    );
    if policy == RowPolicy::Nan {
        // written explicitly: the kernels' clamps do not keep NaN on every backend
        for i in bad_rows(backend, q, m, f) {
            if let Some(r) = out.get_mut(i * n..(i + 1) * n) {
                r.fill(f32::NAN);
            }
        }
        for j in bad_rows(backend, x, n, f) {
            for i in 0..m {
                if let Some(v) = out.get_mut(i * n + j) {
                    *v = f32::NAN;
                }
            }
        }
    }
    Ok(())
}

/// [`cross_with`] on [`best_backend`](super::best_backend).
///
/// # Errors
/// See [`pairwise_with`].
#[allow(clippy::too_many_arguments)]
pub fn cross(
    q: &[f32],
    m: usize,
    x: &[f32],
    n: usize,
    f: usize,
    value: PairValue,
    out: &mut [f32],
    scratch: &mut [f32],
) -> Result<()> {
    cross_with(super::best_backend(), q, m, x, n, f, value, out, scratch)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every available backend's Gram microkernel against the scalar one and an f64 reference.
    /// Each entry is one f32 chain of `kc` (fused or unfused) multiply-adds onto the initial C, so
    /// each path is within (2·kc + 1)·u·(|c₀| + Σₖ|aₖbₖ|) of the exact value (u = 2⁻²⁴), and two
    /// paths within twice that of each other.
    #[test]
    fn micro_every_backend_matches_scalar_and_f64_reference() {
        const K: usize = 300;
        let mut st = 0x9e37_79b9_7f4a_7c15_u64;
        let mut rnd = || {
            st ^= st << 13;
            st ^= st >> 7;
            st ^= st << 17;
            #[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation)]
            let v = ((st >> 40) as f32) / (1u64 << 24) as f32 * 2.0 - 1.0;
            v
        };
        let a: [f32; MR * K] = core::array::from_fn(|_| rnd());
        // The 16-wide forms: six rows at k-stride 16, rows `split..6` continuing in `hi`.
        let lo: [f32; NR * K] = core::array::from_fn(|_| rnd());
        let hi: [f32; NR * K] = core::array::from_fn(|_| rnd());
        let b: [f32; NR * K] = core::array::from_fn(|_| rnd());
        let c0: [f32; TILE] = core::array::from_fn(|_| rnd());
        let u = f64::from(f32::EPSILON) / 2.0;
        let forms = [
            MicroA::Narrow(&a),
            MicroA::Wide {
                lo: &lo,
                hi: &hi,
                split: MR,
            },
            MicroA::Wide {
                lo: &lo,
                hi: &hi,
                split: 4,
            },
            MicroA::Wide {
                lo: &lo,
                hi: &hi,
                split: 2,
            },
        ];
        let mut tested = 0;
        for be in Backend::ALL.into_iter().filter(|b| b.is_available()) {
            for form in forms {
                for kc in [1usize, 5, 16, 255, K] {
                    for first in [true, false] {
                        let (mut got, mut want) = (c0, c0);
                        micro(be, form, &b, kc, &mut got, first);
                        micro(Backend::Scalar, form, &b, kc, &mut want, first);
                        for r in 0..MR {
                            for j in 0..NR {
                                let init = if first {
                                    0.0
                                } else {
                                    f64::from(c0[r * NR + j])
                                };
                                let (mut exact, mut abs) = (init, init.abs());
                                for k in 0..kc {
                                    let p = f64::from(form.at(k, r)) * f64::from(b[k * NR + j]);
                                    exact += p;
                                    abs += p.abs();
                                }
                                #[allow(clippy::cast_precision_loss)]
                                let bound = (2 * kc + 1) as f64 * u * abs;
                                let g = f64::from(got[r * NR + j]);
                                let w = f64::from(want[r * NR + j]);
                                assert!(
                                    (g - exact).abs() <= bound,
                                    "{be:?} kc {kc} first {first} ({r},{j}): {g} vs {exact}"
                                );
                                assert!((g - w).abs() <= 2.0 * bound, "{be:?} vs scalar ({r},{j})");
                            }
                        }
                    }
                }
            }
            tested += 1;
        }
        // Scalar always, plus NEON on aarch64 (AVX2/AVX-512 where present on x86-64).
        assert!(tested >= if cfg!(target_arch = "aarch64") { 2 } else { 1 });
    }
}
