//! [`ReproduceOptions`]: every setting of a reproduction run, with defaults that run the whole
//! pipeline on the built-in synthetic painters in under a minute on two CPU cores, and
//! [`ReproduceOptions::validate`], which names the first setting out of range.

use super::PipelineError;
use crate::baseline::BaselineConfig;
use painter_cae::{CaeConfig, Upsampling};
use painter_classify::HeadKind;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// The paper's denoising: the fraction of input pixels zeroed in every CAE training image.
pub const PAPER_PIXEL_DROPOUT: f64 = 0.2;

fn paper_pixel_dropout() -> f64 {
    PAPER_PIXEL_DROPOUT
}

// Serde's `skip_serializing_if` hands the field by reference.
fn is_paper_pixel_dropout(p: &f64) -> bool {
    *p == PAPER_PIXEL_DROPOUT
}

fn is_zero(v: &f64) -> bool {
    *v == 0.0
}

fn one() -> usize {
    1
}

fn is_one(n: &usize) -> bool {
    *n == 1
}

fn one_scale() -> Vec<usize> {
    vec![1]
}

fn is_one_scale(scales: &[usize]) -> bool {
    scales == [1]
}

/// Where the labelled paintings come from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum DataSource {
    /// The built-in synthetic painters (offline, deterministic in the seed).
    Synthetic {
        /// Synthetic painters (styles), 2..=8.
        painters: usize,
        /// Images generated per painter.
        per_painter: usize,
        /// Images of the unlabeled companion set used for pretraining (a stream disjoint from
        /// the labelled images); 0 pretrains on the labelled images, labels ignored.
        unlabeled: usize,
    },
    /// A folder laid out as `DIR/<painter>/<image>`.
    Folder {
        /// The folder.
        dir: PathBuf,
    },
    /// Scrape these WikiArt artists first (resumably) into `dir`, then read `dir` as a folder.
    WikiArt {
        /// Artist slugs as WikiArt spells them (`vincent-van-gogh`).
        artists: Vec<String>,
        /// Where the paintings are downloaded.
        dir: PathBuf,
    },
}

impl DataSource {
    /// The synthetic default: 4 painters x 40 images, 320 unlabeled images for pretraining.
    pub fn synthetic() -> Self {
        DataSource::Synthetic {
            painters: 4,
            per_painter: 40,
            unlabeled: 320,
        }
    }

    /// A one-line description.
    pub fn describe(&self) -> String {
        match self {
            DataSource::Synthetic {
                painters,
                per_painter,
                unlabeled,
            } => format!(
                "built-in synthetic painters ({painters} painters x {per_painter} images, {unlabeled} unlabeled)"
            ),
            DataSource::Folder { dir } => format!("folder {}", dir.display()),
            DataSource::WikiArt { artists, dir } => {
                format!("WikiArt artists {} (in {})", artists.join(","), dir.display())
            }
        }
    }
}

/// The classifier head: the paper's flatten head, the cheap global-pooling head, or the linear
/// probe on the encoder's texture statistics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HeadChoice {
    /// Flatten the latent maps, dense 400, dense 200, softmax (the paper).
    Flatten,
    /// Global average + max pooling of the latent maps, then the same dense layers (cheap).
    Pool,
    /// Per-channel mean and standard deviation of every encoder stage's activations and of the
    /// latent maps ([`painter_classify::ChannelStatistics`]), standardized, then a multinomial
    /// logistic regression whose `C` is chosen by cross-validation inside each fold's training
    /// part ([`painter_classify::LinearProbe`]). Always on the frozen encoder; the features do not
    /// depend on the image size, so `feature_size` may exceed the CAE's.
    Linear,
}

impl HeadChoice {
    /// painter-classify's head kind (`None` for the linear probe, which is not a dense head).
    pub fn kind(&self) -> Option<HeadKind> {
        match self {
            HeadChoice::Flatten => Some(HeadKind::Flatten),
            HeadChoice::Pool => Some(HeadKind::GlobalPool),
            HeadChoice::Linear => None,
        }
    }

