// Optimiser updates and gradient transforms, the twins of src/js/update.ts: each one loop over a
// run of the flat parameter region (grads and optimiser state mirror its layout).
// Legend: N parameter count. Conventions as in PyTorch.
// An optimiser is a code, an update kernel, one case in optimizerUpdate and an entry in
// src/registry.ts (its settings' slots and how many state vectors it keeps).

/** Optimiser codes, as stored in the header (H_OPTIMIZER). */
export const OPT_SGD = 0;
export const OPT_MOMENTUM = 1;
export const OPT_ADAM = 2;

/**
 * Advances what optimiser `code` counts from step to step: Adam's f64 products β₁ᵗ and β₂ᵗ at
 * `powers`. Once per step, before optimizerUpdate; `settings` as there.
 */
export function optimizerAdvance(code: u32, settings: usize, powers: usize): void {
  if (code != OPT_ADAM) return;
  store<f64>(powers, load<f64>(powers) * <f64>load<f32>(settings));
  store<f64>(powers, load<f64>(powers, 8) * <f64>load<f32>(settings, 4), 8);
}

/**
 * One step of optimiser `code` over N parameters from their gradients. `settings` holds its f32
 * settings in its registry slots (momentum: μ, Nesterov as 1; Adam: β₁, β₂, ε), `state` its first
 * state vector and `stride` the f32 values from one state vector to the next (the whole parameter
 * count: a run of parameters keeps its state at the same place in each vector), `powers` the f64
 * products β₁ᵗ and β₂ᵗ of this step. Element-wise: any cut of the parameters updates them alike.
 */
export function optimizerUpdate(
  code: u32, params: usize, grads: usize, state: usize, stride: i32, N: i32, learningRate: f32, settings: usize, powers: usize,
): void {
  switch (code) {
    case OPT_MOMENTUM: {
      momentumUpdate(params, grads, state, N, learningRate, load<f32>(settings), load<f32>(settings, 4) != 0);
      break;
    }
    case OPT_ADAM: {
      adamUpdate(params, grads, state, state + (<usize>stride << 2), N, learningRate, load<f32>(settings), load<f32>(settings, 4),
        load<f32>(settings, 8), <f32>(1.0 / (1.0 - load<f64>(powers))), <f32>(1.0 / (1.0 - load<f64>(powers, 8))));
      break;
    }
    default: sgdUpdate(params, grads, N, learningRate);
  }
}

/** params −= learningRate · grads. */
export function sgdUpdate(params: usize, grads: usize, N: i32, learningRate: f32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const rate = f32x4.splat(learningRate);
    for (; i + 4 <= N; i += 4) {
      const at = <usize>i << 2;
      v128.store(params + at, f32x4.sub(v128.load(params + at), f32x4.mul(rate, v128.load(grads + at))));
    }
  }
  for (; i < N; i++) {
    const at = <usize>i << 2;
    store<f32>(params + at, load<f32>(params + at) - learningRate * load<f32>(grads + at));
  }
}

/** v ← μ·v + g; w ← w − lr·v, or with Nesterov w ← w − lr·(g + μ·v). */
export function momentumUpdate(params: usize, grads: usize, velocity: usize, N: i32, learningRate: f32, momentum: f32, nesterov: bool): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const rate = f32x4.splat(learningRate), mu = f32x4.splat(momentum);
    for (; i + 4 <= N; i += 4) {
      const at = <usize>i << 2;
      const g = v128.load(grads + at);
      const v = f32x4.add(f32x4.mul(mu, v128.load(velocity + at)), g);
      v128.store(velocity + at, v);
      const step = nesterov ? f32x4.add(g, f32x4.mul(mu, v)) : v;
      v128.store(params + at, f32x4.sub(v128.load(params + at), f32x4.mul(rate, step)));
    }
  }
  for (; i < N; i++) {
    const at = <usize>i << 2;
    const g = load<f32>(grads + at);
    const v = momentum * load<f32>(velocity + at) + g;
    store<f32>(velocity + at, v);
    store<f32>(params + at, load<f32>(params + at) - learningRate * (nesterov ? g + momentum * v : v));
  }
}

