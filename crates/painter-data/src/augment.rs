//! Data augmentation: the paper's pixel dropout, horizontal flips and random resized crops.
//!
//! Every augmentation is *keyed*: its random choices are a pure function of
//! `(seed, epoch, dataset index)`, drawn from a [`ChaCha8Rng`] seeded with those three numbers. The
//! result therefore does not depend on batch order, batch size or the number of threads, and an
//! epoch can be replayed exactly; a new epoch draws new choices.
//!
//! ```
//! use image::{Rgb, RgbImage};
//! use painter_data::augment::{Augmentation, PixelDropout};
//!
//! let dropout = PixelDropout::new(0.2, 7).unwrap();
//! let img = RgbImage::from_pixel(10, 10, Rgb([200, 100, 50]));
//! let out = dropout.apply(img, 3, 0).unwrap();
//! let zeroed = out.pixels().filter(|p| p.0 == [0, 0, 0]).count();
//! assert_eq!(zeroed, 20); // exactly round(0.2 * 10 * 10)
//! assert!(PixelDropout::new(1.0, 7).is_err()); // fraction must lie in [0, 1)
//! ```

use crate::standardize::resize_lanczos;
use crate::{BatchError, ImageBatch};
use candle_core::Tensor;
use image::RgbImage;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

/// Errors raised by augmentations: invalid hyperparameters or a batch that cannot be augmented.
#[derive(Debug, thiserror::Error)]
pub enum AugmentError {
    /// A hyperparameter is outside its valid range.
    #[error("invalid augmentation parameter `{name}` = {value}: expected {expected}")]
    InvalidParameter {
        /// The parameter's name.
        name: &'static str,
        /// The value given.
        value: f64,
        /// The valid range, in words.
        expected: &'static str,
    },
    /// The number of dataset indices given does not match the batch size.
    #[error("{indices} dataset indices given for a batch of {images} images")]
    IndexCount {
        /// Number of indices given.
        indices: usize,
        /// Number of images in the batch.
        images: usize,
    },
    /// Resampling a crop failed.
    #[error("resampling failed: {0}")]
    Resize(String),
    /// Building the augmented batch failed.
    #[error(transparent)]
    Batch(#[from] BatchError),
    /// A tensor operation failed.
    #[error(transparent)]
    Candle(#[from] candle_core::Error),
}

/// `Ok` if `ok`, else [`AugmentError::InvalidParameter`] naming the parameter, its value and
/// what it must be.
fn check_parameter(
    name: &'static str,
    value: f64,
    ok: bool,
    expected: &'static str,
) -> Result<(), AugmentError> {
    if ok {
        Ok(())
    } else {
        Err(AugmentError::InvalidParameter {
            name,
            value,
            expected,
        })
    }
}

/// A per-sample image augmentation, keyed by the sample's dataset index and the epoch.
///
/// Implemented by [`PixelDropout`], [`HorizontalFlip`], [`RandomCrop`], [`Compose`] and by any closure
/// `Fn(RgbImage, usize, u64) -> Result<RgbImage, AugmentError> + Send + Sync`, so a
/// [`Batcher`](crate::batcher::Batcher) hook can be any of them.
pub trait Augmentation: Send + Sync {
    /// Augments `image`, sample `index` of the dataset, for epoch `epoch`.
    fn apply(&self, image: RgbImage, index: usize, epoch: u64) -> Result<RgbImage, AugmentError>;
}

impl<F> Augmentation for F
where
    F: Fn(RgbImage, usize, u64) -> Result<RgbImage, AugmentError> + Send + Sync,
{
    fn apply(&self, image: RgbImage, index: usize, epoch: u64) -> Result<RgbImage, AugmentError> {
        self(image, index, epoch)
    }
}

/// Stream numbers that keep the random choices of different augmentations independent.
const STREAM_DROPOUT: u64 = 0x6472_6f70; // "drop"
const STREAM_FLIP: u64 = 0x666c_6970; // "flip"
const STREAM_CROP: u64 = 0x6372_6f70; // "crop"

/// A ChaCha8 generator whose 256-bit seed is `(seed, epoch, index, stream)`, little-endian: distinct
/// keys give unrelated streams, equal keys give identical streams.
pub(crate) fn keyed_rng(seed: u64, epoch: u64, index: u64, stream: u64) -> ChaCha8Rng {
    let mut key = [0u8; 32];
    key[0..8].copy_from_slice(&seed.to_le_bytes());
    key[8..16].copy_from_slice(&epoch.to_le_bytes());
    key[16..24].copy_from_slice(&index.to_le_bytes());
    key[24..32].copy_from_slice(&stream.to_le_bytes());
    ChaCha8Rng::from_seed(key)
}

/// The paper's pixel dropout: a fresh random `fraction` of the pixels of every image is set to zero
/// in all three channels, with no rescaling of the others.
///
/// Exactly `round(fraction * H * W)` distinct pixels are dropped; which ones is a pure function of
/// `(seed, epoch, dataset index)` (and the image size), so every epoch sees a new mask and a replay
/// sees the same one.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PixelDropout {
    fraction: f64,
    seed: u64,
}

impl PixelDropout {
    /// A dropout of `fraction` of the pixels (in `[0, 1)`; the paper uses `0.2`), keyed by `seed`.
    pub fn new(fraction: f64, seed: u64) -> Result<Self, AugmentError> {
        let ok = (0.0..1.0).contains(&fraction);
        check_parameter("fraction", fraction, ok, "a number in [0, 1)")?;
        Ok(Self { fraction, seed })
    }

