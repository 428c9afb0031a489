//! The solver of [`LogisticRegression`](crate::LogisticRegression): a truncated Newton method
//! (Newton-CG, as scikit-learn's `newton-cg` solver) whose inner conjugate gradients are
//! preconditioned by a Kronecker factorization of the Hessian.
//!
//! **Why by hand.** On the probe's matrices (960 correlated texture statistics) the Hessian's
//! condition number grows with `C`; L-BFGS (the former solver here, scikit-learn's `lbfgs`, argmin's
//! `LBFGS` as linfa-logistic uses it) needs thousands of passes over the rows at `C >= 1` and
//! stopped at 1,000 iterations. argmin's `NewtonCG` takes no preconditioner, computes every
//! Hessian-vector product twice and stops on a change of the objective rather than on the
//! gradient. The preconditioner below removes most of the conditioning: see `docs/PERFORMANCE.md`
//! for the side-by-side measurement.
//!
//! **The preconditioner.** The Hessian of the mean multinomial loss is
//! `(1/n) sum_i B_i (x) x_i x_i^T + lambda I` with `B_i = diag(p_i) - p_i p_i^T`. It is
//! approximated by `A (x) S + lambda I`, with `A` the mean of the `B_i` at the current point and
//! `S` the second moment of the rows (with a column of ones for the intercepts), whose
//! eigenvectors are computed once per matrix; `A`'s (`classes x classes`) once per Newton step.
//! Applying its inverse costs two small products in those eigenbases.
//!
//! **Passes over the data** run on row blocks of fixed size in parallel (rayon), each block's
//! products one after the other while it is in cache; partial sums are added in block order, so
//! results do not depend on the thread count.

use crate::error::{ClassifyError, Result};
use crate::features::FeatureMatrix;
use faer::dyn_stack::{MemBuffer, MemStack};
use faer::linalg::evd::{self_adjoint_evd, self_adjoint_evd_scratch, ComputeEigenvectors};
use faer::{Mat, Par};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// Rows per block of a pass over the data.
const BLOCK: usize = 256;
/// The most conjugate-gradient steps per Newton step (scikit-learn's `maxinner`).
const MAX_INNER: usize = 200;
/// Columns per parallel task of the second-moment matrix.
const GRAM_COLUMNS: usize = 64;

/// The regularized mean cross-entropy over the rows of `x`, parameters `[W (classes x features),
/// b (classes)]`.
pub(crate) struct Objective<'a> {
    /// The rows.
    pub x: &'a FeatureMatrix,
    /// One label per row, below `classes`.
    pub labels: &'a [usize],
    /// The number of classes.
    pub classes: usize,
    /// The penalty `1 / (C n)`.
    pub l2: f64,
}

/// The objective at one point.
struct Point {
    value: f64,
    gradient: Vec<f64>,
    /// Class probabilities of every row (`n x classes`).
    proba: Vec<f64>,
}

