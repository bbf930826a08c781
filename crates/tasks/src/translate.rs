//! Translation: source text in, translation(s) out, with the step trace the lecture views
//! draw and teacher-forced scoring of a reference.
//!
//! A model directory holds `config.json` ([`Seq2SeqConfig`]: Hugging Face `MarianConfig`
//! names), `tokenizer.json`, `model.safetensors` (Hugging Face Marian key names) and, for
//! Bergamot models, the lexical shortlist `shortlist.bin` (Marian's `lex.*.s2t.bin`).
//! `tlab convert-marian` writes such a directory from a Marian `.bin` model.

use burn::prelude::*;
use serde::Serialize;
use tlab_models::burn;
use tlab_models::decoding::{self, DecodeOptions, Decoded, ForcedToken, TraceStep, Translation};
use tlab_models::seq2seq::{DecoderSelfAttention, Memory, OutputLayer, Seq2Seq, Seq2SeqConfig};
use tlab_models::weights::Checkpoint;
use tokenizers::Tokenizer;

use crate::TaskError;
use crate::shortlist::Shortlist;

/// The widest beam the page and CLI offer.
pub const MAX_BEAM: usize = 8;

/// How to decode.
#[derive(Debug, Clone)]
pub struct TranslateOptions {
    /// 1 = greedy; 2–8 = beam search of that width.
    pub beam: usize,
    /// Length penalty α: hypotheses are ranked by `log P / length^α`.
    pub alpha: f32,
    /// The most tokens to generate; default `ceil(2.5 × source tokens)` as Marian does.
    pub max_new_tokens: Option<usize>,
    /// Alternatives per step to record for the step-by-step view (0: no trace).
    pub trace_top_k: usize,
    /// Also return cross-attention (greedy only).
    pub want_attentions: bool,
}

impl Default for TranslateOptions {
    fn default() -> Self {
        Self {
            beam: 1,
            alpha: 1.0,
            max_new_tokens: None,
            trace_top_k: 0,
            want_attentions: false,
        }
    }
}

/// One hypothesis of the n-best list.
#[derive(Debug, Clone, Serialize)]
pub struct Candidate {
    pub translation: String,
    pub ids: Vec<u32>,
    pub tokens: Vec<String>,
    /// `log P / length^α` (greedy: `log P`).
    pub score: f32,
    pub log_prob: f32,
}

/// `tlab translate --json` and the page print this.
#[derive(Debug, Clone, Serialize)]
pub struct TranslateOutput {
    pub translation: String,
    /// The target tokens of the best hypothesis (EOS not included).
    pub tokens: Vec<String>,
    pub score: f32,
    pub nbest: Vec<Candidate>,
    pub source_ids: Vec<u32>,
    pub source_tokens: Vec<String>,
    /// Present when asked for (`trace_top_k > 0`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub trace: Vec<TraceStep>,
    /// Greedy with `want_attentions`: `[target token][layer][head][source token]`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cross_attentions: Vec<Vec<Vec<Vec<f32>>>>,
    /// With a trace: the vocabulary entry of every id the trace mentions, so the step and
    /// beam-tree views can label tokens without a vocabulary of their own. Keyed by the id
    /// in decimal, because JSON object keys are strings.
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub trace_tokens: std::collections::BTreeMap<String, String>,
}

/// Teacher forcing of a reference translation, scored over the whole output vocabulary: a
/// Bergamot model's lexical shortlist is a speed trick for free decoding, and scoring through
/// it would give every reference word it does not list log P = −∞.
#[derive(Debug, Clone, Serialize)]
pub struct ForcedOutput {
    pub source_tokens: Vec<String>,
    pub target_ids: Vec<u32>,
    pub target_tokens: Vec<String>,
    pub positions: Vec<ForcedPosition>,
    /// Sum of the reference tokens' log-probabilities.
    pub log_likelihood: f32,
}

#[derive(Debug, Clone, Serialize)]
pub struct ForcedPosition {
    pub token: String,
    pub id: u32,
    pub prob: f32,
    pub log_prob: f32,
    pub top_token: String,
    pub top_id: u32,
    pub top_prob: f32,
    /// Whether the model's lexical shortlist offers this token for this source (absent for
    /// a model without one): free decoding can only ever output shortlisted tokens.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub in_shortlist: Option<bool>,
}

