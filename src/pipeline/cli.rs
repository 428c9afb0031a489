//! The command line of `cargo run --release --example reproduce`: [`Args`] (clap) and its
//! conversion into [`ReproduceOptions`], which checks that the flags agree.
//!
//! ```
//! use clap::Parser;
//! use deep_painter::pipeline::cli::Args;
//!
//! let args = Args::try_parse_from(["reproduce", "--folds", "5", "--head", "flatten"]).unwrap();
//! let options = args.into_options().unwrap();
//! assert_eq!(options.folds, 5);
//! assert!(Args::try_parse_from(["reproduce", "--head", "huge"]).is_err());
//! ```

use super::{DataSource, HeadChoice, PipelineError, Pretraining, ReproduceOptions};
use crate::baseline::{BaselineConfig, Distance};
use clap::{Parser, ValueEnum};
use painter_cae::Upsampling;
use std::path::PathBuf;

/// The classifier head, on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum HeadArg {
    /// Global average + max pooling, dense 400, dense 200 (cheap).
    Pool,
    /// Flatten, dense 400, dense 200 (the paper).
    Flatten,
    /// Texture statistics of every encoder stage + logistic regression, C chosen inside each fold.
    Linear,
}

/// The decoder's upsampling, on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DecoderArg {
    /// Max-unpooling with the pooling switches (the paper).
    Unpool,
    /// Nearest-neighbour upsampling (ablation).
    Upsample,
}

/// The CAE preset, on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PresetArg {
    /// 32 and 64 filters (CPU scale).
    Compact,
    /// 100 and 200 filters, 256 px (the paper).
    Paper,
}

