// Measures this machine's WebAssembly SIMD ceiling in the calling process, right before the
// measurement it is compared with (clock speeds on shared machines drift).
import { existsSync, readFileSync } from 'node:fs';

let peak: ((n: number, x: number) => number) | undefined;

/** GFLOP/s of register-only f32x4 multiply-adds: the best of five runs of about 50 ms. */
export function measureCeiling(): number {
  if (!peak) {
    // Built from bench/assembly/asconfig.json alone: a module of its own that imports nothing.
    const file = new URL('../../build/ceiling.wasm', import.meta.url);
    if (!existsSync(file)) throw new Error('build/ceiling.wasm is missing: `npm run bench` builds it');
    const instance = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(file)), {});
    peak = instance.exports.peak as (n: number, x: number) => number;
    for (let i = 0; i < 20; i++) peak(100_000, 0.5); // past V8's baseline tier
  }
  const n = 2_000_000;
  let best = 0;
  for (let run = 0; run < 5; run++) {
    const start = performance.now();
    peak(n, 0.5);
    best = Math.max(best, (n * 96) / ((performance.now() - start) / 1000) / 1e9);
  }
  return best;
}
