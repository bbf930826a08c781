// The one list of what the model worker answers. worker.js dispatches from it, lib/client.js
// makes its methods from it (client.fill(key, text, topK) sends {op: 'fill', key, text, topK}),
// and e2e/worker-contract.test.mjs checks it against the wasm classes of pkg/. Adding an
// operation is one entry here (and its wasm method in crates/web/src/lib.rs).
//
// Each entry: kinds (the model kinds that accept it), method (on the wasm class of the
// model's kind, KINDS[kind].wasmClass), args (after the model key: the client method's
// parameters in order, which are also the request's field names) and result (the name of the
// typedef below, the shape the wasm method returns, as documented in crates/web/src/lib.rs).
// An argument may have a default (the client uses it when the argument is left out; the
// worker when the field is missing or null), a check (throws an Error in words; run by the
// client before sending and by the worker before calling) and wasm (converts the value for
// the wasm method, in the worker).
//
// Not in the table, because they are not calls on a model: 'load', 'cancel' and 'memory' (the
// worker's own), and '_trap' (tests: fails as a wasm trap does).

/** @typedef {'bert' | 'translate' | 'tokenizer' | 'finetune' | 'classifier' | 'tagger' | 'qa' | 'gpt'} ModelKind */

// What the worker answers, in one place: the typedefs below are written from the serde
// structs the wasm methods return (named first in each; they live in crates/tasks/src/ and
// crates/models/src/, and crates/web/src/lib.rs says which method returns which), so the
// field names are Rust's. Pages and widgets refer to them as
// import('../lib/ops.js').FillResult and so on. Every number is a JavaScript number (u32,
// usize and f32 alike); an Option that is None is null.

/**
 * {id, progress} messages of a load, before its answer. total is 0 when the server sent no
 * Content-Length (or a compressed body: its length is not the file's); the last one is
 * {file: 'building the model', loaded: 1, total: 1, building: true}. The client adds
 * received: the bytes of all of the load's files so far.
 * @typedef {{file: string, loaded: number, total: number, building?: true, received?: number}} LoadProgress
 */

/** ModelInfo (what load and info answer for a BERT).
 * @typedef {{layers: number, hidden: number, heads: number, vocab: number, max_tokens: number,
 *   mask_token: string, parameters: number, classifiers: string[], warnings: string[]}} BertInfo */
/** Seq2SeqConfig, flattened, plus warnings (TranslateInfo).
 * @typedef {{vocab_size: number, d_model: number, encoder_layers: number, decoder_layers: number,
 *   encoder_attention_heads: number, decoder_attention_heads: number, encoder_ffn_dim: number,
 *   decoder_ffn_dim: number, activation_function: 'gelu' | 'gelu_new' | 'relu' | 'swish',
 *   scale_embedding: boolean, max_position_embeddings: number, pad_token_id: number | null,
 *   eos_token_id: number, decoder_start_token_id: number | null, layer_norm_eps: number,
 *   decoder_self_attention: 'attention' | 'ssru', position_timescales: 'hf-marian' | 'marian',
 *   warnings: string[]}} TranslateInfo */

/** Candidate (fill_mask.rs). @typedef {{id: number, token: string, prob: number}} Candidate */
/** MaskPrediction; position: the mask's index in input_ids.
 * @typedef {{position: number, candidates: Candidate[]}} MaskPrediction */
/** FillMaskOutput; filled: the text with every mask replaced by its top choice.
 * @typedef {{input_ids: number[], tokens: string[], masks: MaskPrediction[], filled: string}} FillResult */
/** MaskLogits; logits: [mask][vocabulary entry].
 * @typedef {{input_ids: number[], mask_positions: number[], logits: number[][]}} LogitsResult */
/** Attentions and AttentionMaps; layers: [layer][head][query][key].
 * @typedef {{tokens: string[], layers: number[][][][]}} AttentionsResult */
/** ClassProb. @typedef {{label: string, prob: number}} ClassProb */
/** HeadPrediction; label and prob: the most probable class; classes in the head's order.
 * @typedef {{head: string, label: string, prob: number, classes: ClassProb[]}} HeadPrediction */
