//! Fine-tuning, the lecture's second half of "pre-train, then fine-tune": a new linear head
//! learns a task from labelled examples on top of a pre-trained encoder, with Burn's
//! autodiff and AdamW. The same code runs in `tlab-train` and, compiled to wasm, in the
//! page's worker.
//!
//! The encoder is frozen and each example's features are computed once ([`FrozenEncoder`]):
//! on two CPU cores one encoder pass costs milliseconds per token, a step of the linear head
//! microseconds, so training the head alone over cached features is what fits in a lecture
//! minute (measured: README "Fine-tuning in the page"). The trained head is a Hugging Face
//! `BertForTokenClassification` `classifier` (`[labels, hidden]` weight, PyTorch layout), so
//! `transformers`, `tlab tag` and every widget load it.
//!
//! # Shapes
//! Features are `[examples, hidden]`, labels `[examples]`, logits `[examples, labels]`.

use burn::module::{Module, Param};
use burn::nn::Linear;
use burn::nn::loss::CrossEntropyLossConfig;
use burn::optim::{AdamWConfig, GradientsParams, ModuleOptimizer};
use burn::prelude::*;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use serde::Serialize;
use tlab_models::bert::BertConfig;
use tlab_models::burn;
use tlab_models::readout;
use tlab_models::transformer::EncoderBlock;

use crate::TaskError;
use crate::classify::Classification;
use crate::encoder::{Encoder, ModelFiles};
use crate::tag::{Tagged, label_words};
use crate::tune_layers::{LayerTrainer, LayerTuning, Sequences};
use tokenizers::Encoding;

/// A pre-trained encoder used only to compute features.
pub struct FrozenEncoder {
    encoder: Encoder,
    /// The encoder's `config.json`, the base of an exported head's.
    config_json: Vec<u8>,
}

/// Sentences per encoder pass when computing features (padded to the longest).
const FEATURE_BATCH: usize = 16;

impl FrozenEncoder {
    /// Loads the encoder of any BERT checkpoint; its heads, if any, are not used.
    pub fn from_files(files: &ModelFiles) -> Result<Self, TaskError> {
        let (encoder, (), _) = Encoder::load(files, &[], |_, _| Ok(()))?;
        Ok(Self {
            encoder,
            config_json: files.config.clone(),
        })
    }

    #[cfg(not(target_arch = "wasm32"))]
    pub fn from_dir(dir: &std::path::Path) -> Result<Self, TaskError> {
        Self::from_files(&ModelFiles::read_dir(dir)?)
    }

    pub fn config(&self) -> &BertConfig {
        &self.encoder.config
    }

    pub fn config_json(&self) -> &[u8] {
        &self.config_json
    }

    pub fn hidden_size(&self) -> usize {
        self.encoder.config.hidden_size
    }

    /// Tokenizes `text` (and `pair`) and returns the encoding with every token's last hidden
    /// state (`[tokens × hidden]`, row-major; `[CLS]` first).
    pub fn token_states(
        &self,
        text: &str,
        pair: Option<&str>,
    ) -> Result<(Encoding, Vec<f32>), TaskError> {
        let enc = self.encoder.encode_text(text, pair)?;
        let states = readout::values(self.encoder.hidden(&enc))?;
        Ok((enc, states))
    }

    /// The last block's hidden states of `encodings`, run as one padded batch:
    /// `[batch × seq × hidden]` row-major, and `seq`.
    fn batch_states(&self, encodings: &[Encoding]) -> Result<(Vec<f32>, usize), TaskError> {
        self.states_after(encodings, self.encoder.bert.layers.len())
    }

    /// As [`Self::batch_states`], after the first `blocks` blocks only.
    fn states_after(
        &self,
        encodings: &[Encoding],
        blocks: usize,
    ) -> Result<(Vec<f32>, usize), TaskError> {
        let seq = encodings
            .iter()
            .map(|e| e.get_ids().len())
            .max()
            .unwrap_or(0);
        let rows = encodings.len();
        let mut ids = vec![0i64; rows * seq];
        let mut types = vec![0i64; rows * seq];
        let mut padding = vec![true; rows * seq];
        for (r, e) in encodings.iter().enumerate() {
            for (c, (&id, &t)) in e.get_ids().iter().zip(e.get_type_ids()).enumerate() {
                ids[r * seq + c] = i64::from(id);
                types[r * seq + c] = i64::from(t);
                padding[r * seq + c] = false;
            }
        }
        let device = &self.encoder.device;
        let int =
            |v: Vec<i64>| Tensor::<2, Int>::from_data(TensorData::new(v, [rows, seq]), device);
        let states = self.encoder.bert.forward_blocks(
            int(ids),
            Some(int(types)),
            Some(Tensor::<2, Bool>::from_data(
                TensorData::new(padding, [rows, seq]),
                device,
            )),
            blocks,
            false,
        );
        Ok((readout::values(states.hidden)?, seq))
    }

