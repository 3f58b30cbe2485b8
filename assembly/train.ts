// The model functions of the WebAssembly core, the twins of src/js/train.ts: initialisation,
// forward, backward, one step, one epoch and a run of epochs, as straight lines of kernel calls
// over the arena whose header starts at `arena` (offsets in the header are absolute).
import {
  H_DATA_ROWS, H_DATA_X, H_DATA_Y, H_GRADS, H_INDEX, H_LAYERS, H_LAYER_BASE, H_LOSS, H_LOSSES, H_PARAM_COUNT, H_PARAMS, H_RNG,
  H_PASS_ROWS, H_TARGETS, LAYER_WORDS, LOSS_CROSS_ENTROPY, LOSS_SLOTS, L_ACT, L_BIAS, L_DBIAS, L_DINPUT, L_DOUTPUT, L_DWEIGHT,
  L_IN, L_INPUT, L_OUT, L_OUTPUT, L_WEIGHT,
} from './abi';
import { activationBackward, activationForward } from './activation';
import { crossEntropyBackward, lossForward, mseBackward } from './loss';
import { matmulBackwardInput, matmulBackwardWeight, matmulForward } from './matmul';
import { rngNormal, rngSeed, shuffleIndex } from './rng';
import { sgdUpdate } from './update';

let arena: usize = 0;

/** Points the core at an arena whose header the host has written. */
export function useArena(base: usize): void {
  arena = base;
  assert(header(H_LAYERS) > 0 && (base & 15) == 0, 'useArena: no arena header at this address');
}

// @ts-ignore: decorator
@inline function header(word: i32): u32 {
  return load<u32>(arena + (<usize>word << 2));
}

// @ts-ignore: decorator
@inline function layer(l: i32, field: i32): u32 {
  return header(H_LAYER_BASE + l * LAYER_WORDS + field);
}

// @ts-ignore: decorator
@inline function rngState(): usize {
  return arena + (<usize>H_RNG << 2);
}

/** Seeds the generator and draws every weight from normal(0, 1)/√fan_in; biases start at zero. */
export function initParams(seed: u32): void {
  rngSeed(rngState(), seed);
  for (let l = 0, L = <i32>header(H_LAYERS); l < L; l++) {
    const C = <i32>layer(l, L_IN), OC = <i32>layer(l, L_OUT);
    const weight = <usize>layer(l, L_WEIGHT);
    const scale: f64 = 1.0 / Math.sqrt(<f64>C);
    for (let i = 0; i < OC * C; i++) store<f32>(weight + (<usize>i << 2), <f32>(rngNormal(rngState()) * scale));
    memory.fill(<usize>layer(l, L_BIAS), 0, <usize>OC << 2);
  }
}

/** Where a batch gathered by gatherBatch (or put there by the host) starts: inputs and targets. */
export function batchInput(): usize {
  return <usize>layer(0, L_INPUT);
}

export function batchTargets(): usize {
  return <usize>header(H_TARGETS);
}

/** The input of layer l: the batch's rows for the first, the previous layer's output after. */
// @ts-ignore: decorator
@inline function layerInput(l: i32, input: usize): usize {
  return l == 0 ? input : <usize>layer(l, L_INPUT);
}

/** Runs `rows` rows starting at `input` through every layer. */
export function forward(input: usize, rows: i32): void {
  assert(rows > 0 && <u32>rows <= header(H_PASS_ROWS), 'forward: rows exceed the planned pass');
  for (let l = 0, L = <i32>header(H_LAYERS); l < L; l++) {
    const OC = <i32>layer(l, L_OUT);
    const output = <usize>layer(l, L_OUTPUT);
    matmulForward(output, layerInput(l, input), <usize>layer(l, L_WEIGHT), <usize>layer(l, L_BIAS), rows, <i32>layer(l, L_IN), OC);
    activationForward(layer(l, L_ACT), output, output, rows, OC);
  }
}

/** The loss of the last forward pass against `targets`, summed over `rows`. */
export function batchLoss(targets: usize, rows: i32): f64 {
  const last = <i32>header(H_LAYERS) - 1;
  return lossForward(header(H_LOSS), <usize>layer(last, L_OUTPUT), targets, rows, <i32>layer(last, L_OUT), layer(last, L_ACT));
}

