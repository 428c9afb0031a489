//! The probe's feature values: [`FeatureMatrix`], a checked row-major `f64` matrix, and
//! [`SampleFeatures`], such a matrix whose rows are grouped by sample (one or more rows per image:
//! one per patch).

use crate::error::{ClassifyError, Result};
use std::ops::Range;

/// A row-major matrix of finite `f64` feature values: `rows x columns`, at least one column.
///
/// ```
/// use painter_classify::FeatureMatrix;
///
/// let m = FeatureMatrix::new(vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0], 3).unwrap();
/// assert_eq!((m.rows(), m.columns()), (2, 3));
/// assert_eq!(m.row(1), &[4.0, 5.0, 6.0]);
/// assert!(FeatureMatrix::new(vec![1.0, 2.0], 3).is_err());
/// assert!(FeatureMatrix::new(vec![f64::NAN], 1).is_err());
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct FeatureMatrix {
    values: Vec<f64>,
    columns: usize,
}

impl FeatureMatrix {
    /// Wraps `values` (row-major) as rows of `columns` values. Errors when `columns` is 0, when
    /// the values do not fill whole rows, or when one is not finite.
    pub fn new(values: Vec<f64>, columns: usize) -> Result<Self> {
        if columns == 0 || !values.len().is_multiple_of(columns) {
            return Err(ClassifyError::MatrixShape {
                values: values.len(),
                columns,
            });
        }
        if let Some(i) = values.iter().position(|v| !v.is_finite()) {
            return Err(ClassifyError::NonFinite {
                row: i / columns,
                column: i % columns,
                value: values[i],
            });
        }
        Ok(Self { values, columns })
    }

    /// A matrix of `columns` columns and no rows.
    pub fn empty(columns: usize) -> Result<Self> {
        Self::new(Vec::new(), columns)
    }

    /// The number of rows.
    pub fn rows(&self) -> usize {
        self.values.len() / self.columns
    }

    /// The number of columns (values per row).
    pub fn columns(&self) -> usize {
        self.columns
    }

    /// Row `i` (panics when `i` is not below [`FeatureMatrix::rows`], as slice indexing does).
    pub fn row(&self, i: usize) -> &[f64] {
        &self.values[i * self.columns..(i + 1) * self.columns]
    }

    /// Rows `range`, row-major, or `None` when the range is not inside the matrix.
    pub fn row_range(&self, range: Range<usize>) -> Option<&[f64]> {
        if range.start > range.end || range.end > self.rows() {
            return None;
        }
        self.values
            .get(range.start * self.columns..range.end * self.columns)
    }

    /// Every value, row-major.
    pub fn values(&self) -> &[f64] {
        &self.values
    }

    /// The rows `indices` (in that order) as a new matrix. Errors on an index outside the matrix.
    pub fn select_rows(&self, indices: &[usize]) -> Result<Self> {
        let mut values = Vec::with_capacity(indices.len() * self.columns);
        for &i in indices {
            if i >= self.rows() {
                return Err(ClassifyError::RowOutOfRange {
                    row: i,
                    rows: self.rows(),
                });
            }
            values.extend_from_slice(self.row(i));
        }
        Ok(Self {
            values,
            columns: self.columns,
        })
    }

    /// Appends the rows of `other`, which must have as many columns.
    pub fn append(&mut self, other: &FeatureMatrix) -> Result<()> {
        if other.columns != self.columns {
            return Err(ClassifyError::ColumnMismatch {
                expected: self.columns,
                found: other.columns,
            });
        }
        self.values.extend_from_slice(&other.values);
        Ok(())
    }

    /// Applies `f` to every row in place (the caller keeps the values finite).
    pub(crate) fn map_rows(&mut self, mut f: impl FnMut(&mut [f64])) {
        self.values.chunks_mut(self.columns).for_each(&mut f);
    }
}

/// Feature rows grouped by sample: sample `s` (an image) owns the rows `ranges()[s]` of the
/// matrix, one or more (one per patch), consecutive, in sample order, covering every row.
///
/// ```
/// use painter_classify::{FeatureMatrix, SampleFeatures};
///
/// let m = FeatureMatrix::new((0..10).map(f64::from).collect(), 2).unwrap();
/// // Sample 0 owns rows 0 and 1, sample 1 rows 2 to 4.
/// let s = SampleFeatures::new(m.clone(), vec![0..2, 2..5]).unwrap();
/// assert_eq!(s.sample_values(1), Some(&[4.0, 5.0, 6.0, 7.0, 8.0, 9.0][..]));
/// assert_eq!(s.rows_of(&[1, 0]), vec![2, 3, 4, 0, 1]);
/// assert_eq!(SampleFeatures::one_row_each(m).len(), 5);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct SampleFeatures {
    matrix: FeatureMatrix,
    ranges: Vec<Range<usize>>,
}

impl SampleFeatures {
    /// Groups the rows of `matrix`: sample `s` owns `ranges[s]`. Errors unless the ranges are
    /// non-empty, consecutive from row 0, and end at the last row.
    pub fn new(matrix: FeatureMatrix, ranges: Vec<Range<usize>>) -> Result<Self> {
        let mut next = 0;
        for (s, r) in ranges.iter().enumerate() {
            if r.start != next || r.end <= r.start {
                return Err(ClassifyError::SampleRows {
                    sample: s,
                    rows: r.clone(),
                    expected_start: next,
                });
            }
            next = r.end;
        }
        if next != matrix.rows() {
            return Err(ClassifyError::SampleRows {
                sample: ranges.len(),
                rows: next..matrix.rows(),
                expected_start: next,
            });
        }
        Ok(Self { matrix, ranges })
    }

