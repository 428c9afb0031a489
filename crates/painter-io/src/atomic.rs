//! Atomic file writes: write to a temporary file beside the target, flush, sync, then rename over
//! it, so a reader (or a resumed run after a kill) sees either the old file or the complete new one.

use crate::FileError;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// The temporary path used while `path` is being written (`.<name>.<pid>.tmp` in the same folder).
pub fn temp_path_for(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "file".to_string());
    path.with_file_name(format!(".{name}.{}.tmp", std::process::id()))
}

/// Writes `bytes` to `path` atomically (temporary file + `fsync` + rename). Creates parent folders.
/// A failure names `path`.
///
/// ```
/// let dir = tempfile::tempdir().unwrap();
/// let p = dir.path().join("a/b.txt");
/// painter_io::write_atomic(&p, b"hello").unwrap();
/// assert_eq!(std::fs::read(&p).unwrap(), b"hello");
/// ```
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), FileError> {
    write_atomic_with(path, |f| f.write_all(bytes))
}

/// Like [`write_atomic`], but the content is produced by `fill`, which writes into the temporary file.
/// If `fill` fails, the temporary file is removed and the target is left untouched.
pub fn write_atomic_with<F>(path: &Path, fill: F) -> Result<(), FileError>
where
    F: FnOnce(&mut io::BufWriter<&fs::File>) -> io::Result<()>,
{
    write_atomic_path(path, |tmp| {
        let file = fs::File::create(tmp)?;
        let mut w = io::BufWriter::new(&file);
        fill(&mut w)?;
        w.flush()
    })
}

/// Like [`write_atomic`], for writers that want a path rather than a stream (a library's
/// `save(path)`): `fill` creates the file at the temporary path it is given, which is then synced
/// and renamed over `path`. If `fill` fails, the temporary file is removed and the target is left
/// untouched.
pub fn write_atomic_path<F>(path: &Path, fill: F) -> Result<(), FileError>
where
    F: FnOnce(&Path) -> io::Result<()>,
{
    if let Some(parent) = path.parent() {
        if !parent.as_os_str().is_empty() {
            fs::create_dir_all(parent).map_err(FileError::at(parent))?;
        }
    }
    let tmp = temp_path_for(path);
    let result = (|| {
        fill(&tmp)?;
        fs::File::open(&tmp)?.sync_all()?;
        fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result.map_err(FileError::at(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_the_old_content_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x/y/z.bin");
        write_atomic(&p, b"old").unwrap();
        write_atomic(&p, b"new content").unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"new content");
        let names: Vec<_> = fs::read_dir(p.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("z.bin")]);
    }

    #[test]
    fn a_failed_fill_keeps_the_old_file_and_removes_the_temporary_one() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("new/kept.txt");
        write_atomic_path(&p, |tmp| {
            assert_eq!(tmp, temp_path_for(&p));
            fs::write(tmp, b"kept")
        })
        .unwrap();
        let failed = [
            write_atomic_with(&p, |w| {
                w.write_all(b"half")?;
                Err(io::Error::other("interrupted"))
            }),
            write_atomic_path(&p, |tmp| {
                fs::write(tmp, b"half")?;
                Err(io::Error::other("interrupted"))
            }),
        ];
        for err in failed {
            let err = err.unwrap_err();
            assert_eq!(err.path, p);
            assert_eq!(err.source.to_string(), "interrupted");
            assert_eq!(fs::read(&p).unwrap(), b"kept");
            assert!(!temp_path_for(&p).exists());
        }
    }

    #[test]
    fn the_temporary_file_is_hidden_beside_the_target() {
        let t = temp_path_for(Path::new("a/b/model.json"));
        assert_eq!(t.parent(), Some(Path::new("a/b")));
        let name = t.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            name.starts_with(".model.json.") && name.ends_with(".tmp"),
            "{name}"
        );
    }
}
