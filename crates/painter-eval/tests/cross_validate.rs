//! The cross-validation driver: every fold run, predictions collected, per-fold and pooled reports,
//! mean and standard deviation checked against an independent naive computation.

use painter_eval::{
    cross_validate, ClassificationReport, CrossValidationConfig, CrossValidationError, FoldModel,
    KFold, ReportConfig, StratifiedKFold,
};
use std::collections::BTreeSet;

/// Synthetic 1-D data: class `c` sits around `3c`, with a deterministic spread that makes some
/// samples overlap the neighbouring class.
fn data() -> (Vec<f64>, Vec<usize>) {
    let mut x = Vec::new();
    let mut y = Vec::new();
    for i in 0..90usize {
        let class = i % 3;
        let jitter = ((i * 37 % 17) as f64 - 8.0) / 4.0;
        x.push(3.0 * class as f64 + jitter);
        y.push(class);
    }
    (x, y)
}

/// A nearest-centroid classifier, trained from scratch on each fold.
struct NearestCentroid<'a> {
    x: &'a [f64],
    y: &'a [usize],
    calls: Vec<(usize, usize, usize)>,
}

impl FoldModel for NearestCentroid<'_> {
    type Error = std::io::Error;
    fn fit_predict(
        &mut self,
        fold: usize,
        train: &[usize],
        test: &[usize],
    ) -> Result<Vec<usize>, Self::Error> {
        self.calls.push((fold, train.len(), test.len()));
        let mut sum = [0.0f64; 3];
        let mut n = [0usize; 3];
        for &i in train {
            sum[self.y[i]] += self.x[i];
            n[self.y[i]] += 1;
        }
        let centroids: Vec<f64> = (0..3).map(|c| sum[c] / n[c].max(1) as f64).collect();
        Ok(test
            .iter()
            .map(|&i| {
                (0..3)
                    .min_by(|&a, &b| {
                        (self.x[i] - centroids[a])
                            .abs()
                            .total_cmp(&(self.x[i] - centroids[b]).abs())
                    })
                    .unwrap_or(0)
            })
            .collect())
    }
}

#[test]
fn runs_every_fold_and_reports_consistently() {
    let (x, y) = data();
    let mut model = NearestCentroid {
        x: &x,
        y: &y,
        calls: Vec::new(),
    };
    let config = CrossValidationConfig {
        class_names: Some(vec!["low".into(), "middle".into(), "high".into()]),
        digits: Some(4),
        ..Default::default()
    };
    let cv = cross_validate(
        &mut model,
        &StratifiedKFold::new(5).unwrap().shuffle(3),
        &y,
        &config,
    )
    .unwrap();
    assert_eq!(model.calls.len(), 5);
    assert!(model
        .calls
        .iter()
        .enumerate()
        .all(|(i, c)| c.0 == i && c.1 == 72 && c.2 == 18));
    assert_eq!(cv.folds.len(), 5);
    assert!(cv.warnings.is_empty());
    // Every sample predicted exactly once.
    assert!(cv.predictions.iter().all(Option::is_some));
    let tested: BTreeSet<usize> = cv
        .folds
        .iter()
        .flat_map(|f| f.fold.test.iter().copied())
        .collect();
    assert_eq!(tested.len(), y.len());

    // Per-fold reports equal reports computed directly on the fold's predictions.
    let mut naive_acc = Vec::new();
    let mut naive_f1 = Vec::new();
    for f in &cv.folds {
        let truth: Vec<usize> = f.fold.test.iter().map(|&i| y[i]).collect();
        let direct = ClassificationReport::new(
            &truth,
            &f.predictions,
            &ReportConfig::new()
                .target_names(["low", "middle", "high"])
                .digits(4),
        )
        .unwrap();
        assert_eq!(f.report.to_text(), direct.to_text());
        let correct = truth
            .iter()
            .zip(&f.predictions)
            .filter(|(a, b)| a == b)
            .count();
        naive_acc.push(correct as f64 / truth.len() as f64);
        naive_f1.push(f.report.macro_avg.f1_score);
        assert!(f.report.to_text().contains("middle"));
    }
    let pooled_pred: Vec<usize> = cv.predictions.iter().map(|p| p.unwrap()).collect();
    let pooled_direct = ClassificationReport::new(
        &y,
        &pooled_pred,
        &ReportConfig::new()
            .target_names(["low", "middle", "high"])
            .digits(4),
    )
    .unwrap();
    assert_eq!(
        cv.pooled.to_text(),
        pooled_direct.to_text(),
        "pooled report, in fold order or data order"
    );
    assert!(
        cv.pooled.accuracy > 0.6 && cv.pooled.accuracy < 1.0,
        "{}",
        cv.pooled.accuracy
    );

    // Mean and population / sample standard deviation, naively.
    let k = naive_acc.len() as f64;
    let mean = naive_acc.iter().sum::<f64>() / k;
    let var_pop = naive_acc.iter().map(|a| (a - mean).powi(2)).sum::<f64>() / k;
    let var_sample = naive_acc.iter().map(|a| (a - mean).powi(2)).sum::<f64>() / (k - 1.0);
    assert_eq!(cv.accuracy.values, naive_acc);
    assert!((cv.accuracy.mean - mean).abs() < 1e-12);
    assert!((cv.accuracy.std - var_pop.sqrt()).abs() < 1e-12);
    assert!((cv.accuracy.sample_std - var_sample.sqrt()).abs() < 1e-12);
    assert_eq!(cv.macro_f1.values, naive_f1);
    assert!((cv.macro_f1.mean - naive_f1.iter().sum::<f64>() / k).abs() < 1e-12);

    // Serializable, and written atomically.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cv").join("result.json");
    cv.save_json(&path).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    let back: painter_eval::CrossValidation = serde_json::from_str(&text).unwrap();
    assert_eq!(back.to_json().unwrap(), text);
}

