//! Native-scale crops: [`RandomCrops`] turns a dataset of large standardized images into a dataset
//! of small square crops of them, so that an autoencoder with a small input learns filters at the
//! scale at which features are later extracted (rather than on whole paintings shrunk to its
//! input size).
//!
//! ```
//! # use image::{Rgb, RgbImage};
//! # use painter_data::{Dataset, DatasetError, Sample};
//! use painter_data::crops::RandomCrops;
//! # struct Big;
//! # impl Dataset for Big {
//! #     fn len(&self) -> usize { 3 }
//! #     fn get(&self, i: usize) -> Result<Sample, DatasetError> {
//! #         Ok(Sample { image: RgbImage::from_pixel(256, 256, Rgb([i as u8 + 1, 2, 3])), label: None })
//! #     }
//! #     fn class_names(&self) -> &[String] { &[] }
//! #     fn label(&self, _: usize) -> Result<Option<usize>, DatasetError> { Ok(None) }
//! #     fn image_size(&self) -> u32 { 256 }
//! # }
//! // Four 64 x 64 crops of each of the three 256 x 256 images.
//! let crops = RandomCrops::new(Big, 64, 4, 7).unwrap();
//! assert_eq!((crops.len(), crops.image_size()), (12, 64));
//! let sample = crops.get(5).unwrap(); // the second crop of image 1
//! assert_eq!(sample.image.dimensions(), (64, 64));
//! assert_eq!(sample.image.get_pixel(0, 0).0, [2, 2, 3]);
//! ```

use crate::augment::keyed_rng;
use crate::{Dataset, DatasetError, Sample};
use rand::Rng;

/// Stream number of the crop-window draws.
const STREAM_CROPS: u64 = 0x6372_6f70; // "crop"

/// How many windows are drawn, at most, looking for one that is mostly painting.
const ATTEMPTS: usize = 16;

/// The share of a crop's pixels that must be painting (not the exactly-black padding that
/// standardization adds) for a drawn window to be taken at once.
pub const MIN_PAINTING_SHARE: f64 = 0.9;

/// `per_image` square crops of side `crop` from every image of a parent dataset.
///
/// Sample `i` is crop `i % per_image` of parent image `i / per_image`, with the parent's label. Its
/// window is a pure function of `(seed, i)`: up to 16 windows are drawn uniformly, and the first
/// one of which at least [`MIN_PAINTING_SHARE`] of the pixels are painting is taken (else the one
/// with the most painting), so crops rarely show the padding of a standardized image. The same
/// seed gives the same crops in every run, which keeps a resumed training identical to an
/// uninterrupted one.
#[derive(Debug, Clone)]
pub struct RandomCrops<D> {
    parent: D,
    crop: u32,
    per_image: usize,
    seed: u64,
}

impl<D: Dataset> RandomCrops<D> {
    /// `per_image` crops of side `crop` of every image of `parent`.
    ///
    /// Fails with [`DatasetError::InvalidSetting`] when `crop` is 0 or larger than the parent's
    /// images, or `per_image` is 0.
    pub fn new(parent: D, crop: u32, per_image: usize, seed: u64) -> Result<Self, DatasetError> {
        let size = parent.image_size();
        if crop == 0 || crop > size {
            return Err(DatasetError::InvalidSetting(format!(
                "crops must be 1..={size} px (the images' side), got {crop}"
            )));
        }
        if per_image == 0 {
            return Err(DatasetError::InvalidSetting(
                "at least one crop per image is needed".into(),
            ));
        }
        parent
            .len()
            .checked_mul(per_image)
            .ok_or_else(|| DatasetError::InvalidSetting("too many crops".into()))?;
        Ok(Self {
            parent,
            crop,
            per_image,
            seed,
        })
    }

    /// Crops per parent image.
    pub fn per_image(&self) -> usize {
        self.per_image
    }

    /// The parent dataset.
    pub fn parent(&self) -> &D {
        &self.parent
    }

