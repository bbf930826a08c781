//! Fill-mask: text with `[MASK]`s in, the top-k words for every mask out.
//!
//! Tokenization is the `tokenizers` crate's, from the checkpoint's own `tokenizer.json`;
//! the mask token is read from the tokenizer (or `tokenizer_config.json`), never assumed.
//! The model is `tlab_models::bert::BertForMaskedLM`; only masked positions go through the
//! vocabulary projection.

use burn::prelude::*;
use burn::tensor::activation::softmax;
use serde::Serialize;
use tlab_models::bert::{BertConfig, BertForMaskedLM};
use tlab_models::burn;
use tlab_models::readout;
use tlab_models::weights::Checkpoint;
use tokenizers::Tokenizer;

use crate::TaskError;
use crate::encoder::{ModelFiles, TokenizerFiles};
use crate::heads::{HeadPrediction, SequenceHeads};

/// The largest k a caller may ask for (the page offers 1–50).
pub const MAX_TOP_K: usize = 50;

/// A loaded masked-LM checkpoint with its tokenizer.
pub struct FillMask {
    pub(crate) model: BertForMaskedLM,
    pub(crate) config: BertConfig,
    pub(crate) tokenizer: Tokenizer,
    mask_token: String,
    pub(crate) mask_id: u32,
    /// Ids of the tokenizer's special tokens ([CLS], [PAD], [MASK], …).
    pub(crate) special_ids: Vec<u32>,
    /// Sequence classifiers named in config.json's `classifier_heads` (see `heads.rs`).
    heads: Option<SequenceHeads>,
    /// Tensors of the weights file this model does not read (shown as a warning).
    unused_tensors: Vec<String>,
    device: Device,
}

/// Tensors a `BertForMaskedLM` leaves unread on purpose: the pooler and next-sentence head
/// of `BertForPreTraining` checkpoints, and a buffer older exports save.
const IGNORED_TENSORS: &[&str] = &[
    "pooler.",
    "cls.seq_relationship.",
    "embeddings.position_ids",
];

