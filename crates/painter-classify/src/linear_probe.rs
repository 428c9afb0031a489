//! [`LinearProbe`]: a standardized multinomial logistic regression on fixed feature vectors (for
//! example an encoder's [`ChannelStatistics`](crate::ChannelStatistics)), whose regularization is
//! chosen by stratified cross-validation *inside* the training samples it is given.

use crate::error::{ClassifyError, Result};
use crate::features::{FeatureMatrix, SampleFeatures};
use crate::logistic::{FitReport, LinearSoftmax, LogisticProblem, LogisticRegression};
use crate::temperature::Temperature;
use linfa::traits::Fit;
use linfa::DatasetBase;
use linfa_preprocessing::linear_scaling::LinearScaler;
use painter_eval::{argmax, cross_validate, CrossValidationConfig, StratifiedKFold};
use painter_io::{read_document, write_json, Format};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Per-feature standardization `(x - mean) / scale`, as scikit-learn's `StandardScaler`: the
/// population standard deviation, with scale 1 for a constant feature. Fitted by
/// linfa-preprocessing's standard scaler (the hand-crafted baselines' scaling uses it too).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Standardizer {
    /// The mean of every feature over the fitted rows.
    pub mean: Vec<f64>,
    /// The scale of every feature (its standard deviation, or 1 where that is 0).
    pub scale: Vec<f64>,
}

impl Standardizer {
    /// Fits to the rows `rows` of `x`.
    pub fn fit(x: &FeatureMatrix, rows: &[usize]) -> Result<Self> {
        if rows.is_empty() {
            return Err(ClassifyError::Empty(
                "standardization needs at least one row".into(),
            ));
        }
        if let Some(&row) = rows.iter().find(|&&i| i >= x.rows()) {
            return Err(ClassifyError::RowOutOfRange {
                row,
                rows: x.rows(),
            });
        }
        let selected = x.select_rows(rows)?;
        let records =
            ndarray16::ArrayView2::from_shape((rows.len(), x.columns()), selected.values())
                .map_err(|_| ClassifyError::MatrixShape {
                    values: selected.values().len(),
                    columns: x.columns(),
                })?;
        let scaler = LinearScaler::standard()
            .fit(&DatasetBase::from(records))
            .map_err(|e| ClassifyError::Standardization(e.to_string()))?;
        let mean = scaler.offsets().to_vec();
        // linfa multiplies by the inverse standard deviation (1 where the feature is constant).
        let scale = scaler.scales().iter().map(|s| 1.0 / s).collect();
        Ok(Self { mean, scale })
    }

    /// Standardizes one row.
    pub fn transform_row(&self, row: &[f64]) -> Result<Vec<f64>> {
        if row.len() != self.mean.len() {
            return Err(ClassifyError::ColumnMismatch {
                expected: self.mean.len(),
                found: row.len(),
            });
        }
        Ok(row
            .iter()
            .zip(&self.mean)
            .zip(&self.scale)
            .map(|((v, m), s)| (v - m) / s)
            .collect())
    }

