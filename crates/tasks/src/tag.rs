//! Token tagging — the lecture's second fine-tuning case (one label per token, e.g. part of
//! speech): Hugging Face `BertForTokenClassification`, a linear `classifier` on every
//! token's last hidden state, labels from `config.json`'s `id2label`.
//!
//! One label per *word*: a word's label is its first sub-token's, with that token's
//! probability (BERT's own recipe for tagging with WordPiece, §5.3 of the paper). Every word
//! is kept ("O" included, no grouping into entities); words are what the tokenizer's
//! pre-tokenizer splits, with character offsets. Matched to `transformers` by
//! `tests/bert_heads_parity.rs`.

use std::collections::BTreeMap;

use burn::tensor::activation::softmax;
use serde::{Deserialize, Serialize};
use tlab_models::bert_heads::ClassifierHead;
use tlab_models::burn;
use tlab_models::readout;
use tokenizers::Encoding;

use crate::TaskError;
use crate::encoder::{Encoder, ModelFiles, architectures, char_slice, wrong_task};
use crate::heads::{HeadSpec, labels_in_order};

/// The checkpoint key of the head (Hugging Face's name).
const CLASSIFIER: &str = "classifier";

/// A token classifier has no pooler and no masked-LM head; older exports carry both.
const IGNORED_TENSORS: &[&str] = &["pooler.", "cls.predictions.", "embeddings.position_ids"];

#[derive(Deserialize)]
struct LabelConfig {
    #[serde(default)]
    id2label: BTreeMap<String, String>,
}

/// One word with its label.
#[derive(Debug, Clone, Serialize)]
pub struct TaggedWord {
    pub word: String,
    /// Character offsets into the text.
    pub start: usize,
    pub end: usize,
    pub label: String,
    pub prob: f32,
}

/// `tlab tag --json` and the page print this.
#[derive(Debug, Clone, Serialize)]
pub struct Tagged {
    pub words: Vec<TaggedWord>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TaggerInfo {
    pub layers: usize,
    pub hidden: usize,
    pub labels: Vec<String>,
    pub warnings: Vec<String>,
}

pub struct TokenClassifier {
    encoder: Encoder,
    head: ClassifierHead,
    labels: Vec<String>,
    unused_tensors: Vec<String>,
}

impl TokenClassifier {
    /// Loads a checkpoint in either layout (see [`ModelFiles`]) with a `classifier` on
    /// every token.
    pub fn from_files(files: &ModelFiles) -> Result<Self, TaskError> {
        let archs = architectures(&files.config)?;
        if let Some(a) = archs.first()
            && !archs.iter().any(|a| a.ends_with("ForTokenClassification"))
        {
            return Err(wrong_task(a, "tagging (…ForTokenClassification)"));
        }
        let label_config: LabelConfig = tlab_models::json::parse("config.json", &files.config)
            .map_err(|e| TaskError::Load(tlab_models::weights::LoadError::ConfigFile(e)))?;
        let spec = HeadSpec {
            name: CLASSIFIER.into(),
            weights: CLASSIFIER.into(),
            input: "last_hidden_state".into(),
            id2label: label_config.id2label,
        };
        let labels = labels_in_order(&spec)?;
        let (encoder, head, unused_tensors) =
            Encoder::load(files, IGNORED_TENSORS, |ckpt, config| {
                if !ckpt.contains(&format!("{CLASSIFIER}.weight")) {
                    return Err(TaskError::Input(format!(
                        "this checkpoint has no token classifier (`{CLASSIFIER}`, as in \
                         BertForTokenClassification); load a model fine-tuned for tagging"
                    )));
                }
                Ok(ClassifierHead::load(
                    ckpt,
                    CLASSIFIER,
                    config.hidden_size,
                    labels.len(),
                )?)
            })?;
        Ok(Self {
            encoder,
            head,
            labels,
            unused_tensors,
        })
    }

    #[cfg(not(target_arch = "wasm32"))]
    pub fn from_dir(dir: &std::path::Path) -> Result<Self, TaskError> {
        Self::from_files(&ModelFiles::read_dir(dir)?)
    }

    pub fn info(&self) -> TaggerInfo {
        TaggerInfo {
            layers: self.encoder.config.num_hidden_layers,
            hidden: self.encoder.config.hidden_size,
            labels: self.labels.clone(),
            warnings: crate::unused_warning(&self.unused_tensors)
                .into_iter()
                .collect(),
        }
    }

    /// One label per word of `text`, in order.
    pub fn tag(&self, text: &str) -> Result<Tagged, TaskError> {
        let enc = self.encoder.encode_text(text, None)?;
        let states = self.encoder.hidden(&enc);
        let [_, n, hidden] = states.dims();
        // [1, tokens, hidden] → [tokens, hidden]: the head is the same Linear on every token.
        let states = states.reshape([n, hidden]);
        let probs = readout::rows(softmax(self.head.forward(states), 1))?;
        label_words(text, &enc, &probs, &self.labels)
    }
}

/// One label per word of `text` from per-token probabilities: each word takes its first
/// sub-token's most probable label (special tokens have no word and are skipped).
pub(crate) fn label_words(
    text: &str,
    enc: &Encoding,
    probs: &[Vec<f32>],
    labels: &[String],
) -> Result<Tagged, TaskError> {
    let mut words: Vec<TaggedWord> = Vec::new();
    let mut last_word = None;
    for (token, word) in enc.get_word_ids().iter().enumerate() {
        // Special tokens have no word; later sub-tokens of a word are skipped.
        let Some(word) = *word else { continue };
        if last_word == Some(word) {
            continue;
        }
        last_word = Some(word);
        let row = probs
            .get(token)
            .ok_or_else(|| TaskError::Internal("fewer outputs than tokens".into()))?;
        if row.iter().any(|p| !p.is_finite()) {
            return Err(crate::non_finite_error());
        }
        let best = readout::argmax(row);
        let (start, end) = enc.word_to_chars(word, 0).unwrap_or_default();
        words.push(TaggedWord {
            word: char_slice(text, start, end),
            start,
            end,
            label: labels[best].clone(),
            prob: row[best],
        });
    }
    Ok(Tagged { words })
}
