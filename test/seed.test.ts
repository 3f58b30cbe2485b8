// The seed's own examples: XOR, calculate_loss, and a per-sample trajectory checked step by step
// against an independent float64 implementation of the seed's fit_partial update rule (per-sample
// gradient descent on ½·Σ(ŷ − y)² through sigmoid units) on the standard model with explicit biases,
// not the seed's bias trick, whose extra hidden column is a trained unit (see the README).
import { describe, expect, it } from 'vitest';
import { NeuralNetwork } from '../src/index.js';
import { cloneNet, refForward, refSampleLoss, refSigmoidStep, type RefNet } from './reference.js';
import { ENGINES, XOR_X, XOR_Y, maxAbsDiff, randomMatrix } from './helpers.js';

describe.each(ENGINES)('the seed (%s engine)', (engine) => {
  it('learns XOR with the NumPy class settings: 2-2-1, alpha 0.5, 20,000 per-sample epochs', async () => {
    const net = await NeuralNetwork.create({ layers: [2, 2, 1], alpha: 0.5, seed: 1, engine });
    const lines: string[] = [];
    const history = net.fit(XOR_X, XOR_Y, { epochs: 20000, log: (l) => lines.push(l) });
    expect(maxAbsDiff(net.predict(XOR_X), XOR_Y)).toBeLessThan(0.1);
    expect(lines).toHaveLength(201); // epoch 1, then every 100
    expect(lines[0]).toMatch(/^\[INFO\] epoch=1, loss=\d+\.\d{7}$/);
    expect(lines[200]).toMatch(/^\[INFO\] epoch=20000, loss=\d+\.\d{7}$/);
    expect(Number(lines[200].split('loss=')[1])).toBeCloseTo(net.calculateLoss(XOR_X, XOR_Y), 6);
    expect(history.loss).toHaveLength(20000);
    expect(history.loss[19999]).toBeLessThan(history.loss[0] / 10);
  });

  it('learns XOR as the tutorials do: lr 0.1, 10,000 full-batch epochs summing per-sample gradients', async () => {
    // A full-batch summed update with rate 0.1 is a batch-mean update with rate 0.1 × 4.
    const net = await NeuralNetwork.create({ layers: [2, 2, 1], learningRate: 0.1 * 4, seed: 1, engine });
    net.fit(XOR_X, XOR_Y, { epochs: 10000, batchSize: 4, displayUpdate: 0 });
    expect(maxAbsDiff(net.predict(XOR_X), XOR_Y)).toBeLessThan(0.1);
  });

  it('calculateLoss is ½·Σ(prediction − target)², computed independently in float64', async () => {
    const net = await NeuralNetwork.create({ layers: [4, 6, 3], seed: 3, engine });
    const X = randomMatrix(9, 4, 5),
      Y = randomMatrix(9, 3, 6).map((r) => r.map(Math.abs));
    const ref: RefNet = { ...net.getWeights(), activations: ['sigmoid', 'sigmoid'], loss: 'mse' };
    const expected = X.reduce(
      (s, x, i) => s + 0.5 * refForward(ref, x)[2].reduce((t, p, j) => t + (p - Y[i][j]) ** 2, 0),
      0,
    );
    expect(net.calculateLoss(X, Y)).toBeCloseTo(expected, 5);
    expect(net.calculate_loss(X, Y)).toBe(net.calculateLoss(X, Y));
  });

  it("follows the float64 per-sample trajectory of the seed's update rule (explicit biases) for 5 epochs from fixed weights", async () => {
    const net = await NeuralNetwork.create({ layers: [3, 4, 2], learningRate: 0.5, seed: 0, engine });
    const start = {
      weights: [randomMatrix(4, 3, 21, 0.8), randomMatrix(2, 4, 22, 0.8)],
      biases: [randomMatrix(1, 4, 23, 0.3)[0], randomMatrix(1, 2, 24, 0.3)[0]],
    };
    net.setWeights(start);
    const X = randomMatrix(7, 3, 25),
      Y = randomMatrix(7, 2, 26).map((r) => r.map((v) => (v > 0 ? 1 : 0)));
    const ref: RefNet = cloneNet({ ...net.getWeights(), activations: ['sigmoid', 'sigmoid'], loss: 'mse' });
    const seen: { weights: number[][][]; biases: number[][] }[] = [];
    const history = net.fit(X, Y, { epochs: 5, displayUpdate: 0, onEpochEnd: () => seen.push(net.getWeights()) });
    for (let epoch = 0; epoch < 5; epoch++) {
      let lossSum = 0;
      X.forEach((x, i) => {
        lossSum += refSampleLoss(ref, x, Y[i]);
        refSigmoidStep(ref, x, Y[i], 0.5);
      });
      expect(history.loss[epoch]).toBeCloseTo(lossSum / X.length, 6);
      expect(maxAbsDiff(seen[epoch].weights, ref.weights)).toBeLessThan(1e-5);
      expect(maxAbsDiff(seen[epoch].biases, ref.biases)).toBeLessThan(1e-5);
    }
    expect(maxAbsDiff(ref.weights, start.weights)).toBeGreaterThan(1e-2); // the weights did move
  });

  it("fitPartial is one step of the seed's fit_partial rule (explicit biases) and returns the loss before it", async () => {
    const net = await NeuralNetwork.create({ layers: [2, 3, 1], learningRate: 0.3, seed: 4, engine });
    const ref: RefNet = cloneNet({ ...net.getWeights(), activations: ['sigmoid', 'sigmoid'], loss: 'mse' });
    const before = refSampleLoss(ref, [0.2, -0.7], [1]);
    expect(net.fitPartial([0.2, -0.7], [1])).toBeCloseTo(before, 6);
    refSigmoidStep(ref, [0.2, -0.7], [1], 0.3);
    expect(maxAbsDiff(net.getWeights().weights, ref.weights)).toBeLessThan(1e-6);
    expect(net.fit_partial([[0.2, -0.7]], [[1]])).toBeCloseTo(refSampleLoss(ref, [0.2, -0.7], [1]), 6);
  });

  it('a batch step uses the mean of the per-sample gradients', async () => {
    const a = await NeuralNetwork.create({ layers: [2, 3, 1], learningRate: 0.3, seed: 4, engine });
    const ref: RefNet = cloneNet({ ...a.getWeights(), activations: ['sigmoid', 'sigmoid'], loss: 'mse' });
    const X = randomMatrix(4, 2, 31),
      Y = [[1], [0], [1], [0]];
    const expected = a.computeGradients(X, Y);
    a.fitPartial(X, Y);
    const moved = a.getWeights();
    // Independently: w − lr · mean gradient, with the gradient from four separate one-row steps of a unit rate.
    const deltas = X.map((x, i) => {
      const probe = cloneNet(ref);
      refSigmoidStep(probe, x, Y[i], 1);
      return probe.weights.map((W, l) => W.map((row, j) => row.map((w, k) => ref.weights[l][j][k] - w)));
    });
    const meanStep = ref.weights.map((W, l) =>
      W.map((row, j) => row.map((w, k) => w - (0.3 * deltas.reduce((s, d) => s + d[l][j][k], 0)) / 4)),
    );
    expect(maxAbsDiff(moved.weights, meanStep)).toBeLessThan(1e-6);
    expect(
      maxAbsDiff(
        expected.weights,
        deltas[0].map((W, l) => W.map((row, j) => row.map((_, k) => deltas.reduce((s, d) => s + d[l][j][k], 0) / 4))),
      ),
    ).toBeLessThan(1e-6);
  });
});
