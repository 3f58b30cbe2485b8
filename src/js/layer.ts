// The layer kinds, the twins of assembly/layer.ts: each kind's forward beside its backward, over
// the kind's record in the arena header. A new kind is a code, one case in each of the two
// functions (and its kernels, here when they are small), and an entry in src/registry.ts saying
// what its record and regions need; train.ts runs the records in order and never looks inside them.
// `record` is the word index of the record; offsets in it are bytes, hence the `>>> 2`.
import {
  L_BIAS, L_CODE, L_DBIAS, L_DINPUT, L_DOUTPUT, L_DROP_BELOW, L_DWEIGHT, L_IN, L_KIND, L_MASK, L_OUT, L_OUTPUT, L_SCALE, L_WEIGHT,
} from '../abi.js';
import { activationBackward, activationForward } from './activation.js';
import { matmulBackwardInput, matmulBackwardWeight, matmulForward } from './matmul.js';
import { rngNext } from './rng.js';

/** Layer kind codes (L_KIND). */
export const KIND_DENSE = 0; // out = in · Wᵀ + b
export const KIND_ACTIVATION = 1; // out = f(in), element-wise (softmax: row-wise)
export const KIND_DROPOUT = 2; // inverted dropout while training; the identity otherwise

/**
 * Runs the layer whose record starts at word `record` on `rows` rows at `input` (its planned
 * input, or for the first layer the training rows where they lie). `training` turns dropout on;
 * masks are drawn from the generator whose state is at u[rng …].
 */
export function layerForward(
  f: Float32Array, u: Uint32Array, record: number, input: number, rows: number, training: boolean, rng: number,
): void {
  const C = u[record + L_IN], OC = u[record + L_OUT], output = u[record + L_OUTPUT] >>> 2;
  switch (u[record + L_KIND]) {
    case KIND_DENSE:
      matmulForward(f, output, input, u[record + L_WEIGHT] >>> 2, u[record + L_BIAS] >>> 2, rows, C, OC);
      break;
    case KIND_ACTIVATION:
      activationForward(f, u[record + L_CODE], output, input, rows, OC);
      break;
    case KIND_DROPOUT:
      if (training) dropoutForward(f, u, output, u[record + L_MASK] >>> 2, input, rows * OC, u[record + L_DROP_BELOW], f[record + L_SCALE], rng);
      else if (output !== input) f.copyWithin(output, input, input + rows * OC);
      break;
  }
}

/**
 * Back through the layer whose record starts at word `record`, from ∂L/∂output: its parameters'
 * gradients, then ∂L/∂input unless its input needs none (L_DINPUT = 0). `input` as layerForward had it.
 */
export function layerBackward(f: Float32Array, u: Uint32Array, record: number, input: number, rows: number): void {
  const C = u[record + L_IN], OC = u[record + L_OUT];
  const dout = u[record + L_DOUTPUT] >>> 2, dinp = u[record + L_DINPUT] >>> 2;
  switch (u[record + L_KIND]) {
    case KIND_DENSE:
      matmulBackwardWeight(f, u[record + L_DWEIGHT] >>> 2, u[record + L_DBIAS] >>> 2, dout, input, rows, C, OC);
      if (dinp !== 0) matmulBackwardInput(f, dinp, dout, u[record + L_WEIGHT] >>> 2, rows, C, OC);
      break;
    case KIND_ACTIVATION:
      if (dinp !== 0) activationBackward(f, u[record + L_CODE], dinp, u[record + L_OUTPUT] >>> 2, dout, rows, OC);
      break;
    case KIND_DROPOUT:
      if (dinp !== 0) dropoutBackward(f, dinp, u[record + L_MASK] >>> 2, dout, rows * OC);
      break;
  }
}

/**
 * Inverted dropout over N units: a unit drops (× 0) when the next 32 random bits are below
 * `dropBelow`, and is kept scaled by `scale` = 1/(1 − rate) otherwise, so the layer's expected output
 * is its input. The mask keeps each unit's factor for the backward pass. One draw per unit, in order.
 */
export function dropoutForward(
  f: Float32Array, u: Uint32Array, out: number, mask: number, inp: number, N: number, dropBelow: number, scale: number, rng: number,
): void {
  for (let i = 0; i < N; i++) {
    const factor = rngNext(u, rng) < dropBelow ? 0 : scale;
    f[mask + i] = factor;
    f[out + i] = f[inp + i] * factor;
  }
}

/** dinp = dout · mask: a dropped unit passes no gradient, a kept one its scaled gradient. In place-safe. */
export function dropoutBackward(f: Float32Array, dinp: number, mask: number, dout: number, N: number): void {
  for (let i = 0; i < N; i++) f[dinp + i] = f[dout + i] * f[mask + i];
}
