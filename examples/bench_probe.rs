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
//! `--solver linfa` runs the same choice of C with the maintained Rust crates instead:
//! linfa-preprocessing's standard scaler and linfa-logistic's `MultiLogisticRegression` (argmin's
//! L-BFGS with a More-Thuente line search; `alpha = 1/C` makes its objective scikit-learn's and
//! the probe's), on the same unshuffled stratified folds, gradient tolerance `--tol` times the
//! rows (its loss is a sum, the probe's a mean), at most `--max-iter` iterations. linfa does not
//! say whether a fit converged, so its line gives `converged=unknown` and, instead, how far the
//! final fit's coefficients are from the probe's (`max_coef_diff`, largest absolute difference).
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
    /// `probe` (the project's solver) or `linfa` (linfa-logistic, for the side-by-side timing).
    #[arg(long, default_value = "probe")]
    solver: String,
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

    if !["probe", "linfa"].contains(&args.solver.as_str()) {
        bail!("--solver must be probe or linfa, not {}", args.solver);
    }
    let linfa_x = (args.solver == "linfa").then(|| samples.matrix().clone());
    let started = Instant::now();
    let probe = LinearProbe::fit(&config, &samples, &labels, &all, names)?;
    let seconds = started.elapsed().as_secs_f64();
    if let Some(x) = linfa_x {
        return linfa::choice_of_c(&args, &x, &labels, classes, &probe);
    }

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

/// The same choice of C with linfa-preprocessing and linfa-logistic.
mod linfa {
    use super::Args;
    use anyhow::{anyhow, Result};
    use deep_painter::classify::{FeatureMatrix, LinearProbe};
    use deep_painter::eval::{Splitter, StratifiedKFold};
    use linfa::traits::{Fit, Predict, Transformer};
    use linfa::DatasetBase;
    use linfa_logistic::MultiLogisticRegression;
    use linfa_preprocessing::linear_scaling::LinearScaler;
    use ndarray16::{Array1, Array2};
    use std::time::Instant;

    /// The rows `rows` of `x` as an ndarray matrix.
    fn rows_of(x: &FeatureMatrix, rows: &[usize]) -> Result<Array2<f64>> {
        let values = x.select_rows(rows)?.values().to_vec();
        Ok(Array2::from_shape_vec((rows.len(), x.columns()), values)?)
    }

    /// Standardizes on `train` (linfa-preprocessing), fits at `c` (linfa-logistic); the fitted
    /// model and the standardized test rows.
    fn fit(
        args: &Args,
        x: &FeatureMatrix,
        labels: &[usize],
        train: &[usize],
        c: f64,
    ) -> Result<(
        linfa_logistic::MultiFittedLogisticRegression<f64, usize>,
        LinearScaler<f64>,
    )> {
        let records = rows_of(x, train)?;
        let targets = Array1::from_iter(train.iter().map(|&i| labels[i]));
        let dataset = DatasetBase::new(records, targets);
        let scaler = LinearScaler::standard().fit(&dataset)?;
        let dataset = scaler.transform(dataset);
        let model = MultiLogisticRegression::default()
            .alpha(1.0 / c)
            .gradient_tolerance(args.tol * train.len() as f64)
            .max_iterations(args.max_iter as u64)
            .fit(&dataset)?;
        Ok((model, scaler))
    }

    /// Runs the choice of C and prints the line (see the module docs of the example).
    pub fn choice_of_c(
        args: &Args,
        x: &FeatureMatrix,
        labels: &[usize],
        classes: usize,
        probe: &LinearProbe,
    ) -> Result<()> {
        let started = Instant::now();
        let splits = StratifiedKFold::new(args.inner_folds)?.split(labels)?;
        let mut best = (f64::NAN, f64::NEG_INFINITY);
        let mut fits = 0;
        for &c in &args.c_grid {
            let mut correct = 0usize;
            for fold in &splits.folds {
                let (model, scaler) = fit(args, x, labels, &fold.train, c)?;
                let test = scaler.transform(rows_of(x, &fold.test)?);
                let predicted = model.predict(&test);
                correct += fold
                    .test
                    .iter()
                    .zip(predicted.iter())
                    .filter(|(&i, &p)| labels[i] == p)
                    .count();
                fits += 1;
            }
            let accuracy = correct as f64 / labels.len() as f64;
            if accuracy > best.1 {
                best = (c, accuracy);
            }
        }
        let all: Vec<usize> = (0..labels.len()).collect();
        let (model, _) = fit(args, x, labels, &all, best.0)?;
        fits += 1;
        let seconds = started.elapsed().as_secs_f64();
        // linfa's params are features x classes, in the order of its sorted class labels (0..K).
        let params = model.params();
        if model.classes() != (0..classes).collect::<Vec<_>>() {
            return Err(anyhow!("linfa's classes are {:?}", model.classes()));
        }
        let max_coef_diff = if best.0 == probe.c {
            let features = x.columns();
            // Both act on standardized features (the two standardizations agree to rounding);
            // the probe's weights are classes x features.
            let mut diff: f64 = 0.0;
            for k in 0..classes {
                for j in 0..features {
                    let ours = probe.model.weights[k * features + j];
                    diff = diff.max((params[[j, k]] - ours).abs());
                }
            }
            format!("{diff:.3e}")
        } else {
            format!("n/a (best C {} vs the probe's {})", best.0, probe.c)
        };
        println!(
            "bench_probe: solver=linfa rows={} features={} classes={classes} fits={fits} \
             seconds={seconds:.3} best_c={} cv_accuracy={:.6} converged=unknown max_coef_diff={max_coef_diff}",
            x.rows(),
            x.columns(),
            best.0,
            best.1
        );
        Ok(())
    }
}
