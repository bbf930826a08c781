//! Decoding: turning a decoder's next-token distributions into a sequence — a
//! translation (the encoder–decoder) or a continuation of a prompt (GPT).
//!
//! - [`greedy`]: take the most probable token at every step (the lecture's baseline).
//! - [`beam_search`]: keep the `width` best prefixes, scored by summed log-probability and
//!   ranked when finished by `score / length^α`. The bookkeeping reproduces Hugging Face
//!   `generate(num_beams=…)` (transformers `_beam_search`): 2·width candidates per step,
//!   finished hypotheses taken only from the top `width`, its early-stop heuristic — so the
//!   parity tests can require identical n-best lists.
//! - [`sample`]: draw each token from the (temperature-scaled, top-k / top-p truncated)
//!   distribution, with a caller's seeded random source.
//! - [`teacher_forcing`]: feed a given target and read off each position's distribution.
//!
//! The first three run any [`StepModel`] — [`Translation`] or a GPT — batched over beams,
//! and can record a [`TraceStep`] per step for the "decoding step by step" and beam-tree
//! views. Logit processing follows Hugging Face's order and semantics: the repetition
//! penalty divides positive scores (multiplies negative ones) of tokens already in the
//! sequence — raw logits in greedy and sampling, log-probabilities in beam search, as
//! `generate()` applies it — then forbidden tokens are set to −∞ after the log-softmax
//! (no renormalisation), then temperature, top-k and top-p when sampling.

use burn::prelude::*;
use burn::tensor::activation::log_softmax;
use serde::Serialize;

use crate::readout::{self, ReadError};
use crate::seq2seq::{DecoderState, Memory, OutputLayer, Seq2Seq};

/// A decoder that extends prefixes one token at a time, batched over beams.
pub trait StepModel {
    /// What the decoder keeps between steps (its key/value caches).
    type State;
    /// The state for `beams` copies of the one input (source sentence or prompt).
    fn start(&self, beams: usize) -> Result<Self::State, ReadError>;
    /// Raw next-token scores, `[beams][candidates]`, after feeding each beam's previous token
    /// (`None` at the first step), with, if asked, each layer's attention of this step
    /// (`[beams, heads, 1, keys]`).
    fn next_logits(
        &self,
        state: &mut Self::State,
        prev: Option<&[u32]>,
        want_attentions: bool,
    ) -> Result<(Vec<Vec<f32>>, Vec<Tensor<4>>), ReadError>;
    /// Keeps the beams named by `parents`, in that order.
    fn reorder(&self, state: &mut Self::State, parents: &[usize]);
    /// The token id of candidate column `j`.
    fn token(&self, j: usize) -> u32;
    /// The column of token `id`, if it is a candidate.
    fn column(&self, id: u32) -> Option<usize>;
    /// The token that ends a sequence, if the model can produce one.
    fn eos(&self) -> Option<u32>;
    /// Tokens before the generated ones that the repetition penalty counts (a GPT's prompt).
    fn context(&self) -> &[u32] {
        &[]
    }
}

/// The encoder–decoder as a [`StepModel`]: one encoded sentence, scored over `out`'s
/// candidates (the whole vocabulary or a shortlist).
pub struct Translation<'a> {
    pub model: &'a Seq2Seq,
    pub memory: &'a Memory,
    pub out: &'a OutputLayer,
}

impl StepModel for Translation<'_> {
    type State = DecoderState;

    fn start(&self, beams: usize) -> Result<DecoderState, ReadError> {
        Ok(self.model.start(self.memory, beams))
    }

    fn next_logits(
        &self,
        state: &mut DecoderState,
        prev: Option<&[u32]>,
        want_attentions: bool,
    ) -> Result<(Vec<Vec<f32>>, Vec<Tensor<4>>), ReadError> {
        let step = self.model.step(state, prev, want_attentions);
        Ok((
            readout::rows(self.out.logits(step.hidden))?,
            step.cross_attentions,
        ))
    }

    fn reorder(&self, state: &mut DecoderState, parents: &[usize]) {
        self.model.reorder(state, parents);
    }

    fn token(&self, j: usize) -> u32 {
        self.out.token(j)
    }

    fn column(&self, id: u32) -> Option<usize> {
        self.out.column(id)
    }

    fn eos(&self) -> Option<u32> {
        Some(self.model.config.eos_token_id)
    }
}

