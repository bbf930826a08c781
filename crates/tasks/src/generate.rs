//! Text generation with a GPT-2: a prompt in, its continuation out, one token at a time —
//! the lecture's autoregressive decoder with nothing around it.
//!
//! The prompt goes through the model once (its keys and values fill the cache), then each
//! step feeds only the newest token. Greedy, beam search and sampling are the project's own
//! (`tlab_models::decoding`), shared with translation; every step can record the most
//! probable next tokens, so the page can show the distribution the choice was made from.
//!
//! Checkpoints in three tokenizer layouts load: `tokenizer.json`; `vocab.json` +
//! `merges.txt` (OpenAI's GPT-2 repositories); a BERT `vocab.txt` (Chinese GPT-2s such as
//! `uer/gpt2-chinese-poem`, and the poetry GPT trained here). A prompt is encoded without
//! the tokenizer's trailing special tokens but with its leading ones — `[CLS]` for a BERT
//! vocabulary, as those models were trained and as their model cards prompt them; nothing
//! for byte-level BPE.

use burn::prelude::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Serialize;
use tlab_models::burn;
use tlab_models::decoding::{
    self, DecodeOptions, Decoded, SampleOptions, StepModel, TraceStep, log_softmax_in_place,
};
use tlab_models::gpt2::{Gpt2Cache, Gpt2Config, Gpt2LMHeadModel};
use tlab_models::readout::{self, ReadError};
use tlab_models::weights::Checkpoint;
use tokenizers::Tokenizer;

use crate::TaskError;
use crate::encoder::ModelFiles;

/// Tensors a `GPT2LMHeadModel` leaves unread on purpose: the causal-mask buffers old
/// checkpoints saved (`attn.bias`, `attn.masked_bias`).
const IGNORED_TENSORS: &[&str] = &[".attn.bias", ".attn.masked_bias"];

/// The most tokens one call may generate (the page offers up to 200).
pub const MAX_NEW_TOKENS: usize = 512;

/// How to choose each next token.
#[derive(Debug, Clone)]
pub enum Strategy {
    Greedy,
    Beam { width: usize, length_penalty: f32 },
    Sample(SampleOptions, u64),
}

#[derive(Debug, Clone)]
pub struct GenerateOptions {
    pub max_new_tokens: usize,
    pub strategy: Strategy,
    /// Hugging Face's `repetition_penalty` (1.0: off).
    pub repetition_penalty: f32,
    /// Alternatives recorded per step (0: none).
    pub top_shown: usize,
    /// Record each step's attention over the prefix (greedy and sampling).
    pub want_attentions: bool,
}

impl Default for GenerateOptions {
    fn default() -> Self {
        Self {
            max_new_tokens: 40,
            strategy: Strategy::Greedy,
            repetition_penalty: 1.0,
            top_shown: 5,
            want_attentions: false,
        }
    }
}

/// A token with its probability.
#[derive(Debug, Clone, Serialize)]
pub struct TokenProb {
    pub id: u32,
    pub token: String,
    pub prob: f32,
}

/// One generated token and the distribution it was chosen from.
#[derive(Debug, Clone, Serialize)]
pub struct Step {
    pub id: u32,
    pub token: String,
    pub prob: f32,
    /// The most probable next tokens before this step's choice, most probable first.
    pub top: Vec<TokenProb>,
}

/// One finished sequence (beam search returns several).
#[derive(Debug, Clone, Serialize)]
pub struct Sequence {
    pub text: String,
    pub ids: Vec<u32>,
    pub tokens: Vec<String>,
    pub log_prob: f32,
    /// `log_prob / length^α` for beam search; `log_prob` otherwise.
    pub score: f32,
    pub ended_with_eos: bool,
}