    /// Each encoding's hidden states after the first `blocks` blocks, unpadded: one
    /// `[tokens × hidden]` row-major block per encoding.
    pub(crate) fn states_below(
        &self,
        encodings: &[Encoding],
        blocks: usize,
    ) -> Result<Vec<Vec<f32>>, TaskError> {
        let hidden = self.hidden_size();
        let mut out = Vec::with_capacity(encodings.len());
        for batch in encodings.chunks(FEATURE_BATCH) {
            let (values, seq) = self.states_after(batch, blocks)?;
            for (r, e) in batch.iter().enumerate() {
                let at = r * seq * hidden;
                out.push(values[at..at + e.get_ids().len() * hidden].to_vec());
            }
        }
        Ok(out)
    }

    /// The words of a tagging sentence, encoded as one pre-split text.
    pub(crate) fn encode_words(&self, words: &[String]) -> Result<Encoding, TaskError> {
        let words: Vec<&str> = words.iter().map(String::as_str).collect();
        self.encoder.encode(words.as_slice())
    }

    /// The encoder's blocks and their checkpoint key prefix (`bert.` or none).
    pub(crate) fn blocks(&self) -> (&[EncoderBlock], &'static str) {
        (&self.encoder.bert.layers, self.encoder.prefix)
    }

    /// The last hidden state of each word's first sub-token (what a token-classification
    /// head reads for the word, see `tag.rs`), for sentences given as words. Returns one
    /// `[words × hidden]` row-major block per sentence; a sentence too long for the model
    /// is an error naming it.
    pub fn word_features(&self, sentences: &[Vec<String>]) -> Result<Vec<Vec<f32>>, TaskError> {
        let hidden = self.hidden_size();
        let mut out = Vec::with_capacity(sentences.len());
        for batch in sentences.chunks(FEATURE_BATCH) {
            let encodings = batch
                .iter()
                .map(|words| self.encode_words(words))
                .collect::<Result<Vec<_>, _>>()?;
            let (values, seq) = self.batch_states(&encodings)?;
            for (r, (e, words)) in encodings.iter().zip(batch).enumerate() {
                let mut block = Vec::with_capacity(words.len() * hidden);
                for t in first_sub_tokens(e) {
                    let at = (r * seq + t) * hidden;
                    block.extend_from_slice(&values[at..at + hidden]);
                }
                if block.len() != words.len() * hidden {
                    return Err(TaskError::Input(format!(
                        "a word of \"{}\" gives no token (is it empty or all whitespace?)",
                        words.join(" ")
                    )));
                }
                out.push(block);
            }
        }
        Ok(out)
    }

    /// The last hidden state of `[CLS]` (what BERT's pooler reads) for each text, or pair
    /// encoded by the tokenizer's pair template: `[texts × hidden]`, row-major.
    pub fn cls_features(&self, texts: &[(String, Option<String>)]) -> Result<Vec<f32>, TaskError> {
        let hidden = self.hidden_size();
        let mut out = Vec::with_capacity(texts.len() * hidden);
        for batch in texts.chunks(FEATURE_BATCH) {
            let encodings = batch
                .iter()
                .map(|(a, b)| self.encoder.encode_text(a, b.as_deref()))
                .collect::<Result<Vec<_>, _>>()?;
            let (values, seq) = self.batch_states(&encodings)?;
            for r in 0..encodings.len() {
                let at = r * seq * hidden;
                out.extend_from_slice(&values[at..at + hidden]);
            }
        }
        Ok(out)
    }
}

/// The position of each word's first sub-token (what a token-classification head reads for
/// the word, see `tag.rs`).
fn first_sub_tokens(e: &Encoding) -> Vec<usize> {
    let mut out = Vec::new();
    let mut last = None;
    for (t, w) in e.get_word_ids().iter().enumerate() {
        if let Some(w) = *w
            && last != Some(w)
        {
            last = Some(w);
            out.push(t);
        }
    }
    out
}

/// Examples as features and label ids.
#[derive(Debug, Clone, Default)]
pub struct Examples {
    /// `[len, hidden]`, row-major.
    pub features: Vec<f32>,
    pub labels: Vec<u32>,
}

impl Examples {
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }
}

/// How the head is trained.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct HeadTrainConfig {
    pub learning_rate: f64,
    pub weight_decay: f32,
    /// Examples per step.
    pub batch: usize,
    pub seed: u64,
}

impl Default for HeadTrainConfig {
    fn default() -> Self {
        Self {
            learning_rate: 3e-3,
            weight_decay: 1e-4,
            batch: 256,
            seed: 0,
        }
    }
}

/// Where training stands: what the page's chart plots and `tlab-train` prints.
#[derive(Debug, Clone, Serialize)]
pub struct Progress {
    pub step: usize,
    /// Passes over the training examples so far (fractional).
    pub epochs: f64,
    /// Mean training loss since the last report.
    pub loss: f32,
    /// Fraction of held-out examples whose most probable label is the right one.
    pub held_out_accuracy: f32,
}

