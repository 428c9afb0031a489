//! The evaluation protocol (`reproduce --protocol honest|paper`).
//!
//! - [`Protocol::Honest`] (the default, the figure we stand behind): nested cross-validation. A
//!   fold's test paintings serve only for its final prediction; the probe chooses `C` inside the
//!   fold's training part, the dense head early-stops on a split carved out of it.
//! - [`Protocol::Paper`]: *also* scores every fold as the paper's wording allows ("average
//!   accuracy ... over the validation set", no separate test fold). The classifier is trained on
//!   the other folds and scored on the fold at every step of its training (each epoch of a dense
//!   head; each `C` of the probe's grid, each fitted on all training paintings, since `C` is the
//!   probe's training choice): a [`ScoredFoldCurve`]. Two figures come from it:
//!   [`ScoredFoldCurve::best`], the best accuracy on the scored fold over training (stopping or
//!   model choice on the very fold that is scored), and [`ScoredFoldCurve::stop_at`] with
//!   [`STOP_AT`], the published re-implementation's rule (stop once the scored fold's accuracy
//!   reaches 80%, else train to the end). The honest figure is computed too, on the same folds.

use super::PipelineError;
use painter_eval::ScoreSummary;
use serde::{Deserialize, Serialize};

/// How the folds are scored (see the [module docs](self)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum Protocol {
    /// Nested: nothing of the scored fold is used for any choice.
    #[default]
    Honest,
    /// The honest figure, and beside it the paper's: best on the scored fold over training, and
    /// stop at 80% on it.
    Paper,
}

impl Protocol {
    /// `honest` or `paper`.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Honest => "honest",
            Self::Paper => "paper",
        }
    }
}

/// The re-implementation's stopping rule: the scored fold's accuracy it stops at.
pub const STOP_AT: f64 = 0.8;

/// What a curve's steps are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TrainingStep {
    /// Epochs of a dense head, from 1.
    Epoch,
    /// The probe's regularization `C`, in increasing order.
    C,
}

impl TrainingStep {
    /// `epoch` or `C`.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Epoch => "epoch",
            Self::C => "C",
        }
    }
}

/// One step of training and the scored fold's accuracy after it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CurvePoint {
    /// The epoch or the `C`.
    pub step: f64,
    /// Accuracy on the scored fold (its test paintings).
    pub accuracy: f64,
}

/// A fold's accuracy on its own test paintings at every step of its classifier's training, in
/// the order training visits them (epochs in order, `C` increasing).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoredFoldCurve {
    /// What the steps are.
    pub step: TrainingStep,
    /// The points, at least one, steps strictly increasing.
    pub points: Vec<CurvePoint>,
}

impl ScoredFoldCurve {
    /// A curve of `points`; refuses an empty one, a step out of order and an accuracy outside
    /// `[0, 1]` (with [`PipelineError::CrossValidation`]).
    pub fn new(step: TrainingStep, points: Vec<CurvePoint>) -> Result<Self, PipelineError> {
        let bad = |m: String| Err(PipelineError::CrossValidation(m));
        if points.is_empty() {
            return bad(format!("a scored-fold curve over {} is empty", step.name()));
        }
        if let Some(p) = points.iter().find(|p| !(0.0..=1.0).contains(&p.accuracy)) {
            return bad(format!(
                "accuracy {} at {} {} is not in [0, 1]",
                p.accuracy,
                step.name(),
                p.step
            ));
        }
        if let Some(w) = points
            .windows(2)
            .find(|w| w[0].step.partial_cmp(&w[1].step) != Some(std::cmp::Ordering::Less))
        {
            return bad(format!(
                "a scored-fold curve's {} steps must increase, got {} then {}",
                step.name(),
                w[0].step,
                w[1].step
            ));
        }
        Ok(Self { step, points })
    }

    /// `point` as the report writes it: its accuracy and the step it was taken at, e.g.
    /// `0.8333 (C 1)`.
    pub fn describe(&self, point: CurvePoint) -> String {
        format!(
            "{:.4} ({} {})",
            point.accuracy,
            self.step.name(),
            point.step
        )
    }

    /// The best accuracy on the scored fold over training (the earliest step reaching it).
    pub fn best(&self) -> CurvePoint {
        self.points
            .iter()
            .copied()
            .fold(None::<CurvePoint>, |best, p| match best {
                Some(b) if b.accuracy >= p.accuracy => Some(b),
                _ => Some(p),
            })
            .unwrap_or(CurvePoint {
                step: f64::NAN,
                accuracy: f64::NAN,
            })
    }

