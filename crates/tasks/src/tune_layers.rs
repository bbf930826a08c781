//! Fine-tuning the top N encoder blocks together with the head: the lecture's "fine-tune
//! the whole model" in a size that fits the page.
//!
//! The blocks below the tuned ones stay frozen, so each example's hidden states after them
//! are computed once (as the frozen-encoder path caches the last block's) and every step
//! runs only the top N blocks and the head, forward and backward, with Burn's autodiff.
//! Two AdamW optimizers, because the pre-trained blocks need a learning rate about a
//! hundred times smaller than a new head (BERT's own fine-tuning used 2e-5–5e-5): the
//! head's from [`HeadTrainConfig`], the blocks' from [`LayerTuning`]. The tuned blocks are
//! exported with the head under the checkpoint's own key names, so a loader that reads the
//! head file before the encoder's (`ModelFiles`: `head.safetensors` first) uses them.
//!
//! # Shapes
//! A batch is `[sentences, seq, hidden]` (padded, with a `[sentences, seq]` padding mask);
//! the head reads the picked rows (each word's first sub-token, or `[CLS]`):
//! `[picks, hidden]` → logits `[picks, labels]`.

use burn::module::Module;
use burn::nn::LayerNorm;
use burn::nn::loss::CrossEntropyLossConfig;
use burn::optim::{AdamWConfig, GradientsParams, ModuleOptimizer};
use burn::prelude::*;
use rand::SeedableRng;
use rand::rngs::StdRng;
use serde::Serialize;
use tlab_models::attention::AttentionMask;
use tlab_models::bert::{BlockKeys, BlockPart};
use tlab_models::burn;
use tlab_models::readout;
use tlab_models::transformer::EncoderBlock;

use crate::TaskError;
use crate::finetune::{
    HeadTrainConfig, NamedTensor, Progress, Shuffled, Tally, TrainableHead, linear_tensors,
};

/// Which blocks train, and how.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct LayerTuning {
    /// The top `layers` encoder blocks train (1 ..= the model's layers).
    pub layers: usize,
    pub learning_rate: f64,
    /// Sentences (or texts) per step.
    pub batch: usize,
}

impl Default for LayerTuning {
    fn default() -> Self {
        Self {
            layers: 1,
            learning_rate: 1e-4,
            batch: 16,
        }
    }
}

/// Examples as sequences: the hidden states below the tuned blocks, and what the head reads.
#[derive(Debug, Clone, Default)]
pub struct Sequences {
    /// One `[tokens × hidden]` row-major block per example.
    pub states: Vec<Vec<f32>>,
    /// Per example, the token positions the head reads, and their labels.
    pub picks: Vec<Vec<usize>>,
    pub labels: Vec<Vec<u32>>,
}

impl Sequences {
    pub fn len(&self) -> usize {
        self.states.len()
    }

    pub fn is_empty(&self) -> bool {
        self.states.is_empty()
    }

    /// Labelled positions (words, or texts) in all examples.
    pub fn picked(&self) -> usize {
        self.labels.iter().map(Vec::len).sum()
    }
}

/// What trains: the top blocks and the head.
#[derive(Module, Debug)]
pub struct TunedTop {
    blocks: Vec<EncoderBlock>,
    head: TrainableHead,
}

impl TunedTop {
    /// # Shapes
    /// - `x`: `[batch, seq, hidden]`, `padding`: `[batch, seq]` (`true` on padding);
    ///   `rows`: flat positions `b * seq + t` → logits `[rows, labels]`
    fn forward(&self, x: Tensor<3>, padding: Tensor<2, Bool>, rows: &[usize]) -> Tensor<2> {
        let mask = AttentionMask::Padding(padding);
        let mut x = x;
        for block in &self.blocks {
            x = block.forward(x, &mask, false).0;
        }
        let [batch, seq, hidden] = x.dims();
        let index: Vec<i64> = rows.iter().map(|&r| r as i64).collect();
        let index = Tensor::<1, Int>::from_data(TensorData::new(index, [rows.len()]), &x.device());
        self.head
            .forward(x.reshape([batch * seq, hidden]).select(0, index))
    }
}

