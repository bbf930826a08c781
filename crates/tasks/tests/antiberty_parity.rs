//! AntiBERTy parity: `models/antiberty` (converted by `tools/prepare-models.sh` from the PyPI
//! wheel `antiberty==0.1.3` with `tlab convert-bert`, no Python) against the package's own
//! PyTorch model, recorded by `tools/make_antiberty_fixture.py` in
//! `fixtures/antiberty/expected.json`: logits at the masks, top-5, the runner's filled
//! sequence, species and chain probabilities, and the top-1 residue at every position of a
//! 10%-masked recovery scan.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use tlab_tasks::fill_mask::FillMask;
use tokenizers::Tokenizer;

/// The largest |Δ| allowed between our logits or probabilities and PyTorch's (f32 weights),
/// for weights converted as f32.
const TOL_F32: Tolerance = Tolerance {
    logit: 1e-4,
    prob: 1e-4,
};
/// The same for the f16 weights the page downloads (`convert-bert --f16`): rounding the
/// weights to f16 moved the logits by at most 8.7e-3 and the probabilities by 8.3e-4, and no
/// top-1 residue of the recovery scan (measured when the f16 conversion was introduced).
const TOL_F16: Tolerance = Tolerance {
    logit: 2e-2,
    prob: 2e-3,
};

#[derive(Debug, Clone, Copy)]
struct Tolerance {
    logit: f32,
    prob: f32,
}

/// f16 when every float tensor of `model.safetensors` is stored as f16.
fn tolerance(dir: &Path) -> Tolerance {
    let bytes = std::fs::read(dir.join("model.safetensors")).expect("model.safetensors");
    let st = safetensors::SafeTensors::deserialize(&bytes).expect("safetensors");
    let half = st
        .tensors()
        .iter()
        .all(|(_, t)| t.dtype() == safetensors::Dtype::F16);
    if half { TOL_F16 } else { TOL_F32 }
}

#[derive(Deserialize)]
struct Expected {
    cases: Vec<Case>,
    recovery: Recovery,
}

#[derive(Deserialize)]
struct Case {
    name: String,
    text: String,
    truth: String,
    input_ids: Vec<u32>,
    mask_positions: Vec<usize>,
    logits: Vec<Vec<f32>>,
    top5_ids: Vec<Vec<u32>>,
    top5_probs: Vec<Vec<f32>>,
    runner_filled: String,
    species_probs: Vec<f32>,
    chain_probs: Vec<f32>,
}

#[derive(Deserialize)]
struct Recovery {
    stride: usize,
    reference_top1_accuracy: f64,
    positions: Vec<RecoveryPosition>,
}

#[derive(Deserialize)]
struct RecoveryPosition {
    sequence: usize,
    offset: usize,
    position: usize,
    top1_id: u32,
    margin: f32,
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn model_dir() -> PathBuf {
    std::env::var_os("TLAB_MODELS")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("models"))
        .join("antiberty")
}

fn load() -> (FillMask, Tokenizer, Expected, Tolerance) {
    let dir = model_dir();
    let model = FillMask::from_dir(&dir).unwrap_or_else(|e| {
        panic!(
            "{e}\n(models/antiberty is made by tools/prepare-models.sh from PyPI antiberty==0.1.3)"
        )
    });
    let tokenizer = Tokenizer::from_file(dir.join("tokenizer.json")).expect("tokenizer.json");
    let bytes =
        std::fs::read(root().join("fixtures/antiberty/expected.json")).expect("fixture exists");
    let expected = serde_json::from_slice(&bytes).expect("fixture parses");
    (model, tokenizer, expected, tolerance(&dir))
}

fn max_abs_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len(), "length mismatch");
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

/// Residues with `[MASK]` inline → the same with a space between every token, as the
/// antiberty package feeds its tokenizer.
fn spaced(text: &str) -> String {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if let Some(after) = rest.strip_prefix("[MASK]") {
            out.push("[MASK]".to_string());
            rest = after;
        } else {
            out.push(c.to_string());
            rest = &rest[c.len_utf8()..];
        }
    }
    out.join(" ")
}