#[test]
fn closures_are_models_and_errors_carry_the_fold() {
    let y: Vec<usize> = (0..20).map(|i| i % 2).collect();
    let config = CrossValidationConfig {
        quiet: true,
        ..Default::default()
    };
    let mut failing = |fold: usize, _: &[usize], test: &[usize]| {
        if fold == 2 {
            Err(std::io::Error::other("out of memory"))
        } else {
            Ok(vec![0; test.len()])
        }
    };
    match cross_validate(&mut failing, &KFold::new(4).unwrap(), &y, &config) {
        Err(CrossValidationError::Model { fold: 2, source }) => {
            assert_eq!(source.to_string(), "out of memory")
        }
        other => panic!("expected a model error in fold 2, got {other:?}"),
    }
    let mut short =
        |_: usize, _: &[usize], test: &[usize]| Ok::<_, std::io::Error>(vec![0; test.len() - 1]);
    assert!(matches!(
        cross_validate(&mut short, &KFold::new(4).unwrap(), &y, &config),
        Err(CrossValidationError::PredictionCount {
            fold: 0,
            expected: 5,
            got: 4
        })
    ));
    let mut any =
        |_: usize, _: &[usize], test: &[usize]| Ok::<_, std::io::Error>(vec![0; test.len()]);
    assert!(matches!(
        cross_validate(&mut any, &StratifiedKFold::new(11).unwrap(), &y, &config),
        Err(CrossValidationError::Eval(
            painter_eval::EvalError::SplitsExceedEveryClass { .. }
        ))
    ));
    // Names must cover every label.
    let named = CrossValidationConfig {
        class_names: Some(vec!["only".into()]),
        quiet: true,
        ..Default::default()
    };
    let mut echo = |_: usize, _: &[usize], test: &[usize]| {
        Ok::<_, std::io::Error>(test.iter().map(|i| i % 2).collect())
    };
    assert!(matches!(
        cross_validate(&mut echo, &KFold::new(2).unwrap(), &y, &named),
        Err(CrossValidationError::Eval(
            painter_eval::EvalError::UnnamedLabel { label: 1, names: 1 }
        ))
    ));
}

#[test]
fn perfect_model_and_small_class_warning() {
    // Class 2 has only 2 members: a warning with k = 3, returned with the result.
    let y = vec![0, 1, 0, 1, 0, 1, 2, 0, 1, 0, 1, 2];
    let truth = y.clone();
    let mut oracle = |_: usize, _: &[usize], test: &[usize]| {
        Ok::<_, std::io::Error>(test.iter().map(|&i| truth[i]).collect())
    };
    let config = CrossValidationConfig {
        quiet: true,
        ..Default::default()
    };
    let cv = cross_validate(&mut oracle, &StratifiedKFold::new(3).unwrap(), &y, &config).unwrap();
    assert_eq!(cv.warnings.len(), 1);
    assert_eq!(cv.accuracy.values, vec![1.0; 3]);
    assert_eq!((cv.accuracy.mean, cv.accuracy.std), (1.0, 0.0));
    assert_eq!(cv.pooled.accuracy, 1.0);
    // The fold without class 2 reports only the classes it has, as scikit-learn's scorers do.
    assert!(cv.folds.iter().any(|f| f.report.classes.len() == 2));
    assert_eq!(cv.pooled.classes.len(), 3);
}
