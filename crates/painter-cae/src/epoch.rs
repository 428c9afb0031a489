//! [`PretrainEpoch`]: what one epoch of pretraining measured, as the run's history, its metrics file
//! and its loss chart record it.

use serde::{Deserialize, Serialize};

/// The outcome of one epoch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PretrainEpoch {
    /// The epoch, from 1.
    pub epoch: usize,
    /// Mean training MSE over the epoch (inputs with pixel dropout, targets clean).
    pub train_mse: f64,
    /// Validation MSE after the epoch (clean inputs), if there is a validation split.
    pub val_mse: Option<f64>,
    /// The learning rate used.
    pub lr: f64,
    /// Wall-clock seconds of the epoch (training and validation).
    pub seconds: f64,
}

impl PretrainEpoch {
    /// The per-epoch line: `epoch=E train_mse=X val_mse=Y lr=Z seconds=S`.
    pub fn line(&self) -> String {
        let val = self
            .val_mse
            .map_or_else(|| "NA".to_string(), |v| format!("{v:.6}"));
        format!(
            "epoch={} train_mse={:.6} val_mse={} lr={:.6} seconds={:.2}",
            self.epoch, self.train_mse, val, self.lr, self.seconds
        )
    }
}
