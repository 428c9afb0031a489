//! An on-disk cache of standardized pixels: decode and standardize a dataset once, then read it back
//! through memory maps without decoding again.
//!
//! # Layout
//!
//! A cache folder holds `manifest.json` and shard files `shard-<build>-<k>.bin`. A shard is the
//! concatenation of its images as raw `u8` RGB pixels, row-major, `size x size x 3` bytes each (HWC).
//! The manifest records:
//!
//! - the settings: image size, standardization method and decode limits (or, for a dataset that is
//!   not read from files, a caller-given key);
//! - the source files: path relative to the dataset root, byte size and modification time;
//! - the class names and every sample's label;
//! - the source samples that could not be read, each with its file and why;
//! - the shard layout (file, first sample, sample count) and a checksum of every image.
//!
//! # Unreadable images
//!
//! Building decodes every source sample once. A sample that cannot be read (a truncated or
//! corrupt file, an empty one, a file that is not an image at all) does not stop the build: it is
//! left out of the cache and recorded in the manifest, and the build goes on, so that one build
//! finds every unreadable file. Then, unless [`CacheOptions::skip_unreadable`] is set,
//! [`PixelCache::build_or_open`] fails with [`DatasetError::Unreadable`] naming all of them; with
//! it, the cache holds the readable samples and [`CachedDataset::unreadable`] lists the others.
//! Either way the recorded list is reused while the sources are unchanged (nothing is decoded
//! again), and a change to an unreadable file (repaired, replaced) or a readable one (broken)
//! rebuilds the cache like any other change.
//!
//! # Validity
//!
//! [`PixelCache::build_or_open`] compares the recorded settings and source files with the dataset's;
//! any difference (a file's size or mtime, a file added, removed or renamed, a label, the size, the
//! method or the limits) rebuilds the cache. Its folder is named by the caller: one folder per
//! source and settings, or they rebuild each other in turn. A file rewritten with identical size *and* mtime is not
//! detected (contents are not hashed).
//!
//! A build is crash-safe: the old manifest is removed first, each shard is written to a temporary
//! file and renamed into place, and the manifest is written last (atomically), so a killed build
//! leaves no manifest and is rebuilt next time, never mistaken for a complete cache. Opening checks
//! every shard's length; every read checks the image's checksum (unless disabled), so a truncated or
//! corrupt shard gives [`DatasetError::Cache`], never wrong pixels. One process at a time may build a
//! given cache folder; any number may read it.
//!
//! # Memory
//!
//! Building streams: samples are read in parallel chunks of [`CacheOptions::chunk_size`] and appended
//! to the current shard, so memory is bounded by a chunk, not the dataset. Reading maps the shards;
//! the operating system pages pixels in and out, and a sample costs one `u8` copy of its image.
//!
//! ```no_run
//! use painter_data::cache::{CacheOptions, PixelCache};
//! use painter_data::folder::{FolderOptions, ImageFolder};
//! use painter_data::Dataset;
//!
//! let folder = ImageFolder::open("../shared/paintings", FolderOptions::default())?;
//! let cached = PixelCache::build_or_open(&folder, "target/pixel-cache", &CacheOptions::default())?;
//! println!("rebuilt: {}, decoded {} images", cached.report().rebuilt, cached.report().decoded);
//! let sample = cached.get(0)?; // no decoding
//! # Ok::<(), painter_data::DatasetError>(())
//! ```

pub use crate::dataset::UnreadableImage;

use crate::dataset::{at_least_one, item};
use crate::decode::DecodeLimits;
use crate::folder::FileDataset;
use crate::progress::progress_bar;
use crate::standardize::StandardizeMethod;
use crate::{Dataset, DatasetError, Sample};
use image::RgbImage;
use memmap2::Mmap;
use painter_io::{read_document, write_json, FileError, Format, Optional};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// The manifest's file name inside a cache folder.
pub const MANIFEST_FILE: &str = "manifest.json";
/// The manifest's format, which this code writes and reads (version 2: unreadable samples are
/// recorded).
const MANIFEST_FORMAT: Format = Format::versioned("painter-pixel-cache", 2);

