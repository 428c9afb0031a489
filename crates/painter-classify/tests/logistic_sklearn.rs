//! The logistic regression and standardizer against scikit-learn 1.9.1 (`LogisticRegression(C=c)`,
//! lbfgs to tolerance 1e-12, on `StandardScaler` output). The fixture and how it was made:
//! `tests/fixtures/generate_logistic.py`.

use painter_classify::{
    FeatureMatrix, LinearProbe, LinearProbeConfig, LogisticRegression, SampleFeatures, Standardizer,
};
use painter_eval::{Splitter, StratifiedKFold};
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

impl Case {
    fn matrix(&self) -> FeatureMatrix {
        FeatureMatrix::new(self.x.clone(), self.features).unwrap()
    }

    fn samples(&self) -> SampleFeatures {
        SampleFeatures::one_row_each(self.matrix())
    }
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
        let x = case.matrix();
        let scaler = Standardizer::fit(&x, &rows).unwrap();
        for (a, b) in scaler.mean.iter().zip(&case.scaler_mean) {
            assert!(close(*a, *b, 1e-12), "case {ci}: mean {a} vs {b}");
        }
        for (a, b) in scaler.scale.iter().zip(&case.scaler_scale) {
            assert!(close(*a, *b, 1e-12), "case {ci}: scale {a} vs {b}");
        }
        let z = scaler.transform(&x, &rows).unwrap();
        let (model, report) = LogisticRegression {
            tolerance: 1e-10,
            ..LogisticRegression::new(case.c)
        }
        .fit_with_report(&z, &case.y, case.classes)
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
            let p = model.predict_proba(z.row(i)).unwrap();
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
    let probe = LinearProbe::fit(&cfg, &case.samples(), &case.y, &rows, names).unwrap();
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
    let probe = LinearProbe::fit(&cfg, &case.samples(), &case.y, &rows, names).unwrap();
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

#[test]
fn a_warm_start_reaches_scikit_learns_optimum_and_a_nearby_one_is_quicker() {
    let f = fixture();
    for (ci, case) in f.cases.iter().enumerate() {
        let rows: Vec<usize> = (0..case.n).collect();
        let x = case.matrix();
        let z = Standardizer::fit(&x, &rows)
            .unwrap()
            .transform(&x, &rows)
            .unwrap();
        let solver = |c: f64| LogisticRegression {
            tolerance: 1e-10,
            ..LogisticRegression::new(c)
        };
        let (_, cold) = solver(case.c)
            .fit_with_report(&z, &case.y, case.classes)
            .unwrap();
        // A start from a solution at a nearby C (the regularization path), and a far, arbitrary
        // one: both must land on scikit-learn's coefficients.
        let (nearby, _) = solver(case.c * 0.7)
            .fit_with_report(&z, &case.y, case.classes)
            .unwrap();
        let mut far = nearby.clone();
        far.weights
            .iter_mut()
            .enumerate()
            .for_each(|(i, w)| *w = 3.0 * (i as f64 * 1.3).sin());
        far.intercepts.iter_mut().for_each(|b| *b = -2.0);
        for (what, start) in [("nearby", &nearby), ("far", &far)] {
            let (model, report) = solver(case.c)
                .fit_from(&z, &case.y, case.classes, Some(start))
                .unwrap();
            assert!(report.converged, "case {ci} {what}: {report:?}");
            for (i, (a, b)) in model.weights.iter().zip(&case.coef).enumerate() {
                assert!(
                    close(*a, *b, 1e-5),
                    "case {ci} {what}: coefficient {i}: {a} vs {b}"
                );
            }
            for (a, b) in model.intercepts.iter().zip(&case.intercept) {
                assert!(
                    close(*a, *b, 1e-5),
                    "case {ci} {what}: intercept {a} vs {b}"
                );
            }
            if what == "nearby" {
                assert!(
                    report.iterations < cold.iterations,
                    "case {ci}: warm {} iterations, cold {}",
                    report.iterations,
                    cold.iterations
                );
            }
        }
    }
}

#[test]
fn a_warm_start_of_another_shape_or_not_finite_is_refused() {
    let case = &fixture().cases[0];
    let lr = LogisticRegression::new(case.c);
    let x = case.matrix();
    let model = lr.fit(&x, &case.y, case.classes).unwrap();
    let mut fewer_features = model.clone();
    fewer_features.features -= 1;
    fewer_features
        .weights
        .truncate(case.classes * (case.features - 1));
    let mut short = model.clone();
    short.intercepts.pop();
    let mut nan = model.clone();
    nan.weights[2] = f64::NAN;
    for bad in [&fewer_features, &short, &nan] {
        assert!(lr.fit_from(&x, &case.y, case.classes, Some(bad)).is_err());
    }
    // One class more than the start holds.
    let y: Vec<usize> = case.y.iter().map(|&l| l.min(case.classes - 2)).collect();
    assert!(lr.fit_from(&x, &y, case.classes - 1, Some(&model)).is_err());
}

#[test]
fn inner_cross_validation_scores_equal_independent_fits() {
    // Reference: every (candidate, inner fold) standardized and fitted on its own, written out
    // here, with the grid out of order.
    let case = &fixture().cases[1];
    let rows: Vec<usize> = (0..case.n).collect();
    let cfg = LinearProbeConfig {
        c_grid: vec![3.0, 1e-3, 0.3, 0.03],
        inner_folds: 4,
        seed: Some(7),
        solver: LogisticRegression {
            tolerance: 1e-10,
            ..LogisticRegression::new(1.0)
        },
        temperature: false,
    };
    let names = (0..case.classes).map(|k| format!("painter {k}")).collect();
    let x = case.matrix();
    let probe = LinearProbe::fit(&cfg, &case.samples(), &case.y, &rows, names).unwrap();
    let splits = StratifiedKFold::new(cfg.inner_folds)
        .unwrap()
        .shuffle(7)
        .split(&case.y)
        .unwrap();
    assert_eq!(probe.scores.len(), cfg.c_grid.len());
    for (score, &c) in probe.scores.iter().zip(&cfg.c_grid) {
        assert_eq!(score.c, c);
        let (mut correct, mut loss, mut total) = (0usize, 0.0, 0usize);
        for fold in &splits.folds {
            let scaler = Standardizer::fit(&x, &fold.train).unwrap();
            let z = scaler.transform(&x, &fold.train).unwrap();
            let y: Vec<usize> = fold.train.iter().map(|&i| case.y[i]).collect();
            let model = LogisticRegression { c, ..cfg.solver }
                .fit(&z, &y, case.classes)
                .unwrap();
            for &i in &fold.test {
                let z = scaler.transform_row(x.row(i)).unwrap();
                let p = model.predict_proba(&z).unwrap();
                correct += usize::from(model.predict(&z).unwrap() == case.y[i]);
                loss -= p[case.y[i]].ln();
                total += 1;
            }
        }
        assert_eq!(score.accuracy, correct as f64 / total as f64, "C {c}");
        assert!(
            (score.log_loss - loss / total as f64).abs() < 1e-6,
            "C {c}: {} vs {}",
            score.log_loss,
            loss / total as f64
        );
    }
}
