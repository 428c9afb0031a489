//! Synthetic painters: the built-in default data.
//!
//! [`SyntheticPainters`] deterministically renders "paintings" by up to eight synthetic painters.
//! Like real painters, they share their colours and differ in their hand: every painting draws
//! its few colours from one pool of pigments shared by all painters, whoever paints it, so a
//! painting's colours (its colour histogram) say little about its painter. What tells them apart
//! is how they paint (brushwork, edges, surface) and, less visibly, how they compose.
//!
//! Every painting is laid in from its composition (sky and ground meeting at a horizon, a few
//! soft masses) and then painted over in the painter's hand. Each painter's habits are ranges;
//! every painting draws its own values in them (its horizon, its masses and where they stand, its
//! marks a little larger or denser than usual, its stroke angle), so paintings by one painter
//! vary as a painter's work does.
//!
//! | painter | brushwork | edges, surface | composition |
//! |---|---|---|---|
//! | `synthetic-impasto` | short (5-10% of the side), thick (3.5-5.5%) straight strokes, each its own way, heavy bristle lines | hard edges; impasto relief at stroke scale, coarse grain | low horizon, one or two masses in the centre |
//! | `synthetic-pointillist` | dense round dabs (3-5%) of nearly pure palette colour, no direction | hard edges; faint grain | horizon at mid height, two or three masses on the thirds |
//! | `synthetic-watercolor` | few broad (10-20%) translucent washes, long and gently curved, roughly horizontal | very soft edges; broad blooms, paper grain | high horizon, scattered masses |
//! | `synthetic-hatching` | many thin (1.2-2%) parallel strokes at about 45 degrees, denser in the darks, crossed at right angles there | hard edges; grain | horizon near mid height, masses mirrored about the vertical axis |
//! | `synthetic-swirl` | long (14-26%) thin strokes that turn with the flow around one to three vortices | slightly soft edges, bristle lines; mild relief | scattered masses, tilted horizon |
//! | `synthetic-contour` | medium strokes (6-12%) that follow the contours of the forms beneath them | bristle lines; relief | masses along a diagonal |
//! | `synthetic-feathery` | short curved commas (3-6%), half transparent, rising to the right with much spread | soft edges; faint blooms | high horizon, masses on the thirds |
//! | `synthetic-faceted` | wide (5-9%) flat straight planes with square ends, along two to four directions per painting | hard edges, no bristle | masses in the centre, level horizon |
//!
//! An image is a pure function of `(seed, painter, index, size)` and of the generator's
//! [`GENERATOR_VERSION`]; [`SyntheticPainters::generate`] renders in parallel.
//! [`SyntheticPainters::write_image_folder`] writes `root/<painter>/<painter>_<nnn>.png` readable
//! by the image-folder dataset, and [`SyntheticUnlabeled`] mixes painters for autoencoder
//! pretraining.
//!
//! ```
//! use painter_data::synthetic::SyntheticPainters;
//! use painter_data::Dataset;
//!
//! let data = SyntheticPainters::new(4, 10, 64, 7).unwrap();
//! assert_eq!(data.len(), 40);
//! let a = data.render(2, 3).unwrap();
//! assert_eq!(a.dimensions(), (64, 64));
//! assert_eq!(a, data.render(2, 3).unwrap()); // deterministic
//! assert_eq!(data.class_names()[0], "synthetic-impasto");
//! ```

mod canvas;
mod composition;
pub(crate) mod error;
mod hand;
mod painters;
mod painting;
mod palette;

use crate::dataset::{checked_index, Dataset, DatasetError, Sample};
use canvas::{mix64, Canvas};
pub use error::SyntheticError;
use image::{ImageFormat, RgbImage};
use painter_io::write_atomic;
use painters::PAINTERS;
use painting::Painting;
use palette::Palette;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use std::path::{Path, PathBuf};

/// The number of built-in painters (the most a [`SyntheticPainters`] can have).
pub const MAX_PAINTERS: usize = PAINTERS.len();

/// The version of the generator: it changes whenever the same settings render other pixels, so
/// that caches keyed by [`SyntheticPainters::cache_key`] are rebuilt.
pub const GENERATOR_VERSION: u32 = 2;

/// The smallest image side accepted.
pub const MIN_SIZE: u32 = 8;

/// The largest image side accepted.
pub const MAX_SIZE: u32 = 2048;

/// The names of the built-in painters, in label order (`synthetic-impasto`, ...).
pub fn painter_names() -> Vec<&'static str> {
    PAINTERS.iter().map(|p| p.name).collect()
}

/// Renders one image: a pure function of its arguments. `stream` separates the labelled and the
/// unlabeled sets so they never share an image.
fn render_raw(seed: u64, stream: u64, painter: usize, index: usize, size: u32) -> RgbImage {
    let key = mix64(mix64(mix64(seed ^ mix64(stream)) ^ painter as u64) ^ index as u64);
    let mut rng = ChaCha8Rng::seed_from_u64(key);
    let painter = &PAINTERS[painter % MAX_PAINTERS];
    let palette = Palette::draw(&mut rng);
    let s = size as usize;
    let mut painting = Painting {
        canvas: Canvas::new(s, s, [128.0; 3]),
        palette,
        rng,
        key,
    };
    painter.composition.underpaint(&mut painting);
    painter.hand.paint(&mut painting);
    painter.surface.apply(&mut painting);
    painting.canvas.to_image()
}

