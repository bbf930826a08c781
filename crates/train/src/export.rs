//! Writing a trained [`BertForMaskedLM`] as a Hugging Face checkpoint: `model.safetensors`
//! with `BertForMaskedLM` key names (the reverse of the mapping table in
//! `tlab_models::bert`), so the page, `tlab fill-mask` and `transformers` all read it.
//!
//! Hand-written because the keys differ from Burn's module paths (see that table) and Linear
//! weights must be transposed back to PyTorch's `[out, in]`. The tied decoder is not stored,
//! as `save_pretrained` does today.

use std::collections::BTreeMap;

use burn::module::Param;
use burn::nn::{LayerNorm, Linear};
use burn::prelude::*;
use safetensors::{Dtype, View};
use tlab_models::bert::BertForMaskedLM;
use tlab_models::weights::transpose;

/// How the weights are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum StoreAs {
    F32,
    F16,
}

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

struct Writer {
    store: StoreAs,
    tensors: BTreeMap<String, Entry>,
}

fn values<const D: usize>(p: &Param<Tensor<D>>) -> Result<Vec<f32>, String> {
    p.val()
        .into_data()
        .try_into_vec_as::<f32>()
        .map_err(|e| format!("cannot read a parameter's values: {e:?}"))
}

impl Writer {
    fn put(&mut self, name: &str, shape: Vec<usize>, v: &[f32]) {
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

    fn linear(&mut self, prefix: &str, l: &Linear) -> Result<(), String> {
        let [d_in, d_out] = l.weight.val().dims();
        let w = transpose(&values(&l.weight)?, d_in, d_out);
        self.put(&format!("{prefix}.weight"), vec![d_out, d_in], &w);
        if let Some(b) = &l.bias {
            self.put(&format!("{prefix}.bias"), vec![d_out], &values(b)?);
        }
        Ok(())
    }

    fn norm(&mut self, prefix: &str, n: &LayerNorm) -> Result<(), String> {
        let g = values(&n.gamma)?;
        self.put(&format!("{prefix}.weight"), vec![g.len()], &g);
        if let Some(b) = &n.beta {
            self.put(&format!("{prefix}.bias"), vec![g.len()], &values(b)?);
        }
        Ok(())
    }

    fn matrix(&mut self, name: &str, p: &Param<Tensor<2>>) -> Result<(), String> {
        let dims = p.val().dims();
        self.put(name, dims.to_vec(), &values(p)?);
        Ok(())
    }
}

/// `model.safetensors` bytes for `model`.
pub fn safetensors_bytes(model: &BertForMaskedLM, store: StoreAs) -> Result<Vec<u8>, String> {
    let mut w = Writer {
        store,
        tensors: BTreeMap::new(),
    };
    let e = &model.bert.embeddings;
    w.matrix(
        "bert.embeddings.word_embeddings.weight",
        &e.word_embeddings.weight,
    )?;
    w.matrix(
        "bert.embeddings.position_embeddings.weight",
        &e.position_embeddings.weight,
    )?;
    w.matrix(
        "bert.embeddings.token_type_embeddings.weight",
        &e.token_type_embeddings.weight,
    )?;
    w.norm("bert.embeddings.LayerNorm", &e.norm)?;
    for (i, l) in model.bert.layers.iter().enumerate() {
        let p = format!("bert.encoder.layer.{i}");
        w.linear(&format!("{p}.attention.self.query"), &l.self_attn.query)?;
        w.linear(&format!("{p}.attention.self.key"), &l.self_attn.key)?;
        w.linear(&format!("{p}.attention.self.value"), &l.self_attn.value)?;
        w.linear(&format!("{p}.attention.output.dense"), &l.self_attn.out)?;
        w.norm(&format!("{p}.attention.output.LayerNorm"), &l.attn_norm)?;
        w.linear(&format!("{p}.intermediate.dense"), &l.ffn.ffn_in)?;
        w.linear(&format!("{p}.output.dense"), &l.ffn.ffn_out)?;
        w.norm(&format!("{p}.output.LayerNorm"), &l.ffn_norm)?;
    }
    w.linear("cls.predictions.transform.dense", &model.head.dense)?;
    w.norm("cls.predictions.transform.LayerNorm", &model.head.norm)?;
    let bias = values(&model.head.bias)?;
    w.put("cls.predictions.bias", vec![bias.len()], &bias);
    if let Some(d) = &model.head.decoder {
        let [h, v] = d.val().dims();
        w.put(
            "cls.predictions.decoder.weight",
            vec![v, h],
            &transpose(&values(d)?, h, v),
        );
    }
    let mut meta = std::collections::HashMap::new();
    meta.insert("format".to_string(), "pt".to_string());
    safetensors::serialize(w.tensors.iter().map(|(k, v)| (k.clone(), v)), Some(meta))
        .map_err(|e| e.to_string())
}
