//! Fuzzed `model.safetensors`: the raw checkpoint reader (every tensor read back in its own
//! dtype and shape), then the BERT or Marian loader with a fixture config and tokenizer,
//! and one call on whatever loads.
//!
//! Building a tokenizer costs more than everything else here, so each loader runs only when
//! the header has its embedding tensor, with the fixture config whose width that tensor
//! has (bert-gelu or bert-gelu-new-f16; marian-relu or MARIAN_TINY_CONFIG, so that the small
//! seeds of fuzz/seeds/make_seeds.py reach the model). A loader that could not find its
//! first tensor would fail right there anyway.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tlab_fuzz::*;
use tlab_models::weights::Checkpoint;
use tlab_tasks::fill_mask::FillMask;
use tlab_tasks::translate::Translator;

fuzz_target!(|data: &[u8]| {
    let device = tlab_models::device();
    let Some(ckpt) = ok(
        "Checkpoint::from_bytes",
        Checkpoint::from_bytes(data, &device),
    ) else {
        return; // both loaders start with this same call
    };
    // Shapes come from the safetensors crate's own view of the header.
    let Ok(st) = safetensors::SafeTensors::deserialize(data) else {
        return;
    };
    for (name, view) in st.tensors().into_iter().take(64) {
        let _ = ckpt.values(&name, view.shape());
    }
    let width = |names: &[&str]| {
        names
            .iter()
            .find_map(|n| st.tensor(n).ok())
            .map(|v| v.shape().get(1).copied().unwrap_or(0))
    };
    let bert_words = [
        "bert.embeddings.word_embeddings.weight",
        "embeddings.word_embeddings.weight",
    ];
    if let Some(w) = width(&bert_words) {
        let (config, tokenizer) = if w == 32 {
            (BERT_SMALL_CONFIG, BERT_SMALL_TOKENIZER)
        } else {
            (BERT_CONFIG, BERT_TOKENIZER)
        };
        let bert = FillMask::from_bytes(config, tokenizer, data, None);
        if let Some(model) = ok("FillMask::from_bytes", bert) {
            exercise_fill_mask(&model);
        }
    }
    let marian_shared = ["model.shared.weight", "model.encoder.embed_tokens.weight"];
    if let Some(w) = width(&marian_shared) {
        let config = if w == 8 {
            MARIAN_TINY_CONFIG
        } else {
            MARIAN_CONFIG
        };
        let marian = Translator::from_bytes(config, MARIAN_TOKENIZER, data, None);
        if let Some(model) = ok("Translator::from_bytes", marian) {
            exercise_translator(&model, false);
        }
    }
});
