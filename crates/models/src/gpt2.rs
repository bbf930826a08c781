//! GPT-2: the decoder-only Transformer, a stack of masked self-attention blocks with a
//! language-model head, in Burn.
//!
//! Paper: Radford et al., "Language Models are Unsupervised Multitask Learners" (2019),
//! after "Improving Language Understanding by Generative Pre-Training" (2018). Reference
//! implementation matched to 1e-4 on logits, and on greedy and beam-search outputs:
//! Hugging Face `transformers` `GPT2LMHeadModel` (`modeling_gpt2.py`), see
//! `tools/make_gpt2_fixtures.py` and `crates/tasks/tests/gpt2_parity.rs`.
//!
//! The lecture's decoder with nothing around it: token + learned position embeddings →
//! N blocks of masked self-attention and feed-forward → LayerNorm → scores against every
//! vocabulary entry (the output matrix is the input embedding, tied). No encoder, so no
//! cross-attention: every row of every attention map is a real masked self-attention.
//!
//! Deliberate deviations from the textbook Transformer, as GPT-2 has them:
//! - *pre*-norm blocks: `x + Sublayer(LayerNorm(x))`, with one more LayerNorm after the last
//!   block (the paper and BERT normalise after the residual add instead);
//! - learned position embeddings instead of sinusoids;
//! - `gelu_new` (GELU's tanh approximation) in the feed-forward layer.
//!
//! Shapes: `[batch, seq]` token ids, `[batch, seq, n_embd]` activations,
//! `[batch, heads, seq_q, seq_k]` attention probabilities, `[n, vocab]` logits.
//!
//! Checkpoint keys (Hugging Face) → fields here. `P` is `transformer.` (what
//! `GPT2LMHeadModel.save_pretrained` writes) or empty (the original `openai-community/gpt2`
//! checkpoint, a `GPT2Model` state dict). `Conv1D` stores its weight `[in, out]`, which is
//! Burn's `Linear` layout: no transpose, unlike BERT's `nn.Linear`. [`Gpt2BlockKeys`] is the
//! one table the loader and `tlab-train export-gpt` read names from.
//!
//! | checkpoint key                                   | field                                    |
//! |--------------------------------------------------|------------------------------------------|
//! | `P wte.weight`, `P wpe.weight`                   | `wte`, `wpe`                             |
//! | `P h.{i}.ln_1`                                   | `blocks[i].attn_norm`                    |
//! | `P h.{i}.attn.c_attn` (`[d, 3d]`: q \| k \| v)   | `blocks[i].self_attn.{query,key,value}`  |
//! | `P h.{i}.attn.c_proj`                            | `blocks[i].self_attn.out`                |
//! | `P h.{i}.ln_2`                                   | `blocks[i].ffn_norm`                     |
//! | `P h.{i}.mlp.c_fc`, `P h.{i}.mlp.c_proj`         | `blocks[i].ffn.{ffn_in,ffn_out}`         |
//! | `P ln_f`                                         | `final_norm`                             |
//! | `lm_head.weight` (absent or equal to `wte` = tied)| `lm_head` (None = tied)                 |
//!
//! `P h.{i}.attn.bias` and `.masked_bias` in old checkpoints are the causal mask saved as a
//! buffer, not parameters; the mask is computed here.

use burn::module::Param;
use burn::nn::{Embedding, LayerNorm, Linear};
use burn::prelude::*;
use serde::{Deserialize, Serialize};

use crate::attention::MultiHeadAttention;
use crate::transformer::{Activation, FeedForward};
use crate::weights::{Checkpoint, LoadError, check_dim, check_eps};

/// `config.json` of a Hugging Face GPT-2 checkpoint (field names as Hugging Face writes them;
/// absent fields take `GPT2Config`'s defaults).
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Gpt2Config {
    pub vocab_size: usize,
    /// The longest sequence (prompt + generated) the position table covers.
    #[serde(default = "default_positions")]
    pub n_positions: usize,
    /// Width of every token vector (`d_model`). GPT-2 small: 768.
    pub n_embd: usize,
    pub n_layer: usize,
    pub n_head: usize,
    /// Feed-forward width; `null` means 4 · `n_embd`.
    #[serde(default)]
    pub n_inner: Option<usize>,
    #[serde(default = "default_act")]
    pub activation_function: Activation,
    #[serde(default = "default_eps")]
    pub layer_norm_epsilon: f64,
    /// `GPT2Config` defaults both to 50256 (`<|endoftext|>` of OpenAI's vocabulary), even
    /// for checkpoints with another vocabulary; an id outside the vocabulary is never
    /// generated, so such a model stops only at the length limit, as in `generate()`.
    #[serde(default = "default_special")]
    pub bos_token_id: Option<u32>,
    #[serde(default = "default_special")]
    pub eos_token_id: Option<u32>,
    /// Read so that the variants this file does not implement are refused, not misread.
    #[serde(default = "yes")]
    pub scale_attn_weights: bool,
    #[serde(default)]
    pub scale_attn_by_inverse_layer_idx: bool,
    #[serde(default)]
    pub model_type: Option<String>,
}

