//! The one file-system error of deep-painter: what the operating system said, and the path.

use std::io;
use std::path::{Path, PathBuf};

/// A file-system operation failed on `path`. Every crate's error enum carries it as its `Io`
/// variant (`#[from]`), so a failure reads the same wherever it happens.
///
/// ```
/// use painter_io::FileError;
/// let missing = std::path::Path::new("no/such/file");
/// let err = std::fs::read(missing).map_err(FileError::at(missing)).unwrap_err();
/// assert_eq!(err.path, missing);
/// assert!(err.to_string().starts_with("no/such/file: "));
/// ```
#[derive(Debug, thiserror::Error)]
#[error("{path}: {source}")]
pub struct FileError {
    /// The file or folder involved.
    pub path: PathBuf,
    /// What the operating system said.
    pub source: io::Error,
}

impl FileError {
    /// The error `source` on `path`.
    pub fn new(path: impl Into<PathBuf>, source: io::Error) -> Self {
        Self {
            path: path.into(),
            source,
        }
    }

    /// For `map_err`: attaches `path` to an [`io::Error`].
    pub fn at(path: &Path) -> impl FnOnce(io::Error) -> FileError + '_ {
        move |source| FileError::new(path, source)
    }

    /// The kind of the underlying error.
    pub fn kind(&self) -> io::ErrorKind {
        self.source.kind()
    }
}
