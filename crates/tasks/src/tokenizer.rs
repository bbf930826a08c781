//! Loading a checkpoint's `tokenizer.json` with the `tokenizers` crate, safely, and setting
//! it up the one way every task here needs it.
//!
//! Why not `Tokenizer::from_bytes` alone: the crate panics on some damaged files instead of
//! returning an error (a syntax error inside `"decoder"` reaches `.expect("Helper")` in
//! `decoders/mod.rs`; a `Precompiled` normalizer whose fields do not parse reaches
//! `.expect("Precompiled")` in `normalizers/mod.rs`). In the page a panic aborts the wasm
//! instance, so the file is checked here first: it must be JSON (which rules out the first
//! panic), and every `Precompiled` normalizer is parsed by itself (which turns the second
//! into an error). A `TemplateProcessing` post-processor loads even when its template names
//! a special token it does not define, or reads sequence `B` in the single-sentence
//! template, and then panics on the first encode (`processors/template.rs`, found by the
//! fuzz target `tokenizer`, see `fuzz/`): the loaded post-processor is checked for both.
//!
//! A checkpoint without `tokenizer.json` (most fine-tuned BERTs on the hub ship only
//! `vocab.txt` and `tokenizer_config.json`) gets the tokenizer Hugging Face's
//! `BertTokenizer` is, built with the `tokenizers` crate by [`from_vocab`]; a GPT-2 with only
//! `vocab.json` and `merges.txt` (OpenAI's own repository layout) gets `GPT2Tokenizer`'s
//! byte-level BPE, by [`from_bpe`].

use serde::Deserialize;
use serde_json::Value;
use tokenizers::decoders::fuse::Fuse;
use tokenizers::decoders::wordpiece::WordPiece as WordPieceDecoder;
use tokenizers::models::bpe::{BPE, Vocab as BpeVocab};
use tokenizers::models::wordpiece::WordPiece;
use tokenizers::normalizers::{BertNormalizer, Precompiled};
use tokenizers::pre_tokenizers::bert::BertPreTokenizer;
use tokenizers::pre_tokenizers::byte_level::ByteLevel;
use tokenizers::pre_tokenizers::sequence::Sequence;
use tokenizers::pre_tokenizers::split::{Split, SplitPattern};
use tokenizers::processors::bert::BertProcessing;
use tokenizers::{
    AddedToken, DecoderWrapper, PreTokenizerWrapper, SplitDelimiterBehavior, Tokenizer,
};

use crate::TaskError;
use tlab_models::json;

fn err(message: String) -> TaskError {
    TaskError::Tokenizer(message)
}

/// Every `Precompiled` normalizer in `value` (the tree under `"normalizer"`) must parse.
fn check_normalizers(value: &Value) -> Result<(), TaskError> {
    match value {
        Value::Object(o) => {
            if o.get("type").and_then(Value::as_str) == Some("Precompiled") {
                // Through text, as the crate itself does: the charsmap deserialises borrowed.
                let text = serde_json::to_string(value)
                    .map_err(|e| err(format!("tokenizer.json: {e}")))?;
                serde_json::from_str::<Precompiled>(&text).map_err(|e| {
                    err(format!(
                        "tokenizer.json: its Precompiled normalizer is not valid: {e}"
                    ))
                })?;
            }
            o.values().try_for_each(check_normalizers)
        }
        Value::Array(items) => items.iter().try_for_each(check_normalizers),
        _ => Ok(()),
    }
}

/// Every `TemplateProcessing` in `value` (a post-processor, possibly a `Sequence` of them)
/// must define the special tokens its templates use, give each as many ids as tokens, and
/// read only sequence `A` when there is one sentence.
fn check_templates(value: &Value) -> Result<(), TaskError> {
    let bad = |what: String| err(format!("tokenizer.json: its post_processor {what}"));
    match value {
        Value::Object(o) if o.get("type").and_then(Value::as_str) == Some("TemplateProcessing") => {
            let specials = o.get("special_tokens").and_then(Value::as_object);
            for (name, token) in specials.into_iter().flatten() {
                let len = |k: &str| token.get(k).and_then(Value::as_array).map(Vec::len);
                if len("ids") != len("tokens") {
                    return Err(bad(format!(
                        "gives the special token {name} a different number of ids and tokens"
                    )));
                }
            }
            for template in ["single", "pair"] {
                let pieces = o.get(template).and_then(Value::as_array);
                for piece in pieces.into_iter().flatten() {
                    if let Some(id) = piece.pointer("/SpecialToken/id").and_then(Value::as_str)
                        && !specials.is_some_and(|s| s.contains_key(id))
                    {
                        return Err(bad(format!(
                            "uses the special token {id} in its {template} template but does \
                             not define it"
                        )));
                    }
                    if template == "single"
                        && piece.pointer("/Sequence/id").and_then(Value::as_str) == Some("B")
                    {
                        return Err(bad(
                            "reads a second sentence ($B) in its single-sentence template".into(),
                        ));
                    }
                }
            }
            Ok(())
        }
        Value::Object(o) => o.values().try_for_each(check_templates),
        Value::Array(items) => items.iter().try_for_each(check_templates),
        _ => Ok(()),
    }
}

