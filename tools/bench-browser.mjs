// Fill-mask latency in headless Chromium: the page's own worker + wasm, round trip as the
// page sees it. Median (and p10/p90) of --runs timed calls after --warmup untimed ones, at
// 16 and 128 tokens ([CLS] … [MASK] … [SEP]).
//
//   node tools/bench-browser.mjs [--model /models/bench-minilm] [--runs 30] [--warmup 5]
//   TLAB_PKG=pkg-ndarray node tools/bench-browser.mjs   # another wasm build
//
// The default benchmark model is made by tools/make_bench_model.py (MiniLM-L6 encoder,
// 6 × 384, vocabulary 30 522, with an MLM head).
import { launch } from '../www/e2e/harness.mjs';
import { arg, fillMaskSentence } from './bench-common.mjs';

const modelPath = arg('--model', '/models/bench-minilm');
const runs = Number(arg('--runs', 30));
const warmup = Number(arg('--warmup', 5));


const browser = await launch();
let page;
try {
  page = await browser.newPage();
  await page.goto(new URL('bench.html', browser.url).href);
  const report = await page.evaluate(
    async ({ modelUrl, texts, runs, warmup }) => {
      const { TlabClient } = await import('./lib/client.js');
      const client = new TlabClient();
      const t0 = performance.now();
      const info = await client.loadBert('bench', { url: modelUrl });
      const loadMs = performance.now() - t0;
      const rows = [];
      for (const text of texts) {
        const first = performance.now();
        const out = await client.fill('bench', text, 5);
        const firstMs = performance.now() - first;
        for (let i = 1; i < warmup; i++) await client.fill('bench', text, 5);
        const times = [];
        for (let i = 0; i < runs; i++) {
          const s = performance.now();
          await client.fill('bench', text, 5);
          times.push(performance.now() - s);
        }
        times.sort((a, b) => a - b);
        const q = (p) => times[Math.min(times.length - 1, Math.floor(p * times.length))];
        rows.push({ tokens: out.input_ids.length, firstMs, median: q(0.5), p10: q(0.1), p90: q(0.9) });
      }
      return { info, loadMs, rows, userAgent: navigator.userAgent };
    },
    { modelUrl: new URL(modelPath, browser.url).href, texts: [fillMaskSentence(16), fillMaskSentence(128)], runs, warmup },
  );
  const chrome = report.userAgent.match(/Chrome\/([\d.]+)/)?.[1] ?? '?';
  console.log(`model ${modelPath}: ${report.info.layers} layers, hidden ${report.info.hidden}, ` +
    `${(report.info.parameters / 1e6).toFixed(1)} M parameters; load + build ${report.loadMs.toFixed(0)} ms`);
  console.log(`wasm: ${process.env.TLAB_PKG ?? 'pkg'}; Chromium ${chrome}; ${runs} runs after ${warmup} warm-up`);
  console.log('| tokens | median ms | p10 ms | p90 ms | first call ms |');
  console.log('|---:|---:|---:|---:|---:|');
  for (const r of report.rows) {
    console.log(`| ${r.tokens} | ${r.median.toFixed(1)} | ${r.p10.toFixed(1)} | ${r.p90.toFixed(1)} | ${r.firstMs.toFixed(0)} |`);
  }
  if (page.problems.length) throw new Error(page.problems.join('\n'));
} finally {
  await browser.close();
}
