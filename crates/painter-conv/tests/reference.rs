//! Checks the fast convolution and ReLU ops against independent references: a naive float64
//! implementation (forward and all gradients), Candle's own `conv2d` / `conv_transpose2d` and their
//! autograd, and finite differences. Shapes are random (seeded) and small: odd sizes, stride 1 and
//! 2, padding 0..k-1, channel counts 1..200.

mod common;

use candle_core::{DType, Device, Result, Tensor, Var};
use common::{bits, flat, rand_vec, var_of};
use painter_conv::{
    conv2d, conv2d_relu_maxpool2d, conv_transpose2d, leaky_relu, maxunpool2d_conv_transpose2d,
    relu, Conv2dConfig, ConvTranspose2dConfig,
};
use rand::{rngs::StdRng, Rng, SeedableRng};

const TOL: f64 = 1e-4;

/// `max |a - b| / max |b|`.
fn rel_err(a: &[f32], b: &[f64]) -> f64 {
    assert_eq!(a.len(), b.len(), "length mismatch");
    let scale = b.iter().fold(0f64, |m, v| m.max(v.abs())).max(1e-12);
    let diff = a
        .iter()
        .zip(b)
        .fold(0f64, |m, (x, y)| m.max((f64::from(*x) - y).abs()));
    diff / scale
}

fn rel_err32(a: &[f32], b: &[f32]) -> f64 {
    let b64: Vec<f64> = b.iter().map(|v| f64::from(*v)).collect();
    rel_err(a, &b64)
}

#[derive(Debug, Clone, Copy)]
struct Case {
    n: usize,
    ci: usize,
    co: usize,
    h: usize,
    w: usize,
    k: usize,
    s: usize,
    p: usize,
    op: usize,
}

impl Case {
    /// The case's convolution.
    fn conv(&self) -> Conv2dConfig {
        Conv2dConfig {
            stride: self.s,
            padding: self.p,
        }
    }

    /// The case's transposed convolution.
    fn conv_t(&self) -> ConvTranspose2dConfig {
        ConvTranspose2dConfig {
            stride: self.s,
            padding: self.p,
            output_padding: self.op,
        }
    }
}

/// What a naive reference gives: the output `y` and, for the loss `sum(y * r)`, the gradients of
/// input, weight and bias; then the output's height and width.
type Naive = (Vec<f64>, Vec<f64>, Vec<f64>, Vec<f64>, usize, usize);

/// A connection of a linear layer: `(xi, wi, yi)` for `y[yi] += x[xi] * w[wi]`.
type Link = (usize, usize, usize);

/// Every connection `(xi, wi, yi)` of the convolution `c`: output element `yi` adds input element
/// `xi` times weight element `wi` (weight `co x ci x k x k`), for every kernel offset that lands
/// inside the input (the rest reads the zero padding). Also the output's height and width.
fn conv_connections(c: &Case) -> (Vec<Link>, (usize, usize)) {
    let ho = (c.h + 2 * c.p - c.k) / c.s + 1;
    let wo = (c.w + 2 * c.p - c.k) / c.s + 1;
    let mut links = Vec::new();
    for n in 0..c.n {
        for o in 0..c.co {
            for oh in 0..ho {
                for ow in 0..wo {
                    let yi = ((n * c.co + o) * ho + oh) * wo + ow;
                    for i in 0..c.ci {
                        for kh in 0..c.k {
                            for kw in 0..c.k {
                                let ih = (oh * c.s + kh) as isize - c.p as isize;
                                let iw = (ow * c.s + kw) as isize - c.p as isize;
                                if ih < 0 || iw < 0 || ih >= c.h as isize || iw >= c.w as isize {
                                    continue;
                                }
                                let xi = ((n * c.ci + i) * c.h + ih as usize) * c.w + iw as usize;
                                let wi = ((o * c.ci + i) * c.k + kh) * c.k + kw;
                                links.push((xi, wi, yi));
                            }
                        }
                    }
                }
            }
        }
    }
    (links, (ho, wo))
}

