//! [`LogisticRegression`]: multinomial logistic regression with an L2 penalty in `f64`, the same
//! convex problem as scikit-learn's `LogisticRegression(C=c)`, solved to a gradient tolerance by
//! the truncated Newton method of [`crate::newton`].

use crate::error::{ClassifyError, Result};
use crate::features::FeatureMatrix;
pub use crate::newton::FitReport;
use crate::newton::{newton_cg, Objective, Preconditioner};
use painter_eval::argmax;
use serde::{Deserialize, Serialize};

/// The hyperparameters of a multinomial logistic regression, checked by
/// [`LogisticRegression::validate`].
///
/// The objective, over `n` rows `x_i` with labels `y_i`, weights `W` (`classes x features`) and
/// intercepts `b` (not penalized), is
///
/// `f(W, b) = (1/n) * sum_i -log softmax(W x_i + b)[y_i] + ||W||^2 / (2 * C * n)`,
///
/// scikit-learn's `C * sum_i loss_i + ||W||^2 / 2` divided by `C * n` (as scikit-learn itself
/// scales it): the same minimizer, and the same gradient tolerance. With two classes this fits
/// two symmetric weight vectors, as scikit-learn's multinomial loss does, not its single binomial
/// vector (whose penalty differs).
///
/// ```
/// use painter_classify::{FeatureMatrix, LogisticRegression};
///
/// // Two well separated clusters on the first feature.
/// let x = FeatureMatrix::new(vec![-2.0, 0.1, -1.5, -0.3, 1.7, 0.2, 2.2, -0.1], 2).unwrap();
/// let y = vec![0, 0, 1, 1];
/// let model = LogisticRegression::new(1.0).fit(&x, &y, 2).unwrap();
/// assert_eq!(model.predict(&[-1.0, 0.0]).unwrap(), 0);
/// assert_eq!(model.predict(&[1.0, 0.0]).unwrap(), 1);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LogisticRegression {
    /// Inverse regularization strength (scikit-learn's `C`): smaller is stronger. Positive, finite.
    pub c: f64,
    /// The most Newton iterations (at least 1; scikit-learn's `max_iter`).
    pub max_iter: usize,
    /// Stop when the largest absolute gradient entry falls to this (positive; scikit-learn's
    /// `tol`).
    pub tolerance: f64,
}

impl Default for LogisticRegression {
    fn default() -> Self {
        Self::new(1.0)
    }
}

/// A fitted multinomial logistic regression: `softmax(W x + b)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinearSoftmax {
    /// Weights, `classes x features`, row-major.
    pub weights: Vec<f64>,
    /// One intercept per class.
    pub intercepts: Vec<f64>,
    /// The number of input features.
    pub features: usize,
    /// The number of classes.
    pub classes: usize,
}

impl LogisticRegression {
    /// Settings with inverse regularization strength `c`, up to 100 Newton iterations (as
    /// scikit-learn's `max_iter`) and gradient tolerance `1e-8`.
    pub fn new(c: f64) -> Self {
        Self {
            c,
            max_iter: 100,
            tolerance: 1e-8,
        }
    }

    /// Checks the settings.
    pub fn validate(&self) -> Result<()> {
        let check = |ok: bool, message: String| {
            if ok {
                Ok(())
            } else {
                Err(ClassifyError::InvalidConfig(format!(
                    "logistic regression: {message}"
                )))
            }
        };
        check(
            self.c.is_finite() && self.c > 0.0,
            format!("C must be positive and finite, got {}", self.c),
        )?;
        check(self.max_iter > 0, "max_iter must be at least 1".into())?;
        check(
            self.tolerance.is_finite() && self.tolerance > 0.0,
            format!(
                "the tolerance must be positive and finite, got {}",
                self.tolerance
            ),
        )
    }

    /// Fits the model to the rows of `x` and their `labels` (each `< classes`).
    ///
    /// Errors on bad settings, mismatched lengths, labels out of range, a class without rows,
    /// fewer than two classes, or an empty input.
    pub fn fit(
        &self,
        x: &FeatureMatrix,
        labels: &[usize],
        classes: usize,
    ) -> Result<LinearSoftmax> {
        self.fit_with_report(x, labels, classes).map(|(m, _)| m)
    }

    /// [`LogisticRegression::fit`], also returning how the optimization ended.
    pub fn fit_with_report(
        &self,
        x: &FeatureMatrix,
        labels: &[usize],
        classes: usize,
    ) -> Result<(LinearSoftmax, FitReport)> {
        self.fit_from(x, labels, classes, None)
    }

