//! Max-pooling with switches and max-unpooling against an independent naive implementation, against
//! PyTorch (committed fixtures, see `tests/fixtures/make_pool_fixtures.py`), and their gradients
//! against finite differences. Both the CPU custom ops and the portable composition (the path used
//! on GPUs) are checked.

mod common;

use candle_core::{DType, Device, Tensor, Var};
use common::ramp;
use painter_conv::{max_pool2d_with_indices, max_unpool2d, portable};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

type PoolFn = fn(&Tensor, usize, usize) -> candle_core::Result<(Tensor, Tensor)>;
type UnpoolFn = fn(&Tensor, &Tensor, (usize, usize)) -> candle_core::Result<Tensor>;

const IMPLS: [(&str, PoolFn, UnpoolFn); 2] = [
    ("cpu-op", max_pool2d_with_indices, max_unpool2d),
    (
        "portable",
        portable::max_pool2d_with_indices,
        portable::max_unpool2d,
    ),
];

/// The reference: a direct transcription of the definition (first maximum in row-major order, NaN
/// wins, a later NaN beats an earlier one).
fn naive_pool(
    x: &[f64],
    (n, c, h, w): (usize, usize, usize, usize),
    k: usize,
    s: usize,
) -> (Vec<f64>, Vec<u32>, usize, usize) {
    let ho = (h - k) / s + 1;
    let wo = (w - k) / s + 1;
    let mut vals = Vec::new();
    let mut idx = Vec::new();
    for p in 0..n * c {
        let plane = &x[p * h * w..(p + 1) * h * w];
        for oh in 0..ho {
            for ow in 0..wo {
                let mut best: Option<(f64, usize)> = None;
                for dh in 0..k {
                    for dw in 0..k {
                        let i = (oh * s + dh) * w + ow * s + dw;
                        let v = plane[i];
                        best = match best {
                            None => Some((v, i)),
                            Some((b, _)) if b.is_nan() => {
                                if v.is_nan() {
                                    Some((v, i))
                                } else {
                                    best
                                }
                            }
                            Some((b, _)) if v.is_nan() || v > b => Some((v, i)),
                            _ => best,
                        };
                    }
                }
                let (v, i) = best.unwrap();
                vals.push(v);
                idx.push(i as u32);
            }
        }
    }
    (vals, idx, ho, wo)
}

fn naive_unpool(vals: &[f64], idx: &[u32], planes: usize, out_plane: usize) -> Vec<f64> {
    let per = vals.len() / planes;
    let mut out = vec![0.0; planes * out_plane];
    for p in 0..planes {
        for j in 0..per {
            out[p * out_plane + idx[p * per + j] as usize] = vals[p * per + j];
        }
    }
    out
}

fn naive_pool_grad(upstream: &[f64], idx: &[u32], planes: usize, in_plane: usize) -> Vec<f64> {
    let per = upstream.len() / planes;
    let mut g = vec![0.0; planes * in_plane];
    for p in 0..planes {
        for j in 0..per {
            g[p * in_plane + idx[p * per + j] as usize] += upstream[p * per + j];
        }
    }
    g
}

fn same(a: f64, b: f64) -> bool {
    (a.is_nan() && b.is_nan()) || a == b
}

fn to_f64(t: &Tensor) -> Vec<f64> {
    t.to_dtype(DType::F64)
        .unwrap()
        .flatten_all()
        .unwrap()
        .to_vec1()
        .unwrap()
}

fn to_u32(t: &Tensor) -> Vec<u32> {
    t.flatten_all().unwrap().to_vec1().unwrap()
}

/// Random inputs: small integers (many ties), occasional NaN and -inf.
fn random_input(rng: &mut StdRng, len: usize, ties: bool, nans: bool) -> Vec<f64> {
    (0..len)
        .map(|_| {
            let r: f64 = rng.random();
            if nans && r < 0.04 {
                f64::NAN
            } else if nans && r < 0.06 {
                f64::NEG_INFINITY
            } else if ties {
                rng.random_range(0..3) as f64
            } else {
                rng.random_range(-1.0..1.0)
            }
        })
        .collect()
}

