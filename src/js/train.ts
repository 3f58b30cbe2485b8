// The model functions of the pure-TS engine, the twins of assembly/train.ts: initialisation,
// forward, backward, one step, one epoch and a run of epochs, over the arena described by its
// header (src/abi.ts). Forward and backward run the layer records in order (layer.ts computes each
// kind); the update runs over the flat parameter region (update.ts). `a.f`, `a.u` and `a.d` are
// Float32, Uint32 and (over the header) Float64 views of one arena whose header starts at word 0
// and holds byte offsets, hence the `>>> 2` when one is read.
import {
  H_BETA1_POWER,
  H_CLASSIFY,
  H_CLIP,
  H_CORRECT,
  H_DATA_X,
  H_DATA_Y,
  H_GRADS,
  H_INDEX,
  H_INPUT,
  H_L2,
  H_LAYERS,
  H_LAYER_BASE,
  H_LEARNING_RATE,
  H_LOSS,
  H_OPTIMIZER,
  H_OPT_STATE,
  H_OPT_STATE_COUNT,
  H_PARAM_COUNT,
  H_PARAMS,
  H_RNG,
  H_SETTINGS,
  H_STEP,
  H_BETA2_POWER,
  H_TARGETS,
  INIT_HE_NORMAL,
  INIT_HE_UNIFORM,
  INIT_XAVIER_NORMAL,
  INIT_XAVIER_UNIFORM,
  LAYER_WORDS,
  LOSS_SLOTS,
  L_BIAS,
  L_DINPUT,
  L_DOUTPUT,
  L_DWEIGHT,
  L_IN,
  L_KIND,
  L_OUT,
  L_OUTPUT,
  L_WEIGHT,
} from '../abi.js';
import type { Core } from '../arena-engine.js';
import { ACT_IDENTITY } from './activation.js';
import { backwardLayers, forwardLayers, KIND_ACTIVATION, KIND_DENSE, L_CODE } from './layer.js';
import { countCorrect, crossEntropyBackward, LOSS_CROSS_ENTROPY, lossForward, mseBackward } from './loss.js';
import { rngNormal, rngSeed, rngSigned, shuffleIndex } from './rng.js';
import { allFinite, clipGradients, l2Gradient, optimizerUpdate } from './update.js';

/** Views of one arena: f32 and u32 over all of it, f64 over its header (the learning rate, Adam's βᵗ). */
export interface ArenaArrays {
  f: Float32Array;
  u: Uint32Array;
  d: Float64Array;
  /** The losses region as f64. */
  losses: Float64Array;
}

/** The word where layer l's record starts. */
const record = (l: number): number => H_LAYER_BASE + l * LAYER_WORDS;
const layer = (u: Uint32Array, l: number, field: number): number => u[record(l) + field];
const at = (u: Uint32Array, word: number): number => u[word] >>> 2;

/**
 * Seeds the generator and draws the weights of every dense layer by rule `init` (the seed's
 * normal(0, 1)/√fan_in, or Glorot or He, uniform or normal); biases start at zero. Also resets the
 * optimiser's state.
 */
export function initParams(a: ArenaArrays, seed: number, init: number): void {
  const { f, u } = a;
  rngSeed(u, H_RNG, seed);
  for (let l = 0, L = u[H_LAYERS]; l < L; l++) {
    if (layer(u, l, L_KIND) !== KIND_DENSE) continue;
    const C = layer(u, l, L_IN),
      OC = layer(u, l, L_OUT);
    const weight = layer(u, l, L_WEIGHT) >>> 2,
      bias = layer(u, l, L_BIAS) >>> 2;
    const uniform = init === INIT_XAVIER_UNIFORM || init === INIT_HE_UNIFORM;
    const scale =
      init === INIT_XAVIER_UNIFORM
        ? Math.sqrt(6 / (C + OC))
        : init === INIT_XAVIER_NORMAL
          ? Math.sqrt(2 / (C + OC))
          : init === INIT_HE_UNIFORM
            ? Math.sqrt(6 / C)
            : init === INIT_HE_NORMAL
              ? Math.sqrt(2 / C)
              : 1 / Math.sqrt(C);
    for (let i = 0; i < OC * C; i++) f[weight + i] = (uniform ? rngSigned(u, H_RNG) : rngNormal(u, H_RNG)) * scale;
    f.fill(0, bias, bias + OC);
  }
  resetOptimizer(a);
}

