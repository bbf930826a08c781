//! Marian's lexical shortlist (`lex.*.s2t.bin`), as Bergamot models ship it.
//!
//! Hand-written because no crate reads the format. For every source token it lists the
//! target tokens a word-aligned lexicon thinks likely; the decoder then scores only those
//! (plus the `first` most frequent tokens) instead of the whole vocabulary — faster, and part
//! of the model's behaviour: the reference engine's output depends on it.
//!
//! Layout (little-endian): `u64 magic = 0xF11A48D5013417F5`, `u64 checksum`, `u64 first`,
//! `u64 best`, `u64 n_offsets` (= vocabulary + 1), `u64 n_ids`, then `u64 offsets[n_offsets]`
//! and `u32 ids[n_ids]`; source token `s` owns `ids[offsets[s]..offsets[s + 1]]`.

use crate::TaskError;

const MAGIC: u64 = 0xF11A_48D5_0134_17F5;

#[derive(Debug, Clone)]
pub struct Shortlist {
    first: usize,
    offsets: Vec<u64>,
    ids: Vec<u32>,
    vocab_size: usize,
}

fn bad(what: impl std::fmt::Display) -> TaskError {
    TaskError::Input(format!("the shortlist file is not valid: {what}"))
}

impl Shortlist {
    pub fn parse(bytes: &[u8], vocab_size: usize) -> Result<Self, TaskError> {
        let u64_at = |i: usize| -> Result<u64, TaskError> {
            let b = bytes
                .get(i * 8..i * 8 + 8)
                .ok_or_else(|| bad("it is truncated"))?;
            Ok(u64::from_le_bytes([
                b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7],
            ]))
        };
        if u64_at(0)? != MAGIC {
            return Err(bad(
                "wrong magic number (is this a Marian lex.*.s2t.bin file?)",
            ));
        }
        let first = u64_at(2)? as usize;
        let n_offsets = u64_at(4)? as usize;
        let n_ids = u64_at(5)? as usize;
        let start = 48usize;
        let ids_start = n_offsets
            .checked_mul(8)
            .and_then(|n| n.checked_add(start))
            .ok_or_else(|| bad("offset table size overflows"))?;
        let expected = n_ids
            .checked_mul(4)
            .and_then(|n| n.checked_add(ids_start))
            .ok_or_else(|| bad("id table size overflows"))?;
        if bytes.len() != expected {
            return Err(bad(format!(
                "{} bytes, the header implies {expected}",
                bytes.len()
            )));
        }
        if n_offsets != vocab_size + 1 {
            return Err(bad(format!(
                "it is for a vocabulary of {} tokens, the model has {vocab_size}",
                n_offsets.saturating_sub(1)
            )));
        }
        let offsets: Vec<u64> = bytes[start..ids_start]
            .chunks_exact(8)
            .map(|b| u64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]))
            .collect();
        if offsets.windows(2).any(|w| w[0] > w[1])
            || offsets.last().is_some_and(|&o| o as usize > n_ids)
        {
            return Err(bad("offsets are out of order or out of range"));
        }
        let ids: Vec<u32> = bytes[ids_start..]
            .chunks_exact(4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect();
        if ids.iter().any(|&id| id as usize >= vocab_size) || first > vocab_size {
            return Err(bad("a token id is outside the vocabulary"));
        }
        Ok(Self {
            first,
            offsets,
            ids,
            vocab_size,
        })
    }

    /// The target tokens to score for this source, sorted: the `first` most frequent, every
    /// source token's list, then (as Marian does) the smallest unused ids until the count is
    /// a multiple of 8.
    pub fn candidates(&self, source_ids: &[u32]) -> Vec<u32> {
        let mut chosen = vec![false; self.vocab_size];
        chosen[..self.first].iter_mut().for_each(|c| *c = true);
        for &s in source_ids {
            let s = s as usize;
            if s + 1 < self.offsets.len() {
                let (a, b) = (self.offsets[s] as usize, self.offsets[s + 1] as usize);
                for &t in &self.ids[a..b] {
                    chosen[t as usize] = true;
                }
            }
        }
        let mut count = chosen.iter().filter(|&&c| c).count();
        let mut next = self.first;
        while count % 8 != 0 && next < self.vocab_size {
            if !chosen[next] {
                chosen[next] = true;
                count += 1;
            }
            next += 1;
        }
        (0..self.vocab_size as u32)
            .filter(|&i| chosen[i as usize])
            .collect()
    }
}
