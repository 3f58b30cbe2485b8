// Options of the network and of fit: their types, defaults and validation, done once here.
import {
  ACT_IDENTITY, ACT_LEAKY_RELU, ACT_RELU, ACT_SIGMOID, ACT_SOFTMAX, ACT_TANH, LOSS_CROSS_ENTROPY, LOSS_MSE,
} from './abi.js';
import { ValueError } from './errors.js';

export type Activation = 'sigmoid' | 'tanh' | 'relu' | 'leakyRelu' | 'identity';
export type OutputActivation = Activation | 'softmax';
export type Loss = 'mse' | 'crossEntropy';
export type EngineChoice = 'js' | 'wasm' | 'auto';

export const ACTIVATION_CODES: Record<OutputActivation, number> = {
  identity: ACT_IDENTITY, sigmoid: ACT_SIGMOID, tanh: ACT_TANH, relu: ACT_RELU, leakyRelu: ACT_LEAKY_RELU, softmax: ACT_SOFTMAX,
};
export const LOSS_CODES: Record<Loss, number> = { mse: LOSS_MSE, crossEntropy: LOSS_CROSS_ENTROPY };

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
}

export interface ResolvedNetworkOptions {
  layers: number[];
  learningRate: number;
  activation: Activation;
  outputActivation: OutputActivation;
  loss: Loss;
  seed: number;
  engine: EngineChoice;
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
  /** Called after every epoch with the 1-based epoch and its mean per-sample loss. */
  onEpochEnd?: (epoch: number, loss: number) => void;
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
  onEpochEnd?: (epoch: number, loss: number) => void;
}

const HIDDEN_ACTIVATIONS: readonly Activation[] = ['sigmoid', 'tanh', 'relu', 'leakyRelu', 'identity'];
const OUTPUT_ACTIVATIONS: readonly OutputActivation[] = [...HIDDEN_ACTIVATIONS, 'softmax'];
const LOSSES: readonly Loss[] = ['mse', 'crossEntropy'];
const ENGINES: readonly EngineChoice[] = ['js', 'wasm', 'auto'];
const NETWORK_KEYS = ['layers', 'learningRate', 'alpha', 'activation', 'outputActivation', 'loss', 'seed', 'engine'];
const FIT_KEYS = ['epochs', 'batchSize', 'shuffle', 'displayUpdate', 'log', 'onEpochEnd'];

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
  return { layers, learningRate, activation, outputActivation, loss, seed, engine };
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
  return {
    epochs: integer('epochs', o.epochs, 1, 1000),
    batchSize: integer('batchSize', o.batchSize, 1, 1),
    shuffle: o.shuffle ?? false,
    displayUpdate: integer('displayUpdate', o.displayUpdate, 0, 100),
    log: o.log ?? ((line: string) => console.log(line)),
    onEpochEnd: o.onEpochEnd,
  };
}
