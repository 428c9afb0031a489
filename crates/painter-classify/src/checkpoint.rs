//! Saving and loading a trained classifier: `model.safetensors` (head and encoder weights) and
//! `classifier.json` (class names, preprocessing, encoder configuration, head configuration), each
//! written atomically. A loaded model predicts exactly what it predicted before saving.

use crate::classifier::PainterClassifier;
use crate::encoder::PretrainedEncoder;
use crate::error::{ClassifyError, Result};
use crate::extractor::FeatureExtractor;
use crate::head::Head;
use crate::head_config::HeadConfig;
use crate::preprocess::Preprocessing;
use candle_core::Device;
use painter_cae::CaeConfig;
use painter_io::{read_document, write_json, DocumentError, FileError, Format};
use painter_train::{read_tensors, write_tensors};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The weights file of a classifier folder.
pub const WEIGHTS_FILE: &str = "model.safetensors";
/// The description file of a classifier folder.
pub const CONFIG_FILE: &str = "classifier.json";
const FORMAT: Format = Format::versioned("deep-painter-classifier", 1);

/// The JSON description saved beside the weights.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassifierDescription {
    /// Always `deep-painter-classifier`.
    pub format: String,
    /// The format version (1).
    pub version: u64,
    /// The painters, indexed by class.
    pub class_names: Vec<String>,
    /// How images are prepared.
    pub preprocessing: Preprocessing,
    /// The autoencoder configuration the encoder comes from.
    pub encoder: CaeConfig,
    /// The head.
    pub head: HeadConfig,
    /// The size in bytes of `model.safetensors`, to detect a weights file from another save.
    pub weights_bytes: u64,
}

impl PainterClassifier<PretrainedEncoder> {
    /// A classifier on `encoder` with a fresh head of `kind` (the paper's dense layers), images
    /// prepared at the encoder's input size.
    pub fn on_encoder(
        encoder: PretrainedEncoder,
        head: &HeadConfig,
        class_names: Vec<String>,
        seed: u64,
        device: &Device,
    ) -> Result<Self> {
        let size = u32::try_from(encoder.config().image_size)
            .map_err(|_| ClassifyError::InvalidConfig("encoder image_size too large".into()))?;
        Self::new(
            encoder,
            head,
            class_names,
            Preprocessing::new(size),
            seed,
            device,
        )
    }

    /// Writes the model into `dir` (created): weights first, then the description, each atomically.
    pub fn save(&self, dir: &Path) -> Result<()> {
        std::fs::create_dir_all(dir).map_err(FileError::at(dir))?;
        let mut tensors = self.head().named_tensors();
        tensors.extend(self.encoder().named_tensors());
        let weights_bytes = write_tensors(&dir.join(WEIGHTS_FILE), &tensors)?;
        let desc = ClassifierDescription {
            format: FORMAT.name.into(),
            version: FORMAT.version.unwrap_or_default(),
            class_names: self.class_names().to_vec(),
            preprocessing: *self.preprocessing(),
            encoder: self.encoder().config().clone(),
            head: self.head().config().clone(),
            weights_bytes,
        };
        Ok(write_json(&dir.join(CONFIG_FILE), &desc)?)
    }

    /// Reads the description of a classifier folder.
    pub fn load_description(dir: &Path) -> Result<ClassifierDescription> {
        let desc: ClassifierDescription = match read_document(&dir.join(CONFIG_FILE), &[FORMAT]) {
            Err(DocumentError::Missing { .. }) => {
                return Err(ClassifyError::MissingFile {
                    dir: dir.to_path_buf(),
                    file: CONFIG_FILE.into(),
                })
            }
            read => read?,
        };
        let bad = |message: String| ClassifyError::BadCheckpoint {
            dir: dir.to_path_buf(),
            message,
        };
        if desc.class_names.len() != desc.head.num_classes {
            return Err(ClassifyError::ClassCountMismatch {
                expected: desc.head.num_classes,
                found: desc.class_names.len(),
            });
        }
        if desc.head.latent_shape != desc.encoder.latent_shape() {
            return Err(bad(format!(
                "head built for latent maps {:?}, the encoder yields {:?}",
                desc.head.latent_shape,
                desc.encoder.latent_shape()
            )));
        }
        Ok(desc)
    }

    /// Loads a classifier folder written by [`PainterClassifier::save`] onto `device`, checking that
    /// both files are there and agree (class count, tensor names and shapes, file size).
    pub fn load(dir: &Path, device: &Device) -> Result<Self> {
        let desc = Self::load_description(dir)?;
        let weights = dir.join(WEIGHTS_FILE);
        if !weights.is_file() {
            return Err(ClassifyError::MissingFile {
                dir: dir.to_path_buf(),
                file: WEIGHTS_FILE.into(),
            });
        }
        let bad = |message: String| ClassifyError::BadCheckpoint {
            dir: dir.to_path_buf(),
            message,
        };
        let len = std::fs::metadata(&weights)
            .map_err(FileError::at(&weights))?
            .len();
        if len != desc.weights_bytes {
            return Err(bad(format!(
                "{WEIGHTS_FILE} has {len} bytes, {CONFIG_FILE} says {} (files from different saves?)",
                desc.weights_bytes
            )));
        }
        let mut tensors = read_tensors(&weights, device).map_err(|e| bad(e.to_string()))?;
        let head = Head::from_tensors(&desc.head, |n| tensors.remove(n), device)
            .map_err(|e| bad(e.to_string()))?;
        let encoder = PretrainedEncoder::from_tensors(&desc.encoder, |n| tensors.remove(n), device)
            .map_err(|e| bad(e.to_string()))?;
        if let Some(extra) = tensors.keys().next() {
            return Err(bad(format!(
                "unexpected tensor `{extra}` in {WEIGHTS_FILE}"
            )));
        }
        Self::from_parts(encoder, head, desc.class_names, desc.preprocessing, device)
    }
}
