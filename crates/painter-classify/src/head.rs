//! [`Head`]: the dense classifier head (spatial dropout, flatten or pool, dense layers with ReLU and
//! dropout, output logits) as trainable Candle variables.

use crate::dropout::{dropout, spatial_dropout};
use crate::error::{ClassifyError, Result};
use crate::head_config::{HeadConfig, HeadKind};
use crate::init::{derive_seed, uniform_values};
use candle_core::{DType, Device, Tensor, Var};
use rand_chacha::ChaCha8Rng;

/// One dense layer; the weight is stored `inputs x outputs` so that the forward pass is one
/// `x.matmul(w)` and the gradient comes out contiguous (no transposed copy of a 1.3 GB matrix).
#[derive(Debug, Clone)]
struct Dense {
    weight: Var,
    bias: Var,
}

/// The trainable classifier head described by a [`HeadConfig`].
///
/// ```
/// use candle_core::{Device, Tensor, DType};
/// use painter_classify::{Head, HeadConfig};
///
/// let cfg = HeadConfig::pooled((8, 4, 4), 3);
/// let head = Head::new(&cfg, 42, &Device::Cpu).unwrap();
/// let latent = Tensor::ones((2, 8, 4, 4), DType::F32, &Device::Cpu).unwrap();
/// let probs = head.probabilities(&latent).unwrap();
/// assert_eq!(probs.dims(), &[2, 3]);
/// ```
#[derive(Debug, Clone)]
pub struct Head {
    config: HeadConfig,
    layers: Vec<Dense>,
}

impl Head {
    /// Builds a head with seeded PyTorch-style initialization (`U(-1/sqrt(fan_in), 1/sqrt(fan_in))`).
    pub fn new(config: &HeadConfig, seed: u64, device: &Device) -> Result<Self> {
        config.validate()?;
        let mut layers = Vec::new();
        for (i, (fan_in, fan_out)) in config.layer_dims().into_iter().enumerate() {
            let bound = 1.0 / (fan_in as f32).sqrt();
            // Var::from_vec takes the values without the copy Var::from_tensor would make.
            let w = uniform_values(fan_in * fan_out, bound, derive_seed(seed, 2 * i as u64));
            let b = uniform_values(fan_out, bound, derive_seed(seed, 2 * i as u64 + 1));
            layers.push(Dense {
                weight: Var::from_vec(w, (fan_in, fan_out), device)?,
                bias: Var::from_vec(b, fan_out, device)?,
            });
        }
        Ok(Self {
            config: config.clone(),
            layers,
        })
    }

    /// Rebuilds a head from named tensors (as written by [`Head::named_tensors`]), checking every
    /// name and shape against `config`.
    pub fn from_tensors(
        config: &HeadConfig,
        mut get: impl FnMut(&str) -> Option<Tensor>,
    ) -> Result<Self> {
        config.validate()?;
        let mut layers = Vec::new();
        for (i, (fan_in, fan_out)) in config.layer_dims().into_iter().enumerate() {
            let mut fetch = |name: String, shape: &[usize]| -> Result<Var> {
                let Some(t) = get(&name) else {
                    return Err(ClassifyError::MissingTensor { part: "head", name });
                };
                if t.dims() != shape {
                    return Err(ClassifyError::TensorShape {
                        part: "head",
                        name,
                        found: t.dims().to_vec(),
                        expected: shape.to_vec(),
                    });
                }
                Ok(Var::from_tensor(&t.to_dtype(DType::F32)?)?)
            };
            let weight = fetch(Self::weight_name(i), &[fan_in, fan_out])?;
            let bias = fetch(Self::bias_name(i), &[fan_out])?;
            layers.push(Dense { weight, bias });
        }
        Ok(Self {
            config: config.clone(),
            layers,
        })
    }

    /// The name of dense layer `i`'s weight (`inputs x outputs`) in saved files.
    pub fn weight_name(i: usize) -> String {
        format!("head.fc{i}.weight")
    }

    /// The name of dense layer `i`'s bias in saved files.
    pub fn bias_name(i: usize) -> String {
        format!("head.fc{i}.bias")
    }

    /// The configuration.
    pub fn config(&self) -> &HeadConfig {
        &self.config
    }

    /// The trainable variables (weights and biases of every dense layer).
    pub fn vars(&self) -> Vec<Var> {
        self.layers
            .iter()
            .flat_map(|l| [l.weight.clone(), l.bias.clone()])
            .collect()
    }

    /// Every variable with its saved name.
    pub fn named_tensors(&self) -> Vec<(String, Tensor)> {
        self.layers
            .iter()
            .enumerate()
            .flat_map(|(i, l)| {
                [
                    (Self::weight_name(i), l.weight.as_tensor().clone()),
                    (Self::bias_name(i), l.bias.as_tensor().clone()),
                ]
            })
            .collect()
    }

    /// Copies of the current values (for keeping the best epoch's weights).
    pub fn snapshot(&self) -> Result<Vec<Tensor>> {
        Ok(self
            .vars()
            .iter()
            .map(|v| v.as_tensor().copy())
            .collect::<candle_core::Result<_>>()?)
    }

    /// Restores values taken by [`Head::snapshot`].
    pub fn restore(&self, snapshot: &[Tensor]) -> Result<()> {
        let vars = self.vars();
        if vars.len() != snapshot.len() {
            return Err(ClassifyError::InvalidConfig(format!(
                "snapshot holds {} tensors, the head {}",
                snapshot.len(),
                vars.len()
            )));
        }
        for (v, t) in vars.iter().zip(snapshot) {
            v.set(t)?;
        }
        Ok(())
    }

