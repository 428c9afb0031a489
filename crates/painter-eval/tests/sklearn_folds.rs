//! KFold and StratifiedKFold against scikit-learn 1.9's folds (`tests/fixtures/folds.json`, made by
//! `tests/fixtures/generate_fixtures.py`), and the properties of shuffled folds.

use painter_eval::{EvalError, FoldWarning, KFold, Splits, Splitter, StratifiedKFold};
use serde_json::Value;
use std::collections::BTreeMap;

fn usizes(v: &Value) -> Vec<usize> {
    serde_json::from_value(v.clone()).expect("an array of indices")
}

fn folds(v: &Value) -> Vec<Vec<usize>> {
    v.as_array().expect("folds").iter().map(usizes).collect()
}

fn tests_of(s: &Splits) -> Vec<Vec<usize>> {
    s.folds.iter().map(|f| f.test.clone()).collect()
}

/// Every sample is tested exactly once; train is the sorted complement of test.
fn check_partition(s: &Splits, n: usize) {
    let mut seen = vec![0usize; n];
    for f in &s.folds {
        assert!(f.test.windows(2).all(|w| w[0] < w[1]), "test sorted");
        assert!(f.train.windows(2).all(|w| w[0] < w[1]), "train sorted");
        assert_eq!(f.train.len() + f.test.len(), n);
        let expected_train: Vec<usize> = (0..n).filter(|i| !f.test.contains(i)).collect();
        assert_eq!(f.train, expected_train);
        for &i in &f.test {
            seen[i] += 1;
        }
    }
    assert!(seen.iter().all(|&c| c == 1), "each sample tested once");
}

/// Per class, the fold counts differ by at most one.
fn check_stratified(s: &Splits, y: &[usize]) {
    let mut per_class: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (f, fold) in s.folds.iter().enumerate() {
        for &i in &fold.test {
            per_class
                .entry(y[i])
                .or_insert_with(|| vec![0; s.folds.len()])[f] += 1;
        }
    }
    for (class, counts) in per_class {
        let (lo, hi) = (counts.iter().min().unwrap(), counts.iter().max().unwrap());
        assert!(hi - lo <= 1, "class {class}: fold counts {counts:?}");
    }
}

fn fixture_cases() -> Vec<Value> {
    let fx: Value = serde_json::from_str(include_str!("fixtures/folds.json")).expect("folds.json");
    fx["cases"].as_array().expect("cases").clone()
}

#[test]
fn unshuffled_folds_equal_scikit_learn() {
    let cases = fixture_cases();
    assert!(cases.len() >= 10);
    for (n, c) in cases.iter().enumerate() {
        let y = usizes(&c["y"]);
        let k = c["n_splits"].as_u64().expect("k") as usize;
        let strat = StratifiedKFold::new(k)
            .expect("k")
            .split(&y)
            .expect("split");
        assert_eq!(
            tests_of(&strat),
            folds(&c["stratified_test_folds"]),
            "case {n}: StratifiedKFold(k={k}) on {y:?}"
        );
        assert_eq!(
            !strat.warnings.is_empty(),
            c["warning"].as_bool().expect("warning"),
            "case {n}: warning"
        );
        check_partition(&strat, y.len());
        check_stratified(&strat, &y);
        let kf = KFold::new(k).expect("k").split(&y).expect("split");
        assert_eq!(
            tests_of(&kf),
            folds(&c["kfold_test_folds"]),
            "case {n}: KFold(k={k}), n={}",
            y.len()
        );
        check_partition(&kf, y.len());
    }
}

