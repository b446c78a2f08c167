//! Condensation (mean cosine), rank trends against scipy, and signature alignment.
mod common;
use common::*;
use simstat::geometry::*;

#[test]
fn spearman_and_kendall_equal_scipy_to_1e12() {
    let csv = include_str!("data/rank_reference.csv");
    let mut cases = 0;
    for line in csv
        .lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with("case"))
    {
        let parts: Vec<&str> = line.split(';').collect();
        let vals = |s: &str| -> Vec<f64> { s.split(' ').map(|v| v.parse().unwrap()).collect() };
        let (x, y) = (vals(parts[1]), vals(parts[2]));
        let (rho, tau): (f64, f64) = (parts[3].parse().unwrap(), parts[4].parse().unwrap());
        let r = spearman_rho(&x, &y).unwrap();
        let t = kendall_tau_b(&x, &y).unwrap();
        assert!(
            (r - rho).abs() <= 1e-12,
            "{}: spearman {r} vs scipy {rho}",
            parts[0]
        );
        assert!(
            (t - tau).abs() <= 1e-12,
            "{}: kendall {t} vs scipy {tau}",
            parts[0]
        );
        cases += 1;
    }
    assert!(cases >= 13);
}

#[test]
fn rank_errors() {
    assert_eq!(
        spearman_rho(&[1.0, 2.0], &[1.0]),
        Err(GeometryError::LengthMismatch)
    );
    assert_eq!(spearman_rho(&[1.0], &[1.0]), Err(GeometryError::Degenerate));
    assert_eq!(
        kendall_tau_b(&[1.0, 1.0, 1.0], &[1.0, 2.0, 3.0]),
        Err(GeometryError::Degenerate)
    );
    assert_eq!(
        spearman_rho(&[2.0, 2.0, 2.0], &[1.0, 2.0, 3.0]),
        Err(GeometryError::Degenerate)
    );
    assert_eq!(
        kendall_tau_b(&[f64::NAN, 1.0], &[1.0, 2.0]),
        Err(GeometryError::NonFiniteValue)
    );
}

fn dense_mean_cos(x: &[f64], n: usize, f: usize) -> (f64, f64) {
    let z: Vec<f64> = x
        .chunks(f)
        .flat_map(|r| {
            let nr = r.iter().map(|v| v * v).sum::<f64>().sqrt().max(1e-3);
            r.iter().map(move |v| v / nr).collect::<Vec<_>>()
        })
        .collect();
    let (mut full, mut off) = (0.0, 0.0);
    for i in 0..n {
        for j in 0..n {
            let c: f64 = (0..f).map(|k| z[i * f + k] * z[j * f + k]).sum();
            full += c;
            if i != j {
                off += c;
            }
        }
    }
    (full / (n * n) as f64, off / (n * (n - 1)) as f64)
}

#[test]
fn mean_cosine_equals_dense_mean_and_real_data_mean() {
    let mut rng = SplitMix64(1);
    for &(n, f) in &[(1usize, 4usize), (2, 3), (9, 17), (50, 64)] {
        let mut x: Vec<f64> = (0..n * f).map(|_| rng.signed() + 0.3).collect();
        if n > 2 {
            x[..f].fill(0.0); // a zero row: ẑ = 0 by the 1e-3 floor, no NaN
        }
        let mut s = vec![0.0; f];
        let m = mean_cosine(&x, n, f, &mut s).unwrap();
        let (full, off) = dense_mean_cos(&x, n, f);
        // Both are f64 sums of O(N²) terms of size ≤ 1: agreement to 1e-13 absolute.
        assert!(
            (m.full - full).abs() < 1e-13,
            "{n}x{f}: {} vs {full}",
            m.full
        );
        if n >= 2 {
            assert!((m.off_diagonal.unwrap() - off).abs() < 1e-13);
        } else {
            assert_eq!(m.off_diagonal, None);
        }
    }
    // Real embeddings: the published mean over i ≠ j of the raw cosines (rows are unit to 1.3e-7,
    // so the normalised mean differs by < 1e-6) — f32 rows, f32 accumulation of the norms.
    let bytes = include_bytes!("data/embeddings_minilm_l6_first1024.f32");
    let e: Vec<f32> = bytes
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    let csv = include_str!("data/pairwise_stats_first1024.csv");
    let want: f64 = csv
        .lines()
        .find_map(|l| l.strip_prefix("mean_cos,"))
        .unwrap()
        .parse()
        .unwrap();
    let mut s = vec![0.0; 384];
    let m = mean_cosine(&e, 1024, 384, &mut s).unwrap();
    assert!(
        (m.off_diagonal.unwrap() - want).abs() < 1e-6,
        "{:?} vs {want}",
        m
    );
    assert_eq!(
        mean_cosine(&e, 1024, 384, &mut s[..10]),
        Err(GeometryError::BufferTooSmall {
            needed: 384,
            got: 10
        })
    );
}

