//! The fused in-place CPU updates: multi-threaded loops writing into the weights and moment
//! buffers directly, each rounding exactly as the optimizer's tensor path does (so a run on the CPU
//! gives the same bits whichever path it takes).

use candle_core::{CpuStorage, InplaceOp2, InplaceOp3, Layout};
use rayon::prelude::*;

const PAR_CHUNK: usize = 1 << 15;

fn contiguous_f32<'a>(s: &'a CpuStorage, l: &Layout, what: &str) -> candle_core::Result<&'a [f32]> {
    let (start, end) = l
        .contiguous_offsets()
        .ok_or_else(|| candle_core::Error::Msg(format!("{what}: operand is not contiguous")))?;
    match s {
        CpuStorage::F32(v) => v
            .get(start..end)
            .ok_or_else(|| candle_core::Error::Msg(format!("{what}: bad layout"))),
        _ => Err(candle_core::Error::Msg(format!(
            "{what}: operand is not f32"
        ))),
    }
}

fn contiguous_f32_mut<'a>(
    s: &'a mut CpuStorage,
    l: &Layout,
    what: &str,
) -> candle_core::Result<&'a mut [f32]> {
    let (start, end) = l
        .contiguous_offsets()
        .ok_or_else(|| candle_core::Error::Msg(format!("{what}: target is not contiguous")))?;
    match s {
        CpuStorage::F32(v) => v
            .get_mut(start..end)
            .ok_or_else(|| candle_core::Error::Msg(format!("{what}: bad layout"))),
        _ => Err(candle_core::Error::Msg(format!(
            "{what}: target is not f32"
        ))),
    }
}

fn same_len(a: usize, b: usize, what: &str) -> candle_core::Result<()> {
    if a == b {
        Ok(())
    } else {
        Err(candle_core::Error::Msg(format!(
            "{what}: {a} vs {b} elements"
        )))
    }
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
        let d = contiguous_f32_mut(dst, dst_l, self.name())?;
        let s = contiguous_f32(src, src_l, self.name())?;
        same_len(d.len(), s.len(), self.name())?;
        let (a, b, sq) = (self.a as f32, self.b as f32, self.square);
        d.par_chunks_mut(PAR_CHUNK)
            .zip(s.par_chunks(PAR_CHUNK))
            .for_each(|(d, s)| {
                for (d, &s) in d.iter_mut().zip(s) {
                    let s = if sq { s * s } else { s };
                    *d = a * *d + b * s;
                }
            });
        Ok(())
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
        let w = contiguous_f32_mut(dst, dst_l, self.name())?;
        let m = contiguous_f32(m, m_l, self.name())?;
        let v = contiguous_f32(v, v_l, self.name())?;
        same_len(w.len(), m.len(), self.name())?;
        same_len(w.len(), v.len(), self.name())?;
        let decay = (1.0 - self.lr * self.wd) as f32;
        let (lr, sm, sv, eps) = (
            self.lr as f32,
            self.scale_m as f32,
            self.scale_v as f32,
            self.eps as f32,
        );
        w.par_chunks_mut(PAR_CHUNK)
            .zip(m.par_chunks(PAR_CHUNK).zip(v.par_chunks(PAR_CHUNK)))
            .for_each(|(w, (m, v))| {
                for ((w, &m), &v) in w.iter_mut().zip(m).zip(v) {
                    *w = *w * decay - (m * sm) / ((v * sv).sqrt() + eps) * lr;
                }
            });
        Ok(())
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
        let b = contiguous_f32_mut(dst, dst_l, self.name())?;
        let g = contiguous_f32(g, g_l, self.name())?;
        let w = contiguous_f32(w, w_l, self.name())?;
        same_len(b.len(), g.len(), self.name())?;
        same_len(b.len(), w.len(), self.name())?;
        let (mu, wd) = (self.mu as f32, self.wd as f32);
        b.par_chunks_mut(PAR_CHUNK)
            .zip(g.par_chunks(PAR_CHUNK).zip(w.par_chunks(PAR_CHUNK)))
            .for_each(|(b, (g, w))| {
                for ((b, &g), &w) in b.iter_mut().zip(g).zip(w) {
                    *b = mu * *b + (g + wd * w);
                }
            });
        Ok(())
    }
}
