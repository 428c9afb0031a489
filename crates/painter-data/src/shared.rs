//! Locating the project's shared real-data folder (`../shared` beside the repository), which holds
//! `paintings/<artist>/` (labelled) and `paintings-unlabeled/`. Tests and examples use it when present
//! and say so; nothing requires it.

use std::path::{Path, PathBuf};

/// The environment variable that, when set, names the shared folder directly.
pub const SHARED_DIR_ENV: &str = "DEEP_PAINTER_SHARED";

/// Finds the shared data folder: `$DEEP_PAINTER_SHARED` if set, else the first `shared/` folder holding
/// `paintings/` found beside the current directory or any of its ancestors.
pub fn shared_dir() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os(SHARED_DIR_ENV) {
        let p = PathBuf::from(p);
        return p.join("paintings").is_dir().then_some(p);
    }
    let cwd = std::env::current_dir().ok()?;
    find_shared_from(&cwd)
}

fn find_shared_from(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .map(|a| a.join("shared"))
        .find(|s| s.join("paintings").is_dir())
}

/// `shared/paintings` (labelled, one folder per painter), if present.
pub fn shared_paintings() -> Option<PathBuf> {
    shared_dir().map(|s| s.join("paintings"))
}

/// `shared/paintings-unlabeled`, if present.
pub fn shared_unlabeled() -> Option<PathBuf> {
    shared_dir()
        .map(|s| s.join("paintings-unlabeled"))
        .filter(|p| p.is_dir())
}
