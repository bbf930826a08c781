// Text generation speed of the built-in poetry GPT (models/gpt-poetry) in headless Chromium:
// the page's own worker and wasm (lib/client.js → worker.js → GenerateModel), called as the
// <gpt-generate> widget calls it (client.generate with the prompt's text, 10 alternatives
// recorded per step). Measured, as the median of --runs timed rounds after one warm-up round
// (the rounds interleave every measurement, so a load that comes and goes on the machine
// touches them alike):
//   * the prompt pass: generate with maxNewTokens 1 (the prompt through the model once,
//     filling the KV cache, and the first token: the first-token latency a reader waits);
//   * new tokens per second for greedy, beam 4 and sampling (temperature 1, top-k 40, a fixed
//     seed), --max-new-tokens each from the same prompt; the tokens counted are those
//     actually generated (ids.length: a text may end early at [SEP], and the API has no
//     min_new_tokens to prevent it);
//   * time per token as the sequence grows: greedy runs of 1, ¼, ½, ¾ and all of
//     --max-new-tokens, each quarter's time over its tokens (flat when the KV cache works:
//     each step feeds one token, whatever the length before it);
//   * the wasm's size, the worker's start (wasm fetched, compiled, instantiated), and the
//     model's load: downloaded from the local server and built, then again from the
//     browser's Cache API.
// The load average is printed with the numbers: the machine may be busy (training runs).
//
//   node tools/bench-generate.mjs [--runs 5] [--max-new-tokens 64] [--prompt 床前明月光，]
//                                 [--seed 7] [--json]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { launch, repo } from '../www/e2e/harness.mjs';
import { arg } from './bench-common.mjs';

const whole = (name, fallback, min) => {
  const v = Number(arg(name, fallback));
  if (!Number.isInteger(v) || v < min) throw new Error(`${name} takes a whole number ≥ ${min}, not ${arg(name)}`);
  return v;
};
const RUNS = whole('--runs', 5, 1);
const MAX_NEW = whole('--max-new-tokens', 64, 4);
const SEED = whole('--seed', 7, 0);
const PROMPT = arg('--prompt', '床前明月光，');
const json = process.argv.includes('--json');
const TOP_SHOWN = 10; // www/widgets/gpt-generate.js SHOWN: what the page asks for

const wasmPath = path.join(repo, 'pkg/tlab_web_bg.wasm');
const wasmBytes = fs.readFileSync(wasmPath);
const wasm = { bytes: wasmBytes.length, gzip: zlib.gzipSync(wasmBytes, { level: 9 }).length };
const modelDir = path.join(repo, 'models/gpt-poetry');
const modelBytes = fs.readdirSync(modelDir).reduce((n, f) => n + fs.statSync(path.join(modelDir, f)).size, 0);
const loadBefore = os.loadavg();

// Greedy lengths for the growth measurement: 1 (the prompt pass), then each quarter.
const cuts = [...new Set([1, ...[1, 2, 3, 4].map((q) => Math.round((q * MAX_NEW) / 4))])];

const browser = await launch();
let result;
try {
  const page = await browser.newPage();
  await page.goto(new URL('bench.html', browser.url).href);
  result = await page.evaluate(
    async ({ PROMPT, MAX_NEW, SEED, RUNS, TOP_SHOWN, cuts }) => {
      const { TlabClient, BUILTIN_GPT } = await import('./lib/client.js');
      const t0 = performance.now();
      const client = new TlabClient(); // its worker starts now, and fetches and compiles the wasm
      // A load that fails at once (no files) answers as soon as the wasm is ready.
      await client.loadGpt('no-model', { files: {} }).catch(() => {});
      const wasmStartMs = performance.now() - t0;
      let t = performance.now();
      const info = await client.loadGpt(BUILTIN_GPT.key, { url: BUILTIN_GPT.url });
      const loadMs = performance.now() - t;
      t = performance.now();
      await client.loadGpt(BUILTIN_GPT.key, { url: BUILTIN_GPT.url }, undefined, { reload: true });
      const reloadMs = performance.now() - t;
      const promptIds = Array.from(await client.encodePrompt(BUILTIN_GPT.key, PROMPT));

      const base = { topShown: TOP_SHOWN };
      const configs = [
        ...cuts.map((n) => ({ name: `greedy-${n}`, o: { ...base, maxNewTokens: n } })),
        { name: 'beam', o: { ...base, maxNewTokens: MAX_NEW, beam: 4 } },
        { name: 'sample', o: { ...base, maxNewTokens: MAX_NEW, sample: true, temperature: 1, topK: 40, seed: SEED } },
      ];
      const times = Object.fromEntries(configs.map((c) => [c.name, []]));
      const outs = {};
      for (let round = 0; round <= RUNS; round++) {
        for (const c of configs) {
          const s = performance.now();
          const out = await client.generate(BUILTIN_GPT.key, PROMPT, c.o);
          const ms = performance.now() - s;
          if (round === 0) outs[c.name] = { ids: out.ids, text: out.text, ended_with_eos: out.ended_with_eos };
          else {
            times[c.name].push(ms);
            // Greedy, and sampling with its seed, give the same tokens every time.
            if (out.ids.join() !== outs[c.name].ids.join()) throw new Error(`${c.name}: another continuation in round ${round}`);
          }
        }
      }
      return { info, wasmStartMs, loadMs, reloadMs, promptIds, times, outs };
    },
    { PROMPT, MAX_NEW, SEED, RUNS, TOP_SHOWN, cuts },
  );
  if (page.problems.length) throw new Error(page.problems.join('\n'));
} finally {
  await browser.close();
}
const loadAfter = os.loadavg();

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const { info, outs } = result;
const ms = Object.fromEntries(Object.entries(result.times).map(([k, v]) => [k, median(v)]));
const n = Object.fromEntries(Object.entries(outs).map(([k, v]) => [k, v.ids.length]));
// Greedy continuations of different lengths must agree on their common tokens, or the
// quarter-by-quarter differences below would not be of the same steps.
const longest = outs[`greedy-${cuts.at(-1)}`].ids;
for (const c of cuts) {
  const ids = outs[`greedy-${c}`].ids;
  if (ids.join() !== longest.slice(0, ids.length).join()) throw new Error(`greedy with ${c} new tokens is not the start of greedy with ${cuts.at(-1)}`);
}

