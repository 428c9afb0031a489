//! Image files and folder trees for the dataset, cache and data-stage tests, and the kinds of bad
//! files a real folder of paintings holds.
#![allow(dead_code)]

use image::{Rgb, RgbImage};
use std::fs;
use std::path::Path;

/// A `w x h` test image: a pattern keyed by `seed`.
pub fn pattern(w: u32, h: u32, seed: u8) -> RgbImage {
    RgbImage::from_fn(w, h, |x, y| {
        Rgb([
            seed.wrapping_mul(31).wrapping_add((x * 3) as u8),
            seed.wrapping_add((y * 5) as u8),
            (x ^ y) as u8,
        ])
    })
}

/// Writes [`pattern`] to `path` (the format follows the extension), creating its folder.
pub fn write_image(path: &Path, w: u32, h: u32, seed: u8) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    pattern(w, h, seed).save(path).unwrap();
}

/// Writes raw bytes to `path`, creating its folder.
pub fn write_bytes(path: &Path, bytes: &[u8]) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, bytes).unwrap();
}

/// `root/{monet,goya,klimt}/{0..4}.{png,jpg}`: 12 readable images of several sizes.
pub fn tree(root: &Path) {
    for (i, class) in ["monet", "goya", "klimt"].iter().enumerate() {
        for j in 0..4u8 {
            let ext = if j % 2 == 0 { "png" } else { "jpg" };
            write_image(
                &root.join(format!("{class}/{j}.{ext}")),
                20 + 3 * j as u32,
                14 + i as u32,
                (i as u8) * 10 + j,
            );
        }
    }
}

/// A folder holding [`tree`], and an empty one for the caches.
pub fn tree_and_cache() -> (tempfile::TempDir, tempfile::TempDir) {
    let src = tempfile::tempdir().unwrap();
    tree(src.path());
    (src, tempfile::tempdir().unwrap())
}

/// The kinds of unreadable files named `.jpg`.
#[derive(Debug, Clone, Copy)]
pub enum Bad {
    /// A real JPEG cut off halfway.
    Truncated,
    /// A JPEG header followed by garbage.
    Corrupt,
    /// An empty file.
    ZeroBytes,
    /// A text file.
    NotAnImage,
}

impl Bad {
    /// Every kind.
    pub const ALL: [Bad; 4] = [
        Bad::Truncated,
        Bad::Corrupt,
        Bad::ZeroBytes,
        Bad::NotAnImage,
    ];

    /// The file's bytes.
    pub fn bytes(self) -> Vec<u8> {
        match self {
            Bad::Truncated => {
                let mut jpeg = std::io::Cursor::new(Vec::new());
                pattern(40, 30, 9)
                    .write_to(&mut jpeg, image::ImageFormat::Jpeg)
                    .unwrap();
                let jpeg = jpeg.into_inner();
                jpeg[..jpeg.len() / 2].to_vec()
            }
            Bad::Corrupt => {
                let mut bytes = vec![0xFF, 0xD8, 0xFF, 0xE0];
                bytes.extend((0..400u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8));
                bytes
            }
            Bad::ZeroBytes => Vec::new(),
            Bad::NotAnImage => b"these are my notes, saved as a .jpg by mistake".to_vec(),
        }
    }

    /// Writes the bad file to `path`.
    pub fn write(self, path: &Path) {
        write_bytes(path, &self.bytes());
    }
}
