//! Benchmark of one CAE training step (forward, backward, SGD update) on random data, on the CPU or,
//! built with `--features cuda`, on the first CUDA device (`--device cuda`).
//!
//! ```text
//! cargo run --release --example bench_cae -- --preset compact --batch 16 --steps 5
//! cargo run --release --example bench_cae -- --preset compact --batch 16 --breakdown
//! cargo run --release --example bench_cae -- --matmul
//! cargo run --release --features cuda --example bench_cae -- --preset paper --device cuda
//! ```
//!
//! The main line reads `bench_cae: preset=P batch=B device=D median_step_s=X img_per_s=Y gflops=Z`, with
//! convolution FLOPs counted as `2 * Cin * Cout * K * K * Hout * Wout` per image per convolution
//! (transposed convolutions at their larger side) and the backward pass as twice the forward.
//! `benches/torch_cae.py` prints the same line for the identical PyTorch model;
//! `benches/compare_cae.sh` runs both in turn.

mod timing;

use std::time::Instant;

use anyhow::{bail, Context, Result};
use candle_core::{DType, Device, Tensor, Var};
use candle_nn::{Optimizer, VarMap, SGD};
use clap::Parser;
use deep_painter::cae::{Cae, CaeConfig};
use deep_painter::conv::{
    conv2d, conv2d_input_grad, conv2d_relu_maxpool2d, conv2d_weight_grad, max_unpool2d,
    maxunpool2d_conv_transpose2d, sgemm, Conv2dConfig, ConvTranspose2dConfig,
};
use deep_painter::data::ImageBatch;
use timing::{median, median_seconds};

#[derive(Parser, Debug)]
#[command(about = "Times CAE training steps on the CPU or a CUDA device")]
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
    /// Also time every fused stage (convolution + ReLU + pooling, unpooling + transposed
    /// convolution) forward and backward, and the convolution products of their backward passes.
    #[arg(long)]
    breakdown: bool,
    /// Only measure the matrix-multiply peak (2048^3 f32 GEMM) and exit.
    #[arg(long)]
    matmul: bool,
    /// Where the step runs: `cpu`, or `cuda` (the first CUDA device; needs `--features cuda`).
    #[arg(long, default_value = "cpu", value_parser = ["cpu", "cuda"])]
    device: String,
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
    let s = median_seconds(5, || Ok(sgemm(n, n, n, &a, &b, &mut c)?))?;
    println!(
        "bench_cae: matmul n={n} threads={} median_s={s:.4} gflops={:.1}",
        rayon::current_num_threads(),
        flops / s / 1e9
    );
    let dev = Device::Cpu;
    let at = Tensor::from_vec(a, (n, n), &dev)?;
    let bt = Tensor::from_vec(b, (n, n), &dev)?;
    let s = median_seconds(5, || {
        at.matmul(&bt)?;
        Ok(())
    })?;
    println!(
        "bench_cae: candle_matmul n={n} median_s={s:.4} gflops={:.1}",
        flops / s / 1e9
    );
    Ok(())
}