const first = ms['greedy-1'];
const decodings = [
  { name: 'greedy', key: `greedy-${cuts.at(-1)}` },
  { name: 'beam 4', key: 'beam' },
  { name: `sampling (temperature 1, top-k 40, seed ${SEED})`, key: 'sample' },
].map((d) => ({
  decoding: d.name,
  new_tokens: n[d.key],
  ended_with_eos: outs[d.key].ended_with_eos,
  median_ms: ms[d.key],
  tokens_per_s: (1000 * n[d.key]) / ms[d.key],
  // After the prompt pass (its median from the greedy runs of one token; beam search's own
  // first step reads the prompt once too, and then extends 4 beams per step).
  ms_per_token_after_first: n[d.key] > 1 ? (ms[d.key] - first) / (n[d.key] - 1) : null,
  runs_ms: result.times[d.key],
}));
const growth = cuts.slice(1).map((c, i) => {
  const a = cuts[i];
  const [na, nb] = [n[`greedy-${a}`], n[`greedy-${c}`]];
  return {
    new_tokens: `${a + 1}–${c}`,
    // The step that makes new token j feeds token j − 1 and reads a sequence of
    // prompt + j − 1 tokens.
    read: `${result.promptIds.length + a}–${result.promptIds.length + c - 1}`,
    tokens: nb - na,
    planned: c - a,
    ms_per_token: nb > na ? (ms[`greedy-${c}`] - ms[`greedy-${a}`]) / (nb - na) : null,
  };
});
const summary = {
  model: { layers: info.layers, hidden: info.hidden, heads: info.heads, vocab: info.vocab, max_tokens: info.max_tokens, parameters: info.parameters, files_bytes: modelBytes },
  prompt: PROMPT,
  prompt_tokens: result.promptIds.length,
  runs: RUNS,
  top_shown: TOP_SHOWN,
  cpus: os.cpus().length,
  load_average_before: loadBefore,
  load_average_after: loadAfter,
  wasm_bytes: wasm.bytes,
  wasm_gzip_bytes: wasm.gzip,
  wasm_start_ms: result.wasmStartMs,
  model_load_ms: result.loadMs,
  model_reload_ms: result.reloadMs,
  prompt_pass_ms: first,
  prompt_pass_runs_ms: result.times['greedy-1'],
  decodings,
  growth,
  texts: Object.fromEntries(Object.entries(outs).map(([k, v]) => [k, v.text])),
};

if (json) console.log(JSON.stringify(summary, null, 1));
else {
  const f = (x, d = 1) => (x == null ? '—' : x.toFixed(d));
  const mb = (b) => `${(b / 1e6).toFixed(1)} MB`;
  const la = (l) => l.map((x) => x.toFixed(2)).join(' ');
  console.log(
    `gpt-poetry (${info.layers} layers, hidden ${info.hidden}, ${info.heads} heads, vocabulary ${info.vocab}, ${(info.parameters / 1e6).toFixed(2)} M parameters), headless Chromium, wasm on ${os.cpus().length} CPU cores, load average ${la(loadBefore)} before, ${la(loadAfter)} after; prompt ${PROMPT} (${result.promptIds.length} tokens with [CLS]), up to ${MAX_NEW} new tokens, ${TOP_SHOWN} alternatives recorded per step as the page asks; median of ${RUNS} runs after a warm-up run`,
  );
  console.log('| decoding | new tokens | time | new tokens/s | ms/token after the prompt pass |');
  console.log('|---|---:|---:|---:|---:|');
  console.log(`| prompt pass + first token (first-token latency) | 1 | ${f(first)} ms | — | — |`);
  for (const d of decodings) {
    console.log(`| ${d.decoding} | ${d.new_tokens}${d.ended_with_eos ? ' (ended at eos)' : ''} | ${f(d.median_ms)} ms | ${f(d.tokens_per_s)} | ${f(d.ms_per_token_after_first, 2)} ms |`);
  }
  console.log('\nStartup');
  console.log('| what | size | time |');
  console.log('|---|---:|---:|');
  console.log(`| wasm (pkg/tlab_web_bg.wasm): worker start, fetch, compile, instantiate | ${mb(wasm.bytes)} (${mb(wasm.gzip)} gzipped) | ${f(result.wasmStartMs, 0)} ms |`);
  console.log(`| model load: download from the local server + build | ${mb(modelBytes)} | ${f(result.loadMs, 0)} ms |`);
  console.log(`| model load again: from the browser's cache + build | ${mb(modelBytes)} | ${f(result.reloadMs, 0)} ms |`);
  console.log('\nGreedy, time per token as the sequence grows (KV cache: one token fed per step)');
  console.log('| new tokens | length of the sequence read | ms/token |');
  console.log('|---|---|---:|');
  for (const g of growth) console.log(`| ${g.new_tokens}${g.ms_per_token != null && g.tokens < g.planned ? ` (${g.tokens} generated)` : ''} | ${g.read} | ${g.ms_per_token == null ? 'ended at eos before' : f(g.ms_per_token, 2)} |`);
}
