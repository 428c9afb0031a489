//! Decoding image files to 8-bit RGB, with limits against decompression bombs.
//!
//! Every format the `image` crate is built with here is read: JPEG, PNG, WebP, TIFF, BMP and GIF (the
//! first frame). The format is sniffed from the file's magic bytes, never from its extension.
//! Whatever the source colour type, the result is an [`RgbImage`]:
//!
//! - grayscale is replicated to three channels;
//! - 16-bit (and float) samples are scaled to 8 bits;
//! - CMYK JPEGs are converted to RGB by the JPEG decoder;
//! - **alpha is dropped** (not composited): the colour channels are kept as stored, which is what
//!   Pillow's `Image.convert("RGB")` does, so both pipelines see the same pixels.
//!
//! JPEG EXIF orientation (and any orientation the decoder reports for other formats) is applied, so
//! a photo taken sideways comes out upright.
//!
//! Limits ([`DecodeLimits`]) are checked from the header, before the pixel buffer is allocated: a
//! 100 000 x 100 000 PNG of a few hundred bytes is refused with [`DecodeError::LimitExceeded`].
//! A truncated or corrupt file is an error, never a panic.
//!
//! ```
//! use painter_data::decode::{decode_rgb, DecodeLimits};
//!
//! // Encode a small PNG in memory, then decode it back.
//! let img = image::RgbImage::from_pixel(3, 2, image::Rgb([10, 20, 30]));
//! let mut bytes = Vec::new();
//! img.write_to(&mut std::io::Cursor::new(&mut bytes), image::ImageFormat::Png).unwrap();
//! let back = decode_rgb(&bytes, &DecodeLimits::default()).unwrap();
//! assert_eq!(back, img);
//! ```

use image::{DynamicImage, ImageDecoder, ImageError, ImageFormat, ImageReader, RgbImage};
use painter_io::FileError;
use std::io::Cursor;
use std::path::Path;

/// The file extensions (lower case) treated as images by [`is_image_extension`].
pub const IMAGE_EXTENSIONS: &[&str] = &["jpg", "jpeg", "png", "webp", "tif", "tiff", "bmp", "gif"];

/// The formats this crate decodes.
pub const SUPPORTED_FORMATS: &[ImageFormat] = &[
    ImageFormat::Jpeg,
    ImageFormat::Png,
    ImageFormat::WebP,
    ImageFormat::Tiff,
    ImageFormat::Bmp,
    ImageFormat::Gif,
];

/// Resource limits applied while decoding one image.
///
/// The width and height limits are checked against the header before anything is allocated; the
/// allocation limit covers the decoder's output buffer plus the RGB8 conversion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DecodeLimits {
    /// The largest accepted width in pixels.
    pub max_width: u32,
    /// The largest accepted height in pixels.
    pub max_height: u32,
    /// The most bytes the decoded pixels (and their RGB8 conversion) may occupy.
    pub max_alloc_bytes: u64,
    /// The largest accepted file, in bytes (checked by [`load_rgb`] before reading).
    pub max_file_bytes: u64,
}

impl Default for DecodeLimits {
    /// 20 000 x 20 000 pixels, 1 GiB of pixel memory, 256 MiB files.
    fn default() -> Self {
        Self {
            max_width: 20_000,
            max_height: 20_000,
            max_alloc_bytes: 1 << 30,
            max_file_bytes: 256 << 20,
        }
    }
}

impl DecodeLimits {
    /// The equivalent `image` crate limits.
    pub fn to_image_limits(&self) -> image::Limits {
        let mut l = image::Limits::no_limits();
        l.max_image_width = Some(self.max_width);
        l.max_image_height = Some(self.max_height);
        l.max_alloc = Some(self.max_alloc_bytes);
        l
    }
}

/// Why an image could not be decoded.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    /// The file could not be read.
    #[error(transparent)]
    Io(#[from] painter_io::FileError),
    /// The file (or buffer) holds no byte.
    #[error("empty file (zero bytes)")]
    EmptyFile,
    /// The magic bytes match no known image format.
    #[error("unknown image format (magic bytes match no supported format)")]
    UnknownFormat,
    /// A recognised format (or a feature of it) this build cannot decode.
    #[error("unsupported image: {0}")]
    Unsupported(String),
    /// The data is truncated or corrupt.
    #[error("corrupt or truncated image: {0}")]
    Decode(String),
    /// The image (or file) exceeds a [`DecodeLimits`] bound; nothing large was allocated.
    #[error("image exceeds decode limits: {message}")]
    LimitExceeded {
        /// Which limit, and by how much.
        message: String,
    },
}

impl DecodeError {
    fn from_image(e: ImageError) -> Self {
        match e {
            ImageError::Limits(l) => DecodeError::LimitExceeded {
                message: l.to_string(),
            },
            ImageError::Unsupported(u) => DecodeError::Unsupported(u.to_string()),
            ImageError::Decoding(d) => DecodeError::Decode(d.to_string()),
            ImageError::IoError(io) => DecodeError::Decode(format!("truncated data: {io}")),
            ImageError::Parameter(p) => DecodeError::Decode(p.to_string()),
            ImageError::Encoding(e) => DecodeError::Decode(e.to_string()),
        }
    }
}

/// Whether `path` has an image extension (jpg, jpeg, png, webp, tif, tiff, bmp, gif; any case).
///
/// ```
/// use painter_data::decode::is_image_extension;
/// assert!(is_image_extension(std::path::Path::new("a/B.JPG")));
/// assert!(!is_image_extension(std::path::Path::new("notes.txt")));
/// ```
pub fn is_image_extension(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .map(|e| {
            let e = e.to_ascii_lowercase();
            IMAGE_EXTENSIONS.contains(&e.as_str())
        })
        .unwrap_or(false)
}

