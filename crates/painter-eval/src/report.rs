//! [`ClassificationReport`]: scikit-learn's `classification_report`, as text identical character for
//! character, and as serde-serializable figures.

use crate::metrics::{accuracy_score, Average, AveragedScores, ClassCounts, ZeroDivision};
use crate::{ConfusionMatrix, EvalError};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Settings of a [`ClassificationReport`] (scikit-learn's `labels`, `target_names`, `digits`,
/// `zero_division`). Checked when the report is computed.
///
/// ```
/// use painter_eval::{ReportConfig, ZeroDivision};
///
/// let config = ReportConfig::new()
///     .target_names(["cat", "dog"])
///     .digits(4)
///     .zero_division(ZeroDivision::Nan);
/// assert_eq!(config.get_digits(), 4);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportConfig {
    labels: Option<Vec<usize>>,
    target_names: Option<Vec<String>>,
    digits: Option<usize>,
    zero_division: ZeroDivision,
}

impl ReportConfig {
    /// The defaults: present labels, labels printed as numbers, 2 digits, `zero_division = 0`.
    pub fn new() -> Self {
        Self::default()
    }

    /// Reports exactly these labels, in this order; labels absent from the data are shown with zero
    /// support. When they leave out a label present in the data, the `accuracy` row becomes a
    /// `micro avg` row, as in scikit-learn.
    pub fn labels(mut self, labels: impl Into<Vec<usize>>) -> Self {
        self.labels = Some(labels.into());
        self
    }

    /// Display names, one per reported label, in the same order.
    pub fn target_names<S: Into<String>>(mut self, names: impl IntoIterator<Item = S>) -> Self {
        self.target_names = Some(names.into_iter().map(Into::into).collect());
        self
    }

    /// Number of decimal digits of the text report (default 2).
    pub fn digits(mut self, digits: usize) -> Self {
        self.digits = Some(digits);
        self
    }

    /// The value of undefined ratios (default [`ZeroDivision::Zero`]).
    pub fn zero_division(mut self, zero_division: ZeroDivision) -> Self {
        self.zero_division = zero_division;
        self
    }

    /// The labels set with [`labels`](Self::labels), if any.
    pub fn get_labels(&self) -> Option<&[usize]> {
        self.labels.as_deref()
    }

    /// The names set with [`target_names`](Self::target_names), if any.
    pub fn get_target_names(&self) -> Option<&[String]> {
        self.target_names.as_deref()
    }

    /// The number of digits.
    pub fn get_digits(&self) -> usize {
        self.digits.unwrap_or(2)
    }

    /// The zero-division policy.
    pub fn get_zero_division(&self) -> ZeroDivision {
        self.zero_division
    }
}

/// One class's row of a [`ClassificationReport`]: its label, its name and its figures (serialized
/// side by side, as one flat object).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClassRow {
    /// The label.
    pub label: usize,
    /// The display name (the label as a number unless names were given).
    pub name: String,
    /// Its precision, recall, F1 score and support (the number of true samples of the label).
    #[serde(flatten)]
    pub scores: RowScores,
}

/// The figures of a row of a [`ClassificationReport`], a class's or an averaged one (`micro avg`,
/// `macro avg`, `weighted avg`, whose support is the total of the reported labels). A ratio that
/// is undefined under [`ZeroDivision::Nan`] is NaN, serialized as `null`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct RowScores {
    /// Precision.
    #[serde(with = "crate::nan_serde::float")]
    pub precision: f64,
    /// Recall.
    #[serde(with = "crate::nan_serde::float")]
    pub recall: f64,
    /// F1 score.
    #[serde(with = "crate::nan_serde::float")]
    pub f1_score: f64,
    /// The number of true samples.
    pub support: u64,
}

impl RowScores {
    fn new(s: AveragedScores, support: u64) -> Self {
        Self {
            precision: s.precision,
            recall: s.recall,
            f1_score: s.f1,
            support,
        }
    }
}

