//! The [`Dataset`] trait: a finite, indexable collection of standardized images with optional labels.

use image::RgbImage;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

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
    /// An image could not be encoded for writing.
    #[error("encoding {path}: {message}")]
    Encode {
        /// The file it was meant for.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// A file or folder could not be read or written.
    #[error(transparent)]
    Io(#[from] painter_io::FileError),
    /// The on-disk cache is corrupt or does not match its description.
    #[error("cache {path}: {message}")]
    Cache {
        /// The cache folder or file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// Images of the data could not be read: every one of them, found in one pass (set
    /// `skip_unreadable` to go on without them).
    #[error("{} unreadable image(s); set skip_unreadable to go on without them:{}", .0.len(), list_lines(.0))]
    Unreadable(Vec<UnreadableImage>),
    /// A sample that must be labelled has no label.
    #[error("sample {index} has no label")]
    Unlabeled {
        /// The sample.
        index: usize,
    },
    /// An invalid setting (size zero, empty selection, ...).
    #[error("invalid setting: {0}")]
    InvalidSetting(String),
    /// A JSON document (a cache manifest) is missing, unreadable, corrupt or of another format.
    #[error(transparent)]
    Document(#[from] painter_io::DocumentError),
    /// A setting of a data configuration is invalid.
    #[error("data setting `{setting}`: {reason}")]
    Config {
        /// The setting.
        setting: DataSetting,
        /// Why it is invalid.
        reason: String,
    },
    /// Generating the synthetic painters failed.
    #[error(transparent)]
    Synthetic(#[from] crate::synthetic::error::SyntheticError),
    /// Scraping WikiArt failed.
    #[error("WikiArt: {0}")]
    Scrape(#[from] crate::wikiart::ScrapeError),
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

/// A dataset shared between threads and stages.
pub type SharedDataset = Arc<dyn Dataset>;

/// Implements [`Dataset`] for references and shared pointers to datasets.
macro_rules! forward_dataset {
    ($($pointer:ty),+) => {$(
        impl<D: Dataset + ?Sized> Dataset for $pointer {
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
    )+};
}

forward_dataset!(&D, Arc<D>);

/// The label of every sample of a dataset, in sample order; [`DatasetError::Unlabeled`] names the
/// first sample without one.
pub fn labels_of<D: Dataset + ?Sized>(dataset: &D) -> Result<Vec<usize>, DatasetError> {
    (0..dataset.len())
        .map(|index| {
            dataset
                .label(index)?
                .ok_or(DatasetError::Unlabeled { index })
        })
        .collect()
}

/// Item `index` of `items`, or [`DatasetError::IndexOutOfRange`].
pub(crate) fn item<T>(items: &[T], index: usize) -> Result<&T, DatasetError> {
    items.get(index).ok_or(DatasetError::IndexOutOfRange {
        index,
        len: items.len(),
    })
}

/// `Ok` if `value` is at least 1, else [`DatasetError::InvalidSetting`] saying that `what` must be.
pub(crate) fn at_least_one(what: &str, value: u64) -> Result<(), DatasetError> {
    if value == 0 {
        Err(DatasetError::InvalidSetting(format!(
            "{what} must be at least 1"
        )))
    } else {
        Ok(())
    }
}

/// `Ok(index)` if it is below `len`, else [`DatasetError::IndexOutOfRange`].
pub(crate) fn checked_index(index: usize, len: usize) -> Result<usize, DatasetError> {
    if index < len {
        Ok(index)
    } else {
        Err(DatasetError::IndexOutOfRange { index, len })
    }
}

/// The unreadable images, one per line.
fn list_lines(images: &[UnreadableImage]) -> String {
    images.iter().map(|u| format!("\n  {u}")).collect()
}

/// A source sample that could not be read: left out of the cache.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnreadableImage {
    /// Its index in the source dataset.
    pub index: usize,
    /// Its label in the source dataset (`None` when unlabeled).
    pub label: Option<usize>,
    /// Its file.
    pub path: PathBuf,
    /// Why it could not be read.
    pub message: String,
}

impl fmt::Display for UnreadableImage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.message)
    }
}

/// A setting of a [`DataConfig`](crate::prepare::DataConfig), as validation errors name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataSetting {
    /// [`DataConfig::source`](crate::prepare::DataConfig::source).
    Source,
    /// [`DataConfig::painters`](crate::prepare::DataConfig::painters).
    Painters,
    /// [`DataConfig::image_size`](crate::prepare::DataConfig::image_size).
    ImageSize,
    /// [`PretrainingConfig::source`](crate::prepare::PretrainingConfig::source).
    PretrainingSource,
    /// [`PretrainingConfig::image_size`](crate::prepare::PretrainingConfig::image_size).
    PretrainingImageSize,
    /// [`PretrainingConfig::limit`](crate::prepare::PretrainingConfig::limit).
    PretrainingLimit,
    /// [`PretrainingConfig::crops`](crate::prepare::PretrainingConfig::crops).
    PretrainingCrops,
    /// [`DataConfig::cache_dir`](crate::prepare::DataConfig::cache_dir).
    CacheDir,
}

impl fmt::Display for DataSetting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Source => "source",
            Self::Painters => "painters",
            Self::ImageSize => "image_size",
            Self::PretrainingSource => "pretraining.source",
            Self::PretrainingImageSize => "pretraining.image_size",
            Self::PretrainingLimit => "pretraining.limit",
            Self::PretrainingCrops => "pretraining.crops",
            Self::CacheDir => "cache_dir",
        })
    }
}
