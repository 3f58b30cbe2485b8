// The model functions of the WebAssembly core, the twins of src/js/train.ts: initialisation,
// forward, backward, one step, one epoch and a run of epochs, over the arena whose header starts at
// `arena` (offsets in the header are absolute). Forward and backward run the layer records in order
// (layer.ts computes each kind); the update runs over the flat parameter region (update.ts).
// Every pass may run on a team of threads (team.ts): rows are shared out for forward, the loss's
// gradient and the deltas; output units for the weight gradients and the update, each gradient
// still summed over all rows in order. Member 0 (the host's instance) draws the generator, counts
// the steps and sums the loss, so the bits are the same whatever the team's size.
import {
  H_CLASSIFY, H_CLIP, H_CLIP_SCALE, H_CORRECT, H_DATA_ROWS, H_DATA_X, H_DATA_Y, H_GRADS, H_INDEX, H_INPUT, H_L2, H_LAYERS,
  H_LAYER_BASE, H_LEARNING_RATE, H_LOSS, H_LOSSES, H_OPTIMIZER, H_OPT_STATE, H_OPT_STATE_COUNT, H_PARAM_COUNT, H_PARAMS,
  H_PASS_ROWS, H_RNG, H_SETTINGS, H_STEP, H_BETA1_POWER, H_BETA2_POWER, H_TARGETS, INIT_HE_NORMAL, INIT_HE_UNIFORM,
  INIT_XAVIER_NORMAL, INIT_XAVIER_UNIFORM, LAYER_WORDS, LOSS_SLOTS, L_DINPUT, L_DOUTPUT, L_DWEIGHT, L_IN, L_KIND, L_OUT,
  L_OUTPUT, L_WEIGHT, L_BIAS,
} from './abi';
import { ACT_IDENTITY } from './activation';
import { backwardLayers, drawMasks, forwardLayers, hasMasks, KIND_ACTIVATION, KIND_DENSE, L_CODE, weightGradients } from './layer';
import { countCorrect, crossEntropyBackward, LOSS_CROSS_ENTROPY, lossForward, mseBackward } from './loss';
import { rngNormal, rngSeed, rngSigned, shuffleIndex } from './rng';
import {
  barrier, JOB_BACKWARD, JOB_EPOCHS, JOB_EXIT, JOB_FORWARD, JOB_STEP, jobArg, joinTeam, MAX_MEMBERS, nextJob, shareStart,
  startJob, teamMember, teamMovedTo, teamSize,
} from './team';
import { allFinite, gradientNorm, l2Gradient, optimizerAdvance, optimizerUpdate, scaleGradients } from './update';

let arena: usize = 0;

/** Points the core at an arena whose header the host has written. */
export function useArena(base: usize): void {
  arena = base;
  joinTeam(base, 0);
  assert(header(H_LAYERS) > 0 && (base & 15) == 0, 'useArena: no arena header at this address');
}

// @ts-ignore: decorator
@inline function header(word: i32): u32 {
  return load<u32>(arena + (<usize>word << 2));
}

// @ts-ignore: decorator
@inline function headerAddress(word: i32): usize {
  return arena + (<usize>word << 2);
}

// @ts-ignore: decorator
@inline function layer(l: i32, field: i32): u32 {
  return header(H_LAYER_BASE + l * LAYER_WORDS + field);
}

// @ts-ignore: decorator
@inline function lastLayer(): i32 {
  return <i32>header(H_LAYERS) - 1;
}

/**
 * Seeds the generator and draws the weights of every dense layer by rule `init` (the seed's
 * normal(0, 1)/√fan_in, or Glorot or He, uniform or normal); biases start at zero. Also resets the
 * optimiser's state.
 */
