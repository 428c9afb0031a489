//! Benchmark of the linear probe's feature extraction: [`ChannelStatistics`] (the per-channel mean
//! and standard deviation of every encoder stage's activations and of the latent maps) of batches
//! of patches, as the probe reads 256-px paintings by 128-px patches, on random pixels and a seeded
//! encoder (the speed does not depend on either).
//!
//! ```text
//! cargo run --release --example bench_statistics -- [--patch 128] [--batch 16] [--batches 8]
//!     [--filters 32,64] [--kernel 5] [--slope 0.1] [--scales 1] [--encoders 1]
//! ```
//!
//! Prints one line `bench_statistics: patch=P batch=B filters=F slope=S scales=L encoders=E
//! median_batch_s=X patches_per_s=Y` (the median over `--batches` timed batches after one warm-up).
//!
//! With `--export FILE` it also writes one batch, the encoders' tensors (under the names of
//! [`FeatureExtractor::named_tensors`]: `encoder.conv{i}.weight` / `.bias`, then
//! `ensemble{k}.encoder...`) and the statistics it computed of that batch to a safetensors file
//! (`images`, ..., `statistics`), from which the PyTorch peer `benches/torch_statistics.py
//! --weights FILE` checks that it computes the same numbers; `benches/compare_statistics.sh` runs
//! both.

mod timing;

use anyhow::Result;
use candle_core::{Device, Tensor};
use clap::Parser;
use deep_painter::cae::CaeConfig;
use deep_painter::classify::{ChannelStatistics, FeatureExtractor, PretrainedEncoder};
use std::collections::HashMap;
use std::path::PathBuf;
use timing::median_seconds;

#[derive(Parser, Debug)]
#[command(about = "Times the linear probe's channel statistics on the CPU")]
struct Args {
    /// Side of the square patches, in pixels.
    #[arg(long, default_value_t = 128)]
    patch: usize,
    /// Patches per batch (the probe's batch is 16).
    #[arg(long, default_value_t = 16)]
    batch: usize,
    /// Timed batches (after one warm-up batch).
    #[arg(long, default_value_t = 8)]
    batches: usize,
    /// Filters of each encoder stage.
    #[arg(long, value_delimiter = ',', default_value = "32,64")]
    filters: Vec<usize>,
    /// Side of the convolution kernels.
    #[arg(long, default_value_t = 5)]
    kernel: usize,
    /// Negative slope of the activation the statistics read the encoder through (0: the ReLU).
    #[arg(long, default_value_t = 0.1)]
    slope: f64,
    /// Scales the statistics read each patch at.
    #[arg(long, value_delimiter = ',', default_value = "1")]
    scales: Vec<usize>,
    /// Encoders of the ensemble (seeded 0, 1, ...).
    #[arg(long, default_value_t = 1)]
    encoders: usize,
    /// Also write one batch, the encoders' tensors and their statistics to this safetensors file
    /// (for the PyTorch peer's check).
    #[arg(long)]
    export: Option<PathBuf>,
}

fn main() -> Result<()> {
    let args = Args::parse();
    let device = Device::Cpu;
    let cae = CaeConfig {
        image_size: args.patch,
        filters: args.filters.clone(),
        kernel_size: args.kernel,
        ..CaeConfig::compact()
    };
    cae.validate()?;
    let mut statistics = ChannelStatistics::new(PretrainedEncoder::seeded(&cae, 0, &device)?);
    for seed in 1..args.encoders.max(1) as u64 {
        statistics = statistics.with_encoder(PretrainedEncoder::seeded(&cae, seed, &device)?)?;
    }
    let statistics = statistics
        .with_negative_slope(args.slope)?
        .with_scales(args.scales.clone())?;
    let images = Tensor::rand(0f32, 1f32, (args.batch, 3, args.patch, args.patch), &device)?;
    if let Some(path) = &args.export {
        let mut tensors: HashMap<String, Tensor> = statistics.named_tensors().into_iter().collect();
        tensors.insert("statistics".into(), statistics.compute(&images)?);
        tensors.insert("images".into(), images.clone());
        candle_core::safetensors::save(&tensors, path)?;
    }
    let s = median_seconds(args.batches, || Ok(statistics.compute(&images)?))?;
    let filters: Vec<String> = args.filters.iter().map(usize::to_string).collect();
    let scales: Vec<String> = args.scales.iter().map(usize::to_string).collect();
    println!(
        "bench_statistics: patch={} batch={} filters={} slope={} scales={} encoders={} median_batch_s={s:.4} patches_per_s={:.1}",
        args.patch,
        args.batch,
        filters.join(","),
        args.slope,
        scales.join(","),
        args.encoders.max(1),
        args.batch as f64 / s
    );
    Ok(())
}
