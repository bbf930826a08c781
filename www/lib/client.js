// Promise API over the one web worker that owns the wasm. Every widget on a page shares
// the same client (sharedClient), so each model is downloaded and built once per page.
//
// The worker can die: a Rust panic in wasm aborts the instance (a RuntimeError such as
// "unreachable", which the worker reports as {fatal: true}), the worker can throw outside
// a request, or a message can fail to arrive. The client then rejects every request of that
// worker with "the model crashed: …", terminates it, and starts a fresh worker on the next
// request. It remembers each model's successful load request by key and replays it on the
// fresh worker before the first request that needs that model, so the page keeps working
// without a reload (the download comes from the Cache API, only the build is repeated).
//
// Loads can be cancelled, and a load given a `slot` supersedes the earlier load of the same
// slot (the model picker: the last click wins). Both reject with a CancelledError, which
// pages do not show as a failure.
//
// The model calls (fill, translate, tokenize, …) are not written here: every operation of
// lib/ops.js's OPS becomes a method client.<op>(key, ...args) (see the end of the class), so
// adding one is one entry in that table.
import { OPS, requestFor } from './ops.js';
import { TOKENIZER_FILES } from './files.js';

/** A load that was cancelled or superseded by a newer one: not a failure to show. */
export class CancelledError extends Error {
  constructor(message, reason = 'cancelled') {
    super(message);
    this.name = 'CancelledError';
    this.reason = reason; // 'cancelled' | 'superseded'
  }
}

export const isCancelled = (e) => e instanceof CancelledError || e?.name === 'CancelledError';

/** The worker died while answering: its requests fail, the next one starts a fresh worker. */
export class CrashError extends Error {
  constructor(message) {
    super(`the model crashed: ${message}`);
    this.name = 'CrashError';
  }
}

/** onProgress with `received` added: the bytes of every file of one load so far (the worker
 * reports one file at a time; a file from the Cache API counts whole at once). */
function summed(onProgress) {
  if (!onProgress) return onProgress;
  const files = new Map();
  return (p) => {
    if (!p.building) files.set(p.file, p.loaded);
    let received = 0;
    for (const n of files.values()) received += n;
    onProgress({ ...p, received });
  };
}

export class TlabClient {
  constructor(workerUrl = new URL('../worker.js', import.meta.url)) {
    this.workerUrl = workerUrl;
    this.nextId = 1;
    this.pending = new Map(); // id → {resolve, reject, onProgress, worker, slot}
    this.remembered = new Map(); // model key → the load message that built it last
    this.slots = new Map(); // slot → id of the load in progress there
    this.generation = 0; // +1 per worker started; caches of load promises compare it
    // Loads given a priority wait here for their turn: one such download at a time, the most
    // urgent first (see load). {id, msg, onProgress, slot, priority, resolve, reject}
    this.queue = [];
    this.busy = null; // the id of the queued load being downloaded now
    this.pumping = null; // the timer of the next look at the queue
    this.worker = null;
    this.spawn(); // at once, so the wasm compiles while the page loads
  }

  spawn() {
    const worker = new Worker(this.workerUrl, { type: 'module' });
    worker.models = new Map(); // model key → id of the load that (re)builds it on this worker
    worker.onmessage = ({ data }) => this.receive(worker, data);
    worker.onerror = (e) => {
      e.preventDefault?.();
      this.crash(worker, e.message || 'the worker stopped (it could not start, or it threw)');
    };
    worker.onmessageerror = () => this.crash(worker, 'a message from the model worker could not be read');
    this.worker = worker;
    this.generation += 1;
    return worker;
  }

  receive(worker, data) {
    if (data.fatal) {
      // The wasm instance trapped: nothing more can run on it.
      this.crash(worker, data.error);
      return;
    }
    const p = this.pending.get(data.id);
    if (!p) return;
    if (data.progress) {
      p.onProgress?.(data.progress);
      return;
    }
    this.pending.delete(data.id);
    if (p.slot != null && this.slots.get(p.slot) === data.id) this.slots.delete(p.slot);
    if (data.ok) p.resolve(data.result);
    else if (data.cancelled) p.reject(new CancelledError(data.error));
    else p.reject(new Error(data.error));
  }