/// `tlab fill-mask --json` and the page print this.
#[derive(Debug, Clone, Serialize)]
pub struct FillMaskOutput {
    pub input_ids: Vec<u32>,
    /// The token strings of `input_ids` (for display; `##` marks a word continuation).
    pub tokens: Vec<String>,
    pub masks: Vec<MaskPrediction>,
    /// The input with every mask replaced by its top choice.
    pub filled: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct MaskPrediction {
    /// Index of the mask in `input_ids`.
    pub position: usize,
    pub candidates: Vec<Candidate>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Candidate {
    pub id: u32,
    pub token: String,
    pub prob: f32,
}

/// Raw logits at the masked positions (parity tests and the lecture views use these).
#[derive(Debug, Clone, Serialize)]
pub struct MaskLogits {
    pub input_ids: Vec<u32>,
    pub mask_positions: Vec<usize>,
    /// `[n_masks][vocab]`
    pub logits: Vec<Vec<f32>>,
}

/// Attention probabilities of every layer and head for one input.
#[derive(Debug, Clone, Serialize)]
pub struct Attentions {
    pub tokens: Vec<String>,
    /// `[layer][head][query][key]`
    pub layers: Vec<Vec<Vec<Vec<f32>>>>,
}

/// Inside one encoder block: every token's vector at each stage of the lecture's diagram.
#[derive(Debug, Clone, Serialize)]
pub struct BlockView {
    pub tokens: Vec<String>,
    /// The block shown (0-based) and how many the model has.
    pub layer: usize,
    pub layers: usize,
    pub hidden: usize,
    /// `input`, `self_attention`, `attn_residual` (input + self-attention), `attn_norm`,
    /// `feed_forward`, `ffn_residual` (attn_norm + feed-forward), `output` (layer norm).
    pub stages: Vec<BlockStage>,
}

#[derive(Debug, Clone, Serialize)]
pub struct BlockStage {
    pub name: &'static str,
    /// `[token][hidden]`
    pub vectors: Vec<Vec<f32>>,
    /// Per token: the vector's L2 norm, mean and standard deviation over `hidden` — what a
    /// layer norm resets (before its learned gain and bias).
    pub norms: Vec<f32>,
    pub means: Vec<f32>,
    pub stds: Vec<f32>,
}

impl BlockStage {
    fn new(name: &'static str, t: Tensor<3>) -> Result<Self, TaskError> {
        let [_, seq, d] = t.dims();
        let vectors = readout::rows(t.reshape([seq, d]))?;
        let stat = |f: &dyn Fn(&[f32]) -> f32| vectors.iter().map(|v| f(v)).collect();
        let mean = |v: &[f32]| v.iter().sum::<f32>() / v.len().max(1) as f32;
        Ok(Self {
            name,
            norms: stat(&|v| v.iter().map(|x| x * x).sum::<f32>().sqrt()),
            means: stat(&mean),
            stds: stat(&|v| {
                let m = mean(v);
                (v.iter().map(|x| (x - m) * (x - m)).sum::<f32>() / v.len().max(1) as f32).sqrt()
            }),
            vectors,
        })
    }
}

/// Basic facts about the loaded checkpoint, for the page's model line.
#[derive(Debug, Clone, Serialize)]
pub struct ModelInfo {
    pub layers: usize,
    pub hidden: usize,
    pub heads: usize,
    pub vocab: usize,
    pub max_tokens: usize,
    pub mask_token: String,
    pub parameters: usize,
    /// Names of the sequence classifiers `classify` runs (empty for most checkpoints).
    pub classifiers: Vec<String>,
    /// Things the page should tell the user about the files (e.g. tensors left unread).
    pub warnings: Vec<String>,
}

pub(crate) struct Encoded {
    pub(crate) ids: Vec<u32>,
    pub(crate) tokens: Vec<String>,
    pub(crate) offsets: Vec<(usize, usize)>,
    pub(crate) mask_positions: Vec<usize>,
}

impl FillMask {
    /// Loads a checkpoint from the bytes of `config.json`, `tokenizer.json`,
    /// `model.safetensors` and, if the checkpoint has one, `tokenizer_config.json`.
    pub fn from_bytes(
        config: &[u8],
        tokenizer: &[u8],
        weights: &[u8],
        tokenizer_config: Option<&[u8]>,
    ) -> Result<Self, TaskError> {
        Self::from_files(&ModelFiles {
            config: config.to_vec(),
            tokenizer: TokenizerFiles::Json(tokenizer.to_vec()),
            tokenizer_config: tokenizer_config.map(<[u8]>::to_vec),
            weights: vec![weights.to_vec()],
        })
    }

    /// Loads a checkpoint in either hub layout: `tokenizer.json` or `vocab.txt` (+
    /// `tokenizer_config.json`), `model.safetensors` or `pytorch_model.bin`.
    pub fn from_files(files: &ModelFiles) -> Result<Self, TaskError> {
        let head_specs = crate::heads::parse_specs(&files.config)?;
        let config = BertConfig::from_json(&files.config)?;
        let tokenizer = files.tokenizer()?;
        let (mask_token, mask_id) = mask_token_and_id(
            &tokenizer,
            files.tokenizer_config.as_deref(),
            config.vocab_size,
        )?;
        let special_ids = crate::tokenizer::special_ids(&tokenizer);
        let device = tlab_models::device();
        let weights = files.safetensors()?;
        let shards: Vec<&[u8]> = weights.iter().map(AsRef::as_ref).collect();
        let ckpt = Checkpoint::from_shards(&shards, &device)?;
        let model = BertForMaskedLM::load(&config, &ckpt)?;
        let heads = SequenceHeads::load(&head_specs, &ckpt, config.hidden_size)?;
        let unused_tensors = crate::unused_tensors(&ckpt, IGNORED_TENSORS);
        Ok(Self {
            unused_tensors,
            model,
            config,
            tokenizer,
            mask_token,
            mask_id,
            special_ids,
            heads,
            device,
        })
    }

    /// Loads a checkpoint directory in either hub layout (see [`Self::from_files`]).
    #[cfg(not(target_arch = "wasm32"))]
    pub fn from_dir(dir: &std::path::Path) -> Result<Self, TaskError> {
        Self::from_files(&ModelFiles::read_dir(dir)?)
    }

    pub fn info(&self) -> ModelInfo {
        use burn::module::Module;
        ModelInfo {
            layers: self.config.num_hidden_layers,
            hidden: self.config.hidden_size,
            heads: self.config.num_attention_heads,
            vocab: self.config.vocab_size,
            max_tokens: self.config.max_position_embeddings,
            mask_token: self.mask_token.clone(),
            // The pooler and heads are not part of `model`; count them too.
            parameters: self.model.num_params()
                + self.heads.as_ref().map_or(0, SequenceHeads::num_params),
            classifiers: self
                .heads
                .as_ref()
                .map_or_else(Vec::new, SequenceHeads::names),
            warnings: crate::unused_warning(&self.unused_tensors)
                .into_iter()
                .collect(),
        }
    }

    pub fn mask_token(&self) -> &str {
        &self.mask_token
    }

    /// The rules this model reads text by (shared with [`crate::inspect::TokenizerOnly`]).
    pub(crate) fn reading(&self) -> Reading<'_> {
        Reading {
            tokenizer: &self.tokenizer,
            mask_token: &self.mask_token,
            mask_id: self.mask_id,
            max_tokens: self.config.max_position_embeddings,
            vocab_size: self.config.vocab_size,
        }
    }

    /// Tokenizes `text` (already passed through `normalise_mask_spelling`; offsets index it).
    pub(crate) fn encode(&self, text: &str, require_mask: bool) -> Result<Encoded, TaskError> {
        self.reading().encode(text, require_mask)
    }

    /// See [`Reading::normalise_mask_spelling`].
    pub(crate) fn normalise_mask_spelling(&self, text: &str) -> String {
        self.reading().normalise_mask_spelling(text)
    }

    pub(crate) fn ids_tensor(&self, ids: &[u32]) -> Tensor<2, Int> {
        let data: Vec<i64> = ids.iter().map(|&i| i as i64).collect();
        Tensor::from_data(TensorData::new(data, [1, ids.len()]), &self.device)
    }

    /// `[n_masks, vocab]` logits for the masks of `enc`.
    fn logits(&self, enc: &Encoded) -> Tensor<2> {
        let out = self
            .model
            .bert
            .forward(self.ids_tensor(&enc.ids), None, None, false);
        self.model.mlm_logits(out.hidden, &enc.mask_positions)
    }

    /// The top-`top_k` tokens for every mask in `text`.
    pub fn fill(&self, text: &str, top_k: usize) -> Result<FillMaskOutput, TaskError> {
        self.check_top_k(top_k)?;
        let text = self.normalise_mask_spelling(text);
        let enc = self.encode(&text, true)?;
        let probs = readout::rows(softmax(self.logits(&enc), 1))?;
        if probs.iter().flatten().any(|v| !v.is_finite()) {
            return Err(crate::non_finite_error());
        }
        let masks: Vec<MaskPrediction> = enc
            .mask_positions
            .iter()
            .zip(&probs)
            .map(|(&position, row)| MaskPrediction {
                position,
                candidates: self.candidates(row, top_k, |p| p),
            })
            .collect();
        let filled = fill_text(&text, &enc, &masks, &self.special_ids);
        Ok(FillMaskOutput {
            input_ids: enc.ids,
            tokens: enc.tokens,
            masks,
            filled,
        })
    }

    pub(crate) fn check_top_k(&self, top_k: usize) -> Result<(), TaskError> {
        let most = MAX_TOP_K.min(self.config.vocab_size);
        if top_k == 0 || top_k > most {
            return Err(TaskError::Input(format!(
                "top-k must be between 1 and {most}, not {top_k}"
            )));
        }
        Ok(())
    }

    /// The `top_k` best tokens of a `[vocab]` row of scores, each with `prob(score)`.
    pub(crate) fn candidates(
        &self,
        row: &[f32],
        top_k: usize,
        prob: impl Fn(f32) -> f32,
    ) -> Vec<Candidate> {
        readout::top_k(row, top_k)
            .into_iter()
            .map(|j| {
                let id = j as u32;
                Candidate {
                    id,
                    token: self.tokenizer.id_to_token(id).unwrap_or_default(),
                    prob: prob(row[j]),
                }
            })
            .collect()
    }

    /// Logits over the whole vocabulary at every mask (what the parity tests compare).
    pub fn mask_logits(&self, text: &str) -> Result<MaskLogits, TaskError> {
        let enc = self.encode(&self.normalise_mask_spelling(text), true)?;
        Ok(MaskLogits {
            logits: readout::rows(self.logits(&enc))?,
            input_ids: enc.ids,
            mask_positions: enc.mask_positions,
        })
    }

    /// Every sequence classifier of the checkpoint on `text` (masks allowed, not required);
    /// empty when the checkpoint has none (`info().classifiers`).
    pub fn classify(&self, text: &str) -> Result<Vec<HeadPrediction>, TaskError> {
        let Some(heads) = &self.heads else {
            return Ok(Vec::new());
        };
        let enc = self.encode(&self.normalise_mask_spelling(text), false)?;
        let out = self
            .model
            .bert
            .forward(self.ids_tensor(&enc.ids), None, None, false);
        heads.classify(out.hidden)
    }

    /// Attention probabilities of every layer and head (masks not required).
    pub fn attentions(&self, text: &str) -> Result<Attentions, TaskError> {
        let enc = self.encode(&self.normalise_mask_spelling(text), false)?;
        let n = enc.ids.len();
        crate::inspect::check_attention_size(
            self.config.num_hidden_layers * self.config.num_attention_heads,
            n,
            n,
        )?;
        let out = self
            .model
            .bert
            .forward(self.ids_tensor(&enc.ids), None, None, true);
        let layers = out
            .attentions
            .into_iter()
            .map(readout::heads)
            .collect::<Result<_, _>>()?;
        Ok(Attentions {
            tokens: enc.tokens,
            layers,
        })
    }

    /// Every token's vector through encoder block `layer`, stage by stage (masks not
    /// required).
    pub fn encoder_block(&self, text: &str, layer: usize) -> Result<BlockView, TaskError> {
        let layers = self.config.num_hidden_layers;
        if layer >= layers {
            return Err(TaskError::Input(format!(
                "layer {} does not exist: this model has {layers} (1 to {layers})",
                layer + 1
            )));
        }
        let enc = self.encode(&self.normalise_mask_spelling(text), false)?;
        let hidden = self.config.hidden_size;
        crate::inspect::check_attention_size(7, enc.ids.len(), hidden)?;
        let Some(st) = self
            .model
            .bert
            .block_stages(self.ids_tensor(&enc.ids), layer)
        else {
            // `layer` was checked against the config above, which the loaded blocks match.
            return Err(TaskError::Internal(format!(
                "encoder block {layer} is missing"
            )));
        };
        let stages = [
            ("input", st.input),
            ("self_attention", st.attended),
            ("attn_residual", st.attn_residual),
            ("attn_norm", st.attn_norm),
            ("feed_forward", st.ffn),
            ("ffn_residual", st.ffn_residual),
            ("output", st.output),
        ]
        .into_iter()
        .map(|(name, t)| BlockStage::new(name, t))
        .collect::<Result<Vec<_>, _>>()?;
        if stages
            .iter()
            .any(|s| s.norms.iter().any(|n| !n.is_finite()))
        {
            return Err(crate::non_finite_error());
        }
        Ok(BlockView {
            tokens: enc.tokens,
            layer,
            layers,
            hidden,
            stages,
        })
    }
}

/// The rules a BERT checkpoint reads text by: its tokenizer, its mask token, and the
/// model's limits (length, vocabulary). Borrowed from a [`FillMask`], or from a
/// [`crate::inspect::TokenizerOnly`] that has no weights.
pub(crate) struct Reading<'a> {
    pub(crate) tokenizer: &'a Tokenizer,
    pub(crate) mask_token: &'a str,
    pub(crate) mask_id: u32,
    pub(crate) max_tokens: usize,
    pub(crate) vocab_size: usize,
}