fn default_positions() -> usize {
    1024
}
fn default_act() -> Activation {
    Activation::GeluNew
}
fn default_eps() -> f64 {
    1e-5
}
fn default_special() -> Option<u32> {
    Some(50256)
}
fn yes() -> bool {
    true
}

impl Gpt2Config {
    pub fn from_json(bytes: &[u8]) -> Result<Self, LoadError> {
        // The model type first: a BERT's config.json should say "not a GPT-2", not "missing
        // field n_embd".
        #[derive(Deserialize)]
        struct ModelType {
            model_type: Option<String>,
        }
        let kind: ModelType =
            crate::json::parse("config.json", bytes).map_err(LoadError::ConfigFile)?;
        if let Some(t) = kind.model_type.filter(|t| t != "gpt2") {
            return Err(not_gpt2(&t));
        }
        let config: Self =
            crate::json::parse("config.json", bytes).map_err(LoadError::ConfigFile)?;
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> Result<(), LoadError> {
        let bad = |m: String| Err(LoadError::Config(m));
        if self.n_head == 0 || !self.n_embd.is_multiple_of(self.n_head) {
            return bad(format!(
                "n_embd {} is not divisible by n_head {}",
                self.n_embd, self.n_head
            ));
        }
        if !self.scale_attn_weights || self.scale_attn_by_inverse_layer_idx {
            return bad(
                "scale_attn_weights = false or scale_attn_by_inverse_layer_idx = true is not \
                 supported (only GPT-2's standard 1/√d_head scaling)"
                    .into(),
            );
        }
        for (field, value) in [
            ("vocab_size", self.vocab_size),
            ("n_positions", self.n_positions),
            ("n_embd", self.n_embd),
            ("n_layer", self.n_layer),
            ("n_head", self.n_head),
            ("n_inner", self.inner()),
        ] {
            check_dim(field, value)?;
        }
        check_eps("layer_norm_epsilon", self.layer_norm_epsilon)
    }

    /// The feed-forward width.
    pub fn inner(&self) -> usize {
        self.n_inner.unwrap_or(4 * self.n_embd)
    }

    /// The end-of-text id, if the model can generate it (see [`Self::eos_token_id`]).
    pub fn eos(&self) -> Option<u32> {
        self.eos_token_id
            .filter(|&id| (id as usize) < self.vocab_size)
    }
}

fn not_gpt2(model_type: &str) -> LoadError {
    LoadError::Config(format!(
        "model_type is \"{model_type}\": this is not a GPT-2 checkpoint (text generation loads \
         GPT-2 models, model_type \"gpt2\")"
    ))
}

/// One pre-norm GPT-2 block: masked self-attention, then feed-forward, each on the
/// normalised residual stream and added back to it.
#[derive(Module, Debug)]
pub struct Gpt2Block {
    pub attn_norm: LayerNorm,
    pub self_attn: MultiHeadAttention,
    pub ffn_norm: LayerNorm,
    pub ffn: FeedForward,
}

impl Gpt2Block {
    /// The block over `t` new positions after those whose keys and values are in `past`.
    ///
    /// # Shapes
    /// - `x`: `[batch, t, n_embd]` → `[batch, t, n_embd]`; probabilities
    ///   `[batch, heads, t, past + t]` if asked for
    pub fn forward(
        &self,
        x: Tensor<3>,
        past: &mut Option<(Tensor<4>, Tensor<4>)>,
        want_probs: bool,
    ) -> (Tensor<3>, Option<Tensor<4>>) {
        let (attended, probs) = self.self_attn.causal_self_attention(
            self.attn_norm.forward(x.clone()),
            past,
            want_probs,
        );
        let x = x + attended;
        let x = x.clone() + self.ffn.forward(self.ffn_norm.forward(x));
        (x, probs)
    }
}

/// GPT-2 with its language-model head, as Hugging Face's `GPT2LMHeadModel`.
#[derive(Module, Debug)]
pub struct Gpt2LMHeadModel {
    /// Token embeddings `[vocab, n_embd]`; also the output matrix unless `lm_head` is set.
    pub wte: Embedding,
    /// Learned position embeddings `[n_positions, n_embd]`.
    pub wpe: Embedding,
    pub blocks: Vec<Gpt2Block>,
    /// LayerNorm after the last block (`ln_f`), which pre-norm blocks need.
    pub final_norm: LayerNorm,
    /// `[n_embd, vocab]` for an untied output matrix; `None` = tied to `wte`.
    pub lm_head: Option<Param<Tensor<2>>>,
}

/// The keys and values every block has seen so far, for generation one token at a time.
#[derive(Clone, Debug, Default)]
pub struct Gpt2Cache {
    /// Per block: keys and values `[batch, heads, len, d_head]`.
    pub layers: Vec<Option<(Tensor<4>, Tensor<4>)>>,
    /// Positions already fed (the position of the next token).
    pub len: usize,
}

impl Gpt2Cache {
    /// Keeps the rows (beams) named by `idx`, in that order; repeating an index copies a row.
    pub fn select_beams(&mut self, idx: &Tensor<1, Int>) {
        for (k, v) in self.layers.iter_mut().flatten() {
            *k = k.clone().select(0, idx.clone());
            *v = v.clone().select(0, idx.clone());
        }
    }
}

/// What a forward pass returns.
pub struct Gpt2Output {
    /// `[batch, t, n_embd]` after the final LayerNorm (what the LM head reads).
    pub hidden: Tensor<3>,
    /// Per layer `[batch, heads, t, past + t]`; empty unless asked for.
    pub attentions: Vec<Tensor<4>>,
}

impl Gpt2LMHeadModel {
    pub fn device(&self) -> Device {
        self.wte.weight.val().device()
    }

