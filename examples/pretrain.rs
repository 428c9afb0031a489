//! Pretrains the convolutional autoencoder on a folder of paintings.
//!
//! ```text
//! cargo run --release --example pretrain -- --data ../shared/paintings-unlabeled \
//!     [--preset compact|paper] [--epochs N] [--batch N] [--image-size S] [--optimizer sgd|adamw] \
//!     [--lr LR] [--out DIR] [--resume]
//! ```
//!
//! Every image under `--data` is used, searched recursively (a labelled folder of painter folders
//! works too; its labels are ignored). The standardized pixels are cached under `<out>/pixel-cache`
//! so a second run (or a resumed one) does not decode the JPEGs again. Writes per-epoch checkpoints,
//! `best/` (the model with the lowest validation MSE), `loss.png`, `reconstructions.png` and
//! `metrics.csv` to `--out`, and prints `epoch=E train_mse=X val_mse=Y lr=Z seconds=S` per epoch.
//! After a kill, the same command with `--resume` continues from the last complete epoch.

use anyhow::{bail, Context, Result};
use candle_core::Device;
use clap::Parser;
use deep_painter::cae::{
    pretrain, CaeConfig, DecoderWeights, OptimizerConfig, PretrainConfig, Upsampling,
};
use deep_painter::data::cache::{CacheOptions, PixelCache};
use deep_painter::data::folder::{FolderOptions, UnlabeledFolder};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(about = "Pretrain the DeepPainter convolutional autoencoder on a folder of images")]
struct Args {
    /// Folder of images, searched recursively (labelled or not).
    #[arg(long)]
    data: PathBuf,
    /// Architecture preset: `compact` (3x128x128, 32/64 filters) or `paper` (3x256x256, 100/200).
    #[arg(long, default_value = "compact")]
    preset: String,
    /// Override the preset's image size.
    #[arg(long)]
    image_size: Option<usize>,
    /// Maximum number of epochs.
    #[arg(long, default_value_t = 30)]
    epochs: usize,
    /// Images per batch.
    #[arg(long, default_value_t = 16)]
    batch: usize,
    /// `sgd` (the paper: lr 0.01, x0.98 per epoch) or `adamw` (lr 1e-3).
    #[arg(long, default_value = "sgd")]
    optimizer: String,
    /// Override the optimizer's initial learning rate.
    #[arg(long)]
    lr: Option<f64>,
    /// SGD momentum (ignored by AdamW).
    #[arg(long, default_value_t = 0.0)]
    momentum: f64,
    /// Fraction of pixels zeroed in each training input, per epoch.
    #[arg(long, default_value_t = 0.2)]
    pixel_dropout: f64,
    /// Fraction of the images held out for validation.
    #[arg(long, default_value_t = 0.1)]
    val_fraction: f64,
    /// Early stop after this many epochs without validation improvement (0: never).
    #[arg(long, default_value_t = 5)]
    patience: usize,
    /// Seed of initialization, split, batch order and dropout masks.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Tie the decoder's weights to the encoder's (transposed).
    #[arg(long)]
    tied: bool,
    /// Decoder upsampling: `unpool` (max-unpooling with switches, the paper) or `nearest` (ablation).
    #[arg(long, default_value = "unpool")]
    upsampling: String,
    /// Output folder.
    #[arg(long, default_value = "runs/pretrain")]
    out: PathBuf,
    /// Pixel cache folder (default: `<out>/pixel-cache`).
    #[arg(long)]
    cache: Option<PathBuf>,
    /// Continue the run found in `--out` after its last complete epoch.
    #[arg(long)]
    resume: bool,
}

fn main() -> Result<()> {
    let args = Args::parse();
    let mut cae = CaeConfig::preset(&args.preset)?;
    if let Some(s) = args.image_size {
        cae.image_size = s;
    }
    if args.tied {
        cae.decoder_weights = DecoderWeights::Tied;
    }
    cae.upsampling = match args.upsampling.as_str() {
        "unpool" => Upsampling::MaxUnpool,
        "nearest" => Upsampling::Nearest,
        other => bail!("unknown --upsampling `{other}` (expected `unpool` or `nearest`)"),
    };
    cae.validate()?;

    let mut optimizer = OptimizerConfig::by_name(&args.optimizer)?;
    match &mut optimizer {
        OptimizerConfig::Sgd { lr, momentum, .. } => {
            if let Some(v) = args.lr {
                *lr = v;
            }
            *momentum = args.momentum;
        }
        OptimizerConfig::AdamW { lr, .. } => {
            if let Some(v) = args.lr {
                *lr = v;
            }
        }
    }
    let config = PretrainConfig {
        epochs: args.epochs,
        batch_size: args.batch,
        optimizer,
        pixel_dropout: args.pixel_dropout,
        val_fraction: args.val_fraction,
        patience: (args.patience > 0).then_some(args.patience),
        seed: args.seed,
        // The pixel cache is memory-mapped: no need to hold a second copy.
        preload: false,
        progress: true,
        ..PretrainConfig::default()
    };
    config.validate()?;

    let device = Device::cuda_if_available(0)?;
    let size = u32::try_from(cae.image_size).context("image size too large")?;
    let folder = UnlabeledFolder::open(&args.data, FolderOptions::default().with_size(size))
        .with_context(|| format!("reading images under {}", args.data.display()))?;
    for s in folder.skipped() {
        eprintln!("skipped {s:?}");
    }
    let cache_dir = args
        .cache
        .clone()
        .unwrap_or_else(|| args.out.join("pixel-cache"));
    let data = PixelCache::build_or_open(&folder, &cache_dir, &CacheOptions::default())
        .with_context(|| format!("pixel cache {}", cache_dir.display()))?;
    println!(
        "data: {} images from {} at {size}x{size} (cache {}), device {:?}",
        deep_painter::data::Dataset::len(&data),
        args.data.display(),
        cache_dir.display(),
        device
    );

    let report = pretrain(&cae, &config, &data, &device, &args.out, args.resume)?;
    println!(
        "done: {} epochs ({:?}), best epoch {:?} with MSE {:.6}; best model {}, last checkpoint {}",
        report.history.len(),
        report.stop_reason,
        report.best_epoch,
        report.best_mse.unwrap_or(f64::NAN),
        report
            .best_checkpoint
            .as_ref()
            .map_or_else(|| "-".into(), |p| p.display().to_string()),
        report
            .last_checkpoint
            .as_ref()
            .map_or_else(|| "-".into(), |p| p.display().to_string()),
    );
    println!(
        "figures: {} and {}",
        args.out.join("loss.png").display(),
        args.out.join("reconstructions.png").display()
    );
    Ok(())
}
