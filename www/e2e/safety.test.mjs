// Safe to embed, in headless Chromium: no script injection through embed.html, the pages'
// Content-Security-Policy in force, a crashed worker recovered without a reload, stalled,
// cancelled, superseded and failed model loads leaving a usable page with a consistent
// header, attention views capped for huge maps, and the translation panel never stuck on
// an invalid field. Each test would have failed before the change it guards.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { launch, repo, reveal } from './harness.mjs';
import { CSP } from '../serve.mjs';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

const at = (p) => new URL(p, browser.url).href;

/** Waits until the fill-mask panel has answered with a loaded model; returns the header. */
async function fillAnswered(page) {
  await page.waitForFunction(
    () => document.getElementById('fill-mask').dataset.state === 'ready' && !/loading/.test(document.getElementById('model-name').textContent),
    null,
    { timeout: 60_000 },
  );
  return { name: await page.textContent('#model-name'), info: await page.textContent('#model-info') };
}

/** Sets the text without typing (no debounced run) and clicks Fill; returns the outcome. */
async function fillOnce(page, text) {
  const runs = Number((await page.getAttribute('#fill-mask', 'data-runs')) ?? 0);
  await page.$eval('#text', (t, v) => (t.value = v), text);
  await page.click('#fill');
  await page.waitForFunction(
    (n) => {
      const p = document.getElementById('fill-mask');
      return Number(p.dataset.runs ?? 0) > n && p.dataset.state !== 'loading';
    },
    runs,
    { timeout: 60_000 },
  );
  return {
    state: await page.getAttribute('#fill-mask', 'data-state'),
    cards: await page.$$eval('.tl-card', (c) => c.length),
    error: (await page.isHidden('#error')) ? '' : await page.textContent('#error'),
  };
}

/** Watches for dialogs (alert, confirm, …): none may ever open. */
function noDialogs(page) {
  const dialogs = [];
  page.on('dialog', (d) => {
    dialogs.push(`${d.type()}: ${d.message()}`);
    d.dismiss().catch(() => {});
  });
  return dialogs;
}

test('embed.html: query parameters cannot add event handlers or styles to the widget', async () => {
  const attacks = [
    'embed.html?widget=tokenizer-view&text=hi&tabindex=0&autofocus=&onfocus=alert(1)',
    'embed.html?widget=tokenizer-view&text=hi&style=position:fixed;inset:0&onmouseover=alert(1)',
    'embed.html?widget=tokenizer-view&text=hi&ONCLICK=alert(1)&onerror=alert(1)&is=x',
    // A marker instead of a dialog: set if any handler ever runs.
    `embed.html?widget=tokenizer-view&text=hi&tabindex=0&autofocus=&onfocus=${encodeURIComponent('document.documentElement.dataset.pwned=1')}`,
  ];
  for (const attack of attacks) {
    const page = await browser.newPage();
    const dialogs = noDialogs(page);
    await page.goto(at(attack));
    await page.waitForFunction(() => document.querySelector('tokenizer-view')?.dataset.state === 'ready', null, { timeout: 60_000 });
    // Give any handler every chance to run: focus, hover, click and synthetic events.
    await page.hover('tokenizer-view');
    await page.click('tokenizer-view .tl-muted');
    await page.evaluate(() => {
      const el = document.querySelector('tokenizer-view');
      el.focus();
      for (const type of ['focus', 'mouseover', 'click', 'error']) el.dispatchEvent(new Event(type));
    });
    const seen = await page.evaluate(() => {
      const el = document.querySelector('tokenizer-view');
      return {
        names: el.getAttributeNames(),
        text: el.getAttribute('text'),
        position: getComputedStyle(el).position,
        note: document.querySelector('.tl-embed-note')?.textContent ?? '',
        pieces: el.querySelectorAll('.tl-piece').length,
        pwned: document.documentElement.dataset.pwned ?? null,
      };
    });
    assert.equal(seen.pwned, null, `${attack}: a handler ran`);
    assert.deepEqual(dialogs, [], attack);
    assert.deepEqual(seen.names.filter((n) => /^on|^style$|^tabindex$|^autofocus$|^is$/i.test(n)), [], attack);
    assert.equal(seen.text, 'hi', 'documented attributes are still copied');
    assert.notEqual(seen.position, 'fixed');
    assert.ok(seen.pieces >= 3, 'the widget works');
    assert.match(seen.note, /^Ignored: .*on(focus|mouseover|click)/i, 'the ignored parameters are named');
    assert.deepEqual(page.problems, [], attack);
    await page.close();
  }
});

