// Activations and their derivatives, the twins of src/js/activation.ts, over raw pointers.
// Legend: N element count, B rows, OC row width. Forward may run in place (out = inp); backward
// computes dz = da · f′(a) from the saved output a, in place-safe form (dinp may equal dout).
// exp is the Cephes single-precision algorithm in our own arithmetic (never the host's Math),
// in a v128 form and a scalar form made of the same operations, so a lane and a tail element agree.
/** Activation codes, as stored in an activation layer's record (L_CODE); src/registry.ts names them. */
export const ACT_IDENTITY = 0;
export const ACT_SIGMOID = 1;
export const ACT_TANH = 2;
export const ACT_RELU = 3;
export const ACT_LEAKY_RELU = 4;
export const ACT_SOFTMAX = 5;

/** Slope of leakyRelu for negative inputs (PyTorch's default). */
export const LEAKY_SLOPE = 0.01;

// Constants, each splatted over 16 bytes: V8 re-materialises v128.const inside loops, a load does not.
const K = memory.data<f32>([
  1, 1, 1, 1,
  88.0, 88.0, 88.0, 88.0, // exp's input is clamped to [-87.3, 88] so 2^n stays a normal float
  -87.3, -87.3, -87.3, -87.3,
  1.44269504088896341, 1.44269504088896341, 1.44269504088896341, 1.44269504088896341,
  0.693359375, 0.693359375, 0.693359375, 0.693359375, // ln 2 split in two for an exact reduction
  -2.12194440e-4, -2.12194440e-4, -2.12194440e-4, -2.12194440e-4,
  1.9875691500e-4, 1.9875691500e-4, 1.9875691500e-4, 1.9875691500e-4,
  1.3981999507e-3, 1.3981999507e-3, 1.3981999507e-3, 1.3981999507e-3,
  8.3334519073e-3, 8.3334519073e-3, 8.3334519073e-3, 8.3334519073e-3,
  4.1665795894e-2, 4.1665795894e-2, 4.1665795894e-2, 4.1665795894e-2,
  1.6666665459e-1, 1.6666665459e-1, 1.6666665459e-1, 1.6666665459e-1,
  5.0000001201e-1, 5.0000001201e-1, 5.0000001201e-1, 5.0000001201e-1,
  0.625, 0.625, 0.625, 0.625, // below this |x|, tanh uses its odd polynomial
  -5.70498872745e-3, -5.70498872745e-3, -5.70498872745e-3, -5.70498872745e-3,
  2.06390887954e-2, 2.06390887954e-2, 2.06390887954e-2, 2.06390887954e-2,
  -5.37397155531e-2, -5.37397155531e-2, -5.37397155531e-2, -5.37397155531e-2,
  1.33314422036e-1, 1.33314422036e-1, 1.33314422036e-1, 1.33314422036e-1,
  -3.33332819422e-1, -3.33332819422e-1, -3.33332819422e-1, -3.33332819422e-1,
  2, 2, 2, 2,
  <f32>LEAKY_SLOPE, <f32>LEAKY_SLOPE, <f32>LEAKY_SLOPE, <f32>LEAKY_SLOPE,
  0, 0, 0, 0,
], 16);
const ONE: usize = 0, HI: usize = 1, LO: usize = 2, LOG2E: usize = 3, LN2_HI: usize = 4, LN2_LO: usize = 5;
const P0: usize = 6, TANH_SMALL: usize = 12, T0: usize = 13, TWO: usize = 18, SLOPE: usize = 19, ZERO: usize = 20;

// @ts-ignore: decorator
@inline function kv(i: usize): v128 { return v128.load(K + (i << 4)); }
// @ts-ignore: decorator
@inline function ks(i: usize): f32 { return load<f32>(K + (i << 4)); }

/** e^x on four lanes. pmin/pmax clamp, so NaN passes through. */
// @ts-ignore: decorator
@inline function expV(x: v128): v128 {
  x = f32x4.pmax(f32x4.pmin(x, kv(HI)), kv(LO));
  const n = f32x4.nearest(f32x4.mul(x, kv(LOG2E)));
  let r = f32x4.sub(x, f32x4.mul(n, kv(LN2_HI)));
  r = f32x4.sub(r, f32x4.mul(n, kv(LN2_LO)));
  const z = f32x4.mul(r, r);
  // Estrin's scheme: three independent pairs, then two steps, instead of six dependent ones.
  const q0 = f32x4.add(f32x4.mul(kv(P0 + 4), r), kv(P0 + 5));
  const q1 = f32x4.add(f32x4.mul(kv(P0 + 2), r), kv(P0 + 3));
  const q2 = f32x4.add(f32x4.mul(kv(P0), r), kv(P0 + 1));
  const y0 = f32x4.add(f32x4.mul(f32x4.add(f32x4.mul(q2, z), q1), z), q0);
  const y = f32x4.add(f32x4.add(f32x4.mul(y0, z), r), kv(ONE));
  const scale = i32x4.shl(i32x4.add(i32x4.trunc_sat_f32x4_s(n), i32x4.splat(127)), 23);
  return f32x4.mul(y, scale);
}

