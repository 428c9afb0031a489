use crate::{font_family, PlotError};
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use std::path::Path;

/// One named line of a [`LineChart`]: `(x, y)` points in drawing order. Non-finite points are skipped.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// The legend label.
    pub name: String,
    /// The points.
    pub points: Vec<(f64, f64)>,
}

/// A line chart (e.g. train and validation loss per epoch), rendered to PNG with the bundled font.
#[derive(Debug, Clone, PartialEq)]
pub struct LineChart {
    title: String,
    x_label: String,
    y_label: String,
    series: Vec<Series>,
    width: u32,
    height: u32,
    log_y: bool,
}

const PALETTE: [RGBColor; 6] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
];

impl LineChart {
    /// A new empty chart with a title; 800 x 500 pixels by default.
    pub fn new(title: impl Into<String>) -> Self {
        Self {
            title: title.into(),
            x_label: String::new(),
            y_label: String::new(),
            series: Vec::new(),
            width: 800,
            height: 500,
            log_y: false,
        }
    }

    /// Sets the x-axis label.
    pub fn x_label(mut self, label: impl Into<String>) -> Self {
        self.x_label = label.into();
        self
    }

    /// Sets the y-axis label.
    pub fn y_label(mut self, label: impl Into<String>) -> Self {
        self.y_label = label.into();
        self
    }

    /// Adds a named line.
    pub fn series(mut self, name: impl Into<String>, points: Vec<(f64, f64)>) -> Self {
        self.series.push(Series {
            name: name.into(),
            points,
        });
        self
    }

    /// Sets the image size in pixels.
    pub fn size(mut self, width: u32, height: u32) -> Self {
        self.width = width;
        self.height = height;
        self
    }

    /// Draws the y axis on a log scale (non-positive values are skipped).
    pub fn log_y(mut self, log_y: bool) -> Self {
        self.log_y = log_y;
        self
    }

