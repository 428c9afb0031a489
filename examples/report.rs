//! Prints scikit-learn's `classification_report` for two label files, character for character.
//!
//! ```text
//! cargo run --release --example report -- --true y_true.txt --pred y_pred.txt \
//!     [--names a,b,c] [--digits N] [--zero-division 0|1|nan] [--json]
//! ```
//!
//! Each file holds one non-negative integer label per line. `--names` names the labels 0, 1, 2, ...
//! in order, and every named label is reported, those absent from both files with zero support;
//! `--json` prints every figure as JSON instead. The output equals Python's
//! `print(classification_report(y_true, y_pred, labels=range(len(names)), target_names=names,
//! digits=N, zero_division=Z))`, or without `--names` that of the sorted labels present.

use anyhow::{bail, Context, Result};
use clap::Parser;
use painter_eval::{parse_labels, ClassificationReport, ReportConfig, ZeroDivision};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(about = "scikit-learn's classification_report for two files of integer labels")]
struct Args {
    /// File of true labels, one integer per line.
    #[arg(long = "true", value_name = "FILE")]
    y_true: PathBuf,
    /// File of predicted labels, one integer per line.
    #[arg(long = "pred", value_name = "FILE")]
    y_pred: PathBuf,
    /// Comma-separated class names of the labels 0, 1, 2, ... (every one is reported).
    #[arg(long, value_delimiter = ',')]
    names: Option<Vec<String>>,
    /// Decimal digits of the report.
    #[arg(long, default_value_t = 2)]
    digits: usize,
    /// Value of undefined ratios: 0, 1 or nan.
    #[arg(long = "zero-division", default_value = "0")]
    zero_division: ZeroDivision,
    /// Print every figure as JSON instead of the text report.
    #[arg(long)]
    json: bool,
}

fn read(path: &PathBuf) -> Result<Vec<usize>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    parse_labels(&text).with_context(|| format!("parsing {}", path.display()))
}

fn main() -> Result<()> {
    let args = Args::parse();
    let y_true = read(&args.y_true)?;
    let y_pred = read(&args.y_pred)?;
    let mut config = ReportConfig::new()
        .digits(args.digits)
        .zero_division(args.zero_division);
    if let Some(names) = args.names {
        if let Some(&unnamed) = y_true.iter().chain(&y_pred).find(|&&l| l >= names.len()) {
            bail!(
                "label {unnamed} has no name: --names names the labels 0 to {} ({} names)",
                names.len().saturating_sub(1),
                names.len()
            );
        }
        config = config
            .labels((0..names.len()).collect::<Vec<_>>())
            .target_names(names);
    }
    let report = ClassificationReport::new(&y_true, &y_pred, &config)?;
    if args.json {
        println!("{}", report.to_json()?);
    } else {
        println!("{report}");
    }
    Ok(())
}
