//! The data stage in one call: a data configuration in, the prepared data out. Bad files
//! (truncated, corrupt, empty, not images) in several class folders and in the unlabeled folder,
//! named all at once or skipped and listed; painters kept in order; pretraining images from a
//! folder, the synthetic companion set or the labelled images, limited and cropped; typed
//! validation errors.

#[path = "support/trees.rs"]
mod trees;

use painter_data::synthetic::{painter_names, SyntheticPainters, SyntheticUnlabeled};
use painter_data::{
    Crops, DataConfig, DataSetting, Dataset, DatasetError, PreparedData, PretrainingConfig,
    PretrainingSource, SkipReason, Source,
};
use std::path::{Path, PathBuf};
use trees::{tree_and_cache, write_bytes, write_image, Bad};

/// The folder of labelled images at `root` at 16 px, pretraining on them; caches in `cache`.
fn folder_config(root: &Path, cache: &Path) -> DataConfig {
    DataConfig::new(
        Source::Folder {
            dir: root.to_path_buf(),
        },
        16,
        cache,
    )
}

/// The unreadable images an error names.
fn named(result: Result<PreparedData, DatasetError>) -> Vec<PathBuf> {
    match result {
        Err(DatasetError::Unreadable(images)) => images.into_iter().map(|u| u.path).collect(),
        Err(e) => panic!("expected Unreadable, got {e}"),
        Ok(data) => panic!("expected Unreadable, got {data:?}"),
    }
}

/// [`tree_and_cache`] with the four kinds of bad files spread over the three class folders, and a
/// note; and the bad files, sorted.
fn bad_tree_and_cache() -> (tempfile::TempDir, tempfile::TempDir, Vec<PathBuf>) {
    let (src, cache) = tree_and_cache();
    let root = src.path();
    write_bytes(
        &root.join("monet/notes.txt"),
        b"not listed: not an image name",
    );
    let bad = [
        ("goya/truncated.jpg", Bad::Truncated),
        ("klimt/corrupt.jpg", Bad::Corrupt),
        ("monet/empty.jpg", Bad::ZeroBytes),
        ("klimt/text.jpg", Bad::NotAnImage),
    ];
    let mut paths: Vec<PathBuf> = bad
        .iter()
        .map(|(file, kind)| {
            let path = root.join(file);
            kind.write(&path);
            path
        })
        .collect();
    paths.sort();
    (src, cache, paths)
}

#[test]
fn every_unreadable_file_is_named_in_one_error() {
    let (src, cache, bad) = bad_tree_and_cache();
    let config = folder_config(src.path(), cache.path());
    let mut found = named(config.prepare());
    found.sort();
    assert_eq!(found, bad);
    let message = config.prepare().unwrap_err().to_string();
    assert!(message.starts_with("4 unreadable image(s)"), "{message}");
    for path in &bad {
        assert!(message.contains(&path.display().to_string()), "{message}");
    }
}

#[test]
fn skipping_goes_on_without_them_and_lists_them() {
    let (src, cache, bad) = bad_tree_and_cache();
    let strict = folder_config(src.path(), cache.path());
    assert!(strict.prepare().is_err());
    let config = DataConfig {
        skip_unreadable: true,
        ..strict
    };
    let data = config.prepare().unwrap();
    let listed: Vec<PathBuf> = data.unreadable.iter().map(|u| u.path.clone()).collect();
    assert_eq!(listed, bad, "sorted by path");
    assert!(data.unreadable.iter().all(|u| !u.message.is_empty()));
    // The strict run decoded every file once; this one reused that build.
    assert_eq!(data.caches.len(), 1);
    let report = &data.caches[0].report;
    assert!(!report.rebuilt, "{report:?}");
    assert_eq!((report.images, report.unreadable), (12, 4));
    // The 12 readable images, labelled as their folders, pretraining on them.
    assert_eq!(data.labelled.class_names(), ["goya", "klimt", "monet"]);
    assert_eq!(data.labelled.len(), 12);
    assert_eq!(
        painter_data::labels_of(data.labelled.as_ref()).unwrap(),
        [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2]
    );
    assert_eq!(data.pretraining[0].dataset.len(), 12);
    assert!(data.pretraining[0].includes_evaluation_images);
    // The note is not an image name: listed as skipped, not as unreadable.
    assert_eq!(data.skipped.len(), 1);
    assert_eq!(data.skipped[0].reason, SkipReason::NotAnImage);
    assert!(data.skipped[0].path.ends_with("monet/notes.txt"));
}

