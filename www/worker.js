// The web worker that owns the wasm. The page (and every widget on it) talks to it through
// lib/client.js; the model runs here so the page never freezes.
//
// Messages in:  {id, op: 'load', kind (lib/ops.js KINDS: 'bert', 'translate', …), key, source, reload?, stallSeconds?}
//                 source, by kind:
//                 bert: {url} | {files: {'config.json': bytes, 'tokenizer.json' | 'vocab.txt',
//                   'tokenizer_config.json'?, 'model.safetensors' | 'pytorch_model.bin'}}
//                   (either hub layout, see BERT_FILES; the older field names {config,
//                   tokenizer, weights, tokenizerConfig} are still taken: OLD_FIELDS)
//                 translate: {url, shortlist?: true} | {files: {config, tokenizer, weights,
//                   shortlist?}} (TRANSLATE_FILES)
//                 tokenizer: a bert's or a translate's source, {url} | {files}, plus reads:
//                   'bert' | 'translate' (whose rules); only config.json and the tokenizer's
//                   files are fetched (TOKENIZER_FILES) and read, not the weights
//                 classifier, tagger, qa: {url, base?} | {files} by file name (HEAD_FILES)
//                 finetune: the encoder as for classifier (any BERT), plus {train,
//                   heldOut, options?}: lib/ops.js FineTuneSource
//                 gpt: {url} | {files} by file name (GPT_FILES)
//               {id, op: 'cancel', target} (stops the download of load `target`)
//               {id, op, key, …args}: a call on model `key`, one of lib/ops.js's OPS (fill,
//                 translate, tokenize, …; the table names each op's fields, the model kinds
//                 that accept it and the wasm method it calls)
//               {id, op: 'memory'} (the bytes of the wasm instance's memory: it only grows,
//                 so this is the most that the models have needed at once so far)
//               {id, op: '_trap'} (tests: fails as a wasm trap does)
// Messages out: {id, progress: {file, loaded, total}} … (the last, once the files are in:
//               {file: 'building the model', loaded: 1, total: 1, building: true}) then {id, ok: true, result}
//               (a load's result: the model's info(), or KINDS[kind].loadAnswer's)
//               or {id, ok: false, error: 'words a person understands'} (also for an unknown
//               op, or an op the model's kind does not have: "translate" needs a
//               translation model; "default-bert" is a BERT fill-mask model)
//               or {id, ok: false, cancelled: true, error} (the load was cancelled)
//               or {id, ok: false, fatal: true, error}: the wasm instance trapped (a Rust
//               panic aborts it: RuntimeError "unreachable"); nothing more can run here, so
//               the client ends this worker and starts a fresh one.
//
// Downloads go through the Cache API, so a model is fetched once per browser. A download
// that receives nothing for `stallSeconds` (default 30) fails instead of waiting forever.
import init, { FillMaskModel, TranslateModel, TokenizerModel, FineTune, SentenceClassifierModel, TokenClassifierModel, QuestionAnsweringModel, GenerateModel } from './pkg/tlab_web.js';
import { KINDS, opSpec, kindsInWords, wasmArgs } from './lib/ops.js';
import { BERT_FILES, GPT_FILES, TOKENIZER_FILES } from './lib/files.js';

const CACHE = 'tlab-models-v1';
const TRANSLATE_FILES = [
  { name: 'config.json', field: 'config' },
  { name: 'tokenizer.json', field: 'tokenizer' },
  { name: 'model.safetensors', field: 'weights' },
  // Bergamot models only; fetched when the source says it has one.
  { name: 'shortlist.bin', field: 'shortlist', optional: true, onlyIf: 'shortlist' },
];