/// How a cache is built and read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CacheOptions {
    /// Show a progress bar while building (drawn only on a terminal; default `true`).
    pub progress: bool,
    /// The largest shard, in bytes (default 1 GiB); a shard holds at least one image.
    pub shard_bytes: u64,
    /// How many samples are decoded in parallel before being appended (default 64).
    pub chunk_size: usize,
    /// Check every image's checksum when it is read (default `true`; costs a SHA-256 of the pixels).
    pub verify_reads: bool,
    /// Go on without the source samples that cannot be read, listing them in
    /// [`CachedDataset::unreadable`], instead of failing with [`DatasetError::Unreadable`]
    /// (default `false`).
    pub skip_unreadable: bool,
}

impl Default for CacheOptions {
    fn default() -> Self {
        Self {
            progress: true,
            shard_bytes: 1 << 30,
            chunk_size: 64,
            verify_reads: true,
            skip_unreadable: false,
        }
    }
}

impl CacheOptions {
    /// Checks the settings: `shard_bytes` and `chunk_size` must be at least 1.
    pub fn validate(&self) -> Result<(), DatasetError> {
        at_least_one("shard_bytes", self.shard_bytes)?;
        at_least_one("chunk_size", self.chunk_size as u64)
    }
}

/// One source file as recorded in the manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceFile {
    /// The path relative to the dataset root, `/`-separated.
    pub path: String,
    /// The size in bytes.
    pub bytes: u64,
    /// Modification time: seconds since the Unix epoch (negative before it).
    pub mtime_secs: i64,
    /// Modification time: nanoseconds within the second.
    pub mtime_nanos: u32,
}

/// Everything a cache's validity depends on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Fingerprint {
    image_size: u32,
    method: Option<StandardizeMethod>,
    limits: Option<DecodeLimits>,
    key: Option<String>,
    root: Option<String>,
    files: Vec<SourceFile>,
    class_names: Vec<String>,
    labels: Vec<Option<usize>>,
}

/// One shard as recorded in the manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct ShardRecord {
    file: String,
    first: usize,
    count: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Manifest {
    format: String,
    version: u64,
    build_id: String,
    fingerprint: Fingerprint,
    shards: Vec<ShardRecord>,
    /// Per cached image: the first 8 bytes of the SHA-256 of its pixels, hex.
    checksums: Vec<String>,
    /// The source samples left out because they could not be read, in source order.
    unreadable: Vec<UnreadableImage>,
}

/// What [`PixelCache::build_or_open`] did.
#[derive(Debug, Clone, PartialEq)]
pub struct CacheReport {
    /// Whether the cache was (re)built.
    pub rebuilt: bool,
    /// Why it was rebuilt (or that it was reused).
    pub reason: String,
    /// How many samples were decoded (read from the source): 0 when reused.
    pub decoded: usize,
    /// The number of images in the cache.
    pub images: usize,
    /// The number of source samples left out because they could not be read.
    pub unreadable: usize,
    /// The number of shard files.
    pub shards: usize,
    /// The total size of the shards in bytes.
    pub bytes: u64,
    /// Seconds spent (checking, and building if rebuilt).
    pub seconds: f64,
}

impl fmt::Display for CacheReport {
    /// One line: what was standardized or read back, how big, how long, and why it was rebuilt.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.rebuilt {
            write!(
                f,
                "standardized {} images into the pixel cache ({:.1} MB, {:.1} s; {})",
                self.images,
                self.bytes as f64 / 1e6,
                self.seconds,
                self.reason
            )?;
        } else {
            write!(
                f,
                "{} images read from the pixel cache ({:.1} s)",
                self.images, self.seconds
            )?;
        }
        if self.unreadable > 0 {
            write!(f, "; {} unreadable images left out", self.unreadable)?;
        }
        Ok(())
    }
}

/// Builds, checks and opens pixel caches (see the [module docs](self)).
#[derive(Debug, Clone, Copy)]
pub struct PixelCache;

impl PixelCache {
    /// Opens the cache of a file-backed dataset in `dir` if it matches the dataset's files and
    /// settings, else (re)builds it. The returned dataset reads pixels from the cache.
    pub fn build_or_open<S: FileDataset + ?Sized>(
        source: &S,
        dir: impl AsRef<Path>,
        options: &CacheOptions,
    ) -> Result<CachedDataset, DatasetError> {
        build_or_open_with(source, file_fingerprint, dir.as_ref(), options)
    }