/// Teacher forcing with the attention the lecture's views draw.
#[derive(Debug, Clone, Serialize)]
pub struct ForcedWithAttentions {
    #[serde(flatten)]
    pub forced: ForcedOutput,
    /// `"attention"` (textbook masked self-attention) or `"ssru"` (no self-attention).
    pub decoder_self_attention: DecoderSelfAttention,
    /// `[target position][layer][head][source position]`
    pub cross_attentions: Vec<Vec<Vec<Vec<f32>>>>,
    /// `[target position i][layer][head][0..=i]`; empty for an SSRU decoder.
    pub self_attentions: Vec<Vec<Vec<Vec<f32>>>>,
}

/// A loaded translation model with its tokenizer (and shortlist, for Bergamot models).
pub struct Translator {
    model: Seq2Seq,
    tokenizer: Tokenizer,
    shortlist: Option<Shortlist>,
    /// Never generated: the pad token, as Marian checkpoints' generation configs ask.
    forbidden: Vec<u32>,
    /// Tensors of the weights file this model does not read (shown as a warning).
    unused_tensors: Vec<String>,
    device: Device,
}

/// Tensors a Hugging Face Marian checkpoint carries that this model does not read: copies
/// of the shared embedding (tied), and the sinusoidal position tables (computed here).
const IGNORED_TENSORS: &[&str] = &[
    "model.encoder.embed_tokens.weight",
    "model.decoder.embed_tokens.weight",
    "lm_head.weight",
    "embed_positions.weight",
];

/// A non-finite log-probability means the forward pass overflowed (see
/// [`crate::non_finite_error`]): over the whole vocabulary every token has some probability.
fn all_finite(forced: &[ForcedToken]) -> Result<(), TaskError> {
    if forced.iter().any(|t| !t.log_prob.is_finite()) {
        return Err(crate::non_finite_error());
    }
    Ok(())
}

/// What the page shows about a loaded translation model: its config and any warnings.
#[derive(Debug, Clone, Serialize)]
pub struct TranslateInfo {
    #[serde(flatten)]
    pub config: Seq2SeqConfig,
    pub warnings: Vec<String>,
}

impl Translator {
    pub fn from_bytes(
        config: &[u8],
        tokenizer: &[u8],
        weights: &[u8],
        shortlist: Option<&[u8]>,
    ) -> Result<Self, TaskError> {
        let config = Seq2SeqConfig::from_json(config)?;
        let tokenizer = source_tokenizer(tokenizer, &config)?;
        let device = tlab_models::device();
        let ckpt = Checkpoint::from_bytes(weights, &device)?;
        let model = Seq2Seq::load(&config, &ckpt)?;
        // After the weights: they have confirmed vocab_size, which sizes the shortlist's tables.
        let shortlist = shortlist
            .map(|b| Shortlist::parse(b, config.vocab_size))
            .transpose()?;
        let unused_tensors = crate::unused_tensors(&ckpt, IGNORED_TENSORS);
        Ok(Self {
            unused_tensors,
            forbidden: config.pad_token_id.into_iter().collect(),
            model,
            tokenizer,
            shortlist,
            device,
        })
    }