/** e^x, the same operations as expV on one value. */
// @ts-ignore: decorator
@inline function expS(x: f32): f32 {
  const t = ks(HI) < x ? ks(HI) : x;
  x = t < ks(LO) ? ks(LO) : t;
  const n = nearest(x * ks(LOG2E));
  let r = x - n * ks(LN2_HI);
  r = r - n * ks(LN2_LO);
  const z = r * r;
  const q0 = ks(P0 + 4) * r + ks(P0 + 5);
  const q1 = ks(P0 + 2) * r + ks(P0 + 3);
  const q2 = ks(P0) * r + ks(P0 + 1);
  const y = ((q2 * z + q1) * z + q0) * z + r + ks(ONE);
  return y * reinterpret<f32>((<i32>n + 127) << 23);
}

/** e^x for callers elsewhere in the core (softmax, cross-entropy). */
export function expf32(x: f32): f32 {
  return expS(x);
}

// @ts-ignore: decorator
@inline function sigmoidV(x: v128): v128 {
  return f32x4.div(kv(ONE), f32x4.add(kv(ONE), expV(f32x4.neg(x))));
}

// @ts-ignore: decorator
@inline function sigmoidS(x: f32): f32 {
  return ks(ONE) / (ks(ONE) + expS(-x));
}

/** tanh: the odd polynomial for |x| < 0.625, else 1 − 2/(e^{2|x|} + 1) with x's sign. */
// @ts-ignore: decorator
@inline function tanhV(x: v128): v128 {
  const ax = f32x4.abs(x);
  const z = f32x4.mul(x, x);
  let p = kv(T0);
  for (let i: usize = 1; i < 5; i++) p = f32x4.add(f32x4.mul(p, z), kv(T0 + i));
  const small = f32x4.add(f32x4.mul(f32x4.mul(p, z), x), x);
  const e = expV(f32x4.mul(kv(TWO), ax));
  const large = f32x4.sub(kv(ONE), f32x4.div(kv(TWO), f32x4.add(e, kv(ONE))));
  const signed = v128.or(large, v128.andnot(x, ax)); // x's sign bit onto the non-negative result
  return v128.bitselect(small, signed, f32x4.lt(ax, kv(TANH_SMALL)));
}

// @ts-ignore: decorator
@inline function tanhS(x: f32): f32 {
  const ax = abs<f32>(x);
  const z = x * x;
  let p = ks(T0);
  for (let i: usize = 1; i < 5; i++) p = p * z + ks(T0 + i);
  if (ax < ks(TANH_SMALL)) return p * z * x + x;
  const large = ks(ONE) - ks(TWO) / (expS(ks(TWO) * ax) + ks(ONE));
  return copysign<f32>(large, x);
}

export function sigmoidForward(out: usize, inp: usize, N: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 4 <= N; i += 4) v128.store(out + (<usize>i << 2), sigmoidV(v128.load(inp + (<usize>i << 2))));
  }
  for (; i < N; i++) store<f32>(out + (<usize>i << 2), sigmoidS(load<f32>(inp + (<usize>i << 2))));
}

export function sigmoidBackward(dinp: usize, out: usize, dout: usize, N: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 4 <= N; i += 4) {
      const at = <usize>i << 2;
      const a = v128.load(out + at);
      v128.store(dinp + at, f32x4.mul(f32x4.mul(v128.load(dout + at), a), f32x4.sub(kv(ONE), a)));
    }
  }
  for (; i < N; i++) {
    const at = <usize>i << 2;
    const a = load<f32>(out + at);
    store<f32>(dinp + at, load<f32>(dout + at) * a * (ks(ONE) - a));
  }
}

export function tanhForward(out: usize, inp: usize, N: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 4 <= N; i += 4) v128.store(out + (<usize>i << 2), tanhV(v128.load(inp + (<usize>i << 2))));
  }
  for (; i < N; i++) store<f32>(out + (<usize>i << 2), tanhS(load<f32>(inp + (<usize>i << 2))));
}

export function tanhBackward(dinp: usize, out: usize, dout: usize, N: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 4 <= N; i += 4) {
      const at = <usize>i << 2;
      const a = v128.load(out + at);
      v128.store(dinp + at, f32x4.mul(v128.load(dout + at), f32x4.sub(kv(ONE), f32x4.mul(a, a))));
    }
  }
  for (; i < N; i++) {
    const at = <usize>i << 2;
    const a = load<f32>(out + at);
    store<f32>(dinp + at, load<f32>(dout + at) * (ks(ONE) - a * a));
  }
}

export function reluForward(out: usize, inp: usize, N: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 4 <= N; i += 4) v128.store(out + (<usize>i << 2), f32x4.pmax(kv(ZERO), v128.load(inp + (<usize>i << 2))));
  }
  for (; i < N; i++) {
    const x = load<f32>(inp + (<usize>i << 2));
    store<f32>(out + (<usize>i << 2), x > 0 ? x : 0);
  }
}

