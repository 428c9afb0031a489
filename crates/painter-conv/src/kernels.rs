//! Batched convolution kernels on contiguous f32 slices: forward, data gradient (which is also the
//! transposed convolution's forward) and filter gradient, by im2col / col2im and GEMM.
//!
//! Images of a batch are spread over the rayon pool, each running single-threaded GEMMs on its own
//! column buffer; a batch smaller than the pool runs its images in turn with parallel GEMMs. The
//! column matrix of an image is never built whole: it is built (or scattered back) one band of
//! output rows at a time ([`band_rows`]), small enough to stay in the core's cache between the
//! gather and the GEMM, which roughly halved the time of the weight gradient here.

use crate::geometry::ConvGeom;
use crate::im2col::{col2im_rows, im2col_rows};
use crate::relu::leaky_relu_of;
use crate::scratch::Scratch;
use crate::sgemm::{gemm_f32, MatRef};
use crate::ConvError;
use gemm::Parallelism;
use rayon::prelude::*;

pub(crate) fn check_len(what: &'static str, got: usize, needed: usize) -> Result<(), ConvError> {
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
pub(crate) fn for_each_image<F>(
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

/// [`for_each_image`] with two outputs per image (`a_chunk` elements of `a`, `b_chunk` of `b`).
pub(crate) fn for_each_image2<A, B, F>(
    (a, a_chunk): (&mut [A], usize),
    (b, b_chunk): (&mut [B], usize),
    scratch_len: usize,
    f: F,
) -> Result<(), ConvError>
where
    A: Send,
    B: Send,
    F: Fn(usize, &mut [A], &mut [B], &mut Vec<f32>, Parallelism) -> Result<(), ConvError> + Sync,
{
    if a_chunk == 0 || b_chunk == 0 {
        return Ok(());
    }
    let n = a.len() / a_chunk;
    if batch_parallel(n) {
        a.par_chunks_mut(a_chunk)
            .zip(b.par_chunks_mut(b_chunk))
            .enumerate()
            .try_for_each_init(
                || Scratch::take(scratch_len),
                |scratch, (i, (ai, bi))| f(i, ai, bi, scratch.as_mut(), Parallelism::None),
            )
    } else {
        let mut scratch = Scratch::take(scratch_len);
        a.chunks_mut(a_chunk)
            .zip(b.chunks_mut(b_chunk))
            .enumerate()
            .try_for_each(|(i, (ai, bi))| f(i, ai, bi, scratch.as_mut(), inner_par(false)))
    }
}

/// One image of [`conv_fwd`]: `yi (c_out, out_hw) = w * im2col(xi) + b`, with `col` as scratch
/// ([`col_scratch_len`] elements). The column matrix is built and multiplied one band of output
/// rows at a time ([`band_rows`]), so that it stays in cache.
pub(crate) fn conv_fwd_image(
    g: &ConvGeom,
    xi: &[f32],
    w: &[f32],
    b: Option<&[f32]>,
    yi: &mut [f32],
    col: &mut Vec<f32>,
    par: Parallelism,
) -> Result<(), ConvError> {
    let (rows, hw) = (g.col_rows(), g.out_hw());
    if g.is_pointwise() {
        gemm_f32(
            (g.c_out, hw, rows),
            yi,
            false,
            MatRef::rows(w, rows),
            MatRef::rows(xi, hw),
            par,
        )?;
        if let Some(b) = b {
            for (plane, bias) in yi.chunks_exact_mut(hw).zip(b) {
                plane.iter_mut().for_each(|v| *v += *bias);
            }
        }
    } else {
        // The band's product goes to a contiguous buffer first and is then copied (bias added)
        // into the output planes: written straight into planes `out_hw` apart, the GEMM's stores
        // conflict in the cache (2x slower for the 3-channel 128 px layer here).
        let band = band_rows(g);
        let band_len = band * g.w_out;
        col.resize(rows * band_len + g.c_out * band_len, 0.0);
        let (col, prod) = col.split_at_mut(rows * band_len);
        for band in bands(g) {
            let (p0, blk) = (band.first, band.len);
            let cols = &mut col[..rows * blk];
            im2col_rows(g, xi, band.rows, cols);
            let prod = &mut prod[..g.c_out * blk];
            gemm_f32(
                (g.c_out, blk, rows),
                prod,
                false,
                MatRef::rows(w, rows),
                MatRef::rows(cols, blk),
                par,
            )?;
            for (c, src) in prod.chunks_exact(blk).enumerate() {
                let dst = &mut yi[c * hw + p0..c * hw + p0 + blk];
                match b.and_then(|b| b.get(c)) {
                    Some(bias) => dst.iter_mut().zip(src).for_each(|(d, v)| *d = *v + *bias),
                    None => dst.copy_from_slice(src),
                }
            }
        }
    }
    Ok(())
}

/// Output rows per band of a column matrix: the band's kernel windows (`col_rows x rows * w_out`)
/// take about [`BAND_ELEMS`] elements, so that they stay in the core's cache between the
/// gathering (or scattering) and the GEMM. A function of the geometry alone.
pub(crate) fn band_rows(g: &ConvGeom) -> usize {
    (BAND_ELEMS / (g.col_rows() * g.w_out).max(1)).clamp(1, g.h_out.max(1))
}

/// A band of output rows: rows `rows` of every output plane, its pixels `first..first + len`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Band {
    /// The output rows.
    pub(crate) rows: std::ops::Range<usize>,
    /// The band's first output pixel (`rows.start * w_out`).
    pub(crate) first: usize,
    /// Its output pixels (`rows.len() * w_out`).
    pub(crate) len: usize,
}

/// The bands of [`band_rows`] output rows, top to bottom (the last one may be shorter).
pub(crate) fn bands(g: &ConvGeom) -> impl Iterator<Item = Band> + '_ {
    let band = band_rows(g);
    (0..g.h_out).step_by(band).map(move |r0| {
        let rows = r0..(r0 + band).min(g.h_out);
        Band {
            first: r0 * g.w_out,
            len: rows.len() * g.w_out,
            rows,
        }
    })
}

