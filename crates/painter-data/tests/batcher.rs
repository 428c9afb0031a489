//! The batcher: shapes, labels, last-batch policies, seeded determinism per (seed, epoch), index
//! lists, the augmentation hook and thread-count independence.

use candle_core::Device;
use image::{Rgb, RgbImage};
use painter_data::augment::{AugmentError, PixelDropout};
use painter_data::batcher::{Batcher, BatcherConfig, LastBatch};
use painter_data::{DatasetError, ImageBatch, InMemoryDataset};

/// Sample i: a 4x4 image whose red channel encodes i, labelled i % 3.
fn indexed(n: usize) -> InMemoryDataset {
    let images = (0..n)
        .map(|i| RgbImage::from_pixel(4, 4, Rgb([i as u8, 128, 255])))
        .collect();
    let labels = (0..n).map(|i| Some(i % 3)).collect();
    InMemoryDataset::new(4, images, labels, vec!["a".into(), "b".into(), "c".into()]).unwrap()
}

/// A batcher of [`indexed`]`(n)` in shuffled batches of `batch_size` with seed 42.
fn batcher(n: usize, batch_size: usize, last_batch: LastBatch) -> Batcher<InMemoryDataset> {
    Batcher::new(indexed(n), config(batch_size, last_batch), Device::Cpu).unwrap()
}

/// Every value of a batch's images, flattened.
fn values(batch: &ImageBatch) -> Vec<f32> {
    batch.images().flatten_all().unwrap().to_vec1().unwrap()
}

/// The dataset index of every image of a batch, read back from the red channel.
fn decoded_indices(batch: &ImageBatch) -> Vec<usize> {
    let v = values(batch);
    (0..batch.len())
        .map(|k| (v[k * 48] * 255.0).round() as usize)
        .collect()
}

fn config(batch_size: usize, last_batch: LastBatch) -> BatcherConfig {
    BatcherConfig {
        batch_size,
        shuffle: true,
        seed: 42,
        last_batch,
    }
}

#[test]
fn shapes_labels_and_last_batch_policies() {
    let keep = batcher(10, 4, LastBatch::Keep);
    assert_eq!(keep.num_batches(), 3);
    let batches: Vec<ImageBatch> = keep.epoch(0).map(Result::unwrap).collect();
    assert_eq!(
        batches.iter().map(ImageBatch::len).collect::<Vec<_>>(),
        [4, 4, 2]
    );
    let mut seen = Vec::new();
    for b in &batches {
        assert_eq!(b.images().dims()[1..], [3, 4, 4]);
        let idx = decoded_indices(b);
        let labels: Vec<u32> = idx.iter().map(|&i| (i % 3) as u32).collect();
        assert_eq!(b.labels().unwrap(), labels.as_slice());
        seen.extend(idx);
    }
    seen.sort_unstable();
    assert_eq!(
        seen,
        (0..10).collect::<Vec<_>>(),
        "each sample once per epoch"
    );

    let drop = batcher(10, 4, LastBatch::Drop);
    assert_eq!(drop.num_batches(), 2);
    let sizes: Vec<usize> = drop.epoch(0).map(|b| b.unwrap().len()).collect();
    assert_eq!(sizes, [4, 4]);
    // Drop with a dataset smaller than a batch yields nothing.
    let tiny = batcher(3, 4, LastBatch::Drop);
    assert_eq!(tiny.epoch(0).count(), 0);
    // Exact multiple: no short batch either way.
    let exact = batcher(8, 4, LastBatch::Keep);
    assert_eq!(exact.epoch(1).len(), 2);

    assert!(matches!(
        Batcher::new(indexed(3), config(0, LastBatch::Keep), Device::Cpu),
        Err(DatasetError::InvalidSetting(_))
    ));
}

