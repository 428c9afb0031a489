//! A [`Descriptor`]: the feature families a [`DescriptorConfig`] picks, computed from one
//! standardized painting and concatenated into one fixed-length vector, with the [`FeatureBlock`]
//! each family occupies.

use crate::colour_histogram::{check_bins, colour_histogram};
use crate::colour_moments::{colour_moments, COLOUR_MOMENTS_LEN};
use crate::error::{invalid, Result};
use crate::fourier::{fourier_statistics, FourierConfig};
use crate::gabor::{GaborBank, GaborConfig};
use crate::glcm::{glcm_statistics, GlcmConfig};
use crate::gradients::{gradient_statistics, GradientConfig};
use crate::grey::GreyImage;
use crate::lbp::{lbp_histograms, LbpConfig};
use image::RgbImage;
use serde::{Deserialize, Serialize};
use std::cell::OnceCell;
use std::ops::Range;

/// One feature family and its settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Feature {
    /// The joint RGB histogram with `bins` levels per channel ([`colour_histogram`]).
    ColourHistogram {
        /// Levels per channel: 1..=64.
        bins: usize,
    },
    /// Mean, standard deviation and skewness of `L*`, `a*`, `b*` ([`colour_moments`]).
    ColourMoments,
    /// Gabor filter-bank energy ([`GaborBank::energy`]).
    Gabor(GaborConfig),
    /// Uniform LBP histograms ([`lbp_histograms`]).
    Lbp(LbpConfig),
    /// Grey-level co-occurrence statistics ([`glcm_statistics`]).
    Glcm(GlcmConfig),
    /// Gradient orientations, magnitude and edge density ([`gradient_statistics`]).
    Gradients(GradientConfig),
    /// Fourier band energies and spectral slope ([`fourier_statistics`]).
    Fourier(FourierConfig),
}

impl Feature {
    /// The family's name, as the `kind` key spells it.
    pub fn name(&self) -> &'static str {
        match self {
            Feature::ColourHistogram { .. } => "colour_histogram",
            Feature::ColourMoments => "colour_moments",
            Feature::Gabor(_) => "gabor",
            Feature::Lbp(_) => "lbp",
            Feature::Glcm(_) => "glcm",
            Feature::Gradients(_) => "gradients",
            Feature::Fourier(_) => "fourier",
        }
    }

    /// Checks the settings.
    pub fn validate(&self) -> Result<()> {
        match self {
            Feature::ColourHistogram { bins } => check_bins(*bins),
            Feature::ColourMoments => Ok(()),
            Feature::Gabor(c) => c.validate(),
            Feature::Lbp(c) => c.validate(),
            Feature::Glcm(c) => c.validate(),
            Feature::Gradients(c) => c.validate(),
            Feature::Fourier(c) => c.validate(),
        }
    }

    /// The number of values the family gives.
    pub fn len(&self) -> usize {
        match self {
            Feature::ColourHistogram { bins } => bins * bins * bins,
            Feature::ColourMoments => COLOUR_MOMENTS_LEN,
            Feature::Gabor(c) => c.len(),
            Feature::Lbp(c) => c.len(),
            Feature::Glcm(c) => c.len(),
            Feature::Gradients(c) => c.len(),
            Feature::Fourier(c) => c.len(),
        }
    }

    /// Whether the family gives no value (never, once validated).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Which feature families a descriptor concatenates, in order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DescriptorConfig {
    /// The families, each at most once.
    pub features: Vec<Feature>,
}

impl Default for DescriptorConfig {
    /// The colour histogram alone, 8 levels per channel.
    fn default() -> Self {
        Self::colour_histogram(8)
    }
}

impl DescriptorConfig {
    /// The colour histogram alone.
    pub fn colour_histogram(bins: usize) -> Self {
        Self {
            features: vec![Feature::ColourHistogram { bins }],
        }
    }

    /// Every family at its default settings (colour histogram with 8 levels per channel).
    pub fn all() -> Self {
        Self {
            features: vec![
                Feature::ColourHistogram { bins: 8 },
                Feature::ColourMoments,
                Feature::Gabor(GaborConfig::default()),
                Feature::Lbp(LbpConfig::default()),
                Feature::Glcm(GlcmConfig::default()),
                Feature::Gradients(GradientConfig::default()),
                Feature::Fourier(FourierConfig::default()),
            ],
        }
    }

    /// Checks the settings: at least one family, each valid and listed once.
    pub fn validate(&self) -> Result<()> {
        if self.features.is_empty() {
            return Err(invalid("features", "pick at least one feature family"));
        }
        for (i, f) in self.features.iter().enumerate() {
            f.validate()?;
            if self.features[..i].iter().any(|g| g.name() == f.name()) {
                return Err(invalid(
                    "features",
                    format!("`{}` is listed twice", f.name()),
                ));
            }
        }
        Ok(())
    }

