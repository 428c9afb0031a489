//! [`LinearProbe`]: a standardized multinomial logistic regression on fixed feature vectors (for
//! example an encoder's [`ChannelStatistics`](crate::ChannelStatistics)), whose regularization is
//! chosen by stratified cross-validation *inside* the training rows it is given.

use crate::error::{ClassifyError, Result};
use crate::logistic::{argmax, FitReport, LinearSoftmax, LogisticRegression};
use painter_eval::{Splitter, StratifiedKFold};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::ops::Range;
use std::path::Path;

/// Per-feature standardization `(x - mean) / scale`, as scikit-learn's `StandardScaler`: the
/// population standard deviation, with scale 1 for a constant feature.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Standardizer {
    /// The mean of every feature over the fitted rows.
    pub mean: Vec<f64>,
    /// The scale of every feature (its standard deviation, or 1 where that is 0).
    pub scale: Vec<f64>,
}

impl Standardizer {
    /// Fits to the rows `rows` of `x` (`features` values per row, row-major).
    pub fn fit(x: &[f64], features: usize, rows: &[usize]) -> Result<Self> {
        if rows.is_empty() || features == 0 {
            return Err(ClassifyError::Empty(
                "standardization needs at least one row and one feature".into(),
            ));
        }
        let row = |i: usize| -> Result<&[f64]> {
            x.get(i * features..(i + 1) * features).ok_or_else(|| {
                ClassifyError::InvalidConfig(format!(
                    "row {i} is outside the feature matrix ({} values)",
                    x.len()
                ))
            })
        };
        let n = rows.len() as f64;
        let mut mean = vec![0.0; features];
        for &i in rows {
            mean.iter_mut().zip(row(i)?).for_each(|(m, v)| *m += v);
        }
        mean.iter_mut().for_each(|m| *m /= n);
        let mut var = vec![0.0; features];
        for &i in rows {
            var.iter_mut()
                .zip(row(i)?)
                .zip(&mean)
                .for_each(|((s, v), m)| *s += (v - m) * (v - m));
        }
        let scale = var
            .iter()
            .map(|s| {
                let sd = (s / n).sqrt();
                // scikit-learn treats variances at rounding level of the mean as zero.
                if sd.is_finite() && sd > 0.0 {
                    sd
                } else {
                    1.0
                }
            })
            .collect();
        if mean.iter().any(|m| !m.is_finite()) {
            return Err(ClassifyError::InvalidConfig(
                "standardization: the features hold non-finite values".into(),
            ));
        }
        Ok(Self { mean, scale })
    }

    /// Standardizes one row.
    pub fn transform_row(&self, row: &[f64]) -> Result<Vec<f64>> {
        if row.len() != self.mean.len() {
            return Err(ClassifyError::InvalidConfig(format!(
                "the standardizer takes {} features, the row has {}",
                self.mean.len(),
                row.len()
            )));
        }
        Ok(row
            .iter()
            .zip(&self.mean)
            .zip(&self.scale)
            .map(|((v, m), s)| (v - m) / s)
            .collect())
    }

    /// Standardizes the rows `rows` of `x`, returned row-major.
    pub fn transform(&self, x: &[f64], rows: &[usize]) -> Result<Vec<f64>> {
        let d = self.mean.len();
        let mut out = Vec::with_capacity(rows.len() * d);
        for &i in rows {
            let row = x.get(i * d..(i + 1) * d).ok_or_else(|| {
                ClassifyError::InvalidConfig(format!("row {i} is outside the feature matrix"))
            })?;
            out.extend(self.transform_row(row)?);
        }
        Ok(out)
    }
}