  /** Ends `worker` and fails its requests; the next request starts a fresh one. */
  crash(worker, message) {
    if (worker.dead) return;
    worker.dead = true;
    worker.terminate();
    if (this.worker === worker) this.worker = null;
    const err = new CrashError(message);
    // A warning, not an error: the page shows the error in words and recovers.
    console.warn(`tlab: ${err.message}; a fresh worker starts with the next request`);
    for (const [id, p] of this.pending) {
      if (p.worker !== worker) continue;
      this.pending.delete(id);
      if (p.slot != null && this.slots.get(p.slot) === id) this.slots.delete(p.slot);
      p.reject(err);
    }
  }

  /** For tests: end the worker now, as a crash would (pending requests fail). */
  _debugKill(message = 'killed on purpose (test)') {
    if (this.worker) this.crash(this.worker, message);
  }

  post(worker, msg, onProgress, slot, id = this.nextId++) {
    return {
      id,
      promise: new Promise((resolve, reject) => {
        this.pending.set(id, { resolve, reject, onProgress, worker, slot });
        try {
          worker.postMessage({ id, ...msg });
        } catch (e) {
          // e.g. a value that cannot be cloned: this request fails, the worker is fine.
          this.pending.delete(id);
          reject(new Error(`could not send the request to the model worker: ${e.message}`));
        }
      }),
    };
  }

  /** Loads a model on the current worker and remembers the request once it succeeded. */
  sendLoad(worker, msg, onProgress, slot, reserved) {
    const { id, promise } = this.post(worker, msg, onProgress, slot, reserved);
    worker.models.set(msg.key, id);
    promise.then(
      () => {
        if (worker.models.get(msg.key) === id) this.remembered.set(msg.key, { ...msg, reload: false });
      },
      () => {
        // A failed (re)load leaves no model under that key on this worker, nor to replay.
        if (worker.models.get(msg.key) === id) {
          worker.models.delete(msg.key);
          this.remembered.delete(msg.key);
        }
      },
    );
    return { id, promise };
  }

  request(msg, onProgress) {
    try {
      const worker = this.worker ?? this.spawn();
      // A model loaded on a worker that crashed: load it again first (transparently; the
      // worker queues this request behind the load).
      if (msg.key != null && !worker.models.has(msg.key) && this.remembered.has(msg.key)) {
        this.sendLoad(worker, this.remembered.get(msg.key)).promise.catch(() => {});
      }
      return this.post(worker, msg, onProgress).promise;
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /**
   * options: {reload, slot, stallSeconds, priority} (a boolean is `reload`, as before).
   * slot: a name; a newer load with the same slot cancels this one (it rejects with a
   * CancelledError, reason 'superseded'). stallSeconds: a download that receives no data
   * for this long fails (default 30 s, in the worker).
   * priority: a number, or a function that gives one when asked (lower: sooner). A load
   * with one waits for its turn: loads with a priority download one at a time, so on a slow
   * line the first model a reader sees is not slowed down by the others (the widgets pass
   * one: base.js loadPriority). The most urgent waiting load goes next, asked at that
   * moment; a load of a model the worker has, or is loading, goes at once (it downloads
   * nothing more). Without a priority a load goes at once, as a click's should.
   * onProgress gets the worker's {file, loaded, total} (see lib/ops.js LoadProgress) with
   * `received`: the bytes of all of this load's files so far.
   */
  load(kind, key, source, onProgress, options = {}) {
    const { reload = false, slot, stallSeconds, priority } = typeof options === 'boolean' ? { reload: options } : options;
    if (slot != null) this.cancel(slot, 'superseded');
    const msg = { op: 'load', kind, key, source, reload, stallSeconds };
    const progress = summed(onProgress);
    if (priority == null) return this.sendNow(msg, progress, slot);
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      this.queue.push({ id, msg, onProgress: progress, slot, priority, resolve, reject });
      if (slot != null) this.slots.set(slot, id);
      // Not at once: the widgets that came into view together ask within this task, and
      // the most urgent of them all goes first.
      this.pumping ??= setTimeout(() => {
        this.pumping = null;
        this.pump();
      });
    });
  }

  /** Sends load `msg` to the worker now (id: the one it was given when queued). */
  sendNow(msg, onProgress, slot, reserved) {
    const worker = this.worker ?? this.spawn();
    const { id, promise } = this.sendLoad(worker, msg, onProgress, slot, reserved);
    if (slot != null) this.slots.set(slot, id);
    return promise;
  }

