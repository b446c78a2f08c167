//! The command line: subcommands and their options (clap derive).
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// Statistics for embedding similarity scores: cut result lists, fit gamma mixtures, compute
/// pairwise angles.
#[derive(Parser, Debug)]
#[command(name = "simstat", version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// How many of a query's top results to return, from its scores against the whole corpus,
    /// with the background that decision is checked against (embedded real data by default).
    Calibrate(CalibrateArgs),
    /// Fit a single shifted gamma and a gamma mixture (fixed order, or chosen by `select_order`).
    Fit(FitArgs),
    /// Cosine / angle / dot matrix of a corpus (N×N) or of queries against a corpus.
    Angles(AnglesArgs),
}

/// How a score file is read (auto-detected when not given).
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScoreFormat {
    /// One score per line; blank lines and `#` comments skipped.
    Text,
    /// Raw little-endian f64.
    F64,
    /// Raw little-endian f32 (read as f32, never widened to a copy).
    F32,
    /// NumPy `.npy`, 1-D, dtype `<f4` or `<f8`.
    Npy,
}

/// Options of `simstat calibrate`.
#[derive(Args, Debug)]
pub struct CalibrateArgs {
    /// Score file (`-` reads stdin); the embedded real data when absent.
    #[arg(long, value_name = "FILE")]
    pub input: Option<String>,
    /// Format of the input (default: detected).
    #[arg(long, value_enum, requires = "input")]
    pub format: Option<ScoreFormat>,
    /// Print the report as one JSON object.
    #[arg(long)]
    pub json: bool,
    /// Write a two-panel SVG plot (histogram + background, upper tail + cuts) to FILE.
    #[arg(long, value_name = "FILE")]
    pub svg: Option<PathBuf>,
    /// False-discovery rate of the Benjamini–Hochberg cut, in (0, 1).
    #[arg(long, value_name = "Q", default_value_t = 0.05, value_parser = parse_level)]
    pub fdr: f64,
    /// How many of the top scores to list.
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub top: usize,
    /// No progress display and no "detected format" note on stderr.
    #[arg(long)]
    pub quiet: bool,
}

/// Options of `simstat fit`.
#[derive(Args, Debug)]
pub struct FitArgs {
    /// Score file (`-` reads stdin).
    #[arg(long, value_name = "FILE")]
    pub input: String,
    /// Format of the input (default: detected).
    #[arg(long, value_enum)]
    pub format: Option<ScoreFormat>,
    /// Fit this many components (no order selection).
    #[arg(long, value_name = "K", value_parser = clap::value_parser!(u8).range(1..=16))]
    pub k: Option<u8>,
    /// Order selection: over-fit with this many components, then merge (default 6).
    #[arg(long, value_name = "K", default_value_t = 6, value_parser = clap::value_parser!(u8).range(2..=16), conflicts_with = "k")]
    pub max_k: u8,
    /// Print the fits as one JSON object.
    #[arg(long)]
    pub json: bool,
    /// No progress display and no "detected format" note on stderr.
    #[arg(long)]
    pub quiet: bool,
}

/// Element type of a raw matrix file.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dtype {
    /// IEEE single precision.
    F32,
    /// IEEE half precision (widened to f32).
    F16,
    /// bfloat16 (widened to f32).
    Bf16,
}

/// What each entry of the output matrix holds.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Metric {
    /// Cosine similarity, in [−1, 1].
    Cosine,
    /// Angle arccos(cosine) in radians, in [0, π].
    Angle,
    /// Dot product (cosine times the two rows' norms).
    Dot,
}

/// Output file format of `simstat angles`.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutFormat {
    /// Raw little-endian f32, row-major.
    F32,
    /// NumPy `.npy` v1.0, `<f4`, shape (rows, columns).
    Npy,
}

/// Options of `simstat angles`.
#[derive(Args, Debug)]
pub struct AnglesArgs {
    /// Corpus matrix: raw little-endian (row-major, `--dim` columns) or `.npy` (2-D).
    #[arg(long, value_name = "FILE")]
    pub corpus: PathBuf,
    /// Query matrix (same formats): queries × corpus instead of corpus × corpus.
    #[arg(long, value_name = "FILE")]
    pub queries: Option<PathBuf>,
    /// Columns per row (needed for raw files; checked against a `.npy` header).
    #[arg(long, value_name = "D", value_parser = clap::value_parser!(u64).range(1..))]
    pub dim: Option<u64>,
    /// Element type of raw input files (a `.npy` header states its own).
    #[arg(long, value_enum, default_value_t = Dtype::F32)]
    pub dtype: Dtype,
    /// What each output entry holds.
    #[arg(long, value_enum, default_value_t = Metric::Cosine)]
    pub metric: Metric,
    /// Output file.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Output format (default: npy when FILE ends in `.npy`, else raw f32).
    #[arg(long, value_enum)]
    pub out_format: Option<OutFormat>,
    /// No progress display on stderr.
    #[arg(long)]
    pub quiet: bool,
}

/// A number in (0, 1), for `--fdr`.
fn parse_level(s: &str) -> Result<f64, String> {
    let q: f64 = s.parse().map_err(|_| format!("{s:?} is not a number"))?;
    if q > 0.0 && q < 1.0 {
        Ok(q)
    } else {
        Err(format!("{q} is not in (0, 1)"))
    }
}