#[test]
fn signature_alignment_matches_direct_pearson() {
    let mut rng = SplitMix64(9);
    let (n, f, v) = (30, 12, 7);
    let emb: Vec<f64> = (0..n * f).map(|_| rng.signed()).collect();
    // Signatures: softmax-like positive rows correlated with the embeddings' first coordinates.
    let sig: Vec<f64> = (0..n * v)
        .map(|k| (emb[(k / v) * f + k % v] * 2.0).exp())
        .collect();
    let edges = [-1.0, -0.2, 0.0, 0.2, 1.0];
    let mut bins = [BinStats::default(); 4];
    let all = signature_alignment(&emb, f, &sig, v, n, &edges, &mut bins).unwrap();
    // Direct two-pass Pearson over the same pairs.
    let cos = |a: &[f64], b: &[f64]| {
        let d: f64 = a.iter().zip(b).map(|(x, y)| x * y).sum();
        d / (a.iter().map(|x| x * x).sum::<f64>().sqrt()
            * b.iter().map(|x| x * x).sum::<f64>().sqrt())
    };
    let mut pts = vec![];
    for i in 0..n {
        for j in i + 1..n {
            pts.push((
                cos(&emb[i * f..(i + 1) * f], &emb[j * f..(j + 1) * f]),
                cos(&sig[i * v..(i + 1) * v], &sig[j * v..(j + 1) * v]),
            ));
        }
    }
    let pearson = |p: &[(f64, f64)]| {
        let k = p.len() as f64;
        let (mx, my) = (
            p.iter().map(|q| q.0).sum::<f64>() / k,
            p.iter().map(|q| q.1).sum::<f64>() / k,
        );
        let sxy: f64 = p.iter().map(|q| (q.0 - mx) * (q.1 - my)).sum();
        let sxx: f64 = p.iter().map(|q| (q.0 - mx).powi(2)).sum();
        let syy: f64 = p.iter().map(|q| (q.1 - my).powi(2)).sum();
        sxy / (sxx * syy).sqrt()
    };
    assert_eq!(all.n as usize, pts.len());
    assert!((all.pearson().unwrap() - pearson(&pts)).abs() < 1e-12);
    let mut merged = BinStats::default();
    for (b, st) in bins.iter().enumerate() {
        let inb: Vec<(f64, f64)> = pts
            .iter()
            .copied()
            .filter(|q| q.0 >= edges[b] && (q.0 < edges[b + 1] || (b == 3 && q.0 <= 1.0)))
            .collect();
        assert_eq!(st.n as usize, inb.len());
        if inb.len() >= 2 {
            assert!((st.pearson().unwrap() - pearson(&inb)).abs() < 1e-12);
        }
        merged.merge(st);
    }
    assert!((merged.pearson().unwrap() - all.pearson().unwrap()).abs() < 1e-12);
    assert_eq!(
        signature_alignment(&emb, f, &sig, v, n, &[0.5, 0.1], &mut bins),
        Err(GeometryError::InvalidParameter)
    );
    assert_eq!(
        signature_alignment(&emb, f, &sig[1..], v, n, &edges, &mut bins),
        Err(GeometryError::LengthMismatch)
    );
}
