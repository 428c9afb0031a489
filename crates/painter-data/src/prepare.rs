//! The data stage in one call: a typed [`DataConfig`] in, the [`PreparedData`] of a run out.
//!
//! [`DataConfig::prepare`] gathers the labelled paintings (a folder `DIR/<painter>/<image>`, a
//! WikiArt scrape read as such a folder, or the built-in [synthetic painters](crate::synthetic)),
//! standardizes them once into the [pixel cache](crate::cache), keeps the named painters in the
//! given label order, and does the same for the images each autoencoder pretrains on (a folder of
//! unlabeled images, the synthetic companion set, or the labelled images with their labels
//! ignored), limited and cut into random crops as asked; autoencoders that read the same source
//! at the same side share one opened cache.
//!
//! Every image file is decoded once, by the cache's build, and every unreadable one is found:
//! unless [`DataConfig::skip_unreadable`] is set, [`DatasetError::Unreadable`] names all of those
//! the run would use; with it, the run goes on without them and [`PreparedData::unreadable`]
//! lists them.
//!
//! ```no_run
//! use painter_data::prepare::{DataConfig, PretrainingConfig, PretrainingSource, Source};
//! use painter_data::Dataset;
//!
//! let config = DataConfig {
//!     painters: Some(vec!["rembrandt".into(), "claude-monet".into()]),
//!     // One autoencoder, pretrained on the unlabeled paintings at 64 px.
//!     pretraining: vec![PretrainingConfig {
//!         source: PretrainingSource::Folder {
//!             dir: "../shared/paintings-unlabeled".into(),
//!         },
//!         ..PretrainingConfig::at(64)
//!     }],
//!     skip_unreadable: true,
//!     ..DataConfig::new(Source::Folder { dir: "../shared/paintings".into() }, 64, "out/cache")
//! };
//! let data = config.prepare()?;
//! for cache in &data.caches {
//!     println!("{}: {}", cache.name, cache.report);
//! }
//! println!("{} images of {:?}", data.labelled.len(), data.labelled.class_names());
//! let draw = data.draw(Some(40), 0)?; // 40 paintings per painter
//! # Ok::<(), painter_data::DatasetError>(())
//! ```

pub use crate::dataset::DataSetting;

use crate::cache::{CacheOptions, CacheReport, CachedDataset, PixelCache};
use crate::crops::RandomCrops;
use crate::dataset::SharedDataset;
use crate::dataset::UnreadableImage;
use crate::folder::{FileDataset, FolderOptions, ImageFolder, SkippedFile, UnlabeledFolder};
use crate::select::{restrict_classes, take_per_class, take_random};
use crate::synthetic::{SyntheticPainters, SyntheticUnlabeled, MAX_PAINTERS};
use crate::wikiart::{run_scrape, ScrapeConfig, ScrapeSummary};
use crate::{Dataset, DatasetError};
use painter_io::FileError;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Where the labelled paintings come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A folder laid out as `dir/<painter>/<image>`.
    Folder {
        /// The folder.
        dir: PathBuf,
    },
    /// The built-in synthetic painters (offline, deterministic in the seed).
    Synthetic {
        /// How many painters, 2..=[`MAX_PAINTERS`].
        painters: usize,
        /// Paintings rendered per painter (at least 1).
        per_painter: usize,
    },
    /// These WikiArt artists, scraped first (resumably) into `dir`, then read as a folder.
    WikiArt {
        /// Artist slugs as WikiArt spells them (`vincent-van-gogh`).
        artists: Vec<String>,
        /// Where the paintings are downloaded.
        dir: PathBuf,
        /// At most this many paintings per artist are downloaded (`None`: all).
        max_per_artist: Option<usize>,
    },
}

/// Where the images the autoencoder pretrains on come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PretrainingSource {
    /// Every image under a folder, searched recursively.
    Folder {
        /// The folder.
        dir: PathBuf,
    },
    /// The synthetic painters' unlabeled companion set: `count` paintings by the same painters,
    /// from a stream disjoint from the labelled ones (only with [`Source::Synthetic`]).
    Synthetic {
        /// How many paintings (at least 1).
        count: usize,
    },
    /// The labelled images of the kept painters, labels ignored: pretraining then sees the pixels
    /// (never the labels) of images that are evaluation images in some fold.
    Labelled,
}

/// Random square crops cut from every pretraining image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Crops {
    /// Crops per image (at least 1).
    pub per_image: usize,
    /// The crops' side, at most the pretraining images' side.
    pub side: u32,
}

