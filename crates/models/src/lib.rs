//! Burn models of the lecture: BERT (masked LM), the Marian encoder–decoder and GPT-2.
//! No browser, files or network here: bytes in, tensors out, on native and wasm32 alike.

pub mod attention;
pub mod bert;
pub mod bert_heads;
pub mod decoding;
pub mod gelu;
pub mod gpt2;
pub mod json;
pub mod linear;
pub mod pytorch;
pub mod readout;
pub mod seq2seq;
pub mod transformer;
pub mod weights;

pub use burn;

/// The compute device every model runs on: burn-flex on the CPU (chosen by measurement,
/// see README "Backend"); `--features ndarray` swaps in burn-ndarray for comparison.
pub fn device() -> burn::prelude::Device {
    #[cfg(feature = "ndarray")]
    {
        burn::prelude::Device::ndarray()
    }
    #[cfg(not(feature = "ndarray"))]
    {
        burn::prelude::Device::flex()
    }
}
