//! The Transformer's blocks, shared by every model in this crate: BERT (`bert.rs`) and the
//! encoder–decoder (`seq2seq.rs`) are configs, key maps and loaders around these.
//!
//! Paper: Vaswani et al., "Attention Is All You Need" (2017), Figure 1, read in the
//! lecture's order:
//! - [`EncoderBlock`]: self-attention → add & norm → feed-forward → add & norm;
//! - [`DecoderBlock`]: masked self-attention → add & norm → cross-attention over the
//!   encoder's output → add & norm → feed-forward → add & norm.
//!
//! Both are *post*-norm (`LayerNorm(x + Sublayer(x))`), as in the paper, BERT and Marian.
//! One deliberate deviation from the textbook: Bergamot's fast decoders replace the masked
//! self-attention with an SSRU, a gated running average over the target prefix ([`Ssru`]);
//! [`DecoderSelfLayer`] holds either, and both see only the past.
//!
//! Shapes: `[batch, seq, d_model]` activations; attention probabilities
//! `[batch, heads, seq_q, seq_k]`.

use burn::nn::{LayerNorm, Linear};
use burn::prelude::*;
use burn::tensor::activation;
use serde::{Deserialize, Serialize};

use crate::attention::{AttentionMask, MultiHeadAttention};
use crate::linear;

/// The feed-forward activation, by its Hugging Face name (`hidden_act` in BERT configs,
/// `activation_function` in Marian configs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Activation {
    /// Exact GELU, `x·Φ(x)` (erf form): BERT's own.
    #[serde(rename = "gelu")]
    Gelu,
    /// GELU's tanh approximation (Hendrycks & Gimpel), used by some ports and GPT-2.
    #[serde(rename = "gelu_new", alias = "gelu_pytorch_tanh")]
    GeluNew,
    #[serde(rename = "relu")]
    Relu,
    /// `x·σ(x)`, Marian's default.
    #[serde(rename = "swish", alias = "silu")]
    Swish,
}

impl Activation {
    pub fn apply<const D: usize>(self, x: Tensor<D>) -> Tensor<D> {
        match self {
            Activation::Gelu => crate::gelu::gelu(x),
            Activation::GeluNew => activation::gelu_approximate(x),
            Activation::Relu => activation::relu(x),
            Activation::Swish => activation::silu(x),
        }
    }
}

/// The position-wise feed-forward network: `W₂ · act(W₁ x + b₁) + b₂`.
#[derive(Module, Debug)]
pub struct FeedForward {
    /// `d_model → d_ffn` (BERT's `intermediate.dense`, Marian's `fc1`).
    pub ffn_in: Linear,
    /// `d_ffn → d_model` (BERT's `output.dense`, Marian's `fc2`).
    pub ffn_out: Linear,
    #[module(skip)]
    pub act: Activation,
}

impl FeedForward {
    /// # Shapes
    /// - `x`: `[batch, seq, d_model]` → `[batch, seq, d_model]`
    pub fn forward(&self, x: Tensor<3>) -> Tensor<3> {
        linear::forward(
            &self.ffn_out,
            self.act.apply(linear::forward(&self.ffn_in, x)),
        )
    }
}

/// One post-norm encoder block.
#[derive(Module, Debug)]
pub struct EncoderBlock {
    pub self_attn: MultiHeadAttention,
    pub attn_norm: LayerNorm,
    pub ffn: FeedForward,
    pub ffn_norm: LayerNorm,
}

impl EncoderBlock {
    /// # Shapes
    /// - `x`: `[batch, seq, d_model]` → `[batch, seq, d_model]`, probabilities
    ///   `[batch, heads, seq, seq]` if asked for
    pub fn forward(
        &self,
        x: Tensor<3>,
        mask: &AttentionMask,
        want_probs: bool,
    ) -> (Tensor<3>, Option<Tensor<4>>) {
        let (attended, probs) = self
            .self_attn
            .forward(x.clone(), x.clone(), mask, want_probs);
        let x = self.attn_norm.forward(x + attended);
        let x = self.ffn_norm.forward(x.clone() + self.ffn.forward(x));
        (x, probs)
    }

