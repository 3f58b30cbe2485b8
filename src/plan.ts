// The arena plan: where every region of one network's memory lives, and the limits on memory it
// enforces (checkedPlan before anything is allocated, allocate when the host refuses). Both engines use it.
import {
  H_DATA_ROWS,
  H_DATA_X,
  H_DATA_Y,
  H_GRADS,
  H_INDEX,
  H_INPUT,
  H_LAYERS,
  H_LAYER_BASE,
  H_LOSS,
  H_LOSSES,
  H_OPT_STATE,
  H_OPT_STATE_COUNT,
  H_PARAM_COUNT,
  H_PARAMS,
  H_PASS_ROWS,
  H_TARGETS,
  LAYER_WORDS,
  LOSS_SLOTS,
  L_BIAS,
  L_DBIAS,
  L_DINPUT,
  L_DOUTPUT,
  L_DWEIGHT,
  L_IN,
  L_INPUT,
  L_KIND,
  L_OUT,
  L_OUTPUT,
  L_STATE,
  L_WEIGHT,
} from './abi.js';
import type { NetworkShape } from './engine.js';
import { MemoryError } from './errors.js';
import { LAYER_KINDS, type LayerKindEntry, type LayerSpec } from './registry.js';

/** What a plan is made from: the network's shape and how many rows it must hold. */
export interface PlanInput extends NetworkShape {
  /** Rows one forward/backward pass holds: the batch size, or a prediction chunk. */
  passRows: number;
  /** Rows of training data the arena holds. */
  dataRows: number;
}

/** Byte offsets of one layer's regions (0: none), and its widths. */
export interface LayerPlan {
  spec: LayerSpec;
  inWidth: number;
  outWidth: number;
  input: number;
  output: number;
  /** 0 for the first layer, whose input needs no gradient. */
  dinput: number;
  doutput: number;
  /** Dense layers: their weights and biases, and those of the gradients. */
  weight: number;
  bias: number;
  dweight: number;
  dbias: number;
  /** The kind's own per-row region (dropout: the mask of the last training pass). */
  state: number;
}

/** Where a dense layer's weights (rows × cols, row-major) and biases (rows) sit in the flat parameter vector. */
export interface ParameterPlan {
  rows: number;
  cols: number;
  weight: number;
  bias: number;
}

/** Byte offsets of every region, relative to the arena's base, and the arena's total size. */
export interface ArenaPlan extends Omit<PlanInput, 'layers'> {
  headerWords: number;
  /** Widths of the network's tensors between dense layers: inputs, hidden units…, outputs. */
  widths: number[];
  params: number;
  paramCount: number;
  /** The parameter layout: one entry per dense layer, in order. */
  parameters: ParameterPlan[];
  grads: number;
  /** Optimiser state: stateVectors vectors in the parameters' layout (momentum's velocity; Adam's m and v). */
  optState: number;
  optStateCount: number;
  /** The batch's inputs (the first layer's input) and targets. */
  input: number;
  targets: number;
  dataX: number;
  dataY: number;
  index: number;
  /** f64 epoch losses, then as many f64 right-answer counts (trainEpochs writes them). */
  losses: number;
  lossSlots: number;
  layers: LayerPlan[];
  bytes: number;
}

const ALIGN = 16;
const align = (bytes: number): number => Math.ceil(bytes / ALIGN) * ALIGN;

/**
 * Lays out the arena, each region 16-byte aligned: header and layer records; parameters, gradients
 * and optimiser state; the batch's inputs, then each layer's output values and deltas where it
 * does not work in place, and its own region (dropout's mask); the batch's targets; the training
 * rows, targets and shuffle index; the loss slots.
 */
