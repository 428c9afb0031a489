//! Descriptor families on images whose answer is known (stripes, ramps, noise), and the checks of
//! their settings.

use image::{Rgb, RgbImage};
use painter_handcrafted::{
    fourier_statistics, glcm_statistics, gradient_statistics, lbp_histograms, Descriptor,
    DescriptorConfig, Feature, FourierConfig, GaborConfig, GlcmConfig, GradientConfig, GreyImage,
    HandcraftedConfig, HandcraftedError, LbpConfig, Scaling,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn plane(width: usize, height: usize, f: impl Fn(usize, usize) -> f64) -> GreyImage {
    let values = (0..height)
        .flat_map(|r| (0..width).map(move |c| (r, c)))
        .map(|(r, c)| f(r, c))
        .collect();
    GreyImage::from_values(width, height, values).unwrap()
}

fn noise(seed: u64, side: usize) -> GreyImage {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let values: Vec<f64> = (0..side * side).map(|_| rng.random::<f64>()).collect();
    GreyImage::from_values(side, side, values).unwrap()
}

#[test]
fn fourier_bands_and_sectors_find_a_grating() {
    let config = FourierConfig::default(); // 6 octave bands, 4 sectors
                                           // Vertical stripes 0.2 cycles per pixel along the columns: band (1/8, 1/4], sector 0.
    let stripes = plane(64, 64, |_, c| {
        0.5 + 0.4 * (2.0 * std::f64::consts::PI * 0.2 * c as f64).cos()
    });
    let v = fourier_statistics(&stripes, &config);
    assert_eq!(v.len(), config.len());
    assert!(v[4] > 0.95, "band shares {:?}", &v[..6]);
    assert!(v[6] > 0.95, "sector shares {:?}", &v[6..10]);
    // The same grating along the rows: sector 2 (90 degrees).
    let rotated = plane(64, 64, |r, _| {
        0.5 + 0.4 * (2.0 * std::f64::consts::PI * 0.2 * r as f64).cos()
    });
    let w = fourier_statistics(&rotated, &config);
    assert!(w[8] > 0.95, "sector shares {:?}", &w[6..10]);
    let shares: f64 = v[..6].iter().sum();
    assert!((shares - 1.0).abs() < 1e-12);
}

#[test]
fn the_spectral_slope_tells_noise_from_smooth_images() {
    let config = FourierConfig::default();
    let white = fourier_statistics(&noise(1, 64), &config);
    let slope_white = white[config.len() - 1];
    assert!(slope_white.abs() < 0.5, "white noise slope {slope_white}");
    // Box-blurred noise loses its high frequencies: a steep fall-off.
    let n = noise(2, 64);
    let blurred = plane(64, 64, |r, c| {
        let mut s = 0.0;
        for dr in -3..=3isize {
            for dc in -3..=3isize {
                s += n.reflected(r as isize + dr, c as isize + dc);
            }
        }
        s / 49.0
    });
    let slope_smooth = fourier_statistics(&blurred, &config)[config.len() - 1];
    assert!(
        slope_smooth > slope_white + 1.5,
        "smooth {slope_smooth} vs white {slope_white}"
    );
}

#[test]
fn gradient_orientations_follow_a_ramp() {
    let config = GradientConfig::default(); // 12 bins, thresholds 0.05, 0.1, 0.2
                                            // Brightening along the columns by 0.01 a pixel: the gradient points along x (bin 0).
    let ramp = plane(20, 20, |_, c| c as f64 * 0.01);
    let v = gradient_statistics(&ramp, &config);
    assert_eq!(v.len(), config.len());
    assert!((v[0] - 1.0).abs() < 1e-12, "{:?}", &v[..12]);
    // Sobel's central difference on a ramp of slope 0.01 gives 0.02 inside, 0.01 on the two
    // border columns (reflected: the border value repeats).
    let mean = (18.0 * 0.02 + 2.0 * 0.01) / 20.0;
    assert!((v[12] - mean).abs() < 1e-12, "mean magnitude {}", v[12]);
    assert_eq!(&v[14..], &[0.0, 0.0, 0.0], "no edge above 0.05");
    // Along the rows: 90 degrees, bin 6 of 12.
    let down = plane(20, 20, |r, _| r as f64 * 0.1);
    let w = gradient_statistics(&down, &config);
    assert!((w[6] - 1.0).abs() < 1e-12, "{:?}", &w[..12]);
    assert!(
        (w[14] - 1.0).abs() < 1e-12,
        "every pixel is an edge at 0.05"
    );
    // A flat image: no orientation, no edge.
    let flat = gradient_statistics(&plane(8, 8, |_, _| 0.3), &config);
    assert!(flat.iter().all(|&x| x == 0.0));
}

#[test]
fn lbp_histograms_and_glcm_statistics_describe_flat_and_busy_textures() {
    let lbp = LbpConfig::default();
    let glcm = GlcmConfig::default();
    let flat = plane(32, 32, |_, _| 0.4);
    let busy = noise(3, 32);
    for image in [&flat, &busy] {
        let h = lbp_histograms(image, &lbp);
        assert_eq!(h.len(), lbp.len());
        let mut start = 0;
        for s in &lbp.scales {
            let sum: f64 = h[start..start + s.points + 2].iter().sum();
            assert!((sum - 1.0).abs() < 1e-12);
            start += s.points + 2;
        }
    }
    // Inside a flat image every neighbour equals the centre: code P (all ones), except near the
    // border where the zero padding gives darker neighbours.
    let h = lbp_histograms(&flat, &lbp);
    assert!(h[8] > 0.8, "uniform code 8 of the flat image: {}", h[8]);
    let g_flat = glcm_statistics(&flat, &glcm);
    let g_busy = glcm_statistics(&busy, &glcm);
    assert_eq!(g_flat.len(), glcm.len());
    // Flat: no contrast, homogeneity and energy 1, correlation 1 by convention.
    assert_eq!(&g_flat[..4], &[0.0, 1.0, 1.0, 1.0]);
    assert!(g_busy[0] > 10.0, "noise contrast {}", g_busy[0]);
    assert!(g_busy[3].abs() < 0.2, "noise correlation {}", g_busy[3]);
}

#[test]
fn a_descriptor_is_its_blocks_and_its_settings_are_checked() {
    let config = DescriptorConfig::all();
    let descriptor = Descriptor::new(config.clone()).unwrap();
    let lengths: Vec<usize> = config.features.iter().map(Feature::len).collect();
    assert_eq!(lengths, vec![512, 9, 48, 54, 12, 17, 11]);
    assert_eq!(descriptor.len(), lengths.iter().sum::<usize>());
    let image = RgbImage::from_fn(40, 30, |x, y| Rgb([(x * 6) as u8, (y * 8) as u8, 100]));
    let values = descriptor.describe(&image).unwrap();
    assert_eq!(values.len(), descriptor.len());
    assert!(values.iter().all(|v| v.is_finite()));
    // Each block holds what its family computes alone.
    for (f, block) in config.features.iter().zip(descriptor.blocks()) {
        let alone = Descriptor::new(DescriptorConfig {
            features: vec![f.clone()],
        })
        .unwrap()
        .describe(&image)
        .unwrap();
        assert_eq!(&values[block.range.clone()], &alone[..], "{}", block.name);
    }
    // Settings survive a round trip through their serialized form.
    let text = serde_json::to_string(&HandcraftedConfig::all_features_svm()).unwrap();
    let back: HandcraftedConfig = serde_json::from_str(&text).unwrap();
    assert_eq!(back, HandcraftedConfig::all_features_svm());

    let setting = |e: HandcraftedError| match e {
        HandcraftedError::InvalidSetting { setting, .. } => setting,
        other => panic!("expected an invalid setting, got {other}"),
    };
    let bad = |features: Vec<Feature>| {
        setting(Descriptor::new(DescriptorConfig { features }).unwrap_err())
    };
    assert_eq!(bad(vec![]), "features");
    assert_eq!(
        bad(vec![Feature::ColourMoments, Feature::ColourMoments]),
        "features"
    );
    assert_eq!(bad(vec![Feature::ColourHistogram { bins: 65 }]), "bins");
    let gabor = |c: GaborConfig| bad(vec![Feature::Gabor(c)]);
    assert_eq!(
        gabor(GaborConfig {
            frequencies: vec![0.6],
            ..Default::default()
        }),
        "gabor.frequencies"
    );
    assert_eq!(
        gabor(GaborConfig {
            orientations: 0,
            ..Default::default()
        }),
        "gabor.orientations"
    );
    assert_eq!(
        gabor(GaborConfig {
            bandwidth: -1.0,
            ..Default::default()
        }),
        "gabor.bandwidth"
    );
    assert_eq!(
        bad(vec![Feature::Glcm(GlcmConfig {
            levels: 1,
            ..Default::default()
        })]),
        "glcm.levels"
    );
    assert_eq!(
        bad(vec![Feature::Fourier(FourierConfig {
            radial_bands: 0,
            ..Default::default()
        })]),
        "fourier.radial_bands"
    );
    assert_eq!(
        bad(vec![Feature::Gradients(GradientConfig {
            edge_thresholds: vec![f64::NAN],
            ..Default::default()
        })]),
        "gradients.edge_thresholds"
    );
    let chi2_standardized = HandcraftedConfig {
        scaling: Scaling::Standard,
        ..HandcraftedConfig::colour_histogram(8, 1, painter_handcrafted::Distance::ChiSquare)
    };
    assert_eq!(
        setting(chi2_standardized.validate().unwrap_err()),
        "scaling"
    );
    let unknown = serde_json::from_str::<DescriptorConfig>(r#"{"features":[{"kind":"sift"}]}"#);
    assert!(unknown.is_err());
}

#[test]
fn kept_blocks_are_the_families_columns() {
    let descriptor = Descriptor::new(DescriptorConfig::all()).unwrap();
    let images = [
        RgbImage::from_fn(24, 20, |x, y| Rgb([(x * 9) as u8, (y * 11) as u8, 30])),
        RgbImage::from_fn(24, 20, |x, y| {
            Rgb([((x + y) * 5) as u8, 200, (x * y) as u8])
        }),
    ];
    let rows = images
        .iter()
        .map(|i| descriptor.describe(i).unwrap())
        .collect();
    let all = painter_handcrafted::Descriptors::from_rows(
        rows,
        vec![0, 1],
        2,
        descriptor.blocks().to_vec(),
    )
    .unwrap();
    let kept = all.keep_blocks(&["fourier", "colour_moments"]).unwrap();
    assert_eq!(kept.dim(), 11 + 9);
    assert_eq!(kept.blocks()[1].range, 11..20);
    for (i, image) in images.iter().enumerate() {
        let fourier = &all.row(i).unwrap()[descriptor.blocks()[6].range.clone()];
        let moments = painter_handcrafted::colour_moments(image);
        assert_eq!(&kept.row(i).unwrap()[..11], fourier);
        assert_eq!(&kept.row(i).unwrap()[11..], &moments[..]);
    }
    assert!(matches!(
        all.keep_blocks(&["sift"]),
        Err(HandcraftedError::InvalidSetting {
            setting: "features",
            ..
        })
    ));
}
