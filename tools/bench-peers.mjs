// tlab beside its two peer engines, in one headless Chromium, each engine in its own web
// worker, measured in interleaved rounds (tlab, peer 1, peer 2, tlab, peer 1, …: a machine
// that slows down mid-run slows every engine alike), printed as Markdown:
//   * fill-mask on the default model (models/fill-mask: MiniLM-L6 BERT with its MLM head),
//     top 5, at 16 and 128 tokens ([CLS] … [MASK] … [SEP], the sentences of
//     tools/bench-browser.mjs): median ms per call as the page sees it (a worker round trip),
//     after warm-up; tlab against transformers.js on ONNX exports of the same checkpoint
//     (tools/peers/export_onnx.py): fp32 and q8 (dynamic int8), 1 and 2 threads of
//     onnxruntime-web's wasm backend; and whether tlab's top 5 equals transformers.js fp32's;
//   * cold load to the first fill-mask answer (and to the first translation) in a fresh
//     browser context (no HTTP cache, no Cache API, no compiled-wasm cache): ms, and the bytes
//     the server sent for it (counted by the server: headers and bodies, not compressed);
//   * en→pt translation, greedy and beam 4, of every sentence of fixtures/bergamot/en-pt.json,
//     one sentence per call: sentences/s, tlab (models/translate-en-pt with its shortlist)
//     against Bergamot's own wasm (npm @browsermt/bergamot-translator) on the model files
//     tlab's were converted from (beam 1 / 4, normalize 1.0, word-penalty 0, max-length-factor
//     2.5, int8shiftAlphaAll, the lex.50.50 shortlist: the configuration the model shipped
//     with); and how many greedy outputs equal the fixture's (the reference engine's);
//   * sizes: the wasm of each engine, raw and gzip -9;
//   * tlab's wasm memory (the worker's memory op): after load, at its peak with 128 tokens and
//     with translation, and before/after 1000 fill-mask calls and 200 translations (it must
//     stay flat); Bergamot's for comparison.
//
//   node tools/bench-peers.mjs [--rounds 3] [--only fill-mask|translate]
//
// Needs the peers, installed by tools/peers/setup.sh (npm packages, the Bergamot model files,
// the ONNX exports), besides what tools/setup.sh prepares (pkg/, models/). The server is
// www/serve.mjs with {peers}: it serves tools/peers/ under /peers/ and this script's two
// worker scripts under /peers/_bench/, and sends every response cross-origin isolated
// (onnxruntime-web needs that for 2 threads); the normal site is served without any of it.
// Progress goes to stderr, the report to stdout. 2 cores: the default run takes a few minutes.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { createRequire } from 'node:module';
import { startServer } from '../www/serve.mjs';
import { CHROMIUM_ARGS, repo } from '../www/e2e/harness.mjs';
import { arg, fillMaskSentence } from './bench-common.mjs';

// playwright-core is www/'s (www/package.json).
const { chromium } = createRequire(new URL('../www/package.json', import.meta.url))('playwright-core');

const ROUNDS = Number(arg('--rounds', 3));
const ONLY = arg('--only', null);
const fail = (words) => {
  console.error(`bench-peers: ${words}`);
  process.exit(2);
};
if (!(Number.isInteger(ROUNDS) && ROUNDS >= 1)) fail(`--rounds takes a whole number ≥ 1, not ${arg('--rounds')}`);
if (ONLY != null && !['fill-mask', 'translate'].includes(ONLY)) fail(`--only takes fill-mask or translate, not ${ONLY}`);
const FILL = ONLY !== 'translate';
const TRANSLATE = ONLY !== 'fill-mask';

const CALLS = 6; // timed fill-mask calls per engine, length and round
const WARMUP = 3; // untimed calls per engine and length before the first round
const FLAT_FILLS = 1000;
const FLAT_TRANSLATIONS = 200;
const log = (...a) => console.error('·', ...a);

