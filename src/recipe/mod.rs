//! Recipes: named, versioned experiment configurations, kept as human-editable TOML files in
//! `recipes/` and loaded by `reproduce --recipe NAME|PATH`.
//!
//! A recipe says *how* an experiment learns (the autoencoders, their pretraining, the classifier,
//! the baseline); the command line says *on what* (data, painters, folds, draws, seed). Every key
//! has a default, so a recipe names only what it changes; the run folder receives the resolved
//! recipe (`recipe.toml`: every key, with the run's data settings in a `[run]` table), which
//! `--recipe RUN_DIR/recipe.toml` reruns. `--set KEY=VALUE` overrides any key.
//!
//! The sections:
//!
//! - `name`, `version` (bump it when the recipe's settings change), `description`;
//! - `[cae]`: the autoencoder's architecture, [`painter_cae::CaeConfig`]'s keys, completed from
//!   `preset` (`compact`: 32 and 64 filters; `paper`: 100 and 200 filters at 256 px);
//! - `[pretraining]`: how each autoencoder learns, [`PretrainingRecipe`];
//! - `[[encoders]]`: the encoders whose statistics the probe reads (one or more: an ensemble), each
//!   with its `seed` (added to the run's) and any `[pretraining]` key of its own,
//!   [`EncoderRecipe`];
//! - `[classifier]`: `kind = "probe"` ([`ProbeRecipe`]) or `kind = "dense"` ([`DenseRecipe`]);
//! - `[baseline]`: the colour-histogram nearest neighbour evaluated on the same folds
//!   ([`painter_handcrafted::BaselineConfig`]);
//! - `[output]`: what the run keeps besides its report ([`OutputRecipe`]).
//!
//! Choosing a variant (`cae.preset`, `classifier.kind`, `pretraining.optimizer.kind`) decides which
//! keys exist and their defaults; a key of another variant is an error that names the variant.
//! Setting a variant with `--set` starts its section afresh from that variant's defaults.
//!
//! ```
//! use deep_painter::recipe::{Assignment, ClassifierRecipe, Recipe};
//!
//! let quick = Recipe::load("quick", &[]).unwrap();
//! assert_eq!(quick.name, "quick");
//! let two = Recipe::load("quick", &[Assignment::parse("pretraining.epochs=2").unwrap()]).unwrap();
//! assert_eq!(two.encoders[0].pretraining.epochs, 2);
//! let err = Recipe::load("quick", &[Assignment::parse("classifier.patience=3").unwrap()]);
//! assert!(err.unwrap_err().to_string().contains("probe classifier"));
//! let dense = Recipe::load("quick", &[Assignment::parse("classifier.kind=dense").unwrap()]).unwrap();
//! assert!(matches!(dense.classifier, ClassifierRecipe::Dense(_)));
//! ```

mod classifier;
mod error;
mod pretraining;
mod shipped;
mod table;

pub use classifier::{ClassifierRecipe, DenseRecipe, ProbeRecipe};
pub use error::RecipeError;
pub use pretraining::{EncoderRecipe, Objective, PretrainingRecipe};
pub use shipped::{shipped, SHIPPED};
pub use table::Assignment;

use painter_cae::CaeConfig;
use painter_handcrafted::BaselineConfig;
use serde::{Deserialize, Serialize};
use std::path::Path;
use table::{check_keys, join, merge, string_at, to_table};
use toml::{Table, Value};

/// The `[output]` section: what a run keeps besides its report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutputRecipe {
    /// Save every fold's trained classifier in its fold folder (the paper's flatten head weighs
    /// 1.3 GB a fold).
    pub fold_models: bool,
    /// After the cross-validation, train the classifier on every painting of the run's selection
    /// (draw 0) and save it with its model card in `RUN_DIR/model`.
    pub final_model: bool,
}

impl Default for OutputRecipe {
    fn default() -> Self {
        Self {
            fold_models: true,
            final_model: true,
        }
    }
}