    /// Loads `DIR/{config.json, tokenizer.json, model.safetensors[, shortlist.bin]}`.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn from_dir(dir: &std::path::Path) -> Result<Self, TaskError> {
        let read = |name: &str| crate::read_model_file(dir, name);
        let shortlist = read("shortlist.bin").ok();
        Self::from_bytes(
            &read("config.json")?,
            &read("tokenizer.json")?,
            &read("model.safetensors")?,
            shortlist.as_deref(),
        )
    }

    pub fn config(&self) -> &Seq2SeqConfig {
        &self.model.config
    }

    pub fn info(&self) -> TranslateInfo {
        TranslateInfo {
            config: self.model.config.clone(),
            warnings: crate::unused_warning(&self.unused_tensors)
                .into_iter()
                .collect(),
        }
    }

    fn token_strings(&self, ids: &[u32]) -> Vec<String> {
        ids.iter()
            .map(|&id| {
                self.tokenizer
                    .id_to_token(id)
                    .unwrap_or_else(|| format!("<{id}>"))
            })
            .collect()
    }

    /// Source ids with EOS appended (unless the tokenizer's post-processor already did).
    pub fn encode_source(&self, text: &str) -> Result<Vec<u32>, TaskError> {
        source_ids(&self.tokenizer, &self.model.config, text)
    }

    fn encode_tensor(&self, ids: &[u32], want_attentions: bool) -> Memory {
        let data: Vec<i64> = ids.iter().map(|&i| i as i64).collect();
        let src = Tensor::<2, Int>::from_data(TensorData::new(data, [1, ids.len()]), &self.device);
        self.model.encode(src, want_attentions)
    }

    fn output_layer(&self, source_ids: &[u32]) -> Result<OutputLayer, TaskError> {
        let candidates = self.shortlist.as_ref().map(|s| s.candidates(source_ids));
        if candidates.as_ref().is_some_and(Vec::is_empty) {
            return Err(TaskError::Input(
                "the shortlist offers no target word for this sentence: shortlist.bin lists \
                 nothing for its words and no frequent words either"
                    .into(),
            ));
        }
        Ok(self.model.output_layer(candidates.as_deref()))
    }

    fn decode_text(&self, ids: &[u32]) -> String {
        let eos = self.model.config.eos_token_id;
        let body: Vec<u32> = ids.iter().copied().filter(|&i| i != eos).collect();
        self.tokenizer.decode(&body, true).unwrap_or_default()
    }

    /// Translates `text` greedily (`beam` = 1) or with beam search.
    pub fn translate(
        &self,
        text: &str,
        opts: &TranslateOptions,
    ) -> Result<TranslateOutput, TaskError> {
        if opts.beam == 0 || opts.beam > MAX_BEAM {
            return Err(TaskError::Input(format!(
                "beam width must be between 1 and {MAX_BEAM}, not {}",
                opts.beam
            )));
        }
        if !(opts.alpha.is_finite() && (0.0..=5.0).contains(&opts.alpha)) {
            return Err(TaskError::Input(format!(
                "length penalty α must be between 0 and 5, not {}",
                opts.alpha
            )));
        }
        let source_ids = self.encode_source(text)?;
        let memory = self.encode_tensor(&source_ids, false);
        let out = self.output_layer(&source_ids)?;
        let max_new = opts
            .max_new_tokens
            .unwrap_or_else(|| (2.5 * source_ids.len() as f32).ceil() as usize)
            .clamp(1, self.model.config.max_position_embeddings);
        let decode = DecodeOptions {
            width: opts.beam,
            length_penalty: opts.alpha,
            max_new_tokens: max_new,
            forbidden: self.forbidden.clone(),
            trace_top_k: opts.trace_top_k,
            want_attentions: opts.want_attentions,
            ..DecodeOptions::default()
        };
        let model = Translation {
            model: &self.model,
            memory: &memory,
            out: &out,
        };
        let Decoded {
            nbest,
            trace,
            attentions: cross_attentions,
        } = if opts.beam == 1 {
            decoding::greedy(&model, &decode)?
        } else {
            decoding::beam_search(&model, &decode)?
        };
        let nbest: Vec<Candidate> = nbest
            .into_iter()
            .map(|h| {
                let eos = self.model.config.eos_token_id;
                let shown: Vec<u32> = h.tokens.iter().copied().filter(|&i| i != eos).collect();
                Candidate {
                    translation: self.decode_text(&h.tokens),
                    tokens: self.token_strings(&shown),
                    ids: h.tokens,
                    score: h.score,
                    log_prob: h.log_prob,
                }
            })
            .collect();
        if nbest.iter().any(|h| h.log_prob.is_nan()) {
            return Err(crate::non_finite_error());
        }
        let best = nbest
            .first()
            .cloned()
            .ok_or_else(|| TaskError::Internal("decoding produced no hypothesis".into()))?;
        let trace_tokens = decoding::trace_ids(&trace)
            .into_iter()
            .map(|id| (id.to_string(), self.token_strings(&[id]).remove(0)))
            .collect();
        Ok(TranslateOutput {
            trace_tokens,
            translation: best.translation,
            tokens: best.tokens,
            score: best.score,
            nbest,
            source_tokens: self.token_strings(&source_ids),
            source_ids,
            trace,
            cross_attentions,
        })
    }

    /// Target ids for a reference translation (EOS appended, as the model must learn to stop).
    pub fn encode_target(&self, reference: &str) -> Result<Vec<u32>, TaskError> {
        if reference.trim().is_empty() {
            return Err(TaskError::Input(
                "the reference translation is empty".into(),
            ));
        }
        self.encode_source(reference)
    }

    /// Teacher forcing: the probability the model gives each reference token, given the
    /// source and the *reference* prefix (not its own previous guesses).
    pub fn teacher_force(&self, source: &str, reference: &str) -> Result<ForcedOutput, TaskError> {
        let source_ids = self.encode_source(source)?;
        let target_ids = self.encode_target(reference)?;
        self.teacher_force_ids(&source_ids, &target_ids)
            .map(|(out, _)| out)
    }

    /// Teacher forcing on ids; also returns every position's logits over the whole output
    /// vocabulary.
    pub fn teacher_force_ids(
        &self,
        source_ids: &[u32],
        target_ids: &[u32],
    ) -> Result<(ForcedOutput, Vec<Vec<f32>>), TaskError> {
        let memory = self.encode_tensor(source_ids, false);
        let out = self.model.output_layer(None);
        let (forced, rows) = decoding::teacher_forcing(&self.model, &memory, &out, target_ids)?;
        all_finite(&forced)?;
        Ok(self.forced_output(source_ids, target_ids, forced, rows))
    }

    fn forced_output(
        &self,
        source_ids: &[u32],
        target_ids: &[u32],
        forced: Vec<ForcedToken>,
        rows: Vec<Vec<f32>>,
    ) -> (ForcedOutput, Vec<Vec<f32>>) {
        let shortlisted: Option<std::collections::HashSet<u32>> = self
            .shortlist
            .as_ref()
            .map(|s| s.candidates(source_ids).into_iter().collect());
        let positions: Vec<ForcedPosition> = forced
            .into_iter()
            .map(
                |ForcedToken {
                     id,
                     log_prob,
                     top_id,
                     top_prob,
                 }| ForcedPosition {
                    token: self.token_strings(&[id]).remove(0),
                    id,
                    prob: log_prob.exp(),
                    log_prob,
                    top_token: self.token_strings(&[top_id]).remove(0),
                    top_id,
                    top_prob,
                    in_shortlist: shortlisted.as_ref().map(|s| s.contains(&id)),
                },
            )
            .collect();
        (
            ForcedOutput {
                source_tokens: self.token_strings(source_ids),
                target_tokens: self.token_strings(target_ids),
                target_ids: target_ids.to_vec(),
                log_likelihood: positions.iter().map(|p| p.log_prob).sum(),
                positions,
            },
            rows,
        )
    }
}

