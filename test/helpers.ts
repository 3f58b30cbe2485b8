// Shared test helpers: the engines every behavioural suite runs against, seeded test data,
// and comparisons.
import { expect } from 'vitest';
import type { EngineName, NeuralNetwork } from '../src/index.js';
import type { WasmEngine } from '../src/wasm/engine.js';

/** Every behavioural suite runs once per engine. */
export const ENGINES: EngineName[] = ['wasm', 'js'];

/** A small deterministic generator for test data, independent of the library's own. */
export function testRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

export function randomMatrix(rows: number, cols: number, seed: number, scale = 1): number[][] {
  const r = testRandom(seed);
  return Array.from({ length: rows }, () => Array.from({ length: cols }, () => (r() * 2 - 1) * scale));
}

export const XOR_X = [
  [0, 0],
  [0, 1],
  [1, 0],
  [1, 1],
];
export const XOR_Y = [[0], [1], [1], [0]];

/** Largest |a − b| over nested arrays of the same shape. */
export function maxAbsDiff(a: unknown, b: unknown): number {
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return Infinity;
    return a.reduce((m: number, v, i) => Math.max(m, maxAbsDiff(v, b[i])), 0);
  }
  return Math.abs((a as number) - (b as number));
}

/**
 * Asserts `error(i) ≤ bound(i)` for every i in [0, n) with a single expect. A sweep of tens of
 * thousands of elements spent most of its time in expect itself when it called it per element; this
 * loop finds the element with the largest excess over its bound (a NaN error counts as the largest)
 * and asserts that one, which fails exactly when some element fails, naming it by `label(i)`.
 */
export function expectEachWithin(
  n: number,
  error: (i: number) => number,
  bound: (i: number) => number,
  label: (i: number) => string,
): void {
  let worst = -1,
    worstExcess = -Infinity,
    over = 0;
  for (let i = 0; i < n; i++) {
    const e = error(i),
      b = bound(i);
    // e − b is exactly signed for doubles (gradual underflow), so excess > 0 exactly when e > b.
    const excess = Number.isNaN(e) ? Infinity : e - b;
    if (!(e <= b)) over++;
    if (excess > worstExcess) {
      worst = i;
      worstExcess = excess;
    }
  }
  if (n === 0) return;
  const e = error(worst),
    b = bound(worst);
  expect(e, `${label(worst)}: error ${e} vs bound ${b} (worst of ${n}; ${over} over their bound)`).toBeLessThanOrEqual(
    b,
  );
}

/** The engine behind a network (tests only: the facade keeps it private). */
export function backendOf(net: NeuralNetwork): WasmEngine {
  return (net as unknown as { backend: WasmEngine }).backend;
}

/** Resolves once every worker of the network's team waits for jobs (they join as they start). */
export async function teamReady(net: NeuralNetwork): Promise<void> {
  const engine = backendOf(net);
  for (let waited = 0; engine.readyWorkers < engine.threads - 1; waited += 5) {
    if (waited > 10_000)
      throw new Error(`the team's workers did not start: ${engine.readyWorkers} of ${engine.threads - 1}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
