//! BERT with its masked-language-model head, in Burn.
//!
//! Paper: Devlin et al., "BERT: Pre-training of Deep Bidirectional Transformers for
//! Language Understanding" (2019). Reference implementation matched to 1e-4 on logits:
//! Hugging Face `transformers` `BertForMaskedLM` (`modeling_bert.py`), see
//! `tools/make_bert_fixtures.py` and `crates/tasks/tests/bert_parity.rs`.
//!
//! The lecture's order: embeddings (word + position + segment, then LayerNorm) →
//! N encoder blocks (self-attention → add & norm → feed-forward → add & norm; *post*-norm
//! as in the original Transformer) → masked-LM head (dense → activation → LayerNorm →
//! projection onto the word embeddings + bias).
//!
//! Shapes: `[batch, seq]` token ids, `[batch, seq, hidden]` activations,
//! `[batch, heads, seq, seq]` attention probabilities, `[n_masks, vocab]` logits.
//!
//! Checkpoint keys (Hugging Face) → fields here. `P` is `bert.` or empty (both
//! layouts occur); LayerNorms may be `weight/bias` or legacy `gamma/beta`. The loader and
//! `tlab-train export` both take the names from [`EmbeddingKeys`], [`BlockKeys`] and
//! [`MlmHeadKeys`], so reading and writing cannot drift apart.
//!
//! | checkpoint key                                         | field                         |
//! |--------------------------------------------------------|-------------------------------|
//! | `P embeddings.{word,position,token_type}_embeddings`   | `bert.embeddings.*`           |
//! | `P embeddings.LayerNorm`                               | `bert.embeddings.norm`        |
//! | `P encoder.layer.{i}.attention.self.{query,key,value}` | `bert.layers[i].self_attn.*`  |
//! | `P encoder.layer.{i}.attention.output.dense`           | `bert.layers[i].self_attn.out`|
//! | `P encoder.layer.{i}.attention.output.LayerNorm`       | `bert.layers[i].attn_norm`    |
//! | `P encoder.layer.{i}.intermediate.dense`               | `bert.layers[i].ffn_in`       |
//! | `P encoder.layer.{i}.output.dense`                     | `bert.layers[i].ffn_out`      |
//! | `P encoder.layer.{i}.output.LayerNorm`                 | `bert.layers[i].ffn_norm`     |
//! | `cls.predictions.transform.dense`                      | `head.dense`                  |
//! | `cls.predictions.transform.LayerNorm`                  | `head.norm`                   |
//! | `cls.predictions.bias` (or `.decoder.bias`)            | `head.bias`                   |
//! | `cls.predictions.decoder.weight` (absent = tied)       | `head.decoder` (None = tied)  |

use burn::module::Param;
use burn::nn::{Embedding, LayerNorm, Linear};
use burn::prelude::*;
use serde::Deserialize;

use crate::attention::{AttentionMask, MultiHeadAttention};
use crate::transformer::{Activation, BlockStages, EncoderBlock, FeedForward};
use crate::weights::{Checkpoint, LoadError, check_dim, check_eps};

/// `config.json` of a Hugging Face BERT checkpoint (field names as Hugging Face writes them).
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
pub struct BertConfig {
    pub vocab_size: usize,
    /// Width of every token vector (`d_model`). BERT-base: 768.
    pub hidden_size: usize,
    pub num_hidden_layers: usize,
    pub num_attention_heads: usize,
    /// Width of the feed-forward layer inside each block. BERT-base: 3072.
    pub intermediate_size: usize,
    #[serde(default = "default_act")]
    pub hidden_act: Activation,
    #[serde(default = "default_eps")]
    pub layer_norm_eps: f64,
    pub max_position_embeddings: usize,
    #[serde(default = "default_type_vocab")]
    pub type_vocab_size: usize,
    /// Only `"absolute"` (learned positions) is supported; read so that others are refused.
    #[serde(default = "default_pos_type")]
    pub position_embedding_type: String,
    #[serde(default)]
    pub model_type: Option<String>,
}

fn default_act() -> Activation {
    Activation::Gelu
}
fn default_eps() -> f64 {
    1e-12
}
fn default_type_vocab() -> usize {
    2
}
fn default_pos_type() -> String {
    "absolute".into()
}

