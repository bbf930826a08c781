//! Training text → tokenized sentences → padded batches with BERT's masking.
//!
//! Masking follows Devlin et al. (2019) §3.1 — 15 % of the tokens are chosen, of those
//! 80 % become the mask token, 10 % a random token, 10 % stay — with two deliberate
//! changes that fit a small model and the cloze evaluation:
//! - **Whole words** are chosen (all WordPieces of a word together, as in BERT's later
//!   "whole word masking" release), so `play ##ing` is never half-visible.
//! - Words made only of punctuation are never chosen: predicting a comma teaches little,
//!   and a fine-tuning budget of a few CPU hours is better spent on words.
//!
//! One sentence per example (`[CLS] sentence [SEP]`), as the cloze evaluation reads them;
//! batches are built from sentences of similar length so that little compute goes to padding.

use rand::Rng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use tokenizers::Tokenizer;

/// The tokenizer's special ids, looked up by role (never numeric constants).
#[derive(Debug, Clone)]
pub struct Specials {
    pub mask: u32,
    pub pad: u32,
    /// Every special id (`[CLS]`, `[SEP]`, `[PAD]`, `[UNK]`, `[MASK]`, …): never a random
    /// replacement, never a prediction target.
    pub all: Vec<u32>,
}

impl Specials {
    pub fn from_tokenizer(
        tok: &Tokenizer,
        tokenizer_config: Option<&[u8]>,
    ) -> Result<Self, String> {
        let mask_token = tlab_tasks::fill_mask::find_mask_token(tok, tokenizer_config)
            .map_err(|e| e.to_string())?;
        let mask = tok
            .token_to_id(&mask_token)
            .ok_or_else(|| format!("mask token {mask_token} not in the vocabulary"))?;
        let added = tok.get_added_tokens_decoder();
        let all: Vec<u32> = added
            .iter()
            .filter(|(_, t)| t.special)
            .map(|(&id, _)| id)
            .collect();
        let pad = match tok.get_padding() {
            Some(p) => p.pad_id,
            None => added
                .iter()
                .find(|(_, t)| t.special && t.content.to_lowercase().contains("pad"))
                .map(|(&id, _)| id)
                .ok_or("tokenizer.json names no padding token")?,
        };
        Ok(Self { mask, pad, all })
    }
}

/// One tokenized sentence: ids with `[CLS]`/`[SEP]`, and the token ranges of the words
/// that may be masked.
#[derive(Debug, Clone)]
pub struct Sentence {
    pub ids: Vec<u32>,
    pub words: Vec<(u16, u16)>,
}

/// Tokenizes `lines` (one sentence each), keeping sentences of at most `max_len` tokens
/// (longer ones are rare in the corpus and are dropped rather than cut mid-sentence).
pub fn tokenize(tok: &Tokenizer, lines: &[String], max_len: usize, sp: &Specials) -> Vec<Sentence> {
    let mut out = Vec::with_capacity(lines.len());
    for chunk in lines.chunks(4096) {
        let Ok(encs) = tok.encode_batch(chunk.to_vec(), true) else {
            continue;
        };
        for enc in encs {
            let ids = enc.get_ids();
            if ids.len() > max_len || ids.len() < 4 {
                continue;
            }
            let words = word_spans(enc.get_word_ids(), enc.get_tokens(), ids, sp);
            if words.is_empty() {
                continue;
            }
            out.push(Sentence {
                ids: ids.to_vec(),
                words,
            });
        }
    }
    out
}

/// Token ranges `[start, end)` of each word (consecutive tokens sharing a word id) that has
/// at least one letter or digit.
pub fn word_spans(
    word_ids: &[Option<u32>],
    tokens: &[String],
    ids: &[u32],
    sp: &Specials,
) -> Vec<(u16, u16)> {
    let mut spans = Vec::new();
    let mut i = 0;
    while i < word_ids.len() {
        let Some(w) = word_ids[i] else {
            i += 1;
            continue;
        };
        let start = i;
        while i < word_ids.len() && word_ids[i] == Some(w) {
            i += 1;
        }
        let wordy = tokens[start..i]
            .iter()
            .any(|t| t.chars().any(char::is_alphanumeric));
        let special = ids[start..i].iter().any(|id| sp.all.contains(id));
        if wordy && !special {
            spans.push((start as u16, i as u16));
        }
    }
    spans
}