/** One per sequence classifier of the checkpoint (AntiBERTy: species, chain); [] if none.
 * @typedef {HeadPrediction[]} ClassifyResult */
/** TokenPiece; start, end: byte range in the text (empty for added tokens).
 * @typedef {{id: number, piece: string, special: boolean, start: number, end: number}} TokenPiece */
/** Tokenized; algorithm: WordPiece, Unigram, BPE or WordLevel.
 * @typedef {{algorithm: string, pieces: TokenPiece[]}} TokenizeResult */
/**
 * A model's tokenizer alone (kind tokenizer, wasm TokenizerModel: <tokenizer-view> needs no
 * weights). Its load source is the model's own, {url} or {files} by file name (weights, if
 * given, are not read), plus reads: the rules of the model it belongs to, 'bert' or
 * 'translate' (lib/files.js TOKENIZER_FILES: the files fetched from a URL). Its tokenize
 * answers exactly what that model's tokenize does.
 * @typedef {({url: string} | {files: Record<string, ArrayBuffer | Uint8Array>}) & {reads: 'bert' | 'translate'}} TokenizerSource
 */
/**
 * What a tokenizer's load answers (TokenizerModel.info()): the rules it reads by, the bytes
 * of its files, and the size of its model as config.json states it: a BERT's layers, hidden
 * and vocab, or a translation model's encoder_layers, decoder_layers, d_model and
 * vocab_size, as BertInfo and TranslateInfo name them.
 * @typedef {{reads: 'bert' | 'translate', bytes: number, warnings: string[], layers?: number,
 *   hidden?: number, vocab?: number, encoder_layers?: number, decoder_layers?: number,
 *   d_model?: number, vocab_size?: number}} TokenizerInfo
 */
/** PretrainPosition (kind: MaskKind).
 * @typedef {{position: number, kind: 'mask' | 'random' | 'keep', original: string, original_id: number,
 *   shown: string, shown_id: number, prob_original: number, candidates: Candidate[]}} PretrainPosition */
/** PretrainDemo: BERT's pre-training masking (15 %: 80 % mask, 10 % random, 10 % kept) for a seed.
 * @typedef {{seed: number, tokens: string[], input_ids: number[], corrupted_tokens: string[],
 *   corrupted_ids: number[], positions: PretrainPosition[], loss: number}} PretrainDemoResult */

/**
 * The request's options (JsTranslateOptions), all optional; the wasm method's defaults:
 * greedy (beam 1), α 1, no trace, no attentions.
 * @typedef {{beam?: number, alpha?: number, maxNewTokens?: number, traceTopK?: number,
 *   attentions?: boolean}} TranslateOptions
 */
/** Candidate (translate.rs), one of the n-best; score = log_prob / length^α (greedy: log_prob).
 * @typedef {{translation: string, ids: number[], tokens: string[], score: number, log_prob: number}} NbestEntry */
/** Alternative. @typedef {{id: number, prob: number}} Alternative */
/** BeamTrace: a live beam; parent: the beam of the step before that it extends;
 * top: the likeliest next tokens from its prefix.
 * @typedef {{parent: number, tokens: number[], log_prob: number, top: Alternative[]}} BeamTrace */
/** Hypothesis (decoding.rs): a hypothesis that finished at a trace step (its tokens
 * include EOS if it ended with it).
 * @typedef {{tokens: number[], log_prob: number, score: number, ended_with_eos: boolean}} FinishedHypothesis */
/** TraceStep: the beams extended (one for greedy), the token each survivor chose,
 * the hypotheses that finished and the candidates pruned at this step.
 * @typedef {{step: number, beams: BeamTrace[], chosen: BeamTrace[], finished: FinishedHypothesis[],
 *   pruned: BeamTrace[]}} TraceStep */