    /// [`Self::forward`] keeping every intermediate: the lecture's block diagram, stage by
    /// stage, for the "inside an encoder block" view.
    ///
    /// # Shapes
    /// - `x`: `[batch, seq, d_model]`; every stage is `[batch, seq, d_model]`
    pub fn stages(&self, x: Tensor<3>, mask: &AttentionMask) -> BlockStages {
        let (attended, _) = self.self_attn.forward(x.clone(), x.clone(), mask, false);
        let attn_residual = x.clone() + attended.clone();
        let attn_norm = self.attn_norm.forward(attn_residual.clone());
        let ffn = self.ffn.forward(attn_norm.clone());
        let ffn_residual = attn_norm.clone() + ffn.clone();
        let output = self.ffn_norm.forward(ffn_residual.clone());
        BlockStages {
            input: x,
            attended,
            attn_residual,
            attn_norm,
            ffn,
            ffn_residual,
            output,
        }
    }
}

/// One post-norm encoder block's intermediate states, in the order the lecture draws them:
/// self-attention → residual add → layer norm → feed-forward → residual add → layer norm.
pub struct BlockStages {
    pub input: Tensor<3>,
    /// The self-attention sublayer's output (after its output projection).
    pub attended: Tensor<3>,
    /// `input + attended`
    pub attn_residual: Tensor<3>,
    pub attn_norm: Tensor<3>,
    /// The feed-forward sublayer's output.
    pub ffn: Tensor<3>,
    /// `attn_norm + ffn`
    pub ffn_residual: Tensor<3>,
    /// The block's output (`ffn_norm(ffn_residual)`), the next block's input.
    pub output: Tensor<3>,
}

/// Bergamot's SSRU cell (Kim et al. 2019): `f_t = σ(W_f x_t + b_f)`,
/// `c_t = f_t ⊙ c_{t-1} + (1 − f_t) ⊙ W x_t`, output `ReLU(c_t)`. It replaces the decoder's
/// self-attention: the past is summarised in `c` instead of being attended to, so a step
/// costs the same at any length.
#[derive(Module, Debug)]
pub struct Ssru {
    /// `W` (no bias)
    pub w: Linear,
    /// `W_f`, `b_f`: the forget gate
    pub wf: Linear,
}

impl Ssru {
    /// One position.
    ///
    /// # Shapes
    /// - `x`, `c_prev`: `[batch, d]` → output and new state, `[batch, d]` each
    pub fn step(&self, x: Tensor<2>, c_prev: Tensor<2>) -> (Tensor<2>, Tensor<2>) {
        let f = activation::sigmoid(linear::forward(&self.wf, x.clone()));
        let candidate = linear::forward(&self.w, x);
        let c = f.clone() * c_prev + (f.neg() + 1.0) * candidate;
        (activation::relu(c.clone()), c)
    }

    /// A run of positions: the recurrence has no parallel form, so it loops over time here,
    /// inside the layer, while the rest of the decoder handles all positions at once.
    ///
    /// # Shapes
    /// - `x`: `[batch, t, d]`, `c`: `[batch, d]` → output `[batch, t, d]`
    pub fn forward(&self, x: Tensor<3>, c: &mut Option<Tensor<2>>) -> Tensor<3> {
        let [batch, t, d] = x.dims();
        let mut state = c
            .take()
            .unwrap_or_else(|| Tensor::zeros([batch, d], &x.device()));
        let mut outputs = Vec::with_capacity(t);
        for i in 0..t {
            let xi = x
                .clone()
                .slice([0..batch, i..i + 1, 0..d])
                .reshape([batch, d]);
            let (out, next) = self.step(xi, state);
            state = next;
            outputs.push(out.reshape([batch, 1, d]));
        }
        *c = Some(state);
        Tensor::cat(outputs, 1)
    }
}

/// What a decoder block uses to look at the target prefix.
// One per decoder block (two in a Bergamot model): boxing the larger variant to save a few
// hundred bytes would only add an indirection to every step.
#[allow(clippy::large_enum_variant)]
#[derive(Module, Debug)]
pub enum DecoderSelfLayer {
    /// The textbook masked (causal) multi-head self-attention.
    Attention(MultiHeadAttention),
    /// Bergamot's SSRU (see [`Ssru`]).
    Ssru(Ssru),
}

