//! Score files: reading (file or stdin), format detection (text / raw f64 / raw f32 / .npy) and
//! validation, with errors naming the file, line, value and byte offset.
use crate::args::ScoreFormat;
use crate::error::{CliError, Result};
use crate::npy;
use crate::progress::Progress;
use std::io::Read as _;

/// A raw reading whose every value lies within ±this is not taken as scores in auto mode: the
/// f64 reading of an f32 file of an even count pairs two f32 values into one f64 whose
/// magnitude is below 2⁻⁶.
const TINY: f64 = 1.0 / 64.0;

/// Files over this size are read in chunks under a progress bar.
const CHUNK: usize = 8 << 20;

/// A query's scores, in the precision they were read in (f32 is never copied to f64).
pub enum Scores {
    /// Read as f64 (text, raw f64, `.npy` `<f8`).
    F64(Vec<f64>),
    /// Read as f32 (raw f32, `.npy` `<f4`).
    F32(Vec<f32>),
}

impl Scores {
    /// Number of scores.
    pub fn len(&self) -> usize {
        match self {
            Scores::F64(v) => v.len(),
            Scores::F32(v) => v.len(),
        }
    }

    /// Score `i`, widened to f64.
    pub fn get(&self, i: usize) -> f64 {
        match self {
            Scores::F64(v) => v[i],
            Scores::F32(v) => f64::from(v[i]),
        }
    }

    /// Every score, widened to f64, in order.
    pub fn iter(&self) -> impl Iterator<Item = f64> + '_ {
        (0..self.len()).map(|i| self.get(i))
    }
}

/// The scores of a file, the format they were read in, and the name to report them under.
pub struct Loaded {
    /// The scores.
    pub scores: Scores,
    /// The format they were read in.
    pub format: ScoreFormat,
    /// The file name (`<stdin>` for `-`).
    pub source: String,
}

/// The name of a format as the reports print it.
pub fn format_name(f: ScoreFormat) -> &'static str {
    match f {
        ScoreFormat::Text => "text",
        ScoreFormat::F64 => "f64",
        ScoreFormat::F32 => "f32",
        ScoreFormat::Npy => "npy",
    }
}

/// A longer description of a format, for the "detected format" note.
fn describe(f: ScoreFormat) -> &'static str {
    match f {
        ScoreFormat::Text => "one score per line",
        ScoreFormat::F64 => "raw little-endian f64",
        ScoreFormat::F32 => "raw little-endian f32, read in place",
        ScoreFormat::Npy => "NumPy .npy, 1-D <f4 or <f8",
    }
}

/// The bytes of `path` (`-`: stdin), under a progress bar when that takes long; errors name it.
pub fn read_bytes(path: &str, show: bool) -> Result<(Vec<u8>, String)> {
    if path == "-" {
        let name = "<stdin>".to_string();
        let spin = Progress::spinner(show, "reading stdin");
        let mut out = Vec::new();
        std::io::stdin()
            .lock()
            .read_to_end(&mut out)
            .map_err(|e| CliError::input(format!("cannot read {name}: {e}")))?;
        spin.finish();
        return Ok((out, name));
    }
    let fail = |e: std::io::Error| CliError::input(format!("cannot read {path}: {e}"));
    let mut file = std::fs::File::open(path).map_err(fail)?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    let bar = Progress::bytes(show, size, &format!("reading {path}"));
    let mut out = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    loop {
        let got = (&mut file)
            .take(CHUNK as u64)
            .read_to_end(&mut out)
            .map_err(fail)?;
        if got == 0 {
            break;
        }
        bar.inc(got as u64);
    }
    bar.finish();
    Ok((out, path.to_string()))
}