    /// Standardizes the rows `rows` of `x` (in that order).
    pub fn transform(&self, x: &FeatureMatrix, rows: &[usize]) -> Result<FeatureMatrix> {
        if x.columns() != self.mean.len() {
            return Err(ClassifyError::ColumnMismatch {
                expected: self.mean.len(),
                found: x.columns(),
            });
        }
        let mut z = x.select_rows(rows)?;
        z.map_rows(|row| {
            row.iter_mut()
                .zip(&self.mean)
                .zip(&self.scale)
                .for_each(|((v, m), s)| *v = (*v - m) / s)
        });
        Ok(z)
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
    /// stratified cross-validation on the training samples and the best one is refitted on all
    /// of them.
    pub c_grid: Vec<f64>,
    /// Folds of the inner cross-validation (reduced to the smallest class's size if that is
    /// smaller, but at least 2).
    pub inner_folds: usize,
    /// Seed of the inner folds' shuffle, or `None` for unshuffled folds (scikit-learn's
    /// `StratifiedKFold(shuffle=False)`).
    pub seed: Option<u64>,
    /// Solver settings (its `c` is replaced by each candidate).
    pub solver: LogisticRegression,
    /// Fit a [`Temperature`] to the inner cross-validation's held-out probabilities at the chosen
    /// `C` (the inner cross-validation then runs even for a grid of one value), and apply it to
    /// every prediction.
    #[serde(default)]
    pub temperature: bool,
}

impl Default for LinearProbeConfig {
    fn default() -> Self {
        Self {
            c_grid: vec![0.01, 0.03, 0.1, 0.3, 1.0, 3.0],
            inner_folds: 5,
            seed: Some(0),
            solver: LogisticRegression {
                tolerance: 1e-6,
                ..LogisticRegression::new(1.0)
            },
            temperature: false,
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
    /// Accuracy over the inner folds' held-out samples, pooled.
    pub accuracy: f64,
    /// Mean cross-entropy over the inner folds' held-out samples (breaks accuracy ties: lower
    /// wins).
    pub log_loss: f64,
    /// How many of the inner folds' fits used up the solver's `max_iter` before reaching its
    /// gradient tolerance (0 in a probe saved before this was counted).
    #[serde(default)]
    pub unconverged_folds: usize,
    /// The inner folds (one fit each; 0 in a probe saved before this was recorded).
    #[serde(default)]
    pub folds: usize,
}

/// A fitted linear probe: standardization, then a multinomial logistic regression.
///
/// ```
/// use painter_classify::{FeatureMatrix, LinearProbe, LinearProbeConfig, SampleFeatures};
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
/// let samples = SampleFeatures::one_row_each(FeatureMatrix::new(x, 2).unwrap());
/// let train: Vec<usize> = (0..18).collect();
/// let names = vec!["a".to_string(), "b".to_string(), "c".to_string()];
/// let cfg = LinearProbeConfig { inner_folds: 3, ..LinearProbeConfig::default() };
/// let probe = LinearProbe::fit(&cfg, &samples, &y, &train, names).unwrap();
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
    /// Every candidate's inner cross-validation score, in the grid's order (empty when the grid
    /// had one value).
    pub scores: Vec<CandidateScore>,
    /// The class names, in label order.
    pub class_names: Vec<String>,
    /// How the final fit, on every training row at the chosen `C`, ended: whether the solver
    /// reached its gradient tolerance or used up `max_iter` first. `None` in a probe saved
    /// before this was recorded.
    #[serde(default)]
    pub fit_report: Option<FitReport>,
    /// The temperature applied to every prediction (1, the default, when none was fitted): fitted
    /// on the inner cross-validation's held-out probabilities at the chosen `C`.
    #[serde(default, skip_serializing_if = "Temperature::is_neutral")]
    pub temperature: Temperature,
}

/// The format tag of a saved probe.
const PROBE_FORMAT: Format = Format::tag("deep-painter-linear-probe/1");

#[derive(Serialize, Deserialize)]
struct SavedProbe {
    format: String,
    probe: LinearProbe,
}

/// The held-out class probabilities of every training sample under one candidate `C`, in the
/// order of the training samples.
type HeldOut = Vec<Vec<f64>>;

/// A standardizer and a model fitted on some rows.
struct Fitted {
    standardizer: Standardizer,
    model: LinearSoftmax,
    report: FitReport,
}

impl Fitted {
    /// The probabilities of sample `s` of `samples` (see [`LinearProbe::predict_sample_proba`]).
    fn sample_proba(&self, samples: &SampleFeatures, s: usize) -> Result<Vec<f64>> {
        sample_proba(&self.standardizer, &self.model, samples, s)
    }
}

/// The rows of some samples, standardized and ready to be fitted at any `C`.
struct Prepared {
    standardizer: Standardizer,
    problem: LogisticProblem,
}

impl Prepared {
    fn new(
        samples: &SampleFeatures,
        row_labels: &[usize],
        which: &[usize],
        classes: usize,
    ) -> Result<Self> {
        let rows = samples.rows_of(which);
        let standardizer = Standardizer::fit(samples.matrix(), &rows)?;
        let z = standardizer.transform(samples.matrix(), &rows)?;
        let y = rows.iter().map(|&r| row_labels[r]).collect();
        Ok(Self {
            standardizer,
            problem: LogisticProblem::new(z, y, classes)?,
        })
    }