/// The top blocks and a head being trained on cached lower states.
pub struct LayerTrainer {
    model: TunedTop,
    blocks_optim: ModuleOptimizer,
    head_optim: ModuleOptimizer,
    config: HeadTrainConfig,
    tuning: LayerTuning,
    hidden: usize,
    /// Index of the first tuned block in the encoder, and the checkpoint's key prefix.
    first_block: usize,
    prefix: &'static str,
    train: Sequences,
    held_out: Sequences,
    order: Shuffled,
    tally: Tally,
    device: Device,
}

/// A padded batch of sequences.
struct Batch {
    states: Tensor<3>,
    padding: Tensor<2, Bool>,
    rows: Vec<usize>,
    labels: Vec<i64>,
}

impl LayerTrainer {
    /// `blocks`: the encoder's blocks, of which the last `tuning.layers` train (copied);
    /// `prefix`: the checkpoint's key prefix, for export.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        blocks: &[EncoderBlock],
        prefix: &'static str,
        hidden: usize,
        labels: usize,
        pooler: bool,
        train: Sequences,
        held_out: Sequences,
        config: HeadTrainConfig,
        tuning: LayerTuning,
    ) -> Result<Self, TaskError> {
        if tuning.layers == 0 || tuning.layers > blocks.len() {
            return Err(TaskError::Input(format!(
                "the number of encoder layers to fine-tune must be 1 to {} (this model's)",
                blocks.len()
            )));
        }
        let rates = [config.learning_rate, tuning.learning_rate];
        if config.batch == 0
            || tuning.batch == 0
            || rates.iter().any(|r| !r.is_finite() || *r <= 0.0)
        {
            return Err(TaskError::Input(
                "the batch sizes and learning rates must be positive".into(),
            ));
        }
        if train.is_empty() {
            return Err(TaskError::Input("there are no training examples".into()));
        }
        if let Some(bad) = train
            .labels
            .iter()
            .chain(&held_out.labels)
            .flatten()
            .find(|&&l| l as usize >= labels)
        {
            return Err(TaskError::Input(format!(
                "label id {bad} is not one of the {labels} labels"
            )));
        }
        let device = tlab_models::device().autodiff();
        let mut rng = StdRng::seed_from_u64(config.seed);
        let head = TrainableHead::new(hidden, labels, pooler, &mut rng, &device);
        let first_block = blocks.len() - tuning.layers;
        // A copy on the autodiff device with its own graph: the frozen encoder is untouched.
        let tuned: Vec<EncoderBlock> = blocks[first_block..].to_vec().fork(&device).train();
        let clip = burn::grad_clipping::GradientClippingConfig::Norm(1.0);
        Ok(Self {
            model: TunedTop {
                blocks: tuned,
                head,
            },
            blocks_optim: AdamWConfig::new()
                .with_weight_decay(0.01)
                .with_grad_clipping(Some(clip))
                .init(),
            head_optim: AdamWConfig::new()
                .with_weight_decay(config.weight_decay)
                .init(),
            config,
            tuning,
            hidden,
            first_block,
            prefix,
            order: Shuffled::new(train.len(), rng),
            train,
            held_out,
            tally: Tally::default(),
            device,
        })
    }

    /// Examples `rows` of `ex` as one padded batch on `device`.
    fn batch(&self, ex: &Sequences, rows: &[usize], device: &Device) -> Batch {
        let h = self.hidden;
        let seq = rows
            .iter()
            .map(|&r| ex.states[r].len() / h)
            .max()
            .unwrap_or(1);
        let n = rows.len();
        let mut states = vec![0.0f32; n * seq * h];
        let mut padding = vec![true; n * seq];
        let (mut picked, mut labels) = (Vec::new(), Vec::new());
        for (b, &r) in rows.iter().enumerate() {
            let s = &ex.states[r];
            states[b * seq * h..b * seq * h + s.len()].copy_from_slice(s);
            padding[b * seq..b * seq + s.len() / h].fill(false);
            picked.extend(ex.picks[r].iter().map(|&t| b * seq + t));
            labels.extend(ex.labels[r].iter().map(|&l| i64::from(l)));
        }
        Batch {
            states: Tensor::from_data(TensorData::new(states, [n, seq, h]), device),
            padding: Tensor::from_data(TensorData::new(padding, [n, seq]), device),
            rows: picked,
            labels,
        }
    }

    /// Runs `steps` optimizer steps of `tuning.batch` examples each.
    pub fn train(&mut self, steps: usize) -> Result<(), TaskError> {
        let loss_fn = CrossEntropyLossConfig::new().init(&self.device);
        for _ in 0..steps {
            let rows = self.order.next(self.tuning.batch);
            let b = self.batch(&self.train, &rows, &self.device);
            let targets = Tensor::<1, Int>::from_data(
                TensorData::new(b.labels.clone(), [b.labels.len()]),
                &self.device,
            );
            let loss = loss_fn.forward(self.model.forward(b.states, b.padding, &b.rows), targets);
            let value = loss.clone().into_scalar::<f32>();
            Tally::check(value)?;
            let mut grads = loss.backward();
            let block_grads = GradientsParams::from_module(&mut grads, &self.model.blocks);
            let head_grads = GradientsParams::from_module(&mut grads, &self.model.head);
            let TunedTop { blocks, head } = self.model.clone();
            self.model = TunedTop {
                blocks: self
                    .blocks_optim
                    .step(self.tuning.learning_rate, blocks, block_grads),
                head: self
                    .head_optim
                    .step(self.config.learning_rate, head, head_grads),
            };
            self.tally.add(value, rows.len());
        }
        Ok(())
    }

    /// Label probabilities at every token of one example (`[tokens × hidden]` states below
    /// the tuned blocks): one row per token.
    pub fn probabilities(&self, states: &[f32]) -> Result<Vec<Vec<f32>>, TaskError> {
        let plain = self.device.clone().inner();
        let one = Sequences {
            states: vec![states.to_vec()],
            picks: vec![(0..states.len() / self.hidden).collect()],
            labels: vec![Vec::new()],
        };
        let b = self.batch(&one, &[0], &plain);
        let logits = self.model.valid().forward(b.states, b.padding, &b.rows);
        Ok(readout::rows(burn::tensor::activation::softmax(logits, 1))?)
    }

    /// The current state, with the held-out accuracy measured now; resets the loss mean.
    pub fn progress(&mut self) -> Result<Progress, TaskError> {
        let model = self.model.valid();
        let plain = self.device.clone().inner();
        let mut right = 0;
        let all: Vec<usize> = (0..self.held_out.len()).collect();
        for rows in all.chunks(self.tuning.batch.max(16)) {
            let b = self.batch(&self.held_out, rows, &plain);
            let logits = readout::rows(model.forward(b.states, b.padding, &b.rows))?;
            right += logits
                .iter()
                .zip(&b.labels)
                .filter(|(row, l)| readout::argmax(row) as i64 == **l)
                .count();
        }
        let accuracy = right as f32 / self.held_out.picked().max(1) as f32;
        Ok(self.tally.progress(self.train.len(), accuracy))
    }

    /// The head's tensors (see `HeadTrainer::tensors`) and the tuned blocks' under the
    /// checkpoint's own names (`{prefix}encoder.layer.{i}.…`, PyTorch layout).
    pub fn tensors(&self, classifier: &str) -> Result<Vec<NamedTensor>, TaskError> {
        let model = self.model.valid();
        let mut out = model.head.tensors(classifier)?;
        let norm = |out: &mut Vec<NamedTensor>, prefix: &str, n: &LayerNorm| {
            let gamma = readout::values(n.gamma.val())?;
            let d = gamma.len();
            let beta = match &n.beta {
                Some(b) => readout::values(b.val())?,
                None => vec![0.0; d],
            };
            out.push(NamedTensor {
                name: format!("{prefix}.weight"),
                shape: vec![d],
                values: gamma,
            });
            out.push(NamedTensor {
                name: format!("{prefix}.bias"),
                shape: vec![d],
                values: beta,
            });
            Ok::<(), TaskError>(())
        };
        for (i, block) in model.blocks.iter().enumerate() {
            let k = BlockKeys::new(self.prefix, self.first_block + i);
            for (prefix, part) in k.parts(block) {
                match part {
                    BlockPart::Linear(linear) => linear_tensors(&mut out, prefix, linear)?,
                    BlockPart::Norm(n) => norm(&mut out, prefix, n)?,
                }
            }
        }
        Ok(out)
    }
}