/// Steps, examples seen and the loss mean since the last report (both trainers).
#[derive(Debug, Clone, Default)]
pub(crate) struct Tally {
    step: usize,
    seen: usize,
    loss_sum: f64,
    loss_n: usize,
}

impl Tally {
    /// A loss that is no longer a number ends training with advice.
    pub(crate) fn check(loss: f32) -> Result<(), TaskError> {
        if loss.is_finite() {
            Ok(())
        } else {
            Err(TaskError::Input(
                "the training loss became NaN or infinite: lower the learning rate".into(),
            ))
        }
    }

    pub(crate) fn add(&mut self, loss: f32, examples: usize) {
        self.step += 1;
        self.seen += examples;
        self.loss_sum += f64::from(loss);
        self.loss_n += 1;
    }

    /// The report for `train_len` training examples; resets the loss mean.
    pub(crate) fn progress(&mut self, train_len: usize, held_out_accuracy: f32) -> Progress {
        let progress = Progress {
            step: self.step,
            epochs: self.seen as f64 / train_len.max(1) as f64,
            loss: if self.loss_n == 0 {
                f32::NAN
            } else {
                (self.loss_sum / self.loss_n as f64) as f32
            },
            held_out_accuracy,
        };
        self.loss_sum = 0.0;
        self.loss_n = 0;
        progress
    }
}

/// The order examples are trained in: every example once per epoch, reshuffled each epoch
/// by the trainer's seeded generator.
pub(crate) struct Shuffled {
    order: Vec<usize>,
    cursor: usize,
    rng: StdRng,
}

impl Shuffled {
    pub(crate) fn new(examples: usize, rng: StdRng) -> Self {
        Self {
            order: (0..examples).collect(),
            cursor: usize::MAX,
            rng,
        }
    }

    /// The next `batch` examples (fewer at the end of an epoch).
    pub(crate) fn next(&mut self, batch: usize) -> Vec<usize> {
        if self.cursor >= self.order.len() {
            self.order.shuffle(&mut self.rng);
            self.cursor = 0;
        }
        let end = (self.cursor + batch).min(self.order.len());
        let rows = self.order[self.cursor..end].to_vec();
        self.cursor = end;
        rows
    }
}

/// What is trained: a linear classifier `[hidden → labels]`, after a pooler `tanh(W·x + b)`
/// `[hidden → hidden]` for heads that read `[CLS]` as BERT's sequence-level heads do.
#[derive(Module, Debug)]
pub struct TrainableHead {
    pooler: Option<Linear>,
    classifier: Linear,
}

impl TrainableHead {
    /// PyTorch's `nn.Linear` initialisation (uniform ±1/√in), reproducible by `rng`: the
    /// pooler (if any) first, weights before biases.
    pub(crate) fn new(
        hidden: usize,
        labels: usize,
        pooler: bool,
        rng: &mut StdRng,
        device: &Device,
    ) -> Self {
        let bound = 1.0 / (hidden as f32).sqrt();
        let mut linear = |d_in: usize, d_out: usize| {
            let mut init = |n: usize| -> Vec<f32> {
                (0..n).map(|_| rng.random_range(-bound..bound)).collect()
            };
            let (w, b) = (init(d_in * d_out), init(d_out));
            Linear {
                weight: Param::from_tensor(Tensor::from_data(
                    TensorData::new(w, [d_in, d_out]),
                    device,
                )),
                bias: Some(Param::from_tensor(Tensor::from_data(
                    TensorData::new(b, [d_out]),
                    device,
                ))),
            }
        };
        Self {
            pooler: pooler.then(|| linear(hidden, hidden)),
            classifier: linear(hidden, labels),
        }
    }

    /// # Shapes
    /// - `x`: `[examples, hidden]` → logits `[examples, labels]`
    pub fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        let x = match &self.pooler {
            Some(p) => burn::tensor::activation::tanh(p.forward(x)),
            None => x,
        };
        self.classifier.forward(x)
    }
}

/// One tensor of an exported head: its checkpoint name, PyTorch shape and values.
pub struct NamedTensor {
    pub name: String,
    pub shape: Vec<usize>,
    pub values: Vec<f32>,
}

/// A head being trained on cached features.
pub struct HeadTrainer {
    head: TrainableHead,
    optim: ModuleOptimizer,
    config: HeadTrainConfig,
    hidden: usize,
    train: Examples,
    held_out: Examples,
    order: Shuffled,
    tally: Tally,
    device: Device,
}

