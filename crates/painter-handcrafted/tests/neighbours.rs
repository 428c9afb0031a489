//! The colour-histogram + nearest-neighbour baseline (moved here from the root package with its
//! tests) against independent naive implementations written here, on synthetic painters, and on
//! real paintings when `../shared/paintings` is present.

use image::{Rgb, RgbImage};
use painter_data::folder::{FolderOptions, ImageFolder};
use painter_data::select::{restrict_classes, take_per_class};
use painter_data::synthetic::SyntheticPainters;
use painter_data::{Dataset, DatasetError, Sample};
use painter_eval::{
    cross_validate, CrossValidation, CrossValidationConfig, Splitter, StratifiedKFold,
};
use painter_handcrafted::{
    colour_histogram, BaselineConfig, Descriptors, Distance, HandcraftedConfig, HandcraftedModel,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn random_image(rng: &mut ChaCha8Rng, w: u32, h: u32) -> RgbImage {
    RgbImage::from_fn(w, h, |_, _| Rgb([rng.random(), rng.random(), rng.random()]))
}

/// The histogram computed the slow, obvious way: for every cell, count the pixels falling in it.
fn naive_histogram(image: &RgbImage, bins: usize) -> Vec<f64> {
    let mut out = Vec::new();
    for r in 0..bins {
        for g in 0..bins {
            for b in 0..bins {
                let inside = |v: u8, level: usize| {
                    let lo = level as f64 * 256.0 / bins as f64;
                    let hi = (level + 1) as f64 * 256.0 / bins as f64;
                    (v as f64) >= lo && (v as f64) < hi
                };
                let n = image
                    .pixels()
                    .filter(|p| inside(p.0[0], r) && inside(p.0[1], g) && inside(p.0[2], b))
                    .count();
                out.push(n as f64 / (image.width() * image.height()) as f64);
            }
        }
    }
    out
}

#[test]
fn histograms_match_a_naive_count() {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    for (bins, w, h) in [(1, 3, 5), (2, 8, 8), (3, 17, 4), (8, 31, 29), (5, 1, 1)] {
        let img = random_image(&mut rng, w, h);
        let fast = colour_histogram(&img, bins).unwrap();
        let slow = naive_histogram(&img, bins);
        assert_eq!(fast.len(), bins * bins * bins);
        for (a, b) in fast.iter().zip(&slow) {
            assert!((a - b).abs() < 1e-12, "bins {bins}: {a} vs {b}");
        }
        let total: f64 = fast.iter().sum();
        assert!((total - 1.0).abs() < 1e-12);
    }
    assert!(colour_histogram(&RgbImage::new(2, 2), 0).is_err());
    assert!(colour_histogram(&RgbImage::new(2, 2), 65).is_err());
    assert!(colour_histogram(&RgbImage::new(0, 0), 4)
        .unwrap()
        .iter()
        .all(|&v| v == 0.0));
}

#[test]
fn distances_match_hand_computed_values() {
    let a = [0.5, 0.5, 0.0, 0.0];
    let b = [0.25, 0.25, 0.5, 0.0];
    // chi2: 0.25^2/0.75 * 2 + 0.5^2/0.5 = 0.1666.. + 0.5
    assert!((Distance::ChiSquare.between(&a, &b) - (2.0 * 0.0625 / 0.75 + 0.5)).abs() < 1e-12);
    assert!((Distance::L1.between(&a, &b) - 1.0).abs() < 1e-12);
    assert!((Distance::Euclidean.between(&a, &b) - (0.0625f64 * 2.0 + 0.25).sqrt()).abs() < 1e-12);
    for d in [Distance::ChiSquare, Distance::L1, Distance::Euclidean] {
        assert_eq!(d.between(&a, &a), 0.0);
        assert!((d.between(&a, &b) - d.between(&b, &a)).abs() < 1e-12);
        assert_eq!(d.name().parse::<Distance>().unwrap(), d);
        assert_eq!(d.to_string(), d.name());
    }
    assert_eq!(
        [Distance::ChiSquare, Distance::L1, Distance::Euclidean].map(|d| d.name()),
        ["chi2", "l1", "l2"]
    );
    for (alias, d) in [
        ("chi-square", Distance::ChiSquare),
        ("Euclidean", Distance::Euclidean),
    ] {
        assert_eq!(alias.parse::<Distance>().unwrap(), d, "{alias}");
    }
    let err = "cosine".parse::<Distance>().unwrap_err().to_string();
    assert!(
        err.contains("unknown distance `cosine` (expected chi2, l1 or l2)"),
        "{err}"
    );
}

/// k-NN the naive way: full sort by (distance, index), then count votes.
fn naive_knn(
    feats: &[Vec<f64>],
    labels: &[usize],
    train: &[usize],
    t: usize,
    k: usize,
    d: Distance,
) -> usize {
    let mut all: Vec<(f64, usize)> = train
        .iter()
        .map(|&i| (d.between(&feats[t], &feats[i]), i))
        .collect();
    all.sort_by(|x, y| x.partial_cmp(y).unwrap());
    let nearest: Vec<usize> = all.iter().take(k).map(|&(_, i)| labels[i]).collect();
    let mut best = nearest[0];
    let mut best_votes = 0;
    for &l in &nearest {
        let v = nearest.iter().filter(|&&m| m == l).count();
        if v > best_votes {
            best = l;
            best_votes = v;
        }
    }
    best
}

/// The k-nearest neighbour on raw rows, through the fold entry.
fn knn_predict(
    feats: Vec<Vec<f64>>,
    labels: Vec<usize>,
    classes: usize,
    k: usize,
    distance: Distance,
    train: &[usize],
    test: &[usize],
) -> painter_handcrafted::Result<Vec<usize>> {
    let descriptors = Descriptors::from_rows(feats, labels, classes, vec![])?;
    let config = BaselineConfig {
        bins: 1,
        k,
        distance,
    }
    .handcrafted();
    let model = HandcraftedModel::new(&config, &descriptors)?;
    Ok(model.fit_predict(train, test)?.labels)
}

#[test]
fn nearest_neighbour_matches_a_naive_implementation() {
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let n = 60;
    let feats: Vec<Vec<f64>> = (0..n)
        .map(|_| {
            let v: Vec<f64> = (0..27).map(|_| rng.random::<f64>()).collect();
            let s: f64 = v.iter().sum();
            v.into_iter().map(|x| x / s).collect()
        })
        .collect();
    let labels: Vec<usize> = (0..n).map(|i| i % 4).collect();
    let train: Vec<usize> = (0..n).filter(|i| i % 3 != 0).collect();
    let test: Vec<usize> = (0..n).filter(|i| i % 3 == 0).collect();
    for k in [1, 3, 5] {
        for d in [Distance::ChiSquare, Distance::L1, Distance::Euclidean] {
            let got = knn_predict(feats.clone(), labels.clone(), 4, k, d, &train, &test).unwrap();
            let want: Vec<usize> = test
                .iter()
                .map(|&t| naive_knn(&feats, &labels, &train, t, k, d))
                .collect();
            assert_eq!(got, want, "k={k} {d}");
        }
    }
}

#[test]
fn ties_go_to_the_lower_index_and_the_nearest_label() {
    let feats = vec![
        vec![1.0, 0.0],
        vec![1.0, 0.0],
        vec![0.0, 1.0],
        vec![1.0, 0.0],
    ];
    let labels = vec![1, 0, 2, 9];
    let one_nn = |train: &[usize], test: &[usize]| {
        knn_predict(
            feats.clone(),
            labels.clone(),
            10,
            1,
            Distance::L1,
            train,
            test,
        )
    };
    // Samples 0 and 1 are both at distance 0 from sample 3: the lower index wins.
    assert_eq!(one_nn(&[1, 0, 2], &[3]).unwrap(), vec![1]);
    assert!(one_nn(&[], &[3]).is_err());
    assert!(one_nn(&[0], &[7]).is_err());
    // k = 2 with one vote each: the nearest (lowest index among equals) label wins.
    let two = |feats: Vec<Vec<f64>>, k: usize, train: &[usize]| {
        knn_predict(feats, vec![5, 6, 6, 0], 7, k, Distance::L1, train, &[3]).unwrap()
    };
    let near = vec![vec![0.0], vec![0.1], vec![0.3], vec![0.0]];
    assert_eq!(two(near.clone(), 2, &[0, 1]), vec![5]);
    assert_eq!(two(near, 2, &[0, 1, 2]), vec![5]);
    let closer = vec![vec![0.0], vec![0.1], vec![0.2], vec![0.0]];
    assert_eq!(two(closer, 3, &[0, 1, 2]), vec![6], "two votes beat one");
    assert!(Descriptors::from_rows(vec![vec![0.0]], vec![], 1, vec![]).is_err());
}

/// The baseline cross-validated through painter-eval's driver, as the pipeline's fold runner does.
fn cross_validate_histograms(
    data: &dyn painter_data::Dataset,
    splitter: &StratifiedKFold,
) -> CrossValidation {
    let config = BaselineConfig::default().handcrafted();
    let descriptors = config.descriptors(data).unwrap();
    let mut model = HandcraftedModel::new(&config, &descriptors).unwrap();
    let cv_config = CrossValidationConfig {
        class_names: Some(data.class_names().to_vec()),
        ..Default::default()
    };
    let y = descriptors.labels().to_vec();
    cross_validate(&mut model, splitter, &y, &cv_config).unwrap()
}

/// A dataset whose images are those of `inner` pulled halfway towards a colour of their class:
/// painters told apart by their colours.
struct Tinted<D>(D);

impl<D: Dataset> Dataset for Tinted<D> {
    fn len(&self) -> usize {
        self.0.len()
    }
    fn get(&self, index: usize) -> Result<Sample, DatasetError> {
        let mut sample = self.0.get(index)?;
        let tint: [u8; 3] = match sample.label {
            Some(0) => [200, 40, 40],
            Some(1) => [40, 200, 40],
            Some(2) => [40, 40, 200],
            _ => [200, 200, 40],
        };
        for p in sample.image.pixels_mut() {
            for (v, t) in p.0.iter_mut().zip(tint) {
                *v = ((u16::from(*v) + u16::from(t)) / 2) as u8;
            }
        }
        Ok(sample)
    }
    fn class_names(&self) -> &[String] {
        self.0.class_names()
    }
    fn label(&self, index: usize) -> Result<Option<usize>, DatasetError> {
        self.0.label(index)
    }
    fn image_size(&self) -> u32 {
        self.0.image_size()
    }
}

#[test]
fn cross_validation_uses_the_splitters_folds_and_sees_colour_only() {
    let data = SyntheticPainters::new(4, 20, 48, 11).unwrap();
    let splitter = StratifiedKFold::new(5).unwrap().shuffle(3);
    let cv = cross_validate_histograms(&data, &splitter);
    let y: Vec<usize> = (0..80).map(|i| i / 20).collect();
    let folds = splitter.split(&y).unwrap().folds;
    assert_eq!(cv.folds.len(), 5);
    for (got, want) in cv.folds.iter().zip(&folds) {
        assert_eq!(&got.fold, want);
    }
    // The synthetic painters draw their colours from one shared pool: colour histograms carry
    // little about the painter (chance is 0.25).
    eprintln!(
        "baseline on 80 synthetic images: accuracy {:.3}",
        cv.accuracy.mean
    );
    assert!(
        cv.accuracy.mean < 0.5,
        "colour alone should not tell the synthetic painters apart: {}",
        cv.accuracy.mean
    );
    assert_eq!(cv.pooled.classes.len(), 4);
    assert_eq!(cv.pooled.classes[0].name, "synthetic-impasto");
    // Where the painters do differ in colour, the same folds find it.
    let tinted = cross_validate_histograms(&Tinted(&data), &splitter);
    eprintln!(
        "baseline on the same images tinted by painter: accuracy {:.3}",
        tinted.accuracy.mean
    );
    assert!(
        tinted.accuracy.mean > 0.9,
        "chance is 0.25, got {}",
        tinted.accuracy.mean
    );
    assert!(BaselineConfig {
        k: 0,
        ..BaselineConfig::default()
    }
    .validate()
    .is_err());
}

#[test]
fn every_method_beats_chance_on_synthetic_painters() {
    let data = SyntheticPainters::new(3, 12, 48, 5).unwrap();
    let splitter = StratifiedKFold::new(4).unwrap().shuffle(1);
    let quiet = CrossValidationConfig {
        quiet: true,
        ..Default::default()
    };
    let all = HandcraftedConfig::all_features_neighbour();
    let descriptors = all.descriptors(&data).unwrap();
    let y = descriptors.labels().to_vec();
    for config in [all, HandcraftedConfig::all_features_svm()] {
        let mut model = HandcraftedModel::new(&config, &descriptors).unwrap();
        let cv = cross_validate(&mut model, &splitter, &y, &quiet).unwrap();
        eprintln!("{}: accuracy {:.3}", config.describe(), cv.accuracy.mean);
        assert!(
            cv.accuracy.mean > 0.6,
            "chance is 1/3, got {}",
            cv.accuracy.mean
        );
    }
}

#[test]
fn baseline_on_real_paintings_when_present() {
    let Some(root) = painter_data::shared::shared_paintings() else {
        eprintln!("../shared/paintings not found: skipped the real-data baseline (synthetic tests ran instead)");
        return;
    };
    let folder = ImageFolder::open(&root, FolderOptions::default().with_size(64)).unwrap();
    let three = restrict_classes(
        &folder,
        &["rembrandt", "pierre-auguste-renoir", "vincent-van-gogh"],
    )
    .unwrap();
    let drawn = take_per_class(three, 40, 0).unwrap();
    let splitter = StratifiedKFold::new(10).unwrap().shuffle(0);
    let cv = cross_validate_histograms(&drawn, &splitter);
    eprintln!(
        "baseline on {} real paintings (3 painters x 40, 10-fold): accuracy {:.3} +- {:.3}",
        painter_data::Dataset::len(&drawn),
        cv.accuracy.mean,
        cv.accuracy.std
    );
    assert!(
        cv.accuracy.mean > 0.45,
        "chance is 0.33, got {}",
        cv.accuracy.mean
    );
}