/// Settings shared by greedy, beam search and sampling.
#[derive(Debug, Clone)]
pub struct DecodeOptions {
    /// Beam width; 1 with [`greedy`] and [`sample`].
    pub width: usize,
    /// α in `score / length^α` (Hugging Face's `length_penalty`; 1.0 = average log-prob).
    pub length_penalty: f32,
    /// The most tokens to generate (EOS included).
    pub max_new_tokens: usize,
    /// Tokens never generated (e.g. `<pad>`, as Marian checkpoints' generation configs ask).
    pub forbidden: Vec<u32>,
    /// Hugging Face's `repetition_penalty` (1.0: off).
    pub repetition_penalty: f32,
    /// How many alternatives per beam to record in the trace (0: no trace).
    pub trace_top_k: usize,
    /// Record each step's attention of the returned hypothesis (greedy and sampling).
    pub want_attentions: bool,
}

impl Default for DecodeOptions {
    fn default() -> Self {
        Self {
            width: 1,
            length_penalty: 1.0,
            max_new_tokens: 20,
            forbidden: Vec::new(),
            repetition_penalty: 1.0,
            trace_top_k: 0,
            want_attentions: false,
        }
    }
}

/// How [`sample`] draws: Hugging Face's `temperature`, `top_k` and `top_p`.
#[derive(Debug, Clone)]
pub struct SampleOptions {
    /// Logits are divided by it (> 0); below 1 sharpens, above 1 flattens.
    pub temperature: f32,
    /// Keep only the `k` most probable tokens (0: all).
    pub top_k: usize,
    /// Keep the smallest set of most probable tokens whose probability reaches `p` (1: all).
    pub top_p: f32,
}

/// One finished (or cut-off) sequence.
#[derive(Debug, Clone, Serialize)]
pub struct Hypothesis {
    /// Generated tokens, EOS included when the hypothesis ended with it.
    pub tokens: Vec<u32>,
    /// Sum of the tokens' log-probabilities.
    pub log_prob: f32,
    /// `log_prob / length^α` (greedy: equals `log_prob`).
    pub score: f32,
    pub ended_with_eos: bool,
}

/// A candidate next token with its probability.
#[derive(Debug, Clone, Serialize)]
pub struct Alternative {
    pub id: u32,
    pub prob: f32,
}

/// One live beam at one step.
#[derive(Debug, Clone, Serialize)]
pub struct BeamTrace {
    /// Which beam of the previous step this one extends.
    pub parent: usize,
    pub tokens: Vec<u32>,
    pub log_prob: f32,
    /// The most probable next tokens from this beam's prefix.
    pub top: Vec<Alternative>,
}