/** Zeroes the optimiser's state and step count: a fresh start for momentum and Adam. */
export function resetOptimizer({ f, u, d }: ArenaArrays): void {
  const state = at(u, H_OPT_STATE);
  f.fill(0, state, state + u[H_OPT_STATE_COUNT]);
  u[H_STEP] = 0;
  d[H_BETA1_POWER >> 1] = 1;
  d[H_BETA2_POWER >> 1] = 1;
}

/** Whether every parameter and every optimiser state value is finite: what a diverged step breaks first. */
export function stateFinite({ f, u }: ArenaArrays): boolean {
  return allFinite(f, at(u, H_PARAMS), u[H_PARAM_COUNT]) && allFinite(f, at(u, H_OPT_STATE), u[H_OPT_STATE_COUNT]);
}

/** Runs `rows` rows starting at `input` through every layer; `training` turns dropout on. */
function forwardFrom({ f, u }: ArenaArrays, input: number, rows: number, training: boolean): void {
  forwardLayers(f, u, H_LAYER_BASE, u[H_LAYERS], input, rows, training, H_RNG);
}

/** Gradients of the batch-mean loss into the grads region: the loss's gradient, then every layer backward, last to first. */
function backwardFrom({ f, u }: ArenaArrays, input: number, targets: number, rows: number): void {
  const last = u[H_LAYERS] - 1;
  const N = rows * layer(u, last, L_OUT),
    pred = layer(u, last, L_OUTPUT) >>> 2;
  let l = last;
  if (u[H_LOSS] === LOSS_CROSS_ENTROPY) {
    // Softmax or sigmoid then cross-entropy has the fused gradient ∂L/∂z, exact where a·(1−a) would
    // underflow: it goes straight to the output activation's input, and that layer's backward is skipped.
    crossEntropyBackward(f, layer(u, last, L_DINPUT) >>> 2, pred, targets, N, 1 / rows);
    l = last - 1;
  } else {
    mseBackward(f, layer(u, last, L_DOUTPUT) >>> 2, pred, targets, N, 1 / rows);
  }
  backwardLayers(f, u, H_LAYER_BASE, l, input, rows);
}

/** The activation code of the output: the last layer's when it is an activation, else the identity. */
function outputActivation(u: Uint32Array): number {
  const last = u[H_LAYERS] - 1;
  return layer(u, last, L_KIND) === KIND_ACTIVATION ? layer(u, last, L_CODE) : ACT_IDENTITY;
}

function lossOf({ f, u }: ArenaArrays, targets: number, rows: number): number {
  const last = u[H_LAYERS] - 1;
  return lossForward(
    f,
    u[H_LOSS],
    layer(u, last, L_OUTPUT) >>> 2,
    targets,
    rows,
    layer(u, last, L_OUT),
    outputActivation(u),
  );
}

function correctOf({ f, u }: ArenaArrays, targets: number, rows: number): number {
  const last = u[H_LAYERS] - 1;
  return countCorrect(f, layer(u, last, L_OUTPUT) >>> 2, targets, rows, layer(u, last, L_OUT));
}

/**
 * The update from the gradients in the grads region: L2 decay of the dense layers' weights, clipping
 * by global norm, then the optimiser named in the header, as loops over the flat parameter region.
 */
function applyGradients({ f, u, d }: ArenaArrays): void {
  const params = at(u, H_PARAMS),
    grads = at(u, H_GRADS),
    N = u[H_PARAM_COUNT];
  const l2 = f[H_L2],
    clip = f[H_CLIP];
  if (l2 > 0) {
    for (let l = 0, L = u[H_LAYERS]; l < L; l++) {
      if (layer(u, l, L_KIND) !== KIND_DENSE) continue;
      l2Gradient(
        f,
        layer(u, l, L_DWEIGHT) >>> 2,
        layer(u, l, L_WEIGHT) >>> 2,
        layer(u, l, L_IN) * layer(u, l, L_OUT),
        l2,
      );
    }
  }
  if (clip > 0) clipGradients(f, grads, N, clip);
  u[H_STEP] += 1;
  optimizerUpdate(
    f,
    d,
    u[H_OPTIMIZER],
    params,
    grads,
    at(u, H_OPT_STATE),
    N,
    d[H_LEARNING_RATE >> 1],
    H_SETTINGS,
    H_BETA1_POWER >> 1,
  );
}

/** One gradient step on `rows` rows at `input` with `targets`; returns their summed loss before the step. */
function stepOn(a: ArenaArrays, input: number, targets: number, rows: number): number {
  forwardFrom(a, input, rows, true);
  const loss = lossOf(a, targets, rows);
  if (a.u[H_CLASSIFY]) a.u[H_CORRECT] += correctOf(a, targets, rows);
  backwardFrom(a, input, targets, rows);
  applyGradients(a);
  return loss;
}