impl HeadTrainer {
    /// A linear head over `hidden`-wide features; with `pooler`, BERT's pooler comes first
    /// (sequence-level heads on `[CLS]`: classification, NSP).
    pub fn new(
        hidden: usize,
        labels: usize,
        train: Examples,
        held_out: Examples,
        config: HeadTrainConfig,
        pooler: bool,
    ) -> Result<Self, TaskError> {
        for (what, ex) in [("training", &train), ("held-out", &held_out)] {
            if ex.features.len() != ex.len() * hidden {
                return Err(TaskError::Internal(format!(
                    "{what} features are not {hidden} wide"
                )));
            }
            if let Some(bad) = ex.labels.iter().find(|&&l| l as usize >= labels) {
                return Err(TaskError::Input(format!(
                    "{what} label id {bad} is not one of the {labels} labels"
                )));
            }
        }
        if train.is_empty() {
            return Err(TaskError::Input("there are no training examples".into()));
        }
        if config.batch == 0 || !config.learning_rate.is_finite() || config.learning_rate <= 0.0 {
            return Err(TaskError::Input(
                "the batch size and learning rate must be positive".into(),
            ));
        }
        let device = tlab_models::device().autodiff();
        let mut rng = StdRng::seed_from_u64(config.seed);
        let head = TrainableHead::new(hidden, labels, pooler, &mut rng, &device);
        let optim = AdamWConfig::new()
            .with_weight_decay(config.weight_decay)
            .init();
        Ok(Self {
            head,
            optim,
            config,
            hidden,
            order: Shuffled::new(train.len(), rng),
            train,
            held_out,
            tally: Tally::default(),
            device,
        })
    }

    fn features(&self, ex: &Examples, rows: &[usize]) -> Tensor<2> {
        let mut data = Vec::with_capacity(rows.len() * self.hidden);
        for &r in rows {
            data.extend_from_slice(&ex.features[r * self.hidden..(r + 1) * self.hidden]);
        }
        Tensor::from_data(
            TensorData::new(data, [rows.len(), self.hidden]),
            &self.device,
        )
    }

    /// Runs `steps` optimizer steps of `batch` examples each.
    pub fn train(&mut self, steps: usize) -> Result<(), TaskError> {
        let loss_fn = CrossEntropyLossConfig::new().init(&self.device);
        for _ in 0..steps {
            let rows = self.order.next(self.config.batch);
            let x = self.features(&self.train, &rows);
            let targets: Vec<i64> = rows
                .iter()
                .map(|&r| i64::from(self.train.labels[r]))
                .collect();
            let y =
                Tensor::<1, Int>::from_data(TensorData::new(targets, [rows.len()]), &self.device);
            let loss = loss_fn.forward(self.head.forward(x), y);
            let value = loss.clone().into_scalar::<f32>();
            Tally::check(value)?;
            let grads = GradientsParams::from_grads(loss.backward(), &self.head);
            self.head = self
                .optim
                .step(self.config.learning_rate, self.head.clone(), grads);
            self.tally.add(value, rows.len());
        }
        Ok(())
    }

    /// Label probabilities for `features` (`[n, hidden]`), one row per example.
    pub fn probabilities(&self, features: &[f32]) -> Result<Vec<Vec<f32>>, TaskError> {
        let rows = features.len() / self.hidden.max(1);
        let plain = self.device.clone().inner();
        let x = Tensor::from_data(
            TensorData::new(features.to_vec(), [rows, self.hidden]),
            &plain,
        );
        Ok(readout::rows(burn::tensor::activation::softmax(
            self.head.valid().forward(x),
            1,
        ))?)
    }

    /// Label ids the head predicts for `features` (`[n, hidden]`).
    pub fn predict(&self, features: &[f32]) -> Result<Vec<u32>, TaskError> {
        let n = features.len() / self.hidden.max(1);
        let mut out = Vec::with_capacity(n);
        let head = self.head.valid();
        let plain = self.device.clone().inner();
        // Chunks keep the held-out pass's memory small in the page.
        for chunk in features.chunks(4096 * self.hidden) {
            let rows = chunk.len() / self.hidden;
            let x = Tensor::from_data(TensorData::new(chunk.to_vec(), [rows, self.hidden]), &plain);
            let logits = readout::rows(head.forward(x))?;
            out.extend(logits.iter().map(|row| readout::argmax(row) as u32));
        }
        Ok(out)
    }

    /// The current state, with the held-out accuracy measured now; resets the loss mean.
    pub fn progress(&mut self) -> Result<Progress, TaskError> {
        let predicted = self.predict(&self.held_out.features)?;
        let right = predicted
            .iter()
            .zip(&self.held_out.labels)
            .filter(|(p, l)| p == l)
            .count();
        let accuracy = right as f32 / self.held_out.len().max(1) as f32;
        Ok(self.tally.progress(self.train.len(), accuracy))
    }

    /// The head's tensors in Hugging Face's layout (weights `[out, in]`): the classifier
    /// under `classifier` (e.g. `classifier`, `cls.seq_relationship`) and the pooler, if
    /// any, under `bert.pooler.dense`.
    pub fn tensors(&self, classifier: &str) -> Result<Vec<NamedTensor>, TaskError> {
        self.head.valid().tensors(classifier)
    }
}

