//! Multi-head scaled dot-product attention, as in "Attention Is All You Need"
//! (Vaswani et al., 2017, §3.2): `softmax(Q Kᵀ / √d_head) V`, computed per head and
//! concatenated back through an output projection.
//!
//! One type serves every attention in the project: BERT's bidirectional self-attention,
//! a decoder's masked (causal) self-attention and the decoder's cross-attention over the
//! encoder output — they differ only in where keys/values come from and in the mask.
//!
//! Two paths compute the same numbers:
//! - the normal path calls Burn's fused `attention` op (burn-flex has a tiled kernel),
//!   which never materialises the probabilities;
//! - the inspection path (`want_probs = true`) writes the softmax out explicitly so the
//!   lecture views can show it. It is only taken when a view asks, so normal inference
//!   pays nothing for it.
//!
//! Shapes: `[batch, seq, d_model]` outside, `[batch, heads, seq, d_head]` inside.

use burn::nn::{Linear, LinearConfig};
use burn::prelude::*;
use burn::tensor::activation::softmax;
use burn::tensor::module::attention;
use burn::tensor::ops::AttentionModuleOptions;

use crate::linear;

/// Query/key/value/output projections of one multi-head attention.
#[derive(Module, Debug)]
pub struct MultiHeadAttention {
    pub query: Linear,
    pub key: Linear,
    pub value: Linear,
    /// Projects the concatenated heads back to `d_model` (`W^O` in the paper).
    pub out: Linear,
    #[module(skip)]
    pub n_heads: usize,
}

/// What the mask hides: nothing, padded key positions, or the future (causal).
// One mask is built per forward pass and borrowed by every layer, so the size gap between
// the unit variants and the tensor handle costs nothing worth a Box.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum AttentionMask {
    None,
    /// `[batch, seq_k]`, `true` where the key is padding and must get no weight.
    Padding(Tensor<2, Bool>),
    /// Query `i` sees keys `0..=i + offset` (`offset` = keys already in a cache).
    Causal,
}

impl MultiHeadAttention {
    /// A randomly initialised block; real weights replace every parameter on load.
    pub fn new(d_model: usize, n_heads: usize, device: &Device) -> Self {
        let lin = || LinearConfig::new(d_model, d_model).init(device);
        Self {
            query: lin(),
            key: lin(),
            value: lin(),
            out: lin(),
            n_heads,
        }
    }

    /// Attention of `x_q` over `x_kv` (the same tensor for self-attention).
    ///
    /// # Shapes
    /// - `x_q`: `[batch, seq_q, d_model]`, `x_kv`: `[batch, seq_k, d_model]`
    /// - returns `[batch, seq_q, d_model]` and, if `want_probs`,
    ///   the probabilities `[batch, heads, seq_q, seq_k]` (each row sums to 1).
    pub fn forward(
        &self,
        x_q: Tensor<3>,
        x_kv: Tensor<3>,
        mask: &AttentionMask,
        want_probs: bool,
    ) -> (Tensor<3>, Option<Tensor<4>>) {
        let q = self.split_heads(linear::forward(&self.query, x_q));
        let k = self.split_heads(linear::forward(&self.key, x_kv.clone()));
        let v = self.split_heads(linear::forward(&self.value, x_kv));
        let (context, probs) = self.attend(q, k, v, mask, want_probs);
        (linear::forward(&self.out, self.merge_heads(context)), probs)
    }

