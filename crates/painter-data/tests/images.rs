//! Decoding (every format, orientation, colour types, limits, corrupt input), standardization
//! (odd shapes, padding, resampling against an independent naive Lanczos3), tensor conversions, and
//! a smoke test on the shared real paintings when present.

use image::{DynamicImage, ImageFormat, Rgb, RgbImage};
use painter_data::decode::{decode_rgb, is_image_extension, load_rgb, DecodeError, DecodeLimits};
use painter_data::standardize::{fit_within, resize_lanczos, standardize, StandardizeMethod};
use painter_data::tensor::{
    chw_to_image, image_grid, image_to_chw, image_to_tensor, tensor_to_image, Normalization,
    TensorError,
};
use std::io::Cursor;
use std::path::Path;

fn encode(img: &DynamicImage, format: ImageFormat) -> Vec<u8> {
    let mut bytes = Vec::new();
    img.write_to(&mut Cursor::new(&mut bytes), format).unwrap();
    bytes
}

/// A colourful test image with smooth gradients.
fn gradient(w: u32, h: u32) -> RgbImage {
    RgbImage::from_fn(w, h, |x, y| {
        Rgb([
            (x * 255 / w.max(2).saturating_sub(1).max(1)).min(255) as u8,
            (y * 255 / h.max(2).saturating_sub(1).max(1)).min(255) as u8,
            ((x + y) * 3 % 256) as u8,
        ])
    })
}

/// Four flat quadrants (JPEG-friendly): TL red, TR green, BL blue, BR white.
fn quadrants(w: u32, h: u32) -> RgbImage {
    RgbImage::from_fn(w, h, |x, y| match (x < w / 2, y < h / 2) {
        (true, true) => Rgb([220, 20, 20]),
        (false, true) => Rgb([20, 200, 20]),
        (true, false) => Rgb([20, 20, 220]),
        (false, false) => Rgb([240, 240, 240]),
    })
}

fn mean_abs_diff(a: &RgbImage, b: &RgbImage) -> f64 {
    assert_eq!(a.dimensions(), b.dimensions());
    a.as_raw()
        .iter()
        .zip(b.as_raw())
        .map(|(x, y)| (f64::from(*x) - f64::from(*y)).abs())
        .sum::<f64>()
        / a.as_raw().len() as f64
}

fn close(p: [u8; 3], q: [u8; 3], tol: i32) -> bool {
    p.iter()
        .zip(q.iter())
        .all(|(a, b)| (i32::from(*a) - i32::from(*b)).abs() <= tol)
}

// ---------------------------------------------------------------- decoding

#[test]
fn every_format_round_trips() {
    let limits = DecodeLimits::default();
    let img = gradient(37, 23);
    let dir = tempfile::tempdir().unwrap();
    for (format, exact) in [
        (ImageFormat::Png, true),
        (ImageFormat::Tiff, true),
        (ImageFormat::Bmp, true),
        (ImageFormat::WebP, true), // the image crate's WebP encoder is lossless
        (ImageFormat::Jpeg, false),
    ] {
        let bytes = encode(&DynamicImage::ImageRgb8(img.clone()), format);
        let path = dir.path().join(format!("x.{}", format.extensions_str()[0]));
        std::fs::write(&path, &bytes).unwrap();
        let back = load_rgb(&path, &limits).unwrap();
        assert_eq!(back.dimensions(), (37, 23), "{format:?}");
        if exact {
            assert_eq!(back, img, "{format:?} must be lossless");
        } else {
            let d = mean_abs_diff(&back, &img);
            assert!(d < 4.0, "{format:?} mean abs diff {d}");
        }
    }
    // GIF: a palette of a few colours survives exactly; the first frame is decoded.
    let few = quadrants(20, 10);
    let bytes = encode(
        &DynamicImage::ImageRgba8(DynamicImage::ImageRgb8(few.clone()).to_rgba8()),
        ImageFormat::Gif,
    );
    let back = decode_rgb(&bytes, &limits).unwrap();
    assert_eq!(back.dimensions(), (20, 10));
    assert!(mean_abs_diff(&back, &few) < 2.0);
}

