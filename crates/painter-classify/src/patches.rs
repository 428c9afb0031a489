//! Texture statistics of whole images or of their patches: [`patch_corners`] lays patches over a
//! standardized image, skipping the zero padding that standardization adds, and
//! [`StatisticsFeatures`] turns images into rows of [`ChannelStatistics`], one per image or per
//! patch ([`SampleFeatures`]).

use crate::error::{ClassifyError, Result};
use crate::features::{FeatureMatrix, SampleFeatures};
use crate::preprocess::Preprocessing;
use crate::statistics::ChannelStatistics;
use candle_core::Device;
use image::RgbImage;
use painter_data::crops::painting_pixels;
use painter_data::ImageBatch;

/// Images (or patches) per encoder batch.
const BATCH: usize = 16;

/// The top-left corners of the `patch`-pixel patches of an image: a grid with stride `patch / 2`
/// (the last row and column flush with the far edges), keeping the patches of which at least half
/// the pixels are painting rather than padding (exactly black, as standardization pads), or the one
/// with the most painting when none is. A `patch` larger than the image gives the corner `(0, 0)`.
///
/// ```
/// use image::{Rgb, RgbImage};
/// use painter_classify::patch_corners;
///
/// // A 64 x 64 image whose lower half is black padding.
/// let img = RgbImage::from_fn(64, 64, |_, y| if y < 32 { Rgb([200, 100, 50]) } else { Rgb([0, 0, 0]) });
/// assert_eq!(patch_corners(&img, 32), vec![(0, 0), (16, 0), (32, 0), (0, 16), (16, 16), (32, 16)]);
/// ```
pub fn patch_corners(image: &RgbImage, patch: u32) -> Vec<(u32, u32)> {
    let (w, h) = image.dimensions();
    let stride = (patch / 2).max(1) as usize;
    let starts = |len: u32| -> Vec<u32> {
        let last = len.saturating_sub(patch);
        let mut v: Vec<u32> = (0..=last).step_by(stride).collect();
        if v.last() != Some(&last) {
            v.push(last);
        }
        v
    };
    let full = (patch.min(w) as usize) * (patch.min(h) as usize);
    let mut best = ((0, 0), 0);
    let mut keep = Vec::new();
    for &y in &starts(h) {
        for &x in &starts(w) {
            let c = painting_pixels(image, (x, y), patch);
            if c > best.1 {
                best = ((x, y), c);
            }
            if 2 * c >= full {
                keep.push((x, y));
            }
        }
    }
    if keep.is_empty() {
        keep.push(best.0);
    }
    keep
}

/// Computes [`ChannelStatistics`] of images standardized to `image_size`, whole or by `patch`-pixel
/// patches ([`patch_corners`]).
#[derive(Debug, Clone)]
pub struct StatisticsFeatures {
    /// The statistics of the pretrained encoder.
    pub statistics: ChannelStatistics,
    /// The side images are standardized to (pad, pixels in `[0, 1]`).
    pub image_size: u32,
    /// The patch side, or `None` for whole images.
    pub patch: Option<u32>,
}

impl StatisticsFeatures {
    /// Checks that the sizes suit the encoder: the image (and patch) must survive its poolings,
    /// and a patch must fit in the image.
    pub fn validate(&self) -> Result<()> {
        let smallest = u32::try_from(self.statistics.smallest_side()).unwrap_or(u32::MAX);
        let side = self.patch.unwrap_or(self.image_size);
        if side < smallest || self.image_size < side || self.image_size > 4096 {
            return Err(ClassifyError::InvalidConfig(format!(
                "features of {}x{0} px images{} need sides of at least {smallest} px, a patch no larger than the image, and images of at most 4096 px",
                self.image_size,
                self.patch.map_or(String::new(), |p| format!(" by {p} px patches"))
            )));
        }
        Ok(())
    }

