//! Folder datasets (ImageFolder, UnlabeledFolder) on temporary trees and on `../shared` when present,
//! and selection (n per class, n at random, class restriction, Subset).

#[path = "support/trees.rs"]
mod trees;

use image::{Rgb, RgbImage};
use painter_data::folder::{FolderOptions, ImageFolder, SkipReason, UnlabeledFolder};
use painter_data::select::{class_indices, restrict_classes, take_per_class, take_random, Subset};
use painter_data::shared::{shared_paintings, shared_unlabeled};
use painter_data::standardize::standardize;
use painter_data::{load_rgb, Dataset, DatasetError, InMemoryDataset, Sample};
use std::fs;
use std::path::Path;
use trees::{write_image, Bad};

fn options(size: u32) -> FolderOptions {
    FolderOptions::default().with_size(size)
}

/// root/{b_class,a_class}/..., plus a note, a stray file and a hidden file.
fn tree(root: &Path) {
    write_image(&root.join("b_class/z.png"), 30, 20, 10);
    write_image(&root.join("b_class/a.png"), 20, 30, 200);
    fs::write(root.join("b_class/notes.txt"), "not an image").unwrap();
    write_image(&root.join("a_class/2.jpg"), 40, 40, 90);
    write_image(&root.join("a_class/1.jpg"), 25, 16, 120);
    fs::write(root.join("README.md"), "stray").unwrap();
    fs::write(root.join("a_class/.DS_Store"), "hidden").unwrap();
}

#[test]
fn image_folder_sorts_classes_and_files_and_reports_skips() {
    let dir = tempfile::tempdir().unwrap();
    tree(dir.path());
    let ds = ImageFolder::open(dir.path(), options(16)).unwrap();
    assert_eq!(ds.class_names(), ["a_class", "b_class"]);
    assert_eq!(ds.len(), 4);
    let names: Vec<String> = ds
        .paths()
        .iter()
        .map(|p| {
            p.strip_prefix(dir.path())
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/")
        })
        .collect();
    assert_eq!(
        names,
        [
            "a_class/1.jpg",
            "a_class/2.jpg",
            "b_class/a.png",
            "b_class/z.png"
        ]
    );
    assert_eq!(ds.labels(), [0, 0, 1, 1]);
    assert_eq!(ds.class_counts(), [2, 2]);
    assert_eq!(ds.path(2).unwrap(), dir.path().join("b_class/a.png"));
    assert!(matches!(
        ds.path(4),
        Err(DatasetError::IndexOutOfRange { .. })
    ));
    let reason = |name: &str| {
        ds.skipped()
            .iter()
            .find(|s| s.path.file_name().unwrap() == name)
            .map(|s| s.reason.clone())
    };
    assert_eq!(reason("notes.txt"), Some(SkipReason::NotAnImage));
    assert_eq!(reason("README.md"), Some(SkipReason::NotInClassFolder));
    assert_eq!(reason(".DS_Store"), Some(SkipReason::Hidden));
    assert_eq!(ds.skipped().len(), 3);
    // get = decode + standardize, with the label.
    for i in 0..ds.len() {
        let Sample { image, label } = ds.get(i).unwrap();
        assert_eq!(image.dimensions(), (16, 16));
        assert_eq!(label, Some(ds.labels()[i]));
        assert_eq!(ds.label(i).unwrap(), label);
        let direct = standardize(
            &load_rgb(ds.path(i).unwrap(), &Default::default()).unwrap(),
            16,
            Default::default(),
        )
        .unwrap();
        assert_eq!(image, direct);
    }
    assert_eq!(ds.image_size(), 16);
}

