//! Max-pooling with switches and max-unpooling on a CUDA device (the portable composition) against
//! the CPU custom ops: values, switches and gradients. Built only with the `cuda` feature (as
//! `benches/gpu.sh` builds it); built so, it needs a CUDA device and fails, saying so, without one.
#![cfg(feature = "cuda")]

use candle_core::{Device, Tensor, Var};
use painter_conv::{max_pool2d_with_indices, max_unpool2d};

fn cuda() -> Device {
    Device::new_cuda(0).unwrap_or_else(|e| {
        panic!("built with the `cuda` feature but no CUDA device 0 is usable: {e}")
    })
}

/// The largest absolute difference between two tensors of the same shape, on the CPU.
fn max_abs_diff(a: &Tensor, b: &Tensor) -> f32 {
    let a = a.to_device(&Device::Cpu).unwrap();
    let b = b.to_device(&Device::Cpu).unwrap();
    assert_eq!(a.dims(), b.dims());
    (a - b)
        .unwrap()
        .abs()
        .unwrap()
        .flatten_all()
        .unwrap()
        .max(0)
        .unwrap()
        .to_scalar::<f32>()
        .unwrap()
}

#[test]
fn pool_and_unpool_on_cuda_match_the_cpu_ops() {
    let gpu = cuda();
    let cpu = Device::Cpu;
    // Ties on purpose (values rounded to 1/8) so the first-maximum rule is exercised.
    let x = ((Tensor::rand(0f32, 8f32, (2, 5, 12, 10), &cpu)
        .unwrap()
        .floor()
        .unwrap())
        / 8.0)
        .unwrap();
    for (kernel, stride) in [(2, 2), (3, 2), (3, 3)] {
        let (v_cpu, i_cpu) = max_pool2d_with_indices(&x, kernel, stride).unwrap();
        let (v_gpu, i_gpu) =
            max_pool2d_with_indices(&x.to_device(&gpu).unwrap(), kernel, stride).unwrap();
        assert!(v_gpu.device().is_cuda());
        assert_eq!(
            max_abs_diff(&v_cpu, &v_gpu),
            0.0,
            "values, k={kernel} s={stride}"
        );
        assert_eq!(
            i_cpu.flatten_all().unwrap().to_vec1::<u32>().unwrap(),
            i_gpu.flatten_all().unwrap().to_vec1::<u32>().unwrap(),
            "switches, k={kernel} s={stride}"
        );
        if kernel == stride {
            let u_cpu = max_unpool2d(&v_cpu, &i_cpu, (12, 10)).unwrap();
            let u_gpu = max_unpool2d(&v_gpu, &i_gpu, (12, 10)).unwrap();
            assert_eq!(max_abs_diff(&u_cpu, &u_gpu), 0.0, "unpool, k={kernel}");
        }
    }
}

#[test]
fn pool_and_unpool_gradients_on_cuda_match_the_cpu_ops() {
    let gpu = cuda();
    let cpu = Device::Cpu;
    let x = Tensor::rand(-1f32, 1f32, (2, 4, 8, 8), &cpu).unwrap();
    let weights = Tensor::rand(-1f32, 1f32, (2, 4, 8, 8), &cpu).unwrap();
    let mut grads = Vec::new();
    for dev in [&cpu, &gpu] {
        let var = Var::from_tensor(&x.to_device(dev).unwrap()).unwrap();
        let (v, i) = max_pool2d_with_indices(var.as_tensor(), 2, 2).unwrap();
        let u = max_unpool2d(&v, &i, (8, 8)).unwrap();
        let loss = (u * weights.to_device(dev).unwrap())
            .unwrap()
            .sum_all()
            .unwrap();
        let g = loss.backward().unwrap();
        grads.push(g.get(var.as_tensor()).unwrap().clone());
    }
    assert!(max_abs_diff(&grads[0], &grads[1]) <= 1e-6);
}
