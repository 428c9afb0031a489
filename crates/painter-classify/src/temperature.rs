//! [`Temperature`] scaling (Guo et al. 2017): one number `T` that softens (`T > 1`) or sharpens
//! (`T < 1`) a classifier's probabilities, `p_T = softmax(ln p / T)`, fitted to minimize the
//! negative log-likelihood of held-out predictions. It never changes which painter ranks first,
//! only how sure the classifier says it is.

use crate::error::{ClassifyError, Result};
use argmin::core::{CostFunction, Error as ArgminError, Executor};
use argmin::solver::brent::BrentOpt;
use serde::{Deserialize, Serialize};

/// The range searched for `T`.
const RANGE: (f64, f64) = (0.05, 20.0);

/// A fitted temperature.
///
/// ```
/// use painter_classify::Temperature;
/// // Over-confident held-out predictions: right only 3 times in 4 at 0.99.
/// let p = vec![vec![0.99, 0.01]; 4];
/// let t = Temperature::fit(&p, &[0, 0, 0, 1]).unwrap();
/// assert!(t.value > 1.0);
/// let softened = t.apply(&p[0]);
/// assert!((softened[0] - 0.75).abs() < 1e-3);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Temperature {
    /// `T`: 1 leaves the probabilities as they are.
    pub value: f64,
}

impl Default for Temperature {
    fn default() -> Self {
        Self { value: 1.0 }
    }
}

/// The mean negative log-likelihood of the labels under `p_T`, as a function of `ln T`.
struct HeldOut<'a> {
    logs: Vec<Vec<f64>>,
    labels: &'a [usize],
}

impl HeldOut<'_> {
    fn nll(&self, t: f64) -> f64 {
        let n = self.labels.len() as f64;
        self.logs
            .iter()
            .zip(self.labels)
            .map(|(l, &y)| {
                let m = l.iter().fold(f64::NEG_INFINITY, |a, &b| a.max(b / t));
                let z: f64 = l.iter().map(|&v| (v / t - m).exp()).sum();
                m + z.ln() - l[y] / t
            })
            .sum::<f64>()
            / n
    }
}

impl CostFunction for HeldOut<'_> {
    type Param = f64;
    type Output = f64;

    fn cost(&self, log_t: &f64) -> std::result::Result<f64, ArgminError> {
        Ok(self.nll(log_t.exp()))
    }
}

/// `ln p` with `p` clamped away from 0.
fn logs(p: &[f64]) -> Vec<f64> {
    p.iter().map(|&v| v.max(1e-300).ln()).collect()
}

impl Temperature {
    /// The temperature in `[0.05, 20]` that minimizes the mean negative log-likelihood of the
    /// held-out `labels` under the scaled `probabilities` (Brent's method on `ln T`, argmin).
    pub fn fit(probabilities: &[Vec<f64>], labels: &[usize]) -> Result<Self> {
        if probabilities.len() != labels.len() {
            return Err(ClassifyError::LabelCount {
                samples: probabilities.len(),
                labels: labels.len(),
            });
        }
        if labels.is_empty() {
            return Err(ClassifyError::Empty(
                "a temperature is fitted on held-out predictions: none given".into(),
            ));
        }
        for (i, (p, &y)) in probabilities.iter().zip(labels).enumerate() {
            if y >= p.len() {
                return Err(ClassifyError::BadLabel {
                    index: i,
                    message: format!("label {y} for {} class probabilities", p.len()),
                });
            }
            if p.iter().any(|v| !(v.is_finite() && *v >= 0.0)) {
                return Err(ClassifyError::Calibration(format!(
                    "held-out prediction {i} has probabilities {p:?}"
                )));
            }
        }
        let problem = HeldOut {
            logs: probabilities.iter().map(|p| logs(p)).collect(),
            labels,
        };
        let solver = BrentOpt::new(RANGE.0.ln(), RANGE.1.ln());
        let result = Executor::new(problem, solver)
            .configure(|state| state.max_iters(200))
            .run()
            .map_err(|e| ClassifyError::Calibration(e.to_string()))?;
        let log_t = result
            .state()
            .best_param
            .ok_or_else(|| ClassifyError::Calibration("Brent's method found no minimum".into()))?;
        Ok(Self { value: log_t.exp() })
    }

    /// Whether this is `T = 1`, which changes nothing.
    pub fn is_neutral(&self) -> bool {
        self.value == 1.0
    }

    /// `p` scaled: `softmax(ln p / T)`.
    pub fn apply(&self, p: &[f64]) -> Vec<f64> {
        let l: Vec<f64> = logs(p).iter().map(|v| v / self.value).collect();
        let m = l.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let e: Vec<f64> = l.iter().map(|v| (v - m).exp()).collect();
        let s: f64 = e.iter().sum();
        e.into_iter().map(|v| v / s).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nll(p: &[Vec<f64>], y: &[usize], t: f64) -> f64 {
        let scaled: Vec<Vec<f64>> = p
            .iter()
            .map(|r| Temperature { value: t }.apply(r))
            .collect();
        scaled.iter().zip(y).map(|(r, &k)| -r[k].ln()).sum::<f64>() / y.len() as f64
    }

    #[test]
    fn the_fitted_temperature_is_the_minimum_of_a_fine_grid_search() {
        let mut rng = <rand_chacha::ChaCha8Rng as rand::SeedableRng>::seed_from_u64(3);
        let mut next = || rand::Rng::random::<f64>(&mut rng);
        // Sharp probabilities that are right 60% of the time: T must soften them.
        let (p, y): (Vec<Vec<f64>>, Vec<usize>) = (0..300)
            .map(|_| {
                let k = (next() * 3.0) as usize % 3;
                let mut row = vec![0.02; 3];
                row[k] = 0.96;
                let y = if next() < 0.6 { k } else { (k + 1) % 3 };
                (row, y)
            })
            .unzip();
        let t = Temperature::fit(&p, &y).unwrap();
        let grid = (0..4000).map(|i| 0.05 * (400f64).powf(i as f64 / 3999.0));
        let best = grid
            .map(|g| (g, nll(&p, &y, g)))
            .fold((1.0, f64::INFINITY), |a, b| if b.1 < a.1 { b } else { a });
        assert!(
            (t.value - best.0).abs() / best.0 < 2e-3,
            "{t:?} vs grid {best:?}"
        );
        assert!(t.value > 1.0);
        assert!(nll(&p, &y, t.value) <= nll(&p, &y, 1.0));
    }

    #[test]
    fn scaling_keeps_the_ranking_and_the_sum() {
        let t = Temperature { value: 2.5 };
        let p = [0.6, 0.3, 0.1];
        let q = t.apply(&p);
        assert!((q.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        assert!(q[0] > q[1] && q[1] > q[2] && q[0] < p[0]);
        for (a, b) in Temperature::default().apply(&p).iter().zip(p) {
            assert!((a - b).abs() < 1e-12);
        }
    }

    #[test]
    fn bad_held_out_predictions_are_refused() {
        assert!(Temperature::fit(&[], &[]).is_err());
        assert!(Temperature::fit(&[vec![0.5, 0.5]], &[2]).is_err());
        assert!(Temperature::fit(&[vec![0.5, 0.5]], &[0, 1]).is_err());
        assert!(matches!(
            Temperature::fit(&[vec![f64::NAN, 0.5]], &[0]),
            Err(ClassifyError::Calibration(_))
        ));
    }
}
