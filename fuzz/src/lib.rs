#![forbid(unsafe_code)]
//! Shared by the fuzz targets: the committed fixtures (compiled in, so a target runs from
//! any directory) and the calls made on a model once it has loaded.

use std::sync::OnceLock;

use tlab_tasks::TaskError;
use tlab_tasks::fill_mask::FillMask;
use tlab_tasks::translate::{TranslateOptions, Translator};

/// `TLAB_FUZZ_DEBUG=1`: print what each step returned (for triage when replaying one input).
pub fn debug() -> bool {
    static ON: OnceLock<bool> = OnceLock::new();
    *ON.get_or_init(|| std::env::var_os("TLAB_FUZZ_DEBUG").is_some())
}

/// The value, or `None` after printing the error when debugging.
pub fn ok<T, E: std::fmt::Display>(what: &str, r: Result<T, E>) -> Option<T> {
    match r {
        Ok(v) => {
            if debug() {
                eprintln!("[fuzz] {what}: ok");
            }
            Some(v)
        }
        Err(e) => {
            if debug() {
                eprintln!("[fuzz] {what}: error: {e}");
            }
            None
        }
    }
}

fn show<T: std::fmt::Debug>(what: &str, r: Result<T, TaskError>) {
    match r {
        Ok(v) if debug() => eprintln!("[fuzz] {what}: {v:?}"),
        Err(e) if debug() => eprintln!("[fuzz] {what}: error: {e}"),
        _ => {}
    }
}

macro_rules! fixture {
    ($dir:literal, $file:literal) => {
        include_bytes!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../fixtures/",
            $dir,
            "/",
            $file
        ))
    };
}

pub const BERT_CONFIG: &[u8] = fixture!("bert-gelu", "config.json");
pub const BERT_TOKENIZER: &[u8] = fixture!("bert-gelu", "tokenizer.json");
pub const BERT_WEIGHTS: &[u8] = fixture!("bert-gelu", "model.safetensors");

pub const MARIAN_CONFIG: &[u8] = fixture!("marian-relu", "config.json");
pub const MARIAN_TOKENIZER: &[u8] = fixture!("marian-relu", "tokenizer.json");
pub const MARIAN_WEIGHTS: &[u8] = fixture!("marian-relu", "model.safetensors");
/// `vocab_size` of fixtures/marian-relu/config.json.
pub const MARIAN_VOCAB: usize = 156;

/// The small BERT fixture (f16, hidden 32, 37 kB of weights).
pub const BERT_SMALL_CONFIG: &[u8] = fixture!("bert-gelu-new-f16", "config.json");
pub const BERT_SMALL_TOKENIZER: &[u8] = fixture!("bert-gelu-new-f16", "tokenizer.json");

/// The config of `marian-tiny*.safetensors`, which fuzz/seeds/make_seeds.py writes (d_model
/// 8, one layer each side, the 156-token marian-relu tokenizer): a 10-16 kB seed for the
/// `safetensors` target instead of the 0.5-0.9 MB fixtures.
pub const MARIAN_TINY_CONFIG: &[u8] = br#"{"vocab_size": 156, "d_model": 8,
  "encoder_layers": 1, "decoder_layers": 1, "encoder_attention_heads": 2,
  "decoder_attention_heads": 2, "encoder_ffn_dim": 16, "decoder_ffn_dim": 16,
  "activation_function": "relu", "max_position_embeddings": 64, "pad_token_id": 2,
  "eos_token_id": 0, "decoder_start_token_id": 2}"#;

/// One fill-mask call, as the page makes it. Errors are fine; panics are findings.
pub fn exercise_fill_mask(model: &FillMask) {
    show("fill", model.fill("the [MASK] is", 5).map(|o| o.filled));
}

/// Greedy with a short cap, so that one input costs milliseconds.
pub fn greedy() -> TranslateOptions {
    TranslateOptions {
        beam: 1,
        max_new_tokens: Some(6),
        ..TranslateOptions::default()
    }
}

/// Beam 3 with a trace, the page's beam-tree view.
pub fn beam3() -> TranslateOptions {
    TranslateOptions {
        beam: 3,
        max_new_tokens: Some(6),
        trace_top_k: 3,
        ..TranslateOptions::default()
    }
}

pub fn exercise_translator(model: &Translator, beam: bool) {
    show(
        "translate greedy",
        model
            .translate("the house is small", &greedy())
            .map(|o| o.translation),
    );
    if beam {
        show(
            "translate beam 3",
            model
                .translate("the house is small", &beam3())
                .map(|o| o.translation),
        );
    }
}

