// Options of the network and of fit: their types, defaults and validation, done once here.
import {
  ACT_IDENTITY, ACT_LEAKY_RELU, ACT_RELU, ACT_SIGMOID, ACT_SOFTMAX, ACT_TANH, INIT_HE_NORMAL, INIT_HE_UNIFORM, INIT_SEED,
  INIT_XAVIER_NORMAL, INIT_XAVIER_UNIFORM, LOSS_CROSS_ENTROPY, LOSS_MSE, OPT_ADAM, OPT_MOMENTUM, OPT_NESTEROV, OPT_SGD,
} from './abi.js';
import type { NetworkShape, UpdateRule } from './engine.js';
import { ValueError } from './errors.js';

export type Activation = 'sigmoid' | 'tanh' | 'relu' | 'leakyRelu' | 'identity';
export type OutputActivation = Activation | 'softmax';
export type Loss = 'mse' | 'crossEntropy';
export type EngineChoice = 'js' | 'wasm' | 'auto';
/** Weight initialisation: the seed's normal/√fan_in, Glorot (Xavier) or He; 'xavier' is xavierUniform, 'he' heNormal. */
export type Init = 'seed' | 'xavier' | 'xavierUniform' | 'xavierNormal' | 'he' | 'heUniform' | 'heNormal';

export type OptimizerOptions =
  | { type: 'sgd' }
  | { type: 'momentum'; /** @default 0.9 */ momentum?: number; /** @default false */ nesterov?: boolean }
  | { type: 'adam'; /** @default 0.9 */ beta1?: number; /** @default 0.999 */ beta2?: number; /** @default 1e-8 */ epsilon?: number };

/** The optimiser with every default filled in. */
export type ResolvedOptimizer =
  | { type: 'sgd' }
  | { type: 'momentum'; momentum: number; nesterov: boolean }
  | { type: 'adam'; beta1: number; beta2: number; epsilon: number };

export const ACTIVATION_CODES: Record<OutputActivation, number> = {
  identity: ACT_IDENTITY, sigmoid: ACT_SIGMOID, tanh: ACT_TANH, relu: ACT_RELU, leakyRelu: ACT_LEAKY_RELU, softmax: ACT_SOFTMAX,
};
export const LOSS_CODES: Record<Loss, number> = { mse: LOSS_MSE, crossEntropy: LOSS_CROSS_ENTROPY };
export const INIT_CODES: Record<Init, number> = {
  seed: INIT_SEED, xavier: INIT_XAVIER_UNIFORM, xavierUniform: INIT_XAVIER_UNIFORM, xavierNormal: INIT_XAVIER_NORMAL,
  he: INIT_HE_NORMAL, heUniform: INIT_HE_UNIFORM, heNormal: INIT_HE_NORMAL,
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
  /** 'sgd', 'momentum', 'adam', or one of them with its settings. @default 'sgd' (the seed) */
  optimizer?: OptimizerOptions['type'] | OptimizerOptions;
  /** L2 weight decay: adds l2·w to each weight's gradient (biases are not decayed). @default 0 */
  l2?: number;
  /** Clip the gradient to this global L2 norm before each step. @default none */
  clipNorm?: number;
  /** How the first weights are drawn, from the seeded generator. @default 'seed' */
  init?: Init;
}

export interface ResolvedNetworkOptions {
  layers: number[];
  learningRate: number;
  activation: Activation;
  outputActivation: OutputActivation;
  loss: Loss;
  seed: number;
  engine: EngineChoice;
  optimizer: ResolvedOptimizer;
  l2: number;
  /** 0: no clipping. */
  clipNorm: number;
  init: Init;
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
}

const HIDDEN_ACTIVATIONS: readonly Activation[] = ['sigmoid', 'tanh', 'relu', 'leakyRelu', 'identity'];
const OUTPUT_ACTIVATIONS: readonly OutputActivation[] = [...HIDDEN_ACTIVATIONS, 'softmax'];
const LOSSES: readonly Loss[] = ['mse', 'crossEntropy'];
const ENGINES: readonly EngineChoice[] = ['js', 'wasm', 'auto'];
const NETWORK_KEYS = [
  'layers', 'learningRate', 'alpha', 'activation', 'outputActivation', 'loss', 'seed', 'engine', 'optimizer', 'l2', 'clipNorm', 'init',
];
const FIT_KEYS = [
  'epochs', 'batchSize', 'shuffle', 'displayUpdate', 'log', 'onEpochEnd', 'validationSplit', 'validationData', 'earlyStopping', 'tolerance',
];
const INITS = Object.keys(INIT_CODES) as Init[];

const show = (v: unknown): string => (typeof v === 'string' ? `'${v}'` : Array.isArray(v) ? `[${v.join(', ')}]` : String(v));

