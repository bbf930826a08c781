//! The numbers behind the lecture views: tokenization with special tokens marked, attention
//! rows that are probability distributions, causal decoder self-attention, teacher forcing
//! with attention equal to plain teacher forcing, the beam trace's token labels, and BERT's
//! pre-training masking.

use std::path::{Path, PathBuf};

use tlab_tasks::TaskError;
use tlab_tasks::fill_mask::FillMask;
use tlab_tasks::inspect::{ReaderKind, Tokenized, TokenizerOnly};
use tlab_tasks::masking::MaskKind;
use tlab_tasks::translate::{TranslateOptions, Translator};

fn repo(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(rel)
}

fn bert() -> FillMask {
    FillMask::from_dir(&repo("fixtures/bert-gelu")).expect("fixtures/bert-gelu loads")
}

fn marian() -> Translator {
    Translator::from_dir(&repo("fixtures/marian-swish")).expect("fixtures/marian-swish loads")
}

fn assert_rows_sum_to_one(rows: &[Vec<f32>], what: &str) {
    for (i, r) in rows.iter().enumerate() {
        let s: f32 = r.iter().sum();
        assert!((s - 1.0).abs() < 1e-3, "{what} row {i} sums to {s}");
    }
}

#[test]
fn bert_tokenize_marks_special_tokens() {
    let t = bert()
        .tokenize("The man went to the [MASK].")
        .expect("tokenize");
    assert_eq!(t.algorithm, "WordPiece");
    let first = t.pieces.first().expect("pieces");
    let last = t.pieces.last().expect("pieces");
    assert!(first.special && last.special, "[CLS] … [SEP] are special");
    assert!(
        t.pieces
            .iter()
            .any(|p| p.special && p.piece.contains("MASK"))
    );
    assert!(t.pieces[1..t.pieces.len() - 1].iter().any(|p| !p.special));
}

#[test]
fn translation_tokenize_appends_eos_as_special() {
    let m = marian();
    let t = m.tokenize("hello world").expect("tokenize");
    let last = t.pieces.last().expect("pieces");
    assert_eq!(last.id, m.config().eos_token_id);
    assert!(last.special);
}

/// The files of a model directory without its weights.
fn text_files(rel: &str) -> Vec<(String, Vec<u8>)> {
    [
        "config.json",
        "tokenizer.json",
        "vocab.txt",
        "tokenizer_config.json",
    ]
    .iter()
    .filter_map(|n| Some((n.to_string(), std::fs::read(repo(rel).join(n)).ok()?)))
    .collect()
}

/// The tokenizer view loads only config.json and the tokenizer: what it shows must be what the
/// whole model reads, pieces, ids, specials and errors alike.
#[test]
fn tokenizer_only_reads_text_as_its_model_does() {
    let same =
        |a: Result<Tokenized, TaskError>, b: Result<Tokenized, TaskError>, what: &str| match (a, b)
        {
            (Ok(a), Ok(b)) => assert_eq!(
                serde_json::to_value(a).expect("json"),
                serde_json::to_value(b).expect("json"),
                "{what}"
            ),
            (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "{what}"),
            (a, b) => panic!("{what}: {a:?} vs {b:?}"),
        };
    let long = "word ".repeat(600);
    for dir in [
        "assets/fill-mask-en",
        "assets/fill-mask-zh",
        "fixtures/bert-gelu",
        "fixtures/bert-zh-chars",
        "fixtures/bert-zh-wwm",
        "fixtures/bert-multilingual-cased",
    ] {
        let model = FillMask::from_dir(&repo(dir)).expect("model loads");
        let only = TokenizerOnly::from_named(ReaderKind::Bert, text_files(dir)).expect("tokenizer");
        for text in [
            "Tokenization splits unbelievably rare words.",
            "The man went to the [mask] and [MASK].",
            "臺灣大學的學生在讀《靜夜思》。床前明月[MASK]",
            "",
            long.as_str(),
        ] {
            same(
                model.tokenize(text),
                only.tokenize(text),
                &format!("{dir}: {text:.30}"),
            );
        }
    }
    let dir = "fixtures/marian-swish";
    let model = marian();
    let only =
        TokenizerOnly::from_named(ReaderKind::Translation, text_files(dir)).expect("tokenizer");
    for text in [
        "hello world",
        "Tokenization splits unbelievably rare words.",
        " ",
        &long,
    ] {
        same(
            model.tokenize(text),
            only.tokenize(text),
            &format!("{dir}: {text:.30}"),
        );
    }
    let c = model.config();
    let bytes: usize = text_files(dir).iter().map(|(_, b)| b.len()).sum();
    assert_eq!(
        serde_json::to_value(only.info()).expect("json"),
        serde_json::json!({"reads": "translate", "bytes": bytes, "warnings": [],
            "encoder_layers": c.encoder_layers, "decoder_layers": c.decoder_layers,
            "d_model": c.d_model, "vocab_size": c.vocab_size})
    );
    let missing = TokenizerOnly::from_named(ReaderKind::Bert, vec![])
        .err()
        .expect("no files");
    assert!(missing.to_string().contains("config.json"), "{missing}");
}

