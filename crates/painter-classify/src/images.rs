//! Reading dataset images for the classifier: decode (by the dataset), standardize to the model's
//! size, augment (keyed by dataset index and epoch), in parallel.

use crate::error::{ClassifyError, Result};
use crate::preprocess::Preprocessing;
use crate::train_config::AugmentConfig;
use image::RgbImage;
use painter_data::{Augmentation, Compose, Dataset, HorizontalFlip, RandomCrop};
use rayon::prelude::*;

/// Builds painter-data's augmentation pipeline for `cfg` (flip, then random resized crop), or `None`
/// when no augmentation is on.
pub fn augmentation(cfg: &AugmentConfig, seed: u64) -> Result<Option<Compose>> {
    if !cfg.is_active() {
        return Ok(None);
    }
    let bad = |e: painter_data::AugmentError| ClassifyError::InvalidConfig(e.to_string());
    let mut c = Compose::new();
    if cfg.horizontal_flip > 0.0 {
        c = c.then(HorizontalFlip::new(cfg.horizontal_flip, seed).map_err(bad)?);
    }
    if let Some(min) = cfg.crop_min_scale {
        c = c.then(RandomCrop::new(min, 1.0, seed).map_err(bad)?);
    }
    Ok(Some(c))
}

/// The standardized (and, with `augment`, augmented for `epoch`) images of `indices`, in order.
pub fn load_images(
    dataset: &dyn Dataset,
    indices: &[usize],
    preprocessing: &Preprocessing,
    augment: Option<(&dyn Augmentation, u64)>,
) -> Result<Vec<RgbImage>> {
    indices
        .par_iter()
        .map(|&i| {
            let img = dataset.get(i)?.image;
            let img = preprocessing.standardize_image(img, &format!("<dataset sample {i}>"))?;
            match augment {
                Some((a, epoch)) => a.apply(img, i, epoch).map_err(|e| ClassifyError::Image {
                    path: format!("<dataset sample {i}>").into(),
                    message: e.to_string(),
                }),
                None => Ok(img),
            }
        })
        .collect()
}

/// The labels of `indices`, checked to lie in `0..num_classes`.
pub fn load_labels(
    dataset: &dyn Dataset,
    indices: &[usize],
    num_classes: usize,
) -> Result<Vec<u32>> {
    indices
        .iter()
        .map(|&i| match dataset.label(i)? {
            Some(l) if l < num_classes => Ok(l as u32),
            Some(l) => Err(ClassifyError::BadLabel {
                index: i,
                message: format!("label {l} outside 0..{num_classes}"),
            }),
            None => Err(ClassifyError::BadLabel {
                index: i,
                message: "the sample has no label".into(),
            }),
        })
        .collect()
}
