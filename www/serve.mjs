// A small static server for the demo and the browser tests (node's http, no dependencies).
//
//   node www/serve.mjs [--port 8080] [--host 127.0.0.1] [--gzip]
//
// Routes (GET and HEAD only, read-only, never outside the repository):
//   /                         → www/ (the page, worker, widgets; not www/node_modules, www/e2e
//                               or any dotfile)
//   /pkg/...                  → pkg/ (wasm-bindgen output)
//   /models/...               → models/ (default models prepared by tools/setup.sh)
//   /hub/<org>/<name>/resolve/main/<file> → fixtures/<name>/<file>: a local stand-in for a
//                               Hugging Face repository URL, so "load from URL prefix" is
//                               tested exactly as a user would use it with the real hub.
//
// It must survive any request line: every error path answers (400, 403, 404, 405, 500)
// and nothing a client sends can throw out of the handler. Every response carries the
// security headers below, so the pages run under a Content-Security-Policy that forbids
// inline script and event-handler attributes (embed.html copies query parameters onto an
// element; the policy is the second line of defence behind its allow-list).
//
// startServer({testRoutes: true}) (the browser tests only, never the demo command above)
// adds routes that misbehave on purpose:
//   /_test/stall/<anything>   → 200 headers and a few bytes, then nothing, never ending
//   /_test/slow/<ms>/<path>   → <path> as above, answered after <ms> milliseconds (≤ 30 s)
//   /_test/html/<anything>    → an HTML page, as a misconfigured host sends for any file
//
// startServer({peers: true}) (tools/bench-peers.mjs only, never the demo command above) adds
//   /peers/...                → tools/peers/ (the peer engines' npm packages and model files
//                               that tools/peers/setup.sh installs; read-only as above)
// and sends every response cross-origin isolated (COOP same-origin, COEP require-corp), which
// onnxruntime-web needs for threads (SharedArrayBuffer). peers: {scripts: {'name.js': text}}
// also answers /peers/_bench/name.js with that text (the benchmark's own workers, written in
// its script). The Content-Security-Policy stays the site's: the peers need nothing more.
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.md': 'text/markdown; charset=utf-8',
};

/**
 * The pages' Content-Security-Policy, sent as a header with every response and repeated in
 * a <meta http-equiv> in every HTML page (static hosts that send no headers; a test checks
 * that they are equal). Why each part:
 *   script-src  'self' only: no inline script, no on* attributes, no eval;
 *               'wasm-unsafe-eval' lets the worker compile the wasm.
 *   worker-src  the model worker is www/worker.js.
 *   connect-src models load from this site, https://huggingface.co or any https URL prefix
 *               a user types (and a model server on the user's own machine).
 *   img-src     data: for the inline favicons.
 *   style-src   'self' only: style sheets are files; widgets set styles through CSSOM.
 * frame-ancestors is deliberately absent: embed.html exists to be framed by other sites.
 */
export const CSP = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self'",
  "connect-src 'self' https: http://localhost:* http://127.0.0.1:*",
  "img-src 'self' data:",
  "style-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

