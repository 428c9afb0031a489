use crate::PlotError;
use std::io::Write;
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

/// Writes `bytes` to `path` atomically: a temporary file in the same folder, flushed and synced, then
/// renamed over the target, so a reader never sees a half-written file. Parent folders are created;
/// on failure the temporary file is removed and the target left as it was.
pub fn write_file_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "output".into());
    let tmp = path.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Writes PNG bytes to `path` atomically ([`write_file_atomic`]).
pub fn write_png_atomic(path: &Path, png: &[u8]) -> Result<(), PlotError> {
    write_file_atomic(path, png).map_err(|source| PlotError::Io {
        path: path.to_path_buf(),
        source,
    })
}
