//! Sequence-level heads on BERT's pooled `[CLS]` vector: the pooler and linear classifiers.
//!
//! BERT's pooler (Devlin et al. 2019, §3 and `BertPooler` in Hugging Face's
//! `modeling_bert.py`) is `tanh(W · h_[CLS] + b)`; a classifier on top is one `Linear`. Such
//! heads sit beside the masked-LM head in some checkpoints — AntiBERTy's `cls.species` and
//! `cls.chain` — and are matched to the reference by `crates/tasks/tests/antiberty_parity.rs`.
//!
//! | checkpoint key             | field           |
//! |----------------------------|-----------------|
//! | `P pooler.dense`           | `Pooler::dense` |
//! | `{weights}` (e.g. `cls.chain`) | `ClassifierHead::linear` |

use burn::nn::Linear;
use burn::prelude::*;
use burn::tensor::activation;

use crate::weights::{Checkpoint, LoadError};

/// `tanh(dense(h_[CLS]))`, Hugging Face's `BertPooler`.
#[derive(Module, Debug)]
pub struct Pooler {
    pub dense: Linear,
}

impl Pooler {
    /// Loads `bert.pooler.dense` (or bare `pooler.dense`, as the encoder's keys may be).
    pub fn load(ckpt: &Checkpoint, hidden: usize) -> Result<Self, LoadError> {
        let prefix = if ckpt.contains("bert.pooler.dense.weight") {
            "bert."
        } else {
            ""
        };
        Ok(Self {
            dense: ckpt.linear(&format!("{prefix}pooler.dense"), hidden, hidden)?,
        })
    }

    /// # Shapes
    /// - `hidden`: `[batch, seq, hidden]` → `[batch, hidden]`
    pub fn forward(&self, hidden: Tensor<3>) -> Tensor<2> {
        let [batch, _, width] = hidden.dims();
        // Only the first token's vector: BERT trains [CLS] to stand for the whole sequence.
        let cls = hidden.narrow(1, 0, 1).reshape([batch, width]);
        activation::tanh(self.dense.forward(cls))
    }
}

/// One linear classifier on the pooled vector; its logits are `[batch, classes]`.
#[derive(Module, Debug)]
pub struct ClassifierHead {
    pub linear: Linear,
}

impl ClassifierHead {
    /// Loads `{weights}.weight` `[classes, hidden]` and `{weights}.bias` `[classes]`; a
    /// different number of classes than the labels say is a shape error naming the key.
    pub fn load(
        ckpt: &Checkpoint,
        weights: &str,
        hidden: usize,
        classes: usize,
    ) -> Result<Self, LoadError> {
        Ok(Self {
            linear: ckpt.linear(weights, hidden, classes)?,
        })
    }

    /// # Shapes
    /// - `pooled`: `[batch, hidden]` → logits `[batch, classes]`
    pub fn forward(&self, pooled: Tensor<2>) -> Tensor<2> {
        self.linear.forward(pooled)
    }
}