export const SECURITY_HEADERS = {
  'content-security-policy': CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

// startServer({gzip: true}) (tools/bench-lecture-load.mjs --gzip; off by default) sends these
// gzip-compressed to a browser that accepts it, as static hosts do; model weights
// (.safetensors, .bin) go as they are. Each file is compressed once (until it changes).
const COMPRESSIBLE = new Set(['.html', '.js', '.mjs', '.css', '.json', '.wasm', '.svg', '.md']);
const compressed = new Map(); // file → {mtimeMs, size, bytes}

// Under www/, these are the tests and their tools, not part of the site.
const PRIVATE_WWW = new Set(['node_modules', 'e2e']);

/** A plain-text answer with the security headers; never throws (the socket may be gone). */
function answer(res, status, text, extra = {}) {
  try {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': 'text/plain; charset=utf-8', ...extra });
    res.end(`${text}\n`);
  } catch {
    res.destroy();
  }
}

/** The decoded path of a request URL, or an error status with words. */
function parsePath(rawUrl) {
  let urlPath;
  try {
    // Absolute-form request targets (GET http://host/x) name the same path as /x.
    urlPath = decodeURIComponent(new URL(rawUrl, 'http://x').pathname);
  } catch {
    return { status: 400, text: 'bad path: invalid percent-encoding' };
  }
  // NUL makes fs throw synchronously; no real file name holds control characters either.
  if (/[\u0000-\u001f\u007f]/.test(urlPath)) return { status: 400, text: 'bad path: control characters' };
  if (urlPath.includes('\\')) return { status: 400, text: 'bad path: backslash' };
  const segments = urlPath.split('/');
  // new URL() has resolved literal and %2e dot segments; these came from %2f or double encoding.
  if (segments.some((s) => s === '..' || s === '.')) return { status: 400, text: 'bad path: dot segment' };
  if (urlPath.length > 2048) return { status: 414, text: 'path too long' };
  return { urlPath, segments };
}

function resolve(urlPath, segments, peers) {
  if (peers && urlPath.startsWith('/peers/')) return { base: path.join(root, 'tools', 'peers'), rel: urlPath.slice('/peers/'.length) };
  const hub = urlPath.match(/^\/hub\/[^/]+\/([^/]+)\/resolve\/[^/]+\/(.+)$/);
  if (hub) return { base: path.join(root, 'fixtures'), rel: `${hub[1]}/${hub[2]}` };
  // TLAB_PKG lets the benchmark serve another build of the wasm (backend comparisons).
  const dirs = { pkg: path.resolve(root, process.env.TLAB_PKG ?? 'pkg'), models: path.join(root, 'models') };
  for (const [dir, base] of Object.entries(dirs)) {
    if (urlPath.startsWith(`/${dir}/`)) return { base, rel: urlPath.slice(dir.length + 2) };
  }
  if (PRIVATE_WWW.has(segments[1])) return null;
  return { base: path.join(root, 'www'), rel: urlPath.slice(1) || 'index.html' };
}

async function serveFile(req, res, urlPath, segments) {
  // Dotfiles and dot-directories (.git, .env, …) are never served, wherever they are.
  if (segments.some((s) => s.startsWith('.'))) return answer(res, 404, `not found: ${urlPath}`);
  const where = resolve(urlPath, segments, req.tlabPeers);
  if (!where) return answer(res, 404, `not found: ${urlPath}`);
  const { base, rel } = where;
  let file = path.resolve(base, rel);
  if (!file.startsWith(base + path.sep) && file !== base) return answer(res, 403, 'forbidden');
  let stat = await fs.promises.stat(file).catch(() => null);
  if (stat?.isDirectory()) {
    file = path.join(file, 'index.html');
    stat = await fs.promises.stat(file).catch(() => null);
  }
  if (!stat?.isFile()) return answer(res, 404, `not found: ${urlPath}`);
  if (req.tlabGzip && COMPRESSIBLE.has(path.extname(file)) && /\bgzip\b/.test(req.headers['accept-encoding'] ?? '')) {
    let c = compressed.get(file);
    if (!c || c.mtimeMs !== stat.mtimeMs || c.size !== stat.size) {
      c = { mtimeMs: stat.mtimeMs, size: stat.size, bytes: zlib.gzipSync(await fs.promises.readFile(file)) };
      compressed.set(file, c);
    }
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      ...req.tlabHeaders,
      'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream',
      'content-encoding': 'gzip',
      'content-length': c.bytes.length,
      vary: 'accept-encoding',
      'access-control-allow-origin': '*',
      'cache-control': 'no-cache',
    });
    res.end(req.method === 'HEAD' ? undefined : c.bytes);
    return;
  }
  res.writeHead(200, {
    ...SECURITY_HEADERS,
    ...req.tlabHeaders,
    'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream',
    'content-length': stat.size,
    'access-control-allow-origin': '*',
    'cache-control': 'no-cache',
  });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  const stream = fs.createReadStream(file);
  stream.on('error', () => res.destroy());
  stream.pipe(res);
}