/// A padded batch, ready to become tensors.
pub struct Batch {
    pub batch: usize,
    pub seq: usize,
    /// `[batch * seq]` input ids after masking.
    pub input_ids: Vec<i64>,
    /// `[batch * seq]`, `true` on padding.
    pub padding: Vec<bool>,
    /// Flat positions (`b * seq + t`) that carry a loss, and the original ids there.
    pub positions: Vec<usize>,
    pub targets: Vec<i64>,
    /// Real (non-padding) tokens in the batch, for throughput.
    pub tokens: usize,
}

/// Applies whole-word 80/10/10 masking to `sentences` and pads them into one batch.
pub fn make_batch(
    sentences: &[&Sentence],
    sp: &Specials,
    vocab: usize,
    mask_rate: f64,
    rng: &mut StdRng,
) -> Batch {
    let seq = sentences.iter().map(|s| s.ids.len()).max().unwrap_or(0);
    let batch = sentences.len();
    let mut b = Batch {
        batch,
        seq,
        input_ids: vec![i64::from(sp.pad); batch * seq],
        padding: vec![true; batch * seq],
        positions: Vec::new(),
        targets: Vec::new(),
        tokens: 0,
    };
    for (row, s) in sentences.iter().enumerate() {
        let base = row * seq;
        for (t, &id) in s.ids.iter().enumerate() {
            b.input_ids[base + t] = i64::from(id);
            b.padding[base + t] = false;
        }
        b.tokens += s.ids.len();
        let word_tokens: usize = s.words.iter().map(|&(a, z)| usize::from(z - a)).sum();
        let budget = ((word_tokens as f64 * mask_rate).round() as usize).max(1);
        let mut order: Vec<usize> = (0..s.words.len()).collect();
        order.shuffle(rng);
        let mut masked = 0;
        for w in order {
            if masked >= budget {
                break;
            }
            let (a, z) = s.words[w];
            let roll: f64 = rng.random();
            for t in usize::from(a)..usize::from(z) {
                let replacement = if roll < 0.8 {
                    sp.mask
                } else if roll < 0.9 {
                    random_token(rng, vocab, sp)
                } else {
                    s.ids[t]
                };
                b.input_ids[base + t] = i64::from(replacement);
                b.positions.push(base + t);
                b.targets.push(i64::from(s.ids[t]));
                masked += 1;
            }
        }
    }
    b
}

fn random_token(rng: &mut StdRng, vocab: usize, sp: &Specials) -> u32 {
    loop {
        let id = rng.random_range(0..vocab as u32);
        if !sp.all.contains(&id) {
            return id;
        }
    }
}

/// One epoch's batches: sentences shuffled with the epoch's seed, then within windows of
/// 64 batches sorted by length and cut into batches of `batch_size`, and the batches
/// shuffled again (so lengths mix across steps but not within a batch).
pub fn epoch_plan(
    n: usize,
    batch_size: usize,
    lengths: &[usize],
    rng: &mut StdRng,
) -> Vec<Vec<u32>> {
    let mut idx: Vec<u32> = (0..n as u32).collect();
    idx.shuffle(rng);
    let window = batch_size * 64;
    let mut batches: Vec<Vec<u32>> = Vec::new();
    for chunk in idx.chunks_mut(window) {
        chunk.sort_by_key(|&i| lengths[i as usize]);
        for b in chunk.chunks(batch_size) {
            if b.len() == batch_size {
                batches.push(b.to_vec());
            }
        }
    }
    batches.shuffle(rng);
    batches
}