    fn fit(&self, solver: &LogisticRegression, start: Option<&LinearSoftmax>) -> Result<Fitted> {
        let (model, report) = self.problem.fit(solver, start)?;
        Ok(Fitted {
            standardizer: self.standardizer.clone(),
            model,
            report,
        })
    }
}

impl LinearProbe {
    /// Fits on the samples `train` of `samples`, labelled `labels[sample]`; `class_names` gives
    /// the number of classes. Every row of a training sample is a training row; the inner
    /// cross-validation that chooses `C` splits *samples* (stratified, through painter-eval's
    /// [`cross_validate`]) and scores each held-out sample by
    /// [`LinearProbe::predict_sample_proba`] over its rows. Each inner fold fits the grid from
    /// the smallest `C` to the largest, each fit starting from the previous one's solution.
    pub fn fit(
        config: &LinearProbeConfig,
        samples: &SampleFeatures,
        labels: &[usize],
        train: &[usize],
        class_names: Vec<String>,
    ) -> Result<Self> {
        config.validate()?;
        let classes = class_names.len();
        let row_labels = samples.row_labels(labels)?;
        let train_labels: Vec<usize> = train
            .iter()
            .map(|&i| {
                labels.get(i).copied().ok_or(ClassifyError::RowOutOfRange {
                    row: i,
                    rows: labels.len(),
                })
            })
            .collect::<Result<_>>()?;
        let (scores, held_out) = if config.c_grid.len() == 1 && !config.temperature {
            (Vec::new(), Vec::new())
        } else {
            Self::score_candidates(config, samples, &row_labels, train, &train_labels, classes)?
        };
        let best =
            scores
                .iter()
                .enumerate()
                .fold(
                    None::<(usize, &CandidateScore)>,
                    |best, (i, s)| match best {
                        Some((_, b)) if (b.accuracy, -b.log_loss) >= (s.accuracy, -s.log_loss) => {
                            best
                        }
                        _ => Some((i, s)),
                    },
                );
        let c = best.map_or(config.c_grid[0], |(_, s)| s.c);
        let temperature = match best {
            Some((i, _)) if config.temperature => Temperature::fit(&held_out[i], &train_labels)?,
            _ => Temperature::default(),
        };
        let fitted = Prepared::new(samples, &row_labels, train, classes)?
            .fit(&LogisticRegression { c, ..config.solver }, None)?;
        Ok(Self {
            standardizer: fitted.standardizer,
            model: fitted.model,
            c,
            scores,
            class_names,
            fit_report: Some(fitted.report),
            temperature,
        })
    }