    /// Every row its own sample.
    pub fn one_row_each(matrix: FeatureMatrix) -> Self {
        let ranges = (0..matrix.rows()).map(|i| i..i + 1).collect();
        Self { matrix, ranges }
    }

    /// No samples yet, rows of `columns` values (to [`SampleFeatures::append`] to).
    pub fn empty(columns: usize) -> Result<Self> {
        Ok(Self {
            matrix: FeatureMatrix::empty(columns)?,
            ranges: Vec::new(),
        })
    }

    /// Appends the samples of `other` (with as many columns) after these.
    pub fn append(&mut self, other: &SampleFeatures) -> Result<()> {
        let offset = self.matrix.rows();
        self.matrix.append(&other.matrix)?;
        self.ranges.extend(
            other
                .ranges
                .iter()
                .map(|r| r.start + offset..r.end + offset),
        );
        Ok(())
    }

    /// The number of samples.
    pub fn len(&self) -> usize {
        self.ranges.len()
    }

    /// Whether there is no sample.
    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }

    /// The feature matrix (all rows of all samples).
    pub fn matrix(&self) -> &FeatureMatrix {
        &self.matrix
    }

    /// The rows of every sample.
    pub fn ranges(&self) -> &[Range<usize>] {
        &self.ranges
    }

    /// The values of sample `s`'s rows (row-major), or `None` when there is no sample `s`.
    pub fn sample_values(&self, s: usize) -> Option<&[f64]> {
        self.matrix.row_range(self.ranges.get(s)?.clone())
    }

    /// Every row of the samples `samples`, in order (an unknown sample owns none).
    pub fn rows_of(&self, samples: &[usize]) -> Vec<usize> {
        samples
            .iter()
            .flat_map(|&s| self.ranges.get(s).cloned().unwrap_or(0..0))
            .collect()
    }

    /// The label of every row, given one label per sample. Errors unless there is one label per
    /// sample.
    pub fn row_labels(&self, labels: &[usize]) -> Result<Vec<usize>> {
        if labels.len() != self.len() {
            return Err(ClassifyError::LabelCount {
                samples: self.len(),
                labels: labels.len(),
            });
        }
        let mut out = Vec::with_capacity(self.matrix.rows());
        for (r, &l) in self.ranges.iter().zip(labels) {
            out.extend(std::iter::repeat_n(l, r.len()));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_shapes_are_typed_errors() {
        assert!(matches!(
            FeatureMatrix::new(vec![1.0; 5], 2),
            Err(ClassifyError::MatrixShape {
                values: 5,
                columns: 2
            })
        ));
        assert!(FeatureMatrix::new(vec![], 0).is_err());
        assert!(matches!(
            FeatureMatrix::new(vec![0.0, 1.0, f64::INFINITY, 2.0], 2),
            Err(ClassifyError::NonFinite {
                row: 1,
                column: 0,
                ..
            })
        ));
        let m = FeatureMatrix::new((0..6).map(f64::from).collect(), 2).unwrap();
        assert!(m.select_rows(&[3]).is_err());
        assert_eq!(
            m.select_rows(&[2, 0]).unwrap().values(),
            &[4.0, 5.0, 0.0, 1.0]
        );
        assert_eq!(m.row_range(1..3), Some(&[2.0, 3.0, 4.0, 5.0][..]));
        assert_eq!(m.row_range(2..4), None);
        let mut other = FeatureMatrix::empty(3).unwrap();
        assert!(other.append(&m).is_err());
        // Gaps, overlaps, empty samples and rows left over are refused.
        for ranges in [
            vec![0..1, 2..3],
            vec![0..2, 1..3],
            vec![0..0, 0..3],
            std::iter::once(0..2).collect(),
            std::iter::once(0..4).collect(),
        ] {
            assert!(
                SampleFeatures::new(m.clone(), ranges.clone()).is_err(),
                "{ranges:?}"
            );
        }
    }

    #[test]
    fn appended_samples_keep_their_rows() {
        let a = FeatureMatrix::new(vec![1.0, 2.0, 3.0], 1).unwrap();
        let b = FeatureMatrix::new(vec![4.0, 5.0], 1).unwrap();
        let mut all = SampleFeatures::empty(1).unwrap();
        all.append(&SampleFeatures::new(a, vec![0..1, 1..3]).unwrap())
            .unwrap();
        all.append(&SampleFeatures::new(b, std::iter::once(0..2).collect()).unwrap())
            .unwrap();
        assert_eq!(all.ranges(), &[0..1, 1..3, 3..5]);
        assert_eq!(all.sample_values(2), Some(&[4.0, 5.0][..]));
        assert_eq!(all.sample_values(3), None);
        assert_eq!(all.row_labels(&[7, 8, 9]).unwrap(), vec![7, 8, 8, 9, 9]);
        assert!(all.row_labels(&[7, 8]).is_err());
    }
}
