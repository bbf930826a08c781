//! BERT's fine-tuning heads against `transformers` on random-initialised checkpoints
//! (`tools/make_bert_head_fixtures.py`): sentence classification of single sentences and
//! pairs (the tokenizer's pair template gives the segment ids), and next-sentence prediction.

use std::path::PathBuf;

use serde_json::Value;
use tlab_tasks::classify::SentenceClassifier;

fn fixture(name: &str) -> (SentenceClassifier, Value) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures")
        .join(name);
    let model = SentenceClassifier::from_dir(&dir).expect("fixture loads");
    let expected = std::fs::read(dir.join("expected.json")).expect("expected.json");
    (model, serde_json::from_slice(&expected).expect("json"))
}

fn floats(v: &Value) -> Vec<f32> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|x| x.as_f64().expect("number") as f32)
        .collect()
}

#[test]
fn sequence_classification_matches_transformers_on_sentences_and_pairs() {
    let (model, expected) = fixture("bert-head-seqcls");
    let info = model.info();
    assert_eq!(info.labels, ["negative", "neutral", "positive"]);
    assert!(!info.multi_label && !info.next_sentence);
    assert!(info.warnings.is_empty(), "{:?}", info.warnings);
    let cases = expected["cases"].as_array().expect("cases");
    assert!(
        cases.iter().any(|c| c["pair"].is_string()),
        "pairs are covered"
    );
    for case in cases {
        let text = case["text"].as_str().expect("text");
        let pair = case["pair"].as_str();
        let out = model.classify(text, pair).expect("classify");
        let want = floats(&case["probs"]);
        assert_eq!(out.labels.len(), want.len());
        // Most probable first, every label once.
        assert!(out.labels.windows(2).all(|w| w[0].prob >= w[1].prob));
        for l in &out.labels {
            assert!(
                (l.prob - want[l.id]).abs() < 1e-5,
                "{text:?} / {pair:?}: label {} {} vs {}",
                l.label,
                l.prob,
                want[l.id]
            );
        }
        let best = (0..want.len())
            .max_by(|&a, &b| want[a].total_cmp(&want[b]))
            .expect("labels");
        assert_eq!(out.labels[0].id, best, "{text:?}: same argmax");
    }
}

#[test]
fn next_sentence_prediction_matches_transformers() {
    let (model, expected) = fixture("bert-head-pretraining");
    assert!(model.info().next_sentence);
    let err = model.classify("a", None).expect_err("no classifier");
    assert!(err.to_string().contains("no sentence classifier"), "{err}");
    for case in expected["cases"].as_array().expect("cases") {
        let (a, b) = (
            case["a"].as_str().expect("a"),
            case["b"].as_str().expect("b"),
        );
        let got = model.next_sentence(a, b).expect("nsp").is_next;
        let want = case["is_next"].as_f64().expect("is_next") as f32;
        assert!((got - want).abs() < 1e-5, "{a:?} → {b:?}: {got} vs {want}");
    }
    assert!(model.next_sentence("", "b").is_err());
}
