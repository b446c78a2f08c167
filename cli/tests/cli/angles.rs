//! `simstat angles`: every input format against an f64 computation, and refusals.
use crate::common::{file, npy, ok, refused, temp};

/// A seeded xorshift64* generator of uniform values in [−1, 1).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> f32 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let u = self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 40;
        u as f32 / (1u64 << 23) as f32 - 1.0
    }
}

/// Runs `angles` with `args` plus `--out` and returns the output matrix and its header shape
/// (when the output is `.npy`).
fn angles(args: &[&str], npy_out: bool) -> (Vec<f32>, Option<String>) {
    let out = temp(if npy_out { "out.npy" } else { "out.f32" });
    let o = out.to_string_lossy().into_owned();
    let mut all = vec!["angles", "--out", &o];
    all.extend_from_slice(args);
    ok(&all);
    let bytes = std::fs::read(&out).unwrap();
    let (shape, data) = if npy_out {
        assert!(bytes.starts_with(b"\x93NUMPY\x01\x00"));
        let len = u16::from_le_bytes([bytes[8], bytes[9]]) as usize;
        assert_eq!((10 + len) % 64, 0, "header not padded to 64");
        let head = std::str::from_utf8(&bytes[10..10 + len]).unwrap();
        assert!(
            head.ends_with('\n')
                && head.contains("'descr': '<f4'")
                && head.contains("'fortran_order': False")
        );
        let shape = head[head.find('(').unwrap()..=head.find(')').unwrap()].to_string();
        (Some(shape), &bytes[10 + len..])
    } else {
        (None, &bytes[..])
    };
    let v = data
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes(c.try_into().unwrap()))
        .collect();
    (v, shape)
}

/// Checks an m×n output against f64 cosines (or angles, or dots) of the rows as read.
fn check_matrix(out: &[f32], q: &[f32], x: &[f32], f: usize, metric: &str, same: bool) {
    let (m, n) = (q.len() / f, x.len() / f);
    assert_eq!(out.len(), m * n);
    let dot = |a: &[f32], b: &[f32]| {
        a.iter()
            .zip(b)
            .map(|(&u, &v)| f64::from(u) * f64::from(v))
            .sum::<f64>()
    };
    for i in 0..m {
        for j in 0..n {
            let (a, b) = (&q[i * f..(i + 1) * f], &x[j * f..(j + 1) * f]);
            let (na, nb) = (dot(a, a).sqrt(), dot(b, b).sqrt());
            let cos = dot(a, b) / (na * nb);
            let got = f64::from(out[i * n + j]);
            if same && i == j {
                let want = match metric {
                    "cosine" => 1.0,
                    "angle" => 0.0,
                    _ => f64::from((na * na) as f32),
                };
                assert_eq!(got, want, "diagonal {i}");
                continue;
            }
            let (want, tol) = match metric {
                // f32 kernel: the cosine within 1e-6 of the f64 value
                "cosine" => (cos, 1e-6),
                // the cosine's error through arccos, plus the polynomial's 4e-7 rad
                "angle" => (
                    cos.clamp(-1.0, 1.0).acos(),
                    4e-7 + 1e-6 / (1.0 - cos * cos).max(1e-12).sqrt(),
                ),
                // the cosine's error scaled by the norms, plus the f32 rounding of the result
                _ => (dot(a, b), 1e-6 * na * nb + 1.2e-7 * dot(a, b).abs()),
            };
            assert!(
                (got - want).abs() <= tol,
                "{metric} ({i}, {j}): {got} vs {want} (tol {tol:e})"
            );
        }
    }
}

