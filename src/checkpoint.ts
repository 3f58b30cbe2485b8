// The serialised network: what toJSON writes and fromJSON accepts. Versioned and checksummed, and
// validated field by field, shapes and sizes included, before any engine is created, so that a
// corrupted, mismatched or hostile file is refused cheaply with a precise error.
import { PASS_ROWS } from './arena-engine.js';
import { ValueError } from './errors.js';
import {
  isOptionsObject,
  MAX_LAYERS,
  NETWORK_KEYS,
  networkShape,
  resolveNetworkOptions,
  show,
  type NetworkOptions,
  type ResolvedNetworkOptions,
} from './options.js';
import { checkedPlan } from './plan.js';
import { OPTIMIZER_NAMES, OPTIMIZERS, type OptimizerName } from './registry.js';

export const FORMAT = 'backprop-wasm/network';
/**
 * Version 2 hashes the fields with their keys sorted, so a file whose keys were reordered still
 * checks; version 3 adds `dropout`. Versions 1 and 2 are read as networks without dropout.
 */
export const VERSION = 3;

/** Everything training carries from epoch to epoch: with it, a resumed fit continues bit for bit. */
export interface TrainingStateJSON {
  /** Epochs trained so far. */
  epoch: number;
  /** The generator's four state words. */
  rng: number[];
  /** Optimiser steps taken, and Adam's βᵗ products. */
  step: number;
  beta1Power: number;
  beta2Power: number;
  /**
   * The optimiser's state vectors in the parameters' layout: none for SGD, the velocity for momentum,
   * Adam's m then v (version 1 always wrote two vectors, zeros where unused; it is read as the ones in use).
   */
  moments: number[];
}

/** The network's options (all but the engine, which the reader chooses), weights, and optionally its training state. */
export interface NetworkJSON extends Omit<ResolvedNetworkOptions, 'engine' | 'threads' | 'arithmetic'> {
  format: typeof FORMAT;
  version: 1 | 2 | 3;
  weights: number[][][];
  biases: number[][];
  trainingState?: TrainingStateJSON;
  /** FNV-1a of the JSON text of every other field (version 2: keys sorted), so edits and truncation are caught. */
  checksum: string;
}

/** The options a file holds: the network's (options.ts), but the engine, threads and arithmetic, which the reader chooses, and alpha, learningRate's other name. */
const OPTION_FIELDS = NETWORK_KEYS.filter(
  (key) => key !== 'engine' && key !== 'threads' && key !== 'arithmetic' && key !== 'alpha',
);
/** The version that brought each option version 1 did not have: older files lack it, and mean its default. */
const SINCE: Partial<Record<string, number>> = { dropout: 3 };
/** Every field, in the order toJSON writes them (version 1's checksum hashed this order). */
const FIELDS = ['format', 'version', ...OPTION_FIELDS, 'weights', 'biases', 'trainingState'];
const OPTIONAL_FIELDS: readonly string[] = ['trainingState'];
const optimizerFields = (type: OptimizerName): string[] => ['type', ...Object.keys(OPTIMIZERS[type].settings)];
const STATE_FIELDS = ['epoch', 'rng', 'step', 'beta1Power', 'beta2Power', 'moments'] as const;

/** FNV-1a (32-bit) over UTF-16 code units, fed piece by piece: the hash of the pieces' concatenation. */
class Fnv1a {
  private h = 0x811c9dc5;

  add(text: string): void {
    let h = this.h;
    for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
    this.h = h;
  }

  get hex(): string {
    return (this.h >>> 0).toString(16).padStart(8, '0');
  }
}

/**
 * Feeds `value`'s JSON text (JSON.stringify's, with every object's keys in `order`) to `hash`, a
 * row at a time: a network of any size is hashed without its whole text ever being one string.
 * Only called on content whose nesting is known (ours, or a file already checked field by field).
 */
function hashJSON(hash: Fnv1a, value: unknown, order: (object: object) => string[]): void {
  if (Array.isArray(value) && !value.some((v) => typeof v === 'object' && v !== null)) {
    hash.add(JSON.stringify(value)); // a row of numbers: one native call
  } else if (Array.isArray(value)) {
    hash.add('[');
    value.forEach((v, i) => {
      if (i > 0) hash.add(',');
      hashJSON(hash, v, order);
    });
    hash.add(']');
  } else if (isOptionsObject(value)) {
    hash.add('{');
    order(value)
      .filter((k) => value[k] !== undefined)
      .forEach((k, i) => {
        hash.add(`${i > 0 ? ',' : ''}${JSON.stringify(k)}:`);
        hashJSON(hash, value[k], order);
      });
    hash.add('}');
  } else {
    hash.add(JSON.stringify(value));
  }
}

const sortedKeys = (object: object): string[] => Object.keys(object).sort();

