//! The distances the nearest-neighbour classifier compares descriptors by.

use crate::error::{invalid, HandcraftedError};
use serde::{Deserialize, Serialize};

/// The distance between two descriptors.
///
/// Named `chi2`, `l1` and `l2` on the command line (its `Display`); parsed from those and from
/// `chi-square` and `euclidean`, in any case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
#[derive(strum::Display, strum::EnumString, strum::IntoStaticStr)]
#[strum(ascii_case_insensitive)]
#[strum(parse_err_ty = HandcraftedError, parse_err_fn = unknown_distance)]
pub enum Distance {
    /// `sum (a - b)^2 / (a + b)` over cells where `a + b > 0`: the usual histogram distance (for
    /// non-negative, unstandardized values).
    #[default]
    #[strum(to_string = "chi2", serialize = "chi-square")]
    ChiSquare,
    /// `sum |a - b|`.
    #[strum(serialize = "l1")]
    L1,
    /// `sqrt(sum (a - b)^2)`.
    #[strum(to_string = "l2", serialize = "euclidean")]
    Euclidean,
}

fn unknown_distance(name: &str) -> HandcraftedError {
    invalid(
        "distance",
        format!("unknown distance `{name}` (expected chi2, l1 or l2)"),
    )
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
        self.into()
    }
}
