//! Bit-exact reproducibility: the same inputs give the same bits on every call and for any number
//! of threads (the weight-gradient reduction sums in a fixed order), for the convolutions and the
//! fused encoder/decoder stages.

use candle_core::{Device, Result, Tensor, Var};
use painter_conv::{
    conv2d, conv2d_input_grad, conv2d_relu_maxpool2d, conv2d_weight_grad, conv_transpose2d,
    maxunpool2d_conv_transpose2d, Conv2dConfig, ConvTranspose2dConfig,
};
use rand::{rngs::StdRng, Rng, SeedableRng};

fn rand_tensor(rng: &mut StdRng, dims: &[usize]) -> Result<Tensor> {
    let n: usize = dims.iter().product();
    let v: Vec<f32> = (0..n).map(|_| rng.random_range(-1.0f32..1.0)).collect();
    Tensor::from_vec(v, dims, &Device::Cpu)
}

fn bits(t: &Tensor) -> Result<Vec<u32>> {
    Ok(t.flatten_all()?
        .to_vec1::<f32>()?
        .into_iter()
        .map(f32::to_bits)
        .collect())
}

/// Weight, input and bias gradients of a conv2d + transposed conv2d through autograd, plus the
/// standalone weight and input gradients, as raw bits.
fn all_grads(batch: usize) -> Result<Vec<Vec<u32>>> {
    let mut rng = StdRng::seed_from_u64(7);
    let x = rand_tensor(&mut rng, &[batch, 3, 19, 17])?;
    let w1 = Var::from_tensor(&rand_tensor(&mut rng, &[6, 3, 5, 5])?)?;
    let b1 = Var::from_tensor(&rand_tensor(&mut rng, &[6])?)?;
    let w2 = Var::from_tensor(&rand_tensor(&mut rng, &[6, 4, 3, 3])?)?;
    let b2 = Var::from_tensor(&rand_tensor(&mut rng, &[4])?)?;
    let c1 = Conv2dConfig {
        stride: 2,
        padding: 2,
    };
    let c2 = ConvTranspose2dConfig {
        stride: 1,
        padding: 1,
        output_padding: 0,
    };
    let h = conv2d(&x, &w1, Some(&b1), c1)?;
    let y = conv_transpose2d(&h, &w2, Some(&b2), c2)?;
    let r = rand_tensor(&mut rng, y.dims())?;
    let grads = (y * r)?.sum_all()?.backward()?;
    let mut out = Vec::new();
    for v in [&w1, &b1, &w2, &b2] {
        let g = grads
            .get(v)
            .ok_or_else(|| candle_core::Error::Msg("missing gradient".into()))?;
        out.push(bits(g)?);
    }
    let dy = rand_tensor(&mut rng, h.dims())?;
    out.push(bits(&conv2d_weight_grad(&x, &dy, c1, 5)?)?);
    out.push(bits(&conv2d_input_grad(&dy, &w1, c1, (19, 17))?)?);
    out.push(bits(&h)?);
    // The fused encoder and decoder stages, every gradient through autograd.
    let x2 = Var::from_tensor(&rand_tensor(&mut rng, &[batch, 3, 18, 14])?)?;
    let w3 = Var::from_tensor(&rand_tensor(&mut rng, &[5, 3, 3, 3])?)?;
    let b3 = Var::from_tensor(&rand_tensor(&mut rng, &[5])?)?;
    let w4 = Var::from_tensor(&rand_tensor(&mut rng, &[5, 3, 3, 3])?)?;
    let b4 = Var::from_tensor(&rand_tensor(&mut rng, &[3])?)?;
    let c3 = Conv2dConfig {
        stride: 1,
        padding: 1,
    };
    let (p, idx) = conv2d_relu_maxpool2d(&x2, &w3, &b3, c3, 2, 2)?;
    let c4 = ConvTranspose2dConfig {
        stride: 1,
        padding: 1,
        output_padding: 0,
    };
    let z = maxunpool2d_conv_transpose2d(&p, &idx, (18, 14), true, &w4, &b4, c4)?;
    let r2 = rand_tensor(&mut rng, z.dims())?;
    let grads = (&z * r2)?.sum_all()?.backward()?;
    for v in [&x2, &w3, &b3, &w4, &b4] {
        let g = grads
            .get(v)
            .ok_or_else(|| candle_core::Error::Msg("missing gradient".into()))?;
        out.push(bits(g)?);
    }
    out.push(bits(&z)?);
    Ok(out)
}

fn in_pool(threads: usize, batch: usize) -> Vec<Vec<u32>> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap_or_else(|e| panic!("thread pool: {e}"));
    pool.install(|| all_grads(batch))
        .unwrap_or_else(|e| panic!("gradients: {e}"))
}

#[test]
fn gradients_are_bit_identical_across_calls_and_thread_counts() {
    // Batches below, at and above the fixed chunk count, and large enough for several images per
    // chunk.
    for batch in [1, 2, 3, 5, 9, 16] {
        let one = in_pool(1, batch);
        let again = in_pool(1, batch);
        assert_eq!(one, again, "batch {batch}: 1 thread, repeated");
        for _ in 0..3 {
            let two = in_pool(2, batch);
            assert_eq!(one, two, "batch {batch}: 1 vs 2 threads");
        }
        let three = in_pool(3, batch);
        assert_eq!(one, three, "batch {batch}: 1 vs 3 threads");
    }
}
