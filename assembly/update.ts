// Optimiser updates, the twins of src/js/update.ts: one loop over the whole flat parameter region.
// Legend: N parameter count.

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