impl Translator {
    /// The pieces and ids of `text` as the encoder reads it (end-of-sentence appended);
    /// the target side uses the same tokenizer and the same rule.
    pub fn tokenize(&self, text: &str) -> Result<crate::inspect::Tokenized, TaskError> {
        source_pieces(&self.tokenizer, &self.model.config, text)
    }

    /// The encoder's self-attention probabilities, every layer and head.
    pub fn encoder_attentions(
        &self,
        text: &str,
    ) -> Result<crate::inspect::AttentionMaps, TaskError> {
        let ids = self.encode_source(text)?;
        let c = &self.model.config;
        crate::inspect::check_attention_size(
            c.encoder_layers * c.encoder_attention_heads,
            ids.len(),
            ids.len(),
        )?;
        let memory = self.encode_tensor(&ids, true);
        let layers = memory
            .attentions
            .into_iter()
            .map(tlab_models::readout::heads)
            .collect::<Result<_, _>>()?;
        Ok(crate::inspect::AttentionMaps {
            tokens: self.token_strings(&ids),
            layers,
        })
    }

    /// [`Self::teacher_force`] plus the cross-attention at every target position and, for a
    /// decoder with self-attention, its masked self-attention over the reference prefix.
    pub fn teacher_force_attentions(
        &self,
        source: &str,
        reference: &str,
    ) -> Result<ForcedWithAttentions, TaskError> {
        let source_ids = self.encode_source(source)?;
        let target_ids = self.encode_target(reference)?;
        self.teacher_force_attentions_ids(&source_ids, &target_ids)
    }

