//! Reading Hugging Face `model.safetensors` files into Burn parameters.
//!
//! Parsing is the `safetensors` crate's; this file adds what it does not do: converting
//! f16/bf16 to f32, transposing PyTorch `Linear` weights (`[out, in]`) into Burn's
//! `[in, out]`, checking every shape against the config, and errors that name the key.
//! Why not burn-store's adapter: checkpoints in the wild differ in prefix (`bert.` or
//! none) and in LayerNorm names (`weight/bias` or legacy `gamma/beta`), and a missing
//! tied decoder must mean "tied" while any other missing key is an error. Those rules
//! live in each model's loader; this file only serves tensors by name.

use std::cell::RefCell;
use std::collections::BTreeSet;

use burn::module::Param;
use burn::nn::{Embedding, LayerNorm, LayerNormConfig, Linear};
use burn::prelude::*;
use safetensors::{Dtype, SafeTensors};

/// Why a checkpoint could not be loaded. Each message names the file part at fault.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("config.json is not valid: {0}")]
    Config(String),
    /// config.json could not be read as JSON at all (the message names the file).
    #[error("{0}")]
    ConfigFile(String),
    #[error("the weights file is not a valid safetensors file: {0}")]
    Format(String),
    #[error("the weights file is not a PyTorch checkpoint this page can read: {0}")]
    Pytorch(String),
    #[error(
        "the weights file has no tensor `{0}` (needed by this model; is this the right checkpoint?)"
    )]
    Missing(String),
    #[error("tensor `{name}` has shape {found:?}, but the config implies {expected:?}")]
    Shape {
        name: String,
        found: Vec<usize>,
        expected: Vec<usize>,
    },
    #[error(
        "tensor `{name}` has dtype {dtype}, which this loader does not read (use f32, f16 or bf16)"
    )]
    Dtype { name: String, dtype: String },
    #[error(
        "tensor `{name}` contains {what} values: the weights file is damaged or was saved from a \
         diverged training run"
    )]
    NonFinite { name: String, what: &'static str },
    #[error(
        "config.json says {field} = {configured}, but the weights have {found} such layers \
         (`{example}`): config.json and the weights do not belong together"
    )]
    LayerCount {
        field: &'static str,
        configured: usize,
        found: usize,
        example: String,
    },
}

/// Tensors of one or more safetensors files (a sharded checkpoint, or an encoder plus a
/// head trained on it), looked up by name; the first file that has a name wins. It
/// remembers which tensors a loader read, so that weights the config leaves out (more
/// layers than it names, a head the model does not have) are reported instead of silently
/// ignored.
pub struct Checkpoint<'a> {
    shards: Vec<SafeTensors<'a>>,
    device: Device,
    used: RefCell<BTreeSet<String>>,
}

impl<'a> Checkpoint<'a> {
    pub fn from_bytes(bytes: &'a [u8], device: &Device) -> Result<Self, LoadError> {
        Self::from_shards(&[bytes], device)
    }

