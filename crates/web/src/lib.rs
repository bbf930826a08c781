//! The wasm-bindgen shell: bytes in, serde values out, every call `Result<_, JsError>`.
//!
//! No math and no model logic here — that lives in `tlab-tasks`/`tlab-models`, which build
//! and test natively. Inputs are validated there, so a bad text or a wrong file becomes an
//! error message the page can show instead of a panic (which would kill the worker's wasm).

use serde::Serialize;
use tlab_tasks::fill_mask::FillMask;
use wasm_bindgen::prelude::*;

fn to_js<T: Serialize>(value: &T) -> Result<JsValue, JsError> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| JsError::new(&format!("could not pass the result to JavaScript: {e}")))
}

fn js_err(e: tlab_tasks::TaskError) -> JsError {
    JsError::new(&e.to_string())
}

/// A Hugging Face `BertForMaskedLM` checkpoint, loaded from its files' bytes.
#[wasm_bindgen]
pub struct FillMaskModel {
    inner: FillMask,
}

#[wasm_bindgen]
impl FillMaskModel {
    /// `config.json`, `tokenizer.json`, `model.safetensors`, optional `tokenizer_config.json`.
    #[wasm_bindgen(constructor)]
    pub fn new(
        config: &[u8],
        tokenizer: &[u8],
        weights: &[u8],
        tokenizer_config: Option<Vec<u8>>,
    ) -> Result<FillMaskModel, JsError> {
        let inner = FillMask::from_bytes(config, tokenizer, weights, tokenizer_config.as_deref())
            .map_err(js_err)?;
        Ok(Self { inner })
    }

    /// `{layers, hidden, heads, vocab, max_tokens, mask_token, parameters}`
    pub fn info(&self) -> Result<JsValue, JsError> {
        to_js(&self.inner.info())
    }

    /// `{input_ids, tokens, masks: [{position, candidates: [{id, token, prob}]}], filled}`
    pub fn fill(&self, text: &str, top_k: usize) -> Result<JsValue, JsError> {
        to_js(&self.inner.fill(text, top_k).map_err(js_err)?)
    }

    /// `{input_ids, mask_positions, logits: [[f32; vocab]; n_masks]}`
    pub fn logits(&self, text: &str) -> Result<JsValue, JsError> {
        to_js(&self.inner.mask_logits(text).map_err(js_err)?)
    }

    /// `{tokens, layers: [layer][head][query][key]}`
    pub fn attentions(&self, text: &str) -> Result<JsValue, JsError> {
        to_js(&self.inner.attentions(text).map_err(js_err)?)
    }
}
