//! End-to-end tests of the reproduction pipeline (`examples/reproduce.rs` calls the same
//! `pipeline::run`): tiny experiments on synthetic painters in a temporary folder produce every
//! output file and the agreed last line; an interrupted run resumes without recomputing finished
//! folds; pretrained autoencoders are cached by what determines them and reused by any run or
//! recipe that needs them; other settings in the same run folder are refused; bad arguments and
//! recipe keys give clear errors.

use candle_core::Device;
use clap::Parser;
use deep_painter::pipeline::cli::Args;
use deep_painter::pipeline::protocol::{PaperScores, TrainingStep};
use deep_painter::pipeline::state::{fold_dir, FoldRecord, ModelRole};
use deep_painter::pipeline::{
    pretrain_only, run, DataSource, Experiment, PipelineError, Protocol, RunOptions, RECIPE_FILE,
};
use deep_painter::recipe::{Assignment, Recipe};
use painter_data::Dataset;
use std::path::{Path, PathBuf};

/// Options that take seconds: 3 synthetic painters x 12 paintings, 48 unlabeled, 3 folds, in `dir`.
fn tiny_run(dir: &Path, out: &str) -> RunOptions {
    RunOptions {
        source: DataSource::Synthetic {
            painters: 3,
            per_painter: 12,
            unlabeled: 48,
        },
        folds: 3,
        out: dir.join(out),
        cache: dir.join("cache"),
        ..RunOptions::default()
    }
}

/// The `quick` recipe at 32 px with one pretraining epoch, and `sets` on top.
fn tiny_recipe(sets: &[&str]) -> Recipe {
    let mut all = vec![
        "cae.image_size=32",
        "pretraining.epochs=1",
        "classifier.image_size=32",
    ];
    all.extend_from_slice(sets);
    let sets: Vec<Assignment> = all.iter().map(|s| Assignment::parse(s).unwrap()).collect();
    Recipe::load("quick", &sets).unwrap()
}

/// A dense global-pooling head trained a few epochs: the classifier with training curves.
const DENSE: [&str; 6] = [
    "classifier.kind=dense",
    "classifier.epochs=4",
    "classifier.batch_size=16",
    "classifier.patience=2",
    "classifier.validation_fraction=0.2",
    "classifier.head=global_pool",
];

/// Asserts that `e`'s run folder refuses the same experiment with one more setting, `change`,
/// with an error that contains `says`.
fn assert_refused_in_its_folder(e: Experiment, settings: &[&str], change: &str, says: &str) {
    let changed = Experiment {
        recipe: tiny_recipe(&[settings, &[change]].concat()),
        ..e
    };
    let err = run(&changed).unwrap_err().to_string();
    assert!(err.contains(says), "{err}");
}

fn experiment(dir: &Path, out: &str, sets: &[&str]) -> Experiment {
    Experiment {
        run: tiny_run(dir, out),
        recipe: tiny_recipe(sets),
    }
}