    fn finite_points(&self) -> impl Iterator<Item = (f64, f64)> + '_ {
        let log_y = self.log_y;
        self.series
            .iter()
            .flat_map(|s| s.points.iter().copied())
            .filter(move |(x, y)| x.is_finite() && y.is_finite() && (!log_y || *y > 0.0))
    }

    /// Renders the chart and returns PNG bytes.
    pub fn render_png(&self) -> Result<Vec<u8>, PlotError> {
        if self.width < 100 || self.height < 100 || self.width > 8000 || self.height > 8000 {
            return Err(PlotError::InvalidSize {
                width: self.width,
                height: self.height,
            });
        }
        let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
        for (x, y) in self.finite_points() {
            x0 = x0.min(x);
            x1 = x1.max(x);
            y0 = y0.min(y);
            y1 = y1.max(y);
        }
        if x0 > x1 {
            return Err(PlotError::NoData(self.title.clone()));
        }
        if x1 - x0 < 1e-12 {
            x0 -= 0.5;
            x1 += 0.5;
        }
        if y1 - y0 < 1e-12 * y1.abs().max(1.0) {
            let pad = if self.log_y {
                y0 * 0.5
            } else {
                y0.abs().max(1.0) * 0.05
            };
            y0 -= pad;
            y1 += pad;
        } else if !self.log_y {
            let pad = (y1 - y0) * 0.05;
            y0 -= pad;
            y1 += pad;
        }
        let family = font_family()?;
        let mut buf = vec![0u8; self.width as usize * self.height as usize * 3];
        {
            let root =
                BitMapBackend::with_buffer(&mut buf, (self.width, self.height)).into_drawing_area();
            let draw = |e: &dyn std::fmt::Display| PlotError::Draw(e.to_string());
            root.fill(&WHITE).map_err(|e| draw(&e))?;
            let mut builder = ChartBuilder::on(&root);
            builder
                .caption(&self.title, (family, 24))
                .margin(12)
                .x_label_area_size(45)
                .y_label_area_size(70);
            if self.log_y {
                let mut chart = builder
                    .build_cartesian_2d(x0..x1, (y0..y1).log_scale())
                    .map_err(|e| draw(&e))?;
                self.draw_body(&mut chart, family)?;
            } else {
                let mut chart = builder
                    .build_cartesian_2d(x0..x1, y0..y1)
                    .map_err(|e| draw(&e))?;
                self.draw_body(&mut chart, family)?;
            }
            root.present().map_err(|e| draw(&e))?;
        }
        crate::encode_rgb_png(&buf, self.width, self.height)
    }

    fn draw_body<'a, Y>(
        &self,
        chart: &mut ChartContext<'a, BitMapBackend<'a>, Cartesian2d<RangedCoordf64, Y>>,
        family: &str,
    ) -> Result<(), PlotError>
    where
        Y: Ranged<ValueType = f64> + plotters::coord::ranged1d::ValueFormatter<f64>,
    {
        let draw = |e: &dyn std::fmt::Display| PlotError::Draw(e.to_string());
        chart
            .configure_mesh()
            .x_desc(self.x_label.as_str())
            .y_desc(self.y_label.as_str())
            .label_style((family, 14))
            .axis_desc_style((family, 16))
            .draw()
            .map_err(|e| draw(&e))?;
        for (i, s) in self.series.iter().enumerate() {
            let color = PALETTE[i % PALETTE.len()];
            let pts: Vec<(f64, f64)> = s
                .points
                .iter()
                .copied()
                .filter(|(x, y)| x.is_finite() && y.is_finite() && (!self.log_y || *y > 0.0))
                .collect();
            chart
                .draw_series(LineSeries::new(pts.clone(), color.stroke_width(2)))
                .map_err(|e| draw(&e))?
                .label(s.name.as_str())
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2))
                });
            if pts.len() <= 60 {
                chart
                    .draw_series(pts.iter().map(|&p| Circle::new(p, 3, color.filled())))
                    .map_err(|e| draw(&e))?;
            }
        }
        if !self.series.is_empty() {
            chart
                .configure_series_labels()
                .label_font((family, 14))
                .background_style(WHITE.mix(0.85))
                .border_style(BLACK)
                .draw()
                .map_err(|e| draw(&e))?;
        }
        Ok(())
    }

    /// Renders the chart and writes it to `path` as PNG, atomically.
    pub fn save_png(&self, path: &Path) -> Result<(), PlotError> {
        let png = self.render_png()?;
        crate::write_png_atomic(path, &png)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(png: &[u8]) -> image::RgbImage {
        image::load_from_memory(png).unwrap().to_rgb8()
    }

    #[test]
    fn renders_png_of_requested_size_with_coloured_lines() {
        let png = LineChart::new("loss")
            .x_label("epoch")
            .y_label("mse")
            .series(
                "train",
                (1..=10).map(|e| (e as f64, 1.0 / e as f64)).collect(),
            )
            .size(640, 400)
            .render_png()
            .unwrap();
        let img = decode(&png);
        assert_eq!(img.dimensions(), (640, 400));
        // The first palette colour must appear: the line was drawn.
        let blue = img.pixels().filter(|p| p.0 == [31, 119, 180]).count();
        assert!(blue > 50, "only {blue} line pixels");
        // Text was drawn (dark pixels beyond the axes): the bundled font works.
        let dark = img.pixels().filter(|p| p.0.iter().all(|&c| c < 60)).count();
        assert!(dark > 500, "only {dark} dark pixels");
    }

    #[test]
    fn log_scale_and_single_point_work() {
        let png = LineChart::new("one")
            .series("a", vec![(1.0, 0.5)])
            .log_y(true)
            .render_png()
            .unwrap();
        assert_eq!(decode(&png).dimensions(), (800, 500));
    }

    #[test]
    fn no_finite_point_is_an_error() {
        let err = LineChart::new("nan")
            .series("a", vec![(1.0, f64::NAN), (f64::INFINITY, 1.0)])
            .render_png()
            .unwrap_err();
        assert!(matches!(err, PlotError::NoData(_)));
        let err = LineChart::new("empty").render_png().unwrap_err();
        assert!(matches!(err, PlotError::NoData(_)));
    }

    #[test]
    fn bad_size_is_an_error() {
        let err = LineChart::new("x")
            .series("a", vec![(0.0, 1.0)])
            .size(10, 10)
            .render_png()
            .unwrap_err();
        assert!(matches!(err, PlotError::InvalidSize { .. }));
    }

    #[test]
    fn save_is_atomic_and_leaves_no_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/chart.png");
        LineChart::new("t")
            .series("a", vec![(0.0, 1.0), (1.0, 2.0)])
            .save_png(&path)
            .unwrap();
        let names: Vec<_> = std::fs::read_dir(path.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("chart.png")]);
        assert_eq!(decode(&std::fs::read(&path).unwrap()).width(), 800);
    }
}
