//! The paper's Table 1 (hand-crafted features with a nearest neighbour and an SVM) rebuilt on the
//! project's folds.
//!
//! ```text
//! cargo run --release --example table1 -- --data ../shared/paintings \
//!     --painters rembrandt,pierre-auguste-renoir,vincent-van-gogh --per-painter 40 \
//!     --draws 5 --folds 10
//! ```
//!
//! The paintings are standardized to `--size` px into the pixel cache as `reproduce` does; each
//! draw takes `--per-painter` paintings per painter with seed `seed + draw` and splits them into
//! stratified folds shuffled with the same seed, the very folds of `reproduce`. Every method sees
//! the same folds. Prints one line per method: the mean accuracy over all folds of all draws, its
//! standard deviation (ddof 0) and standard error (sample standard deviation over the square root
//! of the number of folds), and the seconds spent (descriptors, then cross-validation); then the
//! paper's figures beside them.

use anyhow::{bail, Context, Result};
use clap::Parser;
use painter_data::{take_per_class, DataConfig, Dataset, Source};
use painter_eval::{cross_validate, CrossValidationConfig, ScoreSummary, StratifiedKFold};
use painter_handcrafted::{
    BaselineConfig, ClassifierConfig, DescriptorConfig, Descriptors, HandcraftedConfig,
    HandcraftedModel, SvmConfig,
};
use std::path::PathBuf;
use std::time::Instant;

#[derive(Parser, Debug)]
#[command(
    about = "Hand-crafted features with a nearest neighbour and an RBF SVM on the project's folds"
)]
struct Args {
    /// The labelled paintings: one folder per painter.
    #[arg(long)]
    data: PathBuf,
    /// Comma-separated painters to keep, in label order (default: every folder).
    #[arg(long, value_delimiter = ',')]
    painters: Option<Vec<String>>,
    /// Paintings drawn per painter in each draw (default: all of them, one draw).
    #[arg(long)]
    per_painter: Option<usize>,
    /// Draws of paintings (each with its own folds).
    #[arg(long, default_value_t = 1)]
    draws: usize,
    /// Folds of the stratified cross-validation.
    #[arg(long, default_value_t = 10)]
    folds: usize,
    /// The seed of draw 0 (draw d uses seed + d).
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// The side the paintings are standardized to.
    #[arg(long, default_value_t = 256)]
    size: u32,
    /// The cache folder (standardized pixels go under `pixels/`).
    #[arg(long, default_value = "out/cache")]
    cache: PathBuf,
    /// Also score each feature family alone, with the nearest neighbour and with the SVM.
    #[arg(long)]
    ablation: bool,
    /// The SVM's candidate penalties C (default: painter-handcrafted's grid).
    #[arg(long, value_delimiter = ',')]
    c_grid: Option<Vec<f64>>,
    /// The SVM's candidate kernel widths, as multiples of gamma="scale" (default: the crate's).
    #[arg(long, value_delimiter = ',')]
    gamma_grid: Option<Vec<f64>>,
    /// Folds of the SVM's inner cross-validation (default: the crate's).
    #[arg(long)]
    inner_folds: Option<usize>,
}

impl Args {
    /// The SVM's settings: the crate's defaults, overridden by the options given.
    fn svm(&self) -> SvmConfig {
        let d = SvmConfig::default();
        SvmConfig {
            c_grid: self.c_grid.clone().unwrap_or(d.c_grid),
            gamma_grid: self.gamma_grid.clone().unwrap_or(d.gamma_grid),
            inner_folds: self.inner_folds.unwrap_or(d.inner_folds),
            tolerance: d.tolerance,
        }
    }
}

/// `config` with the SVM's settings of the command line, if it is an SVM.
fn with_svm(config: HandcraftedConfig, args: &Args) -> HandcraftedConfig {
    match config.classifier {
        ClassifierConfig::Svm(_) => HandcraftedConfig {
            classifier: ClassifierConfig::Svm(args.svm()),
            ..config
        },
        ClassifierConfig::Neighbours(_) => config,
    }
}

/// One method of the table: its descriptors are computed once for every painting kept.
struct Method {
    name: String,
    config: HandcraftedConfig,
    descriptors: Descriptors,
    descriptor_seconds: f64,
    accuracies: Vec<f64>,
    cv_seconds: f64,
}