/**
 * TranslateOutput. trace and trace_tokens (id in decimal → vocabulary entry) only
 * with traceTopK > 0; cross_attentions only for greedy with attentions: true,
 * [target token][layer][head][source token].
 * @typedef {{translation: string, tokens: string[], score: number, nbest: NbestEntry[],
 *   source_ids: number[], source_tokens: string[], trace?: TraceStep[],
 *   cross_attentions?: number[][][][], trace_tokens?: Record<string, string>}} TranslateResult
 */
/** One stage of an encoder block: vectors [token][hidden]; per token its L2 norm, mean and
 * standard deviation. Stages, in order: input, self_attention, attn_residual, attn_norm,
 * feed_forward, ffn_residual, output.
 * @typedef {{name: string, vectors: number[][], norms: number[], means: number[], stds: number[]}} BlockStage */
/** @typedef {{tokens: string[], layer: number, layers: number, hidden: number, stages: BlockStage[]}} EncoderBlockResult */
/** ForcedPosition: the reference token and the model's own top guess, over the whole
 * vocabulary; in_shortlist (models with a lexical shortlist only): whether free decoding
 * could output this token for this source.
 * @typedef {{token: string, id: number, prob: number, log_prob: number, top_token: string,
 *   top_id: number, top_prob: number, in_shortlist?: boolean}} ForcedPosition */
/** ForcedOutput; log_likelihood: the sum of the positions' log_prob.
 * @typedef {{source_tokens: string[], target_ids: number[], target_tokens: string[],
 *   positions: ForcedPosition[], log_likelihood: number}} TeacherForceResult */
/**
 * ForcedWithAttentions: TeacherForceResult plus cross_attentions [target position]
 * [layer][head][source position] and self_attentions [target position i][layer][head][0..=i]
 * (empty for an SSRU decoder).
 * @typedef {TeacherForceResult & {decoder_self_attention: 'attention' | 'ssru',
 *   cross_attentions: number[][][][], self_attentions: number[][][][]}} TeacherForceAttentionsResult
 */

// The GPT (kind gpt: a GPT2LMHeadModel, crates/tasks/src/generate.rs): text generation, one
// token at a time. Its load source is {url} (config.json; tokenizer.json, else vocab.json +
// merges.txt, else vocab.txt; tokenizer_config.json if there is one; model.safetensors, else
// pytorch_model.bin) or {files} by file name.
/** GptInfo; max_tokens: n_positions, the prompt and its continuation together; eos_token:
 * the token that ends a text (null if the vocabulary has none).
 * @typedef {{layers: number, hidden: number, heads: number, vocab: number, max_tokens: number,
 *   parameters: number, eos_token: string | null, warnings: string[]}} GptInfo */
/**
 * The request's options (JsGenerateOptions), all optional; the wasm method's defaults: greedy,
 * 40 new tokens, repetition penalty 1 (none), 5 alternatives per step, no attentions. beam > 1
 * is beam search (length penalty alpha, default 1); sample: true draws every token (temperature
 * 1, topK 0 = every token, topP 1, seed 0) and wins over beam.
 * @typedef {{maxNewTokens?: number, beam?: number, alpha?: number, sample?: boolean,
 *   temperature?: number, topK?: number, topP?: number, seed?: number,
 *   repetitionPenalty?: number, topShown?: number, attentions?: boolean}} GenerateOptions
 */
/** TokenProb. @typedef {{id: number, token: string, prob: number}} TokenProb */
/** Step: a generated token, its probability and the most probable next tokens it was chosen
 * from (most probable first; sampling: the distribution drawn from, after temperature, top-k
 * and top-p; beam search: the model's own distribution at that position of the best sequence).
 * @typedef {{id: number, token: string, prob: number, top: TokenProb[]}} GenerateStep */
/** Sequence; score = log_prob / length^α for beam search, log_prob otherwise.
 * @typedef {{text: string, ids: number[], tokens: string[], log_prob: number, score: number,
 *   ended_with_eos: boolean}} GeneratedSequence */
