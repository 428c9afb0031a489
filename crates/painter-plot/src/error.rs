/// Why a chart could not be drawn or written.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    /// The chart has no finite point to draw.
    #[error("chart `{0}` has no finite data point")]
    NoData(String),
    /// The requested size is unusable.
    #[error("invalid chart size {width}x{height}")]
    InvalidSize {
        /// Width in pixels.
        width: u32,
        /// Height in pixels.
        height: u32,
    },
    /// The bundled font could not be registered.
    #[error("the bundled font could not be loaded")]
    Font,
    /// Drawing failed inside plotters.
    #[error("drawing failed: {0}")]
    Draw(String),
    /// PNG encoding failed.
    #[error("PNG encoding failed: {0}")]
    Encode(String),
    /// Writing the file failed.
    #[error(transparent)]
    Io(#[from] painter_io::FileError),
}