#[test]
fn encoder_attention_rows_are_distributions() {
    let m = marian();
    let a = m.encoder_attentions("hello world").expect("attentions");
    assert_eq!(a.layers.len(), m.config().encoder_layers);
    for layer in &a.layers {
        assert_eq!(layer.len(), m.config().encoder_attention_heads);
        for head in layer {
            assert_eq!(head.len(), a.tokens.len());
            assert_rows_sum_to_one(head, "encoder");
        }
    }
}

#[test]
fn teacher_forcing_with_attentions_matches_plain_and_is_causal() {
    let m = marian();
    let plain = m.teacher_force("hello world", "ola mundo").expect("forced");
    let with = m
        .teacher_force_attentions("hello world", "ola mundo")
        .expect("forced with attentions");
    assert!((plain.log_likelihood - with.forced.log_likelihood).abs() < 1e-5);
    let n = with.forced.target_ids.len();
    assert_eq!(with.cross_attentions.len(), n);
    assert_eq!(
        with.self_attentions.len(),
        n,
        "marian-swish has self-attention"
    );
    for (i, layers) in with.self_attentions.iter().enumerate() {
        for heads in layers {
            // Position i sees positions 0..=i only: nothing from the future exists.
            assert!(heads.iter().all(|h| h.len() == i + 1));
            assert_rows_sum_to_one(heads, "decoder self-attention");
        }
    }
    for layers in &with.cross_attentions {
        for heads in layers {
            assert!(
                heads
                    .iter()
                    .all(|h| h.len() == with.forced.source_tokens.len())
            );
            assert_rows_sum_to_one(heads, "cross-attention");
        }
    }
}

#[test]
fn ssru_decoder_reports_no_self_attention() {
    let dir = repo("models/translate-en-pt");
    assert!(
        dir.join("model.safetensors").exists(),
        "run tools/prepare-models.sh first: {} is missing",
        dir.display()
    );
    let m = Translator::from_dir(&dir).expect("default model loads");
    let with = m
        .teacher_force_attentions("The cat sat on the mat.", "O gato sentou-se no tapete.")
        .expect("forced");
    assert_eq!(
        serde_json::to_value(with.decoder_self_attention).expect("json"),
        "ssru"
    );
    assert!(with.self_attentions.is_empty());
    assert_eq!(with.cross_attentions.len(), with.forced.target_ids.len());
}

/// Teacher forcing scores over the whole vocabulary, so a reference in words the Bergamot
/// shortlist does not offer gets finite (low) log-probabilities, each marked as outside it.
#[test]
fn teacher_forcing_scores_words_outside_the_shortlist() {
    let m = Translator::from_dir(&repo("models/translate-en-pt")).expect("default model loads");
    let out = m
        .teacher_force(
            "The cat sat on the mat.",
            "O felino repousou sobre a alcatifa.",
        )
        .expect("forced");
    assert!(out.log_likelihood.is_finite());
    assert!(
        out.positions
            .iter()
            .all(|p| p.log_prob.is_finite() && p.log_prob <= 0.0)
    );
    let outside: Vec<&str> = out
        .positions
        .iter()
        .filter(|p| p.in_shortlist == Some(false))
        .map(|p| p.token.as_str())
        .collect();
    assert!(
        outside.contains(&"▁fe"),
        "outside the shortlist: {outside:?}"
    );
    assert!(out.positions.iter().all(|p| p.in_shortlist.is_some()));
    // A model without a shortlist says nothing about one.
    let plain = marian()
        .teacher_force("hello world", "ola mundo")
        .expect("forced");
    assert!(plain.positions.iter().all(|p| p.in_shortlist.is_none()));
}

