//! A GPT-2 trained here from scratch: the poetry GPT of the lecture's last section.
//!
//! - **Data:** the same chinese-poetry build as the Chinese BERT (`tools/corpus/poetry.sh`,
//!   `data/zh/poems.jsonl`, OpenCC-simplified, split by poem with the held-out keys fixed in
//!   the repo) and the same character tokenizer (`assets/fill-mask-zh/tokenizer.json`).
//!   Each poem is one example, `[CLS] text [SEP]`; every other poem (by its key) is
//!   preceded by its title in 《》, so that a reader may prompt with a title or a first line.
//!   `[SEP]` is the model's `eos_token_id`: a poem ends when the model says so.
//! - **Batches:** the examples of the training split are concatenated into one stream of
//!   token ids and cut into windows of `seq_len + 1` at positions drawn from the seed and
//!   the step (GPT-2's own packing: no padding, every position is a prediction), so a
//!   resumed run sees the same batches as an uninterrupted one.
//! - **Objective:** next-token cross-entropy at every position (Radford et al. 2018, §3.1),
//!   AdamW, linear warm-up then linear decay, Burn's autodiff over the flex CPU backend.
//! - **Initialisation:** GPT-2's (`GPT2PreTrainedModel._init_weights`): N(0, 0.02²) for
//!   embeddings and weights, biases 0, LayerNorms 1/0, and the projections back into the
//!   residual stream (`attn.c_proj`, `mlp.c_proj`) scaled by 1/√(2·n_layer).
//! - **Evaluation:** held-out per-character cross-entropy and perplexity over the test
//!   split's stream.

use std::path::Path;

use anyhow::Context;
use burn::module::{Module, Param};
use burn::nn::Linear;
use burn::nn::loss::CrossEntropyLossConfig;
use burn::optim::GradientsParams;
use burn::prelude::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};
use tlab_models::gpt2::{Gpt2BlockKeys, Gpt2Config, Gpt2Keys, Gpt2LMHeadModel};
use tlab_models::weights::Checkpoint;
use tokenizers::Tokenizer;

use crate::export::{StoreAs, Writer};
use crate::run::{Cadence, LoopClock, RunDir, Schedule, log_time_limit};
use crate::train::standard_normal;

/// One poem of `poems.jsonl` (the fields this trainer reads).
#[derive(Deserialize)]
struct Poem {
    key: String,
    #[serde(default)]
    title: String,
    text: String,
    split: String,
}

/// The training text of one poem: `《title》text` for every other poem (by key), else the
/// text alone. Titles that name no poem (`句`, `无题`, empty) are left out.
fn example_text(p: &Poem) -> String {
    let titled = p.key.bytes().last().is_some_and(|b| b.is_multiple_of(2));
    let title = p.title.trim();
    if titled && !title.is_empty() && title != "句" && title != "无题" {
        format!("《{title}》{}", p.text)
    } else {
        p.text.clone()
    }
}

/// Example texts of `split` (`"train"` or `"test"`) in `poems.jsonl`.
pub fn read_poems(path: &Path, split: &str) -> anyhow::Result<Vec<String>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let p: Poem = serde_json::from_str(line)
            .with_context(|| format!("{}:{}: not a poem record", path.display(), n + 1))?;
        if p.split == split {
            out.push(example_text(&p));
        }
    }
    Ok(out)
}

/// The special ids a GPT on the BERT character vocabulary uses, from the tokenizer.
#[derive(Debug, Clone, Copy)]
pub struct GptSpecials {
    /// Starts every example (`[CLS]`, as `uer/gpt2-chinese-*` prompts begin).
    pub bos: u32,
    /// Ends every example; the config's `eos_token_id`.
    pub eos: u32,
}

impl GptSpecials {
    pub fn from_tokenizer(tok: &Tokenizer) -> anyhow::Result<Self> {
        let id = |t: &str| {
            tok.token_to_id(t)
                .with_context(|| format!("the tokenizer has no {t} token"))
        };
        Ok(Self {
            bos: id("[CLS]")?,
            eos: id("[SEP]")?,
        })
    }
}

