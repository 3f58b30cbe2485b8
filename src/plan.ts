// The arena plan: where every region of one network's memory lives, and the limits on memory it
// enforces (checkedPlan before anything is allocated, allocate when the host refuses). Both engines use it.
import {
  H_DATA_ROWS, H_DATA_X, H_DATA_Y, H_GRADS, H_INDEX, H_LAYERS, H_LAYER_BASE, H_LOSS, H_PARAM_COUNT,
  H_LOSSES, H_OPT_STATE, H_PARAMS, H_PASS_ROWS, H_TARGETS, LOSS_SLOTS, LAYER_WORDS, L_ACT, L_BIAS, L_DBIAS, L_DINPUT, L_DOUTPUT,
  L_DWEIGHT, L_IN, L_INPUT, L_OUT, L_OUTPUT, L_WEIGHT,
} from './abi.js';
import { MemoryError } from './errors.js';

/** What a plan is made from: the network's shape and how many rows it must hold. */
export interface PlanInput {
  /** Widths, input → output. */
  widths: readonly number[];
  /** Activation code of each weight layer (widths.length − 1 entries). */
  activations: readonly number[];
  loss: number;
  /** Rows one forward/backward pass holds: the batch size, or a prediction chunk. */
  passRows: number;
  /** Rows of training data the arena holds. */
  dataRows: number;
}

export interface LayerPlan {
  inWidth: number;
  outWidth: number;
  activation: number;
  weight: number;
  bias: number;
  dweight: number;
  dbias: number;
  input: number;
  output: number;
  doutput: number;
  /** 0 for the first layer, whose input needs no gradient. */
  dinput: number;
}

/** Byte offsets of every region, relative to the arena's base, and the arena's total size. */
export interface ArenaPlan extends PlanInput {
  headerWords: number;
  params: number;
  paramCount: number;
  grads: number;
  /** Optimiser state: two vectors in the parameters' layout (momentum's velocity; Adam's m and v). */
  optState: number;
  targets: number;
  dataX: number;
  dataY: number;
  index: number;
  /** f64 epoch losses and right-answer counts (the wasm core's trainEpochs writes them here). */
  losses: number;
  lossSlots: number;
  layers: LayerPlan[];
  bytes: number;
}

/**
 * The most bytes one arena may take, on both engines: WebAssembly's 32-bit address space (4 GiB)
 * less one 64 KiB page for the core's static data, below which arenas start. Offsets in the header
 * are u32 byte offsets, so the js engine keeps the same limit and both accept the same networks.
 */
export const ARENA_LIMIT = 2 ** 32 - 65536;

const ALIGN = 16;
const align = (bytes: number): number => Math.ceil(bytes / ALIGN) * ALIGN;

/** Lays out header, params, grads, activations, deltas, targets, data and index, each 16-byte aligned. */
export function planArena(input: PlanInput): ArenaPlan {
  const { widths, passRows, dataRows } = input;
  const L = widths.length - 1;
  const headerWords = H_LAYER_BASE + L * LAYER_WORDS;
  let cursor = align(headerWords * 4);
  const take = (floats: number): number => {
    const at = cursor;
    cursor = align(cursor + floats * 4);
    return at;
  };

  // Parameters are packed with no gaps (W1, b1, W2, b2, …) so that the whole region is one
  // vector for the optimiser and one copy for getParams; grads mirror it exactly.
  let paramCount = 0;
  for (let l = 0; l < L; l++) paramCount += widths[l + 1] * (widths[l] + 1);
  const params = take(paramCount);
  const grads = take(paramCount);
  const optState = take(2 * paramCount);

  const activations = widths.map((n) => take(passRows * n));
  const deltas = widths.map((n, l) => (l === 0 ? 0 : take(passRows * n)));
  const targets = take(passRows * widths[L]);
  const dataX = take(dataRows * widths[0]);
  const dataY = take(dataRows * widths[L]);
  const index = take(dataRows);
  const losses = take(LOSS_SLOTS * 4); // f64 loss sums, then f64 counts of right answers

  const layers: LayerPlan[] = [];
  let offset = 0;
  for (let l = 0; l < L; l++) {
    const inWidth = widths[l];
    const outWidth = widths[l + 1];
    const weight = params + offset * 4;
    const bias = weight + inWidth * outWidth * 4;
    layers.push({
      inWidth, outWidth, activation: input.activations[l],
      weight, bias, dweight: weight - params + grads, dbias: bias - params + grads,
      input: activations[l], output: activations[l + 1], doutput: deltas[l + 1], dinput: deltas[l],
    });
    offset += outWidth * (inWidth + 1);
  }
  return {
    ...input, headerWords, params, paramCount, grads, optState, targets, dataX, dataY, index, losses, lossSlots: LOSS_SLOTS, layers, bytes: cursor,
  };
}

