//! Datasets read from folders of image files: [`ImageFolder`] (`root/<class>/<image>`, labelled) and
//! [`UnlabeledFolder`] (every image under a root, for autoencoder pretraining).
//!
//! Files are listed when the dataset is opened; pixels are decoded (and standardized to a square)
//! only when a sample is read, unless [`FolderOptions::verify`] asks to decode every file once at
//! open time. Files that are not images are skipped and reported in [`ImageFolder::skipped`].
//!
//! ```no_run
//! use painter_data::folder::{FolderOptions, ImageFolder};
//! use painter_data::Dataset;
//!
//! let paintings = ImageFolder::open("../shared/paintings", FolderOptions::default())?;
//! println!("{} paintings by {} painters", paintings.len(), paintings.class_names().len());
//! let first = paintings.get(0)?; // decoded and padded to 256 x 256
//! assert_eq!(first.image.dimensions(), (256, 256));
//! # Ok::<(), painter_data::DatasetError>(())
//! ```

use crate::decode::{is_image_extension, load_rgb, DecodeLimits};
use crate::select::Subset;
use crate::standardize::{standardize, StandardizeMethod, DEFAULT_SIZE};
use crate::{Dataset, DatasetError, Sample};
use image::RgbImage;
use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;
use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

/// How a folder dataset reads its images.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FolderOptions {
    /// The side of the standardized square images (default 256).
    pub image_size: u32,
    /// How non-square images become squares (default [`StandardizeMethod::Pad`]).
    pub method: StandardizeMethod,
    /// Limits against oversized or malicious files.
    pub limits: DecodeLimits,
    /// Decode every image once when opening (in parallel), so an unreadable file is found at open time
    /// rather than when it is first read (default `false`).
    pub verify: bool,
    /// Skip unreadable images (listing them in `skipped`) instead of failing. Finding them requires
    /// decoding, so this implies [`FolderOptions::verify`] (default `false`).
    pub skip_unreadable: bool,
    /// Show a progress bar while verifying (drawn only on a terminal; default `true`).
    pub progress: bool,
}

impl Default for FolderOptions {
    fn default() -> Self {
        Self {
            image_size: DEFAULT_SIZE,
            method: StandardizeMethod::Pad,
            limits: DecodeLimits::default(),
            verify: false,
            skip_unreadable: false,
            progress: true,
        }
    }
}

impl FolderOptions {
    /// Checks the settings: `image_size` must be at least 1.
    pub fn validate(&self) -> Result<(), DatasetError> {
        if self.image_size == 0 {
            return Err(DatasetError::InvalidSetting(
                "image_size must be at least 1".into(),
            ));
        }
        Ok(())
    }

    /// These options with another image size.
    pub fn with_size(mut self, image_size: u32) -> Self {
        self.image_size = image_size;
        self
    }

    /// Reads one image file: decodes it within the limits and standardizes it. Errors name the file.
    pub fn load(&self, path: &Path) -> Result<RgbImage, DatasetError> {
        let image_err = |message: String| DatasetError::Image {
            path: path.to_path_buf(),
            message,
        };
        let raw = load_rgb(path, &self.limits).map_err(|e| image_err(e.to_string()))?;
        standardize(&raw, self.image_size, self.method).map_err(|e| image_err(e.to_string()))
    }
}

/// Why a file or folder under a dataset root was not used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SkipReason {
    /// The file's extension is not an image extension.
    NotAnImage,
    /// A file directly in the root of an [`ImageFolder`], outside every class folder.
    NotInClassFolder,
    /// A folder inside a class folder (class folders are read flat).
    NestedFolder,
    /// A hidden entry (name starting with `.`).
    Hidden,
    /// A symbolic link to a folder inside an [`UnlabeledFolder`] (not followed, to avoid cycles).
    FolderLink,
    /// An image that could not be decoded (only with [`FolderOptions::skip_unreadable`]).
    Unreadable(String),
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotAnImage => f.write_str("not an image (extension)"),
            Self::NotInClassFolder => f.write_str("a file outside the class folders"),
            Self::NestedFolder => f.write_str("a folder inside a class folder (not read)"),
            Self::Hidden => f.write_str("hidden"),
            Self::FolderLink => f.write_str("a link to a folder (not followed)"),
            Self::Unreadable(m) => write!(f, "unreadable image: {m}"),
        }
    }
}

/// A file or folder that was skipped, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedFile {
    /// Its path (the root joined with its relative path).
    pub path: PathBuf,
    /// Why it was skipped.
    pub reason: SkipReason,
}

/// A dataset whose samples are image files under a root folder: what the
/// [`PixelCache`](crate::cache::PixelCache) needs to fingerprint its sources.
pub trait FileDataset: Dataset {
    /// The root folder the sample paths lie under.
    fn root(&self) -> &Path;

