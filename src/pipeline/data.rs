//! The data stage: gathers the labelled paintings (a folder, a WikiArt scrape, or the built-in
//! synthetic painters) and the images to pretrain on, standardizes them once into painter-data's
//! on-disk pixel cache, keeps the named painters, and draws `per_painter` images per painter.

use super::{DataSource, PipelineError, ReproduceOptions};
use painter_data::cache::{CacheOptions, PixelCache};
use painter_data::folder::{FolderOptions, ImageFolder, UnlabeledFolder};
use painter_data::select::{restrict_classes, take_per_class, Subset};
use painter_data::synthetic::{SyntheticPainters, SyntheticUnlabeled};
use painter_data::wikiart::{run_scrape, ScrapeConfig};
use painter_data::{Dataset, RandomCrops};
use rand::seq::SliceRandom;
use rand::SeedableRng;
use std::path::Path;
use std::sync::Arc;

/// A shared, thread-safe dataset.
pub type SharedDataset = Arc<dyn Dataset>;

/// What the pretraining stage trains on.
#[derive(Clone)]
pub struct PretrainingImages {
    /// The images (labels, if any, are ignored).
    pub dataset: SharedDataset,
    /// Where they come from, for the report.
    pub description: String,
    /// Whether these are the labelled images themselves: then pretraining sees the pixels (never
    /// the labels) of images that are validation images in some fold.
    pub includes_evaluation_images: bool,
}

impl std::fmt::Debug for PretrainingImages {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PretrainingImages")
            .field("images", &self.dataset.len())
            .field("description", &self.description)
            .field(
                "includes_evaluation_images",
                &self.includes_evaluation_images,
            )
            .finish()
    }
}

/// The gathered data: every image of the selected painters, and the pretraining images.
#[derive(Clone)]
pub struct GatheredData {
    /// The labelled images of the selected painters (labels in the order of `--painters`, else
    /// the folder's sorted order), standardized.
    pub labelled: SharedDataset,
    /// The images to pretrain the CAE on.
    pub pretraining: PretrainingImages,
    /// Where the labelled data comes from.
    pub description: String,
}

impl std::fmt::Debug for GatheredData {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GatheredData")
            .field("images", &self.labelled.len())
            .field("painters", &self.labelled.class_names())
            .field("pretraining", &self.pretraining)
            .field("description", &self.description)
            .finish()
    }
}

fn cache_options(verbose: bool) -> CacheOptions {
    CacheOptions {
        progress: verbose,
        ..CacheOptions::default()
    }
}

