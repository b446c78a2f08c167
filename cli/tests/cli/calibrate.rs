//! `simstat calibrate`: the embedded data (text, JSON, SVG), every input format alike, refusals.
use crate::common::{embedded, file, npy, ok, refused, run, temp, text, EMBEDDED};
use serde_json::Value;

/// Checks a calibrate `--json` document as `.ci/example_json.sh` does; returns it.
fn check_calibrate_json(s: &str, format: &str) -> Value {
    let d: Value = serde_json::from_str(s).unwrap();
    for key in [
        "source",
        "format",
        "n",
        "cut",
        "fdr",
        "expected_f1",
        "background",
        "radius",
        "top",
        "timings_ms",
    ] {
        assert!(d.get(key).is_some(), "missing {key}");
    }
    assert_eq!(d["format"], format);
    let n = d["n"].as_u64().unwrap();
    let c = &d["cut"];
    assert_eq!(
        (c["rule"].as_str(), c["ratio"].as_f64()),
        (Some("relative_excess"), Some(0.65))
    );
    let keep = c["keep"].as_u64().unwrap();
    assert!(keep <= n && (keep == 0) == c["threshold"].is_null());
    let f = &d["fdr"];
    assert_eq!(f["tests"].as_u64(), Some(n));
    let disc = f["discoveries"].as_u64().unwrap();
    assert_eq!(disc == 0, f["score_threshold"].is_null());
    if disc > 0 {
        let (p, q) = (
            f["p_threshold"].as_f64().unwrap(),
            f["level"].as_f64().unwrap(),
        );
        assert!(
            p >= 0.0 && p <= q * disc as f64 / n as f64 * (1.0 + 1e-9),
            "{f}"
        );
    }
    let e = &d["expected_f1"];
    assert_eq!(e["keep"].as_u64().unwrap() == 0, e["threshold"].is_null());
    let bg = &d["background"];
    assert_eq!(
        (bg["scale"].as_str(), bg["selected_by"].as_str()),
        (Some("fisher_z"), Some("bic"))
    );
    let k = bg["k"].as_u64().unwrap();
    assert!(k >= 1 && k <= bg["max_k"].as_u64().unwrap());
    let comps = bg["components"].as_array().unwrap();
    assert_eq!(comps.len() as u64, k);
    let wsum: f64 = comps.iter().map(|c| c["weight"].as_f64().unwrap()).sum();
    assert!((wsum - 1.0).abs() < 1e-9, "weights sum to {wsum}");
    assert!(comps
        .iter()
        .all(|c| c["shape"].as_f64().unwrap() > 0.0 && c["rate"].as_f64().unwrap() > 0.0));
    let (ex, low) = (
        bg["excluded"].as_u64().unwrap(),
        bg["low_outliers"].as_u64().unwrap(),
    );
    assert_eq!(bg["body_rows"].as_u64(), Some(n - ex - low));
    let rad = d["radius"].as_array().unwrap();
    assert_eq!(
        rad.iter()
            .map(|r| r["p_value"].as_f64().unwrap())
            .collect::<Vec<_>>(),
        [1e-3, 1e-6]
    );
    assert!(rad[0]["score"].as_f64().unwrap() <= rad[1]["score"].as_f64().unwrap());
    let top = d["top"].as_array().unwrap();
    assert!(!top.is_empty());
    let scores: Vec<f64> = top.iter().map(|t| t["score"].as_f64().unwrap()).collect();
    let ps: Vec<f64> = top.iter().map(|t| t["p_value"].as_f64().unwrap()).collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "top not sorted");
    assert!(ps.iter().all(|p| (0.0..=1.0).contains(p)), "{ps:?}");
    assert!(
        ps.windows(2).all(|w| w[0] <= w[1] * (1.0 + 1e-12)),
        "p not monotone: {ps:?}"
    );
    for (i, t) in top.iter().enumerate() {
        assert_eq!(t["rank"].as_u64(), Some(i as u64 + 1));
        let post = t["posterior"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&post));
        let kept = keep > 0 && scores[i] >= c["threshold"].as_f64().unwrap();
        assert_eq!(t["kept"].as_bool(), Some(kept), "{t}");
        let found = disc > 0 && scores[i] >= f["score_threshold"].as_f64().unwrap();
        assert_eq!(t["discovery"].as_bool(), Some(found), "{t}");
    }
    let kept = top.iter().filter(|t| t["kept"] == true).count() as u64;
    assert_eq!(kept, keep.min(top.len() as u64));
    let found = top.iter().filter(|t| t["discovery"] == true).count() as u64;
    assert_eq!(found, disc.min(top.len() as u64));
    d
}

/// The parts of a calibrate document that must not depend on how the scores were read.
fn decision(d: &Value) -> Value {
    let top: Vec<Value> = d["top"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            serde_json::json!([
                t["row"],
                t["score"],
                t["p_value"],
                t["kept"],
                t["discovery"]
            ])
        })
        .collect();
    serde_json::json!([
        d["n"],
        d["cut"],
        d["fdr"],
        d["expected_f1"],
        d["background"],
        top
    ])
}

#[test]
fn calibrate_embedded_text_report() {
    let out = ok(&["calibrate"]);
    assert!(out.starts_with("scores: 6544 (embedded"), "{out}");
    for needle in [
        "decision, relative excess at ratio 0.65",
        "Benjamini–Hochberg at FDR 0.05",
        "background: K = ",
        "radius for a vector database's score_threshold",
        "top 10 scores (cosine)",
        "cut: expected F1 (same background + relevant)",
    ] {
        assert!(out.contains(needle), "{needle:?} missing:\n{out}");
    }
    // The highest embedded score: row 551 at 0.9124.
    assert!(out.contains("     551    0.9124"), "{out}");
}

