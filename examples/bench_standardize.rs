//! Decode + standardize benchmark: reads images from `../shared/paintings` (or `--data DIR`), decodes
//! each to RGB8 and pads it to `--size` (default 256) with Lanczos3, single-threaded and then on a
//! 2-thread rayon pool, printing images/s for each. `benches/pillow_standardize.py` does the same work
//! with Pillow and prints the same line format; `benches/standardize.sh` runs both.
//!
//! ```text
//! cargo run --release --example bench_standardize -- [--data DIR] [--limit N] [--size 256] [--threads 2]
//! ```

use anyhow::{bail, Context, Result};
use clap::Parser;
use painter_data::decode::{is_image_extension, load_rgb, DecodeLimits};
use painter_data::standardize::{standardize, StandardizeMethod};
use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::time::Instant;

#[derive(Parser, Debug)]
#[command(about = "Decode + standardize (pad) benchmark")]
struct Args {
    /// Folder of images (searched one level deep); default `../shared/paintings`.
    #[arg(long)]
    data: Option<PathBuf>,
    /// Use at most this many images (sorted by path).
    #[arg(long, default_value_t = 1500)]
    limit: usize,
    /// Side of the standardized square.
    #[arg(long, default_value_t = 256)]
    size: u32,
    /// Threads of the parallel run.
    #[arg(long, default_value_t = 2)]
    threads: usize,
}

fn list_images(root: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(root).with_context(|| format!("reading {}", root.display()))? {
        let path = entry?.path();
        if path.is_dir() {
            for inner in std::fs::read_dir(&path)? {
                let p = inner?.path();
                if p.is_file() && is_image_extension(&p) {
                    out.push(p);
                }
            }
        } else if is_image_extension(&path) {
            out.push(path);
        }
    }
    // Sorted as strings, like the Python peer, so `--limit` picks the same files.
    out.sort_by_key(|p| p.to_string_lossy().into_owned());
    Ok(out)
}

fn work(path: &Path, size: u32, limits: &DecodeLimits) -> Result<u64> {
    let img = load_rgb(path, limits).with_context(|| path.display().to_string())?;
    let out = standardize(&img, size, StandardizeMethod::Pad)?;
    // Touch the result so nothing is optimized away.
    Ok(out.as_raw().iter().step_by(97).map(|&v| u64::from(v)).sum())
}

fn report(mode: &str, n: usize, secs: f64) {
    println!(
        "rust    {mode:<12} images={n:<5} secs={secs:.3} images/s={:.1}",
        n as f64 / secs
    );
}

fn main() -> Result<()> {
    let args = Args::parse();
    let Some(root) = args
        .data
        .clone()
        .or_else(painter_data::shared::shared_paintings)
    else {
        bail!("no --data given and ../shared/paintings not found");
    };
    let mut files = list_images(&root)?;
    files.truncate(args.limit);
    if files.is_empty() {
        bail!("no images under {}", root.display());
    }
    let limits = DecodeLimits::default();
    eprintln!(
        "decode + pad to {0}x{0}: {1} images from {2}",
        args.size,
        files.len(),
        root.display()
    );
    // Warm the page cache (both benchmarks read the same warm files).
    for f in &files {
        std::fs::read(f)?;
    }

    let t = Instant::now();
    let mut check = 0u64;
    for f in &files {
        check = check.wrapping_add(work(f, args.size, &limits)?);
    }
    report("single", files.len(), t.elapsed().as_secs_f64());

    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.threads)
        .build()?;
    let t = Instant::now();
    let par: u64 = pool.install(|| {
        files
            .par_iter()
            .map(|f| work(f, args.size, &limits))
            .collect::<Result<Vec<u64>>>()
            .map(|v| v.into_iter().fold(0u64, u64::wrapping_add))
    })?;
    report(
        &format!("parallel-{}", args.threads),
        files.len(),
        t.elapsed().as_secs_f64(),
    );
    if par != check {
        bail!("parallel and single-threaded results differ");
    }
    Ok(())
}
