// The benchmark workloads: fixed and seeded, described once here. The orchestrator turns each into
// input files (bench/inputs.ts) that every contender — ours and the peers — reads, so that all of
// them start from the same weights and train on the same rows.
import { letters, optdigits } from '../examples/datasets.js';
import type { Activation, Loss, OutputActivation } from '../src/index.js';
import { layerSpecs } from '../src/options.js';
import { planArena, type ParameterPlan } from '../src/plan.js';

export interface Workload {
  id: string;
  title: string;
  layers: number[];
  activation: Activation;
  outputActivation: OutputActivation;
  loss: Loss;
  learningRate: number;
  batchSize: number;
  /** 'train': one call is `fit` for some epochs; 'predict': one call predicts every row. */
  kind: 'train' | 'predict';
  /** What throughput counts: epochs (W1), training samples, or predicted rows. */
  unit: 'epochs' | 'samples' | 'rows';
  /** The peer libraries whose API can express this workload. */
  peers: string[];
  /** Epochs per timed call, by contender ('*' for the rest): slow contenders do less per call. */
  epochsPerCall: Record<string, number>;
  /** Epochs trained from the shared weights before the check predictions. */
  checkEpochs: number;
  /** What the check reports: the mean per-sample loss on the check rows, or test accuracy. */
  check: 'loss' | 'accuracy';
  /** The rows: training (or prediction) set, and the held-out set for an accuracy check. */
  data: () => Rows;
}

export interface Rows {
  x: Float32Array;
  y: Float32Array;
  rows: number;
  testX?: Float32Array;
  testLabels?: Int32Array;
}

/** Seeded uniform numbers in [0, 1), from a generator independent of the library's. */
function uniform(count: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const data = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    data[i] = s / 4294967296;
  }
  return data;
}

/** Seeded random one-hot targets. */
function randomOneHot(rows: number, classes: number, seed: number): Float32Array {
  const y = new Float32Array(rows * classes);
  uniform(rows, seed).forEach((v, r) => {
    y[r * classes + Math.floor(v * classes)] = 1;
  });
  return y;
}

const flat = (rows: number[][]): Float32Array => Float32Array.from(rows.flat());

