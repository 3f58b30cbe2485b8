// The seeded generator against independent references: xoshiro128** and splitmix32 in BigInt,
// exact integer ranges, and the portable logarithm against Math.log.
import { describe, expect, it } from 'vitest';
import { expectEachWithin } from './helpers.js';
import { referenceDraws, referenceSeed } from './reference-rng.js';
import { portableLog, rngBelow, rngNext, rngNormal, rngSeed, shuffleIndex } from '../src/js/rng.js';

/** The first `count` draws from `seed`, by the independent reference. */
const referenceStream = (seed: number, count: number): number[] => referenceDraws(referenceSeed(seed), count).draws;

describe('seeded generator', () => {
  it('matches a BigInt xoshiro128** seeded by splitmix32', () => {
    for (const seed of [0, 1, 42, 0xffffffff]) {
      const u = new Uint32Array(4);
      rngSeed(u, 0, seed);
      const got = Array.from({ length: 1000 }, () => rngNext(u, 0));
      expect(got).toEqual(referenceStream(seed, 1000));
    }
  });

  it('rngBelow is the exact high word of next·n, for n up to 2³²', () => {
    const a = new Uint32Array(4),
      b = new Uint32Array(4);
    rngSeed(a, 0, 7);
    rngSeed(b, 0, 7);
    for (const n of [1, 2, 3, 10, 1000, 2 ** 21 + 1, 2 ** 31 + 12345, 2 ** 32]) {
      for (let i = 0; i < 200; i++) {
        const x = BigInt(rngNext(b, 0));
        const j = rngBelow(a, 0, n);
        expect(j).toBe(Number((x * BigInt(n)) >> 32n));
        expect(j).toBeLessThan(n);
      }
    }
  });

  it('portableLog agrees with Math.log to within 2 ulps over (0, 1]', () => {
    const xs = Array.from({ length: 20000 }, (_, k) =>
      k === 0 ? 1 : Math.pow(2, -46 * (k / 20000)) * (0.5 + ((k * 7919) % 1000) / 2000),
    );
    // One assertion on the worst point of the sweep, not one per point (as strict, far faster).
    expectEachWithin(
      xs.length,
      (k) => Math.abs(portableLog(xs[k]) - Math.log(xs[k])),
      (k) => Math.max(Math.abs(Math.log(xs[k])), 1) * 4.5e-16,
      (k) => `portableLog(${xs[k]}) = ${portableLog(xs[k])}, Math.log = ${Math.log(xs[k])}`,
    );
  });

  it('normals have mean 0 and variance 1, and shuffles are permutations', () => {
    const u = new Uint32Array(4 + 1000);
    rngSeed(u, 0, 3);
    const n = 200000;
    let sum = 0,
      sq = 0;
    for (let i = 0; i < n; i++) {
      const v = rngNormal(u, 0);
      sum += v;
      sq += v * v;
    }
    expect(Math.abs(sum / n)).toBeLessThan(0.012); // 5 standard errors
    expect(Math.abs(sq / n - 1)).toBeLessThan(0.02);
    for (let i = 0; i < 1000; i++) u[4 + i] = i;
    shuffleIndex(u, 0, 4, 1000);
    const order = Array.from(u.subarray(4));
    expect([...order].sort((p, q) => p - q)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(order.filter((v, i) => v === i).length).toBeLessThan(10);
  });
});
