//! Writing a trained [`BertForMaskedLM`] as a Hugging Face checkpoint: `model.safetensors`
//! with `BertForMaskedLM` key names (the loader's own key table, `tlab_models::bert`'s
//! `*Keys`), so the page, `tlab fill-mask` and `transformers` all read it.
//!
//! Hand-written because the keys differ from Burn's module paths (see that table) and Linear
//! weights must be transposed back to PyTorch's `[out, in]`. The tied decoder is not stored,
//! as `save_pretrained` does today.

use std::collections::BTreeMap;

use burn::module::Param;
use burn::nn::{LayerNorm, Linear};
use burn::prelude::*;
use safetensors::{Dtype, View};
use tlab_models::bert::{BertForMaskedLM, BlockKeys, BlockPart, EmbeddingKeys, MlmHeadKeys};
use tlab_models::weights::transpose;

/// How the weights are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum StoreAs {
    F32,
    F16,
}

/// `BertForMaskedLM` checkpoints keep the encoder under `bert.`.
const PREFIX: &str = "bert.";

struct Entry {
    dtype: Dtype,
    shape: Vec<usize>,
    bytes: Vec<u8>,
}

impl View for &Entry {
    fn dtype(&self) -> Dtype {
        self.dtype
    }
    fn shape(&self) -> &[usize] {
        &self.shape
    }
    fn data(&self) -> std::borrow::Cow<'_, [u8]> {
        std::borrow::Cow::Borrowed(&self.bytes)
    }
    fn data_len(&self) -> usize {
        self.bytes.len()
    }
}

/// Named tensors on their way into one safetensors file.
pub(crate) struct Writer {
    store: StoreAs,
    tensors: BTreeMap<String, Entry>,
}

fn values<const D: usize>(p: &Param<Tensor<D>>) -> anyhow::Result<Vec<f32>> {
    Ok(tlab_models::readout::values(p.val())?)
}

impl Writer {
    pub(crate) fn new(store: StoreAs) -> Self {
        Self {
            store,
            tensors: BTreeMap::new(),
        }
    }

    pub(crate) fn into_bytes(self) -> anyhow::Result<Vec<u8>> {
        let mut meta = std::collections::HashMap::new();
        meta.insert("format".to_string(), "pt".to_string());
        Ok(safetensors::serialize(
            self.tensors.iter().map(|(k, v)| (k.clone(), v)),
            Some(meta),
        )?)
    }

    pub(crate) fn put(&mut self, name: &str, shape: Vec<usize>, v: &[f32]) {
        let (dtype, bytes) = match self.store {
            StoreAs::F32 => (Dtype::F32, v.iter().flat_map(|x| x.to_le_bytes()).collect()),
            StoreAs::F16 => (
                Dtype::F16,
                v.iter()
                    .flat_map(|&x| half::f16::from_f32(x).to_le_bytes())
                    .collect(),
            ),
        };
        self.tensors.insert(
            name.to_string(),
            Entry {
                dtype,
                shape,
                bytes,
            },
        );
    }

    fn linear(&mut self, prefix: &str, l: &Linear) -> anyhow::Result<()> {
        let [d_in, d_out] = l.weight.val().dims();
        let w = transpose(&values(&l.weight)?, d_in, d_out);
        self.put(&format!("{prefix}.weight"), vec![d_out, d_in], &w);
        if let Some(b) = &l.bias {
            self.put(&format!("{prefix}.bias"), vec![d_out], &values(b)?);
        }
        Ok(())
    }

    pub(crate) fn norm(&mut self, prefix: &str, n: &LayerNorm) -> anyhow::Result<()> {
        let g = values(&n.gamma)?;
        self.put(&format!("{prefix}.weight"), vec![g.len()], &g);
        if let Some(b) = &n.beta {
            self.put(&format!("{prefix}.bias"), vec![g.len()], &values(b)?);
        }
        Ok(())
    }

    /// A GPT-2 `Conv1D`: Burn's `[in, out]` weight as it is.
    pub(crate) fn conv1d(&mut self, prefix: &str, l: &Linear) -> anyhow::Result<()> {
        self.matrix(&format!("{prefix}.weight"), &l.weight)?;
        if let Some(b) = &l.bias {
            let b = values(b)?;
            self.put(&format!("{prefix}.bias"), vec![b.len()], &b);
        }
        Ok(())
    }

    pub(crate) fn matrix(&mut self, name: &str, p: &Param<Tensor<2>>) -> anyhow::Result<()> {
        let dims = p.val().dims();
        self.put(name, dims.to_vec(), &values(p)?);
        Ok(())
    }
}

/// `model.safetensors` bytes for `model`.
pub fn safetensors_bytes(model: &BertForMaskedLM, store: StoreAs) -> anyhow::Result<Vec<u8>> {
    let mut w = Writer::new(store);
    let (e, keys) = (&model.bert.embeddings, EmbeddingKeys::new(PREFIX));
    w.matrix(&keys.word, &e.word_embeddings.weight)?;
    w.matrix(&keys.position, &e.position_embeddings.weight)?;
    w.matrix(&keys.token_type, &e.token_type_embeddings.weight)?;
    w.norm(&keys.norm, &e.norm)?;
    for (i, l) in model.bert.layers.iter().enumerate() {
        let k = BlockKeys::new(PREFIX, i);
        for (prefix, part) in k.parts(l) {
            match part {
                BlockPart::Linear(linear) => w.linear(prefix, linear)?,
                BlockPart::Norm(norm) => w.norm(prefix, norm)?,
            }
        }
    }
    let head = MlmHeadKeys::HF;
    w.linear(head.dense, &model.head.dense)?;
    w.norm(head.norm, &model.head.norm)?;
    let bias = values(&model.head.bias)?;
    w.put(head.bias, vec![bias.len()], &bias);
    if let Some(d) = &model.head.decoder {
        let [h, v] = d.val().dims();
        w.put(head.decoder, vec![v, h], &transpose(&values(d)?, h, v));
    }
    w.into_bytes()
}
