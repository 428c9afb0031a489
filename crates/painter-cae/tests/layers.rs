//! The layers and the typed values between them: `MaxPool2d` and `MaxUnpool2d` bound to its
//! switches, the encoder's stages (every activation through the ReLU or a leaky ReLU, checked
//! against an independent composition of Candle's own ops), the latent the encoder gives the
//! decoder, and the decoder bound to a latent's switches as a `Module`.

use candle_core::{DType, Device, Module, Tensor};
use candle_nn::{VarBuilder, VarMap};
use painter_cae::{
    Cae, CaeConfig, CaeError, Encoder, MaxPool2d, MaxUnpool2d, StageActivation, Upsampling,
};
use painter_data::ImageBatch;

fn small(image_size: usize) -> CaeConfig {
    CaeConfig {
        image_size,
        filters: vec![4, 6],
        kernel_size: 3,
        ..CaeConfig::compact()
    }
}

fn flat(t: &Tensor) -> Vec<f32> {
    t.flatten_all().unwrap().to_vec1().unwrap()
}

fn batch(n: usize, size: usize) -> ImageBatch {
    let x = Tensor::rand(0f32, 1f32, (n, 3, size, size), &Device::Cpu).unwrap();
    ImageBatch::new(x, None).unwrap()
}

#[test]
fn unpooling_is_bound_to_the_switches_of_odd_sizes() {
    let ramp: Vec<f32> = (0..35).map(|i| i as f32).collect();
    let x = Tensor::from_vec(ramp, (1, 1, 5, 7), &Device::Cpu).unwrap();
    let pool = MaxPool2d::new(2, 2);
    assert_eq!(pool.output_size(5, 7), (2, 3));
    assert_eq!(pool.output_size(1, 7), (0, 0));
    let (v, sw) = pool.forward_with_switches(&x).unwrap();
    assert_eq!(flat(&v), flat(&pool.forward(&x).unwrap()));
    assert_eq!(v.dims(), &[1, 1, 2, 3]);
    assert_eq!((sw.input_h, sw.input_w), (5, 7));
    assert_eq!(
        sw.indices.flatten_all().unwrap().to_vec1::<u32>().unwrap(),
        [8, 10, 12, 22, 24, 26]
    );
    let unpool = MaxUnpool2d::new(sw);
    let u = flat(&unpool.forward(&v).unwrap());
    assert_eq!(u.len(), 35);
    // Every maximum back at its place, zeros elsewhere.
    for (i, a) in u.iter().enumerate() {
        let kept = [8, 10, 12, 22, 24, 26].contains(&i);
        assert_eq!(*a, if kept { i as f32 } else { 0.0 }, "position {i}");
    }
    // Values of another shape than the switches are refused.
    let wrong = Tensor::zeros((1, 1, 2, 2), DType::F32, &Device::Cpu).unwrap();
    assert!(unpool.forward(&wrong).is_err());
}

/// The stages of the encoder written with Candle's own ops: convolution plus bias, the activation
/// `max(x, slope * x)`, and Candle's max-pooling.
fn candle_stages(vm: &VarMap, x: &Tensor, slope: f64) -> (Vec<Tensor>, Tensor) {
    let w = |n: &str| vm.data().lock().unwrap()[n].as_tensor().clone();
    let mut h = x.clone();
    let mut activations = Vec::new();
    for i in 1..=2 {
        let b = w(&format!("encoder.conv{i}.bias"));
        let z = h
            .conv2d(&w(&format!("encoder.conv{i}.weight")), 1, 1, 1, 1)
            .unwrap()
            .broadcast_add(&b.reshape((1, b.elem_count(), 1, 1)).unwrap())
            .unwrap();
        let a = z.maximum(&(&z * slope).unwrap()).unwrap();
        h = a.max_pool2d(2).unwrap();
        activations.push(a);
    }
    (activations, h)
}

fn assert_close(got: &Tensor, want: &Tensor, what: &str) {
    assert_eq!(got.dims(), want.dims(), "{what}");
    let err = flat(got)
        .iter()
        .zip(flat(want))
        .fold(0f32, |m, (a, b)| m.max((a - b).abs()));
    assert!(err < 1e-5, "{what}: max abs difference {err}");
}

