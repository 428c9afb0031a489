//! Optimizers: AdamW and SGD (with momentum), updating the variables **in place**.
//!
//! The paper head's first dense layer holds 328 M weights (1.3 GB). Candle's own optimizers build
//! every intermediate (`m * beta1`, `g * (1 - beta1)`, ...) as a new tensor, i.e. several transient
//! 1.3 GB buffers per step; on the CPU these optimizers instead run fused, multi-threaded loops that
//! write into the weights and moment buffers directly (no allocation per step). On other devices they
//! fall back to the same arithmetic with tensor operations.
//!
//! Conventions follow PyTorch: AdamW decays weights decoupled from the gradient
//! (`w -= lr * wd * w`), with bias-corrected moments; SGD adds `wd * w` to the gradient and keeps a
//! momentum buffer `b = mu * b + g` (`w -= lr * b`).

use crate::error::{ClassifyError, Result};
use candle_core::backprop::GradStore;
use candle_core::{CpuStorage, DType, InplaceOp2, InplaceOp3, Layout, Tensor, Var};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

const PAR_CHUNK: usize = 1 << 15;

/// Which optimizer, with its hyperparameters.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum OptimizerConfig {
    /// AdamW (decoupled weight decay).
    AdamW {
        /// Learning rate.
        learning_rate: f64,
        /// Decoupled weight decay.
        weight_decay: f64,
        /// First-moment decay.
        beta1: f64,
        /// Second-moment decay.
        beta2: f64,
        /// Denominator epsilon.
        eps: f64,
    },
    /// Stochastic gradient descent with optional momentum and L2 weight decay.
    Sgd {
        /// Learning rate.
        learning_rate: f64,
        /// Momentum (0 disables the buffer).
        momentum: f64,
        /// L2 weight decay added to the gradient.
        weight_decay: f64,
    },
}

impl OptimizerConfig {
    /// AdamW with PyTorch's defaults (betas 0.9 / 0.999, eps 1e-8, weight decay 0.01).
    pub fn adamw(learning_rate: f64) -> Self {
        OptimizerConfig::AdamW {
            learning_rate,
            weight_decay: 0.01,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
        }
    }

    /// SGD with momentum 0.9 and no weight decay.
    pub fn sgd(learning_rate: f64) -> Self {
        OptimizerConfig::Sgd {
            learning_rate,
            momentum: 0.9,
            weight_decay: 0.0,
        }
    }

    /// The learning rate.
    pub fn learning_rate(&self) -> f64 {
        match *self {
            OptimizerConfig::AdamW { learning_rate, .. }
            | OptimizerConfig::Sgd { learning_rate, .. } => learning_rate,
        }
    }

    /// The same optimizer with another learning rate.
    pub fn with_learning_rate(mut self, lr: f64) -> Self {
        match &mut self {
            OptimizerConfig::AdamW { learning_rate, .. }
            | OptimizerConfig::Sgd { learning_rate, .. } => *learning_rate = lr,
        }
        self
    }

    /// Checks the hyperparameters.
    pub fn validate(&self) -> Result<()> {
        let bad = |m: String| Err(ClassifyError::InvalidConfig(m));
        let lr = self.learning_rate();
        if !(lr.is_finite() && lr > 0.0) {
            return bad(format!("learning_rate must be finite and > 0, got {lr}"));
        }
        match *self {
            OptimizerConfig::AdamW {
                weight_decay,
                beta1,
                beta2,
                eps,
                ..
            } => {
                if !(weight_decay.is_finite() && weight_decay >= 0.0) {
                    return bad(format!("weight_decay must be >= 0, got {weight_decay}"));
                }
                for (n, b) in [("beta1", beta1), ("beta2", beta2)] {
                    if !(0.0..1.0).contains(&b) {
                        return bad(format!("{n} must be in [0, 1), got {b}"));
                    }
                }
                if !(eps.is_finite() && eps > 0.0) {
                    return bad(format!("eps must be > 0, got {eps}"));
                }
            }
            OptimizerConfig::Sgd {
                momentum,
                weight_decay,
                ..
            } => {
                if !(0.0..1.0).contains(&momentum) {
                    return bad(format!("momentum must be in [0, 1), got {momentum}"));
                }
                if !(weight_decay.is_finite() && weight_decay >= 0.0) {
                    return bad(format!("weight_decay must be >= 0, got {weight_decay}"));
                }
            }
        }
        Ok(())
    }
}

struct Slot {
    var: Var,
    /// AdamW: first moment; SGD: momentum buffer (if momentum > 0).
    a: Option<Tensor>,
    /// AdamW: second moment.
    b: Option<Tensor>,
}

