// Optimiser updates: one loop over the whole flat parameter region (grads mirror its layout).
// Legend: N parameter count.

/** params −= learningRate · grads. */
export function sgdUpdate(m: Float32Array, params: number, grads: number, N: number, learningRate: number): void {
  for (let i = 0; i < N; i++) m[params + i] -= learningRate * m[grads + i];
}
