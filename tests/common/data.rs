//! Readers of the committed test data under tests/data (raw little-endian f64/f32 files).

/// The 26 real cosine-similarity samples under tests/data/sims (13 queries × 2 models, 6,544
/// corpus rows each).
pub const REAL_SAMPLES: [&str; 26] = [
    "h00_minilm_l6",
    "h01_minilm_l6",
    "h02_minilm_l6",
    "h03_minilm_l6",
    "h04_minilm_l6",
    "h05_minilm_l6",
    "h06_minilm_l6",
    "h07_minilm_l6",
    "h08_minilm_l6",
    "w0_minilm_l6",
    "w1_minilm_l6",
    "w2_minilm_l6",
    "w4_minilm_l6",
    "h00_minilm_l3",
    "h01_minilm_l3",
    "h02_minilm_l3",
    "h03_minilm_l3",
    "h04_minilm_l3",
    "h05_minilm_l3",
    "h06_minilm_l3",
    "h07_minilm_l3",
    "h08_minilm_l3",
    "w0_minilm_l3",
    "w1_minilm_l3",
    "w2_minilm_l3",
    "w4_minilm_l3",
];

/// Reads a raw little-endian f64 file under tests/data.
pub fn read_f64(rel: &str) -> Vec<f64> {
    let path = format!("{}/tests/data/{rel}", env!("CARGO_MANIFEST_DIR"));
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"));
    bytes
        .chunks_exact(8)
        .map(|c| f64::from_le_bytes(c.try_into().expect("8 bytes")))
        .collect()
}

/// Reads a raw little-endian f32 file under tests/data, each value widened to f64 (exactly).
pub fn read_f32_as_f64(rel: &str) -> Vec<f64> {
    read_f32(rel).into_iter().map(f64::from).collect()
}

/// Reads a raw little-endian f32 file under tests/data.
pub fn read_f32(rel: &str) -> Vec<f32> {
    let path = format!("{}/tests/data/{rel}", env!("CARGO_MANIFEST_DIR"));
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"));
    bytes
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes(c.try_into().expect("4 bytes")))
        .collect()
}

/// The real similarity samples shipped in tests/data/sims (name, values).
pub fn real_samples() -> Vec<(String, Vec<f64>)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/sims");
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".f64"))
        .collect();
    names.sort();
    names
        .into_iter()
        .map(|n| {
            let bytes = std::fs::read(dir.join(&n)).unwrap();
            let v = bytes
                .chunks_exact(8)
                .map(|c| f64::from_le_bytes(c.try_into().unwrap()))
                .collect();
            (n, v)
        })
        .collect()
}