    /// The model over `t` new tokens at positions `cache.len ..`, extending the cache: the
    /// whole prompt at once, then one token per step. Callers keep `cache.len + t` within
    /// `n_positions` (the position table ends there).
    ///
    /// # Shapes
    /// - `ids`: `[batch, t]` → hidden `[batch, t, n_embd]`
    pub fn forward(
        &self,
        ids: Tensor<2, Int>,
        cache: &mut Gpt2Cache,
        want_attentions: bool,
    ) -> Gpt2Output {
        let [batch, t] = ids.dims();
        let start = cache.len as i64;
        let positions = Tensor::<1, Int>::arange(start..start + t as i64, &ids.device())
            .reshape([1, t])
            .expand([batch, t]);
        let mut x = self.wte.forward(ids) + self.wpe.forward(positions);
        cache.layers.resize(self.blocks.len(), None);
        let mut attentions = Vec::new();
        for (block, past) in self.blocks.iter().zip(&mut cache.layers) {
            let (next, probs) = block.forward(x, past, want_attentions);
            x = next;
            attentions.extend(probs);
        }
        cache.len += t;
        Gpt2Output {
            hidden: self.final_norm.forward(x),
            attentions,
        }
    }

    /// Scores of every vocabulary entry.
    ///
    /// # Shapes
    /// - `hidden`: `[n, n_embd]` → `[n, vocab]`
    pub fn logits(&self, hidden: Tensor<2>) -> Tensor<2> {
        let output = match &self.lm_head {
            Some(w) => w.val(),
            None => self.wte.weight.val().transpose(),
        };
        hidden.matmul(output)
    }

    /// One parallel causal pass over whole sequences, as training and teacher forcing use.
    ///
    /// # Shapes
    /// - `ids`: `[batch, seq]` → logits `[batch, seq, vocab]`
    pub fn forward_logits(&self, ids: Tensor<2, Int>) -> Tensor<3> {
        let hidden = self.forward(ids, &mut Gpt2Cache::default(), false).hidden;
        let [batch, seq, d] = hidden.dims();
        let logits = self.logits(hidden.reshape([batch * seq, d]));
        let vocab = logits.dims()[1];
        logits.reshape([batch, seq, vocab])
    }

