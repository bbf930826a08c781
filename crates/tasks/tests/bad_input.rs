//! The bad-input suite: every class of input the safety review broke the product with, and
//! its neighbours. Each case states its expected outcome — an answer, or an error whose
//! words are checked — and a panic, a NaN shown as an answer, or a wrong success fails it.
//! The same classes run in Chromium in `www/e2e/bad-input.test.mjs`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use safetensors::SafeTensors;
use safetensors::tensor::{Dtype, TensorView};
use serde_json::{Value, json};
use tlab_tasks::fill_mask::FillMask;
use tlab_tasks::inspect::{ReaderKind, TokenizerOnly};
use tlab_tasks::translate::{TranslateOptions, Translator};

fn fixture(model: &str, file: &str) -> Vec<u8> {
    let dir: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures");
    std::fs::read(dir.join(model).join(file)).expect("fixture file")
}

/// The fixture's config.json with `edits` applied (a `null` removes the field).
fn config_with(model: &str, edits: Value) -> Vec<u8> {
    let mut c: Value = serde_json::from_slice(&fixture(model, "config.json")).expect("json");
    for (k, v) in edits.as_object().expect("object") {
        match v {
            Value::Null => c.as_object_mut().expect("object").remove(k),
            _ => c
                .as_object_mut()
                .expect("object")
                .insert(k.clone(), v.clone()),
        };
    }
    serde_json::to_vec(&c).expect("serialise")
}

/// The fixture's weights with each tensor passed through `edit(name, dtype, shape, bytes)`.
type Edit<'a> =
    &'a dyn Fn(&str, Dtype, &[usize], Vec<u8>) -> Vec<(String, Dtype, Vec<usize>, Vec<u8>)>;
fn weights_with(model: &str, edit: Edit) -> Vec<u8> {
    let bytes = fixture(model, "model.safetensors");
    let st = SafeTensors::deserialize(&bytes).expect("valid");
    let owned: Vec<(String, Dtype, Vec<usize>, Vec<u8>)> = st
        .tensors()
        .into_iter()
        .flat_map(|(name, t)| edit(&name, t.dtype(), t.shape(), t.data().to_vec()))
        .collect();
    let views: HashMap<String, TensorView> = owned
        .iter()
        .map(|(n, d, s, b)| (n.clone(), TensorView::new(*d, s.clone(), b).expect("view")))
        .collect();
    safetensors::serialize(views, None).expect("serialise")
}

fn bert(config: &[u8], tokenizer: &[u8], weights: &[u8]) -> Result<FillMask, String> {
    FillMask::from_bytes(config, tokenizer, weights, None).map_err(|e| e.to_string())
}

fn bert_with_config(edits: Value) -> Result<FillMask, String> {
    let m = "bert-gelu";
    bert(
        &config_with(m, edits),
        &fixture(m, "tokenizer.json"),
        &fixture(m, "model.safetensors"),
    )
}

fn marian(
    config: &[u8],
    tokenizer: &[u8],
    weights: &[u8],
    shortlist: Option<&[u8]>,
) -> Result<Translator, String> {
    Translator::from_bytes(config, tokenizer, weights, shortlist).map_err(|e| e.to_string())
}

fn marian_with_config(edits: Value) -> Result<Translator, String> {
    let m = "marian-relu";
    marian(
        &config_with(m, edits),
        &fixture(m, "tokenizer.json"),
        &fixture(m, "model.safetensors"),
        None,
    )
}

#[track_caller]
fn expect_err<T>(result: Result<T, String>, words: &[&str]) {
    match result {
        Ok(_) => panic!("expected an error containing {words:?}, got a success"),
        Err(e) => {
            for w in words {
                assert!(e.contains(w), "error should contain {w:?}: {e}");
            }
        }
    }
}

/// Every config edit in `cases` fails to load, with all of its words in the error.
#[track_caller]
fn expect_config_errors(cases: Vec<(Value, &[&str])>, load: impl Fn(Value) -> Result<(), String>) {
    for (edit, words) in cases {
        match load(edit.clone()) {
            Ok(()) => panic!("{edit} loaded; expected an error with {words:?}"),
            Err(e) => {
                for w in words {
                    assert!(e.contains(w), "{edit}: error should contain {w:?}: {e}");
                }
            }
        }
    }
}

fn default_bert() -> FillMask {
    bert_with_config(json!({})).expect("fixture loads")
}

