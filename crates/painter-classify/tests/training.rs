//! Training behaviour: a frozen encoder stays put, fine-tuning moves it, runs are deterministic,
//! early stopping restores the best epoch, caches (memory, disk, augmented views) agree, and the
//! fold trainer shares one feature cache across folds.

mod common;

use candle_core::Device;
use common::*;
use painter_classify::{
    cross_validate_classifier, AugmentConfig, CacheConfig, ClassWeights, ClassifyError,
    EarlyStopping, EncoderTraining, FeatureExtractor, FoldTrainer, HeadConfig, OptimizerConfig,
    Preprocessing, PretrainedEncoder, TrainConfig,
};
use painter_data::Dataset;
use painter_eval::{EvalError, StratifiedKFold};

#[test]
fn frozen_encoder_weights_are_unchanged_after_training_the_head() {
    let data = synthetic(6);
    let model = tiny_model(true);
    let enc_before = values(model.encoder().named_tensors());
    let head_before = values(model.head().named_tensors());
    let all: Vec<usize> = (0..data.len()).collect();
    for cache in [CacheConfig::Memory { half: true }, CacheConfig::Off] {
        let cfg = TrainConfig {
            cache,
            ..quick_config(3)
        };
        let h = model.fit(&data, &all, None, &cfg, None).unwrap();
        assert_eq!(h.epochs.len(), 3);
    }
    assert_eq!(values(model.encoder().named_tensors()), enc_before);
    assert_ne!(
        values(model.head().named_tensors()),
        head_before,
        "the head did not train"
    );
}

#[test]
fn fine_tuning_changes_the_encoder_and_unfreezing_waits() {
    let data = synthetic(6);
    let all: Vec<usize> = (0..data.len()).collect();

    let model = tiny_model(false);
    let before = values(model.encoder().named_tensors());
    let cfg = TrainConfig {
        encoder: EncoderTraining::FineTune {
            learning_rate: 1e-3,
        },
        ..quick_config(2)
    };
    let h = model.fit(&data, &all, None, &cfg, None).unwrap();
    assert!(h.epochs.iter().all(|e| e.encoder_trained));
    let after = values(model.encoder().named_tensors());
    for ((name, a), (_, b)) in before.iter().zip(&after) {
        assert_ne!(a, b, "{name} did not change while fine-tuning");
    }

    // Unfrozen after 1 epoch: a 1-epoch run leaves the encoder alone, a 2-epoch run moves it.
    for (epochs, should_change) in [(1, false), (2, true)] {
        let model = tiny_model(false);
        let before = values(model.encoder().named_tensors());
        let cfg = TrainConfig {
            encoder: EncoderTraining::UnfreezeAfter {
                after_epochs: 1,
                learning_rate: 1e-3,
            },
            ..quick_config(epochs)
        };
        let h = model.fit(&data, &all, None, &cfg, None).unwrap();
        assert!(!h.epochs[0].encoder_trained);
        let changed = values(model.encoder().named_tensors()) != before;
        assert_eq!(changed, should_change, "epochs {epochs}");
    }
}

