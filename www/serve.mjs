// A small static server for the demo and the browser tests (node's http, no dependencies).
//
//   node www/serve.mjs [--port 8080] [--host 127.0.0.1]
//
// Routes (all GET, read-only, never outside the repository):
//   /                         → www/ (the page, worker, widgets)
//   /pkg/...                  → pkg/ (wasm-bindgen output)
//   /models/...               → models/ (default models prepared by tools/setup.sh)
//   /hub/<org>/<name>/resolve/main/<file> → fixtures/<name>/<file>: a local stand-in for a
//                               Hugging Face repository URL, so "load from URL prefix" is
//                               tested exactly as a user would use it with the real hub.
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
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

function resolve(urlPath) {
  const hub = urlPath.match(/^\/hub\/[^/]+\/([^/]+)\/resolve\/[^/]+\/(.+)$/);
  if (hub) return { base: path.join(root, 'fixtures'), rel: `${hub[1]}/${hub[2]}` };
  // TLAB_PKG lets the benchmark serve another build of the wasm (backend comparisons).
  const dirs = { pkg: path.resolve(root, process.env.TLAB_PKG ?? 'pkg'), models: path.join(root, 'models') };
  for (const [dir, base] of Object.entries(dirs)) {
    if (urlPath.startsWith(`/${dir}/`)) return { base, rel: urlPath.slice(dir.length + 2) };
  }
  return { base: path.join(root, 'www'), rel: urlPath.slice(1) || 'index.html' };
}

export function startServer({ port = 8080, host = '127.0.0.1', quiet = false } = {}) {
  const server = http.createServer((req, res) => {
    let urlPath;
    try {
      urlPath = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    } catch {
      res.writeHead(400).end('bad path');
      return;
    }
    const { base, rel } = resolve(urlPath);
    let file = path.resolve(base, rel);
    if (!file.startsWith(base + path.sep) && file !== base) {
      res.writeHead(403).end('forbidden');
      return;
    }
    if (fs.existsSync(file) && fs.statSync(file).isDirectory()) file = path.join(file, 'index.html');
    fs.stat(file, (err, stat) => {
      if (err || !stat.isFile()) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: ${urlPath}`);
        return;
      }
      res.writeHead(200, {
        'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream',
        'content-length': stat.size,
        'access-control-allow-origin': '*',
        'cache-control': 'no-cache',
      });
      if (req.method === 'HEAD') res.end();
      else fs.createReadStream(file).pipe(res);
    });
  });
  return new Promise((ok) => {
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
  startServer({ port: Number(arg('--port', 8080)), host: arg('--host', '127.0.0.1') });
}
