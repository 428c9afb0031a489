//! The optimizer against independent references: Candle's own AdamW, a hand computation of SGD
//! with momentum, the tensor-operation arithmetic it must reproduce bit for bit, and a resumed run.

use candle_core::backprop::GradStore;
use candle_core::{DType, Device, Tensor, Var};
use candle_nn::Optimizer as _;
use painter_train::{Optimizer, OptimizerConfig, TrainError};

fn quadratic_grads(var: &Var, target: &Tensor) -> GradStore {
    let loss = (var.as_tensor() - target)
        .unwrap()
        .sqr()
        .unwrap()
        .sum_all()
        .unwrap();
    loss.backward().unwrap()
}

/// Asserts that two variables hold the same values to the bit (`what` names the case).
fn assert_same_bits(a: &Var, b: &Var, what: impl std::fmt::Debug) {
    let bits = |v: &Var| -> Vec<u32> {
        let values = v.flatten_all().unwrap().to_vec1::<f32>().unwrap();
        values.iter().map(|x| x.to_bits()).collect()
    };
    assert_eq!(bits(a), bits(b), "{what:?}");
}

fn values(n: usize, seed: u32) -> Vec<f32> {
    (0..n)
        .map(|i| (((i as u32).wrapping_mul(2654435761) ^ seed) % 2001) as f32 / 1000.0 - 1.0)
        .collect()
}

#[test]
fn adamw_matches_candles_reference_implementation() {
    let dev = Device::Cpu;
    let init = Tensor::new(&[0.5f32, -1.0, 2.0, 0.0, 3.0], &dev).unwrap();
    let target = Tensor::new(&[1.0f32, 1.0, -1.0, 0.5, 0.0], &dev).unwrap();
    let ours = Var::from_tensor(&init).unwrap();
    let theirs = Var::from_tensor(&init).unwrap();
    let cfg = OptimizerConfig::AdamW {
        lr: 0.05,
        lr_decay: 1.0,
        weight_decay: 0.1,
        beta1: 0.9,
        beta2: 0.999,
        eps: 1e-8,
    };
    let mut a = Optimizer::new(vec![ours.clone()], cfg).unwrap();
    let mut b = candle_nn::AdamW::new(
        vec![theirs.clone()],
        candle_nn::ParamsAdamW {
            lr: 0.05,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            weight_decay: 0.1,
        },
    )
    .unwrap();
    for _ in 0..20 {
        a.step(&quadratic_grads(&ours, &target)).unwrap();
        b.step(&quadratic_grads(&theirs, &target)).unwrap();
    }
    let (x, y) = (
        ours.to_vec1::<f32>().unwrap(),
        theirs.to_vec1::<f32>().unwrap(),
    );
    for (x, y) in x.iter().zip(&y) {
        assert!((x - y).abs() < 1e-5, "{x} vs {y}");
    }
}

#[test]
fn sgd_momentum_matches_a_hand_computation() {
    let dev = Device::Cpu;
    let w = Var::from_tensor(&Tensor::new(&[1.0f32, -2.0], &dev).unwrap()).unwrap();
    let zero = Tensor::zeros(2, DType::F32, &dev).unwrap();
    let cfg = OptimizerConfig::Sgd {
        lr: 0.1,
        lr_decay: 1.0,
        momentum: 0.5,
        weight_decay: 0.2,
    };
    let mut opt = Optimizer::new(vec![w.clone()], cfg).unwrap();
    // Reference: g = 2w + 0.2w, b = 0.5 b + g, w -= 0.1 b.
    let (mut rw, mut rb) = ([1.0f64, -2.0], [0.0f64; 2]);
    for _ in 0..5 {
        opt.step(&quadratic_grads(&w, &zero)).unwrap();
        for i in 0..2 {
            let g = 2.0 * rw[i] + 0.2 * rw[i];
            rb[i] = 0.5 * rb[i] + g;
            rw[i] -= 0.1 * rb[i];
        }
    }
    let got = w.to_vec1::<f32>().unwrap();
    for i in 0..2 {
        assert!((got[i] as f64 - rw[i]).abs() < 1e-5, "{got:?} vs {rw:?}");
    }
    // Plain SGD (no momentum): one step is w -= lr * g, at the learning rate set last.
    let p = Var::from_tensor(&Tensor::new(&[3.0f32], &dev).unwrap()).unwrap();
    let mut plain = Optimizer::new(vec![p.clone()], OptimizerConfig::paper_sgd()).unwrap();
    plain.set_learning_rate(0.25);
    assert_eq!(plain.learning_rate(), 0.25);
    plain
        .step(&quadratic_grads(
            &p,
            &Tensor::zeros(1, DType::F32, &dev).unwrap(),
        ))
        .unwrap();
    assert!((p.to_vec1::<f32>().unwrap()[0] - 1.5).abs() < 1e-6);
}