#[test]
fn antiberty_logits_top5_filled_and_classes_match_the_package() {
    let (model, _, expected, tol) = load();
    assert_eq!(model.info().classifiers, ["species", "chain"]);
    let (mut worst_logit, mut worst_prob) = (0.0f32, 0.0f32);
    for case in &expected.cases {
        let got = model.mask_logits(&case.text).expect("logits");
        assert_eq!(got.input_ids, case.input_ids, "{}: token ids", case.name);
        assert_eq!(got.mask_positions, case.mask_positions, "{}", case.name);
        let spaced_ids = model
            .mask_logits(&spaced(&case.text))
            .expect("spaced logits")
            .input_ids;
        assert_eq!(
            spaced_ids, case.input_ids,
            "{}: residues separated by spaces must tokenize the same",
            case.name
        );
        for (row, (g, e)) in got.logits.iter().zip(&case.logits).enumerate() {
            let diff = max_abs_diff(g, e);
            worst_logit = worst_logit.max(diff);
            assert!(
                diff <= tol.logit,
                "{}: mask {row}: max |Δlogit| = {diff}",
                case.name
            );
        }

        let out = model.fill(&case.text, 5).expect("fill");
        for (m, (ids, probs)) in out
            .masks
            .iter()
            .zip(case.top5_ids.iter().zip(&case.top5_probs))
        {
            let got_ids: Vec<u32> = m.candidates.iter().map(|c| c.id).collect();
            assert_eq!(&got_ids, ids, "{}: top-5 ids", case.name);
            let got_probs: Vec<f32> = m.candidates.iter().map(|c| c.prob).collect();
            let diff = max_abs_diff(&got_probs, probs);
            worst_prob = worst_prob.max(diff);
            assert!(
                diff <= tol.prob,
                "{}: top-5 probabilities: {diff}",
                case.name
            );
        }
        assert_eq!(
            out.filled, case.runner_filled,
            "{}: filled sequence vs AntiBERTyRunner.fill_masks",
            case.name
        );
        let recovered = case
            .mask_positions
            .iter()
            .filter(|&&p| out.filled.as_bytes()[p - 1] == case.truth.as_bytes()[p - 1])
            .count();
        println!(
            "{}: {recovered}/{} masked residues recovered",
            case.name,
            case.mask_positions.len()
        );

        let classes = model.classify(&case.text).expect("classify");
        for (head, want) in [
            ("species", &case.species_probs),
            ("chain", &case.chain_probs),
        ] {
            let got = classes
                .iter()
                .find(|c| c.head == head)
                .expect("head present");
            let probs: Vec<f32> = got.classes.iter().map(|c| c.prob).collect();
            let diff = max_abs_diff(&probs, want);
            worst_prob = worst_prob.max(diff);
            assert!(
                diff <= tol.prob,
                "{}: {head} probabilities: {diff}",
                case.name
            );
            println!("  {head}: {} ({:.4})", got.label, got.prob);
        }
    }
    println!("max |Δlogit| {worst_logit:.2e}, max |Δprob| {worst_prob:.2e} (tolerance {tol:?})");
}

#[test]
fn antiberty_recovers_masked_residues_like_the_package() {
    let (model, tokenizer, expected, _) = load();
    let truths: Vec<&str> = expected.cases.iter().map(|c| c.truth.as_str()).collect();
    let rec = &expected.recovery;
    let (mut same_as_reference, mut near_ties, mut recovered) = (0, 0, 0);
    for (s, truth) in truths.iter().enumerate() {
        for offset in 0..rec.stride {
            let masked: String = truth
                .chars()
                .enumerate()
                .map(|(i, c)| {
                    if i % rec.stride == offset {
                        "[MASK]".to_string()
                    } else {
                        c.to_string()
                    }
                })
                .collect();
            // `filled` puts the best non-special token in each mask: one residue per mask,
            // so it lines up with the sequence character by character.
            let filled = model.fill(&masked, 5).expect("fill").filled;
            assert_eq!(filled.len(), truth.len(), "one residue per mask");
            for p in rec
                .positions
                .iter()
                .filter(|p| p.sequence == s && p.offset == offset)
            {
                let ours = &filled[p.position..p.position + 1];
                let reference = tokenizer.id_to_token(p.top1_id).expect("reference id");
                if ours == reference {
                    same_as_reference += 1;
                } else {
                    // Two residues this close could swap on rounding alone; none did so far.
                    assert!(
                        p.margin < 1e-3,
                        "sequence {s} position {}: ours {ours}, reference {reference} (margin {})",
                        p.position,
                        p.margin
                    );
                    near_ties += 1;
                }
                recovered += usize::from(ours == &truth[p.position..p.position + 1]);
            }
        }
    }
    let n = rec.positions.len();
    let total: usize = truths.iter().map(|t| t.len()).sum();
    assert_eq!(n, total, "the scan masks every residue once");
    println!(
        "recovery scan ({}% masked at a time): top-1 equal to the package at {same_as_reference}/{n} \
         positions ({near_ties} near-ties); true residue recovered {recovered}/{n} = {:.1}% \
         (package: {:.1}%)",
        100 / rec.stride,
        100.0 * recovered as f64 / n as f64,
        100.0 * rec.reference_top1_accuracy
    );
    // The fixture rounds the package's accuracy to 6 decimals.
    assert!(
        near_ties > 0 || (recovered as f64 / n as f64 - rec.reference_top1_accuracy).abs() < 1e-5,
        "recovery differs from the package's"
    );
}
