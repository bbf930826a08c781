//! BERT's pre-training corruption of one sentence, shared by the trainer (`tlab-train`'s
//! batches) and the lecture's "BERT pre-training" view, so the page shows exactly what the
//! model was trained on.
//!
//! Devlin et al. (2019) §3.1: 15 % of the tokens are chosen; of those, 80 % become the mask
//! token, 10 % a random token, 10 % stay as they are. Whole words are chosen (all WordPieces
//! of a word together), and words without a letter or digit are never chosen.

use rand::Rng;
use rand::seq::SliceRandom;
use serde::Serialize;

/// What happened to a chosen token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MaskKind {
    /// Replaced by the mask token (80 %).
    Mask,
    /// Replaced by a random non-special token (10 %).
    Random,
    /// Left unchanged but still predicted (10 %).
    Keep,
}

/// One chosen token: where, what it was, what the model sees instead.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MaskChoice {
    pub position: usize,
    pub original: u32,
    pub replacement: u32,
    pub kind: MaskKind,
}

/// Token ranges `[start, end)` of each word (consecutive tokens sharing a word id) that has
/// at least one letter or digit and no special token.
pub fn word_spans(
    word_ids: &[Option<u32>],
    tokens: &[String],
    ids: &[u32],
    specials: &[u32],
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
        let special = ids[start..i].iter().any(|id| specials.contains(id));
        if wordy && !special {
            spans.push((start as u16, i as u16));
        }
    }
    spans
}

/// Chooses whole words until `mask_rate` of the words' tokens (at least one) are chosen, and
/// rolls 80/10/10 once per word. The order of random draws is part of the contract: the
/// trainer's batches depend on it, so changing it changes training runs.
pub fn choose<R: Rng + ?Sized>(
    ids: &[u32],
    words: &[(u16, u16)],
    mask_id: u32,
    specials: &[u32],
    vocab: usize,
    mask_rate: f64,
    rng: &mut R,
) -> Vec<MaskChoice> {
    let word_tokens: usize = words.iter().map(|&(a, z)| usize::from(z - a)).sum();
    let budget = ((word_tokens as f64 * mask_rate).round() as usize).max(1);
    let mut order: Vec<usize> = (0..words.len()).collect();
    order.shuffle(rng);
    let mut out = Vec::new();
    for w in order {
        if out.len() >= budget {
            break;
        }
        let (a, z) = words[w];
        let roll: f64 = rng.random();
        for (t, &original) in ids
            .iter()
            .enumerate()
            .take(usize::from(z))
            .skip(usize::from(a))
        {
            let (replacement, kind) = if roll < 0.8 {
                (mask_id, MaskKind::Mask)
            } else if roll < 0.9 {
                (random_token(rng, vocab, specials), MaskKind::Random)
            } else {
                (original, MaskKind::Keep)
            };
            out.push(MaskChoice {
                position: t,
                original,
                replacement,
                kind,
            });
        }
    }
    out
}

fn random_token<R: Rng + ?Sized>(rng: &mut R, vocab: usize, specials: &[u32]) -> u32 {
    loop {
        let id = rng.random_range(0..vocab as u32);
        if !specials.contains(&id) {
            return id;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    #[test]
    fn chooses_fifteen_percent_of_whole_words_deterministically() {
        // 20 one-token words between [CLS]=0 and [SEP]=1; mask = 2.
        let ids: Vec<u32> = std::iter::once(0)
            .chain(10..30)
            .chain(std::iter::once(1))
            .collect();
        let words: Vec<(u16, u16)> = (1..21).map(|i| (i, i + 1)).collect();
        let run = |seed| {
            choose(
                &ids,
                &words,
                2,
                &[0, 1, 2],
                100,
                0.15,
                &mut StdRng::seed_from_u64(seed),
            )
        };
        let a = run(7);
        assert_eq!(a.len(), 3, "15 % of 20 tokens");
        assert_eq!(a, run(7), "same seed, same choice");
        for c in &a {
            assert_eq!(c.original, ids[c.position]);
            match c.kind {
                MaskKind::Mask => assert_eq!(c.replacement, 2),
                MaskKind::Keep => assert_eq!(c.replacement, c.original),
                MaskKind::Random => assert!(![0, 1, 2].contains(&c.replacement)),
            }
        }
        // Over many seeds the three kinds appear in roughly 80/10/10 proportion.
        let mut counts = [0usize; 3];
        for seed in 0..2000 {
            for c in run(seed) {
                counts[c.kind as usize] += 1;
            }
        }
        let total = counts.iter().sum::<usize>() as f64;
        assert!((counts[0] as f64 / total - 0.8).abs() < 0.03, "{counts:?}");
        assert!((counts[1] as f64 / total - 0.1).abs() < 0.03, "{counts:?}");
    }

    #[test]
    fn word_spans_skip_specials_and_punctuation() {
        let tokens: Vec<String> = ["[CLS]", "play", "##ing", ",", "now", "[SEP]"]
            .map(String::from)
            .to_vec();
        let word_ids = [None, Some(0), Some(0), Some(1), Some(2), None];
        let ids = [0, 5, 6, 7, 8, 1];
        assert_eq!(
            word_spans(&word_ids, &tokens, &ids, &[0, 1]),
            vec![(1, 3), (4, 5)]
        );
    }
}