#[test]
fn order_is_deterministic_per_seed_and_epoch() {
    let b = batcher(50, 8, LastBatch::Keep);
    let order = |batcher: &Batcher<InMemoryDataset>, epoch| -> Vec<usize> {
        batcher
            .epoch(epoch)
            .flat_map(|r| decoded_indices(&r.unwrap()))
            .collect()
    };
    let e0 = order(&b, 0);
    assert_eq!(
        e0,
        order(&b, 0),
        "replaying an epoch gives the same batches"
    );
    assert_eq!(e0, b.epoch_plan(0).concat());
    assert_ne!(e0, order(&b, 1), "a new epoch is reshuffled");
    assert_ne!(e0, (0..50).collect::<Vec<_>>(), "shuffled");
    let other_seed = Batcher::new(
        indexed(50),
        BatcherConfig {
            seed: 43,
            ..config(8, LastBatch::Keep)
        },
        Device::Cpu,
    )
    .unwrap();
    assert_ne!(e0, order(&other_seed, 0));
    let plain = Batcher::new(
        indexed(50),
        BatcherConfig {
            shuffle: false,
            ..config(8, LastBatch::Keep)
        },
        Device::Cpu,
    )
    .unwrap();
    assert_eq!(order(&plain, 3), (0..50).collect::<Vec<_>>());
    // Same order regardless of the thread count.
    let in_pool = |threads| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| order(&b, 2))
    };
    assert_eq!(in_pool(1), in_pool(3));
}

#[test]
fn index_lists_restrict_the_epoch() {
    let fold = vec![1, 3, 5, 7, 9, 11];
    let b = batcher(12, 4, LastBatch::Keep)
        .with_indices(fold.clone())
        .unwrap();
    assert_eq!(b.num_samples(), 6);
    assert_eq!(b.num_batches(), 2);
    let mut seen: Vec<usize> = b
        .epoch(0)
        .flat_map(|r| decoded_indices(&r.unwrap()))
        .collect();
    seen.sort_unstable();
    assert_eq!(seen, fold);
    let bad = batcher(12, 4, LastBatch::Keep).with_indices(vec![2, 12]);
    assert!(matches!(
        bad,
        Err(DatasetError::IndexOutOfRange { index: 12, len: 12 })
    ));
}

#[test]
fn augmentation_hook_gets_dataset_index_and_epoch() {
    let hook = |mut img: RgbImage, index: usize, epoch: u64| -> Result<RgbImage, AugmentError> {
        assert_eq!(
            img.get_pixel(0, 0).0[0] as usize,
            index,
            "hook gets the dataset index"
        );
        img.put_pixel(1, 0, Rgb([0, epoch as u8, 0]));
        Ok(img)
    };
    let b = batcher(9, 4, LastBatch::Keep).with_augmentation(hook);
    for epoch in [0u64, 5] {
        for batch in b.epoch(epoch) {
            let v = values(&batch.unwrap());
            // Pixel (1, 0) of the green plane (offset 16) of each image holds the epoch.
            for k in 0..v.len() / 48 {
                assert_eq!((v[k * 48 + 16 + 1] * 255.0).round() as u64, epoch);
            }
        }
    }
    // Pixel dropout as the hook equals dropout applied to the batch afterwards.
    let dropout = PixelDropout::new(0.25, 9).unwrap();
    let plain = batcher(9, 4, LastBatch::Keep);
    let hooked = batcher(9, 4, LastBatch::Keep).with_augmentation(dropout);
    for (a, b) in plain.epoch_indexed(2).zip(hooked.epoch(2)) {
        let (indices, batch) = a.unwrap();
        let after = dropout.apply_batch(&batch, &indices, 2).unwrap();
        let x = values(&after);
        let y = values(&b.unwrap());
        assert_eq!(x, y);
    }
    // A failing hook surfaces as an error.
    let failing = batcher(3, 2, LastBatch::Keep).with_augmentation(
        |_: RgbImage, _: usize, _: u64| -> Result<RgbImage, AugmentError> {
            Err(AugmentError::Resize("nope".into()))
        },
    );
    assert!(matches!(
        failing.epoch(0).next(),
        Some(Err(DatasetError::Augment(_)))
    ));
}

#[test]
fn unlabeled_datasets_give_unlabeled_batches() {
    let images = (0..5).map(|_| RgbImage::new(4, 4)).collect();
    let ds = InMemoryDataset::new(4, images, vec![None; 5], Vec::new()).unwrap();
    let b = Batcher::new(ds, config(2, LastBatch::Keep), Device::Cpu).unwrap();
    for batch in b.epoch(0) {
        assert!(batch.unwrap().labels().is_none());
    }
}
