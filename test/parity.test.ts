// The two engines compute the same thing: identical initial weights for a seed, and losses, weights and
// predictions that agree within float32 tolerances (summation order and exp differ).
import { describe, expect, it } from 'vitest';
import { NeuralNetwork, type NetworkOptions } from '../src/index.js';
import { optdigits, standardiser } from '../examples/datasets.js';

const bits = (w: { weights: number[][][]; biases: number[][] }): string =>
  Buffer.from(Float32Array.from([...w.weights.flat(2), ...w.biases.flat()]).buffer).toString('hex');

const pair = async (options: NetworkOptions): Promise<[NeuralNetwork, NeuralNetwork]> => [
  await NeuralNetwork.create({ ...options, engine: 'wasm' }),
  await NeuralNetwork.create({ ...options, engine: 'js' }),
];

describe('wasm ↔ js parity', () => {
  it('the same seed gives bit-identical initial weights', async () => {
    for (const [layers, seed] of [
      [[2, 2, 1], 1],
      [[64, 32, 10], 42],
      [[784, 128, 64, 10], 0xdeadbeef],
      [[5, 1], 0],
    ] as const) {
      const [w, j] = await pair({ layers: [...layers], seed });
      expect(bits(w.getWeights())).toBe(bits(j.getWeights()));
    }
  });

  it('20 mini-batch steps on optdigits give losses within 1e-5 relative', async () => {
    const { X, y } = optdigits('train');
    for (const [activation, outputActivation, loss] of [
      ['sigmoid', 'sigmoid', 'mse'],
      ['tanh', 'softmax', 'crossEntropy'],
      ['relu', 'softmax', 'crossEntropy'],
      ['leakyRelu', 'identity', 'mse'],
    ] as const) {
      const [w, j] = await pair({
        layers: [64, 32, 10],
        activation,
        outputActivation,
        loss,
        learningRate: 0.1,
        seed: 3,
      });
      for (let step = 0; step < 20; step++) {
        const rows = X.slice(step * 32, step * 32 + 32),
          targets = y.slice(step * 32, step * 32 + 32);
        const a = w.fitPartial(rows, targets),
          b = j.fitPartial(rows, targets);
        expect(
          Math.abs(a - b) / Math.abs(b),
          `${activation}/${outputActivation} step ${step}: ${a} vs ${b}`,
        ).toBeLessThan(1e-5);
      }
    }
  });

  it('after 3 shuffled epochs on optdigits, predictions agree within 1e-4', async () => {
    const train = optdigits('train'),
      test = optdigits('test');
    const [w, j] = await pair({
      layers: [64, 32, 10],
      activation: 'tanh',
      outputActivation: 'softmax',
      loss: 'crossEntropy',
      seed: 8,
    });
    const hw = w.fit(train.X, train.y, { epochs: 3, batchSize: 32, shuffle: true, displayUpdate: 0 });
    const hj = j.fit(train.X, train.y, { epochs: 3, batchSize: 32, shuffle: true, displayUpdate: 0 });
    hw.loss.forEach((l, e) => expect(Math.abs(l - hj.loss[e]) / hj.loss[e]).toBeLessThan(1e-4));
    const pw = w.predict(test.X).flat(),
      pj = j.predict(test.X).flat();
    expect(Math.max(...pw.map((v, i) => Math.abs(v - pj[i])))).toBeLessThan(1e-4);
  });

  // The settings of test/datasets.test.ts's accuracy runs, which train on wasm only: the js engine
  // follows the same training (SGD; Adam with L2 on standardised inputs). Observed gaps are at most
  // 5e-8 relative in the losses and 7e-7 in weights and predictions: the bounds leave 14–25× room.
  it.each([
    [
      'SGD, 64-32-10 tanh + softmax (the ≥ 95% run)',
      {
        layers: [64, 32, 10],
        activation: 'tanh',
        outputActivation: 'softmax',
        loss: 'crossEntropy',
        learningRate: 0.1,
        seed: 1,
      },
      false,
      'y',
    ],
    [
      'Adam with L2, 64-128-10 relu + softmax (the ≥ 97% run)',
      {
        layers: [64, 128, 10],
        activation: 'relu',
        outputActivation: 'softmax',
        loss: 'crossEntropy',
        optimizer: 'adam',
        learningRate: 0.001,
        l2: 1e-3,
        init: 'he',
        seed: 1,
      },
      true,
      'labels',
    ],
  ] as [string, NetworkOptions, boolean, 'y' | 'labels'][])(
    '%s: 3 shuffled epochs on optdigits give losses within 1e-6, weights and predictions within 1e-5',
    async (_, options, standardise, targets) => {
      const train = optdigits('train'),
        test = optdigits('test');
      const scale = standardise ? standardiser(train.X) : (X: number[][]) => X;
      const [w, j] = await pair(options);
      const fit = { epochs: 3, batchSize: 16, shuffle: true, displayUpdate: 0 };
      const hw = w.fit(scale(train.X), train[targets], fit),
        hj = j.fit(scale(train.X), train[targets], fit);
      hw.loss.forEach((l, e) =>
        expect(Math.abs(l - hj.loss[e]) / hj.loss[e], `epoch ${e + 1}: ${l} vs ${hj.loss[e]}`).toBeLessThan(1e-6),
      );
      const ww = w.getWeights(),
        wj = j.getWeights();
      const gap = (a: number[], b: number[]): number => Math.max(...a.map((v, i) => Math.abs(v - b[i])));
      expect(
        gap([...ww.weights.flat(2), ...ww.biases.flat()], [...wj.weights.flat(2), ...wj.biases.flat()]),
        'weights',
      ).toBeLessThan(1e-5);
      expect(gap(w.predict(scale(test.X)).flat(), j.predict(scale(test.X)).flat()), 'predictions').toBeLessThan(1e-5);
    },
  );
});
