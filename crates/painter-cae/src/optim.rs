//! Optimizers whose state can be saved and restored, so a resumed run continues exactly where the
//! killed one stopped: the paper's SGD (optionally with momentum) and AdamW.

use crate::checkpoint::{read_tensors, write_tensors};
use crate::CaeError;
use candle_core::backprop::GradStore;
use candle_core::{Device, Tensor, Var};
use candle_nn::VarMap;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::Path;

/// The optimizer and its hyperparameters. The learning rate of epoch `e` (0-based) is
/// `lr * lr_decay^e`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum OptimizerConfig {
    /// Stochastic gradient descent: `buf = momentum * buf + g + weight_decay * w; w -= lr * buf`.
    Sgd {
        /// Initial learning rate (the paper: 0.01).
        lr: f64,
        /// Factor applied to the learning rate after every epoch (the paper: 0.98).
        lr_decay: f64,
        /// Momentum in `[0, 1)`; 0 is plain SGD.
        momentum: f64,
        /// L2 penalty added to the gradient.
        weight_decay: f64,
    },
    /// AdamW (Loshchilov & Hutter) with bias correction and decoupled weight decay.
    AdamW {
        /// Initial learning rate.
        lr: f64,
        /// Factor applied to the learning rate after every epoch.
        lr_decay: f64,
        /// First-moment decay.
        beta1: f64,
        /// Second-moment decay.
        beta2: f64,
        /// Denominator guard.
        eps: f64,
        /// Decoupled weight decay.
        weight_decay: f64,
    },
}

impl Default for OptimizerConfig {
    fn default() -> Self {
        Self::paper_sgd()
    }
}

impl OptimizerConfig {
    /// The paper's SGD: learning rate 0.01, times 0.98 after every epoch, no momentum.
    pub fn paper_sgd() -> Self {
        Self::Sgd {
            lr: 0.01,
            lr_decay: 0.98,
            momentum: 0.0,
            weight_decay: 0.0,
        }
    }

    /// AdamW with learning rate `1e-3`, betas `(0.9, 0.999)`, eps `1e-8`, no weight decay and no
    /// per-epoch decay.
    pub fn adamw() -> Self {
        Self::AdamW {
            lr: 1e-3,
            lr_decay: 1.0,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            weight_decay: 0.0,
        }
    }

    /// A default optimizer by name: `"sgd"` or `"adamw"`.
    pub fn by_name(name: &str) -> Result<Self, CaeError> {
        match name {
            "sgd" => Ok(Self::paper_sgd()),
            "adamw" => Ok(Self::adamw()),
            other => Err(CaeError::InvalidConfig(format!(
                "unknown optimizer `{other}` (expected `sgd` or `adamw`)"
            ))),
        }
    }

    /// The short name: `sgd` or `adamw`.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Sgd { .. } => "sgd",
            Self::AdamW { .. } => "adamw",
        }
    }

    /// The initial learning rate.
    pub fn base_lr(&self) -> f64 {
        match self {
            Self::Sgd { lr, .. } | Self::AdamW { lr, .. } => *lr,
        }
    }

    /// The learning rate used in epoch `epoch` (0-based).
    pub fn lr_at(&self, epoch: usize) -> f64 {
        let decay = match self {
            Self::Sgd { lr_decay, .. } | Self::AdamW { lr_decay, .. } => *lr_decay,
        };
        self.base_lr() * decay.powi(epoch.min(i32::MAX as usize) as i32)
    }

    /// Checks every hyperparameter.
    pub fn validate(&self) -> Result<(), CaeError> {
        let bad = |m: String| Err(CaeError::InvalidConfig(m));
        let (lr, lr_decay) = match self {
            Self::Sgd { lr, lr_decay, .. } | Self::AdamW { lr, lr_decay, .. } => (*lr, *lr_decay),
        };
        if !(lr.is_finite() && lr > 0.0) {
            return bad(format!(
                "learning rate must be positive and finite, got {lr}"
            ));
        }
        if !(lr_decay.is_finite() && lr_decay > 0.0 && lr_decay <= 1.0) {
            return bad(format!("lr_decay must lie in (0, 1], got {lr_decay}"));
        }
        match self {
            Self::Sgd {
                momentum,
                weight_decay,
                ..
            } => {
                if !(0.0..1.0).contains(momentum) {
                    return bad(format!("momentum must lie in [0, 1), got {momentum}"));
                }
                if !(weight_decay.is_finite() && *weight_decay >= 0.0) {
                    return bad(format!("weight_decay must be >= 0, got {weight_decay}"));
                }
            }
            Self::AdamW {
                beta1,
                beta2,
                eps,
                weight_decay,
                ..
            } => {
                if !(0.0..1.0).contains(beta1) || !(0.0..1.0).contains(beta2) {
                    return bad(format!("betas must lie in [0, 1), got ({beta1}, {beta2})"));
                }
                if !(eps.is_finite() && *eps > 0.0) {
                    return bad(format!("eps must be positive, got {eps}"));
                }
                if !(weight_decay.is_finite() && *weight_decay >= 0.0) {
                    return bad(format!("weight_decay must be >= 0, got {weight_decay}"));
                }
            }
        }
        Ok(())
    }
}