/// `tlab generate --json` and the page print this.
#[derive(Debug, Clone, Serialize)]
pub struct GenerateOutput {
    /// The continuation (the best one, for beam search), without the prompt.
    pub text: String,
    pub ids: Vec<u32>,
    pub tokens: Vec<String>,
    pub steps: Vec<Step>,
    pub ended_with_eos: bool,
    pub prompt_ids: Vec<u32>,
    pub prompt_tokens: Vec<String>,
    /// Every returned sequence, best first (one unless beam search).
    pub nbest: Vec<Sequence>,
    /// Beam search only: every step's beams, choices and pruned candidates (the beam tree).
    pub beam_trace: Vec<TraceStep>,
    /// The token text of every id in `beam_trace`, keyed by the id in decimal (JSON keys are
    /// strings); empty unless beam search.
    pub trace_tokens: std::collections::BTreeMap<String, String>,
    /// If asked (greedy, sampling): per generated token, `[layer][head][key]` over the
    /// prompt and the tokens before it.
    pub attentions: Vec<Vec<Vec<Vec<f32>>>>,
}

/// Attention probabilities of one causal pass.
#[derive(Debug, Clone, Serialize)]
pub struct GptAttentions {
    pub ids: Vec<u32>,
    pub tokens: Vec<String>,
    /// `[layer][head][query][key]`; every entry above the diagonal is exactly 0.
    pub layers: Vec<Vec<Vec<Vec<f32>>>>,
}

/// Basic facts about the loaded checkpoint, for the page's model line.
#[derive(Debug, Clone, Serialize)]
pub struct GptInfo {
    pub layers: usize,
    pub hidden: usize,
    pub heads: usize,
    pub vocab: usize,
    pub max_tokens: usize,
    pub parameters: usize,
    /// The token that ends a text, if the model has one in its vocabulary.
    pub eos_token: Option<String>,
    pub warnings: Vec<String>,
}

/// A loaded GPT-2 checkpoint with its tokenizer.
pub struct Generator {
    model: Gpt2LMHeadModel,
    config: Gpt2Config,
    tokenizer: Tokenizer,
    /// What the tokenizer puts before a text (`[CLS]` for a BERT vocabulary).
    prompt_prefix: Vec<u32>,
    special_ids: Vec<u32>,
    unused_tensors: Vec<String>,
    device: Device,
}

impl Generator {
    /// Loads a checkpoint: `config.json`; `tokenizer.json`, `vocab.json` + `merges.txt` or
    /// `vocab.txt`; `model.safetensors` or `pytorch_model.bin`.
    pub fn from_files(files: &ModelFiles) -> Result<Self, TaskError> {
        let config = Gpt2Config::from_json(&files.config)?;
        let tokenizer = files.tokenizer()?;
        let device = tlab_models::device();
        let weights = files.safetensors()?;
        let shards: Vec<&[u8]> = weights.iter().map(AsRef::as_ref).collect();
        let ckpt = Checkpoint::from_shards(&shards, &device)?;
        let (model, _) = Gpt2LMHeadModel::load(&config, &ckpt)?;
        let unused_tensors = crate::unused_tensors(&ckpt, IGNORED_TENSORS);
        let probe = tokenizer
            .encode("x", true)
            .map_err(|e| TaskError::Tokenizer(format!("the tokenizer cannot encode text: {e}")))?;
        let prompt_prefix: Vec<u32> = probe
            .get_ids()
            .iter()
            .zip(probe.get_special_tokens_mask())
            .take_while(|&(_, &special)| special == 1)
            .map(|(&id, _)| id)
            .collect();
        crate::tokenizer::check_ids(&prompt_prefix, config.vocab_size)?;
        Ok(Self {
            special_ids: crate::tokenizer::special_ids(&tokenizer),
            model,
            config,
            tokenizer,
            prompt_prefix,
            unused_tensors,
            device,
        })
    }

    #[cfg(not(target_arch = "wasm32"))]
    pub fn from_dir(dir: &std::path::Path) -> Result<Self, TaskError> {
        Self::from_files(&ModelFiles::read_dir(dir)?)
    }

    pub fn config(&self) -> &Gpt2Config {
        &self.config
    }

    pub fn info(&self) -> GptInfo {
        let c = &self.config;
        GptInfo {
            layers: c.n_layer,
            hidden: c.n_embd,
            heads: c.n_head,
            vocab: c.vocab_size,
            max_tokens: c.n_positions,
            parameters: self.model.num_params(),
            eos_token: c.eos().and_then(|id| self.tokenizer.id_to_token(id)),
            warnings: crate::unused_warning(&self.unused_tensors)
                .into_iter()
                .collect(),
        }
    }

