//! What the lecture views inspect: tokenization pieces and attention tensors as plain,
//! serialisable values (`[layer][head][query][key]`), shared by fill-mask and translation.

use serde::Serialize;
use tokenizers::{ModelWrapper, Tokenizer};

use crate::TaskError;

/// One token of a tokenized text.
#[derive(Debug, Clone, Serialize)]
pub struct TokenPiece {
    pub id: u32,
    /// The vocabulary entry (`##ing` for a WordPiece continuation, `▁the` for a
    /// SentencePiece word start).
    pub piece: String,
    /// One of the tokenizer's special tokens (`[CLS]`, `</s>`, …) or, for translation, the
    /// model's end-of-sentence token.
    pub special: bool,
    /// Byte range in the input text (empty for tokens the tokenizer added).
    pub start: usize,
    pub end: usize,
}

/// A text as the model reads it.
#[derive(Debug, Clone, Serialize)]
pub struct Tokenized {
    /// The tokenizer's algorithm: `WordPiece`, `Unigram` (SentencePiece), `BPE` or `WordLevel`.
    pub algorithm: String,
    pub pieces: Vec<TokenPiece>,
}

/// Attention probabilities of every layer and head for one input.
#[derive(Debug, Clone, Serialize)]
pub struct AttentionMaps {
    pub tokens: Vec<String>,
    /// `[layer][head][query][key]`; every row sums to 1.
    pub layers: Vec<Vec<Vec<Vec<f32>>>>,
}

/// The most attention probabilities one request may return (2²⁵ ≈ 33.5 M numbers, 134 MB as
/// f32 and several times that as JavaScript arrays). A 12-layer, 12-head model reaches it at
/// about 480 tokens; a 384-head model at about 100. Beyond it the request is refused in words
/// instead of exhausting the 4 GB of a wasm32 instance.
pub const MAX_ATTENTION_VALUES: usize = 1 << 25;

/// Refuses a request whose attention maps (`maps` maps of `queries × keys`) exceed
/// [`MAX_ATTENTION_VALUES`].
pub fn check_attention_size(maps: usize, queries: usize, keys: usize) -> Result<(), TaskError> {
    let total = maps.saturating_mul(queries).saturating_mul(keys);
    if total > MAX_ATTENTION_VALUES {
        let per_token = maps.max(1);
        let fits = ((MAX_ATTENTION_VALUES / per_token) as f64).sqrt() as usize;
        return Err(TaskError::Input(format!(
            "the attention maps of this text would be {total} numbers ({maps} layer×head maps of \
             {queries}×{keys}); the limit is {MAX_ATTENTION_VALUES}: shorten the text to about \
             {fits} tokens"
        )));
    }
    Ok(())
}

pub fn algorithm(tokenizer: &Tokenizer) -> String {
    match tokenizer.get_model() {
        ModelWrapper::WordPiece(_) => "WordPiece",
        ModelWrapper::Unigram(_) => "Unigram",
        ModelWrapper::BPE(_) => "BPE",
        ModelWrapper::WordLevel(_) => "WordLevel",
    }
    .to_string()
}

/// Pieces of an encoding, with `extra` (e.g. an appended end-of-sentence id) added.
pub fn pieces(
    tokenizer: &Tokenizer,
    ids: &[u32],
    offsets: &[(usize, usize)],
    specials: &[u32],
) -> Vec<TokenPiece> {
    ids.iter()
        .enumerate()
        .map(|(i, &id)| {
            let (start, end) = offsets.get(i).copied().unwrap_or((0, 0));
            TokenPiece {
                id,
                piece: tokenizer
                    .id_to_token(id)
                    .unwrap_or_else(|| format!("<{id}>")),
                special: specials.contains(&id),
                start,
                end,
            }
        })
        .collect()
}

/// Which model's rules a [`TokenizerOnly`] reads text by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReaderKind {
    /// A BERT checkpoint ([`crate::fill_mask::FillMask::tokenize`]).
    Bert,
    /// A translation model ([`crate::translate::Translator::tokenize`]).
    Translation,
}

enum Rules {
    Bert {
        mask_token: String,
        mask_id: u32,
        config: tlab_models::bert::BertConfig,
        specials: Vec<u32>,
    },
    Translation(tlab_models::seq2seq::Seq2SeqConfig),
}

/// A checkpoint's tokenizer without its weights, reading text by exactly the rules its model
/// does (same pieces, same limits, same errors): the tokenizer view answers once
/// `config.json` and the tokenizer are downloaded (≈ 0.5 MB) instead of the whole model
/// (46 MB for the default BERT).
pub struct TokenizerOnly {
    tokenizer: Tokenizer,
    rules: Rules,
    /// The bytes of the files read (config.json and the tokenizer's).
    bytes: usize,
}