/** Gradients of the batch-mean loss into the grads region: the delta recursion, last layer to first. */
export function backward(input: usize, targets: usize, rows: i32): void {
  const last = <i32>header(H_LAYERS) - 1;
  const OC = <i32>layer(last, L_OUT);
  const pred = <usize>layer(last, L_OUTPUT), dpred = <usize>layer(last, L_DOUTPUT);
  const scale: f64 = 1.0 / <f64>rows;
  if (header(H_LOSS) == LOSS_CROSS_ENTROPY) {
    crossEntropyBackward(dpred, pred, targets, rows * OC, scale);
  } else {
    mseBackward(dpred, pred, targets, rows * OC, scale);
    activationBackward(layer(last, L_ACT), dpred, pred, dpred, rows, OC);
  }
  for (let l = last; l >= 0; l--) {
    const C = <i32>layer(l, L_IN), OCl = <i32>layer(l, L_OUT);
    const dout = <usize>layer(l, L_DOUTPUT);
    matmulBackwardWeight(<usize>layer(l, L_DWEIGHT), <usize>layer(l, L_DBIAS), dout, layerInput(l, input), rows, C, OCl);
    if (l == 0) break;
    const dinp = <usize>layer(l, L_DINPUT);
    matmulBackwardInput(dinp, dout, <usize>layer(l, L_WEIGHT), rows, C, OCl);
    activationBackward(layer(l - 1, L_ACT), dinp, <usize>layer(l, L_INPUT), dinp, rows, C);
  }
}

/** One gradient step on `rows` rows at `input` with `targets`; returns their summed loss before the step. */
export function trainStep(input: usize, targets: usize, rows: i32, learningRate: f32): f64 {
  forward(input, rows);
  const loss = batchLoss(targets, rows);
  backward(input, targets, rows);
  sgdUpdate(<usize>header(H_PARAMS), <usize>header(H_GRADS), <i32>header(H_PARAM_COUNT), learningRate);
  return loss;
}

/** Copies the training rows order[start … start+rows) into the batch region. */
export function gatherBatch(start: i32, rows: i32): void {
  const last = <i32>header(H_LAYERS) - 1;
  const inBytes = <usize>layer(0, L_IN) << 2, outBytes = <usize>layer(last, L_OUT) << 2;
  const input = batchInput(), targets = batchTargets();
  const dataX = <usize>header(H_DATA_X), dataY = <usize>header(H_DATA_Y), index = <usize>header(H_INDEX);
  for (let r = 0; r < rows; r++) {
    const row = <usize>load<u32>(index + (<usize>(start + r) << 2));
    copyBytes(input + <usize>r * inBytes, dataX + row * inBytes, inBytes);
    copyBytes(targets + <usize>r * outBytes, dataY + row * outBytes, outBytes);
  }
}

/**
 * Copies a row, a multiple of 4 bytes. A loop rather than memory.copy, which V8 runs as a call out
 * of wasm costing more than the copy itself for rows of a few numbers (the seed's XOR is 8 bytes).
 */
// @ts-ignore: decorator
@inline function copyBytes(to: usize, from: usize, bytes: usize): void {
  let i: usize = 0;
  if (ASC_FEATURE_SIMD) for (; i + 16 <= bytes; i += 16) v128.store(to + i, v128.load(from + i));
  for (; i < bytes; i += 4) store<u32>(to + i, load<u32>(from + i));
}

/** Writes the identity permutation over `rows` rows into the index region. */
export function resetIndex(rows: i32): void {
  const index = <usize>header(H_INDEX);
  for (let i = 0; i < rows; i++) store<u32>(index + (<usize>i << 2), i);
}

/** One epoch over the first `rows` training rows in batches of `batchSize`; returns the summed loss. */
export function trainEpoch(rows: i32, batchSize: i32, shuffle: bool, learningRate: f32): f64 {
  assert(<u32>rows <= header(H_DATA_ROWS) && batchSize > 0 && <u32>batchSize <= header(H_PASS_ROWS), 'trainEpoch: outside the plan');
  if (shuffle) shuffleIndex(rngState(), <usize>header(H_INDEX), rows);
  const inBytes = <usize>layer(0, L_IN) << 2, outBytes = <usize>layer(<i32>header(H_LAYERS) - 1, L_OUT) << 2;
  const dataX = <usize>header(H_DATA_X), dataY = <usize>header(H_DATA_Y);
  let loss: f64 = 0;
  for (let start = 0; start < rows; start += batchSize) {
    const n = min(batchSize, rows - start);
    if (shuffle) {
      gatherBatch(start, n);
      loss += trainStep(batchInput(), batchTargets(), n, learningRate);
    } else {
      // In order, a batch is a run of consecutive training rows: train on them where they lie.
      loss += trainStep(dataX + <usize>start * inBytes, dataY + <usize>start * outBytes, n, learningRate);
    }
  }
  return loss;
}

/** Up to `epochs` epochs (at most LOSS_SLOTS), each one's summed loss into the losses region; stops after a non-finite one. */
export function trainEpochs(epochs: i32, rows: i32, batchSize: i32, shuffle: bool, learningRate: f32): i32 {
  assert(epochs > 0 && epochs <= LOSS_SLOTS, 'trainEpochs: more epochs than loss slots');
  const losses = <usize>header(H_LOSSES);
  for (let e = 0; e < epochs; e++) {
    const loss = trainEpoch(rows, batchSize, shuffle, learningRate);
    store<f64>(losses + (<usize>e << 3), loss);
    if (!isFinite(loss)) return e + 1;
  }
  return epochs;
}