    /// The prompt's ids: the tokenizer's leading special tokens, then the text's tokens.
    /// An empty prompt starts from the leading tokens alone, or from `bos_token_id`.
    pub fn encode_prompt(&self, text: &str) -> Result<Vec<u32>, TaskError> {
        let enc = self
            .tokenizer
            .encode(text, false)
            .map_err(|e| TaskError::Tokenizer(format!("could not tokenize the prompt: {e}")))?;
        let mut ids = enc.get_ids().to_vec();
        if !ids.starts_with(&self.prompt_prefix) {
            ids.splice(0..0, self.prompt_prefix.iter().copied());
        }
        if ids.is_empty() {
            match self
                .config
                .bos_token_id
                .filter(|&b| (b as usize) < self.config.vocab_size)
            {
                Some(bos) => ids.push(bos),
                None => return Err(TaskError::Input("type a prompt to continue".into())),
            }
        }
        crate::tokenizer::check_ids(&ids, self.config.vocab_size)?;
        if ids.len() >= self.config.n_positions {
            return Err(TaskError::Input(format!(
                "the prompt is {} tokens; this model reads at most {} tokens in all, so it has \
                 no room to continue",
                ids.len(),
                self.config.n_positions
            )));
        }
        Ok(ids)
    }

    /// A token as the page shows it: the text it stands for (byte-level BPE's `Ġ` as a space).
    pub fn token_text(&self, id: u32) -> String {
        match self.tokenizer.decode(&[id], false) {
            Ok(t) if !t.is_empty() => t,
            _ => self.tokenizer.id_to_token(id).unwrap_or_default(),
        }
    }

    fn token_texts(&self, ids: &[u32]) -> Vec<String> {
        ids.iter().map(|&id| self.token_text(id)).collect()
    }

    /// Text of `ids`, special tokens left out; a WordPiece decoder's spaces between Chinese
    /// characters (it joins every token with one) are removed.
    pub fn decode_text(&self, ids: &[u32]) -> String {
        let kept: Vec<u32> = ids
            .iter()
            .copied()
            .filter(|id| !self.special_ids.contains(id))
            .collect();
        let text = self.tokenizer.decode(&kept, true).unwrap_or_default();
        tidy_cjk_spaces(&text)
    }

    /// Continues `prompt`.
    pub fn generate(&self, prompt: &str, o: &GenerateOptions) -> Result<GenerateOutput, TaskError> {
        let prompt_ids = self.encode_prompt(prompt)?;
        self.generate_ids(&prompt_ids, o)
    }

    /// Continues already encoded prompt ids (parity tests feed the reference's ids).
    pub fn generate_ids(
        &self,
        prompt_ids: &[u32],
        o: &GenerateOptions,
    ) -> Result<GenerateOutput, TaskError> {
        if prompt_ids.is_empty() || prompt_ids.len() >= self.config.n_positions {
            return Err(TaskError::Input(format!(
                "a prompt must have between 1 and {} tokens",
                self.config.n_positions - 1
            )));
        }
        crate::tokenizer::check_ids(prompt_ids, self.config.vocab_size)?;
        check_options(o)?;
        // The position table ends at n_positions: generation stops there.
        let room = self.config.n_positions - prompt_ids.len();
        let opts = DecodeOptions {
            width: match o.strategy {
                Strategy::Beam { width, .. } => width,
                _ => 1,
            },
            length_penalty: match o.strategy {
                Strategy::Beam { length_penalty, .. } => length_penalty,
                _ => 1.0,
            },
            max_new_tokens: o.max_new_tokens.min(room),
            repetition_penalty: o.repetition_penalty,
            trace_top_k: o.top_shown,
            want_attentions: o.want_attentions && !matches!(o.strategy, Strategy::Beam { .. }),
            ..DecodeOptions::default()
        };
        let prompted = Prompted {
            generator: self,
            prompt: prompt_ids,
            want_attentions: opts.want_attentions,
        };
        let decoded = match &o.strategy {
            Strategy::Greedy => decoding::greedy(&prompted, &opts)?,
            Strategy::Beam { .. } => decoding::beam_search(&prompted, &opts)?,
            Strategy::Sample(sampling, seed) => {
                let mut rng = StdRng::seed_from_u64(*seed);
                decoding::sample(&prompted, &opts, sampling, &mut || rng.random::<f64>())?
            }
        };
        self.output(prompt_ids, decoded, o)
    }