/// The images the autoencoder pretrains on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PretrainingConfig {
    /// Where they come from.
    pub source: PretrainingSource,
    /// The side they are standardized to.
    pub image_size: u32,
    /// At most this many of them, a seeded random choice (`None`: all).
    pub limit: Option<usize>,
    /// Cut them into random crops (`None`: whole images).
    pub crops: Option<Crops>,
}

impl PretrainingConfig {
    /// The labelled images at `image_size`, all of them, whole.
    pub fn at(image_size: u32) -> Self {
        Self {
            source: PretrainingSource::Labelled,
            image_size,
            limit: None,
            crops: None,
        }
    }
}

/// Everything the data stage needs (see the [module docs](self)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataConfig {
    /// Where the labelled paintings come from.
    pub source: Source,
    /// The painters (class names) to keep, in this label order (`None`: all of them in the
    /// folder's sorted order; for a WikiArt source, its artists).
    pub painters: Option<Vec<String>>,
    /// The side the labelled images are standardized to.
    pub image_size: u32,
    /// The images each autoencoder pretrains on, one configuration per autoencoder (none: no
    /// pretraining). Configurations that read the same source at the same side share its cache.
    pub pretraining: Vec<PretrainingConfig>,
    /// The folder of the pixel caches (share it between runs).
    pub cache_dir: PathBuf,
    /// Go on without the images that cannot be read, listing them, instead of failing with
    /// [`DatasetError::Unreadable`].
    pub skip_unreadable: bool,
    /// Show progress bars (drawn only on a terminal).
    pub progress: bool,
    /// The seed of the synthetic painters, of the pretraining limit's choice and of the crops.
    pub seed: u64,
}

impl DataConfig {
    /// The labelled images of `source` at `image_size`, cached under `cache_dir`; one
    /// autoencoder pretraining on them at the same size; every painter; strict about unreadable
    /// files; no progress bars; seed 0.
    pub fn new(source: Source, image_size: u32, cache_dir: impl Into<PathBuf>) -> Self {
        Self {
            source,
            painters: None,
            image_size,
            pretraining: vec![PretrainingConfig::at(image_size)],
            cache_dir: cache_dir.into(),
            skip_unreadable: false,
            progress: false,
            seed: 0,
        }
    }
}

/// A [`DatasetError::Config`] about `setting`.
fn invalid(setting: DataSetting, reason: impl Into<String>) -> DatasetError {
    DatasetError::Config {
        setting,
        reason: reason.into(),
    }
}

/// `Ok` if `dir` is a folder, else an error about `setting`.
fn check_folder(setting: DataSetting, dir: &Path) -> Result<(), DatasetError> {
    if dir.is_dir() {
        Ok(())
    } else {
        Err(invalid(
            setting,
            format!("{} does not exist or is not a folder", dir.display()),
        ))
    }
}

/// `Ok` if the names are at least two, none empty, none repeated; else an error about `setting`.
fn check_names(setting: DataSetting, names: &[String]) -> Result<(), DatasetError> {
    if names.len() < 2 {
        return Err(invalid(
            setting,
            format!("name at least 2, got {}", names.len()),
        ));
    }
    if let Some(empty) = names.iter().find(|n| n.trim().is_empty()) {
        return Err(invalid(setting, format!("an empty name ({empty:?})")));
    }
    for (i, name) in names.iter().enumerate() {
        if names[..i].contains(name) {
            return Err(invalid(setting, format!("`{name}` is named twice")));
        }
    }
    Ok(())
}