    /// The parent image of sample `index`, or [`DatasetError::IndexOutOfRange`].
    fn parent_index(&self, index: usize) -> Result<usize, DatasetError> {
        if index >= self.len() {
            return Err(DatasetError::IndexOutOfRange {
                index,
                len: self.len(),
            });
        }
        Ok(index / self.per_image)
    }

    /// The top-left corner of sample `index`'s window in its parent image `image`.
    fn window(&self, index: usize, image: &image::RgbImage) -> (u32, u32) {
        let (w, h) = image.dimensions();
        let (span_x, span_y) = (w.saturating_sub(self.crop), h.saturating_sub(self.crop));
        let mut rng = keyed_rng(self.seed, 0, index as u64, STREAM_CROPS);
        let area = f64::from(self.crop.min(w)) * f64::from(self.crop.min(h));
        let mut best = ((0, 0), -1.0);
        for _ in 0..ATTEMPTS {
            let corner = (rng.random_range(0..=span_x), rng.random_range(0..=span_y));
            let share = painting_pixels(image, corner, self.crop) as f64 / area;
            if share >= MIN_PAINTING_SHARE {
                return corner;
            }
            if share > best.1 {
                best = (corner, share);
            }
        }
        best.0
    }
}

/// How many pixels of the `side`-sided square window at `corner` (clipped to the image) are
/// painting rather than padding, that is, not exactly black as standardization pads.
///
/// ```
/// use image::{Rgb, RgbImage};
/// use painter_data::crops::painting_pixels;
///
/// // The left 3 columns are padding.
/// let img = RgbImage::from_fn(8, 8, |x, _| if x < 3 { Rgb([0, 0, 0]) } else { Rgb([9, 9, 9]) });
/// assert_eq!(painting_pixels(&img, (0, 0), 4), 4);
/// assert_eq!(painting_pixels(&img, (6, 6), 4), 4); // clipped to 2 x 2
/// ```
pub fn painting_pixels(image: &image::RgbImage, (x0, y0): (u32, u32), side: u32) -> usize {
    let (w, h) = image.dimensions();
    let mut n = 0;
    for y in y0..(y0 + side).min(h) {
        for x in x0..(x0 + side).min(w) {
            n += usize::from(image.get_pixel(x, y).0 != [0, 0, 0]);
        }
    }
    n
}

impl<D: Dataset> Dataset for RandomCrops<D> {
    fn len(&self) -> usize {
        self.parent.len() * self.per_image
    }

    fn get(&self, index: usize) -> Result<Sample, DatasetError> {
        let parent = self.parent_index(index)?;
        let sample = self.parent.get(parent)?;
        let (x, y) = self.window(index, &sample.image);
        let image = image::imageops::crop_imm(&sample.image, x, y, self.crop, self.crop).to_image();
        if image.dimensions() != (self.crop, self.crop) {
            return Err(DatasetError::InvalidSetting(format!(
                "image {} is {:?}, smaller than the {} px crops",
                parent,
                sample.image.dimensions(),
                self.crop
            )));
        }
        Ok(Sample {
            image,
            label: sample.label,
        })
    }

    fn class_names(&self) -> &[String] {
        self.parent.class_names()
    }

    fn label(&self, index: usize) -> Result<Option<usize>, DatasetError> {
        self.parent.label(self.parent_index(index)?)
    }

