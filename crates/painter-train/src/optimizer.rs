//! [`Optimizer`]: SGD (with momentum) and AdamW over named variables, implementing
//! [`candle_nn::Optimizer`], with state that can be saved and restored.
//!
//! Conventions follow PyTorch: AdamW decays weights decoupled from the gradient
//! (`w = w * (1 - lr * wd) - lr * m_hat / (sqrt(v_hat) + eps)`), with bias-corrected moments; SGD
//! adds `wd * w` to the gradient and keeps a momentum buffer `b = mu * b + g` (`w -= lr * b`).
//!
//! On the CPU the updates are fused in-place loops (no transient tensor per step: the paper head's
//! 328 M weights would otherwise cost several 1.3 GB buffers per step); on other devices they are
//! tensor operations. Both round identically.

use crate::kernels::{AdamApply, Axpby, Momentum};
use crate::{read_tensors, write_tensors, OptimizerConfig, TrainError};
use candle_core::backprop::GradStore;
use candle_core::{DType, Device, Tensor, Var};
use candle_nn::VarMap;
use std::path::Path;

/// One variable and its state.
struct Slot {
    name: String,
    var: Var,
    /// AdamW: the first moment; SGD: the momentum buffer (when momentum > 0).
    first: Option<Tensor>,
    /// AdamW: the second moment.
    second: Option<Tensor>,
}

/// An optimizer over a fixed set of named `f32` variables; see the module documentation.
pub struct Optimizer {
    config: OptimizerConfig,
    lr: f64,
    /// Sorted by name, so updates and saved state come in a fixed order.
    slots: Vec<Slot>,
    steps: u64,
}

impl std::fmt::Debug for Optimizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Optimizer")
            .field("config", &self.config)
            .field("lr", &self.lr)
            .field("variables", &self.slots.len())
            .field("steps", &self.steps)
            .finish()
    }
}

impl Optimizer {
    /// An optimizer over `params` (name, variable), every one `f32`, its moments zero and its
    /// learning rate the configuration's initial one.
    pub fn named(params: Vec<(String, Var)>, config: OptimizerConfig) -> Result<Self, TrainError> {
        config.validate()?;
        let mut slots = Vec::with_capacity(params.len());
        for (name, var) in params {
            if var.dtype() != DType::F32 {
                return Err(TrainError::NotF32 {
                    name,
                    dtype: var.dtype(),
                });
            }
            let zeros = || var.as_tensor().zeros_like();
            let (first, second) = match config {
                OptimizerConfig::AdamW { .. } => (Some(zeros()?), Some(zeros()?)),
                OptimizerConfig::Sgd { momentum, .. } if momentum > 0.0 => (Some(zeros()?), None),
                OptimizerConfig::Sgd { .. } => (None, None),
            };
            slots.push(Slot {
                name,
                var,
                first,
                second,
            });
        }
        slots.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(Self {
            lr: config.base_lr(),
            config,
            slots,
            steps: 0,
        })
    }

    /// An optimizer over every floating-point variable of `varmap`, named as there.
    pub fn from_varmap(varmap: &VarMap, config: OptimizerConfig) -> Result<Self, TrainError> {
        let params = crate::named_vars(varmap)?
            .into_iter()
            .filter(|(_, v)| v.dtype().is_float())
            .collect();
        Self::named(params, config)
    }

    /// The hyperparameters.
    pub fn config(&self) -> &OptimizerConfig {
        &self.config
    }

    /// The number of updates made so far (restored by [`Optimizer::load_state`]).
    pub fn steps(&self) -> u64 {
        self.steps
    }

    /// Applies one update at the current learning rate from the gradients in `grads`; variables
    /// without a gradient are left untouched.
    pub fn update(&mut self, grads: &GradStore) -> Result<(), TrainError> {
        self.steps += 1;
        let t = self.steps.min(i32::MAX as u64) as i32;
        let lr = self.lr;
        for slot in &mut self.slots {
            let Some(g) = grads.get(slot.var.as_tensor()) else {
                continue;
            };
            let g = g.to_dtype(DType::F32)?.contiguous()?;
            let w = slot.var.as_tensor();
            let cpu = w.device().is_cpu();
            match (self.config, &mut slot.first, &mut slot.second) {
                (
                    OptimizerConfig::AdamW {
                        beta1,
                        beta2,
                        eps,
                        weight_decay: wd,
                        ..
                    },
                    Some(m),
                    Some(v),
                ) => {
                    let scale_m = 1.0 / (1.0 - beta1.powi(t));
                    let scale_v = 1.0 / (1.0 - beta2.powi(t));
                    if cpu {
                        let axpby = |a: f64, square| Axpby {
                            a,
                            b: 1.0 - a,
                            square,
                        };
                        m.inplace_op2(&g, &axpby(beta1, false))?;
                        v.inplace_op2(&g, &axpby(beta2, true))?;
                        w.inplace_op3(
                            m,
                            v,
                            &AdamApply {
                                lr,
                                wd,
                                scale_m,
                                scale_v,
                                eps,
                            },
                        )?;
                    } else {
                        *m = (m.affine(beta1, 0.0)? + g.affine(1.0 - beta1, 0.0)?)?;
                        *v = (v.affine(beta2, 0.0)? + g.sqr()?.affine(1.0 - beta2, 0.0)?)?;
                        let m_hat = m.affine(scale_m, 0.0)?;
                        let v_hat = v.affine(scale_v, 0.0)?;
                        let update = (m_hat / (v_hat.sqrt()? + eps)?)?;
                        let decayed = w.affine(1.0 - lr * wd, 0.0)?;
                        slot.var.set(&(decayed - update.affine(lr, 0.0)?)?)?;
                    }
                }
                (
                    OptimizerConfig::Sgd {
                        momentum,
                        weight_decay: wd,
                        ..
                    },
                    Some(buf),
                    _,
                ) => {
                    if cpu {
                        buf.inplace_op3(&g, w, &Momentum { mu: momentum, wd })?;
                        w.inplace_op2(buf, &descent(lr))?;
                    } else {
                        let g = with_weight_decay(g, w, wd)?;
                        *buf = (buf.affine(momentum, 0.0)? + g)?;
                        slot.var.set(&(w - buf.affine(lr, 0.0)?)?)?;
                    }
                }
                (OptimizerConfig::Sgd { weight_decay, .. }, None, _) => {
                    if cpu && weight_decay == 0.0 {
                        w.inplace_op2(&g, &descent(lr))?;
                    } else {
                        let g = with_weight_decay(g, w, weight_decay)?;
                        slot.var.set(&(w - g.affine(lr, 0.0)?)?)?;
                    }
                }
                (OptimizerConfig::AdamW { .. }, _, _) => {
                    unreachable!("AdamW slots are built with both moments")
                }
            }
        }
        Ok(())
    }

