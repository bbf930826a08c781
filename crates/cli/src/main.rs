//! `tlab`: the project's models from the command line (same code as the page).
//!
//! `tlab fill-mask [--model DIR] [--top-k K] [--json] TEXT`
//! `tlab translate [--model DIR | --direction en-pt|pt-en] [--beam N] [--alpha A] [--json] TEXT`
//! `tlab teacher-force [--model DIR | --direction D] --reference REF [--json] TEXT`
//! `tlab classify [--model DIR] [--pair TEXT_B] [--json] TEXT`
//! `tlab nsp [--model DIR] [--json] SENTENCE_A SENTENCE_B`
//! `tlab tag [--model DIR] [--json] TEXT`
//! `tlab qa [--model DIR] --question Q [--json] CONTEXT`
//! `tlab generate [--model DIR] [--max-new-tokens N] [--beam N | --sample --temperature T --top-k K --top-p P --seed S] [--repetition-penalty R] [--json] PROMPT`
//! `tlab convert-marian --model model.bin --tokenizer tokenizer.json [--shortlist lex.bin] --out DIR`
//! `tlab convert-bert --checkpoint pytorch_model.bin --config config.json --vocab vocab.txt [--heads H.json] [--one-token-per-char] [--lowercase] [--f16] --out DIR`
//!
//! Without `--model`, the default models prepared by `tools/setup.sh` are used, from
//! `$TLAB_MODELS` or else the checkout's `models/` folder; `--model NAME` also finds a
//! prepared model there by its folder name (`--model antiberty`).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use serde::Serialize;
use tlab_convert::{bert, marian_bin};
use tlab_tasks::classify::SentenceClassifier;
use tlab_tasks::fill_mask::{FillMask, FillMaskOutput};
use tlab_tasks::generate::{GenerateOptions, Generator, Strategy};
use tlab_tasks::heads::HeadPrediction;
use tlab_tasks::qa::QuestionAnswerer;
use tlab_tasks::tag::TokenClassifier;
use tlab_tasks::tlab_models::decoding::SampleOptions;
use tlab_tasks::translate::{TranslateOptions, Translator};

