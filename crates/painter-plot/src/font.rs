use std::sync::OnceLock;

static FONT_BYTES: &[u8] = include_bytes!("../assets/DejaVuSans.ttf");
const FAMILY: &str = "sans-serif";

/// Registers the bundled DejaVu Sans font with plotters (once per process) and returns the family name
/// to use in plotters text styles, e.g. `(painter_plot::font_family()?, 20).into_font()`.
pub fn font_family() -> Result<&'static str, crate::PlotError> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| {
        plotters::style::register_font(FAMILY, plotters::style::FontStyle::Normal, FONT_BYTES)
            .is_ok()
    });
    if ok {
        Ok(FAMILY)
    } else {
        Err(crate::PlotError::Font)
    }
}
