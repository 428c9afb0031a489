//! How far a classifier's probabilities can be trusted, from held-out predictions:
//!
//! - [`Calibration`]: the reliability of the top-label confidence (the largest class probability)
//!   in equal-width bins, and the expected calibration error (ECE, Guo et al. 2017): the mean over
//!   predictions of `|accuracy - confidence|` of their bin, weighted by the bin's share;
//! - [`SelectiveAccuracy`]: answering only above a confidence threshold ("unknown" below it), the
//!   share of paintings answered (coverage) and the accuracy on them, for each threshold;
//! - both as PNG figures ([`Calibration::save_png`], [`SelectiveAccuracy::save_png`]).

use crate::{argmax, EvalError};
use painter_plot::LineChart;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// One confidence bin of a [`Calibration`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CalibrationBin {
    /// The bin's lower confidence bound (exclusive, but 0 is included in the first bin).
    pub lower: f64,
    /// Its upper bound (inclusive).
    pub upper: f64,
    /// Predictions whose confidence falls in the bin.
    pub count: usize,
    /// Their mean confidence (0 for an empty bin).
    pub confidence: f64,
    /// The share of them that are right (0 for an empty bin).
    pub accuracy: f64,
}

/// The reliability of held-out probabilities (see the [module docs](self)).
///
/// ```
/// use painter_eval::Calibration;
/// // Two predictions at 0.9 (one right), two at 0.6 (both right).
/// let p = vec![vec![0.9, 0.1], vec![0.1, 0.9], vec![0.6, 0.4], vec![0.4, 0.6]];
/// let c = Calibration::new(&p, &[0, 0, 0, 1], 10).unwrap();
/// // |0.5 - 0.9| for half the predictions, |1.0 - 0.6| for the other half.
/// assert!((c.ece - 0.4).abs() < 1e-12);
/// assert_eq!(c.bins.iter().map(|b| b.count).sum::<usize>(), 4);
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Calibration {
    /// The equal-width bins over `[0, 1]`.
    pub bins: Vec<CalibrationBin>,
    /// The expected calibration error.
    pub ece: f64,
    /// The largest `|accuracy - confidence|` of a non-empty bin.
    pub mce: f64,
    /// The mean negative log-likelihood of the true labels (natural log; probabilities clamped to
    /// `1e-15`, as scikit-learn's `log_loss`).
    pub log_loss: f64,
    /// The accuracy of the top-label predictions.
    pub accuracy: f64,
    /// The mean top-label confidence.
    pub confidence: f64,
}

/// Checks probabilities against labels: same count, non-empty, every row a finite distribution
/// that covers the label.
fn check(probabilities: &[Vec<f64>], labels: &[usize]) -> Result<(), EvalError> {
    crate::labels::check_lengths(labels.len(), probabilities.len())?;
    for (i, (p, &y)) in probabilities.iter().zip(labels).enumerate() {
        let sum: f64 = p.iter().sum();
        if y >= p.len()
            || p.iter().any(|v| !(v.is_finite() && *v >= 0.0))
            || (sum - 1.0).abs() > 1e-6
        {
            return Err(EvalError::BadProbabilities {
                index: i,
                message: format!(
                    "label {y} with probabilities {p:?} (each row must be a distribution over the labels)"
                ),
            });
        }
    }
    Ok(())
}

/// The top label and its confidence of every row.
fn top(probabilities: &[Vec<f64>]) -> Vec<(usize, f64)> {
    probabilities
        .iter()
        .map(|p| {
            let k = argmax(p).unwrap_or(0);
            (k, p.get(k).copied().unwrap_or(0.0))
        })
        .collect()
}

impl Calibration {
    /// The calibration of `probabilities` (one row per prediction, summing to 1) against the true
    /// `labels`, in `bins` equal-width confidence bins (at least 1).
    pub fn new(
        probabilities: &[Vec<f64>],
        labels: &[usize],
        bins: usize,
    ) -> Result<Self, EvalError> {
        check(probabilities, labels)?;
        if bins == 0 {
            return Err(EvalError::NoLabels);
        }
        let n = labels.len() as f64;
        let mut count = vec![0usize; bins];
        let mut confidence = vec![0.0; bins];
        let mut correct = vec![0usize; bins];
        let tops = top(probabilities);
        for (&(k, c), &y) in tops.iter().zip(labels) {
            // Bin b holds (b / bins, (b + 1) / bins]; a confidence of 0 goes to the first bin.
            let b = ((c * bins as f64).ceil() as usize).clamp(1, bins) - 1;
            count[b] += 1;
            confidence[b] += c;
            correct[b] += usize::from(k == y);
        }
        let bins: Vec<CalibrationBin> = (0..bins)
            .map(|b| {
                let m = count[b].max(1) as f64;
                CalibrationBin {
                    lower: b as f64 / bins as f64,
                    upper: (b + 1) as f64 / bins as f64,
                    count: count[b],
                    confidence: confidence[b] / m,
                    accuracy: correct[b] as f64 / m,
                }
            })
            .collect();
        let gaps = bins
            .iter()
            .filter(|b| b.count > 0)
            .map(|b| (b.count, (b.accuracy - b.confidence).abs()));
        let ece = gaps.clone().map(|(c, g)| c as f64 * g).sum::<f64>() / n;
        let mce = gaps.map(|(_, g)| g).fold(0.0, f64::max);
        let log_loss = probabilities
            .iter()
            .zip(labels)
            .map(|(p, &y)| -p[y].max(1e-15).ln())
            .sum::<f64>()
            / n;
        Ok(Self {
            ece,
            mce,
            log_loss,
            accuracy: tops
                .iter()
                .zip(labels)
                .filter(|((k, _), y)| k == *y)
                .count() as f64
                / n,
            confidence: tops.iter().map(|(_, c)| c).sum::<f64>() / n,
            bins,
        })
    }

