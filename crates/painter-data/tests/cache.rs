//! The pixel cache: pixels identical to direct decoding, reuse without decoding, invalidation on any
//! source or setting change, every unreadable source file found in one build (named in one error or
//! skipped), typed errors for truncated or corrupt shards, crash safety, sharding, and a real-data
//! cache of a subset of `../shared/paintings` when present.

#[path = "support/trees.rs"]
mod trees;

use image::{Rgb, RgbImage};
use painter_data::cache::{CacheOptions, CachedDataset, PixelCache, MANIFEST_FILE};
use painter_data::folder::{FolderOptions, ImageFolder};
use painter_data::select::{restrict_classes, take_per_class};
use painter_data::shared::shared_paintings;
use painter_data::standardize::StandardizeMethod;
use painter_data::{Dataset, DatasetError, Sample};
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};
use trees::{tree_and_cache, write_image, Bad};

fn folder(root: &Path, size: u32) -> ImageFolder {
    ImageFolder::open(root, FolderOptions::default().with_size(size)).unwrap()
}

fn quiet() -> CacheOptions {
    CacheOptions {
        progress: false,
        ..CacheOptions::default()
    }
}

fn shard_files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "bin"))
        .collect();
    v.sort();
    v
}

/// Asserts that the cache was rebuilt, for a reason that names `cause`.
fn assert_rebuilt_because(cache: &CachedDataset, cause: &str) {
    let report = cache.report();
    assert!(
        report.rebuilt && report.reason.contains(cause),
        "{report:?}"
    );
}

fn assert_same_as_source(cached: &dyn Dataset, source: &dyn Dataset) {
    assert_eq!(cached.len(), source.len());
    assert_eq!(cached.class_names(), source.class_names());
    assert_eq!(cached.image_size(), source.image_size());
    for i in 0..source.len() {
        let a = cached.get(i).unwrap();
        let b = source.get(i).unwrap();
        assert_eq!(a.label, b.label, "label {i}");
        assert_eq!(a.image, b.image, "pixels of sample {i}");
    }
}

#[test]
fn cache_pixels_equal_direct_decoding_and_reuse_skips_decoding() {
    let (src, cache) = tree_and_cache();
    let ds = folder(src.path(), 16);
    let built = PixelCache::build_or_open(&ds, cache.path(), &quiet()).unwrap();
    let r = built.report().clone();
    assert!(r.rebuilt, "{r:?}");
    assert_eq!(r.decoded, 12);
    assert_eq!((r.images, r.shards, r.bytes), (12, 1, 12 * 16 * 16 * 3));
    assert_same_as_source(&built, &ds);
    built.verify().unwrap();
    assert_eq!(built.source_files().len(), 12);
    assert_eq!(built.source_files()[0].path, "goya/0.png");
    drop(built);

    let reused = PixelCache::build_or_open(&ds, cache.path(), &quiet()).unwrap();
    assert!(!reused.report().rebuilt, "{:?}", reused.report());
    assert_eq!(reused.report().decoded, 0);
    assert_same_as_source(&reused, &ds);
    // Opening without a source reads the same cache.
    let opened = PixelCache::open(cache.path(), &quiet()).unwrap();
    assert_same_as_source(&opened, &ds);
}

