//! [`LogisticRegression`]: multinomial logistic regression with an L2 penalty, fitted exactly (to a
//! gradient tolerance) by L-BFGS in `f64`: the same convex problem as scikit-learn's
//! `LogisticRegression(C=c)` with the `lbfgs` solver, so the same optimum.

use crate::error::{ClassifyError, Result};
use serde::{Deserialize, Serialize};

/// The hyperparameters of a multinomial logistic regression, checked by
/// [`LogisticRegression::validate`].
///
/// The objective, over `n` rows `x_i` with labels `y_i`, weights `W` (`classes x features`) and
/// intercepts `b` (not penalized), is
///
/// `f(W, b) = (1/n) * sum_i -log softmax(W x_i + b)[y_i] + ||W||^2 / (2 * C * n)`,
///
/// scikit-learn's `C * sum_i loss_i + ||W||^2 / 2` divided by `C * n`: the same minimizer. With two
/// classes this fits two symmetric weight vectors, as scikit-learn's multinomial loss does, not its
/// single binomial vector (whose penalty differs).
///
/// ```
/// use painter_classify::LogisticRegression;
///
/// // Two well separated clusters on the first feature.
/// let x = vec![-2.0, 0.1, -1.5, -0.3, 1.7, 0.2, 2.2, -0.1];
/// let y = vec![0, 0, 1, 1];
/// let model = LogisticRegression::new(1.0).fit(&x, 2, &y, 2).unwrap();
/// assert_eq!(model.predict(&[-1.0, 0.0]).unwrap(), 0);
/// assert_eq!(model.predict(&[1.0, 0.0]).unwrap(), 1);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LogisticRegression {
    /// Inverse regularization strength (scikit-learn's `C`): smaller is stronger. Positive, finite.
    pub c: f64,
    /// The most L-BFGS iterations (at least 1).
    pub max_iter: usize,
    /// Stop when the largest absolute gradient entry falls to this (positive).
    pub tolerance: f64,
    /// How many past steps L-BFGS remembers (at least 1; scikit-learn's `maxcor` is 10).
    pub memory: usize,
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

/// How a fit ended.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FitReport {
    /// L-BFGS iterations run.
    pub iterations: usize,
    /// The objective at the solution.
    pub objective: f64,
    /// The largest absolute gradient entry at the solution.
    pub gradient_max: f64,
    /// Whether the gradient tolerance was reached, or the objective stopped changing at machine
    /// precision (relative decrease below `64 * f64::EPSILON`, SciPy's L-BFGS-B criterion at
    /// scikit-learn's setting). `false` when `max_iter` ran out first.
    pub converged: bool,
}

impl LogisticRegression {
    /// Settings with inverse regularization strength `c`, up to 1000 iterations, gradient tolerance
    /// `1e-8` and memory 10.
    pub fn new(c: f64) -> Self {
        Self {
            c,
            max_iter: 1000,
            tolerance: 1e-8,
            memory: 10,
        }
    }

    /// Checks the settings.
    pub fn validate(&self) -> Result<()> {
        if !(self.c.is_finite() && self.c > 0.0) {
            return Err(ClassifyError::InvalidConfig(format!(
                "logistic regression: C must be positive and finite, got {}",
                self.c
            )));
        }
        if self.max_iter == 0 {
            return Err(ClassifyError::InvalidConfig(
                "logistic regression: max_iter must be at least 1".into(),
            ));
        }
        if !(self.tolerance.is_finite() && self.tolerance > 0.0) {
            return Err(ClassifyError::InvalidConfig(format!(
                "logistic regression: the tolerance must be positive and finite, got {}",
                self.tolerance
            )));
        }
        if self.memory == 0 {
            return Err(ClassifyError::InvalidConfig(
                "logistic regression: the L-BFGS memory must be at least 1".into(),
            ));
        }
        Ok(())
    }

