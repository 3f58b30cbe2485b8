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
import { shareStart } from './team';

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

/** Byte offset of row `first` of a region `width` values wide. */
// @ts-ignore: decorator
@inline function row(region: usize, first: i32, width: i32): usize {
  return region + (<usize>(first * width) << 2);
}

/**
 * Runs rows first … first+rows of the pass through the `count` layers whose records start at
 * `records`: the first layer reads the pass's inputs at `input` (its planned input, or the training
 * rows where they lie), each other its planned input. `training` turns dropout on, with the masks
 * drawMasks drew for the pass. The loop and the switch are one function so that a step costs one
 * call per pass, not per layer; rows are independent, so the team's members each run their own.
 */
export function forwardLayers(records: usize, count: i32, input: usize, first: i32, rows: i32, training: bool): void {
  for (let l = 0; l < count; l++) {
    const record = records + (<usize>(l * LAYER_WORDS) << 2);
    const C = <i32>field(record, L_IN), OC = <i32>field(record, L_OUT);
    const from = row(l == 0 ? input : <usize>field(record, L_INPUT), first, C), output = row(<usize>field(record, L_OUTPUT), first, OC);
    switch (field(record, L_KIND)) {
      case KIND_DENSE: {
        matmulForward(output, from, <usize>field(record, L_WEIGHT), <usize>field(record, L_BIAS), rows, C, OC);
        break;
      }
      case KIND_ACTIVATION: {
        activationForward(field(record, L_CODE), output, from, rows, OC);
        break;
      }
      case KIND_DROPOUT: {
        if (training) dropoutForward(output, row(<usize>field(record, L_MASK), first, OC), from, rows * OC);
        else memory.copy(output, from, <usize>(rows * OC) << 2);
        break;
      }
    }
  }
}

/**
 * Draws the masks of every dropout layer for a training pass of `rows` rows, from the generator
 * whose state is at `rng`: layer by layer, row by row, one draw per unit. Before the pass, on one
 * member, so that the draws come in the same order whoever computes the rows.
 */
export function drawMasks(records: usize, count: i32, rows: i32, rng: usize): void {
  for (let l = 0; l < count; l++) {
    const record = records + (<usize>(l * LAYER_WORDS) << 2);
    if (field(record, L_KIND) != KIND_DROPOUT) continue;
    dropoutMask(<usize>field(record, L_MASK), rows * <i32>field(record, L_OUT), field(record, L_DROP_BELOW),
      load<f32>(record + (<usize>L_SCALE << 2)), rng);
  }
}

/** Whether any layer draws masks while training: then a pass's members wait for member 0 to draw them. */
export function hasMasks(records: usize, count: i32): bool {
  for (let l = 0; l < count; l++) {
    if (field(records + (<usize>(l * LAYER_WORDS) << 2), L_KIND) == KIND_DROPOUT) return true;
  }
  return false;
}

/**
 * Back through layers `last` … 0 (records from `records` on) for rows first … first+rows, each
 * from its ∂L/∂output to ∂L/∂input unless its input needs none (L_DINPUT = 0). The parameters'
 * gradients sum over all rows, so weightGradients computes them once every row's deltas are known.
 */
export function backwardLayers(records: usize, last: i32, input: usize, first: i32, rows: i32): void {
  for (let l = last; l >= 0; l--) {
    const record = records + (<usize>(l * LAYER_WORDS) << 2);
    const C = <i32>field(record, L_IN), OC = <i32>field(record, L_OUT);
    const dinp = <usize>field(record, L_DINPUT);
    if (dinp == 0) continue;
    const from = row(l == 0 ? input : <usize>field(record, L_INPUT), first, C);
    const dout = row(<usize>field(record, L_DOUTPUT), first, OC), dx = row(dinp, first, C);
    switch (field(record, L_KIND)) {
      case KIND_DENSE: {
        matmulBackwardInput(dx, dout, <usize>field(record, L_WEIGHT), rows, C, OC);
        break;
      }
      case KIND_ACTIVATION: {
        activationBackward(field(record, L_CODE), dx, from, row(<usize>field(record, L_OUTPUT), first, OC), dout, rows, OC);
        break;
      }
      case KIND_DROPOUT: {
        dropoutBackward(dx, row(<usize>field(record, L_MASK), first, OC), dout, rows * OC);
        break;
      }
    }
  }
}

/**
 * The weight and bias gradients of the `count` layers (records from `records` on) over all `rows`
 * rows of the pass, for share `part` of `parts` of each dense layer's output units (all: 0, 1).
 */
export function weightGradients(records: usize, count: i32, input: usize, rows: i32, part: i32, parts: i32): void {
  for (let l = 0; l < count; l++) {
    const record = records + (<usize>(l * LAYER_WORDS) << 2);
    if (field(record, L_KIND) != KIND_DENSE) continue;
    const OC = <i32>field(record, L_OUT), o0 = shareStart(OC, part, parts), o1 = shareStart(OC, part + 1, parts);
    if (o1 == o0) continue;
    matmulBackwardWeight(<usize>field(record, L_DWEIGHT), <usize>field(record, L_DBIAS), <usize>field(record, L_DOUTPUT),
      l == 0 ? input : <usize>field(record, L_INPUT), rows, <i32>field(record, L_IN), OC, o0, o1);
  }
}

/**
 * Inverted dropout's mask over N units: a unit drops (× 0) when the next 32 random bits are below
 * `dropBelow`, and is kept scaled by `scale` = 1/(1 − rate) otherwise, so the layer's expected
 * output is its input. One draw per unit, in order.
 */
export function dropoutMask(mask: usize, N: i32, dropBelow: u32, scale: f32, rng: usize): void {
  for (let i = 0; i < N; i++) store<f32>(mask + (<usize>i << 2), rngNext(rng) < dropBelow ? 0 : scale);
}

/** out = inp · mask: dropout's forward pass once its mask is drawn. In place-safe. */
export function dropoutForward(out: usize, mask: usize, inp: usize, N: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 4 <= N; i += 4) {
      const at = <usize>i << 2;
      v128.store(out + at, f32x4.mul(v128.load(inp + at), v128.load(mask + at)));
    }
  }
  for (; i < N; i++) {
    const at = <usize>i << 2;
    store<f32>(out + at, load<f32>(inp + at) * load<f32>(mask + at));
  }
}

/**
 * dinp = dout · mask: a dropped unit passes no gradient, a kept one its scaled gradient. The same
 * product as the forward pass, so the same loop. In place-safe.
 */
export function dropoutBackward(dinp: usize, mask: usize, dout: usize, N: i32): void {
  dropoutForward(dinp, mask, dout, N);
}
