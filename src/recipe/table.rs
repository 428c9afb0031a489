//! The TOML-table side of recipes: completing a recipe with the defaults of its variants, checking
//! that every key exists there, overriding keys from the command line (`--set KEY=VALUE`).
//!
//! A recipe is checked against a *schema*: the table of every key with its default value, for the
//! variants the recipe chose (`cae.preset`, `pretraining.optimizer.kind`, `classifier.kind`). A key
//! absent from the schema is an error that names the key and, where a variant decides which keys
//! exist, the variant.

use super::RecipeError;
use serde::Serialize;
use toml::{Table, Value};

/// `value` (a serde struct or enum) as a TOML table.
pub(crate) fn to_table<T: Serialize>(value: &T) -> Result<Table, RecipeError> {
    match Value::try_from(value) {
        Ok(Value::Table(t)) => Ok(t),
        Ok(other) => Err(RecipeError::invalid(
            "",
            format!("expected a table, got {}", other.type_str()),
        )),
        Err(e) => Err(RecipeError::invalid("", e.to_string())),
    }
}

/// Copies every key of `over` into `base`; tables merge key by key, other values replace.
pub(crate) fn merge(base: &mut Table, over: &Table) {
    for (k, v) in over {
        match (base.get_mut(k), v) {
            (Some(Value::Table(b)), Value::Table(o)) => merge(b, o),
            _ => {
                base.insert(k.clone(), v.clone());
            }
        }
    }
}

/// Checks that every key of `user` exists in `schema` (recursively into tables). `prefix` is the
/// dotted path of `user`; `context` says, for a path, why its keys are what they are.
pub(crate) fn check_keys(
    user: &Table,
    schema: &Table,
    prefix: &str,
    context: &dyn Fn(&str) -> String,
) -> Result<(), RecipeError> {
    for (k, v) in user {
        let key = join(prefix, k);
        match (schema.get(k), v) {
            (None, _) => {
                return Err(RecipeError::UnknownKey {
                    context: context(prefix),
                    allowed: schema.keys().cloned().collect::<Vec<_>>().join(", "),
                    key,
                })
            }
            (Some(Value::Table(s)), Value::Table(u)) => check_keys(u, s, &key, context)?,
            (Some(Value::Table(_)), other) => {
                return Err(RecipeError::invalid(
                    key,
                    format!("expected a table, got {}", other.type_str()),
                ))
            }
            _ => {}
        }
    }
    Ok(())
}

/// `prefix.key`, or `key` at the top.
pub(crate) fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_string()
    } else {
        format!("{prefix}.{key}")
    }
}

/// The string at the dotted `path` of `table`, if there is one.
pub(crate) fn string_at<'a>(table: &'a Table, path: &[&str]) -> Option<&'a str> {
    let (last, parents) = path.split_last()?;
    let mut t = table;
    for p in parents {
        t = t.get(*p)?.as_table()?;
    }
    t.get(*last)?.as_str()
}

/// One `--set KEY=VALUE`: the dotted key (array elements by index, `encoders.1.seed`) and the value,
/// read as TOML (`2`, `0.5`, `[1, 2]`, `true`, `"text"`) or else taken as a bare string
/// (`classifier.kind=dense`).
#[derive(Debug, Clone, PartialEq)]
pub struct Assignment {
    /// The key's parts.
    pub path: Vec<String>,
    /// The value.
    pub value: Value,
}

impl Assignment {
    /// Parses `KEY=VALUE`.
    ///
    /// ```
    /// use deep_painter::recipe::Assignment;
    /// let a = Assignment::parse("classifier.c_grid=[0.1, 1]").unwrap();
    /// assert_eq!(a.key(), "classifier.c_grid");
    /// assert_eq!(a.value.as_array().unwrap().len(), 2);
    /// assert_eq!(Assignment::parse("classifier.kind=dense").unwrap().value.as_str(), Some("dense"));
    /// assert!(Assignment::parse("no-equals-sign").is_err());
    /// ```
    pub fn parse(text: &str) -> Result<Self, RecipeError> {
        let bad = || RecipeError::BadAssignment(text.to_string());
        let (key, value) = text.split_once('=').ok_or_else(bad)?;
        let path: Vec<String> = key
            .trim()
            .split('.')
            .map(|s| s.trim().to_string())
            .collect();
        if path.iter().any(String::is_empty) {
            return Err(bad());
        }
        let value = value.trim();
        let parsed = format!("v = {value}")
            .parse::<Table>()
            .ok()
            .and_then(|mut t| t.remove("v"));
        let value = match parsed {
            Some(v) => v,
            None if !value.is_empty() => Value::String(value.to_string()),
            None => return Err(bad()),
        };
        Ok(Self { path, value })
    }

