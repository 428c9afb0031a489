//! End-to-end tests of the reproduction pipeline (`examples/reproduce.rs` calls the same
//! `pipeline::run`): a tiny run on synthetic painters in a temporary folder produces every output
//! file and the agreed last line; an interrupted run resumes without recomputing finished folds;
//! other settings in the same folder are refused; bad arguments give clear errors.

use clap::Parser;
use deep_painter::pipeline::cli::Args;
use deep_painter::pipeline::state::FoldRecord;
use deep_painter::pipeline::{
    pretrain_only, run, DataSource, HeadChoice, PipelineError, Pretraining, ReproduceOptions,
};
use std::path::Path;

/// A run that takes seconds: 3 synthetic painters x 12 images of 32 px, 3 folds, one CAE epoch.
fn tiny(out: &Path) -> ReproduceOptions {
    ReproduceOptions {
        source: DataSource::Synthetic {
            painters: 3,
            per_painter: 12,
            unlabeled: 48,
        },
        folds: 3,
        image_size: Some(32),
        cae_epochs: 1,
        cae_batch: 16,
        epochs: 4,
        batch: 16,
        patience: 2,
        early_stopping_fraction: 0.2,
        head: HeadChoice::Pool,
        out: out.to_path_buf(),
        ..ReproduceOptions::default()
    }
}

/// [`tiny`] with the linear probe on an ensemble of two CAEs pretrained here, reading the
/// paintings at 64 px (the synthetic painters differ in their brushwork, which 32 px blurs).
fn tiny_ensemble(out: &Path) -> ReproduceOptions {
    ReproduceOptions {
        head: HeadChoice::Linear,
        feature_size: Some(64),
        encoders: 2,
        c_grid: vec![0.1, 1.0],
        statistics_slope: 0.1,
        ..tiny(out)
    }
}

/// Parses `reproduce: painters=P images=N folds=K accuracy_mean=X accuracy_std=Y macro_f1=Z
/// seconds=S` into its values, checking the keys and their order.
fn parse_summary(line: &str) -> Vec<f64> {
    let rest = line
        .strip_prefix("reproduce: ")
        .unwrap_or_else(|| panic!("`{line}` does not start with `reproduce: `"));
    let keys = [
        "painters",
        "images",
        "folds",
        "accuracy_mean",
        "accuracy_std",
        "macro_f1",
        "seconds",
    ];
    let parts: Vec<&str> = rest.split(' ').collect();
    assert_eq!(parts.len(), keys.len(), "`{line}`");
    parts
        .iter()
        .zip(keys)
        .map(|(p, k)| {
            let (key, value) = p
                .split_once('=')
                .unwrap_or_else(|| panic!("`{p}` in `{line}`"));
            assert_eq!(key, k, "`{line}`");
            value
                .parse::<f64>()
                .unwrap_or_else(|_| panic!("`{value}` of {k} is not a number"))
        })
        .collect()
}

