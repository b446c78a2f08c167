//! Runs `simstat::calibrate::cut` on every row of a raw little-endian f32 score matrix
//! `[n_queries, n_docs]` and prints one list length per line: the simstat column of
//! `benches/cut_labelled.py`.
//!
//! `cut_labelled --sims FILE.f32 --docs N_DOCS [--rule default|relative|fdr|posterior|f1]
//! [--param X]`
use simstat::calibrate::{cut_f32, cut_scratch_len, CutOptions, CutRule};
use std::process::ExitCode;

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("cut_labelled: {e}");
            ExitCode::from(2)
        }
    }
}

fn run() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let (mut sims, mut docs, mut rule, mut param) = (None, None, String::from("default"), None);
    while let Some(a) = args.next() {
        let mut value = || args.next().ok_or(format!("{a} needs a value"));
        match a.as_str() {
            "--sims" => sims = Some(value()?),
            "--docs" => docs = Some(value()?.parse::<usize>().map_err(|e| e.to_string())?),
            "--rule" => rule = value()?,
            "--param" => param = Some(value()?.parse::<f64>().map_err(|e| e.to_string())?),
            _ => return Err(format!("unknown argument {a}")),
        }
    }
    let sims = sims.ok_or("--sims FILE is required")?;
    let docs = docs.ok_or("--docs N is required")?;
    let need = |p: Option<f64>| p.ok_or(format!("--rule {rule} needs --param"));
    let rule = match rule.as_str() {
        "default" => CutOptions::default().rule,
        "relative" => CutRule::RelativeExcess {
            ratio: need(param)?,
        },
        "fdr" => CutRule::Fdr { q: need(param)? },
        "posterior" => CutRule::Posterior {
            level: need(param)?,
        },
        "f1" => CutRule::ExpectedF1,
        other => return Err(format!("unknown rule {other}")),
    };
    let opts = CutOptions {
        rule,
        ..CutOptions::default()
    };
    let bytes = std::fs::read(&sims).map_err(|e| format!("{sims}: {e}"))?;
    if docs == 0 || bytes.len() % (4 * docs) != 0 {
        return Err(format!(
            "{sims}: {} bytes is not a whole number of rows of {docs} f32 values",
            bytes.len()
        ));
    }
    let values: Vec<f32> = bytes
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect();
    let mut scratch = vec![0.0; cut_scratch_len(docs)];
    let mut out = String::new();
    for (q, row) in values.chunks_exact(docs).enumerate() {
        let c = cut_f32(row, &opts, &mut scratch).map_err(|e| format!("query {q}: {e}"))?;
        out.push_str(&c.keep().to_string());
        out.push('\n');
    }
    print!("{out}");
    Ok(())
}