    /// Writes the optimizer's buffers to a safetensors file, atomically: `m.<name>` and `v.<name>`
    /// (AdamW) or `momentum.<name>` (SGD). The step count is the caller's to keep beside it.
    pub fn save_state(&self, path: &Path) -> Result<(), TrainError> {
        let (first, second) = self.buffer_prefixes();
        let mut tensors = Vec::new();
        for slot in &self.slots {
            for (prefix, buffer) in [(first, &slot.first), (second, &slot.second)] {
                if let Some(t) = buffer {
                    tensors.push((format!("{prefix}.{}", slot.name), t.clone()));
                }
            }
        }
        write_tensors(path, &tensors).map(|_| ())
    }

    /// Restores the buffers written by [`Optimizer::save_state`] and the step count. Every buffer in
    /// the file must belong to a variable and have its shape; a variable without a buffer in the
    /// file keeps zero moments (it had no gradient yet).
    pub fn load_state(
        &mut self,
        path: &Path,
        steps: u64,
        device: &Device,
    ) -> Result<(), TrainError> {
        let mut tensors = read_tensors(path, device)?;
        let (first, second) = self.buffer_prefixes();
        for slot in &mut self.slots {
            for (prefix, buffer) in [(first, &mut slot.first), (second, &mut slot.second)] {
                let Some(buffer) = buffer else { continue };
                let key = format!("{prefix}.{}", slot.name);
                if let Some(saved) = tensors.remove(&key) {
                    if saved.dims() != slot.var.dims() {
                        return Err(TrainError::StateMismatch {
                            path: path.to_path_buf(),
                            buffer: key,
                            problem: format!(
                                "has shape {:?}, its variable {:?}",
                                saved.dims(),
                                slot.var.dims()
                            ),
                        });
                    }
                    *buffer = saved.to_dtype(DType::F32)?.contiguous()?;
                }
            }
        }
        if let Some(key) = tensors.into_keys().min() {
            return Err(TrainError::StateMismatch {
                path: path.to_path_buf(),
                buffer: key,
                problem: "matches no variable of this optimizer".into(),
            });
        }
        self.steps = steps;
        Ok(())
    }

    fn buffer_prefixes(&self) -> (&'static str, &'static str) {
        match self.config {
            OptimizerConfig::AdamW { .. } => ("m", "v"),
            OptimizerConfig::Sgd { .. } => ("momentum", "unused"),
        }
    }
}

/// `w = w - lr * s` as the fused update.
fn descent(lr: f64) -> Axpby {
    Axpby {
        a: 1.0,
        b: -lr,
        square: false,
    }
}

/// `g + wd * w` (`g` itself when `wd` is 0), as SGD's L2 penalty.
fn with_weight_decay(g: Tensor, w: &Tensor, wd: f64) -> candle_core::Result<Tensor> {
    if wd > 0.0 {
        g + w.affine(wd, 0.0)?
    } else {
        Ok(g)
    }
}

impl candle_nn::Optimizer for Optimizer {
    type Config = OptimizerConfig;

    /// Names the variables by their position (`0`, `1`, ...); use [`Optimizer::named`] or
    /// [`Optimizer::from_varmap`] for state saved under stable names.
    fn new(vars: Vec<Var>, config: OptimizerConfig) -> candle_core::Result<Self> {
        let width = vars.len().to_string().len();
        let params = vars
            .into_iter()
            .enumerate()
            .map(|(i, v)| (format!("{i:0width$}"), v))
            .collect();
        Self::named(params, config).map_err(candle_core::Error::wrap)
    }

    fn step(&mut self, grads: &GradStore) -> candle_core::Result<()> {
        self.update(grads).map_err(candle_core::Error::wrap)
    }

    fn learning_rate(&self) -> f64 {
        self.lr
    }

    fn set_learning_rate(&mut self, lr: f64) {
        self.lr = lr;
    }
}