/// An optimizer over a fixed set of variables.
pub struct Optimizer {
    config: OptimizerConfig,
    slots: Vec<Slot>,
    step: u64,
}

impl std::fmt::Debug for Optimizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Optimizer")
            .field("config", &self.config)
            .field("variables", &self.slots.len())
            .field("step", &self.step)
            .finish()
    }
}

impl Optimizer {
    /// Creates the optimizer and its state (zeroed moments) for `vars` (all `f32`).
    pub fn new(vars: Vec<Var>, config: OptimizerConfig) -> Result<Self> {
        config.validate()?;
        let mut slots = Vec::with_capacity(vars.len());
        for var in vars {
            if var.dtype() != DType::F32 {
                return Err(ClassifyError::InvalidConfig(format!(
                    "optimizer variables must be f32, got {:?}",
                    var.dtype()
                )));
            }
            let zeros = || var.as_tensor().zeros_like();
            let (a, b) = match config {
                OptimizerConfig::AdamW { .. } => (Some(zeros()?), Some(zeros()?)),
                OptimizerConfig::Sgd { momentum, .. } if momentum > 0.0 => (Some(zeros()?), None),
                OptimizerConfig::Sgd { .. } => (None, None),
            };
            slots.push(Slot { var, a, b });
        }
        Ok(Self {
            config,
            slots,
            step: 0,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &OptimizerConfig {
        &self.config
    }

    /// Applies one update from `grads`; variables without a gradient are left alone.
    pub fn step(&mut self, grads: &GradStore) -> Result<()> {
        self.step += 1;
        let t = self.step as i32;
        for slot in &self.slots {
            let Some(g) = grads.get(slot.var.as_tensor()) else {
                continue;
            };
            let g = g.to_dtype(DType::F32)?.contiguous()?;
            let w = slot.var.as_tensor();
            let cpu = w.device().is_cpu();
            match (self.config, &slot.a, &slot.b) {
                (
                    OptimizerConfig::AdamW {
                        learning_rate: lr,
                        weight_decay: wd,
                        beta1,
                        beta2,
                        eps,
                    },
                    Some(m),
                    Some(v),
                ) => {
                    let scale_m = 1.0 / (1.0 - beta1.powi(t));
                    let scale_v = 1.0 / (1.0 - beta2.powi(t));
                    if cpu {
                        m.inplace_op2(
                            &g,
                            &Axpby {
                                a: beta1,
                                b: 1.0 - beta1,
                                square: false,
                            },
                        )?;
                        v.inplace_op2(
                            &g,
                            &Axpby {
                                a: beta2,
                                b: 1.0 - beta2,
                                square: true,
                            },
                        )?;
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
                        let nm = ((m * beta1)? + (&g * (1.0 - beta1))?)?;
                        let nv = ((v * beta2)? + (g.sqr()? * (1.0 - beta2))?)?;
                        let upd = ((&nm * scale_m)? / ((&nv * scale_v)?.sqrt()? + eps)?)?;
                        let nw = ((w * (1.0 - lr * wd))? - (upd * lr)?)?;
                        m.slice_set(&nm, 0, 0)?;
                        v.slice_set(&nv, 0, 0)?;
                        slot.var.set(&nw)?;
                    }
                }
                (
                    OptimizerConfig::Sgd {
                        learning_rate: lr,
                        momentum,
                        weight_decay: wd,
                    },
                    Some(buf),
                    _,
                ) => {
                    if cpu {
                        buf.inplace_op3(&g, w, &Momentum { mu: momentum, wd })?;
                        w.inplace_op2(
                            buf,
                            &Axpby {
                                a: 1.0,
                                b: -lr,
                                square: false,
                            },
                        )?;
                    } else {
                        let nb = ((buf * momentum)? + (&g + (w * wd)?)?)?;
                        let nw = (w - (&nb * lr)?)?;
                        buf.slice_set(&nb, 0, 0)?;
                        slot.var.set(&nw)?;
                    }
                }
                (
                    OptimizerConfig::Sgd {
                        learning_rate: lr,
                        weight_decay: wd,
                        ..
                    },
                    None,
                    _,
                ) => {
                    if cpu {
                        w.inplace_op2(
                            &g,
                            &Axpby {
                                a: 1.0 - lr * wd,
                                b: -lr,
                                square: false,
                            },
                        )?;
                    } else {
                        let nw = ((w * (1.0 - lr * wd))? - (&g * lr)?)?;
                        slot.var.set(&nw)?;
                    }
                }
                _ => {
                    return Err(ClassifyError::InvalidConfig(
                        "optimizer state does not match its configuration".into(),
                    ))
                }
            }
        }
        Ok(())
    }
}

fn contiguous_f32<'a>(s: &'a CpuStorage, l: &Layout, what: &str) -> candle_core::Result<&'a [f32]> {
    let (start, end) = l
        .contiguous_offsets()
        .ok_or_else(|| candle_core::Error::Msg(format!("{what}: operand is not contiguous")))?;
    match s {
        CpuStorage::F32(v) => v
            .get(start..end)
            .ok_or_else(|| candle_core::Error::Msg(format!("{what}: bad layout"))),
        _ => Err(candle_core::Error::Msg(format!(
            "{what}: operand is not f32"
        ))),
    }
}

fn contiguous_f32_mut<'a>(
    s: &'a mut CpuStorage,
    l: &Layout,
    what: &str,
) -> candle_core::Result<&'a mut [f32]> {
    let (start, end) = l
        .contiguous_offsets()
        .ok_or_else(|| candle_core::Error::Msg(format!("{what}: target is not contiguous")))?;
    match s {
        CpuStorage::F32(v) => v
            .get_mut(start..end)
            .ok_or_else(|| candle_core::Error::Msg(format!("{what}: bad layout"))),
        _ => Err(candle_core::Error::Msg(format!(
            "{what}: target is not f32"
        ))),
    }
}

