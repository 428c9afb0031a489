//! [`PainterModel`]: a saved classifier folder, whichever kind it holds (a linear probe on the
//! encoders' statistics, or a dense head), with its model card when it has one.

use super::PredictError;
use crate::pipeline::card::ModelCard;
use candle_core::Device;
use painter_classify::{
    ClassifyError, PainterClassifier, Prediction, PretrainedEncoder, ProbeClassifier,
};
use std::path::{Path, PathBuf};

/// The model folder committed in the repository (`models/best`), which `predict` uses when no
/// `--model` is given.
pub fn default_model_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("models")
        .join("best")
}

/// The classifier of a model folder.
#[derive(Debug)]
enum Classifier {
    Probe(Box<ProbeClassifier>),
    Dense(Box<PainterClassifier<PretrainedEncoder>>),
}

/// A loaded model folder (see the [module docs](self)).
#[derive(Debug)]
pub struct PainterModel {
    classifier: Classifier,
    card: Option<ModelCard>,
    dir: PathBuf,
    device: Device,
}

impl PainterModel {
    /// Loads the model of `dir`: a probe classifier (`probe.json`) or a dense-head classifier,
    /// and its card (`card.json`) when there is one.
    pub fn load(dir: &Path, device: &Device) -> Result<Self, PredictError> {
        if !dir.is_dir() {
            return Err(PredictError::Model(ClassifyError::MissingFile {
                dir: dir.to_path_buf(),
                file: painter_classify::PROBE_FILE.into(),
            }));
        }
        let classifier = if ProbeClassifier::is_probe_dir(dir) {
            Classifier::Probe(Box::new(ProbeClassifier::load(dir, device)?))
        } else {
            Classifier::Dense(Box::new(PainterClassifier::load(dir, device)?))
        };
        let card = ModelCard::load(dir).map_err(|e| PredictError::Card(e.to_string()))?;
        Ok(Self {
            classifier,
            card,
            dir: dir.to_path_buf(),
            device: device.clone(),
        })
    }

    /// The painters, in label order.
    pub fn class_names(&self) -> &[String] {
        match &self.classifier {
            Classifier::Probe(m) => m.class_names(),
            Classifier::Dense(m) => m.class_names(),
        }
    }

    /// The model card, when the folder has one.
    pub fn card(&self) -> Option<&ModelCard> {
        self.card.as_ref()
    }

    /// The folder it was loaded from.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Predicts image files, one result per path: a file that cannot be read gets its own error.
    pub fn predict_files(&self, paths: &[PathBuf]) -> Vec<Result<Prediction, ClassifyError>> {
        match &self.classifier {
            Classifier::Probe(m) => m.predict_files(paths, &self.device),
            Classifier::Dense(m) => m.predict_files(paths),
        }
    }
}
