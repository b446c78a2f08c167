//! The blocked Gram product shared by the pairwise matrices and the fused dispersion loss: row
//! normalisation and k-major packing into caller scratch, and the driver that runs the 6×16
//! microkernel over 48-row blocks, ≤ 768-deep k slabs and 16-column panels, handing each finished
//! tile to an epilogue. Every kernel call goes through [`Kernels`].

use super::error::check_buffer;
use super::kernels::{Kernels, MicroA, Tile, MR, NR, TILE};
use super::{scalar, GeometryError, Result, RowPolicy};

/// Largest depth of a k slab. The slabs of depth f are equal, ⌈f / ⌈f/768⌉⌉ deep: one slab for
/// f ≤ 768 (measured on Zen 3, Gram product only: 1–4 % faster than 256-deep slabs at N = 1024 and
/// 7 % at N = 4096, where the accumulator tiles of a row block (48·N floats) no longer fit L2 and
/// every slab reloads them). The B micro-panel (48 KiB at 768) streams from L2.
const KC_MAX: usize = 768;

/// Row tiles per block: the B k-slab of a column panel is reused by the block's 8 row tiles.
pub(crate) const MB: usize = 8;

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

/// `n` rounded up to a multiple of `m` (`None` on overflow).
pub(crate) fn round_up(n: usize, m: usize) -> Option<usize> {
    n.checked_add(m - 1).map(|x| x / m * m)
}

/// Scratch floats of the accumulator tiles of one row block × all column panels (48 × np): a
/// row panel of the Gram matrix, never the N×N matrix.
pub(crate) fn gram_acc_len(np: usize) -> Option<usize> {
    np.checked_mul(MB * MR)
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

/// Which matrix `pack` packs (for the row named in an error) and what a bad row becomes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RowsOf {
    /// The queries of a cross product (else the rows / corpus).
    pub query: bool,
    /// What a zero or non-finite row becomes.
    pub policy: RowPolicy,
}

impl RowsOf {
    /// The rows / corpus, failing on a bad row.
    pub const ROWS: RowsOf = RowsOf {
        query: false,
        policy: RowPolicy::Error,
    };