    /// Masked (causal) self-attention over `t` new positions that follow the positions whose
    /// keys and values are in `past` (none yet: `None`); `past` is extended with the new ones.
    /// A decoder block's self-attention and a GPT block's both run this, so generation with a
    /// cache and one parallel pass over the whole sequence compute the same numbers.
    ///
    /// # Shapes
    /// - `x`: `[batch, t, d_model]` → `[batch, t, d_model]`; probabilities
    ///   `[batch, heads, t, past + t]` if asked for (exactly 0 above the shifted diagonal)
    /// - `past`: keys and values `[batch, heads, past, d_head]` each
    pub fn causal_self_attention(
        &self,
        x: Tensor<3>,
        past: &mut Option<(Tensor<4>, Tensor<4>)>,
        want_probs: bool,
    ) -> (Tensor<3>, Option<Tensor<4>>) {
        let t = x.dims()[1];
        let q = self.split_heads(linear::forward(&self.query, x.clone()));
        let k = self.split_heads(linear::forward(&self.key, x.clone()));
        let v = self.split_heads(linear::forward(&self.value, x));
        let (k, v) = match past.take() {
            Some((pk, pv)) => (Tensor::cat(vec![pk, k], 2), Tensor::cat(vec![pv, v], 2)),
            None => (k, v),
        };
        *past = Some((k.clone(), v.clone()));
        // One new position needs no mask: its future does not exist yet.
        let mask = if t == 1 {
            AttentionMask::None
        } else {
            AttentionMask::Causal
        };
        let (context, probs) = self.attend(q, k, v, &mask, want_probs);
        (linear::forward(&self.out, self.merge_heads(context)), probs)
    }

    /// Scaled dot-product attention over already projected heads.
    ///
    /// # Shapes
    /// - `q`: `[batch, heads, seq_q, d_head]`, `k`/`v`: `[batch, heads, seq_k, d_head]`
    /// - returns the context `[batch, heads, seq_q, d_head]`
    pub fn attend(
        &self,
        q: Tensor<4>,
        k: Tensor<4>,
        v: Tensor<4>,
        mask: &AttentionMask,
        want_probs: bool,
    ) -> (Tensor<4>, Option<Tensor<4>>) {
        let [batch, heads, seq_q, d_head] = q.dims();
        let seq_k = k.dims()[2];
        let bool_mask = match mask {
            AttentionMask::None => None,
            AttentionMask::Padding(pad) => Some(
                pad.clone()
                    .reshape([batch, 1, 1, seq_k])
                    .expand([batch, heads, seq_q, seq_k]),
            ),
            AttentionMask::Causal => {
                Some(causal_mask(seq_q, seq_k, &q.device()).expand([batch, heads, seq_q, seq_k]))
            }
        };
        if !want_probs {
            let options = AttentionModuleOptions {
                scale: None,
                softcap: None,
                is_causal: false,
            };
            return (attention(q, k, v, bool_mask, None, options), None);
        }
        let scores = q.matmul(k.swap_dims(2, 3)) / (d_head as f64).sqrt();
        let scores = match bool_mask {
            Some(m) => scores.mask_fill(m, f32::NEG_INFINITY),
            None => scores,
        };
        let probs = softmax(scores, 3);
        (probs.clone().matmul(v), Some(probs))
    }

    /// `[batch, seq, d_model]` → `[batch, heads, seq, d_head]`
    pub fn split_heads(&self, x: Tensor<3>) -> Tensor<4> {
        let [batch, seq, d_model] = x.dims();
        x.reshape([batch, seq, self.n_heads, d_model / self.n_heads])
            .swap_dims(1, 2)
    }

    /// `[batch, heads, seq, d_head]` → `[batch, seq, d_model]`
    pub fn merge_heads(&self, x: Tensor<4>) -> Tensor<3> {
        let [batch, heads, seq, d_head] = x.dims();
        x.swap_dims(1, 2).reshape([batch, seq, heads * d_head])
    }
}

/// `[1, 1, seq_q, seq_k]`, `true` above the diagonal: query `i` may not see key `j > i + (seq_k - seq_q)`.
/// The offset lets the last `seq_q` queries of a cached decoder see every earlier key.
pub fn causal_mask(seq_q: usize, seq_k: usize, device: &Device) -> Tensor<4, Bool> {
    let offset = seq_k.saturating_sub(seq_q);
    let data: Vec<bool> = (0..seq_q)
        .flat_map(|i| (0..seq_k).map(move |j| j > i + offset))
        .collect();
    Tensor::<2, Bool>::from_data(TensorData::new(data, [seq_q, seq_k]), device)
        .reshape([1, 1, seq_q, seq_k])
}