#[test]
fn training_is_deterministic_and_restores_the_best_epoch() {
    let data = synthetic(8);
    let all: Vec<usize> = (0..data.len()).collect();
    let cfg = TrainConfig {
        epochs: 6,
        batch_size: 5,
        optimizer: OptimizerConfig::momentum_sgd(0.05),
        class_weights: ClassWeights::Balanced,
        augment: AugmentConfig {
            cached_views: 2,
            ..AugmentConfig::flip_and_crop()
        },
        early_stopping: Some(EarlyStopping {
            patience: 2,
            min_delta: 0.0,
        }),
        validation_fraction: 0.25,
        cache: CacheConfig::Memory { half: true },
        seed: 9,
        verbose: true,
        ..TrainConfig::default()
    };
    let run = || {
        let model = tiny_model(true);
        let h = model.fit(&data, &all, None, &cfg, None).unwrap();
        (h, values(model.head().named_tensors()))
    };
    let (h1, w1) = run();
    let (h2, w2) = run();
    assert_eq!(h1, h2.clone().with_seconds_of(&h1));
    assert_eq!(w1, w2, "two seeded runs differ");
    assert_eq!(h1.validation_samples, 6);
    // The restored epoch has the lowest validation loss.
    let best = h1.best().unwrap();
    let min = h1
        .epochs
        .iter()
        .map(|e| e.val_loss.unwrap())
        .fold(f64::INFINITY, f64::min);
    assert_eq!(best.val_loss.unwrap(), min);
    // ... and the model now holds that epoch's weights: re-evaluating gives its validation loss.
    let model = tiny_model(true);
    model.fit(&data, &all, None, &cfg, None).unwrap();
    let (train, val) = painter_classify::stratified_split(&data, &all, 0.25, 9).unwrap();
    assert_eq!(train.len() + val.len(), all.len());
    let labels = painter_classify::load_labels(&data, &val, 3).unwrap();
    let cache = model.feature_cache(&data, &val, &cfg).unwrap();
    let (loss, _) = model
        .evaluate_indices(&data, &val, &labels, cache.as_ref(), 4)
        .unwrap();
    assert!((loss - min).abs() < 1e-5, "{loss} vs {min}");
}

trait WithSeconds {
    fn with_seconds_of(self, other: &Self) -> Self;
}

impl WithSeconds for painter_classify::TrainingHistory {
    /// Copies the wall-clock times of `other` (the only field that may differ between runs).
    fn with_seconds_of(mut self, other: &Self) -> Self {
        for (a, b) in self.epochs.iter_mut().zip(&other.epochs) {
            a.seconds = b.seconds;
        }
        self
    }
}

#[test]
fn disk_cache_matches_memory_cache_and_is_reused() {
    let data = synthetic(4);
    let all: Vec<usize> = (0..data.len()).collect();
    let dir = tempfile::tempdir().unwrap();
    let model = tiny_model(false);
    let mem_cfg = TrainConfig {
        cache: CacheConfig::Memory { half: false },
        ..quick_config(1)
    };
    let disk_cfg = TrainConfig {
        cache: CacheConfig::Disk {
            dir: dir.path().join("features"),
            half: false,
        },
        ..quick_config(1)
    };
    let mem = model.feature_cache(&data, &all, &mem_cfg).unwrap().unwrap();
    let disk = model
        .feature_cache(&data, &all, &disk_cfg)
        .unwrap()
        .unwrap();
    let a = mem.batch(&all, &vec![0; all.len()]).unwrap();
    let b = disk.batch(&all, &vec![0; all.len()]).unwrap();
    let diff = (a - b).unwrap().abs().unwrap().max_all().unwrap();
    assert_eq!(diff.to_scalar::<f32>().unwrap(), 0.0);
    // A second build finds the description and reuses the files.
    let stamp = std::fs::metadata(dir.path().join("features/v0/0.safetensors"))
        .unwrap()
        .modified()
        .unwrap();
    let again = model
        .feature_cache(&data, &all, &disk_cfg)
        .unwrap()
        .unwrap();
    assert!(again.contains(3));
    let stamp2 = std::fs::metadata(dir.path().join("features/v0/0.safetensors"))
        .unwrap()
        .modified()
        .unwrap();
    assert_eq!(stamp, stamp2, "the disk cache was recomputed");
    // Cached features equal the encoder's output on the plain images.
    let imgs = painter_classify::load_images(&data, &[2], model.preprocessing(), None).unwrap();
    let x = model.preprocessing().to_tensor(imgs, &Device::Cpu).unwrap();
    let direct = model.encoder().extract(&x).unwrap();
    let cached = mem.batch(&[2], &[0]).unwrap();
    let diff = (direct - cached).unwrap().abs().unwrap().max_all().unwrap();
    assert_eq!(diff.to_scalar::<f32>().unwrap(), 0.0);
}

