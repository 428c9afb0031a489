//! Input errors of the metrics and the confusion-matrix PNG.

use painter_eval::{
    accuracy_score, ClassificationReport, ConfusionMatrix, ConfusionMatrixPlot, EvalError,
    ReportConfig, ZeroDivision,
};

#[test]
fn metric_input_errors() {
    assert!(matches!(
        accuracy_score(&[0, 1], &[0]),
        Err(EvalError::LengthMismatch {
            y_true: 2,
            y_pred: 1
        })
    ));
    assert!(matches!(
        accuracy_score(&[], &[]),
        Err(EvalError::NoSamples)
    ));
    let r = |config: ReportConfig| ClassificationReport::new(&[0, 1, 1], &[0, 1, 0], &config);
    assert!(matches!(
        r(ReportConfig::new().labels(vec![])),
        Err(EvalError::NoLabels)
    ));
    assert!(matches!(
        r(ReportConfig::new().labels(vec![0, 1, 0])),
        Err(EvalError::DuplicateLabel(0))
    ));
    assert!(matches!(
        r(ReportConfig::new().target_names(["a"])),
        Err(EvalError::NamesMismatch {
            labels: 2,
            names: 1
        })
    ));
    assert!(matches!(
        ConfusionMatrix::from_rows(vec![0, 1], vec![vec![1, 2], vec![3]]),
        Err(EvalError::BadMatrixShape { labels: 2 })
    ));
    assert!(painter_eval::parse_labels("0\n-1\n").is_err());
    for (text, value, name) in [
        ("0", ZeroDivision::Zero, "0"),
        ("0.0", ZeroDivision::Zero, "0"),
        ("1.0", ZeroDivision::One, "1"),
        ("NaN", ZeroDivision::Nan, "nan"),
    ] {
        assert_eq!(text.parse::<ZeroDivision>().unwrap(), value, "{text}");
        assert_eq!(value.to_string(), name);
    }
    let err = "2".parse::<ZeroDivision>().unwrap_err();
    assert_eq!(
        err.to_string(),
        "zero_division must be 0, 1 or nan, not `2`"
    );
}

#[test]
fn confusion_matrix_png_is_written_and_decodable() {
    let y_true: Vec<usize> = (0..200).map(|i| i % 10).collect();
    let y_pred: Vec<usize> = (0..200)
        .map(|i| if i % 7 == 0 { (i + 1) % 10 } else { i % 10 })
        .collect();
    let cm = ConfusionMatrix::new(&y_true, &y_pred).unwrap();
    // Long names, as real painters' slugs are.
    let names: Vec<&str> = "rembrandt vincent-van-gogh pierre-auguste-renoir claude-monet \
        paul-cezanne edgar-degas camille-pissarro john-singer-sargent ivan-aivazovsky albrecht-durer"
        .split_whitespace()
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("figures").join("confusion.png");
    ConfusionMatrixPlot::new(&cm)
        .names(names)
        .title("10 painters")
        .save_png(&path)
        .unwrap();
    let img = image::open(&path).expect("a decodable PNG").to_rgb8();
    assert!(
        img.width() > 400 && img.height() > 400,
        "{}x{}",
        img.width(),
        img.height()
    );
    // The darkest cell (the diagonal) is dark blue, the empty cells near white, text is black.
    let pixels: Vec<[u8; 3]> = img.pixels().map(|p| p.0).collect();
    assert!(
        pixels.iter().any(|p| p[2] > 90 && p[0] < 30),
        "dark blue cells"
    );
    assert!(pixels.iter().any(|p| p == &[0, 0, 0]), "black text");
    let white = pixels.iter().filter(|p| **p == [255, 255, 255]).count();
    assert!(white > pixels.len() / 10 && white < pixels.len() * 9 / 10);
    // No temporary file left behind.
    let leftovers: Vec<_> = std::fs::read_dir(path.parent().unwrap()).unwrap().collect();
    assert_eq!(leftovers.len(), 1);

    assert!(matches!(
        ConfusionMatrixPlot::new(&cm).names(["a", "b"]).render_png(),
        Err(EvalError::NamesMismatch {
            labels: 10,
            names: 2
        })
    ));
    // An all-zero matrix (labels named but absent) still renders.
    let empty = ConfusionMatrix::with_labels(&[5], &[5], &[0, 1]).unwrap();
    assert_eq!(empty.total(), 0);
    assert!(ConfusionMatrixPlot::new(&empty).render_png().is_ok());
}
