//! Saving, loading and prediction: identity after a round trip, clear errors for broken model
//! folders and unreadable images, images of any size standardized.

mod common;

use candle_core::Device;
use common::*;
use image::{Rgb, RgbImage};
use painter_classify::{
    ClassifyError, PainterClassifier, PretrainedEncoder, CONFIG_FILE, WEIGHTS_FILE,
};
use painter_data::Dataset;

fn trained() -> (PainterClassifier<PretrainedEncoder>, Vec<RgbImage>) {
    let data = synthetic(4);
    let all: Vec<usize> = (0..data.len()).collect();
    let model = tiny_model(true);
    model
        .fit(&data, &all, None, &quick_config(2), None)
        .unwrap();
    let images = (0..data.len())
        .map(|i| data.get(i).unwrap().image)
        .collect();
    (model, images)
}

#[test]
fn a_loaded_model_predicts_exactly_what_it_predicted_before_saving() {
    let (model, images) = trained();
    let before = model.predict(&images).unwrap();
    for p in &before {
        let s: f32 = p.probabilities.iter().sum();
        assert!((s - 1.0).abs() < 1e-5);
    }
    let dir = tempfile::tempdir().unwrap();
    model.save(dir.path()).unwrap();
    let loaded = PainterClassifier::load(dir.path(), &Device::Cpu).unwrap();
    assert_eq!(loaded.class_names(), model.class_names());
    assert_eq!(loaded.preprocessing(), model.preprocessing());
    assert_eq!(loaded.head().config(), model.head().config());
    assert_eq!(
        loaded.predict(&images).unwrap(),
        before,
        "predictions changed after loading"
    );
    assert_eq!(
        values(loaded.head().named_tensors()),
        values(model.head().named_tensors())
    );
    // Saving again over the same folder works and leaves no temporary file behind.
    loaded.save(dir.path()).unwrap();
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
}

#[test]
fn broken_model_folders_give_typed_errors() {
    let (model, _) = trained();
    let dev = Device::Cpu;
    let root = tempfile::tempdir().unwrap();
    let missing = root.path().join("nope");
    assert!(matches!(
        PainterClassifier::load(&missing, &dev),
        Err(ClassifyError::MissingFile { .. })
    ));

    let dir = root.path().join("m");
    model.save(&dir).unwrap();
    let weights = std::fs::read(dir.join(WEIGHTS_FILE)).unwrap();
    std::fs::remove_file(dir.join(WEIGHTS_FILE)).unwrap();
    match PainterClassifier::load(&dir, &dev) {
        Err(ClassifyError::MissingFile { file, .. }) => assert_eq!(file, WEIGHTS_FILE),
        other => panic!("expected a missing weights file, got {other:?}"),
    }
    std::fs::write(dir.join(WEIGHTS_FILE), &weights).unwrap();

    // One class name fewer than the head's outputs.
    let json = std::fs::read_to_string(dir.join(CONFIG_FILE)).unwrap();
    let mut v: serde_json::Value = serde_json::from_str(&json).unwrap();
    v["class_names"].as_array_mut().unwrap().pop();
    std::fs::write(dir.join(CONFIG_FILE), v.to_string()).unwrap();
    assert!(matches!(
        PainterClassifier::load(&dir, &dev),
        Err(ClassifyError::ClassCountMismatch {
            expected: 3,
            found: 2
        })
    ));

    // A weights file from another save (truncated) is detected, not silently loaded.
    std::fs::write(dir.join(CONFIG_FILE), &json).unwrap();
    std::fs::write(dir.join(WEIGHTS_FILE), &weights[..weights.len() / 2]).unwrap();
    assert!(matches!(
        PainterClassifier::load(&dir, &dev),
        Err(ClassifyError::BadCheckpoint { .. })
    ));
    std::fs::remove_file(dir.join(CONFIG_FILE)).unwrap();
    match PainterClassifier::load(&dir, &dev) {
        Err(ClassifyError::MissingFile { file, .. }) => assert_eq!(file, CONFIG_FILE),
        other => panic!("expected a missing description, got {other:?}"),
    }
}

#[test]
fn images_of_the_wrong_size_are_standardized_and_bad_files_fail_alone() {
    let (model, images) = trained();
    let dir = tempfile::tempdir().unwrap();
    // A non-square image of another size: standardized, not rejected.
    let big = image::imageops::resize(&images[0], 90, 50, image::imageops::FilterType::Triangle);
    let p = model.predict(std::slice::from_ref(&big)).unwrap();
    assert_eq!(p[0].probabilities.len(), 3);
    let good = dir.path().join("good.png");
    big.save(&good).unwrap();
    let small = dir.path().join("small.jpg");
    RgbImage::from_pixel(7, 11, Rgb([200, 30, 30]))
        .save(&small)
        .unwrap();
    let corrupt = dir.path().join("corrupt.jpg");
    std::fs::write(&corrupt, b"\xFF\xD8\xFF\xE0 definitely not a jpeg").unwrap();
    let text = dir.path().join("notes.png");
    std::fs::write(&text, b"hello").unwrap();
    let absent = dir.path().join("absent.png");
    let results = model.predict_files(&[
        good.clone(),
        corrupt.clone(),
        small.clone(),
        text.clone(),
        absent.clone(),
    ]);
    assert_eq!(results.len(), 5);
    assert_eq!(results[0].as_ref().unwrap(), &p[0]);
    assert!(results[2].is_ok());
    for (r, path) in [
        (&results[1], &corrupt),
        (&results[3], &text),
        (&results[4], &absent),
    ] {
        match r {
            Err(ClassifyError::Image { path: p, .. }) => assert_eq!(p, path),
            other => panic!(
                "expected a per-file error for {}, got {other:?}",
                path.display()
            ),
        }
    }
    assert_eq!(model.predict_file(&good).unwrap(), p[0]);
    let ranked = p[0].ranked(model.class_names());
    assert_eq!(ranked.len(), 3);
    assert!(ranked.windows(2).all(|w| w[0].1 >= w[1].1));
    assert_eq!(ranked[0].0, model.class_names()[p[0].best()]);
}

#[test]
fn curves_are_written_as_png() {
    let data = synthetic(4);
    let all: Vec<usize> = (0..data.len()).collect();
    let model = tiny_model(false);
    let cfg = painter_classify::TrainConfig {
        validation_fraction: 0.25,
        ..quick_config(2)
    };
    let h = model.fit(&data, &all, None, &cfg, None).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (loss, acc) = h.save_curves(dir.path()).unwrap();
    for p in [loss, acc] {
        let bytes = std::fs::read(&p).unwrap();
        assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    }
    h.save_json(&dir.path().join("history.json")).unwrap();
}
