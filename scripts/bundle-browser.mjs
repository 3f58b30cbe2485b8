// Bundles the compiled library (dist/src) for browsers into dist/browser/: backprop-wasm.js, the
// training worker worker.js beside it, and their shared chunk, with @assemblyscript/loader inlined.
// A page can then import it from any static server with a relative path, with no import map and
// no bundler; a module Web Worker, which page import maps do not reach, finds every import too.
import { build } from 'rolldown';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
await build({
  cwd: root,
  input: { 'backprop-wasm': 'dist/src/index.js', worker: 'dist/src/worker.js' },
  platform: 'browser',
  logLevel: 'warn',
  output: {
    dir: 'dist/browser',
    // Emptied first: the build no longer deletes dist/, and a chunk of an older bundle would stay.
    cleanDir: true,
    format: 'es',
    entryFileNames: '[name].js',
    // Beside the entries: the library finds its worker as new URL('./worker.js', import.meta.url).
    chunkFileNames: 'shared-[hash].js',
    sourcemap: true,
  },
});