/// Times the pieces of one training step, layer by layer: each fused stage forward alone, its
/// convolution products alone (the GEMM work of its backward pass), and the whole stage forward +
/// backward through autograd; then what the step spends outside the stages (loss, autograd
/// bookkeeping, SGD update). Returns nothing; prints `breakdown:` lines.
fn breakdown(cfg: &CaeConfig, batch: usize, reps: usize, step_s: f64) -> Result<()> {
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
    let (pk, ps) = (cfg.pool, cfg.pool);
    let mut side = cfg.image_size;
    let mut c_in = cfg.in_channels;
    let mut stages = 0.0;
    let row = |name: String, s: f64, flops: f64| {
        if flops > 0.0 {
            println!(
                "breakdown: {name:<40} {:>8.1} ms {:>7.1} GFLOP/s",
                s * 1e3,
                flops / s / 1e9
            );
        } else {
            println!("breakdown: {name:<40} {:>8.1} ms", s * 1e3);
        }
    };
    for (i, &f) in cfg.filters.iter().enumerate() {
        let l = i + 1;
        let flops = 2.0 * (batch * c_in * f * k * k * side * side) as f64;
        let (ph, pw) = (side / pk, side / pk);
        // Encoder stage l: conv c_in -> f at `side`, ReLU, pool. The first stage's input is the
        // image (no gradient), deeper ones get an input gradient.
        let x = Var::from_tensor(&Tensor::rand(0f32, 1f32, (batch, c_in, side, side), &dev)?)?;
        let x_in = if i == 0 {
            x.as_tensor().detach()
        } else {
            x.as_tensor().clone()
        };
        let w = Var::from_tensor(&Tensor::randn(0f32, 0.05, (f, c_in, k, k), &dev)?)?;
        let b = Var::from_tensor(&Tensor::zeros(f, DType::F32, &dev)?)?;
        let dy = Tensor::randn(0f32, 1f32, (batch, f, side, side), &dev)?;
        let s = median_seconds(reps, || {
            Ok(conv2d_relu_maxpool2d(&x_in, &w, &b, ccfg, pk, ps)?)
        })?;
        row(
            format!("enc{l} conv {c_in}->{f} @{side}+relu+pool fwd"),
            s,
            flops,
        );
        if i > 0 {
            let s = median_seconds(reps, || Ok(conv2d_input_grad(&dy, &w, ccfg, (side, side))?))?;
            row(format!("enc{l}   conv bwd input (alone)"), s, flops);
        }
        let s = median_seconds(reps, || Ok(conv2d_weight_grad(&x_in, &dy, ccfg, k)?))?;
        row(format!("enc{l}   conv bwd weight (alone)"), s, flops);
        let s = median_seconds(reps, || {
            let (p, _) = conv2d_relu_maxpool2d(&x_in, &w, &b, ccfg, pk, ps)?;
            drop(p.backward()?);
            Ok(())
        })?;
        let n_ops = if i == 0 { 2.0 } else { 3.0 };
        row(format!("enc{l} stage fwd+bwd (autograd)"), s, n_ops * flops);
        stages += s;
        // Decoder stage l: unpool to `side` with the encoder's switches, ReLU on its input for
        // every stage but the deepest, transposed conv f -> c_in.
        let (p, idx) = conv2d_relu_maxpool2d(&x_in, &w, &b, ccfg, pk, ps)?;
        let pv = Var::from_tensor(&Tensor::randn(0f32, 1f32, (batch, f, ph, pw), &dev)?)?;
        let relu_in = i + 1 < cfg.filters.len();
        let wt = Var::from_tensor(&Tensor::randn(0f32, 0.05, (f, c_in, k, k), &dev)?)?;
        let bt = Var::from_tensor(&Tensor::zeros(c_in, DType::F32, &dev)?)?;
        let dec = || {
            maxunpool2d_conv_transpose2d(
                pv.as_tensor(),
                &idx,
                (side, side),
                relu_in,
                &wt,
                &bt,
                tcfg,
            )
        };
        let s = median_seconds(reps, || Ok(dec()?))?;
        row(
            format!("dec{l} unpool+deconv {f}->{c_in} @{side} fwd"),
            s,
            flops,
        );
        let dz = Tensor::randn(0f32, 1f32, (batch, c_in, side, side), &dev)?;
        let s = median_seconds(reps, || Ok(conv2d(&dz, &wt, None, ccfg)?))?;
        row(format!("dec{l}   deconv bwd input (alone)"), s, flops);
        let up = max_unpool2d(&p, &idx, (side, side))?;
        let s = median_seconds(reps, || Ok(conv2d_weight_grad(&dz, &up, ccfg, k)?))?;
        row(format!("dec{l}   deconv bwd weight (alone)"), s, flops);
        let s = median_seconds(reps, || {
            drop(dec()?.backward()?);
            Ok(())
        })?;
        row(format!("dec{l} stage fwd+bwd (autograd)"), s, 3.0 * flops);
        stages += s;
        c_in = f;
        side /= cfg.pool;
    }
    row("sum of the stages fwd+bwd".into(), stages, 0.0);
    row(
        "rest of the step (loss, autograd, SGD)".into(),
        (step_s - stages).max(0.0),
        0.0,
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
    let dev = match args.device.as_str() {
        "cuda" => Device::new_cuda(0).context("opening CUDA device 0")?,
        _ => Device::Cpu,
    };
    if args.breakdown && !dev.is_cpu() {
        bail!("--breakdown times the CPU kernels: run it with --device cpu");
    }
    let varmap = VarMap::new();
    let cae = Cae::new_seeded(&cfg, &varmap, 42, &dev)?;
    let mut sgd = SGD::new(varmap.all_vars(), 1e-3)?;
    let s = cfg.image_size;
    let x = ImageBatch::new(
        Tensor::rand(0f32, 1f32, (args.batch, cfg.in_channels, s, s), &dev)?,
        None,
    )?;
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
        "bench_cae: preset={} batch={} device={} median_step_s={med:.4} img_per_s={:.2} gflops={:.1}",
        args.preset,
        args.device,
        args.batch,
        args.batch as f64 / med,
        flops / med / 1e9
    );
    if args.breakdown {
        breakdown(&cfg, args.batch, args.steps.clamp(1, 5), med)?;
    }
    Ok(())
}
