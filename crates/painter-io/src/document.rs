//! JSON documents: written atomically as pretty JSON, read back with a typed [`DocumentError`], and,
//! for versioned documents, refused with a message naming both formats when their format tag is not
//! one the reader knows.

use crate::{write_atomic, FileError};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::fmt;
use std::path::{Path, PathBuf};

/// A document's format: the value of its `format` field and, for formats that keep the version
/// apart from the name, of its `version` field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Format {
    /// The `format` field's value (e.g. `deep-painter-cae-pretrain/1`).
    pub name: &'static str,
    /// The `version` field's value; `None` for formats whose name carries the version.
    pub version: Option<u64>,
}

impl Format {
    /// A format named by its `format` field alone (the version inside the name: `name/2`).
    pub const fn tag(name: &'static str) -> Self {
        Self {
            name,
            version: None,
        }
    }

    /// A format named by its `format` field and numbered by its `version` field.
    pub const fn versioned(name: &'static str, version: u64) -> Self {
        Self {
            name,
            version: Some(version),
        }
    }

    /// Whether the document `doc` is of this format.
    fn matches(&self, doc: &serde_json::Value) -> bool {
        doc.get("format").and_then(|f| f.as_str()) == Some(self.name)
            && self
                .version
                .is_none_or(|v| doc.get("version").and_then(|f| f.as_u64()) == Some(v))
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.version {
            None => write!(f, "`{}`", self.name),
            Some(v) => write!(f, "`{}` version {v}", self.name),
        }
    }
}

/// What can go wrong while writing or reading a JSON document.
#[derive(Debug, thiserror::Error)]
pub enum DocumentError {
    /// The file does not exist.
    #[error("{path}: no such file")]
    Missing {
        /// The file.
        path: PathBuf,
    },
    /// The file could not be read or written.
    #[error(transparent)]
    Io(#[from] FileError),
    /// The file is not JSON, or not JSON of the expected shape.
    #[error("{path}: corrupt document: {source}")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What the JSON reader found.
        source: serde_json::Error,
    },
    /// The document is of another format (another program's file, or another version of it).
    #[error("{path}: format {found}, expected {expected}")]
    WrongFormat {
        /// The file.
        path: PathBuf,
        /// The format the document declares (`none` when it declares none).
        found: String,
        /// The formats accepted.
        expected: String,
    },
    /// The value could not be written as JSON (a map with keys other than strings, say).
    #[error("{path}: cannot encode the document: {source}")]
    Encode {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: serde_json::Error,
    },
}

impl DocumentError {
    /// The file involved.
    pub fn path(&self) -> &Path {
        match self {
            Self::Missing { path }
            | Self::Io(FileError { path, .. })
            | Self::Corrupt { path, .. }
            | Self::WrongFormat { path, .. }
            | Self::Encode { path, .. } => path,
        }
    }
}

/// Reading a document that may not be there: [`DocumentError::Missing`] becomes `Ok(None)`.
///
/// ```
/// use painter_io::{read_json, Optional};
/// let dir = tempfile::tempdir().unwrap();
/// let absent = read_json::<u32>(&dir.path().join("absent.json")).optional().unwrap();
/// assert_eq!(absent, None);
/// ```
pub trait Optional<T> {
    /// `Ok(Some(value))` for a document read, `Ok(None)` for a missing one, the error otherwise.
    fn optional(self) -> Result<Option<T>, DocumentError>;
}