test('hugo/README.md documents every attribute that embed.html copies', async () => {
  const readme = fs.readFileSync(path.join(repo, 'hugo/README.md'), 'utf8');
  const page = await browser.newPage();
  await page.goto(at('bench.html'));
  const lists = await page.evaluate(async () => {
    const { WIDGETS } = await import('./widgets/index.js');
    return Object.fromEntries(WIDGETS.map((w) => [w, customElements.get(w).attributes]));
  });
  const common = ['text', 'lang', 'src', 'shortlist'];
  const everyWidget = readme.match(/^Every widget:[\s\S]*?\n\n/m)?.[0] ?? '';
  for (const a of common) assert.match(everyWidget, new RegExp(`\`${a}\``), `"Every widget" names ${a}`);
  for (const [w, attrs] of Object.entries(lists)) {
    const row = readme.split('\n').find((l) => l.startsWith(`| \`${w}\` |`));
    assert.ok(row, `hugo/README.md has a row for ${w}`);
    const column = row.split(' | ').at(-1);
    for (const a of attrs.filter((x) => !common.includes(x))) assert.match(column, new RegExp(`\`${a}\``), `${w}: ${a} documented`);
    for (const a of common) assert.ok(attrs.includes(a), `${w} takes ${a}`);
  }
  await page.close();
});