/** Copies the training rows order[start … start+rows) into the batch region. */
function gatherBatch({ f, u }: ArenaArrays, start: number, rows: number): void {
  const C = layer(u, 0, L_IN),
    OC = layer(u, u[H_LAYERS] - 1, L_OUT);
  const input = at(u, H_INPUT),
    targets = at(u, H_TARGETS);
  const dataX = at(u, H_DATA_X),
    dataY = at(u, H_DATA_Y),
    index = at(u, H_INDEX);
  for (let r = 0; r < rows; r++) {
    const row = u[index + start + r];
    for (let c = 0; c < C; c++) f[input + r * C + c] = f[dataX + row * C + c];
    for (let o = 0; o < OC; o++) f[targets + r * OC + o] = f[dataY + row * OC + o];
  }
}

/** Writes the identity permutation over `rows` rows into the index region. */
export function resetIndex({ u }: ArenaArrays, rows: number): void {
  const index = at(u, H_INDEX);
  for (let i = 0; i < rows; i++) u[index + i] = i;
}

/** One epoch over the first `rows` training rows in batches of `batchSize`; returns the summed loss. */
function trainEpoch(a: ArenaArrays, rows: number, batchSize: number, shuffle: boolean): number {
  const { u } = a;
  if (shuffle) {
    // Each epoch's order depends only on the generator, not on the last epoch's: a resumed run shuffles alike.
    resetIndex(a, rows);
    shuffleIndex(u, H_RNG, at(u, H_INDEX), rows);
  }
  u[H_CORRECT] = 0;
  const C = layer(u, 0, L_IN),
    OC = layer(u, u[H_LAYERS] - 1, L_OUT);
  const dataX = at(u, H_DATA_X),
    dataY = at(u, H_DATA_Y);
  let loss = 0;
  for (let start = 0; start < rows; start += batchSize) {
    const n = Math.min(batchSize, rows - start);
    if (shuffle) {
      gatherBatch(a, start, n);
      loss += stepOn(a, at(u, H_INPUT), at(u, H_TARGETS), n);
    } else {
      // In order, a batch is a run of consecutive training rows: train on them where they lie.
      loss += stepOn(a, dataX + start * C, dataY + start * OC, n);
    }
  }
  return loss;
}

/**
 * Up to `epochs` epochs (at most LOSS_SLOTS) over the first `rows` training rows, each one's summed
 * loss into the losses region and its count of right answers (when classifying) LOSS_SLOTS slots
 * further; stops after a non-finite loss. Returns how many epochs ran.
 */
export function trainEpochs(a: ArenaArrays, epochs: number, rows: number, batchSize: number, shuffle: boolean): number {
  const { losses } = a;
  for (let e = 0; e < epochs; e++) {
    const loss = trainEpoch(a, rows, batchSize, shuffle);
    losses[e] = loss;
    losses[LOSS_SLOTS + e] = a.u[H_CORRECT];
    if (!Number.isFinite(loss)) return e + 1;
  }
  return epochs;
}

/**
 * The model functions over the arena at the start of `buffer`, whose loss slots `losses` views, with
 * the WebAssembly core's names and arguments.
 */
export function jsCore(buffer: ArrayBuffer, losses: Float64Array): Core {
  const a: ArenaArrays = {
    f: new Float32Array(buffer),
    u: new Uint32Array(buffer),
    d: new Float64Array(buffer, 0, H_LAYER_BASE >> 1),
    losses,
  };
  const { u } = a;
  return {
    initParams: (seed, init) => initParams(a, seed, init),
    forward: (rows, training) => forwardFrom(a, at(u, H_INPUT), rows, training !== 0),
    batchLoss: (rows) => lossOf(a, at(u, H_TARGETS), rows),
    batchCorrect: (rows) => correctOf(a, at(u, H_TARGETS), rows),
    backward: (rows) => backwardFrom(a, at(u, H_INPUT), at(u, H_TARGETS), rows),
    trainBatch: (rows) => stepOn(a, at(u, H_INPUT), at(u, H_TARGETS), rows),
    trainEpochs: (epochs, rows, batchSize, shuffle) => trainEpochs(a, epochs, rows, batchSize, shuffle !== 0),
    resetIndex: (rows) => resetIndex(a, rows),
    stateFinite: () => (stateFinite(a) ? 1 : 0),
  };
}