#[test]
fn the_encoder_gives_every_stage_through_the_chosen_activation() {
    let cfg = small(12);
    let vm = VarMap::new();
    let cae = Cae::new_seeded(&cfg, &vm, 4, &Device::Cpu).unwrap();
    let encoder = cae.encoder();
    // Another size than the configured one, with odd sides after the first pooling.
    let x = Tensor::rand(0f32, 1f32, (2, 3, 14, 10), &Device::Cpu).unwrap();
    for slope in [0.0, 0.1, 1.0] {
        let activation = StageActivation::leaky_relu(slope).unwrap();
        let stages = encoder.encode_stages(&x, activation).unwrap();
        let (want, latent) = candle_stages(&vm, &x, slope);
        assert_eq!(stages.activations.len(), 2);
        for (i, (a, w)) in stages.activations.iter().zip(&want).enumerate() {
            assert_close(a, w, &format!("slope {slope}, stage {}", i + 1));
        }
        assert_close(
            &stages.latent.maps,
            &latent,
            &format!("slope {slope}, latent"),
        );
        let sizes: Vec<(usize, usize)> = stages
            .latent
            .switches
            .iter()
            .map(|s| (s.input_h, s.input_w))
            .collect();
        assert_eq!(sizes, [(14, 10), (7, 5)]);
    }
    // Through the ReLU the stages end in the very latent the fused path encodes, switches too.
    let relu = encoder.encode_stages(&x, StageActivation::RELU).unwrap();
    let fused = encoder
        .encode(&ImageBatch::new(x.clone(), None).unwrap())
        .unwrap();
    assert_eq!(flat(&relu.latent.maps), flat(&fused.maps));
    for (a, b) in relu.latent.switches.iter().zip(&fused.switches) {
        assert_eq!(
            a.indices.flatten_all().unwrap().to_vec1::<u32>().unwrap(),
            b.indices.flatten_all().unwrap().to_vec1::<u32>().unwrap()
        );
        assert_eq!((a.input_h, a.input_w), (b.input_h, b.input_w));
    }
    assert!(StageActivation::leaky_relu(-0.1).is_err());
    assert!(StageActivation::leaky_relu(f64::NAN).is_err());
}

#[test]
fn inputs_that_do_not_fit_are_refused_with_a_typed_error() {
    let grey = CaeConfig {
        in_channels: 1,
        ..small(12)
    };
    let vm = VarMap::new();
    let encoder = Encoder::new(
        &grey,
        VarBuilder::from_varmap(&vm, DType::F32, &Device::Cpu),
    )
    .unwrap();
    assert!(matches!(
        encoder.encode(&batch(1, 12)),
        Err(CaeError::Input(_))
    ));
    let rgb = Tensor::zeros((1, 3, 12, 12), DType::F32, &Device::Cpu).unwrap();
    assert!(matches!(
        encoder.encode_stages(&rgb, StageActivation::RELU),
        Err(CaeError::Input(_))
    ));
    assert!(encoder.forward(&rgb).is_err());
    // A reconstruction target of another size than the input.
    let cae = Cae::new_seeded(&small(12), &VarMap::new(), 1, &Device::Cpu).unwrap();
    assert!(matches!(
        cae.mse(&batch(1, 12), &batch(1, 16)),
        Err(CaeError::Input(_))
    ));
}

#[test]
fn the_decoder_bound_to_a_latents_switches_is_a_module() {
    for upsampling in [Upsampling::MaxUnpool, Upsampling::Nearest] {
        let cfg = CaeConfig {
            upsampling,
            ..small(13)
        };
        let cae = Cae::new_seeded(&cfg, &VarMap::new(), 2, &Device::Cpu).unwrap();
        let images = batch(2, 13);
        let latent = cae.encode(&images).unwrap();
        let bound = cae.decoder().bind(&latent.switches).unwrap();
        let y = bound.forward(&latent.maps).unwrap();
        assert_eq!(y.dims(), &[2, 3, 13, 13], "{upsampling:?}");
        assert_eq!(flat(&y), flat(&cae.forward(images.images()).unwrap()));
        assert_eq!(flat(&y), flat(&cae.decoder().decode(&latent).unwrap()));
        // The reconstruction for pixels is the same, clamped to [0, 1].
        let clamped = flat(&y.clamp(0f32, 1f32).unwrap());
        assert_eq!(clamped, flat(&cae.reconstruct(&images).unwrap()));
        // Switches of another depth do not bind.
        assert!(matches!(
            cae.decoder().bind(&latent.switches[..1]),
            Err(CaeError::Input(_))
        ));
    }
}