/** Refuses keys the options object does not know, suggesting the one a typo probably meant. */
function checkKeys(what: string, options: object, known: readonly string[]): void {
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue;
    const near = known.find((k) => k.toLowerCase() === key.toLowerCase());
    throw new ValueError(key, `unknown ${what} option '${key}'${near ? `; did you mean '${near}'?` : ''}`);
  }
}

function oneOf<T extends string>(option: string, value: unknown, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (!allowed.includes(value as T)) {
    throw new ValueError(option, `${option} must be one of ${allowed.map(show).join(', ')}; got ${show(value)}`);
  }
  return value as T;
}

export function integer(option: string, value: unknown, min: number, fallback?: number): number {
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new ValueError(option, `${option} must be an integer ≥ ${min}; got ${show(value)}`);
  }
  return value;
}

/** A finite number in [min, max) (or [min, max] when `inclusive`), `fallback` when undefined. */
function inRange(option: string, value: unknown, min: number, max: number, fallback: number, inclusive = false): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || (inclusive ? value > max : value >= max)) {
    throw new ValueError(option, `${option} must be a number in [${min}, ${max}${inclusive ? ']' : ')'}; got ${show(value)}`);
  }
  return value;
}

function resolveOptimizer(value: unknown): ResolvedOptimizer {
  const spec = value === undefined ? { type: 'sgd' } : typeof value === 'string' ? { type: value } : value;
  if (typeof spec !== 'object' || spec === null) throw new ValueError('optimizer', `optimizer must be a name or { type, … }; got ${show(value)}`);
  const o = spec as Record<string, unknown>;
  const type = oneOf('optimizer', o.type, ['sgd', 'momentum', 'adam'] as const, 'sgd');
  const keys = { sgd: ['type'], momentum: ['type', 'momentum', 'nesterov'], adam: ['type', 'beta1', 'beta2', 'epsilon'] }[type];
  checkKeys(`'${type}' optimizer`, o, keys);
  if (type === 'momentum') {
    if (o.nesterov !== undefined && typeof o.nesterov !== 'boolean') throw new ValueError('optimizer.nesterov', 'optimizer.nesterov must be true or false');
    return { type, momentum: inRange('optimizer.momentum', o.momentum, 0, 1, 0.9), nesterov: (o.nesterov as boolean | undefined) ?? false };
  }
  if (type === 'adam') {
    const epsilon = o.epsilon === undefined ? 1e-8 : positiveNumber('optimizer.epsilon', o.epsilon);
    return { type, beta1: inRange('optimizer.beta1', o.beta1, 0, 1, 0.9), beta2: inRange('optimizer.beta2', o.beta2, 0, 1, 0.999), epsilon };
  }
  return { type: 'sgd' };
}

/** The engine's view of the network: widths, the activation code of each layer (hidden ones, then the output), the loss code. */
export function networkShape(options: ResolvedNetworkOptions): NetworkShape {
  const { layers, activation, outputActivation, loss } = options;
  return {
    widths: layers,
    activations: layers.slice(1).map((_, l) => ACTIVATION_CODES[l === layers.length - 2 ? outputActivation : activation]),
    loss: LOSS_CODES[loss],
  };
}