/// An optimizer over the named variables of a `VarMap`, with state that can be saved
/// ([`CaeOptimizer::save_state`]) and restored ([`CaeOptimizer::load_state`]).
#[derive(Debug)]
pub struct CaeOptimizer {
    config: OptimizerConfig,
    /// Sorted by name, so updates happen in a fixed order.
    params: Vec<(String, Var)>,
    /// SGD: `momentum.<name>`; AdamW: `m.<name>`, `v.<name>`.
    state: HashMap<String, Tensor>,
    steps: u64,
}

impl CaeOptimizer {
    /// An optimizer over every variable of `varmap` (its state starts empty).
    pub fn new(config: OptimizerConfig, varmap: &VarMap) -> Result<Self, CaeError> {
        config.validate()?;
        let data = varmap
            .data()
            .lock()
            .map_err(|_| CaeError::Poisoned("VarMap".into()))?;
        let mut params: Vec<(String, Var)> = data
            .iter()
            .filter(|(_, v)| v.dtype().is_float())
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        params.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(Self {
            config,
            params,
            state: HashMap::new(),
            steps: 0,
        })
    }

    /// The hyperparameters.
    pub fn config(&self) -> &OptimizerConfig {
        &self.config
    }

    /// The number of updates made so far.
    pub fn steps(&self) -> u64 {
        self.steps
    }

    /// Applies one update with learning rate `lr` from the gradients in `grads`; variables without
    /// a gradient are left untouched.
    pub fn step(&mut self, grads: &GradStore, lr: f64) -> Result<(), CaeError> {
        self.steps += 1;
        let t = self.steps;
        for (name, var) in &self.params {
            let Some(g) = grads.get(var.as_tensor()) else {
                continue;
            };
            let w = var.as_tensor();
            match self.config {
                OptimizerConfig::Sgd {
                    momentum,
                    weight_decay,
                    ..
                } => {
                    let mut g = g.clone();
                    if weight_decay > 0.0 {
                        g = (g + w.affine(weight_decay, 0.0)?)?;
                    }
                    if momentum > 0.0 {
                        let key = format!("momentum.{name}");
                        let buf = match self.state.get(&key) {
                            Some(b) => (b.affine(momentum, 0.0)? + &g)?,
                            None => g.clone(),
                        };
                        g = buf.clone();
                        self.state.insert(key, buf);
                    }
                    var.set(&(w - g.affine(lr, 0.0)?)?)?;
                }
                OptimizerConfig::AdamW {
                    beta1,
                    beta2,
                    eps,
                    weight_decay,
                    ..
                } => {
                    let (km, kv) = (format!("m.{name}"), format!("v.{name}"));
                    let m_prev = match self.state.get(&km) {
                        Some(m) => m.clone(),
                        None => g.zeros_like()?,
                    };
                    let v_prev = match self.state.get(&kv) {
                        Some(v) => v.clone(),
                        None => g.zeros_like()?,
                    };
                    let m = (m_prev.affine(beta1, 0.0)? + g.affine(1.0 - beta1, 0.0)?)?;
                    let v = (v_prev.affine(beta2, 0.0)? + g.sqr()?.affine(1.0 - beta2, 0.0)?)?;
                    let bc1 = 1.0 - beta1.powi(t.min(i32::MAX as u64) as i32);
                    let bc2 = 1.0 - beta2.powi(t.min(i32::MAX as u64) as i32);
                    let m_hat = m.affine(1.0 / bc1, 0.0)?;
                    let v_hat = v.affine(1.0 / bc2, 0.0)?;
                    let update = (m_hat / (v_hat.sqrt()? + eps)?)?;
                    let decayed = w.affine(1.0 - lr * weight_decay, 0.0)?;
                    var.set(&(decayed - update.affine(lr, 0.0)?)?)?;
                    self.state.insert(km, m);
                    self.state.insert(kv, v);
                }
            }
        }
        Ok(())
    }

    /// Writes the optimizer's moment buffers to a safetensors file (atomically). The step count is
    /// part of the training state kept by the caller.
    pub fn save_state(&self, path: &Path) -> Result<(), CaeError> {
        let mut tensors: Vec<(String, Tensor)> = self
            .state
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        tensors.sort_by(|a, b| a.0.cmp(&b.0));
        write_tensors(path, &tensors)
    }

    /// Restores the moment buffers written by [`CaeOptimizer::save_state`] and the step count,
    /// checking every buffer against its variable's shape.
    pub fn load_state(&mut self, path: &Path, steps: u64, device: &Device) -> Result<(), CaeError> {
        let tensors = read_tensors(path, device)?;
        let shapes: HashMap<&str, &[usize]> = self
            .params
            .iter()
            .map(|(k, v)| (k.as_str(), v.dims()))
            .collect();
        for (key, t) in &tensors {
            let param = key.split_once('.').map(|(_, p)| p).unwrap_or("");
            match shapes.get(param) {
                Some(dims) if *dims == t.dims() => {}
                Some(dims) => {
                    return Err(CaeError::checkpoint(
                        path,
                        format!(
                            "optimizer buffer {key} has shape {:?}, expected {dims:?}",
                            t.dims()
                        ),
                    ))
                }
                None => {
                    return Err(CaeError::checkpoint(
                        path,
                        format!("optimizer buffer {key} matches no variable"),
                    ))
                }
            }
        }
        self.state = tensors;
        self.steps = steps;
        Ok(())
    }
}
