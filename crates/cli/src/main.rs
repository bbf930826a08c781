//! `tlab`: the project's models from the command line (same code as the page).
//!
//! `tlab fill-mask [--model DIR] [--top-k K] [--json] TEXT`
//! `tlab translate [--model DIR | --direction en-pt|pt-en] [--beam N] [--alpha A] [--json] TEXT`
//! `tlab teacher-force [--model DIR | --direction D] --reference REF [--json] TEXT`
//! `tlab convert-marian --model model.bin --tokenizer tokenizer.json [--shortlist lex.bin] --out DIR`
//! `tlab convert-bert --checkpoint pytorch_model.bin --config config.json --vocab vocab.txt [--heads H.json] [--one-token-per-char] [--lowercase] --out DIR`
//!
//! Without `--model`, the default models prepared by `tools/setup.sh` are used, from
//! `$TLAB_MODELS` or else the checkout's `models/` folder; `--model NAME` also finds a
//! prepared model there by its folder name (`--model antiberty`).

mod convert_bert;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use tlab_tasks::fill_mask::FillMask;
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
        /// Print JSON: {"input_ids", "masks": [{"position", "candidates": [{"id","token","prob"}]}], "filled"},
        /// plus "classes": [{"head","label","prob","classes"}] for a model with sequence classifiers.
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
        /// Print JSON: {"translation", "tokens", "score", "nbest": [...]}.
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
        #[arg(long)]
        out: PathBuf,
    },
}

fn read(path: &std::path::Path) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

fn translator(model: Option<PathBuf>, direction: &str) -> Result<Translator, String> {
    let dir = model.unwrap_or_else(|| models_root().join(format!("translate-{direction}")));
    if !dir.join("config.json").exists() {
        return Err(format!(
            "no model at {} (run tools/setup.sh to prepare the default models, or pass --model DIR)",
            dir.display()
        ));
    }
    Translator::from_dir(&dir).map_err(|e| e.to_string())
}

fn convert_marian(
    model: &std::path::Path,
    tokenizer: &std::path::Path,
    shortlist: Option<&std::path::Path>,
    out: &std::path::Path,
) -> Result<(), String> {
    let marian = tlab_tasks::tlab_models::marian_bin::MarianModel::parse(&read(model)?)
        .map_err(|e| e.to_string())?;
    let tok_bytes = read(tokenizer)?;
    let tok: serde_json::Value =
        tlab_tasks::tlab_models::json::parse("tokenizer.json", &tok_bytes)?;
    let eos = tok["added_tokens"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|t| t["content"] == "</s>")
        .and_then(|t| t["id"].as_u64())
        .or_else(|| {
            tok["model"]["vocab"]
                .as_array()?
                .iter()
                .position(|p| p[0] == "</s>")
                .map(|i| i as u64)
        })
        .ok_or("tokenizer.json has no </s> token")?;
    let eos = u32::try_from(eos).map_err(|_| format!("tokenizer.json: </s> has id {eos}"))?;
    let (config, weights) = marian.convert(eos).map_err(|e| e.to_string())?;
    std::fs::create_dir_all(out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    let write = |name: &str, bytes: &[u8]| {
        std::fs::write(out.join(name), bytes)
            .map_err(|e| format!("cannot write {}: {e}", out.join(name).display()))
    };
    write(
        "config.json",
        serde_json::to_string_pretty(&config)
            .map_err(|e| e.to_string())?
            .as_bytes(),
    )?;
    write("tokenizer.json", &tok_bytes)?;
    write("model.safetensors", &weights)?;
    if let Some(lex) = shortlist {
        write("shortlist.bin", &read(lex)?)?;
    }
    // Loading what was written is the check that the conversion is complete.
    Translator::from_dir(out).map_err(|e| format!("the converted model does not load: {e}"))?;
    eprintln!(
        "wrote {} ({} layers encoder, {} decoder, vocabulary {})",
        out.display(),
        config.encoder_layers,
        config.decoder_layers,
        config.vocab_size
    );
    Ok(())
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

fn run(cli: Cli) -> Result<(), String> {
    match cli.command {
        Command::FillMask {
            model,
            top_k,
            json,
            text,
        } => {
            let dir = match model {
                Some(dir) => resolve_model(dir),
                None => models_root().join("fill-mask"),
            };
            if !dir.join("config.json").exists() {
                return Err(format!(
                    "no model at {} (run tools/setup.sh to prepare the default models, or pass --model DIR)",
                    dir.display()
                ));
            }
            let fill = FillMask::from_dir(&dir).map_err(|e| e.to_string())?;
            let out = fill.fill(&text, top_k).map_err(|e| e.to_string())?;
            let classes = fill.classify(&text).map_err(|e| e.to_string())?;
            if json {
                let mut value = serde_json::json!({
                    "input_ids": out.input_ids,
                    "masks": out.masks,
                    "filled": out.filled,
                });
                if !classes.is_empty() {
                    value["classes"] = serde_json::json!(classes);
                }
                println!("{value}");
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
            let out = t.translate(&text, &opts).map_err(|e| e.to_string())?;
            if json {
                let value = serde_json::json!({
                    "translation": out.translation,
                    "tokens": out.tokens,
                    "score": out.score,
                    "nbest": out.nbest,
                });
                println!("{value}");
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
            let out = t
                .teacher_force(&text, &reference)
                .map_err(|e| e.to_string())?;
            if json {
                println!(
                    "{}",
                    serde_json::to_string(&out).map_err(|e| e.to_string())?
                );
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
            out,
        } => convert_bert::convert(&convert_bert::Options {
            checkpoint: &checkpoint,
            config: &config,
            vocab: &vocab,
            heads: heads.as_deref(),
            one_token_per_char,
            lowercase,
            out: &out,
        }),
    }
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tlab: {e}");
            ExitCode::FAILURE
        }
    }
}
