// Teacher forcing is scored over the whole vocabulary (the Bergamot shortlist is a speed trick
// for free decoding): a reference in words the shortlist does not offer gets finite numbers,
// never −Infinity, and those words are marked and explained; the log-P column stays on one
// line at 375 px.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, outcome } from './harness.mjs';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

const params = { widget: 'teacher-forcing', text: 'The cat sat on the mat.', reference: 'O felino repousou sobre a alcatifa.' };

for (const [lang, outside] of [['en', 'not in the shortlist'], ['zh', '不在候选词表中']]) {
  test(`teacher forcing (${lang}): words outside the shortlist get finite log P, marked and explained`, async () => {
    const page = await browser.newPage();
    await page.goto(new URL(`embed.html?${new URLSearchParams({ ...params, lang })}`, browser.url).href);
    assert.equal(await outcome(page, 'teacher-forcing'), 'ready');
    const rows = await page.$$eval('teacher-forcing tr[data-logp]', (trs) =>
      trs.map((tr) => ({ logp: Number(tr.dataset.logp), token: tr.cells[1].textContent, shown: tr.cells[3].textContent })));
    assert.ok(rows.length >= 8, `${rows.length} reference tokens`);
    for (const r of rows) {
      assert.ok(Number.isFinite(r.logp) && r.logp <= 0, `${r.token}: log P ${r.logp}`);
      assert.doesNotMatch(r.shown, /Infinity|NaN|∞/);
    }
    const marked = rows.filter((r) => r.token.includes(outside)).map((r) => r.token.replace(outside, '').trim());
    assert.ok(marked.includes('▁fe'), `marked: ${marked}`);
    assert.ok(marked.length < rows.length, 'the shortlisted words are not marked');
    assert.ok(rows.find((r) => r.token.startsWith('▁fe')).logp < -5, 'an unlikely word is unlikely');
    assert.ok(Number.isFinite(Number(await page.getAttribute('teacher-forcing', 'data-log-likelihood'))));
    assert.match(await page.textContent('teacher-forcing .tl-shortlist-note'), lang === 'en' ? /whole vocabulary/ : /整个词表/);
    assert.doesNotMatch(await page.textContent('teacher-forcing'), /Infinity/);
    await page.close();
  });
}

test('teacher forcing at 375 px: every log P on one line, the page does not scroll sideways', async () => {
  const page = await browser.newPage({ viewport: { width: 375, height: 800 } });
  await page.goto(new URL(`embed.html?${new URLSearchParams({ ...params, lang: 'zh' })}`, browser.url).href);
  assert.equal(await outcome(page, 'teacher-forcing'), 'ready');
  const cells = await page.$$eval('teacher-forcing tr[data-logp] td.tl-num', (tds) =>
    tds.map((td) => ({ h: td.getBoundingClientRect().height, line: parseFloat(getComputedStyle(td).lineHeight) || 20 })));
  assert.ok(cells.length >= 8);
  for (const c of cells) assert.ok(c.h < 2 * c.line + 8, `a log-P cell is ${c.h}px high (line ${c.line}px)`);
  const wide = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(wide <= 0, `the page is ${wide}px wider than the screen`);
  await page.close();
});
