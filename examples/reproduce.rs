//! Reproduces DeepPainter's experiment end to end with a recipe (see `docs/REPRODUCTION.md` and
//! `docs/RECIPES.md`).
//!
//! ```sh
//! cargo run --release --example reproduce                      # recipe quick, synthetic painters
//! cargo run --release --example reproduce -- --recipe best --data ../shared/paintings \
//!     --unlabeled ../shared/paintings-unlabeled
//! cargo run --release --example reproduce -- --recipe best-3x40 --data ../shared/paintings \
//!     --unlabeled ../shared/paintings-unlabeled \
//!     --painters rembrandt,pierre-auguste-renoir,vincent-van-gogh --per-painter 40 --draws 3
//! cargo run --release --example reproduce -- --recipe out/best/recipe.toml   # rerun a run
//! cargo run --release --example reproduce -- --protocol paper   # also the paper's figures
//! cargo run --release --example reproduce -- --help
//! ```
//!
//! The last line printed is `reproduce: recipe=NAME@V painters=P images=N folds=K
//! accuracy_mean=X accuracy_std=Y macro_f1=Z seconds=S` (with `--pretrain-only`, which stops
//! after pretraining: `reproduce: recipe=NAME@V pretrained encoders=E in DIR,... seconds=S; ...`).
//! With `--protocol paper` it reads `reproduce: recipe=NAME@V protocol=paper painters=P images=N
//! folds=K accuracy_mean=X accuracy_std=Y stop80_accuracy_mean=X stop80_accuracy_std=Y
//! honest_accuracy_mean=X honest_accuracy_std=Y honest_macro_f1=Z seconds=S`, where `accuracy_*`
//! is the best accuracy on the scored fold over training (see `docs/REPRODUCTION.md`).

use clap::Parser;
use deep_painter::pipeline::{cli::Args, pretrain_only, run};
use std::process::ExitCode;

fn main() -> ExitCode {
    let args = Args::parse();
    let stop_after_pretraining = args.pretrain_only;
    let experiment = match args.into_experiment() {
        Ok(e) => e,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let done = if stop_after_pretraining {
        pretrain_only(&experiment).map(drop)
    } else {
        run(&experiment).map(drop)
    };
    match done {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