#[test]
fn tiny_synthetic_run_writes_every_output_and_the_summary_line() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let outcome = run(&tiny(&out)).unwrap();
    eprintln!("synthetic run: {}", outcome.summary.line());

    for file in [
        "report.txt",
        "metrics.json",
        "confusion.png",
        "confusion_baseline.png",
        "cae_loss.png",
        "reconstructions.png",
        "run.json",
        "cae/pretraining.json",
        "cae/best/model.safetensors",
    ] {
        let path = out.join(file);
        assert!(path.is_file(), "{} is missing", path.display());
        assert!(
            std::fs::metadata(&path).unwrap().len() > 0,
            "{file} is empty"
        );
    }
    for fold in 1..=3 {
        let f = out.join(format!("draw-0/fold-{fold:02}"));
        for file in [
            "result.json",
            "history.json",
            "loss.png",
            "accuracy.png",
            "model/model.safetensors",
            "model/classifier.json",
        ] {
            assert!(f.join(file).is_file(), "{}/{file} is missing", f.display());
        }
    }

    // The summary: the numbers of the run, in the agreed format, also last in report.txt.
    let s = &outcome.summary;
    assert_eq!((s.painters, s.images, s.folds), (3, 36, 3));
    let line = s.line();
    let values = parse_summary(&line);
    assert_eq!(&values[..3], &[3.0, 36.0, 3.0]);
    assert!(
        (0.0..=1.0).contains(&values[3]) && values[4] >= 0.0 && (0.0..=1.0).contains(&values[5])
    );
    let report = std::fs::read_to_string(out.join("report.txt")).unwrap();
    assert_eq!(report.lines().last(), Some(line.as_str()));
    assert!(report.contains("macro avg") && report.contains("weighted avg"));
    assert!(report.contains("baseline"));

    // The per-fold accuracies are those of the folds' own predictions, and the mean is theirs.
    let cv = outcome.draws[0].classifier.as_ref().unwrap();
    let labels = &outcome.draws[0].labels;
    let mut tested = vec![0usize; labels.len()];
    for (f, acc) in cv.folds.iter().zip(&cv.accuracy.values) {
        let correct = f
            .fold
            .test
            .iter()
            .zip(&f.predictions)
            .filter(|(&i, &p)| labels[i] == p)
            .count();
        assert!((correct as f64 / f.fold.test.len() as f64 - acc).abs() < 1e-12);
        // Nothing tested is trained on.
        assert!(f.fold.test.iter().all(|t| !f.fold.train.contains(t)));
        f.fold.test.iter().for_each(|&i| tested[i] += 1);
    }
    assert!(
        tested.iter().all(|&c| c == 1),
        "every image is tested exactly once"
    );
    let mean = cv.accuracy.values.iter().sum::<f64>() / 3.0;
    assert!((mean - s.accuracy_mean).abs() < 1e-12);

    // metrics.json holds the same summary.
    let metrics: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("metrics.json")).unwrap()).unwrap();
    assert_eq!(metrics["summary"]["images"], 36);
    assert_eq!(
        metrics["summary"]["accuracy_mean"].as_f64(),
        Some(s.accuracy_mean)
    );
    assert_eq!(
        metrics["draws"][0]["baseline"]["folds"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
}

#[test]
fn an_interrupted_run_resumes_without_recomputing_finished_folds() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let options = ReproduceOptions {
        save_models: false,
        ..tiny(&out)
    };
    let first = run(&options).unwrap();
    assert!(!first.resumed);
    assert_eq!(first.draws[0].trained_folds, 3);

    // Simulate a run killed during fold 3 (its record never written), and mark fold 1's record
    // so that a recomputation would be noticed: predict class 0 for every test image.
    std::fs::remove_file(FoldRecord::path(&out, 0, 3)).unwrap();
    let path1 = FoldRecord::path(&out, 0, 1);
    let mut record: FoldRecord =
        serde_json::from_str(&std::fs::read_to_string(&path1).unwrap()).unwrap();
    record.predictions = vec![0; record.test.len()];
    std::fs::write(&path1, serde_json::to_string(&record).unwrap()).unwrap();

    let second = run(&options).unwrap();
    assert!(second.resumed);
    let d = &second.draws[0];
    assert_eq!((d.trained_folds, d.reused_folds), (1, 2));
    let cv = d.classifier.as_ref().unwrap();
    assert_eq!(
        cv.folds[0].predictions, record.predictions,
        "fold 1 was recomputed"
    );
    assert_eq!(
        cv.folds[1].predictions,
        first.draws[0].classifier.as_ref().unwrap().folds[1].predictions
    );
    // Fold 3 was trained again with the same seed: same predictions as the first time.
    assert_eq!(
        cv.folds[2].predictions,
        first.draws[0].classifier.as_ref().unwrap().folds[2].predictions
    );
    assert!(FoldRecord::path(&out, 0, 3).is_file());

    // The same folder with other settings is refused, naming the setting.
    let other = ReproduceOptions {
        epochs: 5,
        ..options
    };
    match run(&other) {
        Err(PipelineError::ResumeMismatch { difference, .. }) => {
            assert!(difference.contains("epochs"), "{difference}")
        }
        other => panic!("expected a resume mismatch, got {other:?}"),
    }
}