    /// Checks that `latent` is `N x C x H x W` with the configured `(C, H, W)`.
    pub fn check_latent(&self, latent: &Tensor) -> Result<()> {
        let d = latent.dims();
        let (c, h, w) = self.config.latent_shape;
        if d.len() != 4 || d[1] != c || d[2] != h || d[3] != w {
            return Err(ClassifyError::FeatureShape {
                expected: self.config.latent_shape,
                found: d.to_vec(),
            });
        }
        Ok(())
    }

    /// The logits (`N x num_classes`) for latent maps `N x C x H x W` (any float type).
    ///
    /// With `rng` (training) the configured spatial dropout and dropout are applied with masks drawn
    /// from it; without (evaluation, prediction) the head is deterministic.
    pub fn forward(&self, latent: &Tensor, mut rng: Option<&mut ChaCha8Rng>) -> Result<Tensor> {
        self.check_latent(latent)?;
        let mut x = latent.to_dtype(DType::F32)?;
        if let Some(r) = rng.as_deref_mut() {
            x = spatial_dropout(&x, self.config.spatial_dropout, r)?;
        }
        let n = x.dim(0)?;
        x = match self.config.kind {
            HeadKind::Flatten => x.reshape((n, self.config.input_dim()))?,
            HeadKind::GlobalPool => {
                let x3 = x.flatten_from(2)?;
                let avg = x3.mean(2)?;
                let max = x3.max(2)?;
                Tensor::cat(&[&avg, &max], 1)?
            }
        };
        let last = self.layers.len().saturating_sub(1);
        for (i, layer) in self.layers.iter().enumerate() {
            x = x
                .matmul(layer.weight.as_tensor())?
                .broadcast_add(layer.bias.as_tensor())?;
            if i < last {
                x = x.relu()?;
                if let Some(r) = rng.as_deref_mut() {
                    x = dropout(&x, self.config.dropout, r)?;
                }
            }
        }
        Ok(x)
    }

    /// Per-painter probabilities (`N x num_classes`, rows sum to 1), without dropout.
    pub fn probabilities(&self, latent: &Tensor) -> Result<Tensor> {
        Ok(candle_nn::ops::softmax_last_dim(
            &self.forward(latent, None)?,
        )?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forward_matches_a_naive_computation() -> Result<()> {
        let dev = Device::Cpu;
        let cfg = HeadConfig::paper((2, 3, 3), 3)
            .with_hidden(vec![5, 4])
            .with_dropout(0.0);
        let head = Head::new(&cfg, 1, &dev)?;
        let x: Vec<f32> = (0..2 * 18)
            .map(|i| ((i * 7) % 11) as f32 / 10.0 - 0.4)
            .collect();
        let latent = Tensor::from_vec(x.clone(), (2, 2, 3, 3), &dev)?;
        let got = head.forward(&latent, None)?.to_vec2::<f32>()?;
        // Naive: loop over layers with the stored (inputs x outputs) weights.
        let named = head.named_tensors();
        for (n, row) in got.iter().enumerate() {
            let mut v: Vec<f32> = x[n * 18..(n + 1) * 18].to_vec();
            for l in 0..3 {
                let w = named[2 * l].1.to_vec2::<f32>()?;
                let b = named[2 * l + 1].1.to_vec1::<f32>()?;
                let mut out = b.clone();
                for (o, out_o) in out.iter_mut().enumerate() {
                    for (i, vi) in v.iter().enumerate() {
                        *out_o += vi * w[i][o];
                    }
                }
                if l < 2 {
                    out.iter_mut().for_each(|o| *o = o.max(0.0));
                }
                v = out;
            }
            for (a, b) in row.iter().zip(&v) {
                assert!((a - b).abs() < 1e-5, "{a} vs {b}");
            }
        }
        Ok(())
    }

    #[test]
    fn pooled_head_uses_mean_and_max() -> Result<()> {
        let dev = Device::Cpu;
        let cfg = HeadConfig::pooled((2, 2, 2), 2).with_hidden(vec![]);
        let head = Head::new(&cfg, 1, &dev)?;
        let latent = Tensor::new(&[[[[1f32, 2.], [3., 6.]], [[-1f32, 0.], [0., 1.]]]], &dev)?;
        let got = head.forward(&latent, None)?.to_vec2::<f32>()?;
        let feats = [3.0f32, 0.0, 6.0, 1.0]; // means of both maps, then maxima
        let w = head.named_tensors()[0].1.to_vec2::<f32>()?;
        let b = head.named_tensors()[1].1.to_vec1::<f32>()?;
        for o in 0..2 {
            let want: f32 = b[o]
                + feats
                    .iter()
                    .enumerate()
                    .map(|(i, f)| f * w[i][o])
                    .sum::<f32>();
            assert!((got[0][o] - want).abs() < 1e-5);
        }
        Ok(())
    }

    #[test]
    fn wrong_latent_shape_is_a_typed_error() -> Result<()> {
        let head = Head::new(&HeadConfig::pooled((4, 2, 2), 2), 0, &Device::Cpu)?;
        let bad = Tensor::zeros((1, 3, 2, 2), DType::F32, &Device::Cpu)?;
        assert!(matches!(
            head.forward(&bad, None),
            Err(ClassifyError::FeatureShape { .. })
        ));
        Ok(())
    }
}
