// Promise API over the one web worker that owns the wasm. Every widget on a page shares
// the same client (sharedClient), so each model is downloaded and built once per page.

export class TlabClient {
  constructor(workerUrl = new URL('../worker.js', import.meta.url)) {
    this.worker = new Worker(workerUrl, { type: 'module' });
    this.nextId = 1;
    this.pending = new Map();
    this.worker.onmessage = ({ data }) => {
      const p = this.pending.get(data.id);
      if (!p) return;
      if (data.progress) {
        p.onProgress?.(data.progress);
        return;
      }
      this.pending.delete(data.id);
      if (data.ok) p.resolve(data.result);
      else p.reject(new Error(data.error));
    };
    this.worker.onerror = (e) => {
      const err = new Error(`the model worker failed: ${e.message || 'unknown error'}`);
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
  }

  request(msg, onProgress) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, onProgress });
      this.worker.postMessage({ id, ...msg });
    });
  }

  /** source: {url: 'https://…/resolve/main'} or {files: {config, tokenizer, weights, tokenizerConfig}} (ArrayBuffers). */
  loadBert(key, source, onProgress, reload = false) {
    return this.request({ op: 'load', kind: 'bert', key, source, reload }, onProgress);
  }

  /** A translation model directory: {url, shortlist?} or {files}. */
  loadTranslate(key, source, onProgress, reload = false) {
    return this.request({ op: 'load', kind: 'translate', key, source, reload }, onProgress);
  }

  /** options: {beam, alpha, maxNewTokens, traceTopK, attentions} */
  translate(key, text, options = {}) {
    return this.request({ op: 'translate', key, text, options });
  }

  teacherForce(key, text, reference) {
    return this.request({ op: 'teacherForce', key, text, reference });
  }

  /** Either model: {algorithm, pieces: [{id, piece, special, start, end}]}. */
  tokenize(key, text) {
    return this.request({ op: 'tokenize', key, text });
  }

  /** Translation encoder self-attention: {tokens, layers[layer][head][q][k]}. */
  encoderAttentions(key, text) {
    return this.request({ op: 'encoderAttentions', key, text });
  }

  /** Teacher forcing plus cross-/self-attention per target position. */
  teacherForceAttentions(key, text, reference) {
    return this.request({ op: 'teacherForceAttentions', key, text, reference });
  }

  /** BERT pre-training masking (15 %, 80/10/10) for a seed, with predictions and loss. */
  pretrainDemo(key, text, seed, topK = 5) {
    return this.request({ op: 'pretrainDemo', key, text, seed, topK });
  }

  fill(key, text, topK) {
    return this.request({ op: 'fill', key, text, topK });
  }

  /** Sequence classifiers of the model (e.g. AntiBERTy's species and chain); [] if none. */
  classify(key, text) {
    return this.request({ op: 'classify', key, text });
  }

  logits(key, text) {
    return this.request({ op: 'logits', key, text });
  }

  attentions(key, text) {
    return this.request({ op: 'attentions', key, text });
  }
}

let shared = null;
export function sharedClient() {
  shared ??= new TlabClient();
  return shared;
}

/** "google-bert/bert-base-uncased" → its Hugging Face file prefix; full URLs pass through. */
export function modelPrefix(input, base = location.href) {
  const s = input.trim();
  if (/^[\w.-]+\/[\w.-]+$/.test(s)) return `https://huggingface.co/${s}/resolve/main`;
  return new URL(s.replace(/\/+$/, ''), base).href;
}

/** The default fill-mask model that tools/setup.sh prepares, as served next to the page. */
export const DEFAULT_BERT = { key: 'default-bert', url: new URL('../models/fill-mask', import.meta.url).href };

/** The second built-in fill-mask model: AntiBERTy, a BERT on antibody sequences. */
export const ANTIBERTY = { key: 'builtin-antiberty', url: new URL('../models/antiberty', import.meta.url).href };

/** The default Bergamot translation models that tools/setup.sh converts. */
export const DEFAULT_TRANSLATE = Object.fromEntries(
  ['en-pt', 'pt-en'].map((d) => [
    d,
    { key: `default-translate-${d}`, url: new URL(`../models/translate-${d}`, import.meta.url).href, shortlist: true },
  ]),
);
