//! The scrape manifest: one JSON object per line (JSON Lines), appended and flushed to disk per
//! painting, so a kill mid-run loses nothing already finished.
//!
//! On open, the file is read back; the latest line for each painting wins, and a truncated or
//! corrupt line (the remains of a kill mid-write) is ignored. The file is then rewritten atomically
//! in compacted form, so later appends never glue onto a partial line.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::api::Painting;
use super::error::ScrapeError;
use painter_io::{write_atomic_with, FileError};

/// The manifest's file name inside the output folder.
pub const MANIFEST_FILE: &str = "manifest.jsonl";

/// How a painting ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Downloaded and verified; `path`, `bytes` and `sha256` are set.
    Downloaded,
    /// Deliberately not downloaded (see `reason`).
    Skipped,
    /// Could not be downloaded (see `reason`); retried by the next run.
    Failed,
}

/// One line of the manifest: a painting's metadata and what happened to it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ManifestEntry {
    /// The artist slug the painting was listed under (sanitized, as used for the folder).
    pub artist: String,
    /// The painting's metadata as the server sent it (after lenient parsing).
    #[serde(flatten)]
    pub painting: Painting,
    /// The URL the file was finally fetched from (after size fallback).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_url: Option<String>,
    /// The file, relative to the output folder, with `/` separators.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// The standardized copy, relative to the output folder (when standardizing on download).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub standardized: Option<String>,
    /// The file's size in bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes: Option<u64>,
    /// Lowercase hex SHA-256 of the file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// The outcome; `None` only in hand-edited lines.
    pub status: Option<Status>,
    /// Why the painting was skipped or failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl ManifestEntry {
    /// A failure of `artist`'s (a listing, or a painting before its details are known).
    pub fn failed(artist: &str, reason: String) -> Self {
        Self {
            artist: artist.to_string(),
            status: Some(Status::Failed),
            reason: Some(reason),
            ..Self::default()
        }
    }

    /// The key under which the latest entry of a painting is kept: its content id, or, for
    /// entries without one, the artist and title (or the reason, for artist-level failures).
    pub fn key(&self) -> String {
        match self.painting.content_id {
            Some(id) => format!("id:{id}"),
            None => format!(
                "noid:{}:{}:{}",
                self.artist,
                self.painting.title.as_deref().unwrap_or(""),
                self.painting.image.as_deref().unwrap_or("")
            ),
        }
    }
}

/// An open manifest: the entries read back plus an append handle.
#[derive(Debug)]
pub struct Manifest {
    path: PathBuf,
    file: File,
    entries: HashMap<String, ManifestEntry>,
    ignored_lines: usize,
}