#[test]
fn a_reused_cae_and_no_pretraining_skip_the_pretraining() {
    let dir = tempfile::tempdir().unwrap();
    let first = dir.path().join("first");
    run(&tiny(&first)).unwrap();
    let reused = ReproduceOptions {
        pretraining: Pretraining::Reuse {
            dir: first.join("cae"),
            more: Vec::new(),
        },
        ..tiny(&dir.path().join("reused"))
    };
    let outcome = run(&reused).unwrap();
    assert_eq!(outcome.summary.images, 36);
    assert!(
        !dir.path().join("reused/cae").exists(),
        "nothing is pretrained"
    );
    assert!(dir.path().join("reused/cae_loss.png").is_file());

    // A CAE of another image size is refused with the size to pass.
    let wrong = ReproduceOptions {
        image_size: Some(16),
        ..reused.clone()
    };
    let err = run(&ReproduceOptions {
        out: dir.path().join("wrong"),
        ..wrong
    })
    .unwrap_err();
    assert!(err.to_string().contains("--image-size 32"), "{err}");

    let none = ReproduceOptions {
        pretraining: Pretraining::None,
        ..tiny(&dir.path().join("none"))
    };
    let outcome = run(&none).unwrap();
    assert!(outcome.draws[0].classifier.is_some());
    assert!(!dir.path().join("none/cae").exists());
}

#[test]
fn baseline_only_runs_report_the_baseline() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("b");
    let options = ReproduceOptions {
        baseline_only: true,
        per_painter: Some(9),
        draws: 2,
        ..tiny(&out)
    };
    let outcome = run(&options).unwrap();
    assert_eq!(outcome.summary.model, "baseline");
    assert_eq!(outcome.summary.images, 27);
    assert_eq!(outcome.draws.len(), 2);
    assert!(outcome.draws.iter().all(|d| d.classifier.is_none()));
    assert!(out.join("confusion.png").is_file());
    assert!(!out.join("cae").exists());
    // Two draws: the summary's mean is over all 6 folds.
    let all: Vec<f64> = outcome
        .draws
        .iter()
        .flat_map(|d| d.baseline.accuracy.values.clone())
        .collect();
    assert_eq!(all.len(), 6);
    assert!((all.iter().sum::<f64>() / 6.0 - outcome.summary.accuracy_mean).abs() < 1e-12);
}

/// The linear-probe classifier a run saved for `fold` (from 1) of its first draw.
fn saved_probe(out: &Path, fold: usize) -> painter_classify::ProbeClassifier {
    let fold_dir = deep_painter::pipeline::state::fold_dir(out, 0, fold);
    painter_classify::ProbeClassifier::load(&fold_dir.join("model"), &candle_core::Device::Cpu)
        .unwrap()
}

fn options_from(args: &[&str]) -> Result<ReproduceOptions, String> {
    let mut full = vec!["reproduce"];
    full.extend_from_slice(args);
    Args::try_parse_from(full)
        .map_err(|e| e.to_string())?
        .into_options()
        .map_err(|e| e.to_string())
}

