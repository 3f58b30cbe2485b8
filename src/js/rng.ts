// Seeded generator: xoshiro128** seeded by splitmix32, integer arithmetic only, so that
// assembly/rng.ts produces the same numbers bit for bit. State: four u32 words at `state`.
// Normals use the polar method with a logarithm built from + − × ÷ alone (IEEE-exact everywhere),
// never Math.log, whose last bit differs between hosts.

const rotl = (x: number, k: number): number => (x << k) | (x >>> (32 - k));

/** Seeds the four state words from a 32-bit seed. */
export function rngSeed(u: Uint32Array, state: number, seed: number): void {
  let s = seed | 0;
  for (let i = 0; i < 4; i++) {
    s = (s + 0x9e3779b9) | 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
    z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
    u[state + i] = z ^ (z >>> 15);
  }
}

/** The next 32 random bits, as an unsigned integer. */
export function rngNext(u: Uint32Array, state: number): number {
  const s0 = u[state],
    s1 = u[state + 1],
    s2 = u[state + 2],
    s3 = u[state + 3];
  const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
  const t = s1 << 9;
  const n2 = s2 ^ s0;
  const n3 = s3 ^ s1;
  u[state + 1] = s1 ^ n2;
  u[state] = s0 ^ n3;
  u[state + 2] = n2 ^ t;
  u[state + 3] = rotl(n3, 11);
  return result;
}

/** An integer uniform in [0, n), n ≤ 2³²: the high word of next·n, computed exactly in halves. */
export function rngBelow(u: Uint32Array, state: number, n: number): number {
  const x = rngNext(u, state);
  const high = (x >>> 16) * n; // < 2⁴⁸, exact
  const low = (x & 0xffff) * n; // < 2⁴⁸, exact
  const highTop = Math.floor(high / 65536);
  const highRest = high - highTop * 65536;
  return highTop + Math.floor((highRest * 65536 + low) / 4294967296);
}

/** Uniform in (−1, 1) on a grid of 2⁻²³, from the top 24 bits. */
export function rngSigned(u: Uint32Array, state: number): number {
  return (rngNext(u, state) >>> 8) * (1 / 8388608) - 1;
}

/** Natural logarithm of x in (0, 1], from + − × ÷ only. */
export function portableLog(x: number): number {
  let m = x;
  let e = 0;
  while (m < 0.7071067811865476) {
    m *= 2;
    e -= 1;
  }
  const f = (m - 1) / (m + 1);
  const f2 = f * f;
  // atanh series: log m = 2f(1 + f²/3 + f⁴/5 + …); |f| ≤ 0.1716, so 12 terms reach 1e-17.
  let series = 1 / 23;
  for (let k = 21; k >= 1; k -= 2) series = 1 / k + f2 * series;
  return e * 0.6931471805599453 + 2 * f * series;
}

/** A standard normal sample (Marsaglia's polar method, one of the pair kept). */
export function rngNormal(u: Uint32Array, state: number): number {
  for (;;) {
    const a = rngSigned(u, state);
    const b = rngSigned(u, state);
    const s = a * a + b * b;
    if (s > 0 && s < 1) return a * Math.sqrt((-2 * portableLog(s)) / s);
  }
}

/** Fisher–Yates shuffle of `n` u32 words at `index`. */
export function shuffleIndex(u: Uint32Array, state: number, index: number, n: number): void {
  for (let i = n - 1; i > 0; i--) {
    const j = rngBelow(u, state, i + 1);
    const t = u[index + i];
    u[index + i] = u[index + j];
    u[index + j] = t;
  }
}
