//! Extractive question answering — the lecture's fourth fine-tuning case: Hugging Face
//! `BertForQuestionAnswering`, whose `qa_outputs` turns every token into two logits, "the
//! answer starts here" and "the answer ends here" (the lecture's two vectors).
//!
//! The span is chosen as transformers 4's `question-answering` pipeline chose it (the
//! pipeline is gone from transformers 5; its logic is restated here, and the fixture script
//! pins 4.x):
//! - question first, context second, `[CLS] Q [SEP] C [SEP]`; a context longer than
//!   `max_seq_len` tokens is cut into windows that overlap by `doc_stride` tokens (the
//!   tokenizer's own truncation with overflow, `only_second`);
//! - per window, every token that is not context (question, `[SEP]`) gets logit −10000, but
//!   `[CLS]` keeps its logit (models use it for "no answer"); softmax over the window;
//!   then `[CLS]`'s probabilities are set to 0;
//! - per window, the 12 best pairs `start ≤ end < start + max_answer_len` by
//!   `p_start · p_end` (the pipeline keeps `2·top_k + 10` because word alignment may merge
//!   some), those inside the context kept;
//! - each pair is widened to whole words (the start token's word to the end token's word) and
//!   cut from the context by character offsets; pairs that give the same answer text
//!   (ignoring case), in any window or at any place in the context, add up their scores
//!   and keep the first one's offsets;
//! - the answer with the highest summed score wins, the first found on ties.
//!
//! Matched to the pipeline by `tests/bert_heads_parity.rs`.

use serde::Serialize;
use tlab_models::burn;
use tlab_models::readout;
use tokenizers::{Encoding, TruncationDirection, TruncationParams, TruncationStrategy};

use crate::TaskError;
use crate::encoder::{Encoder, ModelFiles, char_slice, non_empty};

/// The checkpoint key of the head (Hugging Face's name): `[2, hidden]`, start then end.
const QA_OUTPUTS: &str = "qa_outputs";

/// A QA model has no pooler and no masked-LM head; older exports carry both.
const IGNORED_TENSORS: &[&str] = &["pooler.", "cls.predictions.", "embeddings.position_ids"];

/// The logit every non-context token gets before the softmax (the pipeline's value).
const MASKED_LOGIT: f32 = -10000.0;

/// How the context is windowed and how long an answer may be (the pipeline's parameters).
#[derive(Debug, Clone, Copy)]
pub struct QaOptions {
    pub max_seq_len: usize,
    pub doc_stride: usize,
    pub max_answer_len: usize,
}

/// `tlab qa --json` prints this.
#[derive(Debug, Clone, Serialize)]
pub struct Answer {
    pub answer: String,
    /// Character offsets into the context.
    pub start: usize,
    pub end: usize,
    /// `p_start · p_end` of the chosen span in its window.
    pub score: f32,
}

/// One token of the window the answer came from, with its two probabilities.
#[derive(Debug, Clone, Serialize)]
pub struct SpanToken {
    pub token: String,
    /// Character offsets into the context; `null` for the question and special tokens.
    pub start: Option<usize>,
    pub end: Option<usize>,
    pub p_start: f32,
    pub p_end: f32,
}

/// The answer and the view the page draws: the two probability vectors over the window.
#[derive(Debug, Clone, Serialize)]
pub struct AnswerView {
    #[serde(flatten)]
    pub answer: Answer,
    pub tokens: Vec<SpanToken>,
    /// How many windows the context was cut into.
    pub windows: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct QaInfo {
    pub layers: usize,
    pub hidden: usize,
    pub max_seq_len: usize,
    pub warnings: Vec<String>,
}

pub struct QuestionAnswerer {
    encoder: Encoder,
    head: burn::nn::Linear,
    unused_tensors: Vec<String>,
}

/// One answer text, with its summed score and where it was first found.
struct Found {
    text: String,
    start: usize,
    end: usize,
    score: f32,
    window: usize,
}

/// Candidate pairs kept per window: the pipeline's `2·top_k + 10` with `top_k = 1`.
const CANDIDATES_PER_WINDOW: usize = 12;

impl QuestionAnswerer {
    /// Loads a checkpoint in either layout (see [`ModelFiles`]) with `qa_outputs`.
    pub fn from_files(files: &ModelFiles) -> Result<Self, TaskError> {
        let (encoder, head, unused_tensors) =
            Encoder::load(files, IGNORED_TENSORS, |ckpt, config| {
                if !ckpt.contains(&format!("{QA_OUTPUTS}.weight")) {
                    return Err(TaskError::Input(format!(
                        "this checkpoint has no question-answering head (`{QA_OUTPUTS}`, as in \
                         BertForQuestionAnswering); load a model fine-tuned for QA (e.g. on SQuAD)"
                    )));
                }
                Ok(ckpt.linear(QA_OUTPUTS, config.hidden_size, 2)?)
            })?;
        Ok(Self {
            encoder,
            head,
            unused_tensors,
        })
    }

