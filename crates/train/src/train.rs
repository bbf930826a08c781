//! The training loop: model set-up, learning-rate schedule, checkpoints, progress.

use anyhow::Context;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use burn::module::{Module, Param};
use burn::nn::LayerNormConfig;
use burn::nn::loss::CrossEntropyLossConfig;
use burn::optim::{AdamWConfig, GradientsParams, ModuleOptimizer};
use burn::prelude::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};
use tlab_models::bert::{BertConfig, BertForMaskedLM, BertModel, MlmHead, MlmHeadKeys};
use tlab_models::weights::Checkpoint;
use tokenizers::Tokenizer;

use crate::cloze::{self, ClozeItem, ClozeScore};
use crate::corpus::{self, Sentence, Specials};

/// Everything a run is defined by; stored in the run directory so a resume cannot change it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RunConfig {
    pub seed: u64,
    /// Optimizer steps in the whole run (the schedule's length).
    pub steps: usize,
    /// Sentences per batch.
    pub batch: usize,
    pub max_len: usize,
    pub peak_lr: f64,
    pub warmup: usize,
    /// The learning rate at the last step, as a fraction of the peak.
    pub final_lr_fraction: f64,
    pub weight_decay: f64,
    pub clip_norm: f32,
    pub mask_rate: f64,
    /// Keep the word-embedding matrix (and so the tied decoder) as pre-trained.
    pub freeze_embeddings: bool,
}

/// Progress saved next to the checkpoint.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RunState {
    pub step: usize,
    pub tokens_seen: u64,
    pub wall_seconds: f64,
    pub curve: Vec<CurvePoint>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CurvePoint {
    pub step: usize,
    pub tokens_seen: u64,
    pub wall_seconds: f64,
    /// Mean training loss since the previous point (none before the first step).
    pub train_loss: Option<f64>,
    pub cloze_top1: f64,
    pub cloze_top5: f64,
    pub cloze_nll: f64,
}

/// What a pre-trained encoder directory provides.
pub struct Encoder {
    pub config: BertConfig,
    pub config_json: serde_json::Value,
    pub tokenizer: Tokenizer,
    pub tokenizer_json: Vec<u8>,
    pub tokenizer_config: Option<Vec<u8>>,
    pub specials: Specials,
    pub weights: Vec<u8>,
}

fn read(path: &Path) -> anyhow::Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))
}

impl Encoder {
    pub fn from_dir(dir: &Path) -> anyhow::Result<Self> {
        let config_bytes = read(&dir.join("config.json"))?;
        let config = BertConfig::from_json(&config_bytes)?;
        let config_json = serde_json::from_slice(&config_bytes)?;
        let tokenizer_json = read(&dir.join("tokenizer.json"))?;
        let tokenizer = tlab_tasks::tokenizer::load(&tokenizer_json)?;
        let tokenizer_config = read(&dir.join("tokenizer_config.json")).ok();
        let specials = Specials::from_tokenizer(&tokenizer, tokenizer_config.as_deref())?;
        Ok(Self {
            config,
            config_json,
            tokenizer,
            tokenizer_json,
            tokenizer_config,
            specials,
            weights: read(&dir.join("model.safetensors"))?,
        })
    }

