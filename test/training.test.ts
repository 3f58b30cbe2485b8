// Training as users expect it: validation, early stopping that restores the best epoch, tolerance,
// onEpochEnd stopping, evaluate, predictClass, class-index targets, and checkpoints that resume
// bit for bit — on both engines.
import { describe, expect, it } from 'vitest';
import { withChecksum } from '../src/checkpoint.js';
import { NeuralNetwork, ValueError, type NetworkJSON } from '../src/index.js';
import { ENGINES, randomMatrix } from './helpers.js';

const X = randomMatrix(120, 4, 41),
  labels = X.map((r) => (r[0] + r[1] * r[2] > 0 ? 1 : 0) + (r[3] > 0.4 ? 1 : 0));
const oneHot = labels.map((c) => [0, 1, 2].map((k) => (k === c ? 1 : 0)));
const classifier = (engine: 'wasm' | 'js', extra = {}) =>
  NeuralNetwork.create({
    layers: [4, 10, 3],
    activation: 'tanh',
    outputActivation: 'softmax',
    loss: 'crossEntropy',
    learningRate: 0.05,
    seed: 9,
    engine,
    ...extra,
  });

describe.each(ENGINES)('training controls (%s engine)', (engine) => {
  it('class indices as targets are one-hot encoded; evaluate and predictClass agree with predict', async () => {
    const a = await classifier(engine),
      b = await classifier(engine);
    const ha = a.fit(X, labels, { epochs: 30, batchSize: 8, displayUpdate: 0 });
    const hb = b.fit(X, oneHot, { epochs: 30, batchSize: 8, displayUpdate: 0 });
    expect(a.getWeights()).toEqual(b.getWeights());
    expect(ha).toEqual(hb);
    const classes = a.predictClass(X);
    const byHand = (a.predict(X) as number[][]).map((p) => p.indexOf(Math.max(...p)));
    expect(classes).toEqual(byHand);
    const result = a.evaluate(X, Int32Array.from(labels));
    expect(result.accuracy).toBeCloseTo(classes.filter((c, i) => c === labels[i]).length / X.length, 12);
    expect(result.loss).toBeCloseTo(a.calculateLoss(X, labels) / X.length, 6);
    expect(ha.accuracy).toHaveLength(30);
    expect(ha.accuracy![29]).toBeGreaterThan(ha.accuracy![0]);
    expect(() =>
      a.fit(
        X,
        labels.map((c) => c + 1),
        { epochs: 1 },
      ),
    ).toThrow(/y\[\d+\] is 3: class indices must be integers from 0 to 2/);
    const regression = await NeuralNetwork.create({ layers: [4, 2], outputActivation: 'identity', engine });
    expect(() => regression.predictClass(X)).toThrow(ValueError);
  });

  it('validationSplit holds out a seeded random set and reports valLoss and valAccuracy every epoch', async () => {
    const a = await classifier(engine),
      b = await classifier(engine);
    const ha = a.fit(X, labels, { epochs: 12, batchSize: 8, validationSplit: 0.25, displayUpdate: 0 });
    const hb = b.fit(X, labels, { epochs: 12, batchSize: 8, validationSplit: 0.25, displayUpdate: 0 });
    expect(ha).toEqual(hb);
    expect(ha.valLoss).toHaveLength(12);
    expect(ha.valAccuracy).toHaveLength(12);
    // Not the tail: evaluating on the last quarter gives something else than the last valLoss.
    expect(a.evaluate(X.slice(90), labels.slice(90)).loss).not.toBeCloseTo(ha.valLoss![11], 6);
  });

  it('validationData: valLoss is evaluate() on those rows after each epoch', async () => {
    const net = await classifier(engine);
    const vx = X.slice(0, 30),
      vy = labels.slice(0, 30);
    let last = NaN;
    const h = net.fit(X, labels, {
      epochs: 5,
      validationData: [vx, vy],
      displayUpdate: 0,
      onEpochEnd: (_e, _l, logs) => {
        last = logs.valLoss!;
      },
    });
    expect(h.valLoss![4]).toBe(last);
    expect(h.valLoss![4]).toBeCloseTo(net.evaluate(vx, vy).loss, 12);
  });

  it('early stopping stops after `patience` epochs without improvement and restores the best weights', async () => {
    const net = await classifier(engine, { learningRate: 0.5 });
    // Validation rows with the labels scrambled: the validation loss soon rises as training fits X.
    const scrambled = labels.map((c) => (c + 1) % 3);
    const snapshots: ReturnType<NeuralNetwork['getWeights']>[] = [];
    const h = net.fit(X, labels, {
      epochs: 500,
      batchSize: 4,
      validationData: [X, scrambled],
      displayUpdate: 0,
      earlyStopping: { monitor: 'valLoss', patience: 3, restoreBestWeights: true },
      onEpochEnd: () => {
        snapshots.push(net.getWeights());
      },
    });
    expect(h.stoppedBy).toBe('earlyStopping');
    expect(h.epochs).toBe(h.bestEpoch! + 4);
    const best = Math.min(...h.valLoss!);
    expect(h.valLoss![h.bestEpoch! - 1]).toBe(best);
    expect(net.getWeights()).toEqual(snapshots[h.bestEpoch! - 1]);
    expect(net.getWeights()).not.toEqual(snapshots.at(-1));
  });

  it('tolerance stops once an epoch improves the loss by less than it; onEpochEnd returning false stops', async () => {
    const net = await classifier(engine);
    const h = net.fit(X, labels, { epochs: 5000, batchSize: 120, tolerance: 1e-4, displayUpdate: 0 });
    expect(h.stoppedBy).toBe('tolerance');
    expect(h.epochs).toBeLessThan(5000);
    expect(h.loss[h.epochs - 2] - h.loss[h.epochs - 1]).toBeLessThan(1e-4);
    const h2 = net.fit(X, labels, { epochs: 100, displayUpdate: 0, onEpochEnd: (epoch) => epoch < 7 });
    expect([h2.epochs, h2.stoppedBy]).toEqual([7, 'onEpochEnd']);
    expect(net.epoch).toBe(h.epochs + 7);
  });

  it('a checkpoint with training state resumes bit for bit: 4 + 6 epochs = 10 epochs', async () => {
    for (const optimizer of ['adam', { type: 'momentum', nesterov: true }] as const) {
      const options = { epochs: 10, batchSize: 7, shuffle: true, displayUpdate: 0 };
      const whole = await classifier(engine, { optimizer, l2: 1e-3 });
      whole.fit(X, labels, options);
      const first = await classifier(engine, { optimizer, l2: 1e-3 });
      first.fit(X, labels, { ...options, epochs: 4 });
      const text = JSON.stringify(first.toJSON({ trainingState: true }));
      const resumed = await NeuralNetwork.fromJSON(text, { engine });
      expect(resumed.epoch).toBe(4);
      resumed.fit(X, labels, { ...options, epochs: 6 });
      expect(resumed.getWeights()).toEqual(whole.getWeights());
      expect(resumed.epoch).toBe(10);
      // Without the training state the optimiser starts afresh, and the result differs.
      const fresh = await NeuralNetwork.fromJSON(JSON.stringify(first), { engine });
      fresh.fit(X, labels, { ...options, epochs: 6 });
      expect(fresh.getWeights()).not.toEqual(whole.getWeights());
    }
  });

  it('fromJSON refuses corrupted and mismatched checkpoints precisely', async () => {
    const net = await classifier(engine, { optimizer: 'adam' });
    net.fit(X, labels, { epochs: 2, displayUpdate: 0 });
    const json = net.toJSON({ trainingState: true });
    const resign = (changed: object): NetworkJSON => {
      const { checksum: _, ...content } = { ...json, ...changed } as NetworkJSON;
      return withChecksum(content);
    };
    const cases: [unknown, RegExp][] = [
      [
        {
          ...json,
          weights: [
            json.weights[0].map((row, o) => row.map((v, i) => (o === 1 && i === 2 ? v + 1e-3 : v))),
            json.weights[1],
          ],
        },
        /checksum mismatch/,
      ],
      [JSON.stringify(json).slice(0, -20), /not valid JSON/],
      [{ ...json, version: 4 }, /unsupported version 4/],
      [
        resign({ trainingState: { ...json.trainingState!, moments: json.trainingState!.moments.slice(1) } }),
        /json.trainingState.moments must hold 166 finite numbers for layers \[4, 10, 3\] and this optimizer; got 165/,
      ],
      [
        resign({ trainingState: { ...json.trainingState!, rng: [1, 2, 3] } }),
        /json.trainingState.rng must be four unsigned 32-bit integers/,
      ],
      [resign({ layers: [4, 11, 3] }), /json.weights\[0\] must have 11 rows \(layers\[1\]\); got 10/],
      [
        resign({ layers: [4, 11, 3], trainingState: undefined }),
        /json.weights\[0\] must have 11 rows \(layers\[1\]\); got 10/,
      ],
      [
        resign({ optimizer: { type: 'adam', beta1: 2, beta2: 0.999, epsilon: 1e-8 } }),
        /json.optimizer.beta1 must be a number in \[0, 1\)/,
      ],
      [resign({ optimizer: { type: 'adam', beta1: 0.9 } }), /json.optimizer.beta2 is missing/],
    ];
    for (const [bad, message] of cases)
      await expect(NeuralNetwork.fromJSON(bad as NetworkJSON, { engine })).rejects.toThrow(message);
  });

  it('worker mode carries the optimiser and validation: Adam with valLoss equals fit', async () => {
    const { NeuralNetwork: Built } = await import('../dist/src/index.js');
    const make = () =>
      Built.create({
        layers: [4, 10, 3],
        activation: 'tanh',
        outputActivation: 'softmax',
        loss: 'crossEntropy',
        optimizer: 'adam',
        learningRate: 0.01,
        seed: 9,
        engine,
      });
    const a = await make(),
      b = await make();
    const options = {
      epochs: 15,
      batchSize: 8,
      shuffle: true,
      displayUpdate: 0,
      validationData: [X.slice(0, 20), labels.slice(0, 20)] as [number[][], number[]],
    };
    const ha = a.fit(X, labels, options);
    const hb = await b.fitAsync(X, labels, { ...options, worker: true });
    expect(hb).toEqual(ha);
    expect(b.getWeights()).toEqual(a.getWeights());
    a.fit(X, labels, { epochs: 3, displayUpdate: 0 });
    b.fit(X, labels, { epochs: 3, displayUpdate: 0 });
    expect(b.getWeights()).toEqual(a.getWeights()); // the optimiser state came back from the worker too
  });
});