impl Objective<'_> {
    fn sizes(&self) -> (usize, usize, usize) {
        (self.labels.len(), self.x.columns(), self.classes)
    }

    /// Runs `f(first_row, block_rows)` on every block of rows in parallel; the results in block
    /// order.
    fn blocks<T: Send>(&self, f: impl Fn(usize, &[f64]) -> Result<T> + Sync) -> Result<Vec<T>> {
        let (n, d, _) = self.sizes();
        let starts: Vec<usize> = (0..n).step_by(BLOCK).collect();
        starts
            .par_iter()
            .map(|&start| {
                let end = (start + BLOCK).min(n);
                f(start, &self.x.values()[start * d..end * d])
            })
            .collect()
    }

    /// The logits `X W^T + b` of the block `xb` (`rows x classes`).
    fn block_logits(&self, xb: &[f64], theta: &[f64]) -> Result<Vec<f64>> {
        let (_, d, k) = self.sizes();
        let rows = xb.len() / d;
        let (w, b) = theta.split_at(k * d);
        let mut z = vec![0.0; rows * k];
        matmul((rows, k, d), &mut z, (xb, d, 1), (w, 1, d))?;
        z.chunks_mut(k)
            .for_each(|row| row.iter_mut().zip(b).for_each(|(v, bc)| *v += bc));
        Ok(z)
    }

    /// Adds `R^T X` of the block (`classes x features`) and the column sums of `R` to `out`
    /// (`[classes x features, classes]`).
    fn add_block_products(&self, xb: &[f64], r: &[f64], out: &mut [f64]) -> Result<()> {
        let (_, d, k) = self.sizes();
        let rows = xb.len() / d;
        let (ow, ob) = out.split_at_mut(k * d);
        matmul((k, d, rows), ow, (r, 1, k), (xb, d, 1))?;
        for row in r.chunks(k) {
            ob.iter_mut().zip(row).for_each(|(o, v)| *o += v);
        }
        Ok(())
    }

    /// Sums the block results `(scalar, vector)` in block order, divides by `n` and adds the
    /// penalty's part for `theta`: `(scalar / n, vector / n + l2 * [W, 0])`.
    fn finish(&self, parts: Vec<(f64, Vec<f64>)>, theta: &[f64]) -> (f64, Vec<f64>) {
        let (n, d, k) = self.sizes();
        let mut total = 0.0;
        let mut sum = vec![0.0; k * (d + 1)];
        for (s, v) in parts {
            total += s;
            sum.iter_mut().zip(&v).for_each(|(a, b)| *a += b);
        }
        let inv_n = 1.0 / n as f64;
        sum.iter_mut().for_each(|v| *v *= inv_n);
        sum[..k * d]
            .iter_mut()
            .zip(&theta[..k * d])
            .for_each(|(g, w)| *g += self.l2 * w);
        (total * inv_n, sum)
    }

    /// The value, gradient and row probabilities at `theta`.
    fn evaluate(&self, theta: &[f64]) -> Result<Point> {
        let (_, d, k) = self.sizes();
        let parts = self.blocks(|start, xb| {
            let mut z = self.block_logits(xb, theta)?;
            let mut loss = 0.0;
            let mut r = vec![0.0; z.len()];
            for ((row, res), &y) in z
                .chunks_mut(k)
                .zip(r.chunks_mut(k))
                .zip(&self.labels[start..])
            {
                let m = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                let log_sum = m + row.iter().map(|v| (v - m).exp()).sum::<f64>().ln();
                loss += log_sum - row[y];
                for (c, (p, rv)) in row.iter_mut().zip(res.iter_mut()).enumerate() {
                    *p = (*p - log_sum).exp();
                    *rv = *p - if c == y { 1.0 } else { 0.0 };
                }
            }
            let mut g = vec![0.0; k * (d + 1)];
            self.add_block_products(xb, &r, &mut g)?;
            Ok((loss, g, z))
        })?;
        let mut proba = Vec::with_capacity(self.labels.len() * k);
        let parts = parts
            .into_iter()
            .map(|(loss, g, p)| {
                proba.extend(p);
                (loss, g)
            })
            .collect();
        let (loss, mut gradient) = self.finish(parts, theta);
        let w = &theta[..k * d];
        let value = loss + 0.5 * self.l2 * dot(w, w);
        if !value.is_finite() || gradient.iter().any(|g| !g.is_finite()) {
            return Err(ClassifyError::Diverged);
        }
        gradient.shrink_to_fit();
        Ok(Point {
            value,
            gradient,
            proba,
        })
    }

    /// The Hessian at the point of row probabilities `proba`, times `v`.
    fn hessian_product(&self, proba: &[f64], v: &[f64]) -> Result<Vec<f64>> {
        let (_, d, k) = self.sizes();
        let parts = self.blocks(|start, xb| {
            let mut u = self.block_logits(xb, v)?;
            for (row, p) in u.chunks_mut(k).zip(proba[start * k..].chunks(k)) {
                let pz = dot(p, row);
                row.iter_mut()
                    .zip(p)
                    .for_each(|(z, pc)| *z = pc * (*z - pz));
            }
            let mut h = vec![0.0; k * (d + 1)];
            self.add_block_products(xb, &u, &mut h)?;
            Ok((0.0, h))
        })?;
        Ok(self.finish(parts, v).1)
    }

    /// `f(theta + t s) - f(theta)`, computed from the logits of `s` without cancellation, so
    /// that the line search sees decreases far below the rounding of `f` itself.
    fn change_along(&self, point: &Point, theta: &[f64], s: &[f64], zs: &[f64], t: f64) -> f64 {
        let (n, d, k) = self.sizes();
        let mut total = 0.0;
        for ((p, dz), &y) in point.proba.chunks(k).zip(zs.chunks(k)).zip(self.labels) {
            // log sum_c p_c exp(t dz_c): the change of the row's log-partition function.
            let top = dz.iter().fold(0.0f64, |m, v| m.max((t * v).abs()));
            let change = if top < 1.0 {
                p.iter()
                    .zip(dz)
                    .map(|(pc, v)| pc * (t * v).exp_m1())
                    .sum::<f64>()
                    .ln_1p()
            } else {
                let m = dz.iter().map(|v| t * v).fold(f64::NEG_INFINITY, f64::max);
                m + p
                    .iter()
                    .zip(dz)
                    .map(|(pc, v)| pc * (t * v - m).exp())
                    .sum::<f64>()
                    .ln()
            };
            total += change - t * dz[y];
        }
        let (w, sw) = (&theta[..k * d], &s[..k * d]);
        total / n as f64 + self.l2 * (t * dot(w, sw) + 0.5 * t * t * dot(sw, sw))
    }
}

