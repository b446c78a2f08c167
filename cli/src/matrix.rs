//! Embedding matrices for `simstat angles`: raw little-endian f32 / f16 / bf16 (row-major, `--dim`
//! columns) or 2-D `.npy` (`<f4` / `<f2`, C order), widened to f32.
use crate::args::Dtype;
use crate::error::{CliError, Result};
use crate::input::read_bytes;
use crate::npy;

/// A row-major f32 matrix read from a file.
pub struct Matrix {
    /// The values, row by row.
    pub data: Vec<f32>,
    /// Number of rows.
    pub rows: usize,
    /// Number of columns (the embedding dimension).
    pub cols: usize,
    /// The file name, for messages.
    pub name: String,
}

/// Bytes per element of `dtype`.
fn width(dtype: Dtype) -> usize {
    match dtype {
        Dtype::F32 => 4,
        Dtype::F16 | Dtype::Bf16 => 2,
    }
}

/// The name of `dtype` in messages.
fn dtype_name(dtype: Dtype) -> &'static str {
    match dtype {
        Dtype::F32 => "f32",
        Dtype::F16 => "f16",
        Dtype::Bf16 => "bf16",
    }
}

/// Reads a matrix file: `.npy` by its magic (its header gives dtype and shape; `dim`, when
/// given, must agree), else raw `dtype` with `dim` columns (required).
pub fn read(path: &str, dim: Option<usize>, dtype: Dtype, show: bool) -> Result<Matrix> {
    let (bytes, name) = read_bytes(path, show)?;
    let fail = |m: String| CliError::input(format!("{name}: {m}"));
    let (dtype, cols, offset) = if npy::is_npy(&bytes) {
        let h = npy::parse_header(&bytes).map_err(fail)?;
        let dtype = match h.descr.as_str() {
            "<f4" => Dtype::F32,
            "<f2" => Dtype::F16,
            d => {
                return Err(fail(format!(
                    ".npy dtype {d:?} is not supported ('<f4' or '<f2'; bf16 only as a raw file)"
                )))
            }
        };
        let [rows, cols] = h.shape[..] else {
            return Err(fail(format!(".npy shape {} is not 2-D", h.shape_text())));
        };
        if h.fortran_order {
            return Err(fail(
                ".npy array is in Fortran order (C order needed)".into(),
            ));
        }
        if let Some(d) = dim.filter(|&d| d != cols) {
            return Err(fail(format!(
                ".npy shape {} has {cols} columns, --dim says {d}",
                h.shape_text()
            )));
        }
        let want = rows
            .checked_mul(cols)
            .and_then(|c| c.checked_mul(width(dtype)))
            .ok_or_else(|| fail("shape overflows".into()))?;
        let have = bytes.len() - h.data_offset;
        if have != want {
            return Err(fail(format!(
                ".npy shape {} needs {want} data bytes after the header (byte offset {}), file has {have}",
                h.shape_text(),
                h.data_offset
            )));
        }
        (dtype, cols, h.data_offset)
    } else {
        let cols = dim.ok_or_else(|| {
            CliError::usage(format!(
                "{name}: a raw matrix needs --dim (columns per row)"
            ))
        })?;
        let row = cols
            .checked_mul(width(dtype))
            .ok_or_else(|| CliError::usage("--dim is too large"))?;
        let rem = bytes.len() % row;
        if rem != 0 {
            return Err(fail(format!(
                "size {} is not a whole number of rows of {cols} {} values ({row} bytes each): {rem} trailing byte(s) at byte offset {}",
                bytes.len(),
                dtype_name(dtype),
                bytes.len() - rem
            )));
        }
        (dtype, cols, 0)
    };
    let data = widen(&bytes[offset..], dtype);
    if data.is_empty() {
        return Err(fail("no rows".into()));
    }
    if let Some(i) = data.iter().position(|v| !v.is_finite()) {
        return Err(fail(format!(
            "row {}, column {} (byte offset {}) is {}, not a finite number",
            i / cols,
            i % cols,
            offset + i * width(dtype),
            data[i]
        )));
    }
    Ok(Matrix {
        rows: data.len() / cols,
        data,
        cols,
        name,
    })
}

/// Little-endian values of `dtype` widened to f32 (exact for f16 and bf16).
fn widen(bytes: &[u8], dtype: Dtype) -> Vec<f32> {
    match dtype {
        Dtype::F32 => bytes
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect(),
        Dtype::F16 => bytes
            .chunks_exact(2)
            .map(|c| half::f16::from_bits(u16::from_le_bytes([c[0], c[1]])).to_f32())
            .collect(),
        Dtype::Bf16 => bytes
            .chunks_exact(2)
            .map(|c| half::bf16::from_bits(u16::from_le_bytes([c[0], c[1]])).to_f32())
            .collect(),
    }
}
