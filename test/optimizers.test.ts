// The update rules against an independent float64 implementation written here: SGD with L2 and
// clipping, momentum (PyTorch's v ← μv + g), Nesterov, and bias-corrected Adam, each over a few
// steps of the same batch, with gradients from central differences of the float64 reference network.
import { describe, expect, it } from 'vitest';
import { NeuralNetwork, type NetworkOptions } from '../src/index.js';
import { OPTIMIZER_NAMES } from '../src/registry.js';
import { cloneNet, numericGradient, type RefNet } from './reference.js';
import { ENGINES, maxAbsDiff, randomMatrix } from './helpers.js';

const LAYERS = [3, 4, 2];
const X = randomMatrix(5, 3, 31, 1.2),
  Y = randomMatrix(5, 2, 32).map((r) => r.map((v) => (v > 0 ? 0.9 : 0.1)));
const STEPS = 6;
const LR = 0.05;

type Rule = (w: number, g: number, state: number[], step: number) => number;

/** Float64 versions of each rule, for one parameter; `state` is that parameter's optimiser state. */
const RULES: Record<string, { options: Partial<NetworkOptions>; rule: Rule; l2?: number; clip?: number }> = {
  sgd: { options: {}, rule: (w, g) => w - LR * g },
  momentum: {
    options: { optimizer: { type: 'momentum', momentum: 0.8 } },
    rule: (w, g, s) => {
      s[0] = 0.8 * (s[0] ?? 0) + g;
      return w - LR * s[0];
    },
  },
  nesterov: {
    options: { optimizer: { type: 'momentum', momentum: 0.8, nesterov: true } },
    rule: (w, g, s) => {
      s[0] = 0.8 * (s[0] ?? 0) + g;
      return w - LR * (g + 0.8 * s[0]);
    },
  },
  adam: {
    options: { optimizer: { type: 'adam', beta1: 0.9, beta2: 0.99, epsilon: 1e-6 } },
    rule: (w, g, s, t) => {
      s[0] = 0.9 * (s[0] ?? 0) + 0.1 * g;
      s[1] = 0.99 * (s[1] ?? 0) + 0.01 * g * g;
      const mHat = s[0] / (1 - 0.9 ** t),
        vHat = s[1] / (1 - 0.99 ** t);
      return w - (LR * mHat) / (Math.sqrt(vHat) + 1e-6);
    },
  },
  'sgd + l2': { options: { l2: 0.3 }, rule: (w, g) => w - LR * g, l2: 0.3 },
  'adam + clipNorm': {
    options: { optimizer: 'adam', clipNorm: 0.05 },
    clip: 0.05,
    rule: (w, g, s, t) => {
      s[0] = 0.9 * (s[0] ?? 0) + 0.1 * g;
      s[1] = 0.999 * (s[1] ?? 0) + 0.001 * g * g;
      return w - (LR * (s[0] / (1 - 0.9 ** t))) / (Math.sqrt(s[1] / (1 - 0.999 ** t)) + 1e-8);
    },
  },
};