/// Sniffs the format from the leading magic bytes.
pub fn sniff_format(bytes: &[u8]) -> Result<ImageFormat, DecodeError> {
    if bytes.is_empty() {
        return Err(DecodeError::EmptyFile);
    }
    let format = image::guess_format(bytes).map_err(|_| DecodeError::UnknownFormat)?;
    if SUPPORTED_FORMATS.contains(&format) {
        Ok(format)
    } else {
        Err(DecodeError::Unsupported(format!("format {format:?}")))
    }
}

/// Reads the file at `path` and decodes it with [`decode_rgb`]. The file size is checked against
/// `limits.max_file_bytes` before it is read.
pub fn load_rgb(path: &Path, limits: &DecodeLimits) -> Result<RgbImage, DecodeError> {
    let bytes = read_limited(path, limits)?;
    decode_rgb(&bytes, limits)
}

/// Reads a file whole, refusing one larger than `limits.max_file_bytes`.
pub(crate) fn read_limited(path: &Path, limits: &DecodeLimits) -> Result<Vec<u8>, DecodeError> {
    let meta = std::fs::metadata(path).map_err(FileError::at(path))?;
    if meta.len() > limits.max_file_bytes {
        return Err(DecodeError::LimitExceeded {
            message: format!(
                "file is {} bytes, the limit is {}",
                meta.len(),
                limits.max_file_bytes
            ),
        });
    }
    Ok(std::fs::read(path).map_err(FileError::at(path))?)
}

/// Decodes an in-memory image file to RGB8, honouring orientation metadata and `limits`.
pub fn decode_rgb(bytes: &[u8], limits: &DecodeLimits) -> Result<RgbImage, DecodeError> {
    if bytes.len() as u64 > limits.max_file_bytes {
        return Err(DecodeError::LimitExceeded {
            message: format!(
                "data is {} bytes, the limit is {}",
                bytes.len(),
                limits.max_file_bytes
            ),
        });
    }
    let format = sniff_format(bytes)?;
    if format == ImageFormat::Jpeg && !jpeg_is_complete(bytes) {
        // The JPEG decoder is lenient and would fill the missing part with grey.
        return Err(DecodeError::Decode(
            "truncated JPEG (no end-of-image marker after the scan data)".to_string(),
        ));
    }
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    reader.limits(limits.to_image_limits());
    // `into_decoder` reads the header and checks the width/height limits before any pixel buffer.
    let mut decoder = reader.into_decoder().map_err(DecodeError::from_image)?;
    let (w, h) = decoder.dimensions();
    if w == 0 || h == 0 {
        return Err(DecodeError::Decode(format!("image has zero size {w}x{h}")));
    }
    let native = decoder.total_bytes();
    let rgb = u64::from(w) * u64::from(h) * 3;
    let needed = if decoder.color_type() == image::ColorType::Rgb8 {
        native
    } else {
        native.saturating_add(rgb)
    };
    if needed > limits.max_alloc_bytes {
        return Err(DecodeError::LimitExceeded {
            message: format!(
                "{w}x{h} {:?} needs {needed} bytes, the limit is {}",
                decoder.color_type(),
                limits.max_alloc_bytes
            ),
        });
    }
    // Orientation metadata that cannot be parsed is ignored rather than failing the whole image.
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut img = DynamicImage::from_decoder(decoder).map_err(DecodeError::from_image)?;
    img.apply_orientation(orientation);
    Ok(match img {
        DynamicImage::ImageRgb8(rgb) => rgb,
        other => other.into_rgb8(),
    })
}

/// Whether a JPEG stream holds an end-of-image marker (`FF D9`) after its first start-of-scan
/// segment. Segments before the scan (including an EXIF thumbnail, which has its own markers) are
/// skipped by their lengths; entropy-coded data cannot contain `FF D9`, so a file cut anywhere after
/// its headers fails this check. Trailing bytes after the marker are allowed.
pub fn jpeg_is_complete(bytes: &[u8]) -> bool {
    let mut pos = 2usize; // after SOI
    loop {
        // Skip fill bytes before a marker.
        while bytes.get(pos) == Some(&0xFF) && bytes.get(pos + 1) == Some(&0xFF) {
            pos += 1;
        }
        if bytes.get(pos) != Some(&0xFF) {
            return false;
        }
        let Some(&marker) = bytes.get(pos + 1) else {
            return false;
        };
        match marker {
            0xD9 => return false, // EOI before any scan
            0x01 | 0xD0..=0xD7 => pos += 2,
            0xDA => {
                let scan = pos + 2;
                let Some(tail) = bytes.get(scan..) else {
                    return false;
                };
                return tail.windows(2).rev().any(|w| w == [0xFF, 0xD9]);
            }
            _ => {
                let (Some(&hi), Some(&lo)) = (bytes.get(pos + 2), bytes.get(pos + 3)) else {
                    return false;
                };
                let len = usize::from(u16::from_be_bytes([hi, lo]));
                if len < 2 {
                    return false;
                }
                pos += 2 + len;
            }
        }
    }
}

/// The width and height of the image at `path` as stored (before orientation), read from its header.
pub fn image_dimensions(path: &Path, limits: &DecodeLimits) -> Result<(u32, u32), DecodeError> {
    let bytes = read_limited(path, limits)?;
    let format = sniff_format(&bytes)?;
    let mut reader = ImageReader::with_format(Cursor::new(&bytes[..]), format);
    reader.limits(limits.to_image_limits());
    let decoder = reader.into_decoder().map_err(DecodeError::from_image)?;
    Ok(decoder.dimensions())
}
