// en→pt translation speed in headless Chromium, greedy and beam-4: the page's own worker and
// wasm, on the Bergamot tiny model, over the English sentences of fixtures/bergamot/en-pt.json
// (one warm-up pass, then --passes timed passes; words = whitespace-separated source words).
//
//   node tools/bench-translate.mjs [--passes 3] [--direction en-pt]
import fs from 'node:fs';
import path from 'node:path';
import { launch, repo } from '../www/e2e/harness.mjs';
import { arg } from './bench-common.mjs';

const passes = Number(arg('--passes', 3));
const direction = arg('--direction', 'en-pt');
const texts = JSON.parse(fs.readFileSync(path.join(repo, 'fixtures/bergamot', `${direction}.json`), 'utf8')).cases.map((c) => c.text);
const words = texts.reduce((n, t) => n + t.split(/\s+/).filter(Boolean).length, 0);

const browser = await launch();
let page;
try {
  page = await browser.newPage();
  await page.goto(new URL('bench.html', browser.url).href);
  const rows = await page.evaluate(
    async ({ direction, texts, passes }) => {
      const { TlabClient, DEFAULT_TRANSLATE } = await import('./lib/client.js');
      const client = new TlabClient();
      const m = DEFAULT_TRANSLATE[direction];
      await client.loadTranslate(m.key, { url: m.url, shortlist: true });
      const out = [];
      for (const beam of [1, 4]) {
        for (const t of texts) await client.translate(m.key, t, { beam });
        const times = [];
        let outWords = 0;
        for (let p = 0; p < passes; p++) {
          const s = performance.now();
          for (const t of texts) {
            const r = await client.translate(m.key, t, { beam });
            if (p === 0) outWords += r.translation.split(/\s+/).filter(Boolean).length;
          }
          times.push(performance.now() - s);
        }
        times.sort((a, b) => a - b);
        out.push({ beam, ms: times[Math.floor(times.length / 2)], outWords });
      }
      return out;
    },
    { direction, texts, passes },
  );
  console.log(`${direction}, Bergamot tiny, ${texts.length} sentences (${words} source words), median of ${passes} passes after a warm-up pass`);
  console.log('| decoding | sentences/s | source words/s | output words/s | ms/sentence |');
  console.log('|---|---:|---:|---:|---:|');
  for (const r of rows) {
    const s = r.ms / 1000;
    const name = r.beam === 1 ? 'greedy' : `beam ${r.beam}`;
    console.log(`| ${name} | ${(texts.length / s).toFixed(1)} | ${(words / s).toFixed(0)} | ${(r.outWords / s).toFixed(0)} | ${(r.ms / texts.length).toFixed(1)} |`);
  }
  if (page.problems.length) throw new Error(page.problems.join('\n'));
} finally {
  await browser.close();
}