// What startServer({peers}) adds to every file it serves: a cross-origin isolated page (and
// its workers) may use SharedArrayBuffer, so onnxruntime-web can run threads.
const ISOLATED = { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' };

/** startServer({peers: {scripts}}): the benchmark's own script at /peers/_bench/<name> (a
 * name of `scripts`, nothing else); true when one answered. */
function benchScript(req, res, segments, scripts) {
  if (segments.length !== 4 || segments[1] !== 'peers' || segments[2] !== '_bench') return false;
  if (!Object.hasOwn(scripts, segments[3])) return false;
  const body = Buffer.from(String(scripts[segments[3]]));
  res.writeHead(200, {
    ...SECURITY_HEADERS,
    ...ISOLATED,
    'content-type': TYPES[path.extname(segments[3])] ?? 'text/javascript; charset=utf-8',
    'content-length': body.length,
    'cache-control': 'no-cache',
  });
  res.end(req.method === 'HEAD' ? undefined : body);
  return true;
}

/** The misbehaving routes of startServer({testRoutes: true}); true when one answered. */
function testRoute(req, res, urlPath, segments, hanging) {
  if (segments[1] !== '_test') return false;
  const kind = segments[2];
  if (kind === 'stall') {
    // Headers and the start of a body, then silence: a server that hangs mid-download.
    res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': 'application/json', 'content-length': 100000 });
    res.write('{"stalled": ');
    hanging.add(res);
    res.on('close', () => hanging.delete(res));
    return true;
  }
  if (kind === 'html') {
    answer(res, 200, '<!doctype html><title>Welcome</title><p>This is a web page, not a model file.</p>', {
      'content-type': 'text/html; charset=utf-8',
    });
    return true;
  }
  if (kind === 'slow') {
    const ms = Math.min(Number(segments[3]) || 0, 30_000);
    const rest = `/${segments.slice(4).join('/')}`;
    const timer = setTimeout(() => handle(req, res, rest, rest.split('/')), ms);
    res.on('close', () => clearTimeout(timer));
    return true;
  }
  return false;
}

function handle(req, res, urlPath, segments) {
  serveFile(req, res, urlPath, segments).catch(() => answer(res, 500, 'internal error'));
}

export function startServer({ port = 8080, host = '127.0.0.1', quiet = false, testRoutes = false, gzip = false, peers = false } = {}) {
  const hanging = new Set(); // responses of /_test/stall, destroyed when the server closes
  const server = http.createServer((req, res) => {
    try {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        answer(res, 405, `method ${req.method} not allowed: this server only reads`, { allow: 'GET, HEAD', connection: 'close' });
        return;
      }
      const parsed = parsePath(req.url);
      if (parsed.status) {
        answer(res, parsed.status, parsed.text);
        return;
      }
      req.tlabGzip = gzip;
      if (peers) {
        req.tlabPeers = true;
        req.tlabHeaders = ISOLATED;
        if (peers.scripts && benchScript(req, res, parsed.segments, peers.scripts)) return;
      }
      if (testRoutes && testRoute(req, res, parsed.urlPath, parsed.segments, hanging)) return;
      handle(req, res, parsed.urlPath, parsed.segments);
    } catch {
      answer(res, 500, 'internal error');
    }
  });
  // Requests node's parser refuses (bad method, bad request line, headers too large) get an
  // answer with the same headers instead of node's bare one; the server itself lives on.
  const refuse = (socket, status) => {
    if (!socket.writable) {
      socket.destroy();
      return;
    }
    const headers = Object.entries(SECURITY_HEADERS).map(([k, v]) => `${k}: ${v}\r\n`).join('');
    const allow = status.startsWith('405') ? 'allow: GET, HEAD\r\n' : '';
    const body = status.startsWith('405') ? 'not allowed\n' : 'bad request\n';
    socket.end(`HTTP/1.1 ${status}\r\n${headers}${allow}content-type: text/plain\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n${body}`);
  };
  server.on('clientError', (err, socket) => {
    if (err.code === 'ECONNRESET') socket.destroy();
    else refuse(socket, err.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request');
  });
  // CONNECT and Upgrade bypass the request handler; without these, node drops the socket.
  server.on('connect', (req, socket) => refuse(socket, '405 Method Not Allowed'));
  server.on('upgrade', (req, socket) => refuse(socket, '400 Bad Request'));
  // close() waits for open connections; a stalled test download would hold it forever.
  const close = server.close.bind(server);
  server.close = (callback) => {
    for (const res of hanging) res.destroy();
    return close(callback);
  };
  return new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(port, host, () => {
      const { port: bound } = server.address();
      if (!quiet) console.log(`tlab demo: http://${host}:${bound}/`);
      ok({ server, url: `http://${host}:${bound}/` });
    });
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const arg = (name, fallback) => {
    const i = process.argv.indexOf(name);
    return i > 0 ? process.argv[i + 1] : fallback;
  };
  startServer({ port: Number(arg('--port', 8080)), host: arg('--host', '127.0.0.1'), gzip: process.argv.includes('--gzip') });
}
