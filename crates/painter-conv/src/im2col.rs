//! Column matrices: `im2col` gathers every kernel window of an image into a column, `im2row` into
//! a row, `col2im` scatters (adds) columns back into an image.

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

/// Fills `col` (`col_rows x out_hw`, row-major) from one image `x` (`c_in x h x w`).
pub(crate) fn im2col(g: &ConvGeom, x: &[f32], col: &mut [f32]) {
    let (k, s, hw) = (g.k, g.stride, g.out_hw());
    for (row, dst) in col.chunks_exact_mut(hw).take(g.col_rows()).enumerate() {
        let c = row / (k * k);
        let kh = (row / k) % k;
        let kw = row % k;
        let src = &x[c * g.h * g.w..(c + 1) * g.h * g.w];
        let (oh_lo, oh_hi) = valid_range(kh, g, g.h, g.h_out);
        let (ow_lo, ow_hi) = valid_range(kw, g, g.w, g.w_out);
        dst[..oh_lo * g.w_out].fill(0.0);
        dst[oh_hi * g.w_out..].fill(0.0);
        for oh in oh_lo..oh_hi {
            let ih = oh * s + kh - g.pad;
            let drow = &mut dst[oh * g.w_out..(oh + 1) * g.w_out];
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

/// Adds every column of `col` (`col_rows x out_hw`) back to its window in `x` (`c_in x h x w`);
/// `x` must be zeroed (or hold what the result should be added to).
pub(crate) fn col2im(g: &ConvGeom, col: &[f32], x: &mut [f32]) {
    let (k, s, hw) = (g.k, g.stride, g.out_hw());
    for (row, srcc) in col.chunks_exact(hw).take(g.col_rows()).enumerate() {
        let c = row / (k * k);
        let kh = (row / k) % k;
        let kw = row % k;
        let dst = &mut x[c * g.h * g.w..(c + 1) * g.h * g.w];
        let (oh_lo, oh_hi) = valid_range(kh, g, g.h, g.h_out);
        let (ow_lo, ow_hi) = valid_range(kw, g, g.w, g.w_out);
        if ow_lo >= ow_hi {
            continue;
        }
        for oh in oh_lo..oh_hi {
            let ih = oh * s + kh - g.pad;
            let srow = &srcc[oh * g.w_out + ow_lo..oh * g.w_out + ow_hi];
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

/// Fills `rowm` (`out_hw x col_rows`, row-major: the transpose of [`im2col`]'s matrix) from one
/// image `x` (`c_in x h x w`): row `p` holds the kernel window of output pixel `p`, ordered like a
/// weight's `(c_in, k, k)`.
///
/// Several images' matrices can be stacked (image `j` writing into `&mut wide[j * out_hw *
/// col_rows..]`), giving the long, contiguous right operand of the weight gradient.
pub(crate) fn im2row(g: &ConvGeom, x: &[f32], rowm: &mut [f32]) {
    let (k, s, rows) = (g.k, g.stride, g.col_rows());
    let plane = g.h * g.w;
    if rows == 0 {
        return;
    }
    for (p, dst) in rowm.chunks_exact_mut(rows).take(g.out_hw()).enumerate() {
        let (oh, ow) = (p / g.w_out.max(1), p % g.w_out.max(1));
        // Kernel columns kw whose input column ow * s + kw - pad lies in 0..w.
        let (kw_lo, kw_hi) = window(ow * s, g.pad, k, g.w);
        let (kh_lo, kh_hi) = window(oh * s, g.pad, k, g.h);
        for (c, dc) in dst.chunks_exact_mut(k * k).enumerate() {
            let src = &x[c * plane..(c + 1) * plane];
            for (kh, d) in dc.chunks_exact_mut(k).enumerate() {
                if kh < kh_lo || kh >= kh_hi || kw_lo >= kw_hi {
                    d.fill(0.0);
                    continue;
                }
                let ih = oh * s + kh - g.pad;
                let iw0 = ow * s + kw_lo - g.pad;
                d[..kw_lo].fill(0.0);
                d[kw_hi..].fill(0.0);
                d[kw_lo..kw_hi]
                    .copy_from_slice(&src[ih * g.w + iw0..ih * g.w + iw0 + (kw_hi - kw_lo)]);
            }
        }
    }
}

/// Kernel offsets `kk` in `0..k` for which `start + kk - pad` lies in `0..len`.
#[inline]
fn window(start: usize, pad: usize, k: usize, len: usize) -> (usize, usize) {
    let lo = pad.saturating_sub(start).min(k);
    let hi = (len + pad).saturating_sub(start).min(k);
    (lo, hi.max(lo))
}
