//! Sentence classification on BERT's pooled `[CLS]` vector — the lecture's first
//! fine-tuning case (one sentence or a pair of sentences → one class) — and next-sentence
//! prediction, the pre-training task that taught `[CLS]` to speak for a pair.
//!
//! - Hugging Face `BertForSequenceClassification`: pooler + `classifier`; labels from
//!   `config.json`'s `id2label`; `problem_type` `multi_label_classification` → one sigmoid
//!   per label, anything else → softmax over the labels (as `transformers` trains them).
//! - Next-sentence prediction: `cls.seq_relationship` on the pooler
//!   (`BertForPreTraining`, `BertForNextSentencePrediction`); class 0 is "B follows A".
//!
//! A pair is encoded by the tokenizer's own pair template (`[CLS] A [SEP] B [SEP]`, segment
//! ids 0 then 1), never assembled here. Matched to `transformers` on random-initialised
//! checkpoints by `tests/bert_heads_parity.rs` (fixtures: `tools/make_bert_head_fixtures.py`).

use std::collections::BTreeMap;

use burn::prelude::*;
use burn::tensor::activation::{sigmoid, softmax};
use serde::{Deserialize, Serialize};
use tlab_models::bert_heads::{ClassifierHead, Pooler};
use tlab_models::burn;
use tlab_models::readout;

use crate::TaskError;
use crate::encoder::{Encoder, ModelFiles, architectures, wrong_task};
use crate::heads::{HeadSpec, labels_in_order};

/// The checkpoint keys of the two heads (Hugging Face names).
const CLASSIFIER: &str = "classifier";
const NEXT_SENTENCE: &str = "cls.seq_relationship";

/// Tensors a sentence classifier leaves unread on purpose: the masked-LM head of
/// `BertForPreTraining` checkpoints and a buffer older exports save.
const IGNORED_TENSORS: &[&str] = &["cls.predictions.", "embeddings.position_ids"];

#[derive(Deserialize)]
struct HeadConfig {
    #[serde(default)]
    id2label: BTreeMap<String, String>,
    #[serde(default)]
    problem_type: Option<String>,
}

/// One label with its probability.
#[derive(Debug, Clone, Serialize)]
pub struct LabelProb {
    pub id: usize,
    pub label: String,
    pub prob: f32,
}

/// `tlab classify --json` and the page print this: every label, most probable first.
#[derive(Debug, Clone, Serialize)]
pub struct Classification {
    pub labels: Vec<LabelProb>,
    /// Single-label: probabilities sum to 1 (softmax); multi-label: each is its own sigmoid.
    pub multi_label: bool,
}

/// `tlab nsp --json`: P(B is the sentence that follows A).
#[derive(Debug, Clone, Serialize)]
pub struct NextSentence {
    pub is_next: f32,
}

/// Every label with its probability, most probable first.
pub(crate) fn ranked(
    probs: &[f32],
    labels: &[String],
    multi_label: bool,
) -> Result<Classification, TaskError> {
    if probs.len() != labels.len() || probs.iter().any(|p| !p.is_finite()) {
        return Err(crate::non_finite_error());
    }
    let labels = readout::top_k(probs, probs.len())
        .into_iter()
        .map(|id| LabelProb {
            id,
            label: labels[id].clone(),
            prob: probs[id],
        })
        .collect();
    Ok(Classification {
        labels,
        multi_label,
    })
}

/// What the loaded checkpoint can do, for the page's model line.
#[derive(Debug, Clone, Serialize)]
pub struct ClassifierInfo {
    pub layers: usize,
    pub hidden: usize,
    /// The sequence classifier's labels in id order (empty without one).
    pub labels: Vec<String>,
    pub multi_label: bool,
    pub next_sentence: bool,
    pub warnings: Vec<String>,
}

struct SequenceClassifier {
    head: ClassifierHead,
    labels: Vec<String>,
    multi_label: bool,
}

/// The heads a sentence classifier can carry, read from one checkpoint.
struct Heads {
    pooler: Pooler,
    classifier: Option<SequenceClassifier>,
    next_sentence: Option<ClassifierHead>,
}

/// A BERT encoder with its pooler and whichever of the two heads the checkpoint has.
pub struct SentenceClassifier {
    encoder: Encoder,
    heads: Heads,
    unused_tensors: Vec<String>,
}

