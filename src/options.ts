// Options of the network and of fit: their types, defaults and validation (the network's checked
// against the registries), and the network's options desugared into the layers the engines run.
import {
  INIT_HE_NORMAL,
  INIT_HE_UNIFORM,
  INIT_SEED,
  INIT_XAVIER_NORMAL,
  INIT_XAVIER_UNIFORM,
  SETTING_SLOTS,
} from './abi.js';
import type { NetworkShape, UpdateRule } from './engine.js';
import { MAX_THREADS } from './wasm/team-host.js';
import { ValueError } from './errors.js';
import {
  ACTIVATION_NAMES,
  classifies,
  LOSS_NAMES,
  LOSSES,
  OPTIMIZER_NAMES,
  OPTIMIZERS,
  type Activation,
  type LayerSpec,
  type Loss,
  type OptimizerOptions,
  type OutputActivation,
  type ResolvedOptimizer,
  type SettingEntry,
  OUTPUT_ACTIVATION_NAMES,
} from './registry.js';

export type { Activation, Loss, OptimizerOptions, OutputActivation, ResolvedOptimizer } from './registry.js';
export type EngineChoice = 'js' | 'wasm' | 'auto';
/** Weight initialisation: the seed's normal/√fan_in, Glorot (Xavier) or He; 'xavier' is xavierUniform, 'he' heNormal. */
export type Init = 'seed' | 'xavier' | 'xavierUniform' | 'xavierNormal' | 'he' | 'heUniform' | 'heNormal';

export const INIT_CODES: Record<Init, number> = {
  seed: INIT_SEED,
  xavier: INIT_XAVIER_UNIFORM,
  xavierUniform: INIT_XAVIER_UNIFORM,
  xavierNormal: INIT_XAVIER_NORMAL,
  he: INIT_HE_NORMAL,
  heUniform: INIT_HE_UNIFORM,
  heNormal: INIT_HE_NORMAL,
};

export interface NetworkOptions {
  /** Layer widths, input → output; at least two entries. */
  layers: number[];
  /** Step size of gradient descent. @default 0.1 */
  learningRate?: number;
  /** The seed's name for learningRate. */
  alpha?: number;
  /** Activation of the hidden layers. @default 'sigmoid' */
  activation?: Activation;
  /** Activation of the output layer. @default the same as `activation` */
  outputActivation?: OutputActivation;
  /** 'mse' is ½·Σ(prediction − target)² per sample; 'crossEntropy' needs softmax or sigmoid outputs. @default 'mse' */
  loss?: Loss;
  /** Unsigned 32-bit integer seeding initialisation and shuffling. @default a random one, reported by `net.seed` */
  seed?: number;
  /** Which engine computes. @default 'auto' */
  engine?: EngineChoice;
  /**
   * Threads the wasm engine trains and predicts on: a count from 1 to 32, or 'auto' for the cores
   * available (at most 8). The weights are the same bits whatever the count. Threads need shared
   * memory (a page must be cross-origin isolated) and a thread that may wait (not a page's main
   * thread: use fitAsync({ worker: true }) there); elsewhere one thread runs, and `net.threads` says so. @default 1
   */
  threads?: number | 'auto';
  /**
   * 'fma': the wasm engine's matrix products use fused multiply-adds (relaxed SIMD's relaxed_madd;
   * faster, and one rounding instead of two), where the host has them fused; elsewhere the portable
   * arithmetic runs and `net.arithmetic` says so. Its weights are the same bits on every host that
   * runs it, and differ from the portable arithmetic's. @default 'portable'
   */
  arithmetic?: Arithmetic;
  /** 'sgd', 'momentum', 'adam', or one of them with its settings. @default 'sgd' (the seed) */
  optimizer?: OptimizerOptions['type'] | OptimizerOptions;
  /** L2 weight decay: adds l2·w to each weight's gradient (biases are not decayed). @default 0 */
  l2?: number;
  /** Clip the gradient to this global L2 norm before each step. @default none */
  clipNorm?: number;
  /** How the first weights are drawn, from the seeded generator. @default 'seed' */
  init?: Init;
  /**
   * Inverted dropout after each hidden layer's activation while training (fit, fitPartial,
   * computeGradients; never in predict or evaluate): the share of units dropped, one rate for every
   * hidden layer or one per hidden layer, each in [0, 1). Masks come from the seeded generator. @default 0
   */
  dropout?: number | number[];
}

