// Seeded generator, the twin of src/js/rng.ts: xoshiro128** seeded by splitmix32, normals by the
// polar method with a logarithm from + − × ÷ only, so both engines draw the same numbers bit for bit.
// `state` points at four u32 words.

@inline function rotl(x: u32, k: u32): u32 {
  return (x << k) | (x >>> (32 - k));
}

/** Seeds the four state words from a 32-bit seed. */
export function rngSeed(state: usize, seed: u32): void {
  let s = seed;
  for (let i: usize = 0; i < 4; i++) {
    s += 0x9e3779b9;
    let z = s;
    z = (z ^ (z >>> 16)) * 0x21f0aaad;
    z = (z ^ (z >>> 15)) * 0x735a2d97;
    store<u32>(state + (i << 2), z ^ (z >>> 15));
  }
}

/** The next 32 random bits. */
export function rngNext(state: usize): u32 {
  const s0 = load<u32>(state), s1 = load<u32>(state, 4), s2 = load<u32>(state, 8), s3 = load<u32>(state, 12);
  const result = rotl(s1 * 5, 7) * 9;
  const t = s1 << 9;
  const n2 = s2 ^ s0;
  const n3 = s3 ^ s1;
  store<u32>(state, s0 ^ n3);
  store<u32>(state, s1 ^ n2, 4);
  store<u32>(state, n2 ^ t, 8);
  store<u32>(state, rotl(n3, 11), 12);
  return result;
}

/** An integer uniform in [0, n): the high word of next·n. */
export function rngBelow(state: usize, n: u32): u32 {
  return <u32>((<u64>rngNext(state) * <u64>n) >>> 32);
}

/** Uniform in (−1, 1) on a grid of 2⁻²³, from the top 24 bits. */
export function rngSigned(state: usize): f64 {
  return <f64>(rngNext(state) >>> 8) * (1.0 / 8388608.0) - 1.0;
}

/** Natural logarithm of x in (0, 1], from + − × ÷ only. */
export function portableLog(x: f64): f64 {
  let m = x;
  let e: f64 = 0;
  while (m < 0.7071067811865476) { m *= 2; e -= 1; }
  const f = (m - 1) / (m + 1);
  const f2 = f * f;
  let series: f64 = 1.0 / 23.0;
  for (let k = 21; k >= 1; k -= 2) series = 1.0 / <f64>k + f2 * series;
  return e * 0.6931471805599453 + 2 * f * series;
}

/** A standard normal sample (Marsaglia's polar method, one of the pair kept). */
export function rngNormal(state: usize): f64 {
  let a: f64, s: f64;
  do {
    a = rngSigned(state);
    const b = rngSigned(state);
    s = a * a + b * b;
  } while (!(s > 0 && s < 1));
  return a * Math.sqrt((-2 * portableLog(s)) / s);
}

/** Fisher–Yates shuffle of `n` u32 words at `index`. */
export function shuffleIndex(state: usize, index: usize, n: u32): void {
  if (n < 2) return;
  for (let i = n - 1; i > 0; i--) {
    const j = rngBelow(state, i + 1);
    const pi = index + (<usize>i << 2), pj = index + (<usize>j << 2);
    const t = load<u32>(pi);
    store<u32>(pi, load<u32>(pj));
    store<u32>(pj, t);
  }
}
