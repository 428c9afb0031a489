//! Selecting part of a dataset: a [`Subset`] view, `n` images per class drawn with a seed (the paper's
//! benchmark uses 3 painters x 40 paintings), `n` images drawn with a seed, and restriction to named
//! classes.
//!
//! ```
//! # use image::RgbImage;
//! # use painter_data::{Dataset, DatasetError, Sample};
//! use painter_data::select::{restrict_classes, take_per_class};
//! # struct Toy { names: Vec<String> }
//! # impl Dataset for Toy {
//! #     fn len(&self) -> usize { 30 }
//! #     fn get(&self, i: usize) -> Result<Sample, DatasetError> {
//! #         Ok(Sample { image: RgbImage::new(4, 4), label: self.label(i)? })
//! #     }
//! #     fn class_names(&self) -> &[String] { &self.names }
//! #     fn label(&self, i: usize) -> Result<Option<usize>, DatasetError> { Ok(Some(i % 3)) }
//! #     fn image_size(&self) -> u32 { 4 }
//! # }
//! # let toy = Toy { names: vec!["a".into(), "b".into(), "c".into()] };
//! // `toy` has classes a, b, c with 10 samples each.
//! let two = restrict_classes(&toy, &["c", "a"]).unwrap();
//! assert_eq!(two.class_names(), ["c", "a"]);
//! let picked = take_per_class(&two, 4, 42).unwrap();
//! assert_eq!(picked.len(), 8);
//! assert!(take_per_class(&toy, 11, 42).is_err()); // NotEnoughSamples
//! ```

use crate::augment::keyed_rng;
use crate::dataset::{at_least_one, item};
use crate::{Dataset, DatasetError, Sample};
use rand::seq::SliceRandom;
use rand::SeedableRng;

/// Stream number for per-class selection draws.
const STREAM_SELECT: u64 = 0x7365_6c65; // "sele"

/// Mixed into the seed of [`take_random`]'s shuffle ("unlabel\0": it first chose the unlabeled
/// images a run pretrains on, and keeps choosing the same ones).
const RANDOM_SUBSET_KEY: u64 = 0x756e_6c61_6265_6c00;

/// A view of some samples of a parent dataset, with its own class list.
///
/// Sample `i` of the subset is sample `indices[i]` of the parent; its label is the parent's label
/// mapped through the subset's label map (identity unless classes were restricted).
#[derive(Debug, Clone)]
pub struct Subset<D> {
    parent: D,
    indices: Vec<usize>,
    labels: Vec<Option<usize>>,
    class_names: Vec<String>,
}

impl<D: Dataset> Subset<D> {
    /// The samples `indices` of `parent` (in that order, repeats allowed), with the parent's classes.
    /// Fails with [`DatasetError::IndexOutOfRange`] if an index is past the parent's end.
    pub fn new(parent: D, indices: Vec<usize>) -> Result<Self, DatasetError> {
        let labels = indices
            .iter()
            .map(|&i| parent.label(i))
            .collect::<Result<Vec<_>, _>>()?;
        let class_names = parent.class_names().to_vec();
        Ok(Self {
            parent,
            indices,
            labels,
            class_names,
        })
    }

    /// The parent dataset.
    pub fn parent(&self) -> &D {
        &self.parent
    }

    /// The parent indices of the subset's samples, in subset order.
    pub fn indices(&self) -> &[usize] {
        &self.indices
    }

    /// The parent index of subset sample `index`.
    pub fn parent_index(&self, index: usize) -> Result<usize, DatasetError> {
        item(&self.indices, index).copied()
    }

    /// Unwraps the view into its parent and parent indices.
    pub fn into_parts(self) -> (D, Vec<usize>) {
        (self.parent, self.indices)
    }
}

impl<D: Dataset> Dataset for Subset<D> {
    fn len(&self) -> usize {
        self.indices.len()
    }

    fn get(&self, index: usize) -> Result<Sample, DatasetError> {
        let parent_index = self.parent_index(index)?;
        let sample = self.parent.get(parent_index)?;
        Ok(Sample {
            image: sample.image,
            label: self.labels.get(index).copied().flatten(),
        })
    }

    fn class_names(&self) -> &[String] {
        &self.class_names
    }

    fn label(&self, index: usize) -> Result<Option<usize>, DatasetError> {
        item(&self.labels, index).copied()
    }

    fn image_size(&self) -> u32 {
        self.parent.image_size()
    }
}