#[test]
fn beam_trace_labels_every_token_it_mentions() {
    let m = marian();
    let opts = TranslateOptions {
        beam: 3,
        trace_top_k: 4,
        max_new_tokens: Some(6),
        ..TranslateOptions::default()
    };
    let out = m.translate("hello world", &opts).expect("translate");
    assert!(!out.trace.is_empty());
    for step in &out.trace {
        for b in step.beams.iter().chain(&step.chosen) {
            for id in b.tokens.iter().chain(b.top.iter().map(|a| &a.id)) {
                assert!(
                    out.trace_tokens.contains_key(&id.to_string()),
                    "id {id} has no label"
                );
            }
        }
    }
}

#[test]
fn pretrain_demo_masks_whole_words_deterministically() {
    let b = bert();
    let text = "the quick brown fox jumps over the lazy dog and runs far away from home";
    let a = b.pretrain_demo(text, 3, 5).expect("demo");
    assert_eq!(
        serde_json::to_value(&a).expect("json"),
        serde_json::to_value(b.pretrain_demo(text, 3, 5).expect("demo")).expect("json"),
        "same seed, same demo"
    );
    assert!(!a.positions.is_empty());
    let mut loss = 0.0;
    for p in &a.positions {
        assert_eq!(a.input_ids[p.position], p.original_id);
        assert_eq!(a.corrupted_ids[p.position], p.shown_id);
        if p.kind == MaskKind::Mask {
            assert_eq!(p.shown, b.mask_token());
        }
        assert_eq!(p.candidates.len(), 5);
        loss -= p.prob_original.ln();
    }
    loss /= a.positions.len() as f32;
    assert!((loss - a.loss).abs() < 1e-4, "{loss} vs {}", a.loss);
    // Different seeds choose differently at least once.
    let chosen = |seed| {
        b.pretrain_demo(text, seed, 1)
            .expect("demo")
            .positions
            .iter()
            .map(|p| p.position)
            .collect::<Vec<_>>()
    };
    assert!((0..10).any(|s| chosen(s) != chosen(3)));
}

/// "Inside an encoder block": every stage of every block equals Hugging Face's `BertLayer`
/// on the same weights (`tools/make_block_fixture.py`, forward hooks), and the stages add up
/// as the diagram says.
#[test]
fn encoder_block_stages_match_transformers() {
    #[derive(serde::Deserialize)]
    struct Fixture {
        text: String,
        input_ids: Vec<u32>,
        layers: Vec<std::collections::HashMap<String, Vec<Vec<f32>>>>,
    }
    let bytes = std::fs::read(repo("fixtures/bert-gelu/block.json")).expect("block.json");
    let fx: Fixture = serde_json::from_slice(&bytes).expect("block.json parses");
    let m = bert();
    let mut worst = 0.0f32;
    for (layer, expected) in fx.layers.iter().enumerate() {
        let view = m.encoder_block(&fx.text, layer).expect("block view");
        assert_eq!(view.tokens.len(), fx.input_ids.len());
        assert_eq!((view.layer, view.layers), (layer, fx.layers.len()));
        let names: Vec<&str> = view.stages.iter().map(|s| s.name).collect();
        assert_eq!(
            names,
            [
                "input",
                "self_attention",
                "attn_residual",
                "attn_norm",
                "feed_forward",
                "ffn_residual",
                "output"
            ]
        );
        for stage in &view.stages {
            let want = &expected[stage.name];
            assert_eq!(stage.vectors.len(), want.len(), "{}", stage.name);
            for (g, w) in stage.vectors.iter().zip(want) {
                for (a, b) in g.iter().zip(w) {
                    worst = worst.max((a - b).abs());
                }
            }
            for (t, v) in stage.vectors.iter().enumerate() {
                let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
                assert!((stage.norms[t] - norm).abs() < 1e-3 * norm.max(1.0));
            }
        }
        let [input, attended, residual] = [0, 1, 2].map(|i| &view.stages[i].vectors);
        for t in 0..input.len() {
            for d in 0..view.hidden {
                assert!((input[t][d] + attended[t][d] - residual[t][d]).abs() < 1e-5);
            }
        }
    }
    assert!(worst < 1e-4, "max |Δ| against transformers: {worst}");
    let err = m
        .encoder_block(&fx.text, fx.layers.len())
        .expect_err("no such layer");
    assert!(err.to_string().contains("does not exist"), "{err}");
}
