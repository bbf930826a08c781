//! Fuzzed lexical shortlist (`lex.*.s2t.bin`): the parser and `candidates` for the marian-relu
//! vocabulary and for the vocabulary the file claims, then the translator (fixtures/marian-relu)
//! with the shortlist, greedy and beam 3.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tlab_fuzz::*;
use tlab_tasks::shortlist::Shortlist;
use tlab_tasks::translate::Translator;

const SOURCES: [&[u32]; 4] = [&[], &[0], &[5, 17, 0], &[155, 154, 3, 3, 0]];

fn exercise(list: &Shortlist, vocab: usize) {
    for src in SOURCES {
        let _ = list.candidates(src);
    }
    let _ = list.candidates(&[vocab as u32, u32::MAX]);
}

fuzz_target!(|data: &[u8]| {
    let fits_marian = Shortlist::parse(data, MARIAN_VOCAB);
    let fits_marian =
        ok("Shortlist::parse", fits_marian).inspect(|list| exercise(list, MARIAN_VOCAB));
    // The vocabulary the header claims (n_offsets - 1), when it is small enough to allocate.
    if let Some(n) = data.get(32..40) {
        let n = u64::from_le_bytes(n.try_into().unwrap_or_default()).wrapping_sub(1);
        if n <= 1 << 16 {
            if let Ok(list) = Shortlist::parse(data, n as usize) {
                exercise(&list, n as usize);
            }
        }
    }
    // The translator parses the file with the same vocabulary, after loading the weights
    // (tens of milliseconds): only a file that parses can get further there.
    if fits_marian.is_some() {
        let marian =
            Translator::from_bytes(MARIAN_CONFIG, MARIAN_TOKENIZER, MARIAN_WEIGHTS, Some(data));
        if let Some(t) = ok("Translator::from_bytes", marian) {
            exercise_translator(&t, true);
        }
    }
});