    /// [`LogisticRegression::fit_with_report`], started from `start` (a warm start) instead of
    /// from zeros when one is given.
    ///
    /// The objective is strictly convex in the weights, so the start changes only how many
    /// iterations the fit takes, not the optimum it converges to (up to the gradient tolerance).
    /// A model fitted on the same rows with a nearby `C` is a good start. Errors as `fit` does,
    /// and on a start of another shape or with non-finite parameters.
    ///
    /// ```
    /// use painter_classify::{FeatureMatrix, LogisticRegression};
    ///
    /// let x = FeatureMatrix::new(
    ///     vec![-2.0, 0.1, -1.5, -0.3, 1.7, 0.2, 2.2, -0.1, 0.3, 0.4, -0.2, 0.1],
    ///     2,
    /// )
    /// .unwrap();
    /// let y = vec![0, 0, 1, 1, 0, 1];
    /// let (strong, _) = LogisticRegression::new(0.1).fit_with_report(&x, &y, 2).unwrap();
    /// let (cold, cold_report) = LogisticRegression::new(1.0).fit_with_report(&x, &y, 2).unwrap();
    /// let (warm, warm_report) =
    ///     LogisticRegression::new(1.0).fit_from(&x, &y, 2, Some(&strong)).unwrap();
    /// assert!(warm_report.converged && cold_report.converged);
    /// for (a, b) in warm.weights.iter().zip(&cold.weights) {
    ///     assert!((a - b).abs() < 1e-6);
    /// }
    /// ```
    pub fn fit_from(
        &self,
        x: &FeatureMatrix,
        labels: &[usize],
        classes: usize,
        start: Option<&LinearSoftmax>,
    ) -> Result<(LinearSoftmax, FitReport)> {
        self.validate()?;
        LogisticProblem::new(x.clone(), labels.to_vec(), classes)?.fit(self, start)
    }
}

/// The rows and labels of a logistic regression, checked and prepared once (with the eigenbasis
/// of the rows' second moment, from which the solver builds its preconditioner) to be fitted at
/// one or more `C`: a regularization path fits each `C` from the previous one's solution.
///
/// ```
/// use painter_classify::{FeatureMatrix, LogisticProblem, LogisticRegression};
///
/// let x = FeatureMatrix::new(vec![-2.0, -1.0, -0.5, 0.4, 1.0, 2.5], 1).unwrap();
/// let problem = LogisticProblem::new(x, vec![0, 0, 1, 0, 1, 1], 2).unwrap();
/// let (weak, _) = problem.fit(&LogisticRegression::new(0.1), None).unwrap();
/// let (strong, report) = problem.fit(&LogisticRegression::new(10.0), Some(&weak)).unwrap();
/// assert!(report.converged);
/// assert!(strong.weights[1] > weak.weights[1]);
/// ```
#[derive(Debug)]
pub struct LogisticProblem {
    x: FeatureMatrix,
    labels: Vec<usize>,
    classes: usize,
    preconditioner: Preconditioner,
}

impl LogisticProblem {
    /// Checks the rows and labels (see [`LogisticRegression::fit`]) and prepares the problem.
    pub fn new(x: FeatureMatrix, labels: Vec<usize>, classes: usize) -> Result<Self> {
        let n = labels.len();
        if n == 0 {
            return Err(ClassifyError::Empty(
                "logistic regression needs at least one row".into(),
            ));
        }
        if x.rows() != n {
            return Err(ClassifyError::LabelCount {
                samples: x.rows(),
                labels: n,
            });
        }
        if classes < 2 {
            return Err(ClassifyError::TooFewClasses(classes));
        }
        if let Some((i, &l)) = labels.iter().enumerate().find(|(_, &l)| l >= classes) {
            return Err(ClassifyError::BadLabel {
                index: i,
                message: format!("label {l} is not below the class count {classes}"),
            });
        }
        let mut counts = vec![0usize; classes];
        labels.iter().for_each(|&l| counts[l] += 1);
        if let Some(c) = counts.iter().position(|&k| k == 0) {
            return Err(ClassifyError::Empty(format!(
                "class {c} has no rows: its intercept would have no finite optimum"
            )));
        }
        let preconditioner = Preconditioner::new(&x)?;
        Ok(Self {
            x,
            labels,
            classes,
            preconditioner,
        })
    }

    /// Fits at `settings.c`, from `start` (a warm start of the same shape) or from zeros.
    pub fn fit(
        &self,
        settings: &LogisticRegression,
        start: Option<&LinearSoftmax>,
    ) -> Result<(LinearSoftmax, FitReport)> {
        settings.validate()?;
        let (features, classes) = (self.x.columns(), self.classes);
        let theta = match start {
            None => vec![0.0; classes * (features + 1)],
            Some(m) => {
                if m.classes != classes
                    || m.features != features
                    || m.weights.len() != classes * features
                    || m.intercepts.len() != classes
                {
                    return Err(ClassifyError::PartsDisagree(format!(
                        "logistic regression: a warm start of {} classes x {} features ({} \
                         weights, {} intercepts) cannot start a fit of {classes} x {features}",
                        m.classes,
                        m.features,
                        m.weights.len(),
                        m.intercepts.len()
                    )));
                }
                if m.weights
                    .iter()
                    .chain(&m.intercepts)
                    .any(|v| !v.is_finite())
                {
                    return Err(ClassifyError::PartsDisagree(
                        "logistic regression: the warm start holds a non-finite parameter".into(),
                    ));
                }
                // The loss does not change when every intercept moves by the same amount, and
                // the intercepts are not penalized: a fit keeps the mean intercept it starts
                // from. Centring the start's intercepts (which changes none of its
                // probabilities) lands the fit on the same optimum as a fit from zeros.
                let shift = m.intercepts.iter().sum::<f64>() / classes as f64;
                m.weights
                    .iter()
                    .copied()
                    .chain(m.intercepts.iter().map(|b| b - shift))
                    .collect()
            }
        };
        let objective = Objective {
            x: &self.x,
            labels: &self.labels,
            classes,
            l2: 1.0 / (settings.c * self.labels.len() as f64),
        };
        let (theta, report) = newton_cg(
            &objective,
            &self.preconditioner,
            theta,
            settings.tolerance,
            settings.max_iter,
        )?;
        let split = classes * features;
        Ok((
            LinearSoftmax {
                weights: theta[..split].to_vec(),
                intercepts: theta[split..].to_vec(),
                features,
                classes,
            },
            report,
        ))
    }
}

