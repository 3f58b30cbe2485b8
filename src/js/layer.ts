// The layers, the twins of assembly/layer.ts: the forward and the backward pass over the layer
// records of the arena header, each a loop with one switch on the kind, forward beside backward. A
// new kind is a code, one case in each loop (and its kernels, here when they are small), and an
// entry in src/registry.ts saying what its record and regions need; train.ts never looks inside a
// record. Records are addressed by word index; the offsets in them are bytes, hence the `>>> 2`.
import {
  LAYER_WORDS,
  L_ARG0,
  L_ARG1,
  L_BIAS,
  L_DBIAS,
  L_DINPUT,
  L_DOUTPUT,
  L_DWEIGHT,
  L_IN,
  L_INPUT,
  L_KIND,
  L_OUT,
  L_OUTPUT,
  L_STATE,
  L_WEIGHT,
} from '../abi.js';
import { activationBackward, activationForward } from './activation.js';
import { matmulBackwardInput, matmulBackwardWeight, matmulForward } from './matmul.js';
import { rngNext } from './rng.js';

/** Layer kind codes (L_KIND), and the words of their records that are their own. */
export const KIND_DENSE = 0; // out = in · Wᵀ + b
export const KIND_ACTIVATION = 1; // out = f(in), element-wise (softmax: row-wise)
export const KIND_DROPOUT = 2; // inverted dropout while training; the identity otherwise
export const L_CODE = L_ARG0; // activation: its code
export const L_DROP_BELOW = L_ARG0; // dropout: a unit drops when the next 32 random bits are below this
export const L_SCALE = L_ARG1; // dropout: f32 1/(1 − rate), the kept units' scale
export const L_MASK = L_STATE; // dropout: the last training pass's mask, passRows × OUT

/**
 * Runs `rows` rows at `input` through the `count` layers whose records start at word `records`:
 * the first reads `input` (its planned input, or the training rows where they lie), each other its
 * planned input. `training` turns dropout on; masks are drawn from the generator at u[rng …].
 * The loop and the switch are one function so that a step costs one call per pass, not per layer.
 */
export function forwardLayers(
  f: Float32Array,
  u: Uint32Array,
  records: number,
  count: number,
  input: number,
  rows: number,
  training: boolean,
  rng: number,
): void {
  for (let l = 0; l < count; l++) {
    const record = records + l * LAYER_WORDS;
    const from = l === 0 ? input : u[record + L_INPUT] >>> 2,
      output = u[record + L_OUTPUT] >>> 2,
      OC = u[record + L_OUT];
    switch (u[record + L_KIND]) {
      case KIND_DENSE:
        matmulForward(
          f,
          output,
          from,
          u[record + L_WEIGHT] >>> 2,
          u[record + L_BIAS] >>> 2,
          rows,
          u[record + L_IN],
          OC,
        );
        break;
      case KIND_ACTIVATION:
        activationForward(f, u[record + L_CODE], output, from, rows, OC);
        break;
      case KIND_DROPOUT:
        dropoutLayerForward(f, u, record, from, output, rows * OC, training, rng);
        break;
    }
  }
}

/**
 * Back through layers `last` … 0 (records from word `records` on), each from its ∂L/∂output: its
 * parameters' gradients, then ∂L/∂input unless its input needs none (L_DINPUT = 0). `input` as
 * forwardLayers had it.
 */
export function backwardLayers(
  f: Float32Array,
  u: Uint32Array,
  records: number,
  last: number,
  input: number,
  rows: number,
): void {
  for (let l = last; l >= 0; l--) {
    const record = records + l * LAYER_WORDS;
    const from = l === 0 ? input : u[record + L_INPUT] >>> 2;
    const dout = u[record + L_DOUTPUT] >>> 2,
      dinp = u[record + L_DINPUT] >>> 2,
      OC = u[record + L_OUT];
    switch (u[record + L_KIND]) {
      case KIND_DENSE:
        matmulBackwardWeight(
          f,
          u[record + L_DWEIGHT] >>> 2,
          u[record + L_DBIAS] >>> 2,
          dout,
          from,
          rows,
          u[record + L_IN],
          OC,
        );
        if (dinp !== 0) matmulBackwardInput(f, dinp, dout, u[record + L_WEIGHT] >>> 2, rows, u[record + L_IN], OC);
        break;
      case KIND_ACTIVATION:
        if (dinp !== 0)
          activationBackward(f, u[record + L_CODE], dinp, from, u[record + L_OUTPUT] >>> 2, dout, rows, OC);
        break;
      case KIND_DROPOUT:
        if (dinp !== 0) dropoutBackward(f, dinp, u[record + L_MASK] >>> 2, dout, rows * OC);
        break;
    }
  }
}

/** A dropout layer's forward pass over its N units: masks drawn while training, a copy otherwise. */
function dropoutLayerForward(
  f: Float32Array,
  u: Uint32Array,
  record: number,
  input: number,
  output: number,
  N: number,
  training: boolean,
  rng: number,
): void {
  if (training)
    dropoutForward(
      f,
      u,
      output,
      u[record + L_MASK] >>> 2,
      input,
      N,
      u[record + L_DROP_BELOW],
      f[record + L_SCALE],
      rng,
    );
  else f.copyWithin(output, input, input + N);
}

/**
 * Inverted dropout over N units: a unit drops (× 0) when the next 32 random bits are below
 * `dropBelow`, and is kept scaled by `scale` = 1/(1 − rate) otherwise, so the layer's expected output
 * is its input. The mask keeps each unit's factor for the backward pass. One draw per unit, in order.
 */
export function dropoutForward(
  f: Float32Array,
  u: Uint32Array,
  out: number,
  mask: number,
  inp: number,
  N: number,
  dropBelow: number,
  scale: number,
  rng: number,
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