#[test]
fn reading_an_unreadable_image_is_an_error_naming_the_file() {
    // Listing does not decode: every file named like an image is listed; reading a bad one fails,
    // naming it. (The pixel cache decodes every file once and names all the bad ones: see the
    // cache and data-stage tests.)
    let dir = tempfile::tempdir().unwrap();
    write_image(&dir.path().join("a/good.png"), 8, 8, 50);
    write_image(&dir.path().join("b/fine.png"), 8, 8, 60);
    for (k, bad) in Bad::ALL.iter().enumerate() {
        bad.write(&dir.path().join(format!("a/bad{k}.jpg")));
    }
    let lazy = ImageFolder::open(dir.path(), options(8)).unwrap();
    assert_eq!(lazy.len(), 6);
    for (k, bad) in Bad::ALL.iter().enumerate() {
        let name = format!("bad{k}.jpg");
        let index = lazy
            .paths()
            .iter()
            .position(|p| p.ends_with(format!("a/{name}")))
            .unwrap();
        match lazy.get(index) {
            Err(e @ DatasetError::Image { .. }) => {
                assert!(e.to_string().contains(&name), "{bad:?}: {e}");
            }
            other => panic!("{bad:?}: expected an image error, got {other:?}"),
        }
    }
}

#[test]
fn empty_class_empty_root_missing_root_and_bad_options() {
    let dir = tempfile::tempdir().unwrap();
    match ImageFolder::open(dir.path(), options(8)) {
        Err(DatasetError::EmptyRoot(p)) => assert_eq!(p, dir.path()),
        other => panic!("expected EmptyRoot, got {other:?}"),
    }
    fs::write(dir.path().join("loose.png"), b"x").unwrap();
    assert!(matches!(
        ImageFolder::open(dir.path(), options(8)),
        Err(DatasetError::EmptyRoot(_))
    ));
    write_image(&dir.path().join("full/x.png"), 4, 4, 1);
    fs::create_dir_all(dir.path().join("empty")).unwrap();
    fs::write(dir.path().join("empty/notes.txt"), "x").unwrap();
    match ImageFolder::open(dir.path(), options(8)) {
        Err(e @ DatasetError::EmptyClass { .. }) => {
            assert!(e.to_string().contains("empty"), "{e}")
        }
        other => panic!("expected EmptyClass, got {other:?}"),
    }
    assert!(matches!(
        ImageFolder::open(dir.path().join("nope"), options(8)),
        Err(DatasetError::MissingRoot(_))
    ));
    assert!(matches!(
        ImageFolder::open(dir.path(), options(0)),
        Err(DatasetError::InvalidSetting(_))
    ));
    let empty = tempfile::tempdir().unwrap();
    assert!(matches!(
        UnlabeledFolder::open(empty.path(), options(8)),
        Err(DatasetError::EmptyRoot(_))
    ));
}

#[test]
fn unlabeled_folder_recurses_in_sorted_order() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write_image(&root.join("x/2.png"), 10, 6, 1);
    write_image(&root.join("x/1.png"), 6, 10, 4);
    write_image(&root.join("a.png"), 8, 8, 7);
    write_image(&root.join("y/z/3.jpg"), 12, 12, 70);
    fs::write(root.join("notes.txt"), "x").unwrap();
    fs::write(root.join(".hidden.png"), "x").unwrap();
    let ds = UnlabeledFolder::open(root, options(12)).unwrap();
    let names: Vec<String> = ds
        .paths()
        .iter()
        .map(|p| {
            p.strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/")
        })
        .collect();
    assert_eq!(names, ["a.png", "x/1.png", "x/2.png", "y/z/3.jpg"]);
    assert!(ds.class_names().is_empty());
    assert_eq!(ds.skipped().len(), 2);
    for i in 0..ds.len() {
        let s = ds.get(i).unwrap();
        assert_eq!(s.label, None);
        assert_eq!(ds.label(i).unwrap(), None);
        assert_eq!(s.image.dimensions(), (12, 12));
    }
    assert!(ds.label(4).is_err());
}

/// A labelled dataset of `per_class[c]` images of class `c`, classes interleaved; sample i's
/// pixel (0, 0) is i.
fn toy(per_class: &[usize]) -> InMemoryDataset {
    let mut labels = Vec::new();
    for (c, &n) in per_class.iter().enumerate() {
        labels.extend(std::iter::repeat_n(Some(c), n));
    }
    // Interleave classes so indices of a class are not contiguous.
    labels.sort_by_key(|l| l.unwrap_or(0) * 7919 % 13);
    let images = (0..labels.len())
        .map(|i| RgbImage::from_pixel(2, 2, Rgb([i as u8, 0, 0])))
        .collect();
    let names = (0..per_class.len())
        .map(|c| format!("painter-{c}"))
        .collect();
    InMemoryDataset::new(2, images, labels, names).unwrap()
}