    /// The name used on the command line.
    pub fn name(&self) -> &'static str {
        match self {
            HeadChoice::Flatten => "flatten",
            HeadChoice::Pool => "pool",
            HeadChoice::Linear => "linear",
        }
    }
}

/// How the encoder's weights come to be, before the classifier is trained.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Pretraining {
    /// Pretrain a CAE in `<out>/cae` (resumable).
    Train,
    /// Reuse a pretrained CAE: a checkpoint folder (`model.safetensors` + `config.json`) or the
    /// output folder of a pretraining run (its `best/` is used).
    Reuse {
        /// The folder.
        dir: PathBuf,
        /// Further pretrained CAEs (folders of the same kinds) whose statistics the linear probe
        /// reads as well: an ensemble of encoders.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        more: Vec<PathBuf>,
    },
    /// No pretraining: the encoder keeps its seeded random initialization (an ablation).
    None,
}

/// Every setting of a reproduction run. [`Default`] is the README's main command: the synthetic
/// painters, compact CAE at 64 px, the linear probe, 10-fold cross-validation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReproduceOptions {
    /// The labelled data.
    pub source: DataSource,
    /// A folder of unlabeled images to pretrain on (else: the synthetic companion set, or the
    /// selected labelled images with labels ignored).
    pub unlabeled: Option<PathBuf>,
    /// At most this many unlabeled images are used for pretraining (the first ones in file
    /// order; `None`: all).
    pub unlabeled_limit: Option<usize>,
    /// Painters (class folder names) to keep, in this label order (`None`: all).
    pub painters: Option<Vec<String>>,
    /// Images drawn per painter with the seed (`None`: all images).
    pub per_painter: Option<usize>,
    /// Folds of the stratified cross-validation.
    pub folds: usize,
    /// Independent random draws of the `per_painter` images (and of the folds).
    pub draws: usize,
    /// The CAE preset: `compact` or `paper`.
    pub preset: String,
    /// The image side (overrides the preset's).
    pub image_size: Option<usize>,
    /// The encoder's filters per stage (overrides the preset's; the decoder mirrors them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filters: Option<Vec<usize>>,
    /// Max-unpooling (the paper) or nearest upsampling in the decoder.
    pub decoder: Upsampling,
    /// Train, reuse or skip the CAE.
    pub pretraining: Pretraining,
    /// Pretrain the CAE on this many random crops per image, of the CAE's input size, cut from
    /// the pretraining images standardized to `feature_size` (`None`: on whole images
    /// standardized to the CAE's size). The encoder then learns its filters at the scale at which
    /// the linear probe later describes the paintings. Needs pretraining here and a
    /// `feature_size` above the CAE's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pretrain_crops: Option<usize>,
    /// CAE pretraining epochs.
    pub cae_epochs: usize,
    /// CAE mini-batch size.
    pub cae_batch: usize,
    /// The fraction of input pixels zeroed in every CAE training image, redrawn each epoch
    /// (the paper's denoising: 0.2; 0 trains a plain autoencoder).
    #[serde(
        default = "paper_pixel_dropout",
        skip_serializing_if = "is_paper_pixel_dropout"
    )]
    pub cae_pixel_dropout: f64,
    /// CAE optimizer: `sgd` (the paper: 0.01, x0.98 per epoch) or `adamw` (1e-3).
    pub cae_optimizer: String,
    /// The classifier head.
    pub head: HeadChoice,
    /// The image side the classifier sees (`None`: the CAE's). Only with [`HeadChoice::Linear`].
    pub feature_size: Option<usize>,
    /// Describe each image by patches of this side (stride half of it, mostly-padding patches
    /// skipped) instead of as a whole; the probe trains on every patch of the training images and
    /// predicts an image from the mean log-probabilities of its patches. Only with
    /// [`HeadChoice::Linear`].
    pub patch_size: Option<usize>,
    /// The linear probe's candidate `C` values (chosen by cross-validation inside each fold's
    /// training part when there are several).
    pub c_grid: Vec<f64>,
    /// The linear probe reads the encoder through a leaky ReLU `max(x, slope * x)` in place of
    /// its ReLUs (0: the ReLUs as trained). Only with [`HeadChoice::Linear`].
    #[serde(default, skip_serializing_if = "is_zero")]
    pub statistics_slope: f64,
    /// The scales at which the linear probe's statistics read each image (or patch), concatenated:
    /// at scale `s` the encoder sees it averaged over `s x s` blocks, so its filters respond to
    /// coarser strokes (`[1]`: the image as it is). Other than `[1]` only with
    /// [`HeadChoice::Linear`].
    #[serde(default = "one_scale", skip_serializing_if = "is_one_scale")]
    pub statistics_scales: Vec<usize>,
    /// The number of CAEs pretrained here (`<out>/cae`, `<out>/cae-2`, ..., seeded `seed`,
    /// `seed + 1`, ...), or drawn at random without pretraining, whose statistics the linear
    /// probe concatenates: an ensemble of encoders. With [`Pretraining::Reuse`] it stays 1 and
    /// the folders name the encoders. More than 1 only with [`HeadChoice::Linear`].
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub encoders: usize,
    /// Dropout after the hidden dense layers.
    pub dropout: f32,
    /// Fine-tune the encoder with this learning rate (`None`: frozen, the default).
    pub fine_tune: Option<f64>,
    /// Classifier epochs (at most; early stopping on a split carved out of each fold's training
    /// part).
    pub epochs: usize,
    /// Classifier mini-batch size.
    pub batch: usize,
    /// The head's AdamW learning rate.
    pub learning_rate: f64,
    /// Early-stopping patience (epochs).
    pub patience: usize,
    /// Fraction of each fold's training part held out for early stopping.
    pub early_stopping_fraction: f64,
    /// Flip-and-crop augmentation of the training images.
    pub augment: bool,
    /// Run only the colour-histogram baseline (no CAE, no classifier).
    pub baseline_only: bool,
    /// The baseline's settings.
    pub baseline: BaselineConfig,
    /// The seed of everything random.
    pub seed: u64,
    /// The output folder.
    pub out: PathBuf,
    /// Where standardized pixel caches are kept (default `<out>/cache`); share it between runs.
    pub cache_dir: Option<PathBuf>,
    /// Save every fold's trained classifier.
    pub save_models: bool,
    /// Print per-epoch lines and progress bars.
    pub verbose: bool,
}

