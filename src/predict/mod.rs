//! `predict` for people: who painted each image, with how sure the model is.
//!
//! `cargo run --release --example predict -- IMAGE|DIR...` loads a model folder (the one committed
//! in `models/best` unless `--model` names another, see [`default_model_dir`]), walks folders
//! recursively ([`collect_inputs`]), and for every image prints its most probable painters with
//! their probabilities ([`Answer`]), as text or one JSON object per line. A file that cannot be
//! read gets its own error and the others go on. With a minimum confidence, an image whose most
//! probable painter is below it is answered "unknown"; the model card says, from the
//! cross-validation, how many paintings each threshold answers and how often rightly.
//!
//! ```no_run
//! use deep_painter::predict::{collect_inputs, default_model_dir, predict_inputs, PainterModel, PredictOptions};
//! use std::path::PathBuf;
//!
//! let model = PainterModel::load(&default_model_dir(), &candle_core::Device::Cpu)?;
//! let (inputs, _) = collect_inputs(&[PathBuf::from("paintings/")]);
//! let tally = predict_inputs(&model, &inputs, &PredictOptions::default(), &mut std::io::stdout())?;
//! println!("{} answered, {} unknown, {} failed", tally.answered, tally.unknown, tally.failed);
//! # Ok::<(), deep_painter::predict::PredictError>(())
//! ```

mod answer;
mod inputs;
mod model;

pub use answer::{Answer, Outcome, RankedPainter};
pub use inputs::{collect_inputs, Input};
pub use model::{default_model_dir, PainterModel};

use std::io::Write;

/// Files predicted per step (bounds the memory of decoded images; the progress bar moves by it).
pub const FILES_PER_STEP: usize = 32;
/// From this many files on, a progress bar is drawn (on a terminal's standard error).
pub const PROGRESS_FROM: usize = 64;

/// An error that stops `predict` (a file that cannot be read does not: it gets its own answer).
#[derive(Debug, thiserror::Error)]
pub enum PredictError {
    /// An option is out of range.
    #[error("invalid option: {0}")]
    InvalidOption(String),
    /// The model folder could not be loaded.
    #[error("cannot load the model: {0}")]
    Model(#[from] painter_classify::ClassifyError),
    /// The model card is unreadable.
    #[error("cannot read the model card: {0}")]
    Card(String),
    /// Writing the answers failed.
    #[error("cannot write the answers: {0}")]
    Output(#[from] std::io::Error),
}

/// How `predict` answers.
#[derive(Debug, Clone, PartialEq)]
pub struct PredictOptions {
    /// Painters listed per image, most probable first (at least 1).
    pub top: usize,
    /// One JSON object per line instead of text.
    pub json: bool,
    /// Answer "unknown" when the most probable painter's probability is below this (in [0, 1]).
    pub min_confidence: Option<f64>,
    /// Draw a progress bar from [`PROGRESS_FROM`] files on.
    pub progress: bool,
}

impl Default for PredictOptions {
    fn default() -> Self {
        Self {
            top: 3,
            json: false,
            min_confidence: None,
            progress: true,
        }
    }
}

impl PredictOptions {
    /// Checks the settings.
    pub fn validate(&self) -> Result<(), PredictError> {
        if self.top == 0 {
            return Err(PredictError::InvalidOption(
                "--top must be at least 1".into(),
            ));
        }
        if let Some(p) = self.min_confidence {
            if !(0.0..=1.0).contains(&p) {
                return Err(PredictError::InvalidOption(format!(
                    "--min-confidence must lie in [0, 1], got {p}"
                )));
            }
        }
        Ok(())
    }
}

/// How many images were answered, answered "unknown", or failed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// Images given a painter.
    pub answered: usize,
    /// Images whose most probable painter was below the minimum confidence.
    pub unknown: usize,
    /// Inputs that could not be read or predicted.
    pub failed: usize,
}

/// Predicts every input and writes one answer per input to `out` as it goes (see the
/// [module docs](self)); returns the tally.
pub fn predict_inputs(
    model: &PainterModel,
    inputs: &[Input],
    options: &PredictOptions,
    out: &mut dyn Write,
) -> Result<Tally, PredictError> {
    options.validate()?;
    let bar = painter_data::progress_bar(
        inputs.len(),
        options.progress && inputs.len() >= PROGRESS_FROM,
        "{bar:30} {pos}/{len} images ({per_sec}, {eta})",
    );
    let mut tally = Tally::default();
    for chunk in inputs.chunks(FILES_PER_STEP) {
        let files: Vec<_> = chunk.iter().filter_map(Input::file).cloned().collect();
        let mut predicted = model.predict_files(&files).into_iter();
        for input in chunk {
            let outcome = match input {
                Input::Unlisted { message, .. } => Outcome::Error(message.clone()),
                Input::File(_) => match predicted.next() {
                    Some(Ok(p)) => Answer::outcome(&p, model.class_names(), options),
                    Some(Err(e)) => Outcome::Error(e.to_string()),
                    None => Outcome::Error("no prediction was made".into()),
                },
            };
            match &outcome {
                Outcome::Painters { unknown: true, .. } => tally.unknown += 1,
                Outcome::Painters { .. } => tally.answered += 1,
                Outcome::Error(_) => tally.failed += 1,
            }
            let answer = Answer {
                file: input.path().display().to_string(),
                outcome,
            };
            let text = if options.json {
                answer.to_json_line()
            } else {
                answer.to_text(options.min_confidence)
            };
            bar.suspend(|| out.write_all(text.as_bytes()))?;
        }
        bar.inc(chunk.len() as u64);
    }
    bar.finish_and_clear();
    out.flush()?;
    Ok(tally)
}
