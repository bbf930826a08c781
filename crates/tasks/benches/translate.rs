//! Native translation throughput (the same code the wasm build runs): the default en→pt
//! Bergamot model over the first 20 sentences of the reference-engine parity fixture, greedy
//! and beam 4, for comparison with the browser numbers of `tools/bench-translate.mjs`.
//!
//!     tools/setup.sh                         # models/translate-en-pt
//!     cargo bench -p tlab-tasks --bench translate

use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use tlab_tasks::translate::{TranslateOptions, Translator};

fn bench(c: &mut Criterion) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let Ok(model) = Translator::from_dir(&root.join("models/translate-en-pt")) else {
        eprintln!("skipping: run tools/setup.sh to create models/translate-en-pt");
        return;
    };
    let fixture: serde_json::Value = std::fs::read(root.join("fixtures/bergamot/en-pt.json"))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default();
    let sentences: Vec<String> = fixture["cases"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["text"].as_str().map(String::from))
        .take(20)
        .collect();
    assert_eq!(
        sentences.len(),
        20,
        "fixtures/bergamot/en-pt.json has the sentences"
    );
    let mut group = c.benchmark_group("translate_en_pt_20_sentences");
    group.throughput(Throughput::Elements(sentences.len() as u64));
    group.sample_size(10);
    for beam in [1, 4] {
        let opts = TranslateOptions {
            beam,
            ..TranslateOptions::default()
        };
        group.bench_function(if beam == 1 { "greedy" } else { "beam4" }, |b| {
            b.iter(|| {
                sentences
                    .iter()
                    .map(|s| model.translate(s, &opts).map_or(0, |o| o.tokens.len()))
                    .sum::<usize>()
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