fn same_len(a: usize, b: usize, what: &str) -> candle_core::Result<()> {
    if a == b {
        Ok(())
    } else {
        Err(candle_core::Error::Msg(format!(
            "{what}: {a} vs {b} elements"
        )))
    }
}

/// `dst = a * dst + b * src` (or `b * src^2`).
struct Axpby {
    a: f64,
    b: f64,
    square: bool,
}

impl InplaceOp2 for Axpby {
    fn name(&self) -> &'static str {
        "painter-classify-axpby"
    }

    fn cpu_fwd(
        &self,
        dst: &mut CpuStorage,
        dst_l: &Layout,
        src: &CpuStorage,
        src_l: &Layout,
    ) -> candle_core::Result<()> {
        let d = contiguous_f32_mut(dst, dst_l, self.name())?;
        let s = contiguous_f32(src, src_l, self.name())?;
        same_len(d.len(), s.len(), self.name())?;
        let (a, b, sq) = (self.a as f32, self.b as f32, self.square);
        d.par_chunks_mut(PAR_CHUNK)
            .zip(s.par_chunks(PAR_CHUNK))
            .for_each(|(d, s)| {
                for (d, &s) in d.iter_mut().zip(s) {
                    let s = if sq { s * s } else { s };
                    *d = a * *d + b * s;
                }
            });
        Ok(())
    }
}

/// `w = w * (1 - lr * wd) - lr * (m * scale_m) / (sqrt(v * scale_v) + eps)`.
struct AdamApply {
    lr: f64,
    wd: f64,
    scale_m: f64,
    scale_v: f64,
    eps: f64,
}

impl InplaceOp3 for AdamApply {
    fn name(&self) -> &'static str {
        "painter-classify-adamw"
    }

    fn cpu_fwd(
        &self,
        dst: &mut CpuStorage,
        dst_l: &Layout,
        m: &CpuStorage,
        m_l: &Layout,
        v: &CpuStorage,
        v_l: &Layout,
    ) -> candle_core::Result<()> {
        let w = contiguous_f32_mut(dst, dst_l, self.name())?;
        let m = contiguous_f32(m, m_l, self.name())?;
        let v = contiguous_f32(v, v_l, self.name())?;
        same_len(w.len(), m.len(), self.name())?;
        same_len(w.len(), v.len(), self.name())?;
        let decay = (1.0 - self.lr * self.wd) as f32;
        let (lr, sm, sv, eps) = (
            self.lr as f32,
            self.scale_m as f32,
            self.scale_v as f32,
            self.eps as f32,
        );
        w.par_chunks_mut(PAR_CHUNK)
            .zip(m.par_chunks(PAR_CHUNK).zip(v.par_chunks(PAR_CHUNK)))
            .for_each(|(w, (m, v))| {
                for ((w, &m), &v) in w.iter_mut().zip(m).zip(v) {
                    *w = *w * decay - lr * (m * sm) / ((v * sv).sqrt() + eps);
                }
            });
        Ok(())
    }
}

/// `buf = mu * buf + g + wd * w`.
struct Momentum {
    mu: f64,
    wd: f64,
}

