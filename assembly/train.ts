// The model functions of the WebAssembly core, the twins of src/js/train.ts: initialisation,
// forward, backward, one step, one epoch and a run of epochs, over the arena whose header starts at
// `arena` (offsets in the header are absolute). Forward and backward run the layer records in order
// (layer.ts computes each kind); the update runs over the flat parameter region (update.ts).
import {
  H_CLASSIFY, H_CLIP, H_CORRECT, H_DATA_ROWS, H_DATA_X, H_DATA_Y, H_GRADS, H_INDEX, H_INPUT, H_L2, H_LAYERS, H_LAYER_BASE,
  H_LEARNING_RATE, H_LOSS, H_LOSSES, H_OPTIMIZER, H_OPT_STATE, H_OPT_STATE_COUNT, H_PARAM_COUNT, H_PARAMS, H_PASS_ROWS, H_RNG,
  H_SETTINGS, H_STEP, H_BETA1_POWER, H_BETA2_POWER, H_TARGETS, INIT_HE_NORMAL, INIT_HE_UNIFORM, INIT_XAVIER_NORMAL,
  INIT_XAVIER_UNIFORM, LAYER_WORDS, LOSS_SLOTS, L_BIAS, L_DINPUT, L_DOUTPUT, L_DWEIGHT, L_IN, L_KIND, L_OUT,
  L_OUTPUT, L_WEIGHT,
} from './abi';
import { ACT_IDENTITY } from './activation';
import { backwardLayers, forwardLayers, KIND_ACTIVATION, KIND_DENSE, L_CODE } from './layer';
import { countCorrect, crossEntropyBackward, LOSS_CROSS_ENTROPY, lossForward, mseBackward } from './loss';
import { rngNormal, rngSeed, rngSigned, shuffleIndex } from './rng';
import { allFinite, clipGradients, l2Gradient, optimizerUpdate } from './update';

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

/** Runs `rows` rows starting at `input` through every layer; `training` turns dropout on. */
function forwardFrom(input: usize, rows: i32, training: bool): void {
  assert(rows > 0 && <u32>rows <= header(H_PASS_ROWS), 'forward: rows exceed the planned pass');
  forwardLayers(headerAddress(H_LAYER_BASE), <i32>header(H_LAYERS), input, rows, training, headerAddress(H_RNG));
}