    /// Like [`PixelCache::build_or_open`] for a dataset that is not read from files (e.g. a synthetic
    /// one): `key` must describe everything its pixels depend on (generator settings, seed); the
    /// cache is rebuilt when the key, the length, the labels or the image size change.
    pub fn build_or_open_keyed<S: Dataset + ?Sized>(
        source: &S,
        key: &str,
        dir: impl AsRef<Path>,
        options: &CacheOptions,
    ) -> Result<CachedDataset, DatasetError> {
        build_or_open_with(source, |s| keyed_fingerprint(s, key), dir.as_ref(), options)
    }

    /// Opens an existing cache without comparing it with any source. Fails with
    /// [`DatasetError::Cache`] if there is no complete cache in `dir` or a shard is missing or short,
    /// with [`DatasetError::Document`] if its manifest is unreadable or of another format.
    pub fn open(
        dir: impl AsRef<Path>,
        options: &CacheOptions,
    ) -> Result<CachedDataset, DatasetError> {
        let start = Instant::now();
        options.validate()?;
        let dir = dir.as_ref();
        let manifest = read_manifest(dir)?.ok_or_else(|| DatasetError::Cache {
            path: dir.to_path_buf(),
            message: "no manifest (no complete cache here)".into(),
        })?;
        let report = CacheReport::before_opening(false, "opened without checking the sources", 0);
        CachedDataset::from_manifest(dir, manifest, options, report, start)
    }
}

impl CacheReport {
    /// A report whose counts [`CachedDataset::from_manifest`] fills in.
    fn before_opening(rebuilt: bool, reason: impl Into<String>, decoded: usize) -> Self {
        Self {
            rebuilt,
            reason: reason.into(),
            decoded,
            images: 0,
            unreadable: 0,
            shards: 0,
            bytes: 0,
            seconds: 0.0,
        }
    }
}

fn cache_err(path: &Path, message: impl Into<String>) -> DatasetError {
    DatasetError::Cache {
        path: path.to_path_buf(),
        message: message.into(),
    }
}

fn relative_string(path: &Path, root: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

fn mtime_parts(t: SystemTime) -> (i64, u32) {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => (d.as_secs() as i64, d.subsec_nanos()),
        Err(e) => {
            let d = e.duration();
            if d.subsec_nanos() == 0 {
                (-(d.as_secs() as i64), 0)
            } else {
                (-(d.as_secs() as i64) - 1, 1_000_000_000 - d.subsec_nanos())
            }
        }
    }
}

/// Stats every source file (in parallel) and records the settings.
fn file_fingerprint<S: FileDataset + ?Sized>(source: &S) -> Result<Fingerprint, DatasetError> {
    let root = source.root();
    let canonical = fs::canonicalize(root).map_err(FileError::at(root))?;
    let files = (0..source.len())
        .into_par_iter()
        .map(|i| {
            let path = source.path(i)?;
            let meta = fs::metadata(path).map_err(FileError::at(path))?;
            let modified = meta.modified().map_err(FileError::at(path))?;
            let (mtime_secs, mtime_nanos) = mtime_parts(modified);
            Ok(SourceFile {
                path: relative_string(path, root),
                bytes: meta.len(),
                mtime_secs,
                mtime_nanos,
            })
        })
        .collect::<Result<Vec<_>, DatasetError>>()?;
    let labels = (0..source.len())
        .map(|i| source.label(i))
        .collect::<Result<Vec<_>, _>>()?;
    let options = source.options();
    Ok(Fingerprint {
        image_size: options.image_size,
        method: Some(options.method),
        limits: Some(options.limits),
        key: None,
        root: Some(canonical.to_string_lossy().into_owned()),
        files,
        class_names: source.class_names().to_vec(),
        labels,
    })
}

