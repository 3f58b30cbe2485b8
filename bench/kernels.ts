// Kernel-level benchmark, in a process of its own: the three products of backpropagation
// (X·Wᵀ forward, δ·W input gradient, δᵀ·X weight gradient) and sigmoid, at three sizes, as the
// wasm SIMD kernel, the FMA build's (when this Node runs relaxed SIMD: run.ts starts it with
// --experimental-wasm-relaxed-simd), its naive wasm twin and the pure-TS kernel. Each fast result
// is checked against the naive one before anything is timed. Prints one JSON line.
import { readFileSync } from 'node:fs';
import { Bench } from 'tinybench';
import * as js from '../src/js/matmul.js';
import { sigmoidForward as jsSigmoid } from '../src/js/activation.js';
import { fmaAvailable } from '../src/wasm/module.js';
import { measureCeiling } from './ceiling.js';

export interface KernelRow {
  kernel: string;
  shape: string;
  impl: 'wasm' | 'wasm-fma' | 'wasm-naive' | 'js';
  median: number;
  /** GFLOP/s for products (2·B·C·OC per call); elements/s for sigmoid. */
  rate: number;
}

const SHAPES: [number, number, number][] = [
  [64, 784, 128],
  [64, 128, 64],
  [256, 784, 256],
];

const bytes = readFileSync(new URL('../../build/release.wasm', import.meta.url));
const memory = new WebAssembly.Memory({ initial: 1024, maximum: 1024 });
const core = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory, abort: () => {} } })
  .exports as Record<string, (...a: number[]) => void>;
const wasmF32 = new Float32Array(memory.buffer);
const jsF32 = new Float32Array(wasmF32.length);
/** The FMA build in a memory of its own (its static data differs), holding the same values; none where relaxed SIMD is off. */
const fmaMemory = new WebAssembly.Memory({ initial: 1024, maximum: 1024 });
const fmaBytes = readFileSync(new URL('../../build/fma.wasm', import.meta.url));
const fused = fmaAvailable()
  ? (new WebAssembly.Instance(new WebAssembly.Module(fmaBytes), { env: { memory: fmaMemory, abort: () => {} } })
      .exports as Record<string, (...a: number[]) => void>)
  : undefined;
const fmaF32 = new Float32Array(fmaMemory.buffer);
const dataEnd = (c: Record<string, unknown>): number => (c.dataEnd as () => number)();
const heap = Math.ceil(Math.max(dataEnd(core), fused ? dataEnd(fused) : 0) / 16) * 16;

async function time(run: () => void): Promise<number> {
  const bench = new Bench({ time: 600, iterations: 10, warmupTime: 0, warmupIterations: 20 });
  bench.add('k', run);
  await bench.run();
  const r = bench.tasks[0].result;
  if (!('latency' in r)) throw new Error('kernel benchmark failed');
  return r.latency.p50;
}

function check(name: string, fast: Float32Array, naive: Float32Array, scale: number): void {
  for (let i = 0; i < fast.length; i++) {
    if (Math.abs(fast[i] - naive[i]) > 1e-5 * scale)
      throw new Error(`${name}: fast and naive differ at ${i}: ${fast[i]} vs ${naive[i]}`);
  }
}

const rows: KernelRow[] = [];
let seed = 7;
for (let i = heap >> 2; i < wasmF32.length; i++) {
  seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
  wasmF32[i] = seed / 4294967296 - 0.5;
}
jsF32.set(wasmF32);
fmaF32.set(wasmF32.subarray(heap >> 2), heap >> 2);

