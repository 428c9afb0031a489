//! K-fold splitters: [`KFold`] and [`StratifiedKFold`], without shuffling identical to scikit-learn's,
//! with shuffling deterministic per seed (ChaCha8).

use crate::EvalError;
use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::fmt;

/// One train/test split; both index lists are sorted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fold {
    /// Indices of the training samples.
    pub train: Vec<usize>,
    /// Indices of the test samples.
    pub test: Vec<usize>,
}

/// Something worth telling the user about a split that is nonetheless valid.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum FoldWarning {
    /// The smallest class has fewer members than there are folds: some test folds lack it.
    SmallestClassBelowSplits {
        /// Size of the least populated class.
        smallest_class: usize,
        /// Number of folds.
        n_splits: usize,
    },
}

impl fmt::Display for FoldWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FoldWarning::SmallestClassBelowSplits {
                smallest_class,
                n_splits,
            } => write!(
                f,
                "The least populated class in y has only {smallest_class} members, which is less than \
                 n_splits={n_splits}."
            ),
        }
    }
}

/// The folds of a split and any warnings about them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Splits {
    /// The folds, in order; every sample is in exactly one test set.
    pub folds: Vec<Fold>,
    /// Warnings (e.g. a class smaller than the number of folds).
    pub warnings: Vec<FoldWarning>,
}

/// Splits `n` samples with labels `y` into train/test folds.
pub trait Splitter {
    /// The number of folds.
    fn n_splits(&self) -> usize;
    /// The folds for samples labelled `y` (one label per sample; unstratified splitters only use its
    /// length).
    fn split(&self, y: &[usize]) -> Result<Splits, EvalError>;
}

fn check_n_splits(n_splits: usize) -> Result<(), EvalError> {
    if n_splits < 2 {
        Err(EvalError::TooFewSplits(n_splits))
    } else {
        Ok(())
    }
}

/// Fisher-Yates shuffle driven by ChaCha8 words with rejection sampling, so the permutation depends
/// only on the seed (not on the `rand` version's sampling algorithms).
fn shuffle<T>(items: &mut [T], rng: &mut ChaCha8Rng) {
    for i in (1..items.len()).rev() {
        let bound = (i + 1) as u64;
        let zone = u64::MAX - (u64::MAX % bound);
        let j = loop {
            let v = rng.next_u64();
            if v < zone {
                break (v % bound) as usize;
            }
        };
        items.swap(i, j);
    }
}

/// Folds from a test-fold id per sample: fold `f` tests the samples with id `f`, trains on the rest.
fn folds_from_ids(ids: &[usize], n_splits: usize) -> Vec<Fold> {
    (0..n_splits)
        .map(|f| {
            let (test, train): (Vec<usize>, Vec<usize>) =
                (0..ids.len()).partition(|&i| ids.get(i) == Some(&f));
            Fold { train, test }
        })
        .collect()
}

/// K-fold cross-validation: consecutive blocks of samples (the first `n % k` folds one larger), as
/// scikit-learn's `KFold`; with [`shuffle`](Self::shuffle), the samples are permuted first.
///
/// ```
/// use painter_eval::{KFold, Splitter};
///
/// let splits = KFold::new(3).unwrap().split(&[0; 7]).unwrap();
/// let tests: Vec<Vec<usize>> = splits.folds.iter().map(|f| f.test.clone()).collect();
/// assert_eq!(tests, vec![vec![0, 1, 2], vec![3, 4], vec![5, 6]]);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KFold {
    n_splits: usize,
    shuffle_seed: Option<u64>,
}

/// The constructor and the shuffle switch both splitters share (`n_splits` and `shuffle_seed`).
macro_rules! fold_settings {
    ($splitter:ident, $new:literal, $shuffle:literal) => {
        impl $splitter {
            #[doc = $new]
            pub fn new(n_splits: usize) -> Result<Self, EvalError> {
                check_n_splits(n_splits)?;
                Ok(Self {
                    n_splits,
                    shuffle_seed: None,
                })
            }

            #[doc = $shuffle]
            pub fn shuffle(mut self, seed: u64) -> Self {
                self.shuffle_seed = Some(seed);
                self
            }
        }
    };
}

fold_settings!(
    KFold,
    "`n_splits` folds without shuffling; an error when `n_splits < 2`.",
    "Shuffles the samples before splitting, deterministically for `seed`."
);
fold_settings!(
    StratifiedKFold,
    "`n_splits` stratified folds without shuffling; an error when `n_splits < 2`.",
    "Shuffles each class's fold assignment, deterministically for `seed`."
);