/// Target size of one band of a column matrix (`f32` elements, 1 MiB: about the size of one
/// core's L2 cache here; 0.5 to 2 MiB measured within noise of each other).
const BAND_ELEMS: usize = 256 << 10;

/// Scratch elements one image of [`conv_fwd_image`] or [`conv_bwd_data_image`] needs.
pub(crate) fn col_scratch_len(g: &ConvGeom) -> usize {
    if g.is_pointwise() {
        0
    } else {
        (g.col_rows() + g.c_out) * band_rows(g) * g.w_out
    }
}

/// The signature of [`conv_fwd_image`] and [`conv_bwd_data_image`]: geometry, one source image,
/// weight, optional bias, one destination image, column scratch, parallelism.
type ImageKernel = fn(
    &ConvGeom,
    &[f32],
    &[f32],
    Option<&[f32]>,
    &mut [f32],
    &mut Vec<f32>,
    Parallelism,
) -> Result<(), ConvError>;

/// Runs `image` over a batch: `src` holds `n` images of `src_len` (named `what`), the bias has
/// `bias_len` values, the result `n` images of `dst_len`, each passed through the leaky ReLU of
/// slope `act` (when given) while it is still in cache.
fn batched(
    g: &ConvGeom,
    (what, src, src_len): (&'static str, &[f32], usize),
    w: &[f32],
    (b, bias_len): (Option<&[f32]>, usize),
    (dst_len, act): (usize, Option<f32>),
    image: ImageKernel,
) -> Result<Vec<f32>, ConvError> {
    check_len(what, src.len(), g.n * src_len)?;
    check_len("weight", w.len(), g.weight_len())?;
    if let Some(b) = b {
        check_len("bias", b.len(), bias_len)?;
    }
    let mut dst = vec![0f32; g.n * dst_len];
    for_each_image(
        g.n,
        &mut dst,
        dst_len,
        col_scratch_len(g),
        |i, di, col, par| {
            image(g, &src[i * src_len..(i + 1) * src_len], w, b, di, col, par)?;
            if let Some(slope) = act {
                di.iter_mut().for_each(|v| *v = leaky_relu_of(*v, slope));
            }
            Ok(())
        },
    )?;
    Ok(dst)
}

/// `y = conv(x, w) + b`: `x (n, c_in, h, w)`, `w (c_out, c_in, k, k)`, `b (c_out)`, then the leaky
/// ReLU of slope `act` when given.
pub(crate) fn conv_fwd(
    g: &ConvGeom,
    x: &[f32],
    (w, b): (&[f32], Option<&[f32]>),
    act: Option<f32>,
) -> Result<Vec<f32>, ConvError> {
    let src = ("input", x, g.in_len());
    batched(g, src, w, (b, g.c_out), (g.out_len(), act), conv_fwd_image)
}

/// One image of [`conv_bwd_data`]: adds `conv^T(dyi, w) + b` to `dxi` (`c_in x h x w`, zeroed by
/// the caller), with `col` as scratch ([`col_scratch_len`] elements), one band of output rows at a
/// time.
pub(crate) fn conv_bwd_data_image(
    g: &ConvGeom,
    dyi: &[f32],
    w: &[f32],
    b: Option<&[f32]>,
    dxi: &mut [f32],
    col: &mut Vec<f32>,
    par: Parallelism,
) -> Result<(), ConvError> {
    let (rows, hw) = (g.col_rows(), g.out_hw());
    let lhs = MatRef::transposed(w, rows);
    if g.is_pointwise() {
        gemm_f32(
            (rows, hw, g.c_out),
            dxi,
            false,
            lhs,
            MatRef::rows(dyi, hw),
            par,
        )?;
    } else {
        col.resize(rows * band_rows(g) * g.w_out, 0.0);
        for band in bands(g) {
            let (p0, blk) = (band.first, band.len);
            let cols = &mut col[..rows * blk];
            gemm_f32(
                (rows, blk, g.c_out),
                cols,
                false,
                lhs,
                MatRef {
                    data: &dyi[p0..],
                    rs: hw,
                    cs: 1,
                },
                par,
            )?;
            col2im_rows(g, cols, band.rows, dxi);
        }
    }
    if let Some(b) = b {
        for (plane, bias) in dxi.chunks_exact_mut(g.h * g.w).zip(b) {
            plane.iter_mut().for_each(|v| *v += *bias);
        }
    }
    Ok(())
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
    let src = ("output gradient", dy, g.out_len());
    batched(
        g,
        src,
        w,
        (b, g.c_in),
        (g.in_len(), None),
        conv_bwd_data_image,
    )
}

/// How many chunks the weight-gradient reduction aims for; a constant (not the thread count) so
/// that the summation order, and with it every bit of the result, is the same on any machine.
const FILTER_CHUNKS: usize = 4;

/// Images per chunk of the weight-gradient reduction: a function of the batch size alone.
pub(crate) fn filter_chunk_images(g: &ConvGeom) -> usize {
    g.n.div_ceil(FILTER_CHUNKS).max(1)
}

/// Gradient of [`conv_fwd`] with respect to its weight: `dw (c_out, c_in, k, k) = sum_i dy_i *
/// im2col(x_i)^T`.
///
/// The batch is cut into chunks of [`filter_chunk_images`] consecutive images (independent of the
/// thread count). Within a chunk, image by image and band by band of [`band_rows`] output rows,
/// the band's column matrix is built ([`im2col_rows`], small enough to stay in the core's cache)
/// and one GEMM adds `cols (col_rows x band) * dy^T (band x c_out)` to the chunk's transposed
/// partial gradient, in a fixed order. Chunks run in parallel, and their partials are added in
/// chunk order, so the result is bit-identical from run to run and for any number of threads.
pub(crate) fn conv_bwd_filter(g: &ConvGeom, x: &[f32], dy: &[f32]) -> Result<Vec<f32>, ConvError> {
    check_len("output gradient", dy.len(), g.n * g.out_len())?;
    conv_bwd_filter_with(g, x, |i, dst| {
        let dyi = &dy[i * g.out_len()..(i + 1) * g.out_len()];
        to_pixel_major(dyi, g.c_out, g.out_hw(), dst);
        Ok(())
    })
}

/// `src (c, hw)` transposed to pixel-major `dst (hw, c)`, in blocks of pixels.
pub(crate) fn to_pixel_major(src: &[f32], c: usize, hw: usize, dst: &mut [f32]) {
    for p0 in (0..hw).step_by(64) {
        let p1 = (p0 + 64).min(hw);
        for co in 0..c {
            let s = &src[co * hw + p0..co * hw + p1];
            for (dp, v) in s.iter().enumerate() {
                dst[(p0 + dp) * c + co] = *v;
            }
        }
    }
}

/// [`conv_bwd_filter`] with the output gradient supplied image by image: `dy_t(i, dst)` must fill
/// `dst` (`out_hw x c_out`, pixel-major: the transpose of image `i`'s output gradient) completely.
/// Same chunking, summation order and determinism as [`conv_bwd_filter`].
pub(crate) fn conv_bwd_filter_with<F>(
    g: &ConvGeom,
    x: &[f32],
    dy_t: F,
) -> Result<Vec<f32>, ConvError>
where
    F: Fn(usize, &mut [f32]) -> Result<(), ConvError> + Sync,
{
    check_len("input", x.len(), g.n * g.in_len())?;
    let (rows, hw) = (g.col_rows(), g.out_hw());
    let per = filter_chunk_images(g);
    let chunks = g.n.div_ceil(per);
    if chunks == 0 || g.weight_len() == 0 {
        return Ok(vec![0f32; g.weight_len()]);
    }
    let block_rows = band_rows(g);
    let chunk = |c: usize, par: Parallelism| {
        let (first, end) = (c * per, ((c + 1) * per).min(g.n));
        let block = block_rows * g.w_out;
        let (mut colm, mut dyt) = (Scratch::take(block * rows), Scratch::take(hw * g.c_out));
        let (colm, dyt) = (colm.as_mut(), dyt.as_mut());
        let mut dw_t = vec![0f32; g.weight_len()];
        let mut accumulate = false;
        for i in first..end {
            let xi = &x[i * g.in_len()..(i + 1) * g.in_len()];
            dy_t(i, dyt)?;
            for band in bands(g) {
                let (p0, blk) = (band.first, band.len);
                let p1 = p0 + blk;
                let cols = &mut colm[..blk * rows];
                im2col_rows(g, xi, band.rows, cols);
                // dw^T (rows x c_out) += cols (rows x block) * dy^T (block x c_out); the block's
                // kernel windows stay in cache between `im2col_rows` and the GEMM.
                gemm_f32(
                    (rows, g.c_out, blk),
                    &mut dw_t,
                    accumulate,
                    MatRef::rows(cols, blk),
                    MatRef::rows(&dyt[p0 * g.c_out..p1 * g.c_out], g.c_out),
                    par,
                )?;
                accumulate = true;
            }
        }
        Ok::<_, ConvError>(dw_t)
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
    let mut dw_t = parts.next().unwrap_or_else(|| vec![0f32; g.weight_len()]);
    for p in parts {
        dw_t.iter_mut().zip(&p).for_each(|(a, b)| *a += *b);
    }
    let mut dw = vec![0f32; g.weight_len()];
    to_pixel_major(&dw_t, rows, g.c_out, &mut dw);
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