/// Why `old` does not describe the same cache as `new`, or `None` if it does.
fn difference(old: &Fingerprint, new: &Fingerprint) -> Option<String> {
    if old == new {
        return None;
    }
    if old.image_size != new.image_size {
        return Some(format!(
            "image size changed ({} -> {})",
            old.image_size, new.image_size
        ));
    }
    if old.method != new.method {
        return Some(format!(
            "standardization method changed ({:?} -> {:?})",
            old.method, new.method
        ));
    }
    if old.limits != new.limits {
        return Some("decode limits changed".into());
    }
    if old.key != new.key {
        return Some("dataset key changed".into());
    }
    if old.root != new.root {
        return Some(format!(
            "source root changed ({:?} -> {:?})",
            old.root, new.root
        ));
    }
    if old.files.len() != new.files.len() {
        return Some(format!(
            "{} source files instead of {}",
            new.files.len(),
            old.files.len()
        ));
    }
    for (a, b) in old.files.iter().zip(&new.files) {
        if a.path != b.path {
            return Some(format!("source file `{}` replaced by `{}`", a.path, b.path));
        }
        if a != b {
            return Some(format!(
                "source file `{}` changed (size or modification time)",
                a.path
            ));
        }
    }
    if old.class_names != new.class_names {
        return Some("class names changed".into());
    }
    if old.labels.len() != new.labels.len() {
        return Some(format!(
            "{} samples instead of {}",
            new.labels.len(),
            old.labels.len()
        ));
    }
    Some("labels changed".into())
}

/// Reads the manifest; `Ok(None)` when there is none, an error when it is unreadable or of
/// another format.
fn read_manifest(dir: &Path) -> Result<Option<Manifest>, DatasetError> {
    Ok(read_document(&dir.join(MANIFEST_FILE), &[MANIFEST_FORMAT]).optional()?)
}

/// The fingerprint of a dataset not read from files: `key` stands for its pixels' sources.
fn keyed_fingerprint<S: Dataset + ?Sized>(
    source: &S,
    key: &str,
) -> Result<Fingerprint, DatasetError> {
    let labels = (0..source.len())
        .map(|i| source.label(i))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Fingerprint {
        image_size: source.image_size(),
        method: None,
        limits: None,
        key: Some(key.to_string()),
        root: None,
        files: Vec::new(),
        class_names: source.class_names().to_vec(),
        labels,
    })
}

/// Checks the options, takes the source's fingerprint, and opens the cache in `dir` if it was
/// built with the same one, else (re)builds it; the report's time counts all of it.
fn build_or_open_with<S: Dataset + ?Sized>(
    source: &S,
    fingerprint: impl FnOnce(&S) -> Result<Fingerprint, DatasetError>,
    dir: &Path,
    options: &CacheOptions,
) -> Result<CachedDataset, DatasetError> {
    let start = Instant::now();
    options.validate()?;
    let fingerprint = fingerprint(source)?;
    let reason = match read_manifest(dir) {
        Ok(None) => "no cache yet".to_string(),
        Ok(Some(manifest)) => match difference(&manifest.fingerprint, &fingerprint) {
            None => {
                let report =
                    CacheReport::before_opening(false, "reused: sources and settings unchanged", 0);
                return CachedDataset::from_manifest(dir, manifest, options, report, start)?
                    .checked(options);
            }
            Some(why) => why,
        },
        Err(e) => format!("previous manifest unusable ({e})"),
    };
    let manifest = build(source, fingerprint, dir, options)?;
    let decoded = manifest.fingerprint.labels.len();
    let report = CacheReport::before_opening(true, reason, decoded);
    CachedDataset::from_manifest(dir, manifest, options, report, start)?.checked(options)
}

fn checksum(pixels: &[u8]) -> String {
    let digest = Sha256::digest(pixels);
    digest.iter().take(8).map(|b| format!("{b:02x}")).collect()
}

fn image_bytes(size: u32) -> Result<usize, DatasetError> {
    (size as usize)
        .checked_mul(size as usize)
        .and_then(|p| p.checked_mul(3))
        .filter(|&b| b > 0)
        .ok_or_else(|| DatasetError::InvalidSetting(format!("cannot cache images of size {size}")))
}

fn is_shard_name(name: &str) -> bool {
    (name.starts_with("shard-") && name.ends_with(".bin"))
        || (name.starts_with(".shard-") && name.ends_with(".tmp"))
}

/// Removes shard files (and leftover shard temporaries) not in `keep`.
fn remove_stale_shards(dir: &Path, keep: &[ShardRecord]) -> Result<(), DatasetError> {
    for entry in fs::read_dir(dir).map_err(FileError::at(dir))? {
        let entry = entry.map_err(FileError::at(dir))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if is_shard_name(&name) && !keep.iter().any(|s| s.file == name) {
            let path = entry.path();
            fs::remove_file(&path).map_err(FileError::at(&path))?;
        }
    }
    Ok(())
}