    pub fn from_shards(files: &[&'a [u8]], device: &Device) -> Result<Self, LoadError> {
        let shards = files
            .iter()
            .map(|bytes| {
                SafeTensors::deserialize(bytes).map_err(|e| LoadError::Format(e.to_string()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            shards,
            device: device.clone(),
            used: RefCell::default(),
        })
    }

    fn view(&self, name: &str) -> Option<safetensors::tensor::TensorView<'_>> {
        self.shards.iter().find_map(|st| st.tensor(name).ok())
    }

    /// Names of the tensors no loader has read so far, sorted.
    pub fn unused(&self) -> Vec<String> {
        let used = self.used.borrow();
        let mut names: Vec<String> = self
            .names()
            .into_iter()
            .filter(|n| !used.contains(n))
            .collect();
        names.sort();
        names
    }

    /// Fails when the weights hold more numbered layers under `prefix` (`"bert.encoder.layer."`)
    /// than `field` in config.json says: the model would silently skip the extra layers and
    /// print garbage. (Fewer layers than configured fail as a missing tensor.)
    pub fn check_layer_count(
        &self,
        prefix: &str,
        field: &'static str,
        configured: usize,
    ) -> Result<(), LoadError> {
        let names = self.names();
        let deepest = names
            .iter()
            .filter_map(|n| {
                let rest = n.strip_prefix(prefix)?;
                let index: usize = rest.split('.').next()?.parse().ok()?;
                Some((index, n))
            })
            .max_by_key(|(i, _)| *i);
        match deepest {
            Some((i, name)) if i >= configured => Err(LoadError::LayerCount {
                field,
                configured,
                found: i.saturating_add(1),
                example: name.to_string(),
            }),
            _ => Ok(()),
        }
    }

    pub fn contains(&self, name: &str) -> bool {
        self.view(name).is_some()
    }

    /// Every tensor name, once.
    pub fn names(&self) -> Vec<String> {
        let names: BTreeSet<&str> = self.shards.iter().flat_map(|st| st.names()).collect();
        names.into_iter().map(String::from).collect()
    }

    /// The first of `names` that exists (checkpoints spell some keys in several ways).
    pub fn first_of(&self, names: &[String]) -> Result<String, LoadError> {
        names
            .iter()
            .find(|n| self.contains(n))
            .cloned()
            .ok_or_else(|| LoadError::Missing(names[0].clone()))
    }

    /// Raw f32 values and shape of `name`, checked against `expected`.
    pub fn values(&self, name: &str, expected: &[usize]) -> Result<Vec<f32>, LoadError> {
        let view = self
            .view(name)
            .ok_or_else(|| LoadError::Missing(name.to_string()))?;
        self.used.borrow_mut().insert(name.to_string());
        if view.shape() != expected {
            return Err(LoadError::Shape {
                name: name.to_string(),
                found: view.shape().to_vec(),
                expected: expected.to_vec(),
            });
        }
        let bytes = view.data();
        let halves = |f: fn([u8; 2]) -> f32| bytes.chunks_exact(2).map(move |c| f([c[0], c[1]]));
        let values: Vec<f32> = match view.dtype() {
            Dtype::F32 => bytes
                .chunks_exact(4)
                .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect(),
            Dtype::F16 => halves(|b| half::f16::from_le_bytes(b).to_f32()).collect(),
            Dtype::BF16 => halves(|b| half::bf16::from_le_bytes(b).to_f32()).collect(),
            // int8 weights carry their quantisation multiplier `qm` in `{name}.quant_mult`
            // (a Marian convention kept by our converter): value = q · (1/qm).
            Dtype::I8 => {
                let qm = self.values(&format!("{name}.quant_mult"), &[1])?[0];
                if qm == 0.0 {
                    return Err(LoadError::NonFinite {
                        name: format!("{name}.quant_mult"),
                        what: "zero (a quantisation multiplier divides, so it yields infinite)",
                    });
                }
                let scale = 1.0 / qm;
                bytes.iter().map(|&b| b as i8 as f32 * scale).collect()
            }
            other => {
                return Err(LoadError::Dtype {
                    name: name.to_string(),
                    dtype: format!("{other:?}"),
                });
            }
        };
        if let Some(bad) = values.iter().find(|v| !v.is_finite()) {
            return Err(LoadError::NonFinite {
                name: name.to_string(),
                what: if bad.is_nan() { "NaN" } else { "infinite" },
            });
        }
        Ok(values)
    }

    pub fn tensor<const D: usize>(
        &self,
        name: &str,
        shape: [usize; D],
    ) -> Result<Tensor<D>, LoadError> {
        let values = self.values(name, &shape)?;
        Ok(Tensor::from_data(
            TensorData::new(values, shape),
            &self.device,
        ))
    }

    /// A PyTorch `nn.Linear` (`{prefix}.weight` `[out, in]`, `{prefix}.bias` `[out]`).
    pub fn linear(&self, prefix: &str, d_in: usize, d_out: usize) -> Result<Linear, LoadError> {
        let w = self.values(&format!("{prefix}.weight"), &[d_out, d_in])?;
        let weight = transpose(&w, d_out, d_in);
        let bias = self.tensor(&format!("{prefix}.bias"), [d_out])?;
        Ok(Linear {
            weight: Param::from_tensor(Tensor::from_data(
                TensorData::new(weight, [d_in, d_out]),
                &self.device,
            )),
            bias: Some(Param::from_tensor(bias)),
        })
    }

    /// A bias-free `nn.Linear` (`{prefix}.weight` `[out, in]`).
    pub fn linear_no_bias(
        &self,
        prefix: &str,
        d_in: usize,
        d_out: usize,
    ) -> Result<Linear, LoadError> {
        let w = self.values(&format!("{prefix}.weight"), &[d_out, d_in])?;
        Ok(Linear {
            weight: Param::from_tensor(Tensor::from_data(
                TensorData::new(transpose(&w, d_out, d_in), [d_in, d_out]),
                &self.device,
            )),
            bias: None,
        })
    }

    /// A GPT-2 `Conv1D` (`{prefix}.weight` `[in, out]`, `{prefix}.bias` `[out]`): a Linear
    /// stored the other way round from `nn.Linear`, which happens to be Burn's own layout.
    pub fn conv1d(&self, prefix: &str, d_in: usize, d_out: usize) -> Result<Linear, LoadError> {
        Ok(Linear {
            weight: Param::from_tensor(self.tensor(&format!("{prefix}.weight"), [d_in, d_out])?),
            bias: Some(Param::from_tensor(
                self.tensor(&format!("{prefix}.bias"), [d_out])?,
            )),
        })
    }

    /// An output projection `[vocab, d]` stored under `key` that may be tied to the input
    /// embedding `tied_to`: `None` when it is absent or a stored copy of the embedding (older
    /// `save_pretrained` writes both), so that one matrix is kept in memory; otherwise the
    /// matrix transposed to `[d, vocab]`.
    pub fn untied_output(
        &self,
        key: &str,
        tied_to: &str,
        vocab: usize,
        d: usize,
    ) -> Result<Option<Param<Tensor<2>>>, LoadError> {
        if !self.contains(key) {
            return Ok(None);
        }
        let shape = [vocab, d];
        let w = self.values(key, &shape)?;
        if w == self.values(tied_to, &shape)? {
            return Ok(None);
        }
        Ok(Some(Param::from_tensor(Tensor::from_data(
            TensorData::new(transpose(&w, vocab, d), [d, vocab]),
            &self.device,
        ))))
    }

    /// A LayerNorm under `prefix`, spelled `weight/bias` or (older TF ports) `gamma/beta`.
    pub fn layer_norm(&self, prefix: &str, d: usize, eps: f64) -> Result<LayerNorm, LoadError> {
        let gamma = self.first_of(&[format!("{prefix}.weight"), format!("{prefix}.gamma")])?;
        let beta = self.first_of(&[format!("{prefix}.bias"), format!("{prefix}.beta")])?;
        let mut norm = LayerNormConfig::new(d).with_epsilon(eps).init(&self.device);
        norm.gamma = Param::from_tensor(self.tensor(&gamma, [d])?);
        norm.beta = Some(Param::from_tensor(self.tensor(&beta, [d])?));
        Ok(norm)
    }

    pub fn embedding(&self, name: &str, n: usize, d: usize) -> Result<Embedding, LoadError> {
        Ok(Embedding {
            weight: Param::from_tensor(self.tensor(name, [n, d])?),
        })
    }

    pub fn device(&self) -> &Device {
        &self.device
    }
}

/// The largest size any one config dimension may have (vocabulary, width, layers,
/// positions). Real checkpoints stay far below it; a larger number is a damaged or hostile
/// file, refused before it can reach an allocation or an index.
pub const MAX_DIM: usize = 1 << 24;

/// Checks a size field of config.json: at least 1 and at most [`MAX_DIM`].
pub fn check_dim(field: &str, value: usize) -> Result<(), LoadError> {
    if value == 0 || value > MAX_DIM {
        return Err(LoadError::Config(format!(
            "{field} is {value}; it must be between 1 and {MAX_DIM}"
        )));
    }
    Ok(())
}

/// Checks a token id field of config.json against the vocabulary.
pub fn check_token(field: &str, id: u32, vocab_size: usize) -> Result<(), LoadError> {
    if id as usize >= vocab_size {
        return Err(LoadError::Config(format!(
            "{field} is {id}, outside the vocabulary of {vocab_size} tokens"
        )));
    }
    Ok(())
}

/// Checks `layer_norm_eps`: LayerNorm divides by √(variance + eps), so eps must be a
/// positive finite number (a negative one gives NaN on every near-constant vector).
pub fn check_eps(field: &str, eps: f64) -> Result<(), LoadError> {
    if !(eps.is_finite() && eps > 0.0 && eps < 1.0) {
        return Err(LoadError::Config(format!(
            "{field} is {eps}; it must be a small positive number such as 1e-12"
        )));
    }
    Ok(())
}

/// Row-major `[rows, cols]` → `[cols, rows]`.
pub fn transpose(w: &[f32], rows: usize, cols: usize) -> Vec<f32> {
    let mut out = vec![0.0; w.len()];
    for r in 0..rows {
        for c in 0..cols {
            out[c * rows + r] = w[r * cols + c];
        }
    }
    out
}