impl BertConfig {
    pub fn from_json(bytes: &[u8]) -> Result<Self, LoadError> {
        let config: Self =
            crate::json::parse("config.json", bytes).map_err(LoadError::ConfigFile)?;
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> Result<(), LoadError> {
        let bad = |m: String| Err(LoadError::Config(m));
        if self.num_attention_heads == 0
            || !self.hidden_size.is_multiple_of(self.num_attention_heads)
        {
            return bad(format!(
                "hidden_size {} is not divisible by num_attention_heads {}",
                self.hidden_size, self.num_attention_heads
            ));
        }
        if self.position_embedding_type != "absolute" {
            return bad(format!(
                "position_embedding_type \"{}\" is not supported (only \"absolute\")",
                self.position_embedding_type
            ));
        }
        for (field, value) in [
            ("vocab_size", self.vocab_size),
            ("hidden_size", self.hidden_size),
            ("num_hidden_layers", self.num_hidden_layers),
            ("num_attention_heads", self.num_attention_heads),
            ("intermediate_size", self.intermediate_size),
            ("max_position_embeddings", self.max_position_embeddings),
            ("type_vocab_size", self.type_vocab_size),
        ] {
            check_dim(field, value)?;
        }
        check_eps("layer_norm_eps", self.layer_norm_eps)
    }
}

/// Word + learned position + segment embeddings, summed and normalised.
#[derive(Module, Debug)]
pub struct Embeddings {
    pub word_embeddings: Embedding,
    pub position_embeddings: Embedding,
    pub token_type_embeddings: Embedding,
    pub norm: LayerNorm,
}

impl Embeddings {
    /// # Shapes
    /// - `input_ids`, `token_type_ids`: `[batch, seq]` → `[batch, seq, hidden]`
    pub fn forward(&self, input_ids: Tensor<2, Int>, token_type_ids: Tensor<2, Int>) -> Tensor<3> {
        let [batch, seq] = input_ids.dims();
        let positions = Tensor::<1, Int>::arange(0..seq as i64, &input_ids.device())
            .reshape([1, seq])
            .expand([batch, seq]);
        let x = self.word_embeddings.forward(input_ids)
            + self.position_embeddings.forward(positions)
            + self.token_type_embeddings.forward(token_type_ids);
        // BERT normalises the embeddings before the first block (the original Transformer does not).
        self.norm.forward(x)
    }
}

/// The BERT encoder: embeddings and the stack of blocks.
#[derive(Module, Debug)]
pub struct BertModel {
    pub embeddings: Embeddings,
    pub layers: Vec<EncoderBlock>,
}

/// Hidden states of the last block and, on request, each block's attention probabilities.
pub struct EncoderOutput {
    /// `[batch, seq, hidden]`
    pub hidden: Tensor<3>,
    /// One `[batch, heads, seq, seq]` per layer; empty unless asked for.
    pub attentions: Vec<Tensor<4>>,
}

impl BertModel {
    /// # Shapes
    /// - `input_ids`: `[batch, seq]`; `padding`: `[batch, seq]`, `true` on pad tokens
    /// - returns hidden states `[batch, seq, hidden]`
    pub fn forward(
        &self,
        input_ids: Tensor<2, Int>,
        token_type_ids: Option<Tensor<2, Int>>,
        padding: Option<Tensor<2, Bool>>,
        want_attentions: bool,
    ) -> EncoderOutput {
        self.forward_blocks(
            input_ids,
            token_type_ids,
            padding,
            self.layers.len(),
            want_attentions,
        )
    }

    /// The embeddings and the first `blocks` encoder blocks only: the states a fine-tuning
    /// run that trains the blocks above them starts from.
    ///
    /// # Shapes
    /// - as [`Self::forward`]; returns `[batch, seq, hidden]` after block `blocks - 1`
    pub fn forward_blocks(
        &self,
        input_ids: Tensor<2, Int>,
        token_type_ids: Option<Tensor<2, Int>>,
        padding: Option<Tensor<2, Bool>>,
        blocks: usize,
        want_attentions: bool,
    ) -> EncoderOutput {
        let token_type_ids = token_type_ids.unwrap_or_else(|| input_ids.zeros_like());
        let mask = padding.map_or(AttentionMask::None, AttentionMask::Padding);
        let mut x = self.embeddings.forward(input_ids, token_type_ids);
        let mut attentions = Vec::new();
        for block in self.layers.iter().take(blocks) {
            let (next, probs) = block.forward(x, &mask, want_attentions);
            x = next;
            attentions.extend(probs);
        }
        EncoderOutput {
            hidden: x,
            attentions,
        }
    }