impl DataConfig {
    /// Checks every setting; the error names the first one that is invalid and why.
    pub fn validate(&self) -> Result<(), DatasetError> {
        match &self.source {
            Source::Folder { dir } => check_folder(DataSetting::Source, dir)?,
            Source::Synthetic {
                painters,
                per_painter,
            } => {
                if !(2..=MAX_PAINTERS).contains(painters) {
                    return Err(invalid(
                        DataSetting::Source,
                        format!("synthetic painters must be 2..={MAX_PAINTERS}, got {painters}"),
                    ));
                }
                if *per_painter == 0 {
                    return Err(invalid(
                        DataSetting::Source,
                        "at least 1 synthetic painting per painter",
                    ));
                }
            }
            Source::WikiArt {
                artists,
                max_per_artist,
                ..
            } => {
                if artists.is_empty() || artists.iter().any(|a| a.trim().is_empty()) {
                    return Err(invalid(
                        DataSetting::Source,
                        "WikiArt needs one or more artist slugs, none empty",
                    ));
                }
                if *max_per_artist == Some(0) {
                    return Err(invalid(
                        DataSetting::Source,
                        "at least 1 painting per WikiArt artist",
                    ));
                }
            }
        }
        if let Some(names) = &self.painters {
            check_names(DataSetting::Painters, names)?;
        }
        if self.image_size == 0 {
            return Err(invalid(
                DataSetting::ImageSize,
                "the image side must be at least 1",
            ));
        }
        for pretraining in &self.pretraining {
            self.validate_pretraining(pretraining)?;
        }
        if self.cache_dir.as_os_str().is_empty() {
            return Err(invalid(DataSetting::CacheDir, "the cache folder is empty"));
        }
        Ok(())
    }

