//! Prediction: per-painter probabilities for images in memory or image files, with a clear error per
//! file that cannot be read (the other files are still predicted).

use crate::classifier::PainterClassifier;
use crate::error::{ClassifyError, Result};
use crate::extractor::FeatureExtractor;
use image::RgbImage;
use painter_data::{load_rgb, DecodeLimits};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Images per forward pass when predicting.
pub const PREDICT_BATCH: usize = 16;

/// One image's per-painter probabilities (indexed like the model's class names; they sum to 1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Prediction {
    /// Probability of each painter.
    pub probabilities: Vec<f32>,
}

impl Prediction {
    /// The most probable class.
    pub fn best(&self) -> usize {
        self.probabilities
            .iter()
            .enumerate()
            .fold((0, f32::NEG_INFINITY), |(bi, bv), (i, &v)| {
                if v > bv {
                    (i, v)
                } else {
                    (bi, bv)
                }
            })
            .0
    }

    /// `(painter, probability)` pairs sorted by decreasing probability (ties by class order).
    pub fn ranked<'a>(&self, class_names: &'a [String]) -> Vec<(&'a str, f32)> {
        let mut pairs: Vec<(&str, f32)> = class_names
            .iter()
            .map(String::as_str)
            .zip(self.probabilities.iter().copied())
            .collect();
        pairs.sort_by(|a, b| b.1.total_cmp(&a.1));
        pairs
    }
}

impl<E: FeatureExtractor> PainterClassifier<E> {
    /// Predicts images of any size (each is standardized to the model's input size).
    pub fn predict(&self, images: &[RgbImage]) -> Result<Vec<Prediction>> {
        Ok(self
            .predict_images(images, PREDICT_BATCH)?
            .into_iter()
            .map(|probabilities| Prediction { probabilities })
            .collect())
    }

    /// Predicts one image file.
    pub fn predict_file(&self, path: &Path) -> Result<Prediction> {
        let img = read_image(path)?;
        self.predict(std::slice::from_ref(&img))?
            .pop()
            .ok_or_else(|| ClassifyError::Empty("no prediction".into()))
    }

    /// Predicts image files: one result per path, in order. A file that cannot be read or decoded
    /// gets its own error; the others are still predicted (in batches).
    pub fn predict_files(&self, paths: &[PathBuf]) -> Vec<Result<Prediction>> {
        let decoded: Vec<Result<RgbImage>> = paths.par_iter().map(|p| read_image(p)).collect();
        let mut results: Vec<Option<Result<Prediction>>> = Vec::with_capacity(paths.len());
        let mut ok_images = Vec::new();
        let mut ok_slots = Vec::new();
        for (i, d) in decoded.into_iter().enumerate() {
            match d {
                Ok(img) => {
                    ok_slots.push(i);
                    ok_images.push(img);
                    results.push(None);
                }
                Err(e) => results.push(Some(Err(e))),
            }
        }
        for (slots, images) in ok_slots
            .chunks(PREDICT_BATCH)
            .zip(ok_images.chunks(PREDICT_BATCH))
        {
            match self.predict(images) {
                Ok(preds) => {
                    for (&s, p) in slots.iter().zip(preds) {
                        results[s] = Some(Ok(p));
                    }
                }
                Err(e) => {
                    let msg = e.to_string();
                    for &s in slots {
                        results[s] = Some(Err(ClassifyError::Image {
                            path: paths[s].clone(),
                            message: format!("prediction failed: {msg}"),
                        }));
                    }
                }
            }
        }
        results
            .into_iter()
            .map(|r| r.unwrap_or_else(|| Err(ClassifyError::Empty("no prediction".into()))))
            .collect()
    }
}

/// Decodes an image file (every format painter-data reads, with its decode limits) to RGB.
pub fn read_image(path: &Path) -> Result<RgbImage> {
    load_rgb(path, &DecodeLimits::default()).map_err(|e| ClassifyError::Image {
        path: path.to_path_buf(),
        message: e.to_string(),
    })
}
