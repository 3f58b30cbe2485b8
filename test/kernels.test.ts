// Each fast kernel against its naive twin, on shapes that hit every unrolled path and tail.
import { describe, expect, it } from 'vitest';
import * as js from '../src/js/matmul.js';
import { expectEachWithin, testRandom } from './helpers.js';

const SIZES = [1, 3, 5, 7, 33];

/** An arena of random values with regions for out, inp, weight, bias, dout. */
function arena(B: number, C: number, OC: number, seed: number) {
  const r = testRandom(seed);
  const sizes = { out: B * OC, inp: B * C, weight: OC * C, bias: OC, dout: B * OC, dinp: B * C, dweight: OC * C, dbias: OC };
  const offsets: Record<string, number> = {};
  let total = 0;
  for (const [k, n] of Object.entries(sizes)) { offsets[k] = total; total += n; }
  const m = Float32Array.from({ length: total }, () => r() * 2 - 1);
  return { m, o: offsets as Record<keyof typeof sizes, number>, sizes };
}

function close(a: Float32Array, b: Float32Array, scale: number): void {
  expect(a.length).toBe(b.length);
  expectEachWithin(a.length, (i) => Math.abs(a[i] - b[i]), () => 1e-5 * scale, (i) => `element ${i}: ${a[i]} vs ${b[i]}`);
}

describe('pure-TS matmul kernels against their naive twins', () => {
  for (const B of SIZES) for (const C of SIZES) for (const OC of SIZES) {
    it(`B=${B} C=${C} OC=${OC}`, () => {
      const fast = arena(B, C, OC, B * 10000 + C * 100 + OC);
      const slow = { ...fast, m: fast.m.slice() };
      const { o } = fast;
      js.matmulForward(fast.m, o.out, o.inp, o.weight, o.bias, B, C, OC);
      js.matmulForwardNaive(slow.m, o.out, o.inp, o.weight, o.bias, B, C, OC);
      js.matmulBackwardInput(fast.m, o.dinp, o.dout, o.weight, B, C, OC);
      js.matmulBackwardInputNaive(slow.m, o.dinp, o.dout, o.weight, B, C, OC);
      js.matmulBackwardWeight(fast.m, o.dweight, o.dbias, o.dout, o.inp, B, C, OC);
      js.matmulBackwardWeightNaive(slow.m, o.dweight, o.dbias, o.dout, o.inp, B, C, OC);
      close(fast.m, slow.m, Math.max(B, C, OC));
      // The naive twins against a direct float64 evaluation of the definitions, at one entry each.
      const m = slow.m, b = B - 1, c = C - 1, oc = OC - 1;
      let y = fast.m[o.bias + oc], dx = 0, dw = 0;
      for (let k = 0; k < C; k++) y += fast.m[o.inp + b * C + k] * fast.m[o.weight + oc * C + k];
      for (let k = 0; k < OC; k++) dx += fast.m[o.dout + b * OC + k] * fast.m[o.weight + k * C + c];
      for (let k = 0; k < B; k++) dw += fast.m[o.dout + k * OC + oc] * fast.m[o.inp + k * C + c];
      expect(m[o.out + b * OC + oc]).toBeCloseTo(y, 5);
      expect(m[o.dinp + b * C + c]).toBeCloseTo(dx, 5);
      expect(m[o.dweight + oc * C + c]).toBeCloseTo(dw, 5);
    });
  }
});

describe('pure-TS allFinite', () => {
  it('finds one ±∞ or NaN at any position, past the four sums and in the tail, and passes the largest finite values', async () => {
    const { allFinite } = await import('../src/js/update.js');
    for (const N of [1, 3, 4, 7, 9, 33]) {
      const m = Float32Array.from({ length: N + 2 }, (_, i) => (i % 2 ? -1 : 1) * 3.4028234e38);
      expect(allFinite(m, 1, N)).toBe(true);
      for (let bad = 0; bad < N; bad++) {
        for (const value of [Infinity, -Infinity, NaN]) {
          const copy = m.slice();
          copy[1 + bad] = value;
          expect(allFinite(copy, 1, N), `N=${N}, ${value} at ${bad}`).toBe(false);
        }
      }
      m[0] = NaN; // outside the range checked
      expect(allFinite(m, 1, N)).toBe(true);
    }
  });
});
