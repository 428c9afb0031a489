//! Progress bars: drawn only when asked for (and only on a terminal, as indicatif does).

use indicatif::{ProgressBar, ProgressStyle};

/// A bar over `len` steps drawn with `template` when `shown`, else a hidden one.
pub(crate) fn progress_bar(len: usize, shown: bool, template: &str) -> ProgressBar {
    if !shown {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len as u64);
    if let Ok(style) = ProgressStyle::with_template(template) {
        bar.set_style(style);
    }
    bar
}
