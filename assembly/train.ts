// The model functions of the WebAssembly core, the twins of src/js/train.ts: initialisation,
// forward, backward, one step, one epoch and a run of epochs, as straight lines of kernel calls
// over the arena whose header starts at `arena` (offsets in the header are absolute).
import {
  H_BETA1, H_BETA1_POWER, H_BETA2, H_BETA2_POWER, H_CLASSIFY, H_CLIP, H_CORRECT, H_EPSILON, H_L2, H_MOMENTUM, H_OPTIMIZER,
  H_OPT_STATE, H_STEP, INIT_HE_NORMAL, INIT_HE_UNIFORM, INIT_XAVIER_NORMAL, INIT_XAVIER_UNIFORM, OPT_ADAM, OPT_MOMENTUM,
  OPT_NESTEROV, H_DATA_ROWS, H_DATA_X, H_DATA_Y, H_GRADS, H_INDEX, H_LAYERS, H_LAYER_BASE, H_LOSS, H_LOSSES, H_PARAM_COUNT, H_PARAMS, H_RNG,
  H_PASS_ROWS, H_TARGETS, LAYER_WORDS, LOSS_CROSS_ENTROPY, LOSS_SLOTS, L_ACT, L_BIAS, L_DBIAS, L_DINPUT, L_DOUTPUT, L_DWEIGHT,
  L_IN, L_INPUT, L_OUT, L_OUTPUT, L_WEIGHT,
} from './abi';
import { activationBackward, activationForward } from './activation';
import { countCorrect, crossEntropyBackward, lossForward, mseBackward } from './loss';
import { matmulBackwardInput, matmulBackwardWeight, matmulForward } from './matmul';
import { rngNormal, rngSeed, rngSigned, shuffleIndex } from './rng';
import { adamUpdate, allFinite, clipGradients, l2Gradient, momentumUpdate, sgdUpdate } from './update';

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

// @ts-ignore: decorator
@inline function headerF32(word: i32): f32 {
  return load<f32>(arena + (<usize>word << 2));
}

/**
 * Seeds the generator and draws every weight by rule `init` (the seed's normal(0, 1)/√fan_in, or
 * Glorot or He, uniform or normal); biases start at zero. Also resets the optimiser's state.
 */
export function initParams(seed: u32, init: u32): void {
  rngSeed(rngState(), seed);
  for (let l = 0, L = <i32>header(H_LAYERS); l < L; l++) {
    const C = <i32>layer(l, L_IN), OC = <i32>layer(l, L_OUT);
    const weight = <usize>layer(l, L_WEIGHT);
    const uniform = init == INIT_XAVIER_UNIFORM || init == INIT_HE_UNIFORM;
    const scale: f64 = init == INIT_XAVIER_UNIFORM ? Math.sqrt(6.0 / <f64>(C + OC))
      : init == INIT_XAVIER_NORMAL ? Math.sqrt(2.0 / <f64>(C + OC))
      : init == INIT_HE_UNIFORM ? Math.sqrt(6.0 / <f64>C)
      : init == INIT_HE_NORMAL ? Math.sqrt(2.0 / <f64>C)
      : 1.0 / Math.sqrt(<f64>C);
    for (let i = 0; i < OC * C; i++) {
      store<f32>(weight + (<usize>i << 2), <f32>((uniform ? rngSigned(rngState()) : rngNormal(rngState())) * scale));
    }
    memory.fill(<usize>layer(l, L_BIAS), 0, <usize>OC << 2);
  }
  resetOptimizer();
}

/** Zeroes the optimiser's state and step count: a fresh start for momentum and Adam. */
export function resetOptimizer(): void {
  memory.fill(<usize>header(H_OPT_STATE), 0, <usize>(2 * header(H_PARAM_COUNT)) << 2);
  store<u32>(arena + (<usize>H_STEP << 2), 0);
  store<f64>(arena + (<usize>H_BETA1_POWER << 2), 1);
  store<f64>(arena + (<usize>H_BETA2_POWER << 2), 1);
}

/** How many optimiser-state values the update rule uses: none for SGD, a velocity, or Adam's two moments. */
export function momentsInUse(): i32 {
  const optimizer = header(H_OPTIMIZER), N = <i32>header(H_PARAM_COUNT);
  return optimizer == OPT_ADAM ? 2 * N : optimizer == OPT_MOMENTUM || optimizer == OPT_NESTEROV ? N : 0;
}