#[test]
fn format_is_sniffed_not_taken_from_the_extension() {
    let img = gradient(8, 8);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("actually_png.jpg");
    std::fs::write(
        &path,
        encode(&DynamicImage::ImageRgb8(img.clone()), ImageFormat::Png),
    )
    .unwrap();
    assert_eq!(load_rgb(&path, &DecodeLimits::default()).unwrap(), img);
}

/// Builds an EXIF APP1 segment holding only an orientation tag (big-endian TIFF).
fn exif_orientation_segment(orientation: u16) -> Vec<u8> {
    let mut tiff = vec![b'M', b'M', 0, 42, 0, 0, 0, 8]; // header, IFD at offset 8
    tiff.extend_from_slice(&[0, 1]); // one entry
    tiff.extend_from_slice(&[0x01, 0x12, 0, 3, 0, 0, 0, 1]); // Orientation, SHORT, count 1
    tiff.extend_from_slice(&orientation.to_be_bytes());
    tiff.extend_from_slice(&[0, 0]); // padding of the value field
    tiff.extend_from_slice(&[0, 0, 0, 0]); // no next IFD
    let mut payload = b"Exif\0\0".to_vec();
    payload.extend_from_slice(&tiff);
    let len = (payload.len() + 2) as u16;
    let mut seg = vec![0xFF, 0xE1];
    seg.extend_from_slice(&len.to_be_bytes());
    seg.extend_from_slice(&payload);
    seg
}

fn jpeg_with_orientation(img: &RgbImage, orientation: u16) -> Vec<u8> {
    let jpeg = encode(&DynamicImage::ImageRgb8(img.clone()), ImageFormat::Jpeg);
    assert_eq!(&jpeg[..2], &[0xFF, 0xD8]);
    let mut out = jpeg[..2].to_vec();
    out.extend_from_slice(&exif_orientation_segment(orientation));
    out.extend_from_slice(&jpeg[2..]);
    out
}

#[test]
fn exif_orientation_is_honoured() {
    let limits = DecodeLimits::default();
    let img = quadrants(32, 16);
    // Orientation 1: unchanged.
    let plain = decode_rgb(&jpeg_with_orientation(&img, 1), &limits).unwrap();
    assert_eq!(plain.dimensions(), (32, 16));
    // Orientation 6: the stored image must be rotated 90 degrees clockwise for display.
    let rotated = decode_rgb(&jpeg_with_orientation(&img, 6), &limits).unwrap();
    assert_eq!(rotated.dimensions(), (16, 32));
    // Clockwise: stored bottom-left goes to the top-left, stored top-left to the top-right.
    for (x, y, colour, corner) in [
        (4, 8, [20, 20, 220], "top-left is blue"),
        (12, 8, [220, 20, 20], "top-right is red"),
        (4, 24, [240, 240, 240], "bottom-left is white"),
        (12, 24, [20, 200, 20], "bottom-right is green"),
    ] {
        let at = rotated.get_pixel(x, y).0;
        assert!(close(at, colour, 30), "{corner}: {at:?}");
    }
    // Same as rotating the plain decode.
    assert_eq!(rotated, image::imageops::rotate90(&plain));
    // Orientation 3: 180 degrees, dimensions kept.
    let flipped = decode_rgb(&jpeg_with_orientation(&img, 3), &limits).unwrap();
    assert_eq!(flipped, image::imageops::rotate180(&plain));
}

