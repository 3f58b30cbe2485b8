// The serialised network: what toJSON writes and fromJSON accepts. Versioned and checksummed, and
// validated field by field, so a corrupted or mismatched file is refused with a precise error.
import { ValueError } from './errors.js';
import type { ResolvedNetworkOptions } from './options.js';

export const FORMAT = 'backprop-wasm/network';
export const VERSION = 1;

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
  /** The optimiser's two state vectors in the parameters' layout (velocity; or Adam's m, then v). */
  moments: number[];
}

/** The network's options (all but the engine, which the reader chooses), weights, and optionally its training state. */
export interface NetworkJSON extends Omit<ResolvedNetworkOptions, 'engine'> {
  format: typeof FORMAT;
  version: typeof VERSION;
  weights: number[][][];
  biases: number[][];
  trainingState?: TrainingStateJSON;
  /** FNV-1a of the JSON text of every other field, so edits and truncation are caught. */
  checksum: string;
}

/** FNV-1a (32-bit) of a string's UTF-16 code units, as 8 hex digits. */
function fnv1a(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16).padStart(8, '0');
}

export function withChecksum(content: Omit<NetworkJSON, 'checksum'>): NetworkJSON {
  return { ...content, checksum: fnv1a(JSON.stringify(content)) };
}

const finiteArray = (a: unknown, length: number): boolean =>
  Array.isArray(a) && a.length === length && a.every((v) => typeof v === 'number' && Number.isFinite(v));

/**
 * Parses and checks a serialised network: format, version, checksum, and the training state's
 * shapes against the layers. Shapes and values of the weights are checked by setWeights.
 */
export function readNetworkJSON(json: unknown): NetworkJSON {
  let parsed: unknown = json;
  if (typeof json === 'string') {
    try {
      parsed = JSON.parse(json);
    } catch (e) {
      throw new ValueError('json', `not valid JSON: ${(e as Error).message}`);
    }
  }
  if (typeof parsed !== 'object' || parsed === null || (parsed as NetworkJSON).format !== FORMAT) {
    throw new ValueError('json.format', `not a serialised backprop-wasm network (format must be '${FORMAT}')`);
  }
  const { checksum, ...content } = parsed as NetworkJSON;
  if (content.version !== VERSION) {
    throw new ValueError('json.version', `unsupported version ${String(content.version)}; this library reads version ${VERSION}`);
  }
  if (typeof checksum !== 'string' || checksum !== fnv1a(JSON.stringify(content))) {
    throw new ValueError('json.checksum', 'checksum mismatch: the file was changed or corrupted after it was written');
  }
  const j = parsed as NetworkJSON;
  if (!Array.isArray(j.layers) || !j.layers.every((w) => Number.isInteger(w) && w > 0)) {
    throw new ValueError('json.layers', 'json.layers must be a list of positive integers');
  }
  const state = j.trainingState;
  if (state !== undefined) {
    const params = j.layers.slice(1).reduce((s, n, l) => s + n * (j.layers[l] + 1), 0);
    if (!finiteArray(state.rng, 4) || !state.rng.every((w) => Number.isInteger(w) && w >= 0 && w <= 0xffffffff)) {
      throw new ValueError('json.trainingState.rng', 'json.trainingState.rng must be four unsigned 32-bit integers');
    }
    if (!finiteArray(state.moments, 2 * params)) {
      throw new ValueError('json.trainingState.moments',
        `json.trainingState.moments must hold ${2 * params} finite numbers for layers [${j.layers.join(', ')}]; ` +
        `got ${Array.isArray(state.moments) ? state.moments.length : typeof state.moments}`);
    }
    for (const key of ['epoch', 'step'] as const) {
      if (!Number.isInteger(state[key]) || state[key] < 0) throw new ValueError(`json.trainingState.${key}`, `json.trainingState.${key} must be an integer ≥ 0`);
    }
    for (const key of ['beta1Power', 'beta2Power'] as const) {
      const v = state[key];
      if (typeof v !== 'number' || !(v > 0 && v <= 1)) throw new ValueError(`json.trainingState.${key}`, `json.trainingState.${key} must be in (0, 1]`);
    }
  }
  return j;
}
