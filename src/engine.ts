// The engine boundary: what the facade asks of an engine. Flat: numbers and packed Float32 rows
// in, numbers and copies out. Both engines (src/js/, and the WebAssembly core) implement it.
import type { ArenaPlan } from './plan.js';
import type { LayerSpec } from './registry.js';

export type EngineName = 'js' | 'wasm';

/** The network as the engines run it: its layers desugared into kinds (options.ts), codes from the registry. */
export interface NetworkShape {
  /** Input width. */
  inputs: number;
  layers: readonly LayerSpec[];
  /** Loss code. */
  loss: number;
  /** Optimiser state vectors per parameter (the optimiser's registry entry). */
  stateVectors: number;
}

/** How updates are made, written into the arena header's persistent words. */
export interface UpdateRule {
  /** The optimiser's code. */
  optimizer: number;
  /** Its settings, slot by slot as its registry entry places them (booleans as 1 or 0). */
  settings: readonly number[];
  learningRate: number;
  /** Weight decay of the weights (not the biases); 0 for none. */
  l2: number;
  /** Largest global gradient norm; 0 for no clipping. */
  clipNorm: number;
  /** Count right answers while training (an output activation that classifies). */
  classify: boolean;
}

/** Everything an optimiser carries from step to step. */
export interface OptimizerState {
  /** Its state vectors in the parameters' layout (none for SGD, momentum's velocity, Adam's m then v). */
  moments: Float32Array;
  step: number;
  beta1Power: number;
  beta2Power: number;
}

/** What a step changes: restoring it undoes any number of steps (the training rows aside). */
export interface TrainingState {
  params: Float32Array;
  rng: Uint32Array;
  optimizer: OptimizerState;
}

export interface Engine {
  readonly name: EngineName;
  /** The arena layout in force. */
  readonly plan: ArenaPlan;
  /**
   * Makes room for passes of `passRows` rows and `dataRows` training rows; keeps parameters, generator
   * and optimiser. A transaction: on MemoryError (too big, or refused by the host) nothing has changed.
   */
  reserve(passRows: number, dataRows: number): void;
  /** Throws the MemoryError that reserve(passRows, dataRows) would throw for size, allocating nothing. */
  checkRoom(passRows: number, dataRows: number): void;
  /** Gives back the training set's region (after a fit) when it is 1 MiB or more; keeps everything else. */
  releaseData(): void;
  /** Seeds the generator, draws the initial weights by rule `init` (an INIT_ code) and resets the optimiser. */
  initParams(seed: number, init: number): void;
  /** Sets the update rule (the learning rate included) used by every later step. */
  setUpdateRule(rule: UpdateRule): void;
  /** The learning rate in force (as the update rule set it). */
  readonly learningRate: number;
  /** A copy of every parameter: W1 (out × in, row-major), b1, W2, b2, … */
  getParams(): Float32Array;
  setParams(values: Float32Array): void;
  /** A copy of the gradients of the last backward pass, in the parameters' layout. */
  getGrads(): Float32Array;
  /** A copy of the generator's four state words. */
  getRngState(): Uint32Array;
  setRngState(state: Uint32Array): void;
  getOptimizerState(): OptimizerState;
  setOptimizerState(state: OptimizerState): void;
  /** A copy of parameters, generator and optimiser state, for restoreState. */
  saveState(): TrainingState;
  restoreState(state: TrainingState): void;
  /** Whether every parameter and every optimiser state value is finite: one pass in the engine. */
  stateFinite(): boolean;
  /** Copies the training set in (rows × inputs, rows × outputs) and resets the shuffle order. */
  loadData(x: Float32Array, y: Float32Array, rows: number): void;
  /**
   * Runs up to `epochs` epochs over the loaded rows, writing each epoch's summed loss to
   * `losses[offset + e]` and its right answers (when classifying) to `correct[offset + e]`.
   * Stops after the first epoch whose loss is not finite; returns how many ran.
   */
  trainEpochs(
    epochs: number,
    batchSize: number,
    shuffle: boolean,
    losses: Float64Array,
    correct: Float64Array,
    offset: number,
  ): number;
  /** One gradient step on these rows as one batch; returns their summed loss before the step. */
  trainBatch(x: Float32Array, y: Float32Array, rows: number): number;
  /**
   * trainBatch, undone when it leaves the loss, a parameter or a moment in use non-finite: then it
   * returns NaN and the network is as before. Saves only what a step changes, into a reused buffer.
   */
  trainBatchOrUndo(x: Float32Array, y: Float32Array, rows: number): number;
  /** Forward (dropout on, as in training) and backward without a step (gradients then readable by getGrads); returns the summed loss. */
  computeGradients(x: Float32Array, y: Float32Array, rows: number): number;
  /** The summed loss over these rows, and how many of them the network gets right (dropout off). */
  evaluate(x: Float32Array, y: Float32Array, rows: number): { loss: number; correct: number };
  /** Writes rows × outputs predictions to `out`. */
  predict(x: Float32Array, rows: number, out: Float32Array): void;
  /** The arithmetic of the matrix products: 'fma' only for the wasm engine's FMA build. */
  readonly arithmetic: 'portable' | 'fma';
  /** The threads this engine's calls may run on: its team's size (1: none; the js engine is always 1). */
  readonly threads: number;
  /** Runs later calls on at most `threads` threads (undefined: the team's size again). */
  limitThreads(threads: number | undefined): void;
  dispose(): void;
}
