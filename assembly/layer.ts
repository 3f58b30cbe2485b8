// The layers, the twins of src/js/layer.ts: the forward and the backward pass over the layer
// records of the arena header, each a loop with one switch on the kind, forward beside backward. A
// new kind is a code, one case in each loop (and its kernels, here when they are small), and an
// entry in src/registry.ts saying what its record and regions need; train.ts never looks inside a record.
import {
  LAYER_WORDS, L_ARG0, L_ARG1, L_BIAS, L_DBIAS, L_DINPUT, L_DOUTPUT, L_DWEIGHT, L_IN, L_INPUT, L_KIND, L_OUT, L_OUTPUT, L_STATE,
  L_WEIGHT,
} from './abi';
import { activationBackward, activationForward } from './activation';
import { matmulBackwardInput, matmulBackwardWeight, matmulForward } from './matmul';
import { rngNext } from './rng';

/** Layer kind codes (L_KIND), and the words of their records that are their own. */
export const KIND_DENSE = 0; // out = in · Wᵀ + b
export const KIND_ACTIVATION = 1; // out = f(in), element-wise (softmax: row-wise)
export const KIND_DROPOUT = 2; // inverted dropout while training; the identity otherwise
export const L_CODE = L_ARG0; // activation: its code
export const L_DROP_BELOW = L_ARG0; // dropout: a unit drops when the next 32 random bits are below this
export const L_SCALE = L_ARG1; // dropout: f32 1/(1 − rate), the kept units' scale
export const L_MASK = L_STATE; // dropout: the last training pass's mask, passRows × OUT

// @ts-ignore: decorator
@inline function field(record: usize, word: i32): u32 {
  return load<u32>(record + (<usize>word << 2));
}

/**
 * Runs `rows` rows at `input` through the `count` layers whose records start at `records`: the
 * first reads `input` (its planned input, or the training rows where they lie), each other its
 * planned input. `training` turns dropout on; masks are drawn from the generator whose state is at
 * `rng`. The loop and the switch are one function so that a step costs one call per pass, not per layer.
 */
export function forwardLayers(records: usize, count: i32, input: usize, rows: i32, training: bool, rng: usize): void {
  for (let l = 0; l < count; l++) {
    const record = records + (<usize>(l * LAYER_WORDS) << 2);
    const from = l == 0 ? input : <usize>field(record, L_INPUT), output = <usize>field(record, L_OUTPUT), OC = <i32>field(record, L_OUT);
    switch (field(record, L_KIND)) {
      case KIND_DENSE: {
        matmulForward(output, from, <usize>field(record, L_WEIGHT), <usize>field(record, L_BIAS), rows, <i32>field(record, L_IN), OC);
        break;
      }
      case KIND_ACTIVATION: {
        activationForward(field(record, L_CODE), output, from, rows, OC);
        break;
      }
      case KIND_DROPOUT: {
        dropoutLayerForward(record, from, output, rows * OC, training, rng);
        break;
      }
    }
  }
}

/**
 * Back through layers `last` … 0 (records from `records` on), each from its ∂L/∂output: its
 * parameters' gradients, then ∂L/∂input unless its input needs none (L_DINPUT = 0). `input` as
 * forwardLayers had it.
 */
export function backwardLayers(records: usize, last: i32, input: usize, rows: i32): void {
  for (let l = last; l >= 0; l--) {
    const record = records + (<usize>(l * LAYER_WORDS) << 2);
    const from = l == 0 ? input : <usize>field(record, L_INPUT);
    const dout = <usize>field(record, L_DOUTPUT), dinp = <usize>field(record, L_DINPUT), OC = <i32>field(record, L_OUT);
    switch (field(record, L_KIND)) {
      case KIND_DENSE: {
        matmulBackwardWeight(<usize>field(record, L_DWEIGHT), <usize>field(record, L_DBIAS), dout, from, rows, <i32>field(record, L_IN), OC);
        if (dinp != 0) matmulBackwardInput(dinp, dout, <usize>field(record, L_WEIGHT), rows, <i32>field(record, L_IN), OC);
        break;
      }
      case KIND_ACTIVATION: {
        if (dinp != 0) activationBackward(field(record, L_CODE), dinp, from, <usize>field(record, L_OUTPUT), dout, rows, OC);
        break;
      }
      case KIND_DROPOUT: {
        if (dinp != 0) dropoutBackward(dinp, <usize>field(record, L_MASK), dout, rows * OC);
        break;
      }
    }
  }
}

/** A dropout layer's forward pass over its N units: masks drawn while training, a copy otherwise. */
function dropoutLayerForward(record: usize, input: usize, output: usize, N: i32, training: bool, rng: usize): void {
  if (training) dropoutForward(output, <usize>field(record, L_MASK), input, N, field(record, L_DROP_BELOW), load<f32>(record + (<usize>L_SCALE << 2)), rng);
  else memory.copy(output, input, <usize>N << 2);
}

/**
 * Inverted dropout over N units: a unit drops (× 0) when the next 32 random bits are below
 * `dropBelow`, and is kept scaled by `scale` = 1/(1 − rate) otherwise, so the layer's expected output
 * is its input. The mask keeps each unit's factor for the backward pass. One draw per unit, in order.
 */
export function dropoutForward(out: usize, mask: usize, inp: usize, N: i32, dropBelow: u32, scale: f32, rng: usize): void {
  for (let i = 0; i < N; i++) {
    const at = <usize>i << 2;
    const factor: f32 = rngNext(rng) < dropBelow ? 0 : scale;
    store<f32>(mask + at, factor);
    store<f32>(out + at, load<f32>(inp + at) * factor);
  }
}

/** dinp = dout · mask: a dropped unit passes no gradient, a kept one its scaled gradient. In place-safe. */
export function dropoutBackward(dinp: usize, mask: usize, dout: usize, N: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 4 <= N; i += 4) {
      const at = <usize>i << 2;
      v128.store(dinp + at, f32x4.mul(v128.load(dout + at), v128.load(mask + at)));
    }
  }
  for (; i < N; i++) {
    const at = <usize>i << 2;
    store<f32>(dinp + at, load<f32>(dout + at) * load<f32>(mask + at));
  }
}
