//! The plumbing every custom op of the crate shares. A [`Kernel`] says what an op computes from
//! CPU storage and how its gradients are formed; [`apply`] (recorded for autograd) and
//! [`apply_no_bwd`] (not recorded) run it through Candle as a custom op of one, two or three
//! tensors, made contiguous first.

use candle_core::{CpuStorage, CustomOp1, CustomOp2, CustomOp3, Layout, Result, Shape, Tensor};

/// One argument of a kernel: CPU storage and the layout that addresses it.
pub(crate) type Arg<'a> = (&'a CpuStorage, &'a Layout);

/// A CPU kernel behind a Candle custom op.
pub(crate) trait Kernel: Send + Sync + 'static {
    /// The op's name in Candle's errors and graphs.
    fn name(&self) -> &'static str;

    /// The result of the op on `args` (one to three, in the order given to [`apply`]).
    fn forward(&self, args: &[Arg<'_>]) -> Result<(CpuStorage, Shape)>;

    /// The gradient of every argument (`None` where there is none), given the arguments, the
    /// forward result and the gradient of the result.
    fn backward(
        &self,
        _args: &[&Tensor],
        _res: &Tensor,
        _grad: &Tensor,
    ) -> Result<Vec<Option<Tensor>>> {
        Err(candle_core::Error::BackwardNotSupported { op: self.name() })
    }
}

/// The arguments of a kernel that takes exactly `N`.
pub(crate) fn arity<'a, const N: usize>(what: &str, args: &[Arg<'a>]) -> Result<[Arg<'a>; N]> {
    args.try_into().map_err(|_| {
        candle_core::Error::Msg(format!("{what} takes {N} tensors, got {}", args.len()))
    })
}

/// A kernel as a Candle custom op.
struct Op<K>(K);

/// The `i`-th gradient of a kernel's backward pass.
fn nth(grads: &mut std::vec::IntoIter<Option<Tensor>>) -> Option<Tensor> {
    grads.next().flatten()
}

impl<K: Kernel> CustomOp1 for Op<K> {
    fn name(&self) -> &'static str {
        self.0.name()
    }
    fn cpu_fwd(&self, s: &CpuStorage, l: &Layout) -> Result<(CpuStorage, Shape)> {
        self.0.forward(&[(s, l)])
    }
    fn bwd(&self, arg: &Tensor, res: &Tensor, grad: &Tensor) -> Result<Option<Tensor>> {
        let mut g = self.0.backward(&[arg], res, grad)?.into_iter();
        Ok(nth(&mut g))
    }
}

impl<K: Kernel> CustomOp2 for Op<K> {
    fn name(&self) -> &'static str {
        self.0.name()
    }
    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        self.0.forward(&[(s1, l1), (s2, l2)])
    }
    fn bwd(
        &self,
        a1: &Tensor,
        a2: &Tensor,
        res: &Tensor,
        grad: &Tensor,
    ) -> Result<(Option<Tensor>, Option<Tensor>)> {
        let mut g = self.0.backward(&[a1, a2], res, grad)?.into_iter();
        Ok((nth(&mut g), nth(&mut g)))
    }
}

impl<K: Kernel> CustomOp3 for Op<K> {
    fn name(&self) -> &'static str {
        self.0.name()
    }
    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
        s3: &CpuStorage,
        l3: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        self.0.forward(&[(s1, l1), (s2, l2), (s3, l3)])
    }
    fn bwd(
        &self,
        a1: &Tensor,
        a2: &Tensor,
        a3: &Tensor,
        res: &Tensor,
        grad: &Tensor,
    ) -> Result<(Option<Tensor>, Option<Tensor>, Option<Tensor>)> {
        let mut g = self.0.backward(&[a1, a2, a3], res, grad)?.into_iter();
        Ok((nth(&mut g), nth(&mut g), nth(&mut g)))
    }
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
        other => candle_core::bail!("{}: {} tensors", kernel.name(), other.len()),
    }
}

/// Runs `kernel` on `args` (one to three tensors) without recording it for autograd.
pub(crate) fn apply_no_bwd<K: Kernel>(args: &[&Tensor], kernel: K) -> Result<Tensor> {
    let op = Op(kernel);
    match contiguous(args)?.as_slice() {
        [a] => a.apply_op1_no_bwd(&op),
        [a, b] => a.apply_op2_no_bwd(b, &op),
        [a, b, c] => a.apply_op3_no_bwd(b, c, &op),
        other => candle_core::bail!("{}: {} tensors", op.0.name(), other.len()),
    }
}