    /// The file of sample `index`.
    fn path(&self, index: usize) -> Result<&Path, DatasetError>;

    /// How the files are decoded and standardized.
    fn options(&self) -> &FolderOptions;
}

impl<D: FileDataset + ?Sized> FileDataset for &D {
    fn root(&self) -> &Path {
        (**self).root()
    }
    fn path(&self, index: usize) -> Result<&Path, DatasetError> {
        (**self).path(index)
    }
    fn options(&self) -> &FolderOptions {
        (**self).options()
    }
}

impl<D: FileDataset + ?Sized> FileDataset for std::sync::Arc<D> {
    fn root(&self) -> &Path {
        (**self).root()
    }
    fn path(&self, index: usize) -> Result<&Path, DatasetError> {
        (**self).path(index)
    }
    fn options(&self) -> &FolderOptions {
        (**self).options()
    }
}

impl<D: FileDataset> FileDataset for Subset<D> {
    fn root(&self) -> &Path {
        self.parent().root()
    }
    fn path(&self, index: usize) -> Result<&Path, DatasetError> {
        self.parent().path(self.parent_index(index)?)
    }
    fn options(&self) -> &FolderOptions {
        self.parent().options()
    }
}

/// A labelled dataset laid out as `root/<class>/<image>` (the layout of `../shared/paintings`).
///
/// Classes are the sub-folders of `root`, sorted by name; label `k` is the `k`-th class. Within a
/// class, files are sorted by name and samples are numbered class by class. Class folders are read
/// flat (nested folders are skipped and reported). Hidden entries, files that are not images and
/// files directly in the root are skipped and listed in [`ImageFolder::skipped`].
#[derive(Debug, Clone)]
pub struct ImageFolder {
    root: PathBuf,
    options: FolderOptions,
    class_names: Vec<String>,
    files: Vec<PathBuf>,
    labels: Vec<usize>,
    skipped: Vec<SkippedFile>,
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> DatasetError + '_ {
    move |source| DatasetError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// The entries of a folder, sorted by file name.
fn sorted_entries(dir: &Path) -> Result<Vec<(String, PathBuf)>, DatasetError> {
    let mut entries = Vec::new();
    for entry in fs::read_dir(dir).map_err(io_err(dir))? {
        let entry = entry.map_err(io_err(dir))?;
        let name = entry.file_name();
        entries.push((name, entry.path()));
    }
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(entries
        .into_iter()
        .map(|(n, p)| (n.to_string_lossy().into_owned(), p))
        .collect())
}

fn check_root(root: &Path) -> Result<(), DatasetError> {
    if root.is_dir() {
        Ok(())
    } else {
        Err(DatasetError::MissingRoot(root.to_path_buf()))
    }
}

/// Decodes every file in parallel; returns, per file, `None` if readable or the error naming it.
fn verify_files(files: &[PathBuf], options: &FolderOptions) -> Vec<Option<DatasetError>> {
    let bar = if options.progress {
        ProgressBar::new(files.len() as u64)
    } else {
        ProgressBar::hidden()
    };
    if let Ok(style) = ProgressStyle::with_template(
        "verifying images {bar:40} {pos}/{len} [{elapsed_precise}<{eta_precise}]",
    ) {
        bar.set_style(style);
    }
    let out = files
        .par_iter()
        .map(|p| {
            let r = load_rgb(p, &options.limits)
                .err()
                .map(|e| DatasetError::Image {
                    path: p.clone(),
                    message: e.to_string(),
                });
            bar.inc(1);
            r
        })
        .collect();
    bar.finish_and_clear();
    out
}

/// Applies verification to `files` (and `labels`, kept in step): an unreadable file is an error, or
/// with `skip_unreadable` is removed and reported.
fn apply_verification(
    files: &mut Vec<PathBuf>,
    labels: &mut Option<&mut Vec<usize>>,
    skipped: &mut Vec<SkippedFile>,
    options: &FolderOptions,
) -> Result<(), DatasetError> {
    if !(options.verify || options.skip_unreadable) {
        return Ok(());
    }
    let results = verify_files(files, options);
    let mut keep_files = Vec::with_capacity(files.len());
    let mut keep_labels = Vec::with_capacity(files.len());
    for (i, (file, result)) in files.drain(..).zip(results).enumerate() {
        match result {
            None => {
                keep_files.push(file);
                if let Some(l) = labels.as_ref().and_then(|l| l.get(i)) {
                    keep_labels.push(*l);
                }
            }
            Some(err) if options.skip_unreadable => {
                let message = match err {
                    DatasetError::Image { message, .. } => message,
                    other => other.to_string(),
                };
                skipped.push(SkippedFile {
                    path: file,
                    reason: SkipReason::Unreadable(message),
                });
            }
            Some(err) => return Err(err),
        }
    }
    *files = keep_files;
    if let Some(l) = labels.as_mut() {
        **l = keep_labels;
    }
    Ok(())
}

impl ImageFolder {
    /// Lists `root/<class>/<image>`. Fails with [`DatasetError::MissingRoot`], with
    /// [`DatasetError::EmptyRoot`] when there is no class folder, with [`DatasetError::EmptyClass`]
    /// when a class folder holds no (readable) image, and — when verifying without
    /// `skip_unreadable` — with [`DatasetError::Image`] naming the first unreadable file.
    pub fn open(root: impl AsRef<Path>, options: FolderOptions) -> Result<Self, DatasetError> {
        options.validate()?;
        let root = root.as_ref().to_path_buf();
        check_root(&root)?;
        let mut class_names = Vec::new();
        let mut class_dirs = Vec::new();
        let mut skipped = Vec::new();
        for (name, path) in sorted_entries(&root)? {
            if name.starts_with('.') {
                skipped.push(SkippedFile {
                    path,
                    reason: SkipReason::Hidden,
                });
            } else if path.is_dir() {
                class_names.push(name);
                class_dirs.push(path);
            } else {
                skipped.push(SkippedFile {
                    path,
                    reason: SkipReason::NotInClassFolder,
                });
            }
        }
        if class_names.is_empty() {
            return Err(DatasetError::EmptyRoot(root));
        }
        let mut files = Vec::new();
        let mut labels = Vec::new();
        for (label, dir) in class_dirs.iter().enumerate() {
            for (name, path) in sorted_entries(dir)? {
                let reason = if name.starts_with('.') {
                    Some(SkipReason::Hidden)
                } else if path.is_dir() {
                    Some(SkipReason::NestedFolder)
                } else if !is_image_extension(&path) {
                    Some(SkipReason::NotAnImage)
                } else {
                    None
                };
                match reason {
                    Some(reason) => skipped.push(SkippedFile { path, reason }),
                    None => {
                        files.push(path);
                        labels.push(label);
                    }
                }
            }
        }
        apply_verification(&mut files, &mut Some(&mut labels), &mut skipped, &options)?;
        let mut counts = vec![0usize; class_names.len()];
        for &l in &labels {
            if let Some(c) = counts.get_mut(l) {
                *c += 1;
            }
        }
        for ((class, dir), count) in class_names.iter().zip(&class_dirs).zip(&counts) {
            if *count == 0 {
                return Err(DatasetError::EmptyClass {
                    class: class.clone(),
                    path: dir.clone(),
                });
            }
        }
        Ok(Self {
            root,
            options,
            class_names,
            files,
            labels,
            skipped,
        })
    }