/// The naive float64 layer made of `links` (`(xi, wi, yi)`: `y[yi] += x[xi] * w[wi]`) with `c.n`
/// images of `c.co` output channels of `ho x wo`, each plus its bias.
fn naive_layer(
    c: &Case,
    (ho, wo): (usize, usize),
    links: impl Iterator<Item = Link>,
    (x, w, b, r): (&[f32], &[f32], &[f32], &[f32]),
) -> Naive {
    let channel = |yi: usize| (yi / (ho * wo)) % c.co;
    let mut y: Vec<f64> = (0..c.n * c.co * ho * wo)
        .map(|yi| f64::from(b[channel(yi)]))
        .collect();
    let mut db = vec![0f64; c.co];
    for (yi, rv) in r.iter().enumerate() {
        db[channel(yi)] += f64::from(*rv);
    }
    let (mut dx, mut dw) = (vec![0f64; x.len()], vec![0f64; w.len()]);
    for (xi, wi, yi) in links {
        let (xv, wv, rv) = (f64::from(x[xi]), f64::from(w[wi]), f64::from(r[yi]));
        y[yi] += xv * wv;
        dx[xi] += rv * wv;
        dw[wi] += rv * xv;
    }
    (y, dx, dw, db, ho, wo)
}

/// Naive float64 convolution: returns y and, for the loss `sum(y * r)`, dx, dw, db.
fn naive_conv(c: &Case, x: &[f32], w: &[f32], b: &[f32], r: &[f32]) -> Naive {
    let (links, out) = conv_connections(c);
    naive_layer(c, out, links.into_iter(), (x, w, b, r))
}

/// Naive float64 transposed convolution (weight `ci x co x k x k`), same outputs as `naive_conv`:
/// the adjoint of the convolution from its output (`ci` channels of `h x w`) back to its input
/// (`co` channels of the transposed convolution's output size), every connection read backwards.
fn naive_conv_t(c: &Case, x: &[f32], w: &[f32], b: &[f32], r: &[f32]) -> Naive {
    let ho = (c.h - 1) * c.s + c.k + c.op - 2 * c.p;
    let wo = (c.w - 1) * c.s + c.k + c.op - 2 * c.p;
    let adjoint = Case {
        ci: c.co,
        co: c.ci,
        h: ho,
        w: wo,
        op: 0,
        ..*c
    };
    let (links, out) = conv_connections(&adjoint);
    assert_eq!(out, (c.h, c.w), "{c:?}: the adjoint convolution's sizes");
    let backwards = links.into_iter().map(|(xi, wi, yi)| (yi, wi, xi));
    naive_layer(c, (ho, wo), backwards, (x, w, b, r))
}

fn random_case(rng: &mut StdRng, transposed: bool) -> Case {
    let k: usize = rng.random_range(1..=5);
    let s: usize = rng.random_range(1..=2);
    let p = rng.random_range(0..k);
    let wide = rng.random_bool(0.25);
    let (ci, co) = if wide {
        (rng.random_range(1..=200), rng.random_range(1..=200))
    } else {
        (rng.random_range(1..=8), rng.random_range(1..=8))
    };
    let min = if transposed {
        1 + (2 * p).div_ceil(s)
    } else {
        k.saturating_sub(2 * p).max(1)
    };
    let (h, w) = if wide {
        (
            rng.random_range(min..=min + 3),
            rng.random_range(min..=min + 3),
        )
    } else {
        (
            rng.random_range(min..=min + 10),
            rng.random_range(min..=min + 10),
        )
    };
    let n = if wide { 1 } else { rng.random_range(1..=9) };
    let op = if transposed {
        rng.random_range(0..s)
    } else {
        0
    };
    Case {
        n,
        ci,
        co,
        h,
        w,
        k,
        s,
        p,
        op,
    }
}

struct Run {
    y: Vec<f32>,
    dx: Vec<f32>,
    dw: Vec<f32>,
    db: Vec<f32>,
}

