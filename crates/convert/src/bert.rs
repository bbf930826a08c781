//! A PyTorch BERT checkpoint (`pytorch_model.bin`, as `torch.save` and older
//! `save_pretrained` write it) plus its `config.json` and `vocab.txt` → the files of a model
//! directory that `fill-mask` reads: `model.safetensors`, `config.json`, `tokenizer.json`
//! (`tlab convert-bert` writes them).
//!
//! Tensor names are kept as the checkpoint has them (Hugging Face's `bert.*` / `cls.*`), so
//! heads beyond the masked-LM one (AntiBERTy's `cls.species`, `cls.chain`, `cls.graft`) stay
//! under their own names; only non-float buffers such as `bert.embeddings.position_ids`
//! (0..n, recomputed by every BERT) are left out. The PyTorch reader is `pytorch-reader`, the
//! crate behind burn-store's `pytorch` feature.

use std::collections::HashMap;
use std::path::Path;

use pytorch_reader::{DType, PytorchReader};
use safetensors::Dtype;
use tlab_models::bert::BertConfig;
use tlab_tasks::tokenizer::{self, VocabOptions};

use crate::ConvertError;

pub struct Options<'a> {
    /// The PyTorch checkpoint file (read lazily, tensor by tensor).
    pub checkpoint: &'a Path,
    /// `config.json`, copied with `classifier_heads` added from `heads`.
    pub config: &'a [u8],
    /// `vocab.txt`, one WordPiece token per line.
    pub vocab: &'a [u8],
    /// A JSON object with a `classifier_heads` list (see `tlab_tasks::heads`): how sequence
    /// heads in the checkpoint are named and labelled.
    pub heads: Option<&'a [u8]>,
    /// One token per character (protein residues): every character is its own word.
    pub one_token_per_char: bool,
    /// Lowercase before looking words up, as `BertTokenizer(do_lower_case=True)` does.
    pub lowercase: bool,
    /// Store f32 (and f64) weights as f16: half the download, for a page that reads them
    /// into f32 anyway. A tensor with a value beyond f16's range is an error, not a silent ∞.
    pub f16: bool,
}

/// The three files of the model directory, and a line saying what was kept.
pub struct Converted {
    pub config_json: String,
    pub tokenizer_json: String,
    pub weights: Vec<u8>,
    /// e.g. "201 tensors, left out as buffers: bert.embeddings.position_ids".
    pub summary: String,
}

pub fn convert(o: &Options) -> Result<Converted, ConvertError> {
    let config = BertConfig::from_json(o.config).map_err(|e| format!("config.json: {e}"))?;
    let mut config_json: serde_json::Map<String, serde_json::Value> =
        serde_json::from_slice(o.config)
            .map_err(|e| format!("config.json is not a JSON object: {e}"))?;
    if let Some(heads) = o.heads {
        let value: serde_json::Value = serde_json::from_slice(heads)
            .map_err(|e| format!("the heads file is not valid JSON: {e}"))?;
        let list = value
            .get("classifier_heads")
            .filter(|v| v.is_array())
            .ok_or("the heads file has no \"classifier_heads\" list")?;
        config_json.insert("classifier_heads".into(), list.clone());
    }

    let (weights, summary) = convert_weights(o.checkpoint, o.f16)?;
    let tokenizer = tokenizer::from_vocab(
        o.vocab,
        &VocabOptions {
            lowercase: o.lowercase,
            one_token_per_char: o.one_token_per_char,
            ..VocabOptions::from_tokenizer_config(None).map_err(|e| e.to_string())?
        },
    )
    .map_err(|e| e.to_string())?;
    // A model vocabulary larger than vocab.txt is fine (padded embeddings); smaller is not.
    if tokenizer.get_vocab_size(true) > config.vocab_size {
        return Err(format!(
            "vocab.txt has {} entries but config.json says vocab_size {}: they do not belong together",
            tokenizer.get_vocab_size(true),
            config.vocab_size
        )
        .into());
    }
    Ok(Converted {
        config_json: serde_json::to_string_pretty(&config_json).map_err(|e| e.to_string())?,
        tokenizer_json: tokenizer
            .to_string(true)
            .map_err(|e| format!("could not write tokenizer.json: {e}"))?,
        weights,
        summary,
    })
}