fn default_marian() -> Translator {
    marian_with_config(json!({})).expect("fixture loads")
}

// ---- config.json: every field that reaches an index, a cast, a division or an allocation

#[test]
fn bert_config_values_out_of_range_are_errors() {
    let cases: Vec<(Value, &[&str])> = vec![
        (json!({"num_hidden_layers": 0}), &["num_hidden_layers is 0"]),
        (
            json!({"num_hidden_layers": 1}),
            &["num_hidden_layers = 1", "2 such layers"],
        ),
        (json!({"num_hidden_layers": 6}), &["encoder.layer.2"]),
        (json!({"layer_norm_eps": -1}), &["layer_norm_eps is -1"]),
        (json!({"layer_norm_eps": 0}), &["layer_norm_eps is 0"]),
        (json!({"layer_norm_eps": 1e300}), &["layer_norm_eps"]),
        (json!({"vocab_size": 1000000}), &["shape"]),
        (
            json!({"vocab_size": 4294967295u64}),
            &["vocab_size is 4294967295"],
        ),
        (json!({"vocab_size": 1e30}), &["config.json"]),
        (json!({"vocab_size": -1}), &["config.json"]),
        (json!({"vocab_size": 0}), &["vocab_size is 0"]),
        (json!({"hidden_size": 0}), &["hidden_size"]),
        (json!({"num_attention_heads": 0}), &["num_attention_heads"]),
        (json!({"num_attention_heads": 5}), &["not divisible"]),
        (
            json!({"max_position_embeddings": 18446744073709551615u64}),
            &["max_position_embeddings"],
        ),
        (
            json!({"intermediate_size": 4294967296u64}),
            &["intermediate_size"],
        ),
        (
            json!({"hidden_act": "tanh"}),
            &["config.json", "unknown variant `tanh`"],
        ),
        (
            json!({"position_embedding_type": "relative_key"}),
            &["relative_key"],
        ),
        (json!({"vocab_size": null}), &["vocab_size"]),
        (json!({"classifier_heads": "x"}), &["config.json"]),
    ];
    expect_config_errors(cases, |edit| bert_with_config(edit).map(|_| ()));
}

#[test]
fn marian_config_ids_and_layers_are_checked_against_the_vocabulary_and_weights() {
    let cases: Vec<(Value, &[&str])> = vec![
        (
            json!({"decoder_start_token_id": 1000000}),
            &[
                "decoder_start_token_id is 1000000",
                "outside the vocabulary",
            ],
        ),
        (
            json!({"decoder_start_token_id": 4294967295u64}),
            &["decoder_start_token_id"],
        ),
        (
            json!({"decoder_start_token_id": 4294967296u64}),
            &["config.json"],
        ),
        (json!({"pad_token_id": 1000000}), &["pad_token_id"]),
        (json!({"pad_token_id": 4294967295u64}), &["pad_token_id"]),
        (json!({"eos_token_id": 156}), &["eos_token_id"]),
        (json!({"decoder_layers": 0}), &["decoder_layers is 0"]),
        (json!({"encoder_layers": 0}), &["encoder_layers is 0"]),
        (
            json!({"encoder_layers": 2}),
            &["encoder_layers = 2", "3 such layers"],
        ),
        (json!({"encoder_layers": 4}), &["model.encoder.layers.3"]),
        (json!({"layer_norm_eps": -1}), &["layer_norm_eps is -1"]),
        (json!({"d_model": 0}), &["d_model"]),
        (
            json!({"decoder_attention_heads": 0}),
            &["decoder_attention_heads"],
        ),
        (
            json!({"max_position_embeddings": 0}),
            &["max_position_embeddings"],
        ),
        (json!({"vocab_size": 100000000}), &["vocab_size"]),
        (json!({"activation_function": "tanh"}), &["config.json"]),
        (json!({"decoder_self_attention": "lstm"}), &["config.json"]),
    ];
    expect_config_errors(cases, |edit| marian_with_config(edit).map(|_| ()));
}