impl<T> Optional<T> for Result<T, DocumentError> {
    fn optional(self) -> Result<Option<T>, DocumentError> {
        match self {
            Ok(value) => Ok(Some(value)),
            Err(DocumentError::Missing { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// Writes `value` as pretty JSON (with a final newline) to `path`, atomically, creating the folder.
pub fn write_json<T: Serialize + ?Sized>(path: &Path, value: &T) -> Result<(), DocumentError> {
    let mut text = serde_json::to_string_pretty(value).map_err(|source| DocumentError::Encode {
        path: path.to_path_buf(),
        source,
    })?;
    text.push('\n');
    Ok(write_atomic(path, text.as_bytes())?)
}

/// Reads the JSON document at `path` as a `T`.
pub fn read_json<T: DeserializeOwned>(path: &Path) -> Result<T, DocumentError> {
    let text = read_text(path)?;
    serde_json::from_str(&text).map_err(|source| corrupt(path, source))
}

/// Reads the JSON document at `path` as a `T`, after checking that it is of one of the `accepted`
/// formats (its `format` field and, where the format has one, its `version` field).
pub fn read_document<T: DeserializeOwned>(
    path: &Path,
    accepted: &[Format],
) -> Result<T, DocumentError> {
    let text = read_text(path)?;
    let doc: serde_json::Value =
        serde_json::from_str(&text).map_err(|source| corrupt(path, source))?;
    if !accepted.iter().any(|f| f.matches(&doc)) {
        return Err(DocumentError::WrongFormat {
            path: path.to_path_buf(),
            found: declared_format(&doc),
            expected: accepted
                .iter()
                .map(Format::to_string)
                .collect::<Vec<_>>()
                .join(" or "),
        });
    }
    serde_json::from_value(doc).map_err(|source| corrupt(path, source))
}

fn read_text(path: &Path) -> Result<String, DocumentError> {
    std::fs::read_to_string(path).map_err(|source| match source.kind() {
        std::io::ErrorKind::NotFound => DocumentError::Missing {
            path: path.to_path_buf(),
        },
        _ => FileError::new(path, source).into(),
    })
}

fn corrupt(path: &Path, source: serde_json::Error) -> DocumentError {
    DocumentError::Corrupt {
        path: path.to_path_buf(),
        source,
    }
}

/// The format `doc` declares, as [`Format`]'s `Display` writes it.
fn declared_format(doc: &serde_json::Value) -> String {
    let version = doc.get("version").and_then(|v| v.as_u64());
    match (doc.get("format"), version) {
        (Some(serde_json::Value::String(name)), None) => format!("`{name}`"),
        (Some(serde_json::Value::String(name)), Some(v)) => format!("`{name}` version {v}"),
        (Some(other), _) => format!("`{other}`"),
        (None, _) => "none".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Doc {
        format: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        version: Option<u64>,
        values: Vec<f64>,
    }

    const V1: Format = Format::tag("test-doc/1");
    const V2: Format = Format::tag("test-doc/2");

    fn doc(format: &str, version: Option<u64>) -> Doc {
        Doc {
            format: format.into(),
            version,
            values: vec![0.1, -2.5e-300, 1.0 / 3.0],
        }
    }

    #[test]
    fn a_written_document_reads_back_exactly_as_pretty_json() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/doc.json");
        let written = doc("test-doc/2", None);
        write_json(&path, &written).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.starts_with("{\n  \"format\": \"test-doc/2\""),
            "{text}"
        );
        assert!(text.ends_with("}\n"));
        let read: Doc = read_document(&path, &[V1, V2]).unwrap();
        assert_eq!(read, written);
        assert_eq!(read_json::<Doc>(&path).unwrap(), written);
    }

    #[test]
    fn a_missing_file_is_missing_not_an_io_failure() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("absent.json");
        let err = read_document::<Doc>(&path, &[V1]).unwrap_err();
        assert!(matches!(err, DocumentError::Missing { .. }), "{err}");
        assert_eq!(err.path(), path);
        assert!(matches!(
            read_json::<Doc>(&path),
            Err(DocumentError::Missing { .. })
        ));
        assert!(read_json::<Doc>(&path).optional().unwrap().is_none());
        std::fs::write(&path, "[").unwrap();
        assert!(matches!(
            read_json::<Doc>(&path).optional(),
            Err(DocumentError::Corrupt { .. })
        ));
    }

    #[test]
    fn another_format_is_refused_naming_both() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("doc.json");
        write_json(&path, &doc("test-doc/3", None)).unwrap();
        let err = read_document::<Doc>(&path, &[V1, V2]).unwrap_err();
        match &err {
            DocumentError::WrongFormat {
                found, expected, ..
            } => {
                assert_eq!(found, "`test-doc/3`");
                assert_eq!(expected, "`test-doc/1` or `test-doc/2`");
            }
            other => panic!("expected WrongFormat, got {other:?}"),
        }
        std::fs::write(&path, r#"{"values": []}"#).unwrap();
        let refusal = |accepted: &[Format]| read_document::<Doc>(&path, accepted).unwrap_err();
        assert!(refusal(&[V1])
            .to_string()
            .ends_with("format none, expected `test-doc/1`"));
        // A format numbered by its `version` field.
        let v2 = Format::versioned("test-doc", 2);
        write_json(&path, &doc("test-doc", Some(2))).unwrap();
        assert_eq!(read_document::<Doc>(&path, &[v2]).unwrap().version, Some(2));
        write_json(&path, &doc("test-doc", Some(1))).unwrap();
        let err = refusal(&[v2]).to_string();
        assert!(
            err.ends_with("format `test-doc` version 1, expected `test-doc` version 2"),
            "{err}"
        );
    }

    #[test]
    fn truncated_or_misshapen_json_is_corrupt() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("doc.json");
        std::fs::write(&path, r#"{"format": "test-doc/1", "val"#).unwrap();
        assert!(matches!(
            read_document::<Doc>(&path, &[V1]),
            Err(DocumentError::Corrupt { .. })
        ));
        std::fs::write(&path, r#"{"format": "test-doc/1", "values": "many"}"#).unwrap();
        assert!(matches!(
            read_document::<Doc>(&path, &[V1]),
            Err(DocumentError::Corrupt { .. })
        ));
    }

    #[test]
    fn a_value_json_cannot_encode_is_an_encode_error_and_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("doc.json");
        let mut bad = std::collections::HashMap::new();
        bad.insert((1, 2), 3);
        assert!(matches!(
            write_json(&path, &bad),
            Err(DocumentError::Encode { .. })
        ));
        assert!(!path.exists());
    }
}
