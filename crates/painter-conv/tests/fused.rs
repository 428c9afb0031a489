//! The fused CPU stages of `painter-conv` (`conv2d_relu_maxpool2d`, `maxunpool2d_conv_transpose2d`),
//! which the encoder and decoder use on the CPU, against the unfused composition of separately
//! tested ops (`conv2d`, `relu`, `max_pool2d_with_indices`, `max_unpool2d`, `conv_transpose2d`):
//! values, switches and the gradients of input and weight must agree bit for bit, bias gradients
//! (summed in another order) to 1e-5. Random small shapes: odd sizes, kernel 1/3/5, stride 1/2,
//! padding 0..k-1, overlapping and non-overlapping pooling windows, with and without the ReLU.

mod common;

use candle_core::{Device, Tensor, Var};
use common::{bits, flat, grad_of, rand_tensor, rand_var};
use painter_conv::{
    conv2d, conv2d_leaky_relu, conv2d_relu_maxpool2d, conv_transpose2d, leaky_relu,
    max_pool2d_with_indices, max_unpool2d, maxunpool2d_conv_transpose2d, relu, Conv2dConfig,
    ConvTranspose2dConfig,
};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::ops::Range;

/// `max |a - b| / max |b|`.
fn max_rel(a: &Tensor, b: &Tensor) -> f32 {
    let (a, b) = (flat(a), flat(b));
    let scale = b.iter().fold(1e-12f32, |m, v| m.max(v.abs()));
    a.iter()
        .zip(&b)
        .fold(0f32, |m, (x, y)| m.max((x - y).abs()))
        / scale
}

/// Asserts that a fused op's output and the composition's are bit-identical, and so are the
/// gradients of `sum(output * r)` (`r` random) for each of the named variables.
fn assert_same_bits(
    rng: &mut StdRng,
    (fused, composed): (&Tensor, &Tensor),
    vars: &[(&str, &Var)],
    case: &str,
) {
    assert_eq!(bits(fused), bits(composed), "{case}: output");
    let r = rand_tensor(rng, fused.dims());
    let gf = (fused * &r).unwrap().sum_all().unwrap().backward().unwrap();
    let gu = (composed * &r)
        .unwrap()
        .sum_all()
        .unwrap()
        .backward()
        .unwrap();
    for (name, v) in vars {
        let (a, b) = (bits(&grad_of(&gf, v)), bits(&grad_of(&gu, v)));
        assert_eq!(a, b, "{case}: {name}");
    }
}

/// A random stage: batch, input and output channels, kernel side, stride, padding, output
/// padding (0 unless asked for), pooling window and stride, and the side lengths.
struct Stage {
    n: usize,
    ci: usize,
    co: usize,
    k: usize,
    s: usize,
    p: usize,
    op: usize,
    pool: (usize, usize),
    h: usize,
    w: usize,
}

fn random_stage(
    rng: &mut StdRng,
    (ci, co): (Range<usize>, Range<usize>),
    output_padding: bool,
    pools: &[(usize, usize)],
    sides: Range<usize>,
) -> Stage {
    let n = rng.random_range(1..4);
    let (ci, co) = (rng.random_range(ci), rng.random_range(co));
    let k = [1, 3, 5][rng.random_range(0..3)];
    let s = rng.random_range(1..3);
    let p = rng.random_range(0..k);
    let op = if output_padding {
        rng.random_range(0..s)
    } else {
        0
    };
    let pool = pools[rng.random_range(0..pools.len())];
    let (h, w) = (rng.random_range(sides.clone()), rng.random_range(sides));
    Stage {
        n,
        ci,
        co,
        k,
        s,
        p,
        op,
        pool,
        h,
        w,
    }
}