test('embed.html: markup in the widget name or text is shown as text, never parsed', async () => {
  const page = await browser.newPage();
  const dialogs = noDialogs(page);
  const img = '<img src=x onerror=alert(1)>';
  await page.goto(at(`embed.html?widget=${encodeURIComponent(img)}`));
  assert.match(await page.textContent('body'), /Unknown widget "<img src=x onerror=alert\(1\)>"/);
  assert.equal(await page.$$eval('img', (i) => i.length), 0);
  await page.goto(at(`embed.html?widget=tokenizer-view&model=bert&text=${encodeURIComponent(img)}`));
  await page.waitForFunction(() => document.querySelector('tokenizer-view')?.dataset.state === 'ready', null, { timeout: 60_000 });
  assert.equal(await page.$$eval('img', (i) => i.length), 0);
  assert.equal(await page.inputValue('tokenizer-view .tl-input'), img);
  // A src that is not an http(s) address is refused in words.
  await page.goto(at('embed.html?widget=bert-fill-mask&src=javascript:alert(1)&text=a%20%5BMASK%5D'));
  await page.waitForFunction(() => document.querySelector('bert-fill-mask')?.dataset.state === 'error');
  assert.match(await page.textContent('bert-fill-mask .tl-error'), /not an http\(s\) address/);
  assert.deepEqual(dialogs, []);
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('every page is served with the CSP and nosniff, and the policy refuses injected inline handlers', async () => {
  const page = await browser.newPage();
  for (const p of ['', 'index.html', 'lecture.html?lang=en', 'embed.html?widget=tokenizer-view&text=hi', 'bench.html']) {
    const response = await page.goto(at(p));
    const headers = response.headers();
    assert.equal(headers['content-security-policy'], CSP, p);
    assert.equal(headers['x-content-type-options'], 'nosniff', p);
  }
  await page.goto(at('index.html'));
  await fillAnswered(page);
  // Were markup ever injected, its handler would not run.
  await page.evaluate(() => document.body.insertAdjacentHTML('beforeend', '<img src="data:," onload="document.title=\'pwned\'">'));
  await page.waitForTimeout(300);
  assert.notEqual(await page.title(), 'pwned');
  const others = page.problems.filter((p) => !/Content Security Policy/.test(p));
  assert.deepEqual(others, []);
  assert.ok(page.problems.some((p) => /inline event handler/.test(p)), 'the browser reports the refused handler');
  await page.close();
});

test('a crashed worker: its requests fail in words, the next request answers without a reload', async () => {
  const page = await browser.newPage();
  await page.goto(browser.url);
  await fillAnswered(page);
  await reveal(page, '#translate'); // below the fold: it loads when scrolled to
  await page.waitForFunction(() => document.getElementById('tr-output').textContent !== '', null, { timeout: 60_000 });
  const r = await page.evaluate(async () => {
    const { sharedClient, DEFAULT_BERT, DEFAULT_TRANSLATE } = await import('./lib/client.js');
    const c = sharedClient();
    const text = 'The man went to the [MASK] to buy some milk.';
    const generation = c.generation;
    // Killed mid-request: the pending fill fails, in words.
    const pending = c.fill(DEFAULT_BERT.key, text, 5).then(() => 'answered', (e) => e.message);
    c._debugKill();
    const killed = await pending;
    // The next request starts a fresh worker, which loads the model again by itself.
    const after = await c.fill(DEFAULT_BERT.key, text, 5);
    // A wasm trap reported by the worker (what a Rust panic becomes) is fatal in the same way.
    const trapped = await c.request({ op: '_trap' }).then(() => 'answered', (e) => e.message);
    const translated = await c.translate(DEFAULT_TRANSLATE['en-pt'].key, 'The cat sat on the mat.', {});
    return {
      killed,
      after: after.masks[0].candidates.length,
      trapped,
      translated: translated.translation,
      workers: c.generation - generation,
    };
  });
  assert.match(r.killed, /^the model crashed: killed on purpose/);
  assert.equal(r.after, 5);
  assert.match(r.trapped, /^the model crashed: RuntimeError: unreachable/);
  assert.ok(r.translated.length > 0);
  assert.equal(r.workers, 2, 'one fresh worker per crash');
  // The page's own controls work too, with no reload.
  const out = await fillOnce(page, 'She bought a [MASK] of bread.');
  assert.equal(out.state, 'ready', out.error);
  await page.click('#tr-go');
  await page.waitForFunction(() => document.getElementById('tr-output').textContent !== '' && !document.getElementById('tr-go').disabled);
  assert.equal(await page.isHidden('#tr-error'), true);
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('a widget whose worker crashed answers again on its next change', async () => {
  const page = await browser.newPage();
  await page.goto(at('embed.html?widget=bert-fill-mask&text=The%20man%20went%20to%20the%20%5BMASK%5D.'));
  await page.waitForFunction(() => document.querySelector('bert-fill-mask')?.dataset.state === 'ready', null, { timeout: 60_000 });
  await page.evaluate(async () => (await import('./lib/client.js')).sharedClient()._debugKill());
  await page.fill('bert-fill-mask .tl-input', 'She drank a cup of [MASK].');
  await page.press('bert-fill-mask .tl-input', 'Enter');
  await page.waitForFunction(
    () => {
      const w = document.querySelector('bert-fill-mask');
      return w.dataset.state === 'ready' && w.getAttribute('text').startsWith('She');
    },
    null,
    { timeout: 60_000 },
  );
  assert.equal(await page.$$eval('bert-fill-mask .tl-card', (c) => c.length), 1);
  assert.deepEqual(page.problems, []);
  await page.close();
});

/** Types a URL prefix into the picker and clicks Load. */
async function loadUrl(page, prefix) {
  if (!(await page.isVisible('#model-url'))) await page.click('#model-picker summary');
  await page.fill('#model-url', prefix);
  await page.click('#load-url');
}

test('a stalled download fails after the stall timeout, in words; the previous model keeps answering', async () => {
  const page = await browser.newPage();
  await page.goto(at('index.html?stall=2'));
  const header = await fillAnswered(page);
  await loadUrl(page, at('_test/stall/org/model'));
  await page.waitForFunction(() => /Downloading config\.json/.test(document.getElementById('progress-label').textContent));
  await page.waitForFunction(() => /stalled/.test(document.getElementById('error').textContent), null, { timeout: 20_000 });
  assert.match(
    await page.textContent('#error'),
    /Could not load the model “.*\/_test\/stall\/org\/model”: the download of .*\/_test\/stall\/org\/model\/config\.json stalled: no data for 2 s/,
  );
  assert.equal(await page.textContent('#model-name'), header.name);
  assert.equal(await page.textContent('#model-info'), header.info);
  assert.equal(await page.isHidden('#progress'), true);
  assert.equal(await page.isEnabled('#fill'), true);
  assert.equal((await fillOnce(page, 'The man went to the [MASK].')).state, 'ready');
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('Cancel stops a download; a newer load supersedes an older one; neither is shown as a failure', async () => {
  const page = await browser.newPage();
  await page.goto(browser.url);
  const header = await fillAnswered(page);
  // Cancel.
  await loadUrl(page, at('_test/stall/org/cancel-me'));
  await page.waitForFunction(() => /Downloading config\.json/.test(document.getElementById('progress-label').textContent));
  await page.click('#load-cancel');
  await page.waitForSelector('#progress', { state: 'hidden' });
  assert.equal(await page.isHidden('#error'), true);
  assert.equal(await page.textContent('#model-name'), header.name);
  assert.equal(await page.textContent('#model-info'), header.info);
  // Superseded: a stalled load, then "Back to the default model".
  await loadUrl(page, at('_test/stall/org/supersede-me'));
  await page.waitForFunction(() => /Downloading config\.json/.test(document.getElementById('progress-label').textContent));
  await page.click('#load-default');
  await page.waitForFunction((n) => document.getElementById('model-name').textContent === n, header.name);
  await page.waitForSelector('#progress', { state: 'hidden' });
  assert.equal(await page.isHidden('#error'), true, await page.textContent('#error'));
  assert.equal(await page.textContent('#model-info'), header.info);
  assert.equal((await fillOnce(page, 'The man went to the [MASK].')).state, 'ready');
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('the last load wins: a slow URL load, then at once the default model', async () => {
  const page = await browser.newPage();
  await page.goto(browser.url);
  const header = await fillAnswered(page);
  const firstIds = await page.$$eval('.tl-card li', (l) => l.map((x) => x.dataset.id));
  // bert-relu (3 layers) answers after 3 s; the default is clicked right after.
  await loadUrl(page, at('_test/slow/3000/hub/someone/bert-relu/resolve/main'));
  await page.click('#load-default');
  await page.waitForTimeout(4500);
  assert.equal(await page.textContent('#model-name'), header.name);
  assert.equal(await page.textContent('#model-info'), header.info);
  assert.doesNotMatch(header.info, /^3 layers/);
  assert.equal(await page.isHidden('#error'), true);
  const out = await fillOnce(page, 'The man went to the [MASK] to buy some milk.');
  assert.equal(out.state, 'ready');
  assert.deepEqual(await page.$$eval('.tl-card li', (l) => l.map((x) => x.dataset.id)), firstIds, 'the default model answers');
  // And the other order: the default clicked first, then the URL: the URL wins.
  await page.click('#load-default');
  await loadUrl(page, at('hub/someone/bert-relu/resolve/main'));
  await page.waitForFunction(() => /^3 layers/.test(document.getElementById('model-info').textContent), null, { timeout: 30_000 });
  await page.waitForTimeout(1000);
  assert.match(await page.textContent('#model-info'), /^3 layers/);
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('a failed load leaves the previous model in the header, with its statistics, and Fill working', async () => {
  const page = await browser.newPage();
  await page.goto(browser.url);
  const header = await fillAnswered(page);
  await loadUrl(page, at('hub/nobody/no-such-model/resolve/main'));
  await page.waitForFunction(() => /Could not load the model/.test(document.getElementById('error').textContent));
  assert.match(await page.textContent('#error'), /HTTP 404/);
  assert.equal(await page.textContent('#model-name'), header.name, 'no "(failed)" next to the model that answers');
  assert.equal(await page.textContent('#model-info'), header.info);
  assert.equal(await page.isEnabled('#fill'), true);
  const out = await fillOnce(page, 'The man went to the [MASK].');
  assert.equal(out.state, 'ready');
  assert.match(out.error, /HTTP 404/, 'the load error stays until the next load');
  assert.deepEqual(page.problems.filter((p) => !/404/.test(p)), []);
  await page.close();
});

test('?model= that is not a URL, or does not load: a clear error, and the default model answers', async () => {
  for (const [wanted, error] of [
    ['http://[', /Could not load the model from the link \(\?model=\): "http:\/\/\[" is not a model name .* or a URL\. The default model is loaded instead\./],
    ['javascript:alert(1)', /is not an http\(s\) address/],
    [new URL('hub/nobody/missing/resolve/main', browser.url).href, /Could not load the model “.*missing\/resolve\/main”: could not download .*HTTP 404/],
  ]) {
    const page = await browser.newPage();
    const dialogs = noDialogs(page);
    await page.goto(at(`index.html?model=${encodeURIComponent(wanted)}`));
    const header = await fillAnswered(page);
    assert.match(header.name, /^built in: /, wanted);
    assert.match(header.info, /layers/);
    assert.match(await page.textContent('#error'), error, wanted);
    assert.equal(await page.$$eval('.tl-card', (c) => c.length), 1);
    assert.deepEqual(dialogs, []);
    assert.deepEqual(page.problems.filter((p) => !/404/.test(p)), [], wanted);
    await page.close();
  }
});

test('attention views draw at most 128 × 128 cells and say so (English and 中文), even for 384 heads × 505 tokens', async () => {
  const page = await browser.newPage();
  await page.goto(at('embed.html?widget=attention-map&model=bert&text=Hello%20world&lang=en'));
  await page.waitForFunction(() => document.querySelector('attention-map')?.dataset.state === 'ready', null, { timeout: 60_000 });
  const drawn = await page.evaluate(() => {
    // A 384-head model on a 505-token text: every head shares one matrix (memory), the view
    // cannot tell.
    const n = 505;
    const row = Array.from({ length: n }, () => 1 / n);
    const matrix = Array.from({ length: n }, () => row);
    const heads = Array.from({ length: 384 }, () => matrix);
    const el = document.querySelector('attention-map');
    el.data = { tokens: Array.from({ length: n }, (_, i) => `w${i}`), layers: [heads, heads] };
    const t0 = performance.now();
    el.draw();
    return {
      ms: performance.now() - t0,
      cells: el.querySelectorAll('.tl-cell').length,
      rows: el.querySelectorAll('.tl-row').length,
      note: el.querySelector('.tl-capped')?.textContent ?? '',
      options: el.querySelectorAll('.tl-select-head option').length,
      headsNote: el.querySelector('.tl-heads-capped')?.textContent ?? '',
    };
  });
  assert.equal(drawn.cells, 128 * 128);
  assert.equal(drawn.rows, 128);
  assert.match(drawn.note, /first 128 of 505 rows and the first 128 of 505 columns/);
  assert.equal(drawn.options, 1 + 64);
  assert.match(drawn.headsNote, /heads 1–64 of 384/);
  assert.ok(drawn.ms < 10_000, `drawn in ${drawn.ms} ms`);
  await page.evaluate(async () => (await import('./widgets/index.js')).setLang('zh'));
  assert.match(await page.textContent('attention-map .tl-capped'), /只绘制了前 128 行（共 505 行）/);
  assert.match(await page.textContent('attention-map .tl-heads-capped'), /共 384 个/);
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('cross-attention and masked self-attention are capped the same way', async () => {
  const page = await browser.newPage();
  await page.goto(at('embed.html?widget=cross-attention&text=The%20cat%20sleeps.'));
  await page.waitForFunction(() => document.querySelector('cross-attention')?.dataset.state === 'ready', null, { timeout: 60_000 });
  const cells = await page.evaluate(() => {
    const n = 300;
    const row = Array.from({ length: n }, () => 1 / n);
    const heads = Array.from({ length: 384 }, () => row);
    const el = document.querySelector('cross-attention');
    el.data = {
      source_tokens: Array.from({ length: n }, (_, i) => `s${i}`),
      target_tokens: Array.from({ length: n }, (_, i) => `t${i}`),
      cross_attentions: Array.from({ length: n }, () => [heads]),
    };
    el.draw();
    return { cells: el.querySelectorAll('.tl-cell').length, note: el.querySelector('.tl-capped')?.textContent ?? '' };
  });
  assert.equal(cells.cells, 128 * 128);
  assert.match(cells.note, /first 128 of 300 rows/);
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('translation panel: α = −1 in beam mode is refused in words; greedy then ignores the disabled fields', async () => {
  const page = await browser.newPage();
  await page.goto(browser.url);
  await reveal(page, '#translate'); // below the fold: it loads when scrolled to
  await page.waitForFunction(() => document.getElementById('tr-output').textContent !== '', null, { timeout: 60_000 });
  const outcome = async () => {
    await page.waitForFunction(() => !document.getElementById('tr-go').disabled);
    await page.waitForTimeout(200);
    await page.waitForFunction(() => !document.getElementById('tr-go').disabled);
    return (await page.isHidden('#tr-error')) ? { output: await page.textContent('#tr-output') } : { error: await page.textContent('#tr-error') };
  };
  await page.check('input[name="tr-mode"][value="beam"]');
  await outcome();
  for (const [width, alpha, error] of [
    ['4', '-1', /length penalty α must be a number from 0 to 5 \(it is “-1”\)/],
    ['4', '', /length penalty α must be a number from 0 to 5 \(it is “”\)/],
    ['4', '99', /length penalty α must be a number from 0 to 5 \(it is “99”\)/],
    ['1000', '1', /beam width must be a whole number from 2 to 8 \(it is “1000”\)/],
    ['0', '1', /beam width must be a whole number from 2 to 8 \(it is “0”\)/],
    ['', '1', /beam width must be a whole number from 2 to 8 \(it is “”\)/],
    ['2.5', '1', /beam width must be a whole number from 2 to 8 \(it is “2.5”\)/],
  ]) {
    await page.fill('#tr-beam', width);
    await page.fill('#tr-alpha', alpha);
    await page.click('#tr-go');
    const got = await outcome();
    assert.match(got.error ?? '', error, `width ${width}, α ${alpha}`);
  }
  // α is still −1 in the (now disabled) field: greedy must not read it.
  await page.fill('#tr-beam', '4');
  await page.fill('#tr-alpha', '-1');
  await page.check('input[name="tr-mode"][value="greedy"]');
  const greedy = await outcome();
  assert.ok(greedy.output, `greedy: ${greedy.error}`);
  await page.check('input[name="tr-mode"][value="beam"]');
  assert.match((await outcome()).error ?? '', /α must be/);
  await page.fill('#tr-alpha', '0.6');
  await page.click('#tr-go');
  assert.ok((await outcome()).output);
  assert.equal(await page.isHidden('#tr-nbest'), false);
  assert.deepEqual(page.problems, []);
  await page.close();
});