/// The folders of the autoencoders cached under `cache`.
fn cached_caes(cache: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(cache.join("cae"))
        .map(|r| r.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default();
    dirs.sort();
    dirs
}

/// Parses `reproduce: recipe=R painters=P images=N folds=K accuracy_mean=X accuracy_std=Y
/// macro_f1=Z seconds=S` into the recipe and the values, checking the keys and their order.
fn parse_summary(line: &str) -> (String, Vec<f64>) {
    let rest = line
        .strip_prefix("reproduce: recipe=")
        .unwrap_or_else(|| panic!("`{line}` does not start with `reproduce: recipe=`"));
    let (recipe, rest) = rest.split_once(' ').unwrap();
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
    let values = parts
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
        .collect();
    (recipe.to_string(), values)
}

#[test]
fn tiny_synthetic_run_writes_every_output_and_the_summary_line() {
    let dir = tempfile::tempdir().unwrap();
    let e = experiment(dir.path(), "run", &DENSE);
    let out = e.run.out.clone();
    let outcome = run(&e).unwrap();
    eprintln!("synthetic run: {}", outcome.summary.line());

    for file in [
        "report.txt",
        "metrics.json",
        "confusion.png",
        "confusion_baseline.png",
        "cae_loss.png",
        "reconstructions.png",
        "run.json",
        RECIPE_FILE,
    ] {
        let path = out.join(file);
        assert!(path.is_file(), "{} is missing", path.display());
        assert!(
            std::fs::metadata(&path).unwrap().len() > 0,
            "{file} is empty"
        );
    }
    let caes = cached_caes(&e.run.cache);
    assert_eq!(caes.len(), 1, "one autoencoder in the cache: {caes:?}");
    for file in [
        "pretraining.json",
        "key.json",
        "best/model.safetensors",
        "loss.png",
    ] {
        assert!(caes[0].join(file).is_file(), "the cached CAE lacks {file}");
    }
    for fold in 1..=3 {
        let f = fold_dir(&out, 0, fold);
        for file in [
            "result.json",
            "baseline.json",
            "history.json",
            "loss.png",
            "accuracy.png",
            "model/model.safetensors",
            "model/classifier.json",
        ] {
            assert!(f.join(file).is_file(), "{}/{file} is missing", f.display());
        }
    }
    // The final model of the dense head, on every painting, with its card.
    for file in [
        "model.safetensors",
        "classifier.json",
        "card.json",
        "MODEL.md",
    ] {
        assert!(
            out.join("model").join(file).is_file(),
            "model/{file} is missing"
        );
    }

    // The summary: the numbers of the run, in the agreed format, also last in report.txt.
    let s = &outcome.summary;
    assert_eq!((s.painters, s.images, s.folds), (3, 36, 3));
    let line = s.line();
    let (recipe, values) = parse_summary(&line);
    assert_eq!(recipe, "quick@1");
    assert_eq!(&values[..3], &[3.0, 36.0, 3.0]);
    assert!(
        (0.0..=1.0).contains(&values[3]) && values[4] >= 0.0 && (0.0..=1.0).contains(&values[5])
    );
    let report = std::fs::read_to_string(out.join("report.txt")).unwrap();
    assert_eq!(report.lines().last(), Some(line.as_str()));
    assert!(report.contains("macro avg") && report.contains("weighted avg"));
    assert!(report.contains("recipe: quick@1") && report.contains("baseline"));

    // The per-fold accuracies are those of the folds' own predictions, and the mean is theirs;
    // the recorded probabilities give the recorded predictions.
    let cv = &outcome.draws[0].classifier;
    let labels = &outcome.draws[0].labels;
    let mut tested = vec![0usize; labels.len()];
    for (k, (f, acc)) in cv.folds.iter().zip(&cv.accuracy.values).enumerate() {
        let correct = f
            .fold
            .test
            .iter()
            .zip(&f.predictions)
            .filter(|(&i, &p)| labels[i] == p)
            .count();
        assert!((correct as f64 / f.fold.test.len() as f64 - acc).abs() < 1e-12);
        assert!(f.fold.test.iter().all(|t| !f.fold.train.contains(t)));
        f.fold.test.iter().for_each(|&i| tested[i] += 1);
        let record = FoldRecord::load_matching(&out, ModelRole::Classifier, 0, k + 1, &f.fold.test)
            .unwrap()
            .unwrap();
        let probabilities = record.probabilities.unwrap();
        for (p, &predicted) in probabilities.iter().zip(&record.predictions) {
            assert_eq!(painter_eval::argmax(p), Some(predicted));
            assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-5, "{p:?}");
        }
    }
    assert!(
        tested.iter().all(|&c| c == 1),
        "every painting is tested once"
    );
    let mean = cv.accuracy.values.iter().sum::<f64>() / 3.0;
    assert!((mean - s.accuracy_mean).abs() < 1e-12);

    // metrics.json holds the same summary, and the resolved recipe.
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
    assert!(metrics["recipe"]
        .as_str()
        .unwrap()
        .contains("kind = \"dense\""));
}

#[test]
fn the_final_model_is_trained_on_every_painting_and_its_card_holds_the_cross_validated_figures() {
    let dir = tempfile::tempdir().unwrap();
    let e = experiment(dir.path(), "run", &["classifier.temperature=true"]);
    let out = e.run.out.clone();
    let outcome = run(&e).unwrap();
    let model_dir = out.join("model");
    for file in [
        "probe.json",
        "encoder.safetensors",
        "card.json",
        "MODEL.md",
        "reliability.png",
        "reliability_unscaled.png",
        "coverage.png",
    ] {
        assert!(model_dir.join(file).is_file(), "model/{file} is missing");
    }
    let fit = outcome.draws[0].final_fit.as_ref().unwrap();
    assert_eq!(fit.paintings, 36);
    let model = deep_painter::predict::PainterModel::load(&model_dir, &Device::Cpu).unwrap();
    let card = model.card().unwrap();
    assert_eq!(card.final_fit, *fit);
    assert_eq!(card.painters, model.class_names());
    assert_eq!(card.data.paintings, 36);
    assert!(card.data.per_painter.iter().all(|(_, n)| *n == 12));
    assert_eq!(card.recipe, "quick@1");

    // The accuracy figures are the folds' own.
    let cv = &outcome.draws[0].classifier;
    let figures = &card.cross_validation;
    assert_eq!(figures.fold_accuracies, cv.accuracy.values);
    assert!((figures.accuracy_mean - outcome.summary.accuracy_mean).abs() < 1e-12);
    let se = cv.accuracy.sample_std / 3f64.sqrt();
    assert!((figures.accuracy_standard_error - se).abs() < 1e-12);
    for (row, class) in card.per_painter.iter().zip(&cv.pooled.classes) {
        assert_eq!(
            (row.recall, row.support),
            (class.scores.recall, class.scores.support)
        );
    }

    // Calibration from the fold records: every fold's test probabilities are its unscaled ones
    // under its own temperature, and the card's figures are those of the pooled records.
    let labels = &outcome.draws[0].labels;
    let (mut truth, mut after, mut before) = (Vec::new(), Vec::new(), Vec::new());
    for (k, f) in cv.folds.iter().enumerate() {
        let record = FoldRecord::load_matching(&out, ModelRole::Classifier, 0, k + 1, &f.fold.test)
            .unwrap()
            .unwrap();
        let scaled = record.probabilities.unwrap();
        let t = deep_painter::pipeline::final_model::TemperatureRecord::load(
            &out,
            0,
            k + 1,
            f.fold.test.len(),
        )
        .unwrap()
        .unwrap();
        assert_eq!(card.calibration.fold_temperatures[k], t.temperature.value);
        for (s, u) in scaled.iter().zip(&t.unscaled) {
            let expected = t.temperature.apply(u);
            assert!(s.iter().zip(&expected).all(|(a, b)| (a - b).abs() < 1e-12));
        }
        truth.extend(f.fold.test.iter().map(|&i| labels[i]));
        after.extend(scaled);
        before.extend(t.unscaled);
    }
    let ece = |p: &[Vec<f64>]| painter_eval::Calibration::new(p, &truth, 10).unwrap().ece;
    assert!((card.calibration.calibration.ece - ece(&after)).abs() < 1e-12);
    let unscaled = card.calibration.before_temperature.as_ref().unwrap();
    assert!((unscaled.ece - ece(&before)).abs() < 1e-12);
    // Coverage at 0 is everything, at the accuracy of the folds.
    let first = &card.min_confidence[0];
    assert_eq!((first.threshold, first.coverage), (0.0, 1.0));
    assert!((first.accuracy - cv.pooled.accuracy).abs() < 1e-12);
    let markdown = std::fs::read_to_string(model_dir.join("MODEL.md")).unwrap();
    assert!(
        markdown.contains(&format!("{:.4}", figures.accuracy_mean)),
        "{markdown}"
    );
    assert!(markdown.contains("Before it: ECE"), "{markdown}");

    // Without output.final_model, no model.
    let e = experiment(dir.path(), "none", &["output.final_model=false"]);
    let outcome = run(&e).unwrap();
    assert!(outcome.draws[0].final_fit.is_none());
    assert!(!e.run.out.join("model").exists());
}

