// What takes the bytes of the wasm: `twiggy top` (cargo install twiggy) on the build before
// wasm-bindgen (it still has function names), summed by crate, largest first. wasm-bindgen
// then drops the "function names" section and its own '__wasm_bindgen_unstable' metadata.
//
//   node tools/wasm-size.mjs [--top 20]
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { arg } from './bench-common.mjs';

const repo = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const wasm = path.join(process.env.CARGO_TARGET_DIR ?? path.join(repo, 'target'), 'wasm32-unknown-unknown/wasm/tlab_web.wasm');
let csv;
try {
  csv = execFileSync('twiggy', ['top', '-n', '1000000', '--format', 'csv', wasm], { encoding: 'utf8', maxBuffer: 1 << 28 });
} catch (e) {
  console.error(`twiggy top ${wasm} failed (cargo install twiggy; tools/build-wasm.sh): ${e.message}`);
  process.exit(2);
}
const bytes = new Map();
let total = 0;
for (const line of csv.trim().split('\n').slice(1)) {
  // Name,ShallowSize,ShallowSizePercent,RetainedSize,RetainedSizePercent (names may hold commas)
  const fields = line.split(',');
  const size = Number(fields[fields.length - 4]);
  const name = fields.slice(0, fields.length - 4).join(',').replace(/^"|"$/g, '').replaceAll('""', '"');
  // A function's crate is its path's first segment (through drop_in_place<…> and <… as …>).
  const crate = name.match(/^(?:<|core::ptr::drop_in_place<)?([a-z_0-9]+)(?:\[[0-9a-f]+\])?::/)?.[1] ?? name.slice(0, 40);
  bytes.set(crate, (bytes.get(crate) ?? 0) + size);
  total += size;
}
console.log(`${path.relative(repo, wasm)}: ${(total / 1e6).toFixed(2)} MB`);
console.log('| crate or section | MB |\n|---|---:|');
for (const [crate, n] of [...bytes].sort((a, b) => b[1] - a[1]).slice(0, Number(arg('--top', 20)))) console.log(`| ${crate} | ${(n / 1e6).toFixed(2)} |`);
