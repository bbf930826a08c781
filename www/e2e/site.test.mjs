// tools/build-site.sh: the site as plain static files. Built into a temporary folder, it is
// served by the plainest static server (node http: files only, under a sub-path, none of
// serve.mjs's /pkg and /models mapping); index.html and lecture.html load from it alone in
// Chromium, and the fill-mask widget answers as it does from the dev server. Also: the
// sizes it prints, what it leaves out, and its refusals (no pkg/, no models/, a folder not
// its own).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { launch, repo } from './harness.mjs';

const SCRIPT = path.join(repo, 'tools/build-site.sh');
const PREFIX = '/course/tlab/'; // a sub-path, as on https://USER.github.io/REPO/
const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
};

let tmp;
let dist;
let printed;
let site; // {server, url, missing: string[]}
let browser;

/** Files under `root` at PREFIX, nothing else; 404 (remembered in `missing`) otherwise. */
function staticServer(root) {
  const missing = [];
  const server = http.createServer((req, res) => {
    const p = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    let file = p.startsWith(PREFIX) ? path.resolve(root, p.slice(PREFIX.length)) : null;
    if (file && !file.startsWith(root + path.sep) && file !== root) file = null;
    if (file && fs.statSync(file, { throwIfNoEntry: false })?.isDirectory()) file = path.join(file, 'index.html');
    const stat = file && fs.statSync(file, { throwIfNoEntry: false });
    if (!stat?.isFile()) {
      missing.push(p);
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream', 'content-length': stat.size });
    fs.createReadStream(file).pipe(res);
  });
  return new Promise((ok) =>
    server.listen(0, '127.0.0.1', () => ok({ server, url: `http://127.0.0.1:${server.address().port}${PREFIX}`, missing })),
  );
}

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tlab-site-'));
  dist = path.join(tmp, 'dist');
  printed = execFileSync(SCRIPT, [dist], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  site = await staticServer(dist);
  browser = await launch();
});
after(async () => {
  await browser?.close();
  site?.server.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

/** The MB figure the script printed on the line that ends with `what`. */
function size(what) {
  const line = printed.split('\n').find((l) => l.trimEnd().endsWith(what));
  assert.ok(line, `a line for ${what} in:\n${printed}`);
  return Number(line.trim().split(/\s+/)[0]);
}

test('build-site.sh: one folder with the pages, pkg/ and models/ inside it; sizes printed', () => {
  for (const f of ['index.html', 'lecture.html', 'embed.html', 'main.js', 'worker.js', 'widgets/index.js', 'widgets/widgets.css', 'lib/client.js', '.nojekyll']) {
    assert.ok(fs.existsSync(path.join(dist, f)), f);
  }
  for (const f of ['pkg/tlab_web.js', 'pkg/tlab_web_bg.wasm', 'models/index.json', 'models/fill-mask/model.safetensors', 'models/translate-en-pt/shortlist.bin']) {
    assert.equal(fs.statSync(path.join(dist, f)).size, fs.statSync(path.join(repo, f)).size, `${f}: a full copy`);
  }
  for (const f of ['node_modules', 'e2e', 'serve.mjs', 'package.json', 'package-lock.json']) {
    assert.ok(!fs.existsSync(path.join(dist, f)), `${f} is not part of the site`);
  }
  const [pages, pkg, models, total] = [size('pages and scripts (www/)'), size('pkg/ (the wasm)'), size('models/'), size('total')];
  assert.ok(pages > 0.05 && pages < 5, `pages ${pages} MB`);
  assert.ok(Math.abs(pkg - fs.statSync(path.join(repo, 'pkg/tlab_web_bg.wasm')).size / 1e6) < 0.2, `pkg ${pkg} MB`);
  assert.ok(models > 10, `models ${models} MB`);
  assert.ok(Math.abs(total - (pages + pkg + models)) < 0.3, `total ${total} = ${pages} + ${pkg} + ${models}`);
  assert.ok(size('models/fill-mask/') > 1);
  // A second run replaces its own folder.
  execFileSync(SCRIPT, [dist], { stdio: 'ignore' });
  assert.ok(fs.existsSync(path.join(dist, 'pkg/tlab_web_bg.wasm')));
});

test('build-site.sh refuses clearly: no pkg/, no models/, a folder it did not make', () => {
  const run = (dir, env = {}) => spawnSync(SCRIPT, [dir], { encoding: 'utf8', env: { ...process.env, ...env } });
  const none = path.join(tmp, 'none');
  let r = run(path.join(tmp, 'out1'), { TLAB_PKG: none });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^build-site: no .*\/none: build the wasm first \(tools\/build-wasm\.sh\)$/m);
  assert.ok(!fs.existsSync(path.join(tmp, 'out1')), 'nothing written');
  fs.mkdirSync(path.join(tmp, 'pkg-no-wasm'));
  fs.writeFileSync(path.join(tmp, 'pkg-no-wasm/tlab_web.js'), '');
  r = run(path.join(tmp, 'out1'), { TLAB_PKG: path.join(tmp, 'pkg-no-wasm') });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /no .*tlab_web\.js: build the wasm first/, 'an empty glue file counts as missing');
  r = run(path.join(tmp, 'out1'), { TLAB_MODELS: none });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^build-site: no .*\/none: prepare the models first \(tools\/prepare-models\.sh\)$/m);
  const mine = path.join(tmp, 'mine');
  fs.mkdirSync(mine);
  fs.writeFileSync(path.join(mine, 'notes.txt'), 'keep me');
  r = run(mine);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /exists and was not made by this script/);
  assert.equal(fs.readFileSync(path.join(mine, 'notes.txt'), 'utf8'), 'keep me');
});

