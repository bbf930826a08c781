// The web worker that owns the wasm. The page (and every widget on it) talks to it through
// lib/client.js; the model runs here so the page never freezes.
//
// Messages in:  {id, op: 'load', kind: 'bert' | 'translate', key, source} · {id, op: 'classify', key, text}
//                 source = {url, shortlist?: true} | {files: {config, tokenizer, weights, …}}
//               {id, op: 'fill' | 'logits' | 'attentions' | 'info', key, text?, topK?}
//               {id, op: 'translate', key, text, options} · {id, op: 'teacherForce', key, text, reference}
//               {id, op: 'tokenize', key, text} (either model) · {id, op: 'encoderAttentions', key, text}
//               {id, op: 'teacherForceAttentions', key, text, reference} · {id, op: 'pretrainDemo', key, text, seed, topK}
// Messages out: {id, progress: {file, loaded, total}} … then {id, ok: true, result}
//               or {id, ok: false, error: 'words a person understands'}
//
// Downloads go through the Cache API, so a model is fetched once per browser.
import init, { FillMaskModel, TranslateModel } from './pkg/tlab_web.js';

const CACHE = 'tlab-models-v1';
const BERT_FILES = [
  { name: 'config.json', field: 'config' },
  { name: 'tokenizer.json', field: 'tokenizer' },
  { name: 'model.safetensors', field: 'weights' },
  // Read only when the user picks it: fetching it by URL would log a 404 for the many
  // checkpoints without one, and tokenizer.json already marks the mask token as special.
  { name: 'tokenizer_config.json', field: 'tokenizerConfig', optional: true, localOnly: true },
];

const TRANSLATE_FILES = [
  { name: 'config.json', field: 'config' },
  { name: 'tokenizer.json', field: 'tokenizer' },
  { name: 'model.safetensors', field: 'weights' },
  // Bergamot models only; fetched when the source says it has one.
  { name: 'shortlist.bin', field: 'shortlist', optional: true, onlyIf: 'shortlist' },
];

const ready = init();
const models = new Map(); // key → Promise<FillMaskModel>

async function fetchBytes(url, onProgress, optional) {
  const cache = self.caches ? await self.caches.open(CACHE).catch(() => null) : null;
  const hit = cache && (await cache.match(url));
  if (hit) {
    const bytes = new Uint8Array(await hit.arrayBuffer());
    onProgress(bytes.length, bytes.length);
    return bytes;
  }
  let response;
  try {
    response = await fetch(url);
  } catch (e) {
    throw new Error(`could not download ${url} (${e.message}); check the address and your connection`);
  }
  if (!response.ok) {
    if (optional) return null;
    const hint = response.status === 404 ? ' — no such file there' : '';
    throw new Error(`could not download ${url}: HTTP ${response.status}${hint}`);
  }
  const total = Number(response.headers.get('content-length')) || 0;
  const reader = response.body.getReader();
  const chunks = [];
  let loaded = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    loaded += value.length;
    onProgress(loaded, total);
  }
  const bytes = new Uint8Array(loaded);
  let at = 0;
  for (const c of chunks) {
    bytes.set(c, at);
    at += c.length;
  }
  if (cache) await cache.put(url, new Response(bytes)).catch(() => {});
  return bytes;
}

async function gather(list, source, post) {
  const out = {};
  for (const { name, field, optional, localOnly, onlyIf } of list) {
    if (source.files) {
      out[field] = source.files[field] ? new Uint8Array(source.files[field]) : null;
      if (!out[field] && !optional) throw new Error(`${name} is missing from the chosen files`);
      continue;
    }
    if (localOnly || (onlyIf && !source[onlyIf])) continue;
    const url = `${source.url.replace(/\/+$/, '')}/${name}`;
    out[field] = await fetchBytes(url, (loaded, total) => post({ progress: { file: name, loaded, total } }), optional);
  }
  return out;
}

async function load(msg, post) {
  await ready;
  const translate = msg.kind === 'translate';
  const files = await gather(translate ? TRANSLATE_FILES : BERT_FILES, msg.source, post);
  post({ progress: { file: 'building the model', loaded: 1, total: 1 } });
  if (translate) return new TranslateModel(files.config, files.tokenizer, files.weights, files.shortlist ?? undefined);
  return new FillMaskModel(files.config, files.tokenizer, files.weights, files.tokenizerConfig ?? undefined);
}

function model(key) {
  const m = models.get(key);
  if (!m) throw new Error(`no model "${key}" is loaded`);
  return m;
}

async function handle(msg, post) {
  switch (msg.op) {
    case 'load': {
      if (!models.has(msg.key) || msg.reload) {
        const loading = load(msg, post);
        models.set(msg.key, loading);
        loading.catch(() => models.delete(msg.key));
      }
      return (await models.get(msg.key)).info();
    }
    case 'info':
      return (await model(msg.key)).info();
    case 'fill':
      return (await model(msg.key)).fill(msg.text, msg.topK ?? 5);
    case 'logits':
      return (await model(msg.key)).logits(msg.text);
    case 'attentions':
      return (await model(msg.key)).attentions(msg.text);
    case 'translate':
      return (await model(msg.key)).translate(msg.text, msg.options ?? {});
    case 'teacherForce':
      return (await model(msg.key)).teacherForce(msg.text, msg.reference);
    case 'teacherForceAttentions':
      return (await model(msg.key)).teacherForceAttentions(msg.text, msg.reference);
    case 'tokenize':
      return (await model(msg.key)).tokenize(msg.text);
    case 'encoderAttentions':
      return (await model(msg.key)).encoderAttentions(msg.text);
    case 'classify':
      return (await model(msg.key)).classify(msg.text);
    case 'pretrainDemo':
      return (await model(msg.key)).pretrainDemo(msg.text, msg.seed >>> 0, msg.topK ?? 5);
    default:
      throw new Error(`unknown request ${msg.op}`);
  }
}

self.onmessage = async ({ data: msg }) => {
  const post = (m) => self.postMessage({ id: msg.id, ...m });
  try {
    const t0 = performance.now();
    const result = await handle(msg, post);
    post({ ok: true, result, ms: performance.now() - t0 });
  } catch (e) {
    post({ ok: false, error: e instanceof Error ? e.message : String(e) });
  }
};
