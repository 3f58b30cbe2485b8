// Shared test helpers: the engines every behavioural suite runs against, seeded test data,
// and comparisons.
import type { EngineName } from '../src/index.js';

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

export const XOR_X = [[0, 0], [0, 1], [1, 0], [1, 1]];
export const XOR_Y = [[0], [1], [1], [0]];

/** Largest |a − b| over nested arrays of the same shape. */
export function maxAbsDiff(a: unknown, b: unknown): number {
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return Infinity;
    return a.reduce((m: number, v, i) => Math.max(m, maxAbsDiff(v, b[i])), 0);
  }
  return Math.abs((a as number) - (b as number));
}