#[test]
fn config_that_is_not_json_names_the_file_and_what_was_found() {
    let m = "bert-gelu";
    let (tok, w) = (
        fixture(m, "tokenizer.json"),
        fixture(m, "model.safetensors"),
    );
    expect_err(
        bert(
            b"<!DOCTYPE html><html><body>Sign in</body></html>",
            &tok,
            &w,
        ),
        &["config.json is not JSON but HTML", "<!DOCTYPE html>"],
    );
    expect_err(
        bert(b"{\"vocab_size\": ", &tok, &w),
        &["config.json is not valid JSON"],
    );
    expect_err(bert(b"", &tok, &w), &["config.json is empty"]);
    expect_err(
        bert(&[0xff, 0xd8, 0xff, 0xe0], &tok, &w),
        &["config.json", "not UTF-8"],
    );
    expect_err(bert(b"[1, 2, 3]", &tok, &w), &["config.json"]);
}

// ---- weights

#[test]
fn non_finite_weights_are_refused_by_name() {
    for (value, what) in [(f32::NAN, "NaN"), (f32::INFINITY, "infinite")] {
        let w = weights_with("bert-gelu", &|name, d, s, mut b| {
            if name.ends_with("encoder.layer.1.output.dense.weight") {
                b[..4].copy_from_slice(&value.to_le_bytes());
            }
            vec![(name.to_string(), d, s.to_vec(), b)]
        });
        let m = "bert-gelu";
        expect_err(
            bert(
                &fixture(m, "config.json"),
                &fixture(m, "tokenizer.json"),
                &w,
            ),
            &["encoder.layer.1.output.dense.weight", what],
        );
    }
}

#[test]
fn int8_weights_with_a_zero_multiplier_are_refused() {
    // Quantise one matrix as the Marian converter stores it: int8 plus `{name}.quant_mult`.
    for qm in [0.0f32, f32::NAN] {
        let w = weights_with("marian-relu", &|name, d, s, b| {
            if name != "model.encoder.layers.0.fc1.weight" {
                return vec![(name.to_string(), d, s.to_vec(), b)];
            }
            let q: Vec<u8> = b.chunks_exact(4).map(|_| 1u8).collect();
            vec![
                (name.to_string(), Dtype::I8, s.to_vec(), q),
                (
                    format!("{name}.quant_mult"),
                    Dtype::F32,
                    vec![1],
                    qm.to_le_bytes().to_vec(),
                ),
            ]
        });
        let m = "marian-relu";
        expect_err(
            marian(
                &fixture(m, "config.json"),
                &fixture(m, "tokenizer.json"),
                &w,
                None,
            ),
            &["model.encoder.layers.0.fc1.weight.quant_mult"],
        );
    }
}

#[test]
fn unused_tensors_are_reported_and_truncated_files_are_errors() {
    let w = weights_with("bert-gelu", &|name, d, s, b| {
        let mut out = vec![(name.to_string(), d, s.to_vec(), b.clone())];
        if name.ends_with("embeddings.LayerNorm.weight") {
            out.push(("some.other.head.weight".into(), d, s.to_vec(), b));
        }
        out
    });
    let m = "bert-gelu";
    let model = bert(
        &fixture(m, "config.json"),
        &fixture(m, "tokenizer.json"),
        &w,
    )
    .expect("loads");
    let warnings = model.info().warnings;
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].contains("some.other.head.weight"),
        "{warnings:?}"
    );
    assert!(default_bert().info().warnings.is_empty());
    assert!(
        default_marian().info().warnings.is_empty(),
        "{:?}",
        default_marian().info().warnings
    );

    let full = fixture(m, "model.safetensors");
    for cut in [0, 7, 8, 100, full.len() / 2, full.len() - 1] {
        expect_err(
            bert(
                &fixture(m, "config.json"),
                &fixture(m, "tokenizer.json"),
                &full[..cut],
            ),
            &["safetensors"],
        );
    }
}

// ---- tokenizer.json

