// Property-based fuzzing of every public entry point, on both engines: typed errors that change nothing, or valid results.
import { fc, test } from '@fast-check/vitest';
import { describe, vi } from 'vitest';
import * as built from '../dist/src/index.js';
import { withChecksum } from '../src/checkpoint.js';
import * as source from '../src/index.js';
import type { NetworkJSON, NetworkOptions } from '../src/index.js';
import {
  applyFileEdit,
  applyWeightsArgument,
  CallerError,
  capAllocations,
  claimingLength,
  cleanRows,
  cleanTargets,
  createArgument,
  fileDelivery,
  fileEdit,
  fileText,
  fitOptions,
  junk,
  matrix,
  named,
  networkOptions,
  readBudget,
  reordered,
  sharedRows,
  signalKind,
  targets,
  weightsArgument,
  type FileEdit,
  type SignalKind,
  type WeightsArgument,
} from './fuzz-arbitraries.js';
import { ENGINES, testRandom } from './helpers.js';

type Lib = typeof source;
type Net = source.NeuralNetwork;
type Engine = (typeof ENGINES)[number];
const builtLib = built as unknown as Lib;

/** Runs of each property; `FUZZ_RUNS=5000` is the long run. The seed is fixed so that CI is deterministic. */
const RUNS = Number(process.env.FUZZ_RUNS ?? 150);
fc.configureGlobal({ seed: Number(process.env.FUZZ_SEED ?? 20261123), numRuns: RUNS });
vi.setConfig({ testTimeout: Math.max(60_000, RUNS * 100) });

/** "Quickly": the most any call on these small inputs may take, and the most a promise may take to settle. */
const CALL_MS = 2000;
const ASYNC_MS = 10_000;
/** "Without allocating gigabytes": no single arena, nor all of one call's ArrayBuffers, above this. */
const ALLOCATION_CAP = 2 ** 30;
/** Elements of a lying Proxy, or rows of a 1.4e6-row set, that a call may read before refusing it. */
const READ_LIMIT = 10_000;

// ---------------------------------------------------------------------------------------------
// The invariant.

function fail(message: string): never {
  throw new Error(message);
}

