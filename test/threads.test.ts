// Teams of threads in the wasm engine: the same bits as one thread for every way of training and
// predicting (the weights hashes in weights-hash.test.ts are the first proof; these cover the rest),
// and a lifecycle that leaks no worker. Every pass runs on the whole team (useWholeTeam), however
// small, so that these small networks really are cut into ragged and empty shares.
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NeuralNetwork as Built } from '../dist/src/index.js';
import { NeuralNetwork, StateError, ValueError, type NetworkOptions } from '../src/index.js';
import { threadCounts, useWholeTeam } from '../src/wasm/team-host.js';
import { optdigits } from '../examples/datasets.js';
import { backendOf, randomMatrix, teamReady } from './helpers.js';

beforeAll(() => useWholeTeam(true));
afterAll(() => useWholeTeam(false));

const X = randomMatrix(61, 13, 11),
  R = randomMatrix(61, 5, 12);
const Y = R.map((row) => row.map((_, j) => Number(j === row.indexOf(Math.max(...row)))));

/** Everything a checkpoint holds (weights, moments, generator, step, epoch), as text: equal text is equal bits. */
const state = (net: NeuralNetwork): string => JSON.stringify(net.toJSON({ trainingState: true }));

async function network(options: NetworkOptions, threads: number | 'auto'): Promise<NeuralNetwork> {
  const net = await NeuralNetwork.create({ ...options, engine: 'wasm', threads });
  await teamReady(net);
  return net;
}

const CONFIGS: [name: string, options: NetworkOptions, fit: object][] = [
  ['sgd, odd widths, batch 37, shuffled', { layers: [13, 7, 5], seed: 1 }, { epochs: 6, batchSize: 37, shuffle: true }],
  [
    'momentum, l2, clipping, batch 9',
    { layers: [13, 10, 5], activation: 'tanh', optimizer: 'momentum', l2: 0.01, clipNorm: 0.3, seed: 2 },
    { epochs: 5, batchSize: 9 },
  ],
  [
    'adam, softmax, dropout, validation and early stopping',
    {
      layers: [13, 17, 9, 5],
      activation: 'relu',
      outputActivation: 'softmax',
      loss: 'crossEntropy',
      optimizer: 'adam',
      learningRate: 0.01,
      dropout: 0.25,
      seed: 3,
    },
    {
      epochs: 30,
      batchSize: 6,
      shuffle: true,
      validationSplit: 0.2,
      earlyStopping: { patience: 2, restoreBestWeights: true },
    },
  ],
  ['per sample (batch 1)', { layers: [13, 6, 5], optimizer: 'adam', seed: 4 }, { epochs: 2 }],
];

