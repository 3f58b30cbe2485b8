// A seeded generator for callers (example data, demos): the same xoshiro128** stream the
// networks use for initialisation and shuffling, identical on every host.
import { rngNext, rngNormal, rngSeed } from './js/rng.js';
import { integer } from './options.js';

export interface SeededRandom {
  /** Uniform in [0, 1), on a grid of 2⁻³². */
  next(): number;
  /** Standard normal. */
  normal(): number;
}

export function seededRandom(seed: number): SeededRandom {
  const state = new Uint32Array(4);
  rngSeed(state, 0, integer('seed', seed, 0));
  return { next: () => rngNext(state, 0) / 4294967296, normal: () => rngNormal(state, 0) };
}