#[test]
fn bad_arguments_give_clear_errors() {
    let defaults = options_from(&[]).unwrap();
    assert_eq!(defaults, ReproduceOptions::default());

    let cases: [(&[&str], &str); 33] = [
        (&["--head", "huge"], "huge"),
        (&["--decoder", "bilinear"], "bilinear"),
        (&["--folds", "1"], "--folds"),
        (&["--folds", "many"], "many"),
        (
            &["--per-painter", "5"],
            "--per-painter 5 is smaller than --folds 10",
        ),
        (&["--data", "no/such/folder"], "no/such/folder"),
        (
            &["--data", ".", "--wikiart", "vincent-van-gogh"],
            "--wikiart",
        ),
        (&["--cae", ".", "--no-pretrain"], "--no-pretrain"),
        (&["--encoders", "0"], "--encoders must be in 1..=16"),
        (
            &["--encoders", "2", "--cae", "a"],
            "name one folder per encoder",
        ),
        (
            &["--encoders", "2", "--head", "pool"],
            "needs --head linear",
        ),
        (
            &["--cae", "a,b", "--head", "flatten"],
            "needs --head linear",
        ),
        (&["--draws", "3"], "--per-painter"),
        (&["--image-size", "4"], "--image-size"),
        (&["--distance", "cosine"], "cosine"),
        (
            &["--head", "pool", "--feature-size", "128"],
            "--head linear",
        ),
        (
            &["--head", "flatten", "--patch-size", "32"],
            "--head linear",
        ),
        (&["--head", "linear", "--patch-size", "100"], "--patch-size"),
        (&["--fine-tune"], "--head pool"),
        (&["--head", "linear", "--c-grid", "0.1,-1"], "--c-grid"),
        (&["--pretrain-crops", "4"], "--feature-size above 64"),
        (&["--filters", "32,0"], "--filters"),
        (
            &[
                "--pretrain-crops",
                "4",
                "--feature-size",
                "128",
                "--no-pretrain",
            ],
            "--no-pretrain",
        ),
        (
            &["--pretrain-crops", "0", "--feature-size", "128"],
            "--pretrain-crops must be in 1..=64",
        ),
        (
            &["--cae-pixel-dropout", "1"],
            "--cae-pixel-dropout must be in [0, 1)",
        ),
        (
            &["--no-pretrain", "--cae-pixel-dropout", "0"],
            "--cae-pixel-dropout shapes pretraining",
        ),
        (
            &["--statistics-slope=-0.1"],
            "--statistics-slope must be in [0, 1]",
        ),
        (
            &["--head", "pool", "--statistics-slope", "0.1"],
            "--statistics-slope shapes the linear probe's features",
        ),
        (
            &["--statistics-scales", "1,1"],
            "--statistics-scales must be one or more distinct integers",
        ),
        (
            &["--statistics-scales", "0"],
            "--statistics-scales must be one or more distinct integers",
        ),
        (
            &["--head", "pool", "--statistics-scales", "1,2"],
            "--statistics-scales shapes the linear probe's features",
        ),
        (
            &["--patch-size", "8", "--statistics-scales", "1,4"],
            "--patch-size must be in 16..=64",
        ),
        (
            &["--feature-size", "16", "--statistics-scales", "1,8"],
            "lower --statistics-scales",
        ),
    ];
    for (args, expected) in cases {
        let err = options_from(args).expect_err(&format!("{args:?} was accepted"));
        assert!(
            err.contains(expected),
            "{args:?}: `{err}` does not mention `{expected}`"
        );
    }

    // An unknown painter is named, with the painters available.
    let dir = tempfile::tempdir().unwrap();
    let options = ReproduceOptions {
        painters: Some(vec!["synthetic-impasto".into(), "rembrandt".into()]),
        ..tiny(dir.path())
    };
    let err = run(&options).unwrap_err().to_string();
    assert!(
        err.contains("rembrandt") && err.contains("synthetic-watercolor"),
        "{err}"
    );
}

#[test]
fn the_linear_probe_on_patches_at_a_larger_size_runs_resumes_and_learns() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("linear");
    // The CAE is pretrained at 32 px; the probe describes the paintings at 64 px by 32-px patches,
    // reading the encoder through a leaky ReLU, at full and at half resolution.
    let options = ReproduceOptions {
        head: HeadChoice::Linear,
        feature_size: Some(64),
        patch_size: Some(32),
        c_grid: vec![0.1, 1.0],
        statistics_slope: 0.1,
        statistics_scales: vec![1, 2],
        ..tiny(&out)
    };
    let first = run(&options).unwrap();
    let d = &first.draws[0];
    assert_eq!((d.trained_folds, d.reused_folds), (3, 0));
    let acc = d.classifier.as_ref().unwrap().accuracy.mean;
    // 3 synthetic painters with distinct textures: far above the 1/3 of chance.
    assert!(acc > 0.6, "linear probe accuracy {acc}");
    for fold in 1..=3 {
        let model = saved_probe(&out, fold);
        assert!(options.c_grid.contains(&model.probe().c));
        assert_eq!(model.probe().scores.len(), 2);
        assert_eq!(
            (model.features().image_size, model.features().patch),
            (64, Some(32))
        );
        assert_eq!(model.features().statistics.negative_slope(), 0.1);
        assert_eq!(model.features().statistics.scales(), &[1, 2]);
        let fold_dir = deep_painter::pipeline::state::fold_dir(&out, 0, fold);
        assert!(fold_dir.join("c_selection.png").is_file());
    }
    let report = std::fs::read_to_string(out.join("report.txt")).unwrap();
    assert!(
        report.contains("linear")
            && report.contains("leaky ReLU of negative slope 0.1")
            && report.contains("scales [1, 2]"),
        "{report}"
    );

    // Resuming recomputes nothing and gives the same predictions.
    std::fs::remove_file(FoldRecord::path(&out, 0, 2)).unwrap();
    let second = run(&options).unwrap();
    assert_eq!(
        (second.draws[0].trained_folds, second.draws[0].reused_folds),
        (1, 2)
    );
    let (a, b) = (
        d.classifier.as_ref().unwrap(),
        second.draws[0].classifier.as_ref().unwrap(),
    );
    for (fa, fb) in a.folds.iter().zip(&b.folds) {
        assert_eq!(fa.predictions, fb.predictions);
    }
    // The folder's statistics were read with the slope: the encoder's ReLUs are refused there.
    let relu = ReproduceOptions {
        statistics_slope: 0.0,
        ..options
    };
    let err = run(&relu).unwrap_err().to_string();
    assert!(
        err.contains("statistics_slope: absent now, 0.1 before"),
        "{err}"
    );
}