/// A file-name-safe label for a folder (its last component, with odd characters replaced).
fn folder_label(dir: &Path) -> String {
    let name = dir
        .canonicalize()
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .or_else(|| dir.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "data".into());
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Opens `dir` as an image folder and standardizes it into the pixel cache.
fn cached_folder(
    dir: &Path,
    size: u32,
    options: &ReproduceOptions,
) -> Result<SharedDataset, PipelineError> {
    let folder = ImageFolder::open(
        dir,
        FolderOptions {
            progress: options.verbose,
            ..FolderOptions::default().with_size(size)
        },
    )?;
    for s in folder.skipped() {
        eprintln!("skipped {}: {}", s.path.display(), s.reason);
    }
    let cache_dir = options
        .cache_root()
        .join(format!("labelled-{}-{size}px", folder_label(dir)));
    let cached = PixelCache::build_or_open(&folder, &cache_dir, &cache_options(options.verbose))?;
    report_cache("labelled", cached.report());
    Ok(Arc::new(cached))
}

fn report_cache(what: &str, r: &painter_data::CacheReport) {
    if r.rebuilt {
        println!(
            "  {what}: standardized {} images into the pixel cache ({:.1} MB, {:.1} s; {})",
            r.images,
            r.bytes as f64 / 1e6,
            r.seconds,
            r.reason
        );
    } else {
        println!(
            "  {what}: {} images read from the pixel cache ({:.1} s)",
            r.images, r.seconds
        );
    }
}

/// Keeps the painters named in the options (in their order), or all of them.
fn restrict(
    dataset: SharedDataset,
    options: &ReproduceOptions,
) -> Result<SharedDataset, PipelineError> {
    match &options.painters {
        Some(names) => {
            let available = dataset.class_names().to_vec();
            restrict_classes(dataset, names)
                .map_err(|e| match e {
                    painter_data::DatasetError::UnknownClass(name) => {
                        PipelineError::InvalidOption(format!(
                            "--painters: no painter `{name}` in the data (available: {})",
                            available.join(", ")
                        ))
                    }
                    other => other.into(),
                })
                .map(|s| Arc::new(s) as SharedDataset)
        }
        None => Ok(dataset),
    }
}

/// The first `limit` images of a seeded shuffle of `dataset` (all of them without a limit).
fn limited(
    dataset: SharedDataset,
    limit: Option<usize>,
    seed: u64,
) -> Result<SharedDataset, PipelineError> {
    match limit {
        Some(n) if n < dataset.len() => {
            let mut order: Vec<usize> = (0..dataset.len()).collect();
            order.shuffle(&mut rand_chacha::ChaCha8Rng::seed_from_u64(
                seed ^ 0x756e_6c61_6265_6c00,
            ));
            let mut keep = order[..n].to_vec();
            keep.sort_unstable();
            Ok(Arc::new(Subset::new(dataset, keep)?))
        }
        _ => Ok(dataset),
    }
}

/// The pretraining images from an `--unlabeled` folder, standardized into the pixel cache.
fn unlabeled_folder(
    dir: &Path,
    size: u32,
    options: &ReproduceOptions,
) -> Result<PretrainingImages, PipelineError> {
    let folder = UnlabeledFolder::open(
        dir,
        FolderOptions {
            progress: options.verbose,
            ..FolderOptions::default().with_size(size)
        },
    )?;
    let cache_dir = options
        .cache_root()
        .join(format!("unlabeled-{}-{size}px", folder_label(dir)));
    let cached = PixelCache::build_or_open(&folder, &cache_dir, &cache_options(options.verbose))?;
    report_cache("unlabeled", cached.report());
    let total = cached.len();
    let dataset = limited(Arc::new(cached), options.unlabeled_limit, options.seed)?;
    Ok(PretrainingImages {
        description: format!(
            "{} unlabeled images of {}{}",
            dataset.len(),
            dir.display(),
            if dataset.len() < total {
                format!(" (a seeded random {} of {total})", dataset.len())
            } else {
                String::new()
            }
        ),
        dataset,
        includes_evaluation_images: false,
    })
}

/// Pretraining on the labelled images themselves, labels ignored.
fn labelled_as_unlabeled(
    labelled: &SharedDataset,
    options: &ReproduceOptions,
) -> Result<PretrainingImages, PipelineError> {
    let dataset = limited(labelled.clone(), options.unlabeled_limit, options.seed)?;
    Ok(PretrainingImages {
        description: format!(
            "{} labelled images of the selected painters, labels ignored (no separate unlabeled set)",
            dataset.len()
        ),
        dataset,
        includes_evaluation_images: true,
    })
}

/// Downloads the artists' paintings (resumably; already downloaded files are skipped).
fn scrape(artists: &[String], dir: &Path, options: &ReproduceOptions) -> Result<(), PipelineError> {
    let mut config = ScrapeConfig::new(artists.to_vec(), dir);
    config.max_per_artist = options.per_painter;
    config.progress = options.verbose;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| PipelineError::io(dir, e))?;
    let summary = runtime.block_on(run_scrape(config))?;
    println!("  {summary}");
    Ok(())
}

/// The synthetic painters at `size`, standardized into the pixel cache.
fn synthetic_painters(
    painters: usize,
    per_painter: usize,
    size: u32,
    options: &ReproduceOptions,
) -> Result<SharedDataset, PipelineError> {
    let synth = SyntheticPainters::new(painters, per_painter, size, options.seed)?;
    let key = format!(
        "synthetic painters={painters} per_painter={per_painter} size={size} seed={}",
        options.seed
    );
    let dir = options.cache_root().join(format!("synthetic-{size}px"));
    let cached =
        PixelCache::build_or_open_keyed(&synth, &key, &dir, &cache_options(options.verbose))?;
    report_cache("synthetic painters", cached.report());
    Ok(Arc::new(cached))
}

/// Gathers, standardizes and restricts the data of a run (see the [module docs](self)).
///
/// The labelled images are standardized to the classifier's size
/// ([`ReproduceOptions::feature_image_size`]) and the pretraining images to
/// [`ReproduceOptions::pretraining_image_size`] (then cut into crops of the CAE's input size with
/// `pretrain_crops`); when the CAE pretrains on the labelled images and the two sizes differ,
/// those are standardized twice.
pub fn gather(options: &ReproduceOptions) -> Result<GatheredData, PipelineError> {
    let mut gathered = gather_whole(options)?;
    if let Some(per_image) = options.pretrain_crops {
        gathered.pretraining = crops_of(gathered.pretraining, per_image, options)?;
    }
    Ok(gathered)
}

