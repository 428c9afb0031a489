//! The end-to-end experiment: gather the paintings, pretrain the recipe's autoencoders (or take
//! them from the cache), cross-validate its classifier on their encoders and the colour-histogram
//! baseline on the same folds, and write the report.
//!
//! [`run`] is what `cargo run --release --example reproduce` calls, with an [`Experiment`]: a
//! [recipe](crate::recipe) (how it learns) and [`RunOptions`] (on what data, folds, draws, seed).
//! Its stages:
//!
//! 1. **data** ([`data`]): a folder `DIR/<painter>/<image>`, a WikiArt scrape, or the built-in
//!    synthetic painters; standardized once into painter-data's pixel cache; restricted to the named
//!    painters.
//! 2. **pretraining** ([`pretrain`]): every encoder of the recipe, from the cache of pretrained
//!    autoencoders (keyed by everything that determines them), pretrained there when missing
//!    (resuming from its epoch checkpoints), or drawn at random (`objective = "none"`).
//! 3. **cross-validation** ([`draw`]), per draw of `per_painter` paintings per painter: the
//!    classifier and the baseline on the same stratified folds, through the one fold runner
//!    ([`folds`]); finished folds are not recomputed after an interruption.
//! 4. **report** ([`report`]): `report.txt`, `metrics.json`, `confusion.png`, the summary line.
//! 5. **final model** ([`final_model`], `output.final_model`): after draw 0's cross-validation the
//!    classifier is trained once more, as a fold, on every painting of the draw and saved in
//!    `RUN_DIR/model/`, with its model card ([`card`]: `MODEL.md`, `card.json`, the reliability
//!    diagram and the coverage/accuracy trade-off, all from the cross-validated probabilities).
//!
//! The run folder receives the resolved recipe (`recipe.toml`); [`pretrain_only`] runs the first
//! two stages alone (`reproduce --pretrain-only`). Every state file is written atomically
//! ([`state`]).
//!
//! ```no_run
//! use deep_painter::pipeline::{run, Experiment};
//!
//! let outcome = run(&Experiment::quick()?)?; // synthetic painters, out/quick
//! println!("{}", outcome.summary.line());
//! # Ok::<(), deep_painter::pipeline::PipelineError>(())
//! ```

pub mod card;
pub mod cli;
pub mod data;
pub mod dense;
pub mod draw;
mod error;
pub mod final_model;
pub mod folds;
pub mod pretrain;
pub mod probe;
pub mod protocol;
pub mod report;
mod run_options;
pub mod state;

pub use draw::DrawResult;
pub use error::PipelineError;
pub use painter_data::PreparedData;
pub use pretrain::Encoders;
pub use protocol::Protocol;
pub use report::RunSummary;
pub use run_options::{DataSource, Experiment, RunOptions};

use candle_core::Device;
use painter_io::{write_atomic, FileError};
use std::time::Instant;

/// The resolved recipe's file name in the run folder.
pub const RECIPE_FILE: &str = "recipe.toml";

/// What a run produced.
#[derive(Debug, Clone)]
pub struct RunOutcome {
    /// The summary line's figures.
    pub summary: RunSummary,
    /// Every draw's cross-validations.
    pub draws: Vec<DrawResult>,
    /// The painters, in label order.
    pub painters: Vec<String>,
    /// The encoders and how they came to be.
    pub encoders: Encoders,
    /// Whether the run folder held an earlier run with the same settings (resumed).
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
    let device = if device().is_cuda() {
        "CUDA GPU"
    } else {
        "CPU"
    };
    format!("{model}, {threads} threads available, {device}")
}

/// The device runs use: the first CUDA GPU when built with `cuda` and one is present, else the CPU.
pub fn device() -> Device {
    Device::cuda_if_available(0).unwrap_or(Device::Cpu)
}

/// What every run starts from: its clock, whether it resumes a folder, the device, the machine's
/// description, the gathered data and the encoders.
struct Start {
    started: Instant,
    resumed: bool,
    device: Device,
    machine: String,
    data: PreparedData,
    encoders: Encoders,
}

