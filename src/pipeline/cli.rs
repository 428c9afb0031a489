//! The command line of `cargo run --release --example reproduce`: [`Args`] (clap), what a user
//! changes from run to run, and its conversion into an [`Experiment`]. How the experiment learns
//! is a recipe (`--recipe`), whose keys `--set KEY=VALUE` overrides.
//!
//! ```
//! use clap::Parser;
//! use deep_painter::pipeline::cli::Args;
//!
//! let args = Args::try_parse_from(["reproduce", "--folds", "5", "--set", "pretraining.epochs=2"]).unwrap();
//! let experiment = args.into_experiment().unwrap();
//! assert_eq!(experiment.run.folds, 5);
//! assert_eq!(experiment.recipe.name, "quick");
//! assert_eq!(experiment.recipe.encoders[0].pretraining.epochs, 2);
//! assert!(Args::try_parse_from(["reproduce", "--head", "linear"]).is_err());
//! ```

use super::{DataSource, Experiment, PipelineError, Protocol, RunOptions};
use crate::recipe::{Assignment, Recipe};
use clap::Parser;
use std::path::PathBuf;

/// Reproduces DeepPainter's experiment: pretrains the recipe's autoencoders (or reuses them from
/// the cache), cross-validates its classifier on their encoders, and beside it a colour-histogram
/// nearest neighbour on the same folds. Without arguments: the `quick` recipe on the built-in
/// synthetic painters.
#[derive(Debug, Clone, Parser)]
#[command(name = "reproduce", version, about, long_about = None)]
pub struct Args {
    /// The recipe: a shipped one (quick, paper, best, best-3x40; see recipes/) or a recipe file,
    /// such as a run folder's recipe.toml (which also restores that run's data settings).
    #[arg(long, value_name = "NAME|PATH", default_value = "quick")]
    pub recipe: String,
    /// Override a recipe key, e.g. --set pretraining.epochs=2 --set classifier.c_grid=[0.1,1]
    /// (repeatable; keys in docs/RECIPES.md).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub sets: Vec<String>,
    /// The labelled paintings: a folder laid out as DIR/<painter>/<image>, or
    /// synthetic[:painters=N,images=N,unlabeled=N] (the default).
    #[arg(long, value_name = "DIR|synthetic", conflicts_with = "wikiart")]
    pub data: Option<String>,
    /// Scrape these WikiArt artists first (comma-separated slugs) into <cache>/wikiart.
    #[arg(long, value_name = "ARTIST,...", value_delimiter = ',')]
    pub wikiart: Vec<String>,
    /// A folder of unlabeled paintings to pretrain on (searched recursively).
    #[arg(long, value_name = "DIR")]
    pub unlabeled: Option<PathBuf>,
    /// The painters (class folder names) to use, comma-separated, in label order (default: all).
    #[arg(long, value_name = "A,B,...", value_delimiter = ',')]
    pub painters: Vec<String>,
    /// Paintings drawn per painter with the seed (default: all).
    #[arg(long, value_name = "N")]
    pub per_painter: Option<usize>,
    /// Folds of the stratified cross-validation [default: 10].
    #[arg(long, value_name = "K")]
    pub folds: Option<usize>,
    /// Independent draws of --per-painter paintings, each with its own folds [default: 1].
    #[arg(long, value_name = "N")]
    pub draws: Option<usize>,
    /// The seed of everything random [default: 0].
    #[arg(long, value_name = "S")]
    pub seed: Option<u64>,
    /// Go on without unreadable image files (listed in the report) instead of stopping.
    #[arg(long)]
    pub skip_unreadable: bool,
    /// The run folder; an interrupted run there resumes [default: out/<recipe>].
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// The cache shared by runs: standardized pixels and pretrained autoencoders.
    #[arg(long, value_name = "DIR", default_value = "out/cache")]
    pub cache: PathBuf,
    /// Stop after pretraining (the same command without it then cross-validates).
    #[arg(long)]
    pub pretrain_only: bool,
    /// Per-epoch lines and progress bars.
    #[arg(long, short)]
    pub verbose: bool,
    /// honest: nested cross-validation, nothing of a scored fold steers training. paper: also
    /// the paper's figures on the same folds (best accuracy on the scored fold over training, and
    /// stop at 80% on it).
    #[arg(long, value_enum, default_value_t = Protocol::Honest)]
    pub protocol: Protocol,
}

impl Args {
    /// The experiment these arguments describe: the recipe with its `--set` overrides, and the run
    /// options (a resolved recipe's `[run]` table first, then the flags given); both checked.
    pub fn into_experiment(self) -> Result<Experiment, PipelineError> {
        let sets = self
            .sets
            .iter()
            .map(|s| Assignment::parse(s))
            .collect::<Result<Vec<_>, _>>()?;
        let recipe = Recipe::load(&self.recipe, &sets)?;
        let mut run = match &recipe.run {
            Some(table) => RunOptions::default().with_table(table)?,
            None => RunOptions::default(),
        };
        run.cache = self.cache;
        run.out = self
            .out
            .unwrap_or_else(|| PathBuf::from("out").join(&recipe.name));
        if let Some(data) = &self.data {
            run.source = DataSource::parse(data)?;
        }
        if !self.wikiart.is_empty() {
            run.source = DataSource::WikiArt {
                artists: self.wikiart,
                dir: run.cache.join("wikiart"),
            };
        }
        if self.unlabeled.is_some() {
            run.unlabeled = self.unlabeled;
        }
        if !self.painters.is_empty() {
            run.painters = Some(self.painters);
        }
        if self.per_painter.is_some() {
            run.per_painter = self.per_painter;
        }
        run.folds = self.folds.unwrap_or(run.folds);
        run.draws = self.draws.unwrap_or(run.draws);
        run.seed = self.seed.unwrap_or(run.seed);
        run.skip_unreadable |= self.skip_unreadable;
        run.verbose = self.verbose;
        run.protocol = self.protocol;
        let experiment = Experiment { run, recipe };
        experiment.validate()?;
        Ok(experiment)
    }
}