export function initParams(seed: u32, init: u32): void {
  const rng = headerAddress(H_RNG);
  rngSeed(rng, seed);
  for (let l = 0, L = <i32>header(H_LAYERS); l < L; l++) {
    if (layer(l, L_KIND) != KIND_DENSE) continue;
    const C = <i32>layer(l, L_IN), OC = <i32>layer(l, L_OUT);
    const weight = <usize>layer(l, L_WEIGHT);
    const uniform = init == INIT_XAVIER_UNIFORM || init == INIT_HE_UNIFORM;
    const scale: f64 = init == INIT_XAVIER_UNIFORM ? Math.sqrt(6.0 / <f64>(C + OC))
      : init == INIT_XAVIER_NORMAL ? Math.sqrt(2.0 / <f64>(C + OC))
      : init == INIT_HE_UNIFORM ? Math.sqrt(6.0 / <f64>C)
      : init == INIT_HE_NORMAL ? Math.sqrt(2.0 / <f64>C)
      : 1.0 / Math.sqrt(<f64>C);
    for (let i = 0; i < OC * C; i++) {
      store<f32>(weight + (<usize>i << 2), <f32>((uniform ? rngSigned(rng) : rngNormal(rng)) * scale));
    }
    memory.fill(<usize>layer(l, L_BIAS), 0, <usize>OC << 2);
  }
  resetOptimizer();
}

/** Zeroes the optimiser's state and step count: a fresh start for momentum and Adam. */
export function resetOptimizer(): void {
  memory.fill(<usize>header(H_OPT_STATE), 0, <usize>header(H_OPT_STATE_COUNT) << 2);
  store<u32>(headerAddress(H_STEP), 0);
  store<f64>(headerAddress(H_BETA1_POWER), 1);
  store<f64>(headerAddress(H_BETA2_POWER), 1);
}

/** Whether every parameter and every optimiser state value is finite: what a diverged step breaks first. */
export function stateFinite(): bool {
  return allFinite(<usize>header(H_PARAMS), <i32>header(H_PARAM_COUNT))
    && allFinite(<usize>header(H_OPT_STATE), <i32>header(H_OPT_STATE_COUNT));
}

/**
 * A worker's life (members 1 …): joins the team of the arena at `base` as member `id`, runs its
 * share of each job posted from then on, follows the team to each arena it moves to, and returns to
 * the host when the team ends for good (endTeam).
 */
export function workerLoop(base: usize, id: i32): void {
  assert(id > 0 && id < MAX_MEMBERS, 'workerLoop: a worker is member 1 … 31');
  arena = base;
  joinTeam(base, id);
  for (;;) {
    const job = nextJob();
    if (job == JOB_EXIT) {
      const next = teamMovedTo();
      if (next == 0) return;
      arena = next;
      joinTeam(next, id);
      continue;
    }
    if (teamMember() >= teamSize()) continue;
    switch (job) {
      case JOB_EPOCHS: {
        runEpochs(<i32>jobArg(0), <i32>jobArg(1), <i32>jobArg(2), jobArg(3) != 0);
        break;
      }
      case JOB_STEP: {
        stepOn(<usize>header(H_INPUT), <usize>header(H_TARGETS), <i32>jobArg(0), -1, 0);
        break;
      }
      case JOB_FORWARD: {
        forwardPass(<usize>header(H_INPUT), <i32>jobArg(0), jobArg(1) != 0);
        break;
      }
      case JOB_BACKWARD: {
        backwardPass(<usize>header(H_INPUT), <usize>header(H_TARGETS), <i32>jobArg(0));
        break;
      }
    }
  }
}

/** Where this member's rows of a pass of `rows` begin, and (next) where they end. */
// @ts-ignore: decorator
@inline function firstRow(rows: i32): i32 {
  return shareStart(rows, teamMember(), teamSize());
}

// @ts-ignore: decorator
@inline function endRow(rows: i32): i32 {
  return shareStart(rows, teamMember() + 1, teamSize());
}

/**
 * This member's rows of a pass of `rows` rows at `input` through every layer; `training` turns
 * dropout on, with masks member 0 draws for all rows first. Ends when every member's rows are done.
 */
function forwardPass(input: usize, rows: i32, training: bool): void {
  assert(rows > 0 && <u32>rows <= header(H_PASS_ROWS), 'forward: rows exceed the planned pass');
  const records = headerAddress(H_LAYER_BASE), count = <i32>header(H_LAYERS);
  if (training) prepareMasks(records, count, rows);
  const r0 = firstRow(rows), r1 = endRow(rows);
  if (r1 > r0) forwardLayers(records, count, input, r0, r1 - r0, training);
  barrier();
}

