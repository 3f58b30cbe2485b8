// The model functions of the pure-TS engine: initialisation, forward, backward, one step and one
// epoch, as straight lines of kernel calls over the arena described by its header (src/abi.ts).
// `f` and `u` are Float32 and Uint32 views of the same arena; the header starts at word 0 and
// holds byte offsets, hence the `>>> 2` when one is read.
import {
  H_BETA1, H_BETA1_POWER, H_BETA2, H_BETA2_POWER, H_CLASSIFY, H_CLIP, H_CORRECT, H_DATA_X, H_DATA_Y, H_EPSILON, H_GRADS,
  H_INDEX, H_L2, H_LAYERS, H_LAYER_BASE, H_LOSS, H_MOMENTUM, H_OPTIMIZER, H_OPT_STATE, H_PARAM_COUNT, H_PARAMS, H_RNG,
  H_STEP, H_TARGETS, INIT_HE_NORMAL, INIT_HE_UNIFORM, INIT_XAVIER_NORMAL, INIT_XAVIER_UNIFORM, LAYER_WORDS,
  LOSS_CROSS_ENTROPY, L_ACT, L_BIAS, L_DBIAS, L_DINPUT, L_DOUTPUT, L_DWEIGHT, L_IN, L_INPUT, L_OUT, L_OUTPUT, L_WEIGHT,
  OPT_ADAM, OPT_MOMENTUM, OPT_NESTEROV,
} from '../abi.js';
import { activationBackward, activationForward } from './activation.js';
import { countCorrect, crossEntropyBackward, lossForward, mseBackward } from './loss.js';
import { matmulBackwardInput, matmulBackwardWeight, matmulForward } from './matmul.js';
import { rngNormal, rngSeed, rngSigned, shuffleIndex } from './rng.js';
import { adamUpdate, allFinite, clipGradients, l2Gradient, momentumUpdate, sgdUpdate } from './update.js';

const layerWord = (l: number, field: number): number => H_LAYER_BASE + l * LAYER_WORDS + field;
const at = (u: Uint32Array, word: number): number => u[word] >>> 2;

/**
 * Seeds the generator and draws every weight by rule `init` (the seed's normal(0, 1)/√fan_in, or
 * Glorot or He, uniform or normal); biases start at zero. Also resets the optimiser's state.
 */
export function initParams(f: Float32Array, u: Uint32Array, seed: number, init: number): void {
  rngSeed(u, H_RNG, seed);
  for (let l = 0, L = u[H_LAYERS]; l < L; l++) {
    const C = u[layerWord(l, L_IN)], OC = u[layerWord(l, L_OUT)];
    const weight = at(u, layerWord(l, L_WEIGHT)), bias = at(u, layerWord(l, L_BIAS));
    const uniform = init === INIT_XAVIER_UNIFORM || init === INIT_HE_UNIFORM;
    const scale = init === INIT_XAVIER_UNIFORM ? Math.sqrt(6 / (C + OC))
      : init === INIT_XAVIER_NORMAL ? Math.sqrt(2 / (C + OC))
      : init === INIT_HE_UNIFORM ? Math.sqrt(6 / C)
      : init === INIT_HE_NORMAL ? Math.sqrt(2 / C)
      : 1 / Math.sqrt(C);
    for (let i = 0; i < OC * C; i++) f[weight + i] = (uniform ? rngSigned(u, H_RNG) : rngNormal(u, H_RNG)) * scale;
    for (let o = 0; o < OC; o++) f[bias + o] = 0;
  }
  resetOptimizer(f, u);
}

/** Zeroes the optimiser's state and step count: a fresh start for momentum and Adam. */
export function resetOptimizer(f: Float32Array, u: Uint32Array): void {
  const state = at(u, H_OPT_STATE);
  f.fill(0, state, state + 2 * u[H_PARAM_COUNT]);
  u[H_STEP] = 0;
  const powers = headerF64(f);
  powers[H_BETA1_POWER >> 1] = 1;
  powers[H_BETA2_POWER >> 1] = 1;
}

/** How many optimiser-state values the update rule uses: none for SGD, a velocity, or Adam's two moments. */
export function momentsInUse(u: Uint32Array): number {
  const optimizer = u[H_OPTIMIZER], N = u[H_PARAM_COUNT];
  return optimizer === OPT_ADAM ? 2 * N : optimizer === OPT_MOMENTUM || optimizer === OPT_NESTEROV ? N : 0;
}