/// scikit-learn's `classification_report`: per-class precision, recall, F1 and support, accuracy, and
/// the macro and weighted averages. [`Display`](fmt::Display) (and [`to_text`](Self::to_text)) gives
/// the text exactly as scikit-learn 1.9 prints it; serde gives every figure.
///
/// ```
/// use painter_eval::{ClassificationReport, ReportConfig};
///
/// let report = ClassificationReport::new(&[0, 1, 1, 2], &[0, 1, 2, 2], &ReportConfig::new()).unwrap();
/// let expected = "              precision    recall  f1-score   support
///
///            0       1.00      1.00      1.00         1
///            1       1.00      0.50      0.67         2
///            2       0.50      1.00      0.67         1
///
///     accuracy                           0.75         4
///    macro avg       0.83      0.83      0.78         4
/// weighted avg       0.88      0.75      0.75         4
/// ";
/// assert_eq!(report.to_text(), expected);
/// assert_eq!(report.accuracy, 0.75);
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClassificationReport {
    /// One row per reported label, in report order.
    pub classes: Vec<ClassRow>,
    /// Fraction of all samples predicted correctly (`accuracy_score`).
    #[serde(with = "crate::nan_serde::float")]
    pub accuracy: f64,
    /// Whether the reported labels cover every label present in the data; then the micro average
    /// equals the accuracy and the text shows an `accuracy` row, else a `micro avg` row.
    pub micro_is_accuracy: bool,
    /// Micro-averaged precision, recall and F1 over the reported labels.
    pub micro_avg: RowScores,
    /// Unweighted mean over the reported labels (NaN entries left out).
    pub macro_avg: RowScores,
    /// Support-weighted mean over the reported labels (NaN entries left out).
    pub weighted_avg: RowScores,
    /// Number of digits of the text report.
    pub digits: usize,
    /// The zero-division policy used.
    pub zero_division: ZeroDivision,
    /// The confusion matrix over the reported labels (rows true, columns predicted).
    pub confusion_matrix: ConfusionMatrix,
}

const HEADERS: [&str; 4] = ["precision", "recall", "f1-score", "support"];
const LONGEST_LAST_LINE_HEADING: &str = "weighted avg";

/// Python's `"{:.{digits}f}".format(v)` (NaN prints as `nan`, infinities as `inf`).
fn format_float(v: f64, digits: usize) -> String {
    if v.is_nan() {
        "nan".to_string()
    } else if v.is_infinite() {
        if v > 0.0 { "inf" } else { "-inf" }.to_string()
    } else {
        format!("{v:.digits$}")
    }
}

impl ClassificationReport {
    /// Computes the report of `y_pred` against `y_true`.
    ///
    /// Errors: different lengths, no sample, an empty or repeated label list, or a number of
    /// `target_names` different from the number of reported labels (scikit-learn raises for the
    /// latter without `labels`, and warns and truncates with `labels`; here it is always an error).
    pub fn new(
        y_true: &[usize],
        y_pred: &[usize],
        config: &ReportConfig,
    ) -> Result<Self, EvalError> {
        let counts = ClassCounts::new(y_true, y_pred, config.get_labels())?;
        let labels = counts.labels.clone();
        let names: Vec<String> = match config.get_target_names() {
            Some(names) if names.len() != labels.len() => {
                return Err(EvalError::NamesMismatch {
                    labels: labels.len(),
                    names: names.len(),
                })
            }
            Some(names) => names.to_vec(),
            None => labels.iter().map(usize::to_string).collect(),
        };
        let zd = config.get_zero_division();
        let scores = counts.scores(zd);
        let classes = names
            .into_iter()
            .enumerate()
            .map(|(i, name)| ClassRow {
                label: labels.get(i).copied().unwrap_or_default(),
                name,
                scores: RowScores {
                    precision: scores.precision.get(i).copied().unwrap_or(f64::NAN),
                    recall: scores.recall.get(i).copied().unwrap_or(f64::NAN),
                    f1_score: scores.f1.get(i).copied().unwrap_or(f64::NAN),
                    support: scores.support.get(i).copied().unwrap_or(0),
                },
            })
            .collect();
        let present = crate::unique_labels(y_true, y_pred);
        let micro_is_accuracy = present.iter().all(|l| labels.contains(l));
        let total = counts.total_support();
        Ok(Self {
            classes,
            accuracy: accuracy_score(y_true, y_pred)?,
            micro_is_accuracy,
            micro_avg: RowScores::new(counts.average(Average::Micro, zd), total),
            macro_avg: RowScores::new(counts.average(Average::Macro, zd), total),
            weighted_avg: RowScores::new(counts.average(Average::Weighted, zd), total),
            digits: config.get_digits(),
            zero_division: zd,
            confusion_matrix: ConfusionMatrix::with_labels(y_true, y_pred, &labels)?,
        })
    }