/// Reads source sample `k` for the cache: its pixels, checked against the cache's size and the
/// listed label; `Ok(Err(_))` when the sample's image cannot be read (it is left out and recorded).
fn read_for_cache<S: Dataset + ?Sized>(
    source: &S,
    k: usize,
    size: u32,
    label: Option<usize>,
) -> Result<Result<RgbImage, UnreadableImage>, DatasetError> {
    let sample = match source.get(k) {
        Ok(sample) => sample,
        Err(DatasetError::Image { path, message }) => {
            return Ok(Err(UnreadableImage {
                index: k,
                label,
                path,
                message,
            }))
        }
        Err(other) => return Err(other),
    };
    if sample.image.dimensions() != (size, size) {
        return Err(DatasetError::InvalidSetting(format!(
            "sample {k} is {}x{}, the cache holds {size}x{size} images",
            sample.image.width(),
            sample.image.height()
        )));
    }
    if label != sample.label {
        return Err(DatasetError::InvalidSetting(format!(
            "sample {k} has label {:?}, the dataset listed {label:?}",
            sample.label
        )));
    }
    Ok(Ok(sample.image))
}

/// Writes the shards (streaming) and then the manifest. Samples whose image cannot be read are
/// left out and recorded; any other failure stops the build and leaves no manifest.
fn build<S: Dataset + ?Sized>(
    source: &S,
    fingerprint: Fingerprint,
    dir: &Path,
    options: &CacheOptions,
) -> Result<Manifest, DatasetError> {
    let n = fingerprint.labels.len();
    if n == 0 {
        return Err(DatasetError::InvalidSetting(
            "cannot cache an empty dataset".into(),
        ));
    }
    if source.len() != n {
        return Err(DatasetError::InvalidSetting(format!(
            "the dataset changed length while caching ({} -> {})",
            n,
            source.len()
        )));
    }
    let size = fingerprint.image_size;
    let per_image = image_bytes(size)?;
    let per_shard = ((options.shard_bytes / per_image as u64) as usize).max(1);
    fs::create_dir_all(dir).map_err(FileError::at(dir))?;
    // No manifest means no cache: from here until the new manifest lands, the folder is "building".
    let manifest_path = dir.join(MANIFEST_FILE);
    match fs::remove_file(&manifest_path) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(FileError::new(&manifest_path, e).into()),
    }
    remove_stale_shards(dir, &[])?;

    let build_id = {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        format!("{:x}{:x}", nanos, std::process::id())
    };
    let bar = progress_bar(
        n,
        options.progress,
        "caching images {bar:40} {pos}/{len} [{elapsed_precise}<{eta_precise}] {msg}",
    );
    let mut shards = Vec::new();
    let mut checksums = Vec::with_capacity(n);
    let mut unreadable = Vec::new();
    let chunk = options.chunk_size.max(1);
    let mut first = 0;
    while first < n {
        let end = (first + per_shard).min(n);
        let file = format!("shard-{build_id}-{:05}.bin", shards.len());
        let path = dir.join(&file);
        bar.set_message(file.clone());
        let cached_before = checksums.len();
        let mut failure: Option<DatasetError> = None;
        let written = painter_io::write_atomic_with(&path, |w| {
            let mut i = first;
            while i < end {
                let j = (i + chunk).min(end);
                let samples: Vec<_> = (i..j)
                    .into_par_iter()
                    .map(|k| {
                        let label = fingerprint.labels.get(k).copied().flatten();
                        read_for_cache(source, k, size, label)
                    })
                    .collect();
                for sample in samples {
                    match sample {
                        Ok(Ok(image)) => {
                            let raw = image.as_raw();
                            checksums.push(checksum(raw));
                            w.write_all(raw)?;
                        }
                        Ok(Err(bad)) => unreadable.push(bad),
                        Err(e) => {
                            failure = Some(e);
                            return Err(std::io::Error::other("reading a sample failed"));
                        }
                    }
                    bar.inc(1);
                }
                i = j;
            }
            Ok(())
        });
        if let Err(e) = written {
            bar.abandon();
            return Err(failure.unwrap_or_else(|| e.into()));
        }
        let count = checksums.len() - cached_before;
        if count == 0 {
            // Every sample of this range was unreadable: no shard.
            fs::remove_file(&path).map_err(FileError::at(&path))?;
        } else {
            shards.push(ShardRecord {
                file,
                first: cached_before,
                count,
            });
        }
        first = end;
    }
    bar.finish_and_clear();
    let manifest = Manifest {
        format: MANIFEST_FORMAT.name.into(),
        version: MANIFEST_FORMAT.version.unwrap_or_default(),
        build_id,
        fingerprint,
        shards,
        checksums,
        unreadable,
    };
    write_json(&manifest_path, &manifest)?;
    Ok(manifest)
}