/// Reproduces DeepPainter's experiment: CAE pretraining, then stratified k-fold cross-validation
/// of the painter classifier, with a colour-histogram + nearest-neighbour baseline on the same
/// folds. Without arguments it runs on the built-in synthetic painters.
#[derive(Debug, Clone, Parser)]
#[command(name = "reproduce", version, about, long_about = None)]
pub struct Args {
    /// A folder of paintings laid out as DIR/<painter>/<image>.
    #[arg(long, value_name = "DIR", conflicts_with = "wikiart")]
    pub data: Option<PathBuf>,
    /// Scrape these WikiArt artists first (comma-separated slugs, e.g. vincent-van-gogh).
    #[arg(long, value_name = "ARTIST,...", value_delimiter = ',')]
    pub wikiart: Vec<String>,
    /// Where --wikiart downloads to (default <out>/wikiart).
    #[arg(long, value_name = "DIR", requires = "wikiart")]
    pub wikiart_dir: Option<PathBuf>,
    /// A folder of unlabeled images to pretrain the CAE on (searched recursively).
    #[arg(long, value_name = "DIR")]
    pub unlabeled: Option<PathBuf>,
    /// Pretrain on at most N unlabeled images (a seeded random subset).
    #[arg(long, value_name = "N")]
    pub unlabeled_limit: Option<usize>,
    /// Painters (class folder names) to use, comma-separated, in label order (default: all).
    #[arg(long, value_name = "A,B,C", value_delimiter = ',')]
    pub painters: Vec<String>,
    /// Images drawn per painter with the seed (default: all).
    #[arg(long, value_name = "N")]
    pub per_painter: Option<usize>,
    /// Folds of the stratified cross-validation.
    #[arg(long, value_name = "K", default_value_t = 10)]
    pub folds: usize,
    /// Independent random draws of --per-painter images (each with its own folds).
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub draws: usize,
    /// The CAE preset.
    #[arg(long, value_enum, default_value_t = PresetArg::Compact)]
    pub preset: PresetArg,
    /// Image side in pixels (default: 64 for compact, 256 for paper).
    #[arg(long, value_name = "PX")]
    pub image_size: Option<usize>,
    /// The encoder's filters per stage, comma-separated (overrides the preset's, e.g. 32,64,128
    /// for a third stage).
    #[arg(long, value_name = "F,F,...", value_delimiter = ',')]
    pub filters: Option<Vec<usize>>,
    /// The decoder's upsampling.
    #[arg(long, value_enum, default_value_t = DecoderArg::Unpool)]
    pub decoder: DecoderArg,
    /// Reuse a pretrained CAE: a checkpoint folder or a pretraining output folder (its best/).
    /// Several comma-separated folders make an ensemble: the linear probe reads every encoder.
    #[arg(
        long,
        value_name = "DIR[,DIR...]",
        value_delimiter = ',',
        conflicts_with = "no_pretrain"
    )]
    pub cae: Vec<PathBuf>,
    /// Skip pretraining: the encoder keeps its random initialization (ablation).
    #[arg(long)]
    pub no_pretrain: bool,
    /// Pretrain the CAE on N random crops per image of its input size, cut from the pretraining
    /// images standardized to --feature-size (native scale) instead of on whole shrunk images.
    #[arg(long, value_name = "N")]
    pub pretrain_crops: Option<usize>,
    /// CAE pretraining epochs.
    #[arg(long, value_name = "N", default_value_t = 6)]
    pub cae_epochs: usize,
    /// CAE mini-batch size.
    #[arg(long, value_name = "N", default_value_t = 16)]
    pub cae_batch: usize,
    /// Fraction of input pixels zeroed in every CAE training image (the paper's 0.2; 0: none).
    #[arg(long, value_name = "P", default_value_t = 0.2)]
    pub cae_pixel_dropout: f64,
    /// CAE optimizer: sgd (the paper's 0.01 x 0.98 per epoch) or adamw (1e-3).
    #[arg(long, value_name = "NAME", default_value = "adamw")]
    pub cae_optimizer: String,
    /// The classifier head.
    #[arg(long, value_enum, default_value_t = HeadArg::Linear)]
    pub head: HeadArg,
    /// Image side the classifier sees (default: the CAE's --image-size); only with --head linear.
    #[arg(long, value_name = "PX")]
    pub feature_size: Option<usize>,
    /// Describe images by patches of PX px (stride PX/2) and average their predictions; only with --head linear.
    #[arg(long, value_name = "PX")]
    pub patch_size: Option<usize>,
    /// The linear probe's candidate C values (inverse L2 strength), comma-separated.
    #[arg(
        long,
        value_name = "C,...",
        value_delimiter = ',',
        default_value = "0.01,0.03,0.1,0.3,1,3"
    )]
    pub c_grid: Vec<f64>,
    /// Read the encoder through a leaky ReLU max(x, S*x) in place of its ReLUs for the probe's
    /// statistics (0: its ReLUs, as trained); only with --head linear.
    #[arg(long, value_name = "S", default_value_t = 0.0)]
    pub statistics_slope: f64,
    /// Read each image (or patch) at these scales for the probe's statistics, concatenated: at
    /// scale S the encoder sees it averaged over SxS blocks (coarser strokes); only with
    /// --head linear.
    #[arg(long, value_name = "S,...", value_delimiter = ',', default_value = "1")]
    pub statistics_scales: Vec<usize>,
    /// Pretrain N CAEs (seeds S, S+1, ...; in <out>/cae, <out>/cae-2, ...) and let the linear
    /// probe read the statistics of all of them: an ensemble of encoders.
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub encoders: usize,
    /// Dropout after the hidden dense layers.
    #[arg(long, value_name = "P", default_value_t = 0.5)]
    pub dropout: f32,
    /// Fine-tune the encoder with this learning rate (default: frozen encoder).
    #[arg(long, value_name = "LR", num_args = 0..=1, default_missing_value = "0.0001")]
    pub fine_tune: Option<f64>,
    /// Classifier epochs (at most; early stopping).
    #[arg(long, value_name = "N", default_value_t = 150)]
    pub epochs: usize,
    /// Classifier mini-batch size.
    #[arg(long, value_name = "N", default_value_t = 32)]
    pub batch: usize,
    /// The head's AdamW learning rate.
    #[arg(long, value_name = "LR", default_value_t = 3e-3)]
    pub lr: f64,
    /// Early-stopping patience in epochs.
    #[arg(long, value_name = "N", default_value_t = 20)]
    pub patience: usize,
    /// Fraction of each fold's training part held out for early stopping.
    #[arg(long, value_name = "F", default_value_t = 0.1)]
    pub early_stopping_fraction: f64,
    /// Flip-and-crop augmentation of the training images.
    #[arg(long)]
    pub augment: bool,
    /// Run only the colour-histogram + nearest-neighbour baseline.
    #[arg(long)]
    pub baseline_only: bool,
    /// Stop after pretraining (data and CAE stages only); the same command without this flag
    /// then reuses the CAEs and cross-validates. Not a setting of the run: it is not recorded.
    #[arg(long, conflicts_with_all = ["baseline_only", "cae", "no_pretrain"])]
    pub pretrain_only: bool,
    /// Histogram levels per channel of the baseline.
    #[arg(long, value_name = "N", default_value_t = 8)]
    pub bins: usize,
    /// Neighbours voting in the baseline.
    #[arg(long, value_name = "K", default_value_t = 1)]
    pub neighbours: usize,
    /// The baseline's histogram distance: chi2, l1 or l2.
    #[arg(long, value_name = "D", default_value = "chi2")]
    pub distance: String,
    /// Synthetic painters (without --data / --wikiart).
    #[arg(long, value_name = "N", default_value_t = 4)]
    pub synthetic_painters: usize,
    /// Synthetic images per painter.
    #[arg(long, value_name = "N", default_value_t = 40)]
    pub synthetic_images: usize,
    /// Unlabeled synthetic images for pretraining (0: pretrain on the labelled ones).
    #[arg(long, value_name = "N", default_value_t = 320)]
    pub synthetic_unlabeled: usize,
    /// The seed of everything random.
    #[arg(long, value_name = "S", default_value_t = 0)]
    pub seed: u64,
    /// The output folder (an interrupted run there resumes).
    #[arg(long, value_name = "DIR", default_value = "out/reproduce")]
    pub out: PathBuf,
    /// Where standardized pixel caches are kept (default <out>/cache); share it between runs.
    #[arg(long, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
    /// Do not save the trained classifier of every fold.
    #[arg(long)]
    pub no_save_models: bool,
    /// Per-epoch lines and progress bars of the classifier.
    #[arg(long, short)]
    pub verbose: bool,
}

