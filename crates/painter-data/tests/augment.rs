//! Augmentations: pixel dropout counts, keying (seed, epoch, index), thread-count independence, the
//! batch path against a per-image reference, flips, crops and hyperparameter validation.

use candle_core::Device;
use image::{Rgb, RgbImage};
use painter_data::augment::{Augmentation, Compose, HorizontalFlip, PixelDropout, RandomCrop};
use painter_data::ImageBatch;

/// An image with no zero channel anywhere, so every zero in the output comes from the dropout.
fn textured(w: u32, h: u32, salt: u32) -> RgbImage {
    RgbImage::from_fn(w, h, |x, y| {
        Rgb([
            1 + ((x * 7 + y * 3 + salt) % 250) as u8,
            1 + ((x * 5 + y * 11 + salt * 3) % 250) as u8,
            1 + ((x * 13 + y + salt * 7) % 250) as u8,
        ])
    })
}

fn zeroed_pixels(img: &RgbImage) -> Vec<usize> {
    img.pixels()
        .enumerate()
        .filter(|(_, p)| p.0 == [0, 0, 0])
        .map(|(i, _)| i)
        .collect()
}

#[test]
fn dropout_zeroes_exactly_round_fraction_pixels_in_all_channels() {
    for &(w, h, fraction) in &[
        (32u32, 32u32, 0.2f64),
        (17, 9, 0.2),
        (64, 48, 0.5),
        (5, 5, 0.0),
    ] {
        let d = PixelDropout::new(fraction, 11).unwrap();
        let img = textured(w, h, 1);
        let out = d.apply(img.clone(), 4, 2).unwrap();
        let expected = (fraction * (w * h) as f64).round() as usize;
        let zeroed = zeroed_pixels(&out);
        assert_eq!(zeroed.len(), expected, "{w}x{h} at {fraction}");
        assert_eq!(zeroed, d.dropped_pixels(w, h, 4, 2));
        // No channel is partly dropped and nothing is rescaled: every other pixel is unchanged.
        for (i, (a, b)) in img.pixels().zip(out.pixels()).enumerate() {
            if zeroed.binary_search(&i).is_err() {
                assert_eq!(a, b);
            }
            assert!(b.0 == a.0 || b.0 == [0, 0, 0]);
        }
    }
}

#[test]
fn dropout_is_keyed_by_seed_epoch_and_index() {
    let d = PixelDropout::new(0.2, 5).unwrap();
    let m = |seed: u64, index: usize, epoch: u64| {
        PixelDropout::new(0.2, seed)
            .unwrap()
            .dropped_pixels(32, 32, index, epoch)
    };
    assert_eq!(m(5, 3, 7), m(5, 3, 7), "same key, same mask");
    assert_eq!(m(5, 3, 7), d.dropped_pixels(32, 32, 3, 7));
    assert_ne!(m(5, 3, 7), m(5, 3, 8), "a new epoch draws a new mask");
    assert_ne!(m(5, 3, 7), m(5, 4, 7), "another sample, another mask");
    assert_ne!(m(5, 3, 7), m(6, 3, 7), "another seed, another mask");
    // Fresh masks overlap about as much as independent 20% draws: E[overlap] = 0.2 * 0.2 * 1024.
    let a = m(5, 3, 0);
    let b = m(5, 3, 1);
    let overlap = a.iter().filter(|p| b.binary_search(p).is_ok()).count();
    assert!((20..=70).contains(&overlap), "overlap {overlap}");
}

#[test]
fn dropout_hits_every_pixel_with_the_right_frequency() {
    // Unbiased masks: over 2000 epochs each pixel is dropped ~ Binomial(2000, 0.2): mean 400, sd 17.9.
    let d = PixelDropout::new(0.2, 1).unwrap();
    let mut hits = vec![0usize; 16 * 16];
    for epoch in 0..2000 {
        for p in d.dropped_pixels(16, 16, 0, epoch) {
            hits[p] += 1;
        }
    }
    let (min, max) = (hits.iter().min().unwrap(), hits.iter().max().unwrap());
    assert!(*min > 310 && *max < 490, "hits in [{min}, {max}]");
}

#[test]
fn dropout_batch_matches_per_image_reference_and_ignores_thread_count() {
    let images: Vec<RgbImage> = (0..6).map(|i| textured(24, 24, i)).collect();
    let indices = [40usize, 3, 17, 3, 99, 0];
    let batch =
        ImageBatch::from_images(&images, Some(vec![0, 1, 2, 0, 1, 2]), &Device::Cpu).unwrap();
    let d = PixelDropout::new(0.2, 123).unwrap();
    // Reference: drop per image (naive loop over the mask), then batch.
    let reference: Vec<RgbImage> = images
        .iter()
        .zip(indices)
        .map(|(img, idx)| {
            let mut out = img.clone();
            let keep = d.keep_mask(24, 24, idx, 9);
            for (p, px) in out.pixels_mut().enumerate() {
                if !keep[p] {
                    *px = Rgb([0, 0, 0]);
                }
            }
            out
        })
        .collect();
    let reference = ImageBatch::from_images(&reference, None, &Device::Cpu).unwrap();
    let run = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| d.apply_batch(&batch, &indices, 9).unwrap())
    };
    let one = run(1);
    let four = run(4);
    let a: Vec<f32> = one.images().flatten_all().unwrap().to_vec1().unwrap();
    let b: Vec<f32> = four.images().flatten_all().unwrap().to_vec1().unwrap();
    let r: Vec<f32> = reference.images().flatten_all().unwrap().to_vec1().unwrap();
    assert_eq!(a, b, "thread count must not matter");
    assert_eq!(a, r, "batch path equals the per-image reference");
    assert_eq!(one.labels(), Some(&[0u32, 1, 2, 0, 1, 2][..]));
    // Same index in the same epoch: same mask (samples 1 and 3 are both dataset index 3).
    let plane = 3 * 24 * 24;
    let zeros =
        |k: usize| -> Vec<usize> { (0..24 * 24).filter(|&p| a[k * plane + p] == 0.0).collect() };
    assert_eq!(zeros(1), zeros(3));
    assert!(
        d.apply_batch(&batch, &indices[..2], 9).is_err(),
        "index count checked"
    );
}

