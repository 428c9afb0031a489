//! Shared helpers of the integration tests: a tiny encoder and small synthetic datasets.
#![allow(dead_code)]

use candle_core::Device;
use painter_cae::CaeConfig;
use painter_classify::{
    CacheConfig, HeadConfig, PainterClassifier, PretrainedEncoder, TrainConfig,
};
use painter_data::SyntheticPainters;

/// A tiny CAE ([`CaeConfig::tiny`]): 3x3 kernels, 4 and 8 filters, 2x2 pooling.
pub fn tiny_cae(image_size: usize) -> CaeConfig {
    CaeConfig::tiny(image_size)
}

/// 3 synthetic painters x `per` images of 32 px.
pub fn synthetic(per: usize) -> SyntheticPainters {
    SyntheticPainters::new(3, per, 32, 11).expect("synthetic painters")
}

/// A classifier with a small flatten head (hidden 16, 8) on a seeded random tiny encoder.
pub fn tiny_model(flatten: bool) -> PainterClassifier<PretrainedEncoder> {
    let dev = Device::Cpu;
    let cfg = tiny_cae(32);
    let encoder = PretrainedEncoder::seeded(&cfg, 5, &dev).expect("encoder");
    let shape = cfg.latent_shape();
    let head = if flatten {
        HeadConfig::paper(shape, 3)
    } else {
        HeadConfig::pooled(shape, 3)
    }
    .with_hidden(vec![16, 8])
    .with_dropout(0.1);
    let names = synthetic(1).class_names_vec();
    PainterClassifier::on_encoder(encoder, &head, names, 3, &dev).expect("model")
}

/// A short training configuration without validation or early stopping.
pub fn quick_config(epochs: usize) -> TrainConfig {
    TrainConfig {
        epochs,
        batch_size: 8,
        early_stopping: None,
        validation_fraction: 0.0,
        cache: CacheConfig::Memory { half: false },
        ..TrainConfig::default()
    }
}

/// Class names of a dataset as owned strings.
pub trait ClassNames {
    /// The names.
    fn class_names_vec(&self) -> Vec<String>;
}

impl<D: painter_data::Dataset> ClassNames for D {
    fn class_names_vec(&self) -> Vec<String> {
        self.class_names().to_vec()
    }
}

/// Every variable's values, by name.
pub fn values(named: Vec<(String, candle_core::Tensor)>) -> Vec<(String, Vec<f32>)> {
    named
        .into_iter()
        .map(|(n, t)| {
            let v = t
                .flatten_all()
                .and_then(|t| t.to_vec1::<f32>())
                .expect("values");
            (n, v)
        })
        .collect()
}
