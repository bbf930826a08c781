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

use anyhow::Context;
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
    ) -> anyhow::Result<Self> {
        let mask_token = tlab_tasks::fill_mask::find_mask_token(tok, tokenizer_config)?;
        let mask = tok
            .token_to_id(&mask_token)
            .with_context(|| format!("mask token {mask_token} not in the vocabulary"))?;
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
                .context("tokenizer.json names no padding token")?,
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
    tlab_tasks::masking::word_spans(word_ids, tokens, ids, &sp.all)
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
    pad_to: Option<usize>,
) -> Batch {
    let longest = sentences.iter().map(|s| s.ids.len()).max().unwrap_or(0);
    let seq = pad_to.map_or(longest, |p| p.max(longest));
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
        // The same per-sentence masking the lecture's pre-training view shows.
        let chosen =
            tlab_tasks::masking::choose(&s.ids, &s.words, sp.mask, &sp.all, vocab, mask_rate, rng);
        for c in chosen {
            b.input_ids[base + c.position] = i64::from(c.replacement);
            b.positions.push(base + c.position);
            b.targets.push(i64::from(c.original));
        }
    }
    b
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

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    /// The masking loop as it was written here before it moved to `tlab_tasks::masking`:
    /// the move must not change a single training batch.
    fn old_masking(
        s: &Sentence,
        sp: &Specials,
        vocab: usize,
        rate: f64,
        rng: &mut StdRng,
    ) -> Vec<(usize, u32)> {
        let word_tokens: usize = s.words.iter().map(|&(a, z)| usize::from(z - a)).sum();
        let budget = ((word_tokens as f64 * rate).round() as usize).max(1);
        let mut order: Vec<usize> = (0..s.words.len()).collect();
        order.shuffle(rng);
        let mut out = Vec::new();
        for w in order {
            if out.len() >= budget {
                break;
            }
            let (a, z) = s.words[w];
            let roll: f64 = rng.random();
            for t in usize::from(a)..usize::from(z) {
                let r = if roll < 0.8 {
                    sp.mask
                } else if roll < 0.9 {
                    loop {
                        let id = rng.random_range(0..vocab as u32);
                        if !sp.all.contains(&id) {
                            break id;
                        }
                    }
                } else {
                    s.ids[t]
                };
                out.push((t, r));
            }
        }
        out
    }

    #[test]
    fn batches_are_unchanged_by_the_shared_masking() {
        let sp = Specials {
            mask: 3,
            pad: 0,
            all: vec![0, 1, 2, 3],
        };
        let s = Sentence {
            ids: (0..30)
                .map(|i| {
                    if i == 0 {
                        1
                    } else if i == 29 {
                        2
                    } else {
                        10 + i
                    }
                })
                .collect(),
            words: vec![
                (1, 3),
                (3, 4),
                (4, 7),
                (7, 8),
                (8, 12),
                (12, 13),
                (13, 20),
                (20, 29),
            ],
        };
        for seed in 0..200 {
            let b = make_batch(&[&s], &sp, 50, 0.3, &mut StdRng::seed_from_u64(seed), None);
            let got: Vec<(usize, u32)> = b
                .positions
                .iter()
                .map(|&p| (p, b.input_ids[p] as u32))
                .collect();
            let want = old_masking(&s, &sp, 50, 0.3, &mut StdRng::seed_from_u64(seed));
            assert_eq!(got, want, "seed {seed}");
        }
    }
}