/// Runs the fast op (or Candle's reference op) and backpropagates `sum(y * r)`.
fn run(
    c: &Case,
    x: &[f32],
    w: &[f32],
    b: &[f32],
    r: &[f32],
    transposed: bool,
    candle_ref: bool,
) -> Result<Run> {
    let dev = Device::Cpu;
    let xv = Var::from_vec(x.to_vec(), (c.n, c.ci, c.h, c.w), &dev)?;
    let wshape = if transposed {
        (c.ci, c.co, c.k, c.k)
    } else {
        (c.co, c.ci, c.k, c.k)
    };
    let wv = Var::from_vec(w.to_vec(), wshape, &dev)?;
    let bv = Var::from_vec(b.to_vec(), c.co, &dev)?;
    let (x, w, b) = (xv.as_tensor(), wv.as_tensor(), bv.as_tensor());
    let bias = b.reshape((1, c.co, 1, 1))?;
    let y = match (transposed, candle_ref) {
        (false, false) => conv2d(x, w, Some(b), c.conv())?,
        (true, false) => conv_transpose2d(x, w, Some(b), c.conv_t())?,
        (false, true) => x.conv2d(w, c.p, c.s, 1, 1)?.broadcast_add(&bias)?,
        (true, true) => x
            .conv_transpose2d(w, c.p, c.op, c.s, 1)?
            .broadcast_add(&bias)?,
    };
    let rt = Tensor::from_vec(r.to_vec(), y.shape(), &dev)?;
    let grads = (&y * &rt)?.sum_all()?.backward()?;
    let get = |v: &Var| {
        grads
            .get(v.as_tensor())
            .map(flat)
            .expect("gradient present")
    };
    Ok(Run {
        y: flat(&y),
        dx: get(&xv),
        dw: get(&wv),
        db: get(&bv),
    })
}

fn check(transposed: bool, seed: u64, cases: usize) {
    let mut rng = StdRng::seed_from_u64(seed);
    for t in 0..cases {
        let c = random_case(&mut rng, transposed);
        let wlen = c.ci * c.co * c.k * c.k;
        let x = rand_vec(&mut rng, c.n * c.ci * c.h * c.w);
        let w = rand_vec(&mut rng, wlen);
        let b = rand_vec(&mut rng, c.co);
        let (ho, wo) = if transposed {
            (
                (c.h - 1) * c.s + c.k + c.op - 2 * c.p,
                (c.w - 1) * c.s + c.k + c.op - 2 * c.p,
            )
        } else {
            (
                (c.h + 2 * c.p - c.k) / c.s + 1,
                (c.w + 2 * c.p - c.k) / c.s + 1,
            )
        };
        let r = rand_vec(&mut rng, c.n * c.co * ho * wo);
        let (y, dx, dw, db, _, _) = if transposed {
            naive_conv_t(&c, &x, &w, &b, &r)
        } else {
            naive_conv(&c, &x, &w, &b, &r)
        };
        let fast = run(&c, &x, &w, &b, &r, transposed, false).unwrap();
        for (name, got, want) in [
            ("y", &fast.y, &y),
            ("dx", &fast.dx, &dx),
            ("dw", &fast.dw, &dw),
            ("db", &fast.db, &db),
        ] {
            let e = rel_err(got, want);
            assert!(
                e < TOL,
                "case {t} {c:?}: {name} relative error {e:e} vs naive f64"
            );
        }
        // Candle's own ops and autograd as a second reference (small channel counts keep Candle fast).
        // Candle 0.11's conv2d backward returns a wrongly sized input gradient when the stride does
        // not divide `h + 2p - k` (the naive reference above covers those cases).
        let candle_ok = transposed
            || ((c.h + 2 * c.p - c.k).is_multiple_of(c.s)
                && (c.w + 2 * c.p - c.k).is_multiple_of(c.s));
        if c.ci * c.co <= 64 && candle_ok {
            let reference = run(&c, &x, &w, &b, &r, transposed, true).unwrap();
            for (name, got, want) in [
                ("y", &fast.y, &reference.y),
                ("dx", &fast.dx, &reference.dx),
                ("dw", &fast.dw, &reference.dw),
                ("db", &fast.db, &reference.db),
            ] {
                let e = rel_err32(got, want);
                assert!(
                    e < TOL,
                    "case {t} {c:?}: {name} relative error {e:e} vs Candle"
                );
            }
        }
    }
}

#[test]
fn conv2d_matches_naive_f64_and_candle() {
    check(false, 7, 60);
}

#[test]
fn conv_transpose2d_matches_naive_f64_and_candle() {
    check(true, 11, 60);
}

