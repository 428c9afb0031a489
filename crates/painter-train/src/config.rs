//! [`OptimizerConfig`]: which optimizer, its hyperparameters and its per-epoch learning-rate
//! schedule. Its serde form (`kind = "sgd" | "adam_w"` with `lr`, `lr_decay`, ...) is the one
//! recipes embed and pretrained autoencoders are cached under: it must not change.

use crate::TrainError;
use serde::{Deserialize, Serialize};

/// The optimizer and its hyperparameters. The learning rate of epoch `e` (0-based) is
/// `lr * lr_decay^e`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
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
    pub fn by_name(name: &str) -> Result<Self, TrainError> {
        match name {
            "sgd" => Ok(Self::paper_sgd()),
            "adamw" => Ok(Self::adamw()),
            other => Err(TrainError::UnknownOptimizer(other.into())),
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

    /// AdamW with PyTorch's defaults (`torch.optim.AdamW`: betas `(0.9, 0.999)`, eps `1e-8`,
    /// weight decay `0.01`) at learning rate `lr`, with no per-epoch decay.
    pub fn torch_adamw(lr: f64) -> Self {
        Self::AdamW {
            lr,
            lr_decay: 1.0,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            weight_decay: 0.01,
        }
    }

    /// SGD with momentum 0.9, no weight decay and no per-epoch decay, at learning rate `lr`.
    pub fn momentum_sgd(lr: f64) -> Self {
        Self::Sgd {
            lr,
            lr_decay: 1.0,
            momentum: 0.9,
            weight_decay: 0.0,
        }
    }

    /// The same optimizer with another initial learning rate.
    pub fn with_lr(mut self, new_lr: f64) -> Self {
        match &mut self {
            Self::Sgd { lr, .. } | Self::AdamW { lr, .. } => *lr = new_lr,
        }
        self
    }

    /// Checks every hyperparameter.
    pub fn validate(&self) -> Result<(), TrainError> {
        let check = |name: &'static str, value: f64, ok: bool, allowed: &'static str| {
            if ok {
                Ok(())
            } else {
                Err(TrainError::Hyperparameter {
                    name,
                    value,
                    allowed,
                })
            }
        };
        let unit = |x: f64| (0.0..1.0).contains(&x);
        let (lr, lr_decay, weight_decay) = match *self {
            Self::Sgd {
                lr,
                lr_decay,
                weight_decay,
                ..
            }
            | Self::AdamW {
                lr,
                lr_decay,
                weight_decay,
                ..
            } => (lr, lr_decay, weight_decay),
        };
        check("lr", lr, lr.is_finite() && lr > 0.0, "positive and finite")?;
        check(
            "lr_decay",
            lr_decay,
            lr_decay.is_finite() && lr_decay > 0.0 && lr_decay <= 1.0,
            "in (0, 1]",
        )?;
        check(
            "weight_decay",
            weight_decay,
            weight_decay.is_finite() && weight_decay >= 0.0,
            ">= 0 and finite",
        )?;
        match *self {
            Self::Sgd { momentum, .. } => check("momentum", momentum, unit(momentum), "in [0, 1)"),
            Self::AdamW {
                beta1, beta2, eps, ..
            } => {
                check("beta1", beta1, unit(beta1), "in [0, 1)")?;
                check("beta2", beta2, unit(beta2), "in [0, 1)")?;
                check(
                    "eps",
                    eps,
                    eps.is_finite() && eps > 0.0,
                    "positive and finite",
                )
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_serde_form_is_the_recipes() {
        let sgd = serde_json::to_string(&OptimizerConfig::paper_sgd()).unwrap();
        assert_eq!(
            sgd,
            r#"{"kind":"sgd","lr":0.01,"lr_decay":0.98,"momentum":0.0,"weight_decay":0.0}"#
        );
        let adamw = serde_json::to_string(&OptimizerConfig::adamw()).unwrap();
        assert_eq!(
            adamw,
            r#"{"kind":"adam_w","lr":0.001,"lr_decay":1.0,"beta1":0.9,"beta2":0.999,"eps":1e-8,"weight_decay":0.0}"#
        );
    }

    #[test]
    fn the_schedule_decays_per_epoch() {
        assert_eq!(OptimizerConfig::paper_sgd().lr_at(0), 0.01);
        assert_eq!(OptimizerConfig::paper_sgd().lr_at(2), 0.01 * 0.98 * 0.98);
        assert_eq!(OptimizerConfig::torch_adamw(0.5).lr_at(7), 0.5);
        assert_eq!(OptimizerConfig::adamw().with_lr(0.25).base_lr(), 0.25);
    }

    #[test]
    fn invalid_hyperparameters_are_refused_naming_them() {
        let name = |c: OptimizerConfig| match c.validate() {
            Err(TrainError::Hyperparameter { name, .. }) => name,
            other => panic!("expected a hyperparameter error, got {other:?}"),
        };
        assert_eq!(name(OptimizerConfig::torch_adamw(0.0)), "lr");
        assert_eq!(name(OptimizerConfig::momentum_sgd(f64::NAN)), "lr");
        assert_eq!(
            name(OptimizerConfig::Sgd {
                lr: 0.1,
                lr_decay: 1.0,
                momentum: 1.0,
                weight_decay: 0.0
            }),
            "momentum"
        );
        assert_eq!(
            name(OptimizerConfig::AdamW {
                lr: 0.1,
                lr_decay: 1.5,
                beta1: 0.9,
                beta2: 0.99,
                eps: 1e-8,
                weight_decay: 0.0
            }),
            "lr_decay"
        );
        assert!(OptimizerConfig::torch_adamw(1e-3).validate().is_ok());
        assert!(matches!(
            OptimizerConfig::by_name("adam"),
            Err(TrainError::UnknownOptimizer(_))
        ));
    }
}
