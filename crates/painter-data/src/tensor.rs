//! Conversions between [`RgbImage`] and channel-first (`3 x H x W`) `f32` arrays or tensors in
//! `[0, 1]`, per-channel normalization, and an image grid for reconstruction figures.
//!
//! ```
//! use painter_data::tensor::{chw_to_image, image_to_chw, Normalization};
//!
//! let img = image::RgbImage::from_pixel(4, 2, image::Rgb([0, 128, 255]));
//! let mut x = image_to_chw(&img);
//! assert_eq!(x.dim(), (3, 2, 4));
//! let norm = Normalization::imagenet();
//! norm.apply(&mut x).unwrap();
//! norm.invert(&mut x).unwrap();
//! assert_eq!(chw_to_image(&x).unwrap(), img);
//! ```

use candle_core::{DType, Device, Tensor};
use image::RgbImage;
use ndarray::Array3;

/// Why a conversion or normalization failed.
#[derive(Debug, thiserror::Error)]
pub enum TensorError {
    /// The array or tensor does not have the expected shape.
    #[error("expected {expected}, got shape {got:?}")]
    Shape {
        /// What was expected, in words.
        expected: &'static str,
        /// The shape found.
        got: Vec<usize>,
    },
    /// A standard deviation is not a positive finite number.
    #[error("normalization std[{channel}] = {value} must be finite and > 0")]
    InvalidStd {
        /// The channel.
        channel: usize,
        /// The offending value.
        value: f32,
    },
    /// A mean is not finite.
    #[error("normalization mean[{channel}] = {value} must be finite")]
    InvalidMean {
        /// The channel.
        channel: usize,
        /// The offending value.
        value: f32,
    },
    /// A value to convert to pixels is NaN or infinite.
    #[error("cannot convert a non-finite value ({0}) to a pixel")]
    NonFinite(f32),
    /// The image is too large for the target representation.
    #[error("image of {width}x{height} is too large")]
    TooLarge {
        /// Width.
        width: usize,
        /// Height.
        height: usize,
    },
    /// An error from the tensor library.
    #[error(transparent)]
    Candle(#[from] candle_core::Error),
}

/// Per-channel normalization `x' = (x - mean) / std`, applied after scaling pixels to `[0, 1]`.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Normalization {
    /// Per-channel mean (R, G, B).
    pub mean: [f32; 3],
    /// Per-channel standard deviation (R, G, B); each must be finite and positive.
    pub std: [f32; 3],
}

impl Default for Normalization {
    /// The identity.
    fn default() -> Self {
        Self::identity()
    }
}

impl Normalization {
    /// Builds a normalization, checking that the means are finite and the stds finite and positive.
    pub fn new(mean: [f32; 3], std: [f32; 3]) -> Result<Self, TensorError> {
        let n = Self { mean, std };
        n.validate()?;
        Ok(n)
    }

    /// The ImageNet statistics (mean 0.485, 0.456, 0.406; std 0.229, 0.224, 0.225).
    pub fn imagenet() -> Self {
        Self {
            mean: [0.485, 0.456, 0.406],
            std: [0.229, 0.224, 0.225],
        }
    }

    /// The identity (mean 0, std 1).
    pub fn identity() -> Self {
        Self {
            mean: [0.0; 3],
            std: [1.0; 3],
        }
    }

    /// Checks the parameters (the fields are public, so call this after building one by hand).
    pub fn validate(&self) -> Result<(), TensorError> {
        for c in 0..3 {
            if !self.mean[c].is_finite() {
                return Err(TensorError::InvalidMean {
                    channel: c,
                    value: self.mean[c],
                });
            }
            if !(self.std[c].is_finite() && self.std[c] > 0.0) {
                return Err(TensorError::InvalidStd {
                    channel: c,
                    value: self.std[c],
                });
            }
        }
        Ok(())
    }

    /// Normalizes a `3 x H x W` array in place.
    pub fn apply(&self, x: &mut Array3<f32>) -> Result<(), TensorError> {
        self.map_channels(x, |v, mean, std| (v - mean) / std)
    }

    /// Undoes [`Normalization::apply`] in place.
    pub fn invert(&self, x: &mut Array3<f32>) -> Result<(), TensorError> {
        self.map_channels(x, |v, mean, std| v * std + mean)
    }

    /// Maps every value `v` of channel `c` of a `3 x H x W` array to `f(v, mean[c], std[c])`.
    fn map_channels(
        &self,
        x: &mut Array3<f32>,
        f: impl Fn(f32, f32, f32) -> f32,
    ) -> Result<(), TensorError> {
        self.validate()?;
        check_chw(x)?;
        for (c, mut plane) in x.outer_iter_mut().enumerate() {
            let (mean, std) = (self.mean[c], self.std[c]);
            plane.mapv_inplace(|v| f(v, mean, std));
        }
        Ok(())
    }
}

fn check_chw(x: &Array3<f32>) -> Result<(), TensorError> {
    if x.dim().0 != 3 {
        return Err(TensorError::Shape {
            expected: "3 x H x W",
            got: x.shape().to_vec(),
        });
    }
    Ok(())
}

/// Converts an image to a `3 x H x W` array with values `pixel / 255` in `[0, 1]`.
pub fn image_to_chw(img: &RgbImage) -> Array3<f32> {
    let (w, h) = (img.width() as usize, img.height() as usize);
    let mut out = Array3::<f32>::zeros((3, h, w));
    let plane = w * h;
    if let Some(dst) = out.as_slice_mut() {
        for (i, px) in img.as_raw().chunks_exact(3).enumerate() {
            for c in 0..3 {
                dst[c * plane + i] = f32::from(px[c]) / 255.0;
            }
        }
    }
    out
}

