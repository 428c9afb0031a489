//! [`InMemoryDataset`]: a dataset read once (in parallel) and kept in memory, so the epochs of a
//! training run do not read or decode the same images again.

use crate::dataset::item;
use crate::progress::progress_bar;
use crate::{Dataset, DatasetError, Sample};
use image::RgbImage;
use rayon::prelude::*;

/// Every sample of another dataset, read once and held in memory (3 bytes per pixel).
#[derive(Debug, Clone)]
pub struct InMemoryDataset {
    images: Vec<RgbImage>,
    labels: Vec<Option<usize>>,
    class_names: Vec<String>,
    image_size: u32,
}

impl InMemoryDataset {
    /// A dataset of these images, square of side `image_size`, with these labels (`None`:
    /// unlabeled) into `class_names`.
    ///
    /// Fails with [`DatasetError::InvalidSetting`] when the counts of images and labels differ,
    /// an image is not `image_size` square, or a label is not a class.
    pub fn new(
        image_size: u32,
        images: Vec<RgbImage>,
        labels: Vec<Option<usize>>,
        class_names: Vec<String>,
    ) -> Result<Self, DatasetError> {
        let invalid = |m: String| Err(DatasetError::InvalidSetting(m));
        if images.len() != labels.len() {
            return invalid(format!("{} images, {} labels", images.len(), labels.len()));
        }
        if let Some(i) = images
            .iter()
            .position(|m| m.dimensions() != (image_size, image_size))
        {
            return invalid(format!("image {i} is not {image_size}x{image_size}"));
        }
        if let Some(i) = labels
            .iter()
            .position(|l| l.is_some_and(|l| l >= class_names.len()))
        {
            return invalid(format!(
                "label of image {i} is not one of {} classes",
                class_names.len()
            ));
        }
        Ok(Self {
            images,
            labels,
            class_names,
            image_size,
        })
    }

    /// Reads every sample of `source` in parallel, showing a progress bar if `progress`.
    pub fn load(source: &dyn Dataset, progress: bool) -> Result<Self, DatasetError> {
        let bar = progress_bar(
            source.len(),
            progress,
            "loading images {wide_bar} {pos}/{len} {elapsed}",
        );
        let samples: Vec<Sample> = (0..source.len())
            .into_par_iter()
            .map(|i| {
                let s = source.get(i);
                bar.inc(1);
                s
            })
            .collect::<Result<_, _>>()?;
        bar.finish_and_clear();
        let (images, labels) = samples.into_iter().map(|s| (s.image, s.label)).unzip();
        Ok(Self {
            images,
            labels,
            class_names: source.class_names().to_vec(),
            image_size: source.image_size(),
        })
    }

    /// The bytes of pixel data held.
    pub fn bytes(&self) -> usize {
        self.images.iter().map(|i| i.as_raw().len()).sum()
    }
}

impl Dataset for InMemoryDataset {
    fn len(&self) -> usize {
        self.images.len()
    }

    fn get(&self, index: usize) -> Result<Sample, DatasetError> {
        Ok(Sample {
            image: item(&self.images, index)?.clone(),
            label: self.label(index)?,
        })
    }

    fn class_names(&self) -> &[String] {
        &self.class_names
    }

    fn label(&self, index: usize) -> Result<Option<usize>, DatasetError> {
        item(&self.labels, index).copied()
    }

    fn image_size(&self) -> u32 {
        self.image_size
    }
}