/// Reads `tokenizer.json` and switches off fixed-length padding and truncation (some
/// exports, e.g. sentence-transformers', pad every input to 128 and cut silently: one
/// sentence needs neither, padding would be attended to without a mask, and a too-long
/// text must be an error, not a cut).
pub fn load(bytes: &[u8]) -> Result<Tokenizer, TaskError> {
    let value: Value = json::parse("tokenizer.json", bytes).map_err(err)?;
    if !value.is_object() {
        return Err(err(
            "tokenizer.json is JSON but not a tokenizer (expected an object with a \"model\")"
                .into(),
        ));
    }
    if let Some(normalizer) = value.get("normalizer") {
        check_normalizers(normalizer)?;
    }
    let mut tokenizer = Tokenizer::from_bytes(bytes)
        .map_err(|e| err(format!("tokenizer.json could not be read: {e}")))?;
    // The canonical form the crate writes back: templates as arrays of pieces.
    let post = serde_json::to_value(tokenizer.get_post_processor())
        .map_err(|e| err(format!("tokenizer.json: {e}")))?;
    check_templates(&post)?;
    tokenizer.with_padding(None);
    tokenizer
        .with_truncation(None)
        .map_err(|e| err(format!("tokenizer.json: {e}")))?;
    Ok(tokenizer)
}

/// A special token in `tokenizer_config.json`: a string, or an `AddedToken` object.
#[derive(Deserialize)]
#[serde(untagged)]
enum SpecialName {
    Text(String),
    Added { content: String },
}

impl SpecialName {
    fn name(self) -> String {
        match self {
            Self::Text(s) | Self::Added { content: s } => s,
        }
    }
}

/// The `tokenizer_config.json` fields `BertTokenizer` reads; absent ones take its defaults.
#[derive(Deserialize)]
struct BertTokenizerConfig {
    #[serde(default = "yes")]
    do_lower_case: bool,
    #[serde(default)]
    strip_accents: Option<bool>,
    #[serde(default = "yes")]
    tokenize_chinese_chars: bool,
    unk_token: Option<SpecialName>,
    sep_token: Option<SpecialName>,
    pad_token: Option<SpecialName>,
    cls_token: Option<SpecialName>,
    mask_token: Option<SpecialName>,
}

fn yes() -> bool {
    true
}

/// How to build a WordPiece tokenizer from `vocab.txt`.
pub struct VocabOptions {
    pub lowercase: bool,
    /// `None` follows `lowercase`, as in `BertTokenizer`.
    pub strip_accents: Option<bool>,
    pub chinese_chars: bool,
    /// One token per character (protein residues): every character is its own word, which
    /// is what AntiBERTy's `" ".join(sequence)` before `BertTokenizer` does.
    pub one_token_per_char: bool,
    /// `[UNK]`, `[SEP]`, `[PAD]`, `[CLS]`, `[MASK]`, as the checkpoint names them.
    pub unk: String,
    pub sep: String,
    pub pad: String,
    pub cls: String,
    pub mask: String,
}