/// All examples as one stream: `[CLS] text [SEP] [CLS] text [SEP] …`.
pub fn token_stream(
    tok: &Tokenizer,
    texts: &[String],
    sp: GptSpecials,
) -> anyhow::Result<Vec<u32>> {
    let mut stream = Vec::new();
    for chunk in texts.chunks(4096) {
        let encodings = tok
            .encode_batch(chunk.to_vec(), false)
            .map_err(|e| anyhow::anyhow!("tokenizing the corpus: {e}"))?;
        for e in encodings {
            stream.push(sp.bos);
            stream.extend_from_slice(e.get_ids());
            stream.push(sp.eos);
        }
    }
    Ok(stream)
}

/// `config.json` of the poetry GPT.
pub fn config_json(
    tok: &Tokenizer,
    sp: GptSpecials,
    n_embd: usize,
    n_layer: usize,
    n_head: usize,
    n_positions: usize,
) -> serde_json::Value {
    serde_json::json!({
        "architectures": ["GPT2LMHeadModel"],
        "model_type": "gpt2",
        "vocab_size": tok.get_vocab_size(true),
        "n_positions": n_positions,
        "n_embd": n_embd,
        "n_layer": n_layer,
        "n_head": n_head,
        "n_inner": null,
        "activation_function": "gelu_new",
        "layer_norm_epsilon": 1e-5,
        "resid_pdrop": 0.0,
        "embd_pdrop": 0.0,
        "attn_pdrop": 0.0,
        "initializer_range": 0.02,
        "bos_token_id": sp.bos,
        "eos_token_id": sp.eos,
        "pad_token_id": tok.token_to_id("[PAD]"),
        "tie_word_embeddings": true,
    })
}

/// `model.safetensors` bytes of a GPT-2 initialised as GPT-2 is (see the module docs),
/// under `transformer.` as `GPT2LMHeadModel.save_pretrained` writes it.
pub fn random_gpt(config: &Gpt2Config, seed: u64) -> anyhow::Result<Vec<u8>> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut w = Writer::new(StoreAs::F32);
    let mut normal = |w: &mut Writer, name: &str, shape: Vec<usize>, std: f32| {
        let n = shape.iter().product();
        let v: Vec<f32> = (0..n).map(|_| std * standard_normal(&mut rng)).collect();
        w.put(name, shape, &v);
    };
    let d = config.n_embd;
    let k = Gpt2Keys::new(PREFIX);
    normal(&mut w, &k.wte, vec![config.vocab_size, d], 0.02);
    normal(&mut w, &k.wpe, vec![config.n_positions, d], 0.02);
    let residual_std = 0.02 / (2.0 * config.n_layer as f32).sqrt();
    let mut conv = |w: &mut Writer, prefix: &str, d_in: usize, d_out: usize, std: f32| {
        normal(w, &format!("{prefix}.weight"), vec![d_in, d_out], std);
        w.put(&format!("{prefix}.bias"), vec![d_out], &vec![0.0; d_out]);
    };
    let norm = |w: &mut Writer, prefix: &str| {
        w.put(&format!("{prefix}.weight"), vec![d], &vec![1.0; d]);
        w.put(&format!("{prefix}.bias"), vec![d], &vec![0.0; d]);
    };
    for i in 0..config.n_layer {
        let b = Gpt2BlockKeys::new(PREFIX, i);
        norm(&mut w, &b.attn_norm);
        conv(&mut w, &b.qkv, d, 3 * d, 0.02);
        conv(&mut w, &b.attn_out, d, d, residual_std);
        norm(&mut w, &b.ffn_norm);
        conv(&mut w, &b.ffn_in, d, config.inner(), 0.02);
        conv(&mut w, &b.ffn_out, config.inner(), d, residual_std);
    }
    norm(&mut w, &k.final_norm);
    w.into_bytes()
}

/// `GPT2LMHeadModel` checkpoints keep the body under `transformer.`.
const PREFIX: &str = "transformer.";