export interface ResolvedNetworkOptions {
  layers: number[];
  learningRate: number;
  activation: Activation;
  outputActivation: OutputActivation;
  loss: Loss;
  seed: number;
  engine: EngineChoice;
  threads: number | 'auto';
  arithmetic: Arithmetic;
  optimizer: ResolvedOptimizer;
  l2: number;
  /** 0: no clipping. */
  clipNorm: number;
  init: Init;
  /** One rate per hidden layer (0: no dropout there). */
  dropout: number[];
}

export interface FitOptions {
  /** @default 1000 */
  epochs?: number;
  /** Rows per gradient step; the step uses their mean gradient. @default 1 (the seed: one update per sample) */
  batchSize?: number;
  /** Visit the rows in a new seeded order every epoch. @default false (the seed's order) */
  shuffle?: boolean;
  /** Log `[INFO] epoch=N, loss=…` at epoch 1 and every this many epochs; 0 turns logging off. @default 100 */
  displayUpdate?: number;
  /** Receives each log line. @default console.log */
  log?: (line: string) => void;
  /** Called after every epoch with the 1-based epoch and its mean per-sample loss; returning false stops training. */
  onEpochEnd?: (epoch: number, loss: number, logs: EpochLogs) => unknown;
  /** Hold out this fraction of the rows (a seeded random choice, not the tail) to report valLoss. */
  validationSplit?: number;
  /** Rows to report valLoss (and valAccuracy) on, instead of validationSplit. */
  validationData?: [X: unknown, y: unknown];
  /** Stop when the monitored loss has not improved by minDelta for patience epochs. */
  earlyStopping?: EarlyStopping | boolean;
  /** Stop once an epoch improves the loss by less than this (the seed's "until convergence"). */
  tolerance?: number;
  /**
   * Keep the network's copy of the training set after fit returns, so that the next fit of as many
   * rows or fewer reuses that memory instead of allocating it anew. @default false: a copy of 1 MiB or
   * more is released (a smaller one is always kept)
   */
  keepData?: boolean;
  /** Threads for this fit, at most the network's `threads` (fewer: to leave cores to others). @default the network's */
  threads?: number;
}

/** What an epoch reports besides its loss. */
export interface EpochLogs {
  loss: number;
  valLoss?: number;
  accuracy?: number;
  valAccuracy?: number;
}

export interface EarlyStopping {
  /** @default 'valLoss' when there is validation data, else 'loss' */
  monitor?: 'loss' | 'valLoss';
  /** Epochs without improvement before stopping. @default 0 */
  patience?: number;
  /** Smallest decrease that counts as an improvement. @default 0 */
  minDelta?: number;
  /** Put back the weights of the best epoch when stopping (or at the end). @default false */
  restoreBestWeights?: boolean;
}

export interface FitAsyncOptions extends FitOptions {
  /** Stops training: fitAsync rejects with the signal's reason, keeping the epochs completed. */
  signal?: AbortSignal;
  /** Train in a Web Worker (Node: worker_threads), posting only progress and the final weights. @default false */
  worker?: boolean;
  /** Called between slices (in a worker: at most every 100 ms) with the epoch reached and its loss. */
  onProgress?: (progress: { epoch: number; epochs: number; loss: number }) => void;
}

export interface ResolvedFitOptions {
  epochs: number;
  batchSize: number;
  shuffle: boolean;
  displayUpdate: number;
  log: (line: string) => void;
  onEpochEnd?: (epoch: number, loss: number, logs: EpochLogs) => unknown;
  validationSplit: number;
  validationData?: [unknown, unknown];
  earlyStopping?: Required<EarlyStopping>;
  tolerance: number;
  keepData: boolean;
  /** undefined: the network's. */
  threads?: number;
}

const ENGINES: readonly EngineChoice[] = ['js', 'wasm', 'auto'];

