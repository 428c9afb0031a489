//! Datasets read from folders of image files: [`ImageFolder`] (`root/<class>/<image>`, labelled) and
//! [`UnlabeledFolder`] (every image under a root, for autoencoder pretraining), two layouts of one
//! [`Folder`].
//!
//! Files are listed when the dataset is opened; pixels are decoded (and standardized to a square)
//! only when a sample is read. Files that are not images are skipped and reported in
//! [`Folder::skipped`]. Whether every image can be read is found by decoding it: the
//! [`PixelCache`](crate::cache::PixelCache) does that once for every file and names all the
//! unreadable ones.
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

use crate::dataset::{at_least_one, item};
use crate::decode::{is_image_extension, load_rgb, DecodeLimits};
use crate::select::Subset;
use crate::standardize::{standardize, StandardizeMethod, DEFAULT_SIZE};
use crate::{Dataset, DatasetError, Sample};
use image::RgbImage;
use painter_io::FileError;
use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// How a folder dataset reads its images.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FolderOptions {
    /// The side of the standardized square images (default 256).
    pub image_size: u32,
    /// How non-square images become squares (default [`StandardizeMethod::Pad`]).
    pub method: StandardizeMethod,
    /// Limits against oversized or malicious files.
    pub limits: DecodeLimits,
}

impl Default for FolderOptions {
    fn default() -> Self {
        Self {
            image_size: DEFAULT_SIZE,
            method: StandardizeMethod::Pad,
            limits: DecodeLimits::default(),
        }
    }
}

impl FolderOptions {
    /// Checks the settings: `image_size` must be at least 1.
    pub fn validate(&self) -> Result<(), DatasetError> {
        at_least_one("image_size", u64::from(self.image_size))
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

/// Why a file or folder under a dataset root was not listed.
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
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::NotAnImage => "not an image (extension)",
            Self::NotInClassFolder => "a file outside the class folders",
            Self::NestedFolder => "a folder inside a class folder (not read)",
            Self::Hidden => "hidden",
            Self::FolderLink => "a link to a folder (not followed)",
        })
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

impl fmt::Display for SkippedFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.reason)
    }
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

/// Implements [`FileDataset`] for references and shared pointers to file datasets.
macro_rules! forward_file_dataset {
    ($($pointer:ty),+) => {$(
        impl<D: FileDataset + ?Sized> FileDataset for $pointer {
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
    )+};
}

forward_file_dataset!(&D, Arc<D>);

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

/// How a folder's files are laid out: what [`Folder`] needs to know of its classes.
pub trait Layout: fmt::Debug + Clone + Send + Sync {
    /// The class names, indexed by label (empty when unlabeled).
    fn class_names(&self) -> &[String];

    /// The label of file `index` (`None` when unlabeled); `index` is in range.
    fn label(&self, index: usize) -> Option<usize>;
}

/// `root/<class>/<image>`: one folder per class, read flat.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Classes {
    names: Vec<String>,
    labels: Vec<usize>,
}

impl Layout for Classes {
    fn class_names(&self) -> &[String] {
        &self.names
    }
    fn label(&self, index: usize) -> Option<usize> {
        self.labels.get(index).copied()
    }
}

/// Every image under the root, searched recursively, without labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unlabeled;

impl Layout for Unlabeled {
    fn class_names(&self) -> &[String] {
        &[]
    }
    fn label(&self, _: usize) -> Option<usize> {
        None
    }
}

/// A dataset of the image files under a root folder, laid out as `L` says.
#[derive(Debug, Clone)]
pub struct Folder<L> {
    root: PathBuf,
    options: FolderOptions,
    files: Vec<PathBuf>,
    skipped: Vec<SkippedFile>,
    layout: L,
}

/// A labelled dataset laid out as `root/<class>/<image>` (the layout of `../shared/paintings`).
///
/// Classes are the sub-folders of `root`, sorted by name; label `k` is the `k`-th class. Within a
/// class, files are sorted by name and samples are numbered class by class. Class folders are read
/// flat (nested folders are skipped and reported). Hidden entries, files that are not images and
/// files directly in the root are skipped and listed in [`Folder::skipped`].
pub type ImageFolder = Folder<Classes>;

/// Every image file under a root, searched **recursively**, without labels (for autoencoder
/// pretraining on e.g. `../shared/paintings-unlabeled`).
///
/// Files are ordered by their path relative to the root (folder by folder, names sorted). Hidden
/// entries and files that are not images are skipped and reported; symbolic links to folders are not
/// followed (reported), links to files are.
pub type UnlabeledFolder = Folder<Unlabeled>;

