//! Two-dimensional discrete Fourier transforms (rustfft along the rows, then the columns), shared
//! by the Gabor filter bank (convolution as a product of spectra) and the Fourier-band descriptor.

use rustfft::num_complex::Complex64;
use rustfft::{Fft, FftDirection, FftPlanner};
use std::cell::RefCell;
use std::sync::Arc;

thread_local! {
    static PLANNER: RefCell<FftPlanner<f64>> = RefCell::new(FftPlanner::new());
}

fn plan(len: usize, direction: FftDirection) -> Arc<dyn Fft<f64>> {
    PLANNER.with(|p| p.borrow_mut().plan_fft(len, direction))
}

/// Transforms the `rows x cols` row-major buffer in place: forward (`e^{-2 pi i k n / N}`, as
/// NumPy's `fft2`) or inverse (unnormalized: divide by `rows * cols` to undo a forward one).
pub(crate) fn fft2(buffer: &mut [Complex64], rows: usize, cols: usize, direction: FftDirection) {
    if rows == 0 || cols == 0 || buffer.len() != rows * cols {
        return;
    }
    let along_rows = plan(cols, direction);
    along_rows.process(buffer);
    let along_cols = plan(rows, direction);
    let mut column = vec![Complex64::default(); rows];
    for c in 0..cols {
        for (r, v) in column.iter_mut().enumerate() {
            *v = buffer[r * cols + c];
        }
        along_cols.process(&mut column);
        for (r, v) in column.iter().enumerate() {
            buffer[r * cols + c] = *v;
        }
    }
}

/// The smallest length `>= n` whose prime factors are 2, 3 and 5 (fast for rustfft).
pub(crate) fn fast_len(n: usize) -> usize {
    let mut m = n.max(1);
    loop {
        let mut k = m;
        for p in [2, 3, 5] {
            while k.is_multiple_of(p) {
                k /= p;
            }
        }
        if k == 1 {
            return m;
        }
        m += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The DFT by its definition.
    fn naive_dft2(x: &[Complex64], rows: usize, cols: usize) -> Vec<Complex64> {
        let mut out = vec![Complex64::default(); rows * cols];
        for (k, o) in out.iter_mut().enumerate() {
            let (kr, kc) = (k / cols, k % cols);
            for (n, v) in x.iter().enumerate() {
                let (nr, nc) = (n / cols, n % cols);
                let angle = -2.0
                    * std::f64::consts::PI
                    * ((kr * nr) as f64 / rows as f64 + (kc * nc) as f64 / cols as f64);
                *o += v * Complex64::new(angle.cos(), angle.sin());
            }
        }
        out
    }

    #[test]
    fn matches_the_definition_and_inverts() {
        let (rows, cols) = (5, 6);
        let x: Vec<Complex64> = (0..rows * cols)
            .map(|i| Complex64::new((i as f64 * 0.37).sin(), (i as f64 * 0.11).cos()))
            .collect();
        let mut y = x.clone();
        fft2(&mut y, rows, cols, FftDirection::Forward);
        for (a, b) in y.iter().zip(naive_dft2(&x, rows, cols)) {
            assert!((a - b).norm() < 1e-10);
        }
        fft2(&mut y, rows, cols, FftDirection::Inverse);
        for (a, b) in y.iter().zip(&x) {
            assert!((a / (rows * cols) as f64 - b).norm() < 1e-12);
        }
    }

    #[test]
    fn fast_lengths_are_5_smooth() {
        assert_eq!(fast_len(0), 1);
        assert_eq!(fast_len(7), 8);
        assert_eq!(fast_len(324), 324);
        assert_eq!(fast_len(331), 360);
    }
}