/** Every request the page made, and whether each stayed inside the served folder. */
function recordRequests(page) {
  const urls = [];
  page.on('request', (r) => urls.push(r.url()));
  return urls;
}

test('served as plain files under a sub-path: index.html answers the fill-mask example', async () => {
  const page = await browser.newPage();
  const urls = recordRequests(page);
  await page.goto(`${site.url}index.html`);
  await page.waitForSelector('#fill-mask .tl-card li', { timeout: 120_000 });
  // The same answers as from the dev server (assets/fill-mask-en/golden.json, fill-mask.test.mjs).
  const golden = JSON.parse(fs.readFileSync(path.join(repo, 'assets/fill-mask-en/golden.json'), 'utf8'))[0];
  assert.equal(await page.inputValue('#text'), golden.text);
  const tokens = await page.$$eval('#fill-mask .tl-card:first-child li', (lis) => lis.map((li) => li.querySelector('.tl-tok').title.match(/^token (\S+)/)[1]));
  assert.deepEqual(tokens, golden.top5);
  const probs = await page.$$eval('#fill-mask .tl-card:first-child li', (lis) => lis.map((li) => Number(li.dataset.p)));
  for (const [i, p] of probs.entries()) assert.ok(Math.abs(p - golden.probs[i]) < 1e-4, `${p} vs ${golden.probs[i]}`);
  assert.equal(await page.textContent('#filled'), golden.filled);
  assert.equal(await page.getAttribute('#fill-mask', 'data-state'), 'ready');
  const outside = urls.filter((u) => !u.startsWith(site.url) && !u.startsWith('data:'));
  assert.deepEqual(outside, [], 'every request stays inside the served folder');
  for (const part of ['worker.js', 'pkg/tlab_web_bg.wasm', 'models/fill-mask/model.safetensors']) {
    assert.ok(urls.includes(`${site.url}${part}`), `${part} fetched from the static folder`);
  }
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('served as plain files: lecture.html loads and its widgets answer (tokens, teacher forcing)', async () => {
  const page = await browser.newPage();
  const urls = recordRequests(page);
  await page.goto(`${site.url}lecture.html?lang=en`);
  assert.equal(await page.innerText('h1'), 'Transformers and BERT, live');
  const tok = 'tokenizer-view.en[model="bert"]';
  await page.locator(tok).scrollIntoViewIfNeeded();
  await page.waitForSelector(`${tok} .tl-piece`, { timeout: 120_000 });
  const pieces = await page.$eval(tok, (v) => [...v.querySelectorAll('.tl-piece .tl-piece-text')].map((p) => p.textContent));
  assert.equal(pieces[0], '[CLS]');
  assert.equal(pieces.at(-1), '[SEP]');
  const tf = 'teacher-forcing';
  await page.locator(tf).scrollIntoViewIfNeeded();
  await page.waitForSelector(`${tf} .tl-forced tr[data-logp]`, { timeout: 120_000 });
  const ll = Number(await page.getAttribute(tf, 'data-log-likelihood'));
  assert.ok(Number.isFinite(ll) && ll < 0, `log-likelihood ${ll}`);
  assert.deepEqual(urls.filter((u) => !u.startsWith(site.url) && !u.startsWith('data:')), []);
  // Nothing the pages themselves name is missing (optional model files may be: the worker
  // tries tokenizer_config.json and the like).
  assert.deepEqual(site.missing.filter((p) => /\.(html|js|css|wasm)$|\/index\.json$/.test(p)), []);
  assert.deepEqual(page.problems, []);
  await page.close();
});
