//! [`RecipeError`]: why a recipe could not be read, completed, overridden or checked.

/// An error of a recipe: each variant one kind of failure, each naming the recipe key involved.
#[derive(Debug, thiserror::Error)]
pub enum RecipeError {
    /// `--recipe NAME` names no shipped recipe and no file.
    #[error("no recipe `{name}`: not a shipped recipe ({shipped}) and not a file")]
    UnknownRecipe {
        /// The name given.
        name: String,
        /// The shipped recipes' names, comma-separated.
        shipped: String,
    },
    /// The recipe file could not be read.
    #[error("recipe {0}")]
    Io(#[from] painter_io::FileError),
    /// The recipe is not valid TOML, or a value has the wrong type for its key.
    #[error("recipe {origin}: {message}")]
    Syntax {
        /// The recipe's file or name.
        origin: String,
        /// The parser's message (it quotes the offending line).
        message: String,
    },
    /// A key the recipe format does not have, or one that does not apply to the chosen variant.
    #[error("recipe key `{key}` {context}; the keys there are: {allowed}")]
    UnknownKey {
        /// The dotted key, e.g. `classifier.patience`.
        key: String,
        /// Why it is unknown, e.g. "does not apply to the probe classifier (classifier.kind = \"probe\")".
        context: String,
        /// The keys that exist there, comma-separated.
        allowed: String,
    },
    /// A key holds a value out of its range, or values that contradict each other.
    #[error("recipe key `{key}`: {message}")]
    InvalidValue {
        /// The dotted key.
        key: String,
        /// What is wrong and what is allowed.
        message: String,
    },
    /// A `--set` argument is not `KEY=VALUE`.
    #[error("--set `{0}`: expected KEY=VALUE (e.g. pretraining.epochs=2)")]
    BadAssignment(String),
}

impl RecipeError {
    /// A value error on `key`.
    pub fn invalid(key: impl Into<String>, message: impl Into<String>) -> Self {
        Self::InvalidValue {
            key: key.into(),
            message: message.into(),
        }
    }
}