// The fine-tuned BERTs' wasm classes. Every BERT kind (these, the fill-mask model and a
// fine-tuning run) takes the checkpoint's files by name ({'config.json': bytes, …}).
const HEAD_MODELS = { classifier: SentenceClassifierModel, tagger: TokenClassifierModel, qa: QuestionAnsweringModel };
// Files by URL: lib/files.js BERT_FILES (a fill-mask model's) and GPT_FILES, and HEAD_FILES
// below (the fine-tuned BERTs', and a fine-tuning run's encoder's). (Chromium logs nothing to
// the page's console for a failed fetch in a worker; e2e/bert-heads.test.mjs and
// e2e/chinese.test.mjs check that for the second layout.)
//
// A head trained here is saved alone, head.safetensors beside its config.json: with
// source.base (then it must be there) the encoder's files (fromBase) come from that other
// folder.
const HEAD_FILES = [
  { names: ['config.json'] },
  { names: ['head.safetensors'], optional: (source) => !source.base },
  { names: ['tokenizer.json', 'vocab.txt'], fromBase: true },
  { names: ['tokenizer_config.json'], fromBase: true, optional: true, after: 'vocab.txt' },
  { names: ['model.safetensors', 'pytorch_model.bin'], fromBase: true },
];
// The field names {files: {config, tokenizer, weights, tokenizerConfig}} that a fill-mask
// model's local files had before it took them by name. (weights may hold either format: the
// model tells safetensors from a PyTorch zip by its first bytes.)
const OLD_FIELDS = { config: 'config.json', tokenizer: 'tokenizer.json', weights: 'model.safetensors', tokenizerConfig: 'tokenizer_config.json' };

const ready = init().catch((e) => {
  throw new Error(`the model code (pkg/tlab_web_bg.wasm) could not start: ${e.message}`);
});
ready.catch(() => {}); // reported with the first request, not as an unhandled rejection
const models = new Map(); // key → {kind, model: Promise<FillMaskModel | TranslateModel | …>}
const aborts = new Map(); // id of a load in progress → its AbortController
const STALL_SECONDS = 30;

class Cancelled extends Error {
  constructor() {
    super('the load was cancelled');
    this.cancelled = true;
  }
}

// url → its Cache API write in progress: the model is built without waiting for it, and a
// later fetch of the same file (a head's encoder) waits for it, then finds the file there.
const cacheWrites = new Map();

async function fetchBytes(url, onProgress, { optional, signal, stallSeconds }) {
  const cache = self.caches ? await self.caches.open(CACHE).catch(() => null) : null;
  await cacheWrites.get(url);
  const hit = cache && (await cache.match(url));
  if (hit) {
    const bytes = new Uint8Array(await hit.arrayBuffer());
    onProgress(bytes.length, bytes.length);
    return bytes;
  }
  // One controller for this file: aborted by a cancelled load or by the stall timer.
  const controller = new AbortController();
  const onAbort = () => controller.abort();
  signal.addEventListener('abort', onAbort);
  let stalled = false;
  let timer;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      stalled = true;
      controller.abort();
    }, stallSeconds * 1000);
  };
  const why = (fallback) => {
    if (signal.aborted) return new Cancelled();
    if (stalled) return new Error(`the download of ${url} stalled: no data for ${stallSeconds} s`);
    return fallback;
  };
  try {
    arm();
    let response;
    try {
      response = await fetch(url, { signal: controller.signal });
    } catch (e) {
      const hint = /^https?:/.test(url) ? 'check the address and your connection' : 'models load from http(s) addresses';
      throw why(new Error(`could not download ${url} (${e.message}); ${hint}`));
    }
    if (!response.ok) {
      controller.abort();
      if (optional) return null;
      const hint = response.status === 404 ? ' — no such file there' : '';
      throw new Error(`could not download ${url}: HTTP ${response.status}${hint}`);
    }
    // A web page where a model file should be: the prefix names a page, not the files.
    if (/^text\/html/i.test(response.headers.get('content-type') ?? '')) {
      controller.abort();
      throw new Error(
        `${url} is a web page (text/html), not a model file: the prefix must name the folder of the files ` +
          '(for the Hugging Face hub: https://huggingface.co/<org>/<name>/resolve/main)',
      );
    }
    arm(); // the headers came: the body gets its own stallSeconds
    // A compressed response's Content-Length counts the compressed bytes, not those read
    // here (static hosts gzip .json files): then the size is unknown.
    const encoding = response.headers.get('content-encoding');
    const total = encoding && encoding !== 'identity' ? 0 : Number(response.headers.get('content-length')) || 0;
    const reader = response.body.getReader();
    const chunks = [];
    let loaded = 0;
    for (;;) {
      let chunk;
      try {
        chunk = await reader.read();
      } catch (e) {
        throw why(new Error(`the download of ${url} broke off (${e.message})`));
      }
      arm();
      if (chunk.done) break;
      chunks.push(chunk.value);
      loaded += chunk.value.length;
      onProgress(loaded, total);
    }
    const bytes = new Uint8Array(loaded);
    let at = 0;
    for (const c of chunks) {
      bytes.set(c, at);
      at += c.length;
    }
    if (cache) {
      const write = cache
        .put(url, new Response(bytes))
        .catch(() => {})
        .finally(() => cacheWrites.delete(url));
      cacheWrites.set(url, write);
    }
    return bytes;
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', onAbort);
  }
}

