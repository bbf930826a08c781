//! The committed poetry GPT (`assets/gpt-poetry`, made by `tools/train-gpt-poetry.sh`) keeps
//! giving the greedy continuations recorded when it was exported (`golden.json`), and they
//! are poem-shaped: lines ended by Chinese punctuation.

use std::path::Path;

use tlab_tasks::generate::{GenerateOptions, Generator};

#[test]
fn the_committed_poetry_gpt_gives_its_recorded_continuations() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/gpt-poetry");
    let generator = Generator::from_dir(&dir).expect("the committed model loads");
    assert!(generator.info().warnings.is_empty());
    let golden: Vec<serde_json::Value> =
        serde_json::from_slice(&std::fs::read(dir.join("golden.json")).expect("golden.json"))
            .expect("golden.json parses");
    assert!(!golden.is_empty());
    for g in golden {
        let prompt = g["prompt"].as_str().expect("prompt");
        let out = generator
            .generate(
                prompt,
                &GenerateOptions {
                    max_new_tokens: g["max_new_tokens"].as_u64().expect("max") as usize,
                    ..GenerateOptions::default()
                },
            )
            .expect("generates");
        let ids: Vec<u32> = serde_json::from_value(g["ids"].clone()).expect("ids");
        assert_eq!(out.ids, ids, "{prompt}");
        assert_eq!(out.text, g["text"].as_str().expect("text"));
        assert!(
            out.text.contains(['，', '。']),
            "{prompt}: {} has no line break",
            out.text
        );
    }
    // Traditional input reads as simplified (the tokenizer's t2s map): 舉頭 = 举头.
    assert_eq!(
        generator.encode_prompt("舉頭望明月，").expect("encodes"),
        generator.encode_prompt("举头望明月，").expect("encodes")
    );
}