function show(value: unknown): string {
  try {
    return fc.stringify(value).slice(0, 200);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

const describeError = (e: unknown): string => (e instanceof Error ? `${e.name}: ${e.message}` : `thrown ${show(e)}`);
const hex = (values: ArrayLike<number>): string => Buffer.from(Float32Array.from(values).buffer).toString('hex');
const gib = (bytes: number): string => `${(bytes / 2 ** 30).toFixed(2)} GiB`;

/** Everything a refused call must leave as it was. */
interface State {
  json: string;
  epoch: number;
  learningRate: number;
  probe: string;
}

function probeRows(inputs: number): number[][] {
  const r = testRandom(99);
  return Array.from({ length: 3 }, () => Array.from({ length: inputs }, () => r() * 4 - 2));
}

function stateOf(net: Net): State {
  try {
    return {
      json: JSON.stringify(net.toJSON({ trainingState: true })),
      epoch: net.epoch,
      learningRate: net.learningRate,
      probe: hex((net.predict(probeRows(net.layers[0])) as number[][]).flat()),
    };
  } catch (e) {
    return fail(`the network no longer works: ${describeError(e)}`);
  }
}

function firstDifference(a: string, b: string): string {
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  return `${a.slice(Math.max(0, i - 40), i + 40)} → ${b.slice(Math.max(0, i - 40), i + 40)}`;
}

function expectUnchanged(net: Net, before: State, when: string): void {
  const after = stateOf(net);
  const changed = (Object.keys(before) as (keyof State)[]).filter((k) => after[k] !== before[k]);
  if (changed.length > 0) {
    fail(
      `${when}, the network changed: ${changed.join(', ')}${changed.includes('json') ? ` (${firstDifference(before.json, after.json)})` : ''}`,
    );
  }
}

function expectFiniteState(net: Net): void {
  const json = net.toJSON({ trainingState: true });
  const values = [...json.weights.flat(2), ...json.biases.flat(), ...(json.trainingState?.moments ?? [])];
  if (!values.every(Number.isFinite)) fail('after a DivergenceError some weights or optimiser moments are not finite');
}

class Hung extends Error {
  override name = 'Hung';
}

async function settles<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Hung(`the promise did not settle within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

interface Expectation<T> {
  /** Checks a returned value, throwing to fail; `before` is the network's state before the call. */
  valid?: (value: T, before: State | undefined) => void | Promise<void>;
  /** Only reads: a success must leave the network as it was too. */
  readOnly?: boolean;
  /** Too big to do: only a typed refusal will do. */
  mustRefuse?: boolean;
  /** Errors the caller's own code throws through the call (a callback, an abort reason), which the library may let through. */
  passes?: (error: unknown) => boolean;
  /** How long the call may take; `refusedWithin`: how long a refusal may take, when accepting may take longer. */
  ms?: number;
  refusedWithin?: number;
}

type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

/**
 * Makes the call on `net` (undefined for calls that make a network) and asserts the invariant: it throws a
 * typed error with a message, having changed nothing (DivergenceError: having left the weights finite), or it
 * returns a valid value; quickly, without gigabytes, without walking a lying value, without polluting prototypes.
 * Each property then checks that the network still trains bit for bit like a twin restored from its checkpoint.
 */
async function expectTypedOrValid<T>(
  lib: Lib,
  net: Net | undefined,
  call: () => T | Promise<T>,
  expectation: Expectation<T> = {},
): Promise<Outcome<T>> {
  const before = net && stateOf(net);
  const buffers = process.memoryUsage().arrayBuffers;
  const started = performance.now();
  let outcome: Outcome<T>,
    waited = false;
  readBudget.reads = 0;
  readBudget.limit = READ_LIMIT;
  const uncap = capAllocations(ALLOCATION_CAP);
  try {
    const result = call();
    waited = result instanceof Promise;
    outcome = { ok: true, value: result instanceof Promise ? await settles(result, ASYNC_MS) : result };
  } catch (error) {
    outcome = { ok: false, error };
  } finally {
    uncap();
    readBudget.limit = Infinity;
  }
  const ms = performance.now() - started,
    grown = process.memoryUsage().arrayBuffers - buffers;
  if (!outcome.ok) {
    const { error } = outcome;
    if (error instanceof lib.BackpropError) expectWellFormed(lib, error);
    else if (!expectation.passes?.(error)) fail(`${describeError(error)} escaped`);
  }
  if (({} as Record<string, unknown>).polluted !== undefined) fail('Object.prototype was polluted');
  const limit = (!outcome.ok && expectation.refusedWithin) || expectation.ms || (waited ? ASYNC_MS : CALL_MS);
  if (ms > limit) fail(`the call took ${ms.toFixed(0)} ms (more than ${limit} ms)`);
  if (grown > ALLOCATION_CAP) fail(`the call allocated ${gib(grown)} of ArrayBuffers`);
  if (!outcome.ok) {
    const { error } = outcome;
    if (error instanceof lib.DivergenceError) {
      if (net) expectFiniteState(net);
    } else if (error instanceof lib.BackpropError && net && before) {
      expectUnchanged(net, before, `after refusing with ${describeError(error)}`);
    }
    return outcome;
  }
  if (expectation.mustRefuse) fail(`accepted it and returned ${show(outcome.value)}`);
  await expectation.valid?.(outcome.value, before);
  if (expectation.readOnly && net && before) expectUnchanged(net, before, 'after a call that only reads');
  return outcome;
}

function expectWellFormed(lib: Lib, e: source.BackpropError): void {
  if (typeof e.message !== 'string' || e.message.trim() === '') fail(`a ${e.name} with an empty message`);
  if (e instanceof lib.ValueError && !(typeof e.option === 'string' && e.option !== ''))
    fail(`a ValueError without its option: ${e.message}`);
  if (e instanceof lib.ShapeError && !(typeof e.argument === 'string' && e.argument !== ''))
    fail(`a ShapeError without its argument: ${e.message}`);
  if (e instanceof lib.DivergenceError && !(Number.isInteger(e.epoch) && e.epoch >= 0))
    fail(`a DivergenceError with epoch ${e.epoch}`);
}

/** Fixed small data for a network: what twins are trained on. */
function fixedData(net: Net): { X: number[][]; y: number[][] } {
  const inputs = net.layers[0],
    outputs = net.layers[net.layers.length - 1];
  const r = testRandom(5);
  const X = Array.from({ length: 6 }, () => Array.from({ length: inputs }, () => r() * 2 - 1));
  const y = X.map((_, i) =>
    Array.from({ length: outputs }, (_, j) =>
      net.outputActivation === 'softmax' ? Number(j === i % outputs) : 0.1 + 0.8 * r(),
    ),
  );
  return { X, y };
}

/** A twin of `net` restored from a checkpoint it wrote (now, or before a call). */
async function restore(lib: Lib, net: Net, checkpoint?: string): Promise<Net> {
  try {
    // The object, not its JSON text: a network of some 25 million parameters has more text than one string holds.
    return await lib.NeuralNetwork.fromJSON(checkpoint ?? net.toJSON({ trainingState: true }), { engine: net.engine });
  } catch (e) {
    return fail(`the network's own checkpoint does not load: ${describeError(e)}`);
  }
}

const TWIN_FIT = { epochs: 3, batchSize: 2, shuffle: true, displayUpdate: 0 };

/** The network trains exactly like a twin restored from its checkpoint: nothing outside the checkpoint was left damaged. */
async function expectTrainsLikeTwin(lib: Lib, net: Net): Promise<void> {
  const twin = await restore(lib, net);
  const { X, y } = fixedData(net);
  const [a, b] = [net, twin].map((n) => {
    try {
      return JSON.stringify(n.fit(X, y, TWIN_FIT));
    } catch (e) {
      return describeError(e);
    }
  });
  if (a !== b) fail(`it trains unlike a twin restored from its checkpoint: ${a} vs the twin's ${b}`);
  // The checksums cover every field; the text, for the difference, only when it fits in one string.
  const [mine, theirs] = [net, twin].map((n) => n.toJSON({ trainingState: true }));
  if (mine.checksum !== theirs.checksum) {
    const difference =
      net.layers.reduce((s, w) => s + w, 0) < 10_000
        ? firstDifference(JSON.stringify(theirs), JSON.stringify(mine))
        : 'checksums differ';
    fail(`after the same fit it differs from a twin restored from its checkpoint: ${difference}`);
  }
  twin.dispose();
}

async function trainedNetwork(lib: Lib, options: NetworkOptions, engine: Engine): Promise<Net> {
  const net = await lib.NeuralNetwork.create({ ...options, engine });
  const { X, y } = fixedData(net);
  try {
    net.fit(X, y, { epochs: 2, batchSize: 2, shuffle: true, displayUpdate: 0 });
  } catch (e) {
    if (!(e instanceof lib.DivergenceError)) throw e;
  }
  return net;
}

// ---------------------------------------------------------------------------------------------
// What a valid result is. Data is read here as the README defines its forms, and an accepted call
// must give exactly what the same call gives on those rows as plain number[][].

type Read = { rows: number[][]; form: 'rows' | 'typed' | 'vector' } | { bad: string };

const numericView = (v: unknown): v is ArrayLike<number> =>
  ArrayBuffer.isView(v) && !(v instanceof DataView) && !(v instanceof BigInt64Array) && !(v instanceof BigUint64Array);

function readRow(value: unknown, cols: number, what: string): number[] | string {
  if (!Array.isArray(value) && !numericView(value)) return `${what} is ${show(value)}, not an array`;
  if (value.length !== cols) return `${what} has ${value.length} values, not ${cols}`;
  const row: number[] = [];
  for (let c = 0; c < cols; c++) {
    const v: unknown = value[c];
    if (typeof v !== 'number' || !Number.isFinite(Math.fround(v)))
      return `${what}[${c}] is ${show(v)}, not a finite float32 number`;
    row.push(v);
  }
  return row;
}

/** The rows a data argument denotes (number[][], { data, rows, cols }, or one flat sample or column), or why it denotes none. */
function readMatrix(value: unknown, cols: number, flat: 'row' | 'column' | 'none'): Read {
  if (typeof value === 'object' && value !== null && !Array.isArray(value) && !ArrayBuffer.isView(value)) {
    const { data, rows, cols: width } = value as { data?: unknown; rows?: unknown; cols?: unknown };
    if (!numericView(data)) return { bad: `${show(value)} is no matrix` };
    if (
      typeof rows !== 'number' ||
      !Number.isInteger(rows) ||
      rows < 1 ||
      width !== cols ||
      data.length !== rows * cols
    ) {
      return {
        bad: `a typed matrix of ${show(rows)} × ${show(width)} holding ${data.length} values, for ${cols} columns`,
      };
    }
    const out: number[][] = [];
    for (let r = 0; r < rows; r++) {
      const row = readRow(Array.prototype.slice.call(data, r * cols, (r + 1) * cols), cols, `row ${r}`);
      if (typeof row === 'string') return { bad: row };
      out.push(row);
    }
    return { rows: out, form: 'typed' };
  }
  if (!Array.isArray(value) && !numericView(value)) return { bad: `${show(value)} is no matrix` };
  if (value.length === 0) return { bad: 'no rows' };
  if (value.length > 10_000) return { bad: `${value.length} rows, more than a fuzz case holds` };
  const first: unknown = value[0];
  if (Array.isArray(first) || numericView(first)) {
    const out: number[][] = [];
    for (let r = 0; r < value.length; r++) {
      const row = readRow(value[r], cols, `row ${r}`);
      if (typeof row === 'string') return { bad: row };
      out.push(row);
    }
    return { rows: out, form: 'rows' };
  }
  if (flat === 'row') {
    const row = readRow(value, cols, 'the sample');
    return typeof row === 'string' ? { bad: row } : { rows: [row], form: 'vector' };
  }
  if (flat === 'column' && cols === 1) {
    const out: number[][] = [];
    for (let r = 0; r < value.length; r++) {
      const row = readRow([value[r]], 1, `row ${r}`);
      if (typeof row === 'string') return { bad: row };
      out.push(row);
    }
    return { rows: out, form: 'rows' };
  }
  return { bad: 'a flat array where rows are needed' };
}

/** Targets: a matrix, one output's flat column, or class indices for softmax outputs. */
function readTargets(y: unknown, outputs: number, xForm: 'rows' | 'typed' | 'vector', softmax: boolean): Read {
  const flat = (Array.isArray(y) || numericView(y)) && y.length > 0 && !Array.isArray(y[0]) && !numericView(y[0]);
  if (softmax && xForm !== 'vector' && flat) {
    const rows: number[][] = [];
    for (let r = 0; r < y.length; r++) {
      const c: unknown = y[r];
      if (typeof c !== 'number' || !Number.isInteger(c) || c < 0 || c >= outputs)
        return { bad: `class ${r} is ${show(c)}` };
      rows.push(Array.from({ length: outputs }, (_, j) => Number(j === c)));
    }
    return { rows, form: 'rows' };
  }
  return readMatrix(y, outputs, xForm === 'vector' ? 'row' : outputs === 1 ? 'column' : 'none');
}

function readPair(
  net: Net,
  X: unknown,
  y: unknown,
  flat: 'row' | 'none',
): { x: number[][]; t: number[][]; form: string } | { bad: string } {
  const x = readMatrix(X, net.layers[0], flat);
  if ('bad' in x) return { bad: `X: ${x.bad}` };
  const t = readTargets(y, net.layers[net.layers.length - 1], x.form, net.outputActivation === 'softmax');
  if ('bad' in t) return { bad: `y: ${t.bad}` };
  if (t.rows.length !== x.rows.length) return { bad: `X has ${x.rows.length} rows and y ${t.rows.length}` };
  return { x: x.rows, t: t.rows, form: x.form };
}

function numbers(value: unknown, length: number, what: string): number[] {
  if (!Array.isArray(value) || value.length !== length || !value.every((v) => typeof v === 'number'))
    fail(`${what} is ${show(value)}, not ${length} numbers`);
  return value as number[];
}

/** The values of a prediction in the form the input had, checked for shape. */
function predictionValues(value: unknown, form: string, rows: number, outputs: number): number[] {
  if (form === 'vector') return numbers(value, outputs, 'the prediction of one sample');
  if (form === 'typed') {
    const m = value as { data?: unknown; rows?: unknown; cols?: unknown };
    if (
      !(m?.data instanceof Float32Array) ||
      m.rows !== rows ||
      m.cols !== outputs ||
      m.data.length !== rows * outputs
    ) {
      fail(`the prediction of a typed matrix is ${show(value)}`);
    }
    return Array.from(m.data);
  }
  if (!Array.isArray(value) || value.length !== rows) fail(`the prediction is ${show(value)}, not ${rows} rows`);
  return value.flatMap((row, r) => numbers(row, outputs, `prediction row ${r}`));
}

function expectFinite(values: number[], what: string): void {
  const bad = values.find((v) => !Number.isFinite(v));
  if (bad !== undefined) fail(`${what} holds ${bad}`);
}

/** A loss is a finite number, and for 'mse' one ≥ 0. */
function expectLoss(net: Net, value: unknown, what: string): void {
  if (typeof value !== 'number' || !Number.isFinite(value)) fail(`${what} is ${show(value)}, not a finite number`);
  if (net.loss === 'mse' && value < 0) fail(`${what} is ${value}, a negative mean squared error`);
}

function expectSame(a: unknown, b: unknown, what: string): void {
  const [sa, sb] = [a, b].map((v) =>
    String(JSON.stringify(v, (_k, x: unknown) => (typeof x === 'number' ? hex([x]) + String(x) : x))),
  );
  if (sa !== sb) fail(`${what}: ${firstDifference(sb, sa)}`);
}

function expectPrediction(net: Net, X: unknown, value: unknown): void {
  const x = readMatrix(X, net.layers[0], 'row');
  if ('bad' in x) fail(`predict accepted malformed X (${x.bad})`);
  const outputs = net.layers[net.layers.length - 1];
  const got = predictionValues(value, x.form, x.rows.length, outputs);
  expectFinite(got, 'the prediction');
  if (hex(got) !== hex((net.predict(x.rows) as number[][]).flat()))
    fail('predict differs from predict of the same rows as number[][]');
}

function expectClasses(net: Net, X: unknown, value: unknown): void {
  const x = readMatrix(X, net.layers[0], 'row');
  if ('bad' in x) fail(`predictClass accepted malformed X (${x.bad})`);
  const classes = numbers(value, x.rows.length, 'predictClass');
  if (!classes.every((c) => Number.isInteger(c) && c >= 0 && c < Math.max(2, net.layers[net.layers.length - 1])))
    fail(`classes ${show(classes)}`);
  expectSame(
    classes,
    net.predictClass(x.rows),
    'predictClass differs from predictClass of the same rows as number[][]',
  );
}

/** { weights, biases } as the network's shapes require, read like data, or why not. */
function readWeights(value: unknown, layers: number[]): { weights: number[][][]; biases: number[][] } | string {
  const w = value as { weights?: unknown; biases?: unknown } | null;
  if (typeof w !== 'object' || w === null || !Array.isArray(w.weights) || !Array.isArray(w.biases))
    return `${show(value)} is not { weights, biases }`;
  const L = layers.length - 1;
  if (w.weights.length !== L || w.biases.length !== L)
    return `${w.weights.length} weight matrices and ${w.biases.length} bias vectors`;
  const weights: number[][][] = [],
    biases: number[][] = [];
  for (let l = 0; l < L; l++) {
    const m = readMatrix(w.weights[l], layers[l], 'none');
    if ('bad' in m || m.rows.length !== layers[l + 1])
      return `weights[${l}]: ${'bad' in m ? m.bad : `${m.rows.length} rows`}`;
    const b = readMatrix(w.biases[l], layers[l + 1], 'row');
    if ('bad' in b || b.rows.length !== 1) return `biases[${l}]: ${'bad' in b ? b.bad : `${b.rows.length} rows`}`;
    weights.push(m.rows);
    biases.push(b.rows[0]);
  }
  return { weights, biases };
}

const flatWeights = (w: { weights: number[][][]; biases: number[][] }): number[] => [
  ...w.weights.flat(2),
  ...w.biases.flat(),
];

function expectHistory(
  net: Net,
  history: unknown,
  options: unknown,
  before: State | undefined,
): asserts history is source.FitHistory {
  const h = history as source.FitHistory;
  const requested =
    typeof (options as { epochs?: unknown } | null)?.epochs === 'number'
      ? (options as { epochs: number }).epochs
      : 1000;
  if (typeof h !== 'object' || h === null || !Number.isInteger(h.epochs) || h.epochs < 1 || h.epochs > requested)
    fail(`the history is ${show(history)}`);
  numbers(h.loss, h.epochs, 'history.loss').forEach((v, i) => expectLoss(net, v, `history.loss[${i}]`));
  if (h.valLoss)
    numbers(h.valLoss, h.epochs, 'history.valLoss').forEach((v, i) => expectLoss(net, v, `history.valLoss[${i}]`));
  for (const key of ['accuracy', 'valAccuracy'] as const) {
    if (h[key] && !numbers(h[key], h.epochs, `history.${key}`).every((v) => v >= 0 && v <= 1))
      fail(`history.${key} is ${show(h[key])}`);
  }
  if (before && net.epoch !== before.epoch + h.epochs)
    fail(`net.epoch went from ${before.epoch} to ${net.epoch} over ${h.epochs} epochs`);
}

/** fit's options with validationData read as plain rows, for the twin that checks an accepted fit. */
function plainOptions(net: Net, options: unknown, strip: string[] = []): unknown {
  if (typeof options !== 'object' || options === null || Object.getPrototypeOf(options) !== Object.prototype)
    return options;
  const o: Record<string, unknown> = { ...options };
  for (const key of strip) delete o[key];
  const v = o.validationData;
  if (Array.isArray(v) && v.length === 2) {
    const pair = readPair(net, v[0], v[1], 'none');
    if ('bad' in pair) fail(`fit accepted malformed validationData (${pair.bad})`);
    o.validationData = [pair.x, pair.t];
  }
  return o;
}

/** An accepted fit (or fitAsync) gives what fit gives on a twin of the network as it was, on the same rows as number[][]. */
async function expectFitLikeTwin(
  lib: Lib,
  net: Net,
  X: unknown,
  y: unknown,
  options: unknown,
  history: unknown,
  before: State | undefined,
  strip: string[] = [],
): Promise<void> {
  expectHistory(net, history, options, before);
  const pair = readPair(net, X, y, 'none');
  if ('bad' in pair) fail(`fit accepted malformed data (${pair.bad})`);
  if (!before) return;
  const twin = await restore(lib, net, before.json);
  let again: unknown;
  try {
    again = twin.fit(pair.x, pair.t, plainOptions(net, options, strip) as source.FitOptions);
  } catch (e) {
    fail(`fit refuses what this call accepted, on the same rows as number[][]: ${describeError(e)}`);
  }
  expectSame(history, again, 'the history differs from fit on the same rows as number[][]');
  expectSame(
    net.toJSON({ trainingState: true }),
    twin.toJSON({ trainingState: true }),
    'the weights differ from fit on the same rows as number[][]',
  );
  twin.dispose();
}

// ---------------------------------------------------------------------------------------------
// One checked call per entry point; properties and sequences are made of these.

type PairEntry = 'calculateLoss' | 'calculate_loss' | 'evaluate' | 'computeGradients' | 'fitPartial' | 'fit_partial';

type Step =
  | { entry: 'predict' | 'predictClass'; X: unknown }
  | { entry: PairEntry; X: unknown; y: unknown }
  | { entry: 'fit'; X: unknown; y: unknown; options: unknown }
  | { entry: 'setWeights'; weights: WeightsArgument }
  | { entry: 'learningRate'; value: unknown }
  | { entry: 'toJSON'; options: unknown }
  | { entry: 'getWeights'; args: unknown[] };

const positiveFloat32 = (v: unknown): boolean =>
  typeof v === 'number' && Math.fround(v) > 0 && Number.isFinite(Math.fround(v));

async function checkedStep(lib: Lib, net: Net, step: Step): Promise<void> {
  const any = net as unknown as Record<string, (...args: unknown[]) => unknown>;
  switch (step.entry) {
    case 'predict':
    case 'predictClass': {
      const { entry, X } = step;
      await expectTypedOrValid(lib, net, () => any[entry](X), {
        readOnly: true,
        valid: (value) => (entry === 'predict' ? expectPrediction(net, X, value) : expectClasses(net, X, value)),
      });
      return;
    }
    case 'calculateLoss':
    case 'calculate_loss':
    case 'evaluate':
    case 'computeGradients':
    case 'fitPartial':
    case 'fit_partial': {
      const { entry, X, y } = step;
      const steps = entry === 'fitPartial' || entry === 'fit_partial';
      await expectTypedOrValid(lib, net, () => any[entry](X, y), {
        readOnly: !steps,
        valid: async (value, before) => {
          const pair = readPair(net, X, y, 'row');
          if ('bad' in pair) fail(`${entry} accepted malformed data (${pair.bad})`);
          if (entry === 'evaluate') {
            const e = value as { loss: unknown; accuracy?: unknown };
            expectLoss(net, e.loss, 'evaluate().loss');
            if ('accuracy' in e && !(typeof e.accuracy === 'number' && e.accuracy >= 0 && e.accuracy <= 1))
              fail(`evaluate().accuracy is ${show(e.accuracy)}`);
          } else if (entry === 'computeGradients') {
            const g = value as source.Weights & { loss: unknown };
            expectLoss(net, g.loss, 'computeGradients().loss');
            if (typeof readWeights(g, net.layers) === 'string') fail(`computeGradients returned ${show(g)}`);
            expectFinite(flatWeights(g), 'the gradient');
          } else {
            expectLoss(net, value, `${entry}()`);
          }
          const reference = steps ? await restore(lib, net, before!.json) : net;
          const again = (reference as unknown as Record<string, (...args: unknown[]) => unknown>)[entry](
            pair.x,
            pair.t,
          );
          expectSame(value, again, `${entry} differs from ${entry} of the same rows as number[][]`);
          if (steps) {
            expectSame(
              net.toJSON({ trainingState: true }),
              reference.toJSON({ trainingState: true }),
              `${entry} steps unlike ${entry} of the same rows as number[][]`,
            );
            reference.dispose();
          }
        },
      });
      return;
    }
    case 'fit': {
      const { X, y, options } = step;
      await expectTypedOrValid(lib, net, () => net.fit(X as never, y as never, options as never), {
        passes: (e) => e instanceof CallerError,
        valid: (history, before) => expectFitLikeTwin(lib, net, X, y, options, history, before),
      });
      return;
    }
    case 'setWeights': {
      const weights = applyWeightsArgument(net.getWeights(), step.weights);
      await expectTypedOrValid(lib, net, () => net.setWeights(weights as never), {
        valid: () => {
          const expected = readWeights(weights, net.layers);
          if (typeof expected === 'string') fail(`setWeights accepted malformed weights (${expected})`);
          if (hex(flatWeights(net.getWeights())) !== hex(flatWeights(expected)))
            fail('getWeights() after setWeights(w) is not w');
        },
      });
      return;
    }
    case 'learningRate': {
      const { value } = step;
      await expectTypedOrValid(
        lib,
        net,
        () => {
          net.learningRate = value as number;
        },
        {
          valid: () => {
            if (!positiveFloat32(value))
              fail(`learningRate accepted ${show(value)}, which is not a positive finite float32 number`);
            if (!Object.is(net.learningRate, value))
              fail(`learningRate reads ${net.learningRate} after being set to ${show(value)}`);
          },
        },
      );
      return;
    }
    case 'toJSON': {
      const { options } = step;
      await expectTypedOrValid(lib, net, () => net.toJSON(options as never), {
        readOnly: true,
        valid: async (json) => {
          if (typeof json !== 'object' || json === null || typeof json.checksum !== 'string')
            fail(`toJSON returned ${show(json)}`);
          expectSame(json.layers, net.layers, 'toJSON().layers');
          const copy = await lib.NeuralNetwork.fromJSON(JSON.stringify(json), { engine: net.engine }).catch(
            (e: unknown) => fail(`fromJSON refuses toJSON()'s output: ${describeError(e)}`),
          );
          if (hex((copy.predict(probeRows(net.layers[0])) as number[][]).flat()) !== stateOf(net).probe)
            fail('fromJSON(toJSON()) predicts otherwise');
          copy.dispose();
        },
      });
      return;
    }
    case 'getWeights': {
      await expectTypedOrValid(lib, net, () => any.getWeights(...step.args) as source.Weights, {
        readOnly: true,
        valid: (w) => {
          const read = readWeights(w, net.layers);
          if (typeof read === 'string') fail(`getWeights returned ${read}`);
          expectFinite(flatWeights(read), 'getWeights()');
        },
      });
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Arguments of each entry point for a network made with options `o`.

const rowCount = fc.integer({ min: 1, max: 6 });
const sizes = (o: NetworkOptions): { inputs: number; outputs: number } => ({
  inputs: o.layers[0],
  outputs: o.layers[o.layers.length - 1],
});

/** X and y, usually with as many rows as each other. */
function dataPair(o: NetworkOptions): fc.Arbitrary<{ X: unknown; y: unknown }> {
  const { inputs, outputs } = sizes(o);
  return fc
    .tuple(
      rowCount,
      fc.oneof({ weight: 6, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.constantFrom(-1, 1) }),
    )
    .chain(([n, skew]) => fc.record({ X: matrix(inputs, n), y: targets(outputs, Math.max(1, n + skew)) }));
}

/** Well-formed X and y, so that the options are what is on trial. */
function cleanPair(o: NetworkOptions): fc.Arbitrary<{ X: number[][]; y: unknown }> {
  const { inputs, outputs } = sizes(o);
  return rowCount.chain((n) =>
    fc.record({ X: cleanRows(inputs, n), y: cleanTargets(outputs, n, o.outputActivation === 'softmax') }),
  );
}

const validationData = (o: NetworkOptions): fc.Arbitrary<unknown> =>
  fc.oneof(
    { weight: 3, arbitrary: cleanPair(o).map(({ X, y }) => [X, y]) },
    { weight: 1, arbitrary: dataPair(o).map(({ X, y }) => [X, y]) },
  );

const stepsFor = (o: NetworkOptions): Record<string, fc.Arbitrary<Step>> => ({
  predict: fc.record({
    entry: fc.constantFrom('predict', 'predictClass'),
    X: rowCount.chain((n) => matrix(sizes(o).inputs, n)),
  }),
  pair: fc
    .tuple(fc.constantFrom<PairEntry>('calculateLoss', 'calculate_loss', 'evaluate', 'computeGradients'), dataPair(o))
    .map(([entry, d]) => ({ entry, ...d })),
  fitPartial: fc
    .tuple(fc.constantFrom<PairEntry>('fitPartial', 'fit_partial'), dataPair(o))
    .map(([entry, d]) => ({ entry, ...d })),
  fitData: dataPair(o).map((d) => ({
    entry: 'fit' as const,
    ...d,
    options: { epochs: 2, batchSize: 2, shuffle: true, displayUpdate: 0 },
  })),
  fitOptions: fc
    .tuple(cleanPair(o), fitOptions(validationData(o)))
    .map(([d, options]) => ({ entry: 'fit' as const, ...d, options })),
  setWeights: weightsArgument.map((weights) => ({ entry: 'setWeights' as const, weights })),
  learningRate: fc.oneof(fc.constantFrom(0.01, 0.3), junk).map((value) => ({ entry: 'learningRate' as const, value })),
  toJSON: fc
    .oneof(
      fc.constantFrom<unknown>(
        undefined,
        {},
        { trainingState: true },
        { trainingState: false },
        'key',
        { trainingState: 'yes' },
        { trainingstate: true },
        { trainingState: true, extra: 1 },
      ),
      junk,
    )
    .map((options) => ({ entry: 'toJSON' as const, options })),
  getWeights: fc.array(junk, { maxLength: 2 }).map((args) => ({ entry: 'getWeights' as const, args })),
});

/** A network and one argument set for the entry points `kind` names. */
const networkAnd = (kind: string): fc.Arbitrary<[NetworkOptions, Step]> =>
  networkOptions.chain((o) => fc.tuple(fc.constant(o), stepsFor(o)[kind]));

// ---------------------------------------------------------------------------------------------
// Properties.

/** Where a damaged checkpoint comes from: a trained network's own toJSON, with or without its training state. */
async function checkpointOf(
  engine: Engine,
  o: NetworkOptions,
  trainingState: boolean,
): Promise<{ net: Net; file: NetworkJSON }> {
  const net = await trainedNetwork(source, o, engine);
  return { net, file: net.toJSON({ trainingState }) };
}

/** The file as delivered: keys reordered, checksum kept, recomputed, dropped or junk, as an object or as text. */
function deliver(
  file: Record<string, unknown>,
  delivery: { reorder?: number; checksum: string; asString: boolean },
): unknown {
  let out = delivery.reorder === undefined ? file : (reordered(file, delivery.reorder) as Record<string, unknown>);
  if (delivery.checksum === 'recompute') {
    const { checksum: _old, ...content } = out;
    try {
      out = withChecksum(content as Omit<NetworkJSON, 'checksum'>) as unknown as Record<string, unknown>;
    } catch {
      // Content JSON.stringify cannot write (bigint, deep nesting) keeps the old checksum.
    }
  } else if (delivery.checksum === 'drop') {
    const { checksum: _old, ...content } = out;
    out = content;
  } else if (delivery.checksum === 'junk') {
    out = { ...out, checksum: '00000000' };
  }
  return delivery.asString ? fileText(out) : out;
}

/** What a checkpoint fromJSON accepted says must come back out of toJSON: every option, weight and training-state field it holds. */
function expectRoundTrip(net: Net, delivered: unknown): void {
  const file = (typeof delivered === 'string' ? JSON.parse(delivered) : delivered) as Record<string, unknown>;
  const state = file.trainingState as Record<string, unknown> | undefined;
  const written = net.toJSON({ trainingState: state !== undefined }) as unknown as Record<string, unknown>;
  const keys = (v: unknown): string | undefined =>
    typeof v === 'object' && v !== null && !Array.isArray(v) ? Object.keys(v).sort().join(', ') : undefined;
  for (const [where, mine, theirs] of [
    ['the file', file, written],
    ['optimizer', file.optimizer, written.optimizer],
    ['trainingState', state, written.trainingState],
  ]) {
    if (keys(mine) !== undefined && keys(mine) !== keys(theirs))
      fail(`fromJSON accepted ${where} with the fields [${keys(mine)}]; toJSON writes [${keys(theirs)}]`);
  }
  for (const key of [
    'layers',
    'learningRate',
    'activation',
    'outputActivation',
    'loss',
    'seed',
    'l2',
    'clipNorm',
    'init',
  ]) {
    if (file[key] !== undefined)
      expectSame(
        written[key],
        file[key],
        `fromJSON accepted ${key} ${show(file[key])} but the network has ${show(written[key])}`,
      );
  }
  const optimizer = file.optimizer,
    wrote = written.optimizer as Record<string, unknown>;
  if (typeof optimizer === 'string') expectSame(wrote.type, optimizer, 'optimizer');
  else if (typeof optimizer === 'object' && optimizer !== null) {
    for (const [k, v] of Object.entries(optimizer))
      expectSame(wrote[k], v, `fromJSON accepted optimizer.${k} ${show(v)} but the network has ${show(wrote[k])}`);
  }
  const weights = readWeights(file, net.layers);
  if (typeof weights === 'string') fail(`fromJSON accepted malformed weights (${weights})`);
  if (hex(flatWeights(weights)) !== hex(flatWeights(written as unknown as source.Weights)))
    fail('fromJSON did not load the weights the file holds');
  if (state) {
    const wroteState = written.trainingState as Record<string, unknown>;
    for (const [k, v] of Object.entries(state)) {
      const same =
        k === 'moments' && Array.isArray(v)
          ? hex(v as number[]) === hex(wroteState.moments as number[])
          : Object.is(JSON.stringify(v), JSON.stringify(wroteState[k]));
      if (!same) fail(`fromJSON accepted trainingState.${k} ${show(v)} but the network has ${show(wroteState[k])}`);
    }
  }
}

/** fromJSON(delivered, options): typed, or a network that is what the file says (and, for `sameAs`, the original network). */
async function checkedFromJSON(
  delivered: unknown,
  options: unknown,
  sameAs?: { net: Net; trainingState: boolean },
): Promise<Outcome<Net>> {
  return expectTypedOrValid(
    source,
    undefined,
    () => source.NeuralNetwork.fromJSON(delivered as never, options as never),
    {
      valid: async (net) => {
        if (options !== undefined && (typeof options !== 'object' || options === null))
          fail(`fromJSON accepted options ${show(options)}, which are not an object`);
        const requested = (options as { engine?: unknown } | undefined)?.engine;
        if ((requested === 'js' || requested === 'wasm') && net.engine !== requested)
          fail(`engine '${String(requested)}' gave '${net.engine}'`);
        expectRoundTrip(net, delivered);
        if (sameAs) {
          const { trainingState } = sameAs;
          expectSame(
            net.toJSON({ trainingState }),
            sameAs.net.toJSON({ trainingState }),
            'a re-ordered checkpoint loaded as another network',
          );
        }
        await expectTrainsLikeTwin(source, net);
        net.dispose();
      },
    },
  );
}

/** fitAsync's options from fit's options and how its signal behaves; `reason` is what an abort may reject with. */
function asyncOptions(options: unknown, kind: SignalKind, worker: unknown): { options: unknown; reason?: unknown } {
  if (typeof options !== 'object' || options === null) return { options };
  const extra: Record<string, unknown> = worker === undefined ? {} : { worker };
  const controller = new AbortController();
  const reason = new CallerError('aborted by the fuzzer');
  switch (kind) {
    case 'aborted':
      controller.abort(reason);
      extra.signal = controller.signal;
      break;
    case 'abortedWithoutReason':
      controller.abort();
      extra.signal = controller.signal;
      break;
    case 'abortOnProgress':
      extra.signal = controller.signal;
      extra.onProgress = () => controller.abort(reason);
      break;
    case 'duckTyped':
      extra.signal = named('{ throwIfAborted() {} }', { throwIfAborted() {} });
      break;
    case 'junk':
      extra.signal = named("'signal'", new String('signal'));
      break;
    case 'none':
      break;
  }
  return { options: { ...options, ...extra }, reason: controller.signal.reason };
}

const ASYNC_KEYS = ['signal', 'worker', 'onProgress'];

/** A property over a fixed list of cases, each run once: for the cases too big or too slow to draw at random. */
function eachCase<T>(cases: T[]): [[fc.Arbitrary<T>], fc.Parameters<[T]>] {
  return [[fc.constantFrom(...cases)], { numRuns: cases.length, examples: cases.map((c): [T] => [c]) }];
}

describe.each(ENGINES)('fuzz (%s engine)', (engine) => {
  test.prop([createArgument(engine)])('create: a typed error or a working network', async (options) => {
    await expectTypedOrValid(source, undefined, () => source.NeuralNetwork.create(options as NetworkOptions), {
      valid: async (net) => {
        const o = options as Record<string, unknown>;
        const layers =
          (Array.isArray(o.layers) || numericView(o.layers)) && o.layers.length <= 100
            ? Array.from(o.layers as ArrayLike<unknown>)
            : [];
        if (layers.length < 2 || !layers.every((w) => Number.isInteger(w) && (w as number) >= 1))
          fail(`create accepted layers ${show(o.layers)}`);
        expectSame(net.layers, layers, 'net.layers');
        if ((o.engine === 'js' || o.engine === 'wasm') && net.engine !== o.engine)
          fail(`engine '${o.engine}' gave '${net.engine}'`);
        if (o.seed !== undefined && net.seed !== o.seed) fail(`seed ${show(o.seed)} gave net.seed ${net.seed}`);
        const rate = o.learningRate ?? o.alpha ?? 0.1;
        if (!positiveFloat32(rate) || !Object.is(net.learningRate, rate))
          fail(`learningRate ${show(rate)} gave ${net.learningRate}`);
        const probe = probeRows(net.layers[0]);
        expectPrediction(net, probe, net.predict(probe));
        await expectTrainsLikeTwin(source, net);
        net.dispose();
      },
    });
  });

  const entryPoints: [string, string][] = [
    ['predict and predictClass: malformed X', 'predict'],
    ['calculateLoss, evaluate, computeGradients: malformed X and y', 'pair'],
    ['fitPartial: malformed X and y', 'fitPartial'],
    ['fit: malformed X and y', 'fitData'],
    ['fit: malicious options', 'fitOptions'],
    ['setWeights: damaged weights', 'setWeights'],
    ['learningRate = junk', 'learningRate'],
    ['toJSON and getWeights: junk arguments', 'toJSON'],
  ];
  for (const [name, kind] of entryPoints) {
    test.prop([networkAnd(kind), fc.boolean()])(name, async ([o, step], alsoGetWeights) => {
      const net = await trainedNetwork(source, o, engine);
      await checkedStep(source, net, step);
      if (kind === 'toJSON' && alsoGetWeights)
        await checkedStep(source, net, {
          entry: 'getWeights',
          args: [step.entry === 'toJSON' ? step.options : undefined],
        });
      await expectTrainsLikeTwin(source, net);
      net.dispose();
    });
  }

  test.prop([
    networkOptions.chain((o) =>
      fc.tuple(fc.constant(o), fc.array(fc.oneof(...Object.values(stepsFor(o))), { minLength: 2, maxLength: 5 })),
    ),
  ])('sequences of calls: each typed or valid, and the network still trains like its twin', async ([o, steps]) => {
    const net = await trainedNetwork(source, o, engine);
    for (const step of steps) await checkedStep(source, net, step);
    await expectTrainsLikeTwin(source, net);
    net.dispose();
  });

  test.prop([networkOptions, fc.boolean(), fc.nat(), fc.constantFrom('keep', 'recompute'), fc.boolean()])(
    'fromJSON: a checkpoint with its keys re-ordered loads as the same network',
    async (o, trainingState, reorder, checksum, asString) => {
      const { net, file } = await checkpointOf(engine, o, trainingState);
      const delivered = deliver(file as unknown as Record<string, unknown>, { reorder, checksum, asString });
      const outcome = await checkedFromJSON(delivered, { engine }, { net, trainingState });
      if (!outcome.ok) fail(`refused a checkpoint whose keys were only re-ordered: ${describeError(outcome.error)}`);
      net.dispose();
    },
  );

  test.prop([
    networkOptions,
    fc.boolean(),
    fc.array(fileEdit, { minLength: 1, maxLength: 3 }),
    fileDelivery,
    fc.oneof({ weight: 6, arbitrary: fc.constant<unknown>({ engine }) }, { weight: 1, arbitrary: junk }),
  ])(
    'fromJSON: a damaged checkpoint is refused or loads as exactly what it says',
    async (o, trainingState, edits: FileEdit[], delivery, options) => {
      const { net, file } = await checkpointOf(engine, o, trainingState);
      const damaged = JSON.parse(JSON.stringify(file)) as Record<string, unknown>;
      for (const edit of edits) applyFileEdit(damaged, edit);
      await checkedFromJSON(deliver(damaged, delivery), options);
      net.dispose();
    },
  );

  test.prop([
    networkOptions.chain((o) =>
      fc.tuple(fc.constant(o), fc.oneof(dataPair(o), cleanPair(o)), fitOptions(validationData(o))),
    ),
    signalKind,
    fc.oneof(
      { weight: 4, arbitrary: fc.constant(undefined) },
      { weight: 1, arbitrary: fc.constant(false) },
      { weight: 1, arbitrary: junk.filter((v) => v !== true) },
    ),
  ])('fitAsync in slices: typed or what fit gives', async ([o, { X, y }, fitOpts], kind, worker) =>
    checkFitAsync(source, o, X, y, asyncOptions(fitOpts, kind, worker)),
  );

  /** fitAsync with these options on a trained network of `lib`: typed or what fit gives, and it still trains like its twin. */
  async function checkFitAsync(
    lib: Lib,
    o: NetworkOptions,
    X: unknown,
    y: unknown,
    { options, reason }: ReturnType<typeof asyncOptions>,
  ): Promise<void> {
    const net = await trainedNetwork(lib, o, engine);
    await expectTypedOrValid(lib, net, () => net.fitAsync(X as never, y as never, options as never), {
      passes: (e) => e instanceof CallerError || (reason !== undefined && e === reason),
      valid: (history, before) =>
        expectFitLikeTwin(lib, net, X as never, y as never, options as never, history, before, ASYNC_KEYS),
    });
    await expectTrainsLikeTwin(lib, net);
    net.dispose();
  }

  // A worker costs some 50 ms: few runs, mostly of calls that do reach the worker.
  const workerOptions = (o: NetworkOptions): fc.Arbitrary<unknown> =>
    fc.oneof(
      {
        weight: 2,
        arbitrary: fc.constant({
          epochs: 3,
          batchSize: 2,
          shuffle: true,
          displayUpdate: 1,
          log: named('() => {}', () => {}),
        }),
      },
      { weight: 1, arbitrary: fitOptions(validationData(o)) },
    );
  test.prop(
    [
      networkOptions.chain((o) =>
        fc.tuple(
          fc.constant(o),
          fc.oneof({ weight: 2, arbitrary: cleanPair(o) }, { weight: 1, arbitrary: dataPair(o) }),
          workerOptions(o),
        ),
      ),
      signalKind,
    ],
    { numRuns: Math.max(3, Math.round(RUNS / 50)) },
  )('fitAsync in a worker (the built package): typed or what fit gives', async ([o, { X, y }, fitOpts], kind) =>
    checkFitAsync(builtLib, o, X, y, asyncOptions(fitOpts, kind, true)),
  );

  /** A call made while the network trains, and what it must do then (README, "Concurrent calls"). */
  const MID_FIT: Record<string, { call: (net: Net) => unknown; must: 'be refused' | 'work' | 'end the fit' }> = {
    dispose: { call: (net) => net.dispose(), must: 'end the fit' },
    setWeights: { call: (net) => net.setWeights(net.getWeights()), must: 'be refused' },
    fit: {
      call: (net) => net.fit(fixedData(net).X, fixedData(net).y, { epochs: 1, displayUpdate: 0 }),
      must: 'be refused',
    },
    fitAsync: {
      call: (net) => net.fitAsync(fixedData(net).X, fixedData(net).y, { epochs: 1, displayUpdate: 0 }),
      must: 'be refused',
    },
    fitPartial: { call: (net) => net.fitPartial(fixedData(net).X, fixedData(net).y), must: 'be refused' },
    learningRate: {
      call: (net) => {
        net.learningRate = 0.2;
      },
      must: 'be refused',
    },
    predict: { call: (net) => net.predict(probeRows(net.layers[0])), must: 'work' },
    toJSON: { call: (net) => net.toJSON({ trainingState: true }), must: 'work' },
    // More rows than a pass holds: the arena is re-planned in the middle of the fit.
    'calculateLoss of 600 rows': {
      call: (net) =>
        net.calculateLoss(
          ...(Object.values(fixedData(net)).map((m) => Array.from({ length: 100 }, () => m).flat()) as [
            number[][],
            number[][],
          ]),
        ),
      must: 'work',
    },
  };

  test.prop([
    networkOptions,
    fc.constantFrom(...Object.keys(MID_FIT)),
    fc.constantFrom('log', 'onEpochEnd', 'onProgress', 'concurrently'),
    fc.boolean(),
  ])(
    'calls made while the network trains: refused if they change it, working if they read it',
    async (o, action, where, inSlices) => {
      const net = await trainedNetwork(source, o, engine);
      const { call, must } = MID_FIT[action];
      let inner: Outcome<unknown> | undefined;
      const act = (): void => {
        if (inner) return;
        try {
          const value = call(net);
          // A promise (fitAsync) is judged once the fit has settled; until then, tell Node it is not forgotten.
          if (value instanceof Promise) value.catch(() => undefined);
          inner = { ok: true, value };
        } catch (error) {
          inner = { ok: false, error };
          throw error;
        }
      };
      const { X, y } = fixedData(net);
      const options: source.FitAsyncOptions = { epochs: 3, displayUpdate: where === 'log' ? 1 : 0 };
      if (where === 'log') options.log = act;
      if (where === 'onEpochEnd') options.onEpochEnd = act;
      if (where === 'onProgress') options.onProgress = act;
      const outer = await expectTypedOrValid(
        source,
        undefined,
        () => {
          if (!inSlices && (where === 'log' || where === 'onEpochEnd')) return net.fit(X, y, options);
          const run = net.fitAsync(X, y, options);
          if (where === 'concurrently') {
            try {
              act();
            } catch {
              // judged below, once the fit has settled
            }
          }
          return run;
        },
        { valid: (history) => expectHistory(net, history, options, undefined) },
      );
      if (inner?.ok && inner.value instanceof Promise)
        inner = await expectTypedOrValid(source, undefined, () => inner!.ok && inner!.value);
      if (inner && !inner.ok && !(inner.error instanceof source.BackpropError))
        fail(`${action} during a fit: ${describeError(inner.error)} escaped`);
      if (inner && must === 'be refused' && (inner.ok || !(inner.error instanceof source.StateError))) {
        fail(
          `${action} during a fit ${inner.ok ? 'was accepted' : `threw ${describeError(inner.error)}`}, not a StateError`,
        );
      }
      if (inner && must === 'work' && !inner.ok) fail(`${action} during a fit threw ${describeError(inner.error)}`);
      if (inner && must === 'end the fit' && (outer.ok || !(outer.error instanceof source.StateError))) {
        fail(
          `after dispose() during a fit, the fit ${outer.ok ? 'returned' : `threw ${describeError(outer.error)}`}, not a StateError`,
        );
      }
      if (action === 'dispose') {
        await expectTypedOrValid(source, undefined, () => net.predict(X), { mustRefuse: true });
      } else {
        await expectTrainsLikeTwin(source, net);
        net.dispose();
      }
    },
  );

  const DISPOSED: Record<string, (net: Net, X: number[][], y: number[][]) => unknown> = {
    fit: (n, X, y) => n.fit(X, y, { epochs: 1 }),
    fitAsync: (n, X, y) => n.fitAsync(X, y, { epochs: 1 }),
    fitPartial: (n, X, y) => n.fitPartial(X, y),
    fit_partial: (n, X, y) => n.fit_partial(X, y),
    predict: (n, X) => n.predict(X),
    predictClass: (n, X) => n.predictClass(X),
    calculateLoss: (n, X, y) => n.calculateLoss(X, y),
    calculate_loss: (n, X, y) => n.calculate_loss(X, y),
    evaluate: (n, X, y) => n.evaluate(X, y),
    computeGradients: (n, X, y) => n.computeGradients(X, y),
    getWeights: (n) => n.getWeights(),
    setWeights: (n) => n.setWeights({ weights: [], biases: [] }),
    toJSON: (n) => n.toJSON(),
    learningRate: (n) => {
      n.learningRate = 0.5;
    },
  };

  test.prop([networkOptions, fc.constantFrom(...Object.keys(DISPOSED))])(
    'a disposed network refuses every call with StateError',
    async (o, call) => {
      const net = await trainedNetwork(source, o, engine);
      const { X, y } = fixedData(net);
      net.dispose();
      const outcome = await expectTypedOrValid(source, undefined, () => DISPOSED[call](net, X, y), {
        mustRefuse: true,
      });
      if (!outcome.ok && !(outcome.error instanceof source.StateError))
        fail(`refused with ${describeError(outcome.error)}, not a StateError`);
    },
  );

  // Too big to do: refused fast, before anything big is allocated or read; every case is listed and runs once.
  const HUGE_EPOCHS = [2 ** 31, 2 ** 32, 2 ** 40, 2 ** 53, Number.MAX_SAFE_INTEGER, 1e300].flatMap(
    (epochs) =>
      [
        [epochs, 'fit'],
        [epochs, 'fitAsync'],
      ] as [number, string][],
  );
  test.prop(...eachCase(HUGE_EPOCHS))(
    'huge epoch counts: refused, or bounded (a stopper ends them after one epoch)',
    async ([epochs, how]) => {
      const net = await trainedNetwork(source, { layers: [2, 3, 1], seed: 2 }, engine);
      const { X, y } = fixedData(net);
      const options = { epochs, displayUpdate: 0, onEpochEnd: () => false };
      await expectTypedOrValid(
        source,
        net,
        () => (how === 'fit' ? net.fit(X, y, options) : net.fitAsync(X, y, options)),
        {
          ms: CALL_MS,
          valid: (history, before) => expectFitLikeTwin(source, net, X, y, options, history, before),
        },
      );
      await expectTrainsLikeTwin(source, net);
      net.dispose();
    },
  );

  // [8000, 8000] fits the arena limit; it takes seconds to create (and its toJSON far longer), so only long runs include it.
  const HUGE_LAYERS = [
    [1, 100_000, 1],
    [32768, 32768],
    [2 ** 31, 1],
    [784, 2 ** 20, 10],
    ...(RUNS >= 1000 ? [[8000, 8000]] : []),
  ];
  const hugeLayerCases = HUGE_LAYERS.flatMap(
    (layers) =>
      [
        [layers, 'create'],
        [layers, 'fromJSON'],
      ] as [number[], string][],
  );
  test.prop(...eachCase(hugeLayerCases))(
    'huge layers: refused fast, from the shapes alone, or a network that works',
    async ([layers, how]) => {
      if (how === 'create') {
        await expectTypedOrValid(source, undefined, () => source.NeuralNetwork.create({ layers, seed: 1, engine }), {
          refusedWithin: CALL_MS,
          valid: async (net) => {
            const probe = probeRows(layers[0]).slice(0, 1);
            expectPrediction(net, probe, net.predict(probe));
            await expectTrainsLikeTwin(source, net);
            net.dispose();
          },
        });
        return;
      }
      // A file whose weights cannot match its layers: refused before anything of that size exists.
      const small = await source.NeuralNetwork.create({ layers: [2, 1], seed: 1, engine });
      const { checksum: _c, ...content } = small.toJSON();
      await expectTypedOrValid(
        source,
        undefined,
        () => source.NeuralNetwork.fromJSON(withChecksum({ ...content, layers }), { engine }),
        { ms: CALL_MS, mustRefuse: true },
      );
      small.dispose();
    },
  );

  const HUGE_ROWS: Record<string, (net: Net, X: number[][], y: number[][]) => unknown> = {
    fit: (net, X, y) => net.fit(X, y, { epochs: 1, displayUpdate: 0 }),
    fitAsync: (net, X, y) => net.fitAsync(X, y, { epochs: 1, displayUpdate: 0 }),
    fitPartial: (net, X, y) => net.fitPartial(X, y),
    computeGradients: (net, X, y) => net.computeGradients(X, y),
    // Not validationData: it is evaluated in passes, never held by the arena, so 1.4e6 rows of it are legitimate work.
    'a typed matrix claiming 1.4e6 rows': (net, _X, y) =>
      net.fit({ data: new Float32Array(784), rows: 1.4e6, cols: 784 }, y),
  };
  test.prop(...eachCase(Object.keys(HUGE_ROWS)))(
    'a training set of 1.4e6 × 784 (4.4 GB as float32): refused fast, without packing it',
    async (call) => {
      const net = await trainedNetwork(source, { layers: [784, 2, 10], seed: 3 }, engine);
      const X = sharedRows(1.4e6, 784),
        y = sharedRows(1.4e6, 10, 1);
      await expectTypedOrValid(source, net, () => HUGE_ROWS[call](net, X, y), { ms: CALL_MS, mustRefuse: true });
      await expectTrainsLikeTwin(source, net);
      net.dispose();
    },
  );

  const LYING: Record<string, (net: Net) => unknown> = {
    'predict(X)': (net) => net.predict(claimingLength(fixedData(net).X, 1e8)),
    'fit(X, y)': (net) =>
      net.fit(claimingLength(fixedData(net).X, 1e8), claimingLength(fixedData(net).y, 1e8), { epochs: 1 }),
    'fit: y': (net) => net.fit(fixedData(net).X, claimingLength(fixedData(net).y, 1e8), { epochs: 1 }),
    'predict: one row': (net) => net.predict([claimingLength(fixedData(net).X[0], 1e8)]),
    'fit: validationData': (net) =>
      net.fit(fixedData(net).X, fixedData(net).y, {
        epochs: 1,
        validationData: [claimingLength(fixedData(net).X, 1e8), fixedData(net).y],
      }),
    'setWeights: weights[0]': (net) => {
      const { weights, biases } = net.getWeights();
      net.setWeights({ weights: [claimingLength(weights[0], 1e8), weights[1]], biases });
    },
    'setWeights: biases[0]': (net) => {
      const { weights, biases } = net.getWeights();
      net.setWeights({ weights, biases: [claimingLength(biases[0], 1e8), biases[1]] });
    },
    'create: layers': () => source.NeuralNetwork.create({ layers: claimingLength([2, 1], 1e8), engine }),
  };
  test.prop(...eachCase(Object.keys(LYING)))('arrays that claim 1e8 elements: refused fast', async (call) => {
    const net = await trainedNetwork(source, { layers: [2, 3, 1], seed: 4 }, engine);
    await expectTypedOrValid(source, net, () => LYING[call](net), { ms: CALL_MS, mustRefuse: true });
    await expectTrainsLikeTwin(source, net);
    net.dispose();
  });
});

describe('fuzz: seededRandom', () => {
  const seeds = fc.oneof(fc.nat(), fc.constantFrom(0, 2 ** 32 - 1), junk);
  const lengths = fc.oneof(
    fc.nat(64),
    fc.constantFrom(100_000, -0),
    fc.constantFrom(-1, 1.5, NaN, Infinity, 2 ** 32, 2 ** 40, 2 ** 53, 1e300),
    junk,
  );
  test.prop([seeds, fc.array(lengths, { maxLength: 3 })])(
    'seededRandom(seed), .permutation(n), .next(): typed or valid, and reproducible',
    async (seed, ns) => {
      const made = await expectTypedOrValid(source, undefined, () => source.seededRandom(seed as number), {
        valid: () => {
          if (!(typeof seed === 'number' && Number.isInteger(seed) && seed >= 0 && seed <= 2 ** 32 - 1)) {
            fail(
              `accepted seed ${show(seed)}, which NeuralNetwork.create refuses (seeds are unsigned 32-bit integers)`,
            );
          }
        },
      });
      if (!made.ok) return;
      const [g, twin] = [made.value, source.seededRandom(seed as number)];
      for (const n of ns) {
        const outcome = await expectTypedOrValid(source, undefined, () => g.permutation(n as number), {
          valid: (p) => {
            if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) fail(`permutation accepted ${show(n)}`);
            const seen = new Uint8Array(n);
            if (!(p instanceof Uint32Array) || p.length !== n || !p.every((v) => v < n && seen[v]++ === 0))
              fail(`permutation(${n}) gave ${show(p)}`);
          },
        });
        if (
          outcome.ok &&
          Buffer.compare(Buffer.from(outcome.value.buffer), Buffer.from(twin.permutation(n as number).buffer)) !== 0
        )
          fail('the same seed gave another permutation');
        const [a, b] = [g.next(), twin.next()];
        if (!(a >= 0 && a < 1) || a !== b) fail(`next() gave ${a} and its twin ${b}`);
      }
    },
  );
});