/** How the wasm engine multiplies and adds in its matrix products. */
export type Arithmetic = 'portable' | 'fma';
const ARITHMETICS: readonly Arithmetic[] = ['portable', 'fma'];
/** The network's options, in the order a checkpoint writes them (engine and alpha aside). */
export const NETWORK_KEYS = [
  'layers',
  'learningRate',
  'alpha',
  'activation',
  'outputActivation',
  'loss',
  'seed',
  'engine',
  'threads',
  'arithmetic',
  'optimizer',
  'l2',
  'clipNorm',
  'init',
  'dropout',
] as const;
const FIT_KEYS = [
  'epochs',
  'batchSize',
  'shuffle',
  'displayUpdate',
  'log',
  'onEpochEnd',
  'validationSplit',
  'validationData',
  'earlyStopping',
  'tolerance',
  'keepData',
  'threads',
];
const INITS = Object.keys(INIT_CODES) as Init[];

/** A value as an error message shows it; never throws, whatever the value (no toString, a throwing one, a symbol). */
export function show(v: unknown): string {
  try {
    if (typeof v === 'string') return `'${v.length > 40 ? `${v.slice(0, 40)}…` : v}'`;
    if (Array.isArray(v)) return v.length > 8 ? `an array of ${v.length}` : `[${Array.from(v, show).join(', ')}]`;
    if (typeof v === 'object' && v !== null)
      return Object.prototype.toString.call(v).replace(/^\[object (.*)\]$/, 'an object ($1)');
    return String(v);
  } catch {
    return typeof v;
  }
}

/**
 * Whether `v` is an options object: a plain object literal, not an array, a Date, a Map, an Error
 * or a class instance with a tag of its own (those are almost always a mistake). Any realm.
 */
export function isOptionsObject(v: unknown): v is Record<string, unknown> {
  return (
    typeof v === 'object' && v !== null && !Array.isArray(v) && Object.prototype.toString.call(v) === '[object Object]'
  );
}

/** `value` as an options object (undefined: {}), or a ValueError naming `option`. */
export function optionsObject(option: string, value: unknown, what: string): Record<string, unknown> {
  if (value === undefined) return {};
  if (!isOptionsObject(value)) throw new ValueError(option, `${what} must be an object; got ${show(value)}`);
  return value;
}

/** Refuses keys the options object does not know, suggesting the one a typo probably meant. */
export function checkKeys(what: string, options: object, known: readonly string[]): void {
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue;
    const near = known.find((k) => k.toLowerCase() === key.toLowerCase());
    throw new ValueError(
      key,
      `unknown ${what} option ${show(key)}${near ? `; did you mean '${near}'?` : ''}; expected one of ${known.map(show).join(', ')}`,
    );
  }
}

function oneOf<T extends string>(option: string, value: unknown, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (!allowed.includes(value as T)) {
    throw new ValueError(option, `${option} must be one of ${allowed.map(show).join(', ')}; got ${show(value)}`);
  }
  return value as T;
}

/** An integer in [min, max], `fallback` when undefined (and a fallback is given). */
export function integer(
  option: string,
  value: unknown,
  min: number,
  fallback?: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `≥ ${min}` : `from ${min} to ${max}`;
    throw new ValueError(option, `${option} must be an integer ${range}; got ${show(value)}`);
  }
  return value;
}

/**
 * A hyper-parameter the engines store as float32: a finite number in [min, max) (or (min, max) when
 * `above`), checked as float32 keeps it, since 1e-46 becomes 0, 0.99999999 becomes 1 and 1e39 ∞.
 */
function float32(
  option: string,
  value: unknown,
  range: { min: number; max: number; above?: boolean },
  fallback?: number,
): number {
  if (value === undefined && fallback !== undefined) return fallback;
  const { min, max, above = false } = range;
  const stored = typeof value === 'number' ? Math.fround(value) : NaN;
  if (
    typeof value !== 'number' ||
    !Number.isFinite(stored) ||
    (above ? !(stored > min) : stored < min) ||
    stored >= max
  ) {
    const bounds = `${above ? '(' : '['}${min}, ${max === Infinity ? '∞' : max})`;
    const rounded =
      typeof value === 'number' && Number.isFinite(value) && stored !== value
        ? `, which float32 stores as ${stored}`
        : '';
    throw new ValueError(option, `${option} must be a number in ${bounds}; got ${show(value)}${rounded}`);
  }
  return value;
}

/** A learning rate: > 0 and finite as float32 (the core computes in float32). */
export function learningRateValue(option: string, value: unknown): number {
  return float32(option, value, { min: 0, max: Infinity, above: true });
}