#[test]
fn invalid_settings_and_mismatched_datasets_are_refused() {
    let model = tiny_model(false);
    let data = synthetic(2);
    let all: Vec<usize> = (0..data.len()).collect();
    let bad = TrainConfig {
        epochs: 0,
        ..quick_config(1)
    };
    assert!(matches!(
        model.fit(&data, &all, None, &bad, None),
        Err(painter_classify::ClassifyError::InvalidConfig(_))
    ));
    let four = painter_data::SyntheticPainters::new(4, 2, 32, 1).unwrap();
    assert!(matches!(
        model.fit(&four, &[0, 1], None, &quick_config(1), None),
        Err(painter_classify::ClassifyError::ClassCountMismatch {
            expected: 3,
            found: 4
        })
    ));
    let weights = TrainConfig {
        class_weights: ClassWeights::Manual(vec![1.0, 2.0]),
        ..quick_config(1)
    };
    assert!(matches!(
        model.fit(&data, &all, None, &weights, None),
        Err(painter_classify::ClassifyError::ClassCountMismatch { .. })
    ));
}

/// A seeded tiny encoder for 32-px images and a pooled head for 3 painters, without dropout.
fn pooled_on_tiny_encoder() -> (PretrainedEncoder, HeadConfig) {
    let cae = tiny_cae(32);
    let encoder = PretrainedEncoder::seeded(&cae, 5, &Device::Cpu).unwrap();
    (
        encoder,
        HeadConfig::pooled(cae.latent_shape(), 3).with_dropout(0.0),
    )
}

#[test]
fn the_fold_trainer_shares_features_scores_without_choosing_and_repeats_itself() {
    let data = synthetic(8);
    let dev = Device::Cpu;
    let (encoder, head) = pooled_on_tiny_encoder();
    let config = TrainConfig {
        early_stopping: Some(EarlyStopping {
            patience: 1,
            min_delta: 1e9,
        }),
        validation_fraction: 0.25,
        ..quick_config(6)
    };
    let mut trainer =
        FoldTrainer::new(encoder, head, Preprocessing::new(32), &data, config, &dev).unwrap();
    let (train, test): (Vec<usize>, Vec<usize>) = (0..data.len()).partition(|i| i % 4 != 0);
    assert!(trainer.features_pending());
    let (model, history) = trainer.fit(3, &train, None).unwrap();
    assert!(
        !trainer.features_pending(),
        "the features are computed once"
    );
    // No epoch improves by 1e9: early stopping on the held-out part ends training at epoch 2.
    assert_eq!(history.epochs.len(), 2);
    assert!(history.validation_samples > 0);
    let first = trainer.predict(&model, &test).unwrap();
    assert_eq!(first.len(), test.len());
    for p in &first {
        assert!((p.iter().sum::<f32>() - 1.0).abs() < 1e-5, "{p:?}");
    }
    // The same seed trains the same classifier; another seed another one.
    let (again, _) = trainer.fit(3, &train, None).unwrap();
    assert_eq!(trainer.predict(&again, &test).unwrap(), first);
    let (other, _) = trainer.fit(4, &train, None).unwrap();
    assert_ne!(trainer.predict(&other, &test).unwrap(), first);
    // Scored samples choose nothing: every epoch runs and their accuracy is recorded after each.
    let (_, scored) = trainer.fit(3, &train, Some(&test)).unwrap();
    assert_eq!(scored.epochs.len(), 6);
    assert_eq!(scored.validation_samples, test.len());
    assert!(scored.epochs.iter().all(|e| e.val_acc.is_some()));
}

#[test]
fn cross_validation_errors_keep_their_kind() {
    let data = synthetic(4);
    let dev = Device::Cpu;
    let (encoder, head) = pooled_on_tiny_encoder();
    // 5 folds of 4 paintings per painter: painter-eval's own error, typed.
    let err = cross_validate_classifier(
        encoder,
        head,
        Preprocessing::new(32),
        &data,
        quick_config(1),
        &StratifiedKFold::new(5).unwrap(),
        &dev,
    )
    .unwrap_err();
    assert!(
        matches!(
            err,
            ClassifyError::CrossValidation(EvalError::SplitsExceedEveryClass { .. })
        ),
        "{err:?}"
    );
}