    fn image_size(&self) -> u32 {
        self.crop
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{Rgb, RgbImage};

    /// Images whose pixel (x, y) encodes its coordinates and the image index; the left `pad`
    /// columns are black padding.
    struct Coded {
        size: u32,
        pad: u32,
        n: usize,
    }

    impl Dataset for Coded {
        fn len(&self) -> usize {
            self.n
        }
        fn get(&self, i: usize) -> Result<Sample, DatasetError> {
            let pad = self.pad;
            Ok(Sample {
                image: RgbImage::from_fn(self.size, self.size, |x, y| {
                    if x < pad {
                        Rgb([0, 0, 0])
                    } else {
                        Rgb([x as u8, y as u8, i as u8 + 1])
                    }
                }),
                label: Some(i % 2),
            })
        }
        fn class_names(&self) -> &[String] {
            &[]
        }
        fn label(&self, i: usize) -> Result<Option<usize>, DatasetError> {
            Ok(Some(i % 2))
        }
        fn image_size(&self) -> u32 {
            self.size
        }
    }

    #[test]
    fn crops_are_windows_of_their_parent_image_with_its_label() {
        let crops = RandomCrops::new(
            Coded {
                size: 100,
                pad: 0,
                n: 5,
            },
            20,
            3,
            1,
        )
        .unwrap();
        assert_eq!(crops.len(), 15);
        for i in 0..crops.len() {
            let s = crops.get(i).unwrap();
            assert_eq!(s.label, Some((i / 3) % 2));
            let [x0, y0, id] = s.image.get_pixel(0, 0).0;
            assert_eq!(id as usize, i / 3 + 1);
            // Every pixel continues the window that starts at (x0, y0).
            for (x, y, p) in s.image.enumerate_pixels() {
                assert_eq!(p.0, [x0 + x as u8, y0 + y as u8, id]);
            }
            assert!(u32::from(x0) <= 80 && u32::from(y0) <= 80);
        }
    }

    #[test]
    fn crops_are_a_pure_function_of_seed_and_index() {
        let make = |seed| {
            RandomCrops::new(
                Coded {
                    size: 64,
                    pad: 0,
                    n: 4,
                },
                16,
                4,
                seed,
            )
            .unwrap()
        };
        let (a, b, c) = (make(3), make(3), make(4));
        let corners = |d: &RandomCrops<Coded>| -> Vec<[u8; 3]> {
            (0..d.len())
                .map(|i| d.get(i).unwrap().image.get_pixel(0, 0).0)
                .collect()
        };
        assert_eq!(corners(&a), corners(&b));
        assert_ne!(corners(&a), corners(&c));
        // The crops of one image differ from each other.
        let first: Vec<_> = corners(&a)[..4].to_vec();
        assert!(first.windows(2).any(|w| w[0] != w[1]));
    }

    #[test]
    fn crops_avoid_the_padding() {
        // Half of every image is padding; a window of 20 px fits in the painted half.
        let crops = RandomCrops::new(
            Coded {
                size: 80,
                pad: 40,
                n: 6,
            },
            20,
            5,
            9,
        )
        .unwrap();
        for i in 0..crops.len() {
            let img = crops.get(i).unwrap().image;
            let black = img.pixels().filter(|p| p.0 == [0, 0, 0]).count();
            // At most 10% (MIN_PAINTING_SHARE) of the 400 pixels.
            assert!(black <= 40, "crop {i} shows {black} padding pixels");
        }
    }

    #[test]
    fn bad_settings_and_indices_are_errors() {
        let parent = || Coded {
            size: 32,
            pad: 0,
            n: 2,
        };
        assert!(matches!(
            RandomCrops::new(parent(), 33, 1, 0),
            Err(DatasetError::InvalidSetting(_))
        ));
        assert!(matches!(
            RandomCrops::new(parent(), 0, 1, 0),
            Err(DatasetError::InvalidSetting(_))
        ));
        assert!(matches!(
            RandomCrops::new(parent(), 8, 0, 0),
            Err(DatasetError::InvalidSetting(_))
        ));
        let crops = RandomCrops::new(parent(), 32, 2, 0).unwrap();
        assert!(matches!(
            crops.get(4),
            Err(DatasetError::IndexOutOfRange { index: 4, len: 4 })
        ));
        assert!(crops.label(4).is_err());
        // A crop as large as the image is the image.
        assert_eq!(crops.get(1).unwrap().image, parent().get(0).unwrap().image);
    }
}