/** A finite number in [min, max) (or [min, max] when `inclusive`), `fallback` when undefined. */
function inRange(
  option: string,
  value: unknown,
  min: number,
  max: number,
  fallback: number,
  inclusive = false,
): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || (inclusive ? value > max : value >= max)) {
    throw new ValueError(
      option,
      `${option} must be a number in [${min}, ${max}${inclusive ? ']' : ')'}; got ${show(value)}`,
    );
  }
  return value;
}

/** One optimiser setting as its registry entry describes it. */
function setting(option: string, value: unknown, entry: SettingEntry): number | boolean {
  if (entry.type === 'boolean') {
    if (value === undefined) return entry.default;
    if (typeof value !== 'boolean') throw new ValueError(option, `${option} must be true or false; got ${show(value)}`);
    return value;
  }
  const { min = -Infinity, max = Infinity, above } = entry;
  return float32(option, value, { min, max, above }, entry.default as number);
}

function resolveOptimizer(value: unknown): ResolvedOptimizer {
  const spec = value === undefined ? { type: 'sgd' } : typeof value === 'string' ? { type: value } : value;
  if (!isOptionsObject(spec))
    throw new ValueError('optimizer', `optimizer must be a name or { type, … }; got ${show(value)}`);
  const type = oneOf('optimizer', spec.type, OPTIMIZER_NAMES, 'sgd');
  const settings: Record<string, SettingEntry> = OPTIMIZERS[type].settings;
  checkKeys(`'${type}' optimizer`, spec, ['type', ...Object.keys(settings)]);
  const resolved: Record<string, unknown> = { type };
  for (const [key, entry] of Object.entries(settings)) resolved[key] = setting(`optimizer.${key}`, spec[key], entry);
  return resolved as ResolvedOptimizer;
}

/**
 * The layers the engines run: each hidden width becomes a dense layer, its activation (none for the
 * identity) and its dropout (when the rate is above 0); the output a dense layer and its activation.
 */
export function layerSpecs(
  options: Pick<ResolvedNetworkOptions, 'layers' | 'activation' | 'outputActivation' | 'dropout'>,
): LayerSpec[] {
  const { layers, activation, outputActivation, dropout } = options;
  const specs: LayerSpec[] = [];
  for (let l = 1; l < layers.length; l++) {
    const output = l === layers.length - 1;
    specs.push({ kind: 'dense', units: layers[l] });
    const f = output ? outputActivation : activation;
    if (f !== 'identity') specs.push({ kind: 'activation', activation: f });
    if (!output && dropout[l - 1] > 0) specs.push({ kind: 'dropout', rate: dropout[l - 1] });
  }
  return specs;
}

/** The engine's view of the network: its layers desugared into kinds, the loss code, the optimiser's state size. */
export function networkShape(options: ResolvedNetworkOptions): NetworkShape {
  return {
    inputs: options.layers[0],
    layers: layerSpecs(options),
    loss: LOSSES[options.loss].code,
    stateVectors: OPTIMIZERS[options.optimizer.type].stateVectors,
  };
}

/** The header's update rule for these options, with the learning rate in force. */
export function updateRule(options: ResolvedNetworkOptions, learningRate = options.learningRate): UpdateRule {
  const { type, ...given } = options.optimizer;
  const settings = new Array<number>(SETTING_SLOTS).fill(0);
  const entries: Record<string, SettingEntry> = OPTIMIZERS[type].settings;
  for (const [key, value] of Object.entries(given) as [string, number | boolean][])
    settings[entries[key].slot] = Number(value);
  return {
    optimizer: OPTIMIZERS[type].code,
    settings,
    learningRate,
    l2: options.l2,
    clipNorm: options.clipNorm,
    classify: classifies(options.outputActivation),
  };
}

export function positiveNumber(option: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new ValueError(option, `${option} must be a finite number > 0; got ${show(value)}`);
  }
  return value;
}

function randomSeed(): number {
  return globalThis.crypto.getRandomValues(new Uint32Array(1))[0];
}

/** The most entries `layers` may have: far beyond any useful depth, and a bound on the work before validation. */
export const MAX_LAYERS = 1024;

