//! # deep-painter
//!
//! Tells who painted a painting. A re-implementation of *DeepPainter* (David & Netanyahu, ICANN 2016):
//! a convolutional autoencoder (CAE) with real max-unpooling learns painting features from unlabeled
//! paintings; its encoder then initializes a classifier evaluated by k-fold cross-validation.
//!
//! This crate only gathers the workspace's libraries under one name, for the example programs and the
//! integration tests; depend on the crate you need directly:
//!
//! | crate | concern |
//! |---|---|
//! | [`data`] (`painter-data`) | decoding, standardization, datasets, caches, batching, augmentation, synthetic painters, WikiArt scraping |
//! | [`conv`] (`painter-conv`) | fast CPU convolutions (im2col + GEMM) as Candle custom ops with backward passes |
//! | [`cae`] (`painter-cae`) | max-pooling with switches, max-unpooling, the autoencoder and its pretraining |
//! | [`classify`] (`painter-classify`) | the classifier head on the pretrained encoder, training, prediction |
//! | [`eval`] (`painter-eval`) | scikit-learn-identical metrics, k-fold and stratified k-fold cross-validation |
//! | [`plot`] (`painter-plot`) | PNG line charts with a bundled font |
#![deny(missing_docs)]

pub mod pipeline;
pub mod predict;
pub mod recipe;

pub use painter_cae as cae;
pub use painter_classify as classify;
pub use painter_conv as conv;
pub use painter_data as data;
pub use painter_eval as eval;
pub use painter_plot as plot;
