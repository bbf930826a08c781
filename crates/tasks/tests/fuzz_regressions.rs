//! Replays every input the fuzzers (`fuzz/`, cargo-fuzz on nightly) found crashing, on the
//! stable toolchain and in CI: each must now load and answer, or fail with an error — never
//! panic. `fuzz/regressions/<target>/` holds the minimised reproducers.

use std::path::{Path, PathBuf};

use tlab_tasks::fill_mask::FillMask;
use tlab_tasks::translate::{TranslateOptions, Translator};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn fixture(model: &str, file: &str) -> Vec<u8> {
    std::fs::read(root().join("fixtures").join(model).join(file)).expect("fixture")
}

fn inputs(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = root().join("fuzz/regressions").join(target);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut files: Vec<(String, Vec<u8>)> = entries
        .map(|e| {
            let path = e.expect("entry").path();
            let name = path
                .file_name()
                .expect("name")
                .to_string_lossy()
                .into_owned();
            (name, std::fs::read(&path).expect("readable"))
        })
        .collect();
    files.sort();
    files
}

fn exercise_bert(model: &FillMask) {
    let _ = model.tokenize("the [MASK] is small");
    let _ = model.fill("the [MASK] is small", 5);
    let _ = model.attentions("the cat");
    let _ = model.pretrain_demo("the cat sat on the mat", 1, 5);
}

fn exercise_marian(model: &Translator) {
    let _ = model.tokenize("the house is small");
    for beam in [1, 3] {
        let opts = TranslateOptions {
            beam,
            trace_top_k: 3,
            ..Default::default()
        };
        let _ = model.translate("the house is small", &opts);
    }
    let _ = model.teacher_force("the house", "a casa");
    let _ = model.teacher_force_attentions("the house", "a casa");
}

#[test]
fn tokenizer_reproducers_are_errors_or_answers() {
    let files = inputs("tokenizer");
    assert!(!files.is_empty(), "fuzz/regressions/tokenizer/ is missing");
    let (bc, bw) = (
        fixture("bert-gelu", "config.json"),
        fixture("bert-gelu", "model.safetensors"),
    );
    let (mc, mw) = (
        fixture("marian-relu", "config.json"),
        fixture("marian-relu", "model.safetensors"),
    );
    for (name, bytes) in files {
        eprintln!("tokenizer/{name}");
        if let Ok(m) = FillMask::from_bytes(&bc, &bytes, &bw, None) {
            exercise_bert(&m);
        }
        if let Ok(m) = Translator::from_bytes(&mc, &bytes, &mw, None) {
            exercise_marian(&m);
        }
    }
}

#[test]
fn config_reproducers_are_errors_or_answers() {
    let (bt, bw) = (
        fixture("bert-gelu", "tokenizer.json"),
        fixture("bert-gelu", "model.safetensors"),
    );
    let (mt, mw) = (
        fixture("marian-relu", "tokenizer.json"),
        fixture("marian-relu", "model.safetensors"),
    );
    for (name, bytes) in inputs("config") {
        eprintln!("config/{name}");
        if let Ok(m) = FillMask::from_bytes(&bytes, &bt, &bw, None) {
            exercise_bert(&m);
        }
        if let Ok(m) = Translator::from_bytes(&bytes, &mt, &mw, None) {
            exercise_marian(&m);
        }
    }
}

#[test]
fn weights_and_shortlist_reproducers_are_errors_or_answers() {
    let (bc, bt) = (
        fixture("bert-gelu", "config.json"),
        fixture("bert-gelu", "tokenizer.json"),
    );
    let (mc, mt, mw) = (
        fixture("marian-relu", "config.json"),
        fixture("marian-relu", "tokenizer.json"),
        fixture("marian-relu", "model.safetensors"),
    );
    for (name, bytes) in inputs("safetensors") {
        eprintln!("safetensors/{name}");
        if let Ok(m) = FillMask::from_bytes(&bc, &bt, &bytes, None) {
            exercise_bert(&m);
        }
    }
    for (name, bytes) in inputs("shortlist") {
        eprintln!("shortlist/{name}");
        if let Ok(m) = Translator::from_bytes(&mc, &mt, &mw, Some(&bytes)) {
            exercise_marian(&m);
        }
    }
    for (name, bytes) in inputs("marian_bin") {
        eprintln!("marian_bin/{name}");
        if let Ok(m) = tlab_convert::marian_bin::MarianModel::parse(&bytes) {
            let _ = m.convert(0);
        }
    }
}
