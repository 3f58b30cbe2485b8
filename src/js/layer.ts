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
import { shareStart } from './team.js';

/** Layer kind codes (L_KIND), and the words of their records that are their own. */
export const KIND_DENSE = 0; // out = in · Wᵀ + b
export const KIND_ACTIVATION = 1; // out = f(in), element-wise (softmax: row-wise)
export const KIND_DROPOUT = 2; // inverted dropout while training; the identity otherwise
export const L_CODE = L_ARG0; // activation: its code
export const L_DROP_BELOW = L_ARG0; // dropout: a unit drops when the next 32 random bits are below this
export const L_SCALE = L_ARG1; // dropout: f32 1/(1 − rate), the kept units' scale
export const L_MASK = L_STATE; // dropout: the last training pass's mask, passRows × OUT

/**
 * Runs rows first … first+rows of the pass through the `count` layers whose records start at word
 * `records`: the first layer reads the pass's inputs at `input` (its planned input, or the training
 * rows where they lie), each other its planned input. `training` turns dropout on, with the masks
 * drawMasks drew for the pass. The loop and the switch are one function so that a step costs one
 * call per pass, not per layer.
 */
export function forwardLayers(
  f: Float32Array,
  u: Uint32Array,
  records: number,
  count: number,
  input: number,
  first: number,
  rows: number,
  training: boolean,
): void {
  for (let l = 0; l < count; l++) {
    const record = records + l * LAYER_WORDS;
    const C = u[record + L_IN],
      OC = u[record + L_OUT];
    const from = (l === 0 ? input : u[record + L_INPUT] >>> 2) + first * C,
      output = (u[record + L_OUTPUT] >>> 2) + first * OC;
    switch (u[record + L_KIND]) {
      case KIND_DENSE:
        matmulForward(f, output, from, u[record + L_WEIGHT] >>> 2, u[record + L_BIAS] >>> 2, rows, C, OC);
        break;
      case KIND_ACTIVATION:
        activationForward(f, u[record + L_CODE], output, from, rows, OC);
        break;
      case KIND_DROPOUT:
        if (training) dropoutForward(f, output, (u[record + L_MASK] >>> 2) + first * OC, from, rows * OC);
        else f.copyWithin(output, from, from + rows * OC);
        break;
    }
  }
}

/**
 * Draws the masks of every dropout layer for a training pass of `rows` rows, from the generator at
 * u[rng …]: layer by layer, row by row, one draw per unit. Before the pass, so that the draws come
 * in the same order whoever computes the rows.
 */
export function drawMasks(
  f: Float32Array,
  u: Uint32Array,
  records: number,
  count: number,
  rows: number,
  rng: number,
): void {
  for (let l = 0; l < count; l++) {
    const record = records + l * LAYER_WORDS;
    if (u[record + L_KIND] !== KIND_DROPOUT) continue;
    dropoutMask(
      f,
      u,
      u[record + L_MASK] >>> 2,
      rows * u[record + L_OUT],
      u[record + L_DROP_BELOW],
      f[record + L_SCALE],
      rng,
    );
  }
}

/** Whether any layer draws masks while training: then a pass's members wait for member 0 to draw them. */
export function hasMasks(u: Uint32Array, records: number, count: number): boolean {
  for (let l = 0; l < count; l++) if (u[records + l * LAYER_WORDS + L_KIND] === KIND_DROPOUT) return true;
  return false;
}

/**
 * Back through layers `last` … 0 (records from word `records` on) for rows first … first+rows, each
 * from its ∂L/∂output to ∂L/∂input unless its input needs none (L_DINPUT = 0). The parameters'
 * gradients sum over all rows, so weightGradients computes them once every row's deltas are known.
 */
export function backwardLayers(
  f: Float32Array,
  u: Uint32Array,
  records: number,
  last: number,
  input: number,
  first: number,
  rows: number,
): void {
  for (let l = last; l >= 0; l--) {
    const record = records + l * LAYER_WORDS;
    const C = u[record + L_IN],
      OC = u[record + L_OUT];
    if (u[record + L_DINPUT] === 0) continue;
    const from = (l === 0 ? input : u[record + L_INPUT] >>> 2) + first * C;
    const dout = (u[record + L_DOUTPUT] >>> 2) + first * OC,
      dinp = (u[record + L_DINPUT] >>> 2) + first * C;
    switch (u[record + L_KIND]) {
      case KIND_DENSE:
        matmulBackwardInput(f, dinp, dout, u[record + L_WEIGHT] >>> 2, rows, C, OC);
        break;
      case KIND_ACTIVATION:
        activationBackward(
          f,
          u[record + L_CODE],
          dinp,
          from,
          (u[record + L_OUTPUT] >>> 2) + first * OC,
          dout,
          rows,
          OC,
        );
        break;
      case KIND_DROPOUT:
        dropoutBackward(f, dinp, (u[record + L_MASK] >>> 2) + first * OC, dout, rows * OC);
        break;
    }
  }
}

/**
 * The weight and bias gradients of the `count` layers (records from word `records` on) over all
 * `rows` rows of the pass, for share `part` of `parts` of each dense layer's output units (all: 0, 1).
 */
export function weightGradients(
  f: Float32Array,
  u: Uint32Array,
  records: number,
  count: number,
  input: number,
  rows: number,
  part: number,
  parts: number,
): void {
  for (let l = 0; l < count; l++) {
    const record = records + l * LAYER_WORDS;
    if (u[record + L_KIND] !== KIND_DENSE) continue;
    const OC = u[record + L_OUT],
      o0 = shareStart(OC, part, parts),
      o1 = shareStart(OC, part + 1, parts);
    if (o1 === o0) continue;
    matmulBackwardWeight(
      f,
      u[record + L_DWEIGHT] >>> 2,
      u[record + L_DBIAS] >>> 2,
      u[record + L_DOUTPUT] >>> 2,
      l === 0 ? input : u[record + L_INPUT] >>> 2,
      rows,
      u[record + L_IN],
      OC,
      o0,
      o1,
    );
  }
}

/**
 * Inverted dropout's mask over N units: a unit drops (× 0) when the next 32 random bits are below
 * `dropBelow`, and is kept scaled by `scale` = 1/(1 − rate) otherwise, so the layer's expected
 * output is its input. One draw per unit, in order.
 */
export function dropoutMask(
  f: Float32Array,
  u: Uint32Array,
  mask: number,
  N: number,
  dropBelow: number,
  scale: number,
  rng: number,
): void {
  for (let i = 0; i < N; i++) f[mask + i] = rngNext(u, rng) < dropBelow ? 0 : scale;
}

/** out = inp · mask: dropout's forward pass once its mask is drawn. In place-safe. */
export function dropoutForward(f: Float32Array, out: number, mask: number, inp: number, N: number): void {
  for (let i = 0; i < N; i++) f[out + i] = f[inp + i] * f[mask + i];
}

/**
 * dinp = dout · mask: a dropped unit passes no gradient, a kept one its scaled gradient. The same
 * product as the forward pass, so the same loop. In place-safe.
 */
export function dropoutBackward(f: Float32Array, dinp: number, mask: number, dout: number, N: number): void {
  dropoutForward(f, dinp, mask, dout, N);
}