/** Whether every parameter and every optimiser moment in use is finite: what a diverged step breaks first. */
export function stateFinite(): bool {
  return allFinite(<usize>header(H_PARAMS), <i32>header(H_PARAM_COUNT)) && allFinite(<usize>header(H_OPT_STATE), momentsInUse());
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

/** Right answers of the last forward pass against `targets`, over `rows`. */
export function batchCorrect(targets: usize, rows: i32): u32 {
  const last = <i32>header(H_LAYERS) - 1;
  return countCorrect(<usize>layer(last, L_OUTPUT), targets, rows, <i32>layer(last, L_OUT));
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

/**
 * The update from the gradients in the grads region: L2 decay of the weights, clipping by global
 * norm, then the optimiser named in the header, all as loops over the flat parameter region.
 */
export function optimizerStep(learningRate: f32): void {
  const params = <usize>header(H_PARAMS), grads = <usize>header(H_GRADS), N = <i32>header(H_PARAM_COUNT);
  const state = <usize>header(H_OPT_STATE);
  const l2 = headerF32(H_L2), clip = headerF32(H_CLIP);
  if (l2 > 0) {
    for (let l = 0, L = <i32>header(H_LAYERS); l < L; l++) {
      l2Gradient(<usize>layer(l, L_DWEIGHT), <usize>layer(l, L_WEIGHT), <i32>(layer(l, L_IN) * layer(l, L_OUT)), l2);
    }
  }
  if (clip > 0) clipGradients(grads, N, clip);
  store<u32>(arena + (<usize>H_STEP << 2), header(H_STEP) + 1);
  const optimizer = header(H_OPTIMIZER);
  if (optimizer == OPT_MOMENTUM || optimizer == OPT_NESTEROV) {
    momentumUpdate(params, grads, state, N, learningRate, headerF32(H_MOMENTUM), optimizer == OPT_NESTEROV);
  } else if (optimizer == OPT_ADAM) {
    const beta1 = headerF32(H_BETA1), beta2 = headerF32(H_BETA2);
    const p1 = load<f64>(arena + (<usize>H_BETA1_POWER << 2)) * <f64>beta1;
    const p2 = load<f64>(arena + (<usize>H_BETA2_POWER << 2)) * <f64>beta2;
    store<f64>(arena + (<usize>H_BETA1_POWER << 2), p1);
    store<f64>(arena + (<usize>H_BETA2_POWER << 2), p2);
    adamUpdate(params, grads, state, state + (<usize>N << 2), N, learningRate, beta1, beta2, headerF32(H_EPSILON),
      <f32>(1.0 / (1.0 - p1)), <f32>(1.0 / (1.0 - p2)));
  } else {
    sgdUpdate(params, grads, N, learningRate);
  }
}

/** One gradient step on `rows` rows at `input` with `targets`; returns their summed loss before the step. */
export function trainStep(input: usize, targets: usize, rows: i32, learningRate: f32): f64 {
  forward(input, rows);
  const loss = batchLoss(targets, rows);
  if (header(H_CLASSIFY)) store<u32>(arena + (<usize>H_CORRECT << 2), header(H_CORRECT) + batchCorrect(targets, rows));
  backward(input, targets, rows);
  optimizerStep(learningRate);
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
  if (shuffle) {
    // Each epoch's order depends only on the generator, not on the last epoch's: a resumed run shuffles alike.
    resetIndex(rows);
    shuffleIndex(rngState(), <usize>header(H_INDEX), rows);
  }
  store<u32>(arena + (<usize>H_CORRECT << 2), 0);
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

/**
 * Up to `epochs` epochs (at most LOSS_SLOTS), each one's summed loss into the losses region and its
 * count of right answers (when classifying) LOSS_SLOTS slots further; stops after a non-finite loss.
 */
export function trainEpochs(epochs: i32, rows: i32, batchSize: i32, shuffle: bool, learningRate: f32): i32 {
  assert(epochs > 0 && epochs <= LOSS_SLOTS, 'trainEpochs: more epochs than loss slots');
  const losses = <usize>header(H_LOSSES);
  for (let e = 0; e < epochs; e++) {
    const loss = trainEpoch(rows, batchSize, shuffle, learningRate);
    store<f64>(losses + (<usize>e << 3), loss);
    store<f64>(losses + (<usize>(LOSS_SLOTS + e) << 3), <f64>header(H_CORRECT));
    if (!isFinite(loss)) return e + 1;
  }
  return epochs;
}