    /// The root folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The options it was opened with.
    pub fn options(&self) -> &FolderOptions {
        &self.options
    }

    /// The file of sample `index`.
    pub fn path(&self, index: usize) -> Result<&Path, DatasetError> {
        self.files
            .get(index)
            .map(PathBuf::as_path)
            .ok_or(DatasetError::IndexOutOfRange {
                index,
                len: self.files.len(),
            })
    }

    /// The files of all samples, in sample order.
    pub fn paths(&self) -> &[PathBuf] {
        &self.files
    }

    /// The labels of all samples, in sample order.
    pub fn labels(&self) -> &[usize] {
        &self.labels
    }

    /// The number of samples of each class, indexed by label.
    pub fn class_counts(&self) -> Vec<usize> {
        let mut counts = vec![0usize; self.class_names.len()];
        for &l in &self.labels {
            if let Some(c) = counts.get_mut(l) {
                *c += 1;
            }
        }
        counts
    }

    /// The label of the class named `name`, if any.
    pub fn class_index(&self, name: &str) -> Option<usize> {
        self.class_names.iter().position(|c| c == name)
    }

    /// The files and folders that were skipped, with the reason.
    pub fn skipped(&self) -> &[SkippedFile] {
        &self.skipped
    }
}

impl Dataset for ImageFolder {
    fn len(&self) -> usize {
        self.files.len()
    }

    fn get(&self, index: usize) -> Result<Sample, DatasetError> {
        let image = self.options.load(self.path(index)?)?;
        Ok(Sample {
            image,
            label: self.labels.get(index).copied(),
        })
    }

    fn class_names(&self) -> &[String] {
        &self.class_names
    }

    fn label(&self, index: usize) -> Result<Option<usize>, DatasetError> {
        self.labels
            .get(index)
            .copied()
            .map(Some)
            .ok_or(DatasetError::IndexOutOfRange {
                index,
                len: self.labels.len(),
            })
    }

