// Optimiser updates and gradient transforms: each one loop over a run of the flat parameter region
// (grads and optimiser state mirror its layout), the twins of assembly/update.ts.
// Legend: N parameter count. Conventions as in PyTorch.
// An optimiser is a code, an update kernel, one case in optimizerUpdate and an entry in
// src/registry.ts (its settings' slots and how many state vectors it keeps).

/** Optimiser codes, as stored in the header (H_OPTIMIZER). */
export const OPT_SGD = 0;
export const OPT_MOMENTUM = 1;
export const OPT_ADAM = 2;

/**
 * Advances what optimiser `code` counts from step to step: Adam's products β₁ᵗ and β₂ᵗ at
 * powers[power] and powers[power + 1]. Once per step, before optimizerUpdate; `settings` as there.
 */
export function optimizerAdvance(
  m: Float32Array,
  powers: Float64Array,
  code: number,
  settings: number,
  power: number,
): void {
  if (code !== OPT_ADAM) return;
  powers[power] *= m[settings];
  powers[power + 1] *= m[settings + 1];
}

/**
 * One step of optimiser `code` over N parameters from their gradients. m[settings …] holds its f32
 * settings in its registry slots (momentum: μ, Nesterov as 1; Adam: β₁, β₂, ε), m[state …] its
 * first state vector and `stride` the values from one state vector to the next (the whole parameter
 * count), powers[power] and powers[power + 1] the products β₁ᵗ and β₂ᵗ of this step. Element-wise:
 * any cut of the parameters updates them alike.
 */
export function optimizerUpdate(
  m: Float32Array,
  powers: Float64Array,
  code: number,
  params: number,
  grads: number,
  state: number,
  stride: number,
  N: number,
  learningRate: number,
  settings: number,
  power: number,
): void {
  switch (code) {
    case OPT_MOMENTUM:
      momentumUpdate(m, params, grads, state, N, learningRate, m[settings], m[settings + 1] !== 0);
      break;
    case OPT_ADAM:
      adamUpdate(
        m,
        params,
        grads,
        state,
        state + stride,
        N,
        learningRate,
        m[settings],
        m[settings + 1],
        m[settings + 2],
        1 / (1 - powers[power]),
        1 / (1 - powers[power + 1]),
      );
      break;
    default:
      sgdUpdate(m, params, grads, N, learningRate);
  }
}

/** params −= learningRate · grads. */
export function sgdUpdate(m: Float32Array, params: number, grads: number, N: number, learningRate: number): void {
  for (let i = 0; i < N; i++) m[params + i] -= learningRate * m[grads + i];
}

/** v ← μ·v + g; w ← w − lr·v, or with Nesterov w ← w − lr·(g + μ·v). */
export function momentumUpdate(
  m: Float32Array,
  params: number,
  grads: number,
  velocity: number,
  N: number,
  learningRate: number,
  momentum: number,
  nesterov: boolean,
): void {
  for (let i = 0; i < N; i++) {
    const g = m[grads + i];
    const v = momentum * m[velocity + i] + g;
    m[velocity + i] = v;
    m[params + i] -= learningRate * (nesterov ? g + momentum * v : v);
  }
}

/**
 * Adam: m ← β₁m + (1−β₁)g; v ← β₂v + (1−β₂)g²; w ← w − lr·m̂/(√v̂ + ε), with m̂ = m·correction1 and
 * v̂ = v·correction2, the bias corrections 1/(1 − βᵗ) computed once per step by the caller.
 */
export function adamUpdate(
  m: Float32Array,
  params: number,
  grads: number,
  moment1: number,
  moment2: number,
  N: number,
  learningRate: number,
  beta1: number,
  beta2: number,
  epsilon: number,
  correction1: number,
  correction2: number,
): void {
  for (let i = 0; i < N; i++) {
    const g = m[grads + i];
    const m1 = beta1 * m[moment1 + i] + (1 - beta1) * g;
    const m2 = beta2 * m[moment2 + i] + (1 - beta2) * g * g;
    m[moment1 + i] = m1;
    m[moment2 + i] = m2;
    m[params + i] -= (learningRate * (m1 * correction1)) / (Math.sqrt(m2 * correction2) + epsilon);
  }
}

/** grads += l2 · params: the gradient of ½·l2·‖w‖², over one layer's weights (never its biases). */
export function l2Gradient(m: Float32Array, grads: number, params: number, N: number, l2: number): void {
  for (let i = 0; i < N; i++) m[grads + i] += l2 * m[params + i];
}

/** The global L2 norm of m[grads … grads+N), summed in order: clipping's measure. */
export function gradientNorm(m: Float32Array, grads: number, N: number): number {
  let sum = 0;
  for (let i = 0; i < N; i++) sum += m[grads + i] * m[grads + i];
  return Math.sqrt(sum);
}

/** grads ·= scale: clipping's step once the factor maxNorm / norm is known. */
export function scaleGradients(m: Float32Array, grads: number, N: number, scale: number): void {
  for (let i = 0; i < N; i++) m[grads + i] *= scale;
}

/**
 * Whether m[x … x+N) are all finite. v · 0 is ±0 for a finite v and NaN for ±∞ or NaN, and a NaN
 * survives every later sum; four sums, so that each waits on the adder a quarter as often (2× a
 * Number.isFinite loop, measured).
 */
export function allFinite(m: Float32Array, x: number, N: number): boolean {
  let s0 = 0,
    s1 = 0,
    s2 = 0,
    s3 = 0,
    i = 0;
  for (; i + 4 <= N; i += 4) {
    s0 += m[x + i] * 0;
    s1 += m[x + i + 1] * 0;
    s2 += m[x + i + 2] * 0;
    s3 += m[x + i + 3] * 0;
  }
  for (; i < N; i++) s0 += m[x + i] * 0;
  const sum = s0 + s1 + s2 + s3;
  return sum === sum;
}
