// backprop-wasm: the public entry point.
export { NeuralNetwork } from './network.js';
export type { NetworkJSON, Targets, Weights } from './network.js';
export type { FitHistory, FitProgress } from './training.js';
export type { Matrix, Row, TypedMatrix } from './data.js';
export type {
  Activation,
  EarlyStopping,
  Arithmetic,
  EngineChoice,
  EpochLogs,
  FitAsyncOptions,
  FitOptions,
  Init,
  Loss,
  NetworkOptions,
  OptimizerOptions,
  OutputActivation,
} from './options.js';
export type { EngineName } from './engine.js';
export { BackpropError, DivergenceError, MemoryError, ShapeError, StateError, ValueError } from './errors.js';
export { seededRandom } from './random.js';
export type { SeededRandom } from './random.js';
