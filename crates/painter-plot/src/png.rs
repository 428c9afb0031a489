use crate::PlotError;
use std::path::Path;

/// Encodes an RGB8 buffer (`width * height * 3` bytes, row-major) as PNG bytes.
pub fn encode_rgb_png(rgb: &[u8], width: u32, height: u32) -> Result<Vec<u8>, PlotError> {
    let mut out = Vec::new();
    image::ImageEncoder::write_image(
        image::codecs::png::PngEncoder::new(&mut out),
        rgb,
        width,
        height,
        image::ExtendedColorType::Rgb8,
    )
    .map_err(|e| PlotError::Encode(e.to_string()))?;
    Ok(out)
}

/// Writes PNG bytes to `path` atomically ([`painter_io::write_atomic`]).
pub fn write_png_atomic(path: &Path, png: &[u8]) -> Result<(), PlotError> {
    Ok(painter_io::write_atomic(path, png)?)
}