#[test]
fn pool_and_unpool_match_the_naive_reference_on_random_shapes() {
    let mut rng = StdRng::seed_from_u64(11);
    let mut cases = 0;
    for trial in 0..60 {
        let n = rng.random_range(1..3);
        let c = rng.random_range(1..4);
        let k = rng.random_range(1..4);
        let s = rng.random_range(1..4);
        let h = rng.random_range(k..k + 8);
        let w = rng.random_range(k..k + 8);
        let ties = trial % 2 == 0;
        let nans = trial % 3 == 0;
        let x = random_input(&mut rng, n * c * h * w, ties, nans);
        let (rv, ri, ho, wo) = naive_pool(&x, (n, c, h, w), k, s);
        for dtype in [DType::F32, DType::F64] {
            let xt = Tensor::from_vec(x.clone(), (n, c, h, w), &Device::Cpu)
                .unwrap()
                .to_dtype(dtype)
                .unwrap();
            for (name, pool, unpool) in IMPLS {
                let (v, i) = pool(&xt, k, s).unwrap();
                assert_eq!(v.dims(), &[n, c, ho, wo], "{name} k={k} s={s} {h}x{w}");
                assert_eq!(i.dtype(), DType::U32);
                assert_eq!(
                    to_u32(&i),
                    ri,
                    "{name} indices k={k} s={s} {h}x{w} {dtype:?}"
                );
                let got = to_f64(&v);
                // f32 rounding of the random inputs: compare against the rounded reference.
                let want: Vec<f64> = rv
                    .iter()
                    .map(|&r| {
                        if dtype == DType::F32 {
                            r as f32 as f64
                        } else {
                            r
                        }
                    })
                    .collect();
                assert!(
                    got.iter().zip(&want).all(|(a, b)| same(*a, *b)),
                    "{name} values k={k} s={s}"
                );

                let u = unpool(&v, &i, (h, w)).unwrap();
                assert_eq!(u.dims(), &[n, c, h, w]);
                let want_u = naive_unpool(&want, &ri, n * c, h * w);
                // With overlapping windows two values may share an index; only the CPU op promises
                // which one lands (the later), so compare the portable path where indices are unique.
                let unique = s >= k;
                if name == "cpu-op" || unique {
                    assert!(
                        to_f64(&u).iter().zip(&want_u).all(|(a, b)| same(*a, *b)),
                        "{name} unpool k={k} s={s} {h}x{w}"
                    );
                }
            }
        }
        cases += 1;
    }
    assert_eq!(cases, 60);
}

#[test]
fn ties_pick_the_first_element_and_nan_wins() {
    let x = Tensor::new(
        &[[[
            [7f32, 7., 1., f32::NAN],
            [7., 7., f32::NAN, 9.],
            [f32::NEG_INFINITY, f32::NEG_INFINITY, 0., 0.],
            [f32::NEG_INFINITY, f32::NEG_INFINITY, 0., -0.],
        ]]],
        &Device::Cpu,
    )
    .unwrap();
    for (name, pool, _) in IMPLS {
        let (v, i) = pool(&x, 2, 2).unwrap();
        assert_eq!(to_u32(&i), [0, 6, 8, 10], "{name}");
        let v = to_f64(&v);
        assert_eq!(v[0], 7.0);
        assert!(v[1].is_nan(), "{name}: NaN must win and propagate");
        assert_eq!(v[2], f64::NEG_INFINITY);
        assert_eq!(v[3], 0.0);
    }
}

#[test]
fn odd_sizes_floor_and_unpool_to_an_explicit_size() {
    let x = ramp(5, 7);
    for (name, pool, unpool) in IMPLS {
        let (v, i) = pool(&x, 2, 2).unwrap();
        assert_eq!(v.dims(), &[1, 1, 2, 3], "{name}");
        assert_eq!(to_u32(&i), [8, 10, 12, 22, 24, 26], "{name}");
        let u = unpool(&v, &i, (5, 7)).unwrap();
        assert_eq!(u.dims(), &[1, 1, 5, 7], "{name}");
        let u = to_f64(&u);
        assert_eq!(u.iter().filter(|&&a| a != 0.0).count(), 6, "{name}");
        assert_eq!(u[26], 26.0, "{name}");
        // A larger explicit output works too (indices stay valid); a smaller one that cuts an
        // index fails.
        assert!(unpool(&v, &i, (6, 7)).is_ok(), "{name}");
        assert!(unpool(&v, &i, (3, 7)).is_err(), "{name}");
    }
}