/// Reads a score file in `format`, or in the detected format (noted on stderr unless `quiet`).
pub fn load(path: &str, format: Option<ScoreFormat>, quiet: bool, show: bool) -> Result<Loaded> {
    let (bytes, source) = read_bytes(path, show)?;
    let format = match format {
        Some(f) => f,
        None => {
            let f = detect(&source, &bytes)?;
            if !quiet {
                eprintln!(
                    "simstat: {source}: detected format {} ({})",
                    format_name(f),
                    describe(f)
                );
            }
            f
        }
    };
    let scores = parse(&source, &bytes, format)?;
    Ok(Loaded {
        scores,
        format,
        source,
    })
}

/// The scores of `bytes` read in `format`; errors name `name` and the place.
pub fn parse(name: &str, bytes: &[u8], format: ScoreFormat) -> Result<Scores> {
    let located = |p: String| CliError::input(format!("{name}: {p}"));
    match format {
        ScoreFormat::Text => parse_text(name, bytes).map(Scores::F64),
        ScoreFormat::F64 => raw_f64(bytes, 0).map(Scores::F64).map_err(located),
        ScoreFormat::F32 => raw_f32(bytes, 0).map(Scores::F32).map_err(located),
        ScoreFormat::Npy => parse_npy(bytes).map_err(located),
    }
}

/// Whether `v` is a finite score in [−1, 1].
fn is_score(v: f64) -> bool {
    v.is_finite() && (-1.0..=1.0).contains(&v)
}

/// Why value `i` (of `width` bytes, data starting at byte `base`) is not a score.
fn bad_value(name: &str, i: usize, width: usize, base: usize, v: impl std::fmt::Display) -> String {
    format!(
        "as {name}: value {} (byte offset {}) is {v}, not a finite score in [-1, 1]",
        i + 1,
        base + i * width
    )
}

/// Why `len` bytes are not a whole number of `width`-byte values.
fn bad_size(name: &str, len: usize, width: usize, base: usize) -> String {
    let rem = len % width;
    format!(
        "as {name}: size {} is not a multiple of {width} ({rem} trailing byte(s) at byte offset {})",
        base + len,
        base + len - rem
    )
}

/// Raw little-endian f64 scores (`base`: byte offset of `bytes` in the file, for messages).
fn raw_f64(bytes: &[u8], base: usize) -> std::result::Result<Vec<f64>, String> {
    if !bytes.len().is_multiple_of(8) {
        return Err(bad_size("f64", bytes.len(), 8, base));
    }
    let v: Vec<f64> = bytes
        .chunks_exact(8)
        .map(|c| f64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]))
        .collect();
    match v.iter().position(|&x| !is_score(x)) {
        Some(i) => Err(bad_value("f64", i, 8, base, format!("{:e}", v[i]))),
        None => Ok(v),
    }
}

/// Raw little-endian f32 scores (`base`: byte offset of `bytes` in the file, for messages).
fn raw_f32(bytes: &[u8], base: usize) -> std::result::Result<Vec<f32>, String> {
    if !bytes.len().is_multiple_of(4) {
        return Err(bad_size("f32", bytes.len(), 4, base));
    }
    let v: Vec<f32> = bytes
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect();
    match v.iter().position(|&x| !is_score(f64::from(x))) {
        Some(i) => Err(bad_value("f32", i, 4, base, format!("{:e}", v[i]))),
        None => Ok(v),
    }
}

/// A 1-D `.npy` of `<f8` or `<f4` scores.
fn parse_npy(bytes: &[u8]) -> std::result::Result<Scores, String> {
    let h = npy::parse_header(bytes)?;
    if h.shape.len() != 1 {
        return Err(format!(
            ".npy shape {} is not 1-D (one score per element expected)",
            h.shape_text()
        ));
    }
    let width = match h.descr.as_str() {
        "<f8" => 8,
        "<f4" => 4,
        d => {
            return Err(format!(
                ".npy dtype {d:?} is not supported ('<f4' or '<f8')"
            ))
        }
    };
    let data = &bytes[h.data_offset..];
    let want = h.shape[0].checked_mul(width).ok_or("shape overflows")?;
    if data.len() != want {
        return Err(format!(
            ".npy shape {} needs {want} data bytes after the header (byte offset {}), file has {}",
            h.shape_text(),
            h.data_offset,
            data.len()
        ));
    }
    if width == 8 {
        raw_f64(data, h.data_offset).map(Scores::F64)
    } else {
        raw_f32(data, h.data_offset).map(Scores::F32)
    }
}

