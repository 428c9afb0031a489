//! Progress bars (hidden unless verbose), through [`painter_data::progress_bar`].

use indicatif::ProgressBar;

/// A progress bar of `len` steps titled `msg`, hidden when `visible` is false.
pub(crate) fn bar(len: usize, msg: &str, visible: bool) -> ProgressBar {
    let bar = painter_data::progress_bar(
        len,
        visible,
        "{msg} [{bar:30}] {pos}/{len} {elapsed_precise} eta {eta}",
    );
    bar.set_message(msg.to_string());
    bar
}