#[test]
fn grayscale_rgba_and_16_bit_become_rgb8() {
    let limits = DecodeLimits::default();
    // Grayscale: replicated.
    let gray = image::GrayImage::from_fn(5, 4, |x, y| image::Luma([(x * 50 + y) as u8]));
    let back = decode_rgb(
        &encode(&DynamicImage::ImageLuma8(gray.clone()), ImageFormat::Png),
        &limits,
    )
    .unwrap();
    for (x, y, p) in back.enumerate_pixels() {
        let v = gray.get_pixel(x, y).0[0];
        assert_eq!(p.0, [v, v, v]);
    }
    // Gray + alpha: alpha dropped.
    let la = image::GrayAlphaImage::from_fn(3, 3, |x, _| image::LumaA([(x * 100) as u8, 0]));
    let back = decode_rgb(
        &encode(&DynamicImage::ImageLumaA8(la), ImageFormat::Png),
        &limits,
    )
    .unwrap();
    assert_eq!(back.get_pixel(2, 1).0, [200, 200, 200]);
    // RGBA: alpha dropped, colour kept even where fully transparent (like Pillow's convert("RGB")).
    let rgba = image::RgbaImage::from_fn(4, 4, |x, y| {
        image::Rgba([10 * x as u8, 20 * y as u8, 77, (x * 80) as u8])
    });
    let back = decode_rgb(
        &encode(&DynamicImage::ImageRgba8(rgba.clone()), ImageFormat::Png),
        &limits,
    )
    .unwrap();
    for (x, y, p) in back.enumerate_pixels() {
        let q = rgba.get_pixel(x, y).0;
        assert_eq!(p.0, [q[0], q[1], q[2]]);
    }
    // 16-bit RGB: scaled to 8 bits (v16 = v8 * 257 maps back exactly; others round).
    let rgb16 = image::ImageBuffer::<Rgb<u16>, Vec<u16>>::from_fn(4, 2, |x, y| {
        Rgb([x as u16 * 257 * 60, y as u16 * 257 * 100, 65535])
    });
    let back = decode_rgb(
        &encode(&DynamicImage::ImageRgb16(rgb16), ImageFormat::Png),
        &limits,
    )
    .unwrap();
    assert_eq!(back.get_pixel(3, 1).0, [180, 100, 255]);
    let mid =
        image::ImageBuffer::<image::Luma<u16>, Vec<u16>>::from_pixel(2, 2, image::Luma([32896]));
    let back = decode_rgb(
        &encode(&DynamicImage::ImageLuma16(mid), ImageFormat::Png),
        &limits,
    )
    .unwrap();
    assert_eq!(back.get_pixel(0, 0).0, [128, 128, 128]);
}

#[test]
fn cmyk_jpeg_becomes_rgb() {
    // Fixture made with Pillow (tests/fixtures/make_cmyk_fixture.py): white, cyan, red, black quadrants.
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/cmyk_16x16.jpg");
    let img = load_rgb(&path, &DecodeLimits::default()).unwrap();
    assert_eq!(img.dimensions(), (16, 16));
    let at = |x, y| img.get_pixel(x, y).0;
    assert!(close(at(4, 4), [255, 255, 255], 12), "{:?}", at(4, 4));
    assert!(close(at(12, 4), [0, 255, 255], 12), "{:?}", at(12, 4));
    assert!(close(at(4, 12), [255, 0, 0], 12), "{:?}", at(4, 12));
    assert!(close(at(12, 12), [0, 0, 0], 12), "{:?}", at(12, 12));
}

