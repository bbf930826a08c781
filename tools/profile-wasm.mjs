// Where the shipped wasm spends its time: runs fill-mask or translation on the default models
// in node (the same V8 as Chromium) under the inspector's CPU profiler, and prints the
// functions with the most self time, each with the two nearest tlab_models functions above it. The wasm is
// the page's own build (tools/build-wasm.sh), passed through wasm-bindgen again with its
// function names kept, into a temporary folder.
//
//   node tools/profile-wasm.mjs fill [--tokens 128] [--calls 30]
//   node tools/profile-wasm.mjs translate [--beam 1]        # the 135 sentences of the fixture
//   [--top 20]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { Session } from 'node:inspector/promises';
import { arg, fillMaskSentence } from './bench-common.mjs';

const repo = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const what = process.argv[2];
if (!['fill', 'translate'].includes(what)) {
  console.error('usage: node tools/profile-wasm.mjs fill|translate [--tokens N] [--calls N] [--beam N] [--top N]');
  process.exit(2);
}
const built = path.join(process.env.CARGO_TARGET_DIR ?? path.join(repo, 'target'), 'wasm32-unknown-unknown/wasm/tlab_web.wasm');
if (!fs.existsSync(built)) {
  console.error(`${built} is missing: run tools/build-wasm.sh`);
  process.exit(2);
}
const out = fs.mkdtempSync(path.join(os.tmpdir(), 'tlab-profile-'));
execFileSync('wasm-bindgen', [built, '--out-dir', out, '--target', 'web', '--no-typescript', '--keep-debug']);
const glue = await import(path.join(out, 'tlab_web.js'));
glue.initSync({ module: fs.readFileSync(path.join(out, 'tlab_web_bg.wasm')) });
const read = (dir, f) => new Uint8Array(fs.readFileSync(path.join(repo, 'models', dir, f)));

let work;
if (what === 'fill') {
  const files = Object.fromEntries(['config.json', 'tokenizer.json', 'tokenizer_config.json', 'model.safetensors'].map((f) => [f, read('fill-mask', f)]));
  const model = new glue.FillMaskModel(files);
  const text = fillMaskSentence(Number(arg('--tokens', 128)));
  const calls = Number(arg('--calls', 30));
  for (let i = 0; i < 3; i++) model.fill(text, 5);
  work = () => {
    for (let i = 0; i < calls; i++) model.fill(text, 5);
    return `${calls} fill-mask calls`;
  };
} else {
  const model = new glue.TranslateModel(...['config.json', 'tokenizer.json', 'model.safetensors', 'shortlist.bin'].map((f) => read('translate-en-pt', f)));
  const texts = JSON.parse(fs.readFileSync(path.join(repo, 'fixtures/bergamot/en-pt.json'), 'utf8')).cases.map((c) => c.text);
  const beam = Number(arg('--beam', 1));
  for (const t of texts.slice(0, 10)) model.translate(t, { beam });
  work = () => {
    for (const t of texts) model.translate(t, { beam });
    return `${texts.length} translations, beam ${beam}`;
  };
}

// Only the timed work is profiled, not the load.
const session = new Session();
session.connect();
await session.post('Profiler.enable');
await session.post('Profiler.setSamplingInterval', { interval: 200 });
await session.post('Profiler.start');
const start = performance.now();
const done = work();
const ms = performance.now() - start;
const { profile } = await session.post('Profiler.stop');
session.disconnect();
fs.rmSync(out, { recursive: true, force: true });

const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const name = (id) => nodes.get(id).callFrame.functionName.replace(/::h[0-9a-f]{16}$/, '');
// The nearest two tlab_models frames above a sample, e.g. linear::forward < FeedForward::forward.
const caller = (id) => {
  const chain = [];
  for (let p = parent.get(id); p != null && chain.length < 2; p = parent.get(p)) {
    if (name(p).startsWith('tlab_models::')) chain.push(name(p).slice('tlab_models::'.length));
  }
  return chain.join(' < ');
};
const self = new Map();
for (const id of profile.samples) {
  const key = `${name(id)}\t${caller(id)}`;
  self.set(key, (self.get(key) ?? 0) + 1);
}
const total = profile.samples.length;
console.log(`${done} in ${ms.toFixed(0)} ms; self time by function (and the tlab_models functions under which it ran):`);
console.log('| self | function | under |\n|---:|---|---|');
for (const [key, n] of [...self].sort((a, b) => b[1] - a[1]).slice(0, Number(arg('--top', 20)))) {
  const [fn, under] = key.split('\t');
  console.log(`| ${((100 * n) / total).toFixed(1)} % | \`${fn || '(idle / JS)'}\` | ${under ? `\`${under}\`` : ''} |`);
}
