//! Progress bars (hidden unless verbose).

use indicatif::{ProgressBar, ProgressStyle};

/// A progress bar of `len` steps titled `msg`, hidden when `visible` is false.
pub(crate) fn bar(len: u64, msg: &str, visible: bool) -> ProgressBar {
    if !visible {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len);
    if let Ok(style) =
        ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} {elapsed_precise} eta {eta}")
    {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(msg.to_string());
    bar
}