#[derive(Parser)]
#[command(
    name = "tlab",
    version,
    about = "See Transformers and BERT work: fill-mask and translation"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Predict the words behind every [MASK] in TEXT.
    FillMask {
        /// A Hugging Face BertForMaskedLM directory (config.json, tokenizer.json,
        /// model.safetensors), or the name of a prepared model under models/ (e.g. antiberty).
        #[arg(long)]
        model: Option<PathBuf>,
        /// How many candidates to show per mask (1-50).
        #[arg(long, default_value_t = 5)]
        top_k: usize,
        /// Print what the page receives as JSON: {"input_ids", "tokens", "masks": [{"position",
        /// "candidates": [{"id","token","prob"}]}], "filled"}, plus "classes":
        /// [{"head","label","prob","classes"}] for a model with sequence classifiers.
        #[arg(long)]
        json: bool,
        text: String,
    },
    /// Translate TEXT (greedy, or beam search with --beam > 1).
    Translate {
        /// A converted model directory: config.json, tokenizer.json, model.safetensors[, shortlist.bin].
        #[arg(long, conflicts_with = "direction")]
        model: Option<PathBuf>,
        /// Which default model to use (prepared by tools/setup.sh).
        #[arg(long, default_value = "en-pt", value_parser = ["en-pt", "pt-en"])]
        direction: String,
        /// Beam width (1 = greedy, up to 8).
        #[arg(long, default_value_t = 1)]
        beam: usize,
        /// Length penalty α: hypotheses are ranked by log P / length^α.
        #[arg(long, default_value_t = 1.0)]
        alpha: f32,
        /// Print what the page receives as JSON: {"translation", "tokens", "score", "nbest":
        /// [...], "source_ids", "source_tokens"}.
        #[arg(long)]
        json: bool,
        text: String,
    },
    /// Score a reference translation token by token (teacher forcing).
    TeacherForce {
        #[arg(long, conflicts_with = "direction")]
        model: Option<PathBuf>,
        #[arg(long, default_value = "en-pt", value_parser = ["en-pt", "pt-en"])]
        direction: String,
        /// The reference translation fed to the decoder.
        #[arg(long)]
        reference: String,
        #[arg(long)]
        json: bool,
        text: String,
    },
    /// Classify TEXT, or the sentence pair TEXT + --pair, with a BertForSequenceClassification model.
    Classify {
        /// A model directory (config.json with id2label, tokenizer.json, model.safetensors),
        /// or the name of a prepared model under models/.
        #[arg(long)]
        model: Option<PathBuf>,
        /// The second sentence of a pair (encoded by the tokenizer's pair template).
        #[arg(long)]
        pair: Option<String>,
        /// Print JSON: {"labels": [{"id","label","prob"}, …] (every label, most probable first), "multi_label"}.
        #[arg(long)]
        json: bool,
        text: String,
    },
    /// Next-sentence prediction: how likely SENTENCE_B follows SENTENCE_A.
    Nsp {
        /// A checkpoint with BERT's next-sentence head (cls.seq_relationship), e.g. BertForPreTraining.
        #[arg(long)]
        model: Option<PathBuf>,
        /// Print JSON: {"is_next": p}.
        #[arg(long)]
        json: bool,
        a: String,
        b: String,
    },
    /// Tag every word of TEXT with a BertForTokenClassification model (default: the
    /// part-of-speech tagger trained here).
    Tag {
        /// A model directory (config.json with id2label; tokenizer.json or vocab.txt;
        /// model.safetensors or pytorch_model.bin), or a prepared model's name.
        #[arg(long)]
        model: Option<PathBuf>,
        /// Print JSON: {"words": [{"word","start","end","label","prob"}, …]} (character offsets).
        #[arg(long)]
        json: bool,
        text: String,
    },
    /// Extractive question answering with a BertForQuestionAnswering model: the span of
    /// CONTEXT that answers --question.
    Qa {
        #[arg(long)]
        model: Option<PathBuf>,
        #[arg(long)]
        question: String,
        /// Print JSON: {"answer","start","end","score"} (character offsets into CONTEXT).
        #[arg(long)]
        json: bool,
        context: String,
    },
    /// Continue PROMPT with a GPT-2 (default: the poetry GPT trained here): greedy, beam
    /// search (--beam N) or sampling (--sample).
    Generate {
        /// A GPT2LMHeadModel directory (config.json; tokenizer.json, vocab.json + merges.txt or
        /// vocab.txt; model.safetensors or pytorch_model.bin), or a prepared model's name.
        #[arg(long)]
        model: Option<PathBuf>,
        /// The most tokens to generate; generation also stops at the config's eos_token_id.
        #[arg(long, default_value_t = 40)]
        max_new_tokens: usize,
        /// Beam width (1 = greedy, up to 16).
        #[arg(long, default_value_t = 1, conflicts_with = "sample")]
        beam: usize,
        /// Length penalty α for beam search: hypotheses are ranked by log P / length^α.
        #[arg(long, default_value_t = 1.0)]
        alpha: f32,
        /// Draw each token from the model's distribution instead of taking the best.
        #[arg(long)]
        sample: bool,
        #[arg(long, default_value_t = 1.0, requires = "sample")]
        temperature: f32,
        /// Sample among the K most probable tokens only (0 = all).
        #[arg(long, default_value_t = 0, requires = "sample")]
        top_k: usize,
        /// Sample among the most probable tokens that together reach probability P.
        #[arg(long, default_value_t = 1.0, requires = "sample")]
        top_p: f32,
        #[arg(long, default_value_t = 0, requires = "sample")]
        seed: u64,
        /// Hugging Face's repetition penalty (1 = none; 1.2 discourages repeating tokens).
        #[arg(long, default_value_t = 1.0)]
        repetition_penalty: f32,
        /// Print JSON: {"text","ids","tokens","steps":[{"id","token","prob","top":[{"id","token","prob"}, …]}, …], …}
        /// (ids/tokens: the continuation only; steps[i].top: the most probable next tokens
        /// before step i's choice, most probable first).
        #[arg(long)]
        json: bool,
        prompt: String,
    },
    /// Convert a Marian/Bergamot .bin model into a model directory `translate` reads.
    ConvertMarian {
        /// The Marian binary model (e.g. model.enpt.intgemm.alphas.bin).
        #[arg(long)]
        model: PathBuf,
        /// The model's tokenizer.json (its </s> is the end-of-sentence token).
        #[arg(long)]
        tokenizer: PathBuf,
        /// The lexical shortlist (lex.*.s2t.bin), if the model has one.
        #[arg(long)]
        shortlist: Option<PathBuf>,
        #[arg(long)]
        out: PathBuf,
    },
    /// Convert a PyTorch BERT checkpoint (pytorch_model.bin) into a model directory `fill-mask` reads.
    ConvertBert {
        /// The PyTorch checkpoint (torch.save of the state dict).
        #[arg(long)]
        checkpoint: PathBuf,
        /// Its Hugging Face config.json (copied, with "classifier_heads" added from --heads).
        #[arg(long)]
        config: PathBuf,
        /// Its WordPiece vocab.txt, one token per line (becomes tokenizer.json).
        #[arg(long)]
        vocab: PathBuf,
        /// JSON with a "classifier_heads" list naming the checkpoint's sequence heads and their labels.
        #[arg(long)]
        heads: Option<PathBuf>,
        /// Make every character its own token (protein sequences: one token per residue).
        #[arg(long)]
        one_token_per_char: bool,
        /// Lowercase the text first (BertTokenizer's do_lower_case=True, e.g. bert-base-uncased).
        #[arg(long)]
        lowercase: bool,
        /// Store the float weights as f16 (half the size; values beyond ±65504 are an error).
        #[arg(long)]
        f16: bool,
        #[arg(long)]
        out: PathBuf,
    },
}

