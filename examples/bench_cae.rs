//! Benchmark of one CAE training step on the CPU (forward, backward, SGD update) on random data.
//!
//! ```text
//! cargo run --release --example bench_cae -- --preset compact --batch 16 --steps 5
//! cargo run --release --example bench_cae -- --preset compact --batch 16 --breakdown
//! cargo run --release --example bench_cae -- --matmul
//! ```
//!
//! The main line reads `bench_cae: preset=P batch=B median_step_s=X img_per_s=Y gflops=Z`, with
//! convolution FLOPs counted as `2 * Cin * Cout * K * K * Hout * Wout` per image per convolution
//! (transposed convolutions at their larger side) and the backward pass as twice the forward.
//! `benches/torch_cae.py` prints the same line for the identical PyTorch model;
//! `benches/compare_cae.sh` runs both in turn.

use std::time::Instant;

use anyhow::{bail, Context, Result};
use candle_core::{DType, Device, Tensor};
use candle_nn::{Optimizer, VarMap, SGD};
use clap::Parser;
use deep_painter::cae::{max_pool2d_with_indices, max_unpool2d, Cae, CaeConfig};
use deep_painter::conv::{
    conv2d, conv2d_input_grad, conv2d_weight_grad, conv_transpose2d, relu, relu_grad, sgemm,
    Conv2dConfig, ConvTranspose2dConfig,
};

#[derive(Parser, Debug)]
#[command(about = "Times CAE training steps on the CPU")]
struct Args {
    /// Architecture preset: `compact` (3x128x128, 32/64 filters) or `paper` (3x256x256, 100/200).
    #[arg(long, default_value = "compact")]
    preset: String,
    /// Images per step.
    #[arg(long, default_value_t = 16)]
    batch: usize,
    /// Timed steps (after one warm-up step).
    #[arg(long, default_value_t = 5)]
    steps: usize,
    /// Also time every convolution, ReLU, pooling and unpooling, forward and backward.
    #[arg(long)]
    breakdown: bool,
    /// Only measure the matrix-multiply peak (2048^3 f32 GEMM) and exit.
    #[arg(long)]
    matmul: bool,
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => v[n / 2],
        n => 0.5 * (v[n / 2 - 1] + v[n / 2]),
    }
}

/// Median seconds of `reps` runs of `f` after one warm-up run.
fn time<T, F: FnMut() -> Result<T>>(reps: usize, mut f: F) -> Result<f64> {
    f()?;
    let mut t = Vec::with_capacity(reps);
    for _ in 0..reps {
        let start = Instant::now();
        f()?;
        t.push(start.elapsed().as_secs_f64());
    }
    Ok(median(t))
}

/// Forward convolution FLOPs per image of the CAE of `cfg` (encoder and decoder).
fn forward_flops_per_image(cfg: &CaeConfig) -> f64 {
    let k2 = (cfg.kernel_size * cfg.kernel_size) as f64;
    let mut side = cfg.image_size;
    let mut c_in = cfg.in_channels;
    let mut total = 0.0;
    for &f in &cfg.filters {
        // The convolution and its mirrored transposed convolution work at the same side.
        total += 2.0 * 2.0 * (c_in * f) as f64 * k2 * (side * side) as f64;
        c_in = f;
        side /= cfg.pool;
    }
    total
}

fn matmul_peak() -> Result<()> {
    let n = 2048;
    let a: Vec<f32> = (0..n * n).map(|i| ((i % 17) as f32) * 0.01).collect();
    let b: Vec<f32> = (0..n * n).map(|i| ((i % 13) as f32) * 0.01).collect();
    let mut c = vec![0f32; n * n];
    let flops = 2.0 * (n as f64).powi(3);
    let s = time(5, || Ok(sgemm(n, n, n, &a, &b, &mut c)?))?;
    println!(
        "bench_cae: matmul n={n} threads={} median_s={s:.4} gflops={:.1}",
        rayon::current_num_threads(),
        flops / s / 1e9
    );
    let dev = Device::Cpu;
    let at = Tensor::from_vec(a, (n, n), &dev)?;
    let bt = Tensor::from_vec(b, (n, n), &dev)?;
    let s = time(5, || {
        at.matmul(&bt)?;
        Ok(())
    })?;
    println!(
        "bench_cae: candle_matmul n={n} median_s={s:.4} gflops={:.1}",
        flops / s / 1e9
    );
    Ok(())
}

