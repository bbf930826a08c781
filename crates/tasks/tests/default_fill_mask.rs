//! The committed default English model (`assets/fill-mask-en`, made by
//! `tools/train-fill-mask.sh`) loads and gives the answers recorded when it was exported
//! (`golden.json`: top-5 tokens and probabilities for three cloze sentences).

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

#[test]
fn default_model_answers_as_recorded_at_export() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/fill-mask-en");
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
}
