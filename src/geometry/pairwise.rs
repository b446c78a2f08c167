//! N×N and queries×corpus cosine / angle matrices by the register-blocked Gram product of
//! `gram.rs` (6×16 tiles, k-blocked at ≤ 768) with clamp + arccos fused in the tile epilogue, into
//! caller buffers.
//!
//! Pipeline: (1) normalise each row and pack it k-major into 16-wide (B) panels in caller scratch
//! (and, for queries × corpus, the queries into 6-wide A panels; the self product's row tiles read
//! the B packing at k-stride 16); (2) per 48-row block, each k slab (≤ 768 deep), each 16-column
//! panel, each needed 6-row tile: microkernel into the block's accumulator tiles; (3) epilogue:
//! clamp, arccos, store. No allocation. Every kernel runs on the caller's backend.

use super::error::check_buffer;
use super::gram::{
    gram_acc_len, packed_len, round_up, row_inv, AOperand, GramProduct, Packing, RowsOf, Scale,
};
use super::kernels::{Kernels, Tile, Transform, MR, NR};
use super::{Backend, GeometryError, Result};

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

/// Indices of the rows of `x` (`rows` rows of `f`) that [`RowPolicy`] calls bad: zero norm,
/// or a NaN / infinite value (the rows the packing scaled by NaN).
fn bad_rows(k: Kernels, x: &[f32], rows: usize, f: usize) -> impl Iterator<Item = usize> + '_ {
    x.chunks_exact(f)
        .take(rows)
        .enumerate()
        .filter(move |(_, row)| row_inv(k, row, Scale::Unit).is_err())
        .map(|(i, _)| i)
}

/// Clamp + transform a tile in place.
fn transform_tile(k: Kernels, t: &mut Tile, value: PairValue) {
    let tr = match value {
        PairValue::Cosine => Transform::Cosine,
        PairValue::Angle => Transform::Angle,
        PairValue::AngularDistance => Transform::AngleOverPi,
    };
    k.transform(t, tr);
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
    k: Kernels,
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
    Packing {
        x: b,
        rows: n,
        f,
        w: NR,
        scale: Scale::Unit,
        rows_of: rows,
    }
    .pack(k, bpack)?;
    let apack = match a {
        Some(a) => {
            let queries = RowsOf {
                query: true,
                policy,
            };
            Packing {
                x: a,
                rows: m,
                f,
                w: MR,
                scale: Scale::Unit,
                rows_of: queries,
            }
            .pack(k, apack)?;
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
    let k = Kernels::new(backend)?;
    super::error::check_matrix(x.len(), n, f)?;
    let need = match layout {
        Layout::Full => n.checked_mul(n),
        Layout::UpperPacked => n.checked_mul(n - 1).map(|v| v / 2),
    }
    .ok_or(GeometryError::Overflow)?;
    check_buffer(out.len(), need)?;
    check_buffer(scratch.len(), pairwise_scratch_len(n, f)?)?;
    let Packed {
        mp, np, bpack, acc, ..
    } = pack_pair(k, None, n, x, n, f, policy, scratch)?;
    let gram = GramProduct {
        a: AOperand::SameAsB,
        mp,
        b: bpack,
        np,
        f,
        upper: true,
    };
    gram.run(
        k,
        acc,
        |i0, j0, t, _| {
            transform_tile(k, t, value);
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
        for b in bad_rows(k, x, n, f) {
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
    let k = Kernels::new(backend)?;
    super::error::check_matrix(q.len(), m, f)?;
    super::error::check_matrix(x.len(), n, f)?;
    let need = m.checked_mul(n).ok_or(GeometryError::Overflow)?;
    check_buffer(out.len(), need)?;
    check_buffer(scratch.len(), cross_scratch_len(m, n, f)?)?;
    let Packed {
        mp,
        np,
        apack,
        bpack,
        acc,
    } = pack_pair(k, Some(q), m, x, n, f, policy, scratch)?;
    let gram = GramProduct {
        a: AOperand::Narrow(apack.as_deref().unwrap_or(&[])),
        mp,
        b: bpack,
        np,
        f,
        upper: false,
    };
    gram.run(
        k,
        acc,
        |i0, j0, t, _| {
            transform_tile(k, t, value);
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
        for i in bad_rows(k, q, m, f) {
            if let Some(r) = out.get_mut(i * n..(i + 1) * n) {
                r.fill(f32::NAN);
            }
        }
        for j in bad_rows(k, x, n, f) {
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
