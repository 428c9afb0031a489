//! Descriptor kernels against scikit-image and NumPy on small generated images
//! (`fixtures/texture.json`, made by `fixtures/make_fixtures.py`; see `fixtures/README.md`).

use image::RgbImage;
use painter_handcrafted::{
    co_occurrence, colour_moments, gabor_kernel, gabor_response, offsets, power_spectrum, quantize,
    sobel, srgb_to_lab, uniform_lbp_codes, GaborBank, GaborConfig, GlcmProperties, GreyImage,
};
use serde::Deserialize;

#[derive(Deserialize)]
struct Fixture {
    images: Vec<FixtureImage>,
}

#[derive(Deserialize)]
struct FixtureImage {
    height: usize,
    width: usize,
    rgb: Vec<u8>,
    grey: Vec<f64>,
    lab: Vec<f64>,
    gabor: Vec<GaborResponse>,
    lbp: Vec<LbpCodes>,
    sobel_rows: Vec<f64>,
    sobel_cols: Vec<f64>,
    glcm_levels: usize,
    glcm_quantized: Vec<u8>,
    glcm: Vec<Glcm>,
    power: Vec<f64>,
}

#[derive(Deserialize)]
struct GaborResponse {
    frequency: f64,
    theta: f64,
    real: Vec<f64>,
    imag: Vec<f64>,
}

#[derive(Deserialize)]
struct LbpCodes {
    points: usize,
    radius: f64,
    codes: Vec<f64>,
}

#[derive(Deserialize)]
struct Glcm {
    distance: usize,
    angle: f64,
    matrix: Vec<f64>,
    contrast: f64,
    homogeneity: f64,
    energy: f64,
    correlation: f64,
}

fn fixture() -> Fixture {
    let text = include_str!("fixtures/texture.json");
    serde_json::from_str(text).expect("fixtures/texture.json parses")
}

fn rgb(image: &FixtureImage) -> RgbImage {
    RgbImage::from_raw(image.width as u32, image.height as u32, image.rgb.clone())
        .expect("rgb has width * height * 3 values")
}

fn assert_close(what: &str, got: &[f64], want: &[f64], tolerance: f64) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(
            (g - w).abs() <= tolerance * (1.0 + w.abs()),
            "{what}[{i}]: got {g}, scikit-image {w}"
        );
    }
}

#[test]
fn grey_levels_match_rgb2gray() {
    for image in fixture().images {
        let grey = GreyImage::from_rgb(&rgb(&image));
        assert_close("grey", grey.values(), &image.grey, 1e-12);
    }
}

#[test]
fn lab_matches_rgb2lab_and_moments_follow() {
    for image in fixture().images {
        let lab: Vec<f64> = image
            .rgb
            .chunks(3)
            .flat_map(|p| srgb_to_lab([p[0], p[1], p[2]]))
            .collect();
        assert_close("lab", &lab, &image.lab, 1e-10);
        // The moments of the reference Lab values, computed the obvious way.
        let moments = colour_moments(&rgb(&image));
        for c in 0..3 {
            let v: Vec<f64> = image.lab.iter().skip(c).step_by(3).copied().collect();
            let n = v.len() as f64;
            let mean = v.iter().sum::<f64>() / n;
            let m2 = v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n;
            let m3 = v.iter().map(|x| (x - mean).powi(3)).sum::<f64>() / n;
            let want = [mean, m2.sqrt(), m3 / m2.powf(1.5)];
            assert_close("colour moments", &moments[3 * c..3 * c + 3], &want, 1e-9);
        }
    }
}

#[test]
fn gabor_responses_match_filters_gabor() {
    for image in fixture().images {
        let grey = GreyImage::from_values(image.width, image.height, image.grey.clone()).unwrap();
        for response in &image.gabor {
            let kernel = gabor_kernel(response.frequency, response.theta, 1.0);
            let got = gabor_response(&grey, &kernel);
            let real: Vec<f64> = got.iter().map(|v| v.re).collect();
            let imag: Vec<f64> = got.iter().map(|v| v.im).collect();
            let what = format!("gabor f={} theta={}", response.frequency, response.theta);
            assert_close(&format!("{what} real"), &real, &response.real, 1e-9);
            assert_close(&format!("{what} imag"), &imag, &response.imag, 1e-9);
        }
    }
}