    fn output(
        &self,
        prompt_ids: &[u32],
        decoded: Decoded,
        o: &GenerateOptions,
    ) -> Result<GenerateOutput, TaskError> {
        let Decoded {
            nbest,
            trace,
            attentions,
        } = decoded;
        if nbest.iter().any(|h| h.log_prob.is_nan()) {
            return Err(crate::non_finite_error());
        }
        let best = nbest
            .first()
            .ok_or_else(|| TaskError::Internal("decoding returned no sequence".into()))?;
        let is_beam = matches!(o.strategy, Strategy::Beam { .. });
        let steps = if is_beam {
            // The beams' own alternatives are in the trace; along the winner, the model's
            // distribution at each of its positions, from one parallel pass.
            self.rescore(prompt_ids, &best.tokens, o.top_shown)?
        } else {
            trace
                .iter()
                .map(|t| {
                    let chosen = &t.chosen[0];
                    let beam = &t.beams[0];
                    let id = *chosen.tokens.last().unwrap_or(&0);
                    Step {
                        id,
                        token: self.token_text(id),
                        prob: (chosen.log_prob - beam.log_prob).exp(),
                        top: beam
                            .top
                            .iter()
                            .map(|a| TokenProb {
                                id: a.id,
                                token: self.token_text(a.id),
                                prob: a.prob,
                            })
                            .collect(),
                    }
                })
                .collect()
        };
        let sequences: Vec<Sequence> = nbest
            .iter()
            .map(|h| Sequence {
                text: self.decode_text(&h.tokens),
                ids: h.tokens.clone(),
                tokens: self.token_texts(&h.tokens),
                log_prob: h.log_prob,
                score: h.score,
                ended_with_eos: h.ended_with_eos,
            })
            .collect();
        let best = sequences[0].clone();
        Ok(GenerateOutput {
            text: best.text,
            ids: best.ids,
            tokens: best.tokens,
            steps,
            ended_with_eos: best.ended_with_eos,
            prompt_ids: prompt_ids.to_vec(),
            prompt_tokens: self.token_texts(prompt_ids),
            nbest: sequences,
            trace_tokens: if is_beam {
                decoding::trace_ids(&trace)
                    .into_iter()
                    .map(|id| (id.to_string(), self.token_text(id)))
                    .collect()
            } else {
                Default::default()
            },
            beam_trace: if is_beam { trace } else { Vec::new() },
            attentions,
        })
    }

    /// The model's distribution at each position of `continuation` after `prompt`, from one
    /// parallel causal pass.
    fn rescore(
        &self,
        prompt: &[u32],
        continuation: &[u32],
        k: usize,
    ) -> Result<Vec<Step>, TaskError> {
        if continuation.is_empty() {
            return Ok(Vec::new());
        }
        let all: Vec<u32> = prompt.iter().chain(continuation).copied().collect();
        let rows = self.logits_of(&all[..all.len() - 1])?;
        Ok(continuation
            .iter()
            .zip(&rows[prompt.len() - 1..])
            .map(|(&id, row)| {
                let mut lp = row.clone();
                log_softmax_in_place(&mut lp);
                Step {
                    id,
                    token: self.token_text(id),
                    prob: lp.get(id as usize).map_or(0.0, |v| v.exp()),
                    top: readout::top_k(&lp, k)
                        .into_iter()
                        .map(|j| TokenProb {
                            id: j as u32,
                            token: self.token_text(j as u32),
                            prob: lp[j].exp(),
                        })
                        .collect(),
                }
            })
            .collect())
    }

    fn ids_tensor(&self, ids: &[u32]) -> Tensor<2, Int> {
        let data: Vec<i64> = ids.iter().map(|&i| i64::from(i)).collect();
        Tensor::from_data(TensorData::new(data, [1, ids.len()]), &self.device)
    }

    /// Fails unless `ids` is 1 to `n_positions` ids of the vocabulary.
    fn check_sequence(&self, ids: &[u32]) -> Result<(), TaskError> {
        crate::tokenizer::check_ids(ids, self.config.vocab_size)?;
        if ids.is_empty() || ids.len() > self.config.n_positions {
            return Err(TaskError::Input(format!(
                "a text must have between 1 and {} tokens (it has {})",
                self.config.n_positions,
                ids.len()
            )));
        }
        Ok(())
    }