// Byte offsets of the regions, the same in the wasm memory and the js arena; no two shapes share one.
let at = heap;
for (const [B, C, OC] of SHAPES) {
  const shape = `${B}×${C}×${OC}`;
  const flops = 2 * B * C * OC;
  const take = (n: number): number => {
    const p = at;
    at += Math.ceil(n / 4) * 16;
    return p;
  };
  const x = take(B * C),
    w = take(OC * C),
    b = take(OC),
    dout = take(B * OC);
  const out = [take(B * OC), take(B * OC)],
    dinp = [take(B * C), take(B * C)],
    dw = [take(OC * C), take(OC * C)],
    db = [take(OC), take(OC)];
  const forms: [string, number, number, () => void, () => void, () => void, () => void][] = [
    [
      'X·Wᵀ (forward)',
      out[0],
      B * OC,
      () => core.matmulForward(out[0], x, w, b, B, C, OC),
      () => fused?.matmulForward(out[0], x, w, b, B, C, OC),
      () => core.matmulForwardNaive(out[1], x, w, b, B, C, OC),
      () => js.matmulForward(jsF32, out[0] >> 2, x >> 2, w >> 2, b >> 2, B, C, OC),
    ],
    [
      'δ·W (input gradient)',
      dinp[0],
      B * C,
      () => core.matmulBackwardInput(dinp[0], dout, w, B, C, OC),
      () => fused?.matmulBackwardInput(dinp[0], dout, w, B, C, OC),
      () => core.matmulBackwardInputNaive(dinp[1], dout, w, B, C, OC),
      () => js.matmulBackwardInput(jsF32, dinp[0] >> 2, dout >> 2, w >> 2, B, C, OC),
    ],
    [
      'δᵀ·X (weight gradient)',
      dw[0],
      OC * C,
      () => core.matmulBackwardWeight(dw[0], db[0], dout, x, B, C, OC, 0, OC),
      () => fused?.matmulBackwardWeight(dw[0], db[0], dout, x, B, C, OC, 0, OC),
      () => core.matmulBackwardWeightNaive(dw[1], db[1], dout, x, B, C, OC),
      () => js.matmulBackwardWeight(jsF32, dw[0] >> 2, db[0] >> 2, dout >> 2, x >> 2, B, C, OC, 0, OC),
    ],
  ];
  for (const [kernel, result, n, fast, fma, naive, pure] of forms) {
    fast();
    fma();
    naive();
    pure();
    const naiveAt = result === out[0] ? out[1] : result === dinp[0] ? dinp[1] : dw[1];
    check(
      `${kernel} ${shape} wasm`,
      wasmF32.slice(result >> 2, (result >> 2) + n),
      wasmF32.slice(naiveAt >> 2, (naiveAt >> 2) + n),
      Math.max(B, C, OC),
    );
    if (fused)
      check(
        `${kernel} ${shape} wasm-fma`,
        fmaF32.slice(result >> 2, (result >> 2) + n),
        wasmF32.slice(naiveAt >> 2, (naiveAt >> 2) + n),
        Math.max(B, C, OC),
      );
    check(
      `${kernel} ${shape} js`,
      jsF32.slice(result >> 2, (result >> 2) + n),
      wasmF32.slice(naiveAt >> 2, (naiveAt >> 2) + n),
      Math.max(B, C, OC),
    );
    for (const [impl, run] of [
      ['wasm', fast],
      ...(fused ? [['wasm-fma', fma] as const] : []),
      ['wasm-naive', naive],
      ['js', pure],
    ] as const) {
      const median = await time(run);
      rows.push({ kernel, shape, impl, median, rate: flops / (median / 1000) / 1e9 });
    }
  }
  const N = B * OC;
  core.sigmoidForward(out[0], x, N);
  jsSigmoid(jsF32, out[0] >> 2, x >> 2, N);
  check(`sigmoid ${N}`, wasmF32.slice(out[0] >> 2, (out[0] >> 2) + N), jsF32.slice(out[0] >> 2, (out[0] >> 2) + N), 1);
  for (const [impl, run] of [
    ['wasm', () => core.sigmoidForward(out[0], x, N)],
    ['js', () => jsSigmoid(jsF32, out[0] >> 2, x >> 2, N)],
  ] as const) {
    const median = await time(run);
    rows.push({ kernel: 'sigmoid', shape: `${N} elements`, impl, median, rate: N / (median / 1000) });
  }
}
console.log(JSON.stringify({ ceiling: measureCeiling(), rows }));
