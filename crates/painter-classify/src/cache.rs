//! [`FeatureCache`]: latent maps of a frozen encoder, computed once per image (and augmented view),
//! so training the head does not run the encoder every epoch. This is what makes k-fold
//! cross-validation cheap: one cache serves every fold.
//!
//! View 0 of every image is the plain (standardized, unaugmented) image; with augmentation on, views
//! `1..=augmented_views` are augmented with the epoch key set to the view number, so they are
//! reproducible. Features are stored in memory or on disk (one safetensors file per image and view,
//! written atomically), as `f32` or `f16`.

use crate::error::{ClassifyError, Result};
use crate::extractor::FeatureExtractor;
use crate::images::load_images;
use crate::preprocess::Preprocessing;
use crate::train_config::CacheConfig;
use candle_core::{DType, Device, Tensor};
use painter_data::{Augmentation, Dataset};
use painter_io::write_json;
use painter_train::{read_tensors, write_tensors};
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

const META: &str = "cache.json";
const TENSOR: &str = "latent";

#[derive(Debug)]
enum Store {
    Memory(HashMap<(usize, usize), Tensor>),
    Disk(PathBuf),
}

/// Cached latent maps of a set of dataset indices: view 0 (plain) and `augmented_views` augmented
/// views of each.
#[derive(Debug)]
pub struct FeatureCache {
    store: Store,
    latent_shape: (usize, usize, usize),
    augmented_views: usize,
    device: Device,
    indices: std::collections::HashSet<usize>,
}

#[derive(serde::Serialize, serde::Deserialize, PartialEq)]
struct Meta {
    fingerprint: String,
    latent_shape: (usize, usize, usize),
    augmented_views: usize,
    half: bool,
    indices: Vec<usize>,
}

/// A fingerprint of the encoder weights, the preprocessing, the dataset and the augmentation: an
/// on-disk cache is reused only when it matches.
fn fingerprint<E: FeatureExtractor>(
    encoder: &E,
    preprocessing: &Preprocessing,
    dataset: &dyn Dataset,
    augmentation_key: &str,
) -> Result<String> {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    for (name, t) in encoder.named_tensors() {
        name.hash(&mut h);
        t.dims().hash(&mut h);
        for v in t.flatten_all()?.to_dtype(DType::F32)?.to_vec1::<f32>()? {
            v.to_bits().hash(&mut h);
        }
    }
    format!("{preprocessing:?}").hash(&mut h);
    dataset.len().hash(&mut h);
    dataset.class_names().hash(&mut h);
    dataset.image_size().hash(&mut h);
    augmentation_key.hash(&mut h);
    Ok(format!("{:016x}", h.finish()))
}

fn file_for(dir: &Path, view: usize, index: usize) -> PathBuf {
    dir.join(format!("v{view}"))
        .join(format!("{index}.safetensors"))
}