/// How a [`LinearProbe`] is fitted. Checked by [`LinearProbeConfig::validate`].
///
/// ```
/// use painter_classify::LinearProbeConfig;
///
/// let cfg = LinearProbeConfig::default();
/// assert_eq!(cfg.c_grid, vec![0.01, 0.03, 0.1, 0.3, 1.0, 3.0]);
/// assert!(cfg.validate().is_ok());
/// assert!(LinearProbeConfig { c_grid: vec![], ..cfg }.validate().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinearProbeConfig {
    /// Candidate inverse regularization strengths `C`. With more than one, each is scored by
    /// stratified cross-validation on the training rows and the best one is refitted on all of them.
    pub c_grid: Vec<f64>,
    /// Folds of the inner cross-validation (reduced to the smallest class's size if that is
    /// smaller, but at least 2).
    pub inner_folds: usize,
    /// Seed of the inner folds' shuffle.
    pub seed: u64,
    /// Solver settings (its `c` is replaced by each candidate).
    pub solver: LogisticRegression,
}

impl Default for LinearProbeConfig {
    fn default() -> Self {
        Self {
            c_grid: vec![0.01, 0.03, 0.1, 0.3, 1.0, 3.0],
            inner_folds: 5,
            seed: 0,
            solver: LogisticRegression {
                tolerance: 1e-6,
                ..LogisticRegression::new(1.0)
            },
        }
    }
}

impl LinearProbeConfig {
    /// Checks the settings.
    pub fn validate(&self) -> Result<()> {
        if self.c_grid.is_empty() {
            return Err(ClassifyError::InvalidConfig(
                "linear probe: the C grid is empty".into(),
            ));
        }
        for &c in &self.c_grid {
            LogisticRegression { c, ..self.solver }.validate()?;
        }
        if self.c_grid.len() > 1 && self.inner_folds < 2 {
            return Err(ClassifyError::InvalidConfig(format!(
                "linear probe: choosing C needs at least 2 inner folds, got {}",
                self.inner_folds
            )));
        }
        Ok(())
    }
}

/// The inner cross-validation score of one candidate `C`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CandidateScore {
    /// The candidate.
    pub c: f64,
    /// Mean accuracy over the inner folds.
    pub accuracy: f64,
    /// Mean cross-entropy over the inner folds (breaks accuracy ties: lower wins).
    pub log_loss: f64,
    /// How many of the inner folds' fits used up the solver's `max_iter` before reaching its
    /// gradient tolerance (0 in a probe saved before this was counted).
    #[serde(default)]
    pub unconverged_folds: usize,
}

/// A fitted linear probe: standardization, then a multinomial logistic regression.
///
/// ```
/// use painter_classify::{LinearProbe, LinearProbeConfig};
///
/// // 3 classes in 2 features, 6 rows each.
/// let mut x = Vec::new();
/// let mut y = Vec::new();
/// for c in 0..3 {
///     for i in 0..6 {
///         x.extend([c as f64 * 3.0 + i as f64 * 0.1, (i % 2) as f64]);
///         y.push(c);
///     }
/// }
/// let rows: Vec<usize> = (0..18).collect();
/// let names = vec!["a".to_string(), "b".to_string(), "c".to_string()];
/// let cfg = LinearProbeConfig { inner_folds: 3, ..LinearProbeConfig::default() };
/// let probe = LinearProbe::fit(&cfg, &x, 2, &y, &rows, names).unwrap();
/// assert_eq!(probe.predict(&[6.2, 0.0]).unwrap(), 2);
/// assert_eq!(probe.scores.len(), 6);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinearProbe {
    /// Fitted on the training rows.
    pub standardizer: Standardizer,
    /// The logistic regression on the standardized features.
    pub model: LinearSoftmax,
    /// The chosen `C`.
    pub c: f64,
    /// Every candidate's inner cross-validation score (empty when the grid had one value).
    pub scores: Vec<CandidateScore>,
    /// The class names, in label order.
    pub class_names: Vec<String>,
    /// How the final fit, on every training row at the chosen `C`, ended: whether L-BFGS reached
    /// its gradient tolerance or used up `max_iter` first. `None` in a probe saved before this
    /// was recorded.
    #[serde(default)]
    pub fit_report: Option<FitReport>,
}

/// The format tag of a saved probe.
const PROBE_FORMAT: &str = "deep-painter-linear-probe/1";

#[derive(Serialize, Deserialize)]
struct SavedProbe {
    format: String,
    probe: LinearProbe,
}