#[test]
fn an_interrupted_run_resumes_without_recomputing_finished_folds() {
    let dir = tempfile::tempdir().unwrap();
    let e = experiment(
        dir.path(),
        "run",
        &[&DENSE[..], &["output.fold_models=false"]].concat(),
    );
    let out = e.run.out.clone();
    let first = run(&e).unwrap();
    assert!(!first.resumed);
    assert_eq!(first.draws[0].classifier_tally.trained, 3);
    assert!(
        !fold_dir(&out, 0, 1).join("model").exists(),
        "fold models are off"
    );

    // Simulate a run killed during fold 3 (its record never written), and mark fold 1's record
    // so that a recomputation would be noticed: predict class 0 for every test painting.
    std::fs::remove_file(FoldRecord::path(&out, ModelRole::Classifier, 0, 3)).unwrap();
    let path1 = FoldRecord::path(&out, ModelRole::Classifier, 0, 1);
    let mut record: FoldRecord =
        serde_json::from_str(&std::fs::read_to_string(&path1).unwrap()).unwrap();
    record.predictions = vec![0; record.test.len()];
    std::fs::write(&path1, serde_json::to_string(&record).unwrap()).unwrap();

    let second = run(&e).unwrap();
    assert!(second.resumed);
    let d = &second.draws[0];
    assert_eq!(
        (d.classifier_tally.trained, d.classifier_tally.reused),
        (1, 2)
    );
    let (a, b) = (&first.draws[0].classifier, &d.classifier);
    assert_eq!(
        b.folds[0].predictions, record.predictions,
        "fold 1 was recomputed"
    );
    assert_eq!(b.folds[1].predictions, a.folds[1].predictions);
    // Fold 3 was trained again with the same seed: same predictions as the first time.
    assert_eq!(b.folds[2].predictions, a.folds[2].predictions);
    assert!(FoldRecord::path(&out, ModelRole::Classifier, 0, 3).is_file());

    // The same folder with other settings is refused, naming the setting.
    let other = Experiment {
        recipe: tiny_recipe(&[&DENSE[..], &["classifier.epochs=5"]].concat()),
        ..e.clone()
    };
    match run(&other) {
        Err(PipelineError::ResumeMismatch { difference, .. }) => {
            assert!(
                difference.contains("recipe.classifier.epochs: 5 now, 4 before"),
                "{difference}"
            )
        }
        other => panic!("expected a resume mismatch, got {other:?}"),
    }
    // What changes no result may change: the description, the fold models, the draws.
    let neutral = Experiment {
        recipe: tiny_recipe(&[&DENSE[..], &["description=\"other words\""]].concat()),
        ..e
    };
    assert!(run(&neutral).unwrap().resumed);
}