#[test]
fn any_change_to_sources_or_settings_rebuilds() {
    let (src, cache) = tree_and_cache();
    let ds = folder(src.path(), 16);
    PixelCache::build_or_open(&ds, cache.path(), &quiet()).unwrap();

    // 1. A source file's bytes change (new content, new mtime).
    let target = src.path().join("klimt/2.png");
    write_image(&target, 33, 21, 200);
    let f = fs::File::options().write(true).open(&target).unwrap();
    f.set_modified(SystemTime::now() + Duration::from_secs(5))
        .unwrap();
    drop(f);
    let c = PixelCache::build_or_open(&ds, cache.path(), &quiet()).unwrap();
    assert_rebuilt_because(&c, "klimt/2.png");
    assert_eq!(c.report().decoded, 12);
    assert_same_as_source(&c, &ds);
    assert_eq!(shard_files(cache.path()).len(), 1, "old shards removed");

    // 2. A file is added (the folder is listed again).
    write_image(&src.path().join("goya/9.png"), 12, 12, 77);
    let ds2 = folder(src.path(), 16);
    let c = PixelCache::build_or_open(&ds2, cache.path(), &quiet()).unwrap();
    assert!(c.report().rebuilt, "{:?}", c.report());
    assert_eq!(c.len(), 13);
    assert_same_as_source(&c, &ds2);

    // 3. The size setting changes.
    let ds3 = folder(src.path(), 8);
    let c = PixelCache::build_or_open(&ds3, cache.path(), &quiet()).unwrap();
    assert_rebuilt_because(&c, "image size");
    assert_same_as_source(&c, &ds3);

    // 4. The method changes.
    let ds4 = ImageFolder::open(
        src.path(),
        FolderOptions {
            image_size: 8,
            method: StandardizeMethod::CenterCrop,
            ..FolderOptions::default()
        },
    )
    .unwrap();
    let c = PixelCache::build_or_open(&ds4, cache.path(), &quiet()).unwrap();
    assert!(c.report().rebuilt);
    assert_same_as_source(&c, &ds4);

    // Unchanged again: reused.
    let c = PixelCache::build_or_open(&ds4, cache.path(), &quiet()).unwrap();
    assert!(!c.report().rebuilt);
    assert_eq!(c.report().decoded, 0);
}

#[test]
fn truncated_or_corrupt_shards_are_typed_errors() {
    let (src, cache) = tree_and_cache();
    let ds = folder(src.path(), 16);
    PixelCache::build_or_open(&ds, cache.path(), &quiet()).unwrap();
    let shard = shard_files(cache.path()).pop().unwrap();

    // A flipped byte (same length): the read of that sample fails, the others still work.
    let mut bytes = fs::read(&shard).unwrap();
    let image_bytes = 16 * 16 * 3;
    bytes[5 * image_bytes + 100] ^= 0xff;
    fs::write(&shard, &bytes).unwrap();
    let c = PixelCache::open(cache.path(), &quiet()).unwrap();
    assert!(matches!(c.get(5), Err(DatasetError::Cache { .. })));
    assert!(c.get(4).is_ok());
    assert!(matches!(c.verify(), Err(DatasetError::Cache { .. })));
    drop(c);

    // A truncated shard: opening fails with a typed error, as does build_or_open.
    let f = fs::File::options().write(true).open(&shard).unwrap();
    f.set_len((bytes.len() - 1) as u64).unwrap();
    drop(f);
    match PixelCache::open(cache.path(), &quiet()) {
        Err(e @ DatasetError::Cache { .. }) => assert!(e.to_string().contains("truncated"), "{e}"),
        other => panic!("expected a cache error, got {:?}", other.map(|c| c.len())),
    }
    assert!(matches!(
        PixelCache::build_or_open(&ds, cache.path(), &quiet()),
        Err(DatasetError::Cache { .. })
    ));
    // A missing shard too.
    fs::remove_file(&shard).unwrap();
    assert!(matches!(
        PixelCache::open(cache.path(), &quiet()),
        Err(DatasetError::Cache { .. })
    ));
    // A garbled manifest is not a cache (open fails); build_or_open rebuilds.
    fs::write(cache.path().join(MANIFEST_FILE), b"{ not json").unwrap();
    assert!(PixelCache::open(cache.path(), &quiet()).is_err());
    let c = PixelCache::build_or_open(&ds, cache.path(), &quiet()).unwrap();
    assert!(c.report().rebuilt);
    assert_same_as_source(&c, &ds);
}

/// Sets a file's modification time `secs` seconds from now (a change the cache must see even
/// where the file system's clock is coarse).
fn touch(path: &Path, secs: u64) {
    let f = fs::File::options().write(true).open(path).unwrap();
    f.set_modified(SystemTime::now() + Duration::from_secs(secs))
        .unwrap();
}