#[test]
fn a_damaged_tokenizer_is_an_error_not_a_panic() {
    for m in ["bert-gelu", "marian-relu"] {
        let tok = String::from_utf8(fixture(m, "tokenizer.json")).expect("utf-8");
        // One byte inserted inside "decoder": the tokenizers crate's `.expect("Helper")`.
        let at = tok.find("\"decoder\"").expect("has a decoder") + "\"decoder\": {".len();
        let mut broken = tok.clone().into_bytes();
        broken.insert(at, b'x');
        let (c, w) = (fixture(m, "config.json"), fixture(m, "model.safetensors"));
        let load = |t: &[u8]| match m {
            "bert-gelu" => bert(&c, t, &w).map(|_| ()),
            _ => marian(&c, t, &w, None).map(|_| ()),
        };
        // The tokenizer view's load: config.json and the tokenizer alone.
        let kind = match m {
            "bert-gelu" => ReaderKind::Bert,
            _ => ReaderKind::Translation,
        };
        let only = |t: &[u8]| {
            let files = vec![
                ("config.json".to_string(), c.clone()),
                ("tokenizer.json".to_string(), t.to_vec()),
            ];
            TokenizerOnly::from_named(kind, files)
                .map(|_| ())
                .map_err(|e| e.to_string())
        };
        for load in [&load as &dyn Fn(&[u8]) -> Result<(), String>, &only] {
            expect_err(load(&broken), &["tokenizer.json is not valid JSON"]);
            expect_err(
                load(b"<html>404</html>"),
                &["tokenizer.json is not JSON but HTML"],
            );
            expect_err(load(b"{}"), &["tokenizer.json"]);
            expect_err(load(b"[]"), &["tokenizer.json"]);
            expect_err(load(&tok.as_bytes()[..tok.len() / 2]), &["tokenizer.json"]);
        }
        let html = vec![
            ("config.json".to_string(), b"<html>404</html>".to_vec()),
            ("tokenizer.json".to_string(), tok.clone().into_bytes()),
        ];
        expect_err(
            TokenizerOnly::from_named(kind, html).map_err(|e| e.to_string()),
            &["config.json"],
        );
    }
}

#[test]
fn a_tokenizer_whose_ids_exceed_the_model_vocabulary_is_refused() {
    let m = "bert-gelu";
    // The model claims a smaller vocabulary than the tokenizer produces ids for.
    let small = weights_with(m, &|name, d, s, b| {
        let row = s.get(1).copied().unwrap_or(1) * 4;
        if name.ends_with("word_embeddings.weight") {
            return vec![(
                name.to_string(),
                d,
                vec![100, s[1]],
                b[..100 * row].to_vec(),
            )];
        }
        if name == "cls.predictions.decoder.weight" {
            return Vec::new();
        }
        if name == "cls.predictions.bias" {
            return vec![(name.to_string(), d, vec![100], b[..400].to_vec())];
        }
        vec![(name.to_string(), d, s.to_vec(), b)]
    });
    let config = config_with(m, json!({"vocab_size": 100}));
    let result = bert(&config, &fixture(m, "tokenizer.json"), &small);
    // Either the mask id itself (103 in BERT vocabularies) or a word's id must be refused.
    match result {
        Err(e) => assert!(e.contains("outside the model's vocabulary"), "{e}"),
        Ok(model) => {
            let tok: Value = serde_json::from_slice(&fixture(m, "tokenizer.json")).expect("json");
            let word = tok["model"]["vocab"]
                .as_object()
                .expect("WordPiece vocabulary")
                .iter()
                .find(|(w, id)| id.as_u64() >= Some(100) && w.chars().all(char::is_alphabetic))
                .map(|(w, _)| w.clone())
                .expect("a word with a high id");
            let e = model
                .fill(&format!("{word} [MASK]"), 5)
                .expect_err("ids beyond 100");
            assert!(
                e.to_string().contains("outside the model's vocabulary"),
                "{e}"
            );
        }
    }
}

// ---- shortlist.bin

fn shortlist(first: u64, vocab: usize, lists: &[Vec<u32>]) -> Vec<u8> {
    let mut offsets = vec![0u64];
    let mut ids = Vec::new();
    for s in 0..vocab {
        ids.extend(lists.get(s).cloned().unwrap_or_default());
        offsets.push(ids.len() as u64);
    }
    let mut b = Vec::new();
    for v in [
        0xF11A_48D5_0134_17F5u64,
        0,
        first,
        0,
        offsets.len() as u64,
        ids.len() as u64,
    ] {
        b.extend(v.to_le_bytes());
    }
    offsets.iter().for_each(|o| b.extend(o.to_le_bytes()));
    ids.iter().for_each(|i| b.extend(i.to_le_bytes()));
    b
}

