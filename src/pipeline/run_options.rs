//! [`RunOptions`]: what a user changes from run to run (the data, the painters, the folds, the
//! draws, the seed, where results go), and the [`Experiment`] they form with a recipe.
//!
//! Everything else, how the experiment learns, is a recipe key ([`crate::recipe`]).

use super::protocol::Protocol;
use super::PipelineError;
use crate::recipe::Recipe;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// Where the labelled paintings come from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum DataSource {
    /// The built-in synthetic painters (offline, deterministic in the seed).
    Synthetic {
        /// Synthetic painters, 2..=8.
        painters: usize,
        /// Paintings generated per painter.
        per_painter: usize,
        /// Paintings of the unlabeled companion set used for pretraining (a stream disjoint from
        /// the labelled ones); 0 pretrains on the labelled paintings, labels ignored.
        unlabeled: usize,
    },
    /// A folder laid out as `DIR/<painter>/<image>`.
    Folder {
        /// The folder.
        dir: PathBuf,
    },
    /// Scrape these WikiArt artists first (resumably) into `dir`, then read `dir` as a folder.
    WikiArt {
        /// Artist slugs as WikiArt spells them (`vincent-van-gogh`).
        artists: Vec<String>,
        /// Where the paintings are downloaded.
        dir: PathBuf,
    },
}

impl DataSource {
    /// The synthetic default: 4 painters x 40 paintings, 320 unlabeled paintings for pretraining.
    pub fn synthetic() -> Self {
        DataSource::Synthetic {
            painters: 4,
            per_painter: 40,
            unlabeled: 320,
        }
    }

    /// Reads `--data`: a folder, or `synthetic` optionally followed by
    /// `:painters=N,images=N,unlabeled=N` (any of them, the rest at their defaults).
    ///
    /// ```
    /// use deep_painter::pipeline::DataSource;
    /// let s = DataSource::parse("synthetic:painters=3,unlabeled=0").unwrap();
    /// assert_eq!(s, DataSource::Synthetic { painters: 3, per_painter: 40, unlabeled: 0 });
    /// assert!(DataSource::parse("synthetic:colours=3").is_err());
    /// assert!(matches!(DataSource::parse("../shared/paintings").unwrap(), DataSource::Folder { .. }));
    /// ```
    pub fn parse(text: &str) -> Result<Self, PipelineError> {
        let Some(rest) = text.strip_prefix("synthetic") else {
            return Ok(DataSource::Folder { dir: text.into() });
        };
        let DataSource::Synthetic {
            mut painters,
            mut per_painter,
            mut unlabeled,
        } = Self::synthetic()
        else {
            unreachable!("the synthetic default is synthetic")
        };
        let settings = match rest.strip_prefix(':') {
            Some(s) => s,
            None if rest.is_empty() => "",
            None => return Ok(DataSource::Folder { dir: text.into() }),
        };
        for part in settings.split(',').filter(|p| !p.is_empty()) {
            let bad = || {
                PipelineError::InvalidOption(format!(
                    "--data {text}: `{part}` is not painters=N, images=N or unlabeled=N"
                ))
            };
            let (key, value) = part.split_once('=').ok_or_else(bad)?;
            let value: usize = value.trim().parse().map_err(|_| bad())?;
            match key.trim() {
                "painters" => painters = value,
                "images" => per_painter = value,
                "unlabeled" => unlabeled = value,
                _ => return Err(bad()),
            }
        }
        Ok(DataSource::Synthetic {
            painters,
            per_painter,
            unlabeled,
        })
    }

    /// A one-line description.
    pub fn describe(&self) -> String {
        match self {
            DataSource::Synthetic {
                painters,
                per_painter,
                unlabeled,
            } => format!(
                "built-in synthetic painters ({painters} painters x {per_painter} paintings, {unlabeled} unlabeled)"
            ),
            DataSource::Folder { dir } => format!("folder {}", dir.display()),
            DataSource::WikiArt { artists, dir } => {
                format!("WikiArt artists {} (in {})", artists.join(","), dir.display())
            }
        }
    }
}

/// What a user changes from run to run. [`Default`] is the README's main command: the synthetic
/// painters, 10 folds, one draw, seed 0, `out/quick`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunOptions {
    /// The labelled paintings.
    pub source: DataSource,
    /// A folder of unlabeled paintings to pretrain on (else the synthetic companion set, or the
    /// selected labelled paintings with their labels ignored).
    pub unlabeled: Option<PathBuf>,
    /// The painters (class folder names) to keep, in this label order (`None`: all).
    pub painters: Option<Vec<String>>,
    /// Paintings drawn per painter with the seed (`None`: all).
    pub per_painter: Option<usize>,
    /// Folds of the stratified cross-validation.
    pub folds: usize,
    /// Independent draws of `per_painter` paintings (each with its own folds).
    pub draws: usize,
    /// The seed of everything random (the encoders' own seeds are added to it).
    pub seed: u64,
    /// Go on without unreadable image files (listed in the report) instead of refusing the data.
    pub skip_unreadable: bool,
    /// The run folder (an interrupted run there resumes).
    pub out: PathBuf,
    /// The cache shared by runs: standardized pixels and pretrained autoencoders.
    pub cache: PathBuf,
    /// Per-epoch lines and progress bars.
    pub verbose: bool,
    /// How the folds are scored: the honest nested protocol alone, or beside it the paper's.
    #[serde(default)]
    pub protocol: Protocol,
}

