//! Parity with Hugging Face `MarianMTModel` on small random-initialised checkpoints written
//! by `tools/make_marian_fixtures.py`: teacher-forced logits to 1e-4, greedy output equal to
//! `generate(num_beams=1)`, and the 4-best list equal to `generate(num_beams=4)`.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use tlab_tasks::translate::{TranslateOptions, Translator};

const TOL: f32 = 1e-4;

#[derive(Deserialize)]
struct Expected {
    generation: Generation,
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct Generation {
    greedy: GenSettings,
    beam4: GenSettings,
}

#[derive(Deserialize)]
struct GenSettings {
    max_new_tokens: usize,
    length_penalty: f32,
    num_beams: usize,
}

#[derive(Deserialize)]
struct Case {
    text: String,
    input_ids: Vec<u32>,
    teacher_forcing: Forced,
    greedy: Greedy,
    beam4: Beam,
}

#[derive(Deserialize)]
struct Forced {
    target_ids: Vec<u32>,
    logits: Vec<Vec<f32>>,
    log_prob_sum: f32,
    /// `[layer][head][target][source]` (recorded for the first case of each fixture).
    #[serde(default)]
    cross_attentions: Vec<Vec<Vec<Vec<f32>>>>,
    /// `[layer][head][target][target]`: PyTorch's masked self-attention, zeros above the diagonal.
    #[serde(default)]
    decoder_self_attentions: Vec<Vec<Vec<Vec<f32>>>>,
}

#[derive(Deserialize)]
struct Greedy {
    sequence: Vec<u32>,
}

#[derive(Deserialize)]
struct Beam {
    sequences: Vec<Vec<u32>>,
    sequences_scores: Vec<f32>,
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures")
        .join(name)
}

/// Drops the decoder start token and anything after the first EOS (Hugging Face pads there).
fn generated(seq: &[u32], eos: u32) -> Vec<u32> {
    let body = &seq[1..];
    match body.iter().position(|&t| t == eos) {
        Some(i) => body[..=i].to_vec(),
        None => body.to_vec(),
    }
}

/// The cross-attention and masked self-attention views' numbers equal PyTorch's
/// `output_attentions=True`, position by position; the masked self-attention's entries
/// above the diagonal are exactly 0 in both.
fn check_attentions(name: &str, t: &Translator, source_ids: &[u32], tf: &Forced) {
    let got = t
        .teacher_force_attentions_ids(source_ids, &tf.target_ids)
        .expect("teacher forcing with attentions");
    let n = tf.target_ids.len();
    assert_eq!(
        got.cross_attentions.len(),
        n,
        "{name}: cross-attention positions"
    );
    assert_eq!(
        got.self_attentions.len(),
        n,
        "{name}: self-attention positions"
    );
    let mut worst = 0.0f32;
    for i in 0..n {
        for (l, (want_cross, want_self)) in tf
            .cross_attentions
            .iter()
            .zip(&tf.decoder_self_attentions)
            .enumerate()
        {
            for h in 0..want_cross.len() {
                let (gc, wc) = (&got.cross_attentions[i][l][h], &want_cross[h][i]);
                assert_eq!(gc.len(), wc.len(), "{name}: source length");
                let (gs, ws) = (&got.self_attentions[i][l][h], &want_self[h][i]);
                assert_eq!(gs.len(), i + 1, "{name}: row {i} sees keys 0..={i}");
                assert!(
                    ws[i + 1..].iter().all(|&p| p == 0.0),
                    "{name}: PyTorch's future"
                );
                for (a, b) in gc.iter().zip(wc).chain(gs.iter().zip(&ws[..=i])) {
                    worst = worst.max((a - b).abs());
                }
                let sum: f32 = gs.iter().sum();
                assert!((sum - 1.0).abs() < 1e-4, "{name}: row {i} sums to {sum}");
            }
        }
    }
    assert!(worst <= TOL, "{name}: max |Δattention| {worst}");
}

fn check(name: &str) {
    let t = Translator::from_dir(&fixture(name)).expect("fixture loads");
    let bytes = std::fs::read(fixture(name).join("expected.json")).expect("expected.json");
    let e: Expected = serde_json::from_slice(&bytes).expect("parses");
    let eos = t.config().eos_token_id;
    let mut attention_cases = 0;
    for case in &e.cases {
        let ids = t.encode_source(&case.text).expect("encode");
        assert_eq!(ids, case.input_ids, "{name}: source ids of {:?}", case.text);

        let tf = &case.teacher_forcing;
        let (forced, logits) = t
            .teacher_force_ids(&ids, &tf.target_ids)
            .expect("teacher forcing");
        assert_eq!(logits.len(), tf.logits.len(), "{name}: positions");
        for (pos, (got, want)) in logits.iter().zip(&tf.logits).enumerate() {
            assert_eq!(got.len(), want.len(), "{name}: vocabulary size");
            let diff = got
                .iter()
                .zip(want)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0, f32::max);
            assert!(
                diff <= TOL,
                "{name}: {:?} position {pos}: max |Δlogit| {diff}",
                case.text
            );
        }
        assert!(
            (forced.log_likelihood - tf.log_prob_sum).abs() <= 1e-3,
            "{name}: log-likelihood"
        );
        if !tf.cross_attentions.is_empty() {
            check_attentions(name, &t, &ids, tf);
            attention_cases += 1;
        }

        let greedy = t
            .translate(
                &case.text,
                &TranslateOptions {
                    beam: e.generation.greedy.num_beams,
                    max_new_tokens: Some(e.generation.greedy.max_new_tokens),
                    ..TranslateOptions::default()
                },
            )
            .expect("greedy");
        assert_eq!(
            greedy.nbest[0].ids,
            generated(&case.greedy.sequence, eos),
            "{name}: greedy of {:?}",
            case.text
        );

        let beam = t
            .translate(
                &case.text,
                &TranslateOptions {
                    beam: e.generation.beam4.num_beams,
                    alpha: e.generation.beam4.length_penalty,
                    max_new_tokens: Some(e.generation.beam4.max_new_tokens),
                    ..TranslateOptions::default()
                },
            )
            .expect("beam");
        let got: Vec<Vec<u32>> = beam.nbest.iter().map(|h| h.ids.clone()).collect();
        let want: Vec<Vec<u32>> = case
            .beam4
            .sequences
            .iter()
            .map(|s| generated(s, eos))
            .collect();
        assert_eq!(got, want, "{name}: beam-4 n-best of {:?}", case.text);
        assert_eq!(beam.nbest.len(), case.beam4.sequences_scores.len());
        for (h, s) in beam.nbest.iter().zip(&case.beam4.sequences_scores) {
            assert!(
                (h.score - s).abs() <= 1e-4,
                "{name}: beam score {} vs {s}",
                h.score
            );
        }
    }
    assert!(
        attention_cases > 0,
        "{name}: expected.json records no attentions to compare"
    );
}