#[test]
fn batch_smaller_and_larger_than_pool_agree() {
    // One image runs with a parallel GEMM, many with parallel images: same numbers per image.
    let mut rng = StdRng::seed_from_u64(3);
    let x = rand_vec(&mut rng, 5 * 6 * 9 * 9);
    let w = rand_vec(&mut rng, 4 * 6 * 3 * 3);
    let dev = Device::Cpu;
    let xt = Tensor::from_vec(x, (5, 6, 9, 9), &dev).unwrap();
    let wt = Tensor::from_vec(w, (4, 6, 3, 3), &dev).unwrap();
    let cfg = Conv2dConfig {
        stride: 2,
        padding: 1,
    };
    let all = conv2d(&xt, &wt, None, cfg).unwrap();
    for i in 0..5 {
        let one = conv2d(&xt.narrow(0, i, 1).unwrap(), &wt, None, cfg).unwrap();
        let e = rel_err32(&flat(&one), &flat(&all.narrow(0, i, 1).unwrap()));
        assert!(e < 1e-6, "image {i}: {e:e}");
    }
}

/// Central finite differences of `sum(y * r)`; convolutions are linear in x and in w, so a large
/// step is exact up to rounding.
#[test]
fn gradients_match_finite_differences() {
    let mut rng = StdRng::seed_from_u64(5);
    let dev = Device::Cpu;
    for transposed in [false, true] {
        let (n, ci, co, h, k, s, p, op) = (2, 3, 4, 7, 3, 2, 1, 1);
        let x = Tensor::from_vec(rand_vec(&mut rng, n * ci * h * h), (n, ci, h, h), &dev).unwrap();
        let wshape = if transposed {
            (ci, co, k, k)
        } else {
            (co, ci, k, k)
        };
        let w = Tensor::from_vec(rand_vec(&mut rng, ci * co * k * k), wshape, &dev).unwrap();
        let fwd = |x: &Tensor, w: &Tensor| -> Tensor {
            let y = if transposed {
                conv_transpose2d(
                    x,
                    w,
                    None,
                    ConvTranspose2dConfig {
                        stride: s,
                        padding: p,
                        output_padding: op,
                    },
                )
            } else {
                conv2d(
                    x,
                    w,
                    None,
                    Conv2dConfig {
                        stride: s,
                        padding: p,
                    },
                )
            };
            y.unwrap()
        };
        let y0 = fwd(&x, &w);
        let r = Tensor::from_vec(rand_vec(&mut rng, y0.elem_count()), y0.shape(), &dev).unwrap();
        let loss = |x: &Tensor, w: &Tensor| -> f64 {
            f64::from(
                (fwd(x, w) * &r)
                    .unwrap()
                    .sum_all()
                    .unwrap()
                    .to_scalar::<f32>()
                    .unwrap(),
            )
        };
        let xv = Var::from_tensor(&x).unwrap();
        let wv = Var::from_tensor(&w).unwrap();
        let grads = (fwd(xv.as_tensor(), wv.as_tensor()) * &r)
            .unwrap()
            .sum_all()
            .unwrap()
            .backward()
            .unwrap();
        for (which, var) in [("x", &xv), ("w", &wv)] {
            let g = flat(grads.get(var.as_tensor()).unwrap());
            let base = flat(var.as_tensor());
            for idx in (0..base.len()).step_by(7) {
                let eps = 0.5f32;
                let mut plus = base.clone();
                plus[idx] += eps;
                let mut minus = base.clone();
                minus[idx] -= eps;
                let shaped = |v: Vec<f32>| Tensor::from_vec(v, var.shape(), &dev).unwrap();
                let (lp, lm) = if which == "x" {
                    (loss(&shaped(plus), &w), loss(&shaped(minus), &w))
                } else {
                    (loss(&x, &shaped(plus)), loss(&x, &shaped(minus)))
                };
                let fd = (lp - lm) / (2.0 * f64::from(eps));
                let err = (fd - f64::from(g[idx])).abs() / fd.abs().max(1.0);
                assert!(
                    err < 1e-3,
                    "transposed={transposed} d{which}[{idx}]: fd {fd} vs {}",
                    g[idx]
                );
            }
        }
    }
}

