//! Fuzzed `config.json` for both models (bert-gelu and marian-relu fixtures' tokenizer and
//! weights), then one fill and one translation (greedy and beam 3): whatever a config says
//! must be checked before it reaches an index, a cast or an allocation.
#![no_main]

use libfuzzer_sys::{fuzz_mutator, fuzz_target};
use tlab_fuzz::*;
use tlab_tasks::fill_mask::FillMask;
use tlab_tasks::translate::Translator;

fuzz_target!(|data: &[u8]| {
    let bert = FillMask::from_bytes(data, BERT_TOKENIZER, BERT_WEIGHTS, None);
    if let Some(model) = ok("FillMask::from_bytes", bert) {
        exercise_fill_mask(&model);
        let _ = model.info();
        let _ = model.classify("the cat is small");
    }
    let marian = Translator::from_bytes(data, MARIAN_TOKENIZER, MARIAN_WEIGHTS, None);
    if let Some(model) = ok("Translator::from_bytes", marian) {
        exercise_translator(&model, true);
    }
});

fuzz_mutator!(|data: &mut [u8], size: usize, max_size: usize, seed: u32| {
    json_mutate(data, size, max_size, seed, CONFIG_FIELDS)
});