/** Whether every parameter and every optimiser moment in use is finite: what a diverged step breaks first. */
export function stateFinite(f: Float32Array, u: Uint32Array): boolean {
  return allFinite(f, at(u, H_PARAMS), u[H_PARAM_COUNT]) && allFinite(f, at(u, H_OPT_STATE), momentsInUse(u));
}

/** The header's f64 words (Adam's βᵗ products) as a view, made once per arena. */
let f64Header: Float64Array | undefined;
function headerF64(f: Float32Array): Float64Array {
  if (f64Header?.buffer !== f.buffer) f64Header = new Float64Array(f.buffer, 0, H_LAYER_BASE >> 1);
  return f64Header;
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

/** Right answers of the last forward pass against `targets`, over `rows`. */
export function batchCorrect(f: Float32Array, u: Uint32Array, targets: number, rows: number): number {
  const last = u[H_LAYERS] - 1;
  return countCorrect(f, at(u, layerWord(last, L_OUTPUT)), targets, rows, u[layerWord(last, L_OUT)]);
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

/**
 * The update from the gradients in the grads region: L2 decay of the weights, clipping by global
 * norm, then the optimiser named in the header, all as loops over the flat parameter region.
 */
export function optimizerStep(f: Float32Array, u: Uint32Array, learningRate: number): void {
  const params = at(u, H_PARAMS), grads = at(u, H_GRADS), N = u[H_PARAM_COUNT], state = at(u, H_OPT_STATE);
  const h = f; // the header starts at word 0: its f32 words are f's
  const l2 = h[H_L2], clip = h[H_CLIP];
  if (l2 > 0) {
    for (let l = 0, L = u[H_LAYERS]; l < L; l++) {
      l2Gradient(f, at(u, layerWord(l, L_DWEIGHT)), at(u, layerWord(l, L_WEIGHT)), u[layerWord(l, L_IN)] * u[layerWord(l, L_OUT)], l2);
    }
  }
  if (clip > 0) clipGradients(f, grads, N, clip);
  u[H_STEP] += 1;
  switch (u[H_OPTIMIZER]) {
    case OPT_MOMENTUM:
    case OPT_NESTEROV:
      momentumUpdate(f, params, grads, state, N, learningRate, h[H_MOMENTUM], u[H_OPTIMIZER] === OPT_NESTEROV);
      break;
    case OPT_ADAM: {
      const powers = headerF64(f);
      powers[H_BETA1_POWER >> 1] *= h[H_BETA1];
      powers[H_BETA2_POWER >> 1] *= h[H_BETA2];
      adamUpdate(f, params, grads, state, state + N, N, learningRate, h[H_BETA1], h[H_BETA2], h[H_EPSILON],
        1 / (1 - powers[H_BETA1_POWER >> 1]), 1 / (1 - powers[H_BETA2_POWER >> 1]));
      break;
    }
    default:
      sgdUpdate(f, params, grads, N, learningRate);
  }
}

/** One gradient step on `rows` rows at `input` with `targets`; returns their summed loss before the step. */
export function trainStep(f: Float32Array, u: Uint32Array, input: number, targets: number, rows: number, learningRate: number): number {
  forward(f, u, input, rows);
  const loss = batchLoss(f, u, targets, rows);
  if (u[H_CLASSIFY]) u[H_CORRECT] += batchCorrect(f, u, targets, rows);
  backward(f, u, input, targets, rows);
  optimizerStep(f, u, learningRate);
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
  if (shuffle) {
    // Each epoch's order depends only on the generator, not on the last epoch's: a resumed run shuffles alike.
    resetIndex(u, rows);
    shuffleIndex(u, H_RNG, at(u, H_INDEX), rows);
  }
  u[H_CORRECT] = 0;
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

/**
 * Up to `epochs` epochs, each one's summed loss into losses[offset + e] and its count of right
 * answers (when classifying) into correct[offset + e]; stops after a non-finite loss.
 */
export function trainEpochs(
  f: Float32Array, u: Uint32Array, epochs: number, rows: number, batchSize: number, shuffle: boolean,
  learningRate: number, losses: Float64Array, correct: Float64Array, offset: number,
): number {
  for (let e = 0; e < epochs; e++) {
    const loss = trainEpoch(f, u, rows, batchSize, shuffle, learningRate);
    losses[offset + e] = loss;
    correct[offset + e] = u[H_CORRECT];
    if (!Number.isFinite(loss)) return e + 1;
  }
  return epochs;
}