/**
 * GenerateOutput: the continuation (the best, for beam search) without the prompt; nbest:
 * every sequence, best first (one unless beam search); beam_trace: beam search's steps (the
 * translation trace's shape), else []; trace_tokens: the token of every id in beam_trace,
 * keyed by the id in decimal ({} unless beam search); attentions: with attentions: true (greedy
 * and sampling), [generated token][layer][head][key over the prompt and the tokens before
 * it], else [].
 * @typedef {{text: string, ids: number[], tokens: string[], steps: GenerateStep[],
 *   ended_with_eos: boolean, prompt_ids: number[], prompt_tokens: string[],
 *   nbest: GeneratedSequence[], beam_trace: TraceStep[], trace_tokens: Record<string, string>,
 *   attentions: number[][][][]}} GenerateResult
 */
/** GptAttentions: masked self-attention of one causal pass, [layer][head][query][key]; every
 * entry above the diagonal (key > query) is exactly 0.
 * @typedef {{ids: number[], tokens: string[], layers: number[][][][]}} GptAttentionsResult */

// The fine-tuned BERTs (kinds classifier, tagger, qa): a Hugging Face checkpoint in either
// layout, or a head trained here over another folder's encoder. Their load source is
// {url, base?} (config.json and head.safetensors from url, the rest from base when given) or
// {files: {'config.json': bytes, 'tokenizer.json' | 'vocab.txt': …, …}} by file name.
/** ClassifierInfo (classify.rs); labels: the sequence classifier's in id order ([] without
 * one); next_sentence: whether it has BertForPreTraining's next-sentence head.
 * @typedef {{layers: number, hidden: number, labels: string[], multi_label: boolean,
 *   next_sentence: boolean, warnings: string[]}} ClassifierInfo */
/** LabelProb. @typedef {{id: number, label: string, prob: number}} LabelProb */
/** Classification: every label, most probable first; multi_label: each prob is its own
 * sigmoid (else one softmax: they sum to 1).
 * @typedef {{labels: LabelProb[], multi_label: boolean}} SentenceClassResult */
/** NextSentence: P(sentence b follows sentence a). @typedef {{is_next: number}} NextSentenceResult */
/** TaggerInfo (tag.rs). @typedef {{layers: number, hidden: number, labels: string[], warnings: string[]}} TaggerInfo */
/** TaggedWord: a word's first piece's most probable label; start, end: code-point offsets
 * into the text (index Array.from(text), not the string's UTF-16 units).
 * @typedef {{word: string, start: number, end: number, label: string, prob: number}} TaggedWord */
/** Tagged. @typedef {{words: TaggedWord[]}} TagResult */
/** QaInfo (qa.rs); max_seq_len: the window, in tokens, that a long context is cut into.
 * @typedef {{layers: number, hidden: number, max_seq_len: number, warnings: string[]}} QaInfo */
/** SpanToken: a token of the answer's window; start, end: code-point offsets into the
 * context (null for the question and special tokens); p_start, p_end: the softmaxes of the
 * start and end logits over the window (non-context tokens masked).
 * @typedef {{token: string, start: number | null, end: number | null, p_start: number,
 *   p_end: number}} SpanToken */
/** AnswerView (Answer flattened): the answer, its code-point offsets into the context, score
 * p_start · p_end; windows: how many windows the context was cut into; tokens: the answer's
 * window. @typedef {{answer: string, start: number, end: number, score: number, windows: number,
 *   tokens: SpanToken[]}} AnswerResult */

/**
 * The load source of a 'finetune' run: the encoder, as the fine-tuned BERTs' ({url} or
 * {files} by file name; any BERT, its heads unused), and the data, one example per line, all
 * lines of a set in one form (its first non-blank line decides): tagging `word/TAG word/TAG …`
 * (the last `/` splits) or `{"words": […], "tags": […]}`; sentence classification
 * `text<TAB>label`; sentence pairs `sentence A<TAB>sentence B<TAB>label`.
 * options: the head's AdamW (Rust's defaults: learningRate 3e-3, batch 256, weightDecay
 * 1e-4, seed 0), and the encoder's top layers that train with it: topLayers (0, the
 * default: the head alone over features computed once; 1 … the model's layers, more is an
 * error in words), their AdamW learning rate layerLearningRate (1e-4) and layerBatch
 * (sentences or texts per step when layers train, 16). Its load answers the labels
 * (string[]) in the head's id order.
 * @typedef {({url: string} | {files: Record<string, ArrayBuffer | Uint8Array>}) & {train: string,
 *   heldOut: string, options?: {learningRate?: number, batch?: number, weightDecay?: number,
 *   seed?: number, topLayers?: number, layerLearningRate?: number, layerBatch?: number}}} FineTuneSource */