/// A resolved recipe: every section typed and checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Recipe {
    /// The recipe's name (results name it).
    pub name: String,
    /// Its version: bumped whenever its settings change.
    pub version: u32,
    /// What it is for, in a sentence or two.
    pub description: String,
    /// The autoencoders' architecture (every encoder shares it).
    pub cae: CaeConfig,
    /// The encoders, each with its own seed and pretraining; never empty.
    pub encoders: Vec<EncoderRecipe>,
    /// The classifier.
    pub classifier: ClassifierRecipe,
    /// The hand-crafted baseline evaluated on the same folds.
    pub baseline: BaselineConfig,
    /// What the run keeps.
    pub output: OutputRecipe,
    /// The `[run]` table of a resolved recipe written into a run folder (the data settings of that
    /// run), if the file has one.
    pub run: Option<Table>,
    /// Where the recipe was read from (a shipped name or a file).
    pub origin: String,
    /// Every key with its value, as `recipe.toml` writes it.
    table: Table,
}

/// The sections of a recipe file, deserialized after completion.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RecipeFile {
    name: String,
    version: u32,
    description: String,
    cae: Table,
    pretraining: PretrainingRecipe,
    encoders: Vec<Table>,
    classifier: ClassifierRecipe,
    baseline: BaselineConfig,
    output: OutputRecipe,
}

const VARIANT_KEYS: [(&str, &[&str]); 3] = [
    ("cae", &["cae", "preset"]),
    ("classifier", &["classifier", "kind"]),
    ("optimizer", &["pretraining", "optimizer", "kind"]),
];

impl Recipe {
    /// Loads a shipped recipe by name, or a recipe file by path, and applies `sets` on top.
    pub fn load(source: &str, sets: &[Assignment]) -> Result<Self, RecipeError> {
        let (origin, text) = match shipped(source) {
            Some(text) => (source.to_string(), text.to_string()),
            None => {
                let path = Path::new(source);
                if !path.is_file() {
                    return Err(RecipeError::UnknownRecipe {
                        name: source.to_string(),
                        shipped: SHIPPED
                            .iter()
                            .map(|(n, _)| *n)
                            .collect::<Vec<_>>()
                            .join(", "),
                    });
                }
                let text =
                    std::fs::read_to_string(path).map_err(painter_io::FileError::at(path))?;
                (path.display().to_string(), text)
            }
        };
        Self::parse(&origin, &text, sets)
    }

    /// Parses recipe text (`origin` names it in errors) and applies `sets` on top.
    pub fn parse(origin: &str, text: &str, sets: &[Assignment]) -> Result<Self, RecipeError> {
        let syntax = |e: toml::de::Error| RecipeError::Syntax {
            origin: origin.to_string(),
            message: e.to_string(),
        };
        let mut user: Table = text.parse().map_err(syntax)?;
        let run = match user.remove("run") {
            Some(Value::Table(t)) => Some(t),
            Some(other) => {
                return Err(RecipeError::invalid(
                    "run",
                    format!("expected a table, got {}", other.type_str()),
                ))
            }
            None => None,
        };
        for set in sets {
            restart_variant(&mut user, set);
            set.apply(&mut user)?;
        }
        let schema = schema(&user)?;
        let mut encoders = match user.remove("encoders") {
            None => vec![Table::from_iter([("seed".to_string(), Value::Integer(0))])],
            Some(Value::Array(items)) => items
                .into_iter()
                .enumerate()
                .map(|(i, v)| match v {
                    Value::Table(t) => Ok(t),
                    other => Err(RecipeError::invalid(
                        format!("encoders.{i}"),
                        format!("expected a table, got {}", other.type_str()),
                    )),
                })
                .collect::<Result<Vec<_>, _>>()?,
            Some(other) => {
                return Err(RecipeError::invalid(
                    "encoders",
                    format!(
                        "expected an array of tables ([[encoders]]), got {}",
                        other.type_str()
                    ),
                ))
            }
        };
        check_keys(&user, &schema, "", &|p| context(p, &user))?;
        let mut complete = schema.clone();
        merge(&mut complete, &user);
        let pretraining_schema = member_schema(&complete)?;
        for (i, member) in encoders.iter_mut().enumerate() {
            let prefix = format!("encoders.{i}");
            check_keys(member, &pretraining_schema, &prefix, &|_| {
                "is not a key of an encoder: an [[encoders]] entry takes `seed` and the keys of [pretraining]".into()
            })?;
            member.entry("seed").or_insert(Value::Integer(0));
        }
        complete.insert(
            "encoders".into(),
            Value::Array(encoders.iter().cloned().map(Value::Table).collect()),
        );
        Self::from_complete(origin, complete, run)
    }