impl KFold {
    /// The folds of `n_samples` samples; an error when `n_splits > n_samples`.
    pub fn split_n(&self, n_samples: usize) -> Result<Splits, EvalError> {
        if self.n_splits > n_samples {
            return Err(EvalError::TooManySplits {
                n_splits: self.n_splits,
                n_samples,
            });
        }
        let mut order: Vec<usize> = (0..n_samples).collect();
        if let Some(seed) = self.shuffle_seed {
            shuffle(&mut order, &mut ChaCha8Rng::seed_from_u64(seed));
        }
        let mut ids = vec![0usize; n_samples];
        let (base, extra) = (n_samples / self.n_splits, n_samples % self.n_splits);
        let mut start = 0;
        for f in 0..self.n_splits {
            let size = base + usize::from(f < extra);
            for &i in order.iter().skip(start).take(size) {
                if let Some(id) = ids.get_mut(i) {
                    *id = f;
                }
            }
            start += size;
        }
        Ok(Splits {
            folds: folds_from_ids(&ids, self.n_splits),
            warnings: Vec::new(),
        })
    }
}

impl Splitter for KFold {
    fn n_splits(&self) -> usize {
        self.n_splits
    }
    fn split(&self, y: &[usize]) -> Result<Splits, EvalError> {
        self.split_n(y.len())
    }
}

/// Stratified k-fold cross-validation, as scikit-learn's `StratifiedKFold`: every fold holds each
/// class in proportion (fold class counts differ by at most one).
///
/// Classes are ordered by first appearance; the number of samples of each class in each fold is the
/// round-robin allocation `bincount(sort(y)[i::k])`; each class's samples receive their fold ids in
/// contiguous blocks in data order (without shuffling, exactly scikit-learn's folds), or in an order
/// permuted deterministically per seed (with [`shuffle`](Self::shuffle); the allocation is unchanged).
///
/// Errors when `n_splits < 2`, `n_splits > n_samples`, or `n_splits` exceeds every class's count; a
/// [`FoldWarning`] when it exceeds the smallest class's count.
///
/// ```
/// use painter_eval::{Splitter, StratifiedKFold};
///
/// let y = [0, 0, 0, 0, 1, 1, 1, 1];
/// let splits = StratifiedKFold::new(2).unwrap().split(&y).unwrap();
/// assert_eq!(splits.folds[0].test, vec![0, 1, 4, 5]);
/// assert_eq!(splits.folds[1].test, vec![2, 3, 6, 7]);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StratifiedKFold {
    n_splits: usize,
    shuffle_seed: Option<u64>,
}

impl Splitter for StratifiedKFold {
    fn n_splits(&self) -> usize {
        self.n_splits
    }

    fn split(&self, y: &[usize]) -> Result<Splits, EvalError> {
        let k = self.n_splits;
        let n = y.len();
        if k > n {
            return Err(EvalError::TooManySplits {
                n_splits: k,
                n_samples: n,
            });
        }
        // Encode classes by order of first appearance.
        let mut code: HashMap<usize, usize> = HashMap::new();
        let encoded: Vec<usize> = y
            .iter()
            .map(|&label| {
                let next = code.len();
                *code.entry(label).or_insert(next)
            })
            .collect();
        let n_classes = code.len();
        let mut class_counts = vec![0usize; n_classes];
        for &c in &encoded {
            if let Some(count) = class_counts.get_mut(c) {
                *count += 1;
            }
        }
        let largest = class_counts.iter().copied().max().unwrap_or(0);
        let smallest = class_counts.iter().copied().min().unwrap_or(0);
        if k > largest {
            return Err(EvalError::SplitsExceedEveryClass {
                n_splits: k,
                largest_class: largest,
            });
        }
        let mut warnings = Vec::new();
        if k > smallest {
            warnings.push(FoldWarning::SmallestClassBelowSplits {
                smallest_class: smallest,
                n_splits: k,
            });
        }
        // allocation[f][c] = bincount(sorted(encoded)[f::k])[c]: class c occupies positions
        // [offset, offset + count) of the sorted vector; count those congruent to f modulo k.
        let mut offset = 0usize;
        let mut folds_per_class: Vec<Vec<usize>> = Vec::with_capacity(n_classes);
        for &count in &class_counts {
            let mut ids = Vec::with_capacity(count);
            for f in 0..k {
                let first = offset + (f + k - offset % k) % k;
                let in_fold = if first < offset + count {
                    (offset + count - first).div_ceil(k)
                } else {
                    0
                };
                ids.extend(std::iter::repeat_n(f, in_fold));
            }
            offset += count;
            folds_per_class.push(ids);
        }
        if let Some(seed) = self.shuffle_seed {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            for ids in &mut folds_per_class {
                shuffle(ids, &mut rng);
            }
        }
        let mut next = vec![0usize; n_classes];
        let mut ids = vec![0usize; n];
        for (i, &c) in encoded.iter().enumerate() {
            let (Some(pos), Some(class_ids)) = (next.get_mut(c), folds_per_class.get(c)) else {
                continue;
            };
            if let (Some(&f), Some(id)) = (class_ids.get(*pos), ids.get_mut(i)) {
                *id = f;
            }
            *pos += 1;
        }
        Ok(Splits {
            folds: folds_from_ids(&ids, k),
            warnings,
        })
    }
}