    /// The rows of `images` (any size; standardized here). `progress` is called with the number
    /// of images done after each batch.
    pub fn of_images(
        &self,
        images: Vec<RgbImage>,
        device: &Device,
        mut progress: impl FnMut(usize),
    ) -> Result<SampleFeatures> {
        self.validate()?;
        let preprocessing = Preprocessing::new(self.image_size);
        let dim = self.statistics.dim();
        let mut values = Vec::new();
        let mut rows = Vec::with_capacity(images.len());
        let mut pending: Vec<RgbImage> = Vec::new();
        let mut stored = 0usize;
        let flush = |pending: &mut Vec<RgbImage>, values: &mut Vec<f64>| -> Result<()> {
            if pending.is_empty() {
                return Ok(());
            }
            let batch = ImageBatch::from_images(pending, None, device)?;
            for row in self.statistics.compute(batch.images())?.to_vec2::<f32>()? {
                values.extend(row.into_iter().map(f64::from));
            }
            pending.clear();
            Ok(())
        };
        for (i, img) in images.into_iter().enumerate() {
            let img = preprocessing.standardize_image(img, &format!("<image {i}>"))?;
            let before = pending.len();
            match self.patch {
                Some(p) => {
                    for (x, y) in patch_corners(&img, p) {
                        pending.push(image::imageops::crop_imm(&img, x, y, p, p).to_image());
                    }
                }
                None => pending.push(img),
            }
            let n = pending.len() - before;
            rows.push(stored..stored + n);
            stored += n;
            if pending.len() >= BATCH {
                flush(&mut pending, &mut values)?;
            }
            progress(1);
        }
        flush(&mut pending, &mut values)?;
        // A non-finite statistic (a broken encoder) is refused here, naming its row and column.
        SampleFeatures::new(FeatureMatrix::new(values, dim)?, rows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encoder::PretrainedEncoder;
    use image::Rgb;
    use painter_cae::CaeConfig;

    #[test]
    fn patches_skip_padding_and_cover_the_edges() {
        let img = RgbImage::from_pixel(40, 40, Rgb([9, 9, 9]));
        // Stride 8 over 40 px with 16-px patches: 0, 8, 16, 24 (flush with the edge).
        let c = patch_corners(&img, 16);
        assert_eq!(c.len(), 16);
        assert!(c.contains(&(24, 24)));
        let black = RgbImage::new(40, 40);
        assert_eq!(
            patch_corners(&black, 16),
            vec![(0, 0)],
            "all padding: one patch"
        );
        // A painting in the left 10 columns only: patches need half their pixels painted.
        let strip = RgbImage::from_fn(40, 40, |x, _| {
            if x < 10 {
                Rgb([1, 2, 3])
            } else {
                Rgb([0, 0, 0])
            }
        });
        assert!(patch_corners(&strip, 16).iter().all(|&(x, _)| x == 0));
    }

    #[test]
    fn rows_follow_the_images_and_match_whole_image_statistics() {
        let cae = CaeConfig {
            image_size: 16,
            filters: vec![3, 4],
            kernel_size: 3,
            ..CaeConfig::compact()
        };
        let stats =
            ChannelStatistics::new(PretrainedEncoder::seeded(&cae, 3, &Device::Cpu).unwrap());
        let images: Vec<RgbImage> = (0..3)
            .map(|k| {
                RgbImage::from_fn(32, 32, |x, y| {
                    Rgb([(x * 7 + k * 40) as u8, (y * 5) as u8, ((x + y) * 3) as u8])
                })
            })
            .collect();
        let whole = StatisticsFeatures {
            statistics: stats.clone(),
            image_size: 32,
            patch: None,
        };
        let mut seen = 0;
        let w = whole
            .of_images(images.clone(), &Device::Cpu, |n| seen += n)
            .unwrap();
        assert_eq!(seen, 3);
        assert_eq!(w.ranges(), &[0..1, 1..2, 2..3]);
        let by_patches = |side: u32| {
            let patched = StatisticsFeatures {
                patch: Some(side),
                ..whole.clone()
            };
            patched.of_images(images.clone(), &Device::Cpu, |_| {})
        };
        // A patch as large as the image is the whole image.
        assert_eq!(by_patches(32).unwrap(), w);
        let p = by_patches(16).unwrap();
        assert_eq!(p.ranges(), &[0..9, 9..18, 18..27]);
        // The first patch's row equals the statistics of that crop computed alone.
        let crop = image::imageops::crop_imm(&images[1], 0, 0, 16, 16).to_image();
        let alone = StatisticsFeatures {
            image_size: 16,
            patch: None,
            ..whole.clone()
        }
        .of_images(vec![crop], &Device::Cpu, |_| {})
        .unwrap();
        let dim = p.matrix().columns();
        assert_eq!(
            p.sample_values(1).unwrap()[..dim],
            alone.matrix().values()[..]
        );
        assert!(StatisticsFeatures {
            patch: Some(64),
            ..whole.clone()
        }
        .validate()
        .is_err());
        assert!(StatisticsFeatures {
            patch: Some(2),
            ..whole
        }
        .validate()
        .is_err());
    }
}