impl TrainableHead {
    /// See [`HeadTrainer::tensors`].
    pub(crate) fn tensors(&self, classifier: &str) -> Result<Vec<NamedTensor>, TaskError> {
        let mut out = Vec::new();
        if let Some(p) = &self.pooler {
            linear_tensors(&mut out, "bert.pooler.dense", p)?;
        }
        linear_tensors(&mut out, classifier, &self.classifier)?;
        Ok(out)
    }
}

/// A Linear's weight (`[out, in]`, PyTorch's layout) and bias under `prefix`.
pub(crate) fn linear_tensors(
    out: &mut Vec<NamedTensor>,
    prefix: &str,
    linear: &Linear,
) -> Result<(), TaskError> {
    let [d_in, d_out] = linear.weight.val().dims();
    out.push(NamedTensor {
        name: format!("{prefix}.weight"),
        shape: vec![d_out, d_in],
        values: readout::values(linear.weight.val().transpose())?,
    });
    out.push(NamedTensor {
        name: format!("{prefix}.bias"),
        shape: vec![d_out],
        values: match &linear.bias {
            Some(b) => readout::values(b.val())?,
            None => vec![0.0; d_out],
        },
    });
    Ok(())
}

/// A trained head as Hugging Face files: `config.json` (the encoder's, with the head's
/// `architectures` and `id2label`/`label2id`) and `head.safetensors` (the head's tensors,
/// f16 as every weight trained here is stored).
pub struct ExportedHead {
    pub config_json: String,
    pub head_safetensors: Vec<u8>,
}

/// Writes a trained head for `architecture` (e.g. `BertForTokenClassification`).
pub fn export_head(
    encoder_config: &[u8],
    architecture: &str,
    labels: &[String],
    tensors: &[NamedTensor],
) -> Result<ExportedHead, TaskError> {
    let mut config: serde_json::Map<String, serde_json::Value> =
        tlab_models::json::parse("config.json", encoder_config).map_err(TaskError::Input)?;
    if tensors
        .iter()
        .any(|t| t.values.len() != t.shape.iter().product::<usize>())
    {
        return Err(TaskError::Internal(
            "a head tensor's values do not fill its shape".into(),
        ));
    }
    config.insert("architectures".into(), serde_json::json!([architecture]));
    config.insert(
        "id2label".into(),
        labels
            .iter()
            .enumerate()
            .map(|(i, l)| (i.to_string(), serde_json::Value::from(l.as_str())))
            .collect::<serde_json::Map<_, _>>()
            .into(),
    );
    config.insert(
        "label2id".into(),
        labels
            .iter()
            .enumerate()
            .map(|(i, l)| (l.clone(), serde_json::Value::from(i)))
            .collect::<serde_json::Map<_, _>>()
            .into(),
    );
    let bytes: Vec<Vec<u8>> = tensors
        .iter()
        .map(|t| {
            t.values
                .iter()
                .flat_map(|&x| half::f16::from_f32(x).to_le_bytes())
                .collect()
        })
        .collect();
    let views = tensors
        .iter()
        .zip(&bytes)
        .map(|(t, b)| {
            safetensors::tensor::TensorView::new(safetensors::Dtype::F16, t.shape.clone(), b)
                .map(|view| (t.name.as_str(), view))
                .map_err(|e| TaskError::Internal(format!("{}: {e}", t.name)))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let metadata = std::collections::HashMap::from([("format".to_string(), "pt".to_string())]);
    let head_safetensors = safetensors::serialize(views, Some(metadata))
        .map_err(|e| TaskError::Internal(e.to_string()))?;
    Ok(ExportedHead {
        config_json: serde_json::to_string_pretty(&config)
            .map_err(|e| TaskError::Internal(e.to_string()))?,
        head_safetensors,
    })
}

/// One sentence of tagging data: its words and one label per word.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct TaggedSentence {
    pub words: Vec<String>,
    pub tags: Vec<String>,
}

/// One example of sentence classification: a text, or a pair, and its label.
#[derive(Debug, Clone)]
pub struct LabelledText {
    pub text: String,
    pub pair: Option<String>,
    pub label: String,
}

/// Training data as a lecturer types it, one example per line, in one of three forms (the
/// first non-blank line decides; a line in another form is an error naming it):
/// - tagging: `word/TAG word/TAG …` (the last `/` splits, so `1/2/NUM` is the word `1/2`),
///   or `{"words": […], "tags": […]}` (what `tools/corpus/pos.py` writes);
/// - sentence classification: `text<TAB>label`;
/// - sentence pairs: `sentence A<TAB>sentence B<TAB>label`.
#[derive(Debug, Clone)]
pub enum TrainingData {
    Tagging(Vec<TaggedSentence>),
    Classification(Vec<LabelledText>),
}

impl TrainingData {
    pub fn parse(text: &str) -> Result<Self, TaskError> {
        let mut lines = text
            .lines()
            .enumerate()
            .map(|(i, l)| (i + 1, l.trim()))
            .filter(|(_, l)| !l.is_empty())
            .peekable();
        let classification = lines.peek().is_some_and(|(_, l)| l.contains('\t'));
        let bad = |n: usize, why: String| TaskError::Input(format!("line {n}: {why}"));
        if classification {
            let items = lines
                .map(|(n, line)| {
                    let cells: Vec<&str> = line.split('\t').map(str::trim).collect();
                    let (text, pair, label) = match cells.as_slice() {
                        [t, l] => (*t, None, *l),
                        [a, b, l] => (*a, Some(b.to_string()), *l),
                        _ => {
                            return Err(bad(
                                n,
                                "is not text<TAB>label or sentence A<TAB>sentence B<TAB>label"
                                    .into(),
                            ));
                        }
                    };
                    if text.is_empty() || label.is_empty() || pair.as_deref() == Some("") {
                        return Err(bad(n, "has an empty text or label".into()));
                    }
                    Ok(LabelledText {
                        text: text.to_string(),
                        pair,
                        label: label.to_string(),
                    })
                })
                .collect::<Result<Vec<_>, _>>()?;
            return Ok(Self::Classification(items));
        }
        let sentences = lines
            .map(|(n, line)| {
                if line.starts_with('{') {
                    let s: TaggedSentence = serde_json::from_str(line)
                        .map_err(|e| bad(n, format!("not valid JSON: {e}")))?;
                    if s.words.len() != s.tags.len() || s.words.is_empty() {
                        return Err(bad(n, "needs as many tags as words, at least one".into()));
                    }
                    return Ok(s);
                }
                let mut s = TaggedSentence {
                    words: Vec::new(),
                    tags: Vec::new(),
                };
                for pair in line.split_whitespace() {
                    match pair.rsplit_once('/') {
                        Some((word, tag)) if !word.is_empty() && !tag.is_empty() => {
                            s.words.push(word.to_string());
                            s.tags.push(tag.to_string());
                        }
                        _ => return Err(bad(n, format!("\"{pair}\" is not word/TAG"))),
                    }
                }
                Ok(s)
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self::Tagging(sentences))
    }

    fn len(&self) -> usize {
        match self {
            Self::Tagging(s) => s.len(),
            Self::Classification(c) => c.len(),
        }
    }

    /// Every label in order of use, one per word (tagging) or per example.
    fn labels(&self) -> Vec<&str> {
        match self {
            Self::Tagging(s) => s.iter().flat_map(|s| &s.tags).map(String::as_str).collect(),
            Self::Classification(c) => c.iter().map(|c| c.label.as_str()).collect(),
        }
    }
}

/// What a fine-tuning job trains.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FineTuneTask {
    /// One label per word: `BertForTokenClassification`, a linear head on every token.
    Tag,
    /// One label per text or pair: `BertForSequenceClassification`, pooler + linear on `[CLS]`.
    Classify,
}

/// The head's answer for the student's input, as the matching task would give it.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum Prediction {
    Tagged(Tagged),
    Classified(Classification),
}

