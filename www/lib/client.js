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

  fill(key, text, topK) {
    return this.request({ op: 'fill', key, text, topK });
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

/** The default Bergamot translation models that tools/setup.sh converts. */
export const DEFAULT_TRANSLATE = Object.fromEntries(
  ['en-pt', 'pt-en'].map((d) => [
    d,
    { key: `default-translate-${d}`, url: new URL(`../models/translate-${d}`, import.meta.url).href, shortlist: true },
  ]),
);
