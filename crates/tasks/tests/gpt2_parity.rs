//! Parity with Hugging Face `GPT2LMHeadModel` on small random-initialised checkpoints of
//! unusual shapes, written by `tools/make_gpt2_fixtures.py` in three hub layouts
//! (`tokenizer.json` + safetensors under `transformer.`; `vocab.json` + `merges.txt` +
//! `pytorch_model.bin` with bare keys and the old causal-mask buffers; a BERT `vocab.txt`
//! as `uer/gpt2-chinese-poem` has): logits of one causal pass to 1e-4, the same logits
//! computed one token at a time through the KV cache, greedy (also with a repetition
//! penalty) equal to `generate(do_sample=False)`, the 4-best list equal to
//! `generate(num_beams=4)`, and attention probabilities equal to `output_attentions=True`.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use tlab_tasks::generate::{GenerateOptions, Generator, Strategy};

const TOL: f32 = 1e-4;

#[derive(Deserialize)]
struct Expected {
    generation: serde_json::Value,
    prompts: Vec<Prompt>,
}

#[derive(Deserialize)]
struct Prompt {
    text: String,
    input_ids: Vec<u32>,
    logits: Vec<Vec<f32>>,
    greedy: Greedy,
    greedy_rep: GreedyRep,
    beam4: Beam,
    #[serde(default)]
    attentions: Vec<Vec<Vec<Vec<f32>>>>,
}

#[derive(Deserialize)]
struct Greedy {
    ids: Vec<u32>,
    text: String,
    ended_with_eos: bool,
}

