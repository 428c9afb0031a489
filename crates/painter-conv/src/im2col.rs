//! Column matrices: `im2col` gathers every kernel window of an image into a column, `col2im`
//! scatters (adds) columns back into an image; both work on a band of output rows at a time, so
//! that the column matrix of a band stays in the core's cache between them and the GEMM.

use crate::geometry::ConvGeom;
use std::ops::Range;

/// Range of output positions `o` along one axis whose input position `o * stride + kk - pad`
/// lies in `0..len`.
#[inline]
fn valid_range(kk: usize, g: &ConvGeom, len: usize, out_len: usize) -> (usize, usize) {
    // o * s + kk >= pad  <=>  o >= ceil((pad - kk) / s)
    let lo = if kk >= g.pad {
        0
    } else {
        (g.pad - kk).div_ceil(g.stride)
    };
    // o * s + kk - pad <= len - 1  <=>  o <= (len - 1 + pad - kk) / s
    let hi = if len + g.pad > kk {
        ((len - 1 + g.pad - kk) / g.stride + 1).min(out_len)
    } else {
        0
    };
    (lo.min(hi), hi)
}

/// One row of the column matrix of a band of output rows: the input channel and kernel offset
/// it holds, and the output rows and columns whose input lies inside the image (the rest read
/// the zero padding).
struct ColumnRow {
    c: usize,
    kh: usize,
    kw: usize,
    oh: Range<usize>,
    ow: Range<usize>,
}

/// The rows of the column matrix of output rows `r0..r1`, in order (`c * k * k + kh * k + kw`).
fn column_rows(g: &ConvGeom, (r0, r1): (usize, usize)) -> impl Iterator<Item = ColumnRow> + '_ {
    let k = g.k;
    (0..g.col_rows()).map(move |row| {
        let (kh, kw) = ((row / k) % k, row % k);
        let (oh_lo, oh_hi) = valid_range(kh, g, g.h, g.h_out);
        let (ow_lo, ow_hi) = valid_range(kw, g, g.w, g.w_out);
        ColumnRow {
            c: row / (k * k),
            kh,
            kw,
            oh: oh_lo.clamp(r0, r1)..oh_hi.clamp(r0, r1),
            ow: ow_lo..ow_hi,
        }
    })
}

/// The output rows `out_rows` clipped to the output, and the length of one row of their band's
/// column matrix; `None` when the band is empty.
fn band(g: &ConvGeom, out_rows: Range<usize>) -> Option<((usize, usize), usize)> {
    let (r0, r1) = (out_rows.start, out_rows.end.min(g.h_out));
    (r0 < r1 && g.w_out > 0).then_some(((r0, r1), (r1 - r0) * g.w_out))
}

/// Fills `col` (`col_rows x (out_rows.len() * w_out)`, row-major) with the kernel windows of the
/// output pixels in rows `out_rows` of one image `x` (`c_in x h x w`): row `c * k * k + kh * k +
/// kw` holds input `(c, oh * stride + kh - pad, ow * stride + kw - pad)` for every output pixel
/// `(oh, ow)`, zero where that lies in the padding.
pub(crate) fn im2col_rows(g: &ConvGeom, x: &[f32], out_rows: Range<usize>, col: &mut [f32]) {
    let Some(((r0, r1), len)) = band(g, out_rows) else {
        return;
    };
    let s = g.stride;
    for (cr, dst) in column_rows(g, (r0, r1)).zip(col.chunks_exact_mut(len)) {
        let src = &x[cr.c * g.h * g.w..(cr.c + 1) * g.h * g.w];
        let (oh, ow) = (cr.oh, cr.ow);
        dst[..(oh.start - r0) * g.w_out].fill(0.0);
        dst[(oh.end.max(oh.start) - r0) * g.w_out..].fill(0.0);
        for o in oh {
            let ih = o * s + cr.kh - g.pad;
            let drow = &mut dst[(o - r0) * g.w_out..(o - r0 + 1) * g.w_out];
            let srow = &src[ih * g.w..(ih + 1) * g.w];
            drow[..ow.start].fill(0.0);
            drow[ow.end..].fill(0.0);
            if ow.start < ow.end {
                let iw0 = ow.start * s + cr.kw - g.pad;
                if s == 1 {
                    drow[ow.clone()].copy_from_slice(&srow[iw0..iw0 + ow.len()]);
                } else {
                    for (d, v) in drow[ow.clone()]
                        .iter_mut()
                        .zip(srow[iw0..].iter().step_by(s))
                    {
                        *d = *v;
                    }
                }
            }
        }
    }
}

/// Adds every column of `col` (`col_rows x (out_rows.len() * w_out)`, as [`im2col_rows`] lays
/// it out) back to its window in `x` (`c_in x h x w`), which must be zeroed (or hold what the
/// result should be added to).
pub(crate) fn col2im_rows(g: &ConvGeom, col: &[f32], out_rows: Range<usize>, x: &mut [f32]) {
    let Some(((r0, r1), len)) = band(g, out_rows) else {
        return;
    };
    let s = g.stride;
    for (cr, srcc) in column_rows(g, (r0, r1)).zip(col.chunks_exact(len)) {
        let dst = &mut x[cr.c * g.h * g.w..(cr.c + 1) * g.h * g.w];
        let ow = cr.ow;
        if ow.start >= ow.end {
            continue;
        }
        for o in cr.oh {
            let ih = o * s + cr.kh - g.pad;
            let srow = &srcc[(o - r0) * g.w_out..][ow.clone()];
            let drow = &mut dst[ih * g.w..(ih + 1) * g.w];
            let iw0 = ow.start * s + cr.kw - g.pad;
            if s == 1 {
                for (d, v) in drow[iw0..iw0 + srow.len()].iter_mut().zip(srow) {
                    *d += *v;
                }
            } else {
                for (d, v) in drow[iw0..].iter_mut().step_by(s).zip(srow) {
                    *d += *v;
                }
            }
        }
    }
}
