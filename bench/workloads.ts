// The benchmark workloads: fixed, seeded, the same for every contender. Each prepares a network
// and its data once and returns the call to time and how much work one call does.
import { NeuralNetwork, type EngineName, type TypedMatrix } from '../src/index.js';

export interface Prepared {
  /** One timed call. */
  run: () => void;
  /** Units of work one call does (epochs, samples or rows), named by `unit`. */
  work: number;
  unit: string;
  /** Floating-point operations one call does, when the convention defines them. */
  flops?: number;
  /** A number the call computes, compared across contenders to show they computed the same thing. */
  check: () => number;
}

export interface Workload {
  id: string;
  title: string;
  prepare: (engine: EngineName) => Promise<Prepared>;
}

/** Seeded uniform rows in [0, 1), from a generator independent of the library's. */
function randomRows(rows: number, cols: number, seed: number): TypedMatrix {
  let s = seed >>> 0;
  const data = new Float32Array(rows * cols);
  for (let i = 0; i < data.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    data[i] = s / 4294967296;
  }
  return { data, rows, cols };
}

/** One-hot targets of seeded random classes. */
function randomClasses(rows: number, classes: number, seed: number): TypedMatrix {
  const u = randomRows(rows, 1, seed).data;
  const data = new Float32Array(rows * classes);
  u.forEach((v, r) => { data[r * classes + Math.floor(v * classes)] = 1; });
  return { data, rows, cols: classes };
}

const paramCount = (layers: number[]): number => layers.slice(1).reduce((s, n, l) => s + n * (layers[l] + 1), 0);

export const WORKLOADS: Workload[] = [
  {
    id: 'xor-seed',
    title: 'W1 xor-seed: 2-2-1, batch 1, sigmoid, lr 0.1, 100,000 epochs per call',
    prepare: async (engine) => {
      const net = await NeuralNetwork.create({ layers: [2, 2, 1], learningRate: 0.1, seed: 1, engine });
      const X = [[0, 0], [0, 1], [1, 0], [1, 1]], y = [[0], [1], [1], [0]];
      const epochs = 100_000;
      return {
        run: () => { net.fit(X, y, { epochs, displayUpdate: 0 }); },
        work: epochs, unit: 'epochs',
        check: () => net.calculateLoss(X, y),
      };
    },
  },
  {
    id: 'mnist-like',
    title: 'W3 mnist-like: 784-128-64-10, 10,000 seeded rows, batch 64, sigmoid + softmax/cross-entropy, one epoch per call',
    prepare: async (engine) => {
      const layers = [784, 128, 64, 10];
      const net = await NeuralNetwork.create({ layers, outputActivation: 'softmax', loss: 'crossEntropy', learningRate: 0.05, seed: 1, engine });
      const X = randomRows(10_000, 784, 1), y = randomClasses(10_000, 10, 2);
      return {
        run: () => { net.fit(X, y, { epochs: 1, batchSize: 64, displayUpdate: 0 }); },
        work: X.rows, unit: 'samples', flops: 6 * paramCount(layers) * X.rows,
        check: () => net.calculateLoss({ data: X.data.subarray(0, 784 * 100), rows: 100, cols: 784 }, { data: y.data.subarray(0, 1000), rows: 100, cols: 10 }),
      };
    },
  },
  {
    id: 'inference',
    title: 'W4 inference: 784-256-10, predict 10,000 seeded rows per call',
    prepare: async (engine) => {
      const layers = [784, 256, 10];
      const net = await NeuralNetwork.create({ layers, outputActivation: 'softmax', loss: 'crossEntropy', seed: 1, engine });
      const X = randomRows(10_000, 784, 3);
      let last = 0;
      return {
        run: () => { last = net.predict(X).data[12345]; },
        work: X.rows, unit: 'rows', flops: 2 * paramCount(layers) * X.rows,
        check: () => last,
      };
    },
  },
];
