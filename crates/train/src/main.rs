//! `tlab-train`: make, resume, evaluate and export the default English fill-mask model.
//!
//! `tlab-train train --encoder DIR --corpus train.txt --cloze harvard.txt --run DIR [options]`
//! `tlab-train eval --model DIR --cloze harvard.txt|cloze.txt [--json] [--show N]`
//! `tlab-train export --encoder DIR --run DIR --out DIR [--store f16|f32] [--golden FILE] [--cloze FILE] [--average K]`
//! `tlab-train init --vocab vocab.txt --charsmap charsmap.bin --out DIR [sizes]` (a BERT from scratch)
//! `tlab-train pos --encoder DIR --data data/pos --out assets/pos-en [options]`
//! `tlab-train nsp --encoder DIR --data data/nsp --out assets/nsp-en [options]`
//!
//! `tools/train-fill-mask.sh` runs the whole recipe from the package registries.

use anyhow::Context;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use tlab_models::bert::BertForMaskedLM;
use tlab_models::weights::Checkpoint;
use tlab_train::cloze;
use tlab_train::corpus;
use tlab_train::export::{self, StoreAs};
use tlab_train::gpt;
use tlab_train::run::{Cadence, Schedule};
use tlab_train::train::{self, Encoder, Paths, RunConfig, TrainInputs};