impl LinearProbe {
    /// Fits on the rows `train` of `x` (`features` values per row) with labels `labels[i]` (indexed
    /// like the rows of `x`); `class_names` gives the number of classes.
    pub fn fit(
        config: &LinearProbeConfig,
        x: &[f64],
        features: usize,
        labels: &[usize],
        train: &[usize],
        class_names: Vec<String>,
    ) -> Result<Self> {
        let rows: Vec<Range<usize>> = (0..labels.len()).map(|i| i..i + 1).collect();
        let samples = SampleRows {
            values: x,
            features,
            rows: &rows,
        };
        Self::fit_samples(config, &samples, labels, train, class_names)
    }

    /// Fits on the samples `train`, each of which owns one or more feature rows (for example one
    /// per patch of an image), labelled `labels[sample]`. Every row of a training sample is a
    /// training row; the inner cross-validation that chooses `C` splits *samples* (stratified) and
    /// scores each held-out sample by [`LinearProbe::predict_sample_proba`] over its rows.
    pub fn fit_samples(
        config: &LinearProbeConfig,
        samples: &SampleRows<'_>,
        labels: &[usize],
        train: &[usize],
        class_names: Vec<String>,
    ) -> Result<Self> {
        config.validate()?;
        samples.check()?;
        let classes = class_names.len();
        if labels.len() != samples.rows.len() {
            return Err(ClassifyError::InvalidConfig(format!(
                "{} labels for {} samples",
                labels.len(),
                samples.rows.len()
            )));
        }
        let train_labels: Vec<usize> = train
            .iter()
            .map(|&i| {
                labels
                    .get(i)
                    .copied()
                    .ok_or_else(|| ClassifyError::BadLabel {
                        index: i,
                        message: "no such sample".into(),
                    })
            })
            .collect::<Result<_>>()?;
        let row_labels = samples.row_labels(labels);
        let mut scores = Vec::new();
        let c = if config.c_grid.len() == 1 {
            config.c_grid[0]
        } else {
            let mut counts = vec![0usize; classes];
            for &l in &train_labels {
                if let Some(n) = counts.get_mut(l) {
                    *n += 1;
                }
            }
            let smallest = counts.iter().copied().min().unwrap_or(0);
            let folds = config.inner_folds.min(smallest);
            if folds < 2 {
                return Err(ClassifyError::Empty(format!(
                    "choosing C by cross-validation needs at least 2 training samples of every \
                     class; the smallest class has {smallest}"
                )));
            }
            let splits = StratifiedKFold::new(folds)
                .map_err(|e| ClassifyError::CrossValidation(e.to_string()))?
                .shuffle(config.seed)
                .split(&train_labels)
                .map_err(|e| ClassifyError::CrossValidation(e.to_string()))?;
            // Every (candidate, inner fold) fit is independent: fit them in parallel, then sum
            // the results in a fixed order so the choice does not depend on the thread count.
            let jobs: Vec<(f64, &painter_eval::Fold)> = config
                .c_grid
                .iter()
                .flat_map(|&c| splits.folds.iter().map(move |f| (c, f)))
                .collect();
            let outcomes = jobs
                .par_iter()
                .map(|&(c, fold)| -> Result<(usize, f64, usize, bool)> {
                    let inner_train: Vec<usize> = fold.train.iter().map(|&j| train[j]).collect();
                    let fitted = Self::fit_one(
                        &LogisticRegression { c, ..config.solver },
                        samples,
                        &row_labels,
                        &samples.rows_of(&inner_train),
                        classes,
                    )?;
                    let (mut correct, mut loss) = (0usize, 0.0);
                    for &j in &fold.test {
                        let i = train[j];
                        let p = fitted.sample_proba(samples, i)?;
                        let y = labels[i];
                        correct += usize::from(argmax(&p) == y);
                        loss -= p[y].max(1e-300).ln();
                    }
                    Ok((correct, loss, fold.test.len(), fitted.report.converged))
                })
                .collect::<Result<Vec<_>>>()?;
            let per_candidate = splits.folds.len();
            for (ci, &c) in config.c_grid.iter().enumerate() {
                let (correct, loss, total, unconverged) = outcomes
                    [ci * per_candidate..(ci + 1) * per_candidate]
                    .iter()
                    .fold((0, 0.0, 0, 0), |(a, b, n, u), &(k, l, t, done)| {
                        (a + k, b + l, n + t, u + usize::from(!done))
                    });
                scores.push(CandidateScore {
                    c,
                    accuracy: correct as f64 / total as f64,
                    log_loss: loss / total as f64,
                    unconverged_folds: unconverged,
                });
            }
            let best = scores
                .iter()
                .fold(None::<&CandidateScore>, |best, s| match best {
                    Some(b) if (b.accuracy, -b.log_loss) >= (s.accuracy, -s.log_loss) => Some(b),
                    _ => Some(s),
                });
            best.map_or(config.c_grid[0], |s| s.c)
        };
        let fitted = Self::fit_one(
            &LogisticRegression { c, ..config.solver },
            samples,
            &row_labels,
            &samples.rows_of(train),
            classes,
        )?;
        Ok(Self {
            standardizer: fitted.standardizer,
            model: fitted.model,
            c,
            scores,
            class_names,
            fit_report: Some(fitted.report),
        })
    }