    /// 1/scale of row `i`: its error names the row, or NaN under [`RowPolicy::Nan`].
    fn inv(self, k: Kernels, row: &[f32], i: usize, scale: Scale) -> Result<f32> {
        match row_inv(k, row, scale) {
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

/// 1/scale for one row (norm accumulated in f64); checks finiteness.
pub(crate) fn row_inv(k: Kernels, row: &[f32], scale: Scale) -> Result<f32> {
    let nn = k.dot_f32_acc64(row, row);
    if !nn.is_finite() {
        return Err(GeometryError::NonFiniteValue);
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

/// Rows scaled and packed k-major into panels of width `w` (6 or 16).
#[derive(Clone, Copy)]
pub(crate) struct Packing<'x> {
    /// The row-major input rows.
    pub x: &'x [f32],
    /// Number of rows (the packing pads to a multiple of `w` with zero rows).
    pub rows: usize,
    /// Depth (floats per row).
    pub f: usize,
    /// Panel width.
    pub w: usize,
    /// How each row is scaled.
    pub scale: Scale,
    /// Which rows these are, and what a bad row becomes.
    pub rows_of: RowsOf,
}

impl Packing<'_> {
    /// Normalise the rows and pack them into `dst`, which must hold
    /// `packed_len(round_up(rows, w), w, f)` floats.
    ///
    /// # Errors
    /// `Overflow`, `BufferTooSmall` (`dst`, or `x` shorter than rows·f), `Empty`, and the row
    /// errors of [`RowsOf`].
    pub(crate) fn pack(&self, k: Kernels, dst: &mut [f32]) -> Result<()> {
        let Packing {
            x,
            rows,
            f,
            w,
            scale,
            rows_of,
        } = *self;
        let padded = round_up(rows, w).ok_or(GeometryError::Overflow)?;
        let plen = panel_len(w, f).ok_or(GeometryError::Overflow)?;
        check_buffer(
            dst.len(),
            packed_len(padded, w, f).ok_or(GeometryError::Overflow)?,
        )?;
        check_buffer(x.len(), rows * f)?;
        if x.is_empty() {
            return Err(GeometryError::Empty);
        }
        // Padding rows alias row 0 (finite, length f) with weight 0.
        let row0 = x.get(..f).unwrap_or(&[]);
        let mut inv = [0.0f32; NR];
        let mut src: [&[f32]; NR] = [&[]; NR];
        for (p, panel) in dst.chunks_exact_mut(plen).take(padded / w).enumerate() {
            let w = w.min(NR);
            if k.packs_simd() && w == NR {
                // Half a panel at a time: the 8 rows' norms, then their packing while the rows
                // are still in L2 (16 rows of f = 4096 and the panel being written overflowed it).
                for h in 0..2 {
                    let mut rows8 = [row0; 8];
                    let mut inv8 = [0.0f32; 8];
                    for r in 0..8 {
                        let i = p * NR + 8 * h + r;
                        if let Some(row) = x.get(i * f..(i + 1) * f).filter(|_| i < rows) {
                            rows8[r] = row;
                            inv8[r] = rows_of.inv(k, row, i, scale)?;
                        }
                    }
                    if let Some(d) = panel.get_mut(8 * h..) {
                        // Every row holds f floats and `d` reaches the panel's end (16·f floats +
                        // padding from offset 8h ≤ 8), so the kernel always fits.
                        k.pack_half16(&rows8, &inv8, f, d);
                    }
                }
                continue;
            }
            for r in 0..NR {
                let i = p * w + r;
                let (row, s) = match x.get(i * f..(i + 1) * f) {
                    Some(row) if i < rows && r < w => (row, rows_of.inv(k, row, i, scale)?),
                    _ => (row0, 0.0),
                };
                src[r] = row;
                inv[r] = s;
            }
            let simd6 = w == MR && src.iter().take(8).all(|r| r.len() == f) && {
                let rows8: [&[f32]; 8] = core::array::from_fn(|r| src[r]);
                let inv8: [f32; 8] = core::array::from_fn(|r| inv[r]);
                // `panel` has 6·f + PANEL_PAD floats (PANEL_PAD ≥ 2 covers the overhang of the
                // kernel's 8-float stores).
                k.pack_panel6(&rows8, &inv8, f, panel)
            };
            if !simd6 {
                scalar::pack_panel(&src, &inv, w, f, panel);
            }
        }
        Ok(())
    }
}

/// Tile `t` of the accumulator tiles.
fn tile_at(acc: &mut [f32], t: usize) -> Option<&mut Tile> {
    acc.get_mut(t * TILE..(t + 1) * TILE)
        .and_then(|c| c.try_into().ok())
}

/// The A operand of a [`GramProduct`].
#[derive(Clone, Copy)]
pub(crate) enum AOperand<'a> {
    /// Rows packed 6 wide (`packed_len(mp, MR, f)` floats).
    Narrow(&'a [f32]),
    /// The rows of the B operand itself (the self product): row tiles read its 16-wide packing.
    SameAsB,
}

/// A blocked Gram product A·Bᵀ: A (`mp` rows: packed in 6-wide panels, or the rows of B itself)
/// against packed B (`np` rows, 16-wide panels) over depth `f`.
#[derive(Clone, Copy)]
pub(crate) struct GramProduct<'a> {
    /// The A operand.
    pub a: AOperand<'a>,
    /// Rows of A, a multiple of 6.
    pub mp: usize,
    /// B packed in 16-wide panels.
    pub b: &'a [f32],
    /// Rows of B, a multiple of 16.
    pub np: usize,
    /// Depth.
    pub f: usize,
    /// Only the tiles that contain some (i, j) with i ≤ j (the upper triangle of a self product).
    pub upper: bool,
}

impl GramProduct<'_> {
    /// Run the product with `k`'s microkernel; `acc` holds at least `gram_acc_len(np)` floats.
    /// `epi(i0, j0, tile, last)` gets each finished 6×16 tile (`last` = the last tile of its
    /// column panel within the row block); `block_done(ib, ie, jp0, acc)` runs after the
    /// epilogues of row tiles ib..ie (tile (ip, jp) at `acc[((jp − jp0)·MB + ip − ib)·TILE..]`).
    /// Loop order: row block (48 rows) → k slab (≤ 768 deep) → column panel → row tile.
    pub(crate) fn run<E, D>(&self, k: Kernels, acc: &mut [f32], mut epi: E, mut block_done: D)
    where
        E: FnMut(usize, usize, &mut Tile, bool),
        D: FnMut(usize, usize, usize, &mut [f32]),
    {
        let GramProduct {
            a,
            mp,
            b,
            np,
            f,
            upper,
        } = *self;
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
                                // panel, junk but finite rows of panel p: rows ≥ n are
                                // discarded).
                                let (p, off) = (ip * MR / NR, ip * MR % NR);
                                let lo = b.get(p * sb + kb * NR + off..).unwrap_or(&[]);
                                let split = (NR - off).min(MR);
                                let q = if p + 1 < n_jp { p + 1 } else { p };
                                let hi = b.get(q * sb + kb * NR..).unwrap_or(&[]);
                                MicroA::Wide { lo, hi, split }
                            }
                        };
                        if let Some(c) = tile_at(acc, (jp - jp0) * MB + (ip - ib)) {
                            k.gemm_6x16(ak, bk, kc, c, kb == 0);
                        }
                    }
                }
                kb += kc;
            }
            for jp in jp0..n_jp {
                let j0 = jp * NR;
                let end = ip_end(j0);
                for ip in ib..end {
                    if let Some(c) = tile_at(acc, (jp - jp0) * MB + (ip - ib)) {
                        epi(ip * MR, j0, c, ip + 1 == end);
                    }
                }
            }
            block_done(ib, ie, jp0, acc);
            ib = ie;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::Backend;
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
            let k = Kernels::new(be).unwrap();
            for form in forms {
                for kc in [1usize, 5, 16, 255, K] {
                    for first in [true, false] {
                        let (mut got, mut want) = (c0, c0);
                        k.gemm_6x16(form, &b, kc, &mut got, first);
                        Kernels::Scalar.gemm_6x16(form, &b, kc, &mut want, first);
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

    /// A microkernel call whose operands do not fit leaves the tile untouched on every backend
    /// (the safe kernel methods check their extents instead of reading past a slice).
    #[test]
    fn micro_refuses_operands_that_do_not_fit() {
        let a = [1.0f32; MR * 4];
        let b = [1.0f32; NR * 4];
        for be in Backend::ALL.into_iter().filter(|b| b.is_available()) {
            let k = Kernels::new(be).unwrap();
            for (form, kc, blen) in [
                (MicroA::Narrow(&a), 5, NR * 5),
                (MicroA::Narrow(&a), 4, NR * 3),
                (
                    MicroA::Wide {
                        lo: &b,
                        hi: &b[..NR * 3],
                        split: 4,
                    },
                    4,
                    NR * 4,
                ),
                (
                    MicroA::Wide {
                        lo: &b,
                        hi: &b,
                        split: 3,
                    },
                    2,
                    NR * 2,
                ),
            ] {
                let mut c = [7.0f32; TILE];
                k.gemm_6x16(form, b.get(..blen).unwrap_or(&b), kc, &mut c, true);
                assert!(c.iter().all(|v| *v == 7.0), "{be:?} kc {kc}");
            }
        }
    }
}
