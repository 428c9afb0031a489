//! The autoencoder: presets, validation, variable names, shapes (including odd sizes), tied weights,
//! the upsampling ablation, a forward pass checked against an independent composition of Candle's
//! own convolutions and the naive pooling definition, and a finite-difference gradient check.

mod common;

use candle_core::{DType, Device, Module, Tensor};
use candle_nn::{VarBuilder, VarMap};
use common::copy_varmap;
use painter_cae::{
    init_parameters, Cae, CaeConfig, CaeError, DecoderWeights, Encoder, OutputActivation,
    Upsampling,
};
use painter_data::ImageBatch;

fn small(image_size: usize) -> CaeConfig {
    CaeConfig {
        image_size,
        filters: vec![4, 6],
        ..CaeConfig::compact()
    }
}

fn names(vm: &VarMap) -> Vec<String> {
    let mut v: Vec<String> = vm.data().lock().unwrap().keys().cloned().collect();
    v.sort();
    v
}

#[test]
fn presets_have_the_papers_shapes() {
    let paper = CaeConfig::paper();
    assert_eq!(
        (
            paper.image_size,
            paper.in_channels,
            paper.kernel_size,
            paper.pool
        ),
        (256, 3, 5, 2)
    );
    assert_eq!(paper.filters, [100, 200]);
    assert_eq!(paper.latent_shape(), (200, 64, 64));
    assert_eq!(paper.padding(), 2);
    let compact = CaeConfig::compact();
    assert_eq!(compact.image_size, 128);
    assert_eq!(compact.filters, [32, 64]);
    assert_eq!(compact.latent_shape(), (64, 32, 32));
    assert!(paper.validate().is_ok() && compact.validate().is_ok());
    // 3*100*25 + 100 + 100*200*25 + 200, twice the weights (learned decoder) plus decoder biases 100 + 3.
    let enc = 3 * 100 * 25 + 100 + 100 * 200 * 25 + 200;
    let dec = 3 * 100 * 25 + 3 + 100 * 200 * 25 + 100;
    assert_eq!(paper.parameter_count(), enc + dec);
    assert_eq!(CaeConfig::preset("paper").unwrap(), paper);
    assert!(CaeConfig::preset("huge").is_err());
}

#[test]
fn invalid_configs_are_refused_with_a_typed_error() {
    type Change = fn(&mut CaeConfig);
    let cases: [(&str, Change); 8] = [
        ("even kernel", |c| c.kernel_size = 4),
        ("zero kernel", |c| c.kernel_size = 0),
        ("no layers", |c| c.filters = vec![]),
        ("zero filters", |c| c.filters = vec![8, 0]),
        ("zero pool", |c| c.pool = 0),
        ("zero channels", |c| c.in_channels = 0),
        ("too small", |c| c.image_size = 3),
        ("zero size", |c| c.image_size = 0),
    ];
    for (what, change) in cases {
        let mut cfg = CaeConfig::compact();
        change(&mut cfg);
        assert!(
            matches!(cfg.validate(), Err(CaeError::InvalidConfig(_))),
            "{what}"
        );
        let vm = VarMap::new();
        assert!(
            Cae::new(&cfg, VarBuilder::from_varmap(&vm, DType::F32, &Device::Cpu)).is_err(),
            "{what}"
        );
    }
}

#[test]
fn config_json_round_trips_and_fills_defaults() {
    let cfg = CaeConfig {
        decoder_weights: DecoderWeights::Tied,
        upsampling: Upsampling::Nearest,
        output: OutputActivation::Sigmoid,
        ..CaeConfig::paper()
    };
    let text = serde_json::to_string(&cfg).unwrap();
    assert!(
        text.contains("\"tied\"") && text.contains("\"nearest\"") && text.contains("\"sigmoid\"")
    );
    assert_eq!(serde_json::from_str::<CaeConfig>(&text).unwrap(), cfg);
    let minimal = r#"{"image_size":64,"in_channels":3,"filters":[8,16],"kernel_size":3,"pool":2}"#;
    let parsed: CaeConfig = serde_json::from_str(minimal).unwrap();
    assert_eq!(parsed.decoder_weights, DecoderWeights::Learned);
    assert_eq!(parsed.upsampling, Upsampling::MaxUnpool);
    assert_eq!(parsed.output, OutputActivation::Identity);
}