    fn from_complete(origin: &str, table: Table, run: Option<Table>) -> Result<Self, RecipeError> {
        let text = toml::to_string(&table).map_err(|e| RecipeError::invalid("", e.to_string()))?;
        let file: RecipeFile = toml::from_str(&text).map_err(|e| RecipeError::Syntax {
            origin: origin.to_string(),
            message: e.to_string(),
        })?;
        let mut cae_table = file.cae.clone();
        cae_table.remove("preset");
        let cae: CaeConfig = Value::Table(cae_table)
            .try_into()
            .map_err(|e: toml::de::Error| RecipeError::invalid("cae", e.to_string()))?;
        cae.validate()
            .map_err(|e| RecipeError::invalid("cae", e.to_string()))?;
        file.pretraining.validate("pretraining", cae.image_size)?;
        let defaults = to_table(&file.pretraining)?;
        let encoders = file
            .encoders
            .iter()
            .enumerate()
            .map(|(i, member)| {
                let key = format!("encoders.{i}");
                let mut merged = defaults.clone();
                let mut own = member.clone();
                let seed = own.remove("seed").and_then(|v| v.as_integer()).unwrap_or(0);
                let seed = u64::try_from(seed)
                    .map_err(|_| RecipeError::invalid(join(&key, "seed"), "must be >= 0"))?;
                restart_member_optimizer(&mut merged, &own)?;
                merge(&mut merged, &own);
                let pretraining: PretrainingRecipe = Value::Table(merged)
                    .try_into()
                    .map_err(|e: toml::de::Error| RecipeError::invalid(&key, e.to_string()))?;
                pretraining.validate(&key, cae.image_size)?;
                Ok(EncoderRecipe { seed, pretraining })
            })
            .collect::<Result<Vec<_>, RecipeError>>()?;
        let recipe = Self {
            name: file.name,
            version: file.version,
            description: file.description,
            cae,
            encoders,
            classifier: file.classifier,
            baseline: file.baseline,
            output: file.output,
            run,
            origin: origin.to_string(),
            table,
        };
        recipe.validate()?;
        Ok(recipe)
    }

    fn validate(&self) -> Result<(), RecipeError> {
        if self.name.trim().is_empty() {
            return Err(RecipeError::invalid("name", "must not be empty"));
        }
        if self.version == 0 {
            return Err(RecipeError::invalid("version", "must be at least 1"));
        }
        if !(1..=16).contains(&self.encoders.len()) {
            return Err(RecipeError::invalid(
                "encoders",
                format!("a recipe has 1 to 16 encoders, got {}", self.encoders.len()),
            ));
        }
        match &self.classifier {
            ClassifierRecipe::Probe(p) => p.validate(self.cae.pool.pow(self.cae.depth() as u32))?,
            ClassifierRecipe::Dense(d) => {
                d.validate()?;
                if self.encoders.len() > 1 {
                    return Err(RecipeError::invalid(
                        "classifier.kind",
                        format!(
                            "the dense classifier starts from one encoder; the recipe lists {} [[encoders]] (an ensemble feeds the probe)",
                            self.encoders.len()
                        ),
                    ));
                }
            }
        }
        self.baseline
            .validate()
            .map_err(|e| RecipeError::invalid("baseline", e.to_string()))
    }

    /// The resolved recipe as TOML: every key, `[pretraining]` and each encoder's own keys as
    /// given, and `run` (the run's data settings) as a `[run]` table when given.
    pub fn to_toml(&self, run: Option<&Table>) -> Result<String, RecipeError> {
        let mut t = self.table.clone();
        if let Some(run) = run {
            t.insert("run".into(), Value::Table(run.clone()));
        }
        let body = toml::to_string(&t).map_err(|e| RecipeError::invalid("", e.to_string()))?;
        Ok(format!(
            "# The resolved recipe of this run (every key; see docs/RECIPES.md). Rerun it with\n# `reproduce --recipe <this file>`.\n{body}"
        ))
    }

    /// `name@version`, as results name their recipe.
    pub fn label(&self) -> String {
        format!("{}@{}", self.name, self.version)
    }

    /// Whether any encoder is pretrained (rather than drawn at random).
    pub fn pretrains(&self) -> bool {
        self.encoders
            .iter()
            .any(|e| e.pretraining.objective != Objective::None)
    }
}