/** A translation model's files (TRANSLATE_FILES) by field, from {url, shortlist?} or {files}. */
async function gather(list, source, post, fetchOptions) {
  const out = {};
  if (!source || (!source.files && typeof source.url !== 'string')) throw new Error('the model source names neither a URL nor files');
  for (const { name, field, optional, onlyIf } of list) {
    if (fetchOptions.signal.aborted) throw new Cancelled();
    if (source.files) {
      out[field] = source.files[field] ? new Uint8Array(source.files[field]) : null;
      if (!out[field] && !optional) throw new Error(`${name} is missing from the chosen files`);
      continue;
    }
    if (onlyIf && !source[onlyIf]) continue;
    const url = `${source.url.replace(/\/+$/, '')}/${name}`;
    const onProgress = (loaded, total) => post({ progress: { file: name, loaded, total } });
    out[field] = await fetchBytes(url, onProgress, { ...fetchOptions, optional });
  }
  return out;
}

/** A BERT's or a GPT's files by name (`list`: BERT_FILES, HEAD_FILES or GPT_FILES, as
 * lib/files.js describes them), from {url, base?} or {files}. */
async function gatherNamed(list, source, post, fetchOptions) {
  if (source?.files && typeof source.files === 'object') {
    // (Anything but bytes goes on as it is, for the wasm to refuse in words.)
    const out = {};
    for (const [key, b] of Object.entries(source.files)) {
      const name = Object.hasOwn(OLD_FIELDS, key) ? OLD_FIELDS[key] : key;
      if (name !== key && Object.hasOwn(source.files, name)) continue; // the file's own name wins
      out[name] = b instanceof ArrayBuffer ? new Uint8Array(b) : b;
    }
    return out;
  }
  if (typeof source?.url !== 'string') throw new Error('the model source names neither a URL nor files');
  const out = {};
  for (const { names, fromBase, after, ...entry } of list) {
    if (after && !out[after]) continue;
    const optional = typeof entry.optional === 'function' ? entry.optional(source) : entry.optional;
    const prefix = (fromBase && typeof source.base === 'string' ? source.base : source.url).replace(/\/+$/, '');
    for (const name of names) {
      if (fetchOptions.signal.aborted) throw new Cancelled();
      const onProgress = (loaded, total) => post({ progress: { file: name, loaded, total } });
      const bytes = await fetchBytes(`${prefix}/${name}`, onProgress, { ...fetchOptions, optional: optional || names.length > 1 });
      if (bytes) {
        out[name] = bytes;
        break;
      }
    }
    if (!optional && names.length > 1 && !names.some((n) => out[n])) {
      throw new Error(`could not download ${names.join(' or ')} from ${prefix}: ${names.length > 2 ? 'none of them' : 'neither'} is there`);
    }
  }
  return out;
}