/// What the decoder saw and chose at one step.
#[derive(Debug, Clone, Serialize)]
pub struct TraceStep {
    pub step: usize,
    /// The beams that were extended at this step (one for greedy), with their alternatives.
    pub beams: Vec<BeamTrace>,
    /// The token each surviving beam chose (greedy: the one chosen).
    pub chosen: Vec<BeamTrace>,
    /// Hypotheses that finished at this step, with their final scores.
    pub finished: Vec<Hypothesis>,
    /// Candidates that were in the top 2·width but dropped (pruned) at this step.
    pub pruned: Vec<BeamTrace>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Decoded {
    /// Best first.
    pub nbest: Vec<Hypothesis>,
    pub trace: Vec<TraceStep>,
    /// Greedy and sampling only, if asked: per generated token, per layer, per head, over
    /// the keys (source positions for cross-attention; the prefix for a GPT).
    pub attentions: Vec<Vec<Vec<Vec<f32>>>>,
}

/// `log_softmax` of one row, in place (max-shifted, as Burn's own).
pub fn log_softmax_in_place(row: &mut [f32]) {
    let max = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let sum: f32 = row.iter().map(|&v| (v - max).exp()).sum();
    let log_sum = max + sum.ln();
    row.iter_mut().for_each(|v| *v -= log_sum);
}

/// Hugging Face's `RepetitionPenaltyLogitsProcessor` over the tokens in `seen`.
fn penalise_repeats(model: &impl StepModel, row: &mut [f32], seen: &[u32], penalty: f32) {
    if penalty == 1.0 {
        return;
    }
    let columns: std::collections::BTreeSet<usize> = model
        .context()
        .iter()
        .chain(seen)
        .filter_map(|&id| model.column(id))
        .collect();
    for j in columns {
        let v = &mut row[j];
        *v = if *v < 0.0 { *v * penalty } else { *v / penalty };
    }
}

/// Where the repetition penalty applies (see the module docs).
#[derive(Clone, Copy, PartialEq)]
enum Penalty {
    OnLogits,
    OnLogProbs,
}

/// Log-probabilities `[beams][n_candidates]` after one step, with the penalty applied and
/// forbidden tokens at −∞.
#[allow(clippy::too_many_arguments)]
fn step_log_probs<M: StepModel>(
    model: &M,
    state: &mut M::State,
    prev: Option<&[u32]>,
    sequences: &[&[u32]],
    opts: &DecodeOptions,
    penalty: Penalty,
    forbidden: &[usize],
    want_attentions: bool,
) -> Result<(Vec<Vec<f32>>, Vec<Tensor<4>>), ReadError> {
    let (mut rows, attn) = model.next_logits(state, prev, want_attentions)?;
    for (row, seen) in rows.iter_mut().zip(sequences) {
        if penalty == Penalty::OnLogits {
            penalise_repeats(model, row, seen, opts.repetition_penalty);
        }
        log_softmax_in_place(row);
        if penalty == Penalty::OnLogProbs {
            penalise_repeats(model, row, seen, opts.repetition_penalty);
        }
        for &f in forbidden {
            row[f] = f32::NEG_INFINITY;
        }
    }
    Ok((rows, attn))
}

fn top_alternatives(model: &impl StepModel, row: &[f32], k: usize) -> Vec<Alternative> {
    readout::top_k(row, k)
        .into_iter()
        .map(|j| Alternative {
            id: model.token(j),
            prob: row[j].exp(),
        })
        .collect()
}

fn forbidden_columns(model: &impl StepModel, forbidden: &[u32]) -> Vec<usize> {
    forbidden
        .iter()
        .filter_map(|&id| model.column(id))
        .collect()
}

/// Per layer `[1, heads, 1, keys]` → `[layer][head][keys]`.
fn step_attentions(attn: Vec<Tensor<4>>) -> Result<Vec<Vec<Vec<f32>>>, ReadError> {
    attn.into_iter()
        .map(|a| {
            let heads = readout::heads(a)?;
            Ok(heads
                .into_iter()
                .filter_map(|q| q.into_iter().next())
                .collect())
        })
        .collect()
}

/// Greedy decoding: the argmax at every step, until EOS or `max_new_tokens`.
pub fn greedy(model: &impl StepModel, opts: &DecodeOptions) -> Result<Decoded, ReadError> {
    one_path(model, opts, |row| Ok(readout::argmax(row)))
}

/// Sampling: each token drawn from the processed distribution (see [`SampleOptions`]);
/// `uniform` returns numbers in `[0, 1)` (the caller's seeded generator, so that a seed
/// gives the same text every time). The trace's alternatives are the distribution actually
/// drawn from, after temperature and truncation.
pub fn sample(
    model: &impl StepModel,
    opts: &DecodeOptions,
    sampling: &SampleOptions,
    uniform: &mut impl FnMut() -> f64,
) -> Result<Decoded, ReadError> {
    one_path(model, opts, |row| {
        let j = draw(row, sampling, uniform);
        Ok(j)
    })
}

/// Replaces `row` (log-probabilities) with the log of the distribution [`sample`] draws
/// from, and draws a column from it.
fn draw(row: &mut [f32], s: &SampleOptions, uniform: &mut impl FnMut() -> f64) -> usize {
    let t = s.temperature.max(1e-6);
    row.iter_mut().for_each(|v| *v /= t);
    log_softmax_in_place(row);
    let mut order: Vec<usize> = (0..row.len()).collect();
    order.sort_by(|&a, &b| row[b].total_cmp(&row[a]));
    let mut keep = if s.top_k > 0 {
        s.top_k.min(row.len())
    } else {
        row.len()
    };
    if s.top_p < 1.0 {
        // The smallest prefix whose mass reaches top_p (always at least one token).
        let mut mass = 0.0f32;
        for (n, &j) in order.iter().enumerate().take(keep) {
            mass += row[j].exp();
            if mass >= s.top_p {
                keep = n + 1;
                break;
            }
        }
    }
    for &j in &order[keep..] {
        row[j] = f32::NEG_INFINITY;
    }
    log_softmax_in_place(row);
    let mut u = uniform() as f32;
    for &j in &order[..keep] {
        u -= row[j].exp();
        if u < 0.0 {
            return j;
        }
    }
    order[0]
}

/// Greedy decoding and sampling: one hypothesis, the token picked from each step's row by
/// `pick` (which may replace the row by the distribution it picked from).
fn one_path<M: StepModel>(
    model: &M,
    opts: &DecodeOptions,
    mut pick: impl FnMut(&mut [f32]) -> Result<usize, ReadError>,
) -> Result<Decoded, ReadError> {
    let eos = model.eos();
    let forbidden = forbidden_columns(model, &opts.forbidden);
    let mut state = model.start(1)?;
    let mut tokens: Vec<u32> = Vec::new();
    let mut log_prob = 0.0f32;
    let mut trace = Vec::new();
    let mut attentions = Vec::new();
    let mut ended = false;
    for step in 0..opts.max_new_tokens {
        let prev = tokens.last().map(std::slice::from_ref);
        let (mut lp, attn) = step_log_probs(
            model,
            &mut state,
            prev,
            &[&tokens],
            opts,
            Penalty::OnLogits,
            &forbidden,
            opts.want_attentions,
        )?;
        let row = &mut lp[0];
        let best = pick(row)?;
        let id = model.token(best);
        if opts.want_attentions {
            attentions.push(step_attentions(attn)?);
        }
        if opts.trace_top_k > 0 {
            let beam = BeamTrace {
                parent: 0,
                tokens: tokens.clone(),
                log_prob,
                top: top_alternatives(model, row, opts.trace_top_k),
            };
            let mut chosen = beam.clone();
            chosen.tokens.push(id);
            chosen.log_prob += row[best];
            trace.push(TraceStep {
                step,
                beams: vec![beam],
                chosen: vec![chosen],
                finished: Vec::new(),
                pruned: Vec::new(),
            });
        }
        log_prob += row[best];
        tokens.push(id);
        if Some(id) == eos {
            ended = true;
            break;
        }
    }
    Ok(Decoded {
        nbest: vec![Hypothesis {
            tokens,
            log_prob,
            score: log_prob,
            ended_with_eos: ended,
        }],
        trace,
        attentions,
    })
}

#[derive(Clone)]
struct Beam {
    tokens: Vec<u32>,
    log_prob: f32,
}

const DEAD: f32 = -1.0e9;

/// Beam search with Hugging Face's bookkeeping (see the module docs).
pub fn beam_search<M: StepModel>(model: &M, opts: &DecodeOptions) -> Result<Decoded, ReadError> {
    let width = opts.width.max(1);
    let keep = 2 * width;
    let eos = model.eos();
    let alpha = opts.length_penalty;
    let forbidden = forbidden_columns(model, &opts.forbidden);
    let mut state = model.start(width)?;
    // All beams start as the empty prefix; only the first counts (the others at -1e9),
    // so step 0 expands one prefix, as in Hugging Face.
    let mut running: Vec<Beam> = (0..width)
        .map(|b| Beam {
            tokens: Vec::new(),
            log_prob: if b == 0 { 0.0 } else { DEAD },
        })
        .collect();
    let mut finished: Vec<Hypothesis> = Vec::new();
    let mut open = true; // Hugging Face's "early-stop heuristic unsatisfied"
    let mut trace = Vec::new();
    for step in 0..opts.max_new_tokens {
        // Every beam has a last token after step 0 (a finished one is carried at -1e9).
        let prev: Option<Vec<u32>> = (step > 0).then(|| {
            running
                .iter()
                .map(|b| b.tokens.last().copied().unwrap_or_default())
                .collect()
        });
        let sequences: Vec<&[u32]> = running.iter().map(|b| b.tokens.as_slice()).collect();
        let (lp, _) = step_log_probs(
            model,
            &mut state,
            prev.as_deref(),
            &sequences,
            opts,
            Penalty::OnLogProbs,
            &forbidden,
            false,
        )?;
        let n = lp[0].len();
        // Top 2·width continuations over all beams × candidates (flat index b·n + j):
        // (score, beam, candidate column).
        let scores: Vec<f32> = lp
            .iter()
            .zip(&running)
            .flat_map(|(row, beam)| row.iter().map(move |&v| beam.log_prob + v))
            .collect();
        let cands: Vec<(f32, usize, usize)> = readout::top_k(&scores, keep)
            .into_iter()
            .map(|i| (scores[i], i / n, i % n))
            .collect();
        let gen_len = step + 1;
        let hits_stop = |j: usize| Some(model.token(j)) == eos || gen_len >= opts.max_new_tokens;
        let extend = |&(score, b, j): &(f32, usize, usize)| {
            let mut tokens = running[b].tokens.clone();
            tokens.push(model.token(j));
            (
                Beam {
                    tokens,
                    log_prob: score,
                },
                b,
            )
        };
        // Finished: only candidates ranked within the top `width`, while still open.
        let mut just_finished = Vec::new();
        for (rank, c) in cands.iter().enumerate() {
            if rank < width && hits_stop(c.2) && open {
                let (beam, _) = extend(c);
                let h = Hypothesis {
                    score: beam.log_prob / (gen_len as f32).powf(alpha),
                    ended_with_eos: Some(model.token(c.2)) == eos,
                    log_prob: beam.log_prob,
                    tokens: beam.tokens,
                };
                just_finished.push(h.clone());
                finished.push(h);
            }
        }
        finished.sort_by(|a, b| b.score.total_cmp(&a.score));
        finished.truncate(width);
        // Running: the best `width` candidates that did not stop (stopped ones sink to -1e9).
        let mut order: Vec<usize> = (0..cands.len()).collect();
        let penalised = |i: usize| cands[i].0 + if hits_stop(cands[i].2) { DEAD } else { 0.0 };
        order.sort_by(|&a, &b| penalised(b).total_cmp(&penalised(a)));
        let chosen: Vec<usize> = order[..width.min(order.len())].to_vec();
        if opts.trace_top_k > 0 {
            let trace_beam = |b: usize, beam: &Beam| BeamTrace {
                parent: b,
                tokens: beam.tokens.clone(),
                log_prob: beam.log_prob,
                top: Vec::new(),
            };
            trace.push(TraceStep {
                step,
                beams: running
                    .iter()
                    .enumerate()
                    .filter(|(_, beam)| beam.log_prob > DEAD / 2.0)
                    .map(|(b, beam)| BeamTrace {
                        top: top_alternatives(model, &lp[b], opts.trace_top_k),
                        ..trace_beam(b, beam)
                    })
                    .collect(),
                chosen: chosen
                    .iter()
                    .filter(|&&i| !hits_stop(cands[i].2))
                    .map(|&i| {
                        let (beam, parent) = extend(&cands[i]);
                        trace_beam(parent, &beam)
                    })
                    .collect(),
                finished: just_finished,
                pruned: (0..cands.len())
                    .filter(|i| !chosen.contains(i) && !hits_stop(cands[*i].2))
                    .map(|i| {
                        let (beam, parent) = extend(&cands[i]);
                        trace_beam(parent, &beam)
                    })
                    .collect(),
            });
        }
        let next: Vec<(Beam, usize)> = chosen
            .iter()
            .map(|&i| {
                let (mut beam, parent) = extend(&cands[i]);
                if hits_stop(cands[i].2) {
                    beam.log_prob += DEAD;
                }
                (beam, parent)
            })
            .collect();
        let parents: Vec<usize> = next.iter().map(|(_, p)| *p).collect();
        running = next.into_iter().map(|(b, _)| b).collect();
        let all_stop = cands.iter().all(|c| hits_stop(c.2));
        if all_stop || step + 1 >= opts.max_new_tokens {
            break;
        }
        model.reorder(&mut state, &parents);
        // Early stop: once every slot is finished and the best running prefix, at its current
        // length, cannot beat the worst finished hypothesis (Hugging Face's heuristic).
        let best_running = running[0].log_prob / (gen_len as f32).powf(alpha);
        let worst_finished = if finished.len() == width {
            finished
                .iter()
                .map(|h| h.score)
                .fold(f32::INFINITY, f32::min)
        } else {
            DEAD
        };
        open = open && best_running > worst_finished;
        if !open {
            break;
        }
    }
    Ok(Decoded {
        nbest: finished,
        trace,
        attentions: Vec::new(),
    })
}

/// Every token id a trace mentions (beams, choices, alternatives, pruned and finished),
/// once: the ids a view of the beam tree needs names for.
pub fn trace_ids(trace: &[TraceStep]) -> std::collections::BTreeSet<u32> {
    let mut ids = std::collections::BTreeSet::new();
    for step in trace {
        for b in step.beams.iter().chain(&step.chosen).chain(&step.pruned) {
            ids.extend(b.tokens.iter().copied().chain(b.top.iter().map(|a| a.id)));
        }
        ids.extend(step.finished.iter().flat_map(|h| h.tokens.iter().copied()));
    }
    ids
}

/// Per-position result of teacher forcing.
#[derive(Debug, Clone, Serialize)]
pub struct ForcedToken {
    pub id: u32,
    /// log P(reference token | source, reference prefix)
    pub log_prob: f32,
    /// The model's own most probable token at this position, and its probability.
    pub top_id: u32,
    pub top_prob: f32,
}

/// Attention recorded while teacher forcing, per target position.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ForcedAttentions {
    /// `[target position][layer][head][source position]`
    pub cross: Vec<Vec<Vec<Vec<f32>>>>,
    /// `[target position i][layer][head][0..=i]`: masked self-attention over the prefix
    /// (empty for SSRU decoders, which have none).
    pub self_attn: Vec<Vec<Vec<Vec<f32>>>>,
}

