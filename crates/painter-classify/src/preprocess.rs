//! [`Preprocessing`]: how an image file becomes the tensor the encoder was pretrained on. Saved with
//! the model, so prediction prepares images exactly as training did.

use crate::error::{ClassifyError, Result};
use candle_core::{Device, Tensor};
use image::RgbImage;
use painter_data::{standardize, ImageBatch, StandardizeMethod};
use serde::{Deserialize, Serialize};

/// Per-channel normalization applied to the `[0, 1]` pixels before the encoder.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Normalization {
    /// Pixels stay in `[0, 1]` (what the CAE is pretrained on).
    UnitRange,
    /// `(x - mean[c]) / std[c]` per RGB channel.
    MeanStd {
        /// Per-channel means.
        mean: [f32; 3],
        /// Per-channel standard deviations (all > 0).
        std: [f32; 3],
    },
}

/// Image size, standardization method and normalization.
///
/// Images of another size (or not square) are standardized to `image_size x image_size` with
/// `standardize`, never rejected.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Preprocessing {
    /// The side of the square images the encoder takes.
    pub image_size: u32,
    /// How images of another shape are made square (pad, center-crop, stretch).
    pub standardize: StandardizeMethod,
    /// Normalization of the `[0, 1]` pixels.
    pub normalization: Normalization,
}

impl Preprocessing {
    /// `image_size` pixels, the default standardization, pixels in `[0, 1]`.
    pub fn new(image_size: u32) -> Self {
        Self {
            image_size,
            standardize: StandardizeMethod::default(),
            normalization: Normalization::UnitRange,
        }
    }

    /// Checks the settings.
    pub fn validate(&self) -> Result<()> {
        if self.image_size == 0 {
            return Err(ClassifyError::InvalidConfig(
                "image_size must be > 0".into(),
            ));
        }
        if let Normalization::MeanStd { mean, std } = self.normalization {
            if mean.iter().chain(&std).any(|v| !v.is_finite()) || std.iter().any(|&s| s <= 0.0) {
                return Err(ClassifyError::InvalidConfig(format!(
                    "normalization needs finite means and positive standard deviations, got mean {mean:?} std {std:?}"
                )));
            }
        }
        Ok(())
    }

    /// Standardizes `image` to `image_size x image_size` unless it already is; a failure is an
    /// [`ClassifyError::Image`] naming the image as `name`.
    pub fn standardize_image(&self, image: RgbImage, name: &str) -> Result<RgbImage> {
        if image.dimensions() == (self.image_size, self.image_size) {
            return Ok(image);
        }
        standardize(&image, self.image_size, self.standardize).map_err(|e| ClassifyError::Image {
            path: name.into(),
            message: e.to_string(),
        })
    }

    /// Normalizes an `N x 3 x H x W` batch in `[0, 1]`.
    pub fn normalize(&self, images: &Tensor) -> Result<Tensor> {
        match self.normalization {
            Normalization::UnitRange => Ok(images.clone()),
            Normalization::MeanStd { mean, std } => {
                let dev = images.device();
                let m = Tensor::new(&mean, dev)?.reshape((1, 3, 1, 1))?;
                let s = Tensor::new(&std, dev)?.reshape((1, 3, 1, 1))?;
                Ok(images.broadcast_sub(&m)?.broadcast_div(&s)?)
            }
        }
    }

    /// Standardizes (where needed) and normalizes images into the encoder's input tensor.
    pub fn to_tensor(&self, images: Vec<RgbImage>, device: &Device) -> Result<Tensor> {
        let images = images
            .into_iter()
            .enumerate()
            .map(|(i, img)| self.standardize_image(img, &format!("<image {i}>")))
            .collect::<Result<Vec<_>>>()?;
        let batch = ImageBatch::from_images(&images, None, device)?;
        self.normalize(batch.images())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Rgb;

    #[test]
    fn images_of_another_size_are_standardized() -> Result<()> {
        let p = Preprocessing::new(16);
        let wide = RgbImage::from_pixel(40, 20, Rgb([255, 0, 0]));
        let small = RgbImage::from_pixel(5, 5, Rgb([0, 255, 0]));
        let t = p.to_tensor(vec![wide, small], &Device::Cpu)?;
        assert_eq!(t.dims(), &[2, 3, 16, 16]);
        Ok(())
    }

    #[test]
    fn mean_std_normalization() -> Result<()> {
        let p = Preprocessing {
            normalization: Normalization::MeanStd {
                mean: [0.5, 0.5, 0.5],
                std: [0.25, 0.5, 1.0],
            },
            ..Preprocessing::new(2)
        };
        let img = RgbImage::from_pixel(2, 2, Rgb([255, 255, 0]));
        let t = p.to_tensor(vec![img], &Device::Cpu)?;
        let v = t.flatten_all()?.to_vec1::<f32>()?;
        assert!(
            (v[0] - 2.0).abs() < 1e-6 && (v[4] - 1.0).abs() < 1e-6 && (v[8] + 0.5).abs() < 1e-6
        );
        let bad = Preprocessing {
            normalization: Normalization::MeanStd {
                mean: [0.0; 3],
                std: [1.0, 0.0, 1.0],
            },
            ..Preprocessing::new(2)
        };
        assert!(bad.validate().is_err());
        Ok(())
    }
}
