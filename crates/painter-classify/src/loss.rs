//! Cross-entropy on logits, optionally weighted per class (PyTorch's `CrossEntropyLoss(weight=...)`
//! convention: the weighted sum divided by the sum of the weights of the batch's targets).

use crate::error::{ClassifyError, Result};
use candle_core::{DType, Tensor, D};

/// The mean cross-entropy of `logits` (`N x K`) against `targets` (`N` class indices, `u32`).
///
/// With `class_weights` (length `K`), sample `i` counts `class_weights[targets[i]]` times and the result
/// is `sum_i w_i * nll_i / sum_i w_i`.
pub fn cross_entropy(
    logits: &Tensor,
    targets: &Tensor,
    class_weights: Option<&Tensor>,
) -> Result<Tensor> {
    let (_, k) = logits.dims2()?;
    let logp = candle_nn::ops::log_softmax(logits, D::Minus1)?;
    let targets = targets.to_dtype(DType::U32)?;
    let picked = logp.gather(&targets.unsqueeze(1)?, 1)?.squeeze(1)?;
    match class_weights {
        None => Ok(picked.mean_all()?.neg()?),
        Some(w) => {
            if w.dims() != [k] {
                return Err(ClassifyError::ClassCountMismatch {
                    expected: k,
                    found: w.elem_count(),
                });
            }
            let wi = w.to_dtype(DType::F32)?.gather(&targets, 0)?;
            let num = (picked * &wi)?.sum_all()?;
            Ok(num.broadcast_div(&wi.sum_all()?)?.neg()?)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::Device;

    fn naive(logits: &[[f32; 3]], t: &[u32], w: Option<[f32; 3]>) -> f32 {
        let (mut num, mut den) = (0.0f64, 0.0f64);
        for (row, &ti) in logits.iter().zip(t) {
            let m = row.iter().cloned().fold(f32::MIN, f32::max) as f64;
            let lse = m + row.iter().map(|&v| (v as f64 - m).exp()).sum::<f64>().ln();
            let wi = w.map_or(1.0, |w| w[ti as usize] as f64);
            num += wi * (lse - row[ti as usize] as f64);
            den += wi;
        }
        (num / den) as f32
    }

    #[test]
    fn matches_a_naive_log_sum_exp() -> Result<()> {
        let dev = Device::Cpu;
        let l = [
            [1.0f32, 2.0, -1.0],
            [0.5, 0.5, 3.0],
            [10.0, -3.0, 0.0],
            [0.0, 0.0, 0.0],
        ];
        let t = [1u32, 2, 0, 1];
        let logits = Tensor::new(&l, &dev)?;
        let targets = Tensor::new(&t, &dev)?;
        let plain = cross_entropy(&logits, &targets, None)?.to_scalar::<f32>()?;
        assert!((plain - naive(&l, &t, None)).abs() < 1e-5);
        let w = [0.5f32, 2.0, 1.0];
        let weighted =
            cross_entropy(&logits, &targets, Some(&Tensor::new(&w, &dev)?))?.to_scalar::<f32>()?;
        assert!((weighted - naive(&l, &t, Some(w))).abs() < 1e-5);
        // Candle's unweighted loss agrees.
        let candle = candle_nn::loss::cross_entropy(&logits, &targets)?.to_scalar::<f32>()?;
        assert!((plain - candle).abs() < 1e-6);
        Ok(())
    }

    #[test]
    fn wrong_weight_count_is_refused() -> Result<()> {
        let dev = Device::Cpu;
        let logits = Tensor::zeros((2, 3), DType::F32, &dev)?;
        let t = Tensor::new(&[0u32, 1], &dev)?;
        let w = Tensor::new(&[1f32, 1.0], &dev)?;
        assert!(matches!(
            cross_entropy(&logits, &t, Some(&w)),
            Err(ClassifyError::ClassCountMismatch {
                expected: 3,
                found: 2
            })
        ));
        Ok(())
    }
}