#[test]
fn in_memory_datasets_check_what_they_are_given() {
    let d = toy(&[2, 1]);
    assert_eq!((d.len(), d.image_size(), d.bytes()), (3, 2, 3 * 12));
    assert_eq!(d.get(1).unwrap().image.get_pixel(0, 0).0, [1, 0, 0]);
    assert!(matches!(
        d.get(3),
        Err(DatasetError::IndexOutOfRange { index: 3, len: 3 })
    ));
    let square = || vec![RgbImage::new(2, 2)];
    let names = || vec!["a".to_string()];
    for (images, labels) in [
        (square(), vec![]),
        (vec![RgbImage::new(2, 3)], vec![None]),
        (square(), vec![Some(1)]),
    ] {
        assert!(matches!(
            InMemoryDataset::new(2, images, labels, names()),
            Err(DatasetError::InvalidSetting(_))
        ));
    }
    // Loading another dataset keeps its images, labels and classes.
    let loaded = InMemoryDataset::load(&d, false).unwrap();
    for i in 0..3 {
        let (a, b) = (loaded.get(i).unwrap(), d.get(i).unwrap());
        assert_eq!((a.image, a.label), (b.image, b.label));
    }
    assert_eq!(loaded.class_names(), d.class_names());
}

#[test]
fn take_per_class_is_exact_and_seeded() {
    let toy = toy(&[50, 45, 60]);
    let a = take_per_class(&toy, 40, 1).unwrap();
    assert_eq!(a.len(), 120);
    let per = class_indices(&a).unwrap();
    assert_eq!(per.iter().map(Vec::len).collect::<Vec<_>>(), [40, 40, 40]);
    // Every chosen sample has its parent's label, no repeats.
    let mut seen = a.indices().to_vec();
    seen.sort_unstable();
    seen.dedup();
    assert_eq!(seen.len(), 120);
    for i in 0..a.len() {
        let p = a.parent_index(i).unwrap();
        assert_eq!(a.label(i).unwrap(), toy.label(p).unwrap());
        assert_eq!(a.get(i).unwrap().image.get_pixel(0, 0).0[0], p as u8);
    }
    let again = take_per_class(&toy, 40, 1).unwrap();
    assert_eq!(a.indices(), again.indices(), "same seed, same selection");
    let other = take_per_class(&toy, 40, 2).unwrap();
    assert_ne!(
        a.indices(),
        other.indices(),
        "another seed, another selection"
    );
    match take_per_class(&toy, 46, 1) {
        Err(DatasetError::NotEnoughSamples {
            class,
            available,
            requested,
        }) => {
            assert_eq!(
                (class.as_str(), available, requested),
                ("painter-1", 45, 46)
            );
        }
        other => panic!(
            "expected NotEnoughSamples, got {:?}",
            other.map(|s| s.len())
        ),
    }
    assert!(take_per_class(&toy, 0, 1).is_err());
}

#[test]
fn take_random_is_seeded_in_order_and_keeps_earlier_choices() {
    use rand::seq::SliceRandom;
    use rand::SeedableRng;
    let toy = toy(&[50, 45, 60]);
    let a = take_random(&toy, 20, 5).unwrap();
    assert_eq!(a.len(), 20);
    assert!(a.indices().windows(2).all(|w| w[0] < w[1]), "dataset order");
    assert_eq!(a.indices(), take_random(&toy, 20, 5).unwrap().indices());
    assert_ne!(a.indices(), take_random(&toy, 20, 6).unwrap().indices());
    for i in 0..a.len() {
        let p = a.parent_index(i).unwrap();
        assert_eq!(a.label(i).unwrap(), toy.label(p).unwrap());
    }
    // The choice the pipeline made before this function existed (a shuffle keyed by the seed
    // mixed with "unlabel\0", its first `n`), so earlier runs keep their pretraining images.
    let mut order: Vec<usize> = (0..toy.len()).collect();
    order.shuffle(&mut rand_chacha::ChaCha8Rng::seed_from_u64(
        5 ^ 0x756e_6c61_6265_6c00,
    ));
    let mut earlier = order[..20].to_vec();
    earlier.sort_unstable();
    assert_eq!(a.indices(), earlier.as_slice());
    // Asking for as many or more takes everything, in order.
    let all = take_random(&toy, 500, 5).unwrap();
    assert_eq!(all.indices(), (0..toy.len()).collect::<Vec<_>>().as_slice());
    assert!(matches!(
        take_random(&toy, 0, 1),
        Err(DatasetError::InvalidSetting(_))
    ));
}

