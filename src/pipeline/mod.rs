//! The end-to-end reproduction of DeepPainter's experiment: gather the paintings, standardize them,
//! pretrain the convolutional autoencoder, cross-validate the classifier on its encoder (and the
//! colour-histogram baseline on the same folds), and write the report.
//!
//! [`run`] is what `cargo run --release --example reproduce` calls. Its stages:
//!
//! 1. **data** ([`data`]): a folder `DIR/<painter>/<image>`, a WikiArt scrape, or the built-in
//!    synthetic painters; standardized once into painter-data's pixel cache; restricted to the named
//!    painters.
//! 2. **pretraining** ([`pretrain`]): the CAE is trained on the unlabeled images (or reused, or
//!    skipped for the ablation); resumes from its epoch checkpoints.
//! 3. **cross-validation** ([`cross_validation`]), per draw of `per_painter` images per painter:
//!    stratified K-fold of the classifier (early stopping on a split of each fold's training part),
//!    and the baseline on the same folds; finished folds are not recomputed after an interruption.
//! 4. **report** ([`report`]): `report.txt`, `metrics.json`, `confusion.png`, and the summary line.
//!
//! Every state file is written atomically ([`state`]).
//!
//! ```no_run
//! use deep_painter::pipeline::{run, ReproduceOptions};
//!
//! let outcome = run(&ReproduceOptions::default())?; // synthetic painters, out/reproduce
//! println!("{}", outcome.summary.line());
//! # Ok::<(), deep_painter::pipeline::PipelineError>(())
//! ```

pub mod cli;
pub mod cross_validation;
pub mod data;
mod error;
pub mod linear;
mod options;
pub mod pretrain;
pub mod report;
pub mod state;

pub use cross_validation::DrawResult;
pub use data::GatheredData;
pub use error::PipelineError;
pub use options::{DataSource, HeadChoice, Pretraining, ReproduceOptions, PAPER_PIXEL_DROPOUT};
pub use pretrain::PretrainedCae;
pub use report::RunSummary;

use candle_core::Device;
use std::time::Instant;

/// What a run produced.
#[derive(Debug, Clone)]
pub struct RunOutcome {
    /// The summary line's figures.
    pub summary: RunSummary,
    /// Every draw's cross-validations.
    pub draws: Vec<DrawResult>,
    /// The painters, in label order.
    pub painters: Vec<String>,
    /// Whether the output folder held an earlier run with the same settings (resumed).
    pub resumed: bool,
}

/// The machine, for reports: the CPU model (from `/proc/cpuinfo` where there is one) and the
/// number of threads available.
pub fn machine_description() -> String {
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_string())
        })
        .unwrap_or_else(|| std::env::consts::ARCH.to_string());
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    format!(
        "{model}, {threads} threads available, {}",
        device_name(&device())
    )
}

/// The device runs use: the first CUDA GPU when built with `cuda` and one is present, else the CPU.
pub fn device() -> Device {
    Device::cuda_if_available(0).unwrap_or(Device::Cpu)
}

fn device_name(device: &Device) -> &'static str {
    if device.is_cuda() {
        "CUDA GPU"
    } else {
        "CPU"
    }
}

/// Runs the whole pipeline (see the [module docs](self)); prints progress for every stage and, last,
/// the summary line.
pub fn run(options: &ReproduceOptions) -> Result<RunOutcome, PipelineError> {
    let started = Instant::now();
    options.validate()?;
    let out = &options.out;
    std::fs::create_dir_all(out).map_err(|e| PipelineError::io(out, e))?;
    let resumed = state::RunDescription::of(options)?.record_or_check(out)?;
    let device = device();
    let machine = machine_description();
    let stages = if options.baseline_only { 3 } else { 4 };
    println!(
        "reproduce: output {}{}; {machine}",
        out.display(),
        if resumed {
            " (resuming the run found there)"
        } else {
            ""
        }
    );

    println!("[1/{stages}] data: {}", options.source.describe());
    let t = Instant::now();
    let data = data::gather(options)?;
    println!(
        "  {} painters ({}), {} images, {}x{} px ({:.1} s)",
        data.labelled.class_names().len(),
        data.labelled.class_names().join(", "),
        data.labelled.len(),
        options.feature_image_size()?,
        options.feature_image_size()?,
        t.elapsed().as_secs_f64()
    );

    let cae = if options.baseline_only {
        None
    } else {
        println!("[2/{stages}] pretraining");
        let t = Instant::now();
        let cae = pretrain::pretrain_stage(options, &data, &device)?;
        println!(
            "  pretraining stage done ({:.1} s)",
            t.elapsed().as_secs_f64()
        );
        Some(cae)
    };

    println!(
        "[{}/{stages}] cross-validation: {} draw(s) x {} folds{}",
        stages - 1,
        options.draws,
        options.folds,
        if options.baseline_only {
            " (baseline only)"
        } else {
            " (classifier, then the baseline on the same folds)"
        }
    );
    let mut draws = Vec::with_capacity(options.draws);
    for d in 0..options.draws {
        let seed = options.seed.wrapping_add(d as u64);
        let dataset = data::draw(&data.labelled, options.per_painter, seed)?;
        if options.draws > 1 || options.per_painter.is_some() {
            println!(
                "  draw {}/{}: {} images (seed {seed})",
                d + 1,
                options.draws,
                dataset.len()
            );
        }
        let t = Instant::now();
        let result = cross_validation::run_draw(
            options,
            d,
            dataset.as_ref(),
            cae.as_ref().map(|c| c.encoders.as_slice()),
            &device,
        )?;
        println!("  draw {} done ({:.1} s)", d + 1, t.elapsed().as_secs_f64());
        draws.push(result);
    }

    println!("[{stages}/{stages}] report");
    let summary = report::write_report(report::ReportInputs {
        options,
        data: &data,
        cae: cae.as_ref(),
        draws: &draws,
        seconds: started.elapsed().as_secs_f64(),
        machine: &machine,
    })?;
    println!("  wrote {}", out.join("report.txt").display());
    println!("{}", summary.line());
    Ok(RunOutcome {
        summary,
        painters: data.labelled.class_names().to_vec(),
        draws,
        resumed,
    })
}
