//! Blocked N×N / cross kernels against an f64 per-pair reference, every available backend.
mod common;
use common::*;
use simstat::geometry::*;

const U: f64 = f32::EPSILON as f64 / 2.0;

/// f64 cosine and the error bound of the f32 blocked kernel for that pair: each output is one
/// sequential f32 chain of length f over normalised rows, so |Δc| ≤ (f + 4)·u·Σ|âₖb̂ₖ| + 4u
/// (the + terms cover the f32 rounding of the normalised inputs and of the result).
fn cos_ref(a: &[f32], b: &[f32]) -> (f64, f64) {
    let na = a.iter().map(|&x| (x as f64).powi(2)).sum::<f64>().sqrt();
    let nb = b.iter().map(|&x| (x as f64).powi(2)).sum::<f64>().sqrt();
    let c = a
        .iter()
        .zip(b)
        .map(|(&x, &y)| x as f64 * y as f64)
        .sum::<f64>()
        / (na * nb);
    let abs = a
        .iter()
        .zip(b)
        .map(|(&x, &y)| (x as f64 * y as f64).abs())
        .sum::<f64>()
        / (na * nb);
    (
        c.clamp(-1.0, 1.0),
        (a.len() as f64 + 4.0) * U * abs + 4.0 * U,
    )
}

/// Bound for a transformed value: the arccos polynomial is within 4e-7 rad (f32 evaluation
/// included) and amplifies a cosine error δ by at most δ/sqrt(1−c²) (δ ≪ 1−|c| here).
fn check(value: PairValue, got: f32, c: f64, dc: f64, what: &str) {
    let (want, tol) = match value {
        PairValue::Cosine => (c, dc),
        PairValue::Angle => (c.acos(), dc / (1.0 - c * c).sqrt() + 4e-7),
        PairValue::AngularDistance => (
            c.acos() / std::f64::consts::PI,
            (dc / (1.0 - c * c).sqrt() + 4e-7) / 3.0,
        ),
    };
    assert!(
        (got as f64 - want).abs() <= tol,
        "{what}: {got} vs {want} (tol {tol})"
    );
}

#[test]
fn square_full_and_packed_match_reference() {
    let mut rng = SplitMix64(7);
    for &(n, f) in &[
        (1usize, 5usize),
        (2, 3),
        (7, 1),
        (17, 33),
        (31, 257),
        (50, 384),
        (97, 600),
        // 16 rows: the 6-wide packing has rows past the 16-wide one (zero); f = 45 and
        // f = 4100 run the packing's 16-, 8- and 1-step k loops.
        (16, 45),
        (22, 4100),
    ] {
        let x = rng.vec32(n * f);
        let mut scratch = vec![0.0f32; pairwise_scratch_len(n, f).unwrap()];
        for be in backends() {
            for value in [
                PairValue::Cosine,
                PairValue::Angle,
                PairValue::AngularDistance,
            ] {
                let mut full = vec![f32::NAN; n * n];
                pairwise_with(be, &x, n, f, value, Layout::Full, &mut full, &mut scratch).unwrap();
                let mut packed = vec![f32::NAN; n * (n - 1) / 2];
                pairwise_with(
                    be,
                    &x,
                    n,
                    f,
                    value,
                    Layout::UpperPacked,
                    &mut packed,
                    &mut scratch,
                )
                .unwrap();
                let mut p = 0;
                for i in 0..n {
                    let diag = if value == PairValue::Cosine { 1.0 } else { 0.0 };
                    assert_eq!(full[i * n + i], diag);
                    for j in i + 1..n {
                        let (c, dc) = cos_ref(&x[i * f..(i + 1) * f], &x[j * f..(j + 1) * f]);
                        let what = format!("{be:?} {value:?} n{n} f{f} ({i},{j})");
                        check(value, full[i * n + j], c, dc, &what);
                        assert_eq!(full[i * n + j], full[j * n + i]);
                        assert_eq!(packed[p], full[i * n + j]);
                        p += 1;
                    }
                }
            }
        }
    }
}

