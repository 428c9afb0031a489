//! # painter-data
//!
//! Everything between a folder (or a web site) of paintings and a typed batch a model can eat:
//!
//! - decoding every format the `image` crate reads, with limits against decompression bombs, EXIF
//!   orientation honoured ([`decode`]);
//! - standardization to a square by padding, center-cropping or stretching ([`standardize`](mod@standardize));
//! - conversion to CHW `f32` in `[0, 1]` and back ([`tensor`]);
//! - the [`Dataset`] trait and the typed [`ImageBatch`] that models accept;
//! - image-folder datasets, an on-disk cache of standardized pixels, a batcher, selection helpers and
//!   augmentations;
//! - the data stage of a run in one call: a typed [`DataConfig`] in, the [`PreparedData`] out
//!   ([`prepare`]);
//! - synthetic painters, the built-in default data ([`synthetic`]);
//! - a polite, resumable WikiArt scraper ([`wikiart`]).
#![deny(missing_docs)]

pub mod augment;
pub mod batch;
pub mod batcher;
pub mod cache;
pub mod crops;
pub mod dataset;
pub mod decode;
pub mod folder;
pub mod memory;
pub mod prepare;
mod progress;
pub mod select;
pub mod shared;
pub mod standardize;
pub mod synthetic;
pub mod tensor;
pub mod wikiart;

pub use augment::{AugmentError, Augmentation, Compose, HorizontalFlip, PixelDropout, RandomCrop};
pub use batch::{BatchError, ImageBatch};
pub use batcher::{Batcher, BatcherConfig, LastBatch};
pub use cache::{CacheOptions, CacheReport, CachedDataset, PixelCache, UnreadableImage};
pub use crops::RandomCrops;
pub use dataset::{labels_of, Dataset, DatasetError, Sample, SharedDataset};
pub use decode::{decode_rgb, is_image_extension, load_rgb, DecodeError, DecodeLimits};
pub use folder::{
    FileDataset, Folder, FolderOptions, ImageFolder, SkipReason, SkippedFile, UnlabeledFolder,
};
pub use memory::InMemoryDataset;
pub use prepare::{
    CacheUse, Crops, DataConfig, DataSetting, PreparedData, PretrainingConfig, PretrainingImages,
    PretrainingSource, Source,
};
pub use progress::progress_bar;
pub use select::{restrict_classes, take_per_class, take_random, Subset};
pub use standardize::{standardize, StandardizeError, StandardizeMethod};
pub use synthetic::{SyntheticError, SyntheticPainters, SyntheticUnlabeled};
pub use tensor::{image_grid, tensor_to_image, Normalization, TensorError};