fn breakdown(cfg: &CaeConfig, batch: usize, reps: usize) -> Result<()> {
    let dev = Device::Cpu;
    let k = cfg.kernel_size;
    let pad = k / 2;
    let ccfg = Conv2dConfig {
        stride: 1,
        padding: pad,
    };
    let tcfg = ConvTranspose2dConfig {
        stride: 1,
        padding: pad,
        output_padding: 0,
    };
    let mut side = cfg.image_size;
    let mut c_in = cfg.in_channels;
    let mut total = 0.0;
    let row = |name: String, s: f64, flops: f64, total: &mut f64| {
        *total += s;
        if flops > 0.0 {
            println!(
                "breakdown: {name:<34} {:>8.1} ms {:>7.1} GFLOP/s",
                s * 1e3,
                flops / s / 1e9
            );
        } else {
            println!("breakdown: {name:<34} {:>8.1} ms", s * 1e3);
        }
    };
    for (i, &f) in cfg.filters.iter().enumerate() {
        let l = i + 1;
        let flops = 2.0 * (batch * c_in * f * k * k * side * side) as f64;
        let x = Tensor::rand(0f32, 1f32, (batch, c_in, side, side), &dev)?;
        let w = Tensor::randn(0f32, 0.05, (f, c_in, k, k), &dev)?;
        let b = Tensor::zeros(f, DType::F32, &dev)?;
        let y = conv2d(&x, &w, Some(&b), ccfg)?;
        let dy = Tensor::randn(0f32, 1f32, y.shape(), &dev)?;
        let s = time(reps, || Ok(conv2d(&x, &w, Some(&b), ccfg)?))?;
        row(
            format!("conv{l} {c_in}->{f} @{side} fwd"),
            s,
            flops,
            &mut total,
        );
        if i > 0 {
            let s = time(reps, || Ok(conv2d_input_grad(&dy, &w, ccfg, (side, side))?))?;
            row(format!("conv{l} bwd input"), s, flops, &mut total);
        }
        let s = time(reps, || Ok(conv2d_weight_grad(&x, &dy, ccfg, k)?))?;
        row(format!("conv{l} bwd weight"), s, flops, &mut total);
        let s = time(reps, || Ok(relu(&y)?))?;
        row(format!("relu{l} fwd"), s, 0.0, &mut total);
        let a = relu(&y)?;
        let s = time(reps, || Ok(relu_grad(&dy, &a)?))?;
        row(format!("relu{l} bwd"), s, 0.0, &mut total);
        let s = time(reps, || {
            Ok(max_pool2d_with_indices(&a, cfg.pool, cfg.pool)?)
        })?;
        row(format!("pool{l} fwd"), s, 0.0, &mut total);
        // The unpooling forward is the pooling backward and vice versa; time the decoder's side
        // through autograd. `backward()` of the unpooled tensor itself seeds a contiguous gradient
        // of ones, as in the CAE, where the gradient arrives contiguous from the transposed
        // convolution; a loss such as `(up * r).sum_all()` would add Candle's single-threaded
        // broadcast `mul` and its backward (about 0.2-0.3 s here) to the unpooling's own cost.
        let (p, idx) = max_pool2d_with_indices(&a, cfg.pool, cfg.pool)?;
        let pv = candle_core::Var::from_tensor(&p)?;
        let up = max_unpool2d(pv.as_tensor(), &idx, side, side)?;
        let s = time(reps, || Ok(max_unpool2d(pv.as_tensor(), &idx, side, side)?))?;
        row(format!("unpool{l} fwd"), s, 0.0, &mut total);
        let s = time(reps, || {
            let up = max_unpool2d(pv.as_tensor(), &idx, side, side)?;
            drop(up.backward()?);
            Ok(())
        })?;
        row(format!("unpool{l} fwd+bwd (autograd)"), s, 0.0, &mut total);
        // The mirrored transposed convolution f -> c_in at this side.
        let wt = Tensor::randn(0f32, 0.05, (f, c_in, k, k), &dev)?;
        let bt = Tensor::zeros(c_in, DType::F32, &dev)?;
        let s = time(reps, || Ok(conv_transpose2d(&up, &wt, Some(&bt), tcfg)?))?;
        row(
            format!("deconv{l} {f}->{c_in} @{side} fwd"),
            s,
            flops,
            &mut total,
        );
        let dz = Tensor::randn(0f32, 1f32, (batch, c_in, side, side), &dev)?;
        let s = time(reps, || Ok(conv2d(&dz, &wt, None, ccfg)?))?;
        row(format!("deconv{l} bwd input"), s, flops, &mut total);
        let s = time(reps, || Ok(conv2d_weight_grad(&dz, &up, ccfg, k)?))?;
        row(format!("deconv{l} bwd weight"), s, flops, &mut total);
        c_in = f;
        side /= cfg.pool;
    }
    println!(
        "breakdown: {:<34} {:>8.1} ms (ops timed alone)",
        "sum",
        total * 1e3
    );
    Ok(())
}

fn main() -> Result<()> {
    let args = Args::parse();
    if args.matmul {
        return matmul_peak();
    }
    if args.batch == 0 || args.steps == 0 {
        bail!("--batch and --steps must be at least 1");
    }
    let cfg = CaeConfig::preset(&args.preset).context("choosing the preset")?;
    let dev = Device::Cpu;
    let varmap = VarMap::new();
    let cae = Cae::new_seeded(&cfg, &varmap, 42, &dev)?;
    let mut sgd = SGD::new(varmap.all_vars(), 1e-3)?;
    let s = cfg.image_size;
    let x = Tensor::rand(0f32, 1f32, (args.batch, cfg.in_channels, s, s), &dev)?;
    let mut times = Vec::with_capacity(args.steps);
    for step in 0..=args.steps {
        let start = Instant::now();
        let loss = cae.mse(&x, &x)?;
        sgd.backward_step(&loss)?;
        let loss = loss.to_scalar::<f32>()?;
        let t = start.elapsed().as_secs_f64();
        eprintln!(
            "step {step}{}: {t:.3} s, loss {loss:.5}",
            if step == 0 { " (warm-up)" } else { "" }
        );
        if step > 0 {
            times.push(t);
        }
    }
    let med = median(times);
    let flops = 3.0 * forward_flops_per_image(&cfg) * args.batch as f64;
    println!(
        "bench_cae: preset={} batch={} median_step_s={med:.4} img_per_s={:.2} gflops={:.1}",
        args.preset,
        args.batch,
        args.batch as f64 / med,
        flops / med / 1e9
    );
    if args.breakdown {
        breakdown(&cfg, args.batch, args.steps.clamp(1, 5))?;
    }
    Ok(())
}
