//! The reconstruction error of pretrained autoencoders on the same labelled paintings, which none
//! of them was pretrained on. Each CAE's own validation error comes from its own images, sizes and
//! crops; this puts them side by side on one set, clean inputs, whole paintings.
//!
//! ```text
//! cargo run --release --example reconstruction -- --data ../shared/paintings \
//!     --painters rembrandt,pierre-auguste-renoir,vincent-van-gogh --per-painter 40 --size 256 \
//!     out/cache/cae/<folder>/best [more checkpoint folders]
//! ```
//!
//! Prints one line per autoencoder: `reconstruction: cae=DIR filters=F trained_at=S size=S
//! images=N mse=X seconds=T`.

use anyhow::{bail, Result};
use candle_core::Device;
use clap::Parser;
use deep_painter::cae::{evaluate_mse, load_cae};
use deep_painter::data::{restrict_classes, take_per_class, Dataset, FolderOptions, ImageFolder};
use std::path::PathBuf;
use std::time::Instant;

#[derive(Parser, Debug)]
#[command(about = "Reconstruction error of pretrained autoencoders on the same paintings")]
struct Args {
    /// Checkpoint folders (`config.json` and `model.safetensors`), e.g. a cached CAE's `best/`.
    #[arg(required = true)]
    caes: Vec<PathBuf>,
    /// The labelled paintings, DIR/<painter>/<image>.
    #[arg(long)]
    data: PathBuf,
    /// The painters (class folder names), comma-separated.
    #[arg(long, value_delimiter = ',', required = true)]
    painters: Vec<String>,
    /// Paintings drawn per painter with the seed.
    #[arg(long, default_value_t = 40)]
    per_painter: usize,
    /// The side the paintings are standardized to (every CAE is fully convolutional).
    #[arg(long, default_value_t = 256)]
    size: u32,
    /// The seed of the draw.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Paintings per batch.
    #[arg(long, default_value_t = 4)]
    batch: usize,
}

fn main() -> Result<()> {
    let args = Args::parse();
    if args.painters.is_empty() {
        bail!("--painters names no painter");
    }
    let folder = ImageFolder::open(&args.data, FolderOptions::default().with_size(args.size))?;
    let chosen = restrict_classes(folder, &args.painters)?;
    let data = take_per_class(chosen, args.per_painter, args.seed)?;
    let all: Vec<usize> = (0..data.len()).collect();
    let device = Device::Cpu;
    for dir in &args.caes {
        let started = Instant::now();
        let (cfg, _vars, cae) = load_cae(dir, &device)?;
        let mse = evaluate_mse(&cae, &data, &all, args.batch, &device)?;
        println!(
            "reconstruction: cae={} filters={:?} trained_at={} size={} images={} mse={mse:.6} seconds={:.1}",
            dir.display(),
            cfg.filters,
            cfg.image_size,
            args.size,
            data.len(),
            started.elapsed().as_secs_f64()
        );
    }
    Ok(())
}