/// The update as tensor operations (the arithmetic of the device path, and of the autoencoder's
/// optimizer before the fused loops served it): what the fused CPU loops must reproduce bit for bit.
struct TensorReference {
    m: Tensor,
    v: Tensor,
    t: i32,
}

impl TensorReference {
    fn step(&mut self, w: &Var, g: &Tensor, cfg: &OptimizerConfig, lr: f64) {
        let wt = w.as_tensor();
        match *cfg {
            OptimizerConfig::AdamW {
                beta1,
                beta2,
                eps,
                weight_decay,
                ..
            } => {
                self.t += 1;
                let m = (self.m.affine(beta1, 0.0).unwrap() + g.affine(1.0 - beta1, 0.0).unwrap())
                    .unwrap();
                let v = (self.v.affine(beta2, 0.0).unwrap()
                    + g.sqr().unwrap().affine(1.0 - beta2, 0.0).unwrap())
                .unwrap();
                let m_hat = m.affine(1.0 / (1.0 - beta1.powi(self.t)), 0.0).unwrap();
                let v_hat = v.affine(1.0 / (1.0 - beta2.powi(self.t)), 0.0).unwrap();
                let update = (m_hat / (v_hat.sqrt().unwrap() + eps).unwrap()).unwrap();
                let decayed = wt.affine(1.0 - lr * weight_decay, 0.0).unwrap();
                w.set(&(decayed - update.affine(lr, 0.0).unwrap()).unwrap())
                    .unwrap();
                (self.m, self.v) = (m, v);
            }
            OptimizerConfig::Sgd {
                momentum,
                weight_decay,
                ..
            } => {
                let mut g = g.clone();
                if weight_decay > 0.0 {
                    g = (g + wt.affine(weight_decay, 0.0).unwrap()).unwrap();
                }
                if momentum > 0.0 {
                    let buf = if self.t == 0 {
                        g.clone()
                    } else {
                        (self.m.affine(momentum, 0.0).unwrap() + &g).unwrap()
                    };
                    self.t += 1;
                    g = buf.clone();
                    self.m = buf;
                }
                w.set(&(wt - g.affine(lr, 0.0).unwrap()).unwrap()).unwrap();
            }
        }
    }
}

#[test]
fn the_fused_cpu_updates_round_exactly_as_the_tensor_operations() {
    let dev = Device::Cpu;
    let n = 100_003; // several parallel chunks and a ragged tail
    let configs = [
        OptimizerConfig::adamw(),
        OptimizerConfig::torch_adamw(3e-3),
        OptimizerConfig::paper_sgd(),
        OptimizerConfig::Sgd {
            lr: 0.05,
            lr_decay: 0.9,
            momentum: 0.9,
            weight_decay: 1e-3,
        },
        OptimizerConfig::Sgd {
            lr: 0.05,
            lr_decay: 1.0,
            momentum: 0.0,
            weight_decay: 1e-2,
        },
    ];
    for cfg in configs {
        let init = Tensor::from_vec(values(n, 7), n, &dev).unwrap();
        let (fused, reference) = (
            Var::from_tensor(&init).unwrap(),
            Var::from_tensor(&init).unwrap(),
        );
        let mut opt = Optimizer::new(vec![fused.clone()], cfg).unwrap();
        let zeros = Tensor::zeros(n, DType::F32, &dev).unwrap();
        let mut r = TensorReference {
            m: zeros.clone(),
            v: zeros,
            t: 0,
        };
        for epoch in 0..3 {
            opt.set_learning_rate(cfg.lr_at(epoch));
            for s in 0..3 {
                let target =
                    Tensor::from_vec(values(n, 100 + (epoch * 3 + s) as u32), n, &dev).unwrap();
                let g_fused = quadratic_grads(&fused, &target);
                let g_ref = quadratic_grads(&reference, &target);
                opt.step(&g_fused).unwrap();
                r.step(
                    &reference,
                    g_ref.get(reference.as_tensor()).unwrap(),
                    &cfg,
                    cfg.lr_at(epoch),
                );
            }
        }
        assert_same_bits(&fused, &reference, cfg);
    }
}