#[test]
fn pretrained_autoencoders_are_cached_by_what_determines_them() {
    let dir = tempfile::tempdir().unwrap();
    let first = experiment(dir.path(), "first", &[]);
    let a = run(&first).unwrap();
    assert!(!a.encoders.members[0].reused);
    let cached = cached_caes(&first.run.cache);
    assert_eq!(cached.len(), 1);
    let weights = cached[0].join("best/model.safetensors");
    let written = || {
        (
            std::fs::read(&weights).unwrap(),
            std::fs::metadata(&weights).unwrap().modified().unwrap(),
        )
    };
    let before = written();

    // Another run folder, and another recipe reading the same autoencoder differently (patches,
    // a leaky read-out), reuse it from the cache: nothing is pretrained again.
    let other = experiment(
        dir.path(),
        "other",
        &[
            "classifier.image_size=64",
            "classifier.patch_size=32",
            "classifier.negative_slope=0.1",
        ],
    );
    let b = run(&other).unwrap();
    assert!(b.encoders.members[0].reused);
    assert_eq!(
        b.encoders.members[0].dir.as_deref(),
        Some(cached[0].as_path())
    );
    assert_eq!(written(), before);
    assert_eq!(cached_caes(&first.run.cache).len(), 1);

    // Another pretraining setting, another seed or other pretraining paintings make another one.
    for (sets, run_seed, unlabeled) in [
        (vec!["pretraining.pixel_dropout=0.0"], 0, 48),
        (vec![], 1, 48),
        (vec![], 0, 40),
    ] {
        let mut e = experiment(dir.path(), &format!("x{run_seed}{unlabeled}"), &sets);
        e.run.seed = run_seed;
        e.run.source = DataSource::Synthetic {
            painters: 3,
            per_painter: 12,
            unlabeled,
        };
        assert!(
            !run(&e).unwrap().encoders.members[0].reused,
            "{sets:?} {run_seed} {unlabeled}"
        );
    }
    assert_eq!(cached_caes(&first.run.cache).len(), 4);

    // The key says what the autoencoder is.
    let key = deep_painter::pipeline::pretrain::cached_key(&cached[0])
        .unwrap()
        .unwrap();
    assert_eq!((key.side, key.seed, key.cae.image_size), (32, 0, 32));
    assert_eq!(key.data.len(), 64, "a SHA-256 of the pixels");

    // A random encoder (objective none) is not cached and not pretrained.
    let none = experiment(dir.path(), "none", &["pretraining.objective=none"]);
    let outcome = run(&none).unwrap();
    assert!(outcome.encoders.members[0].dir.is_none());
    assert_eq!(cached_caes(&first.run.cache).len(), 4);
    assert!(!none.run.out.join("cae_loss.png").exists());
}

#[test]
fn several_draws_are_summarized_over_all_their_folds() {
    let dir = tempfile::tempdir().unwrap();
    let mut e = experiment(dir.path(), "draws", &[]);
    e.run.per_painter = Some(9);
    e.run.draws = 2;
    let outcome = run(&e).unwrap();
    assert_eq!(outcome.summary.images, 27);
    assert_eq!(outcome.draws.len(), 2);
    let all: Vec<f64> = outcome
        .draws
        .iter()
        .flat_map(|d| d.classifier.accuracy.values.clone())
        .collect();
    assert_eq!(all.len(), 6);
    assert!((all.iter().sum::<f64>() / 6.0 - outcome.summary.accuracy_mean).abs() < 1e-12);
    // Each draw holds other paintings and other folds; the baseline sees the same folds.
    let (d0, d1) = (&outcome.draws[0], &outcome.draws[1]);
    assert_ne!(
        d0.classifier.folds[0].fold.test,
        d1.classifier.folds[0].fold.test
    );
    for d in [d0, d1] {
        for (c, b) in d.classifier.folds.iter().zip(&d.baseline.folds) {
            assert_eq!(c.fold, b.fold);
        }
    }
    let report = std::fs::read_to_string(e.run.out.join("report.txt")).unwrap();
    assert!(
        report.contains("classifier over all 6 folds of 2 draws"),
        "{report}"
    );
    assert!(
        report.contains("baseline over all 6 folds of 2 draws"),
        "{report}"
    );
}

/// The paper's figures of a run's draws, with their curves checked against the honest folds.
fn paper_figures(outcome: &deep_painter::pipeline::RunOutcome) -> PaperScores {
    let all: Vec<&PaperScores> = outcome
        .draws
        .iter()
        .map(|d| d.paper.as_ref().expect("a paper figure for every draw"))
        .collect();
    PaperScores::pooled(all)
}