#[test]
fn only_the_kept_painters_files_count_and_a_painter_left_without_images_is_an_error() {
    let (src, cache) = tree_and_cache();
    Bad::Corrupt.write(&src.path().join("klimt/bad.jpg"));
    // Monet and Goya, in that order: Klimt's bad file does not concern this run.
    let config = DataConfig {
        painters: Some(vec!["monet".into(), "goya".into()]),
        ..folder_config(src.path(), cache.path())
    };
    let data = config.prepare().unwrap();
    assert_eq!(data.labelled.class_names(), ["monet", "goya"]);
    assert_eq!(data.labelled.len(), 8);
    assert!(data.unreadable.is_empty());
    // Every file of Goya's is unreadable: skipping leaves Goya without images.
    for j in 0..4 {
        let ext = if j % 2 == 0 { "png" } else { "jpg" };
        Bad::Truncated.write(&src.path().join(format!("goya/{j}.{ext}")));
    }
    assert_eq!(named(config.prepare()).len(), 4);
    let skip = DataConfig {
        skip_unreadable: true,
        ..config
    };
    match skip.prepare() {
        Err(DatasetError::EmptyClass { class, path }) => {
            assert_eq!(class, "goya");
            assert_eq!(path, src.path().join("goya"));
        }
        other => panic!("expected EmptyClass, got {other:?}"),
    }
}

#[test]
fn an_unknown_painter_names_those_there_are() {
    let (src, cache) = tree_and_cache();
    let config = DataConfig {
        painters: Some(vec!["monet".into(), "rembrandt".into()]),
        ..folder_config(src.path(), cache.path())
    };
    match config.prepare() {
        Err(DatasetError::Config {
            setting: DataSetting::Painters,
            reason,
        }) => {
            assert!(reason.contains("rembrandt"), "{reason}");
            assert!(reason.contains("goya, klimt, monet"), "{reason}");
        }
        other => panic!("expected a painters error, got {other:?}"),
    }
}

#[test]
fn unreadable_unlabeled_images_are_named_or_skipped_and_a_repair_is_seen() {
    let (src, cache) = tree_and_cache();
    let unlabeled = six_unlabeled();
    let nested = unlabeled.path().join("more/deep.jpg");
    Bad::Truncated.write(&nested);
    let empty = unlabeled.path().join("z.jpg");
    Bad::ZeroBytes.write(&empty);
    let config = DataConfig {
        pretraining: vec![PretrainingConfig {
            source: PretrainingSource::Folder {
                dir: unlabeled.path().to_path_buf(),
            },
            image_size: 12,
            limit: None,
            crops: None,
        }],
        ..folder_config(src.path(), cache.path())
    };
    let mut found = named(config.prepare());
    found.sort();
    assert_eq!(found, [nested.clone(), empty.clone()]);

    let skip = DataConfig {
        skip_unreadable: true,
        ..config.clone()
    };
    let data = skip.prepare().unwrap();
    assert_eq!(data.pretraining[0].dataset.len(), 6);
    assert_eq!(data.pretraining[0].dataset.image_size(), 12);
    assert!(!data.pretraining[0].includes_evaluation_images);
    assert!(
        data.pretraining[0]
            .description
            .starts_with("6 unlabeled images of"),
        "{}",
        data.pretraining[0].description
    );
    assert_eq!(data.unreadable.len(), 2);
    let names: Vec<&str> = data.caches.iter().map(|c| c.name).collect();
    assert_eq!(names, ["labelled", "unlabeled"]);

    // Repaired: the unlabeled cache is rebuilt with both, and the strict run goes through.
    write_image(&nested, 18, 18, 40);
    write_image(&empty, 18, 18, 41);
    let data = config.prepare().unwrap();
    assert_eq!(data.pretraining[0].dataset.len(), 8);
    assert!(data.caches[1].report.rebuilt);
    assert!(!data.caches[0].report.rebuilt);
}

