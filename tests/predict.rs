//! `predict` for people: the JSON lines, the folder walk, per-file errors, `--min-confidence`,
//! and the model committed in the repository.

use candle_core::Device;
use deep_painter::cae::CaeConfig;
use deep_painter::classify::{
    ChannelStatistics, LinearProbeConfig, PretrainedEncoder, ProbeClassifier, StatisticsFeatures,
};
use deep_painter::data::{Dataset, SyntheticPainters};
use deep_painter::predict::{
    collect_inputs, default_model_dir, predict_inputs, Input, PainterModel, PredictOptions,
};
use std::path::{Path, PathBuf};

/// A probe fitted on 3 synthetic painters, saved in `dir`; and one image of each painter.
fn saved_model(dir: &Path) -> Vec<image::RgbImage> {
    let data = SyntheticPainters::new(3, 8, 32, 0).unwrap();
    let cae = CaeConfig::tiny(32);
    let encoder = PretrainedEncoder::seeded(&cae, 0, &Device::Cpu).unwrap();
    let features = StatisticsFeatures {
        statistics: ChannelStatistics::new(encoder),
        image_size: 32,
        patch: None,
    };
    let cfg = LinearProbeConfig {
        c_grid: vec![1.0],
        ..LinearProbeConfig::default()
    };
    ProbeClassifier::fit(features, &data, &cfg, &Device::Cpu)
        .unwrap()
        .save(dir)
        .unwrap();
    (0..3).map(|c| data.get(c * 8).unwrap().image).collect()
}

/// `root/` with `a.png`, `sub/deeper/b.png`, `sub/c.png`, a broken `sub/broken.jpg` and a
/// `notes.txt`; returns the model.
fn folder(root: &Path) -> PainterModel {
    let images = saved_model(&root.join("model"));
    let data = root.join("data");
    std::fs::create_dir_all(data.join("sub/deeper")).unwrap();
    images[0].save(data.join("a.png")).unwrap();
    images[1].save(data.join("sub/deeper/b.png")).unwrap();
    images[2].save(data.join("sub/c.png")).unwrap();
    std::fs::write(data.join("sub/broken.jpg"), b"\xff\xd8 not a jpeg").unwrap();
    std::fs::write(data.join("notes.txt"), b"not an image").unwrap();
    PainterModel::load(&root.join("model"), &Device::Cpu).unwrap()
}

fn run(
    model: &PainterModel,
    inputs: &[Input],
    options: &PredictOptions,
) -> (String, deep_painter::predict::Tally) {
    let mut out = Vec::new();
    let tally = predict_inputs(model, inputs, options, &mut out).unwrap();
    (String::from_utf8(out).unwrap(), tally)
}