/// Why a raw reading is not taken in auto mode: invalid, or every value within ±[`TINY`].
fn auto_problem(bytes: &[u8], width: usize) -> Option<String> {
    let largest = if width == 8 {
        raw_f64(bytes, 0).map(|v| v.iter().fold(0.0, |m: f64, x| m.max(x.abs())))
    } else {
        raw_f32(bytes, 0).map(|v| v.iter().fold(0.0, |m: f64, &x| m.max(f64::from(x).abs())))
    };
    match largest {
        Err(p) => Some(p),
        Ok(l) if l < TINY => {
            let why = if width == 8 {
                " (the f64 reading of an f32 file looks like this)"
            } else {
                ""
            };
            Some(format!(
                "as f{}: every value is within ±{TINY}{why}",
                width * 8
            ))
        }
        Ok(_) => None,
    }
}

/// Printable UTF-8 (tabs and line breaks allowed): read as text.
fn looks_like_text(bytes: &[u8]) -> bool {
    std::str::from_utf8(bytes).is_ok()
        && bytes
            .iter()
            .all(|&b| b >= 0x20 || b == b'\t' || b == b'\n' || b == b'\r')
}

/// The format of a file whose format was not given: `.npy` by its magic, printable UTF-8 as
/// text, else the one raw reading (f64 or f32) that passes; both or neither → refused.
pub fn detect(name: &str, bytes: &[u8]) -> Result<ScoreFormat> {
    if npy::is_npy(bytes) {
        return Ok(ScoreFormat::Npy);
    }
    if looks_like_text(bytes) {
        return Ok(ScoreFormat::Text);
    }
    match (auto_problem(bytes, 8), auto_problem(bytes, 4)) {
        (None, Some(_)) => Ok(ScoreFormat::F64),
        (Some(_), None) => Ok(ScoreFormat::F32),
        (None, None) => Err(CliError::input(format!(
            "{name}: reads as raw f64 and as raw f32 scores alike; pass --format f64 or --format f32"
        ))),
        (Some(p64), Some(p32)) => Err(CliError::input(format!(
            "{name}: neither text nor raw scores: {p64}; {p32} (--format text|f64|f32|npy forces a reading)"
        ))),
    }
}

/// Scores of a text file: one per line, blank lines and `#` comments skipped.
fn parse_text(name: &str, bytes: &[u8]) -> Result<Vec<f64>> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        CliError::input(format!(
            "{name}: not UTF-8 text (byte offset {}): {e}",
            e.valid_up_to()
        ))
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let v: f64 = line
            .parse()
            .map_err(|_| CliError::input(format!("{name}:{}: not a number: {line:?}", i + 1)))?;
        if !is_score(v) {
            return Err(CliError::input(format!(
                "{name}:{}: {line:?} is not a finite score in [-1, 1]",
                i + 1
            )));
        }
        out.push(v);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn f32_file_of_even_count_is_detected_as_f32() {
        let v: Vec<u8> = [0.5f32, -0.25, 0.75, 0.125]
            .iter()
            .flat_map(|x| x.to_le_bytes())
            .collect();
        assert_eq!(detect("x", &v).ok(), Some(ScoreFormat::F32));
        let w: Vec<u8> = [0.5f64, -0.25]
            .iter()
            .flat_map(|x| x.to_le_bytes())
            .collect();
        assert_eq!(detect("x", &w).ok(), Some(ScoreFormat::F64));
    }

    #[test]
    fn truncated_raw_names_the_offset() {
        let msg = raw_f32(&[0, 0, 0, 0, 1, 2], 0).err().unwrap_or_default();
        assert!(msg.contains("byte offset 4"), "{msg}");
    }
}
