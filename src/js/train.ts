// The model functions of the pure-TS engine: initialisation, forward, backward, one step and one
// epoch, as straight lines of kernel calls over the arena described by its header (src/abi.ts).
// `f` and `u` are Float32 and Uint32 views of the same arena; the header starts at word 0 and
// holds byte offsets, hence the `>>> 2` when one is read.
import {
  H_DATA_X, H_DATA_Y, H_GRADS, H_INDEX, H_LAYERS, H_LAYER_BASE, H_LOSS, H_PARAM_COUNT, H_PARAMS, H_RNG,
  H_TARGETS, LAYER_WORDS, LOSS_CROSS_ENTROPY, L_ACT, L_BIAS, L_DBIAS, L_DINPUT, L_DOUTPUT, L_DWEIGHT,
  L_IN, L_INPUT, L_OUT, L_OUTPUT, L_WEIGHT,
} from '../abi.js';
import { activationBackward, activationForward } from './activation.js';
import { crossEntropyBackward, lossForward, mseBackward } from './loss.js';
import { matmulBackwardInput, matmulBackwardWeight, matmulForward } from './matmul.js';
import { rngNormal, rngSeed, shuffleIndex } from './rng.js';
import { sgdUpdate } from './update.js';

const layerWord = (l: number, field: number): number => H_LAYER_BASE + l * LAYER_WORDS + field;
const at = (u: Uint32Array, word: number): number => u[word] >>> 2;

/** Seeds the generator and draws every weight from normal(0, 1)/√fan_in; biases start at zero. */
export function initParams(f: Float32Array, u: Uint32Array, seed: number): void {
  rngSeed(u, H_RNG, seed);
  for (let l = 0, L = u[H_LAYERS]; l < L; l++) {
    const C = u[layerWord(l, L_IN)], OC = u[layerWord(l, L_OUT)];
    const weight = at(u, layerWord(l, L_WEIGHT)), bias = at(u, layerWord(l, L_BIAS));
    const scale = 1 / Math.sqrt(C);
    for (let i = 0; i < OC * C; i++) f[weight + i] = rngNormal(u, H_RNG) * scale;
    f.fill(0, bias, bias + OC);
  }
}

/** Where a batch gathered by gatherBatch (or put there by the host) starts: inputs and targets. */
export const batchInput = (u: Uint32Array): number => at(u, layerWord(0, L_INPUT));
export const batchTargets = (u: Uint32Array): number => at(u, H_TARGETS);

/** The input of layer l: the batch's rows for the first, the previous layer's output after. */
const layerInput = (u: Uint32Array, l: number, input: number): number => (l === 0 ? input : at(u, layerWord(l, L_INPUT)));

/** Runs `rows` rows starting at `input` through every layer. */
export function forward(f: Float32Array, u: Uint32Array, input: number, rows: number): void {
  for (let l = 0, L = u[H_LAYERS]; l < L; l++) {
    const C = u[layerWord(l, L_IN)], OC = u[layerWord(l, L_OUT)];
    const output = at(u, layerWord(l, L_OUTPUT));
    matmulForward(f, output, layerInput(u, l, input), at(u, layerWord(l, L_WEIGHT)), at(u, layerWord(l, L_BIAS)), rows, C, OC);
    activationForward(f, u[layerWord(l, L_ACT)], output, output, rows, OC);
  }
}

/** The loss of the last forward pass against `targets`, summed over `rows`. */
export function batchLoss(f: Float32Array, u: Uint32Array, targets: number, rows: number): number {
  const last = u[H_LAYERS] - 1;
  return lossForward(
    f, u[H_LOSS], at(u, layerWord(last, L_OUTPUT)), targets, rows, u[layerWord(last, L_OUT)], u[layerWord(last, L_ACT)],
  );
}

