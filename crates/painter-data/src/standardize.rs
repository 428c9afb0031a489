//! Standardizing an image to an `S x S` square: [`StandardizeMethod::Pad`] (the default),
//! [`StandardizeMethod::CenterCrop`] or [`StandardizeMethod::Stretch`].
//!
//! Resampling is Lanczos3 (`fast_image_resize`, SIMD), in the stored (sRGB-encoded) values like
//! Pillow's `Image.resize(..., LANCZOS)`. Degenerate shapes work: a 1 x 5000 image padded to 256
//! becomes a centred one-pixel-wide line; a 1 x 1 image stretched becomes a constant square.
//!
//! ```
//! use painter_data::standardize::{standardize, StandardizeMethod};
//!
//! let img = image::RgbImage::from_pixel(40, 20, image::Rgb([200, 100, 50]));
//! let out = standardize(&img, 32, StandardizeMethod::Pad).unwrap();
//! assert_eq!(out.dimensions(), (32, 32));
//! assert_eq!(out.get_pixel(0, 0).0, [0, 0, 0]); // padding is black
//! assert_eq!(out.get_pixel(16, 16).0, [200, 100, 50]); // content is centred
//! ```

use fast_image_resize::{FilterType, ResizeAlg, ResizeOptions, Resizer};
use image::RgbImage;
use serde::{Deserialize, Serialize};
use std::cell::RefCell;

/// The default side of standardized images.
pub const DEFAULT_SIZE: u32 = 256;

/// How a non-square image becomes a square.
///
/// Named `pad`, `center-crop` and `stretch` (its `Display`); parsed from those names in any case,
/// and from `crop`, `center_crop` and `centercrop` for the second.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[derive(strum::Display, strum::EnumString, strum::IntoStaticStr)]
#[strum(serialize_all = "kebab-case", ascii_case_insensitive)]
#[strum(parse_err_ty = ParseMethodError, parse_err_fn = unknown_method)]
pub enum StandardizeMethod {
    /// Fit the longer side to `S` keeping the aspect ratio, centre, pad with black (zero).
    #[default]
    Pad,
    /// Fit the shorter side to `S` keeping the aspect ratio and crop the centre.
    #[strum(
        to_string = "center-crop",
        serialize = "center_crop",
        serialize = "centercrop",
        serialize = "crop"
    )]
    CenterCrop,
    /// Resize to `S x S`, ignoring the aspect ratio.
    Stretch,
}

fn unknown_method(name: &str) -> ParseMethodError {
    ParseMethodError(name.to_string())
}

impl StandardizeMethod {
    /// All methods, in declaration order.
    pub const ALL: [StandardizeMethod; 3] = [Self::Pad, Self::CenterCrop, Self::Stretch];

    /// The kebab-case name (`pad`, `center-crop`, `stretch`).
    pub fn as_str(&self) -> &'static str {
        self.into()
    }
}

/// An unknown standardization method name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown standardization method `{0}` (expected pad, center-crop (crop) or stretch)")]
pub struct ParseMethodError(pub String);

/// Why an image could not be standardized.
#[derive(Debug, thiserror::Error)]
pub enum StandardizeError {
    /// The target size is zero.
    #[error("the standardized size must be at least 1 pixel")]
    ZeroSize,
    /// The source image has no pixel.
    #[error("cannot standardize an empty {width}x{height} image")]
    EmptyImage {
        /// Source width.
        width: u32,
        /// Source height.
        height: u32,
    },
    /// The resampler refused the job (should not happen for valid sizes).
    #[error("resize failed: {0}")]
    Resize(String),
}

thread_local! {
    // The resizer keeps scratch buffers; one per thread avoids re-allocating them for every image.
    static RESIZER: RefCell<Resizer> = RefCell::new(Resizer::new());
}

/// The Lanczos3 convolution options.
fn lanczos() -> ResizeOptions {
    ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Lanczos3))
}