    fn fit_one(
        solver: &LogisticRegression,
        samples: &SampleRows<'_>,
        row_labels: &[usize],
        rows: &[usize],
        classes: usize,
    ) -> Result<Fitted> {
        let standardizer = Standardizer::fit(samples.values, samples.features, rows)?;
        let z = standardizer.transform(samples.values, rows)?;
        let y: Vec<usize> = rows.iter().map(|&i| row_labels[i]).collect();
        let (model, report) = solver.fit_with_report(&z, samples.features, &y, classes)?;
        Ok(Fitted {
            standardizer,
            model,
            report,
        })
    }

    /// Class probabilities of one raw (unstandardized) feature row.
    pub fn predict_proba(&self, row: &[f64]) -> Result<Vec<f64>> {
        self.model
            .predict_proba(&self.standardizer.transform_row(row)?)
    }

    /// The most probable class of one raw feature row.
    pub fn predict(&self, row: &[f64]) -> Result<usize> {
        Ok(argmax(&self.predict_proba(row)?))
    }

    /// Class probabilities of a sample that owns several raw feature rows (`rows.len()` a
    /// multiple of the feature count): the normalized geometric mean of the rows' probabilities
    /// (the softmax of their mean log-probabilities).
    pub fn predict_sample_proba(&self, rows: &[f64]) -> Result<Vec<f64>> {
        let d = self.model.features;
        if rows.is_empty() || !rows.len().is_multiple_of(d) {
            return Err(ClassifyError::InvalidConfig(format!(
                "a sample needs a positive multiple of {d} values, got {}",
                rows.len()
            )));
        }
        let per_row = rows
            .chunks(d)
            .map(|r| self.predict_proba(r))
            .collect::<Result<Vec<_>>>()?;
        Ok(geometric_mean(&per_row))
    }

    /// The most probable class of a sample that owns several raw feature rows.
    pub fn predict_sample(&self, rows: &[f64]) -> Result<usize> {
        Ok(argmax(&self.predict_sample_proba(rows)?))
    }

    /// Writes the probe as JSON, atomically.
    pub fn save(&self, path: &Path) -> Result<()> {
        let saved = SavedProbe {
            format: PROBE_FORMAT.into(),
            probe: self.clone(),
        };
        let bytes = serde_json::to_vec_pretty(&saved).map_err(|source| ClassifyError::Json {
            path: path.to_path_buf(),
            source,
        })?;
        painter_data::atomic::write_atomic(path, &bytes).map_err(|e| ClassifyError::io(path, e))
    }

