//! NumPy `.npy` headers: recognising, parsing (versions 1–3) and writing (v1.0).

/// The magic string every `.npy` file starts with.
pub const MAGIC: &[u8] = b"\x93NUMPY";

/// What a `.npy` header states.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// The dtype string, e.g. `<f4`.
    pub descr: String,
    /// Whether the array is stored column-major.
    pub fortran_order: bool,
    /// The shape (empty for a scalar).
    pub shape: Vec<usize>,
    /// Byte offset of the first data byte in the file.
    pub data_offset: usize,
}

impl Header {
    /// The shape as NumPy prints it, e.g. `(3, 4)` or `(5,)`.
    pub fn shape_text(&self) -> String {
        match self.shape.as_slice() {
            [one] => format!("({one},)"),
            s => format!(
                "({})",
                s.iter()
                    .map(usize::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }
}

/// Whether `bytes` start with the `.npy` magic.
pub fn is_npy(bytes: &[u8]) -> bool {
    bytes.starts_with(MAGIC)
}

/// Parses the header of a `.npy` file; the error says what is wrong (without the file name).
pub fn parse_header(bytes: &[u8]) -> Result<Header, String> {
    if !is_npy(bytes) {
        return Err("not a .npy file (no \\x93NUMPY magic at byte offset 0)".into());
    }
    let major = *bytes
        .get(6)
        .ok_or("truncated .npy header (no version at byte offset 6)")?;
    let (len, start) = match major {
        1 => {
            let b = bytes
                .get(8..10)
                .ok_or("truncated .npy header (no header length at byte offset 8)")?;
            (usize::from(u16::from_le_bytes([b[0], b[1]])), 10)
        }
        2 | 3 => {
            let b = bytes
                .get(8..12)
                .ok_or("truncated .npy header (no header length at byte offset 8)")?;
            let len = u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
            (
                usize::try_from(len).map_err(|_| "header length overflows")?,
                12,
            )
        }
        v => return Err(format!(".npy version {v} is not supported (1, 2 or 3)")),
    };
    let text = bytes.get(start..start + len).ok_or_else(|| {
        format!(
            "truncated .npy header: {len} bytes announced at byte offset {start}, file has {}",
            bytes.len()
        )
    })?;
    let text = std::str::from_utf8(text).map_err(|_| "the .npy header is not text")?;
    Ok(Header {
        descr: dict_value(text, "descr").and_then(quoted).ok_or_else(|| {
            format!(
                "the .npy header has no 'descr' string: {:?}",
                text.trim_end()
            )
        })?,
        fortran_order: match dict_value(text, "fortran_order") {
            Some(v) if v.starts_with("True") => true,
            Some(v) if v.starts_with("False") => false,
            _ => return Err(format!("the .npy header has no 'fortran_order': {text:?}")),
        },
        shape: dict_value(text, "shape")
            .and_then(tuple)
            .ok_or_else(|| format!("the .npy header has no valid 'shape': {text:?}"))?,
        data_offset: start + len,
    })
}

/// The text after `'key':` in a Python dict literal (leading spaces removed).
fn dict_value<'a>(text: &'a str, key: &str) -> Option<&'a str> {
    let at = text
        .find(&format!("'{key}'"))
        .or_else(|| text.find(&format!("\"{key}\"")))?;
    let rest = &text[at + key.len() + 2..];
    Some(rest.trim_start().strip_prefix(':')?.trim_start())
}

/// The contents of a leading `'…'` or `"…"` string.
fn quoted(v: &str) -> Option<String> {
    let q = v.chars().next().filter(|c| *c == '\'' || *c == '"')?;
    let body = &v[1..];
    Some(body[..body.find(q)?].to_string())
}

/// The integers of a leading `(a, b, …)` tuple.
fn tuple(v: &str) -> Option<Vec<usize>> {
    let body = v.strip_prefix('(')?;
    let body = &body[..body.find(')')?];
    body.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.trim_end_matches('L').parse().ok())
        .collect()
}

/// A v1.0 header for a C-order `descr` array of `shape`: magic, version, length, and the dict
/// padded with spaces and a final newline so the data starts at a multiple of 64 bytes.
pub fn write_header(descr: &str, shape: &[usize]) -> Vec<u8> {
    let dims = match shape {
        [one] => format!("{one},"),
        s => s
            .iter()
            .map(usize::to_string)
            .collect::<Vec<_>>()
            .join(", "),
    };
    let mut dict = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': ({dims}), }}");
    let unpadded = MAGIC.len() + 4 + dict.len() + 1;
    dict.push_str(&" ".repeat(unpadded.next_multiple_of(64) - unpadded));
    dict.push('\n');
    let mut out = MAGIC.to_vec();
    out.extend_from_slice(&[1, 0]);
    // A 2-D shape's dict is far below 65 535 bytes.
    let len = u16::try_from(dict.len()).unwrap_or(u16::MAX);
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(dict.as_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_round_trip() {
        let h = write_header("<f4", &[3, 70]);
        assert_eq!(h.len() % 64, 0);
        assert_eq!(h.last(), Some(&b'\n'));
        let p = parse_header(&h).map_err(|e| e.to_string());
        assert_eq!(
            p,
            Ok(Header {
                descr: "<f4".into(),
                fortran_order: false,
                shape: vec![3, 70],
                data_offset: h.len(),
            })
        );
        let one = parse_header(&write_header("<f8", &[5])).map(|h| h.shape_text());
        assert_eq!(one, Ok("(5,)".to_string()));
    }

    #[test]
    fn truncated_header_is_refused() {
        let h = write_header("<f4", &[3]);
        assert!(parse_header(&h[..20]).is_err());
        assert!(parse_header(b"\x93NUMPY\x09\x00").is_err());
    }
}