/// The eigenbasis of the rows' second moment `S = [X 1]^T [X 1] / n`, from which the
/// preconditioner of every Newton step is built.
#[derive(Debug)]
pub(crate) struct Preconditioner {
    /// The eigenvectors as columns, `(features + 1)` squared, row-major.
    basis: Vec<f64>,
    /// The eigenvalues (non-negative).
    spectrum: Vec<f64>,
}

impl Preconditioner {
    /// Computes the eigenbasis of the second moment of the rows of `x`.
    pub(crate) fn new(x: &FeatureMatrix) -> Result<Self> {
        let (n, d) = (x.rows(), x.columns());
        let dim = d + 1;
        let inv_n = 1.0 / n.max(1) as f64;
        // X^T X by blocks of columns (each block a sum over all rows in row order).
        let blocks: Vec<usize> = (0..d).step_by(GRAM_COLUMNS).collect();
        let columns = blocks
            .par_iter()
            .map(|&j0| -> Result<Vec<f64>> {
                let width = GRAM_COLUMNS.min(d - j0);
                let mut out = vec![0.0; d * width];
                matmul(
                    (d, width, n),
                    &mut out,
                    (x.values(), 1, d),
                    (&x.values()[j0..], d, 1),
                )?;
                Ok(out)
            })
            .collect::<Result<Vec<_>>>()?;
        let mut column_sums = vec![0.0; d];
        for r in 0..n {
            column_sums
                .iter_mut()
                .zip(x.row(r))
                .for_each(|(s, v)| *s += v);
        }
        let mut gram = vec![0.0; d * d];
        for (block, &j0) in columns.iter().zip(&blocks) {
            let width = block.len() / d;
            for (i, part) in block.chunks(width).enumerate() {
                gram[i * d + j0..i * d + j0 + width].copy_from_slice(part);
            }
        }
        let moment = Mat::<f64>::from_fn(dim, dim, |i, j| {
            let v = match (i < d, j < d) {
                (true, true) => gram[i * d + j],
                (true, false) => column_sums[i],
                (false, true) => column_sums[j],
                (false, false) => n as f64,
            };
            v * inv_n
        });
        let (basis, spectrum) = symmetric_eigen(&moment)?;
        Ok(Self { basis, spectrum })
    }

    /// The preconditioner at row probabilities `proba` (`n x classes`) and penalty `l2`.
    fn at(&self, proba: &[f64], classes: usize, l2: f64) -> Result<Step<'_>> {
        let k = classes;
        let n = proba.len() / k;
        let mut a = vec![0.0; k * k];
        for p in proba.chunks(k) {
            for i in 0..k {
                a[i * k + i] += p[i];
                for j in 0..k {
                    a[i * k + j] -= p[i] * p[j];
                }
            }
        }
        let inv_n = 1.0 / n.max(1) as f64;
        let (class_basis, class_spectrum) =
            symmetric_eigen(&Mat::<f64>::from_fn(k, k, |i, j| a[i * k + j] * inv_n))?;
        Ok(Step {
            features: self,
            class_basis,
            class_spectrum,
            l2,
        })
    }
}

/// The preconditioner of one Newton step: `A (x) S + lambda I` in the eigenbases of `A` and `S`.
struct Step<'a> {
    features: &'a Preconditioner,
    class_basis: Vec<f64>,
    class_spectrum: Vec<f64>,
    l2: f64,
}

