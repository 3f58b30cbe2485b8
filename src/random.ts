// A seeded generator for callers (example data, demos): the same xoshiro128** stream the
// networks use for initialisation and shuffling, identical on every host.
import { rngNext, rngNormal, rngSeed, shuffleIndex } from './js/rng.js';
import { integer } from './options.js';
import { allocate } from './plan.js';

export interface SeededRandom {
  /** Uniform in [0, 1), on a grid of 2⁻³². */
  next(): number;
  /** Standard normal. */
  normal(): number;
  /** 0 … n−1 in a random order (Fisher–Yates). */
  permutation(n: number): Uint32Array;
}

export function seededRandom(seed: number): SeededRandom {
  const state = new Uint32Array(4);
  rngSeed(state, 0, integer('seed', seed, 0, undefined, 0xffffffff));
  return {
    next: () => rngNext(state, 0) / 4294967296,
    normal: () => rngNormal(state, 0),
    permutation: (n) => {
      integer('n', n, 0, undefined, 0xffffffff - 4);
      const words = allocate(4 * (4 + n), `a permutation of ${n}`, () => new Uint32Array(4 + n));
      words.set(state);
      for (let i = 0; i < n; i++) words[4 + i] = i;
      shuffleIndex(words, 0, 4, n);
      state.set(words.subarray(0, 4));
      return words.slice(4);
    },
  };
}