/// The first two stages of every run: check the experiment, record it in (or check it against)
/// the run folder, write the resolved recipe, gather the data, make the encoders.
fn start(experiment: &Experiment, stages: usize) -> Result<Start, PipelineError> {
    let started = Instant::now();
    experiment.validate()?;
    let run = &experiment.run;
    let out = &run.out;
    std::fs::create_dir_all(out).map_err(FileError::at(out))?;
    let resumed = state::RunDescription::of(experiment)?.record_or_check(out)?;
    let resolved = experiment.recipe.to_toml(Some(&run.to_table()?))?;
    let recipe_path = out.join(RECIPE_FILE);
    write_atomic(&recipe_path, resolved.as_bytes())?;
    let device = device();
    let machine = machine_description();
    println!(
        "reproduce: recipe {} ({}), output {}{}; {machine}",
        experiment.recipe.label(),
        experiment.recipe.origin,
        out.display(),
        if resumed {
            " (resuming the run found there)"
        } else {
            ""
        }
    );

    println!("[1/{stages}] data: {}", run.source.describe());
    let t = Instant::now();
    let data = data::gather(experiment)?;
    let side = data::classifier_side(experiment)?;
    println!(
        "  {} painters ({}), {} paintings, {side}x{side} px ({:.1} s)",
        data.labelled.class_names().len(),
        data.labelled.class_names().join(", "),
        data.labelled.len(),
        t.elapsed().as_secs_f64()
    );

    println!("[2/{stages}] encoders");
    let t = Instant::now();
    let encoders = pretrain::pretrain_stage(experiment, &data, &device)?;
    println!(
        "  {} encoder(s) ready ({:.1} s)",
        encoders.members.len(),
        t.elapsed().as_secs_f64()
    );
    Ok(Start {
        started,
        resumed,
        device,
        machine,
        data,
        encoders,
    })
}

/// Runs only the first two stages, data and pretraining, then stops: `reproduce --pretrain-only`.
/// The autoencoders land in the cache, so [`run`] (of this or any recipe that needs them) then
/// goes straight to the cross-validation. Refuses, with [`PipelineError::InvalidOption`], a recipe
/// with nothing to pretrain (every encoder's objective `none`).
pub fn pretrain_only(experiment: &Experiment) -> Result<Encoders, PipelineError> {
    if !experiment.recipe.pretrains() {
        return Err(PipelineError::InvalidOption(format!(
            "--pretrain-only: recipe {} has nothing to pretrain (every encoder's pretraining.objective is \"none\")",
            experiment.recipe.label()
        )));
    }
    let Start {
        started, encoders, ..
    } = start(experiment, 2)?;
    let folders: Vec<String> = encoders
        .members
        .iter()
        .map(|m| {
            m.dir
                .as_ref()
                .map_or("random".into(), |d| d.display().to_string())
        })
        .collect();
    println!(
        "reproduce: recipe={} pretrained encoders={} in {} seconds={:.1}; the same command without --pretrain-only cross-validates them",
        experiment.recipe.label(),
        encoders.members.len(),
        folders.join(","),
        started.elapsed().as_secs_f64()
    );
    Ok(encoders)
}

/// Runs the whole experiment (see the [module docs](self)); prints progress for every stage and,
/// last, the summary line.
pub fn run(experiment: &Experiment) -> Result<RunOutcome, PipelineError> {
    let begun = start(experiment, 4)?;
    let run = &experiment.run;
    println!(
        "[3/4] cross-validation: {} draw(s) x {} folds (classifier, then the baseline on the same folds)",
        run.draws, run.folds
    );
    let members = begun.encoders.encoders();
    let mut draws = Vec::with_capacity(run.draws);
    for d in 0..run.draws {
        let seed = run.seed.wrapping_add(d as u64);
        let dataset = begun.data.draw(run.per_painter, seed)?;
        if run.draws > 1 || run.per_painter.is_some() {
            println!(
                "  draw {}/{}: {} paintings (seed {seed})",
                d + 1,
                run.draws,
                dataset.len()
            );
        }
        let t = Instant::now();
        let result = draw::run_draw(experiment, d, dataset.as_ref(), &members, &begun.device)?;
        println!("  draw {} done ({:.1} s)", d + 1, t.elapsed().as_secs_f64());
        draws.push(result);
    }

    println!("[4/4] report");
    let inputs = report::ReportInputs {
        experiment,
        data: &begun.data,
        encoders: &begun.encoders,
        draws: &draws,
        seconds: begun.started.elapsed().as_secs_f64(),
        machine: &begun.machine,
    };
    let summary = report::write_report(inputs)?;
    println!("  wrote {}", run.out.join("report.txt").display());
    if draws.first().is_some_and(|d| d.final_fit.is_some()) {
        card::write_card(inputs, &summary)?;
        println!(
            "  wrote the final model and its card in {}",
            final_model::model_dir(&run.out).display()
        );
    }
    println!("{}", summary.line());
    Ok(RunOutcome {
        summary,
        painters: begun.data.labelled.class_names().to_vec(),
        draws,
        encoders: begun.encoders,
        resumed: begun.resumed,
    })
}
