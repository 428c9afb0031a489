//! Batched convolution kernels on contiguous f32 slices: forward, data gradient (which is also the
//! transposed convolution's forward) and filter gradient, by im2col / col2im and GEMM.
//!
//! Images of a batch are spread over the rayon pool, each running a single-threaded GEMM on its own
//! column buffer; a batch smaller than the pool runs its images in turn with a parallel GEMM.

use crate::geometry::ConvGeom;
use crate::im2col::{col2im, im2col, im2row};
use crate::scratch::Scratch;
use crate::sgemm::{gemm_f32, MatRef};
use crate::ConvError;
use gemm::Parallelism;
use rayon::prelude::*;

fn check_len(what: &'static str, got: usize, needed: usize) -> Result<(), ConvError> {
    if got != needed {
        return Err(ConvError::Shape(format!(
            "{what} has {got} elements, expected {needed}"
        )));
    }
    Ok(())
}

/// Whether to parallelize over the images of the batch (else inside each GEMM).
fn batch_parallel(n: usize) -> bool {
    n >= rayon::current_num_threads()
}

fn inner_par(batch_par: bool) -> Parallelism {
    if batch_par {
        Parallelism::None
    } else {
        Parallelism::Rayon(0)
    }
}

/// Runs `f(image_index, out_chunk, scratch)` for every image, in parallel over the batch or in turn.
fn for_each_image<F>(
    n: usize,
    out: &mut [f32],
    chunk: usize,
    scratch_len: usize,
    f: F,
) -> Result<(), ConvError>
where
    F: Fn(usize, &mut [f32], &mut Vec<f32>, Parallelism) -> Result<(), ConvError> + Sync,
{
    if chunk == 0 {
        return Ok(());
    }
    if batch_parallel(n) {
        out.par_chunks_mut(chunk).enumerate().try_for_each_init(
            || Scratch::take(scratch_len),
            |scratch, (i, o)| f(i, o, scratch.as_mut(), Parallelism::None),
        )
    } else {
        let mut scratch = Scratch::take(scratch_len);
        out.chunks_mut(chunk)
            .enumerate()
            .try_for_each(|(i, o)| f(i, o, scratch.as_mut(), inner_par(false)))
    }
}

/// `y = conv(x, w) + b`: `x (n, c_in, h, w)`, `w (c_out, c_in, k, k)`, `b (c_out)`.
pub(crate) fn conv_fwd(
    g: &ConvGeom,
    x: &[f32],
    w: &[f32],
    b: Option<&[f32]>,
) -> Result<Vec<f32>, ConvError> {
    check_len("input", x.len(), g.n * g.in_len())?;
    check_len("weight", w.len(), g.weight_len())?;
    if let Some(b) = b {
        check_len("bias", b.len(), g.c_out)?;
    }
    let (rows, hw) = (g.col_rows(), g.out_hw());
    let mut y = vec![0f32; g.n * g.out_len()];
    let scratch = if g.is_pointwise() { 0 } else { rows * hw };
    for_each_image(g.n, &mut y, g.out_len(), scratch, |i, yi, col, par| {
        let xi = &x[i * g.in_len()..(i + 1) * g.in_len()];
        let cols: &[f32] = if g.is_pointwise() {
            xi
        } else {
            im2col(g, xi, col);
            col
        };
        gemm_f32(
            (g.c_out, hw, rows),
            yi,
            false,
            MatRef::rows(w, rows),
            MatRef::rows(cols, hw),
            par,
        )?;
        if let Some(b) = b {
            for (plane, bias) in yi.chunks_exact_mut(hw).zip(b) {
                plane.iter_mut().for_each(|v| *v += *bias);
            }
        }
        Ok(())
    })?;
    Ok(y)
}

/// Gradient of [`conv_fwd`] with respect to its input, plus an optional per-channel bias:
/// `dx = conv^T(dy, w) + b`, `dy (n, c_out, h_out, w_out)` -> `dx (n, c_in, h, w)`.
/// This is also the forward pass of the transposed convolution.
pub(crate) fn conv_bwd_data(
    g: &ConvGeom,
    dy: &[f32],
    w: &[f32],
    b: Option<&[f32]>,
) -> Result<Vec<f32>, ConvError> {
    check_len("output gradient", dy.len(), g.n * g.out_len())?;
    check_len("weight", w.len(), g.weight_len())?;
    if let Some(b) = b {
        check_len("bias", b.len(), g.c_in)?;
    }
    let (rows, hw) = (g.col_rows(), g.out_hw());
    let mut dx = vec![0f32; g.n * g.in_len()];
    let pointwise = g.is_pointwise();
    let scratch = if pointwise { 0 } else { rows * hw };
    for_each_image(g.n, &mut dx, g.in_len(), scratch, |i, dxi, col, par| {
        let dyi = &dy[i * g.out_len()..(i + 1) * g.out_len()];
        let lhs = MatRef::transposed(w, rows);
        if pointwise {
            gemm_f32(
                (rows, hw, g.c_out),
                dxi,
                false,
                lhs,
                MatRef::rows(dyi, hw),
                par,
            )?;
        } else {
            gemm_f32(
                (rows, hw, g.c_out),
                col,
                false,
                lhs,
                MatRef::rows(dyi, hw),
                par,
            )?;
            col2im(g, col, dxi);
        }
        if let Some(b) = b {
            for (plane, bias) in dxi.chunks_exact_mut(g.h * g.w).zip(b) {
                plane.iter_mut().for_each(|v| *v += *bias);
            }
        }
        Ok(())
    })?;
    Ok(dx)
}