/// Feature computation so far.
#[derive(Debug, Clone, Serialize)]
pub struct FeatureProgress {
    pub sentences_done: usize,
    pub sentences: usize,
    /// Examples with features: words (tagging) or texts (classification).
    pub train_words: usize,
    pub held_out_words: usize,
}

/// The page's fine-tuning run: compute features a few examples at a time (so the worker can
/// report and be paused between calls), then train the head in short bursts; answer for the
/// student's input with the head as it is at any moment.
pub struct FineTuneJob {
    encoder: FrozenEncoder,
    task: FineTuneTask,
    labels: Vec<String>,
    train_data: TrainingData,
    held_data: TrainingData,
    done: usize,
    train: Examples,
    held: Examples,
    config: HeadTrainConfig,
    /// With top blocks training too: their settings, and examples as sequences.
    tuning: Option<LayerTuning>,
    train_seq: Sequences,
    held_seq: Sequences,
    trainer: Option<Trainer>,
}

/// The head alone over cached last-block features, or the top blocks and the head.
enum Trainer {
    Head(HeadTrainer),
    Layers(LayerTrainer),
}

impl Trainer {
    fn train(&mut self, steps: usize) -> Result<Progress, TaskError> {
        match self {
            Self::Head(t) => {
                t.train(steps)?;
                t.progress()
            }
            Self::Layers(t) => {
                t.train(steps)?;
                t.progress()
            }
        }
    }

    fn tensors(&self, classifier: &str) -> Result<Vec<NamedTensor>, TaskError> {
        match self {
            Self::Head(t) => t.tensors(classifier),
            Self::Layers(t) => t.tensors(classifier),
        }
    }
}

