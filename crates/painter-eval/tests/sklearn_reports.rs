//! Metrics and reports against values computed by scikit-learn 1.9 (`tests/fixtures/reports.json`,
//! made by `tests/fixtures/generate_fixtures.py`; see `tests/fixtures/README.md`).

use painter_eval::{
    accuracy_score, precision_recall_fscore, precision_recall_fscore_support, Average,
    ClassificationReport, ConfusionMatrix, ReportConfig, ZeroDivision,
};
use serde_json::Value;

fn fixtures() -> Value {
    let text = include_str!("fixtures/reports.json");
    serde_json::from_str(text).expect("reports.json parses")
}

fn labels(v: &Value) -> Vec<usize> {
    serde_json::from_value(v.clone()).expect("an array of labels")
}

/// A fixture number: a string holding Python's repr of the float, or "nan".
fn num(v: &Value) -> f64 {
    match v.as_str().expect("fixture numbers are strings") {
        "nan" => f64::NAN,
        s => s.parse().expect("float"),
    }
}

fn nums(v: &Value) -> Vec<f64> {
    v.as_array().expect("array").iter().map(num).collect()
}

/// Bit-exact equality, NaN equal to NaN.
fn same(a: f64, b: f64) -> bool {
    (a.is_nan() && b.is_nan()) || a.to_bits() == b.to_bits()
}

fn assert_same(case: &str, what: &str, ours: f64, sk: f64) {
    assert!(
        same(ours, sk),
        "{case}: {what}: ours {ours:?}, scikit-learn {sk:?}"
    );
}

struct Case {
    name: String,
    y_true: Vec<usize>,
    y_pred: Vec<usize>,
    labels: Option<Vec<usize>>,
    config: ReportConfig,
    zd: ZeroDivision,
    expected: Value,
}

fn cases() -> Vec<Case> {
    let fx = fixtures();
    assert_eq!(
        fx["sklearn"].as_str().map(|v| v.starts_with("1.9")),
        Some(true)
    );
    fx["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .map(|c| {
            let zd: ZeroDivision = c["zero_division"]
                .as_str()
                .expect("zd")
                .parse()
                .expect("policy");
            let mut config = ReportConfig::new()
                .digits(c["digits"].as_u64().expect("digits") as usize)
                .zero_division(zd);
            let given = (!c["labels"].is_null()).then(|| labels(&c["labels"]));
            if let Some(l) = &given {
                config = config.labels(l.clone());
            }
            if let Some(names) = c["target_names"].as_array() {
                config = config
                    .target_names(names.iter().map(|n| n.as_str().expect("name").to_string()));
            }
            Case {
                name: c["name"].as_str().expect("name").to_string(),
                y_true: labels(&c["y_true"]),
                y_pred: labels(&c["y_pred"]),
                labels: given,
                config,
                zd,
                expected: c["expected"].clone(),
            }
        })
        .collect()
}

#[test]
fn fixtures_cover_the_required_cases() {
    let names: Vec<String> = cases().into_iter().map(|c| c.name).collect();
    for needed in [
        "perfect",
        "all_wrong_zd0",
        "never_predicted_zd1",
        "never_true_zdnan",
        "binary_digits2",
        "ten_classes_digits4",
        "absent_label_zdnan",
        "short_and_long_names",
        "labels_subset_zd0",
        "rounding_tie",
    ] {
        assert!(
            names.iter().any(|n| n == needed),
            "missing fixture {needed}"
        );
    }
    assert!(names.len() >= 30, "{} cases", names.len());
}

#[test]
fn text_report_is_identical_to_scikit_learn() {
    for c in cases() {
        let report = ClassificationReport::new(&c.y_true, &c.y_pred, &c.config).expect(&c.name);
        let expected = c.expected["text"].as_str().expect("text");
        assert_eq!(report.to_text(), expected, "case {}", c.name);
        assert_eq!(report.to_string(), expected, "case {} (Display)", c.name);
    }
}

