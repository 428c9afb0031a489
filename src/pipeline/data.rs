//! The data stage: the run's options and the recipe become one [`DataConfig`], and painter-data
//! prepares the labelled paintings and every encoder's pretraining images in one call
//! ([`DataConfig::prepare`]).

use super::{DataSource, Experiment, PipelineError};
use crate::recipe::{ClassifierRecipe, EncoderRecipe, Objective};
use painter_data::{
    Crops, DataConfig, DataSetting, DatasetError, PreparedData, PretrainingConfig,
    PretrainingSource, Source,
};

/// The side the classifier reads the paintings at: the probe's `image_size`, or the CAE's for a
/// dense head.
pub fn classifier_side(experiment: &Experiment) -> Result<u32, PipelineError> {
    let side = match &experiment.recipe.classifier {
        ClassifierRecipe::Probe(p) => p.image_size,
        ClassifierRecipe::Dense(_) => experiment.recipe.cae.image_size,
    };
    side_u32("the classifier's image side", side)
}

fn side_u32(what: &str, side: usize) -> Result<u32, PipelineError> {
    u32::try_from(side)
        .map_err(|_| PipelineError::InvalidOption(format!("{what} {side} is too large")))
}

/// The encoders of the recipe that pretrain (objective other than `none`), in recipe order: the
/// data stage prepares one set of pretraining images for each, in this order.
pub fn pretrained_encoders(experiment: &Experiment) -> impl Iterator<Item = &EncoderRecipe> {
    experiment
        .recipe
        .encoders
        .iter()
        .filter(|e| e.pretraining.objective != Objective::None)
}

/// The data configuration of an experiment: its data source, painters and seed; the labelled
/// paintings at [`classifier_side`]; and, for every pretrained encoder, its pretraining images
/// (the `--unlabeled` folder, else the synthetic companion set, else the labelled paintings) at
/// the side it learns from, limited to `pretraining.images` and cut into `pretraining.crops`
/// crops of the CAE's input side.
pub fn data_config(experiment: &Experiment) -> Result<DataConfig, PipelineError> {
    let run = &experiment.run;
    let (source, synthetic_unlabeled) = match &run.source {
        DataSource::Synthetic {
            painters,
            per_painter,
            unlabeled,
        } => (
            Source::Synthetic {
                painters: *painters,
                per_painter: *per_painter,
            },
            *unlabeled,
        ),
        DataSource::Folder { dir } => (Source::Folder { dir: dir.clone() }, 0),
        DataSource::WikiArt { artists, dir } => (
            Source::WikiArt {
                artists: artists.clone(),
                dir: dir.clone(),
                max_per_artist: run.per_painter,
            },
            0,
        ),
    };
    let pretraining_source = match &run.unlabeled {
        Some(dir) => PretrainingSource::Folder { dir: dir.clone() },
        None if synthetic_unlabeled > 0 => PretrainingSource::Synthetic {
            count: synthetic_unlabeled,
        },
        None => PretrainingSource::Labelled,
    };
    let cae = &experiment.recipe.cae;
    let crop_side = side_u32("the CAE's input side", cae.image_size)?;
    let pretraining = pretrained_encoders(experiment)
        .map(|e| {
            let p = &e.pretraining;
            Ok(PretrainingConfig {
                source: pretraining_source.clone(),
                image_size: side_u32("the pretraining side", p.image_side(cae.image_size))?,
                limit: (p.images > 0).then_some(p.images),
                crops: (p.crops > 0).then_some(Crops {
                    per_image: p.crops,
                    side: crop_side,
                }),
            })
        })
        .collect::<Result<Vec<_>, PipelineError>>()?;
    Ok(DataConfig {
        source,
        painters: run.painters.clone(),
        image_size: classifier_side(experiment)?,
        pretraining,
        cache_dir: run.pixel_cache(),
        skip_unreadable: run.skip_unreadable,
        progress: run.verbose,
        seed: run.seed,
    })
}

/// Gathers, standardizes and restricts the data of an experiment (see the [module docs](self)),
/// and prints what the scrape and the caches did, the folder entries that are not images, and
/// the unreadable images left out (with `--skip-unreadable`).
pub fn gather(experiment: &Experiment) -> Result<PreparedData, PipelineError> {
    let data = data_config(experiment)?.prepare().map_err(|e| match e {
        DatasetError::Config {
            setting: DataSetting::Painters,
            reason,
        } => PipelineError::InvalidOption(format!("--painters: {reason}")),
        other => other.into(),
    })?;
    if let Some(summary) = &data.scrape {
        println!("  {summary}");
    }
    for skipped in &data.skipped {
        eprintln!("skipped {skipped}");
    }
    for cache in &data.caches {
        println!("  {}: {}", cache.name, cache.report);
    }
    if !data.unreadable.is_empty() {
        println!(
            "  left out {} unreadable image(s) (--skip-unreadable):",
            data.unreadable.len()
        );
        for image in &data.unreadable {
            println!("    {image}");
        }
    }
    Ok(data)
}