#[test]
fn encoder_stage_equals_conv_relu_pool() {
    let mut rng = StdRng::seed_from_u64(11);
    let mut cases = 0;
    let pools = [(2, 2), (3, 2), (2, 1), (3, 3)];
    while cases < 24 {
        let st = random_stage(&mut rng, (1..5, 1..7), false, &pools, 5..14);
        let Stage {
            n, ci, co, k, s, p, ..
        } = st;
        let ((pk, ps), (h, w)) = (st.pool, (st.h, st.w));
        let (ho, wo) = ((h + 2 * p - k) / s + 1, (w + 2 * p - k) / s + 1);
        if h + 2 * p < k || ho < pk || wo < pk {
            continue;
        }
        cases += 1;
        let x = rand_var(&mut rng, &[n, ci, h, w]);
        let wt = rand_var(&mut rng, &[co, ci, k, k]);
        let b = rand_var(&mut rng, &[co]);
        let cfg = Conv2dConfig {
            stride: s,
            padding: p,
        };
        let (pf, idx_f) = conv2d_relu_maxpool2d(&x, &wt, &b, cfg, pk, ps).unwrap();
        let a = relu(&conv2d(&x, &wt, Some(&b), cfg).unwrap()).unwrap();
        let (pu, idx_u) = max_pool2d_with_indices(&a, pk, ps).unwrap();
        let case = format!("n{n} ci{ci} co{co} {h}x{w} k{k} s{s} p{p} pool {pk}/{ps}");
        assert_eq!(bits(&pf), bits(&pu), "{case}: pooled values");
        assert_eq!(
            idx_f.flatten_all().unwrap().to_vec1::<u32>().unwrap(),
            idx_u.flatten_all().unwrap().to_vec1::<u32>().unwrap(),
            "{case}: switches"
        );
        let r = rand_tensor(&mut rng, pf.dims());
        let gf = (&pf * &r).unwrap().sum_all().unwrap().backward().unwrap();
        let gu = (&pu * &r).unwrap().sum_all().unwrap().backward().unwrap();
        assert_eq!(
            bits(&grad_of(&gf, &x)),
            bits(&grad_of(&gu, &x)),
            "{case}: dx"
        );
        assert_eq!(
            bits(&grad_of(&gf, &wt)),
            bits(&grad_of(&gu, &wt)),
            "{case}: dw"
        );
        let e = max_rel(&grad_of(&gf, &b), &grad_of(&gu, &b));
        assert!(e < 1e-5, "{case}: db relative error {e}");
    }
}

#[test]
fn decoder_stage_equals_relu_unpool_deconv() {
    let mut rng = StdRng::seed_from_u64(12);
    let mut cases = 0;
    let pools = [(2, 2), (3, 2), (2, 1)];
    while cases < 24 {
        let st = random_stage(&mut rng, (1..7, 1..5), true, &pools, 4..12);
        let Stage {
            n,
            ci,
            co,
            k,
            s,
            p,
            op,
            ..
        } = st;
        let ((pk, ps), (uh, uw)) = (st.pool, (st.h, st.w));
        // The unpooled map is the transposed convolution's input: its output must be non-empty.
        if (uh - 1) * s + k + op <= 2 * p || (uw - 1) * s + k + op <= 2 * p {
            continue;
        }
        cases += 1;
        let relu_input = rng.random_bool(0.5);
        let src = rand_tensor(&mut rng, &[n, ci, uh, uw]);
        let (pooled, idx) = max_pool2d_with_indices(&src, pk, ps).unwrap();
        let x = rand_var(&mut rng, pooled.dims());
        let wt = rand_var(&mut rng, &[ci, co, k, k]);
        let b = rand_var(&mut rng, &[co]);
        let cfg = ConvTranspose2dConfig {
            stride: s,
            padding: p,
            output_padding: op,
        };
        let yf =
            maxunpool2d_conv_transpose2d(&x, &idx, (uh, uw), relu_input, &wt, &b, cfg).unwrap();
        let xin = if relu_input {
            relu(&x).unwrap()
        } else {
            x.as_tensor().clone()
        };
        let up = max_unpool2d(&xin, &idx, (uh, uw)).unwrap();
        let yu = conv_transpose2d(&up, &wt, Some(&b), cfg).unwrap();
        let case = format!(
            "n{n} ci{ci} co{co} {uh}x{uw} k{k} s{s} p{p} op{op} pool {pk}/{ps} relu {relu_input}"
        );
        let vars = [("dx", &x), ("dw", &wt), ("db", &b)];
        assert_same_bits(&mut rng, (&yf, &yu), &vars, &case);
    }
}

