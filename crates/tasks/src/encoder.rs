//! What every BERT fine-tuning head here shares: the checkpoint's files in either layout the
//! hub uses, the encoder with its tokenizer, and one checked encoding of the input.
//!
//! Two layouts, as Hugging Face repositories ship them:
//! - `config.json`, `tokenizer.json`, `model.safetensors` (what `save_pretrained` writes now);
//! - `config.json`, `vocab.txt` (+ `tokenizer_config.json`), `pytorch_model.bin` (most
//!   fine-tuned BERTs on the hub: the tokenizer is built from the vocabulary by
//!   [`crate::tokenizer::from_vocab`], the zip+pickle weights read without executing
//!   anything by [`tlab_models::pytorch::to_safetensors`]).
//!
//! A head trained here (`tlab-train`, or the page's fine-tuning widget) is saved alone as
//! `head.safetensors` beside the `config.json` that names its labels; it is read together
//! with its encoder's weights, the head's tensors first.

use std::borrow::Cow;

use burn::prelude::*;
use tlab_models::bert::{BertConfig, BertModel};
use tlab_models::burn;
use tlab_models::weights::Checkpoint;
use tokenizers::{EncodeInput, Encoding, Tokenizer};

use crate::TaskError;
use crate::tokenizer::{self, VocabOptions};

/// The tokenizer as the checkpoint ships it.
pub enum TokenizerFiles {
    /// `tokenizer.json`.
    Json(Vec<u8>),
    /// `vocab.txt` (built as `BertTokenizer` with [`ModelFiles::tokenizer_config`]).
    Vocab(Vec<u8>),
    /// `vocab.json` + `merges.txt` (built as `GPT2Tokenizer`, byte-level BPE).
    Bpe { vocab: Vec<u8>, merges: Vec<u8> },
}

impl TokenizerFiles {
    /// The tokenizer, `tokenizer_config.json` giving `vocab.txt`'s options and the specials
    /// of `vocab.json` + `merges.txt`.
    pub fn build(&self, tokenizer_config: Option<&[u8]>) -> Result<Tokenizer, TaskError> {
        match self {
            TokenizerFiles::Json(bytes) => tokenizer::load(bytes),
            TokenizerFiles::Vocab(vocab) => tokenizer::from_vocab(
                vocab,
                &VocabOptions::from_tokenizer_config(tokenizer_config)?,
            ),
            TokenizerFiles::Bpe { vocab, merges } => {
                tokenizer::from_bpe(vocab, merges, tokenizer_config)
            }
        }
    }
}

/// What reading text needs of a checkpoint: its `config.json` and tokenizer.
pub struct TextFiles {
    pub config: Vec<u8>,
    pub tokenizer: TokenizerFiles,
    pub tokenizer_config: Option<Vec<u8>>,
}

/// A checkpoint's files as bytes (the page fetches them; `read_dir` reads them natively).
pub struct ModelFiles {
    pub config: Vec<u8>,
    pub tokenizer: TokenizerFiles,
    /// `tokenizer_config.json`, when there is one: `vocab.txt`'s options, and the mask token.
    pub tokenizer_config: Option<Vec<u8>>,
    /// `model.safetensors` or `pytorch_model.bin` (told apart by their first bytes), after
    /// `head.safetensors` when there is one: a name is read from the first file that has it.
    pub weights: Vec<Vec<u8>>,
}

/// A zip archive's first bytes: PyTorch's container since 1.6.
const ZIP_MAGIC: &[u8] = b"PK\x03\x04";

/// The file names a model may have, in the order [`ModelFiles::from_named`] reads them.
pub const FILE_NAMES: [&str; 9] = [
    "config.json",
    "tokenizer.json",
    "vocab.txt",
    "vocab.json",
    "merges.txt",
    "tokenizer_config.json",
    "head.safetensors",
    "model.safetensors",
    "pytorch_model.bin",
];

