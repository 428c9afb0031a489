//! Colour moments in CIE Lab: the mean, standard deviation and skewness of lightness `L*` and of
//! the two opponent axes `a*` (green-red) and `b*` (blue-yellow). Lab is perceptual and has no
//! circular axis (unlike HSV's hue), so plain moments are meaningful.

use crate::moments::moments;
use image::RgbImage;

/// The values a colour-moments descriptor has: 3 moments x 3 channels.
pub const COLOUR_MOMENTS_LEN: usize = 9;

/// CIE XYZ of linear sRGB (D65), as scikit-image's `xyz_from_rgb`.
const XYZ_FROM_RGB: [[f64; 3]; 3] = [
    [0.412453, 0.357580, 0.180423],
    [0.212671, 0.715160, 0.072169],
    [0.019334, 0.119193, 0.950227],
];
/// The D65 white point, 2-degree observer.
const WHITE: [f64; 3] = [0.95047, 1.0, 1.08883];

/// CIE `L*a*b*` (D65, 2-degree observer) of an sRGB pixel, as scikit-image's `rgb2lab`.
pub fn srgb_to_lab(rgb: [u8; 3]) -> [f64; 3] {
    let linear = rgb.map(|v| {
        let c = f64::from(v) / 255.0;
        if c > 0.04045 {
            ((c + 0.055) / 1.055).powf(2.4)
        } else {
            c / 12.92
        }
    });
    let f = |row: usize| {
        let m = XYZ_FROM_RGB[row];
        let t = (linear[0] * m[0] + linear[1] * m[1] + linear[2] * m[2]) / WHITE[row];
        if t > 0.008856 {
            t.cbrt()
        } else {
            7.787 * t + 16.0 / 116.0
        }
    };
    let (x, y, z) = (f(0), f(1), f(2));
    [116.0 * y - 16.0, 500.0 * (x - y), 200.0 * (y - z)]
}

/// Mean, standard deviation and skewness of `L*`, `a*` and `b*` over the pixels of `image`, in
/// that order (`[mean L, std L, skew L, mean a, ...]`); zeros for an empty image.
///
/// ```
/// use image::{Rgb, RgbImage};
/// use painter_handcrafted::colour_moments;
///
/// let white = RgbImage::from_pixel(3, 3, Rgb([255, 255, 255]));
/// let m = colour_moments(&white);
/// assert!((m[0] - 100.0).abs() < 1e-3); // L* of white
/// assert_eq!(m[1], 0.0); // no spread
/// ```
pub fn colour_moments(image: &RgbImage) -> Vec<f64> {
    let lab: Vec<[f64; 3]> = image.pixels().map(|p| srgb_to_lab(p.0)).collect();
    (0..3)
        .flat_map(|c| moments(lab.iter().map(move |v| v[c])))
        .collect()
}