impl VocabOptions {
    /// `BertTokenizer`'s defaults, overridden by `tokenizer_config.json` when there is one.
    pub fn from_tokenizer_config(config: Option<&[u8]>) -> Result<Self, TaskError> {
        let c: BertTokenizerConfig = match config {
            Some(bytes) => json::parse("tokenizer_config.json", bytes).map_err(err)?,
            None => json::parse("tokenizer_config.json", b"{}").map_err(err)?,
        };
        let name =
            |n: Option<SpecialName>, default: &str| n.map_or(default.into(), SpecialName::name);
        Ok(Self {
            lowercase: c.do_lower_case,
            strip_accents: c.strip_accents,
            chinese_chars: c.tokenize_chinese_chars,
            one_token_per_char: false,
            unk: name(c.unk_token, "[UNK]"),
            sep: name(c.sep_token, "[SEP]"),
            pad: name(c.pad_token, "[PAD]"),
            cls: name(c.cls_token, "[CLS]"),
            mask: name(c.mask_token, "[MASK]"),
        })
    }
}

/// The tokenizer `BertTokenizer(vocab.txt, …)` is: BERT normalizer, BERT pre-tokenizer,
/// WordPiece, `[CLS] A [SEP] (B [SEP])` with segment ids 0 then 1. The special tokens'
/// names come from `o`, their ids from `vocab.txt`; a vocabulary without one is refused.
pub fn from_vocab(vocab_txt: &[u8], o: &VocabOptions) -> Result<Tokenizer, TaskError> {
    let vocab = WordPiece::read_bytes(vocab_txt)
        .map_err(|e| err(format!("vocab.txt could not be read: {e}")))?;
    let id = |token: &str| {
        vocab.get(token).copied().ok_or_else(|| {
            err(format!(
                "vocab.txt has no {token} token (the tokenizer's special tokens must be in it)"
            ))
        })
    };
    let (cls, sep) = (id(&o.cls)?, id(&o.sep)?);
    for token in [&o.pad, &o.unk, &o.mask] {
        id(token)?;
    }
    let model = WordPiece::builder()
        .vocab(vocab)
        .unk_token(o.unk.clone())
        .build()
        .map_err(|e| err(format!("vocab.txt: {e}")))?;
    let mut tokenizer = Tokenizer::new(model);
    tokenizer.with_normalizer(Some(BertNormalizer::new(
        true,
        o.chinese_chars,
        o.strip_accents,
        o.lowercase,
    )));
    let pre_tokenizer: PreTokenizerWrapper = if o.one_token_per_char {
        let each_char = Split::new(
            SplitPattern::Regex(".".into()),
            SplitDelimiterBehavior::Isolated,
            false,
        )
        .map_err(|e| err(format!("character splitter: {e}")))?;
        Sequence::new(vec![BertPreTokenizer.into(), each_char.into()]).into()
    } else {
        BertPreTokenizer.into()
    };
    tokenizer.with_pre_tokenizer(Some(pre_tokenizer));
    tokenizer.with_post_processor(Some(BertProcessing::new(
        (o.sep.clone(), sep),
        (o.cls.clone(), cls),
    )));
    let decoder = if o.one_token_per_char {
        DecoderWrapper::Fuse(Fuse::new())
    } else {
        DecoderWrapper::WordPiece(WordPieceDecoder::default())
    };
    tokenizer.with_decoder(Some(decoder));
    // Special tokens are matched in the raw text before splitting ([MASK] stays one token)
    // and are what fill-mask never offers as an answer.
    let specials: Vec<AddedToken> = [&o.pad, &o.unk, &o.cls, &o.sep, &o.mask]
        .iter()
        .map(|t| AddedToken::from(t.as_str(), true))
        .collect();
    tokenizer.add_special_tokens(&specials);
    Ok(tokenizer)
}

/// The `tokenizer_config.json` fields `GPT2Tokenizer` reads.
#[derive(Deserialize)]
struct Gpt2TokenizerConfig {
    #[serde(default)]
    add_prefix_space: bool,
    unk_token: Option<SpecialName>,
    bos_token: Option<SpecialName>,
    eos_token: Option<SpecialName>,
}