#[test]
fn convolution_with_its_activation_equals_the_composition() {
    let mut rng = StdRng::seed_from_u64(13);
    let pools = [(1, 1)];
    let mut checked = 0;
    for case in 0..18 {
        let st = random_stage(&mut rng, (1..5, 1..7), false, &pools, 3..12);
        let Stage {
            n, ci, co, k, s, p, ..
        } = st;
        if st.h + 2 * p < k || st.w + 2 * p < k {
            continue;
        }
        let slope = [0.0, 0.1, 1.0][case % 3];
        let x = rand_var(&mut rng, &[n, ci, st.h, st.w]);
        let wt = rand_var(&mut rng, &[co, ci, k, k]);
        let b = rand_var(&mut rng, &[co]);
        let cfg = Conv2dConfig {
            stride: s,
            padding: p,
        };
        let yf = conv2d_leaky_relu(&x, &wt, Some(&b), cfg, slope).unwrap();
        let yu = leaky_relu(&conv2d(&x, &wt, Some(&b), cfg).unwrap(), slope).unwrap();
        let what = format!(
            "n{n} ci{ci} co{co} {}x{} k{k} s{s} p{p} slope {slope}",
            st.h, st.w
        );
        let vars = [("dx", &x), ("dw", &wt), ("db", &b)];
        assert_same_bits(&mut rng, (&yf, &yu), &vars, &what);
        // Other dtypes take the composition of Candle's ops.
        let x64 = x.as_tensor().to_dtype(candle_core::DType::F64).unwrap();
        let w64 = wt.as_tensor().to_dtype(candle_core::DType::F64).unwrap();
        let y64 = conv2d_leaky_relu(&x64, &w64, None, cfg, slope).unwrap();
        let want = leaky_relu(&conv2d(&x, &wt, None, cfg).unwrap(), slope).unwrap();
        assert!(max_rel(&y64.to_dtype(candle_core::DType::F32).unwrap(), &want) < 1e-5);
        checked += 1;
    }
    assert!(checked >= 12, "{checked} cases");
    let x = Tensor::zeros((1, 1, 4, 4), candle_core::DType::F32, &Device::Cpu).unwrap();
    let w = Tensor::zeros((1, 1, 3, 3), candle_core::DType::F32, &Device::Cpu).unwrap();
    assert!(conv2d_leaky_relu(&x, &w, None, Conv2dConfig::default(), 1.5).is_err());
}

#[test]
fn fused_stages_refuse_bad_arguments() {
    let dev = Device::Cpu;
    let x = Tensor::zeros((1, 2, 6, 6), candle_core::DType::F32, &dev).unwrap();
    let w = Tensor::zeros((3, 2, 3, 3), candle_core::DType::F32, &dev).unwrap();
    let b = Tensor::zeros(3, candle_core::DType::F32, &dev).unwrap();
    let cfg = Conv2dConfig {
        stride: 1,
        padding: 1,
    };
    // Pooling window larger than the map, zero stride, wrong bias, f64 input.
    assert!(conv2d_relu_maxpool2d(&x, &w, &b, cfg, 7, 7).is_err());
    assert!(conv2d_relu_maxpool2d(&x, &w, &b, cfg, 2, 0).is_err());
    let b4 = Tensor::zeros(4, candle_core::DType::F32, &dev).unwrap();
    assert!(conv2d_relu_maxpool2d(&x, &w, &b4, cfg, 2, 2).is_err());
    let x64 = x.to_dtype(candle_core::DType::F64).unwrap();
    assert!(conv2d_relu_maxpool2d(&x64, &w, &b, cfg, 2, 2).is_err());
    // Unpooling: indices out of range, shape mismatch, non-u32 indices.
    let (p, idx) = conv2d_relu_maxpool2d(&x, &w, &b, cfg, 2, 2).unwrap();
    let wt = Tensor::zeros((3, 2, 3, 3), candle_core::DType::F32, &dev).unwrap();
    let bt = Tensor::zeros(2, candle_core::DType::F32, &dev).unwrap();
    let tcfg = ConvTranspose2dConfig {
        stride: 1,
        padding: 1,
        output_padding: 0,
    };
    assert!(maxunpool2d_conv_transpose2d(&p, &idx, (6, 6), true, &wt, &bt, tcfg).is_ok());
    assert!(maxunpool2d_conv_transpose2d(&p, &idx, (3, 3), true, &wt, &bt, tcfg).is_err());
    let idx_small = idx.narrow(3, 0, 2).unwrap();
    assert!(maxunpool2d_conv_transpose2d(&p, &idx_small, (6, 6), true, &wt, &bt, tcfg).is_err());
    let idx_f = idx.to_dtype(candle_core::DType::F32).unwrap();
    assert!(maxunpool2d_conv_transpose2d(&p, &idx_f, (6, 6), true, &wt, &bt, tcfg).is_err());
}