  /** Sends the queued loads whose turn it is (see load). */
  pump() {
    const sweep = () => {
      // A model the worker has or is loading: nothing more to download, no need to wait.
      for (const e of [...this.queue]) if (!e.msg.reload && this.worker?.models.has(e.msg.key)) this.dispatch(e);
    };
    sweep();
    if (this.busy != null || this.queue.length === 0) return;
    const rank = (e) => {
      try {
        const r = Number(typeof e.priority === 'function' ? e.priority() : e.priority);
        return Number.isNaN(r) ? Infinity : r;
      } catch {
        return Infinity;
      }
    };
    let best = this.queue[0];
    let bestRank = rank(best);
    for (const e of this.queue.slice(1)) {
      const r = rank(e);
      if (r < bestRank) [best, bestRank] = [e, r];
    }
    this.busy = best.id;
    const settle = () => {
      if (this.busy !== best.id) return;
      this.busy = null;
      this.pump();
    };
    this.dispatch(best).then(settle, settle);
    sweep(); // the same model asked for by other widgets: it goes with this one
  }

  /** Takes queued load `e` out of the queue and sends it; its promise settles the caller's. */
  dispatch(e) {
    this.queue.splice(this.queue.indexOf(e), 1);
    let promise;
    try {
      promise = this.sendNow(e.msg, e.onProgress, e.slot, e.id);
    } catch (error) {
      promise = Promise.reject(error); // no worker could start
    }
    promise.then(e.resolve, e.reject);
    return promise;
  }

  /** Cancels the load in progress (or waiting for its turn) in `slot` (its download stops);
   * true if there was one. */
  cancel(slot, reason = 'cancelled') {
    const id = this.slots.get(slot);
    if (id == null) return false;
    this.slots.delete(slot);
    const error = () =>
      new CancelledError(reason === 'superseded' ? 'the load was superseded by a newer one' : 'the load was cancelled', reason);
    const waiting = this.queue.findIndex((e) => e.id === id);
    if (waiting >= 0) {
      this.queue.splice(waiting, 1)[0].reject(error());
      return true;
    }
    const p = this.pending.get(id);
    if (!p) return false;
    this.pending.delete(id);
    if (!p.worker.dead) p.worker.postMessage({ id: this.nextId++, op: 'cancel', target: id });
    p.reject(error());
    return true;
  }

  /**
   * A BertForMaskedLM checkpoint in either hub layout: {url: 'https://…/resolve/main'} (the
   * worker tries tokenizer.json, then vocab.txt; model.safetensors, then pytorch_model.bin;
   * tokenizer_config.json if there is one), or {files: {'config.json', 'tokenizer.json' |
   * 'vocab.txt', 'tokenizer_config.json'?, 'model.safetensors' | 'pytorch_model.bin'}}
   * (ArrayBuffers or Uint8Arrays by file name; the older {config, tokenizer, weights,
   * tokenizerConfig} is still taken).
   * @param {(p: import('./ops.js').LoadProgress) => void} [onProgress]
   * @returns {Promise<import('./ops.js').BertInfo>}
   */
  loadBert(key, source, onProgress, options = {}) {
    return this.load('bert', key, source, onProgress, options);
  }

  /**
   * A translation model directory: {url, shortlist?} or {files}.
   * @param {(p: import('./ops.js').LoadProgress) => void} [onProgress]
   * @returns {Promise<import('./ops.js').TranslateInfo>}
   */
  loadTranslate(key, source, onProgress, options = {}) {
    return this.load('translate', key, source, onProgress, options);
  }

  /**
   * A model's tokenizer alone, without its weights: the model's source ({url} or {files})
   * plus reads, 'bert' or 'translate' (whose rules); only config.json and the tokenizer's
   * files download (lib/files.js TOKENIZER_FILES). Then tokenize on `key`, which answers as
   * the whole model's would.
   * @param {import('./ops.js').TokenizerSource} source
   * @param {(p: import('./ops.js').LoadProgress) => void} [onProgress]
   * @returns {Promise<import('./ops.js').TokenizerInfo>}
   */
  loadTokenizer(key, source, onProgress, options = {}) {
    return this.load('tokenizer', key, source, onProgress, options);
  }

  /**
   * A GPT2LMHeadModel checkpoint in any hub layout: {url: 'https://…/resolve/main'} (the
   * worker tries tokenizer.json, then vocab.json + merges.txt, then vocab.txt;
   * tokenizer_config.json if there is one; model.safetensors, then pytorch_model.bin), or
   * {files: {'config.json', …}} by file name; then generate, generateIds, logitsIds,
   * encodePrompt, attentions, attentionsIds and info on `key`.
   * @param {(p: import('./ops.js').LoadProgress) => void} [onProgress]
   * @returns {Promise<import('./ops.js').GptInfo>}
   */
  loadGpt(key, source, onProgress, options = {}) {
    return this.load('gpt', key, source, onProgress, options);
  }

