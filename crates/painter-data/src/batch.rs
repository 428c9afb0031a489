//! [`ImageBatch`]: a tensor known to be `N x 3 x H x W`, `f32`, values in `[0, 1]`, with its labels.
//!
//! Models take an `ImageBatch`, not a bare tensor, so a batch of the wrong shape, type or range is
//! refused at the boundary with a message that says what was expected.

use candle_core::{DType, Device, Tensor};
use image::RgbImage;

/// Why a tensor was refused as an image batch.
#[derive(Debug, thiserror::Error)]
pub enum BatchError {
    /// The tensor is not `N x 3 x H x W`.
    #[error("an image batch must be N x 3 x H x W, got shape {0:?}")]
    Shape(Vec<usize>),
    /// The tensor is not `f32`.
    #[error("an image batch must be f32, got {0:?}")]
    DType(DType),
    /// The batch is empty.
    #[error("an image batch must hold at least one image")]
    Empty,
    /// Some value lies outside `[0, 1]` or is not finite.
    #[error("image batch values must be finite and in [0, 1], found min {min} max {max}")]
    Range {
        /// The smallest value found.
        min: f32,
        /// The largest value found.
        max: f32,
    },
    /// The labels do not match the images.
    #[error("{labels} labels for {images} images")]
    LabelCount {
        /// Number of labels.
        labels: usize,
        /// Number of images.
        images: usize,
    },
    /// The images of a batch must all have the same size.
    #[error("image {index} is {width}x{height}, expected {expected_width}x{expected_height}")]
    MixedSizes {
        /// The offending image's position.
        index: usize,
        /// Its width.
        width: u32,
        /// Its height.
        height: u32,
        /// The first image's width.
        expected_width: u32,
        /// The first image's height.
        expected_height: u32,
    },
    /// An error from the tensor library.
    #[error(transparent)]
    Candle(#[from] candle_core::Error),
}

/// A batch of RGB images as an `N x 3 x H x W` `f32` tensor in `[0, 1]`, with optional labels.
///
/// ```
/// use candle_core::{Device, Tensor};
/// use painter_data::ImageBatch;
///
/// let x = Tensor::zeros((2, 3, 8, 8), candle_core::DType::F32, &Device::Cpu).unwrap();
/// let batch = ImageBatch::new(x, Some(vec![0, 1])).unwrap();
/// assert_eq!(batch.len(), 2);
/// assert_eq!((batch.height(), batch.width()), (8, 8));
///
/// let wrong = Tensor::zeros((2, 1, 8, 8), candle_core::DType::F32, &Device::Cpu).unwrap();
/// assert!(ImageBatch::new(wrong, None).is_err());
/// ```
#[derive(Debug, Clone)]
pub struct ImageBatch {
    images: Tensor,
    labels: Option<Vec<u32>>,
}

impl ImageBatch {
    /// Checks shape, type and value range, then wraps `images` (and `labels`, one per image).
    pub fn new(images: Tensor, labels: Option<Vec<u32>>) -> Result<Self, BatchError> {
        let dims = images.dims().to_vec();
        if dims.len() != 4 || dims[1] != 3 {
            return Err(BatchError::Shape(dims));
        }
        if dims[0] == 0 {
            return Err(BatchError::Empty);
        }
        if images.dtype() != DType::F32 {
            return Err(BatchError::DType(images.dtype()));
        }
        let min = images.flatten_all()?.min(0)?.to_scalar::<f32>()?;
        let max = images.flatten_all()?.max(0)?.to_scalar::<f32>()?;
        if !(min >= 0.0 && max <= 1.0) {
            return Err(BatchError::Range { min, max });
        }
        if let Some(l) = &labels {
            if l.len() != dims[0] {
                return Err(BatchError::LabelCount {
                    labels: l.len(),
                    images: dims[0],
                });
            }
        }
        Ok(Self { images, labels })
    }

    /// Builds a batch from same-sized RGB images (pixels divided by 255) on `device`.
    pub fn from_images(
        images: &[RgbImage],
        labels: Option<Vec<u32>>,
        device: &Device,
    ) -> Result<Self, BatchError> {
        let first = images.first().ok_or(BatchError::Empty)?;
        let (w, h) = first.dimensions();
        let plane = (w * h) as usize;
        let mut data = vec![0f32; images.len() * 3 * plane];
        for (i, img) in images.iter().enumerate() {
            if img.dimensions() != (w, h) {
                return Err(BatchError::MixedSizes {
                    index: i,
                    width: img.width(),
                    height: img.height(),
                    expected_width: w,
                    expected_height: h,
                });
            }
            let out = &mut data[i * 3 * plane..(i + 1) * 3 * plane];
            for (p, px) in img.pixels().enumerate() {
                out[p] = px[0] as f32 / 255.0;
                out[plane + p] = px[1] as f32 / 255.0;
                out[2 * plane + p] = px[2] as f32 / 255.0;
            }
        }
        let t = Tensor::from_vec(data, (images.len(), 3, h as usize, w as usize), device)?;
        Self::new(t, labels)
    }

    /// The `N x 3 x H x W` image tensor.
    pub fn images(&self) -> &Tensor {
        &self.images
    }

    /// The labels, one per image, if the batch is labelled.
    pub fn labels(&self) -> Option<&[u32]> {
        self.labels.as_deref()
    }

    /// The labels as a `u32` tensor of length `N` on the images' device, if labelled.
    pub fn labels_tensor(&self) -> Result<Option<Tensor>, BatchError> {
        match &self.labels {
            Some(l) => Ok(Some(Tensor::new(l.as_slice(), self.images.device())?)),
            None => Ok(None),
        }
    }

    /// The number of images.
    pub fn len(&self) -> usize {
        self.images.dims()[0]
    }

    /// Always `false`: an empty batch cannot be built.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Image height.
    pub fn height(&self) -> usize {
        self.images.dims()[2]
    }

    /// Image width.
    pub fn width(&self) -> usize {
        self.images.dims()[3]
    }

    /// Moves the batch to another device.
    pub fn to_device(&self, device: &Device) -> Result<Self, BatchError> {
        Ok(Self {
            images: self.images.to_device(device)?,
            labels: self.labels.clone(),
        })
    }

    /// Splits the batch into its tensor and labels.
    pub fn into_parts(self) -> (Tensor, Option<Vec<u32>>) {
        (self.images, self.labels)
    }
}