#[test]
fn a_restored_state_continues_exactly_where_the_saved_one_stopped() {
    let dev = Device::Cpu;
    let dir = tempfile::tempdir().unwrap();
    for cfg in [
        OptimizerConfig::adamw(),
        OptimizerConfig::momentum_sgd(0.01),
    ] {
        let init = Tensor::from_vec(values(64, 3), (8, 8), &dev).unwrap();
        let target = Tensor::from_vec(values(64, 5), (8, 8), &dev).unwrap();
        let straight = Var::from_tensor(&init).unwrap();
        let resumed = Var::from_tensor(&init).unwrap();
        let vm = painter_train::var_map([("layer.weight".to_string(), resumed.clone())]).unwrap();
        let mut a = Optimizer::named(vec![("layer.weight".into(), straight.clone())], cfg).unwrap();
        let mut b = Optimizer::from_varmap(&vm, cfg).unwrap();
        for _ in 0..3 {
            a.step(&quadratic_grads(&straight, &target)).unwrap();
            b.step(&quadratic_grads(&resumed, &target)).unwrap();
        }
        let path = dir.path().join(format!("{}.safetensors", cfg.name()));
        b.save_state(&path).unwrap();
        let mut b = Optimizer::from_varmap(&vm, cfg).unwrap();
        b.load_state(&path, 3, &dev).unwrap();
        assert_eq!(b.steps(), 3);
        for _ in 0..4 {
            a.step(&quadratic_grads(&straight, &target)).unwrap();
            b.step(&quadratic_grads(&resumed, &target)).unwrap();
        }
        assert_same_bits(&straight, &resumed, cfg);
    }
}

#[test]
fn a_state_of_other_variables_is_refused() {
    let dev = Device::Cpu;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.safetensors");
    let w = Var::zeros((2, 3), DType::F32, &dev).unwrap();
    let opt = Optimizer::named(vec![("w".into(), w)], OptimizerConfig::adamw()).unwrap();
    opt.save_state(&path).unwrap();
    let other = Var::zeros((3, 2), DType::F32, &dev).unwrap();
    let mut reshaped =
        Optimizer::named(vec![("w".into(), other)], OptimizerConfig::adamw()).unwrap();
    let mismatch = |opt: &mut Optimizer| match opt.load_state(&path, 1, &dev) {
        Err(TrainError::StateMismatch {
            buffer, problem, ..
        }) => (buffer, problem),
        other => panic!("expected a state mismatch, got {other:?}"),
    };
    let (buffer, problem) = mismatch(&mut reshaped);
    assert_eq!(buffer, "m.w");
    assert_eq!(problem, "has shape [2, 3], its variable [3, 2]");
    let renamed = Var::zeros((2, 3), DType::F32, &dev).unwrap();
    let mut renamed =
        Optimizer::named(vec![("u".into(), renamed)], OptimizerConfig::adamw()).unwrap();
    let (buffer, problem) = mismatch(&mut renamed);
    assert_eq!(buffer, "m.w");
    assert!(problem.contains("no variable"), "{problem}");
    let half = Var::zeros(2, DType::F16, &dev).unwrap();
    assert!(matches!(
        Optimizer::named(vec![("h".into(), half)], OptimizerConfig::adamw()),
        Err(TrainError::NotF32 { .. })
    ));
}
