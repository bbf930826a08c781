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
