// Measures this machine's WebAssembly SIMD ceiling in the calling process, right before the
// measurement it is compared with (clock speeds on shared machines drift).
import { readFileSync } from 'node:fs';

let peak: ((n: number, x: number) => number) | undefined;

/** GFLOP/s of register-only f32x4 multiply-adds: the best of five runs of about 50 ms. */
export function measureCeiling(): number {
  if (!peak) {
    const bytes = readFileSync(new URL('../../build/ceiling.wasm', import.meta.url));
    // Built with the project's asconfig.json options, so it imports its (unused) memory like the core.
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 1 });
    const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory, abort: () => {} } });
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
