//! The RBF SVM against scikit-learn's `SVC` on a small 3-class data set, and the inner choice of
//! `(C, gamma)` against the same choice written out in scikit-learn (`fixtures/svm.json`, made by
//! `fixtures/make_fixtures.py`; see `fixtures/README.md`).

use painter_handcrafted::{
    ClassifierConfig, Descriptors, FeatureBlock, HandcraftedConfig, HandcraftedModel, RbfSvm,
    Scaling, SvmConfig,
};
use serde::Deserialize;

#[derive(Deserialize)]
struct Fixture {
    classes: usize,
    features: usize,
    x_train: Vec<f64>,
    y_train: Vec<usize>,
    x_test: Vec<f64>,
    y_test: Vec<usize>,
    fixed: Fixed,
    inner: Inner,
}

#[derive(Deserialize)]
struct Fixed {
    c: f64,
    gamma: f64,
    decision_ovo: Vec<Vec<f64>>,
    predictions: Vec<usize>,
}

#[derive(Deserialize)]
struct Inner {
    blocks: Vec<usize>,
    c_grid: Vec<f64>,
    gamma_multipliers: Vec<f64>,
    inner_folds: usize,
    tolerance: f64,
    scores: Vec<Score>,
    chosen_c: f64,
    chosen_gamma_multiplier: f64,
    test_predictions: Vec<usize>,
}

#[derive(Deserialize)]
struct Score {
    c: f64,
    gamma_multiplier: f64,
    fold_accuracies: Vec<f64>,
    mean_accuracy: f64,
}

fn fixture() -> Fixture {
    serde_json::from_str(include_str!("fixtures/svm.json")).expect("fixtures/svm.json parses")
}

#[test]
fn decision_values_and_predictions_match_svc() {
    let f = fixture();
    let svm = RbfSvm::fit(
        &f.x_train,
        f.features,
        &f.y_train,
        f.classes,
        f.fixed.c,
        f.fixed.gamma,
        1e-10,
    )
    .unwrap();
    for (i, row) in f.x_test.chunks(f.features).enumerate() {
        let got = svm.decision_ovo(row);
        let want = &f.fixed.decision_ovo[i];
        assert_eq!(got.len(), want.len());
        for (g, w) in got.iter().zip(want) {
            assert!(
                (g - w).abs() < 1e-6,
                "row {i}: decision {g} vs scikit-learn {w}"
            );
        }
        assert_eq!(svm.predict(row), f.fixed.predictions[i], "row {i}");
    }
    let correct = f
        .x_test
        .chunks(f.features)
        .zip(&f.y_test)
        .filter(|(row, &y)| svm.predict(row) == y)
        .count();
    assert!(
        correct * 3 > f.y_test.len() * 2,
        "{correct} of {} right",
        f.y_test.len()
    );
}

/// The fixture's training and test rows as one set of descriptors: training rows first.
fn descriptors(f: &Fixture) -> (Descriptors, Vec<usize>, Vec<usize>) {
    let rows: Vec<Vec<f64>> = f
        .x_train
        .chunks(f.features)
        .chain(f.x_test.chunks(f.features))
        .map(<[f64]>::to_vec)
        .collect();
    let labels: Vec<usize> = f.y_train.iter().chain(&f.y_test).copied().collect();
    let mut start = 0;
    let blocks = f
        .inner
        .blocks
        .iter()
        .enumerate()
        .map(|(i, &width)| {
            start += width;
            FeatureBlock {
                name: format!("block{i}"),
                range: start - width..start,
            }
        })
        .collect();
    let d = Descriptors::from_rows(rows, labels, f.classes, blocks).unwrap();
    let n = f.y_train.len();
    (d, (0..n).collect(), (n..n + f.y_test.len()).collect())
}

#[test]
fn the_inner_choice_of_c_and_gamma_matches_scikit_learn() {
    let f = fixture();
    let (descriptors, train, test) = descriptors(&f);
    let config = SvmConfig {
        c_grid: f.inner.c_grid.clone(),
        gamma_grid: f.inner.gamma_multipliers.clone(),
        inner_folds: f.inner.inner_folds,
        tolerance: f.inner.tolerance,
    };
    let fitted = config
        .fit(Scaling::BalancedBlocks, &descriptors, &train)
        .unwrap();
    assert_eq!(fitted.scores.len(), f.inner.scores.len());
    for (got, want) in fitted.scores.iter().zip(&f.inner.scores) {
        assert_eq!(
            (got.c, got.gamma_multiplier),
            (want.c, want.gamma_multiplier)
        );
        assert_eq!(
            got.fold_accuracies, want.fold_accuracies,
            "C={} gamma={}xscale",
            want.c, want.gamma_multiplier
        );
        assert!((got.mean_accuracy - want.mean_accuracy).abs() < 1e-12);
    }
    assert_eq!(
        (fitted.c, fitted.gamma_multiplier),
        (f.inner.chosen_c, f.inner.chosen_gamma_multiplier)
    );
    // The whole method through its fold entry: same choice, same test predictions.
    let method = HandcraftedConfig {
        classifier: ClassifierConfig::Svm(config),
        ..HandcraftedConfig::all_features_svm()
    };
    let model = HandcraftedModel::new(&method, &descriptors).unwrap();
    let predicted = model.fit_predict(&train, &test).unwrap();
    assert_eq!(predicted.labels, f.inner.test_predictions);
    assert!(predicted
        .details
        .contains(&format!("C={}", f.inner.chosen_c)));
    for (p, &l) in predicted.probabilities.iter().zip(&predicted.labels) {
        assert_eq!(p.len(), f.classes);
        assert_eq!(p[l], 1.0);
        assert_eq!(p.iter().sum::<f64>(), 1.0);
    }
}
