//! Times max-pooling with switches and max-unpooling at the shapes of a compact-CAE training step,
//! against Candle's own `max_pool2d` (values only, no switches) and the portable composition used
//! on GPUs.
//!
//! ```text
//! cargo run --release --example bench_pool [-- --batch 16 --reps 20]
//! ```
//!
//! Prints one line per op: `bench_pool: op=... shape=... median_ms=...`, and the total of the
//! pool/unpool work of one training step.

mod timing;

use anyhow::Result;
use candle_core::{Device, Tensor};
use clap::Parser;
use deep_painter::conv::{max_pool2d_with_indices, max_unpool2d, portable};
use timing::median_seconds;

#[derive(Parser, Debug)]
#[command(about = "Times max-pooling with switches and max-unpooling on the CPU")]
struct Args {
    /// Images per batch.
    #[arg(long, default_value_t = 16)]
    batch: usize,
    /// Timed runs of each op (after one warm-up run); the portable path runs at most 5.
    #[arg(long, default_value_t = 20)]
    reps: usize,
}

fn main() -> Result<()> {
    let args = Args::parse();
    let (batch, reps) = (args.batch, args.reps);
    let dev = Device::Cpu;
    println!(
        "bench_pool: threads={} batch={batch} reps={reps}",
        rayon::current_num_threads()
    );
    let ms = |reps: usize, f: &mut dyn FnMut() -> candle_core::Result<()>| -> Result<f64> {
        Ok(1e3 * median_seconds(reps, || Ok(f()?))?)
    };
    let mut step_total = 0.0;
    // The two poolings of the compact CAE: 32 x 128 x 128 and 64 x 64 x 64.
    for (c, s) in [(32usize, 128usize), (64, 64)] {
        let x = Tensor::randn(0f32, 1.0, (batch, c, s, s), &dev)?;
        let shape = format!("{batch}x{c}x{s}x{s}");
        let (v, i) = max_pool2d_with_indices(&x, 2, 2)?;

        let pool = ms(reps, &mut || max_pool2d_with_indices(&x, 2, 2).map(|_| ()))?;
        let unpool = ms(reps, &mut || max_unpool2d(&v, &i, (s, s)).map(|_| ()))?;
        let candle_pool = ms(reps, &mut || x.max_pool2d(2).map(|_| ()))?;
        let portable_pool = ms(reps.min(5), &mut || {
            portable::max_pool2d_with_indices(&x, 2, 2).map(|_| ())
        })?;
        let portable_unpool = ms(reps.min(5), &mut || {
            portable::max_unpool2d(&v, &i, (s, s)).map(|_| ())
        })?;
        println!("bench_pool: op=pool_fwd shape={shape} median_ms={pool:.2}");
        println!("bench_pool: op=unpool_fwd shape={shape} median_ms={unpool:.2}");
        println!("bench_pool: peer=candle_max_pool2d(values only) shape={shape} median_ms={candle_pool:.2}");
        println!("bench_pool: peer=portable_pool shape={shape} median_ms={portable_pool:.2}");
        println!("bench_pool: peer=portable_unpool shape={shape} median_ms={portable_unpool:.2}");
        step_total += pool + unpool;
    }
    // The backward of pooling is a scatter-add (the work of an unpooling) and the backward of
    // unpooling a gather (less than a pooling), so a training step costs about twice this.
    println!("bench_pool: step_forward_pool_plus_unpool_ms={step_total:.2}");
    Ok(())
}