    /// [`Self::teacher_force_attentions`] on ids (the parity tests feed PyTorch's).
    pub fn teacher_force_attentions_ids(
        &self,
        source_ids: &[u32],
        target_ids: &[u32],
    ) -> Result<ForcedWithAttentions, TaskError> {
        let c = &self.model.config;
        let maps = c.decoder_layers * c.decoder_attention_heads;
        // Cross-attention: every target position over the source; self-attention: over the prefix.
        crate::inspect::check_attention_size(
            maps,
            target_ids.len(),
            source_ids.len() + target_ids.len(),
        )?;
        let memory = self.encode_tensor(source_ids, false);
        let out = self.model.output_layer(None);
        let (tokens, attn) =
            decoding::teacher_forcing_with_attentions(&self.model, &memory, &out, target_ids)?;
        all_finite(&tokens)?;
        let (forced, _) = self.forced_output(source_ids, target_ids, tokens, Vec::new());
        Ok(ForcedWithAttentions {
            forced,
            decoder_self_attention: self.model.config.decoder_self_attention,
            cross_attentions: attn.cross,
            self_attentions: attn.self_attn,
        })
    }
}

/// `tokenizer.json`, checked against the model's vocabulary.
pub(crate) fn source_tokenizer(
    bytes: &[u8],
    config: &Seq2SeqConfig,
) -> Result<Tokenizer, TaskError> {
    let tokenizer = crate::tokenizer::load(bytes)?;
    if tokenizer.get_vocab_size(true) > config.vocab_size {
        return Err(TaskError::Tokenizer(format!(
            "tokenizer.json has {} tokens but the model only {}: they do not belong together",
            tokenizer.get_vocab_size(true),
            config.vocab_size
        )));
    }
    Ok(tokenizer)
}

/// The ids the encoder reads for `text`: the tokenizer's, end-of-sentence appended, checked
/// against the model's vocabulary and length (shared with [`crate::inspect::TokenizerOnly`]).
pub(crate) fn source_ids(
    tokenizer: &Tokenizer,
    config: &Seq2SeqConfig,
    text: &str,
) -> Result<Vec<u32>, TaskError> {
    if text.trim().is_empty() {
        return Err(TaskError::Input("the text to translate is empty".into()));
    }
    let enc = tokenizer
        .encode(text, true)
        .map_err(|e| TaskError::Tokenizer(format!("could not tokenize the text: {e}")))?;
    let mut ids = enc.get_ids().to_vec();
    crate::tokenizer::check_ids(&ids, config.vocab_size)?;
    let eos = config.eos_token_id;
    if ids.last() != Some(&eos) {
        ids.push(eos);
    }
    let max = config.max_position_embeddings;
    if ids.len() > max {
        return Err(TaskError::Input(format!(
            "the text is {} tokens long; this model reads at most {max}",
            ids.len()
        )));
    }
    Ok(ids)
}

/// [`source_ids`] as pieces, the end-of-sentence token marked special.
pub(crate) fn source_pieces(
    tokenizer: &Tokenizer,
    config: &Seq2SeqConfig,
    text: &str,
) -> Result<crate::inspect::Tokenized, TaskError> {
    let ids = source_ids(tokenizer, config, text)?;
    let enc = tokenizer
        .encode(text, true)
        .map_err(|e| TaskError::Tokenizer(format!("could not tokenize the text: {e}")))?;
    let mut specials = crate::tokenizer::special_ids(tokenizer);
    specials.push(config.eos_token_id);
    Ok(crate::inspect::Tokenized {
        algorithm: crate::inspect::algorithm(tokenizer),
        pieces: crate::inspect::pieces(tokenizer, &ids, enc.get_offsets(), &specials),
    })
}