// ---------------------------------------------------------------------------------------
// What must be there.
const PEERS = path.join(repo, 'tools', 'peers');
const NEEDED = {
  peers: [
    'node_modules/@huggingface/transformers/package.json',
    'node_modules/@huggingface/transformers/dist/transformers.js',
    'node_modules/onnxruntime-web/package.json',
    'node_modules/@browsermt/bergamot-translator/package.json',
    'node_modules/@browsermt/bergamot-translator/worker/bergamot-translator-worker.js',
    'node_modules/@browsermt/bergamot-translator/worker/bergamot-translator-worker.wasm',
    'models/fill-mask/config.json',
    'models/fill-mask/tokenizer.json',
    'models/fill-mask/onnx/model.onnx',
    'models/fill-mask/onnx/model_quantized.onnx',
    'models/bergamot/enpt/model.enpt.intgemm.alphas.bin',
    'models/bergamot/enpt/lex.50.50.enpt.s2t.bin',
    'models/bergamot/enpt/vocab.enpt.spm',
  ].map((f) => path.join(PEERS, f)),
  tlab: ['pkg/tlab_web_bg.wasm', 'pkg/tlab_web.js', 'models/fill-mask/config.json', 'models/translate-en-pt/model.safetensors'].map((f) =>
    path.join(repo, f),
  ),
};
const missing = (list) => list.filter((f) => !fs.existsSync(f)).map((f) => path.relative(repo, f));
if (missing(NEEDED.peers).length) fail(`tools/peers/ is not set up (missing ${missing(NEEDED.peers).join(', ')}): run tools/peers/setup.sh`);
if (missing(NEEDED.tlab).length) fail(`tlab's wasm or default models are missing (${missing(NEEDED.tlab).join(', ')}): run tools/setup.sh`);
const version = (pkg) => JSON.parse(fs.readFileSync(path.join(PEERS, 'node_modules', pkg, 'package.json'), 'utf8')).version;
const VERSIONS = {
  transformers: version('@huggingface/transformers'),
  ort: version('onnxruntime-web'),
  bergamot: version('@browsermt/bergamot-translator'),
};

// ---------------------------------------------------------------------------------------
// The peers' workers. Each function's text is served at /peers/_bench/<name> (www/serve.mjs
// {peers: {scripts}}); nothing outside its own text is in scope there. Both answer {id, op,
// …} with {id, ok: true, result} or {id, ok: false, error}.

/** Module worker: transformers.js's fill-mask pipeline on onnxruntime-web's wasm backend,
 * loading only from this server. {op: 'init', dtype: 'fp32' | 'q8', threads} then
 * {op: 'fill', text, topK} → [{id, token, prob}], best first (tlab's Candidate). */
function ortWorker() {
  const PEERS = '/peers/';
  let fill = null;
  let info = null;
  const ops = {
    async init({ dtype, threads }) {
      const { env, pipeline } = await import(`${PEERS}node_modules/@huggingface/transformers/dist/transformers.js`);
      env.allowRemoteModels = false;
      env.allowLocalModels = true;
      env.localModelPath = `${PEERS}models/`;
      // A prefix (not {mjs, wasm}): the runtime's .mjs is imported from it by URL; the default
      // build (ort-wasm-simd-threaded.asyncify) and its .wasm come from the same folder.
      env.backends.onnx.wasm.wasmPaths = `${PEERS}node_modules/onnxruntime-web/dist/`;
      env.backends.onnx.wasm.numThreads = threads;
      fill = await pipeline('fill-mask', 'fill-mask', { dtype, device: 'wasm' });
      info = { threads: env.backends.onnx.wasm.numThreads, isolated: self.crossOriginIsolated };
      return info;
    },
    async fill({ text, topK }) {
      const out = await fill(text, { top_k: topK });
      return out.map((c) => ({ id: c.token, token: c.token_str, prob: c.score }));
    },
  };
  self.onmessage = async ({ data }) => {
    try {
      self.postMessage({ id: data.id, ok: true, result: await ops[data.op](data) });
    } catch (e) {
      self.postMessage({ id: data.id, ok: false, error: String(e?.stack ?? e) });
    }
  };
}

/** Classic worker: Bergamot's wasm (its Emscripten glue, loaded as its own translator-worker.js
 * does, with the same int8 gemm fallbacks), one TranslationModel per beam width (the beam is
 * part of a model's configuration). {op: 'init', files: [model, shortlist, vocabulary URLs],
 * beams, config} then {op: 'translate', text, beam} → the translation; {op: 'memory'} → the
 * bytes of its wasm memory. */