/// Resizes `src` to `width x height` with Lanczos3 (a copy when the size is unchanged).
pub fn resize_lanczos(
    src: &RgbImage,
    width: u32,
    height: u32,
) -> Result<RgbImage, StandardizeError> {
    check(src, width.min(height))?;
    if src.dimensions() == (width, height) {
        return Ok(src.clone());
    }
    run_resize(src, width, height, &lanczos())
}

fn run_resize(
    src: &RgbImage,
    width: u32,
    height: u32,
    options: &ResizeOptions,
) -> Result<RgbImage, StandardizeError> {
    let mut dst = RgbImage::new(width, height);
    RESIZER.with(|r| {
        r.borrow_mut()
            .resize(src, &mut dst, options)
            .map_err(|e| StandardizeError::Resize(e.to_string()))
    })?;
    Ok(dst)
}

fn check(img: &RgbImage, size: u32) -> Result<(), StandardizeError> {
    if size == 0 {
        return Err(StandardizeError::ZeroSize);
    }
    let (width, height) = img.dimensions();
    if width == 0 || height == 0 {
        return Err(StandardizeError::EmptyImage { width, height });
    }
    Ok(())
}

/// The size a `width x height` image is resized to before padding to `size`: the longer side becomes
/// `size`, the shorter is scaled by the same factor, rounded, and at least 1.
pub fn fit_within(width: u32, height: u32, size: u32) -> (u32, u32) {
    let (w, h, s) = (u64::from(width), u64::from(height), u64::from(size));
    if w >= h {
        // h * s / w, rounded to nearest, in integers (no float error on exact ratios).
        let nh = (h * s * 2 + w) / (2 * w.max(1));
        (size, (nh as u32).clamp(1, size))
    } else {
        let nw = (w * s * 2 + h) / (2 * h.max(1));
        ((nw as u32).clamp(1, size), size)
    }
}

/// Standardizes `img` to `size x size` with `method`.
pub fn standardize(
    img: &RgbImage,
    size: u32,
    method: StandardizeMethod,
) -> Result<RgbImage, StandardizeError> {
    check(img, size)?;
    let (w, h) = img.dimensions();
    match method {
        StandardizeMethod::Stretch => resize_lanczos(img, size, size),
        StandardizeMethod::Pad => {
            let (nw, nh) = fit_within(w, h, size);
            let resized;
            let content = if (nw, nh) == (w, h) {
                img
            } else {
                resized = run_resize(img, nw, nh, &lanczos())?;
                &resized
            };
            if (nw, nh) == (size, size) {
                return Ok(content.clone());
            }
            Ok(pad_centered(content, size))
        }
        StandardizeMethod::CenterCrop => {
            if (w, h) == (size, size) {
                return Ok(img.clone());
            }
            let side = w.min(h);
            let left = f64::from(w - side) / 2.0;
            let top = f64::from(h - side) / 2.0;
            let opts = lanczos().crop(left, top, f64::from(side), f64::from(side));
            run_resize(img, size, size, &opts)
        }
    }
}

/// Places `content` (at most `size` on each side) at the centre of a black `size x size` square.
/// The left/top margin is `(size - w) / 2`, rounded down, as Pillow users usually compute it.
fn pad_centered(content: &RgbImage, size: u32) -> RgbImage {
    let (w, h) = content.dimensions();
    let w = w.min(size);
    let h = h.min(size);
    let mut out = RgbImage::new(size, size);
    let x0 = ((size - w) / 2) as usize;
    let y0 = ((size - h) / 2) as usize;
    let src_stride = content.width() as usize * 3;
    let dst_stride = size as usize * 3;
    let row_bytes = w as usize * 3;
    let src = content.as_raw();
    let dst: &mut [u8] = &mut out;
    for (y, src_row) in src.chunks_exact(src_stride).take(h as usize).enumerate() {
        let start = (y0 + y) * dst_stride + x0 * 3;
        if let (Some(d), Some(s)) = (
            dst.get_mut(start..start + row_bytes),
            src_row.get(..row_bytes),
        ) {
            d.copy_from_slice(s);
        }
    }
    out
}