impl LinearSoftmax {
    /// Class probabilities of one row of `features` values.
    pub fn predict_proba(&self, row: &[f64]) -> Result<Vec<f64>> {
        if row.len() != self.features {
            return Err(ClassifyError::ColumnMismatch {
                expected: self.features,
                found: row.len(),
            });
        }
        let mut z = self.intercepts.clone();
        for (k, zk) in z.iter_mut().enumerate() {
            let w = &self.weights[k * self.features..(k + 1) * self.features];
            *zk += w.iter().zip(row).map(|(a, b)| a * b).sum::<f64>();
        }
        let m = z.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        z.iter_mut().for_each(|v| *v = (*v - m).exp());
        let s: f64 = z.iter().sum();
        z.iter_mut().for_each(|v| *v /= s);
        Ok(z)
    }

    /// The most probable class of one row (the lowest index on ties).
    pub fn predict(&self, row: &[f64]) -> Result<usize> {
        // Probabilities of a finite model are never all NaN; class 0 is only the empty case.
        Ok(argmax(&self.predict_proba(row)?).unwrap_or(0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toy() -> (FeatureMatrix, Vec<usize>) {
        // 3 classes, 2 features, overlapping clusters (a finite optimum even with a tiny penalty).
        let pts = [
            (0.0, 0.0, 0),
            (0.5, 0.2, 0),
            (1.2, -0.3, 0),
            (1.0, 1.0, 1),
            (0.2, 1.5, 1),
            (0.4, 0.4, 1),
            (-1.0, 0.5, 2),
            (-0.5, -0.8, 2),
            (0.3, 0.1, 2),
        ];
        let x = pts.iter().flat_map(|p| [p.0, p.1]).collect();
        let y = pts.iter().map(|p| p.2).collect();
        (FeatureMatrix::new(x, 2).unwrap(), y)
    }

    #[test]
    fn optimum_has_zero_gradient_and_predicts_sensibly() {
        let (x, y) = toy();
        let (m, r) = LogisticRegression::new(10.0)
            .fit_with_report(&x, &y, 3)
            .unwrap();
        assert!(r.converged, "{r:?}");
        assert!(r.gradient_max <= 1e-8);
        let p = m.predict_proba(&[0.5, 0.2]).unwrap();
        assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        assert_eq!(m.predict(&[2.0, -1.0]).unwrap(), 0);
        assert_eq!(m.predict(&[0.0, 3.0]).unwrap(), 1);
        assert_eq!(m.predict(&[-3.0, 0.0]).unwrap(), 2);
        // Intercepts unpenalized: at the optimum the mean predicted probability of each class
        // equals its frequency (the intercept's stationarity condition).
        for c in 0..3 {
            let mean: f64 = (0..9)
                .map(|i| m.predict_proba(x.row(i)).unwrap()[c])
                .sum::<f64>()
                / 9.0;
            assert!((mean - 1.0 / 3.0).abs() < 1e-7, "class {c}: {mean}");
        }
    }

    #[test]
    fn bad_input_is_a_typed_error() {
        let (x, y) = toy();
        let lr = LogisticRegression::new(1.0);
        assert!(LogisticRegression::new(0.0).fit(&x, &y, 3).is_err());
        assert!(LogisticRegression::new(f64::NAN).fit(&x, &y, 3).is_err());
        assert!(matches!(
            lr.fit(&x, &y[..5], 3),
            Err(ClassifyError::LabelCount { .. })
        ));
        assert!(matches!(
            lr.fit(&x, &y, 2),
            Err(ClassifyError::BadLabel { .. })
        ));
        assert!(matches!(
            lr.fit(&x, &y, 1),
            Err(ClassifyError::TooFewClasses(1))
        ));
        assert!(matches!(lr.fit(&x, &y, 4), Err(ClassifyError::Empty(_))));
        let none = FeatureMatrix::empty(2).unwrap();
        assert!(lr.fit(&none, &[], 3).is_err());
        let m = lr.fit(&x, &y, 3).unwrap();
        assert!(matches!(
            m.predict(&[1.0]),
            Err(ClassifyError::ColumnMismatch { .. })
        ));
    }
}
