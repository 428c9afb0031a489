//! [`InMemoryDataset`]: a dataset read once (in parallel) and kept in memory, so the epochs of a
//! pretraining run do not decode the same files again.

use image::RgbImage;
use indicatif::{ProgressBar, ProgressStyle};
use painter_data::{Dataset, DatasetError, Sample};
use rayon::prelude::*;

/// Every sample of another dataset, decoded once and held in memory (3 bytes per pixel).
#[derive(Debug, Clone)]
pub struct InMemoryDataset {
    images: Vec<RgbImage>,
    labels: Vec<Option<usize>>,
    class_names: Vec<String>,
    image_size: u32,
}

impl InMemoryDataset {
    /// Reads every sample of `source` in parallel, showing a progress bar if `progress`.
    pub fn load(source: &dyn Dataset, progress: bool) -> Result<Self, DatasetError> {
        let n = source.len();
        let bar = if progress {
            let bar = ProgressBar::new(n as u64);
            if let Ok(style) =
                ProgressStyle::with_template("loading images {wide_bar} {pos}/{len} {elapsed}")
            {
                bar.set_style(style);
            }
            bar
        } else {
            ProgressBar::hidden()
        };
        let samples: Vec<Sample> = (0..n)
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
        let image = self
            .images
            .get(index)
            .ok_or(DatasetError::IndexOutOfRange {
                index,
                len: self.images.len(),
            })?
            .clone();
        let label = self.labels.get(index).copied().flatten();
        Ok(Sample { image, label })
    }

    fn class_names(&self) -> &[String] {
        &self.class_names
    }

    fn label(&self, index: usize) -> Result<Option<usize>, DatasetError> {
        self.labels
            .get(index)
            .copied()
            .ok_or(DatasetError::IndexOutOfRange {
                index,
                len: self.labels.len(),
            })
    }

    fn image_size(&self) -> u32 {
        self.image_size
    }
}