#[test]
fn corrupt_input_is_an_error_not_a_panic() {
    let limits = DecodeLimits::default();
    // Zero bytes.
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.jpg");
    std::fs::write(&empty, b"").unwrap();
    assert!(matches!(
        load_rgb(&empty, &limits),
        Err(DecodeError::EmptyFile)
    ));
    assert!(matches!(
        decode_rgb(&[], &limits),
        Err(DecodeError::EmptyFile)
    ));
    // Missing file.
    assert!(matches!(
        load_rgb(&dir.path().join("missing.png"), &limits),
        Err(DecodeError::Io(_))
    ));
    // Not an image.
    assert!(matches!(
        decode_rgb(b"hello, I am a text file", &limits),
        Err(DecodeError::UnknownFormat)
    ));
    // Truncated JPEG, at many cut points (header, tables, entropy-coded data).
    let jpeg = encode(
        &DynamicImage::ImageRgb8(gradient(64, 48)),
        ImageFormat::Jpeg,
    );
    for cut in [3, 20, 100, jpeg.len() / 2, jpeg.len() - 40, jpeg.len() - 2] {
        let r = decode_rgb(&jpeg[..cut], &limits);
        assert!(
            r.is_err(),
            "JPEG truncated to {cut} of {} bytes decoded",
            jpeg.len()
        );
    }
    // Truncated PNG.
    let png = encode(&DynamicImage::ImageRgb8(gradient(64, 48)), ImageFormat::Png);
    for cut in [10, 40, png.len() / 2, png.len() - 13] {
        assert!(
            decode_rgb(&png[..cut], &limits).is_err(),
            "PNG cut at {cut}"
        );
    }
    // Random garbage after a valid magic number.
    let mut garbage = jpeg[..4].to_vec();
    garbage.extend((0..500u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8));
    assert!(decode_rgb(&garbage, &limits).is_err());
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A PNG whose header claims `w x h` RGB8, with one tiny (invalid) IDAT and an IEND.
fn png_claiming(w: u32, h: u32) -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut chunk = |kind: &[u8], data: &[u8]| {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let mut body = kind.to_vec();
        body.extend_from_slice(data);
        out.extend_from_slice(&body);
        out.extend_from_slice(&crc32(&body).to_be_bytes());
    };
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&w.to_be_bytes());
    ihdr.extend_from_slice(&h.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    chunk(b"IHDR", &ihdr);
    chunk(b"IDAT", &[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]);
    chunk(b"IEND", &[]);
    out
}

#[test]
fn decompression_bombs_are_refused_before_allocating() {
    let limits = DecodeLimits::default();
    let bomb = png_claiming(100_000, 100_000);
    assert!(bomb.len() < 100);
    let t = std::time::Instant::now();
    let r = decode_rgb(&bomb, &limits);
    assert!(matches!(r, Err(DecodeError::LimitExceeded { .. })), "{r:?}");
    assert!(
        t.elapsed().as_secs_f64() < 1.0,
        "refused from the header, quickly"
    );
    // Within the dimension limits but over the allocation limit (20000^2 x 3 > 1 GiB).
    let r = decode_rgb(&png_claiming(20_000, 20_000), &limits);
    assert!(matches!(r, Err(DecodeError::LimitExceeded { .. })), "{r:?}");

    // A real, small image over tight limits.
    let img = DynamicImage::ImageRgb8(gradient(300, 200));
    for format in [
        ImageFormat::Png,
        ImageFormat::Jpeg,
        ImageFormat::Gif,
        ImageFormat::Tiff,
    ] {
        let bytes = encode(&img, format);
        let too_wide = DecodeLimits {
            max_width: 299,
            ..DecodeLimits::default()
        };
        let too_big = DecodeLimits {
            max_alloc_bytes: 100_000,
            ..DecodeLimits::default()
        };
        for tight in [too_wide, too_big] {
            let r = decode_rgb(&bytes, &tight);
            assert!(
                matches!(r, Err(DecodeError::LimitExceeded { .. })),
                "{format:?}: {r:?}"
            );
        }
        assert!(decode_rgb(&bytes, &limits).is_ok());
    }
    // File-size limit, checked before reading.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.png");
    std::fs::write(&path, encode(&img, ImageFormat::Png)).unwrap();
    let tight = DecodeLimits {
        max_file_bytes: 100,
        ..DecodeLimits::default()
    };
    assert!(matches!(
        load_rgb(&path, &tight),
        Err(DecodeError::LimitExceeded { .. })
    ));
}

