//! The [`Batcher`]: seeded, shuffled mini-batches of a [`Dataset`] as typed [`ImageBatch`]es.
//!
//! The order of an epoch is a pure function of `(seed, epoch)`; the samples of a batch are read (and
//! augmented) in parallel with rayon, so only one batch of pixels is in memory at a time.
//!
//! ```
//! # use image::RgbImage;
//! # use painter_data::{Dataset, DatasetError, Sample};
//! use candle_core::Device;
//! use painter_data::batcher::{Batcher, BatcherConfig, LastBatch};
//! # struct Toy;
//! # impl Dataset for Toy {
//! #     fn len(&self) -> usize { 10 }
//! #     fn get(&self, i: usize) -> Result<Sample, DatasetError> {
//! #         Ok(Sample { image: RgbImage::new(8, 8), label: Some(i % 2) })
//! #     }
//! #     fn class_names(&self) -> &[String] { &[] }
//! #     fn label(&self, i: usize) -> Result<Option<usize>, DatasetError> { Ok(None) }
//! #     fn image_size(&self) -> u32 { 8 }
//! # }
//! let config = BatcherConfig { batch_size: 4, shuffle: true, seed: 1, last_batch: LastBatch::Keep };
//! let batcher = Batcher::new(Toy, config, Device::Cpu).unwrap();
//! assert_eq!(batcher.num_batches(), 3); // 4 + 4 + 2
//! let sizes: Vec<usize> = batcher.epoch(0).map(|b| b.unwrap().len()).collect();
//! assert_eq!(sizes, [4, 4, 2]);
//! ```

use crate::augment::{keyed_rng, Augmentation};
use crate::{Dataset, DatasetError, ImageBatch};
use candle_core::Device;
use image::RgbImage;
use rand::seq::SliceRandom;
use rayon::prelude::*;
use std::sync::Arc;

/// Stream number for epoch shuffles.
const STREAM_SHUFFLE: u64 = 0x7368_7566; // "shuf"

/// What to do with a last batch smaller than the batch size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LastBatch {
    /// Yield it (every sample is seen once per epoch).
    #[default]
    Keep,
    /// Drop it (every batch has exactly `batch_size` samples).
    Drop,
}

/// Settings of a [`Batcher`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatcherConfig {
    /// Samples per batch (at least 1).
    pub batch_size: usize,
    /// Whether each epoch visits the samples in a new random order (else in index order).
    pub shuffle: bool,
    /// The seed of the shuffles.
    pub seed: u64,
    /// The policy for a short last batch.
    pub last_batch: LastBatch,
}

impl Default for BatcherConfig {
    /// Batches of 32, shuffled with seed 0, short last batch kept.
    fn default() -> Self {
        Self {
            batch_size: 32,
            shuffle: true,
            seed: 0,
            last_batch: LastBatch::Keep,
        }
    }
}

impl BatcherConfig {
    /// Checks the settings: `batch_size` must be at least 1.
    pub fn validate(&self) -> Result<(), DatasetError> {
        crate::dataset::at_least_one("batch_size", self.batch_size as u64)
    }
}

/// Yields mini-batches of a dataset (or of some of its indices) on a device, epoch by epoch.
pub struct Batcher<D> {
    dataset: D,
    config: BatcherConfig,
    device: Device,
    indices: Vec<usize>,
    augmentation: Option<Arc<dyn Augmentation>>,
}

impl<D: std::fmt::Debug> std::fmt::Debug for Batcher<D> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Batcher")
            .field("dataset", &self.dataset)
            .field("config", &self.config)
            .field("device", &self.device)
            .field("samples", &self.indices.len())
            .field("augmentation", &self.augmentation.is_some())
            .finish()
    }
}

impl<D: Dataset> Batcher<D> {
    /// A batcher over every sample of `dataset`. Fails if the config is invalid.
    pub fn new(dataset: D, config: BatcherConfig, device: Device) -> Result<Self, DatasetError> {
        config.validate()?;
        let indices = (0..dataset.len()).collect();
        Ok(Self {
            dataset,
            config,
            device,
            indices,
            augmentation: None,
        })
    }

    /// Restricts the batcher to the dataset samples `indices` (e.g. the training part of a
    /// cross-validation fold). Fails with [`DatasetError::IndexOutOfRange`] for an index past the end.
    pub fn with_indices(mut self, indices: Vec<usize>) -> Result<Self, DatasetError> {
        let len = self.dataset.len();
        if let Some(&index) = indices.iter().find(|&&i| i >= len) {
            return Err(DatasetError::IndexOutOfRange { index, len });
        }
        self.indices = indices;
        Ok(self)
    }