#[test]
fn invalid_arguments_are_errors_not_panics() {
    let x = Tensor::zeros((1, 1, 3, 3), DType::F32, &Device::Cpu).unwrap();
    assert!(max_pool2d_with_indices(&x, 0, 1).is_err());
    assert!(max_pool2d_with_indices(&x, 2, 0).is_err());
    assert!(max_pool2d_with_indices(&x, 4, 4).is_err());
    let x3 = Tensor::zeros((1, 3, 3), DType::F32, &Device::Cpu).unwrap();
    assert!(max_pool2d_with_indices(&x3, 2, 2).is_err());
    let xu = Tensor::zeros((1, 1, 4, 4), DType::U32, &Device::Cpu).unwrap();
    assert!(max_pool2d_with_indices(&xu, 2, 2).is_err());
    let (v, i) = max_pool2d_with_indices(
        &Tensor::zeros((1, 1, 4, 4), DType::F32, &Device::Cpu).unwrap(),
        2,
        2,
    )
    .unwrap();
    assert!(max_unpool2d(&v, &i.to_dtype(DType::I64).unwrap(), (4, 4)).is_err());
    assert!(max_unpool2d(&v, &i.reshape((1, 1, 4, 1)).unwrap(), (4, 4)).is_err());
    let bad = Tensor::new(&[[[[0u32, 1], [2, 99]]]], &Device::Cpu).unwrap();
    assert!(max_unpool2d(&v, &bad, (4, 4)).is_err());
}

#[test]
fn strided_inputs_are_handled() {
    let t = ramp(8, 8).transpose(2, 3).unwrap(); // not contiguous
    let (v, i) = max_pool2d_with_indices(&t, 2, 2).unwrap();
    let (v2, i2) = max_pool2d_with_indices(&t.contiguous().unwrap(), 2, 2).unwrap();
    assert_eq!(to_f64(&v), to_f64(&v2));
    assert_eq!(to_u32(&i), to_u32(&i2));
}

fn json_f64(v: &serde_json::Value) -> f64 {
    match v {
        serde_json::Value::Number(n) => n.as_f64().unwrap(),
        serde_json::Value::String(s) => match s.as_str() {
            "nan" => f64::NAN,
            "inf" => f64::INFINITY,
            "-inf" => f64::NEG_INFINITY,
            other => panic!("bad fixture value {other}"),
        },
        other => panic!("bad fixture value {other}"),
    }
}

fn json_vec(case: &serde_json::Value, key: &str) -> Vec<f64> {
    case[key].as_array().unwrap().iter().map(json_f64).collect()
}

fn json_uints<'a>(case: &'a serde_json::Value, key: &str) -> impl Iterator<Item = u64> + 'a {
    case[key]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
}