/** Version 1 hashed the fields in the order its writer produced them: rebuilt here, so reordered files still check. */
function writerOrder(object: object): string[] {
  const keys = Object.keys(object);
  const known = [...FIELDS, ...STATE_FIELDS, ...new Set(OPTIMIZER_NAMES.flatMap(optimizerFields))];
  return known.filter((k) => keys.includes(k));
}

function checksumOf(content: object, version: number): string {
  const hash = new Fnv1a();
  hashJSON(hash, content, version === 1 ? writerOrder : sortedKeys);
  return hash.hex;
}

export function withChecksum(content: Omit<NetworkJSON, 'checksum'>): NetworkJSON {
  return { ...content, checksum: checksumOf(content, content.version) };
}

/** Whether every index of `list` holds a value passing `test`: unlike Array.every, a hole fails. */
function allOf(list: unknown[], test: (value: unknown) => boolean): boolean {
  for (let i = 0; i < list.length; i++) if (!test(list[i])) return false;
  return true;
}

/** Refuses a missing field and a field the format does not have. */
function checkFields(
  name: string,
  object: Record<string, unknown>,
  fields: readonly string[],
  optional: readonly string[] = [],
): void {
  for (const key of Object.keys(object)) {
    if (!fields.includes(key))
      throw new ValueError(`${name}.${key}`, `${name} has a field ${show(key)} that this format does not have`);
  }
  for (const key of fields) {
    if (object[key] === undefined && !optional.includes(key))
      throw new ValueError(`${name}.${key}`, `${name}.${key} is missing`);
  }
}

/** Checks a list of `length` finite float32 numbers (values the engines can hold). */
function checkNumbers(name: string, value: unknown, length: number): void {
  if (!Array.isArray(value) || value.length !== length) {
    throw new ValueError(
      name,
      `${name} must be a list of ${length} numbers; got ${Array.isArray(value) ? `${value.length} entries` : show(value)}`,
    );
  }
  for (let i = 0; i < length; i++) {
    const v: unknown = value[i];
    if (typeof v !== 'number' || !Number.isFinite(Math.fround(v)))
      throw new ValueError(name, `${name}[${i}] is ${show(v)}, not a finite float32 number`);
  }
}

/** Checks the weights and biases against the layers: out × in matrices and out-long vectors. */
function checkParameters(j: Record<string, unknown>, layers: number[]): void {
  const L = layers.length - 1;
  for (const key of ['weights', 'biases']) {
    const v = j[key];
    if (!Array.isArray(v) || v.length !== L) {
      throw new ValueError(
        `json.${key}`,
        `json.${key} must hold ${L} entries for layers [${layers.join(', ')}]; got ${Array.isArray(v) ? v.length : show(v)}`,
      );
    }
  }
  const weights = j.weights as unknown[],
    biases = j.biases as unknown[];
  for (let l = 0; l < L; l++) {
    const w = weights[l];
    if (!Array.isArray(w) || w.length !== layers[l + 1]) {
      throw new ValueError(
        `json.weights[${l}]`,
        `json.weights[${l}] must have ${layers[l + 1]} rows (layers[${l + 1}]); got ${Array.isArray(w) ? w.length : show(w)}`,
      );
    }
    for (let o = 0; o < w.length; o++) checkNumbers(`json.weights[${l}][${o}]`, w[o], layers[l]);
    checkNumbers(`json.biases[${l}]`, biases[l], layers[l + 1]);
  }
}

/** Checks the training state: counters in range, a generator state xoshiro can run from, moments of the right size. */
function checkTrainingState(value: unknown, layers: number[], moments: number): void {
  const name = 'json.trainingState';
  if (!isOptionsObject(value)) throw new ValueError(name, `${name} must be an object; got ${show(value)}`);
  checkFields(name, value, STATE_FIELDS);
  const { rng, epoch, step } = value;
  if (
    !Array.isArray(rng) ||
    rng.length !== 4 ||
    !allOf(rng, (w) => Number.isInteger(w) && (w as number) >= 0 && (w as number) <= 0xffffffff)
  ) {
    throw new ValueError(`${name}.rng`, `${name}.rng must be four unsigned 32-bit integers`);
  }
  if (rng.every((w) => w === 0))
    throw new ValueError(`${name}.rng`, `${name}.rng is all zeros, a state the generator never leaves`);
  const given = value.moments;
  if (!Array.isArray(given) || given.length !== moments) {
    throw new ValueError(
      `${name}.moments`,
      `${name}.moments must hold ${moments} finite numbers for layers [${layers.join(', ')}] ` +
        `and this optimizer; got ${Array.isArray(given) ? given.length : show(given)}`,
    );
  }
  checkNumbers(`${name}.moments`, given, moments);
  if (!Number.isSafeInteger(epoch) || (epoch as number) < 0)
    throw new ValueError(`${name}.epoch`, `${name}.epoch must be an integer ≥ 0; got ${show(epoch)}`);
  if (!Number.isInteger(step) || (step as number) < 0 || (step as number) > 0xffffffff) {
    throw new ValueError(
      `${name}.step`,
      `${name}.step must be an integer from 0 to 4294967295 (the core counts steps in 32 bits); got ${show(step)}`,
    );
  }
  for (const key of ['beta1Power', 'beta2Power'] as const) {
    const v = value[key];
    // βᵗ reaches 0 (β = 0 after one step, or underflow after many): a state the library writes itself.
    if (typeof v !== 'number' || !(v >= 0 && v <= 1))
      throw new ValueError(`${name}.${key}`, `${name}.${key} must be in [0, 1]; got ${show(v)}`);
  }
}

