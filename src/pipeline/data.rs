//! The data stage: the run's options become one [`DataConfig`], and painter-data prepares the
//! labelled paintings and the pretraining images in one call ([`DataConfig::prepare`]).

use super::{DataSource, PipelineError, ReproduceOptions};
use painter_data::{
    Crops, DataConfig, DataSetting, DatasetError, PreparedData, PretrainingConfig,
    PretrainingSource, Source,
};

/// The data configuration of a run's options.
pub fn data_config(options: &ReproduceOptions) -> Result<DataConfig, PipelineError> {
    let (source, synthetic_unlabeled) = match &options.source {
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
                max_per_artist: options.per_painter,
            },
            0,
        ),
    };
    let pretraining_source = match &options.unlabeled {
        Some(dir) => PretrainingSource::Folder { dir: dir.clone() },
        None if synthetic_unlabeled > 0 => PretrainingSource::Synthetic {
            count: synthetic_unlabeled,
        },
        None => PretrainingSource::Labelled,
    };
    let crops = match options.pretrain_crops {
        Some(per_image) => Some(Crops {
            per_image,
            side: options.effective_image_size()?,
        }),
        None => None,
    };
    Ok(DataConfig {
        source,
        painters: options.painters.clone(),
        image_size: options.feature_image_size()?,
        pretraining: PretrainingConfig {
            source: pretraining_source,
            image_size: options.pretraining_image_size()?,
            limit: options.unlabeled_limit,
            crops,
        },
        cache_dir: options.cache_root(),
        skip_unreadable: false,
        progress: options.verbose,
        seed: options.seed,
    })
}

/// Gathers, standardizes and restricts the data of a run (see the [module docs](self)), and
/// prints what the caches and the scrape did and the folder entries that are not images.
///
/// The labelled images are standardized to the classifier's size
/// ([`ReproduceOptions::feature_image_size`]) and the pretraining images to
/// [`ReproduceOptions::pretraining_image_size`] (then cut into crops of the CAE's input size with
/// `pretrain_crops`).
pub fn gather(options: &ReproduceOptions) -> Result<PreparedData, PipelineError> {
    let data = data_config(options)?.prepare().map_err(|e| match e {
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
    Ok(data)
}