/// Every float tensor of the checkpoint, by its own name, as safetensors bytes; and a line
/// saying what was left out.
fn convert_weights(checkpoint: &Path, f16: bool) -> Result<(Vec<u8>, String), ConvertError> {
    let reader = PytorchReader::new(checkpoint).map_err(|e| {
        format!(
            "cannot read {} as a PyTorch checkpoint: {e}",
            checkpoint.display()
        )
    })?;
    let mut names = reader.keys();
    names.sort();
    let mut kept: Vec<(String, Dtype, Vec<usize>, Vec<u8>)> = Vec::new();
    let mut skipped = Vec::new();
    for name in names {
        let Some(t) = reader.get(&name) else {
            continue;
        };
        let bytes = t
            .read()
            .map_err(|e| format!("{}: {e}", checkpoint.display()))?;
        // The reader returns native-endian bytes; safetensors is little-endian.
        let (dtype, bytes) = match t.dtype() {
            DType::F32 => (Dtype::F32, to_le::<4>(&bytes)),
            DType::F16 => (Dtype::F16, to_le::<2>(&bytes)),
            DType::BF16 => (Dtype::BF16, to_le::<2>(&bytes)),
            // Our loader reads f32/f16/bf16; f64 weights lose nothing a forward pass in f32 keeps.
            DType::F64 => (
                Dtype::F32,
                bytes
                    .chunks_exact(8)
                    .flat_map(|c| {
                        let mut b = [0u8; 8];
                        b.copy_from_slice(c);
                        (f64::from_ne_bytes(b) as f32).to_le_bytes()
                    })
                    .collect(),
            ),
            // Integer and boolean tensors are buffers (position ids), not weights.
            DType::I64
            | DType::I32
            | DType::I16
            | DType::I8
            | DType::U64
            | DType::U32
            | DType::U16
            | DType::U8
            | DType::Bool => {
                skipped.push(name);
                continue;
            }
        };
        let (dtype, bytes) = if f16 && dtype == Dtype::F32 {
            (Dtype::F16, f32_to_f16(&name, &bytes)?)
        } else {
            (dtype, bytes)
        };
        kept.push((name, dtype, t.shape().to_vec(), bytes));
    }
    if kept.is_empty() {
        return Err(format!(
            "{} holds no float tensors: is it a model checkpoint?",
            checkpoint.display()
        )
        .into());
    }
    let views = kept
        .iter()
        .map(|(name, dtype, shape, bytes)| {
            safetensors::tensor::TensorView::new(*dtype, shape.clone(), bytes)
                .map(|view| (name.clone(), view))
                .map_err(|e| format!("tensor {name}: {e}"))
        })
        .collect::<Result<Vec<_>, String>>()?;
    let metadata = HashMap::from([("format".to_string(), "pt".to_string())]);
    let weights = safetensors::serialize(views, Some(metadata)).map_err(|e| e.to_string())?;
    let stored = if f16 { " (float weights as f16)" } else { "" };
    let summary = if skipped.is_empty() {
        format!("{} tensors{stored}", kept.len())
    } else {
        format!(
            "{} tensors{stored}, left out as buffers: {}",
            kept.len(),
            skipped.join(", ")
        )
    };
    Ok((weights, summary))
}

/// Little-endian f32 bytes → little-endian f16 bytes (round to nearest).
fn f32_to_f16(name: &str, bytes: &[u8]) -> Result<Vec<u8>, ConvertError> {
    let mut out = Vec::with_capacity(bytes.len() / 2);
    for c in bytes.chunks_exact(4) {
        let x = f32::from_le_bytes([c[0], c[1], c[2], c[3]]);
        let h = half::f16::from_f32(x);
        if x.is_finite() && !h.is_finite() {
            return Err(format!(
                "tensor {name} holds {x}, beyond f16's range (±65504): convert it without --f16"
            )
            .into());
        }
        out.extend_from_slice(&h.to_le_bytes());
    }
    Ok(out)
}

fn to_le<const N: usize>(bytes: &[u8]) -> Vec<u8> {
    if cfg!(target_endian = "little") {
        return bytes.to_vec();
    }
    bytes
        .chunks_exact(N)
        .flat_map(|c| c.iter().rev().copied().collect::<Vec<_>>())
        .collect()
}
