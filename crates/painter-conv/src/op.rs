//! The plumbing every custom op of the crate shares. A [`Kernel`] says what an op computes from
//! CPU storage and how its gradients are formed; [`apply`] (recorded for autograd) and
//! [`apply_no_bwd`] (not recorded) run it through Candle as a custom op of one, two or three
//! tensors, made contiguous first.

use candle_core::{CpuStorage, CustomOp1, CustomOp2, CustomOp3, Layout, Result, Shape, Tensor};

/// One argument of a kernel: CPU storage and the layout that addresses it.
pub(crate) type Arg<'a> = (&'a CpuStorage, &'a Layout);

/// What a kernel's forward pass gives: the result's storage and shape.
pub(crate) type Output = Result<(CpuStorage, Shape)>;

/// What a kernel's backward pass gives: the gradient of every argument, `None` where there is none.
pub(crate) type Grads = Result<Vec<Option<Tensor>>>;

/// A CPU kernel behind a Candle custom op.
pub(crate) trait Kernel: Send + Sync + 'static {
    /// The op's name in Candle's errors and graphs.
    const NAME: &'static str;

    /// The result of the op on `args` (one to three, in the order given to [`apply`]).
    fn forward(&self, args: &[Arg<'_>]) -> Output;

    /// The gradients of the arguments `args`, given the forward result `res` and its gradient.
    fn backward(&self, _args: &[&Tensor], _res: &Tensor, _grad: &Tensor) -> Grads {
        Err(candle_core::Error::BackwardNotSupported { op: Self::NAME })
    }
}

/// The arguments of a kernel (storage or tensors) that takes exactly `N`.
pub(crate) fn arity<T: Copy, const N: usize>(what: &str, args: &[T]) -> Result<[T; N]> {
    args.try_into().map_err(|_| {
        candle_core::Error::Msg(format!("{what} takes {N} tensors, got {}", args.len()))
    })
}

/// A kernel as a Candle custom op.
struct Op<K>(K);

/// Implements Candle's custom-op trait `$trait` for [`Op`] with one argument per
/// `$storage, $layout, $arg` triple; `$grads` picks the trait's gradients from the kernel's.
macro_rules! impl_custom_op {
    ($trait:ident, [$($storage:ident, $layout:ident, $arg:ident);+], $ret:ty, |$g:ident| $grads:expr) => {
        impl<K: Kernel> $trait for Op<K> {
            fn name(&self) -> &'static str {
                K::NAME
            }
            fn cpu_fwd(&self, $($storage: &CpuStorage, $layout: &Layout),+) -> Output {
                self.0.forward(&[$(($storage, $layout)),+])
            }
            fn bwd(&self, $($arg: &Tensor,)+ res: &Tensor, grad: &Tensor) -> Result<$ret> {
                let mut $g = self.0.backward(&[$($arg),+], res, grad)?.into_iter();
                Ok($grads)
            }
        }
    };
}

type Grad = Option<Tensor>;

impl_custom_op!(CustomOp1, [s1, l1, a1], Grad, |g| g.next().flatten());
impl_custom_op!(CustomOp2, [s1, l1, a1; s2, l2, a2], (Grad, Grad), |g| (
    g.next().flatten(),
    g.next().flatten()
));
impl_custom_op!(
    CustomOp3,
    [s1, l1, a1; s2, l2, a2; s3, l3, a3],
    (Grad, Grad, Grad),
    |g| (g.next().flatten(), g.next().flatten(), g.next().flatten())
);

/// `f()` when `t` takes part in autograd (its gradient is wanted), else `None`.
pub(crate) fn if_tracked(t: &Tensor, f: impl FnOnce() -> Result<Tensor>) -> Result<Grad> {
    t.track_op().then(f).transpose()
}

fn contiguous(args: &[&Tensor]) -> Result<Vec<Tensor>> {
    args.iter().map(|t| t.contiguous()).collect()
}

/// Runs `kernel` on `args` (one to three tensors) as a custom op recorded for autograd.
pub(crate) fn apply<K: Kernel>(args: &[&Tensor], kernel: K) -> Result<Tensor> {
    match contiguous(args)?.as_slice() {
        [a] => a.apply_op1(Op(kernel)),
        [a, b] => a.apply_op2(b, Op(kernel)),
        [a, b, c] => a.apply_op3(b, c, Op(kernel)),
        other => candle_core::bail!("{}: {} tensors", K::NAME, other.len()),
    }
}

/// Runs `kernel` on `args` (one to three tensors) without recording it for autograd.
pub(crate) fn apply_no_bwd<K: Kernel>(args: &[&Tensor], kernel: K) -> Result<Tensor> {
    let op = Op(kernel);
    match contiguous(args)?.as_slice() {
        [a] => a.apply_op1_no_bwd(&op),
        [a, b] => a.apply_op2_no_bwd(b, &op),
        [a, b, c] => a.apply_op3_no_bwd(b, c, &op),
        other => candle_core::bail!("{}: {} tensors", K::NAME, other.len()),
    }
}