/// The pretraining images as `per_image` random crops of the CAE's input size each.
fn crops_of(
    images: PretrainingImages,
    per_image: usize,
    options: &ReproduceOptions,
) -> Result<PretrainingImages, PipelineError> {
    let crop = options.effective_image_size()?;
    let side = images.dataset.image_size();
    let crops = RandomCrops::new(images.dataset, crop, per_image, options.seed)?;
    Ok(PretrainingImages {
        description: format!(
            "{} random {crop}x{crop} crops ({per_image} per image) of {} standardized to {side}x{side}",
            crops.len(),
            images.description
        ),
        dataset: Arc::new(crops),
        includes_evaluation_images: images.includes_evaluation_images,
    })
}

/// [`gather`] before the pretraining images are cut into crops.
fn gather_whole(options: &ReproduceOptions) -> Result<GatheredData, PipelineError> {
    let size = options.pretraining_image_size()?;
    let feature_size = options.feature_image_size()?;
    match &options.source {
        DataSource::Synthetic {
            painters,
            per_painter,
            unlabeled,
        } => {
            let at = |s| -> Result<SharedDataset, PipelineError> {
                restrict(
                    synthetic_painters(*painters, *per_painter, s, options)?,
                    options,
                )
            };
            let labelled = at(feature_size)?;
            let pretraining = if *unlabeled > 0 && options.unlabeled.is_none() {
                let u = SyntheticUnlabeled::new(*painters, *unlabeled, size, options.seed)?;
                let key = format!(
                    "synthetic-unlabeled painters={painters} count={unlabeled} size={size} seed={}",
                    options.seed
                );
                let dir = options
                    .cache_root()
                    .join(format!("synthetic-unlabeled-{size}px"));
                let cached = PixelCache::build_or_open_keyed(
                    &u,
                    &key,
                    &dir,
                    &cache_options(options.verbose),
                )?;
                report_cache("synthetic unlabeled", cached.report());
                let dataset = limited(Arc::new(cached), options.unlabeled_limit, options.seed)?;
                PretrainingImages {
                    description: format!(
                        "{} unlabeled synthetic images (a stream disjoint from the labelled ones)",
                        dataset.len()
                    ),
                    dataset,
                    includes_evaluation_images: false,
                }
            } else if let Some(dir) = &options.unlabeled {
                unlabeled_folder(dir, size, options)?
            } else if feature_size == size {
                labelled_as_unlabeled(&labelled, options)?
            } else {
                labelled_as_unlabeled(&at(size)?, options)?
            };
            Ok(GatheredData {
                labelled,
                pretraining,
                description: options.source.describe(),
            })
        }
        DataSource::Folder { dir } => {
            let at = |s| -> Result<SharedDataset, PipelineError> {
                restrict(cached_folder(dir, s, options)?, options)
            };
            let labelled = at(feature_size)?;
            let pretraining = match &options.unlabeled {
                Some(u) => unlabeled_folder(u, size, options)?,
                None if feature_size == size => labelled_as_unlabeled(&labelled, options)?,
                None => labelled_as_unlabeled(&at(size)?, options)?,
            };
            Ok(GatheredData {
                labelled,
                pretraining,
                description: options.source.describe(),
            })
        }
        DataSource::WikiArt { artists, dir } => {
            scrape(artists, dir, options)?;
            let mut opts = options.clone();
            if opts.painters.is_none() {
                opts.painters = Some(artists.clone());
            }
            let at = |s| -> Result<SharedDataset, PipelineError> {
                restrict(cached_folder(dir, s, options)?, &opts)
            };
            let labelled = at(feature_size)?;
            let pretraining = match &options.unlabeled {
                Some(u) => unlabeled_folder(u, size, options)?,
                None if feature_size == size => labelled_as_unlabeled(&labelled, options)?,
                None => labelled_as_unlabeled(&at(size)?, options)?,
            };
            Ok(GatheredData {
                labelled,
                pretraining,
                description: options.source.describe(),
            })
        }
    }
}

/// The images of one draw: `per_painter` images of every painter drawn with `seed`, or all of them.
pub fn draw(
    labelled: &SharedDataset,
    per_painter: Option<usize>,
    seed: u64,
) -> Result<SharedDataset, PipelineError> {
    match per_painter {
        Some(n) => Ok(Arc::new(take_per_class(labelled.clone(), n, seed)?)),
        None => Ok(labelled.clone()),
    }
}

/// The label of every sample (all must be labelled).
pub fn labels_of(dataset: &dyn Dataset) -> Result<Vec<usize>, PipelineError> {
    (0..dataset.len())
        .map(|i| {
            dataset.label(i)?.ok_or_else(|| {
                PipelineError::InvalidOption(format!(
                    "sample {i} of the labelled data has no label"
                ))
            })
        })
        .collect()
}