#[test]
fn shortlists_that_offer_nothing_or_lie_about_sizes_are_errors() {
    let m = "marian-relu";
    let (c, t, w) = (
        fixture(m, "config.json"),
        fixture(m, "tokenizer.json"),
        fixture(m, "model.safetensors"),
    );
    let empty = shortlist(0, 156, &[]);
    let model = marian(&c, &t, &w, Some(&empty)).expect("an empty shortlist is well-formed");
    for beam in [1, 3] {
        let opts = TranslateOptions {
            beam,
            ..Default::default()
        };
        let e = model
            .translate("hello world", &opts)
            .expect_err("nothing to score");
        assert!(
            e.to_string().contains("shortlist offers no target word"),
            "{e}"
        );
    }
    // Teacher forcing scores over the whole vocabulary, so it still answers, and says that
    // free decoding could have chosen none of the reference's tokens.
    let forced = model
        .teacher_force("hello", "olá")
        .expect("scored over the whole vocabulary");
    assert!(forced.log_likelihood.is_finite());
    assert!(
        forced
            .positions
            .iter()
            .all(|p| p.in_shortlist == Some(false))
    );

    let mut huge = shortlist(0, 156, &[]);
    huge[32..40].copy_from_slice(&u64::MAX.to_le_bytes());
    expect_err(marian(&c, &t, &w, Some(&huge)), &["shortlist"]);
    let mut wrong_first = shortlist(0, 156, &[]);
    wrong_first[16..24].copy_from_slice(&1000u64.to_le_bytes());
    expect_err(marian(&c, &t, &w, Some(&wrong_first)), &["shortlist"]);
    expect_err(
        marian(&c, &t, &w, Some(&shortlist(8, 155, &[]))),
        &["vocabulary of 155"],
    );
    expect_err(marian(&c, &t, &w, Some(b"short")), &["shortlist"]);

    // A small but usable shortlist still translates (every step scores 8 candidates).
    let small = shortlist(8, 156, &[]);
    let model = marian(&c, &t, &w, Some(&small)).expect("loads");
    for beam in [1, 4, 8] {
        let opts = TranslateOptions {
            beam,
            ..Default::default()
        };
        model.translate("hello world", &opts).expect("translates");
    }
}

// ---- texts and flags

fn texts() -> Vec<(&'static str, String)> {
    vec![
        ("emoji and ZWJ", "👩‍👩‍👧 is a [MASK] 🏳️‍🌈".into()),
        ("right to left", "שלום [MASK] عالم".into()),
        (
            "control characters",
            "a\u{1}b\u{7}\u{1b}[0m [MASK]\r\n\t".into(),
        ),
        ("NUL", "a\0b [MASK]".into()),
        ("CJK", "深度学习模型 [MASK] 很有趣。".into()),
        (
            "combining marks",
            "e\u{301}\u{302}\u{303} Z\u{35c}\u{361}a [MASK]".into(),
        ),
        (
            "markup",
            "<img src=x onerror=alert(1)> [MASK] <script>alert(1)</script>".into(),
        ),
        ("lower-case mask", "the [mask] is".into()),
        (
            "Unicode case change before the mask",
            "İstanbul is a [mask] city.".into(),
        ),
        ("only masks", "[MASK] [MASK] [MASK]".into()),
        ("50 masks", vec!["[MASK]"; 50].join(" ")),
        ("a replacement character", "\u{fffd} [MASK] \u{fffd}".into()),
        ("a lone mask", "[MASK]".into()),
    ]
}

#[test]
fn fill_mask_texts_answer_or_say_why_not() {
    let model = default_bert();
    for (what, text) in texts() {
        let out = model
            .fill(&text, 5)
            .unwrap_or_else(|e| panic!("{what}: {text:?} failed: {e}"));
        assert!(!out.masks.is_empty(), "{what}: no mask found");
        for m in &out.masks {
            assert_eq!(m.candidates.len(), 5, "{what}");
            assert!(
                m.candidates
                    .iter()
                    .all(|c| c.prob.is_finite() && (0.0..=1.0).contains(&c.prob)),
                "{what}"
            );
        }
    }
    let istanbul = model.fill("İstanbul is a [mask] city.", 5).expect("fills");
    assert_eq!(istanbul.masks.len(), 1);
    let errors: Vec<(&str, String, &[&str])> = vec![
        ("empty", String::new(), &["empty"]),
        ("whitespace", " \t\n ".into(), &["empty"]),
        ("no mask", "no mask here".into(), &["no [MASK]"]),
        (
            "10k characters",
            format!("{} [MASK]", "word ".repeat(2000)),
            &["tokens long", "at most 64"],
        ),
        (
            "just over the limit",
            format!("{} [MASK]", "a ".repeat(63)),
            &["at most 64"],
        ),
    ];
    for (what, text, words) in errors {
        match model.fill(&text, 5) {
            Ok(_) => panic!("{what}: expected an error"),
            Err(e) => words
                .iter()
                .for_each(|w| assert!(e.to_string().contains(w), "{what}: {e}")),
        }
    }
    for k in [0usize, 51, 1000, usize::MAX] {
        let e = model
            .fill("the [MASK] is", k)
            .expect_err("top-k out of range");
        assert!(e.to_string().contains("top-k must be between 1 and"), "{e}");
    }
    for k in [0usize, 51, usize::MAX] {
        assert!(model.pretrain_demo("the cat sat", 1, k).is_err());
    }
    // The other views take the same texts without a mask requirement.
    for (what, text) in texts() {
        model
            .tokenize(&text)
            .unwrap_or_else(|e| panic!("{what}: {e}"));
        model
            .attentions(&text)
            .unwrap_or_else(|e| panic!("{what}: {e}"));
        let _ = model.pretrain_demo(&text, 7, 5);
    }
}