/// The entries of a folder, sorted by file name.
fn sorted_entries(dir: &Path) -> Result<Vec<(String, PathBuf)>, DatasetError> {
    let mut entries = Vec::new();
    for entry in fs::read_dir(dir).map_err(FileError::at(dir))? {
        let entry = entry.map_err(FileError::at(dir))?;
        let name = entry.file_name();
        entries.push((name, entry.path()));
    }
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(entries
        .into_iter()
        .map(|(n, p)| (n.to_string_lossy().into_owned(), p))
        .collect())
}

/// The options checked and the root, which must be a folder.
fn checked_root(root: &Path, options: &FolderOptions) -> Result<PathBuf, DatasetError> {
    options.validate()?;
    if root.is_dir() {
        Ok(root.to_path_buf())
    } else {
        Err(DatasetError::MissingRoot(root.to_path_buf()))
    }
}

impl<L: Layout> Folder<L> {
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
        item(&self.files, index).map(PathBuf::as_path)
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

impl ImageFolder {
    /// Lists `root/<class>/<image>`. Fails with [`DatasetError::MissingRoot`], with
    /// [`DatasetError::EmptyRoot`] when there is no class folder, and with
    /// [`DatasetError::EmptyClass`] when a class folder holds no image file.
    pub fn open(root: impl AsRef<Path>, options: FolderOptions) -> Result<Self, DatasetError> {
        let root = checked_root(root.as_ref(), &options)?;
        let mut names = Vec::new();
        let mut class_dirs = Vec::new();
        let mut skipped = Vec::new();
        for (name, path) in sorted_entries(&root)? {
            if name.starts_with('.') {
                skipped.push(SkippedFile {
                    path,
                    reason: SkipReason::Hidden,
                });
            } else if path.is_dir() {
                names.push(name);
                class_dirs.push(path);
            } else {
                skipped.push(SkippedFile {
                    path,
                    reason: SkipReason::NotInClassFolder,
                });
            }
        }
        if names.is_empty() {
            return Err(DatasetError::EmptyRoot(root));
        }
        let mut files = Vec::new();
        let mut labels = Vec::new();
        for (label, dir) in class_dirs.iter().enumerate() {
            let before = files.len();
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
            if files.len() == before {
                return Err(DatasetError::EmptyClass {
                    class: names[label].clone(),
                    path: dir.clone(),
                });
            }
        }
        Ok(Self {
            root,
            options,
            files,
            skipped,
            layout: Classes { names, labels },
        })
    }

    /// The labels of all samples, in sample order.
    pub fn labels(&self) -> &[usize] {
        &self.layout.labels
    }

    /// The number of samples of each class, indexed by label.
    pub fn class_counts(&self) -> Vec<usize> {
        let mut counts = vec![0usize; self.layout.names.len()];
        for &l in &self.layout.labels {
            if let Some(c) = counts.get_mut(l) {
                *c += 1;
            }
        }
        counts
    }

    /// The label of the class named `name`, if any.
    pub fn class_index(&self, name: &str) -> Option<usize> {
        self.layout.names.iter().position(|c| c == name)
    }
}

impl UnlabeledFolder {
    /// Lists every image under `root`. Fails with [`DatasetError::MissingRoot`], and with
    /// [`DatasetError::EmptyRoot`] when no image file is found.
    pub fn open(root: impl AsRef<Path>, options: FolderOptions) -> Result<Self, DatasetError> {
        let root = checked_root(root.as_ref(), &options)?;
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
        if files.is_empty() {
            return Err(DatasetError::EmptyRoot(root));
        }
        Ok(Self {
            root,
            options,
            files,
            skipped,
            layout: Unlabeled,
        })
    }
}

impl<L: Layout> Dataset for Folder<L> {
    fn len(&self) -> usize {
        self.files.len()
    }

    fn get(&self, index: usize) -> Result<Sample, DatasetError> {
        Ok(Sample {
            image: self.options.load(self.path(index)?)?,
            label: self.layout.label(index),
        })
    }

    fn class_names(&self) -> &[String] {
        self.layout.class_names()
    }

    fn label(&self, index: usize) -> Result<Option<usize>, DatasetError> {
        self.path(index)?;
        Ok(self.layout.label(index))
    }

    fn image_size(&self) -> u32 {
        self.options.image_size
    }
}

impl<L: Layout> FileDataset for Folder<L> {
    fn root(&self) -> &Path {
        &self.root
    }
    fn path(&self, index: usize) -> Result<&Path, DatasetError> {
        Folder::path(self, index)
    }
    fn options(&self) -> &FolderOptions {
        &self.options
    }
}