    /// Loads a Hugging Face checkpoint; returns the model and the key prefix it found
    /// (`"transformer."` or `""`).
    pub fn load(config: &Gpt2Config, ckpt: &Checkpoint) -> Result<(Self, &'static str), LoadError> {
        let c = config;
        let (d, eps) = (c.n_embd, c.layer_norm_epsilon);
        let p = if ckpt.contains("transformer.wte.weight") {
            "transformer."
        } else {
            ""
        };
        let k = Gpt2Keys::new(p);
        let blocks = (0..c.n_layer)
            .map(|i| {
                let b = Gpt2BlockKeys::new(p, i);
                let [query, key, value] = split_qkv(ckpt, &b.qkv, d)?;
                Ok(Gpt2Block {
                    attn_norm: ckpt.layer_norm(&b.attn_norm, d, eps)?,
                    self_attn: MultiHeadAttention {
                        query,
                        key,
                        value,
                        out: ckpt.conv1d(&b.attn_out, d, d)?,
                        n_heads: c.n_head,
                    },
                    ffn_norm: ckpt.layer_norm(&b.ffn_norm, d, eps)?,
                    ffn: FeedForward {
                        ffn_in: ckpt.conv1d(&b.ffn_in, d, c.inner())?,
                        ffn_out: ckpt.conv1d(&b.ffn_out, c.inner(), d)?,
                        act: c.activation_function,
                    },
                })
            })
            .collect::<Result<Vec<_>, LoadError>>()?;
        ckpt.check_layer_count(&Gpt2BlockKeys::layers_prefix(p), "n_layer", c.n_layer)?;
        let model = Self {
            wte: ckpt.embedding(&k.wte, c.vocab_size, d)?,
            wpe: ckpt.embedding(&k.wpe, c.n_positions, d)?,
            blocks,
            final_norm: ckpt.layer_norm(&k.final_norm, d, eps)?,
            lm_head: ckpt.untied_output(Gpt2Keys::LM_HEAD, &k.wte, c.vocab_size, d)?,
        };
        Ok((model, p))
    }
}

/// `c_attn` (`[d, 3d]`, query | key | value side by side) → three `[d, d]` Linears. Split
/// on the host, so that each is a parameter of its own (a slice of a tracked tensor is not).
fn split_qkv(ckpt: &Checkpoint, prefix: &str, d: usize) -> Result<[Linear; 3], LoadError> {
    let w = ckpt.values(&format!("{prefix}.weight"), &[d, 3 * d])?;
    let b = ckpt.values(&format!("{prefix}.bias"), &[3 * d])?;
    let device = ckpt.device();
    Ok([0, 1, 2].map(|i| {
        let cols = i * d..(i + 1) * d;
        let weight: Vec<f32> = w
            .chunks(3 * d)
            .flat_map(|row| row[cols.clone()].iter().copied())
            .collect();
        Linear {
            weight: Param::from_tensor(Tensor::from_data(TensorData::new(weight, [d, d]), device)),
            bias: Some(Param::from_tensor(Tensor::from_data(
                TensorData::new(b[cols].to_vec(), [d]),
                device,
            ))),
        }
    }))
}

/// Hugging Face names of the tensors outside the blocks, under prefix `p`.
pub struct Gpt2Keys {
    pub wte: String,
    pub wpe: String,
    /// A LayerNorm prefix (`.weight`/`.bias` follow).
    pub final_norm: String,
}

impl Gpt2Keys {
    /// Never under the `transformer.` prefix.
    pub const LM_HEAD: &'static str = "lm_head.weight";

    pub fn new(p: &str) -> Self {
        Self {
            wte: format!("{p}wte.weight"),
            wpe: format!("{p}wpe.weight"),
            final_norm: format!("{p}ln_f"),
        }
    }
}

/// Hugging Face prefixes of block `i`'s Conv1D and LayerNorm modules.
pub struct Gpt2BlockKeys {
    pub attn_norm: String,
    /// Query, key and value in one `[d, 3d]` Conv1D.
    pub qkv: String,
    pub attn_out: String,
    pub ffn_norm: String,
    pub ffn_in: String,
    pub ffn_out: String,
}

impl Gpt2BlockKeys {
    pub fn layers_prefix(p: &str) -> String {
        format!("{p}h.")
    }

    pub fn new(p: &str, i: usize) -> Self {
        let l = format!("{}{i}", Self::layers_prefix(p));
        Self {
            attn_norm: format!("{l}.ln_1"),
            qkv: format!("{l}.attn.c_attn"),
            attn_out: format!("{l}.attn.c_proj"),
            ffn_norm: format!("{l}.ln_2"),
            ffn_in: format!("{l}.mlp.c_fc"),
            ffn_out: format!("{l}.mlp.c_proj"),
        }
    }
}
