//! A BERT to train from scratch: the character tokenizer and the randomly initialised
//! encoder the Chinese fill-mask model starts from (`tlab-train init`).
//!
//! The result is an ordinary encoder directory (`config.json`, `tokenizer.json`,
//! `tokenizer_config.json`, `model.safetensors`), so `tlab-train train` treats it exactly as
//! it treats the pre-trained English encoder; only the starting point differs.
//!
//! - **Tokenizer:** Hugging Face's `BertTokenizer` on the corpus's character vocabulary
//!   ([`tlab_tasks::tokenizer::from_vocab`] with `tokenize_chinese_chars`, which puts every
//!   CJK character in a word of its own, so WordPiece sees one character at a time). In
//!   front of BERT's normalizer, a `Precompiled` normalizer (sentencepiece's character map,
//!   compiled by `tools/corpus/poetry.py` from OpenCC's conversion of each character) turns
//!   traditional characters into the simplified ones the model was trained on (臺灣 reads
//!   as 台湾) and full-width letters and digits into ASCII, one character at a time and
//!   keeping offsets into the text as typed. The corpus itself went through OpenCC's
//!   phrase-level conversion. The file stays a valid `tokenizer.json` for `transformers`.
//! - **Weights:** BERT's initialisation (Devlin et al. 2019; `BertPreTrainedModel._init_weights`):
//!   every matrix and embedding N(0, 0.02²), biases 0, LayerNorm weight 1 and bias 0.

use rand::SeedableRng;
use rand::rngs::StdRng;
use tlab_models::bert::{BertConfig, BlockKeys, EmbeddingKeys};
use tlab_tasks::tokenizer::{VocabOptions, from_vocab};
use tokenizers::Tokenizer;
use tokenizers::normalizers::{NormalizerWrapper, Precompiled, Sequence};

use crate::export::{StoreAs, Writer};
use crate::train::standard_normal;

/// The character tokenizer: `vocab.txt` (one token per line) and a sentencepiece
/// `precompiled_charsmap` (`charsmap.bin`).
pub fn char_tokenizer(vocab_txt: &[u8], charsmap: &[u8]) -> anyhow::Result<Tokenizer> {
    let options = VocabOptions::from_tokenizer_config(None)?;
    let mut tokenizer = from_vocab(vocab_txt, &options)?;
    let map = Precompiled::from(charsmap)
        .map_err(|e| anyhow::anyhow!("charsmap.bin is not a precompiled charsmap: {e}"))?;
    let mut steps: Vec<NormalizerWrapper> = vec![map.into()];
    if let Some(bert) = tokenizer.get_normalizer().cloned() {
        steps.push(bert);
    }
    tokenizer.with_normalizer(Some(Sequence::new(steps)));
    Ok(tokenizer)
}

/// `model.safetensors` bytes of a randomly initialised `BertModel` (keys under `bert.`, as a
/// `BertForMaskedLM` checkpoint has them; no pooler, no head: the trainer adds the head).
pub fn random_encoder(config: &BertConfig, seed: u64) -> anyhow::Result<Vec<u8>> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut w = Writer::new(StoreAs::F32);
    let mut normal = |w: &mut Writer, name: &str, shape: Vec<usize>| {
        let n = shape.iter().product();
        let v: Vec<f32> = (0..n).map(|_| 0.02 * standard_normal(&mut rng)).collect();
        w.put(name, shape, &v);
    };
    let h = config.hidden_size;
    let e = EmbeddingKeys::new("bert.");
    normal(&mut w, &e.word, vec![config.vocab_size, h]);
    normal(&mut w, &e.position, vec![config.max_position_embeddings, h]);
    normal(&mut w, &e.token_type, vec![config.type_vocab_size, h]);
    let mut linear = |w: &mut Writer, prefix: &str, d_in: usize, d_out: usize| {
        normal(w, &format!("{prefix}.weight"), vec![d_out, d_in]);
        w.put(&format!("{prefix}.bias"), vec![d_out], &vec![0.0; d_out]);
    };
    let norm = |w: &mut Writer, prefix: &str| {
        w.put(&format!("{prefix}.weight"), vec![h], &vec![1.0; h]);
        w.put(&format!("{prefix}.bias"), vec![h], &vec![0.0; h]);
    };
    norm(&mut w, &e.norm);
    let ffn = config.intermediate_size;
    for i in 0..config.num_hidden_layers {
        let k = BlockKeys::new("bert.", i);
        for prefix in [&k.query, &k.key, &k.value, &k.attn_out] {
            linear(&mut w, prefix, h, h);
        }
        norm(&mut w, &k.attn_norm);
        linear(&mut w, &k.ffn_in, h, ffn);
        linear(&mut w, &k.ffn_out, ffn, h);
        norm(&mut w, &k.ffn_norm);
    }
    w.into_bytes()
}