    fn image_size(&self) -> u32 {
        self.options.image_size
    }
}

impl FileDataset for ImageFolder {
    fn root(&self) -> &Path {
        &self.root
    }
    fn path(&self, index: usize) -> Result<&Path, DatasetError> {
        ImageFolder::path(self, index)
    }
    fn options(&self) -> &FolderOptions {
        &self.options
    }
}

/// Every image file under a root, searched **recursively**, without labels (for autoencoder
/// pretraining on e.g. `../shared/paintings-unlabeled`).
///
/// Files are ordered by their path relative to the root (folder by folder, names sorted). Hidden
/// entries and files that are not images are skipped and reported; symbolic links to folders are not
/// followed (reported), links to files are.
#[derive(Debug, Clone)]
pub struct UnlabeledFolder {
    root: PathBuf,
    options: FolderOptions,
    files: Vec<PathBuf>,
    skipped: Vec<SkippedFile>,
}

impl UnlabeledFolder {
    /// Lists every image under `root`. Fails with [`DatasetError::MissingRoot`], with
    /// [`DatasetError::EmptyRoot`] when no (readable) image is found, and — when verifying without
    /// `skip_unreadable` — with [`DatasetError::Image`] naming the first unreadable file.
    pub fn open(root: impl AsRef<Path>, options: FolderOptions) -> Result<Self, DatasetError> {
        options.validate()?;
        let root = root.as_ref().to_path_buf();
        check_root(&root)?;
        let mut files = Vec::new();
        let mut skipped = Vec::new();
        // Depth-first over sorted entries gives files ordered by relative path components.
        let mut stack = vec![root.clone()];
        while let Some(dir) = stack.pop() {
            let mut subdirs = Vec::new();
            for (name, path) in sorted_entries(&dir)? {
                let link = fs::symlink_metadata(&path)
                    .map(|m| m.file_type().is_symlink())
                    .unwrap_or(false);
                if name.starts_with('.') {
                    skipped.push(SkippedFile {
                        path,
                        reason: SkipReason::Hidden,
                    });
                } else if path.is_dir() {
                    if link {
                        skipped.push(SkippedFile {
                            path,
                            reason: SkipReason::FolderLink,
                        });
                    } else {
                        subdirs.push(path);
                    }
                } else if is_image_extension(&path) {
                    files.push(path);
                } else {
                    skipped.push(SkippedFile {
                        path,
                        reason: SkipReason::NotAnImage,
                    });
                }
            }
            // Pushed in reverse so the first sub-folder is visited next.
            stack.extend(subdirs.into_iter().rev());
        }
        // Interleaving files of a folder with its sub-folders' files: order by relative path.
        files.sort_by(|a, b| a.components().cmp(b.components()));
        apply_verification(&mut files, &mut None, &mut skipped, &options)?;
        if files.is_empty() {
            return Err(DatasetError::EmptyRoot(root));
        }
        Ok(Self {
            root,
            options,
            files,
            skipped,
        })
    }

    /// The root folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The options it was opened with.
    pub fn options(&self) -> &FolderOptions {
        &self.options
    }

    /// The file of sample `index`.
    pub fn path(&self, index: usize) -> Result<&Path, DatasetError> {
        self.files
            .get(index)
            .map(PathBuf::as_path)
            .ok_or(DatasetError::IndexOutOfRange {
                index,
                len: self.files.len(),
            })
    }

    /// The files of all samples, in sample order.
    pub fn paths(&self) -> &[PathBuf] {
        &self.files
    }

    /// The files and folders that were skipped, with the reason.
    pub fn skipped(&self) -> &[SkippedFile] {
        &self.skipped
    }
}

impl Dataset for UnlabeledFolder {
    fn len(&self) -> usize {
        self.files.len()
    }

    fn get(&self, index: usize) -> Result<Sample, DatasetError> {
        Ok(Sample {
            image: self.options.load(self.path(index)?)?,
            label: None,
        })
    }

    fn class_names(&self) -> &[String] {
        &[]
    }

    fn label(&self, index: usize) -> Result<Option<usize>, DatasetError> {
        if index < self.files.len() {
            Ok(None)
        } else {
            Err(DatasetError::IndexOutOfRange {
                index,
                len: self.files.len(),
            })
        }
    }

    fn image_size(&self) -> u32 {
        self.options.image_size
    }
}

impl FileDataset for UnlabeledFolder {
    fn root(&self) -> &Path {
        &self.root
    }
    fn path(&self, index: usize) -> Result<&Path, DatasetError> {
        UnlabeledFolder::path(self, index)
    }
    fn options(&self) -> &FolderOptions {
        &self.options
    }
}
