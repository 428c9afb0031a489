//! Feature matrices and labels in NumPy's `.npy` format (read and written with the `npyz` crate),
//! so that the probe and scikit-learn can be run on the same numbers.

use crate::error::{ClassifyError, NpyProblem, Result};
use crate::features::FeatureMatrix;
use npyz::{NpyFile, TypeChar, WriterBuilder};
use painter_io::FileError;
use std::path::Path;

/// Opens `path` as a `.npy` file in C order with a plain (not structured) dtype.
fn open(path: &Path) -> Result<(NpyFile<std::io::BufReader<std::fs::File>>, npyz::TypeStr)> {
    let file = std::fs::File::open(path).map_err(FileError::at(path))?;
    let npy = NpyFile::new(std::io::BufReader::new(file)).map_err(|e| ClassifyError::Npy {
        path: path.to_path_buf(),
        problem: NpyProblem::Header(e.to_string()),
    })?;
    if npy.order() != npyz::Order::C {
        return Err(ClassifyError::Npy {
            path: path.to_path_buf(),
            problem: NpyProblem::FortranOrder,
        });
    }
    match npy.dtype() {
        npyz::DType::Plain(t) => Ok((npy, t)),
        other => Err(ClassifyError::Npy {
            path: path.to_path_buf(),
            problem: NpyProblem::DType {
                found: other.descr(),
                expected: "a plain numeric dtype",
            },
        }),
    }
}

fn read_error(path: &Path, e: std::io::Error) -> ClassifyError {
    ClassifyError::Npy {
        path: path.to_path_buf(),
        problem: NpyProblem::Data(e.to_string()),
    }
}

impl FeatureMatrix {
    /// Reads a 2-D `float64` array in C order (rows x features) from a `.npy` file.
    ///
    /// ```
    /// use painter_classify::FeatureMatrix;
    ///
    /// let dir = tempfile::tempdir().unwrap();
    /// let path = dir.path().join("x.npy");
    /// let m = FeatureMatrix::new(vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0], 3).unwrap();
    /// m.write_npy(&path).unwrap();
    /// assert_eq!(FeatureMatrix::read_npy(&path).unwrap(), m);
    /// ```
    pub fn read_npy(path: &Path) -> Result<Self> {
        let (npy, dtype) = open(path)?;
        if dtype.type_char() != TypeChar::Float || dtype.size_field() != 8 {
            return Err(ClassifyError::Npy {
                path: path.to_path_buf(),
                problem: NpyProblem::DType {
                    found: dtype.to_string(),
                    expected: "float64",
                },
            });
        }
        let shape = npy.shape().to_vec();
        let columns = match shape[..] {
            [_, columns] if columns > 0 => columns as usize,
            _ => {
                return Err(ClassifyError::Npy {
                    path: path.to_path_buf(),
                    problem: NpyProblem::Shape {
                        found: shape,
                        expected: "rows x features, at least one feature",
                    },
                })
            }
        };
        let values = npy.into_vec::<f64>().map_err(|e| read_error(path, e))?;
        Self::new(values, columns)
    }

    /// Writes the matrix as a 2-D `float64` `.npy` file in C order.
    pub fn write_npy(&self, path: &Path) -> Result<()> {
        let file = std::fs::File::create(path).map_err(FileError::at(path))?;
        let write = |file: std::fs::File| -> std::io::Result<()> {
            let mut writer = npyz::WriteOptions::new()
                .default_dtype()
                .shape(&[self.rows() as u64, self.columns() as u64])
                .writer(std::io::BufWriter::new(file))
                .begin_nd()?;
            writer.extend(self.values().iter().copied())?;
            writer.finish()
        };
        Ok(write(file).map_err(FileError::at(path))?)
    }
}

/// Reads non-negative integer labels (a 1-D `int64` or `int32` array) from a `.npy` file.
///
/// ```
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("y.npy");
/// painter_classify::write_labels_npy(&path, &[0, 2, 1]).unwrap();
/// assert_eq!(painter_classify::read_labels_npy(&path).unwrap(), vec![0, 2, 1]);
/// ```
pub fn read_labels_npy(path: &Path) -> Result<Vec<usize>> {
    let (npy, dtype) = open(path)?;
    let shape = npy.shape().to_vec();
    if shape.len() != 1 {
        return Err(ClassifyError::Npy {
            path: path.to_path_buf(),
            problem: NpyProblem::Shape {
                found: shape,
                expected: "one label per row",
            },
        });
    }
    let values: Vec<i64> = match (dtype.type_char(), dtype.size_field()) {
        (TypeChar::Int, 8) => npy.into_vec::<i64>(),
        (TypeChar::Int, 4) => npy
            .into_vec::<i32>()
            .map(|v| v.into_iter().map(i64::from).collect()),
        _ => {
            return Err(ClassifyError::Npy {
                path: path.to_path_buf(),
                problem: NpyProblem::DType {
                    found: dtype.to_string(),
                    expected: "int64 or int32",
                },
            })
        }
    }
    .map_err(|e| read_error(path, e))?;
    values
        .iter()
        .enumerate()
        .map(|(i, &v)| {
            usize::try_from(v).map_err(|_| ClassifyError::BadLabel {
                index: i,
                message: format!("label {v} is negative"),
            })
        })
        .collect()
}