impl InplaceOp3 for Momentum {
    fn name(&self) -> &'static str {
        "painter-classify-momentum"
    }

    fn cpu_fwd(
        &self,
        dst: &mut CpuStorage,
        dst_l: &Layout,
        g: &CpuStorage,
        g_l: &Layout,
        w: &CpuStorage,
        w_l: &Layout,
    ) -> candle_core::Result<()> {
        let b = contiguous_f32_mut(dst, dst_l, self.name())?;
        let g = contiguous_f32(g, g_l, self.name())?;
        let w = contiguous_f32(w, w_l, self.name())?;
        same_len(b.len(), g.len(), self.name())?;
        same_len(b.len(), w.len(), self.name())?;
        let (mu, wd) = (self.mu as f32, self.wd as f32);
        b.par_chunks_mut(PAR_CHUNK)
            .zip(g.par_chunks(PAR_CHUNK).zip(w.par_chunks(PAR_CHUNK)))
            .for_each(|(b, (g, w))| {
                for ((b, &g), &w) in b.iter_mut().zip(g).zip(w) {
                    *b = mu * *b + g + wd * w;
                }
            });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::Device;
    use candle_nn::Optimizer as _;

    fn quadratic_grads(var: &Var, target: &Tensor) -> Result<GradStore> {
        let loss = (var.as_tensor() - target)?.sqr()?.sum_all()?;
        Ok(loss.backward()?)
    }

    #[test]
    fn adamw_matches_candles_reference_implementation() -> Result<()> {
        let dev = Device::Cpu;
        let init = Tensor::new(&[0.5f32, -1.0, 2.0, 0.0, 3.0], &dev)?;
        let target = Tensor::new(&[1.0f32, 1.0, -1.0, 0.5, 0.0], &dev)?;
        let ours = Var::from_tensor(&init)?;
        let theirs = Var::from_tensor(&init)?;
        let cfg = OptimizerConfig::AdamW {
            learning_rate: 0.05,
            weight_decay: 0.1,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
        };
        let mut a = Optimizer::new(vec![ours.clone()], cfg)?;
        let mut b = candle_nn::AdamW::new(
            vec![theirs.clone()],
            candle_nn::ParamsAdamW {
                lr: 0.05,
                beta1: 0.9,
                beta2: 0.999,
                eps: 1e-8,
                weight_decay: 0.1,
            },
        )?;
        for _ in 0..20 {
            a.step(&quadratic_grads(&ours, &target)?)?;
            b.step(&quadratic_grads(&theirs, &target)?)?;
        }
        let (x, y) = (ours.to_vec1::<f32>()?, theirs.to_vec1::<f32>()?);
        for (x, y) in x.iter().zip(&y) {
            assert!((x - y).abs() < 1e-5, "{x} vs {y}");
        }
        Ok(())
    }

    #[test]
    fn sgd_momentum_matches_a_hand_computation() -> Result<()> {
        let dev = Device::Cpu;
        let w = Var::from_tensor(&Tensor::new(&[1.0f32, -2.0], &dev)?)?;
        let zero = Tensor::zeros(2, DType::F32, &dev)?;
        let mut opt = Optimizer::new(
            vec![w.clone()],
            OptimizerConfig::Sgd {
                learning_rate: 0.1,
                momentum: 0.5,
                weight_decay: 0.2,
            },
        )?;
        // Reference: g = 2w + 0.2w, b = 0.5 b + g, w -= 0.1 b.
        let (mut rw, mut rb) = ([1.0f64, -2.0], [0.0f64; 2]);
        for _ in 0..5 {
            opt.step(&quadratic_grads(&w, &zero)?)?;
            for i in 0..2 {
                let g = 2.0 * rw[i] + 0.2 * rw[i];
                rb[i] = 0.5 * rb[i] + g;
                rw[i] -= 0.1 * rb[i];
            }
        }
        let got = w.to_vec1::<f32>()?;
        for i in 0..2 {
            assert!((got[i] as f64 - rw[i]).abs() < 1e-5, "{got:?} vs {rw:?}");
        }
        // Plain SGD (no momentum): one step is w -= lr * g.
        let p = Var::from_tensor(&Tensor::new(&[3.0f32], &dev)?)?;
        let mut plain = Optimizer::new(
            vec![p.clone()],
            OptimizerConfig::Sgd {
                learning_rate: 0.25,
                momentum: 0.0,
                weight_decay: 0.0,
            },
        )?;
        plain.step(&quadratic_grads(&p, &Tensor::zeros(1, DType::F32, &dev)?)?)?;
        assert!((p.to_vec1::<f32>()?[0] - 1.5).abs() < 1e-6);
        Ok(())
    }

    #[test]
    fn invalid_hyperparameters_are_refused() {
        assert!(OptimizerConfig::adamw(0.0).validate().is_err());
        assert!(OptimizerConfig::sgd(f64::NAN).validate().is_err());
        assert!(OptimizerConfig::Sgd {
            learning_rate: 0.1,
            momentum: 1.0,
            weight_decay: 0.0
        }
        .validate()
        .is_err());
        assert!(OptimizerConfig::adamw(1e-3).validate().is_ok());
    }
}