    /// The fraction of pixels dropped.
    pub fn fraction(&self) -> f64 {
        self.fraction
    }

    /// The seed.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// How many pixels are dropped in a `width x height` image: `round(fraction * width * height)`.
    pub fn count(&self, width: u32, height: u32) -> usize {
        let n = width as usize * height as usize;
        ((self.fraction * n as f64).round() as usize).min(n)
    }

    /// The dropped pixels of a `width x height` image, as row-major pixel indices (`y * width + x`),
    /// sorted ascending, for sample `index` in epoch `epoch`.
    pub fn dropped_pixels(&self, width: u32, height: u32, index: usize, epoch: u64) -> Vec<usize> {
        let n = width as usize * height as usize;
        let k = self.count(width, height);
        let mut rng = keyed_rng(self.seed, epoch, index as u64, STREAM_DROPOUT);
        let mut picked = rand::seq::index::sample(&mut rng, n, k).into_vec();
        picked.sort_unstable();
        picked
    }

    /// The keep-mask of a `width x height` image: `true` where the pixel survives.
    pub fn keep_mask(&self, width: u32, height: u32, index: usize, epoch: u64) -> Vec<bool> {
        let mut mask = vec![true; width as usize * height as usize];
        for p in self.dropped_pixels(width, height, index, epoch) {
            if let Some(m) = mask.get_mut(p) {
                *m = false;
            }
        }
        mask
    }

    /// Zeroes the dropped pixels of `image` in place.
    pub fn apply_in_place(&self, image: &mut RgbImage, index: usize, epoch: u64) {
        let (w, h) = image.dimensions();
        let raw: &mut [u8] = image.as_mut();
        for p in self.dropped_pixels(w, h, index, epoch) {
            if let Some(px) = raw.get_mut(3 * p..3 * p + 3) {
                px.fill(0);
            }
        }
    }

    /// Applies the dropout to every image of `batch`, whose images are samples `indices` of the
    /// dataset, for epoch `epoch`; returns a new batch (same labels, same device).
    ///
    /// The result equals applying [`Augmentation::apply`] to each image before batching.
    pub fn apply_batch(
        &self,
        batch: &ImageBatch,
        indices: &[usize],
        epoch: u64,
    ) -> Result<ImageBatch, AugmentError> {
        if indices.len() != batch.len() {
            return Err(AugmentError::IndexCount {
                indices: indices.len(),
                images: batch.len(),
            });
        }
        let (h, w) = (batch.height(), batch.width());
        let plane = h * w;
        let mut mask = vec![1f32; indices.len() * plane];
        mask.par_chunks_mut(plane.max(1))
            .zip(indices.par_iter())
            .for_each(|(m, &index)| {
                for p in self.dropped_pixels(w as u32, h as u32, index, epoch) {
                    if let Some(v) = m.get_mut(p) {
                        *v = 0.0;
                    }
                }
            });
        let images = batch.images();
        let mask = Tensor::from_vec(mask, (indices.len(), 1, h, w), images.device())?;
        let out = images.broadcast_mul(&mask)?;
        Ok(ImageBatch::new(out, batch.labels().map(<[u32]>::to_vec))?)
    }
}

impl Augmentation for PixelDropout {
    fn apply(&self, image: RgbImage, index: usize, epoch: u64) -> Result<RgbImage, AugmentError> {
        let mut image = image;
        self.apply_in_place(&mut image, index, epoch);
        Ok(image)
    }
}

/// Mirrors an image left-right with probability `p`, decided per `(seed, epoch, index)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HorizontalFlip {
    p: f64,
    seed: u64,
}

impl HorizontalFlip {
    /// A flip with probability `p` (in `[0, 1]`), keyed by `seed`.
    pub fn new(p: f64, seed: u64) -> Result<Self, AugmentError> {
        check_parameter("p", p, (0.0..=1.0).contains(&p), "a probability in [0, 1]")?;
        Ok(Self { p, seed })
    }