#[test]
fn image_extensions() {
    for name in [
        "a.jpg", "a.JPEG", "b/c.Png", "x.webp", "x.tif", "x.TIFF", "x.bmp", "x.gif",
    ] {
        assert!(is_image_extension(Path::new(name)), "{name}");
    }
    for name in ["a.txt", "jpg", "a.jpg.part", "a", ".png.tmp"] {
        assert!(!is_image_extension(Path::new(name)), "{name}");
    }
}

// ---------------------------------------------------------------- standardization

#[test]
fn method_names_parse_print_and_serialize() {
    for m in StandardizeMethod::ALL {
        assert_eq!(m.to_string().parse::<StandardizeMethod>().unwrap(), m);
        let json = serde_json::to_string(&m).unwrap();
        assert_eq!(json, format!("\"{m}\""));
        assert_eq!(serde_json::from_str::<StandardizeMethod>(&json).unwrap(), m);
    }
    assert_eq!(
        StandardizeMethod::ALL.map(|m| m.as_str()),
        ["pad", "center-crop", "stretch"]
    );
    for alias in ["crop", "Center-Crop", "center_crop", "CenterCrop", "CROP"] {
        assert_eq!(
            alias.parse::<StandardizeMethod>().unwrap(),
            StandardizeMethod::CenterCrop,
            "{alias}"
        );
    }
    assert_eq!(
        "zoom".parse::<StandardizeMethod>().unwrap_err().to_string(),
        "unknown standardization method `zoom` (expected pad, center-crop (crop) or stretch)"
    );
    assert_eq!(StandardizeMethod::default(), StandardizeMethod::Pad);
    assert_eq!(
        serde_json::to_string(&StandardizeMethod::CenterCrop).unwrap(),
        "\"center-crop\""
    );
}

#[test]
fn odd_shapes_for_every_method() {
    const S: u32 = 256;
    let v = [200u8, 100, 50];
    for (w, h) in [(1, 1), (1, 5000), (5000, 1), (3, 2), (255, 257)] {
        let img = RgbImage::from_pixel(w, h, Rgb(v));
        for m in StandardizeMethod::ALL {
            let out = standardize(&img, S, m).unwrap();
            assert_eq!(out.dimensions(), (S, S), "{w}x{h} {m}");
            let (nw, nh) = fit_within(w, h, S);
            let (x0, y0) = ((S - nw) / 2, (S - nh) / 2);
            for (x, y, p) in out.enumerate_pixels() {
                let inside = x >= x0 && x < x0 + nw && y >= y0 && y < y0 + nh;
                if m == StandardizeMethod::Pad && !inside {
                    assert_eq!(
                        p.0,
                        [0, 0, 0],
                        "{w}x{h} pad: padding at ({x},{y}) must be zero"
                    );
                } else {
                    assert!(
                        close(p.0, v, 1),
                        "{w}x{h} {m}: content at ({x},{y}) is {:?}",
                        p.0
                    );
                }
            }
        }
    }
    // A 1 x 5000 padded image is a centred one-pixel-wide vertical line.
    assert_eq!(fit_within(1, 5000, S), (1, S));
    assert_eq!(fit_within(5000, 1, S), (S, 1));
    let line = standardize(
        &RgbImage::from_pixel(1, 5000, Rgb(v)),
        S,
        StandardizeMethod::Pad,
    )
    .unwrap();
    let lit: Vec<u32> = (0..S)
        .filter(|&x| line.get_pixel(x, 100).0 != [0, 0, 0])
        .collect();
    assert_eq!(lit, vec![127]);
    // Errors, not panics.
    assert!(standardize(&RgbImage::new(0, 10), S, StandardizeMethod::Pad).is_err());
    assert!(standardize(&img_1x1(), 0, StandardizeMethod::Stretch).is_err());
}

fn img_1x1() -> RgbImage {
    RgbImage::from_pixel(1, 1, Rgb([1, 2, 3]))
}