/// `model.safetensors` bytes for a trained model, in `GPT2LMHeadModel`'s layout (the
/// loader's key table, [`Gpt2Keys`] and [`Gpt2BlockKeys`]); the tied `lm_head` is not stored.
pub fn safetensors_bytes(model: &Gpt2LMHeadModel, store: StoreAs) -> anyhow::Result<Vec<u8>> {
    let mut w = Writer::new(store);
    let k = Gpt2Keys::new(PREFIX);
    w.matrix(&k.wte, &model.wte.weight)?;
    w.matrix(&k.wpe, &model.wpe.weight)?;
    for (i, block) in model.blocks.iter().enumerate() {
        let b = Gpt2BlockKeys::new(PREFIX, i);
        let a = &block.self_attn;
        let qkv =
            |f: fn(&Linear) -> Tensor<2>| Tensor::cat(vec![f(&a.query), f(&a.key), f(&a.value)], 1);
        let weight = qkv(|l| l.weight.val());
        let bias = Tensor::cat(
            [&a.query, &a.key, &a.value]
                .iter()
                .map(|l| {
                    l.bias.as_ref().map_or_else(
                        || Tensor::zeros([l.weight.val().dims()[1]], &l.weight.val().device()),
                        |b| b.val(),
                    )
                })
                .collect(),
            0,
        );
        let fused = Linear {
            weight: Param::from_tensor(weight),
            bias: Some(Param::from_tensor(bias)),
        };
        w.norm(&b.attn_norm, &block.attn_norm)?;
        w.conv1d(&b.qkv, &fused)?;
        w.conv1d(&b.attn_out, &a.out)?;
        w.norm(&b.ffn_norm, &block.ffn_norm)?;
        w.conv1d(&b.ffn_in, &block.ffn.ffn_in)?;
        w.conv1d(&b.ffn_out, &block.ffn.ffn_out)?;
    }
    w.norm(&k.final_norm, &model.final_norm)?;
    if let Some(head) = &model.lm_head {
        let [d, v] = head.val().dims();
        let t = tlab_models::weights::transpose(&tlab_models::readout::values(head.val())?, d, v);
        w.put(Gpt2Keys::LM_HEAD, vec![v, d], &t);
    }
    w.into_bytes()
}

/// Everything a run is defined by; stored in the run directory so a resume cannot change it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct GptRunConfig {
    #[serde(flatten)]
    pub schedule: Schedule,
    /// Windows per batch.
    pub batch: usize,
    /// Tokens per window (≤ n_positions).
    pub seq_len: usize,
}

/// The GPT run's progress: its curve is the held-out loss.
pub type GptRunState = crate::run::RunState<GptCurvePoint>;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GptCurvePoint {
    pub step: usize,
    pub tokens_seen: u64,
    pub wall_seconds: f64,
    /// Mean training loss since the previous point.
    pub train_loss: Option<f64>,
    /// Held-out cross-entropy per token (nats) and its perplexity.
    pub held_out_loss: f64,
    pub held_out_perplexity: f64,
}

/// Held-out loss over the first `windows` windows of `stream` (consecutive, no overlap).
pub fn held_out_loss(
    model: &Gpt2LMHeadModel,
    stream: &[u32],
    seq_len: usize,
    windows: usize,
    device: &Device,
) -> anyhow::Result<f64> {
    let n = (stream.len().saturating_sub(1) / seq_len).min(windows);
    anyhow::ensure!(n > 0, "the held-out text is shorter than one window");
    let loss_fn = CrossEntropyLossConfig::new().init(device);
    let mut total = 0.0;
    for chunk in (0..n).collect::<Vec<_>>().chunks(16) {
        let (inputs, targets) = windows_at(stream, chunk.iter().map(|&w| w * seq_len), seq_len);
        let loss = batch_loss(
            model,
            &inputs,
            &targets,
            chunk.len(),
            seq_len,
            &loss_fn,
            device,
        );
        total += f64::from(loss.into_scalar::<f32>()) * chunk.len() as f64;
    }
    Ok(total / n as f64)
}

/// Inputs and next-token targets of the windows starting at `starts`.
fn windows_at(
    stream: &[u32],
    starts: impl Iterator<Item = usize>,
    seq_len: usize,
) -> (Vec<i64>, Vec<i64>) {
    let mut inputs = Vec::new();
    let mut targets = Vec::new();
    for s in starts {
        let w = &stream[s..s + seq_len + 1];
        inputs.extend(w[..seq_len].iter().map(|&i| i64::from(i)));
        targets.extend(w[1..].iter().map(|&i| i64::from(i)));
    }
    (inputs, targets)
}

