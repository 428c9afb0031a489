#!/usr/bin/env python3
"""scikit-learn peer of `cargo run --release --example bench_probe`: the linear probe's whole choice
of C on one feature matrix, done as a researcher would with scikit-learn. Prints one line in the
same format:

    bench_probe: rows=R features=D classes=K fits=F seconds=S best_c=C cv_accuracy=A converged=N/F

What it runs, as the Rust program does:
- unshuffled `StratifiedKFold(inner_folds)` over the rows of X (one row per sample);
- per fold and candidate C: `StandardScaler` fitted on the fold's training rows, then the
  multinomial `LogisticRegression(C=c, solver="lbfgs", tol=tol, max_iter=max_iter)`; the held-out
  rows scored by accuracy and mean log-loss, pooled over the folds;
- the best C: the highest pooled accuracy, ties broken by the lower log-loss, then by the earlier
  candidate in the grid;
- the final fit: `StandardScaler` and `LogisticRegression` at the best C on every row.

`seconds` is the wall time of all of that (not of reading the files). A fit counts as converged
when scikit-learn raised no `ConvergenceWarning` for it. Thread count: `--threads` caps OpenMP
(threadpoolctl; scikit-learn's loss and gradient run there); run the Rust program with the same
`--threads`. BLAS (OpenBLAS, for the products of L-BFGS) gets `--blas-threads`, 1 unless told:
on these skinny products (rows x features by features x classes) OpenBLAS's threads cost more
than they give, and on a busy machine its waiting threads make every product wait for a
descheduled one. Measured on the (b) matrix at C = 10 with the machine's load average near 10:
an L-BFGS iteration took 2.5 ms with 1 BLAS thread and 146 ms with 2, which is what made an
earlier run of this peer (BLAS at 2 threads) take 2,532 s; `--blas-threads 2` restores it.

With `--coef-out PREFIX`, writes the final fit's `coef_` (classes x features) and `intercept_` as
`PREFIX_coef.npy` and `PREFIX_intercept.npy`, and its scaler's `mean_` and `scale_` as
`PREFIX_mean.npy` and `PREFIX_scale.npy`, for comparison with the Rust program's.

Two classes: scikit-learn then fits one binomial weight vector, whose penalty differs from the
probe's multinomial one; this peer is for three or more classes.

Usage: python benches/sklearn_probe.py --x X.npy --y Y.npy [--c-grid 0.03,0.1,0.3,1,3,10]
           [--inner-folds 5] [--tol 1e-6] [--max-iter 100000] [--threads 2] [--blas-threads 1]
           [--coef-out PREFIX]
"""
import argparse
import sys
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits


def fit(x, y, c, tol, max_iter):
    """A scaler and a logistic regression fitted on (x, y), and whether the solver converged."""
    scaler = StandardScaler().fit(x)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        model = LogisticRegression(C=c, solver="lbfgs", tol=tol, max_iter=max_iter)
        model.fit(scaler.transform(x), y)
    converged = not any(issubclass(w.category, ConvergenceWarning) for w in caught)
    return scaler, model, converged


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--x", required=True)
    parser.add_argument("--y", required=True)
    parser.add_argument("--c-grid", default="0.03,0.1,0.3,1,3,10")
    parser.add_argument("--inner-folds", type=int, default=5)
    parser.add_argument("--tol", type=float, default=1e-6)
    parser.add_argument("--max-iter", type=int, default=100000)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--blas-threads", type=int, default=1)
    parser.add_argument("--coef-out")
    args = parser.parse_args()

    x = np.load(args.x)
    y = np.load(args.y)
    if x.dtype != np.float64 or x.ndim != 2 or y.ndim != 1 or len(y) != len(x):
        sys.exit(f"expected float64 rows x features and one integer label per row, got "
                 f"{x.dtype} {x.shape} and {y.dtype} {y.shape}")
    grid = [float(c) for c in args.c_grid.split(",")]
    classes = len(np.unique(y))

    with threadpool_limits(args.threads, user_api="openmp"), \
            threadpool_limits(args.blas_threads, user_api="blas"):
        started = time.perf_counter()
        folds = list(StratifiedKFold(args.inner_folds).split(x, y))
        fits = converged = 0
        scores = []
        for c in grid:
            correct, loss = 0, 0.0
            for train, test in folds:
                scaler, model, done = fit(x[train], y[train], c, args.tol, args.max_iter)
                fits += 1
                converged += done
                p = model.predict_proba(scaler.transform(x[test]))
                # Columns follow model.classes_, the sorted labels 0..K-1 of every training fold.
                correct += int(np.sum(np.argmax(p, axis=1) == y[test]))
                loss -= float(np.sum(np.log(np.maximum(p[np.arange(len(test)), y[test]], 1e-300))))
            scores.append((correct / len(y), loss / len(y)))
        best = max(range(len(grid)), key=lambda i: (scores[i][0], -scores[i][1], -i))
        scaler, model, done = fit(x, y, grid[best], args.tol, args.max_iter)
        fits += 1
        converged += done
        seconds = time.perf_counter() - started

    if args.coef_out:
        np.save(f"{args.coef_out}_coef.npy", model.coef_)
        np.save(f"{args.coef_out}_intercept.npy", model.intercept_)
        np.save(f"{args.coef_out}_mean.npy", scaler.mean_)
        np.save(f"{args.coef_out}_scale.npy", scaler.scale_)
    print(f"bench_probe: rows={x.shape[0]} features={x.shape[1]} classes={classes} fits={fits} "
          f"seconds={seconds:.3f} best_c={grid[best]:g} cv_accuracy={scores[best][0]:.6f} "
          f"converged={converged}/{fits}")


if __name__ == "__main__":
    main()