fn json_lines(text: &str) -> Vec<serde_json::Value> {
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn json_lines_rank_the_painters_of_every_image_of_a_folder_walk_and_name_each_error() {
    let tmp = tempfile::tempdir().unwrap();
    let model = folder(tmp.path());
    let data = tmp.path().join("data");
    let missing = tmp.path().join("missing.png");
    let (inputs, left_out) = collect_inputs(&[data.clone(), missing.clone()]);
    assert_eq!(left_out, vec![data.join("notes.txt")]);
    let options = PredictOptions {
        top: 2,
        json: true,
        ..PredictOptions::default()
    };
    let (text, tally) = run(&model, &inputs, &options);
    let lines = json_lines(&text);
    let files: Vec<&str> = lines.iter().map(|l| l["file"].as_str().unwrap()).collect();
    let expected: Vec<String> = [
        data.join("a.png"),
        data.join("sub/broken.jpg"),
        data.join("sub/c.png"),
        data.join("sub/deeper/b.png"),
        missing,
    ]
    .iter()
    .map(|p| p.display().to_string())
    .collect();
    assert_eq!(files, expected);
    assert_eq!((tally.answered, tally.unknown, tally.failed), (3, 0, 2));
    // The broken file and the missing one have their own error; the others were predicted.
    for (line, failed) in lines.iter().zip([false, true, false, false, true]) {
        assert_eq!(line.get("error").is_some(), failed, "{line}");
        if failed {
            assert!(line.get("painters").is_none());
            continue;
        }
        let painters = line["painters"].as_array().unwrap();
        assert_eq!(painters.len(), 2);
        let p: Vec<f64> = painters
            .iter()
            .map(|r| r["probability"].as_f64().unwrap())
            .collect();
        assert!(p[0] >= p[1] && p[0] <= 1.0 && p[1] >= 0.0, "{line}");
        assert_eq!(line["answer"], painters[0]["painter"]);
        assert!(model
            .class_names()
            .contains(&painters[0]["painter"].as_str().unwrap().to_string()));
    }
    assert!(lines[1]["error"].as_str().unwrap().contains("broken.jpg"));
    // The JSON probabilities are the model's own, for the same file predicted alone.
    let alone = model
        .predict_files(&[data.join("a.png")])
        .pop()
        .unwrap()
        .unwrap();
    let ranked = alone.ranked(model.class_names());
    assert_eq!(lines[0]["painters"][0]["painter"], ranked[0].0);
    assert!(
        (lines[0]["painters"][0]["probability"].as_f64().unwrap() - f64::from(ranked[0].1)).abs()
            < 1e-6
    );
}

#[test]
fn min_confidence_answers_unknown_below_it_and_text_lists_the_top_painters() {
    let tmp = tempfile::tempdir().unwrap();
    let model = folder(tmp.path());
    let data = tmp.path().join("data");
    let (inputs, _) = collect_inputs(&[data.join("a.png"), data.join("sub")]);
    let tops: Vec<f64> = json_lines(
        &run(
            &model,
            &inputs,
            &PredictOptions {
                json: true,
                ..PredictOptions::default()
            },
        )
        .0,
    )
    .iter()
    .filter_map(|l| l["painters"][0]["probability"].as_f64())
    .collect();
    assert_eq!(tops.len(), 3);
    // A threshold between the smallest and the largest top probability splits them.
    let mut sorted = tops.clone();
    sorted.sort_by(f64::total_cmp);
    let threshold = (sorted[0] + sorted[2]) / 2.0;
    let options = PredictOptions {
        json: true,
        min_confidence: Some(threshold),
        ..PredictOptions::default()
    };
    let (text, tally) = run(&model, &inputs, &options);
    let below = tops.iter().filter(|&&p| p < threshold).count();
    assert!((1..3).contains(&below), "{tops:?} {threshold}");
    assert_eq!(
        (tally.unknown, tally.answered, tally.failed),
        (below, 3 - below, 1)
    );
    for line in json_lines(&text)
        .iter()
        .filter(|l| l.get("painters").is_some())
    {
        let top = line["painters"][0]["probability"].as_f64().unwrap();
        let unknown = line["answer"] == "unknown";
        assert_eq!(unknown, top < threshold, "{line}");
        assert_eq!(line["painters"].as_array().unwrap().len(), 3);
    }
    // Everything is unknown at 1, nothing at 0.
    for (p, unknown) in [(1.0, 3), (0.0, 0)] {
        let options = PredictOptions {
            min_confidence: Some(p),
            ..PredictOptions::default()
        };
        assert_eq!(run(&model, &inputs, &options).1.unknown, unknown);
    }
    // Text: the file, then the top painters as percentages, or the file's error.
    let options = PredictOptions {
        top: 1,
        min_confidence: Some(1.0),
        ..PredictOptions::default()
    };
    let (text, _) = run(&model, &inputs[..1], &options);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], data.join("a.png").display().to_string());
    assert!(
        lines[1].starts_with("  unknown: no painter reaches 100%"),
        "{text}"
    );
    assert!(lines[2].trim_start().split_once("%  ").is_some(), "{text}");
    assert_eq!(lines.len(), 3);
    // Bad options are refused.
    for bad in [
        PredictOptions {
            top: 0,
            ..PredictOptions::default()
        },
        PredictOptions {
            min_confidence: Some(1.5),
            ..PredictOptions::default()
        },
    ] {
        assert!(predict_inputs(&model, &inputs, &bad, &mut Vec::new()).is_err());
    }
}

/// The first of Rembrandt's paintings in the shared data, when this checkout sits beside it.
fn shared_rembrandt() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/paintings/rembrandt/rembrandt_001.jpg")
}

#[test]
fn the_committed_model_loads_and_predicts() {
    let model = PainterModel::load(&default_model_dir(), &Device::Cpu).unwrap();
    assert_eq!(model.class_names().len(), 10);
    assert!(model.class_names().contains(&"rembrandt".to_string()));
    let card = model.card().expect("the committed model has its card");
    assert_eq!(card.painters, model.class_names());
    assert!(
        card.cross_validation.accuracy_mean > 0.5,
        "{:?}",
        card.cross_validation
    );
    // A generated image: a gradient with some texture.
    let tmp = tempfile::tempdir().unwrap();
    let generated = tmp.path().join("generated.png");
    image::RgbImage::from_fn(300, 200, |x, y| {
        image::Rgb([(x % 256) as u8, (y * 3 % 256) as u8, ((x * y) % 251) as u8])
    })
    .save(&generated)
    .unwrap();
    let mut files = vec![generated];
    let rembrandt = shared_rembrandt();
    let with_shared = rembrandt.is_file();
    if with_shared {
        files.push(rembrandt);
    } else {
        eprintln!("the shared paintings are not beside this checkout: the committed model was checked on a generated image only");
    }
    let predictions = model.predict_files(&files);
    for p in &predictions {
        let p = p.as_ref().unwrap();
        assert_eq!(p.probabilities.len(), 10);
        assert!((p.probabilities.iter().sum::<f32>() - 1.0).abs() < 1e-4);
    }
    if with_shared {
        let ranked = predictions[1].as_ref().unwrap().ranked(model.class_names());
        eprintln!(
            "rembrandt_001.jpg predicted with the committed model: {:?}",
            &ranked[..3]
        );
    }
}