/// A dataset read from a pixel cache through memory maps (see [`PixelCache`]); labels and class
/// names are those of the dataset it was built from.
#[derive(Debug)]
pub struct CachedDataset {
    dir: PathBuf,
    manifest: Manifest,
    /// The labels of the cached images (the source's, less the unreadable samples').
    labels: Vec<Option<usize>>,
    maps: Vec<Mmap>,
    image_bytes: usize,
    verify_reads: bool,
    report: CacheReport,
}

impl CachedDataset {
    fn from_manifest(
        dir: &Path,
        manifest: Manifest,
        options: &CacheOptions,
        mut report: CacheReport,
        start: Instant,
    ) -> Result<Self, DatasetError> {
        let manifest_path = dir.join(MANIFEST_FILE);
        let fp = &manifest.fingerprint;
        let per_image = image_bytes(fp.image_size)?;
        let mut left_out = manifest.unreadable.iter().map(|u| u.index).peekable();
        let mut labels = Vec::with_capacity(fp.labels.len());
        for (k, &label) in fp.labels.iter().enumerate() {
            if left_out.next_if_eq(&k).is_none() {
                labels.push(label);
            }
        }
        if left_out.next().is_some() {
            return Err(cache_err(
                &manifest_path,
                "unreadable samples out of order or out of range",
            ));
        }
        let n = labels.len();
        if manifest.checksums.len() != n {
            return Err(cache_err(
                &manifest_path,
                format!("{} checksums for {n} images", manifest.checksums.len()),
            ));
        }
        if !fp.files.is_empty() && fp.files.len() != fp.labels.len() {
            return Err(cache_err(
                &manifest_path,
                format!(
                    "{} source files for {} samples",
                    fp.files.len(),
                    fp.labels.len()
                ),
            ));
        }
        if let Some(bad) = fp
            .labels
            .iter()
            .flatten()
            .find(|&&l| l >= fp.class_names.len())
        {
            return Err(cache_err(
                &manifest_path,
                format!(
                    "label {bad} out of range for {} classes",
                    fp.class_names.len()
                ),
            ));
        }
        let mut maps = Vec::with_capacity(manifest.shards.len());
        let mut expected_first = 0usize;
        let mut total = 0u64;
        for shard in &manifest.shards {
            let path = dir.join(&shard.file);
            if shard.first != expected_first || shard.count == 0 || shard.file.contains('/') {
                return Err(cache_err(&manifest_path, "inconsistent shard layout"));
            }
            expected_first += shard.count;
            let expected = shard
                .count
                .checked_mul(per_image)
                .ok_or_else(|| cache_err(&path, "shard too large"))?;
            let file = fs::File::open(&path)
                .map_err(|e| cache_err(&path, format!("missing or unreadable shard: {e}")))?;
            let len = file.metadata().map_err(FileError::at(&path))?.len();
            if len != expected as u64 {
                return Err(cache_err(
                    &path,
                    format!(
                        "shard is {len} bytes, expected {expected} ({} images of {per_image} bytes): truncated or corrupt",
                        shard.count
                    ),
                ));
            }
            // SAFETY: shards are never modified after being renamed into place (a rebuild writes new
            // files under a new build id and deletes old ones only after removing the manifest). A
            // foreign process truncating a mapped shard could still fault the reader; checksums guard
            // against every other kind of corruption.
            let map = unsafe { Mmap::map(&file) }.map_err(FileError::at(&path))?;
            maps.push(map);
            total += len;
        }
        if expected_first != n {
            return Err(cache_err(
                &manifest_path,
                format!("shards hold {expected_first} images, the manifest lists {n}"),
            ));
        }
        report.images = n;
        report.unreadable = manifest.unreadable.len();
        report.shards = maps.len();
        report.bytes = total;
        report.seconds = start.elapsed().as_secs_f64();
        Ok(Self {
            dir: dir.to_path_buf(),
            manifest,
            labels,
            maps,
            image_bytes: per_image,
            verify_reads: options.verify_reads,
            report,
        })
    }