#[test]
fn translation_texts_and_flags_answer_or_say_why_not() {
    let model = default_marian();
    // 50 masks are 351 SentencePiece tokens here: beyond this model's 128 (checked below).
    for (what, text) in texts().into_iter().filter(|(w, _)| *w != "50 masks") {
        for beam in [1, 3] {
            let opts = TranslateOptions {
                beam,
                ..Default::default()
            };
            let out = model
                .translate(&text, &opts)
                .unwrap_or_else(|e| panic!("{what}, beam {beam}: {e}"));
            assert!(out.score.is_finite(), "{what}");
        }
        model
            .tokenize(&text)
            .unwrap_or_else(|e| panic!("{what}: {e}"));
        model
            .teacher_force(&text, &text)
            .unwrap_or_else(|e| panic!("{what}: {e}"));
    }
    let too_long = "word ".repeat(2000);
    let e = model
        .translate(&too_long, &TranslateOptions::default())
        .expect_err("too long");
    assert!(e.to_string().contains("at most 128"), "{e}");
    assert!(model.translate("", &TranslateOptions::default()).is_err());
    assert!(model.teacher_force("hello", " ").is_err());
    for beam in [0usize, 9, 1000, usize::MAX] {
        let opts = TranslateOptions {
            beam,
            ..Default::default()
        };
        let e = model
            .translate("hello", &opts)
            .expect_err("beam out of range");
        assert!(
            e.to_string().contains("beam width must be between 1 and 8"),
            "{e}"
        );
    }
    for alpha in [f32::NAN, -1.0, f32::INFINITY, f32::NEG_INFINITY, 5.5] {
        let opts = TranslateOptions {
            beam: 3,
            alpha,
            ..Default::default()
        };
        let e = model
            .translate("hello", &opts)
            .expect_err("alpha out of range");
        assert!(e.to_string().contains("length penalty"), "{e}");
    }
    for max_new_tokens in [Some(0), Some(1), Some(usize::MAX)] {
        let opts = TranslateOptions {
            beam: 2,
            max_new_tokens,
            ..Default::default()
        };
        model
            .translate("hello", &opts)
            .expect("clamped to the model's range");
    }
}

#[test]
fn attention_maps_beyond_the_limit_are_refused_in_words() {
    use tlab_tasks::inspect::{MAX_ATTENTION_VALUES, check_attention_size};
    // 384 heads × 12 layers over 505 words: the review's renderer crash, refused up front.
    let e = check_attention_size(384 * 12, 505, 505).expect_err("too large");
    assert!(e.to_string().contains("shorten the text to about"), "{e}");
    check_attention_size(12 * 12, 128, 128).expect("BERT-base at 128 tokens fits");
    assert!(check_attention_size(1, MAX_ATTENTION_VALUES, 1).is_ok());
    assert!(check_attention_size(usize::MAX, usize::MAX, 2).is_err());
}

/// `model`'s config.json and `files`, by file name (either hub layout), through `load`.
fn load_named(
    model: &str,
    files: &[(&str, Vec<u8>)],
    load: impl Fn(&tlab_tasks::encoder::ModelFiles) -> Result<(), tlab_tasks::TaskError>,
) -> Result<(), String> {
    let mut named: Vec<(String, Vec<u8>)> =
        vec![("config.json".into(), fixture(model, "config.json"))];
    named.extend(files.iter().map(|(n, b)| (n.to_string(), b.clone())));
    let files = tlab_tasks::encoder::ModelFiles::from_named(named).map_err(|e| e.to_string())?;
    load(&files).map_err(|e| e.to_string())
}

