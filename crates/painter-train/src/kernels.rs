//! The fused in-place CPU updates: multi-threaded loops writing into the weights and moment
//! buffers directly, each rounding exactly as the optimizer's tensor path does (so a run on the CPU
//! gives the same bits whichever path it takes).

use candle_core::{CpuStorage, InplaceOp2, InplaceOp3, Layout};
use rayon::prelude::*;

const PAR_CHUNK: usize = 1 << 15;

fn op_error(what: &str, problem: &str) -> candle_core::Error {
    candle_core::Error::Msg(format!("{what}: {problem}"))
}

/// The element range of a contiguous layout.
fn range(l: &Layout, what: &str) -> candle_core::Result<std::ops::Range<usize>> {
    let (start, end) = l
        .contiguous_offsets()
        .ok_or_else(|| op_error(what, "an operand is not contiguous"))?;
    Ok(start..end)
}

fn f32_operand<'a>(s: &'a CpuStorage, l: &Layout, what: &str) -> candle_core::Result<&'a [f32]> {
    match s {
        CpuStorage::F32(v) => v
            .get(range(l, what)?)
            .ok_or_else(|| op_error(what, "bad layout")),
        _ => Err(op_error(what, "an operand is not f32")),
    }
}

fn f32_target<'a>(
    s: &'a mut CpuStorage,
    l: &Layout,
    what: &str,
) -> candle_core::Result<&'a mut [f32]> {
    let range = range(l, what)?;
    match s {
        CpuStorage::F32(v) => v.get_mut(range).ok_or_else(|| op_error(what, "bad layout")),
        _ => Err(op_error(what, "the target is not f32")),
    }
}

/// `update(dst[i], a[i], b[i])` for every element, in parallel chunks, after checking that the
/// three are contiguous f32 of one length (pass `a` again as `b` for a two-operand update).
fn update_in_place(
    what: &str,
    (dst, dst_l): (&mut CpuStorage, &Layout),
    (a, a_l): (&CpuStorage, &Layout),
    (b, b_l): (&CpuStorage, &Layout),
    update: impl Fn(&mut f32, f32, f32) + Sync,
) -> candle_core::Result<()> {
    let d = f32_target(dst, dst_l, what)?;
    let a = f32_operand(a, a_l, what)?;
    let b = f32_operand(b, b_l, what)?;
    if a.len() != d.len() || b.len() != d.len() {
        let lengths = format!("{} vs {} and {} elements", d.len(), a.len(), b.len());
        return Err(op_error(what, &lengths));
    }
    d.par_chunks_mut(PAR_CHUNK)
        .zip(a.par_chunks(PAR_CHUNK).zip(b.par_chunks(PAR_CHUNK)))
        .for_each(|(d, (a, b))| {
            for ((d, &a), &b) in d.iter_mut().zip(a).zip(b) {
                update(d, a, b);
            }
        });
    Ok(())
}

/// `dst = a * dst + b * src` (or `b * src^2`).
pub(crate) struct Axpby {
    pub(crate) a: f64,
    pub(crate) b: f64,
    pub(crate) square: bool,
}

impl InplaceOp2 for Axpby {
    fn name(&self) -> &'static str {
        "painter-train-axpby"
    }

    fn cpu_fwd(
        &self,
        dst: &mut CpuStorage,
        dst_l: &Layout,
        src: &CpuStorage,
        src_l: &Layout,
    ) -> candle_core::Result<()> {
        let (a, b, sq) = (self.a as f32, self.b as f32, self.square);
        let src = (src, src_l);
        update_in_place(self.name(), (dst, dst_l), src, src, |d, s, _| {
            let s = if sq { s * s } else { s };
            *d = a * *d + b * s;
        })
    }
}

/// `w = w * (1 - lr * wd) - (m * scale_m) / (sqrt(v * scale_v) + eps) * lr`, rounded as the
/// tensor path rounds it.
pub(crate) struct AdamApply {
    pub(crate) lr: f64,
    pub(crate) wd: f64,
    pub(crate) scale_m: f64,
    pub(crate) scale_v: f64,
    pub(crate) eps: f64,
}

impl InplaceOp3 for AdamApply {
    fn name(&self) -> &'static str {
        "painter-train-adamw"
    }

    fn cpu_fwd(
        &self,
        dst: &mut CpuStorage,
        dst_l: &Layout,
        m: &CpuStorage,
        m_l: &Layout,
        v: &CpuStorage,
        v_l: &Layout,
    ) -> candle_core::Result<()> {
        let decay = (1.0 - self.lr * self.wd) as f32;
        let (lr, sm, sv, eps) = (
            self.lr as f32,
            self.scale_m as f32,
            self.scale_v as f32,
            self.eps as f32,
        );
        update_in_place(self.name(), (dst, dst_l), (m, m_l), (v, v_l), |w, m, v| {
            *w = *w * decay - (m * sm) / ((v * sv).sqrt() + eps) * lr;
        })
    }
}

/// `buf = mu * buf + (g + wd * w)`, rounded as the tensor path rounds it.
pub(crate) struct Momentum {
    pub(crate) mu: f64,
    pub(crate) wd: f64,
}

impl InplaceOp3 for Momentum {
    fn name(&self) -> &'static str {
        "painter-train-momentum"
    }

    fn cpu_fwd(
        &self,
        dst: &mut CpuStorage,
        dst_l: &Layout,
        g: &CpuStorage,
        g_l: &Layout,
        w: &CpuStorage,
        w_l: &Layout,
    ) -> candle_core::Result<()> {
        let (mu, wd) = (self.mu as f32, self.wd as f32);
        update_in_place(self.name(), (dst, dst_l), (g, g_l), (w, w_l), |b, g, w| {
            *b = mu * *b + (g + wd * w);
        })
    }
}
