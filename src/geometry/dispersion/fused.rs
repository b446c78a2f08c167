//! The fused f32 path of the angular dispersion loss: the rows packed once, the Gram product run in
//! 6×16 tiles whose epilogues (clamp, arccos, exp) feed f64 sums, and no N×N matrix stored. One
//! pass for moderate temperatures; otherwise a streaming log-sum-exp pass and, for the gradient,
//! a second pass that hands each row block's G tiles to `backward.rs`.

use super::super::error::check_buffer;
use super::super::gram::{
    gram_acc_len, packed_len, panel_len, round_up, AOperand, GramProduct, Packing, RowsOf, Scale,
};
use super::super::kernels::{Epilogue, Kernels, MR, NR};
use super::super::{GeometryError, Result};
use super::backward::{self, Panels};
use super::{dispersion_scratch_len, log_pairs, DispersionOptions, Reduction};
use core::f64::consts::PI;

/// Padded sizes of the fused path: `mp` rows of A (a multiple of 6), `np` of B (of 16), and the
/// `rows` of each feature panel of the backward pass.
pub(super) struct Dims {
    mp: usize,
    np: usize,
    rows: usize,
}

/// The padded sizes and the four scratch parts (B packing, accumulator tiles, Ẑ, U) in floats.
pub(super) fn dims(n: usize, f: usize) -> Result<(Dims, [usize; 4])> {
    let o = GeometryError::Overflow;
    let mp = round_up(n, MR).ok_or(o)?;
    let np = round_up(n, NR).ok_or(o)?;
    let rows = mp.max(np).checked_add(8).ok_or(o)?;
    let b = packed_len(np, NR, f).ok_or(o)?;
    // Ẑ and U of the backward pass in 16-feature panels of `rows` rows.
    let z = rows.checked_mul(round_up(f, NR).ok_or(o)?).ok_or(o)?;
    let c = gram_acc_len(np).ok_or(o)?;
    Ok((Dims { mp, np, rows }, [b, c, z, z]))
}

/// Valid-lane masks of the strict upper triangle (i < j < n) of tile (i0, j0).
fn tile_valid(i0: usize, j0: usize, n: usize) -> [u16; MR] {
    // Columns c with i < j0 + c < n: c ∈ [i + 1 − j0, n − j0) ∩ [0, NR).
    let hi = n.saturating_sub(j0).min(NR);
    let upto = |c: usize| -> u32 { (1u32 << c) - 1 };
    core::array::from_fn(|r| {
        let lo = (i0 + r + 1).saturating_sub(j0).min(NR);
        #[allow(clippy::cast_possible_truncation)]
        let m = (upto(hi) & !upto(lo)) as u16;
        m
    })
}

/// Smallest k = −1/τ for the unshifted one-pass form: every term exp(k·D), D ∈ [0, 1], is then
/// ≥ e^−80 ≈ 1.8e-35, a normal f32, and the f64 sum cannot overflow (terms ≤ 1).
const FIXED_MIN_K: f32 = -80.0;