/// Checks the settings shared by both datasets: `1 <= painters <= MAX_PAINTERS`, `images >= 1`,
/// `MIN_SIZE <= size <= MAX_SIZE`.
fn check_settings(painters: usize, images: usize, size: u32) -> Result<(), SyntheticError> {
    if painters == 0 || painters > MAX_PAINTERS {
        return Err(SyntheticError::Painters {
            got: painters,
            max: MAX_PAINTERS,
        });
    }
    if images == 0 {
        return Err(SyntheticError::NoImages);
    }
    if !(MIN_SIZE..=MAX_SIZE).contains(&size) {
        return Err(SyntheticError::Size {
            got: size,
            min: MIN_SIZE,
            max: MAX_SIZE,
        });
    }
    Ok(())
}

/// `Ok` if `index` is below `len`, else [`SyntheticError::IndexOutOfRange`].
fn check_index(index: usize, len: usize) -> Result<(), SyntheticError> {
    if index < len {
        Ok(())
    } else {
        Err(SyntheticError::IndexOutOfRange { index, len })
    }
}

/// A labelled synthetic dataset: `painters x per_painter` square images of side `size`.
///
/// Sample `i` is image `i % per_painter` of painter `i / per_painter` (label = painter).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntheticPainters {
    painters: usize,
    per_painter: usize,
    size: u32,
    seed: u64,
    names: Vec<String>,
}

impl SyntheticPainters {
    /// Validates the settings: `1 <= painters <= MAX_PAINTERS`, `per_painter >= 1`,
    /// `MIN_SIZE <= size <= MAX_SIZE`.
    pub fn new(
        painters: usize,
        per_painter: usize,
        size: u32,
        seed: u64,
    ) -> Result<Self, SyntheticError> {
        check_settings(painters, per_painter, size)?;
        if painters.checked_mul(per_painter).is_none() {
            return Err(SyntheticError::TooMany {
                painters,
                per_painter,
            });
        }
        let names = PAINTERS
            .iter()
            .take(painters)
            .map(|p| p.name.to_string())
            .collect();
        Ok(Self {
            painters,
            per_painter,
            size,
            seed,
            names,
        })
    }

    /// The number of painters (classes).
    pub fn painters(&self) -> usize {
        self.painters
    }

    /// Images per painter.
    pub fn per_painter(&self) -> usize {
        self.per_painter
    }

    /// The image side.
    pub fn size(&self) -> u32 {
        self.size
    }

    /// The seed.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// What its pixels depend on, for [`PixelCache::build_or_open_keyed`](crate::cache::PixelCache::build_or_open_keyed):
    /// the generator's version and every setting.
    pub fn cache_key(&self) -> String {
        format!(
            "synthetic painters v{GENERATOR_VERSION} painters={} per_painter={} size={} seed={}",
            self.painters, self.per_painter, self.size, self.seed
        )
    }

    /// Renders image `index` of `painter`. Deterministic in `(seed, painter, index, size)`; a few
    /// milliseconds for a 128-pixel image in a release build.
    pub fn render(&self, painter: usize, index: usize) -> Result<RgbImage, SyntheticError> {
        if painter >= self.painters {
            return Err(SyntheticError::PainterOutOfRange {
                painter,
                painters: self.painters,
            });
        }
        check_index(index, self.per_painter)?;
        Ok(render_raw(self.seed, 0, painter, index, self.size))
    }

    /// Renders every image in parallel, in sample order, with its label.
    pub fn generate(&self) -> Vec<(RgbImage, usize)> {
        (0..self.painters * self.per_painter)
            .into_par_iter()
            .map(|i| {
                let (p, k) = (i / self.per_painter, i % self.per_painter);
                (render_raw(self.seed, 0, p, k, self.size), p)
            })
            .collect()
    }

    /// An unlabeled companion set of `count` images mixing the same painters at the same size, drawn
    /// from a stream disjoint from the labelled images.
    pub fn unlabeled(&self, count: usize, seed: u64) -> Result<SyntheticUnlabeled, SyntheticError> {
        SyntheticUnlabeled::new(self.painters, count, self.size, seed)
    }

    /// Writes every image to `root/<painter>/<painter>_<nnn>.<ext>` (atomically, in parallel),
    /// returning the files written. `format` must be PNG, BMP, TIFF, WebP (lossless) or JPEG.
    pub fn write_image_folder(
        &self,
        root: &Path,
        format: ImageFormat,
    ) -> Result<Vec<PathBuf>, DatasetError> {
        let digits = digits(self.per_painter);
        write_rendered(self.len(), format, |i, ext| {
            let (p, k) = (i / self.per_painter, i % self.per_painter);
            let name = &self.names[p];
            let path = root.join(name).join(format!("{name}_{k:0digits$}.{ext}"));
            (path, render_raw(self.seed, 0, p, k, self.size))
        })
    }
}

