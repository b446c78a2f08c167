//! Shared helpers: temp files, running the binary, the embedded data, `.npy` writing.
use std::io::Write as _;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The embedded data of `simstat calibrate`, as raw f64.
pub const EMBEDDED: &[u8] = include_bytes!("../../../tests/data/sims/h04_minilm_l6.f64");

/// A fresh path in the temp directory (unique per process and call).
pub fn temp(name: &str) -> PathBuf {
    static COUNT: AtomicUsize = AtomicUsize::new(0);
    let k = COUNT.fetch_add(1, Ordering::Relaxed);
    std::env::temp_dir().join(format!("simstat-cli-{}-{k}-{name}", std::process::id()))
}

/// Writes `bytes` to a fresh temp file and returns its path as a string.
pub fn file(name: &str, bytes: &[u8]) -> String {
    let p = temp(name);
    std::fs::write(&p, bytes).unwrap();
    p.to_string_lossy().into_owned()
}

/// Runs the binary with `args` (and `stdin` bytes when given).
pub fn run(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_simstat"));
    cmd.args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    if let Some(bytes) = stdin {
        child.stdin.take().unwrap().write_all(bytes).unwrap();
    }
    child.wait_with_output().unwrap()
}

/// Runs the binary, asserts success, returns stdout.
pub fn ok(args: &[&str]) -> String {
    let out = run(args, None);
    assert!(
        out.status.success(),
        "{args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Runs the binary, asserts exit code `code` and that stderr contains every one of `needles`.
pub fn refused(args: &[&str], code: i32, needles: &[&str]) {
    let out = run(args, None);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(code), "{args:?}: {err}");
    for n in needles {
        assert!(err.contains(n), "{args:?}: {n:?} not in {err:?}");
    }
}

/// The embedded scores.
pub fn embedded() -> Vec<f64> {
    EMBEDDED
        .chunks_exact(8)
        .map(|c| f64::from_le_bytes(c.try_into().unwrap()))
        .collect()
}

/// One score per line, each printed so it parses back to the same f64.
pub fn text(v: &[f64]) -> Vec<u8> {
    v.iter()
        .map(|x| format!("{x:?}\n"))
        .collect::<String>()
        .into_bytes()
}

/// A v1.0 `.npy` of `descr` and `shape` holding `data` (little-endian bytes).
pub fn npy(descr: &str, shape: &str, data: &[u8]) -> Vec<u8> {
    let mut dict = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}");
    while (10 + dict.len() + 1) % 64 != 0 {
        dict.push(' ');
    }
    dict.push('\n');
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend_from_slice(&(dict.len() as u16).to_le_bytes());
    out.extend_from_slice(dict.as_bytes());
    out.extend_from_slice(data);
    out
}
