//! Who painted this? Ranked painters with their probabilities for image files and folders.
//!
//! ```text
//! cargo run --release --example predict -- IMAGE|DIR... [--model DIR] [--top K] [--json]
//!     [--min-confidence P]
//! ```
//!
//! Without `--model`, the model committed in `models/best` (its card: `docs/MODEL.md`). Folders
//! are walked recursively; every image gets its top K painters (3 by default), or its own error
//! when it cannot be read (the others go on). `--json` prints one JSON object per image and line:
//! `{"file", "answer", "painters": [{"painter", "probability"}, ...]}` or `{"file", "error"}`.
//! `--min-confidence P` answers "unknown" when the most probable painter is below P; the model
//! card's table says what P costs and gains. Exit status: 0, 1 if any image failed, 2 if the
//! model could not be loaded or an option is wrong.

use candle_core::Device;
use clap::Parser;
use deep_painter::predict::{
    collect_inputs, default_model_dir, predict_inputs, PainterModel, PredictOptions,
};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser, Debug)]
#[command(
    name = "predict",
    about = "Who painted this? Ranked painters with probabilities, from a trained model"
)]
struct Args {
    /// Image files and folders (walked recursively).
    #[arg(required = true, value_name = "IMAGE|DIR")]
    inputs: Vec<PathBuf>,
    /// The model folder [default: the repository's models/best].
    #[arg(long, value_name = "DIR")]
    model: Option<PathBuf>,
    /// Painters listed per image.
    #[arg(long, value_name = "K", default_value_t = 3)]
    top: usize,
    /// One JSON object per image and line.
    #[arg(long)]
    json: bool,
    /// Answer "unknown" below this probability of the most probable painter.
    #[arg(long, value_name = "P")]
    min_confidence: Option<f64>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let options = PredictOptions {
        top: args.top,
        json: args.json,
        min_confidence: args.min_confidence,
        progress: true,
    };
    if let Err(e) = options.validate() {
        eprintln!("error: {e}");
        return ExitCode::from(2);
    }
    let dir = args.model.unwrap_or_else(default_model_dir);
    let model = match PainterModel::load(&dir, &Device::Cpu) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("error: {}: {e}", dir.display());
            return ExitCode::from(2);
        }
    };
    if let (Some(p), Some(card)) = (args.min_confidence, model.card()) {
        if let Some(point) = card.at_min_confidence(p) {
            eprintln!(
                "--min-confidence {p}: in the model's cross-validation, a threshold of {:.2} answered {:.1}% of the paintings, {:.1}% of them rightly",
                point.threshold,
                100.0 * point.coverage,
                100.0 * point.accuracy
            );
        }
    }
    let (inputs, left_out) = collect_inputs(&args.inputs);
    if !left_out.is_empty() {
        eprintln!(
            "left out {} file(s) of the folders that are not images (or are hidden)",
            left_out.len()
        );
    }
    match predict_inputs(&model, &inputs, &options, &mut std::io::stdout().lock()) {
        Ok(tally) if tally.failed > 0 => {
            eprintln!("{} of {} input(s) failed", tally.failed, inputs.len());
            ExitCode::FAILURE
        }
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}
