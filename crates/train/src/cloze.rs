//! The Harvard cloze: a held-out test of a masked-LM on everyday English.
//!
//! For each of the 720 Harvard sentences (IEEE 1969 "Harvard sentences", shipped as R data by
//! Debian `r-cran-stringr`, extracted by `tools/corpus/`), one content word is masked: a word
//! that is a single WordPiece, made of letters, and not in `data/stopwords.txt`, chosen with
//! a fixed seed. Reported: top-1 and top-5 accuracy of the original token, and the mean
//! negative log-likelihood (nats) of it.
//!
//! The same score on a marked cloze file: each line names its answer, `…明月⟦光⟧…` (the
//! Chinese held-out poems, one character per line of verse, chosen by
//! `tools/corpus/poetry.py` with a fixed seed). [`build_any`] reads either kind.

use anyhow::Context;
use burn::prelude::*;
use burn::tensor::activation::log_softmax;
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use serde::Serialize;
use tlab_models::bert::BertForMaskedLM;
use tlab_models::readout;
use tokenizers::Tokenizer;

use crate::corpus::Specials;

pub const STOPWORDS: &str = include_str!("../data/stopwords.txt");
/// The cloze set is the same for every model and every run.
pub const CLOZE_SEED: u64 = 1969;

#[derive(Debug, Clone, Serialize)]
pub struct ClozeItem {
    /// The sentence with the chosen word replaced by the mask token.
    pub text: String,
    pub answer: String,
    #[serde(skip)]
    pub ids: Vec<u32>,
    #[serde(skip)]
    pub position: usize,
    #[serde(skip)]
    pub target: u32,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct ClozeScore {
    pub items: usize,
    pub top1: f64,
    pub top5: f64,
    pub mean_nll: f64,
}

/// Builds the cloze items from the Harvard sentences (one per line).
pub fn build(
    tok: &Tokenizer,
    sentences: &[String],
    sp: &Specials,
) -> anyhow::Result<Vec<ClozeItem>> {
    let stop: std::collections::HashSet<&str> = STOPWORDS
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    let mask_token = tok
        .id_to_token(sp.mask)
        .context("the mask id has no token")?;
    let mut rng = StdRng::seed_from_u64(CLOZE_SEED);
    let mut items = Vec::new();
    for s in sentences {
        let enc = tok.encode(s.as_str(), true).map_err(anyhow::Error::msg)?;
        let word_ids = enc.get_word_ids();
        let tokens = enc.get_tokens();
        let candidates: Vec<usize> = (0..word_ids.len())
            .filter(|&i| {
                let Some(w) = word_ids[i] else { return false };
                let single = (i == 0 || word_ids[i - 1] != Some(w))
                    && (i + 1 == word_ids.len() || word_ids[i + 1] != Some(w));
                single
                    && tokens[i].len() > 1
                    && tokens[i].chars().all(|c| c.is_alphabetic())
                    && !stop.contains(tokens[i].to_lowercase().as_str())
            })
            .collect();
        let Some(&pos) = candidates.choose(&mut rng) else {
            continue;
        };
        let (a, z) = enc.get_offsets()[pos];
        let mut ids = enc.get_ids().to_vec();
        let target = ids[pos];
        ids[pos] = sp.mask;
        items.push(ClozeItem {
            text: format!("{}{mask_token}{}", &s[..a], &s[z..]),
            answer: tokens[pos].clone(),
            ids,
            position: pos,
            target,
        });
    }
    Ok(items)
}

/// Marked items: `before⟦answer⟧after`, the answer one token of the tokenizer.
pub fn build_marked(
    tok: &Tokenizer,
    lines: &[String],
    sp: &Specials,
) -> anyhow::Result<Vec<ClozeItem>> {
    let mask_token = tok
        .id_to_token(sp.mask)
        .context("the mask id has no token")?;
    let mut items = Vec::with_capacity(lines.len());
    for (n, line) in lines.iter().enumerate() {
        let bad = || anyhow::anyhow!("cloze line {}: expected one ⟦answer⟧ in {line:?}", n + 1);
        let (before, rest) = line.split_once('⟦').ok_or_else(bad)?;
        let (answer, after) = rest.split_once('⟧').ok_or_else(bad)?;
        let text = format!("{before}{answer}{after}");
        let enc = tok
            .encode(text.as_str(), true)
            .map_err(anyhow::Error::msg)?;
        let at = (before.len(), before.len() + answer.len());
        let Some(pos) = enc.get_offsets().iter().position(|&o| o == at) else {
            // The answer is not one token here (an [UNK] merged with a neighbour): skipped,
            // the same for every model with this tokenizer.
            continue;
        };
        let mut ids = enc.get_ids().to_vec();
        let target = ids[pos];
        // An answer outside the vocabulary ([UNK]) cannot be predicted by any model.
        if sp.all.contains(&target) {
            continue;
        }
        ids[pos] = sp.mask;
        items.push(ClozeItem {
            text: format!("{before}{mask_token}{after}"),
            answer: answer.to_string(),
            ids,
            position: pos,
            target,
        });
    }
    Ok(items)
}

/// Harvard-style sentences or marked lines, whichever `lines` are; at most `limit` items,
/// evenly spread over the file (the quick score the training loop logs).
pub fn build_any(
    tok: &Tokenizer,
    lines: &[String],
    sp: &Specials,
    limit: Option<usize>,
) -> anyhow::Result<Vec<ClozeItem>> {
    let items = if lines.iter().any(|l| l.contains('⟦')) {
        build_marked(tok, lines, sp)?
    } else {
        build(tok, lines, sp)?
    };
    Ok(match limit {
        Some(k) if k < items.len() => (0..k).map(|i| items[i * items.len() / k].clone()).collect(),
        _ => items,
    })
}

/// Scores `model` on `items`, 64 sentences per forward pass, each padded to the longest (or
/// to `pad_to`). Also returns each item's top-5 ids.
pub fn evaluate(
    model: &BertForMaskedLM,
    items: &[ClozeItem],
    pad: u32,
    device: &Device,
    pad_to: Option<usize>,
) -> anyhow::Result<(ClozeScore, Vec<Vec<u32>>)> {
    let mut score = ClozeScore {
        items: items.len(),
        ..Default::default()
    };
    let mut all_top5 = Vec::with_capacity(items.len());
    for chunk in items.chunks(64) {
        let longest = chunk.iter().map(|c| c.ids.len()).max().unwrap_or(1);
        let seq = pad_to.map_or(longest, |p| p.max(longest));
        let n = chunk.len();
        let mut ids = vec![i64::from(pad); n * seq];
        let mut padding = vec![true; n * seq];
        let mut positions = Vec::with_capacity(n);
        for (row, item) in chunk.iter().enumerate() {
            for (t, &id) in item.ids.iter().enumerate() {
                ids[row * seq + t] = i64::from(id);
                padding[row * seq + t] = false;
            }
            positions.push(row * seq + item.position);
        }
        let ids = Tensor::<2, Int>::from_data(TensorData::new(ids, [n, seq]), device);
        let padding = Tensor::<2, Bool>::from_data(TensorData::new(padding, [n, seq]), device);
        let hidden = model.bert.forward(ids, None, Some(padding), false).hidden;
        let logp = log_softmax(model.mlm_logits(hidden, &positions), 1);
        let vocab = logp.dims()[1];
        let values = readout::values(logp)?;
        for (row, item) in chunk.iter().enumerate() {
            let r = &values[row * vocab..(row + 1) * vocab];
            let target = r[item.target as usize];
            let rank = r.iter().filter(|&&v| v > target).count();
            score.top1 += f64::from(u8::from(rank == 0));
            score.top5 += f64::from(u8::from(rank < 5));
            score.mean_nll -= f64::from(target);
            all_top5.push(readout::top_k(r, 5).into_iter().map(|j| j as u32).collect());
        }
    }
    let n = items.len().max(1) as f64;
    score.top1 /= n;
    score.top5 /= n;
    score.mean_nll /= n;
    Ok((score, all_top5))
}
