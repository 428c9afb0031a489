//! [`TrainingHistory`]: per-epoch losses and accuracies, the per-epoch log line, and the curves as PNG.

use crate::error::{ClassifyError, Result};
use painter_io::FileError;
use painter_plot::LineChart;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// One epoch's figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainingEpoch {
    /// The epoch, from 1.
    pub epoch: usize,
    /// Mean training cross-entropy (with dropout and augmentation, as optimized).
    pub train_loss: f64,
    /// Training accuracy over the epoch's batches.
    pub train_acc: f64,
    /// Validation cross-entropy (unweighted), if there is validation data.
    pub val_loss: Option<f64>,
    /// Validation accuracy, if there is validation data.
    pub val_acc: Option<f64>,
    /// Whether the encoder was trained in this epoch.
    pub encoder_trained: bool,
    /// Wall-clock seconds of the epoch.
    pub seconds: f64,
}

impl TrainingEpoch {
    /// The per-epoch log line: `epoch=E train_loss=L train_acc=A val_loss=L val_acc=A` (`nan` when
    /// there is no validation data).
    pub fn line(&self) -> String {
        format!(
            "epoch={} train_loss={:.4} train_acc={:.4} val_loss={:.4} val_acc={:.4}",
            self.epoch,
            self.train_loss,
            self.train_acc,
            self.val_loss.unwrap_or(f64::NAN),
            self.val_acc.unwrap_or(f64::NAN)
        )
    }
}

/// Everything a training run recorded.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TrainingHistory {
    /// One record per epoch run.
    pub epochs: Vec<TrainingEpoch>,
    /// The epoch whose weights the model holds after training (best validation loss, or the last
    /// epoch without validation data).
    pub best_epoch: Option<usize>,
    /// Whether early stopping ended training before the last epoch.
    pub stopped_early: bool,
    /// Training and validation sizes.
    pub train_samples: usize,
    /// Validation samples (0 without validation).
    pub validation_samples: usize,
}

impl TrainingHistory {
    /// The record of the restored epoch.
    pub fn best(&self) -> Option<&TrainingEpoch> {
        self.best_epoch
            .and_then(|e| self.epochs.iter().find(|r| r.epoch == e))
    }

    /// Writes `loss.png` and `accuracy.png` (training and validation curves) into `dir`, atomically;
    /// returns their paths.
    pub fn save_curves(&self, dir: &Path) -> Result<(PathBuf, PathBuf)> {
        if self.epochs.is_empty() {
            return Err(ClassifyError::Empty("no epoch to plot".into()));
        }
        std::fs::create_dir_all(dir).map_err(FileError::at(dir))?;
        let pts = |f: &dyn Fn(&TrainingEpoch) -> Option<f64>| -> Vec<(f64, f64)> {
            self.epochs
                .iter()
                .filter_map(|r| f(r).filter(|v| v.is_finite()).map(|v| (r.epoch as f64, v)))
                .collect()
        };
        let loss = dir.join("loss.png");
        let acc = dir.join("accuracy.png");
        // Each chart's file, title, axis and (training, validation) figure of an epoch.
        type Figure = fn(&TrainingEpoch) -> (f64, Option<f64>);
        let charts: [(&Path, &str, &str, Figure); 2] = [
            (&loss, "Classifier loss", "cross-entropy", |r| {
                (r.train_loss, r.val_loss)
            }),
            (&acc, "Classifier accuracy", "accuracy", |r| {
                (r.train_acc, r.val_acc)
            }),
        ];
        for (path, title, y_label, figure) in charts {
            let mut chart = LineChart::new(title)
                .x_label("epoch")
                .y_label(y_label)
                .series("train", pts(&|r| Some(figure(r).0)));
            let val = pts(&|r| figure(r).1);
            if !val.is_empty() {
                chart = chart.series("validation", val);
            }
            chart.save_png(path)?;
        }
        Ok((loss, acc))
    }

    /// Writes the history as JSON, atomically.
    pub fn save_json(&self, path: &Path) -> Result<()> {
        Ok(painter_io::write_json(path, self)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_has_the_agreed_format() {
        let r = TrainingEpoch {
            epoch: 3,
            train_loss: 0.5,
            train_acc: 0.75,
            val_loss: None,
            val_acc: Some(0.5),
            encoder_trained: false,
            seconds: 1.0,
        };
        assert_eq!(
            r.line(),
            "epoch=3 train_loss=0.5000 train_acc=0.7500 val_loss=NaN val_acc=0.5000"
        );
    }
}