impl Reading<'_> {
    /// Tokenizes `text` (already passed through `normalise_mask_spelling`; offsets index it).
    pub(crate) fn encode(&self, text: &str, require_mask: bool) -> Result<Encoded, TaskError> {
        if text.trim().is_empty() {
            return Err(TaskError::Input("the text is empty".into()));
        }
        let enc = self
            .tokenizer
            .encode(text, true)
            .map_err(|e| TaskError::Tokenizer(format!("could not tokenize the text: {e}")))?;
        let ids = enc.get_ids().to_vec();
        if ids.len() > self.max_tokens {
            return Err(TaskError::Input(format!(
                "the text is {} tokens long; this model reads at most {}",
                ids.len(),
                self.max_tokens
            )));
        }
        crate::tokenizer::check_ids(&ids, self.vocab_size)?;
        let mask_positions: Vec<usize> =
            (0..ids.len()).filter(|&i| ids[i] == self.mask_id).collect();
        if require_mask && mask_positions.is_empty() {
            return Err(TaskError::Input(format!(
                "the text has no {} to fill: put {} where a word is missing",
                self.mask_token, self.mask_token
            )));
        }
        Ok(Encoded {
            ids,
            tokens: enc.get_tokens().to_vec(),
            offsets: enc.get_offsets().to_vec(),
            mask_positions,
        })
    }

    /// People type `[mask]` or `[Mask]`; the tokenizer matches its special token exactly.
    /// ASCII case folding only: full Unicode lower-casing changes byte lengths (`İ` → `i̇`),
    /// which would shift every offset after it.
    pub(crate) fn normalise_mask_spelling(&self, text: &str) -> String {
        let lower_mask = self.mask_token.to_ascii_lowercase();
        let lower = text.to_ascii_lowercase();
        if !lower.contains(&lower_mask) {
            return text.to_string();
        }
        let mut out = String::with_capacity(text.len());
        let mut i = 0;
        while let Some(found) = lower[i..].find(&lower_mask) {
            out.push_str(&text[i..i + found]);
            out.push_str(self.mask_token);
            i += found + lower_mask.len();
        }
        out.push_str(&text[i..]);
        out
    }

    /// The pieces and ids of `text`, special tokens (`specials`) marked.
    pub(crate) fn tokenize(
        &self,
        text: &str,
        specials: &[u32],
    ) -> Result<crate::inspect::Tokenized, TaskError> {
        let enc = self.encode(&self.normalise_mask_spelling(text), false)?;
        Ok(crate::inspect::Tokenized {
            algorithm: crate::inspect::algorithm(self.tokenizer),
            pieces: crate::inspect::pieces(self.tokenizer, &enc.ids, &enc.offsets, specials),
        })
    }
}