impl Step<'_> {
    /// `(A (x) S + lambda I)^-1 r`, with `r = [R (classes x features), r_b]` seen as the matrix
    /// `[R r_b]` (`classes x (features + 1)`).
    fn apply(&self, r: &[f64]) -> Result<Vec<f64>> {
        let k = self.class_spectrum.len();
        let dim = self.features.spectrum.len();
        let d = dim - 1;
        let mut q = vec![0.0; k * dim];
        for c in 0..k {
            q[c * dim..c * dim + d].copy_from_slice(&r[c * d..(c + 1) * d]);
            q[c * dim + d] = r[k * d + c];
        }
        let (ua, v) = (&self.class_basis, &self.features.basis);
        let mut qv = vec![0.0; k * dim];
        matmul((k, dim, dim), &mut qv, (&q, dim, 1), (v, dim, 1))?;
        let mut t = vec![0.0; k * dim];
        matmul((k, dim, k), &mut t, (ua, 1, k), (&qv, dim, 1))?;
        for (a, row) in t.chunks_mut(dim).enumerate() {
            let alpha = self.class_spectrum[a];
            row.iter_mut()
                .zip(&self.features.spectrum)
                .for_each(|(x, sigma)| *x /= alpha * sigma + self.l2);
        }
        matmul((k, dim, k), &mut qv, (ua, k, 1), (&t, dim, 1))?;
        matmul((k, dim, dim), &mut q, (&qv, dim, 1), (v, 1, dim))?;
        let mut out = vec![0.0; r.len()];
        for c in 0..k {
            out[c * d..(c + 1) * d].copy_from_slice(&q[c * dim..c * dim + d]);
            out[k * d + c] = q[c * dim + d];
        }
        Ok(out)
    }
}

/// Eigenvectors (as the columns of a row-major matrix) and eigenvalues (clamped at 0) of a
/// symmetric positive semi-definite matrix, computed sequentially (so deterministically).
fn symmetric_eigen(m: &Mat<f64>) -> Result<(Vec<f64>, Vec<f64>)> {
    let n = m.nrows();
    let mut values = faer::diag::Diag::<f64>::zeros(n);
    let mut vectors = Mat::<f64>::zeros(n, n);
    let mut memory = MemBuffer::new(self_adjoint_evd_scratch::<f64>(
        n,
        ComputeEigenvectors::Yes,
        Par::Seq,
        Default::default(),
    ));
    self_adjoint_evd(
        m.as_ref(),
        values.as_mut(),
        Some(vectors.as_mut()),
        Par::Seq,
        MemStack::new(&mut memory),
        Default::default(),
    )
    .map_err(|e| ClassifyError::Eigen(format!("{e:?}")))?;
    let basis = (0..n * n).map(|i| vectors[(i / n, i % n)]).collect();
    let spectrum = (0..n).map(|i| values[i].max(0.0)).collect();
    Ok((basis, spectrum))
}

/// How a fit ended.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FitReport {
    /// Newton iterations run (in a probe saved before the Newton solver: L-BFGS iterations).
    pub iterations: usize,
    /// Hessian-vector products computed by the inner conjugate gradients (each one pass over the
    /// rows, as a gradient is; 0 in a probe saved before they were counted).
    #[serde(default)]
    pub hessian_products: usize,
    /// The objective at the solution.
    pub objective: f64,
    /// The largest absolute gradient entry at the solution.
    pub gradient_max: f64,
    /// Whether the gradient tolerance was reached. `false` when `max_iter` ran out first, or when
    /// no step along the Newton direction decreased the objective (rounding; not seen in
    /// practice). A probe saved by the former L-BFGS solver also counted as converged a fit whose
    /// objective had stopped changing at machine precision.
    pub converged: bool,
}