#[test]
fn the_papers_protocol_scores_the_same_folds_beside_the_honest_one() {
    let dir = tempfile::tempdir().unwrap();
    let mut e = experiment(dir.path(), "protocols", &[]);
    let out = e.run.out.clone();
    // The honest run first: no paper figure, the line as before.
    let honest = run(&e).unwrap();
    assert!(honest.draws[0].paper.is_none() && honest.summary.paper.is_none());
    assert!(!honest.summary.line().contains("protocol="));

    // The paper's protocol in the same folder: not a change of settings, but the folds recorded
    // without the paper's figures are computed again.
    e.run.protocol = Protocol::Paper;
    let paper = run(&e).unwrap();
    assert!(paper.resumed);
    let d = &paper.draws[0];
    assert_eq!(
        (d.classifier_tally.trained, d.classifier_tally.reused),
        (3, 0)
    );
    // The honest figure is the same on the same folds.
    assert_eq!(d.classifier, honest.draws[0].classifier);
    let figures = paper_figures(&paper);
    let grid = match &e.recipe.classifier {
        deep_painter::recipe::ClassifierRecipe::Probe(p) => p.c_grid.clone(),
        other => panic!("the quick recipe's classifier is a probe, got {other:?}"),
    };
    let mut sorted = grid.clone();
    sorted.sort_by(f64::total_cmp);
    for (k, curve) in figures.curves.iter().enumerate() {
        // Every C of the grid, increasing, fitted on the training folds and scored on the fold.
        assert_eq!(curve.step, TrainingStep::C);
        let steps: Vec<f64> = curve.points.iter().map(|p| p.step).collect();
        assert_eq!(steps, sorted);
        // The honest C is on the grid: the best on the scored fold is never below the honest
        // figure, and equals the best of the curve.
        let honest_k = d.classifier.accuracy.values[k];
        let best = curve.best().accuracy;
        assert!(best >= honest_k - 1e-12, "fold {k}: {best} < {honest_k}");
        assert!(curve.points.iter().all(|p| p.accuracy <= best));
        // Each accuracy is a fraction of the fold's test paintings.
        let n = d.classifier.folds[k].fold.test.len() as f64;
        for p in &curve.points {
            assert!((p.accuracy * n - (p.accuracy * n).round()).abs() < 1e-9);
        }
        // Recorded with the fold.
        let record = FoldRecord::load_matching(
            &out,
            ModelRole::Classifier,
            0,
            k + 1,
            &d.classifier.folds[k].fold.test,
        )
        .unwrap()
        .unwrap();
        assert_eq!(record.scored_fold.as_ref(), Some(curve));
    }
    assert!(figures.best_on_fold.mean >= d.classifier.accuracy.mean - 1e-12);
    assert!(figures.stop_at_80.mean <= figures.best_on_fold.mean + 1e-12);

    // The line says the protocol and reports the paper's figure, the honest one beside it.
    let line = paper.summary.line();
    assert!(
        line.starts_with("reproduce: recipe=quick@1 protocol=paper "),
        "{line}"
    );
    for part in [
        format!("accuracy_mean={:.4} ", figures.best_on_fold.mean),
        format!("stop80_accuracy_mean={:.4} ", figures.stop_at_80.mean),
        format!("honest_accuracy_mean={:.4} ", d.classifier.accuracy.mean),
    ] {
        assert!(line.contains(&part), "`{part}` not in `{line}`");
    }
    let report = std::fs::read_to_string(out.join("report.txt")).unwrap();
    assert_eq!(report.lines().last(), Some(line.as_str()));
    for part in [
        "the paper's protocol on the same folds",
        "draw 0 fold  3: honest",
        "honest (nested): accuracy",
        "paper: best on the scored fold: accuracy",
        "paper: stop at 80% on the scored fold: accuracy",
        "paired, fold by fold, best on the scored fold minus honest: +",
    ] {
        assert!(
            report.contains(part),
            "`{part}` not in the report:\n{report}"
        );
    }
    let metrics: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("metrics.json")).unwrap()).unwrap();
    let protocols = metrics["protocols"].as_array().unwrap();
    let names: Vec<&str> = protocols
        .iter()
        .map(|p| p["protocol"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["honest", "best_on_scored_fold", "stop_at_80"]);
    assert_eq!(
        protocols[1]["mean"].as_f64(),
        Some(figures.best_on_fold.mean)
    );
    let se = figures.best_on_fold.sample_std / 3f64.sqrt();
    assert!((protocols[1]["standard_error"].as_f64().unwrap() - se).abs() < 1e-12);

    // A second paper run reuses every fold, curves included.
    let again = run(&e).unwrap();
    assert_eq!(again.draws[0].classifier_tally.reused, 3);
    assert_eq!(paper_figures(&again), figures);
}

#[test]
fn the_papers_protocol_scores_a_dense_head_after_every_epoch() {
    let dir = tempfile::tempdir().unwrap();
    let mut e = experiment(dir.path(), "dense", &DENSE);
    e.run.protocol = Protocol::Paper;
    let outcome = run(&e).unwrap();
    let figures = paper_figures(&outcome);
    assert_eq!(figures.curves.len(), 3);
    for curve in &figures.curves {
        // No early stopping on the scored fold's curve: every epoch of the recipe.
        assert_eq!(curve.step, TrainingStep::Epoch);
        let steps: Vec<f64> = curve.points.iter().map(|p| p.step).collect();
        assert_eq!(steps, [1.0, 2.0, 3.0, 4.0]);
        let stop = curve.stop_at(0.8);
        match curve.points.iter().find(|p| p.accuracy >= 0.8) {
            Some(first) => assert_eq!(stop, *first),
            None => assert_eq!(stop, *curve.points.last().unwrap()),
        }
    }
    assert!(outcome.summary.line().contains(" protocol=paper "));
}

fn experiment_from(args: &[&str]) -> Result<Experiment, String> {
    let mut full = vec!["reproduce"];
    full.extend_from_slice(args);
    Args::try_parse_from(full)
        .map_err(|e| e.to_string())?
        .into_experiment()
        .map_err(|e| e.to_string())
}

