//! The per-channel mean and population standard deviation of `N x C x H x W` maps: on the CPU for
//! `f32` one parallel task per plane, which reads its plane twice while it is in cache (the mean,
//! then the centred squares, both summed in `f64`) and allocates nothing of the maps' size.

use crate::op::{apply_no_bwd, arity, Arg, Kernel, Output};
use crate::storage::{dims4, f32_slice, is_cpu_f32, output};
use crate::ConvError;
use candle_core::{Result, Tensor, D};
use rayon::prelude::*;

/// The mean and the population standard deviation (`sqrt(mean((x - mean)^2))`) of every channel
/// of `x` (`N x C x H x W`) over its `H x W` pixels: two `N x C` tensors. Forward only (no
/// gradient).
///
/// On the CPU for `f32` each plane is one task of the rayon pool, summed in `f64` in pixel order,
/// so the results do not depend on the thread count; on other devices and dtypes it is composed
/// of Candle's own reductions.
///
/// ```
/// use candle_core::{Device, Tensor};
/// let x = Tensor::new(&[1f32, 2., 3., 6.], &Device::Cpu).unwrap().reshape((1, 1, 2, 2)).unwrap();
/// let (mean, std) = painter_conv::channel_mean_std(&x).unwrap();
/// assert_eq!(mean.to_vec2::<f32>().unwrap(), vec![vec![3.0]]);
/// assert_eq!(std.to_vec2::<f32>().unwrap(), vec![vec![1.8708287]]);
/// ```
pub fn channel_mean_std(x: &Tensor) -> Result<(Tensor, Tensor)> {
    let [_, _, h, w] = dims4("channel statistics input", x.shape())?;
    if h * w == 0 {
        return Err(ConvError::Shape(format!(
            "channel statistics need at least one pixel per plane, got {:?}",
            x.dims()
        ))
        .into());
    }
    if !is_cpu_f32(&[x]) {
        let flat = x.flatten_from(2)?;
        let mean = flat.mean(D::Minus1)?;
        let centred = flat.broadcast_sub(&mean.unsqueeze(D::Minus1)?)?;
        let std = centred.sqr()?.mean(D::Minus1)?.sqrt()?;
        return Ok((mean, std));
    }
    let both = apply_no_bwd(&[x], ChannelMeanStdOp)?;
    Ok((
        both.narrow(1, 0, 1)?.squeeze(1)?,
        both.narrow(1, 1, 1)?.squeeze(1)?,
    ))
}

/// `N x C x H x W -> N x 2 x C`: the means of every image's channels, then their standard
/// deviations.
struct ChannelMeanStdOp;

impl Kernel for ChannelMeanStdOp {
    const NAME: &'static str = "painter-channel-mean-std";

    fn forward(&self, args: &[Arg<'_>]) -> Output {
        let [(s, l)] = arity(Self::NAME, args)?;
        let [n, c, h, w] = dims4("channel statistics input", l.shape())?;
        let x = f32_slice("channel statistics input", s, l)?;
        let plane = h * w;
        let stats: Vec<(f32, f32)> = x.par_chunks(plane).map(mean_std).collect();
        let mut out = vec![0f32; n * 2 * c];
        for (i, image) in stats.chunks(c).enumerate() {
            for (ch, &(mean, std)) in image.iter().enumerate() {
                out[i * 2 * c + ch] = mean;
                out[i * 2 * c + c + ch] = std;
            }
        }
        Ok(output(out, (n, 2, c)))
    }
}

/// The mean and population standard deviation of one plane, summed in `f64` in order.
fn mean_std(p: &[f32]) -> (f32, f32) {
    let n = p.len() as f64;
    let mean = p.iter().map(|&v| f64::from(v)).sum::<f64>() / n;
    let var = p
        .iter()
        .map(|&v| {
            let d = f64::from(v) - mean;
            d * d
        })
        .sum::<f64>()
        / n;
    (mean as f32, var.sqrt() as f32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::{DType, Device};

    /// The naive reference: per plane, in `f64`, straight from the definition.
    fn naive(x: &[f32], planes: usize) -> (Vec<f64>, Vec<f64>) {
        let size = x.len() / planes;
        let mut means = Vec::new();
        let mut stds = Vec::new();
        for p in x.chunks(size) {
            let m = p.iter().map(|&v| v as f64).sum::<f64>() / size as f64;
            let v = p.iter().map(|&v| (v as f64 - m).powi(2)).sum::<f64>() / size as f64;
            means.push(m);
            stds.push(v.sqrt());
        }
        (means, stds)
    }

    #[test]
    fn matches_the_naive_reference_and_the_composed_path() {
        let dev = Device::Cpu;
        // An offset far from zero makes a one-pass (sum of squares) variance lose digits.
        let x = (Tensor::randn(0f32, 1.0, (3, 5, 7, 9), &dev).unwrap() + 100.0).unwrap();
        let (mean, std) = channel_mean_std(&x).unwrap();
        assert_eq!(mean.dims(), &[3, 5]);
        assert_eq!(std.dims(), &[3, 5]);
        let values = x.flatten_all().unwrap().to_vec1::<f32>().unwrap();
        let (want_mean, want_std) = naive(&values, 15);
        let got_mean = mean.flatten_all().unwrap().to_vec1::<f32>().unwrap();
        let got_std = std.flatten_all().unwrap().to_vec1::<f32>().unwrap();
        for i in 0..15 {
            assert!((got_mean[i] as f64 - want_mean[i]).abs() <= 1e-6 * want_mean[i].abs());
            assert!((got_std[i] as f64 - want_std[i]).abs() <= 1e-6 * want_std[i]);
        }
        // The composed path (other devices and dtypes), here on f64.
        let (m64, s64) = channel_mean_std(&x.to_dtype(DType::F64).unwrap()).unwrap();
        let m64 = m64.flatten_all().unwrap().to_vec1::<f64>().unwrap();
        let s64 = s64.flatten_all().unwrap().to_vec1::<f64>().unwrap();
        for i in 0..15 {
            assert!((m64[i] - want_mean[i]).abs() <= 1e-9 * want_mean[i].abs());
            assert!((s64[i] - want_std[i]).abs() <= 1e-9 * want_std[i]);
        }
    }

    #[test]
    fn the_same_on_any_number_of_threads() {
        let x = Tensor::randn(0f32, 1.0, (4, 8, 16, 16), &Device::Cpu).unwrap();
        let run = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            pool.install(|| {
                let (m, s) = channel_mean_std(&x).unwrap();
                let m = m.flatten_all().unwrap().to_vec1::<f32>().unwrap();
                let s = s.flatten_all().unwrap().to_vec1::<f32>().unwrap();
                (m, s)
            })
        };
        assert_eq!(run(1), run(3));
    }

    #[test]
    fn refuses_empty_planes_and_other_ranks() {
        let dev = Device::Cpu;
        let empty = Tensor::zeros((2, 3, 0, 4), DType::F32, &dev).unwrap();
        assert!(channel_mean_std(&empty).is_err());
        let flat = Tensor::zeros((2, 3), DType::F32, &dev).unwrap();
        assert!(channel_mean_std(&flat).is_err());
    }
}
