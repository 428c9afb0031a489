//! # painter-classify
//!
//! The second half of DeepPainter: the pretrained convolutional autoencoder's encoder initializes a
//! painter classifier.
//!
//! - [`PainterClassifier`]: encoder (frozen by default, optionally fine-tuned with its own learning
//!   rate or unfrozen after some epochs) + dense [`Head`] (the paper's flatten → 400 → 200 → softmax,
//!   or the cheap global average + max pooling variant, [`HeadKind`]), with class names and
//!   [`Preprocessing`].
//! - Training ([`PainterClassifier::fit`], [`TrainConfig`]): cross-entropy with optional class
//!   weights, AdamW or SGD ([`OptimizerConfig`], fused in-place updates on the CPU), flip and crop
//!   augmentation from painter-data, early stopping with the best epoch restored, seeded and
//!   deterministic on the CPU, per-epoch lines and PNG curves ([`TrainingHistory`]).
//! - A frozen encoder's features are computed once ([`FeatureCache`], memory or disk, `f32` or `f16`).
//! - Prediction from image files with per-file errors, and atomic save / load of the whole model.
//! - Cross-validation through painter-eval ([`FoldTrainer`], [`cross_validate_classifier`]).
//! - A linear probe: [`ChannelStatistics`] (per-channel mean and std of every encoder stage, at any
//!   image size, through the encoder's ReLUs or a leaky ReLU in their place) fed to a
//!   standardized multinomial [`LogisticRegression`] (preconditioned Newton-CG, the same optimum
//!   as scikit-learn's), its `C` chosen by cross-validation inside the training samples
//!   ([`LinearProbe`]); images are described whole or by patches ([`StatisticsFeatures`]) as
//!   [`SampleFeatures`] (a [`FeatureMatrix`] with each image's rows), and the whole model saves,
//!   loads and predicts as a [`ProbeClassifier`].
//!
//! **Memory of the paper head.** Flattening 200 x 64 x 64 latent maps into 400 units takes 328 M
//! weights (1.3 GB `f32`); with AdamW's two moments and the gradient, training peaks at about 6.3 GB
//! (measured, batch 16) plus one best-epoch snapshot (1.3 GB) when validating. The weight is stored `inputs x outputs` so neither the
//! forward pass nor the gradient makes a transposed copy, the optimizers update in place, and cached
//! features default to `f16` (1.6 MB per image). [`HeadKind::GlobalPool`] needs a few hundred KB.
//!
//! **Augmentation with a frozen encoder.** The feature cache holds the plain view of every image plus
//! [`AugmentConfig::cached_views`] augmented views computed once; every epoch each training image uses
//! one of them (seeded draw). Set [`CacheConfig::Off`] to draw fresh augmentations every epoch (the
//! encoder then runs every batch), which is also what happens while the encoder is being trained.
//!
//! ```
//! use candle_core::Device;
//! use painter_cae::CaeConfig;
//! use painter_classify::{HeadConfig, PainterClassifier, PretrainedEncoder, TrainConfig};
//! use painter_data::{Dataset, SyntheticPainters};
//!
//! let data = SyntheticPainters::new(3, 4, 32, 1).unwrap();
//! let cae = CaeConfig::tiny(32);
//! // In practice: PretrainedEncoder::load(Path::new("runs/cae"), &Device::Cpu)
//! let encoder = PretrainedEncoder::seeded(&cae, 0, &Device::Cpu).unwrap();
//! let head = HeadConfig::pooled(cae.latent_shape(), 3).with_hidden(vec![16, 8]);
//! let model =
//!     PainterClassifier::on_encoder(encoder, &head, data.class_names().to_vec(), 0, &Device::Cpu)
//!         .unwrap();
//! let all: Vec<usize> = (0..data.len()).collect();
//! let cfg = TrainConfig { epochs: 2, batch_size: 4, ..TrainConfig::default() };
//! let history = model.fit(&data, &all, None, &cfg, None).unwrap();
//! assert_eq!(history.epochs.len(), 2);
//! let probs = model.predict(&[data.get(0).unwrap().image]).unwrap();
//! assert_eq!(probs[0].probabilities.len(), 3);
//! ```
#![deny(missing_docs)]

mod cache;
mod checkpoint;
mod classifier;
mod cross_validation;
mod dropout;
mod encoder;
mod error;
mod extractor;
mod features;
mod head;
mod head_config;
mod history;
mod images;
mod init;
mod linear_probe;
mod logistic;
mod loss;
mod newton;
mod npy;
mod patches;
mod predict;
mod preprocess;
mod probe_classifier;
mod progress;
mod statistics;
mod temperature;
mod train;
mod train_config;
mod vars;

pub use cache::FeatureCache;
pub use checkpoint::{ClassifierDescription, CONFIG_FILE, WEIGHTS_FILE};
pub use classifier::PainterClassifier;
pub use cross_validation::{cross_validate_classifier, FoldTrainer};
pub use dropout::{dropout, spatial_dropout};
pub use encoder::PretrainedEncoder;
pub use error::{ClassifyError, NpyProblem, Result};
pub use extractor::FeatureExtractor;
pub use features::{FeatureMatrix, SampleFeatures};
pub use head::Head;
pub use head_config::{HeadConfig, HeadKind};
pub use history::{TrainingEpoch, TrainingHistory};
pub use images::{augmentation, load_images, load_labels};
pub use init::{derive_seed, uniform_tensor, uniform_values};
pub use linear_probe::{CandidateScore, LinearProbe, LinearProbeConfig, Standardizer};
pub use logistic::{FitReport, LinearSoftmax, LogisticProblem, LogisticRegression};
pub use loss::cross_entropy;
pub use npy::{read_labels_npy, write_labels_npy};
pub use painter_train::{Optimizer, OptimizerConfig};
pub use patches::{patch_corners, StatisticsFeatures};
pub use predict::{read_image, Prediction, PREDICT_BATCH};
pub use preprocess::Preprocessing;
pub use probe_classifier::{ProbeClassifier, ENCODER_FILE, PROBE_FILE};
pub use statistics::{are_valid_scales, ChannelStatistics, MAX_STATISTICS_SCALE};
pub use temperature::Temperature;
pub use train::{class_weights, stratified_split};
pub use train_config::{
    AugmentConfig, CacheConfig, ClassWeights, EarlyStopping, EncoderTraining, TrainConfig,
};