    /// The labels of the rows, in order.
    pub fn labels(&self) -> Vec<usize> {
        self.classes.iter().map(|c| c.label).collect()
    }

    /// The display names of the rows, in order.
    pub fn names(&self) -> Vec<String> {
        self.classes.iter().map(|c| c.name.clone()).collect()
    }

    /// The text report, exactly as scikit-learn's `classification_report(..., digits=self.digits)`,
    /// down to its quirks: when no sample at all is predicted correctly, scikit-learn counts in
    /// floating point and prints supports as `7.0`; so does this.
    pub fn to_text(&self) -> String {
        let digits = self.digits;
        let name_width = self
            .classes
            .iter()
            .map(|c| c.name.chars().count())
            .max()
            .unwrap_or(0);
        let width = name_width.max(LONGEST_LAST_LINE_HEADING.len()).max(digits);
        let mut out = format!("{:>width$} ", "");
        for h in HEADERS {
            out.push_str(&format!(" {h:>9}"));
        }
        out.push_str("\n\n");
        // scikit-learn counts in floats when no sample at all is predicted correctly (the
        // "pathological case" of `multilabel_confusion_matrix`), and then prints supports as `7.0`.
        let float_support = self.accuracy == 0.0;
        let support = |s: u64| {
            if float_support {
                format!("{s}.0")
            } else {
                s.to_string()
            }
        };
        let row = |out: &mut String, name: &str, s: &RowScores| {
            out.push_str(&format!(
                "{name:>width$}  {:>9} {:>9} {:>9} {:>9}\n",
                format_float(s.precision, digits),
                format_float(s.recall, digits),
                format_float(s.f1_score, digits),
                support(s.support),
            ));
        };
        for c in &self.classes {
            row(&mut out, &c.name, &c.scores);
        }
        out.push('\n');
        let m = &self.micro_avg;
        if self.micro_is_accuracy {
            out.push_str(&format!(
                "{:>width$}  {:>9} {:>9} {:>9} {:>9}\n",
                "accuracy",
                "",
                "",
                format_float(m.f1_score, digits),
                support(m.support)
            ));
        } else {
            row(&mut out, "micro avg", m);
        }
        for (heading, a) in self.averages() {
            row(&mut out, heading, a);
        }
        out
    }

    /// The macro and weighted averages, with their headings.
    fn averages(&self) -> [(&'static str, &RowScores); 2] {
        [
            ("macro avg", &self.macro_avg),
            ("weighted avg", &self.weighted_avg),
        ]
    }

    /// The figures as scikit-learn's `classification_report(..., output_dict=True)` lays them out:
    /// `{name: {"precision", "recall", "f1-score", "support"}, "accuracy": f1 (or "micro avg": {...}),
    /// "macro avg": {...}, "weighted avg": {...}}`. NaN becomes `null` (JSON has no NaN).
    pub fn to_sklearn_dict(&self) -> serde_json::Value {
        use serde_json::{json, Map, Value};
        let entry = |s: &RowScores| json!({"precision": s.precision, "recall": s.recall, "f1-score": s.f1_score, "support": s.support as f64});
        let mut map = Map::new();
        for c in &self.classes {
            map.insert(c.name.clone(), entry(&c.scores));
        }
        let m = &self.micro_avg;
        if self.micro_is_accuracy {
            map.insert("accuracy".into(), json!(m.f1_score));
        } else {
            map.insert("micro avg".into(), entry(m));
        }
        for (heading, a) in self.averages() {
            map.insert(heading.into(), entry(a));
        }
        Value::Object(map)
    }

    /// Every figure as pretty-printed JSON (NaN as `null`).
    pub fn to_json(&self) -> Result<String, EvalError> {
        Ok(serde_json::to_string_pretty(self)?)
    }

    /// Writes [`to_json`](Self::to_json) to `path` atomically.
    pub fn save_json(&self, path: &std::path::Path) -> Result<(), EvalError> {
        Ok(painter_io::write_atomic(path, self.to_json()?.as_bytes())?)
    }
}

impl fmt::Display for ClassificationReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_text())
    }
}