/// The mask token ([`find_mask_token`]) and its id, checked against the model's vocabulary.
pub(crate) fn mask_token_and_id(
    tokenizer: &Tokenizer,
    tokenizer_config: Option<&[u8]>,
    vocab_size: usize,
) -> Result<(String, u32), TaskError> {
    let mask_token = find_mask_token(tokenizer, tokenizer_config)?;
    let mask_id = tokenizer.token_to_id(&mask_token).ok_or_else(|| {
        TaskError::Tokenizer(format!(
            "the mask token {mask_token} is not in the vocabulary"
        ))
    })?;
    if mask_id as usize >= vocab_size {
        return Err(TaskError::Tokenizer(format!(
            "the tokenizer's mask id {mask_id} is outside the model's vocabulary ({vocab_size}): \
             tokenizer.json and the weights do not belong together"
        )));
    }
    Ok((mask_token, mask_id))
}

/// The mask token: `tokenizer_config.json`'s `mask_token` if given, else the one special
/// token of the tokenizer whose text contains "mask" (`[MASK]` for BERT, `<mask>` for RoBERTa).
pub fn find_mask_token(
    tokenizer: &Tokenizer,
    tokenizer_config: Option<&[u8]>,
) -> Result<String, TaskError> {
    if let Some(bytes) = tokenizer_config {
        let value: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| {
            TaskError::Tokenizer(format!("tokenizer_config.json is not valid JSON: {e}"))
        })?;
        let token = match &value["mask_token"] {
            serde_json::Value::String(s) => Some(s.clone()),
            serde_json::Value::Object(o) => {
                o.get("content").and_then(|c| c.as_str()).map(String::from)
            }
            _ => None,
        };
        if let Some(token) = token {
            return Ok(token);
        }
    }
    let mut specials: Vec<String> = tokenizer
        .get_added_tokens_decoder()
        .into_values()
        .filter(|t| t.special && t.content.to_lowercase().contains("mask"))
        .map(|t| t.content)
        .collect();
    specials.sort();
    specials.dedup();
    match specials.as_slice() {
        [one] => Ok(one.clone()),
        [] => Err(TaskError::Tokenizer(
            "tokenizer.json has no special mask token (such as [MASK]); is this a masked-LM tokenizer?"
                .into(),
        )),
        many => Err(TaskError::Tokenizer(format!(
            "tokenizer.json has several mask-like tokens ({}); add a tokenizer_config.json that names mask_token",
            many.join(", ")
        ))),
    }
}

