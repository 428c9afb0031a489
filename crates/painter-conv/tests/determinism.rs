//! Bit-exact reproducibility: the same inputs give the same bits on every call and for any number
//! of threads (the weight-gradient reduction sums in a fixed order), for the convolutions and the
//! fused encoder/decoder stages.

mod common;

use candle_core::Result;
use common::{bits, grad_of, rand_tensor, rand_var};
use painter_conv::{
    conv2d, conv2d_input_grad, conv2d_relu_maxpool2d, conv2d_weight_grad, conv_transpose2d,
    maxunpool2d_conv_transpose2d, Conv2dConfig, ConvTranspose2dConfig,
};
use rand::{rngs::StdRng, SeedableRng};

/// Weight, input and bias gradients of a conv2d + transposed conv2d through autograd, plus the
/// standalone weight and input gradients, as raw bits.
fn all_grads(batch: usize) -> Result<Vec<Vec<u32>>> {
    let mut rng = StdRng::seed_from_u64(7);
    let x = rand_tensor(&mut rng, &[batch, 3, 19, 17]);
    let [w1, b1, w2, b2] =
        [&[6, 3, 5, 5][..], &[6], &[6, 4, 3, 3], &[4]].map(|d| rand_var(&mut rng, d));
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
    let r = rand_tensor(&mut rng, y.dims());
    let grads = (y * r)?.sum_all()?.backward()?;
    let mut out = Vec::new();
    out.extend([&w1, &b1, &w2, &b2].map(|v| bits(&grad_of(&grads, v))));
    let dy = rand_tensor(&mut rng, h.dims());
    out.push(bits(&conv2d_weight_grad(&x, &dy, c1, 5)?));
    out.push(bits(&conv2d_input_grad(&dy, &w1, c1, (19, 17))?));
    out.push(bits(&h));
    // The fused encoder and decoder stages, every gradient through autograd.
    let shapes = [
        &[batch, 3, 18, 14][..],
        &[5, 3, 3, 3],
        &[5],
        &[5, 3, 3, 3],
        &[3],
    ];
    let [x2, w3, b3, w4, b4] = shapes.map(|d| rand_var(&mut rng, d));
    let c3 = Conv2dConfig {
        stride: 1,
        padding: 1,
    };
    let (p, idx) = conv2d_relu_maxpool2d(&x2, &w3, &b3, c3, 2, 2)?;
    let z = maxunpool2d_conv_transpose2d(&p, &idx, (18, 14), true, &w4, &b4, c2)?;
    let r2 = rand_tensor(&mut rng, z.dims());
    let grads = (&z * r2)?.sum_all()?.backward()?;
    out.extend([&x2, &w3, &b3, &w4, &b4].map(|v| bits(&grad_of(&grads, v))));
    out.push(bits(&z));
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