#[test]
fn per_class_and_averaged_figures_are_bit_identical() {
    for c in cases() {
        let e = &c.expected;
        let s = precision_recall_fscore_support(&c.y_true, &c.y_pred, c.labels.as_deref(), c.zd)
            .expect(&c.name);
        for (what, ours, sk) in [
            ("precision", &s.precision, nums(&e["precision"])),
            ("recall", &s.recall, nums(&e["recall"])),
            ("f1", &s.f1, nums(&e["f1"])),
        ] {
            assert_eq!(ours.len(), sk.len(), "{}: {what} length", c.name);
            for (i, (&o, &k)) in ours.iter().zip(&sk).enumerate() {
                assert_same(&c.name, &format!("{what}[{i}]"), o, k);
            }
        }
        let support: Vec<u64> = e["support"]
            .as_array()
            .expect("support")
            .iter()
            .map(|v| v.as_u64().expect("n"))
            .collect();
        assert_eq!(s.support, support, "{}: support", c.name);
        for (avg, key) in [
            (Average::Micro, "micro"),
            (Average::Macro, "macro"),
            (Average::Weighted, "weighted"),
        ] {
            let a = precision_recall_fscore(&c.y_true, &c.y_pred, c.labels.as_deref(), avg, c.zd)
                .expect(&c.name);
            let sk = &e["averages"][key];
            assert_same(
                &c.name,
                &format!("{key} precision"),
                a.precision,
                num(&sk["precision"]),
            );
            assert_same(
                &c.name,
                &format!("{key} recall"),
                a.recall,
                num(&sk["recall"]),
            );
            assert_same(&c.name, &format!("{key} f1"), a.f1, num(&sk["f1"]));
        }
        assert_same(
            &c.name,
            "accuracy",
            accuracy_score(&c.y_true, &c.y_pred).expect("acc"),
            num(&e["accuracy"]),
        );
    }
}

#[test]
fn confusion_matrix_matches() {
    for c in cases() {
        let e = &c.expected;
        let cm_labels = labels(&e["confusion_labels"]);
        let cm = ConfusionMatrix::with_labels(&c.y_true, &c.y_pred, &cm_labels).expect(&c.name);
        let rows: Vec<Vec<u64>> =
            serde_json::from_value(e["confusion_matrix"].clone()).expect("matrix");
        assert_eq!(cm.rows(), rows, "case {}", c.name);
        if c.labels.is_none() {
            assert_eq!(
                ConfusionMatrix::new(&c.y_true, &c.y_pred).expect("cm"),
                cm,
                "case {}",
                c.name
            );
        }
        let report = ClassificationReport::new(&c.y_true, &c.y_pred, &c.config).expect(&c.name);
        assert_eq!(
            report.confusion_matrix, cm,
            "case {}: report's matrix",
            c.name
        );
    }
}

#[test]
fn output_dict_matches_and_json_round_trips() {
    for c in cases() {
        let report = ClassificationReport::new(&c.y_true, &c.y_pred, &c.config).expect(&c.name);
        let ours = report.to_sklearn_dict();
        let sk = c.expected["dict"].as_object().expect("dict");
        let ours_map = ours.as_object().expect("object");
        assert_eq!(ours_map.len(), sk.len(), "case {}: keys", c.name);
        for (key, sk_value) in sk {
            let o = &ours_map[key];
            match sk_value {
                Value::Object(fields) => {
                    for (field, v) in fields {
                        let ov = o[field].as_f64().unwrap_or(f64::NAN);
                        assert_same(&c.name, &format!("{key}.{field}"), ov, num(v));
                    }
                }
                v => assert_same(&c.name, key, o.as_f64().unwrap_or(f64::NAN), num(v)),
            }
        }
        // Every figure survives JSON, NaN included (written as null).
        let json = report.to_json().expect("json");
        let back: ClassificationReport = serde_json::from_str(&json).expect("parse back");
        assert_eq!(back.to_json().expect("json"), json, "case {}", c.name);
        assert_eq!(back.to_text(), report.to_text(), "case {}", c.name);
        for (a, b) in back.classes.iter().zip(&report.classes) {
            let (a, b) = (&a.scores, &b.scores);
            assert!(
                same(a.precision, b.precision)
                    && same(a.recall, b.recall)
                    && same(a.f1_score, b.f1_score)
            );
        }
    }
}

#[test]
fn example_fixture_report_matches_the_library() {
    let y_true =
        painter_eval::parse_labels(include_str!("fixtures/example_true.txt")).expect("true");
    let y_pred =
        painter_eval::parse_labels(include_str!("fixtures/example_pred.txt")).expect("pred");
    let config = ReportConfig::new()
        .target_names([
            "rembrandt",
            "vincent-van-gogh",
            "pierre-auguste-renoir",
            "claude-monet",
        ])
        .digits(4)
        .zero_division(ZeroDivision::Nan);
    let report = ClassificationReport::new(&y_true, &y_pred, &config).expect("report");
    // The fixture is Python's `print(report)`: the report plus a newline.
    assert_eq!(
        format!("{report}\n"),
        include_str!("fixtures/example_report.txt")
    );
}