#[test]
fn pad_keeps_a_centred_band_and_crop_keeps_the_centre() {
    // 60 x 30, left half red, right half blue: padded to 32 the content is 32 x 16 at rows 8..24.
    let img = RgbImage::from_fn(60, 30, |x, _| {
        if x < 30 {
            Rgb([255, 0, 0])
        } else {
            Rgb([0, 0, 255])
        }
    });
    let out = standardize(&img, 32, StandardizeMethod::Pad).unwrap();
    for y in 0..32 {
        for x in 0..32 {
            let p = out.get_pixel(x, y).0;
            if !(8..24).contains(&y) {
                assert_eq!(p, [0, 0, 0], "({x},{y})");
            } else if x < 12 {
                assert!(close(p, [255, 0, 0], 2), "({x},{y}) {p:?}");
            } else if x > 19 {
                assert!(close(p, [0, 0, 255], 2), "({x},{y}) {p:?}");
            }
        }
    }
    // Center-crop of a 90 x 30 image with a green centre third keeps only the green.
    let img = RgbImage::from_fn(90, 30, |x, _| {
        if (30..60).contains(&x) {
            Rgb([0, 255, 0])
        } else {
            Rgb([255, 0, 255])
        }
    });
    let out = standardize(&img, 30, StandardizeMethod::CenterCrop).unwrap();
    assert!(out.pixels().all(|p| p.0 == [0, 255, 0]));
    // Stretch keeps both sides.
    let out = standardize(&img, 30, StandardizeMethod::Stretch).unwrap();
    assert!(close(out.get_pixel(2, 15).0, [255, 0, 255], 2));
    assert!(close(out.get_pixel(15, 15).0, [0, 255, 0], 2));
}

/// Pillow-style Lanczos3 weights for output pixel `i` of a 1-D resize from `src` to `dst` samples,
/// computed naively in f64: an independent reference for the SIMD resizer.
fn lanczos_weights(src: usize, dst: usize, i: usize) -> Vec<(usize, f64)> {
    let scale = src as f64 / dst as f64;
    let fscale = scale.max(1.0);
    let support = 3.0 * fscale;
    let center = (i as f64 + 0.5) * scale;
    let lo = ((center - support).floor().max(0.0)) as usize;
    let hi = ((center + support).ceil() as usize).min(src);
    let sinc = |x: f64| {
        if x == 0.0 {
            1.0
        } else {
            (std::f64::consts::PI * x).sin() / (std::f64::consts::PI * x)
        }
    };
    let lanczos = |x: f64| {
        if x.abs() < 3.0 {
            sinc(x) * sinc(x / 3.0)
        } else {
            0.0
        }
    };
    let mut w: Vec<(usize, f64)> = (lo..hi)
        .map(|j| (j, lanczos((j as f64 + 0.5 - center) / fscale)))
        .collect();
    let sum: f64 = w.iter().map(|p| p.1).sum();
    for p in &mut w {
        p.1 /= sum;
    }
    w
}

fn naive_lanczos(img: &RgbImage, nw: u32, nh: u32) -> RgbImage {
    let (w, h) = (img.width() as usize, img.height() as usize);
    let (nw_, nh_) = (nw as usize, nh as usize);
    // Vertical pass first (the order fast_image_resize uses for 8-bit images), in f64; like Pillow,
    // the intermediate image is 8-bit: rounded and clamped after the first pass.
    let mut tmp = vec![[0.0f64; 3]; w * nh_];
    for y in 0..nh_ {
        let ws = lanczos_weights(h, nh_, y);
        for x in 0..w {
            let mut acc = [0.0; 3];
            for &(j, wt) in &ws {
                let p = img.get_pixel(x as u32, j as u32).0;
                for c in 0..3 {
                    acc[c] += wt * f64::from(p[c]);
                }
            }
            tmp[y * w + x] = acc.map(|v| v.round().clamp(0.0, 255.0));
        }
    }
    RgbImage::from_fn(nw, nh, |x, y| {
        let ws = lanczos_weights(w, nw_, x as usize);
        let mut acc = [0.0; 3];
        for &(j, wt) in &ws {
            for c in 0..3 {
                acc[c] += wt * tmp[y as usize * w + j][c];
            }
        }
        Rgb(acc.map(|v| v.round().clamp(0.0, 255.0) as u8))
    })
}

