//! Tasks on the Burn models: text in, plain serde structs out. Builds natively (CLI,
//! tests, benchmarks) and for wasm32 (the web shell), with no browser code of its own.

pub mod classify;
pub mod encoder;
pub mod fill_mask;
pub mod finetune;
pub mod generate;
pub mod heads;
pub mod inspect;
pub mod masking;
pub mod pretrain;
pub mod qa;
pub mod shortlist;
pub mod tag;
pub mod tokenizer;
pub mod translate;
pub mod tune_layers;

pub use tlab_models;

/// Everything that can go wrong in a task, in words meant for the person using it.
#[derive(Debug, thiserror::Error)]
pub enum TaskError {
    #[error(transparent)]
    Load(#[from] tlab_models::weights::LoadError),
    #[error(transparent)]
    Read(#[from] tlab_models::readout::ReadError),
    #[error("{0}")]
    Tokenizer(String),
    #[error("{0}")]
    Input(String),
    #[error("{0}")]
    Io(String),
    #[error("internal error: {0}")]
    Internal(String),
}

/// Tensors of `ckpt` that no loader read, less those matching `ignored` (substrings of
/// names a model leaves unread on purpose).
pub(crate) fn unused_tensors(
    ckpt: &tlab_models::weights::Checkpoint,
    ignored: &[&str],
) -> Vec<String> {
    ckpt.unused()
        .into_iter()
        .filter(|n| !ignored.iter().any(|i| n.contains(i)))
        .collect()
}

/// The warning the page shows for unread tensors, if any.
pub(crate) fn unused_warning(unused: &[String]) -> Option<String> {
    let shown: Vec<&str> = unused.iter().take(5).map(String::as_str).collect();
    (!unused.is_empty()).then(|| {
        format!(
            "{} tensor(s) in the weights are not used by this model ({}{}): they may belong to \
             a head or layer this model does not have",
            unused.len(),
            shown.join(", "),
            if unused.len() > shown.len() {
                ", …"
            } else {
                ""
            }
        )
    })
}

/// The error for NaN or infinite model outputs. Load-time checks refuse non-finite weights
/// and bad `layer_norm_eps`; this catches whatever still overflows, instead of showing
/// `NaN %` or an empty answer as if it were one.
pub(crate) fn non_finite_error() -> TaskError {
    TaskError::Input(
        "the model produced NaN or infinite numbers: its weights are probably damaged or far \
         out of range, or config.json does not match them (layer_norm_eps, hidden_act)"
            .into(),
    )
}

/// One file of a model directory, for the native `from_dir` loaders (the page passes bytes).
#[cfg(not(target_arch = "wasm32"))]
pub(crate) fn read_model_file(dir: &std::path::Path, name: &str) -> Result<Vec<u8>, TaskError> {
    let path = dir.join(name);
    std::fs::read(&path).map_err(|e| TaskError::Io(format!("cannot read {}: {e}", path.display())))
}