#[test]
fn matches_pytorch_fixtures_forward_and_backward() {
    let text = include_str!("fixtures/pool_fixtures.json");
    let fixtures: serde_json::Value = serde_json::from_str(text).unwrap();
    let cases = fixtures["cases"].as_array().unwrap();
    assert!(cases.len() >= 7);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let shape: Vec<usize> = json_uints(case, "shape").map(|v| v as usize).collect();
        let (k, s) = (
            case["kernel"].as_u64().unwrap() as usize,
            case["stride"].as_u64().unwrap() as usize,
        );
        let (h, w) = (shape[2], shape[3]);
        let want_idx: Vec<u32> = json_uints(case, "indices").map(|v| v as u32).collect();
        for (imp, pool, unpool) in IMPLS {
            let x = Var::from_tensor(
                &Tensor::from_vec(json_vec(case, "input"), shape.as_slice(), &Device::Cpu).unwrap(),
            )
            .unwrap();
            let (v, i) = pool(x.as_tensor(), k, s).unwrap();
            assert_eq!(to_u32(&i), want_idx, "{imp} {name}: indices");
            let want_v = json_vec(case, "values");
            assert!(
                to_f64(&v).iter().zip(&want_v).all(|(a, b)| same(*a, *b)),
                "{imp} {name}: values"
            );

            // Backward of sum(values * upstream) (the NaN case has no meaningful gradient).
            if !name.starts_with("nan") {
                let up =
                    Tensor::from_vec(json_vec(case, "upstream"), v.shape(), &Device::Cpu).unwrap();
                let grads = (&v * up).unwrap().sum_all().unwrap().backward().unwrap();
                let g = to_f64(grads.get(x.as_tensor()).unwrap());
                let want_g = json_vec(case, "pool_grad");
                for (a, b) in g.iter().zip(&want_g) {
                    assert!((a - b).abs() < 1e-12, "{imp} {name}: pool grad {a} vs {b}");
                }
            }

            // Unpooling and its backward.
            let vv = Var::from_tensor(&v.detach()).unwrap();
            let u = unpool(vv.as_tensor(), &i, (h, w)).unwrap();
            let want_u = json_vec(case, "unpooled");
            let overlapping = s < k;
            if imp == "cpu-op" || !overlapping {
                assert!(
                    to_f64(&u).iter().zip(&want_u).all(|(a, b)| same(*a, *b)),
                    "{imp} {name}: unpooled"
                );
            }
            if !name.starts_with("nan") {
                let up_u =
                    Tensor::from_vec(json_vec(case, "unpool_upstream"), u.shape(), &Device::Cpu)
                        .unwrap();
                let loss = (u * up_u).unwrap().sum_all().unwrap();
                let g = to_f64(loss.backward().unwrap().get(vv.as_tensor()).unwrap());
                let want_g = json_vec(case, "unpool_grad");
                for (a, b) in g.iter().zip(&want_g) {
                    assert!(
                        (a - b).abs() < 1e-12,
                        "{imp} {name}: unpool grad {a} vs {b}"
                    );
                }
            }
        }
    }
}

/// `f(x) = sum(pool(x) * r)`, and its gradient by the op's backward and by central differences.
#[test]
fn pool_gradient_matches_finite_differences() {
    let mut rng = StdRng::seed_from_u64(5);
    for (k, s, h, w) in [(2, 2, 6, 6), (2, 2, 5, 7), (3, 2, 7, 6), (3, 1, 5, 5)] {
        let (n, c) = (2, 2);
        // Distinct values at least 1e-2 apart so a 1e-6 step never changes an argmax.
        let mut x: Vec<f64> = (0..n * c * h * w).map(|i| i as f64 * 0.01).collect();
        for i in (1..x.len()).rev() {
            let j = rng.random_range(0..=i);
            x.swap(i, j);
        }
        let r: Vec<f64> = (0..n * c * ((h - k) / s + 1) * ((w - k) / s + 1))
            .map(|_| rng.random_range(-1.0..1.0))
            .collect();
        for (name, pool, _) in IMPLS {
            let f = |xs: &[f64]| -> f64 {
                let t = Tensor::from_vec(xs.to_vec(), (n, c, h, w), &Device::Cpu).unwrap();
                let (v, _) = pool(&t, k, s).unwrap();
                to_f64(&v).iter().zip(&r).map(|(a, b)| a * b).sum()
            };
            let xv =
                Var::from_tensor(&Tensor::from_vec(x.clone(), (n, c, h, w), &Device::Cpu).unwrap())
                    .unwrap();
            let (v, _) = pool(xv.as_tensor(), k, s).unwrap();
            let rt = Tensor::from_vec(r.clone(), v.shape(), &Device::Cpu).unwrap();
            let grads = (v * rt).unwrap().sum_all().unwrap().backward().unwrap();
            let g = to_f64(grads.get(xv.as_tensor()).unwrap());
            let eps = 1e-6;
            for i in 0..x.len() {
                let mut xp = x.clone();
                xp[i] += eps;
                let mut xm = x.clone();
                xm[i] -= eps;
                let fd = (f(&xp) - f(&xm)) / (2.0 * eps);
                assert!(
                    (fd - g[i]).abs() < 1e-7,
                    "{name} k={k} s={s}: d/dx[{i}] {} vs fd {fd}",
                    g[i]
                );
            }
        }
    }
}

