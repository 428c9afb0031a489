//! Column matrices: `im2col` gathers every kernel window of an image into a column, `col2im`
//! scatters (adds) columns back into an image; both work on a band of output rows at a time, so
//! that the column matrix of a band stays in the core's cache between them and the GEMM.

use crate::geometry::ConvGeom;

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

/// Fills `col` (`col_rows x (out_rows.len() * w_out)`, row-major) with the kernel windows of the
/// output pixels in rows `out_rows` of one image `x` (`c_in x h x w`): row `c * k * k + kh * k +
/// kw` holds input `(c, oh * stride + kh - pad, ow * stride + kw - pad)` for every output pixel
/// `(oh, ow)`, zero where that lies in the padding.
pub(crate) fn im2col_rows(
    g: &ConvGeom,
    x: &[f32],
    out_rows: std::ops::Range<usize>,
    col: &mut [f32],
) {
    let (k, s) = (g.k, g.stride);
    let (r0, r1) = (out_rows.start, out_rows.end.min(g.h_out));
    if r0 >= r1 || g.w_out == 0 {
        return;
    }
    let len = (r1 - r0) * g.w_out;
    for (row, dst) in col.chunks_exact_mut(len).take(g.col_rows()).enumerate() {
        let c = row / (k * k);
        let kh = (row / k) % k;
        let kw = row % k;
        let src = &x[c * g.h * g.w..(c + 1) * g.h * g.w];
        let (oh_lo, oh_hi) = valid_range(kh, g, g.h, g.h_out);
        let (oh_lo, oh_hi) = (oh_lo.clamp(r0, r1), oh_hi.clamp(r0, r1));
        let (ow_lo, ow_hi) = valid_range(kw, g, g.w, g.w_out);
        dst[..(oh_lo - r0) * g.w_out].fill(0.0);
        dst[(oh_hi.max(oh_lo) - r0) * g.w_out..].fill(0.0);
        for oh in oh_lo..oh_hi {
            let ih = oh * s + kh - g.pad;
            let drow = &mut dst[(oh - r0) * g.w_out..(oh - r0 + 1) * g.w_out];
            let srow = &src[ih * g.w..(ih + 1) * g.w];
            drow[..ow_lo].fill(0.0);
            drow[ow_hi..].fill(0.0);
            if ow_lo < ow_hi {
                let iw0 = ow_lo * s + kw - g.pad;
                if s == 1 {
                    drow[ow_lo..ow_hi].copy_from_slice(&srow[iw0..iw0 + (ow_hi - ow_lo)]);
                } else {
                    for (d, v) in drow[ow_lo..ow_hi]
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
pub(crate) fn col2im_rows(
    g: &ConvGeom,
    col: &[f32],
    out_rows: std::ops::Range<usize>,
    x: &mut [f32],
) {
    let (k, s) = (g.k, g.stride);
    let (r0, r1) = (out_rows.start, out_rows.end.min(g.h_out));
    if r0 >= r1 || g.w_out == 0 {
        return;
    }
    let len = (r1 - r0) * g.w_out;
    for (row, srcc) in col.chunks_exact(len).take(g.col_rows()).enumerate() {
        let c = row / (k * k);
        let kh = (row / k) % k;
        let kw = row % k;
        let dst = &mut x[c * g.h * g.w..(c + 1) * g.h * g.w];
        let (oh_lo, oh_hi) = valid_range(kh, g, g.h, g.h_out);
        let (oh_lo, oh_hi) = (oh_lo.clamp(r0, r1), oh_hi.clamp(r0, r1));
        let (ow_lo, ow_hi) = valid_range(kw, g, g.w, g.w_out);
        if ow_lo >= ow_hi {
            continue;
        }
        for oh in oh_lo..oh_hi {
            let ih = oh * s + kh - g.pad;
            let o = (oh - r0) * g.w_out;
            let srow = &srcc[o + ow_lo..o + ow_hi];
            let drow = &mut dst[ih * g.w..(ih + 1) * g.w];
            let iw0 = ow_lo * s + kw - g.pad;
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
