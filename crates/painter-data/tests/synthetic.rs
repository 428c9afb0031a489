//! Synthetic painters: determinism, validation, dataset behaviour, image-folder output, and that the
//! painters are distinguishable but not trivially so.

use painter_data::synthetic::{
    painter_names, SyntheticError, SyntheticPainters, SyntheticUnlabeled,
};
use painter_data::{decode::DecodeLimits, load_rgb, Dataset, DatasetError};

#[test]
fn settings_are_validated() {
    assert!(matches!(
        SyntheticPainters::new(0, 5, 64, 1),
        Err(SyntheticError::Painters { got: 0, .. })
    ));
    assert!(matches!(
        SyntheticPainters::new(9, 5, 64, 1),
        Err(SyntheticError::Painters { got: 9, .. })
    ));
    assert!(matches!(
        SyntheticPainters::new(3, 0, 64, 1),
        Err(SyntheticError::NoImages)
    ));
    assert!(matches!(
        SyntheticPainters::new(3, 5, 4, 1),
        Err(SyntheticError::Size { got: 4, .. })
    ));
    assert!(SyntheticUnlabeled::new(3, 0, 64, 1).is_err());
    let d = SyntheticPainters::new(3, 5, 32, 1).unwrap();
    assert!(matches!(
        d.render(3, 0),
        Err(SyntheticError::PainterOutOfRange { .. })
    ));
    assert!(matches!(
        d.render(0, 5),
        Err(SyntheticError::IndexOutOfRange { .. })
    ));
    assert!(matches!(
        d.get(15),
        Err(DatasetError::IndexOutOfRange { index: 15, len: 15 })
    ));
}

#[test]
fn deterministic_per_seed_and_different_across_seeds() {
    let a = SyntheticPainters::new(8, 4, 48, 42).unwrap();
    let b = SyntheticPainters::new(8, 4, 48, 42).unwrap();
    let c = SyntheticPainters::new(8, 4, 48, 43).unwrap();
    for p in 0..8 {
        for k in 0..4 {
            let x = a.render(p, k).unwrap();
            assert_eq!(x, b.render(p, k).unwrap(), "painter {p} image {k}");
            assert_ne!(x, c.render(p, k).unwrap(), "seed must matter");
            if k > 0 {
                assert_ne!(x, a.render(p, k - 1).unwrap(), "images must differ");
            }
        }
    }
    // The parallel generator yields exactly the rendered images, in order.
    let all = a.generate();
    assert_eq!(all.len(), 32);
    for (i, (img, label)) in all.iter().enumerate() {
        assert_eq!(*label, i / 4);
        assert_eq!(*img, a.render(i / 4, i % 4).unwrap());
        let s = a.get(i).unwrap();
        assert_eq!(s.label, Some(i / 4));
        assert_eq!(s.image, *img);
    }
}

#[test]
fn dataset_metadata() {
    let d = SyntheticPainters::new(5, 3, 40, 0).unwrap();
    assert_eq!(d.len(), 15);
    assert_eq!(d.image_size(), 40);
    assert_eq!(d.class_names().len(), 5);
    assert_eq!(d.class_names()[1], "synthetic-pointillist");
    let names = painter_names();
    assert_eq!(names.len(), 8);
    let mut uniq = names.clone();
    uniq.sort();
    uniq.dedup();
    assert_eq!(uniq.len(), 8, "style names must be unique");
    assert_eq!(d.label(7).unwrap(), Some(2));
    assert_eq!(d.get(7).unwrap().image.dimensions(), (40, 40));

    let u = d.unlabeled(20, 9).unwrap();
    assert_eq!(u.len(), 20);
    assert!(u.class_names().is_empty());
    assert_eq!(u.label(3).unwrap(), None);
    assert_eq!(u.get(3).unwrap().image, u.render(3).unwrap());
    let painters: std::collections::BTreeSet<usize> = (0..20).map(|i| u.painter_of(i)).collect();
    assert!(
        painters.len() >= 3,
        "unlabeled set mixes painters: {painters:?}"
    );
    // Disjoint from the labelled images.
    for i in 0..3 {
        let img = u.render(i).unwrap();
        for k in 0..3 {
            assert_ne!(img, d.render(u.painter_of(i), k).unwrap());
        }
    }
}