#[test]
fn variables_have_the_documented_names() {
    let cfg = small(16);
    let vm = VarMap::new();
    let _ = Cae::new(&cfg, VarBuilder::from_varmap(&vm, DType::F32, &Device::Cpu)).unwrap();
    assert_eq!(
        names(&vm),
        [
            "decoder.deconv1.bias",
            "decoder.deconv1.weight",
            "decoder.deconv2.bias",
            "decoder.deconv2.weight",
            "encoder.conv1.bias",
            "encoder.conv1.weight",
            "encoder.conv2.bias",
            "encoder.conv2.weight"
        ]
    );
    let dims = |n: &str| vm.data().lock().unwrap()[n].dims().to_vec();
    assert_eq!(dims("encoder.conv1.weight"), [4, 3, 5, 5]);
    assert_eq!(dims("encoder.conv2.weight"), [6, 4, 5, 5]);
    assert_eq!(dims("decoder.deconv2.weight"), [6, 4, 5, 5]);
    assert_eq!(dims("decoder.deconv1.bias"), [3]);

    let tied = CaeConfig {
        decoder_weights: DecoderWeights::Tied,
        ..cfg
    };
    let vm = VarMap::new();
    let cae = Cae::new(
        &tied,
        VarBuilder::from_varmap(&vm, DType::F32, &Device::Cpu),
    )
    .unwrap();
    assert!(!names(&vm)
        .iter()
        .any(|n| n.ends_with("deconv1.weight") || n.ends_with("deconv2.weight")));
    assert_eq!(names(&vm).len(), 6);
    for (d, e) in cae.decoder().layers().iter().zip(cae.encoder().layers()) {
        assert_eq!(
            d.weight.id(),
            e.weight.id(),
            "tied decoder weights are the encoder's tensors"
        );
    }
}

#[test]
fn shapes_hold_for_every_variant_and_odd_sizes() {
    for size in [16, 18, 21] {
        for weights in [DecoderWeights::Learned, DecoderWeights::Tied] {
            for upsampling in [Upsampling::MaxUnpool, Upsampling::Nearest] {
                for output in [OutputActivation::Identity, OutputActivation::Sigmoid] {
                    let cfg = CaeConfig {
                        decoder_weights: weights,
                        upsampling,
                        output,
                        ..small(size)
                    };
                    let vm = VarMap::new();
                    let cae = Cae::new_seeded(&cfg, &vm, 3, &Device::Cpu).unwrap();
                    let x = Tensor::rand(0f32, 1f32, (2, 3, size, size), &Device::Cpu).unwrap();
                    let batch = ImageBatch::new(x.clone(), None).unwrap();
                    let enc = cae.encode(&batch).unwrap();
                    let (c, h, w) = cfg.latent_shape();
                    assert_eq!(enc.maps.dims(), &[2, c, h, w]);
                    assert_eq!(enc.switches.len(), 2);
                    assert_eq!(enc.switches[0].input_h, size);
                    assert_eq!(enc.switches[1].input_h, size / 2);
                    let y = cae.forward(&x).unwrap();
                    assert_eq!(y.dims(), x.dims(), "{cfg:?}");
                    if output == OutputActivation::Sigmoid {
                        let v: Vec<f32> = y.flatten_all().unwrap().to_vec1().unwrap();
                        assert!(v.iter().all(|&a| a > 0.0 && a < 1.0));
                    }
                    // Gradients reach every variable.
                    let grads = cae.mse(&batch, &batch).unwrap().backward().unwrap();
                    for var in vm.all_vars() {
                        assert!(grads.get(var.as_tensor()).is_some(), "{cfg:?}");
                    }
                }
            }
        }
    }
    let cfg = small(16);
    let cae = Cae::new_seeded(&cfg, &VarMap::new(), 3, &Device::Cpu).unwrap();
    let wrong = Tensor::zeros((1, 1, 16, 16), DType::F32, &Device::Cpu).unwrap();
    assert!(cae.forward(&wrong).is_err());
}

