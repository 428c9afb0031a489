//! The data stage: gathers the labelled paintings (a folder, a WikiArt scrape, or the built-in
//! synthetic painters) and the paintings to pretrain on, standardizes them once into painter-data's
//! on-disk pixel cache, keeps the named painters, and draws `per_painter` paintings per painter.

use super::{DataSource, Experiment, PipelineError, RunOptions};
use crate::recipe::{ClassifierRecipe, Objective};
use painter_data::cache::{CacheOptions, PixelCache};
use painter_data::folder::{FolderOptions, ImageFolder, UnlabeledFolder};
use painter_data::select::{restrict_classes, take_per_class};
use painter_data::synthetic::{SyntheticPainters, SyntheticUnlabeled};
use painter_data::wikiart::{run_scrape, ScrapeConfig};
use painter_data::Dataset;
use std::path::Path;
use std::sync::Arc;

/// A shared, thread-safe dataset.
pub type SharedDataset = Arc<dyn Dataset>;

/// The whole paintings the pretraining stage learns from, standardized to one side.
#[derive(Clone)]
pub struct PretrainingImages {
    /// The paintings (labels, if any, are ignored).
    pub dataset: SharedDataset,
    /// Where they come from, for the report.
    pub description: String,
    /// Whether these are the labelled paintings themselves: then pretraining sees the pixels (never
    /// the labels) of paintings that are test paintings in some fold.
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

/// The gathered data: every painting of the selected painters at the classifier's side, and the
/// pretraining paintings at every side an encoder of the recipe pretrains from.
#[derive(Clone)]
pub struct GatheredData {
    /// The labelled paintings of the selected painters (labels in the order of `--painters`, else
    /// the folder's sorted order), standardized to the side the classifier reads.
    pub labelled: SharedDataset,
    /// The pretraining paintings, by the side they are standardized to.
    pub pretraining: Vec<(u32, PretrainingImages)>,
    /// Where the labelled data comes from.
    pub description: String,
}

impl GatheredData {
    /// The pretraining paintings standardized to `side`.
    pub fn pretraining_at(&self, side: u32) -> Result<&PretrainingImages, PipelineError> {
        self.pretraining
            .iter()
            .find(|(s, _)| *s == side)
            .map(|(_, p)| p)
            .ok_or_else(|| {
                PipelineError::InvalidOption(format!(
                    "no pretraining paintings were gathered at {side} px"
                ))
            })
    }
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

/// The side the classifier reads the paintings at: the probe's `image_size`, or the CAE's for a
/// dense head.
pub fn classifier_side(experiment: &Experiment) -> Result<u32, PipelineError> {
    let side = match &experiment.recipe.classifier {
        ClassifierRecipe::Probe(p) => p.image_size,
        ClassifierRecipe::Dense(_) => experiment.recipe.cae.image_size,
    };
    u32::try_from(side)
        .map_err(|_| PipelineError::InvalidOption(format!("image size {side} is too large")))
}

/// The sides the pretrained encoders of the recipe learn from (whole paintings at the CAE's size,
/// or larger ones crops are cut from), each once.
pub fn pretraining_sides(experiment: &Experiment) -> Vec<u32> {
    let cae = experiment.recipe.cae.image_size;
    let mut sides: Vec<u32> = experiment
        .recipe
        .encoders
        .iter()
        .filter(|e| e.pretraining.objective != Objective::None)
        .filter_map(|e| u32::try_from(e.pretraining.image_side(cae)).ok())
        .collect();
    sides.sort_unstable();
    sides.dedup();
    sides
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
fn cached_folder(dir: &Path, size: u32, run: &RunOptions) -> Result<SharedDataset, PipelineError> {
    let folder = ImageFolder::open(
        dir,
        FolderOptions {
            progress: run.verbose,
            ..FolderOptions::default().with_size(size)
        },
    )?;
    for s in folder.skipped() {
        eprintln!("skipped {}: {}", s.path.display(), s.reason);
    }
    let cache_dir = run
        .pixel_cache()
        .join(format!("labelled-{}-{size}px", folder_label(dir)));
    let cached = PixelCache::build_or_open(&folder, &cache_dir, &cache_options(run.verbose))?;
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
    painters: Option<&[String]>,
) -> Result<SharedDataset, PipelineError> {
    match painters {
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

/// The pretraining paintings of an `--unlabeled` folder, standardized into the pixel cache.
fn unlabeled_folder(
    dir: &Path,
    size: u32,
    run: &RunOptions,
) -> Result<PretrainingImages, PipelineError> {
    let folder = UnlabeledFolder::open(
        dir,
        FolderOptions {
            progress: run.verbose,
            ..FolderOptions::default().with_size(size)
        },
    )?;
    let cache_dir = run
        .pixel_cache()
        .join(format!("unlabeled-{}-{size}px", folder_label(dir)));
    let cached = PixelCache::build_or_open(&folder, &cache_dir, &cache_options(run.verbose))?;
    report_cache("unlabeled", cached.report());
    Ok(PretrainingImages {
        description: format!("{} unlabeled paintings of {}", cached.len(), dir.display()),
        dataset: Arc::new(cached),
        includes_evaluation_images: false,
    })
}

/// Pretraining on the labelled paintings themselves, labels ignored.
fn labelled_as_unlabeled(labelled: SharedDataset) -> PretrainingImages {
    PretrainingImages {
        description: format!(
            "{} labelled paintings of the selected painters, labels ignored (no separate unlabeled set)",
            labelled.len()
        ),
        dataset: labelled,
        includes_evaluation_images: true,
    }
}

/// Downloads the artists' paintings (resumably; already downloaded files are skipped).
fn scrape(artists: &[String], dir: &Path, run: &RunOptions) -> Result<(), PipelineError> {
    let mut config = ScrapeConfig::new(artists.to_vec(), dir);
    config.max_per_artist = run.per_painter;
    config.progress = run.verbose;
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
    run: &RunOptions,
) -> Result<SharedDataset, PipelineError> {
    let synth = SyntheticPainters::new(painters, per_painter, size, run.seed)?;
    let key = format!(
        "synthetic painters={painters} per_painter={per_painter} size={size} seed={}",
        run.seed
    );
    let dir = run.pixel_cache().join(format!("synthetic-{size}px"));
    let cached = PixelCache::build_or_open_keyed(&synth, &key, &dir, &cache_options(run.verbose))?;
    report_cache("synthetic painters", cached.report());
    Ok(Arc::new(cached))
}

/// The synthetic companion set of unlabeled paintings at `size`, standardized into the pixel cache.
fn synthetic_unlabeled(
    painters: usize,
    count: usize,
    size: u32,
    run: &RunOptions,
) -> Result<PretrainingImages, PipelineError> {
    let u = SyntheticUnlabeled::new(painters, count, size, run.seed)?;
    let key = format!(
        "synthetic-unlabeled painters={painters} count={count} size={size} seed={}",
        run.seed
    );
    let dir = run
        .pixel_cache()
        .join(format!("synthetic-unlabeled-{size}px"));
    let cached = PixelCache::build_or_open_keyed(&u, &key, &dir, &cache_options(run.verbose))?;
    report_cache("synthetic unlabeled", cached.report());
    Ok(PretrainingImages {
        description: format!(
            "{} unlabeled synthetic paintings (a stream disjoint from the labelled ones)",
            cached.len()
        ),
        dataset: Arc::new(cached),
        includes_evaluation_images: false,
    })
}

/// Gathers, standardizes and restricts the data of an experiment (see the [module docs](self)):
/// the labelled paintings at [`classifier_side`], and the pretraining paintings at every side of
/// [`pretraining_sides`].
pub fn gather(experiment: &Experiment) -> Result<GatheredData, PipelineError> {
    let run = &experiment.run;
    let side = classifier_side(experiment)?;
    let painters = run.painters.as_deref();
    let labelled_at = |s: u32| -> Result<SharedDataset, PipelineError> {
        match &run.source {
            DataSource::Synthetic {
                painters: n,
                per_painter,
                ..
            } => restrict(synthetic_painters(*n, *per_painter, s, run)?, painters),
            DataSource::Folder { dir } => restrict(cached_folder(dir, s, run)?, painters),
            DataSource::WikiArt { artists, dir } => restrict(
                cached_folder(dir, s, run)?,
                Some(painters.unwrap_or(artists)),
            ),
        }
    };
    if let DataSource::WikiArt { artists, dir } = &run.source {
        scrape(artists, dir, run)?;
    }
    let labelled = labelled_at(side)?;
    let mut pretraining = Vec::new();
    for s in pretraining_sides(experiment) {
        let images = match (&run.unlabeled, &run.source) {
            (Some(dir), _) => unlabeled_folder(dir, s, run)?,
            (
                None,
                DataSource::Synthetic {
                    painters: n,
                    unlabeled,
                    ..
                },
            ) if *unlabeled > 0 => synthetic_unlabeled(*n, *unlabeled, s, run)?,
            (None, _) if s == side => labelled_as_unlabeled(labelled.clone()),
            (None, _) => labelled_as_unlabeled(labelled_at(s)?),
        };
        pretraining.push((s, images));
    }
    Ok(GatheredData {
        labelled,
        pretraining,
        description: run.source.describe(),
    })
}

/// The paintings of one draw: `per_painter` paintings of every painter drawn with `seed`, or all.
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