describe.each([2, 3])('%s threads give one thread’s bits', (threads) => {
  it.each(CONFIGS)('fit: %s', async (_name, options, fit) => {
    const one = await network(options, 1);
    const team = await network(options, threads);
    const h1 = one.fit(X, Y, { ...fit, displayUpdate: 0 });
    const ht = team.fit(X, Y, { ...fit, displayUpdate: 0 });
    expect(backendOf(team).lastMembers).toBe(threads);
    expect(ht).toEqual(h1);
    expect(state(team)).toBe(state(one));
    team.dispose();
  });

  it('predict, evaluate, calculateLoss, fitPartial and computeGradients', async () => {
    const options = CONFIGS[2][1];
    const one = await network(options, 1);
    const team = await network(options, threads);
    const many = randomMatrix(1000, 13, 13);
    expect(team.predict(many)).toEqual(one.predict(many));
    expect(backendOf(team).lastMembers).toBe(threads);
    expect(team.evaluate(X, Y)).toEqual(one.evaluate(X, Y));
    expect(team.calculateLoss(X, Y)).toBe(one.calculateLoss(X, Y));
    expect(team.fitPartial(X.slice(0, 23), Y.slice(0, 23))).toBe(one.fitPartial(X.slice(0, 23), Y.slice(0, 23)));
    expect(team.computeGradients(X, Y)).toEqual(one.computeGradients(X, Y));
    expect(state(team)).toBe(state(one));
    team.dispose();
  });

  it('a checkpoint resumes on another number of threads, bit for bit', async () => {
    const options = CONFIGS[1][1];
    const straight = await network(options, 1);
    straight.fit(X, Y, { epochs: 8, batchSize: 9, shuffle: true, displayUpdate: 0 });
    const first = await network(options, threads);
    first.fit(X, Y, { epochs: 3, batchSize: 9, shuffle: true, displayUpdate: 0 });
    const resumed = await NeuralNetwork.fromJSON(first.toJSON({ trainingState: true }), {
      engine: 'wasm',
      threads: 5 - threads,
    });
    await teamReady(resumed);
    resumed.fit(X, Y, { epochs: 5, batchSize: 9, shuffle: true, displayUpdate: 0 });
    expect(state(resumed)).toBe(state(straight));
    first.dispose();
    resumed.dispose();
  });

  it('fitAsync in slices', async () => {
    const [, options, fit] = CONFIGS[0];
    const one = await network(options, 1);
    one.fit(X, Y, { ...fit, displayUpdate: 0 });
    const sliced = await network(options, threads);
    await sliced.fitAsync(X, Y, { ...fit, displayUpdate: 0 });
    expect(backendOf(sliced).lastMembers).toBe(threads);
    expect(state(sliced)).toBe(state(one));
    sliced.dispose();
  });

  it('fitAsync in a worker (the built package: the worker runs dist/), on a network big enough for the team to engage there', async () => {
    const { X: digits, y } = optdigits('train');
    const options: NetworkOptions = { layers: [64, 256, 10], activation: 'relu', seed: 5, engine: 'wasm' };
    const fit = { epochs: 2, batchSize: 64, shuffle: true, displayUpdate: 0 };
    const one = await Built.create({ ...options, threads: 1 });
    one.fit(digits, y, fit);
    const inWorker = await Built.create({ ...options, threads });
    await inWorker.fitAsync(digits, y, { ...fit, worker: true });
    const same = (): void =>
      expect(JSON.stringify(inWorker.toJSON({ trainingState: true }))).toBe(
        JSON.stringify(one.toJSON({ trainingState: true })),
      );
    same();
    // A second worker fit runs on the same training thread (and its team), from the network's state.
    const threadOf = (net: unknown): unknown => (net as { thread: { thread: unknown } }).thread.thread;
    const thread = threadOf(inWorker);
    one.fit(digits, y, fit);
    await inWorker.fitAsync(digits, y, { ...fit, worker: true });
    expect(threadOf(inWorker)).toBe(thread);
    same();
    inWorker.dispose();
  });
});

describe('the threads option', () => {
  it("'auto' is the cores this host reports, at most 8; the js engine runs one", async () => {
    const { availableParallelism } = await import('node:os');
    const net = await network({ layers: [2, 3, 1], seed: 1 }, 'auto');
    expect(net.threads).toBe(Math.min(8, availableParallelism()));
    net.dispose();
    const js = await NeuralNetwork.create({ layers: [2, 3, 1], seed: 1, engine: 'js', threads: 4 });
    expect(js.threads).toBe(1);
  });

  it('refuses counts outside 1 … 32 and fit counts above the network’s, naming the option', async () => {
    for (const threads of [0, 33, 1.5, '2', null]) {
      await expect(NeuralNetwork.create({ layers: [2, 1], threads } as never)).rejects.toThrow(ValueError);
    }
    const net = await network({ layers: [13, 4, 5], seed: 1 }, 2);
    const before = state(net);
    expect(() => net.fit(X, Y, { epochs: 1, threads: 3 })).toThrow(/threads/);
    expect(() => net.fit(X, Y, { epochs: 1, threads: 0 })).toThrow(ValueError);
    expect(state(net)).toBe(before);
    // Fewer threads for one fit: the same bits, and the network's team again afterwards.
    const one = await network({ layers: [13, 4, 5], seed: 1 }, 1);
    net.fit(X, Y, { epochs: 2, batchSize: 8, threads: 1, displayUpdate: 0 });
    expect(backendOf(net).lastMembers).toBe(1);
    one.fit(X, Y, { epochs: 2, batchSize: 8, displayUpdate: 0 });
    expect(state(net)).toBe(state(one));
    net.predict(X);
    expect(backendOf(net).lastMembers).toBe(2);
    net.dispose();
  });

  it('trains optdigits to the same accuracy bits on 2 threads', async () => {
    const train = optdigits('train'),
      test = optdigits('test');
    const options: NetworkOptions = {
      layers: [64, 32, 10],
      activation: 'relu',
      outputActivation: 'softmax',
      loss: 'crossEntropy',
      optimizer: 'adam',
      learningRate: 0.005,
      seed: 9,
    };
    const one = await network(options, 1);
    const team = await network(options, 2);
    for (const net of [one, team])
      net.fit(train.X, train.y, { epochs: 3, batchSize: 32, shuffle: true, displayUpdate: 0 });
    const accuracy = team.evaluate(test.X, test.y).accuracy!;
    expect(accuracy).toBeGreaterThan(0.9);
    expect(accuracy).toBe(one.evaluate(test.X, test.y).accuracy);
    expect(state(team)).toBe(state(one));
    team.dispose();
  });
});