#[test]
fn resampling_matches_an_independent_reference() {
    // Constant stays constant, up and down.
    let c = RgbImage::from_pixel(97, 41, Rgb([13, 200, 77]));
    for (w, h) in [(10, 10), (300, 7), (97, 200)] {
        let out = resize_lanczos(&c, w, h).unwrap();
        assert!(out.pixels().all(|p| p.0 == [13, 200, 77]), "{w}x{h}");
    }
    // A linear ramp downsampled 4x matches a box-filter average in the interior.
    let ramp = RgbImage::from_fn(256, 8, |x, _| {
        Rgb([x as u8, (255 - x) as u8, (x / 2) as u8])
    });
    let out = resize_lanczos(&ramp, 64, 2).unwrap();
    for x in 3..61u32 {
        for c in 0..3 {
            let boxed: f64 = (0..4)
                .map(|k| f64::from(ramp.get_pixel(4 * x + k, 0).0[c]))
                .sum::<f64>()
                / 4.0;
            let got = f64::from(out.get_pixel(x, 0).0[c]);
            assert!(
                (got - boxed).abs() <= 1.0,
                "x {x} channel {c}: {got} vs box {boxed}"
            );
        }
    }
    // A textured image, down and up, against a naive f64 Lanczos3.
    let tex = RgbImage::from_fn(120, 90, |x, y| {
        Rgb([
            ((x * 7 + y * 3) % 256) as u8,
            (128.0 + 100.0 * ((x as f64) * 0.3).sin() * ((y as f64) * 0.2).cos()) as u8,
            ((x ^ y) * 2 % 256) as u8,
        ])
    });
    for (w, h) in [(64, 48), (31, 77), (200, 150)] {
        let fast = resize_lanczos(&tex, w, h).unwrap();
        let naive = naive_lanczos(&tex, w, h);
        let max = fast
            .as_raw()
            .iter()
            .zip(naive.as_raw())
            .map(|(a, b)| (i32::from(*a) - i32::from(*b)).abs())
            .max()
            .unwrap();
        let mean = mean_abs_diff(&fast, &naive);
        assert!(
            max <= 2 && mean < 0.5,
            "{w}x{h}: max diff {max}, mean {mean}"
        );
    }
}

// ---------------------------------------------------------------- tensors

#[test]
fn chw_conversion_and_normalization() {
    let img = gradient(5, 3);
    let x = image_to_chw(&img);
    assert_eq!(x.dim(), (3, 3, 5));
    assert_eq!(x[[1, 2, 4]], f32::from(img.get_pixel(4, 2).0[1]) / 255.0);
    assert_eq!(chw_to_image(&x).unwrap(), img);

    let norm = Normalization::new([0.5, 0.25, 0.0], [0.5, 2.0, 1.0]).unwrap();
    let mut y = x.clone();
    norm.apply(&mut y).unwrap();
    let v = x[[1, 1, 1]];
    approx::assert_relative_eq!(y[[1, 1, 1]], (v - 0.25) / 2.0);
    norm.invert(&mut y).unwrap();
    for (a, b) in y.iter().zip(x.iter()) {
        approx::assert_abs_diff_eq!(a, b, epsilon = 1e-6);
    }
    assert!(matches!(
        Normalization::new([0.0; 3], [1.0, 0.0, 1.0]),
        Err(TensorError::InvalidStd { channel: 1, .. })
    ));
    assert!(Normalization::new([f32::NAN, 0.0, 0.0], [1.0; 3]).is_err());
    let bad = Normalization {
        mean: [0.0; 3],
        std: [-1.0, 1.0, 1.0],
    };
    assert!(bad.apply(&mut x.clone()).is_err());
    assert_eq!(Normalization::identity(), Normalization::default());

    // Clamped and rounded on the way back; NaN refused.
    let mut z = x.clone();
    z[[0, 0, 0]] = 1.7;
    z[[1, 0, 0]] = -0.2;
    z[[2, 0, 0]] = 0.5;
    assert_eq!(chw_to_image(&z).unwrap().get_pixel(0, 0).0, [255, 0, 128]);
    z[[2, 0, 0]] = f32::NAN;
    assert!(matches!(chw_to_image(&z), Err(TensorError::NonFinite(_))));
}