export function reluBackward(dinp: usize, out: usize, dout: usize, N: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 4 <= N; i += 4) {
      const at = <usize>i << 2;
      v128.store(dinp + at, v128.and(v128.load(dout + at), f32x4.gt(v128.load(out + at), kv(ZERO))));
    }
  }
  for (; i < N; i++) {
    const at = <usize>i << 2;
    store<f32>(dinp + at, load<f32>(out + at) > 0 ? load<f32>(dout + at) : 0);
  }
}

export function leakyReluForward(out: usize, inp: usize, N: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 4 <= N; i += 4) {
      const x = v128.load(inp + (<usize>i << 2));
      v128.store(out + (<usize>i << 2), v128.bitselect(x, f32x4.mul(x, kv(SLOPE)), f32x4.gt(x, kv(ZERO))));
    }
  }
  for (; i < N; i++) {
    const x = load<f32>(inp + (<usize>i << 2));
    store<f32>(out + (<usize>i << 2), x > 0 ? x : x * ks(SLOPE));
  }
}

export function leakyReluBackward(dinp: usize, out: usize, dout: usize, N: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 4 <= N; i += 4) {
      const at = <usize>i << 2;
      const d = v128.load(dout + at);
      v128.store(dinp + at, v128.bitselect(d, f32x4.mul(d, kv(SLOPE)), f32x4.gt(v128.load(out + at), kv(ZERO))));
    }
  }
  for (; i < N; i++) {
    const at = <usize>i << 2;
    const d = load<f32>(dout + at);
    store<f32>(dinp + at, load<f32>(out + at) > 0 ? d : d * ks(SLOPE));
  }
}

/** Row-wise softmax over B rows of OC, shifted by the row maximum so exp never overflows. */
export function softmaxForward(out: usize, inp: usize, B: i32, OC: i32): void {
  for (let b = 0; b < B; b++) {
    const x = inp + (<usize>(b * OC) << 2), y = out + (<usize>(b * OC) << 2);
    let top = load<f32>(x);
    for (let o = 1; o < OC; o++) {
      const v = load<f32>(x + (<usize>o << 2));
      if (v > top) top = v;
    }
    let sum: f32 = 0;
    for (let o = 0; o < OC; o++) {
      const e = expS(load<f32>(x + (<usize>o << 2)) - top);
      store<f32>(y + (<usize>o << 2), e);
      sum += e;
    }
    const inv = ks(ONE) / sum;
    for (let o = 0; o < OC; o++) store<f32>(y + (<usize>o << 2), load<f32>(y + (<usize>o << 2)) * inv);
  }
}

/** dz_j = a_j · (da_j − Σ_k da_k a_k), the softmax Jacobian applied to da. */
export function softmaxBackward(dinp: usize, out: usize, dout: usize, B: i32, OC: i32): void {
  for (let b = 0; b < B; b++) {
    const row = <usize>(b * OC) << 2;
    let dot: f32 = 0;
    for (let o = 0; o < OC; o++) dot += load<f32>(dout + row + (<usize>o << 2)) * load<f32>(out + row + (<usize>o << 2));
    for (let o = 0; o < OC; o++) {
      const at = row + (<usize>o << 2);
      store<f32>(dinp + at, load<f32>(out + at) * (load<f32>(dout + at) - dot));
    }
  }
}

/** Applies activation `code` to B rows of OC. */
export function activationForward(code: u32, out: usize, inp: usize, B: i32, OC: i32): void {
  const N = B * OC;
  switch (code) {
    case ACT_SIGMOID: sigmoidForward(out, inp, N); break;
    case ACT_TANH: tanhForward(out, inp, N); break;
    case ACT_RELU: reluForward(out, inp, N); break;
    case ACT_LEAKY_RELU: leakyReluForward(out, inp, N); break;
    case ACT_SOFTMAX: softmaxForward(out, inp, B, OC); break;
    case ACT_IDENTITY: if (out != inp) memory.copy(out, inp, <usize>N << 2); break;
  }
}

/**
 * dz = da · f′ for activation `code` over B rows of OC, from the saved output a (every activation
 * here), or from the input x at `inp` for one whose derivative needs it (the plan then keeps x in a
 * region of its own; for the others `inp` may be the output, overwritten in place).
 */
export function activationBackward(code: u32, dinp: usize, inp: usize, out: usize, dout: usize, B: i32, OC: i32): void {
  const N = B * OC;
  switch (code) {
    case ACT_SIGMOID: sigmoidBackward(dinp, out, dout, N); break;
    case ACT_TANH: tanhBackward(dinp, out, dout, N); break;
    case ACT_RELU: reluBackward(dinp, out, dout, N); break;
    case ACT_LEAKY_RELU: leakyReluBackward(dinp, out, dout, N); break;
    case ACT_SOFTMAX: softmaxBackward(dinp, out, dout, B, OC); break;
    case ACT_IDENTITY: if (dinp != dout) memory.copy(dinp, dout, <usize>N << 2); break;
  }
}
