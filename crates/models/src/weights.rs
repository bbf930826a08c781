//! Reading Hugging Face `model.safetensors` files into Burn parameters.
//!
//! Parsing is the `safetensors` crate's; this file adds what it does not do: converting
//! f16/bf16 to f32, transposing PyTorch `Linear` weights (`[out, in]`) into Burn's
//! `[in, out]`, checking every shape against the config, and errors that name the key.
//! Why not burn-store's adapter: checkpoints in the wild differ in prefix (`bert.` or
//! none) and in LayerNorm names (`weight/bias` or legacy `gamma/beta`), and a missing
//! tied decoder must mean "tied" while any other missing key is an error. Those rules
//! live in each model's loader; this file only serves tensors by name.

use burn::module::Param;
use burn::nn::{Embedding, LayerNorm, LayerNormConfig, Linear};
use burn::prelude::*;
use safetensors::{Dtype, SafeTensors};

/// Why a checkpoint could not be loaded. Each message names the file part at fault.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("config.json is not valid: {0}")]
    Config(String),
    #[error("the weights file is not a valid safetensors file: {0}")]
    Format(String),
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
}

/// Tensors of one safetensors file, looked up by name.
pub struct Checkpoint<'a> {
    st: SafeTensors<'a>,
    device: Device,
}

impl<'a> Checkpoint<'a> {
    pub fn from_bytes(bytes: &'a [u8], device: &Device) -> Result<Self, LoadError> {
        let st = SafeTensors::deserialize(bytes).map_err(|e| LoadError::Format(e.to_string()))?;
        Ok(Self {
            st,
            device: device.clone(),
        })
    }

    pub fn contains(&self, name: &str) -> bool {
        self.st.tensor(name).is_ok()
    }

    pub fn names(&self) -> Vec<String> {
        self.st.names().into_iter().map(String::from).collect()
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
            .st
            .tensor(name)
            .map_err(|_| LoadError::Missing(name.to_string()))?;
        if view.shape() != expected {
            return Err(LoadError::Shape {
                name: name.to_string(),
                found: view.shape().to_vec(),
                expected: expected.to_vec(),
            });
        }
        let bytes = view.data();
        let halves = |f: fn([u8; 2]) -> f32| bytes.chunks_exact(2).map(move |c| f([c[0], c[1]]));
        let values = match view.dtype() {
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
