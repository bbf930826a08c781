//! The training loop: model set-up, learning-rate schedule, checkpoints, progress.

use anyhow::Context;
use std::path::{Path, PathBuf};
use std::time::Instant;

use burn::module::{Module, Param};
use burn::nn::LayerNormConfig;
use burn::nn::loss::CrossEntropyLossConfig;
use burn::optim::GradientsParams;
use burn::prelude::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};
use tlab_models::bert::{BertConfig, BertForMaskedLM, BertModel, MlmHead, MlmHeadKeys};
use tlab_models::weights::Checkpoint;
use tokenizers::Tokenizer;

use crate::cloze::{self, ClozeItem, ClozeScore};
use crate::corpus::{self, Sentence, Specials};
use crate::run::{Cadence, LoopClock, RunDir, Schedule, log_time_limit};

/// Everything a run is defined by; stored in the run directory so a resume cannot change it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RunConfig {
    #[serde(flatten)]
    pub schedule: Schedule,
    /// Sentences per batch.
    pub batch: usize,
    pub max_len: usize,
    pub mask_rate: f64,
    /// Keep the word-embedding matrix (and so the tied decoder) as pre-trained.
    pub freeze_embeddings: bool,
    /// Pad every batch (and cloze batch) to `max_len`: a GPU backend compiles and tunes its
    /// kernels per shape, and lengths that change every step keep it compiling. Written only
    /// when set, so older runs' `run.json` still pins the same configuration.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub fixed_length: bool,
}

/// The masked-LM run's progress: its curve is the cloze score.
pub type RunState = crate::run::RunState<CurvePoint>;

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
    pub cadence: &'a Cadence,
}