    /// Block `layer`'s intermediate states on unpadded input (see [`BlockStages`]).
    ///
    /// # Shapes
    /// - `input_ids`: `[batch, seq]`; every stage `[batch, seq, hidden]`
    pub fn block_stages(&self, input_ids: Tensor<2, Int>, layer: usize) -> Option<BlockStages> {
        let block = self.layers.get(layer)?;
        let below = self.forward_blocks(input_ids, None, None, layer, false);
        Some(block.stages(below.hidden, &AttentionMask::None))
    }
}

/// The masked-LM head: a transform, then scores against every vocabulary entry.
#[derive(Module, Debug)]
pub struct MlmHead {
    pub dense: Linear,
    pub norm: LayerNorm,
    /// `[hidden, vocab]` when the checkpoint stores an untied decoder; `None` = tied to the
    /// word embeddings (BERT's default: input and output share one matrix).
    pub decoder: Option<Param<Tensor<2>>>,
    pub bias: Param<Tensor<1>>,
    #[module(skip)]
    pub act: Activation,
}

/// BERT + masked-LM head, as Hugging Face's `BertForMaskedLM`.
#[derive(Module, Debug)]
pub struct BertForMaskedLM {
    pub bert: BertModel,
    pub head: MlmHead,
}

impl BertForMaskedLM {
    /// Logits over the vocabulary at the given flat positions (`batch_index * seq + position`).
    /// Only those rows go through the `[hidden, vocab]` projection — the most expensive
    /// matrix of a small BERT — so a sentence with one `[MASK]` pays for one row.
    ///
    /// # Shapes
    /// - `hidden`: `[batch, seq, hidden]`, `flat_positions`: `n` → logits `[n, vocab]`
    pub fn mlm_logits(&self, hidden: Tensor<3>, flat_positions: &[usize]) -> Tensor<2> {
        let [batch, seq, width] = hidden.dims();
        let device = hidden.device();
        let idx: Vec<i64> = flat_positions.iter().map(|&p| p as i64).collect();
        let idx =
            Tensor::<1, Int>::from_data(TensorData::new(idx, [flat_positions.len()]), &device);
        let rows = hidden.reshape([batch * seq, width]).select(0, idx);
        let h = self
            .head
            .norm
            .forward(self.head.act.apply(self.head.dense.forward(rows)));
        let decoder = match &self.head.decoder {
            Some(w) => w.val(),
            None => self
                .bert
                .embeddings
                .word_embeddings
                .weight
                .val()
                .transpose(),
        };
        h.matmul(decoder) + self.head.bias.val().unsqueeze_dim(0)
    }

    /// Loads a Hugging Face checkpoint. Every tensor the model needs must be present, except
    /// the decoder weight, whose absence means "tied" (what `save_pretrained` writes today).
    pub fn load(config: &BertConfig, ckpt: &Checkpoint) -> Result<Self, LoadError> {
        let (bert, p) = BertModel::load(config, ckpt)?;
        let c = config;
        let (h, eps) = (c.hidden_size, c.layer_norm_eps);
        let k = MlmHeadKeys::HF;
        let bias_key = ckpt.first_of(&[k.bias.to_string(), k.legacy_bias.to_string()])?;
        let head = MlmHead {
            dense: ckpt.linear(k.dense, h, h)?,
            norm: ckpt.layer_norm(k.norm, h, eps)?,
            decoder: ckpt.untied_output(k.decoder, &EmbeddingKeys::new(p).word, c.vocab_size, h)?,
            bias: Param::from_tensor(ckpt.tensor(&bias_key, [c.vocab_size])?),
            act: c.hidden_act,
        };
        Ok(Self { bert, head })
    }
}

impl BertModel {
    /// Loads the encoder of a Hugging Face BERT checkpoint (any head is ignored) and returns
    /// the key prefix it found (`"bert."` or `""`).
    pub fn load(config: &BertConfig, ckpt: &Checkpoint) -> Result<(Self, &'static str), LoadError> {
        let c = config;
        let (h, eps) = (c.hidden_size, c.layer_norm_eps);
        let p = if ckpt.contains("bert.embeddings.word_embeddings.weight") {
            "bert."
        } else {
            ""
        };
        let e = EmbeddingKeys::new(p);
        let embeddings = Embeddings {
            word_embeddings: ckpt.embedding(&e.word, c.vocab_size, h)?,
            position_embeddings: ckpt.embedding(&e.position, c.max_position_embeddings, h)?,
            token_type_embeddings: ckpt.embedding(&e.token_type, c.type_vocab_size, h)?,
            norm: ckpt.layer_norm(&e.norm, h, eps)?,
        };
        let layers = (0..c.num_hidden_layers)
            .map(|i| {
                let k = BlockKeys::new(p, i);
                Ok(EncoderBlock {
                    self_attn: MultiHeadAttention {
                        query: ckpt.linear(&k.query, h, h)?,
                        key: ckpt.linear(&k.key, h, h)?,
                        value: ckpt.linear(&k.value, h, h)?,
                        out: ckpt.linear(&k.attn_out, h, h)?,
                        n_heads: c.num_attention_heads,
                    },
                    attn_norm: ckpt.layer_norm(&k.attn_norm, h, eps)?,
                    ffn: FeedForward {
                        ffn_in: ckpt.linear(&k.ffn_in, h, c.intermediate_size)?,
                        ffn_out: ckpt.linear(&k.ffn_out, c.intermediate_size, h)?,
                        act: c.hidden_act,
                    },
                    ffn_norm: ckpt.layer_norm(&k.ffn_norm, h, eps)?,
                })
            })
            .collect::<Result<Vec<_>, LoadError>>()?;
        ckpt.check_layer_count(
            &BlockKeys::layers_prefix(p),
            "num_hidden_layers",
            c.num_hidden_layers,
        )?;
        Ok((BertModel { embeddings, layers }, p))
    }
}

/// Hugging Face names of the embedding tensors under prefix `p` (`"bert."` or `""`).
pub struct EmbeddingKeys {
    pub word: String,
    pub position: String,
    pub token_type: String,
    /// A LayerNorm prefix (`.weight`/`.bias` or `.gamma`/`.beta` follow).
    pub norm: String,
}

impl EmbeddingKeys {
    pub fn new(p: &str) -> Self {
        Self {
            word: format!("{p}embeddings.word_embeddings.weight"),
            position: format!("{p}embeddings.position_embeddings.weight"),
            token_type: format!("{p}embeddings.token_type_embeddings.weight"),
            norm: format!("{p}embeddings.LayerNorm"),
        }
    }
}

/// Hugging Face prefixes of encoder block `i`'s Linear and LayerNorm modules.
pub struct BlockKeys {
    pub query: String,
    pub key: String,
    pub value: String,
    pub attn_out: String,
    pub attn_norm: String,
    pub ffn_in: String,
    pub ffn_out: String,
    pub ffn_norm: String,
}

impl BlockKeys {
    pub fn layers_prefix(p: &str) -> String {
        format!("{p}encoder.layer.")
    }

