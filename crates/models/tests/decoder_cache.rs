//! The decoder computes the same numbers in its two modes, as Burn's own transformer
//! decoder tests check for theirs: one parallel pass under the causal mask (teacher forcing,
//! `Seq2Seq::decode_forced`) equals feeding the same tokens one step at a time through the
//! key/value cache (generation, `Seq2Seq::step`) — for masked self-attention and for SSRU.

use std::path::{Path, PathBuf};

use burn::prelude::*;
use tlab_models::burn;
use tlab_models::seq2seq::{Seq2Seq, Seq2SeqConfig};
use tlab_models::weights::Checkpoint;

fn dir(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(rel)
}

fn check(model_dir: &Path, source: &[u32], target: &[u32]) {
    let read = |f: &str| std::fs::read(model_dir.join(f)).expect("model file");
    let config = Seq2SeqConfig::from_json(&read("config.json")).expect("config");
    let weights = read("model.safetensors");
    let device = tlab_models::device();
    let ckpt = Checkpoint::from_bytes(&weights, &device).expect("weights");
    let model = Seq2Seq::load(&config, &ckpt).expect("loads");
    let ids: Vec<i64> = source.iter().map(|&i| i64::from(i)).collect();
    let src = Tensor::<2, Int>::from_data(TensorData::new(ids, [1, source.len()]), &device);
    let memory = model.encode(src, false);

    let parallel = model.decode_forced(&memory, target, false).hidden;
    let [_, n, d] = parallel.dims();
    assert_eq!(n, target.len());
    let parallel: Vec<f32> = parallel.into_data().try_into_vec_as::<f32>().expect("f32");

    let mut state = model.start(&memory, 1);
    let mut stepped = Vec::new();
    for i in 0..n {
        let prev = (i > 0).then(|| [target[i - 1]]);
        let h = model
            .step(&mut state, prev.as_ref().map(|p| &p[..]), false)
            .hidden;
        stepped.extend(h.into_data().try_into_vec_as::<f32>().expect("f32"));
    }
    assert_eq!(stepped.len(), n * d);
    let worst = parallel
        .iter()
        .zip(&stepped)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0f32, f32::max);
    assert!(
        worst < 1e-4,
        "{}: max |parallel − cached| {worst}",
        model_dir.display()
    );
}

#[test]
fn masked_self_attention_parallel_equals_cached_steps() {
    check(
        &dir("fixtures/marian-relu"),
        &[5, 17, 40, 9, 0],
        &[12, 33, 7, 81, 4, 0],
    );
    check(&dir("fixtures/marian-swish"), &[8, 9, 10, 0], &[3, 0]);
}

#[test]
fn ssru_parallel_equals_cached_steps() {
    // The Bergamot model that tools/prepare-models.sh converts (tools/test.sh runs it first).
    let bergamot = dir("models/translate-en-pt");
    assert!(
        bergamot.join("model.safetensors").exists(),
        "run tools/prepare-models.sh first: {} is missing",
        bergamot.display()
    );
    check(&bergamot, &[120, 4000, 77, 9, 0], &[310, 15, 2024, 8, 0]);
}
