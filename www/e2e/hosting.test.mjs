// Embedding and hosting in headless Chromium: an iframe embed without lang= speaks its host
// page's language (<html lang>, told by widgets/embed-resize.js) and follows it when it
// changes; <teacher-forcing> without text or reference runs on its example and that
// example's reference; the lecture page links to the main page in its own language, and
// index.html?lang=zh is the main page in 中文.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { launch } from './harness.mjs';

let browser;
let host; // another origin (its own port), as a blog is: it serves the page of hostPage()
const hostPages = new Map(); // path → HTML
before(async () => {
  browser = await launch();
  host = http.createServer((req, res) => {
    const html = hostPages.get(req.url);
    res.writeHead(html ? 200 : 404, { 'content-type': 'text/html; charset=utf-8' });
    res.end(html ?? 'not found');
  });
  await new Promise((ok) => host.listen(0, '127.0.0.1', ok));
});
after(async () => {
  await browser?.close();
  host?.close();
});

const at = (p) => new URL(p, browser.url).href;

/** A page on the host's origin with `body` under <html lang="`lang`">. */
async function hostPage(lang, body) {
  const url = `/post-${hostPages.size}.html`;
  hostPages.set(url, `<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>post</title></head><body>${body}</body></html>`);
  const page = await browser.newPage();
  await page.goto(`http://127.0.0.1:${host.address().port}${url}`);
  return page;
}

/** The embed iframe whose id= is `id`, once its widget has an outcome. */
async function embedFrame(page, id, widget) {
  await page.waitForFunction((id) => document.getElementById(id)?.contentWindow, id);
  const frame = await (await page.$(`#${id}`)).contentFrame();
  await frame.waitForSelector(`${widget}[data-state="ready"]`, { timeout: 120_000 });
  return frame;
}

const label = (frame, w) => frame.$$eval(`${w} .tl-field label`, (ls) => ls.map((l) => l.textContent));

/** The teacher-forcing table of `frame` as numbers, and the total; all must be finite. */
async function forcedTable(frame) {
  const rows = await frame.$$eval('teacher-forcing .tl-forced tr[data-logp]', (trs) =>
    trs.map((tr) => ({ logp: Number(tr.dataset.logp), token: tr.children[1].textContent, agree: tr.classList.contains('agree') })),
  );
  const total = Number(await frame.getAttribute('teacher-forcing', 'data-log-likelihood'));
  return { rows, total };
}