#[test]
fn input_gradient_skipped_for_constant_input() {
    let dev = Device::Cpu;
    let x = Tensor::randn(0f32, 1.0, (2, 3, 6, 6), &dev).unwrap();
    let w = Var::randn(0f32, 1.0, (4, 3, 3, 3), &dev).unwrap();
    let y = conv2d(
        &x,
        w.as_tensor(),
        None,
        Conv2dConfig {
            stride: 1,
            padding: 1,
        },
    )
    .unwrap();
    let grads = y.sum_all().unwrap().backward().unwrap();
    assert!(grads.get(&x).is_none());
    assert!(grads.get(w.as_tensor()).is_some());
}

#[test]
fn relu_and_leaky_relu_match_their_definition_candle_and_their_gradients() {
    let dev = Device::Cpu;
    let mut rng = StdRng::seed_from_u64(9);
    // Large enough to span several parallel chunks, plus an odd tail.
    let len = 3 * (1 << 15) + 17;
    let data = rand_vec(&mut rng, len);
    let r = Tensor::from_vec(rand_vec(&mut rng, len), len, &dev).unwrap();
    let rv = flat(&r);
    for slope in [0.0f32, 0.1, 1.0] {
        let xv = Var::from_vec(data.clone(), len, &dev).unwrap();
        let t = xv.as_tensor();
        let y = if slope == 0.0 {
            relu(t).unwrap()
        } else {
            leaky_relu(t, f64::from(slope)).unwrap()
        };
        let grads = (&y * &r).unwrap().sum_all().unwrap().backward().unwrap();
        let want_y: Vec<f32> = data
            .iter()
            .map(|&v| if v > 0.0 { v } else { slope * v })
            .collect();
        let want_g: Vec<f32> = data
            .iter()
            .zip(&rv)
            .map(|(x, r)| if *x > 0.0 { *r } else { slope * r })
            .collect();
        assert_eq!(flat(&y), want_y, "slope {slope}");
        assert_eq!(flat(grads.get(t).unwrap()), want_g, "slope {slope}");
        // The same as Candle's relu and its composition of the leaky ReLU, and (in f64) as the
        // fallback on other dtypes.
        let candle = t
            .maximum(&t.affine(f64::from(slope), 0.0).unwrap())
            .unwrap();
        assert!(flat(&candle).iter().zip(&want_y).all(|(a, b)| a == b));
        assert_eq!(flat(&t.relu().unwrap()), flat(&relu(t).unwrap()));
        let y64 = leaky_relu(&t.to_dtype(DType::F64).unwrap(), f64::from(slope)).unwrap();
        assert_eq!(y64.dtype(), DType::F64);
        assert_eq!(flat(&y64.to_dtype(DType::F32).unwrap()), want_y);
    }
    // Non-contiguous input (a transpose) is handled.
    let m = Tensor::from_vec(data[..12].to_vec(), (3, 4), &dev)
        .unwrap()
        .t()
        .unwrap();
    assert_eq!(flat(&relu(&m).unwrap()), flat(&m.relu().unwrap()));
    // A slope of 0 is the ReLU bit for bit (no negative zeros).
    let x = Tensor::new(&[-2f32, -0.0, 0.0, 3.0], &dev).unwrap();
    assert_eq!(
        bits(&leaky_relu(&x, 0.0).unwrap()),
        bits(&relu(&x).unwrap())
    );
    assert_eq!(bits(&relu(&x).unwrap()), bits(&x.relu().unwrap()));
    for bad in [-0.1, 1.5, f64::NAN] {
        assert!(leaky_relu(&x, bad).is_err(), "slope {bad}");
    }
}

#[test]
fn bad_shapes_are_errors_not_panics() {
    let dev = Device::Cpu;
    let x = Tensor::zeros((1, 3, 5, 5), DType::F32, &dev).unwrap();
    let w = Tensor::zeros((2, 4, 3, 3), DType::F32, &dev).unwrap();
    assert!(conv2d(&x, &w, None, Conv2dConfig::default()).is_err());
    let w = Tensor::zeros((2, 3, 3, 3), DType::F32, &dev).unwrap();
    assert!(conv2d(
        &x,
        &w,
        None,
        Conv2dConfig {
            stride: 0,
            padding: 0
        }
    )
    .is_err());
    assert!(conv2d(
        &x,
        &w,
        None,
        Conv2dConfig {
            stride: 1,
            padding: 3
        }
    )
    .is_err());
    let b = Tensor::zeros(5, DType::F32, &dev).unwrap();
    assert!(conv2d(&x, &w, Some(&b), Conv2dConfig::default()).is_err());
    let big = Tensor::zeros((2, 3, 7, 7), DType::F32, &dev).unwrap();
    assert!(conv2d(&x, &big, None, Conv2dConfig::default()).is_err());
    let wt = Tensor::zeros((3, 2, 3, 3), DType::F32, &dev).unwrap();
    let cfg = ConvTranspose2dConfig {
        stride: 2,
        padding: 1,
        output_padding: 2,
    };
    assert!(conv_transpose2d(&x, &wt, None, cfg).is_err());
    let err = conv2d(
        &x,
        &w,
        None,
        Conv2dConfig {
            stride: 0,
            padding: 0,
        },
    )
    .unwrap_err();
    assert!(err.to_string().contains("stride"), "{err}");
}