impl FineTuneJob {
    /// Both sets must be in the same form. Labels are the training data's in order of first
    /// use; a held-out label the training data never shows is an error (the head could not
    /// learn it).
    pub fn new(
        encoder: FrozenEncoder,
        train: TrainingData,
        held_out: TrainingData,
        config: HeadTrainConfig,
    ) -> Result<Self, TaskError> {
        if train.len() == 0 || held_out.len() == 0 {
            return Err(TaskError::Input(
                "fine-tuning needs training examples and held-out examples".into(),
            ));
        }
        let task = match (&train, &held_out) {
            (TrainingData::Tagging(_), TrainingData::Tagging(_)) => FineTuneTask::Tag,
            (TrainingData::Classification(_), TrainingData::Classification(_)) => {
                FineTuneTask::Classify
            }
            _ => {
                return Err(TaskError::Input(
                    "the training and held-out examples are in different forms (word/TAG \
                     lines vs text<TAB>label lines)"
                        .into(),
                ));
            }
        };
        let mut labels: Vec<String> = Vec::new();
        for l in train.labels() {
            if !labels.iter().any(|x| x == l) {
                labels.push(l.to_string());
            }
        }
        if let Some(t) = held_out
            .labels()
            .into_iter()
            .find(|t| !labels.iter().any(|l| l == t))
        {
            return Err(TaskError::Input(format!(
                "the held-out label \"{t}\" never occurs in the training examples"
            )));
        }
        if labels.len() < 2 {
            return Err(TaskError::Input(
                "the training examples need at least two different labels".into(),
            ));
        }
        Ok(Self {
            encoder,
            task,
            labels,
            train_data: train,
            held_data: held_out,
            done: 0,
            train: Examples::default(),
            held: Examples::default(),
            config,
            tuning: None,
            train_seq: Sequences::default(),
            held_seq: Sequences::default(),
            trainer: None,
        })
    }

    /// Trains the top `tuning.layers` encoder blocks with the head (0 layers: the head
    /// alone, the default). Must be chosen before the features are computed, which then
    /// stop below those blocks.
    pub fn tune_top_layers(&mut self, tuning: LayerTuning) -> Result<(), TaskError> {
        let layers = self.encoder.config().num_hidden_layers;
        if self.done > 0 {
            return Err(TaskError::Input(
                "choose the layers to fine-tune before computing the features".into(),
            ));
        }
        if tuning.layers > layers {
            return Err(TaskError::Input(format!(
                "this model has {layers} encoder layers; {} cannot be fine-tuned",
                tuning.layers
            )));
        }
        self.tuning = (tuning.layers > 0).then_some(tuning);
        Ok(())
    }

    /// The encoder blocks that train with the head (0: the head alone).
    pub fn tuned_layers(&self) -> usize {
        self.tuning.map_or(0, |t| t.layers)
    }

    pub fn task(&self) -> FineTuneTask {
        self.task
    }

    pub fn labels(&self) -> &[String] {
        &self.labels
    }

    fn total(&self) -> usize {
        self.train_data.len() + self.held_data.len()
    }

    /// Computes the features of up to `n` more examples (held-out first).
    pub fn featurize(&mut self, n: usize) -> Result<FeatureProgress, TaskError> {
        let end = (self.done + n.max(1)).min(self.total());
        while self.done < end {
            let held_n = self.held_data.len();
            let (data, from, into) = if self.done < held_n {
                (&self.held_data, self.done, &mut self.held)
            } else {
                (&self.train_data, self.done - held_n, &mut self.train)
            };
            let upto = (from + (end - self.done)).min(data.len());
            let id = |l: &str| self.labels.iter().position(|x| x == l).unwrap_or(0) as u32;
            if let Some(tuning) = self.tuning {
                let into = if self.done < held_n {
                    &mut self.held_seq
                } else {
                    &mut self.train_seq
                };
                let below = self.encoder.config().num_hidden_layers - tuning.layers;
                let (encodings, picks, labels) = match data {
                    TrainingData::Tagging(sentences) => {
                        let mut out = (Vec::new(), Vec::new(), Vec::new());
                        for s in &sentences[from..upto] {
                            let enc = self.encoder.encode_words(&s.words)?;
                            out.1.push(first_sub_tokens(&enc));
                            out.2.push(s.tags.iter().map(|t| id(t)).collect());
                            out.0.push(enc);
                        }
                        out
                    }
                    TrainingData::Classification(items) => {
                        let mut out = (Vec::new(), Vec::new(), Vec::new());
                        for c in &items[from..upto] {
                            out.0.push(
                                self.encoder
                                    .encoder
                                    .encode_text(&c.text, c.pair.as_deref())?,
                            );
                            out.1.push(vec![0]); // [CLS]
                            out.2.push(vec![id(&c.label)]);
                        }
                        out
                    }
                };
                for (p, l) in picks.iter().zip(&labels) {
                    if p.len() != l.len() {
                        return Err(TaskError::Input(
                            "a word of a training sentence gives no token (is it empty?)".into(),
                        ));
                    }
                }
                into.states
                    .extend(self.encoder.states_below(&encodings, below)?);
                into.picks.extend(picks);
                into.labels.extend(labels);
                self.done += upto - from;
                continue;
            }
            match data {
                TrainingData::Tagging(sentences) => {
                    let batch = &sentences[from..upto];
                    let words: Vec<Vec<String>> = batch.iter().map(|s| s.words.clone()).collect();
                    for (block, s) in self.encoder.word_features(&words)?.into_iter().zip(batch) {
                        into.features.extend(block);
                        into.labels.extend(s.tags.iter().map(|t| id(t)));
                    }
                }
                TrainingData::Classification(items) => {
                    let batch = &items[from..upto];
                    let texts: Vec<(String, Option<String>)> = batch
                        .iter()
                        .map(|c| (c.text.clone(), c.pair.clone()))
                        .collect();
                    into.features.extend(self.encoder.cls_features(&texts)?);
                    into.labels.extend(batch.iter().map(|c| id(&c.label)));
                }
            }
            self.done += upto - from;
        }
        Ok(FeatureProgress {
            sentences_done: self.done,
            sentences: self.total(),
            train_words: self.train.len() + self.train_seq.picked(),
            held_out_words: self.held.len() + self.held_seq.picked(),
        })
    }