impl Default for RunOptions {
    fn default() -> Self {
        Self {
            source: DataSource::synthetic(),
            unlabeled: None,
            painters: None,
            per_painter: None,
            folds: 10,
            draws: 1,
            seed: 0,
            skip_unreadable: false,
            out: PathBuf::from("out/quick"),
            cache: PathBuf::from("out/cache"),
            verbose: false,
            protocol: Protocol::Honest,
        }
    }
}

/// The fields of [`RunOptions`] that change no result: left out of `recipe.toml`'s `[run]` table
/// and of the comparison that lets a run resume. The protocol changes no honest figure; under
/// the paper's, a fold recorded without the paper's figures is computed again.
pub(crate) const NEUTRAL_FIELDS: [&str; 5] = ["out", "cache", "verbose", "draws", "protocol"];

impl RunOptions {
    /// Checks every option; the error names the first one out of range.
    pub fn validate(&self) -> Result<(), PipelineError> {
        let bad = |m: String| Err(PipelineError::InvalidOption(m));
        match &self.source {
            DataSource::Synthetic {
                painters,
                per_painter,
                ..
            } => {
                let max = painter_data::synthetic::MAX_PAINTERS;
                if !(2..=max).contains(painters) {
                    return bad(format!(
                        "--data synthetic: painters must be in 2..={max}, got {painters}"
                    ));
                }
                if *per_painter == 0 {
                    return bad("--data synthetic: images must be at least 1".into());
                }
            }
            DataSource::Folder { dir } => {
                if !dir.is_dir() {
                    return bad(format!(
                        "--data {} does not exist or is not a folder",
                        dir.display()
                    ));
                }
            }
            DataSource::WikiArt { artists, .. } => {
                if artists.is_empty() || artists.iter().any(|a| a.trim().is_empty()) {
                    return bad("--wikiart needs a comma-separated list of artist slugs".into());
                }
            }
        }
        if let Some(dir) = &self.unlabeled {
            if !dir.is_dir() {
                return bad(format!(
                    "--unlabeled {} does not exist or is not a folder",
                    dir.display()
                ));
            }
        }
        if let Some(p) = &self.painters {
            if p.len() < 2 {
                return bad(format!(
                    "--painters must name at least 2 painters, got {}",
                    p.len()
                ));
            }
            if let Some(e) = p.iter().find(|n| n.trim().is_empty()) {
                return bad(format!("--painters holds an empty name ({e:?})"));
            }
            for (i, n) in p.iter().enumerate() {
                if p[..i].contains(n) {
                    return bad(format!("--painters names `{n}` twice"));
                }
            }
        }
        if self.folds < 2 {
            return bad(format!("--folds must be at least 2, got {}", self.folds));
        }
        match self.per_painter {
            Some(0) => return bad("--per-painter must be at least 1".into()),
            Some(n) if n < self.folds => {
                return bad(format!(
                    "--per-painter {n} is smaller than --folds {}: some folds would lack a painter",
                    self.folds
                ))
            }
            _ => {}
        }
        if self.draws == 0 {
            return bad("--draws must be at least 1".into());
        }
        if self.draws > 1 && self.per_painter.is_none() {
            return bad(
                "--draws > 1 needs --per-painter (without it every draw would hold the same paintings)"
                    .into(),
            );
        }
        if self.out.as_os_str().is_empty() {
            return bad("--out must not be empty".into());
        }
        Ok(())
    }

    /// The settings that shape results, as a TOML table (`recipe.toml`'s `[run]`).
    pub fn to_table(&self) -> Result<toml::Table, PipelineError> {
        let mut t = toml::Table::try_from(self)
            .map_err(|e| PipelineError::InvalidOption(format!("options cannot be written: {e}")))?;
        for f in NEUTRAL_FIELDS {
            t.remove(f);
        }
        Ok(t)
    }

    /// These options with the settings of a `[run]` table (a resolved recipe's) in place of theirs.
    pub fn with_table(&self, run: &toml::Table) -> Result<Self, PipelineError> {
        let mut t = toml::Table::try_from(self)
            .map_err(|e| PipelineError::InvalidOption(format!("options cannot be read: {e}")))?;
        for (k, v) in run {
            t.insert(k.clone(), v.clone());
        }
        toml::Value::Table(t)
            .try_into()
            .map_err(|e| PipelineError::InvalidOption(format!("the recipe's [run] table: {e}")))
    }

    /// The folder of the pixel caches inside the cache.
    pub fn pixel_cache(&self) -> PathBuf {
        self.cache.join("pixels")
    }
}

/// One experiment: a recipe run on the data the options name.
#[derive(Debug, Clone, PartialEq)]
pub struct Experiment {
    /// The data, folds, draws, seed and folders.
    pub run: RunOptions,
    /// How it learns.
    pub recipe: Recipe,
}

impl Experiment {
    /// The default experiment: the `quick` recipe on the synthetic painters.
    pub fn quick() -> Result<Self, PipelineError> {
        Ok(Self {
            run: RunOptions::default(),
            recipe: Recipe::load("quick", &[])?,
        })
    }

    /// Checks the run options (the recipe was checked when it was loaded).
    pub fn validate(&self) -> Result<(), PipelineError> {
        self.run.validate()
    }
}