impl Default for ReproduceOptions {
    fn default() -> Self {
        Self {
            source: DataSource::synthetic(),
            unlabeled: None,
            unlabeled_limit: None,
            painters: None,
            per_painter: None,
            folds: 10,
            draws: 1,
            preset: "compact".into(),
            image_size: Some(64),
            filters: None,
            decoder: Upsampling::MaxUnpool,
            pretraining: Pretraining::Train,
            pretrain_crops: None,
            cae_epochs: 6,
            cae_batch: 16,
            cae_pixel_dropout: PAPER_PIXEL_DROPOUT,
            cae_optimizer: "adamw".into(),
            head: HeadChoice::Linear,
            feature_size: None,
            patch_size: None,
            c_grid: painter_classify::LinearProbeConfig::default().c_grid,
            statistics_slope: 0.0,
            statistics_scales: vec![1],
            encoders: 1,
            dropout: 0.5,
            fine_tune: None,
            epochs: 150,
            batch: 32,
            learning_rate: 3e-3,
            patience: 20,
            early_stopping_fraction: 0.1,
            augment: false,
            baseline_only: false,
            baseline: BaselineConfig::default(),
            seed: 0,
            out: PathBuf::from("out/reproduce"),
            cache_dir: None,
            save_models: true,
            verbose: false,
        }
    }
}