export function planArena(input: PlanInput): ArenaPlan {
  const { inputs, passRows, dataRows } = input;
  const specs = input.layers;
  const headerWords = H_LAYER_BASE + specs.length * LAYER_WORDS;
  let cursor = align(headerWords * 4);
  const take = (floats: number): number => {
    const at = cursor;
    cursor = align(cursor + floats * 4);
    return at;
  };
  const kind = (spec: LayerSpec): LayerKindEntry<LayerSpec> => LAYER_KINDS[spec.kind] as LayerKindEntry<LayerSpec>;

  const shapes: { inWidth: number; outWidth: number }[] = [];
  const widths = [inputs];
  for (const spec of specs) {
    const inWidth = shapes.length ? shapes[shapes.length - 1].outWidth : inputs;
    shapes.push({ inWidth, outWidth: kind(spec).width(spec, inWidth) });
    if (kind(spec).hasParameters) widths.push(shapes[shapes.length - 1].outWidth);
  }
  // Parameters are packed with no gaps (W, b of each dense layer in order) so that the whole region
  // is one vector for the optimiser and one copy for getParams; grads mirror it exactly.
  const parameters: ParameterPlan[] = [];
  let paramCount = 0;
  specs.forEach((spec, l) => {
    if (!kind(spec).hasParameters) return;
    const { inWidth: cols, outWidth: rows } = shapes[l];
    parameters.push({ rows, cols, weight: paramCount, bias: paramCount + rows * cols });
    paramCount += rows * (cols + 1);
  });
  const params = take(paramCount);
  const grads = take(paramCount);
  const optStateCount = input.stateVectors * paramCount;
  const optState = take(optStateCount);

  const batchInput = take(passRows * inputs);
  let value = batchInput,
    delta = 0,
    dense = 0;
  const layers = specs.map((spec, l): LayerPlan => {
    const { inWidth, outWidth } = shapes[l];
    // The network's input is never overwritten: unshuffled training reads the training rows in place.
    const inPlace = l > 0 ? kind(spec).inPlace(spec) : { value: false, delta: false };
    const output = inPlace.value ? value : take(passRows * outWidth);
    const doutput = inPlace.delta ? delta : take(passRows * outWidth);
    const state = kind(spec).hasState ? take(passRows * outWidth) : 0;
    let weights = { weight: 0, bias: 0, dweight: 0, dbias: 0 };
    if (kind(spec).hasParameters) {
      const p = parameters[dense++];
      weights = {
        weight: params + 4 * p.weight,
        bias: params + 4 * p.bias,
        dweight: grads + 4 * p.weight,
        dbias: grads + 4 * p.bias,
      };
    }
    const planned = { spec, inWidth, outWidth, input: value, output, dinput: delta, doutput, state, ...weights };
    value = output;
    delta = doutput;
    return planned;
  });
  const targets = take(passRows * widths[widths.length - 1]);
  const dataX = take(dataRows * inputs);
  const dataY = take(dataRows * widths[widths.length - 1]);
  const index = take(dataRows);
  const losses = take(LOSS_SLOTS * 4); // f64 loss sums, then f64 counts of right answers

  return {
    ...input,
    headerWords,
    widths,
    params,
    paramCount,
    parameters,
    grads,
    optState,
    optStateCount,
    input: batchInput,
    targets,
    dataX,
    dataY,
    index,
    losses,
    lossSlots: LOSS_SLOTS,
    layers,
    bytes: cursor,
  };
}

/** Writes the plan into the header words at the arena's start, with offsets moved by `base` bytes. */
export function writeHeader(words: Uint32Array, plan: ArenaPlan, base: number): void {
  const h = (i: number, v: number): void => {
    words[(base >>> 2) + i] = v;
  };
  const at = (offset: number): number => (offset === 0 ? 0 : base + offset);
  h(H_LAYERS, plan.layers.length);
  h(H_PASS_ROWS, plan.passRows);
  h(H_DATA_ROWS, plan.dataRows);
  h(H_LOSS, plan.loss);
  h(H_PARAMS, at(plan.params));
  h(H_PARAM_COUNT, plan.paramCount);
  h(H_GRADS, at(plan.grads));
  h(H_INPUT, at(plan.input));
  h(H_TARGETS, at(plan.targets));
  h(H_DATA_X, at(plan.dataX));
  h(H_DATA_Y, at(plan.dataY));
  h(H_INDEX, at(plan.index));
  h(H_OPT_STATE, at(plan.optState));
  h(H_OPT_STATE_COUNT, plan.optStateCount);
  h(H_LOSSES, at(plan.losses));
  plan.layers.forEach((layer, l) => {
    const r = H_LAYER_BASE + l * LAYER_WORDS;
    const entry = LAYER_KINDS[layer.spec.kind] as LayerKindEntry<LayerSpec>;
    h(r + L_KIND, entry.code);
    h(r + L_IN, layer.inWidth);
    h(r + L_OUT, layer.outWidth);
    h(r + L_INPUT, at(layer.input));
    h(r + L_OUTPUT, at(layer.output));
    h(r + L_DINPUT, at(layer.dinput));
    h(r + L_DOUTPUT, at(layer.doutput));
    h(r + L_WEIGHT, at(layer.weight));
    h(r + L_BIAS, at(layer.bias));
    h(r + L_DWEIGHT, at(layer.dweight));
    h(r + L_DBIAS, at(layer.dbias));
    h(r + L_STATE, at(layer.state));
    for (const [word, value] of entry.words(layer.spec)) h(r + word, value);
  });
}

