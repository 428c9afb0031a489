//! The grey-level plane the texture, edge and Fourier descriptors read: luminance in `[0, 1]`
//! with scikit-image's `rgb2gray` weights (ITU-R BT.709: `0.2125 R + 0.7154 G + 0.0721 B`).

use image::RgbImage;

/// A grey-level image, row-major, values in `[0, 1]`.
#[derive(Debug, Clone, PartialEq)]
pub struct GreyImage {
    width: usize,
    height: usize,
    values: Vec<f64>,
}

impl GreyImage {
    /// The luminance of `image` (scikit-image's `rgb2gray` of the image scaled to `[0, 1]`).
    pub fn from_rgb(image: &RgbImage) -> Self {
        let values = image
            .pixels()
            .map(|p| {
                let [r, g, b] = p.0.map(|v| f64::from(v) / 255.0);
                r * 0.2125 + g * 0.7154 + b * 0.0721
            })
            .collect();
        Self {
            width: image.width() as usize,
            height: image.height() as usize,
            values,
        }
    }

    /// A plane of `width x height` values given row by row; `None` if the count differs.
    pub fn from_values(width: usize, height: usize, values: Vec<f64>) -> Option<Self> {
        (values.len() == width * height).then_some(Self {
            width,
            height,
            values,
        })
    }

    /// Columns.
    pub fn width(&self) -> usize {
        self.width
    }

    /// Rows.
    pub fn height(&self) -> usize {
        self.height
    }

    /// The values, row by row.
    pub fn values(&self) -> &[f64] {
        &self.values
    }

    /// Whether the plane has no pixel.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The value at `(row, col)`, the borders extended by half-sample reflection
    /// (`d c b a | a b c d | d c b a`, SciPy's `mode="reflect"`); 0 for an empty plane.
    pub fn reflected(&self, row: isize, col: isize) -> f64 {
        if self.is_empty() {
            return 0.0;
        }
        let r = reflect(row, self.height);
        let c = reflect(col, self.width);
        self.values[r * self.width + c]
    }

    /// The value at `(row, col)`, 0 outside the image.
    pub fn or_zero(&self, row: isize, col: isize) -> f64 {
        if row < 0 || col < 0 || row as usize >= self.height || col as usize >= self.width {
            0.0
        } else {
            self.values[row as usize * self.width + col as usize]
        }
    }
}

/// The index in `0..len` that half-sample reflection maps `i` to (`len > 0`), for any `i`:
/// the pattern repeats with period `2 len`.
pub(crate) fn reflect(i: isize, len: usize) -> usize {
    let period = 2 * len as isize;
    let m = i.rem_euclid(period);
    if m < len as isize {
        m as usize
    } else {
        (period - 1 - m) as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reflection_repeats_the_edge_sample() {
        let got: Vec<usize> = (-5..9).map(|i| reflect(i, 4)).collect();
        // ... 3 2 1 0 | 0 1 2 3 | 3 2 1 0 | 0
        assert_eq!(got, vec![3, 3, 2, 1, 0, 0, 1, 2, 3, 3, 2, 1, 0, 0]);
        assert_eq!(reflect(-3, 1), 0);
    }

    #[test]
    fn grey_weights_sum_to_one() {
        let white = RgbImage::from_pixel(2, 3, image::Rgb([255, 255, 255]));
        let g = GreyImage::from_rgb(&white);
        assert_eq!((g.width(), g.height()), (2, 3));
        assert!(g.values().iter().all(|&v| (v - 1.0).abs() < 1e-12));
        assert!(GreyImage::from_values(2, 2, vec![0.0; 3]).is_none());
    }
}