/** Gradients of the batch-mean loss into the grads region: the delta recursion, last layer to first. */
export function backward(f: Float32Array, u: Uint32Array, input: number, targets: number, rows: number): void {
  const last = u[H_LAYERS] - 1;
  const OC = u[layerWord(last, L_OUT)];
  const pred = at(u, layerWord(last, L_OUTPUT)), dpred = at(u, layerWord(last, L_DOUTPUT));
  if (u[H_LOSS] === LOSS_CROSS_ENTROPY) {
    crossEntropyBackward(f, dpred, pred, targets, rows * OC, 1 / rows);
  } else {
    mseBackward(f, dpred, pred, targets, rows * OC, 1 / rows);
    activationBackward(f, u[layerWord(last, L_ACT)], dpred, pred, dpred, rows, OC);
  }
  for (let l = last; l >= 0; l--) {
    const C = u[layerWord(l, L_IN)], OC = u[layerWord(l, L_OUT)];
    const dout = at(u, layerWord(l, L_DOUTPUT));
    matmulBackwardWeight(f, at(u, layerWord(l, L_DWEIGHT)), at(u, layerWord(l, L_DBIAS)), dout, layerInput(u, l, input), rows, C, OC);
    if (l === 0) break;
    const dinp = at(u, layerWord(l, L_DINPUT));
    matmulBackwardInput(f, dinp, dout, at(u, layerWord(l, L_WEIGHT)), rows, C, OC);
    activationBackward(f, u[layerWord(l - 1, L_ACT)], dinp, at(u, layerWord(l, L_INPUT)), dinp, rows, C);
  }
}

/** One gradient step on `rows` rows at `input` with `targets`; returns their summed loss before the step. */
export function trainStep(f: Float32Array, u: Uint32Array, input: number, targets: number, rows: number, learningRate: number): number {
  forward(f, u, input, rows);
  const loss = batchLoss(f, u, targets, rows);
  backward(f, u, input, targets, rows);
  sgdUpdate(f, at(u, H_PARAMS), at(u, H_GRADS), u[H_PARAM_COUNT], learningRate);
  return loss;
}

/** Copies the training rows order[start … start+rows) into the batch region. */
export function gatherBatch(f: Float32Array, u: Uint32Array, start: number, rows: number): void {
  const last = u[H_LAYERS] - 1;
  const C = u[layerWord(0, L_IN)], OC = u[layerWord(last, L_OUT)];
  const input = batchInput(u), targets = batchTargets(u);
  const dataX = at(u, H_DATA_X), dataY = at(u, H_DATA_Y), index = at(u, H_INDEX);
  for (let r = 0; r < rows; r++) {
    const row = u[index + start + r];
    for (let c = 0; c < C; c++) f[input + r * C + c] = f[dataX + row * C + c];
    for (let o = 0; o < OC; o++) f[targets + r * OC + o] = f[dataY + row * OC + o];
  }
}

/** Writes the identity permutation over `rows` rows into the index region. */
export function resetIndex(u: Uint32Array, rows: number): void {
  const index = at(u, H_INDEX);
  for (let i = 0; i < rows; i++) u[index + i] = i;
}

/** One epoch over the first `rows` training rows in batches of `batchSize`; returns the summed loss. */
export function trainEpoch(
  f: Float32Array, u: Uint32Array, rows: number, batchSize: number, shuffle: boolean, learningRate: number,
): number {
  if (shuffle) shuffleIndex(u, H_RNG, at(u, H_INDEX), rows);
  const C = u[layerWord(0, L_IN)], OC = u[layerWord(u[H_LAYERS] - 1, L_OUT)];
  const dataX = at(u, H_DATA_X), dataY = at(u, H_DATA_Y);
  let loss = 0;
  for (let start = 0; start < rows; start += batchSize) {
    const n = Math.min(batchSize, rows - start);
    if (shuffle) {
      gatherBatch(f, u, start, n);
      loss += trainStep(f, u, batchInput(u), batchTargets(u), n, learningRate);
    } else {
      // In order, a batch is a run of consecutive training rows: train on them where they lie.
      loss += trainStep(f, u, dataX + start * C, dataY + start * OC, n, learningRate);
    }
  }
  return loss;
}

/** Up to `epochs` epochs, each one's summed loss into losses[lossOffset + e]; stops after a non-finite one. */
export function trainEpochs(
  f: Float32Array, u: Uint32Array, epochs: number, rows: number, batchSize: number, shuffle: boolean,
  learningRate: number, losses: Float64Array, lossOffset: number,
): number {
  for (let e = 0; e < epochs; e++) {
    const loss = trainEpoch(f, u, rows, batchSize, shuffle, learningRate);
    losses[lossOffset + e] = loss;
    if (!Number.isFinite(loss)) return e + 1;
  }
  return epochs;
}
