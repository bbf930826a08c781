//! Tasks on the Burn models: text in, plain serde structs out. Builds natively (CLI,
//! tests, benchmarks) and for wasm32 (the web shell), with no browser code of its own.

pub mod fill_mask;
pub mod heads;
pub mod inspect;
pub mod masking;
pub mod shortlist;
pub mod translate;

pub use tlab_models;

/// Everything that can go wrong in a task, in words meant for the person using it.
#[derive(Debug, thiserror::Error)]
pub enum TaskError {
    #[error(transparent)]
    Load(#[from] tlab_models::weights::LoadError),
    #[error(transparent)]
    Marian(#[from] tlab_models::marian_bin::MarianError),
    #[error("{0}")]
    Tokenizer(String),
    #[error("{0}")]
    Input(String),
    #[error("{0}")]
    Io(String),
    #[error("internal error: {0}")]
    Internal(String),
}
