// The WebAssembly kernels, on every build: each fast kernel against its naive twin on shapes that
// hit every block and tail, and the activations against float64 references.
import { describe, expect, it } from 'vitest';
import { BUILDS, coreInstance } from './core.js';
import { expectEachWithin, testRandom } from './helpers.js';

// 1–7 take the scalar paths (narrower than a SIMD block), 9 and 33 the SIMD blocks and their tails.
const SIZES = [1, 3, 5, 7, 9, 33];

describe.each(BUILDS)('wasm kernels (%s build)', (build) => {
  const { exports: k, f32, heap } = coreInstance(build);
  const floats = (p: number, n: number): Float32Array => f32.slice(p >> 2, (p >> 2) + n);

  for (const B of SIZES) for (const C of SIZES) for (const OC of SIZES) {
    it(`matmul B=${B} C=${C} OC=${OC}: fast = naive`, () => {
      const r = testRandom(B * 10000 + C * 100 + OC);
      let at = heap;
      const region = (n: number): number => { const p = at; at += Math.ceil(n / 4) * 16; return p; };
      const inp = region(B * C), weight = region(OC * C), bias = region(OC), dout = region(B * OC);
      const out = [region(B * OC), region(B * OC)], dinp = [region(B * C), region(B * C)];
      const dweight = [region(OC * C), region(OC * C)], dbias = [region(OC), region(OC)];
      for (const [p, n] of [[inp, B * C], [weight, OC * C], [bias, OC], [dout, B * OC]]) {
        for (let i = 0; i < n; i++) f32[(p >> 2) + i] = r() * 2 - 1;
      }
      k.matmulForward(out[0], inp, weight, bias, B, C, OC);
      k.matmulForwardNaive(out[1], inp, weight, bias, B, C, OC);
      k.matmulBackwardInput(dinp[0], dout, weight, B, C, OC);
      k.matmulBackwardInputNaive(dinp[1], dout, weight, B, C, OC);
      k.matmulBackwardWeight(dweight[0], dbias[0], dout, inp, B, C, OC);
      k.matmulBackwardWeightNaive(dweight[1], dbias[1], dout, inp, B, C, OC);
      const tolerance = 1e-6 * Math.max(B, C, OC) * 4;
      for (const [pair, n] of [[out, B * OC], [dinp, B * C], [dweight, OC * C], [dbias, OC]] as const) {
        const fast = floats(pair[0], n), naive = floats(pair[1], n);
        fast.forEach((v, i) => expect(Math.abs(v - naive[i])).toBeLessThanOrEqual(tolerance));
      }
      // And the naive twin against the definition in float64, at the last entry.
      let y = f32[(bias >> 2) + OC - 1];
      for (let c = 0; c < C; c++) y += f32[(inp >> 2) + (B - 1) * C + c] * f32[(weight >> 2) + (OC - 1) * C + c];
      expect(f32[(out[1] >> 2) + B * OC - 1]).toBeCloseTo(y, 5);
    });
  }

  it('sigmoid and tanh are within 2 ulps of float64 over [-20, 20], lanes and tails alike', () => {
    const n = 40001, x = heap, y = heap + 4 * 40016;
    for (let i = 0; i < n; i++) f32[(x >> 2) + i] = -20 + (40 * i) / (n - 1);
    for (const [name, ref] of [['sigmoidForward', (v: number) => 1 / (1 + Math.exp(-v))], ['tanhForward', Math.tanh]] as const) {
      k[name](y, x, n);
      // One assertion on the worst element of the sweep, not one per element (as strict, far faster).
      const v = (i: number): number => f32[(x >> 2) + i], got = (i: number): number => f32[(y >> 2) + i];
      expectEachWithin(n, (i) => Math.abs(got(i) - ref(v(i))), (i) => 2 * Math.max(Math.abs(ref(v(i))), 1.2e-38) * 2 ** -23 + 1e-45,
        (i) => `${name}(${v(i)}) = ${got(i)}, want ${ref(v(i))}`);
    }
  });

  it('allFinite finds one ±∞ or NaN at any position, in the SIMD lanes and the tail, and passes the largest finite values', () => {
    for (const N of [1, 3, 4, 7, 9, 33]) {
      for (let i = 0; i < N; i++) f32[(heap >> 2) + i] = (i % 2 ? -1 : 1) * 3.4028234e38;
      expect(k.allFinite(heap, N), `N=${N}, all finite`).toBe(1);
      for (let bad = 0; bad < N; bad++) {
        for (const value of [Infinity, -Infinity, NaN]) {
          const keep = f32[(heap >> 2) + bad];
          f32[(heap >> 2) + bad] = value;
          expect(k.allFinite(heap, N), `N=${N}, ${value} at ${bad}`).toBe(0);
          f32[(heap >> 2) + bad] = keep;
        }
      }
    }
  });

  it('exp is accurate across its range, saturates at the clamp and passes NaN through', () => {
    for (let v = -87; v <= 88; v += 0.37) {
      const want = Math.exp(Math.fround(v));
      expect(Math.abs(k.expf32(v) - want) / want).toBeLessThan(2.5e-7);
    }
    expect(Math.abs(k.expf32(1000) / Math.exp(88) - 1)).toBeLessThan(2.5e-7);
    expect(k.expf32(-1000)).toBeLessThan(1e-37);
    expect(k.expf32(NaN)).toBeNaN();
  });
});
