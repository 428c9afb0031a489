//! [`Descriptors`]: the descriptor and label of every painting of a data set, computed once (in
//! parallel) and shared by every fold and classifier.

use crate::descriptor::{Descriptor, FeatureBlock};
use crate::error::{invalid, HandcraftedError, Result};
use painter_data::Dataset;
use rayon::prelude::*;

/// One descriptor row and one label per painting, and the blocks the rows are made of.
#[derive(Debug, Clone, PartialEq)]
pub struct Descriptors {
    values: Vec<f64>,
    dim: usize,
    labels: Vec<usize>,
    classes: usize,
    blocks: Vec<FeatureBlock>,
}

impl Descriptors {
    /// Reads every painting of `dataset` and describes it. Every painting must be labelled with one
    /// of the data set's classes; every value must be finite.
    pub fn compute(dataset: &dyn Dataset, descriptor: &Descriptor) -> Result<Self> {
        let classes = dataset.class_names().len();
        let rows: Vec<(Vec<f64>, usize)> = (0..dataset.len())
            .into_par_iter()
            .map(|i| {
                let sample = dataset.get(i)?;
                let label = match sample.label {
                    Some(l) if l < classes => l,
                    other => {
                        return Err(HandcraftedError::BadLabel {
                            index: i,
                            message: format!("label {other:?}, expected one of 0..{classes}"),
                        })
                    }
                };
                Ok((descriptor.describe(&sample.image)?, label))
            })
            .collect::<Result<_>>()?;
        let (rows, labels): (Vec<_>, Vec<_>) = rows.into_iter().unzip();
        Self::from_rows(rows, labels, classes, descriptor.blocks().to_vec())
    }

    /// Rows given directly, one label per row (labels below `classes`), made of `blocks` (empty:
    /// one block, `features`, over every column).
    pub fn from_rows(
        rows: Vec<Vec<f64>>,
        labels: Vec<usize>,
        classes: usize,
        blocks: Vec<FeatureBlock>,
    ) -> Result<Self> {
        if rows.len() != labels.len() {
            return Err(HandcraftedError::LengthMismatch {
                what: "labels (one per descriptor row)",
                expected: rows.len(),
                got: labels.len(),
            });
        }
        let dim = rows
            .first()
            .map_or_else(|| blocks.last().map_or(0, |b| b.range.end), Vec::len);
        let blocks = if blocks.is_empty() {
            vec![FeatureBlock {
                name: "features".into(),
                range: 0..dim,
            }]
        } else {
            blocks
        };
        let covered = blocks.last().map_or(0, |b| b.range.end);
        let contiguous = blocks
            .windows(2)
            .all(|w| w[0].range.end == w[1].range.start)
            && blocks.first().is_some_and(|b| b.range.start == 0);
        if covered != dim || !contiguous {
            return Err(HandcraftedError::LengthMismatch {
                what: "descriptor columns covered by the blocks",
                expected: dim,
                got: covered,
            });
        }
        let mut values = Vec::with_capacity(rows.len() * dim);
        for (index, row) in rows.into_iter().enumerate() {
            if row.len() != dim {
                return Err(HandcraftedError::LengthMismatch {
                    what: "descriptor row",
                    expected: dim,
                    got: row.len(),
                });
            }
            if let Some(feature) = row.iter().position(|v| !v.is_finite()) {
                return Err(HandcraftedError::NonFinite { index, feature });
            }
            values.extend(row);
        }
        if let Some(index) = labels.iter().position(|&l| l >= classes) {
            return Err(HandcraftedError::BadLabel {
                index,
                message: format!("label {}, expected one of 0..{classes}", labels[index]),
            });
        }
        Ok(Self {
            values,
            dim,
            labels,
            classes,
            blocks,
        })
    }

    /// The rows `indices` (in that order), as a new set.
    pub fn select(&self, indices: &[usize]) -> Result<Self> {
        let mut values = Vec::with_capacity(indices.len() * self.dim);
        let mut labels = Vec::with_capacity(indices.len());
        for &i in indices {
            values.extend_from_slice(self.row(i)?);
            labels.push(self.labels[i]);
        }
        Ok(Self {
            values,
            dim: self.dim,
            labels,
            classes: self.classes,
            blocks: self.blocks.clone(),
        })
    }

    /// The columns of the blocks named `names` (in the order given), as a new set: one family of a
    /// descriptor, or a few, read without describing the paintings again.
    pub fn keep_blocks(&self, names: &[&str]) -> Result<Self> {
        let mut blocks = Vec::new();
        let mut columns = Vec::new();
        for name in names {
            let block = self
                .blocks
                .iter()
                .find(|b| b.name == *name)
                .ok_or_else(|| {
                    invalid(
                        "features",
                        format!(
                            "no block `{name}` (blocks: {})",
                            self.blocks
                                .iter()
                                .map(|b| b.name.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    )
                })?;
            blocks.push(FeatureBlock {
                name: block.name.clone(),
                range: columns.len()..columns.len() + block.len(),
            });
            columns.extend(block.range.clone());
        }
        let values = self
            .values
            .chunks(self.dim.max(1))
            .take(self.len())
            .flat_map(|row| columns.iter().map(move |&c| row[c]))
            .collect();
        Ok(Self {
            values,
            dim: columns.len(),
            labels: self.labels.clone(),
            classes: self.classes,
            blocks,
        })
    }

    /// The number of paintings.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Whether there is no painting.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// Values per row.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// The number of classes.
    pub fn classes(&self) -> usize {
        self.classes
    }

    /// The labels, in painting order.
    pub fn labels(&self) -> &[usize] {
        &self.labels
    }

    /// The label of painting `index`.
    pub fn label(&self, index: usize) -> Result<usize> {
        self.labels
            .get(index)
            .copied()
            .ok_or(HandcraftedError::IndexOutOfRange {
                index,
                len: self.labels.len(),
            })
    }

    /// The blocks each row is made of.
    pub fn blocks(&self) -> &[FeatureBlock] {
        &self.blocks
    }

    /// The descriptor of painting `index`.
    pub fn row(&self, index: usize) -> Result<&[f64]> {
        if index >= self.len() {
            return Err(HandcraftedError::IndexOutOfRange {
                index,
                len: self.len(),
            });
        }
        Ok(&self.values[index * self.dim..(index + 1) * self.dim])
    }
}
