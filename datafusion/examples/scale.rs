//! 10⁸ synthetic scores in 10³ groups: the background and the cut of every group, by SQL on
//! DataFusion (partial states merged across partitions) or in one process (each group's
//! scores collected, then `fit_background_in` and `cut_in`). Prints the wall time and the
//! process's peak resident memory (VmHWM); run each mode in its own process.
//!
//! ```text
//! cargo run --release --example scale -- sql [groups] [per_group] [exact_up_to]
//! cargo run --release --example scale -- local [groups] [per_group]
//! ```

use std::sync::Arc;
use std::time::Instant;

use datafusion::arrow::array::{AsArray, Float64Array, RecordBatch, UInt32Array};
use datafusion::arrow::datatypes::{DataType, Field, Schema, UInt32Type, UInt64Type};
use datafusion::datasource::MemTable;
use datafusion::prelude::{SessionConfig, SessionContext};
use simstat::calibrate::{cut_in, fit_background_in, BackgroundOptions, CutOptions};
use simstat::fit::MixtureWorkspace;
use simstat::wire::ByteForm;
use simstat::SplitMix64;
use simstat_datafusion::{register_with, Settings};

/// Gamma(shape, 1) by Marsaglia and Tsang (shape ≥ 1).
fn gamma(rng: &mut SplitMix64, shape: f64) -> f64 {
    let d = shape - 1.0 / 3.0;
    let c = 1.0 / (9.0 * d).sqrt();
    loop {
        let x = rng.normal();
        let v = (1.0 + c * x).powi(3);
        if v <= 0.0 {
            continue;
        }
        let u = rng.next_open01();
        if u.ln() < 0.5 * x * x + d - d * v + d * v.ln() {
            return d * v;
        }
    }
}

/// Group `q`'s scores: a shifted-gamma body (shape 9–13, rate 30–40, shift −0.3) and 10 hits.
fn group(q: u32, n: u32) -> Vec<f64> {
    let mut rng = SplitMix64(0x5eed ^ u64::from(q));
    let (shape, rate) = (9.0 + f64::from(q % 5), 30.0 + f64::from(q % 11));
    (0..n)
        .map(|d| {
            if d < 10 {
                0.8 + 0.015 * f64::from(d)
            } else {
                (-0.3 + gamma(&mut rng, shape) / rate).clamp(-1.0, 1.0)
            }
        })
        .collect()
}

fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// A 64-bit digest of every group's background bytes and cut, in group order (the two modes
/// print it: equal digests, equal results).
fn digest(results: &mut [(u32, Vec<u8>, u64)]) -> u64 {
    results.sort_by_key(|r| r.0);
    let mut h = 0xcbf2_9ce4_8422_2325u64;
    for (q, b, k) in results.iter() {
        for byte in q.to_le_bytes().iter().chain(b).chain(&k.to_le_bytes()) {
            h = (h ^ u64::from(*byte)).wrapping_mul(0x100_0000_01b3);
        }
    }
    h
}

async fn sql(groups: u32, per_group: u32, exact_up_to: usize) -> datafusion::common::Result<()> {
    let parts = std::thread::available_parallelism().map_or(2, |n| n.get());
    let schema = Arc::new(Schema::new(vec![
        Field::new("query_id", DataType::UInt32, false),
        Field::new("doc_id", DataType::UInt32, false),
        Field::new("score", DataType::Float64, false),
    ]));
    // every group's rows dealt over all partitions in chunks of 8192
    let t0 = Instant::now();
    let mut partitions: Vec<Vec<RecordBatch>> = vec![Vec::new(); parts];
    let mut chunk = 0usize;
    for q in 0..groups {
        let scores = group(q, per_group);
        for (c, piece) in scores.chunks(8192).enumerate() {
            let first = (c * 8192) as u32;
            let b = RecordBatch::try_new(
                schema.clone(),
                vec![
                    Arc::new(UInt32Array::from(vec![q; piece.len()])),
                    Arc::new(UInt32Array::from_iter_values(
                        first..first + piece.len() as u32,
                    )),
                    Arc::new(Float64Array::from(piece.to_vec())),
                ],
            )?;
            partitions[chunk % parts].push(b);
            chunk += 1;
        }
    }
    let generated = t0.elapsed().as_secs_f64();
    let ctx = SessionContext::new_with_config(SessionConfig::new().with_target_partitions(parts));
    let settings = Settings {
        exact_up_to,
        ..Settings::default()
    };
    register_with(&ctx, settings);
    ctx.register_table("scores", Arc::new(MemTable::try_new(schema, partitions)?))?;
    let t1 = Instant::now();
    let batches = ctx
        .sql("SELECT query_id, simstat_background(score), simstat_cut(score) FROM scores GROUP BY query_id")
        .await?
        .collect()
        .await?;
    let secs = t1.elapsed().as_secs_f64();
    let mut results = Vec::new();
    for b in &batches {
        let (q, bg, k) = (
            b.column(0).as_primitive::<UInt32Type>(),
            b.column(1).as_binary::<i32>(),
            b.column(2).as_primitive::<UInt64Type>(),
        );
        for i in 0..b.num_rows() {
            results.push((q.value(i), bg.value(i).to_vec(), k.value(i)));
        }
    }
    let kept: u64 = results.iter().map(|r| r.2).sum();
    println!(
        "sql: {} groups × {per_group} scores, {parts} partitions, exact_up_to {exact_up_to}: \
         data generated in {generated:.1} s, query {secs:.1} s, {kept} rows kept in all, \
         digest {:016x}, peak RSS {:.0} MiB",
        results.len(),
        digest(&mut results),
        peak_rss_mib()
    );
    Ok(())
}

fn local(groups: u32, per_group: u32) {
    let mut ws = Box::new(MixtureWorkspace::new());
    let opts = Settings::default().cut;
    let o: BackgroundOptions = opts.background;
    let (mut generated, mut fitted) = (0.0, 0.0);
    let mut results = Vec::new();
    for q in 0..groups {
        let t0 = Instant::now();
        let scores = group(q, per_group);
        generated += t0.elapsed().as_secs_f64();
        let t1 = Instant::now();
        let mut scratch = vec![0.0; scores.len()];
        let bg = fit_background_in(&scores, &o, &mut scratch, &mut ws).expect("background");
        let c = cut_in(&scores, &CutOptions { ..opts }, &mut scratch, &mut ws).expect("cut");
        fitted += t1.elapsed().as_secs_f64();
        let mut bytes = vec![0; bg.byte_len()];
        bg.write_to(&mut bytes).expect("bytes");
        results.push((q, bytes, c.keep() as u64));
    }
    let kept: u64 = results.iter().map(|r| r.2).sum();
    println!(
        "local: {groups} groups × {per_group} scores, one thread: data generated in \
         {generated:.1} s, fits {fitted:.1} s, {kept} rows kept in all, digest {:016x}, \
         peak RSS {:.0} MiB",
        digest(&mut results),
        peak_rss_mib()
    );
}

#[tokio::main]
async fn main() -> datafusion::common::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize, default: u64| -> u64 {
        args.get(i).and_then(|s| s.parse().ok()).unwrap_or(default)
    };
    let (groups, per_group) = (arg(1, 1000) as u32, arg(2, 100_000) as u32);
    match args.first().map(String::as_str) {
        Some("local") => local(groups, per_group),
        _ => {
            sql(
                groups,
                per_group,
                arg(3, Settings::default().exact_up_to as u64) as usize,
            )
            .await?
        }
    }
    Ok(())
}