#[test]
fn hyperparameters_are_validated() {
    assert!(PixelDropout::new(-0.1, 0).is_err());
    assert!(PixelDropout::new(1.0, 0).is_err());
    assert!(PixelDropout::new(f64::NAN, 0).is_err());
    assert!(PixelDropout::new(0.0, 0).is_ok());
    assert!(HorizontalFlip::new(1.5, 0).is_err());
    assert!(HorizontalFlip::new(-0.01, 0).is_err());
    assert!(HorizontalFlip::new(1.0, 0).is_ok());
    assert!(RandomCrop::new(0.0, 1.0, 0).is_err());
    assert!(RandomCrop::new(0.8, 0.5, 0).is_err());
    assert!(RandomCrop::new(0.5, 1.2, 0).is_err());
    assert!(RandomCrop::new(0.5, 1.0, 0).is_ok());
    let msg = PixelDropout::new(1.0, 0).unwrap_err().to_string();
    assert!(msg.contains("fraction"), "{msg}");
}

#[test]
fn horizontal_flip_probability_and_mirror() {
    let img = textured(9, 5, 2);
    let mirrored = image::imageops::flip_horizontal(&img);
    let never = HorizontalFlip::new(0.0, 1).unwrap();
    let always = HorizontalFlip::new(1.0, 1).unwrap();
    assert_eq!(never.apply(img.clone(), 0, 0).unwrap(), img);
    assert_eq!(always.apply(img.clone(), 0, 0).unwrap(), mirrored);
    // Reference mirror, pixel by pixel.
    for (x, y, p) in always.apply(img.clone(), 1, 1).unwrap().enumerate_pixels() {
        assert_eq!(p, img.get_pixel(8 - x, y));
    }
    let half = HorizontalFlip::new(0.5, 3).unwrap();
    let flips = (0..2000).filter(|&i| half.flips(i, 0)).count();
    assert!((900..=1100).contains(&flips), "{flips} flips of 2000");
    assert_eq!(half.flips(7, 2), half.flips(7, 2));
}

#[test]
fn random_crop_windows_stay_inside_and_resize_back() {
    let crop = RandomCrop::new(0.5, 0.9, 4).unwrap();
    for index in 0..200 {
        let w = crop.window(64, 48, index, 1);
        assert!(w.x + w.width <= 64 && w.y + w.height <= 48, "{w:?}");
        let s = w.width as f64 / 64.0;
        assert!((0.49..=0.91).contains(&s), "{w:?}");
        assert_eq!(w, crop.window(64, 48, index, 1));
    }
    // A constant image stays constant; the output keeps the input size.
    let flat = RgbImage::from_pixel(64, 48, Rgb([30, 60, 90]));
    let out = crop.apply(flat.clone(), 5, 0).unwrap();
    assert_eq!(out, flat);
    // A window inside the left (red) half resizes to all red.
    let split = RgbImage::from_fn(64, 64, |x, _| {
        if x < 32 {
            Rgb([200, 0, 0])
        } else {
            Rgb([0, 0, 200])
        }
    });
    let small = RandomCrop::new(0.25, 0.25, 8).unwrap();
    let mut checked = 0;
    for index in 0..50 {
        let w = small.window(64, 64, index, 0);
        if w.x + w.width <= 32 {
            let out = small.apply(split.clone(), index, 0).unwrap();
            assert_eq!(out.dimensions(), (64, 64));
            assert!(out.pixels().all(|p| p.0 == [200, 0, 0]));
            checked += 1;
        }
    }
    assert!(checked > 0);
    // Scale 1 is the identity.
    let id = RandomCrop::new(1.0, 1.0, 0).unwrap();
    let img = textured(20, 20, 3);
    assert_eq!(id.apply(img.clone(), 0, 0).unwrap(), img);
}

#[test]
fn compose_applies_steps_in_order() {
    let img = textured(16, 16, 0);
    let flip = HorizontalFlip::new(1.0, 0).unwrap();
    let drop = PixelDropout::new(0.25, 2).unwrap();
    let pipeline = Compose::new().then(flip).then(drop);
    assert_eq!(pipeline.len(), 2);
    let expected = drop
        .apply(flip.apply(img.clone(), 3, 1).unwrap(), 3, 1)
        .unwrap();
    assert_eq!(pipeline.apply(img, 3, 1).unwrap(), expected);
}