function bergamotWorker() {
  const DIR = '/peers/node_modules/@browsermt/bergamot-translator/worker/';
  // translator-worker.js's GEMM_TO_FALLBACK_FUNCTIONS_MAP: the wasm imports its int8 matrix
  // products from module wasm_gemm; the portable ones are its own exports.
  const GEMM = {
    int8_prepare_a: 'int8PrepareAFallback',
    int8_prepare_b: 'int8PrepareBFallback',
    int8_prepare_b_from_transposed: 'int8PrepareBFromTransposedFallback',
    int8_prepare_b_from_quantized_transposed: 'int8PrepareBFromQuantizedTransposedFallback',
    int8_prepare_bias: 'int8PrepareBiasFallback',
    int8_multiply_and_add_bias: 'int8MultiplyAndAddBiasFallback',
    int8_select_columns_of_b: 'int8SelectColumnsOfBFallback',
  };
  let M = null;
  let service = null;
  const models = {};
  const bytes = async (url) => {
    const r = await fetch(url);
    if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
    return r.arrayBuffer();
  };
  const start = () =>
    new Promise((resolve, reject) => {
      const wasm = fetch(`${DIR}bergamot-translator-worker.wasm`);
      self.Module = {
        instantiateWasm(imports, accept) {
          const gemm = Object.fromEntries(Object.entries(GEMM).map(([k, v]) => [k, (...a) => self.Module.asm[v](...a)]));
          WebAssembly.instantiateStreaming(wasm, { ...imports, wasm_gemm: gemm }).then(({ instance }) => accept(instance), reject);
          return {};
        },
        onRuntimeInitialized: () => resolve(self.Module),
        print: () => {},
        printErr: () => {},
      };
      importScripts(`${DIR}bergamot-translator-worker.js`);
    });
  const aligned = (buffer, alignment) => {
    const view = new Int8Array(buffer);
    const m = new M.AlignedMemory(view.byteLength, alignment);
    m.getByteArrayView().set(view);
    return m;
  };
  const ops = {
    async init({ files, beams, config }) {
      const [module, [model, shortlist, vocab]] = await Promise.all([start(), Promise.all(files.map(bytes))]);
      M = module;
      service = new M.BlockingService({ cacheSize: 0 });
      for (const beam of beams) {
        const vocabs = new M.AlignedMemoryList();
        vocabs.push_back(aligned(vocab, 64)); // one vocabulary for both sides
        const yaml = Object.entries({ 'beam-size': beam, ...config }).map(([k, v]) => `${k}: ${v}\n`).join('');
        models[beam] = new M.TranslationModel(yaml, aligned(model, 256), aligned(shortlist, 64), vocabs, null);
      }
      return ops.memory();
    },
    translate({ text, beam }) {
      const input = new M.VectorString();
      input.push_back(text);
      const options = new M.VectorResponseOptions();
      options.push_back({ alignment: false, html: false, qualityScores: false });
      const responses = service.translate(models[beam], input, options);
      const out = responses.get(0).getTranslatedText();
      input.delete();
      options.delete();
      responses.delete();
      return out;
    },
    memory: () => M.HEAP8.buffer.byteLength,
  };
  self.onmessage = async ({ data }) => {
    try {
      self.postMessage({ id: data.id, ok: true, result: await ops[data.op](data) });
    } catch (e) {
      self.postMessage({ id: data.id, ok: false, error: String(e?.stack ?? e?.message ?? e) });
    }
  };
}

// The configuration the Bergamot tiny en→pt model shipped with (beam-size set per model),
// plus what translator-worker.js always sets for the wasm build (quiet, batching, workspace;
// its max-length-factor 2.0 is not used: the model's 2.5 is, as tlab's greedy limit is).
const BERGAMOT_CONFIG = {
  normalize: '1.0',
  'word-penalty': 0,
  'max-length-factor': 2.5,
  'gemm-precision': 'int8shiftAlphaAll',
  'skip-cost': true,
  'cpu-threads': 0,
  quiet: true,
  'quiet-translation': true,
  'max-length-break': 128,
  'mini-batch-words': 1024,
  workspace: 128,
};
const BERGAMOT_FILES = ['model.enpt.intgemm.alphas.bin', 'lex.50.50.enpt.s2t.bin', 'vocab.enpt.spm'].map((f) => `/peers/models/bergamot/enpt/${f}`);