    /// Where training stops when it stops at the first step whose accuracy on the scored fold
    /// reaches `threshold`; the last step when none does.
    pub fn stop_at(&self, threshold: f64) -> CurvePoint {
        self.points
            .iter()
            .copied()
            .find(|p| p.accuracy >= threshold)
            .or_else(|| self.points.last().copied())
            .unwrap_or(CurvePoint {
                step: f64::NAN,
                accuracy: f64::NAN,
            })
    }
}

/// The paper's figures of a set of folds (one draw, or all draws together).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PaperScores {
    /// Every fold's curve, in fold order.
    pub curves: Vec<ScoredFoldCurve>,
    /// Per fold, the best accuracy on the scored fold over training.
    pub best_on_fold: ScoreSummary,
    /// Per fold, the accuracy where the stop-at-80% rule stops.
    pub stop_at_80: ScoreSummary,
}

impl PaperScores {
    /// The figures of `curves`.
    pub fn of(curves: Vec<ScoredFoldCurve>) -> Self {
        let best_on_fold = ScoreSummary::new(curves.iter().map(|c| c.best().accuracy).collect());
        let stop_at_80 =
            ScoreSummary::new(curves.iter().map(|c| c.stop_at(STOP_AT).accuracy).collect());
        Self {
            curves,
            best_on_fold,
            stop_at_80,
        }
    }

    /// The figures of several sets of folds together (e.g. every draw's).
    pub fn pooled<'a>(sets: impl IntoIterator<Item = &'a PaperScores>) -> Self {
        Self::of(
            sets.into_iter()
                .flat_map(|s| s.curves.iter().cloned())
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn curve(accuracies: &[f64]) -> ScoredFoldCurve {
        ScoredFoldCurve::new(
            TrainingStep::Epoch,
            accuracies
                .iter()
                .enumerate()
                .map(|(i, &accuracy)| CurvePoint {
                    step: (i + 1) as f64,
                    accuracy,
                })
                .collect(),
        )
        .unwrap()
    }

    #[test]
    fn best_takes_the_earliest_maximum_and_stop_at_the_first_step_reaching_the_threshold() {
        let c = curve(&[0.5, 0.75, 0.9, 0.7, 0.9]);
        assert_eq!(
            c.best(),
            CurvePoint {
                step: 3.0,
                accuracy: 0.9
            }
        );
        assert_eq!(
            c.stop_at(0.8),
            CurvePoint {
                step: 3.0,
                accuracy: 0.9
            }
        );
        assert_eq!(c.stop_at(0.75).step, 2.0);
        // The threshold reached exactly counts.
        assert_eq!(curve(&[0.6, 0.8, 1.0]).stop_at(STOP_AT).accuracy, 0.8);
        // Never reached: the last step, not the best.
        let never = curve(&[0.5, 0.75, 0.6]);
        assert_eq!(never.stop_at(STOP_AT).step, 3.0);
        assert_eq!(never.stop_at(STOP_AT).accuracy, 0.6);
        assert_eq!(never.best().accuracy, 0.75);
    }

    #[test]
    fn a_bad_curve_is_refused() {
        assert!(ScoredFoldCurve::new(TrainingStep::C, vec![]).is_err());
        let p = |step, accuracy| CurvePoint { step, accuracy };
        assert!(ScoredFoldCurve::new(TrainingStep::C, vec![p(1.0, 1.5)]).is_err());
        assert!(ScoredFoldCurve::new(TrainingStep::C, vec![p(1.0, f64::NAN)]).is_err());
        assert!(ScoredFoldCurve::new(TrainingStep::C, vec![p(1.0, 0.5), p(0.1, 0.6)]).is_err());
        assert!(ScoredFoldCurve::new(TrainingStep::C, vec![p(1.0, 0.5), p(1.0, 0.6)]).is_err());
    }

    #[test]
    fn the_summaries_are_over_folds_and_pool_draws() {
        let a = PaperScores::of(vec![curve(&[0.5, 1.0]), curve(&[0.9, 0.6])]);
        assert_eq!(a.best_on_fold.values, vec![1.0, 0.9]);
        assert_eq!(a.stop_at_80.values, vec![1.0, 0.9]);
        let b = PaperScores::of(vec![curve(&[0.5, 0.7])]);
        assert_eq!(b.best_on_fold.values, vec![0.7]);
        assert_eq!(b.stop_at_80.values, vec![0.7]);
        let all = PaperScores::pooled([&a, &b]);
        assert_eq!(all.curves.len(), 3);
        assert!((all.best_on_fold.mean - 2.6 / 3.0).abs() < 1e-12);
        assert!((all.stop_at_80.mean - 2.6 / 3.0).abs() < 1e-12);
    }
}
