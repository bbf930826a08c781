//! Parity with Hugging Face `transformers`: the fixtures in `fixtures/bert-*` were written
//! by `tools/make_bert_fixtures.py` (random-initialised `BertForMaskedLM`, PyTorch logits).

use std::path::{Path, PathBuf};

use serde::Deserialize;
use tlab_tasks::fill_mask::FillMask;

const TOL: f32 = 1e-4;

#[derive(Deserialize)]
struct Expected {
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    text: String,
    input_ids: Vec<u32>,
    mask_positions: Vec<usize>,
    logits: Vec<Vec<f32>>,
    top5_ids: Vec<Vec<u32>>,
    top5_probs: Vec<Vec<f32>>,
    attentions: Option<Vec<Vec<Vec<Vec<f32>>>>>,
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures")
        .join(name)
}

fn expected(name: &str) -> Expected {
    let bytes = std::fs::read(fixture(name).join("expected.json")).expect("expected.json");
    serde_json::from_slice(&bytes).expect("expected.json parses")
}

fn max_abs_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len(), "length mismatch");
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

fn check_fixture(name: &str) {
    let model = FillMask::from_dir(&fixture(name)).expect("fixture loads");
    let expected = expected(name);
    for case in &expected.cases {
        let got = model.mask_logits(&case.text).expect("logits");
        assert_eq!(
            got.input_ids, case.input_ids,
            "{name}: token ids of {:?}",
            case.text
        );
        assert_eq!(
            got.mask_positions, case.mask_positions,
            "{name}: {:?}",
            case.text
        );
        for (row, (g, e)) in got.logits.iter().zip(&case.logits).enumerate() {
            let diff = max_abs_diff(g, e);
            assert!(
                diff <= TOL,
                "{name}: {:?} mask {row}: max |Δlogit| = {diff}",
                case.text
            );
        }
        let out = model.fill(&case.text, 5).expect("fill");
        for (m, (ids, probs)) in out
            .masks
            .iter()
            .zip(case.top5_ids.iter().zip(&case.top5_probs))
        {
            let got_ids: Vec<u32> = m.candidates.iter().map(|c| c.id).collect();
            assert_eq!(&got_ids, ids, "{name}: top-5 of {:?}", case.text);
            let got_probs: Vec<f32> = m.candidates.iter().map(|c| c.prob).collect();
            assert!(
                max_abs_diff(&got_probs, probs) <= TOL,
                "{name}: top-5 probabilities"
            );
        }
        if let Some(reference) = &case.attentions {
            let got = model.attentions(&case.text).expect("attentions");
            assert_eq!(got.layers.len(), reference.len(), "{name}: layer count");
            for (l, (gl, el)) in got.layers.iter().zip(reference).enumerate() {
                for (h, (gh, eh)) in gl.iter().zip(el).enumerate() {
                    for (gq, eq) in gh.iter().zip(eh) {
                        let diff = max_abs_diff(gq, eq);
                        assert!(diff <= TOL, "{name}: attention layer {l} head {h}: {diff}");
                        let sum: f32 = gq.iter().sum();
                        assert!((sum - 1.0).abs() < 1e-3, "attention row sums to {sum}");
                    }
                }
            }
        }
    }
}

#[test]
fn parity_gelu_prefixed_with_stored_tied_decoder() {
    check_fixture("bert-gelu");
}

#[test]
fn parity_relu_bare_legacy_gamma_beta_decoder_omitted() {
    check_fixture("bert-relu");
}

#[test]
fn parity_gelu_new_f16_weights_decoder_bias_key() {
    check_fixture("bert-gelu-new-f16");
}

/// bert-base-chinese's layout: characters one per word, `tokenizer.json`, BertForPreTraining
/// weights (pooler and next-sentence head left unread), traditional and simplified forms.
#[test]
fn parity_chinese_characters_tokenizer_json() {
    check_fixture("bert-zh-chars");
}

/// hfl/chinese-roberta-wwm-ext's layout: `vocab.txt` + `pytorch_model.bin` only, the
/// tokenizer built as Python's `BertTokenizer(vocab.txt)` builds it.
#[test]
fn parity_chinese_vocab_txt_and_pytorch_model_bin() {
    check_fixture("bert-zh-wwm");
}

/// bert-base-multilingual-cased's layout: cased, accents kept, CJK split per character.
#[test]
fn parity_multilingual_cased() {
    check_fixture("bert-multilingual-cased");
}