/** FineTuneTask (finetune.rs): what the data trains, one label per word or per text (or pair).
 * @typedef {'tag' | 'classify'} FineTuneTask */
/** FeatureProgress (finetune.rs): examples (sentences, texts or pairs) whose features are
 * computed (held-out first), and the examples the head learns from: words (tagging) or
 * texts (classification).
 * @typedef {{sentences_done: number, sentences: number, train_words: number,
 *   held_out_words: number}} FeatureProgress */
/** Progress (finetune.rs) after a train call: loss is the mean training loss of its steps
 * (null for 0 steps: Rust's NaN), held_out_accuracy the fraction of held-out words (or
 * texts) labelled right.
 * @typedef {{step: number, epochs: number, loss: number | null, held_out_accuracy: number}} TrainProgress */
/** Prediction (finetune.rs, untagged): the head's answer as the matching fine-tuned kind
 * would give it, tags under the words (tagging) or every label (classification).
 * @typedef {TagResult | SentenceClassResult} FineTunePrediction */
/** ExportedHead (finetune.rs): a BertForTokenClassification head (tagging) or a
 * BertForSequenceClassification pooler + classifier (classification); save as config.json
 * and head.safetensors beside the encoder's tokenizer.json and model.safetensors (the tagger
 * or classifier kind loads them so, with {url, base}). head_safetensors: the file's bytes;
 * with topLayers > 0 it also holds the tuned encoder layers under the checkpoint's own
 * names (bert.encoder.layer.5.… for the built-in 6-layer encoder), read in place of the
 * encoder's.
 * @typedef {{config_json: string, head_safetensors: Uint8Array}} ExportedHead */

/** The model kinds: the wasm class that holds one, its name in words, and (loadAnswer) the
 * method whose result a load answers when it is not info(); null: the worker answers the load
 * itself (the tokenizer kind). */
export const KINDS = Object.freeze({
  bert: Object.freeze({ wasmClass: 'FillMaskModel', name: 'a BERT fill-mask model' }),
  translate: Object.freeze({ wasmClass: 'TranslateModel', name: 'a translation model' }),
  /** A model's tokenizer alone: the load's source is {@link TokenizerSource}, and the load
   * answers {@link TokenizerInfo} (TokenizerModel.info()). */
  tokenizer: Object.freeze({ wasmClass: 'TokenizerModel', name: 'a tokenizer without its model' }),
  /** A head (tagging or classification) being trained in the page on a frozen encoder: the
   * load's source is {@link FineTuneSource}, and the load answers the labels. */
  finetune: Object.freeze({ wasmClass: 'FineTune', name: 'a fine-tuning run', loadAnswer: 'labels' }),
  classifier: Object.freeze({ wasmClass: 'SentenceClassifierModel', name: 'a BERT sentence classifier (or next-sentence model)' }),
  tagger: Object.freeze({ wasmClass: 'TokenClassifierModel', name: 'a BERT token classifier (tagger)' }),
  qa: Object.freeze({ wasmClass: 'QuestionAnsweringModel', name: 'a BERT question-answering model' }),
  gpt: Object.freeze({ wasmClass: 'GenerateModel', name: 'a GPT (decoder-only) model' }),
});

/** A whole number that wasm-bindgen passes on unchanged, or an Error in words: it would
 * silently wrap −1 or 1e12 into some other unsigned number. The real range (top-k ≤ 50,
 * beam ≤ 8, …) is checked in Rust, which says it in words. */
