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
//! [`pretrain_only`] runs the first two stages alone (`reproduce --pretrain-only`); [`run`] with
//! the same options in the same folder then reuses what they trained.
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
pub use error::PipelineError;
pub use options::{DataSource, HeadChoice, Pretraining, ReproduceOptions, PAPER_PIXEL_DROPOUT};
pub use painter_data::PreparedData;
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

/// What every run starts from: its clock, whether it resumes a folder, the device, the machine's
/// description, and the gathered data.
struct Start {
    started: Instant,
    resumed: bool,
    device: Device,
    machine: String,
    data: PreparedData,
}

/// What every run does first: check the options, record them in (or check them against) the
/// output folder's `run.json`, print the header, and gather the data (stage 1 of `stages`).
fn start(options: &ReproduceOptions, stages: usize) -> Result<Start, PipelineError> {
    let started = Instant::now();
    options.validate()?;
    let out = &options.out;
    std::fs::create_dir_all(out).map_err(|e| PipelineError::io(out, e))?;
    let resumed = state::RunDescription::of(options)?.record_or_check(out)?;
    let device = device();
    let machine = machine_description();
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
    Ok(Start {
        started,
        resumed,
        device,
        machine,
        data,
    })
}

/// Stage 2 of `stages`: pretrains (or reuses) the CAEs, with its progress lines.
fn pretraining(
    options: &ReproduceOptions,
    data: &PreparedData,
    device: &Device,
    stages: usize,
) -> Result<PretrainedCae, PipelineError> {
    println!("[2/{stages}] pretraining");
    let t = Instant::now();
    let cae = pretrain::pretrain_stage(options, data, device)?;
    println!(
        "  pretraining stage done ({:.1} s)",
        t.elapsed().as_secs_f64()
    );
    Ok(cae)
}

/// Runs only the first two stages, data and pretraining, then stops: `reproduce --pretrain-only`.
///
/// The output folder records the same settings as [`run`] would, so `run` with the same options
/// in the same folder later reuses the CAEs trained here and goes straight to the
/// cross-validation. Use it to pretrain encoders on one machine (or in one sitting) and evaluate
/// them in another, or to pretrain the members of an ensemble for `--cae DIR,DIR,...`.
///
/// Refuses, with [`PipelineError::InvalidOption`], options with nothing to pretrain: a reused
/// CAE (`--cae`), `--no-pretrain`, or a baseline-only run.
///
/// ```no_run
/// use deep_painter::pipeline::{pretrain_only, run, HeadChoice, ReproduceOptions};
///
/// let options = ReproduceOptions {
///     head: HeadChoice::Linear,
///     encoders: 2,
///     ..ReproduceOptions::default()
/// };
/// let cae = pretrain_only(&options)?; // out/reproduce/cae and out/reproduce/cae-2
/// assert_eq!(cae.encoders.len(), 2);
/// let outcome = run(&options)?; // reuses both CAEs
/// # Ok::<(), deep_painter::pipeline::PipelineError>(())
/// ```
pub fn pretrain_only(options: &ReproduceOptions) -> Result<PretrainedCae, PipelineError> {
    if options.baseline_only || !matches!(options.pretraining, Pretraining::Train) {
        return Err(PipelineError::InvalidOption(
            "--pretrain-only needs a CAE to pretrain: it cannot go with --cae, --no-pretrain or --baseline-only"
                .into(),
        ));
    }
    let Start {
        started,
        device,
        data,
        ..
    } = start(options, 2)?;
    let cae = pretraining(options, &data, &device, 2)?;
    let folders: Vec<String> = (1..=cae.encoders.len())
        .map(|k| pretrain::member_dir(&options.out, k).display().to_string())
        .collect();
    println!(
        "reproduce: pretrained encoders={} in {} seconds={:.1}; the same command without --pretrain-only cross-validates them",
        cae.encoders.len(),
        folders.join(","),
        started.elapsed().as_secs_f64()
    );
    Ok(cae)
}

/// Runs the whole pipeline (see the [module docs](self)); prints progress for every stage and, last,
/// the summary line.
pub fn run(options: &ReproduceOptions) -> Result<RunOutcome, PipelineError> {
    let stages = if options.baseline_only { 3 } else { 4 };
    let Start {
        started,
        resumed,
        device,
        machine,
        data,
    } = start(options, stages)?;
    let cae = if options.baseline_only {
        None
    } else {
        Some(pretraining(options, &data, &device, stages)?)
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
        let dataset = data.draw(options.per_painter, seed)?;
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
    println!("  wrote {}", options.out.join("report.txt").display());
    println!("{}", summary.line());
    Ok(RunOutcome {
        summary,
        painters: data.labelled.class_names().to_vec(),
        draws,
        resumed,
    })
}
