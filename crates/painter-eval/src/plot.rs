//! [`ConfusionMatrixPlot`]: a confusion matrix as a PNG heat map, with the count in every cell, class
//! names on both axes and a colour scale, drawn with `plotters` in the bundled font and written
//! atomically.

use crate::{ConfusionMatrix, EvalError};
use painter_plot::PlotError;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::path::Path;

/// A confusion-matrix figure (rows: true label, columns: predicted label).
///
/// ```
/// use painter_eval::{ConfusionMatrix, ConfusionMatrixPlot};
///
/// let cm = ConfusionMatrix::new(&[0, 0, 1, 1, 2], &[0, 1, 1, 1, 2]).unwrap();
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("confusion.png");
/// ConfusionMatrixPlot::new(&cm)
///     .names(["rembrandt", "vincent-van-gogh", "claude-monet"])
///     .title("Painter classification")
///     .save_png(&path)
///     .unwrap();
/// assert!(path.exists());
/// ```
#[derive(Clone, Debug)]
pub struct ConfusionMatrixPlot<'a> {
    matrix: &'a ConfusionMatrix,
    names: Option<Vec<String>>,
    title: String,
    cell: Option<u32>,
}

const TITLE_SIZE: u32 = 22;
const NAME_SIZE: u32 = 15;
const AXIS_SIZE: u32 = 17;
const BAR_WIDTH: u32 = 22;

/// A light-to-dark blue scale (as matplotlib's `Blues`) at `t` in `[0, 1]`.
fn blues(t: f64) -> RGBColor {
    const STOPS: [(f64, [f64; 3]); 3] = [
        (0.0, [247.0, 251.0, 255.0]),
        (0.5, [107.0, 174.0, 214.0]),
        (1.0, [8.0, 48.0, 107.0]),
    ];
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let (lo, hi) = if t <= 0.5 {
        (STOPS[0], STOPS[1])
    } else {
        (STOPS[1], STOPS[2])
    };
    let u = (t - lo.0) / (hi.0 - lo.0);
    let c = |i: usize| {
        (lo.1[i] + (hi.1[i] - lo.1[i]) * u)
            .round()
            .clamp(0.0, 255.0) as u8
    };
    RGBColor(c(0), c(1), c(2))
}

impl<'a> ConfusionMatrixPlot<'a> {
    /// A figure of `matrix`, labelled with its labels as numbers and titled "Confusion matrix".
    pub fn new(matrix: &'a ConfusionMatrix) -> Self {
        Self {
            matrix,
            names: None,
            title: "Confusion matrix".into(),
            cell: None,
        }
    }

    /// Class names, one per label of the matrix, in its order.
    pub fn names<S: Into<String>>(mut self, names: impl IntoIterator<Item = S>) -> Self {
        self.names = Some(names.into_iter().map(Into::into).collect());
        self
    }