    /// The cache, or [`DatasetError::Unreadable`] naming every unreadable source sample unless
    /// `options` skip them.
    fn checked(self, options: &CacheOptions) -> Result<Self, DatasetError> {
        if self.manifest.unreadable.is_empty() || options.skip_unreadable {
            Ok(self)
        } else {
            Err(DatasetError::Unreadable(self.manifest.unreadable))
        }
    }

    /// The source samples left out because they could not be read, in source order (empty
    /// unless built with [`CacheOptions::skip_unreadable`] or opened with [`PixelCache::open`]).
    pub fn unreadable(&self) -> &[UnreadableImage] {
        &self.manifest.unreadable
    }

    /// What building or opening did.
    pub fn report(&self) -> &CacheReport {
        &self.report
    }

    /// The cache folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The number of shard files.
    pub fn num_shards(&self) -> usize {
        self.maps.len()
    }

    /// The recorded source files (empty for a keyed cache), in source order, the unreadable
    /// ones included.
    pub fn source_files(&self) -> &[SourceFile] {
        &self.manifest.fingerprint.files
    }

    /// The raw HWC `u8` pixels of sample `index`, straight from the map, checksum-verified when
    /// reads are verified.
    pub fn pixels(&self, index: usize) -> Result<&[u8], DatasetError> {
        let n = self.labels.len();
        if index >= n {
            return Err(DatasetError::IndexOutOfRange { index, len: n });
        }
        let pixels = self.pixels_unchecked(index)?;
        if self.verify_reads && !self.checksum_ok(index, pixels) {
            return Err(cache_err(
                &self.shard_path(index),
                format!("checksum mismatch for sample {index}: the shard is corrupt"),
            ));
        }
        Ok(pixels)
    }

    /// Checks the checksum of every image (in parallel); returns the first corrupt one's error.
    pub fn verify(&self) -> Result<(), DatasetError> {
        (0..self.len()).into_par_iter().try_for_each(|i| {
            let pixels = self.pixels_unchecked(i)?;
            if !self.checksum_ok(i, pixels) {
                return Err(cache_err(
                    &self.shard_path(i),
                    format!("checksum mismatch for sample {i}: the shard is corrupt"),
                ));
            }
            Ok(())
        })
    }

    fn checksum_ok(&self, index: usize, pixels: &[u8]) -> bool {
        self.manifest.checksums.get(index).map(String::as_str) == Some(checksum(pixels).as_str())
    }

    fn shard_path(&self, index: usize) -> PathBuf {
        let shards = &self.manifest.shards;
        let s = shards
            .partition_point(|s| s.first <= index)
            .saturating_sub(1);
        match shards.get(s) {
            Some(shard) => self.dir.join(&shard.file),
            None => self.dir.clone(),
        }
    }

    fn pixels_unchecked(&self, index: usize) -> Result<&[u8], DatasetError> {
        let shards = &self.manifest.shards;
        let s = shards
            .partition_point(|s| s.first <= index)
            .saturating_sub(1);
        let (shard, map) = shards
            .get(s)
            .zip(self.maps.get(s))
            .ok_or_else(|| cache_err(&self.dir, "no shard holds the sample"))?;
        let offset = index
            .checked_sub(shard.first)
            .map(|k| k * self.image_bytes)
            .ok_or_else(|| cache_err(&self.dir, "inconsistent shard layout"))?;
        map.get(offset..offset + self.image_bytes)
            .ok_or_else(|| cache_err(&self.dir.join(&shard.file), "sample past the shard's end"))
    }
}

impl Dataset for CachedDataset {
    fn len(&self) -> usize {
        self.labels.len()
    }

    fn get(&self, index: usize) -> Result<Sample, DatasetError> {
        let pixels = self.pixels(index)?;
        let size = self.manifest.fingerprint.image_size;
        let image = RgbImage::from_raw(size, size, pixels.to_vec())
            .ok_or_else(|| cache_err(&self.dir, "pixel buffer of the wrong size"))?;
        Ok(Sample {
            image,
            label: self.label(index)?,
        })
    }

    fn class_names(&self) -> &[String] {
        &self.manifest.fingerprint.class_names
    }

    fn label(&self, index: usize) -> Result<Option<usize>, DatasetError> {
        item(&self.labels, index).copied()
    }

    fn image_size(&self) -> u32 {
        self.manifest.fingerprint.image_size
    }
}