    /// Logits `[position][vocab]` of one causal pass over `ids`.
    pub fn logits_of(&self, ids: &[u32]) -> Result<Vec<Vec<f32>>, TaskError> {
        self.check_sequence(ids)?;
        let out = self
            .model
            .forward(self.ids_tensor(ids), &mut Gpt2Cache::default(), false);
        let rows = readout::rows(
            self.model
                .logits(out.hidden.reshape([ids.len(), self.config.n_embd])),
        )?;
        if rows.iter().flatten().any(|v| !v.is_finite()) {
            return Err(crate::non_finite_error());
        }
        Ok(rows)
    }

    /// Every layer's and head's masked self-attention over the prompt's tokens.
    pub fn attentions(&self, text: &str) -> Result<GptAttentions, TaskError> {
        let ids = self.encode_prompt(text)?;
        self.attentions_of(&ids)
    }

    pub fn attentions_of(&self, ids: &[u32]) -> Result<GptAttentions, TaskError> {
        self.check_sequence(ids)?;
        let out = self
            .model
            .forward(self.ids_tensor(ids), &mut Gpt2Cache::default(), true);
        Ok(GptAttentions {
            ids: ids.to_vec(),
            tokens: self.token_texts(ids),
            layers: out
                .attentions
                .into_iter()
                .map(readout::heads)
                .collect::<Result<_, ReadError>>()?,
        })
    }

    /// Logits at every position of `ids` computed one token at a time through the cache
    /// (the KV-cache-equals-parallel test compares this with [`Self::logits_of`]).
    pub fn logits_stepwise(&self, ids: &[u32]) -> Result<Vec<Vec<f32>>, TaskError> {
        self.check_sequence(ids)?;
        let mut cache = Gpt2Cache::default();
        let mut rows = Vec::with_capacity(ids.len());
        for &id in ids {
            let out = self
                .model
                .forward(self.ids_tensor(&[id]), &mut cache, false);
            let logits = self
                .model
                .logits(out.hidden.reshape([1, self.config.n_embd]));
            rows.extend(readout::rows(logits)?);
        }
        Ok(rows)
    }
}

fn check_options(o: &GenerateOptions) -> Result<(), TaskError> {
    let bad = |m: String| Err(TaskError::Input(m));
    if o.max_new_tokens == 0 || o.max_new_tokens > MAX_NEW_TOKENS {
        return bad(format!(
            "the number of new tokens must be between 1 and {MAX_NEW_TOKENS}, not {}",
            o.max_new_tokens
        ));
    }
    if !(o.repetition_penalty.is_finite() && o.repetition_penalty > 0.0) {
        return bad(format!(
            "the repetition penalty must be a positive number (1 = none), not {}",
            o.repetition_penalty
        ));
    }
    match &o.strategy {
        Strategy::Greedy => Ok(()),
        Strategy::Beam {
            width,
            length_penalty,
        } => {
            if !(1..=16).contains(width) {
                return bad(format!(
                    "the beam width must be between 1 and 16, not {width}"
                ));
            }
            if !(0.0..=5.0).contains(length_penalty) {
                return bad(format!(
                    "the length penalty must be between 0 and 5, not {length_penalty}"
                ));
            }
            Ok(())
        }
        Strategy::Sample(s, _) => {
            if !(s.temperature.is_finite() && s.temperature > 0.0 && s.temperature <= 100.0) {
                return bad(format!(
                    "the temperature must be above 0 (1 = the model's own distribution), not {}",
                    s.temperature
                ));
            }
            if !(s.top_p > 0.0 && s.top_p <= 1.0) {
                return bad(format!(
                    "top-p must be above 0 and at most 1, not {}",
                    s.top_p
                ));
            }
            Ok(())
        }
    }
}

