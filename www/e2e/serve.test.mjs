// The demo server (serve.mjs) under odd requests, over a raw socket and with no browser:
// every request line gets an answer (never a crash: NUL once killed it), nothing outside the
// site is served (node_modules, e2e, dotfiles, ../), only GET and HEAD are allowed, every
// response carries the Content-Security-Policy and nosniff, every HTML page repeats the
// policy in a <meta>, and the misbehaving test routes exist only when asked for.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, CSP } from '../serve.mjs';

// Not from harness.mjs: this test needs no browser, so it must not need playwright-core.
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

let server;
let port;
before(async () => {
  ({ server } = await startServer({ port: 0, quiet: true }));
  port = server.address().port;
});
after(() => server?.close());

/** Sends raw bytes on a fresh connection; resolves with what came back before the server
 * closed it (or 3 s passed): {raw, status, headers}. */
function raw(bytes) {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks = [];
    const done = () => {
      clearTimeout(timer);
      socket.destroy();
      const text = Buffer.concat(chunks).toString('latin1');
      const [head] = text.split('\r\n\r\n');
      const [statusLine, ...lines] = head.split('\r\n');
      const headers = Object.fromEntries(
        lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]),
      );
      resolve({ raw: text, status: Number(statusLine.match(/^HTTP\/1\.1 (\d{3})/)?.[1] ?? 0), headers });
    };
    const timer = setTimeout(done, 3000);
    socket.on('data', (c) => chunks.push(c));
    socket.on('end', done);
    socket.on('error', done);
    socket.on('connect', () => socket.write(typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes));
  });
}