impl ModelFiles {
    /// The files of one model by name (other names are ignored): `config.json`; a tokenizer
    /// (`tokenizer.json`, else `vocab.txt` with `tokenizer_config.json` if given); weights
    /// (`model.safetensors`, else `pytorch_model.bin`, after `head.safetensors` if given).
    pub fn from_named(files: Vec<(String, Vec<u8>)>) -> Result<Self, TaskError> {
        let mut files: std::collections::BTreeMap<String, Vec<u8>> = files.into_iter().collect();
        let TextFiles {
            config,
            tokenizer,
            tokenizer_config,
        } = Self::text_files(&mut files)?;
        let mut take = |name: &str| files.remove(name);
        let mut weights: Vec<Vec<u8>> = take("head.safetensors").into_iter().collect();
        weights.push(
            take("model.safetensors")
                .or_else(|| take("pytorch_model.bin"))
                .ok_or_else(|| {
                    TaskError::Input(
                        "the model has neither model.safetensors nor pytorch_model.bin".into(),
                    )
                })?,
        );
        Ok(Self {
            config,
            tokenizer,
            tokenizer_config,
            weights,
        })
    }

    /// Takes `config.json` and the tokenizer's files out of `files`: all that reading text
    /// needs (`tokenizer.json`, else `vocab.txt`, else `vocab.json` + `merges.txt`; and
    /// `tokenizer_config.json` if there).
    pub fn text_files(
        files: &mut std::collections::BTreeMap<String, Vec<u8>>,
    ) -> Result<TextFiles, TaskError> {
        let mut take = |name: &str| files.remove(name);
        let config = take("config.json")
            .ok_or_else(|| TaskError::Input("the model has no config.json".into()))?;
        let tokenizer_config = take("tokenizer_config.json");
        let bpe = (take("vocab.json"), take("merges.txt"));
        let tokenizer = match (take("tokenizer.json"), take("vocab.txt"), bpe) {
            (Some(json), _, _) => TokenizerFiles::Json(json),
            (None, Some(vocab), _) => TokenizerFiles::Vocab(vocab),
            (None, None, (Some(vocab), Some(merges))) => TokenizerFiles::Bpe { vocab, merges },
            (None, None, _) => {
                return Err(TaskError::Input(
                    "the model has no tokenizer: neither tokenizer.json, nor vocab.txt, nor \
                     vocab.json with merges.txt"
                        .into(),
                ));
            }
        };
        Ok(TextFiles {
            config,
            tokenizer,
            tokenizer_config,
        })
    }

    /// The files of `DIR` (see [`Self::from_named`]).
    #[cfg(not(target_arch = "wasm32"))]
    pub fn read_dir(dir: &std::path::Path) -> Result<Self, TaskError> {
        let has = |name: &str| dir.join(name).is_file();
        // What `from_named` would ignore is not read (a second copy of the weights).
        let unneeded = |name: &str| match name {
            "pytorch_model.bin" => has("model.safetensors"),
            "vocab.txt" | "vocab.json" | "merges.txt" => has("tokenizer.json"),
            _ => false,
        };
        let mut files = Vec::new();
        for name in FILE_NAMES {
            if has(name) && !unneeded(name) {
                files.push((name.to_string(), crate::read_model_file(dir, name)?));
            }
        }
        if files.is_empty() {
            return Err(TaskError::Io(format!(
                "{} holds no model files (config.json, tokenizer.json, model.safetensors, …)",
                dir.display()
            )));
        }
        Self::from_named(files)
    }

    /// Each weights file as safetensors bytes, converting PyTorch zip checkpoints.
    pub fn safetensors(&self) -> Result<Vec<Cow<'_, [u8]>>, TaskError> {
        self.weights
            .iter()
            .map(|w| {
                if w.starts_with(ZIP_MAGIC) {
                    Ok(Cow::Owned(tlab_models::pytorch::to_safetensors(w)?))
                } else {
                    Ok(Cow::Borrowed(w.as_slice()))
                }
            })
            .collect()
    }

    pub fn tokenizer(&self) -> Result<Tokenizer, TaskError> {
        self.tokenizer.build(self.tokenizer_config.as_deref())
    }
}

/// A BERT encoder and its tokenizer.
pub(crate) struct Encoder {
    pub bert: BertModel,
    /// The checkpoint's key prefix (`bert.` or none): a fine-tuned head that replaces
    /// encoder blocks writes them under the same names.
    pub prefix: &'static str,
    pub config: BertConfig,
    pub tokenizer: Tokenizer,
    pub device: Device,
}