#[test]
fn cross_matches_reference() {
    let mut rng = SplitMix64(11);
    for &(m, n, f) in &[
        (1usize, 1usize, 1usize),
        (5, 40, 17),
        (13, 33, 384),
        (6, 16, 512),
    ] {
        let q = rng.vec32(m * f);
        let x = rng.vec32(n * f);
        let mut scratch = vec![0.0f32; cross_scratch_len(m, n, f).unwrap()];
        for be in backends() {
            for value in [PairValue::Cosine, PairValue::Angle] {
                let mut out = vec![f32::NAN; m * n];
                cross_with(be, &q, m, &x, n, f, value, &mut out, &mut scratch).unwrap();
                for i in 0..m {
                    for j in 0..n {
                        let (c, dc) = cos_ref(&q[i * f..(i + 1) * f], &x[j * f..(j + 1) * f]);
                        check(
                            value,
                            out[i * n + j],
                            c,
                            dc,
                            &format!("{be:?} cross ({i},{j})"),
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn simd_equals_scalar_on_nearly_parallel_rows_and_never_exceeds_bounds() {
    // Rows that are nearly parallel: cosines round above 1 in f32 unless clamped.
    let (n, f) = (40, 300);
    let base: Vec<f32> = (0..f)
        .map(|k| ((k * 37 % 101) as f32 - 50.0) / 50.0)
        .collect();
    let mut rng = SplitMix64(3);
    let x: Vec<f32> = (0..n)
        .flat_map(|_| {
            base.iter()
                .map(|&b| b + 1e-4 * rng.signed() as f32)
                .collect::<Vec<_>>()
        })
        .collect();
    let mut scratch = vec![0.0f32; pairwise_scratch_len(n, f).unwrap()];
    for be in backends() {
        let mut out = vec![0.0f32; n * n];
        pairwise_with(
            be,
            &x,
            n,
            f,
            PairValue::Cosine,
            Layout::Full,
            &mut out,
            &mut scratch,
        )
        .unwrap();
        assert!(out.iter().all(|c| (-1.0..=1.0).contains(c)));
        pairwise_with(
            be,
            &x,
            n,
            f,
            PairValue::Angle,
            Layout::Full,
            &mut out,
            &mut scratch,
        )
        .unwrap();
        assert!(out
            .iter()
            .all(|a| a.is_finite() && (0.0..=std::f32::consts::PI).contains(a)));
    }
}

#[test]
fn errors_on_bad_input() {
    let x = vec![1.0f32; 12];
    let mut s = vec![0.0f32; pairwise_scratch_len(4, 3).unwrap()];
    let mut out = vec![0.0f32; 16];
    assert_eq!(
        pairwise_cosine(&x, 4, 4, Layout::Full, &mut out, &mut s),
        Err(GeometryError::LengthMismatch)
    );
    assert_eq!(
        pairwise_cosine(&x, 4, 3, Layout::Full, &mut out[..15], &mut s),
        Err(GeometryError::BufferTooSmall {
            needed: 16,
            got: 15
        })
    );
    assert_eq!(
        pairwise_cosine(&x, 4, 3, Layout::Full, &mut out, &mut s[..3]),
        Err(GeometryError::BufferTooSmall {
            needed: pairwise_scratch_len(4, 3).unwrap(),
            got: 3
        })
    );
    assert_eq!(
        pairwise_cosine(&x, 0, 3, Layout::Full, &mut out, &mut s),
        Err(GeometryError::Empty)
    );
    let mut z = x.clone();
    z[3..6].fill(0.0);
    assert_eq!(
        pairwise_cosine(&z, 4, 3, Layout::Full, &mut out, &mut s),
        Err(GeometryError::ZeroNormRow {
            row: 1,
            query: false
        })
    );
    z[3] = f32::NAN;
    assert_eq!(
        pairwise_angles(&z, 4, 3, Layout::UpperPacked, &mut out, &mut s),
        Err(GeometryError::NonFiniteRow {
            row: 1,
            query: false
        })
    );
    assert!(pairwise_scratch_len(usize::MAX, 2).is_err());
}

#[test]
fn identical_rows_agree_with_the_pair_kernel_to_the_documented_bound() {
    // A query that is also a corpus row (a self-match) or a duplicate row: the blocked kernels
    // multiply rows normalised to f32, so the self-cosine is 1 only to the documented bound
    // (f + 8)·u (u = 2⁻²⁴), where the pair kernel gives exactly 1; `pairwise` sets its
    // diagonal to exactly 1.
    let bytes = include_bytes!("data/embeddings_minilm_l6_first1024.f32");
    let f = 384;
    let x: Vec<f32> = bytes
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect();
    let n = x.len() / f;
    let m = 16;
    let q = &x[..m * f];
    let bound = (f as f64 + 8.0) * U;
    let mut scratch = vec![0.0f32; cross_scratch_len(m, n, f).unwrap()];
    for be in backends() {
        let mut out = vec![f32::NAN; m * n];
        cross_with(
            be,
            q,
            m,
            &x,
            n,
            f,
            PairValue::Cosine,
            &mut out,
            &mut scratch,
        )
        .unwrap();
        let mut worst = 0.0f64;
        for i in 0..m {
            let row = &x[i * f..(i + 1) * f];
            let pair = cosine_similarity_with(be, row, row).unwrap();
            assert_eq!(pair, 1.0, "{be:?}: pair kernel self-cosine");
            let d = (1.0 - out[i * n + i] as f64).abs();
            worst = worst.max(d);
            assert!(
                d <= bound,
                "{be:?} row {i}: self-cosine {} (bound {bound:e})",
                out[i * n + i]
            );
        }
        println!("{be:?}: largest self-cosine error {worst:e} (bound {bound:e})");
        let mut sq = vec![f32::NAN; m * m];
        let mut s2 = vec![0.0f32; pairwise_scratch_len(m, f).unwrap()];
        pairwise_with(
            be,
            q,
            m,
            f,
            PairValue::Cosine,
            Layout::Full,
            &mut sq,
            &mut s2,
        )
        .unwrap();
        assert!(
            (0..m).all(|i| sq[i * m + i] == 1.0),
            "{be:?}: pairwise diagonal"
        );
    }
}

#[test]
fn bad_rows_are_named_or_written_as_nan() {
    // One zero corpus row and one NaN query row: the error names the row (and whether it is a
    // query); under RowPolicy::Nan exactly the values involving those rows are NaN and the
    // others equal the values computed without the bad rows.
    let mut rng = SplitMix64(21);
    let (m, n, f) = (7usize, 40usize, 33usize);
    let mut q = rng.vec32(m * f);
    let mut x = rng.vec32(n * f);
    x[17 * f..18 * f].fill(0.0);
    let mut scratch = vec![0.0f32; cross_scratch_len(m, n, f).unwrap()];
    for be in backends() {
        let mut out = vec![0.0f32; m * n];
        let v = PairValue::Cosine;
        assert_eq!(
            cross_with(be, &q, m, &x, n, f, v, &mut out, &mut scratch),
            Err(GeometryError::ZeroNormRow {
                row: 17,
                query: false
            })
        );
        let mut q_bad = q.clone();
        q_bad[4 * f + 2] = f32::NAN;
        let mut x_ok = x.clone();
        x_ok[17 * f] = 1.0;
        assert_eq!(
            cross_with(be, &q_bad, m, &x_ok, n, f, v, &mut out, &mut scratch),
            Err(GeometryError::NonFiniteRow {
                row: 4,
                query: true
            })
        );
        cross_with_policy(
            be,
            &q_bad,
            m,
            &x,
            n,
            f,
            v,
            RowPolicy::Nan,
            &mut out,
            &mut scratch,
        )
        .unwrap();
        let mut clean = vec![0.0f32; m * n];
        let mut q_fix = q_bad.clone();
        q_fix[4 * f + 2] = 0.5;
        cross_with(be, &q_fix, m, &x_ok, n, f, v, &mut clean, &mut scratch).unwrap();
        for i in 0..m {
            for j in 0..n {
                let (got, want) = (out[i * n + j], clean[i * n + j]);
                if i == 4 || j == 17 {
                    assert!(got.is_nan(), "{be:?} ({i},{j}) should be NaN");
                } else {
                    assert_eq!(got, want, "{be:?} ({i},{j})");
                }
            }
        }
        let mut sq = vec![0.0f32; n * n];
        let mut s2 = vec![0.0f32; pairwise_scratch_len(n, f).unwrap()];
        pairwise_with_policy(
            be,
            &x,
            n,
            f,
            v,
            Layout::Full,
            RowPolicy::Nan,
            &mut sq,
            &mut s2,
        )
        .unwrap();
        for i in 0..n {
            for j in 0..n {
                assert_eq!(
                    sq[i * n + j].is_nan(),
                    i == 17 || j == 17,
                    "{be:?} ({i},{j})"
                );
            }
        }
        let mut packed = vec![0.0f32; n * (n - 1) / 2];
        let l = Layout::UpperPacked;
        pairwise_with_policy(be, &x, n, f, v, l, RowPolicy::Nan, &mut packed, &mut s2).unwrap();
        assert_eq!(
            packed.iter().filter(|c| c.is_nan()).count(),
            n - 1,
            "{be:?}"
        );
    }
    q[0] = 0.0; // keep `q` used as a plain query set above
}
