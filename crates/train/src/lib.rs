//! Masked-LM fine-tuning in Burn: how the project's default English fill-mask model is made.
//!
//! The lecture's "pre-train BERT by filling blanks", for real but small: a pre-trained BERT
//! encoder (all-MiniLM-L6-v2, which has no masked-LM head) gets a new head — dense → GELU →
//! LayerNorm → decoder tied to the word embeddings, plus bias — and the whole model is
//! trained on public-domain English text with BERT's masking objective (see [`corpus`]),
//! AdamW with linear warm-up and linear decay, per-tensor gradient-norm clipping, on
//! Burn's autodiff over the flex CPU backend (both cores through rayon).
//!
//! Runs are resumable: a run directory holds the latest checkpoint (Burn's own record
//! format for the model and the optimizer state) and `state.json` (step, tokens seen,
//! wall time, learning curve). The data order and every masking decision derive from the
//! seed and the step number, so a resumed run sees exactly the batches an uninterrupted one
//! would.

pub mod cloze;
pub mod corpus;
pub mod export;
pub mod gpt;
pub mod heads;
pub mod run;
pub mod scratch;
pub mod train;

/// The device the trainers run on: Burn's default device where the `vulkan` feature is built
/// in (the GPU; `BURN_DEVICE` overrides), else the models' CPU device. Export and evaluation
/// stay on the CPU device either way.
pub fn train_device() -> burn::prelude::Device {
    #[cfg(feature = "vulkan")]
    {
        burn::prelude::Device::default()
    }
    #[cfg(not(feature = "vulkan"))]
    {
        tlab_models::device()
    }
}
