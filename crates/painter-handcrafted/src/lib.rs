//! # painter-handcrafted
//!
//! Hand-crafted painting descriptors and the classical classifiers on them: the paper's Table 1
//! ("image-processing features" with a nearest neighbour and an SVM), rebuilt on the project's
//! folds.
//!
//! Descriptors, each a function of one standardized painting ([`image::RgbImage`]) returning a
//! fixed-length vector, picked and concatenated by a [`DescriptorConfig`]:
//! - colour: the joint RGB [`colour_histogram`] and the [`colour_moments`] (mean, standard
//!   deviation, skewness) in CIE Lab;
//! - texture: [`GaborBank`] energy at several frequencies and orientations, uniform
//!   [`lbp_histograms`] at several radii, grey-level co-occurrence statistics
//!   ([`glcm_statistics`]: contrast, homogeneity, energy, correlation);
//! - edges and gradients: Sobel orientation histogram, magnitude statistics, edge densities
//!   ([`gradient_statistics`]);
//! - Fourier energy: radial and angular power-spectrum bands and the spectral slope
//!   ([`fourier_statistics`]).
//!
//! Texture and edge kernels follow scikit-image's definitions, checked against it by the tests
//! (fixtures under `tests/fixtures/`, with the script that made them).
//!
//! Classifiers, fitted on training rows only through a [`HandcraftedModel`] (a
//! [`painter_eval::FoldModel`]): the k-nearest neighbour ([`NeighboursConfig`]) and the RBF SVM
//! ([`SvmConfig`]: linfa-svm's solver one-versus-one as scikit-learn's `SVC`, `C` and `gamma`
//! chosen by painter-eval's stratified cross-validation inside the training rows), on descriptors
//! standardized on the training rows ([`Scaling`]).
//!
//! ```
//! use image::{Rgb, RgbImage};
//! use painter_handcrafted::{Descriptor, DescriptorConfig, Descriptors, HandcraftedConfig, HandcraftedModel};
//!
//! // Four "paintings" of two painters: one paints stripes, the other flat colour.
//! let stripes = |shade: u8| RgbImage::from_fn(24, 24, |x, _| Rgb([if x % 4 < 2 { shade } else { 20 }; 3]));
//! let flat = |shade: u8| RgbImage::from_pixel(24, 24, Rgb([shade, shade / 2, 40]));
//! let images = [stripes(200), flat(180), stripes(150), flat(120)];
//! let config = HandcraftedConfig::all_features_neighbour();
//! let descriptor = Descriptor::new(config.descriptor.clone()).unwrap();
//! let rows = images.iter().map(|i| descriptor.describe(i).unwrap()).collect();
//! let descriptors = Descriptors::from_rows(rows, vec![0, 1, 0, 1], 2, descriptor.blocks().to_vec()).unwrap();
//! let model = HandcraftedModel::new(&config, &descriptors).unwrap();
//! let predicted = model.fit_predict(&[0, 1], &[2, 3]).unwrap();
//! assert_eq!(predicted.labels, vec![0, 1]);
//! ```
#![deny(missing_docs)]

mod baseline;
mod classifier;
mod colour_histogram;
mod colour_moments;
mod descriptor;
mod descriptors;
mod distance;
mod error;
mod fft;
mod fourier;
mod gabor;
mod glcm;
mod gradients;
mod grey;
mod lbp;
mod moments;
mod neighbours;
mod scaling;
mod svm;

pub use baseline::BaselineConfig;
pub use classifier::{
    ClassifierConfig, FittedClassifier, FoldPredictions, HandcraftedConfig, HandcraftedModel,
};
pub use colour_histogram::{colour_histogram, MAX_HISTOGRAM_BINS};
pub use colour_moments::{colour_moments, srgb_to_lab, COLOUR_MOMENTS_LEN};
pub use descriptor::{Descriptor, DescriptorConfig, Feature, FeatureBlock};
pub use descriptors::Descriptors;
pub use distance::Distance;
pub use error::{HandcraftedError, Result};
pub use fourier::{fourier_statistics, power_spectrum, FourierConfig};
pub use gabor::{gabor_kernel, gabor_response, GaborBank, GaborConfig, GaborKernel};
pub use glcm::{co_occurrence, glcm_statistics, offsets, quantize, GlcmConfig, GlcmProperties};
pub use gradients::{gradient_statistics, sobel, GradientConfig};
pub use grey::GreyImage;
pub use lbp::{lbp_histograms, uniform_lbp_codes, LbpConfig, LbpScale};
pub use neighbours::NeighboursConfig;
pub use scaling::{BlockScaler, Scaling};
pub use svm::{CandidateScore, FittedSvm, RbfSvm, SvmConfig};