impl Args {
    /// The options these arguments describe; contradicting flags are refused with a message
    /// naming them, and the options are validated.
    pub fn into_options(self) -> Result<ReproduceOptions, PipelineError> {
        let synthetic_flags = self.synthetic_painters != 4
            || self.synthetic_images != 40
            || self.synthetic_unlabeled != 320;
        let source = match (&self.data, self.wikiart.is_empty()) {
            (Some(_), false) => {
                return Err(PipelineError::InvalidOption(
                    "give --data or --wikiart, not both".into(),
                ))
            }
            (Some(dir), true) => DataSource::Folder { dir: dir.clone() },
            (None, false) => DataSource::WikiArt {
                artists: self.wikiart.clone(),
                dir: self
                    .wikiart_dir
                    .clone()
                    .unwrap_or_else(|| self.out.join("wikiart")),
            },
            (None, true) => DataSource::Synthetic {
                painters: self.synthetic_painters,
                per_painter: self.synthetic_images,
                unlabeled: self.synthetic_unlabeled,
            },
        };
        if synthetic_flags && !matches!(source, DataSource::Synthetic { .. }) {
            return Err(PipelineError::InvalidOption(
                "--synthetic-* flags apply only without --data / --wikiart".into(),
            ));
        }
        let preset = match self.preset {
            PresetArg::Compact => "compact",
            PresetArg::Paper => "paper",
        };
        let image_size = self.image_size.or(match self.preset {
            PresetArg::Compact => Some(64),
            PresetArg::Paper => None,
        });
        let pretraining = match (self.cae.split_first(), self.no_pretrain) {
            (Some(_), true) => {
                return Err(PipelineError::InvalidOption(
                    "give --cae or --no-pretrain, not both".into(),
                ))
            }
            (Some((dir, more)), false) => Pretraining::Reuse {
                dir: dir.clone(),
                more: more.to_vec(),
            },
            (None, true) => Pretraining::None,
            (None, false) => Pretraining::Train,
        };
        let distance: Distance =
            self.distance
                .parse()
                .map_err(|e: crate::baseline::BaselineError| {
                    PipelineError::InvalidOption(format!("--distance: {e}"))
                })?;
        let options = ReproduceOptions {
            source,
            unlabeled: self.unlabeled,
            unlabeled_limit: self.unlabeled_limit,
            painters: (!self.painters.is_empty()).then_some(self.painters),
            per_painter: self.per_painter,
            folds: self.folds,
            draws: self.draws,
            preset: preset.into(),
            image_size,
            filters: self.filters,
            decoder: match self.decoder {
                DecoderArg::Unpool => Upsampling::MaxUnpool,
                DecoderArg::Upsample => Upsampling::Nearest,
            },
            pretraining,
            pretrain_crops: self.pretrain_crops,
            cae_epochs: self.cae_epochs,
            cae_batch: self.cae_batch,
            cae_pixel_dropout: self.cae_pixel_dropout,
            cae_optimizer: self.cae_optimizer,
            head: match self.head {
                HeadArg::Pool => HeadChoice::Pool,
                HeadArg::Flatten => HeadChoice::Flatten,
                HeadArg::Linear => HeadChoice::Linear,
            },
            feature_size: self.feature_size,
            patch_size: self.patch_size,
            c_grid: self.c_grid,
            statistics_slope: self.statistics_slope,
            statistics_scales: self.statistics_scales,
            encoders: self.encoders,
            dropout: self.dropout,
            fine_tune: self.fine_tune,
            epochs: self.epochs,
            batch: self.batch,
            learning_rate: self.lr,
            patience: self.patience,
            early_stopping_fraction: self.early_stopping_fraction,
            augment: self.augment,
            baseline_only: self.baseline_only,
            baseline: BaselineConfig {
                bins: self.bins,
                k: self.neighbours,
                distance,
            },
            seed: self.seed,
            out: self.out,
            cache_dir: self.cache_dir,
            save_models: !self.no_save_models,
            verbose: self.verbose,
        };
        options.validate()?;
        Ok(options)
    }
}