/// The digits of image numbers in file names: enough for `n` images, at least 3.
fn digits(n: usize) -> usize {
    n.saturating_sub(1).to_string().len().max(3)
}

/// Renders `count` images in parallel and writes each (atomically) where `image(i, extension)`
/// says, returning the files written.
fn write_rendered(
    count: usize,
    format: ImageFormat,
    image: impl Fn(usize, &str) -> (PathBuf, RgbImage) + Sync,
) -> Result<Vec<PathBuf>, DatasetError> {
    let ext = match format {
        ImageFormat::Png => "png",
        ImageFormat::Jpeg => "jpg",
        ImageFormat::Bmp => "bmp",
        ImageFormat::Tiff => "tif",
        ImageFormat::WebP => "webp",
        other => return Err(SyntheticError::Format(other).into()),
    };
    (0..count)
        .into_par_iter()
        .map(|i| {
            let (path, img) = image(i, ext);
            let mut bytes = Vec::new();
            img.write_to(&mut std::io::Cursor::new(&mut bytes), format)
                .map_err(|e| DatasetError::Encode {
                    path: path.clone(),
                    message: e.to_string(),
                })?;
            write_atomic(&path, &bytes)?;
            Ok(path)
        })
        .collect()
}

impl Dataset for SyntheticPainters {
    fn len(&self) -> usize {
        self.painters * self.per_painter
    }

    fn get(&self, index: usize) -> Result<Sample, DatasetError> {
        let label = self.label(index)?;
        let (p, k) = (index / self.per_painter, index % self.per_painter);
        Ok(Sample {
            image: render_raw(self.seed, 0, p, k, self.size),
            label,
        })
    }

    fn class_names(&self) -> &[String] {
        &self.names
    }

    fn label(&self, index: usize) -> Result<Option<usize>, DatasetError> {
        checked_index(index, self.len()).map(|i| Some(i / self.per_painter))
    }

    fn image_size(&self) -> u32 {
        self.size
    }
}

/// An unlabeled synthetic dataset of `count` images mixing `painters` painters (for autoencoder
/// pretraining). Image `i`'s painter is a hash of `(seed, i)`, so the mix is balanced on average
/// and not periodic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntheticUnlabeled {
    painters: usize,
    count: usize,
    size: u32,
    seed: u64,
}

impl SyntheticUnlabeled {
    /// Validates the settings like [`SyntheticPainters::new`] (`count >= 1`).
    pub fn new(
        painters: usize,
        count: usize,
        size: u32,
        seed: u64,
    ) -> Result<Self, SyntheticError> {
        check_settings(painters, count, size)?;
        Ok(Self {
            painters,
            count,
            size,
            seed,
        })
    }

    /// What its pixels depend on, for [`PixelCache::build_or_open_keyed`](crate::cache::PixelCache::build_or_open_keyed):
    /// the generator's version and every setting.
    pub fn cache_key(&self) -> String {
        format!(
            "synthetic unlabeled v{GENERATOR_VERSION} painters={} count={} size={} seed={}",
            self.painters, self.count, self.size, self.seed
        )
    }

    /// The painter behind image `index` (known to the generator, hidden from the dataset).
    pub fn painter_of(&self, index: usize) -> usize {
        (mix64(self.seed ^ mix64(index as u64 ^ 0x5EED)) % self.painters as u64) as usize
    }

    /// Renders image `index`.
    pub fn render(&self, index: usize) -> Result<RgbImage, SyntheticError> {
        check_index(index, self.count)?;
        Ok(self.render_unchecked(index))
    }

    fn render_unchecked(&self, index: usize) -> RgbImage {
        render_raw(self.seed, 1, self.painter_of(index), index, self.size)
    }

    /// Writes every image to `root/unlabeled_<nnn>.<ext>` (atomically, in parallel).
    pub fn write_folder(
        &self,
        root: &Path,
        format: ImageFormat,
    ) -> Result<Vec<PathBuf>, DatasetError> {
        let digits = digits(self.count);
        write_rendered(self.count, format, |i, ext| {
            let path = root.join(format!("unlabeled_{i:0digits$}.{ext}"));
            (path, self.render_unchecked(i))
        })
    }
}

impl Dataset for SyntheticUnlabeled {
    fn len(&self) -> usize {
        self.count
    }

    fn get(&self, index: usize) -> Result<Sample, DatasetError> {
        Ok(Sample {
            label: self.label(index)?,
            image: self.render_unchecked(index),
        })
    }

    fn class_names(&self) -> &[String] {
        &[]
    }

    fn label(&self, index: usize) -> Result<Option<usize>, DatasetError> {
        checked_index(index, self.count).map(|_| None)
    }

    fn image_size(&self) -> u32 {
        self.size
    }
}