    /// The pre-trained encoder with a new masked-LM head: transform initialised as BERT
    /// initialises it (N(0, 0.02²), LayerNorm 1/0), decoder tied, and the output bias set to
    /// the log unigram frequency of each token in the training text, so that the head starts
    /// from "say a frequent word" instead of "say anything". A checkpoint that already has
    /// a masked-LM head (a model exported by an earlier run) keeps it: a new run then
    /// continues that training with a schedule of its own.
    pub fn with_new_head(
        &self,
        device: &Device,
        unigram_log_prob: &[f32],
        seed: u64,
    ) -> anyhow::Result<BertForMaskedLM> {
        let ckpt = Checkpoint::from_bytes(&self.weights, device)?;
        if ckpt.contains(MlmHeadKeys::HF.bias) {
            return Ok(BertForMaskedLM::load(&self.config, &ckpt)?);
        }
        let (bert, _) = BertModel::load(&self.config, &ckpt)?;
        let h = self.config.hidden_size;
        let mut rng = StdRng::seed_from_u64(seed);
        let normal: Vec<f32> = (0..h * h)
            .map(|_| 0.02 * standard_normal(&mut rng))
            .collect();
        let mut dense = burn::nn::LinearConfig::new(h, h).init(device);
        dense.weight =
            Param::from_tensor(Tensor::from_data(TensorData::new(normal, [h, h]), device));
        dense.bias = Some(Param::from_tensor(Tensor::zeros([h], device)));
        let norm = LayerNormConfig::new(h)
            .with_epsilon(self.config.layer_norm_eps)
            .init(device);
        let bias = Tensor::from_data(
            TensorData::new(unigram_log_prob.to_vec(), [self.config.vocab_size]),
            device,
        );
        Ok(BertForMaskedLM {
            bert,
            head: MlmHead {
                dense,
                norm,
                decoder: None,
                bias: Param::from_tensor(bias),
                act: self.config.hidden_act,
            },
        })
    }
}

/// Box–Muller; one normal sample from two uniforms.
pub(crate) fn standard_normal(rng: &mut StdRng) -> f32 {
    let u1: f64 = rng.random::<f64>().max(f64::MIN_POSITIVE);
    let u2: f64 = rng.random();
    ((-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()) as f32
}

/// log P(token) over the training text, add-one smoothed, special tokens at the minimum.
pub fn unigram_log_prob(sentences: &[Sentence], vocab: usize, sp: &Specials) -> Vec<f32> {
    let mut counts = vec![1.0f64; vocab];
    for s in sentences {
        for &id in &s.ids {
            if let Some(c) = counts.get_mut(id as usize) {
                *c += 1.0;
            }
        }
    }
    for &id in &sp.all {
        if let Some(c) = counts.get_mut(id as usize) {
            *c = 1.0;
        }
    }
    let total: f64 = counts.iter().sum();
    counts.iter().map(|c| (c / total).ln() as f32).collect()
}

/// Linear warm-up to the peak, then linear decay to `final_lr_fraction · peak`.
pub fn learning_rate(c: &RunConfig, step: usize) -> f64 {
    schedule(c.peak_lr, c.warmup, c.steps, c.final_lr_fraction, step)
}

/// The schedule of every run here: linear warm-up over `warmup` steps to `peak`, then linear
/// decay to `final_fraction · peak` at step `steps`.
pub fn schedule(peak: f64, warmup: usize, steps: usize, final_fraction: f64, step: usize) -> f64 {
    if step < warmup {
        return peak * (step + 1) as f64 / warmup as f64;
    }
    let span = steps.saturating_sub(warmup).max(1) as f64;
    let done = ((step - warmup) as f64 / span).min(1.0);
    peak * (1.0 - done * (1.0 - final_fraction))
}

pub struct Paths {
    pub run: PathBuf,
}

/// Reads one sentence per line.
pub fn read_lines(path: &Path) -> anyhow::Result<Vec<String>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    Ok(text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect())
}

pub struct TrainInputs<'a> {
    pub encoder: &'a Encoder,
    pub sentences: &'a [Sentence],
    pub cloze: &'a [ClozeItem],
    pub eval_every: usize,
    pub save_every: usize,
    /// Stop (after saving) once this session has trained this long.
    pub max_minutes: Option<f64>,
}

fn write_atomic(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, bytes).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))
}

