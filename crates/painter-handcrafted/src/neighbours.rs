//! The k-nearest-neighbour classifier: a test painting takes the majority label of its `k` nearest
//! training paintings; ties in distance go to the lower painting index, ties in votes to the label
//! of the nearest among the tied, so the classifier is deterministic.

use crate::distance::Distance;
use crate::error::{invalid, HandcraftedError, Result};
use serde::{Deserialize, Serialize};

/// The nearest-neighbour classifier's settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NeighboursConfig {
    /// The number of neighbours that vote: at least 1 (default 1, the nearest neighbour).
    pub k: usize,
    /// The distance (default chi-squared).
    pub distance: Distance,
}

impl Default for NeighboursConfig {
    fn default() -> Self {
        Self {
            k: 1,
            distance: Distance::ChiSquare,
        }
    }
}

impl NeighboursConfig {
    /// Checks the settings: `k >= 1`.
    pub fn validate(&self) -> Result<()> {
        if self.k == 0 {
            return Err(invalid("k", "the number of neighbours must be at least 1"));
        }
        Ok(())
    }

    /// The label of `query` given the training paintings `train` (`(index, row, label)`): the
    /// majority label of the `k` nearest, distance ties going to the lower painting index; vote
    /// ties go to the label of the nearest among the tied.
    pub fn predict<'a>(
        &self,
        train: impl Iterator<Item = (usize, &'a [f64], usize)>,
        query: &[f64],
    ) -> Result<usize> {
        let mut scored: Vec<(f64, usize, usize)> = train
            .map(|(index, row, label)| (self.distance.between(query, row), index, label))
            .collect();
        if scored.is_empty() {
            return Err(HandcraftedError::NoTrainingSample);
        }
        scored.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        let k = self.k.min(scored.len());
        // Votes per label, and each label's rank of first appearance (nearest first).
        let mut votes: Vec<(usize, usize, usize)> = Vec::new(); // (label, count, first rank)
        for (rank, &(_, _, label)) in scored.iter().take(k).enumerate() {
            match votes.iter_mut().find(|v| v.0 == label) {
                Some(v) => v.1 += 1,
                None => votes.push((label, 1, rank)),
            }
        }
        votes
            .into_iter()
            .max_by(|a, b| a.1.cmp(&b.1).then(b.2.cmp(&a.2)))
            .map(|v| v.0)
            .ok_or(HandcraftedError::NoTrainingSample)
    }
}