#[test]
fn pretraining_on_native_scale_crops_trains_on_crops_of_the_feature_size_images() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("crops");
    // The CAE, with a third stage, takes 32-px inputs, cut 3 per image from the 48 unlabeled
    // images standardized to the probe's 64 px, and trains without the paper's pixel dropout.
    let options = ReproduceOptions {
        head: HeadChoice::Linear,
        feature_size: Some(64),
        patch_size: Some(32),
        pretrain_crops: Some(3),
        cae_pixel_dropout: 0.0,
        filters: Some(vec![8, 12, 16]),
        c_grid: vec![0.1, 1.0],
        ..tiny(&out)
    };
    let result = run(&options).unwrap();
    let acc = result.draws[0].classifier.as_ref().unwrap().accuracy.mean;
    assert!(acc > 0.6, "linear probe accuracy {acc}");
    let record: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out.join("cae").join("pretraining.json")).unwrap(),
    )
    .unwrap();
    // 144 crops, split 90/10 into training and validation.
    let split: Vec<u64> = serde_json::from_value(record["split"].clone()).unwrap();
    assert_eq!(split.iter().sum::<u64>(), 48 * 3, "{record}");
    let cae = painter_cae::CaeCheckpoint::load_config(&out.join("cae").join("best")).unwrap();
    assert_eq!((cae.image_size, cae.filters), (32, vec![8, 12, 16]));
    let report = std::fs::read_to_string(out.join("report.txt")).unwrap();
    assert!(
        report.contains("144 random 32x32 crops (3 per image)")
            && report.contains("64x64")
            && report.contains("pixel dropout 0)"),
        "{report}"
    );
    // The pretrained CAE is reused on a rerun; other crop settings are refused in that folder.
    let again = run(&options).unwrap();
    assert_eq!(again.draws[0].reused_folds, 3);
    let other = ReproduceOptions {
        pretrain_crops: Some(2),
        ..options.clone()
    };
    let err = run(&other).unwrap_err().to_string();
    assert!(err.contains("pretrain_crops"), "{err}");
    // So is the paper's pixel dropout, which a run folder records only when it is not used.
    let paper = ReproduceOptions {
        cae_pixel_dropout: deep_painter::pipeline::PAPER_PIXEL_DROPOUT,
        ..options
    };
    let err = run(&paper).unwrap_err().to_string();
    assert!(
        err.contains("cae_pixel_dropout: absent now, 0.0 before"),
        "{err}"
    );
}