async function load(msg, kind, post, signal) {
  const translate = kind === 'translate';
  const finetune = kind === 'finetune';
  const reads = kind === 'tokenizer' ? msg.source?.reads : null;
  if (kind === 'tokenizer' && !Object.hasOwn(TOKENIZER_FILES, reads ?? '')) {
    throw new Error(`a tokenizer is read as "bert" or "translate" (its source's reads), not ${JSON.stringify(reads) ?? 'undefined'}`);
  }
  if (finetune) {
    for (const [what, text] of [['training', msg.source?.train], ['held-out', msg.source?.heldOut]]) {
      if (typeof text !== 'string') throw new Error(`a fine-tuning run needs its ${what} examples as text, not ${text === null ? 'null' : typeof text}`);
    }
  }
  const stall = Number(msg.stallSeconds);
  const stallSeconds = Number.isFinite(stall) && stall > 0 ? stall : STALL_SECONDS;
  // Every BERT kind, and a GPT, takes its files by name. A fine-tuning run's encoder comes as
  // a fine-tuned BERT's files do (any BERT: its heads, if any, are not used).
  const fetchOptions = { signal, stallSeconds };
  // The files download while the wasm still downloads and compiles: neither waits for the other.
  // A tokenizer alone fetches only config.json and the tokenizer's files (TOKENIZER_FILES);
  // given files, it takes them by name as a BERT does (a translation model's {config,
  // tokenizer} fields included: OLD_FIELDS).
  const gathering = translate
    ? gather(TRANSLATE_FILES, msg.source, post, fetchOptions)
    : gatherNamed(reads ? TOKENIZER_FILES[reads] : ({ bert: BERT_FILES, gpt: GPT_FILES }[kind] ?? HEAD_FILES), msg.source, post, fetchOptions);
  gathering.catch(() => {}); // a wasm that fails to start is the error to report
  await ready;
  const files = await gathering;
  if (signal.aborted) throw new Cancelled();
  post({ progress: { file: 'building the model', loaded: 1, total: 1, building: true } });
  if (HEAD_MODELS[kind]) return new HEAD_MODELS[kind](files);
  if (finetune) return new FineTune(files, msg.source.train, msg.source.heldOut, msg.source.options ?? {});
  if (translate) return new TranslateModel(files.config, files.tokenizer, files.weights, files.shortlist ?? undefined);
  if (kind === 'gpt') return new GenerateModel(files);
  if (reads) return new TokenizerModel(reads, files);
  return new FillMaskModel(files);
}

/** The model `key` for op `name` (a promise), or an Error in words: none loaded under that
 * key, or one of a kind the op does not take. Synchronous, so a request queued right behind
 * its model's load finds the entry. */
function model(key, name, spec) {
  const entry = models.get(key);
  if (!entry) throw new Error(`no model "${key}" is loaded`);
  if (!spec.kinds.includes(entry.kind)) {
    throw new Error(`"${name}" needs ${kindsInWords(spec)}; "${key}" is ${KINDS[entry.kind].name}`);
  }
  return entry.model;
}

async function handle(msg, post) {
  switch (msg.op) {
    case 'load': {
      const kind = msg.kind ?? 'bert';
      if (!Object.hasOwn(KINDS, kind)) {
        throw new Error(`a model kind must be ${Object.keys(KINDS).map((k) => `"${k}"`).join(' or ')}, not "${kind}"`);
      }
      const loaded = models.get(msg.key);
      if (!loaded || msg.reload || loaded.kind !== kind) {
        const controller = new AbortController();
        aborts.set(msg.id, controller);
        const entry = { kind, model: load(msg, kind, post, controller.signal) };
        models.set(msg.key, entry);
        // Only this load's own entry goes: a newer load of the same key may have replaced it.
        entry.model
          .catch(() => models.get(msg.key) === entry && models.delete(msg.key))
          .finally(() => aborts.delete(msg.id));
      }
      const { kind: loadedKind, model: built } = models.get(msg.key);
      return (await built)[KINDS[loadedKind].loadAnswer ?? 'info']();
    }
    case 'cancel':
      aborts.get(msg.target)?.abort();
      return null;
    case 'memory':
      // init() answers the wasm exports, among them its memory.
      return (await ready).memory.buffer.byteLength;
    case '_trap':
      // What a Rust panic looks like from here (wasm aborts with `unreachable`), so tests
      // can check that the page recovers from one.
      throw new WebAssembly.RuntimeError('unreachable (a test asked the worker to trap)');
    default: {
      const spec = opSpec(msg.op); // an unknown op: an Error in words
      const args = wasmArgs(spec, msg);
      const m = await model(msg.key, msg.op, spec);
      if (typeof m[spec.method] !== 'function') {
        // lib/ops.js names a method this build of the wasm lacks: pkg/ is older than www/.
        throw new Error(`the model code has no ${m.constructor.name}.${spec.method} (rebuild pkg/ with tools/build-wasm.sh)`);
      }
      return m[spec.method](...args);
    }
  }
}

self.onmessage = async ({ data: msg }) => {
  const post = (m) => self.postMessage({ id: msg.id, ...m });
  try {
    const t0 = performance.now();
    const result = await handle(msg, post);
    post({ ok: true, result, ms: performance.now() - t0 });
  } catch (e) {
    const error = e instanceof Error ? e.message : String(e);
    if (e instanceof WebAssembly.RuntimeError) post({ ok: false, fatal: true, error: `${e.name}: ${error}` });
    else if (e?.cancelled) post({ ok: false, cancelled: true, error });
    else post({ ok: false, error });
  }
};