export function resolveNetworkOptions(options: unknown): ResolvedNetworkOptions {
  if (!isOptionsObject(options)) {
    throw new ValueError('options', `options must be an object with at least 'layers'; got ${show(options)}`);
  }
  checkKeys('network', options, NETWORK_KEYS);
  const o = options as Record<keyof NetworkOptions, unknown>;
  if (!Array.isArray(o.layers) || o.layers.length < 2 || o.layers.length > MAX_LAYERS) {
    throw new ValueError(
      'layers',
      `layers must list 2 to ${MAX_LAYERS} widths (input, hidden…, output); got ${show(o.layers)}`,
    );
  }
  const widths = o.layers as unknown[];
  const layers: number[] = [];
  for (let i = 0; i < widths.length; i++) layers.push(integer(`layers[${i}]`, widths[i], 1)); // a loop: holes are refused, not skipped
  if (o.alpha !== undefined && o.learningRate !== undefined && o.alpha !== o.learningRate) {
    throw new ValueError(
      'alpha',
      `alpha is the seed's name for learningRate; give one of them, not both (${show(o.alpha)} ≠ ${show(o.learningRate)})`,
    );
  }
  const rateName = o.learningRate !== undefined ? 'learningRate' : 'alpha';
  const rate = o[rateName];
  const learningRate = rate === undefined ? 0.1 : learningRateValue(rateName, rate);
  const activation = oneOf('activation', o.activation, ACTIVATION_NAMES, 'sigmoid');
  const outputActivation = oneOf('outputActivation', o.outputActivation, OUTPUT_ACTIVATION_NAMES, activation);
  const loss = oneOf('loss', o.loss, LOSS_NAMES, 'mse');
  if (outputActivation === 'softmax' && layers[layers.length - 1] < 2) {
    throw new ValueError(
      'outputActivation',
      `outputActivation 'softmax' needs at least 2 output units; layers ends in ${layers[layers.length - 1]}`,
    );
  }
  const lossOutputs: readonly OutputActivation[] | undefined = (
    LOSSES[loss] as { outputs?: readonly OutputActivation[] }
  ).outputs;
  if (lossOutputs && !lossOutputs.includes(outputActivation)) {
    throw new ValueError(
      'loss',
      `loss '${loss}' needs outputActivation ${lossOutputs.map(show).join(' or ')}; got '${outputActivation}'`,
    );
  }
  const seed = o.seed === undefined ? randomSeed() : integer('seed', o.seed, 0, undefined, 0xffffffff);
  const engine = oneOf('engine', o.engine, ENGINES, 'auto');
  const threads = o.threads === 'auto' ? 'auto' : integer('threads', o.threads, 1, 1, MAX_THREADS);
  const arithmetic = oneOf('arithmetic', o.arithmetic, ARITHMETICS, 'portable');
  const optimizer = resolveOptimizer(o.optimizer);
  const l2 = float32('l2', o.l2, { min: 0, max: Infinity }, 0);
  if (l2 !== 0 && Math.fround(l2) === 0)
    throw new ValueError(
      'l2',
      `l2 must be 0 or a number float32 keeps above 0; got ${show(l2)}, which float32 stores as 0`,
    );
  const clipNorm =
    o.clipNorm === undefined ? 0 : float32('clipNorm', o.clipNorm, { min: 0, max: Infinity, above: true });
  const init = oneOf('init', o.init, INITS, 'seed');
  const dropout = dropoutRates(o.dropout, layers.length - 2);
  return {
    layers,
    learningRate,
    activation,
    outputActivation,
    loss,
    seed,
    engine,
    threads,
    arithmetic,
    optimizer,
    l2,
    clipNorm,
    init,
    dropout,
  };
}

/** The dropout option as one rate per hidden layer, each in [0, 1). */
function dropoutRates(value: unknown, hidden: number): number[] {
  if (value === undefined) return new Array<number>(hidden).fill(0);
  const rate = (option: string, v: unknown): number => inRange(option, v, 0, 1, 0);
  if (!Array.isArray(value)) {
    const r = rate('dropout', value);
    if (r > 0 && hidden === 0)
      throw new ValueError(
        'dropout',
        `dropout applies to hidden layers, and these layers have none; got ${show(value)}`,
      );
    return new Array<number>(hidden).fill(r);
  }
  if (value.length !== hidden) {
    throw new ValueError(
      'dropout',
      `dropout as a list needs one rate per hidden layer (${hidden}); got ${value.length}`,
    );
  }
  const rates: number[] = [];
  for (let i = 0; i < value.length; i++) {
    // A loop, and undefined refused (not taken as the default): a hole is a mistake, never a rate.
    if (value[i] === undefined)
      throw new ValueError(
        `dropout[${i}]`,
        `dropout[${i}] must be a number in [0, 1); got ${i in value ? 'undefined' : 'a hole'}`,
      );
    rates.push(rate(`dropout[${i}]`, value[i]));
  }
  return rates;
}