/// Converts an image to a normalized `3 x H x W` array.
pub fn image_to_chw_normalized(
    img: &RgbImage,
    norm: &Normalization,
) -> Result<Array3<f32>, TensorError> {
    let mut x = image_to_chw(img);
    norm.apply(&mut x)?;
    Ok(x)
}

/// Converts a `3 x H x W` array of values in `[0, 1]` back to an image: clamped to `[0, 1]`, scaled
/// by 255 and rounded. A NaN or infinite value is an error rather than a silently wrong pixel.
pub fn chw_to_image(x: &Array3<f32>) -> Result<RgbImage, TensorError> {
    check_chw(x)?;
    let (_, h, w) = x.dim();
    let (wu, hu) = match (u32::try_from(w), u32::try_from(h)) {
        (Ok(a), Ok(b)) => (a, b),
        _ => {
            return Err(TensorError::TooLarge {
                width: w,
                height: h,
            })
        }
    };
    let mut raw = Vec::with_capacity(w * h * 3);
    for y in 0..h {
        for xx in 0..w {
            for c in 0..3 {
                raw.push(to_u8(x[[c, y, xx]])?);
            }
        }
    }
    RgbImage::from_raw(wu, hu, raw).ok_or(TensorError::TooLarge {
        width: w,
        height: h,
    })
}

fn to_u8(v: f32) -> Result<u8, TensorError> {
    if !v.is_finite() {
        return Err(TensorError::NonFinite(v));
    }
    Ok((v.clamp(0.0, 1.0) * 255.0).round() as u8)
}

/// Converts an image to a `3 x H x W` `f32` tensor in `[0, 1]` on `device`.
pub fn image_to_tensor(img: &RgbImage, device: &Device) -> Result<Tensor, TensorError> {
    let x = image_to_chw(img);
    let (c, h, w) = x.dim();
    let data = x.into_raw_vec_and_offset().0;
    Ok(Tensor::from_vec(data, (c, h, w), device)?)
}

/// Converts a tensor of shape `3 x H x W` or `1 x 3 x H x W` (any float dtype, any device) with
/// values in `[0, 1]` back to an image (clamped and rounded, like [`chw_to_image`]).
pub fn tensor_to_image(t: &Tensor) -> Result<RgbImage, TensorError> {
    let dims = t.dims().to_vec();
    let t = match dims.as_slice() {
        [3, _, _] => t.clone(),
        [1, 3, _, _] => t.squeeze(0)?,
        _ => {
            return Err(TensorError::Shape {
                expected: "3 x H x W or 1 x 3 x H x W",
                got: dims,
            })
        }
    };
    let (c, h, w) = t.dims3()?;
    let data: Vec<f32> = t
        .to_dtype(DType::F32)?
        .to_device(&Device::Cpu)?
        .flatten_all()?
        .to_vec1()?;
    let x = Array3::from_shape_vec((c, h, w), data).map_err(|_| TensorError::Shape {
        expected: "3 x H x W",
        got: vec![c, h, w],
    })?;
    chw_to_image(&x)
}

/// Lays images out in a grid (one inner `Vec` per row) separated by `gap` white pixels. Each column
/// is as wide as its widest image and each row as tall as its tallest; smaller images sit at the
/// top-left of their cell on white. Returns a 0 x 0 image when there is no image at all.
///
/// ```
/// use painter_data::tensor::image_grid;
/// let a = image::RgbImage::from_pixel(4, 4, image::Rgb([0, 0, 0]));
/// let grid = image_grid(&[vec![a.clone(), a.clone()], vec![a]], 2);
/// assert_eq!(grid.dimensions(), (10, 10));
/// assert_eq!(grid.get_pixel(5, 0).0, [255, 255, 255]); // the gap
/// ```
pub fn image_grid(rows: &[Vec<RgbImage>], gap: u32) -> RgbImage {
    let ncols = rows.iter().map(|r| r.len()).max().unwrap_or(0);
    if ncols == 0 {
        return RgbImage::new(0, 0);
    }
    let mut col_w = vec![0u32; ncols];
    let mut row_h = vec![0u32; rows.len()];
    for (r, row) in rows.iter().enumerate() {
        for (c, img) in row.iter().enumerate() {
            col_w[c] = col_w[c].max(img.width());
            row_h[r] = row_h[r].max(img.height());
        }
    }
    let total = |v: &[u32]| -> u32 {
        v.iter()
            .fold(0u32, |a, &b| a.saturating_add(b))
            .saturating_add(gap.saturating_mul(v.len().saturating_sub(1) as u32))
    };
    let (width, height) = (total(&col_w), total(&row_h));
    let mut out = RgbImage::from_pixel(width, height, image::Rgb([255, 255, 255]));
    let mut y0 = 0u32;
    for (r, row) in rows.iter().enumerate() {
        let mut x0 = 0u32;
        for (c, img) in row.iter().enumerate() {
            image::imageops::replace(&mut out, img, i64::from(x0), i64::from(y0));
            x0 = x0.saturating_add(col_w[c]).saturating_add(gap);
        }
        y0 = y0.saturating_add(row_h[r]).saturating_add(gap);
    }
    out
}