    /// Fits the model to `x` (`n x features`, row-major) and `labels` (each `< classes`).
    ///
    /// Errors on bad settings, mismatched lengths, non-finite inputs, labels out of range, fewer
    /// than two classes, or an empty input.
    pub fn fit(
        &self,
        x: &[f64],
        features: usize,
        labels: &[usize],
        classes: usize,
    ) -> Result<LinearSoftmax> {
        self.fit_with_report(x, features, labels, classes)
            .map(|(m, _)| m)
    }

    /// [`LogisticRegression::fit`], also returning how the optimization ended.
    pub fn fit_with_report(
        &self,
        x: &[f64],
        features: usize,
        labels: &[usize],
        classes: usize,
    ) -> Result<(LinearSoftmax, FitReport)> {
        self.fit_from(x, features, labels, classes, None)
    }

    /// [`LogisticRegression::fit_with_report`], with L-BFGS started from `start` (a warm start)
    /// instead of from zeros when one is given.
    ///
    /// The objective is strictly convex, so the start changes only how many iterations the fit
    /// takes, not the optimum it converges to (up to the gradient tolerance). A model fitted on
    /// the same rows with a nearby `C`, or on nearly the same rows, is a good start. How much it
    /// saves depends on the problem: on ill-conditioned features most of L-BFGS's iterations are
    /// spent near the optimum, wherever it started. Errors as `fit` does, and on a start of
    /// another shape or with non-finite parameters.
    ///
    /// ```
    /// use painter_classify::LogisticRegression;
    ///
    /// let x = vec![-2.0, 0.1, -1.5, -0.3, 1.7, 0.2, 2.2, -0.1, 0.3, 0.4, -0.2, 0.1];
    /// let y = vec![0, 0, 1, 1, 0, 1];
    /// let (strong, _) = LogisticRegression::new(0.1).fit_with_report(&x, 2, &y, 2).unwrap();
    /// let (cold, cold_report) = LogisticRegression::new(1.0).fit_with_report(&x, 2, &y, 2).unwrap();
    /// let (warm, warm_report) =
    ///     LogisticRegression::new(1.0).fit_from(&x, 2, &y, 2, Some(&strong)).unwrap();
    /// assert!(warm_report.converged && cold_report.converged);
    /// for (a, b) in warm.weights.iter().zip(&cold.weights) {
    ///     assert!((a - b).abs() < 1e-6);
    /// }
    /// ```
    pub fn fit_from(
        &self,
        x: &[f64],
        features: usize,
        labels: &[usize],
        classes: usize,
        start: Option<&LinearSoftmax>,
    ) -> Result<(LinearSoftmax, FitReport)> {
        self.validate()?;
        let n = labels.len();
        if n == 0 || features == 0 {
            return Err(ClassifyError::Empty(
                "logistic regression needs at least one row and one feature".into(),
            ));
        }
        if classes < 2 {
            return Err(ClassifyError::InvalidConfig(format!(
                "logistic regression needs at least 2 classes, got {classes}"
            )));
        }
        check_matrix(x, n, features)?;
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
        let problem = Problem {
            x,
            labels,
            n,
            features,
            classes,
            l2: 1.0 / (self.c * n as f64),
        };
        let dim = classes * (features + 1);
        let theta = match start {
            None => vec![0.0; dim],
            Some(m) => {
                if m.classes != classes
                    || m.features != features
                    || m.weights.len() != classes * features
                    || m.intercepts.len() != classes
                {
                    return Err(ClassifyError::InvalidConfig(format!(
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
                    return Err(ClassifyError::InvalidConfig(
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
        let (theta, report) = lbfgs(&problem, theta, self)?;
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

fn check_matrix(x: &[f64], n: usize, features: usize) -> Result<()> {
    if x.len() != n * features {
        return Err(ClassifyError::InvalidConfig(format!(
            "the feature matrix holds {} values, {n} rows x {features} features need {}",
            x.len(),
            n * features
        )));
    }
    if let Some(i) = x.iter().position(|v| !v.is_finite()) {
        return Err(ClassifyError::InvalidConfig(format!(
            "feature {} of row {} is not finite ({})",
            i % features,
            i / features,
            x[i]
        )));
    }
    Ok(())
}

impl LinearSoftmax {
    /// Class probabilities of one row of `features` values.
    pub fn predict_proba(&self, row: &[f64]) -> Result<Vec<f64>> {
        if row.len() != self.features {
            return Err(ClassifyError::InvalidConfig(format!(
                "the model takes {} features, the row has {}",
                self.features,
                row.len()
            )));
        }
        let mut z = self.intercepts.clone();
        for (k, zk) in z.iter_mut().enumerate() {
            let w = &self.weights[k * self.features..(k + 1) * self.features];
            *zk += dot(w, row);
        }
        softmax_in_place(&mut z);
        Ok(z)
    }

    /// The most probable class of one row (the lowest index on ties).
    pub fn predict(&self, row: &[f64]) -> Result<usize> {
        Ok(argmax(&self.predict_proba(row)?))
    }
}

/// The index of the largest value (the first on ties; NaN never wins).
pub(crate) fn argmax(v: &[f64]) -> usize {
    let mut best = 0;
    for (i, &p) in v.iter().enumerate() {
        if p > v[best] {
            best = i;
        }
    }
    best
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn softmax_in_place(z: &mut [f64]) {
    let m = z.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mut s = 0.0;
    for v in z.iter_mut() {
        *v = (*v - m).exp();
        s += *v;
    }
    for v in z.iter_mut() {
        *v /= s;
    }
}

/// The regularized mean cross-entropy and its gradient, parameters `[W (classes x features), b]`.
struct Problem<'a> {
    x: &'a [f64],
    labels: &'a [usize],
    n: usize,
    features: usize,
    classes: usize,
    l2: f64,
}

impl Problem<'_> {
    fn value_and_gradient(&self, theta: &[f64], grad: &mut [f64]) -> Result<f64> {
        let (n, d, k) = (self.n, self.features, self.classes);
        let (w, b) = theta.split_at(k * d);
        let (gw, gb) = grad.split_at_mut(k * d);
        // Logits Z = X W^T (n x k), then + b, then the residuals P - Y in place.
        let mut z = vec![0.0; n * k];
        matmul((n, k, d), &mut z, (self.x, d, 1), (w, 1, d))?;
        let mut loss = 0.0;
        for (row, &y) in z.chunks_mut(k).zip(self.labels) {
            row.iter_mut().zip(b).for_each(|(v, bc)| *v += bc);
            let m = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let log_sum = m + row.iter().map(|v| (v - m).exp()).sum::<f64>().ln();
            loss += log_sum - row[y];
            for (c, v) in row.iter_mut().enumerate() {
                *v = (*v - log_sum).exp() - if c == y { 1.0 } else { 0.0 };
            }
        }
        // Gradient of the weights: R^T X (k x d); of the intercepts: the column sums of R.
        matmul((k, d, n), gw, (&z, 1, k), (self.x, d, 1))?;
        gb.iter_mut().for_each(|g| *g = 0.0);
        for row in z.chunks(k) {
            gb.iter_mut().zip(row).for_each(|(g, r)| *g += r);
        }
        let inv_n = 1.0 / n as f64;
        let mut penalty = 0.0;
        for (g, &wv) in gw.iter_mut().zip(w) {
            *g = *g * inv_n + self.l2 * wv;
            penalty += wv * wv;
        }
        gb.iter_mut().for_each(|g| *g *= inv_n);
        Ok(loss * inv_n + 0.5 * self.l2 * penalty)
    }
}

/// `dst (m x n, row-major) = a (m x inner) * b (inner x n)`, where `a` and `b` are given as
/// `(values, row stride, column stride)`. Single-threaded (the callers parallelize over fits), so
/// the result does not depend on the thread count.
fn matmul(
    (m, n, inner): (usize, usize, usize),
    dst: &mut [f64],
    a: (&[f64], usize, usize),
    b: (&[f64], usize, usize),
) -> Result<()> {
    let last = |rows: usize, cols: usize, rs: usize, cs: usize| {
        (rows.saturating_sub(1)) * rs + (cols.saturating_sub(1)) * cs
    };
    if m == 0 || n == 0 {
        return Ok(());
    }
    // The callers size every buffer from the same (n, d, k); these checks keep the unsafe call
    // below sound whatever happens.
    let too_small = |what: &str| {
        Err(ClassifyError::InvalidConfig(format!(
            "logistic regression: the {what} of a {m}x{inner} by {inner}x{n} product is too small"
        )))
    };
    if dst.len() < m * n {
        return too_small("destination");
    }
    if inner == 0 {
        dst[..m * n].fill(0.0);
        return Ok(());
    }
    if a.0.len() <= last(m, inner, a.1, a.2) {
        return too_small("left operand");
    }
    if b.0.len() <= last(inner, n, b.1, b.2) {
        return too_small("right operand");
    }
    // SAFETY: the assertions above guarantee that every index the kernel reads or writes,
    // `i * rs + j * cs` for `i` below the rows and `j` below the columns of each operand, lies
    // inside its slice; `dst` is exclusively borrowed and cannot alias `a` or `b`.
    unsafe {
        gemm::gemm(
            m,
            n,
            inner,
            dst.as_mut_ptr(),
            1,
            n as isize,
            false,
            a.0.as_ptr(),
            a.2 as isize,
            a.1 as isize,
            b.0.as_ptr(),
            b.2 as isize,
            b.1 as isize,
            0.0,
            1.0,
            false,
            false,
            false,
            gemm::Parallelism::None,
        );
    }
    Ok(())
}

fn max_abs(v: &[f64]) -> f64 {
    v.iter().fold(0.0, |m, x| m.max(x.abs()))
}

/// Limited-memory BFGS (two-loop recursion) with a backtracking Armijo line search; the objective is
/// smooth and strongly convex, so curvature pairs with `s.y <= 0` never occur in exact arithmetic
/// and are skipped if rounding produces one.
fn lbfgs(
    problem: &Problem<'_>,
    mut theta: Vec<f64>,
    settings: &LogisticRegression,
) -> Result<(Vec<f64>, FitReport)> {
    let dim = theta.len();
    let mut grad = vec![0.0; dim];
    let mut f = problem.value_and_gradient(&theta, &mut grad)?;
    let mut history: std::collections::VecDeque<(Vec<f64>, Vec<f64>, f64)> =
        std::collections::VecDeque::with_capacity(settings.memory);
    let mut trial = vec![0.0; dim];
    let mut trial_grad = vec![0.0; dim];
    let mut iterations = 0;
    let mut converged = max_abs(&grad) <= settings.tolerance;
    let mut stalled = false;
    while !converged && iterations < settings.max_iter {
        iterations += 1;
        // Two-loop recursion: direction = -H grad.
        let mut q = grad.clone();
        let mut alphas = Vec::with_capacity(history.len());
        for (s, y, rho) in history.iter().rev() {
            let a = rho * dot(s, &q);
            q.iter_mut().zip(y).for_each(|(qi, yi)| *qi -= a * yi);
            alphas.push(a);
        }
        let gamma = history
            .back()
            .map_or(1.0 / max_abs(&grad).max(1.0), |(s, y, _)| {
                dot(s, y) / dot(y, y)
            });
        q.iter_mut().for_each(|qi| *qi *= gamma);
        for ((s, y, rho), a) in history.iter().zip(alphas.iter().rev()) {
            let beta = rho * dot(y, &q);
            q.iter_mut()
                .zip(s)
                .for_each(|(qi, si)| *qi += (a - beta) * si);
        }
        let mut direction: Vec<f64> = q.iter().map(|v| -v).collect();
        let mut slope = dot(&grad, &direction);
        if slope.is_nan() || slope >= 0.0 {
            // Not a descent direction (rounding): restart from steepest descent.
            history.clear();
            direction = grad.iter().map(|g| -g).collect();
            slope = dot(&grad, &direction);
        }
        let mut step = 1.0;
        let mut accepted = false;
        for _ in 0..60 {
            for i in 0..dim {
                trial[i] = theta[i] + step * direction[i];
            }
            let f_trial = problem.value_and_gradient(&trial, &mut trial_grad)?;
            if f_trial.is_finite() && f_trial <= f + 1e-4 * step * slope {
                let s: Vec<f64> = trial.iter().zip(&theta).map(|(a, b)| a - b).collect();
                let y: Vec<f64> = trial_grad.iter().zip(&grad).map(|(a, b)| a - b).collect();
                let sy = dot(&s, &y);
                if sy > 1e-300 {
                    if history.len() == settings.memory {
                        history.pop_front();
                    }
                    history.push_back((s, y, 1.0 / sy));
                }
                std::mem::swap(&mut theta, &mut trial);
                std::mem::swap(&mut grad, &mut trial_grad);
                stalled =
                    (f - f_trial) <= 64.0 * f64::EPSILON * f.abs().max(f_trial.abs()).max(1.0);
                f = f_trial;
                accepted = true;
                break;
            }
            step *= 0.5;
        }
        if !f.is_finite() {
            return Err(ClassifyError::InvalidConfig(
                "logistic regression: the objective became non-finite".into(),
            ));
        }
        converged = max_abs(&grad) <= settings.tolerance;
        if !accepted || stalled {
            // No (representable) decrease left: this is the optimum to working accuracy.
            converged = true;
            break;
        }
    }
    Ok((
        theta,
        FitReport {
            iterations,
            objective: f,
            gradient_max: max_abs(&grad),
            converged,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toy() -> (Vec<f64>, Vec<usize>) {
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
        (x, y)
    }

    #[test]
    fn gradient_matches_finite_differences() {
        let (x, y) = toy();
        let p = Problem {
            x: &x,
            labels: &y,
            n: 9,
            features: 2,
            classes: 3,
            l2: 0.3,
        };
        let theta: Vec<f64> = (0..9).map(|i| (i as f64 * 0.37).sin()).collect();
        let mut g = vec![0.0; 9];
        p.value_and_gradient(&theta, &mut g).unwrap();
        let mut scratch = vec![0.0; 9];
        for i in 0..9 {
            let h = 1e-6;
            let mut a = theta.clone();
            a[i] += h;
            let mut b = theta.clone();
            b[i] -= h;
            let fd = (p.value_and_gradient(&a, &mut scratch).unwrap()
                - p.value_and_gradient(&b, &mut scratch).unwrap())
                / (2.0 * h);
            assert!((fd - g[i]).abs() < 1e-8, "parameter {i}: {fd} vs {}", g[i]);
        }
    }

    #[test]
    fn optimum_has_zero_gradient_and_predicts_sensibly() {
        let (x, y) = toy();
        let (m, r) = LogisticRegression::new(10.0)
            .fit_with_report(&x, 2, &y, 3)
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
                .map(|i| m.predict_proba(&x[2 * i..2 * i + 2]).unwrap()[c])
                .sum::<f64>()
                / 9.0;
            assert!((mean - 1.0 / 3.0).abs() < 1e-7, "class {c}: {mean}");
        }
    }

    #[test]
    fn bad_input_is_a_typed_error() {
        let (x, y) = toy();
        let lr = LogisticRegression::new(1.0);
        assert!(LogisticRegression::new(0.0).fit(&x, 2, &y, 3).is_err());
        assert!(LogisticRegression::new(f64::NAN).fit(&x, 2, &y, 3).is_err());
        assert!(lr.fit(&x[..5], 2, &y, 3).is_err());
        assert!(lr.fit(&x, 2, &y, 2).is_err(), "label 2 with 2 classes");
        assert!(lr.fit(&x, 2, &y, 1).is_err());
        assert!(lr.fit(&x, 2, &y, 4).is_err(), "class 3 has no rows");
        assert!(lr.fit(&[], 2, &[], 3).is_err());
        let mut bad = x.clone();
        bad[3] = f64::INFINITY;
        assert!(lr.fit(&bad, 2, &y, 3).is_err());
        let m = lr.fit(&x, 2, &y, 3).unwrap();
        assert!(m.predict(&[1.0]).is_err());
    }
}