export const WORKLOADS: Workload[] = [
  {
    id: 'xor-seed',
    title: 'W1 xor-seed: 2-2-1, the 4 XOR rows, batch 1, sigmoid, lr 0.1',
    layers: [2, 2, 1],
    activation: 'sigmoid',
    outputActivation: 'sigmoid',
    loss: 'mse',
    learningRate: 0.1,
    batchSize: 1,
    kind: 'train',
    unit: 'epochs',
    peers: ['brain', 'tfjs-cpu', 'tfjs-wasm'],
    epochsPerCall: { '*': 100_000, js: 20_000, brain: 20_000, 'tfjs-cpu': 20, 'tfjs-wasm': 20 },
    checkEpochs: 1000,
    check: 'loss',
    data: () => ({
      x: flat([
        [0, 0],
        [0, 1],
        [1, 0],
        [1, 1],
      ]),
      y: flat([[0], [1], [1], [0]]),
      rows: 4,
    }),
  },
  {
    id: 'digits',
    title: 'W2 digits: 64-32-10 on optdigits-train (3,823 rows), batch 32, sigmoid + softmax/cross-entropy',
    layers: [64, 32, 10],
    activation: 'sigmoid',
    outputActivation: 'softmax',
    loss: 'crossEntropy',
    learningRate: 0.5,
    batchSize: 32,
    kind: 'train',
    unit: 'samples',
    peers: ['tfjs-cpu', 'tfjs-wasm'],
    epochsPerCall: { '*': 5, js: 1, 'tfjs-cpu': 1, 'tfjs-wasm': 1 },
    checkEpochs: 3,
    check: 'loss',
    data: () => {
      const d = optdigits('train');
      return { x: flat(d.X), y: flat(d.y), rows: d.X.length };
    },
  },
  {
    id: 'mnist-like',
    title: 'W3 mnist-like: 784-128-64-10, 10,000 seeded rows, batch 64, sigmoid + softmax/cross-entropy',
    layers: [784, 128, 64, 10],
    activation: 'sigmoid',
    outputActivation: 'softmax',
    loss: 'crossEntropy',
    learningRate: 0.05,
    batchSize: 64,
    kind: 'train',
    unit: 'samples',
    peers: ['tfjs-cpu', 'tfjs-wasm'],
    epochsPerCall: { '*': 1 },
    checkEpochs: 1,
    check: 'loss',
    data: () => ({ x: uniform(10_000 * 784, 1), y: randomOneHot(10_000, 10, 2), rows: 10_000 }),
  },
  {
    id: 'inference',
    title: 'W4 inference: 784-256-10, predict 10,000 seeded rows',
    layers: [784, 256, 10],
    activation: 'sigmoid',
    outputActivation: 'softmax',
    loss: 'crossEntropy',
    learningRate: 0.05,
    batchSize: 256,
    kind: 'predict',
    unit: 'rows',
    peers: ['tfjs-cpu', 'tfjs-wasm'],
    epochsPerCall: { '*': 1 },
    checkEpochs: 0,
    check: 'loss',
    data: () => ({ x: uniform(10_000 * 784, 3), y: randomOneHot(10_000, 10, 4), rows: 10_000 }),
  },
  {
    id: 'letters',
    title: 'W5 letters: 16-128-26 on letter-recognition (first 16,000 rows), batch 32, tanh + softmax/cross-entropy',
    layers: [16, 128, 26],
    activation: 'tanh',
    outputActivation: 'softmax',
    loss: 'crossEntropy',
    learningRate: 0.1,
    batchSize: 32,
    kind: 'train',
    unit: 'samples',
    peers: ['tfjs-cpu', 'tfjs-wasm'],
    epochsPerCall: { '*': 2, js: 1, 'tfjs-cpu': 1, 'tfjs-wasm': 1 },
    checkEpochs: 10,
    check: 'accuracy',
    data: () => {
      const d = letters();
      return {
        x: flat(d.X.slice(0, 16_000)),
        y: flat(d.y.slice(0, 16_000)),
        rows: 16_000,
        testX: flat(d.X.slice(16_000)),
        testLabels: Int32Array.from(d.labels.slice(16_000)),
      };
    },
  },
];

export function epochsPerCall(workload: Workload, contender: string): number {
  return workload.epochsPerCall[contender] ?? workload.epochsPerCall['*'];
}

/** The workload's dense layers as the library lays them out (src/plan.ts), and its parameter count. */
function parameters(workload: Workload): { parameters: ParameterPlan[]; paramCount: number } {
  const { layers, activation, outputActivation } = workload;
  const specs = layerSpecs({
    layers,
    activation,
    outputActivation,
    dropout: new Array<number>(layers.length - 2).fill(0),
  });
  return planArena({ inputs: layers[0], layers: specs, loss: 0, stateVectors: 0, passRows: 0, dataRows: 0 });
}

/** FLOPs of one call under the stated convention: 6 × parameters per training sample, 2 × per inferred row. */
export function flopsPerCall(workload: Workload, rows: number, epochs: number): number {
  const { paramCount } = parameters(workload);
  return workload.kind === 'predict' ? 2 * paramCount * rows : 6 * paramCount * rows * epochs;
}

/**
 * The multiply-adds one call really does, ×2: the forward product of every layer, the weight
 * gradient of every layer, and the input gradient of every layer but the first (backprop never
 * needs it). Shares of the ceiling use this, since the convention overstates training work.
 */
export function actualFlopsPerCall(workload: Workload, rows: number, epochs: number): number {
  const products = parameters(workload).parameters.map(({ rows: units, cols }) => 2 * units * cols);
  const forward = products.reduce((a, b) => a + b, 0);
  if (workload.kind === 'predict') return forward * rows;
  return (forward + forward + (forward - products[0])) * rows * epochs;
}