    /// Checks one pretraining configuration.
    fn validate_pretraining(&self, pretraining: &PretrainingConfig) -> Result<(), DatasetError> {
        if pretraining.image_size == 0 {
            return Err(invalid(
                DataSetting::PretrainingImageSize,
                "the image side must be at least 1",
            ));
        }
        match &pretraining.source {
            PretrainingSource::Folder { dir } => check_folder(DataSetting::PretrainingSource, dir)?,
            PretrainingSource::Synthetic { count } => {
                if !matches!(self.source, Source::Synthetic { .. }) {
                    return Err(invalid(
                        DataSetting::PretrainingSource,
                        "the synthetic companion set goes with the synthetic painters only",
                    ));
                }
                if *count == 0 {
                    return Err(invalid(
                        DataSetting::PretrainingSource,
                        "the synthetic companion set needs at least 1 image",
                    ));
                }
            }
            PretrainingSource::Labelled => {}
        }
        if pretraining.limit == Some(0) {
            return Err(invalid(
                DataSetting::PretrainingLimit,
                "at least 1 image (or no limit)",
            ));
        }
        if let Some(Crops { per_image, side }) = pretraining.crops {
            if per_image == 0 {
                return Err(invalid(
                    DataSetting::PretrainingCrops,
                    "at least 1 crop per image",
                ));
            }
            if side == 0 || side > pretraining.image_size {
                return Err(invalid(
                    DataSetting::PretrainingCrops,
                    format!(
                        "crops must be 1..={} px (the pretraining images' side), got {side}",
                        pretraining.image_size
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Where the labelled data comes from, in one line.
    pub fn describe(&self) -> String {
        match &self.source {
            Source::Folder { dir } => format!("folder {}", dir.display()),
            Source::Synthetic {
                painters,
                per_painter,
            } => {
                format!("built-in synthetic painters ({painters} painters x {per_painter} images)")
            }
            Source::WikiArt { artists, dir, .. } => {
                format!(
                    "WikiArt artists {} (in {})",
                    artists.join(","),
                    dir.display()
                )
            }
        }
    }

    /// Gathers, standardizes and restricts the data (see the [module docs](self)).
    ///
    /// Fails with [`DatasetError::Config`] for an invalid setting or a painter the data does not
    /// hold (naming those it does), with [`DatasetError::Unreadable`] naming every unreadable
    /// image the run would use (unless [`Self::skip_unreadable`]), and with
    /// [`DatasetError::EmptyClass`] when skipping them leaves a painter without images.
    pub fn prepare(&self) -> Result<PreparedData, DatasetError> {
        self.validate()?;
        let mut prepared = Preparation::default();
        if let Source::WikiArt {
            artists,
            dir,
            max_per_artist,
        } = &self.source
        {
            prepared.scrape = Some(self.scrape(artists, dir, *max_per_artist)?);
        }
        let labelled = self.labelled(self.image_size, &mut prepared)?;
        let mut whole: Vec<(&PretrainingConfig, SharedDataset)> = Vec::new();
        let mut pretraining = Vec::with_capacity(self.pretraining.len());
        for config in &self.pretraining {
            let shared = whole
                .iter()
                .find(|(c, _)| c.source == config.source && c.image_size == config.image_size)
                .map(|(_, d)| d.clone());
            let images = self.pretraining(config, shared, &labelled, &mut prepared)?;
            whole.push((config, images.whole.clone()));
            pretraining.push(match config.crops {
                Some(crops) => self.crops_of(images, crops)?,
                None => images,
            });
        }
        let Preparation {
            skipped,
            mut unreadable,
            caches,
            scrape,
        } = prepared;
        // The labelled images read at two sizes are listed twice.
        unreadable.sort_by(|a, b| a.path.cmp(&b.path));
        unreadable.dedup_by(|a, b| a.path == b.path);
        if !unreadable.is_empty() && !self.skip_unreadable {
            return Err(DatasetError::Unreadable(unreadable));
        }
        self.check_every_painter_has_images(&labelled)?;
        Ok(PreparedData {
            labelled,
            pretraining,
            description: self.describe(),
            skipped,
            unreadable,
            caches,
            scrape,
        })
    }

    fn cache_options(&self) -> CacheOptions {
        CacheOptions {
            progress: self.progress,
            // Unreadable files are sorted out here, once the painters are known.
            skip_unreadable: true,
            ..CacheOptions::default()
        }
    }

    /// Downloads the artists' paintings (resumably; files already downloaded are kept).
    fn scrape(
        &self,
        artists: &[String],
        dir: &Path,
        max_per_artist: Option<usize>,
    ) -> Result<ScrapeSummary, DatasetError> {
        let mut config = ScrapeConfig::new(artists.to_vec(), dir);
        config.max_per_artist = max_per_artist;
        config.progress = self.progress;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .map_err(FileError::at(dir))?;
        Ok(runtime.block_on(run_scrape(config))?)
    }

    /// The pixel cache of `source`, in `<name>-<folder>-<side>px` for files (one cache folder
    /// per source and size, so that runs at other sizes do not rebuild each other's) or
    /// `<name>-<side>px` for generated images, noted as `name`.
    fn cached(
        &self,
        source: CacheSource<'_>,
        name: &'static str,
        prepared: &mut Preparation,
    ) -> Result<CachedDataset, DatasetError> {
        let options = self.cache_options();
        let cached = match source {
            CacheSource::Files(files) => {
                let side = files.image_size();
                let dir = format!("{name}-{}-{side}px", folder_label(files.root()));
                PixelCache::build_or_open(files, self.cache_dir.join(dir), &options)?
            }
            CacheSource::Generated(images, key) => {
                let dir = format!("{name}-{}px", images.image_size());
                PixelCache::build_or_open_keyed(images, &key, self.cache_dir.join(dir), &options)?
            }
        };
        prepared.note_cache(name, &cached);
        Ok(cached)
    }

    /// The painters to keep: the configured ones, else a WikiArt source's artists, else all.
    fn kept_painters(&self) -> Option<&[String]> {
        match (&self.painters, &self.source) {
            (Some(names), _) => Some(names),
            (None, Source::WikiArt { artists, .. }) => Some(artists),
            (None, _) => None,
        }
    }

    /// The labelled images of the kept painters standardized to `size`, through the cache.
    fn labelled(
        &self,
        size: u32,
        prepared: &mut Preparation,
    ) -> Result<SharedDataset, DatasetError> {
        let all: SharedDataset = match &self.source {
            Source::Folder { dir } | Source::WikiArt { dir, .. } => {
                let folder = ImageFolder::open(dir, FolderOptions::default().with_size(size))?;
                prepared.skipped.extend_from_slice(folder.skipped());
                let cached = self.cached(CacheSource::Files(&folder), "labelled", prepared)?;
                let kept = self.kept_painters();
                prepared.unreadable.extend(
                    cached
                        .unreadable()
                        .iter()
                        .filter(|u| is_kept(u, cached.class_names(), kept))
                        .cloned(),
                );
                Arc::new(cached)
            }
            Source::Synthetic {
                painters,
                per_painter,
            } => {
                let synthetic = SyntheticPainters::new(*painters, *per_painter, size, self.seed)?;
                let source = CacheSource::Generated(&synthetic, synthetic.cache_key());
                Arc::new(self.cached(source, "synthetic", prepared)?)
            }
        };
        self.restrict(all)
    }

    /// Keeps the painters of [`Self::kept_painters`], in that order.
    fn restrict(&self, dataset: SharedDataset) -> Result<SharedDataset, DatasetError> {
        let Some(names) = self.kept_painters() else {
            return Ok(dataset);
        };
        let available = dataset.class_names().join(", ");
        match restrict_classes(dataset, names) {
            Ok(kept) => Ok(Arc::new(kept)),
            Err(DatasetError::UnknownClass(name)) => Err(invalid(
                DataSetting::Painters,
                format!("no painter `{name}` in the data (available: {available})"),
            )),
            Err(other) => Err(other),
        }
    }

    /// [`DatasetError::EmptyClass`] for a painter all of whose images were unreadable.
    fn check_every_painter_has_images(&self, dataset: &SharedDataset) -> Result<(), DatasetError> {
        let mut counts = vec![0usize; dataset.class_names().len()];
        for label in crate::dataset::labels_of(dataset.as_ref())? {
            if let Some(c) = counts.get_mut(label) {
                *c += 1;
            }
        }
        match counts.iter().position(|&c| c == 0) {
            None => Ok(()),
            Some(empty) => {
                let class = dataset.class_names()[empty].clone();
                let path = match &self.source {
                    Source::Folder { dir } | Source::WikiArt { dir, .. } => dir.join(&class),
                    Source::Synthetic { .. } => PathBuf::new(),
                };
                Err(DatasetError::EmptyClass { class, path })
            }
        }
    }

    /// The pretraining images of `config`, limited, before any crops; `shared` holds the same
    /// source at the same side when an earlier configuration opened it.
    fn pretraining(
        &self,
        config: &PretrainingConfig,
        shared: Option<SharedDataset>,
        labelled: &SharedDataset,
        prepared: &mut Preparation,
    ) -> Result<PretrainingImages, DatasetError> {
        let images = match shared {
            Some(images) => images,
            None => self.open_pretraining_source(config, labelled, prepared)?,
        };
        let (what, includes_evaluation_images): (String, bool) = match &config.source {
            PretrainingSource::Folder { dir } => {
                (format!("unlabeled images of {}", dir.display()), false)
            }
            PretrainingSource::Synthetic { .. } => (
                "unlabeled synthetic images (a stream disjoint from the labelled ones)".into(),
                false,
            ),
            PretrainingSource::Labelled => (
                "labelled images of the selected painters, labels ignored (no separate unlabeled set)"
                    .into(),
                true,
            ),
        };
        let total = images.len();
        let dataset: SharedDataset = match config.limit {
            Some(n) if n < total => Arc::new(take_random(images.clone(), n, self.seed)?),
            _ => images.clone(),
        };
        let chosen = if dataset.len() < total && !includes_evaluation_images {
            format!(" (a seeded random {} of {total})", dataset.len())
        } else {
            String::new()
        };
        Ok(PretrainingImages {
            description: format!("{} {what}{chosen}", dataset.len()),
            dataset,
            whole: images,
            includes_evaluation_images,
        })
    }

    /// Every image of `config`'s source at its side, through the cache.
    fn open_pretraining_source(
        &self,
        config: &PretrainingConfig,
        labelled: &SharedDataset,
        prepared: &mut Preparation,
    ) -> Result<SharedDataset, DatasetError> {
        let size = config.image_size;
        match &config.source {
            PretrainingSource::Folder { dir } => {
                let folder = UnlabeledFolder::open(dir, FolderOptions::default().with_size(size))?;
                prepared.skipped.extend_from_slice(folder.skipped());
                let cached = self.cached(CacheSource::Files(&folder), "unlabeled", prepared)?;
                prepared.unreadable.extend_from_slice(cached.unreadable());
                if cached.is_empty() {
                    return Err(DatasetError::EmptyRoot(dir.clone()));
                }
                Ok(Arc::new(cached))
            }
            PretrainingSource::Synthetic { count } => {
                let Source::Synthetic { painters, .. } = self.source else {
                    return Err(invalid(
                        DataSetting::PretrainingSource,
                        "the synthetic companion set goes with the synthetic painters only",
                    ));
                };
                let synthetic = SyntheticUnlabeled::new(painters, *count, size, self.seed)?;
                let source = CacheSource::Generated(&synthetic, synthetic.cache_key());
                Ok(Arc::new(self.cached(
                    source,
                    "synthetic-unlabeled",
                    prepared,
                )?))
            }
            PretrainingSource::Labelled if size == self.image_size => Ok(labelled.clone()),
            PretrainingSource::Labelled => self.labelled(size, prepared),
        }
    }

    /// The pretraining images as `per_image` random crops of side `side` each.
    fn crops_of(
        &self,
        images: PretrainingImages,
        Crops { per_image, side }: Crops,
    ) -> Result<PretrainingImages, DatasetError> {
        let whole = images.dataset.image_size();
        let crops = RandomCrops::new(images.dataset, side, per_image, self.seed)?;
        Ok(PretrainingImages {
            description: format!(
                "{} random {side}x{side} crops ({per_image} per image) of {} standardized to {whole}x{whole}",
                crops.len(),
                images.description
            ),
            dataset: Arc::new(crops),
            whole: images.whole,
            includes_evaluation_images: images.includes_evaluation_images,
        })
    }
}

/// Whether an unreadable image belongs to a painter the run keeps.
fn is_kept(image: &UnreadableImage, class_names: &[String], kept: Option<&[String]>) -> bool {
    match (kept, image.label.and_then(|l| class_names.get(l))) {
        (None, _) => true,
        (Some(kept), Some(class)) => kept.contains(class),
        (Some(_), None) => true,
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

/// What a pixel cache is built from.
enum CacheSource<'a> {
    /// A folder's image files.
    Files(&'a dyn FileDataset),
    /// Generated images, and the key of everything their pixels depend on.
    Generated(&'a dyn Dataset, String),
}

/// What preparing has found so far.
#[derive(Default)]
struct Preparation {
    skipped: Vec<SkippedFile>,
    unreadable: Vec<UnreadableImage>,
    caches: Vec<CacheUse>,
    scrape: Option<ScrapeSummary>,
}

impl Preparation {
    /// Records what a cache did.
    fn note_cache(&mut self, name: &'static str, cache: &CachedDataset) {
        self.caches.push(CacheUse {
            name,
            report: cache.report().clone(),
        });
    }
}

/// What one pixel cache did while preparing.
#[derive(Debug, Clone, PartialEq)]
pub struct CacheUse {
    /// Which images it holds: `labelled`, `unlabeled`, `synthetic` (the synthetic painters) or
    /// `synthetic-unlabeled` (their companion set); also the start of its folder's name.
    pub name: &'static str,
    /// What building or opening it did.
    pub report: CacheReport,
}

/// The images the autoencoder pretrains on.
#[derive(Clone)]
pub struct PretrainingImages {
    /// The images (labels, if any, are ignored).
    pub dataset: SharedDataset,
    /// Every image of the source at the configured side, before the limit and the crops: what
    /// [`Self::dataset`] is drawn from (pretrained models are keyed on its content).
    pub whole: SharedDataset,
    /// Where they come from, for the report.
    pub description: String,
    /// Whether these are the labelled images themselves: then pretraining sees the pixels (never
    /// the labels) of images that are evaluation images in some fold.
    pub includes_evaluation_images: bool,
}

impl fmt::Debug for PretrainingImages {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
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

/// The data of a run, prepared by [`DataConfig::prepare`].
#[derive(Clone)]
pub struct PreparedData {
    /// Where the labelled data comes from.
    pub description: String,
    /// The labelled images of the kept painters (labels in the configured order, else the
    /// folder's sorted order), standardized.
    pub labelled: SharedDataset,
    /// The images left out because they could not be read (only with
    /// [`DataConfig::skip_unreadable`]), sorted by path.
    pub unreadable: Vec<UnreadableImage>,
    /// The images each autoencoder pretrains on, in the order of the configuration's
    /// `pretraining` list.
    pub pretraining: Vec<PretrainingImages>,
    /// What each pixel cache did, in the order they were used.
    pub caches: Vec<CacheUse>,
    /// What the WikiArt scrape did (WikiArt sources only).
    pub scrape: Option<ScrapeSummary>,
    /// Entries of the folders that were not listed as images (not images, hidden, ...): the
    /// entries a folder dataset skips when it lists its files.
    pub skipped: Vec<SkippedFile>,
}

impl fmt::Debug for PreparedData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PreparedData")
            .field("images", &self.labelled.len())
            .field("painters", &self.labelled.class_names())
            .field("pretraining", &self.pretraining)
            .field("description", &self.description)
            .field("skipped", &self.skipped.len())
            .field("unreadable", &self.unreadable.len())
            .finish()
    }
}

impl PreparedData {
    /// The images of one draw: `per_painter` images of every painter drawn with `seed`
    /// ([`take_per_class`]), or all of them.
    pub fn draw(
        &self,
        per_painter: Option<usize>,
        seed: u64,
    ) -> Result<SharedDataset, DatasetError> {
        match per_painter {
            Some(n) => Ok(Arc::new(take_per_class(self.labelled.clone(), n, seed)?)),
            None => Ok(self.labelled.clone()),
        }
    }
}
