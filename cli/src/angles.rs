//! `simstat angles`: the cosine / angle / dot matrix of a corpus (N×N) or of queries against a
//! corpus, computed in blocks of rows by `simstat::geometry::cross` and streamed to a file.
use crate::args::{AnglesArgs, Metric, OutFormat};
use crate::error::{CliError, Result};
use crate::matrix::{self, Matrix};
use crate::npy;
use crate::progress::{self, Progress};
use simstat::geometry::{cross, cross_scratch_len, GeometryError, PairValue};
use std::io::Write as _;

/// Output floats per block (16 MiB): bounds memory and lets the progress bar move.
const BLOCK_FLOATS: usize = 1 << 22;

/// Most rows per block.
const MAX_BLOCK_ROWS: usize = 1024;

/// Runs `simstat angles`.
pub fn run(args: &AnglesArgs) -> Result<()> {
    let show = progress::enabled(args.quiet);
    let dim = match args.dim.map(usize::try_from) {
        Some(Ok(d)) => Some(d),
        Some(Err(_)) => return Err(CliError::usage("--dim is too large")),
        None => None,
    };
    let corpus = matrix::read(&args.corpus.to_string_lossy(), dim, args.dtype, show)?;
    let queries = match &args.queries {
        Some(q) => {
            let q = matrix::read(&q.to_string_lossy(), dim, args.dtype, show)?;
            if q.cols != corpus.cols {
                return Err(CliError::input(format!(
                    "dimension mismatch: {} has {} columns, {} has {}",
                    q.name, q.cols, corpus.name, corpus.cols
                )));
            }
            Some(q)
        }
        None => None,
    };
    let format = args.out_format.unwrap_or_else(|| {
        let npy_ext = args.out.extension().is_some_and(|e| e == "npy");
        if npy_ext {
            OutFormat::Npy
        } else {
            OutFormat::F32
        }
    });
    let out_name = args.out.display().to_string();
    let file = std::fs::File::create(&args.out)
        .map_err(|e| CliError::input(format!("cannot write {out_name}: {e}")))?;
    let mut w = std::io::BufWriter::new(file);
    let rows = queries.as_ref().unwrap_or(&corpus);
    let write_err = |e: std::io::Error| CliError::input(format!("cannot write {out_name}: {e}"));
    if format == OutFormat::Npy {
        w.write_all(&npy::write_header("<f4", &[rows.rows, corpus.rows]))
            .map_err(write_err)?;
    }
    compute(
        rows,
        &corpus,
        queries.is_none(),
        args.metric,
        show,
        &mut |block| {
            let bytes: Vec<u8> = block.iter().flat_map(|v| v.to_le_bytes()).collect();
            w.write_all(&bytes).map_err(write_err)
        },
    )?;
    w.flush().map_err(write_err)
}

/// Euclidean norm of each row, accumulated in f64.
fn norms(m: &Matrix) -> Vec<f64> {
    m.data
        .chunks_exact(m.cols)
        .map(|r| {
            r.iter()
                .map(|&v| f64::from(v) * f64::from(v))
                .sum::<f64>()
                .sqrt()
        })
        .collect()
}

/// A geometry error as a message naming the file and row (`r0`: first row of the block).
fn geometry_error(e: GeometryError, rows: &Matrix, corpus: &Matrix, r0: usize) -> CliError {
    let (m, row, what) = match e {
        GeometryError::ZeroNormRow { row, query } => (
            if query { rows } else { corpus },
            row + if query { r0 } else { 0 },
            "has zero norm",
        ),
        GeometryError::NonFiniteRow { row, query } => (
            if query { rows } else { corpus },
            row + if query { r0 } else { 0 },
            "has a NaN or infinite value",
        ),
        other => return CliError::input(format!("{}: {other}", corpus.name)),
    };
    CliError::input(format!("{}: row {row} {what}", m.name))
}

/// The `rows.rows × corpus.rows` matrix of `metric`, block by block of rows, each block handed
/// to `sink` in row-major order. `same`: `rows` is the corpus (its diagonal is set exactly).
fn compute(
    rows: &Matrix,
    corpus: &Matrix,
    same: bool,
    metric: Metric,
    show: bool,
    sink: &mut dyn FnMut(&[f32]) -> Result<()>,
) -> Result<()> {
    let (m, n, f) = (rows.rows, corpus.rows, corpus.cols);
    let block = (BLOCK_FLOATS / n).clamp(1, MAX_BLOCK_ROWS).min(m);
    let value = match metric {
        Metric::Angle => PairValue::Angle,
        Metric::Cosine | Metric::Dot => PairValue::Cosine,
    };
    let too_big = |_| CliError::input(format!("{}: the matrix is too large", corpus.name));
    let mut scratch = vec![0.0f32; cross_scratch_len(block, n, f).map_err(too_big)?];
    let mut out = vec![0.0f32; block * n];
    let (qn, xn) = match metric {
        Metric::Dot => (norms(rows), norms(corpus)),
        _ => (Vec::new(), Vec::new()),
    };
    let bar = Progress::bar(
        show,
        m as u64,
        &format!("{m}×{n} {metric:?}").to_lowercase(),
    );
    let mut r0 = 0;
    while r0 < m {
        let bm = block.min(m - r0);
        let q = &rows.data[r0 * f..(r0 + bm) * f];
        let o = &mut out[..bm * n];
        cross(q, bm, &corpus.data, n, f, value, o, &mut scratch)
            .map_err(|e| geometry_error(e, rows, corpus, r0))?;
        if metric == Metric::Dot {
            for (i, row) in o.chunks_exact_mut(n).enumerate() {
                for (v, &xj) in row.iter_mut().zip(&xn) {
                    *v = (f64::from(*v) * qn[r0 + i] * xj) as f32;
                }
            }
        }
        if same {
            for i in 0..bm {
                let g = r0 + i;
                o[i * n + g] = match metric {
                    Metric::Cosine => 1.0,
                    Metric::Angle => 0.0,
                    Metric::Dot => (xn[g] * xn[g]) as f32,
                };
            }
        }
        sink(o)?;
        bar.inc(bm as u64);
        r0 += bm;
    }
    bar.finish();
    Ok(())
}