/// Per layer `[1, heads, n, keys]` → per query position `i`: `[layer][head][..keys_of(i)]`.
fn per_position(
    layers: Vec<Tensor<4>>,
    keys_of: impl Fn(usize) -> usize,
) -> Result<Vec<Vec<Vec<Vec<f32>>>>, ReadError> {
    // [layer][head][query][key]
    let layers: Vec<Vec<Vec<Vec<f32>>>> = layers
        .into_iter()
        .map(readout::heads)
        .collect::<Result<_, _>>()?;
    let n = layers.first().and_then(|l| l.first()).map_or(0, Vec::len);
    Ok((0..n)
        .map(|i| {
            layers
                .iter()
                .map(|heads| {
                    heads
                        .iter()
                        .map(|queries| {
                            let row = &queries[i];
                            row[..keys_of(i).min(row.len())].to_vec()
                        })
                        .collect()
                })
                .collect()
        })
        .collect())
}

/// Teacher forcing: feed `target[..i]` and score `target[i]` for every `i`.
///
/// # Shapes
/// also returns the raw logits, one `[n_candidates]` row per target position.
pub fn teacher_forcing(
    model: &Seq2Seq,
    memory: &Memory,
    out: &OutputLayer,
    target: &[u32],
) -> Result<(Vec<ForcedToken>, Vec<Vec<f32>>), ReadError> {
    let f = forced(model, memory, out, target, false)?;
    Ok((f.tokens, f.logits))
}