    /// Scores every candidate `C` by stratified cross-validation over the training samples;
    /// returns the scores and, per candidate, the held-out probabilities of every training
    /// sample (in the order of `train`).
    fn score_candidates(
        config: &LinearProbeConfig,
        samples: &SampleFeatures,
        row_labels: &[usize],
        train: &[usize],
        train_labels: &[usize],
        classes: usize,
    ) -> Result<(Vec<CandidateScore>, Vec<HeldOut>)> {
        let mut counts = vec![0usize; classes];
        for &l in train_labels {
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
        let splitter = StratifiedKFold::new(folds)?;
        let splitter = match config.seed {
            Some(seed) => splitter.shuffle(seed),
            None => splitter,
        };
        let quiet = CrossValidationConfig {
            quiet: true,
            ..CrossValidationConfig::default()
        };
        // Each inner fold's rows are standardized and prepared once, then fitted along the grid
        // from the smallest C up, every fit warm-started from the fold's previous solution.
        let mut prepared: Vec<Option<(Prepared, Option<LinearSoftmax>)>> =
            (0..folds).map(|_| None).collect();
        let mut order: Vec<usize> = (0..config.c_grid.len()).collect();
        order.sort_by(|&a, &b| config.c_grid[a].total_cmp(&config.c_grid[b]));
        let mut scores = vec![None; config.c_grid.len()];
        let mut held_out = vec![vec![Vec::new(); train.len()]; config.c_grid.len()];
        for ci in order {
            let c = config.c_grid[ci];
            let solver = LogisticRegression { c, ..config.solver };
            let (mut log_loss, mut unconverged) = (0.0, 0);
            let held = &mut held_out[ci];
            let mut model = |fold: usize, inner_train: &[usize], inner_test: &[usize]| {
                let (fold_problem, last) = match &mut prepared[fold] {
                    Some(state) => state,
                    slot => {
                        let samples_in: Vec<usize> =
                            inner_train.iter().map(|&j| train[j]).collect();
                        let state = Prepared::new(samples, row_labels, &samples_in, classes)?;
                        slot.insert((state, None))
                    }
                };
                let fitted = fold_problem.fit(&solver, last.as_ref())?;
                unconverged += usize::from(!fitted.report.converged);
                let mut predicted = Vec::with_capacity(inner_test.len());
                for &j in inner_test {
                    let p = fitted.sample_proba(samples, train[j])?;
                    log_loss -= p[train_labels[j]].max(1e-300).ln();
                    predicted.push(argmax(&p).unwrap_or(0));
                    held[j] = p;
                }
                *last = Some(fitted.model);
                Ok::<_, ClassifyError>(predicted)
            };
            let cv = cross_validate(&mut model, &splitter, train_labels, &quiet)?;
            scores[ci] = Some(CandidateScore {
                c,
                accuracy: cv.pooled.accuracy,
                log_loss: log_loss / train.len() as f64,
                unconverged_folds: unconverged,
                folds: cv.folds.len(),
            });
        }
        Ok((scores.into_iter().flatten().collect(), held_out))
    }

    /// Class probabilities of one raw (unstandardized) feature row, scaled by the probe's
    /// temperature.
    pub fn predict_proba(&self, row: &[f64]) -> Result<Vec<f64>> {
        let p = self
            .model
            .predict_proba(&self.standardizer.transform_row(row)?)?;
        Ok(self.temperature.apply(&p))
    }

    /// The most probable class of one raw feature row.
    pub fn predict(&self, row: &[f64]) -> Result<usize> {
        Ok(argmax(&self.predict_proba(row)?).unwrap_or(0))
    }

    /// Class probabilities of sample `s` of `samples`, which owns one or more raw feature rows:
    /// the normalized geometric mean of the rows' probabilities (the softmax of their mean
    /// log-probabilities), scaled by the probe's temperature.
    pub fn predict_sample_proba(&self, samples: &SampleFeatures, s: usize) -> Result<Vec<f64>> {
        Ok(self
            .temperature
            .apply(&self.predict_sample_proba_unscaled(samples, s)?))
    }

    /// The same probabilities before the temperature (equal to them when none was fitted).
    pub fn predict_sample_proba_unscaled(
        &self,
        samples: &SampleFeatures,
        s: usize,
    ) -> Result<Vec<f64>> {
        sample_proba(&self.standardizer, &self.model, samples, s)
    }

    /// The most probable class of sample `s` of `samples`.
    pub fn predict_sample(&self, samples: &SampleFeatures, s: usize) -> Result<usize> {
        Ok(argmax(&self.predict_sample_proba(samples, s)?).unwrap_or(0))
    }

    /// Writes the probe as JSON, atomically.
    pub fn save(&self, path: &Path) -> Result<()> {
        let saved = SavedProbe {
            format: PROBE_FORMAT.name.into(),
            probe: self.clone(),
        };
        Ok(write_json(path, &saved)?)
    }

    /// Reads a probe written by [`LinearProbe::save`], checking that its parts agree.
    pub fn load(path: &Path) -> Result<Self> {
        let saved: SavedProbe = read_document(path, &[PROBE_FORMAT])?;
        Self::from_json_value(saved.probe).map_err(|message| ClassifyError::BadCheckpoint {
            dir: path.to_path_buf(),
            message,
        })
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
        if !(p.temperature.value.is_finite() && p.temperature.value > 0.0) {
            return Err(format!(
                "the probe's temperature {} is not a positive number",
                p.temperature.value
            ));
        }
        Ok(p)
    }
}

/// The normalized geometric mean of the probabilities of sample `s`'s rows under a standardizer
/// and a model.
fn sample_proba(
    standardizer: &Standardizer,
    model: &LinearSoftmax,
    samples: &SampleFeatures,
    s: usize,
) -> Result<Vec<f64>> {
    let values = samples
        .sample_values(s)
        .ok_or(ClassifyError::RowOutOfRange {
            row: s,
            rows: samples.len(),
        })?;
    let columns = samples.matrix().columns();
    let k = model.classes;
    let rows = values.len() / columns;
    let mut mean = vec![0.0; k];
    for row in values.chunks(columns) {
        let p = model.predict_proba(&standardizer.transform_row(row)?)?;
        mean.iter_mut()
            .zip(&p)
            .for_each(|(m, v)| *m += v.max(1e-300).ln() / rows as f64);
    }
    let top = mean.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mut out: Vec<f64> = mean.iter().map(|m| (m - top).exp()).collect();
    let total: f64 = out.iter().sum();
    out.iter_mut().for_each(|v| *v /= total);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one_column(values: Vec<f64>) -> SampleFeatures {
        SampleFeatures::one_row_each(FeatureMatrix::new(values, 1).unwrap())
    }

    fn names(k: usize) -> Vec<String> {
        (0..k).map(|c| format!("painter {c}")).collect()
    }

    #[test]
    fn the_temperature_is_fitted_on_the_inner_held_out_probabilities() {
        // Two overlapping classes in 3 features; a large C makes the probe over-confident.
        let mut rng = <rand_chacha::ChaCha8Rng as rand::SeedableRng>::seed_from_u64(7);
        let mut next = || rand::Rng::random::<f64>(&mut rng) - 0.5;
        let n = 60;
        let y: Vec<usize> = (0..n).map(|i| i % 2).collect();
        let x: Vec<f64> = y
            .iter()
            .flat_map(|&c| [c as f64 * 0.4 + next(), next(), next()])
            .collect::<Vec<_>>();
        let samples = SampleFeatures::one_row_each(FeatureMatrix::new(x, 3).unwrap());
        let train: Vec<usize> = (0..n).collect();
        let cfg = LinearProbeConfig {
            c_grid: vec![100.0],
            inner_folds: 4,
            seed: Some(3),
            temperature: true,
            ..LinearProbeConfig::default()
        };
        let probe = LinearProbe::fit(&cfg, &samples, &y, &train, names(2)).unwrap();
        assert_eq!(probe.scores.len(), 1, "one C is still cross-validated");
        // The same inner folds by hand: unscaled probes fitted on each inner training part.
        let plain = LinearProbeConfig {
            temperature: false,
            ..cfg.clone()
        };
        let splits =
            painter_eval::Splitter::split(&StratifiedKFold::new(4).unwrap().shuffle(3), &y)
                .unwrap();
        let mut held = vec![Vec::new(); n];
        for fold in &splits.folds {
            let inner = LinearProbe::fit(&plain, &samples, &y, &fold.train, names(2)).unwrap();
            for &j in &fold.test {
                held[j] = inner.predict_sample_proba(&samples, j).unwrap();
            }
        }
        let expected = Temperature::fit(&held, &y).unwrap();
        assert!(
            (probe.temperature.value - expected.value).abs() < 1e-6 * expected.value,
            "{:?} vs {expected:?}",
            probe.temperature
        );
        assert!(probe.temperature.value > 1.0, "{:?}", probe.temperature);
        let unscaled = probe.predict_sample_proba_unscaled(&samples, 0).unwrap();
        let scaled = probe.predict_sample_proba(&samples, 0).unwrap();
        assert_eq!(scaled, probe.temperature.apply(&unscaled));
        // Without the setting, no temperature.
        let none = LinearProbe::fit(&plain, &samples, &y, &train, names(2)).unwrap();
        assert!(none.temperature.is_neutral() && none.scores.is_empty());
    }

    #[test]
    fn standardizer_matches_population_statistics() {
        let x = FeatureMatrix::new(vec![1.0, 5.0, 3.0, 5.0, 8.0, 5.0], 2).unwrap();
        let s = Standardizer::fit(&x, &[0, 1, 2]).unwrap();
        assert!((s.mean[0] - 4.0).abs() < 1e-12);
        let sd = ((9.0 + 1.0 + 16.0) / 3.0f64).sqrt();
        assert!((s.scale[0] - sd).abs() < 1e-12);
        assert_eq!(s.scale[1], 1.0, "constant feature keeps scale 1");
        let z = s.transform(&x, &[2]).unwrap();
        assert!((z.row(0)[0] - 4.0 / sd).abs() < 1e-12);
        assert_eq!(z.row(0)[1], 0.0);
        // Only the given rows count.
        let s0 = Standardizer::fit(&x, &[0]).unwrap();
        assert_eq!(s0.mean, vec![1.0, 5.0]);
        assert!(Standardizer::fit(&x, &[]).is_err());
        assert!(matches!(
            Standardizer::fit(&x, &[3]),
            Err(ClassifyError::RowOutOfRange { row: 3, rows: 3 })
        ));
        let narrow = FeatureMatrix::new(vec![1.0], 1).unwrap();
        assert!(matches!(
            s.transform(&narrow, &[0]),
            Err(ClassifyError::ColumnMismatch {
                expected: 2,
                found: 1
            })
        ));
    }

    #[test]
    fn probe_only_sees_training_rows_and_round_trips() {
        // Row 5 is an extreme outlier: excluding it from `train` must leave the scaler untouched.
        let x = one_column(vec![0.0, 1.0, 2.0, 10.0, 11.0, 1e6]);
        let y = vec![0, 0, 0, 1, 1, 1];
        let cfg = LinearProbeConfig {
            c_grid: vec![1.0],
            ..LinearProbeConfig::default()
        };
        let p = LinearProbe::fit(&cfg, &x, &y, &[0, 1, 2, 3, 4], names(2)).unwrap();
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
        let x = one_column(
            (0..24)
                .map(|i| (i as f64 * 0.77).sin() + (i / 12) as f64)
                .collect(),
        );
        let y: Vec<usize> = (0..24).map(|i| i / 12).collect();
        let rows: Vec<usize> = (0..24).collect();
        let cfg = LinearProbeConfig {
            c_grid: vec![0.1, 1.0],
            inner_folds: 3,
            ..LinearProbeConfig::default()
        };
        let p = LinearProbe::fit(&cfg, &x, &y, &rows, names(2)).unwrap();
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
        let p = LinearProbe::fit(&stopped_early, &x, &y, &rows, names(2)).unwrap();
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
        let x = one_column(vec![0.0, 1.0, 2.0]);
        let err = LinearProbe::fit(
            &LinearProbeConfig::default(),
            &x,
            &[0, 0, 1],
            &[0, 1, 2],
            names(2),
        );
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
        let samples =
            SampleFeatures::new(FeatureMatrix::new(x.clone(), 1).unwrap(), rows.clone()).unwrap();
        let cfg = LinearProbeConfig {
            inner_folds: 3,
            ..LinearProbeConfig::default()
        };
        let train = [0, 1, 2, 3, 4, 5, 6];
        let probe = LinearProbe::fit(&cfg, &samples, &labels, &train, names(2)).unwrap();
        // Trained on the 21 rows of the training samples only.
        let mean: f64 = train
            .iter()
            .flat_map(|&s| rows[s].clone())
            .map(|r| x[r])
            .sum::<f64>()
            / 21.0;
        assert!((probe.standardizer.mean[0] - mean).abs() < 1e-12);
        // A sample's probabilities are the normalized geometric mean of its rows'.
        let three = SampleFeatures::new(
            FeatureMatrix::new(vec![-0.9, -1.2, 0.4], 1).unwrap(),
            std::iter::once(0..3).collect(),
        )
        .unwrap();
        let per_row: Vec<Vec<f64>> = [-0.9, -1.2, 0.4]
            .iter()
            .map(|&v| probe.predict_proba(&[v]).unwrap())
            .collect();
        let got = probe.predict_sample_proba(&three, 0).unwrap();
        let g: Vec<f64> = (0..2)
            .map(|k| per_row.iter().map(|p| p[k].ln()).sum::<f64>() / 3.0)
            .map(f64::exp)
            .collect();
        let z: f64 = g.iter().sum();
        for k in 0..2 {
            assert!((got[k] - g[k] / z).abs() < 1e-12);
        }
        assert_eq!(probe.predict_sample(&three, 0).unwrap(), 0);
        assert!(matches!(
            probe.predict_sample_proba(&three, 1),
            Err(ClassifyError::RowOutOfRange { row: 1, rows: 1 })
        ));
        // Labels for another number of samples are a typed error.
        assert!(matches!(
            LinearProbe::fit(&cfg, &samples, &labels[..7], &train, names(2)),
            Err(ClassifyError::LabelCount {
                samples: 8,
                labels: 7
            })
        ));
    }
}
