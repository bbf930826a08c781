//! Converters from checkpoint formats the runtime does not read into the model directories
//! it does (`config.json`, `tokenizer.json`, `model.safetensors`): Marian/Bergamot's `.bin`
//! ([`marian_bin`]) and PyTorch BERT checkpoints with a `vocab.txt` ([`bert`]).
//!
//! Bytes and paths in, bytes out: writing the directory and checking that it loads is the
//! CLI's job (`tlab convert-marian`, `tlab convert-bert`), which is the only user of this
//! crate — the page and the tasks never link it.

pub mod bert;
pub mod marian_bin;

/// A conversion that cannot be done, in words.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ConvertError(pub String);

impl From<String> for ConvertError {
    fn from(s: String) -> Self {
        Self(s)
    }
}

impl From<&str> for ConvertError {
    fn from(s: &str) -> Self {
        Self(s.to_string())
    }
}
