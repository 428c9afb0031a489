//! [`Head`]: the dense classifier head (spatial dropout, flatten or pool, dense layers with ReLU and
//! dropout, output logits), a candle-nn style layer: built from a [`VarBuilder`], evaluated as a
//! [`Module`], trained through the variables of the [`VarMap`] behind it.

use crate::dropout::{dropout, spatial_dropout};
use crate::error::{ClassifyError, Result};
use crate::head_config::{HeadConfig, HeadKind};
use crate::init::{derive_seed, uniform_values};
use crate::vars::checked_vars;
use candle_core::{DType, Device, Module, Tensor, Var};
use candle_nn::{Init, VarBuilder, VarMap};
use rand_chacha::ChaCha8Rng;

/// One dense layer; the weight is stored `inputs x outputs` so that the forward pass is one
/// `x.matmul(w)` and the gradient comes out contiguous (no transposed copy of a 1.3 GB matrix).
#[derive(Debug, Clone)]
struct Dense {
    weight: Tensor,
    bias: Tensor,
}

/// The classifier head described by a [`HeadConfig`].
///
/// Its tensors are those of the [`VarBuilder`] it is built from: built over a [`VarMap`], training
/// that map's variables trains the head. [`Head::seeded`] gives reproducible initial weights.
///
/// ```
/// use candle_core::{DType, Device, Module, Tensor};
/// use painter_classify::{Head, HeadConfig};
///
/// let cfg = HeadConfig::pooled((8, 4, 4), 3);
/// let (head, vars) = Head::seeded(&cfg, 42, &Device::Cpu).unwrap();
/// assert_eq!(vars.all_vars().len(), 2 * cfg.layer_dims().len());
/// let latent = Tensor::ones((2, 8, 4, 4), DType::F32, &Device::Cpu).unwrap();
/// assert_eq!(head.forward(&latent).unwrap().dims(), &[2, 3]);
/// assert_eq!(head.probabilities(&latent).unwrap().dims(), &[2, 3]);
/// ```
#[derive(Debug, Clone)]
pub struct Head {
    config: HeadConfig,
    layers: Vec<Dense>,
}

impl Head {
    /// The head's layers from `vb`: dense layer `i` is `fc{i}.weight` (`inputs x outputs`) and
    /// `fc{i}.bias`. Over a [`VarMap`], a missing variable is created with PyTorch's default
    /// initialization, `U(-1/sqrt(fan_in), 1/sqrt(fan_in))` (from candle's unseeded generator: use
    /// [`Head::seeded`] for reproducible weights).
    pub fn new(config: &HeadConfig, vb: VarBuilder) -> Result<Self> {
        config.validate()?;
        let mut layers = Vec::new();
        for (i, (fan_in, fan_out)) in config.layer_dims().into_iter().enumerate() {
            let bound = 1.0 / (fan_in as f64).sqrt();
            let init = Init::Uniform {
                lo: -bound,
                up: bound,
            };
            layers.push(Dense {
                weight: vb.get_with_hints((fan_in, fan_out), &format!("fc{i}.weight"), init)?,
                bias: vb.get_with_hints(fan_out, &format!("fc{i}.bias"), init)?,
            });
        }
        Ok(Self {
            config: config.clone(),
            layers,
        })
    }

    /// A head with seeded PyTorch-style initialization (`U(-1/sqrt(fan_in), 1/sqrt(fan_in))`), and
    /// the [`VarMap`] that holds its variables (named as in saved files, `head.fc{i}.weight`).
    pub fn seeded(config: &HeadConfig, seed: u64, device: &Device) -> Result<(Self, VarMap)> {
        config.validate()?;
        let mut named = Vec::new();
        for (i, (fan_in, fan_out)) in config.layer_dims().into_iter().enumerate() {
            let bound = 1.0 / (fan_in as f32).sqrt();
            // Var::from_vec takes the values without the copy Var::from_tensor would make.
            let w = uniform_values(fan_in * fan_out, bound, derive_seed(seed, 2 * i as u64));
            let b = uniform_values(fan_out, bound, derive_seed(seed, 2 * i as u64 + 1));
            named.push((
                Self::weight_name(i),
                Var::from_vec(w, (fan_in, fan_out), device)?,
            ));
            named.push((Self::bias_name(i), Var::from_vec(b, fan_out, device)?));
        }
        let vars = painter_train::var_map(named)?;
        let head = Self::over(config, &vars, device)?;
        Ok((head, vars))
    }

    /// Rebuilds a head from named tensors (as written by [`Head::named_tensors`]), checking every
    /// name and shape against `config`; returns it with the [`VarMap`] of its variables.
    pub fn from_tensors(
        config: &HeadConfig,
        get: impl FnMut(&str) -> Option<Tensor>,
        device: &Device,
    ) -> Result<(Self, VarMap)> {
        config.validate()?;
        let specs =
            config
                .layer_dims()
                .into_iter()
                .enumerate()
                .flat_map(|(i, (fan_in, fan_out))| {
                    [
                        (Self::weight_name(i), vec![fan_in, fan_out]),
                        (Self::bias_name(i), vec![fan_out]),
                    ]
                });
        let vars = checked_vars("head", specs, get, device)?;
        let head = Self::over(config, &vars, device)?;
        Ok((head, vars))
    }