#[test]
fn the_command_line_keeps_what_changes_run_to_run_and_recipes_the_rest() {
    let defaults = experiment_from(&[]).unwrap();
    assert_eq!(defaults, Experiment::quick().unwrap());

    // At most 20 options, --help and --version included.
    let mut command = <Args as clap::CommandFactory>::command();
    let help = command.render_long_help().to_string();
    let options = help
        .lines()
        .filter(|l| l.trim_start().starts_with('-'))
        .count();
    assert!(options <= 20, "{options} options:\n{help}");
    assert!(help.contains("--protocol <PROTOCOL>"), "{help}");
    let paper = experiment_from(&["--protocol", "paper"]).unwrap();
    assert_eq!(paper.run.protocol, Protocol::Paper);
    assert_eq!(defaults.run.protocol, Protocol::Honest);
    let bad = experiment_from(&["--protocol", "nested"]).unwrap_err();
    assert!(bad.contains("nested") && bad.contains("honest"), "{bad}");

    let cases: [(&[&str], &str); 17] = [
        (&["--head", "linear"], "--head"),
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
        (
            &["--data", "synthetic:painters=1"],
            "painters must be in 2..=",
        ),
        (&["--data", "synthetic:colours=3"], "colours=3"),
        (&["--draws", "3"], "--per-painter"),
        (&["--painters", "a"], "at least 2 painters"),
        (&["--recipe", "fastest"], "no recipe `fastest`"),
        (&["--set", "pretraining.epochs"], "KEY=VALUE"),
        (
            &["--set", "classifier.patience=3"],
            "does not apply to the probe classifier",
        ),
        (&["--set", "pretraining.crops=100"], "pretraining.crops"),
        (&["--set", "classifier.scales=[1,1]"], "classifier.scales"),
        (
            &["--recipe", "best", "--set", "classifier.kind=dense"],
            "3 [[encoders]]",
        ),
        (&["--unlabeled", "no/such/folder"], "--unlabeled"),
    ];
    for (args, expected) in cases {
        let err = experiment_from(args).expect_err(&format!("{args:?} was accepted"));
        assert!(
            err.contains(expected),
            "{args:?}: `{err}` does not mention `{expected}`"
        );
    }

    // The run folder defaults to out/<recipe>; --set reaches the recipe.
    let best = experiment_from(&[
        "--recipe",
        "best-3x40",
        "--set",
        "classifier.c_grid=[0.1, 1]",
    ])
    .unwrap();
    assert_eq!(best.run.out, PathBuf::from("out/best-3x40"));
    match &best.recipe.classifier {
        deep_painter::recipe::ClassifierRecipe::Probe(p) => assert_eq!(p.c_grid, vec![0.1, 1.0]),
        other => panic!("{other:?}"),
    }

    // An unknown painter is named, with the painters available.
    let dir = tempfile::tempdir().unwrap();
    let mut e = experiment(dir.path(), "unknown", &[]);
    e.run.painters = Some(vec!["synthetic-impasto".into(), "rembrandt".into()]);
    let err = run(&e).unwrap_err().to_string();
    assert!(
        err.contains("rembrandt") && err.contains("available"),
        "{err}"
    );
}

#[test]
fn a_run_folders_recipe_reruns_the_same_experiment() {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    let out = dir.path().join("first");
    let args = [
        "--data",
        "synthetic:painters=3,images=12,unlabeled=48",
        "--folds",
        "3",
        "--set",
        "cae.image_size=32",
        "--set",
        "pretraining.epochs=1",
        "--set",
        "classifier.image_size=32",
        "--cache",
        cache.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ];
    let first = experiment_from(&args).unwrap();
    let a = run(&first).unwrap();
    let resolved = out.join(RECIPE_FILE);
    // Rerunning the resolved recipe restores the data settings and the recipe: the folder resumes
    // and reuses every fold.
    let again = experiment_from(&[
        "--recipe",
        resolved.to_str().unwrap(),
        "--cache",
        cache.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ])
    .unwrap();
    assert_eq!(again.run.folds, 3);
    assert_eq!(again.run.source, first.run.source);
    assert_eq!(again.recipe.encoders, first.recipe.encoders);
    let b = run(&again).unwrap();
    assert!(b.resumed);
    assert_eq!(b.draws[0].classifier_tally.reused, 3);
    assert_eq!(a.summary.accuracy_mean, b.summary.accuracy_mean);
}

/// The linear-probe classifier a run saved for `fold` (from 1) of its first draw.
/// The probe reading 64-px paintings by 32-px patches with two candidate `C`s.
const PROBE_ON_PATCHES: [&str; 3] = [
    "classifier.image_size=64",
    "classifier.patch_size=32",
    "classifier.c_grid=[0.1, 1.0]",
];

fn saved_probe(out: &Path, fold: usize) -> painter_classify::ProbeClassifier {
    painter_classify::ProbeClassifier::load(
        &fold_dir(out, 0, fold).join("model"),
        &candle_core::Device::Cpu,
    )
    .unwrap()
}

