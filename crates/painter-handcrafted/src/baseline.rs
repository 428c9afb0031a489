//! The project's baseline beside the network: the colour histogram with the nearest neighbour, in
//! the compact form a recipe's `[baseline]` section spells it.

use crate::classifier::HandcraftedConfig;
use crate::distance::Distance;
use crate::error::Result;
use serde::{Deserialize, Serialize};

/// The colour-histogram nearest neighbour's settings.
///
/// ```
/// use painter_handcrafted::BaselineConfig;
///
/// let config = BaselineConfig::default();
/// assert_eq!(config.describe(), "colour histogram 8x8x8 + 1-NN (chi2)");
/// assert!(BaselineConfig { bins: 0, ..config }.validate().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BaselineConfig {
    /// Levels per colour channel (the histogram has `bins^3` cells); 1..=64 (default 8).
    pub bins: usize,
    /// The number of neighbours that vote (default 1: nearest neighbour).
    pub k: usize,
    /// The histogram distance (default chi-squared).
    pub distance: Distance,
}

impl Default for BaselineConfig {
    fn default() -> Self {
        Self {
            bins: 8,
            k: 1,
            distance: Distance::ChiSquare,
        }
    }
}

impl BaselineConfig {
    /// Checks the settings: `1 <= bins <= 64`, `k >= 1`.
    pub fn validate(&self) -> Result<()> {
        self.handcrafted().validate()
    }

    /// A one-line description, e.g. `colour histogram 8x8x8 + 1-NN (chi2)`.
    pub fn describe(&self) -> String {
        format!(
            "colour histogram {b}x{b}x{b} + {k}-NN ({d})",
            b = self.bins,
            k = self.k,
            d = self.distance
        )
    }

    /// The same method as a [`HandcraftedConfig`].
    pub fn handcrafted(&self) -> HandcraftedConfig {
        HandcraftedConfig::colour_histogram(self.bins, self.k, self.distance)
    }
}