#[derive(Deserialize)]
struct GreedyRep {
    repetition_penalty: f32,
    ids: Vec<u32>,
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

fn load(name: &str) -> (Generator, Expected) {
    let dir = fixture(name);
    let generator = Generator::from_dir(&dir).expect("loads");
    let expected: Expected =
        serde_json::from_slice(&std::fs::read(dir.join("expected.json")).expect("expected.json"))
            .expect("expected.json parses");
    (generator, expected)
}

fn max_new(e: &Expected) -> usize {
    e.generation["greedy"]["max_new_tokens"]
        .as_u64()
        .expect("max_new_tokens") as usize
}

fn assert_close(a: &[Vec<f32>], b: &[Vec<f32>], what: &str) {
    assert_eq!(a.len(), b.len(), "{what}: row count");
    for (i, (ra, rb)) in a.iter().zip(b).enumerate() {
        assert_eq!(ra.len(), rb.len(), "{what}: row {i} length");
        let worst = ra
            .iter()
            .zip(rb)
            .map(|(x, y)| (x - y).abs())
            .fold(0.0f32, f32::max);
        assert!(worst < TOL, "{what}: row {i} differs by {worst}");
    }
}

fn check_fixture(name: &str) {
    let (g, e) = load(name);
    assert!(
        g.info().warnings.is_empty(),
        "{name}: {:?}",
        g.info().warnings
    );
    for p in &e.prompts {
        // The tokenizer (and the leading [CLS] of a BERT vocabulary) as the reference has it.
        assert_eq!(
            g.encode_prompt(&p.text).expect("encodes"),
            p.input_ids,
            "{name}: prompt ids of {:?}",
            p.text
        );
        let parallel = g.logits_of(&p.input_ids).expect("logits");
        assert_close(&parallel, &p.logits, &format!("{name} {:?} logits", p.text));
        let stepwise = g.logits_stepwise(&p.input_ids).expect("stepwise logits");
        assert_close(
            &stepwise,
            &parallel,
            &format!("{name} {:?} cache vs parallel", p.text),
        );

        let greedy = g
            .generate_ids(
                &p.input_ids,
                &GenerateOptions {
                    max_new_tokens: max_new(&e),
                    ..GenerateOptions::default()
                },
            )
            .expect("greedy");
        assert_eq!(greedy.ids, p.greedy.ids, "{name} {:?}: greedy", p.text);
        assert_eq!(
            greedy.ended_with_eos, p.greedy.ended_with_eos,
            "{name}: eos"
        );
        // The reference's decoded continuation, as this crate tidies it (no spaces between
        // Chinese characters).
        assert_eq!(
            greedy.text,
            tlab_tasks::generate::tidy_cjk_spaces(&p.greedy.text)
        );
        assert_eq!(greedy.steps.len(), greedy.ids.len());
        for s in &greedy.steps {
            assert_eq!(s.top[0].id, s.id, "greedy takes the most probable token");
        }

        let rep = g
            .generate_ids(
                &p.input_ids,
                &GenerateOptions {
                    max_new_tokens: max_new(&e),
                    repetition_penalty: p.greedy_rep.repetition_penalty,
                    ..GenerateOptions::default()
                },
            )
            .expect("greedy with a repetition penalty");
        assert_eq!(
            rep.ids, p.greedy_rep.ids,
            "{name} {:?}: repetition penalty",
            p.text
        );

        let beam = g
            .generate_ids(
                &p.input_ids,
                &GenerateOptions {
                    max_new_tokens: max_new(&e),
                    strategy: Strategy::Beam {
                        width: 4,
                        length_penalty: 1.0,
                    },
                    ..GenerateOptions::default()
                },
            )
            .expect("beam");
        let ours: Vec<&Vec<u32>> = beam.nbest.iter().map(|s| &s.ids).collect();
        let theirs: Vec<&Vec<u32>> = p.beam4.sequences.iter().collect();
        assert_eq!(ours, theirs, "{name} {:?}: beam 4-best", p.text);
        for (s, want) in beam.nbest.iter().zip(&p.beam4.sequences_scores) {
            assert!(
                (s.score - want).abs() < 1e-3,
                "{name}: beam score {} vs {want}",
                s.score
            );
        }

        if !p.attentions.is_empty() {
            let a = g.attentions_of(&p.input_ids).expect("attentions");
            for (l, (ours, theirs)) in a.layers.iter().zip(&p.attentions).enumerate() {
                for (h, (oh, th)) in ours.iter().zip(theirs).enumerate() {
                    assert_close(oh, th, &format!("{name} layer {l} head {h} attention"));
                    for (q, row) in oh.iter().enumerate() {
                        assert!(row[q + 1..].iter().all(|&v| v == 0.0), "above the diagonal");
                        let sum: f32 = row.iter().sum();
                        assert!((sum - 1.0).abs() < 1e-5, "row {q} sums to {sum}");
                    }
                }
            }
            assert_eq!(a.layers.len(), g.info().layers);
        }
    }
}

#[test]
fn gpt2_bpe_tokenizer_json_and_safetensors() {
    check_fixture("gpt2-bpe");
}

#[test]
fn gpt2_vocab_json_merges_and_pytorch_bin_with_bare_keys() {
    check_fixture("gpt2-merges-bin");
}

#[test]
fn gpt2_on_a_bert_vocabulary_never_ends_early() {
    check_fixture("gpt2-bert-vocab");
    let (g, e) = load("gpt2-bert-vocab");
    // eos_token_id 50256 lies outside the vocabulary: every output runs to the limit.
    assert!(g.info().eos_token.is_none());
    for p in &e.prompts {
        assert_eq!(p.greedy.ids.len(), max_new(&e));
    }
}

#[test]
fn sampling_is_reproducible_by_seed_and_respects_top_k() {
    let (g, e) = load("gpt2-bpe");
    let ids = &e.prompts[0].input_ids;
    let sample = |seed: u64, top_k: usize| {
        g.generate_ids(
            ids,
            &GenerateOptions {
                max_new_tokens: 10,
                strategy: Strategy::Sample(
                    tlab_tasks::tlab_models::decoding::SampleOptions {
                        temperature: 1.3,
                        top_k,
                        top_p: 1.0,
                    },
                    seed,
                ),
                ..GenerateOptions::default()
            },
        )
        .expect("samples")
    };
    assert_eq!(sample(7, 0).ids, sample(7, 0).ids, "same seed, same text");
    let seeds: std::collections::BTreeSet<Vec<u32>> = (0..6).map(|s| sample(s, 0).ids).collect();
    assert!(seeds.len() > 1, "different seeds give different texts");
    // With top-k 3, each step's distribution keeps 3 tokens and the choice is one of them.
    let out = sample(3, 3);
    for s in &out.steps {
        assert!(s.top.len() >= 3);
        assert!(s.top[3..].iter().all(|t| t.prob == 0.0), "{:?}", s.top);
        assert!(s.top[..3].iter().any(|t| t.id == s.id));
        let kept: f32 = s.top[..3].iter().map(|t| t.prob).sum();
        assert!((kept - 1.0).abs() < 1e-4);
    }
}

#[test]
fn bad_input_is_an_error_in_words() {
    let (g, _) = load("gpt2-bpe");
    let err = |o: GenerateOptions| g.generate("The man", &o).expect_err("refused").to_string();
    let e = err(GenerateOptions {
        strategy: Strategy::Sample(
            tlab_tasks::tlab_models::decoding::SampleOptions {
                temperature: 0.0,
                top_k: 0,
                top_p: 1.0,
            },
            1,
        ),
        ..GenerateOptions::default()
    });
    assert!(e.contains("temperature must be above 0"), "{e}");
    let e = err(GenerateOptions {
        strategy: Strategy::Beam {
            width: 0,
            length_penalty: 1.0,
        },
        ..GenerateOptions::default()
    });
    assert!(e.contains("beam width"), "{e}");
    let e = err(GenerateOptions {
        max_new_tokens: 0,
        ..GenerateOptions::default()
    });
    assert!(e.contains("new tokens"), "{e}");
    let long = "The man went to the store. ".repeat(40);
    let e = g
        .generate(&long, &GenerateOptions::default())
        .expect_err("too long")
        .to_string();
    assert!(e.contains("at most 64 tokens"), "{e}");
    // Generation stops at the end of the position table instead of indexing past it.
    let ids = g.encode_prompt(&"The man went ".repeat(6)).expect("fits");
    let out = g
        .generate_ids(
            &ids,
            &GenerateOptions {
                max_new_tokens: 200,
                ..GenerateOptions::default()
            },
        )
        .expect("runs to the limit");
    assert!(ids.len() + out.ids.len() <= 64);
    // A BERT checkpoint is not a GPT-2.
    let e = Generator::from_dir(&fixture("bert-gelu"))
        .err()
        .expect("refused")
        .to_string();
    assert!(e.contains("not a GPT-2 checkpoint"), "{e}");
}