#[test]
fn the_linear_probe_on_patches_at_a_larger_size_runs_resumes_and_learns() {
    let dir = tempfile::tempdir().unwrap();
    // The CAE is pretrained at 32 px; the probe describes the paintings at 64 px by 32-px patches,
    // reading the encoder through a leaky ReLU, at full and at half resolution.
    let settings = [
        &PROBE_ON_PATCHES[..],
        &["classifier.negative_slope=0.1", "classifier.scales=[1, 2]"],
    ]
    .concat();
    let e = experiment(dir.path(), "linear", &settings);
    let out = e.run.out.clone();
    let first = run(&e).unwrap();
    let d = &first.draws[0];
    assert_eq!(
        (d.classifier_tally.trained, d.classifier_tally.reused),
        (3, 0)
    );
    let acc = d.classifier.accuracy.mean;
    // 3 synthetic painters with distinct hands: far above the 1/3 of chance.
    assert!(acc > 0.6, "linear probe accuracy {acc}");
    for fold in 1..=3 {
        let model = saved_probe(&out, fold);
        assert!([0.1, 1.0].contains(&model.probe().c));
        assert_eq!(model.probe().scores.len(), 2);
        assert_eq!(
            (model.features().image_size, model.features().patch),
            (64, Some(32))
        );
        assert_eq!(model.features().statistics.negative_slope(), 0.1);
        assert_eq!(model.features().statistics.scales(), &[1, 2]);
        assert!(fold_dir(&out, 0, fold).join("c_selection.png").is_file());
    }
    let report = std::fs::read_to_string(out.join("report.txt")).unwrap();
    assert!(
        report.contains("linear probe")
            && report.contains("leaky ReLU of slope 0.1")
            && report.contains("scales [1, 2]"),
        "{report}"
    );

    // Resuming recomputes nothing and gives the same predictions.
    std::fs::remove_file(FoldRecord::path(&out, ModelRole::Classifier, 0, 2)).unwrap();
    let second = run(&e).unwrap();
    let t = second.draws[0].classifier_tally;
    assert_eq!((t.trained, t.reused), (1, 2));
    for (fa, fb) in d
        .classifier
        .folds
        .iter()
        .zip(&second.draws[0].classifier.folds)
    {
        assert_eq!(fa.predictions, fb.predictions);
    }
    // The folder's statistics were read with the slope: the encoder's ReLUs are refused there.
    assert_refused_in_its_folder(
        e,
        &settings,
        "classifier.negative_slope=0.0",
        "classifier.negative_slope: 0.0 now, 0.1 before",
    );
}

#[test]
fn pretraining_on_crops_trains_on_crops_of_larger_paintings() {
    let dir = tempfile::tempdir().unwrap();
    // The CAE, with a third stage, takes 32-px inputs, cut 3 per painting from the 48 unlabeled
    // paintings standardized to 64 px, and trains without the paper's pixel dropout.
    let settings = [
        &PROBE_ON_PATCHES[..],
        &[
            "pretraining.crops=3",
            "pretraining.crop_from=64",
            "pretraining.pixel_dropout=0.0",
            "cae.filters=[8, 12, 16]",
        ],
    ]
    .concat();
    let e = experiment(dir.path(), "crops", &settings);
    let result = run(&e).unwrap();
    let acc = result.draws[0].classifier.accuracy.mean;
    assert!(acc > 0.6, "linear probe accuracy {acc}");
    let cae_dir = result.encoders.members[0].dir.clone().unwrap();
    let record: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(cae_dir.join("pretraining.json")).unwrap())
            .unwrap();
    // 144 crops, split 90/10 into training and validation.
    let split: Vec<u64> = serde_json::from_value(record["split"].clone()).unwrap();
    assert_eq!(split.iter().sum::<u64>(), 48 * 3, "{record}");
    let cae = painter_cae::CaeCheckpoint::load_config(&cae_dir.join("best")).unwrap();
    assert_eq!((cae.image_size, cae.filters), (32, vec![8, 12, 16]));
    let report = std::fs::read_to_string(e.run.out.join("report.txt")).unwrap();
    assert!(
        report.contains("144 random 32x32 crops (3 per image) of 48 unlabeled synthetic images")
            && report.contains("standardized to 64x64")
            && report.contains("pixel dropout 0,"),
        "{report}"
    );
    // Other crop settings in that folder are refused, naming the key.
    assert_refused_in_its_folder(
        e,
        &settings,
        "pretraining.crops=2",
        "recipe.pretraining.crops: 2 now, 3 before",
    );
}

#[test]
fn an_ensemble_of_encoders_is_pretrained_read_by_the_probe_and_cached() {
    let dir = tempfile::tempdir().unwrap();
    let two = |out: &str| {
        let text = format!(
            "{}\n[[encoders]]\nseed = 1\n",
            deep_painter::recipe::shipped("quick").unwrap()
        );
        let sets: Vec<Assignment> = [
            "cae.image_size=32",
            "pretraining.epochs=1",
            "classifier.image_size=64",
            "classifier.negative_slope=0.1",
            "classifier.c_grid=[0.1, 1.0]",
        ]
        .iter()
        .map(|s| Assignment::parse(s).unwrap())
        .collect();
        Experiment {
            run: tiny_run(dir.path(), out),
            recipe: Recipe::parse("two encoders", &text, &sets).unwrap(),
        }
    };
    let e = two("ensemble");
    let first = run(&e).unwrap();
    assert!(first.draws[0].classifier.accuracy.mean > 0.6);
    // Two CAEs, pretrained from different seeds: their weights differ.
    let dirs: Vec<PathBuf> = first
        .encoders
        .members
        .iter()
        .map(|m| m.dir.clone().unwrap())
        .collect();
    let weights = |d: &Path| std::fs::read(d.join("best/model.safetensors")).unwrap();
    assert_eq!(dirs.len(), 2);
    assert!(
        weights(&dirs[0]) != weights(&dirs[1]),
        "the two CAEs are the same"
    );
    for fold in 1..=3 {
        let model = saved_probe(&e.run.out, fold);
        let statistics = &model.features().statistics;
        assert_eq!(statistics.encoders().len(), 2);
        let one = painter_classify::ChannelStatistics::new(statistics.encoder().clone());
        assert_eq!(statistics.dim(), 2 * one.dim());
    }
    let report = std::fs::read_to_string(e.run.out.join("report.txt")).unwrap();
    assert!(report.contains("encoder 1: pretrained") && report.contains("encoder 2: pretrained"));
    assert!(report.contains("seed 1"), "{report}");

    // Another run folder reuses both from the cache and gives the same predictions.
    let second = run(&two("again")).unwrap();
    assert!(second.encoders.members.iter().all(|m| m.reused));
    for (fa, fb) in first.draws[0]
        .classifier
        .folds
        .iter()
        .zip(&second.draws[0].classifier.folds)
    {
        assert_eq!(fa.predictions, fb.predictions);
    }
    // The first folder refuses a single encoder.
    let single = Experiment {
        recipe: tiny_recipe(&[
            "classifier.image_size=64",
            "classifier.negative_slope=0.1",
            "classifier.c_grid=[0.1, 1.0]",
        ]),
        ..e
    };
    let err = run(&single).unwrap_err().to_string();
    assert!(err.contains("recipe.encoders"), "{err}");
}

