// A small static file server for the demo and the browser tests: serves the project root on
// 127.0.0.1, with an optional Content-Security-Policy. `node scripts/serve.mjs [port]` runs it.
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.csv': 'text/csv; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.wasm': 'application/wasm',
  '.map': 'application/json',
};

export const ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * Serves `root` on 127.0.0.1:`port` (0: any free port). `csp` sets a Content-Security-Policy on
 * HTML pages whose path contains `/csp/`. Pages are cross-origin isolated (COOP same-origin, COEP
 * require-corp: shared memory, so threads) when `isolated`, or when their path contains `/isolated/`;
 * every other file says it may be embedded by a page of this origin (CORP same-origin) and carries
 * COEP itself, as a worker's script must. Resolves with the server and its base URL.
 */
export function serve({ root = ROOT, port = 0, csp, isolated = false } = {}) {
  const server = createServer((request, response) => {
    const path = decodeURIComponent(new URL(request.url ?? '/', 'http://localhost').pathname);
    let file = normalize(join(root, path));
    if (!file.startsWith(normalize(root))) {
      response.writeHead(403).end();
      return;
    }
    if (existsSync(file) && statSync(file).isDirectory()) file = join(file, 'index.html');
    if (!existsSync(file)) {
      response.writeHead(404).end(`not found: ${path}`);
      return;
    }
    const headers = { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' };
    if (csp && path.includes('/csp/') && extname(file) === '.html') headers['content-security-policy'] = csp;
    if (extname(file) !== '.html' || isolated || path.includes('/isolated/')) {
      headers['cross-origin-embedder-policy'] = 'require-corp';
      headers['cross-origin-resource-policy'] = 'same-origin';
      if (extname(file) === '.html') headers['cross-origin-opener-policy'] = 'same-origin';
    }
    response.writeHead(200, headers);
    createReadStream(file).pipe(response);
  });
  return new Promise((resolve) => {
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      resolve({ server, url: `http://127.0.0.1:${address.port}` });
    });
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  // Cross-origin isolated, so that the playground can run threads.
  const { url } = await serve({ port: Number(process.argv[2] ?? 8080), isolated: true });
  console.log(`serving ${ROOT} at ${url}/  (the demo: ${url}/examples/playground/; cross-origin isolated)`);
}