    /// A one-line description, e.g. `colour_histogram(8^3) + gabor(48)`.
    pub fn describe(&self) -> String {
        self.features
            .iter()
            .map(|f| match f {
                Feature::ColourHistogram { bins } => format!("colour_histogram({bins}^3)"),
                other => format!("{}({})", other.name(), other.len()),
            })
            .collect::<Vec<_>>()
            .join(" + ")
    }
}

/// Where one feature family sits in a descriptor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeatureBlock {
    /// The family's name.
    pub name: String,
    /// Its positions in the descriptor.
    pub range: Range<usize>,
}

impl FeatureBlock {
    /// The number of values.
    pub fn len(&self) -> usize {
        self.range.len()
    }

    /// Whether the block is empty.
    pub fn is_empty(&self) -> bool {
        self.range.is_empty()
    }
}

/// A prepared family: what computing it needs beyond its settings.
#[derive(Debug, Clone)]
enum Extractor {
    ColourHistogram(usize),
    ColourMoments,
    Gabor(GaborBank),
    Lbp(LbpConfig),
    Glcm(GlcmConfig),
    Gradients(GradientConfig),
    Fourier(FourierConfig),
}

/// A checked, prepared descriptor (see the [module docs](self)).
///
/// ```
/// use image::{Rgb, RgbImage};
/// use painter_handcrafted::{Descriptor, DescriptorConfig};
///
/// let descriptor = Descriptor::new(DescriptorConfig::all()).unwrap();
/// let painting = RgbImage::from_fn(32, 32, |x, y| Rgb([(x * 8) as u8, (y * 8) as u8, 90]));
/// let values = descriptor.describe(&painting).unwrap();
/// assert_eq!(values.len(), descriptor.len());
/// assert_eq!(descriptor.blocks()[0].name, "colour_histogram");
/// ```
#[derive(Debug, Clone)]
pub struct Descriptor {
    config: DescriptorConfig,
    extractors: Vec<Extractor>,
    blocks: Vec<FeatureBlock>,
}

impl Descriptor {
    /// Checks `config` and prepares its families.
    pub fn new(config: DescriptorConfig) -> Result<Self> {
        config.validate()?;
        let mut blocks = Vec::new();
        let mut start = 0;
        let mut extractors = Vec::new();
        for f in &config.features {
            blocks.push(FeatureBlock {
                name: f.name().to_string(),
                range: start..start + f.len(),
            });
            start += f.len();
            extractors.push(match f {
                Feature::ColourHistogram { bins } => Extractor::ColourHistogram(*bins),
                Feature::ColourMoments => Extractor::ColourMoments,
                Feature::Gabor(c) => Extractor::Gabor(GaborBank::new(c)?),
                Feature::Lbp(c) => Extractor::Lbp(c.clone()),
                Feature::Glcm(c) => Extractor::Glcm(c.clone()),
                Feature::Gradients(c) => Extractor::Gradients(c.clone()),
                Feature::Fourier(c) => Extractor::Fourier(c.clone()),
            });
        }
        Ok(Self {
            config,
            extractors,
            blocks,
        })
    }

    /// The settings.
    pub fn config(&self) -> &DescriptorConfig {
        &self.config
    }

    /// The blocks, in order.
    pub fn blocks(&self) -> &[FeatureBlock] {
        &self.blocks
    }

    /// The descriptor's length.
    pub fn len(&self) -> usize {
        self.blocks.last().map_or(0, |b| b.range.end)
    }

    /// Whether the descriptor is empty (never, once built).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The descriptor of one standardized painting.
    pub fn describe(&self, image: &RgbImage) -> Result<Vec<f64>> {
        let grey = OnceCell::new();
        let plane = || grey.get_or_init(|| GreyImage::from_rgb(image));
        let mut out = Vec::with_capacity(self.len());
        for e in &self.extractors {
            match e {
                Extractor::ColourHistogram(bins) => out.extend(colour_histogram(image, *bins)?),
                Extractor::ColourMoments => out.extend(colour_moments(image)),
                Extractor::Gabor(bank) => out.extend(bank.energy(plane())),
                Extractor::Lbp(c) => out.extend(lbp_histograms(plane(), c)),
                Extractor::Glcm(c) => out.extend(glcm_statistics(plane(), c)),
                Extractor::Gradients(c) => out.extend(gradient_statistics(plane(), c)),
                Extractor::Fourier(c) => out.extend(fourier_statistics(plane(), c)),
            }
        }
        Ok(out)
    }
}
