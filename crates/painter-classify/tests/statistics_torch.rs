//! [`ChannelStatistics`] against PyTorch: the statistics of two seeded encoders (4 and 8 filters of
//! 5 x 5, read through a leaky ReLU of slope 0.1) of two random 16 x 16 images, computed by
//! `benches/torch_statistics.py --make-fixture` (its docs say how the committed fixture was made)
//! with `conv2d`, `leaky_relu`, `max_pool2d` and `std_mean(correction=0)`.

use candle_core::{Device, Tensor};
use painter_cae::CaeConfig;
use painter_classify::{ChannelStatistics, PretrainedEncoder};
use std::collections::HashMap;

const FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/statistics_torch.safetensors"
);

#[test]
fn statistics_match_pytorch() {
    let device = Device::Cpu;
    let tensors: HashMap<String, Tensor> =
        candle_core::safetensors::load(FIXTURE, &device).unwrap();
    let cae = CaeConfig {
        kernel_size: 5,
        ..CaeConfig::tiny(16)
    };
    let encoder = |prefix: &str| {
        PretrainedEncoder::from_tensors(
            &cae,
            |name| tensors.get(&format!("{prefix}{name}")).cloned(),
            &device,
        )
        .unwrap()
    };
    let statistics = ChannelStatistics::new(encoder(""))
        .with_encoder(encoder("ensemble2."))
        .unwrap()
        .with_negative_slope(0.1)
        .unwrap();
    let got = statistics.compute(&tensors["images"]).unwrap();
    let want = &tensors["statistics"];
    assert_eq!(got.dims(), want.dims());
    assert_eq!(got.dims(), &[2, statistics.dim()]);
    let got = got.flatten_all().unwrap().to_vec1::<f32>().unwrap();
    let want = want.flatten_all().unwrap().to_vec1::<f32>().unwrap();
    for (i, (g, w)) in got.iter().zip(&want).enumerate() {
        assert!(
            (g - w).abs() <= 1e-5 * (1.0 + w.abs()),
            "statistic {i}: ours {g}, PyTorch {w}"
        );
    }
    // Not a degenerate case: some means are negative, which only the leaky ReLU's negative
    // responses can give.
    assert!(
        want.iter().any(|&w| w < 0.0),
        "some leaky means are negative"
    );
}
