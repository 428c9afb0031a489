//! Tells who painted each image with a trained classifier.
//!
//! ```text
//! cargo run --release --example predict -- --model DIR IMAGE... [--top N] [--json]
//! ```
//!
//! `DIR` is a classifier folder written by painter-classify: a dense-head classifier
//! (`model.safetensors` + `classifier.json`) or a linear-probe classifier (`encoder.safetensors` +
//! `probe.json`), such as `draw-0/fold-01/model/` of a `reproduce` run.
//! For every image the painters are printed sorted by probability. Images of any size are
//! standardized to the model's input size; a file that cannot be read or decoded gets its own error
//! line and the others are still predicted. The exit status is 1 if any image failed, 2 if the model
//! could not be loaded.

use candle_core::Device;
use clap::Parser;
use painter_classify::{PainterClassifier, PretrainedEncoder, ProbeClassifier};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser, Debug)]
#[command(about = "Per-painter probabilities for image files, from a trained classifier")]
struct Args {
    /// The trained classifier folder.
    #[arg(long, value_name = "DIR")]
    model: PathBuf,
    /// Image files (JPEG, PNG, WebP, TIFF, BMP, GIF).
    #[arg(required = true, value_name = "IMAGE")]
    images: Vec<PathBuf>,
    /// Print only the N most probable painters per image (all by default).
    #[arg(long)]
    top: Option<usize>,
    /// Print one JSON object per image instead of text.
    #[arg(long)]
    json: bool,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let loaded = if ProbeClassifier::is_probe_dir(&args.model) {
        ProbeClassifier::load(&args.model, &Device::Cpu).map(|m| {
            let names = m.class_names().to_vec();
            (m.predict_files(&args.images, &Device::Cpu), names)
        })
    } else {
        PainterClassifier::<PretrainedEncoder>::load(&args.model, &Device::Cpu)
            .map(|m| (m.predict_files(&args.images), m.class_names().to_vec()))
    };
    let (results, class_names) = match loaded {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot load the model: {e}");
            return ExitCode::from(2);
        }
    };
    let mut failed = 0usize;
    for (path, result) in args.images.iter().zip(results) {
        match result {
            Ok(pred) => {
                let mut ranked = pred.ranked(&class_names);
                if let Some(n) = args.top {
                    ranked.truncate(n);
                }
                if args.json {
                    let painters: Vec<serde_json::Value> = ranked
                        .iter()
                        .map(|(name, p)| serde_json::json!({ "painter": name, "probability": p }))
                        .collect();
                    println!(
                        "{}",
                        serde_json::json!({ "image": path.display().to_string(), "painters": painters })
                    );
                } else {
                    println!("{}", path.display());
                    for (name, p) in ranked {
                        println!("  {:6.2}%  {name}", 100.0 * p);
                    }
                }
            }
            Err(e) => {
                failed += 1;
                if args.json {
                    println!(
                        "{}",
                        serde_json::json!({ "image": path.display().to_string(), "error": e.to_string() })
                    );
                } else {
                    eprintln!("{}: error: {e}", path.display());
                }
            }
        }
    }
    if failed > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