impl Manifest {
    /// Opens (or creates) the manifest at `path`, reads it back, ignores a truncated or corrupt
    /// line, and rewrites it compacted (one line per painting, latest wins) before appending.
    pub fn open(path: &Path) -> Result<Self, ScrapeError> {
        let mut entries: HashMap<String, ManifestEntry> = HashMap::new();
        let mut order: Vec<String> = Vec::new();
        let mut ignored_lines = 0;
        match std::fs::read(path) {
            Ok(data) => {
                for line in data.split(|&b| b == b'\n') {
                    if line.iter().all(|b| b.is_ascii_whitespace()) {
                        continue;
                    }
                    match serde_json::from_slice::<ManifestEntry>(line) {
                        Ok(e) => {
                            let k = e.key();
                            if !entries.contains_key(&k) {
                                order.push(k.clone());
                            }
                            entries.insert(k, e);
                        }
                        Err(_) => ignored_lines += 1,
                    }
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(FileError::new(path, e).into()),
        }
        write_atomic_with(path, |w| {
            for k in &order {
                if let Some(e) = entries.get(k) {
                    serde_json::to_writer(&mut *w, e).map_err(std::io::Error::other)?;
                    w.write_all(b"\n")?;
                }
            }
            Ok(())
        })?;
        let file = OpenOptions::new()
            .append(true)
            .open(path)
            .map_err(FileError::at(path))?;
        Ok(Self {
            path: path.to_path_buf(),
            file,
            entries,
            ignored_lines,
        })
    }

    /// The manifest's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Lines that could not be parsed when the manifest was opened (a truncated last line after a
    /// kill, typically).
    pub fn ignored_lines(&self) -> usize {
        self.ignored_lines
    }

    /// The latest entry for `key` (see [`ManifestEntry::key`]).
    pub fn get(&self, key: &str) -> Option<&ManifestEntry> {
        self.entries.get(key)
    }

    /// All latest entries (in no particular order).
    pub fn entries(&self) -> impl Iterator<Item = &ManifestEntry> {
        self.entries.values()
    }

    /// Appends `entry` as one line, flushes and syncs it to disk, and records it as the latest.
    pub fn append(&mut self, entry: ManifestEntry) -> Result<(), ScrapeError> {
        let mut line = serde_json::to_vec(&entry).map_err(|e| ScrapeError::Manifest {
            path: self.path.clone(),
            message: e.to_string(),
        })?;
        line.push(b'\n');
        // One write call per line: the file is opened in append mode, so the line lands whole at
        // the end (or, after a kill, as a truncated tail that the next open ignores).
        self.file
            .write_all(&line)
            .and_then(|_| self.file.sync_data())
            .map_err(FileError::at(&self.path))?;
        self.entries.insert(entry.key(), entry);
        Ok(())
    }
}

/// Reads every parsable line of a manifest file (for inspection and tests), skipping corrupt ones.
pub fn read_entries(path: &Path) -> Result<Vec<ManifestEntry>, ScrapeError> {
    let data = std::fs::read(path).map_err(FileError::at(path))?;
    Ok(data
        .split(|&b| b == b'\n')
        .filter_map(|l| serde_json::from_slice(l).ok())
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: i64, status: Status) -> ManifestEntry {
        ManifestEntry {
            artist: "a".into(),
            painting: Painting {
                content_id: Some(id),
                title: Some("t".into()),
                ..Painting::default()
            },
            status: Some(status),
            ..ManifestEntry::default()
        }
    }

    #[test]
    fn truncated_tail_is_ignored_and_compacted() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join(MANIFEST_FILE);
        {
            let mut m = Manifest::open(&p).unwrap();
            m.append(entry(1, Status::Failed)).unwrap();
            m.append(entry(2, Status::Downloaded)).unwrap();
            m.append(entry(1, Status::Downloaded)).unwrap();
        }
        // Simulate a kill in the middle of writing a line.
        let mut f = OpenOptions::new().append(true).open(&p).unwrap();
        f.write_all(br#"{"artist":"a","contentId":3,"sta"#).unwrap();
        drop(f);
        let mut m = Manifest::open(&p).unwrap();
        assert_eq!(m.ignored_lines(), 1);
        assert_eq!(m.entries().count(), 2);
        assert_eq!(m.get("id:1").unwrap().status, Some(Status::Downloaded));
        m.append(entry(3, Status::Downloaded)).unwrap();
        drop(m);
        let all = read_entries(&p).unwrap();
        assert_eq!(
            all.len(),
            3,
            "compacted to one line per painting, no glued line"
        );
        let text = std::fs::read_to_string(&p).unwrap();
        assert!(text
            .lines()
            .all(|l| serde_json::from_str::<ManifestEntry>(l).is_ok()));
    }

    #[test]
    fn huge_content_id_round_trips() {
        let e = entry(i64::MAX - 1, Status::Downloaded);
        let s = serde_json::to_string(&e).unwrap();
        assert!(s.contains("9223372036854775806"));
        let back: ManifestEntry = serde_json::from_str(&s).unwrap();
        assert_eq!(back, e);
    }
}
