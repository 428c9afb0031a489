//! Reproduces DeepPainter's experiment end to end (see `docs/REPRODUCTION.md`).
//!
//! ```sh
//! cargo run --release --example reproduce                      # built-in synthetic painters
//! cargo run --release --example reproduce -- --data ../shared/paintings \
//!     --unlabeled ../shared/paintings-unlabeled \
//!     --painters rembrandt,pierre-auguste-renoir,vincent-van-gogh --per-painter 40 --draws 3 \
//!     --feature-size 256 --patch-size 128
//! cargo run --release --example reproduce -- --encoders 2 --head linear --pretrain-only
//! cargo run --release --example reproduce -- --help
//! ```
//!
//! The last line printed is
//! `reproduce: painters=P images=N folds=K accuracy_mean=X accuracy_std=Y macro_f1=Z seconds=S`
//! (with `--pretrain-only`, which stops after pretraining:
//! `reproduce: pretrained encoders=E in DIR,... seconds=S; ...`).

use clap::Parser;
use deep_painter::pipeline::{cli::Args, pretrain_only, run};
use std::process::ExitCode;

fn main() -> ExitCode {
    let args = Args::parse();
    let stop_after_pretraining = args.pretrain_only;
    let options = match args.into_options() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let done = if stop_after_pretraining {
        pretrain_only(&options).map(drop)
    } else {
        run(&options).map(drop)
    };
    match done {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