    /// The head over the variables of `vars`, whose names carry the `head.` prefix.
    fn over(config: &HeadConfig, vars: &VarMap, device: &Device) -> Result<Self> {
        Self::new(
            config,
            VarBuilder::from_varmap(vars, DType::F32, device).pp("head"),
        )
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

    /// Every tensor with its saved name.
    pub fn named_tensors(&self) -> Vec<(String, Tensor)> {
        self.layers
            .iter()
            .enumerate()
            .flat_map(|(i, l)| {
                [
                    (Self::weight_name(i), l.weight.clone()),
                    (Self::bias_name(i), l.bias.clone()),
                ]
            })
            .collect()
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

    /// The logits (`N x num_classes`) for latent maps `N x C x H x W` (any float type), without
    /// dropout; a latent of another shape is a typed error ([`Module::forward`] gives the same
    /// logits with the error as a tensor-library one).
    pub fn logits(&self, latent: &Tensor) -> Result<Tensor> {
        self.logits_with(latent, None)
    }

    /// The logits while training: the configured spatial dropout and dropout applied with masks
    /// drawn from `rng`.
    pub fn logits_with_dropout(&self, latent: &Tensor, rng: &mut ChaCha8Rng) -> Result<Tensor> {
        self.logits_with(latent, Some(rng))
    }

    fn logits_with(&self, latent: &Tensor, mut rng: Option<&mut ChaCha8Rng>) -> Result<Tensor> {
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
            x = x.matmul(&layer.weight)?.broadcast_add(&layer.bias)?;
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
        Ok(candle_nn::ops::softmax_last_dim(&self.logits(latent)?)?)
    }
}

impl Module for Head {
    /// The logits, without dropout (see [`Head::logits`]).
    fn forward(&self, latent: &Tensor) -> candle_core::Result<Tensor> {
        self.logits(latent).map_err(candle_core::Error::wrap)
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
        let (head, _) = Head::seeded(&cfg, 1, &dev)?;
        let x: Vec<f32> = (0..2 * 18)
            .map(|i| ((i * 7) % 11) as f32 / 10.0 - 0.4)
            .collect();
        let latent = Tensor::from_vec(x.clone(), (2, 2, 3, 3), &dev)?;
        let got = head.logits(&latent)?.to_vec2::<f32>()?;
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
        let (head, _) = Head::seeded(&cfg, 1, &dev)?;
        let latent = Tensor::new(&[[[[1f32, 2.], [3., 6.]], [[-1f32, 0.], [0., 1.]]]], &dev)?;
        let got = head.logits(&latent)?.to_vec2::<f32>()?;
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
        let (head, _) = Head::seeded(&HeadConfig::pooled((4, 2, 2), 2), 0, &Device::Cpu)?;
        let bad = Tensor::zeros((1, 3, 2, 2), DType::F32, &Device::Cpu)?;
        assert!(matches!(
            head.logits(&bad),
            Err(ClassifyError::FeatureShape { .. })
        ));
        Ok(())
    }

    #[test]
    fn the_head_reads_the_variables_of_its_var_builder() -> Result<()> {
        let dev = Device::Cpu;
        let cfg = HeadConfig::pooled((3, 2, 2), 2).with_hidden(vec![4]);
        let latent = Tensor::from_vec(
            (0..24).map(|i| (i as f32 * 0.3).sin()).collect::<Vec<_>>(),
            (2, 3, 2, 2),
            &dev,
        )?;
        // A fresh VarMap: the head creates its variables there, and training them trains it.
        let vars = VarMap::new();
        let head = Head::new(
            &cfg,
            VarBuilder::from_varmap(&vars, DType::F32, &dev).pp("head"),
        )?;
        let mut names: Vec<String> = vars.data().lock().unwrap().keys().cloned().collect();
        names.sort();
        assert_eq!(
            names,
            [
                "head.fc0.bias",
                "head.fc0.weight",
                "head.fc1.bias",
                "head.fc1.weight"
            ]
        );
        let before = head.logits(&latent)?.to_vec2::<f32>()?;
        assert_eq!(head.forward(&latent)?.to_vec2::<f32>()?, before);
        let bias = vars.data().lock().unwrap()["head.fc1.bias"].clone();
        bias.set(&(bias.as_tensor() + 1.0)?)?;
        let after = head.logits(&latent)?.to_vec2::<f32>()?;
        for (a, b) in after.iter().flatten().zip(before.iter().flatten()) {
            assert!((a - b - 1.0).abs() < 1e-6, "{a} vs {b} + 1");
        }
        // Saved tensors rebuild the same head; a missing or misshapen one is a typed error.
        let (seeded, _) = Head::seeded(&cfg, 3, &dev)?;
        let saved: std::collections::HashMap<String, Tensor> =
            seeded.named_tensors().into_iter().collect();
        let (again, _) = Head::from_tensors(&cfg, |n| saved.get(n).cloned(), &dev)?;
        assert_eq!(
            again.logits(&latent)?.to_vec2::<f32>()?,
            seeded.logits(&latent)?.to_vec2::<f32>()?
        );
        let missing = Head::from_tensors(
            &cfg,
            |n| saved.get(n).filter(|_| n != "head.fc1.bias").cloned(),
            &dev,
        );
        assert!(matches!(missing, Err(ClassifyError::MissingTensor { .. })));
        let small = HeadConfig::pooled((3, 2, 2), 2).with_hidden(vec![5]);
        let misshapen = Head::from_tensors(&small, |n| saved.get(n).cloned(), &dev);
        assert!(matches!(misshapen, Err(ClassifyError::TensorShape { .. })));
        Ok(())
    }
}
