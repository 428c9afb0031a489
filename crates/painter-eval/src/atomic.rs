//! Atomic file writes ([`painter_io::write_atomic`]) with the error typed as
//! [`EvalError`].

use crate::EvalError;
use std::path::Path;

/// Writes `bytes` to `path` atomically, creating parent folders.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), EvalError> {
    painter_io::write_atomic(path, bytes).map_err(|source| EvalError::Io {
        path: path.to_path_buf(),
        source,
    })
}
