//! The paper's head at full size: 200 x 64 x 64 latent maps flattened into a 400-unit dense layer
//! (328 M weights, 1.3 GB). Ignored by default (it needs about 7 GB of memory and a few seconds per
//! step); run it with
//!
//! ```text
//! cargo test -p painter-classify --release --test paper_head -- --ignored --nocapture
//! ```

use candle_core::{DType, Device, Tensor};
use candle_nn::Optimizer as _;
use painter_classify::{cross_entropy, Head, HeadConfig, Optimizer, OptimizerConfig};
use std::time::Instant;

fn peak_rss_gb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kb| kb / 1024.0 / 1024.0)
}

#[test]
#[ignore = "allocates ~7 GB; run explicitly"]
fn paper_head_trains_within_memory() {
    let dev = Device::Cpu;
    let cfg = HeadConfig::paper((200, 64, 64), 10);
    assert_eq!(cfg.layer_dims()[0], (819_200, 400));
    let t = Instant::now();
    let (head, vars) = Head::seeded(&cfg, 0, &dev).unwrap();
    eprintln!(
        "paper head: {} parameters, initialized in {:.2} s, peak RSS {:.2} GB",
        cfg.parameter_count(),
        t.elapsed().as_secs_f64(),
        peak_rss_gb()
    );
    let mut opt = Optimizer::new(vars.all_vars(), OptimizerConfig::torch_adamw(1e-4)).unwrap();
    let batch = 16;
    // Cached features are f16: 1.6 MB per image.
    let latent = Tensor::rand(0f32, 1f32, (batch, 200, 64, 64), &dev)
        .unwrap()
        .to_dtype(DType::F16)
        .unwrap();
    let labels = Tensor::new(
        &(0..batch as u32).map(|i| i % 10).collect::<Vec<_>>()[..],
        &dev,
    )
    .unwrap();
    let mut rng = <rand_chacha::ChaCha8Rng as rand::SeedableRng>::seed_from_u64(1);
    let mut losses = Vec::new();
    for step in 0..3 {
        let t = Instant::now();
        let logits = head.logits_with_dropout(&latent, &mut rng).unwrap();
        let loss = cross_entropy(&logits, &labels, None).unwrap();
        let t_fwd = t.elapsed().as_secs_f64();
        let grads = loss.backward().unwrap();
        let t_bwd = t.elapsed().as_secs_f64() - t_fwd;
        opt.step(&grads).unwrap();
        drop(grads);
        let t_all = t.elapsed().as_secs_f64();
        losses.push(loss.to_scalar::<f32>().unwrap());
        eprintln!(
            "step {step}: loss {:.4}, forward {t_fwd:.2} s, backward {t_bwd:.2} s, total {t_all:.2} s (batch {batch}), peak RSS {:.2} GB",
            losses[step],
            peak_rss_gb()
        );
    }
    assert!(losses.iter().all(|l| l.is_finite()));
}
