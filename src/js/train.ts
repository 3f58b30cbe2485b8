// The model functions of the pure-TS engine, the twins of assembly/train.ts: initialisation,
// forward, backward, one step, one epoch and a run of epochs, over the arena described by its
// header (src/abi.ts). Forward and backward run the layer records in order (layer.ts computes each
// kind); the update runs over the flat parameter region (update.ts). The core may run a pass on a
// team of threads; this engine is a team of one (team.ts), and its functions read as the core's do. `a.f`, `a.u` and `a.d` are
// Float32, Uint32 and (over the header) Float64 views of one arena whose header starts at word 0
// and holds byte offsets, hence the `>>> 2` when one is read.
import {
  H_BETA1_POWER,
  H_CLASSIFY,
  H_CLIP,
  H_CLIP_SCALE,
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
import {
  backwardLayers,
  drawMasks,
  forwardLayers,
  hasMasks,
  KIND_ACTIVATION,
  KIND_DENSE,
  L_CODE,
  weightGradients,
} from './layer.js';
import { countCorrect, crossEntropyBackward, LOSS_CROSS_ENTROPY, lossForward, mseBackward } from './loss.js';
import { rngNormal, rngSeed, rngSigned, shuffleIndex } from './rng.js';
import { barrier, shareStart, teamMember, teamSize } from './team.js';
import { allFinite, gradientNorm, l2Gradient, optimizerAdvance, optimizerUpdate, scaleGradients } from './update.js';

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

/** Where this member's rows of a pass of `rows` begin, and (next) where they end. */
const firstRow = (rows: number): number => shareStart(rows, teamMember(), teamSize());
const endRow = (rows: number): number => shareStart(rows, teamMember() + 1, teamSize());

/**
 * This member's rows of a pass of `rows` rows at `input` through every layer; `training` turns
 * dropout on, with masks member 0 draws for all rows first. Ends when every member's rows are done.
 */
function forwardPass(a: ArenaArrays, input: number, rows: number, training: boolean): void {
  const { f, u } = a;
  if (training) prepareMasks(a, rows);
  const r0 = firstRow(rows),
    r1 = endRow(rows);
  if (r1 > r0) forwardLayers(f, u, H_LAYER_BASE, u[H_LAYERS], input, r0, r1 - r0, training);
  barrier();
}

/** Member 0 draws a training pass's dropout masks; when there are any, the others wait for them. */
function prepareMasks({ f, u }: ArenaArrays, rows: number): void {
  if (teamMember() === 0) drawMasks(f, u, H_LAYER_BASE, u[H_LAYERS], rows, H_RNG);
  if (teamSize() > 1 && hasMasks(u, H_LAYER_BASE, u[H_LAYERS])) barrier();
}

/**
 * ∂L/∂(output) of the batch-mean loss over `rows` rows, for this member's rows, then back through
 * every layer to the deltas of those rows. With cross-entropy after softmax or sigmoid the fused
 * gradient ∂L/∂z, exact where a·(1−a) would underflow, goes straight to the output activation's
 * input, and that layer's backward is skipped.
 */
function deltas({ f, u }: ArenaArrays, input: number, targets: number, first: number, n: number, rows: number): void {
  const last = u[H_LAYERS] - 1,
    OC = layer(u, last, L_OUT),
    at = first * OC;
  const pred = (layer(u, last, L_OUTPUT) >>> 2) + at;
  let l = last;
  if (u[H_LOSS] === LOSS_CROSS_ENTROPY) {
    crossEntropyBackward(f, (layer(u, last, L_DINPUT) >>> 2) + at, pred, targets + at, n * OC, 1 / rows);
    l = last - 1;
  } else {
    mseBackward(f, (layer(u, last, L_DOUTPUT) >>> 2) + at, pred, targets + at, n * OC, 1 / rows);
  }
  backwardLayers(f, u, H_LAYER_BASE, l, input, first, n);
}

/**
 * Gradients of the batch's mean loss after a forward pass over `rows` rows into the grads region:
 * every member's deltas, then every member's share of the weight gradients.
 */
function backwardPass(a: ArenaArrays, input: number, targets: number, rows: number): void {
  const { f, u } = a;
  const r0 = firstRow(rows),
    r1 = endRow(rows);
  if (r1 > r0) deltas(a, input, targets, r0, r1 - r0, rows);
  barrier();
  weightGradients(f, u, H_LAYER_BASE, u[H_LAYERS], input, rows, teamMember(), teamSize());
  barrier();
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
 * This member's share of the update from the gradients in the grads region: L2 decay of its dense
 * weights, clipping by the global norm (member 0 measures it over the whole region, in order, while
 * the others wait), then the optimiser named in the header. A team of one updates the whole region
 * as one run; in a larger team each member updates the units whose gradients it computed.
 */
function applyGradients(a: ArenaArrays): void {
  const { f, u, d } = a;
  const part = teamMember(),
    parts = teamSize();
  const N = u[H_PARAM_COUNT],
    l2 = f[H_L2],
    clip = f[H_CLIP];
  if (l2 > 0) {
    for (let l = 0, L = u[H_LAYERS]; l < L; l++) {
      if (layer(u, l, L_KIND) !== KIND_DENSE) continue;
      const C = layer(u, l, L_IN),
        OC = layer(u, l, L_OUT);
      const o0 = shareStart(OC, part, parts);
      const n = (shareStart(OC, part + 1, parts) - o0) * C;
      l2Gradient(f, (layer(u, l, L_DWEIGHT) >>> 2) + o0 * C, (layer(u, l, L_WEIGHT) >>> 2) + o0 * C, n, l2);
    }
  }
  let scale = 1;
  if (clip > 0) {
    barrier();
    if (part === 0) {
      const norm = gradientNorm(f, at(u, H_GRADS), N);
      d[H_CLIP_SCALE >> 1] = norm > clip ? clip / norm : 1;
    }
    barrier();
    scale = d[H_CLIP_SCALE >> 1];
  }
  if (parts === 1) {
    updateRun(a, 0, N, scale);
    return;
  }
  const params = at(u, H_PARAMS);
  for (let l = 0, L = u[H_LAYERS]; l < L; l++) {
    if (layer(u, l, L_KIND) !== KIND_DENSE) continue;
    const C = layer(u, l, L_IN),
      OC = layer(u, l, L_OUT);
    const o0 = shareStart(OC, part, parts),
      o1 = shareStart(OC, part + 1, parts);
    if (o1 === o0) continue;
    updateRun(a, (layer(u, l, L_WEIGHT) >>> 2) - params + o0 * C, (o1 - o0) * C, scale);
    updateRun(a, (layer(u, l, L_BIAS) >>> 2) - params + o0, o1 - o0, scale);
  }
}

/** Parameters p … p+n of the flat region: their gradients scaled by clipping's factor (1: none), then the optimiser's step. */
function updateRun({ f, u, d }: ArenaArrays, p: number, n: number, scale: number): void {
  const grads = at(u, H_GRADS) + p;
  if (scale !== 1) scaleGradients(f, grads, n, scale);
  optimizerUpdate(
    f,
    d,
    u[H_OPTIMIZER],
    at(u, H_PARAMS) + p,
    grads,
    at(u, H_OPT_STATE) + p,
    u[H_PARAM_COUNT],
    n,
    d[H_LEARNING_RATE >> 1],
    H_SETTINGS,
    H_BETA1_POWER >> 1,
  );
}

/**
 * One gradient step on `rows` rows at `input` with `targets` (gathered first from the shuffled
 * order at `gatherStart` unless it is −1); returns their summed loss before the step, also added to
 * losses[sum] unless `sum` is −1. Member 0 first draws the masks and advances the step count and
 * Adam's powers; each member then runs its rows forward and back, and after a barrier computes and
 * applies its share of the weight gradients; a barrier ends the step.
 */
function stepOn(
  a: ArenaArrays,
  input: number,
  targets: number,
  rows: number,
  gatherStart: number,
  sum: number,
): number {
  const { f, u, d } = a;
  prepareMasks(a, rows);
  if (teamMember() === 0) {
    u[H_STEP] += 1;
    optimizerAdvance(f, d, u[H_OPTIMIZER], H_SETTINGS, H_BETA1_POWER >> 1);
  }
  const r0 = firstRow(rows),
    r1 = endRow(rows);
  if (r1 > r0) {
    if (gatherStart >= 0) gatherBatch(a, gatherStart, r0, r1);
    forwardLayers(f, u, H_LAYER_BASE, u[H_LAYERS], input, r0, r1 - r0, true);
    deltas(a, input, targets, r0, r1 - r0, rows);
  }
  barrier();
  let loss = 0;
  if (teamMember() === 0) {
    loss = lossOf(a, targets, rows);
    if (sum >= 0) a.losses[sum] += loss;
    if (u[H_CLASSIFY]) u[H_CORRECT] += correctOf(a, targets, rows);
  }
  weightGradients(f, u, H_LAYER_BASE, u[H_LAYERS], input, rows, teamMember(), teamSize());
  applyGradients(a);
  barrier();
  return loss;
}

/** Copies the training rows order[start + r] into row r of the batch region, for r0 ≤ r < r1. */
function gatherBatch({ f, u }: ArenaArrays, start: number, r0: number, r1: number): void {
  const C = layer(u, 0, L_IN),
    OC = layer(u, u[H_LAYERS] - 1, L_OUT);
  const input = at(u, H_INPUT),
    targets = at(u, H_TARGETS);
  const dataX = at(u, H_DATA_X),
    dataY = at(u, H_DATA_Y),
    index = at(u, H_INDEX);
  for (let r = r0; r < r1; r++) {
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

/** One epoch over the first `rows` training rows in batches of `batchSize`; member 0 sums the loss into losses[slot]. */
function trainEpoch(a: ArenaArrays, rows: number, batchSize: number, shuffle: boolean, slot: number): void {
  const { u } = a;
  if (teamMember() === 0) {
    if (shuffle) {
      // Each epoch's order depends only on the generator, not on the last epoch's: a resumed run shuffles alike.
      resetIndex(a, rows);
      shuffleIndex(u, H_RNG, at(u, H_INDEX), rows);
    }
    u[H_CORRECT] = 0;
    a.losses[slot] = 0;
  }
  if (shuffle) barrier(); // the order is drawn before anyone gathers
  const C = layer(u, 0, L_IN),
    OC = layer(u, u[H_LAYERS] - 1, L_OUT);
  const dataX = at(u, H_DATA_X),
    dataY = at(u, H_DATA_Y);
  for (let start = 0; start < rows; start += batchSize) {
    const n = Math.min(batchSize, rows - start);
    if (shuffle) stepOn(a, at(u, H_INPUT), at(u, H_TARGETS), n, start, slot);
    // In order, a batch is a run of consecutive training rows: train on them where they lie.
    else stepOn(a, dataX + start * C, dataY + start * OC, n, -1, slot);
  }
}

/**
 * Up to `epochs` epochs (at most LOSS_SLOTS) over the first `rows` training rows, each one's summed
 * loss into the losses region and its count of right answers (when classifying) LOSS_SLOTS slots
 * further; stops after a non-finite loss. Returns how many epochs ran.
 */
export function trainEpochs(a: ArenaArrays, epochs: number, rows: number, batchSize: number, shuffle: boolean): number {
  const { losses } = a;
  let ran = epochs;
  for (let e = 0; e < epochs; e++) {
    trainEpoch(a, rows, batchSize, shuffle, e);
    if (teamMember() === 0) losses[LOSS_SLOTS + e] = a.u[H_CORRECT];
    if (!Number.isFinite(losses[e])) {
      ran = e + 1;
      break;
    }
  }
  barrier();
  return ran;
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
    forward: (rows, training) => forwardPass(a, at(u, H_INPUT), rows, training !== 0),
    batchLoss: (rows) => lossOf(a, at(u, H_TARGETS), rows),
    batchCorrect: (rows) => correctOf(a, at(u, H_TARGETS), rows),
    backward: (rows) => backwardPass(a, at(u, H_INPUT), at(u, H_TARGETS), rows),
    trainBatch: (rows) => stepOn(a, at(u, H_INPUT), at(u, H_TARGETS), rows, -1, -1),
    trainEpochs: (epochs, rows, batchSize, shuffle) => trainEpochs(a, epochs, rows, batchSize, shuffle !== 0),
    resetIndex: (rows) => resetIndex(a, rows),
    stateFinite: () => (stateFinite(a) ? 1 : 0),
  };
}