/// Mean next-token cross-entropy of one batch of windows.
fn batch_loss(
    model: &Gpt2LMHeadModel,
    inputs: &[i64],
    targets: &[i64],
    batch: usize,
    seq_len: usize,
    loss_fn: &burn::nn::loss::CrossEntropyLoss,
    device: &Device,
) -> Tensor<1> {
    let ids =
        Tensor::<2, Int>::from_data(TensorData::new(inputs.to_vec(), [batch, seq_len]), device);
    let targets =
        Tensor::<1, Int>::from_data(TensorData::new(targets.to_vec(), [batch * seq_len]), device);
    // [batch, seq, vocab] → [batch·seq, vocab]: every position predicts the next token.
    let logits = model.forward_logits(ids);
    let vocab = logits.dims()[2];
    loss_fn.forward(logits.reshape([batch * seq_len, vocab]), targets)
}

pub struct GptInputs<'a> {
    pub config: &'a Gpt2Config,
    /// `model.safetensors` of the starting point.
    pub weights: &'a [u8],
    pub train: &'a [u32],
    pub held_out: &'a [u32],
    pub held_out_windows: usize,
    pub cadence: &'a Cadence,
}

/// Loads the starting weights on `device` (the plain device for export, autodiff to train).
pub fn load_start(
    config: &Gpt2Config,
    weights: &[u8],
    device: &Device,
) -> anyhow::Result<Gpt2LMHeadModel> {
    let ckpt = Checkpoint::from_bytes(weights, device)?;
    Ok(Gpt2LMHeadModel::load(config, &ckpt)?.0)
}

/// The latest checkpoint of a run.
pub fn load_run(
    run: &Path,
    config: &Gpt2Config,
    weights: &[u8],
    device: &Device,
) -> anyhow::Result<Gpt2LMHeadModel> {
    load_start(config, weights, device)?
        .try_load_file(run.join("model.bpk"))
        .map_err(|e| anyhow::anyhow!("cannot read {}: {e:?}", run.join("model.bpk").display()))
}