// ---------------------------------------------------------------------------------------
// In the page (bench.html): window.bench runs each engine in its own worker and times calls
// as round trips. Engine specs: {kind: 'tlab-bert'} | {kind: 'tlab-translate'} |
// {kind: 'ort', dtype, threads} | {kind: 'bergamot', files, beams, config}.
async function installBench() {
  const { TlabClient, DEFAULT_BERT, DEFAULT_TRANSLATE } = await import('./lib/client.js');
  const rpc = (worker) => {
    let next = 1;
    const waiting = new Map();
    worker.onmessage = ({ data }) => {
      const p = waiting.get(data.id);
      waiting.delete(data.id);
      if (data.ok) p?.resolve(data.result);
      else p?.reject(new Error(data.error));
    };
    worker.onerror = (e) => {
      e.preventDefault?.();
      for (const p of waiting.values()) p.reject(new Error(`the worker failed: ${e.message || 'it could not start'}`));
      waiting.clear();
    };
    return (msg) =>
      new Promise((resolve, reject) => {
        const id = next++;
        waiting.set(id, { resolve, reject });
        worker.postMessage({ id, ...msg });
      });
  };
  const tr = DEFAULT_TRANSLATE['en-pt'];
  /** An engine: {load(), fill(text), translate(text, beam), memory(), end()}. */
  function engine(spec) {
    if (spec.kind === 'tlab-bert' || spec.kind === 'tlab-translate') {
      const client = new TlabClient();
      return {
        load: () =>
          spec.kind === 'tlab-bert'
            ? client.loadBert(DEFAULT_BERT.key, { url: DEFAULT_BERT.url })
            : client.loadTranslate(tr.key, { url: tr.url, shortlist: true }),
        fill: async (text) => (await client.fill(DEFAULT_BERT.key, text, 5)).masks[0].candidates,
        tokens: async (text) => (await client.fill(DEFAULT_BERT.key, text, 5)).input_ids.length,
        translate: async (text, beam) => (await client.translate(tr.key, text, { beam })).translation,
        memory: () => client.memory(),
        end: () => client.worker?.terminate(),
      };
    }
    const worker = spec.kind === 'ort' ? new Worker('/peers/_bench/ort-worker.mjs', { type: 'module' }) : new Worker('/peers/_bench/bergamot-worker.js');
    const call = rpc(worker);
    return {
      load: () => call({ op: 'init', ...spec }),
      fill: (text) => call({ op: 'fill', text, topK: 5 }),
      translate: (text, beam) => call({ op: 'translate', text, beam }),
      memory: () => (spec.kind === 'bergamot' ? call({ op: 'memory' }) : null),
      end: () => worker.terminate(),
    };
  }
  const engines = new Map();
  window.bench = {
    /** Starts engine `name` and loads its model: {ms, info}. */
    async start(name, spec) {
      const t0 = performance.now();
      const e = engine(spec);
      engines.set(name, e);
      const info = await e.load();
      return { ms: performance.now() - t0, info };
    },
    /** A fresh engine from nothing to its first answer (fill-mask or greedy translation). */
    async cold(spec, text) {
      const t0 = performance.now();
      const e = engine(spec);
      await e.load();
      const answer = spec.kind === 'tlab-translate' || spec.kind === 'bergamot' ? await e.translate(text, 1) : await e.fill(text);
      const ms = performance.now() - t0;
      e.end();
      return { ms, answer };
    },
    fill: (name, text) => engines.get(name).fill(text),
    tokens: (name, text) => engines.get(name).tokens(text),
    memory: (name) => engines.get(name).memory(),
    /** ms of each of `n` fill-mask calls. */
    async timeFill(name, text, n) {
      const e = engines.get(name);
      const ms = [];
      for (let i = 0; i < n; i++) {
        const t0 = performance.now();
        await e.fill(text);
        ms.push(performance.now() - t0);
      }
      return ms;
    },
    /** One pass over `texts`, one call each: {ms, out}. */
    async pass(name, texts, beam) {
      const e = engines.get(name);
      const out = [];
      const t0 = performance.now();
      for (const t of texts) out.push(await e.translate(t, beam));
      return { ms: performance.now() - t0, out };
    },
    crossOriginIsolated: self.crossOriginIsolated,
  };
}

// ---------------------------------------------------------------------------------------
// Helpers.
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const MB = (b) => `${(b / 1e6).toFixed(b < 1e7 ? 2 : 1)} MB`;
const MiB = (b) => `${(b / 2 ** 20).toFixed(1)} MiB`;
const ms = (x) => (x >= 100 ? x.toFixed(0) : x.toFixed(1));
const ratio = (x) => (Number.isFinite(x) ? x.toFixed(2) : '—');
const gzipSize = (file) => zlib.gzipSync(fs.readFileSync(file), { level: 9 }).length;
const rawSize = (file) => fs.statSync(file).size;

const LENGTHS = [16, 128];
const CASES = JSON.parse(fs.readFileSync(path.join(repo, 'fixtures/bergamot/en-pt.json'), 'utf8')).cases;
const TEXTS = CASES.map((c) => c.text);