#[test]
fn every_unreadable_file_is_named_in_one_error_or_skipped() {
    let (src, cache) = tree_and_cache();
    // Four kinds of bad files named .jpg, in two of the three class folders.
    let bad = [
        ("goya/5.jpg", Bad::Truncated),
        ("klimt/5.jpg", Bad::Corrupt),
        ("klimt/6.jpg", Bad::ZeroBytes),
        ("klimt/7.jpg", Bad::NotAnImage),
    ];
    for (file, kind) in bad {
        kind.write(&src.path().join(file));
    }
    let ds = folder(src.path(), 16);
    assert_eq!(ds.len(), 16);

    // Strict: one error naming every bad file (in source order), each with why.
    let named = |result: Result<_, DatasetError>| match result {
        Err(DatasetError::Unreadable(images)) => images,
        Err(e) => panic!("expected Unreadable, got {e}"),
        Ok(c) => panic!(
            "expected Unreadable, got a cache of {} images",
            Dataset::len(&c)
        ),
    };
    let images = named(PixelCache::build_or_open(&ds, cache.path(), &quiet()));
    let paths: Vec<PathBuf> = images.iter().map(|u| u.path.clone()).collect();
    let expected: Vec<PathBuf> = bad.iter().map(|(f, _)| src.path().join(f)).collect();
    assert_eq!(paths, expected);
    for u in &images {
        assert!(!u.message.is_empty(), "{u}");
        assert_eq!(ds.path(u.index).unwrap(), u.path);
        assert_eq!(u.label, ds.label(u.index).unwrap());
    }
    let message = PixelCache::build_or_open(&ds, cache.path(), &quiet())
        .err()
        .unwrap()
        .to_string();
    for (file, _) in bad {
        assert!(message.contains(file), "{message}");
    }
    // The build was recorded: asking again decodes nothing (same shards, same error).
    let shards = shard_files(cache.path());
    assert_eq!(shards.len(), 1);
    assert_eq!(
        named(PixelCache::build_or_open(&ds, cache.path(), &quiet())),
        images
    );
    assert_eq!(shard_files(cache.path()), shards);

    // Skipping: the same cache, reused, holds the 12 readable images with their labels.
    let skip = CacheOptions {
        skip_unreadable: true,
        ..quiet()
    };
    let c = PixelCache::build_or_open(&ds, cache.path(), &skip).unwrap();
    assert!(!c.report().rebuilt, "{:?}", c.report());
    assert_eq!((c.report().decoded, c.report().unreadable), (0, 4));
    assert!(c
        .report()
        .to_string()
        .contains("4 unreadable images left out"));
    assert_eq!(c.unreadable(), images.as_slice());
    let readable: Vec<usize> = (0..ds.len())
        .filter(|i| !images.iter().any(|u| u.index == *i))
        .collect();
    let subset = painter_data::Subset::new(&ds, readable).unwrap();
    assert_same_as_source(&c, &subset);
    assert_eq!(
        c.source_files().len(),
        16,
        "every source file is fingerprinted"
    );
}

#[test]
fn a_repaired_or_a_broken_file_rebuilds_the_cache() {
    let (src, cache) = tree_and_cache();
    let broken = src.path().join("monet/3.jpg");
    Bad::Truncated.write(&broken);
    let skip = CacheOptions {
        skip_unreadable: true,
        ..quiet()
    };
    let ds = folder(src.path(), 16);
    let c = PixelCache::build_or_open(&ds, cache.path(), &skip).unwrap();
    assert_eq!((c.len(), c.unreadable().len()), (11, 1));

    // The skipped file is repaired: the cache is rebuilt and holds it.
    write_image(&broken, 10, 10, 1);
    touch(&broken, 5);
    let c = PixelCache::build_or_open(&ds, cache.path(), &skip).unwrap();
    assert_rebuilt_because(&c, "monet/3.jpg");
    assert!(c.unreadable().is_empty());
    assert_same_as_source(&c, &ds);
    // Now strict too.
    assert_same_as_source(
        &PixelCache::build_or_open(&ds, cache.path(), &quiet()).unwrap(),
        &ds,
    );

    // A readable file breaks: rebuilt, and named (strict) or left out (skipping).
    let now_broken = src.path().join("goya/0.png");
    Bad::Corrupt.write(&now_broken);
    touch(&now_broken, 10);
    match PixelCache::build_or_open(&ds, cache.path(), &quiet()) {
        Err(DatasetError::Unreadable(images)) => {
            assert_eq!(images.len(), 1);
            assert_eq!(images[0].path, now_broken);
        }
        other => panic!("expected Unreadable, got {:?}", other.map(|c| c.len())),
    }
    let c = PixelCache::build_or_open(&ds, cache.path(), &skip).unwrap();
    assert!(!c.report().rebuilt, "the strict call recorded the build");
    assert_eq!(c.len(), 11);
    assert_eq!(c.unreadable()[0].path, now_broken);
}

