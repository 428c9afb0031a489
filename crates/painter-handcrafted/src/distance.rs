//! The distances the nearest-neighbour classifier compares descriptors by.

use crate::error::{invalid, HandcraftedError};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The distance between two descriptors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Distance {
    /// `sum (a - b)^2 / (a + b)` over cells where `a + b > 0`: the usual histogram distance (for
    /// non-negative, unstandardized values).
    #[default]
    ChiSquare,
    /// `sum |a - b|`.
    L1,
    /// `sqrt(sum (a - b)^2)`.
    Euclidean,
}

impl Distance {
    /// The distance between `a` and `b` (values past the shorter one are ignored).
    ///
    /// ```
    /// use painter_handcrafted::Distance;
    /// assert_eq!(Distance::L1.between(&[0.5, 0.5], &[0.0, 1.0]), 1.0);
    /// assert_eq!(Distance::ChiSquare.between(&[0.5, 0.5], &[0.5, 0.5]), 0.0);
    /// ```
    pub fn between(&self, a: &[f64], b: &[f64]) -> f64 {
        let pairs = a.iter().zip(b).map(|(&x, &y)| (x, y));
        match self {
            Distance::ChiSquare => pairs
                .filter(|(x, y)| x + y > 0.0)
                .map(|(x, y)| (x - y) * (x - y) / (x + y))
                .sum(),
            Distance::L1 => pairs.map(|(x, y)| (x - y).abs()).sum(),
            Distance::Euclidean => pairs.map(|(x, y)| (x - y) * (x - y)).sum::<f64>().sqrt(),
        }
    }

    /// The name used on the command line: `chi2`, `l1` or `l2`.
    pub fn name(&self) -> &'static str {
        match self {
            Distance::ChiSquare => "chi2",
            Distance::L1 => "l1",
            Distance::Euclidean => "l2",
        }
    }
}

impl fmt::Display for Distance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Distance {
    type Err = HandcraftedError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "chi2" | "chi-square" => Ok(Distance::ChiSquare),
            "l1" => Ok(Distance::L1),
            "l2" | "euclidean" => Ok(Distance::Euclidean),
            other => Err(invalid(
                "distance",
                format!("unknown distance `{other}` (expected chi2, l1 or l2)"),
            )),
        }
    }
}