/// How many chunks the weight-gradient reduction aims for; a constant (not the thread count) so
/// that the summation order, and with it every bit of the result, is the same on any machine.
const FILTER_CHUNKS: usize = 4;

/// Most `f32` elements one chunk's column matrix may hold (64 MiB); more images than fit are split
/// into further chunks, but a chunk always holds at least one image.
const FILTER_COL_BUDGET: usize = 16 << 20;

/// Images per chunk of the weight-gradient reduction: a function of the geometry alone.
pub(crate) fn filter_chunk_images(g: &ConvGeom) -> usize {
    let per_image = (g.col_rows() * g.out_hw()).max(1);
    let by_budget = (FILTER_COL_BUDGET / per_image).max(1);
    g.n.div_ceil(FILTER_CHUNKS).clamp(1, by_budget)
}

/// Gradient of [`conv_fwd`] with respect to its weight: `dw (c_out, c_in, k, k) = sum_i dy_i *
/// im2col(x_i)^T`.
///
/// The batch is cut into chunks of [`filter_chunk_images`] consecutive images (independent of the
/// thread count). Each chunk is one GEMM whose reduction runs over all of its images' pixels: the
/// chunk's kernel windows are stacked in one `(images * out_hw) x col_rows` matrix ([`im2row`]),
/// its output gradients in one `(images * out_hw) x c_out` matrix. Chunks run in parallel, each
/// producing its own partial gradient, and the partials are added in chunk order, so the result is
/// bit-identical from run to run and for any number of threads.
pub(crate) fn conv_bwd_filter(g: &ConvGeom, x: &[f32], dy: &[f32]) -> Result<Vec<f32>, ConvError> {
    check_len("input", x.len(), g.n * g.in_len())?;
    check_len("output gradient", dy.len(), g.n * g.out_len())?;
    let (rows, hw) = (g.col_rows(), g.out_hw());
    let per = filter_chunk_images(g);
    let chunks = g.n.div_ceil(per);
    if chunks == 0 || g.weight_len() == 0 {
        return Ok(vec![0f32; g.weight_len()]);
    }
    let chunk = |c: usize, par: Parallelism| {
        let (first, end) = (c * per, ((c + 1) * per).min(g.n));
        let wide = (end - first) * hw;
        let (mut rowm, mut dyt) = (Scratch::take(wide * rows), Scratch::take(wide * g.c_out));
        let (rowm, dyt) = (rowm.as_mut(), dyt.as_mut());
        for (j, i) in (first..end).enumerate() {
            let xi = &x[i * g.in_len()..(i + 1) * g.in_len()];
            im2row(g, xi, &mut rowm[j * hw * rows..(j + 1) * hw * rows]);
            // dy_i transposed to pixel-major (`hw x c_out`), in blocks of pixels.
            let dyi = &dy[i * g.out_len()..(i + 1) * g.out_len()];
            let dst = &mut dyt[j * hw * g.c_out..(j + 1) * hw * g.c_out];
            for p0 in (0..hw).step_by(64) {
                let p1 = (p0 + 64).min(hw);
                for co in 0..g.c_out {
                    let src = &dyi[co * hw + p0..co * hw + p1];
                    for (dp, v) in src.iter().enumerate() {
                        dst[(p0 + dp) * g.c_out + co] = *v;
                    }
                }
            }
        }
        let mut dw = vec![0f32; g.weight_len()];
        // dw (c_out x rows) = dy (c_out x wide) * rowm (wide x rows): the left operand is read
        // column by column from `dyt`, the right one row by row, both contiguous along the
        // dimension the GEMM packs.
        gemm_f32(
            (g.c_out, rows, wide),
            &mut dw,
            false,
            MatRef::transposed(dyt, g.c_out),
            MatRef::rows(rowm, rows),
            par,
        )?;
        Ok::<_, ConvError>(dw)
    };
    let partials: Vec<Vec<f32>> = if chunks >= rayon::current_num_threads() {
        (0..chunks)
            .into_par_iter()
            .map(|c| chunk(c, Parallelism::None))
            .collect::<Result<_, _>>()?
    } else {
        (0..chunks)
            .map(|c| chunk(c, Parallelism::Rayon(0)))
            .collect::<Result<_, _>>()?
    };
    let mut parts = partials.into_iter();
    let mut dw = parts.next().unwrap_or_else(|| vec![0f32; g.weight_len()]);
    for p in parts {
        dw.iter_mut().zip(&p).for_each(|(a, b)| *a += *b);
    }
    Ok(dw)
}

/// Per-channel sums of `t (n, c, hw)`: the gradient of a bias added to every pixel.
pub(crate) fn channel_sum(t: &[f32], n: usize, c: usize) -> Result<Vec<f32>, ConvError> {
    if n == 0 || c == 0 {
        return Ok(vec![0f32; c]);
    }
    if !t.len().is_multiple_of(n * c) {
        return Err(ConvError::Shape(format!(
            "{} elements are not {n} x {c} planes",
            t.len()
        )));
    }
    let hw = t.len() / (n * c);
    let sums: Vec<f32> = (0..c)
        .into_par_iter()
        .map(|ch| {
            (0..n)
                .map(|i| {
                    let start = (i * c + ch) * hw;
                    t[start..start + hw]
                        .iter()
                        .map(|v| f64::from(*v))
                        .sum::<f64>()
                })
                .sum::<f64>() as f32
        })
        .collect();
    Ok(sums)
}