/// The tokenizer `GPT2Tokenizer(vocab.json, merges.txt)` is: byte-level BPE with GPT-2's
/// pre-tokenizing regex, no prefix space unless `tokenizer_config.json` asks for one, the
/// byte-level decoder, and `<|endoftext|>` (or the configured unk/bos/eos) as special tokens.
pub fn from_bpe(
    vocab_json: &[u8],
    merges_txt: &[u8],
    tokenizer_config: Option<&[u8]>,
) -> Result<Tokenizer, TaskError> {
    let c: Gpt2TokenizerConfig =
        json::parse("tokenizer_config.json", tokenizer_config.unwrap_or(b"{}")).map_err(err)?;
    let vocab: std::collections::HashMap<String, u32> =
        json::parse("vocab.json", vocab_json).map_err(err)?;
    let merges_text =
        std::str::from_utf8(merges_txt).map_err(|_| err("merges.txt is not UTF-8 text".into()))?;
    let mut merges = Vec::new();
    for (n, line) in merges_text.lines().enumerate() {
        if line.starts_with("#version") || line.trim().is_empty() {
            continue;
        }
        let (a, b) = line.split_once(' ').ok_or_else(|| {
            err(format!(
                "merges.txt line {}: expected two symbols separated by a space",
                n + 1
            ))
        })?;
        for part in [a, b] {
            if !vocab.contains_key(part) {
                return Err(err(format!(
                    "merges.txt line {} uses {part:?}, which vocab.json does not have: the two \
                     files do not belong together",
                    n + 1
                )));
            }
        }
        merges.push((a.to_string(), b.to_string()));
    }
    let names: Vec<String> = [c.unk_token, c.bos_token, c.eos_token]
        .into_iter()
        .map(|n| n.map_or("<|endoftext|>".into(), SpecialName::name))
        .collect();
    let bpe = BPE::builder()
        .vocab_and_merges(vocab.into_iter().collect::<BpeVocab>(), merges)
        .build()
        .map_err(|e| err(format!("vocab.json/merges.txt: {e}")))?;
    let mut tokenizer = Tokenizer::new(bpe);
    tokenizer.with_pre_tokenizer(Some(ByteLevel::new(c.add_prefix_space, true, true)));
    tokenizer.with_decoder(Some(ByteLevel::new(c.add_prefix_space, true, true)));
    tokenizer.with_post_processor(Some(ByteLevel::new(c.add_prefix_space, true, true)));
    let specials: Vec<AddedToken> = names
        .iter()
        .filter(|n| tokenizer.token_to_id(n).is_some())
        .map(|n| AddedToken::from(n.as_str(), true))
        .collect();
    tokenizer.add_special_tokens(&specials);
    Ok(tokenizer)
}

/// Ids of the tokenizer's special added tokens (never a numeric constant).
pub fn special_ids(tokenizer: &Tokenizer) -> Vec<u32> {
    let mut ids: Vec<u32> = tokenizer
        .get_added_tokens_decoder()
        .into_iter()
        .filter(|(_, t)| t.special)
        .map(|(id, _)| id)
        .collect();
    ids.sort_unstable();
    ids
}

/// Fails when an id the tokenizer produced is outside the model's embedding table (a
/// tokenizer of another model: its ids would index past the weights).
pub fn check_ids(ids: &[u32], vocab_size: usize) -> Result<(), TaskError> {
    match ids.iter().find(|&&id| id as usize >= vocab_size) {
        Some(bad) => Err(err(format!(
            "token id {bad} is outside the model's vocabulary ({vocab_size}): \
             tokenizer.json and the weights do not belong together"
        ))),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r###"{"version":"1.0","truncation":null,"padding":null,"added_tokens":[],
        "normalizer":null,"pre_tokenizer":{"type":"Whitespace"},"post_processor":null,
        "decoder":{"type":"WordPiece","prefix":"##","cleanup":true},
        "model":{"type":"WordLevel","vocab":{"a":0,"[UNK]":1},"unk_token":"[UNK]"}}"###;

    #[test]
    fn a_good_file_loads() {
        let t = load(GOOD.as_bytes()).expect("loads");
        assert_eq!(t.get_vocab_size(true), 2);
    }

    #[test]
    fn a_syntax_error_inside_decoder_is_an_error_not_a_panic() {
        let broken = GOOD.replace(r###""prefix":"##""###, r###""prefix":"##"x"###);
        let e = load(broken.as_bytes()).expect_err("an error");
        assert!(
            e.to_string().contains("tokenizer.json is not valid JSON"),
            "{e}"
        );
    }

    #[test]
    fn a_bad_precompiled_normalizer_is_an_error_not_a_panic() {
        let broken = GOOD.replace(
            r#""normalizer":null"#,
            r#""normalizer":{"type":"Sequence","normalizers":[{"type":"Precompiled","precompiled_charsmap":"!!"}]}"#,
        );
        let e = load(broken.as_bytes()).expect_err("an error");
        assert!(e.to_string().contains("Precompiled normalizer"), "{e}");
    }
}