    /// The title.
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.title = title.into();
        self
    }

    /// The side of a cell in pixels (default: from 80 for 2 classes down to 36 for many; at least 16).
    pub fn cell_size(mut self, pixels: u32) -> Self {
        self.cell = Some(pixels);
        self
    }

    fn labels(&self) -> Result<Vec<String>, EvalError> {
        let n = self.matrix.n_classes();
        match &self.names {
            Some(names) if names.len() != n => Err(EvalError::NamesMismatch {
                labels: n,
                names: names.len(),
            }),
            Some(names) => Ok(names.clone()),
            None => Ok(self.matrix.labels().iter().map(usize::to_string).collect()),
        }
    }

    /// Renders the figure and returns PNG bytes.
    pub fn render_png(&self) -> Result<Vec<u8>, EvalError> {
        let names = self.labels()?;
        let n = names.len() as u32;
        let family = painter_plot::font_family()?;
        let draw_err = |e: &dyn std::fmt::Display| EvalError::Plot(PlotError::Draw(e.to_string()));
        let name_font = FontDesc::new(
            FontFamily::Name(family),
            NAME_SIZE.into(),
            FontStyle::Normal,
        );
        let longest = names
            .iter()
            .map(|s| name_font.box_size(s).map(|(w, _)| w))
            .collect::<Result<Vec<u32>, _>>()
            .map_err(|e| draw_err(&e))?
            .into_iter()
            .max()
            .unwrap_or(0);
        let max = self.matrix.max_count();
        let max_text = name_font
            .box_size(&max.to_string())
            .map_err(|e| draw_err(&e))?
            .0;
        let cell = self
            .cell
            .unwrap_or_else(|| (640 / n.max(1)).clamp(36, 80))
            .max(16);
        let grid = cell * n;
        let left = AXIS_SIZE + 20 + longest + 10;
        let top = TITLE_SIZE + 30;
        let bottom = longest + 10 + AXIS_SIZE + 24;
        let right = 30 + BAR_WIDTH + 8 + max_text + 20;
        let (width, height) = (left + grid + right, top + grid + bottom);
        if width > 16000 || height > 16000 {
            return Err(PlotError::InvalidSize { width, height }.into());
        }
        let mut buf = vec![255u8; width as usize * height as usize * 3];
        {
            let root = BitMapBackend::with_buffer(&mut buf, (width, height)).into_drawing_area();
            root.fill(&WHITE).map_err(|e| draw_err(&e))?;
            let text = |size: u32, color: &'static RGBColor, pos: Pos| {
                TextStyle::from((family, size).into_font())
                    .color(color)
                    .pos(pos)
            };
            let center = Pos::new(HPos::Center, VPos::Center);
            let (gl, gt) = (left as i32, top as i32);
            let c = cell as i32;
            root.draw(&Text::new(
                self.title.clone(),
                ((left + grid / 2) as i32, (TITLE_SIZE / 2 + 10) as i32),
                text(TITLE_SIZE, &BLACK, center),
            ))
            .map_err(|e| draw_err(&e))?;
            let count_size = (cell * 3 / 10).clamp(9, 20);
            for row in 0..n {
                for col in 0..n {
                    let count = self.matrix.get(row as usize, col as usize).unwrap_or(0);
                    let t = if max == 0 {
                        0.0
                    } else {
                        count as f64 / max as f64
                    };
                    let (x0, y0) = (gl + col as i32 * c, gt + row as i32 * c);
                    root.draw(&Rectangle::new(
                        [(x0, y0), (x0 + c, y0 + c)],
                        blues(t).filled(),
                    ))
                    .map_err(|e| draw_err(&e))?;
                    let ink: &'static RGBColor = if t > 0.5 { &WHITE } else { &BLACK };
                    root.draw(&Text::new(
                        count.to_string(),
                        (x0 + c / 2, y0 + c / 2),
                        text(count_size, ink, center),
                    ))
                    .map_err(|e| draw_err(&e))?;
                }
            }
            root.draw(&Rectangle::new(
                [(gl, gt), (gl + grid as i32, gt + grid as i32)],
                BLACK.stroke_width(1),
            ))
            .map_err(|e| draw_err(&e))?;
            for (i, name) in names.iter().enumerate() {
                let mid = i as i32 * c + c / 2;
                // True labels: right-aligned left of the rows.
                root.draw(&Text::new(
                    name.clone(),
                    (gl - 8, gt + mid),
                    text(NAME_SIZE, &BLACK, Pos::new(HPos::Right, VPos::Center)),
                ))
                .map_err(|e| draw_err(&e))?;
                // Predicted labels: vertical, reading upwards, below the columns.
                let style = text(NAME_SIZE, &BLACK, Pos::new(HPos::Right, VPos::Center))
                    .transform(FontTransform::Rotate270);
                root.draw(&Text::new(
                    name.clone(),
                    (gl + mid, gt + grid as i32 + 8),
                    style,
                ))
                .map_err(|e| draw_err(&e))?;
            }
            root.draw(&Text::new(
                "predicted label",
                (gl + grid as i32 / 2, (height - AXIS_SIZE / 2 - 10) as i32),
                text(AXIS_SIZE, &BLACK, center),
            ))
            .map_err(|e| draw_err(&e))?;
            root.draw(&Text::new(
                "true label",
                ((AXIS_SIZE / 2 + 8) as i32, gt + grid as i32 / 2),
                text(AXIS_SIZE, &BLACK, center).transform(FontTransform::Rotate270),
            ))
            .map_err(|e| draw_err(&e))?;
            // Colour scale: dark (max) at the top, light (0) at the bottom, with ticks.
            let bx = gl + grid as i32 + 30;
            let span = grid.max(1) as i32;
            for y in 0..span {
                let t = 1.0 - y as f64 / (span - 1).max(1) as f64;
                root.draw(&Rectangle::new(
                    [(bx, gt + y), (bx + BAR_WIDTH as i32, gt + y + 1)],
                    blues(t).filled(),
                ))
                .map_err(|e| draw_err(&e))?;
            }
            root.draw(&Rectangle::new(
                [(bx, gt), (bx + BAR_WIDTH as i32, gt + span)],
                BLACK.stroke_width(1),
            ))
            .map_err(|e| draw_err(&e))?;
            let ticks = max.min(4);
            for k in 0..=ticks {
                let value = (max * k).checked_div(ticks).unwrap_or(0);
                let t = if max == 0 {
                    0.0
                } else {
                    value as f64 / max as f64
                };
                let y = gt + span - 1 - (t * (span - 1) as f64).round() as i32;
                let x = bx + BAR_WIDTH as i32;
                root.draw(&PathElement::new(vec![(x, y), (x + 5, y)], BLACK))
                    .map_err(|e| draw_err(&e))?;
                root.draw(&Text::new(
                    value.to_string(),
                    (x + 8, y),
                    text(NAME_SIZE, &BLACK, Pos::new(HPos::Left, VPos::Center)),
                ))
                .map_err(|e| draw_err(&e))?;
            }
            root.present().map_err(|e| draw_err(&e))?;
        }
        Ok(painter_plot::encode_rgb_png(&buf, width, height)?)
    }

    /// Renders the figure and writes it to `path` atomically (parent folders are created).
    pub fn save_png(&self, path: &Path) -> Result<(), EvalError> {
        let png = self.render_png()?;
        Ok(painter_io::write_atomic(path, &png)?)
    }
}