/** Gradients of the batch-mean loss into the grads region: the loss's gradient, then every layer backward, last to first. */
function backwardFrom(input: usize, targets: usize, rows: i32): void {
  const last = lastLayer();
  const N = rows * <i32>layer(last, L_OUT), pred = <usize>layer(last, L_OUTPUT);
  const scale: f64 = 1.0 / <f64>rows;
  let l = last;
  if (header(H_LOSS) == LOSS_CROSS_ENTROPY) {
    // Softmax or sigmoid then cross-entropy has the fused gradient ∂L/∂z, exact where a·(1−a) would
    // underflow: it goes straight to the output activation's input, and that layer's backward is skipped.
    assert(layer(last, L_KIND) == KIND_ACTIVATION, 'backward: cross-entropy needs an output activation');
    crossEntropyBackward(<usize>layer(last, L_DINPUT), pred, targets, N, scale);
    l = last - 1;
  } else {
    mseBackward(<usize>layer(last, L_DOUTPUT), pred, targets, N, scale);
  }
  backwardLayers(headerAddress(H_LAYER_BASE), l, input, rows);
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

/** Runs the batch region's first `rows` rows through every layer; `training` turns dropout on. */
export function forward(rows: i32, training: bool): void {
  forwardFrom(<usize>header(H_INPUT), rows, training);
}

/** The loss of the last forward pass against the batch's targets, summed over `rows`. */
export function batchLoss(rows: i32): f64 {
  return lossOf(<usize>header(H_TARGETS), rows);
}

/** Right answers of the last forward pass against the batch's targets, over `rows`. */
export function batchCorrect(rows: i32): u32 {
  return correctOf(<usize>header(H_TARGETS), rows);
}

/** Gradients of the batch's mean loss after a forward pass over its first `rows` rows. */
export function backward(rows: i32): void {
  backwardFrom(<usize>header(H_INPUT), <usize>header(H_TARGETS), rows);
}

/**
 * The update from the gradients in the grads region: L2 decay of the dense layers' weights, clipping
 * by global norm, then the optimiser named in the header, as loops over the flat parameter region.
 */
function applyGradients(): void {
  const params = <usize>header(H_PARAMS), grads = <usize>header(H_GRADS), N = <i32>header(H_PARAM_COUNT);
  const l2 = load<f32>(headerAddress(H_L2)), clip = load<f32>(headerAddress(H_CLIP));
  if (l2 > 0) {
    for (let l = 0, L = <i32>header(H_LAYERS); l < L; l++) {
      if (layer(l, L_KIND) != KIND_DENSE) continue;
      l2Gradient(<usize>layer(l, L_DWEIGHT), <usize>layer(l, L_WEIGHT), <i32>(layer(l, L_IN) * layer(l, L_OUT)), l2);
    }
  }
  if (clip > 0) clipGradients(grads, N, clip);
  store<u32>(headerAddress(H_STEP), header(H_STEP) + 1);
  optimizerUpdate(header(H_OPTIMIZER), params, grads, <usize>header(H_OPT_STATE), N, <f32>load<f64>(headerAddress(H_LEARNING_RATE)),
    headerAddress(H_SETTINGS), headerAddress(H_BETA1_POWER));
}

/** One gradient step on `rows` rows at `input` with `targets`; returns their summed loss before the step. */
function stepOn(input: usize, targets: usize, rows: i32): f64 {
  forwardFrom(input, rows, true);
  const loss = lossOf(targets, rows);
  if (header(H_CLASSIFY)) store<u32>(headerAddress(H_CORRECT), header(H_CORRECT) + correctOf(targets, rows));
  backwardFrom(input, targets, rows);
  applyGradients();
  return loss;
}

/** One gradient step on the batch region's first `rows` rows; returns their summed loss before the step. */
export function trainBatch(rows: i32): f64 {
  return stepOn(<usize>header(H_INPUT), <usize>header(H_TARGETS), rows);
}

/** Copies the training rows order[start … start+rows) into the batch region. */
function gatherBatch(start: i32, rows: i32): void {
  const inBytes = <usize>layer(0, L_IN) << 2, outBytes = <usize>layer(lastLayer(), L_OUT) << 2;
  const input = <usize>header(H_INPUT), targets = <usize>header(H_TARGETS);
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
function trainEpoch(rows: i32, batchSize: i32, shuffle: bool): f64 {
  assert(<u32>rows <= header(H_DATA_ROWS) && batchSize > 0 && <u32>batchSize <= header(H_PASS_ROWS), 'trainEpoch: outside the plan');
  if (shuffle) {
    // Each epoch's order depends only on the generator, not on the last epoch's: a resumed run shuffles alike.
    resetIndex(rows);
    shuffleIndex(headerAddress(H_RNG), <usize>header(H_INDEX), rows);
  }
  store<u32>(headerAddress(H_CORRECT), 0);
  const inBytes = <usize>layer(0, L_IN) << 2, outBytes = <usize>layer(lastLayer(), L_OUT) << 2;
  const dataX = <usize>header(H_DATA_X), dataY = <usize>header(H_DATA_Y);
  let loss: f64 = 0;
  for (let start = 0; start < rows; start += batchSize) {
    const n = min(batchSize, rows - start);
    if (shuffle) {
      gatherBatch(start, n);
      loss += trainBatch(n);
    } else {
      // In order, a batch is a run of consecutive training rows: train on them where they lie.
      loss += stepOn(dataX + <usize>start * inBytes, dataY + <usize>start * outBytes, n);
    }
  }
  return loss;
}

/**
 * Up to `epochs` epochs (at most LOSS_SLOTS) over the first `rows` training rows, each one's summed
 * loss into the losses region and its count of right answers (when classifying) LOSS_SLOTS slots
 * further; stops after a non-finite loss. Returns how many epochs ran.
 */
export function trainEpochs(epochs: i32, rows: i32, batchSize: i32, shuffle: bool): i32 {
  assert(epochs > 0 && epochs <= LOSS_SLOTS, 'trainEpochs: more epochs than loss slots');
  const losses = <usize>header(H_LOSSES);
  for (let e = 0; e < epochs; e++) {
    const loss = trainEpoch(rows, batchSize, shuffle);
    store<f64>(losses + (<usize>e << 3), loss);
    store<f64>(losses + (<usize>(LOSS_SLOTS + e) << 3), <f64>header(H_CORRECT));
    if (!isFinite(loss)) return e + 1;
  }
  return epochs;
}
