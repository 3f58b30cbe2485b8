// An independent generator for the tests: xoshiro128** seeded by splitmix32, written in BigInt from
// the published algorithms, sharing no code with either engine.
const M32 = (1n << 32n) - 1n;
const rotl = (x: bigint, k: bigint): bigint => ((x << k) | (x >> (32n - k))) & M32;

/** The four state words splitmix32 makes from `seed`. */
export function referenceSeed(seed: number): number[] {
  let s = BigInt(seed);
  const state: number[] = [];
  for (let i = 0; i < 4; i++) {
    s = (s + 0x9e3779b9n) & M32;
    let z = s;
    z = ((z ^ (z >> 16n)) * 0x21f0aaadn) & M32;
    z = ((z ^ (z >> 15n)) * 0x735a2d97n) & M32;
    state.push(Number(z ^ (z >> 15n)));
  }
  return state;
}

/** `count` draws of xoshiro128** from state `words`, and the state after them. */
export function referenceDraws(words: readonly number[], count: number): { draws: number[]; state: number[] } {
  const s = words.map(BigInt);
  const draws: number[] = [];
  for (let i = 0; i < count; i++) {
    const [s0, s1, s2, s3] = s;
    draws.push(Number((rotl((s1 * 5n) & M32, 7n) * 9n) & M32));
    const t = (s1 << 9n) & M32;
    s[2] = s2 ^ s0;
    s[3] = s3 ^ s1;
    s[1] = s1 ^ s[2];
    s[0] = s0 ^ s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11n);
  }
  return { draws, state: s.map(Number) };
}