impl ReproduceOptions {
    /// Checks every setting; the error names the first one out of range.
    pub fn validate(&self) -> Result<(), PipelineError> {
        let bad = |m: String| Err(PipelineError::InvalidOption(m));
        match &self.source {
            DataSource::Synthetic {
                painters,
                per_painter,
                ..
            } => {
                let max = painter_data::synthetic::MAX_PAINTERS;
                if !(2..=max).contains(painters) {
                    return bad(format!(
                        "--synthetic-painters must be in 2..={max}, got {painters}"
                    ));
                }
                if *per_painter == 0 {
                    return bad("--synthetic-images must be at least 1".into());
                }
            }
            DataSource::Folder { dir } => {
                if !dir.is_dir() {
                    return bad(format!(
                        "--data {} does not exist or is not a folder",
                        dir.display()
                    ));
                }
            }
            DataSource::WikiArt { artists, .. } => {
                if artists.is_empty() || artists.iter().any(|a| a.trim().is_empty()) {
                    return bad("--wikiart needs a comma-separated list of artist slugs".into());
                }
            }
        }
        if let Some(dir) = &self.unlabeled {
            if !dir.is_dir() {
                return bad(format!(
                    "--unlabeled {} does not exist or is not a folder",
                    dir.display()
                ));
            }
        }
        if self.unlabeled_limit == Some(0) {
            return bad("--unlabeled-limit must be at least 1".into());
        }
        if let Some(p) = &self.painters {
            if p.len() < 2 {
                return bad(format!(
                    "--painters must name at least 2 painters, got {}",
                    p.len()
                ));
            }
            if let Some(e) = p.iter().find(|n| n.trim().is_empty()) {
                return bad(format!("--painters holds an empty name ({e:?})"));
            }
            for (i, n) in p.iter().enumerate() {
                if p[..i].contains(n) {
                    return bad(format!("--painters names `{n}` twice"));
                }
            }
        }
        if self.per_painter == Some(0) {
            return bad("--per-painter must be at least 1".into());
        }
        if self.folds < 2 {
            return bad(format!("--folds must be at least 2, got {}", self.folds));
        }
        if let Some(n) = self.per_painter {
            if n < self.folds {
                return bad(format!(
                    "--per-painter {n} is smaller than --folds {}: some folds would lack a painter",
                    self.folds
                ));
            }
        }
        if self.draws == 0 {
            return bad("--draws must be at least 1".into());
        }
        if self.draws > 1 && self.per_painter.is_none() {
            return bad(
                "--draws > 1 needs --per-painter (without it every draw would hold the same images)"
                    .into(),
            );
        }
        self.cae_config()?;
        if self.cae_epochs == 0 {
            return bad("--cae-epochs must be at least 1".into());
        }
        if self.cae_batch == 0 {
            return bad("--cae-batch must be at least 1".into());
        }
        if !(0.0..1.0).contains(&self.cae_pixel_dropout) {
            return bad(format!(
                "--cae-pixel-dropout must be in [0, 1), got {}",
                self.cae_pixel_dropout
            ));
        }
        if self.cae_pixel_dropout != PAPER_PIXEL_DROPOUT && self.pretraining != Pretraining::Train {
            return bad(
                "--cae-pixel-dropout shapes pretraining: it cannot go with --cae or --no-pretrain"
                    .into(),
            );
        }
        painter_cae::OptimizerConfig::by_name(&self.cae_optimizer)
            .map_err(|e| PipelineError::InvalidOption(format!("--cae-optimizer: {e}")))?;
        if let Some(s) = self.feature_size {
            if self.head != HeadChoice::Linear {
                return bad("--feature-size needs --head linear (the dense heads are built for the CAE's size)".into());
            }
            if !(8..=1024).contains(&s) {
                return bad(format!("--feature-size must be in 8..=1024, got {s}"));
            }
        }
        if let Some(n) = self.pretrain_crops {
            if self.pretraining != Pretraining::Train {
                return bad(
                    "--pretrain-crops shapes pretraining: it cannot go with --cae or --no-pretrain"
                        .into(),
                );
            }
            if !(1..=64).contains(&n) {
                return bad(format!("--pretrain-crops must be in 1..=64, got {n}"));
            }
            if self.feature_image_size()? <= self.effective_image_size()? {
                return bad(format!(
                    "--pretrain-crops cuts the CAE's {0}x{0} inputs from images standardized to --feature-size: give a --feature-size above {0}",
                    self.effective_image_size()?
                ));
            }
        }
        if let Some(p) = self.patch_size {
            if self.head != HeadChoice::Linear {
                return bad("--patch-size needs --head linear".into());
            }
            let size = self.feature_image_size()? as usize;
            let cfg = self.cae_config()?;
            let largest_scale = self.statistics_scales.iter().copied().max().unwrap_or(1);
            let smallest = cfg.pool.pow(cfg.depth() as u32) * largest_scale;
            if p < smallest || p > size {
                return bad(format!(
                    "--patch-size must be in {smallest}..={size} (the encoder's poolings times the largest --statistics-scales .. the feature size), got {p}"
                ));
            }
        }
        if !(0.0..=1.0).contains(&self.statistics_slope) {
            return bad(format!(
                "--statistics-slope must be in [0, 1], got {}",
                self.statistics_slope
            ));
        }
        if !painter_classify::are_valid_scales(&self.statistics_scales) {
            return bad(format!(
                "--statistics-scales must be one or more distinct integers from 1 to {}, got {:?}",
                painter_classify::MAX_STATISTICS_SCALE,
                self.statistics_scales
            ));
        }
        if !is_one_scale(&self.statistics_scales) && self.head != HeadChoice::Linear {
            return bad(
                "--statistics-scales shapes the linear probe's features: it needs --head linear"
                    .into(),
            );
        }
        if self.head == HeadChoice::Linear && self.patch_size.is_none() {
            let cfg = self.cae_config()?;
            let largest_scale = self.statistics_scales.iter().copied().max().unwrap_or(1);
            let smallest = cfg.pool.pow(cfg.depth() as u32) * largest_scale;
            let size = self.feature_image_size()? as usize;
            if size < smallest {
                return bad(format!(
                    "the statistics read {size}x{size} images at scale {largest_scale}: the encoder's poolings need sides of at least {smallest} px there; lower --statistics-scales or raise --feature-size"
                ));
            }
        }
        if !(1..=16).contains(&self.encoders) {
            return bad(format!(
                "--encoders must be in 1..=16, got {}",
                self.encoders
            ));
        }
        if self.encoders > 1 && matches!(self.pretraining, Pretraining::Reuse { .. }) {
            return bad(
                "--encoders counts the CAEs pretrained here (or drawn at random): with --cae, name one folder per encoder (--cae DIR,DIR,...)"
                    .into(),
            );
        }
        if self.ensemble_size() > 1 && self.head != HeadChoice::Linear {
            return bad(
                "an ensemble of encoders (--encoders, or several --cae folders) feeds the linear probe: it needs --head linear"
                    .into(),
            );
        }
        if self.statistics_slope != 0.0 && self.head != HeadChoice::Linear {
            return bad(
                "--statistics-slope shapes the linear probe's features: it needs --head linear"
                    .into(),
            );
        }
        if self.head == HeadChoice::Linear {
            if self.fine_tune.is_some() {
                return bad("--fine-tune trains the encoder under a dense head: add --head pool or --head flatten (the linear head keeps the encoder frozen)".into());
            }
            if self.augment {
                return bad("--augment applies to the dense heads: add --head pool or --head flatten (the linear head does not augment)".into());
            }
            painter_classify::LinearProbeConfig {
                c_grid: self.c_grid.clone(),
                ..Default::default()
            }
            .validate()
            .map_err(|e| PipelineError::InvalidOption(format!("--c-grid: {e}")))?;
        }
        if !(0.0..1.0).contains(&self.dropout) {
            return bad(format!("--dropout must be in [0, 1), got {}", self.dropout));
        }
        if let Some(lr) = self.fine_tune {
            if !(lr.is_finite() && lr > 0.0) {
                return bad(format!("--fine-tune learning rate must be > 0, got {lr}"));
            }
        }
        if self.epochs == 0 {
            return bad("--epochs must be at least 1".into());
        }
        if self.batch == 0 {
            return bad("--batch must be at least 1".into());
        }
        if !(self.learning_rate.is_finite() && self.learning_rate > 0.0) {
            return bad(format!("--lr must be > 0, got {}", self.learning_rate));
        }
        if self.patience == 0 {
            return bad("--patience must be at least 1".into());
        }
        if !(self.early_stopping_fraction > 0.0 && self.early_stopping_fraction < 0.5) {
            return bad(format!(
                "--early-stopping-fraction must be in (0, 0.5), got {}",
                self.early_stopping_fraction
            ));
        }
        self.baseline
            .validate()
            .map_err(|e| PipelineError::InvalidOption(e.to_string()))?;
        if self.out.as_os_str().is_empty() {
            return bad("--out must not be empty".into());
        }
        Ok(())
    }