/// What a [`TokenizerOnly`] reads by and how big its model is, as `config.json` states it
/// (the field names of the full models' `info()`).
#[derive(Debug, Clone, Serialize)]
pub struct TokenizerInfo {
    /// `"bert"` or `"translate"`.
    pub reads: &'static str,
    /// The bytes of the files read (config.json and the tokenizer's).
    pub bytes: usize,
    pub warnings: Vec<String>,
    #[serde(flatten)]
    pub model: ModelSize,
}

#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum ModelSize {
    Bert {
        layers: usize,
        hidden: usize,
        vocab: usize,
    },
    Translation {
        encoder_layers: usize,
        decoder_layers: usize,
        d_model: usize,
        vocab_size: usize,
    },
}

impl TokenizerOnly {
    /// `files` by name: `config.json` and the tokenizer's files (see
    /// [`crate::encoder::ModelFiles::text_files`]); weights, if given, are not read.
    pub fn from_named(kind: ReaderKind, files: Vec<(String, Vec<u8>)>) -> Result<Self, TaskError> {
        let mut files: std::collections::BTreeMap<String, Vec<u8>> = files.into_iter().collect();
        let crate::encoder::TextFiles {
            config,
            tokenizer: tokenizer_files,
            tokenizer_config,
        } = crate::encoder::ModelFiles::text_files(&mut files)?;
        let bytes = config.len()
            + tokenizer_config.as_ref().map_or(0, Vec::len)
            + match &tokenizer_files {
                crate::encoder::TokenizerFiles::Json(b)
                | crate::encoder::TokenizerFiles::Vocab(b) => b.len(),
                crate::encoder::TokenizerFiles::Bpe { vocab, merges } => vocab.len() + merges.len(),
            };
        match kind {
            ReaderKind::Bert => {
                let config = tlab_models::bert::BertConfig::from_json(&config)?;
                let tokenizer = tokenizer_files.build(tokenizer_config.as_deref())?;
                let (mask_token, mask_id) = crate::fill_mask::mask_token_and_id(
                    &tokenizer,
                    tokenizer_config.as_deref(),
                    config.vocab_size,
                )?;
                let specials = crate::tokenizer::special_ids(&tokenizer);
                Ok(Self {
                    tokenizer,
                    rules: Rules::Bert {
                        mask_token,
                        mask_id,
                        config,
                        specials,
                    },
                    bytes,
                })
            }
            ReaderKind::Translation => {
                let crate::encoder::TokenizerFiles::Json(json) = tokenizer_files else {
                    return Err(TaskError::Input(
                        "a translation model needs its tokenizer.json".into(),
                    ));
                };
                let config = tlab_models::seq2seq::Seq2SeqConfig::from_json(&config)?;
                let tokenizer = crate::translate::source_tokenizer(&json, &config)?;
                Ok(Self {
                    tokenizer,
                    rules: Rules::Translation(config),
                    bytes,
                })
            }
        }
    }

    pub fn info(&self) -> TokenizerInfo {
        let (reads, model) = match &self.rules {
            Rules::Bert { config: c, .. } => (
                "bert",
                ModelSize::Bert {
                    layers: c.num_hidden_layers,
                    hidden: c.hidden_size,
                    vocab: c.vocab_size,
                },
            ),
            Rules::Translation(c) => (
                "translate",
                ModelSize::Translation {
                    encoder_layers: c.encoder_layers,
                    decoder_layers: c.decoder_layers,
                    d_model: c.d_model,
                    vocab_size: c.vocab_size,
                },
            ),
        };
        TokenizerInfo {
            reads,
            bytes: self.bytes,
            warnings: Vec::new(),
            model,
        }
    }

    /// The pieces and ids of `text` as the model reads it, special tokens marked.
    pub fn tokenize(&self, text: &str) -> Result<Tokenized, TaskError> {
        match &self.rules {
            Rules::Bert {
                mask_token,
                mask_id,
                config,
                specials,
            } => crate::fill_mask::Reading {
                tokenizer: &self.tokenizer,
                mask_token,
                mask_id: *mask_id,
                max_tokens: config.max_position_embeddings,
                vocab_size: config.vocab_size,
            }
            .tokenize(text, specials),
            Rules::Translation(config) => {
                crate::translate::source_pieces(&self.tokenizer, config, text)
            }
        }
    }
}