impl Encoder {
    /// Loads the encoder from `files`, then the task's head by `head` from the same
    /// checkpoint; returns the encoder, the head, and the tensors neither read (less those
    /// matching `ignored`).
    pub fn load<H>(
        files: &ModelFiles,
        ignored: &[&str],
        head: impl FnOnce(&Checkpoint, &BertConfig) -> Result<H, TaskError>,
    ) -> Result<(Self, H, Vec<String>), TaskError> {
        let config = BertConfig::from_json(&files.config)?;
        let tokenizer = files.tokenizer()?;
        let device = tlab_models::device();
        let weights = files.safetensors()?;
        let shards: Vec<&[u8]> = weights.iter().map(AsRef::as_ref).collect();
        let ckpt = Checkpoint::from_shards(&shards, &device)?;
        let (bert, prefix) = BertModel::load(&config, &ckpt)?;
        let head = head(&ckpt, &config)?;
        let unused = crate::unused_tensors(&ckpt, ignored);
        Ok((
            Self {
                bert,
                prefix,
                config,
                tokenizer,
                device,
            },
            head,
            unused,
        ))
    }

    /// Tokenizes one text or a pair with character offsets (as Python's `tokenizers`
    /// reports them) and checks the result fits the model.
    pub fn encode<'s>(&self, input: impl Into<EncodeInput<'s>>) -> Result<Encoding, TaskError> {
        let enc = self
            .tokenizer
            .encode_char_offsets(input, true)
            .map_err(|e| TaskError::Tokenizer(format!("could not tokenize the text: {e}")))?;
        self.check(&enc)?;
        Ok(enc)
    }

    /// A person's text, or pair of texts, neither blank, encoded as by [`Self::encode`].
    pub fn encode_text(&self, text: &str, pair: Option<&str>) -> Result<Encoding, TaskError> {
        let text = non_empty("text", text)?;
        match pair {
            Some(b) => self.encode((text, non_empty("second sentence", b)?)),
            None => self.encode(text),
        }
    }

    /// The length, token ids and segment ids of `enc` must suit the model.
    pub fn check(&self, enc: &Encoding) -> Result<(), TaskError> {
        let n = enc.get_ids().len();
        if n > self.config.max_position_embeddings {
            return Err(TaskError::Input(format!(
                "the text is {n} tokens long; this model reads at most {}",
                self.config.max_position_embeddings
            )));
        }
        tokenizer::check_ids(enc.get_ids(), self.config.vocab_size)?;
        match enc
            .get_type_ids()
            .iter()
            .find(|&&t| t as usize >= self.config.type_vocab_size)
        {
            Some(t) => Err(TaskError::Input(format!(
                "the tokenizer gives segment id {t}, but this model has {} segment embeddings \
                 (type_vocab_size)",
                self.config.type_vocab_size
            ))),
            None => Ok(()),
        }
    }

    /// # Shapes
    /// - returns the last block's hidden states `[1, tokens, hidden]`
    pub fn hidden(&self, enc: &Encoding) -> Tensor<3> {
        let n = enc.get_ids().len();
        let ids = |v: &[u32]| {
            let data: Vec<i64> = v.iter().map(|&i| i64::from(i)).collect();
            Tensor::<2, Int>::from_data(TensorData::new(data, [1, n]), &self.device)
        };
        self.bert
            .forward(
                ids(enc.get_ids()),
                Some(ids(enc.get_type_ids())),
                None,
                false,
            )
            .hidden
    }
}

/// The text must not be blank.
pub(crate) fn non_empty<'t>(what: &str, text: &'t str) -> Result<&'t str, TaskError> {
    if text.trim().is_empty() {
        Err(TaskError::Input(format!("the {what} is empty")))
    } else {
        Ok(text)
    }
}

/// `text[start..end]` in characters (the offsets `encode` reports).
pub(crate) fn char_slice(text: &str, start: usize, end: usize) -> String {
    text.chars()
        .skip(start)
        .take(end.saturating_sub(start))
        .collect()
}

/// `config.json`'s `architectures` (empty when absent). Sequence and token classifiers both
/// keep their weights under `classifier`, with the same shape: only this field tells them
/// apart.
pub(crate) fn architectures(config: &[u8]) -> Result<Vec<String>, TaskError> {
    #[derive(serde::Deserialize)]
    struct Architectures {
        #[serde(default)]
        architectures: Vec<String>,
    }
    let a: Architectures = tlab_models::json::parse("config.json", config)
        .map_err(|e| TaskError::Load(tlab_models::weights::LoadError::ConfigFile(e)))?;
    Ok(a.architectures)
}

/// The error for a checkpoint made for another task.
pub(crate) fn wrong_task(architecture: &str, task: &str) -> TaskError {
    TaskError::Input(format!(
        "this checkpoint is a {architecture} (config.json \"architectures\"), not a model for {task}"
    ))
}