/// Trains (or resumes) the run in `run` until `config.steps` or the time limit.
pub fn train(run: &Path, config: &GptRunConfig, inputs: &GptInputs) -> anyhow::Result<GptRunState> {
    anyhow::ensure!(
        config.seq_len <= inputs.config.n_positions,
        "seq_len {} is longer than the model's n_positions {}",
        config.seq_len,
        inputs.config.n_positions
    );
    let device = crate::train_device().autodiff();
    let plain = device.clone().inner();
    let dir = RunDir(run);
    dir.pin_config(config)?;
    let schedule = &config.schedule;
    let start = load_start(inputs.config, inputs.weights, &device)?;
    let optim = schedule.adamw(None);
    let (mut model, mut optim, mut state): (_, _, GptRunState) = dir.resume(start, optim)?;
    let loss_fn = CrossEntropyLossConfig::new().init(&device);
    let span = inputs.train.len() - config.seq_len - 1;
    let mut clock = LoopClock::start(schedule, inputs.cadence, state.wall_seconds);
    let eval = |model: &Gpt2LMHeadModel,
                state: &mut GptRunState,
                train_loss: Option<f64>|
     -> anyhow::Result<()> {
        let loss = held_out_loss(
            &model.valid(),
            inputs.held_out,
            config.seq_len,
            inputs.held_out_windows,
            &plain,
        )?;
        eprintln!(
            "eval at step {} ({:.1}M tokens): held-out loss {:.3}, perplexity {:.1}",
            state.step,
            state.tokens_seen as f64 / 1e6,
            loss,
            loss.exp()
        );
        state.curve.push(GptCurvePoint {
            step: state.step,
            tokens_seen: state.tokens_seen,
            wall_seconds: state.wall_seconds,
            train_loss,
            held_out_loss: loss,
            held_out_perplexity: loss.exp(),
        });
        Ok(())
    };
    if state.curve.is_empty() {
        eval(&model, &mut state, None)?;
    }
    while state.step < schedule.steps {
        let mut rng = StdRng::seed_from_u64(
            schedule.seed ^ (state.step as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15),
        );
        let starts: Vec<usize> = (0..config.batch)
            .map(|_| rng.random_range(0..span))
            .collect();
        let (ids, targets) = windows_at(inputs.train, starts.into_iter(), config.seq_len);
        let loss = batch_loss(
            &model,
            &ids,
            &targets,
            config.batch,
            config.seq_len,
            &loss_fn,
            &device,
        );
        let loss_value = f64::from(loss.clone().into_scalar::<f32>());
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        model = optim.step(schedule.learning_rate(state.step), model, grads);
        state.step += 1;
        let tokens = (config.batch * config.seq_len) as u64;
        state.tokens_seen += tokens;
        state.wall_seconds = clock.record(
            state.step,
            tokens,
            state.tokens_seen,
            loss_value,
            None,
            |_| String::new(),
        );
        let due = clock.due(state.step);
        if due.eval {
            let train_loss = clock.take_mean_loss();
            eval(&model, &mut state, Some(train_loss))?;
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

/// How well generated text keeps the shape of a poem: the lecture's claim that a GPT learns
/// form (line length, punctuation) long before meaning, measured.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ShapeScore {
    /// Held-out poems prompted with their first line.
    pub prompts: usize,
    /// Complete lines generated (ended by ，。！？；) before [SEP] or the token limit.
    pub lines: usize,
    /// Of those, lines as long as the prompt's line.
    pub same_length: usize,
    /// Poems whose every generated line (at least one) kept the prompt's line length.
    pub poems_all_same: usize,
}

impl ShapeScore {
    pub fn line_rate(&self) -> f64 {
        self.same_length as f64 / self.lines.max(1) as f64
    }
    pub fn poem_rate(&self) -> f64 {
        self.poems_all_same as f64 / self.prompts.max(1) as f64
    }
}

/// Chinese line-ending punctuation.
fn ends_line(c: char) -> bool {
    matches!(c, '，' | '。' | '！' | '？' | '；')
}

/// The first line of a poem's text with its punctuation (`床前明月光，`), if the poem has
/// at least two lines and the first is 4–9 characters long (regular verse).
pub fn first_line(text: &str) -> Option<String> {
    let (end, mark) = text.char_indices().find(|&(_, c)| ends_line(c))?;
    let n = text[..end].chars().count();
    let rest = &text[end..];
    ((4..=9).contains(&n) && rest.chars().filter(|&c| ends_line(c)).count() >= 2)
        .then(|| text[..end + mark.len_utf8()].to_string())
}

/// Lengths (in characters) of the complete lines of `text` (each ended by punctuation).
pub fn line_lengths(text: &str) -> Vec<usize> {
    let mut out = Vec::new();
    let mut n = 0;
    for c in text.chars() {
        if ends_line(c) {
            out.push(n);
            n = 0;
        } else if !c.is_whitespace() {
            n += 1;
        }
    }
    out
}

/// Prompts the model with the first line of each of the first `limit` regular held-out poems
/// (untitled ones, as the training text has them) and scores the shape of what it writes.
pub fn shape_score(
    generator: &tlab_tasks::generate::Generator,
    poems: &[String],
    limit: usize,
    options: &tlab_tasks::generate::GenerateOptions,
) -> anyhow::Result<(ShapeScore, Vec<(String, String)>)> {
    let mut score = ShapeScore::default();
    let mut samples = Vec::new();
    for text in poems.iter().filter(|t| !t.starts_with('《')) {
        if score.prompts == limit {
            break;
        }
        let Some(prompt) = first_line(text) else {
            continue;
        };
        let want = prompt.chars().count() - 1;
        let out = generator.generate(&prompt, options)?;
        let lengths = line_lengths(&out.text);
        score.prompts += 1;
        score.lines += lengths.len();
        let same = lengths.iter().filter(|&&n| n == want).count();
        score.same_length += same;
        if !lengths.is_empty() && same == lengths.len() {
            score.poems_all_same += 1;
        }
        samples.push((prompt, out.text));
    }
    Ok((score, samples))
}