const gib = (bytes: number): string => `${(bytes / 2 ** 30).toFixed(2)} GiB`;

/**
 * The most bytes one arena may take, on both engines: WebAssembly's 32-bit address space (4 GiB)
 * less one 64 KiB page for the core's static data, below which arenas start. Offsets in the header
 * are u32 byte offsets, so the js engine keeps the same limit and both accept the same networks.
 */
export const ARENA_LIMIT = 2 ** 32 - 65536;

/**
 * `make()`, or a MemoryError ('memory') when the host refuses the memory (V8 throws a RangeError):
 * one place that turns every refused allocation of the library into its typed error.
 */
export function allocate<T>(bytes: number, what: string, make: () => T, advice?: string): T {
  try {
    return make();
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    throw new MemoryError(
      'memory',
      bytes,
      ARENA_LIMIT,
      `the host refused ${(bytes / 2 ** 20).toFixed(1)} MiB for ${what} (${error.message})${advice ? `; ${advice}` : ''}`,
    );
  }
}

/**
 * The plan for `input`, or a MemoryError naming what is too big (the layer widths, the rows of one
 * pass, or the training rows), what it needs and how many rows would fit. Nothing is allocated.
 */
export function checkedPlan(input: PlanInput): ArenaPlan {
  const plan = planArena(input);
  if (plan.bytes <= ARENA_LIMIT) return plan;
  const { passRows, dataRows } = input;
  const fixed = planArena({ ...input, passRows: 0, dataRows: 0 }).bytes;
  const shape = `layers [${plan.widths.join(', ')}]`;
  if (fixed > ARENA_LIMIT) {
    throw new MemoryError(
      'layers',
      fixed,
      ARENA_LIMIT,
      `${shape} need ${gib(fixed)} for parameters, gradients and optimiser state alone; one network may use at most ` +
        `${gib(ARENA_LIMIT)} (WebAssembly's 4 GiB less what the core needs, the same on both engines)`,
    );
  }
  // Bytes per row, as planArena counts them, measured over many rows so that alignment padding vanishes.
  const SAMPLE = 65536;
  const perPassRow = (planArena({ ...input, passRows: SAMPLE, dataRows: 0 }).bytes - fixed) / SAMPLE;
  const perDataRow = (planArena({ ...input, passRows: 0, dataRows: SAMPLE }).bytes - fixed) / SAMPLE;
  const withPass = planArena({ ...input, dataRows: 0 }).bytes;
  if (withPass > ARENA_LIMIT) {
    const fit = Math.floor((ARENA_LIMIT - fixed) / perPassRow) - 1;
    throw new MemoryError(
      'passRows',
      withPass,
      ARENA_LIMIT,
      `${passRows} rows in one pass (the batch size, or the rows given to one fitPartial or computeGradients call) need ` +
        `${gib(withPass)} with ${shape}; the limit is ${gib(ARENA_LIMIT)}, so at most about ${fit} rows fit in one pass`,
    );
  }
  const fit = Math.floor((ARENA_LIMIT - withPass) / perDataRow) - 1;
  throw new MemoryError(
    'dataRows',
    plan.bytes,
    ARENA_LIMIT,
    `a training set of ${dataRows} rows needs ${gib(plan.bytes)} with ${shape} and ${passRows} rows per pass; the limit is ` +
      `${gib(ARENA_LIMIT)}, so at most about ${fit} training rows fit`,
  );
}