#[derive(Parser)]
#[command(name = "tlab-train", about = "Masked-LM fine-tuning in Burn")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Train (or resume) a run: the encoder in DIR + a new masked-LM head on the corpus.
    Train {
        /// Pre-trained BERT encoder: config.json, tokenizer.json, model.safetensors.
        #[arg(long)]
        encoder: PathBuf,
        /// Training text, one sentence per line.
        #[arg(long)]
        corpus: PathBuf,
        /// Held-out cloze: Harvard sentences, or marked lines (`…⟦answer⟧…`).
        #[arg(long, alias = "harvard")]
        cloze: PathBuf,
        /// Score only this many cloze items (evenly spread) during training.
        #[arg(long)]
        cloze_limit: Option<usize>,
        /// Run directory (checkpoints, state.json); an existing run is resumed.
        #[arg(long)]
        run: PathBuf,
        #[command(flatten)]
        schedule: Schedule,
        #[arg(long, default_value_t = 32)]
        batch: usize,
        #[arg(long, default_value_t = 64)]
        max_len: usize,
        #[arg(long, default_value_t = 0.15)]
        mask_rate: f64,
        #[arg(long)]
        freeze_embeddings: bool,
        /// Pad every batch to --max-len (for GPU backends, which compile kernels per shape).
        #[arg(long)]
        fixed_length: bool,
        #[command(flatten)]
        cadence: Cadence,
    },
    /// Cloze score of a Hugging Face BertForMaskedLM directory.
    Eval {
        #[arg(long)]
        model: PathBuf,
        /// Harvard sentences, or marked lines (`…⟦answer⟧…`).
        #[arg(long, alias = "harvard")]
        cloze: PathBuf,
        /// Print the score as JSON.
        #[arg(long)]
        json: bool,
        /// Also print the first N items with the model's top 5.
        #[arg(long, default_value_t = 0)]
        show: usize,
    },
    /// Print a run's learning curve (Harvard cloze vs tokens seen) as a Markdown table.
    Curve {
        #[arg(long)]
        run: PathBuf,
    },
    /// Train the part-of-speech head (Brown, 12 universal tags) on the frozen encoder in DIR.
    Pos {
        #[command(flatten)]
        head: HeadArgs,
    },
    /// Train the next-sentence head (pooler + cls.seq_relationship) on Brown sentence pairs.
    Nsp {
        #[command(flatten)]
        head: HeadArgs,
    },
    /// Write a run's latest checkpoint as a Hugging Face BertForMaskedLM directory.
    Export {
        #[arg(long)]
        encoder: PathBuf,
        #[arg(long)]
        run: PathBuf,
        #[arg(long)]
        out: PathBuf,
        #[arg(long, value_enum, default_value_t = StoreAs::F16)]
        store: StoreAs,
        /// Sentences (one per line, with the mask token) whose answers golden.json records;
        /// the English ones when absent.
        #[arg(long)]
        golden: Option<PathBuf>,
        /// Also score the exported weights on this whole cloze file (as `eval` does) and record
        /// the score in training.json as `held_out_cloze`.
        #[arg(long)]
        cloze: Option<PathBuf>,
        /// Export the mean of the run's last K kept checkpoints (`train --keep-every`) instead
        /// of its latest one.
        #[arg(long, value_name = "K")]
        average: Option<usize>,
    },
    /// A BERT to train from scratch: character tokenizer + randomly initialised encoder.
    Init {
        /// One token per line: specials, punctuation, characters (tools/corpus/poetry.py).
        #[arg(long)]
        vocab: PathBuf,
        /// sentencepiece `precompiled_charsmap` (traditional → simplified; poetry.py).
        #[arg(long)]
        charsmap: PathBuf,
        #[arg(long)]
        out: PathBuf,
        #[arg(long, default_value_t = 256)]
        hidden_size: usize,
        #[arg(long, default_value_t = 4)]
        num_hidden_layers: usize,
        #[arg(long, default_value_t = 4)]
        num_attention_heads: usize,
        #[arg(long, default_value_t = 1024)]
        intermediate_size: usize,
        #[arg(long, default_value_t = 128)]
        max_position_embeddings: usize,
        #[arg(long, default_value_t = 2026)]
        seed: u64,
    },
    /// A GPT-2 to train from scratch on the character tokenizer of DIR (tokenizer.json):
    /// config.json with [CLS] as bos and [SEP] as eos, GPT-2's random initialisation.
    GptInit {
        /// A directory with the tokenizer to share (tokenizer.json, tokenizer_config.json).
        #[arg(long)]
        tokenizer_from: PathBuf,
        #[arg(long)]
        out: PathBuf,
        #[arg(long, default_value_t = 256)]
        n_embd: usize,
        #[arg(long, default_value_t = 4)]
        n_layer: usize,
        #[arg(long, default_value_t = 4)]
        n_head: usize,
        #[arg(long, default_value_t = 128)]
        n_positions: usize,
        #[arg(long, default_value_t = 2026)]
        seed: u64,
    },
    /// Train (or resume) a GPT run: next-token prediction on the poems of poems.jsonl.
    Gpt {
        /// The starting model (from gpt-init): config.json, tokenizer.json, model.safetensors.
        #[arg(long)]
        model: PathBuf,
        /// data/zh/poems.jsonl (tools/corpus/poetry.sh): its train split trains, test evaluates.
        #[arg(long)]
        poems: PathBuf,
        #[arg(long)]
        run: PathBuf,
        #[command(flatten)]
        schedule: Schedule,
        #[arg(long, default_value_t = 32)]
        batch: usize,
        #[arg(long, default_value_t = 128)]
        seq_len: usize,
        /// Held-out windows scored at every evaluation (seq_len tokens each).
        #[arg(long, default_value_t = 64)]
        held_out_windows: usize,
        #[command(flatten)]
        cadence: Cadence,
    },
    /// Write a GPT run's latest checkpoint as a Hugging Face GPT2LMHeadModel directory.
    GptExport {
        /// The run's starting model (from gpt-init).
        #[arg(long)]
        model: PathBuf,
        #[arg(long)]
        run: PathBuf,
        #[arg(long)]
        out: PathBuf,
        #[arg(long, value_enum, default_value_t = StoreAs::F16)]
        store: StoreAs,
        /// Also score the whole held-out split (poems.jsonl's test poems) into training.json.
        #[arg(long)]
        poems: Option<PathBuf>,
    },
    /// Score a GPT on held-out poems: prompted with each poem's first line, how often its
    /// generated lines keep that line's length (greedy and sampled).
    GptEval {
        #[arg(long)]
        model: PathBuf,
        /// data/zh/poems.jsonl: the test split is read.
        #[arg(long)]
        poems: PathBuf,
        #[arg(long, default_value_t = 200)]
        prompts: usize,
        /// Tokens generated per prompt.
        #[arg(long, default_value_t = 48)]
        max_new_tokens: usize,
        /// Print this many prompts with their continuations.
        #[arg(long, default_value_t = 0)]
        show: usize,
        #[arg(long)]
        json: bool,
    },
}