export function wholeNumber(name, value) {
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a whole number, not ${value}`);
  if (value > 0xffffffff) throw new Error(`${name} ${value} is far too large`);
}

const string = (name) => (value) => {
  // wasm-bindgen would pass anything else on as garbage bytes, or throw "arg.slice is not a function".
  if (typeof value !== 'string') throw new Error(`${name} must be a string, not ${value === null ? 'null' : typeof value}`);
};

/** @param {TranslateOptions | null | undefined} options */
function translateOptions(options) {
  const o = options ?? {};
  if (typeof o !== 'object' || Array.isArray(o)) throw new Error(`the translation options must be an object, not ${JSON.stringify(o)}`);
  if (o.beam != null) wholeNumber('the beam width', o.beam);
  if (o.alpha != null && typeof o.alpha !== 'number') throw new Error(`the length penalty α must be a number, not ${o.alpha}`);
  if (o.maxNewTokens != null) wholeNumber('the token limit', o.maxNewTokens);
  if (o.traceTopK != null) wholeNumber('top-k', o.traceTopK);
}

/** The generation options (GenerateOptions) wasm-bindgen can pass on: the whole numbers whole,
 * the rest numbers or booleans; ranges are Rust's to check (in words), names ours (a field
 * that Rust does not know would be silently ignored). */
const GENERATE_FIELDS = Object.freeze({
  maxNewTokens: 'the number of new tokens', beam: 'the beam width', topK: 'top-k', seed: 'the seed',
  topShown: 'the number of alternatives shown', alpha: 'the length penalty α', temperature: 'the temperature',
  topP: 'top-p', repetitionPenalty: 'the repetition penalty', sample: 'sample', attentions: 'attentions',
});
const WHOLE = ['maxNewTokens', 'beam', 'topK', 'seed', 'topShown'];
const FLAGS = ['sample', 'attentions'];

/** @param {GenerateOptions | null | undefined} options */
function generateOptions(options) {
  const o = options ?? {};
  if (typeof o !== 'object' || Array.isArray(o)) throw new Error(`the generation options must be an object, not ${JSON.stringify(o)}`);
  for (const [key, value] of Object.entries(o)) {
    if (!Object.hasOwn(GENERATE_FIELDS, key)) throw new Error(`"${key}" is not a generation option; they are ${Object.keys(GENERATE_FIELDS).join(', ')}`);
    const name = GENERATE_FIELDS[key];
    if (value == null) continue;
    if (WHOLE.includes(key)) wholeNumber(name, value);
    else if (FLAGS.includes(key)) {
      if (typeof value !== 'boolean') throw new Error(`${name} must be true or false, not ${JSON.stringify(value)}`);
    } else if (typeof value !== 'number' || Number.isNaN(value)) throw new Error(`${name} must be a number, not ${JSON.stringify(value)}`);
  }
}

/** Token ids for a GPT: a non-empty list of whole numbers (the vocabulary's size and the
 * model's length are Rust's to check). */
function tokenIds(value) {
  if (!Array.isArray(value) && !ArrayBuffer.isView(value)) throw new Error(`the token ids must be a list of numbers, not ${value === null ? 'null' : typeof value}`);
  if (value.length === 0) throw new Error('the token ids are empty: give at least one');
  for (const id of value) wholeNumber('a token id', id);
}

const TEXT = { name: 'text', check: string('the text') };
const REFERENCE = { name: 'reference', check: string('the reference translation') };
const TOP_K = { name: 'topK', default: 5, check: (v) => wholeNumber('top-k', v) };
// Any number: the wasm method takes a u32, so 2^32 + 5 is seed 5 (and NaN is 0).
const SEED = { name: 'seed', wasm: (v) => v >>> 0 };
const OPTIONS = { name: 'options', default: Object.freeze({}), check: translateOptions };
// A sentence pair's second sentence, or null for one sentence (wasm-bindgen: None).
const PAIR = { name: 'pair', default: null, check: (v) => v === null || string('the second sentence')(v) };
const SENTENCES = { name: 'sentences', check: (v) => wholeNumber('the number of sentences', v) };
const STEPS = { name: 'steps', check: (v) => wholeNumber('the number of steps', v) };
const PROMPT = { name: 'text', check: string('the prompt') };
const IDS = { name: 'ids', check: tokenIds, wasm: (v) => Uint32Array.from(v) };
const GENERATE = { name: 'options', default: Object.freeze({}), check: generateOptions };
const LAYER = { name: 'layer', default: 0, check: (v) => wholeNumber('the layer', v) };

const BOTH = ['bert', 'translate'];
const HEADS = ['classifier', 'tagger', 'qa'];
const op = (kinds, method, args, result) => Object.freeze({ kinds: Object.freeze(kinds), method, args: Object.freeze(args), result });

/** op name → {kinds, method, args, result}. */
export const OPS = Object.freeze({
  /** {@link BertInfo} | {@link TranslateInfo} | {@link ClassifierInfo} | {@link TaggerInfo} |
   * {@link QaInfo} | {@link GptInfo} (load answers the same). */
  info: op([...BOTH, ...HEADS, 'gpt'], 'info', [], 'BertInfo | TranslateInfo | ClassifierInfo | TaggerInfo | QaInfo | GptInfo'),
  /** Either model's tokenizer (a translation model's includes end-of-sentence), or a
   * tokenizer loaded alone (kind tokenizer), which answers the same as its model's. */
  tokenize: op([...BOTH, 'tokenizer'], 'tokenize', [TEXT], 'TokenizeResult'),
  fill: op(['bert'], 'fill', [TEXT, TOP_K], 'FillResult'),
  logits: op(['bert'], 'logits', [TEXT], 'LogitsResult'),
  /** A BERT's self-attention, or a GPT's masked self-attention over its prompt (with the
   * tokenizer's leading tokens: [CLS] for a BERT vocabulary). */
  attentions: op(['bert', 'gpt'], 'attentions', [TEXT], 'AttentionsResult | GptAttentionsResult'),
  /** Every token's vector through encoder block `layer` (0-based), stage by stage. */
  encoderBlock: op(['bert'], 'encoderBlock', [TEXT, LAYER], 'EncoderBlockResult'),
  /** Sequence classifiers of the model (e.g. AntiBERTy's species and chain); [] if none. */
  classify: op(['bert'], 'classify', [TEXT], 'ClassifyResult'),
  /** BERT pre-training masking (15 %, 80/10/10) for a seed, with predictions and loss. */
  pretrainDemo: op(['bert'], 'pretrainDemo', [TEXT, SEED, TOP_K], 'PretrainDemoResult'),
  translate: op(['translate'], 'translate', [TEXT, OPTIONS], 'TranslateResult'),
  teacherForce: op(['translate'], 'teacherForce', [TEXT, REFERENCE], 'TeacherForceResult'),
  /** Teacher forcing plus cross-/self-attention per target position. */
  teacherForceAttentions: op(['translate'], 'teacherForceAttentions', [TEXT, REFERENCE], 'TeacherForceAttentionsResult'),
  /** The translation encoder's self-attention. */
  encoderAttentions: op(['translate'], 'encoderAttentions', [TEXT], 'AttentionsResult'),
  // Fine-tuned BERTs (bert-classify.js, bert-nsp.js, bert-tag.js, bert-qa.js).
  /** Every label of the sentence classifier for `text` (or the pair text, pair), most probable
   * first. (classify is the fill-mask model's own heads.) */
  classifyText: op(['classifier'], 'classify', [TEXT, PAIR], 'SentenceClassResult'),
  /** P(b follows a), from the next-sentence head of a BertForPreTraining checkpoint. */
  nextSentence: op(['classifier'], 'nextSentence', [{ name: 'a', check: string('sentence A') }, { name: 'b', check: string('sentence B') }], 'NextSentenceResult'),
  /** One label per word (part of speech, named entities, …). */
  tag: op(['tagger'], 'tag', [TEXT], 'TagResult'),
  /** The span of `context` that answers `question`, with the two probability vectors. */
  answer: op(['qa'], 'answer', [{ name: 'question', check: string('the question') }, { name: 'context', check: string('the context') }], 'AnswerResult'),
  // A fine-tuning run (bert-finetune.js drives it: featurize in chunks, then train in bursts).
  /** What the data trains: 'tag' or 'classify'. */
  task: op(['finetune'], 'task', [], 'FineTuneTask'),
  /** How many top encoder layers train with the head (options.topLayers; 0: the head alone). */
  tunedLayers: op(['finetune'], 'tunedLayers', [], 'number'),
  /** The head's labels, in id order. */
  labels: op(['finetune'], 'labels', [], 'string[]'),
  /** The frozen encoder's features of up to `sentences` more examples (held-out first; with
   * tuned layers, the hidden states below them). */
  featurize: op(['finetune'], 'featurize', [SENTENCES], 'FeatureProgress'),
  /** `steps` more AdamW steps of the head (and the tuned layers; 0: where it stands); fails
   * before featurize is done. */
  train: op(['finetune'], 'train', [STEPS], 'TrainProgress'),
  /** The head's answer for the text (or, classifying pairs, the pair text, pair) as it is
   * now (untrained before the first step); a tagging head refuses a pair. */
  predict: op(['finetune'], 'predict', [TEXT, PAIR], 'FineTunePrediction'),
  /** A fresh head (same features, same seed): back to step 0. */
  reset: op(['finetune'], 'reset', [], 'undefined'),
  /** The head as it is now, as Hugging Face files. */
  exportHead: op(['finetune'], 'export', [], 'ExportedHead'),
  // A GPT (gpt-generate.js, masked-self-attention.js).
  /** The prompt's continuation, greedy, by beam search or sampled (options). */
  generate: op(['gpt'], 'generate', [PROMPT, GENERATE], 'GenerateResult'),
  /** As generate, from token ids (the prompt as the model reads it). */
  generateIds: op(['gpt'], 'generateIds', [IDS, GENERATE], 'GenerateResult'),
  /** Logits [position][vocabulary entry] of one causal pass over the ids. (BERT's logits,
   * above, takes a text with masks.) */
  logitsIds: op(['gpt'], 'logits', [IDS], 'number[][]'),
  /** The prompt's ids as the model reads them (the tokenizer's leading tokens first; the wasm
   * method's Vec<u32>, so a Uint32Array). */
  encodePrompt: op(['gpt'], 'encodePrompt', [PROMPT], 'Uint32Array'),
  /** As attentions, from token ids. */
  attentionsIds: op(['gpt'], 'attentionsIds', [IDS], 'GptAttentionsResult'),
});

/** The requests the worker answers itself, not by calling a model. */
export const WORKER_OPS = Object.freeze(['load', 'cancel', 'memory', '_trap']);

/** The table entry of `name`, or an Error in words (not "x is not a function"). */
export function opSpec(name) {
  if (typeof name === 'string' && Object.hasOwn(OPS, name)) return OPS[name];
  const known = [...WORKER_OPS.filter((n) => !n.startsWith('_')), ...Object.keys(OPS)].join(', ');
  const what = name == null ? 'a request that names no operation' : `an unknown request "${String(name)}"`;
  throw new Error(`the model worker got ${what}; it answers ${known}`);
}

/** The kinds that accept `spec` in words: "a BERT fill-mask model", "… or a translation model". */
export const kindsInWords = (spec) => spec.kinds.map((k) => KINDS[k].name).join(' or ');

/** Client side: the request for `name(key, ...values)`, each value checked (throws in words);
 * a value left out (undefined) takes its default, as a JavaScript default parameter would. */
export function requestFor(name, key, values) {
  const spec = opSpec(name);
  const msg = { op: name, key };
  spec.args.forEach((arg, i) => {
    const value = values[i] === undefined ? arg.default : values[i];
    arg.check?.(value);
    msg[arg.name] = value;
  });
  return msg;
}

/** Worker side: the wasm method's arguments for request `msg` (defaults for missing or null
 * fields, each checked, then converted). */
export function wasmArgs(spec, msg) {
  return spec.args.map((arg) => {
    const value = msg[arg.name] == null && 'default' in arg ? arg.default : msg[arg.name];
    arg.check?.(value);
    return arg.wasm ? arg.wasm(value) : value;
  });
}