    /// Writes the reliability diagram: each non-empty bin's accuracy against its mean confidence,
    /// beside the diagonal of perfect calibration.
    pub fn save_png(&self, title: &str, path: &Path) -> Result<(), EvalError> {
        let points = self
            .bins
            .iter()
            .filter(|b| b.count > 0)
            .map(|b| (b.confidence, b.accuracy))
            .collect();
        LineChart::new(format!("{title} (ECE {:.3})", self.ece))
            .x_label("confidence (largest probability)")
            .y_label("accuracy")
            .series("perfectly calibrated", vec![(0.0, 0.0), (1.0, 1.0)])
            .series("held-out predictions, by confidence bin", points)
            .save_png(path)?;
        Ok(())
    }
}

/// One threshold of [`SelectiveAccuracy`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SelectivePoint {
    /// Answer only when the largest probability is at least this.
    pub threshold: f64,
    /// The share of predictions answered.
    pub coverage: f64,
    /// The accuracy on those (NaN when none is answered).
    #[serde(with = "crate::nan_serde::float")]
    pub accuracy: f64,
}

/// Coverage and accuracy of answering only above a confidence threshold, for each threshold.
///
/// ```
/// use painter_eval::SelectiveAccuracy;
/// let p = vec![vec![0.9, 0.1], vec![0.2, 0.8], vec![0.55, 0.45]];
/// let s = SelectiveAccuracy::new(&p, &[0, 0, 0], &[0.0, 0.6, 0.95]).unwrap();
/// assert_eq!((s.points[0].coverage, s.points[0].accuracy), (1.0, 2.0 / 3.0));
/// assert_eq!((s.points[1].coverage, s.points[1].accuracy), (2.0 / 3.0, 0.5));
/// assert!(s.points[2].coverage == 0.0 && s.points[2].accuracy.is_nan());
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SelectiveAccuracy {
    /// One point per threshold, in the order given.
    pub points: Vec<SelectivePoint>,
}

impl SelectiveAccuracy {
    /// The coverage and accuracy of `probabilities` against `labels` at every threshold.
    pub fn new(
        probabilities: &[Vec<f64>],
        labels: &[usize],
        thresholds: &[f64],
    ) -> Result<Self, EvalError> {
        check(probabilities, labels)?;
        let tops = top(probabilities);
        let n = labels.len() as f64;
        let points = thresholds
            .iter()
            .map(|&t| {
                let answered: Vec<bool> = tops
                    .iter()
                    .zip(labels)
                    .filter(|((_, c), _)| *c >= t)
                    .map(|((k, _), y)| k == y)
                    .collect();
                let covered = answered.len();
                SelectivePoint {
                    threshold: t,
                    coverage: covered as f64 / n,
                    accuracy: if covered == 0 {
                        f64::NAN
                    } else {
                        answered.iter().filter(|&&ok| ok).count() as f64 / covered as f64
                    },
                }
            })
            .collect();
        Ok(Self { points })
    }

    /// The point of the smallest threshold whose accuracy reaches `target`, if any.
    pub fn threshold_for(&self, target: f64) -> Option<&SelectivePoint> {
        self.points
            .iter()
            .filter(|p| p.accuracy >= target)
            .min_by(|a, b| a.threshold.total_cmp(&b.threshold))
    }