/** Member 0 draws a training pass's dropout masks; when there are any, the others wait for them. */
function prepareMasks(records: usize, count: i32, rows: i32): void {
  if (teamMember() == 0) drawMasks(records, count, rows, headerAddress(H_RNG));
  if (teamSize() > 1 && hasMasks(records, count)) barrier();
}

/**
 * ∂L/∂(output) of the batch-mean loss over `rows` rows, for this member's rows, then back through
 * every layer to the deltas of those rows. With cross-entropy after softmax or sigmoid the fused
 * gradient ∂L/∂z, exact where a·(1−a) would underflow, goes straight to the output activation's
 * input, and that layer's backward is skipped.
 */
function deltas(input: usize, targets: usize, first: i32, n: i32, rows: i32): void {
  const last = lastLayer(), OC = <i32>layer(last, L_OUT), at = <usize>(first * OC) << 2;
  const pred = <usize>layer(last, L_OUTPUT) + at, scale: f64 = 1.0 / <f64>rows;
  let l = last;
  if (header(H_LOSS) == LOSS_CROSS_ENTROPY) {
    assert(layer(last, L_KIND) == KIND_ACTIVATION, 'backward: cross-entropy needs an output activation');
    crossEntropyBackward(<usize>layer(last, L_DINPUT) + at, pred, targets + at, n * OC, scale);
    l = last - 1;
  } else {
    mseBackward(<usize>layer(last, L_DOUTPUT) + at, pred, targets + at, n * OC, scale);
  }
  backwardLayers(headerAddress(H_LAYER_BASE), l, input, first, n);
}

/**
 * Gradients of the batch's mean loss after a forward pass over `rows` rows into the grads region:
 * every member's deltas, then every member's share of the weight gradients.
 */
function backwardPass(input: usize, targets: usize, rows: i32): void {
  const r0 = firstRow(rows), r1 = endRow(rows);
  if (r1 > r0) deltas(input, targets, r0, r1 - r0, rows);
  barrier();
  weightGradients(headerAddress(H_LAYER_BASE), <i32>header(H_LAYERS), input, rows, teamMember(), teamSize());
  barrier();
}

/** The activation code of the output: the last layer's when it is an activation, else the identity. */
// @ts-ignore: decorator
@inline function outputActivation(): u32 {
  const last = lastLayer();
  return layer(last, L_KIND) == KIND_ACTIVATION ? layer(last, L_CODE) : ACT_IDENTITY;
}

function lossOf(targets: usize, rows: i32): f64 {
  const last = lastLayer();
  return lossForward(header(H_LOSS), <usize>layer(last, L_OUTPUT), targets, rows, <i32>layer(last, L_OUT), outputActivation());
}

function correctOf(targets: usize, rows: i32): u32 {
  const last = lastLayer();
  return countCorrect(<usize>layer(last, L_OUTPUT), targets, rows, <i32>layer(last, L_OUT));
}

/** Runs the batch region's first `rows` rows through every layer, on the team; `training` turns dropout on. */
export function forward(rows: i32, training: bool): void {
  startJob(JOB_FORWARD, rows, <u32>training, 0, 0);
  forwardPass(<usize>header(H_INPUT), rows, training);
}

/** The loss of the last forward pass against the batch's targets, summed over `rows`. */
export function batchLoss(rows: i32): f64 {
  return lossOf(<usize>header(H_TARGETS), rows);
}

/** Right answers of the last forward pass against the batch's targets, over `rows`. */
export function batchCorrect(rows: i32): u32 {
  return correctOf(<usize>header(H_TARGETS), rows);
}

/** Gradients of the batch's mean loss after a forward pass over its first `rows` rows, on the team. */
export function backward(rows: i32): void {
  startJob(JOB_BACKWARD, rows, 0, 0, 0);
  backwardPass(<usize>header(H_INPUT), <usize>header(H_TARGETS), rows);
}

/**
 * This member's share of the update from the gradients in the grads region: L2 decay of its dense
 * weights, clipping by the global norm (member 0 measures it over the whole region, in order, while
 * the others wait), then the optimiser named in the header. A team of one updates the whole region
 * as one run; in a larger team each member updates the units whose gradients it computed, so no
 * member waits for another's gradients.
 */