/// The options of `pos` and `nsp`.
#[derive(clap::Args)]
struct HeadArgs {
    /// The frozen encoder: config.json, tokenizer.json, model.safetensors.
    #[arg(long)]
    encoder: PathBuf,
    /// train.jsonl and test.jsonl from tools/corpus/{pos,nsp}.py (features are cached here).
    #[arg(long)]
    data: PathBuf,
    #[arg(long)]
    out: PathBuf,
    /// Training sentences (pos) or pairs (nsp): the first N of train.jsonl.
    #[arg(long, default_value_t = 20_000)]
    train_examples: usize,
    #[arg(long, default_value_t = 6000)]
    held_out_examples: usize,
    #[arg(long, default_value_t = 8000)]
    steps: usize,
    #[arg(long, default_value_t = 500)]
    report_every: usize,
    #[arg(long, default_value_t = 256)]
    batch: usize,
    #[arg(long, default_value_t = 3e-3)]
    lr: f64,
    #[arg(long, default_value_t = 1e-4)]
    weight_decay: f32,
    #[arg(long, default_value_t = 2026)]
    seed: u64,
}

impl HeadArgs {
    fn options(self) -> tlab_train::heads::HeadOptions {
        tlab_train::heads::HeadOptions {
            encoder: self.encoder,
            data: self.data,
            out: self.out,
            train_examples: self.train_examples,
            held_out_examples: self.held_out_examples,
            steps: self.steps,
            report_every: self.report_every,
            config: tlab_tasks::finetune::HeadTrainConfig {
                learning_rate: self.lr,
                weight_decay: self.weight_decay,
                batch: self.batch,
                seed: self.seed,
            },
        }
    }
}

/// Prompts whose greedy continuations the poetry GPT's export records (`golden.json`).
const GOLDEN_PROMPTS_ZH: [&str; 3] = ["床前明月光，", "《静夜思》", "春眠不觉晓，"];
const GOLDEN_NEW_TOKENS: usize = 24;

/// Sentences whose top answers are recorded at export (`golden.json`).
const GOLDEN_SENTENCES: [&str; 3] = [
    "The man went to the [MASK] to buy some milk.",
    "The dog [MASK] at the cat.",
    "She drank a cup of hot [MASK].",
];

/// The masked-LM in a model directory scored on a cloze file.
struct Scored {
    /// The model's files (its tokenizer turns the top-5 ids back into characters).
    enc: Encoder,
    items: Vec<cloze::ClozeItem>,
    score: cloze::ClozeScore,
    /// Each item's five most probable ids.
    top5: Vec<Vec<u32>>,
}