#[test]
fn calibrate_embedded_json_and_svg() {
    let svg = temp("plot.svg");
    let out = ok(&[
        "calibrate",
        "--json",
        "--top",
        "40",
        "--svg",
        &svg.to_string_lossy(),
    ]);
    let d = check_calibrate_json(&out, "f64");
    assert_eq!(d["n"], 6544);
    assert_eq!(d["top"].as_array().unwrap().len(), 40);
    let plot = std::fs::read_to_string(&svg).unwrap();
    assert!(plot.starts_with("<svg") && plot.trim_end().ends_with("</svg>"));
    // Expected counts (left); empirical tail and the background's p-value (right).
    assert_eq!(plot.matches("<polyline").count(), 3);
    assert_eq!(
        plot.matches("fill=\"#9ecae1\" stroke").count(),
        80,
        "80 histogram bins"
    );
}

#[test]
fn calibrate_reads_every_format_alike() {
    let v = embedded();
    let raw64 = file("s.f64", EMBEDDED);
    let txt = file("s.txt", &text(&v));
    let npy8 = file("s8.npy", &npy("<f8", &format!("({},)", v.len()), EMBEDDED));
    let f64_runs = [
        (ok(&["calibrate", "--json", "--input", &raw64]), "f64"),
        (ok(&["calibrate", "--json", "--input", &txt]), "text"),
        (ok(&["calibrate", "--json", "--input", &npy8]), "npy"),
    ];
    let stdin = run(&["calibrate", "--json", "--input", "-"], Some(&text(&v)));
    assert!(stdin.status.success());
    // --json keeps stderr free of the "detected format" note (and stdout is pure JSON).
    assert!(
        stdin.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&stdin.stderr)
    );
    let base = decision(&check_calibrate_json(&f64_runs[0].0, "f64"));
    for (out, fmt) in &f64_runs[1..] {
        assert_eq!(decision(&check_calibrate_json(out, fmt)), base, "{fmt}");
    }
    let d = check_calibrate_json(&String::from_utf8(stdin.stdout).unwrap(), "text");
    assert_eq!(d["source"], "<stdin>");
    assert_eq!(decision(&d), base, "stdin");

    // The same scores rounded to f32: raw f32, .npy <f4 and their text agree with each other.
    let v32: Vec<f32> = v.iter().map(|&x| x as f32).collect();
    let b32: Vec<u8> = v32.iter().flat_map(|x| x.to_le_bytes()).collect();
    let wide: Vec<f64> = v32.iter().map(|&x| f64::from(x)).collect();
    let raw32 = file("s.f32", &b32);
    let npy4 = file("s4.npy", &npy("<f4", &format!("({},)", v.len()), &b32));
    let txt32 = file("s32.txt", &text(&wide));
    let a = decision(&check_calibrate_json(
        &ok(&["calibrate", "--json", "--input", &raw32]),
        "f32",
    ));
    let b = decision(&check_calibrate_json(
        &ok(&["calibrate", "--json", "--input", &npy4]),
        "npy",
    ));
    let c = decision(&check_calibrate_json(
        &ok(&["calibrate", "--json", "--input", &txt32]),
        "text",
    ));
    assert_eq!(a, b, "raw f32 vs npy <f4");
    assert_eq!(a, c, "raw f32 vs text of the f32 values");
}

#[test]
fn calibrate_refuses_bad_inputs() {
    let bad = file("bad.txt", b"0.1\n0.2\nabc\n0.3\n");
    refused(
        &["calibrate", "--input", &bad],
        1,
        &["bad.txt:3: not a number: \"abc\""],
    );
    let range = file("range.txt", b"0.1\n1.5\n0.2\n");
    refused(
        &["calibrate", "--input", &range],
        1,
        &["range.txt:2: \"1.5\" is not a finite score"],
    );
    // 1000 f32 scores and 3 stray bytes: neither reading is whole.
    let mut trunc: Vec<u8> = (0..1000)
        .flat_map(|i| (i as f32 / 2000.0).to_le_bytes())
        .collect();
    trunc.extend_from_slice(&[1, 2, 3]);
    let t = file("trunc.f32", &trunc);
    refused(
        &["calibrate", "--input", &t],
        1,
        &["trunc.f32", "byte offset 4000"],
    );
    refused(
        &["calibrate", "--input", &t, "--format", "f32"],
        1,
        &["trunc.f32", "3 trailing byte(s) at byte offset 4000"],
    );
    // An out-of-range f32 value at index 399 of 400.
    let mut v: Vec<f32> = (0..400).map(|i| (i as f32 / 500.0) - 0.3).collect();
    v[399] = 1.000_000_1;
    let b: Vec<u8> = v.iter().flat_map(|x| x.to_le_bytes()).collect();
    let r = file("bad.f32", &b);
    refused(
        &["calibrate", "--input", &r],
        1,
        &["as f32: value 400 (byte offset 1596) is 1.0000001"],
    );
    let two_d = file("m.npy", &npy("<f4", "(2, 200)", &b));
    refused(
        &["calibrate", "--input", &two_d],
        1,
        &["m.npy", "(2, 200) is not 1-D"],
    );
    refused(
        &["calibrate", "--input", "/nonexistent/x.txt"],
        1,
        &["cannot read /nonexistent/x.txt"],
    );
    // Bad arguments: exit code 2.
    refused(&["calibrate", "--fdr", "1.5"], 2, &["--fdr"]);
    refused(&["calibrate", "--format", "f32"], 2, &["--input"]);
    refused(&["fit", "--input", &bad, "--k", "0"], 2, &["--k"]);
}