impl SentenceClassifier {
    /// Loads a checkpoint in either layout (see [`ModelFiles`]). It must have a pooler and
    /// at least one of `classifier` or `cls.seq_relationship`.
    pub fn from_files(files: &ModelFiles) -> Result<Self, TaskError> {
        // A token classifier's `classifier` would read [CLS] as if it stood for the sentence.
        if let Some(a) = architectures(&files.config)?
            .iter()
            .find(|a| a.ends_with("ForTokenClassification"))
        {
            return Err(wrong_task(
                a,
                "sentence classification (load it to tag words)",
            ));
        }
        let head_config: HeadConfig = tlab_models::json::parse("config.json", &files.config)
            .map_err(|e| TaskError::Load(tlab_models::weights::LoadError::ConfigFile(e)))?;
        let (encoder, heads, unused_tensors) =
            Encoder::load(files, IGNORED_TENSORS, |ckpt, config| {
                let hidden = config.hidden_size;
                let has = |key: &str| ckpt.contains(&format!("{key}.weight"));
                let classifier = if has(CLASSIFIER) {
                    let spec = HeadSpec {
                        name: CLASSIFIER.into(),
                        weights: CLASSIFIER.into(),
                        input: "pooler_output".into(),
                        id2label: head_config.id2label,
                    };
                    let labels = labels_in_order(&spec)?;
                    Some(SequenceClassifier {
                        head: ClassifierHead::load(ckpt, CLASSIFIER, hidden, labels.len())?,
                        labels,
                        multi_label: head_config.problem_type.as_deref()
                            == Some("multi_label_classification"),
                    })
                } else {
                    None
                };
                let next_sentence = if has(NEXT_SENTENCE) {
                    Some(ClassifierHead::load(ckpt, NEXT_SENTENCE, hidden, 2)?)
                } else {
                    None
                };
                if classifier.is_none() && next_sentence.is_none() {
                    return Err(TaskError::Input(format!(
                        "this checkpoint has neither a sentence classifier (`{CLASSIFIER}`, as \
                         in BertForSequenceClassification) nor a next-sentence head \
                         (`{NEXT_SENTENCE}`)"
                    )));
                }
                Ok(Heads {
                    pooler: Pooler::load(ckpt, hidden)?,
                    classifier,
                    next_sentence,
                })
            })?;
        Ok(Self {
            encoder,
            heads,
            unused_tensors,
        })
    }

    /// Loads a model directory in either layout.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn from_dir(dir: &std::path::Path) -> Result<Self, TaskError> {
        Self::from_files(&ModelFiles::read_dir(dir)?)
    }

    pub fn info(&self) -> ClassifierInfo {
        ClassifierInfo {
            layers: self.encoder.config.num_hidden_layers,
            hidden: self.encoder.config.hidden_size,
            labels: self
                .heads
                .classifier
                .as_ref()
                .map_or_else(Vec::new, |c| c.labels.clone()),
            multi_label: self
                .heads
                .classifier
                .as_ref()
                .is_some_and(|c| c.multi_label),
            next_sentence: self.heads.next_sentence.is_some(),
            warnings: crate::unused_warning(&self.unused_tensors)
                .into_iter()
                .collect(),
        }
    }

    /// The pooled `[CLS]` vector of `text` (and `pair`), `[1, hidden]`.
    fn pooled(&self, text: &str, pair: Option<&str>) -> Result<Tensor<2>, TaskError> {
        let enc = self.encoder.encode_text(text, pair)?;
        Ok(self.heads.pooler.forward(self.encoder.hidden(&enc)))
    }

    /// Every label of the sequence classifier for `text` (or the pair `text`, `pair`),
    /// most probable first.
    pub fn classify(&self, text: &str, pair: Option<&str>) -> Result<Classification, TaskError> {
        let c = self.heads.classifier.as_ref().ok_or_else(|| {
            TaskError::Input(
                "this model has no sentence classifier (BertForSequenceClassification's \
                 `classifier`); load a fine-tuned checkpoint"
                    .into(),
            )
        })?;
        let logits = c.head.forward(self.pooled(text, pair)?);
        let probs = readout::values(if c.multi_label {
            sigmoid(logits)
        } else {
            softmax(logits, 1)
        })?;
        ranked(&probs, &c.labels, c.multi_label)
    }

    /// P(`b` is the sentence that follows `a`), from the next-sentence head.
    pub fn next_sentence(&self, a: &str, b: &str) -> Result<NextSentence, TaskError> {
        let head = self.heads.next_sentence.as_ref().ok_or_else(|| {
            TaskError::Input(
                "this model has no next-sentence head (`cls.seq_relationship`, as in \
                 BertForPreTraining checkpoints such as google-bert/bert-base-uncased)"
                    .into(),
            )
        })?;
        let probs = readout::values(softmax(head.forward(self.pooled(a, Some(b))?), 1))?;
        match probs.first() {
            Some(&p) if p.is_finite() => Ok(NextSentence { is_next: p }),
            _ => Err(crate::non_finite_error()),
        }
    }
}