/// The sample indices of each class of a labelled dataset, ascending, indexed by label.
///
/// Fails with [`DatasetError::InvalidSetting`] for an unlabeled dataset or a sample whose label is
/// missing or out of range.
pub fn class_indices<D: Dataset + ?Sized>(dataset: &D) -> Result<Vec<Vec<usize>>, DatasetError> {
    let classes = dataset.class_names().len();
    if classes == 0 {
        return Err(DatasetError::InvalidSetting(
            "the dataset is unlabeled (it has no classes)".into(),
        ));
    }
    let mut out = vec![Vec::new(); classes];
    for i in 0..dataset.len() {
        match dataset.label(i)? {
            Some(l) if l < classes => out[l].push(i),
            other => {
                return Err(DatasetError::InvalidSetting(format!(
                    "sample {i} has label {other:?}, expected one of 0..{classes}"
                )))
            }
        }
    }
    Ok(out)
}

/// Draws `n` samples of every class with `seed` (without replacement).
///
/// The result lists the chosen samples class by class, ascending by parent index within a class;
/// which samples are chosen depends only on `seed` and the dataset's labels. Fails with
/// [`DatasetError::NotEnoughSamples`] when a class holds fewer than `n`, and with
/// [`DatasetError::InvalidSetting`] when `n == 0` or the dataset is unlabeled.
pub fn take_per_class<D: Dataset>(
    dataset: D,
    n: usize,
    seed: u64,
) -> Result<Subset<D>, DatasetError> {
    at_least_one("samples per class", n as u64)?;
    let per_class = class_indices(&dataset)?;
    let mut chosen = Vec::with_capacity(n * per_class.len());
    for (label, mut members) in per_class.into_iter().enumerate() {
        if members.len() < n {
            return Err(DatasetError::NotEnoughSamples {
                class: dataset
                    .class_names()
                    .get(label)
                    .cloned()
                    .unwrap_or_default(),
                available: members.len(),
                requested: n,
            });
        }
        let mut rng = keyed_rng(seed, 0, label as u64, STREAM_SELECT);
        let (picked, _) = members.partial_shuffle(&mut rng, n);
        let mut picked = picked.to_vec();
        picked.sort_unstable();
        chosen.extend(picked);
    }
    Subset::new(dataset, chosen)
}

/// Keeps only the samples of the named classes, relabelled `0..classes.len()` in the given order.
///
/// Samples keep their parent order. Fails with [`DatasetError::UnknownClass`] for a name the dataset
/// does not have, and with [`DatasetError::InvalidSetting`] for an empty or repeated list.
pub fn restrict_classes<D: Dataset, S: AsRef<str>>(
    dataset: D,
    classes: &[S],
) -> Result<Subset<D>, DatasetError> {
    if classes.is_empty() {
        return Err(DatasetError::InvalidSetting(
            "the class list to keep is empty".into(),
        ));
    }
    let parent_names = dataset.class_names();
    // map[parent label] = new label
    let mut map = vec![None; parent_names.len()];
    for (new_label, name) in classes.iter().enumerate() {
        let name = name.as_ref();
        let old = parent_names
            .iter()
            .position(|c| c == name)
            .ok_or_else(|| DatasetError::UnknownClass(name.to_string()))?;
        if map[old].is_some() {
            return Err(DatasetError::InvalidSetting(format!(
                "class `{name}` is listed twice"
            )));
        }
        map[old] = Some(new_label);
    }
    let mut indices = Vec::new();
    let mut labels = Vec::new();
    for i in 0..dataset.len() {
        if let Some(new) = dataset
            .label(i)?
            .and_then(|l| map.get(l).copied().flatten())
        {
            indices.push(i);
            labels.push(Some(new));
        }
    }
    let class_names = classes.iter().map(|c| c.as_ref().to_string()).collect();
    Ok(Subset {
        parent: dataset,
        indices,
        labels,
        class_names,
    })
}

/// `n` samples drawn with `seed` without replacement, in the dataset's order (all of them, in
/// order, when `n` is at least the dataset's length).
///
/// Which samples are chosen depends only on `seed`, `n` and the dataset's length. Fails with
/// [`DatasetError::InvalidSetting`] when `n == 0`.
pub fn take_random<D: Dataset>(dataset: D, n: usize, seed: u64) -> Result<Subset<D>, DatasetError> {
    at_least_one("the number of samples to draw", n as u64)?;
    let mut order: Vec<usize> = (0..dataset.len()).collect();
    if n < order.len() {
        order.shuffle(&mut rand_chacha::ChaCha8Rng::seed_from_u64(
            seed ^ RANDOM_SUBSET_KEY,
        ));
        order.truncate(n);
        order.sort_unstable();
    }
    Subset::new(dataset, order)
}