#[test]
fn pretraining_alone_stops_before_the_folds_and_the_full_run_reuses_it() {
    let dir = tempfile::tempdir().unwrap();
    let e = experiment(dir.path(), "two-steps", &[]);
    let out = e.run.out.clone();
    let encoders = pretrain_only(&e).unwrap();
    let cae = encoders.members[0].dir.clone().unwrap();
    assert!(cae.join("pretraining.json").is_file());
    assert!(out.join("run.json").is_file() && out.join(RECIPE_FILE).is_file());
    assert!(
        !out.join("report.txt").exists(),
        "no report after pretraining"
    );
    assert!(!fold_dir(&out, 0, 1).exists(), "no fold after pretraining");

    // The full run resumes the folder and reuses the CAE untouched.
    let path = cae.join("best/model.safetensors");
    let written = || {
        (
            std::fs::read(&path).unwrap(),
            std::fs::metadata(&path).unwrap().modified().unwrap(),
        )
    };
    let before = written();
    let outcome = run(&e).unwrap();
    assert!(outcome.resumed && outcome.encoders.members[0].reused);
    assert_eq!(outcome.draws[0].classifier_tally.trained, 3);
    assert_eq!(before, written());
    assert!(out.join("report.txt").is_file());

    // Nothing to pretrain: refused.
    let none = experiment(dir.path(), "none", &["pretraining.objective=none"]);
    match pretrain_only(&none) {
        Err(PipelineError::InvalidOption(message)) => {
            assert!(message.contains("nothing to pretrain"), "{message}")
        }
        other => panic!("expected an invalid option, got {other:?}"),
    }
    let args = Args::try_parse_from(["reproduce", "--pretrain-only"]).unwrap();
    assert!(args.pretrain_only);
}

/// A folder of 3 synthetic painters x 6 paintings as PNG files, with a truncated JPEG in one
/// painter's folder and a zero-byte one in another's; and the two bad files, sorted.
fn folder_with_bad_files(root: &Path) -> Vec<PathBuf> {
    let painters = painter_data::SyntheticPainters::new(3, 6, 48, 0).unwrap();
    let names = painters.class_names().to_vec();
    for (p, name) in names.iter().enumerate() {
        let dir = root.join(name);
        std::fs::create_dir_all(&dir).unwrap();
        for i in 0..6 {
            painters
                .render(p, i)
                .unwrap()
                .save(dir.join(format!("{i}.png")))
                .unwrap();
        }
    }
    let truncated = root.join(&names[0]).join("truncated.jpg");
    std::fs::write(&truncated, [0xff, 0xd8, 0xff, 0xe0, 0x00]).unwrap();
    let empty = root.join(&names[2]).join("empty.jpg");
    std::fs::write(&empty, []).unwrap();
    let mut bad = vec![truncated, empty];
    bad.sort();
    bad
}

#[test]
fn unreadable_images_are_all_named_or_skipped_and_listed_in_the_report() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("paintings");
    let bad = folder_with_bad_files(&data);
    let mut e = experiment(dir.path(), "strict", &[]);
    e.run.source = DataSource::Folder { dir: data.clone() };
    let err = run(&e).unwrap_err().to_string();
    for path in &bad {
        assert!(err.contains(&path.display().to_string()), "{err}");
    }

    let mut skip = experiment(dir.path(), "skip", &[]);
    skip.run.source = DataSource::Folder { dir: data };
    skip.run.skip_unreadable = true;
    let outcome = run(&skip).unwrap();
    assert_eq!(outcome.summary.images, 18);
    let report = std::fs::read_to_string(skip.run.out.join("report.txt")).unwrap();
    assert!(
        report.contains("left out (--skip-unreadable): 2 unreadable image(s)"),
        "{report}"
    );
    for path in &bad {
        assert!(report.contains(&path.display().to_string()), "{report}");
    }
}