#[test]
fn non_f32_falls_back_to_candle() {
    let dev = Device::Cpu;
    let x = Tensor::ones((1, 2, 5, 5), DType::F64, &dev).unwrap();
    let w = Tensor::ones((3, 2, 3, 3), DType::F64, &dev).unwrap();
    let y = conv2d(
        &x,
        &w,
        None,
        Conv2dConfig {
            stride: 1,
            padding: 1,
        },
    )
    .unwrap();
    assert_eq!(y.dims(), &[1, 3, 5, 5]);
    assert_eq!(y.dtype(), DType::F64);
    let center: f64 = y
        .get(0)
        .unwrap()
        .get(0)
        .unwrap()
        .get(2)
        .unwrap()
        .get(2)
        .unwrap()
        .to_scalar()
        .unwrap();
    assert_eq!(center, 18.0);
}

/// Asserts that the gradients of `sum(out * r)` for the named variables are within [`TOL`] of
/// their naive references.
fn assert_grads_match(out: &Tensor, r: Vec<f32>, refs: &[(&str, &Var, &Vec<f64>)], case: &str) {
    let rt = Tensor::from_vec(r, out.shape(), &Device::Cpu).unwrap();
    let grads = (out * &rt).unwrap().sum_all().unwrap().backward().unwrap();
    for (name, var, reference) in refs {
        let got = flat(grads.get(var.as_tensor()).unwrap());
        assert!(rel_err(&got, reference) < TOL, "{case}: {name}");
    }
}

