//! Pretraining: the reconstruction error of a tiny CAE falls by half in a few epochs (on real
//! paintings from `../shared/paintings` when present, else on synthetic painters), a resumed run
//! computes the same next epoch as an uninterrupted one, early stopping, divergence, outputs.

use candle_core::Device;
use candle_nn::VarMap;
use painter_cae::{
    evaluate_mse, load_cae, pretrain, validation_split, Cae, CaeConfig, CaeError, OptimizerConfig,
    PretrainConfig, PretrainEpoch, PretrainReport, StopReason,
};
use painter_data::folder::{FolderOptions, UnlabeledFolder};
use painter_data::shared::shared_paintings;
use painter_data::synthetic::SyntheticUnlabeled;
use painter_data::{Dataset, Subset};
use std::path::Path;

fn tiny(size: usize) -> CaeConfig {
    CaeConfig {
        image_size: size,
        filters: vec![8, 16],
        ..CaeConfig::compact()
    }
}

/// A 16-px CAE with the given filters.
fn tiny16(filters: [usize; 2]) -> CaeConfig {
    CaeConfig {
        filters: filters.to_vec(),
        ..tiny(16)
    }
}

fn quiet(epochs: usize, optimizer: OptimizerConfig) -> PretrainConfig {
    PretrainConfig {
        epochs,
        batch_size: 8,
        optimizer,
        val_fraction: 0.25,
        patience: None,
        seed: 5,
        progress: false,
        ..PretrainConfig::default()
    }
}

/// Pretrains `cfg` on `data` on the CPU into `out`.
fn run(
    cfg: &CaeConfig,
    config: &PretrainConfig,
    data: &dyn Dataset,
    out: &Path,
    resume: bool,
) -> Result<PretrainReport, CaeError> {
    pretrain(cfg, config, data, &Device::Cpu, out, resume)
}

fn synthetic(count: usize, size: u32) -> SyntheticUnlabeled {
    SyntheticUnlabeled::new(4, count, size, 21).unwrap()
}

/// 48 real paintings at 32 px, spread over the painters, if the shared data is present.
fn real_paintings(count: usize, size: u32) -> Option<Box<dyn Dataset>> {
    let root = shared_paintings()?;
    let options = FolderOptions::default().with_size(size);
    let all = UnlabeledFolder::open(&root, options).ok()?;
    let step = (all.len() / count).max(1);
    let picks: Vec<usize> = (0..count)
        .map(|i| i * step)
        .filter(|&i| i < all.len())
        .collect();
    Some(Box::new(Subset::new(all, picks).ok()?))
}

#[test]
fn tiny_cae_halves_its_reconstruction_error_in_a_few_epochs() {
    let (data, source): (Box<dyn Dataset>, &str) = match real_paintings(48, 32) {
        Some(d) => (d, "real paintings from ../shared/paintings"),
        None => (
            Box::new(synthetic(48, 32)),
            "synthetic painters (../shared absent)",
        ),
    };
    eprintln!("pretraining test: {} {source} at 32x32", data.len());
    let cfg = tiny(32);
    let mut pc = quiet(
        6,
        OptimizerConfig::AdamW {
            lr: 3e-3,
            lr_decay: 1.0,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            weight_decay: 0.0,
        },
    );
    pc.seed = 1;
    let (_, val) = validation_split(data.len(), pc.val_fraction, pc.seed);
    let initial = {
        let vm = VarMap::new();
        let cae = Cae::new_seeded(&cfg, &vm, pc.seed, &Device::Cpu).unwrap();
        evaluate_mse(&cae, data.as_ref(), &val, 16, &Device::Cpu).unwrap()
    };
    let out = tempfile::tempdir().unwrap();
    let report = run(&cfg, &pc, data.as_ref(), out.path(), false).unwrap();
    let best = report.best_mse.unwrap();
    for r in &report.history {
        eprintln!("{}", r.line());
    }
    eprintln!(
        "initial validation MSE {initial:.5}, best {best:.5} ({:.0}% lower)",
        100.0 * (1.0 - best / initial)
    );
    assert!(
        best <= 0.5 * initial,
        "validation MSE {best} is not half of the initial {initial}"
    );
    assert_eq!(report.history.len(), 6);
    assert_eq!(report.stop_reason, StopReason::Completed);
    assert_eq!(report.split, (36, 12));

    // The best model reloads and reproduces its validation MSE.
    let best_dir = report.best_checkpoint.clone().unwrap();
    let (_, _, cae) = load_cae(&best_dir, &Device::Cpu).unwrap();
    // The batch size of the validation during training: the loss is a mean per batch.
    let again = evaluate_mse(&cae, data.as_ref(), &val, 8, &Device::Cpu).unwrap();
    // Bit-identical: every reduction in the convolutions runs in a fixed order.
    assert_eq!(again.to_bits(), best.to_bits(), "{again} vs {best}");

    // Figures and logs.
    for f in ["loss.png", "reconstructions.png", "metrics.csv"] {
        assert!(out.path().join(f).is_file(), "{f}");
    }
    let rec = image::open(out.path().join("reconstructions.png")).unwrap();
    assert_eq!(
        (rec.width(), rec.height()),
        (8 * 32 + 9 * 2, 2 * 32 + 3 * 2)
    );
    let csv = std::fs::read_to_string(out.path().join("metrics.csv")).unwrap();
    assert_eq!(csv.lines().count(), 7);
    assert!(csv.starts_with("epoch,train_mse,val_mse,lr,seconds\n"));
}

