// What the benchmark scripts in tools/ share: their command-line flags and the fill-mask
// benchmark sentence (so tools/bench-browser.mjs and tools/bench-peers.mjs time the same
// input; crates/tasks/benches/fill_mask.rs builds the same sentence natively).

/** The value after flag `name` on the command line, or `fallback`. */
export const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : fallback;
};

// One token per word in an uncased WordPiece vocabulary: n - 3 words, a mask, [CLS], [SEP].
const WORDS = 'the cat sat on a mat and the dog ran to the old red house by the river'.split(' ');

/** A fill-mask input of exactly `n` tokens with one [MASK] in the middle. */
export const fillMaskSentence = (n) => {
  const words = Array.from({ length: n - 3 }, (_, i) => WORDS[i % WORDS.length]);
  words.splice(Math.floor(words.length / 2), 0, '[MASK]');
  return words.join(' ');
};