/// AdamW as every run here uses it. Burn clips each parameter tensor's gradient by itself
/// (not one global norm as PyTorch's `clip_grad_norm_`); `clip_norm` 0 switches clipping off.
pub(crate) fn adamw(weight_decay: f64, clip_norm: f32, epsilon: Option<f32>) -> ModuleOptimizer {
    let config = AdamWConfig::new()
        .with_weight_decay(weight_decay as f32)
        .with_grad_clipping(
            (clip_norm > 0.0)
                .then_some(burn::grad_clipping::GradientClippingConfig::Norm(clip_norm)),
        );
    match epsilon {
        Some(e) => config.with_epsilon(e),
        None => config,
    }
    .init()
}

pub(crate) fn log_resume(step: usize, tokens_seen: u64, wall_seconds: f64) {
    eprintln!(
        "resuming at step {step} ({tokens_seen} tokens seen, {:.0} min so far)",
        wall_seconds / 60.0
    );
}

/// A run directory: `run.json` (the settings, fixed at the first start), the latest
/// checkpoint in Burn's record format (`model.bpk`, `optim.bpk`) and `state.json` (progress).
pub(crate) struct RunDir<'a>(pub &'a Path);

impl RunDir<'_> {
    /// Writes `config` on the first start; on a resume, refuses settings that differ.
    pub fn pin_config<C>(&self, config: &C) -> anyhow::Result<()>
    where
        C: Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
    {
        std::fs::create_dir_all(self.0)?;
        let path = self.0.join("run.json");
        if let Ok(bytes) = std::fs::read(&path) {
            let saved: C = serde_json::from_slice(&bytes)?;
            anyhow::ensure!(
                &saved == config,
                "{} was started with different settings ({saved:?}); use a new run directory",
                self.0.display()
            );
            Ok(())
        } else {
            write_atomic(&path, &serde_json::to_vec_pretty(config)?)
        }
    }

    /// The checkpoint's model, optimizer and progress, if there is one; else those given.
    pub fn resume<M: Module, S: serde::de::DeserializeOwned>(
        &self,
        model: M,
        optim: ModuleOptimizer,
    ) -> anyhow::Result<(M, ModuleOptimizer, Option<S>)> {
        let Ok(bytes) = std::fs::read(self.0.join("state.json")) else {
            return Ok((model, optim, None));
        };
        let state = serde_json::from_slice(&bytes)?;
        let model = model
            .try_load_file(self.0.join("model.bpk"))
            .map_err(|e| anyhow::anyhow!("cannot resume from the model checkpoint: {e:?}"))?;
        let optim = optim
            .load(self.0.join("optim.bpk"))
            .map_err(|e| anyhow::anyhow!("cannot resume from the optimizer checkpoint: {e:?}"))?;
        Ok((model, optim, Some(state)))
    }

    /// Saves the checkpoint; each file is written aside and renamed, so a run killed while
    /// saving keeps the previous checkpoint.
    pub fn save<M: Module + Clone, S: Serialize>(
        &self,
        model: &M,
        optim: &ModuleOptimizer,
        state: &S,
    ) -> anyhow::Result<()> {
        let file = |name: &str| self.0.join(name);
        model
            .clone()
            .save_file(file("model.bpk.tmp"))
            .map_err(|e| anyhow::anyhow!("cannot save the model: {e:?}"))?;
        optim
            .save(file("optim.bpk.tmp"))
            .map_err(|e| anyhow::anyhow!("cannot save the optimizer: {e:?}"))?;
        std::fs::rename(file("model.bpk.tmp"), file("model.bpk"))?;
        std::fs::rename(file("optim.bpk.tmp"), file("optim.bpk"))?;
        write_atomic(&file("state.json"), &serde_json::to_vec_pretty(state)?)
    }
}