#[test]
fn unpool_gradient_matches_finite_differences_and_the_naive_gather() {
    let mut rng = StdRng::seed_from_u64(6);
    let (n, c, h, w) = (1, 3, 6, 5);
    let x: Vec<f64> = (0..n * c * h * w)
        .map(|_| rng.random_range(-1.0..1.0))
        .collect();
    let xt = Tensor::from_vec(x.clone(), (n, c, h, w), &Device::Cpu).unwrap();
    let (v, idx) = max_pool2d_with_indices(&xt, 2, 2).unwrap();
    let vals = to_f64(&v);
    let r: Vec<f64> = (0..n * c * h * w)
        .map(|_| rng.random_range(-1.0..1.0))
        .collect();
    let ids = to_u32(&idx);
    for (name, _, unpool) in IMPLS {
        let f = |vs: &[f64]| -> f64 {
            let t = Tensor::from_vec(vs.to_vec(), v.shape(), &Device::Cpu).unwrap();
            to_f64(&unpool(&t, &idx, (h, w)).unwrap())
                .iter()
                .zip(&r)
                .map(|(a, b)| a * b)
                .sum()
        };
        let vv = Var::from_tensor(&v).unwrap();
        let u = unpool(vv.as_tensor(), &idx, (h, w)).unwrap();
        let rt = Tensor::from_vec(r.clone(), u.shape(), &Device::Cpu).unwrap();
        let g = to_f64(
            (u * rt)
                .unwrap()
                .sum_all()
                .unwrap()
                .backward()
                .unwrap()
                .get(vv.as_tensor())
                .unwrap(),
        );
        let per = vals.len() / (n * c);
        for j in 0..vals.len() {
            let p = j / per;
            let gather = r[p * h * w + ids[j] as usize];
            assert_eq!(
                g[j], gather,
                "{name}: gradient is the gather of the upstream gradient"
            );
            let mut vp = vals.clone();
            vp[j] += 1e-6;
            let mut vm = vals.clone();
            vm[j] -= 1e-6;
            let fd = (f(&vp) - f(&vm)) / 2e-6;
            assert!((fd - g[j]).abs() < 1e-7, "{name}: {fd} vs {}", g[j]);
        }
    }
}

#[test]
fn overlapping_windows_accumulate_pool_gradients() {
    // A 3x3 window with stride 1 over a plane whose maximum sits in the middle: every window
    // picks it, so its gradient is the sum of all upstream gradients.
    let mut x = vec![0f64; 25];
    x[12] = 10.0;
    let xv = Var::from_tensor(&Tensor::from_vec(x, (1, 1, 5, 5), &Device::Cpu).unwrap()).unwrap();
    for (name, pool, _) in IMPLS {
        let (v, i) = pool(xv.as_tensor(), 3, 1).unwrap();
        assert!(to_u32(&i).iter().all(|&j| j == 12));
        let up: Vec<f64> = (0..9).map(|j| j as f64).collect();
        let ut = Tensor::from_vec(up.clone(), (1, 1, 3, 3), &Device::Cpu).unwrap();
        let g = to_f64(
            (v * ut)
                .unwrap()
                .sum_all()
                .unwrap()
                .backward()
                .unwrap()
                .get(xv.as_tensor())
                .unwrap(),
        );
        let want = naive_pool_grad(&up, &[12; 9], 1, 25);
        assert_eq!(g, want, "{name}");
        assert_eq!(g[12], 36.0);
    }
}

#[test]
fn second_order_pool_backward_is_differentiable() {
    // The backward pass is built from the same custom ops, so it can be differentiated again.
    let xv =
        Var::from_tensor(&Tensor::new(&[[[[1f64, 3.], [2., 0.]]]], &Device::Cpu).unwrap()).unwrap();
    let (v, _) = max_pool2d_with_indices(xv.as_tensor(), 2, 2).unwrap();
    let loss = v.sqr().unwrap().sum_all().unwrap();
    let g = loss.backward().unwrap();
    assert_eq!(to_f64(g.get(xv.as_tensor()).unwrap()), [0., 6., 0., 0.]);
}