    /// The dotted key.
    pub fn key(&self) -> String {
        self.path.join(".")
    }

    /// Writes the value into `table`, creating tables on the way; an index segment must name an
    /// existing element of an array.
    pub(crate) fn apply(&self, table: &mut Table) -> Result<(), RecipeError> {
        let key = self.key();
        let (last, parents) = self
            .path
            .split_last()
            .ok_or_else(|| RecipeError::BadAssignment(key.clone()))?;
        let mut slot: &mut Table = table;
        for (i, p) in parents.iter().enumerate() {
            let here = self.path[..=i].join(".");
            let entry = slot
                .entry(p.clone())
                .or_insert_with(|| Value::Table(Table::new()));
            slot = match entry {
                Value::Table(t) => t,
                Value::Array(items) => {
                    let index_part = self
                        .path
                        .get(i + 1)
                        .ok_or_else(|| RecipeError::BadAssignment(key.clone()))?;
                    return set_in_array(items, index_part, &self.path[i + 2..], &self.value, &key);
                }
                other => {
                    return Err(RecipeError::invalid(
                        here,
                        format!(
                            "is a {}, not a table: --set {key} cannot go inside it",
                            other.type_str()
                        ),
                    ))
                }
            };
        }
        slot.insert(last.clone(), self.value.clone());
        Ok(())
    }
}

fn set_in_array(
    items: &mut [Value],
    index: &str,
    rest: &[String],
    value: &Value,
    key: &str,
) -> Result<(), RecipeError> {
    let len = items.len();
    let item = index
        .parse::<usize>()
        .ok()
        .and_then(|i| items.get_mut(i))
        .ok_or_else(|| {
            RecipeError::invalid(
                key,
                format!("`{index}` is not an element of an array of {len} (indices from 0)"),
            )
        })?;
    let Value::Table(t) = item else {
        return Err(RecipeError::invalid(
            key,
            "the array element is not a table",
        ));
    };
    let inner = Assignment {
        path: rest.to_vec(),
        value: value.clone(),
    };
    if inner.path.is_empty() {
        return Err(RecipeError::BadAssignment(key.to_string()));
    }
    inner.apply(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(text: &str) -> Table {
        text.parse().unwrap()
    }

    #[test]
    fn merging_keeps_unset_keys_and_replaces_set_ones() {
        let mut base = table("a = 1\n[t]\nx = 1\ny = [1, 2]\n");
        merge(&mut base, &table("[t]\ny = [3]\nz = true\n"));
        assert_eq!(base, table("a = 1\n[t]\nx = 1\ny = [3]\nz = true\n"));
    }

    #[test]
    fn unknown_keys_are_named_with_their_path_and_context() {
        let schema = table("[s]\nx = 1\ny = 2\n");
        let err = check_keys(&table("[s]\nx = 5\nw = 1\n"), &schema, "", &|p| {
            format!("is not a key of `{p}`")
        })
        .unwrap_err()
        .to_string();
        assert!(err.contains("`s.w` is not a key of `s`"), "{err}");
        assert!(err.contains("x, y"), "{err}");
        assert!(check_keys(&table("[s]\ny = 3\n"), &schema, "", &|_| String::new()).is_ok());
        let err = check_keys(&table("s = 3\n"), &schema, "", &|_| String::new()).unwrap_err();
        assert!(err.to_string().contains("expected a table"), "{err}");
    }

    #[test]
    fn assignments_reach_nested_tables_and_array_elements() {
        let mut t = table("[[e]]\nseed = 0\n[[e]]\nseed = 1\n[c]\nk = 1\n");
        Assignment::parse("e.1.seed=7")
            .unwrap()
            .apply(&mut t)
            .unwrap();
        Assignment::parse("c.k=2.5").unwrap().apply(&mut t).unwrap();
        Assignment::parse("c.n.deep=x")
            .unwrap()
            .apply(&mut t)
            .unwrap();
        assert_eq!(
            t,
            table("[[e]]\nseed = 0\n[[e]]\nseed = 7\n[c]\nk = 2.5\n[c.n]\ndeep = \"x\"\n")
        );
        let err = Assignment::parse("e.5.seed=1")
            .unwrap()
            .apply(&mut t)
            .unwrap_err();
        assert!(err.to_string().contains("array of 2"), "{err}");
        let err = Assignment::parse("c.k.x=1")
            .unwrap()
            .apply(&mut t)
            .unwrap_err();
        assert!(err.to_string().contains("not a table"), "{err}");
        assert!(Assignment::parse("=1").is_err() && Assignment::parse("a..b=1").is_err());
        assert!(Assignment::parse("a=").is_err());
    }
}