    /// Reads a probe written by [`LinearProbe::save`], checking that its parts agree.
    pub fn load(path: &Path) -> Result<Self> {
        let bytes = std::fs::read(path).map_err(|e| ClassifyError::io(path, e))?;
        let saved: SavedProbe =
            serde_json::from_slice(&bytes).map_err(|source| ClassifyError::Json {
                path: path.to_path_buf(),
                source,
            })?;
        let bad = |message: String| ClassifyError::BadCheckpoint {
            dir: path.to_path_buf(),
            message,
        };
        if saved.format != PROBE_FORMAT {
            return Err(bad(format!(
                "format `{}`, expected `{PROBE_FORMAT}`",
                saved.format
            )));
        }
        Self::from_json_value(saved.probe).map_err(bad)
    }

    /// Checks that a deserialized probe's parts agree (sizes, finite values, positive scales).
    pub(crate) fn from_json_value(p: LinearProbe) -> std::result::Result<Self, String> {
        let (d, k) = (p.model.features, p.model.classes);
        if p.standardizer.mean.len() != d
            || p.standardizer.scale.len() != d
            || p.model.weights.len() != d * k
            || p.model.intercepts.len() != k
            || p.class_names.len() != k
        {
            return Err("the probe's parts have inconsistent sizes".into());
        }
        let finite = p
            .standardizer
            .mean
            .iter()
            .chain(&p.standardizer.scale)
            .chain(&p.model.weights)
            .chain(&p.model.intercepts)
            .all(|v| v.is_finite());
        if !finite || p.standardizer.scale.iter().any(|&s| s <= 0.0) {
            return Err("the probe holds non-finite values or a zero scale".into());
        }
        Ok(p)
    }
}

/// Feature rows grouped by sample: sample `s` owns the rows `rows[s]` of `values` (`features`
/// values per row, row-major).
#[derive(Debug, Clone, Copy)]
pub struct SampleRows<'a> {
    /// The feature matrix, row-major.
    pub values: &'a [f64],
    /// Values per row.
    pub features: usize,
    /// The rows of every sample (non-empty ranges inside the matrix).
    pub rows: &'a [Range<usize>],
}

impl SampleRows<'_> {
    fn check(&self) -> Result<()> {
        if self.features == 0 || !self.values.len().is_multiple_of(self.features) {
            return Err(ClassifyError::InvalidConfig(format!(
                "{} values do not make rows of {} features",
                self.values.len(),
                self.features
            )));
        }
        let n = self.values.len() / self.features;
        if let Some(s) = self.rows.iter().position(|r| r.start >= r.end || r.end > n) {
            return Err(ClassifyError::InvalidConfig(format!(
                "sample {s} owns rows {:?}, the matrix has {n}",
                self.rows[s]
            )));
        }
        Ok(())
    }

    /// The label of every row (rows of no sample get `usize::MAX`, never used).
    fn row_labels(&self, labels: &[usize]) -> Vec<usize> {
        let mut out = vec![usize::MAX; self.values.len() / self.features.max(1)];
        for (r, &l) in self.rows.iter().zip(labels) {
            out[r.clone()].iter_mut().for_each(|v| *v = l);
        }
        out
    }

    /// Every row of the given samples, in order.
    fn rows_of(&self, samples: &[usize]) -> Vec<usize> {
        samples
            .iter()
            .flat_map(|&s| self.rows.get(s).cloned().unwrap_or(0..0))
            .collect()
    }

    /// The values of sample `s`'s rows.
    fn sample_values(&self, s: usize) -> Result<&[f64]> {
        let r = self
            .rows
            .get(s)
            .ok_or_else(|| ClassifyError::InvalidConfig(format!("no sample {s}")))?;
        Ok(&self.values[r.start * self.features..r.end * self.features])
    }
}

/// The softmax of the mean log-probabilities of several probability vectors.
fn geometric_mean(per_row: &[Vec<f64>]) -> Vec<f64> {
    let k = per_row.first().map_or(0, Vec::len);
    let n = per_row.len().max(1) as f64;
    let mut mean = vec![0.0; k];
    for p in per_row {
        mean.iter_mut()
            .zip(p)
            .for_each(|(m, v)| *m += v.max(1e-300).ln() / n);
    }
    let top = mean.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mut out: Vec<f64> = mean.iter().map(|m| (m - top).exp()).collect();
    let s: f64 = out.iter().sum();
    out.iter_mut().for_each(|v| *v /= s);
    out
}