/// The angular loss of `n` f32 rows on `kern` (inputs checked by `check_shape`), with its
/// gradient into `grad` when given.
#[allow(clippy::too_many_lines, clippy::cast_possible_truncation)]
pub(super) fn fused(
    kern: Kernels,
    x: &[f32],
    n: usize,
    f: usize,
    o: &DispersionOptions,
    grad: Option<&mut [f32]>,
    scratch: &mut [f32],
) -> Result<f64> {
    let (d, parts) = dims(n, f)?;
    check_buffer(scratch.len(), dispersion_scratch_len(n, f, grad.is_some())?)?;
    if grad.as_ref().is_some_and(|g| g.len() != x.len()) {
        return Err(GeometryError::LengthMismatch);
    }
    let (bpack, rest) = scratch.split_at_mut(parts[0]);
    let (acc, rest) = rest.split_at_mut(parts[1]);
    let scale = if o.normalize {
        Scale::Eps(o.eps)
    } else {
        Scale::None
    };
    Packing {
        x,
        rows: n,
        f,
        w: NR,
        scale,
        rows_of: RowsOf::ROWS,
    }
    .pack(kern, bpack)?;
    let (lo, hi) = ((-1.0 + o.clamp) as f32, (1.0 - o.clamp) as f32);
    let k = (-1.0 / o.tau) as f32;
    if !k.is_finite() {
        return Err(GeometryError::InvalidParameter);
    }
    let mut ep = Epilogue {
        lo,
        hi,
        k,
        shift: 0.0,
        scale: 1.0,
        straight: o.straight_through,
    };
    let n_jp = d.np / NR;
    let fixed = k >= FIXED_MIN_K;
    let finish = |s_run: f64, m_run: f32| -> Result<f64> {
        if !(s_run > 0.0 && s_run.is_finite()) {
            return Err(GeometryError::NonFiniteValue);
        }
        let mut loss = libm::log(2.0 * s_run) + f64::from(m_run);
        if o.reduction == Reduction::LogMean {
            loss -= log_pairs(n);
        }
        Ok(loss)
    };
    // Backward scratch: Ẑ (from the 16-wide packing) and U in feature panels; U = ∂L/∂ẑ is
    // accumulated by rank updates U_I += G Ẑ_J, U_J += Gᵀ Ẑ_I as each row block's G completes.
    let rs = d.rows;
    let nfp = f.div_ceil(NR);
    let plen = rs * NR;
    let mut panels = match grad {
        Some(_) => {
            let (zp, rest) = rest.split_at_mut(nfp * plen);
            let got = rest.len();
            let up = rest
                .get_mut(..nfp * plen)
                .ok_or(GeometryError::BufferTooSmall {
                    needed: nfp * plen,
                    got,
                })?;
            up.fill(0.0);
            let sb = panel_len(NR, f).ok_or(GeometryError::Overflow)?;
            backward::build_zpanels(kern, bpack, sb, n_jp, f, zp, rs);
            Some(Panels {
                zp,
                up,
                nfp,
                plen,
                n_jp,
            })
        }
        None => None,
    };
    let gram = GramProduct {
        a: AOperand::SameAsB,
        mp: d.mp,
        b: bpack,
        np: d.np,
        f,
        upper: true,
    };
    // U is scaled by `uscale` when copied out (the one-pass form knows the softmax's
    // normaliser only at the end; U is linear in G).
    let (loss, uscale) = if fixed {
        // One pass, no shift (terms bounded, see FIXED_MIN_K): the sum, and with a gradient the
        // unscaled G = e/√(1−ĉ²) tiles applied to U as each row block completes.
        let mut s_run = 0.0f64;
        match panels.as_mut() {
            None => gram.run(
                kern,
                acc,
                |i0, j0, t, _| {
                    let valid = tile_valid(i0, j0, n);
                    if valid.iter().any(|v| *v != 0) {
                        s_run += kern.tile_esum(t, &valid, &ep);
                    }
                },
                |_, _, _, _| {},
            ),
            Some(p) => gram.run(
                kern,
                acc,
                |i0, j0, t, _| {
                    let valid = tile_valid(i0, j0, n);
                    s_run += kern.tile_grad_esum(t, &valid, &ep);
                },
                |ib, ie, jp0, acc| backward::backward_block(kern, p, ib, ie, jp0, acc),
            ),
        }
        let loss = finish(s_run, 0.0)?;
        // ∂L/∂c (unordered) = 2 e/(S_ord τ π √) = e/(s_run τ π √).
        (loss, (1.0 / (s_run * o.tau * PI)) as f32)
    } else {
        // Pass 1: streaming log-sum-exp over unordered pairs (running max per tile).
        let mut m_run = f32::NEG_INFINITY;
        let mut s_run = 0.0f64;
        gram.run(
            kern,
            acc,
            |i0, j0, t, _| {
                let valid = tile_valid(i0, j0, n);
                if valid.iter().all(|v| *v == 0) {
                    return;
                }
                let dmin = kern.tile_d(t, &valid, &ep);
                let m_tile = dmin * k;
                if m_tile > m_run {
                    s_run *= libm::exp(f64::from(m_run) - f64::from(m_tile));
                    m_run = m_tile;
                }
                let shifted = Epilogue { shift: m_run, ..ep };
                s_run += kern.tile_sum(t, &valid, &shifted);
            },
            |_, _, _, _| {},
        );
        let loss = finish(s_run, m_run)?;
        // Pass 2 (gradient): G tiles scaled in the epilogue.
        if let Some(p) = panels.as_mut() {
            ep.shift = m_run;
            ep.scale = (1.0 / (s_run * o.tau * PI)) as f32;
            gram.run(
                kern,
                acc,
                |i0, j0, t, _| {
                    let valid = tile_valid(i0, j0, n);
                    kern.tile_grad(t, &valid, &ep);
                },
                |ib, ie, jp0, acc| backward::backward_block(kern, p, ib, ie, jp0, acc),
            );
        }
        (loss, 1.0)
    };
    let (Some(g), Some(p)) = (grad, panels) else {
        return Ok(loss);
    };
    for (i, gr) in g.chunks_exact_mut(f).enumerate() {
        for (fp, gc) in gr.chunks_mut(NR).enumerate() {
            let src = p.up.get(fp * plen + i * NR..).unwrap_or(&[]);
            for (a, b) in gc.iter_mut().zip(src) {
                *a = b * uscale;
            }
        }
    }
    if o.normalize {
        backward::chain_normalise_f32(kern, x, g, f, o.eps);
    }
    Ok(loss)
}