    #[cfg(not(target_arch = "wasm32"))]
    pub fn from_dir(dir: &std::path::Path) -> Result<Self, TaskError> {
        Self::from_files(&ModelFiles::read_dir(dir)?)
    }

    /// The pipeline's defaults for this model: windows of `min(384, max_position_embeddings)`
    /// tokens overlapping by half (at most 128), answers up to 15 tokens.
    pub fn default_options(&self) -> QaOptions {
        let max_seq_len = self.encoder.config.max_position_embeddings.min(384);
        QaOptions {
            max_seq_len,
            doc_stride: (max_seq_len / 2).min(128),
            max_answer_len: 15,
        }
    }

    pub fn info(&self) -> QaInfo {
        QaInfo {
            layers: self.encoder.config.num_hidden_layers,
            hidden: self.encoder.config.hidden_size,
            max_seq_len: self.default_options().max_seq_len,
            warnings: crate::unused_warning(&self.unused_tensors)
                .into_iter()
                .collect(),
        }
    }

    /// The question and context as the pipeline tokenizes them: one encoding per window.
    fn windows(
        &self,
        question: &str,
        context: &str,
        o: QaOptions,
    ) -> Result<Vec<Encoding>, TaskError> {
        if o.max_seq_len > self.encoder.config.max_position_embeddings {
            return Err(TaskError::Input(format!(
                "windows of {} tokens are longer than this model reads ({})",
                o.max_seq_len, self.encoder.config.max_position_embeddings
            )));
        }
        let mut tokenizer = self.encoder.tokenizer.clone();
        tokenizer
            .with_truncation(Some(TruncationParams {
                max_length: o.max_seq_len,
                stride: o.doc_stride,
                strategy: TruncationStrategy::OnlySecond,
                direction: TruncationDirection::Right,
            }))
            .map_err(|e| TaskError::Input(format!("cannot window the context: {e}")))?;
        let mut first = tokenizer
            .encode_char_offsets((question, context), true)
            .map_err(|e| {
                TaskError::Input(format!(
                    "cannot fit the question and context into windows of {} tokens with an \
                     overlap of {}: {e}",
                    o.max_seq_len, o.doc_stride
                ))
            })?;
        let rest = first.take_overflowing();
        let windows: Vec<Encoding> = std::iter::once(first).chain(rest).collect();
        for w in &windows {
            self.encoder.check(w)?;
        }
        Ok(windows)
    }

    /// The answer to `question` in `context`, with the probability vectors of its window.
    pub fn answer(
        &self,
        question: &str,
        context: &str,
        o: QaOptions,
    ) -> Result<AnswerView, TaskError> {
        let question = non_empty("question", question)?;
        let context = non_empty("context", context)?;
        if o.max_answer_len == 0 {
            return Err(TaskError::Input("max_answer_len must be at least 1".into()));
        }
        let windows = self.windows(question, context, o)?;
        let mut found: Vec<Found> = Vec::new();
        let mut probabilities = Vec::with_capacity(windows.len());
        for (w, enc) in windows.iter().enumerate() {
            let (p_start, p_end) = self.probabilities(enc)?;
            for (s, e, score) in candidates(enc, &p_start, &p_end, o.max_answer_len) {
                let (start, end) = answer_chars(enc, s, e);
                let text = char_slice(context, start, end);
                let lower = text.to_lowercase();
                match found.iter_mut().find(|f| f.text.to_lowercase() == lower) {
                    Some(f) => f.score += score,
                    None => found.push(Found {
                        text,
                        start,
                        end,
                        score,
                        window: w,
                    }),
                }
            }
            probabilities.push((p_start, p_end));
        }
        // The first of the best: `max_by` would keep the last.
        let best = found
            .into_iter()
            .reduce(|best, f| if f.score > best.score { f } else { best })
            .ok_or_else(|| {
                TaskError::Input("the context has no token an answer could start at".into())
            })?;
        let enc = &windows[best.window];
        let (p_start, p_end) = &probabilities[best.window];
        let tokens = enc
            .get_tokens()
            .iter()
            .enumerate()
            .map(|(i, token)| {
                let (s, e) = enc.get_offsets().get(i).copied().unwrap_or_default();
                let context_token = in_context(enc, i);
                SpanToken {
                    token: token.clone(),
                    start: context_token.then_some(s),
                    end: context_token.then_some(e),
                    p_start: p_start.get(i).copied().unwrap_or(0.0),
                    p_end: p_end.get(i).copied().unwrap_or(0.0),
                }
            })
            .collect();
        Ok(AnswerView {
            answer: Answer {
                answer: best.text,
                start: best.start,
                end: best.end,
                score: best.score,
            },
            tokens,
            windows: windows.len(),
        })
    }