    /// The flip probability.
    pub fn probability(&self) -> f64 {
        self.p
    }

    /// Whether sample `index` is flipped in epoch `epoch`.
    pub fn flips(&self, index: usize, epoch: u64) -> bool {
        keyed_rng(self.seed, epoch, index as u64, STREAM_FLIP).random_bool(self.p)
    }
}

impl Augmentation for HorizontalFlip {
    fn apply(&self, image: RgbImage, index: usize, epoch: u64) -> Result<RgbImage, AugmentError> {
        let mut image = image;
        if self.flips(index, epoch) {
            image::imageops::flip_horizontal_in_place(&mut image);
        }
        Ok(image)
    }
}

/// A random window of an image, resized back to the image's size ("random resized crop").
///
/// For an image of `W x H`, a side fraction `s` is drawn uniformly from `[min_scale, max_scale]`; the
/// window is `round(s * W) x round(s * H)` (at least 1 pixel) at a uniformly random position inside
/// the image, and is resampled back to `W x H` with the Lanczos3 resampler of standardization
/// ([`resize_lanczos`]). The window keeps the image's aspect ratio, so a square
/// standardized image stays undistorted. `max_scale = 1` allows the whole image.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RandomCrop {
    min_scale: f64,
    max_scale: f64,
    seed: u64,
}

/// A crop window: left, top, width, height in pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CropWindow {
    /// Left column.
    pub x: u32,
    /// Top row.
    pub y: u32,
    /// Width.
    pub width: u32,
    /// Height.
    pub height: u32,
}

impl RandomCrop {
    /// A crop whose side fraction is drawn from `[min_scale, max_scale]`, with
    /// `0 < min_scale <= max_scale <= 1`, keyed by `seed`.
    pub fn new(min_scale: f64, max_scale: f64, seed: u64) -> Result<Self, AugmentError> {
        let ok = min_scale > 0.0 && min_scale <= 1.0;
        check_parameter("min_scale", min_scale, ok, "a side fraction in (0, 1]")?;
        let ok = max_scale >= min_scale && max_scale <= 1.0;
        check_parameter(
            "max_scale",
            max_scale,
            ok,
            "a side fraction in [min_scale, 1]",
        )?;
        Ok(Self {
            min_scale,
            max_scale,
            seed,
        })
    }

    /// The window cut from a `width x height` image for sample `index` in epoch `epoch`.
    pub fn window(&self, width: u32, height: u32, index: usize, epoch: u64) -> CropWindow {
        let mut rng = keyed_rng(self.seed, epoch, index as u64, STREAM_CROP);
        let s = if self.max_scale > self.min_scale {
            rng.random_range(self.min_scale..=self.max_scale)
        } else {
            self.min_scale
        };
        let cw = ((s * width as f64).round() as u32).clamp(1.min(width), width);
        let ch = ((s * height as f64).round() as u32).clamp(1.min(height), height);
        let x = rng.random_range(0..=width - cw);
        let y = rng.random_range(0..=height - ch);
        CropWindow {
            x,
            y,
            width: cw,
            height: ch,
        }
    }
}

impl Augmentation for RandomCrop {
    fn apply(&self, image: RgbImage, index: usize, epoch: u64) -> Result<RgbImage, AugmentError> {
        let (w, h) = image.dimensions();
        if w == 0 || h == 0 {
            return Ok(image);
        }
        let win = self.window(w, h, index, epoch);
        if (win.width, win.height) == (w, h) {
            return Ok(image);
        }
        let window =
            image::imageops::crop_imm(&image, win.x, win.y, win.width, win.height).to_image();
        let out = resize_lanczos(&window, w, h).map_err(|e| AugmentError::Resize(e.to_string()))?;
        Ok(out)
    }
}

/// A sequence of augmentations applied in order.
#[derive(Default)]
pub struct Compose {
    steps: Vec<Box<dyn Augmentation>>,
}

impl Compose {
    /// An empty pipeline (the identity).
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends a step.
    pub fn then<A: Augmentation + 'static>(mut self, step: A) -> Self {
        self.steps.push(Box::new(step));
        self
    }

    /// The number of steps.
    pub fn len(&self) -> usize {
        self.steps.len()
    }

    /// Whether the pipeline has no step.
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }
}

impl std::fmt::Debug for Compose {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Compose")
            .field("steps", &self.steps.len())
            .finish()
    }
}

impl Augmentation for Compose {
    fn apply(
        &self,
        mut image: RgbImage,
        index: usize,
        epoch: u64,
    ) -> Result<RgbImage, AugmentError> {
        for step in &self.steps {
            image = step.apply(image, index, epoch)?;
        }
        Ok(image)
    }
}
