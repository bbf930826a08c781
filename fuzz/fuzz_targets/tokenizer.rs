//! Fuzzed `tokenizer.json` with the bert-gelu and marian-relu fixtures' config and weights,
//! then one tokenize and one fill / translate call.
#![no_main]

use libfuzzer_sys::{fuzz_mutator, fuzz_target};
use tlab_fuzz::*;
use tlab_tasks::fill_mask::FillMask;
use tlab_tasks::translate::Translator;

fuzz_target!(|data: &[u8]| {
    let bert = FillMask::from_bytes(BERT_CONFIG, data, BERT_WEIGHTS, None);
    if let Some(model) = ok("FillMask::from_bytes", bert) {
        let _ = model.tokenize("the [MASK] is small");
        exercise_fill_mask(&model);
    }
    let marian = Translator::from_bytes(MARIAN_CONFIG, data, MARIAN_WEIGHTS, None);
    if let Some(model) = ok("Translator::from_bytes", marian) {
        let _ = model.tokenize("the house is small");
        exercise_translator(&model, false);
    }
});

fuzz_mutator!(|data: &mut [u8], size: usize, max_size: usize, seed: u32| {
    json_mutate(data, size, max_size, seed, TOKENIZER_FIELDS)
});