    pub fn new(p: &str, i: usize) -> Self {
        let l = format!("{}{i}", Self::layers_prefix(p));
        Self {
            query: format!("{l}.attention.self.query"),
            key: format!("{l}.attention.self.key"),
            value: format!("{l}.attention.self.value"),
            attn_out: format!("{l}.attention.output.dense"),
            attn_norm: format!("{l}.attention.output.LayerNorm"),
            ffn_in: format!("{l}.intermediate.dense"),
            ffn_out: format!("{l}.output.dense"),
            ffn_norm: format!("{l}.output.LayerNorm"),
        }
    }
}

/// A module of an encoder block, as a checkpoint writer sees it.
pub enum BlockPart<'a> {
    Linear(&'a Linear),
    Norm(&'a LayerNorm),
}

impl BlockKeys {
    /// Each of `block`'s Linear and LayerNorm modules with its Hugging Face prefix: the
    /// one table every writer of encoder blocks (`tlab-train export`, a fine-tuned head
    /// that carries tuned blocks) walks.
    pub fn parts<'k, 'b>(&'k self, block: &'b EncoderBlock) -> [(&'k str, BlockPart<'b>); 8] {
        use BlockPart::{Linear as L, Norm as N};
        [
            (&self.query, L(&block.self_attn.query)),
            (&self.key, L(&block.self_attn.key)),
            (&self.value, L(&block.self_attn.value)),
            (&self.attn_out, L(&block.self_attn.out)),
            (&self.attn_norm, N(&block.attn_norm)),
            (&self.ffn_in, L(&block.ffn.ffn_in)),
            (&self.ffn_out, L(&block.ffn.ffn_out)),
            (&self.ffn_norm, N(&block.ffn_norm)),
        ]
    }
}

/// Hugging Face names of the masked-LM head (never under a `bert.` prefix).
pub struct MlmHeadKeys {
    pub dense: &'static str,
    pub norm: &'static str,
    pub bias: &'static str,
    /// Where older checkpoints keep the same bias.
    pub legacy_bias: &'static str,
    /// Absent when tied to the word embeddings.
    pub decoder: &'static str,
}

impl MlmHeadKeys {
    pub const HF: Self = Self {
        dense: "cls.predictions.transform.dense",
        norm: "cls.predictions.transform.LayerNorm",
        bias: "cls.predictions.bias",
        legacy_bias: "cls.predictions.decoder.bias",
        decoder: "cls.predictions.decoder.weight",
    };
}