#[test]
fn a_bank_is_its_kernels_and_its_energy_their_magnitude_statistics() {
    let image = &fixture().images[0];
    let grey = GreyImage::from_values(image.width, image.height, image.grey.clone()).unwrap();
    let config = GaborConfig {
        frequencies: vec![0.1, 0.3],
        orientations: 3,
        bandwidth: 1.0,
    };
    let bank = GaborBank::new(&config).unwrap();
    let responses = bank.responses(&grey);
    let energy = bank.energy(&grey);
    assert_eq!(energy.len(), config.len());
    let mut k = 0;
    for f in [0.1, 0.3] {
        for o in 0..3 {
            let theta = o as f64 * std::f64::consts::PI / 3.0;
            let single = gabor_response(&grey, &gabor_kernel(f, theta, 1.0));
            let a: Vec<f64> = responses[k].iter().flat_map(|v| [v.re, v.im]).collect();
            let b: Vec<f64> = single.iter().flat_map(|v| [v.re, v.im]).collect();
            assert_close("bank vs single kernel", &a, &b, 1e-12);
            let magnitude: Vec<f64> = single.iter().map(|v| v.norm()).collect();
            let n = magnitude.len() as f64;
            let mean = magnitude.iter().sum::<f64>() / n;
            let std = (magnitude.iter().map(|m| (m - mean).powi(2)).sum::<f64>() / n).sqrt();
            assert_close("energy", &energy[2 * k..2 * k + 2], &[mean, std], 1e-12);
            k += 1;
        }
    }
}

#[test]
fn lbp_codes_match_local_binary_pattern() {
    for image in fixture().images {
        let scaled: Vec<f64> = image.grey.iter().map(|v| v * 255.0).collect();
        let plane = GreyImage::from_values(image.width, image.height, scaled).unwrap();
        for lbp in &image.lbp {
            let got: Vec<f64> = uniform_lbp_codes(&plane, lbp.points, lbp.radius)
                .into_iter()
                .map(f64::from)
                .collect();
            assert_eq!(got, lbp.codes, "P={} R={}", lbp.points, lbp.radius);
        }
    }
}

#[test]
fn co_occurrence_matches_graycomatrix_and_graycoprops() {
    for image in fixture().images {
        let grey = GreyImage::from_values(image.width, image.height, image.grey.clone()).unwrap();
        let levels = image.glcm_levels;
        let quantized = quantize(&grey, levels);
        assert_eq!(quantized, image.glcm_quantized);
        for d in [1, 2] {
            let references: Vec<&Glcm> = image.glcm.iter().filter(|g| g.distance == d).collect();
            assert_eq!(references.len(), 4);
            for (offset, reference) in offsets(d).into_iter().zip(references) {
                let m = co_occurrence(&quantized, image.width, image.height, levels, offset);
                let what = format!("glcm d={d} angle={}", reference.angle);
                assert_close(&what, &m, &reference.matrix, 1e-12);
                let p = GlcmProperties::of(&m, levels);
                assert_close(
                    &what,
                    &[p.contrast, p.homogeneity, p.energy, p.correlation],
                    &[
                        reference.contrast,
                        reference.homogeneity,
                        reference.energy,
                        reference.correlation,
                    ],
                    1e-10,
                );
            }
        }
    }
}

#[test]
fn sobel_matches_sobel_h_and_sobel_v() {
    for image in fixture().images {
        let grey = GreyImage::from_values(image.width, image.height, image.grey.clone()).unwrap();
        let (rows, cols) = sobel(&grey);
        assert_close("sobel_h", &rows, &image.sobel_rows, 1e-12);
        assert_close("sobel_v", &cols, &image.sobel_cols, 1e-12);
    }
}

#[test]
fn power_spectrum_matches_numpy_fft2() {
    for image in fixture().images {
        let grey = GreyImage::from_values(image.width, image.height, image.grey.clone()).unwrap();
        let scale = image.power.iter().cloned().fold(0.0, f64::max);
        let got: Vec<f64> = power_spectrum(&grey).iter().map(|p| p / scale).collect();
        let want: Vec<f64> = image.power.iter().map(|p| p / scale).collect();
        assert_close("power", &got, &want, 1e-10);
    }
}
