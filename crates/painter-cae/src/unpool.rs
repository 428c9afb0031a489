//! [`MaxUnpool2d`]: max-unpooling bound to the [`PoolSwitches`] of the pooling it undoes, the layer
//! form of [`painter_conv::max_unpool2d`].

use crate::PoolSwitches;
use candle_core::{Module, Result, Tensor};
use painter_conv::max_unpool2d;

/// A max-unpooling layer: every value goes back to the position its switch recorded, zeros
/// elsewhere (Zeiler et al. 2011), at the size of the input that was pooled.
///
/// The layer holds the switches of one batch, so that it is an ordinary [`Module`]: build it from
/// the switches a [`crate::MaxPool2d`] (or the encoder) recorded, then apply it to values of the
/// pooled shape. It has no parameters.
#[derive(Debug, Clone)]
pub struct MaxUnpool2d {
    switches: PoolSwitches,
}

impl MaxUnpool2d {
    /// The unpooling that undoes the pooling which recorded `switches`.
    pub fn new(switches: PoolSwitches) -> Self {
        Self { switches }
    }

    /// The switches the layer unpools to.
    pub fn switches(&self) -> &PoolSwitches {
        &self.switches
    }
}

impl Module for MaxUnpool2d {
    /// Unpools `values` (the shape of the switches' indices) to the pre-pool size.
    fn forward(&self, values: &Tensor) -> Result<Tensor> {
        let s = &self.switches;
        max_unpool2d(values, &s.indices, (s.input_h, s.input_w))
    }
}