#[test]
fn the_encoder_stands_alone_on_the_same_variables() {
    let cfg = small(20);
    let vm = VarMap::new();
    let cae = Cae::new_seeded(&cfg, &vm, 9, &Device::Cpu).unwrap();
    let enc = Encoder::new(&cfg, VarBuilder::from_varmap(&vm, DType::F32, &Device::Cpu)).unwrap();
    let x = Tensor::rand(0f32, 1f32, (3, 3, 20, 20), &Device::Cpu).unwrap();
    let latent = |e: &Encoder| e.forward(&x).unwrap().flatten_all().unwrap();
    let a: Vec<f32> = latent(&enc).to_vec1().unwrap();
    assert_eq!(a, latent(cae.encoder()).to_vec1::<f32>().unwrap());
    assert_eq!(enc.forward(&x).unwrap().dims(), &[3, 6, 5, 5]);
}

#[test]
fn seeded_initialization_is_reproducible_and_bounded() {
    let cfg = small(16);
    let (a, b, c) = (VarMap::new(), VarMap::new(), VarMap::new());
    init_parameters(&cfg, &a, 1, &Device::Cpu).unwrap();
    init_parameters(&cfg, &b, 1, &Device::Cpu).unwrap();
    init_parameters(&cfg, &c, 2, &Device::Cpu).unwrap();
    let get = |m: &VarMap, n: &str| -> Vec<f32> {
        m.data().lock().unwrap()[n]
            .flatten_all()
            .unwrap()
            .to_vec1()
            .unwrap()
    };
    for spec in cfg.parameter_specs() {
        let va = get(&a, &spec.name);
        assert_eq!(va, get(&b, &spec.name));
        assert_ne!(va, get(&c, &spec.name));
        let bound = 1.0 / (spec.fan_in as f32).sqrt();
        assert!(va.iter().all(|v| v.abs() <= bound));
    }
}

/// Naive max-pooling (first maximum wins) with indices, on `f32`.
fn naive_pool(x: &[f32], planes: usize, h: usize, w: usize) -> (Vec<f32>, Vec<usize>) {
    let (ho, wo) = (h / 2, w / 2);
    let mut v = Vec::new();
    let mut idx = Vec::new();
    for p in 0..planes {
        for oh in 0..ho {
            for ow in 0..wo {
                let first = 2 * oh * w + 2 * ow;
                let mut best = (x[p * h * w + first], first);
                for (dh, dw) in [(0, 1), (1, 0), (1, 1)] {
                    let i = (2 * oh + dh) * w + 2 * ow + dw;
                    if x[p * h * w + i] > best.0 {
                        best = (x[p * h * w + i], i);
                    }
                }
                v.push(best.0);
                idx.push(best.1);
            }
        }
    }
    (v, idx)
}

