//! The lecture's "BERT pre-training" view: one sentence corrupted as BERT's pre-training
//! corrupts it ([`crate::masking`]: 15 % of word tokens, whole words, 80 % `[MASK]` /
//! 10 % random / 10 % kept — the code `tlab-train` trains with), and what the masked-LM
//! predicts at every chosen position, with the example's loss.

use rand::SeedableRng;
use rand::rngs::StdRng;
use serde::Serialize;
use tlab_models::burn::tensor::activation::log_softmax;
use tlab_models::readout;

use crate::TaskError;
use crate::fill_mask::{Candidate, FillMask};

/// The share of word tokens BERT's pre-training chooses (Devlin et al. 2019, §3.1).
pub const BERT_MASK_RATE: f64 = 0.15;

/// One sentence corrupted as in pre-training and what the model predicts at every chosen
/// position.
#[derive(Debug, Clone, Serialize)]
pub struct PretrainDemo {
    pub seed: u64,
    /// The sentence as tokenized (with `[CLS]`/`[SEP]`).
    pub tokens: Vec<String>,
    pub input_ids: Vec<u32>,
    /// What the model sees: chosen tokens replaced (mask / random) or kept.
    pub corrupted_tokens: Vec<String>,
    pub corrupted_ids: Vec<u32>,
    /// The chosen positions, in sentence order.
    pub positions: Vec<PretrainPosition>,
    /// Mean cross-entropy (nats) of the original tokens over the chosen positions: the
    /// masked-LM loss of this one example.
    pub loss: f32,
}

#[derive(Debug, Clone, Serialize)]
pub struct PretrainPosition {
    pub position: usize,
    pub kind: crate::masking::MaskKind,
    pub original: String,
    pub original_id: u32,
    pub shown: String,
    pub shown_id: u32,
    /// P(original token | corrupted sentence)
    pub prob_original: f32,
    pub candidates: Vec<Candidate>,
}

impl FillMask {
    /// BERT's pre-training corruption of `text` (15 % of word tokens, whole words, 80/10/10;
    /// the same code `tlab-train` uses, deterministic for a `seed`), then the model's top-k at
    /// every chosen position, the original token's probability and the example's loss.
    pub fn pretrain_demo(
        &self,
        text: &str,
        seed: u64,
        top_k: usize,
    ) -> Result<PretrainDemo, TaskError> {
        self.check_top_k(top_k)?;
        let text = self.normalise_mask_spelling(text);
        let enc = self.encode(&text, false)?;
        // `encode` checked length and vocabulary; the word ids come from the same encoding.
        let full = self
            .tokenizer
            .encode(text.as_str(), true)
            .map_err(|e| TaskError::Tokenizer(format!("could not tokenize the text: {e}")))?;
        let words = crate::masking::word_spans(
            full.get_word_ids(),
            &enc.tokens,
            &enc.ids,
            &self.special_ids,
        );
        if words.is_empty() {
            return Err(TaskError::Input(
                "the text has no word to mask: type a sentence".into(),
            ));
        }
        let mut rng = StdRng::seed_from_u64(seed);
        let mut chosen = crate::masking::choose(
            &enc.ids,
            &words,
            self.mask_id,
            &self.special_ids,
            self.config.vocab_size,
            BERT_MASK_RATE,
            &mut rng,
        );
        chosen.sort_by_key(|c| c.position);
        let mut corrupted = enc.ids.clone();
        for c in &chosen {
            corrupted[c.position] = c.replacement;
        }
        let positions: Vec<usize> = chosen.iter().map(|c| c.position).collect();
        let out = self
            .model
            .bert
            .forward(self.ids_tensor(&corrupted), None, None, false);
        let log_probs = readout::rows(log_softmax(
            self.model.mlm_logits(out.hidden, &positions),
            1,
        ))?;
        let token = |id: u32| self.tokenizer.id_to_token(id).unwrap_or_default();
        let mut loss = 0.0f32;
        let rows: Vec<PretrainPosition> = chosen
            .iter()
            .zip(&log_probs)
            .map(|(c, row)| {
                let lp = row[c.original as usize];
                loss -= lp;
                PretrainPosition {
                    position: c.position,
                    kind: c.kind,
                    original: token(c.original),
                    original_id: c.original,
                    shown: token(c.replacement),
                    shown_id: c.replacement,
                    prob_original: lp.exp(),
                    candidates: self.candidates(row, top_k, f32::exp),
                }
            })
            .collect();
        Ok(PretrainDemo {
            seed,
            tokens: enc.tokens,
            input_ids: enc.ids,
            corrupted_tokens: corrupted.iter().map(|&id| token(id)).collect(),
            corrupted_ids: corrupted,
            loss: loss / rows.len().max(1) as f32,
            positions: rows,
        })
    }
}