/** The object a serialised network (text or object) stands for, once its format and version are known. */
function parseNetworkJSON(json: unknown): Record<string, unknown> & { version: 1 | 2 | 3 } {
  let parsed: unknown = json;
  if (typeof json === 'string') {
    try {
      parsed = JSON.parse(json);
    } catch (e) {
      throw new ValueError('json', `not valid JSON: ${(e as Error).message}`);
    }
  }
  if (!isOptionsObject(parsed) || parsed.format !== FORMAT) {
    throw new ValueError('json.format', `not a serialised backprop-wasm network (format must be '${FORMAT}')`);
  }
  if (parsed.version !== 1 && parsed.version !== 2 && parsed.version !== 3) {
    throw new ValueError(
      'json.version',
      `unsupported version ${show(parsed.version)}; this library reads versions 1 to ${VERSION}`,
    );
  }
  return parsed as Record<string, unknown> & { version: 1 | 2 | 3 };
}

/** Checks the fields present and the options they hold, as create() checks them; returns the options resolved. */
function checkOptions(j: Record<string, unknown> & { version: number }): ResolvedNetworkOptions {
  checkFields('json', j, [...FIELDS.filter((f) => (SINCE[f] ?? 1) <= j.version), 'checksum'], OPTIONAL_FIELDS);
  const layers = j.layers;
  if (
    !Array.isArray(layers) ||
    layers.length < 2 ||
    layers.length > MAX_LAYERS ||
    !allOf(layers, (w) => Number.isSafeInteger(w) && (w as number) > 0)
  ) {
    throw new ValueError(
      'json.layers',
      `json.layers must be a list of 2 to ${MAX_LAYERS} positive integers; got ${show(layers)}`,
    );
  }
  const optimizer = j.optimizer;
  if (
    !isOptionsObject(optimizer) ||
    typeof optimizer.type !== 'string' ||
    !OPTIMIZER_NAMES.includes(optimizer.type as OptimizerName)
  ) {
    throw new ValueError(
      'json.optimizer',
      `json.optimizer must be { type: ${OPTIMIZER_NAMES.map(show).join(' | ')}, … }; got ${show(optimizer)}`,
    );
  }
  checkFields('json.optimizer', optimizer, optimizerFields(optimizer.type as OptimizerName));
  try {
    return resolveNetworkOptions(networkOptionsOf(j));
  } catch (error) {
    if (error instanceof ValueError) throw new ValueError(`json.${error.option}`, `json.${error.message}`);
    throw error;
  }
}

/** The options a file holds, as create() takes them (a file writes "no clipping" as clipNorm 0). */
export function networkOptionsOf(j: Record<string, unknown>): NetworkOptions {
  const options = Object.fromEntries(OPTION_FIELDS.map((key) => [key, j[key]]));
  return { ...options, clipNorm: j.clipNorm === 0 ? undefined : j.clipNorm } as unknown as NetworkOptions;
}

/**
 * Parses and checks a serialised network: format, version, every field present and none unknown,
 * the options as create() checks them, the arena size, the weights' and the training state's shapes
 * against the layers, and the checksum. Nothing is allocated for the network until all of it passes.
 * Returns it as the current version describes it (no dropout before version 3; only the moments in use).
 */
export function readNetworkJSON(json: unknown): NetworkJSON {
  const j = parseNetworkJSON(json);
  const options = checkOptions(j);
  // Sizes before contents: a few bytes declaring huge layers are refused before anything is read or allocated.
  const plan = checkedPlan({ ...networkShape(options), passRows: PASS_ROWS, dataRows: 0 });
  checkParameters(j, options.layers);
  const inUse = plan.optStateCount;
  if (j.trainingState !== undefined)
    checkTrainingState(j.trainingState, options.layers, j.version === 1 ? 2 * plan.paramCount : inUse);
  const { checksum, ...content } = j;
  if (typeof checksum !== 'string' || checksum !== checksumOf(content, j.version)) {
    throw new ValueError('json.checksum', 'checksum mismatch: the file was changed or corrupted after it was written');
  }
  const read = { ...j, dropout: options.dropout } as unknown as NetworkJSON;
  if (read.trainingState && j.version === 1)
    read.trainingState = { ...read.trainingState, moments: read.trainingState.moments.slice(0, inUse) };
  return read;
}
