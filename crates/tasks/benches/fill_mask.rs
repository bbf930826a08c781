//! Native fill-mask latency of the default model (MiniLM-L6 + its MLM head, 6 × 384,
//! vocabulary 30 522; the same code the wasm build runs), for comparison with the browser
//! numbers of `tools/bench-browser.mjs` and `tools/bench-peers.mjs`.
//!
//!     tools/setup.sh                         # models/fill-mask
//!     cargo bench -p tlab-tasks --bench fill_mask

use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use tlab_tasks::fill_mask::FillMask;

const WORDS: [&str; 17] = [
    "the", "cat", "sat", "on", "a", "mat", "and", "the", "dog", "ran", "to", "the", "old", "red",
    "house", "by", "river",
];

/// `n` tokens with [CLS] and [SEP]: n - 3 one-piece words and one [MASK].
fn sentence(n: usize) -> String {
    let mut words: Vec<&str> = (0..n - 3).map(|i| WORDS[i % WORDS.len()]).collect();
    words.insert(words.len() / 2, "[MASK]");
    words.join(" ")
}

fn bench(c: &mut Criterion) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models/fill-mask");
    let Ok(model) = FillMask::from_dir(&dir) else {
        eprintln!("skipping: run tools/setup.sh to create {}", dir.display());
        return;
    };
    for n in [16, 128] {
        let text = sentence(n);
        let tokens = model.fill(&text, 5).map(|o| o.input_ids.len()).unwrap_or(0);
        assert_eq!(tokens, n, "benchmark sentence length");
        c.bench_function(&format!("fill_mask/{n}_tokens"), |b| {
            b.iter(|| model.fill(&text, 5).map(|o| o.masks.len()).unwrap_or(0))
        });
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30);
    targets = bench
}
criterion_main!(benches);