/// Trains (or resumes) the run in `paths.run` until `config.steps` or the time limit.
pub fn train(paths: &Paths, config: &RunConfig, inputs: &TrainInputs) -> anyhow::Result<RunState> {
    std::fs::create_dir_all(&paths.run)?;
    let enc = inputs.encoder;
    let vocab = enc.config.vocab_size;
    let device = crate::train_device().autodiff();
    let dir = RunDir(&paths.run);
    dir.pin_config(config)?;
    let schedule = &config.schedule;

    let unigram = unigram_log_prob(inputs.sentences, vocab, &enc.specials);
    let model = enc.with_new_head(&device, &unigram, schedule.seed)?;
    let optim = schedule.adamw(Some(1e-6));
    let (mut model, mut optim, mut state): (_, _, RunState) = dir.resume(model, optim)?;
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
    let pad_to = config.fixed_length.then_some(config.max_len);
    let cloze_score = |m: &BertForMaskedLM| {
        cloze::evaluate(&m.valid(), inputs.cloze, enc.specials.pad, &plain, pad_to)
            .map(|(score, _)| score)
    };
    let mut clock = LoopClock::start(schedule, inputs.cadence, state.wall_seconds);
    let mut loss_ema: Option<f64> = None;
    // Seconds in forward, backward and optimizer step since the last progress line.
    let mut phase = [0.0f64; 3];

    if state.step == 0 && state.curve.is_empty() {
        let score = cloze_score(&model)?;
        log_eval(&state, &score);
        state.curve.push(point(&state, None, &score));
    }

    while state.step < schedule.steps {
        let epoch = state.step / per_epoch;
        if epoch != plan_epoch {
            let mut rng = StdRng::seed_from_u64(schedule.seed.wrapping_add(epoch as u64));
            plan = corpus::epoch_plan(inputs.sentences.len(), config.batch, &lengths, &mut rng);
            plan_epoch = epoch;
        }
        let chosen: Vec<&Sentence> = plan[state.step % per_epoch]
            .iter()
            .map(|&i| &inputs.sentences[i as usize])
            .collect();
        let mut rng = StdRng::seed_from_u64(
            schedule.seed ^ (state.step as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15),
        );
        let b = corpus::make_batch(
            &chosen,
            &enc.specials,
            vocab,
            config.mask_rate,
            &mut rng,
            pad_to,
        );
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
        model = optim.step(schedule.learning_rate(state.step), model, grads);
        phase[0] += t_forward;
        phase[1] += t_backward;
        phase[2] += t.elapsed().as_secs_f64() - t_forward - t_backward;

        state.step += 1;
        state.tokens_seen += b.tokens as u64;
        loss_ema = Some(loss_ema.map_or(loss_value, |e| 0.98 * e + 0.02 * loss_value));
        state.wall_seconds = clock.record(
            state.step,
            b.tokens as u64,
            state.tokens_seen,
            loss_value,
            loss_ema,
            |secs| {
                let [fwd, bwd, opt] = std::mem::take(&mut phase).map(|p| 100.0 * p / secs);
                format!(" (fwd {fwd:.0}% bwd {bwd:.0}% opt {opt:.0}%)")
            },
        );
        let due = clock.due(state.step);
        if due.eval {
            let score = cloze_score(&model)?;
            log_eval(&state, &score);
            let train_loss = clock.take_mean_loss();
            state.curve.push(point(&state, Some(train_loss), &score));
        }
        if due.save {
            dir.save(&model, &optim, &state)?;
        }
        if due.keep {
            dir.keep(state.step)?;
        }
        if due.stop {
            log_time_limit();
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
    load_checkpoint(&run.join("model.bpk"), enc, device)
}

/// One `.bpk` model file of a run (its latest, or a kept one) on `enc`'s architecture.
fn load_checkpoint(path: &Path, enc: &Encoder, device: &Device) -> anyhow::Result<BertForMaskedLM> {
    let vocab = enc.config.vocab_size;
    let model = enc.with_new_head(device, &vec![0.0; vocab], 0)?;
    model
        .try_load_file(path)
        .map_err(|e| anyhow::anyhow!("cannot read {}: {e:?}", path.display()))
}

/// The mean of a run's last `k` kept checkpoints (`train --keep-every`), and their steps.
pub fn load_averaged(
    run: &Path,
    enc: &Encoder,
    device: &Device,
    k: usize,
) -> anyhow::Result<(BertForMaskedLM, Vec<usize>)> {
    let kept = RunDir(run).kept()?;
    anyhow::ensure!(
        k > 0 && kept.len() >= k,
        "{} keeps {} checkpoints; cannot average the last {k}",
        run.display(),
        kept.len()
    );
    let last = &kept[kept.len() - k..];
    let models = last
        .iter()
        .map(|(_, path)| load_checkpoint(path, enc, device))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let steps = last.iter().map(|(step, _)| *step).collect();
    Ok((crate::run::average(models)?, steps))
}

pub fn read_state(run: &Path) -> anyhow::Result<RunState> {
    let bytes = read(&run.join("state.json"))?;
    Ok(serde_json::from_slice(&bytes)?)
}

pub fn read_config(run: &Path) -> anyhow::Result<RunConfig> {
    let bytes = read(&run.join("run.json"))?;
    Ok(serde_json::from_slice(&bytes)?)
}

/// The runs that made the weights in `encoder`: its `training.json`'s `runs` when it is an
/// earlier export (so a chain of runs, each starting from the last one's export, keeps every
/// run's settings and curve), none for a checkpoint from elsewhere. An export written before
/// exports listed their runs holds one `run` + `state`, which counts as one unnamed run.
pub fn runs_before(encoder: &Path) -> anyhow::Result<Vec<serde_json::Value>> {
    let path = encoder.join("training.json");
    if !path.exists() {
        return Ok(Vec::new());
    }
    let mut record: serde_json::Value = serde_json::from_slice(&read(&path)?)
        .with_context(|| format!("{} is not JSON", path.display()))?;
    if let Some(serde_json::Value::Array(runs)) =
        record.get_mut("runs").map(serde_json::Value::take)
    {
        return Ok(runs);
    }
    match (record.get("run"), record.get("state")) {
        (Some(run), Some(state)) => Ok(vec![serde_json::json!({
            "name": "earlier run",
            "run": run,
            "state": state,
        })]),
        _ => anyhow::bail!(
            "{} has neither `runs` nor `run` + `state`: is it a training record?",
            path.display()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::runs_before;

    fn dir_with(name: &str, record: Option<&str>) -> anyhow::Result<std::path::PathBuf> {
        let dir =
            std::env::temp_dir().join(format!("tlab-runs-before-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        if let Some(r) = record {
            std::fs::write(dir.join("training.json"), r)?;
        }
        Ok(dir)
    }

    #[test]
    fn an_export_passes_its_runs_on_and_other_checkpoints_have_none() -> anyhow::Result<()> {
        assert!(runs_before(&dir_with("none", None)?)?.is_empty());
        let chain = r#"{"runs": [{"name": "a"}, {"name": "b"}], "held_out_cloze": {"top5": 0.3}}"#;
        let runs = runs_before(&dir_with("chain", Some(chain))?)?;
        let names: Vec<_> = runs.iter().map(|r| r["name"].as_str()).collect();
        assert_eq!(names, [Some("a"), Some("b")]);
        let single = r#"{"run": {"lr": 0.001}, "state": {"step": 7}}"#;
        let runs = runs_before(&dir_with("single", Some(single))?)?;
        assert_eq!(runs.len(), 1);
        assert_eq!(runs[0]["state"]["step"], 7);
        let Err(err) = runs_before(&dir_with("other", Some(r#"{"loss": 1}"#))?) else {
            anyhow::bail!("a file that is no training record was accepted");
        };
        assert!(err.to_string().contains("training record"), "{err}");
        Ok(())
    }
}
