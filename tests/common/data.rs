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

/// One setting of the labelled retrieval data (tests/data/labelled): a collection embedded by
/// one model, the cosine scores of every judged query against every document (row-major), and
/// each query's relevant documents.
pub struct Labelled {
    /// Setting name (`cran-l6`, `cran-l3`, `cisi-l6`, `cisi-l3`).
    pub name: String,
    /// Scores, `n_docs` per query.
    pub scores: Vec<f32>,
    /// Documents per query.
    pub n_docs: usize,
    /// Relevant document indices per query.
    pub relevant: Vec<std::collections::HashSet<usize>>,
}

/// The four labelled settings listed in tests/data/labelled/settings.tsv.
pub fn labelled_settings() -> Vec<Labelled> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/labelled");
    let table = std::fs::read_to_string(dir.join("settings.tsv")).expect("settings.tsv");
    let mut out = Vec::new();
    for line in table.lines().skip(1) {
        let f: Vec<&str> = line.split('\t').collect();
        let (nq, nd): (usize, usize) = (f[3].parse().unwrap(), f[4].parse().unwrap());
        let bytes = std::fs::read(dir.join(f[1])).expect("scores");
        assert_eq!(bytes.len(), 4 * nq * nd, "{}", f[1]);
        let scores = bytes
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        let mut relevant = vec![std::collections::HashSet::new(); nq];
        for l in std::fs::read_to_string(dir.join(f[2]))
            .unwrap()
            .lines()
            .skip(1)
        {
            let mut p = l.split('\t').map(|v| v.parse::<usize>().unwrap());
            let (q, d) = (p.next().unwrap(), p.next().unwrap());
            relevant[q].insert(d);
        }
        out.push(Labelled {
            name: f[0].to_string(),
            scores,
            n_docs: nd,
            relevant,
        });
    }
    out
}

/// F1 of the top-`k` list of `row` (stable descending order) against `rel`; 0 for k = 0.
pub fn top_k_f1(row: &[f32], k: usize, rel: &std::collections::HashSet<usize>) -> f64 {
    if k == 0 || rel.is_empty() {
        return 0.0;
    }
    let mut order: Vec<usize> = (0..row.len()).collect();
    order.sort_by(|&a, &b| row[b].total_cmp(&row[a]));
    let tp = order[..k.min(row.len())]
        .iter()
        .filter(|d| rel.contains(d))
        .count() as f64;
    if tp == 0.0 {
        return 0.0;
    }
    2.0 * tp / (k as f64 + rel.len() as f64)
}

/// Quantiles of 0.9·(−0.2 + Gamma(9, 30)) + 0.1·(0.25 + Gamma(20, 60)): two clusters of `n`
/// scores, deterministic (the stack tests' input).
pub fn two_cluster_scores(n: usize) -> Vec<f64> {
    use simstat::special::gamma_p_inv;
    (0..n)
        .map(|i| {
            let u = (i as f64 + 0.5) / n as f64;
            if i % 10 == 0 {
                0.25 + gamma_p_inv(20.0, u) / 60.0
            } else {
                -0.2 + gamma_p_inv(9.0, u) / 30.0
            }
        })
        .collect()
}