/// Trains (or resumes) the run in `paths.run` until `config.steps` or the time limit.
pub fn train(paths: &Paths, config: &RunConfig, inputs: &TrainInputs) -> anyhow::Result<RunState> {
    std::fs::create_dir_all(&paths.run)?;
    let enc = inputs.encoder;
    let vocab = enc.config.vocab_size;
    let device = tlab_models::device().autodiff();
    let dir = RunDir(&paths.run);
    dir.pin_config(config)?;

    let unigram = unigram_log_prob(inputs.sentences, vocab, &enc.specials);
    let model = enc.with_new_head(&device, &unigram, config.seed)?;
    let optim = adamw(config.weight_decay, config.clip_norm, Some(1e-6));
    let (mut model, mut optim, saved) = dir.resume(model, optim)?;
    let mut state: RunState = saved.unwrap_or_default();
    if state.step > 0 {
        log_resume(state.step, state.tokens_seen, state.wall_seconds);
    }
    if config.freeze_embeddings {
        let e = &mut model.bert.embeddings.word_embeddings;
        e.weight = e.weight.clone().set_require_grad(false);
    }

    let lengths: Vec<usize> = inputs.sentences.iter().map(|s| s.ids.len()).collect();
    let per_epoch = inputs.sentences.len() / config.batch;
    if per_epoch == 0 {
        anyhow::bail!("the corpus has fewer sentences than one batch");
    }
    let mut plan_epoch = usize::MAX;
    let mut plan: Vec<Vec<u32>> = Vec::new();
    let loss_fn = CrossEntropyLossConfig::new().init(&device);
    // The cloze runs without autodiff: on the autodiff device every forward pass would keep
    // its graph (≈ 1 GB per 64 passages of 128 characters) until a backward that never comes.
    let plain = device.clone().inner();
    let session = Instant::now();
    let wall_at_start = state.wall_seconds;
    let mut window_tokens = 0u64;
    let mut window_start = Instant::now();
    let mut loss_sum = 0.0f64;
    let mut loss_n = 0usize;
    let mut loss_ema: Option<f64> = None;
    // Seconds in forward, backward and optimizer step since the last progress line.
    let mut phase = [0.0f64; 3];

    if state.step == 0 && state.curve.is_empty() {
        let (score, _) = cloze::evaluate(&model.valid(), inputs.cloze, enc.specials.pad, &plain)?;
        log_eval(&state, &score);
        state.curve.push(point(&state, None, &score));
    }

    while state.step < config.steps {
        let epoch = state.step / per_epoch;
        if epoch != plan_epoch {
            let mut rng = StdRng::seed_from_u64(config.seed.wrapping_add(epoch as u64));
            plan = corpus::epoch_plan(inputs.sentences.len(), config.batch, &lengths, &mut rng);
            plan_epoch = epoch;
        }
        let chosen: Vec<&Sentence> = plan[state.step % per_epoch]
            .iter()
            .map(|&i| &inputs.sentences[i as usize])
            .collect();
        let mut rng = StdRng::seed_from_u64(
            config.seed ^ (state.step as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15),
        );
        let b = corpus::make_batch(&chosen, &enc.specials, vocab, config.mask_rate, &mut rng);
        let n = b.targets.len();
        let ids =
            Tensor::<2, Int>::from_data(TensorData::new(b.input_ids, [b.batch, b.seq]), &device);
        let padding =
            Tensor::<2, Bool>::from_data(TensorData::new(b.padding, [b.batch, b.seq]), &device);
        let targets = Tensor::<1, Int>::from_data(TensorData::new(b.targets, [n]), &device);
        // [batch, seq, hidden] → [n_masked, vocab]: only masked positions reach the decoder.
        let t = Instant::now();
        let hidden = model.bert.forward(ids, None, Some(padding), false).hidden;
        let logits = model.mlm_logits(hidden, &b.positions);
        let loss = loss_fn.forward(logits, targets);
        let loss_value = f64::from(loss.clone().into_scalar::<f32>());
        let t_forward = t.elapsed().as_secs_f64();
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        let t_backward = t.elapsed().as_secs_f64() - t_forward;
        model = optim.step(learning_rate(config, state.step), model, grads);
        phase[0] += t_forward;
        phase[1] += t_backward;
        phase[2] += t.elapsed().as_secs_f64() - t_forward - t_backward;

        state.step += 1;
        state.tokens_seen += b.tokens as u64;
        window_tokens += b.tokens as u64;
        loss_sum += loss_value;
        loss_n += 1;
        loss_ema = Some(loss_ema.map_or(loss_value, |e| 0.98 * e + 0.02 * loss_value));
        state.wall_seconds = wall_at_start + session.elapsed().as_secs_f64();

        if state.step.is_multiple_of(20) {
            let secs = window_start.elapsed().as_secs_f64();
            let tps = window_tokens as f64 / secs.max(1e-9);
            let steps_left = (config.steps - state.step) as f64;
            let eta_min = steps_left * secs / 20.0 / 60.0;
            eprintln!(
                "step {}/{} | loss {:.3} | lr {:.2e} | {:.0} tokens/s (fwd {:.0}% bwd {:.0}% opt {:.0}%) | {:.1}M tokens | {:.0} min | ETA {:.0} min",
                state.step,
                config.steps,
                loss_ema.unwrap_or(f64::NAN),
                learning_rate(config, state.step),
                tps,
                100.0 * phase[0] / secs,
                100.0 * phase[1] / secs,
                100.0 * phase[2] / secs,
                state.tokens_seen as f64 / 1e6,
                state.wall_seconds / 60.0,
                eta_min
            );
            let _ = std::io::stderr().flush();
            window_tokens = 0;
            window_start = Instant::now();
            phase = [0.0; 3];
        }
        let out_of_time = inputs
            .max_minutes
            .is_some_and(|m| session.elapsed().as_secs_f64() >= m * 60.0);
        let last = state.step == config.steps || out_of_time;
        if state.step.is_multiple_of(inputs.eval_every) || last {
            let (score, _) =
                cloze::evaluate(&model.valid(), inputs.cloze, enc.specials.pad, &plain)?;
            log_eval(&state, &score);
            state
                .curve
                .push(point(&state, Some(loss_sum / loss_n.max(1) as f64), &score));
            loss_sum = 0.0;
            loss_n = 0;
        }
        if state.step.is_multiple_of(inputs.save_every) || last {
            dir.save(&model, &optim, &state)?;
        }
        if out_of_time {
            eprintln!("time limit reached; run again to resume");
            break;
        }
    }
    Ok(state)
}