#[test]
fn synthetic_painters_with_their_companion_set_limited_and_cropped() {
    let cache = tempfile::tempdir().unwrap();
    let config = DataConfig {
        painters: Some(vec![
            "synthetic-watercolor".into(),
            "synthetic-impasto".into(),
        ]),
        pretraining: vec![PretrainingConfig {
            source: PretrainingSource::Synthetic { count: 30 },
            image_size: 32,
            limit: Some(10),
            crops: Some(Crops {
                per_image: 3,
                side: 16,
            }),
        }],
        seed: 4,
        ..DataConfig::new(
            Source::Synthetic {
                painters: 3,
                per_painter: 5,
            },
            24,
            cache.path(),
        )
    };
    let data = config.prepare().unwrap();
    assert_eq!(
        data.labelled.class_names(),
        ["synthetic-watercolor", "synthetic-impasto"]
    );
    assert_eq!(data.labelled.len(), 10);
    assert_eq!(data.labelled.image_size(), 24);
    // The kept paintings are the generator's, in its order, relabelled in the configured order.
    let generator = SyntheticPainters::new(3, 5, 24, 4).unwrap();
    let first = data.labelled.get(0).unwrap();
    assert_eq!(first.label, Some(1));
    assert_eq!(first.image, generator.render(0, 0).unwrap());
    let last = data.labelled.get(9).unwrap();
    assert_eq!(last.label, Some(0));
    assert_eq!(last.image, generator.render(2, 4).unwrap());
    // 10 of the 30 companion images, each cut into 3 crops of 16 px.
    let companion = SyntheticUnlabeled::new(3, 30, 32, 4).unwrap();
    assert_eq!(data.pretraining[0].dataset.len(), 30);
    assert_eq!(data.pretraining[0].dataset.image_size(), 16);
    assert_eq!(
        data.pretraining[0].description,
        "30 random 16x16 crops (3 per image) of 10 unlabeled synthetic images (a stream disjoint \
         from the labelled ones) (a seeded random 10 of 30) standardized to 32x32"
    );
    let crop = data.pretraining[0].dataset.get(0).unwrap().image;
    let whole: Vec<_> = (0..30).map(|i| companion.render(i).unwrap()).collect();
    assert!(
        whole.iter().any(|w| contains(w, &crop)),
        "a crop of a companion image"
    );
    let names: Vec<&str> = data.caches.iter().map(|c| c.name).collect();
    assert_eq!(names, ["synthetic", "synthetic-unlabeled"]);
    assert!(data.unreadable.is_empty() && data.skipped.is_empty());
    // Draws of 3 per painter, seeded.
    let draw = data.draw(Some(3), 1).unwrap();
    assert_eq!(draw.len(), 6);
    assert_eq!(draw.class_names(), data.labelled.class_names());
    assert_eq!(data.draw(None, 1).unwrap().len(), 10);
    assert!(matches!(
        data.draw(Some(6), 1),
        Err(DatasetError::NotEnoughSamples { .. })
    ));
    // The same configuration again reads both caches back.
    let again = config.prepare().unwrap();
    assert!(again.caches.iter().all(|c| !c.report.rebuilt));
    assert_eq!(
        again.labelled.get(3).unwrap().image,
        data.labelled.get(3).unwrap().image
    );
}

/// Whether `part` appears somewhere in `whole`.
/// A folder of six unlabeled 18 x 18 images, `u0.png` to `u5.png`.
fn six_unlabeled() -> tempfile::TempDir {
    let unlabeled = tempfile::tempdir().unwrap();
    for k in 0..6u8 {
        write_image(&unlabeled.path().join(format!("u{k}.png")), 18, 18, k);
    }
    unlabeled
}

fn contains(whole: &image::RgbImage, part: &image::RgbImage) -> bool {
    let (w, h) = part.dimensions();
    (0..=whole.height() - h).any(|y0| {
        (0..=whole.width() - w).any(|x0| {
            part.enumerate_pixels()
                .all(|(x, y, p)| whole.get_pixel(x0 + x, y0 + y) == p)
        })
    })
}

#[test]
fn pretraining_on_the_labelled_images_at_another_size() {
    let (src, cache) = tree_and_cache();
    let config = DataConfig {
        pretraining: vec![PretrainingConfig {
            limit: Some(5),
            ..PretrainingConfig::at(8)
        }],
        ..folder_config(src.path(), cache.path())
    };
    let data = config.prepare().unwrap();
    assert_eq!(data.labelled.image_size(), 16);
    assert_eq!(data.pretraining[0].dataset.image_size(), 8);
    assert_eq!(data.pretraining[0].dataset.len(), 5);
    assert!(data.pretraining[0].includes_evaluation_images);
    assert_eq!(
        data.pretraining[0].description,
        "5 labelled images of the selected painters, labels ignored (no separate unlabeled set)"
    );
    // The labelled images are cached at both sizes.
    let caches: Vec<(&str, usize)> = data
        .caches
        .iter()
        .map(|c| (c.name, c.report.images))
        .collect();
    assert_eq!(caches, [("labelled", 12), ("labelled", 12)]);
    // A bad file is named once, though read at both sizes.
    let bad = src.path().join("goya/bad.jpg");
    Bad::Corrupt.write(&bad);
    assert_eq!(named(config.prepare()), [bad]);
}