/// Where a `--set` changes a variant (`cae.preset`, `classifier.kind`, ...) to another one, the
/// section starts afresh from that variant's defaults: the old variant's keys would not apply.
fn restart_variant(user: &mut Table, set: &Assignment) {
    for (_, path) in VARIANT_KEYS {
        if set.path.len() == path.len() && set.path.iter().zip(path).all(|(a, b)| a == b) {
            let changes = string_at(user, path) != set.value.as_str();
            if changes {
                let (_, section) = path.split_last().expect("variant paths are not empty");
                let mut t: &mut Table = user;
                for p in section {
                    t = match t
                        .entry(p.to_string())
                        .or_insert_with(|| Value::Table(Table::new()))
                    {
                        Value::Table(t) => t,
                        _ => return,
                    };
                }
                t.clear();
            }
        }
    }
}

/// An encoder that sets another optimizer kind starts its optimizer from that kind's defaults.
fn restart_member_optimizer(merged: &mut Table, own: &Table) -> Result<(), RecipeError> {
    let own_kind = string_at(own, &["optimizer", "kind"]);
    if let Some(kind) = own_kind {
        if string_at(merged, &["optimizer", "kind"]) != Some(kind) {
            let defaults = pretraining::optimizer_defaults(kind)?;
            merged.insert("optimizer".into(), Value::Table(to_table(&defaults)?));
        }
    }
    Ok(())
}

/// Every key a recipe may hold, with its default, for the variants `user` chose.
fn schema(user: &Table) -> Result<Table, RecipeError> {
    let preset = string_at(user, &["cae", "preset"]).unwrap_or("compact");
    let mut cae = Table::from_iter([("preset".to_string(), Value::String(preset.into()))]);
    cae.extend(to_table(
        &CaeConfig::preset(preset)
            .map_err(|e| RecipeError::invalid("cae.preset", e.to_string()))?,
    )?);
    let mut pretraining = to_table(&PretrainingRecipe::default())?;
    if let Some(kind) = string_at(user, &["pretraining", "optimizer", "kind"]) {
        pretraining.insert(
            "optimizer".into(),
            Value::Table(to_table(&pretraining::optimizer_defaults(kind)?)?),
        );
    }
    let kind = string_at(user, &["classifier", "kind"]).unwrap_or("probe");
    let mut t = Table::new();
    t.insert("name".into(), Value::String(String::new()));
    t.insert("version".into(), Value::Integer(1));
    t.insert("description".into(), Value::String(String::new()));
    t.insert("cae".into(), Value::Table(cae));
    t.insert("pretraining".into(), Value::Table(pretraining));
    t.insert(
        "classifier".into(),
        Value::Table(to_table(&ClassifierRecipe::defaults(kind)?)?),
    );
    t.insert(
        "baseline".into(),
        Value::Table(to_table(&BaselineConfig::default())?),
    );
    t.insert(
        "output".into(),
        Value::Table(to_table(&OutputRecipe::default())?),
    );
    Ok(t)
}

/// The keys an `[[encoders]]` entry may hold: `seed` and those of `[pretraining]`.
fn member_schema(complete: &Table) -> Result<Table, RecipeError> {
    let mut t = match complete.get("pretraining") {
        Some(Value::Table(p)) => p.clone(),
        _ => to_table(&PretrainingRecipe::default())?,
    };
    t.insert("seed".into(), Value::Integer(0));
    // Any optimizer kind may be chosen per encoder: its keys are checked when it is resolved.
    if let Some(Value::Table(opt)) = t.get_mut("optimizer") {
        for kind in ["sgd", "adam_w"] {
            merge(opt, &to_table(&pretraining::optimizer_defaults(kind)?)?);
        }
    }
    Ok(t)
}

/// Why the keys at `path` are what they are, for [`RecipeError::UnknownKey`].
fn context(path: &str, user: &Table) -> String {
    match path {
        "classifier" => {
            let kind = string_at(user, &["classifier", "kind"]).unwrap_or("probe");
            format!("does not apply to the {kind} classifier (classifier.kind = \"{kind}\")")
        }
        "cae" => {
            let preset = string_at(user, &["cae", "preset"]).unwrap_or("compact");
            format!("is not a key of the CAE (cae.preset = \"{preset}\")")
        }
        "pretraining.optimizer" => {
            let kind = string_at(user, &["pretraining", "optimizer", "kind"]).unwrap_or("adam_w");
            format!(
                "does not apply to the {kind} optimizer (pretraining.optimizer.kind = \"{kind}\")"
            )
        }
        "" => "is not a section of a recipe".into(),
        other => format!("is not a key of [{other}]"),
    }
}

#[cfg(test)]
mod tests;
