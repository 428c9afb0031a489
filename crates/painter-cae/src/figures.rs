//! The figures of a pretraining run: `loss.png` (train and validation MSE per epoch) and
//! `reconstructions.png` (originals above their reconstructions).

use crate::epoch::PretrainEpoch;
use crate::CaeError;
use candle_core::{DType, Tensor};
use painter_plot::{encode_rgb_png, write_png_atomic, LineChart};
use std::path::Path;

/// Draws the train and validation MSE curves of `history` to `path` (PNG, atomically).
pub fn write_loss_chart(path: &Path, history: &[PretrainEpoch]) -> Result<(), CaeError> {
    let train: Vec<(f64, f64)> = history
        .iter()
        .map(|r| (r.epoch as f64, r.train_mse))
        .collect();
    let val: Vec<(f64, f64)> = history
        .iter()
        .filter_map(|r| r.val_mse.map(|v| (r.epoch as f64, v)))
        .collect();
    let mut chart = LineChart::new("CAE pretraining")
        .x_label("epoch")
        .y_label("reconstruction MSE")
        .series("train (pixel dropout)", train);
    if !val.is_empty() {
        chart = chart.series("validation (clean)", val);
    }
    chart.save_png(path).map_err(|e| CaeError::Figure {
        path: path.to_path_buf(),
        message: e.to_string(),
    })
}

/// Writes a grid of `originals` (top row) above `reconstructions` (bottom row), both
/// `N x 3 x H x W` in `[0, 1]` (values are clamped), separated by `gap` white pixels.
pub fn write_reconstructions(
    path: &Path,
    originals: &Tensor,
    reconstructions: &Tensor,
    gap: usize,
) -> Result<(), CaeError> {
    let (n, c, h, w) = originals.dims4()?;
    if reconstructions.dims() != originals.dims() || c != 3 {
        return Err(CaeError::Figure {
            path: path.to_path_buf(),
            message: format!(
                "originals {:?} and reconstructions {:?} must be equal N x 3 x H x W",
                originals.dims(),
                reconstructions.dims()
            ),
        });
    }
    let to_u8 = |t: &Tensor| -> Result<Vec<u8>, CaeError> {
        let v = t
            .to_dtype(DType::F32)?
            .clamp(0f32, 1f32)?
            .affine(255.0, 0.5)?
            .flatten_all()?
            .to_vec1::<f32>()?;
        Ok(v.into_iter().map(|x| x.clamp(0.0, 255.0) as u8).collect())
    };
    let rows = [to_u8(originals)?, to_u8(reconstructions)?];
    let width = n * w + (n + 1) * gap;
    let height = 2 * h + 3 * gap;
    let mut rgb = vec![255u8; width * height * 3];
    let plane = h * w;
    for (r, data) in rows.iter().enumerate() {
        let y0 = gap + r * (h + gap);
        for i in 0..n {
            let x0 = gap + i * (w + gap);
            let img = &data[i * 3 * plane..(i + 1) * 3 * plane];
            for y in 0..h {
                for x in 0..w {
                    let o = ((y0 + y) * width + x0 + x) * 3;
                    for ch in 0..3 {
                        rgb[o + ch] = img[ch * plane + y * w + x];
                    }
                }
            }
        }
    }
    let err = |m: String| CaeError::Figure {
        path: path.to_path_buf(),
        message: m,
    };
    let png = encode_rgb_png(&rgb, width as u32, height as u32).map_err(|e| err(e.to_string()))?;
    write_png_atomic(path, &png).map_err(|e| err(e.to_string()))
}