#[test]
fn an_ensemble_of_encoders_is_pretrained_read_by_the_probe_and_reusable() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("ensemble");
    let options = tiny_ensemble(&out);
    let first = run(&options).unwrap();
    let acc = first.draws[0].classifier.as_ref().unwrap().accuracy.mean;
    assert!(acc > 0.6, "ensemble probe accuracy {acc}");
    // Two CAEs, pretrained from different seeds: their weights differ.
    let weights = |k: &str| std::fs::read(out.join(k).join("best/model.safetensors")).unwrap();
    assert!(out.join("cae-2/pretraining.json").is_file());
    assert_ne!(weights("cae"), weights("cae-2"));
    for fold in 1..=3 {
        let model = saved_probe(&out, fold);
        let statistics = &model.features().statistics;
        assert_eq!(statistics.encoders().len(), 2);
        let one = painter_classify::ChannelStatistics::new(statistics.encoder().clone());
        assert_eq!(statistics.dim(), 2 * one.dim());
        assert_eq!(statistics.negative_slope(), 0.1);
    }
    let report = std::fs::read_to_string(out.join("report.txt")).unwrap();
    assert!(
        report.contains("an ensemble of 2, statistics concatenated")
            && report.contains("pretraining: encoder 1: trained here")
            && report.contains("  encoder 2: trained here")
            && report.contains("seed 1, in "),
        "{report}"
    );

    // A rerun reuses both CAEs and every fold; the folder refuses a single encoder.
    let again = run(&options).unwrap();
    assert_eq!(again.draws[0].reused_folds, 3);
    let single = ReproduceOptions {
        encoders: 1,
        ..options.clone()
    };
    let err = run(&single).unwrap_err().to_string();
    assert!(err.contains("encoders: absent now, 2 before"), "{err}");

    // The same two CAEs named with --cae give the same features, so the same predictions.
    let reused = ReproduceOptions {
        encoders: 1,
        pretraining: Pretraining::Reuse {
            dir: out.join("cae"),
            more: vec![out.join("cae-2")],
        },
        out: dir.path().join("reused"),
        ..options
    };
    let second = run(&reused).unwrap();
    assert!(
        !dir.path().join("reused/cae").exists(),
        "nothing is pretrained"
    );
    let (a, b) = (
        first.draws[0].classifier.as_ref().unwrap(),
        second.draws[0].classifier.as_ref().unwrap(),
    );
    for (fa, fb) in a.folds.iter().zip(&b.folds) {
        assert_eq!(fa.predictions, fb.predictions);
    }
    let report = std::fs::read_to_string(dir.path().join("reused/report.txt")).unwrap();
    assert!(report.contains("  encoder 2: reused from"), "{report}");
}

#[test]
fn pretraining_alone_stops_before_the_folds_and_the_full_run_reuses_it() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("two-steps");
    let options = tiny_ensemble(&out);
    let cae = pretrain_only(&options).unwrap();
    assert_eq!(cae.encoders.len(), 2);
    for member in ["cae", "cae-2"] {
        assert!(out.join(member).join("pretraining.json").is_file());
    }
    assert!(out.join("run.json").is_file());
    assert!(
        !out.join("report.txt").exists(),
        "no report after pretraining"
    );
    assert!(
        !deep_painter::pipeline::state::fold_dir(&out, 0, 1).exists(),
        "no fold after pretraining"
    );

    // The full run with the same options resumes the folder and reuses both CAEs untouched.
    let written = |member: &str| {
        let path = out.join(member).join("best/model.safetensors");
        (
            std::fs::read(&path).unwrap(),
            std::fs::metadata(&path).unwrap().modified().unwrap(),
        )
    };
    let before = [written("cae"), written("cae-2")];
    let outcome = run(&options).unwrap();
    assert!(outcome.resumed);
    assert_eq!(outcome.draws[0].trained_folds, 3);
    assert_eq!(before, [written("cae"), written("cae-2")]);
    assert!(out.join("report.txt").is_file());

    // Nothing to pretrain: refused by the library and on the command line.
    for nothing in [
        ReproduceOptions {
            pretraining: Pretraining::None,
            ..tiny(&dir.path().join("none"))
        },
        ReproduceOptions {
            baseline_only: true,
            ..tiny(&dir.path().join("baseline"))
        },
    ] {
        match pretrain_only(&nothing) {
            Err(PipelineError::InvalidOption(message)) => {
                assert!(message.contains("--pretrain-only"), "{message}")
            }
            other => panic!("expected an invalid option, got {other:?}"),
        }
    }
    for flags in [
        ["--pretrain-only", "--no-pretrain"],
        ["--pretrain-only", "--baseline-only"],
        ["--pretrain-only", "--cae=somewhere"],
    ] {
        let err = Args::try_parse_from(["reproduce", flags[0], flags[1]]).unwrap_err();
        assert!(err.to_string().contains("cannot be used with"), "{err}");
    }
    let args = Args::try_parse_from(["reproduce", "--pretrain-only"]).unwrap();
    assert!(args.pretrain_only);
}