fn read(path: &Path) -> anyhow::Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))
}

/// Writes `files` into `out` (created if need be).
fn write_dir(out: &Path, files: &[(&str, &[u8])]) -> anyhow::Result<()> {
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    for (name, bytes) in files {
        let path = out.join(name);
        std::fs::write(&path, bytes).with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(())
}

fn no_model(dir: &Path) -> anyhow::Error {
    anyhow::anyhow!(
        "no model at {} (run tools/setup.sh to prepare the default models, or pass --model DIR)",
        dir.display()
    )
}

fn translator(model: Option<PathBuf>, direction: &str) -> anyhow::Result<Translator> {
    let dir = model.unwrap_or_else(|| models_root().join(format!("translate-{direction}")));
    if !dir.join("config.json").exists() {
        return Err(no_model(&dir));
    }
    Ok(Translator::from_dir(&dir)?)
}

fn convert_marian(
    model: &Path,
    tokenizer: &Path,
    shortlist: Option<&Path>,
    out: &Path,
) -> anyhow::Result<()> {
    let marian = marian_bin::MarianModel::parse(&read(model)?)?;
    let tok_bytes = read(tokenizer)?;
    let eos = marian_bin::end_of_sentence_id(&tok_bytes)?;
    let (config, weights) = marian.convert(eos)?;
    let config_json = serde_json::to_string_pretty(&config)?;
    let shortlist = shortlist.map(read).transpose()?;
    let mut files = vec![
        ("config.json", config_json.as_bytes()),
        ("tokenizer.json", &tok_bytes[..]),
        ("model.safetensors", &weights[..]),
    ];
    if let Some(lex) = &shortlist {
        files.push(("shortlist.bin", lex));
    }
    write_dir(out, &files)?;
    // Loading what was written is the check that the conversion is complete.
    Translator::from_dir(out).context("the converted model does not load")?;
    eprintln!(
        "wrote {} ({} layers encoder, {} decoder, vocabulary {})",
        out.display(),
        config.encoder_layers,
        config.decoder_layers,
        config.vocab_size
    );
    Ok(())
}

fn convert_bert(checkpoint: &Path, o: &bert::Options, out: &Path) -> anyhow::Result<()> {
    let c = bert::convert(o)?;
    write_dir(
        out,
        &[
            ("config.json", c.config_json.as_bytes()),
            ("tokenizer.json", c.tokenizer_json.as_bytes()),
            ("model.safetensors", &c.weights),
        ],
    )?;
    // Loading what was written is the check that the conversion is complete.
    let info = FillMask::from_dir(out)
        .context("the converted model does not load")?
        .info();
    eprintln!(
        "wrote {} from {} ({} layers, hidden {}, vocabulary {}, {:.1} M parameters, {:.1} MB; {}{})",
        out.display(),
        checkpoint.display(),
        info.layers,
        info.hidden,
        info.vocab,
        info.parameters as f64 / 1e6,
        c.weights.len() as f64 / 1e6,
        c.summary,
        if info.classifiers.is_empty() {
            String::new()
        } else {
            format!("; classifiers: {}", info.classifiers.join(", "))
        }
    );
    Ok(())
}

/// `fill-mask --json`: the page's fill result, with the page's classifier results beside it.
#[derive(Serialize)]
struct FillMaskJson<'a> {
    #[serde(flatten)]
    fill: &'a FillMaskOutput,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    classes: &'a [HeadPrediction],
}

