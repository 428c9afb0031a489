//! # painter-io
//!
//! The files of deep-painter, written one way:
//!
//! - [`write_atomic`] / [`write_atomic_with`] / [`write_atomic_path`]: a temporary file beside the target, flushed, synced
//!   and renamed over it, so a reader (or a run resumed after a kill) sees either the old file or the
//!   complete new one.
//! - [`FileError`]: the one file-system error, what the operating system said and the path; every
//!   crate's error enum carries it as its `Io` variant.
//! - [`write_json`] / [`read_json`] / [`read_document`]: JSON documents written atomically, read back
//!   with a typed [`DocumentError`] (missing, unreadable, corrupt, of another [`Format`]).
//!
//! ```
//! use painter_io::{read_document, write_json, Format};
//!
//! #[derive(serde::Serialize, serde::Deserialize)]
//! struct Note {
//!     format: String,
//!     text: String,
//! }
//! const NOTE: Format = Format::tag("example-note/1");
//!
//! let dir = tempfile::tempdir().unwrap();
//! let path = dir.path().join("note.json");
//! write_json(&path, &Note { format: NOTE.name.into(), text: "hello".into() }).unwrap();
//! let note: Note = read_document(&path, &[NOTE]).unwrap();
//! assert_eq!(note.text, "hello");
//! ```
#![deny(missing_docs)]

mod atomic;
mod document;
mod file_error;

pub use atomic::{temp_path_for, write_atomic, write_atomic_path, write_atomic_with};
pub use document::{read_document, read_json, write_json, DocumentError, Format, Optional};
pub use file_error::FileError;