    /// The number of encoders whose statistics the linear probe reads: the `--cae` folders when
    /// reusing, else [`ReproduceOptions::encoders`].
    pub fn ensemble_size(&self) -> usize {
        match &self.pretraining {
            Pretraining::Reuse { more, .. } => 1 + more.len(),
            _ => self.encoders,
        }
    }

    /// The autoencoder's architecture: the preset, at `image_size` and with `filters` if given,
    /// with the decoder's upsampling.
    pub fn cae_config(&self) -> Result<CaeConfig, PipelineError> {
        let mut cfg = CaeConfig::preset(&self.preset)
            .map_err(|e| PipelineError::InvalidOption(format!("--preset: {e}")))?;
        if let Some(s) = self.image_size {
            if !(8..=1024).contains(&s) {
                return Err(PipelineError::InvalidOption(format!(
                    "--image-size must be in 8..=1024, got {s}"
                )));
            }
            cfg.image_size = s;
        }
        if let Some(f) = &self.filters {
            cfg.filters = f.clone();
        }
        cfg.upsampling = self.decoder;
        cfg.validate()
            .map_err(|e| PipelineError::InvalidOption(format!("--image-size / --filters: {e}")))?;
        Ok(cfg)
    }

    /// The image side every image is standardized to.
    pub fn effective_image_size(&self) -> Result<u32, PipelineError> {
        let size = self.cae_config()?.image_size;
        u32::try_from(size)
            .map_err(|_| PipelineError::InvalidOption(format!("image size {size} is too large")))
    }

    /// The image side the classifier sees: `feature_size`, else the CAE's.
    pub fn feature_image_size(&self) -> Result<u32, PipelineError> {
        match self.feature_size {
            Some(s) => u32::try_from(s)
                .map_err(|_| PipelineError::InvalidOption(format!("image size {s} is too large"))),
            None => self.effective_image_size(),
        }
    }

    /// The side the pretraining images are standardized to: the feature size when the CAE
    /// pretrains on crops ([`Self::pretrain_crops`]), else the CAE's.
    pub fn pretraining_image_size(&self) -> Result<u32, PipelineError> {
        match self.pretrain_crops {
            Some(_) => self.feature_image_size(),
            None => self.effective_image_size(),
        }
    }

    /// The folder of the standardized pixel caches.
    pub fn cache_root(&self) -> PathBuf {
        self.cache_dir
            .clone()
            .unwrap_or_else(|| self.out.join("cache"))
    }
}