fn history_after_resume(
    optimizer: OptimizerConfig,
    straight: &Path,
    killed: &Path,
) -> (
    Vec<PretrainEpoch>,
    Vec<PretrainEpoch>,
    [std::path::PathBuf; 2],
) {
    let data = synthetic(20, 16);
    let cfg = tiny16([4, 6]);
    let a = run(&cfg, &quiet(3, optimizer), &data, straight, false).unwrap();

    let b1 = run(&cfg, &quiet(2, optimizer), &data, killed, false).unwrap();
    assert_eq!(b1.history.len(), 2);
    // A kill while epoch 3 was being written leaves a partial folder that LATEST does not name.
    let partial = killed.join("checkpoints").join("epoch-0003");
    std::fs::create_dir_all(&partial).unwrap();
    std::fs::write(partial.join("model.safetensors"), b"partial").unwrap();
    let b2 = run(&cfg, &quiet(3, optimizer), &data, killed, true).unwrap();
    assert_eq!(b2.resumed_from, Some(2));
    (
        a.history,
        b2.history,
        [a.last_checkpoint.unwrap(), b2.last_checkpoint.unwrap()],
    )
}

fn weights(dir: &Path) -> Vec<(String, Vec<f32>)> {
    let (_, vm, _) = load_cae(dir, &Device::Cpu).unwrap();
    let data = vm.data().lock().unwrap();
    let mut out: Vec<(String, Vec<f32>)> = data
        .iter()
        .map(|(k, v)| {
            (
                k.clone(),
                v.as_tensor()
                    .flatten_all()
                    .unwrap()
                    .to_vec1::<f32>()
                    .unwrap(),
            )
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

#[test]
fn resume_gives_the_same_next_epoch_as_an_uninterrupted_run() {
    let sgd = OptimizerConfig::Sgd {
        lr: 0.05,
        lr_decay: 0.98,
        momentum: 0.9,
        weight_decay: 1e-4,
    };
    for optimizer in [sgd, OptimizerConfig::adamw()] {
        let (d1, d2) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let (straight, resumed, [da, db]) = history_after_resume(optimizer, d1.path(), d2.path());
        assert_eq!(straight.len(), 3);
        assert_eq!(resumed.len(), 3);
        for (a, b) in straight.iter().zip(&resumed) {
            // The epoch computed after the resume is bit-identical to the uninterrupted run's:
            // every reduction in the convolutions runs in a fixed order. The epochs before it
            // come back from the checkpoint's JSON, whose f64 parsing may be one ulp off.
            let exact = a.epoch > 2;
            let close = |x: f64, y: f64| {
                if exact {
                    x.to_bits() == y.to_bits()
                } else {
                    (x - y).abs() <= 1e-15 * x.abs()
                }
            };
            eprintln!(
                "{optimizer:?}\n  straight {}\n  resumed  {}",
                a.line(),
                b.line()
            );
            assert_eq!(a.epoch, b.epoch);
            assert!(
                close(a.train_mse, b.train_mse),
                "{optimizer:?} epoch {}",
                a.epoch
            );
            assert!(
                close(a.val_mse.unwrap(), b.val_mse.unwrap()),
                "{optimizer:?} epoch {}",
                a.epoch
            );
            assert_eq!(a.lr, b.lr);
        }
        for ((na, wa), (nb, wb)) in weights(&da).iter().zip(&weights(&db)) {
            assert_eq!(na, nb);
            // Bit-identical weights after the resumed epoch.
            let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(wa), bits(wb), "{optimizer:?}: {na} differs");
        }
    }
}

#[test]
fn an_existing_run_is_not_overwritten_and_a_mismatched_resume_is_refused() {
    let data = synthetic(12, 16);
    let cfg = tiny16([2, 3]);
    let out = tempfile::tempdir().unwrap();
    let two = quiet(2, OptimizerConfig::paper_sgd());
    run(
        &cfg,
        &quiet(1, OptimizerConfig::paper_sgd()),
        &data,
        out.path(),
        false,
    )
    .unwrap();
    let again = run(&cfg, &two, &data, out.path(), false);
    assert!(matches!(again, Err(CaeError::RunExists { .. })));
    let mut other_seed = quiet(2, OptimizerConfig::paper_sgd());
    other_seed.seed = 99;
    let r = run(&cfg, &other_seed, &data, out.path(), true);
    assert!(matches!(r, Err(CaeError::ResumeMismatch { .. })));
    let other_arch = CaeConfig {
        filters: vec![2, 4],
        ..cfg.clone()
    };
    let r = run(&other_arch, &two, &data, out.path(), true);
    assert!(matches!(r, Err(CaeError::ResumeMismatch { .. })));
    let fewer = synthetic(10, 16);
    let r = run(&cfg, &two, &fewer, out.path(), true);
    assert!(matches!(r, Err(CaeError::ResumeMismatch { .. })));
    // The matching resume continues.
    let ok = run(&cfg, &two, &data, out.path(), true).unwrap();
    assert_eq!(ok.history.len(), 2);
    // Resuming a finished run does nothing more.
    let done = run(&cfg, &two, &data, out.path(), true).unwrap();
    assert_eq!(done.history, ok.history);
}

#[test]
fn early_stopping_stops_after_patience_epochs_without_improvement() {
    let data = synthetic(12, 16);
    let cfg = tiny16([2, 3]);
    let mut pc = quiet(
        10,
        OptimizerConfig::Sgd {
            lr: 1e-9,
            lr_decay: 1.0,
            momentum: 0.0,
            weight_decay: 0.0,
        },
    );
    pc.patience = Some(2);
    pc.min_delta = 1e-3;
    let out = tempfile::tempdir().unwrap();
    let report = run(&cfg, &pc, &data, out.path(), false).unwrap();
    assert_eq!(report.stop_reason, StopReason::EarlyStopped);
    assert_eq!(report.history.len(), 3);
    assert_eq!(report.best_epoch, Some(1));
}

#[test]
fn a_diverging_run_stops_with_a_clear_error() {
    let data = synthetic(12, 16);
    let cfg = tiny16([4, 6]);
    let pc = quiet(
        3,
        OptimizerConfig::Sgd {
            lr: 1e12,
            lr_decay: 1.0,
            momentum: 0.0,
            weight_decay: 0.0,
        },
    );
    let out = tempfile::tempdir().unwrap();
    match run(&cfg, &pc, &data, out.path(), false) {
        Err(CaeError::NonFiniteLoss {
            epoch, last_good, ..
        }) => {
            assert_eq!(epoch, 1);
            assert!(last_good.is_none());
            assert!(!out.path().join("checkpoints").join("LATEST").exists());
        }
        other => panic!(
            "expected a non-finite loss error, got {:?}",
            other.map(|r| r.history)
        ),
    }
}

#[test]
fn configs_are_validated_and_the_epoch_line_has_the_documented_format() {
    let data = synthetic(12, 16);
    let out = tempfile::tempdir().unwrap();
    let bad = [
        PretrainConfig {
            epochs: 0,
            ..PretrainConfig::default()
        },
        PretrainConfig {
            batch_size: 0,
            ..PretrainConfig::default()
        },
        PretrainConfig {
            pixel_dropout: 1.0,
            ..PretrainConfig::default()
        },
        PretrainConfig {
            val_fraction: -0.1,
            ..PretrainConfig::default()
        },
        PretrainConfig {
            optimizer: OptimizerConfig::Sgd {
                lr: 0.0,
                lr_decay: 0.98,
                momentum: 0.0,
                weight_decay: 0.0,
            },
            ..PretrainConfig::default()
        },
        PretrainConfig {
            optimizer: OptimizerConfig::Sgd {
                lr: 0.01,
                lr_decay: 1.5,
                momentum: 0.0,
                weight_decay: 0.0,
            },
            ..PretrainConfig::default()
        },
    ];
    for pc in bad {
        assert!(matches!(
            run(&tiny(16), &pc, &data, out.path(), false),
            Err(CaeError::InvalidConfig(_)
                | CaeError::Train(painter_train::TrainError::Hyperparameter { .. }))
        ));
    }
    // The dataset's image size must match the model's.
    assert!(matches!(
        run(
            &tiny(32),
            &quiet(1, OptimizerConfig::paper_sgd()),
            &data,
            out.path(),
            false
        ),
        Err(CaeError::Input(_))
    ));
    let r = PretrainEpoch {
        epoch: 3,
        train_mse: 0.0123456,
        val_mse: Some(0.02),
        lr: 0.0098,
        seconds: 1.5,
    };
    assert_eq!(
        r.line(),
        "epoch=3 train_mse=0.012346 val_mse=0.020000 lr=0.009800 seconds=1.50"
    );
    assert_eq!(OptimizerConfig::paper_sgd().lr_at(2), 0.01 * 0.98 * 0.98);
}
