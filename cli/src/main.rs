//! The `simstat` command-line tool: calibrate a query's scores, fit gamma mixtures, pairwise angles.
mod angles;
mod args;
mod calibrate;
mod error;
mod fit;
mod input;
mod matrix;
mod npy;
mod progress;
mod report_json;
mod report_text;
mod svg;
mod svg_panels;

use clap::Parser as _;

/// Parses the arguments, runs the subcommand, and ends with exit code 0, 1 (bad input) or 2
/// (bad arguments; clap's own usage errors exit with 2 as well).
fn main() {
    let cli = args::Cli::parse();
    let result = match &cli.command {
        args::Command::Calibrate(a) => calibrate::run(a),
        args::Command::Fit(a) => fit::run(a),
        args::Command::Angles(a) => angles::run(a),
    };
    if let Err(e) = result {
        eprintln!("simstat: {}", e.message);
        std::process::exit(e.code);
    }
}