/// Minimizes `objective` from `theta` by Newton-CG with the Kronecker preconditioner, until the
/// largest absolute gradient entry is at most `tolerance` or `max_iter` Newton steps have run.
pub(crate) fn newton_cg(
    objective: &Objective<'_>,
    preconditioner: &Preconditioner,
    mut theta: Vec<f64>,
    tolerance: f64,
    max_iter: usize,
) -> Result<(Vec<f64>, FitReport)> {
    let mut point = objective.evaluate(&theta)?;
    let (mut iterations, mut products) = (0, 0);
    let mut converged = max_abs(&point.gradient) <= tolerance;
    while !converged && iterations < max_iter {
        iterations += 1;
        let g = &point.gradient;
        let step = preconditioner.at(&point.proba, objective.classes, objective.l2)?;
        // Preconditioned conjugate gradients on H s = -g, to the relative residual (in the L1
        // norm) min(0.5, sqrt(|g|_1)), as scikit-learn's newton-cg.
        let absgrad: f64 = g.iter().map(|v| v.abs()).sum();
        let target = absgrad.sqrt().min(0.5) * absgrad;
        let mut s = vec![0.0; g.len()];
        let mut r: Vec<f64> = g.iter().map(|v| -v).collect();
        let mut z = step.apply(&r)?;
        let mut p = z.clone();
        let mut rz = dot(&r, &z);
        for _ in 0..MAX_INNER {
            if r.iter().map(|v| v.abs()).sum::<f64>() <= target {
                break;
            }
            let hp = objective.hessian_product(&point.proba, &p)?;
            products += 1;
            let curvature = dot(&p, &hp);
            if curvature.is_nan() || curvature <= 0.0 {
                break;
            }
            let alpha = rz / curvature;
            s.iter_mut().zip(&p).for_each(|(si, pi)| *si += alpha * pi);
            r.iter_mut().zip(&hp).for_each(|(ri, hi)| *ri -= alpha * hi);
            z = step.apply(&r)?;
            let rz_next = dot(&r, &z);
            let beta = rz_next / rz;
            rz = rz_next;
            p.iter_mut()
                .zip(&z)
                .for_each(|(pi, zi)| *pi = zi + beta * *pi);
        }
        let mut slope = dot(g, &s);
        if slope.is_nan() || slope >= 0.0 {
            // No descent direction came out (rounding): fall back to steepest descent.
            s = g.iter().map(|v| -v).collect();
            slope = -dot(g, g);
        }
        // Backtracking (Armijo) from the full Newton step.
        let zs: Vec<f64> = objective
            .blocks(|_, xb| objective.block_logits(xb, &s))?
            .concat();
        let mut t = 1.0;
        let mut accepted = false;
        for _ in 0..60 {
            let change = objective.change_along(&point, &theta, &s, &zs, t);
            if change.is_finite() && change <= 1e-4 * t * slope {
                accepted = true;
                break;
            }
            t *= 0.5;
        }
        if !accepted {
            break;
        }
        theta.iter_mut().zip(&s).for_each(|(a, b)| *a += t * b);
        point = objective.evaluate(&theta)?;
        converged = max_abs(&point.gradient) <= tolerance;
    }
    Ok((
        theta,
        FitReport {
            iterations,
            hessian_products: products,
            objective: point.value,
            gradient_max: max_abs(&point.gradient),
            converged,
        },
    ))
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn max_abs(v: &[f64]) -> f64 {
    v.iter().fold(0.0, |m, x| m.max(x.abs()))
}

/// `dst (m x n, row-major) = a (m x inner) * b (inner x n)`, where `a` and `b` are given as
/// `(values, row stride, column stride)`. Single-threaded: the callers run it on blocks in
/// parallel, so results do not depend on the thread count.
fn matmul(
    (m, n, inner): (usize, usize, usize),
    dst: &mut [f64],
    a: (&[f64], usize, usize),
    b: (&[f64], usize, usize),
) -> Result<()> {
    let last = |rows: usize, cols: usize, rs: usize, cs: usize| {
        (rows.saturating_sub(1)) * rs + (cols.saturating_sub(1)) * cs
    };
    if m == 0 || n == 0 {
        return Ok(());
    }
    // The callers size every buffer from the same shapes; these checks keep the unsafe call
    // below sound whatever happens.
    let too_small = || {
        Err(ClassifyError::PartsDisagree(format!(
            "logistic regression: an operand of a {m}x{inner} by {inner}x{n} product is too small"
        )))
    };
    if dst.len() < m * n {
        return too_small();
    }
    if inner == 0 {
        dst[..m * n].fill(0.0);
        return Ok(());
    }
    if a.0.len() <= last(m, inner, a.1, a.2) || b.0.len() <= last(inner, n, b.1, b.2) {
        return too_small();
    }
    // SAFETY: the checks above guarantee that every index the kernel reads or writes,
    // `i * rs + j * cs` for `i` below the rows and `j` below the columns of each operand, lies
    // inside its slice; `dst` is exclusively borrowed and cannot alias `a` or `b`.
    unsafe {
        gemm::gemm(
            m,
            n,
            inner,
            dst.as_mut_ptr(),
            1,
            n as isize,
            false,
            a.0.as_ptr(),
            a.2 as isize,
            a.1 as isize,
            b.0.as_ptr(),
            b.2 as isize,
            b.1 as isize,
            0.0,
            1.0,
            false,
            false,
            false,
            gemm::Parallelism::None,
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The objective on the [`toy`] data (3 classes) at penalty `l2`.
    fn toy_objective<'a>(x: &'a FeatureMatrix, y: &'a [usize], l2: f64) -> Objective<'a> {
        Objective {
            x,
            labels: y,
            classes: 3,
            l2,
        }
    }

    fn toy() -> (FeatureMatrix, Vec<usize>) {
        let x: Vec<f64> = (0..18)
            .map(|i| ((i * 7 % 11) as f64 * 0.37).sin())
            .collect();
        let y = vec![0, 1, 2, 0, 1, 2, 2, 1, 0];
        (FeatureMatrix::new(x, 2).unwrap(), y)
    }

    #[test]
    fn gradient_and_hessian_products_match_finite_differences() {
        let (x, y) = toy();
        let objective = toy_objective(&x, &y, 0.3);
        let theta: Vec<f64> = (0..9).map(|i| (i as f64 * 0.37).sin()).collect();
        let at = objective.evaluate(&theta).unwrap();
        let direction: Vec<f64> = (0..9).map(|i| (i as f64 * 1.9).cos()).collect();
        let hv = objective.hessian_product(&at.proba, &direction).unwrap();
        let h = 1e-6;
        let shifted = |sign: f64, i: Option<usize>| {
            let mut t = theta.clone();
            match i {
                Some(i) => t[i] += sign * h,
                None => t
                    .iter_mut()
                    .zip(&direction)
                    .for_each(|(a, d)| *a += sign * h * d),
            }
            objective.evaluate(&t).unwrap()
        };
        for i in 0..9 {
            let fd = (shifted(1.0, Some(i)).value - shifted(-1.0, Some(i)).value) / (2.0 * h);
            assert!(
                (fd - at.gradient[i]).abs() < 1e-8,
                "gradient {i}: {fd} vs {}",
                at.gradient[i]
            );
        }
        let (plus, minus) = (shifted(1.0, None), shifted(-1.0, None));
        for (i, hv_i) in hv.iter().enumerate() {
            let fd = (plus.gradient[i] - minus.gradient[i]) / (2.0 * h);
            assert!(
                (fd - hv_i).abs() < 1e-7,
                "Hessian product {i}: {fd} vs {hv_i}"
            );
        }
        // The cancellation-free change along a direction equals the plain difference.
        let zs: Vec<f64> = objective
            .blocks(|_, xb| objective.block_logits(xb, &direction))
            .unwrap()
            .concat();
        for t in [1e-3, 0.5, 4.0] {
            let moved: Vec<f64> = theta
                .iter()
                .zip(&direction)
                .map(|(a, d)| a + t * d)
                .collect();
            let plain = objective.evaluate(&moved).unwrap().value - at.value;
            let change = objective.change_along(&at, &theta, &direction, &zs, t);
            assert!((plain - change).abs() < 1e-12, "t {t}: {plain} vs {change}");
        }
    }

    #[test]
    fn the_preconditioner_inverts_its_kronecker_matrix() {
        let (x, y) = toy();
        let objective = toy_objective(&x, &y, 0.05);
        let theta: Vec<f64> = (0..9).map(|i| (i as f64 * 0.61).cos()).collect();
        let at = objective.evaluate(&theta).unwrap();
        let pre = Preconditioner::new(&x).unwrap();
        let step = pre.at(&at.proba, 3, 0.05).unwrap();
        // Build A (x) S + l2 I naively and check that M (M^-1 r) = r.
        let (n, d, k) = (9, 2, 3);
        let mut a = vec![0.0; k * k];
        for p in at.proba.chunks(k) {
            for i in 0..k {
                for j in 0..k {
                    a[i * k + j] += (if i == j { p[i] } else { 0.0 } - p[i] * p[j]) / n as f64;
                }
            }
        }
        let aug = |r: usize, j: usize| if j < d { x.row(r)[j] } else { 1.0 };
        let s = |i: usize, j: usize| (0..n).map(|r| aug(r, i) * aug(r, j)).sum::<f64>() / n as f64;
        // Parameter (c, j) with j == d the intercept, stored at k*d + c.
        let index = |c: usize, j: usize| if j < d { c * d + j } else { k * d + c };
        let r: Vec<f64> = (0..9).map(|i| (i as f64 * 2.3).sin()).collect();
        let solved = step.apply(&r).unwrap();
        for c in 0..k {
            for j in 0..=d {
                let mut back = 0.05 * solved[index(c, j)];
                for c2 in 0..k {
                    for j2 in 0..=d {
                        back += a[c * k + c2] * s(j, j2) * solved[index(c2, j2)];
                    }
                }
                assert!(
                    (back - r[index(c, j)]).abs() < 1e-9,
                    "({c}, {j}): {back} vs {}",
                    r[index(c, j)]
                );
            }
        }
    }
}