fn models_root() -> PathBuf {
    std::env::var_os("TLAB_MODELS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../models")))
}

/// `--model antiberty` means `models/antiberty` when no such folder exists here.
fn resolve_model(dir: PathBuf) -> PathBuf {
    if dir.join("config.json").exists() || dir.components().count() != 1 {
        return dir;
    }
    let prepared = models_root().join(&dir);
    if prepared.join("config.json").exists() {
        prepared
    } else {
        dir
    }
}

/// The model directory a command names, or its prepared default under models/.
fn model_dir(model: Option<PathBuf>, default: &str) -> anyhow::Result<PathBuf> {
    let dir = match model {
        Some(dir) => resolve_model(dir),
        None => models_root().join(default),
    };
    if dir.join("config.json").exists() {
        Ok(dir)
    } else {
        Err(no_model(&dir))
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Generate {
            model,
            max_new_tokens,
            beam,
            alpha,
            sample,
            temperature,
            top_k,
            top_p,
            seed,
            repetition_penalty,
            json,
            prompt,
        } => {
            let generator = Generator::from_dir(&model_dir(model, "gpt-poetry")?)?;
            let strategy = if sample {
                Strategy::Sample(
                    SampleOptions {
                        temperature,
                        top_k,
                        top_p,
                    },
                    seed,
                )
            } else if beam > 1 {
                Strategy::Beam {
                    width: beam,
                    length_penalty: alpha,
                }
            } else {
                Strategy::Greedy
            };
            let out = generator.generate(
                &prompt,
                &GenerateOptions {
                    max_new_tokens,
                    strategy,
                    repetition_penalty,
                    ..GenerateOptions::default()
                },
            )?;
            if json {
                println!("{}", serde_json::to_string(&out)?);
            } else {
                println!("{prompt}{}", out.text);
                for (rank, s) in out.nbest.iter().enumerate().skip(1) {
                    eprintln!("  #{}: {} (score {:.3})", rank + 1, s.text, s.score);
                }
            }
            Ok(())
        }
        Command::FillMask {
            model,
            top_k,
            json,
            text,
        } => {
            let fill = FillMask::from_dir(&model_dir(model, "fill-mask")?)?;
            let out = fill.fill(&text, top_k)?;
            let classes = fill.classify(&text)?;
            if json {
                let value = FillMaskJson {
                    fill: &out,
                    classes: &classes,
                };
                println!("{}", serde_json::to_string(&value)?);
            } else {
                for (i, m) in out.masks.iter().enumerate() {
                    println!("mask {} (token {}):", i + 1, m.position);
                    for c in &m.candidates {
                        println!("  {:>6.2}%  {}", c.prob * 100.0, c.token);
                    }
                }
                println!("{}", out.filled);
                for c in &classes {
                    println!("{}: {} ({:.1}%)", c.head, c.label, c.prob * 100.0);
                }
            }
            Ok(())
        }
        Command::Translate {
            model,
            direction,
            beam,
            alpha,
            json,
            text,
        } => {
            let t = translator(model, &direction)?;
            let opts = TranslateOptions {
                beam,
                alpha,
                ..TranslateOptions::default()
            };
            let out = t.translate(&text, &opts)?;
            if json {
                println!("{}", serde_json::to_string(&out)?);
            } else {
                println!("{}", out.translation);
                if out.nbest.len() > 1 {
                    for c in &out.nbest {
                        println!("  {:>8.4}  {}", c.score, c.translation);
                    }
                }
            }
            Ok(())
        }
        Command::TeacherForce {
            model,
            direction,
            reference,
            json,
            text,
        } => {
            let t = translator(model, &direction)?;
            let out = t.teacher_force(&text, &reference)?;
            if json {
                println!("{}", serde_json::to_string(&out)?);
            } else {
                for p in &out.positions {
                    println!(
                        "{:>8.4}  {:<16} model's guess: {} ({:.1}%)",
                        p.prob,
                        p.token,
                        p.top_token,
                        p.top_prob * 100.0
                    );
                }
                println!("log-likelihood {:.4}", out.log_likelihood);
            }
            Ok(())
        }
        Command::Classify {
            model,
            pair,
            json,
            text,
        } => {
            let c = SentenceClassifier::from_dir(&model_dir(model, "classify")?)?;
            let out = c.classify(&text, pair.as_deref())?;
            if json {
                println!("{}", serde_json::to_string(&out)?);
            } else {
                for l in &out.labels {
                    println!("{:>6.2}%  {}", l.prob * 100.0, l.label);
                }
            }
            Ok(())
        }
        Command::Nsp { model, json, a, b } => {
            let c = SentenceClassifier::from_dir(&model_dir(model, "nsp-en")?)?;
            let out = c.next_sentence(&a, &b)?;
            if json {
                println!("{}", serde_json::to_string(&out)?);
            } else {
                println!("P(B follows A) = {:.4}", out.is_next);
            }
            Ok(())
        }
        Command::Tag { model, json, text } => {
            let t = TokenClassifier::from_dir(&model_dir(model, "pos-en")?)?;
            let out = t.tag(&text)?;
            if json {
                println!("{}", serde_json::to_string(&out)?);
            } else {
                for w in &out.words {
                    println!("{:<20} {:<8} {:>6.2}%", w.word, w.label, w.prob * 100.0);
                }
            }
            Ok(())
        }
        Command::Qa {
            model,
            question,
            json,
            context,
        } => {
            let q = QuestionAnswerer::from_dir(&model_dir(model, "qa")?)?;
            let out = q.answer(&question, &context, q.default_options())?.answer;
            if json {
                println!("{}", serde_json::to_string(&out)?);
            } else {
                println!(
                    "{}  (characters {}..{}, score {:.4})",
                    out.answer, out.start, out.end, out.score
                );
            }
            Ok(())
        }
        Command::ConvertMarian {
            model,
            tokenizer,
            shortlist,
            out,
        } => convert_marian(&model, &tokenizer, shortlist.as_deref(), &out),
        Command::ConvertBert {
            checkpoint,
            config,
            vocab,
            heads,
            one_token_per_char,
            lowercase,
            f16,
            out,
        } => {
            let heads = heads.as_deref().map(read).transpose()?;
            let options = bert::Options {
                checkpoint: &checkpoint,
                config: &read(&config)?,
                vocab: &read(&vocab)?,
                heads: heads.as_deref(),
                one_token_per_char,
                lowercase,
                f16,
            };
            convert_bert(&checkpoint, &options, &out)
        }
    }
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // The whole chain, outermost first: "the converted model does not load: …".
            eprintln!("tlab: {e:#}");
            ExitCode::FAILURE
        }
    }
}