/// Writes labels as a 1-D `int64` `.npy` file.
pub fn write_labels_npy(path: &Path, labels: &[usize]) -> Result<()> {
    let file = std::fs::File::create(path).map_err(FileError::at(path))?;
    let write = |file: std::fs::File| -> std::io::Result<()> {
        let mut writer = npyz::WriteOptions::new()
            .default_dtype()
            .shape(&[labels.len() as u64])
            .writer(std::io::BufWriter::new(file))
            .begin_nd()?;
        for &l in labels {
            let v = i64::try_from(l).map_err(std::io::Error::other)?;
            writer.push(&v)?;
        }
        writer.finish()
    };
    Ok(write(file).map_err(FileError::at(path))?)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A `.npy` file with the given header dictionary and data bytes.
    fn npy_bytes(dict: &str, data: &[u8]) -> Vec<u8> {
        let mut header = dict.to_string();
        while !(10 + header.len() + 1).is_multiple_of(64) {
            header.push(' ');
        }
        header.push('\n');
        let mut out = b"\x93NUMPY\x01\x00".to_vec();
        out.extend((header.len() as u16).to_le_bytes());
        out.extend(header.as_bytes());
        out.extend(data);
        out
    }

    fn problem(result: Result<impl std::fmt::Debug>) -> NpyProblem {
        match result {
            Err(ClassifyError::Npy { problem, .. }) => problem,
            other => panic!("expected an npy error, got {other:?}"),
        }
    }

    #[test]
    fn bad_files_are_typed_errors() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.npy");
        let f8: Vec<u8> = [1.0f64, 2.0].iter().flat_map(|v| v.to_le_bytes()).collect();
        type Expected = fn(&NpyProblem) -> bool;
        let cases: Vec<(Vec<u8>, Expected)> = vec![
            (b"not a numpy file at all".to_vec(), |p| {
                matches!(p, NpyProblem::Header(_))
            }),
            (
                npy_bytes(
                    "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2), }",
                    &f8[..8],
                ),
                |p| matches!(p, NpyProblem::DType { .. }),
            ),
            (
                npy_bytes(
                    "{'descr': '<f8', 'fortran_order': True, 'shape': (1, 2), }",
                    &f8,
                ),
                |p| matches!(p, NpyProblem::FortranOrder),
            ),
            (
                npy_bytes(
                    "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }",
                    &f8,
                ),
                |p| matches!(p, NpyProblem::Shape { .. }),
            ),
            (
                npy_bytes(
                    "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }",
                    &f8,
                ),
                |p| matches!(p, NpyProblem::Data(_)),
            ),
        ];
        for (i, (bytes, expected)) in cases.into_iter().enumerate() {
            std::fs::write(&path, bytes).unwrap();
            let p = problem(FeatureMatrix::read_npy(&path));
            assert!(expected(&p), "case {i}: {p:?}");
        }
        // A matrix holding NaN is refused by the matrix itself.
        let nan: Vec<u8> = [1.0f64, f64::NAN]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        std::fs::write(
            &path,
            npy_bytes(
                "{'descr': '<f8', 'fortran_order': False, 'shape': (1, 2), }",
                &nan,
            ),
        )
        .unwrap();
        assert!(matches!(
            FeatureMatrix::read_npy(&path),
            Err(ClassifyError::NonFinite {
                row: 0,
                column: 1,
                ..
            })
        ));
        // Labels: int32 reads, floats and negative labels do not.
        let i4: Vec<u8> = [3i32, 0].iter().flat_map(|v| v.to_le_bytes()).collect();
        std::fs::write(
            &path,
            npy_bytes(
                "{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }",
                &i4,
            ),
        )
        .unwrap();
        assert_eq!(read_labels_npy(&path).unwrap(), vec![3, 0]);
        std::fs::write(
            &path,
            npy_bytes(
                "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }",
                &f8,
            ),
        )
        .unwrap();
        assert!(matches!(
            problem(read_labels_npy(&path)),
            NpyProblem::DType { .. }
        ));
        let negative: Vec<u8> = [1i64, -2].iter().flat_map(|v| v.to_le_bytes()).collect();
        std::fs::write(
            &path,
            npy_bytes(
                "{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }",
                &negative,
            ),
        )
        .unwrap();
        assert!(matches!(
            read_labels_npy(&path),
            Err(ClassifyError::BadLabel { index: 1, .. })
        ));
        assert!(matches!(
            read_labels_npy(&dir.path().join("missing.npy")),
            Err(ClassifyError::Io(_))
        ));
    }
}