#[test]
fn writes_an_image_folder_that_decodes_back() {
    let dir = tempfile::tempdir().unwrap();
    let d = SyntheticPainters::new(3, 4, 32, 5).unwrap();
    let files = d
        .write_image_folder(dir.path(), image::ImageFormat::Png)
        .unwrap();
    assert_eq!(files.len(), 12);
    let expected = dir
        .path()
        .join("synthetic-watercolor")
        .join("synthetic-watercolor_003.png");
    assert!(files.contains(&expected), "{files:?}");
    let back = load_rgb(&expected, &DecodeLimits::default()).unwrap();
    assert_eq!(back, d.render(2, 3).unwrap(), "PNG is lossless");
    // No temporary files are left behind.
    for entry in std::fs::read_dir(dir.path().join("synthetic-watercolor")).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        assert!(name.ends_with(".png"), "{name}");
    }
    let u = d.unlabeled(5, 1).unwrap();
    let ufiles = u
        .write_folder(&dir.path().join("unlabeled"), image::ImageFormat::Png)
        .unwrap();
    assert_eq!(ufiles.len(), 5);
    assert!(matches!(
        d.write_image_folder(dir.path(), image::ImageFormat::Ico),
        Err(DatasetError::Synthetic(SyntheticError::Format(_)))
    ));
}

/// What [`features`] describes.
#[derive(Clone, Copy)]
enum Describe {
    /// The mean of each channel (what a painting's colours amount to).
    Colour,
    /// The mean and standard deviation of each channel, plus the mean absolute luminance
    /// differences between neighbours in four directions at steps of 1 and 2 pixels (texture,
    /// stroke direction and scale).
    ColourAndTexture,
    /// Only the luminance differences and the luminance's standard deviation (the hand alone).
    Texture,
}

/// Simple per-image features (see [`Describe`]).
fn features(img: &image::RgbImage, describe: Describe) -> Vec<f64> {
    let n = f64::from(img.width() * img.height());
    let mut mean = [0.0f64; 3];
    let mut sq = [0.0f64; 3];
    for p in img.pixels() {
        for c in 0..3 {
            let v = f64::from(p.0[c]);
            mean[c] += v;
            sq[c] += v * v;
        }
    }
    let mut f = Vec::new();
    if !matches!(describe, Describe::Texture) {
        for c in 0..3 {
            let m = mean[c] / n;
            f.push(m);
            if matches!(describe, Describe::ColourAndTexture) {
                f.push((sq[c] / n - m * m).max(0.0).sqrt());
            }
        }
    }
    if matches!(describe, Describe::Colour) {
        return f;
    }
    let lum = |x: u32, y: u32| {
        let p = img.get_pixel(x, y).0;
        0.299 * f64::from(p[0]) + 0.587 * f64::from(p[1]) + 0.114 * f64::from(p[2])
    };
    if matches!(describe, Describe::Texture) {
        let values: Vec<f64> = img.enumerate_pixels().map(|(x, y, _)| lum(x, y)).collect();
        let m = values.iter().sum::<f64>() / n;
        f.push((values.iter().map(|v| (v - m).powi(2)).sum::<f64>() / n).sqrt());
    }
    for step in [1, 2] {
        let (mut h, mut v, mut d1, mut d2) = (0.0, 0.0, 0.0, 0.0);
        for y in 0..img.height() - step {
            for x in 0..img.width() - step {
                let l = lum(x, y);
                h += (lum(x + step, y) - l).abs();
                v += (lum(x, y + step) - l).abs();
                d1 += (lum(x + step, y + step) - l).abs();
                d2 += (lum(x, y + step) - lum(x + step, y)).abs();
            }
        }
        for t in [h, v, d1, d2] {
            f.push(t / n * 4.0);
        }
    }
    f
}

/// Nearest-centroid accuracy with standardized features: centroids from images `0..train`, tested
/// on `train..per`.
fn nearest_centroid_accuracy(d: &SyntheticPainters, train: usize, describe: Describe) -> f64 {
    let (k, per) = (d.painters(), d.per_painter());
    let feats: Vec<Vec<Vec<f64>>> = (0..k)
        .map(|p| {
            (0..per)
                .map(|i| features(&d.render(p, i).unwrap(), describe))
                .collect()
        })
        .collect();
    let dim = feats[0][0].len();
    // Per-feature scale from the training set.
    let mut mu = vec![0.0; dim];
    let mut sd = vec![0.0; dim];
    let ntrain = (k * train) as f64;
    for class in &feats {
        for f in &class[..train] {
            for j in 0..dim {
                mu[j] += f[j] / ntrain;
            }
        }
    }
    for class in &feats {
        for f in &class[..train] {
            for j in 0..dim {
                sd[j] += (f[j] - mu[j]).powi(2) / ntrain;
            }
        }
    }
    let sd: Vec<f64> = sd.iter().map(|v| v.sqrt().max(1e-9)).collect();
    let z = |f: &Vec<f64>| -> Vec<f64> { (0..dim).map(|j| (f[j] - mu[j]) / sd[j]).collect() };
    let centroids: Vec<Vec<f64>> = feats
        .iter()
        .map(|class| {
            let mut c = vec![0.0; dim];
            for f in &class[..train] {
                for (cj, zj) in c.iter_mut().zip(z(f)) {
                    *cj += zj / train as f64;
                }
            }
            c
        })
        .collect();
    let (mut right, mut total) = (0usize, 0usize);
    for (label, class) in feats.iter().enumerate() {
        for f in &class[train..] {
            let zf = z(f);
            let best = centroids
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    let d: f64 = c.iter().zip(&zf).map(|(a, b)| (a - b).powi(2)).sum();
                    (i, d)
                })
                .min_by(|a, b| a.1.total_cmp(&b.1))
                .map(|(i, _)| i)
                .unwrap();
            right += usize::from(best == label);
            total += 1;
        }
    }
    right as f64 / total as f64
}