#[test]
fn angles_agree_with_f64_in_every_input_format() {
    let (n, m, f) = (37, 11, 19);
    let mut rng = Rng(0x5eed_1234_abcd_0001);
    let x: Vec<f32> = (0..n * f).map(|_| rng.next()).collect();
    let q: Vec<f32> = (0..m * f).map(|_| rng.next()).collect();
    let le = |v: &[f32]| v.iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<u8>>();
    let dim = f.to_string();

    // f32 raw: N×N (cosine, angle, dot) and queries × corpus.
    let (xf, qf) = (file("x.f32", &le(&x)), file("q.f32", &le(&q)));
    for metric in ["cosine", "angle", "dot"] {
        let (o, _) = angles(&["--corpus", &xf, "--dim", &dim, "--metric", metric], false);
        check_matrix(&o, &x, &x, f, metric, true);
        let (o, _) = angles(
            &[
                "--corpus",
                &xf,
                "--queries",
                &qf,
                "--dim",
                &dim,
                "--metric",
                metric,
            ],
            false,
        );
        check_matrix(&o, &q, &x, f, metric, false);
    }

    // f16 and bf16 raw: widened exactly to f32, then the same bounds.
    let f16 = |v: &[f32]| {
        v.iter()
            .map(|&a| half::f16::from_f32(a))
            .collect::<Vec<_>>()
    };
    let bf16 = |v: &[f32]| {
        v.iter()
            .map(|&a| half::bf16::from_f32(a))
            .collect::<Vec<_>>()
    };
    let (x16, q16) = (f16(&x), f16(&q));
    let b16 = |v: &[half::f16]| {
        v.iter()
            .flat_map(|h| h.to_bits().to_le_bytes())
            .collect::<Vec<u8>>()
    };
    let (xw, qw): (Vec<f32>, Vec<f32>) = (
        x16.iter().map(|h| h.to_f32()).collect(),
        q16.iter().map(|h| h.to_f32()).collect(),
    );
    let (xh, qh) = (file("x.f16", &b16(&x16)), file("q.f16", &b16(&q16)));
    let (o, _) = angles(
        &[
            "--corpus",
            &xh,
            "--queries",
            &qh,
            "--dim",
            &dim,
            "--dtype",
            "f16",
        ],
        false,
    );
    check_matrix(&o, &qw, &xw, f, "cosine", false);
    let xb = bf16(&x);
    let xbw: Vec<f32> = xb.iter().map(|h| h.to_f32()).collect();
    let bb: Vec<u8> = xb.iter().flat_map(|h| h.to_bits().to_le_bytes()).collect();
    let (o, shape) = angles(
        &[
            "--corpus",
            &file("x.bf16", &bb),
            "--dim",
            &dim,
            "--dtype",
            "bf16",
            "--metric",
            "angle",
            "--out-format",
            "npy",
        ],
        true,
    );
    assert_eq!(shape.as_deref(), Some("(37, 37)"));
    check_matrix(&o, &xbw, &xbw, f, "angle", true);

    // .npy in (<f4 corpus, <f2 queries: dtype and shape from the header, no --dim), .npy out.
    let xn = file("x.npy", &npy("<f4", "(37, 19)", &le(&x)));
    let qn = file("q.npy", &npy("<f2", "(11, 19)", &b16(&q16)));
    let (o, shape) = angles(&["--corpus", &xn, "--queries", &qn], true);
    assert_eq!(shape.as_deref(), Some("(11, 37)"));
    check_matrix(&o, &qw, &x, f, "cosine", false);

    // Refusals: a dimension mismatch, --dim against a header, a ragged raw file, bf16 .npy.
    let q18 = file("q18.npy", &npy("<f4", "(11, 18)", &le(&q[..11 * 18])));
    let o = temp("refused.f32").to_string_lossy().into_owned();
    refused(
        &["angles", "--corpus", &xn, "--queries", &q18, "--out", &o],
        1,
        &["dimension mismatch", "q18.npy", "18 columns"],
    );
    refused(
        &["angles", "--corpus", &xn, "--dim", "18", "--out", &o],
        1,
        &["x.npy", "--dim says 18"],
    );
    refused(
        &["angles", "--corpus", &xf, "--dim", "20", "--out", &o],
        1,
        &["x.f32", "trailing byte(s) at byte offset"],
    );
    refused(&["angles", "--corpus", &xf, "--out", &o], 2, &["--dim"]);
    let bfn = file("b.npy", &npy("<V2", "(37, 19)", &bb));
    refused(
        &["angles", "--corpus", &bfn, "--out", &o],
        1,
        &["b.npy", "not supported"],
    );
    let mut z = x.clone();
    z[5 * f..6 * f].fill(0.0);
    let zf = file("z.f32", &le(&z));
    refused(
        &["angles", "--corpus", &zf, "--dim", &dim, "--out", &o],
        1,
        &["z.f32", "row 5 has zero norm"],
    );
}

/// More rows than one block (1024): the blocks join up, the diagonal is exact in every block,
/// and each row's norm scales its own dots.
#[test]
fn angles_across_row_blocks() {
    let (n, f) = (1100, 8);
    let mut rng = Rng(0x0bad_cafe_f00d_0042);
    let x: Vec<f32> = (0..n * f).map(|_| rng.next()).collect();
    let le: Vec<u8> = x.iter().flat_map(|v| v.to_le_bytes()).collect();
    let xf = file("big.f32", &le);
    for metric in ["cosine", "dot"] {
        let (o, shape) = angles(
            &["--corpus", &xf, "--dim", "8", "--metric", metric, "--quiet"],
            true,
        );
        assert_eq!(shape.as_deref(), Some("(1100, 1100)"));
        check_matrix(&o, &x, &x, f, metric, true);
    }
}
