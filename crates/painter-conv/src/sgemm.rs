//! A bounds-checked wrapper around the `gemm` crate's f32 matrix product.

use crate::ConvError;
use gemm::Parallelism;

/// A read-only strided matrix view: element `(i, j)` is `data[i * rs + j * cs]`.
#[derive(Clone, Copy)]
pub(crate) struct MatRef<'a> {
    pub data: &'a [f32],
    pub rs: usize,
    pub cs: usize,
}

impl<'a> MatRef<'a> {
    /// A row-major matrix with `cols` columns.
    pub fn rows(data: &'a [f32], cols: usize) -> Self {
        Self {
            data,
            rs: cols,
            cs: 1,
        }
    }
    /// The transpose of a row-major matrix that has `cols` columns.
    pub fn transposed(data: &'a [f32], cols: usize) -> Self {
        Self {
            data,
            rs: 1,
            cs: cols,
        }
    }
    fn check(&self, what: &'static str, rows: usize, cols: usize) -> Result<(), ConvError> {
        let needed = if rows == 0 || cols == 0 {
            0
        } else {
            (rows - 1) * self.rs + (cols - 1) * self.cs + 1
        };
        if self.data.len() < needed {
            return Err(ConvError::Gemm {
                what,
                needed,
                len: self.data.len(),
            });
        }
        Ok(())
    }
}

/// `dst (m x n, row-major) = [dst +] a (m x k) * b (k x n)`.
pub(crate) fn gemm_f32(
    (m, n, k): (usize, usize, usize),
    dst: &mut [f32],
    accumulate: bool,
    a: MatRef<'_>,
    b: MatRef<'_>,
    par: Parallelism,
) -> Result<(), ConvError> {
    if dst.len() < m * n {
        return Err(ConvError::Gemm {
            what: "dst",
            needed: m * n,
            len: dst.len(),
        });
    }
    a.check("lhs", m, k)?;
    b.check("rhs", k, n)?;
    if m == 0 || n == 0 {
        return Ok(());
    }
    if k == 0 {
        if !accumulate {
            dst[..m * n].fill(0.0);
        }
        return Ok(());
    }
    // SAFETY: the checks above guarantee every index the kernel touches, `i * rs + j * cs` for
    // i < rows and j < cols, lies inside the respective slice; `dst` is exclusively borrowed and
    // cannot alias the shared inputs.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            dst.as_mut_ptr(),
            1,
            n as isize,
            accumulate,
            a.data.as_ptr(),
            a.cs as isize,
            a.rs as isize,
            b.data.as_ptr(),
            b.cs as isize,
            b.rs as isize,
            1.0,
            1.0,
            false,
            false,
            false,
            par,
        );
    }
    Ok(())
}

/// Row-major single-precision matrix product `c (m x n) = a (m x k) * b (k x n)`, using all
/// threads of the current rayon pool.
///
/// This is the kernel the convolutions are built on; the benchmark uses it to measure the machine's
/// matrix-multiply peak.
///
/// ```
/// let a = [1.0f32, 2.0, 3.0, 4.0]; // 2 x 2
/// let b = [1.0f32, 0.0, 0.0, 1.0];
/// let mut c = [0.0f32; 4];
/// painter_conv::sgemm(2, 2, 2, &a, &b, &mut c).unwrap();
/// assert_eq!(c, a);
/// ```
pub fn sgemm(
    m: usize,
    n: usize,
    k: usize,
    a: &[f32],
    b: &[f32],
    c: &mut [f32],
) -> Result<(), ConvError> {
    gemm_f32(
        (m, n, k),
        c,
        false,
        MatRef::rows(a, k),
        MatRef::rows(b, n),
        Parallelism::Rayon(0),
    )
}
