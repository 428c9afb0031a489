//! Times max-pooling with switches and max-unpooling at the shapes of a
//! compact-CAE training step, against Candle's own `max_pool2d` (values only, no switches) and the
//! portable composition used on GPUs.
//!
//! ```text
//! cargo run --release -p painter-conv --example bench_pool [-- --batch 16 --reps 20]
//! ```
//!
//! Prints one line per op: `bench_pool: op=... shape=... median_ms=...`, and the total of the
//! pool/unpool work of one training step.

use candle_core::{Device, Tensor};
use painter_conv::{max_pool2d_with_indices, max_unpool2d, portable};
use std::time::Instant;

fn median_ms<F: FnMut() -> candle_core::Result<()>>(
    reps: usize,
    mut f: F,
) -> candle_core::Result<f64> {
    f()?; // warm-up
    let mut t = Vec::with_capacity(reps);
    for _ in 0..reps {
        let s = Instant::now();
        f()?;
        t.push(s.elapsed().as_secs_f64() * 1e3);
    }
    t.sort_by(|a, b| a.total_cmp(b));
    Ok(t[t.len() / 2])
}

fn main() -> candle_core::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let get = |name: &str, default: usize| -> usize {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let batch = get("--batch", 16);
    let reps = get("--reps", 20);
    let dev = Device::Cpu;
    println!(
        "bench_pool: threads={} batch={batch} reps={reps}",
        rayon::current_num_threads()
    );
    let mut step_total = 0.0;
    // The two poolings of the compact CAE: 32 x 128 x 128 and 64 x 64 x 64.
    for (c, s) in [(32usize, 128usize), (64, 64)] {
        let x = Tensor::randn(0f32, 1.0, (batch, c, s, s), &dev)?;
        let shape = format!("{batch}x{c}x{s}x{s}");
        let (v, i) = max_pool2d_with_indices(&x, 2, 2)?;

        let pool = median_ms(reps, || max_pool2d_with_indices(&x, 2, 2).map(|_| ()))?;
        let unpool = median_ms(reps, || max_unpool2d(&v, &i, (s, s)).map(|_| ()))?;
        let candle_pool = median_ms(reps, || x.max_pool2d(2).map(|_| ()))?;
        let portable_pool = median_ms(reps.min(5), || {
            portable::max_pool2d_with_indices(&x, 2, 2).map(|_| ())
        })?;
        let portable_unpool = median_ms(reps.min(5), || {
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