/// [`teacher_forcing`] that also records cross- and (if the decoder has it) self-attention.
pub fn teacher_forcing_with_attentions(
    model: &Seq2Seq,
    memory: &Memory,
    out: &OutputLayer,
    target: &[u32],
) -> Result<(Vec<ForcedToken>, ForcedAttentions), ReadError> {
    let f = forced(model, memory, out, target, true)?;
    Ok((f.tokens, f.attentions))
}

/// What one teacher-forced pass yields: raw logit rows without attentions, attentions
/// without logit rows.
struct Forced {
    tokens: Vec<ForcedToken>,
    logits: Vec<Vec<f32>>,
    attentions: ForcedAttentions,
}

fn forced(
    model: &Seq2Seq,
    memory: &Memory,
    out: &OutputLayer,
    target: &[u32],
    want_attentions: bool,
) -> Result<Forced, ReadError> {
    if target.is_empty() {
        return Ok(Forced {
            tokens: Vec::new(),
            logits: Vec::new(),
            attentions: ForcedAttentions::default(),
        });
    }
    let pass = model.decode_forced(memory, target, want_attentions);
    let [_, n, d] = pass.hidden.dims();
    let logits = out.logits(pass.hidden.reshape([n, d]));
    let lp = readout::rows(log_softmax(logits.clone(), 1))?;
    let tokens = target
        .iter()
        .zip(&lp)
        .map(|(&id, row)| {
            let best = readout::argmax(row);
            ForcedToken {
                id,
                log_prob: out.column(id).map_or(f32::NEG_INFINITY, |j| row[j]),
                top_id: out.token(best),
                top_prob: row.get(best).map_or(0.0, |v| v.exp()),
            }
        })
        .collect();
    let mut attn = ForcedAttentions::default();
    let mut rows = Vec::new();
    if want_attentions {
        attn.cross = per_position(pass.cross_attentions, |_| usize::MAX)?;
        // Row i of the masked self-attention: keys 0..=i; the rest are exactly 0.
        attn.self_attn = per_position(pass.self_attentions, |i| i + 1)?;
    } else {
        rows = readout::rows(logits)?;
    }
    Ok(Forced {
        tokens,
        logits: rows,
        attentions: attn,
    })
}
