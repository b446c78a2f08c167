//! The backward pass of the fused angular dispersion loss: Ẑ copied into 16-feature panels, each
//! finished row block of G applied to U = ∂L/∂ẑ by rank updates (U_I += G Ẑ_J, U_J += Gᵀ Ẑ_I),
//! and the chain rule through the ε-normalisation, ∂L/∂z from U.

use super::super::gram::MB;
use super::super::kernels::{Kernels, RankUpdate, TileRankUpdate, MR, NR, TILE};

/// Ẑ and U of the backward pass in 16-feature panels (`plen` floats each, `nfp` of them).
pub(super) struct Panels<'s> {
    /// Ẑ: feature panel fp of row j at `zp[(fp·rs + j)·16..]`.
    pub zp: &'s [f32],
    /// U, laid out as Ẑ.
    pub up: &'s mut [f32],
    /// Number of feature panels, ⌈f/16⌉.
    pub nfp: usize,
    /// Floats per feature panel (rows × 16).
    pub plen: usize,
    /// Number of 16-row column panels of the Gram product.
    pub n_jp: usize,
}

/// Apply a finished row block's G tiles (rows ib..ie, column panels jp0.., tile (ip, jp) at
/// `acc[((jp − jp0)·MB + ip − ib)·TILE..]`) to U by rank updates per 16-feature panel:
/// U_I += G_I· Ẑ (per 6-row tile, K = all its columns in one register pass; FP_CH feature panels
/// per row tile keep its G row in L1) and U_J += G_IJᵀ Ẑ_I (per column panel, K ≤ 48 block rows;
/// column j of the block's tiles is at stride NR: a panel's 6-row tiles are consecutive).
pub(super) fn backward_block(
    k: Kernels,
    p: &mut Panels<'_>,
    ib: usize,
    ie: usize,
    jp0: usize,
    acc: &[f32],
) {
    const FP_CH: usize = 4;
    let (nfp, plen, n_jp) = (p.nfp, p.plen, p.n_jp);
    let ip_end = |j0: usize| ie.min((j0 + NR - 1) / MR + 1);
    let tile = |ip: usize, jp: usize| ((jp - jp0) * MB + (ip - ib)) * TILE;
    let mut fp0 = 0;
    while fp0 < nfp {
        let fpe = (fp0 + FP_CH).min(nfp);
        for ip in ib..ie {
            // First column panel with a computed tile in this row: ip·MR ≤ j0 + NR − 1.
            let jps = jp0.max((ip * MR).saturating_sub(NR - 1).div_ceil(NR));
            if jps >= n_jp {
                continue;
            }
            let t0 = tile(ip, jps);
            for fp in fp0..fpe {
                if let (Some(out), Some(w), Some(inp)) = (
                    p.up.get_mut(fp * plen + ip * MR * NR..),
                    acc.get(t0..),
                    p.zp.get(fp * plen + jps * NR * NR..),
                ) {
                    let u = TileRankUpdate {
                        w,
                        ts: MB * TILE,
                        nt: n_jp - jps,
                        inp,
                        stride: NR,
                        len: NR,
                    };
                    k.rank_update_tiles(out, &u);
                }
            }
        }
        fp0 = fpe;
    }
    for fp in 0..nfp {
        for jp in jp0..n_jp {
            let j0 = jp * NR;
            let end = ip_end(j0);
            if end <= ib {
                continue;
            }
            let q = (end - ib) * MR;
            let t0 = tile(ib, jp);
            for (g0, rows) in [(0, MR), (MR, MR), (2 * MR, NR - 2 * MR)] {
                if let (Some(out), Some(inp), Some(w)) = (
                    p.up.get_mut(fp * plen + (j0 + g0) * NR..),
                    p.zp.get(fp * plen + ib * MR * NR..),
                    acc.get(t0 + g0..),
                ) {
                    let u = RankUpdate {
                        w,
                        ws: 1,
                        wc: NR,
                        inp,
                        q,
                        stride: NR,
                        len: NR,
                    };
                    k.rank_update(rows, out, &u);
                }
            }
        }
    }
}

/// Feature-panel copy of the normalised rows for the backward pass: `z[(fp·rs + j)·16 + c]` =
/// ẑⱼ[16fp + c] (0 for features ≥ f and rows ≥ 16·nbp), read from the 16-wide packing `bpack`
/// (panel stride `sb`). Each 16-feature panel of all rows is contiguous: the rank updates stream it.
pub(super) fn build_zpanels(
    k: Kernels,
    bpack: &[f32],
    sb: usize,
    nbp: usize,
    f: usize,
    z: &mut [f32],
    rs: usize,
) {
    let nfp = f.div_ceil(NR);
    if z.len() < nfp * rs * NR || bpack.len() < nbp * sb || rs < nbp * NR || sb < NR * f {
        return;
    }
    // The full 16-feature panels by the SIMD transpose where there is one; the rest below.
    let full = k.zpanels(bpack, sb, nbp, f, z, rs);
    for fp in 0..nfp {
        for j in 0..rs {
            let Some(d) = z.get_mut((fp * rs + j) * NR..(fp * rs + j + 1) * NR) else {
                continue;
            };
            if j >= nbp * NR {
                d.fill(0.0);
            } else if fp >= full {
                for (c, v) in d.iter_mut().enumerate() {
                    let kk = fp * NR + c;
                    *v = if kk < f {
                        bpack
                            .get((j / NR) * sb + kk * NR + j % NR)
                            .copied()
                            .unwrap_or(0.0)
                    } else {
                        0.0
                    };
                }
            }
        }
    }
}

/// ∂L/∂z from U = ∂L/∂ẑ in place (f32, rows of `g`): gᵢ = uᵢ·sᵢ − zᵢ·(zᵢ·uᵢ)·sᵢ²/nᵢ with
/// sᵢ = 1/(nᵢ+ε), norms and dot products accumulated in f64.
pub(super) fn chain_normalise_f32(k: Kernels, x: &[f32], g: &mut [f32], f: usize, eps: f64) {
    for (z, u) in x.chunks_exact(f).zip(g.chunks_exact_mut(f)) {
        let (nn, zu) = (k.dot_f32_acc64(z, z), k.dot_f32_acc64(z, u));
        let ni = libm::sqrt(nn);
        let s = 1.0 / (ni + eps);
        let kk = if ni > 0.0 { zu * s * s / ni } else { 0.0 };
        #[allow(clippy::cast_possible_truncation)]
        let (s, kk) = (s as f32, kk as f32);
        for (uv, zv) in u.iter_mut().zip(z) {
            *uv = *uv * s - *zv * kk;
        }
    }
}
