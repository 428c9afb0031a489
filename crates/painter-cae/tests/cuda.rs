//! One CAE training step (forward, MSE, backward, SGD update) on a CUDA device against the same
//! step on the CPU, from the same weights and images. Built only with the `cuda` feature (as
//! `benches/gpu.sh` builds it); built so, it needs a CUDA device and fails, saying so, without one.
#![cfg(feature = "cuda")]

use candle_core::{DType, Device, Tensor, Var};
use candle_nn::{Optimizer, VarBuilder, VarMap, SGD};
use painter_cae::{Cae, CaeConfig};
use painter_data::ImageBatch;

/// The largest difference between two tensors relative to the largest magnitude of the first.
fn relative_diff(a: &Tensor, b: &Tensor) -> f32 {
    let a = a.to_device(&Device::Cpu).unwrap();
    let b = b.to_device(&Device::Cpu).unwrap();
    assert_eq!(a.dims(), b.dims());
    let scale = a.abs().unwrap().flatten_all().unwrap().max(0).unwrap();
    let diff = (&a - &b)
        .unwrap()
        .abs()
        .unwrap()
        .flatten_all()
        .unwrap()
        .max(0);
    diff.unwrap().to_scalar::<f32>().unwrap() / scale.to_scalar::<f32>().unwrap().max(1e-12)
}

#[test]
fn a_cae_step_on_cuda_matches_the_cpu_step() {
    let gpu = Device::new_cuda(0)
        .expect("built with the `cuda` feature, the test needs a usable CUDA device 0");
    let cpu = Device::Cpu;
    let cfg = CaeConfig {
        image_size: 32,
        ..CaeConfig::compact()
    };
    let cpu_vars = VarMap::new();
    let cpu_cae = Cae::new_seeded(&cfg, &cpu_vars, 7, &cpu).unwrap();
    // The same weights, copied onto the GPU.
    let gpu_vars = VarMap::new();
    {
        let cpu_data = cpu_vars.data().lock().unwrap();
        let mut gpu_data = gpu_vars.data().lock().unwrap();
        for (name, var) in cpu_data.iter() {
            let t = var.as_tensor().to_device(&gpu).unwrap();
            gpu_data.insert(name.clone(), Var::from_tensor(&t).unwrap());
        }
    }
    let gpu_cae = Cae::new(&cfg, VarBuilder::from_varmap(&gpu_vars, DType::F32, &gpu)).unwrap();
    let images = Tensor::rand(0f32, 1f32, (4, 3, 32, 32), &cpu).unwrap();

    let mut losses = Vec::new();
    for (cae, vars, dev) in [(&cpu_cae, &cpu_vars, &cpu), (&gpu_cae, &gpu_vars, &gpu)] {
        let x = ImageBatch::new(images.to_device(dev).unwrap(), None).unwrap();
        let mut sgd = SGD::new(vars.all_vars(), 0.5).unwrap();
        let loss = cae.mse(&x, &x).unwrap();
        sgd.backward_step(&loss).unwrap();
        losses.push(loss.to_device(&cpu).unwrap().to_scalar::<f32>().unwrap());
    }
    assert!(
        (losses[0] - losses[1]).abs() <= 1e-4 * losses[0].abs(),
        "loss: cpu {} cuda {}",
        losses[0],
        losses[1]
    );
    // After the step, every parameter agrees (so every gradient did, at this learning rate).
    let cpu_data = cpu_vars.data().lock().unwrap();
    let gpu_data = gpu_vars.data().lock().unwrap();
    assert_eq!(cpu_data.len(), gpu_data.len());
    for (name, var) in cpu_data.iter() {
        let d = relative_diff(var.as_tensor(), gpu_data[name].as_tensor());
        assert!(d <= 1e-3, "{name}: relative difference {d}");
    }
}
