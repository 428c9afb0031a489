//! Atomic file writes: write to a temporary file beside the target, flush, then rename over it, so a
//! reader (or a resumed run after a kill) sees either the old file or the complete new one.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// The temporary path used while `path` is being written (`<name>.<pid>.tmp` in the same folder).
pub fn temp_path_for(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "file".to_string());
    path.with_file_name(format!(".{name}.{}.tmp", std::process::id()))
}

/// Writes `bytes` to `path` atomically (temporary file + `fsync` + rename). Creates parent folders.
///
/// ```
/// let dir = tempfile::tempdir().unwrap();
/// let p = dir.path().join("a/b.txt");
/// painter_data::atomic::write_atomic(&p, b"hello").unwrap();
/// assert_eq!(std::fs::read(&p).unwrap(), b"hello");
/// ```
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write_atomic_with(path, |f| f.write_all(bytes))
}

/// Like [`write_atomic`], but the content is produced by `fill`, which writes into the temporary file.
/// If `fill` fails, the temporary file is removed and the target is left untouched.
pub fn write_atomic_with<F>(path: &Path, fill: F) -> io::Result<()>
where
    F: FnOnce(&mut io::BufWriter<&fs::File>) -> io::Result<()>,
{
    if let Some(parent) = path.parent() {
        if !parent.as_os_str().is_empty() {
            fs::create_dir_all(parent)?;
        }
    }
    let tmp = temp_path_for(path);
    let result = (|| {
        let file = fs::File::create(&tmp)?;
        {
            let mut w = io::BufWriter::new(&file);
            fill(&mut w)?;
            w.flush()?;
        }
        file.sync_all()?;
        fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}
