//! Bad input and bad checkpoints give errors in words, never a panic or a silent default.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use safetensors::SafeTensors;
use safetensors::tensor::TensorView;
use tlab_tasks::fill_mask::FillMask;

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/bert-relu")
}

fn read(name: &str) -> Vec<u8> {
    std::fs::read(dir().join(name)).expect("fixture file")
}

fn model() -> FillMask {
    FillMask::from_dir(&dir()).expect("fixture loads")
}

/// The fixture's weights with `drop` removed.
fn weights_without(drop: &str) -> Vec<u8> {
    let bytes = read("model.safetensors");
    let st = SafeTensors::deserialize(&bytes).expect("valid");
    let kept: HashMap<String, TensorView> = st
        .tensors()
        .into_iter()
        .filter(|(name, _)| name != drop)
        .collect();
    safetensors::serialize(kept, None).expect("serialize")
}

fn load_error(weights: &[u8]) -> String {
    match FillMask::from_bytes(&read("config.json"), &read("tokenizer.json"), weights, None) {
        Ok(_) => panic!("loading should have failed"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn missing_head_key_is_an_error_naming_it() {
    for key in [
        "cls.predictions.transform.dense.weight",
        "cls.predictions.bias",
        "encoder.layer.2.output.dense.bias",
    ] {
        let msg = load_error(&weights_without(key));
        assert!(msg.contains(key), "error should name {key}: {msg}");
    }
}

#[test]
fn garbage_weights_and_config_are_errors() {
    assert!(load_error(b"not a safetensors file").contains("safetensors"));
    let err = FillMask::from_bytes(
        b"{\"hidden_size\": 3}",
        &read("tokenizer.json"),
        &read("model.safetensors"),
        None,
    )
    .err()
    .expect("bad config fails");
    assert!(err.to_string().contains("config.json"), "{err}");
    let err = FillMask::from_bytes(
        &read("config.json"),
        b"{}",
        &read("model.safetensors"),
        None,
    )
    .err()
    .expect("bad tokenizer fails");
    assert!(err.to_string().contains("tokenizer.json"), "{err}");
}

#[test]
fn shape_mismatch_names_tensor_and_shapes() {
    let mut config: serde_json::Value = serde_json::from_slice(&read("config.json")).expect("json");
    config["intermediate_size"] = 100.into();
    let config = serde_json::to_vec(&config).expect("json");
    let err = FillMask::from_bytes(
        &config,
        &read("tokenizer.json"),
        &read("model.safetensors"),
        None,
    )
    .err()
    .expect("wrong shape fails");
    let msg = err.to_string();
    assert!(
        msg.contains("intermediate.dense.weight") && msg.contains("100"),
        "{msg}"
    );
}

#[test]
fn input_errors_are_in_words() {
    let m = model();
    let no_mask = m
        .fill("no blank here", 5)
        .expect_err("no mask fails")
        .to_string();
    assert!(no_mask.contains("[MASK]"), "{no_mask}");
    assert!(m.fill("   ", 5).is_err());
    let k = m
        .fill("the [MASK]", 0)
        .expect_err("k = 0 fails")
        .to_string();
    assert!(k.contains("top-k"), "{k}");
    assert!(m.fill("the [MASK]", 51).is_err());
    let long = format!("{} [MASK]", "the ".repeat(100));
    let too_long = m.fill(&long, 5).expect_err("too long fails").to_string();
    assert!(too_long.contains("at most 64"), "{too_long}");
}

#[test]
fn mask_spelling_and_filled_sentence() {
    let m = model();
    let upper = m
        .fill("The man went to the [MASK] to buy some milk.", 3)
        .expect("fill");
    let lower = m
        .fill("The man went to the [mask] to buy some milk.", 3)
        .expect("fill");
    assert_eq!(upper.input_ids, lower.input_ids);
    assert_eq!(upper.masks.len(), 1);
    let top = &upper.masks[0]
        .candidates
        .iter()
        .find(|c| !c.token.starts_with('['))
        .expect("a word among the top 3")
        .token;
    let expected = match top.strip_prefix("##") {
        Some(piece) => format!("The man went to the{piece} to buy some milk."),
        None => format!("The man went to the {top} to buy some milk."),
    };
    assert_eq!(upper.filled, expected);
    let probs: Vec<f32> = upper.masks[0].candidates.iter().map(|c| c.prob).collect();
    assert!(probs.windows(2).all(|w| w[0] >= w[1]), "sorted: {probs:?}");
    assert!(probs.iter().all(|&p| p > 0.0 && p <= 1.0));
}

#[test]
fn tokenizer_padding_and_truncation_settings_are_ignored() {
    // sentence-transformers exports pad to a fixed length and truncate; one sentence needs neither.
    let mut tok: serde_json::Value = serde_json::from_slice(&read("tokenizer.json")).expect("json");
    tok["padding"] = serde_json::json!({"strategy": {"Fixed": 32}, "direction": "Right",
        "pad_to_multiple_of": null, "pad_id": 0, "pad_type_id": 0, "pad_token": "[PAD]"});
    tok["truncation"] = serde_json::json!({"max_length": 8, "strategy": "LongestFirst",
        "stride": 0, "direction": "Right"});
    let tok = serde_json::to_vec(&tok).expect("json");
    let padded = FillMask::from_bytes(&read("config.json"), &tok, &read("model.safetensors"), None)
        .expect("loads");
    let text = "The man went to the [MASK] to buy some milk.";
    let a = padded.mask_logits(text).expect("logits");
    let b = model().mask_logits(text).expect("logits");
    assert_eq!(a.input_ids, b.input_ids);
    assert_eq!(a.logits, b.logits);
}