/** The header's update rule for these options. */
export function updateRule(options: ResolvedNetworkOptions): UpdateRule {
  const o = options.optimizer;
  return {
    optimizer: o.type === 'adam' ? OPT_ADAM : o.type === 'momentum' ? (o.nesterov ? OPT_NESTEROV : OPT_MOMENTUM) : OPT_SGD,
    momentum: o.type === 'momentum' ? o.momentum : 0,
    beta1: o.type === 'adam' ? o.beta1 : 0, beta2: o.type === 'adam' ? o.beta2 : 0, epsilon: o.type === 'adam' ? o.epsilon : 0,
    l2: options.l2, clipNorm: options.clipNorm,
    classify: options.outputActivation === 'softmax' || options.outputActivation === 'sigmoid',
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

export function resolveNetworkOptions(options: unknown): ResolvedNetworkOptions {
  if (typeof options !== 'object' || options === null) {
    throw new ValueError('options', `options must be an object with at least 'layers'; got ${show(options)}`);
  }
  checkKeys('network', options, NETWORK_KEYS);
  const o = options as NetworkOptions;
  if (!Array.isArray(o.layers) || o.layers.length < 2) {
    throw new ValueError('layers', `layers must list at least two widths (input and output); got ${show(o.layers)}`);
  }
  const layers = o.layers.map((w, i) => integer(`layers[${i}]`, w, 1));
  if (o.alpha !== undefined && o.learningRate !== undefined && o.alpha !== o.learningRate) {
    throw new ValueError('alpha', `alpha is the seed's name for learningRate; give one of them, not both (${o.alpha} ≠ ${o.learningRate})`);
  }
  const rate = o.learningRate ?? o.alpha;
  const learningRate = rate === undefined ? 0.1 : positiveNumber(o.learningRate !== undefined ? 'learningRate' : 'alpha', rate);
  const activation = oneOf('activation', o.activation, HIDDEN_ACTIVATIONS, 'sigmoid');
  const outputActivation = oneOf('outputActivation', o.outputActivation, OUTPUT_ACTIVATIONS, activation);
  const loss = oneOf('loss', o.loss, LOSSES, 'mse');
  if (outputActivation === 'softmax' && layers[layers.length - 1] < 2) {
    throw new ValueError('outputActivation', `outputActivation 'softmax' needs at least 2 output units; layers ends in ${layers[layers.length - 1]}`);
  }
  if (loss === 'crossEntropy' && outputActivation !== 'softmax' && outputActivation !== 'sigmoid') {
    throw new ValueError('loss', `loss 'crossEntropy' needs outputActivation 'softmax' or 'sigmoid'; got '${outputActivation}'`);
  }
  const seed = o.seed === undefined ? randomSeed() : integer('seed', o.seed, 0);
  if (seed > 0xffffffff) throw new ValueError('seed', `seed must be an integer from 0 to 4294967295; got ${seed}`);
  const engine = oneOf('engine', o.engine, ENGINES, 'auto');
  const optimizer = resolveOptimizer(o.optimizer);
  const l2 = inRange('l2', o.l2, 0, Infinity, 0);
  const clipNorm = o.clipNorm === undefined ? 0 : positiveNumber('clipNorm', o.clipNorm);
  const init = oneOf('init', o.init, INITS, 'seed');
  return { layers, learningRate, activation, outputActivation, loss, seed, engine, optimizer, l2, clipNorm, init };
}

export function resolveFitOptions(options: unknown): ResolvedFitOptions {
  if (options === undefined) options = {};
  if (typeof options !== 'object' || options === null) throw new ValueError('options', `fit options must be an object; got ${show(options)}`);
  checkKeys('fit', options, FIT_KEYS);
  const o = options as FitOptions;
  if (o.shuffle !== undefined && typeof o.shuffle !== 'boolean') throw new ValueError('shuffle', `shuffle must be true or false; got ${show(o.shuffle)}`);
  for (const name of ['log', 'onEpochEnd'] as const) {
    if (o[name] !== undefined && typeof o[name] !== 'function') throw new ValueError(name, `${name} must be a function; got ${show(o[name])}`);
  }
  if (o.validationData !== undefined && (!Array.isArray(o.validationData) || o.validationData.length !== 2)) {
    throw new ValueError('validationData', 'validationData must be [X, y]');
  }
  if (o.validationData !== undefined && o.validationSplit !== undefined) {
    throw new ValueError('validationSplit', 'give validationSplit or validationData, not both');
  }
  const validationSplit = o.validationSplit === undefined ? 0 : inRange('validationSplit', o.validationSplit, 0, 1, 0);
  const validating = validationSplit > 0 || o.validationData !== undefined;
  let earlyStopping: Required<EarlyStopping> | undefined;
  if (o.earlyStopping !== undefined && o.earlyStopping !== false) {
    const e = (o.earlyStopping === true ? {} : o.earlyStopping) as EarlyStopping;
    if (typeof e !== 'object' || e === null) throw new ValueError('earlyStopping', 'earlyStopping must be true or { monitor, patience, minDelta, restoreBestWeights }');
    checkKeys('earlyStopping', e, ['monitor', 'patience', 'minDelta', 'restoreBestWeights']);
    const monitor = oneOf('earlyStopping.monitor', e.monitor, ['loss', 'valLoss'] as const, validating ? 'valLoss' : 'loss');
    if (monitor === 'valLoss' && !validating) {
      throw new ValueError('earlyStopping.monitor', "earlyStopping.monitor 'valLoss' needs validationSplit or validationData");
    }
    if (e.restoreBestWeights !== undefined && typeof e.restoreBestWeights !== 'boolean') {
      throw new ValueError('earlyStopping.restoreBestWeights', 'earlyStopping.restoreBestWeights must be true or false');
    }
    earlyStopping = {
      monitor, patience: integer('earlyStopping.patience', e.patience, 0, 0),
      minDelta: inRange('earlyStopping.minDelta', e.minDelta, 0, Infinity, 0), restoreBestWeights: e.restoreBestWeights ?? false,
    };
  }
  return {
    epochs: integer('epochs', o.epochs, 1, 1000),
    batchSize: integer('batchSize', o.batchSize, 1, 1),
    shuffle: o.shuffle ?? false,
    displayUpdate: integer('displayUpdate', o.displayUpdate, 0, 100),
    log: o.log ?? ((line: string) => console.log(line)),
    onEpochEnd: o.onEpochEnd,
    validationSplit,
    validationData: o.validationData as [unknown, unknown] | undefined,
    earlyStopping,
    tolerance: o.tolerance === undefined ? 0 : positiveNumber('tolerance', o.tolerance),
  };
}