#[test]
fn forward_matches_an_independent_composition() {
    // The same network built from Candle's own conv2d / conv_transpose2d and a naive pool/unpool.
    let cfg = small(12);
    let vm = VarMap::new();
    let cae = Cae::new_seeded(&cfg, &vm, 4, &Device::Cpu).unwrap();
    let x = Tensor::rand(0f32, 1f32, (2, 3, 12, 12), &Device::Cpu).unwrap();
    let w = |n: &str| vm.data().lock().unwrap()[n].as_tensor().clone();
    let bias = |t: Tensor| t.reshape((1, t.elem_count(), 1, 1)).unwrap();
    let mut h = x.clone();
    let mut switches = Vec::new();
    for i in 1..=2 {
        let a = h
            .conv2d(&w(&format!("encoder.conv{i}.weight")), 2, 1, 1, 1)
            .unwrap()
            .broadcast_add(&bias(w(&format!("encoder.conv{i}.bias"))))
            .unwrap()
            .relu()
            .unwrap();
        let (n, c, hh, ww) = a.dims4().unwrap();
        let flat: Vec<f32> = a.flatten_all().unwrap().to_vec1().unwrap();
        let (v, idx) = naive_pool(&flat, n * c, hh, ww);
        switches.push((idx, hh, ww));
        h = Tensor::from_vec(v, (n, c, hh / 2, ww / 2), &Device::Cpu).unwrap();
    }
    for i in (1..=2).rev() {
        let (idx, hh, ww) = &switches[i - 1];
        let (n, c, ph, pw) = h.dims4().unwrap();
        let vals: Vec<f32> = h.flatten_all().unwrap().to_vec1().unwrap();
        let mut up = vec![0f32; n * c * hh * ww];
        for p in 0..n * c {
            for j in 0..ph * pw {
                up[p * hh * ww + idx[p * ph * pw + j]] = vals[p * ph * pw + j];
            }
        }
        let up = Tensor::from_vec(up, (n, c, *hh, *ww), &Device::Cpu).unwrap();
        h = up
            .conv_transpose2d(&w(&format!("decoder.deconv{i}.weight")), 2, 0, 1, 1)
            .unwrap()
            .broadcast_add(&bias(w(&format!("decoder.deconv{i}.bias"))))
            .unwrap();
        if i > 1 {
            h = h.relu().unwrap();
        }
    }
    let want: Vec<f32> = h.flatten_all().unwrap().to_vec1().unwrap();
    let got: Vec<f32> = cae
        .forward(&x)
        .unwrap()
        .flatten_all()
        .unwrap()
        .to_vec1()
        .unwrap();
    assert_eq!(want.len(), got.len());
    let max_err = want
        .iter()
        .zip(&got)
        .map(|(a, b)| (a - b).abs())
        .fold(0f32, f32::max);
    assert!(max_err < 1e-4, "max abs difference {max_err}");
}

#[test]
fn model_gradient_matches_finite_differences_in_f64() {
    let cfg = CaeConfig {
        filters: vec![2, 3],
        kernel_size: 3,
        ..small(8)
    };
    let vm = VarMap::new();
    init_parameters(&cfg, &vm, 8, &Device::Cpu).unwrap();
    let vm64 = copy_varmap(&vm, |_| true, DType::F64);
    let cae = Cae::new(
        &cfg,
        VarBuilder::from_varmap(&vm64, DType::F64, &Device::Cpu),
    )
    .unwrap();
    let x = Tensor::rand(0f64, 1f64, (2, 3, 8, 8), &Device::Cpu).unwrap();
    let target = Tensor::rand(0f64, 1f64, (2, 3, 8, 8), &Device::Cpu).unwrap();
    // The model in f64 (an `ImageBatch` is f32), so the loss is written out on the tensors.
    let mse = |c: &Cae| {
        (c.forward(&x).unwrap() - &target)
            .unwrap()
            .sqr()
            .unwrap()
            .mean_all()
            .unwrap()
    };
    let loss = |c: &Cae| mse(c).to_scalar::<f64>().unwrap();
    let grads = mse(&cae).backward().unwrap();
    let mut checked = 0;
    for name in [
        "encoder.conv1.weight",
        "encoder.conv2.bias",
        "decoder.deconv2.weight",
        "decoder.deconv1.bias",
    ] {
        let var = vm64.data().lock().unwrap()[name].clone();
        let g: Vec<f64> = grads
            .get(var.as_tensor())
            .unwrap()
            .flatten_all()
            .unwrap()
            .to_vec1()
            .unwrap();
        let orig = var.as_tensor().copy().unwrap();
        let flat: Vec<f64> = orig.flatten_all().unwrap().to_vec1().unwrap();
        for i in (0..flat.len()).step_by((flat.len() / 5).max(1)) {
            let eps = 1e-6;
            let mut p = flat.clone();
            p[i] += eps;
            var.set(&Tensor::from_vec(p, orig.shape(), &Device::Cpu).unwrap())
                .unwrap();
            let lp = loss(&cae);
            let mut m = flat.clone();
            m[i] -= eps;
            var.set(&Tensor::from_vec(m, orig.shape(), &Device::Cpu).unwrap())
                .unwrap();
            let lm = loss(&cae);
            var.set(&orig).unwrap();
            let fd = (lp - lm) / (2.0 * eps);
            assert!(
                (fd - g[i]).abs() < 1e-6 * (1.0 + fd.abs()),
                "{name}[{i}]: grad {} vs fd {fd}",
                g[i]
            );
            checked += 1;
        }
    }
    assert!(checked >= 12);
}