/// The fused stages against the naive float64 convolutions composed with a ReLU, max-pooling and
/// unpooling written out here: values, switches (every window's first maximum of the ReLU'd f32
/// output) and the gradients of `sum(out * r)` for input, weight and bias.
#[test]
fn fused_stages_match_naive_f64() {
    let mut rng = StdRng::seed_from_u64(21);
    let mut done = 0;
    while done < 12 {
        let mut c = random_case(&mut rng, false);
        c.n = c.n.min(3);
        let (pk, ps) = [(2, 2), (3, 2), (2, 1)][rng.random_range(0..3)];
        let ho = (c.h + 2 * c.p - c.k) / c.s + 1;
        let wo = (c.w + 2 * c.p - c.k) / c.s + 1;
        if ho < pk || wo < pk {
            continue;
        }
        done += 1;
        let (hp, wp) = ((ho - pk) / ps + 1, (wo - pk) / ps + 1);
        let x = rand_vec(&mut rng, c.n * c.ci * c.h * c.w);
        let w = rand_vec(&mut rng, c.co * c.ci * c.k * c.k);
        let b = rand_vec(&mut rng, c.co);
        let xt = var_of(&x, &[c.n, c.ci, c.h, c.w]);
        let wt = var_of(&w, &[c.co, c.ci, c.k, c.k]);
        let bt = var_of(&b, &[c.co]);
        let cfg = c.conv();
        let (p, idx) = conv2d_relu_maxpool2d(&xt, &wt, &bt, cfg, pk, ps).unwrap();
        let (pv, iv) = (
            flat(&p),
            idx.flatten_all().unwrap().to_vec1::<u32>().unwrap(),
        );
        // Reference forward: y in f64, ReLU, pooling at the switches the op reports, which must
        // be a first maximum of its window.
        let zeros = vec![0f32; c.n * c.co * ho * wo];
        let (y, ..) = naive_conv(&c, &x, &w, &b, &zeros);
        let plane = ho * wo;
        let mut want = vec![0f64; pv.len()];
        for pl in 0..c.n * c.co {
            for oh in 0..hp {
                for ow in 0..wp {
                    let j = pl * hp * wp + oh * wp + ow;
                    let a = |h: usize, w: usize| y[pl * plane + h * wo + w].max(0.0);
                    let best = (0..pk)
                        .flat_map(|dh| (0..pk).map(move |dw| (oh * ps + dh, ow * ps + dw)))
                        .map(|(h, w)| a(h, w))
                        .fold(f64::NEG_INFINITY, f64::max);
                    let (ih, iw) = (iv[j] as usize / wo, iv[j] as usize % wo);
                    assert!(
                        (oh * ps..oh * ps + pk).contains(&ih)
                            && (ow * ps..ow * ps + pk).contains(&iw),
                        "{c:?}: switch {} outside its window",
                        iv[j]
                    );
                    assert!(
                        (a(ih, iw) - best).abs() <= 1e-5 * best.abs().max(1.0),
                        "{c:?}"
                    );
                    want[j] = best;
                }
            }
        }
        assert!(rel_err(&pv, &want) < TOL, "{c:?}: pooled values");
        // Gradients: the upstream gradient r lands on the switches where the ReLU passed.
        let r = rand_vec(&mut rng, pv.len());
        let mut dy = vec![0f32; c.n * c.co * plane];
        for pl in 0..c.n * c.co {
            for j in 0..hp * wp {
                let k = pl * hp * wp + j;
                if pv[k] > 0.0 {
                    dy[pl * plane + iv[k] as usize] += r[k];
                }
            }
        }
        let (_, dx, dw, db, ..) = naive_conv(&c, &x, &w, &b, &dy);
        let refs = [("dx", &xt, &dx), ("dw", &wt, &dw), ("db", &bt, &db)];
        assert_grads_match(&p, r, &refs, &format!("{c:?} pool {pk}/{ps}"));

        // The decoder stage on these switches: unpool (with and without the ReLU) to ho x wo,
        // then a transposed convolution back to c.ci channels.
        let relu_input = rng.random_bool(0.5);
        let v = rand_vec(&mut rng, pv.len());
        let vt = var_of(&v, p.dims());
        let wd = rand_vec(&mut rng, c.co * c.ci * c.k * c.k);
        let bd = rand_vec(&mut rng, c.ci);
        let wdt = var_of(&wd, &[c.co, c.ci, c.k, c.k]);
        let bdt = var_of(&bd, &[c.ci]);
        let tc = Case {
            n: c.n,
            ci: c.co,
            co: c.ci,
            h: ho,
            w: wo,
            k: c.k,
            s: 1,
            p: c.p.min(c.k / 2),
            op: 0,
        };
        let tcfg = ConvTranspose2dConfig {
            stride: tc.s,
            padding: tc.p,
            output_padding: 0,
        };
        let z = maxunpool2d_conv_transpose2d(&vt, &idx, (ho, wo), relu_input, &wdt, &bdt, tcfg)
            .unwrap();
        let act = |x: f32| if relu_input { x.max(0.0) } else { x };
        let mut up = vec![0f32; c.n * c.co * plane];
        for pl in 0..c.n * c.co {
            for j in 0..hp * wp {
                let k = pl * hp * wp + j;
                up[pl * plane + iv[k] as usize] = act(v[k]);
            }
        }
        let rz = rand_vec(&mut rng, z.elem_count());
        let (zref, dup, dwd, dbd, ..) = naive_conv_t(&tc, &up, &wd, &bd, &rz);
        assert!(rel_err(&flat(&z), &zref) < TOL, "{tc:?}: decoder output");
        let mut dv = vec![0f64; v.len()];
        for pl in 0..c.n * c.co {
            for j in 0..hp * wp {
                let k = pl * hp * wp + j;
                if !relu_input || v[k] > 0.0 {
                    dv[k] = dup[pl * plane + iv[k] as usize];
                }
            }
        }
        let refs = [("dx", &vt, &dv), ("dw", &wdt, &dwd), ("db", &bdt, &dbd)];
        assert_grads_match(&z, rz, &refs, &format!("{tc:?} relu {relu_input}: decoder"));
    }
}
