//! [`Preprocessing`]: how an image file becomes the tensor the encoder was pretrained on. Saved with
//! the model, so prediction prepares images exactly as training did.

use crate::error::{ClassifyError, Result};
use candle_core::{Device, Tensor};
use image::RgbImage;
use painter_data::{standardize, ImageBatch, Normalization, StandardizeMethod};
use serde::{Deserialize, Serialize};

/// How a saved model writes its [`Normalization`]: `{"kind": "unit_range"}` for the identity
/// (pixels stay in `[0, 1]`, what the CAE is pretrained on), else `{"kind": "mean_std", "mean",
/// "std"}`.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
enum SavedNormalization {
    UnitRange,
    MeanStd(Normalization),
}

impl From<SavedNormalization> for Normalization {
    fn from(saved: SavedNormalization) -> Self {
        match saved {
            SavedNormalization::UnitRange => Normalization::identity(),
            SavedNormalization::MeanStd(n) => n,
        }
    }
}

impl From<Normalization> for SavedNormalization {
    fn from(n: Normalization) -> Self {
        if n == Normalization::identity() {
            SavedNormalization::UnitRange
        } else {
            SavedNormalization::MeanStd(n)
        }
    }
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
    /// Normalization of the `[0, 1]` pixels (the identity keeps them in `[0, 1]`).
    #[serde(with = "saved_normalization")]
    pub normalization: Normalization,
}

impl Preprocessing {
    /// `image_size` pixels, the default standardization, pixels in `[0, 1]`.
    pub fn new(image_size: u32) -> Self {
        Self {
            image_size,
            standardize: StandardizeMethod::default(),
            normalization: Normalization::identity(),
        }
    }

    /// Checks the settings.
    pub fn validate(&self) -> Result<()> {
        if self.image_size == 0 {
            return Err(ClassifyError::InvalidConfig(
                "image_size must be > 0".into(),
            ));
        }
        self.normalization
            .validate()
            .map_err(|e| ClassifyError::InvalidConfig(e.to_string()))
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
        let Normalization { mean, std } = self.normalization;
        if self.normalization == Normalization::identity() {
            return Ok(images.clone());
        }
        let dev = images.device();
        let m = Tensor::new(&mean, dev)?.reshape((1, 3, 1, 1))?;
        let s = Tensor::new(&std, dev)?.reshape((1, 3, 1, 1))?;
        Ok(images.broadcast_sub(&m)?.broadcast_div(&s)?)
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

/// The serde form of [`Preprocessing::normalization`] (see [`SavedNormalization`]).
mod saved_normalization {
    use super::{Normalization, SavedNormalization};
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub(super) fn serialize<S: Serializer>(n: &Normalization, s: S) -> Result<S::Ok, S::Error> {
        SavedNormalization::from(*n).serialize(s)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Normalization, D::Error> {
        SavedNormalization::deserialize(d).map(Normalization::from)
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
            normalization: Normalization::new([0.5, 0.5, 0.5], [0.25, 0.5, 1.0]).unwrap(),
            ..Preprocessing::new(2)
        };
        let img = RgbImage::from_pixel(2, 2, Rgb([255, 255, 0]));
        let t = p.to_tensor(vec![img], &Device::Cpu)?;
        let v = t.flatten_all()?.to_vec1::<f32>()?;
        assert!(
            (v[0] - 2.0).abs() < 1e-6 && (v[4] - 1.0).abs() < 1e-6 && (v[8] + 0.5).abs() < 1e-6
        );
        let bad = Preprocessing {
            normalization: Normalization {
                mean: [0.0; 3],
                std: [1.0, 0.0, 1.0],
            },
            ..Preprocessing::new(2)
        };
        assert!(bad.validate().is_err());
        Ok(())
    }

    #[test]
    fn saved_models_keep_their_normalization_form() {
        let plain = serde_json::to_value(Preprocessing::new(8)).unwrap();
        assert_eq!(
            plain["normalization"],
            serde_json::json!({"kind": "unit_range"})
        );
        let scaled = Preprocessing {
            normalization: Normalization::new([0.5; 3], [0.25; 3]).unwrap(),
            ..Preprocessing::new(8)
        };
        let json = serde_json::to_value(scaled).unwrap();
        assert_eq!(
            json["normalization"],
            serde_json::json!({"kind": "mean_std", "mean": [0.5, 0.5, 0.5], "std": [0.25, 0.25, 0.25]})
        );
        for p in [Preprocessing::new(8), scaled] {
            let back: Preprocessing =
                serde_json::from_value(serde_json::to_value(p).unwrap()).unwrap();
            assert_eq!(back, p);
        }
    }
}