#[test]
fn shuffled_folds_are_deterministic_stratified_and_seed_dependent() {
    for c in fixture_cases() {
        let y = usizes(&c["y"]);
        let k = c["n_splits"].as_u64().expect("k") as usize;
        let unshuffled = StratifiedKFold::new(k).unwrap().split(&y).unwrap();
        let a = StratifiedKFold::new(k)
            .unwrap()
            .shuffle(7)
            .split(&y)
            .unwrap();
        let b = StratifiedKFold::new(k)
            .unwrap()
            .shuffle(7)
            .split(&y)
            .unwrap();
        assert_eq!(a, b, "same seed, same folds");
        check_partition(&a, y.len());
        check_stratified(&a, &y);
        // Same per-class allocation as without shuffling.
        for (fa, fu) in a.folds.iter().zip(&unshuffled.folds) {
            let count = |f: &Vec<usize>| {
                let mut m = BTreeMap::new();
                f.iter().for_each(|&i| *m.entry(y[i]).or_insert(0) += 1);
                m
            };
            assert_eq!(count(&fa.test), count(&fu.test));
        }
        let kf = KFold::new(k).unwrap().shuffle(7).split(&y).unwrap();
        assert_eq!(kf, KFold::new(k).unwrap().shuffle(7).split(&y).unwrap());
        check_partition(&kf, y.len());
        let sizes: Vec<usize> = kf.folds.iter().map(|f| f.test.len()).collect();
        let plain: Vec<usize> = KFold::new(k)
            .unwrap()
            .split(&y)
            .unwrap()
            .folds
            .iter()
            .map(|f| f.test.len())
            .collect();
        assert_eq!(sizes, plain, "shuffled KFold keeps the fold sizes");
    }
    let y: Vec<usize> = (0..200).map(|i| i % 4).collect();
    let s1 = StratifiedKFold::new(5)
        .unwrap()
        .shuffle(1)
        .split(&y)
        .unwrap();
    let s2 = StratifiedKFold::new(5)
        .unwrap()
        .shuffle(2)
        .split(&y)
        .unwrap();
    let plain = StratifiedKFold::new(5).unwrap().split(&y).unwrap();
    assert_ne!(s1, s2, "different seeds give different folds");
    assert_ne!(s1, plain, "shuffling changes the folds");
    let k1 = KFold::new(5).unwrap().shuffle(1).split(&y).unwrap();
    assert_ne!(k1, KFold::new(5).unwrap().shuffle(2).split(&y).unwrap());
    assert_ne!(k1, KFold::new(5).unwrap().split(&y).unwrap());
}

#[test]
fn invalid_splits_are_errors() {
    assert!(matches!(KFold::new(1), Err(EvalError::TooFewSplits(1))));
    assert!(matches!(KFold::new(0), Err(EvalError::TooFewSplits(0))));
    assert!(matches!(
        StratifiedKFold::new(1),
        Err(EvalError::TooFewSplits(1))
    ));
    assert!(matches!(
        KFold::new(5).unwrap().split_n(4),
        Err(EvalError::TooManySplits {
            n_splits: 5,
            n_samples: 4
        })
    ));
    assert!(matches!(
        StratifiedKFold::new(5).unwrap().split(&[0, 1, 0, 1]),
        Err(EvalError::TooManySplits {
            n_splits: 5,
            n_samples: 4
        })
    ));
    // Every class smaller than k.
    assert!(matches!(
        StratifiedKFold::new(4)
            .unwrap()
            .split(&[0, 0, 0, 1, 1, 1, 2, 2]),
        Err(EvalError::SplitsExceedEveryClass {
            n_splits: 4,
            largest_class: 3
        })
    ));
    let e = StratifiedKFold::new(4)
        .unwrap()
        .split(&[0, 0, 0, 1, 1, 1, 2, 2])
        .unwrap_err();
    assert!(e.to_string().contains("n_splits=4"), "{e}");
}

#[test]
fn k_above_the_smallest_class_is_a_warning_not_an_error() {
    let y = [0, 0, 0, 0, 0, 1, 1, 0, 0, 0];
    let s = StratifiedKFold::new(3).unwrap().split(&y).unwrap();
    assert_eq!(
        s.warnings,
        vec![FoldWarning::SmallestClassBelowSplits {
            smallest_class: 2,
            n_splits: 3
        }]
    );
    assert_eq!(
        s.warnings[0].to_string(),
        "The least populated class in y has only 2 members, which is less than n_splits=3."
    );
    assert_eq!(s.folds.len(), 3);
    check_partition(&s, y.len());
    assert!(StratifiedKFold::new(2)
        .unwrap()
        .split(&y)
        .unwrap()
        .warnings
        .is_empty());
}
