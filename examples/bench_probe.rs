//! Times the linear probe's whole choice of `C` on one feature matrix: standardization, stratified
//! inner folds (unshuffled, as scikit-learn's `StratifiedKFold(shuffle=False)`), one multinomial
//! L2 logistic regression per fold and candidate, then the final fit on every row at the chosen
//! `C` ([`LinearProbe::fit`] with one row per sample). Prints one line:
//!
//! `bench_probe: rows=R features=D classes=K fits=F seconds=S best_c=C cv_accuracy=A converged=N/F`
//!
//! Its peer, `benches/sklearn_probe.py`, does the same with scikit-learn on the same files and
//! prints the same line; `benches/probe.sh` runs both in turn.
//!
//! ```text
//! cargo run --release --example bench_probe -- --x X.npy --y Y.npy \
//!     --c-grid 0.03,0.1,0.3,1,3,10 --inner-folds 5 [--tol 1e-6] [--threads 2] [--coef-out PREFIX]
//! ```
//!
//! `X.npy`: `float64` rows x features in C order; `Y.npy`: `int64` or `int32` labels `0..K`, every
//! one present. With `--coef-out PREFIX` the final fit's weights (standardized space), intercepts
//! and standardization are written as `PREFIX_coef.npy`, `PREFIX_intercept.npy`,
//! `PREFIX_mean.npy` and `PREFIX_scale.npy`, as the peer writes its own.

use anyhow::{bail, Context, Result};
use clap::Parser;
use deep_painter::classify::{
    read_labels_npy, FeatureMatrix, LinearProbe, LinearProbeConfig, LogisticRegression,
    SampleFeatures,
};
use std::path::PathBuf;
use std::time::Instant;

#[derive(Parser)]
#[command(about = "Times the linear probe's choice of C on a .npy feature matrix")]
struct Args {
    /// Feature matrix: float64, rows x features, C order.
    #[arg(long)]
    x: PathBuf,
    /// Labels: int64 or int32, one per row, 0..K with every class present.
    #[arg(long)]
    y: PathBuf,
    /// Candidate values of C, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "0.03,0.1,0.3,1,3,10")]
    c_grid: Vec<f64>,
    /// Folds of the inner (unshuffled, stratified) cross-validation.
    #[arg(long, default_value_t = 5)]
    inner_folds: usize,
    /// Gradient tolerance of every fit (scikit-learn's `tol`).
    #[arg(long, default_value_t = 1e-6)]
    tol: f64,
    /// The most Newton iterations of a fit.
    #[arg(long, default_value_t = 100)]
    max_iter: usize,
    /// Worker threads (the peer's BLAS and OpenMP threads should be the same).
    #[arg(long, default_value_t = 2)]
    threads: usize,
    /// Writes the final fit's coefficients, intercepts, mean and scale as PREFIX_*.npy.
    #[arg(long)]
    coef_out: Option<String>,
}

fn main() -> Result<()> {
    let args = Args::parse();
    rayon::ThreadPoolBuilder::new()
        .num_threads(args.threads)
        .build_global()
        .context("starting the worker threads")?;
    let x = FeatureMatrix::read_npy(&args.x)?;
    let labels = read_labels_npy(&args.y)?;
    if labels.len() != x.rows() {
        bail!("{} labels for {} rows", labels.len(), x.rows());
    }
    let classes = labels.iter().max().map_or(0, |&m| m + 1);
    if let Some(missing) = (0..classes).find(|c| !labels.contains(c)) {
        bail!("labels must be 0..{classes} with every class present; {missing} is missing");
    }
    let (rows, features) = (x.rows(), x.columns());
    let samples = SampleFeatures::one_row_each(x);
    let config = LinearProbeConfig {
        c_grid: args.c_grid.clone(),
        inner_folds: args.inner_folds,
        seed: None,
        solver: LogisticRegression {
            tolerance: args.tol,
            max_iter: args.max_iter,
            ..LogisticRegression::new(1.0)
        },
        temperature: false,
    };
    let all: Vec<usize> = (0..rows).collect();
    let names = (0..classes).map(|c| format!("class {c}")).collect();

    let started = Instant::now();
    let probe = LinearProbe::fit(&config, &samples, &labels, &all, names)?;
    let seconds = started.elapsed().as_secs_f64();

    let inner_fits: usize = probe.scores.iter().map(|s| s.folds).sum();
    let inner_unconverged: usize = probe.scores.iter().map(|s| s.unconverged_folds).sum();
    let final_converged = probe.fit_report.is_some_and(|r| r.converged);
    let fits = inner_fits + 1;
    let converged = inner_fits - inner_unconverged + usize::from(final_converged);
    let cv_accuracy = probe
        .scores
        .iter()
        .find(|s| s.c == probe.c)
        .map_or(f64::NAN, |s| s.accuracy);
    if let Some(prefix) = &args.coef_out {
        let model = &probe.model;
        let matrix = |values: &[f64], columns| FeatureMatrix::new(values.to_vec(), columns);
        matrix(&model.weights, features)?.write_npy(format!("{prefix}_coef.npy").as_ref())?;
        matrix(&model.intercepts, classes)?
            .write_npy(format!("{prefix}_intercept.npy").as_ref())?;
        matrix(&probe.standardizer.mean, features)?
            .write_npy(format!("{prefix}_mean.npy").as_ref())?;
        matrix(&probe.standardizer.scale, features)?
            .write_npy(format!("{prefix}_scale.npy").as_ref())?;
    }
    println!(
        "bench_probe: rows={rows} features={features} classes={classes} fits={fits} \
         seconds={seconds:.3} best_c={} cv_accuracy={cv_accuracy:.6} converged={converged}/{fits}",
        probe.c
    );
    Ok(())
}
