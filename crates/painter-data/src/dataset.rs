//! The [`Dataset`] trait: a finite, indexable collection of standardized images with optional labels.

use image::RgbImage;
use std::path::PathBuf;

/// One image of a dataset, already standardized to the dataset's square size, with its label.
#[derive(Debug, Clone)]
pub struct Sample {
    /// The standardized RGB image (`size x size`).
    pub image: RgbImage,
    /// The class index into [`Dataset::class_names`], or `None` for an unlabeled dataset.
    pub label: Option<usize>,
}

/// Errors raised while building or reading a dataset.
#[derive(Debug, thiserror::Error)]
pub enum DatasetError {
    /// The root folder does not exist or is not a folder.
    #[error("dataset root {0} does not exist or is not a folder")]
    MissingRoot(PathBuf),
    /// The root holds no class folder (labelled) or no image (unlabeled).
    #[error("dataset root {0} holds no images")]
    EmptyRoot(PathBuf),
    /// A class folder holds no readable image.
    #[error("class `{class}` ({path}) holds no images")]
    EmptyClass {
        /// The class name (the folder's name).
        class: String,
        /// The class folder.
        path: PathBuf,
    },
    /// An index past the end of the dataset.
    #[error("index {index} out of range for a dataset of {len} samples")]
    IndexOutOfRange {
        /// The index asked for.
        index: usize,
        /// The dataset's length.
        len: usize,
    },
    /// A named class is not in the dataset.
    #[error("unknown class `{0}`")]
    UnknownClass(String),
    /// More samples per class were asked for than a class holds.
    #[error("class `{class}` has {available} samples, {requested} were requested")]
    NotEnoughSamples {
        /// The class name.
        class: String,
        /// How many it holds.
        available: usize,
        /// How many were asked for.
        requested: usize,
    },
    /// An image could not be read or decoded; the message names the file.
    #[error("image {path}: {message}")]
    Image {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// A file-system error, with the path involved.
    #[error("{path}: {source}")]
    Io {
        /// The path involved.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The on-disk cache is corrupt or does not match its description.
    #[error("cache {path}: {message}")]
    Cache {
        /// The cache folder or file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// An invalid setting (size zero, empty selection, ...).
    #[error("invalid setting: {0}")]
    InvalidSetting(String),
    /// Building a batch failed.
    #[error(transparent)]
    Batch(#[from] crate::BatchError),
    /// An augmentation failed or was misconfigured.
    #[error(transparent)]
    Augment(#[from] crate::augment::AugmentError),
}

/// A finite, indexable collection of standardized images, each with an optional label.
///
/// Implementations must be cheap to share between threads: the batcher reads samples in parallel.
pub trait Dataset: Send + Sync {
    /// The number of samples.
    fn len(&self) -> usize;

    /// Whether the dataset holds no sample.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Reads one sample (decoded and standardized, or read from a cache).
    fn get(&self, index: usize) -> Result<Sample, DatasetError>;

    /// The class names, indexed by label; empty for an unlabeled dataset.
    fn class_names(&self) -> &[String];

    /// The label of sample `index` without reading its pixels (`None` when unlabeled).
    fn label(&self, index: usize) -> Result<Option<usize>, DatasetError>;

    /// The side of the square images this dataset yields.
    fn image_size(&self) -> u32;
}

impl<D: Dataset + ?Sized> Dataset for &D {
    fn len(&self) -> usize {
        (**self).len()
    }
    fn get(&self, index: usize) -> Result<Sample, DatasetError> {
        (**self).get(index)
    }
    fn class_names(&self) -> &[String] {
        (**self).class_names()
    }
    fn label(&self, index: usize) -> Result<Option<usize>, DatasetError> {
        (**self).label(index)
    }
    fn image_size(&self) -> u32 {
        (**self).image_size()
    }
}

impl<D: Dataset + ?Sized> Dataset for std::sync::Arc<D> {
    fn len(&self) -> usize {
        (**self).len()
    }
    fn get(&self, index: usize) -> Result<Sample, DatasetError> {
        (**self).get(index)
    }
    fn class_names(&self) -> &[String] {
        (**self).class_names()
    }
    fn label(&self, index: usize) -> Result<Option<usize>, DatasetError> {
        (**self).label(index)
    }
    fn image_size(&self) -> u32 {
        (**self).image_size()
    }
}