/// What a decoder block keeps between calls.
#[derive(Clone, Debug)]
pub struct DecoderLayerCache {
    /// Cross-attention keys and values of the encoder output, `[beams, heads, src, d_head]`
    /// each: computed once per sentence, read at every step.
    pub memory_kv: (Tensor<4>, Tensor<4>),
    /// Self-attention keys and values of the prefix so far, `[beams, heads, t, d_head]`.
    pub self_kv: Option<(Tensor<4>, Tensor<4>)>,
    /// SSRU state `[beams, d]`.
    pub ssru_c: Option<Tensor<2>>,
}

impl DecoderLayerCache {
    /// Keeps the beams named by `idx` (in that order), as beam search needs.
    pub fn select_beams(&mut self, idx: &Tensor<1, Int>) {
        let pick = |t: &Tensor<4>| t.clone().select(0, idx.clone());
        self.memory_kv = (pick(&self.memory_kv.0), pick(&self.memory_kv.1));
        if let Some((k, v)) = &self.self_kv {
            self.self_kv = Some((pick(k), pick(v)));
        }
        if let Some(c) = &self.ssru_c {
            self.ssru_c = Some(c.clone().select(0, idx.clone()));
        }
    }
}

/// What a decoder block returns beside its output (if asked for).
pub struct DecoderBlockProbs {
    /// Masked self-attention `[beams, heads, t, past + t]` (attention decoders only).
    pub self_attn: Option<Tensor<4>>,
    /// Cross-attention `[beams, heads, t, src]`.
    pub cross_attn: Option<Tensor<4>>,
}

/// One post-norm decoder block.
#[derive(Module, Debug)]
pub struct DecoderBlock {
    pub self_attn: DecoderSelfLayer,
    pub attn_norm: LayerNorm,
    pub cross_attn: MultiHeadAttention,
    pub cross_attn_norm: LayerNorm,
    pub ffn: FeedForward,
    pub ffn_norm: LayerNorm,
}

impl DecoderBlock {
    /// The cache for one sentence: cross-attention keys and values of `memory`.
    ///
    /// # Shapes
    /// - `memory`: `[beams, src, d_model]`
    pub fn start(&self, memory: Tensor<3>) -> DecoderLayerCache {
        let a = &self.cross_attn;
        DecoderLayerCache {
            memory_kv: (
                a.split_heads(linear::forward(&a.key, memory.clone())),
                a.split_heads(linear::forward(&a.value, memory)),
            ),
            self_kv: None,
            ssru_c: None,
        }
    }

    /// The block over `t` new target positions (1 when generating; the whole target when
    /// teacher forcing), after the positions already in `cache`.
    ///
    /// # Shapes
    /// - `x`: `[beams, t, d_model]` → `[beams, t, d_model]`
    pub fn forward(
        &self,
        x: Tensor<3>,
        cache: &mut DecoderLayerCache,
        want_probs: bool,
    ) -> (Tensor<3>, DecoderBlockProbs) {
        // 1. Masked self-attention: position i sees the cached past and new positions ≤ i.
        let (attended, self_probs) = match &self.self_attn {
            DecoderSelfLayer::Attention(attn) => {
                attn.causal_self_attention(x.clone(), &mut cache.self_kv, want_probs)
            }
            DecoderSelfLayer::Ssru(ssru) => (ssru.forward(x.clone(), &mut cache.ssru_c), None),
        };
        let x = self.attn_norm.forward(x + attended);
        // 2. Cross-attention: every target position looks at the whole source.
        let ca = &self.cross_attn;
        let q = ca.split_heads(linear::forward(&ca.query, x.clone()));
        let (k, v) = cache.memory_kv.clone();
        let (ctx, cross_probs) = ca.attend(q, k, v, &AttentionMask::None, want_probs);
        let x = self
            .cross_attn_norm
            .forward(x + linear::forward(&ca.out, ca.merge_heads(ctx)));
        // 3. Feed-forward.
        let x = self.ffn_norm.forward(x.clone() + self.ffn.forward(x));
        (
            x,
            DecoderBlockProbs {
                self_attn: self_probs,
                cross_attn: cross_probs,
            },
        )
    }
}