struct Fitted {
    standardizer: Standardizer,
    model: LinearSoftmax,
    report: FitReport,
}

impl Fitted {
    fn sample_proba(&self, samples: &SampleRows<'_>, s: usize) -> Result<Vec<f64>> {
        let per_row = samples
            .sample_values(s)?
            .chunks(samples.features)
            .map(|r| {
                self.model
                    .predict_proba(&self.standardizer.transform_row(r)?)
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(geometric_mean(&per_row))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standardizer_matches_population_statistics() {
        let x = vec![1.0, 5.0, 3.0, 5.0, 8.0, 5.0];
        let s = Standardizer::fit(&x, 2, &[0, 1, 2]).unwrap();
        assert!((s.mean[0] - 4.0).abs() < 1e-12);
        let sd = ((9.0 + 1.0 + 16.0) / 3.0f64).sqrt();
        assert!((s.scale[0] - sd).abs() < 1e-12);
        assert_eq!(s.scale[1], 1.0, "constant feature keeps scale 1");
        let z = s.transform(&x, &[2]).unwrap();
        assert!((z[0] - 4.0 / sd).abs() < 1e-12);
        assert_eq!(z[1], 0.0);
        // Only the given rows count.
        let s0 = Standardizer::fit(&x, 2, &[0]).unwrap();
        assert_eq!(s0.mean, vec![1.0, 5.0]);
        assert!(Standardizer::fit(&x, 2, &[]).is_err());
        assert!(Standardizer::fit(&x, 2, &[3]).is_err());
    }

    #[test]
    fn probe_only_sees_training_rows_and_round_trips() {
        // Row 5 is an extreme outlier: excluding it from `train` must leave the scaler untouched.
        let x = vec![0.0, 1.0, 2.0, 10.0, 11.0, 1e6];
        let y = vec![0, 0, 0, 1, 1, 1];
        let cfg = LinearProbeConfig {
            c_grid: vec![1.0],
            ..LinearProbeConfig::default()
        };
        let names = vec!["a".to_string(), "b".to_string()];
        let p = LinearProbe::fit(&cfg, &x, 1, &y, &[0, 1, 2, 3, 4], names).unwrap();
        assert!((p.standardizer.mean[0] - 4.8).abs() < 1e-12);
        assert!(p.scores.is_empty());
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("probe.json");
        p.save(&path).unwrap();
        assert_eq!(LinearProbe::load(&path).unwrap(), p);
        std::fs::write(&path, b"{\"format\":\"other\"}").unwrap();
        assert!(LinearProbe::load(&path).is_err());
    }

    #[test]
    fn the_probe_records_how_its_fits_ended() {
        // Overlapping classes: a finite optimum, reached to the tolerance in a few iterations,
        // but not in one.
        let x: Vec<f64> = (0..24)
            .map(|i| (i as f64 * 0.77).sin() + (i / 12) as f64)
            .collect();
        let y: Vec<usize> = (0..24).map(|i| i / 12).collect();
        let rows: Vec<usize> = (0..24).collect();
        let names = vec!["a".to_string(), "b".to_string()];
        let cfg = LinearProbeConfig {
            c_grid: vec![0.1, 1.0],
            inner_folds: 3,
            ..LinearProbeConfig::default()
        };
        let p = LinearProbe::fit(&cfg, &x, 1, &y, &rows, names.clone()).unwrap();
        let report = p.fit_report.unwrap();
        assert!(report.converged && report.iterations > 1, "{report:?}");
        assert!(
            p.scores.iter().all(|s| s.unconverged_folds == 0),
            "{:?}",
            p.scores
        );

        let stopped_early = LinearProbeConfig {
            solver: LogisticRegression {
                max_iter: 1,
                ..cfg.solver
            },
            ..cfg
        };
        let p = LinearProbe::fit(&stopped_early, &x, 1, &y, &rows, names).unwrap();
        let report = p.fit_report.unwrap();
        assert!(!report.converged && report.iterations == 1, "{report:?}");
        assert!(
            p.scores.iter().all(|s| s.unconverged_folds == 3),
            "{:?}",
            p.scores
        );

        // A probe saved before these were recorded still loads, with nothing recorded.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("probe.json");
        p.save(&path).unwrap();
        let mut json: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        json["probe"].as_object_mut().unwrap().remove("fit_report");
        for score in json["probe"]["scores"].as_array_mut().unwrap() {
            score.as_object_mut().unwrap().remove("unconverged_folds");
        }
        std::fs::write(&path, serde_json::to_vec(&json).unwrap()).unwrap();
        let old = LinearProbe::load(&path).unwrap();
        assert_eq!(old.fit_report, None);
        assert!(old.scores.iter().all(|s| s.unconverged_folds == 0));
        assert_eq!(old.model, p.model);
    }

    #[test]
    fn choosing_c_needs_two_rows_per_class() {
        let x = vec![0.0, 1.0, 2.0];
        let y = vec![0, 0, 1];
        let names = vec!["a".to_string(), "b".to_string()];
        let err = LinearProbe::fit(&LinearProbeConfig::default(), &x, 1, &y, &[0, 1, 2], names);
        assert!(matches!(err, Err(ClassifyError::Empty(_))), "{err:?}");
    }

    #[test]
    fn samples_own_several_rows() {
        // 2 classes x 4 samples, 3 rows (patches) each, 1 feature: class 0 around -1, class 1
        // around +1; sample 7's rows are extreme, and it is held out.
        let mut x = Vec::new();
        let mut rows = Vec::new();
        let mut labels = Vec::new();
        for s in 0..8usize {
            let centre = if s < 4 { -1.0 } else { 1.0 };
            let start = x.len();
            for r in 0..3 {
                let v = if s == 7 {
                    1e6
                } else {
                    centre + 0.1 * (r as f64 - 1.0) + 0.05 * s as f64
                };
                x.push(v);
            }
            rows.push(start..x.len());
            labels.push(usize::from(s >= 4));
        }
        let samples = SampleRows {
            values: &x,
            features: 1,
            rows: &rows,
        };
        let names = vec!["a".to_string(), "b".to_string()];
        let cfg = LinearProbeConfig {
            inner_folds: 3,
            ..LinearProbeConfig::default()
        };
        let train = [0, 1, 2, 3, 4, 5, 6];
        let probe = LinearProbe::fit_samples(&cfg, &samples, &labels, &train, names).unwrap();
        // Trained on the 21 rows of the training samples only.
        let mean: f64 = train
            .iter()
            .flat_map(|&s| rows[s].clone())
            .map(|r| x[r])
            .sum::<f64>()
            / 21.0;
        assert!((probe.standardizer.mean[0] - mean).abs() < 1e-12);
        // A sample's probabilities are the normalized geometric mean of its rows'.
        let per_row: Vec<Vec<f64>> = [-0.9, -1.2, 0.4]
            .iter()
            .map(|&v| probe.predict_proba(&[v]).unwrap())
            .collect();
        let got = probe.predict_sample_proba(&[-0.9, -1.2, 0.4]).unwrap();
        let g: Vec<f64> = (0..2)
            .map(|k| per_row.iter().map(|p| p[k].ln()).sum::<f64>() / 3.0)
            .map(f64::exp)
            .collect();
        let z: f64 = g.iter().sum();
        for k in 0..2 {
            assert!((got[k] - g[k] / z).abs() < 1e-12);
        }
        assert_eq!(probe.predict_sample(&[-0.9, -1.2, 0.4]).unwrap(), 0);
        assert!(probe.predict_sample_proba(&[]).is_err());
        // Bad groupings are typed errors.
        let bad_rows = vec![0..2, 2..99];
        let bad = SampleRows {
            values: &x,
            features: 1,
            rows: &bad_rows,
        };
        let names = vec!["a".to_string(), "b".to_string()];
        assert!(LinearProbe::fit_samples(&cfg, &bad, &[0, 1], &[0, 1], names).is_err());
    }
}