#[test]
fn several_autoencoders_share_a_source_opened_once_and_none_means_no_pretraining() {
    let (src, cache) = tree_and_cache();
    let unlabeled = six_unlabeled();
    let from_folder = |image_size, crops| PretrainingConfig {
        source: PretrainingSource::Folder {
            dir: unlabeled.path().to_path_buf(),
        },
        image_size,
        limit: None,
        crops,
    };
    let config = DataConfig {
        pretraining: vec![
            from_folder(12, None),
            from_folder(
                12,
                Some(Crops {
                    per_image: 2,
                    side: 8,
                }),
            ),
            from_folder(10, None),
        ],
        ..folder_config(src.path(), cache.path())
    };
    let data = config.prepare().unwrap();
    assert_eq!(data.pretraining.len(), 3);
    assert_eq!(data.pretraining[0].dataset.len(), 6);
    assert_eq!(data.pretraining[1].dataset.len(), 12);
    assert_eq!(data.pretraining[1].dataset.image_size(), 8);
    assert_eq!(data.pretraining[2].dataset.image_size(), 10);
    // The two at 12 px read the same whole images (one cache), the third its own side.
    assert!(std::sync::Arc::ptr_eq(
        &data.pretraining[0].whole,
        &data.pretraining[1].whole
    ));
    assert_eq!(data.pretraining[2].whole.image_size(), 10);
    let names: Vec<&str> = data.caches.iter().map(|c| c.name).collect();
    assert_eq!(names, ["labelled", "unlabeled", "unlabeled"]);

    let none = DataConfig {
        pretraining: Vec::new(),
        ..folder_config(src.path(), cache.path())
    }
    .prepare()
    .unwrap();
    assert!(none.pretraining.is_empty());
    assert_eq!(none.caches.len(), 1);
}

#[test]
fn invalid_settings_are_typed_errors_naming_the_setting() {
    use DataSetting as S;
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing");
    let synthetic = |painters, per_painter| Source::Synthetic {
        painters,
        per_painter,
    };
    let base = DataConfig::new(synthetic(3, 4), 16, dir.path());
    let with = |change: &dyn Fn(&mut DataConfig)| {
        let mut config = base.clone();
        change(&mut config);
        config
    };
    let folder = |dir: &Path| Source::Folder {
        dir: dir.to_path_buf(),
    };
    let blank_artist = Source::WikiArt {
        artists: vec![" ".into()],
        dir: missing.clone(),
        max_per_artist: None,
    };
    let names = |names: &[&str]| Some(names.iter().map(|n| n.to_string()).collect());
    let crops = |per_image, side| Some(Crops { per_image, side });
    let unlabeled = |dir: &Path| PretrainingSource::Folder {
        dir: dir.to_path_buf(),
    };
    let companion = |count| PretrainingSource::Synthetic { count };
    let cases: Vec<(DataSetting, DataConfig)> = vec![
        (S::Source, with(&|c| c.source = synthetic(1, 4))),
        (
            S::Source,
            with(&|c| c.source = synthetic(painter_names().len() + 1, 4)),
        ),
        (S::Source, with(&|c| c.source = synthetic(3, 0))),
        (S::Source, with(&|c| c.source = folder(&missing))),
        (S::Source, with(&|c| c.source = blank_artist.clone())),
        (S::Painters, with(&|c| c.painters = names(&["a"]))),
        (S::Painters, with(&|c| c.painters = names(&["a", "a"]))),
        (S::Painters, with(&|c| c.painters = names(&["a", ""]))),
        (S::ImageSize, with(&|c| c.image_size = 0)),
        (
            S::PretrainingImageSize,
            with(&|c| c.pretraining[0].image_size = 0),
        ),
        (
            S::PretrainingSource,
            with(&|c| c.pretraining[0].source = unlabeled(&missing)),
        ),
        (
            S::PretrainingSource,
            with(&|c| c.pretraining[0].source = companion(0)),
        ),
        (
            S::PretrainingSource,
            with(&|c| {
                c.source = folder(dir.path());
                c.pretraining[0].source = companion(5);
            }),
        ),
        (
            S::PretrainingLimit,
            with(&|c| c.pretraining[0].limit = Some(0)),
        ),
        (
            S::PretrainingCrops,
            with(&|c| c.pretraining[0].crops = crops(0, 8)),
        ),
        (
            S::PretrainingCrops,
            with(&|c| c.pretraining[0].crops = crops(2, 17)),
        ),
        (S::CacheDir, with(&|c| c.cache_dir = PathBuf::new())),
    ];
    for (setting, config) in cases {
        match config.prepare() {
            Err(DatasetError::Config {
                setting: got,
                reason,
            }) => {
                assert_eq!(got, setting, "{reason}");
                let message = DatasetError::Config { setting, reason }.to_string();
                assert!(message.contains(&setting.to_string()), "{message}");
            }
            other => panic!("{setting}: expected a config error, got {other:?}"),
        }
    }
    assert!(base.validate().is_ok());
}
