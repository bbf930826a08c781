//! Fuzzed Marian binary model (`model.*.bin`): the parser, then what `tlab convert-marian`
//! does in memory — convert to a config and a safetensors file, load that with the
//! marian-relu fixture's tokenizer (156 tokens; the seeds are built for that vocabulary by
//! fuzz/seeds/make_seeds.py) and translate (greedy and beam 3).
#![no_main]

use libfuzzer_sys::fuzz_target;
use tlab_fuzz::*;
use tlab_convert::marian_bin::MarianModel;
use tlab_tasks::translate::Translator;

fuzz_target!(|data: &[u8]| {
    let Some(model) = ok("MarianModel::parse", MarianModel::parse(data)) else {
        return;
    };
    for (name, t) in &model.tensors {
        let _ = t.stored_shape(name);
        let _ = t.to_f32();
    }
    // `</s>` is id 0 in the fixture tokenizer (what convert-marian would look up).
    let Some((config, weights)) = ok("MarianModel::convert", model.convert(0)) else {
        return;
    };
    let Ok(config) = serde_json::to_vec(&config) else {
        return;
    };
    let marian = Translator::from_bytes(&config, MARIAN_TOKENIZER, &weights, None);
    if let Some(t) = ok("Translator::from_bytes", marian) {
        exercise_translator(&t, true);
    }
});