#[test]
fn painters_differ_in_their_hand_not_in_their_colours() {
    let d = SyntheticPainters::new(8, 40, 64, 2024).unwrap();
    let chance = 1.0 / 8.0;
    let colour = nearest_centroid_accuracy(&d, 20, Describe::Colour);
    let texture = nearest_centroid_accuracy(&d, 20, Describe::Texture);
    let both = nearest_centroid_accuracy(&d, 20, Describe::ColourAndTexture);
    eprintln!(
        "nearest centroid on 8 synthetic painters: mean colour {colour:.3}, texture {texture:.3}, \
         colour + texture statistics {both:.3} (chance {chance:.3})"
    );
    // Every painting draws its colours from one shared pool: the mean colour says little.
    assert!(
        colour < 2.0 * chance,
        "the mean colour alone must carry little about the painter: {colour}"
    );
    // The hand does: simple texture statistics alone are far above chance and the colours.
    assert!(
        texture > 3.0 * chance && texture > colour + 0.25,
        "texture statistics should tell the painters apart: {texture} (colour {colour})"
    );
    assert!(
        both > 3.0 * chance,
        "simple statistics should be well above chance: {both}"
    );
    // Not degenerate: images of one painter vary (pixel-wise standard deviation across images).
    for p in 0..8 {
        let a = d.render(p, 0).unwrap();
        let b = d.render(p, 1).unwrap();
        let diff: f64 = a
            .as_raw()
            .iter()
            .zip(b.as_raw())
            .map(|(x, y)| (f64::from(*x) - f64::from(*y)).abs())
            .sum::<f64>()
            / a.as_raw().len() as f64;
        assert!(diff > 8.0, "painter {p}: images too similar ({diff:.1})");
        // And each image has structure (not a flat colour).
        let f = features(&a, Describe::ColourAndTexture);
        assert!(
            f[1] + f[3] + f[5] > 6.0,
            "painter {p}: image is nearly flat"
        );
    }
}

#[test]
fn renders_quickly_at_128() {
    let d = SyntheticPainters::new(8, 2, 128, 3).unwrap();
    let t = std::time::Instant::now();
    for p in 0..8 {
        d.render(p, 0).unwrap();
    }
    let per = t.elapsed().as_secs_f64() / 8.0;
    eprintln!(
        "rendering a 128 px synthetic painting takes {:.2} ms",
        per * 1e3
    );
    // Generous bound for unoptimized test builds on a loaded machine.
    assert!(per < 0.25, "{per} s per image");
}

/// Writes a preview grid (8 painters x 6 images) when `DEEP_PAINTER_PREVIEW_DIR` is set.
#[test]
fn preview_grid_when_asked() {
    let Some(dir) = std::env::var_os("DEEP_PAINTER_PREVIEW_DIR") else {
        eprintln!("DEEP_PAINTER_PREVIEW_DIR not set: no preview written");
        return;
    };
    let d = SyntheticPainters::new(8, 6, 128, 1).unwrap();
    let rows: Vec<Vec<image::RgbImage>> = (0..8)
        .map(|p| (0..6).map(|k| d.render(p, k).unwrap()).collect())
        .collect();
    let grid = painter_data::image_grid(&rows, 4);
    let path = std::path::Path::new(&dir).join("synthetic_preview.png");
    grid.save(&path).unwrap();
    eprintln!("preview written to {}", path.display());
}

#[test]
fn tiny_and_odd_sizes_render() {
    for size in [8, 9, 13, 31] {
        let d = SyntheticPainters::new(8, 1, size, 77).unwrap();
        for p in 0..8 {
            let img = d.render(p, 0).unwrap();
            assert_eq!(img.dimensions(), (size, size));
        }
    }
}