  /**
   * A fine-tuning run (bert-finetune.js): the encoder and the data, {url | files, train,
   * heldOut, options?}; then task, tunedLayers, featurize, train, predict, reset, exportHead
   * on `key`.
   * @param {import('./ops.js').FineTuneSource} source
   * @param {(p: import('./ops.js').LoadProgress) => void} [onProgress]
   * @returns {Promise<string[]>} the labels, in the head's id order
   */
  loadFineTune(key, source, onProgress, options = {}) {
    return this.load('finetune', key, source, onProgress, options);
  }

  /**
   * The bytes of the worker's wasm memory. It never shrinks, so this is the most that the
   * models of this worker have needed at once so far (tools/bench-peers.mjs asks it). A worker
   * that crashed starts afresh: its successor's memory.
   * @returns {Promise<number>}
   */
  memory() {
    return this.request({ op: 'memory' });
  }

  /**
   * A call on model `key`: op `name` of lib/ops.js with its arguments in the table's order,
   * each checked here first (a bad one rejects in words, nothing is sent). The methods below
   * are this with the name filled in: fill(key, text, topK = 5), translate(key, text,
   * options = {}), teacherForce(key, text, reference), pretrainDemo(key, text, seed, topK = 5), …
   */
  op(name, key, ...args) {
    try {
      return this.request(requestFor(name, key, args));
    } catch (e) {
      return Promise.reject(e);
    }
  }
}

// One method per operation of the table, named after it; each answers the table's `result`
// shape (the typedefs of lib/ops.js: client.fill → FillResult, client.translate →
// TranslateResult, …).
for (const name of Object.keys(OPS)) {
  if (name in TlabClient.prototype) throw new Error(`lib/ops.js: the op "${name}" would replace TlabClient.${name}`);
  const method = { [name](key, ...args) { return this.op(name, key, ...args); } }[name];
  Object.defineProperty(TlabClient.prototype, name, { value: method, writable: true, configurable: true });
}

let shared = null;
export function sharedClient() {
  shared ??= new TlabClient();
  return shared;
}

/** "google-bert/bert-base-uncased" → its Hugging Face file prefix; full URLs pass through.
 * Throws an Error in words for anything else. */