/** A plain GET on a fresh connection: {status, headers, body}. */
function get(urlPath, method = 'GET') {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: urlPath, method, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const line = (target, method = 'GET') => `${method} ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`;

// [what, raw request, allowed statuses]
const CASES = [
  ['NUL encoded at the root', line('/%00'), [400]],
  ['NUL before an extension', line('/index.html%00.png'), [400]],
  ['NUL under /models', line('/models/%00'), [400]],
  ['NUL under /hub', line('/hub/a/b/resolve/main/%00'), [400]],
  ['raw NUL byte in the request line', 'GET /\u0000 HTTP/1.1\r\nHost: x\r\n\r\n', [400]],
  ['control character %01', line('/index%01.html'), [400]],
  ['DEL %7f', line('/%7f'), [400]],
  ['newline %0a in the path', line('/a%0d%0aSet-Cookie:%20x=1'), [400]],
  ['plain ../', line('/../../../etc/passwd'), [404]],
  ['encoded ../ (%2e%2e%2f)', line('/%2e%2e%2f%2e%2e%2fetc%2fpasswd'), [400, 404]],
  ['encoded dots, literal slash', line('/%2e%2e/%2e%2e/Cargo.toml'), [404]],
  ['encoded slash only', line('/..%2f..%2fCargo.toml'), [400]],
  ['double-encoded ../', line('/%252e%252e%252fCargo.toml'), [404]],
  ['../ under /pkg', line('/pkg/..%2f..%2fCargo.toml'), [400]],
  ['../ under /models', line('/models/..%2fREADME.md'), [400]],
  ['../ in a hub file name', line('/hub/o/n/resolve/main/..%2f..%2fCargo.toml'), [400]],
  ['../ as the hub model name', line('/hub/o/..%2f..%2f/resolve/main/Cargo.toml'), [400]],
  ['backslashes', line('/..\\..\\Cargo.toml'), [404]],
  ['encoded backslashes', line('/%5c..%5c..%5cCargo.toml'), [400]],
  ['node_modules', line('/node_modules/playwright-core/package.json'), [404]],
  ['the tests', line('/e2e/harness.mjs'), [404]],
  ['a dotfile', line('/.gitignore'), [404]],
  ['an encoded dot-directory', line('/%2egit/config'), [404]],
  ['a very long path (10 000 characters)', line(`/${'a'.repeat(10_000)}`), [404, 414]],
  ['a path longer than the header limit', line(`/${'a'.repeat(20_000)}`), [431, 400]],
  ['a lone %', line('/%'), [400]],
  ['invalid percent-encoding', line('/%zz'), [400]],
  ['invalid UTF-8 after decoding', line('/%c3%28'), [400]],
  ['a protocol-relative path', line('//etc/passwd'), [404]],
  ['an absolute-form URL', line('http://evil.example/../../etc/passwd'), [404]],
  ['an absolute-form URL that does not parse', line('http://['), [400]],
  ['POST with a body', 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello', [405]],
  ['PUT', line('/index.html', 'PUT'), [405]],
  ['DELETE', line('/index.html', 'DELETE'), [405]],
  ['OPTIONS *', line('*', 'OPTIONS'), [405]],
  ['CONNECT', 'CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: 127.0.0.1:22\r\n\r\n', [405]],
  ['a WebSocket upgrade', 'GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n', [200, 400, 405]],
  ['a garbage method', line('/', 'GARBAGE'), [400]],
  ['a request line without a version', 'GET /\r\n\r\n', [200, 400]],
  ['an unknown HTTP version', 'GET / HTTP/9.9\r\nHost: x\r\n\r\n', [400, 505]],
  ['headers and no request line', 'Host: x\r\nAccept: */*\r\n\r\n', [400]],
  ['only blank lines', '\r\n\r\n\r\n\r\n', [0, 400]],
  ['binary junk', Buffer.from([0xff, 0xfe, 0x00, 0x01, 0x0d, 0x0a, 0x0d, 0x0a]), [400]],
  ['a header line without a colon', 'GET / HTTP/1.1\r\nHost: x\r\nthis is not a header\r\n\r\n', [400]],
  ['two Content-Lengths', 'GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab', [400]],
  ['a bad chunked body', 'GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', [200, 400]],
  ['a request cut off mid-line', 'GET /index.ht', [0]],
];

test('the server answers ~50 odd requests without dying, and GET / still works after each', async () => {
  const wrong = [];
  for (const [what, bytes, allowed] of CASES) {
    const got = await raw(bytes);
    const problems = [];
    if (!allowed.includes(got.status)) problems.push(`got ${got.status || 'no answer'}, expected ${allowed.join(' or ')}`);
    if (got.status && got.headers['content-security-policy'] !== CSP) problems.push('no CSP header');
    if (got.status && got.headers['x-content-type-options'] !== 'nosniff') problems.push('no nosniff');
    if (got.status === 405 && got.headers.allow !== 'GET, HEAD') problems.push('405 without Allow: GET, HEAD');
    // Nothing from outside the site leaks, whatever the status.
    if (/root:x:0|\[workspace\]|"playwright-core"|startServer/.test(got.raw)) problems.push('leaked a file');
    const alive = await get('/').catch((e) => ({ status: e.message }));
    if (alive.status !== 200) problems.push(`then GET / answered ${alive.status}`);
    if (problems.length) wrong.push(`${what}: ${problems.join('; ')}`);
  }
  assert.deepEqual(wrong, []);
});

test('every page type carries the CSP header and nosniff; every HTML page repeats the policy in a <meta>', async () => {
  for (const p of ['/', '/index.html', '/lecture.html', '/embed.html', '/embed.html?widget=tokenizer-view', '/bench.html',
    '/widgets/bert-fill-mask.js', '/worker.js', '/embed.js', '/lib/client.js', '/widgets/index.js', '/widgets/widgets.css', '/style.css',
    '/hub/o/bert-relu/resolve/main/config.json', '/no-such-file', '/%00']) {
    for (const method of ['GET', 'HEAD']) {
      const r = await get(p, method);
      assert.equal(r.headers['content-security-policy'], CSP, `${method} ${p} (${r.status})`);
      assert.equal(r.headers['x-content-type-options'], 'nosniff', `${method} ${p}`);
    }
  }
  assert.match(CSP, /script-src 'self' 'wasm-unsafe-eval'(;|$)/);
  assert.doesNotMatch(CSP, /unsafe-inline|unsafe-eval'(?<!wasm-unsafe-eval')/);
  const pages = fs.readdirSync(path.join(repo, 'www')).filter((f) => f.endsWith('.html'));
  assert.ok(pages.length >= 4);
  for (const page of pages) {
    const html = fs.readFileSync(path.join(repo, 'www', page), 'utf8');
    const meta = html.match(/<meta http-equiv="Content-Security-Policy" content="([^"]+)">/);
    assert.ok(meta, `${page} has a CSP <meta>`);
    assert.equal(meta[1], CSP, `${page}: the <meta> policy equals the header`);
    const first = html.search(/<script|<link rel="stylesheet"/);
    assert.ok(first < 0 || html.indexOf(meta[0]) < first, `${page}: the <meta> comes before any script or style sheet`);
    // No inline script and no event-handler attributes (the policy would refuse them anyway).
    assert.doesNotMatch(html, /<script(?![^>]*\ssrc=)[^>]*>/, `${page}: inline <script>`);
    assert.doesNotMatch(html, /<[a-z][^>]*\son[a-z]+\s*=/i, `${page}: on* attribute`);
    assert.doesNotMatch(html, /<style|\sstyle=/, `${page}: inline style`);
  }
});

