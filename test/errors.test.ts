// Bad input: every rejected call throws a typed error naming the culprit and changes nothing.
import { describe, expect, it } from 'vitest';
import { DivergenceError, NeuralNetwork, ShapeError, StateError, ValueError } from '../src/index.js';
import { ACTIVATION_NAMES, CLASSIFYING_ACTIVATIONS } from '../src/registry.js';
import { ENGINES, XOR_X, XOR_Y } from './helpers.js';

type ErrorClass = typeof ShapeError | typeof ValueError;

describe.each(ENGINES)('bad input (%s engine)', (engine) => {
  const create = (): Promise<NeuralNetwork> => NeuralNetwork.create({ layers: [2, 3, 1], seed: 5, engine });

  const rejected: [string, (net: NeuralNetwork) => unknown, ErrorClass, RegExp][] = [
    [
      'ragged rows',
      (n) => n.fit([[0, 0], [1]], [[0], [1]]),
      ShapeError,
      /X row 1 has 1 columns; the network expects 2/,
    ],
    ['wrong input width', (n) => n.predict([[1, 2, 3]]), ShapeError, /X row 0 has 3 columns; the network expects 2/],
    [
      'wrong target width',
      (n) =>
        n.fit(XOR_X, [
          [0, 1],
          [1, 0],
          [1, 0],
          [0, 1],
        ]),
      ShapeError,
      /y row 0 has 2 columns; the network expects 1/,
    ],
    [
      'NaN in X',
      (n) =>
        n.fit(
          [
            [0, 0],
            [0, NaN],
          ],
          [[0], [1]],
        ),
      ShapeError,
      /X row 1, column 1 is not a finite/,
    ],
    [
      'Infinity in y',
      (n) => n.fit(XOR_X, [[0], [1], [Infinity], [0]]),
      ShapeError,
      /y row 2, column 0 is not a finite/,
    ],
    ['beyond float32', (n) => n.predict([[1e39, 0]]), ShapeError, /X row 0, column 0 is not a finite float32/],
    [
      'a string value',
      (n) => n.predict([[1, '2' as unknown as number]]),
      ShapeError,
      /X row 0, column 1 is not a number/,
    ],
    ['empty X', (n) => n.fit([], []), ShapeError, /X is empty/],
    ['mismatched counts', (n) => n.fit(XOR_X, [[0], [1], [1]]), ShapeError, /y has 3 rows but X has 4/],
    [
      'flat X in fit',
      (n) => n.fit([0, 1] as unknown as number[][], [[1]]),
      ShapeError,
      /X must hold one array \(or typed array\) per row, got a flat array/,
    ],
    [
      'typed data of the wrong length',
      (n) => n.predict({ data: new Float32Array(5), rows: 2, cols: 2 }),
      ShapeError,
      /X.data has 5 values; rows × cols = 2 × 2 = 4/,
    ],
    [
      'typed NaN',
      (n) => n.predict({ data: new Float32Array([0, 0, 0, NaN]), rows: 2, cols: 2 }),
      ShapeError,
      /X row 1, column 1/,
    ],
    [
      'typed rows not an integer',
      (n) => n.predict({ data: new Float32Array(4), rows: 1.5, cols: 2 }),
      ShapeError,
      /X.rows must be a positive integer/,
    ],
    [
      'not an array',
      (n) => n.predict('abc' as unknown as number[][]),
      ShapeError,
      /X must be number\[\]\[\] or \{ data: Float32Array/,
    ],
    [
      'epochs 0',
      (n) => n.fit(XOR_X, XOR_Y, { epochs: 0 }),
      ValueError,
      /epochs must be an integer from 1 to 4294967295; got 0/,
    ],
    [
      'fractional batch',
      (n) => n.fit(XOR_X, XOR_Y, { batchSize: 2.5 }),
      ValueError,
      /batchSize must be an integer ≥ 1; got 2.5/,
    ],
    [
      'negative displayUpdate',
      (n) => n.fit(XOR_X, XOR_Y, { displayUpdate: -1 }),
      ValueError,
      /displayUpdate must be an integer ≥ 0/,
    ],
    ['unknown fit option', (n) => n.fit(XOR_X, XOR_Y, { epoch: 5 } as never), ValueError, /unknown fit option 'epoch'/],
    [
      'shuffle not boolean',
      (n) => n.fit(XOR_X, XOR_Y, { shuffle: 'yes' } as never),
      ValueError,
      /shuffle must be true or false/,
    ],
    ['log not a function', (n) => n.fit(XOR_X, XOR_Y, { log: 3 } as never), ValueError, /log must be a function/],
    [
      'setWeights wrong shape',
      (n) => n.setWeights({ weights: [[[1, 2]], [[1, 2, 3]]], biases: [[0, 0, 0], [0]] }),
      ShapeError,
      /weights\[0\] has 1 rows; layer 1 has 3 units/,
    ],
    [
      'setWeights NaN',
      (n) =>
        n.setWeights({
          weights: [
            [
              [1, 2],
              [1, 2],
              [1, NaN],
            ],
            [[1, 2, 3]],
          ],
          biases: [[0, 0, 0], [0]],
        }),
      ShapeError,
      /weights\[0\] row 2, column 1 is not a finite/,
    ],
    [
      'setWeights missing layer',
      (n) =>
        n.setWeights({
          weights: [
            [
              [1, 2],
              [1, 2],
              [1, 2],
            ],
          ],
          biases: [[0, 0, 0]],
        }),
      ShapeError,
      /expected 2 weight matrices and 2 bias vectors; got 1 and 1/,
    ],
    [
      'learningRate set to 0',
      (n) => {
        n.learningRate = 0;
      },
      ValueError,
      /learningRate must be a number in \(0, ∞\); got 0/,
    ],
  ];

  it.each(rejected)('%s', async (_, call, type, message) => {
    const net = await create();
    net.fit(XOR_X, XOR_Y, { epochs: 3, displayUpdate: 0 }); // so there is loaded data and a trained state to keep
    const before = net.getWeights();
    const rateBefore = net.learningRate;
    let thrown: unknown;
    try {
      call(net);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(type);
    expect((thrown as Error).message).toMatch(message);
    expect(net.getWeights()).toEqual(before);
    expect(net.learningRate).toBe(rateBefore);
  });

  const badOptions: [string, object, RegExp, string][] = [
    ['one layer', { layers: [2] }, /layers must list 2 to 1024 widths/, 'layers'],
    ['zero width', { layers: [2, 0, 1] }, /layers\[1\] must be an integer ≥ 1; got 0/, 'layers[1]'],
    ['fractional width', { layers: [2, 1.5, 1] }, /layers\[1\] must be an integer ≥ 1; got 1.5/, 'layers[1]'],
    [
      'unknown activation',
      { layers: [2, 1], activation: 'swish' },
      new RegExp(`activation must be one of ${ACTIVATION_NAMES.map((name) => `'${name}'`).join(', ')}; got 'swish'`),
      'activation',
    ],
    ['softmax hidden', { layers: [2, 2, 2], activation: 'softmax' }, /activation must be one of/, 'activation'],
    [
      'unknown loss',
      { layers: [2, 1], loss: 'hinge' },
      /loss must be one of 'mse', 'crossEntropy'; got 'hinge'/,
      'loss',
    ],
    [
      'cross-entropy on identity',
      { layers: [2, 1], outputActivation: 'identity', loss: 'crossEntropy' },
      new RegExp(
        `loss 'crossEntropy' needs outputActivation ${CLASSIFYING_ACTIVATIONS.map((name) => `'${name}'`).join(' or ')}`,
      ),
      'loss',
    ],
    [
      'softmax of one unit',
      { layers: [2, 1], outputActivation: 'softmax' },
      /softmax' needs at least 2 output units/,
      'outputActivation',
    ],
    [
      'negative learning rate',
      { layers: [2, 1], learningRate: -1 },
      /learningRate must be a number in \(0, ∞\); got -1/,
      'learningRate',
    ],
    ['alpha NaN', { layers: [2, 1], alpha: NaN }, /alpha must be a number in \(0, ∞\); got NaN/, 'alpha'],
    [
      'alpha and learningRate disagree',
      { layers: [2, 1], alpha: 0.5, learningRate: 0.1 },
      /give one of them, not both/,
      'alpha',
    ],
    [
      'seed not an integer',
      { layers: [2, 1], seed: 1.5 },
      /seed must be an integer from 0 to 4294967295; got 1.5/,
      'seed',
    ],
    ['seed too large', { layers: [2, 1], seed: 2 ** 32 }, /seed must be an integer from 0 to 4294967295/, 'seed'],
    [
      'unknown engine',
      { layers: [2, 1], engine: 'gpu' },
      /engine must be one of 'js', 'wasm', 'auto'; got 'gpu'/,
      'engine',
    ],
    [
      'unknown arithmetic',
      { layers: [2, 1], arithmetic: 'fast' },
      /arithmetic must be one of 'portable', 'fma'; got 'fast'/,
      'arithmetic',
    ],
    ['arithmetic in capitals', { layers: [2, 1], arithmetic: 'FMA' }, /arithmetic must be one of/, 'arithmetic'],
    [
      'misspelt option',
      { layers: [2, 1], learningrate: 0.1 },
      /unknown network option 'learningrate'; did you mean 'learningRate'\?/,
      'learningrate',
    ],
  ];

  it.each(badOptions)('create refuses %s', async (_, options, message, option) => {
    const error = await NeuralNetwork.create({ engine, ...options } as never).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ValueError);
    expect((error as ValueError).message).toMatch(message);
    expect((error as ValueError).option).toBe(option);
  });

  it('a disposed network refuses every call', async () => {
    const net = await create();
    net.dispose();
    net.dispose(); // twice is harmless
    for (const call of [
      () => net.predict([0, 1]),
      () => net.fit(XOR_X, XOR_Y),
      () => net.getWeights(),
      () => net.toJSON(),
    ]) {
      expect(call).toThrow(StateError);
      expect(call).toThrow(/disposed/);
    }
  });

  it('a diverging fit says so and restores the last finite weights', async () => {
    const net = await NeuralNetwork.create({
      layers: [2, 8, 1],
      activation: 'relu',
      outputActivation: 'identity',
      learningRate: 1e3,
      seed: 1,
      engine,
    });
    const X = [
        [1, 2],
        [3, 4],
        [5, 6],
        [7, 8],
      ],
      Y = [[10], [20], [30], [40]];
    let thrown: unknown;
    try {
      net.fit(X, Y, { epochs: 50, displayUpdate: 0, onEpochEnd: () => undefined });
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(DivergenceError);
    expect((thrown as Error).message).toMatch(
      /training diverged at epoch \d+: .* stopped being finite\. The weights, optimiser state and generator are those after epoch \d+/,
    );
    expect(net.getWeights().weights.flat(2).every(Number.isFinite)).toBe(true);
  });
});
