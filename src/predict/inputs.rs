//! What `predict` is asked about: image files as given, and every image under a folder, walked
//! recursively (painter-data's [`UnlabeledFolder`] listing: sorted by path, hidden entries and
//! files that are not images left out).

use painter_data::{FolderOptions, UnlabeledFolder};
use std::path::PathBuf;

/// One input of `predict`: an image file to predict, or a path that gave nothing to predict.
#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    /// A file to predict (named on the command line, or found in a folder).
    File(PathBuf),
    /// A path that could not be listed (missing, or a folder without images), with why.
    Unlisted {
        /// The path as given.
        path: PathBuf,
        /// Why nothing could be predicted from it.
        message: String,
    },
}

impl Input {
    /// The path as given or found.
    pub fn path(&self) -> &PathBuf {
        match self {
            Self::File(p) | Self::Unlisted { path: p, .. } => p,
        }
    }

    /// The file to predict, if this is one.
    pub fn file(&self) -> Option<&PathBuf> {
        match self {
            Self::File(p) => Some(p),
            Self::Unlisted { .. } => None,
        }
    }
}

/// What the arguments name, in order: a file stays as given (even one that is not an image:
/// predicting it gives its own error), a folder becomes every image file under it (sorted by
/// path); also the files found in folders and left out because they are not images.
pub fn collect_inputs(paths: &[PathBuf]) -> (Vec<Input>, Vec<PathBuf>) {
    let mut inputs = Vec::new();
    let mut left_out = Vec::new();
    for path in paths {
        if !path.is_dir() {
            inputs.push(if path.exists() {
                Input::File(path.clone())
            } else {
                Input::Unlisted {
                    path: path.clone(),
                    message: "no such file or folder".into(),
                }
            });
            continue;
        }
        match UnlabeledFolder::open(path, FolderOptions::default()) {
            Ok(folder) => {
                inputs.extend(folder.paths().iter().cloned().map(Input::File));
                left_out.extend(folder.skipped().iter().map(|s| s.path.clone()));
            }
            Err(e) => inputs.push(Input::Unlisted {
                path: path.clone(),
                message: e.to_string(),
            }),
        }
    }
    (inputs, left_out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_are_walked_recursively_and_files_kept_as_given() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("paintings");
        std::fs::create_dir_all(root.join("b/deeper")).unwrap();
        std::fs::create_dir_all(root.join("empty")).unwrap();
        for f in [
            "z.jpg",
            "a.png",
            "b/deeper/c.JPEG",
            "b/x.webp",
            "notes.txt",
            ".hidden.jpg",
        ] {
            std::fs::write(root.join(f), b"not decoded here").unwrap();
        }
        let loose = tmp.path().join("loose.txt");
        std::fs::write(&loose, b"x").unwrap();
        let missing = tmp.path().join("missing.jpg");
        let (inputs, left_out) = collect_inputs(&[
            loose.clone(),
            root.clone(),
            missing.clone(),
            root.join("empty"),
        ]);
        let files: Vec<PathBuf> = inputs.iter().filter_map(Input::file).cloned().collect();
        assert_eq!(
            files,
            vec![
                loose,
                root.join("a.png"),
                root.join("b/deeper/c.JPEG"),
                root.join("b/x.webp"),
                root.join("z.jpg"),
            ]
        );
        let unlisted: Vec<&PathBuf> = inputs
            .iter()
            .filter(|i| matches!(i, Input::Unlisted { .. }))
            .map(Input::path)
            .collect();
        assert_eq!(unlisted, vec![&missing, &root.join("empty")]);
        assert!(left_out.contains(&root.join("notes.txt")));
        assert!(left_out.contains(&root.join(".hidden.jpg")));
    }
}