/// The fine-tuning heads' loaders take a checkpoint in either hub layout, by file name.
fn head_files(model: &str, files: &[(&str, Vec<u8>)]) -> Result<(), String> {
    load_named(model, files, |f| {
        tlab_tasks::classify::SentenceClassifier::from_files(f).map(drop)
    })
}

/// Fill-mask reads the `vocab.txt` + `pytorch_model.bin` layout too (hfl's Chinese BERTs):
/// a vocabulary without the mask token, a tokenizer_config.json naming one the vocabulary
/// lacks, and damaged weights are errors in words.
#[test]
fn fill_mask_checkpoints_in_the_vocab_txt_layout_damaged_are_errors_in_words() {
    let model = "bert-zh-wwm";
    let (vocab, weights) = (
        fixture(model, "vocab.txt"),
        fixture(model, "pytorch_model.bin"),
    );
    let fill =
        |files: &[(&str, Vec<u8>)]| load_named(model, files, |f| FillMask::from_files(f).map(drop));
    assert!(
        fill(&[
            ("vocab.txt", vocab.clone()),
            ("pytorch_model.bin", weights.clone())
        ])
        .is_ok()
    );
    let no_mask: Vec<u8> = String::from_utf8(vocab.clone())
        .expect("utf-8")
        .lines()
        .filter(|l| *l != "[MASK]")
        .flat_map(|l| format!("{l}\n").into_bytes())
        .collect();
    expect_err(
        fill(&[
            ("vocab.txt", no_mask),
            ("pytorch_model.bin", weights.clone()),
        ]),
        &["vocab.txt has no [MASK] token"],
    );
    expect_err(
        fill(&[
            ("vocab.txt", vocab.clone()),
            (
                "tokenizer_config.json",
                br#"{"mask_token": "<mask>"}"#.to_vec(),
            ),
            ("pytorch_model.bin", weights.clone()),
        ]),
        &["<mask>"],
    );
    expect_err(
        fill(&[
            ("vocab.txt", vocab.clone()),
            ("pytorch_model.bin", weights[..weights.len() / 3].to_vec()),
        ]),
        &["PyTorch checkpoint"],
    );
    expect_err(
        fill(&[
            ("vocab.txt", vocab),
            ("pytorch_model.bin", b"PK\x03\x04junk".to_vec()),
        ]),
        &["PyTorch checkpoint"],
    );
}

#[test]
fn head_checkpoints_missing_or_damaged_in_either_layout_are_errors_in_words() {
    let legacy = "bert-head-multilabel";
    let (vocab, weights) = (
        fixture(legacy, "vocab.txt"),
        fixture(legacy, "pytorch_model.bin"),
    );
    assert!(
        head_files(
            legacy,
            &[
                ("vocab.txt", vocab.clone()),
                ("pytorch_model.bin", weights.clone())
            ]
        )
        .is_ok()
    );
    expect_err(
        head_files(legacy, &[("pytorch_model.bin", weights.clone())]),
        &["neither tokenizer.json, nor vocab.txt, nor vocab.json with merges.txt"],
    );
    expect_err(
        head_files(legacy, &[("vocab.txt", vocab.clone())]),
        &["neither model.safetensors nor pytorch_model.bin"],
    );
    // A vocabulary without BERT's special tokens, a tokenizer_config.json that is not JSON.
    let no_cls: Vec<u8> = String::from_utf8(vocab.clone())
        .expect("utf-8")
        .lines()
        .filter(|l| *l != "[CLS]")
        .flat_map(|l| format!("{l}\n").into_bytes())
        .collect();
    expect_err(
        head_files(
            legacy,
            &[
                ("vocab.txt", no_cls),
                ("pytorch_model.bin", weights.clone()),
            ],
        ),
        &["vocab.txt has no [CLS] token"],
    );
    expect_err(
        head_files(
            legacy,
            &[
                ("vocab.txt", vocab.clone()),
                ("tokenizer_config.json", b"{oops".to_vec()),
                ("pytorch_model.bin", weights.clone()),
            ],
        ),
        &["tokenizer_config.json"],
    );
    // A truncated zip, and bytes that are neither format.
    expect_err(
        head_files(
            legacy,
            &[
                ("vocab.txt", vocab.clone()),
                ("pytorch_model.bin", weights[..weights.len() / 2].to_vec()),
            ],
        ),
        &["PyTorch checkpoint"],
    );
    expect_err(
        head_files(
            legacy,
            &[
                ("vocab.txt", vocab),
                ("pytorch_model.bin", b"not weights".to_vec()),
            ],
        ),
        &["not a valid safetensors file"],
    );
}

