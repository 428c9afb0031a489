//! [`SyntheticError`]: invalid synthetic-data settings, or an index past the images.

use image::ImageFormat;

/// Invalid synthetic-data settings, or an index past the images.
#[derive(Debug, thiserror::Error)]
pub enum SyntheticError {
    /// `painters` is zero or more than [`MAX_PAINTERS`](super::MAX_PAINTERS).
    #[error("painters must be in 1..={max}, got {got}")]
    Painters {
        /// The value given.
        got: usize,
        /// The largest accepted value.
        max: usize,
    },
    /// `per_painter` (or `count`) is zero.
    #[error("the number of images must be at least 1")]
    NoImages,
    /// The total number of images overflows.
    #[error("{painters} x {per_painter} images is too many")]
    TooMany {
        /// Painters.
        painters: usize,
        /// Images per painter.
        per_painter: usize,
    },
    /// The image size is outside [`MIN_SIZE`](super::MIN_SIZE)..=[`MAX_SIZE`](super::MAX_SIZE).
    #[error("image size must be in {min}..={max}, got {got}")]
    Size {
        /// The value given.
        got: u32,
        /// Smallest accepted.
        min: u32,
        /// Largest accepted.
        max: u32,
    },
    /// A painter index past the number of painters.
    #[error("painter {painter} out of range (0..{painters})")]
    PainterOutOfRange {
        /// The painter asked for.
        painter: usize,
        /// The number of painters.
        painters: usize,
    },
    /// An image index past the number of images.
    #[error("image index {index} out of range (0..{len})")]
    IndexOutOfRange {
        /// The index asked for.
        index: usize,
        /// The number of images.
        len: usize,
    },
    /// The output format cannot be written losslessly by this build (use PNG, BMP or TIFF; JPEG and
    /// WebP are accepted too, JPEG lossy).
    #[error("cannot write synthetic images as {0:?}")]
    Format(ImageFormat),
}