describe('lifecycle: no worker leaks, whatever ends a threaded fit', () => {
  it('dispose from a callback during a threaded fit stops it with StateError and gives the workers back', async () => {
    const before = threadCounts().leased;
    const net = await network({ layers: [13, 8, 5], seed: 1 }, 3);
    expect(threadCounts().leased).toBe(before + 2);
    expect(() =>
      net.fit(X, Y, {
        epochs: 50,
        batchSize: 8,
        displayUpdate: 0,
        onEpochEnd: (epoch) => void (epoch === 3 && net.dispose()),
      }),
    ).toThrow(StateError);
    expect(threadCounts().leased).toBe(before);
  });

  it('an aborted fitAsync and a throwing callback leave the team usable and in step with a twin', async () => {
    const options: NetworkOptions = { layers: [13, 8, 5], optimizer: 'momentum', seed: 2 };
    const net = await network(options, 2);
    const controller = new AbortController();
    const aborted = net.fitAsync(X, Y, {
      epochs: 100_000,
      batchSize: 4,
      displayUpdate: 0,
      signal: controller.signal,
      onProgress: ({ epoch }) => void (epoch > 50 && controller.abort(new Error('enough'))),
    });
    await expect(aborted).rejects.toThrow('enough');
    expect(() =>
      net.fit(X, Y, {
        epochs: 10,
        batchSize: 4,
        displayUpdate: 0,
        onEpochEnd: (epoch) => {
          if (epoch === 2) throw new Error('callback');
        },
      }),
    ).toThrow('callback');
    const twin = await NeuralNetwork.fromJSON(net.toJSON({ trainingState: true }), { engine: 'wasm', threads: 1 });
    for (const n of [net, twin]) n.fit(X, Y, { epochs: 3, batchSize: 4, displayUpdate: 0 });
    expect(state(net)).toBe(state(twin));
    net.dispose();
  });

  it('300 fits that each move the team twice (a training set of 1 MiB or more is given back after each): the workers follow every move', async () => {
    const { X: digits, y } = optdigits('train'); // 3,823 rows: 1.1 MiB in the arena
    const net = await network({ layers: [64, 32, 10], activation: 'relu', seed: 5 }, 2);
    const engine = backendOf(net);
    const members: number[] = [];
    for (let i = 0; i < 300; i++) {
      net.fit(digits, y, { epochs: 1, batchSize: 256, displayUpdate: 0 });
      members.push(engine.lastMembers);
    }
    expect(members.filter((m) => m !== 2)).toEqual([]);
    expect(threadCounts().leased).toBeGreaterThan(0);
    net.dispose();
  });

  it('a process that never disposes its threaded network still exits when its work is done', () => {
    const library = new URL('../dist/src/index.js', import.meta.url).href;
    const script =
      `import { NeuralNetwork } from '${library}';` +
      "const net = await NeuralNetwork.create({ layers: [2, 3, 1], threads: 2, seed: 1, engine: 'wasm' });" +
      'net.fit([[0, 0], [1, 1]], [[0], [1]], { epochs: 5, displayUpdate: 0 });' +
      'console.log(net.threads);';
    const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(output.trim()).toBe('2');
  });

  it('1,000 create / fit / dispose cycles on 2 threads: the pool starts a few workers, not 1,000, and memory stays flat', async () => {
    const rss: number[] = [];
    const started = threadCounts().started;
    for (let cycle = 0; cycle < 1000; cycle++) {
      const net = await NeuralNetwork.create({ layers: [13, 6, 5], seed: cycle, engine: 'wasm', threads: 2 });
      net.fit(X, Y, { epochs: 1, batchSize: 16, displayUpdate: 0 });
      expect(backendOf(net).lastMembers).toBe(2);
      net.dispose();
      if (cycle % 100 === 99) rss.push(process.memoryUsage().rss);
    }
    const counts = threadCounts();
    expect(counts.leased).toBe(0);
    expect(counts.started - started).toBeLessThanOrEqual(2);
    expect(counts.live).toBeLessThanOrEqual(counts.idle + counts.leased + 8);
    // Flat: the last 500 cycles add less than 64 MiB (each cycle's arena is a fresh shared memory).
    expect(rss[rss.length - 1] - rss[4]).toBeLessThan(64 * 2 ** 20);
  });
});