#[test]
fn a_failed_build_leaves_no_cache_and_is_rebuilt() {
    let cache = tempfile::tempdir().unwrap();
    let good = Generated::new(9, 1);
    PixelCache::build_or_open_keyed(&good, "shade=1", cache.path(), &quiet()).unwrap();
    // A sample of the wrong size is not an unreadable image but a broken dataset: the rebuild
    // stops, and no manifest remains.
    let broken = Generated::new(9, 0);
    match PixelCache::build_or_open_keyed(&broken, "shade=0", cache.path(), &quiet()) {
        Err(e @ DatasetError::InvalidSetting(_)) => assert!(e.to_string().contains("sample 0")),
        other => panic!(
            "expected an invalid setting, got {:?}",
            other.map(|c| c.len())
        ),
    }
    assert!(!cache.path().join(MANIFEST_FILE).exists());
    assert!(PixelCache::open(cache.path(), &quiet()).is_err());
    // Like a killed build: shards (or temporaries) without a manifest are never used.
    fs::write(cache.path().join("shard-dead-00000.bin"), vec![7u8; 999]).unwrap();
    let c = PixelCache::build_or_open_keyed(&good, "shade=1", cache.path(), &quiet()).unwrap();
    assert!(c.report().rebuilt);
    assert_eq!(c.report().reason, "no cache yet");
    assert_same_as_source(&c, &good);
    assert_eq!(shard_files(cache.path()).len(), 1, "leftovers removed");
}

#[test]
fn many_shards_and_small_chunks() {
    let (src, cache) = tree_and_cache();
    let ds = folder(src.path(), 10);
    let opts = CacheOptions {
        shard_bytes: 3 * 10 * 10 * 3 + 5, // 3 images per shard
        chunk_size: 2,
        ..quiet()
    };
    let c = PixelCache::build_or_open(&ds, cache.path(), &opts).unwrap();
    assert_eq!(c.num_shards(), 4);
    assert_eq!(shard_files(cache.path()).len(), 4);
    assert_same_as_source(&c, &ds);
    assert!(CacheOptions {
        chunk_size: 0,
        ..quiet()
    }
    .validate()
    .is_err());
    assert!(CacheOptions {
        shard_bytes: 0,
        ..quiet()
    }
    .validate()
    .is_err());
}

/// A deterministic non-file dataset.
struct Generated {
    n: usize,
    shade: u8,
    names: Vec<String>,
}

impl Generated {
    /// `n` images of a shade, labelled `even` and `odd` in turn.
    fn new(n: usize, shade: u8) -> Self {
        Self {
            n,
            shade,
            names: vec!["even".to_string(), "odd".to_string()],
        }
    }
}

impl Dataset for Generated {
    fn len(&self) -> usize {
        self.n
    }
    /// Shade 0 renders a broken dataset: sample 0 has the wrong size.
    fn get(&self, index: usize) -> Result<Sample, DatasetError> {
        let side = if self.shade == 0 && index == 0 { 5 } else { 6 };
        Ok(Sample {
            image: RgbImage::from_fn(side, side, |x, y| {
                Rgb([index as u8, self.shade, (x * 6 + y) as u8])
            }),
            label: self.label(index)?,
        })
    }
    fn class_names(&self) -> &[String] {
        &self.names
    }
    fn label(&self, index: usize) -> Result<Option<usize>, DatasetError> {
        Ok(Some(index % 2))
    }
    fn image_size(&self) -> u32 {
        6
    }
}

#[test]
fn keyed_cache_for_generated_data() {
    let cache = tempfile::tempdir().unwrap();
    let g = Generated::new(9, 1);
    let c = PixelCache::build_or_open_keyed(&g, "shade=1", cache.path(), &quiet()).unwrap();
    assert!(c.report().rebuilt);
    assert_same_as_source(&c, &g);
    let c = PixelCache::build_or_open_keyed(&g, "shade=1", cache.path(), &quiet()).unwrap();
    assert!(!c.report().rebuilt);
    let g2 = Generated::new(9, 2);
    let c = PixelCache::build_or_open_keyed(&g2, "shade=2", cache.path(), &quiet()).unwrap();
    assert!(c.report().rebuilt);
    assert_same_as_source(&c, &g2);
}