/**
 * Adam: m ← β₁m + (1−β₁)g; v ← β₂v + (1−β₂)g²; w ← w − lr·m̂/(√v̂ + ε), with m̂ = m·correction1 and
 * v̂ = v·correction2, the bias corrections 1/(1 − βᵗ) computed once per step by the caller.
 */
export function adamUpdate(
  params: usize, grads: usize, moment1: usize, moment2: usize, N: i32, learningRate: f32,
  beta1: f32, beta2: f32, epsilon: f32, correction1: f32, correction2: f32,
): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const b1 = f32x4.splat(beta1), b2 = f32x4.splat(beta2), c1 = f32x4.splat(1 - beta1), c2 = f32x4.splat(1 - beta2);
    const k1 = f32x4.splat(correction1), k2 = f32x4.splat(correction2), rate = f32x4.splat(learningRate), eps = f32x4.splat(epsilon);
    for (; i + 4 <= N; i += 4) {
      const at = <usize>i << 2;
      const g = v128.load(grads + at);
      const m1 = f32x4.add(f32x4.mul(b1, v128.load(moment1 + at)), f32x4.mul(c1, g));
      const m2 = f32x4.add(f32x4.mul(b2, v128.load(moment2 + at)), f32x4.mul(f32x4.mul(c2, g), g));
      v128.store(moment1 + at, m1);
      v128.store(moment2 + at, m2);
      const step = f32x4.div(f32x4.mul(rate, f32x4.mul(m1, k1)), f32x4.add(f32x4.sqrt(f32x4.mul(m2, k2)), eps));
      v128.store(params + at, f32x4.sub(v128.load(params + at), step));
    }
  }
  for (; i < N; i++) {
    const at = <usize>i << 2;
    const g = load<f32>(grads + at);
    const m1 = beta1 * load<f32>(moment1 + at) + (1 - beta1) * g;
    const m2 = beta2 * load<f32>(moment2 + at) + (1 - beta2) * g * g;
    store<f32>(moment1 + at, m1);
    store<f32>(moment2 + at, m2);
    store<f32>(params + at, load<f32>(params + at) - (learningRate * (m1 * correction1)) / (Mathf.sqrt(m2 * correction2) + epsilon));
  }
}

/** grads += l2 · params: the gradient of ½·l2·‖w‖², over one layer's weights (never its biases). */
export function l2Gradient(grads: usize, params: usize, N: i32, l2: f32): void {
  for (let i = 0; i < N; i++) {
    const at = <usize>i << 2;
    store<f32>(grads + at, load<f32>(grads + at) + l2 * load<f32>(params + at));
  }
}

/** The global L2 norm of grads, summed in float64 in order: clipping's measure. */
export function gradientNorm(grads: usize, N: i32): f64 {
  let sum: f64 = 0;
  for (let i = 0; i < N; i++) {
    const g = <f64>load<f32>(grads + (<usize>i << 2));
    sum += g * g;
  }
  return Math.sqrt(sum);
}

/** grads ·= scale: clipping's step once the factor maxNorm / norm is known. */
export function scaleGradients(grads: usize, N: i32, scale: f32): void {
  for (let i = 0; i < N; i++) {
    const at = <usize>i << 2;
    store<f32>(grads + at, load<f32>(grads + at) * scale);
  }
}

/**
 * Whether x[0 … N) are all finite. v · 0 is ±0 for a finite v and NaN for ±∞ or NaN; its lanes
 * that are not equal to themselves are or-ed together, so the only chain from one iteration to the
 * next is one bitwise or (a sum would wait on the adder's latency), and no branch in the loop.
 */
export function allFinite(x: usize, N: i32): bool {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const zero = f32x4.splat(0);
    let bad = i32x4.splat(0);
    for (; i + 4 <= N; i += 4) {
      const z = f32x4.mul(v128.load(x + (<usize>i << 2)), zero);
      bad = v128.or(bad, f32x4.ne(z, z));
    }
    if (v128.any_true(bad)) return false;
  }
  let sum: f32 = 0;
  for (; i < N; i++) {
    const v = load<f32>(x + (<usize>i << 2));
    sum += v - v;
  }
  return sum == sum;
}