/// The masked-LM in `model` scored on the cloze file at `path` (Harvard sentences, or marked
/// lines such as the 中文 held-out set).
fn score_cloze(model: &std::path::Path, path: &std::path::Path) -> anyhow::Result<Scored> {
    let enc = Encoder::from_dir(model)?;
    let device = tlab_models::device();
    let ckpt = Checkpoint::from_bytes(&enc.weights, &device)?;
    let m = BertForMaskedLM::load(&enc.config, &ckpt)?;
    let lines = train::read_lines(path)?;
    let items = cloze::build_any(&enc.tokenizer, &lines, &enc.specials, None)?;
    let (score, top5) = cloze::evaluate(&m, &items, enc.specials.pad, &device, None)?;
    Ok(Scored {
        enc,
        items,
        score,
        top5,
    })
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Train {
            encoder,
            corpus: corpus_path,
            cloze: cloze_path,
            cloze_limit,
            run,
            schedule,
            batch,
            max_len,
            mask_rate,
            freeze_embeddings,
            fixed_length,
            cadence,
        } => {
            let enc = Encoder::from_dir(&encoder)?;
            let lines = train::read_lines(&corpus_path)?;
            let t0 = std::time::Instant::now();
            let sentences = corpus::tokenize(&enc.tokenizer, &lines, max_len, &enc.specials);
            let tokens: usize = sentences.iter().map(|s| s.ids.len()).sum();
            eprintln!(
                "corpus: {} lines → {} sentences, {:.2}M tokens (tokenized in {:.1} s)",
                lines.len(),
                sentences.len(),
                tokens as f64 / 1e6,
                t0.elapsed().as_secs_f64()
            );
            let lines = train::read_lines(&cloze_path)?;
            let items = cloze::build_any(&enc.tokenizer, &lines, &enc.specials, cloze_limit)?;
            let config = RunConfig {
                schedule,
                batch,
                max_len,
                mask_rate,
                freeze_embeddings,
                fixed_length,
            };
            let state = train::train(
                &Paths { run },
                &config,
                &TrainInputs {
                    encoder: &enc,
                    sentences: &sentences,
                    cloze: &items,
                    cadence: &cadence,
                },
            )?;
            eprintln!(
                "stopped at step {} of {} ({:.1}M tokens, {:.0} min)",
                state.step,
                config.schedule.steps,
                state.tokens_seen as f64 / 1e6,
                state.wall_seconds / 60.0
            );
            Ok(())
        }
        Command::Eval {
            model,
            cloze: cloze_path,
            json,
            show,
        } => {
            let Scored {
                enc,
                items,
                score,
                top5,
            } = score_cloze(&model, &cloze_path)?;
            for (item, top) in items.iter().zip(&top5).take(show) {
                let guesses: Vec<String> = top
                    .iter()
                    .map(|&id| enc.tokenizer.id_to_token(id).unwrap_or_default())
                    .collect();
                println!("{}  [{}]  → {}", item.text, item.answer, guesses.join(" "));
            }
            if json {
                println!("{}", serde_json::to_string(&score)?);
            } else {
                println!(
                    "cloze ({} items): top-1 {:.1}%  top-5 {:.1}%  mean NLL {:.3}",
                    score.items,
                    100.0 * score.top1,
                    100.0 * score.top5,
                    score.mean_nll
                );
            }
            Ok(())
        }
        Command::Curve { run } => {
            let state = train::read_state(&run)?;
            println!(
                "| step | tokens seen | wall time | train loss | cloze top-1 | cloze top-5 | cloze NLL |"
            );
            println!("|---:|---:|---:|---:|---:|---:|---:|");
            for p in &state.curve {
                println!(
                    "| {} | {:.2}M | {:.0} min | {} | {:.1}% | {:.1}% | {:.2} |",
                    p.step,
                    p.tokens_seen as f64 / 1e6,
                    p.wall_seconds / 60.0,
                    p.train_loss.map_or("–".to_string(), |l| format!("{l:.2}")),
                    100.0 * p.cloze_top1,
                    100.0 * p.cloze_top5,
                    p.cloze_nll
                );
            }
            Ok(())
        }
        Command::Pos { head } => tlab_train::heads::train_pos(&head.options()),
        Command::Nsp { head } => tlab_train::heads::train_nsp(&head.options()),
        Command::Export {
            encoder,
            run,
            out,
            store,
            golden,
            cloze: cloze_path,
            average,
        } => {
            let enc = Encoder::from_dir(&encoder)?;
            let device = tlab_models::device();
            let (model, averaged) = match average {
                Some(k) => {
                    let (model, steps) = train::load_averaged(&run, &enc, &device, k)?;
                    eprintln!("averaging the checkpoints of steps {steps:?}");
                    (model, Some(steps))
                }
                None => (train::load_run(&run, &enc, &device)?, None),
            };
            std::fs::create_dir_all(&out)?;
            let bytes = export::safetensors_bytes(&model, store)?;
            let write = |name: &str, data: &[u8]| {
                std::fs::write(out.join(name), data)
                    .with_context(|| format!("cannot write {}", out.join(name).display()))
            };
            write("model.safetensors", &bytes)?;
            let mut config = enc.config_json.clone();
            config["architectures"] = serde_json::json!(["BertForMaskedLM"]);
            write("config.json", &serde_json::to_vec_pretty(&config)?)?;
            write("tokenizer.json", &enc.tokenizer_json)?;
            if let Some(tc) = &enc.tokenizer_config {
                write("tokenizer_config.json", tc)?;
            }
            let state = train::read_state(&run)?;
            // Every run that made these weights, when the encoder is an earlier export.
            let mut runs = train::runs_before(&encoder)?;
            let mut this = serde_json::json!({
                "name": run.display().to_string(),
                "run": train::read_config(&run)?,
                "state": state,
            });
            if let Some(steps) = averaged {
                this["averaged_steps"] = serde_json::json!(steps);
            }
            runs.push(this);
            let mut record = serde_json::json!({ "runs": runs });
            if let Some(path) = &cloze_path {
                let mut score = serde_json::to_value(score_cloze(&out, path)?.score)?;
                score["file"] = serde_json::json!(path.display().to_string());
                record["held_out_cloze"] = score;
            }
            write("training.json", &serde_json::to_vec_pretty(&record)?)?;
            // The answer the committed weights must keep giving (checked by a test).
            let fm = tlab_tasks::fill_mask::FillMask::from_dir(&out)?;
            let sentences = match &golden {
                Some(path) => train::read_lines(path)?,
                None => GOLDEN_SENTENCES.iter().map(|s| s.to_string()).collect(),
            };
            let golden: Vec<serde_json::Value> = sentences
                .iter()
                .map(|text| {
                    let r = fm.fill(text, 5)?;
                    let c = &r.masks[0].candidates;
                    let top: Vec<&str> = c.iter().map(|c| c.token.as_str()).collect();
                    let probs: Vec<f32> = c.iter().map(|c| c.prob).collect();
                    Ok(serde_json::json!({
                        "text": text, "top5": top, "probs": probs, "filled": r.filled
                    }))
                })
                .collect::<anyhow::Result<_>>()?;
            write("golden.json", &serde_json::to_vec_pretty(&golden)?)?;
            eprintln!(
                "wrote {} ({:.1} MB weights, step {})",
                out.display(),
                bytes.len() as f64 / 1e6,
                state.step
            );
            Ok(())
        }
        Command::Init {
            vocab,
            charsmap,
            out,
            hidden_size,
            num_hidden_layers,
            num_attention_heads,
            intermediate_size,
            max_position_embeddings,
            seed,
        } => {
            let vocab_txt = std::fs::read(&vocab)
                .with_context(|| format!("cannot read {}", vocab.display()))?;
            let charsmap = std::fs::read(&charsmap)
                .with_context(|| format!("cannot read {}", charsmap.display()))?;
            let tokenizer = tlab_train::scratch::char_tokenizer(&vocab_txt, &charsmap)?;
            let config = serde_json::json!({
                "architectures": ["BertForMaskedLM"],
                "model_type": "bert",
                "vocab_size": tokenizer.get_vocab_size(true),
                "hidden_size": hidden_size,
                "num_hidden_layers": num_hidden_layers,
                "num_attention_heads": num_attention_heads,
                "intermediate_size": intermediate_size,
                "hidden_act": "gelu",
                "hidden_dropout_prob": 0.1,
                "attention_probs_dropout_prob": 0.1,
                "max_position_embeddings": max_position_embeddings,
                "type_vocab_size": 2,
                "initializer_range": 0.02,
                "layer_norm_eps": 1e-12,
                "pad_token_id": tokenizer.token_to_id("[PAD]"),
                "position_embedding_type": "absolute",
            });
            let config_bytes = serde_json::to_vec_pretty(&config)?;
            let bert = tlab_models::bert::BertConfig::from_json(&config_bytes)?;
            std::fs::create_dir_all(&out)?;
            let write = |name: &str, data: &[u8]| {
                std::fs::write(out.join(name), data)
                    .with_context(|| format!("cannot write {}", out.join(name).display()))
            };
            write("config.json", &config_bytes)?;
            write(
                "tokenizer.json",
                tokenizer
                    .to_string(true)
                    .map_err(anyhow::Error::msg)?
                    .as_bytes(),
            )?;
            let tokenizer_config = serde_json::json!({
                "tokenizer_class": "BertTokenizer",
                "do_lower_case": true,
                "tokenize_chinese_chars": true,
                "model_max_length": max_position_embeddings,
                "unk_token": "[UNK]", "sep_token": "[SEP]", "pad_token": "[PAD]",
                "cls_token": "[CLS]", "mask_token": "[MASK]",
            });
            write(
                "tokenizer_config.json",
                &serde_json::to_vec_pretty(&tokenizer_config)?,
            )?;
            write(
                "model.safetensors",
                &tlab_train::scratch::random_encoder(&bert, seed)?,
            )?;
            eprintln!(
                "wrote {} (vocabulary {}, {} layers × {})",
                out.display(),
                bert.vocab_size,
                num_hidden_layers,
                hidden_size
            );
            Ok(())
        }
        Command::GptInit {
            tokenizer_from,
            out,
            n_embd,
            n_layer,
            n_head,
            n_positions,
            seed,
        } => {
            let tokenizer_json = std::fs::read(tokenizer_from.join("tokenizer.json"))
                .with_context(|| {
                    format!("cannot read {}/tokenizer.json", tokenizer_from.display())
                })?;
            let tokenizer = tlab_tasks::tokenizer::load(&tokenizer_json)?;
            let sp = gpt::GptSpecials::from_tokenizer(&tokenizer)?;
            let config = gpt::config_json(&tokenizer, sp, n_embd, n_layer, n_head, n_positions);
            let config_bytes = serde_json::to_vec_pretty(&config)?;
            let parsed = tlab_models::gpt2::Gpt2Config::from_json(&config_bytes)?;
            std::fs::create_dir_all(&out)?;
            let write = |name: &str, data: &[u8]| {
                std::fs::write(out.join(name), data)
                    .with_context(|| format!("cannot write {}", out.join(name).display()))
            };
            write("config.json", &config_bytes)?;
            write("tokenizer.json", &tokenizer_json)?;
            if let Ok(tc) = std::fs::read(tokenizer_from.join("tokenizer_config.json")) {
                write("tokenizer_config.json", &tc)?;
            }
            write("model.safetensors", &gpt::random_gpt(&parsed, seed)?)?;
            eprintln!(
                "wrote {} (vocabulary {}, {n_layer} layers × {n_embd})",
                out.display(),
                parsed.vocab_size
            );
            Ok(())
        }
        Command::Gpt {
            model,
            poems,
            run,
            schedule,
            batch,
            seq_len,
            held_out_windows,
            cadence,
        } => {
            let start = GptStart::from_dir(&model)?;
            let t0 = std::time::Instant::now();
            let train_stream = gpt::token_stream(
                &start.tokenizer,
                &gpt::read_poems(&poems, "train")?,
                start.specials,
            )?;
            let held_out = gpt::token_stream(
                &start.tokenizer,
                &gpt::read_poems(&poems, "test")?,
                start.specials,
            )?;
            eprintln!(
                "corpus: {:.2}M training tokens, {:.2}M held-out (tokenized in {:.1} s)",
                train_stream.len() as f64 / 1e6,
                held_out.len() as f64 / 1e6,
                t0.elapsed().as_secs_f64()
            );
            let config = gpt::GptRunConfig {
                schedule,
                batch,
                seq_len,
            };
            let state = gpt::train(
                &run,
                &config,
                &gpt::GptInputs {
                    config: &start.config,
                    weights: &start.weights,
                    train: &train_stream,
                    held_out: &held_out,
                    held_out_windows,
                    cadence: &cadence,
                },
            )?;
            eprintln!(
                "stopped at step {} of {}",
                state.step, config.schedule.steps
            );
            Ok(())
        }
        Command::GptEval {
            model,
            poems,
            prompts,
            max_new_tokens,
            show,
            json,
        } => {
            use tlab_tasks::generate::{GenerateOptions, Generator, Strategy};
            let generator = Generator::from_dir(&model)?;
            let held_out = gpt::read_poems(&poems, "test")?;
            let settings = [
                ("greedy", Strategy::Greedy, 1.0),
                ("greedy, repetition penalty 1.2", Strategy::Greedy, 1.2),
                (
                    "sampled (temperature 0.8, top-k 40, seed 1)",
                    Strategy::Sample(
                        tlab_models::decoding::SampleOptions {
                            temperature: 0.8,
                            top_k: 40,
                            top_p: 1.0,
                        },
                        1,
                    ),
                    1.0,
                ),
            ];
            let mut results = Vec::new();
            for (name, strategy, repetition_penalty) in settings {
                let options = GenerateOptions {
                    max_new_tokens,
                    strategy,
                    repetition_penalty,
                    top_shown: 0,
                    ..GenerateOptions::default()
                };
                let (score, samples) = gpt::shape_score(&generator, &held_out, prompts, &options)?;
                if !json {
                    println!(
                        "{name}: {} prompts, {} generated lines, {:.1} % as long as the prompt's \
                         line; every line kept in {:.1} % of poems",
                        score.prompts,
                        score.lines,
                        100.0 * score.line_rate(),
                        100.0 * score.poem_rate()
                    );
                    for (prompt, text) in samples.iter().take(show) {
                        println!("  {prompt}｜{text}");
                    }
                }
                results.push(serde_json::json!({
                    "decoding": name, "prompts": score.prompts, "lines": score.lines,
                    "same_length_lines": score.line_rate(), "poems_all_same": score.poem_rate(),
                }));
            }
            if json {
                println!("{}", serde_json::to_string_pretty(&results)?);
            }
            Ok(())
        }
        Command::GptExport {
            model,
            run,
            out,
            store,
            poems,
        } => {
            let start = GptStart::from_dir(&model)?;
            let device = tlab_models::device();
            let trained = gpt::load_run(&run, &start.config, &start.weights, &device)?;
            let bytes = gpt::safetensors_bytes(&trained, store)?;
            let run_config: gpt::GptRunConfig =
                serde_json::from_slice(&std::fs::read(run.join("run.json"))?)?;
            let state: gpt::GptRunState =
                serde_json::from_slice(&std::fs::read(run.join("state.json"))?)?;
            let held_out = match &poems {
                Some(path) => {
                    let stream = gpt::token_stream(
                        &start.tokenizer,
                        &gpt::read_poems(path, "test")?,
                        start.specials,
                    )?;
                    let loss = gpt::held_out_loss(
                        &trained,
                        &stream,
                        run_config.seq_len,
                        usize::MAX,
                        &device,
                    )?;
                    eprintln!(
                        "whole held-out split: {} tokens, loss {loss:.4}, perplexity {:.2}",
                        stream.len(),
                        loss.exp()
                    );
                    serde_json::json!({"tokens": stream.len(), "loss": loss, "perplexity": loss.exp()})
                }
                None => serde_json::Value::Null,
            };
            std::fs::create_dir_all(&out)?;
            let write = |name: &str, data: &[u8]| {
                std::fs::write(out.join(name), data)
                    .with_context(|| format!("cannot write {}", out.join(name).display()))
            };
            write("model.safetensors", &bytes)?;
            write("config.json", &std::fs::read(model.join("config.json"))?)?;
            write(
                "tokenizer.json",
                &std::fs::read(model.join("tokenizer.json"))?,
            )?;
            if let Ok(tc) = std::fs::read(model.join("tokenizer_config.json")) {
                write("tokenizer_config.json", &tc)?;
            }
            write(
                "training.json",
                &serde_json::to_vec_pretty(
                    &serde_json::json!({"run": run_config, "state": state, "held_out": held_out}),
                )?,
            )?;
            // The continuations the committed weights must keep giving (checked by a test).
            let generator = tlab_tasks::generate::Generator::from_dir(&out)?;
            let options = tlab_tasks::generate::GenerateOptions {
                max_new_tokens: GOLDEN_NEW_TOKENS,
                top_shown: 0,
                ..Default::default()
            };
            let golden = GOLDEN_PROMPTS_ZH
                .iter()
                .map(|prompt| {
                    let g = generator.generate(prompt, &options)?;
                    Ok(
                        serde_json::json!({"prompt": prompt, "max_new_tokens": GOLDEN_NEW_TOKENS,
                        "ids": g.ids, "text": g.text}),
                    )
                })
                .collect::<anyhow::Result<Vec<_>>>()?;
            write("golden.json", &serde_json::to_vec_pretty(&golden)?)?;
            eprintln!("wrote {}", out.display());
            Ok(())
        }
    }
}

/// A GPT directory as the trainer reads it.
struct GptStart {
    config: tlab_models::gpt2::Gpt2Config,
    tokenizer: tokenizers::Tokenizer,
    specials: gpt::GptSpecials,
    weights: Vec<u8>,
}

impl GptStart {
    fn from_dir(dir: &std::path::Path) -> anyhow::Result<Self> {
        let read = |name: &str| {
            std::fs::read(dir.join(name))
                .with_context(|| format!("cannot read {}", dir.join(name).display()))
        };
        let tokenizer = tlab_tasks::tokenizer::load(&read("tokenizer.json")?)?;
        Ok(Self {
            config: tlab_models::gpt2::Gpt2Config::from_json(&read("config.json")?)?,
            specials: gpt::GptSpecials::from_tokenizer(&tokenizer)?,
            tokenizer,
            weights: read("model.safetensors")?,
        })
    }
}