// ---------------------------------------------------------------------------------------
const { server, url: base } = await startServer({
  port: 0,
  quiet: true,
  peers: { scripts: { 'ort-worker.mjs': `(${ortWorker})();\n`, 'bergamot-worker.js': `(${bergamotWorker})();\n` } },
});
// Every response the server sends: its path and the bytes written to the socket for it
// (headers and body; Chromium does not pipeline, so a connection answers one at a time).
let served = [];
server.on('request', (req, res) => {
  const socket = req.socket;
  const start = socket.bytesWritten;
  res.on('finish', () => served.push({ path: req.url, bytes: socket.bytesWritten - start }));
});

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
const problems = [];
/** A fresh context (its own empty caches) with bench.html open and window.bench installed. */
async function openPage() {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`uncaught: ${e.message}`));
  await page.goto(new URL('bench.html', base).href);
  await page.evaluate(installBench);
  return { context, page };
}

/** Cold load of engine `spec` in a fresh context: {ms, bytes, files: [{path, bytes}]}. */
async function coldLoad(spec, text) {
  const { context, page } = await openPage();
  try {
    served = [];
    const { ms: took, answer } = await page.evaluate(({ spec, text }) => window.bench.cold(spec, text), { spec, text });
    const files = served.filter((r) => r.bytes > 0);
    return { ms: took, bytes: files.reduce((n, r) => n + r.bytes, 0), files, answer };
  } finally {
    await context.close();
  }
}

const rows = []; // [work, tlab, peer, tlab ÷ peer]
const notes = { sizes: [], agreement: [], memory: [], config: [] };
let chrome = '?';
let isolated = false;

