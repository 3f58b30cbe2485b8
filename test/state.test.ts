// Determinism, weights in and out, serialisation, and the forms results come back in.
import { describe, expect, it } from 'vitest';
import { withChecksum } from '../src/checkpoint.js';
import { NeuralNetwork } from '../src/index.js';
import { ENGINES, XOR_X, XOR_Y, randomMatrix } from './helpers.js';

const bits = (values: number[]): string => Buffer.from(Float32Array.from(values).buffer).toString('hex');

describe.each(ENGINES)('state (%s engine)', (engine) => {
  async function trained(seed: number, shuffle: boolean): Promise<NeuralNetwork> {
    const net = await NeuralNetwork.create({
      layers: [2, 5, 3, 1],
      activation: 'tanh',
      outputActivation: 'sigmoid',
      seed,
      engine,
    });
    net.fit(XOR_X, XOR_Y, { epochs: 200, batchSize: 3, shuffle, displayUpdate: 0 });
    return net;
  }

  it('the same seed gives bit-identical weights after training, twice in a row', async () => {
    for (const shuffle of [false, true]) {
      const a = (await trained(42, shuffle)).getWeights(),
        b = (await trained(42, shuffle)).getWeights();
      expect(bits([...a.weights.flat(2), ...a.biases.flat()])).toBe(bits([...b.weights.flat(2), ...b.biases.flat()]));
    }
    const c = (await trained(43, true)).getWeights(),
      d = (await trained(42, true)).getWeights();
    expect(c.weights).not.toEqual(d.weights);
  });

  it('shuffling changes the order: results differ from the unshuffled run', async () => {
    expect((await trained(42, true)).getWeights()).not.toEqual((await trained(42, false)).getWeights());
  });

  it('initial weights are normal(0, 1)/√fan_in and biases zero', async () => {
    const net = await NeuralNetwork.create({ layers: [400, 300, 1], seed: 9, engine });
    const w = net.getWeights().weights[0].flat();
    const mean = w.reduce((s, v) => s + v, 0) / w.length;
    const variance = w.reduce((s, v) => s + (v - mean) ** 2, 0) / w.length;
    expect(Math.abs(mean)).toBeLessThan(0.003); // 120,000 samples: 6 standard errors
    expect(variance * 400).toBeCloseTo(1, 1);
    expect(
      net
        .getWeights()
        .biases.flat()
        .every((b) => b === 0),
    ).toBe(true);
    expect(net.seed).toBe(9);
  });

  it('an omitted seed is drawn at random and reported', async () => {
    const a = await NeuralNetwork.create({ layers: [3, 2], engine });
    const b = await NeuralNetwork.create({ layers: [3, 2], engine, seed: a.seed });
    expect(Number.isInteger(a.seed)).toBe(true);
    expect(b.getWeights()).toEqual(a.getWeights());
  });

  it('toJSON → JSON string → fromJSON gives identical predictions, bit for bit', async () => {
    const net = await trained(5, true);
    const copy = await NeuralNetwork.fromJSON(JSON.stringify(net), { engine });
    const X = randomMatrix(20, 2, 3, 2);
    expect(bits((copy.predict(X) as number[][]).flat())).toBe(bits((net.predict(X) as number[][]).flat()));
    expect(copy.toJSON()).toEqual(net.toJSON());
    expect(copy.layers).toEqual([2, 5, 3, 1]);
    expect(copy.activation).toBe('tanh');
    expect(copy.outputActivation).toBe('sigmoid');
  });

  it('fromJSON refuses what it did not write', async () => {
    await expect(NeuralNetwork.fromJSON('{"format":"other"}')).rejects.toThrow(
      /not a serialised backprop-wasm network/,
    );
    const json = (await trained(5, false)).toJSON();
    await expect(NeuralNetwork.fromJSON({ ...json, version: 99 as 1 })).rejects.toThrow(/unsupported version 99/);
    const edited = structuredClone(json);
    edited.weights[1][0][2] += 1e-3;
    await expect(NeuralNetwork.fromJSON(edited)).rejects.toThrow(/checksum mismatch/);
    const { checksum: _, ...content } = { ...json, weights: json.weights.slice(1) };
    await expect(NeuralNetwork.fromJSON(withChecksum(content))).rejects.toThrow(
      /json.weights must hold 3 entries for layers \[2, 5, 3, 1\]; got 2/,
    );
    await expect(NeuralNetwork.fromJSON('{"format":')).rejects.toThrow(/not valid JSON/);
  });

  it('getWeights is out × in and setWeights round-trips it', async () => {
    const net = await NeuralNetwork.create({ layers: [3, 2, 1], seed: 1, engine });
    const w = net.getWeights();
    expect(w.weights.map((m) => [m.length, m[0].length])).toEqual([
      [2, 3],
      [1, 2],
    ]);
    expect(w.biases.map((b) => b.length)).toEqual([2, 1]);
    const custom = {
      weights: [
        [
          [1, 0, 0],
          [0, 1, 0],
        ],
        [[0.5, -0.5]],
      ],
      biases: [[0.25, 0], [0.125]],
    };
    net.setWeights(custom);
    expect(net.getWeights()).toEqual(custom);
    // Sigmoid units throughout: output = σ(0.5·σ(x0 + 0.25) − 0.5·σ(x1) + 0.125).
    const s = (v: number): number => 1 / (1 + Math.exp(-v));
    expect(net.predict([0.3, -0.2, 9])[0]).toBeCloseTo(s(0.5 * s(0.55) - 0.5 * s(-0.2) + 0.125), 6);
  });

  it('results mirror the input form', async () => {
    const net = await trained(8, false);
    const rows = net.predict(XOR_X);
    const one = net.predict([0, 1]);
    const typed = net.predict({ data: Float32Array.from(XOR_X.flat()), rows: 4, cols: 2 });
    expect(Array.isArray(rows) && Array.isArray(rows[0])).toBe(true);
    expect(one).toEqual(rows[1]);
    expect(typed.data).toBeInstanceOf(Float32Array);
    expect([typed.rows, typed.cols]).toEqual([4, 1]);
    expect(Array.from(typed.data)).toEqual(rows.flat());
    expect(
      net.predict({ data: Float64Array.from(XOR_X.flat()) as unknown as Float32Array, rows: 4, cols: 2 }).data,
    ).toEqual(typed.data);
  });

  it('fit returns the mean per-sample loss of every epoch, and onEpochEnd sees the same', async () => {
    const net = await NeuralNetwork.create({ layers: [2, 4, 1], seed: 2, engine });
    const seen: [number, number][] = [];
    const history = net.fit(XOR_X, XOR_Y, {
      epochs: 30,
      batchSize: 2,
      displayUpdate: 0,
      onEpochEnd: (e, l) => seen.push([e, l]),
    });
    expect(history.epochs).toBe(30);
    expect(seen.map(([e]) => e)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(seen.map(([, l]) => l)).toEqual(history.loss);
  });

  it('predicts many more rows than one pass holds, and a typed training set', async () => {
    const net = await NeuralNetwork.create({ layers: [2, 3, 2], seed: 2, engine });
    const X = randomMatrix(1000, 2, 4);
    const all = net.predict(X) as number[][];
    expect(all).toHaveLength(1000);
    expect(all[999]).toEqual(net.predict(X[999]));
    const typedX = { data: Float32Array.from(X.flat()), rows: 1000, cols: 2 };
    const typedY = { data: Float32Array.from(X.flat().map((v) => (v > 0 ? 1 : 0))), rows: 1000, cols: 2 };
    const a = net.fit(typedX, typedY, { epochs: 2, batchSize: 300, displayUpdate: 0 });
    expect(a.loss[1]).toBeLessThan(a.loss[0]);
  });

  it('toString names the architecture, as the seed does', async () => {
    expect(String(await NeuralNetwork.create({ layers: [2, 2, 1], engine }))).toBe('NeuralNetwork: 2-2-1');
  });
});