fn main() -> Result<()> {
    let args = Args::parse();
    if args.draws == 0 {
        bail!("--draws must be at least 1");
    }
    let started = Instant::now();
    let data = DataConfig {
        painters: args.painters.clone(),
        pretraining: Vec::new(),
        ..DataConfig::new(
            Source::Folder {
                dir: args.data.clone(),
            },
            args.size,
            args.cache.join("pixels"),
        )
    }
    .prepare()?;
    let kept = data.labelled.clone();
    println!(
        "table1: {} paintings of {} painters at {} px ({:.1} s to open)",
        kept.len(),
        kept.class_names().len(),
        args.size,
        started.elapsed().as_secs_f64()
    );

    let configs = [
        (
            "colour-histogram+1nn",
            BaselineConfig::default().handcrafted(),
        ),
        (
            "all-features+1nn",
            HandcraftedConfig::all_features_neighbour(),
        ),
        ("all-features+svm", HandcraftedConfig::all_features_svm()),
    ]
    .map(|(name, config)| (name, with_svm(config, &args)));
    let mut methods = Vec::new();
    for (name, config) in configs {
        let name = name.to_string();
        // The SVM reads the same descriptors as the nearest neighbour on all features.
        let shared = methods
            .iter()
            .find(|m: &&Method| m.config.descriptor == config.descriptor);
        let (descriptors, descriptor_seconds) = match shared {
            Some(m) => (m.descriptors.clone(), 0.0),
            None => {
                let t = Instant::now();
                let d = config
                    .descriptors(kept.as_ref())
                    .with_context(|| format!("describing the paintings for {name}"))?;
                (d, t.elapsed().as_secs_f64())
            }
        };
        let grid = match &config.classifier {
            ClassifierConfig::Svm(s) => format!(
                "; C in {:?}, gamma in {:?} x scale, {} inner folds",
                s.c_grid, s.gamma_grid, s.inner_folds
            ),
            ClassifierConfig::Neighbours(_) => String::new(),
        };
        println!(
            "  {name}: {} ({} values, {descriptor_seconds:.1} s{grid})",
            config.describe(),
            descriptors.dim()
        );
        methods.push(Method {
            name,
            config,
            descriptors,
            descriptor_seconds,
            accuracies: Vec::new(),
            cv_seconds: 0.0,
        });
    }
    if args.ablation {
        let full = methods
            .iter()
            .find(|m| m.config.descriptor == DescriptorConfig::all())
            .map(|m| m.descriptors.clone())
            .context("the all-features descriptors")?;
        for feature in DescriptorConfig::all().features {
            let alone = DescriptorConfig {
                features: vec![feature.clone()],
            };
            for (suffix, base) in [
                ("1nn", HandcraftedConfig::all_features_neighbour()),
                ("svm", HandcraftedConfig::all_features_svm()),
            ] {
                methods.push(Method {
                    name: format!("{}+{suffix}", feature.name()),
                    config: with_svm(
                        HandcraftedConfig {
                            descriptor: alone.clone(),
                            ..base
                        },
                        &args,
                    ),
                    descriptors: full.keep_blocks(&[feature.name()])?,
                    descriptor_seconds: 0.0,
                    accuracies: Vec::new(),
                    cv_seconds: 0.0,
                });
            }
        }
    }

    let quiet = CrossValidationConfig {
        quiet: true,
        ..CrossValidationConfig::default()
    };
    let mut paintings = kept.len();
    for draw in 0..args.draws {
        let seed = args.seed.wrapping_add(draw as u64);
        let indices: Vec<usize> = match args.per_painter {
            Some(n) => take_per_class(kept.clone(), n, seed)?.indices().to_vec(),
            None => (0..kept.len()).collect(),
        };
        paintings = indices.len();
        let splitter = StratifiedKFold::new(args.folds)?.shuffle(seed);
        for m in &mut methods {
            let t = Instant::now();
            let drawn = m.descriptors.select(&indices)?;
            let mut model = HandcraftedModel::new(&m.config, &drawn)?;
            let y = drawn.labels().to_vec();
            let cv = cross_validate(&mut model, &splitter, &y, &quiet)?;
            m.cv_seconds += t.elapsed().as_secs_f64();
            println!(
                "  draw {}/{} (seed {seed}): {:<24} accuracy {:.4}",
                draw + 1,
                args.draws,
                m.name,
                cv.accuracy.mean
            );
            m.accuracies.extend(cv.accuracy.values);
        }
    }

    for m in &methods {
        let s = ScoreSummary::new(m.accuracies.clone());
        let se = s.standard_error();
        println!(
            "table1: method={} paintings={paintings} draws={} folds={} accuracy={:.4} std={:.4} se={:.4} descriptor_seconds={:.1} cv_seconds={:.1}",
            m.name, args.draws, args.folds, s.mean, s.std, se, m.descriptor_seconds, m.cv_seconds
        );
    }
    println!(
        "paper (Table 1, 3 painters x 40, 10-fold): image-processing features + NN 65.71%, + SVM 68.33%, + GA-weighted NN 78.33%"
    );
    println!("table1: total {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}