fn point(state: &RunState, train_loss: Option<f64>, s: &ClozeScore) -> CurvePoint {
    CurvePoint {
        step: state.step,
        tokens_seen: state.tokens_seen,
        wall_seconds: state.wall_seconds,
        train_loss,
        cloze_top1: s.top1,
        cloze_top5: s.top5,
        cloze_nll: s.mean_nll,
    }
}

fn log_eval(state: &RunState, s: &ClozeScore) {
    eprintln!(
        "eval at step {} ({:.1}M tokens): cloze top-1 {:.1}% top-5 {:.1}% NLL {:.3} ({} items)",
        state.step,
        state.tokens_seen as f64 / 1e6,
        100.0 * s.top1,
        100.0 * s.top5,
        s.mean_nll,
        s.items
    );
}

/// Loads the latest checkpoint of a run (for export), on the plain (non-autodiff) device.
pub fn load_run(run: &Path, enc: &Encoder, device: &Device) -> anyhow::Result<BertForMaskedLM> {
    let vocab = enc.config.vocab_size;
    let model = enc.with_new_head(device, &vec![0.0; vocab], 0)?;
    model
        .try_load_file(run.join("model.bpk"))
        .map_err(|e| anyhow::anyhow!("cannot read {}: {e:?}", run.join("model.bpk").display()))
}

pub fn read_state(run: &Path) -> anyhow::Result<RunState> {
    let bytes = read(&run.join("state.json"))?;
    Ok(serde_json::from_slice(&bytes)?)
}

pub fn read_config(run: &Path) -> anyhow::Result<RunConfig> {
    let bytes = read(&run.join("run.json"))?;
    Ok(serde_json::from_slice(&bytes)?)
}
