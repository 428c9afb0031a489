//! # painter-plot
//!
//! PNG charts for deep-painter's results: loss and accuracy curves ([`LineChart`]). The font is bundled
//! (DejaVu Sans, see `assets/DejaVuSans.LICENSE`), so charts render the same on any machine, with no system
//! fonts installed. Crates drawing their own figures with `plotters` use [`font_family`] for text.
//!
//! ```
//! use painter_plot::LineChart;
//!
//! let dir = tempfile::tempdir().unwrap();
//! let path = dir.path().join("loss.png");
//! LineChart::new("CAE pretraining")
//!     .x_label("epoch")
//!     .y_label("MSE")
//!     .series("train", vec![(1.0, 0.09), (2.0, 0.05), (3.0, 0.03)])
//!     .series("validation", vec![(1.0, 0.10), (2.0, 0.06), (3.0, 0.04)])
//!     .save_png(&path)
//!     .unwrap();
//! assert!(path.exists());
//! ```
#![deny(missing_docs)]

mod error;
mod font;
mod line_chart;
mod png;

pub use error::PlotError;
pub use font::font_family;
pub use line_chart::{LineChart, Series};
pub use png::{encode_rgb_png, write_png_atomic};