/// A JSON-aware mutation for the `config` and `tokenizer` targets, used for half of the
/// mutations (the other half is libFuzzer's own, byte-level, which also finds the syntax
/// errors): parse the input, pick one value anywhere in it and replace it with an extreme
/// one (0, -1, 2³²-1, 2⁶⁴-1, 1e300, null, a string, an empty array …), delete it, or add
/// one of `fields` with such a value to an object; then write it back. Byte mutations rarely
/// keep JSON valid, so without this a number deep inside a config is seldom varied.
pub fn json_mutate(
    data: &mut [u8],
    size: usize,
    max_size: usize,
    seed: u32,
    fields: &[&str],
) -> usize {
    let mut rng = u64::from(seed).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut next = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    let parsed = serde_json::from_slice::<serde_json::Value>(&data[..size]);
    let Ok(mut value) = parsed else {
        return libfuzzer_sys::fuzzer_mutate(data, size, max_size);
    };
    if next() % 2 == 0 {
        return libfuzzer_sys::fuzzer_mutate(data, size, max_size);
    }
    // Count the nodes, pick one by its index in a depth-first walk.
    fn count(v: &serde_json::Value) -> usize {
        1 + match v {
            serde_json::Value::Array(a) => a.iter().map(count).sum(),
            serde_json::Value::Object(o) => o.values().map(count).sum(),
            _ => 0,
        }
    }
    /// Calls `f` on the `n`-th node of a depth-first walk.
    fn visit(
        v: &mut serde_json::Value,
        n: &mut usize,
        f: &mut dyn FnMut(&mut serde_json::Value),
    ) -> bool {
        if *n == 0 {
            f(v);
            return true;
        }
        *n -= 1;
        match v {
            serde_json::Value::Array(a) => a.iter_mut().any(|c| visit(c, n, f)),
            serde_json::Value::Object(o) => o.values_mut().any(|c| visit(c, n, f)),
            _ => false,
        }
    }
    let extreme = |r: u64, old: &serde_json::Value| -> serde_json::Value {
        use serde_json::json;
        let old_n = old.as_i64().unwrap_or(1);
        match r % 24 {
            0 => json!(0),
            1 => json!(-1),
            2 => json!(1),
            3 => json!(2),
            4 => json!(u32::MAX),
            5 => json!(u64::from(u32::MAX) + 1),
            6 => json!(u64::MAX),
            7 => json!(i64::MAX),
            8 => json!(i64::MIN),
            9 => json!(1e300),
            10 => json!(-1e300),
            11 => json!(5e-324),
            12 => json!(-0.0),
            13 => json!(0.5),
            14 => serde_json::Value::Null,
            15 => json!(true),
            16 => json!("NaN"),
            17 => json!(""),
            18 => json!([]),
            19 => json!({}),
            20 => json!(old_n.wrapping_add(1)),
            21 => json!(old_n.wrapping_sub(1)),
            22 => json!(old_n.wrapping_mul(1 << 20)),
            _ => json!(old_n.wrapping_neg()),
        }
    };
    let (op, r1, r2) = (next() % 4, next(), next());
    if op == 0 && !fields.is_empty() {
        // Add (or overwrite) a known field of the top-level object.
        if let serde_json::Value::Object(o) = &mut value {
            let field = fields[(r1 as usize) % fields.len()];
            let v = extreme(r2, o.get(field).unwrap_or(&serde_json::Value::Null));
            o.insert(field.to_string(), v);
        }
    } else {
        let mut n = (next() as usize) % count(&value);
        visit(&mut value, &mut n, &mut |target| match target {
            serde_json::Value::Object(o) if op == 1 && !o.is_empty() => {
                let key = o
                    .keys()
                    .nth((r1 as usize) % o.len())
                    .cloned()
                    .unwrap_or_default();
                o.remove(&key);
            }
            serde_json::Value::Array(a) if op == 1 && !a.is_empty() => {
                a.remove((r1 as usize) % a.len());
            }
            _ => *target = extreme(r2, target),
        });
    }
    let out = if next() % 2 == 0 {
        serde_json::to_vec(&value)
    } else {
        serde_json::to_vec_pretty(&value)
    };
    match out {
        Ok(out) if out.len() <= max_size => {
            data[..out.len()].copy_from_slice(&out);
            out.len()
        }
        _ => libfuzzer_sys::fuzzer_mutate(data, size, max_size),
    }
}

/// Field names of BERT's and Marian's config.json (what `json_mutate` adds).
pub const CONFIG_FIELDS: &[&str] = &[
    "vocab_size",
    "hidden_size",
    "num_hidden_layers",
    "num_attention_heads",
    "intermediate_size",
    "hidden_act",
    "layer_norm_eps",
    "max_position_embeddings",
    "type_vocab_size",
    "position_embedding_type",
    "classifier_heads",
    "d_model",
    "encoder_layers",
    "decoder_layers",
    "encoder_attention_heads",
    "decoder_attention_heads",
    "encoder_ffn_dim",
    "decoder_ffn_dim",
    "activation_function",
    "scale_embedding",
    "pad_token_id",
    "eos_token_id",
    "decoder_start_token_id",
    "decoder_self_attention",
    "position_timescales",
];

/// Field names that occur in tokenizer.json.
pub const TOKENIZER_FIELDS: &[&str] = &[
    "id",
    "type_id",
    "ids",
    "unk_id",
    "max_input_chars_per_word",
    "unk_token",
    "continuing_subword_prefix",
    "prefix",
    "cleanup",
    "replacement",
    "prepend_scheme",
    "split",
    "add_prefix_space",
    "trim_offsets",
    "special",
    "content",
    "lstrip",
    "rstrip",
    "normalized",
    "single_word",
    "byte_fallback",
    "dropout",
    "fuse_unk",
    "vocab",
    "padding",
    "truncation",
];
