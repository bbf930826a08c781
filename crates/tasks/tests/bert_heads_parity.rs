//! BERT's fine-tuning heads against `transformers` on random-initialised checkpoints
//! (`tools/make_bert_head_fixtures.py`): sentence classification of single sentences and
//! pairs (the tokenizer's pair template gives the segment ids), multi-label classification
//! from the legacy layout (`pytorch_model.bin` + `vocab.txt`), token tagging, extractive QA
//! (transformers 4's pipeline, windows included) and next-sentence prediction.

use std::path::PathBuf;

use serde_json::Value;
use tlab_tasks::classify::SentenceClassifier;
use tlab_tasks::encoder::ModelFiles;
use tlab_tasks::qa::{QaOptions, QuestionAnswerer};
use tlab_tasks::tag::TokenClassifier;

fn dir(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures")
        .join(name)
}

fn expected(name: &str) -> Value {
    let bytes = std::fs::read(dir(name).join("expected.json")).expect("expected.json");
    serde_json::from_slice(&bytes).expect("json")
}

fn fixture(name: &str) -> (SentenceClassifier, Value) {
    let model = SentenceClassifier::from_dir(&dir(name)).expect("fixture loads");
    (model, expected(name))
}

fn close(got: f32, want: &Value, what: &str) {
    let want = want.as_f64().expect("number") as f32;
    assert!((got - want).abs() < 1e-5, "{what}: {got} vs {want}");
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
fn multi_label_classification_loads_the_legacy_layout_and_matches_transformers() {
    let name = "bert-head-multilabel";
    let files = ModelFiles::read_dir(&dir(name)).expect("files");
    assert!(
        files.weights[0].starts_with(b"PK"),
        "the fixture is a pytorch_model.bin zip"
    );
    let tokenizer = files.tokenizer().expect("tokenizer from vocab.txt");
    let (model, expected) = fixture(name);
    let info = model.info();
    assert!(info.multi_label);
    assert_eq!(info.labels, ["sports", "politics", "science", "art"]);
    for case in expected["cases"].as_array().expect("cases") {
        let text = case["text"].as_str().expect("text");
        let pair = case["pair"].as_str();
        let enc = match pair {
            Some(b) => tokenizer.encode((text, b), true),
            None => tokenizer.encode(text, true),
        }
        .expect("encode");
        let want_ids: Vec<u32> = case["input_ids"]
            .as_array()
            .expect("ids")
            .iter()
            .map(|v| v.as_u64().expect("id") as u32)
            .collect();
        assert_eq!(enc.get_ids(), want_ids, "{text:?}: vocab.txt tokenizer ids");
        let out = model.classify(text, pair).expect("classify");
        // Sigmoids: independent, need not sum to 1.
        for l in &out.labels {
            close(
                l.prob,
                &case["probs"][l.id],
                &format!("{text:?} {}", l.label),
            );
        }
    }
}

#[test]
fn token_classification_gives_each_word_its_first_sub_token_label() {
    let name = "bert-head-tokcls";
    let model = TokenClassifier::from_dir(&dir(name)).expect("fixture loads");
    assert_eq!(model.info().labels, ["O", "NOUN", "VERB", "ADJ", "DET"]);
    assert!(
        model.info().warnings.is_empty(),
        "{:?}",
        model.info().warnings
    );
    for case in expected(name)["cases"].as_array().expect("cases") {
        let text = case["text"].as_str().expect("text");
        let got = model.tag(text).expect("tag").words;
        let want = case["words"].as_array().expect("words");
        assert_eq!(got.len(), want.len(), "{text:?}: one entry per word");
        for (g, w) in got.iter().zip(want) {
            assert_eq!(g.word, w["word"].as_str().expect("word"), "{text:?}");
            assert_eq!(g.start as u64, w["start"].as_u64().expect("start"));
            assert_eq!(g.end as u64, w["end"].as_u64().expect("end"));
            assert_eq!(
                g.label,
                w["label"].as_str().expect("label"),
                "{text:?} {}",
                g.word
            );
            close(g.prob, &w["prob"], &format!("{text:?} {}", g.word));
        }
    }
    assert!(model.tag("  ").is_err());
    // Sequence and token classifiers share the key `classifier`; config.json tells them apart.
    let e = TokenClassifier::from_dir(&dir("bert-head-seqcls"))
        .err()
        .expect("refused");
    assert!(
        e.to_string().contains("BertForSequenceClassification"),
        "{e}"
    );
    let e = SentenceClassifier::from_dir(&dir(name))
        .err()
        .expect("refused");
    assert!(e.to_string().contains("BertForTokenClassification"), "{e}");
}

#[test]
fn question_answering_matches_the_transformers_4_pipeline() {
    let name = "bert-head-qa";
    let model = QuestionAnswerer::from_dir(&dir(name)).expect("fixture loads");
    let expected = expected(name);
    let options = QaOptions {
        max_seq_len: expected["max_seq_len"].as_u64().expect("max_seq_len") as usize,
        doc_stride: expected["doc_stride"].as_u64().expect("doc_stride") as usize,
        max_answer_len: expected["max_answer_len"].as_u64().expect("max_answer_len") as usize,
    };
    let cases = expected["cases"].as_array().expect("cases");
    let mut windowed = 0;
    for case in cases {
        let question = case["question"].as_str().expect("question");
        let context = case["context"].as_str().expect("context");
        let got = model.answer(question, context, options).expect("answer");
        let want = &case["answer"];
        assert_eq!(
            got.answer.answer,
            want["answer"].as_str().expect("answer"),
            "{question}"
        );
        assert_eq!(
            got.answer.start as u64,
            want["start"].as_u64().expect("start")
        );
        assert_eq!(got.answer.end as u64, want["end"].as_u64().expect("end"));
        close(got.answer.score, &want["score"], question);
        if got.windows > 1 {
            windowed += 1;
        }
        // Every context token's probabilities are shown; question tokens have none.
        let p_start: f32 = got.tokens.iter().map(|t| t.p_start).sum();
        assert!(p_start > 0.0 && p_start <= 1.0 + 1e-5);
        assert!(
            got.tokens
                .iter()
                .filter(|t| t.start.is_none())
                .all(|t| t.p_start < 1e-6)
        );
    }
    assert!(windowed > 0, "a context longer than one window is covered");
    assert!(model.answer("", "context", options).is_err());
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
