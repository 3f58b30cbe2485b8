// The messages between fitAsync({ worker: true }) and its training thread (src/worker.ts).
// Only these cross: one request, a few log and progress messages, and the final state.
import type { NetworkShape, EngineName } from './engine.js';

export interface FitRequest {
  type: 'fit';
  engine: EngineName;
  shape: NetworkShape;
  params: Float32Array;
  rng: Uint32Array;
  x: { data: Float32Array; rows: number; cols: number };
  t: { data: Float32Array; rows: number; cols: number };
  fit: { epochs: number; batchSize: number; shuffle: boolean; displayUpdate: number };
  learningRate: number;
}

/** The network's state when the thread stopped: after the last epoch, or as restored on divergence. */
export interface FinalState {
  params: Float32Array;
  rng: Uint32Array;
  loss: number[];
}

export type WorkerMessage =
  | { type: 'log'; line: string }
  | { type: 'progress'; epoch: number; epochs: number; loss: number }
  | ({ type: 'done' } & FinalState)
  | ({ type: 'failed'; name: string; message: string; epoch?: number } & FinalState);

export type HostMessage = FitRequest | { type: 'abort' };
