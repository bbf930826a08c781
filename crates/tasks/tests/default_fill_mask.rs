//! The committed default models (`assets/fill-mask-en`, made by `tools/train-fill-mask.sh`;
//! `assets/fill-mask-zh`, made by `tools/train-fill-mask-zh.sh`) load and give the answers
//! recorded when they were exported (`golden.json`: top-5 tokens and probabilities).

use std::path::Path;

use serde::Deserialize;
use tlab_tasks::fill_mask::FillMask;

#[derive(Deserialize)]
struct Golden {
    text: String,
    top5: Vec<String>,
    probs: Vec<f32>,
    filled: String,
}

fn answers_as_recorded(name: &str) -> FillMask {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../assets")
        .join(name);
    let model = FillMask::from_dir(&dir).expect("the committed default model loads");
    let bytes = std::fs::read(dir.join("golden.json")).expect("golden.json");
    let golden: Vec<Golden> = serde_json::from_slice(&bytes).expect("golden.json parses");
    assert!(!golden.is_empty());
    for g in &golden {
        let out = model.fill(&g.text, 5).expect("fill");
        let got: Vec<&str> = out.masks[0]
            .candidates
            .iter()
            .map(|c| c.token.as_str())
            .collect();
        assert_eq!(got[0], g.top5[0], "top-1 for {:?}", g.text);
        assert_eq!(got, g.top5, "top-5 for {:?}", g.text);
        for (c, p) in out.masks[0].candidates.iter().zip(&g.probs) {
            assert!((c.prob - p).abs() < 1e-5, "{}: {} vs {p}", c.token, c.prob);
        }
        assert_eq!(out.filled, g.filled);
    }
    model
}

#[test]
fn default_model_answers_as_recorded_at_export() {
    answers_as_recorded("fill-mask-en");
}

/// The Chinese model: the recorded answers, and traditional input read as simplified
/// (its tokenizer's character map), offsets still pointing into the text as typed.
#[test]
fn chinese_model_answers_as_recorded_and_reads_traditional_characters() {
    let model = answers_as_recorded("fill-mask-zh");
    let text = "臺灣大[MASK]";
    let out = model.fill(text, 5).expect("fill");
    assert_eq!(out.tokens, ["[CLS]", "台", "湾", "大", "[MASK]", "[SEP]"]);
    let simplified = model.fill("台湾大[MASK]", 5).expect("fill");
    assert_eq!(out.input_ids, simplified.input_ids);
    assert!(out.filled.starts_with("臺灣大"), "{}", out.filled);
}