test('an embed without lang speaks the host page’s <html lang="zh">, follows it, and lang= still wins', async () => {
  const resize = at('widgets/embed-resize.js');
  const page = await hostPage(
    'zh',
    `<script src="${resize}"></script>
     <iframe id="a" src="${at('embed.html?widget=teacher-forcing&id=a')}" style="width:100%"></iframe>
     <iframe id="b" src="${at('embed.html?widget=teacher-forcing&id=b&lang=en')}" style="width:100%"></iframe>`,
  );
  const a = await embedFrame(page, 'a', 'teacher-forcing');
  assert.equal(await a.evaluate(() => document.documentElement.lang), 'zh-CN');
  assert.deepEqual(await label(a, 'teacher-forcing'), ['源句子', '参考译文']);
  assert.match(await a.textContent('teacher-forcing .tl-total'), /^参考译文的总对数似然：-\d/);
  assert.match(await a.textContent('teacher-forcing'), /教师强制（Teacher Forcing）：在每个位置，解码器看到的是参考译文的前缀/);
  const b = await embedFrame(page, 'b', 'teacher-forcing');
  assert.deepEqual(await label(b, 'teacher-forcing'), ['Source sentence', 'Reference translation'], 'lang=en in the URL wins');
  // The host switches its language: the embed without lang follows, the other stays.
  await page.evaluate(() => {
    document.documentElement.lang = 'en-GB';
  });
  await a.waitForFunction(() => document.querySelector('teacher-forcing .tl-field label').textContent === 'Source sentence');
  assert.match(await a.textContent('teacher-forcing .tl-total'), /^Total log-likelihood of the reference: -\d/);
  await page.evaluate(() => {
    document.documentElement.lang = 'zh';
  });
  await a.waitForFunction(() => document.querySelector('teacher-forcing .tl-field label').textContent === '源句子');
  assert.deepEqual(await label(b, 'teacher-forcing'), ['Source sentence', 'Reference translation']);
  // It still sizes the iframes.
  assert.ok((await page.$eval('#a', (f) => f.getBoundingClientRect().height)) > 200);
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('a host without embed-resize.js: the embed does not wait for an answer forever', async () => {
  const page = await hostPage('zh', `<iframe id="c" src="${at('embed.html?widget=tokenizer-view&text=Hello&id=c')}"></iframe>`);
  const c = await embedFrame(page, 'c', 'tokenizer-view');
  // No one told it the host's language: the browser's (English here).
  assert.equal(await c.evaluate(() => document.documentElement.lang), 'en');
  assert.deepEqual(await label(c, 'tokenizer-view'), ['Text']);
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('teacher-forcing with no text and no reference: its example and the example’s reference, finite numbers', async () => {
  const page = await browser.newPage();
  // embed.html makes <teacher-forcing> with no attributes but lang.
  await page.goto(at('embed.html?widget=teacher-forcing&lang=en'));
  await page.waitForSelector('teacher-forcing[data-state="ready"]', { timeout: 120_000 });
  assert.equal(await page.evaluate(() => document.querySelector('teacher-forcing').hasAttribute('reference')), true);
  assert.equal(await page.inputValue('teacher-forcing .tl-input-text'), 'The cat sat on the mat.');
  assert.equal(await page.inputValue('teacher-forcing .tl-input-reference'), 'O gato sentou-se no tapete.');
  const { rows, total } = await forcedTable(page);
  assert.ok(rows.length >= 5, `${rows.length} rows`);
  assert.equal(rows.map((r) => r.token).join('').replaceAll('▁', ' ').trim(), 'O gato sentou-se no tapete.</s>');
  for (const r of rows) assert.ok(Number.isFinite(r.logp) && r.logp <= 0, `log P ${r.logp}`);
  assert.ok(Number.isFinite(total) && total < 0);
  assert.ok(Math.abs(total - rows.reduce((s, r) => s + r.logp, 0)) < 1e-3, 'the total is the sum of the rows');
  assert.equal(await page.$('teacher-forcing .tl-own-reference'), null, 'a real reference: no note');
  assert.deepEqual(page.problems, []);

  // The other direction: its own example.
  await page.goto(at('embed.html?widget=teacher-forcing&lang=en&direction=pt-en'));
  await page.waitForSelector('teacher-forcing[data-state="ready"]', { timeout: 120_000 });
  assert.equal(await page.inputValue('teacher-forcing .tl-input-text'), 'O gato sentou-se no tapete.');
  assert.equal(await page.inputValue('teacher-forcing .tl-input-reference'), 'The cat sat on the mat.');
  assert.ok(Number.isFinite((await forcedTable(page)).total));

  // Text of one's own and no reference: the model's own translation, said in words.
  await page.goto(at('embed.html?widget=teacher-forcing&lang=en&text=Good%20morning!'));
  await page.waitForSelector('teacher-forcing[data-state="ready"]', { timeout: 120_000 });
  assert.equal(await page.inputValue('teacher-forcing .tl-input-reference'), '');
  assert.match(await page.textContent('teacher-forcing .tl-own-reference'), /^No reference was given: the reference here is the model’s own greedy translation/);
  const own = await forcedTable(page);
  const free = await page.textContent('teacher-forcing .tl-free');
  assert.ok(own.rows.length >= 2 && own.rows.every((r) => Number.isFinite(r.logp)));
  assert.ok(own.rows.every((r) => r.agree), 'forced on its own greedy output, its top guess agrees everywhere');
  assert.ok(free.includes(own.rows.slice(0, -1).map((r) => r.token).join('').replaceAll('▁', ' ').trim()), `${free} holds the reference`);
  // Typing a reference replaces it.
  await page.fill('teacher-forcing .tl-input-reference', 'Bom dia!');
  await page.press('teacher-forcing .tl-input-reference', 'Enter');
  await page.waitForFunction(() => !document.querySelector('teacher-forcing .tl-own-reference') && document.querySelector('teacher-forcing').dataset.state === 'ready');
  assert.equal(await page.getAttribute('teacher-forcing', 'reference'), 'Bom dia!');
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('the 中文 lecture links to the 中文 main page, the English one to the English page', async () => {
  const page = await browser.newPage();
  await page.goto(at('lecture.html?lang=zh'));
  const zhLink = page.locator('.lede a[href^="index.html"]:visible');
  assert.equal(await zhLink.count(), 1);
  assert.equal(await zhLink.getAttribute('href'), 'index.html?lang=zh');
  assert.equal(await zhLink.textContent(), '演示页');
  await Promise.all([page.waitForURL(/index\.html\?lang=zh$/), zhLink.click()]);
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'zh-CN');
  assert.equal(await page.innerText('#fm-title'), '填空');
  assert.equal(await page.innerText('#tr-title'), '翻译');
  assert.equal(await page.title(), 'tlab——在浏览器中实时运行的 BERT 填空');
  assert.equal(await page.getAttribute('tlab-lang-switch button[data-lang="zh"]', 'aria-pressed'), 'true');
  // The widgets are in 中文 too, the fill-mask one on the built-in Chinese model.
  await page.waitForSelector('#fill-mask .tl-card li', { timeout: 120_000 });
  assert.equal(await page.isChecked('#model-lang-zh'), true);
  assert.equal(await page.textContent('label[for="text"]'), '句子（在缺字或缺词处写 [MASK]）');
  const answers = await page.$$eval('#fill-mask .tl-card:first-child li .tl-tok', (ts) => ts.map((t) => t.textContent));
  assert.ok(answers.length === 5 && answers.every((t) => /^\p{Script=Han}$/u.test(t)), answers.join(' '));
  // …and it links back to the 中文 lecture.
  assert.equal(await page.locator('.lede a:visible').getAttribute('href'), 'lecture.html?lang=zh');
  assert.deepEqual(page.problems, []);

  await page.goto(at('lecture.html?lang=en'));
  const enLink = page.locator('.lede a[href^="index.html"]:visible');
  assert.equal(await enLink.getAttribute('href'), 'index.html?lang=en');
  await Promise.all([page.waitForURL(/index\.html\?lang=en$/), enLink.click()]);
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'en');
  assert.equal(await page.innerText('#fm-title'), 'Fill in the blank');
  assert.equal(await page.title(), 'tlab — see BERT fill in [MASK], live in your browser');
  await page.waitForSelector('#fill-mask .tl-card li', { timeout: 120_000 });
  assert.equal(await page.isChecked('#model-lang-en'), true);
  assert.equal(await page.locator('.lede a:visible').getAttribute('href'), 'lecture.html?lang=en');
  // The switch on the main page turns it into 中文 in place.
  await page.click('tlab-lang-switch button[data-lang="zh"]');
  assert.equal(await page.innerText('#fm-title'), '填空');
  assert.equal(await page.title(), 'tlab——在浏览器中实时运行的 BERT 填空');
  assert.deepEqual(page.problems, []);
  await page.close();
});