function applyGradients(): void {
  const part = teamMember(), parts = teamSize();
  const N = <i32>header(H_PARAM_COUNT), l2 = load<f32>(headerAddress(H_L2)), clip = load<f32>(headerAddress(H_CLIP));
  if (l2 > 0) {
    for (let l = 0, L = <i32>header(H_LAYERS); l < L; l++) {
      if (layer(l, L_KIND) != KIND_DENSE) continue;
      const C = <i32>layer(l, L_IN), OC = <i32>layer(l, L_OUT);
      const o0 = shareStart(OC, part, parts), at = <usize>(o0 * C) << 2;
      l2Gradient(<usize>layer(l, L_DWEIGHT) + at, <usize>layer(l, L_WEIGHT) + at, (shareStart(OC, part + 1, parts) - o0) * C, l2);
    }
  }
  let scale: f64 = 1;
  if (clip > 0) {
    barrier();
    if (part == 0) {
      const norm = gradientNorm(<usize>header(H_GRADS), N);
      store<f64>(headerAddress(H_CLIP_SCALE), norm > <f64>clip ? <f64>clip / norm : 1);
    }
    barrier();
    scale = load<f64>(headerAddress(H_CLIP_SCALE));
  }
  if (parts == 1) {
    updateRun(0, N, scale);
    return;
  }
  const params = <usize>header(H_PARAMS);
  for (let l = 0, L = <i32>header(H_LAYERS); l < L; l++) {
    if (layer(l, L_KIND) != KIND_DENSE) continue;
    const C = <i32>layer(l, L_IN), OC = <i32>layer(l, L_OUT);
    const o0 = shareStart(OC, part, parts), o1 = shareStart(OC, part + 1, parts);
    if (o1 == o0) continue;
    const weight = <i32>((<usize>layer(l, L_WEIGHT) - params) >> 2), bias = <i32>((<usize>layer(l, L_BIAS) - params) >> 2);
    updateRun(weight + o0 * C, (o1 - o0) * C, scale);
    updateRun(bias + o0, o1 - o0, scale);
  }
}

/** Parameters p … p+n of the flat region: their gradients scaled by clipping's factor (1: none), then the optimiser's step. */
function updateRun(p: i32, n: i32, scale: f64): void {
  const at = <usize>p << 2, grads = <usize>header(H_GRADS) + at;
  if (scale != 1) scaleGradients(grads, n, <f32>scale);
  optimizerUpdate(header(H_OPTIMIZER), <usize>header(H_PARAMS) + at, grads, <usize>header(H_OPT_STATE) + at, <i32>header(H_PARAM_COUNT), n,
    <f32>load<f64>(headerAddress(H_LEARNING_RATE)), headerAddress(H_SETTINGS), headerAddress(H_BETA1_POWER));
}

/**
 * One gradient step on `rows` rows at `input` with `targets` (gathered first from the shuffled
 * order at `gatherStart` unless it is −1); returns their summed loss before the step (member 0's;
 * the others return 0), also added to the f64 at `sum` unless it is 0. Member 0 first draws the
 * masks and advances the step count and Adam's powers; each member then runs its rows forward and
 * back, and after a barrier computes and applies its share of the weight gradients; a barrier ends
 * the step, after which every member may read `sum`.
 */
function stepOn(input: usize, targets: usize, rows: i32, gatherStart: i32, sum: usize): f64 {
  const records = headerAddress(H_LAYER_BASE), count = <i32>header(H_LAYERS);
  prepareMasks(records, count, rows);
  if (teamMember() == 0) {
    store<u32>(headerAddress(H_STEP), header(H_STEP) + 1);
    optimizerAdvance(header(H_OPTIMIZER), headerAddress(H_SETTINGS), headerAddress(H_BETA1_POWER));
  }
  const r0 = firstRow(rows), r1 = endRow(rows);
  if (r1 > r0) {
    if (gatherStart >= 0) gatherBatch(gatherStart, r0, r1);
    forwardLayers(records, count, input, r0, r1 - r0, true);
    deltas(input, targets, r0, r1 - r0, rows);
  }
  barrier();
  let loss: f64 = 0;
  if (teamMember() == 0) {
    loss = lossOf(targets, rows);
    if (sum != 0) store<f64>(sum, load<f64>(sum) + loss);
    if (header(H_CLASSIFY)) store<u32>(headerAddress(H_CORRECT), header(H_CORRECT) + correctOf(targets, rows));
  }
  weightGradients(records, count, input, rows, teamMember(), teamSize());
  applyGradients();
  barrier();
  return loss;
}

