//! The wasm-bindgen shell: bytes in, serde values out, every call `Result<_, JsError>`.
//!
//! No math and no model logic here — that lives in `tlab-tasks`/`tlab-models`, which build
//! and test natively. Inputs are validated there, so a bad text or a wrong file becomes an
//! error message the page can show instead of a panic (which would kill the worker's wasm).

use serde::Serialize;
use tlab_tasks::fill_mask::FillMask;
use tlab_tasks::translate::{TranslateOptions, Translator};
use wasm_bindgen::prelude::*;

/// Runs when the module is instantiated: a panic (a bug: every input error is a `Result`)
/// then prints its message to the console before the instance aborts, and the worker can
/// tell the page what crashed instead of dying silently.
#[wasm_bindgen(start)]
pub fn start() {
    console_error_panic_hook::set_once();
}

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

    /// `{layers, hidden, heads, vocab, max_tokens, mask_token, parameters, classifiers}`
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

    /// `[{head, label, prob, classes: [{label, prob}]}]`: the checkpoint's sequence
    /// classifiers on `text` (AntiBERTy: species, chain); `[]` when `info().classifiers` is empty.
    pub fn classify(&self, text: &str) -> Result<JsValue, JsError> {
        to_js(&self.inner.classify(text).map_err(js_err)?)
    }

    /// `{tokens, layers: [layer][head][query][key]}`
    pub fn attentions(&self, text: &str) -> Result<JsValue, JsError> {
        to_js(&self.inner.attentions(text).map_err(js_err)?)
    }

    /// `{algorithm, pieces: [{id, piece, special, start, end}]}`
    pub fn tokenize(&self, text: &str) -> Result<JsValue, JsError> {
        to_js(&self.inner.tokenize(text).map_err(js_err)?)
    }

    /// BERT's pre-training masking of `text` for `seed`, and the model's predictions:
    /// `{seed, tokens, corrupted_tokens, positions: [{position, kind, original, shown,
    /// prob_original, candidates}], loss}`
    #[wasm_bindgen(js_name = pretrainDemo)]
    pub fn pretrain_demo(&self, text: &str, seed: u32, top_k: usize) -> Result<JsValue, JsError> {
        to_js(
            &self
                .inner
                .pretrain_demo(text, u64::from(seed), top_k)
                .map_err(js_err)?,
        )
    }
}

/// An encoder–decoder translation model directory, loaded from its files' bytes.
#[wasm_bindgen]
pub struct TranslateModel {
    inner: Translator,
}

/// Options from JavaScript: `{beam, alpha, maxNewTokens, traceTopK, attentions}`, all optional.
#[derive(serde::Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct JsTranslateOptions {
    beam: Option<usize>,
    alpha: Option<f32>,
    max_new_tokens: Option<usize>,
    trace_top_k: Option<usize>,
    attentions: Option<bool>,
}

#[wasm_bindgen]
impl TranslateModel {
    /// `config.json`, `tokenizer.json`, `model.safetensors`, optional `shortlist.bin`.
    #[wasm_bindgen(constructor)]
    pub fn new(
        config: &[u8],
        tokenizer: &[u8],
        weights: &[u8],
        shortlist: Option<Vec<u8>>,
    ) -> Result<TranslateModel, JsError> {
        let inner = Translator::from_bytes(config, tokenizer, weights, shortlist.as_deref())
            .map_err(js_err)?;
        Ok(Self { inner })
    }

    /// `{d_model, encoder_layers, decoder_layers, …, warnings: [string]}` (the model's
    /// config.json as read, and anything the page should tell the user about the files).
    pub fn info(&self) -> Result<JsValue, JsError> {
        to_js(&self.inner.info())
    }

    /// `{translation, tokens, score, nbest: [{translation, ids, tokens, score, log_prob}], source_ids, source_tokens, trace?, cross_attentions?}`
    pub fn translate(&self, text: &str, options: JsValue) -> Result<JsValue, JsError> {
        let o: JsTranslateOptions = if options.is_undefined() || options.is_null() {
            JsTranslateOptions::default()
        } else {
            serde_wasm_bindgen::from_value(options)
                .map_err(|e| JsError::new(&format!("translation options are not valid: {e}")))?
        };
        let defaults = TranslateOptions::default();
        let opts = TranslateOptions {
            beam: o.beam.unwrap_or(defaults.beam),
            alpha: o.alpha.unwrap_or(defaults.alpha),
            max_new_tokens: o.max_new_tokens,
            trace_top_k: o.trace_top_k.unwrap_or(0),
            want_attentions: o.attentions.unwrap_or(false),
        };
        to_js(&self.inner.translate(text, &opts).map_err(js_err)?)
    }

    /// `{algorithm, pieces: [{id, piece, special, start, end}]}` (end-of-sentence included)
    pub fn tokenize(&self, text: &str) -> Result<JsValue, JsError> {
        to_js(&self.inner.tokenize(text).map_err(js_err)?)
    }

    /// The encoder's self-attention: `{tokens, layers: [layer][head][query][key]}`
    #[wasm_bindgen(js_name = encoderAttentions)]
    pub fn encoder_attentions(&self, text: &str) -> Result<JsValue, JsError> {
        to_js(&self.inner.encoder_attentions(text).map_err(js_err)?)
    }

    /// Teacher forcing with attention: the fields of `teacherForce` plus
    /// `{decoder_self_attention: "attention" | "ssru", cross_attentions: [pos][layer][head][src],
    /// self_attentions: [pos][layer][head][0..=pos]}`
    #[wasm_bindgen(js_name = teacherForceAttentions)]
    pub fn teacher_force_attentions(
        &self,
        source: &str,
        reference: &str,
    ) -> Result<JsValue, JsError> {
        to_js(
            &self
                .inner
                .teacher_force_attentions(source, reference)
                .map_err(js_err)?,
        )
    }

    /// Teacher forcing: `{source_tokens, target_ids, target_tokens, positions: [...], log_likelihood}`
    #[wasm_bindgen(js_name = teacherForce)]
    pub fn teacher_force(&self, source: &str, reference: &str) -> Result<JsValue, JsError> {
        to_js(
            &self
                .inner
                .teacher_force(source, reference)
                .map_err(js_err)?,
        )
    }
}
