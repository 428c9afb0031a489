//! Reproduces DeepPainter's experiment end to end (see `docs/REPRODUCTION.md`).
//!
//! ```sh
//! cargo run --release --example reproduce                      # built-in synthetic painters
//! cargo run --release --example reproduce -- --data ../shared/paintings \
//!     --unlabeled ../shared/paintings-unlabeled \
//!     --painters rembrandt,pierre-auguste-renoir,vincent-van-gogh --per-painter 40 --draws 3 \
//!     --feature-size 256 --patch-size 128
//! cargo run --release --example reproduce -- --help
//! ```
//!
//! The last line printed is
//! `reproduce: painters=P images=N folds=K accuracy_mean=X accuracy_std=Y macro_f1=Z seconds=S`.

use clap::Parser;
use deep_painter::pipeline::{cli::Args, run};
use std::process::ExitCode;

fn main() -> ExitCode {
    let options = match Args::parse().into_options() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    match run(&options) {
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