/** The earlyStopping option with its defaults; `validating`: there are validation rows to monitor. */
function resolveEarlyStopping(value: unknown, validating: boolean): Required<EarlyStopping> | undefined {
  if (value === undefined || value === false) return undefined;
  const e = (value === true ? {} : value) as EarlyStopping;
  if (!isOptionsObject(e)) {
    throw new ValueError(
      'earlyStopping',
      `earlyStopping must be true, false or { monitor, patience, minDelta, restoreBestWeights }; got ${show(e)}`,
    );
  }
  checkKeys('earlyStopping', e, ['monitor', 'patience', 'minDelta', 'restoreBestWeights']);
  const monitor = oneOf(
    'earlyStopping.monitor',
    e.monitor,
    ['loss', 'valLoss'] as const,
    validating ? 'valLoss' : 'loss',
  );
  if (monitor === 'valLoss' && !validating) {
    throw new ValueError(
      'earlyStopping.monitor',
      "earlyStopping.monitor 'valLoss' needs validationSplit or validationData",
    );
  }
  if (e.restoreBestWeights !== undefined && typeof e.restoreBestWeights !== 'boolean') {
    throw new ValueError('earlyStopping.restoreBestWeights', 'earlyStopping.restoreBestWeights must be true or false');
  }
  return {
    monitor,
    patience: integer('earlyStopping.patience', e.patience, 0, 0),
    minDelta: inRange('earlyStopping.minDelta', e.minDelta, 0, Infinity, 0),
    restoreBestWeights: e.restoreBestWeights ?? false,
  };
}

/** The most epochs one fit may be asked for. */
export const MAX_EPOCHS = 0xffffffff;

export function resolveFitOptions(options: unknown): ResolvedFitOptions {
  const o = optionsObject('options', options, 'fit options') as FitOptions;
  checkKeys('fit', o, FIT_KEYS);
  for (const name of ['shuffle', 'keepData'] as const) {
    if (o[name] !== undefined && typeof o[name] !== 'boolean')
      throw new ValueError(name, `${name} must be true or false; got ${show(o[name])}`);
  }
  for (const name of ['log', 'onEpochEnd'] as const) {
    if (o[name] !== undefined && typeof o[name] !== 'function')
      throw new ValueError(name, `${name} must be a function; got ${show(o[name])}`);
  }
  if (o.validationData !== undefined && (!Array.isArray(o.validationData) || o.validationData.length !== 2)) {
    throw new ValueError('validationData', 'validationData must be [X, y]');
  }
  if (o.validationData !== undefined && o.validationSplit !== undefined) {
    throw new ValueError('validationSplit', 'give validationSplit or validationData, not both');
  }
  const validationSplit = o.validationSplit === undefined ? 0 : inRange('validationSplit', o.validationSplit, 0, 1, 0);
  const earlyStopping = resolveEarlyStopping(o.earlyStopping, validationSplit > 0 || o.validationData !== undefined);
  return {
    epochs: integer('epochs', o.epochs, 1, 1000, MAX_EPOCHS),
    batchSize: integer('batchSize', o.batchSize, 1, 1),
    shuffle: o.shuffle ?? false,
    displayUpdate: integer('displayUpdate', o.displayUpdate, 0, 100),
    log: o.log ?? ((line: string) => console.log(line)),
    onEpochEnd: o.onEpochEnd,
    validationSplit,
    validationData: o.validationData as [unknown, unknown] | undefined,
    earlyStopping,
    tolerance: o.tolerance === undefined ? 0 : positiveNumber('tolerance', o.tolerance),
    keepData: o.keepData ?? false,
    threads: o.threads === undefined ? undefined : integer('threads', o.threads, 1, undefined, MAX_THREADS),
  };
}