#[test]
fn real_paintings_subset_cache() {
    let Some(root) = shared_paintings() else {
        eprintln!("../shared/paintings not present: real-data cache skipped (synthetic trees above cover the logic)");
        return;
    };
    let ds = folder(&root, 64);
    let three = restrict_classes(&ds, &["rembrandt", "claude-monet", "vincent-van-gogh"]).unwrap();
    let subset = take_per_class(&three, 20, 7).unwrap();
    let cache = tempfile::tempdir().unwrap();
    let c = PixelCache::build_or_open(&subset, cache.path(), &quiet()).unwrap();
    eprintln!(
        "real-data cache: {} paintings (3 painters x 20 at 64 px) from {} in ../shared/paintings, {} bytes, built in {:.2} s",
        c.len(),
        ds.len(),
        c.report().bytes,
        c.report().seconds
    );
    assert_eq!(c.len(), 60);
    assert_eq!(
        c.class_names(),
        ["rembrandt", "claude-monet", "vincent-van-gogh"]
    );
    assert_same_as_source(&c, &subset);
    let again = PixelCache::build_or_open(&subset, cache.path(), &quiet()).unwrap();
    assert!(!again.report().rebuilt);
    eprintln!(
        "reopened in {:.3} s without decoding",
        again.report().seconds
    );
}

/// `RssAnon` and `VmHWM` from `/proc/self/status` in kB (Linux; `None` elsewhere).
fn memory_kb() -> Option<(u64, u64)> {
    let status = fs::read_to_string("/proc/self/status").ok()?;
    let field = |name: &str| -> Option<u64> {
        status
            .lines()
            .find(|l| l.starts_with(name))?
            .split_whitespace()
            .nth(1)?
            .parse()
            .ok()
    };
    Some((field("RssAnon:")?, field("VmHWM:")?))
}

/// A measurement, not a check: caches every real painting (labelled and unlabeled, ~5,000) at 256 px
/// and reports build time, read throughput and memory. Run with
/// `cargo test --release -p painter-data --test cache -- --ignored --nocapture`.
#[test]
#[ignore = "measurement on ../shared (about a minute)"]
fn measure_full_real_cache_at_256() {
    use painter_data::folder::UnlabeledFolder;
    let (Some(labelled), Some(unlabeled)) =
        (shared_paintings(), painter_data::shared::shared_unlabeled())
    else {
        eprintln!("../shared not present: nothing to measure");
        return;
    };
    let opts = FolderOptions::default();
    let cache = tempfile::tempdir().unwrap();
    let a = ImageFolder::open(&labelled, opts).unwrap();
    let b = UnlabeledFolder::open(&unlabeled, opts).unwrap();
    let before = memory_kb();
    let t = std::time::Instant::now();
    let ca = PixelCache::build_or_open(&a, cache.path().join("labelled"), &quiet()).unwrap();
    let cb = PixelCache::build_or_open(&b, cache.path().join("unlabeled"), &quiet()).unwrap();
    let build = t.elapsed().as_secs_f64();
    let after_build = memory_kb();
    let n = ca.len() + cb.len();
    let bytes = ca.report().bytes + cb.report().bytes;
    let t = std::time::Instant::now();
    let mut sum = 0u64;
    for ds in [&ca as &dyn Dataset, &cb] {
        for i in 0..ds.len() {
            sum += ds.get(i).unwrap().image.as_raw()[0] as u64;
        }
    }
    let read = t.elapsed().as_secs_f64();
    let t = std::time::Instant::now();
    let ra = PixelCache::build_or_open(&a, cache.path().join("labelled"), &quiet()).unwrap();
    let reopen = t.elapsed().as_secs_f64();
    assert!(!ra.report().rebuilt);
    eprintln!(
        "cached {n} real paintings at 256 px ({:.2} GB) in {build:.1} s ({:.0} images/s, {} threads); \
         read all back in {read:.2} s ({:.0} images/s, checksum-verified; {sum}); reopen+check {reopen:.3} s",
        bytes as f64 / 1e9,
        n as f64 / build,
        rayon::current_num_threads(),
        n as f64 / read,
    );
    eprintln!(
        "memory (RssAnon kB, VmHWM kB): before {before:?}, after build {after_build:?}, after reading {:?}",
        memory_kb()
    );
}
