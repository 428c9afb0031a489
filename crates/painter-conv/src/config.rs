//! Hyperparameters of 2-D convolutions.

/// Stride and zero padding of a 2-D convolution (same on both axes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Conv2dConfig {
    /// Step between output positions.
    pub stride: usize,
    /// Zeros added on each border.
    pub padding: usize,
}

impl Default for Conv2dConfig {
    fn default() -> Self {
        Self {
            stride: 1,
            padding: 0,
        }
    }
}

/// Stride, padding and output padding of a 2-D transposed convolution (same on both axes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConvTranspose2dConfig {
    /// Step between input positions in the output.
    pub stride: usize,
    /// Rows/columns removed from each border of the full output.
    pub padding: usize,
    /// Extra rows/columns added at the bottom/right (must be smaller than the stride).
    pub output_padding: usize,
}

impl Default for ConvTranspose2dConfig {
    fn default() -> Self {
        Self {
            stride: 1,
            padding: 0,
            output_padding: 0,
        }
    }
}