export function modelPrefix(input, base = location.href) {
  const s = String(input ?? '').trim();
  if (/^[\w.-]+\/[\w.-]+$/.test(s)) return `https://huggingface.co/${s}/resolve/main`;
  let url;
  try {
    url = new URL(s.replace(/\/+$/, ''), base);
  } catch {
    throw new Error(`"${s}" is not a model name (like google-bert/bert-base-uncased) or a URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new Error(`"${s}" is not an http(s) address; models load from https://… or from this site`);
  }
  return url.href;
}

/** The default fill-mask model that tools/setup.sh prepares, as served next to the page. */
export const DEFAULT_BERT = { key: 'default-bert', url: new URL('../models/fill-mask', import.meta.url).href };

/** The Chinese fill-mask model that tools/setup.sh prepares: a character BERT trained here on
 * classical poetry (assets/fill-mask-zh); its tokenizer reads traditional characters as
 * simplified ones. */
export const CHINESE_BERT = { key: 'builtin-bert-zh', url: new URL('../models/fill-mask-zh', import.meta.url).href };

/** The built-in fill-mask model of each language of the fill-mask widgets' language choice:
 * `entry`, its name in models/index.json (whose name, note and example win), and `example`,
 * the sentence it shows when chosen if index.json gives none. */
export const BUILTIN_BERT = Object.freeze({
  en: Object.freeze({ ...DEFAULT_BERT, entry: 'fill-mask', example: 'The man went to the [MASK] to buy some milk.' }),
  zh: Object.freeze({ ...CHINESE_BERT, entry: 'fill-mask-zh', example: '床前明月[MASK]，疑是地上霜。' }),
});

/** The language ('en' | 'zh') whose built-in fill-mask model is at URL `url`, else null. */
export function builtinLanguage(url) {
  return Object.keys(BUILTIN_BERT).find((lang) => BUILTIN_BERT[lang].url === url) ?? null;
}

/** The second built-in fill-mask model: AntiBERTy, a BERT on antibody sequences. */
export const ANTIBERTY = { key: 'builtin-antiberty', url: new URL('../models/antiberty', import.meta.url).href };

/** models/index.json (written by tools/setup.sh) names the built-in models, with any caveat
 * (note) and the example a fill-mask model shows when chosen: entry `name`, or {} when the
 * index or the entry is missing. Fetched once per page. */
let indexJson = null;
export async function builtinEntry(name) {
  indexJson ??= fetch(new URL('../models/index.json', import.meta.url))
    .then((r) => (r.ok ? r.json() : {}))
    .catch(() => ({}));
  const all = await indexJson;
  return (all && typeof all === 'object' && all[name]) || {};
}

/** The bytes that loading the built-in model at URL prefix `url` downloads (its files, and a
 * head's encoder files from its base), from models/index.json's `size` (tools/prepare-models.sh
 * records it); null for any other address, or an index without sizes. */
export async function modelSize(url) {
  const entry = builtinFolder(url);
  if (!entry) return null;
  const size = (await builtinEntry(entry)).size;
  return Number.isFinite(size) && size > 0 ? size : null;
}

/** The name of the built-in model (its folder under models/) at URL prefix `url`, else null. */
function builtinFolder(url) {
  if (typeof url !== 'string') return null;
  const models = new URL('../models/', import.meta.url).href;
  const name = url.replace(/\/+$/, '');
  if (!name.startsWith(models)) return null;
  const entry = name.slice(models.length);
  return !entry || entry.includes('/') ? null : entry;
}

/** The bytes that loading only the tokenizer of the built-in model at `url` downloads, read
 * by `reads` ('bert' | 'translate': lib/files.js TOKENIZER_FILES): the sum of those files'
 * sizes of its own folder in models/index.json's `files`; null for any other address, or an
 * index without them. */
export async function tokenizerSize(url, reads) {
  const entry = builtinFolder(url);
  if (!entry || !Object.hasOwn(TOKENIZER_FILES, reads)) return null;
  const { files } = await builtinEntry(entry);
  if (!files || typeof files !== 'object') return null;
  const names = TOKENIZER_FILES[reads].flatMap((e) => e.names);
  let size = 0;
  for (const [path, bytes] of Object.entries(files)) {
    const [folder, name] = path.split('/');
    if (folder === entry && names.includes(name) && Number.isFinite(bytes)) size += bytes;
  }
  return size > 0 ? size : null;
}

/** The built-in tagging data of the fine-tuning widget (tools/prepare-models.sh): Brown
 * sentences as word/TAG lines, 12 universal part-of-speech tags; test is held out. */
export const BROWN_POS = Object.freeze({
  train: new URL('../models/pos-en/brown-train.txt', import.meta.url).href,
  test: new URL('../models/pos-en/brown-test.txt', import.meta.url).href,
});

/** The heads trained here (tools/prepare-models.sh), each saved alone (config.json,
 * head.safetensors) over the default fill-mask model's encoder: `base` names its folder, so
 * its tokenizer and weights are the same URLs as DEFAULT_BERT's (one download per browser).
 * `entry`: the model's name in models/index.json. nsp-en may be missing (then its load fails
 * with a 404 and the widget asks for a checkpoint with a next-sentence head). */
export const BUILTIN_HEADS = Object.freeze({
  pos: Object.freeze({ kind: 'tagger', key: 'builtin-pos-en', url: new URL('../models/pos-en', import.meta.url).href, base: DEFAULT_BERT.url, entry: 'pos-en' }),
  nsp: Object.freeze({ kind: 'classifier', key: 'builtin-nsp-en', url: new URL('../models/nsp-en', import.meta.url).href, base: DEFAULT_BERT.url, entry: 'nsp-en' }),
});

/** The built-in GPT (tools/prepare-models.sh): a GPT-2 trained here on classical Chinese
 * poetry, one token per character (the Chinese BERT's tokenizer; a prompt starts with [CLS],
 * [SEP] ends a text). `entry`: its name in models/index.json (name, note, example). */
export const BUILTIN_GPT = Object.freeze({
  key: 'builtin-gpt-poetry',
  url: new URL('../models/gpt-poetry', import.meta.url).href,
  entry: 'gpt-poetry',
  example: '床前明月光，',
});

/** The default Bergamot translation models that tools/setup.sh converts. */
export const DEFAULT_TRANSLATE = Object.fromEntries(
  ['en-pt', 'pt-en'].map((d) => [
    d,
    { key: `default-translate-${d}`, url: new URL(`../models/translate-${d}`, import.meta.url).href, shortlist: true },
  ]),
);