test('the misbehaving test routes exist only with {testRoutes: true}', async () => {
  for (const p of ['/_test/stall/config.json', '/_test/html/config.json', '/_test/slow/10/index.html']) {
    assert.equal((await get(p)).status, 404, `demo server: ${p}`);
  }
  const { server: testing, url } = await startServer({ port: 0, quiet: true, testRoutes: true });
  try {
    const slow = await fetch(new URL('_test/slow/200/index.html', url));
    assert.equal(slow.status, 200);
    const html = await fetch(new URL('_test/html/config.json', url));
    assert.match(html.headers.get('content-type'), /text\/html/);
    const stall = await fetch(new URL('_test/stall/config.json', url));
    assert.equal(stall.status, 200);
    const reader = stall.body.getReader();
    await reader.read(); // the first bytes arrive …
    const next = await Promise.race([reader.read().then(() => 'data'), new Promise((ok) => setTimeout(() => ok('silence'), 500))]);
    assert.equal(next, 'silence'); // … then nothing
    reader.cancel().catch(() => {});
  } finally {
    await new Promise((ok) => testing.close(ok));
  }
});

test('the peers routes and cross-origin isolation exist only with {peers} (tools/bench-peers.mjs)', async () => {
  for (const p of ['/peers/package.json', '/peers/_bench/w.js']) assert.equal((await get(p)).status, 404, `demo server: ${p}`);
  const plain = await get('/bench.html');
  assert.equal(plain.headers['cross-origin-opener-policy'], undefined);
  assert.equal(plain.headers['cross-origin-embedder-policy'], undefined);
  const { server: bench, url } = await startServer({ port: 0, quiet: true, peers: { scripts: { 'w.js': 'self.x = 1;\n' } } });
  try {
    for (const p of ['bench.html', 'worker.js', 'peers/_bench/w.js', 'peers/package.json']) {
      const r = await fetch(new URL(p, url));
      assert.equal(r.status, 200, p);
      assert.equal(r.headers.get('cross-origin-opener-policy'), 'same-origin', p);
      assert.equal(r.headers.get('cross-origin-embedder-policy'), 'require-corp', p);
      assert.equal(r.headers.get('content-security-policy'), CSP, p); // the site's policy, unchanged
      if (p === 'peers/_bench/w.js') {
        assert.equal(await r.text(), 'self.x = 1;\n');
        assert.match(r.headers.get('content-type'), /^text\/javascript/);
      } else await r.arrayBuffer();
    }
    // Nothing else under /peers/_bench/, nothing outside tools/peers/, no dotfiles.
    for (const [p, status] of [['peers/_bench/other.js', 404], ['peers/..%2f..%2fCargo.toml', 400], ['peers/%2e%2e/%2e%2e/Cargo.toml', 404], ['peers/.gitignore', 404]]) {
      const r = await fetch(new URL(p, url));
      await r.arrayBuffer();
      assert.equal(r.status, status, p);
    }
  } finally {
    await new Promise((ok) => bench.close(ok));
  }
});
