//! Checking `y_true` / `y_pred` and resolving the list of labels a metric is computed over, as
//! scikit-learn does: by default the sorted union of the labels present in either vector.

use crate::EvalError;
use std::collections::BTreeSet;

/// Checks that `y_true` and `y_pred` have the same, non-zero length.
pub(crate) fn check_targets(y_true: &[usize], y_pred: &[usize]) -> Result<(), EvalError> {
    check_lengths(y_true.len(), y_pred.len())
}

/// Checks that there are as many predictions (of any kind) as true labels, and at least one.
pub(crate) fn check_lengths(y_true: usize, y_pred: usize) -> Result<(), EvalError> {
    if y_true != y_pred {
        return Err(EvalError::LengthMismatch { y_true, y_pred });
    }
    if y_true == 0 {
        return Err(EvalError::NoSamples);
    }
    Ok(())
}

/// The sorted union of the labels present in `y_true` and `y_pred` (scikit-learn's `unique_labels`).
pub fn unique_labels(y_true: &[usize], y_pred: &[usize]) -> Vec<usize> {
    y_true
        .iter()
        .chain(y_pred)
        .copied()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect()
}

/// The labels to report: `labels` when given (non-empty, no duplicate, in the given order), else the
/// sorted union of the present labels. Also checks the targets.
pub(crate) fn resolve_labels(
    y_true: &[usize],
    y_pred: &[usize],
    labels: Option<&[usize]>,
) -> Result<Vec<usize>, EvalError> {
    check_targets(y_true, y_pred)?;
    match labels {
        None => Ok(unique_labels(y_true, y_pred)),
        Some(given) => {
            if given.is_empty() {
                return Err(EvalError::NoLabels);
            }
            let mut seen = BTreeSet::new();
            for &l in given {
                if !seen.insert(l) {
                    return Err(EvalError::DuplicateLabel(l));
                }
            }
            Ok(given.to_vec())
        }
    }
}

/// Parses one non-negative integer label per line; blank lines are skipped, surrounding whitespace is
/// ignored.
///
/// ```
/// assert_eq!(painter_eval::parse_labels("3\n0\n\n 12 \n").unwrap(), vec![3, 0, 12]);
/// assert!(painter_eval::parse_labels("1\ncat\n").is_err());
/// ```
pub fn parse_labels(text: &str) -> Result<Vec<usize>, EvalError> {
    text.lines()
        .enumerate()
        .map(|(i, line)| (i, line.trim()))
        .filter(|(_, line)| !line.is_empty())
        .map(|(i, line)| {
            line.parse::<usize>().map_err(|_| EvalError::BadLabel {
                line: i + 1,
                text: line.to_string(),
            })
        })
        .collect()
}

/// The label with the highest score (the first on ties; NaN scores never win), or `None` for no
/// scores or only NaNs: how a predicted label is read off class probabilities, logits or votes.
///
/// ```
/// use painter_eval::argmax;
/// assert_eq!(argmax(&[0.1, 0.7, 0.7, 0.2]), Some(1));
/// assert_eq!(argmax(&[f32::NAN, -1.0]), Some(1));
/// assert_eq!(argmax::<f64>(&[]), None);
/// ```
pub fn argmax<T: PartialOrd + Copy>(scores: &[T]) -> Option<usize> {
    let mut best: Option<(usize, T)> = None;
    for (i, &s) in scores.iter().enumerate() {
        if s.partial_cmp(&s).is_none() {
            continue; // NaN
        }
        if best.is_none_or(|(_, b)| s > b) {
            best = Some((i, s));
        }
    }
    best.map(|(i, _)| i)
}