describe.each(ENGINES)('optimisers against float64 (%s engine)', (engine) => {
  for (const [name, { options, rule, l2 = 0, clip = 0 }] of Object.entries(RULES)) {
    it(`${name}: ${STEPS} steps`, async () => {
      const net = await NeuralNetwork.create({
        layers: LAYERS,
        activation: 'tanh',
        outputActivation: 'sigmoid',
        learningRate: LR,
        seed: 3,
        engine,
        ...options,
      });
      net.setWeights({
        weights: net.getWeights().weights,
        biases: [randomMatrix(1, 4, 33, 0.3)[0], randomMatrix(1, 2, 34, 0.3)[0]],
      });
      const ref: RefNet = cloneNet({ ...net.getWeights(), activations: ['tanh', 'sigmoid'], loss: 'mse' });
      const state = new Map<string, number[]>();
      for (let step = 1; step <= STEPS; step++) {
        net.fitPartial(X, Y);
        const g = numericGradient(ref, X, Y, 1e-7);
        // L2 decays weights only; clipping scales the whole gradient to the norm limit.
        g.weights = g.weights.map((W, l) => W.map((row, j) => row.map((v, i) => v + l2 * ref.weights[l][j][i])));
        const norm = Math.sqrt([...g.weights.flat(2), ...g.biases.flat()].reduce((s, v) => s + v * v, 0));
        const scale = clip > 0 && norm > clip ? clip / norm : 1;
        const apply = (key: string, w: number, gv: number): number => {
          if (!state.has(key)) state.set(key, []);
          return rule(w, gv * scale, state.get(key)!, step);
        };
        ref.weights = ref.weights.map((W, l) =>
          W.map((row, j) => row.map((w, i) => apply(`w${l},${j},${i}`, w, g.weights[l][j][i]))),
        );
        ref.biases = ref.biases.map((b, l) => b.map((w, j) => apply(`b${l},${j}`, w, g.biases[l][j])));
      }
      const got = net.getWeights();
      expect(maxAbsDiff(got.weights, ref.weights)).toBeLessThan(2e-5);
      expect(maxAbsDiff(got.biases, ref.biases)).toBeLessThan(2e-5);
      expect(maxAbsDiff(got.weights, net.toJSON().weights)).toBe(0);
    });
  }

  it('refuses out-of-range settings with the option named', async () => {
    const bad: [object, RegExp][] = [
      [
        { optimizer: 'rmsprop' },
        new RegExp(`optimizer must be one of ${OPTIMIZER_NAMES.map((name) => `'${name}'`).join(', ')}; got 'rmsprop'`),
      ],
      [{ optimizer: { type: 'momentum', momentum: 1 } }, /optimizer.momentum must be a number in \[0, 1\); got 1/],
      [{ optimizer: { type: 'adam', beta2: -0.1 } }, /optimizer.beta2 must be a number in \[0, 1\)/],
      [{ optimizer: { type: 'adam', epsilon: 0 } }, /optimizer.epsilon must be a number in \(0, ∞\); got 0/],
      [{ optimizer: { type: 'adam', momentum: 0.9 } }, /unknown 'adam' optimizer option 'momentum'/],
      [{ l2: -1 }, /l2 must be a number in \[0, ∞\); got -1/],
      [{ clipNorm: 0 }, /clipNorm must be a number in \(0, ∞\); got 0/],
      [
        { init: 'glorot' },
        /init must be one of 'seed', 'xavier', 'xavierUniform', 'xavierNormal', 'he', 'heUniform', 'heNormal'/,
      ],
    ];
    for (const [options, message] of bad) {
      await expect(NeuralNetwork.create({ layers: [2, 1], engine, ...options } as NetworkOptions)).rejects.toThrow(
        message,
      );
    }
  });
});

describe('initialisers', () => {
  it('draw from the stated distributions, bit-identically on both engines', async () => {
    const fanIn = 300,
      fanOut = 200;
    const expected = {
      xavierUniform: 2 / (fanIn + fanOut),
      xavierNormal: 2 / (fanIn + fanOut),
      heUniform: 2 / fanIn,
      heNormal: 2 / fanIn,
    };
    for (const [init, variance] of Object.entries(expected)) {
      const [w, j] = await Promise.all(
        (['wasm', 'js'] as const).map((engine) =>
          NeuralNetwork.create({ layers: [fanIn, fanOut], init: init as 'heNormal', seed: 4, engine }),
        ),
      );
      const values = w.getWeights().weights[0].flat();
      expect(values).toEqual(j.getWeights().weights[0].flat());
      const mean = values.reduce((s, v) => s + v, 0) / values.length;
      const v = values.reduce((s, x) => s + (x - mean) ** 2, 0) / values.length;
      expect(Math.abs(v / variance - 1), init).toBeLessThan(0.02);
      const limit = Math.sqrt(3 * variance);
      if (init.endsWith('Uniform')) expect(Math.max(...values.map(Math.abs))).toBeLessThanOrEqual(limit);
      else expect(Math.max(...values.map(Math.abs))).toBeGreaterThan(limit); // normal tails reach past the uniform's edge
    }
  });
});