impl FeatureCache {
    /// Computes (or, for a matching on-disk cache, reuses) the latent maps of `indices`.
    ///
    /// `augment` (with a key describing it, for the disk cache) produces views `1..=augmented_views`;
    /// pass `None` and 0 for the plain view only. Returns `None` for [`CacheConfig::Off`].
    #[allow(clippy::too_many_arguments)]
    pub fn build<E: FeatureExtractor>(
        encoder: &E,
        preprocessing: &Preprocessing,
        dataset: &dyn Dataset,
        indices: &[usize],
        augment: Option<(&dyn Augmentation, &str)>,
        augmented_views: usize,
        config: &CacheConfig,
        batch_size: usize,
        device: &Device,
        verbose: bool,
    ) -> Result<Option<Self>> {
        let (half, dir) = match config {
            CacheConfig::Off => return Ok(None),
            CacheConfig::Memory { half } => (*half, None),
            CacheConfig::Disk { dir, half } => (*half, Some(dir.clone())),
        };
        let augmented_views = if augment.is_some() {
            augmented_views
        } else {
            0
        };
        let mut unique: Vec<usize> = indices.to_vec();
        unique.sort_unstable();
        unique.dedup();
        if let Some(&bad) = unique.iter().find(|&&i| i >= dataset.len()) {
            return Err(ClassifyError::Data(
                painter_data::DatasetError::IndexOutOfRange {
                    index: bad,
                    len: dataset.len(),
                },
            ));
        }
        let latent_shape = encoder.latent_shape();
        let dtype = if half { DType::F16 } else { DType::F32 };
        let meta = match &dir {
            Some(_) => Some(Meta {
                fingerprint: fingerprint(
                    encoder,
                    preprocessing,
                    dataset,
                    augment.map_or("", |(_, k)| k),
                )?,
                latent_shape,
                augmented_views,
                half,
                indices: unique.clone(),
            }),
            None => None,
        };
        if let (Some(dir), Some(meta)) = (&dir, &meta) {
            if let Ok(bytes) = std::fs::read(dir.join(META)) {
                if serde_json::from_slice::<Meta>(&bytes).ok().as_ref() == Some(meta) {
                    if verbose {
                        eprintln!("feature cache: reusing {}", dir.display());
                    }
                    return Ok(Some(Self {
                        store: Store::Disk(dir.clone()),
                        latent_shape,
                        augmented_views,
                        device: device.clone(),
                        indices: unique.into_iter().collect(),
                    }));
                }
            }
            // Stale or absent: the description is rewritten only after every file is in place.
            let _ = std::fs::remove_file(dir.join(META));
        }
        let total = unique.len() * (1 + augmented_views);
        let bar = crate::progress::bar(total, "encoding features", verbose);
        let mut memory = HashMap::new();
        for view in 0..=augmented_views {
            for chunk in unique.chunks(batch_size.max(1)) {
                let aug = if view == 0 {
                    None
                } else {
                    augment.map(|(a, _)| (a, view as u64))
                };
                let images = load_images(dataset, chunk, preprocessing, aug)?;
                let x = preprocessing.to_tensor(images, device)?;
                let latent = encoder.extract(&x)?.detach().to_dtype(dtype)?;
                for (k, &index) in chunk.iter().enumerate() {
                    let one = latent.get(k)?.contiguous()?;
                    match &dir {
                        Some(dir) => write_tensor(&file_for(dir, view, index), &one)?,
                        None => {
                            memory.insert((view, index), one);
                        }
                    }
                }
                bar.inc(chunk.len() as u64);
            }
        }
        bar.finish_and_clear();
        let store = match (dir, meta) {
            (Some(dir), Some(meta)) => {
                write_json(&dir.join(META), &meta)?;
                Store::Disk(dir)
            }
            _ => Store::Memory(memory),
        };
        Ok(Some(Self {
            store,
            latent_shape,
            augmented_views,
            device: device.clone(),
            indices: unique.into_iter().collect(),
        }))
    }

    /// The number of augmented views per image (0 without augmentation).
    pub fn augmented_views(&self) -> usize {
        self.augmented_views
    }

    /// The `(C, H, W)` of the cached maps.
    pub fn latent_shape(&self) -> (usize, usize, usize) {
        self.latent_shape
    }

    /// Whether dataset index `index` is cached.
    pub fn contains(&self, index: usize) -> bool {
        self.indices.contains(&index)
    }

    /// The cached maps of `indices`, view `views[k]` for `indices[k]`, stacked to `N x C x H x W`
    /// (in the stored type; the head converts to `f32`).
    pub fn batch(&self, indices: &[usize], views: &[usize]) -> Result<Tensor> {
        if indices.len() != views.len() || indices.is_empty() {
            return Err(ClassifyError::Empty(format!(
                "{} indices and {} views asked of the feature cache",
                indices.len(),
                views.len()
            )));
        }
        let mut parts = Vec::with_capacity(indices.len());
        for (&i, &v) in indices.iter().zip(views) {
            if v > self.augmented_views || !self.contains(i) {
                return Err(ClassifyError::NotCached {
                    sample: i,
                    view: Some(v),
                });
            }
            let t = match &self.store {
                Store::Memory(m) => m.get(&(v, i)).cloned().ok_or(ClassifyError::NotCached {
                    sample: i,
                    view: Some(v),
                })?,
                Store::Disk(dir) => read_tensor(&file_for(dir, v, i), &self.device)?,
            };
            parts.push(t);
        }
        Ok(Tensor::stack(&parts, 0)?)
    }
}

fn write_tensor(path: &Path, t: &Tensor) -> Result<()> {
    write_tensors(path, &[(TENSOR.to_string(), t.clone())])?;
    Ok(())
}

fn read_tensor(path: &Path, device: &Device) -> Result<Tensor> {
    let bad = |message: String| ClassifyError::FeatureCacheFile {
        path: path.to_path_buf(),
        message,
    };
    let mut map = read_tensors(path, device).map_err(|e| bad(e.to_string()))?;
    map.remove(TENSOR)
        .ok_or_else(|| bad(format!("holds no `{TENSOR}` tensor")))
}