try {
  const { page } = await openPage();
  ({ crossOriginIsolated: isolated } = await page.evaluate(() => ({ crossOriginIsolated: window.bench.crossOriginIsolated })));
  chrome = browser.version();
  const bench = (method, ...args) => page.evaluate(({ method, args }) => window.bench[method](...args), { method, args });
  const loadedWasm = new Set(); // the peers' .wasm files that cold loads fetched

  if (FILL) {
    // Cold loads first, interleaved by round: tlab, fp32, q8, tlab, …
    const texts = Object.fromEntries(LENGTHS.map((n) => [n, fillMaskSentence(n)]));
    const cold = { tlab: [], fp32: [], q8: [] };
    const coldSpecs = { tlab: { kind: 'tlab-bert' }, fp32: { kind: 'ort', dtype: 'fp32', threads: 1 }, q8: { kind: 'ort', dtype: 'q8', threads: 1 } };
    for (let r = 0; r < ROUNDS; r++) {
      for (const [name, spec] of Object.entries(coldSpecs)) {
        const c = await coldLoad(spec, texts[16]);
        cold[name].push(c);
        for (const f of c.files) if (f.path.startsWith('/peers/') && f.path.endsWith('.wasm')) loadedWasm.add(f.path);
        log(`cold load ${name} round ${r + 1}: ${ms(c.ms)} ms, ${MB(c.bytes)}`);
      }
    }

    // The warm engines, each in its own worker of one page.
    const variants = [
      { name: 'tlab', spec: { kind: 'tlab-bert' } },
      { name: 'transformers.js fp32, 1 thread', spec: { kind: 'ort', dtype: 'fp32', threads: 1 } },
      { name: 'transformers.js fp32, 2 threads', spec: { kind: 'ort', dtype: 'fp32', threads: 2 }, threads: 2 },
      { name: 'transformers.js q8, 1 thread', spec: { kind: 'ort', dtype: 'q8', threads: 1 } },
      { name: 'transformers.js q8, 2 threads', spec: { kind: 'ort', dtype: 'q8', threads: 2 }, threads: 2 },
    ].filter((v) => {
      if (v.threads > 1 && !isolated) notes.config.push(`${v.name}: left out, the page is not cross-origin isolated`);
      return !(v.threads > 1 && !isolated);
    });
    const mem = {};
    for (const v of variants) {
      const { ms: took, info } = await bench('start', v.name, v.spec);
      if (v.spec.kind === 'ort' && info.threads !== v.spec.threads) throw new Error(`${v.name}: onnxruntime-web runs ${info.threads} thread(s)`);
      log(`loaded ${v.name} in ${ms(took)} ms`);
    }
    mem.load = await bench('memory', 'tlab');
    const tokens = {};
    const answers = {};
    for (const n of LENGTHS) {
      tokens[n] = await bench('tokens', 'tlab', texts[n]);
      for (const v of variants) {
        answers[`${v.name} ${n}`] = await bench('fill', v.name, texts[n]);
        await bench('timeFill', v.name, texts[n], WARMUP);
      }
      mem[n] = await bench('memory', 'tlab');
    }
    const times = {};
    for (let r = 0; r < ROUNDS; r++) {
      for (const v of variants) {
        for (const n of LENGTHS) (times[`${v.name} ${n}`] ??= []).push(...(await bench('timeFill', v.name, texts[n], CALLS)));
      }
      log(`fill-mask round ${r + 1}/${ROUNDS}, medians so far (16/128 tokens, ms): ${variants.map((v) => `${v.name} ${LENGTHS.map((n) => ms(median(times[`${v.name} ${n}`]))).join('/')}`).join('; ')}`);
    }
    for (const n of LENGTHS) {
      const t = median(times[`tlab ${n}`]);
      for (const v of variants.slice(1)) {
        const p = median(times[`${v.name} ${n}`]);
        rows.push([`fill-mask, ${tokens[n]} tokens, ms/call: vs ${v.name}`, ms(t), ms(p), ratio(t / p)]);
      }
    }
    for (const peer of ['fp32', 'q8']) {
      const t = median(cold.tlab.map((c) => c.ms));
      const p = median(cold[peer].map((c) => c.ms));
      rows.push([`cold load → first fill-mask answer, ms: vs transformers.js ${peer}`, ms(t), ms(p), ratio(t / p)]);
    }
    for (const peer of ['fp32', 'q8']) {
      const t = cold.tlab[0].bytes;
      const p = cold[peer][0].bytes;
      rows.push([`cold load, bytes sent: vs transformers.js ${peer}`, MB(t), MB(p), ratio(t / p)]);
    }
    const what = (c) => {
      const kinds = { wasm: 0, code: 0, model: 0 };
      for (const f of c.files) kinds[f.path.endsWith('.wasm') ? 'wasm' : /\.m?js$/.test(f.path) ? 'code' : 'model'] += f.bytes;
      return `wasm ${MB(kinds.wasm)}, JS ${MB(kinds.code)}, model files ${MB(kinds.model)}`;
    };
    notes.sizes.push(`cold-load bytes (sent by the server, headers included): tlab ${what(cold.tlab[0])}; transformers.js fp32 ${what(cold.fp32[0])}; q8 ${what(cold.q8[0])}`);

    // Agreement: tlab's top 5 against transformers.js fp32's (and q8's against fp32's).
    // same: the same ids in the same order; shared: ids in both; diff: the largest
    // |probability difference| of a shared id.
    const agree = (a, b) => {
      const same = a.length === b.length && a.every((c, i) => c.id === b[i].id);
      const both = a.filter((c) => b.some((d) => d.id === c.id));
      const diff = Math.max(...both.map((c) => Math.abs(c.prob - b.find((d) => d.id === c.id).prob)));
      return { same, shared: both.length, diff };
    };
    const fp32 = 'transformers.js fp32, 1 thread';
    const q8 = 'transformers.js q8, 1 thread';
    for (const n of LENGTHS) {
      const a = agree(answers[`tlab ${n}`], answers[`${fp32} ${n}`]);
      const q = agree(answers[`${q8} ${n}`], answers[`${fp32} ${n}`]);
      notes.agreement.push(
        `fill-mask ${tokens[n]} tokens: tlab's top-5 ${a.same ? 'equals' : 'DIFFERS from'} transformers.js fp32's ` +
          `(${answers[`tlab ${n}`].map((c) => c.token).join(', ')}${a.same ? '' : ` vs ${answers[`${fp32} ${n}`].map((c) => c.token).join(', ')}`}), ` +
          `max |Δ probability| ${a.diff.toExponential(1)}; transformers.js q8's top-5 ${q.same ? 'equals fp32\'s' : `has ${q.shared} of fp32's ${answers[`${fp32} ${n}`].length}${q.shared === 5 ? ' in another order' : ''}`}, ` +
          `max |Δ probability| ${q.diff.toExponential(1)}`,
      );
    }
    const cold0 = cold.tlab[0].answer;
    if (cold0[0]?.id !== answers['tlab 16'][0]?.id) throw new Error('the cold tlab load answered another top token than the warm one');

    // tlab's memory, then 1000 calls.
    const before = await bench('memory', 'tlab');
    const t0 = Date.now();
    await bench('timeFill', 'tlab', texts[16], FLAT_FILLS);
    const after = await bench('memory', 'tlab');
    notes.memory.push(
      `fill-mask: tlab after load ${MiB(mem.load)}, peak with ${tokens[16]} tokens ${MiB(mem[16])}, with ${tokens[128]} tokens ${MiB(mem[128])}; ` +
        `${FLAT_FILLS} calls at ${tokens[16]} tokens (${ms((Date.now() - t0) / FLAT_FILLS)} ms each): ${MiB(before)} → ${MiB(after)}${after === before ? ' (flat)' : ' (GREW)'}`,
    );
    log('fill-mask done');
  }

  if (TRANSLATE) {
    const specs = {
      tlab: { kind: 'tlab-translate' },
      bergamot: { kind: 'bergamot', files: BERGAMOT_FILES, beams: [1, 4], config: BERGAMOT_CONFIG },
    };
    const coldOne = { ...specs.bergamot, beams: [1] };
    const cold = { tlab: [], bergamot: [] };
    for (let r = 0; r < ROUNDS; r++) {
      for (const name of ['tlab', 'bergamot']) {
        const c = await coldLoad(name === 'tlab' ? specs.tlab : coldOne, TEXTS[0]);
        cold[name].push(c);
        for (const f of c.files) if (f.path.startsWith('/peers/') && f.path.endsWith('.wasm')) loadedWasm.add(f.path);
        log(`cold load ${name} translate round ${r + 1}: ${ms(c.ms)} ms, ${MB(c.bytes)}`);
      }
    }
    const mem = {};
    for (const [name, spec] of Object.entries(specs)) {
      const { ms: took } = await bench('start', `${name}-translate`, spec);
      log(`loaded ${name} translation in ${ms(took)} ms`);
    }
    mem.load = await bench('memory', 'tlab-translate');
    mem.bergamotLoad = await bench('memory', 'bergamot-translate');
    // Warm-up: the first 10 sentences, each engine and width.
    for (const beam of [1, 4]) {
      for (const name of ['tlab', 'bergamot']) await bench('pass', `${name}-translate`, TEXTS.slice(0, 10), beam);
      if (beam === 1) mem.bergamotGreedy = await bench('memory', 'bergamot-translate');
    }
    const times = {};
    const outputs = {};
    for (let r = 0; r < ROUNDS; r++) {
      for (const beam of [1, 4]) {
        for (const name of ['tlab', 'bergamot']) {
          const { ms: took, out } = await bench('pass', `${name}-translate`, TEXTS, beam);
          (times[`${name} ${beam}`] ??= []).push(took);
          outputs[`${name} ${beam}`] ??= out;
        }
      }
      log(`translation round ${r + 1}/${ROUNDS}, medians so far (sentences/s): ${Object.entries(times).map(([k, v]) => `${k} ${((TEXTS.length / median(v)) * 1000).toFixed(1)}/s`).join('; ')}`);
    }
    for (const beam of [1, 4]) {
      const t = (TEXTS.length / median(times[`tlab ${beam}`])) * 1000;
      const p = (TEXTS.length / median(times[`bergamot ${beam}`])) * 1000;
      rows.push([`translation en→pt, ${beam === 1 ? 'greedy' : `beam ${beam}`}, sentences/s: vs Bergamot`, t.toFixed(1), p.toFixed(1), ratio(t / p)]);
    }
    {
      const t = median(cold.tlab.map((c) => c.ms));
      const p = median(cold.bergamot.map((c) => c.ms));
      rows.push(['cold load → first translation (greedy), ms: vs Bergamot (its greedy model only)', ms(t), ms(p), ratio(t / p)]);
      rows.push(['cold load, bytes sent: vs Bergamot', MB(cold.tlab[0].bytes), MB(cold.bergamot[0].bytes), ratio(cold.tlab[0].bytes / cold.bergamot[0].bytes)]);
    }
    const norm = (s) => s.trim().replace(/\s+/g, ' ');
    const equal = (a, b) => a.filter((x, i) => norm(x) === norm(b[i])).length;
    const reference = CASES.map((c) => c.translation);
    const n = TEXTS.length;
    notes.agreement.push(
      `translation greedy, equal to the fixture's reference engine (${JSON.parse(fs.readFileSync(path.join(repo, 'fixtures/bergamot/en-pt.json'), 'utf8')).engine}): ` +
        `tlab ${equal(outputs['tlab 1'], reference)}/${n}, Bergamot wasm ${equal(outputs['bergamot 1'], reference)}/${n}; ` +
        `tlab = Bergamot: greedy ${equal(outputs['tlab 1'], outputs['bergamot 1'])}/${n}, beam 4 ${equal(outputs['tlab 4'], outputs['bergamot 4'])}/${n}`,
    );
    const peak = await bench('memory', 'tlab-translate');
    const bergamotPeak = await bench('memory', 'bergamot-translate');
    const t0 = Date.now();
    for (let done = 0; done < FLAT_TRANSLATIONS; done += TEXTS.length) {
      await bench('pass', 'tlab-translate', TEXTS.slice(0, Math.min(TEXTS.length, FLAT_TRANSLATIONS - done)), 4);
    }
    const after = await bench('memory', 'tlab-translate');
    notes.memory.push(
      `translation: tlab after load ${MiB(mem.load)}, peak (greedy and beam 4 passes) ${MiB(peak)}; ` +
        `${FLAT_TRANSLATIONS} more beam-4 translations (${ms((Date.now() - t0) / FLAT_TRANSLATIONS)} ms each): ${MiB(peak)} → ${MiB(after)}${after === peak ? ' (flat)' : ' (GREW)'}; ` +
        `Bergamot (one model per width, workspace 128) after load ${MiB(mem.bergamotLoad)}, after greedy translations ${MiB(mem.bergamotGreedy)}, ` +
        `after beam 4 too ${MiB(bergamotPeak)}`,
    );
    log('translation done');
  }

  // Sizes.
  const tlabWasm = path.join(repo, 'pkg/tlab_web_bg.wasm');
  const sizes = [`tlab ${path.relative(repo, tlabWasm)} ${MB(rawSize(tlabWasm))} (gzip ${MB(gzipSize(tlabWasm))})`];
  const peerWasm = [...loadedWasm].sort();
  if (FILL && !peerWasm.some((p) => p.includes('onnxruntime-web'))) throw new Error('no onnxruntime-web wasm was fetched');
  for (const p of peerWasm) {
    const file = path.join(PEERS, decodeURIComponent(p.slice('/peers/'.length)));
    sizes.push(`${path.basename(file)} ${MB(rawSize(file))} (gzip ${MB(gzipSize(file))})`);
  }
  notes.sizes.unshift(`wasm, raw (gzip -9): ${sizes.join('; ')}`);

  notes.config.unshift(
    [
      FILL
        ? `transformers.js ${VERSIONS.transformers} on onnxruntime-web ${VERSIONS.ort} (wasm backend, its default ort-wasm-simd-threaded.asyncify build), ` +
          'ONNX exports of models/fill-mask (tools/peers/export_onnx.py: fp32, and q8 = dynamic int8 weights), env.allowRemoteModels = false, ' +
          `the page ${isolated ? 'cross-origin isolated (2 threads possible)' : 'NOT cross-origin isolated'}.`
        : '',
      TRANSLATE
        ? `Bergamot ${VERSIONS.bergamot} wasm (intgemm fallbacks, 1 thread) on tools/peers/models/bergamot/enpt: ` +
          `${Object.entries({ 'beam-size': '1 | 4', ...BERGAMOT_CONFIG }).map(([k, v]) => `${k} ${v}`).join(', ')}, shortlist lex.50.50; ` +
          'tlab: models/translate-en-pt with its shortlist (converted from the same files). One sentence per call for both.'
        : '',
    ]
      .filter(Boolean)
      .join(' '),
  );
  if (problems.length) throw new Error(problems.join('\n'));
} finally {
  await browser.close();
  server.close();
}

const today = new Date().toISOString().slice(0, 10);
console.log(`tlab vs peers, ${today}, Chromium ${chrome}, ${ROUNDS} interleaved round${ROUNDS > 1 ? 's' : ''} ` +
  `(fill-mask: ${CALLS} timed calls per engine, length and round after ${WARMUP} warm-up calls, top 5, median; translation: one pass of ` +
  `${TEXTS.length} sentences per engine, width and round after a 10-sentence warm-up, median pass; cold loads: one per engine and round, median)`);
console.log('');
console.log('| work | tlab | peer | tlab ÷ peer |');
console.log('|---|---:|---:|---:|');
for (const r of rows) console.log(`| ${r.join(' | ')} |`);
console.log('');
console.log('tlab ÷ peer: of times (ms) and bytes, below 1 = tlab faster or smaller; of sentences/s, above 1 = tlab faster.');
console.log('');
for (const [title, lines] of [['Configuration', notes.config], ['Sizes', notes.sizes], ['Agreement', notes.agreement], ['Wasm memory', notes.memory]]) {
  for (const l of lines) console.log(`- ${title}: ${l}`);
}