#[test]
fn marian_swish_teacher_forcing_greedy_and_beam() {
    check("marian-swish");
}

#[test]
fn marian_relu_teacher_forcing_greedy_and_beam() {
    check("marian-relu");
}

#[test]
fn step_trace_agrees_with_the_output() {
    let t = Translator::from_dir(&fixture("marian-relu")).expect("fixture loads");
    let text = "hello world, where is the old king?";
    let greedy = t
        .translate(
            text,
            &TranslateOptions {
                trace_top_k: 3,
                max_new_tokens: Some(12),
                ..TranslateOptions::default()
            },
        )
        .expect("greedy");
    let ids = &greedy.nbest[0].ids;
    assert_eq!(greedy.trace.len(), ids.len());
    for (step, s) in greedy.trace.iter().enumerate() {
        assert_eq!(
            s.chosen[0].tokens[..],
            ids[..=step],
            "greedy step {step} chooses the output token"
        );
        assert_eq!(
            s.beams[0].top[0].id, ids[step],
            "greedy picks the most probable token"
        );
        assert!(s.beams[0].top.windows(2).all(|w| w[0].prob >= w[1].prob));
    }
    let beam = t
        .translate(
            text,
            &TranslateOptions {
                beam: 3,
                trace_top_k: 2,
                max_new_tokens: Some(12),
                ..TranslateOptions::default()
            },
        )
        .expect("beam");
    let finished: Vec<&Vec<u32>> = beam
        .trace
        .iter()
        .flat_map(|s| s.finished.iter().map(|h| &h.tokens))
        .collect();
    for h in &beam.nbest {
        assert!(
            finished.contains(&&h.ids),
            "every n-best hypothesis finishes at some traced step"
        );
    }
    assert!(
        beam.trace
            .iter()
            .all(|s| s.chosen.len() <= 3 && s.beams.len() <= 3)
    );
}
