//! `tlab`: the project's models from the command line (same code as the page).
//!
//! `tlab fill-mask [--model DIR] [--top-k K] [--json] TEXT`
//!
//! Without `--model`, the default models prepared by `tools/setup.sh` are used, from
//! `$TLAB_MODELS` or else the checkout's `models/` folder.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use tlab_tasks::fill_mask::FillMask;

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
        /// A Hugging Face BertForMaskedLM directory: config.json, tokenizer.json, model.safetensors.
        #[arg(long)]
        model: Option<PathBuf>,
        /// How many candidates to show per mask (1-50).
        #[arg(long, default_value_t = 5)]
        top_k: usize,
        /// Print JSON: {"input_ids", "masks": [{"position", "candidates": [{"id","token","prob"}]}], "filled"}.
        #[arg(long)]
        json: bool,
        text: String,
    },
}

fn models_root() -> PathBuf {
    std::env::var_os("TLAB_MODELS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../models")))
}

fn run(cli: Cli) -> Result<(), String> {
    match cli.command {
        Command::FillMask {
            model,
            top_k,
            json,
            text,
        } => {
            let dir = model.unwrap_or_else(|| models_root().join("fill-mask"));
            if !dir.join("config.json").exists() {
                return Err(format!(
                    "no model at {} (run tools/setup.sh to prepare the default models, or pass --model DIR)",
                    dir.display()
                ));
            }
            let fill = FillMask::from_dir(&dir).map_err(|e| e.to_string())?;
            let out = fill.fill(&text, top_k).map_err(|e| e.to_string())?;
            if json {
                let value = serde_json::json!({
                    "input_ids": out.input_ids,
                    "masks": out.masks,
                    "filled": out.filled,
                });
                println!("{value}");
            } else {
                for (i, m) in out.masks.iter().enumerate() {
                    println!("mask {} (token {}):", i + 1, m.position);
                    for c in &m.candidates {
                        println!("  {:>6.2}%  {}", c.prob * 100.0, c.token);
                    }
                }
                println!("{}", out.filled);
            }
            Ok(())
        }
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