    /// Writes the trade-off as a figure: coverage and accuracy against the threshold.
    pub fn save_png(&self, title: &str, path: &Path) -> Result<(), EvalError> {
        let series = |f: fn(&SelectivePoint) -> f64| {
            self.points
                .iter()
                .filter(|p| f(p).is_finite())
                .map(|p| (p.threshold, f(p)))
                .collect()
        };
        LineChart::new(title)
            .x_label("--min-confidence (answer \"unknown\" below it)")
            .y_label("share")
            .series("accuracy on the paintings answered", series(|p| p.accuracy))
            .series("coverage (paintings answered)", series(|p| p.coverage))
            .save_png(path)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A naive ECE: loops over the bins, recomputing each one's members from scratch.
    fn naive_ece(p: &[Vec<f64>], y: &[usize], bins: usize) -> f64 {
        let mut total = 0.0;
        for b in 0..bins {
            let (lo, hi) = (b as f64 / bins as f64, (b + 1) as f64 / bins as f64);
            let members: Vec<(f64, bool)> = p
                .iter()
                .zip(y)
                .filter_map(|(row, &t)| {
                    let (k, c) = row.iter().enumerate().fold((0, -1.0), |(bk, bc), (k, &c)| {
                        if c > bc {
                            (k, c)
                        } else {
                            (bk, bc)
                        }
                    });
                    let inside = (c > lo || (b == 0 && c == 0.0)) && c <= hi;
                    inside.then_some((c, k == t))
                })
                .collect();
            if members.is_empty() {
                continue;
            }
            let m = members.len() as f64;
            let conf = members.iter().map(|(c, _)| c).sum::<f64>() / m;
            let acc = members.iter().filter(|(_, ok)| *ok).count() as f64 / m;
            total += m * (acc - conf).abs();
        }
        total / p.len() as f64
    }

    #[test]
    fn the_ece_matches_a_naive_computation_on_random_predictions() {
        let mut rng = <rand_chacha::ChaCha8Rng as rand::SeedableRng>::seed_from_u64(7);
        let mut next = || rand::Rng::random::<f64>(&mut rng);
        let (p, y): (Vec<Vec<f64>>, Vec<usize>) = (0..500)
            .map(|_| {
                let raw: Vec<f64> = (0..4).map(|_| next().powi(3)).collect();
                let s: f64 = raw.iter().sum();
                let y = (next() * 4.0) as usize;
                (raw.iter().map(|v| v / s).collect(), y.min(3))
            })
            .unzip();
        for bins in [1, 5, 10, 15] {
            let c = Calibration::new(&p, &y, bins).unwrap();
            assert!(
                (c.ece - naive_ece(&p, &y, bins)).abs() < 1e-12,
                "bins {bins}"
            );
            assert_eq!(c.bins.iter().map(|b| b.count).sum::<usize>(), 500);
            assert!(c.mce >= c.ece);
        }
        // One bin: the ECE is |accuracy - mean confidence|.
        let one = Calibration::new(&p, &y, 1).unwrap();
        assert!((one.ece - (one.accuracy - one.confidence).abs()).abs() < 1e-12);
    }

    #[test]
    fn bad_probabilities_are_refused() {
        assert!(Calibration::new(&[vec![0.5, 0.5]], &[0, 1], 10).is_err());
        assert!(Calibration::new(&[], &[], 10).is_err());
        assert!(Calibration::new(&[vec![0.5, 0.6]], &[0], 10).is_err());
        assert!(Calibration::new(&[vec![1.0]], &[1], 10).is_err());
        assert!(Calibration::new(&[vec![f64::NAN, 1.0]], &[1], 10).is_err());
        assert!(Calibration::new(&[vec![1.0]], &[0], 0).is_err());
    }

    #[test]
    fn log_loss_is_the_mean_negative_log_probability_of_the_truth() {
        let p = vec![vec![0.25, 0.75], vec![1.0, 0.0]];
        let c = Calibration::new(&p, &[1, 1], 10).unwrap();
        assert!((c.log_loss - (-(0.75f64).ln() - (1e-15f64).ln()) / 2.0).abs() < 1e-12);
    }

    #[test]
    fn thresholds_trade_coverage_for_accuracy_and_draw() {
        let p = vec![
            vec![0.95, 0.05],
            vec![0.7, 0.3],
            vec![0.3, 0.7],
            vec![0.52, 0.48],
        ];
        let s = SelectiveAccuracy::new(&p, &[0, 1, 1, 1], &[0.0, 0.6, 0.9]).unwrap();
        let got: Vec<(f64, f64)> = s.points.iter().map(|p| (p.coverage, p.accuracy)).collect();
        assert_eq!(got, vec![(1.0, 0.5), (0.75, 2.0 / 3.0), (0.25, 1.0)]);
        assert_eq!(s.threshold_for(0.99).map(|p| p.threshold), Some(0.9));
        assert!(s.threshold_for(1.01).is_none());
        let dir = tempfile::tempdir().unwrap();
        s.save_png("trade-off", &dir.path().join("s.png")).unwrap();
        Calibration::new(&p, &[0, 1, 1, 1], 10)
            .unwrap()
            .save_png("reliability", &dir.path().join("r.png"))
            .unwrap();
        assert!(dir.path().join("s.png").is_file() && dir.path().join("r.png").is_file());
    }
}