/// The text with each mask replaced by its best candidate that is not a special token (a
/// weak model may rank `[MASK]` or `[PAD]` first; the candidate list still shows that).
/// A `##` piece joins the word before it.
fn fill_text(text: &str, enc: &Encoded, masks: &[MaskPrediction], special_ids: &[u32]) -> String {
    let mut out = String::new();
    let mut cursor = 0;
    for m in masks {
        let (start, end) = enc.offsets[m.position];
        if start < cursor || end > text.len() || !text.is_char_boundary(start) {
            continue;
        }
        let word = m
            .candidates
            .iter()
            .find(|c| !special_ids.contains(&c.id))
            .map_or("", |c| c.token.as_str());
        out.push_str(&text[cursor..start]);
        match word.strip_prefix("##") {
            Some(piece) => {
                let trimmed = out.trim_end().len();
                out.truncate(trimmed);
                out.push_str(piece);
            }
            None => out.push_str(word),
        }
        cursor = end;
    }
    out.push_str(&text[cursor..]);
    out
}

impl FillMask {
    /// The pieces and ids of `text` as this model reads it, special tokens marked.
    pub fn tokenize(&self, text: &str) -> Result<crate::inspect::Tokenized, TaskError> {
        self.reading().tokenize(text, &self.special_ids)
    }
}
