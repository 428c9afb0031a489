//! The logistic regression and standardizer against scikit-learn 1.9.1 (`LogisticRegression(C=c)`,
//! lbfgs to tolerance 1e-12, on `StandardScaler` output). The fixture and how it was made:
//! `tests/fixtures/generate_logistic.py`.

use painter_classify::{LinearProbe, LinearProbeConfig, LogisticRegression, Standardizer};
use serde::Deserialize;

#[derive(Deserialize)]
struct Case {
    n: usize,
    features: usize,
    classes: usize,
    c: f64,
    x: Vec<f64>,
    y: Vec<usize>,
    scaler_mean: Vec<f64>,
    scaler_scale: Vec<f64>,
    coef: Vec<f64>,
    intercept: Vec<f64>,
    proba: Vec<f64>,
}

#[derive(Deserialize)]
struct Fixture {
    sklearn: String,
    cases: Vec<Case>,
}

fn fixture() -> Fixture {
    serde_json::from_str(include_str!("fixtures/logistic_sklearn.json")).unwrap()
}

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol * (1.0 + b.abs())
}

#[test]
fn coefficients_and_probabilities_equal_scikit_learns() {
    let f = fixture();
    assert_eq!(f.sklearn, "1.9.1");
    for (ci, case) in f.cases.iter().enumerate() {
        let rows: Vec<usize> = (0..case.n).collect();
        let scaler = Standardizer::fit(&case.x, case.features, &rows).unwrap();
        for (a, b) in scaler.mean.iter().zip(&case.scaler_mean) {
            assert!(close(*a, *b, 1e-12), "case {ci}: mean {a} vs {b}");
        }
        for (a, b) in scaler.scale.iter().zip(&case.scaler_scale) {
            assert!(close(*a, *b, 1e-12), "case {ci}: scale {a} vs {b}");
        }
        let z = scaler.transform(&case.x, &rows).unwrap();
        let (model, report) = LogisticRegression {
            tolerance: 1e-10,
            ..LogisticRegression::new(case.c)
        }
        .fit_with_report(&z, case.features, &case.y, case.classes)
        .unwrap();
        assert!(report.converged, "case {ci}: {report:?}");
        assert!(report.gradient_max < 1e-7, "case {ci}: {report:?}");
        for (i, (a, b)) in model.weights.iter().zip(&case.coef).enumerate() {
            assert!(
                close(*a, *b, 1e-5),
                "case {ci}: coefficient {i}: {a} vs {b}"
            );
        }
        for (a, b) in model.intercepts.iter().zip(&case.intercept) {
            assert!(close(*a, *b, 1e-5), "case {ci}: intercept {a} vs {b}");
        }
        for i in 0..case.n {
            let p = model
                .predict_proba(&z[i * case.features..(i + 1) * case.features])
                .unwrap();
            for (k, pk) in p.iter().enumerate() {
                let want = case.proba[i * case.classes + k];
                assert!(
                    (pk - want).abs() < 1e-6,
                    "case {ci}: row {i} class {k}: {pk} vs {want}"
                );
            }
        }
    }
}

#[test]
fn a_probe_with_one_c_is_the_standardized_regression() {
    let case = &fixture().cases[0];
    let rows: Vec<usize> = (0..case.n).collect();
    let cfg = LinearProbeConfig {
        c_grid: vec![case.c],
        solver: LogisticRegression {
            tolerance: 1e-10,
            ..LogisticRegression::new(1.0)
        },
        ..LinearProbeConfig::default()
    };
    let names = (0..case.classes).map(|k| format!("painter {k}")).collect();
    let probe = LinearProbe::fit(&cfg, &case.x, case.features, &case.y, &rows, names).unwrap();
    for i in 0..case.n {
        let p = probe
            .predict_proba(&case.x[i * case.features..(i + 1) * case.features])
            .unwrap();
        for (k, pk) in p.iter().enumerate() {
            assert!((pk - case.proba[i * case.classes + k]).abs() < 1e-6);
        }
    }
}

#[test]
fn inner_cross_validation_scores_every_candidate() {
    let case = &fixture().cases[1];
    let rows: Vec<usize> = (0..case.n).collect();
    let cfg = LinearProbeConfig {
        c_grid: vec![1e-4, 0.1, 1.0],
        inner_folds: 3,
        ..LinearProbeConfig::default()
    };
    let names = (0..case.classes).map(|k| format!("painter {k}")).collect();
    let probe = LinearProbe::fit(&cfg, &case.x, case.features, &case.y, &rows, names).unwrap();
    assert_eq!(probe.scores.len(), 3);
    let best = probe
        .scores
        .iter()
        .max_by(|a, b| {
            (a.accuracy, -a.log_loss)
                .partial_cmp(&(b.accuracy, -b.log_loss))
                .unwrap()
        })
        .unwrap();
    assert_eq!(probe.c, best.c);
    // C = 1e-4 shrinks every weight to almost nothing: its log loss is near ln(4) and worse than
    // the others'.
    assert!(
        (probe.scores[0].log_loss - 4f64.ln()).abs() < 0.01,
        "{:?}",
        probe.scores[0]
    );
    assert!(probe.scores[0].log_loss > probe.scores[1].log_loss);
    for s in &probe.scores {
        assert!((0.0..=1.0).contains(&s.accuracy));
    }
}