/** Writes the plan into the header words at the arena's start, with offsets moved by `base` bytes. */
export function writeHeader(words: Uint32Array, plan: ArenaPlan, base: number): void {
  const h = (i: number, v: number): void => { words[(base >>> 2) + i] = v; };
  const at = (offset: number): number => (offset === 0 ? 0 : base + offset);
  h(H_LAYERS, plan.layers.length);
  h(H_PASS_ROWS, plan.passRows);
  h(H_DATA_ROWS, plan.dataRows);
  h(H_LOSS, plan.loss);
  h(H_PARAMS, at(plan.params));
  h(H_PARAM_COUNT, plan.paramCount);
  h(H_GRADS, at(plan.grads));
  h(H_OPT_STATE, at(plan.optState));
  h(H_TARGETS, at(plan.targets));
  h(H_DATA_X, at(plan.dataX));
  h(H_DATA_Y, at(plan.dataY));
  h(H_INDEX, at(plan.index));
  h(H_LOSSES, at(plan.losses));
  plan.layers.forEach((layer, l) => {
    const r = H_LAYER_BASE + l * LAYER_WORDS;
    h(r + L_IN, layer.inWidth);
    h(r + L_OUT, layer.outWidth);
    h(r + L_ACT, layer.activation);
    h(r + L_WEIGHT, at(layer.weight));
    h(r + L_BIAS, at(layer.bias));
    h(r + L_DWEIGHT, at(layer.dweight));
    h(r + L_DBIAS, at(layer.dbias));
    h(r + L_INPUT, at(layer.input));
    h(r + L_OUTPUT, at(layer.output));
    h(r + L_DOUTPUT, at(layer.doutput));
    h(r + L_DINPUT, at(layer.dinput));
  });
}

const gib = (bytes: number): string => `${(bytes / 2 ** 30).toFixed(2)} GiB`;

/**
 * `make()`, or a MemoryError ('memory') when the host refuses the memory (V8 throws a RangeError):
 * one place that turns every refused allocation of the library into its typed error.
 */
export function allocate<T>(bytes: number, what: string, make: () => T, advice?: string): T {
  try {
    return make();
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    throw new MemoryError('memory', bytes, ARENA_LIMIT,
      `the host refused ${(bytes / 2 ** 20).toFixed(1)} MiB for ${what} (${error.message})${advice ? `; ${advice}` : ''}`);
  }
}

/**
 * The plan for `input`, or a MemoryError naming what is too big (the layer widths, the rows of one
 * pass, or the training rows), what it needs and how many rows would fit. Nothing is allocated.
 */
export function checkedPlan(input: PlanInput): ArenaPlan {
  const plan = planArena(input);
  if (plan.bytes <= ARENA_LIMIT) return plan;
  const { widths, passRows, dataRows } = input;
  const fixed = planArena({ ...input, passRows: 0, dataRows: 0 }).bytes;
  const shape = `layers [${widths.join(', ')}]`;
  if (fixed > ARENA_LIMIT) {
    throw new MemoryError('layers', fixed, ARENA_LIMIT,
      `${shape} need ${gib(fixed)} for parameters, gradients and optimiser state alone; one network may use at most ` +
      `${gib(ARENA_LIMIT)} (WebAssembly's 4 GiB less what the core needs, the same on both engines)`);
  }
  // Bytes per row, as planArena counts them: every activation and delta, the targets; the rows, targets and index.
  const perPassRow = 4 * (2 * widths.reduce((s, n) => s + n, 0) - widths[0] + widths[widths.length - 1]);
  const perDataRow = 4 * (widths[0] + widths[widths.length - 1] + 1);
  const withPass = planArena({ ...input, dataRows: 0 }).bytes;
  if (withPass > ARENA_LIMIT) {
    const fit = Math.floor((ARENA_LIMIT - fixed) / perPassRow) - 1;
    throw new MemoryError('passRows', withPass, ARENA_LIMIT,
      `${passRows} rows in one pass (the batch size, or the rows given to one fitPartial or computeGradients call) need ` +
      `${gib(withPass)} with ${shape}; the limit is ${gib(ARENA_LIMIT)}, so at most about ${fit} rows fit in one pass`);
  }
  const fit = Math.floor((ARENA_LIMIT - withPass) / perDataRow) - 1;
  throw new MemoryError('dataRows', plan.bytes, ARENA_LIMIT,
    `a training set of ${dataRows} rows needs ${gib(plan.bytes)} with ${shape} and ${passRows} rows per pass; the limit is ` +
    `${gib(ARENA_LIMIT)}, so at most about ${fit} training rows fit`);
}