    /// Sets a per-sample augmentation, called with `(image, dataset index, epoch)` after reading.
    pub fn with_augmentation<A: Augmentation + 'static>(mut self, augmentation: A) -> Self {
        self.augmentation = Some(Arc::new(augmentation));
        self
    }

    /// Like [`Batcher::with_augmentation`], for an augmentation already shared.
    pub fn with_shared_augmentation(mut self, augmentation: Arc<dyn Augmentation>) -> Self {
        self.augmentation = Some(augmentation);
        self
    }

    /// The dataset.
    pub fn dataset(&self) -> &D {
        &self.dataset
    }

    /// The settings.
    pub fn config(&self) -> &BatcherConfig {
        &self.config
    }

    /// The device batches are put on.
    pub fn device(&self) -> &Device {
        &self.device
    }

    /// The number of samples an epoch draws from (before the last-batch policy).
    pub fn num_samples(&self) -> usize {
        self.indices.len()
    }

    /// The number of batches per epoch.
    pub fn num_batches(&self) -> usize {
        let n = self.indices.len();
        let b = self.config.batch_size.max(1);
        match self.config.last_batch {
            LastBatch::Keep => n.div_ceil(b),
            LastBatch::Drop => n / b,
        }
    }

    /// The dataset indices of every batch of epoch `epoch`, in order (a pure function of the seed,
    /// the epoch and the index list).
    pub fn epoch_plan(&self, epoch: u64) -> Vec<Vec<usize>> {
        let mut order = self.indices.clone();
        if self.config.shuffle {
            let mut rng = keyed_rng(self.config.seed, epoch, 0, STREAM_SHUFFLE);
            order.shuffle(&mut rng);
        }
        let b = self.config.batch_size.max(1);
        order
            .chunks(b)
            .take(self.num_batches())
            .map(<[usize]>::to_vec)
            .collect()
    }

    /// Reads the samples `indices` (in parallel), augments them for `epoch`, and stacks them into a
    /// batch on the device. The batch is labelled when the dataset has classes.
    pub fn load_batch(&self, indices: &[usize], epoch: u64) -> Result<ImageBatch, DatasetError> {
        let labelled = !self.dataset.class_names().is_empty();
        let samples: Vec<(RgbImage, Option<usize>)> = indices
            .par_iter()
            .map(|&i| {
                let sample = self.dataset.get(i)?;
                let image = match &self.augmentation {
                    Some(aug) => aug.apply(sample.image, i, epoch)?,
                    None => sample.image,
                };
                Ok((image, sample.label))
            })
            .collect::<Result<_, DatasetError>>()?;
        let labels = if labelled {
            let mut out = Vec::with_capacity(samples.len());
            for ((_, label), &i) in samples.iter().zip(indices) {
                match label {
                    Some(l) => out.push(u32::try_from(*l).map_err(|_| {
                        DatasetError::InvalidSetting(format!(
                            "label {l} of sample {i} is too large"
                        ))
                    })?),
                    None => {
                        return Err(DatasetError::InvalidSetting(format!(
                            "sample {i} of a labelled dataset has no label"
                        )))
                    }
                }
            }
            Some(out)
        } else {
            None
        };
        let images: Vec<RgbImage> = samples.into_iter().map(|(img, _)| img).collect();
        Ok(ImageBatch::from_images(&images, labels, &self.device)?)
    }

    /// The batches of epoch `epoch`, read lazily one at a time.
    pub fn epoch(&self, epoch: u64) -> Epoch<'_, D> {
        Epoch {
            batcher: self,
            epoch,
            plan: self.epoch_plan(epoch).into_iter(),
        }
    }

    /// Like [`Batcher::epoch`], each batch paired with its samples' dataset indices (what a
    /// batch-level augmentation such as
    /// [`PixelDropout::apply_batch`](crate::augment::PixelDropout::apply_batch) needs).
    pub fn epoch_indexed(
        &self,
        epoch: u64,
    ) -> impl Iterator<Item = Result<(Vec<usize>, ImageBatch), DatasetError>> + '_ {
        self.epoch_plan(epoch)
            .into_iter()
            .map(move |idx| self.load_batch(&idx, epoch).map(|b| (idx, b)))
    }
}

/// The iterator of one epoch's batches, from [`Batcher::epoch`].
pub struct Epoch<'a, D> {
    batcher: &'a Batcher<D>,
    epoch: u64,
    plan: std::vec::IntoIter<Vec<usize>>,
}

impl<D: Dataset> Iterator for Epoch<'_, D> {
    type Item = Result<ImageBatch, DatasetError>;

    fn next(&mut self) -> Option<Self::Item> {
        let indices = self.plan.next()?;
        Some(self.batcher.load_batch(&indices, self.epoch))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.plan.size_hint()
    }
}

impl<D: Dataset> ExactSizeIterator for Epoch<'_, D> {}