/// Removes the spaces a WordPiece decoder puts next to Chinese characters and full-width
/// punctuation (`床 前 明 月 光 ，` → `床前明月光，`); spaces between Latin words stay.
pub fn tidy_cjk_spaces(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    for (i, &c) in chars.iter().enumerate() {
        if c == ' ' {
            let before = i.checked_sub(1).map(|j| chars[j]);
            let after = chars.get(i + 1).copied();
            if before.is_some_and(is_cjk) || after.is_some_and(is_cjk) {
                continue;
            }
        }
        out.push(c);
    }
    out
}

fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3000..=0x303F   // CJK punctuation
        | 0x3400..=0x4DBF // Extension A
        | 0x4E00..=0x9FFF // Unified ideographs
        | 0xF900..=0xFAFF // Compatibility ideographs
        | 0xFF00..=0xFFEF // Full-width forms
        | 0x20000..=0x2FFFF)
}

/// A prompt and the generator as a [`StepModel`].
struct Prompted<'a> {
    generator: &'a Generator,
    prompt: &'a [u32],
    /// Whether the prompt's pass records attention (only the explicit path gives it).
    want_attentions: bool,
}

/// The cache, and the prompt's last-position logits that the first step returns.
struct PromptState {
    cache: Gpt2Cache,
    pending: Option<(Vec<Vec<f32>>, Vec<Tensor<4>>)>,
}

impl StepModel for Prompted<'_> {
    type State = PromptState;

    fn start(&self, beams: usize) -> Result<PromptState, ReadError> {
        let g = self.generator;
        let n = self.prompt.len();
        let mut cache = Gpt2Cache::default();
        let out = g
            .model
            .forward(g.ids_tensor(self.prompt), &mut cache, self.want_attentions);
        let [_, _, d] = out.hidden.dims();
        let last = out.hidden.slice([0..1, n - 1..n, 0..d]).reshape([1, d]);
        let row = readout::rows(g.model.logits(last))?.remove(0);
        // Per layer, the last query's row: `[1, heads, 1, n]`.
        let attn = out
            .attentions
            .into_iter()
            .map(|a| {
                let [b, h, _, k] = a.dims();
                a.slice([0..b, 0..h, n - 1..n, 0..k])
            })
            .collect();
        let idx = Tensor::<1, Int>::zeros([beams], &g.device);
        cache.select_beams(&idx);
        Ok(PromptState {
            cache,
            pending: Some((vec![row; beams], attn)),
        })
    }

    fn next_logits(
        &self,
        state: &mut PromptState,
        prev: Option<&[u32]>,
        want_attentions: bool,
    ) -> Result<(Vec<Vec<f32>>, Vec<Tensor<4>>), ReadError> {
        let Some(prev) = prev else {
            let (rows, attn) = state.pending.take().unwrap_or_default();
            return Ok((rows, if want_attentions { attn } else { Vec::new() }));
        };
        let g = self.generator;
        let data: Vec<i64> = prev.iter().map(|&i| i64::from(i)).collect();
        let ids = Tensor::<2, Int>::from_data(TensorData::new(data, [prev.len(), 1]), &g.device);
        let out = g.model.forward(ids, &mut state.cache, want_attentions);
        let hidden = out.hidden.reshape([prev.len(), g.config.n_embd]);
        Ok((readout::rows(g.model.logits(hidden))?, out.attentions))
    }

    fn reorder(&self, state: &mut PromptState, parents: &[usize]) {
        let idx: Vec<i64> = parents.iter().map(|&i| i as i64).collect();
        let idx = Tensor::<1, Int>::from_data(
            TensorData::new(idx, [parents.len()]),
            &self.generator.device,
        );
        state.cache.select_beams(&idx);
    }

    fn token(&self, j: usize) -> u32 {
        j as u32
    }

    fn column(&self, id: u32) -> Option<usize> {
        ((id as usize) < self.generator.config.vocab_size).then_some(id as usize)
    }

    fn eos(&self) -> Option<u32> {
        self.generator.config.eos()
    }

    fn context(&self) -> &[u32] {
        self.prompt
    }
}

#[cfg(test)]
mod tests {
    use super::tidy_cjk_spaces;

    #[test]
    fn spaces_next_to_chinese_characters_go_latin_ones_stay() {
        assert_eq!(tidy_cjk_spaces("床 前 明 月 光 ，"), "床前明月光，");
        assert_eq!(tidy_cjk_spaces("the cat 与 the dog"), "the cat与the dog");
    }
}
