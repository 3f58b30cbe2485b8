// The messages between fitAsync({ worker: true }) and its training thread (src/worker.ts).
// Only these cross: one request, a few log and progress messages, and the final state.
import type { TypedMatrix } from './data.js';
import type { EngineName, NetworkShape, OptimizerState, UpdateRule } from './engine.js';
import type { Arithmetic, ResolvedFitOptions } from './options.js';
import type { FitHistory } from './training.js';

export interface FitRequest {
  type: 'fit';
  engine: EngineName;
  /** The network's threads: the training thread's engine is a team of as many. */
  threads: number | 'auto';
  /** The network's arithmetic option: the training thread's engine runs the same build. */
  arithmetic: Arithmetic;
  shape: NetworkShape;
  rule: UpdateRule;
  params: Float32Array;
  rng: Uint32Array;
  optimizer: OptimizerState;
  x: TypedMatrix;
  t: TypedMatrix;
  validation?: { x: TypedMatrix; t: TypedMatrix };
  /** fit's options but the callbacks, which cannot cross threads. */
  fit: Omit<ResolvedFitOptions, 'log' | 'onEpochEnd' | 'validationData'>;
}

/** The network's state when the thread stopped: after the last epoch, or as restored on divergence. */
export interface FinalState {
  params: Float32Array;
  rng: Uint32Array;
  optimizer: OptimizerState;
  history: FitHistory;
}

/**
 * `done`'s `members`: the most members of the thread's team that ran a call (its engine's
 * mostMembers; 1 without a team). For the tests, which have no other way to see that a worker fit
 * really ran on threads (the caller's network may run on one).
 */
export type WorkerMessage =
  | { type: 'log'; line: string }
  | { type: 'progress'; epoch: number; epochs: number; loss: number }
  | ({ type: 'done'; members: number } & FinalState)
  | ({ type: 'failed'; name: string; message: string; details: ErrorDetails } & FinalState);

/** The fields of the library's typed errors (DivergenceError's epoch, ValueError's option, MemoryError's figures). */
export interface ErrorDetails {
  epoch?: number;
  option?: string;
  resource?: 'layers' | 'passRows' | 'dataRows' | 'memory';
  bytes?: number;
  limit?: number;
}

export type HostMessage = FitRequest | { type: 'abort' };