    /// Start and end probabilities over one window, non-context tokens masked out and
    /// `[CLS]` zeroed after the softmax, as the pipeline does.
    fn probabilities(&self, enc: &Encoding) -> Result<(Vec<f32>, Vec<f32>), TaskError> {
        let hidden = self.encoder.hidden(enc);
        let [_, n, width] = hidden.dims();
        // [tokens, 2] → [2, tokens]: row 0 the start logits, row 1 the end logits.
        let logits = readout::rows(self.head.forward(hidden.reshape([n, width])).transpose())?;
        let keep: Vec<bool> = (0..n)
            .map(|i| is_cls(enc, i) || in_context(enc, i))
            .collect();
        let mut probs = logits.into_iter().map(|row| {
            let masked: Vec<f32> = row
                .iter()
                .zip(&keep)
                .map(|(&l, &k)| if k { l } else { MASKED_LOGIT })
                .collect();
            let mut p = softmax_row(&masked);
            if let Some(first) = p.first_mut()
                && is_cls(enc, 0)
            {
                *first = 0.0;
            }
            p
        });
        let (Some(start), Some(end)) = (probs.next(), probs.next()) else {
            return Err(TaskError::Internal("the QA head gave no logits".into()));
        };
        if start.iter().chain(&end).any(|p| !p.is_finite()) {
            return Err(crate::non_finite_error());
        }
        Ok((start, end))
    }
}

fn in_context(enc: &Encoding, i: usize) -> bool {
    enc.get_sequence_ids().get(i).copied().flatten() == Some(1)
}

/// The pipeline keeps `[CLS]` unmasked: the special token the pair template puts first.
fn is_cls(enc: &Encoding, i: usize) -> bool {
    i == 0 && enc.get_special_tokens_mask().first() == Some(&1)
}

/// Softmax in f32, as numpy on the pipeline's float32 logits.
fn softmax_row(row: &[f32]) -> Vec<f32> {
    let max = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let exp: Vec<f32> = row.iter().map(|&l| (l - max).exp()).collect();
    let sum: f32 = exp.iter().sum();
    exp.iter().map(|e| e / sum).collect()
}

/// The window's best pairs `s ≤ e < s + max_len` by `p_start[s] · p_end[e]` (at most
/// [`CANDIDATES_PER_WINDOW`], best first, earlier pairs first on ties), less those that
/// leave the context (the pipeline filters after choosing, so those still take a place).
fn candidates(
    enc: &Encoding,
    p_start: &[f32],
    p_end: &[f32],
    max_len: usize,
) -> Vec<(usize, usize, f32)> {
    let mut pairs: Vec<(usize, usize, f32)> = Vec::new();
    for (s, &ps) in p_start.iter().enumerate() {
        for (e, &pe) in p_end.iter().enumerate().skip(s).take(max_len) {
            pairs.push((s, e, ps * pe));
        }
    }
    pairs.sort_by(|a, b| b.2.total_cmp(&a.2));
    pairs.truncate(CANDIDATES_PER_WINDOW);
    pairs.retain(|&(s, e, _)| in_context(enc, s) && in_context(enc, e));
    pairs
}

/// Character offsets of the answer: from the start token's word to the end token's word
/// (a token inside a word gives the whole word), token offsets when there is no word.
fn answer_chars(enc: &Encoding, s: usize, e: usize) -> (usize, usize) {
    let word_chars = |t: usize| {
        enc.token_to_word(t)
            .and_then(|(seq, word)| enc.word_to_chars(word, seq))
    };
    let offset = |t: usize| enc.get_offsets().get(t).copied().unwrap_or_default();
    match (word_chars(s), word_chars(e)) {
        (Some((start, _)), Some((_, end))) => (start, end),
        _ => (offset(s).0, offset(e).1),
    }
}
