//! The heads trained here (assets/pos-en, assets/nsp-en) load the way the page and
//! `tools/prepare-models.sh` assemble them — their `config.json` and `head.safetensors` over
//! the built-in encoder's tokenizer and weights (assets/fill-mask-en) — and keep answering
//! as they did when they were committed (their held-out scores are in their training.json).

use std::path::{Path, PathBuf};

use tlab_tasks::classify::SentenceClassifier;
use tlab_tasks::encoder::ModelFiles;
use tlab_tasks::tag::TokenClassifier;

fn assets() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../assets")
}

/// A head's directory over the built-in encoder, as the page loads it (`{url, base}`).
fn head_over_encoder(head: &str) -> ModelFiles {
    let read = |dir: &Path, name: &str| {
        let path = dir.join(name);
        (
            name.to_string(),
            std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())),
        )
    };
    let (h, e) = (assets().join(head), assets().join("fill-mask-en"));
    ModelFiles::from_named(vec![
        read(&h, "config.json"),
        read(&h, "head.safetensors"),
        read(&e, "tokenizer.json"),
        read(&e, "model.safetensors"),
    ])
    .expect("files")
}

#[test]
fn the_part_of_speech_tagger_tags_a_plain_sentence() {
    let tagger = TokenClassifier::from_files(&head_over_encoder("pos-en")).expect("loads");
    assert_eq!(tagger.info().labels.len(), 12);
    assert!(
        tagger.info().warnings.is_empty(),
        "{:?}",
        tagger.info().warnings
    );
    let tagged = tagger
        .tag("She wrote a letter to her mother yesterday.")
        .expect("tag");
    let labels: Vec<&str> = tagged.words.iter().map(|w| w.label.as_str()).collect();
    assert_eq!(
        labels,
        [
            "PRON", "VERB", "DET", "NOUN", "ADP", "DET", "NOUN", "NOUN", "."
        ]
    );
    let training: serde_json::Value = serde_json::from_slice(
        &std::fs::read(assets().join("pos-en/training.json")).expect("training.json"),
    )
    .expect("json");
    let accuracy = training["held_out_accuracy"].as_f64().expect("accuracy");
    assert!(accuracy >= 0.95, "the committed tagger scored {accuracy}");
}

#[test]
fn the_next_sentence_head_prefers_the_real_next_sentence() {
    if !assets().join("nsp-en/head.safetensors").exists() {
        panic!("assets/nsp-en is missing: train it with tools/train-heads.sh");
    }
    let nsp = SentenceClassifier::from_files(&head_over_encoder("nsp-en")).expect("loads");
    assert!(nsp.info().next_sentence);
    let a = "The jury said the election was conducted fairly.";
    let next = nsp
        .next_sentence(a, "It praised the city officials for their work.")
        .expect("nsp")
        .is_next;
    let random = nsp
        .next_sentence(a, "Add two cups of flour and stir the batter slowly.")
        .expect("nsp")
        .is_next;
    assert!(next > random, "P(IsNext): {next} vs {random}");
}