#[test]
fn tensor_round_trip_and_grid() {
    let dev = candle_core::Device::Cpu;
    let img = gradient(6, 4);
    let t = image_to_tensor(&img, &dev).unwrap();
    assert_eq!(t.dims(), &[3, 4, 6]);
    assert_eq!(tensor_to_image(&t).unwrap(), img);
    let t4 = t.unsqueeze(0).unwrap();
    assert_eq!(tensor_to_image(&t4).unwrap(), img);
    let t64 = t.to_dtype(candle_core::DType::F64).unwrap();
    assert_eq!(tensor_to_image(&t64).unwrap(), img);
    let wrong = candle_core::Tensor::zeros((2, 3, 4, 6), candle_core::DType::F32, &dev).unwrap();
    assert!(matches!(
        tensor_to_image(&wrong),
        Err(TensorError::Shape { .. })
    ));
    let wrong = candle_core::Tensor::zeros((1, 4, 6), candle_core::DType::F32, &dev).unwrap();
    assert!(tensor_to_image(&wrong).is_err());

    let a = RgbImage::from_pixel(4, 3, Rgb([1, 2, 3]));
    let b = RgbImage::from_pixel(2, 5, Rgb([9, 9, 9]));
    let grid = image_grid(&[vec![a.clone(), b.clone()], vec![b.clone()]], 1);
    // Columns 4 and 2 wide, rows 5 and 5 tall, gaps of 1.
    assert_eq!(grid.dimensions(), (4 + 1 + 2, 5 + 1 + 5));
    assert_eq!(grid.get_pixel(0, 0).0, [1, 2, 3]);
    assert_eq!(grid.get_pixel(5, 0).0, [9, 9, 9]);
    assert_eq!(grid.get_pixel(4, 0).0, [255, 255, 255]);
    assert_eq!(
        grid.get_pixel(0, 4).0,
        [255, 255, 255],
        "below the shorter image"
    );
    assert_eq!(grid.get_pixel(1, 6).0, [9, 9, 9]);
    assert_eq!(image_grid(&[], 3).dimensions(), (0, 0));
}

// ---------------------------------------------------------------- real data

#[test]
fn real_paintings_decode_and_standardize() {
    let Some(root) = painter_data::shared::shared_paintings() else {
        eprintln!("../shared/paintings not present: real-data smoke test skipped (synthetic data is covered above)");
        return;
    };
    let limits = DecodeLimits::default();
    let mut used = 0;
    let mut painters: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    painters.sort();
    for dir in painters.iter().take(4) {
        let mut files: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .filter(|p| is_image_extension(p))
            .collect();
        files.sort();
        for f in files.iter().take(3) {
            let img = load_rgb(f, &limits).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
            assert!(img.width() >= 1 && img.height() >= 1);
            for m in StandardizeMethod::ALL {
                assert_eq!(standardize(&img, 256, m).unwrap().dimensions(), (256, 256));
            }
            used += 1;
        }
    }
    eprintln!(
        "decoded and standardized {used} real paintings from {}",
        root.display()
    );
    assert!(used > 0);
}