/// GPT-2 checkpoints in both hub layouts (`tokenizer.json` + safetensors, `vocab.json` +
/// `merges.txt` + `pytorch_model.bin`): damaged files are errors that name what is wrong.
#[test]
fn gpt_checkpoints_damaged_are_errors_in_words() {
    use tlab_tasks::generate::Generator;
    let gpt = |model: &str, files: &[(&str, Vec<u8>)]| {
        load_named(model, files, |f| Generator::from_files(f).map(drop))
    };
    let bin = "gpt2-merges-bin";
    let (vocab, merges, weights) = (
        fixture(bin, "vocab.json"),
        fixture(bin, "merges.txt"),
        fixture(bin, "pytorch_model.bin"),
    );
    let files = |vocab: &[u8], merges: &[u8], weights: &[u8]| {
        gpt(
            bin,
            &[
                ("vocab.json", vocab.to_vec()),
                ("merges.txt", merges.to_vec()),
                ("pytorch_model.bin", weights.to_vec()),
            ],
        )
    };
    assert!(files(&vocab, &merges, &weights).is_ok());
    let mut unknown = merges.clone();
    unknown.extend_from_slice("Ġ zqxj\n".as_bytes());
    expect_err(
        files(&vocab, &merges, &weights[..weights.len() / 2]),
        &["not a PyTorch checkpoint"],
    );
    expect_err(
        files(b"{not json", &merges, &weights),
        &["vocab.json is not valid JSON", "{not json"],
    );
    expect_err(files(b"[1, 2, 3]", &merges, &weights), &["vocab.json"]);
    expect_err(
        files(&vocab, &unknown, &weights),
        &["merges.txt line", "zqxj", "vocab.json does not have"],
    );
    expect_err(
        files(&vocab, b"\x00\x01\x02", &weights),
        &["merges.txt line 1", "two symbols"],
    );
    expect_err(
        gpt(
            bin,
            &[
                ("vocab.json", vocab.clone()),
                ("pytorch_model.bin", weights),
            ],
        ),
        &["vocab.json with merges.txt"],
    );

    let st = "gpt2-bpe";
    let (tok, safet) = (
        fixture(st, "tokenizer.json"),
        fixture(st, "model.safetensors"),
    );
    let cut = |n: usize| {
        vec![
            ("tokenizer.json", tok.clone()),
            ("model.safetensors", safet[..n].to_vec()),
        ]
    };
    expect_err(
        gpt(st, &cut(safet.len() / 2)),
        &["not a valid safetensors file"],
    );
    expect_err(gpt(st, &cut(100)), &["not a valid safetensors file"]);
    expect_err(
        gpt(st, &[("tokenizer.json", tok.clone())]),
        &["neither model.safetensors nor pytorch_model.bin"],
    );
    expect_err(
        gpt(
            st,
            &[
                ("tokenizer.json", tok[..tok.len() / 2].to_vec()),
                ("model.safetensors", safet.clone()),
            ],
        ),
        &["tokenizer.json"],
    );
    // A config that does not fit its weights, or is not GPT-2 at all.
    let with_config = |edits: Value| {
        let named = vec![
            ("config.json".to_string(), config_with(st, edits)),
            ("tokenizer.json".to_string(), tok.clone()),
            ("model.safetensors".to_string(), safet.clone()),
        ];
        tlab_tasks::encoder::ModelFiles::from_named(named)
            .and_then(|f| Generator::from_files(&f).map(drop))
            .map_err(|e| e.to_string())
    };
    assert!(with_config(json!({})).is_ok());
    expect_err(
        with_config(json!({"model_type": "bert"})),
        &["not a GPT-2 checkpoint"],
    );
    expect_err(with_config(json!({"n_head": 5})), &["n_head"]);
    expect_err(with_config(json!({"n_positions": 0})), &["n_positions"]);
    expect_err(
        with_config(json!({"n_layer": 9})),
        &["no tensor", "h.3.attn"],
    );
}
