// Activations and their derivatives, each forward beside its backward, over the arena `m`.
// Legend: N element count, B rows, OC row width. Forward may run in place (out = inp).
// Backward is written in terms of the saved output a, as the seed does (sigmoid: a·(1−a)), and
// computes dz = da · f′ in place-safe form (dz may equal da): the delta buffer holds ∂L/∂a, then ∂L/∂z.
/** Activation codes, as stored in an activation layer's record (L_CODE); src/registry.ts names them. */
export const ACT_IDENTITY = 0;
export const ACT_SIGMOID = 1;
export const ACT_TANH = 2;
export const ACT_RELU = 3;
export const ACT_LEAKY_RELU = 4;
export const ACT_SOFTMAX = 5;

/** Slope of leakyRelu for negative inputs (PyTorch's default). */
export const LEAKY_SLOPE = 0.01;

export function sigmoidForward(m: Float32Array, out: number, inp: number, N: number): void {
  for (let i = 0; i < N; i++) m[out + i] = 1 / (1 + Math.exp(-m[inp + i]));
}

export function sigmoidBackward(m: Float32Array, dinp: number, out: number, dout: number, N: number): void {
  for (let i = 0; i < N; i++) {
    const a = m[out + i];
    m[dinp + i] = m[dout + i] * a * (1 - a);
  }
}

export function tanhForward(m: Float32Array, out: number, inp: number, N: number): void {
  for (let i = 0; i < N; i++) m[out + i] = Math.tanh(m[inp + i]);
}

export function tanhBackward(m: Float32Array, dinp: number, out: number, dout: number, N: number): void {
  for (let i = 0; i < N; i++) {
    const a = m[out + i];
    m[dinp + i] = m[dout + i] * (1 - a * a);
  }
}

export function reluForward(m: Float32Array, out: number, inp: number, N: number): void {
  for (let i = 0; i < N; i++) {
    const x = m[inp + i];
    m[out + i] = x > 0 ? x : 0;
  }
}

export function reluBackward(m: Float32Array, dinp: number, out: number, dout: number, N: number): void {
  for (let i = 0; i < N; i++) m[dinp + i] = m[out + i] > 0 ? m[dout + i] : 0;
}

export function leakyReluForward(m: Float32Array, out: number, inp: number, N: number): void {
  for (let i = 0; i < N; i++) {
    const x = m[inp + i];
    m[out + i] = x > 0 ? x : LEAKY_SLOPE * x;
  }
}

export function leakyReluBackward(m: Float32Array, dinp: number, out: number, dout: number, N: number): void {
  // The output's sign is the input's, so the saved output decides the slope.
  for (let i = 0; i < N; i++) m[dinp + i] = m[out + i] > 0 ? m[dout + i] : LEAKY_SLOPE * m[dout + i];
}

/** Row-wise softmax over B rows of OC, shifted by the row maximum so exp never overflows. */
export function softmaxForward(m: Float32Array, out: number, inp: number, B: number, OC: number): void {
  for (let b = 0; b < B; b++) {
    const x = inp + b * OC;
    const y = out + b * OC;
    let max = m[x];
    for (let o = 1; o < OC; o++) if (m[x + o] > max) max = m[x + o];
    let sum = 0;
    for (let o = 0; o < OC; o++) {
      const e = Math.exp(m[x + o] - max);
      m[y + o] = e;
      sum += e;
    }
    const inv = 1 / sum;
    for (let o = 0; o < OC; o++) m[y + o] *= inv;
  }
}

/** dz_j = a_j · (da_j − Σ_k da_k a_k): the softmax Jacobian applied to da (used when softmax meets MSE). */
export function softmaxBackward(m: Float32Array, dinp: number, out: number, dout: number, B: number, OC: number): void {
  for (let b = 0; b < B; b++) {
    const a = out + b * OC;
    const da = dout + b * OC;
    let dot = 0;
    for (let o = 0; o < OC; o++) dot += m[da + o] * m[a + o];
    for (let o = 0; o < OC; o++) m[dinp + b * OC + o] = m[a + o] * (m[da + o] - dot);
  }
}

/** Applies activation `code` to B rows of OC. */
export function activationForward(
  m: Float32Array,
  code: number,
  out: number,
  inp: number,
  B: number,
  OC: number,
): void {
  const N = B * OC;
  switch (code) {
    case ACT_SIGMOID:
      sigmoidForward(m, out, inp, N);
      break;
    case ACT_TANH:
      tanhForward(m, out, inp, N);
      break;
    case ACT_RELU:
      reluForward(m, out, inp, N);
      break;
    case ACT_LEAKY_RELU:
      leakyReluForward(m, out, inp, N);
      break;
    case ACT_SOFTMAX:
      softmaxForward(m, out, inp, B, OC);
      break;
    case ACT_IDENTITY:
      if (out !== inp) m.copyWithin(out, inp, inp + N);
      break;
  }
}

/**
 * dz = da · f′ for activation `code` over B rows of OC, from the saved output a (every activation
 * here), or from the input x at `inp` for one whose derivative needs it (the plan then keeps x in a
 * region of its own; for the others `inp` may be the output, overwritten in place).
 */
export function activationBackward(
  m: Float32Array,
  code: number,
  dinp: number,
  inp: number,
  out: number,
  dout: number,
  B: number,
  OC: number,
): void {
  const N = B * OC;
  switch (code) {
    case ACT_SIGMOID:
      sigmoidBackward(m, dinp, out, dout, N);
      break;
    case ACT_TANH:
      tanhBackward(m, dinp, out, dout, N);
      break;
    case ACT_RELU:
      reluBackward(m, dinp, out, dout, N);
      break;
    case ACT_LEAKY_RELU:
      leakyReluBackward(m, dinp, out, dout, N);
      break;
    case ACT_SOFTMAX:
      softmaxBackward(m, dinp, out, dout, B, OC);
      break;
    case ACT_IDENTITY:
      if (dinp !== dout) m.copyWithin(dinp, dout, dout + N);
      break;
  }
}
