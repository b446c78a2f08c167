//! The README's SQL over Parquet files of (query_id, doc_id, score): the Cranfield
//! collection's real cosines (225 queries × 1,400 documents, all-MiniLM-L6-v2), written as
//! four Parquet files, then each query's background, cut and its top rows' p-values by SQL.
//!
//! ```text
//! cargo run --example sql            (from datafusion/)
//! ```

use std::sync::Arc;

use datafusion::arrow::array::{Float64Array, RecordBatch, UInt32Array};
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::prelude::{ParquetReadOptions, SessionContext};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // 1. Parquet files of (query_id, doc_id, score), rows of every query in every file.
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/data/labelled/cranfield_minilm_l6.f32"
    );
    let raw = std::fs::read(path)?;
    let scores: Vec<f64> = raw
        .chunks_exact(4)
        .map(|c| f64::from(f32::from_le_bytes([c[0], c[1], c[2], c[3]])).clamp(-1.0, 1.0))
        .collect();
    let dir = std::env::temp_dir().join(format!("simstat-sql-example-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let schema = Arc::new(Schema::new(vec![
        Field::new("query_id", DataType::UInt32, false),
        Field::new("doc_id", DataType::UInt32, false),
        Field::new("score", DataType::Float64, false),
    ]));
    for file in 0..4u32 {
        // file f holds documents f, f + 4, f + 8, … of every query
        let rows: Vec<usize> = (0..scores.len())
            .filter(|i| (i % 1400) as u32 % 4 == file)
            .collect();
        let batch = RecordBatch::try_new(
            schema.clone(),
            vec![
                Arc::new(UInt32Array::from_iter_values(
                    rows.iter().map(|&i| (i / 1400) as u32),
                )),
                Arc::new(UInt32Array::from_iter_values(
                    rows.iter().map(|&i| (i % 1400) as u32),
                )),
                Arc::new(Float64Array::from_iter_values(
                    rows.iter().map(|&i| scores[i]),
                )),
            ],
        )?;
        let mut w = ArrowWriter::try_new(
            std::fs::File::create(dir.join(format!("part-{file}.parquet")))?,
            schema.clone(),
            None,
        )?;
        w.write(&batch)?;
        w.close()?;
    }

    // 2. Register the functions and the files.
    let ctx = SessionContext::new();
    simstat_datafusion::register(&ctx);
    let files = dir.to_str().ok_or("temporary path is not UTF-8")?;
    ctx.register_parquet("scores", files, ParquetReadOptions::default())
        .await?;

    // 3. Per query: the background and how many of its top rows to return.
    ctx.sql(
        "CREATE VIEW calibrated AS \
         SELECT query_id, simstat_background(score) AS background, simstat_cut(score) AS keep \
         FROM scores GROUP BY query_id",
    )
    .await?;
    ctx.sql(
        "SELECT query_id, keep, simstat_score_at_p(background, 0.001) AS radius_p001 \
         FROM calibrated ORDER BY query_id LIMIT 5",
    )
    .await?
    .show()
    .await?;

    // 4. Each row's p-value under its query's background: the top three rows of query 0.
    ctx.sql(
        "SELECT s.query_id, s.doc_id, s.score, simstat_p_value(c.background, s.score) AS p \
         FROM scores s JOIN calibrated c ON s.query_id = c.query_id \
         WHERE s.query_id = 0 ORDER BY s.score DESC LIMIT 3",
    )
    .await?
    .show()
    .await?;

    std::fs::remove_dir_all(&dir)?;
    Ok(())
}