    pub fn features_ready(&self) -> bool {
        self.done == self.total()
    }

    fn trainer(&mut self) -> Result<&mut Trainer, TaskError> {
        if !self.features_ready() {
            return Err(TaskError::Input(
                "the features are not computed yet (featurize first)".into(),
            ));
        }
        if self.trainer.is_none() {
            let (hidden, n) = (self.encoder.hidden_size(), self.labels.len());
            let pooler = self.task == FineTuneTask::Classify;
            self.trainer = Some(match self.tuning {
                None => Trainer::Head(HeadTrainer::new(
                    hidden,
                    n,
                    self.train.clone(),
                    self.held.clone(),
                    self.config,
                    pooler,
                )?),
                Some(tuning) => {
                    let (blocks, prefix) = self.encoder.blocks();
                    Trainer::Layers(LayerTrainer::new(
                        blocks,
                        prefix,
                        hidden,
                        n,
                        pooler,
                        self.train_seq.clone(),
                        self.held_seq.clone(),
                        self.config,
                        tuning,
                    )?)
                }
            });
        }
        self.trainer
            .as_mut()
            .ok_or_else(|| TaskError::Internal("no trainer".into()))
    }

    /// Trains `steps` more steps and reports.
    pub fn train(&mut self, steps: usize) -> Result<Progress, TaskError> {
        self.trainer()?.train(steps)
    }

    /// Starts over with a fresh head (same features, same seed).
    pub fn reset(&mut self) {
        self.trainer = None;
    }

    /// The head's answer for `text` (and `pair`, classification only) as it is now (an
    /// untrained head before the first step): tags under the words, or every label.
    pub fn predict(&mut self, text: &str, pair: Option<&str>) -> Result<Prediction, TaskError> {
        let task = self.task;
        if task == FineTuneTask::Tag && pair.is_some() {
            return Err(TaskError::Input("a tagging head reads one sentence".into()));
        }
        let labels = self.labels.clone();
        // Label probabilities at every token: the head over the last block's states, or
        // the tuned blocks and the head over the states below them.
        let (enc, probs) = match self.tuning {
            None => {
                let (enc, states) = self.encoder.token_states(text, pair)?;
                let hidden = self.encoder.hidden_size();
                let rows = match task {
                    FineTuneTask::Tag => &states[..],
                    FineTuneTask::Classify => &states[..hidden], // [CLS] only
                };
                let Trainer::Head(t) = self.trainer()? else {
                    return Err(TaskError::Internal("trainer of the wrong kind".into()));
                };
                (enc, t.probabilities(rows)?)
            }
            Some(tuning) => {
                let enc = self.encoder.encoder.encode_text(text, pair)?;
                let below = self.encoder.config().num_hidden_layers - tuning.layers;
                let states = self
                    .encoder
                    .states_below(std::slice::from_ref(&enc), below)?;
                let Trainer::Layers(t) = self.trainer()? else {
                    return Err(TaskError::Internal("trainer of the wrong kind".into()));
                };
                (enc, t.probabilities(&states[0])?)
            }
        };
        Ok(match task {
            FineTuneTask::Tag => Prediction::Tagged(label_words(text, &enc, &probs, &labels)?),
            FineTuneTask::Classify => {
                let row = probs.first().cloned().unwrap_or_default();
                Prediction::Classified(crate::classify::ranked(&row, &labels, false)?)
            }
        })
    }

    /// The head as Hugging Face files (see [`export_head`]): a
    /// `BertForTokenClassification` or a `BertForSequenceClassification` head.
    pub fn export(&mut self) -> Result<ExportedHead, TaskError> {
        let config = self.encoder.config_json().to_vec();
        let labels = self.labels.clone();
        let architecture = match self.task {
            FineTuneTask::Tag => "BertForTokenClassification",
            FineTuneTask::Classify => "BertForSequenceClassification",
        };
        let tensors = self.trainer()?.tensors("classifier")?;
        export_head(&config, architecture, &labels, &tensors)
    }
}