#[test]
fn restrict_classes_remaps_labels_in_the_given_order() {
    let toy = toy(&[5, 6, 7]);
    let r = restrict_classes(&toy, &["painter-2", "painter-0"]).unwrap();
    assert_eq!(r.class_names(), ["painter-2", "painter-0"]);
    assert_eq!(r.len(), 12);
    for i in 0..r.len() {
        let parent = toy.label(r.parent_index(i).unwrap()).unwrap().unwrap();
        let expected = if parent == 2 { 0 } else { 1 };
        assert_eq!(r.label(i).unwrap(), Some(expected));
        assert_eq!(r.get(i).unwrap().label, Some(expected));
    }
    assert!(
        r.indices().windows(2).all(|w| w[0] < w[1]),
        "parent order kept"
    );
    match restrict_classes(&toy, &["painter-9"]) {
        Err(DatasetError::UnknownClass(name)) => assert_eq!(name, "painter-9"),
        other => panic!("expected UnknownClass, got {:?}", other.map(|s| s.len())),
    }
    assert!(restrict_classes(&toy, &["painter-0", "painter-0"]).is_err());
    assert!(restrict_classes::<_, &str>(&toy, &[]).is_err());
    // Restrict then take: labels stay in the restricted numbering.
    let picked = take_per_class(r, 4, 3).unwrap();
    assert_eq!(picked.len(), 8);
    assert_eq!(picked.class_names(), ["painter-2", "painter-0"]);
    // A plain Subset keeps the parent's classes and checks indices.
    let s = Subset::new(&toy, vec![3, 1, 3]).unwrap();
    assert_eq!(s.len(), 3);
    assert_eq!(s.label(0).unwrap(), toy.label(3).unwrap());
    assert!(Subset::new(&toy, vec![100]).is_err());
}

#[test]
fn shared_paintings_open_as_image_folder() {
    let Some(root) = shared_paintings() else {
        eprintln!("../shared/paintings not present: real-data listing skipped (synthetic trees above cover the logic)");
        return;
    };
    let ds = ImageFolder::open(&root, options(64)).unwrap();
    let counts = ds.class_counts();
    eprintln!(
        "../shared/paintings: {} images in {} classes {:?}, {} entries skipped",
        ds.len(),
        ds.class_names().len(),
        counts,
        ds.skipped().len()
    );
    assert_eq!(ds.class_names().len(), 10);
    assert!(counts.iter().all(|&c| c == 150), "{counts:?}");
    assert!(ds.class_index("rembrandt").is_some());
    let mut names = ds.class_names().to_vec();
    names.sort();
    assert_eq!(names, ds.class_names());
    // Read a few real paintings (3 painters x 2).
    let three = restrict_classes(&ds, &["rembrandt", "claude-monet", "vincent-van-gogh"]).unwrap();
    let picked = take_per_class(&three, 2, 0).unwrap();
    for i in 0..picked.len() {
        let s = picked.get(i).unwrap();
        assert_eq!(s.image.dimensions(), (64, 64));
    }
    eprintln!("decoded {} real paintings at 64 px", picked.len());
    if let Some(unlabeled) = shared_unlabeled() {
        let u = UnlabeledFolder::open(&unlabeled, options(64)).unwrap();
        eprintln!("../shared/paintings-unlabeled: {} images", u.len());
        assert!(u.len() >= 3000);
        assert_eq!(u.get(0).unwrap().image.dimensions(), (64, 64));
    }
}
