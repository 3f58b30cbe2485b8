// An independent float64 multi-layer perceptron, written loop by loop from the textbook formulas,
// used as the oracle of the tests. It shares no code with either engine; its activations are the
// registry's names (a type only), so a new activation does not type-check until it has a case here.
import type { OutputActivation } from '../src/registry.js';

export type Act = OutputActivation;

export interface RefNet {
  weights: number[][][]; // [layer][out][in]
  biases: number[][];
  activations: Act[]; // one per weight layer
  loss: 'mse' | 'crossEntropy';
  /** Dropout's factors: row r's hidden layer l is multiplied by masks[l][r · width + j] after its activation. */
  masks?: number[][];
}

function activate(act: Act, z: number[]): number[] {
  switch (act) {
    case 'sigmoid':
      return z.map((v) => 1 / (1 + Math.exp(-v)));
    case 'tanh':
      return z.map(Math.tanh);
    case 'relu':
      return z.map((v) => Math.max(0, v));
    case 'leakyRelu':
      return z.map((v) => (v > 0 ? v : 0.01 * v));
    case 'identity':
      return [...z];
    case 'softmax': {
      const max = Math.max(...z);
      const e = z.map((v) => Math.exp(v - max));
      const s = e.reduce((a, b) => a + b, 0);
      return e.map((v) => v / s);
    }
  }
}

/** Every layer's activations for one sample (row `row` of its batch, for the masks), input first. */
export function refForward(net: RefNet, x: number[], row = 0): number[][] {
  const acts = [x];
  net.weights.forEach((W, l) => {
    const a = acts[l];
    const z = W.map((w, j) => w.reduce((s, v, i) => s + v * a[i], net.biases[l][j]));
    const out = activate(net.activations[l], z);
    const mask = l < net.weights.length - 1 ? net.masks?.[l] : undefined;
    acts.push(mask ? out.map((v, j) => v * mask[row * out.length + j]) : out);
  });
  return acts;
}

export function refSampleLoss(net: RefNet, x: number[], t: number[], row = 0): number {
  const p = refForward(net, x, row).at(-1)!;
  if (net.loss === 'mse') return 0.5 * p.reduce((s, v, j) => s + (v - t[j]) ** 2, 0);
  if (net.activations.at(-1) === 'softmax') return -t.reduce((s, tj, j) => s + (tj === 0 ? 0 : tj * Math.log(p[j])), 0);
  return -t.reduce((s, tj, j) => s + tj * Math.log(p[j]) + (1 - tj) * Math.log(1 - p[j]), 0);
}

/** Mean per-sample loss over the rows. */
export function refMeanLoss(net: RefNet, X: number[][], Y: number[][]): number {
  return X.reduce((s, x, i) => s + refSampleLoss(net, x, Y[i], i), 0) / X.length;
}

export function cloneNet(net: RefNet): RefNet {
  return { ...net, weights: net.weights.map((W) => W.map((r) => [...r])), biases: net.biases.map((b) => [...b]) };
}

/**
 * Central-difference gradient of the mean loss with respect to every weight and bias,
 * in float64 (step h), in the getWeights() layout.
 */
export function numericGradient(
  net: RefNet,
  X: number[][],
  Y: number[][],
  h = 1e-6,
): { weights: number[][][]; biases: number[][] } {
  const probe = cloneNet(net);
  const at = (set: (v: number) => void, v0: number): number => {
    set(v0 + h);
    const plus = refMeanLoss(probe, X, Y);
    set(v0 - h);
    const minus = refMeanLoss(probe, X, Y);
    set(v0);
    return (plus - minus) / (2 * h);
  };
  return {
    weights: probe.weights.map((W) =>
      W.map((row) =>
        row.map((v, i) =>
          at((n) => {
            row[i] = n;
          }, v),
        ),
      ),
    ),
    biases: probe.biases.map((b) =>
      b.map((v, j) =>
        at((n) => {
          b[j] = n;
        }, v),
      ),
    ),
  };
}

/**
 * The seed's backpropagation for one sigmoid/MSE sample: deltas from the output back, then
 * w −= lr · δ_{l+1} a_lᵀ, b −= lr · δ_{l+1}. Mutates `net`.
 */
export function refSigmoidStep(net: RefNet, x: number[], t: number[], lr: number): void {
  const acts = refForward(net, x);
  const L = net.weights.length;
  const deltas: number[][] = new Array(L + 1);
  const out = acts[L];
  deltas[L] = out.map((a, j) => (a - t[j]) * a * (1 - a));
  for (let l = L - 1; l >= 1; l--) {
    deltas[l] = acts[l].map(
      (a, i) => net.weights[l].reduce((s, row, j) => s + row[i] * deltas[l + 1][j], 0) * a * (1 - a),
    );
  }
  for (let l = 0; l < L; l++) {
    net.weights[l].forEach((row, j) =>
      row.forEach((_, i) => {
        row[i] -= lr * deltas[l + 1][j] * acts[l][i];
      }),
    );
    net.biases[l].forEach((_, j) => {
      net.biases[l][j] -= lr * deltas[l + 1][j];
    });
  }
}
