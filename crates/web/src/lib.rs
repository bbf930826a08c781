//! The wasm-bindgen shell: bytes in, serde values out, every call `Result<_, JsError>`.
//!
//! No math and no model logic here — that lives in `tlab-tasks`/`tlab-models`, which build
//! and test natively. Inputs are validated there, so a bad text or a wrong file becomes an
//! error message the page can show instead of a panic (which would kill the worker's wasm).

use serde::Serialize;
use tlab_tasks::classify::SentenceClassifier;
use tlab_tasks::encoder::ModelFiles;
use tlab_tasks::fill_mask::FillMask;
use tlab_tasks::finetune::{FineTuneJob, FrozenEncoder, HeadTrainConfig, TrainingData};
use tlab_tasks::generate::{GenerateOptions, Generator, Strategy};
use tlab_tasks::inspect::{ReaderKind, TokenizerOnly};
use tlab_tasks::qa::QuestionAnswerer;
use tlab_tasks::tag::TokenClassifier;
use tlab_tasks::tlab_models::decoding::SampleOptions;
use tlab_tasks::translate::{TranslateOptions, Translator};
use tlab_tasks::tune_layers::LayerTuning;
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

/// An options object from JavaScript; `undefined` or `null` means every default.
fn options_from_js<T: serde::de::DeserializeOwned + Default>(
    options: JsValue,
    what: &str,
) -> Result<T, JsError> {
    if options.is_undefined() || options.is_null() {
        return Ok(T::default());
    }
    serde_wasm_bindgen::from_value(options)
        .map_err(|e| JsError::new(&format!("{what} options are not valid: {e}")))
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
    /// The checkpoint's files by name, either hub layout: `{"config.json": bytes,
    /// "tokenizer.json" | "vocab.txt": …, "tokenizer_config.json"?: …,
    /// "model.safetensors" | "pytorch_model.bin": …}`.
    #[wasm_bindgen(constructor)]
    pub fn new(files: JsValue) -> Result<FillMaskModel, JsError> {
        let inner = FillMask::from_files(&model_files(&files)?).map_err(js_err)?;
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

    /// Every token's vector through encoder block `layer` (0-based), stage by stage:
    /// `{tokens, layer, layers, hidden, stages: [{name, vectors, norms, means, stds}]}`
    #[wasm_bindgen(js_name = encoderBlock)]
    pub fn encoder_block(&self, text: &str, layer: usize) -> Result<JsValue, JsError> {
        to_js(&self.inner.encoder_block(text, layer).map_err(js_err)?)
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
        let o: JsTranslateOptions = options_from_js(options, "translation")?;
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

/// `{"config.json": Uint8Array, "vocab.txt": …, …}` → the model's files (names as
/// `tlab_tasks::encoder::FILE_NAMES`; either Hugging Face layout).
/// A Hugging Face `GPT2LMHeadModel` checkpoint, loaded from its files' bytes.
#[wasm_bindgen]
pub struct GenerateModel {
    inner: Generator,
}

/// Options from JavaScript: `{maxNewTokens, beam, alpha, sample, temperature, topK, topP,
/// seed, repetitionPenalty, topShown, attentions}`, all optional.
#[derive(serde::Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct JsGenerateOptions {
    max_new_tokens: Option<usize>,
    beam: Option<usize>,
    alpha: Option<f32>,
    sample: bool,
    temperature: Option<f32>,
    top_k: Option<usize>,
    top_p: Option<f32>,
    seed: Option<u32>,
    repetition_penalty: Option<f32>,
    top_shown: Option<usize>,
    attentions: bool,
}

impl JsGenerateOptions {
    fn options(self) -> GenerateOptions {
        let d = GenerateOptions::default();
        let beam = self.beam.unwrap_or(1);
        let strategy = if self.sample {
            Strategy::Sample(
                SampleOptions {
                    temperature: self.temperature.unwrap_or(1.0),
                    top_k: self.top_k.unwrap_or(0),
                    top_p: self.top_p.unwrap_or(1.0),
                },
                u64::from(self.seed.unwrap_or(0)),
            )
        } else if beam != 1 {
            Strategy::Beam {
                width: beam,
                length_penalty: self.alpha.unwrap_or(1.0),
            }
        } else {
            Strategy::Greedy
        };
        GenerateOptions {
            max_new_tokens: self.max_new_tokens.unwrap_or(d.max_new_tokens),
            strategy,
            repetition_penalty: self.repetition_penalty.unwrap_or(1.0),
            top_shown: self.top_shown.unwrap_or(d.top_shown),
            want_attentions: self.attentions,
        }
    }
}

#[wasm_bindgen]
impl GenerateModel {
    /// The checkpoint's files by name: `{"config.json": bytes, "tokenizer.json" |
    /// "vocab.json" + "merges.txt" | "vocab.txt": …, "tokenizer_config.json"?: …,
    /// "model.safetensors" | "pytorch_model.bin": …}`.
    #[wasm_bindgen(constructor)]
    pub fn new(files: JsValue) -> Result<GenerateModel, JsError> {
        let inner = Generator::from_files(&model_files(&files)?).map_err(js_err)?;
        Ok(Self { inner })
    }

    /// `{layers, hidden, heads, vocab, max_tokens, parameters, eos_token, warnings}`
    pub fn info(&self) -> Result<JsValue, JsError> {
        to_js(&self.inner.info())
    }

    /// `{text, ids, tokens, steps: [{id, token, prob, top: [{id, token, prob}]}],
    /// ended_with_eos, prompt_ids, prompt_tokens, nbest, beam_trace, attentions}`
    pub fn generate(&self, prompt: &str, options: JsValue) -> Result<JsValue, JsError> {
        let o: JsGenerateOptions = options_from_js(options, "generation")?;
        to_js(&self.inner.generate(prompt, &o.options()).map_err(js_err)?)
    }

    /// As `generate`, from token ids (parity tests feed the reference's ids).
    #[wasm_bindgen(js_name = generateIds)]
    pub fn generate_ids(&self, ids: Vec<u32>, options: JsValue) -> Result<JsValue, JsError> {
        let o: JsGenerateOptions = options_from_js(options, "generation")?;
        to_js(
            &self
                .inner
                .generate_ids(&ids, &o.options())
                .map_err(js_err)?,
        )
    }

    /// `[[f32; vocab]; n]`: logits at every position of one causal pass over `ids`.
    pub fn logits(&self, ids: Vec<u32>) -> Result<JsValue, JsError> {
        to_js(&self.inner.logits_of(&ids).map_err(js_err)?)
    }

    /// The prompt's ids as the model reads them (with the tokenizer's leading tokens).
    #[wasm_bindgen(js_name = encodePrompt)]
    pub fn encode_prompt(&self, text: &str) -> Result<Vec<u32>, JsError> {
        self.inner.encode_prompt(text).map_err(js_err)
    }

    /// `{ids, tokens, layers: [layer][head][query][key]}`: masked self-attention of the
    /// prompt; every entry above the diagonal is exactly 0.
    pub fn attentions(&self, text: &str) -> Result<JsValue, JsError> {
        to_js(&self.inner.attentions(text).map_err(js_err)?)
    }

    /// As `attentions`, from token ids.
    #[wasm_bindgen(js_name = attentionsIds)]
    pub fn attentions_ids(&self, ids: Vec<u32>) -> Result<JsValue, JsError> {
        to_js(&self.inner.attentions_of(&ids).map_err(js_err)?)
    }
}

fn model_files(files: &JsValue) -> Result<ModelFiles, JsError> {
    ModelFiles::from_named(named_files(files)?).map_err(js_err)
}

/// `{name: Uint8Array}` → (name, bytes); null or undefined entries are skipped.
fn named_files(files: &JsValue) -> Result<Vec<(String, Vec<u8>)>, JsError> {
    let object = files
        .dyn_ref::<js_sys::Object>()
        .ok_or_else(|| JsError::new("the model files must be an object of file name → bytes"))?;
    let mut named = Vec::new();
    for entry in js_sys::Object::entries(object).iter() {
        let pair = js_sys::Array::from(&entry);
        let name = pair.get(0).as_string().unwrap_or_default();
        let value = pair.get(1);
        if value.is_null() || value.is_undefined() {
            continue;
        }
        let bytes = value.dyn_into::<js_sys::Uint8Array>().map_err(|_| {
            JsError::new(&format!(
                "the model file {name} must be bytes (a Uint8Array)"
            ))
        })?;
        named.push((name, bytes.to_vec()));
    }
    Ok(named)
}

/// A checkpoint's tokenizer without its weights (`config.json` + the tokenizer's files),
/// reading text exactly as its model does: the tokenizer view needs no 46 MB download.
#[wasm_bindgen]
pub struct TokenizerModel {
    inner: TokenizerOnly,
}

#[wasm_bindgen]
impl TokenizerModel {
    /// `kind`: `"bert"` or `"translate"`; `files`: `{"config.json": bytes, "tokenizer.json"
    /// | "vocab.txt": …, "tokenizer_config.json"?: …}` (weights are not needed).
    #[wasm_bindgen(constructor)]
    pub fn new(kind: &str, files: JsValue) -> Result<TokenizerModel, JsError> {
        let kind = match kind {
            "bert" => ReaderKind::Bert,
            "translate" => ReaderKind::Translation,
            other => {
                return Err(JsError::new(&format!(
                    "a tokenizer is read as \"bert\" or \"translate\", not {other:?}"
                )));
            }
        };
        let inner = TokenizerOnly::from_named(kind, named_files(&files)?).map_err(js_err)?;
        Ok(Self { inner })
    }

    /// `{reads, bytes, warnings, layers, hidden, vocab}` (BERT) or `{reads, bytes, warnings,
    /// encoder_layers, decoder_layers, d_model, vocab_size}` (translation), from config.json.
    pub fn info(&self) -> Result<JsValue, JsError> {
        to_js(&self.inner.info())
    }

    /// `{algorithm, pieces: [{id, piece, special, start, end}]}`, as the model's own
    /// `tokenize` returns it.
    pub fn tokenize(&self, text: &str) -> Result<JsValue, JsError> {
        to_js(&self.inner.tokenize(text).map_err(js_err)?)
    }
}

/// A `BertForSequenceClassification` and/or next-sentence (`BertForPreTraining`) checkpoint.
#[wasm_bindgen]
pub struct SentenceClassifierModel {
    inner: SentenceClassifier,
}

#[wasm_bindgen]
impl SentenceClassifierModel {
    /// `files`: file name → bytes (config.json; tokenizer.json or vocab.txt
    /// [+ tokenizer_config.json]; model.safetensors or pytorch_model.bin [+ head.safetensors]).
    #[wasm_bindgen(constructor)]
    pub fn new(files: JsValue) -> Result<SentenceClassifierModel, JsError> {
        let inner = SentenceClassifier::from_files(&model_files(&files)?).map_err(js_err)?;
        Ok(Self { inner })
    }

    /// `{layers, hidden, labels, multi_label, next_sentence, warnings}`
    pub fn info(&self) -> Result<JsValue, JsError> {
        to_js(&self.inner.info())
    }

    /// `{labels: [{id, label, prob}] (most probable first), multi_label}`; `pair` makes it a
    /// sentence-pair input.
    pub fn classify(&self, text: &str, pair: Option<String>) -> Result<JsValue, JsError> {
        to_js(&self.inner.classify(text, pair.as_deref()).map_err(js_err)?)
    }

    /// `{is_next}`: P(`b` follows `a`).
    #[wasm_bindgen(js_name = nextSentence)]
    pub fn next_sentence(&self, a: &str, b: &str) -> Result<JsValue, JsError> {
        to_js(&self.inner.next_sentence(a, b).map_err(js_err)?)
    }
}

/// A `BertForTokenClassification` checkpoint (or an encoder with a `head.safetensors`).
#[wasm_bindgen]
pub struct TokenClassifierModel {
    inner: TokenClassifier,
}

#[wasm_bindgen]
impl TokenClassifierModel {
    /// `files` as for `SentenceClassifierModel`.
    #[wasm_bindgen(constructor)]
    pub fn new(files: JsValue) -> Result<TokenClassifierModel, JsError> {
        let inner = TokenClassifier::from_files(&model_files(&files)?).map_err(js_err)?;
        Ok(Self { inner })
    }

    /// `{layers, hidden, labels, warnings}`
    pub fn info(&self) -> Result<JsValue, JsError> {
        to_js(&self.inner.info())
    }

    /// `{words: [{word, start, end, label, prob}]}` (character offsets).
    pub fn tag(&self, text: &str) -> Result<JsValue, JsError> {
        to_js(&self.inner.tag(text).map_err(js_err)?)
    }
}

/// A `BertForQuestionAnswering` checkpoint.
#[wasm_bindgen]
pub struct QuestionAnsweringModel {
    inner: QuestionAnswerer,
}

#[wasm_bindgen]
impl QuestionAnsweringModel {
    /// `files` as for `SentenceClassifierModel`.
    #[wasm_bindgen(constructor)]
    pub fn new(files: JsValue) -> Result<QuestionAnsweringModel, JsError> {
        let inner = QuestionAnswerer::from_files(&model_files(&files)?).map_err(js_err)?;
        Ok(Self { inner })
    }

    /// `{layers, hidden, max_seq_len, warnings}`
    pub fn info(&self) -> Result<JsValue, JsError> {
        to_js(&self.inner.info())
    }

    /// `{answer, start, end, score, windows, tokens: [{token, start, end, p_start, p_end}]}`
    /// (character offsets into `context`; the tokens of the answer's window).
    pub fn answer(&self, question: &str, context: &str) -> Result<JsValue, JsError> {
        let options = self.inner.default_options();
        to_js(
            &self
                .inner
                .answer(question, context, options)
                .map_err(js_err)?,
        )
    }
}

/// Fine-tuning options from JavaScript, all optional: `{learningRate, batch, weightDecay,
/// seed}` for the head; `{topLayers, layerLearningRate, layerBatch}` to train the top
/// encoder blocks with it (`topLayers` 0, the default: the head alone).
#[derive(serde::Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct JsTrainOptions {
    learning_rate: Option<f64>,
    batch: Option<usize>,
    weight_decay: Option<f32>,
    seed: Option<u64>,
    top_layers: Option<usize>,
    layer_learning_rate: Option<f64>,
    layer_batch: Option<usize>,
}

/// Fine-tuning a head in the page on a frozen BERT encoder (see `tlab_tasks::finetune`): the
/// worker alternates `featurize`/`train` calls with messages.
#[wasm_bindgen]
pub struct FineTune {
    inner: FineTuneJob,
}

#[wasm_bindgen]
impl FineTune {
    /// `files`: the encoder (as for `SentenceClassifierModel`); `train`, `held_out`: one
    /// example per line, all in one form: `word/TAG word/TAG …` or `{"words", "tags"}` JSON
    /// (tagging), `text<TAB>label` or `sentence A<TAB>sentence B<TAB>label` (classification).
    #[wasm_bindgen(constructor)]
    pub fn new(
        files: JsValue,
        train: &str,
        held_out: &str,
        options: JsValue,
    ) -> Result<FineTune, JsError> {
        let o: JsTrainOptions = options_from_js(options, "training")?;
        let d = HeadTrainConfig::default();
        let config = HeadTrainConfig {
            learning_rate: o.learning_rate.unwrap_or(d.learning_rate),
            batch: o.batch.unwrap_or(d.batch),
            weight_decay: o.weight_decay.unwrap_or(d.weight_decay),
            seed: o.seed.unwrap_or(d.seed),
        };
        let encoder = FrozenEncoder::from_files(&model_files(&files)?).map_err(js_err)?;
        let parse = |what: &str, text: &str| {
            TrainingData::parse(text)
                .map_err(|e| JsError::new(&format!("the {what} examples: {e}")))
        };
        let mut inner = FineTuneJob::new(
            encoder,
            parse("training", train)?,
            parse("held-out", held_out)?,
            config,
        )
        .map_err(js_err)?;
        let t = LayerTuning::default();
        inner
            .tune_top_layers(LayerTuning {
                layers: o.top_layers.unwrap_or(0),
                learning_rate: o.layer_learning_rate.unwrap_or(t.learning_rate),
                batch: o.layer_batch.unwrap_or(t.batch),
            })
            .map_err(js_err)?;
        Ok(Self { inner })
    }

    /// `"tag"` (one label per word) or `"classify"` (one label per text or pair).
    pub fn task(&self) -> Result<JsValue, JsError> {
        to_js(&self.inner.task())
    }

    /// How many top encoder blocks train with the head (0: the head alone).
    #[wasm_bindgen(js_name = tunedLayers)]
    pub fn tuned_layers(&self) -> usize {
        self.inner.tuned_layers()
    }

    /// The labels, in the head's id order.
    pub fn labels(&self) -> Result<JsValue, JsError> {
        to_js(&self.inner.labels())
    }

    /// Computes up to `sentences` more examples' features: `{sentences_done, sentences,
    /// train_words, held_out_words}` (words for tagging, texts for classification).
    pub fn featurize(&mut self, sentences: usize) -> Result<JsValue, JsError> {
        to_js(&self.inner.featurize(sentences).map_err(js_err)?)
    }

    /// `steps` more optimizer steps: `{step, epochs, loss, held_out_accuracy}`.
    pub fn train(&mut self, steps: usize) -> Result<JsValue, JsError> {
        to_js(&self.inner.train(steps).map_err(js_err)?)
    }

    /// A fresh head (same features, same seed).
    pub fn reset(&mut self) {
        self.inner.reset();
    }

    /// The head's answer as it is now: `{words: [{word, start, end, label, prob}]}` (tagging)
    /// or `{labels: [{id, label, prob}], multi_label}` (classification; `pair` for pairs).
    pub fn predict(&mut self, text: &str, pair: Option<String>) -> Result<JsValue, JsError> {
        to_js(&self.inner.predict(text, pair.as_deref()).map_err(js_err)?)
    }

    /// `{config_json, head_safetensors}`: save beside the encoder's files as `config.json`
    /// and `head.safetensors`; the tagging (or classification) widget and `tlab tag`
    /// (`tlab classify`) load them.
    pub fn export(&mut self) -> Result<JsValue, JsError> {
        let e = self.inner.export().map_err(js_err)?;
        // By hand: the JSON-compatible serializer would turn the bytes into a number array.
        let out = js_sys::Object::new();
        let set = |k: &str, v: &JsValue| {
            js_sys::Reflect::set(&out, &JsValue::from_str(k), v)
                .map(drop)
                .map_err(|_| JsError::new("could not pass the exported head to JavaScript"))
        };
        set("config_json", &JsValue::from_str(&e.config_json))?;
        set(
            "head_safetensors",
            &js_sys::Uint8Array::from(e.head_safetensors.as_slice()).into(),
        )?;
        Ok(out.into())
    }
}
