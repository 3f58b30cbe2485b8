// Bit-for-bit weights: a fixed set of configurations, trained, hashes exactly as it did before any
// refactor or faster kernel. The hashes were computed by the build at commit 5238849 (before the
// reliability work) and reproduced since; only an explicitly opt-in mode (FMA) may change them.
// relu-dropout-adam's (dropout's masks drawn from the generator) were measured when dropout came, at 3f7493b.
// A team of threads must give the same hashes as one thread.
import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NeuralNetwork, type NetworkOptions } from '../src/index.js';
import { useWholeTeam } from '../src/wasm/team-host.js';
import { backendOf, ENGINES, randomMatrix, teamReady, XOR_X, XOR_Y } from './helpers.js';

const X = randomMatrix(60, 5, 1),
  Yreg = randomMatrix(60, 3, 2);
const Ycls = Yreg.map((row) => row.map((_, j) => Number(j === row.indexOf(Math.max(...row)))));

const CONFIGS: [name: string, options: NetworkOptions, x: number[][], y: number[][], fit: object][] = [
  ['xor-seed', { layers: [2, 2, 1], learningRate: 0.5, seed: 1 }, XOR_X, XOR_Y, { epochs: 2000 }],
  [
    'tanh-sigmoid-shuffle',
    { layers: [5, 7, 3], activation: 'tanh', outputActivation: 'sigmoid', seed: 2 },
    X,
    Ycls,
    { epochs: 30, batchSize: 3, shuffle: true },
  ],
  [
    'relu-softmax-adam',
    {
      layers: [5, 9, 6, 3],
      activation: 'relu',
      outputActivation: 'softmax',
      loss: 'crossEntropy',
      optimizer: 'adam',
      learningRate: 0.01,
      init: 'heNormal',
      seed: 3,
    },
    X,
    Ycls,
    { epochs: 25, batchSize: 8, shuffle: true },
  ],
  [
    'nesterov-l2-clip',
    {
      layers: [5, 8, 3],
      activation: 'leakyRelu',
      outputActivation: 'identity',
      optimizer: { type: 'momentum', momentum: 0.8, nesterov: true },
      l2: 0.01,
      clipNorm: 0.5,
      init: 'xavierUniform',
      learningRate: 0.05,
      seed: 4,
    },
    X,
    Yreg,
    { epochs: 20, batchSize: 37, shuffle: true },
  ],
  [
    'identity-momentum-batch1',
    { layers: [5, 4, 3], activation: 'identity', optimizer: 'momentum', learningRate: 0.01, seed: 5 },
    X,
    Yreg,
    { epochs: 10 },
  ],
  [
    'relu-dropout-adam',
    {
      layers: [5, 9, 6, 3],
      activation: 'relu',
      outputActivation: 'softmax',
      loss: 'crossEntropy',
      optimizer: 'adam',
      learningRate: 0.01,
      init: 'heNormal',
      dropout: [0.3, 0.2],
      seed: 6,
    },
    X,
    Ycls,
    { epochs: 25, batchSize: 8, shuffle: true },
  ],
];

const EXPECTED: Record<string, string> = {
  'wasm xor-seed': '3d05950bc576c872',
  'wasm tanh-sigmoid-shuffle': '01ce9aa93643e8d7',
  'wasm relu-softmax-adam': '54d9f77ee57be04b',
  'wasm nesterov-l2-clip': '0d68e3232f5093ca',
  'wasm identity-momentum-batch1': 'c15a9262d7f58991',
  'wasm relu-dropout-adam': '1cf1746f3a7de962',
  'js xor-seed': 'ac5228daec6cba6c',
  'js tanh-sigmoid-shuffle': 'ca33f5c580fb12a8',
  'js relu-softmax-adam': 'dda025be692c4ba3',
  'js nesterov-l2-clip': '0c348c2dd18d276e',
  'js identity-momentum-batch1': '37449a7bc58daa30',
  'js relu-dropout-adam': 'f53888acfeca9291',
};

/** Weights, biases and the optimiser vectors the rule uses, as float32 bits, hashed. */
function weightsHash(net: NeuralNetwork): string {
  const { weights, biases, trainingState } = net.toJSON({ trainingState: true });
  const values = [...weights.flat(2), ...biases.flat(), ...trainingState!.moments];
  return createHash('sha256')
    .update(Buffer.from(Float32Array.from(values).buffer))
    .digest('hex')
    .slice(0, 16);
}

describe.each(ENGINES)('weights hash as they always have (%s engine)', (engine) => {
  it.each(CONFIGS)('%s', async (name, options, x, y, fit) => {
    const net = await NeuralNetwork.create({ ...options, engine });
    net.fit(x, y, { ...fit, displayUpdate: 0 });
    net.fitPartial(x.slice(0, 2), y.slice(0, 2));
    expect(weightsHash(net)).toBe(EXPECTED[`${engine} ${name}`]);
  });
});

// The same hashes on a team of threads: every pass runs on the whole team (even these small ones,
// where shares are empty or ragged), and the test checks that it really did.
describe.each([2, 3, 'auto'] as const)('weights hash on %s threads = one thread', (threads) => {
  beforeAll(() => useWholeTeam(true));
  afterAll(() => useWholeTeam(false));
  it.each(CONFIGS)('%s', async (name, options, x, y, fit) => {
    const net = await NeuralNetwork.create({ ...options, engine: 'wasm', threads });
    expect(net.threads).toBe(threads === 'auto' ? Math.min(availableParallelism(), 8) : threads);
    await teamReady(net);
    net.fit(x, y, { ...fit, displayUpdate: 0 });
    expect(backendOf(net).lastMembers).toBe(net.threads);
    net.fitPartial(x.slice(0, 2), y.slice(0, 2));
    expect(weightsHash(net)).toBe(EXPECTED[`wasm ${name}`]);
    net.dispose();
  });
});
