//! Progress bars: drawn only when asked for (and only on a terminal, as indicatif does). The one
//! constructor every crate of the workspace uses.

use indicatif::{ProgressBar, ProgressStyle};

/// A bar over `len` steps drawn with the indicatif `template` when `shown`, else a hidden one (an
/// invalid template keeps indicatif's default style).
///
/// ```
/// let bar = painter_data::progress_bar(3, false, "{bar:30} {pos}/{len}");
/// bar.inc(1);
/// assert!(bar.is_hidden());
/// ```
pub fn progress_bar(len: usize, shown: bool, template: &str) -> ProgressBar {
    if !shown {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len as u64);
    if let Ok(style) = ProgressStyle::with_template(template) {
        bar.set_style(style);
    }
    bar
}
