//! The joint RGB colour histogram (the colour descriptor of the paper's Table 1 and of the
//! project's baseline).

use crate::error::{check_count, Result};
use image::RgbImage;

/// The largest number of levels per channel.
pub const MAX_HISTOGRAM_BINS: usize = 64;

/// Checks a histogram's levels per channel: `1..=64`.
pub(crate) fn check_bins(bins: usize) -> Result<()> {
    check_count("bins", bins, 1..=MAX_HISTOGRAM_BINS)
}

/// The joint RGB histogram of `image` with `bins` levels per channel (`bins^3` cells), normalized
/// to sum to 1 so images of any size compare (cell index `(r * bins + g) * bins + b`, level
/// `value * bins / 256`). An empty image gives all zeros.
///
/// ```
/// use image::{Rgb, RgbImage};
/// use painter_handcrafted::colour_histogram;
///
/// let red = RgbImage::from_pixel(4, 4, Rgb([255, 0, 0]));
/// let h = colour_histogram(&red, 4).unwrap();
/// assert_eq!(h.len(), 64);
/// assert_eq!(h[3 * 16], 1.0); // every pixel in the (r = 3, g = 0, b = 0) cell
/// assert!(colour_histogram(&red, 0).is_err());
/// ```
pub fn colour_histogram(image: &RgbImage, bins: usize) -> Result<Vec<f64>> {
    check_bins(bins)?;
    let mut counts = vec![0u64; bins * bins * bins];
    let level = |v: u8| usize::from(v) * bins / 256;
    for p in image.pixels() {
        let [r, g, b] = p.0;
        let cell = (level(r) * bins + level(g)) * bins + level(b);
        if let Some(c) = counts.get_mut(cell) {
            *c += 1;
        }
    }
    let total = image.width() as f64 * image.height() as f64;
    if total == 0.0 {
        return Ok(vec![0.0; counts.len()]);
    }
    Ok(counts.into_iter().map(|c| c as f64 / total).collect())
}