/** One gradient step on the batch region's first `rows` rows, on the team; returns their summed loss before the step. */
export function trainBatch(rows: i32): f64 {
  startJob(JOB_STEP, rows, 0, 0, 0);
  return stepOn(<usize>header(H_INPUT), <usize>header(H_TARGETS), rows, -1, 0);
}

/** Copies the training rows order[start + r] into row r of the batch region, for r0 ≤ r < r1. */
function gatherBatch(start: i32, r0: i32, r1: i32): void {
  const inBytes = <usize>layer(0, L_IN) << 2, outBytes = <usize>layer(lastLayer(), L_OUT) << 2;
  const input = <usize>header(H_INPUT), targets = <usize>header(H_TARGETS);
  const dataX = <usize>header(H_DATA_X), dataY = <usize>header(H_DATA_Y), index = <usize>header(H_INDEX);
  for (let r = r0; r < r1; r++) {
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

/**
 * One epoch over the first `rows` training rows in batches of `batchSize`; member 0 sums the loss
 * into the f64 at `loss` step by step (the others read it only after the epoch's last barrier).
 */
function trainEpoch(rows: i32, batchSize: i32, shuffle: bool, loss: usize): void {
  assert(<u32>rows <= header(H_DATA_ROWS) && batchSize > 0 && <u32>batchSize <= header(H_PASS_ROWS), 'trainEpoch: outside the plan');
  if (teamMember() == 0) {
    if (shuffle) {
      // Each epoch's order depends only on the generator, not on the last epoch's: a resumed run shuffles alike.
      resetIndex(rows);
      shuffleIndex(headerAddress(H_RNG), <usize>header(H_INDEX), rows);
    }
    store<u32>(headerAddress(H_CORRECT), 0);
    store<f64>(loss, 0);
  }
  if (shuffle) barrier(); // the order is drawn before anyone gathers
  const inBytes = <usize>layer(0, L_IN) << 2, outBytes = <usize>layer(lastLayer(), L_OUT) << 2;
  const dataX = <usize>header(H_DATA_X), dataY = <usize>header(H_DATA_Y);
  for (let start = 0; start < rows; start += batchSize) {
    const n = min(batchSize, rows - start);
    if (shuffle) stepOn(<usize>header(H_INPUT), <usize>header(H_TARGETS), n, start, loss);
    // In order, a batch is a run of consecutive training rows: train on them where they lie.
    else stepOn(dataX + <usize>start * inBytes, dataY + <usize>start * outBytes, n, -1, loss);
  }
}

/**
 * Up to `epochs` epochs (at most LOSS_SLOTS) over the first `rows` training rows, on the team, each
 * one's summed loss into the losses region and its count of right answers (when classifying)
 * LOSS_SLOTS slots further; stops after a non-finite loss. Returns how many epochs ran.
 */
export function trainEpochs(epochs: i32, rows: i32, batchSize: i32, shuffle: bool): i32 {
  startJob(JOB_EPOCHS, epochs, rows, batchSize, <u32>shuffle);
  return runEpochs(epochs, rows, batchSize, shuffle);
}

/**
 * trainEpochs as each member runs it: every member reads the same losses, so all stop together,
 * and a last barrier keeps the host from starting another job while a member still reads them.
 */
function runEpochs(epochs: i32, rows: i32, batchSize: i32, shuffle: bool): i32 {
  assert(epochs > 0 && epochs <= LOSS_SLOTS, 'trainEpochs: more epochs than loss slots');
  const losses = <usize>header(H_LOSSES);
  let ran = epochs;
  for (let e = 0; e < epochs; e++) {
    const loss = losses + (<usize>e << 3);
    trainEpoch(rows, batchSize, shuffle, loss);
    if (teamMember() == 0) store<f64>(losses + (<usize>(LOSS_SLOTS + e) << 3), <f64>header(H_CORRECT));
    if (!isFinite(load<f64>(loss))) {
      ran = e + 1;
      break;
    }
  }
  barrier();
  return ran;
}
